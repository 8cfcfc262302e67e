"""Configs and DemoSpecs of the sequence demos of the architectures panel (torch-free).

- ``dynamics-rnn`` (8.1, "introduction via physics"): learn the time evolution of a damped
  oscillator, a pendulum or the Lorenz system three ways: the right-hand side f_θ(x)
  integrated with Euler, the direct map x(0) → x(t), a residual recurrence
  x⁽ⁿ⁺¹⁾ = x⁽ⁿ⁾ + f_θ(x⁽ⁿ⁾) trained through its N steps.
- ``memory``: the adding problem with sequence length T; a vanilla RNN, an LSTM and a GRU
  (written out in engines.architectures.cells) side by side, against the "predict the
  mean" baseline, with ‖∂L/∂h_t‖ over t and the gates over time.
- ``char-model``: an LSTM or GRU language model on the bundled Shakespeare (the text of
  the information panel), sampled at a temperature, its bits per character on held-out
  text next to the letter n-grams of chapter 4.

Bounds are what the numerics can do on a CPU: sequence lengths and widths where one
training step stays below a second, learning rates where Adam on these nets stays finite.
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, param
from engines.edits import Edit
from engines.spec import DemoSpec

SYSTEMS = ("oscillator", "pendulum", "lorenz")
RESIDUAL_LOSSES = ("end", "every_step")
CELLS = ("lstm", "gru", "rnn")
LM_CELLS = ("lstm", "gru")
IMPLEMENTATIONS = ("written", "torch")
#: The gates each cell reports (rows of the memory demo's heatmap), in this order; the
#: vanilla RNN has none, its heatmap shows h_t itself.
GATE_NAMES = {"rnn": ("h",), "lstm": ("f", "i", "o"), "gru": ("z", "r")}

_IMPL_HELP = ("written: the cells of engines/architectures/cells.py, the lecture's formulas "
              "line by line; torch: torch's own nn.LSTM / nn.GRU / nn.RNN with the same "
              "weights (several times faster, see benchmarks/lstm_cells.py). Gates and "
              "gradients are always drawn from the written cell.")


# ---- edits (what the views send a running engine) ---------------------------------------
@dataclass(frozen=True)
class SetLength(Edit):
    """memory: a new sequence length T for the adding problem (the held-out set follows)."""

    value: int


@dataclass(frozen=True)
class SetTemperature(Edit):
    """char-model: sample at this temperature from now on (a new sample follows at once)."""

    value: float


@dataclass(frozen=True)
class Resample(Edit):
    """char-model: write a new sample now."""


@dataclass(frozen=True)
class DynamicsRNNConfig(ConfigBase):
    """Three ways a network can learn dx/dt = f(x), all trained side by side."""

    system: str = param("oscillator", label="System", choices=SYSTEMS, group="System",
                        help="oscillator: ẍ = −x − γẋ (linear); pendulum: d²θ/dt² = −sin θ − γdθ/dt "
                             "(non-linear); lorenz: ẋ = 10(y − x), ẏ = x(28 − z) − y, "
                             "ż = xy − 8z/3 (chaotic, the hard case).")
    damping: float = param(0.2, label="Damping γ", min=0.0, max=2.0, group="System",
                           when={"system": ("oscillator", "pendulum")})
    horizon: float = param(6.0, label="Horizon T", min=0.1, max=20.0, group="System",
                           help="The time x(T) that options 2 and 3 learn to reach "
                                "(Lorenz: try 0.5-1; it is chaotic beyond).")
    n_steps: int = param(10, label="Recurrence steps N", min=1, max=100, group="Networks",
                         help="Option 3: x⁽ⁿ⁺¹⁾ = x⁽ⁿ⁾ + f_θ(x⁽ⁿ⁾), n = 0 … N−1, one step "
                              "stands for T/N; option 2 predicts x at the same N times.")
    euler_steps: int = param(200, label="Euler steps (option 1)", min=10, max=2000,
                             log=True, group="Networks",
                             help="Option 1 integrates ẋ = f_θ(x) with this many Euler "
                                  "steps over T.")
    residual_loss: str = param("end", label="Option 3 loss", choices=RESIDUAL_LOSSES,
                               group="Networks",
                               help="end: only x⁽ᴺ⁾ is compared with x(T), as in the "
                                    "lecture; every_step: every x⁽ⁿ⁾ with x(nT/N).")
    hidden: int = param(64, label="Hidden width", min=8, max=256, log=True,
                        group="Networks")
    n_train: int = param(2000, label="Training trajectories", min=50, max=20000, log=True,
                         group="Training")
    batch_size: int = param(128, label="Batch size", min=8, max=2048, log=True,
                            group="Training")
    lr: float = param(1e-3, label="Learning rate", min=1e-5, max=3e-2, log=True,
                      group="Training")
    steps: int = param(3000, label="Steps", min=1, max=200000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)


@dataclass(frozen=True)
class MemoryConfig(ConfigBase):
    """The adding problem: remember two marked numbers over T steps, output their sum."""

    length: int = param(50, label="Sequence length T", min=5, max=300, group="Task",
                        help="The two marked numbers lie in the first and the second half "
                             "of the sequence: the cell must carry the first one over up "
                             "to T steps. Can be changed mid-run.")
    cell: str = param("lstm", label="Cell", choices=CELLS, group="Model",
                      help="The cell whose gates are drawn and whose loss is the "
                           "headline; with 'compare' the other two train alongside on "
                           "the same batches.")
    compare: bool = param(True, label="Train all three cells", group="Model")
    hidden: int = param(32, label="Hidden units H", min=4, max=256, log=True, group="Model")
    forget_bias: float = param(1.0, label="LSTM forget bias", min=-3.0, max=5.0,
                               group="Model", advanced=True,
                               help="Initial b_f: 1 starts the LSTM remembering (f ≈ 0.73).")
    implementation: str = param("written", label="Implementation", choices=IMPLEMENTATIONS,
                                group="Model", advanced=True, help=_IMPL_HELP)
    batch_size: int = param(64, label="Batch size", min=4, max=1024, log=True,
                            group="Training")
    lr: float = param(3e-3, label="Learning rate", min=1e-5, max=3e-2, log=True,
                      group="Training")
    clip: float = param(1.0, label="Gradient clip", min=0.0, max=100.0, group="Training",
                        help="Largest gradient norm (0: no clipping); without it the "
                             "vanilla RNN's exploding gradients can wreck a run.")
    steps: int = param(1200, label="Steps", min=1, max=200000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)


@dataclass(frozen=True)
class CharModelConfig(ConfigBase):
    """An LSTM or GRU predicts the next letter of Shakespeare (27 symbols, a–z and space)."""

    cell: str = param("lstm", label="Cell", choices=LM_CELLS, group="Model")
    hidden: int = param(128, label="Hidden units H", min=8, max=512, log=True,
                        group="Model")
    implementation: str = param("written", label="Implementation", choices=IMPLEMENTATIONS,
                                group="Model", advanced=True, help=_IMPL_HELP)
    seq_len: int = param(64, label="Sequence length", min=8, max=256, log=True,
                         group="Training",
                         help="Characters per training window (back-propagation through "
                              "this many steps).")
    batch_size: int = param(32, label="Batch size", min=1, max=512, log=True,
                            group="Training")
    lr: float = param(3e-3, label="Learning rate", min=1e-5, max=3e-2, log=True,
                      group="Training")
    clip: float = param(1.0, label="Gradient clip", min=0.0, max=100.0, group="Training")
    temperature: float = param(0.8, label="Temperature", min=0.05, max=3.0, group="Sampling",
                               help="Samples are drawn from p^(1/T): small T picks the "
                                    "likeliest letters, large T is closer to uniform. Can "
                                    "be changed mid-run.")
    sample_every: int = param(50, label="New sample every", min=1, max=10000, log=True,
                              unit="steps", group="Sampling")
    sample_len: int = param(240, label="Sample length", min=20, max=2000, log=True,
                            unit="chars", group="Sampling")
    held_out: float = param(0.1, label="Held-out fraction", min=0.02, max=0.5,
                            group="Evaluation",
                            help="The end of the text, never trained on (the same split "
                                 "as the information panel's n-grams).")
    eval_chars: int = param(20000, label="Held-out characters scored", min=1000,
                            max=200000, log=True, group="Evaluation", advanced=True)
    eval_every: int = param(100, label="Evaluate every", min=1, max=10000, log=True,
                            unit="steps", group="Evaluation", advanced=True)
    steps: int = param(1000, label="Steps", min=1, max=200000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)


DEMOS: tuple[DemoSpec, ...] = (
    DemoSpec("dynamics-rnn", "Learning time evolution", DynamicsRNNConfig,
             "engines.architectures.time_evolution:TimeEvolutionEngine",
             summary="learn f(x) and integrate, learn x(0) → x(T), or a residual recurrence"),
    DemoSpec("memory", "Memory: RNN vs LSTM vs GRU", MemoryConfig,
             "engines.architectures.memory:MemoryEngine",
             summary="the adding problem over T steps, gradients ‖∂L/∂h_t‖ and gates"),
    DemoSpec("char-model", "Character-level language model", CharModelConfig,
             "engines.architectures.char_model:CharModelEngine",
             summary="an LSTM writes Shakespeare; bits per character against n-grams"),
)
