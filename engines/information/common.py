"""Pieces shared by the information engines: starting distributions, probability edits
(dragged or typed bars, renormalised), and saving numpy generators."""
from __future__ import annotations

import math

import numpy as np

from engines.information.configs import MIN_PROB

LECTURE = (0.4, 0.2, 0.15, 0.1, 0.1, 0.05)


def make_distribution(name: str, n: int, seed: int) -> np.ndarray:
    """The starting distribution of N symbols (sorted by decreasing probability)."""
    if name == "lecture":
        base = list(LECTURE[:n]) + [0.05 * 0.5 ** (k + 1) for k in range(max(0, n - 6))]
        p = np.array(base, float)
    elif name == "dyadic":
        p = np.array([2.0 ** -(k + 1) for k in range(n)])
        p[-1] = p[-2]                          # 1/2, 1/4, …, 1/2^(N−1), 1/2^(N−1)
    elif name == "uniform":
        p = np.ones(n)
    elif name == "geometric":
        p = 0.6 ** np.arange(n)
    elif name == "zipf":
        p = 1.0 / np.arange(1, n + 1)
    elif name == "random":
        p = np.random.default_rng(seed).dirichlet(np.ones(n))
        p = np.sort(p)[::-1]
    else:
        raise ValueError(f"unknown distribution {name!r}")
    p = np.maximum(p, MIN_PROB)
    return p / p.sum()


def _number(value, what: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: {value!r} is not a number") from None
    if not math.isfinite(x):
        raise ValueError(f"{what}: {value!r} is not a finite number")
    return x


def set_probability(p: np.ndarray, index, value) -> np.ndarray:
    """Bar ``index`` set to ``value`` (in [MIN_PROB, 1 − MIN_PROB]); the other bars are
    rescaled so that the total stays 1 and their ratios stay as they were."""
    try:
        i = int(index)
    except (TypeError, ValueError):
        raise ValueError(f"symbol index {index!r} is not an integer") from None
    if not 0 <= i < p.size:
        raise ValueError(f"symbol {i} does not exist (there are {p.size})")
    v = _number(value, "probability")
    lo, hi = MIN_PROB, 1.0 - MIN_PROB * (p.size - 1)
    if not lo <= v <= hi:
        raise ValueError(f"probability {v:g} must lie between {lo:g} and {hi:g}")
    rest = np.delete(p, i)
    rest = np.maximum(rest / rest.sum() * (1.0 - v), MIN_PROB)
    out = np.insert(rest, i, v)
    return out / out.sum()


def set_probabilities(n: int, values) -> np.ndarray:
    """A whole typed distribution of N non-negative weights, renormalised."""
    try:
        w = np.array([_number(v, "weight") for v in values], float)
    except TypeError:
        raise ValueError("probabilities must be a list of numbers") from None
    if w.size != n:
        raise ValueError(f"{w.size} values given for {n} symbols")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    w = np.maximum(w / w.sum(), MIN_PROB)
    return w / w.sum()


def rng_state(rng: np.random.Generator) -> dict:
    return rng.bit_generator.state


def load_rng(state: dict) -> np.random.Generator:
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    return rng
