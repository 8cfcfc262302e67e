"""The "Mutual information" demo (lecture 6.4).

    MI(X, Y) = D_KL(P(X, Y) ‖ P(X) P(Y)) = H(X) + H(Y) − H(X, Y) ≥ 0,

zero only for independent variables, and unchanged by invertible maps x → f(x), y → g(y)
(the Jacobians cancel inside the logarithm). The covariance only sees linear dependence:
y = x² + noise and a ring have Cov(x, y) = 0 but a large MI.
Samples arrive batch by batch (a sliding window of n_samples). Two estimators:
  * plug-in from a 2-d histogram: Σ P_ij ln(P_ij / (P_i P_j)) (biased upwards for few
    samples per bin, and not invariant under maps that move points between bins),
  * Kraskov, Stögbauer, Grassberger (2004), algorithm 1, from k nearest neighbours in the
    max-norm: MI ≈ ψ(k) + ψ(n) − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩.
Exact values: −½ ln(1 − ρ²) for the correlated Gaussian, 0 for independent ones; for the
parabola and the ring the densities are integrated numerically on a grid.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma

from engines.edits import Edit
from engines.fisher.base import NumpyEngine, as_list, number
from engines.fisher.configs import (MI_DATASETS, MI_TRANSFORMS, MutualInfoConfig, SetRho,
                                    SetTransform)
from engines.runtime import Snapshot

RING_RADIUS = 2.0
MAX_SHOWN = 2000


def transform(name: str, x: np.ndarray) -> np.ndarray:
    """Invertible (strictly increasing) maps applied to x."""
    if name == "none":
        return x
    if name == "cubic":
        return x**3
    if name == "exp":
        return np.exp(x)
    if name == "sinh":
        return np.sinh(2.0 * x)
    raise ValueError(f"unknown transform {name!r}; known: {', '.join(MI_TRANSFORMS)}")


def sample(dataset: str, n: int, rng: np.random.Generator, rho: float, noise: float):
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    if dataset == "correlated_gaussian":
        return a, rho * a + math.sqrt(1 - rho * rho) * b
    if dataset == "independent":
        return a, b
    if dataset == "parabola":
        return a, a * a + noise * b
    if dataset == "ring":
        phi = 2 * math.pi * rng.random(n)
        r = RING_RADIUS + noise * a
        return r * np.cos(phi), r * np.sin(phi)
    raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(MI_DATASETS)}")


def ksg(x: np.ndarray, y: np.ndarray, k: int) -> float:
    """Kraskov-Stögbauer-Grassberger estimate (algorithm 1) of MI(X, Y) in nats."""
    n = x.size
    pts = np.stack([x, y], axis=1)
    dist, _ = cKDTree(pts).query(pts, k=k + 1, p=np.inf)
    eps = dist[:, -1] * (1 - 1e-12)          # strictly closer than the k-th neighbour
    counts = []
    for v in (x, y):
        s = np.sort(v)
        c = np.searchsorted(s, v + eps, side="right") - np.searchsorted(s, v - eps, side="left")
        counts.append(c - 1)                  # without the point itself
    return float(digamma(k) + digamma(n) - np.mean(digamma(counts[0] + 1) + digamma(counts[1] + 1)))


def histogram_mi(x: np.ndarray, y: np.ndarray, bins: int) -> float:
    """Plug-in H(X) + H(Y) − H(X, Y) from a bins × bins histogram, in nats."""
    joint, _, _ = np.histogram2d(x, y, bins=bins)
    p = joint / joint.sum()
    px, py = p.sum(axis=1), p.sum(axis=0)

    def h(q):
        q = q[q > 0]
        return -float(np.sum(q * np.log(q)))
    return h(px) + h(py) - h(p.ravel())


def entropy_1d(density: np.ndarray, d: float) -> float:
    q = density[density > 0]
    return -float(np.sum(q * np.log(q)) * d)


def exact_mi(dataset: str, rho: float, noise: float) -> float:
    """The true MI in nats (closed form, or a numerical integral of the known densities)."""
    if dataset == "correlated_gaussian":
        return -0.5 * math.log(1 - rho * rho)
    if dataset == "independent":
        return 0.0
    if dataset == "parabola":
        # MI = h(Y) − h(Y|X) = h(Y) − h(noise); p(y) = ∫ N(x) N(y − x²; noise) dx
        xs = np.linspace(-8, 8, 4001)
        ys = np.linspace(-6 * noise, 70 + 6 * noise, 6001)
        wx = np.exp(-0.5 * xs**2) / math.sqrt(2 * math.pi) * (xs[1] - xs[0])
        py = np.zeros_like(ys)
        for chunk in np.array_split(np.arange(xs.size), 20):
            d = ys[None, :] - xs[chunk, None] ** 2
            py += wx[chunk] @ (np.exp(-0.5 * (d / noise) ** 2) / (math.sqrt(2 * math.pi) * noise))
        h_noise = 0.5 * math.log(2 * math.pi * math.e * noise**2)
        return entropy_1d(py, ys[1] - ys[0]) - h_noise
    if dataset == "ring":
        # p(x, y) = N(r; R, noise) / (2π r) on a grid; marginals by summation
        half = RING_RADIUS + 7 * noise
        g = np.linspace(-half, half, 1201)
        d = g[1] - g[0]
        xx, yy = np.meshgrid(g, g, indexing="ij")
        r = np.maximum(np.hypot(xx, yy), 1e-12)
        pxy = np.exp(-0.5 * ((r - RING_RADIUS) / noise) ** 2) / (
            math.sqrt(2 * math.pi) * noise * 2 * math.pi * r)
        pxy /= pxy.sum() * d * d
        px, py = pxy.sum(axis=1) * d, pxy.sum(axis=0) * d
        return entropy_1d(px, d) + entropy_1d(py, d) - entropy_1d(pxy.ravel(), d * d)
    raise ValueError(f"unknown dataset {dataset!r}")


class MutualInfoEngine(NumpyEngine):
    Config = MutualInfoConfig

    def __init__(self, cfg: MutualInfoConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.rho, self.transform = float(cfg.rho), cfg.transform
        self.x, self.y = np.zeros(0), np.zeros(0)
        self.exact = exact_mi(cfg.dataset, self.rho, cfg.noise)
        self.estimates: dict[str, float] = {}

    def train_step(self) -> None:
        cfg = self.cfg
        x, y = sample(cfg.dataset, cfg.batch, self.rng, self.rho, cfg.noise)
        self.x = np.concatenate([self.x, x])[-cfg.n_samples:]
        self.y = np.concatenate([self.y, y])[-cfg.n_samples:]
        self.estimates = {}

    def apply_edit(self, change: Edit) -> None:
        """SetRho(rho) (new samples from then on) or SetTransform(transform) (the same
        samples, mapped)."""
        if isinstance(change, SetRho):
            if self.cfg.dataset != "correlated_gaussian":
                raise ValueError("ρ belongs to the correlated Gaussian only")
            self.rho = number(change.rho, "rho", -0.99, 0.99)
            self.x, self.y = np.zeros(0), np.zeros(0)       # the old samples had another ρ
            self.exact = exact_mi(self.cfg.dataset, self.rho, self.cfg.noise)
        elif isinstance(change, SetTransform):
            name = change.transform
            if name not in MI_TRANSFORMS:
                raise ValueError(f"unknown map {name!r}; known: {', '.join(MI_TRANSFORMS)}")
            self.transform = name
        else:
            raise ValueError(f"unknown edit {type(change).__name__}: this demo takes SetRho, "
                             "SetTransform")
        self.estimates = {}

    def compute(self) -> dict[str, float]:
        """Estimates on the raw and the mapped x (cached until the samples change)."""
        if self.estimates or self.x.size < self.cfg.k + 2:
            return self.estimates
        fx = transform(self.transform, self.x)
        k, bins = self.cfg.k, self.cfg.bins

        def corr(a, b):
            sa, sb = a.std(), b.std()
            return float(np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb)) if sa * sb > 0 else 0.0
        self.estimates = {"mi_estimate": ksg(fx, self.y, k), "mi_raw": ksg(self.x, self.y, k),
                          "mi_histogram": histogram_mi(fx, self.y, bins),
                          "mi_histogram_raw": histogram_mi(self.x, self.y, bins),
                          "corr": corr(fx, self.y), "corr_raw": corr(self.x, self.y)}
        return self.estimates

    def history_metrics(self) -> dict[str, float]:
        est = self.compute()
        keys = ("mi_estimate", "mi_histogram", "corr")
        return {"n": float(self.x.size), "mi_exact": self.exact,
                **{key: est.get(key, 0.0) for key in keys}}

    def snapshot(self, final: bool = False) -> Snapshot:
        metrics = {**self.compute(), "n": float(self.x.size), "mi_exact": self.exact,
                   "rho": self.rho}
        fx = transform(self.transform, self.x)
        arrays = {"x": self.x[-MAX_SHOWN:].copy(), "y": self.y[-MAX_SHOWN:].copy(),
                  "fx": fx[-MAX_SHOWN:].copy()}
        if self.x.size:
            joint, ex, ey = np.histogram2d(fx, self.y, bins=self.cfg.bins)
            arrays.update(hist2d=joint / joint.sum(), hist_xedges=ex, hist_yedges=ey)
        return self.make_snapshot(metrics, arrays, final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.common_state(), "rho": self.rho, "transform": self.transform,
                "x": as_list(self.x), "y": as_list(self.y)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_common_state(state)
        self.rho, self.transform = float(state["rho"]), str(state["transform"])
        self.x = np.asarray(state["x"], dtype=float)
        self.y = np.asarray(state["y"], dtype=float)
        self.exact = exact_mi(self.cfg.dataset, self.rho, self.cfg.noise)
        self.estimates = {}
