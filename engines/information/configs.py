"""Configs of the information demos (lecture chapter 4), in one torch-free module.

Probabilities are kept away from 0 and 1 by the bounds (an 80 %/20 % source with
p = 1 has no entropy to compress and a zero-probability symbol has no Huffman codeword
worth showing); edits from the panel are checked against the same limits.
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, param
from engines.edits import Edit

DISTRIBUTIONS = ("lecture", "dyadic", "uniform", "geometric", "zipf", "random")
CODES = ("huffman", "shannon", "fano")
LETTER_ORDERS = ("0", "1", "2", "3", "4", "5")
TEXT_MODELS = LETTER_ORDERS + ("word1", "word2")
DENSITIES = ("gaussian", "uniform", "laplace", "mixture")
MAPS = ("affine", "exp", "cube", "sinh", "logistic")
MAPS_2D = ("linear", "coupling")
#: Smallest probability a typed or dragged bar may take (before renormalising).
MIN_PROB = 1e-4


@dataclass(frozen=True)
class SourceConfig(ConfigBase):
    """Entropy of a source of N symbols; joint table of two variables; concavity."""

    n_symbols: int = param(6, label="Symbols N", min=2, max=16,
                           help="Size of the alphabet; H ≤ log₂ N.")
    distribution: str = param("lecture", label="Distribution", choices=DISTRIBUTIONS,
                              help="Starting distribution (bars can be dragged or typed)."
                                   " lecture: 0.4, 0.2, 0.15, 0.1, 0.1, 0.05 padded.")
    coupling: float = param(0.5, label="Coupling of X and Y", min=0.0, max=1.0,
                            group="Two variables",
                            help="Joint table P(x,y) = (1−c)·P(x)P(y) + c·P(x)δ(x,y) on 3×3: "
                                 "c = 0 independent, c = 1 Y copies X.")
    mix: float = param(0.5, label="Mixing λ", min=0.0, max=1.0, group="Two variables",
                       help="P' = λP + (1−λ)Q with Q the reversed distribution.")
    steps: int = param(20000, label="Samples", min=1, max=1_000_000,
                       help="One symbol drawn per step; the empirical entropy approaches H.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)


@dataclass(frozen=True)
class CodesConfig(ConfigBase):
    """Fano, Shannon and Huffman codes built step by step, then a message encoded."""

    n_symbols: int = param(6, label="Symbols N", min=2, max=16)
    distribution: str = param("lecture", label="Distribution", choices=DISTRIBUTIONS)
    steps: int = param(20000, label="Steps", min=1, max=1_000_000,
                       help="The first steps build the codes (one split / one codeword / "
                            "one merge per step); then one message symbol is encoded per step.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)


@dataclass(frozen=True)
class BlocksConfig(ConfigBase):
    """Huffman codes for blocks of n symbols of a binary source."""

    p_one: float = param(0.8, label="P('1')", min=0.01, max=0.99,
                         help="The lecture's source emits '1' with 80 %, '0' with 20 %: "
                              "H = 0.722 bits.")
    max_block: int = param(12, label="Largest block n", min=1, max=16,
                           help="Huffman codes of 2ⁿ block symbols for n = 1 … this.")
    block: int = param(4, label="Streamed block n", min=1, max=16,
                       help="The block length used to encode the live stream (≤ largest n).")
    symbols_per_step: int = param(4096, label="Symbols per step", min=16, max=65536, log=True)
    steps: int = param(300, label="Steps", min=1, max=10_000)
    compress_every: int = param(10, label="Compressor check every", min=1, max=1000,
                                advanced=True, unit="steps",
                                help="zlib/bz2/lzma rerun on the whole stream this often.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)

    def __post_init__(self):
        super().__post_init__()
        from engines.config import ConfigError
        if self.block > self.max_block:
            raise ConfigError("block", f"{self.block} is larger than the largest block "
                                       f"n = {self.max_block}")


@dataclass(frozen=True)
class TextConfig(ConfigBase):
    """Letter and word models of English: generated text and bits per character."""

    order: str = param("3", label="Model", choices=TEXT_MODELS,
                       help="Letter models: order 0 = uniform over 27 symbols, 1 = letter "
                            "frequencies, k = the previous k−1 letters as context. word1/word2:"
                            " word frequencies / word pairs.")
    temperature: float = param(1.0, label="Temperature", min=0.05, max=5.0, log=True,
                               help="Samples from p^(1/T), renormalised: T < 1 sharper, "
                                    "T > 1 flatter.")
    smoothing: float = param(1.0, label="Smoothing β", min=0.01, max=100.0, log=True,
                             advanced=True,
                             help="Each order is pulled towards the next lower one with "
                                  "weight β (so unseen contexts still get a probability).")
    held_out: float = param(0.1, label="Held-out fraction", min=0.02, max=0.5,
                            help="The end of the text that the models never see.")
    chars_per_step: int = param(12, label="Characters per step", min=1, max=200,
                                help="Generated per model per step; the arithmetic coder "
                                     "also encodes this many held-out characters × 100.")
    text_path: str = param("", label="Text file", advanced=True,
                           help="Empty: the bundled Shakespeare plays. Otherwise any UTF-8 "
                                "text file.")
    steps: int = param(300, label="Steps", min=1, max=100_000)
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)


@dataclass(frozen=True)
class ContinuousConfig(ConfigBase):
    """Differential entropy: discretisation, change of variables, 2-d Jacobians."""

    density: str = param("gaussian", label="Density p(x)", choices=DENSITIES)
    sigma: float = param(1.0, label="Width σ", min=0.05, max=10.0, log=True,
                         help="Standard deviation (gaussian, laplace, mixture components)"
                              " or half-width (uniform).")
    mapping: str = param("exp", label="Map y = f(x)", choices=MAPS,
                         help="affine: 2x + 1; exp: eˣ; cube: x³ + x; sinh; logistic.")
    mapping_2d: str = param("coupling", label="2-d map", choices=MAPS_2D,
                            help="linear: y = A x; coupling: y₁ = x₁, y₂ = x₂·e^(s(x₁)) + "
                                 "t(x₁), the layer of a normalizing flow.")
    eps_min: float = param(1e-3, label="Finest ε", min=1e-4, max=0.1, log=True)
    eps_max: float = param(2.0, label="Coarsest ε", min=0.2, max=5.0, log=True)
    samples_per_step: int = param(2000, label="Samples per step", min=10, max=100_000, log=True)
    steps: int = param(1000, label="Steps", min=1, max=100_000,
                       help="ε shrinks from coarsest to finest over the first steps; "
                            "samples for ⟨log|f'|⟩ accumulate all along.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1)


# ---- edits a view sends a running engine (engines.edits) ----------------------------------
@dataclass(frozen=True)
class SetProb(Edit):
    """source, codes: bar ``index`` set to ``value``, the others rescaled to sum 1."""
    index: int
    value: float


@dataclass(frozen=True)
class SetProbs(Edit):
    """source, codes: a whole typed distribution (non-negative weights, renormalised)."""
    probs: tuple[float, ...]


@dataclass(frozen=True)
class SetCoupling(Edit):
    """source: the coupling c of the joint table's two variables."""
    value: float


@dataclass(frozen=True)
class SetMix(Edit):
    """source: the mixing weight λ of p and its mirror image."""
    value: float


@dataclass(frozen=True)
class RestartBuild(Edit):
    """codes: build the codes again from the first merge."""


@dataclass(frozen=True)
class SetBitProb(Edit):
    """blocks: P('1') of the binary source (codes rebuilt, stream restarted)."""
    value: float


@dataclass(frozen=True)
class SetBlock(Edit):
    """blocks: the block length n (the stream continues)."""
    n: int


@dataclass(frozen=True)
class SetTemperature(Edit):
    """text: the sampling temperature T."""
    value: float


@dataclass(frozen=True)
class SetOrder(Edit):
    """text: the model the arithmetic coder uses (one of TEXT_MODELS; the coder restarts)."""
    order: str


@dataclass(frozen=True)
class ClearSamples(Edit):
    """text: start the generated samples afresh."""
