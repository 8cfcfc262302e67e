"""Control: edits applied between steps (also while paused) and slow-motion pacing."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from engines.edits import Edit
from engines.runtime import Control, drive
from engines.rl.configs import DPConfig
from engines.rl.dp_demo import DPEngine


@dataclass(frozen=True)
class Mark(Edit):
    """A stand-in edit: Control only queues and hands edits on."""
    n: int = 0


def test_edits_wait_for_a_checkpoint_and_keep_their_order():
    ctl = Control()
    applied = []
    ctl.edit_handler = applied.extend
    ctl.post_edit(Mark(1))
    ctl.post_edit(Mark(2))
    assert applied == []                 # nothing happens on the poster's thread
    ctl.checkpoint()
    assert applied == [Mark(1), Mark(2)]
    ctl.checkpoint()
    assert applied == [Mark(1), Mark(2)]   # each edit once


def test_a_paused_engine_still_applies_edits():
    ctl = Control()
    applied = []
    done = threading.Event()
    ctl.edit_handler = lambda edits: (applied.extend(edits), done.set())
    ctl.pause()
    worker = threading.Thread(target=ctl.checkpoint)
    worker.start()
    assert ctl.wait_parked(2.0)
    ctl.post_edit(Mark(7))
    assert done.wait(2.0)
    assert applied == [Mark(7)] and ctl.paused     # applied without resuming
    ctl.resume()
    worker.join(2.0)
    assert not worker.is_alive()


class FakeClock:
    """Stands in for engines.runtime.time: every reading moves time on by ``tick`` s, so
    pacing is checked in the engine's own clock, not against a loaded machine's."""

    def __init__(self, tick: float = 0.001):
        self.now, self.tick = 0.0, tick

    def perf_counter(self) -> float:
        self.now += self.tick
        return self.now

    def sleep(self, _seconds: float) -> None:
        pass


def test_slow_motion_limits_the_step_rate(monkeypatch):
    import engines.runtime as runtime

    clock = FakeClock()
    monkeypatch.setattr(runtime, "time", clock)
    # policy iteration at γ = 0.99 sweeps far longer than 12 steps before it converges
    slow = DPConfig(maze_size=7, steps=12, method="policy_iteration", gamma=0.99)
    engine = DPEngine(slow)
    ctl = Control()
    ctl.set_speed(40.0)                   # 12 steps at 40/s: at least 11/40 s
    snaps = list(drive(engine, ctl))
    assert snaps[-1].step == 12
    assert clock.now >= 11 / 40
    clock.now = 0.0
    ctl = Control()
    ctl.set_speed(0.0)                    # full speed again: no waiting for slots
    list(drive(DPEngine(slow), ctl))
    assert clock.now < 11 / 40


def test_slow_motion_can_be_cancelled_while_waiting():
    ctl = Control()
    ctl.set_speed(0.001)                  # one step per 1000 s
    ctl.checkpoint()                      # takes the first slot
    threading.Timer(0.1, ctl.cancel).start()
    from engines.runtime import Cancelled

    with pytest.raises(Cancelled):        # (a 1000 s wait would hit the test timeout)
        ctl.checkpoint()


def test_engines_refuse_edits_by_default():
    from engines.runtime import Engine

    with pytest.raises(ValueError, match=r"nothing that can be edited \(got Mark\)"):
        Engine.apply_edit(object.__new__(Engine), Mark(3))


def test_in_slow_motion_one_step_is_exactly_one_step():
    engine = DPEngine(DPConfig(maze_size=7, steps=1000))
    ctl = Control()
    ctl.set_speed(3.0)
    ctl.pause()
    ctl.step()
    run = drive(engine, ctl)
    first = next(run)                  # the picture after the single step...
    assert first.step == 1              # ...came after exactly one (not two) steps
    ctl.cancel()
    assert list(run)[-1].step == 1


def test_a_parked_engine_applies_an_edit_without_resuming():
    """(How fast it wakes is measured in benchmarks/control_latency.py.)"""
    ctl = Control()
    applied = []
    done = threading.Event()
    ctl.edit_handler = lambda edits: (applied.extend(edits), done.set())
    ctl.pause()

    def engine_thread():
        from engines.runtime import Cancelled

        with pytest.raises(Cancelled):
            ctl.checkpoint()

    worker = threading.Thread(target=engine_thread)
    worker.start()
    assert ctl.wait_parked(2.0)
    ctl.post_edit(Mark(5))
    assert done.wait(10.0)
    assert applied == [Mark(5)] and ctl.paused
    ctl.cancel()
    worker.join(10.0)
    assert not worker.is_alive()
