"""Toy quark and gluon jets: variable-length sets of particles (relative p_T, η, φ) (numpy).

Gluons carry the larger colour charge (C_A = 3 against C_F = 4/3), so they radiate more:
more particles, a more even sharing of the jet momentum and a wider spray. The generator:
    n     = 1 + Poisson(n̄ − 1)                      (multiplicity)
    z_i   ~ Dirichlet(α, …, α)                        (momentum fractions p_T,i / p_T,jet)
    η_i, φ_i ~ N(0, σ_i²),  σ_i = σ_class (n z_i)^(−1/4)   (softer particles lie wider)
with σ_quark = 0.08, σ_gluon = 0.12 (angles relative to the jet axis, in radians).
Networks see (z, η/R, φ/R) with R = 0.4; the padded form holds the particles ordered by p_T,
zeros behind them, and a mask.
"""
from __future__ import annotations

import numpy as np

#: At most this many particles per jet (Poisson(29) exceeds it with probability ~1e-8).
MAX_PARTICLES = 64
ANGULAR_WIDTH = {"quark": 0.08, "gluon": 0.12}
RADIUS = 0.4


def generate(n_jets: int, mean_mult: float, sharing: float, width: float,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(particles (n_jets, MAX, 3) ordered by p_T, zero-padded; mask (n_jets, MAX))."""
    mult = np.minimum(1 + rng.poisson(mean_mult - 1.0, size=n_jets), MAX_PARTICLES)
    out = np.zeros((n_jets, MAX_PARTICLES, 3))
    mask = np.arange(MAX_PARTICLES)[None, :] < mult[:, None]
    # Dirichlet via normalised Gamma(α) draws, only the real particles count
    g = rng.gamma(sharing, size=(n_jets, MAX_PARTICLES)) * mask
    g = np.maximum(g, 1e-300 * mask)
    z = g / g.sum(axis=1, keepdims=True)
    z = -np.sort(-z, axis=1)                      # hardest first, padding (0) last
    sigma = width * np.power(np.maximum(mult[:, None] * z, 1e-6), -0.25)
    sigma = np.clip(sigma, 0.01, RADIUS)
    angles = rng.standard_normal((n_jets, MAX_PARTICLES, 2)) * sigma[..., None]
    out[..., 0] = z
    out[..., 1:] = angles / RADIUS
    out *= mask[..., None]
    return out, mask


def sample_jets(n_quark: int, n_gluon: int, cfg, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(particles, mask, label) with label 1 = quark, 0 = gluon, classes interleaved by a
    seeded shuffle."""
    xq, mq = generate(n_quark, cfg.quark_multiplicity, cfg.quark_sharing,
                      ANGULAR_WIDTH["quark"], rng)
    xg, mg = generate(n_gluon, cfg.gluon_multiplicity, cfg.gluon_sharing,
                      ANGULAR_WIDTH["gluon"], rng)
    x = np.concatenate([xq, xg])
    mask = np.concatenate([mq, mg])
    label = np.concatenate([np.ones(n_quark), np.zeros(n_gluon)])
    order = rng.permutation(len(x))
    return x[order], mask[order], label[order]


def shuffle_particles(x: np.ndarray, mask: np.ndarray, rng: np.random.Generator
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Each jet's real particles in a random order (padding stays behind them): the same
    set, a different list."""
    keys = np.where(mask, rng.random(mask.shape), np.inf)
    perm = np.argsort(keys, axis=1)
    return np.take_along_axis(x, perm[..., None], axis=1), np.take_along_axis(mask, perm, axis=1)
