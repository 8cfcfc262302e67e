"""The mnist panel's CNN forward pass in numpy, for the drawing canvas (no torch).

The GUI process never imports torch. The engine puts a copy of the current weights into
its snapshots (about every half second, and always at the end of a run), and the canvas
evaluates the user's drawing with :func:`forward` right there, on every stroke: no
round-trip to the engine process, and it works the same while training, paused or after
the run. Tests check that it equals the torch model's output.

Layers as in engines/mnist/cnn.py: two (k × k convolution with zero padding, ReLU, 2 × 2
max-pool) blocks, flatten, dense + ReLU, dense. A convolution is computed as a matrix
product over k × k patches ("im2col"): z_{c,j} = Σ_{c',j'} w_{cc'}(j − j') y_{c',j'} + b_c.
"""
from __future__ import annotations

import numpy as np

N_CLASSES = 10
WEIGHT_KEYS = ("conv1_w", "conv1_b", "conv2_w", "conv2_b", "fc1_w", "fc1_b", "fc2_w", "fc2_b")


def conv2d_same(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x (n, c_in, H, W), w (c_out, c_in, k, k) odd k, zero padding k//2 → (n, c_out, H, W).

    Cross-correlation, as torch.nn.Conv2d computes it."""
    n, c_in, h, wd = x.shape
    c_out, _, k, _ = w.shape
    p = k // 2
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    # patches[n, c_in, i, j, H, W] = xp[n, c_in, H + i, W + j]
    patches = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))
    # sliding_window_view puts the window axes last: (n, c_in, H, W, k, k)
    cols = patches.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * wd, c_in * k * k)
    z = cols @ w.reshape(c_out, c_in * k * k).T + b
    return z.reshape(n, h, wd, c_out).transpose(0, 3, 1, 2)


def max_pool2(x: np.ndarray) -> np.ndarray:
    """2 × 2 max-pool with stride 2 (odd edges dropped, as torch does)."""
    n, c, h, w = x.shape
    x = x[:, :, : h - h % 2, : w - w % 2]
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def forward(weights: dict[str, np.ndarray], images: np.ndarray) -> np.ndarray:
    """Raw network outputs (n, n_out) for images (n, 28, 28) or (28, 28) in [0, 1]."""
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 2:
        x = x[None]
    x = x[:, None]
    y = max_pool2(np.maximum(conv2d_same(x, weights["conv1_w"], weights["conv1_b"]), 0.0))
    y = max_pool2(np.maximum(conv2d_same(y, weights["conv2_w"], weights["conv2_b"]), 0.0))
    y = y.reshape(len(y), -1)
    y = np.maximum(y @ weights["fc1_w"].T + weights["fc1_b"], 0.0)
    return y @ weights["fc2_w"].T + weights["fc2_b"]


def softmax(z: np.ndarray) -> np.ndarray:
    """p_j = e^{z_j} / Σ_k e^{z_k} (lecture 2.3: an activation that is not pointwise)."""
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def class_probabilities(outputs: np.ndarray, criterion: str, alpha: float = 1.0,
                        beta: float = 0.0) -> np.ndarray:
    """What the canvas shows for each class, a distribution over 0..9 (rows sum to 1).

    (a) softmax of the logits: the network's p(class | image).
    (b) the 10 outputs were trained towards one-hot codes, not probabilities: their
        positive parts, normalised (uniform if all are ≤ 0).
    (c), (d), (d'): one regression output f; all weight on round(f) clipped to 0..9.
    """
    out = np.atleast_2d(np.asarray(outputs, dtype=np.float64))
    if criterion == "a_cross_entropy":
        return softmax(out)
    if criterion == "b_mse_onehot":
        pos = np.maximum(out, 0.0)
        total = pos.sum(axis=1, keepdims=True)
        uniform = np.full_like(pos, 1.0 / pos.shape[1])
        return np.where(total > 0, pos / np.where(total > 0, total, 1.0), uniform)
    f = regression_value(out, criterion, alpha, beta)
    cls = np.clip(np.rint(f), 0, N_CLASSES - 1).astype(int)
    probs = np.zeros((len(out), N_CLASSES))
    probs[np.arange(len(out)), cls] = 1.0
    return probs


def regression_value(outputs: np.ndarray, criterion: str, alpha: float = 1.0,
                     beta: float = 0.0) -> np.ndarray:
    """The scalar prediction of the one-output networks ((d) transforms it)."""
    f = np.atleast_2d(np.asarray(outputs, dtype=np.float64))[:, 0]
    return alpha * f + beta if criterion == "d_scaled_output" else f


# ---- drawings → MNIST-like images --------------------------------------------------------------
def center_like_mnist(ink: np.ndarray, box: int = 20, side: int = 28) -> np.ndarray:
    """A drawing (H, W ink in [0, 1]) as MNIST prepares digits: the ink's bounding box
    scaled so that its longer side is ``box`` pixels, placed in a ``side`` × ``side``
    image with its centre of mass in the middle. Returns float32 (28, 28) in [0, 1];
    an empty drawing gives zeros."""
    ink = np.asarray(ink, dtype=np.float64)
    rows = np.flatnonzero(ink.max(axis=1) > 0.05)
    cols = np.flatnonzero(ink.max(axis=0) > 0.05)
    out = np.zeros((side, side), np.float32)
    if rows.size == 0:
        return out
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    nh, nw = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
    small = _resize_area(crop, nh, nw)
    total = small.sum()
    if total <= 0:
        return out
    cy = (small.sum(axis=1) * np.arange(nh)).sum() / total
    cx = (small.sum(axis=0) * np.arange(nw)).sum() / total
    top = int(round(side / 2 - 0.5 - cy))
    left = int(round(side / 2 - 0.5 - cx))
    top = min(max(top, 0), side - nh)
    left = min(max(left, 0), side - nw)
    out[top:top + nh, left:left + nw] = small
    return np.clip(out, 0.0, 1.0)


def _resize_area(img: np.ndarray, nh: int, nw: int) -> np.ndarray:
    """Area-average resize (anti-aliased), for downscaling a drawing."""
    h, w = img.shape
    ys = np.linspace(0, h, nh + 1)
    xs = np.linspace(0, w, nw + 1)
    # integrate with a cumulative sum on a fine grid: exact for piecewise-constant pixels
    cum = np.zeros((h + 1, w + 1))
    cum[1:, 1:] = img.cumsum(0).cumsum(1)

    def integral(y, x):
        y0 = np.clip(np.floor(y).astype(int), 0, h)
        x0 = np.clip(np.floor(x).astype(int), 0, w)
        fy, fx = y - y0, x - x0
        y1, x1 = np.minimum(y0 + 1, h), np.minimum(x0 + 1, w)
        c00 = cum[np.ix_(y0, x0)]
        c01 = cum[np.ix_(y0, x1)]
        c10 = cum[np.ix_(y1, x0)]
        c11 = cum[np.ix_(y1, x1)]
        fy, fx = fy[:, None], fx[None, :]
        return (c00 * (1 - fy) * (1 - fx) + c01 * (1 - fy) * fx + c10 * fy * (1 - fx)
                + c11 * fy * fx)

    s = integral(ys, xs)
    area = np.outer(np.diff(ys), np.diff(xs))
    return (s[1:, 1:] - s[:-1, 1:] - s[1:, :-1] + s[:-1, :-1]) / area
