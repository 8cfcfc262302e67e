"""EngineRunner: coalescing, pause/step/stop, stale runs, error and NaN conversion."""
from __future__ import annotations

import pytest

from tests.fakes.engine import SPEC, FakeConfig, FakeEngine
from workbench.runner import EngineRunner

pytestmark = pytest.mark.gui


@pytest.fixture
def runner(qtbot):
    r = EngineRunner()
    yield r
    assert r.shutdown(2.0)


def test_run_completes_with_final_snapshot(qtbot, runner):
    snaps = []
    runner.snapshot.connect(snaps.append)
    with qtbot.waitSignal(runner.finished, timeout=20000) as blocker:
        runner.start(SPEC, FakeConfig(steps=300))
    assert blocker.args == ["completed"]
    assert snaps and snaps[-1].final and snaps[-1].step == 300
    assert list(snaps[-1].history["step"])[-1] == 300
    assert runner.state == "finished"


def test_pause_blocks_progress_and_resume_continues(qtbot, runner):
    snaps = []
    runner.snapshot.connect(snaps.append)
    runner.start(SPEC, FakeConfig(steps=10**8))
    qtbot.waitUntil(lambda: runner.state == "running" and len(snaps) > 0, timeout=20000)
    runner.pause()
    step = runner.wait_parked(5.0)
    assert step is not None and step > 0
    assert runner.wait_parked(5.0) == step  # a parked engine does not move
    runner.resume()
    qtbot.waitUntil(lambda: len(snaps) > 0 and snaps[-1].step > step, timeout=5000)
    with qtbot.waitSignal(runner.finished, timeout=3000) as blocker:
        runner.stop()
    assert blocker.args == ["stopped"]


def test_step_runs_one_interval_then_pauses(qtbot, runner):
    snaps = []
    runner.snapshot.connect(snaps.append)
    runner.start(SPEC, FakeConfig(steps=10**8), single_step=True)
    qtbot.waitUntil(lambda: runner.state == "paused" and len(snaps) > 0, timeout=20000)
    first = runner.wait_parked(5.0)
    assert first is not None and first > 0
    runner.step()
    qtbot.waitUntil(lambda: runner.state == "paused" and snaps[-1].step > first, timeout=5000)
    assert runner.wait_parked(5.0) == snaps[-1].step  # paused right after that snapshot
    runner.stop()


def test_stop_yields_final_snapshot_with_history(qtbot, runner):
    snaps = []
    runner.snapshot.connect(snaps.append)
    runner.start(SPEC, FakeConfig(steps=10**8))
    qtbot.waitUntil(lambda: len(snaps) > 0, timeout=20000)
    with qtbot.waitSignal(runner.finished, timeout=3000) as blocker:
        runner.stop()
    assert blocker.args == ["stopped"]
    assert snaps[-1].final and len(snaps[-1].history["step"]) > 0


def test_runtime_error_reaches_the_panel_as_failed(qtbot, runner):
    failures = []
    runner.failed.connect(lambda *args: failures.append(args))
    with qtbot.waitSignal(runner.finished, timeout=20000) as blocker:
        runner.start(SPEC, FakeConfig(steps=1000, fail_at=50))
    assert blocker.args == ["failed"]
    kind, message, details = failures[0]
    assert kind == "RuntimeError" and "shape mismatch" in message
    assert "Traceback" in details


def test_nan_metric_stops_the_run_with_advice(qtbot, runner):
    failures = []
    runner.failed.connect(lambda *args: failures.append(args))
    with qtbot.waitSignal(runner.finished, timeout=20000) as blocker:
        runner.start(SPEC, FakeConfig(steps=10**8, nan_from=5, work=0))
    assert blocker.args == ["failed"]
    kind, message, _ = failures[0]
    assert kind == "Diverged"
    assert "diverged at step" in message and "loss is nan" in message
    assert "learning rate" in message


def test_stale_run_is_dropped_when_restarted(qtbot, runner):
    snaps = []
    runner.snapshot.connect(snaps.append)
    runner.start(SPEC, FakeConfig(steps=10**8, seed=1))
    qtbot.waitUntil(lambda: len(snaps) > 5, timeout=20000)
    old_step = snaps[-1].step
    runner.start(SPEC, FakeConfig(steps=10**8, seed=2))
    count = len(snaps)
    qtbot.waitUntil(lambda: len(snaps) > count + 3, timeout=5000)
    # Every snapshot after the restart is the new run's: its steps start again from 0,
    # nothing of the old run (already past old_step) slips in between.
    new = [s.step for s in snaps[count:]]
    assert new == sorted(new) and new[0] < old_step
    runner.stop()


def test_restored_engine_continues_with_same_numbers(qtbot, runner):
    reference = FakeEngine(FakeConfig(steps=400, seed=3))
    from engines.runtime import Control, drive

    for _ in drive(reference, Control()):
        pass
    half = FakeEngine(FakeConfig(steps=200, seed=3))
    for _ in drive(half, Control()):
        pass
    state = half.state_dict()
    snaps = []
    runner.snapshot.connect(snaps.append)
    with qtbot.waitSignal(runner.finished, timeout=20000):
        runner.start(SPEC, FakeConfig(steps=400, seed=3), state=state)
    assert snaps[-1].step == 400 and snaps[-1].metrics["loss"] == reference.value


def test_host_process_death_is_reported(qtbot, runner):
    snaps = []
    runner.snapshot.connect(snaps.append)
    failures = []
    runner.failed.connect(lambda *args: failures.append(args))
    runner.start(SPEC, FakeConfig(steps=10**8))
    qtbot.waitUntil(lambda: len(snaps) > 0, timeout=20000)
    with qtbot.waitSignal(runner.finished, timeout=5000) as blocker:
        runner._host.process.kill()
    assert blocker.args == ["failed"]
    assert failures[0][0] == "EngineProcessDied"


def test_a_crashed_host_leaves_its_native_trace_in_the_report(qtbot, runner):
    import os
    import signal

    snaps, failures = [], []
    runner.snapshot.connect(snaps.append)
    runner.failed.connect(lambda *args: failures.append(args))
    runner.start(SPEC, FakeConfig(steps=10**8))
    qtbot.waitUntil(lambda: len(snaps) > 0, timeout=20000)
    with qtbot.waitSignal(runner.finished, timeout=20000):
        os.kill(runner._host.process.pid, signal.SIGSEGV)   # a crash in native code
    kind, message, details = failures[0]
    assert kind == "EngineProcessDied" and "signal 11" in message
    assert "log file" not in message                  # the panel adds that once
    assert "Fatal Python error" in details             # faulthandler's trace, for the log


def test_edits_are_typed_dataclasses_pickled_whole_to_the_engine(qtbot, runner):
    """An engines.edits.Edit travels to the host; anything else is refused at once."""

    from engines.edits import Edit
    from engines.rl.edits import ToggleWall

    with pytest.raises(TypeError, match="engines.edits.Edit, not str"):
        runner.edit("toggle_wall")
    with pytest.raises(TypeError, match="not int"):
        runner.edit(42)
    assert runner.edit(ToggleWall(cell=(1, 1))) is False         # no run: nothing sent
    with pytest.raises(TypeError, match="not dict"):          # the old {"kind": ...} form
        runner.edit({"kind": "shuffle"})
    assert isinstance(ToggleWall(cell=(1, 1)), Edit)
    runner.start(SPEC, FakeConfig(steps=10**8), paused=True)
    qtbot.waitUntil(lambda: runner.is_active(), timeout=20000)
    # the fake engine takes no edits: the base Engine's refusal names the edit's type
    with qtbot.waitSignal(runner.edited, timeout=20000) as blocker:
        assert runner.edit(ToggleWall(cell=(1, 1)))
    ok, message = blocker.args
    assert not ok and "nothing that can be edited (got ToggleWall)" in message
    runner.stop()
