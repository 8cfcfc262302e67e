"""Control: edits applied between steps (also while paused) and slow-motion pacing."""
from __future__ import annotations

import threading
import time

import pytest

from engines.runtime import Control, drive
from engines.rl.configs import DPConfig
from engines.rl.dp_demo import DPEngine


def test_edits_wait_for_a_checkpoint_and_keep_their_order():
    ctl = Control()
    applied = []
    ctl.edit_handler = applied.extend
    ctl.post_edit({"n": 1})
    ctl.post_edit({"n": 2})
    assert applied == []                 # nothing happens on the poster's thread
    ctl.checkpoint()
    assert applied == [{"n": 1}, {"n": 2}]
    ctl.checkpoint()
    assert applied == [{"n": 1}, {"n": 2}]   # each edit once


def test_a_paused_engine_still_applies_edits():
    ctl = Control()
    applied = []
    done = threading.Event()
    ctl.edit_handler = lambda edits: (applied.extend(edits), done.set())
    ctl.pause()
    worker = threading.Thread(target=ctl.checkpoint)
    worker.start()
    assert ctl.wait_parked(2.0)
    ctl.post_edit("wall")
    assert done.wait(2.0)
    assert applied == ["wall"] and ctl.paused     # applied without resuming
    ctl.resume()
    worker.join(2.0)
    assert not worker.is_alive()


def test_slow_motion_limits_the_step_rate():
    engine = DPEngine(DPConfig(maze_size=7, steps=12))
    ctl = Control()
    ctl.set_speed(40.0)                   # 12 steps at 40/s: at least 11/40 s
    started = time.perf_counter()
    snaps = list(drive(engine, ctl))
    took = time.perf_counter() - started
    assert snaps[-1].step == 12
    assert took >= 11 / 40 - 0.01
    ctl = Control()
    ctl.set_speed(0.0)                    # full speed again: no waiting
    started = time.perf_counter()
    list(drive(DPEngine(DPConfig(maze_size=7, steps=12)), ctl))
    assert time.perf_counter() - started < 0.25


def test_slow_motion_can_be_cancelled_while_waiting():
    ctl = Control()
    ctl.set_speed(0.5)                    # one step per 2 s
    ctl.checkpoint()                      # takes the first slot
    threading.Timer(0.1, ctl.cancel).start()
    started = time.perf_counter()
    from engines.runtime import Cancelled

    with pytest.raises(Cancelled):
        ctl.checkpoint()
    assert time.perf_counter() - started < 1.0


def test_engines_refuse_edits_by_default():
    from engines.runtime import Engine

    with pytest.raises(ValueError, match="nothing that can be edited"):
        Engine.apply_edit(object.__new__(Engine), {"kind": "toggle_wall", "cell": (0, 0)})


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


def test_a_parked_engine_wakes_at_once_for_an_edit():
    ctl = Control()
    applied = []
    done = threading.Event()
    ctl.edit_handler = lambda edits: (applied.append(time.perf_counter()), done.set())
    ctl.pause()

    def engine_thread():
        from engines.runtime import Cancelled

        with pytest.raises(Cancelled):
            ctl.checkpoint()

    worker = threading.Thread(target=engine_thread)
    worker.start()
    assert ctl.wait_parked(2.0)
    time.sleep(0.06)   # not a synchronisation: lets the engine sit deep in its 50 ms wait
    posted = time.perf_counter()
    ctl.post_edit("x")
    assert done.wait(2.0)
    assert applied[0] - posted < 0.03               # no 50 ms polling delay
    ctl.cancel()
    worker.join(2.0)
