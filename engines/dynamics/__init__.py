"""Lecture chapter 8.5-8.6: implicit layers, neural ODEs, Hamiltonian and Lagrangian
networks; the Qt-free engines of the ``dynamics`` panel.

The demos are declared in two torch-free modules (configs and DemoSpecs side by side):
- :mod:`engines.dynamics.solver_specs`: ``implicit`` (a deep implicit layer) and
  ``neural-ode`` (a neural ODE, adjoint gradients, augmented states);
- :mod:`engines.dynamics.physics_specs`: ``hnn`` (Hamiltonian network against a plain MLP)
  and ``lnn`` (Lagrangian network on a double pendulum).
Shared solvers and the true systems are in :mod:`engines.dynamics.common`.
"""
from engines.dynamics.physics_specs import DEMOS as PHYSICS_DEMOS
from engines.dynamics.solver_specs import DEMOS as SOLVER_DEMOS
from engines.spec import Topic

DEMOS = SOLVER_DEMOS + PHYSICS_DEMOS

TOPIC = Topic("dynamics", "Neural ODEs and physics-informed networks", "8.5-8.6", DEMOS,
              "panels.dynamics.panel:DynamicsPanel")
