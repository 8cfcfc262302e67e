"""Configs of the ``mnist`` panel (lecture 2.11, exercises A1.1 and A1.5), torch-free.

The GUI builds its forms and the architecture table from this module; the engines that
use these configs import torch and live next to it (classifier.py, expected.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, ConfigError, param

DATASETS = ("subset", "full")
#: Training / test digits of each dataset (the subset's split: scripts/make_mnist_subset.py).
DATASET_SIZES = {"subset": (8000, 2000), "full": (60000, 10000)}
DATASET_TITLES = {"subset": "bundled MNIST subset (offline)", "full": "full MNIST"}

#: The criteria of exercise A1.1 (a)-(d) and the bonus (d').
CRITERIA = ("a_cross_entropy", "b_mse_onehot", "c_mse_class_index", "d_scaled_output",
            "d2_scaled_init")
CRITERION_TITLES = {
    "a_cross_entropy": "(a) cross-entropy",
    "b_mse_onehot": "(b) MSE one-hot",
    "c_mse_class_index": "(c) MSE class index",
    "d_scaled_output": "(d) scaled output",
    "d2_scaled_init": "(d') scaled init",
}
#: Short names for legends.
CRITERION_SHORT = {
    "a_cross_entropy": "(a) CE",
    "b_mse_onehot": "(b) MSE one-hot",
    "c_mse_class_index": "(c) MSE index",
    "d_scaled_output": "(d) α f + β",
    "d2_scaled_init": "(d') scaled init",
}
OPTIMIZERS = ("rmsprop", "adam", "sgd")
SIDE = 28
N_CLASSES = 10


def n_outputs(criterion: str) -> int:
    """10 logits for (a) and (b); one regression output for (c), (d) and (d')."""
    return N_CLASSES if criterion in ("a_cross_entropy", "b_mse_onehot") else 1


def training_size(cfg: "MNISTConfig") -> int:
    total = DATASET_SIZES[cfg.dataset][0]
    return total if cfg.train_samples <= 0 else min(cfg.train_samples, total)


def test_size(cfg: "MNISTConfig") -> int:
    total = DATASET_SIZES[cfg.dataset][1]
    return total if cfg.test_samples <= 0 else min(cfg.test_samples, total)


def steps_per_epoch(cfg: "MNISTConfig") -> int:
    """Minibatches per pass over the training set (the last one may be smaller)."""
    n = training_size(cfg)
    return -(-n // cfg.batch_size)


@dataclass(frozen=True)
class MNISTConfig(ConfigBase):
    """A deep CNN classifying MNIST digits, trained with one of the criteria of A1.1."""

    dataset: str = param("subset", label="Dataset", choices=DATASETS, group="Data",
                         help="subset: 8,000 + 2,000 real MNIST digits shipped with the app "
                              "(offline). full: 60,000 + 10,000, downloaded once.")
    train_samples: int = param(0, label="Training digits (0 = all)", min=0, max=60000,
                               group="Data", help="Use only the first n training digits "
                                                  "(capped at the dataset's size).")
    test_samples: int = param(0, label="Test digits (0 = all)", min=0, max=10000,
                              group="Data", advanced=True,
                              help="Evaluate on the first n test digits only.")
    channels1: int = param(16, label="Conv 1 channels", min=1, max=128, group="Network",
                           help="Feature maps of the first convolution.")
    channels2: int = param(32, label="Conv 2 channels", min=1, max=256, group="Network")
    kernel: int = param(3, label="Kernel size k (odd)", min=1, max=9, group="Network",
                        help="Each convolution sees k × k pixels; zero padding keeps the "
                             "image size, each 2 × 2 max-pool halves it.")
    hidden: int = param(128, label="Dense hidden width", min=1, max=2048, group="Network")
    criterion: str = param("a_cross_entropy", label="Criterion (A1.1)", choices=CRITERIA,
                           group="Criterion",
                           help="(a) cross-entropy on 10 logits; (b) MSE to one-hot labels; "
                                "(c) one output, MSE to the class index; (d) the same with "
                                "output α f + β; (d') (c) with the last layer scaled at "
                                "initialisation instead.")
    alpha: float = param(4.5, label="Output scale α (d, d')", min=0.01, max=100.0,
                         group="Criterion", help="f'' = α f' + β (exercise: α = β = 4.5).")
    beta: float = param(4.5, label="Output shift β (d, d')", min=-100.0, max=100.0,
                        group="Criterion")
    optimizer: str = param("rmsprop", label="Optimizer", choices=OPTIMIZERS, group="Training",
                           help="RMSProp as in the exercise's solution; Adam; plain SGD.")
    lr: float = param(1e-3, label="Learning rate η", min=1e-5, max=1.0, log=True,
                      group="Training")
    batch_size: int = param(64, label="Batch size", min=1, max=60000, group="Training",
                            help="Digits per gradient step (at most the training set).")
    epochs: int = param(10, label="Epochs", min=1, max=200, group="Training",
                        help="Passes over the training set (exercise: 10 for (a), (b); "
                             "50 for (c), (d)).")
    steps: int = param(10_000_000, label="Step limit", min=1, max=10_000_000, group="Run",
                       help="Stop after this many gradient steps even if epochs remain.")
    mixed_precision: bool = param(False, label="Mixed precision (GPU)", group="Run",
                                  advanced=True,
                                  help="bfloat16 autocast on a CUDA GPU; ignored on the CPU.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run",
                      help="Same seed and settings give the same numbers (on the CPU).")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.kernel % 2 == 0:
            raise ConfigError("kernel", f"{self.kernel} is even; use an odd size (1, 3, 5, "
                                        "7, 9) so that zero padding keeps 28 × 28")
        n = training_size(self)
        if self.batch_size > n:
            which = DATASET_TITLES[self.dataset]
            limit = " (limited by 'Training digits')" if self.train_samples > 0 else ""
            raise ConfigError("batch_size", f"{self.batch_size} is larger than the training "
                                            f"set: {n} digits of the {which}{limit}; use "
                                            f"at most {n}")


def architecture(cfg: MNISTConfig) -> list[tuple[str, str, int]]:
    """The CNN layer by layer: (layer, output shape, parameters), torch-free.

    conv: z_{c,j} = Σ_{c',j'} w_{cc'}(j − j') y_{c',j'} + b_c over a k × k window (lecture
    2.11), so a layer has c·c'·k² + c parameters whatever the image size.
    """
    k, c1, c2, h = cfg.kernel, cfg.channels1, cfg.channels2, cfg.hidden
    out = n_outputs(cfg.criterion)
    flat = c2 * 7 * 7
    rows = [
        ("input image", f"1 × {SIDE} × {SIDE}", 0),
        (f"conv {k}×{k} + ReLU", f"{c1} × 28 × 28", c1 * k * k + c1),
        ("max-pool 2×2", f"{c1} × 14 × 14", 0),
        (f"conv {k}×{k} + ReLU", f"{c2} × 14 × 14", c2 * c1 * k * k + c2),
        ("max-pool 2×2", f"{c2} × 7 × 7", 0),
        ("flatten", f"{flat}", 0),
        ("dense + ReLU", f"{h}", flat * h + h),
        ("dense (nn.Linear)", f"{out}", h * out + out),
    ]
    if cfg.criterion == "d_scaled_output":
        rows.append((f"α f + β (α={cfg.alpha:g}, β={cfg.beta:g})", "1", 0))
    return rows


def parameter_count(cfg: MNISTConfig) -> int:
    return sum(p for _, _, p in architecture(cfg))


# ---- exercise A1.5 -----------------------------------------------------------------------------
S_RANGE = (-2.0, 2.0)


@dataclass(frozen=True)
class ExpectedLabelsConfig(ConfigBase):
    """Labels drawn from a known p(a|s); a softmax classifier π_θ(a|s) trained on them."""

    n_actions: int = param(3, label="Classes (actions) a", min=2, max=6, group="Task",
                           help="Number of labels a the network chooses between.")
    sharpness: float = param(1.5, label="Sharpness of p(a|s)", min=0.1, max=10.0, log=True,
                             group="Task", help="Small: labels nearly random everywhere; "
                                                "large: nearly deterministic.")
    n_train: int = param(2000, label="Training pairs (s, a)", min=10, max=200_000,
                         group="Task", help="A fixed training set drawn once.")
    fresh_samples: bool = param(False, label="Fresh samples every step", group="Task",
                                help="Draw a new batch from p(s) p(a|s) each step instead "
                                     "of reusing the fixed training set (no overfitting).")
    depth: int = param(2, label="Hidden layers", min=1, max=5, group="Network")
    width: int = param(32, label="Neurons per layer", min=2, max=256, group="Network")
    optimizer: str = param("adam", label="Optimizer", choices=OPTIMIZERS, group="Training")
    lr: float = param(1e-3, label="Learning rate η", min=1e-5, max=1.0, log=True,
                      group="Training")
    batch_size: int = param(128, label="Batch size", min=1, max=200_000, group="Training")
    steps: int = param(4000, label="Steps", min=1, max=1_000_000, group="Run",
                       help="Gradient steps in one run.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, group="Run",
                      help="Draws the training set and the initial weights.")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.fresh_samples and self.batch_size > self.n_train:
            raise ConfigError("batch_size", f"{self.batch_size} is larger than the training "
                                            f"set ({self.n_train} pairs); use at most "
                                            f"{self.n_train} or fresh samples")
