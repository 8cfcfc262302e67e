"""Panel "Algorithmic complexity" (lecture chapter 11).

Levin's search and Solomonoff induction finish in under a second at full speed: they start
in slow motion (one work unit or one bit at a time) so that each phase and each bit can be
followed; the Speed selector goes faster.
"""
from __future__ import annotations

from panels.complexity.views import CodesView, LevinView, SolomonoffView, SymbolicView
from workbench.panel import Panel


class ComplexityPanel(Panel):
    VIEWS = {"symbolic": SymbolicView, "codes": CodesView, "levin": LevinView,
             "solomonoff": SolomonoffView}
    SPEED_CONTROL = True
    # levin: ~110 work units to the answer at 3/s (~37 s); solomonoff: 40 bits at 1/s;
    # codes: 400 bits at 10/s; symbolic: 48 batches to trees of 7 nodes at 3/s (~25 s).
    DEFAULT_SPEEDS = {"symbolic": 3.0, "codes": 10.0, "levin": 3.0, "solomonoff": 1.0}
