"""Deep RL on gymnasium classic control (lecture 9.2-9.7): the ``ControlEngine`` demo.

PPO (9.6), A2C (9.4) or DQN (9.3) learn CartPole-v1 (balance a pole, 2 actions) or
Pendulum-v1 (swing up, continuous torque, Gaussian policy of 9.7). ``ControlEngine`` is a
thin dispatcher: ``ControlEngine(cfg)`` builds the engine of ``cfg.algorithm``, each one
file that reads top to bottom:

- :mod:`engines.rl.ppo`: :class:`PPOEngine`, the clipped objective;
- :mod:`engines.rl.a2c`: :class:`A2CEngine`, advantage actor-critic;
- :mod:`engines.rl.dqn`: :class:`DQNEngine`, Q-learning with replay and a target network;

with :mod:`engines.rl.envs` (environments, episode bookkeeping, snapshot, GAE) the one
module they share. One ``train_step`` is one step of all ``n_envs`` environments; run
length ``steps`` counts those vector steps, the transitions seen are ``steps × n_envs``
(metric "env_steps").
"""
from __future__ import annotations

from engines.rl.a2c import A2CEngine
from engines.rl.configs import ControlConfig
from engines.rl.dqn import DQNEngine
from engines.rl.envs import HISTORY_EVERY, MAX_RETURNS, RECENT, SOLVED_AT, GymEngine
from engines.rl.ppo import PPOEngine

__all__ = ["ENGINES", "RECOMMENDED", "ControlConfig", "ControlEngine", "HISTORY_EVERY",
           "MAX_RETURNS", "RECENT", "SOLVED_AT"]

ENGINES: dict[str, type[GymEngine]] = {"ppo": PPOEngine, "a2c": A2CEngine,
                                       "dqn": DQNEngine}
#: The metrics each algorithm adds to the shared ones (see GymEngine.history_metrics).
AGENT_METRICS = {"ppo": PPOEngine.metric_names, "a2c": A2CEngine.metric_names,
                 "dqn": ("td_loss", "epsilon", "q_mean")}

#: Overrides that suit A2C and Pendulum better than the CartPole-PPO defaults (for presets):
#: A2C learns CartPole in about 100 000 transitions with them (one gradient step per short
#: rollout); PPO on Pendulum climbs from about −1200 to −300 in 200 000 transitions.
RECOMMENDED = {
    "a2c": dict(rollout_steps=8, learning_rate=1e-3, gae_lambda=1.0, entropy_coef=0.01),
    "Pendulum-v1": dict(n_envs=4, rollout_steps=512, learning_rate=3e-4, gae_lambda=0.95,
                        update_epochs=10, minibatches=32, entropy_coef=0.0, steps=50_000),
}


class ControlEngine(GymEngine):
    """``ControlEngine(cfg)`` returns a PPOEngine, A2CEngine or DQNEngine for cfg.algorithm.

    The demo's engine path ``engines.rl.control:ControlEngine`` stays valid; every engine
    it builds is a :class:`GymEngine` with the same snapshot, metrics and persistence.
    """

    def __new__(cls, cfg: ControlConfig, device: str | None = None):
        if not isinstance(cfg, ControlConfig):
            raise TypeError(f"ControlEngine needs a ControlConfig, not {type(cfg).__name__}")
        # Python skips __init__ because the object returned is not a ControlEngine.
        return ENGINES[cfg.algorithm](cfg, device)
