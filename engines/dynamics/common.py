"""Shared parts of the dynamics engines: our own fixed-step solvers (Euler, RK4), the true
systems (Hamiltonians, Lagrangians, their equations of motion), small tanh MLPs and the
seed streams. Everything in float64."""
from __future__ import annotations

import math
import weakref
from typing import Callable

import numpy as np
import torch

DTYPE = torch.float64


def stream(seed: int, k: int) -> int:
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def mlp(n_in: int, hidden: int, n_out: int, gen: torch.Generator, depth: int = 2,
        act=torch.nn.Tanh) -> torch.nn.Sequential:
    layers: list[torch.nn.Module] = []
    sizes = [n_in] + [hidden] * depth + [n_out]
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1], dtype=DTYPE)
        bound = math.sqrt(1.0 / sizes[i])
        with torch.no_grad():
            lin.weight.uniform_(-bound, bound, generator=gen)
            lin.bias.uniform_(-bound, bound, generator=gen)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(act())
    return torch.nn.Sequential(*layers)


# ---- fixed-step solvers (the mechanics in plain sight) ------------------------------------
def euler_step(f: Callable, t: float, z, h: float):
    return z + h * f(t, z)


def rk4_step(f: Callable, t: float, z, h: float):
    k1 = f(t, z)
    k2 = f(t + h / 2, z + h / 2 * k1)
    k3 = f(t + h / 2, z + h / 2 * k2)
    k4 = f(t + h, z + h * k3)
    return z + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def integrate(f: Callable, z0, t_eval, steps_per_unit: float = 10.0, method: str = "rk4"):
    """z at every time of ``t_eval`` (ascending, t_eval[0] = start) with fixed sub-steps
    of at most 1/steps_per_unit; works on numpy arrays and on torch tensors (then it is
    differentiable: direct backprop through every step)."""
    step = rk4_step if method == "rk4" else euler_step
    out = [z0]
    z = z0
    t_eval = [float(t) for t in t_eval]
    for t0, t1 in zip(t_eval[:-1], t_eval[1:]):
        n = max(1, int(math.ceil((t1 - t0) * steps_per_unit - 1e-9)))
        h = (t1 - t0) / n
        for i in range(n):
            z = step(f, t0 + i * h, z, h)
        out.append(z)
    if isinstance(z0, torch.Tensor):
        return torch.stack(out)
    return np.stack(out)


def rollout(f: Callable, z0, dt: float, n: int):
    """n fixed RK4 steps of size dt from z0: (n + 1, ...) states."""
    out = [z0]
    z = z0
    for i in range(n):
        z = rk4_step(f, i * dt, z, dt)
        out.append(z)
    return torch.stack(out) if isinstance(z0, torch.Tensor) else np.stack(out)


# ---- true Hamiltonian systems: state (q, p), numpy or torch ---------------------------------
def hamiltonian(system: str, q, p, xp=np):
    """True H; q, p have shape (..., d)."""
    if system == "spring":
        return 0.5 * (p ** 2).sum(-1) + 0.5 * (q ** 2).sum(-1)
    if system == "pendulum":
        return 0.5 * (p ** 2).sum(-1) + (1 - xp.cos(q)).sum(-1)
    if system == "two_body":
        return 0.5 * (p ** 2).sum(-1) - 1.0 / xp.sqrt((q ** 2).sum(-1))
    raise ValueError(f"unknown system {system!r}")


def hamilton_rhs(system: str, s: np.ndarray) -> np.ndarray:
    """(q̇, ṗ) = (∂H/∂p, −∂H/∂q) in closed form; s = (..., 2d)."""
    d = s.shape[-1] // 2
    q, p = s[..., :d], s[..., d:]
    if system == "spring":
        dp = -q
    elif system == "pendulum":
        dp = -np.sin(q)
    elif system == "two_body":
        r = np.sqrt((q ** 2).sum(-1, keepdims=True))
        dp = -q / r ** 3
    else:
        raise ValueError(f"unknown system {system!r}")
    return np.concatenate([p, dp], axis=-1)


def system_dim(system: str) -> int:
    return 2 if system == "two_body" else 1


# ---- true Lagrangian systems: state (q, q̇) ----------------------------------------------------
def lagrangian(system: str, q, qd, lib=torch):
    """L = T − V for the unit pendulum and the unit double pendulum (m = l = g = 1)."""
    if system == "pendulum":
        return 0.5 * qd[..., 0] ** 2 + lib.cos(q[..., 0])
    if system == "double_pendulum":
        t1, t2, w1, w2 = q[..., 0], q[..., 1], qd[..., 0], qd[..., 1]
        kin = w1 ** 2 + 0.5 * w2 ** 2 + w1 * w2 * lib.cos(t1 - t2)
        pot = 2 * lib.cos(t1) + lib.cos(t2)
        return kin + pot
    raise ValueError(f"unknown system {system!r}")


def energy(system: str, q, qd, lib=np):
    if system == "pendulum":
        return 0.5 * qd[..., 0] ** 2 - lib.cos(q[..., 0])
    t1, t2, w1, w2 = q[..., 0], q[..., 1], qd[..., 0], qd[..., 1]
    return (w1 ** 2 + 0.5 * w2 ** 2 + w1 * w2 * lib.cos(t1 - t2)
            - 2 * lib.cos(t1) - lib.cos(t2))


def accel_analytic(system: str, q: np.ndarray, qd: np.ndarray) -> np.ndarray:
    """q̈ from the textbook equations of motion (numpy)."""
    if system == "pendulum":
        return -np.sin(q)
    t1, t2, w1, w2 = q[..., 0], q[..., 1], qd[..., 0], qd[..., 1]
    d = t1 - t2
    den = 3 - np.cos(2 * d)
    a1 = (-3 * np.sin(t1) - np.sin(t1 - 2 * t2)
          - 2 * np.sin(d) * (w2 ** 2 + w1 ** 2 * np.cos(d))) / den
    a2 = 2 * np.sin(d) * (2 * w1 ** 2 + 2 * np.cos(t1) + w2 ** 2 * np.cos(d)) / den
    return np.stack([a1, a2], axis=-1)


def lagrange_accel(L: Callable, q: torch.Tensor, qd: torch.Tensor, ridge: float = 0.0
                   ) -> torch.Tensor:
    """q̈ = (∂²L/∂q̇²)⁻¹ (∂L/∂q − ∂²L/∂q∂q̇ · q̇) by torch.func, for a batch (n, d).

    ``L(q, qd)`` takes single states (d,) and returns a scalar."""
    from torch.func import grad, hessian, jacrev, vmap

    def one(qi, qdi):
        dl_dq = grad(L, argnums=0)(qi, qdi)
        h_vv = hessian(L, argnums=1)(qi, qdi)
        # ∂/∂q of ∂L/∂q̇: rows ∂(∂L/∂q̇_i)/∂q_j
        m_vq = jacrev(grad(L, argnums=1), argnums=0)(qi, qdi)
        rhs = dl_dq - m_vq @ qdi
        if ridge:
            h_vv = h_vv + ridge * torch.eye(len(qi), dtype=qi.dtype)
        return torch.linalg.solve(h_vv, rhs)

    return vmap(one)(q, qd)


# ---- memory of a backward pass; the adjoint method on our RK4 --------------------------------
def saved_bytes(fn: Callable):
    """Run ``fn`` and count the bytes of the tensors autograd keeps saved for a backward
    pass when it returns: (fn's result, bytes). Each storage counts once (a weight saved
    by every step is one tensor in memory), and graphs dropped meanwhile (a rejected step
    of an adaptive solver) count not at all."""
    saved: list = []

    def pack(t):
        saved.append(weakref.ref(t))
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn()
    alive = {}
    for ref in saved:
        t = ref()
        if t is not None:
            storage = t.untyped_storage()
            alive[storage.data_ptr()] = storage.nbytes()
    return out, sum(alive.values())


def adjoint_rk4(f: Callable, params: list, z0: torch.Tensor, t_eval, loss_fn: Callable,
                steps_per_unit: float = 10.0):
    """dL/dθ by the adjoint method on our fixed-step RK4, storing no graph of the solve.

    Forward: z(tᵢ) at the times t_eval, under no_grad; L = loss_fn(z(t₀), …, z(t_N)).
    Backward, from t_N down to t₀, the augmented state (z, a, g) with a(t_N) = ∂L/∂z(t_N),
    g(t_N) = 0 obeys

        dz/dt = f(t, z),   da/dt = −aᵀ ∂f/∂z,   dg/dt = −aᵀ ∂f/∂θ,

    on the forward's grid in reverse (z is recomputed backwards, not stored), and a jumps by
    ∂L/∂z(tᵢ) at every observation time. Then g(t₀) = dL/dθ and a(t₀) = dL/dz(t₀).
    Returns (loss, [dL/dθ per parameter], dL/dz₀, trajectory)."""
    with torch.no_grad():
        traj = integrate(f, z0, t_eval, steps_per_unit)
    held = traj.detach().requires_grad_(True)
    with torch.enable_grad():
        loss = loss_fn(held)
        dl_dz, = torch.autograd.grad(loss, held)
    shape, nz = z0.shape, z0.numel()
    sizes = [p.numel() for p in params]

    def augmented(t, s):
        z = s[:nz].reshape(shape).detach().requires_grad_(True)
        a = s[nz:2 * nz].reshape(shape)
        with torch.enable_grad():
            fz = f(t, z)
            vjp = torch.autograd.grad(fz, [z, *params], grad_outputs=a, allow_unused=True)
        parts = [fz.detach().reshape(-1), -vjp[0].reshape(-1)]
        parts += [(-v if v is not None else torch.zeros(n, dtype=z.dtype)).reshape(-1)
                  for v, n in zip(vjp[1:], sizes)]
        return torch.cat(parts)

    t_eval = [float(t) for t in t_eval]
    s = torch.cat([traj[-1].reshape(-1), dl_dz[-1].reshape(-1),
                   torch.zeros(sum(sizes), dtype=z0.dtype)])
    for i in range(len(t_eval) - 1, 0, -1):
        t1, t0 = t_eval[i], t_eval[i - 1]
        n = max(1, int(math.ceil((t1 - t0) * steps_per_unit - 1e-9)))
        h = (t1 - t0) / n
        for j in range(n):
            s = rk4_step(augmented, t1 - j * h, s, -h)
        s = s.clone()
        s[nz:2 * nz] += dl_dz[i - 1].reshape(-1)
    grads, start = [], 2 * nz
    for p, n in zip(params, sizes):
        grads.append(s[start:start + n].reshape(p.shape))
        start += n
    return loss.detach(), grads, s[nz:2 * nz].reshape(shape), traj
