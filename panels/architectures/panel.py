"""Panel "Advanced architectures" (lecture 8.1-8.4): recurrent nets, graph nets, attention
and transformers (engines.architectures). Views live in two modules, one per half."""
from __future__ import annotations

from panels.architectures.sequence_views import SEQUENCE_SPEEDS, SEQUENCE_VIEWS
from panels.architectures.structure_views import STRUCTURE_SPEEDS, STRUCTURE_VIEWS
from workbench.panel import Panel


class ArchitecturesPanel(Panel):
    VIEWS = {**SEQUENCE_VIEWS, **STRUCTURE_VIEWS}
    SPEED_CONTROL = True
    DEFAULT_SPEEDS = {**SEQUENCE_SPEEDS, **STRUCTURE_SPEEDS}
