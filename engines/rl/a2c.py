"""Advantage actor-critic (A2C, lecture 9.4).

Policy gradient (9.2): maximise E_π[R] by gradient ascent,
    δθ ∝ ∂/∂θ E_πθ[R] = E_π[ Σ_t R_{t+1}^(γ) ∂θ ln πθ(a_t|s_t) ]        ("REINFORCE"),
where only the future (discounted) return R_{t+1}^(γ) of step t matters, and any baseline
B(s_t) may be subtracted without changing the expectation. Choosing B = V_π(s) turns the
weight into the advantage
    A_π(s_t, a_t) = Q_π(s_t, a_t) − V_π(s_t)   "how much better is a_t than π on average?"
which the critic estimates by one Bellman step,
    A ≈ r_{t+1} + γ V(s_{t+1}) − V(s_t),
or, looking n steps ahead, A = Σ_{k<n} γ^k r_{t+k+1} + γ^n V(s_{t+n}) − V(s_t); we use
GAE(λ), the λ-weighted mix of all of them.

The algorithm, as this file runs it (one ``train_step`` = one step of all N copies):

    θ ← random; policy πθ and critic V ("two heads", θ = all parameters)
    repeat:
        collect T steps of N environments with πθ: s_t, a_t, V(s_t), r_t
        A_t = GAE(r, V; γ, λ),  R_t = A_t + V(s_t)        (R: the Bellman-updated value)
        L = −E[ A.detach() ln πθ(a_t|s_t) ] + c_v ½ E[(V(s_t) − R_t)²] − c_e H[πθ(·|s_t)]
        θ ← θ − η Adam(∇L)       (one step per rollout; gradient norm clipped)

The entropy bonus H keeps the policy exploring. The network (:class:`ActorCritic`:
softmax for CartPole, Gaussian with learned σ for Pendulum), the rollout storage, GAE and
the environments are in :mod:`engines.rl.envs`, the only other file to read.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from engines.rl.configs import ControlConfig
from engines.rl.envs import ActorCritic, GymEngine, RolloutBuffer, truncation_values


class A2CEngine(GymEngine):
    """A2C on ``cfg.env``: one gradient step whenever a rollout of ``rollout_steps`` is full."""

    metric_names = ("policy_loss", "value_loss", "entropy")

    def __init__(self, cfg: ControlConfig, device: str | None = None):
        super().__init__(cfg, device)
        self.net = ActorCritic(self.spec, cfg.hidden, self.gen)
        # foreach: one fused update over all parameter tensors (faster for small nets).
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=cfg.learning_rate,
                                          eps=1e-5, foreach=True)
        self.buffer = RolloutBuffer(cfg.rollout_steps, cfg.n_envs, self.spec)
        self.updates = 0

    def train_step(self) -> None:
        # Collect: a_t ~ πθ(·|s_t) in every copy, one environment step, store it.
        obs = torch.from_numpy(self.envs.obs)
        actions, logp, values = self.net.act(obs, self.gen)
        step = self.envs.step(actions.numpy())
        self.record_episodes(step)
        self.buffer.add(obs, actions, logp, values, step,
                        truncation_values(self.net.value, step))
        if self.buffer.full:                    # T steps stored: learn, then start afresh
            with torch.no_grad():
                last_value = self.net.value(torch.from_numpy(step.obs))
            self.update(last_value)
            self.updates += 1
            self.buffer.pos = 0

    def update(self, last_value: torch.Tensor) -> None:
        """One gradient step on L = −A.detach() ln π + c_v L_V − c_e H over the rollout."""
        cfg, buf = self.cfg, self.buffer
        advantages, returns = buf.advantages(last_value, cfg.gamma, cfg.gae_lambda)
        logp, entropy, values = self.net.evaluate(buf.obs.flatten(0, 1),
                                                  buf.actions.flatten(0, 1))
        # The advantage is a fixed weight ("θ fixed here"): no gradient flows through it.
        policy_loss = -(advantages.flatten().detach() * logp).mean()
        value_loss = 0.5 * ((values - returns.flatten()) ** 2).mean()
        entropy_mean = entropy.mean()
        loss = policy_loss + cfg.value_coef * value_loss - cfg.entropy_coef * entropy_mean
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.net.parameters(), cfg.max_grad_norm)
        self.optimizer.step()
        self.stats = {"policy_loss": policy_loss.item(), "value_loss": value_loss.item(),
                      "entropy": entropy_mean.item()}

    # ---- persistence ------------------------------------------------------------------
    def learner_state(self) -> dict[str, Any]:
        return {"net": self.net.state_dict(), "optimizer": self.optimizer.state_dict(),
                "buffer": self.buffer.state_dict(), "updates": self.updates}

    def load_learner_state(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.buffer.load_state_dict(state["buffer"])
        self.updates = int(state["updates"])
