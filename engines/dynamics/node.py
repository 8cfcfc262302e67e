"""Demo ``neural-ode``: dz/dt = f_θ(z, t) (lecture 8.5, example 2).

spiral: a noisy observed trajectory of the damped rotation dz/dt = A z; the model is
integrated from the first observation and fitted to all of them. crossing: the 1-d map
x ↦ −x at t = 1. Two trajectories of a 1-d ODE can never meet (the solution through a
point is unique), so the flow keeps the order of its starting points and no f_θ, not even
a time-dependent one, can learn x ↦ −x: the best order-keeping map is the constant mean.
With z = (x, 0, …, 0) (an augmented neural ODE) the trajectories pass each other in the
plane and the map is learned.

Solvers: torchdiffeq's adaptive dopri5 (function evaluations counted) or our own
fixed-step RK4 (common.integrate). Gradients: direct back-propagation through the solver's
operations, or the adjoint method (torchdiffeq's, or ours on RK4: common.adjoint_rk4),
which stores no graph of the solve and integrates the adjoint a(t) = ∂L/∂z(t) backwards.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torchdiffeq import odeint, odeint_adjoint

from engines.dynamics.common import (DTYPE, adjoint_rk4, integrate, mlp, saved_bytes,
                                     stream)
from engines.dynamics.solver_specs import MAX_SOLVER_STEPS, NeuralODEConfig
from engines.generative.common import Throttle
from engines.runtime import Diverged, Engine, Snapshot

A_SPIRAL = np.array([[-0.1, -1.0], [1.0, -0.1]])
Z0_SPIRAL = np.array([2.0, 0.0])
T_SPIRAL = 10.0
N_OBS = 40
EXTRAPOLATE = 1.5          # the pictures run the learned spiral to 1.5 T
FIELD_N = 15
N_CROSS = 32
SHOW_EVERY = 3             # crossing: every third trajectory drawn
#: Both tasks send every picture key (the other task's empty), so a view reads them all.
SPIRAL_ARRAYS = ("t_fine", "path", "true_path", "t_obs", "obs", "field")
CROSSING_ARRAYS = ("x_in", "x_out", "target", "lines_t", "lines_x", "plane_x", "plane_a")


class Field(torch.nn.Module):
    """f_θ(z, t): a tanh MLP of z (and t, with time_input); counts its evaluations."""

    def __init__(self, dim: int, hidden: int, gen: torch.Generator, time_input: bool = False):
        super().__init__()
        self.time_input = time_input
        self.net = mlp(dim + int(time_input), hidden, dim, gen)
        self.nfe = 0

    def forward(self, t, z):
        self.nfe += 1
        if self.time_input:
            tt = torch.as_tensor(t, dtype=z.dtype).reshape(1, 1).expand(z.shape[0], 1)
            z = torch.cat([z, tt], 1)
        return self.net(z)


def spiral_truth(t: np.ndarray, z0: np.ndarray) -> np.ndarray:
    """z(t) = exp(A t) z₀ through the eigen-decomposition of A: (len(t), 2)."""
    w, v = np.linalg.eig(A_SPIRAL)
    c = np.linalg.solve(v, z0.astype(complex))
    return np.real((v[None] * (c * np.exp(np.outer(t, w)))[:, None, :]).sum(-1))


def flat(grads) -> np.ndarray:
    return torch.cat([g.reshape(-1) for g in grads]).detach().numpy().copy()


def lines(t: np.ndarray, paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Several curves (time, curve) as one x, y pair with NaN between the curves."""
    nan = np.full((1, paths.shape[1]), np.nan)
    x = np.concatenate([np.repeat(t[:, None], paths.shape[1], 1), nan]).T.ravel()
    return x, np.concatenate([paths, nan]).T.ravel()


class NeuralODEEngine(Engine):
    Config = NeuralODEConfig
    blowup_metric = "loss"
    divergence_advice = "Try a smaller learning rate or the rk4 solver."

    def __init__(self, cfg: NeuralODEConfig, device: str | None = None):
        super().__init__(cfg, "cpu")
        gen = torch.Generator().manual_seed(stream(cfg.seed, 1))
        rng = np.random.default_rng(stream(cfg.seed, 2))
        if cfg.task == "spiral":
            self.dim_data = 2
            self.t = np.linspace(0, T_SPIRAL, N_OBS)
            self.truth = spiral_truth(self.t, Z0_SPIRAL)
            self.obs = self.truth + cfg.noise * rng.standard_normal(self.truth.shape)
        else:
            self.dim_data = 1
            self.t = np.array([0.0, 1.0])
            self.x_in = np.linspace(-1, 1, N_CROSS)[:, None]
            self.obs = -self.x_in
        self.obs_t = torch.tensor(self.obs, dtype=DTYPE)
        self.dim = self.dim_data + cfg.augment
        self.f = Field(self.dim, cfg.hidden, gen, cfg.time_input)
        self.opt = torch.optim.Adam(self.f.parameters(), lr=cfg.lr)
        self.loss = math.nan
        self.nfe_forward = 0
        self.nfe_backward = 0
        self.pictures_throttle = Throttle(0.5)
        self.gradients_throttle = Throttle(3.0)

    # ---- model ----------------------------------------------------------------------------
    def start_state(self) -> torch.Tensor:
        """z(0): the first observation (spiral) or the 32 inputs (crossing), padded with
        cfg.augment zeros."""
        if self.cfg.task == "spiral":
            z0 = torch.tensor(self.obs[0], dtype=DTYPE)[None]
        else:
            z0 = torch.tensor(self.x_in, dtype=DTYPE)
        pad = torch.zeros(z0.shape[0], self.cfg.augment, dtype=DTYPE)
        return torch.cat([z0, pad], 1)

    def solve(self, z0, t, gradient: str = "direct", solver: str | None = None):
        """z at the times t, (len(t), batch, dim); differentiable (direct) or for the
        adjoint (torchdiffeq only; our RK4's adjoint is in loss_and_grads)."""
        cfg = self.cfg
        if (solver or cfg.solver) == "rk4":
            return integrate(self.f, z0, t, steps_per_unit=cfg.rk_steps)
        tt = torch.tensor(np.asarray(t, float), dtype=DTYPE)
        kw = dict(rtol=cfg.rtol, atol=cfg.rtol * 1e-2, method="dopri5",
                  options={"max_num_steps": MAX_SOLVER_STEPS})
        try:
            if gradient == "adjoint":
                return odeint_adjoint(self.f, z0, tt, adjoint_params=tuple(self.f.parameters()),
                                      adjoint_options={"max_num_steps": MAX_SOLVER_STEPS},
                                      **kw)
            return odeint(self.f, z0, tt, **kw)
        except AssertionError as exc:          # torchdiffeq: "max_num_steps exceeded"
            raise Diverged(self.step, "nfe", float(self.f.nfe),
                           f"The adaptive solver needed over {MAX_SOLVER_STEPS} steps "
                           f"(the learned field became stiff). {self.divergence_advice}"
                           ) from exc

    def loss_of(self, traj) -> torch.Tensor:
        """Mean squared error at the observations (spiral: every time; crossing: t = 1),
        on the data coordinates (the augmented ones are free)."""
        if self.cfg.task == "spiral":
            return torch.mean((traj[:, 0, :self.dim_data] - self.obs_t) ** 2)
        return torch.mean((traj[-1, :, :1] - self.obs_t) ** 2)

    def loss_and_grads(self, gradient: str, solver: str | None = None):
        """(loss, dL/dθ, forward NFE, backward NFE, bytes the forward pass keeps for the
        backward one) by the chosen gradient method."""
        params = list(self.f.parameters())
        self.f.nfe = 0
        if (solver or self.cfg.solver) == "rk4" and gradient == "adjoint":
            counted: list[int] = []

            def loss_fn(traj):
                counted.append(self.f.nfe)          # called right after the forward solve
                return self.loss_of(traj)
            loss, grads, _, traj = adjoint_rk4(self.f, params, self.start_state(), self.t,
                                               loss_fn, self.cfg.rk_steps)
            kept = traj.numel() * traj.element_size()   # only z(tᵢ) at the observations
            return loss, grads, counted[0], self.f.nfe - counted[0], kept
        with torch.enable_grad():
            loss, kept = saved_bytes(lambda: self.loss_of(
                self.solve(self.start_state(), self.t, gradient, solver)))
            forward = self.f.nfe
            grads = torch.autograd.grad(loss, params)
        return loss.detach(), list(grads), forward, self.f.nfe - forward, kept

    def train_step(self) -> None:
        loss, grads, self.nfe_forward, self.nfe_backward, _ = self.loss_and_grads(
            self.cfg.gradient)
        for p, g in zip(self.f.parameters(), grads):
            p.grad = g
        self.opt.step()
        self.loss = float(loss)

    def history_metrics(self) -> dict[str, float]:
        return {"loss": self.loss, "nfe": float(self.nfe_forward),
                "nfe_backward": float(self.nfe_backward)}

    # ---- pictures (throttled) -----------------------------------------------------------------
    def gradients(self) -> dict[str, Any]:
        """dL/dθ by the adjoint method and by direct back-propagation, for the configured
        solver, with the function evaluations and the bytes autograd saved for each."""
        out: dict[str, Any] = {"metrics": {}, "arrays": {}}
        nfe_keep = self.f.nfe
        for how in ("adjoint", "direct"):
            _, g, nf, nb, mem = self.loss_and_grads(how)
            out["arrays"][f"grad_{how}"] = flat(g)
            out["metrics"].update({f"nfe_{how}_forward": float(nf),
                                   f"nfe_{how}_backward": float(nb),
                                   f"memory_{how}_kb": mem / 1024})
        a, d = out["arrays"]["grad_adjoint"], out["arrays"]["grad_direct"]
        out["metrics"]["adjoint_vs_direct"] = float(np.linalg.norm(a - d)
                                                    / max(np.linalg.norm(d), 1e-300))
        self.f.nfe = nfe_keep
        return out

    def field_segments(self, lo: float, hi: float) -> np.ndarray:
        """Arrows of f_θ(z, 0) on a FIELD_N² grid of the data plane (augmented
        coordinates 0), as segment end points (2 per arrow), scaled to the grid step."""
        g = np.linspace(lo, hi, FIELD_N)
        gx, gy = np.meshgrid(g, g)
        pts = np.stack([gx.ravel(), gy.ravel()], 1)
        z = torch.zeros(len(pts), self.dim, dtype=DTYPE)
        z[:, :2] = torch.tensor(pts, dtype=DTYPE)
        v = self.f(0.0, z)[:, :2].numpy()
        scale = 0.8 * (hi - lo) / (FIELD_N - 1) / max(np.linalg.norm(v, axis=1).max(), 1e-12)
        seg = np.empty((2 * len(pts), 2))
        seg[0::2], seg[1::2] = pts, pts + scale * v
        return seg

    @torch.no_grad()
    def pictures(self) -> dict[str, Any]:
        nfe_keep = self.f.nfe
        z0 = self.start_state()
        if self.cfg.task == "spiral":
            t_fine = np.linspace(0, EXTRAPOLATE * T_SPIRAL, 300)
            traj = self.solve(z0, t_fine)[:, 0].numpy()
            at_obs = self.solve(z0, self.t)[:, 0, :2].numpy()
            true_fine = spiral_truth(t_fine, Z0_SPIRAL)
            metrics = {"fit_mse": float(np.mean((at_obs - self.obs) ** 2)),
                       "truth_mse": float(np.mean((at_obs - self.truth) ** 2)),
                       "extrapolation_mse": float(np.mean(
                           (traj[t_fine > T_SPIRAL, :2] - true_fine[t_fine > T_SPIRAL]) ** 2))}
            arrays = {"t_fine": t_fine, "path": traj[:, :2].copy(), "true_path": true_fine,
                      "t_obs": self.t.copy(), "obs": self.obs.copy(),
                      "field": self.field_segments(-2.6, 2.6),
                      **{k: np.zeros(0) for k in CROSSING_ARRAYS}}
        else:
            t_fine = np.linspace(0, 1, 61)
            traj = self.solve(z0, t_fine).numpy()                  # (time, point, dim)
            out = traj[-1, :, 0]
            shown = traj[:, ::SHOW_EVERY]
            lx, ly = lines(t_fine, shown[:, :, 0])
            if self.cfg.augment:     # the same paths in the plane (x, a₁)
                _, ax = lines(t_fine, shown[:, :, 0])
                _, ay = lines(t_fine, shown[:, :, 1])
            else:
                ax = ay = np.zeros(0)
            target = self.obs[:, 0]
            metrics = {"fit_mse": float(np.mean((out - target) ** 2)),
                       # the best any increasing map can do: the constant mean of −x
                       "order_bound": float(np.mean((target - target.mean()) ** 2)),
                       "order_kept": float(np.all(np.diff(out) > 0))}
            arrays = {"x_in": self.x_in[:, 0].copy(), "x_out": out.copy(),
                      "target": target.copy(), "lines_t": lx, "lines_x": ly,
                      "plane_x": ax, "plane_a": ay,
                      **{k: np.zeros((0, 2)) for k in SPIRAL_ARRAYS}}
        self.f.nfe = nfe_keep
        return {"metrics": metrics, "arrays": arrays}

    def snapshot(self, final: bool = False) -> Snapshot:
        pic = self.pictures_throttle.get(self.step, final, self.pictures)
        grads = self.gradients_throttle.get(self.step, final, self.gradients)
        metrics = {"loss": self.loss, "nfe": float(self.nfe_forward),
                   "nfe_backward": float(self.nfe_backward), "augment": float(self.cfg.augment),
                   "task_index": float(self.cfg.task == "crossing"),
                   **pic["metrics"], **grads["metrics"]}
        metrics = {k: float(v) for k, v in metrics.items() if math.isfinite(v)}
        return Snapshot(step=self.step, metrics=metrics,
                        arrays={**pic["arrays"], **grads["arrays"]},
                        history=self.history.arrays(), final=final)

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "model": self.f.state_dict(), "opt": self.opt.state_dict(),
                "loss": self.loss, "nfe": [self.nfe_forward, self.nfe_backward]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.f.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        self.loss = float(state["loss"])
        self.nfe_forward, self.nfe_backward = (int(v) for v in state["nfe"])
        self.pictures_throttle.clear()
        self.gradients_throttle.clear()
