"""Small torch networks built from a seeded generator (the global RNG is never touched)."""
from __future__ import annotations

import math

import torch
from torch import nn


def init_seeded(module: nn.Module, gen: torch.Generator) -> None:
    """PyTorch's default Linear init U(±1/√fan_in), drawn from ``gen``."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Linear):
                bound = 1.0 / math.sqrt(layer.in_features)
                layer.weight.copy_((torch.rand(layer.weight.shape, generator=gen) * 2 - 1)
                                   * bound)
                layer.bias.copy_((torch.rand(layer.bias.shape, generator=gen) * 2 - 1) * bound)


def mlp(n_in: int, hidden: int, depth: int, n_out: int, gen: torch.Generator) -> nn.Sequential:
    """n_in → (hidden, SiLU) × depth → n_out, initialised from ``gen``."""
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.SiLU()]
        width = hidden
    layers.append(nn.Linear(width, n_out))
    with torch.random.fork_rng(devices=[]):   # Linear's own init would draw globally
        net = nn.Sequential(*layers)
    init_seeded(net, gen)
    return net
