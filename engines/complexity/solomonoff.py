"""Solomonoff induction (lecture 11.5) with the tiny machine M_T of :mod:`.machine`.

Hypotheses are all programs p with l(p) ≤ max_length, each run once for at most T steps
(the cut-off that sidesteps the halting problem). With the prior 2^−l(p),
    P̃(x) = Σ_{p : output of p starts with x} 2^−l(p)
and the prediction of the next bit is the lecture's ratio
    P(x_{n+1} = 1 | x_1…x_n) = P̃(x1) / (P̃(x0) + P̃(x1)),
i.e. Bayes with posterior weights P(p | x) ∝ 2^−l(p) on the programs consistent with x
(the programs that print nothing more after x cannot vote and drop out of the ratio).
If q is the shortest program in the class that prints the sequence, the summed squared
error obeys
    Σ_t (1 − P(x_t | x_<t))² ≤ ½ Σ_t −ln P(x_t | x_<t) ≤ ½ ln P̃(ε)/P̃(x) ≤ (l(q) ln 2)/2,
because (1 − a)² ≤ −½ ln a on (0, 1] and P̃(x0) + P̃(x1) ≤ P̃(x): the bound (K ln 2)/2.
For comparison: Laplace's rule (n₁ + 1)/(n + 2) and an n-gram counter with the same rule.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engines.complexity import machine
from engines.complexity.configs import Bits, SolomonoffConfig, check_bits
from engines.complexity.sequences import sequence_bits
from engines.edits import Edit
from engines.runtime import Engine, Snapshot

TOP = 10
MAX_BITS = 64       # the longest sequence (SolomonoffConfig.steps); the table's width


def hypothesis_table(max_length: int, cutoff: int, n_bits: int):
    """(programs, lengths, outputs as an int8 array padded with −1, output lengths)."""
    programs, lengths, outs = [], [], []
    for L in range(1, max_length + 1):
        for p in machine.programs_of_length(L):
            programs.append(p)
            lengths.append(L)
            outs.append(machine.run(p, cutoff, n_bits + 1).output)
    table = np.full((len(programs), n_bits + 1), -1, dtype=np.int8)
    for i, o in enumerate(outs):
        if o:
            table[i, :len(o)] = np.frombuffer(o.encode(), dtype=np.uint8) - 48
    return programs, np.array(lengths), table, np.array([len(o) for o in outs])


def predict(table, lengths, out_len, alive, n: int):
    """P(next = 1) from the programs still alive after n bits (None: nobody predicts)."""
    voting = alive & (out_len > n)
    if not voting.any():
        return None
    w = np.exp2(-(lengths[voting] - lengths[voting].min()).astype(float))
    ones = table[voting, n] == 1
    return float(w[ones].sum() / w.sum())


def counting_predictor(bits: str, order: int) -> float:
    """Laplace's rule on the bits that followed the last ``order`` bits (order 0: Laplace)."""
    n = len(bits)
    if order == 0 or n < order:
        ctx_counts = [bits.count("1"), n] if order == 0 else [0, 0]
    else:
        ctx = bits[n - order:]
        ones = total = 0
        for i in range(order, n):
            if bits[i - order:i] == ctx:
                total += 1
                ones += bits[i] == "1"
        ctx_counts = [ones, total]
    return (ctx_counts[0] + 1) / (ctx_counts[1] + 2)


class SolomonoffEngine(Engine):
    Config = SolomonoffConfig
    divergence_advice = "Please report this: the predictor only sums finite weights."

    def __init__(self, cfg: SolomonoffConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(cfg.seed)
        self.programs, self.lengths, self.table, self.out_len = hypothesis_table(
            cfg.max_length, cfg.cutoff, MAX_BITS)
        self.queued = ""          # bits typed mid-run, used before the chosen sequence
        self.seen = ""
        self.alive = np.ones(len(self.programs), dtype=bool)
        self.errors = {"solomonoff": 0.0, "laplace": 0.0, "ngram": 0.0}
        self.preds: list[list[float]] = []     # per bit: [P_S, P_laplace, P_ngram, truth, bit]
        self.p_next = self.current_predictions()

    # ---- the data ------------------------------------------------------------------------
    def truth_p1(self) -> float | None:
        """The true P(next bit = 1) (None for typed bits: those count as certain)."""
        return self.cfg.coin_p if self.cfg.sequence == "coin" and not self.queued else None

    def next_bit(self) -> str:
        if self.queued:
            bit, self.queued = self.queued[0], self.queued[1:]
            return bit
        cfg, n = self.cfg, len(self.seen)
        if cfg.sequence == "coin":
            return "1" if self.rng.random() < cfg.coin_p else "0"
        return sequence_bits(cfg.sequence, n + 1, cfg.custom_bits)[n]

    # ---- induction -----------------------------------------------------------------------
    def current_predictions(self) -> list[float]:
        n = len(self.seen)
        ps = predict(self.table, self.lengths, self.out_len, self.alive, n)
        return [0.5 if ps is None else ps, counting_predictor(self.seen, 0),
                counting_predictor(self.seen, self.cfg.ngram)]

    def train_step(self) -> None:
        n = len(self.seen)
        truth = self.truth_p1()
        bit = self.next_bit()
        target = float(bit == "1") if truth is None else truth
        for name, p in zip(self.errors, self.p_next):
            self.errors[name] += (target - p) ** 2
        self.preds.append([*self.p_next, target, float(bit == "1")])
        # Bayes: programs whose output disagrees (or ends) get posterior weight 0.
        self.alive &= (self.out_len > n) & (self.table[:, n] == int(bit))
        self.seen += bit
        self.p_next = self.current_predictions()

    def apply_edit(self, change: Edit) -> None:
        if not isinstance(change, Bits):
            raise ValueError(f"unknown edit {type(change).__name__}; this demo takes "
                             f"Bits(bits='0110')")
        try:
            bits = check_bits("bits", str(change.bits), allow_empty=False)
        except ValueError as err:
            raise ValueError(f"typed bits: {err}") from None
        self.queued += bits

    # ---- the numbers shown ---------------------------------------------------------------
    def posterior(self) -> tuple[np.ndarray, np.ndarray]:
        """(indices of consistent programs, normalised posterior weights ∝ 2^−l(p))."""
        idx = np.flatnonzero(self.alive & (self.out_len >= len(self.seen)))
        if idx.size == 0:
            return idx, np.zeros(0)
        w = np.exp2(-(self.lengths[idx] - self.lengths[idx].min()).astype(float))
        return idx, w / w.sum()

    def k_bits(self) -> float:
        """l(q) of the shortest program in the class that printed all bits seen (0: none)."""
        idx, _ = self.posterior()
        return float(self.lengths[idx].min()) if idx.size else 0.0

    def history_metrics(self) -> dict[str, float]:
        k = self.k_bits()
        return {"n_bits": float(len(self.seen)), "p_next": self.p_next[0],
                "cum_sq_error": self.errors["solomonoff"],
                "laplace_cum_sq_error": self.errors["laplace"],
                "ngram_cum_sq_error": self.errors["ngram"],
                "k_bits": k, "bound": k * math.log(2) / 2,
                "n_consistent": float(self.posterior()[0].size)}

    def snapshot(self, final: bool = False) -> Snapshot:
        idx, w = self.posterior()
        order = np.lexsort((idx, -w))[:TOP]
        n = len(self.seen)
        top = idx[order]
        nxt = [float(self.table[i, n]) if self.out_len[i] > n else -1.0 for i in top]
        preds = np.asarray(self.preds, dtype=float).reshape(-1, 5)
        metrics = {**self.history_metrics(), "p_next_laplace": self.p_next[1],
                   "p_next_ngram": self.p_next[2], "in_class": float(idx.size > 0),
                   "n_programs": float(len(self.programs))}
        arrays = {
            "seen": np.frombuffer(self.seen.encode(), dtype=np.uint8).astype(float) - 48,
            "pred_solomonoff": preds[:, 0].copy(), "pred_laplace": preds[:, 1].copy(),
            "pred_ngram": preds[:, 2].copy(), "truth_p1": preds[:, 3].copy(),
            "top_programs": np.array([machine.pretty(self.programs[i]) for i in top], dtype=str),
            "top_lengths": self.lengths[top].astype(float),
            "top_weights": w[order].copy(),
            "top_next": np.array(nxt, dtype=float),
            "top_outputs": np.array(["".join(str(b) for b in self.table[i] if b >= 0)
                                     for i in top], dtype=str),
        }
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "rng": self.rng.bit_generator.state,
                "queued": self.queued, "seen": self.seen, "errors": dict(self.errors),
                "preds": [list(p) for p in self.preds]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        seen = str(state["seen"])
        if len(seen) > MAX_BITS:
            raise ValueError(f"saved run saw {len(seen)} bits, more than {MAX_BITS}")
        self.load_base_state(state)
        self.rng.bit_generator.state = state["rng"]
        self.queued, self.seen = str(state["queued"]), seen
        self.errors = {k: float(v) for k, v in state["errors"].items()}
        self.preds = [[float(x) for x in p] for p in state["preds"]]
        self.alive = np.ones(len(self.programs), dtype=bool)
        for n, bit in enumerate(seen):
            self.alive &= (self.out_len > n) & (self.table[:, n] == int(bit))
        self.p_next = self.current_predictions()
