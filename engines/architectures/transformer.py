"""Demo ``transformer``: a small encoder transformer (lecture 8.4) learns a digit task.

Each object j of the sequence carries a vector D_j ∈ R^{d_model}: the embedding of its
token plus (optionally) a sinusoidal position code. One layer does
    V' = LayerNorm(D + MultiHead(D))          (self-attention with a residual connection)
    D' = LayerNorm(V' + NN(V'))               (the same small network for every object)
and the layers are repeated. The attention is engines.architectures.attention (written
out); ``attention="torch"`` builds the same layers from nn.MultiheadAttention and
nn.LayerNorm instead (faster, same maths).

Tasks, written as one sequence with blank answer slots that the net fills in:
    sort     3 1 4 1 5 9 = _ _ _ _ _ _        → 1 1 3 4 5 9
    reverse  3 1 4 1 5 9 = _ _ _ _ _ _        → 9 5 1 4 1 3
    add      0 4 2 + 0 5 9 = _ _ _ _          → 0 1 0 1   (42 + 59 = 101)
The loss is the cross-entropy of the digits in the slots. ``sequence_accuracy``: the
fraction of held-out problems (never used for training) with every slot right. With the
causal mask a slot sees only what comes before it (the whole problem, earlier slots).
"""
from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import torch
from torch import nn

from engines.architectures.attention import (LayerNorm, MultiHeadSelfAttention,
                                             TorchSelfAttention, causal_mask)
from engines.architectures.seeded import build
from engines.architectures.structure_specs import AskProblem, TransformerConfig
from engines.edits import unknown_edit
from engines.generative.common import Throttle
from engines.runtime import Engine, Snapshot
from engines.edits import Edit

PLUS, EQUALS, BLANK = 10, 11, 12
VOCAB = 13
TOKEN_TEXT = "0123456789+=_"
N_TEST = 1000
EVAL_EVERY = 50


def stream(seed: int, k: int) -> int:
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


# ---- position encodings -------------------------------------------------------------------
def sinusoidal_positions(n: int, d: int) -> torch.Tensor:
    """PE[j, 2l] = sin(ω_l j), PE[j, 2l+1] = cos(ω_l j), ω_l = 10000^(−2l/d): frequencies on
    a logarithmic scale, so PE_j · PE_j' = Σ_l cos(ω_l (j − j')) depends on j − j' only."""
    j = torch.arange(n, dtype=torch.float32)[:, None]
    omega = 10000.0 ** (-torch.arange(0, d, 2, dtype=torch.float32) / d)
    pe = torch.zeros(n, d)
    pe[:, 0::2] = torch.sin(j * omega)
    pe[:, 1::2] = torch.cos(j * omega)[:, : d // 2]
    return pe


# ---- the network ---------------------------------------------------------------------------
class TransformerLayer(nn.Module):
    def __init__(self, d_model: int, heads: int, impl: str = "written"):
        super().__init__()
        if impl == "written":
            self.attention = MultiHeadSelfAttention(d_model, heads)
            self.norm1, self.norm2 = LayerNorm(d_model), LayerNorm(d_model)
        else:
            self.attention = TorchSelfAttention(d_model, heads)
            self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.nn = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.ReLU(),
                                nn.Linear(4 * d_model, d_model))

    def forward(self, D: torch.Tensor, mask: torch.Tensor | None = None):
        attended, weights = self.attention(D, mask)
        V = self.norm1(D + attended)                   # V' = LayerNorm(D + MultiHead(D))
        return self.norm2(V + self.nn(V)), weights     # D' = LayerNorm(V' + NN(V'))


class Transformer(nn.Module):
    def __init__(self, n: int, d_model: int, heads: int, layers: int,
                 positions: str = "sinusoidal", causal: bool = False, impl: str = "written"):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, d_model)
        self.register_buffer("pe", sinusoidal_positions(n, d_model)
                             if positions == "sinusoidal" else torch.zeros(n, d_model))
        self.register_buffer("mask", causal_mask(n) if causal else torch.ones(n, n).bool())
        self.causal = causal
        self.layers = nn.ModuleList(TransformerLayer(d_model, heads, impl)
                                    for _ in range(layers))
        self.out = nn.Linear(d_model, 10)

    def forward(self, tokens: torch.Tensor, with_weights: bool = False):
        """tokens (batch, n) -> digit logits (batch, n, 10) [and each layer's weights]."""
        D = self.embed(tokens) + self.pe
        mask = self.mask if self.causal else None
        weights = []
        for layer in self.layers:
            if isinstance(layer.attention, TorchSelfAttention):
                layer.attention.want_weights = with_weights
            D, w = layer(D, mask)
            weights.append(w)
        logits = self.out(D)
        return (logits, torch.stack(weights, dim=1)) if with_weights else logits


# ---- tasks ---------------------------------------------------------------------------------
class DigitTask:
    """Problems of one task as token rows (problem, '=', blank slots) and the answers."""

    def __init__(self, task: str, length: int):
        self.task, self.L = task, length
        if task == "add":
            self.n_in, self.n_out = 2 * length + 1, length + 1
        else:
            self.n_in, self.n_out = length, length
        self.n = self.n_in + 1 + self.n_out

    def problems(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """(count, n_in) random problem tokens."""
        x = rng.integers(0, 10, (count, self.n_in))
        if self.task == "add":
            x[:, self.L] = PLUS
        return x

    def answers(self, x: np.ndarray) -> np.ndarray:
        if self.task == "sort":
            return np.sort(x, axis=1)
        if self.task == "reverse":
            return x[:, ::-1].copy()
        powers = 10 ** np.arange(self.L - 1, -1, -1)
        total = x[:, :self.L] @ powers + x[:, self.L + 1:] @ powers
        digits = [(total // 10 ** k) % 10 for k in range(self.L, -1, -1)]
        return np.stack(digits, axis=1)

    def sequences(self, x: np.ndarray) -> np.ndarray:
        rows = len(x)
        return np.concatenate([x, np.full((rows, 1), EQUALS),
                               np.full((rows, self.n_out), BLANK)], axis=1)

    def allowed(self) -> str:
        if self.task == "add":
            return (f"two numbers of at most {self.L} digits joined by '+', "
                    f"e.g. {'4' * min(self.L, 2)}+{'7' * min(self.L, 3)}")
        example = " ".join("314159265358"[: self.L])
        return f"exactly {self.L} digits 0-9 (spaces and commas are ignored), e.g. {example}"

    def parse(self, text: str) -> np.ndarray:
        """A typed problem as tokens (n_in,); ValueError naming what is allowed."""
        text = str(text).strip()
        if self.task == "add":
            m = re.fullmatch(r"\s*(\d{1,%d})\s*\+\s*(\d{1,%d})\s*" % (self.L, self.L), text)
            if not m:
                raise ValueError(f"'{text[:30]}' is not a sum the net can read; "
                                 f"type {self.allowed()}.")
            a, b = (s.zfill(self.L) for s in m.groups())
            return np.array([int(c) for c in a] + [PLUS] + [int(c) for c in b])
        cleaned = re.sub(r"[\s,]", "", text)
        if not re.fullmatch(r"\d{%d}" % self.L, cleaned):
            raise ValueError(f"'{text[:30]}' is not a list the net can read; type "
                             f"{self.allowed()}.")
        return np.array([int(c) for c in cleaned])


class TransformerEngine(Engine):
    Config = TransformerConfig
    blowup_metric = "loss"
    divergence_advice = "Try a smaller learning rate."

    def __init__(self, cfg: TransformerConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.gen = torch.Generator().manual_seed(stream(cfg.seed, 1))
        self.rng = np.random.default_rng(stream(cfg.seed, 2))
        self.task = DigitTask(cfg.task, cfg.length)
        test_rng = np.random.default_rng(stream(cfg.seed, 3))
        # at most a fifth of all possible problems is held out (short lists have few)
        n_test = min(N_TEST, 10 ** (2 * cfg.length if cfg.task == "add" else cfg.length) // 5)
        test = np.unique(self.task.problems(3 * n_test, test_rng), axis=0)
        test = test[test_rng.permutation(len(test))[:n_test]]
        self.test_x = test
        self.test_keys = {row.tobytes() for row in test}
        self.test_seq = self._t(self.task.sequences(test))
        self.test_y = self.task.answers(test)
        self.model = build(lambda: Transformer(self.task.n, cfg.d_model, cfg.heads,
                                               cfg.layers, cfg.positions, cfg.causal,
                                               cfg.attention), self.gen).to(self.device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.loss = math.nan
        self.query = test[0].copy()             # the problem shown (typed or the first)
        self.query_text = ""
        self.throttle = Throttle(0.5)
        self.last_eval: dict[str, float] = {}
        self.last_eval_step = -1

    def _t(self, a) -> torch.Tensor:
        return torch.as_tensor(np.asarray(a), dtype=torch.long, device=self.device)

    def lr_now(self) -> float:
        """A short warm-up (post-LayerNorm transformers dislike a full step at once)."""
        return self.cfg.lr * min(1.0, (self.step + 1) / 100)

    def train_step(self) -> None:
        self.model.train()
        x = np.zeros((0, self.task.n_in), dtype=np.int64)
        while len(x) == 0:                         # held-out problems are never trained on
            x = self.task.problems(self.cfg.batch_size, self.rng)
            x = x[np.array([row.tobytes() not in self.test_keys for row in x])]
        seq, y = self._t(self.task.sequences(x)), self._t(self.task.answers(x))
        logits = self.model(seq)[:, -self.task.n_out:]
        loss = nn.functional.cross_entropy(logits.reshape(-1, 10), y.reshape(-1))
        for g in self.opt.param_groups:
            g["lr"] = self.lr_now()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.loss = float(loss.detach())

    @torch.no_grad()
    def predict(self, seq: torch.Tensor) -> np.ndarray:
        self.model.eval()
        return self.model(seq)[:, -self.task.n_out:].argmax(-1).cpu().numpy()

    def evaluate(self) -> dict[str, float]:
        """Accuracies on the held-out problems (cached per step: the pictures reuse the
        last evaluation of the history instead of paying for their own)."""
        if self.last_eval_step != self.step:
            pred = self.predict(self.test_seq)
            right = pred == self.test_y
            self.last_eval = {"sequence_accuracy": float(right.all(axis=1).mean()),
                              "token_accuracy": float(right.mean())}
            self.last_eval_step = self.step
        return dict(self.last_eval)

    def apply_edit(self, change: Edit) -> None:
        """AskProblem("3 1 4 1 5 9"): show the net's answer and attention for this problem
        (refused with what is allowed when it cannot be read)."""
        if not isinstance(change, AskProblem):
            raise unknown_edit(self, change, "AskProblem")
        self.query = self.task.parse(change.text)
        self.query_text = str(change.text)[:60]
        self.throttle.clear()

    @torch.no_grad()
    def pictures(self, final: bool = False) -> dict[str, Any]:
        self.model.eval()
        seq = self._t(self.task.sequences(self.query[None]))
        logits, weights = self.model(seq, with_weights=True)
        pred = logits[0, -self.task.n_out:].argmax(-1).cpu().numpy()
        answer = self.task.answers(self.query[None])[0]
        arrays = {"tokens": seq[0].cpu().numpy().astype(float),
                  "prediction": pred.astype(float), "answer": answer.astype(float),
                  "attention": weights[0].double().cpu().numpy(),
                  "position_encoding": self.model.pe.double().cpu().numpy()}
        evaluation = self.evaluate() if final or not self.last_eval else self.last_eval
        return {"metrics": {**evaluation,
                            "query_correct": float(np.array_equal(pred, answer))},
                "arrays": arrays}

    def history_metrics(self) -> dict[str, float]:
        out = {"loss": self.loss}
        if self.step % EVAL_EVERY == 0:
            out.update(self.evaluate())
        return out

    def snapshot(self, final: bool = False) -> Snapshot:
        pic = self.throttle.get(self.step, final, lambda: self.pictures(final))
        metrics = {"loss": self.loss, **pic["metrics"]}
        metrics = {k: float(v) for k, v in metrics.items() if math.isfinite(v)}
        return Snapshot(step=self.step, metrics=metrics, arrays=dict(pic["arrays"]),
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "model": self.model.state_dict(),
                "opt": self.opt.state_dict(), "gen": self.gen.get_state(),
                "rng": self.rng.bit_generator.state, "loss": self.loss,
                "query": self.query.tolist(), "query_text": self.query_text}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        self.gen.set_state(state["gen"])
        self.rng.bit_generator.state = state["rng"]
        self.loss = float(state["loss"])
        query = np.asarray(state["query"], dtype=np.int64)
        if query.shape != (self.task.n_in,):
            raise ValueError("the saved problem does not fit this task")
        self.query, self.query_text = query, str(state["query_text"])
        self.throttle.clear()
