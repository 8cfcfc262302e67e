"""How the registry names a course topic and its demos without importing engines (or torch).

A :class:`Topic` is one panel: its id, title and lecture chapter, its demos, and the panel
class that shows them (named as "module:Class", so nothing of Qt is imported here). Each
topic package declares its ``TOPIC`` once in its ``__init__.py``; the navigation, the panel
header, ``--list``, the CLI and the tests all read it from :mod:`engines.registry`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from engines.config import ConfigBase


def load_object(path: str):
    """Import "package.module:Name" and return the named object."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class DemoSpec:
    name: str                  # id used by --demo, presets and settings
    title: str                 # shown in the demo selector
    config: type[ConfigBase]   # the frozen Config dataclass
    engine: str                # "package.module:EngineClass", imported lazily
    summary: str = ""          # one line for the course map and --list

    def engine_class(self):
        return load_object(self.engine)


@dataclass(frozen=True)
class Topic:
    """One course topic = one panel."""

    id: str                             # panel id: --panel, presets/<id>.json, texts/<id>/
    title: str                          # navigation and panel header
    chapter: str                        # lecture chapter(s), e.g. "9, A1.4"
    demos: tuple[DemoSpec, ...] = ()    # empty: planned, shown greyed out
    panel: str | None = None            # "panels.pkg.module:PanelClass"; None = planned

    @property
    def built(self) -> bool:
        return self.panel is not None and bool(self.demos)

    def panel_class(self):
        return load_object(self.panel)

    def demo(self, name: str | None = None) -> DemoSpec:
        if name is None:
            return self.demos[0]
        for spec in self.demos:
            if spec.name == name:
                return spec
        raise KeyError(name)
