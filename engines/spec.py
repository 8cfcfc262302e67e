"""DemoSpec: how the registry names one demo without importing its engine (or torch)."""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from engines.config import ConfigBase


@dataclass(frozen=True)
class DemoSpec:
    name: str                  # id used by --demo, presets and settings
    title: str                 # shown in the demo selector
    config: type[ConfigBase]   # the frozen Config dataclass
    engine: str                # "package.module:EngineClass", imported lazily

    def engine_class(self):
        module, _, cls = self.engine.partition(":")
        return getattr(importlib.import_module(module), cls)
