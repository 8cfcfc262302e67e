"""Pairs of densities p ("signal", hypothesis A) and q ("background", hypothesis B) in 1-d
and 2-d with known log densities, so the true likelihood ratio r(x) = p(x)/q(x) of the
Neyman-Pearson lemma is available to compare the learned one against (numpy only).

Points are always arrays of shape (n, d). Integrals over the densities ("exact" next to the
Monte-Carlo sums) are midpoint sums on a fine grid over the pair's plotted range, which
holds all but a negligible part of both densities' mass.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import logsumexp

LOG_2PI = math.log(2.0 * math.pi)
#: Grid points per axis of the exact integrals.
FINE = {1: 4000, 2: 300}
#: Mass of the mixture ½(p + q) inside the "bulk" region where ratios are compared.
BULK_MASS = 0.9
#: Painted blobs per density at most, and the message for an empty paint.
MAX_PAINTED = 2000
EMPTY_PAINT_MESSAGE = ("Nothing painted: paint some points on the plot of p or q (click or "
                       "drag), then the density is the sum of blobs around them.")


class Density:
    """sample(n, rng) -> (n, d) and log_density(x (n, d)) -> (n,)."""

    dim = 1

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def log_density(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class Gaussian(Density):
    """N(x; μ, σ² 1) in d dimensions."""

    def __init__(self, mean, sigma: float):
        self.mean = np.atleast_1d(np.asarray(mean, float))
        self.dim = len(self.mean)
        self.sigma = float(sigma)

    def sample(self, n, rng):
        return self.mean + self.sigma * rng.standard_normal((n, self.dim))

    def log_density(self, x):
        d2 = ((x - self.mean) ** 2).sum(axis=1)
        return -0.5 * d2 / self.sigma ** 2 - self.dim * (0.5 * LOG_2PI + math.log(self.sigma))


class Blobs(Density):
    """Painted points c, each a Gaussian blob: p(x) = (1/N) Σ_c N(x; c, σ² 1)."""

    def __init__(self, points: np.ndarray, sigma: float):
        self.points = np.asarray(points, float)
        if self.points.ndim != 2 or len(self.points) == 0:
            raise ValueError(EMPTY_PAINT_MESSAGE)
        self.dim = self.points.shape[1]
        self.sigma = float(sigma)

    def sample(self, n, rng):
        k = rng.integers(0, len(self.points), size=n)
        return self.points[k] + self.sigma * rng.standard_normal((n, self.dim))

    def log_density(self, x):
        out = np.empty(len(x))
        norm = self.dim * (0.5 * LOG_2PI + math.log(self.sigma)) + math.log(len(self.points))
        for i in range(0, len(x), 2048):       # (2048, N) pairs at a time
            d2 = ((x[i:i + 2048, None, :] - self.points[None]) ** 2).sum(-1)
            out[i:i + 2048] = logsumexp(-0.5 * d2 / self.sigma ** 2, axis=1) - norm
        return out


class FallingBackground(Density):
    """A falling spectrum: independent exponentials of scale λ on [lo, ∞) per axis,
    q(x) = Π_k e^{−(x_k − lo)/λ} / λ."""

    def __init__(self, dim: int, lo: float, scale: float):
        self.dim, self.lo, self.scale = dim, float(lo), float(scale)

    def sample(self, n, rng):
        return self.lo + rng.exponential(self.scale, size=(n, self.dim))

    def log_density(self, x):
        inside = (x >= self.lo).all(axis=1)
        value = -((x - self.lo) / self.scale).sum(axis=1) - self.dim * math.log(self.scale)
        return np.where(inside, value, -np.inf)


class Mixture(Density):
    """Σ_k w_k p_k(x)."""

    def __init__(self, weights, parts):
        self.w = np.asarray(weights, float) / np.sum(weights)
        self.parts = list(parts)
        self.dim = self.parts[0].dim

    def sample(self, n, rng):
        k = rng.choice(len(self.w), size=n, p=self.w)
        out = np.empty((n, self.dim))
        for j, part in enumerate(self.parts):
            idx = np.flatnonzero(k == j)
            out[idx] = part.sample(len(idx), rng)
        return out

    def log_density(self, x):
        comps = np.stack([part.log_density(x) + math.log(w)
                          for w, part in zip(self.w, self.parts)], axis=1)
        return logsumexp(comps, axis=1)


def _axis(dim: int, value: float) -> np.ndarray:
    """A point on the first axis (the x axis in 2-d)."""
    out = np.zeros(dim)
    out[0] = value
    return out


#: Default painted blobs, used until the user paints (so a run can always start).
DEFAULT_PAINT = {"p": [[0.5, 0.5], [1.0, -0.5], [-0.5, 1.0]],
                 "q": [[-0.5, -0.5], [-1.0, 0.5], [0.5, -1.0]]}


class Pair:
    """The two hypotheses p and q, the plotted range, and the exact integrals."""

    def __init__(self, name: str, dim: int, p: Density, q: Density, lo: float, hi: float):
        self.name, self.dim, self.p, self.q = name, dim, p, q
        self.lo, self.hi = float(lo), float(hi)
        self._grid = None

    def log_ratio(self, x: np.ndarray) -> np.ndarray:
        """log r(x) = log p(x) − log q(x) (±inf outside a support)."""
        with np.errstate(invalid="ignore"):
            return self.p.log_density(x) - self.q.log_density(x)

    # ---- grids -----------------------------------------------------------------------
    def display_grid(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(points (n^d, d), axis (n,)): cell centres; in 2-d row-major with y along rows,
        points.reshape(n, n, 2)[iy, ix]."""
        h = (self.hi - self.lo) / n
        axis = self.lo + h * (np.arange(n) + 0.5)
        if self.dim == 1:
            return axis[:, None], axis
        xx, yy = np.meshgrid(axis, axis)
        return np.stack([xx.ravel(), yy.ravel()], axis=1), axis

    def fine(self) -> dict[str, np.ndarray]:
        """The fine grid of the exact integrals: points, cell volume, log p, log q."""
        if self._grid is None:
            n = FINE[self.dim]
            pts, _ = self.display_grid(n)
            vol = ((self.hi - self.lo) / n) ** self.dim
            self._grid = {"x": pts, "vol": np.array(vol), "logp": self.p.log_density(pts),
                          "logq": self.q.log_density(pts)}
        return self._grid

    def integral(self, values: np.ndarray, weight: str) -> float:
        """∫ dx w(x) g(x) with w = p or q and g given on the fine grid (0·∞ counts 0)."""
        g = self.fine()
        w = np.exp(g["logp"] if weight == "p" else g["logq"])
        ok = w > 0
        return float(np.sum(w[ok] * values[ok]) * g["vol"])

    def kl_pq(self) -> float:
        """KL(p‖q) = ∫ p log p/q (closed form for two Gaussians)."""
        closed = gaussian_kl(self)
        if closed is not None:
            return closed
        g = self.fine()
        return self.integral(g["logp"] - g["logq"], "p")

    def bulk_level(self) -> float:
        """The density level t of ½(p + q) whose region {m ≥ t} holds BULK_MASS of m."""
        g = self.fine()
        m = 0.5 * (np.exp(g["logp"]) + np.exp(g["logq"]))
        order = np.sort(m)[::-1]
        mass = np.cumsum(order) * g["vol"]
        return float(order[min(np.searchsorted(mass, BULK_MASS * mass[-1]), len(order) - 1)])

    def in_bulk(self, x: np.ndarray, level: float) -> np.ndarray:
        m = 0.5 * (np.exp(self.p.log_density(x)) + np.exp(self.q.log_density(x)))
        return m >= level


def gaussian_kl(pair: Pair) -> float | None:
    """KL(N(μ_p, σ_p²1) ‖ N(μ_q, σ_q²1)) = d log(σ_q/σ_p) + (dσ_p² + |μ_p − μ_q|²)/(2σ_q²) − d/2."""
    p, q = pair.p, pair.q
    if not (isinstance(p, Gaussian) and isinstance(q, Gaussian)):
        return None
    d = p.dim
    return float(d * math.log(q.sigma / p.sigma)
                 + (d * p.sigma ** 2 + ((p.mean - q.mean) ** 2).sum()) / (2 * q.sigma ** 2)
                 - d / 2)


def make_pair(name: str, dim: int, separation: float = 2.0, width_ratio: float = 1.0,
              paint_sigma: float = 0.3, painted: dict | None = None) -> Pair:
    """The density pairs of the configs' ``pair`` choice."""
    if dim not in (1, 2):
        raise ValueError(f"dimension {dim} is not 1 or 2")
    if name == "gaussians":
        p = Gaussian(_axis(dim, separation / 2), width_ratio)
        q = Gaussian(_axis(dim, -separation / 2), 1.0)
        half = 6.0 * max(1.0, width_ratio) + separation / 2   # ±6σ of the wider one
        return Pair(name, dim, p, q, -half, half)
    if name == "mixture":
        p = Mixture([0.5, 0.5], [Gaussian(_axis(dim, -1.5), 0.6), Gaussian(_axis(dim, 1.5), 0.6)])
        q = Gaussian(np.zeros(dim), 1.5)
        return Pair(name, dim, p, q, -6.0, 6.0)
    if name == "signal_background":
        q = FallingBackground(dim, -3.0, 1.5)
        p = Mixture([0.7, 0.3], [q, Gaussian(np.full(dim, 1.0), 0.35)])
        return Pair(name, dim, p, q, -3.0, 9.0)
    if name == "painted":
        painted = painted or {}
        parts = {}
        for which in ("p", "q"):
            pts = painted.get(which)
            if pts is None:
                pts = np.asarray(DEFAULT_PAINT[which], float)[:, :dim]
            parts[which] = Blobs(pts, paint_sigma)
        return Pair(name, dim, parts["p"], parts["q"], -4.0, 4.0)
    raise ValueError(f"unknown density pair {name!r}")


#: Painted points are kept inside this interval / square (the plotted one).
PAINT_BOX = 4.0


def clean_painted(points, dim: int) -> np.ndarray:
    """Painted points as a float (n, dim) array inside the plotted range. In 1-d the panel
    may send x values or (x, y) pairs (the y of a click on the density plot is ignored)."""
    try:
        pts = np.asarray(points, dtype=float)
        if dim == 1:
            pts = pts.reshape(len(pts), -1)[:, :1] if pts.ndim > 1 else pts.reshape(-1, 1)
        else:
            pts = pts.reshape(-1, 2)
    except (TypeError, ValueError):
        raise ValueError("painted points must be numbers (1-d) or (x, y) pairs (2-d)") from None
    pts = pts[np.isfinite(pts).all(axis=1)]
    pts = pts[(np.abs(pts) <= PAINT_BOX).all(axis=1)]
    if len(pts) == 0:
        raise ValueError(EMPTY_PAINT_MESSAGE)
    return pts[-MAX_PAINTED:]
