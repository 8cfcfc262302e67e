"""Configs of the active-learning demos (lecture chapter 10), in one torch-free module.

Bounds reflect what the numerics can do: noise levels and learning rates are bounded well
away from 0 (a Gaussian of width 0 has no density, an information gain ½ ln(1 + C/σ²)
would be infinite), pools are large enough to hold the initial labels plus every query.
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, ConfigError, param
from engines.edits import Edit

DATASETS = ("moons", "blobs", "xor", "mnist")
STRATEGIES = ("random", "entropy", "least_confident", "margin", "committee")
CURVES = ("all", "vs_random", "shown_only")
COMMITTEE_MEASURES = ("vote_entropy", "kl")
MODELS = ("mlp", "logistic")
TARGETS_1D = ("sine", "bumps", "step")
PRIORS = ("uniform", "gaussian")
GP_MODELS = ("gp", "network")
GP_TRUTHS = ("prior_samples", "sine_vs_step")

#: Inputs of the 1-d regression demos lie in [-1, 1].
X_RANGE = (-1.0, 1.0)


@dataclass(frozen=True)
class PoolConfig(ConfigBase):
    """Pool-based active learning for classification (10.1)."""

    dataset: str = param("moons", label="Dataset", choices=DATASETS, group="Data",
                         help="Two moons, three Gaussian blobs, XOR (four clusters), or the "
                              "bundled MNIST digits (projected on their first principal "
                              "components; the map then shows the first two).")
    pool_size: int = param(300, label="Pool size", min=40, max=2000, group="Data",
                           help="Unlabelled points the learner may ask about.")
    test_size: int = param(1000, label="Test points", min=100, max=2000, group="Data",
                           help="Held-out points for the accuracy curves.")
    data_noise: float = param(0.2, label="Noise of the 2-d sets", min=0.0, max=0.6,
                              group="Data", help="Spread of the points around the moons, "
                                                 "blob centres or XOR corners.")
    pca_dims: int = param(20, label="MNIST features", min=2, max=50, group="Data",
                          advanced=True,
                          help="MNIST digits are projected on this many principal "
                               "components of the pool before learning.")
    strategy: str = param("entropy", label="Shown strategy", choices=STRATEGIES,
                          group="Acquisition",
                          help="The learner drawn in the map (and labelled by clicks). "
                               "entropy: max H[P(ℓ|x)]; least_confident: min max_ℓ P; "
                               "margin: smallest gap of the top two; committee: "
                               "disagreement of N models from different seeds.")
    curves: str = param("all", label="Curves", choices=CURVES, group="Acquisition",
                        help="Learners run side by side for the learning curves: every "
                             "strategy, the shown one against random, or only the shown.")
    committee_size: int = param(4, label="Committee size N", min=2, max=8,
                                group="Acquisition")
    committee_measure: str = param("vote_entropy", label="Committee disagreement",
                                   choices=COMMITTEE_MEASURES, group="Acquisition",
                                   help="vote_entropy: entropy of the members' votes; kl: "
                                        "Σ_j KL(P_mean ‖ P_j), P_mean the members' average.")
    n_seeds: int = param(5, label="Seeds per strategy", min=1, max=10, group="Acquisition",
                         help="Learning curves are averaged over this many runs (own "
                              "initial labels and initial weights each).")
    n_initial: int = param(2, label="Initial random labels", min=1, max=50,
                           group="Acquisition",
                           help="Labels drawn at random before the first query (the "
                                "cold start: with few labels the uncertainties mean "
                                "little).")
    target_accuracy: float = param(0.9, label="Target accuracy", min=0.2, max=0.995,
                                   group="Acquisition",
                                   help="labels_to_target_<strategy>: labels needed to "
                                        "reach this test accuracy (mean over seeds).")
    model: str = param("mlp", label="Model", choices=MODELS, group="Model",
                       help="mlp: one hidden tanh layer; logistic: softmax regression.")
    hidden: int = param(16, label="Hidden units", min=2, max=64, group="Model")
    train_iters: int = param(40, label="Training iterations per label", min=1, max=500,
                             group="Model",
                             help="Full-batch Adam steps on the labelled set after each "
                                  "new label (warm start from the previous weights).")
    lr: float = param(0.03, label="Learning rate", min=1e-4, max=0.5, log=True,
                      group="Model")
    weight_decay: float = param(1e-3, label="Weight decay", min=0.0, max=0.1,
                                group="Model", advanced=True)
    map_resolution: int = param(48, label="Map resolution", min=8, max=128,
                                group="Display", advanced=True)
    steps: int = param(80, label="Queries", min=1, max=1000,
                       help="One step: every learner trains, scores its pool and labels "
                            "its best point.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.n_initial + self.steps > self.pool_size:
            raise ConfigError("steps", f"{self.n_initial} initial labels + {self.steps} "
                                       f"queries do not fit a pool of {self.pool_size}")


@dataclass(frozen=True)
class CommitteeConfig(ConfigBase):
    """Committee regression in 1-d, against random queries and a GP's variance."""

    target: str = param("bumps", label="Function", choices=TARGETS_1D, group="Data",
                        help="The unknown function on [−1, 1].")
    noise: float = param(0.05, label="Label noise σ", min=0.001, max=1.0, group="Data")
    n_candidates: int = param(201, label="Candidate inputs", min=21, max=1001,
                              group="Data", help="Queries are chosen among these x.")
    n_initial: int = param(3, label="Initial random labels", min=1, max=20, group="Data")
    committee_size: int = param(5, label="Committee size N", min=2, max=12, group="Model")
    hidden: int = param(24, label="Hidden units", min=2, max=128, group="Model")
    train_iters: int = param(150, label="Training iterations per label", min=1, max=2000,
                             group="Model")
    lr: float = param(0.01, label="Learning rate", min=1e-4, max=0.3, log=True,
                      group="Model")
    gp_length: float = param(0.2, label="GP length scale ℓ", min=0.01, max=5.0, log=True,
                             group="Gaussian process")
    gp_amplitude: float = param(1.0, label="GP amplitude A", min=0.01, max=10.0, log=True,
                                group="Gaussian process")
    steps: int = param(30, label="Queries", min=1, max=500)
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)


@dataclass(frozen=True)
class DesignConfig(ConfigBase):
    """Bayesian optimal experimental design for the damped oscillator (10.2)."""

    true_omega: float = param(1.7, label="True ω*", min=0.2, max=4.0, group="Truth",
                              help="Hidden frequency of d²q/dt² = −ω²q − γ dq/dt.")
    true_gamma: float = param(0.35, label="True γ*", min=0.0, max=2.0, group="Truth",
                              help="Hidden damping.")
    omega_min: float = param(0.5, label="ω grid from", min=0.1, max=5.0, group="Prior")
    omega_max: float = param(3.0, label="ω grid to", min=0.2, max=6.0, group="Prior")
    gamma_max: float = param(1.0, label="γ grid to", min=0.05, max=3.0, group="Prior",
                             help="The γ grid runs from 0 to this value.")
    grid_points: int = param(30, label="Grid points per axis", min=8, max=80, group="Prior")
    prior: str = param("uniform", label="Prior", choices=PRIORS, group="Prior",
                       help="uniform on the grid, or a broad Gaussian around its centre.")
    noise: float = param(0.1, label="Measurement noise σ", min=0.005, max=2.0, log=True,
                         group="Measurement", help="y = q(t_final) + σ ξ.")
    t_final: float = param(3.0, label="Measurement time t", min=0.1, max=20.0,
                           group="Measurement")
    optimise_time: bool = param(False, label="Design the time too", group="Measurement",
                                help="Also choose the measurement time among n_times "
                                     "values in (0, 2 t_final].")
    n_times: int = param(8, label="Time choices", min=2, max=24, group="Measurement",
                         advanced=True)
    amplitude: float = param(1.0, label="Design range |q(0)|, |dq/dt(0)| ≤", min=0.05,
                             max=10.0, group="Design")
    design_points: int = param(13, label="Designs per axis", min=3, max=41, group="Design")
    y_points: int = param(160, label="y quadrature points", min=40, max=800,
                          group="Design", advanced=True)
    n_random: int = param(4, label="Random-design runs", min=1, max=12, group="Design",
                          help="Ghost curves: the same truth measured at random designs.")
    steps: int = param(15, label="Measurements", min=1, max=200)
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.omega_max <= self.omega_min:
            raise ConfigError("omega_max", "must be larger than the start of the ω grid")


@dataclass(frozen=True)
class GPDesignConfig(ConfigBase):
    """Active learning for Gaussian processes and networks (10.3)."""

    model: str = param("gp", label="Model", choices=GP_MODELS,
                       help="gp: Gaussian process (gain ½ ln(1 + C_xx/σ²), independent of "
                            "the results); network: Laplace approximation of a small "
                            "regression net (MacKay 1992), gain ½ ln(1 + gᵀCg/σ²).")
    dims: int = param(1, label="Dimensions", min=1, max=2, when={"model": ("gp",)},
                      help="A GP field on a line or on a square.")
    n_points: int = param(101, label="Lattice points per axis", min=5, max=201,
                          help="In 2-d at most 30 per axis are used.")
    length_scale: float = param(0.15, label="Length scale ℓ", min=0.01, max=5.0, log=True,
                                when={"model": ("gp",)})
    amplitude: float = param(1.0, label="Amplitude A", min=0.05, max=10.0, log=True)
    noise: float = param(0.1, label="Measurement noise σ", min=0.005, max=2.0, log=True)
    truths: str = param("prior_samples", label="The two true functions", choices=GP_TRUTHS,
                        help="Two draws from the prior, or a sine next to a step.")
    hidden: int = param(8, label="Hidden units", min=2, max=24, when={"model": ("network",)})
    weight_prior: float = param(1.0, label="Weight prior width", min=0.05, max=20.0,
                                log=True, when={"model": ("network",)},
                                help="Gaussian prior on the weights: L₀ = |θ|²/2s².")
    train_iters: int = param(200, label="Training iterations per measurement", min=1,
                             max=3000, when={"model": ("network",)})
    lr: float = param(0.02, label="Learning rate", min=1e-4, max=0.3, log=True,
                      when={"model": ("network",)})
    steps: int = param(20, label="Measurements", min=1, max=400)
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)


# ---- the edit a view sends a running pool engine (engines.edits) ---------------------------
@dataclass(frozen=True)
class Label(Edit):
    """Make a pool point the learner's next query: ``index`` (the pool's numbering) or
    ``point`` (map coordinates: the nearest unlabelled point); ``label`` is the user's
    answer as oracle (None: the true label is revealed)."""
    index: int | None = None
    point: tuple[float, float] | None = None
    label: int | None = None
