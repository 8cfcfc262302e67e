"""Demo ``lnn``: a Lagrangian network (lecture 8.6).

A pendulum or a double pendulum (unit masses and lengths, g = 1) in angle coordinates,
where the canonical momenta p = ∂L/∂q̇ are awkward combinations of both angular
velocities. Observed: states (q, q̇), snapshots of true motions started at rest, with their
accelerations q̈ (+ σ·ε). The model is a scalar L_θ(q, q̇); the Euler-Lagrange equation
d/dt ∂L/∂q̇ = ∂L/∂q, written out, gives

    q̈ = (∂²L_θ/∂q̇²)⁻¹ (∂L_θ/∂q − ∂²L_θ/∂q∂q̇ · q̇),

with the gradient and both Hessian blocks by automatic differentiation (batched
reverse mode, torch.autograd: one pass for ∇L, one per coordinate for the Hessian rows;
common.lagrange_accel does the same with torch.func, and the tests check that both agree).
The loss is the mean |q̈_θ − q̈_obs|².

L_θ(q, q̇) = ½|q̇|² + NN_θ(cos q, sin q, q̇): the net reads the angles through cos and sin
(L is periodic in them) and the fixed ½|q̇|² keeps ∂²L_θ/∂q̇² invertible at the start of
training (an untrained net alone has a nearly singular one). Roll-outs (RK4, step dt)
use a numpy twin: the net's input gradient and Hessian by forward-mode chain rule,
checked against autograd in the tests.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from engines.dynamics.common import DTYPE, accel_analytic, energy, mlp, rk4_step, stream
from engines.dynamics.hnn import np_layers, relative_drift, relative_error, thin
from engines.dynamics.physics_specs import LNNConfig, StartRollout
from engines.edits import unknown_edit
from engines.generative.common import EVAL_EVERY, Throttle
from engines.runtime import Engine, Snapshot

N_TEST = 256
SHOW_POINTS = 2000
SHOW_DATA = 600
ESCAPE = 1e3
E_MIN = {"pendulum": -1.0, "double_pendulum": -3.0}     # the energy at rest, hanging
#: the clickable plane: pendulum (q, q̇), double pendulum the angles (θ₁, θ₂) at rest
BOX = {"pendulum": (-2.5, 2.5, -2.0, 2.0), "double_pendulum": (-1.0, 1.0, -1.0, 1.0)}
#: the plane as drawn: a margin around BOX, where the motions from it swing to
SHOWN = {"pendulum": (-2.8, 2.8, -2.2, 2.2), "double_pendulum": (-1.6, 1.6, -1.6, 1.6)}
#: observed motions start at rest from angles up to this (a little beyond the box)
START_ANGLE = {"pendulum": 2.6, "double_pendulum": 1.2}
T_DATA = 10.0             # observed snapshots are taken at times in [0, T_DATA]
DT_DATA = 0.02
E_FLOOR = 0.005
DEFAULT_START = {"pendulum": (1.5, 0.0), "double_pendulum": (1.0, 0.5)}


# ---- the model ---------------------------------------------------------------------------
def features(q, qd, lib=torch):
    cat = torch.cat if lib is torch else np.concatenate
    return cat([lib.cos(q), lib.sin(q), qd], -1)


class Lagrangian(torch.nn.Module):
    """L_θ(q, q̇) = ½|q̇|² + NN_θ(cos q, sin q, q̇); batched, or one state of shape (d,)."""

    def __init__(self, d: int, hidden: int, gen: torch.Generator):
        super().__init__()
        self.d = d
        self.net = mlp(3 * d, hidden, 1, gen)

    def forward(self, q: torch.Tensor, qd: torch.Tensor) -> torch.Tensor:
        return self.net(features(q, qd))[..., 0] + 0.5 * (qd ** 2).sum(-1)


def accel_autograd(L, q: torch.Tensor, qd: torch.Tensor, create_graph: bool) -> torch.Tensor:
    """q̈ from the Euler-Lagrange equation for a batch (n, d), by reverse-mode autograd
    (states are independent, so the gradient of ΣL is every state's own gradient)."""
    q = q.detach().requires_grad_(True)
    qd = qd.detach().requires_grad_(True)
    dl_dq, dl_dv = torch.autograd.grad(L(q, qd).sum(), (q, qd), create_graph=True,
                                       allow_unused=True, materialize_grads=True)
    rows_vq, rows_vv = [], []
    for i in range(q.shape[1]):
        h_q, h_v = torch.autograd.grad(dl_dv[:, i].sum(), (q, qd), retain_graph=True,
                                       create_graph=create_graph, allow_unused=True,
                                       materialize_grads=True)
        rows_vq.append(h_q)               # ∂(∂L/∂q̇ᵢ)/∂q
        rows_vv.append(h_v)               # ∂(∂L/∂q̇ᵢ)/∂q̇
    m_vq, h_vv = torch.stack(rows_vq, 1), torch.stack(rows_vv, 1)
    rhs = dl_dq - (m_vq @ qd.unsqueeze(-1)).squeeze(-1)
    return torch.linalg.solve(h_vv, rhs)


# ---- numpy twin for the roll-outs -----------------------------------------------------------
def np_derivatives(layers, x: np.ndarray):
    """f, ∂f/∂x and ∂²f/∂x² of a scalar tanh MLP for a batch (n, m), forward mode:
    through h = tanh(z): ∂h = s·∂z, ∂²h = s·∂²z − 2hs·∂z∂zᵀ with s = 1 − h²."""
    n, m = x.shape
    W, b = layers[0]
    z = x @ W.T + b
    Jz = np.broadcast_to(W, (n,) + W.shape)                   # ∂z/∂x (n, k, m)
    Tz = np.zeros((n, W.shape[0], m, m))                       # ∂²z/∂x²
    for i in range(1, len(layers)):
        h = np.tanh(z)
        s = 1 - h ** 2
        J = s[..., None] * Jz
        T = (s[..., None, None] * Tz
             - 2 * (h * s)[..., None, None] * Jz[..., :, None] * Jz[..., None, :])
        W, b = layers[i]
        k = W.shape[0]
        z = h @ W.T + b
        Jz = W @ J
        Tz = (W @ T.reshape(n, T.shape[1], m * m)).reshape(n, k, m, m)
    return z[:, 0], Jz[:, 0], Tz[:, 0]


def np_accel(layers, q: np.ndarray, qd: np.ndarray) -> np.ndarray:
    """q̈ of L_θ (the Lagrangian above) for a batch (n, d), in numpy."""
    d = q.shape[-1]
    c, s = np.cos(q), np.sin(q)
    _, g, H = np_derivatives(layers, features(q, qd, np))
    v = slice(2 * d, 3 * d)
    dl_dq = -s * g[:, :d] + c * g[:, d:2 * d]
    h_vv = H[:, v, v] + np.eye(d)
    m_vq = -H[:, v, :d] * s[:, None, :] + H[:, v, d:2 * d] * c[:, None, :]
    rhs = dl_dq - (m_vq @ qd[..., None])[..., 0]
    return np.linalg.solve(h_vv, rhs[..., None])[..., 0]


# ---- data and roll-outs ----------------------------------------------------------------------
def true_field(system: str, d: int):
    return lambda t, z: np.concatenate(
        [z[..., d:], accel_analytic(system, z[..., :d], z[..., d:])], -1)


def observed_states(system: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """(q, q̇) of n true motions, each started at rest from angles uniform in
    ±START_ANGLE and observed once, at a random time in [0, T_DATA]."""
    d = 2 if system == "double_pendulum" else 1
    a = START_ANGLE[system]
    z = np.concatenate([rng.uniform(-a, a, (n, d)), np.zeros((n, d))], -1)
    stop = rng.integers(0, int(round(T_DATA / DT_DATA)) + 1, n)
    out = z.copy()
    f = true_field(system, d)
    for i in range(1, int(stop.max()) + 1):
        z = rk4_step(f, 0.0, z, DT_DATA)
        out[stop == i] = z[stop == i]
    return out


def start_state(system: str, x: float, y: float) -> np.ndarray:
    """Pendulum: (q, q̇) = (x, y); double pendulum: angles (x, y), at rest."""
    return np.array([x, y]) if system == "pendulum" else np.array([x, y, 0.0, 0.0])


def check_start(system: str, x: float, y: float) -> None:
    x0, x1, y0, y1 = BOX[system]
    names = "(q, dq/dt)" if system == "pendulum" else "angles (θ₁, θ₂)"
    ok = all(math.isfinite(v) for v in (x, y)) and x0 <= x <= x1 and y0 <= y <= y1
    if ok:
        z = start_state(system, x, y)
        d = len(z) // 2
        ok = float(energy(system, z[:d], z[d:])) - E_MIN[system] >= E_FLOOR
    if not ok:
        lo, hi = ("q", "dq/dt") if system == "pendulum" else ("θ₁", "θ₂")
        raise ValueError(f"StartRollout: the start {names} must lie in {x0:g} ≤ {lo} ≤ "
                         f"{x1:g}, {y0:g} ≤ {hi} ≤ {y1:g}, off the rest point; got "
                         f"({x:.3g}, {y:.3g})")


def guarded_rollout(f, z0: np.ndarray, dt: float, n: int) -> np.ndarray:
    out = np.full((n + 1, len(z0)), np.nan)
    z = z0[None].astype(np.float64)
    out[0] = z[0]
    for i in range(n):
        with np.errstate(all="ignore"):
            try:
                z = rk4_step(f, i * dt, z, dt)
            except np.linalg.LinAlgError:       # a singular ∂²L/∂q̇²: the roll-out ends
                break
        if not np.all(np.isfinite(z)) or np.abs(z).max() > ESCAPE:
            break
        out[i + 1] = z[0]
    return out


class LNNEngine(Engine):
    Config = LNNConfig
    blowup_metric = "loss"
    divergence_advice = "Try a smaller learning rate."

    def __init__(self, cfg: LNNConfig, device: str | None = None):
        super().__init__(cfg, "cpu")
        self.d = d = 2 if cfg.system == "double_pendulum" else 1
        rng = np.random.default_rng(stream(cfg.seed, 2))
        self.states = observed_states(cfg.system, cfg.n_samples, rng)
        acc = accel_analytic(cfg.system, self.states[:, :d], self.states[:, d:])
        self.observed = acc + cfg.noise * rng.standard_normal(acc.shape)
        test = observed_states(cfg.system, N_TEST, np.random.default_rng(stream(cfg.seed, 3)))
        self.test_acc = accel_analytic(cfg.system, test[:, :d], test[:, d:])
        self.Q, self.QD = (torch.tensor(self.states[:, s], dtype=DTYPE)
                           for s in (slice(0, d), slice(d, 2 * d)))
        self.A = torch.tensor(self.observed, dtype=DTYPE)
        self.Q_test, self.QD_test = (torch.tensor(test[:, s], dtype=DTYPE)
                                     for s in (slice(0, d), slice(d, 2 * d)))
        self.A_test = torch.tensor(self.test_acc, dtype=DTYPE)
        gen = torch.Generator().manual_seed(stream(cfg.seed, 1))
        self.model = Lagrangian(d, cfg.hidden, gen)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.loss = math.nan
        self.start = DEFAULT_START[cfg.system]
        self.n_roll = max(1, int(round(cfg.horizon / cfg.dt)))
        self.throttle = Throttle(0.5 + self.n_roll / 1500)

    # ---- training --------------------------------------------------------------------------
    def train_step(self) -> None:
        try:
            acc = accel_autograd(self.model, self.Q, self.QD, create_graph=True)
        except torch.linalg.LinAlgError:     # ∂²L_θ/∂q̇² singular somewhere: diverged
            self.loss = math.nan
            return
        loss = ((acc - self.A) ** 2).sum(1).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.loss = float(loss.detach())

    def accel_error(self) -> float:
        """Held-out mean |q̈_θ − q̈|² (clean accelerations)."""
        try:
            acc = accel_autograd(self.model, self.Q_test, self.QD_test, create_graph=False)
        except torch.linalg.LinAlgError:
            return math.nan
        return float(((acc.detach() - self.A_test) ** 2).sum(1).mean())

    def history_metrics(self) -> dict[str, float]:
        row = {"loss": self.loss}
        if self.step % EVAL_EVERY == 0:
            row["accel_error"] = self.accel_error()
        return row

    # ---- pictures ------------------------------------------------------------------------------
    def compute(self) -> dict[str, Any]:
        cfg, d = self.cfg, self.d
        layers = np_layers(self.model.net)
        z0 = start_state(cfg.system, *self.start)
        truth = guarded_rollout(true_field(cfg.system, d), z0, cfg.dt, self.n_roll)
        model = guarded_rollout(
            lambda t, z: np.concatenate([z[:, d:], np_accel(layers, z[:, :d], z[:, d:])], 1),
            z0, cfg.dt, self.n_roll)
        e_true = energy(cfg.system, truth[:, :d], truth[:, d:])
        e_model = energy(cfg.system, model[:, :d], model[:, d:])
        ok = np.isfinite(model[:, 0])
        scale = float(e_true[0]) - E_MIN[cfg.system]
        mse = float(np.mean((model[ok, :d] - truth[ok, :d]) ** 2))
        t = cfg.dt * np.arange(self.n_roll + 1)
        plane = (lambda z: np.ascontiguousarray(z[:, :2]))  # (q, q̇) or (θ₁, θ₂)
        return {
            "metrics": {"rollout_mse": mse,
                        "energy_drift": relative_drift(e_model, scale),
                        "energy_error": relative_error(e_model, scale),
                        "energy_error_true": relative_error(e_true, scale),
                        "rollout_time": cfg.dt * (int(ok.sum()) - 1),
                        "accel_error": self.accel_error(),
                        "start_x": float(self.start[0]), "start_y": float(self.start[1]),
                        "system_index": float(d - 1)},
            "arrays": {"t_path": thin(t, SHOW_POINTS),
                       "q_true": thin(truth[:, :d], SHOW_POINTS),
                       "q_lnn": thin(model[:, :d], SHOW_POINTS),
                       "path_true": thin(plane(truth), SHOW_POINTS),
                       "path_lnn": thin(plane(model), SHOW_POINTS),
                       "energy_true": thin(e_true, SHOW_POINTS),
                       "energy_lnn": thin(e_model, SHOW_POINTS),
                       "plane_box": np.array(SHOWN[cfg.system], float),
                       "start": np.array(self.start, float),
                       "data_xy": plane(self.states[:SHOW_DATA])},
        }

    def snapshot(self, final: bool = False) -> Snapshot:
        cmp = self.throttle.get(self.step, final, self.compute)
        metrics = {k: float(v) for k, v in cmp["metrics"].items() if math.isfinite(v)}
        if self.step > 0:     # (a NaN loss after training is a divergence: it stays)
            metrics["loss"] = self.loss
        return Snapshot(step=self.step, metrics=metrics, arrays=dict(cmp["arrays"]),
                        history=self.history.arrays(), final=final)

    # ---- edits and state ---------------------------------------------------------------------
    def apply_edit(self, change) -> None:
        if not isinstance(change, StartRollout):
            raise unknown_edit(self, change, "StartRollout")
        x, y = float(change.x), float(change.y)
        check_start(self.cfg.system, x, y)
        self.start = (x, y)
        self.throttle.clear()

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "model": self.model.state_dict(),
                "opt": self.opt.state_dict(), "loss": self.loss, "start": list(self.start)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        x, y = (float(v) for v in state["start"])
        check_start(self.cfg.system, x, y)
        self.load_base_state(state)
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        self.loss = float(state["loss"])
        self.start = (x, y)
        self.throttle.clear()
