"""Normalizing flows: invertible networks of affine coupling layers (lecture 7.2).

Transforming densities: x = F_θ(z) with z ~ p_z = N(0, 1) gives
    q_θ(x) = p_z(z(x)) · |det ∂z/∂x|,   z(x) = F_θ^{-1}(x).

Affine coupling layer (x split into x1, x2):
    forward   x1' = x1,   x2' = exp(s(x1)) ⊙ x2 + t(x1)
    backward  x1 = x1',   x2 = exp(−s(x1')) ⊙ (x2' − t(x1'))
    ∂x'/∂x is triangular with diagonal (1, …, 1, e^{s_1}, …, e^{s_d2}), so
    ln|det ∂x'/∂x| = Σ_j s_j(x1).
s and t are small networks, different for every layer; s = s_max·tanh(s_raw/s_max) keeps
exp(s) finite. Between layers the roles of x1 and x2 alternate ("splitting"), or a fixed
random rotation S (det S = 1) mixes the coordinates.

The flow tracks the Jacobian layer by layer (y_0 = x, …, y_{N+1} = z):
    ln|det ∂z/∂x| = Σ_j ln|det ∂y_j/∂y_{j−1}|   (one term per coupling layer).
A conditional flow feeds a condition y (e.g. ln T) to every s(x1, y), t(x1, y).
"""
from __future__ import annotations

import math

import torch
from torch import nn

LOG_2PI = math.log(2.0 * math.pi)


def linear(d_in: int, d_out: int) -> nn.Linear:
    """An nn.Linear whose weights are not drawn (nn.Linear would use the global RNG);
    :func:`seeded_init` fills them from the engine's own generator."""
    return torch.nn.utils.skip_init(nn.Linear, d_in, d_out)


def mlp(d_in: int, d_out: int, hidden: int, depth: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    d = d_in
    for _ in range(depth):
        layers += [linear(d, hidden), nn.Tanh()]
        d = hidden
    layers.append(linear(d, d_out))
    return nn.Sequential(*layers)


@torch.no_grad()
def seeded_init(module: nn.Module, gen: torch.Generator) -> None:
    """torch's default initialisation of every Linear layer (uniform ±1/√fan_in), drawn
    from ``gen`` instead of the global RNG."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            bound = 1.0 / math.sqrt(m.in_features)
            m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 2 * bound - bound)
            m.bias.copy_(torch.rand(m.bias.shape, generator=gen) * 2 * bound - bound)


def random_rotation(dim: int, gen: torch.Generator) -> torch.Tensor:
    """A random orthogonal matrix with det = +1 (QR of a Gaussian matrix)."""
    a = torch.randn(dim, dim, generator=gen, dtype=torch.float64)
    q, r = torch.linalg.qr(a)
    q = q * torch.sign(torch.diagonal(r))[None, :]
    if torch.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q.float()


class AffineCoupling(nn.Module):
    """x2' = exp(s(x1, c)) ⊙ x2 + t(x1, c), x1' = x1; x1 = coordinates ``idx1``."""

    def __init__(self, dim: int, idx1: list[int], hidden: int, depth: int,
                 cond_dim: int = 0, s_max: float = 3.0):
        super().__init__()
        idx2 = [i for i in range(dim) if i not in idx1]
        self.register_buffer("idx1", torch.tensor(idx1, dtype=torch.long))
        self.register_buffer("idx2", torch.tensor(idx2, dtype=torch.long))
        self.d2 = len(idx2)
        self.s_max = float(s_max)
        self.net = mlp(len(idx1) + cond_dim, 2 * self.d2, hidden, depth)

    def st(self, x1: torch.Tensor, cond: torch.Tensor | None):
        h = x1 if cond is None else torch.cat([x1, cond], dim=1)
        out = self.net(h)
        s_raw, t = out[:, :self.d2], out[:, self.d2:]
        s = self.s_max * torch.tanh(s_raw / self.s_max)
        return s, t

    def _assemble(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        dim = x1.shape[1] + x2.shape[1]
        out = x1.new_empty(x1.shape[0], dim)
        out = out.index_copy(1, self.idx1, x1)
        return out.index_copy(1, self.idx2, x2)

    def forward(self, y: torch.Tensor, cond: torch.Tensor | None = None):
        """Sampling direction z → x: returns (y', ln|det ∂y'/∂y|)."""
        x1, x2 = y.index_select(1, self.idx1), y.index_select(1, self.idx2)
        s, t = self.st(x1, cond)
        return self._assemble(x1, torch.exp(s) * x2 + t), s.sum(dim=1)

    def inverse(self, y: torch.Tensor, cond: torch.Tensor | None = None):
        """Density direction x → z: returns (y, ln|det ∂y/∂y'|) = (…, −Σ s)."""
        x1, x2 = y.index_select(1, self.idx1), y.index_select(1, self.idx2)
        s, t = self.st(x1, cond)
        return self._assemble(x1, torch.exp(-s) * (x2 - t)), -s.sum(dim=1)


class Rotation(nn.Module):
    """x' = S x with a fixed rotation S: ln|det S| = 0."""

    def __init__(self, matrix: torch.Tensor):
        super().__init__()
        self.register_buffer("S", matrix)

    def forward(self, y, cond=None):
        return y @ self.S.T, y.new_zeros(y.shape[0])

    def inverse(self, y, cond=None):
        return y @ self.S, y.new_zeros(y.shape[0])


class Flow(nn.Module):
    """x = F_θ(z) = layer_N ∘ … ∘ layer_1 (z), z ~ N(0, 1_D)."""

    def __init__(self, dim: int = 2, layers: int = 8, hidden: int = 64, depth: int = 2,
                 mixing: str = "alternate", cond_dim: int = 0, s_max: float = 3.0,
                 gen: torch.Generator | None = None):
        super().__init__()
        self.dim, self.cond_dim = dim, cond_dim
        gen = gen if gen is not None else torch.Generator().manual_seed(0)
        half = list(range(dim // 2)) if dim > 1 else []
        other = list(range(dim // 2, dim))
        mods: list[nn.Module] = []
        for i in range(layers):
            if mixing == "alternate":
                idx1 = half if i % 2 == 0 else other
            else:
                idx1 = half
            mods.append(AffineCoupling(dim, idx1, hidden, depth, cond_dim, s_max))
            if mixing == "rotation" and i < layers - 1:
                mods.append(Rotation(random_rotation(dim, gen)))
        self.layers = nn.ModuleList(mods)
        seeded_init(self, gen)

    def forward(self, z: torch.Tensor, cond: torch.Tensor | None = None):
        """z → x; returns (x, ln|det ∂x/∂z|) accumulated layer by layer."""
        logdet = z.new_zeros(z.shape[0])
        y = z
        for layer in self.layers:
            y, ld = layer(y, cond)
            logdet = logdet + ld
        return y, logdet

    def inverse(self, x: torch.Tensor, cond: torch.Tensor | None = None):
        """x → z; returns (z, ln|det ∂z/∂x|) accumulated layer by layer."""
        logdet = x.new_zeros(x.shape[0])
        y = x
        for layer in reversed(self.layers):
            y, ld = layer.inverse(y, cond)
            logdet = logdet + ld
        return y, logdet

    @staticmethod
    def base_log_prob(z: torch.Tensor) -> torch.Tensor:
        """ln p_z(z) for the standard normal base."""
        return -0.5 * (z ** 2).sum(dim=1) - 0.5 * z.shape[1] * LOG_2PI

    def log_prob(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        """ln q_θ(x) = ln p_z(z(x)) + ln|det ∂z/∂x|."""
        z, logdet = self.inverse(x, cond)
        return self.base_log_prob(z) + logdet

    def sample(self, z: torch.Tensor, cond: torch.Tensor | None = None):
        """x = F(z) and ln q_θ(x) = ln p_z(z) − ln|det ∂x/∂z| for the given base noise."""
        x, logdet = self.forward(z, cond)
        return x, self.base_log_prob(z) - logdet
