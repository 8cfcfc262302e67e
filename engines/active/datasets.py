"""The pools of the classification demo: 2-d toy sets and the bundled MNIST digits.

Every set is drawn once from the config's seed: ``pool`` (what the learner may ask about)
and ``test`` (held out, for the accuracy curves). Learning happens on standardised
features; ``display`` holds the 2-d coordinates drawn in the map (for MNIST: the first
two principal components of the pool).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engines.active.configs import PoolConfig


@dataclass
class Pool:
    x_pool: np.ndarray      # (P, d) features the model sees (standardised)
    y_pool: np.ndarray      # (P,) int labels (the oracle's answers)
    x_test: np.ndarray
    y_test: np.ndarray
    display: np.ndarray     # (P, 2) coordinates in the map
    classes: int
    to_features: object = None   # callable: map coordinates (G, 2) -> features; None = no map


def two_d(kind: str, n: int, noise: float, rng: np.random.Generator
          ) -> tuple[np.ndarray, np.ndarray]:
    if kind == "moons":
        y = rng.integers(0, 2, n)
        t = rng.uniform(0.0, np.pi, n)
        x = np.where(y[:, None] == 0,
                     np.stack([np.cos(t), np.sin(t)], 1),
                     np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], 1))
        return x + noise * rng.standard_normal((n, 2)), y
    if kind == "blobs":
        centres = np.array([[0.0, 1.0], [-0.9, -0.5], [0.9, -0.5]])
        y = rng.integers(0, 3, n)
        return centres[y] + (0.25 + 2 * noise) * rng.standard_normal((n, 2)), y
    if kind == "xor":
        corner = rng.integers(0, 4, n)
        signs = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=float)
        y = (corner >= 2).astype(int)
        return signs[corner] * 0.8 + (0.1 + 1.5 * noise) * rng.standard_normal((n, 2)), y
    raise ValueError(f"unknown 2-d dataset {kind!r}")


def make_pool(cfg: PoolConfig) -> Pool:
    rng = np.random.default_rng([cfg.seed, 7])
    if cfg.dataset == "mnist":
        from engines.mnist.data import load_subset

        data = load_subset()
        pick = rng.choice(len(data.y_train), cfg.pool_size + cfg.test_size, replace=False)
        x = data.x_train[pick].reshape(len(pick), -1).astype(np.float64) / 255.0
        y = data.y_train[pick].astype(int)
        xp, xt = x[:cfg.pool_size], x[cfg.pool_size:]
        mean = xp.mean(axis=0)
        # principal components of the pool (what an unlabelled pool alone can give)
        _, _, vt = np.linalg.svd(xp - mean, full_matrices=False)
        comps = vt[:cfg.pca_dims]
        fp, ft = (xp - mean) @ comps.T, (xt - mean) @ comps.T
        scale = fp[:, 0].std()
        return Pool(fp / scale, y[:cfg.pool_size], ft / scale, y[cfg.pool_size:],
                    fp[:, :2].copy(), 10, None)
    x, y = two_d(cfg.dataset, cfg.pool_size + cfg.test_size, cfg.data_noise, rng)
    xp, xt = x[:cfg.pool_size], x[cfg.pool_size:]
    mean, std = xp.mean(axis=0), xp.std(axis=0)

    def to_features(points: np.ndarray) -> np.ndarray:
        return (points - mean) / std

    return Pool(to_features(xp), y[:cfg.pool_size], to_features(xt), y[cfg.pool_size:],
                xp.copy(), int(y.max()) + 1, to_features)
