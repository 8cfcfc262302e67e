"""Engines run without Qt: every module of every topic in the registry imports in a
process where PySide6, shiboken6, pyqtgraph and superqt cannot be imported."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import importlib, importlib.abc, pkgutil, sys

class NoQt(importlib.abc.MetaPathFinder):
    BLOCKED = ("PySide6", "shiboken6", "pyqtgraph", "superqt", "workbench", "panels")
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.BLOCKED:
            raise ImportError(f"{name} must not be imported by an engine")
        return None

sys.meta_path.insert(0, NoQt())
import engines
from engines.registry import COURSE

names = sorted(m.name for m in pkgutil.walk_packages(engines.__path__, "engines."))
for name in names:
    importlib.import_module(name)
for topic in COURSE.values():
    for spec in topic.demos:
        spec.engine_class()
print(len(names))
"""


def test_every_engine_module_imports_without_qt():
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert int(result.stdout.split()[-1]) > 60     # all the topic packages were walked
