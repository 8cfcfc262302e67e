"""Deep RL on gymnasium classic control (lecture 9.2-9.7): the ``ControlEngine`` demo.

PPO (9.6), A2C (9.4) or DQN (9.3) learn CartPole-v1 (balance a pole, 2 actions) or
Pendulum-v1 (swing up, continuous torque, Gaussian policy of 9.7). One ``train_step`` is
one step of all ``n_envs`` environments, so the panel can show the cart or pendulum in slow
motion; learning happens inside it whenever a rollout is full (PPO, A2C) or, for DQN, once
per step after ``learning_starts``. Run length ``steps`` counts those vector steps; the
environment transitions seen are ``steps × n_envs`` (metric "env_steps").

See :mod:`engines.rl.a2c`, :mod:`engines.rl.ppo` and :mod:`engines.rl.dqn` for the
algorithms and :mod:`engines.rl.envs` for the environments.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engines.rl.configs import ControlConfig
from engines.rl.a2c import A2CAgent
from engines.rl.dqn import DQNAgent
from engines.rl.envs import VectorEnv, env_spec
from engines.rl.ppo import PPOAgent
from engines.runtime import Engine, MetricHistory, Snapshot

AGENT_METRICS = {"ppo": PPOAgent.metric_names, "a2c": A2CAgent.metric_names,
                 "dqn": DQNAgent.metric_names}
#: Metric history is recorded every HISTORY_EVERY vector steps (times the thinning).
HISTORY_EVERY = 16
#: Returns of finished episodes kept for the snapshot's "episode_returns".
MAX_RETURNS = 5000
#: "mean_return_20" averages this many finished episodes.
RECENT = 20
#: Mean return over the last RECENT episodes that counts as solving each task.
SOLVED_AT = {"CartPole-v1": 475.0, "Pendulum-v1": -200.0}

#: Overrides that suit A2C and Pendulum better than the CartPole-PPO defaults (for presets):
#: A2C learns CartPole in about 100 000 transitions with them (one gradient step per short
#: rollout); PPO on Pendulum climbs from about −1200 to −300 in 200 000 transitions.
RECOMMENDED = {
    "a2c": dict(rollout_steps=8, learning_rate=1e-3, gae_lambda=1.0, entropy_coef=0.01),
    "Pendulum-v1": dict(n_envs=4, rollout_steps=512, learning_rate=3e-4, gae_lambda=0.95,
                        update_epochs=10, minibatches=32, entropy_coef=0.0, steps=50_000),
}


class ControlEngine(Engine):
    Config = ControlConfig
    divergence_advice = ("Try a smaller learning rate or gradient norm clip, or fewer PPO "
                         "epochs per rollout.")

    def __init__(self, cfg: ControlConfig, device: str | None = None):
        # Tiny networks fed one environment step at a time: the CPU is the fast place.
        super().__init__(cfg, "cpu")
        self.history = MetricHistory(stride=HISTORY_EVERY)
        self.spec = env_spec(cfg.env)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.envs = VectorEnv(cfg.env, cfg.n_envs, cfg.seed)
        if cfg.algorithm == "ppo":
            self.agent = PPOAgent(self.spec, cfg, self.gen)
        elif cfg.algorithm == "a2c":
            self.agent = A2CAgent(self.spec, cfg, self.gen)
        else:
            self.agent = DQNAgent(self.spec, cfg, self.gen,
                                  np.random.default_rng([cfg.seed, 3]))
        self.returns: list[float] = []       # finished episodes, oldest first (capped)
        self.episodes = 0

    # ---- training ---------------------------------------------------------------------
    def train_step(self) -> None:
        actions = self.agent.act(self.envs.obs)
        step = self.envs.step(actions)
        for _, episode_return, _ in step.finished:
            self.returns.append(episode_return)
            self.episodes += 1
        if len(self.returns) > MAX_RETURNS:
            del self.returns[:len(self.returns) - MAX_RETURNS]
        self.agent.observe(step)

    def mean_recent_return(self, k: int = RECENT) -> float:
        """Mean return of the last k finished episodes (0.0 before any has finished)."""
        recent = self.returns[-k:]
        return float(np.mean(recent)) if recent else 0.0

    def solved(self) -> bool:
        return (len(self.returns) >= RECENT
                and self.mean_recent_return() >= SOLVED_AT[self.cfg.env])

    def history_metrics(self) -> dict[str, float]:
        metrics = {"episode_return": self.returns[-1] if self.returns else 0.0,
                   "mean_return_20": self.mean_recent_return(),
                   "episodes": float(self.episodes),
                   "env_steps": float(self.step * self.cfg.n_envs)}
        metrics.update(self.agent.metrics())
        return {k: float(v) for k, v in metrics.items()}

    def snapshot(self, final: bool = False) -> Snapshot:
        arrays = {"env_state": self.envs.physical_state(0),
                  "action": self.envs.last_action[0].astype(np.float64),
                  "episode_returns": np.array(self.returns, dtype=np.float64)}
        return Snapshot(step=self.step, epoch=self.episodes, metrics=self.history_metrics(),
                        arrays=arrays, history=self.history.arrays(), final=final)

    # ---- persistence ------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "gen": self.gen.get_state(),
                "envs": self.envs.state_dict(), "agent": self.agent.state_dict(),
                "returns": list(self.returns), "episodes": self.episodes}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.gen.set_state(state["gen"])
        self.envs.load_state_dict(state["envs"])
        self.agent.load_state_dict(state["agent"])
        self.returns = [float(r) for r in state["returns"]]
        self.episodes = int(state["episodes"])
