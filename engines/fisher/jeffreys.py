"""The "Jeffreys prior and reparametrization" demo (lecture 6.1, end).

A density changes with the coordinates: p_θ(θ) = p_λ(λ(θ)) |dλ/dθ|, so a prior flat in λ is
not flat in θ. The Fisher information transforms as I_θ = (dλ/dθ)² I_λ, hence
    Jeffreys' prior  p(λ) ∝ √I(λ)  (√det I for several parameters)
gives the same distribution in every coordinate system: √I_θ = |dλ/dθ| √I_λ is exactly the
transformed density. Examples: location N(λ, 1): flat; scale N(0, λ²): ∝ 1/λ (flat in ln λ);
Bernoulli: ∝ 1/√(λ(1−λ)) = Beta(½, ½) (uniform in θ for λ = sin²θ); Poisson: ∝ 1/√λ (uniform
in θ for λ = θ²).
Here I_θ is recomputed from scratch in the second coordinate (a numerical derivative of
ln p(x|λ(θ)) in θ, averaged exactly over x) and compared with the transformed density.
One observation per step; the posteriors of both priors are drawn in both coordinates.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import gammaln

from engines.fisher.base import NumpyEngine, as_list
from engines.fisher.configs import JeffreysConfig
from engines.runtime import Snapshot

#: λ range shown per model (a finite range: a flat prior on all of (0, ∞) is improper).
LAMBDA_RANGE = {"location": (-8.0, 8.0), "scale": (0.05, 8.0), "bernoulli": (1e-3, 1 - 1e-3),
                "poisson": (0.02, 12.0)}
HERMITE = np.polynomial.hermite_e.hermegauss(60)     # nodes, weights for ⟨f(z)⟩, z ~ N(0, 1)


def to_lambda(param: str, theta):
    """λ(θ) and dλ/dθ of the second coordinate."""
    theta = np.asarray(theta, dtype=float)
    if param == "identity":
        return theta, np.ones_like(theta)
    if param == "log":
        return np.exp(theta), np.exp(theta)
    if param == "sqrt":
        return theta**2, 2 * theta
    if param == "sin2":
        return np.sin(theta) ** 2, np.sin(2 * theta)
    raise ValueError(f"unknown parametrization {param!r}")


def to_theta(param: str, lam):
    lam = np.asarray(lam, dtype=float)
    if param == "identity":
        return lam
    if param == "log":
        return np.log(lam)
    if param == "sqrt":
        return np.sqrt(lam)
    if param == "sin2":
        return np.arcsin(np.sqrt(lam))
    raise ValueError(f"unknown parametrization {param!r}")


def fisher(model: str, lam):
    lam = np.asarray(lam, dtype=float)
    if model == "location":
        return np.ones_like(lam)
    if model == "scale":
        return 2.0 / lam**2
    if model == "bernoulli":
        return 1.0 / (lam * (1 - lam))
    if model == "poisson":
        return 1.0 / lam
    raise ValueError(f"unknown model {model!r}")


def log_p(model: str, x, lam):
    if model == "location":
        return -0.5 * (x - lam) ** 2 - 0.5 * math.log(2 * math.pi)
    if model == "scale":
        return -0.5 * (x / lam) ** 2 - np.log(lam) - 0.5 * math.log(2 * math.pi)
    if model == "bernoulli":
        return x * np.log(lam) + (1 - x) * np.log1p(-lam)
    if model == "poisson":
        return x * np.log(lam) - lam - gammaln(x + 1.0)
    raise ValueError(f"unknown model {model!r}")


def fisher_numeric(model: str, param: str, theta: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """I_θ(θ) = ⟨(∂ ln p(x|λ(θ))/∂θ)²⟩ from a central difference in θ, exact average over x."""
    lam, _ = to_lambda(param, theta)
    lam_p, _ = to_lambda(param, theta + h)
    lam_m, _ = to_lambda(param, theta - h)
    if model in ("location", "scale"):
        z, w = HERMITE
        w = w / w.sum()
        x = (lam[:, None] + z[None, :]) if model == "location" else lam[:, None] * z[None, :]
        p = np.broadcast_to(w, x.shape)
    elif model == "bernoulli":
        x = np.broadcast_to(np.array([0.0, 1.0]), (theta.size, 2))
        p = np.stack([1 - lam, lam], axis=1)
    else:
        top = int(np.max(lam) + 12 * math.sqrt(np.max(lam)) + 20)
        x = np.broadcast_to(np.arange(top + 1, dtype=float), (theta.size, top + 1))
        p = np.exp(log_p(model, x, lam[:, None]))
    score = (log_p(model, x, lam_p[:, None]) - log_p(model, x, lam_m[:, None])) / (2 * h)
    return np.sum(p * score * score, axis=1)


def normalise(density: np.ndarray, d: float) -> np.ndarray:
    return density / (np.sum(density) * d)


class JeffreysEngine(NumpyEngine):
    Config = JeffreysConfig

    def __init__(self, cfg: JeffreysConfig, device: str | None = None):
        super().__init__(cfg, device)
        lo, hi = LAMBDA_RANGE[cfg.model]
        n = cfg.grid_points
        self.lam = np.linspace(lo, hi, n)
        self.dlam = float(self.lam[1] - self.lam[0])
        self.theta = np.linspace(float(to_theta(cfg.parametrization, lo)),
                                 float(to_theta(cfg.parametrization, hi)), n)
        self.dtheta = float(self.theta[1] - self.theta[0])
        self.lam_of_theta, self.jac = to_lambda(cfg.parametrization, self.theta)
        # priors in λ: flat and Jeffreys; the same priors seen in θ (transformed densities)
        self.flat_lam = normalise(np.ones(n), self.dlam)
        self.jeff_lam = normalise(np.sqrt(fisher(cfg.model, self.lam)), self.dlam)
        self.flat_theta = self.transformed(np.ones(n))
        self.jeff_theta = self.transformed(np.sqrt(fisher(cfg.model, self.lam_of_theta)))
        # Jeffreys recomputed in θ from its own Fisher information
        self.jeff_theta_direct = normalise(
            np.sqrt(fisher_numeric(cfg.model, cfg.parametrization, self.theta)), self.dtheta)
        self.stats = np.zeros(3)      # n, Σx, Σx²

    def transformed(self, density_at_lam_of_theta: np.ndarray) -> np.ndarray:
        """p_θ(θ) = p_λ(λ(θ)) |dλ/dθ| on the θ grid."""
        return normalise(density_at_lam_of_theta * np.abs(self.jac), self.dtheta)

    def log_likelihood(self, lam: np.ndarray) -> np.ndarray:
        n, s1, s2 = self.stats
        model = self.cfg.model
        if model == "location":
            return -0.5 * (s2 - 2 * lam * s1 + n * lam * lam)
        if model == "scale":
            return -n * np.log(lam) - s2 / (2 * lam * lam)
        if model == "bernoulli":
            return s1 * np.log(lam) + (n - s1) * np.log1p(-lam)
        return s1 * np.log(lam) - n * lam

    def posterior(self, prior: np.ndarray, lam: np.ndarray, d: float) -> np.ndarray:
        ll = self.log_likelihood(lam)
        return normalise(prior * np.exp(ll - ll.max()), d)

    def train_step(self) -> None:
        cfg = self.cfg
        lam = cfg.true_lambda
        if cfg.model == "location":
            x = lam + self.rng.standard_normal()
        elif cfg.model == "scale":
            x = lam * self.rng.standard_normal()
        elif cfg.model == "bernoulli":
            x = float(self.rng.random() < lam)
        else:
            x = float(self.rng.poisson(lam))
        self.stats += (1.0, x, x * x)

    def posteriors(self) -> dict[str, np.ndarray]:
        return {"post_flat_lam": self.posterior(self.flat_lam, self.lam, self.dlam),
                "post_jeff_lam": self.posterior(self.jeff_lam, self.lam, self.dlam),
                "post_flat_theta": self.posterior(self.flat_theta, self.lam_of_theta, self.dtheta),
                "post_jeff_theta": self.posterior(self.jeff_theta, self.lam_of_theta,
                                                  self.dtheta)}

    def history_metrics(self) -> dict[str, float]:
        post = self.posteriors()
        return {"n_obs": float(self.stats[0]),
                "mean_flat": float(np.sum(self.lam * post["post_flat_lam"]) * self.dlam),
                "mean_jeffreys": float(np.sum(self.lam * post["post_jeff_lam"]) * self.dlam)}

    def jeffreys_mismatch(self) -> float:
        """max |transformed − recomputed| / max of the Jeffreys density in θ."""
        inner = slice(2, -2)     # the very ends of an open range (sin²θ near 0) are singular
        a, b = self.jeff_theta[inner], self.jeff_theta_direct[inner]
        return float(np.max(np.abs(a - b)) / np.max(b))

    def snapshot(self, final: bool = False) -> Snapshot:
        metrics = {**self.history_metrics(), "jeffreys_mismatch": self.jeffreys_mismatch(),
                   "true_lambda": self.cfg.true_lambda,
                   "true_theta": float(to_theta(self.cfg.parametrization, self.cfg.true_lambda))}
        arrays = {"lam": self.lam.copy(), "theta": self.theta.copy(),
                  "prior_flat_lam": self.flat_lam.copy(), "prior_jeff_lam": self.jeff_lam.copy(),
                  "prior_flat_theta": self.flat_theta.copy(),
                  "prior_jeff_theta": self.jeff_theta.copy(),
                  "prior_jeff_theta_direct": self.jeff_theta_direct.copy(), **self.posteriors()}
        return self.make_snapshot(metrics, arrays, final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.common_state(), "stats": as_list(self.stats)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_common_state(state)
        self.stats = np.asarray(state["stats"], dtype=float)
