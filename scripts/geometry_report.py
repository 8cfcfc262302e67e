#!/usr/bin/env python3
"""How the plot kit fitted its text over every demo as it opens, at 1280×720 (light) and
1366×768 (dark), zoom 1 and 2: titles on two lines or elided, axis labels elided, and the
problems the geometry test fails on (widgets outside the window, a cut text column, cut
one-line labels). Counts first, then each case.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/geometry_report.py [panel ...]
"""
from __future__ import annotations

import collections
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SCREENS = (((1280, 720), "light"), ((1366, 768), "dark"))


def main(only: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from engines.registry import COURSE
    from tests.panels.geometry_checks import column_cut, labels_cut_off, outside_the_window
    from workbench.main_window import MainWindow
    from workbench.settings import Settings

    window = MainWindow(Settings(Path(tempfile.mkdtemp()) / "settings.json"))
    window.show()
    cases: dict[str, list[str]] = collections.defaultdict(list)
    for (width, height), theme in SCREENS:
        window.resize(width, height)
        window.apply_theme(theme)
        for topic in COURSE.values():
            if not topic.built or (only and topic.id not in only):
                continue
            panel = window.show_panel(topic.id)
            for spec in panel.specs:
                panel.set_demo(spec.name)
                for zoom in (1.0, 2.0):
                    panel.set_scale(zoom)
                    for _ in range(3):
                        app.processEvents()
                    where = f"{topic.id}/{spec.name} {width}x{height} zoom {zoom:g}"
                    for plot in panel.view.plots():
                        if not plot.isVisible():
                            continue
                        size = f"{plot.width()}x{plot.height()} px"
                        fit = getattr(plot, "title_fit", "one line")
                        if fit != "one line":
                            cases[f"title {fit}, zoom {zoom:g}"].append(
                                f"{where}: {plot._title!r} ({size})")
                        for label in getattr(plot, "axis_labels_elided", []):
                            cases[f"axis label elided, zoom {zoom:g}"].append(
                                f"{where}: {label!r} ({size})")
                    cases["outside the window"] += [
                        f"{where}: {w}" for w in outside_the_window(window,
                                                                    window.centralWidget())]
                    if column_cut(panel):
                        cases["text column cut"].append(where)
                    cases["one-line label cut"] += [f"{where}: {t}"
                                                    for t in labels_cut_off(window)]
            panel.set_scale(1.0)
    print({name: len(found) for name, found in cases.items() if found})
    for name, found in cases.items():
        if found:
            print(f"== {name}")
            for line in found:
                print(f"   {line}")
    window.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
