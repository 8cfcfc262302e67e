"""Demo "linear-noise": noise in linear regression (exercise A1.3).

Features x = (1, u, u², …, u^degree) of a scalar u ∈ [−1, 1], model f(x) = aᵀx, loss
L = (1/n) Σ_i (aᵀx_i − y_i)².

* Least squares: a = (XᵀX)⁻¹Xᵀy.
* Label noise ỹ = y + ε, ε ~ N(0, σ²I): every refit ã is unbiased and
  E[(f̃(x) − f(x))²] = σ² xᵀ(XᵀX)⁻¹x  (the band drawn around the fit).
* Input noise x̃_i = x_i + ε_i, ε_i ~ N(0, λI), fresh at every SGD step: the expected
  gradient is (2/n)[(XᵀX + nλI)a − Xᵀy], so SGD converges (on average) to the ridge
  solution a = (XᵀX + nλI)⁻¹Xᵀy: noising the inputs = L2 regularisation (weight decay).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from engines.nn_basics.online import to_tensor
from engines.nn_basics.theory_configs import LinearNoiseConfig
from engines.runtime import Engine, Snapshot

GRID_POINTS = 200
#: Noisy refits kept for the plot (the most recent ones).
SHOWN_REFITS = 30
#: SGD iterates are averaged (Polyak) after a burn-in of this many relaxation times of the
#: slowest direction of the expected loss (the start a = 0 is forgotten by then).
BURN_IN_RELAX = 5.0
#: Independent input-noise SGD chains; the solution shown is their mean, time-averaged.
CHAINS = 32


def features(u: np.ndarray, degree: int) -> np.ndarray:
    """(len(u), degree+1) matrix of 1, u, u², …"""
    return np.vander(np.asarray(u, float), degree + 1, increasing=True)


def true_function(u: np.ndarray) -> np.ndarray:
    """The noiseless labels y(u) the samples come from (not a polynomial on purpose)."""
    return np.sin(2.5 * u) + 0.3 * u


def ridge_solution(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """(XᵀX + nλI)⁻¹Xᵀy."""
    n, m = X.shape
    return np.linalg.solve(X.T @ X + n * lam * np.eye(m), X.T @ y)


def band_variance(X: np.ndarray, x_grid: np.ndarray, sigma: float) -> np.ndarray:
    """σ² xᵀ(XᵀX)⁻¹x for every row x of x_grid (pseudo-inverse when XᵀX is singular)."""
    inv = np.linalg.pinv(X.T @ X)
    return sigma**2 * np.einsum("gi,ij,gj->g", x_grid, inv, x_grid)


class LinearNoiseEngine(Engine):
    Config = LinearNoiseConfig
    divergence_advice = "Try a smaller SGD step η."

    def __init__(self, cfg: LinearNoiseConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(cfg.seed)
        data_rng = np.random.default_rng([cfg.seed, 1])     # the fixed training set
        self.u = np.sort(data_rng.uniform(-1.0, 1.0, cfg.n_points))
        self.X = features(self.u, cfg.degree)
        self.y = true_function(self.u) + cfg.label_sigma * data_rng.standard_normal(cfg.n_points)
        n, m = self.X.shape
        self.u_grid = np.linspace(-1.0, 1.0, GRID_POINTS)
        self.x_grid = features(self.u_grid, cfg.degree)
        gram = self.X.T @ self.X
        # Least squares (a pseudo-inverse if n < m or the points coincide).
        self.pinv = np.linalg.pinv(self.X)
        self.a_ls = self.pinv @ self.y
        self.full_rank = np.linalg.matrix_rank(gram) == m
        self.a_ridge = ridge_solution(self.X, self.y, cfg.input_lambda)
        self.band = band_variance(self.X, self.x_grid, cfg.label_sigma)
        # Step size relative to the stiffest direction of the expected loss, whose Hessian
        # is (2/n)(XᵀX + nλI): η_eff = η / largest eigenvalue keeps SGD stable.
        hess_eig = np.linalg.eigvalsh(2.0 / n * gram + 2.0 * cfg.input_lambda * np.eye(m))
        self.lr = cfg.sgd_lr / hess_eig[-1]
        self.burn_in = int(np.ceil(BURN_IN_RELAX / (self.lr * hess_eig[0])))
        # Running state.
        self.a_sgd = np.zeros((CHAINS, m))
        self.a_sum = np.zeros(m)      # Σ of iterates after burn-in (Polyak average)
        self.n_avg = 0
        self.fit_sum = np.zeros(GRID_POINTS)      # Σ f̃(x), Σ f̃(x)² over the refits
        self.fit_sq = np.zeros(GRID_POINTS)
        self.n_refits = 0
        self.recent = np.zeros((SHOWN_REFITS, GRID_POINTS))
        self.n_recent = 0

    # ---- the two experiments ------------------------------------------------------------
    def train_step(self) -> None:
        cfg = self.cfg
        # (c) label noise: refits on ỹ = y + ε; the spread of f̃ is measured around f.
        eps = cfg.label_sigma * self.rng.standard_normal((cfg.refits_per_step, cfg.n_points))
        a_noisy = (self.y + eps) @ self.pinv.T                     # (refits, m)
        f_noisy = a_noisy @ self.x_grid.T                          # (refits, grid)
        dev = f_noisy - self.x_grid @ self.a_ls
        self.fit_sum += dev.sum(0)
        self.fit_sq += (dev * dev).sum(0)
        self.n_refits += cfg.refits_per_step
        for row in f_noisy[-SHOWN_REFITS:]:
            self.recent[self.n_recent % SHOWN_REFITS] = row
            self.n_recent += 1
        # (d) SGD with fresh input noise x̃ = x + ε, ε ~ N(0, λI) on every feature.
        n = cfg.n_points
        Xn = self.X + np.sqrt(cfg.input_lambda) * self.rng.standard_normal(
            (CHAINS,) + self.X.shape)                                  # (chains, n, m)
        resid = np.matmul(Xn, self.a_sgd[:, :, None])[:, :, 0] - self.y       # (chains, n)
        grad = 2.0 / n * np.matmul(resid[:, None, :], Xn)[:, 0, :]            # (chains, m)
        self.a_sgd = self.a_sgd - self.lr * grad
        if self.step + 1 > self.burn_in:
            self.a_sum += self.a_sgd.mean(0)
            self.n_avg += 1

    def a_sgd_average(self) -> np.ndarray:
        return self.a_sum / self.n_avg if self.n_avg else self.a_sgd.mean(0)

    def _metrics(self) -> dict[str, float]:
        a_avg = self.a_sgd_average()
        spread = self.fit_sq / max(self.n_refits, 1)
        mask = self.band > 1e-12
        ratio = float(np.mean(spread[mask] / self.band[mask])) if mask.any() else 1.0
        return {
            "ridge_mismatch": float(np.max(np.abs(a_avg - self.a_ridge))),
            "ls_ridge_distance": float(np.max(np.abs(self.a_ls - self.a_ridge))),
            "band_ratio": ratio if self.n_refits else 0.0,
            "refits": float(self.n_refits),
            "train_loss_sgd": float(np.mean((self.X @ a_avg - self.y) ** 2)),
            "train_loss_ls": float(np.mean((self.X @ self.a_ls - self.y) ** 2)),
            "train_loss_ridge": float(np.mean((self.X @ self.a_ridge - self.y) ** 2)),
        }

    def history_metrics(self) -> dict[str, float]:
        m = self._metrics()
        return {k: m[k] for k in ("ridge_mismatch", "band_ratio", "train_loss_sgd")}

    def snapshot(self, final: bool = False) -> Snapshot:
        k = min(self.n_recent, SHOWN_REFITS)
        spread = self.fit_sq / max(self.n_refits, 1)
        arrays = {
            "u_train": self.u.copy(), "y_train": self.y.copy(),
            "u_grid": self.u_grid.copy(), "y_true": true_function(self.u_grid),
            "fit_ls": self.x_grid @ self.a_ls,
            "band_sd": np.sqrt(self.band),
            "spread_sd": np.sqrt(spread),
            "refits": np.roll(self.recent, -(self.n_recent % SHOWN_REFITS), axis=0)[-k:]
            if self.n_recent >= SHOWN_REFITS else self.recent[:k].copy(),
            "fit_ridge": self.x_grid @ self.a_ridge,
            "fit_sgd": self.x_grid @ self.a_sgd_average(),
            "fit_sgd_now": self.a_sgd[:8] @ self.x_grid.T,
            "a_ls": self.a_ls.copy(), "a_ridge": self.a_ridge.copy(),
            "a_sgd": self.a_sgd_average(),
        }
        return Snapshot(step=self.step, metrics=self._metrics(), arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "rng": self.rng.bit_generator.state,
                "a_sgd": to_tensor(self.a_sgd), "a_sum": to_tensor(self.a_sum),
                "n_avg": self.n_avg, "fit_sum": to_tensor(self.fit_sum),
                "fit_sq": to_tensor(self.fit_sq), "n_refits": self.n_refits,
                "recent": to_tensor(self.recent), "n_recent": self.n_recent}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.rng.bit_generator.state = state["rng"]
        for name in ("a_sgd", "a_sum", "fit_sum", "fit_sq", "recent"):
            getattr(self, name)[...] = np.asarray(state[name])
        self.n_avg, self.n_refits = int(state["n_avg"]), int(state["n_refits"])
        self.n_recent = int(state["n_recent"])
