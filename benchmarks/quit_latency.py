"""How long closing the window takes while every panel trains (goal: under 1 s).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/quit_latency.py [--panels 5]

Opens the main window offscreen, starts a run in each of the first N panels (their first
demo, quick preset, a long step budget), waits until every run has drawn, then measures
``window.close()``: every engine host is asked to quit in parallel (then terminated and
killed after the grace period) and the settings are saved. Prints each repetition and
the median, and the machine's load (timings on a loaded machine are longer).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def one_close(n_panels: int) -> float:
    from PySide6.QtWidgets import QApplication

    from engines.registry import TOPICS
    from workbench.main_window import MainWindow
    from workbench.presets import preset_names
    from workbench.settings import Settings

    app = QApplication.instance()
    window = MainWindow(Settings(Path(tempfile.mkdtemp()) / "settings.json"))
    window.resize(1280, 720)
    window.show()
    panels = []
    for pid in list(TOPICS)[:n_panels]:
        panel = window.show_panel(pid)
        if "quick" in preset_names(pid, panel.spec.name):
            panel.apply_preset("quick")
        panel.start()
        panels.append(panel)
    deadline = time.monotonic() + 120
    while any(p.last_snapshot is None and p.runner.is_active() for p in panels):
        app.processEvents()
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    started = time.perf_counter()
    window.close()
    took = time.perf_counter() - started
    window.deleteLater()
    app.processEvents()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--panels", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from workbench.app import create_app

    create_app()
    times = []
    for i in range(args.repeat):
        times.append(one_close(args.panels))
        print(f"close {i + 1}: {times[-1]:.2f} s with {args.panels} panels training")
    print(f"median {statistics.median(times):.2f} s (goal < 1 s); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
