"""Panel "Neural ODEs and physics-informed networks" (lecture 8.5-8.6): implicit layers,
neural ODEs, Hamiltonian and Lagrangian networks (engines.dynamics). Views live in two
modules, one per half of the chapter."""
from __future__ import annotations

from panels.dynamics.physics_views import PHYSICS_SPEEDS, PHYSICS_VIEWS
from panels.dynamics.solver_views import SOLVER_SPEEDS, SOLVER_VIEWS
from workbench.panel import Panel


class DynamicsPanel(Panel):
    VIEWS = {**SOLVER_VIEWS, **PHYSICS_VIEWS}
    SPEED_CONTROL = True
    DEFAULT_SPEEDS = {**SOLVER_SPEEDS, **PHYSICS_SPEEDS}
