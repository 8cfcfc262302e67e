"""Learning time evolution (lecture 8.1, "introduction via physics"): dx/dt = f(x) for a
damped oscillator, a pendulum or the Lorenz system, and the lecture's three options, all
trained side by side on the same trajectories:

1. learn the right-hand side, f_θ(x) ≈ f(x), from pairs (x, f(x)); predict by integrating
   ẋ = f_θ(x) with Euler, x(t + Δt) ≈ x(t) + Δt f_θ(x(t)) ("may lead to large deviations
   at long times");
2. learn the direct map F_θ(x(0)) ≈ x(t_n) (one output per time t_n = nT/N; the lecture's
   x(0) → x(T) is the last one; "can be very complicated");
3. learn the evolution as a sequence, x⁽ⁿ⁺¹⁾ = x⁽ⁿ⁾ + f_θ(x⁽ⁿ⁾), n = 0 … N−1, the same
   net in each step (a residual network, the simplest recurrent net), with the loss
   ⟨‖x⁽ᴺ⁾ − x(T)‖²⟩ only at the end (or, optionally, at every step).

The nets work in standardised coordinates u = (x − μ)/σ (μ, σ of the training states), and
every error is an RMS over the components in units of σ. True trajectories come from a
classical RK4 integrator with small steps (checked against scipy's solve_ivp in the tests).
Headline metrics: ``error_rhs``, ``error_direct``, ``error_residual``: the RMS error at t = T
over 256 fresh starting points; ``error_euler_true``: Euler with the true f on option 1's
grid, the share of option 1's error that is the integrator's, not the network's.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from engines.architectures.cells import seeded_linear
from engines.architectures.sequence_specs import DynamicsRNNConfig
from engines.generative.common import Throttle
from engines.runtime import Engine, Snapshot

OPTIONS = ("rhs", "direct", "residual")
N_EVAL = 256        # fresh starting points for the errors
N_SHOW = 3          # of those, drawn as trajectories
POOL_PER_TRAJ = 20  # states per training trajectory where option 1 learns f
EVAL_EVERY = 50     # errors into the history every this many steps
SHOW_POINTS = 200   # at most this many points of a fine curve go to the view


# ---- the systems --------------------------------------------------------------------------
def rhs(system: str, damping: float) -> Callable[[Any], Any]:
    """f(x) of the system, for numpy arrays or torch tensors of shape (…, d)."""
    if system == "oscillator":
        def f(x):
            return _stack([x[..., 1], -x[..., 0] - damping * x[..., 1]], x)
    elif system == "pendulum":
        def f(x):
            sin = torch.sin if isinstance(x, torch.Tensor) else np.sin
            return _stack([x[..., 1], -sin(x[..., 0]) - damping * x[..., 1]], x)
    elif system == "lorenz":
        def f(x):
            a, b, c = x[..., 0], x[..., 1], x[..., 2]
            return _stack([10.0 * (b - a), a * (28.0 - c) - b, a * b - 8.0 / 3.0 * c], x)
    else:
        raise ValueError(f"unknown system {system!r}")
    return f


def _stack(parts, like):
    return torch.stack(parts, dim=-1) if isinstance(like, torch.Tensor) else np.stack(parts, -1)


def dimension(system: str) -> int:
    return 3 if system == "lorenz" else 2


def sample_starts(system: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Starting points x(0) ~ p(x(0)), uniform in a box."""
    if system == "oscillator":
        return rng.uniform(-1.5, 1.5, (n, 2))
    if system == "pendulum":
        return np.stack([rng.uniform(-2.5, 2.5, n), rng.uniform(-1.5, 1.5, n)], 1)
    return np.stack([rng.uniform(-15, 15, n), rng.uniform(-15, 15, n),
                     rng.uniform(5, 40, n)], 1)


def reference_dt(system: str) -> float:
    return 1e-3 if system == "lorenz" else 5e-3


# ---- integrators --------------------------------------------------------------------------
def euler(f, x0, T: float, steps: int):
    """x(t + Δt) = x(t) + Δt f(x(t)), Δt = T/steps; the path (steps + 1, …, d)."""
    dt = T / steps
    path = [x0]
    x = x0
    for _ in range(steps):
        x = x + dt * f(x)
        path.append(x)
    return torch.stack(path) if isinstance(x0, torch.Tensor) else np.stack(path)


def rk4(f, x0: np.ndarray, T: float, intervals: int, dt_max: float,
        keep: int = 1) -> np.ndarray:
    """Classical Runge-Kutta from 0 to T; returns x at the ``intervals`` + 1 equally spaced
    times (each interval split into substeps of at most dt_max). ``keep`` > 1 returns
    ``keep`` equally spaced states inside each interval too (for option 1's state pool)."""
    sub = max(keep, int(math.ceil(T / intervals / dt_max)))
    sub = int(math.ceil(sub / keep)) * keep
    dt = T / intervals / sub
    x = np.asarray(x0, dtype=float)
    out = [x]
    for _ in range(intervals):
        for s in range(sub):
            k1 = f(x)
            k2 = f(x + 0.5 * dt * k1)
            k3 = f(x + 0.5 * dt * k2)
            k4 = f(x + dt * k3)
            x = x + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
            if keep > 1 and (s + 1) % (sub // keep) == 0 and s + 1 < sub:
                out.append(x)
        out.append(x)
    return np.stack(out)


def mlp(n_in: int, hidden: int, n_out: int, gen: torch.Generator) -> nn.Sequential:
    return nn.Sequential(seeded_linear(n_in, hidden, gen), nn.Tanh(),
                         seeded_linear(hidden, hidden, gen), nn.Tanh(),
                         seeded_linear(hidden, n_out, gen))


def stream(seed: int, k: int) -> int:
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


class TimeEvolutionEngine(Engine):
    Config = DynamicsRNNConfig
    blowup_metric = None
    divergence_advice = "Try a smaller learning rate (or a shorter horizon for Lorenz)."

    def __init__(self, cfg: DynamicsRNNConfig, device=None):
        super().__init__(cfg, device)
        self.f = rhs(cfg.system, cfg.damping)
        d = self.d = dimension(cfg.system)
        N, T = cfg.n_steps, cfg.horizon
        dt_ref = reference_dt(cfg.system)
        data_rng = np.random.default_rng(stream(cfg.seed, 1))
        x0 = sample_starts(cfg.system, cfg.n_train, data_rng)
        # training trajectories at t_n (N + 1, n_train, d) and a pool of states with f(x)
        dense = rk4(self.f, x0, T, N, dt_ref, keep=max(1, POOL_PER_TRAJ // N))
        self.train_traj = dense[::max(1, POOL_PER_TRAJ // N)]
        pool = dense.reshape(-1, d)
        self.mu = pool.mean(0)
        self.sigma = pool.std(0) + 1e-8
        fx = self.f(pool)
        self.sigma_f = fx.std(0) + 1e-8
        self.pool_u = self._u(pool)
        self.pool_f = torch.as_tensor(fx / self.sigma_f, dtype=torch.float32)
        self.traj_u = self._u(self.train_traj)                   # (N + 1, n_train, d)
        # fresh starting points for the errors and the pictures
        eval_rng = np.random.default_rng(stream(cfg.seed, 2))
        e0 = sample_starts(cfg.system, N_EVAL, eval_rng)
        self.eval_coarse = rk4(self.f, e0, T, N, dt_ref)                      # (N+1, E, d)
        self.eval_fine = rk4(self.f, e0, T, cfg.euler_steps, dt_ref)          # (M+1, E, d)
        self.eval_x0 = e0
        # Euler with the true f on option 1's grid: the part of its error that is Euler's
        euler_true = euler(self.f, e0, T, cfg.euler_steps)
        self.error_euler_true = np.sqrt(np.mean(((euler_true - self.eval_fine) / self.sigma) ** 2,
                                                axis=(1, 2)))
        # the three nets and their optimizers
        init = torch.Generator().manual_seed(stream(cfg.seed, 3))
        self.nets = {"rhs": mlp(d, cfg.hidden, d, init),
                     "direct": mlp(d, cfg.hidden, d * N, init),
                     "residual": mlp(d, cfg.hidden, d, init)}
        self.optimizers = {k: torch.optim.Adam(n.parameters(), lr=cfg.lr)
                           for k, n in self.nets.items()}
        self.gen = torch.Generator().manual_seed(stream(cfg.seed, 4))
        self.loss = {k: math.nan for k in OPTIONS}
        self.throttle = Throttle(0.5)
        self._last_eval: dict[str, float] = {}

    # ---- coordinates ------------------------------------------------------------------------
    def _u(self, x: np.ndarray) -> torch.Tensor:
        return torch.as_tensor((x - self.mu) / self.sigma, dtype=torch.float32)

    def _x(self, u: torch.Tensor) -> np.ndarray:
        return u.detach().numpy().astype(float) * self.sigma + self.mu

    # ---- the three predictions (in u) --------------------------------------------------------
    def f_theta(self, u: torch.Tensor) -> torch.Tensor:
        """Option 1 as a right-hand side in u: du/dt = (σ_f/σ) g_θ(u)."""
        scale = torch.as_tensor(self.sigma_f / self.sigma, dtype=torch.float32)
        return scale * self.nets["rhs"](u)

    def predict_rhs(self, u0: torch.Tensor, steps: int) -> torch.Tensor:
        return euler(self.f_theta, u0, self.cfg.horizon, steps)

    def predict_direct(self, u0: torch.Tensor) -> torch.Tensor:
        out = self.nets["direct"](u0).reshape(u0.shape[0], self.cfg.n_steps, self.d)
        return torch.cat([u0[None], out.transpose(0, 1)])                 # (N + 1, B, d)

    def predict_residual(self, u0: torch.Tensor) -> torch.Tensor:
        u, path = u0, [u0]
        for _ in range(self.cfg.n_steps):
            u = u + self.nets["residual"](u)        # x⁽ⁿ⁺¹⁾ = x⁽ⁿ⁾ + f_θ(x⁽ⁿ⁾)
            path.append(u)
        return torch.stack(path)

    # ---- training ---------------------------------------------------------------------------
    def train_step(self) -> None:
        cfg = self.cfg
        b = cfg.batch_size
        i_pool = torch.randint(0, self.pool_u.shape[0], (b,), generator=self.gen)
        i_traj = torch.randint(0, cfg.n_train, (b,), generator=self.gen)
        target = self.traj_u[:, i_traj]                                   # (N + 1, b, d)
        losses = {
            "rhs": torch.mean((self.nets["rhs"](self.pool_u[i_pool]) - self.pool_f[i_pool]) ** 2),
            "direct": torch.mean((self.predict_direct(target[0])[1:] - target[1:]) ** 2),
        }
        path = self.predict_residual(target[0])
        if cfg.residual_loss == "end":
            losses["residual"] = torch.mean((path[-1] - target[-1]) ** 2)   # only at the end
        else:
            losses["residual"] = torch.mean((path[1:] - target[1:]) ** 2)
        for k in OPTIONS:
            opt = self.optimizers[k]
            opt.zero_grad()
            losses[k].backward()
            opt.step()
            self.loss[k] = float(losses[k].detach())

    # ---- evaluation -------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self) -> dict[str, Any]:
        """Predicted paths from the fresh starts and their RMS errors (units of σ) over t."""
        u0 = self._u(self.eval_x0)
        paths = {"rhs": self.predict_rhs(u0, self.cfg.euler_steps).numpy().astype(float),
                 "direct": self.predict_direct(u0).numpy().astype(float),
                 "residual": self.predict_residual(u0).numpy().astype(float)}
        true_fine = ((self.eval_fine - self.mu) / self.sigma)
        true_coarse = ((self.eval_coarse - self.mu) / self.sigma)
        errors = {"rhs": np.sqrt(np.mean((paths["rhs"] - true_fine) ** 2, axis=(1, 2)))}
        for k in ("direct", "residual"):
            errors[k] = np.sqrt(np.mean((paths[k] - true_coarse) ** 2, axis=(1, 2)))
        return {"paths": paths, "errors": errors}

    def history_metrics(self) -> dict[str, float]:
        out = {f"loss_{k}": self.loss[k] for k in OPTIONS if math.isfinite(self.loss[k])}
        if self.step % EVAL_EVERY == 0:
            ev = self.evaluate()["errors"]
            out.update({f"error_{k}": float(ev[k][-1]) for k in OPTIONS})
        return out

    def _pictures(self) -> dict[str, Any]:
        ev = self.evaluate()
        M = self.cfg.euler_steps
        pick = np.unique(np.linspace(0, M, min(M + 1, SHOW_POINTS)).round().astype(int))
        t_fine = np.linspace(0.0, self.cfg.horizon, M + 1)
        t_coarse = np.linspace(0.0, self.cfg.horizon, self.cfg.n_steps + 1)
        back = lambda u: u * self.sigma + self.mu  # noqa: E731
        arrays = {
            "t_fine": t_fine[pick], "t_coarse": t_coarse,
            "true_fine": np.ascontiguousarray(self.eval_fine[pick, :N_SHOW].transpose(1, 0, 2)),
            "true_coarse": np.ascontiguousarray(self.eval_coarse[:, :N_SHOW].transpose(1, 0, 2)),
            "path_rhs": back(ev["paths"]["rhs"][pick, :N_SHOW]).transpose(1, 0, 2).copy(),
            "path_direct": back(ev["paths"]["direct"][:, :N_SHOW]).transpose(1, 0, 2).copy(),
            "path_residual": back(ev["paths"]["residual"][:, :N_SHOW]).transpose(1, 0, 2).copy(),
            "error_t_rhs": ev["errors"]["rhs"][pick],
            "error_t_direct": ev["errors"]["direct"],
            "error_t_residual": ev["errors"]["residual"],
            "error_t_euler_true": self.error_euler_true[pick],
        }
        metrics = {f"error_{k}": float(ev["errors"][k][-1]) for k in OPTIONS}
        metrics["error_euler_true"] = float(self.error_euler_true[-1])
        return {"arrays": arrays, "metrics": metrics}

    def snapshot(self, final: bool = False) -> Snapshot:
        pics = self.throttle.get(self.step, final, self._pictures)
        metrics = dict(pics["metrics"])
        metrics.update({f"loss_{k}": v for k, v in self.loss.items() if math.isfinite(v)})
        metrics["horizon"] = float(self.cfg.horizon)
        return Snapshot(step=self.step, metrics=metrics, arrays=dict(pics["arrays"]),
                        history=self.history.arrays(), final=final)

    # ---- state ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "gen": self.gen.get_state(), "loss": dict(self.loss),
                "nets": {k: n.state_dict() for k, n in self.nets.items()},
                "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        for k in OPTIONS:
            self.nets[k].load_state_dict(state["nets"][k])
            self.optimizers[k].load_state_dict(state["optimizers"][k])
        self.loss = {k: float(v) for k, v in state["loss"].items()}
        self.gen.set_state(state["gen"])
        self.throttle.clear()
