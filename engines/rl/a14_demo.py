"""The A1.4 demo: exact discounted values of the two loops, and Q-learning on them.

The exact values (engines.rl.counterexample) are the truth; tabular Q-learning on the loop
MDP learns Q(s0, left) and Q(s0, right) and, for γ below γ* = (r/r')^(1/n), prefers the
left loop although the right one has the larger average reward per step.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engines.rl.configs import A14Config
from engines.rl.counterexample import a14, a14_loops
from engines.runtime import Engine, Snapshot


class LoopMDP:
    """States: 0 = start s0, 1..n = left loop, n+1..2n = right loop (one forced action).

    From s0, LEFT goes to state 1 paying r; the left loop returns to s0 after n+1 steps.
    RIGHT goes to state n+1; the right loop pays r' on its last step back into s0.
    """

    def __init__(self, n: int, r: float, r_prime: float):
        self.n, self.r, self.r_prime = n, r, r_prime
        self.n_states = 2 * n + 1

    def step(self, s: int, a: int) -> tuple[int, float]:
        n = self.n
        if s == 0:
            return (1, self.r) if a == 0 else (n + 1, 0.0)
        if s == n:              # last left state: back to s0
            return 0, 0.0
        if s == 2 * n:          # last right state: back to s0, paying r'
            return 0, self.r_prime
        return s + 1, 0.0


def exact_q(n: int, r: float, r_prime: float, gamma: float) -> tuple[float, float]:
    """Q*(s0, left) = r + γ^{n+1} V*,  Q*(s0, right) = γ^n r' + γ^{n+1} V*,
    V* = max(V_L, V_R): one lap of a loop, then the better choice forever."""
    result = a14(n, r, r_prime, gamma)
    v_star = max(result.v_left, result.v_right)
    tail = gamma ** (n + 1) * v_star
    return r + tail, gamma ** n * r_prime + tail


class A14Engine(Engine):
    """Tabular Q-learning on the loop MDP, next to the exact discounted values."""

    Config = A14Config
    divergence_advice = "Use a smaller learning rate α."
    GAMMA_GRID = np.linspace(0.0, 0.995, 400)

    def __init__(self, cfg: A14Config, device: str | None = None):
        super().__init__(cfg, device)
        self.mdp = LoopMDP(cfg.n, cfg.r, cfg.r_prime)
        self.rng = np.random.default_rng(cfg.seed)
        # Q[s0] has two actions; every other state one (column 0).
        self.Q = np.zeros((self.mdp.n_states, 2))
        self.state = 0
        self.exact = a14(cfg.n, cfg.r, cfg.r_prime, cfg.gamma)
        self.q_exact = exact_q(cfg.n, cfg.r, cfg.r_prime, cfg.gamma)
        left, right = a14_loops(cfg.n, cfg.r, cfg.r_prime)
        self.curves = {"gamma_grid": self.GAMMA_GRID.copy(),
                       "v_left_curve": np.array([left.value(g) for g in self.GAMMA_GRID]),
                       "v_right_curve": np.array([right.value(g) for g in self.GAMMA_GRID])}

    def value(self, s: int) -> float:
        return float(self.Q[0].max()) if s == 0 else float(self.Q[s, 0])

    def train_step(self) -> None:
        """Q(s,a) <- Q(s,a) + α [ r + γ max_a' Q(s',a') − Q(s,a) ]."""
        s, cfg = self.state, self.cfg
        if s == 0:
            if self.rng.random() < cfg.epsilon:
                a = int(self.rng.integers(2))
            else:
                a = int(np.argmax(self.Q[0]))   # ties: left first
        else:
            a = 0
        s2, reward = self.mdp.step(s, a)
        self.Q[s, a] += cfg.alpha * (reward + cfg.gamma * self.value(s2) - self.Q[s, a])
        self.state = s2

    def history_metrics(self) -> dict[str, float]:
        return {"q_left": float(self.Q[0, 0]), "q_right": float(self.Q[0, 1])}

    def snapshot(self, final: bool = False) -> Snapshot:
        e = self.exact
        metrics = {**self.history_metrics(),
                   "q_left_exact": self.q_exact[0], "q_right_exact": self.q_exact[1],
                   "v_left": e.v_left, "v_right": e.v_right, "avg_left": e.avg_left,
                   "avg_right": e.avg_right, "gamma_star": e.gamma_star,
                   "learned_choice": float(np.argmax(self.Q[0])),
                   "exact_choice": 0.0 if e.v_left >= e.v_right else 1.0}
        arrays = {k: v.copy() for k, v in self.curves.items()}
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "Q": torch.from_numpy(self.Q.copy()),
                "state": self.state, "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.Q[...] = state["Q"].numpy()
        self.state = int(state["state"])
        self.rng.bit_generator.state = state["rng"]
