"""Demo ``hnn``: a Hamiltonian network against a plain MLP (lecture 8.6).

Observed: states s = (q, p) of a mass-spring, a pendulum or two bodies under gravity
(relative coordinates), with noisy time derivatives (q̇, ṗ) + σ·ε. Two models see the same
data, with the same width, optimiser and steps:

- the Hamiltonian network: a scalar H_θ(q, p); its vector field is q̇ = ∂H_θ/∂p,
  ṗ = −∂H_θ/∂q (by autograd), trained on (q̇_obs − ∂H_θ/∂p)² + (ṗ_obs + ∂H_θ/∂q)²;
- the baseline: an MLP that outputs (q̇, ṗ) directly, trained on the same squared error.

Every vector field of the first kind conserves its own H_θ exactly; the baseline's field
has no such structure. Long roll-outs (RK4, fixed step dt, over ``periods`` × 2π) from one
start show it: the true energy along the baseline drifts (its orbits spiral), along the
Hamiltonian network it only wobbles. Two numbers per model, relative to |H(0)|:
``energy_drift`` the rise or fall of the least-squares line through H(t) over the
roll-out (the secular change), ``energy_error`` max_t |H(t) − H(0)| (wobble included). The roll-outs run in numpy with the networks'
input gradients written out (checked against autograd in the tests): a few thousand RK4
steps then cost a fraction of a second.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from engines.dynamics.common import DTYPE, hamilton_rhs, hamiltonian, mlp, rk4_step, stream
from engines.dynamics.physics_specs import HNN_SYSTEMS, HNNConfig, StartRollout
from engines.edits import unknown_edit
from engines.generative.common import EVAL_EVERY, Throttle
from engines.runtime import Engine, Snapshot

N_TEST = 256
GRID = 61
SHOW_POINTS = 3000        # roll-out points sent to the view (the metrics use all of them)
SHOW_DATA = 600
ESCAPE = 1e3              # a roll-out that leaves |z| < ESCAPE (or gets near r = 0) stops
#: the plane of the phase-space plot, (x0, x1, y0, y1); two bodies: the positions
BOX = {"spring": (-2.5, 2.5, -2.5, 2.5), "pendulum": (-2.5, 2.5, -2.5, 2.5),
       "two_body": (-2.0, 2.0, -2.0, 2.0)}
#: two bodies: clicked positions with 0.5 ≤ |q| ≤ 1.5 (where the observed orbits lie)
R_RANGE = (0.5, 1.5)
H_FLOOR = 0.005           # a start closer to the rest point has no energy to compare
#: the plane of the H picture: (q, p) for one degree of freedom; two bodies: the slice
#: q = (x, 0), p = (0, y) through the circular orbits
H_BOX = {"spring": (-2.5, 2.5, -2.5, 2.5), "pendulum": (-2.5, 2.5, -2.5, 2.5),
         "two_body": (0.4, 1.8, 0.3, 1.9)}
DEFAULT_START = (1.0, 0.0)


# ---- numpy twins of the tanh MLPs (for fast roll-outs) ------------------------------------
def np_layers(net: torch.nn.Sequential) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) of every Linear of a Linear/Tanh stack, as numpy copies."""
    return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy())
            for m in net if isinstance(m, torch.nn.Linear)]


def np_forward(layers, x: np.ndarray) -> np.ndarray:
    for W, b in layers[:-1]:
        x = np.tanh(x @ W.T + b)
    W, b = layers[-1]
    return x @ W.T + b


def np_input_grad(layers, x: np.ndarray) -> np.ndarray:
    """∂f/∂x of a scalar-output tanh MLP, by the chain rule backwards (shape of x)."""
    hs = []
    a = x
    for W, b in layers[:-1]:
        a = np.tanh(a @ W.T + b)
        hs.append(a)
    delta = layers[-1][0][0]                 # ∂f/∂h of the last hidden layer
    for (W, _), h in zip(reversed(layers[:-1]), reversed(hs)):
        delta = (delta * (1 - h ** 2)) @ W
    return delta


def symplectic(grad: np.ndarray, d: int) -> np.ndarray:
    """(∂H/∂p, −∂H/∂q) from ∂H/∂(q, p)."""
    return np.concatenate([grad[..., d:], -grad[..., :d]], axis=-1)


def hnn_field_torch(net: torch.nn.Module, s: torch.Tensor, d: int,
                    create_graph: bool) -> torch.Tensor:
    """(q̇, ṗ) = (∂H_θ/∂p, −∂H_θ/∂q) by autograd, for a batch of states (n, 2d)."""
    s = s.detach().requires_grad_(True)
    g, = torch.autograd.grad(net(s).sum(), s, create_graph=create_graph)
    return torch.cat([g[:, d:], -g[:, :d]], dim=1)


# ---- data ----------------------------------------------------------------------------------
def sample_states(system: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Observed states: one degree of freedom, uniform on the ring 0.2 ≤ |(q, p)| ≤ 2;
    two bodies: 0.5 ≤ |q| ≤ 1.5, speed 0.8-1.2 × the circular one, direction within
    ±0.25 rad of the circular one (near-circular orbits, both senses of rotation)."""
    if system == "two_body":
        r = rng.uniform(*R_RANGE, n)
        ang = rng.uniform(0, 2 * np.pi, n)
        q = np.stack([r * np.cos(ang), r * np.sin(ang)], -1)
        speed = rng.uniform(0.8, 1.2, n) / np.sqrt(r)
        sense = np.where(rng.random(n) < 0.5, 1.0, -1.0)
        phi = ang + sense * np.pi / 2 + rng.uniform(-0.25, 0.25, n)
        p = np.stack([speed * np.cos(phi), speed * np.sin(phi)], -1)
        return np.concatenate([q, p], -1)
    r = np.sqrt(rng.uniform(0.2 ** 2, 2.0 ** 2, n))
    ang = rng.uniform(0, 2 * np.pi, n)
    return np.stack([r * np.cos(ang), r * np.sin(ang)], -1)


def start_state(system: str, x: float, y: float) -> np.ndarray:
    """The state a click (x, y) stands for: (q, p) = (x, y); two bodies: q = (x, y) on a
    circular orbit, p = |q|^(−1/2) perpendicular to q (counter-clockwise)."""
    if system == "two_body":
        r = math.hypot(x, y)
        v = 1.0 / math.sqrt(r)
        return np.array([x, y, -v * y / r, v * x / r])
    return np.array([x, y])


def check_start(system: str, x: float, y: float) -> None:
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"StartRollout: the start must be finite numbers; got ({x}, {y})")
    if system == "two_body":
        r = math.hypot(x, y)
        if not R_RANGE[0] <= r <= R_RANGE[1]:
            raise ValueError(f"StartRollout: two bodies start at a distance "
                             f"{R_RANGE[0]:g} ≤ |q| ≤ {R_RANGE[1]:g} (where the observed "
                             f"orbits are); got |q| = {r:.3g} at ({x:.3g}, {y:.3g})")
        return
    x0, x1, y0, y1 = BOX[system]
    s = start_state(system, x, y)
    h = float(hamiltonian(system, s[:1], s[1:]))
    if not (x0 <= x <= x1 and y0 <= y <= y1) or h < H_FLOOR:
        raise ValueError(f"StartRollout: the start (q, p) must lie in {x0:g} ≤ q ≤ {x1:g}, "
                         f"{y0:g} ≤ p ≤ {y1:g}, off the rest point (H ≥ {H_FLOOR:g}); "
                         f"got ({x:.3g}, {y:.3g})")


# ---- roll-outs -------------------------------------------------------------------------------
def guarded_rollout(f, z0: np.ndarray, dt: float, n: int, system: str) -> np.ndarray:
    """n RK4 steps from z0 ((n + 1, dim)); after a step that leaves the sane region (not
    finite, |z| > ESCAPE, two bodies closer than 0.02) the rest is NaN."""
    out = np.full((n + 1, len(z0)), np.nan)
    z = z0[None].astype(np.float64)
    out[0] = z[0]
    d = len(z0) // 2
    for i in range(n):
        with np.errstate(all="ignore"):      # a run-away baseline overflows: it ends here
            z = rk4_step(f, i * dt, z, dt)
        bad = not np.all(np.isfinite(z)) or np.abs(z).max() > ESCAPE
        if system == "two_body" and not bad:
            bad = float(np.sqrt((z[0, :d] ** 2).sum())) < 0.02
        if bad:
            break
        out[i + 1] = z[0]
    return out


def relative_error(h: np.ndarray, scale: float | None = None) -> float:
    """max_t |H(t) − H(0)| / |H(0)| (or ``scale``) over the finite part of a roll-out:
    the wobble of a closed orbit that misses the true level set counts too."""
    h = h[np.isfinite(h)]
    return float(np.max(np.abs(h - h[0])) / (abs(h[0]) if scale is None else scale))


def relative_drift(h: np.ndarray, scale: float | None = None) -> float:
    """The secular change of the energy: the rise (or fall) of the least-squares line
    through H(t) over the roll-out, / |H(0)| (or ``scale``), on its finite part. A
    closed orbit that misses the true level set makes H wobble but hardly drift; a
    spiral drifts."""
    ok = np.isfinite(h)
    if ok.sum() < 3:
        return 0.0
    t = np.arange(len(h))[ok]
    slope = np.polyfit(t - t.mean(), h[ok], 1)[0]
    return float(abs(slope) * (t[-1] - t[0]) / (abs(h[0]) if scale is None else scale))


def pixel_rect(x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
    """(x, y, width, height) of an image whose GRID × GRID pixel centres are the grid
    points linspace(x0, x1, GRID) × linspace(y0, y1, GRID)."""
    hx, hy = (x1 - x0) / (GRID - 1), (y1 - y0) / (GRID - 1)
    return np.array([x0 - hx / 2, y0 - hy / 2, x1 - x0 + hx, y1 - y0 + hy])


def thin(a: np.ndarray, most: int) -> np.ndarray:
    step = max(1, int(math.ceil(len(a) / most)))
    return np.ascontiguousarray(a[::step])


class HNNEngine(Engine):
    Config = HNNConfig
    blowup_metric = "loss_hnn"
    divergence_advice = "Try a smaller learning rate."

    def __init__(self, cfg: HNNConfig, device: str | None = None):
        super().__init__(cfg, "cpu")
        self.d = 2 if cfg.system == "two_body" else 1
        rng = np.random.default_rng(stream(cfg.seed, 2))
        self.states = sample_states(cfg.system, cfg.n_samples, rng)
        true = hamilton_rhs(cfg.system, self.states)
        self.observed = true + cfg.noise * rng.standard_normal(true.shape)
        test_rng = np.random.default_rng(stream(cfg.seed, 3))
        self.test_states = sample_states(cfg.system, N_TEST, test_rng)
        self.test_field = hamilton_rhs(cfg.system, self.test_states)
        self.S = torch.tensor(self.states, dtype=DTYPE)
        self.D = torch.tensor(self.observed, dtype=DTYPE)
        self.S_test = torch.tensor(self.test_states, dtype=DTYPE)
        self.D_test = torch.tensor(self.test_field, dtype=DTYPE)
        gen = torch.Generator().manual_seed(stream(cfg.seed, 1))
        self.hnn = mlp(2 * self.d, cfg.hidden, 1, gen)
        self.base = mlp(2 * self.d, cfg.hidden, 2 * self.d, gen)
        self.opt_hnn = torch.optim.Adam(self.hnn.parameters(), lr=cfg.lr)
        self.opt_base = torch.optim.Adam(self.base.parameters(), lr=cfg.lr)
        self.loss_hnn = self.loss_base = math.nan
        self.start = DEFAULT_START
        self.n_roll = max(1, int(round(cfg.periods * 2 * math.pi / cfg.dt)))
        # a long roll-out costs ~0.05 ms a step: refresh it less often
        self.throttle = Throttle(0.6 + self.n_roll / 2500)

    # ---- training ------------------------------------------------------------------------
    def losses(self, S, D, create_graph: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """Σ over components, mean over states, of the squared error of each field."""
        lh = ((hnn_field_torch(self.hnn, S, self.d, create_graph) - D) ** 2).sum(1).mean()
        lb = ((self.base(S) - D) ** 2).sum(1).mean()
        return lh, lb

    def train_step(self) -> None:
        lh, lb = self.losses(self.S, self.D, create_graph=True)
        self.opt_hnn.zero_grad()
        lh.backward()
        self.opt_hnn.step()
        self.opt_base.zero_grad()
        lb.backward()
        self.opt_base.step()
        self.loss_hnn, self.loss_base = float(lh.detach()), float(lb.detach())

    def field_errors(self) -> tuple[float, float]:
        """Held-out mean |f_θ − f|² against the clean true field."""
        lh, lb = self.losses(self.S_test, self.D_test, create_graph=False)
        return float(lh.detach()), float(lb.detach())

    def history_metrics(self) -> dict[str, float]:
        row = {"loss_hnn": self.loss_hnn, "loss_baseline": self.loss_base}
        if self.step % EVAL_EVERY == 0:
            row["field_error_hnn"], row["field_error_baseline"] = self.field_errors()
        return row

    # ---- pictures ----------------------------------------------------------------------------
    def fields(self) -> dict:
        """Numpy vector fields (t, z) -> ż of the two models and of the truth."""
        d, system = self.d, self.cfg.system
        lh, lb = np_layers(self.hnn), np_layers(self.base)
        return {"hnn": lambda t, z: symplectic(np_input_grad(lh, z), d),
                "base": lambda t, z: np_forward(lb, z),
                "true": lambda t, z: hamilton_rhs(system, z)}

    def h_theta(self, z: np.ndarray) -> np.ndarray:
        return np_forward(np_layers(self.hnn), z)[..., 0]

    def plane(self, z: np.ndarray) -> np.ndarray:
        """The plotted coordinates of states: (q, p), two bodies: the position q."""
        return np.ascontiguousarray(z[..., :2])

    def compute(self) -> dict[str, Any]:
        cfg, d = self.cfg, self.d
        fields, h_theta = self.fields(), self.h_theta
        z0 = start_state(cfg.system, *self.start)
        paths = {k: guarded_rollout(f, z0, cfg.dt, self.n_roll, cfg.system)
                 for k, f in fields.items()}

        def true_h(z):
            return hamiltonian(cfg.system, z[..., :d], z[..., d:])

        energy = {k: true_h(z) for k, z in paths.items()}
        # H_θ is only defined up to a constant: shift it onto H over the observed states
        shift = float(np.mean(true_h(self.states) - h_theta(self.states)))
        learned_on_hnn = h_theta(paths["hnn"]) + shift
        drift_hnn, drift_base = relative_drift(energy["hnn"]), relative_drift(energy["base"])
        finite = {k: int(np.isfinite(v[:, 0]).sum()) for k, v in paths.items()}
        x0, x1, y0, y1 = H_BOX[cfg.system]
        gx, gy = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
        X, Y = np.meshgrid(gx, gy)                      # rows along y
        if cfg.system == "two_body":
            zero = np.zeros_like(X)
            grid = np.stack([X, zero, zero, Y], -1)
        else:
            grid = np.stack([X, Y], -1)
        h_true, h_learned = true_h(grid), h_theta(grid) + shift
        levels = np.quantile(true_h(self.states), [0.08, 0.24, 0.4, 0.56, 0.72, 0.88])
        t = cfg.dt * np.arange(self.n_roll + 1)
        show = {k: thin(v, SHOW_POINTS) for k, v in paths.items()}
        err_h, err_b = self.field_errors()
        return {
            "metrics": {"energy_drift_hnn": drift_hnn, "energy_drift_baseline": drift_base,
                        "drift_ratio": drift_base / max(drift_hnn, 1e-300),
                        "energy_drift_true": relative_drift(energy["true"]),
                        "energy_error_hnn": relative_error(energy["hnn"]),
                        "energy_error_baseline": relative_error(energy["base"]),
                        "error_ratio": relative_error(energy["base"])
                        / max(relative_error(energy["hnn"]), 1e-300),
                        "learned_h_error": relative_error(learned_on_hnn)
                        if abs(learned_on_hnn[0]) > 1e-9 else math.nan,
                        "rollout_time_baseline": cfg.dt * (finite["base"] - 1),
                        "field_error_hnn": err_h, "field_error_baseline": err_b,
                        "start_x": float(self.start[0]), "start_y": float(self.start[1]),
                        "system_index": float(HNN_SYSTEMS.index(cfg.system))},
            "arrays": {"t_path": thin(t, SHOW_POINTS),
                       "path_true": self.plane(show["true"]),
                       "path_hnn": self.plane(show["hnn"]),
                       "path_base": self.plane(show["base"]),
                       "energy_true": thin(energy["true"], SHOW_POINTS),
                       "energy_hnn": thin(energy["hnn"], SHOW_POINTS),
                       "energy_base": thin(energy["base"], SHOW_POINTS),
                       "energy_learned": thin(learned_on_hnn, SHOW_POINTS),
                       "h_true_grid": h_true, "h_learned_grid": h_learned,
                       "h_levels": levels, "h_extent": pixel_rect(x0, x1, y0, y1),
                       "plane_box": np.array(BOX[cfg.system], float),
                       "start": np.array(self.start, float),
                       "data_xy": self.plane(self.states[:SHOW_DATA])},
        }

    def snapshot(self, final: bool = False) -> Snapshot:
        cmp = self.throttle.get(self.step, final, self.compute)
        metrics = {k: float(v) for k, v in cmp["metrics"].items() if math.isfinite(v)}
        if self.step > 0:     # (a NaN loss after training is a divergence: it stays)
            metrics.update(loss_hnn=self.loss_hnn, loss_baseline=self.loss_base)
        return Snapshot(step=self.step, metrics=metrics, arrays=dict(cmp["arrays"]),
                        history=self.history.arrays(), final=final)

    # ---- edits and state ----------------------------------------------------------------------
    def apply_edit(self, change) -> None:
        if not isinstance(change, StartRollout):
            raise unknown_edit(self, change, "StartRollout")
        x, y = float(change.x), float(change.y)
        check_start(self.cfg.system, x, y)
        self.start = (x, y)
        self.throttle.clear()

    def state_dict(self) -> dict[str, Any]:
        return {**self.base_state(), "hnn": self.hnn.state_dict(),
                "base": self.base.state_dict(), "opt_hnn": self.opt_hnn.state_dict(),
                "opt_base": self.opt_base.state_dict(),
                "losses": [self.loss_hnn, self.loss_base], "start": list(self.start)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        x, y = (float(v) for v in state["start"])
        check_start(self.cfg.system, x, y)
        self.load_base_state(state)
        self.hnn.load_state_dict(state["hnn"])
        self.base.load_state_dict(state["base"])
        self.opt_hnn.load_state_dict(state["opt_hnn"])
        self.opt_base.load_state_dict(state["opt_base"])
        self.loss_hnn, self.loss_base = (float(v) for v in state["losses"])
        self.start = (x, y)
        self.throttle.clear()
