"""Tabular Q-learning and SARSA on a GridWorld, and the ``TabularQEngine`` demo.

Temporal-difference updates of the action values Q(s, a) after each transition
s, a -> r, s' (α: learning rate, γ: discount):
    Q-learning (off-policy):  Q(s,a) <- Q(s,a) + α [ r + γ max_a' Q(s',a') − Q(s,a) ]
    SARSA      (on-policy):   Q(s,a) <- Q(s,a) + α [ r + γ Q(s',a') − Q(s,a) ],
                              a' the action the exploring policy really takes next.
At a terminal s' the bracket has no γ term (the future return is zero).
Exploration:
    ε-greedy:           π(a|s) = ε/4 + (1 − ε) [a is greedy] / #greedy actions
    softmax/Boltzmann:  π(a|s) = exp(Q(s,a)/T) / Σ_b exp(Q(s,b)/T)
Experience replay (Q-learning only) stores transitions and replays a few random old ones
per step with the same update: Q-learning's target does not depend on the policy that
collected the data, SARSA's does, so replaying stale (s, a, r, s', a') would be biased.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engines.edits import Edit
from engines.rl.configs import TabularQConfig
from engines.rl.dp import GAMMA_MESSAGE, unique_optimal_mask, value_iteration
from engines.rl.gridworld import N_ACTIONS, GridWorld, edit_world, maze_world
from engines.runtime import Engine, MetricHistory, Snapshot

#: Metric history is recorded every HISTORY_EVERY environment steps (times the thinning).
HISTORY_EVERY = 10
#: Returns and lengths of at most this many recent episodes are kept for the plots.
EPISODES_KEPT = 5000
#: Transitions kept for experience replay (the oldest are overwritten).
REPLAY_CAPACITY = 10_000


class TabularAgent:
    """Q table, exploring policy and the running episode of one agent in one GridWorld.

    ``settings``: the learning fields of a TabularQConfig (the one source of them).
    """

    def __init__(self, env: GridWorld, settings: TabularQConfig, rng: np.random.Generator):
        env.validate()
        if settings.gamma >= 1.0 and not env.terminal_mask().any():
            raise ValueError(GAMMA_MESSAGE)
        self.env, self.settings, self.rng = env, settings, rng
        P, R, terminal = env.model()
        self.P, self.R, self.terminal = P, R, terminal
        self.Q = np.zeros((env.n_states, N_ACTIONS))
        self.starts = np.flatnonzero(env.reachable_states())
        self.state = self._start()
        self.action = -1              # SARSA's already chosen next action (-1: none)
        self.episode_return = 0.0
        self.episode_length = 0
        self.episodes = 0
        self.last_return = 0.0        # of the last finished episode
        self.last_length = 0
        self.returns: list[float] = []   # of recent finished episodes (EPISODES_KEPT)
        self.lengths: list[int] = []
        self.trajectory = [self.state]
        cap = REPLAY_CAPACITY if settings.replay else 0
        self.buffer = np.zeros((cap, 5))     # rows: s, a, r, s', done
        self.buffer_size = 0
        self.buffer_pos = 0

    def refresh_model(self) -> None:
        """Re-read the world after an edit; an agent now inside a wall or on a treasure
        starts a new episode (not counted: it was cut short by the edit)."""
        self.P, self.R, self.terminal = self.env.model()
        self.starts = np.flatnonzero(self.env.reachable_states())
        new_space = self.Q.shape[0] != self.env.n_states
        if new_space:
            # A chest added or removed with vanishing chests: another state space, so the
            # old table means nothing any more. Learning starts afresh.
            self.Q = np.zeros((self.env.n_states, N_ACTIONS))
            self.buffer_size = self.buffer_pos = 0
        s = self.state
        if new_space or self.env.walls.ravel()[s % self.env.n_cells] or self.terminal[s]:
            self.episode_return, self.episode_length = 0.0, 0
            self.state, self.action = self._start(), -1
            self.trajectory = [self.state]
        elif self.action >= 0:
            self.action = -1   # SARSA's next action was chosen in the old world

    def _start(self) -> int:
        if self.settings.exploring_starts:
            return int(self.starts[self.rng.integers(len(self.starts))])
        return self.env.start_state

    # ---- policy -----------------------------------------------------------------------
    def probs(self, q: np.ndarray) -> np.ndarray:
        """π(a|s) of the exploring policy for action values q (..., 4)."""
        cfg = self.settings
        if cfg.exploration == "softmax":
            z = (q - q.max(axis=-1, keepdims=True)) / cfg.temperature
            e = np.exp(z)
            return e / e.sum(axis=-1, keepdims=True)
        greedy = (q == q.max(axis=-1, keepdims=True)).astype(float)
        greedy /= greedy.sum(axis=-1, keepdims=True)          # ties share (1 − ε)
        return cfg.epsilon / N_ACTIONS + (1.0 - cfg.epsilon) * greedy

    def act(self, s: int) -> int:
        """Sample a ~ π(·|s) with one uniform draw (inverse CDF)."""
        cdf = np.cumsum(self.probs(self.Q[s]))
        return min(int(np.searchsorted(cdf, self.rng.random() * cdf[-1], side="right")),
                   N_ACTIONS - 1)

    def greedy_policy(self) -> np.ndarray:
        return self.Q.argmax(axis=1)

    # ---- learning -----------------------------------------------------------------------
    def step(self) -> bool:
        """One environment transition plus its update(s); True when an episode ended."""
        cfg = self.settings
        s = self.state
        a = self.action if self.action >= 0 else self.act(s)
        s2 = int(self.P[s, a])
        r, done = float(self.R[s, a]), bool(self.terminal[s2])
        a2 = -1
        if done:
            target = r
        elif cfg.algorithm == "sarsa":
            a2 = self.act(s2)
            target = r + cfg.gamma * self.Q[s2, a2]
        else:
            target = r + cfg.gamma * self.Q[s2].max()
        self.Q[s, a] += cfg.alpha * (target - self.Q[s, a])
        if cfg.replay:
            self._remember(s, a, r, s2, done)
            self._replay()
        self.episode_return += r
        self.episode_length += 1
        if done or self.episode_length >= cfg.max_episode_steps:
            self.episodes += 1
            self.last_return, self.last_length = self.episode_return, self.episode_length
            self.returns.append(self.episode_return)
            self.lengths.append(self.episode_length)
            if len(self.returns) > EPISODES_KEPT:
                del self.returns[0], self.lengths[0]
            self.episode_return, self.episode_length = 0.0, 0
            self.state, self.action = self._start(), -1
            self.trajectory = [self.state]
            return True
        self.state, self.action = s2, a2
        self.trajectory.append(s2)
        return False

    def _remember(self, s, a, r, s2, done) -> None:
        self.buffer[self.buffer_pos] = (s, a, r, s2, float(done))
        self.buffer_pos = (self.buffer_pos + 1) % len(self.buffer)
        self.buffer_size = min(self.buffer_size + 1, len(self.buffer))

    def _replay(self) -> None:
        cfg = self.settings
        idx = self.rng.integers(self.buffer_size, size=cfg.replay_updates)
        for s, a, r, s2, done in self.buffer[idx]:
            s, a, s2 = int(s), int(a), int(s2)
            target = r if done else r + cfg.gamma * self.Q[s2].max()
            self.Q[s, a] += cfg.alpha * (target - self.Q[s, a])

    # ---- persistence --------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        n = self.buffer_size
        return {"Q": torch.from_numpy(self.Q.copy()), "rng": self.rng.bit_generator.state,
                "state": self.state, "action": self.action,
                "episode_return": self.episode_return, "episode_length": self.episode_length,
                "episodes": self.episodes, "last_return": self.last_return,
                "last_length": self.last_length, "trajectory": list(self.trajectory),
                "returns": list(self.returns), "lengths": list(self.lengths),
                "buffer": torch.from_numpy(self.buffer[:n].copy()),
                "buffer_pos": self.buffer_pos}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        Q = state["Q"].numpy()
        if Q.shape != self.Q.shape:
            raise ValueError(f"saved Q table {Q.shape} does not fit this maze {self.Q.shape}")
        if not np.isfinite(Q).all():
            raise ValueError("saved Q table holds NaN or infinite values")
        self.Q[...] = Q
        self.rng.bit_generator.state = state["rng"]
        self.state, self.action = int(state["state"]), int(state["action"])
        self.episode_return = float(state["episode_return"])
        self.episode_length = int(state["episode_length"])
        self.episodes = int(state["episodes"])
        self.last_return = float(state["last_return"])
        self.last_length = int(state["last_length"])
        self.trajectory = [int(s) for s in state["trajectory"]]
        self.returns = [float(x) for x in state["returns"]]
        self.lengths = [int(x) for x in state["lengths"]]
        buffer = state["buffer"].numpy()
        self.buffer_size = len(buffer)
        self.buffer[:self.buffer_size] = buffer
        self.buffer_pos = int(state["buffer_pos"])


def collected_mask(env: GridWorld, layer: int) -> np.ndarray:
    """(H, W) bool: the vanishing chests already collected in a layer."""
    collected = np.zeros(env.n_cells, dtype=bool)
    chests = env.chest_cells()
    collected[chests[(layer >> np.arange(len(chests))) & 1 == 1]] = True
    return collected.reshape(env.shape)


def train(env: GridWorld, steps: int, rng: np.random.Generator, **settings) -> TabularAgent:
    """Run one agent for ``steps`` environment transitions; returns it (Q, counters).
    ``settings``: TabularQConfig fields (validated there)."""
    agent = TabularAgent(env, TabularQConfig(**settings), rng)
    for _ in range(steps):
        agent.step()
    return agent


def greedy_return(env: GridWorld, actions: np.ndarray, max_steps: int = 1000) -> float:
    """Undiscounted return of following a deterministic policy from the start."""
    s, total = env.start_state, 0.0
    for _ in range(max_steps):
        s, r, done = env.transition(s, int(actions[s]))
        total += r
        if done:
            break
    return total


# ---- the demo ---------------------------------------------------------------------------
class TabularQEngine(Engine):
    Config = TabularQConfig
    divergence_advice = "Try a smaller learning rate α or a discount γ < 1."

    def __init__(self, cfg: TabularQConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.history = MetricHistory(stride=HISTORY_EVERY)
        self.env = maze_world(cfg.maze_size, cfg.maze_size, cfg.seed, treasures=cfg.treasures,
                              chests_vanish=cfg.chests_vanish, bump_penalty=cfg.bump_penalty)
        # The maze uses default_rng(seed); the agent its own stream from the same seed.
        self.agent = TabularAgent(self.env, cfg, np.random.default_rng([cfg.seed, 1]))
        self._world_changed()

    def _world_changed(self) -> None:
        """Cache what only changes with the maze: its arrays, and the exact answer."""
        self._const = {"walls": self.env.walls.copy(), "rewards": self.env.rewards.copy(),
                       "start": np.array(self.env.start)}
        for a in self._const.values():
            a.flags.writeable = False
        # Value iteration is the truth the learner is compared with: the share of the
        # states (reachable, best action unique) where the greedy action is optimal.
        vi = value_iteration(self.env, self.cfg.gamma, tol=1e-10)
        self._judged = np.flatnonzero(self.env.reachable_states()
                                      & unique_optimal_mask(vi.Q, 1e-6))
        self._optimal = vi.policy[self._judged]

    def apply_edit(self, change: Edit) -> None:
        """A wall toggled or a reward set in the panel: learning goes on in the new maze."""
        edit_world(self.env, change)
        self.agent.refresh_model()
        self._world_changed()

    def optimal_agreement(self) -> float:
        """Fraction of judged states where argmax_a Q(s, a) is value iteration's action."""
        if self._judged.size == 0:
            return 1.0
        return float(np.mean(self.agent.greedy_policy()[self._judged] == self._optimal))

    def train_step(self) -> None:
        self.agent.step()

    def history_metrics(self) -> dict[str, float]:
        a = self.agent
        return {"episode_return": a.last_return, "episode_length": float(a.last_length),
                "epsilon": self._exploration_rate(), "episodes": float(a.episodes),
                "optimal_agreement": self.optimal_agreement()}

    def _exploration_rate(self) -> float:
        """ε; for softmax the effective one: mean non-greedy probability 1 − max_a π(a|s)."""
        if self.cfg.exploration == "epsilon_greedy":
            return self.cfg.epsilon
        probs = self.agent.probs(self.agent.Q[self.env.open_states()])
        return float(1.0 - probs.max(axis=1).mean())

    def snapshot(self, final: bool = False) -> Snapshot:
        a, env, (h, w) = self.agent, self.env, self.env.shape
        # With vanishing chests: the layer of the chests the agent has collected so far.
        layer = env.layer(a.state)
        Q = a.Q[env.layer_states(layer)]
        V = np.where(env.walls, 0.0, Q.max(axis=1).reshape(h, w))
        cells = np.array([env.cell(s) for s in a.trajectory], dtype=np.int64)
        arrays = dict(self._const)
        arrays.update({"V": V, "policy": a.probs(Q).reshape(h, w, N_ACTIONS),
                       "collected": collected_mask(env, layer),
                       "trajectory": cells, "agent": cells[-1].copy(),
                       "episode_returns": np.array(a.returns, dtype=float),
                       "episode_lengths": np.array(a.lengths, dtype=float)})
        return Snapshot(step=self.step, epoch=a.episodes, metrics=self.history_metrics(),
                        arrays=arrays, history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "agent": self.agent.state_dict(),
                "walls": torch.from_numpy(self.env.walls.copy()),
                "rewards": torch.from_numpy(self.env.rewards.copy())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        walls, rewards = state["walls"].numpy(), state["rewards"].numpy()
        if walls.shape != self.env.shape:
            raise ValueError(f"saved maze {walls.shape} does not fit this maze {self.env.shape}")
        if not np.isfinite(rewards).all():
            raise ValueError("saved maze holds NaN or infinite rewards")
        self.env.walls[...], self.env.rewards[...] = walls, rewards   # the user's edits
        self.env.validate()        # a reward must stay reachable, as for an edit
        self.agent.refresh_model()
        self.load_base_state(state)
        self.agent.load_state_dict(state["agent"])
        self._world_changed()
