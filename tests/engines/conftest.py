"""Shared fixtures of the engine tests (no Qt anywhere in here).

Tests marked ``@pytest.mark.slow`` are skipped unless selected with ``-m slow`` (or any
``-m`` expression naming "slow") or ML_WORKBENCH_SLOW=1 is set.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PRESETS_FILE = ROOT / "resources" / "presets" / "nn-basics.json"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running engine test (deselected by default)")
    # The test nets are tiny: one thread is faster than two and immune to
    # oversubscription when other processes share the two cores.
    import torch

    torch.set_num_threads(1)


def pytest_collection_modifyitems(config, items):
    if "slow" in (config.getoption("-m") or "") or os.environ.get("ML_WORKBENCH_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow or ML_WORKBENCH_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def presets() -> dict:
    return json.loads(PRESETS_FILE.read_text(encoding="utf-8"))
