"""Shared torch helpers of the autoencoder demos: seeded layers, batches, evaluation cadence,
principal angles."""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

#: Steps between two evaluations on the whole data (a power of two, so the history's
#: thinning to every 2^k-th step keeps them; the rows in between hold NaN).
EVAL_EVERY = 16

ACTIVATION_MODULES = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "silu": nn.SiLU}


def eval_due(step: int) -> bool:
    return step % EVAL_EVERY == 0


def linear(d_in: int, d_out: int, bias: bool = True) -> nn.Linear:
    """An nn.Linear whose weights are not drawn (nn.Linear would use the global RNG)."""
    return torch.nn.utils.skip_init(nn.Linear, d_in, d_out, bias=bias)


@torch.no_grad()
def seeded_init(module: nn.Module, gen: torch.Generator) -> None:
    """torch's default initialisation (uniform ±1/√fan_in) drawn from ``gen``."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            bound = 1.0 / math.sqrt(m.in_features)
            m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 2 * bound - bound)
            if m.bias is not None:
                m.bias.copy_(torch.rand(m.bias.shape, generator=gen) * 2 * bound - bound)


def mlp(sizes: list[int], activation: str, last_activation: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(linear(a, b))
        if i < len(sizes) - 2 or last_activation:
            layers.append(ACTIVATION_MODULES[activation]())
    return nn.Sequential(*layers)


def batch(x: torch.Tensor, size: int, gen: torch.Generator) -> torch.Tensor:
    """A minibatch drawn with replacement, or all of x when ``size`` ≥ len(x)."""
    if size >= len(x):
        return x
    return x[torch.randint(0, len(x), (size,), generator=gen)]


def principal_angles_deg(a: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Principal angles (degrees, ascending) between span(a) and span(v), v orthonormal
    columns. Computed from the sines, the singular values of (1 − v vᵀ) q with q an
    orthonormal basis of span(a): accurate also for tiny angles (arccos is not)."""
    q, _ = np.linalg.qr(a)
    resid = q - v @ (v.T @ q)
    s = np.clip(np.linalg.svd(resid, compute_uv=False), 0.0, 1.0)
    return np.sort(np.degrees(np.arcsin(s)))


def images(x: np.ndarray, limit: int) -> np.ndarray:
    """The first ``limit`` rows as a float64 copy (display)."""
    return np.asarray(x[:limit], dtype=np.float64).copy()


class Throttle:
    """The expensive part of a snapshot at most every ``period`` seconds; keyed by the
    step, so two snapshots of one step are identical; a final snapshot is always fresh."""

    def __init__(self, period: float = 0.25):
        import time

        self._clock = time.perf_counter
        self.period, self._at, self._step, self._value = period, -math.inf, None, None

    def get(self, step: int, final: bool, compute):
        now = self._clock()
        stale = step != self._step and now - self._at >= self.period
        if final or self._value is None or stale:
            self._value, self._step, self._at = compute(), step, now
        return self._value

    def clear(self) -> None:
        self._value, self._step = None, None
