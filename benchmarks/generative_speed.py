"""Training speed of the chapter-7 demos (panel ``generative``) with their quick presets.

For each demo: steps per second of the bare training loop, the cost of one full snapshot
(what the GUI draws; the engines throttle it to ~4 per second) and the estimated time the
quick preset needs. Usage: ``python benchmarks/generative_speed.py [--device cpu|cuda]
[--steps N]``.
"""
from __future__ import annotations

import argparse
import time

from engines.registry import demos
from workbench.presets import preset_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    print(f"{'demo':<14}{'steps/s':>10}{'snapshot ms':>13}{'quick preset s':>16}")
    for spec in demos("generative"):
        cfg = preset_config("generative", spec, "quick")
        engine = spec.engine_class()(cfg, args.device)
        if cfg.__class__.__name__ == "FlowSamplesConfig" and cfg.target == "painted":
            continue
        for _ in range(5):                     # warm-up
            engine.train_step()
            engine.step += 1
        started = time.perf_counter()
        for _ in range(args.steps):
            engine.train_step()
            engine.step += 1
            if engine.history.wants(engine.step):
                engine.history.record(engine.step, engine.history_metrics())
        rate = args.steps / (time.perf_counter() - started)
        started = time.perf_counter()
        engine.snapshot(final=True)
        snap_ms = 1000 * (time.perf_counter() - started)
        print(f"{spec.name:<14}{rate:>10.0f}{snap_ms:>13.1f}{cfg.steps / rate:>16.1f}")


if __name__ == "__main__":
    main()
