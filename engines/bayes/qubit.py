"""The "Qubit readout" demo (lecture 5.3): which state λ ∈ {0, 1} produced the readout y?

Two measurement distributions p(y|λ=0), p(y|λ=1) (Gaussians of width σ at ∓Δ/2). Bayes:
    P(λ=1 | y) = p(y|λ=1) P(λ=1) / Σ_{λ′=0,1} p(y|λ′) P(λ′).
Repeated readouts of the same qubit (non-demolition) multiply their likelihoods; in log-odds
    ln P(1|y₁…y_N)/P(0|y₁…y_N) = ln P(1)/P(0) + Σ_j ln p(y_j|1)/p(y_j|0),
    ln p(y|1)/p(y|0) = Δ·y/σ²,
which this engine accumulates (stable for any number of readouts). Entropies are Shannon
entropies of (P(0), P(1)) in bits; the expected information gain of the next readout is
the mutual information I(λ; y) = H(λ) − ⟨H(λ | y)⟩_y ≥ 0 (lecture 5.4), although a single
readout can raise the entropy.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engines.bayes.base import MAX_SHOWN, BayesEngine
from engines.bayes.configs import QubitConfig
from engines.bayes.edits import Observe, readout_range
from engines.bayes.info import binary_bits, binary_kl_bits, sigmoid
from engines.runtime import Snapshot

#: Points (at least) of the y grid drawn, and of the one that integrates the mutual
#: information.
PLOT_POINTS = 401
MI_POINTS = 2001


def readout_grid(cfg: QubitConfig) -> np.ndarray:
    """The y values drawn: the readout range, at least 16 points per width σ."""
    lo, hi = readout_range(cfg)
    return np.linspace(lo, hi, int(min(4001, max(PLOT_POINTS,
                                                   16 * (hi - lo) / cfg.readout_noise))))


def means(cfg: QubitConfig) -> tuple[float, float]:
    return -0.5 * cfg.separation, 0.5 * cfg.separation


def outcome_density(y: np.ndarray, cfg: QubitConfig, state: int) -> np.ndarray:
    mu = means(cfg)[state]
    s = cfg.readout_noise
    return np.exp(-0.5 * ((y - mu) / s) ** 2) / (math.sqrt(2 * math.pi) * s)


def log_likelihood_ratio(y, cfg: QubitConfig):
    """ln p(y|1)/p(y|0) = Δ·y/σ² (the means sit at ∓Δ/2)."""
    return cfg.separation * np.asarray(y, dtype=float) / cfg.readout_noise**2


def posterior_curve(y: np.ndarray, cfg: QubitConfig, log_odds: float) -> np.ndarray:
    """P(λ=1 | y) for every y of a grid, given the belief's log-odds before the readout."""
    z = log_odds + log_likelihood_ratio(y, cfg)
    return 0.5 * (1.0 + np.tanh(0.5 * z))     # = sigmoid(z), without overflow


def expected_gain_bits(cfg: QubitConfig, log_odds: float) -> float:
    """Mutual information I(λ; y) of the next readout under the current belief."""
    mu0, mu1 = means(cfg)
    span = 8.0 * cfg.readout_noise
    y = np.linspace(mu0 - span, mu1 + span, MI_POINTS)
    dy = y[1] - y[0]
    p1 = sigmoid(log_odds)
    mix = (1 - p1) * outcome_density(y, cfg, 0) + p1 * outcome_density(y, cfg, 1)
    z = log_odds + log_likelihood_ratio(y, cfg)
    a = np.abs(z)
    e = np.exp(-a)
    h_after = (np.log1p(e) + a * e / (1 + e)) / math.log(2.0)
    return max(0.0, binary_bits(log_odds) - float((mix * h_after).sum() * dy))


class QubitEngine(BayesEngine):
    Config = QubitConfig
    RECORD_KEYS = ("n", "y", "p1", "gain", "h_post", "kl")

    def __init__(self, cfg: QubitConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.log_odds0 = math.log(cfg.prior_p1 / (1.0 - cfg.prior_p1))
        self.log_odds = self.log_odds0
        self.ys: list[float] = []
        self.true_state = int(cfg.true_state)

    def simulate(self) -> None:
        mu = means(self.cfg)[self.true_state]
        self.observe(float(mu + self.cfg.readout_noise * self.rng.standard_normal()))

    def observe_edit(self, change: Observe) -> None:
        if change.y is not None:
            self.observe(change.y)
        else:
            self.simulate()

    def observe(self, y: float) -> None:
        h_before = binary_bits(self.log_odds)
        self.log_odds += float(log_likelihood_ratio(y, self.cfg))
        self.ys.append(y)
        h_post = binary_bits(self.log_odds)
        self.record(n=len(self.ys), y=y, p1=self.p1, gain=h_before - h_post, h_post=h_post,
                    kl=binary_kl_bits(self.log_odds, self.cfg.prior_p1))

    @property
    def p1(self) -> float:
        return sigmoid(self.log_odds)

    def history_metrics(self) -> dict[str, float]:
        return {"n_obs": float(self.n_obs), "p1": self.p1,
                "h_post": binary_bits(self.log_odds),
                "kl": binary_kl_bits(self.log_odds, self.cfg.prior_p1)}

    def snapshot(self, final: bool = False) -> Snapshot:
        cfg = self.cfg
        y = readout_grid(cfg)
        metrics = {**self.history_metrics(), "gain": self.last("gain"),
                   "h_prior": binary_bits(self.log_odds0),
                   "expected_gain": expected_gain_bits(cfg, self.log_odds),
                   "log_odds": self.log_odds, "true_state": float(self.true_state)}
        arrays = {"y_grid": y, "p_y0": outcome_density(y, cfg, 0),
                  "p_y1": outcome_density(y, cfg, 1),
                  "curve_prior": posterior_curve(y, cfg, self.log_odds0),
                  "curve_now": posterior_curve(y, cfg, self.log_odds),
                  "ys": np.asarray(self.ys[-MAX_SHOWN:], dtype=float)}
        return self.make_snapshot(metrics, arrays, final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.common_state(), "log_odds": self.log_odds, "ys": list(self.ys)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_common_state(state)
        self.log_odds = float(state["log_odds"])
        self.ys = [float(y) for y in state["ys"]]

