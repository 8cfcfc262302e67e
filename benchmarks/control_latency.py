"""Latencies of the engine controls, measured in wall time (kept out of the tests, which
check the same behaviour deterministically).

    .venv/bin/python benchmarks/control_latency.py

Prints, each as a median over repetitions:
- slow motion: the achieved step rate at 40 steps/s (goal: ≤ 40, ≥ 36) against full speed;
- cancel while a slow-motion engine waits for its slot (goal < 0.1 s);
- a parked engine's wake-up for an edit (goal < 30 ms: no 50 ms polling delay);
- one Gaussian-process click at 500 points against one N×N inversion (the click is a
  rank-one downdate: the ratio should stay well below 1).
"""
from __future__ import annotations

import statistics
import threading
import time

import numpy as np

from engines.bayes.configs import GPConfig
from engines.bayes.edits import Observe
from engines.bayes.gp import GPEngine
from engines.rl.configs import DPConfig
from engines.rl.dp_demo import DPEngine
from engines.runtime import Cancelled, Control, drive


def slow_motion_rate(speed: float = 40.0, steps: int = 20) -> float:
    ctl = Control()
    ctl.set_speed(speed)
    started = time.perf_counter()
    # policy iteration at γ = 0.99: far more sweeps than `steps` before it converges
    cfg = DPConfig(maze_size=7, steps=steps, method="policy_iteration", gamma=0.99)
    list(drive(DPEngine(cfg), ctl))
    return (steps - 1) / (time.perf_counter() - started)


def cancel_latency() -> float:
    ctl = Control()
    ctl.set_speed(0.01)
    ctl.checkpoint()
    fired = []
    timer = threading.Timer(0.05, lambda: (fired.append(time.perf_counter()), ctl.cancel()))
    timer.start()
    try:
        ctl.checkpoint()
    except Cancelled:
        pass
    return time.perf_counter() - fired[0]


def parked_edit_latency() -> float:
    ctl = Control()
    done = threading.Event()
    applied: list[float] = []
    ctl.edit_handler = lambda edits: (applied.append(time.perf_counter()), done.set())
    ctl.pause()

    def engine() -> None:
        try:
            ctl.checkpoint()
        except Cancelled:
            pass

    worker = threading.Thread(target=engine)
    worker.start()
    ctl.wait_parked(2.0)
    time.sleep(0.06)   # let the engine sit deep in its 50 ms wait
    posted = time.perf_counter()
    ctl.post_edit(Observe())   # any Edit: Control only queues it
    done.wait(2.0)
    ctl.cancel()
    worker.join(2.0)
    return applied[0] - posted


def gp_click_ratio() -> float:
    engine = GPEngine(GPConfig(n_points=500, steps=1))
    rng = np.random.default_rng(0)
    clicks = []
    for _ in range(30):
        started = time.perf_counter()
        engine.apply_edit(Observe(t=float(rng.uniform(0, 10)), y=0.3))
        clicks.append(time.perf_counter() - started)
    started = time.perf_counter()
    np.linalg.inv(engine.cov)
    return statistics.median(clicks) / (time.perf_counter() - started)


def main() -> None:
    rates = [slow_motion_rate() for _ in range(3)]
    print(f"slow motion at 40 steps/s: {statistics.median(rates):.1f} steps/s achieved")
    print(f"cancel while waiting for a slot: "
          f"{1000 * statistics.median(cancel_latency() for _ in range(5)):.1f} ms")
    print(f"parked engine wakes for an edit: "
          f"{1000 * statistics.median(parked_edit_latency() for _ in range(5)):.1f} ms")
    print(f"GP click / one 500x500 inversion: {gp_click_ratio():.2f}")


if __name__ == "__main__":
    main()
