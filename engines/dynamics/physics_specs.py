"""Configs, edits and DemoSpecs of the physics demos of the ``dynamics`` panel (lecture
8.6), torch-free: a Hamiltonian network (``hnn``) and a Lagrangian network (``lnn``).

Bounds: step sizes of the fixed-step roll-outs stay where RK4 is accurate on the systems
shown (the true system's own roll-out with the same step is drawn too, so the integrator's
share of any energy error is in plain sight), and long enough that the longest roll-out
(50 periods, 20 time units) costs at most about a second in numpy.
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, param
from engines.edits import Edit
from engines.spec import DemoSpec


HNN_SYSTEMS = ("spring", "pendulum", "two_body")


@dataclass(frozen=True)
class HNNConfig(ConfigBase):
    """A Hamiltonian network H_θ(q, p) against an MLP for (dq/dt, dp/dt), on noisy
    derivatives."""

    system: str = param("spring", label="System", choices=HNN_SYSTEMS, group="Data",
                        help="spring: H = p²/2 + q²/2; pendulum: H = p²/2 + 1 − cos q; "
                             "two_body: relative motion, H = |p|²/2 − 1/|q|.")
    n_samples: int = param(500, label="Observed states", min=20, max=5000, log=True,
                           group="Data",
                           help="States s = (q, p) with their noisy derivatives "
                                "(dq/dt, dp/dt) + σ·ε: a ring 0.2 ≤ |s| ≤ 2 (two bodies: "
                                "near-circular orbits at distances 0.5-1.5).")
    noise: float = param(0.1, label="Derivative noise σ", min=0.0, max=1.0, group="Data")
    hidden: int = param(64, label="Hidden width", min=8, max=256, log=True, group="Model",
                        help="Both nets: two tanh layers of this width; H_θ has one "
                             "output, the baseline 2d (dq/dt, dp/dt).")
    periods: int = param(20, label="Roll-out length (periods 2π)", min=1, max=50,
                         group="Roll-out",
                         help="Both models and the true system are integrated (RK4) "
                              "over this many times 2π from the start point.")
    dt: float = param(0.1, label="Roll-out step dt", min=0.03, max=0.3, log=True,
                      group="Roll-out")
    lr: float = param(3e-3, label="Learning rate", min=1e-5, max=3e-2, log=True,
                      group="Training")
    steps: int = param(2000, label="Steps", min=1, max=100000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)


@dataclass(frozen=True)
class LNNConfig(ConfigBase):
    """A Lagrangian network L_θ(q, v), v = dq/dt, on a pendulum or double pendulum
    (angles)."""

    system: str = param("double_pendulum", label="System",
                        choices=("pendulum", "double_pendulum"), group="Data",
                        help="Unit masses and lengths, g = 1, angles from the vertical, "
                             "v = dq/dt. pendulum: L = ½v² + cos q; double_pendulum: "
                             "L = v₁² + ½v₂² + v₁v₂ cos(θ₁ − θ₂) + 2 cos θ₁ + cos θ₂.")
    n_samples: int = param(1000, label="Observed states", min=50, max=10000, log=True,
                           group="Data",
                           help="Snapshots (q, v) of true motions started at rest, each "
                                "with its acceleration a = dv/dt, + σ·ε.")
    noise: float = param(0.0, label="Acceleration noise σ", min=0.0, max=1.0, group="Data")
    hidden: int = param(64, label="Hidden width", min=8, max=256, log=True, group="Model",
                        help="L_θ = ½|v|² + NN_θ(cos q, sin q, v), NN: two tanh layers "
                             "of this width.")
    horizon: float = param(3.0, label="Roll-out time", min=0.5, max=20.0, group="Roll-out")
    dt: float = param(0.02, label="Roll-out step dt", min=0.005, max=0.1, log=True,
                      group="Roll-out")
    lr: float = param(3e-3, label="Learning rate", min=1e-5, max=3e-2, log=True,
                      group="Training")
    steps: int = param(1500, label="Steps", min=1, max=100000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)


# ---- edits ------------------------------------------------------------------------------
@dataclass(frozen=True)
class StartRollout(Edit):
    """Start the roll-outs from this point of the clickable plane. hnn: (q, p) (two
    bodies: the position q = (x, y), with the circular-orbit momentum); lnn: (q, dq/dt) of
    the pendulum, the angles (θ₁, θ₂) of the double pendulum at rest. The engine refuses a
    point outside its range (ValueError naming it)."""
    x: float
    y: float


DEMOS: tuple[DemoSpec, ...] = (
    DemoSpec("hnn", "Hamiltonian network", HNNConfig, "engines.dynamics.hnn:HNNEngine",
             "H_θ(q, p) conserves energy over long roll-outs; a plain MLP spirals"),
    DemoSpec("lnn", "Lagrangian network", LNNConfig, "engines.dynamics.lnn:LNNEngine",
             "L_θ(q, dq/dt) and the accelerations by automatic differentiation, on a double pendulum"),
)
