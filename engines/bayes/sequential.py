"""The "Sequential updating" demo (lecture 5.2 and 5.6): one parameter λ, N observations.

Bayes' formula for independent observations, applied one observation at a time:
    p(λ | y₁…y_N) ∝ p(y_N | λ) · p(λ | y₁…y_{N−1}),
    ln p(λ | {y}) = Σ_j ln p(y_j | λ) + ln p(λ) − ln p({y}).
Toy model of the lecture: Gaussian prior p(λ) ∝ exp(−λ²/2W²) and Gaussian likelihood
p(y|λ) ∝ exp(−(y−λ)²/2σ²), the y_j drawn from p(y|λ*). The posterior is Gaussian with
    1/W_N² = 1/W² + N/σ²         (W_N → σ/√N for N → ∞)
    λ̄_N    = (W_N²/σ²) Σ_j y_j   (stochastic; on average (W_N²/σ²) N λ* → λ*: the pull
                                   towards λ*, whatever the prior, as long as p(λ*) ≠ 0).
With a fat-tailed (Lorentzian) likelihood p(y|λ) = (σ/π) / ((y−λ)² + σ²) a single
observation far from the prior's bulk hardly moves the posterior (it may be an outlier),
so a λ* in the prior's tail takes far more observations to be found.

The posterior is computed on a uniform λ grid (log-density accumulated, normalised with
Σ p_i Δλ = 1, see engines.bayes.info for the entropy convention), and for the Gaussian
likelihood also in closed form; the two agree to ~10⁻⁹ in mean and width on the default
grid (tests/engines/test_bayes_sequential.py).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engines.bayes.base import MAX_SHOWN, BayesEngine, as_list
from engines.bayes.configs import SequentialConfig
from engines.bayes.edits import Observe, lambda_range
from engines.bayes.info import grid_entropy_bits, grid_kl_bits, grid_moments, normalise_log
from engines.runtime import Snapshot


def log_likelihood(y: float, lam: np.ndarray, sigma: float, kind: str) -> np.ndarray:
    """ln p(y | λ) on the grid, normalised in y."""
    d = y - lam
    if kind == "gaussian":
        return -0.5 * d * d / sigma**2 - math.log(math.sqrt(2 * math.pi) * sigma)
    return math.log(sigma / math.pi) - np.log(d * d + sigma**2)


def closed_form(cfg: SequentialConfig, ys) -> tuple[float, float]:
    """(λ̄_N, W_N) of the Gaussian-Gaussian posterior after the observations ``ys``."""
    n = len(ys)
    width = 1.0 / math.sqrt(1.0 / cfg.prior_width**2 + n / cfg.noise**2)
    return width**2 / cfg.noise**2 * float(np.sum(ys)), width


class SequentialEngine(BayesEngine):
    Config = SequentialConfig
    RECORD_KEYS = ("n", "y", "width", "mean", "width_formula", "mean_formula", "gain",
                   "h_post", "kl")

    def __init__(self, cfg: SequentialConfig, device: str | None = None):
        super().__init__(cfg, device)
        lo, hi = lambda_range(cfg)
        self.grid = np.linspace(lo, hi, cfg.grid_points)
        self.dx = float(self.grid[1] - self.grid[0])
        self.log_prior = -0.5 * self.grid**2 / cfg.prior_width**2
        self.prior = normalise_log(self.log_prior, self.dx)
        self.h_prior = grid_entropy_bits(self.prior, self.dx)
        self.log_post = self.log_prior.copy()
        self.posterior = self.prior.copy()
        self.ys: list[float] = []

    # ---- Bayes --------------------------------------------------------------------------
    def simulate(self) -> None:
        cfg = self.cfg
        if cfg.likelihood == "gaussian":
            y = cfg.true_lambda + cfg.noise * self.rng.standard_normal()
        else:
            y = cfg.true_lambda + cfg.noise * self.rng.standard_cauchy()
        self.observe(float(y))

    def observe_edit(self, change: Observe) -> None:
        if change.y is not None:
            self.observe(change.y)
        else:
            self.simulate()

    def observe(self, y: float) -> None:
        """p(λ | y₁…y_N) ∝ p(y_N | λ) p(λ | y₁…y_{N−1}) on the grid."""
        cfg = self.cfg
        h_before = grid_entropy_bits(self.posterior, self.dx)
        self.log_post = self.log_post + log_likelihood(y, self.grid, cfg.noise, cfg.likelihood)
        self.log_post -= self.log_post.max()
        self.posterior = normalise_log(self.log_post, self.dx)
        self.ys.append(y)
        mean, width = grid_moments(self.grid, self.posterior, self.dx)
        h_post = grid_entropy_bits(self.posterior, self.dx)
        mean_formula, width_formula = closed_form(cfg, self.ys)
        self.record(n=len(self.ys), y=y, width=width, mean=mean, width_formula=width_formula,
                    mean_formula=mean_formula if cfg.likelihood == "gaussian" else math.nan,
                    gain=h_before - h_post, h_post=h_post,
                    kl=grid_kl_bits(self.posterior, self.prior, self.dx))

    def likelihood_density(self) -> np.ndarray:
        """p(y_N | λ) of the latest observation as a function of λ (a density in λ too)."""
        if not self.ys:
            return np.zeros_like(self.grid)
        cfg = self.cfg
        return np.exp(log_likelihood(self.ys[-1], self.grid, cfg.noise, cfg.likelihood))

    def analytic_density(self) -> np.ndarray:
        """The closed-form Gaussian posterior (empty for the Lorentzian likelihood)."""
        if self.cfg.likelihood != "gaussian":
            return np.empty(0)
        mean, width = closed_form(self.cfg, self.ys)
        return np.exp(-0.5 * ((self.grid - mean) / width) ** 2) / (math.sqrt(2 * math.pi) * width)

    # ---- engine contract ----------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        mean, width = grid_moments(self.grid, self.posterior, self.dx)
        return {"n_obs": float(self.n_obs), "width": width, "mean": mean,
                "h_post": grid_entropy_bits(self.posterior, self.dx),
                "kl": grid_kl_bits(self.posterior, self.prior, self.dx)}

    def snapshot(self, final: bool = False) -> Snapshot:
        _, width_formula = closed_form(self.cfg, self.ys)
        metrics = {**self.history_metrics(), "width_formula": width_formula,
                   "gain": self.last("gain"), "h_prior": self.h_prior,
                   "true_lambda": float(self.cfg.true_lambda), "grid_step": self.dx}
        arrays = {"grid": self.grid.copy(), "prior": self.prior.copy(),
                  "posterior": self.posterior.copy(), "likelihood": self.likelihood_density(),
                  "analytic": self.analytic_density(),
                  "ys": np.asarray(self.ys[-MAX_SHOWN:], dtype=float)}
        return self.make_snapshot(metrics, arrays, final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.common_state(), "log_post": as_list(self.log_post), "ys": list(self.ys)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        log_post = np.asarray(state["log_post"], dtype=float)
        if log_post.shape != self.grid.shape:
            raise ValueError(f"saved grid of {log_post.size} points does not fit "
                             f"{self.grid.size} grid points")
        self.load_common_state(state)
        self.log_post = log_post
        self.posterior = normalise_log(self.log_post, self.dx)
        self.ys = [float(y) for y in state["ys"]]

