"""Demo ``implicit``: a deep implicit layer (lecture 8.5, example 1).

The layer's output z*(x) is defined by an equation, not by a formula:

    g(z, x) = z − f(z, x) = 0,   f(z, x) = tanh(W z + U x + b),

with W rescaled to ‖W‖₂ ≤ κ < 1 (so f is a contraction in z and z* is unique); the
prediction is y = c·z* + d. Forward: any solver, run from z = 0 until the residual
max over x of ‖f(z) − z‖ is below tol (fixed-point iteration, Newton, Anderson).
Backward: the implicit function theorem, ∂z*/∂θ = −(∂g/∂z)⁻¹ ∂g/∂θ = (I − J)⁻¹ ∂f/∂θ with
J = ∂f/∂z at z*, so dL/dθ = vᵀ ∂f/∂θ with (I − J)ᵀ v = ∂L/∂z*: one linear solve per point
and no stored iterations. Compared with back-propagating through the unrolled solver, in
gradient, memory (bytes autograd saves) and time, as the number of iterations grows.
"""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch

from engines.dynamics.common import DTYPE, saved_bytes, stream
from engines.dynamics.solver_specs import IMPLICIT_SOLVERS, ImplicitConfig
from engines.generative.common import Throttle
from engines.runtime import Engine, Snapshot

TARGETS = {"sine": lambda x: np.sin(1.5 * x), "abs": lambda x: np.abs(x) - 1.0,
           "step": lambda x: np.tanh(4 * x)}
NOISE = 0.02
#: Unrolled iteration counts of the cost comparison (fixed-point iteration).
SWEEP_K = (1, 2, 5, 10, 20, 50, 100, 200)
GRID = 200


class ImplicitLayer(torch.nn.Module):
    def __init__(self, hidden: int, kappa: float, gen: torch.Generator):
        super().__init__()
        self.kappa = kappa
        self.V = torch.nn.Parameter(torch.randn(hidden, hidden, generator=gen, dtype=DTYPE)
                                    / math.sqrt(hidden))
        self.U = torch.nn.Parameter(torch.randn(hidden, 1, generator=gen, dtype=DTYPE))
        self.b = torch.nn.Parameter(0.5 * torch.randn(hidden, generator=gen, dtype=DTYPE))
        self.c = torch.nn.Parameter(torch.randn(hidden, generator=gen, dtype=DTYPE)
                                    / math.sqrt(hidden))
        self.d = torch.nn.Parameter(torch.zeros((), dtype=DTYPE))

    def W(self) -> torch.Tensor:
        """V scaled down to spectral norm κ when it is larger."""
        norm = torch.linalg.matrix_norm(self.V, 2)
        return self.V * (self.kappa / torch.clamp(norm, min=self.kappa))

    def f(self, z, x, W=None):
        W = self.W() if W is None else W
        return torch.tanh(z @ W.T + x @ self.U.T + self.b)

    def head(self, z):
        return z @ self.c + self.d


def jacobian(fz: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """J = ∂f/∂z = diag(1 − f²) W for each point: (n, h, h)."""
    return (1 - fz ** 2)[:, :, None] * W[None]


def residual(z: torch.Tensor, fz: torch.Tensor) -> float:
    return float((fz - z).detach().norm(dim=1).max())


def anderson_step(xs: list, fs: list, m: int) -> torch.Tensor:
    """The next iterate Σᵢ αᵢ f(zᵢ) over the last m iterates, with Σ αᵢ = 1 chosen to make
    ‖Σᵢ αᵢ (f(zᵢ) − zᵢ)‖ smallest (Anderson mixing; for one iterate a fixed-point step)."""
    X, F = torch.stack(xs[-m:], 1), torch.stack(fs[-m:], 1)          # (n, k, h)
    G = F - X
    GG = G @ G.transpose(1, 2)
    k = GG.shape[1]
    scale = GG.diagonal(dim1=1, dim2=2).amax(-1)[:, None, None]
    eye = torch.eye(k, dtype=DTYPE)
    alpha = torch.linalg.solve(GG + (1e-10 * scale + 1e-300) * eye,
                               torch.ones(GG.shape[0], k, 1, dtype=DTYPE))
    alpha = alpha / alpha.sum(1, keepdim=True)
    return (alpha.transpose(1, 2) @ F)[:, 0]


def solve(layer: ImplicitLayer, x: torch.Tensor, solver: str, tol: float, max_iter: int,
          memory: int = 5) -> tuple[torch.Tensor, list[float]]:
    """Iterate from z₀ = 0 until max over x of ‖f(z_k) − z_k‖ < tol (or max_iter
    iterations): (z_K, residuals r₀ … r_K). With autograd enabled the result carries the
    graph of every iteration (the unrolled solver); under no_grad nothing is stored."""
    if solver not in IMPLICIT_SOLVERS:
        raise ValueError(f"solver: {solver!r} is not one of {', '.join(IMPLICIT_SOLVERS)}")
    W = layer.W()
    eye = torch.eye(W.shape[0], dtype=DTYPE)
    z = torch.zeros(x.shape[0], W.shape[0], dtype=DTYPE)
    fz = layer.f(z, x, W)
    res = [residual(z, fz)]
    xs, fs = [z], [fz]
    for _ in range(max_iter):
        if res[-1] < tol:
            break
        if solver == "fixed_point":
            z = fz
        elif solver == "newton":         # z ← z − (∂g/∂z)⁻¹ g,  ∂g/∂z = I − J
            z = z - torch.linalg.solve(eye - jacobian(fz, W), (z - fz).unsqueeze(-1))[..., 0]
        else:
            z = anderson_step(xs, fs, memory)
        fz = layer.f(z, x, W)
        res.append(residual(z, fz))
        xs, fs = (xs + [z])[-memory:], (fs + [fz])[-memory:]
    return z, res


def mse(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.mean((pred - y) ** 2)


def implicit_grads(layer: ImplicitLayer, x, y, z_star) -> tuple[torch.Tensor, list]:
    """Loss at z* and dL/dθ by the implicit function theorem (one linear solve per point)."""
    W = layer.W()
    fz = layer.f(z_star.detach(), x, W)        # = z* at the fixed point, ∂f/∂θ attached
    zl = fz.detach().requires_grad_(True)
    loss = mse(layer.head(zl), y)
    g_z, g_c, g_d = torch.autograd.grad(loss, [zl, layer.c, layer.d])
    eye = torch.eye(W.shape[0], dtype=DTYPE)
    A = eye - jacobian(fz.detach(), W.detach())                     # ∂g/∂z at z*
    v = torch.linalg.solve(A.transpose(1, 2), g_z.unsqueeze(-1))[..., 0]
    g_V, g_U, g_b = torch.autograd.grad(fz, [layer.V, layer.U, layer.b], grad_outputs=v)
    by_id = {id(layer.V): g_V, id(layer.U): g_U, id(layer.b): g_b, id(layer.c): g_c,
             id(layer.d): g_d}
    return loss.detach(), [by_id[id(p)] for p in layer.parameters()]


def unrolled_forward(layer: ImplicitLayer, x, y, solver: str, tol: float, max_iter: int,
                     memory: int = 5) -> tuple[torch.Tensor, list[float]]:
    """The loss through every iteration of the solver, its graph kept for the backward."""
    with torch.enable_grad():
        z, res = solve(layer, x, solver, tol, max_iter, memory)
        return mse(layer.head(z), y), res


def unrolled_grads(layer: ImplicitLayer, x, y, solver: str, tol: float, max_iter: int,
                   memory: int = 5) -> tuple[torch.Tensor, list, list[float]]:
    """Loss and dL/dθ by back-propagating through every iteration of the solver."""
    loss, res = unrolled_forward(layer, x, y, solver, tol, max_iter, memory)
    grads = torch.autograd.grad(loss, list(layer.parameters()))
    return loss.detach(), list(grads), res


def input_jacobian(layer: ImplicitLayer, x, z_star) -> torch.Tensor:
    """∂z*/∂x = −(∂g/∂z)⁻¹ ∂g/∂x = (I − J)⁻¹ diag(1 − f²) U, for each point: (n, h)."""
    with torch.no_grad():
        W = layer.W()
        fz = layer.f(z_star, x, W)
        A = torch.eye(W.shape[0], dtype=DTYPE) - jacobian(fz, W)
        rhs = ((1 - fz ** 2) * layer.U[:, 0]).unsqueeze(-1)
        return torch.linalg.solve(A, rhs)[..., 0]


def timed(fn, repeats: int = 2):
    """fn's result and its shortest wall time over ``repeats`` calls (seconds)."""
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def flat(grads) -> torch.Tensor:
    return torch.cat([g.reshape(-1) for g in grads])


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / max(float(b.norm()), 1e-300))


class ImplicitEngine(Engine):
    Config = ImplicitConfig
    blowup_metric = "loss"

    def __init__(self, cfg: ImplicitConfig, device: str | None = None):
        super().__init__(cfg, "cpu")
        gen = torch.Generator().manual_seed(stream(cfg.seed, 1))
        rng = np.random.default_rng(stream(cfg.seed, 2))
        x = np.sort(rng.uniform(-3, 3, cfg.n_train))
        yv = TARGETS[cfg.target](x) + NOISE * rng.standard_normal(cfg.n_train)
        self.x = torch.tensor(x[:, None], dtype=DTYPE)
        self.y = torch.tensor(yv, dtype=DTYPE)
        self.x_grid = np.linspace(-3.2, 3.2, GRID)
        self.layer = ImplicitLayer(cfg.hidden, cfg.contraction, gen)
        self.opt = torch.optim.Adam(self.layer.parameters(), lr=cfg.lr)
        self.loss = math.nan
        self.residuals: list[float] = []
        self.throttle = Throttle(2.0)

    def solve(self, x, solver: str | None = None, tol: float | None = None,
              max_iter: int | None = None):
        cfg = self.cfg
        return solve(self.layer, x, solver or cfg.solver, cfg.tol if tol is None else tol,
                     max_iter or cfg.max_iter, cfg.anderson_memory)

    def train_step(self) -> None:
        cfg = self.cfg
        if cfg.gradient == "implicit":
            with torch.no_grad():
                z, self.residuals = self.solve(self.x)
            loss, grads = implicit_grads(self.layer, self.x, self.y, z)
        else:
            loss, grads, self.residuals = unrolled_grads(
                self.layer, self.x, self.y, cfg.solver, cfg.tol, cfg.max_iter,
                cfg.anderson_memory)
        for p, g in zip(self.layer.parameters(), grads):
            p.grad = g
        self.opt.step()
        self.loss = float(loss)

    def history_metrics(self) -> dict[str, float]:
        out = {"loss": self.loss}
        if self.residuals:
            out.update(iterations=float(len(self.residuals) - 1),
                       residual=self.residuals[-1])
        return out

    # ---- the comparison (throttled) ---------------------------------------------------------
    def cost_sweep(self, g_ref: torch.Tensor) -> dict[str, np.ndarray]:
        """For k fixed-point iterations: bytes saved for the backward pass, time of forward
        plus backward, and the gradient's error against the converged one, for the
        unrolled solver and for the implicit gradient taken at z_k."""
        lay, x, y = self.layer, self.x, self.y
        out = {key: [] for key in ("memory_unrolled", "memory_implicit", "time_unrolled",
                                   "time_implicit", "error_unrolled", "error_implicit")}
        for k in SWEEP_K:
            def unrolled_k():
                return unrolled_grads(lay, x, y, "fixed_point", 0.0, k)[1]

            def implicit_k():
                with torch.no_grad():
                    z, _ = solve(lay, x, "fixed_point", 0.0, k)
                return implicit_grads(lay, x, y, z)[1], z
            (g_u, t_u), ((g_i, z), t_i) = timed(unrolled_k), timed(implicit_k)
            # what the forward pass keeps for the backward one: every iteration's graph,
            # or one evaluation of f at z_k (implicit_grads differentiates only that)
            _, mem_u = saved_bytes(lambda: unrolled_forward(lay, x, y, "fixed_point", 0.0, k))
            with torch.enable_grad():
                _, mem_i = saved_bytes(lambda: mse(lay.head(lay.f(z, x)), y))
            for key, value in (("memory_unrolled", mem_u / 1024),
                               ("memory_implicit", mem_i / 1024),
                               ("time_unrolled", 1e3 * t_u),
                               ("time_implicit", 1e3 * t_i),
                               ("error_unrolled", rel(flat(g_u), g_ref)),
                               ("error_implicit", rel(flat(g_i), g_ref))):
                out[key].append(value)
        return {key: np.array(v, float) for key, v in out.items()}

    def compare(self) -> dict[str, Any]:
        """Implicit against unrolled gradient at the current θ (the configured solver and
        tolerance), every solver's residuals, the cost sweep and the fit."""
        cfg, lay, x, y = self.cfg, self.layer, self.x, self.y
        with torch.no_grad():
            z, _ = self.solve(x)
            runs = {s: self.solve(x, s)[1] for s in IMPLICIT_SOLVERS}
            z_ref, _ = solve(lay, x, "newton", 1e-13, 100)
        loss_now, g_imp = implicit_grads(lay, x, y, z)
        _, g_unr, _ = unrolled_grads(lay, x, y, cfg.solver, cfg.tol, cfg.max_iter,
                                     cfg.anderson_memory)
        gi, gu = flat(g_imp), flat(g_unr)
        g_ref = flat(implicit_grads(lay, x, y, z_ref)[1])
        sweep = self.cost_sweep(g_ref)
        with torch.no_grad():
            xg = torch.tensor(self.x_grid[:, None], dtype=DTYPE)
            zg, _ = solve(lay, xg, "newton", 1e-12, 100)
            fit = lay.head(zg).numpy()
        metrics = {"grad_mismatch": rel(gi, gu), "fit_mse": float(loss_now),
                   **{f"iterations_{s}": float(len(r) - 1) for s, r in runs.items()},
                   "memory_unrolled_kb": float(sweep["memory_unrolled"][-1]),
                   "memory_implicit_kb": float(sweep["memory_implicit"][-1]),
                   "time_unrolled_ms": float(sweep["time_unrolled"][-1]),
                   "time_implicit_ms": float(sweep["time_implicit"][-1]),
                   "sweep_k_max": float(SWEEP_K[-1])}
        arrays = {"x_grid": self.x_grid.copy(), "y_fit": fit,
                  "y_true": TARGETS[cfg.target](self.x_grid),
                  "grad_implicit": gi.numpy().copy(), "grad_unrolled": gu.numpy().copy(),
                  "sweep_k": np.array(SWEEP_K, float), **sweep,
                  **{f"residuals_{s}": np.array(r, float) for s, r in runs.items()}}
        return {"metrics": metrics, "arrays": arrays}

    def snapshot(self, final: bool = False) -> Snapshot:
        cmp = self.throttle.get(self.step, final, self.compare)
        res = np.array(self.residuals or [math.nan], float)
        metrics = {"loss": self.loss, "iterations": float(len(res) - 1),
                   "residual": float(res[-1]), "solver_index":
                   float(IMPLICIT_SOLVERS.index(self.cfg.solver)), **cmp["metrics"]}
        metrics = {k: float(v) for k, v in metrics.items() if math.isfinite(v)}
        arrays = {**cmp["arrays"], "residuals": res, "x_train": self.x[:, 0].numpy().copy(),
                  "y_train": self.y.numpy().copy()}
        return Snapshot(step=self.step, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "model": self.layer.state_dict(),
                "opt": self.opt.state_dict(), "loss": self.loss,
                "residuals": list(self.residuals)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.layer.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        self.loss = float(state["loss"])
        self.residuals = [float(r) for r in state["residuals"]]
        self.throttle.clear()
