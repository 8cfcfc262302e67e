"""Memory over long sequences (lecture 8.1): the adding problem for a vanilla RNN, an LSTM
and a GRU, all written out in :mod:`engines.architectures.cells`.

Task: a sequence of T steps, each with two inputs, a number v_t ~ U(0, 1) and a marker
m_t ∈ {0, 1}; exactly two markers are set, one in the first half and one in the second.
After the last step the network outputs y = Σ_t m_t v_t (a linear readout of h_T). The
loss is the mean squared error; predicting the mean E[y] = 1 without looking at the
sequence scores Var(y) = 2 · 1/12 = 1/6, the baseline: ``loss_over_baseline`` = MSE / (1/6)
near 1 means nothing was remembered, near 0 that the task is solved.

The gradient reaching the state at time t, ‖∂L/∂h_t‖, is the lecture's product of
Jacobians J_{T−1} ⋯ J_t: for the vanilla RNN it shrinks (or grows) geometrically as t moves
away from T; the LSTM's cell state C_t = f_t ⊙ C_{t−1} + … passes it on unchanged where
f_t ≈ 1. Both it and the gates over time are measured on held-out sequences with the
written cell (also when training uses torch's modules).

Edits: ``SetLength(T)`` changes the sequence length mid-run (the held-out set is redrawn
for the new T).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from engines.architectures.cells import Recurrent, seeded_linear, unroll
from engines.architectures.sequence_specs import CELLS, GATE_NAMES, MemoryConfig, SetLength
from engines.config import field_meta
from engines.edits import unknown_edit
from engines.generative.common import Throttle
from engines.runtime import Engine, Snapshot
from engines.edits import Edit

BASELINE = 1.0 / 6.0        # Var(v + v') for two independent U(0, 1)
N_EVAL = 256                # held-out sequences
N_DIAG = 32                 # of those, used for ‖∂L/∂h_t‖
EVAL_EVERY = 25             # held-out loss into the history every this many steps
ORDER = ("rnn", "lstm", "gru")   # order of the per-cell arrays


def stream(seed: int, k: int) -> int:
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def adding_batch(length: int, batch: int, gen: torch.Generator
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """x (T, B, 2): numbers and markers; y (B,): the sum of the two marked numbers."""
    values = torch.rand(length, batch, generator=gen)
    half = length // 2
    first = torch.randint(0, half, (batch,), generator=gen)
    second = torch.randint(half, length, (batch,), generator=gen)
    markers = torch.zeros(length, batch)
    cols = torch.arange(batch)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    y = (values * markers).sum(0)
    return torch.stack([values, markers], dim=-1), y


class MemoryEngine(Engine):
    Config = MemoryConfig
    blowup_metric = None
    divergence_advice = "Try a smaller learning rate or a gradient clip."

    def __init__(self, cfg: MemoryConfig, device=None):
        super().__init__(cfg, device)
        self.kinds = [cfg.cell] + ([k for k in CELLS if k != cfg.cell] if cfg.compare else [])
        init = torch.Generator().manual_seed(stream(cfg.seed, 1))
        self.models: dict[str, Recurrent] = {}
        self.readouts: dict[str, torch.nn.Linear] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        for kind in CELLS:              # same init draws whatever is compared
            model = Recurrent(kind, 2, cfg.hidden, init, cfg.implementation, cfg.forget_bias)
            readout = seeded_linear(cfg.hidden, 1, init)
            if kind in self.kinds:
                self.models[kind], self.readouts[kind] = model, readout
                params = list(model.parameters()) + list(readout.parameters())
                self.optimizers[kind] = torch.optim.Adam(params, lr=cfg.lr)
        self.gen = torch.Generator().manual_seed(stream(cfg.seed, 2))
        self.loss = {k: BASELINE for k in self.kinds}
        self.throttle = Throttle(0.5)
        self._set_length(cfg.length)

    # ---- data -------------------------------------------------------------------------------
    def _set_length(self, length: int) -> None:
        self.length = int(length)
        eval_gen = torch.Generator().manual_seed(stream(self.cfg.seed, 1000 + self.length))
        self.eval_x, self.eval_y = adding_batch(self.length, N_EVAL, eval_gen)
        self.throttle.clear()

    # ---- training ---------------------------------------------------------------------------
    def predict(self, kind: str, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.models[kind](x)
        return self.readouts[kind](out[-1])[:, 0]

    def train_step(self) -> None:
        x, y = adding_batch(self.length, self.cfg.batch_size, self.gen)
        for kind in self.kinds:
            opt = self.optimizers[kind]
            loss = torch.mean((self.predict(kind, x) - y) ** 2)
            opt.zero_grad()
            loss.backward()
            if self.cfg.clip > 0:
                params = [p for group in opt.param_groups for p in group["params"]]
                torch.nn.utils.clip_grad_norm_(params, self.cfg.clip)
            opt.step()
            self.loss[kind] = float(loss.detach())

    @torch.no_grad()
    def eval_loss(self, kind: str) -> float:
        return float(torch.mean((self.predict(kind, self.eval_x) - self.eval_y) ** 2))

    def history_metrics(self) -> dict[str, float]:
        out = {f"train_{k}": self.loss[k] / BASELINE for k in self.kinds}
        if self.step % EVAL_EVERY == 0:
            out.update({f"eval_{k}": self.eval_loss(k) / BASELINE for k in self.kinds})
        out["length"] = float(self.length)
        return out

    # ---- diagnostics ------------------------------------------------------------------------
    def diagnose(self, kind: str) -> dict[str, np.ndarray]:
        """‖∂L/∂h_t‖ (mean over N_DIAG held-out sequences) and the gates of sequence 0."""
        cell = self.models[kind].written_copy()
        readout = self.readouts[kind]
        x, y = self.eval_x[:, :N_DIAG], self.eval_y[:N_DIAG]
        with torch.enable_grad():
            out, _, rec = unroll(cell, x, keep=True)
            loss = torch.mean((readout(out[-1])[:, 0] - y) ** 2)
            grads = torch.autograd.grad(loss, rec["h"])
        norms = torch.stack([g.norm(dim=1).mean() for g in grads]).numpy()
        gates = np.concatenate([np.stack([g[name][0].numpy() for g in rec["gates"]], axis=1)
                                for name in GATE_NAMES[kind]], axis=0)   # (n·H, T)
        return {"grad": norms.astype(float), "gates": gates.astype(float)}

    def _pictures(self) -> dict[str, Any]:
        diag = {k: self.diagnose(k) for k in self.kinds}
        eval_ratio = {k: self.eval_loss(k) / BASELINE for k in self.kinds}
        with torch.no_grad():
            pred = {k: float(self.predict(k, self.eval_x[:, :1])[0]) for k in self.kinds}
        arrays = {"t": np.arange(self.length, dtype=float),
                  "values": self.eval_x[:, 0, 0].numpy().astype(float),
                  "markers": self.eval_x[:, 0, 1].numpy().astype(float),
                  "gates": diag[self.cfg.cell]["gates"],
                  "loss_over_baseline_cells": np.array(
                      [eval_ratio.get(k, np.nan) for k in ORDER]),
                  "prediction_cells": np.array([pred.get(k, np.nan) for k in ORDER])}
        for k in ORDER:
            arrays[f"grad_norm_{k}"] = diag[k]["grad"] if k in diag else np.zeros(0)
        metrics = {"loss_over_baseline": eval_ratio[self.cfg.cell],
                   **{f"loss_over_baseline_{k}": v for k, v in eval_ratio.items()},
                   "target_example": float(self.eval_y[0]),
                   "prediction_example": pred[self.cfg.cell]}
        grad = diag[self.cfg.cell]["grad"]
        # how much of the gradient at the end reaches the first step (log10 of the ratio)
        metrics["grad_decay_log10"] = float(np.log10(max(grad[0], 1e-30) / max(grad[-1], 1e-30)))
        return {"arrays": arrays, "metrics": metrics}

    def snapshot(self, final: bool = False) -> Snapshot:
        pics = self.throttle.get(self.step, final, self._pictures)
        metrics = {**pics["metrics"], "length": float(self.length), "baseline": BASELINE,
                   "cell_index": float(CELLS.index(self.cfg.cell)),
                   "train_loss_over_baseline": self.loss[self.cfg.cell] / BASELINE}
        metrics = {k: float(v) for k, v in metrics.items() if math.isfinite(v)}
        return Snapshot(step=self.step, metrics=metrics, arrays=dict(pics["arrays"]),
                        history=self.history.arrays(), final=final)

    # ---- edits and state --------------------------------------------------------------------
    def apply_edit(self, change: Edit) -> None:
        if not isinstance(change, SetLength):
            raise unknown_edit(self, change, "SetLength")
        meta = field_meta(MemoryConfig, "length")
        try:
            value = float(change.value)
        except (TypeError, ValueError):
            raise ValueError("the sequence length must be a number") from None
        if not (math.isfinite(value) and value == int(value)
                and meta["min"] <= value <= meta["max"]):
            raise ValueError(f"the sequence length T must be a whole number from "
                             f"{meta['min']} to {meta['max']}, not {value:g}")
        self._set_length(int(value))

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "length": self.length, "loss": dict(self.loss),
                "gen": self.gen.get_state(),
                "models": {k: m.state_dict() for k, m in self.models.items()},
                "readouts": {k: r.state_dict() for k, r in self.readouts.items()},
                "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if set(state["models"]) != set(self.models):
            raise ValueError("the saved run trained other cells than this configuration")
        self.load_base_state(state)
        for k in self.kinds:
            self.models[k].load_state_dict(state["models"][k])
            self.readouts[k].load_state_dict(state["readouts"][k])
            self.optimizers[k].load_state_dict(state["optimizers"][k])
        self.loss = {k: float(v) for k, v in state["loss"].items()}
        self.gen.set_state(state["gen"])
        self._set_length(int(state["length"]))
