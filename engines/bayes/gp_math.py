"""Gaussian random processes on a lattice (lecture 5.7): priors and the measurement update.

A function φ(t) on lattice sites t_j = jΔt, j = 0 … N−1, with a Gaussian prior
    p(φ) = exp[−½ (φ − φ̄)ᵀ C⁻¹ (φ − φ̄)] / √((2π)ᴺ det C).
Priors (all with φ̄ = 0):
  random walk   ln p(φ) = −K/2 ∫(∂φ/∂t)² dt  →  C⁻¹ = (K/Δt) DᵀD       (D: first differences,
                the lecture's tridiagonal [−1 2 −1] matrix) : straight lines with kinks;
  smoothness    ln p(φ) = −K/2 ∫(∂²φ/∂t²)² dt →  C⁻¹ = (K/Δt³) D₂ᵀD₂   (D₂: second
                differences) : spline-like interpolation;
  both plus a weak term ∫φ² dt/(2A²T) (T = 10, the lattice length), i.e. C⁻¹ += Δt/(A²T)·1,
  without which the constant (and linear) functions would cost nothing and the prior
  could not be normalised;
  squared exponential  C(t, t′) = A² exp(−(t−t′)²/2ℓ²) + 10⁻⁶A² δ_tt′ (a tiny nugget keeps
                the lattice density, and so its entropy, well defined).
A measurement at site γ with outcome y, p(y_γ|φ) ∝ exp(−(y_γ − φ_γ)²/2Z²), gives a new
Gaussian with (lecture)
    C′⁻¹ = C⁻¹ + (1/Z²) |γ⟩⟨γ|                         (rank-one update of the inverse)
    φ̄′  = φ̄ + C′|γ⟩ (y − φ̄_γ)/Z²,
repeatable for every new measurement. Numerically the inverse is never formed: by
Sherman–Morrison the rank-one update of C⁻¹ is the rank-one downdate
    C′ = C − c cᵀ/(Z² + C_γγ),   c = C|γ⟩,   and   C′|γ⟩/Z² = c/(Z² + C_γγ),
which costs O(N²) per measurement (no O(N³) refactorisation). Posterior samples: prior
draws f ~ N(φ̄, C) receive the same update with a perturbed outcome,
    f′ = f + c (y + Zε − f_γ)/(Z² + C_γγ),   ε ~ N(0, 1),
which maps a draw from the old Gaussian to an exact draw from the new one (mean φ̄′,
covariance C − c cᵀ/(Z² + C_γγ)): O(N) per sample and measurement, and the samples move
smoothly as measurements arrive. The entropy drop of one measurement is
    h_before − h_after = ½ log₂(1 + C_γγ/Z²)      (det C′ = det C /(1 + C_γγ/Z²)).
"""
from __future__ import annotations

import math

import numpy as np

from engines.bayes.configs import GP_LENGTH, GPConfig

#: Nugget of the squared-exponential prior, relative to A².
SE_NUGGET = 1e-6


def lattice(cfg: GPConfig) -> np.ndarray:
    return np.linspace(0.0, GP_LENGTH, cfg.n_points)


def difference_matrix(n: int, order: int) -> np.ndarray:
    """(n − order) x n matrix of first (order 1) or second (order 2) differences."""
    return np.diff(np.eye(n), n=order, axis=0)


def prior_precision(cfg: GPConfig) -> np.ndarray | None:
    """C⁻¹ of the lattice priors (random walk, smoothness); None for the kernel prior."""
    n, dt = cfg.n_points, cfg.dt
    mass = dt / (cfg.amplitude**2 * GP_LENGTH) * np.eye(n)
    if cfg.prior == "random_walk":
        d = difference_matrix(n, 1)
        return cfg.stiffness / dt * d.T @ d + mass
    if cfg.prior == "smoothness":
        d = difference_matrix(n, 2)
        return cfg.stiffness / dt**3 * d.T @ d + mass
    return None


def se_kernel(t: np.ndarray, amplitude: float, length: float) -> np.ndarray:
    diff = t[:, None] - t[None, :]
    return amplitude**2 * np.exp(-0.5 * (diff / length) ** 2)


def prior_covariance(cfg: GPConfig) -> tuple[np.ndarray, float]:
    """(C, ln det C) of the prior. O(N³), once per run."""
    from scipy.linalg import cho_factor, cho_solve

    precision = prior_precision(cfg)
    if precision is None:
        cov = se_kernel(lattice(cfg), cfg.amplitude, cfg.length_scale)
        cov[np.diag_indices_from(cov)] += SE_NUGGET * cfg.amplitude**2
        factor = cho_factor(cov, lower=True)
        logdet = 2.0 * float(np.log(np.diag(factor[0])).sum())
        return cov, logdet
    factor = cho_factor(precision, lower=True)
    cov = cho_solve(factor, np.eye(cfg.n_points))
    cov = 0.5 * (cov + cov.T)
    logdet = -2.0 * float(np.log(np.diag(factor[0])).sum())
    return cov, logdet


def sqrt_covariance(cov: np.ndarray) -> np.ndarray:
    """A matrix L with L Lᵀ = C (Cholesky; eigenvalues clipped at 0 if that fails)."""
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(cov)
        return vectors * np.sqrt(np.clip(values, 0.0, None))


def rank_one_update(mean: np.ndarray, cov: np.ndarray, site: int, y: float, noise: float,
                    samples: np.ndarray | None = None, eps: np.ndarray | None = None
                    ) -> float:
    """Condition on y_γ = φ_γ + noise·ξ in place; returns the prior variance C_γγ used.

    mean (N,), cov (N, N), samples (S, N) and their outcome perturbations eps (S,) are
    all updated in place: O(N²) for the covariance, O(N) per sample.
    """
    c = cov[:, site].copy()
    var = float(c[site])
    denom = noise**2 + var
    mean += c * ((y - mean[site]) / denom)
    if samples is not None and samples.size:
        shift = (y + noise * eps - samples[:, site]) / denom
        samples += shift[:, None] * c[None, :]
    cov -= np.multiply.outer(c, c / denom)
    return var


def batch_posterior(prior_mean: np.ndarray, prior_cov: np.ndarray, sites, ys, noise: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The direct formula (all measurements at once, in covariance form):
        S = H C Hᵀ + Z² 1,   φ̄′ = φ̄ + C Hᵀ S⁻¹ (y − Hφ̄),   C′ = C − C Hᵀ S⁻¹ H C."""
    sites = np.asarray(sites, dtype=int)
    ys = np.asarray(ys, dtype=float)
    if sites.size == 0:
        return prior_mean.copy(), prior_cov.copy()
    ch = prior_cov[:, sites]                       # C Hᵀ
    s = prior_cov[np.ix_(sites, sites)] + noise**2 * np.eye(sites.size)
    gain = np.linalg.solve(s, ch.T).T              # C Hᵀ S⁻¹
    mean = prior_mean + gain @ (ys - prior_mean[sites])
    cov = prior_cov - gain @ ch.T
    return mean, cov


def precision_posterior(precision: np.ndarray, sites, ys, noise: float
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's form for a zero-mean lattice prior: C′⁻¹ = C⁻¹ + Σ_k |γ_k⟩⟨γ_k|/Z²,
    φ̄′ = C′ Σ_k |γ_k⟩ y_k/Z² (dense inverse; for checking)."""
    post = precision.copy()
    b = np.zeros(precision.shape[0])
    for site, y in zip(sites, ys):
        post[site, site] += 1.0 / noise**2
        b[site] += y / noise**2
    cov = np.linalg.inv(post)
    return cov @ b, cov


def truth_function(cfg: GPConfig, t: np.ndarray, prior_sqrt: np.ndarray) -> np.ndarray:
    """The function the automatic measurements measure."""
    if cfg.truth == "smooth":
        return 1.2 * np.sin(0.7 * t) + 0.5 * np.cos(2.1 * t + 1.0)
    if cfg.truth == "kinked":
        knots = np.array([0.0, 1.5, 3.0, 4.5, 6.5, 8.0, 10.0])
        values = np.array([-0.5, 1.2, 0.2, 1.5, -1.2, -0.3, 0.8])
        return np.interp(t, knots, values)
    rng = np.random.default_rng([cfg.seed, 7])      # its own stream: the run's draws stay
    return prior_sqrt @ rng.standard_normal(t.size)


def entropy_bits(logdet: float, n: int) -> float:
    """h = ½ log₂ det(2πe C) from ln det C."""
    return 0.5 * (n * math.log(2 * math.pi * math.e) + logdet) / math.log(2.0)
