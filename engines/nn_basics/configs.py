"""Configs of the chapter-2 demos (no torch here: the GUI builds forms from these at start-up)."""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, param

ACTIVATIONS = ("sigmoid", "relu", "tanh", "sin")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adagrad", "adam")
TARGETS = ("lorentzian", "sin", "step", "abs", "sawtooth")
IMAGES = ("smiley", "checkerboard", "rings")

# The x interval every 1D target lives on.
X_RANGE = (-3.0, 3.0)
# The window of the (theta0, theta1) landscape.
THETA0_RANGE = (-0.5, 3.0)
THETA1_RANGE = (-3.0, 3.0)

SEED = param(0, label="Seed", min=0, max=2**31 - 1, group="Run",
             help="Same seed and same settings give the same numbers (on CPU).")


@dataclass(frozen=True)
class FunctionFitConfig(ConfigBase):
    """Fit a 1D target y = F(x) with a multilayer perceptron F_theta(x)."""

    target: str = param("lorentzian", label="Target", choices=TARGETS, group="Data",
                        help="The function F(x) the network should learn on x in [-3, 3].")
    n_train: int = param(64, label="Training points", min=2, max=2000, group="Data",
                         help="Number of noisy samples the network trains on.")
    noise: float = param(0.05, label="Noise σ", min=0.0, max=1.0, group="Data",
                         help="Standard deviation of the Gaussian label noise.")
    n_test: int = param(400, label="Test points", min=10, max=5000, group="Data",
                        help="Held-out noisy samples, never trained on.")
    depth: int = param(2, label="Hidden layers", min=1, max=6, group="Network")
    width: int = param(32, label="Neurons per layer", min=1, max=256, group="Network")
    activation: str = param("tanh", label="Activation", choices=ACTIVATIONS, group="Network",
                            help="Nonlinearity f(z) applied after each linear step.")
    optimizer: str = param("adam", label="Optimizer", choices=OPTIMIZERS, group="Training")
    lr: float = param(3e-3, label="Learning rate η", min=1e-5, max=10.0, log=True,
                      group="Training")
    batch_size: int = param(32, label="Batch size", min=1, max=2000, group="Training",
                            help="Samples per gradient step (capped at the training set).")
    l1: float = param(0.0, label="L1 penalty λ₁", min=0.0, max=1.0, group="Regularisation",
                      help="Adds λ₁ Σ|w| to the loss: drives weights to zero (sparsity).")
    l2: float = param(0.0, label="L2 penalty λ₂", min=0.0, max=1.0, group="Regularisation",
                      help="Adds λ₂ Σw² to the loss: keeps weights small.")
    dropout: float = param(0.0, label="Dropout p", min=0.0, max=0.9, group="Regularisation",
                           help="Probability of dropping each hidden neuron during training.")
    steps: int = param(4000, label="Steps", min=1, max=1_000_000, group="Run",
                       help="Gradient steps in one run.")
    seed: int = SEED


@dataclass(frozen=True)
class ImageFitConfig(ConfigBase):
    """Fit a grey-scale picture f(x, y) with a deep MLP from pixel coordinates."""

    image: str = param("smiley", label="Image", choices=IMAGES, group="Data")
    resolution: int = param(48, label="Resolution (pixels)", min=16, max=128, group="Data")
    depth: int = param(4, label="Hidden layers", min=1, max=8, group="Network")
    width: int = param(64, label="Neurons per layer", min=1, max=256, group="Network")
    activation: str = param("relu", label="Activation", choices=ACTIVATIONS, group="Network")
    optimizer: str = param("adam", label="Optimizer", choices=OPTIMIZERS, group="Training")
    lr: float = param(2e-3, label="Learning rate η", min=1e-5, max=10.0, log=True,
                      group="Training")
    batch_size: int = param(512, label="Batch size (pixels)", min=1, max=16384,
                            group="Training")
    steps: int = param(3000, label="Steps", min=1, max=1_000_000, group="Run")
    seed: int = SEED


@dataclass(frozen=True)
class LandscapeConfig(ConfigBase):
    """Fit the Lorentzian ansatz F(x) = θ0 / (1 + ((x-θ1)/θ2)²) in (θ0, θ1), θ2 fixed."""

    theta0_true: float = param(1.0, label="True height θ0*", min=0.1, max=2.5, group="Target")
    theta1_true: float = param(0.5, label="True position θ1*", min=-2.0, max=2.0,
                               group="Target")
    width: float = param(0.5, label="Width θ2 (fixed)", min=0.1, max=2.0, group="Target")
    noise: float = param(0.1, label="Label noise σ", min=0.0, max=2.0, group="Target")
    batch_size: int = param(8, label="Batch size", min=1, max=1024, group="Training",
                            help="Samples per step: small batches make SGD noisy.")
    start_theta0: float = param(0.2, label="Start θ0", min=THETA0_RANGE[0],
                                max=THETA0_RANGE[1], group="Training")
    start_theta1: float = param(-1.2, label="Start θ1", min=THETA1_RANGE[0],
                                max=THETA1_RANGE[1], group="Training")
    sgd: bool = param(True, label="SGD", group="Optimizers")
    momentum: bool = param(True, label="SGD + momentum", group="Optimizers")
    rmsprop: bool = param(True, label="RMSProp", group="Optimizers")
    adam: bool = param(True, label="Adam", group="Optimizers")
    lr: float = param(0.5, label="Learning rate η (SGD, momentum)", min=1e-4, max=20.0,
                      log=True, group="Optimizers")
    adaptive_lr: float = param(0.02, label="Learning rate η (RMSProp, Adam)", min=1e-4,
                               max=2.0, log=True, group="Optimizers",
                               help="Adaptive methods step about η per parameter, "
                                    "so they need their own scale.")
    beta: float = param(0.9, label="Momentum β", min=0.0, max=0.999, group="Optimizers")
    steps: int = param(1500, label="Steps", min=1, max=200_000, group="Run")
    seed: int = SEED
