"""Exercise A1.5's task in numpy (no torch): labels drawn from a known p(a|s).

Shared by the engine (engines/mnist/expected.py) and the GUI, which draws the true p(a|s)
before a run starts. States s are uniform on S_RANGE; the label policy is

    p(a|s) = softmax_a(−κ (s − c_a)²),   c_a evenly spaced centres, κ the sharpness,

so label a is the likeliest near c_a, and between two centres both are drawn often.
"""
from __future__ import annotations

import numpy as np

from engines.mnist.configs import S_RANGE

GRID = 401          # s values for the exact integrals over p(s)
BINS = 24           # bins of the label-frequency dots


def centres(n_actions: int) -> np.ndarray:
    lo, hi = S_RANGE
    return np.linspace(lo + 0.5, hi - 0.5, n_actions)


def true_policy(s: np.ndarray, n_actions: int, sharpness: float) -> np.ndarray:
    """p(a|s) = softmax_a(−κ (s − c_a)²), shape (len(s), n_actions)."""
    z = -sharpness * (np.asarray(s, dtype=np.float64)[:, None] - centres(n_actions)[None]) ** 2
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def sample_pairs(n: int, n_actions: int, sharpness: float, rng: np.random.Generator):
    """n pairs: s ~ U(S_RANGE), a ~ p(a|s)."""
    s = rng.uniform(*S_RANGE, size=n)
    p = true_policy(s, n_actions, sharpness)
    u = rng.random(n)[:, None]
    a = (u > np.cumsum(p, axis=1)).sum(axis=1)
    return s, np.minimum(a, n_actions - 1)


def kl_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """D_KL(P‖Q) = Σ_a P_a log(P_a / Q_a) per row (0 log 0 = 0)."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return terms.sum(axis=-1)


def conditional_entropy(n_actions: int, sharpness: float, grid: int = GRID) -> float:
    """H(A|S) = −∫ p(s) Σ_a p(a|s) log p(a|s) ds for uniform p(s) (grid average)."""
    s = np.linspace(*S_RANGE, grid)
    p = true_policy(s, n_actions, sharpness)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
    return float(h.mean())
