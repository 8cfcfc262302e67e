"""Differential entropy (lecture 4.3, continuous random variables), in bits.

Discretising a density p(x) with bins of width ε gives probabilities P_j ≈ ε p(x_j) and

    H_discrete = −Σ P_j log₂ P_j ≈ −log₂ ε + h,   h = −∫ p log₂ p dx,

so H_discrete grows without bound as ε → 0 while h stays put. Under a monotone map
y = f(x) the density becomes p_Y(y) = p_X(x)/|f'(x)| and

    h(Y) = h(X) + ⟨log₂ |f'(X)|⟩;

in two dimensions |f'| becomes the Jacobian determinant |det ∂y/∂x|, the bookkeeping of a
normalizing flow (chapter 7). The run shrinks ε step by step (exact bin probabilities from
the CDF) and draws samples for Monte Carlo estimates of ⟨log₂|f'|⟩ and ⟨log₂|det J|⟩; h(Y)
itself is integrated on a grid in y, independently of the formula.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

from engines.information.common import load_rng, rng_state
from engines.information.configs import ContinuousConfig
from engines.runtime import Engine, Snapshot

LOG2E = 1.0 / math.log(2.0)
N_EPS = 40            # ε values visited (log-spaced), then ε stays at the finest
GRID = 4001           # quadrature points in 1-d
GRID2 = 161           # per axis in 2-d
MAX_BARS = 400        # bins shown as bars
LINEAR_2D = np.array([[2.0, 1.0], [0.5, 1.5]])
MC_KEEP = 500


# ---- densities ----------------------------------------------------------------------------
def density_pdf(name: str, s: float, x):
    x = np.asarray(x, float)
    if name == "gaussian":
        return np.exp(-0.5 * (x / s) ** 2) / (s * math.sqrt(2 * math.pi))
    if name == "uniform":
        return np.where(np.abs(x) <= s, 0.5 / s, 0.0)
    if name == "laplace":
        b = s / math.sqrt(2.0)
        return np.exp(-np.abs(x) / b) / (2 * b)
    if name == "mixture":
        w = 0.5 * s
        g = lambda m: np.exp(-0.5 * ((x - m) / w) ** 2) / (w * math.sqrt(2 * math.pi))
        return 0.5 * g(-1.5 * s) + 0.5 * g(1.5 * s)
    raise ValueError(name)


def density_cdf(name: str, s: float, x):
    x = np.asarray(x, float)
    if name == "gaussian":
        return special.ndtr(x / s)
    if name == "uniform":
        return np.clip((x + s) / (2 * s), 0.0, 1.0)
    if name == "laplace":
        b = s / math.sqrt(2.0)
        return np.where(x < 0, 0.5 * np.exp(np.minimum(x, 0) / b),
                        1 - 0.5 * np.exp(-np.maximum(x, 0) / b))
    if name == "mixture":
        w = 0.5 * s
        return 0.5 * special.ndtr((x + 1.5 * s) / w) + 0.5 * special.ndtr((x - 1.5 * s) / w)
    raise ValueError(name)


def density_sample(name: str, s: float, rng, n: int) -> np.ndarray:
    if name == "gaussian":
        return rng.normal(0.0, s, n)
    if name == "uniform":
        return rng.uniform(-s, s, n)
    if name == "laplace":
        return rng.laplace(0.0, s / math.sqrt(2.0), n)
    if name == "mixture":
        centre = np.where(rng.random(n) < 0.5, -1.5 * s, 1.5 * s)
        return centre + rng.normal(0.0, 0.5 * s, n)
    raise ValueError(name)


def support(name: str, s: float) -> tuple[float, float]:
    if name == "uniform":
        return -s, s
    if name == "laplace":
        return -25 * s, 25 * s
    if name == "mixture":
        return -7 * s, 7 * s
    return -10 * s, 10 * s


def closed_form_h(name: str, s: float) -> float:
    """h in bits: ½log₂(2πeσ²), log₂(2a) for uniform on [−a, a], log₂(2eb) for Laplace
    with scale b = σ/√2; the mixture has none (quadrature)."""
    if name == "gaussian":
        return 0.5 * math.log2(2 * math.pi * math.e * s * s)
    if name == "uniform":
        return math.log2(2 * s)
    if name == "laplace":
        return math.log2(2 * math.e * s / math.sqrt(2.0))
    return quadrature_h(name, s)


def quadrature_h(name: str, s: float) -> float:
    lo, hi = support(name, s)
    x = np.linspace(lo, hi, 20001)
    p = density_pdf(name, s, x)
    f = np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return float(np.trapezoid(f, x))


def discrete_entropy(name: str, s: float, eps: float) -> tuple[float, np.ndarray, np.ndarray]:
    """(H of the bin probabilities, bin edges, bin probabilities) for bins of width ε
    aligned on 0, covering the support."""
    lo, hi = support(name, s)
    edges = np.arange(math.floor(lo / eps), math.ceil(hi / eps) + 1) * eps
    probs = np.diff(density_cdf(name, s, edges))
    q = probs[probs > 0]
    return float(-(q * np.log2(q)).sum()), edges, probs


# ---- monotone maps y = f(x) ---------------------------------------------------------------
def map_forward(name: str, x):
    x = np.asarray(x, float)
    if name == "affine":
        return 2.0 * x + 1.0
    if name == "exp":
        return np.exp(x)
    if name == "cube":
        return x ** 3 + x
    if name == "sinh":
        return np.sinh(x)
    if name == "logistic":
        return special.expit(x)
    raise ValueError(name)


def map_log2_deriv(name: str, x):
    """log₂ |f'(x)|, computed stably for large |x|."""
    x = np.asarray(x, float)
    if name == "affine":
        return np.full(x.shape, 1.0)
    if name == "exp":
        return x * LOG2E
    if name == "cube":
        return np.log2(3 * x * x + 1)
    if name == "sinh":     # log cosh x = |x| + log(1 + e^(−2|x|)) − log 2
        a = np.abs(x)
        return (a + np.log1p(np.exp(-2 * a)) - math.log(2)) * LOG2E
    if name == "logistic":  # log s(1−s) = −|x| − 2 log(1 + e^(−|x|))
        a = np.abs(x)
        return (-a - 2 * np.log1p(np.exp(-a))) * LOG2E
    raise ValueError(name)


def h_of_y_on_y_grid(density: str, s: float, mapping: str, points: int = 200001) -> float:
    """h(Y) integrated on a uniform grid in y: x = f⁻¹(y) by interpolation, p_Y = p_X/|f'|.
    Independent of the change-of-variables formula (used where Y's range is moderate)."""
    lo, hi = support(density, s)
    xs = np.linspace(lo, hi, 200001)
    ys = map_forward(mapping, xs)
    y = np.linspace(ys[0], ys[-1], points)
    x = np.interp(y, ys, xs)
    p = density_pdf(density, s, x) / np.exp2(map_log2_deriv(mapping, x))
    f = np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return float(np.trapezoid(f, y))


def mean_log2_deriv(density: str, s: float, mapping: str) -> float:
    """⟨log₂|f'(X)|⟩ by quadrature over p_X."""
    lo, hi = support(density, s)
    x = np.linspace(lo, hi, 40001)
    p = density_pdf(density, s, x)
    return float(np.trapezoid(p * map_log2_deriv(mapping, x), x) / np.trapezoid(p, x))


# ---- 2-d: X ~ N(0, σ² I) ------------------------------------------------------------------
def coupling_st(x1, s: float):
    """Scale (natural log) and shift of the coupling layer y₂ = x₂ e^(s(x₁)) + t(x₁)."""
    u = np.asarray(x1, float) / s
    return 0.8 * np.exp(-0.5 * u * u) - 0.2, s * np.sin(u)


def map2(name: str, x: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray]:
    """(y, log₂|det J|) for points x (n, 2)."""
    if name == "linear":
        y = x @ LINEAR_2D.T
        return y, np.full(x.shape[0], math.log2(abs(np.linalg.det(LINEAR_2D))))
    sc, t = coupling_st(x[:, 0], s)
    y = np.stack([x[:, 0], x[:, 1] * np.exp(sc) + t], axis=1)
    return y, sc * LOG2E


def h2_gaussian(s: float) -> float:
    return math.log2(2 * math.pi * math.e * s * s)


def density2_y(name: str, s: float, y1: np.ndarray, y2: np.ndarray) -> np.ndarray:
    """p_Y on a grid (y1 along columns, y2 along rows) through the exact inverse map."""
    Y1, Y2 = np.meshgrid(y1, y2)
    if name == "linear":
        inv = np.linalg.inv(LINEAR_2D)
        x1 = inv[0, 0] * Y1 + inv[0, 1] * Y2
        x2 = inv[1, 0] * Y1 + inv[1, 1] * Y2
        jac = abs(np.linalg.det(LINEAR_2D))
    else:
        sc, t = coupling_st(Y1, s)
        x1, x2 = Y1, (Y2 - t) * np.exp(-sc)
        jac = np.exp(sc)
    px = np.exp(-0.5 * (x1 ** 2 + x2 ** 2) / s ** 2) / (2 * math.pi * s * s)
    return px / jac


def y2_extent(name: str, s: float) -> tuple[tuple[float, float], tuple[float, float]]:
    if name == "linear":
        r = 7 * s * np.abs(LINEAR_2D).sum(1)
        return (-r[0], r[0]), (-r[1], r[1])
    return (-7 * s, 7 * s), (-12 * s, 12 * s)


def h2_y_on_grid(name: str, s: float, points: int = 801) -> float:
    (a, b), (c, d) = y2_extent(name, s)
    y1, y2 = np.linspace(a, b, points), np.linspace(c, d, points)
    p = density2_y(name, s, y1, y2)
    f = np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return float(np.trapezoid(np.trapezoid(f, y1, axis=1), y2))


class ContinuousEngine(Engine):
    Config = ContinuousConfig

    def __init__(self, cfg: ContinuousConfig, device=None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(cfg.seed)
        d, s, m = cfg.density, cfg.sigma, cfg.mapping
        self.h_x = closed_form_h(d, s)
        self.h_x_quad = quadrature_h(d, s)
        self.mean_log_deriv = mean_log2_deriv(d, s, m)
        ys = map_forward(m, np.array(support(d, s)))
        # the y-grid check needs Y on a moderate range; otherwise the formula is shown only
        self.h_y_grid = h_of_y_on_y_grid(d, s, m) if np.ptp(ys) < 1e4 * max(1.0, s) else \
            self.h_x + self.mean_log_deriv
        self.h2_x = h2_gaussian(s)
        self.h2_y_grid = h2_y_on_grid(cfg.mapping_2d, s)
        self.eps_grid = np.geomspace(cfg.eps_max, cfg.eps_min, N_EPS)
        self.eps_done: list[float] = []
        self.h_disc: list[float] = []
        self.mc_n = 0
        self.mc_sum = 0.0
        self.mc2_sum = 0.0
        self.last_x = np.zeros(0)
        self.last_x2 = np.zeros((0, 2))

    @property
    def eps(self) -> float:
        return self.eps_done[-1] if self.eps_done else float(self.cfg.eps_max)

    def train_step(self) -> None:
        if len(self.eps_done) < N_EPS:
            eps = float(self.eps_grid[len(self.eps_done)])
            self.eps_done.append(eps)
            self.h_disc.append(discrete_entropy(self.cfg.density, self.cfg.sigma, eps)[0])
        n = self.cfg.samples_per_step
        x = density_sample(self.cfg.density, self.cfg.sigma, self.rng, n)
        x2 = self.rng.normal(0.0, self.cfg.sigma, (n, 2))
        self.mc_sum += float(map_log2_deriv(self.cfg.mapping, x).sum())
        self.mc2_sum += float(map2(self.cfg.mapping_2d, x2, self.cfg.sigma)[1].sum())
        self.mc_n += n
        self.last_x, self.last_x2 = x[:MC_KEEP], x2[:MC_KEEP]

    def quantities(self) -> dict[str, float]:
        eps = self.eps
        h_disc = self.h_disc[-1] if self.h_disc else discrete_entropy(
            self.cfg.density, self.cfg.sigma, eps)[0]
        mc = self.mc_sum / self.mc_n if self.mc_n else 0.0
        mc2 = self.mc2_sum / self.mc_n if self.mc_n else 0.0
        return {"h_x_bits": self.h_x, "eps": eps, "h_discrete_bits": h_disc,
                "minus_log_eps_plus_h_bits": -math.log2(eps) + self.h_x,
                "mean_log_deriv_bits": self.mean_log_deriv, "mc_mean_log_deriv_bits": mc,
                "h_y_bits": self.h_y_grid, "h_x_plus_mean_log_deriv_bits":
                    self.h_x + self.mean_log_deriv,
                "h2_x_bits": self.h2_x, "h2_y_bits": self.h2_y_grid,
                "mc_mean_log_det_bits": mc2, "h2_x_plus_mc_log_det_bits": self.h2_x + mc2,
                "samples": float(self.mc_n)}

    def history_metrics(self) -> dict[str, float]:
        q = self.quantities()
        return {k: q[k] for k in ("h_discrete_bits", "minus_log_eps_plus_h_bits",
                                  "mc_mean_log_deriv_bits", "mc_mean_log_det_bits")}

    def snapshot(self, final: bool = False) -> Snapshot:
        cfg = self.cfg
        d, s, m = cfg.density, cfg.sigma, cfg.mapping
        lo, hi = support(d, s)
        show = min(hi, 5 * s) if d == "laplace" else hi
        x = np.linspace(-show, show, 801)
        px = density_pdf(d, s, x)
        y = map_forward(m, x)
        py = px / np.exp2(map_log2_deriv(m, x))
        _, edges, probs = discrete_entropy(d, s, self.eps)
        if probs.size > MAX_BARS:
            edges, probs = np.zeros(0), np.zeros(0)
        (a, b), (c, e) = y2_extent(cfg.mapping_2d, s)
        g = np.linspace(-4 * s, 4 * s, GRID2)
        y1, y2 = np.linspace(a, b, GRID2), np.linspace(c, e, GRID2)
        px2 = np.exp(-0.5 * (g[None, :] ** 2 + g[:, None] ** 2) / s ** 2) / (2 * math.pi * s * s)
        arrays = {"x_grid": x, "p_x": px, "y_of_x": y, "p_y_of_x": py,
                  "bin_edges": edges, "bin_probs": probs,
                  "eps_values": np.array(self.eps_done), "h_discrete_values": np.array(
                      self.h_disc),
                  "approx_values": -np.log2(np.array(self.eps_done)) + self.h_x
                  if self.eps_done else np.zeros(0),
                  "samples_x": self.last_x.copy(),
                  "grid2_x": g, "density_x_2d": px2, "grid2_y1": y1, "grid2_y2": y2,
                  "density_y_2d": density2_y(cfg.mapping_2d, s, y1, y2),
                  "samples_y_2d": map2(cfg.mapping_2d, self.last_x2, s)[0]}
        return Snapshot(step=self.step, metrics=self.quantities(), arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict:
        return {**self.base_state(), "eps_done": list(self.eps_done), "h_disc": list(self.h_disc),
                "mc_n": self.mc_n, "mc_sum": self.mc_sum, "mc2_sum": self.mc2_sum,
                "last_x": self.last_x.tolist(), "last_x2": self.last_x2.tolist(),
                "rng": rng_state(self.rng)}

    def load_state_dict(self, state: dict) -> None:
        self.load_base_state(state)
        self.eps_done = [float(v) for v in state["eps_done"]]
        self.h_disc = [float(v) for v in state["h_disc"]]
        self.mc_n, self.mc_sum = int(state["mc_n"]), float(state["mc_sum"])
        self.mc2_sum = float(state["mc2_sum"])
        self.last_x = np.array(state["last_x"], float)
        self.last_x2 = np.array(state["last_x2"], float).reshape(-1, 2)
        self.rng = load_rng(state["rng"])
