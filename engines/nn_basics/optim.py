"""torch optimizers by the names used in the configs (lecture 2.5 and 2.9)."""
from __future__ import annotations

import torch


def make_optimizer(name: str, params, lr: float, momentum: float = 0.9) -> torch.optim.Optimizer:
    """sgd: δθ = −η g; momentum: running average of g with β = ``momentum``; rmsprop / adagrad /
    adam: adaptive per-parameter steps. Adam uses the lecture's β = 0.9, γ = 0.999, ε = 1e-8.
    """
    params = list(params)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        # m ← β m + (1−β) g,  δθ = −η m: the lecture's running average of the gradient.
        return torch.optim.SGD(params, lr=lr, momentum=momentum, dampening=momentum)
    if name == "rmsprop":
        # v ← α v + (1 − α) g²,  δθ = −η g / (√v + ε)
        return torch.optim.RMSprop(params, lr=lr, alpha=0.99, eps=1e-8)
    if name == "adagrad":
        # v ← v + g²: the step size shrinks as gradients accumulate
        return torch.optim.Adagrad(params, lr=lr)
    if name == "adam":
        # m ← β m + (1−β) g,  v ← γ v + (1−γ) g²,  δθ = −η m̂ / (√v̂ + ε)
        return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    raise ValueError(f"unknown optimizer {name!r}; known: sgd, momentum, rmsprop, adagrad, adam")
