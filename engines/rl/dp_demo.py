"""The "Dynamic programming" demo: value iteration or policy iteration, one sweep per step.

Watching the sweeps shows how value spreads back from the treasure, one cell per sweep:
    value iteration   V_{k+1}(s) = max_a [ R(s, a) + γ V_k(P(s, a)) ]
    policy iteration  evaluation sweeps V_{k+1}(s) = Σ_a π(a|s) [ R(s, a) + γ V_k(P(s, a)) ]
                      until max |ΔV| < tol, then improvement π(s) <- argmax_a Q(s, a)
                      (starting from the uniformly random policy).
The sweeps are synchronous (the whole table from the previous one), as in engines.rl.dp,
whose converged answers they reach.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engines.edits import Edit
from engines.rl.configs import DPConfig
from engines.rl.dp import GAMMA_MESSAGE, check_gamma, one_hot_policy
from engines.rl.gridworld import N_ACTIONS, GridWorld, edit_world, maze_world
from engines.runtime import Engine, Snapshot

#: Evaluation has converged when no value changes by more than this.
TOLERANCE = 1e-9


def greedy_probabilities(Q: np.ndarray) -> np.ndarray:
    """π(a|s) sharing probability equally between the maximising actions of Q."""
    best = np.isclose(Q, Q.max(axis=1, keepdims=True), rtol=0.0, atol=1e-12).astype(float)
    return best / best.sum(axis=1, keepdims=True)


def greedy_path(env: GridWorld, policy: np.ndarray, limit: int | None = None) -> np.ndarray:
    """Cells visited from the start following argmax π, until a terminal or a repeat."""
    P, _, terminal = env.model()
    s, seen, path = env.start_state, set(), []
    for _ in range(limit or env.n_states):
        path.append(env.cell(s))
        if terminal[s] or s in seen:
            break
        seen.add(s)
        s = int(P[s, int(np.argmax(policy[s]))])
    return np.array(path, dtype=np.int64).reshape(-1, 2)


class DPEngine(Engine):
    Config = DPConfig
    divergence_advice = "Use a discount γ < 1."

    def __init__(self, cfg: DPConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.env = maze_world(cfg.maze_size, cfg.maze_size, cfg.seed, treasures=cfg.treasures,
                              chests_vanish=cfg.chests_vanish, bump_penalty=cfg.bump_penalty)
        check_gamma(self.env, cfg.gamma)
        self.env.validate()
        self.V = np.zeros(self.env.n_states)
        self.delta = 0.0                 # max |ΔV| of the last sweep
        self.improvements = 0            # policy-improvement steps (policy iteration)
        self.policy_changes = 0          # states whose action the last improvement changed
        self.stable = False              # policy iteration has converged
        self.edited = False              # the maze changed since the last sweep
        self.policy = np.full((self.env.n_states, N_ACTIONS), 1.0 / N_ACTIONS)
        self._refresh_model()

    def _refresh_model(self) -> None:
        self.P, self.R, self.terminal = self.env.model()
        if self.V.size != self.env.n_states:   # a chest added/removed: new state space
            self.V = np.zeros(self.env.n_states)
            self.policy = np.full((self.env.n_states, N_ACTIONS), 1.0 / N_ACTIONS)
            self.improvements = self.policy_changes = 0
        if self.cfg.gamma >= 1.0 and not self.terminal.any():
            raise ValueError(GAMMA_MESSAGE)

    def apply_edit(self, change: Edit) -> None:
        """Planning goes on from the current values in the edited maze."""
        edit_world(self.env, change)
        self._refresh_model()
        self.stable = False
        self.edited = True               # the last sweep's ΔV says nothing about this maze

    def backup(self) -> np.ndarray:
        """Q(s, a) = R(s, a) + γ V(P(s, a)) for every state and action."""
        return self.R + self.cfg.gamma * self.V[self.P]

    def train_step(self) -> None:
        self.edited = False
        Q = self.backup()
        if self.cfg.method == "value_iteration":
            V_new = Q.max(axis=1)
        else:
            V_new = (self.policy * Q).sum(axis=1)
        self.delta = float(np.max(np.abs(V_new - self.V)))
        self.V = V_new
        if self.cfg.method == "policy_iteration" and self.delta < TOLERANCE:
            self._improve()

    @property
    def converged(self) -> bool:
        """Nothing changes any more: the values of value iteration stand still (in a
        deterministic maze they reach V* exactly after as many sweeps as the longest
        shortest path), or policy iteration's improvement changed no action."""
        if self.step == 0 or self.edited:
            return False
        if self.cfg.method == "value_iteration":
            return self.delta < TOLERANCE
        return self.stable

    def last_step(self) -> int:
        """A converged run stops and says so instead of sweeping on to cfg.steps."""
        return self.step if self.converged else self.cfg.steps

    def _improve(self) -> None:
        """π(s) <- argmax_a Q^π(s, a). A policy that no longer changes is optimal."""
        if self.stable:
            return
        new = self.backup().argmax(axis=1)
        judged = self.env.open_states()
        if self.improvements == 0:   # from the uniform policy every state gets an action
            self.policy_changes = int(judged.sum())
        else:
            self.policy_changes = int(np.sum((self.policy.argmax(axis=1) != new) & judged))
        self.improvements += 1
        self.stable = self.policy_changes == 0
        self.policy = one_hot_policy(new, N_ACTIONS)

    def shown_policy(self) -> np.ndarray:
        if self.cfg.method == "value_iteration":
            return greedy_probabilities(self.backup())
        return self.policy

    def history_metrics(self) -> dict[str, float]:
        return {"delta": self.delta, "v_start": float(self.V[self.env.start_state]),
                "improvements": float(self.improvements)}

    def snapshot(self, final: bool = False) -> Snapshot:
        h, w = self.env.shape
        policy = self.shown_policy()
        first = self.env.layer_states(0)   # vanishing chests: the layer with none collected
        arrays = {"V": np.where(self.env.walls, 0.0, self.V[first].reshape(h, w)),
                  "policy": policy[first].reshape(h, w, N_ACTIONS).copy(),
                  "walls": self.env.walls.copy(), "rewards": self.env.rewards.copy(),
                  "start": np.array(self.env.start), "trajectory": greedy_path(self.env, policy)}
        metrics = {**self.history_metrics(), "policy_changes": float(self.policy_changes),
                   "converged": float(self.converged)}
        return Snapshot(step=self.step, epoch=self.improvements, metrics=metrics,
                        arrays=arrays, history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "V": torch.from_numpy(self.V.copy()),
                "policy": torch.from_numpy(self.policy.copy()), "delta": self.delta,
                "improvements": self.improvements, "policy_changes": self.policy_changes,
                "stable": self.stable, "edited": self.edited,
                "walls": torch.from_numpy(self.env.walls.copy()),
                "rewards": torch.from_numpy(self.env.rewards.copy())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        walls = state["walls"].numpy()
        if walls.shape != self.env.shape:
            raise ValueError(f"saved maze {walls.shape} does not fit this maze {self.env.shape}")
        rewards, V = state["rewards"].numpy(), state["V"].numpy()
        if not (np.isfinite(rewards).all() and np.isfinite(V).all()):
            raise ValueError("saved maze or values hold NaN or infinite numbers")
        self.load_base_state(state)
        self.env.walls[...], self.env.rewards[...] = walls, rewards
        self.env.validate()        # a reward must stay reachable, as for an edit
        self.V = V.copy()
        self._refresh_model()
        self.policy = state["policy"].numpy().copy()
        self.delta = float(state["delta"])
        self.improvements = int(state["improvements"])
        self.policy_changes = int(state["policy_changes"])
        self.stable = bool(state["stable"])
        self.edited = bool(state.get("edited", False))   # sessions saved before it
