"""GUI test fixtures: offscreen Qt, isolated settings, and no engine host left behind."""
from __future__ import annotations

import multiprocessing
import os

import pytest
import shiboken6

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def engine_hosts() -> list:
    return [p for p in multiprocessing.active_children() if p.name.startswith("engine-host")]


@pytest.fixture(autouse=True)
def no_dangling_engine_hosts():
    """Close every window the test made, then fail if any engine host is still running.

    Closing a window ends its hosts before close() returns (quit, terminate, kill), so
    a host left over means a host that no window owns: a real leak, never a slow machine.
    """
    from tests.panels.helpers import OPEN_WINDOWS

    yield
    while OPEN_WINDOWS:
        window = OPEN_WINDOWS.pop()
        if shiboken6.isValid(window):
            window.close()
    still = [p.name for p in engine_hosts()]
    for process in engine_hosts():
        process.kill()
    assert not still, f"engine host processes left running: {still}"
