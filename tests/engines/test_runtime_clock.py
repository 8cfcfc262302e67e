"""A run's time (steps/s, the status line) counts from when its engine is built: the
engine host starts the clock then, as a headless run does (benchmarks/throughput.py)."""
from __future__ import annotations

import engines.runtime as runtime


def test_start_clock_leaves_out_the_time_before_it(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(runtime.time, "perf_counter", lambda: now[0])
    ctl = runtime.Control()
    now[0] += 5.0                    # importing the module and building the engine
    assert ctl.active_seconds() == 5.0
    ctl.start_clock()
    now[0] += 2.0                    # training
    assert ctl.active_seconds() == 2.0
    ctl.pause()
    now[0] += 10.0                   # paused: not counted
    assert ctl.active_seconds() == 2.0
