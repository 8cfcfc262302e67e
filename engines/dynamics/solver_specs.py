"""Configs and DemoSpecs of the solver demos of the ``dynamics`` panel (lecture 8.5),
torch-free: a deep implicit layer (``implicit``) and a neural ODE (``neural-ode``).

Bounds are what the numerics can do: the implicit layer's weight is rescaled to a spectral
norm below one (so the fixed point exists and is unique); the adaptive solver's tolerance
stops at 1e-10 (float64 rounding) and its step count at MAX_SOLVER_STEPS.
"""
from __future__ import annotations

from dataclasses import dataclass

from engines.config import ConfigBase, param
from engines.spec import DemoSpec

IMPLICIT_SOLVERS = ("fixed_point", "newton", "anderson")


@dataclass(frozen=True)
class ImplicitConfig(ConfigBase):
    """A deep implicit layer z* = tanh(W z* + U x + b), y = c·z* + d, fitted to a curve."""

    target: str = param("abs", label="Target function", choices=("sine", "abs", "step"),
                        group="Data", help="The 1-d function y(x) on [−3, 3] to fit: "
                                           "sin 1.5x, |x| − 1 or tanh 4x.")
    n_train: int = param(64, label="Training points", min=8, max=512, log=True, group="Data")
    hidden: int = param(16, label="State size of z", min=2, max=64, log=True, group="Layer")
    contraction: float = param(0.9, label="Spectral norm bound of W", min=0.1, max=0.99,
                               group="Layer", help="‖W‖₂ ≤ this: z ↦ tanh(Wz + Ux + b) "
                               "is a contraction, the fixed point unique. Near 1 the "
                               "fixed-point iteration slows down.")
    solver: str = param("fixed_point", label="Forward solver", choices=IMPLICIT_SOLVERS,
                        group="Layer",
                        help="fixed_point: z ← tanh(Wz + Ux + b); newton: "
                             "z ← z − (∂g/∂z)⁻¹ g(z); anderson: the next z mixes the "
                             "last m values of f(z) with weights that make the residual "
                             "smallest.")
    anderson_memory: int = param(5, label="Anderson memory m", min=2, max=10,
                                 group="Layer", when={"solver": ("anderson",)})
    tol: float = param(1e-10, label="Solver tolerance", min=1e-13, max=1e-2, log=True,
                       group="Layer", help="Stop when max over x of ‖z − f(z)‖ is below.")
    max_iter: int = param(200, label="Max. iterations", min=1, max=2000, log=True,
                          group="Layer")
    gradient: str = param("implicit", label="Training gradient",
                          choices=("implicit", "unrolled"), group="Training",
                          help="implicit: −(∂g/∂z)⁻¹∂g/∂θ at z*; unrolled: backprop "
                               "through every solver iteration.")
    lr: float = param(3e-3, label="Learning rate", min=1e-5, max=1e-1, log=True,
                      group="Training")
    steps: int = param(600, label="Steps", min=1, max=100000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)


#: The adaptive solver gives up after this many steps (a stiff learned field).
MAX_SOLVER_STEPS = 5000


@dataclass(frozen=True)
class NeuralODEConfig(ConfigBase):
    """dz/dt = f_θ(z, t) fitted to an observed spiral, or to the map x ↦ −x in 1-d."""

    task: str = param("spiral", label="Task", choices=("spiral", "crossing"), group="Data",
                      help="spiral: a noisy 2-d trajectory of a damped linear spiral; "
                           "crossing: the 1-d map x ↦ −x at t = 1 (trajectories would "
                           "have to cross).")
    noise: float = param(0.02, label="Observation noise σ", min=0.0, max=0.5,
                         group="Data", when={"task": ("spiral",)})
    augment: int = param(0, label="Extra state dimensions", min=0, max=4, group="Model",
                         help="Augmented neural ODE: z = (x, 0, …, 0); lets 1-d "
                              "trajectories pass each other.")
    hidden: int = param(32, label="Hidden width", min=4, max=128, log=True, group="Model")
    time_input: bool = param(False, label="Field depends on t", group="Model",
                             help="f_θ(z, t) with t as an extra input (the field drawn is "
                                  "the one at t = 0). In 1-d even a time-dependent field "
                                  "cannot make trajectories cross.")
    solver: str = param("dopri5", label="Solver", choices=("dopri5", "rk4"), group="Solver",
                        help="dopri5: adaptive Dormand-Prince (torchdiffeq), the function "
                             "evaluations counted; rk4: our own fixed-step Runge-Kutta.")
    rtol: float = param(1e-4, label="Relative tolerance", min=1e-10, max=1e-2, log=True,
                        group="Solver", when={"solver": ("dopri5",)},
                        help="dopri5's relative tolerance (absolute: 1 % of it).")
    rk_steps: int = param(10, label="RK4 steps per unit time", min=1, max=200, log=True,
                          group="Solver", when={"solver": ("rk4",)})
    gradient: str = param("direct", label="Training gradient",
                          choices=("direct", "adjoint"), group="Solver",
                          help="direct: backprop through the solver's operations (memory "
                               "grows with its steps); adjoint: solve the adjoint ODE "
                               "da/dt = −aᵀ∂f/∂z backwards (memory independent of the "
                               "steps, more evaluations). rk4 uses our own adjoint.")
    lr: float = param(1e-2, label="Learning rate", min=1e-5, max=1e-1, log=True,
                      group="Training")
    steps: int = param(400, label="Steps", min=1, max=20000, log=True, group="Training")
    seed: int = param(0, label="Seed", min=0, max=2**31 - 1, advanced=True)


DEMOS: tuple[DemoSpec, ...] = (
    DemoSpec("implicit", "Deep implicit layer", ImplicitConfig,
             "engines.dynamics.implicit:ImplicitEngine",
             "z* = tanh(Wz* + Ux + b) by a solver, gradients by the implicit function theorem"),
    DemoSpec("neural-ode", "Neural ODE", NeuralODEConfig,
             "engines.dynamics.node:NeuralODEEngine",
             "dz/dt = f_θ(z) fitted to a trajectory; adjoint gradients; why 1-d flows cannot cross"),
)
