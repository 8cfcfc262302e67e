"""Demo ``neyman-pearson``: hypothesis tests with the learned likelihood ratio.

The classifier of the ``ratio`` demo is trained the same way; every snapshot then uses its
ratio r̂ as a test statistic. Neyman-Pearson: for IID events the most powerful test of q
against p at size α cuts on Π_i r(x_i), i.e. on T_N = Σ_i log r(x_i). Shown: the ROC of r̂
against the optimal ROC of the true r, the distributions of T_N under both hypotheses, and
the power at size α as N grows, each Monte-Carlo number next to its exact integral.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engines.likelihood_ratio import stats
from engines.likelihood_ratio.configs import NeymanPearsonConfig
from engines.likelihood_ratio.ratio import RatioEngine, stream

#: Numbers of events of the power curve.
POWER_N = np.array([1, 2, 3, 5, 8, 13, 20, 32, 50, 80, 128, 200])
#: Experiments per point of the power curve (fewer than for the histograms: 12 points).
POWER_EXPERIMENTS = 1000


class NeymanPearsonEngine(RatioEngine):
    Config = NeymanPearsonConfig

    def _set_pair(self) -> None:
        super()._set_pair()
        cfg = self.cfg
        self.auc_optimal = stats.auc_exact(self.pair)
        self.roc_optimal = stats.roc_exact(self.pair)
        self.closed_form = (cfg.pair == "gaussians" and cfg.width_ratio == 1.0)
        self.throttle.period = 1.0   # ROC, 2 × 12 power points: ~0.1-0.3 s per picture

    def evaluate(self) -> dict[str, Any]:
        ev = super().evaluate()
        cfg = self.cfg
        lr_p, lr_q = ev["log_ratio_p"], ev["log_ratio_q"]
        # seeded per evaluation: the same network gives the same pseudo-experiments
        rng = np.random.default_rng(stream(cfg.seed, 7))
        t_p, t_q = stats.test_statistics(lr_p, lr_q, cfg.n_events, cfg.experiments, rng)
        rng = np.random.default_rng(stream(cfg.seed, 7))
        tt_p, tt_q = stats.test_statistics(self.logr_eval_p, self.logr_eval_q, cfg.n_events,
                                           cfg.experiments, rng)
        thr, power = stats.power_at_size(t_p, t_q, cfg.size)
        thr_true, power_true = stats.power_at_size(tt_p, tt_q, cfg.size)
        ev["tests"] = {"t_p_learned": t_p, "t_q_learned": t_q, "t_p_true": tt_p,
                       "t_q_true": tt_q}
        ev["metrics"].update({
            "auc": stats.auc_mc(lr_p, lr_q),
            "auc_optimal": self.auc_optimal,
            "auc_optimal_mc": stats.auc_mc(self.logr_eval_p, self.logr_eval_q),
            "threshold": thr, "power": power,
            "threshold_optimal": thr_true, "power_optimal": power_true,
            # ⟨r⟩_q = ∫ p = 1 exactly; its Monte-Carlo sum, and that of the learned ratio
            "norm_mc": float(np.mean(np.exp(np.minimum(self.logr_eval_q, 700.0)))),
            "norm_learned": float(np.mean(np.exp(np.minimum(lr_q, 700.0)))),
        })
        if self.closed_form:
            ev["metrics"]["power_optimal_exact"] = stats.gaussian_power_exact(
                cfg.separation, cfg.n_events, cfg.size)
        return ev

    def _pictures(self, ev: dict[str, Any]) -> dict[str, Any]:
        out = super()._pictures(ev)
        cfg = self.cfg
        arrays = out["arrays"]
        arrays.update({k: v.copy() for k, v in ev["tests"].items()})
        fpr, tpr = stats.roc_mc(ev["log_ratio_p"], ev["log_ratio_q"])
        fpr_t, tpr_t = stats.roc_mc(self.logr_eval_p, self.logr_eval_q)
        arrays.update({"roc_fpr": fpr, "roc_tpr": tpr, "roc_true_fpr": fpr_t,
                       "roc_true_tpr": tpr_t, "roc_optimal_fpr": self.roc_optimal[0].copy(),
                       "roc_optimal_tpr": self.roc_optimal[1].copy()})
        # power against N for the learned and the true ratio (same pseudo-experiments)
        learned, true, exact = [], [], []
        for n in POWER_N:
            rng = np.random.default_rng(stream(cfg.seed, 8))
            t_p, t_q = stats.test_statistics(ev["log_ratio_p"], ev["log_ratio_q"], int(n),
                                             POWER_EXPERIMENTS, rng)
            learned.append(stats.power_at_size(t_p, t_q, cfg.size)[1])
            rng = np.random.default_rng(stream(cfg.seed, 8))
            t_p, t_q = stats.test_statistics(self.logr_eval_p, self.logr_eval_q, int(n),
                                             POWER_EXPERIMENTS, rng)
            true.append(stats.power_at_size(t_p, t_q, cfg.size)[1])
            exact.append(stats.gaussian_power_exact(cfg.separation, int(n), cfg.size)
                         if self.closed_form else math.nan)
        arrays.update({"power_n": POWER_N.astype(float), "power_learned": np.array(learned),
                       "power_true": np.array(true), "power_exact": np.array(exact)})
        return out

    def history_metrics(self) -> dict[str, float]:
        out = {"loss": self.loss}
        if self.step % 32 == 0:
            m = self.evaluate()["metrics"]
            out.update({k: m[k] for k in ("eval_loss", "loss_gap", "ratio_log_rmse", "auc",
                                          "auc_optimal", "power", "power_optimal")})
        return out
