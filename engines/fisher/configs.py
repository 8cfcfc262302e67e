"""Configs of the chapter-6 demos (Fisher information, KL, mutual information), torch-free.

The registry (and so the GUI process) imports configs only. Bounds are chosen so that no
value inside them breaks the numerics: probabilities stay inside (0, 1), widths and rates
stay well away from 0.
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, ConfigError, param
from engines.edits import Edit

#: One-parameter models p(x|λ) of the Cramér-Rao and KL demos, and the two-parameter one.
MODELS = ("gaussian_mean", "gaussian_scaled", "bernoulli", "poisson", "exponential",
          "gaussian_mu_sigma")
ONE_PARAM_MODELS = MODELS[:-1]
JEFFREYS_MODELS = ("location", "scale", "bernoulli", "poisson")
PARAMETRIZATIONS = ("log", "sin2", "sqrt", "identity")
MI_DATASETS = ("correlated_gaussian", "parabola", "ring", "independent")
MI_TRANSFORMS = ("none", "cubic", "exp", "sinh")
RMI_DATASETS = ("gaussian", "spiral", "ring")
RMI_FEATURES = ("linear", "network")


@dataclass(frozen=True)
class CramerRaoConfig(ConfigBase):
    """Many simulated experiments of N observations: MLE and Bayes estimates vs 1/(N I)."""

    model: str = param("gaussian_scaled", label="Model p(x|λ)", choices=MODELS, group="Model",
                       help="gaussian_mean: N(λ, σ²) with known σ; gaussian_scaled: N(λ, λ²) "
                            "(the lecture's example); bernoulli: P(1) = λ; poisson: mean λ; "
                            "exponential: rate λ; gaussian_mu_sigma: N(μ, σ²) with both "
                            "unknown (the matrix version).")
    true_lambda: float = param(1.0, label="True λ (μ)", min=0.2, max=10.0, group="Model",
                               help="The parameter the data are drawn from (the mean μ for "
                                    "the Gaussian models, the rate for Poisson/exponential).")
    bernoulli_p: float = param(0.3, label="True λ (Bernoulli)", min=0.05, max=0.95,
                               group="Model", when={"model": ("bernoulli",)},
                               help="P(x = 1) of the Bernoulli model.")
    sigma: float = param(1.0, label="Known σ", min=0.1, max=10.0, group="Model",
                         when={"model": ("gaussian_mean", "gaussian_mu_sigma")},
                         help="Standard deviation of the Gaussian-mean models.")
    n_obs: int = param(20, label="Observations per experiment N", min=3, max=2000,
                       group="Experiments",
                       help="Each simulated experiment draws N independent x and estimates λ.")
    batch: int = param(20, label="Experiments per step", min=1, max=2000, group="Experiments",
                       help="How many experiments are simulated per step (the histograms grow "
                            "by this much).")
    sweep_max_n: int = param(500, label="Largest N of the sweep", min=10, max=5000,
                             group="Experiments", advanced=True,
                             help="Var·N·I is also measured for N = 3 … this value (log-spaced).")
    grid_points: int = param(301, label="Posterior grid points", min=51, max=2001,
                             advanced=True, group="Experiments",
                             help="λ grid of the Bayes posterior (flat prior on the grid).")
    steps: int = param(1000, label="Steps", min=1, max=100000, group="Run")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")


@dataclass(frozen=True)
class JeffreysConfig(ConfigBase):
    """A flat prior and Jeffreys' prior in two coordinates; posteriors after live data."""

    model: str = param("bernoulli", label="Model", choices=JEFFREYS_MODELS, group="Model",
                       help="location: N(λ, 1); scale: N(0, λ²); bernoulli: P(1) = λ; "
                            "poisson: mean λ.")
    parametrization: str = param("sin2", label="Second coordinate", choices=PARAMETRIZATIONS,
                                 group="Model",
                                 help="λ as a function of the new coordinate θ: log: λ = e^θ; "
                                      "sin2: λ = sin²θ (Bernoulli only); sqrt: λ = θ²; "
                                      "identity: λ = θ. Location models take identity only.")
    true_lambda: float = param(0.2, label="True λ", min=0.05, max=5.0, group="Model",
                               help="The data are drawn from p(x|λ); for the Bernoulli model it "
                                    "must lie below 0.95.")
    grid_points: int = param(801, label="Grid points", min=101, max=5001, advanced=True,
                             group="Model", help="Points of the λ grid.")
    steps: int = param(300, label="Observations (steps)", min=1, max=100000, group="Run")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.model == "bernoulli" and self.true_lambda >= 0.95:
            raise ConfigError("true_lambda", f"{self.true_lambda:g}: a Bernoulli λ must lie "
                                             "in [0.05, 0.95)")
        if self.model == "location" and self.parametrization != "identity":
            raise ConfigError("parametrization", "a location parameter λ ∈ ℝ takes the "
                                                 "identity only (log, sqrt and sin² need λ > 0)")
        if self.parametrization == "sin2" and self.model != "bernoulli":
            raise ConfigError("parametrization", "λ = sin²θ maps onto [0, 1]: Bernoulli only")


@dataclass(frozen=True)
class NaturalGradientConfig(ConfigBase):
    """Plain and natural gradient in θ and ϑ = θ/μ; Gaussian fit; small network."""

    mu: float = param(3.0, label="Scale μ (a = μ ϑ₁)", min=0.1, max=10.0, log=True,
                      group="Reparametrization",
                      help="The slope a of the line fit is written a = μ ϑ₁. Plain gradient "
                           "descent in ϑ₁ moves a by μ² times the step in a; the natural "
                           "gradient does not care.")
    lr: float = param(0.05, label="Learning rate η", min=1e-4, max=0.5, log=True,
                      group="Reparametrization",
                      help="Step size of all line-fit and Gaussian-fit paths.")
    noise: float = param(0.3, label="Noise σ of the data", min=0.05, max=3.0,
                         group="Reparametrization",
                         help="y = a x + b + σ ε for the line fit; σ of the network's "
                              "Gaussian likelihood (I = JᵀJ/σ²).")
    n_data: int = param(64, label="Data points", min=8, max=2000, group="Network",
                        help="Training points of the line fit, the Gaussian fit and the network.")
    hidden: int = param(16, label="Hidden units", min=2, max=64, group="Network",
                        help="Width of the 1-hidden-layer tanh network.")
    batch: int = param(32, label="Minibatch", min=4, max=2000, group="Network",
                       help="Minibatch shared by SGD, Adam and the natural gradient.")
    net_lr: float = param(0.05, label="Network learning rate", min=1e-4, max=1.0, log=True,
                          group="Network", help="SGD and natural-gradient step size.")
    adam_lr: float = param(0.01, label="Adam learning rate", min=1e-4, max=0.3, log=True,
                           group="Network")
    damping: float = param(1e-3, label="Damping", min=1e-8, max=10.0, log=True,
                           group="Network",
                           help="(I + damping·1)⁻¹∇L: keeps the step finite where JᵀJ is "
                                "singular (more parameters than informative directions).")
    steps: int = param(400, label="Steps", min=1, max=100000, group="Run")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")


@dataclass(frozen=True)
class KLConfig(ConfigBase):
    """P and Q (mixtures of up to two Gaussians), both KLs, and two Gaussian fits to P."""

    p_mu1: float = param(-3.0, label="P: mean 1", min=-8.0, max=8.0, group="P")
    p_sigma1: float = param(0.7, label="P: width 1", min=0.1, max=5.0, group="P")
    p_mu2: float = param(3.0, label="P: mean 2", min=-8.0, max=8.0, group="P")
    p_sigma2: float = param(0.7, label="P: width 2", min=0.1, max=5.0, group="P")
    p_weight2: float = param(0.5, label="P: weight of 2", min=0.0, max=1.0, group="P",
                             help="0: P is the single Gaussian 1; 1: the single Gaussian 2.")
    q_mu1: float = param(0.0, label="Q: mean 1", min=-8.0, max=8.0, group="Q")
    q_sigma1: float = param(1.5, label="Q: width 1", min=0.1, max=5.0, group="Q")
    q_mu2: float = param(0.0, label="Q: mean 2", min=-8.0, max=8.0, group="Q")
    q_sigma2: float = param(1.0, label="Q: width 2", min=0.1, max=5.0, group="Q")
    q_weight2: float = param(0.0, label="Q: weight of 2", min=0.0, max=1.0, group="Q")
    fit_mu0: float = param(1.0, label="Fit start: mean", min=-8.0, max=8.0, group="Fit",
                           help="Both Gaussian fits start here (off the centre, so the "
                                "reverse fit can choose a mode).")
    fit_sigma0: float = param(0.7, label="Fit start: width", min=0.1, max=5.0, group="Fit")
    fit_lr: float = param(0.1, label="Fit learning rate", min=1e-3, max=0.5, log=True,
                          group="Fit", help="Gradient step on (mean, ln width) of each fit.")
    fisher_model: str = param("gaussian_scaled", label="Model for ½δλ I δλ",
                              choices=ONE_PARAM_MODELS, group="Fisher",
                              help="KL(p(x|λ) ‖ p(x|λ₀)) against ½ I(λ₀) δλ² in this model.")
    mc_batch: int = param(200, label="Monte-Carlo samples per step", min=1, max=100000,
                          group="Fit", advanced=True,
                          help="Samples of P per step for the Monte-Carlo KL(P‖Q).")
    grid_points: int = param(2001, label="Grid points", min=201, max=20001, advanced=True,
                             group="Fit")
    steps: int = param(1500, label="Steps", min=1, max=100000, group="Run")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")


@dataclass(frozen=True)
class MutualInfoConfig(ConfigBase):
    """Samples of (x, y) arrive batch by batch; MI from histograms and from k-NN."""

    dataset: str = param("correlated_gaussian", label="Joint distribution",
                         choices=MI_DATASETS, group="Data",
                         help="correlated_gaussian (ρ); parabola: y = x² + noise (Cov = 0 but "
                              "dependent); ring: a noisy circle; independent: two Gaussians.")
    rho: float = param(0.8, label="Correlation ρ", min=-0.99, max=0.99, group="Data",
                       when={"dataset": ("correlated_gaussian",)})
    noise: float = param(0.3, label="Noise", min=0.05, max=2.0, group="Data",
                         when={"dataset": ("parabola", "ring")},
                         help="Width of the noise on y (parabola) or on the radius (ring).")
    transform: str = param("none", label="Invertible map x → f(x)", choices=MI_TRANSFORMS,
                           group="Data",
                           help="Applied to x before estimating: the correlation changes, the "
                                "mutual information does not.")
    n_samples: int = param(5000, label="Samples (window)", min=200, max=20000, group="Estimate",
                           help="The estimates use the latest this many samples.")
    batch: int = param(100, label="Samples per step", min=1, max=5000, group="Estimate")
    k: int = param(3, label="k nearest neighbours", min=1, max=20, group="Estimate",
                   help="Kraskov-Stögbauer-Grassberger estimator, algorithm 1.")
    bins: int = param(20, label="Histogram bins", min=4, max=100, group="Estimate",
                      help="Bins per axis of the plug-in estimate H(X)+H(Y)−H(X,Y).")
    steps: int = param(80, label="Steps", min=1, max=100000, group="Run")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")


@dataclass(frozen=True)
class RMIConfig(ConfigBase):
    """Learn a 1-d feature y = F_θ(x) of 2-d data by maximising renormalized MI."""

    dataset: str = param("gaussian", label="Data", choices=RMI_DATASETS, group="Data",
                         help="gaussian: an elongated, rotated cloud; spiral; ring.")
    n_points: int = param(400, label="Points", min=50, max=3000, group="Data")
    angle_deg: float = param(30.0, label="Cloud angle", min=-90.0, max=90.0, unit="°",
                             group="Data", when={"dataset": ("gaussian",)},
                             help="Direction of the first principal component.")
    aspect: float = param(3.0, label="Aspect ratio", min=1.2, max=10.0, group="Data",
                          when={"dataset": ("gaussian",)},
                          help="Ratio of the two standard deviations.")
    noise: float = param(0.05, label="Noise", min=0.0, max=0.5, group="Data",
                         when={"dataset": ("spiral", "ring")})
    feature: str = param("linear", label="Feature F_θ", choices=RMI_FEATURES, group="Feature",
                         help="linear: y = w·x (for the Gaussian cloud); network: a 2-H-1 tanh "
                              "net (for the spiral and the ring). A flexible net can also fool "
                              "the kernel estimate of H(y) by bunching y into narrow clumps.")
    hidden: int = param(16, label="Hidden units", min=2, max=128, group="Feature",
                        when={"feature": ("network",)})
    bandwidth: float = param(0.2, label="Kernel width / std(y)", min=0.02, max=1.0,
                             group="Feature", help="Gaussian kernel of the estimate of H(y), "
                                                   "relative to the spread of y.")
    lr: float = param(0.01, label="Learning rate (Adam)", min=1e-4, max=0.1, log=True,
                      group="Feature")
    steps: int = param(400, label="Steps", min=1, max=100000, group="Run")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run")


# ---- edits a view sends a running engine (engines.edits) ----------------------------------
@dataclass(frozen=True)
class SetMu(Edit):
    """natural-gradient: the reparametrisation scale μ (the line-fit paths restart)."""
    mu: float


@dataclass(frozen=True)
class SetP(Edit):
    """kl: new parameters of the mixture P (None: unchanged); the fits go on."""
    mu1: float | None = None
    sigma1: float | None = None
    mu2: float | None = None
    sigma2: float | None = None
    weight2: float | None = None


@dataclass(frozen=True)
class SetQ(SetP):
    """kl: new parameters of the mixture Q (None: unchanged); the fits go on."""


@dataclass(frozen=True)
class SetRho(Edit):
    """mutual-information: the correlation ρ of the Gaussian (new samples from then on)."""
    rho: float


@dataclass(frozen=True)
class SetTransform(Edit):
    """mutual-information: the invertible map applied to x (the same samples, mapped)."""
    transform: str
