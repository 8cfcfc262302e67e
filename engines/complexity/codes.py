"""Prefix-free codes and Kraft's inequality (lecture 11.2).

A code is prefix-free when no code word is the beginning of another; then a bit stream
can be cut into words as it arrives (no look-ahead), and
    Σ_p 2^−l(p) ≤ 1                                   (Kraft's inequality).
Conversely, any lengths with Σ 2^−l ≤ 1 have a prefix-free code (the canonical code:
sort by length, give each word the next free binary number). Reading coin flips until a
word is complete draws word p with probability 2^−l(p): "a random program" is
well-defined, and with probability 1 − Σ 2^−l the flips run into a dead end (no word can
still be completed) — impossible for a complete code (Σ = 1).

One engine step reads one bit: first the typed stream, then coin flips.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from engines.complexity.configs import (AddWord, CodesConfig, Feed, FromLengths, RemoveWord,
                                        SetWords, check_bits)
from engines.edits import Edit
from engines.runtime import Engine, Snapshot

MAX_WORDS = 64
MAX_LENGTH = 24
SHOWN = 60


def parse_words(text: str) -> list[str]:
    """Code words from 'w1, w2, …'; ValueError naming the bad word."""
    words = [w.strip() for w in text.replace(";", ",").split(",") if w.strip()]
    if not words:
        raise ValueError("type at least one code word, e.g. 0, 10, 110")
    if len(words) > MAX_WORDS:
        raise ValueError(f"{len(words)} code words; at most {MAX_WORDS}")
    for k, w in enumerate(words):
        if any(ch not in "01" for ch in w):
            raise ValueError(f"code word {k + 1} ({w!r}) may contain only 0 and 1")
        if len(w) > MAX_LENGTH:
            raise ValueError(f"code word {k + 1} is {len(w)} bits long; at most {MAX_LENGTH}")
    seen = set()
    for w in words:
        if w in seen:
            raise ValueError(f"code word {w!r} appears twice")
        seen.add(w)
    return words


def parse_lengths(text: str) -> list[int]:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise ValueError("type at least one word length, e.g. 1, 2, 3, 3")
    if len(parts) > MAX_WORDS:
        raise ValueError(f"{len(parts)} lengths; at most {MAX_WORDS}")
    out = []
    for k, p in enumerate(parts):
        try:
            n = int(p)
        except ValueError:
            raise ValueError(f"length {k + 1} ({p!r}) is not a whole number") from None
        if not 1 <= n <= MAX_LENGTH:
            raise ValueError(f"length {k + 1} is {n}; allowed 1 … {MAX_LENGTH}")
        out.append(n)
    return out


def kraft_sum(words) -> float:
    return float(sum(2.0 ** -len(w) for w in words))


def prefix_conflicts(words) -> list[tuple[str, str]]:
    """Pairs (a, b) where a is a proper prefix of b."""
    return [(a, b) for a in words for b in words if a != b and b.startswith(a)]


def canonical_code(lengths) -> list[str]:
    """The canonical prefix-free code with these lengths (in the given order).

    ValueError when Σ 2^−l > 1: then no prefix-free code exists (Kraft)."""
    total = sum(2.0 ** -n for n in lengths)
    if total > 1.0:
        raise ValueError(f"Σ 2^−l = {total:g} > 1: no prefix-free code has these lengths "
                         f"(Kraft's inequality)")
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    words = [""] * len(lengths)
    value, prev = 0, 0
    for i in order:
        n = lengths[i]
        value <<= n - prev
        words[i] = format(value, f"0{n}b")
        value += 1
        prev = n
    return words


def decode_stream(words, bits: str) -> tuple[list[str], str]:
    """Cut ``bits`` into code words left to right (the first word that matches; for a
    prefix-free code the only one). Returns (words, left-over bits)."""
    out, buf = [], ""
    wordset = set(words)
    for b in bits:
        buf += b
        if buf in wordset:
            out.append(buf)
            buf = ""
    return out, buf


class CodesEngine(Engine):
    Config = CodesConfig
    divergence_advice = "Please report this: the code counts only finite numbers."

    def __init__(self, cfg: CodesConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(cfg.seed)
        self.words = (parse_words(cfg.words) if cfg.source == "words"
                      else canonical_code(parse_lengths(cfg.lengths)))
        self.queued = check_bits("stream", cfg.stream)
        self.reset_counts()

    def reset_counts(self) -> None:
        self.buffer = ""
        self.decoded: list[str] = []
        self.counts = {w: 0 for w in self.words}
        self.dead_ends = 0
        self.random_words = 0      # words completed from coin flips only
        self.from_coin = True      # the current word was begun by a coin flip
        self.bits_read = 0

    # ---- reading -------------------------------------------------------------------------
    def alive(self, buf: str) -> bool:
        return any(w.startswith(buf) for w in self.words)

    def train_step(self) -> None:
        if self.queued:
            bit, self.queued = self.queued[0], self.queued[1:]
            if not self.buffer:
                self.from_coin = False
        else:
            bit = "1" if self.rng.random() < 0.5 else "0"
        self.bits_read += 1
        self.buffer += bit
        if self.buffer in self.counts:
            self.decoded.append(self.buffer)
            if self.from_coin:
                self.counts[self.buffer] += 1
                self.random_words += 1
            self.buffer, self.from_coin = "", True
        elif not self.alive(self.buffer):
            # No code word starts like this: the probability 1 − Σ 2^−l lands here.
            if self.from_coin:
                self.dead_ends += 1
            self.decoded.append("✗" + self.buffer)
            self.buffer, self.from_coin = "", True
        self.decoded = self.decoded[-SHOWN:]

    def apply_edit(self, change: Edit) -> None:
        if isinstance(change, Feed):
            try:
                self.queued += check_bits("bits", str(change.bits), False)
            except ValueError as err:
                raise ValueError(f"bit stream: {err}") from None
            return
        if isinstance(change, SetWords):
            words = parse_words(str(change.words))
        elif isinstance(change, FromLengths):
            words = canonical_code(parse_lengths(str(change.lengths)))
        elif isinstance(change, AddWord):
            words = parse_words(",".join(self.words + [str(change.word)]))
        elif isinstance(change, RemoveWord):
            word = str(change.word).strip()
            if word not in self.words:
                raise ValueError(f"{word!r} is not a code word")
            if len(self.words) == 1:
                raise ValueError("a code needs at least one word")
            words = [w for w in self.words if w != word]
        else:
            raise ValueError(f"unknown edit {type(change).__name__}; use Feed, SetWords, "
                             f"FromLengths, AddWord or RemoveWord")
        self.words = words
        self.reset_counts()

    # ---- the numbers shown ---------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        n = self.random_words + self.dead_ends
        return {"kraft_sum": kraft_sum(self.words),
                "prefix_free": float(not prefix_conflicts(self.words)),
                "random_words": float(self.random_words), "dead_ends": float(self.dead_ends),
                "dead_end_rate": self.dead_ends / n if n else 0.0}

    def snapshot(self, final: bool = False) -> Snapshot:
        conflicts = prefix_conflicts(self.words)
        n = self.random_words + self.dead_ends
        metrics = {**self.history_metrics(), "n_words": float(len(self.words)),
                   "bits_read": float(self.bits_read),
                   "expected_dead_end_rate": max(0.0, 1.0 - kraft_sum(self.words))}
        arrays = {
            "words": np.array(self.words, dtype=str),
            "word_lengths": np.array([len(w) for w in self.words], dtype=float),
            "word_probability": np.array([2.0 ** -len(w) for w in self.words]),
            "word_counts": np.array([self.counts[w] for w in self.words], dtype=float),
            "word_frequency": np.array([self.counts[w] / n if n else 0.0 for w in self.words]),
            "conflicts": np.array([f"{a} ⊏ {b}" for a, b in conflicts], dtype=str),
            "decoded": np.array(self.decoded, dtype=str),
            "buffer": np.array([self.buffer], dtype=str),
            "queued": np.array([self.queued[:200]], dtype=str),
        }
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "rng": self.rng.bit_generator.state,
                "words": list(self.words), "queued": self.queued, "buffer": self.buffer,
                "decoded": list(self.decoded), "counts": [self.counts[w] for w in self.words],
                "dead_ends": self.dead_ends, "random_words": self.random_words,
                "from_coin": self.from_coin, "bits_read": self.bits_read}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        words = [str(w) for w in state["words"]]
        self.load_base_state(state)
        self.rng.bit_generator.state = state["rng"]
        self.words = words
        self.queued, self.buffer = str(state["queued"]), str(state["buffer"])
        self.decoded = [str(d) for d in state["decoded"]]
        self.counts = {w: int(c) for w, c in zip(words, state["counts"])}
        self.dead_ends, self.random_words = int(state["dead_ends"]), int(state["random_words"])
        self.from_coin, self.bits_read = bool(state["from_coin"]), int(state["bits_read"])
