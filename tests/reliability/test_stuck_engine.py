"""Fault injection: a step that never returns, and a GUI process that is killed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.engine import SPEC, FakeConfig
from workbench.runner import EngineRunner

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runner(qtbot):
    r = EngineRunner()
    yield r
    assert r.shutdown(2.0)


def test_stop_ends_an_engine_stuck_in_a_step_and_the_next_run_starts(qtbot, runner):
    forced, snaps = [], []
    runner.forced_stop.connect(forced.append)
    runner.snapshot.connect(snaps.append)
    runner.start(SPEC, FakeConfig(steps=10**6, hang_at=50))
    qtbot.waitUntil(lambda: len(snaps) > 0, timeout=30000)
    with qtbot.waitSignal(runner.finished, timeout=30000) as blocker:
        runner.stop()
    assert blocker.args == ["stopped"]
    assert forced and "did not stop" in forced[0]
    # a fresh host takes the next run
    snaps.clear()
    runner.start(SPEC, FakeConfig(steps=10**6))
    qtbot.waitUntil(lambda: len(snaps) > 0, timeout=30000)
    runner.stop()
    qtbot.waitUntil(lambda: not runner.is_active(), timeout=30000)


def test_a_run_started_behind_a_stuck_one_gets_a_fresh_host(qtbot, runner):
    snaps = []
    runner.snapshot.connect(snaps.append)
    with qtbot.waitSignal(runner.device_known, timeout=60000):   # the host's Hello
        runner.prestart()
    with qtbot.waitSignal(runner.device_known, timeout=30000):   # Started: the engine
        runner.start(SPEC, FakeConfig(steps=10**6, hang_at=1))   # is built, then hangs
    runner.discard()                                 # what Reset does
    snaps.clear()
    runner.start(SPEC, FakeConfig(steps=10**6))      # ... then Start
    qtbot.waitUntil(lambda: len(snaps) > 0, timeout=60000)
    runner.stop()
    qtbot.waitUntil(lambda: not runner.is_active(), timeout=30000)


GUI_SCRIPT = """
import sys, time
from PySide6.QtCore import QCoreApplication
from tests.fakes.engine import SPEC, FakeConfig
from workbench.runner import EngineRunner
app = QCoreApplication([])
runner = EngineRunner()
runner.start(SPEC, FakeConfig(steps=10**6, hang_at=20))
print(runner._host.process.pid, flush=True)
while True:
    app.processEvents()
    time.sleep(0.05)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux process model")
def test_a_killed_gui_leaves_no_engine_host_behind():
    gui = subprocess.Popen([sys.executable, "-c", GUI_SCRIPT], cwd=ROOT,
                           stdout=subprocess.PIPE, text=True,
                           env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    try:
        host_pid = int(gui.stdout.readline())
        time.sleep(0.5)       # not a synchronisation: lets the host reach its stuck step
        gui.send_signal(signal.SIGKILL)
        gui.wait(30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and os.path.exists(f"/proc/{host_pid}"):
            status = Path(f"/proc/{host_pid}/status").read_text() if os.path.exists(
                f"/proc/{host_pid}/status") else ""
            if "zombie" in status:
                break
            time.sleep(0.1)
        alive = os.path.exists(f"/proc/{host_pid}") and "zombie" not in Path(
            f"/proc/{host_pid}/status").read_text()
        assert not alive, "the engine host outlived its GUI"
    finally:
        if gui.poll() is None:
            gui.kill()
