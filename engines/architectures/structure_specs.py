"""Configs and DemoSpecs of the structure demos of the architectures panel (torch-free):
message passing on graphs (8.2), soft attention on a toy database (8.3) and a small
transformer (8.4).

Bounds are what the numerics and a laptop CPU can do: graphs of at most 40 nodes per
molecule, transformers of at most 4 layers × 8 heads on sequences of at most 12 digits.
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, ConfigError, param
from engines.edits import Edit
from engines.spec import DemoSpec

GNN_TASKS = ("karate", "springs")
READOUTS = ("sum", "max")
SCORES = ("dot", "cosine", "scaled")
SEQ_TASKS = ("sort", "reverse", "add")
POSITIONS = ("sinusoidal", "none")
ATTENTION_IMPLS = ("written", "torch")


@dataclass(frozen=True)
class GnnConfig(ConfigBase):
    """A message-passing network on graphs: node classes on Zachary's karate club, or the
    energy of random spring molecules."""

    task: str = param("karate", label="Task", choices=GNN_TASKS, group="Task",
                      help="karate: which club each member of Zachary's karate club joined "
                           "after the split, learned from a few labelled members (node "
                           "classification); springs: the elastic energy of random "
                           "molecule-like spring networks of different sizes (graph "
                           "regression with a readout).")
    labelled: int = param(2, label="Labelled members per club", min=1, max=8,
                          group="Task", when={"task": ("karate",)},
                          help="The two leaders (Mr. Hi, node 0; the officer, node 33) and "
                               "randomly chosen others; the rest are the test set.")
    min_atoms: int = param(4, label="Atoms per molecule, from", min=3, max=40, group="Task",
                           when={"task": ("springs",)})
    max_atoms: int = param(12, label="… to", min=3, max=40, group="Task",
                           when={"task": ("springs",)},
                           help="Molecule sizes are drawn uniformly in this range: the same "
                                "network reads graphs of every size.")
    n_train: int = param(2000, label="Training molecules", min=50, max=20000, log=True,
                         group="Task", when={"task": ("springs",)})
    rounds: int = param(3, label="Message-passing rounds T", min=1, max=6, group="Network",
                        help="Each round: m_v = Σ_w M(x_v, x_w, e_vw), x_v ← U(x_v, m_v).")
    width: int = param(16, label="Node vector size", min=4, max=128, log=True,
                       group="Network")
    hidden: int = param(32, label="Hidden width of M, U, r", min=8, max=256, log=True,
                        group="Network", when={"task": ("springs",)},
                        help="springs: M, U and r are MLPs of this width (karate: the "
                             "linear graph-convolution messages have none).")
    readout: str = param("sum", label="Readout R", choices=READOUTS, group="Network",
                         when={"task": ("springs",)},
                         help="sum: R = Σ_v r(x_v) (an extensive energy); max: max_v r(x_v).")
    batch_size: int = param(32, label="Molecules per batch", min=1, max=512, log=True,
                            group="Training", when={"task": ("springs",)},
                            help="Batched as one combined graph (the lecture's option).")
    lr: float = param(3e-3, label="Learning rate", min=1e-5, max=3e-2, log=True,
                      group="Training")
    steps: int = param(300, label="Steps", min=1, max=100000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.min_atoms > self.max_atoms:
            raise ConfigError("max_atoms", f"{self.max_atoms} is below the smallest size "
                                           f"min_atoms = {self.min_atoms}; allowed "
                                           f"{self.min_atoms} … 40")


@dataclass(frozen=True)
class AttentionConfig(ConfigBase):
    """A query network learns to pick the object asked for out of a database of objects
    with one-hot keys (colour, shape, taste) by soft attention."""

    objects: int = param(6, label="Objects per database", min=2, max=16, group="Database",
                         help="Each database is a fresh random set of objects; the request "
                              "always names properties that single out one of them.")
    values: int = param(4, label="Values per property", min=2, max=8, group="Database",
                        help="Colours, shapes and tastes each have this many values: keys "
                             "are three one-hot blocks, d_k = 3 × this.")
    asked: int = param(1, label="Properties per request", min=1, max=3, group="Database",
                       help="1: 'the red one'; 2: 'the red round one' (partial matches "
                            "then score too, so β matters).")
    score: str = param("dot", label="Score a(q, k)", choices=SCORES, group="Attention",
                       help="dot: q·k; cosine: q·k / (|q||k|); scaled: q·k / √d_k.")
    beta: float = param(1.0, label="Sharpness β", min=0.01, max=100.0, log=True,
                        group="Attention", help="w_j = softmax(β e_j): small β spreads the "
                                                "weights, large β is hard attention.")
    learn_keys: bool = param(False, label="Learn the key format too", group="Attention",
                             help="Keys k_j = W_K h_j from the one-hot properties h_j "
                                  "instead of h_j itself.")
    hidden: int = param(32, label="Query network width", min=4, max=256, log=True,
                        group="Training")
    batch_size: int = param(64, label="Requests per batch", min=4, max=1024, log=True,
                            group="Training")
    lr: float = param(1e-2, label="Learning rate", min=1e-5, max=1e-1, log=True,
                      group="Training")
    steps: int = param(500, label="Steps", min=1, max=100000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)


@dataclass(frozen=True)
class TransformerConfig(ConfigBase):
    """An encoder transformer of a few layers trained on a digit-sequence task."""

    task: str = param("sort", label="Task", choices=SEQ_TASKS, group="Task",
                      help="sort: the digits in ascending order; reverse: backwards; add: "
                           "the digits of a + b for two numbers of the given length.")
    length: int = param(6, label="Digits", min=2, max=12, group="Task",
                        help="List length (sort, reverse) or digits of each number (add).")
    layers: int = param(2, label="Layers", min=1, max=4, group="Network")
    heads: int = param(4, label="Heads h", min=1, max=8, group="Network")
    d_model: int = param(64, label="d_model", min=8, max=256, log=True, group="Network",
                         help="Must be divisible by the number of heads: d_k = d_model / h.")
    positions: str = param("sinusoidal", label="Position encoding", choices=POSITIONS,
                           group="Network",
                           help="sinusoidal: cos/sin(ω_l j) added to the token vectors; none: "
                                "self-attention cannot tell positions apart.")
    causal: bool = param(False, label="Causal mask", group="Network",
                         help="Position t attends to positions ≤ t only.")
    attention: str = param("written", label="Attention code", choices=ATTENTION_IMPLS,
                           group="Network", advanced=True,
                           help="written: this demo's readable attention and LayerNorm; "
                                "torch: nn.MultiheadAttention and nn.LayerNorm (the same "
                                "maths, faster).")
    batch_size: int = param(128, label="Batch size", min=8, max=1024, log=True,
                            group="Training")
    lr: float = param(2e-3, label="Learning rate", min=1e-5, max=3e-2, log=True,
                      group="Training")
    steps: int = param(1000, label="Steps", min=1, max=100000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.d_model % self.heads:
            raise ConfigError("d_model", f"{self.d_model} is not divisible by heads = "
                                         f"{self.heads}; allowed multiples of {self.heads}")


# ---- edits the views send to running engines (torch-free, so views can import them) ----
@dataclass(frozen=True)
class ShuffleNodes(Edit):
    """gnn: renumber the nodes of the shown graph at random (the net is not retrained)."""


@dataclass(frozen=True)
class SetAttention(Edit):
    """attention: a new sharpness β and / or score function (None: unchanged)."""

    beta: float | None = None
    score: str | None = None


@dataclass(frozen=True)
class AskProblem(Edit):
    """transformer: show the net's answer and attention maps for this typed problem."""

    text: str = ""


DEMOS: tuple[DemoSpec, ...] = (
    DemoSpec("gnn", "Message passing on graphs", GnnConfig,
             "engines.architectures.gnn:GnnEngine",
             summary="m_v = Σ_w M(x_v, x_w, e_vw), x_v ← U(x_v, m_v) on the karate club "
                     "and spring molecules"),
    DemoSpec("attention", "Soft attention on a toy database", AttentionConfig,
             "engines.architectures.toy_database:AttentionEngine",
             summary="a query network picks objects by w_j = softmax(β a(q, k_j))"),
    DemoSpec("transformer", "A small transformer", TransformerConfig,
             "engines.architectures.transformer:TransformerEngine",
             summary="multi-head self-attention learns to sort, reverse and add digits"),
)
