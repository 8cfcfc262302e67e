"""GUI test fixtures: offscreen Qt, isolated settings, and no engine host left behind."""
from __future__ import annotations

import multiprocessing
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def engine_hosts() -> list:
    return [p for p in multiprocessing.active_children() if p.name.startswith("engine-host")]


@pytest.fixture(autouse=True)
def no_dangling_engine_hosts():
    """Fail a test that leaves an engine host process running."""
    yield
    leftover = engine_hosts()
    for process in leftover:
        process.join(3.0)
    still = [p.name for p in engine_hosts()]
    for process in engine_hosts():
        process.terminate()
    assert not still, f"engine host processes left running: {still}"
