"""The "Gaussian random process" demo (lecture 5.7 and 5.9): Bayes for a whole function.

The prior (random walk, smoothness or squared exponential; see engines.bayes.gp_math) is
the inductive bias: it decides how the posterior fills the gaps between measurements.
Each measurement y at site γ applies the lecture's update
    C′⁻¹ = C⁻¹ + |γ⟩⟨γ|/Z²,   φ̄′ = φ̄ + C′|γ⟩ (y − φ̄_γ)/Z²
as an O(N²) Sherman–Morrison downdate of the covariance; the precision added so far is
kept as its diagonal (Σ_k |γ_k⟩⟨γ_k|/Z²) so that the two forms can be compared. A step
measures the true function at a random site (if automatic measurements are on); clicks
measure at the clicked t with the clicked y.

Readout (bits): prior entropy h₀ = ½ log₂ det(2πe C₀) of the N lattice values, the drop
½ log₂(1 + C_γγ/Z²) of each measurement, and KL(posterior ‖ prior)
    = ½ [tr(C₀⁻¹C) − N + δᵀC₀⁻¹δ + ln det C₀ − ln det C] / ln 2,
evaluated in O(M) with tr(C₀⁻¹C) = N − Σ_k C_{γ_kγ_k}/Z² and C₀⁻¹δ = Σ_k |γ_k⟩(y_k − φ̄_{γ_k})/Z²
(δ = φ̄ − φ̄₀; both follow from C⁻¹ = C₀⁻¹ + Σ_k |γ_k⟩⟨γ_k|/Z²).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engines.bayes.base import MAX_SHOWN, BayesEngine, as_list
from engines.bayes.configs import GPConfig
from engines.bayes.edits import Observe, lattice_site
from engines.bayes.gp_math import (entropy_bits, lattice, prior_covariance, rank_one_update,
                                   sqrt_covariance, truth_function)
from engines.runtime import Snapshot

LN2 = math.log(2.0)


class GPEngine(BayesEngine):
    Config = GPConfig
    RECORD_KEYS = ("n", "t", "y", "site", "gain", "h_post", "kl")

    def __init__(self, cfg: GPConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.t = lattice(cfg)
        self.prior_cov, self.prior_logdet = prior_covariance(cfg)
        self.prior_sqrt = sqrt_covariance(self.prior_cov)
        self.prior_std = np.sqrt(np.clip(np.diag(self.prior_cov), 0.0, None))
        self.h_prior = entropy_bits(self.prior_logdet, cfg.n_points)
        self.truth = truth_function(cfg, self.t, self.prior_sqrt)
        self.mean = np.zeros(cfg.n_points)
        self.cov = self.prior_cov.copy()
        # Prior draws that follow every measurement: exact posterior samples.
        self.prior_samples = (self.prior_sqrt @ self.rng.standard_normal(
            (cfg.n_points, cfg.n_samples))).T
        self.samples = self.prior_samples.copy()
        self.precision_added = np.zeros(cfg.n_points)   # diagonal of Σ_k |γ_k⟩⟨γ_k|/Z²
        self.total_gain = 0.0

    # ---- measurements ---------------------------------------------------------------------
    def simulate(self) -> None:
        site = int(self.rng.integers(self.cfg.n_points))
        y = float(self.truth[site] + self.cfg.noise * self.rng.standard_normal())
        self.measure(site, y)

    def train_step(self) -> None:
        if self.cfg.auto_measure:
            super().train_step()

    def observe_edit(self, change: Observe) -> None:
        if change.t is not None:
            self.measure(lattice_site(self.cfg, change.t), change.y)
        else:
            self.simulate()

    def measure(self, site: int, y: float) -> None:
        """The lecture's update for one measurement y at lattice site γ (O(N²))."""
        eps = self.rng.standard_normal(self.samples.shape[0])
        var = rank_one_update(self.mean, self.cov, site, y, self.cfg.noise, self.samples, eps)
        self.precision_added[site] += 1.0 / self.cfg.noise**2
        gain = 0.5 * math.log2(1.0 + var / self.cfg.noise**2)
        self.total_gain += gain
        self.record(n=self.n_obs + 1, t=float(self.t[site]), y=y, site=site, gain=gain,
                    h_post=self.h_prior - self.total_gain, kl=0.0)
        self.records["kl"][-1] = self.kl_bits()

    def kl_bits(self) -> float:
        """KL(posterior ‖ prior) in O(M) (see the module docstring)."""
        if self.n_obs == 0:
            return 0.0
        sites = np.asarray(self.records["site"], dtype=int)
        ys = np.asarray(self.records["y"])
        z2 = self.cfg.noise**2
        trace = self.cfg.n_points - float(np.diag(self.cov)[sites].sum()) / z2
        quad = float((self.mean[sites] * (ys - self.mean[sites])).sum()) / z2
        nats = 0.5 * (trace - self.cfg.n_points + quad) + LN2 * self.total_gain
        return max(0.0, nats / LN2)

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.cov), 0.0, None))

    # ---- engine contract ------------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        return {"n_obs": float(self.n_obs), "h_post": self.h_prior - self.total_gain,
                "kl": self.last("kl"), "total_gain": self.total_gain,
                "mean_std": float(self.std.mean())}

    def snapshot(self, final: bool = False) -> Snapshot:
        metrics = {**self.history_metrics(), "gain": self.last("gain"),
                   "h_prior": self.h_prior, "prior_mean_std": float(self.prior_std.mean())}
        sites = np.asarray(self.records["site"][-MAX_SHOWN:], dtype=int)
        arrays = {"t": self.t.copy(), "mean": self.mean.copy(), "std": self.std,
                  "samples": self.samples.copy(), "prior_std": self.prior_std.copy(),
                  "prior_samples": self.prior_samples.copy(),
                  "truth": self.truth.copy() if self.cfg.auto_measure else np.empty(0),
                  "meas_t": self.t[sites].copy(),
                  "meas_y": np.asarray(self.records["y"][-MAX_SHOWN:], dtype=float)}
        return self.make_snapshot(metrics, arrays, final)

    def state_dict(self) -> dict[str, Any]:
        # The covariance is replayed from the measurement sites on load (bit for bit the
        # same operations), so a session stays small even for 2000 lattice points.
        return {**self.common_state(), "mean": as_list(self.mean),
                "samples": as_list(self.samples), "total_gain": self.total_gain}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        mean = np.asarray(state["mean"], dtype=float)
        if mean.shape != self.mean.shape:
            raise ValueError(f"saved lattice of {mean.size} points does not fit "
                             f"{self.cfg.n_points} lattice points")
        self.load_common_state(state)
        self.mean = mean
        self.samples = np.asarray(state["samples"], dtype=float).reshape(self.samples.shape)
        self.total_gain = float(state["total_gain"])
        self.cov = self.prior_cov.copy()
        self.precision_added[:] = 0.0
        scratch_mean = np.zeros_like(self.mean)
        for site in self.records["site"]:
            rank_one_update(scratch_mean, self.cov, int(site), 0.0, self.cfg.noise)
            self.precision_added[int(site)] += 1.0 / self.cfg.noise**2
