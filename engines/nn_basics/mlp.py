"""A fully connected network written out layer by layer (lecture 2.3), seeded explicitly.

For every layer n:  z⁽ⁿ⁾ = W⁽ⁿ⁾ y⁽ⁿ⁻¹⁾ + b⁽ⁿ⁾,  y⁽ⁿ⁾ = f(z⁽ⁿ⁾); the output layer is linear.
Weights are drawn from a caller's ``torch.Generator`` (nn.Linear would use the global RNG),
and dropout masks too, so a run is reproducible and its RNG state can be saved.
"""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from engines.runtime import Engine

ACTIVATION_FUNCTIONS = {
    "sigmoid": torch.sigmoid,   # f(z) = 1 / (1 + e^(−z))
    "relu": torch.relu,         # f(z) = max(z, 0)
    "tanh": torch.tanh,
    "sin": torch.sin,           # non-monotonic (lecture FAQ)
}


class MLP(nn.Module):
    def __init__(self, n_in: int, n_out: int, depth: int, width: int, activation: str,
                 generator: torch.Generator, device=None):
        super().__init__()
        if activation not in ACTIVATION_FUNCTIONS:
            raise ValueError(f"unknown activation {activation!r}")
        self.activation = activation
        self.f = ACTIVATION_FUNCTIONS[activation]
        sizes = [n_in] + [width] * depth + [n_out]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            w, b = _init_layer(fan_in, fan_out, activation, generator)
            self.weights.append(nn.Parameter(w.to(device)))
            self.biases.append(nn.Parameter(b.to(device)))

    def hidden(self, x: torch.Tensor, dropout: float = 0.0,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """Activations of the last hidden layer, shape (batch, width)."""
        y = x
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            y = self.f(y @ w.T + b)
            if dropout > 0.0 and self.training:
                y = _dropout(y, dropout, generator)
        return y

    def forward(self, x: torch.Tensor, dropout: float = 0.0,
                generator: torch.Generator | None = None) -> torch.Tensor:
        return self.hidden(x, dropout, generator) @ self.weights[-1].T + self.biases[-1]

    def weight_matrices(self) -> list[torch.Tensor]:
        """All W⁽ⁿ⁾ (no biases): what the L1/L2 penalties act on."""
        return list(self.weights)


def _init_layer(fan_in: int, fan_out: int, activation: str, g: torch.Generator):
    # Uniform init with variance 2/fan_in for ReLU (He) and 1/fan_in otherwise (LeCun),
    # so signals neither explode nor vanish with depth at the start.
    gain = 2.0 if activation == "relu" else 1.0
    bound = math.sqrt(3.0 * gain / fan_in)
    w = (torch.rand(fan_out, fan_in, generator=g) * 2.0 - 1.0) * bound
    b = (torch.rand(fan_out, generator=g) * 2.0 - 1.0) * (1.0 / math.sqrt(fan_in))
    return w, b


def _dropout(y: torch.Tensor, p: float, g: torch.Generator | None) -> torch.Tensor:
    # Inverted dropout: keep each neuron with probability 1 − p and rescale by 1/(1 − p),
    # so the expected activation equals the evaluation-mode one.
    mask = torch.rand(y.shape, generator=g, device=y.device) >= p
    return y * mask / (1.0 - p)


def weight_penalty(model: MLP, l1: float, l2: float) -> torch.Tensor | float:
    """L_weights = λ1 Σ|w| + λ2 Σw² over all weight matrices (lecture 2.7)."""
    total: torch.Tensor | float = 0.0
    for w in model.weight_matrices():
        if l1 > 0.0:
            total = total + l1 * w.abs().sum()
        if l2 > 0.0:
            total = total + l2 * (w * w).sum()
    return total


def sparsity(model: MLP, threshold: float = 1e-2) -> torch.Tensor:
    """Fraction of weight-matrix entries with |w| < threshold (a 0-d tensor)."""
    weights = model.weight_matrices()
    small = torch.stack([(w.abs() < threshold).sum() for w in weights]).sum()
    return small / sum(w.numel() for w in weights)


def batch_indices(n: int, batch_size: int, generator: torch.Generator, device):
    """Indices of one minibatch drawn without replacement, or None for the full set."""
    if batch_size >= n:
        return None
    return torch.randperm(n, generator=generator, device=device)[:batch_size]


def training_generator(seed: int, device) -> torch.Generator:
    """The generator for minibatches and dropout masks, living where the data is.

    Its seed is derived from the config seed but differs from it, so that batch order is
    not the same random stream as the weight initialisation (on CPU both would coincide).
    """
    return torch.Generator(device=device).manual_seed((seed + 0x9E3779B9) % 2**63)


class MLPEngine(Engine):
    """An engine training ``self.model`` with ``self.optimizer``, sampling with ``self.gen``.

    Saves and restores exactly that, plus progress and history (Engine.base_state), so a
    restored run draws the same minibatches and dropout masks as an uninterrupted one.
    """

    model: MLP
    optimizer: torch.optim.Optimizer
    gen: torch.Generator

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(), "gen": self.gen.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.gen.set_state(state["gen"])
