"""Views of the sequence demos of the architectures panel."""
from __future__ import annotations

SEQUENCE_VIEWS: dict = {}
#: Default steps per second of each demo (the effect unfolds in 20-60 s).
SEQUENCE_SPEEDS: dict[str, float] = {}
