"""Coding blocks of symbols (lecture 4.2's 80 %/20 % example).

A binary source emits '1' with probability p. Taking n symbols at a time gives a source
of 2ⁿ block symbols with P(block) = p^k (1−p)^(n−k) for k ones; its Huffman code obeys
H_n ≤ ⟨L_n⟩ < H_n + 1 with H_n = n·H, so per source symbol

    H ≤ ⟨L_n⟩ / n < H + 1/n     →  H as n grows.

The run streams a long sample: each step draws ``symbols_per_step`` symbols, cuts them
into blocks of the chosen n and adds up the Huffman codeword lengths of the blocks, i.e.
the length of the real encoded bit stream (one code table lookup per block). Every
``compress_every`` steps zlib, bz2 and lzma compress the same stream (packed 8 symbols per
byte) for comparison. Edits: ``SetBitProb(value=p)`` (new source: codes rebuilt,
stream restarted) and ``SetBlock(n=n)`` (the stream continues with the new
block length; the achieved rate restarts).
"""
from __future__ import annotations

import bz2
import lzma
import zlib

import numpy as np

from engines.edits import Edit
from engines.information.coding import huffman_lengths
from engines.information.common import _number, load_rng, rng_state
from engines.information.configs import BlocksConfig, SetBitProb, SetBlock
from engines.runtime import Engine, Snapshot

COMPRESSORS = {"zlib": lambda b: zlib.compress(b, 9), "bz2": lambda b: bz2.compress(b, 9),
               "lzma": lambda b: lzma.compress(b, preset=6)}
#: The stream kept for the compressors (older symbols drop out): 2^22 symbols = 512 kB.
MAX_STREAM = 1 << 22


def binary_entropy_bits(p: float) -> float:
    return float(-(p * np.log2(p) + (1 - p) * np.log2(1 - p)))


def block_probabilities(p: float, n: int) -> np.ndarray:
    """P of each of the 2ⁿ blocks, indexed by the block read as a binary number."""
    ones = np.zeros(1 << n, dtype=np.int64)
    for bit in range(n):
        ones += (np.arange(1 << n) >> bit) & 1
    return p ** ones * (1 - p) ** (n - ones)


def block_code(p: float, n: int) -> tuple[np.ndarray, float]:
    """(Huffman codeword length of every block, ⟨L_n⟩)."""
    probs = block_probabilities(p, n)
    lengths = huffman_lengths(probs)
    return lengths, float(np.dot(probs, lengths))


class BlocksEngine(Engine):
    Config = BlocksConfig

    def __init__(self, cfg: BlocksConfig, device=None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(cfg.seed)
        self.block = cfg.block
        self._set_p(cfg.p_one)

    def _set_p(self, p: float) -> None:
        self.p = float(p)
        self.codes = {}
        self.avg_len = np.zeros(self.cfg.max_block)
        for n in range(1, self.cfg.max_block + 1):
            lengths, avg = block_code(self.p, n)
            self.codes[n] = lengths
            self.avg_len[n - 1] = avg
        self._reset_stream()

    def _reset_stream(self) -> None:
        self.stream = np.zeros(0, dtype=np.uint8)   # the symbols for the compressors
        self.pending = np.zeros(0, dtype=np.uint8)  # symbols waiting to fill a block
        self.coded_symbols = 0
        self.coded_bits = 0
        self.compressed = {name: float("nan") for name in COMPRESSORS}

    # ---- the run ---------------------------------------------------------------------------
    def train_step(self) -> None:
        new = (self.rng.random(self.cfg.symbols_per_step) < self.p).astype(np.uint8)
        self.stream = np.concatenate([self.stream, new])[-MAX_STREAM:]
        todo = np.concatenate([self.pending, new])
        n = self.block
        usable = todo.size - todo.size % n
        blocks = todo[:usable].reshape(-1, n)
        # block value = its bits read as a binary number (first symbol = highest bit)
        values = blocks.astype(np.int64) @ (1 << np.arange(n - 1, -1, -1))
        self.coded_bits += int(self.codes[n][values].sum())
        self.coded_symbols += usable
        self.pending = todo[usable:]
        if (self.step + 1) % self.cfg.compress_every == 0:
            self._run_compressors()

    def _run_compressors(self) -> None:
        if self.stream.size < 8:
            return
        packed = np.packbits(self.stream[: self.stream.size - self.stream.size % 8]).tobytes()
        symbols = 8 * len(packed)
        for name, fn in COMPRESSORS.items():
            self.compressed[name] = 8.0 * len(fn(packed)) / symbols

    def quantities(self) -> dict[str, float]:
        h = binary_entropy_bits(self.p)
        n = self.block
        out = {"entropy_bits": h,
               "bits_per_symbol": self.coded_bits / self.coded_symbols
               if self.coded_symbols else float(self.avg_len[n - 1] / n),
               "expected_bits_per_symbol": float(self.avg_len[n - 1] / n),
               "upper_bound_bits": h + 1.0 / n, "block": float(n),
               "symbols": float(self.coded_symbols)}
        for name, value in self.compressed.items():
            out[f"{name}_bits_per_symbol"] = value
        return out

    def history_metrics(self) -> dict[str, float]:
        q = self.quantities()
        return {k: q[k] for k in ("bits_per_symbol", "expected_bits_per_symbol",
                                  "entropy_bits")}

    # ---- edits -----------------------------------------------------------------------------
    def apply_edit(self, change: Edit) -> None:
        if isinstance(change, SetBitProb):
            v = _number(change.value, "P('1')")
            if not 0.01 <= v <= 0.99:
                raise ValueError(f"P('1') must lie between 0.01 and 0.99, not {v:g}")
            self._set_p(v)
        elif isinstance(change, SetBlock):
            v = _number(change.n, "block length")
            if v != int(v) or not 1 <= v <= self.cfg.max_block:
                raise ValueError(f"block length must be a whole number from 1 to "
                                 f"{self.cfg.max_block}, not {change.n!r}")
            self.block = int(v)
            self.pending = np.zeros(0, dtype=np.uint8)
            self.coded_symbols = self.coded_bits = 0
        else:
            raise ValueError(f"unknown edit {type(change).__name__}: use SetBitProb or SetBlock")

    # ---- output ---------------------------------------------------------------------------
    def snapshot(self, final: bool = False) -> Snapshot:
        metrics = self.quantities()
        # compressor numbers are NaN until their first run: report the latest stream then
        if final:
            self._run_compressors()
            metrics = self.quantities()
        for name in COMPRESSORS:
            if not np.isfinite(metrics[f"{name}_bits_per_symbol"]):
                metrics[f"{name}_bits_per_symbol"] = 0.0
        ns = np.arange(1, self.cfg.max_block + 1)
        h = metrics["entropy_bits"]
        n = self.block
        arrays = {"block_n": ns.astype(float), "avg_len_per_symbol": self.avg_len / ns,
                  "lower_bound": np.full(ns.size, h), "upper_bound": h + 1.0 / ns,
                  "stream_tail": self.stream[-256:].copy(),
                  "code_lengths_streamed": self.codes[n].copy() if n <= 10
                  else self.codes[n][:1024].copy(),
                  "block_probs_streamed": block_probabilities(self.p, min(n, 10))}
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict:
        return {**self.base_state(), "p": self.p, "block": self.block,
                "stream": self.stream.tolist(), "pending": self.pending.tolist(),
                "coded_symbols": self.coded_symbols, "coded_bits": self.coded_bits,
                "compressed": dict(self.compressed), "rng": rng_state(self.rng)}

    def load_state_dict(self, state: dict) -> None:
        self.load_base_state(state)
        self._set_p(float(state["p"]))
        self.block = int(state["block"])
        self.stream = np.array(state["stream"], dtype=np.uint8)
        self.pending = np.array(state["pending"], dtype=np.uint8)
        self.coded_symbols, self.coded_bits = int(state["coded_symbols"]), int(state["coded_bits"])
        self.compressed = {k: float(v) for k, v in state["compressed"].items()}
        self.rng = load_rng(state["rng"])
