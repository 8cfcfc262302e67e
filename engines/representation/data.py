"""Data of the representation-learning demos (numpy; torch only for eigh).

- MNIST: the bundled 10,000-digit subset (:func:`engines.mnist.data.load_subset`), pixels
  scaled to [0, 1], flattened to 784-vectors.
- A 2-d correlated Gaussian cloud with principal widths σ₁ ≥ σ₂ along an angle φ.
- A periodic 1-d Gaussian random field on d sites. Translation invariance makes the
  covariance circulant, C_kj = C(k − j), so it is diagonalised by plane waves and its
  eigenvalues are the power spectrum λ(q) = Σ_l e^{−iql} C(l), q = 2π m / d. We *define*
  the field by its power spectrum (Gaussian in q plus a small white-noise floor, so every
  λ(q) > 0) and draw samples as x = F⁻¹ diag(√λ) F ξ with white noise ξ: exactly C^{1/2} ξ.
- Points on a curve in 2-d (an arc of a circle, with a little noise across it): a 1-d
  manifold that no straight line (1-component PCA) can represent.
"""
from __future__ import annotations

import math

import numpy as np

#: Side of an MNIST digit, and its number of pixels.
SIDE, PIXELS = 28, 784
#: White-noise floor of the random field's power spectrum (keeps C invertible and λ > 0).
FIELD_FLOOR = 0.02


def mnist_all(n: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(x (n, 784) float64 in [0, 1], labels (n,)) of the bundled subset, train then test;
    the subset is stored class-interleaved, so the first n digits are balanced."""
    from engines.mnist.data import load_subset

    data = load_subset()
    x = np.concatenate([data.x_train, data.x_test]).reshape(-1, PIXELS) / 255.0
    y = np.concatenate([data.y_train, data.y_test]).astype(np.int64)
    if n > 0:
        x, y = x[:n], y[:n]
    return x, y


def mnist_train_eval(n_train: int, n_eval: int) -> tuple[np.ndarray, np.ndarray,
                                                         np.ndarray, np.ndarray]:
    """(x_train, y_train, x_eval, y_eval): the first ``n_train`` training digits and the
    first ``n_eval`` held-out digits of the subset, as float64 784-vectors in [0, 1]."""
    from engines.mnist.data import load_subset

    data = load_subset()
    n_train = min(n_train, len(data.y_train))
    n_eval = min(n_eval, len(data.y_test))
    return (data.x_train[:n_train].reshape(-1, PIXELS) / 255.0,
            data.y_train[:n_train].astype(np.int64),
            data.x_test[:n_eval].reshape(-1, PIXELS) / 255.0,
            data.y_test[:n_eval].astype(np.int64))


def gaussian2d_cov(sigma1: float, sigma2: float, angle_deg: float) -> np.ndarray:
    """C = R diag(σ₁², σ₂²) Rᵀ with R the rotation by φ."""
    phi = math.radians(angle_deg)
    r = np.array([[math.cos(phi), -math.sin(phi)], [math.sin(phi), math.cos(phi)]])
    return r @ np.diag([sigma1 ** 2, sigma2 ** 2]) @ r.T


def gaussian2d(n: int, sigma1: float, sigma2: float, angle_deg: float,
               rng: np.random.Generator) -> np.ndarray:
    """n points (n, 2) of the zero-mean Gaussian with covariance :func:`gaussian2d_cov`."""
    chol = np.linalg.cholesky(gaussian2d_cov(sigma1, sigma2, angle_deg))
    return rng.standard_normal((n, 2)) @ chol.T


def field_spectrum(d: int, corr_length: float) -> np.ndarray:
    """Power spectrum λ(q_m), m = 0 … d−1, q = 2π m/d (wrapped to |q| ≤ π): a Gaussian of
    width 1/ξ in q plus the floor; normalised so that the variance C(0) per site is 1."""
    m = np.arange(d)
    q = 2 * math.pi * np.minimum(m, d - m) / d
    lam = np.exp(-0.5 * (q * corr_length) ** 2) + FIELD_FLOOR
    return lam * d / lam.sum()


def field_correlation(spectrum: np.ndarray) -> np.ndarray:
    """C(l) = (1/d) Σ_q λ(q) e^{iql}, l = 0 … d−1 (real and even for an even spectrum)."""
    return np.fft.ifft(spectrum).real


def field_samples(n: int, spectrum: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """n field configurations (n, d): x = F⁻¹ diag(√λ) F ξ, covariance exactly C."""
    xi = rng.standard_normal((n, spectrum.size))
    return np.fft.ifft(np.sqrt(spectrum)[None, :] * np.fft.fft(xi, axis=1), axis=1).real


def circulant(c: np.ndarray) -> np.ndarray:
    """The matrix C_kj = C((k − j) mod d)."""
    d = c.size
    idx = (np.arange(d)[:, None] - np.arange(d)[None, :]) % d
    return c[idx]


def curve_points(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """(points (n, 2), position t (n,)) on the arc (cos t, sin t), t ∈ [−0.8π, 0.8π],
    displaced radially by Gaussian noise of width ``noise``, then centred."""
    t = rng.uniform(-0.8 * math.pi, 0.8 * math.pi, size=n)
    r = 1.0 + noise * rng.standard_normal(n)
    x = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    return x - x.mean(axis=0), t


def pca(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(eigenvalues descending, eigenvectors as columns) of a symmetric covariance; each
    eigenvector's sign is fixed so that its largest-magnitude entry is positive (the
    pictures then do not flicker from one update to the next). torch's eigh (LAPACK
    syevd on the engine's one thread) takes 0.3 s for d = 784 where numpy's took 2 s."""
    import torch

    lam, vec = (t.numpy() for t in torch.linalg.eigh(torch.from_numpy(
        np.ascontiguousarray(cov, dtype=np.float64))))
    lam, vec = lam[::-1].copy(), vec[:, ::-1].copy()
    lam = np.maximum(lam, 0.0)     # round-off can make the zero eigenvalues −1e-17
    big = np.argmax(np.abs(vec), axis=0)
    vec *= np.sign(vec[big, np.arange(vec.shape[1])])[None, :]
    return lam, vec


def pca_floor(eigenvalues: np.ndarray, k: int) -> float:
    """Σ_{l>k} λ_l: the smallest mean squared reconstruction error with k components."""
    return float(np.sum(eigenvalues[k:]))
