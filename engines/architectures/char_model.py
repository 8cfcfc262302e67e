"""A character-level language model (lecture 8.1, after Karpathy's "The unreasonable
effectiveness of recurrent neural networks"): an LSTM or GRU reads Shakespeare one letter
at a time and predicts the next one.

The text and its alphabet are the information panel's (engines.information.text): the
bundled plays mapped onto the 27 symbols a–z and space, split into the same training part
and held-out end. At each step the net sees a batch of random windows x_1 … x_L and is
trained on the cross-entropy −Σ_j P_j ln Q_j of its softmax Q against the true next
letter (P = 1 for it). Its bits per character on held-out text, −(1/n) Σ_t log₂ Q(x_t | x_<t),
are drawn next to those of the letter n-gram models of chapter 4 (engines.information.ngram,
fitted on the same training text, scored on the same characters) and log₂ 27 ≈ 4.75.

Every ``sample_every`` steps the net writes ``sample_len`` letters, each drawn from
Q^(1/T) renormalised (temperature T). Edits: ``SetTemperature(T)`` (a new sample at that
temperature follows at once) and ``Resample()``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from engines.architectures.cells import Recurrent, seeded_linear
from engines.architectures.sequence_specs import CharModelConfig, Resample, SetTemperature
from engines.config import field_meta
from engines.edits import unknown_edit
from engines.information.ngram import MAX_ORDER, LetterModel, sample_with_temperature
from engines.information.text import ALPHABET, decode_letters, letter_stream
from engines.runtime import Engine, Snapshot
from engines.edits import Edit

K = len(ALPHABET)            # 27 symbols
WARMUP = 100                 # characters read (not scored) before each held-out segment
SEGMENTS = 20                # the held-out text is scored as this many parallel streams
KEEP_SAMPLES = 5             # samples kept for display (newest last)
NGRAM_ORDERS = tuple(range(MAX_ORDER + 1))


def stream(seed: int, k: int) -> int:
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def split_text(x: np.ndarray, held_out: float) -> tuple[np.ndarray, np.ndarray]:
    """Training part and held-out end, cut after a space (as the information panel does)."""
    cut = int(round(x.size * (1.0 - held_out)))
    while cut < x.size - 1 and x[cut - 1] != 0:
        cut += 1
    return x[:cut].astype(np.int64), x[cut:].astype(np.int64)


class CharModelEngine(Engine):
    Config = CharModelConfig
    blowup_metric = "train_bits_per_char"
    divergence_advice = "Try a smaller learning rate or a gradient clip."

    def __init__(self, cfg: CharModelConfig, device=None):
        super().__init__(cfg, device)
        self.train_text, test = split_text(letter_stream(), cfg.held_out)
        n_eval = min(cfg.eval_chars, test.size - WARMUP)
        n_eval -= n_eval % SEGMENTS
        self.eval_text = test[:WARMUP + n_eval]       # scored: positions WARMUP … end
        ngrams = LetterModel(self.train_text, MAX_ORDER, beta=1.0)
        scored = self.eval_text[WARMUP - (MAX_ORDER - 1):]   # bits_per_char skips MAX_ORDER−1
        self.ngram_bpc = np.array([ngrams.bits_per_char(k, scored) for k in NGRAM_ORDERS])
        init = torch.Generator().manual_seed(stream(cfg.seed, 1))
        self.rnn = Recurrent(cfg.cell, K, cfg.hidden, init, cfg.implementation)
        self.readout = seeded_linear(cfg.hidden, K, init)
        self.params = list(self.rnn.parameters()) + list(self.readout.parameters())
        self.optimizer = torch.optim.Adam(self.params, lr=cfg.lr)
        self.gen = torch.Generator().manual_seed(stream(cfg.seed, 2))
        self.rng = np.random.default_rng(stream(cfg.seed, 3))
        self.temperature = cfg.temperature
        self.train_bpc = math.log2(K)
        self.eval_bpc = math.nan
        self.samples: list[tuple[int, float, str]] = []     # (step, temperature, text)

    # ---- the model --------------------------------------------------------------------------
    def logits(self, codes: torch.Tensor, state=None):
        """codes (T, B) → logits (T, B, 27) and the last state."""
        out, state = self.rnn(F.one_hot(codes, K).float(), state)
        return self.readout(out), state

    def train_step(self) -> None:
        cfg = self.cfg
        L = cfg.seq_len
        starts = torch.randint(0, self.train_text.size - L - 1, (cfg.batch_size,),
                               generator=self.gen).numpy()
        window = torch.as_tensor(self.train_text[starts[None, :] + np.arange(L + 1)[:, None]])
        logits, _ = self.logits(window[:-1])
        loss = F.cross_entropy(logits.reshape(-1, K), window[1:].reshape(-1))   # nats
        self.optimizer.zero_grad()
        loss.backward()
        if cfg.clip > 0:
            torch.nn.utils.clip_grad_norm_(self.params, cfg.clip)
        self.optimizer.step()
        self.train_bpc = float(loss.detach()) / math.log(2.0)
        if (self.step + 1) % cfg.sample_every == 0:
            self._new_sample(self.step + 1)

    @torch.no_grad()
    def held_out_bpc(self) -> float:
        """−(1/n) Σ log₂ Q(x_t | x_<t) over the scored held-out characters; SEGMENTS
        parallel streams, each first reading the WARMUP characters before it."""
        n = (self.eval_text.size - WARMUP) // SEGMENTS
        first = WARMUP + n * np.arange(SEGMENTS)
        idx = first[None, :] + np.arange(-WARMUP, n)[:, None]          # (WARMUP + n, S)
        codes = torch.as_tensor(self.eval_text[idx])
        logits, _ = self.logits(codes[:-1])
        logq = F.log_softmax(logits[WARMUP - 1:], dim=-1)              # predicts codes[WARMUP:]
        target = codes[WARMUP:]
        nll = -logq.gather(-1, target[..., None]).mean()
        return float(nll) / math.log(2.0)

    @torch.no_grad()
    def sample(self, length: int, temperature: float) -> str:
        """``length`` letters from Q^(1/T), starting after a space."""
        code = torch.zeros(1, 1, dtype=torch.long)
        state, out = None, []
        for _ in range(length):
            logits, state = self.logits(code, state)
            p = torch.softmax(logits[0, 0].double(), dim=-1).numpy()
            c = sample_with_temperature(p, temperature, self.rng)
            out.append(c)
            code = torch.full((1, 1), c, dtype=torch.long)
        return decode_letters(out)

    def _new_sample(self, step: int) -> None:
        text = self.sample(self.cfg.sample_len, self.temperature)
        self.samples.append((step, self.temperature, text))
        del self.samples[:-KEEP_SAMPLES]

    # ---- metrics ----------------------------------------------------------------------------
    def history_metrics(self) -> dict[str, float]:
        out = {"train_bits_per_char": self.train_bpc, "temperature": self.temperature}
        if self.step % self.cfg.eval_every == 0:
            self.eval_bpc = self.held_out_bpc()
            out["bits_per_char"] = self.eval_bpc
        return out

    def snapshot(self, final: bool = False) -> Snapshot:
        metrics = {"train_bits_per_char": self.train_bpc, "temperature": self.temperature,
                   "max_bits_per_char": math.log2(K),
                   "eval_chars": float(self.eval_text.size - WARMUP),
                   "train_chars": float(self.train_text.size),
                   **{f"bpc_ngram_{k}": float(v) for k, v in zip(NGRAM_ORDERS, self.ngram_bpc)}}
        # the final picture scores the final net (a pure read: nothing is stored)
        bpc = self.held_out_bpc() if final else self.eval_bpc
        if math.isfinite(bpc):
            metrics["bits_per_char"] = bpc
        texts = [f"step {s} · T = {t:.2f}\n{txt}" for s, t, txt in self.samples]
        arrays = {"ngram_bits_per_char": self.ngram_bpc.copy(),
                  "samples": np.frombuffer("\n\n".join(texts[::-1]).encode("utf-8"),
                                           dtype=np.uint8).copy()}
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    # ---- edits and state --------------------------------------------------------------------
    def apply_edit(self, change: Edit) -> None:
        if isinstance(change, SetTemperature):
            meta = field_meta(CharModelConfig, "temperature")
            try:
                value = float(change.value)
            except (TypeError, ValueError):
                raise ValueError("the temperature must be a number") from None
            if not (math.isfinite(value) and meta["min"] <= value <= meta["max"]):
                raise ValueError(f"the temperature must lie between {meta['min']:g} and "
                                 f"{meta['max']:g}, not {value:g}")
            self.temperature = value
            self._new_sample(self.step)
        elif isinstance(change, Resample):
            self._new_sample(self.step)
        else:
            raise unknown_edit(self, change, "SetTemperature or Resample")

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "rnn": self.rnn.state_dict(),
                "readout": self.readout.state_dict(), "optimizer": self.optimizer.state_dict(),
                "gen": self.gen.get_state(), "rng": self.rng.bit_generator.state,
                "temperature": self.temperature, "train_bpc": self.train_bpc,
                "eval_bpc": self.eval_bpc,
                "samples": [[int(s), float(t), txt] for s, t, txt in self.samples]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.rnn.load_state_dict(state["rnn"])
        self.readout.load_state_dict(state["readout"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.gen.set_state(state["gen"])
        self.rng.bit_generator.state = state["rng"]
        self.temperature = float(state["temperature"])
        self.train_bpc = float(state["train_bpc"])
        self.eval_bpc = float(state["eval_bpc"])
        self.samples = [(int(s), float(t), str(txt)) for s, t, txt in state["samples"]]
