"""One-parameter families p(x|λ) of chapter 6: sampling, log-density, score, MLE, Fisher
information and the KL divergence between two members, all in numpy.

Fisher information  I(λ) = ⟨(∂ ln p(x|λ)/∂λ)²⟩ = −⟨∂² ln p/∂λ²⟩, closed forms:
    gaussian_mean    N(λ, σ²), σ known        I = 1/σ²
    gaussian_scaled  N(λ, λ²)                 I = 3/λ²   (the lecture drops the λ of the
                     normalisation −ln λ and gets 1/λ²; with it the score is
                     (z² + z − 1)/λ, z = (x−λ)/λ, and ⟨(z²+z−1)²⟩ = 2 + 1 = 3)
    bernoulli        P(x=1) = λ               I = 1/(λ(1−λ))
    poisson          mean λ                   I = 1/λ
    exponential      rate λ, p = λ e^{−λx}    I = 1/λ²
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln

DOMAIN = {"gaussian_mean": (-math.inf, math.inf), "gaussian_scaled": (0.0, math.inf),
          "bernoulli": (0.0, 1.0), "poisson": (0.0, math.inf), "exponential": (0.0, math.inf)}


def fisher(model: str, lam, sigma: float = 1.0):
    """The closed-form Fisher information I(λ) of one observation."""
    lam = np.asarray(lam, dtype=float)
    if model == "gaussian_mean":
        return np.full_like(lam, 1.0 / sigma**2)
    if model == "gaussian_scaled":
        return 3.0 / lam**2
    if model == "bernoulli":
        return 1.0 / (lam * (1.0 - lam))
    if model == "poisson":
        return 1.0 / lam
    if model == "exponential":
        return 1.0 / lam**2
    raise ValueError(f"unknown model {model!r}")


def sample(model: str, lam: float, shape, rng: np.random.Generator, sigma: float = 1.0):
    if model == "gaussian_mean":
        return lam + sigma * rng.standard_normal(shape)
    if model == "gaussian_scaled":
        return lam + lam * rng.standard_normal(shape)
    if model == "bernoulli":
        return (rng.random(shape) < lam).astype(float)
    if model == "poisson":
        return rng.poisson(lam, shape).astype(float)
    if model == "exponential":
        return rng.exponential(1.0 / lam, shape)
    raise ValueError(f"unknown model {model!r}")


def log_p(model: str, x, lam, sigma: float = 1.0):
    """ln p(x|λ) with every normalisation kept (broadcasts x against λ)."""
    x, lam = np.asarray(x, dtype=float), np.asarray(lam, dtype=float)
    if model == "gaussian_mean":
        return -0.5 * ((x - lam) / sigma) ** 2 - math.log(math.sqrt(2 * math.pi) * sigma)
    if model == "gaussian_scaled":
        return -0.5 * ((x - lam) / lam) ** 2 - np.log(lam) - 0.5 * math.log(2 * math.pi)
    if model == "bernoulli":
        return x * np.log(lam) + (1.0 - x) * np.log1p(-lam)
    if model == "poisson":
        return x * np.log(lam) - lam - gammaln(x + 1.0)
    if model == "exponential":
        return np.log(lam) - lam * x
    raise ValueError(f"unknown model {model!r}")


def score(model: str, x, lam: float, sigma: float = 1.0):
    """∂ ln p(x|λ)/∂λ."""
    x = np.asarray(x, dtype=float)
    if model == "gaussian_mean":
        return (x - lam) / sigma**2
    if model == "gaussian_scaled":
        z = (x - lam) / lam
        return (z * z + z - 1.0) / lam
    if model == "bernoulli":
        return x / lam - (1.0 - x) / (1.0 - lam)
    if model == "poisson":
        return x / lam - 1.0
    if model == "exponential":
        return 1.0 / lam - x
    raise ValueError(f"unknown model {model!r}")


def sufficient(model: str, x: np.ndarray) -> np.ndarray:
    """Per experiment (rows of x): the statistics the log-likelihood needs, shape (M, 2)."""
    return np.stack([x.mean(axis=1), (x * x).mean(axis=1)], axis=1)


def mle(model: str, stats: np.ndarray) -> np.ndarray:
    """Maximum-likelihood estimate from the sufficient statistics (mean of x, of x²)."""
    s1, s2 = stats[:, 0], stats[:, 1]
    if model in ("gaussian_mean", "bernoulli", "poisson"):
        return s1.copy()
    if model == "gaussian_scaled":
        # ∂/∂λ [−ln λ − ⟨(x−λ)²⟩/(2λ²)] = 0  ⇔  λ² + s1 λ − s2 = 0, positive root
        return 0.5 * (-s1 + np.sqrt(s1 * s1 + 4.0 * s2))
    if model == "exponential":
        return 1.0 / s1
    raise ValueError(f"unknown model {model!r}")


def mean_log_likelihood(model: str, stats: np.ndarray, lam: np.ndarray,
                        sigma: float = 1.0) -> np.ndarray:
    """(1/N) Σ_j ln p(x_j|λ) up to λ-independent terms, shape (M, len(lam))."""
    s1, s2 = stats[:, :1], stats[:, 1:]
    lam = lam[None, :]
    if model == "gaussian_mean":
        return (s1 * lam - 0.5 * lam * lam) / sigma**2
    if model == "gaussian_scaled":
        return -(s2 - 2 * s1 * lam + lam * lam) / (2 * lam * lam) - np.log(lam)
    if model == "bernoulli":
        return s1 * np.log(lam) + (1 - s1) * np.log1p(-lam)
    if model == "poisson":
        return s1 * np.log(lam) - lam
    if model == "exponential":
        return np.log(lam) - lam * s1
    raise ValueError(f"unknown model {model!r}")


def kl(model: str, a, b, sigma: float = 1.0):
    """KL(p(x|a) ‖ p(x|b)) in nats, closed form."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if model == "gaussian_mean":
        return (a - b) ** 2 / (2 * sigma**2)
    if model == "gaussian_scaled":
        return np.log(b / a) + (a * a + (a - b) ** 2) / (2 * b * b) - 0.5
    if model == "bernoulli":
        return a * np.log(a / b) + (1 - a) * np.log((1 - a) / (1 - b))
    if model == "poisson":
        return a * np.log(a / b) - a + b
    if model == "exponential":
        return np.log(a / b) + b / a - 1.0
    raise ValueError(f"unknown model {model!r}")


def default_lambda(model: str) -> float:
    return 0.3 if model == "bernoulli" else 1.0
