"""Dynamic programming on the tabular model of a GridWorld: the exact reference answers.

Value iteration iterates the Bellman optimality equation
    V*(s) = max_a [ R(s, a) + γ V*(s') ],   s' = P(s, a)  (deterministic dynamics)
    Q*(s, a) = R(s, a) + γ V*(s'),          π*(s) = argmax_a Q*(s, a),
and policy evaluation the Bellman expectation equation of a (stochastic) policy π
    V^π(s) = Σ_a π(a|s) [ R(s, a) + γ V^π(s') ].
Terminal states are absorbing with zero reward in the model, so V(terminal) = 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engines.rl.gridworld import GridWorld

GAMMA_MESSAGE = ("gamma must be < 1 for an infinite-horizon task; use gamma < 1 or make "
                 "episodes terminate")


@dataclass
class DPResult:
    V: np.ndarray          # (S,)
    Q: np.ndarray          # (S, 4); for policy evaluation: Q^π
    policy: np.ndarray     # (S,) greedy action (first maximum)
    iterations: int
    converged: bool


def check_gamma(env: GridWorld, gamma: float) -> None:
    """0 <= γ <= 1, and γ = 1 only when the task has terminal states (episodes can end).

    Without terminals the undiscounted return Σ_t r_t of an endless episode is infinite.
    """
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must lie in [0, 1], got {gamma}")
    if gamma >= 1.0 and not env.terminal_mask().any():
        raise ValueError(GAMMA_MESSAGE)


def value_iteration(env: GridWorld, gamma: float, tol: float = 1e-12,
                    max_iter: int = 100_000) -> DPResult:
    """V_{k+1}(s) = max_a [R(s,a) + γ V_k(P(s,a))] until max |V_{k+1} − V_k| < tol."""
    check_gamma(env, gamma)
    P, R, _ = env.model()
    # Bellman optimality backup
    return _fixed_point(lambda V: (R + gamma * V[P]).max(axis=1), P, R, gamma, tol, max_iter)


def policy_evaluation(env: GridWorld, policy: np.ndarray, gamma: float, tol: float = 1e-12,
                      max_iter: int = 100_000) -> DPResult:
    """Iterative evaluation of π given as (S, 4) probabilities π(a|s) (rows sum to 1)."""
    check_gamma(env, gamma)
    policy = np.asarray(policy, dtype=float)
    if policy.shape != (env.n_states, 4) or not np.allclose(policy.sum(axis=1), 1.0):
        raise ValueError(f"policy must be (S, 4) = ({env.n_states}, 4) probabilities "
                         f"summing to 1 per state, got shape {policy.shape}")
    P, R, _ = env.model()
    # Bellman expectation backup: V(s) = Σ_a π(a|s) [R(s,a) + γ V(P(s,a))]
    return _fixed_point(lambda V: (policy * (R + gamma * V[P])).sum(axis=1),
                        P, R, gamma, tol, max_iter)


def _fixed_point(backup, P: np.ndarray, R: np.ndarray, gamma: float, tol: float,
                 max_iter: int) -> DPResult:
    """Iterate V ← backup(V) from V = 0 until max |ΔV| < tol; Q and greedy policy of V."""
    V = np.zeros(P.shape[0])
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        V_new = backup(V)
        delta = np.max(np.abs(V_new - V))
        V = V_new
        if delta < tol:
            converged = True
            break
    Q = R + gamma * V[P]
    return DPResult(V=V, Q=Q, policy=Q.argmax(axis=1), iterations=it, converged=converged)


def one_hot_policy(actions: np.ndarray, n_actions: int = 4) -> np.ndarray:
    """(S,) action indices -> (S, n_actions) deterministic policy probabilities."""
    actions = np.asarray(actions, dtype=np.int64)
    probs = np.zeros((actions.size, n_actions))
    probs[np.arange(actions.size), actions] = 1.0
    return probs


def unique_optimal_mask(Q: np.ndarray, margin: float = 1e-6) -> np.ndarray:
    """(S,) bool: states whose best action beats the second best by more than margin."""
    top2 = np.sort(Q, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0] > margin
