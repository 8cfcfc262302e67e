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
works well". We minimise
    L = −L_clip + c_v L_V − c_e H,    L_V = ½ E[(V(s) − R)²],
for several epochs of shuffled minibatches per rollout, with advantages A from GAE(λ)
(normalised per minibatch to mean 0, std 1) and the gradient norm clipped.

Diagnostics of one update:
    clip_fraction = fraction of samples with |ρ − 1| > ε (where the clip is active),
    approx_kl     = E[(ρ − 1) − ln ρ], a low-variance, never negative estimate of
                    D_KL(πθ ‖ πθ') from samples of the old policy.

Networks, distributions, GAE and the rollout buffer are those of A2C (lecture 9.4):
see :mod:`engines.rl.a2c`.
"""
from __future__ import annotations

import torch

from engines.rl.a2c import OnPolicyAgent


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


class PPOAgent(OnPolicyAgent):
    """update_epochs passes over each rollout in ``minibatches`` shuffled minibatches."""

    metric_names = ("policy_loss", "value_loss", "entropy", "clip_fraction", "approx_kl")

    def update(self, last_value: torch.Tensor) -> None:
        cfg, buf = self.cfg, self.buffer
        advantages, returns = buf.advantages(last_value, cfg.gamma, cfg.gae_lambda)
        obs = buf.obs.flatten(0, 1)
        actions = buf.actions.flatten(0, 1)
        old_logp = buf.logp.flatten()
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
                policy_loss, clip_fraction, approx_kl = clipped_surrogate(
                    logp, old_logp[idx], normalise(advantages[idx]), cfg.clip)
                value_loss = 0.5 * ((values - returns[idx]) ** 2).mean()
                entropy_mean = entropy.mean()
                loss = (policy_loss + cfg.value_coef * value_loss
                        - cfg.entropy_coef * entropy_mean)
                self.clip_and_step(loss)
                for name, value in (("policy_loss", policy_loss), ("value_loss", value_loss),
                                    ("entropy", entropy_mean),
                                    ("clip_fraction", clip_fraction),
                                    ("approx_kl", approx_kl)):
                    sums[name] += value.item() if torch.is_tensor(value) else value
                count += 1
        self.stats = {name: total / count for name, total in sums.items()}
