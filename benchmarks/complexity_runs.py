"""Wall time of the chapter-11 demos (complexity panel), driven headless to the end.

For each demo the default config and the presets are run once; printed: seconds, engine
steps and the final snapshot's headline metrics. The symbolic rows also show whether the
law was recovered (sympy-equivalent) and after how many seconds it first was.

    .venv/bin/python benchmarks/complexity_runs.py [demo ...]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engines.complexity import DEMOS  # noqa: E402
from engines.runtime import Control, drive  # noqa: E402
from workbench.presets import preset_config, preset_names  # noqa: E402

HEADLINES = {"symbolic": ("best_mse", "best_complexity_bits", "recovered"),
             "codes": ("kraft_sum", "prefix_free", "dead_end_rate"),
             "levin": ("found", "kt", "total_steps", "bound"),
             "solomonoff": ("cum_sq_error", "bound", "laplace_cum_sq_error")}


def main(names: list[str]) -> None:
    for spec in DEMOS:
        if names and spec.name not in names:
            continue
        for preset in preset_names("complexity", spec.name):
            cfg = preset_config("complexity", spec, preset)
            start = time.perf_counter()
            engine = spec.engine_class()(cfg)
            first_recovered = None
            for snap in drive(engine, Control(snapshot_hz=2.0)):
                if first_recovered is None and snap.metrics.get("recovered") == 1.0:
                    first_recovered = time.perf_counter() - start
            seconds = time.perf_counter() - start
            shown = ", ".join(f"{k}={snap.metrics[k]:.4g}" for k in HEADLINES[spec.name])
            extra = f", recovered after {first_recovered:.1f} s" if first_recovered else ""
            print(f"{spec.name:10s} {preset[:34]:34s} {seconds:6.1f} s  {snap.step:6d} steps  "
                  f"{shown}{extra}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
