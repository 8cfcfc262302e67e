"""Proximal policy optimisation (PPO, lecture 9.5-9.6) with the clipped objective.

Collecting trajectories is expensive, so we would like to take several large gradient
steps on one batch. But the policy gradient E_θ[A ∂θ ln πθ] only holds near the policy θ
that collected the data; large steps can ruin the policy. TRPO limits the change by a trust
region D_KL(πθ ‖ πθ') ≤ δ (with the costly Fisher matrix I). PPO gets the same effect
with a simple pessimistic objective. With the probability ratio
    ρ = πθ'(a|s) / πθ(a|s)   (θ: the policy that collected the rollout, θ': being trained)
the surrogate E[A ρ] (whose gradient at θ' = θ is the policy gradient) is replaced by
    L_clip = E[ min(A ρ, A clip(ρ, 1 − ε, 1 + ε)) ],
so there is no incentive to move ρ outside [1 − ε, 1 + ε]: "no KL needed, very simple,
works well".

The algorithm, as this file runs it (one ``train_step`` = one step of all N copies):

    θ ← random; the policy πθ and the critic V share the optimiser ("two heads")
    repeat:
        collect T steps of N environments with πθ: s_t, a_t, ln πθ(a_t|s_t), V(s_t), r_t
        A_t = GAE(r, V; γ, λ),  R_t = A_t + V(s_t)                 (advantage, 9.4)
        for update_epochs passes, for each of `minibatches` shuffled minibatches:
            ρ   = exp(ln πθ'(a|s) − ln πθ(a|s))
            L   = −L_clip + c_v ½ E[(V(s) − R)²] − c_e H[πθ'(·|s)]
            θ' ← θ' − η Adam(∇L)       (gradient norm clipped to max_grad_norm)
        θ ← θ'

The advantages are normalised per minibatch (mean 0, std 1). Diagnostics of one update:
    clip_fraction = fraction of samples with |ρ − 1| > ε (where the clip is active),
    approx_kl     = E[(ρ − 1) − ln ρ], a low-variance, never negative estimate of
                    D_KL(πθ ‖ πθ') from samples of the old policy.

The network (:class:`ActorCritic`), the rollout storage, GAE and the environments are
in :mod:`engines.rl.envs`, the only other file to read.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from engines.rl.configs import ControlConfig
from engines.rl.envs import ActorCritic, GymEngine, RolloutBuffer, truncation_values


# ---- the loss ---------------------------------------------------------------------------
def clipped_surrogate(new_logp: torch.Tensor, old_logp: torch.Tensor,
                      advantages: torch.Tensor, clip: float):
    """PPO's clipped policy loss: returns (loss, clip_fraction, approx_kl).

        ρ    = exp(ln πθ'(a|s) − ln πθ(a|s))
        loss = −E[min(A ρ, A clip(ρ, 1 − ε, 1 + ε))]      (a tensor with gradient)
        clip_fraction = E[|ρ − 1| > ε],  approx_kl = E[(ρ − 1) − ln ρ]   (floats)
    """
    log_ratio = new_logp - old_logp
    ratio = torch.exp(log_ratio)
    unclipped = advantages * ratio
    clipped = advantages * torch.clamp(ratio, 1.0 - clip, 1.0 + clip)
    loss = -torch.minimum(unclipped, clipped).mean()
    with torch.no_grad():
        clip_fraction = float(((ratio - 1.0).abs() > clip).float().mean())
        approx_kl = float(((ratio - 1.0) - log_ratio).mean())
    return loss, clip_fraction, approx_kl


def normalise(x: torch.Tensor) -> torch.Tensor:
    """(x − mean) / (std + 1e-8); a single sample is left as it is."""
    if x.numel() < 2:
        return x
    return (x - x.mean()) / (x.std() + 1e-8)


# ---- the engine: rollout, then update -----------------------------------------------------
class PPOEngine(GymEngine):
    """PPO on ``cfg.env``: learns whenever a rollout of ``rollout_steps`` is full."""

    metric_names = ("policy_loss", "value_loss", "entropy", "clip_fraction", "approx_kl")

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
        """update_epochs passes over the rollout in ``minibatches`` shuffled minibatches."""
        cfg, buf = self.cfg, self.buffer
        advantages, returns = buf.advantages(last_value, cfg.gamma, cfg.gae_lambda)
        obs = buf.obs.flatten(0, 1)                   # (T, N, ...) -> (T·N, ...)
        actions = buf.actions.flatten(0, 1)
        old_logp = buf.logp.flatten()                 # ln πθ(a|s) of the collecting policy
        advantages, returns = advantages.flatten(), returns.flatten()
        batch = len(obs)
        size = max(1, batch // cfg.minibatches)
        sums = dict.fromkeys(self.metric_names, 0.0)
        count = 0
        for _ in range(cfg.update_epochs):
            order = torch.randperm(batch, generator=self.gen)
            for start in range(0, batch - size + 1, size):
                idx = order[start:start + size]
                logp, entropy, values = self.net.evaluate(obs[idx], actions[idx])
                # L = −L_clip + c_v L_V − c_e H
                policy_loss, clip_fraction, approx_kl = clipped_surrogate(
                    logp, old_logp[idx], normalise(advantages[idx]), cfg.clip)
                value_loss = 0.5 * ((values - returns[idx]) ** 2).mean()
                entropy_mean = entropy.mean()
                loss = (policy_loss + cfg.value_coef * value_loss
                        - cfg.entropy_coef * entropy_mean)
                self.optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(self.net.parameters(), cfg.max_grad_norm)
                self.optimizer.step()
                for name, value in (("policy_loss", policy_loss.item()),
                                    ("value_loss", value_loss.item()),
                                    ("entropy", entropy_mean.item()),
                                    ("clip_fraction", clip_fraction),
                                    ("approx_kl", approx_kl)):
                    sums[name] += value
                count += 1
        self.stats = {name: total / count for name, total in sums.items()}

    # ---- persistence ------------------------------------------------------------------
    def learner_state(self) -> dict[str, Any]:
        return {"net": self.net.state_dict(), "optimizer": self.optimizer.state_dict(),
                "buffer": self.buffer.state_dict(), "updates": self.updates}

    def load_learner_state(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.buffer.load_state_dict(state["buffer"])
        self.updates = int(state["updates"])
