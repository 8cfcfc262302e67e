"""Demo "sgd-noise": SGD near a minimum (lecture 2.5), many walkers in parallel.

Near θ* the batch gradient is λ(θ − θ*) + ξ with sampling noise ξ of variance Var/N, so

    δ⁽ᵗ⁺¹⁾ = (1 − ηλ) δ⁽ᵗ⁾ − η ξ⁽ᵗ⁾,      δ = θ − θ*.

The mean relaxes as (1 − ηλ)^t ≈ e^{−ηλt}; the spread settles at the fixed point of
s = (1−ηλ)² s + η² Var/N:

    ⟨δ²⟩ = η Var / (N λ (2 − ηλ))   ≈ η Var / (2Nλ)  for ηλ ≪ 1.

Two losses:
* quadratic: L = λθ²/2, per-sample gradient λθ + ζ, ζ ~ N(0, Var); the batch mean of N
  such ζ is drawn directly as N(0, Var/N).
* lorentzian: the height θ0 of F(x) = θ0 / (1 + ((x − θ1)/θ2)²) (θ1 = 0.5, θ2 = 0.5 fixed)
  fitted to y = F*(x) + σε, x ~ U[−3, 3], with real batches of N samples. Then
  g(x) = 1/(1 + ((x−θ1)/θ2)²), the per-sample gradient is 2g²δ − 2gσε: curvature
  λ = 2⟨g²⟩, Var = 4σ²⟨g²⟩, and the curvature itself fluctuates (variance v/N with
  v = Var_x(2g²)). The exact fixed point is then s = η²Var/N / (ηλ(2 − ηλ) − η²v/N),
  the lecture's formula as v → 0.

Besides the main walkers (cfg.eta, cfg.batch) the sweep runs walker groups at
η/8, η/4, η/2 and at 2N, 4N, 8N; each group's stationary ⟨δ²⟩ is the average over walkers
and over the steps after its burn-in.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engines.config import ConfigError
from engines.nn_basics.online import to_tensor
from engines.nn_basics.theory_configs import SGDNoiseConfig
from engines.runtime import Engine, Snapshot

#: The Lorentzian ansatz of the lecture (as in the "landscape" demo).
THETA0_TRUE, THETA1, THETA2 = 1.0, 0.5, 0.5
X_RANGE = (-3.0, 3.0)
ETA_FACTORS = (0.125, 0.25, 0.5, 1.0)
BATCH_FACTORS = (1, 2, 4, 8)
#: A group's time average starts after this many relaxation times 1/(ηλ) of its mean.
BURN_IN_RELAX = 10.0
HIST_BINS = 41
SHOWN_WALKERS = 400


def lorentz_profile(x):
    return 1.0 / (1.0 + ((x - THETA1) / THETA2) ** 2)


def lorentz_moments(sigma: float) -> tuple[float, float, float]:
    """(λ, Var, v) of the Lorentzian-height problem, averaged over x ~ U[−3, 3]
    (trapezoid rule on a fine grid: the integrands are smooth)."""
    x = np.linspace(*X_RANGE, 20001)
    g2 = lorentz_profile(x) ** 2
    mean = lambda f: np.trapezoid(f, x) / (X_RANGE[1] - X_RANGE[0])  # noqa: E731
    g2m, g4m = mean(g2), mean(g2 * g2)
    return 2.0 * g2m, 4.0 * sigma**2 * g2m, 4.0 * (g4m - g2m**2)


def stationary_variance(eta, lam: float, var: float, batch, curv_var: float = 0.0):
    """Exact fixed point of the discrete recursion: η²Var/N / (ηλ(2−ηλ) − η²v/N)."""
    eta, batch = np.asarray(eta, float), np.asarray(batch, float)
    return eta**2 * var / batch / (eta * lam * (2.0 - eta * lam) - eta**2 * curv_var / batch)


def continuum_variance(eta, lam: float, var: float, batch):
    """The lecture's small-η result η Var / (2Nλ)."""
    return np.asarray(eta, float) * var / (2.0 * np.asarray(batch, float) * lam)


class SGDNoiseEngine(Engine):
    Config = SGDNoiseConfig
    divergence_advice = "Try a smaller learning rate η (ηλ must stay below 2)."

    def __init__(self, cfg: SGDNoiseConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(cfg.seed)
        if cfg.landscape == "quadratic":
            self.lam, self.var, self.curv_var = cfg.lam, cfg.var_grad, 0.0
        else:
            self.lam, self.var, self.curv_var = lorentz_moments(cfg.label_noise)
        # Groups: 0 = main; then the η sweep (below η) and the N sweep (above N).
        groups = [(cfg.eta, cfg.batch)]
        if cfg.sweep:
            groups += [(cfg.eta * f, cfg.batch) for f in ETA_FACTORS[:-1]]
            groups += [(cfg.eta, cfg.batch * f) for f in BATCH_FACTORS[1:]]
        self.eta = np.array([g[0] for g in groups])
        self.batch = np.array([g[1] for g in groups], dtype=np.int64)
        self.theory = stationary_variance(self.eta, self.lam, self.var, self.batch, self.curv_var)
        if not np.all(np.isfinite(self.theory) & (self.theory > 0)):
            raise ConfigError("eta", "this η is beyond the stability limit of SGD here; "
                                     "choose a smaller η or a larger batch")
        self.burn_in = np.ceil(BURN_IN_RELAX / (self.eta * self.lam)).astype(np.int64)
        # δ = θ − θ* of every walker: (groups, walkers). Only the main group starts away
        # from θ* (the relaxation); the sweep groups start at θ* (their stationary state
        # is reached after the same burn-in).
        self.delta = np.zeros((len(groups), cfg.walkers))
        self.delta[0] = cfg.start
        self.sq_sum = np.zeros(len(groups))   # Σ over measured steps of mean_w δ²
        self.count = np.zeros(len(groups), dtype=np.int64)

    # ---- dynamics -----------------------------------------------------------------------
    def _noise_and_curvature(self) -> tuple[np.ndarray, np.ndarray]:
        """Per group and walker: the batch curvature λ_t and the batch noise ξ_t."""
        cfg = self.cfg
        shape = self.delta.shape
        if cfg.landscape == "quadratic":
            xi = self.rng.standard_normal(shape) * np.sqrt(self.var / self.batch)[:, None]
            return np.full(shape, self.lam), xi
        curv, xi = np.empty(shape), np.empty(shape)
        lo, hi = X_RANGE
        for k, n in enumerate(self.batch):   # real batches of n samples per walker
            x = self.rng.uniform(lo, hi, (cfg.walkers, n))
            eps = self.rng.standard_normal((cfg.walkers, n))
            g = lorentz_profile(x)
            curv[k] = 2.0 * (g * g).mean(1)
            xi[k] = -2.0 * cfg.label_noise * (g * eps).mean(1)
        return curv, xi

    def train_step(self) -> None:
        curv, xi = self._noise_and_curvature()
        # θ⁽ᵗ⁺¹⁾ = θ⁽ᵗ⁾ − η (λ_t (θ⁽ᵗ⁾ − θ*) + ξ⁽ᵗ⁾)
        self.delta -= self.eta[:, None] * (curv * self.delta + xi)
        t = self.step + 1
        measured = t > self.burn_in
        self.sq_sum[measured] += (self.delta[measured] ** 2).mean(1)
        self.count[measured] += 1

    def measured_variance(self) -> np.ndarray:
        """Stationary ⟨δ²⟩ per group: time average after burn-in, else the current value."""
        now = (self.delta**2).mean(1)
        return np.where(self.count > 0, self.sq_sum / np.maximum(self.count, 1), now)

    # ---- output ---------------------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        cfg, t = self.cfg, self.step
        main = self.delta[0]
        rate = self.eta[0] * self.lam
        return {
            "mean_dev": float(main.mean()),
            "abs_mean_dev": float(abs(main.mean())),
            "rms_dev": float(np.sqrt((main**2).mean())),
            # E[δ_t] = (1 − ηλ)^t δ₀ exactly (the batch curvature averages to λ)
            "mean_dev_theory": float(cfg.start * (1.0 - rate) ** t),
            "exp_theory": float(abs(cfg.start) * math.exp(-rate * t)),
            "var_now": float(main.var()),
        }

    def snapshot(self, final: bool = False) -> Snapshot:
        main = self.delta[0]
        measured = self.measured_variance()
        theory0 = float(self.theory[0])
        sd = math.sqrt(theory0)
        edges = np.linspace(-4.5 * sd, 4.5 * sd, HIST_BINS + 1)
        density, _ = np.histogram(main, bins=edges, density=False)
        density = density / (main.size * np.diff(edges))
        xs = np.linspace(edges[0], edges[-1], 200)
        metrics = {
            "var_over_theory": float(measured[0] / theory0),
            "var_measured": float(measured[0]),
            "var_theory": theory0,
            "var_theory_continuum": float(continuum_variance(self.eta[0], self.lam, self.var,
                                                             self.batch[0])),
            "lam": float(self.lam), "var_grad": float(self.var),
            "mean_dev": float(main.mean()),
            "burned_in": float(self.count[0] > 0),
        }
        if self.cfg.sweep:
            ratios = measured / self.theory
            metrics["sweep_max_rel_error"] = float(np.max(np.abs(ratios - 1.0)))
        arrays = {
            "walkers": main[:SHOWN_WALKERS].copy(),
            "hist_edges": edges, "hist_density": density,
            "gauss_x": xs, "gauss_pdf": np.exp(-0.5 * xs**2 / theory0) / math.sqrt(2 * math.pi * theory0),
        }
        if self.cfg.sweep:
            order_eta = np.array([1, 2, 3, 0])        # ascending η: η/8, η/4, η/2, η
            order_n = np.array([0, 4, 5, 6])          # N, 2N, 4N, 8N
            fine_eta = np.geomspace(self.eta[1] * 0.8, self.eta[0] * 1.2, 60)
            fine_inv = np.linspace(0.0, 1.2 / self.batch[0], 60)
            arrays.update({
                "sweep_eta": self.eta[order_eta], "sweep_eta_var": measured[order_eta],
                "sweep_eta_theory": self.theory[order_eta],
                "sweep_eta_line_x": fine_eta,
                "sweep_eta_line": stationary_variance(fine_eta, self.lam, self.var,
                                                      self.batch[0], self.curv_var),
                "sweep_eta_line_continuum": continuum_variance(fine_eta, self.lam, self.var,
                                                               self.batch[0]),
                "sweep_inv_n": 1.0 / self.batch[order_n], "sweep_n_var": measured[order_n],
                "sweep_n_theory": self.theory[order_n],
                "sweep_n_line_x": fine_inv,
                "sweep_n_line": self._line_over_inv_n(fine_inv),
                "sweep_burned_in": (self.count > 0).astype(float)[np.r_[order_eta, order_n]],
            })
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def _line_over_inv_n(self, inv_n: np.ndarray) -> np.ndarray:
        """Exact ⟨δ²⟩ at the main η as a function of 1/N (linear in 1/N when v = 0)."""
        eta, lam = self.eta[0], self.lam
        return eta**2 * self.var * inv_n / (eta * lam * (2 - eta * lam) - eta**2 * self.curv_var * inv_n)

    # ---- persistence -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "rng": self.rng.bit_generator.state,
                "delta": to_tensor(self.delta), "sq_sum": to_tensor(self.sq_sum),
                "count": to_tensor(self.count)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.rng.bit_generator.state = state["rng"]
        self.delta[...] = np.asarray(state["delta"])
        self.sq_sum[...] = np.asarray(state["sq_sum"])
        self.count[...] = np.asarray(state["count"])
