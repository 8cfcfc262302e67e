"""The "Fisher information and the Cramér-Rao bound" demo (lecture 6.1).

Many experiments of N independent observations each are simulated, batch by batch. For
each: the maximum-likelihood estimate λ̂ and the Bayes estimate (posterior mean, flat prior
on a λ grid). Cramér-Rao: Var λ̂ ≥ 1/(N I(λ)) for unbiased estimators; the MLE and the
posterior mean reach it for large N (asymptotically efficient), so Var·N·I → 1.
Also: a Monte-Carlo ⟨(∂ ln p/∂λ)²⟩ over every observation drawn (→ I(λ)), a sweep of
Var·N·I over log-spaced N, the score and log-likelihood of the latest experiment, and for
the two-parameter model N(μ, σ²) the matrix bound Cov ≥ I⁻¹/N with I = diag(1/σ², 2/σ²).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engines.fisher import models
from engines.fisher.base import NumpyEngine, as_list
from engines.runtime import Snapshot
from engines.fisher.configs import CramerRaoConfig

#: Estimates kept per estimator (the oldest drop out; statistics use the running sums).
MAX_KEPT = 20000
HIST_BINS = 60
SWEEP_POINTS = 8


def ellipse(cov: np.ndarray, center, n: int = 100) -> np.ndarray:
    """The 1-σ ellipse {c + L u, |u| = 1} of a 2×2 covariance, shape (2, n)."""
    vals, vecs = np.linalg.eigh(cov)
    t = np.linspace(0, 2 * np.pi, n)
    circle = np.stack([np.cos(t), np.sin(t)])
    return np.asarray(center)[:, None] + vecs @ (np.sqrt(np.maximum(vals, 0))[:, None] * circle)


class CramerRaoEngine(NumpyEngine):
    Config = CramerRaoConfig

    def __init__(self, cfg: CramerRaoConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.two = cfg.model == "gaussian_mu_sigma"
        self.lam = cfg.bernoulli_p if cfg.model == "bernoulli" else cfg.true_lambda
        if self.two:
            s = cfg.sigma
            self.fisher_matrix = np.diag([1.0 / s**2, 2.0 / s**2])
            self.fisher_exact = self.fisher_matrix[0, 0]
        else:
            self.fisher_exact = float(models.fisher(cfg.model, self.lam, cfg.sigma))
        self.sd = 1.0 / math.sqrt(cfg.n_obs * self.fisher_exact)   # CR bound, one parameter
        self.sweep_n = np.unique(np.round(np.geomspace(3, cfg.sweep_max_n, SWEEP_POINTS))
                                 ).astype(int)
        # running sums: per estimator [count, Σ e, Σ e²]; sweep likewise per N
        self.sums = {"mle": np.zeros(3), "bayes": np.zeros(3)}
        self.sweep_sums = np.zeros((2, self.sweep_n.size, 3))
        self.score_sums = np.zeros(6)       # count, Σ s1², Σ s2², Σ s1 s2 (2-parameter), Σ s
        self.cov_sums = np.zeros(6)         # 2-parameter: count, Σμ, Σσ, Σμ², Σσ², Σμσ
        self.kept = {"mle": [], "bayes": [], "mu": [], "sigma": []}
        self.last_x = np.zeros(0)

    # ---- estimators ---------------------------------------------------------------------
    def grid(self, n: int) -> np.ndarray:
        """λ grid for the posterior: the bound's ±10 sd around λ, inside the domain."""
        lo, hi = models.DOMAIN[self.cfg.model]
        sd = 1.0 / math.sqrt(n * self.fisher_exact)
        a, b = self.lam - 10 * sd, self.lam + 10 * sd
        eps = 1e-4 * (b - a)
        a = max(a, lo + eps) if math.isfinite(lo) else a
        b = min(b, hi - eps) if math.isfinite(hi) else b
        return np.linspace(a, b, self.cfg.grid_points)

    def posterior_mean(self, stats: np.ndarray, n: int) -> np.ndarray:
        """∫ λ p(λ|x) dλ with a flat prior on the grid (the minimum-MSE Bayes estimator)."""
        lam = self.grid(n)
        logpost = n * models.mean_log_likelihood(self.cfg.model, stats, lam, self.cfg.sigma)
        logpost -= logpost.max(axis=1, keepdims=True)
        w = np.exp(logpost)
        return (w @ lam) / w.sum(axis=1)

    def experiments(self, n: int, m: int):
        x = models.sample(self.cfg.model, self.lam, (m, n), self.rng, self.cfg.sigma)
        stats = models.sufficient(self.cfg.model, x)
        return x, models.mle(self.cfg.model, stats), self.posterior_mean(stats, n)

    @staticmethod
    def add(sums: np.ndarray, values: np.ndarray) -> None:
        sums += (values.size, values.sum(), (values * values).sum())

    @staticmethod
    def variance(sums: np.ndarray, center: float | None = None) -> float:
        """Sample variance from (count, Σ, Σ²); about ``center`` (an MSE) when given."""
        n, s, s2 = sums
        if n < 2:
            return 0.0
        if center is not None:
            return float(s2 / n - 2 * center * s / n + center**2)
        return float(max(0.0, (s2 - s * s / n) / (n - 1)))

    def keep(self, key: str, values: np.ndarray) -> None:
        kept = self.kept[key]
        kept.extend(values.tolist())
        del kept[:max(0, len(kept) - MAX_KEPT)]

    # ---- one step ---------------------------------------------------------------------
    def train_step(self) -> None:
        cfg = self.cfg
        if self.two:
            x = self.rng.standard_normal((cfg.batch, cfg.n_obs)) * cfg.sigma + cfg.true_lambda
            mu_hat = x.mean(axis=1)
            sigma_hat = np.sqrt(((x - mu_hat[:, None]) ** 2).mean(axis=1))
            self.cov_sums += (x.shape[0], mu_hat.sum(), sigma_hat.sum(), (mu_hat**2).sum(),
                              (sigma_hat**2).sum(), (mu_hat * sigma_hat).sum())
            z = (x - cfg.true_lambda) / cfg.sigma
            s1, s2 = z / cfg.sigma, (z * z - 1) / cfg.sigma      # ∂/∂μ, ∂/∂σ of ln p
            self.score_sums += (x.size, (s1**2).sum(), (s2**2).sum(), (s1 * s2).sum(),
                                s1.sum(), 0.0)
            self.keep("mu", mu_hat)
            self.keep("sigma", sigma_hat)
            self.add(self.sums["mle"], mu_hat)
            self.last_x = x[-1].copy()
            return
        x, est, bayes = self.experiments(cfg.n_obs, cfg.batch)
        s = models.score(cfg.model, x, self.lam, cfg.sigma)
        self.score_sums += (s.size, (s * s).sum(), 0.0, 0.0, s.sum(), 0.0)
        self.add(self.sums["mle"], est)
        self.add(self.sums["bayes"], bayes)
        self.keep("mle", est)
        self.keep("bayes", bayes)
        self.last_x = x[-1].copy()
        # the sweep over N: a smaller batch per N each step
        m = max(1, cfg.batch // 4)
        for j, n in enumerate(self.sweep_n):
            _, e, b = self.experiments(int(n), m)
            self.add(self.sweep_sums[0, j], e)
            self.add(self.sweep_sums[1, j], b)

    # ---- readouts -----------------------------------------------------------------------
    def fisher_mc(self) -> float:
        n = self.score_sums[0]
        return float(self.score_sums[1] / n) if n else 0.0

    def var_n_fisher(self, key: str = "mle") -> float:
        return self.variance(self.sums[key]) * self.cfg.n_obs * self.fisher_exact

    def estimate_cov(self) -> np.ndarray:
        n, m, s, m2, s2, ms = self.cov_sums
        if n < 2:
            return np.zeros((2, 2))
        mm, ss = m / n, s / n
        c = np.array([[m2 / n - mm * mm, ms / n - mm * ss], [ms / n - mm * ss, s2 / n - ss * ss]])
        return c * n / (n - 1)

    def history_metrics(self) -> dict[str, float]:
        out = {"var_n_fisher": self.var_n_fisher(), "fisher_mc": self.fisher_mc(),
               "experiments": float(self.sums["mle"][0])}
        if not self.two:
            out["var_n_fisher_bayes"] = self.var_n_fisher("bayes")
        return out

    def one_experiment(self) -> dict[str, np.ndarray]:
        """Log-likelihood ℓ(λ) = Σ ln p(x_j|λ), score ℓ′ and curvature of the latest experiment."""
        cfg = self.cfg
        if self.two or self.last_x.size == 0:
            return {}
        lam = self.grid(cfg.n_obs)
        ell = np.sum(models.log_p(cfg.model, self.last_x[:, None], lam[None, :], cfg.sigma),
                     axis=0)
        d = lam[1] - lam[0]
        score = np.gradient(ell, d)
        curvature = -np.gradient(score, d)
        return {"one_grid": lam, "one_loglik": ell - ell.max(), "one_score": score,
                "one_curvature": curvature, "one_x": self.last_x.copy()}

    def snapshot(self, final: bool = False) -> Snapshot:
        cfg = self.cfg
        metrics: dict[str, float] = {**self.history_metrics(), "fisher_exact": self.fisher_exact,
                                     "true_lambda": self.lam, "n_obs": float(cfg.n_obs),
                                     "cr_bound_var": self.sd**2}
        arrays: dict[str, np.ndarray] = {}
        if cfg.model == "gaussian_scaled":
            metrics["fisher_lecture"] = 1.0 / self.lam**2   # what dropping −ln λ gives
        if self.two:
            n_i = cfg.n_obs * self.fisher_matrix
            bound = np.linalg.inv(n_i)
            cov = self.estimate_cov()
            ns = self.score_sums[0]
            mc = (np.array([[self.score_sums[1], self.score_sums[3]],
                            [self.score_sums[3], self.score_sums[2]]]) / ns
                  if ns else np.zeros((2, 2)))
            center = np.array([cfg.true_lambda, cfg.sigma])
            metrics.update(fisher_exact_sigma=self.fisher_matrix[1, 1],
                           fisher_mc_sigma=mc[1, 1], fisher_mc_offdiag=mc[0, 1],
                           var_n_fisher_sigma=cov[1, 1] * n_i[1, 1],
                           cov_minus_bound_min_eig=float(np.linalg.eigvalsh(cov - bound)[0]))
            arrays.update(est_mu=np.asarray(self.kept["mu"][-2000:]),
                          est_sigma=np.asarray(self.kept["sigma"][-2000:]),
                          ellipse_estimates=ellipse(cov, center),
                          ellipse_bound=ellipse(bound, center),
                          fisher_matrix_mc=mc, fisher_matrix_exact=self.fisher_matrix.copy(),
                          cov_estimates=cov)
        else:
            edges = np.linspace(self.lam - 5 * self.sd, self.lam + 5 * self.sd, HIST_BINS + 1)
            mids = 0.5 * (edges[1:] + edges[:-1])
            for key in ("mle", "bayes"):
                counts, _ = np.histogram(self.kept[key], bins=edges)
                total = max(1, len(self.kept[key]))
                arrays[f"hist_{key}"] = counts / (total * (edges[1] - edges[0]))
            arrays["hist_x"] = mids
            arrays["bound_pdf"] = np.exp(-0.5 * ((mids - self.lam) / self.sd) ** 2) / (
                math.sqrt(2 * math.pi) * self.sd)
            var_sweep = np.array([[self.variance(self.sweep_sums[k, j])
                                   for j in range(self.sweep_n.size)] for k in range(2)])
            ni = self.sweep_n * self.fisher_exact
            arrays.update(sweep_n=self.sweep_n.astype(float), sweep_mle=var_sweep[0] * ni,
                          sweep_bayes=var_sweep[1] * ni)
            metrics["mse_n_fisher_bayes"] = self.variance(self.sums["bayes"], self.lam) \
                * cfg.n_obs * self.fisher_exact
            metrics["mean_mle"] = self.sums["mle"][1] / max(1, self.sums["mle"][0])
            arrays.update(self.one_experiment())
            if "one_grid" in arrays:
                k = int(np.argmax(arrays["one_loglik"]))
                metrics["observed_information"] = float(arrays["one_curvature"][k])
                metrics["expected_information"] = cfg.n_obs * self.fisher_exact
        return self.make_snapshot(metrics, arrays, final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.common_state(),
                "sums": {k: as_list(v) for k, v in self.sums.items()},
                "sweep_sums": as_list(self.sweep_sums), "score_sums": as_list(self.score_sums),
                "cov_sums": as_list(self.cov_sums),
                "kept": {k: list(v) for k, v in self.kept.items()},
                "last_x": as_list(self.last_x)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        sweep = np.asarray(state["sweep_sums"], dtype=float)
        if sweep.shape != self.sweep_sums.shape:
            raise ValueError("the saved sweep does not fit this config's sweep of N")
        self.load_common_state(state)
        self.sums = {k: np.asarray(v, dtype=float) for k, v in state["sums"].items()}
        self.sweep_sums = sweep
        self.score_sums = np.asarray(state["score_sums"], dtype=float)
        self.cov_sums = np.asarray(state["cov_sums"], dtype=float)
        self.kept = {k: [float(x) for x in v] for k, v in state["kept"].items()}
        self.last_x = np.asarray(state["last_x"], dtype=float)
