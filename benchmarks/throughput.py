"""Engine throughput inside the GUI vs the same engine driven headless (same config, steps).

    python benchmarks/throughput.py                  # nn-basics: function, landscape, image
    python benchmarks/throughput.py --panel rl       # every demo of a panel
    python benchmarks/throughput.py --panel all      # every demo of every built panel

For the panel-wide runs each demo uses its quick preset with as many steps as a headless
run does in about SECONDS seconds (measured first), so every demo costs about the same.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop  # noqa: E402

from engines.config import field_meta  # noqa: E402
from engines.registry import TOPICS, demo, demos  # noqa: E402
from engines.runtime import Control, drive  # noqa: E402
from workbench.app import _open_window, create_app  # noqa: E402
from workbench.presets import preset_config, preset_names  # noqa: E402
from workbench.settings import Settings  # noqa: E402

CASES = [("function", 3000), ("landscape", 3000), ("image", 400)]
SECONDS = 4.0


def headless(spec, cfg) -> float:
    engine = spec.engine_class()(cfg)
    final = None
    for final in drive(engine, Control()):
        pass
    return final.step / final.elapsed


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
    """The quick preset with about SECONDS seconds of headless steps."""
    cfg = preset_config(panel_id, spec, "quick" if "quick" in preset_names(panel_id, spec.name)
                        else None)
    top = field_meta(spec.config, "steps")["max"]
    # Probe runs of 20, 80, 320, ... steps until one takes 0.3 s: a 20-step probe timed
    # mostly the engine's construction, so fast engines got runs of a few milliseconds,
    # and the GUI's fixed cost of starting a run made their ratio look like 0.1-0.3.
    steps = 20
    while True:
        probe = cfg.replace(steps=min(steps, top))
        t0 = time.perf_counter()
        headless(spec, probe)                   # also the warm-up
        seconds = time.perf_counter() - t0
        if seconds >= 0.3 or probe.steps >= top:
            break
        steps *= 4
    per_step = seconds / probe.steps
    return cfg.replace(steps=int(max(20, min(top, SECONDS / max(per_step, 1e-9)))))


def compare(app, window, panel, spec, cfg) -> float:
    h1 = headless(spec, cfg)
    g = in_gui(app, window, panel, spec, cfg)
    h2 = headless(spec, cfg)
    h = (h1 + h2) / 2
    print(f"{spec.name:16s}: headless {h:9.1f} steps/s (runs {h1:.0f}, {h2:.0f}); "
          f"in GUI {g:9.1f} steps/s; ratio {g / h:.3f}", flush=True)
    return g / h


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panel", default=None, help="a panel id, or 'all'")
    args = parser.parse_args()
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
            compare(app, window, panel, spec, cfg)
        window.shutdown()
        return
    ratios = []
    for panel_id in (list(TOPICS) if args.panel == "all" else [args.panel]):
        window, panel = _open_window(panel_id, None, None, prestart=True, settings=settings)
        window.resize(1280, 800)
        window.show()
        print(f"-- {panel_id}")
        for spec in demos(panel_id):
            try:
                cfg = sized_config(panel_id, spec)
            except Exception as exc:   # e.g. a dataset that is not there: say so, go on
                print(f"{spec.name:16s}: skipped ({exc})")
                continue
            ratios.append((f"{panel_id}/{spec.name}", compare(app, window, panel, spec, cfg)))
        window.shutdown()
        window.deleteLater()
    low = [name for name, r in ratios if r < 0.95]
    print(f"{len(ratios) - len(low)}/{len(ratios)} demos reach ratio ≥ 0.95"
          + (f"; below: {', '.join(low)}" if low else ""))


if __name__ == "__main__":
    main()
