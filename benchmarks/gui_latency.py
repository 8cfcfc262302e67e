"""GUI event-loop latency (p99 lateness of a 10 ms timer) while an engine trains flat out.

    python benchmarks/gui_latency.py [--panel ID]    # default nn-basics; every demo of it
    python benchmarks/gui_latency.py --panel all     # every demo of every built panel
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

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402

from workbench.app import _open_window, create_app  # noqa: E402
from workbench.settings import Settings  # noqa: E402

TICK_MS = 10
SECONDS = 6.0


def lateness(app, seconds: float) -> np.ndarray:
    """Run the event loop for ``seconds``; return how late each 10 ms tick fired (ms)."""
    clock = QElapsedTimer()
    late: list[float] = []
    last = [0.0]

    def tick():
        now = clock.nsecsElapsed() / 1e6
        late.append(max(0.0, now - last[0] - TICK_MS))
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    clock.start()
    timer.start()
    loop.exec()
    timer.stop()
    return np.array(late[1:])


def measure_panel(app, panel_id: str, settings) -> list[tuple[str, float]]:
    """p99 lateness (ms) while each demo of a panel trains flat out."""
    from engines.config import field_meta
    from engines.registry import demos

    specs = demos(panel_id)
    window, panel = _open_window(panel_id, specs[0].name, None, prestart=True,
                                 settings=settings)
    window.resize(1280, 800)
    window.show()
    while window.device_name is None:  # the engine host has loaded torch
        app.processEvents()
        time.sleep(0.01)
    idle = lateness(app, 2.0)
    p99_idle = np.percentile(idle, 99)
    print(f"{panel_id} idle{'':>12}: p50 {np.median(idle):5.1f} ms, p99 {p99_idle:5.1f} ms "
          f"({idle.size} ticks)")
    results = []
    for spec in specs:
        demo = spec.name
        panel.set_demo(demo)
        panel.apply_preset("quick")
        steps = min(10**7, field_meta(spec.config, "steps")["max"])
        panel.form.set_config(panel.form.config().replace(steps=steps))
        panel.set_speed(0.0)   # flat out
        panel.start()
        while panel.last_snapshot is None:  # engine built, torch imported
            app.processEvents()
            time.sleep(0.01)
        busy = lateness(app, SECONDS)
        rate = panel.runner.steps_per_second
        panel.reset()
        p99 = np.percentile(busy, 99)
        results.append((f"{panel_id}/{demo}", p99))
        print(f"{panel_id}/{demo:16s}: p50 {np.median(busy):5.1f} ms, p99 {p99:5.1f} ms "
              f"({busy.size} ticks, engine at {rate:,.0f} steps/s); "
              f"p99 ratio busy/idle {p99 / max(p99_idle, 0.1):.1f}; "
              f"goal p99 < 30 ms {'met' if p99 < 30 else 'NOT met'}")
    window.shutdown()
    window.deleteLater()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panel", default="nn-basics", help="a panel id, or 'all'")
    args = parser.parse_args()
    from engines.registry import TOPICS

    panels = list(TOPICS) if args.panel == "all" else [args.panel]
    app = create_app()
    settings = Settings(Path(tempfile.mkdtemp()) / "s.json")
    results = []
    for panel_id in panels:
        results += measure_panel(app, panel_id, settings)
    missed = [name for name, p99 in results if p99 >= 30]
    print(f"{len(results) - len(missed)}/{len(results)} demos meet p99 < 30 ms"
          + (f"; not: {', '.join(missed)}" if missed else ""))


if __name__ == "__main__":
    main()
