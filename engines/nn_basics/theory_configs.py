"""Configs of the chapter-2 theory demos (2.5, 2.6, exercises A1.2, A1.3). No torch here.

Bounds are chosen so that every value inside them runs: e.g. η ≤ 1 and λ ≤ 1.9 keep
ηλ < 2, the stability limit of the discrete SGD recursion.
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, param

SEED = param(0, label="Seed", min=0, max=2**31 - 1, group="Run",
             help="Same seed and same settings give the same numbers.")

SGD_LANDSCAPES = ("quadratic", "lorentzian")
BACKPROP_ACTIVATIONS = ("tanh", "sigmoid", "relu")


@dataclass(frozen=True)
class SGDNoiseConfig(ConfigBase):
    """θ⁽ᵗ⁺¹⁾ = (1−ηλ)θ⁽ᵗ⁾ − ηξ⁽ᵗ⁾ for many walkers, plus a sweep over η and N."""

    landscape: str = param("quadratic", label="Loss", choices=SGD_LANDSCAPES, group="Loss",
                           help="quadratic: L = λθ²/2 with additive gradient noise of "
                                "variance Var per sample. lorentzian: the height θ0 of the "
                                "lecture's Lorentzian fitted to noisy samples.")
    lam: float = param(1.0, label="Curvature λ", min=0.05, max=1.9, group="Loss",
                       help="Quadratic loss only: its second derivative at the minimum.")
    var_grad: float = param(1.0, label="Gradient variance Var", min=0.01, max=100.0, log=True,
                            group="Loss",
                            help="Quadratic loss only: variance over samples of the "
                                 "per-sample gradient.")
    label_noise: float = param(0.3, label="Label noise σ", min=0.01, max=2.0, group="Loss",
                               help="Lorentzian loss only: y = F*(x) + σε, the source of "
                                    "the gradient noise.")
    eta: float = param(0.1, label="Learning rate η", min=1e-3, max=1.0, log=True,
                       group="SGD")
    batch: int = param(8, label="Batch size N", min=1, max=256, group="SGD",
                       help="Samples per gradient step: the noise variance is Var/N.")
    walkers: int = param(2000, label="Walkers", min=10, max=20000, group="SGD",
                         help="Independent SGD runs advanced in parallel.")
    start: float = param(1.0, label="Start θ⁽⁰⁾ − θ*", min=-3.0, max=3.0, group="SGD",
                         help="Where the main walkers start (the relaxation).")
    sweep: bool = param(True, label="Sweep η and N", group="Sweep",
                        help="Also run walkers at η/8, η/4, η/2 and at 2N, 4N, 8N.")
    steps: int = param(3000, label="Steps", min=1, max=1_000_000, group="Run")
    seed: int = SEED


@dataclass(frozen=True)
class LandscapeStatsConfig(ConfigBase):
    """Critical points of periodic Gaussian random fields, and in d dimensions."""

    grid: int = param(64, label="Grid (pixels)", min=16, max=256, group="Field",
                      help="The field lives on a grid×grid torus.")
    corr_length: float = param(4.0, label="Correlation length ℓ", min=1.5, max=16.0,
                               unit="px", group="Field",
                               help="C(r) = exp(−r²/2ℓ²); smaller ℓ: more critical points. "
                                    "Below ~2 px the grid resolves the field poorly.")
    gd_walkers: int = param(24, label="Gradient-descent starts", min=0, max=200, group="Descent")
    gd_steps: int = param(300, label="Descent iterations", min=10, max=2000, group="Descent")
    gd_rate: float = param(0.2, label="Descent step η", min=0.01, max=2.0, log=True,
                           group="Descent", help="In units of ℓ² (the field has unit variance).")
    max_dim: int = param(8, label="Largest dimension d", min=2, max=8, group="Dimensions")
    hessians: int = param(1000, label="Hessians per step and d", min=100, max=100_000,
                          log=True, group="Dimensions",
                          help="Random Hessians at critical points (Kac-Rice weights |det H|).")
    steps: int = param(300, label="Fields", min=1, max=1_000_000, group="Run",
                       help="One new random field per step.")
    seed: int = SEED


@dataclass(frozen=True)
class BackpropConfig(ConfigBase):
    """A small MLP; one step = one layer of the forward or of the backward pass."""

    n_in: int = param(2, label="Inputs", min=1, max=4, group="Network")
    depth: int = param(2, label="Hidden layers", min=1, max=4, group="Network")
    width: int = param(3, label="Neurons per hidden layer", min=1, max=6, group="Network")
    n_out: int = param(1, label="Outputs", min=1, max=3, group="Network")
    activation: str = param("tanh", label="Activation", choices=BACKPROP_ACTIVATIONS,
                            group="Network")
    lr: float = param(0.1, label="Learning rate η", min=0.0, max=2.0, group="Training",
                      help="After each backward pass θ ← θ − η ∂L/∂θ (0: gradients only).")
    n_samples: int = param(8, label="Training samples", min=1, max=64, group="Training",
                           help="One sample per forward/backward cycle, in turn.")
    fd_eps: float = param(1e-6, label="Finite-difference h", min=1e-9, max=1e-2, log=True,
                          group="Check", advanced=True)
    steps: int = param(120, label="Steps (layers)", min=1, max=1_000_000, group="Run")
    seed: int = SEED


@dataclass(frozen=True)
class OnlineConfig(ConfigBase):
    """Exercise A1.2: f_t = f_{t−1} + α(y_t − f_{t−1}), y_t ~ N(μ, σ²), many runs."""

    mu: float = param(1.0, label="Mean μ", min=-10.0, max=10.0, group="Data")
    sigma: float = param(1.0, label="Spread σ", min=0.01, max=10.0, group="Data")
    alpha: float = param(0.05, label="Rate α", min=1e-3, max=0.999, log=True, group="Estimate")
    f0: float = param(0.0, label="Start f₀", min=-10.0, max=10.0, group="Estimate")
    runs: int = param(2000, label="Runs", min=10, max=100_000, log=True, group="Estimate")
    steps: int = param(600, label="Steps t", min=1, max=1_000_000, group="Run")
    seed: int = SEED


@dataclass(frozen=True)
class LinearNoiseConfig(ConfigBase):
    """Exercise A1.3: least squares with label noise, and SGD with input noise = ridge."""

    degree: int = param(3, label="Polynomial degree", min=1, max=7, group="Model",
                        help="Features x = (1, u, u², …): m = degree + 1 parameters.")
    n_points: int = param(12, label="Samples n", min=2, max=200, group="Data",
                          help="Fewer samples than parameters make XᵀX singular: then "
                               "only the input-noise (ridge) solution exists.")
    label_sigma: float = param(0.3, label="Label noise σ", min=0.0, max=3.0, group="Data")
    refits_per_step: int = param(20, label="Noisy refits per step", min=1, max=1000,
                                 group="Label noise")
    input_lambda: float = param(0.05, label="Input noise λ (Σ = λI)", min=1e-4, max=1.0,
                                log=True, group="Input noise")
    sgd_lr: float = param(0.05, label="SGD step η", min=1e-4, max=0.5, log=True,
                          group="Input noise",
                          help="Scaled down by the largest curvature, so SGD stays stable.")
    steps: int = param(6000, label="Steps", min=1, max=1_000_000, group="Run")
    seed: int = SEED
