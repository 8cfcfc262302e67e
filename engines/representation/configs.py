"""Configs of the representation-learning demos (lecture chapter 3), torch-free.

Bounds reflect what the numerics can do: every width and noise level is bounded away from
0 (a Gaussian cloud of width 0 has a singular covariance; ε = 0 is no denoising), every
count is at least 1, and the learning rates stop well below where plain gradient descent on
MNIST diverges.
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, ConfigError, param
from engines.edits import Edit

PCA_DATA = ("mnist", "gaussian2d", "random_field")
AE_DATA = ("curve", "mnist")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "silu")
REGULARISERS = ("none", "ordered_l2")
NOISE_KINDS = ("gaussian", "dropout")
DAE_DATA = ("mnist", "random_field")
DAE_MODELS = ("mlp", "linear")
#: Largest M of the PCA demo's reconstruction slider.
MAX_COMPONENTS = 100


@dataclass(frozen=True)
class PCAConfig(ConfigBase):
    """Principal components of a stream of samples (batch by batch)."""

    data: str = param("mnist", label="Data", choices=PCA_DATA, group="Data",
                      help="mnist: the bundled 10,000 digits (784 pixels); gaussian2d: a "
                           "correlated 2-d Gaussian cloud (click to add points); "
                           "random_field: a periodic 1-d Gaussian random field.")
    batch: int = param(100, label="Samples per step", min=1, max=2000, group="Data",
                       help="How many new samples enter the covariance estimate per step.")
    max_samples: int = param(10000, label="Samples in all", min=2, max=10000, group="Data",
                             help="The stream stops growing after this many samples "
                                  "(MNIST has 10,000).")
    components: int = param(10, label="Components M", min=1, max=MAX_COMPONENTS,
                            group="PCA",
                            help="Kept for the reconstruction ⟨x⟩ + Σₖ v⁽ᵏ⁾⟨v⁽ᵏ⁾|x−⟨x⟩⟩ over k ≤ M "
                                 "and the explained variance (also a live slider).")
    sigma1: float = param(2.0, label="Width σ₁", min=0.05, max=10.0, group="Gaussian cloud",
                          when={"data": ("gaussian2d",)},
                          help="Standard deviation along the long principal axis.")
    sigma2: float = param(0.5, label="Width σ₂", min=0.05, max=10.0, group="Gaussian cloud",
                          when={"data": ("gaussian2d",)},
                          help="Standard deviation along the short principal axis.")
    angle: float = param(30.0, label="Angle φ", min=-90.0, max=90.0, unit="°",
                         group="Gaussian cloud", when={"data": ("gaussian2d",)},
                         help="Direction of the long axis.")
    sites: int = param(64, label="Sites d", min=8, max=256, group="Random field",
                       when={"data": ("random_field",)},
                       help="Length of the periodic lattice.")
    corr_length: float = param(3.0, label="Correlation length ξ", min=0.2, max=30.0,
                               group="Random field", when={"data": ("random_field",)},
                               help="Power spectrum λ(q) ∝ exp(−q²ξ²/2) + a small floor.")
    steps: int = param(100, label="Steps", min=1, max=100000, help="Batches streamed in.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)


@dataclass(frozen=True)
class AutoencoderConfig(ConfigBase):
    """A basic (nonlinear) autoencoder x → E → z → D → x'."""

    data: str = param("curve", label="Data", choices=AE_DATA, group="Data",
                      help="curve: points on an arc in 2-d squeezed to a 1-d code; "
                           "mnist: the bundled digits.")
    n_train: int = param(4000, label="Training samples", min=16, max=8000, group="Data")
    curve_noise: float = param(0.05, label="Noise across the curve", min=0.0, max=0.5,
                               group="Data", when={"data": ("curve",)})
    bottleneck: int = param(1, label="Bottleneck k", min=1, max=64, group="Network",
                            help="Dimension of the code z (the curve uses at most 2).")
    width: int = param(64, label="Width", min=2, max=1024, group="Network")
    depth: int = param(2, label="Hidden layers", min=1, max=4, group="Network",
                       help="Hidden layers of the encoder (the decoder mirrors it).")
    activation: str = param("tanh", label="Activation", choices=ACTIVATIONS, group="Network")
    lr: float = param(3e-3, label="Learning rate", min=1e-5, max=0.05, log=True,
                      group="Training", help="Adam.")
    batch_size: int = param(128, label="Batch size", min=1, max=8000, group="Training")
    steps: int = param(10000, label="Steps", min=1, max=1000000)
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.data == "curve" and self.bottleneck > 2:
            raise ConfigError("bottleneck", "points in 2-d can use a code of 1 or 2 "
                                            "numbers only")


@dataclass(frozen=True)
class LinearAEConfig(ConfigBase):
    """A linear autoencoder x' = W'W x on centred MNIST: it learns the PCA subspace."""

    n_train: int = param(8000, label="Training digits", min=100, max=8000, group="Data",
                         help="Centred on their own mean; the PCA floor is computed on "
                              "the same digits.")
    bottleneck: int = param(6, label="Bottleneck k", min=1, max=64, group="Network",
                            help="Pick k where λₖ − λₖ₊₁ is not tiny (k = 8 has "
                                 "λ₈ ≈ λ₉: the subspace is then found only slowly).")
    tied: bool = param(False, label="Tied weights W' = Wᵀ", group="Network")
    regulariser: str = param("none", label="Regulariser", choices=REGULARISERS,
                             group="Network",
                             help="ordered_l2: weight decay growing with the code index "
                                  "i (α·i/k on ‖W_i‖² + ‖W'_i‖²) breaks the rotation "
                                  "symmetry, so the weights line up with the eigenvectors.")
    reg_strength: float = param(0.05, label="Regulariser strength α", min=1e-4, max=1.0,
                                log=True, group="Network",
                                when={"regulariser": ("ordered_l2",)})
    init_scale: float = param(0.01, label="Initial weight scale", min=1e-4, max=1.0,
                              log=True, group="Training", advanced=True)
    lr: float = param(3e-3, label="Learning rate", min=1e-5, max=0.03, log=True,
                      group="Training", help="Adam, decayed linearly to 0 over the run.")
    batch_size: int = param(512, label="Batch size", min=1, max=8000, group="Training",
                            help="≥ the number of digits: full-batch gradient descent.")
    steps: int = param(6000, label="Steps", min=1, max=1000000)
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)


@dataclass(frozen=True)
class DenoisingConfig(ConfigBase):
    """A denoising autoencoder: corrupted input, clean target."""

    data: str = param("mnist", label="Data", choices=DAE_DATA, group="Data",
                      help="random_field: a 1-d Gaussian random field of 16 sites, where "
                           "the linear model's optimum is known in closed form.")
    n_train: int = param(4000, label="Training samples", min=16, max=8000, group="Data")
    noise: str = param("gaussian", label="Corruption", choices=NOISE_KINDS, group="Noise",
                       help="gaussian: x + εξ; dropout: each pixel switched off with "
                            "probability p.")
    epsilon: float = param(0.3, label="Noise ε", min=1e-3, max=2.0, log=True, group="Noise",
                           when={"noise": ("gaussian",)})
    drop_p: float = param(0.3, label="Switch-off probability p", min=0.01, max=0.95,
                          group="Noise", when={"noise": ("dropout",)})
    model: str = param("mlp", label="Model", choices=DAE_MODELS, group="Network",
                       help="linear: F(x) = A x without bottleneck (the closed form "
                            "A = C(C + ε²I)⁻¹); mlp: encoder and decoder with a bottleneck.")
    bottleneck: int = param(32, label="Bottleneck k", min=1, max=256, group="Network",
                            when={"model": ("mlp",)})
    width: int = param(256, label="Width", min=4, max=1024, group="Network",
                       when={"model": ("mlp",)})
    lr: float = param(1e-3, label="Learning rate", min=1e-5, max=0.03, log=True,
                      group="Training", help="Adam.")
    batch_size: int = param(128, label="Batch size", min=1, max=8000, group="Training")
    steps: int = param(8000, label="Steps", min=1, max=1000000)
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)


@dataclass(frozen=True)
class ContractiveConfig(ConfigBase):
    """A contractive autoencoder: sigmoid encoder, penalty λ‖J_E‖²_F."""

    n_train: int = param(4000, label="Training digits", min=16, max=8000, group="Data")
    hidden: int = param(64, label="Hidden units", min=1, max=1024, group="Network")
    tied: bool = param(True, label="Tied weights W' = Wᵀ", group="Network",
                       help="Untied, the net can cheat: shrink W (small J_E) and grow W'.")
    contraction: float = param(0.1, label="Contraction λ", min=0.0, max=100.0,
                               group="Network",
                               help="L = MSE + λ⟨‖J_E‖²_F⟩ with J_E = σ'(Wx+b)·W.")
    lr: float = param(3e-3, label="Learning rate", min=1e-5, max=0.03, log=True,
                      group="Training", help="Adam.")
    batch_size: int = param(128, label="Batch size", min=1, max=8000, group="Training")
    steps: int = param(10000, label="Steps", min=1, max=1000000)
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)


# ---- edits a view sends a running PCA engine (engines.edits) -------------------------------
@dataclass(frozen=True)
class Components(Edit):
    """Reconstruct with the first ``m`` principal components (the slider)."""
    m: int


@dataclass(frozen=True)
class AddPoint(Edit):
    """A clicked point (x, y) joins the 2-d Gaussian cloud's samples."""
    x: float
    y: float
