"""What the deep-RL demos share (lecture 9.2-9.7): gymnasium environments, the engine's
episode bookkeeping and drawing state, and the small pieces PPO and A2C both use.

Each algorithm is one file that reads top to bottom, with this module as its only other
RL import: :mod:`engines.rl.ppo` (9.6), :mod:`engines.rl.a2c` (9.4), :mod:`engines.rl.dqn`
(9.3); :mod:`engines.rl.control` picks one by ``cfg.algorithm``. In this file, in order:

1. The environments. Two tasks from gymnasium's classic control set, driven through its
   standard API (``reset(seed=...)``, ``step(a) -> obs, reward, terminated, truncated``):

   - ``CartPole-v1``: push a cart left or right (2 discrete actions) to keep a pole
     upright. Reward +1 per step; the episode *terminates* when the pole tilts past 12° or
     the cart leaves the track, and is *truncated* by gymnasium's TimeLimit at 500 steps
     (return 500 = solved). Physical state (x, ẋ, θ, θ̇).
   - ``Pendulum-v1``: swing a pendulum up with a torque a ∈ [−2, 2] (continuous, 1-D).
     Reward −(θ² + 0.1 θ̇² + 0.001 a²) ∈ [−16.27, 0] with θ normalised to [−π, π]; it
     never terminates, only truncates at 200 steps. Physical state (θ, θ̇).

   Termination and truncation mean different things to a learner: at a termination the
   future return is zero, at a truncation the episode was merely cut off, so the value of
   the state s' reached is still γ V(s') (bootstrapping). :meth:`VectorEnv.step` therefore
   returns the final observation s' of an episode separately from the first observation
   of the next one. :class:`VectorEnv` runs several independent copies side by side (reset
   automatically when an episode ends) and saves and restores every copy exactly: the
   physical state, the TimeLimit's step counter, the env's random generator and the
   current observation.
2. :class:`GymEngine`, the part of every deep-RL engine that is not the algorithm: the
   environments, finished-episode returns, the metrics and arrays of a snapshot (what the
   panel draws) and saving / restoring all of it. An algorithm subclass writes
   ``train_step`` and says which extra metrics and state it has.
3. Pieces PPO and A2C share: the tanh MLP, the actor-critic network with its two policy
   families (softmax for CartPole, Gaussian for Pendulum, lecture 9.7), the on-policy
   rollout storage and generalised advantage estimation (GAE).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from engines.rl.configs import ENV_NAMES, ControlConfig
from engines.runtime import Engine, MetricHistory, Snapshot


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


# =========================================================================================
# 2. The engine around an algorithm: episodes, snapshot (drawing state), persistence
# =========================================================================================
#: Metric history is recorded every HISTORY_EVERY vector steps (times the thinning).
HISTORY_EVERY = 16
#: Returns of finished episodes kept for the snapshot's "episode_returns".
MAX_RETURNS = 5000
#: "mean_return_20" averages this many finished episodes.
RECENT = 20
#: Mean return over the last RECENT episodes that counts as solving each task.
SOLVED_AT = {"CartPole-v1": 475.0, "Pendulum-v1": -200.0}


class GymEngine(Engine):
    """``n_envs`` copies of ``cfg.env`` and the bookkeeping every deep-RL demo shares.

    One ``train_step`` (written by the algorithm) is one step of all copies, so the panel
    can show the cart or pendulum in slow motion; ``steps`` counts these vector steps and
    the metric "env_steps" the transitions, ``steps × n_envs``.

    Subclasses set ``metric_names`` (their losses, kept in ``self.stats``) and implement
    ``train_step`` (calling :meth:`record_episodes` after each environment step) and
    ``learner_state`` / ``load_learner_state`` (networks, optimiser, buffers).
    """

    Config = ControlConfig
    divergence_advice = ("Try a smaller learning rate or gradient norm clip, or fewer PPO "
                         "epochs per rollout.")
    metric_names: tuple[str, ...] = ()

    def __init__(self, cfg: ControlConfig, device: str | None = None):
        # Tiny networks fed one environment step at a time: the CPU is the fast place.
        super().__init__(cfg, "cpu")
        self.history = MetricHistory(stride=HISTORY_EVERY)
        self.spec = env_spec(cfg.env)
        # Initial weights, sampled actions and minibatch orders: one seeded generator.
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.envs = VectorEnv(cfg.env, cfg.n_envs, cfg.seed)
        self.returns: list[float] = []       # finished episodes, oldest first (capped)
        self.episodes = 0
        self.stats = dict.fromkeys(self.metric_names, 0.0)

    def record_episodes(self, step: StepResult) -> None:
        """Keep the returns of the episodes that ended in this step."""
        for _, episode_return, _ in step.finished:
            self.returns.append(episode_return)
            self.episodes += 1
        if len(self.returns) > MAX_RETURNS:
            del self.returns[:len(self.returns) - MAX_RETURNS]

    def mean_recent_return(self, k: int = RECENT) -> float:
        """Mean return of the last k finished episodes (0.0 before any has finished)."""
        recent = self.returns[-k:]
        return float(np.mean(recent)) if recent else 0.0

    def solved(self) -> bool:
        return (len(self.returns) >= RECENT
                and self.mean_recent_return() >= SOLVED_AT[self.cfg.env])

    def algorithm_metrics(self) -> dict[str, float]:
        """The algorithm's own numbers (losses of the last update); override to add more."""
        return dict(self.stats)

    def history_metrics(self) -> dict[str, float]:
        metrics = {"episode_return": self.returns[-1] if self.returns else 0.0,
                   "mean_return_20": self.mean_recent_return(),
                   "episodes": float(self.episodes),
                   "env_steps": float(self.step * self.cfg.n_envs)}
        metrics.update(self.algorithm_metrics())
        return {k: float(v) for k, v in metrics.items()}

    def snapshot(self, final: bool = False) -> Snapshot:
        """What the panel draws: copy 0's physical state and last action, all returns."""
        arrays = {"env_state": self.envs.physical_state(0),
                  "action": self.envs.last_action[0].astype(np.float64),
                  "episode_returns": np.array(self.returns, dtype=np.float64)}
        return Snapshot(step=self.step, epoch=self.episodes, metrics=self.history_metrics(),
                        arrays=arrays, history=self.history.arrays(), final=final)

    # ---- persistence --------------------------------------------------------------------
    def learner_state(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def load_learner_state(self, state: dict[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "gen": self.gen.get_state(),
                "envs": self.envs.state_dict(), "agent": self.learner_state(),
                "stats": dict(self.stats), "returns": list(self.returns),
                "episodes": self.episodes}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.gen.set_state(state["gen"])
        self.envs.load_state_dict(state["envs"])
        self.load_learner_state(state["agent"])
        self.stats = {k: float(v) for k, v in state["stats"].items()}
        self.returns = [float(r) for r in state["returns"]]
        self.episodes = int(state["episodes"])


# =========================================================================================
# 3. Pieces shared by PPO and A2C (and the MLP, also DQN's)
# =========================================================================================
LOG_2PI = math.log(2.0 * math.pi)


def mlp(n_in: int, n_out: int, hidden: int, generator: torch.Generator,
        out_gain: float = 1.0) -> nn.Sequential:
    """n_in → hidden → hidden → n_out with tanh, orthogonally initialised from ``generator``.

    Hidden layers get gain √2, the output layer ``out_gain`` (small for a policy so that
    it starts close to uniform / zero-mean); biases start at zero. The layers are built
    with ``skip_init`` because nn.Linear's own initialisation would draw from the global
    RNG.
    """
    sizes = [n_in, hidden, hidden, n_out]
    layers: list[nn.Module] = []
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.utils.skip_init(nn.Linear, fan_in, fan_out)
        last = k == len(sizes) - 2
        with torch.no_grad():
            nn.init.orthogonal_(linear.weight, gain=out_gain if last else math.sqrt(2.0),
                                generator=generator)
            linear.bias.zero_()
        layers.append(linear)
        if not last:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


# ---- the two policy families ----------------------------------------------------------
def categorical_log_prob(logits: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """ln π(a|s) of a softmax policy: logits (B, K), actions (B,) integer."""
    log_p = torch.log_softmax(logits, dim=-1)
    return log_p.gather(-1, actions.long().unsqueeze(-1)).squeeze(-1)


def categorical_entropy(logits: torch.Tensor) -> torch.Tensor:
    """H = −Σ_a π(a|s) ln π(a|s), shape (B,)."""
    log_p = torch.log_softmax(logits, dim=-1)
    return -(log_p.exp() * log_p).sum(-1)


def gaussian_log_prob(mean: torch.Tensor, log_std: torch.Tensor,
                      actions: torch.Tensor) -> torch.Tensor:
    """ln π(a|s) = Σ_d [−(a − μ)²/2σ² − ln σ − ½ ln 2π] of a diagonal Gaussian; (B,)."""
    z = (actions - mean) * torch.exp(-log_std)
    return (-0.5 * z * z - log_std - 0.5 * LOG_2PI).sum(-1)


def gaussian_entropy(log_std: torch.Tensor, batch: int) -> torch.Tensor:
    """H = Σ_d (½ + ½ ln 2π + ln σ_d): the same for every state (σ does not depend on s)."""
    return (0.5 + 0.5 * LOG_2PI + log_std).sum(-1).expand(batch)


class ActorCritic(nn.Module):
    """Policy network πθ(a|s) and value network V(s), side by side ("two heads").

    CartPole: a softmax over the two actions' logits. Pendulum (lecture 9.7): a Gaussian
        πθ(a|s) = 1/Z exp(−(a − μθ(s))² / 2σ²),  Z = √(2π) σ,
    with the mean from the network and a learned, state-independent log σ.
    """

    def __init__(self, spec: EnvSpec, hidden: int, generator: torch.Generator):
        super().__init__()
        self.discrete = spec.discrete
        self.actor = mlp(spec.obs_dim, spec.n_actions, hidden, generator, out_gain=0.01)
        self.critic = mlp(spec.obs_dim, 1, hidden, generator, out_gain=1.0)
        if not self.discrete:
            self.log_std = nn.Parameter(torch.zeros(spec.n_actions))

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        return self.critic(obs).squeeze(-1)

    @torch.no_grad()
    def act(self, obs: torch.Tensor, generator: torch.Generator):
        """Sample a ~ πθ(·|s): returns (actions, ln π(a|s), V(s))."""
        out = self.actor(obs)
        if self.discrete:
            probs = torch.softmax(out, dim=-1)
            actions = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
            logp = categorical_log_prob(out, actions)
        else:
            noise = torch.randn(out.shape, generator=generator)
            actions = out + torch.exp(self.log_std) * noise        # a = μ + σ ε
            logp = gaussian_log_prob(out, self.log_std, actions)
        return actions, logp, self.value(obs)

    def evaluate(self, obs: torch.Tensor, actions: torch.Tensor):
        """(ln πθ(a|s), H[πθ(·|s)], V(s)) of stored actions, with gradients."""
        out = self.actor(obs)
        if self.discrete:
            return (categorical_log_prob(out, actions), categorical_entropy(out),
                    self.value(obs))
        return (gaussian_log_prob(out, self.log_std, actions),
                gaussian_entropy(self.log_std, len(obs)), self.value(obs))


# ---- on-policy rollouts and GAE ---------------------------------------------------------
def gae(rewards: torch.Tensor, values: torch.Tensor, next_values: torch.Tensor,
        terminated: torch.Tensor, truncated: torch.Tensor, gamma: float, lam: float):
    """Generalised advantage estimates and value targets of a rollout, shapes (T, N).

    The λ-weighted mix of all n-step advantage estimates (λ = 1: the n-step advantage up
    to the rollout's end; λ = 0: the one-step A ≈ r + γ V(s') − V(s)). ``values[t]`` =
    V(s_t); ``next_values[t]`` = V(s'_t) of the state the step really reached (at a
    truncation the episode's final state, not the next episode's start).
        δ_t = r_t + γ (1 − terminated_t) V(s'_t) − V(s_t)
        A_t = δ_t + γ λ (1 − done_t) A_{t+1},   done = terminated or truncated
    A termination ends the future (no bootstrap); a truncation keeps γ V(s') in δ_t but
    stops the sum, since step t+1 belongs to a new episode. Returns (A, R = A + V): R is
    the value target, the Bellman-updated value.
    """
    term = terminated.to(values.dtype)
    done = torch.maximum(term, truncated.to(values.dtype))
    advantages = torch.zeros_like(values)
    running = torch.zeros_like(values[0])
    for t in reversed(range(len(values))):
        delta = rewards[t] + gamma * (1.0 - term[t]) * next_values[t] - values[t]
        running = delta + gamma * lam * (1.0 - done[t]) * running
        advantages[t] = running
    return advantages, advantages + values


class RolloutBuffer:
    """T steps of N environments collected with the current policy (on-policy data)."""

    def __init__(self, steps: int, n_envs: int, spec: EnvSpec):
        T, N = steps, n_envs
        self.steps, self.pos = steps, 0
        self.obs = torch.zeros(T, N, spec.obs_dim)
        self.actions = (torch.zeros(T, N, dtype=torch.long) if spec.discrete
                        else torch.zeros(T, N, spec.n_actions))
        self.logp = torch.zeros(T, N)
        self.values = torch.zeros(T, N)
        self.rewards = torch.zeros(T, N)
        self.terminated = torch.zeros(T, N, dtype=torch.bool)
        self.truncated = torch.zeros(T, N, dtype=torch.bool)
        self.final_values = torch.zeros(T, N)   # V(s') where an episode was truncated

    @property
    def full(self) -> bool:
        return self.pos == self.steps

    def add(self, obs, actions, logp, values, step: StepResult,
            final_values: torch.Tensor) -> None:
        """Store one step of all environments: what was seen and done, and what followed."""
        t = self.pos
        self.obs[t], self.actions[t], self.logp[t], self.values[t] = obs, actions, logp, values
        self.rewards[t] = torch.from_numpy(step.reward).float()
        self.terminated[t] = torch.from_numpy(step.terminated)
        self.truncated[t] = torch.from_numpy(step.truncated)
        self.final_values[t] = final_values
        self.pos += 1

    def next_values(self, last_value: torch.Tensor) -> torch.Tensor:
        """V(s'_t): the next row's V(s_{t+1}), V of the truncated episode's end, or 0."""
        following = torch.cat([self.values[1:], last_value.unsqueeze(0)])
        done = self.terminated | self.truncated
        return torch.where(done, self.final_values, following)

    def advantages(self, last_value: torch.Tensor, gamma: float, lam: float):
        return gae(self.rewards, self.values, self.next_values(last_value),
                   self.terminated, self.truncated, gamma, lam)

    def state_dict(self) -> dict[str, Any]:
        names = ("obs", "actions", "logp", "values", "rewards", "terminated", "truncated",
                 "final_values")
        return {"pos": self.pos, **{k: getattr(self, k).clone() for k in names}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.pos = int(state["pos"])
        for key, value in state.items():
            if key != "pos":
                getattr(self, key).copy_(value)


@torch.no_grad()
def truncation_values(value_fn, step: StepResult) -> torch.Tensor:
    """V(s') of the copies cut off by the time limit in this step (0 elsewhere).

    Their future is not zero: the advantage bootstraps from the final state s' reached.
    """
    final_values = torch.zeros(len(step.reward))
    if step.truncated.any():
        idx = np.flatnonzero(step.truncated)
        final_values[torch.from_numpy(idx)] = value_fn(torch.from_numpy(step.final_obs[idx]))
    return final_values
