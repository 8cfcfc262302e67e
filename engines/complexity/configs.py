"""Configs of the chapter-11 demos (algorithmic complexity), in one torch-free module.

Bounds are what the pure-Python searches can finish: programs of the tiny machine are
enumerated exhaustively, and their number roughly doubles per extra bit (about 20 000
programs of exactly 20 bits), so program lengths stop at 20 bits (Levin) and 19 bits
(Solomonoff, where every program is run once for the cut-off time T).
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, ConfigError, param
from engines.edits import Edit

SEQUENCES = ("alternating", "unary_counter", "period3", "ones", "custom")
LEVIN_TARGETS = SEQUENCES + ("square_root",)
SOLOMONOFF_SEQUENCES = SEQUENCES + ("coin",)
SYMBOLIC_TARGETS = ("lecture", "kepler", "pendulum", "coulomb", "relativistic", "csv")
CODE_SOURCES = ("words", "lengths")


def check_bits(key: str, text: str, allow_empty: bool = True) -> str:
    """The 0/1 characters of ``text`` (spaces and commas ignored); ConfigError otherwise."""
    bits = "".join(ch for ch in text if ch not in " ,_\t\n")
    for i, ch in enumerate(bits):
        if ch not in "01":
            raise ConfigError(key, f"character {i + 1} is {ch!r}; type only 0 and 1")
    if not bits and not allow_empty:
        raise ConfigError(key, "type at least one bit (0 or 1)")
    return bits


@dataclass(frozen=True)
class LevinConfig(ConfigBase):
    target: str = param("unary_counter", label="Target", choices=LEVIN_TARGETS,
                        help="What the program must output: a bit sequence (its first n bits), "
                             "or, for square_root, a halting output x with x·x = y "
                             "(x read as a binary number): an inversion problem ϕ(x) = y.")
    custom_bits: str = param("0110", label="Custom bits",
                             help="The target for 'custom': 0s and 1s.",
                             when={"target": ("custom",)})
    target_bits: int = param(12, label="Target length n", min=2, max=40, unit="bits",
                             help="How many bits of the sequence the program must print.")
    y: int = param(169, label="y (find x with x² = y)", min=1, max=1_000_000,
                   when={"target": ("square_root",)})
    max_length: int = param(20, label="Last phase ℓ", min=4, max=20, unit="bits",
                            help="The search gives up after phase ℓ (2^(ℓ+1) steps in all).")
    stop_when_found: bool = param(True, label="Stop when found",
                                  help="Stop after the first phase that finds a program.")
    steps: int = param(400, label="Work units", min=1, max=100_000,
                       help="One unit runs all programs of one length in one phase.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.target == "custom":
            check_bits("custom_bits", self.custom_bits, allow_empty=False)


@dataclass(frozen=True)
class SolomonoffConfig(ConfigBase):
    sequence: str = param("unary_counter", label="Sequence", choices=SOLOMONOFF_SEQUENCES,
                          help="Where the bits come from; coin: independent bits with "
                               "P(1) = p; custom: the bits typed below.")
    custom_bits: str = param("0010010010010010", label="Custom bits",
                             help="0s and 1s; bits beyond them continue periodically.",
                             when={"sequence": ("custom",)})
    coin_p: float = param(0.7, label="Coin P(1)", min=0.0, max=1.0,
                          when={"sequence": ("coin",)})
    max_length: int = param(17, label="Longest program", min=6, max=19, unit="bits",
                            help="All programs up to this length are the hypotheses.")
    cutoff: int = param(300, label="Time cut-off T", min=10, max=3000, unit="steps",
                        help="Each program runs at most T steps (the machine M_T).")
    ngram: int = param(2, label="n-gram order", min=0, max=6,
                       help="Context length of the n-gram predictor shown for comparison.")
    steps: int = param(40, label="Bits", min=1, max=64,
                       help="How many bits arrive (one per step).")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.sequence == "custom":
            check_bits("custom_bits", self.custom_bits, allow_empty=False)


@dataclass(frozen=True)
class CodesConfig(ConfigBase):
    source: str = param("words", label="Build the code from", choices=CODE_SOURCES,
                        help="words: the code words typed below; lengths: a canonical "
                             "prefix-free code with the given word lengths.")
    words: str = param("0, 10, 110, 1110", label="Code words",
                       help="Comma-separated bit strings.", when={"source": ("words",)})
    lengths: str = param("1, 2, 3, 3", label="Word lengths",
                         help="Comma-separated lengths l(p) (1 … 24).",
                         when={"source": ("lengths",)})
    stream: str = param("110111010", label="Bit stream",
                        help="Decoded first; then random coin flips follow "
                             "(a random program).")
    steps: int = param(400, label="Bits read", min=1, max=200_000)
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_bits("stream", self.stream)
        from engines.complexity.codes import canonical_code, parse_lengths, parse_words
        try:
            if self.source == "words":
                parse_words(self.words)
            else:
                canonical_code(parse_lengths(self.lengths))
        except ValueError as err:
            raise ConfigError(self.source, str(err)) from None


@dataclass(frozen=True)
class SymbolicConfig(ConfigBase):
    target: str = param("lecture", label="Data", choices=SYMBOLIC_TARGETS,
                        help="lecture: x·(3+y) + π/x; kepler: T = a^1.5; pendulum: "
                             "T = 2π√(L/g); coulomb: F = q₁q₂/r²; relativistic: "
                             "E = m/√(1−v²) (c = 1); csv: the file below.")
    csv_path: str = param("", label="CSV file",
                          help="Columns x[, y], target (a header line is allowed).",
                          when={"target": ("csv",)})
    noise: float = param(0.0, label="Noise", min=0.0, max=1.0, unit="× std",
                         help="Gaussian noise, relative to the target's standard deviation.")
    n_points: int = param(60, label="Data points", min=10, max=2000)
    max_nodes: int = param(7, label="Largest tree", min=1, max=9, unit="nodes",
                           help="Trees are enumerated up to this many nodes; 7 takes about a "
                                "minute, 8 and 9 many minutes (x·(3+y) + π/x has 9).")
    steps: int = param(400, label="Work units", min=1, max=100_000,
                       help="One unit tries a batch of 20 000 candidate trees.")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)


# ---- edits a view sends a running engine (engines.edits) ----------------------------------
@dataclass(frozen=True)
class Bits(Edit):
    """solomonoff: typed bits, appended to the sequence the predictors see next."""
    bits: str


@dataclass(frozen=True)
class Feed(Edit):
    """codes: typed bits for the decoder to read next."""
    bits: str


@dataclass(frozen=True)
class SetWords(Edit):
    """codes: a whole new code, its words separated by commas or spaces."""
    words: str


@dataclass(frozen=True)
class FromLengths(Edit):
    """codes: the canonical prefix code of the given word lengths ("2,2,2,2")."""
    lengths: str


@dataclass(frozen=True)
class AddWord(Edit):
    """codes: one more code word."""
    word: str


@dataclass(frozen=True)
class RemoveWord(Edit):
    """codes: drop a code word (one must stay)."""
    word: str
