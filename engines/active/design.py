"""Bayesian optimal experimental design on the damped oscillator (lecture 10.2).

The system q̈ = −ω²q − γq̇ with unknown λ = (ω, γ); a design x = (q(0), q̇(0)) (and, as an
option, the measurement time t); the observation y = q(t) + σξ. Because the equation is
linear, q(t) = a_λ(t) q(0) + b_λ(t) q̇(0) with the first row of the matrix exponential
e^{At}, A = [[0, 1], [−ω², −γ]]:
    e^{At} = e^{−γt/2} [cosh(st) 1 + sinh(st)/s (A + γ/2 1)],   s² = γ²/4 − ω²
(s imaginary when underdamped: cosh → cos, sinh(st)/s → sin(kt)/k).

λ lives on a grid with prior P₀(λ). Bayes on the grid: P(λ|y) ∝ P(y|λ) P₀(λ), and the
posterior is the prior of the next measurement. The expected information gain of a
design is the mutual information between λ and Y(x),
    EIG(x) = H(λ) − ⟨H(λ|Y(x) = y)⟩_y = H(Y(x)) − H(Y(x)|λ),
computed here in the second form: p(y) = Σ_λ P(λ) N(y; q_λ(x), σ²) on a y grid (the
entropy of this Gaussian mixture by quadrature) minus the noise entropy ½ log₂(2πeσ²).
The tests check it against the first form, summed by brute force. The design chosen is
argmax EIG over the design grid (the lecture's "grid: OK"); its measurement is simulated
from the hidden true λ*, which need not lie on the grid. Ghost runs measure the same truth
at random designs.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import logsumexp

from engines.active.configs import DesignConfig
from engines.runtime import Engine, Snapshot

#: Finest y step of the quadrature, relative to σ, and the most y points per design.
Y_STEP = 0.8
Y_MAX = 1200
#: Designs evaluated at once (bounds the memory of the (designs, y, λ) block).
CHUNK_ELEMENTS = 4_000_000


def response(omega, gamma, t):
    """(a, b) with q(t) = a q(0) + b q̇(0) for q̈ = −ω²q − γq̇ (broadcasting)."""
    omega, gamma, t = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                            for v in (omega, gamma, t)))
    s = np.sqrt((gamma**2 / 4 - omega**2).astype(complex))
    st = s * t
    small = np.abs(s) < 1e-9
    sinhc = np.where(small, t, np.sinh(st) / np.where(small, 1.0, s))   # sinh(st)/s
    decay = np.exp(-gamma * t / 2)
    a = decay * (np.cosh(st) + sinhc * gamma / 2)
    b = decay * sinhc
    return a.real, b.real


def entropy_bits(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def information_gain_bits(log_before: np.ndarray, log_after: np.ndarray) -> float:
    """KL(P_after ‖ P_before) in bits, from the unnormalised log posteriors.

    In log space: where P_before underflows to 0 but P_after does not (a sharp posterior
    whose peak moved), after·log(after/before) on the probabilities was inf."""
    la, lb = log_after - logsumexp(log_after), log_before - logsumexp(log_before)
    after = np.exp(la)
    return float((after * (la - lb)).sum() / math.log(2))


def expected_information_gain(weights: np.ndarray, means: np.ndarray, sigma: float,
                              y_points: int) -> np.ndarray:
    """EIG (bits) of every design: weights (Λ,) the current P(λ); means (D, Λ) q_λ(x_d).

    MI = H(Y) − H(Y|λ): the mixture p(y) = Σ_λ P(λ) N(y; m_dλ, σ²) on a y grid spanning
    every mean ± 7σ with steps ≤ 0.8σ (at least y_points, at most Y_MAX points)."""
    keep = weights > 1e-14 * weights.max()
    w, m = weights[keep] / weights[keep].sum(), means[:, keep]
    lo, hi = m.min(axis=1) - 7 * sigma, m.max(axis=1) + 7 * sigma
    n_y = int(np.clip(np.ceil((hi - lo).max() / (Y_STEP * sigma)), y_points, Y_MAX))
    out = np.empty(len(m))
    chunk = max(1, CHUNK_ELEMENTS // (n_y * w.size))
    h_noise = 0.5 * math.log2(2 * math.pi * math.e * sigma**2)
    for start in range(0, len(m), chunk):
        sl = slice(start, start + chunk)
        ys = np.linspace(lo[sl], hi[sl], n_y, axis=1)                     # (d, Y)
        dy = (hi[sl] - lo[sl]) / (n_y - 1)
        z = (ys[:, :, None] - m[sl, None, :]) / sigma
        py = np.exp(-0.5 * z * z) @ w / (math.sqrt(2 * math.pi) * sigma)  # (d, Y)
        mass = py.sum(axis=1) * dy
        py = py / mass[:, None]                                           # quadrature norm
        with np.errstate(divide="ignore", invalid="ignore"):
            h_y = -(np.where(py > 0, py * np.log2(py), 0.0)).sum(axis=1) * dy
        out[sl] = h_y - h_noise
    return np.maximum(out, 0.0)


class DesignEngine(Engine):
    Config = DesignConfig
    divergence_advice = "A probability became NaN: widen the noise or the grid."

    def __init__(self, cfg: DesignConfig, device: str | None = None):
        super().__init__(cfg, device)
        g = cfg.grid_points
        self.omega = np.linspace(cfg.omega_min, cfg.omega_max, g)
        self.gamma = np.linspace(0.0, cfg.gamma_max, g)
        om, ga = np.meshgrid(self.omega, self.gamma, indexing="ij")       # [i_ω, j_γ]
        if cfg.prior == "uniform":
            log_prior = np.zeros(om.shape)
        else:
            cw, cg = self.omega.mean(), self.gamma.mean()
            log_prior = -0.5 * (((om - cw) / (0.25 * np.ptp(self.omega))) ** 2
                                + ((ga - cg) / (0.25 * np.ptp(self.gamma))) ** 2)
        self.log_prior = (log_prior - log_prior.max()).ravel()
        self.axis = np.linspace(-cfg.amplitude, cfg.amplitude, cfg.design_points)
        self.times = (2 * cfg.t_final * np.arange(1, cfg.n_times + 1) / cfg.n_times
                      if cfg.optimise_time else np.array([cfg.t_final]))
        tt, q0, v0 = np.meshgrid(self.times, self.axis, self.axis, indexing="ij")
        self.designs = np.stack([q0.ravel(), v0.ravel(), tt.ravel()], axis=1)   # (D, 3)
        a, b = response(om.ravel()[None, :], ga.ravel()[None, :], self.designs[:, 2:3])
        self.means = a * self.designs[:, 0:1] + b * self.designs[:, 1:2]      # (D, Λ)
        self.rng = np.random.default_rng([cfg.seed, 1])
        self.random_rng = np.random.default_rng([cfg.seed, 2])
        self.log_post = self.log_prior.copy()
        self.random_log_post = np.tile(self.log_prior, (cfg.n_random, 1))
        self.done: list[list[float]] = []       # chosen designs: q0, v0, t, y, EIG, IG
        self.random_done: list[list[float]] = []
        self.entropy_adaptive = [entropy_bits(self.posterior())]
        self.entropy_random = [[self.entropy_adaptive[0]] * cfg.n_random]
        self.eig = self.compute_eig()

    # ---- Bayes on the grid --------------------------------------------------------------
    @staticmethod
    def normalise(log_p: np.ndarray) -> np.ndarray:
        p = np.exp(log_p - log_p.max(axis=-1, keepdims=True))
        return p / p.sum(axis=-1, keepdims=True)

    def posterior(self) -> np.ndarray:
        return self.normalise(self.log_post)

    def compute_eig(self) -> np.ndarray:
        return expected_information_gain(self.posterior(), self.means, self.cfg.noise,
                                         self.cfg.y_points)

    def measure(self, design: int, rng: np.random.Generator) -> float:
        """y = q_λ*(t) + σξ from the hidden truth (off the grid in general)."""
        q0, v0, t = self.designs[design]
        a, b = response(self.cfg.true_omega, self.cfg.true_gamma, t)
        return float(a * q0 + b * v0 + self.cfg.noise * rng.standard_normal())

    def log_likelihood(self, design: int, y: float) -> np.ndarray:
        return -0.5 * ((y - self.means[design]) / self.cfg.noise) ** 2

    def train_step(self) -> None:
        cfg = self.cfg
        best = int(np.argmax(self.eig))
        y = self.measure(best, self.rng)
        log_before = self.log_post
        self.log_post = self.log_post + self.log_likelihood(best, y)
        after = self.posterior()
        ig = information_gain_bits(log_before, self.log_post)
        self.done.append([*self.designs[best], y, float(self.eig[best]), ig])
        self.entropy_adaptive.append(entropy_bits(after))
        row = []
        for r in range(cfg.n_random):
            d = int(self.random_rng.integers(len(self.designs)))
            yr = self.measure(d, self.random_rng)
            self.random_log_post[r] += self.log_likelihood(d, yr)
            row.append(entropy_bits(self.normalise(self.random_log_post[r])))
        self.entropy_random.append(row)
        self.eig = self.compute_eig()

    # ---- contract ---------------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        return {"posterior_entropy": self.entropy_adaptive[-1],
                "random_entropy": float(np.mean(self.entropy_random[-1])),
                "eig_next": float(self.eig.max())}

    def posterior_mean(self) -> tuple[float, float]:
        p = self.posterior().reshape(len(self.omega), len(self.gamma))
        return float(p.sum(axis=1) @ self.omega), float(p.sum(axis=0) @ self.gamma)

    def snapshot(self, final: bool = False) -> Snapshot:
        cfg = self.cfg
        n_d = cfg.design_points
        eig_all = self.eig.reshape(len(self.times), n_d, n_d)
        best = int(np.argmax(self.eig))
        done = np.asarray(self.done, dtype=float).reshape(-1, 6)
        w_mean, g_mean = self.posterior_mean()
        metrics = {**self.history_metrics(), "measurements": float(len(self.done)),
                   "eig_chosen": float(done[-1, 4]) if len(done) else 0.0,
                   "info_gain_last": float(done[-1, 5]) if len(done) else 0.0,
                   "omega_mean": w_mean, "gamma_mean": g_mean,
                   "prior_entropy": self.entropy_adaptive[0]}
        q0, v0, t = self.designs[best]
        traj_t = np.linspace(0.0, max(self.times.max(), 1e-6), 200)
        a, b = response(cfg.true_omega, cfg.true_gamma, traj_t)
        arrays = {"omega": self.omega.copy(), "gamma": self.gamma.copy(),
                  "posterior": self.posterior().reshape(len(self.omega), len(self.gamma)),
                  "design_axis": self.axis.copy(), "times": self.times.copy(),
                  "eig_all": eig_all.copy(), "eig_map": eig_all.max(axis=0),
                  "next_design": np.array([q0, v0, t]),
                  "true_lambda": np.array([cfg.true_omega, cfg.true_gamma]),
                  "designs_done": done[:, :3].copy(), "ys": done[:, 3].copy(),
                  "eig_done": done[:, 4].copy(), "ig_done": done[:, 5].copy(),
                  "entropy_adaptive": np.asarray(self.entropy_adaptive),
                  "entropy_random": np.asarray(self.entropy_random).T.copy(),
                  "traj_t": traj_t, "traj_next": a * q0 + b * v0}
        return Snapshot(step=self.step, epoch=len(self.done), metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "rng": self.rng.bit_generator.state,
                "random_rng": self.random_rng.bit_generator.state,
                "log_post": self.log_post.tolist(),
                "random_log_post": self.random_log_post.tolist(),
                "done": [list(map(float, r)) for r in self.done],
                "entropy_adaptive": list(self.entropy_adaptive),
                "entropy_random": [list(r) for r in self.entropy_random]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        log_post = np.asarray(state["log_post"], dtype=float)
        if log_post.shape != self.log_post.shape:
            raise ValueError("the saved posterior has a different grid")
        self.load_base_state(state)
        self.rng.bit_generator.state = state["rng"]
        self.random_rng.bit_generator.state = state["random_rng"]
        self.log_post = log_post
        self.random_log_post = np.asarray(state["random_log_post"], dtype=float)
        self.done = [list(map(float, r)) for r in state["done"]]
        self.entropy_adaptive = [float(v) for v in state["entropy_adaptive"]]
        self.entropy_random = [[float(v) for v in r] for r in state["entropy_random"]]
        self.eig = self.compute_eig()
