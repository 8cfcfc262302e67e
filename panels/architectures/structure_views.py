"""Views of the structure demos of the architectures panel."""
from __future__ import annotations

STRUCTURE_VIEWS: dict = {}
#: Default steps per second of each demo (the effect unfolds in 20-60 s).
STRUCTURE_SPEEDS: dict[str, float] = {}
