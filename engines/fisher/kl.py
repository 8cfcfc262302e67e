"""The "Kullback-Leibler divergence" demo (lecture 6.3).

    D_KL(P‖Q) = ∫ p(x) ln(p(x)/q(x)) dx ≥ 0,  = 0 only for P = Q,  not symmetric.

P and Q are mixtures of (up to) two Gaussians, editable mid-run. Both divergences and their
integrands are computed on a fine grid (and by Monte Carlo from samples of P; the closed
form when both are single Gaussians). Two Gaussians q = N(m, s²) are fitted to P live, by
gradient steps on (m, ln s):
    forward  min KL(P‖q): ∂/∂m = −⟨(x−m)/s²⟩_P, ∂/∂ln s = 1 − ⟨(x−m)²⟩_P/s²  → moment matching
    reverse  min KL(q‖P) = −H(q) − ⟨ln p⟩_q: mode seeking (one peak of a bimodal P).
Fisher: KL(p(x|λ₀+δλ) ‖ p(x|λ₀)) = ½ I(λ₀) δλ² + O(δλ³) in a one-parameter model.
Coding: with a code built for Q, symbols from P cost KL(P‖Q)/ln 2 extra bits on average
(cross-entropy minus entropy of the binned distributions).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import logsumexp

from engines.edits import Edit
from engines.fisher import models
from engines.fisher.base import NumpyEngine, as_list, number
from engines.fisher.configs import KLConfig, SetP, SetQ
from engines.runtime import Snapshot

KEYS = ("mu1", "sigma1", "mu2", "sigma2", "weight2")
BOUNDS = {"mu1": (-8.0, 8.0), "mu2": (-8.0, 8.0), "sigma1": (0.1, 5.0), "sigma2": (0.1, 5.0),
          "weight2": (0.0, 1.0)}
#: Code-length bins (width in x) of the coding readout.
CODE_BIN = 0.25


def mixture_log_pdf(x: np.ndarray, mix: dict) -> np.ndarray:
    """ln of (1−w) N(μ₁, σ₁²) + w N(μ₂, σ₂²), stable (logsumexp over the components)."""
    w = mix["weight2"]
    parts, logw = [], []
    for i, weight in ((1, 1.0 - w), (2, w)):
        if weight > 0.0:
            mu, s = mix[f"mu{i}"], mix[f"sigma{i}"]
            parts.append(-0.5 * ((x - mu) / s) ** 2 - math.log(math.sqrt(2 * math.pi) * s))
            logw.append(math.log(weight))
    return logsumexp(np.stack(parts) + np.asarray(logw)[:, None], axis=0)


def mixture_moments(mix: dict) -> tuple[float, float]:
    w = mix["weight2"]
    m = (1 - w) * mix["mu1"] + w * mix["mu2"]
    second = (1 - w) * (mix["sigma1"] ** 2 + mix["mu1"] ** 2) + w * (mix["sigma2"] ** 2
                                                                     + mix["mu2"] ** 2)
    return m, math.sqrt(max(second - m * m, 0.0))


def mixture_sample(mix: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    second = rng.random(n) < mix["weight2"]
    z = rng.standard_normal(n)
    return np.where(second, mix["mu2"] + mix["sigma2"] * z, mix["mu1"] + mix["sigma1"] * z)


def gaussian_kl(m1: float, s1: float, m2: float, s2: float) -> float:
    """KL(N(m1, s1²) ‖ N(m2, s2²)) in nats."""
    return math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


def single(mix: dict) -> tuple[float, float] | None:
    """(μ, σ) when the mixture is one Gaussian."""
    if mix["weight2"] == 0.0:
        return mix["mu1"], mix["sigma1"]
    if mix["weight2"] == 1.0:
        return mix["mu2"], mix["sigma2"]
    return None


class KLEngine(NumpyEngine):
    Config = KLConfig

    def __init__(self, cfg: KLConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.p = {k: float(getattr(cfg, f"p_{k}")) for k in KEYS}
        self.q = {k: float(getattr(cfg, f"q_{k}")) for k in KEYS}
        # fits: (m, ln s) of the forward and the reverse Gaussian
        start = [cfg.fit_mu0, math.log(cfg.fit_sigma0)]
        self.fits = {"forward": np.array(start), "reverse": np.array(start)}
        self.mc = np.zeros(2)               # Monte Carlo: count, Σ (ln p − ln q) over x ~ P
        self.build_grid()

    # ---- grid ---------------------------------------------------------------------------
    def build_grid(self) -> None:
        """A grid covering every component of P and Q (±10 widths) and the fits' start."""
        lo, hi = -9.0, 9.0
        for mix in (self.p, self.q):
            for i in (1, 2):
                lo = min(lo, mix[f"mu{i}"] - 10 * mix[f"sigma{i}"])
                hi = max(hi, mix[f"mu{i}"] + 10 * mix[f"sigma{i}"])
        self.x = np.linspace(lo, hi, self.cfg.grid_points)
        self.dx = float(self.x[1] - self.x[0])
        self.refresh()

    def refresh(self) -> None:
        self.log_p = mixture_log_pdf(self.x, self.p)
        self.log_q = mixture_log_pdf(self.x, self.q)
        self.pdf_p, self.pdf_q = np.exp(self.log_p), np.exp(self.log_q)

    def integral(self, f: np.ndarray) -> float:
        return float(np.sum(f) * self.dx)

    def kl_pq(self) -> float:
        return self.integral(self.pdf_p * (self.log_p - self.log_q))

    def kl_qp(self) -> float:
        return self.integral(self.pdf_q * (self.log_q - self.log_p))

    # ---- fits ---------------------------------------------------------------------------
    def fit_log_pdf(self, which: str) -> np.ndarray:
        m, log_s = self.fits[which]
        s = math.exp(log_s)
        return -0.5 * ((self.x - m) / s) ** 2 - log_s - 0.5 * math.log(2 * math.pi)

    def fit_gradients(self) -> dict[str, np.ndarray]:
        """Exact (grid) gradients of KL(P‖q) and KL(q‖P) with respect to (m, ln s)."""
        out = {}
        m, log_s = self.fits["forward"]
        s = math.exp(log_s)
        u = (self.x - m) / s
        out["forward"] = np.array([-self.integral(self.pdf_p * u) / s,
                                   1.0 - self.integral(self.pdf_p * u * u)])
        m, log_s = self.fits["reverse"]
        s = math.exp(log_s)
        u = (self.x - m) / s
        q = np.exp(-0.5 * u * u) / (math.sqrt(2 * math.pi) * s)
        # KL(q‖P) = −ln s − const − ⟨ln p⟩_q;  ∂⟨ln p⟩_q/∂m = ⟨(u/s) ln p⟩_q,
        # ∂⟨ln p⟩_q/∂ln s = ⟨(u² − 1) ln p⟩_q
        out["reverse"] = np.array([-self.integral(q * u / s * self.log_p),
                                   -1.0 - self.integral(q * (u * u - 1.0) * self.log_p)])
        return out

    def fit_kl(self, which: str) -> float:
        log_f = self.fit_log_pdf(which)
        if which == "forward":
            return self.integral(self.pdf_p * (self.log_p - log_f))
        return self.integral(np.exp(log_f) * (log_f - self.log_p))

    def train_step(self) -> None:
        for which, g in self.fit_gradients().items():
            step = self.cfg.fit_lr * g
            norm = float(np.linalg.norm(step))
            if norm > 1.0:         # a narrow P far from the fit gives huge gradients: cap
                step = step / norm
            fit = self.fits[which] - step
            fit[0] = float(np.clip(fit[0], self.x[0], self.x[-1]))     # stay on the grid
            fit[1] = float(np.clip(fit[1], math.log(0.02), math.log(50.0)))
            self.fits[which] = fit
        x = mixture_sample(self.p, self.cfg.mc_batch, self.rng)
        self.mc += (x.size, float(np.sum(mixture_log_pdf(x, self.p) - mixture_log_pdf(x, self.q))))

    # ---- edits ----------------------------------------------------------------------------
    def apply_edit(self, change: Edit) -> None:
        """SetP(...) or SetQ(...) with any of mu1, sigma1, mu2, sigma2, weight2 (None:
        unchanged); the fits go on from where they are."""
        if not isinstance(change, SetP):     # SetQ is a SetP for Q
            raise ValueError(f"unknown edit {type(change).__name__}: this demo takes SetP "
                             "and SetQ")
        values = {k: number(getattr(change, k), k, *BOUNDS[k]) for k in KEYS
                  if getattr(change, k) is not None}
        target = self.q if isinstance(change, SetQ) else self.p
        target.update(values)
        self.mc[:] = 0.0               # the Monte-Carlo average restarts for the new P, Q
        self.build_grid()

    # ---- readouts ---------------------------------------------------------------------------
    def fisher_check(self) -> dict[str, np.ndarray]:
        model = self.cfg.fisher_model
        lam0 = models.default_lambda(model)
        span = 0.25 * lam0
        d = np.linspace(-span, span, 101)
        d = d[np.abs(d) > 1e-12]
        return {"fisher_dlambda": d, "fisher_kl": models.kl(model, lam0 + d, lam0),
                "fisher_quadratic": 0.5 * float(models.fisher(model, lam0)) * d * d}

    def code_lengths(self) -> tuple[float, float]:
        """(entropy of binned P, cross-entropy with binned Q) in bits per symbol."""
        edges = np.arange(self.x[0], self.x[-1] + CODE_BIN, CODE_BIN)
        idx = np.minimum(np.searchsorted(edges, self.x, side="right") - 1, edges.size - 2)
        pb = np.bincount(idx, weights=self.pdf_p, minlength=edges.size - 1) * self.dx
        qb = np.bincount(idx, weights=self.pdf_q, minlength=edges.size - 1) * self.dx
        pb, qb = pb / pb.sum(), np.maximum(qb / qb.sum(), 1e-300)
        keep = pb > 0
        h = -float(np.sum(pb[keep] * np.log2(pb[keep])))
        cross = -float(np.sum(pb[keep] * np.log2(qb[keep])))
        return h, cross

    def history_metrics(self) -> dict[str, float]:
        return {"kl_pq": self.kl_pq(), "kl_qp": self.kl_qp(),
                "kl_forward_fit": self.fit_kl("forward"),
                "kl_reverse_fit": self.fit_kl("reverse")}

    def snapshot(self, final: bool = False) -> Snapshot:
        p_mean, p_std = mixture_moments(self.p)
        h, cross = self.code_lengths()
        metrics = {**self.history_metrics(), "p_mean": p_mean, "p_std": p_std,
                   "kl_pq_mc": self.mc[1] / self.mc[0] if self.mc[0] else 0.0,
                   "mc_samples": self.mc[0], "code_entropy_bits": h,
                   "code_cross_entropy_bits": cross, "code_extra_bits": cross - h,
                   "kl_pq_bits": self.kl_pq() / math.log(2)}
        for which in ("forward", "reverse"):
            metrics[f"{which}_fit_mu"] = float(self.fits[which][0])
            metrics[f"{which}_fit_sigma"] = math.exp(self.fits[which][1])
        sp, sq = single(self.p), single(self.q)
        if sp and sq:
            metrics["kl_pq_closed"] = gaussian_kl(*sp, *sq)
            metrics["kl_qp_closed"] = gaussian_kl(*sq, *sp)
        arrays = {"x": self.x.copy(), "p": self.pdf_p.copy(), "q": self.pdf_q.copy(),
                  "integrand_pq": self.pdf_p * (self.log_p - self.log_q),
                  "integrand_qp": self.pdf_q * (self.log_q - self.log_p),
                  "fit_forward": np.exp(self.fit_log_pdf("forward")),
                  "fit_reverse": np.exp(self.fit_log_pdf("reverse")), **self.fisher_check()}
        snap = self.make_snapshot(metrics, arrays, final)
        snap.arrays = {k: v[::max(1, v.size // 1000)] if k in ("x", "p", "q", "integrand_pq",
                       "integrand_qp", "fit_forward", "fit_reverse") else v
                       for k, v in snap.arrays.items()}
        return snap

    def state_dict(self) -> dict[str, Any]:
        return {**self.common_state(), "p": dict(self.p), "q": dict(self.q),
                "fits": {k: as_list(v) for k, v in self.fits.items()}, "mc": as_list(self.mc)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_common_state(state)
        self.p = {k: float(state["p"][k]) for k in KEYS}
        self.q = {k: float(state["q"][k]) for k in KEYS}
        self.fits = {k: np.asarray(v, dtype=float) for k, v in state["fits"].items()}
        self.mc = np.asarray(state["mc"], dtype=float)
        self.build_grid()
