"""Configs of the likelihood-ratio demos (seminar "Machine learning for the skeptical HEP
theorist"), in one torch-free module: the registry (and the GUI process) imports these only.

Bounds are what the numerics can do: widths are at least 0.2 (a narrower Gaussian next to
a wide one makes p/q span more than e^100 inside the plotted range), learning rates and
step counts stay where a float32 network trains without overflow.
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, param
from engines.edits import Edit

#: Pairs of densities (p = "signal" hypothesis, q = "background" hypothesis).
PAIRS = ("gaussians", "mixture", "signal_background", "painted")
#: Loss functionals L[f] = ⟨A(f)⟩_p + ⟨B(f)⟩_q (minimised), see functionals.py.
LOSSES = ("bce", "mse", "mlc", "exponential")
DIMS = (1, 2)
#: Learning rate over a run: cosine from lr at step 0 down to 0 at the last step, or flat.
LR_SCHEDULES = ("cosine", "constant")
_SCHEDULE_HELP = ("cosine: the rate falls from its value to 0 along a half cosine over the "
                  "steps, so the network settles instead of jittering at the end (the mlc "
                  "loss needs this most: its q-term weights samples by p/q); constant: flat.")


@dataclass(frozen=True)
class RatioConfig(ConfigBase):
    """A network f(x) trained on samples of p and q with a chosen loss functional."""

    dim: int = param(1, label="Dimension", min=1, max=2, group="Densities",
                     help="1: densities on a line (log axis plot of p/q); 2: in the plane.")
    pair: str = param("gaussians", label="Densities p, q", choices=PAIRS, group="Densities",
                      help="gaussians: two Gaussians (separation Δ, width ratio); mixture: "
                           "a two-peaked p against one broad q; signal_background: q a "
                           "falling exponential background, p the same background plus a "
                           "narrow peak; painted: blobs you paint on the plot.")
    separation: float = param(2.0, label="Separation Δ", min=0.0, max=4.0, group="Densities",
                              when={"pair": ("gaussians",)},
                              help="Gaussians: p = N(+Δ/2, σ_p²), q = N(−Δ/2, 1).")
    width_ratio: float = param(1.0, label="Width σ_p / σ_q", min=0.5, max=2.0,
                               group="Densities", when={"pair": ("gaussians",)},
                               help="Unequal widths make log p/q quadratic in x.")
    paint_sigma: float = param(0.6, label="Painted blob width σ", min=0.1, max=2.0,
                               group="Densities", when={"pair": ("painted",)},
                               help="Each painted point is a Gaussian blob of this width.")
    loss: str = param("bce", label="Loss functional", choices=LOSSES, group="Training",
                      help="bce: A = −log f, B = −log(1−f), f → p/(p+q); mse: A = (1−f)², "
                           "B = f², same optimum; mlc: A = −log f, B = f − 1, f → p/q and "
                           "−L → KL(p‖q); exponential: A = e^(−f), B = e^f, f → ½ log p/q.")
    n_train: int = param(20000, label="Samples per class", min=100, max=200000, log=True,
                         group="Training",
                         help="Size of the fixed training sets drawn from p and from q.")
    hidden: int = param(32, label="Hidden width", min=4, max=256, log=True, group="Training")
    depth: int = param(2, label="Hidden layers", min=1, max=4, group="Training")
    batch_size: int = param(512, label="Batch size (per class)", min=16, max=8192, log=True,
                            group="Training")
    lr: float = param(3e-3, label="Learning rate", min=1e-5, max=3e-2, log=True,
                      group="Training", help="Adam's rate at step 0 (see the schedule).")
    lr_schedule: str = param("cosine", label="Learning-rate schedule", choices=LR_SCHEDULES,
                             group="Training", advanced=True, help=_SCHEDULE_HELP)
    steps: int = param(4000, label="Steps", min=1, max=200000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)


@dataclass(frozen=True)
class NeymanPearsonConfig(ConfigBase):
    """The learned ratio as a test statistic: ROC, Σ log r over N events, power vs N."""

    dim: int = param(1, label="Dimension", min=1, max=2, group="Densities")
    pair: str = param("gaussians", label="Densities p, q", choices=PAIRS, group="Densities",
                      help="p is the alternative (signal), q the null hypothesis "
                           "(background).")
    separation: float = param(1.0, label="Separation Δ", min=0.0, max=4.0, group="Densities",
                              when={"pair": ("gaussians",)},
                              help="Gaussians: p = N(+Δ/2, σ_p²), q = N(−Δ/2, 1).")
    width_ratio: float = param(1.0, label="Width σ_p / σ_q", min=0.5, max=2.0,
                               group="Densities", when={"pair": ("gaussians",)})
    paint_sigma: float = param(0.6, label="Painted blob width σ", min=0.1, max=2.0,
                               group="Densities", when={"pair": ("painted",)})
    loss: str = param("bce", label="Loss functional", choices=LOSSES, group="Training")
    n_train: int = param(20000, label="Samples per class", min=100, max=200000, log=True,
                         group="Training")
    hidden: int = param(32, label="Hidden width", min=4, max=256, log=True, group="Training")
    depth: int = param(2, label="Hidden layers", min=1, max=4, group="Training")
    batch_size: int = param(512, label="Batch size (per class)", min=16, max=8192, log=True,
                            group="Training")
    lr: float = param(3e-3, label="Learning rate", min=1e-5, max=3e-2, log=True,
                      group="Training", help="Adam's rate at step 0 (see the schedule).")
    lr_schedule: str = param("cosine", label="Learning-rate schedule", choices=LR_SCHEDULES,
                             group="Training", advanced=True, help=_SCHEDULE_HELP)
    n_events: int = param(10, label="Events per experiment N", min=1, max=200, log=True,
                          group="Test",
                          help="T = Σᵢ log r(xᵢ) over i = 1 … N for N IID events of one experiment.")
    size: float = param(0.05, label="Size α", min=1e-3, max=0.5, log=True, group="Test",
                        help="Probability of rejecting q when q is true; the threshold on T "
                             "is q's (1 − α) quantile.")
    experiments: int = param(2000, label="Pseudo-experiments", min=200, max=20000, log=True,
                             group="Test", advanced=True,
                             help="Experiments per hypothesis for the distributions of T.")
    steps: int = param(3000, label="Steps", min=1, max=200000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)


@dataclass(frozen=True)
class DeepSetsConfig(ConfigBase):
    """Quark against gluon jets: Deep Sets F(Σ Φ(p_i)) against an MLP on padded inputs."""

    quark_multiplicity: float = param(10.0, label="Mean quark multiplicity", min=2.0,
                                      max=30.0, group="Jets",
                                      help="Particles per quark jet: 1 + Poisson(mean − 1).")
    gluon_multiplicity: float = param(18.0, label="Mean gluon multiplicity", min=2.0,
                                      max=30.0, group="Jets",
                                      help="Gluons radiate more (colour factor C_A/C_F = 9/4).")
    quark_sharing: float = param(0.6, label="Quark momentum sharing α_q", min=0.1, max=5.0,
                                 log=True, group="Jets",
                                 help="Momentum fractions z ~ Dirichlet(α): small α = one "
                                      "hard leading particle, large α = even sharing.")
    gluon_sharing: float = param(1.2, label="Gluon momentum sharing α_g", min=0.1, max=5.0,
                                 log=True, group="Jets")
    n_train: int = param(4000, label="Training jets", min=200, max=100000, log=True,
                         group="Training", help="Half quark, half gluon.")
    latent: int = param(8, label="Latent dimension ℓ", min=2, max=64, log=True,
                        group="Training", help="Φ: R³ → R^ℓ, F: R^ℓ → R.")
    hidden: int = param(32, label="Hidden width", min=8, max=256, log=True, group="Training")
    batch_size: int = param(128, label="Batch size", min=16, max=4096, log=True,
                            group="Training")
    lr: float = param(1e-3, label="Learning rate", min=1e-5, max=3e-2, log=True,
                      group="Training")
    steps: int = param(3000, label="Steps", min=1, max=200000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)


# ---- edits a view sends a running engine (engines.edits) ----------------------------------
@dataclass(frozen=True)
class Paint(Edit):
    """The painted points become density ``which`` ("p" or "q"), replacing it: x values or
    (x, y) pairs in 1-d (y ignored), (x, y) pairs in 2-d."""
    which: str
    points: tuple[float | tuple[float, ...], ...] = ()


@dataclass(frozen=True)
class Shuffle(Edit):
    """List every test jet's particles in a new random order (deep-sets)."""
