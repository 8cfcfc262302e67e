"""Demo "online": the online estimate of a mean (exercise A1.2), many runs at once.

    f_t = f_{t−1} + α (y_t − f_{t−1}),   y_t ~ N(μ, σ²)

Unrolled: f_t = (1−α)^t f₀ + α Σ_i (1−α)^i y_{t−i}, hence
    E[f_t]   = μ + (1−α)^t (f₀ − μ)                     (biased for small t)
    Var[f_t] = α²σ² (1 − (1−α)^{2t}) / (1 − (1−α)²)  →  ασ²/(2−α).
It is SGD on L(f) = ⟨(f − y)²⟩/2 with η = α and curvature λ = 1 (see sgd_noise.py).

Next to it run the bias-corrected rate α_t = α / (1 − (1−α)^t) (α₁ = 1: unbiased from the
first step; α_t → 1/t as α → 0) and the plain running mean (α_t = 1/t).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engines.nn_basics.theory_configs import OnlineConfig
from engines.runtime import Engine, Snapshot

#: Runs whose whole trajectory is kept for the plot.
SHOWN_RUNS = 20
#: Trajectory buffer length; longer runs are thinned (every other point dropped).
TRACE_CAPACITY = 1000


class ThinnedTrace:
    """Rows (one per kept step) of a fixed-width vector, thinned to stay display-sized.

    Points are kept at steps that are multiples of ``stride``; when the buffer is full the
    stride doubles and every other point goes (step 0 is always kept).
    """

    def __init__(self, width: int, capacity: int = TRACE_CAPACITY):
        self.data = np.zeros((capacity, width))
        self.steps = np.zeros(capacity, dtype=np.int64)
        self.n = 0
        self.stride = 1

    def offer(self, step: int, row: np.ndarray) -> None:
        if step % self.stride:
            return
        self.data[self.n] = row
        self.steps[self.n] = step
        self.n += 1
        if self.n == len(self.steps):
            keep = np.flatnonzero(self.steps[:self.n] % (2 * self.stride) == 0)
            self.data[:keep.size] = self.data[keep]
            self.steps[:keep.size] = self.steps[keep]
            self.n = keep.size
            self.stride *= 2

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self.steps[:self.n].astype(float), self.data[:self.n].copy()

    def state_dict(self) -> dict[str, Any]:
        return {"data": to_tensor(self.data[:self.n]), "steps": to_tensor(self.steps[:self.n]),
                "stride": self.stride}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        data, steps = np.asarray(state["data"]), np.asarray(state["steps"])
        self.n = len(steps)
        self.data[:self.n] = data
        self.steps[:self.n] = steps
        self.stride = int(state["stride"])


def to_tensor(a) -> torch.Tensor:
    """A numpy array as a torch tensor copy (torch.load(weights_only=True) refuses numpy)."""
    return torch.from_numpy(np.array(a, copy=True))


def log_grid(t_max: int, points: int = 300) -> np.ndarray:
    """About ``points`` integer times 1 … t_max, log-spaced (for curves over t)."""
    return np.unique(np.geomspace(1, max(t_max, 1), points).round())


def mean_theory(t, alpha: float, mu: float, f0: float):
    """E[f_t] = μ + (1−α)^t (f₀ − μ)."""
    return mu + (1.0 - alpha) ** np.asarray(t, dtype=float) * (f0 - mu)


def variance_theory(t, alpha: float, sigma: float):
    """Var[f_t] = α²σ² Σ_{i<t} (1−α)^{2i} = ασ²/(2−α) · (1 − (1−α)^{2t})."""
    return alpha * sigma**2 / (2.0 - alpha) * (1.0 - (1.0 - alpha) ** (2.0 * np.asarray(t, float)))


def decaying_rate(t, alpha: float):
    """α_t = α / (1 − (1−α)^t), t ≥ 1 (α₁ = 1). Written with expm1/log1p so that tiny α
    still gives 1/t instead of 0/0."""
    t = np.asarray(t, dtype=float)
    return alpha / -np.expm1(t * np.log1p(-alpha))


def decaying_variance_theory(t, alpha: float, sigma: float):
    """Var of the bias-corrected estimate: weights (1−α)^i normalised to sum 1, so
    Var = σ² Σ w_i² = σ² (α/(1−r^t))² (1 − r^{2t})/(1 − r²),  r = 1−α."""
    t = np.asarray(t, dtype=float)
    r = 1.0 - alpha
    return sigma**2 * decaying_rate(t, alpha) ** 2 * (-np.expm1(2 * t * np.log(r))) / (1 - r * r)


class OnlineEngine(Engine):
    Config = OnlineConfig
    divergence_advice = "Try other settings: the online estimate should never diverge."

    def __init__(self, cfg: OnlineConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(cfg.seed)
        self.f = np.full(cfg.runs, cfg.f0)        # constant rate α
        self.g = np.full(cfg.runs, cfg.f0)        # decaying rate α_t
        self.m = np.full(cfg.runs, cfg.f0)        # running mean (α_t = 1/t)
        self.shown = min(SHOWN_RUNS, cfg.runs)
        self.trace = ThinnedTrace(self.shown)
        self.trace.offer(0, self.f[:self.shown])

    def train_step(self) -> None:
        cfg = self.cfg
        t = self.step + 1                          # this step draws y_t
        y = cfg.mu + cfg.sigma * self.rng.standard_normal(cfg.runs)
        self.f += cfg.alpha * (y - self.f)
        self.g += decaying_rate(t, cfg.alpha) * (y - self.g)
        self.m += (y - self.m) / t
        self.trace.offer(t, self.f[:self.shown])

    def _metrics(self) -> dict[str, float]:
        cfg, t = self.cfg, self.step
        return {
            "mean": float(self.f.mean()), "mean_theory": float(mean_theory(t, cfg.alpha, cfg.mu, cfg.f0)),
            "bias": float(self.f.mean() - cfg.mu),
            "variance": float(self.f.var(ddof=1)),
            "variance_t_theory": float(variance_theory(t, cfg.alpha, cfg.sigma)),
            "variance_theory": cfg.alpha * cfg.sigma**2 / (2.0 - cfg.alpha),
            "bias_decaying": float(self.g.mean() - cfg.mu),
            "variance_decaying": float(self.g.var(ddof=1)),
            "variance_decaying_theory": (float(decaying_variance_theory(t, cfg.alpha, cfg.sigma))
                                         if t > 0 else 0.0),
            "bias_running_mean": float(self.m.mean() - cfg.mu),
            "variance_running_mean": float(self.m.var(ddof=1)),
            "variance_running_mean_theory": cfg.sigma**2 / t if t > 0 else 0.0,
            "rate_decaying": float(decaying_rate(max(t, 1), cfg.alpha)),
        }

    def history_metrics(self) -> dict[str, float]:
        return self._metrics()

    def snapshot(self, final: bool = False) -> Snapshot:
        cfg = self.cfg
        steps, traces = self.trace.arrays()
        t = log_grid(self.step)
        arrays = {
            "trace_t": steps,                      # (K,) steps of the kept trace points
            "trace_f": traces.T.copy(),            # (shown runs, K) f_t of the first runs
            "final_f": self.f.copy(),              # (runs,) current f_t of every run
            "final_decaying": self.g.copy(),
            "final_running_mean": self.m.copy(),
            "rate_t": t, "rate_decaying": decaying_rate(t, cfg.alpha),
            "rate_running_mean": 1.0 / t,
        }
        return Snapshot(step=self.step, metrics=self._metrics(), arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "rng": self.rng.bit_generator.state,
                "f": to_tensor(self.f), "g": to_tensor(self.g), "m": to_tensor(self.m),
                "trace": self.trace.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.rng.bit_generator.state = state["rng"]
        self.f[:] = np.asarray(state["f"])
        self.g[:] = np.asarray(state["g"])
        self.m[:] = np.asarray(state["m"])
        self.trace.load_state_dict(state["trace"])
