"""The "Bayes and the loss" demo (lecture 5.8): the training loss is a negative log posterior.

Samples y⁽ʲ⁾ = F(x⁽ʲ⁾) + δy⁽ʲ⁾ with i.i.d. Gaussian noise of variance σ², and a model
F_θ(x) = Σ_k θ_k f_k(x) linear in its weights (Legendre polynomials or Fourier modes), give
    ln p(y⁽ʲ⁾ | θ) = const − ‖y⁽ʲ⁾ − F_θ(x⁽ʲ⁾)‖² / 2σ²,
and with a Gaussian prior p(θ) ∝ exp(−‖θ‖²/2α²) Bayes' formula gives
    −ln p(θ | {y}) = (1/2σ²) Σ_j ‖y⁽ʲ⁾ − F_θ(x⁽ʲ⁾)‖² + ‖θ‖²/2α² + const
                   = MSE term + L2 weight penalty: the MAP fit is ridge regression with
                     λ = σ²/α² (loss Σ_j ‖y − F_θ‖² + λ‖θ‖²).
Because the model is linear in θ the posterior is Gaussian and known in closed form:
    Σ = (ΦᵀΦ/σ² + 1/α²)⁻¹,  θ̄ = Σ Φᵀy/σ²  (= θ_MAP),
and the posterior predictive of a new y at x has mean φ(x)ᵀθ̄ and variance
φ(x)ᵀΣφ(x) + σ². No torch: every fit is a D x D linear solve (D ≤ 40). The prior width
is the inductive bias: small α keeps F_θ near 0 (underfits), large α lets it chase the
noise (overfits) — the test error against the true F shows it.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engines.bayes.base import BayesEngine
from engines.bayes.configs import X_RANGE, LossConfig
from engines.bayes.edits import Observe
from engines.bayes.info import LN2, TWO_PI_E
from engines.runtime import Snapshot

#: Prior widths of the MAP fits drawn side by side.
MAP_WIDTHS = (0.03, 0.3, 3.0, 30.0)
#: Prior widths of the train / test error scan.
SCAN_WIDTHS = np.logspace(-3, 3, 49)
PLOT_POINTS = 300


def features(x, kind: str, d: int) -> np.ndarray:
    """Φ (len(x) x d): Legendre P_0 … P_{d−1}, or 1, cos πx, sin πx, cos 2πx, …"""
    x = np.asarray(x, dtype=float).reshape(-1)
    if kind == "polynomial":
        return np.polynomial.legendre.legvander(x, d - 1)
    cols = [np.ones_like(x)]
    k = 1
    while len(cols) < d:
        cols.append(np.cos(math.pi * k * x))
        if len(cols) < d:
            cols.append(np.sin(math.pi * k * x))
        k += 1
    return np.stack(cols, axis=1)


def true_function(x, kind: str) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if kind == "sine":
        return np.sin(3.0 * x) + 0.3 * np.cos(7.0 * x)
    if kind == "step":
        return np.where(x < 0.0, -0.7, 0.7)
    return 2.0 * x**3 - 1.2 * x


def posterior(phi: np.ndarray, y: np.ndarray, noise: float, width: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """(θ̄, Σ) of the Gaussian posterior over the weights."""
    d = phi.shape[1]
    precision = phi.T @ phi / noise**2 + np.eye(d) / width**2
    cov = np.linalg.inv(precision)
    cov = 0.5 * (cov + cov.T)
    return cov @ (phi.T @ y) / noise**2, cov


def ridge_scan(phi: np.ndarray, y: np.ndarray, noise: float, widths) -> np.ndarray:
    """θ_MAP for every prior width (rows): (ΦᵀΦ + σ²/α² 1) θ = Φᵀy, via one eigensolve."""
    values, vectors = np.linalg.eigh(phi.T @ phi)
    rhs = vectors.T @ (phi.T @ y)
    lam = noise**2 / np.asarray(widths, dtype=float) ** 2
    return (rhs[None, :] / (values[None, :] + lam[:, None])) @ vectors.T


def loss_terms(phi, y, theta, noise, width) -> tuple[float, float]:
    """(data term ‖y − Φθ‖²/2σ², prior term ‖θ‖²/2α²): −ln p(θ|{y}) up to a constant."""
    r = y - phi @ theta
    return float(r @ r) / (2 * noise**2), float(theta @ theta) / (2 * width**2)


def gaussian_logdet(cov: np.ndarray) -> float:
    return float(np.linalg.slogdet(cov)[1])


class LossEngine(BayesEngine):
    Config = LossConfig
    RECORD_KEYS = ("n", "x", "y", "gain", "h_post", "kl", "data_term", "prior_term",
                   "test_mse")

    def __init__(self, cfg: LossConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.x_plot = np.linspace(*X_RANGE, PLOT_POINTS)
        self.phi_plot = features(self.x_plot, cfg.features, cfg.n_features)
        self.truth_plot = true_function(self.x_plot, cfg.truth)
        self.xs: list[float] = []
        self.ys: list[float] = []
        d = cfg.n_features
        self.h_prior = 0.5 * d * math.log2(TWO_PI_E * cfg.prior_width**2)
        self._refit()

    # ---- data ---------------------------------------------------------------------------
    def simulate(self) -> None:
        x = float(self.rng.uniform(*X_RANGE))
        y = float(true_function(x, self.cfg.truth) + self.cfg.noise * self.rng.standard_normal())
        self.add(x, y)

    def observe_edit(self, change: Observe) -> None:
        if change.x is not None:
            self.add(change.x, change.y)
        else:
            self.simulate()

    def add(self, x: float, y: float) -> None:
        cfg = self.cfg
        f = features([x], cfg.features, cfg.n_features)[0]
        gain = 0.5 * math.log2(1.0 + float(f @ self.cov @ f) / cfg.noise**2)
        self.xs.append(x)
        self.ys.append(y)
        self._refit()
        data, prior = loss_terms(self.phi, self.y, self.theta, cfg.noise, cfg.prior_width)
        self.record(n=len(self.xs), x=x, y=y, gain=gain, h_post=self.h_post, kl=self.kl,
                    data_term=data, prior_term=prior, test_mse=self.test_mse(self.theta))

    def _refit(self) -> None:
        cfg = self.cfg
        self.phi = features(self.xs, cfg.features, cfg.n_features)
        self.y = np.asarray(self.ys, dtype=float)
        self.theta, self.cov = posterior(self.phi, self.y, cfg.noise, cfg.prior_width)
        d = cfg.n_features
        logdet = gaussian_logdet(self.cov)
        self.h_post = 0.5 * (d * math.log(TWO_PI_E) + logdet) / LN2
        a2 = cfg.prior_width**2
        self.kl = float(0.5 * (np.trace(self.cov) / a2 + float(self.theta @ self.theta) / a2
                               - d + d * math.log(a2) - logdet) / LN2)

    def test_mse(self, theta: np.ndarray) -> float:
        """Mean of (F_θ(x) − F(x))² over x ∈ [−1, 1] (the error against the truth)."""
        return float(np.mean((self.phi_plot @ theta - self.truth_plot) ** 2))

    # ---- engine contract ----------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        data, prior = loss_terms(self.phi, self.y, self.theta, self.cfg.noise,
                                 self.cfg.prior_width)
        train = float(np.mean((self.y - self.phi @ self.theta) ** 2)) if self.xs else 0.0
        return {"n_obs": float(self.n_obs), "data_term": data, "prior_term": prior,
                "neg_log_post": data + prior, "train_mse": train,
                "test_mse": self.test_mse(self.theta), "h_post": self.h_post,
                "kl": max(0.0, float(self.kl))}

    def snapshot(self, final: bool = False) -> Snapshot:
        cfg = self.cfg
        maps = ridge_scan(self.phi, self.y, cfg.noise, MAP_WIDTHS)
        scan = ridge_scan(self.phi, self.y, cfg.noise, SCAN_WIDTHS)
        pred = self.phi_plot @ self.theta
        var_f = np.einsum("ij,jk,ik->i", self.phi_plot, self.cov, self.phi_plot)
        std_f = np.sqrt(np.clip(var_f, 0.0, None))
        if self.xs:
            train = np.mean((self.y[None, :] - scan @ self.phi.T) ** 2, axis=1)
        else:
            train = np.zeros(len(SCAN_WIDTHS))
        test = np.mean((scan @ self.phi_plot.T - self.truth_plot[None, :]) ** 2, axis=1)
        metrics = {**self.history_metrics(), "gain": self.last("gain"), "h_prior": self.h_prior,
                   "ridge_lambda": cfg.noise**2 / cfg.prior_width**2,
                   "theta_norm": float(np.linalg.norm(self.theta))}
        arrays = {"x_plot": self.x_plot.copy(), "truth": self.truth_plot.copy(),
                  "map_fits": maps @ self.phi_plot.T, "map_widths": np.asarray(MAP_WIDTHS),
                  "pred_mean": pred, "pred_std_f": std_f,
                  "pred_std_y": np.sqrt(std_f**2 + cfg.noise**2),
                  "xs": np.asarray(self.xs, dtype=float), "ys": self.y.copy(),
                  "scan_widths": SCAN_WIDTHS.copy(), "scan_train": train, "scan_test": test,
                  "theta": self.theta.copy()}
        return self.make_snapshot(metrics, arrays, final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.common_state(), "xs": list(self.xs), "ys": list(self.ys)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_common_state(state)
        self.xs = [float(v) for v in state["xs"]]
        self.ys = [float(v) for v in state["ys"]]
        self._refit()
