"""Small torch networks of the structure demos, initialised from a seeded generator (the
global RNG is never touched: modules are built inside ``fork_rng`` and re-drawn from
``gen``)."""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn


def _uniform(shape, bound: float, gen: torch.Generator) -> torch.Tensor:
    return (torch.rand(shape, generator=gen) * 2 - 1) * bound


def init_seeded(module: nn.Module, gen: torch.Generator) -> nn.Module:
    """torch's default initialisations, drawn from ``gen``: Linear U(±1/√fan_in),
    Embedding N(0, 1), MultiheadAttention's input projections Xavier-uniform with zero
    biases. LayerNorms keep γ = 1, b = 0."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Linear):
                bound = 1.0 / math.sqrt(layer.in_features)
                layer.weight.copy_(_uniform(layer.weight.shape, bound, gen))
                if layer.bias is not None:
                    layer.bias.copy_(_uniform(layer.bias.shape, bound, gen))
            elif isinstance(layer, nn.Embedding):
                layer.weight.copy_(torch.randn(layer.weight.shape, generator=gen))
            elif isinstance(layer, nn.MultiheadAttention):
                w = layer.in_proj_weight
                bound = math.sqrt(6.0 / (w.shape[1] + w.shape[0] // 3))
                w.copy_(_uniform(w.shape, bound, gen))
                layer.in_proj_bias.zero_()
    for layer in module.modules():          # MHA's out_proj: a Linear with zero bias
        if isinstance(layer, nn.MultiheadAttention):
            with torch.no_grad():
                layer.out_proj.bias.zero_()
    return module


def build(make: Callable[[], nn.Module], gen: torch.Generator) -> nn.Module:
    """``make()`` without touching the global RNG, then initialised from ``gen``."""
    with torch.random.fork_rng(devices=[]):
        module = make()
    return init_seeded(module, gen)


def mlp(n_in: int, hidden: int, n_out: int, depth: int = 1) -> nn.Sequential:
    """n_in → (hidden, SiLU) × depth → n_out (call inside :func:`build`)."""
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.SiLU()]
        width = hidden
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)
