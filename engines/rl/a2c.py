"""Advantage actor-critic (A2C, lecture 9.4) and the pieces PPO builds on.

Policy gradient (9.2): maximise E_π[R] by gradient ascent,
    δθ ∝ ∂/∂θ E_πθ[R] = E_π[ Σ_t R_{t+1}^(γ) ∂θ ln πθ(a_t|s_t) ]        ("REINFORCE"),
where only the future (discounted) return R_{t+1}^(γ) of step t matters, and any baseline
B(s_t) may be subtracted without changing the expectation. Choosing B = V_π(s) turns the
weight into the advantage
    A_π(s_t, a_t) = Q_π(s_t, a_t) − V_π(s_t)   "how much better is a_t than π on average?"
which the critic estimates by one Bellman step,
    A ≈ r_{t+1} + γ V(s_{t+1}) − V(s_t),
or, looking n steps ahead, A = Σ_{k<n} γ^k r_{t+k+1} + γ^n V(s_{t+n}) − V(s_t).
We use generalised advantage estimation (GAE), the λ-weighted mix of all n-step estimates:
    δ_t = r_t + γ (1 − terminated_t) V(s'_t) − V(s_t),
    A_t = δ_t + γ λ (1 − done_t) A_{t+1}
(λ = 1: the n-step advantage up to the rollout's end; λ = 0: the one-step one).

"Two heads" trained together, θ = all parameters:
    L = −E[ A.detach() ln πθ(a_t|s_t) ] + c_v L_V − c_e H[πθ(·|s_t)],
    L_V = ½ E[(V(s_t) − R_t)²],  R_t = A_t + V(s_t)   (the Bellman-updated value),
with an entropy bonus H that keeps the policy exploring.

Actions: CartPole's two actions come from a softmax (categorical) policy; Pendulum's torque
from a Gaussian (lecture 9.7)
    πθ(a|s) = 1/Z exp(−(a − μθ(s))² / 2σ²),  Z = √(2π) σ,
with the mean from the network and a learned, state-independent log σ:
    ln π = −(a − μ)² / 2σ² − ln σ − ½ ln 2π,   H = ½ + ½ ln 2π + ln σ.

Everything random (initial weights, sampled actions) is drawn from a torch.Generator
owned by the agent, never the global RNG, so runs are reproducible and resumable.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from engines.rl.envs import EnvSpec, StepResult

LOG_2PI = math.log(2.0 * math.pi)


# ---- networks -------------------------------------------------------------------------
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


# ---- action distributions -------------------------------------------------------------
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
    """Policy network πθ(a|s) and value network V(s), side by side ("two heads")."""

    def __init__(self, spec: EnvSpec, hidden: int, generator: torch.Generator):
        super().__init__()
        self.discrete = spec.discrete
        self.actor = mlp(spec.obs_dim, spec.n_actions, hidden, generator, out_gain=0.01)
        self.critic = mlp(spec.obs_dim, 1, hidden, generator, out_gain=1.0)
        if not self.discrete:
            # log σ: a learned parameter, independent of the state (lecture 9.7).
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


# ---- advantages ---------------------------------------------------------------------------
def gae(rewards: torch.Tensor, values: torch.Tensor, next_values: torch.Tensor,
        terminated: torch.Tensor, truncated: torch.Tensor, gamma: float, lam: float):
    """Generalised advantage estimates and value targets of a rollout, shapes (T, N).

    ``values[t]`` = V(s_t); ``next_values[t]`` = V(s'_t) of the state the step really
    reached (at a truncation the episode's final state, not the next episode's start).
        δ_t = r_t + γ (1 − terminated_t) V(s'_t) − V(s_t)
        A_t = δ_t + γ λ (1 − done_t) A_{t+1},   done = terminated or truncated
    A termination ends the future (no bootstrap); a truncation keeps γ V(s') in δ_t but
    stops the sum, since step t+1 belongs to a new episode. Returns (A, R = A + V).
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

    def add(self, obs, actions, logp, values) -> None:
        t = self.pos
        self.obs[t], self.actions[t], self.logp[t], self.values[t] = obs, actions, logp, values

    def finish_step(self, step: StepResult, final_values: torch.Tensor) -> None:
        t = self.pos
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


class OnPolicyAgent:
    """Collects rollouts with the current policy and learns from each full one.

    Subclasses implement :meth:`update`. One ``act`` + ``observe`` pair is one step of all
    environments; when T steps are stored, the rollout is used once and then overwritten.
    """

    metric_names: tuple[str, ...] = ()

    def __init__(self, spec: EnvSpec, cfg, generator: torch.Generator):
        self.spec, self.cfg, self.gen = spec, cfg, generator
        self.net = ActorCritic(spec, cfg.hidden, generator)
        # foreach: one fused update over all parameter tensors (faster for small nets).
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=cfg.learning_rate,
                                          eps=1e-5, foreach=True)
        self.buffer = RolloutBuffer(cfg.rollout_steps, cfg.n_envs, spec)
        self.updates = 0
        self.stats = {name: 0.0 for name in self.metric_names}

    def act(self, obs: np.ndarray) -> np.ndarray:
        """Actions of all copies for observations (N, obs_dim); stored for learning."""
        x = torch.from_numpy(obs)
        actions, logp, values = self.net.act(x, self.gen)
        self.buffer.add(x, actions, logp, values)
        return actions.numpy()

    def observe(self, step: StepResult) -> None:
        """Store the outcome of the last ``act``; learn when the rollout is full."""
        final_values = torch.zeros(len(step.reward))
        if step.truncated.any():
            # Cut off by the time limit: the future is not zero, bootstrap from V(s').
            idx = np.flatnonzero(step.truncated)
            with torch.no_grad():
                final_obs = torch.from_numpy(step.final_obs[idx])
                final_values[torch.from_numpy(idx)] = self.net.value(final_obs)
        self.buffer.finish_step(step, final_values)
        if self.buffer.full:
            with torch.no_grad():
                last_value = self.net.value(torch.from_numpy(step.obs))
            self.update(last_value)
            self.updates += 1
            self.buffer.pos = 0

    def update(self, last_value: torch.Tensor) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def clip_and_step(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.net.parameters(), self.cfg.max_grad_norm)
        self.optimizer.step()

    def metrics(self) -> dict[str, float]:
        return dict(self.stats)

    def state_dict(self) -> dict[str, Any]:
        return {"net": self.net.state_dict(), "optimizer": self.optimizer.state_dict(),
                "buffer": self.buffer.state_dict(), "updates": self.updates,
                "stats": dict(self.stats)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.buffer.load_state_dict(state["buffer"])
        self.updates = int(state["updates"])
        self.stats = {k: float(v) for k, v in state["stats"].items()}


class A2CAgent(OnPolicyAgent):
    """One gradient step per rollout on L = −A.detach() ln π + c_v L_V − c_e H."""

    metric_names = ("policy_loss", "value_loss", "entropy")

    def update(self, last_value: torch.Tensor) -> None:
        cfg, buf = self.cfg, self.buffer
        advantages, returns = buf.advantages(last_value, cfg.gamma, cfg.gae_lambda)
        obs = buf.obs.flatten(0, 1)
        actions = buf.actions.flatten(0, 1)
        logp, entropy, values = self.net.evaluate(obs, actions)
        # The advantage is a fixed weight ("θ fixed here"): no gradient flows through it.
        policy_loss = -(advantages.flatten().detach() * logp).mean()
        value_loss = 0.5 * ((values - returns.flatten()) ** 2).mean()
        entropy_mean = entropy.mean()
        loss = policy_loss + cfg.value_coef * value_loss - cfg.entropy_coef * entropy_mean
        self.clip_and_step(loss)
        self.stats = {"policy_loss": policy_loss.item(), "value_loss": value_loss.item(),
                      "entropy": entropy_mean.item()}
