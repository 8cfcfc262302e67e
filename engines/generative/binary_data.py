"""Binary data of the RBM demo (numpy only).

- ``segments``: the course's random segments: on a line of N sites one contiguous run of
  'on' sites, of length L uniform in [ℓ − 2, ℓ + 2] (ℓ ≈ 7 of N = 20) and start uniform in
  [0, N − L]. P(v) is known exactly: (1/#lengths) · 1/(N − L + 1) for each segment state.
- ``bars_stripes``: s × s images whose rows are all equal (bars) or whose columns are all
  equal (stripes), each with probability ½, each row/column on with probability ½. The
  all-off and all-on images are both: P = 1/8 · … (exact table below).
- ``mnist``: the bundled MNIST subset, binarised (grey level > 127 = 1); only samples, no
  exact distribution.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class BinaryData:
    name: str
    shape: tuple[int, int]              # (rows, cols) of one sample for display
    states: np.ndarray                  # (m, n) uint8: the support (or the training set)
    probs: np.ndarray | None            # (m,) exact P_data(v) on the support, or None
    labels: np.ndarray | None = None    # digit classes (mnist)

    @property
    def n_visible(self) -> int:
        return self.states.shape[1]

    @property
    def exact(self) -> bool:
        return self.probs is not None

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.probs is None:
            idx = rng.integers(0, len(self.states), size=n)
        else:
            idx = rng.choice(len(self.states), size=n, p=self.probs)
        return self.states[idx]

    def entropy(self) -> float:
        """H[P_data] in nats (exact distributions only)."""
        if self.probs is None:
            return float("nan")
        p = self.probs[self.probs > 0]
        return float(-(p * np.log(p)).sum())


def segment_lengths(sites: int, length: int) -> list[int]:
    return [L for L in range(max(1, length - 2), min(sites, length + 2) + 1)]


def segments(sites: int = 20, length: int = 7) -> BinaryData:
    lengths = segment_lengths(sites, length)
    states, probs = [], []
    for L in lengths:
        starts = sites - L + 1
        for s in range(starts):
            v = np.zeros(sites, np.uint8)
            v[s:s + L] = 1
            states.append(v)
            probs.append(1.0 / len(lengths) / starts)
    return BinaryData("segments", (1, sites), np.array(states), np.array(probs))


def bars_and_stripes(side: int = 3) -> BinaryData:
    table: dict[bytes, float] = {}
    images = {}
    for orientation in range(2):
        for code in range(2 ** side):
            bits = np.array([(code >> i) & 1 for i in range(side)], np.uint8)
            img = np.repeat(bits[:, None], side, axis=1)     # rows equal: bars
            if orientation == 1:
                img = img.T                                  # columns equal: stripes
            key = img.tobytes()
            table[key] = table.get(key, 0.0) + 0.5 / 2 ** side
            images[key] = img.ravel()
    keys = sorted(table)
    return BinaryData("bars_stripes", (side, side), np.array([images[k] for k in keys]),
                      np.array([table[k] for k in keys]))


def mnist_binary() -> BinaryData:
    from engines.mnist.data import load_subset

    data = load_subset()
    x = (data.x_train.reshape(len(data.x_train), -1) > 127).astype(np.uint8)
    return BinaryData("mnist", (28, 28), x, None, data.y_train.astype(np.int64))


def make_data(cfg) -> BinaryData:
    if cfg.data == "segments":
        return segments(cfg.sites, cfg.segment_length)
    if cfg.data == "bars_stripes":
        return bars_and_stripes(cfg.bas_side)
    return mnist_binary()
