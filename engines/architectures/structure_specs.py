"""Configs and DemoSpecs of the structure demos of the architectures panel (torch-free)."""
from __future__ import annotations

from engines.spec import DemoSpec

DEMOS: tuple[DemoSpec, ...] = ()
