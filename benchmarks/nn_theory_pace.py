"""Pace of the five chapter-2 theory demos (issue 21), headless.

For each demo: wall time of the default config and of the "quick" preset driven through
engines.runtime.drive, with the final snapshot's headline metrics. For sgd-noise also the
ratio of the vectorised walker update against a baseline measured in the same run: the
same recursion θ ← (1−ηλ)θ − ηξ advanced walker by walker in a Python loop.
Never asserts timings. Run from the repo root on an idle machine:

    ML_WORKBENCH_TORCH_THREADS=1 .venv/bin/python benchmarks/nn_theory_pace.py [--skip-default]
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engines.nn_basics import DEMOS  # noqa: E402
from engines.runtime import Control, drive  # noqa: E402

NEW = ("sgd-noise", "landscape-stats", "backprop", "online", "linear-noise")
HEADLINE = {"sgd-noise": ("var_over_theory",),
            "landscape-stats": ("frac_min", "frac_max", "frac_saddle", "euler_max_abs"),
            "backprop": ("grad_err_autograd", "grad_err_fd"),
            "online": ("bias", "variance", "variance_theory"),
            "linear-noise": ("ridge_mismatch", "band_ratio")}


def timed_run(spec, cfg) -> tuple[float, dict]:
    engine = spec.engine_class()(cfg)
    start = time.perf_counter()
    final = None
    for final in drive(engine, Control(snapshot_hz=25.0)):
        pass
    return time.perf_counter() - start, final.metrics


def walker_baseline(walkers: int = 2000, steps: int = 200) -> tuple[float, float]:
    """(vectorised steps/s, Python-loop steps/s) of the bare SGD recursion."""
    rng = np.random.default_rng(0)
    theta = np.ones(walkers)
    t0 = time.perf_counter()
    for _ in range(steps):
        theta = 0.9 * theta - 0.1 * rng.standard_normal(walkers) * 0.35
    vec = steps / (time.perf_counter() - t0)
    theta_list = [1.0] * walkers
    t0 = time.perf_counter()
    for _ in range(steps // 10):
        noise = rng.standard_normal(walkers)
        for i in range(walkers):
            theta_list[i] = 0.9 * theta_list[i] - 0.1 * noise[i] * 0.35
    loop = (steps // 10) / (time.perf_counter() - t0)
    return vec, loop


def main() -> None:
    presets = json.loads((ROOT / "resources" / "presets" / "nn-basics.json").read_text("utf-8"))
    specs = {s.name: s for s in DEMOS}
    print(f"{'demo':18s} {'config':8s} {'steps':>7s} {'wall s':>8s}  metrics")
    for name in NEW:
        spec = specs[name]
        runs = [("quick", spec.config.from_dict(presets[name]["quick"]))]
        if "--skip-default" not in sys.argv:
            runs.insert(0, ("default", spec.config()))
        for label, cfg in runs:
            wall, metrics = timed_run(spec, cfg)
            shown = ", ".join(f"{k}={metrics[k]:.4g}" for k in HEADLINE[name])
            print(f"{name:18s} {label:8s} {cfg.steps:7d} {wall:8.2f}  {shown}")
    vec, loop = walker_baseline()
    print(f"\nSGD recursion, 2000 walkers: vectorised {vec:.0f} steps/s, Python loop "
          f"{loop:.1f} steps/s, ratio {vec / loop:.0f}x")


if __name__ == "__main__":
    main()
