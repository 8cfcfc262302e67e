"""GUI test fixtures: offscreen Qt, isolated settings, and no thread left behind."""
from __future__ import annotations

import os
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def engine_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("engine-") and t.is_alive()]


@pytest.fixture(autouse=True)
def no_dangling_engine_threads():
    """Fail a test that leaves an engine thread running."""
    yield
    leftover = engine_threads()
    for thread in leftover:
        thread.join(3.0)
    still = [t.name for t in engine_threads()]
    assert not still, f"engine threads left running: {still}"
