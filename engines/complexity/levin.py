"""Levin's universal search (lecture 11.4) on the tiny machine of :mod:`.machine`.

Phase ℓ runs every program p with l(p) ≤ ℓ for 2^(ℓ − l(p)) steps, from scratch. Because
the programs are prefix-free (Kraft), one phase costs
    Δt_ℓ ≤ Σ_{l(p) ≤ ℓ} 2^(ℓ − l(p)) ≤ 2^ℓ,     and all phases up to ℓ   t_ℓ ≤ 2^(ℓ+1) − 2.
A program that prints the target after τ(p) steps is first seen in phase ℓ = l(p) + ⌈log₂ τ(p)⌉,
so the search finishes the first phase with a success and keeps the success of least
    Kt(p) = l(p) + log₂ τ(p)          (Levin complexity; ties: shorter, then by bits),
which is the least Kt over *all* programs (a longer one has Kt ≥ l(p) > ℓ).

One engine step ("work unit") runs all programs of one length L in the current phase.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engines.complexity import machine
from engines.complexity.configs import LevinConfig
from engines.complexity.sequences import sequence_bits
from engines.runtime import Engine, Snapshot

MAX_TRIED = 40          # programs listed in the snapshot
INVERSION_BITS = 24     # a square-root candidate has at most this many bits


class Target:
    """What 'U(p) = x' means: a bit prefix, or ϕ(x) = y for the inversion problem."""

    def __init__(self, cfg: LevinConfig):
        self.square = cfg.target == "square_root"
        self.y = cfg.y
        self.bits = "" if self.square else sequence_bits(cfg.target, cfg.target_bits,
                                                         cfg.custom_bits)
        self.max_output = INVERSION_BITS if self.square else len(self.bits)

    def accepts(self, result: machine.Result) -> bool:
        if self.square:
            return result.halted and result.output != "" and int(result.output, 2) ** 2 == self.y
        return result.output == self.bits

    def describe(self) -> str:
        return f"x with x² = {self.y}" if self.square else self.bits


def kt(length: int, tau: int) -> float:
    """Levin complexity Kt = l(p) + log₂ τ(p)."""
    return length + math.log2(tau)


def solve(program: str, target: Target, budget: int):
    """(accepted, steps used) for one program run with a step budget."""
    result = machine.run(program, budget, target.max_output)
    return target.accepts(result), result


class LevinEngine(Engine):
    Config = LevinConfig
    divergence_advice = "Levin search cannot diverge; please report this."

    def __init__(self, cfg: LevinConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.target = Target(cfg)
        self.phase = 1          # ℓ of the phase under way
        self.length = 1         # L of the next work unit in that phase
        self.total_steps = 0
        self.finished = False
        n = cfg.max_length
        self.alloc = np.zeros((n, n))          # [ℓ−1, L−1]: steps used by length L in phase ℓ
        self.phase_steps = np.zeros(n)
        self.successes: list[tuple] = []       # (kt, l, bits, program, tau) in this phase
        self.found: tuple | None = None
        self.tried: list[tuple] = []           # (program, phase, budget, steps, output, ok)

    # ---- the search ------------------------------------------------------------------
    def work_unit(self) -> None:
        """Run every program of length L for 2^(ℓ−L) steps; close the phase after L = ℓ."""
        ell, length = self.phase, self.length
        budget = 2 ** (ell - length)
        used = 0
        for program in machine.programs_of_length(length):
            ok, result = solve(program, self.target, budget)
            used += result.steps
            if ok:
                self.successes.append((kt(length, result.steps), length,
                                       machine.encode(program), program, result.steps))
            if ok or len(self.tried) < MAX_TRIED or length == ell:
                self.tried.append((program, ell, budget, result.steps, result.output, ok))
                self.tried = self.tried[-MAX_TRIED:]
        self.alloc[ell - 1, length - 1] = used
        self.phase_steps[ell - 1] += used
        self.total_steps += used
        self.length += 1
        if self.length > ell:
            self.close_phase()

    def close_phase(self) -> None:
        if self.successes and self.found is None:
            self.found = min(self.successes)
        self.successes = []
        if (self.found is not None and self.cfg.stop_when_found) \
                or self.phase >= self.cfg.max_length:
            self.finished = True
            return
        self.phase += 1
        self.length = 1

    def run(self, ctl):
        """Engine.run, ending with the search: no idle work units after the last phase
        (in slow motion they would keep the run going for minutes with nothing to see)."""
        if self.step == 0 and len(self.history) == 0:
            self.history.record(0, self.history_metrics())
        while self.step < self.cfg.steps and not self.finished:
            ctl.checkpoint()
            self.train_step()
            self.step += 1
            if self.history.wants(self.step):
                self.history.record(self.step, self.history_metrics())
            if ctl.due():
                yield self.snapshot()
        yield self.snapshot(final=True)

    def train_step(self) -> None:
        # Skip the lengths that have no programs (1, 2, 4, 5 bits) without spending a step.
        while not self.finished:
            empty = machine.count_programs(self.length) == 0
            self.work_unit()
            if not empty:
                return

    # ---- engine contract ---------------------------------------------------------------
    def bound(self) -> float:
        """2^(ℓ+1) − 2 for the last completed (or running) phase."""
        return float(2 ** (self.phase + 1) - 2)

    def history_metrics(self) -> dict[str, float]:
        return {"phase": float(self.phase), "total_steps": float(self.total_steps),
                "bound": self.bound(), "found": float(self.found is not None),
                "kt": self.found[0] if self.found else 0.0}

    def snapshot(self, final: bool = False) -> Snapshot:
        n = self.cfg.max_length
        lengths = np.arange(1, n + 1)
        counts = np.array([machine.count_programs(L) for L in lengths], dtype=float)
        budget = np.array([[counts[L - 1] * 2.0 ** (ell - L) if L <= ell else 0.0
                            for L in lengths] for ell in lengths])
        metrics = {**self.history_metrics(),
                   "found_length": float(self.found[1]) if self.found else 0.0,
                   "found_tau": float(self.found[4]) if self.found else 0.0,
                   "finished": float(self.finished)}
        tried = self.tried
        arrays = {
            "lengths": lengths.astype(float),
            "program_counts": counts,
            "alloc": self.alloc.copy(),
            "alloc_budget": budget,
            "phase_steps": self.phase_steps.copy(),
            "cum_steps": np.cumsum(self.phase_steps),
            "cum_bound": 2.0 ** (lengths + 1) - 2,
            "tried_programs": np.array([machine.pretty(t[0]) for t in tried], dtype=str),
            "tried_bits": np.array([machine.encode(t[0]) for t in tried], dtype=str),
            "tried_phase": np.array([t[1] for t in tried], dtype=float),
            "tried_budget": np.array([t[2] for t in tried], dtype=float),
            "tried_steps": np.array([t[3] for t in tried], dtype=float),
            "tried_outputs": np.array([t[4] for t in tried], dtype=str),
            "tried_ok": np.array([t[5] for t in tried], dtype=float),
            "target": np.array([self.target.describe()], dtype=str),
            "found_program": np.array([machine.pretty(self.found[3]) if self.found else ""],
                                      dtype=str),
            "found_bits": np.array([self.found[2] if self.found else ""], dtype=str),
        }
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "phase": self.phase, "length": self.length,
                "total_steps": self.total_steps, "finished": self.finished,
                "alloc": self.alloc.tolist(), "phase_steps": self.phase_steps.tolist(),
                "successes": [list(s) for s in self.successes],
                "found": list(self.found) if self.found else None,
                "tried": [list(t) for t in self.tried]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        alloc = np.asarray(state["alloc"], dtype=float)
        if alloc.shape != self.alloc.shape:
            raise ValueError(f"saved search went to phase {alloc.shape[0]}, this config "
                             f"to {self.alloc.shape[0]}")
        self.load_base_state(state)
        self.phase, self.length = int(state["phase"]), int(state["length"])
        self.total_steps, self.finished = int(state["total_steps"]), bool(state["finished"])
        self.alloc = alloc
        self.phase_steps = np.asarray(state["phase_steps"], dtype=float)
        self.successes = [tuple(s) for s in state["successes"]]
        self.found = tuple(state["found"]) if state["found"] else None
        self.tried = [tuple(t) for t in state["tried"]]
