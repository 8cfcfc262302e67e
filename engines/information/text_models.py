"""Models of English (lecture 4.2): letter n-grams of order 0 … 5 and word models of
order 1 and 2, fitted on the bundled text (or the user's file), generating text live,
Shannon's approximations, and their bits per character on held-out text next to
log₂ 27 ≈ 4.75 and to zlib, bz2 and lzma.

The cross-entropy on held-out text is the code length an arithmetic coder driven by the
model reaches; the run also drives a real one (engines.information.ngram) with the chosen
letter model (order 5 while a word model is chosen), so its actual output size can be
compared. Each step appends ``chars_per_step`` generated characters to every model's
sample and encodes 100 × that many held-out characters.

Edits (engines.information.configs): ``SetTemperature(value=T)``, ``SetOrder(order="3")``
(the coder restarts with the new model) and ``ClearSamples()``.
"""
from __future__ import annotations

import bz2
import lzma
import zlib

import numpy as np

from engines.edits import Edit
from engines.information.common import _number, load_rng, rng_state
from engines.information.configs import (LETTER_ORDERS, TEXT_MODELS, ClearSamples, SetOrder,
                                         SetTemperature, TextConfig)
from engines.information.ngram import (MAX_ORDER, ArithmeticEncoder, LetterModel, WordModel,
                                       encode_symbols, frequencies, sample_with_temperature)
from engines.information.text import (ALPHABET, TextFileError, decode_letters, letter_stream,
                                      load_text_file)
from engines.runtime import Engine, Snapshot

SHOW_CHARS = 600          # characters of each generated sample kept for display
MIN_LETTERS = 2000
CODER_FACTOR = 100        # held-out characters encoded per generated character


def compressor_bits_per_char(data: bytes) -> dict[str, float]:
    return {"zlib": 8.0 * len(zlib.compress(data, 9)) / len(data),
            "bz2": 8.0 * len(bz2.compress(data, 9)) / len(data),
            "lzma": 8.0 * len(lzma.compress(data, preset=6)) / len(data)}


class TextEngine(Engine):
    Config = TextConfig
    divergence_advice = "Try a larger smoothing β."

    def __init__(self, cfg: TextConfig, device=None):
        super().__init__(cfg, device)
        text = load_text_file(cfg.text_path) if cfg.text_path else None
        x = letter_stream(text)
        if x.size < MIN_LETTERS:
            raise TextFileError(f"the text has only {x.size} letters; at least {MIN_LETTERS} "
                                f"are needed to fit and test the models")
        cut = int(round(x.size * (1.0 - cfg.held_out)))
        while cut < x.size - 1 and x[cut - 1] != 0:   # cut at a word boundary
            cut += 1
        self.train, self.test = x[:cut].astype(np.int64), x[cut:].astype(np.int64)
        self.letters = LetterModel(self.train, MAX_ORDER, cfg.smoothing)
        train_words = decode_letters(self.train).split()
        self.test_words = decode_letters(self.test).split()
        self.words = WordModel(train_words, self.letters, beta=10.0 * cfg.smoothing)
        self.bpc = {f"bpc_{k}": self.letters.bits_per_char(int(k), self.test)
                    for k in LETTER_ORDERS}
        self.bpc["bpc_word1"] = self.words.bits_per_char(1, self.test_words)
        self.bpc["bpc_word2"] = self.words.bits_per_char(2, self.test_words)
        test_bytes = decode_letters(self.test).encode("ascii")
        self.compressors = compressor_bits_per_char(test_bytes)
        self.rng = np.random.default_rng(cfg.seed)
        self.temperature = cfg.temperature
        self.order = cfg.order
        self._clear_samples()
        self._reset_coder()

    # ---- state pieces ----------------------------------------------------------------------
    def _clear_samples(self) -> None:
        self.samples = {k: [] for k in LETTER_ORDERS}          # letter codes
        self.word_samples = {"word1": [], "word2": []}          # word ids
        self.generated = {k: 0 for k in TEXT_MODELS}

    def _reset_coder(self) -> None:
        self.coder = ArithmeticEncoder()
        self.coded = 0                      # held-out symbols encoded (after the first 4)
        self.coder_ideal_bits = 0.0

    @property
    def coder_order(self) -> int:
        return int(self.order) if self.order in LETTER_ORDERS else MAX_ORDER

    # ---- the run ---------------------------------------------------------------------------
    def train_step(self) -> None:
        n, T = self.cfg.chars_per_step, self.temperature
        for k in LETTER_ORDERS:
            seq, order = self.samples[k], int(k)
            for _ in range(n):
                ctx = np.array([0] * MAX_ORDER + seq[-MAX_ORDER:], dtype=np.int64)[-MAX_ORDER:]
                p = self.letters.distribution(order, ctx)[0]
                seq.append(sample_with_temperature(p, T, self.rng))
            del seq[:-SHOW_CHARS]
            self.generated[k] += n
        for name, order in (("word1", 1), ("word2", 2)):
            seq, grown = self.word_samples[name], 0
            while grown < n:
                prev = seq[-1] if seq else -1
                w = self.words.sample(order, prev, T, self.rng)
                seq.append(w)
                grown += len(self.words.vocab[w]) + 1
            del seq[:-SHOW_CHARS // 3]
            self.generated[name] += grown
        self._code_chunk(CODER_FACTOR * n)

    def _code_chunk(self, count: int) -> None:
        start = MAX_ORDER - 1 + self.coded
        stop = min(self.test.size, start + count)
        if stop <= start:
            return
        idx = np.arange(start, stop)
        ctx = np.stack([self.test[idx - j] for j in range(MAX_ORDER - 1, 0, -1)], axis=1)
        p = self.letters.distribution(self.coder_order, ctx)
        freqs = frequencies(p)
        symbols = self.test[start:stop]
        encode_symbols(freqs, symbols, self.coder)
        self.coder_ideal_bits += float(-np.log2(p[np.arange(symbols.size), symbols]).sum())
        self.coded += stop - start

    def quantities(self) -> dict[str, float]:
        out = {"bits_per_char": self.bpc[f"bpc_{self.order}"],
               "max_bits_per_char": float(np.log2(len(ALPHABET))), **self.bpc,
               "temperature": float(self.temperature),
               "train_chars": float(self.train.size), "test_chars": float(self.test.size)}
        for name, v in self.compressors.items():
            out[f"{name}_bits_per_char"] = v
        coded = max(1, self.coded)
        out["coder_chars"] = float(self.coded)
        out["coder_order"] = float(self.coder_order)
        out["coder_bytes"] = float((len(self.coder.bits) + self.coder.pending + 2 + 7) // 8)
        out["coder_bits_per_char"] = 8.0 * out["coder_bytes"] / coded if self.coded else 0.0
        out["coder_ideal_bits_per_char"] = self.coder_ideal_bits / coded
        return out

    def history_metrics(self) -> dict[str, float]:
        q = self.quantities()
        return {k: q[k] for k in ("coder_bits_per_char", "coder_ideal_bits_per_char",
                                  "bits_per_char")}

    # ---- edits -----------------------------------------------------------------------------
    def apply_edit(self, change: Edit) -> None:
        if isinstance(change, SetTemperature):
            v = _number(change.value, "temperature")
            if not 0.05 <= v <= 5.0:
                raise ValueError(f"temperature must lie between 0.05 and 5, not {v:g}")
            self.temperature = v
        elif isinstance(change, SetOrder):
            order = str(change.order)
            if order not in TEXT_MODELS:
                raise ValueError(f"unknown model {order!r}; choose one of "
                                 f"{', '.join(TEXT_MODELS)}")
            self.order = order
            self._reset_coder()
        elif isinstance(change, ClearSamples):
            self._clear_samples()
        else:
            raise ValueError(f"unknown edit {type(change).__name__}: use SetTemperature, "
                             f"SetOrder or ClearSamples")

    # ---- output ---------------------------------------------------------------------------
    def sample_text(self, name: str) -> str:
        if name in self.samples:
            return decode_letters(self.samples[name])
        return " ".join(self.words.vocab[i] for i in self.word_samples[name])

    def snapshot(self, final: bool = False) -> Snapshot:
        arrays = {f"sample_{k}": np.frombuffer(self.sample_text(k)[-SHOW_CHARS:].encode(
            "ascii"), dtype=np.uint8).copy() for k in TEXT_MODELS}
        arrays["model_bits_per_char"] = np.array([self.bpc[f"bpc_{k}"] for k in TEXT_MODELS])
        arrays["letter_orders"] = np.arange(len(LETTER_ORDERS), dtype=float)
        arrays["compressor_bits_per_char"] = np.array(list(self.compressors.values()))
        arrays["letter_frequencies"] = np.bincount(self.train, minlength=27) / self.train.size
        return Snapshot(step=self.step, metrics=self.quantities(), arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict:
        return {**self.base_state(), "temperature": self.temperature, "order": self.order,
                "samples": {k: list(v) for k, v in self.samples.items()},
                "word_samples": {k: [int(i) for i in v] for k, v in self.word_samples.items()},
                "generated": dict(self.generated), "coder": self.coder.state_dict(),
                "coded": self.coded, "coder_ideal_bits": self.coder_ideal_bits,
                "rng": rng_state(self.rng)}

    def load_state_dict(self, state: dict) -> None:
        self.load_base_state(state)
        self.temperature = float(state["temperature"])
        self.order = str(state["order"])
        self.samples = {k: [int(c) for c in v] for k, v in state["samples"].items()}
        self.word_samples = {k: [int(i) for i in v] for k, v in state["word_samples"].items()}
        self.generated = {k: int(v) for k, v in state["generated"].items()}
        self.coder = ArithmeticEncoder()
        self.coder.load_state_dict(state["coder"])
        self.coded = int(state["coded"])
        self.coder_ideal_bits = float(state["coder_ideal_bits"])
        self.rng = load_rng(state["rng"])
