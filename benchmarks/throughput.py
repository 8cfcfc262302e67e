"""Engine throughput inside the GUI vs the same engine driven headless (same config, steps)
in a spawned process like an engine host's.

    python benchmarks/throughput.py                  # nn-basics: function, landscape, image
    python benchmarks/throughput.py --panel rl       # every demo of a panel
    python benchmarks/throughput.py --panel all      # every demo of every built panel
    python benchmarks/throughput.py --panel all --repeats 1 --seconds 2   # a quick look

Each demo's ratio is the median of --repeats in-GUI runs, each measured against the
headless runs just before and after it (the same demo's ratio moved by ±0.2 from one
single-run measurement to the next).

For the panel-wide runs each demo uses its quick preset with as many steps as a headless
run trains in about SECONDS seconds (measured first), so every demo costs about the same.
Demos whose whole run is shorter than MIN_SECONDS even at the step limit (or that stop
early, once converged) are measured and listed but not counted against the goal.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop  # noqa: E402

from engines.config import field_meta  # noqa: E402
from engines.registry import TOPICS, demo, demos  # noqa: E402
from engines.runtime import Control, drive, engine_thread_environment  # noqa: E402
from workbench.app import _open_window, create_app  # noqa: E402
from workbench.presets import preset_config, preset_names  # noqa: E402
from workbench.settings import Settings  # noqa: E402

CASES = [("function", 3000), ("landscape", 3000), ("image", 400)]
SECONDS = 4.0
# Runs shorter than this (headless) are over before the GUI's per-run costs (the first
# snapshot's trip, the Done message) amortise: listed, not counted against the goal.
MIN_SECONDS = 1.0


def _headless_final(spec, cfg) -> tuple[int, float]:
    """In the baseline process: (final step, training seconds) of a headless run (its
    clock starts once the engine is built, as in an engine host)."""
    engine = spec.engine_class()(cfg)
    final = None
    for final in drive(engine, Control()):
        pass
    return final.step, final.elapsed


class Baseline:
    """The headless runs, in two spawned processes of their own that live as long as the
    benchmark: the same kind of process as an engine host (torch warmed up, BLAS threads
    as a host's). Run in the benchmark's own process, the baseline differed by itself
    from a spawned one by up to 10 % (rl/gridworld 86k steps/s there, 79k in spawned
    processes), which the ratio then blamed on (or credited to) the GUI. Python-bound
    engines also differ by a few % from one process to the next (memory layout): the
    two processes' rates, printed side by side, show how much."""

    def __init__(self):
        from concurrent.futures import ProcessPoolExecutor

        from workbench.engine_host import warm_up

        context = multiprocessing.get_context("spawn")
        with engine_thread_environment():
            self.pools = [ProcessPoolExecutor(1, mp_context=context, initializer=warm_up)
                          for _ in range(2)]
            for pool in self.pools:
                pool.submit(int).result()   # start the process now, in that environment

    def run(self, spec, cfg, which: int = 0) -> tuple[int, float]:
        return self.pools[which].submit(_headless_final, spec, cfg).result()

    def rate(self, spec, cfg, which: int = 0) -> float:
        step, elapsed = self.run(spec, cfg, which)
        return step / elapsed


BASELINE: Baseline | None = None


def headless(spec, cfg, which: int = 0) -> float:
    return BASELINE.rate(spec, cfg, which)


def in_gui(app, window, panel, spec, cfg) -> float:
    panel.set_demo(spec.name)
    panel.form.set_config(cfg)
    panel.set_speed(0.0)   # flat out
    loop = QEventLoop()
    panel.runner.finished.connect(loop.quit)
    panel.start()
    loop.exec()
    panel.runner.finished.disconnect(loop.quit)
    return panel.last_snapshot.step / panel.last_snapshot.elapsed


def sized_config(panel_id: str, spec):
    """The quick preset with about SECONDS seconds of headless steps, and the seconds a
    headless run of it takes (less where the config's step limit, or the run itself,
    ends it sooner: DP stops once converged, Levin search once it found the program)."""
    cfg = preset_config(panel_id, spec, "quick" if "quick" in preset_names(panel_id, spec.name)
                        else None)
    top = field_meta(spec.config, "steps")["max"]
    # Probe runs of 20, 80, 320, ... steps until one trains for 0.3 s. The rate comes from
    # the run's own clock (training only): timing the whole call counted the engine's
    # construction, so a 20-step probe of nn-basics/function "took" 0.3 s and its
    # benchmark run lasted 30 ms, which measured the GUI's fixed cost of a run.
    steps = 20
    while True:
        probe = cfg.replace(steps=min(steps, top))
        step, elapsed = BASELINE.run(spec, probe)     # also the warm-up
        ended_early = step < probe.steps
        if elapsed >= 0.3 or probe.steps >= top or ended_early:
            break
        steps *= 4
    if ended_early:
        return probe, elapsed
    rate = step / max(elapsed, 1e-9)
    sized = cfg.replace(steps=int(max(20, min(top, SECONDS * rate))))
    return sized, sized.steps / rate


def compare(app, window, panel, spec, cfg, repeats: int = 1) -> float:
    """The median over ``repeats`` in-GUI runs of in-GUI / headless steps/s, each in-GUI
    run between two headless ones (h0 g0 h1 g1 h2 ...: run i against (h_i + h_i+1) / 2),
    the two headless processes taking turns. Interleaved, a drift of the machine (a
    thermal or frequency change, another process) moves both sides of a ratio alike."""
    # A first run in a fresh engine host pays its one-off costs (importing the engine's
    # module, torch's first backward) on the clock; the headless side is warm from the
    # probes, so the host gets a short warm-up run too.
    least = field_meta(spec.config, "steps")["min"]
    in_gui(app, window, panel, spec, cfg.replace(steps=min(cfg.steps, max(least, 20))))
    headless(spec, cfg, 1)                       # the second process's warm-up
    rates = [headless(spec, cfg, 0)]
    ratios, gui = [], []
    for i in range(repeats):
        gui.append(in_gui(app, window, panel, spec, cfg))
        rates.append(headless(spec, cfg, (i + 1) % 2))
        ratios.append(gui[-1] / ((rates[-2] + rates[-1]) / 2))
    ratio = statistics.median(ratios)
    spread = (f"; runs {min(ratios):.3f}-{max(ratios):.3f}" if repeats > 1 else "")
    print(f"{spec.name:16s}: headless {statistics.mean(rates):9.1f} steps/s (runs "
          f"{', '.join(f'{r:.0f}' for r in rates)}); in GUI {statistics.mean(gui):9.1f} "
          f"steps/s; ratio {ratio:.3f}{spread}", flush=True)
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panel", default=None, help="a panel id, or 'all'")
    parser.add_argument("--repeats", type=int, default=3,
                        help="in-GUI runs per demo, each between two headless runs; the "
                             "median ratio counts (default 3)")
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="headless seconds per run (default 4)")
    args = parser.parse_args()
    global BASELINE, SECONDS
    SECONDS = args.seconds
    BASELINE = Baseline()
    app = create_app()
    settings = Settings(Path(tempfile.mkdtemp()) / "s.json")
    if args.panel is None:
        window, panel = _open_window("nn-basics", None, None, prestart=True, settings=settings)
        window.resize(1280, 800)
        window.show()
        for name, steps in CASES:
            spec = demo("nn-basics", name)
            cfg = preset_config("nn-basics", spec, "quick").replace(steps=steps)
            headless(spec, cfg.replace(steps=max(50, steps // 10)))  # warm-up
            compare(app, window, panel, spec, cfg, args.repeats)
        window.shutdown()
        return
    ratios, short = [], []
    for panel_id in (list(TOPICS) if args.panel == "all" else [args.panel]):
        window, panel = _open_window(panel_id, None, None, prestart=True, settings=settings)
        window.resize(1280, 800)
        window.show()
        print(f"-- {panel_id}")
        for spec in demos(panel_id):
            try:
                cfg, seconds = sized_config(panel_id, spec)
            except Exception as exc:   # e.g. a dataset that is not there: say so, go on
                print(f"{spec.name:16s}: skipped ({exc})")
                continue
            ratio = compare(app, window, panel, spec, cfg, args.repeats)
            if seconds < MIN_SECONDS:
                print(f"{'':16s}  (a whole run trains {seconds:.2f} s: not counted)")
                short.append(f"{panel_id}/{spec.name}")
            else:
                ratios.append((f"{panel_id}/{spec.name}", ratio))
        window.shutdown()
        window.deleteLater()
    low = [name for name, r in ratios if r < 0.95]
    print(f"{len(ratios) - len(low)}/{len(ratios)} demos reach ratio ≥ 0.95"
          + (f"; below: {', '.join(low)}" if low else ""))
    if short:
        print(f"not counted (runs under {MIN_SECONDS:g} s at the step limit): {', '.join(short)}")


if __name__ == "__main__":
    main()
