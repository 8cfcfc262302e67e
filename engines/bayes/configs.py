"""Configs of the Bayes demos (lecture chapter 5), in one torch-free module.

The registry (and so the GUI process) imports configs only. Every width, noise level and
rate must be strictly positive: a Gaussian of width 0 is no distribution and its
posterior can never move, so zero or negative values raise a ConfigError naming the key
(before the generic range check, so the message says why).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from engines.config import ConfigBase, ConfigError, param

LIKELIHOODS = ("gaussian", "lorentzian")
TRUE_STATES = ("1", "0")
PHOTON_PRIORS = ("poisson", "thermal", "bimodal")
GP_PRIORS = ("random_walk", "smoothness", "squared_exponential")
GP_TRUTHS = ("smooth", "kinked", "prior_sample")
FEATURES = ("polynomial", "fourier")
REGRESSION_TRUTHS = ("sine", "step", "cubic")

#: The GP lattice covers t in [0, GP_LENGTH].
GP_LENGTH = 10.0
#: The regression inputs x lie in [-1, 1].
X_RANGE = (-1.0, 1.0)
#: Prior mass the photon-number cut-off n_max may drop before a config is refused.
PHOTON_TAIL_TOLERANCE = 1e-3


def check_positive(cfg: ConfigBase, *keys: str) -> None:
    """Raise ConfigError for the first of ``keys`` that is a number <= 0."""
    for key in keys:
        value = getattr(cfg, key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(value) and value <= 0:
            raise ConfigError(key, f"{value:g} is not allowed: a width or rate must be "
                                   f"larger than 0")


def photon_prior_tail(cfg: "CavityConfig") -> float:
    """Prior probability of more than n_max photons (what the cut-off drops)."""
    def poisson_tail(mean: float) -> float:
        # 1 - sum_{n <= n_max} e^{-m} m^n / n!, summed in log space (no scipy needed)
        total, log_term = 0.0, -mean
        for n in range(cfg.n_max + 1):
            if n > 0:
                log_term += math.log(mean) - math.log(n)
            total += math.exp(log_term)
        return max(0.0, 1.0 - total)

    if cfg.prior == "poisson":
        return poisson_tail(cfg.mean_photons)
    if cfg.prior == "thermal":
        ratio = cfg.mean_photons / (1.0 + cfg.mean_photons)
        return ratio ** (cfg.n_max + 1)
    w = cfg.bimodal_weight
    return (1 - w) * poisson_tail(cfg.bimodal_low) + w * poisson_tail(cfg.bimodal_high)


@dataclass(frozen=True)
class SequentialConfig(ConfigBase):
    """Sequential updating of one parameter λ: Gaussian prior, N observations."""

    prior_width: float = param(1.0, label="Prior width W", min=1e-2, max=20.0,
                               group="Prior and likelihood",
                               help="p(λ) ∝ exp(−λ²/2W²): the prior is centred on 0.")
    true_lambda: float = param(2.0, label="True λ*", min=-30.0, max=30.0,
                               group="Prior and likelihood",
                               help="The observations are drawn from p(y|λ*); put it far "
                                    "out in the prior's tail (e.g. 8 W) to see the prior "
                                    "being overruled.")
    noise: float = param(1.0, label="Noise σ", min=1e-2, max=20.0, group="Prior and likelihood",
                         help="Width of the likelihood p(y|λ).")
    likelihood: str = param("gaussian", label="Likelihood", choices=LIKELIHOODS,
                            group="Prior and likelihood",
                            help="gaussian: p(y|λ) ∝ exp(−(y−λ)²/2σ²); lorentzian (fat "
                                 "tails): p(y|λ) ∝ 1/((y−λ)² + σ²). The data are drawn "
                                 "from the same law.")
    grid_points: int = param(4001, label="Grid points", min=201, max=20001,
                             group="Prior and likelihood", advanced=True,
                             help="The posterior is computed on a uniform grid of λ.")
    steps: int = param(100, label="Observations", min=1, max=5000, group="Run",
                       help="One observation y ~ p(y|λ*) per step.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")

    def __post_init__(self) -> None:
        check_positive(self, "prior_width", "noise")
        super().__post_init__()


@dataclass(frozen=True)
class QubitConfig(ConfigBase):
    """Qubit readout: two outcome distributions, the posterior P(λ=1 | y)."""

    separation: float = param(1.0, label="Separation Δ", min=0.0, max=20.0, group="Readout",
                              help="p(y|λ=0) and p(y|λ=1) are Gaussians centred at −Δ/2 "
                                   "and +Δ/2 (Δ = 0: the readout tells nothing).")
    readout_noise: float = param(1.0, label="Readout noise σ", min=1e-2, max=20.0,
                                 group="Readout", help="Width of each outcome distribution.")
    prior_p1: float = param(0.5, label="Prior P(λ=1)", min=0.0, max=1.0, group="Readout",
                            help="Must lie strictly between 0 and 1: a certain prior is "
                                 "never changed by any observation.")
    true_state: str = param("1", label="True state λ*", choices=TRUE_STATES, group="Readout",
                            help="The qubit being read out repeatedly (quantum "
                                 "non-demolition readout: the state stays).")
    steps: int = param(30, label="Readouts", min=1, max=5000, group="Run",
                       help="One readout y ~ p(y|λ*) per step.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")

    def __post_init__(self) -> None:
        check_positive(self, "readout_noise")
        super().__post_init__()
        if not 0.0 < self.prior_p1 < 1.0:
            raise ConfigError("prior_p1", f"{self.prior_p1:g}: a prior of exactly 0 or 1 "
                                          "can never be updated; use a value between 0 and 1")


@dataclass(frozen=True)
class CavityConfig(ConfigBase):
    """Photons leaking out of a cavity: P(click | n) = κτ n per short interval τ."""

    prior: str = param("bimodal", label="Prior P(n)", choices=PHOTON_PRIORS,
                       group="Photon-number prior",
                       help="poisson: coherent state; thermal: P(n) = ⟨n⟩ⁿ/(1+⟨n⟩)ⁿ⁺¹; "
                            "bimodal: a mixture of two Poisson peaks.")
    mean_photons: float = param(4.0, label="Mean photons ⟨n⟩ (poisson, thermal)", min=0.0, max=50.0,
                                group="Photon-number prior")
    bimodal_low: float = param(1.0, label="Bimodal: low peak", min=0.0, max=50.0,
                               group="Photon-number prior",
                               help="Mean photon number of the likely, nearly empty peak.")
    bimodal_high: float = param(15.0, label="Bimodal: high peak", min=0.0, max=50.0,
                                group="Photon-number prior",
                                help="Mean photon number of the rare, bright peak.")
    bimodal_weight: float = param(0.2, label="Bimodal: weight of high peak", min=0.0,
                                  max=1.0, group="Photon-number prior")
    n_max: int = param(40, label="Cut-off n_max", min=1, max=200, group="Photon-number prior",
                       advanced=True, help="Largest photon number kept.")
    kappa_tau: float = param(0.02, label="κτ (click prob. per photon)", min=0.0, max=1.0,
                             group="Detection",
                             help="P(click | n) = κτ·n in one short interval τ; κτ·n_max "
                                  "must stay ≤ 1.")
    steps: int = param(200, label="Intervals τ", min=1, max=100_000, group="Run",
                       help="One detection interval per step (click or no click).")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run",
                      help="Draws the hidden true photon number from the prior, and the "
                           "clicks.")

    def __post_init__(self) -> None:
        check_positive(self, "mean_photons", "bimodal_low", "bimodal_high", "kappa_tau")
        super().__post_init__()
        if self.prior == "bimodal" and not 0.0 < self.bimodal_weight < 1.0:
            raise ConfigError("bimodal_weight", f"{self.bimodal_weight:g}: both peaks need "
                                                "weight, use a value between 0 and 1")
        if self.kappa_tau * self.n_max > 1.0:
            raise ConfigError("kappa_tau", f"κτ·n_max = {self.kappa_tau * self.n_max:.3g} > 1: "
                                           "P(click | n) = κτ·n is a probability only for "
                                           "short intervals; lower κτ or n_max")
        tail = photon_prior_tail(self)
        if tail > PHOTON_TAIL_TOLERANCE:
            raise ConfigError("n_max", f"{self.n_max} cuts off {100 * tail:.2g} % of the "
                                       "prior; raise n_max or lower the mean photon number")


@dataclass(frozen=True)
class GPConfig(ConfigBase):
    """A Gaussian random process φ(t) on a lattice; measurements update it."""

    prior: str = param("random_walk", label="Prior", choices=GP_PRIORS, group="Prior",
                       help="random_walk: exp[−K/2 ∫(∂φ/∂t)² dt] (straight lines with kinks); "
                            "smoothness: exp[−K/2 ∫(∂²φ/∂t²)² dt] (splines); "
                            "squared_exponential: C(t,t′) = A² exp(−(t−t′)²/2ℓ²).")
    n_points: int = param(200, label="Lattice points N", min=3, max=2000, group="Prior",
                          help="Sites t_j on [0, 10].")
    stiffness: float = param(1.0, label="Stiffness K", min=1e-3, max=1000.0, group="Prior",
                             help="Weight K of the derivative penalty (random walk, "
                                  "smoothness).")
    length_scale: float = param(1.0, label="Length scale ℓ", min=1e-2, max=100.0,
                                group="Prior", help="Correlation length of the squared "
                                                    "exponential kernel.")
    amplitude: float = param(1.0, label="Amplitude A", min=1e-3, max=100.0, group="Prior",
                             help="Squared exponential: the prior std A. Random walk and "
                                  "smoothness: a weak term ∫φ² dt/(2A²·10) that makes the "
                                  "prior normalisable (prior std of the overall level).")
    noise: float = param(0.2, label="Measurement noise Z", min=1e-3, max=10.0,
                         group="Measurements",
                         help="p(y_γ | φ) ∝ exp(−(y_γ − φ_γ)²/2Z²).")
    truth: str = param("smooth", label="True function", choices=GP_TRUTHS,
                       group="Measurements",
                       help="What the automatic measurements measure (a click sets y "
                            "itself).")
    auto_measure: bool = param(True, label="Automatic measurements", group="Measurements",
                               help="Each step measures the true function at a random site; "
                                    "off: only your clicks measure.")
    n_samples: int = param(3, label="Posterior samples", min=0, max=10, group="Measurements",
                           help="Random functions drawn from the posterior.")
    steps: int = param(25, label="Steps", min=1, max=100_000, group="Run",
                       help="Steps of the run (one automatic measurement each, if on).")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")

    def __post_init__(self) -> None:
        check_positive(self, "stiffness", "length_scale", "amplitude", "noise")
        super().__post_init__()

    @property
    def dt(self) -> float:
        return GP_LENGTH / (self.n_points - 1)


@dataclass(frozen=True)
class LossConfig(ConfigBase):
    """Bayesian linear regression: −ln posterior = MSE term + weight penalty."""

    features: str = param("polynomial", label="Features", choices=FEATURES, group="Model",
                          help="polynomial: Legendre polynomials P₀ … P_(D−1); fourier: 1, "
                               "cos πx, sin πx, cos 2πx, …")
    n_features: int = param(8, label="Features D", min=1, max=40, group="Model")
    prior_width: float = param(1.0, label="Prior width α", min=1e-3, max=1000.0, group="Model",
                               help="p(θ) ∝ exp(−‖θ‖²/2α²): an L2 penalty λ‖θ‖² with "
                                    "λ = σ²/α² relative to the squared error.")
    noise: float = param(0.3, label="Noise σ", min=1e-3, max=10.0, group="Data",
                         help="y = F(x) + δy with δy ~ N(0, σ²).")
    truth: str = param("sine", label="True function F", choices=REGRESSION_TRUTHS,
                       group="Data")
    steps: int = param(30, label="Data points", min=1, max=2000, group="Run",
                       help="One new sample (x, y) per step, x uniform in [−1, 1].")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")

    def __post_init__(self) -> None:
        check_positive(self, "prior_width", "noise")
        super().__post_init__()
