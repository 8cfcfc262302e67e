"""The deep CNN of the mnist panel and the criteria of exercise A1.1 (torch).

Architecture (lecture 2.11: convolutions share one k × k kernel per channel pair,
z_{c,j} = Σ_{c',j'} w_{cc'}(j − j') y_{c',j'} + b_c, then y = f(z)):

    input 1 × 28 × 28
    conv k × k (c1 channels, zero padding k//2) + ReLU  → c1 × 28 × 28
    max-pool 2 × 2                                      → c1 × 14 × 14
    conv k × k (c2 channels) + ReLU                     → c2 × 14 × 14
    max-pool 2 × 2                                      → c2 × 7 × 7
    flatten                                             → 49 c2
    dense (hidden) + ReLU                               → hidden
    dense, the last module an nn.Linear                 → 10 logits, or 1 output

Criteria (exercise A1.1), for a batch of n digits x_i with labels y_i ∈ {0, …, 9}:

(a) cross-entropy on 10 logits: L = −(1/n) Σ_i log softmax(f_θ(x_i))_{y_i};
    accuracy: argmax_j f_j(x_i) = y_i.
(b) MSE to the one-hot code h_i (h_ij = 1 iff j = y_i):  L = (1/n) Σ_i Σ_j (f_j(x_i) − h_ij)²;
    accuracy: argmax_j f_j(x_i) = y_i.
(c) one output f' and the class index as a number: L' = (1/n) Σ_i (f'(x_i) − y_i)²;
    accuracy: round(f'(x_i)), clipped to 0..9, equals y_i.
(d) as (c) with the output transformed, f'' = α f' + β (α = β = 4.5): the untrained
    network's outputs (near 0) land near the middle of 0..9 instead of at its edge.
(d') bonus: the same effect from the initialisation alone. Scaling the last nn.Linear
    under torch.no_grad(), W ← α W and b ← α b + β, makes f' equal to (d)'s f'' at step 0
    (the exercise's solution sets b = β, dropping the small initial α b; we keep it so the
    outputs agree exactly).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from engines.mnist.configs import N_CLASSES, MNISTConfig, n_outputs

#: The prediction for an output that is NaN: no class, never correct.
NO_CLASS = -1


# ---- model ----------------------------------------------------------------------------------
def build_cnn(channels1: int, channels2: int, kernel: int, hidden: int, n_out: int,
              generator: torch.Generator) -> nn.Sequential:
    """The CNN on the CPU, initialised from ``generator`` like PyTorch's defaults
    (kaiming-uniform weights, uniform ±1/√fan_in biases) but without the global RNG."""
    pad = kernel // 2
    layers = [
        nn.utils.skip_init(nn.Conv2d, 1, channels1, kernel, padding=pad),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.utils.skip_init(nn.Conv2d, channels1, channels2, kernel, padding=pad),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.utils.skip_init(nn.Linear, channels2 * 7 * 7, hidden),
        nn.ReLU(),
        nn.utils.skip_init(nn.Linear, hidden, n_out),
    ]
    model = nn.Sequential(*layers)
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
                fan_in = layer.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in)
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return model


def cnn_for(cfg: MNISTConfig, device=None) -> nn.Sequential:
    """The config's CNN, seeded by cfg.seed, with (d')'s last-layer scaling applied."""
    gen = torch.Generator().manual_seed(cfg.seed)
    model = build_cnn(cfg.channels1, cfg.channels2, cfg.kernel, cfg.hidden,
                      n_outputs(cfg.criterion), gen)
    if cfg.criterion == "d2_scaled_init":
        scale_last_layer(model, cfg.alpha, cfg.beta)
    return model.to(device) if device is not None else model


def scale_last_layer(model: nn.Sequential, alpha: float, beta: float) -> None:
    """Bonus of A1.1: W ← α W, b ← α b + β in the last nn.Linear, so that the network's
    output becomes α f + β without any transformation in the criterion."""
    last = model[-1]
    if not isinstance(last, nn.Linear):
        raise TypeError("the last module must be an nn.Linear")
    with torch.no_grad():   # in-place changes of leaf parameters need autograd off
        last.weight *= alpha
        last.bias.mul_(alpha).add_(beta)


def export_weights(model: nn.Sequential) -> dict[str, np.ndarray]:
    """float32 numpy copies of the weights, named for engines.mnist.numpy_cnn.forward."""
    convs = [m for m in model if isinstance(m, nn.Conv2d)]
    dense = [m for m in model if isinstance(m, nn.Linear)]
    out = {}
    for name, module in (("conv1", convs[0]), ("conv2", convs[1]), ("fc1", dense[0]),
                         ("fc2", dense[1])):
        out[f"{name}_w"] = module.weight.detach().float().cpu().numpy().copy()
        out[f"{name}_b"] = module.bias.detach().float().cpu().numpy().copy()
    return out


# ---- criteria -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Criterion:
    """Loss and accuracy of one A1.1 variant, on the network's raw output ``out``."""

    name: str
    alpha: float = 1.0
    beta: float = 0.0

    @property
    def n_out(self) -> int:
        return n_outputs(self.name)

    @property
    def regression(self) -> bool:
        return self.n_out == 1

    def transform(self, out: torch.Tensor) -> torch.Tensor:
        """(d): f'' = α f' + β; every other criterion uses the output as it is."""
        if self.name == "d_scaled_output":
            return self.alpha * out + self.beta
        return out

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean loss over the batch; ``out`` is the raw network output."""
        f = self.transform(out).float()
        if self.name == "a_cross_entropy":
            return F.cross_entropy(f, y)
        if self.name == "b_mse_onehot":
            h = F.one_hot(y, N_CLASSES).to(f.dtype)
            return ((f - h) ** 2).sum(dim=1).mean()
        return ((f[:, 0] - y.to(f.dtype)) ** 2).mean()

    def predict(self, out: torch.Tensor) -> torch.Tensor:
        """Predicted class: argmax of the 10 outputs, or the rounded regression output;
        NO_CLASS (−1) where an output is NaN (a diverged net predicts nothing: casting NaN
        to an integer would give an arbitrary, often negative, class)."""
        f = self.transform(out)
        if self.regression:
            f0 = f[:, 0].float()
            pred = torch.round(f0).clamp(0, N_CLASSES - 1).long()
            return torch.where(torch.isnan(f0), NO_CLASS, pred)
        return torch.where(torch.isnan(f).any(dim=1), NO_CLASS, f.argmax(dim=1))

    def correct(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.predict(out) == y


def criterion_for(cfg: MNISTConfig) -> Criterion:
    return Criterion(cfg.criterion, cfg.alpha, cfg.beta)


def images_to_tensor(images: np.ndarray, device,
                     memory_format=torch.contiguous_format) -> torch.Tensor:
    """uint8 (n, 28, 28) grey levels → float32 (n, 1, 28, 28) in [0, 1] on ``device``."""
    x = torch.from_numpy(np.ascontiguousarray(images)).to(device)
    x = x.unsqueeze(1).to(torch.float32).div_(255.0)
    return x.contiguous(memory_format=memory_format)
