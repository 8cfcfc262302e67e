"""Classic-control environments for deep RL (lecture 9.2-9.7), used through gymnasium.

Two tasks from gymnasium's classic control set, driven through its standard API
(``reset(seed=...)`` and ``step(action) -> obs, reward, terminated, truncated, info``):

- ``CartPole-v1``: push a cart left or right (2 discrete actions) to keep a pole upright.
  Reward +1 per step; the episode *terminates* when the pole tilts past 12° or the cart
  leaves the track, and is *truncated* by gymnasium's TimeLimit at 500 steps (return 500
  = solved). Physical state (x, ẋ, θ, θ̇).
- ``Pendulum-v1``: swing a pendulum up with a torque a ∈ [−2, 2] (continuous, 1-D).
  Reward −(θ² + 0.1 θ̇² + 0.001 a²) ∈ [−16.27, 0] with θ normalised to [−π, π]; it
  never terminates, only truncates at 200 steps. Physical state (θ, θ̇).

Termination and truncation mean different things to a learner: at a termination the
future return is zero, at a truncation the episode was merely cut off, so the value of
the state s' reached is still γ V(s') (bootstrapping). :meth:`VectorEnv.step` therefore
returns the final observation s' of an episode separately from the first observation of
the next one.

:class:`VectorEnv` runs several independent copies side by side (a plain list of
gymnasium envs, reset automatically when an episode ends) and can save and restore every
copy exactly: the physical state, the TimeLimit's step counter, the env's random
generator and the current observation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from engines.rl.configs import ENV_NAMES


@dataclass(frozen=True)
class EnvSpec:
    """What a learner needs to know about a task."""

    name: str
    obs_dim: int
    discrete: bool
    n_actions: int          # discrete: number of actions; continuous: action dimension
    low: float = 0.0        # continuous action bounds
    high: float = 0.0
    max_steps: int = 0      # the TimeLimit's episode length
    state_names: tuple[str, ...] = ()


SPECS = {
    "CartPole-v1": EnvSpec("CartPole-v1", obs_dim=4, discrete=True, n_actions=2,
                           max_steps=500, state_names=("x", "x_dot", "theta", "theta_dot")),
    "Pendulum-v1": EnvSpec("Pendulum-v1", obs_dim=3, discrete=False, n_actions=1,
                           low=-2.0, high=2.0, max_steps=200,
                           state_names=("theta", "theta_dot")),
}


def env_spec(name: str) -> EnvSpec:
    if name not in SPECS:
        raise ValueError(f"unknown environment {name!r}; known: {', '.join(ENV_NAMES)}")
    return SPECS[name]


def env_seed(seed: int, index: int) -> int:
    """The reset seed of copy ``index`` of a run with ``seed``: independent streams."""
    return int(np.random.SeedSequence([seed, index, 0x5EED]).generate_state(1)[0])


def _time_limit(env: gym.Env) -> gym.wrappers.TimeLimit:
    wrapper = env
    while isinstance(wrapper, gym.Wrapper):
        if isinstance(wrapper, gym.wrappers.TimeLimit):
            return wrapper
        wrapper = wrapper.env
    raise ValueError(f"{env} has no TimeLimit wrapper")


@dataclass
class StepResult:
    """One step of all copies. Row i belongs to copy i."""

    obs: np.ndarray           # (n, obs_dim) float32: what the agent sees next (reset if done)
    reward: np.ndarray        # (n,) float64
    terminated: np.ndarray    # (n,) bool: the MDP ended (no future reward)
    truncated: np.ndarray     # (n,) bool: cut off by the time limit (future value γ V(s'))
    final_obs: np.ndarray     # (n, obs_dim) float32: s' of this transition (before any reset)
    finished: list[tuple[int, float, int]] = field(default_factory=list)
    # (copy, return, length) of each episode that ended in this step

    @property
    def done(self) -> np.ndarray:
        return self.terminated | self.truncated


class VectorEnv:
    """``n`` independent copies of one gymnasium task, reset automatically."""

    def __init__(self, name: str, n: int, seed: int):
        self.spec = env_spec(name)
        self.n = n
        self.envs = [gym.make(name, disable_env_checker=True) for _ in range(n)]
        self._limits = [_time_limit(env) for env in self.envs]
        self.obs = np.stack([env.reset(seed=env_seed(seed, i))[0]
                             for i, env in enumerate(self.envs)]).astype(np.float32)
        self.episode_return = np.zeros(n)          # running return of each copy
        self.episode_length = np.zeros(n, dtype=np.int64)
        self.last_action = np.zeros((n, 1))        # the action applied last, per copy

    # ---- stepping ---------------------------------------------------------------------
    def env_action(self, action: np.ndarray, i: int) -> Any:
        """The gymnasium action of copy i: an int (CartPole) or a clipped (1,) array."""
        if self.spec.discrete:
            return int(action[i])
        a = np.asarray(action[i], dtype=np.float32).reshape(self.spec.n_actions)
        return np.clip(a, self.spec.low, self.spec.high)

    def step(self, actions: np.ndarray) -> StepResult:
        n, dim = self.n, self.spec.obs_dim
        next_obs = np.empty((n, dim), dtype=np.float32)
        final_obs = np.empty((n, dim), dtype=np.float32)
        reward = np.empty(n)
        terminated = np.zeros(n, dtype=bool)
        truncated = np.zeros(n, dtype=bool)
        finished = []
        for i, env in enumerate(self.envs):
            a = self.env_action(actions, i)
            self.last_action[i] = a
            obs, r, term, trunc, _ = env.step(a)
            reward[i], terminated[i], truncated[i] = r, term, trunc
            final_obs[i] = obs
            self.episode_return[i] += r
            self.episode_length[i] += 1
            if term or trunc:
                finished.append((i, float(self.episode_return[i]),
                                 int(self.episode_length[i])))
                self.episode_return[i], self.episode_length[i] = 0.0, 0
                obs, _ = env.reset()   # continues the env's own seeded generator
            next_obs[i] = obs
        self.obs = next_obs
        return StepResult(next_obs.copy(), reward, terminated, truncated, final_obs, finished)

    # ---- drawing ----------------------------------------------------------------------
    def physical_state(self, i: int = 0) -> np.ndarray:
        """Copy i's physical state: CartPole (x, ẋ, θ, θ̇), Pendulum (θ, θ̇); float64."""
        return np.array(self.envs[i].unwrapped.state, dtype=np.float64)

    # ---- persistence ------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        copies = []
        for env, limit in zip(self.envs, self._limits):
            raw = env.unwrapped
            copies.append({
                "state": torch.from_numpy(np.array(raw.state, dtype=np.float64)),
                "elapsed_steps": int(limit._elapsed_steps),
                "rng": raw.np_random.bit_generator.state,
                # CartPole's "stepped after termination" counter, Pendulum's last torque
                # (display only): restored so the copy is the same object in every respect.
                "steps_beyond_terminated": getattr(raw, "steps_beyond_terminated", None),
                "last_u": (None if getattr(raw, "last_u", None) is None
                           else float(raw.last_u)),
            })
        return {"name": self.spec.name, "copies": copies,
                "obs": torch.from_numpy(self.obs.copy()),
                "episode_return": torch.from_numpy(self.episode_return.copy()),
                "episode_length": torch.from_numpy(self.episode_length.copy()),
                "last_action": torch.from_numpy(self.last_action.copy())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["name"] != self.spec.name or len(state["copies"]) != self.n:
            raise ValueError(f"saved environments ({state['name']} x{len(state['copies'])}) "
                             f"do not fit {self.spec.name} x{self.n}")
        for env, limit, saved in zip(self.envs, self._limits, state["copies"]):
            raw = env.unwrapped
            raw.state = saved["state"].numpy().astype(np.float64)
            limit._elapsed_steps = int(saved["elapsed_steps"])
            raw.np_random.bit_generator.state = saved["rng"]
            if hasattr(raw, "steps_beyond_terminated"):
                raw.steps_beyond_terminated = saved["steps_beyond_terminated"]
            if hasattr(raw, "last_u"):
                raw.last_u = saved["last_u"]
        self.obs = state["obs"].numpy().astype(np.float32)
        self.episode_return = state["episode_return"].numpy().astype(np.float64)
        self.episode_length = state["episode_length"].numpy().astype(np.int64)
        self.last_action = state["last_action"].numpy().astype(np.float64)

    def close(self) -> None:
        for env in self.envs:
            env.close()
