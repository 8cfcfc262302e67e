"""Hypothesis-test statistics (numpy / scipy): ROC curves and their area, the
Neyman-Pearson statistic T = Σ_i log r(x_i) of N IID events, and the power at a size α.

Every quantity exists twice: as a Monte-Carlo sum over samples and as the exact integral
over the densities (a midpoint sum on the pair's fine grid, or a closed form), which is the
seminar's "sums over samples = integrals over densities".
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr, ndtri
from scipy.stats import rankdata


def auc_mc(score_p: np.ndarray, score_q: np.ndarray) -> float:
    """P(score(X) > score(Y)) + ½ P(=) for X ~ p, Y ~ q (Mann-Whitney U / (N_p N_q))."""
    ranks = rankdata(np.concatenate([score_p, score_q]))
    n_p, n_q = len(score_p), len(score_q)
    return float((ranks[:n_p].sum() - n_p * (n_p + 1) / 2) / (n_p * n_q))


def roc_mc(score_p: np.ndarray, score_q: np.ndarray, points: int = 201
           ) -> tuple[np.ndarray, np.ndarray]:
    """(false-positive rate, true-positive rate) of the cut score > t, on ``points`` cuts
    chosen as quantiles of q's scores (so the low-FPR end is resolved)."""
    q_sorted = np.sort(score_q)
    p_sorted = np.sort(score_p)
    fpr = np.concatenate([[1.0], np.geomspace(1.0, 1.0 / len(score_q), points - 2), [0.0]])
    cuts = np.quantile(q_sorted, 1.0 - fpr)
    cuts[-1] = np.inf
    cuts[0] = -np.inf
    fpr_real = 1.0 - np.searchsorted(q_sorted, cuts, side="right") / len(q_sorted)
    tpr = 1.0 - np.searchsorted(p_sorted, cuts, side="right") / len(p_sorted)
    return fpr_real, tpr


def auc_exact(pair) -> float:
    """∫∫ dx dy p(x) q(y) [1(r(x) > r(y)) + ½ 1(r(x) = r(y))] on the fine grid: cells sorted
    by r, each cell's p mass times the q mass of the cells below (ties share half)."""
    g = pair.fine()
    with np.errstate(invalid="ignore"):
        logr = g["logp"] - g["logq"]
    p = np.exp(g["logp"]) * g["vol"]
    q = np.exp(g["logq"]) * g["vol"]
    ok = (p > 0) | (q > 0)
    logr, p, q = logr[ok], p[ok], q[ok]
    order = np.argsort(logr, kind="stable")
    logr, p, q = logr[order], p[order], q[order]
    # group equal ratios (e.g. identical densities) so ties count one half
    _, start, counts = np.unique(logr, return_index=True, return_counts=True)
    p_g = np.add.reduceat(p, start)
    q_g = np.add.reduceat(q, start)
    below = np.cumsum(q_g) - q_g
    return float(np.sum(p_g * (below + 0.5 * q_g)) / (p.sum() * q.sum()))


def roc_exact(pair, points: int = 201) -> tuple[np.ndarray, np.ndarray]:
    """The optimal ROC: cut on the true ratio, masses integrated on the fine grid."""
    g = pair.fine()
    with np.errstate(invalid="ignore"):
        logr = g["logp"] - g["logq"]
    p = np.exp(g["logp"])
    q = np.exp(g["logq"])
    order = np.argsort(-logr, kind="stable")          # largest ratio first
    tpr = np.concatenate([[0.0], np.cumsum(p[order])]) / p.sum()
    fpr = np.concatenate([[0.0], np.cumsum(q[order])]) / q.sum()
    grid = np.concatenate([[0.0], np.geomspace(1e-4, 1.0, points - 1)])
    return grid, np.interp(grid, fpr, tpr)


def test_statistics(logr_p: np.ndarray, logr_q: np.ndarray, n_events: int, experiments: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """T = Σ_{i≤N} log r(x_i) for ``experiments`` experiments of N events drawn (with
    replacement) from the pools of per-event log r under p and under q."""
    ip = rng.integers(0, len(logr_p), size=(experiments, n_events))
    iq = rng.integers(0, len(logr_q), size=(experiments, n_events))
    return logr_p[ip].sum(axis=1), logr_q[iq].sum(axis=1)


def power_at_size(t_p: np.ndarray, t_q: np.ndarray, size: float) -> tuple[float, float]:
    """(threshold, power): reject q when T > t with t the (1 − α) quantile of T under q;
    power = P_p(T > t)."""
    threshold = float(np.quantile(t_q, 1.0 - size))
    return threshold, float(np.mean(t_p > threshold))


def gaussian_power_exact(separation: float, n_events: int, size: float) -> float:
    """Power of Σ log r for p = N(Δ/2, 1), q = N(−Δ/2, 1) (unit widths, any dimension with
    the shift along one axis): log r = Δ x is Gaussian with variance Δ², means ±Δ²/2, so
    power = Φ(√N Δ − z_{1−α})."""
    return float(ndtr(math.sqrt(n_events) * separation - ndtri(1.0 - size)))


def gaussian_auc_exact(separation: float) -> float:
    """AUC of the optimal test for two unit Gaussians at distance Δ: Φ(Δ/√2)."""
    return float(ndtr(separation / math.sqrt(2.0)))
