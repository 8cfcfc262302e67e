"""Deep Q-learning (DQN, lecture 9.3) for discrete actions (CartPole).

The action value Q_π(s_t, a_t) = E_π[R_{t+1} | s_t, a_t] obeys the Bellman equation
    Q(s, a) = E[ r + γ max_a' Q(s', a') ].
A table would need one entry per state; a neural network Q_w(s, a) (one output per
action) generalises between states and is trained towards the right-hand side. Two
stabilisers make this work:

- Experience replay: Q-learning is off-policy, so old transitions (s, a, r, s') can be
  reused. They are kept in a ring buffer and sampled uniformly for each update, which
  also breaks the correlation of consecutive steps.
- A target network Q_target, a copy of Q_w refreshed every ``target_update`` updates, so
  the regression target does not move with every gradient step.

The algorithm, as this file runs it (one ``train_step`` = one step of all N copies):

    w ← random;  Q_target ← Q_w;  replay buffer D ← ∅
    repeat:
        a = random action with probability ε, else argmax_a Q_w(s, a)      (ε-greedy)
        step every copy: (s, a, r, s', terminated) → D
        once learning_starts transitions are stored, every step:
            sample a minibatch from D
            y = r + γ (1 − terminated) max_a' Q_target(s', a')           (TD target)
            L = ⟨ ℓ(Q_w(s, a) − y) ⟩,  ℓ the Huber loss
            w ← w − η Adam(∇_w L)     (gradient norm clipped to 10)
            every target_update updates: Q_target ← Q_w

ℓ is quadratic near 0 and linear beyond 1: robust to big TD errors. ε falls linearly from
ε_start to ε_end over the first ``exploration_steps`` environment steps. A time-limit
truncation is not an end of the MDP: there the target still bootstraps from
Q_target(s', ·); only a termination drops the γ term.

Random draws: initial weights from a torch.Generator, exploration and replay sampling from
a numpy Generator, both owned by the engine and saved with it. The network (:func:`mlp`)
and the environments are in :mod:`engines.rl.envs`, the only other file to read.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from engines.rl.configs import ControlConfig
from engines.rl.envs import GymEngine, mlp


class ReplayBuffer:
    """A numpy ring buffer of transitions (s, a, r, s', terminated)."""

    def __init__(self, capacity: int, obs_dim: int):
        self.capacity = capacity
        self.obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.size = 0
        self.pos = 0

    def add(self, obs, actions, rewards, next_obs, terminated) -> None:
        """Store one row per environment (arrays with a leading batch axis)."""
        for i in range(len(actions)):
            p = self.pos
            self.obs[p], self.next_obs[p] = obs[i], next_obs[i]
            self.actions[p], self.rewards[p] = actions[i], rewards[i]
            self.terminated[p] = terminated[i]
            self.pos = (p + 1) % self.capacity
            self.size = min(self.size + 1, self.capacity)

    def sample(self, batch: int, rng: np.random.Generator):
        """A uniformly drawn minibatch (with replacement), as torch tensors."""
        idx = rng.integers(self.size, size=batch)
        return (torch.from_numpy(self.obs[idx]), torch.from_numpy(self.actions[idx]),
                torch.from_numpy(self.rewards[idx]), torch.from_numpy(self.next_obs[idx]),
                torch.from_numpy(self.terminated[idx]))

    _FIELDS = ("obs", "next_obs", "actions", "rewards", "terminated")

    def state_dict(self) -> dict[str, Any]:
        n = self.size
        return {"pos": self.pos, "size": n,
                **{k: torch.from_numpy(getattr(self, k)[:n].copy()) for k in self._FIELDS}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.size, self.pos = int(state["size"]), int(state["pos"])
        for key in self._FIELDS:
            getattr(self, key)[:self.size] = state[key].numpy()


def td_targets(rewards: torch.Tensor, next_q: torch.Tensor, terminated: torch.Tensor,
               gamma: float) -> torch.Tensor:
    """y = r + γ (1 − terminated) max_a' Q_target(s', a'); next_q has shape (B, actions)."""
    return rewards + gamma * (1.0 - terminated) * next_q.max(dim=1).values


class DQNEngine(GymEngine):
    """DQN on CartPole: ε-greedy steps into a replay buffer, one update per step."""

    metric_names = ("td_loss", "q_mean")      # of the last update; ε is added on read

    def __init__(self, cfg: ControlConfig, device: str | None = None):
        super().__init__(cfg, device)
        if not self.spec.discrete:
            raise ValueError("DQN needs discrete actions (max over a'): use CartPole-v1")
        # Q_w(s, ·) and its frozen copy Q_target, one output per action.
        self.q = mlp(self.spec.obs_dim, self.spec.n_actions, cfg.hidden, self.gen)
        self.target = mlp(self.spec.obs_dim, self.spec.n_actions, cfg.hidden, self.gen)
        self.target.load_state_dict(self.q.state_dict())
        self.optimizer = torch.optim.Adam(self.q.parameters(), lr=cfg.learning_rate,
                                          foreach=True)
        self.buffer = ReplayBuffer(cfg.buffer_size, self.spec.obs_dim)
        self.rng = np.random.default_rng([cfg.seed, 3])    # exploration and replay draws
        self.env_steps = 0
        self.updates = 0

    def epsilon(self) -> float:
        """ε falls linearly from ε_start to ε_end over the first exploration_steps."""
        cfg = self.cfg
        progress = min(1.0, self.env_steps / cfg.exploration_steps)
        return cfg.epsilon_start + progress * (cfg.epsilon_end - cfg.epsilon_start)

    def act(self, obs: np.ndarray) -> np.ndarray:
        """ε-greedy: a random action with probability ε, else argmax_a Q_w(s, a)."""
        n = len(obs)
        explore = self.rng.random(n) < self.epsilon()
        random_actions = self.rng.integers(self.spec.n_actions, size=n)
        with torch.no_grad():
            greedy = self.q(torch.from_numpy(obs)).argmax(dim=1).numpy()
        return np.where(explore, random_actions, greedy).astype(np.int64)

    def train_step(self) -> None:
        obs = self.envs.obs
        actions = self.act(obs)
        step = self.envs.step(actions)
        self.record_episodes(step)
        # s' is the real successor (final_obs), also at a truncation; only termination
        # removes the bootstrap term.
        self.buffer.add(obs, actions, step.reward, step.final_obs, step.terminated)
        self.env_steps += len(step.reward)
        if self.env_steps >= self.cfg.learning_starts:
            self.update()

    def update(self) -> None:
        """One gradient step on the Huber TD loss of a replayed minibatch."""
        cfg = self.cfg
        obs, actions, rewards, next_obs, terminated = self.buffer.sample(cfg.batch_size,
                                                                         self.rng)
        with torch.no_grad():
            y = td_targets(rewards, self.target(next_obs), terminated, cfg.gamma)
        q = self.q(obs).gather(1, actions.unsqueeze(1)).squeeze(1)     # Q_w(s, a)
        loss = nn.functional.smooth_l1_loss(q, y)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.q.parameters(), 10.0)
        self.optimizer.step()
        self.updates += 1
        if self.updates % cfg.target_update == 0:
            self.target.load_state_dict(self.q.state_dict())
        self.stats = {"td_loss": loss.item(), "q_mean": q.detach().mean().item()}

    def algorithm_metrics(self) -> dict[str, float]:
        return {"td_loss": self.stats["td_loss"], "epsilon": self.epsilon(),
                "q_mean": self.stats["q_mean"]}

    # ---- persistence ------------------------------------------------------------------
    def learner_state(self) -> dict[str, Any]:
        return {"q": self.q.state_dict(), "target": self.target.state_dict(),
                "optimizer": self.optimizer.state_dict(), "buffer": self.buffer.state_dict(),
                "rng": self.rng.bit_generator.state, "env_steps": self.env_steps,
                "updates": self.updates}

    def load_learner_state(self, state: dict[str, Any]) -> None:
        self.q.load_state_dict(state["q"])
        self.target.load_state_dict(state["target"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.buffer.load_state_dict(state["buffer"])
        self.rng.bit_generator.state = state["rng"]
        self.env_steps = int(state["env_steps"])
        self.updates = int(state["updates"])
