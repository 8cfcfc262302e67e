#!/usr/bin/env python3
"""Contact sheet of the whole app: every demo of every panel, after some training, at
projector and desktop sizes, light and dark, zoom 1 and 2, as PNGs in one folder.

    .venv/bin/python scripts/snapshots.py --out snapshots/            # everything
    .venv/bin/python scripts/snapshots.py --panel bayes --size 1280x720 --theme dark

Look at these before calling a panel done: nothing clipped, nothing empty, legends off
the data, text readable (legends still on the data, and legends folded into a key, are
listed as the script runs).
Renders offscreen (no display needed); a real window under Xvfb shows the same pixels.
File names: <panel>-<demo>-<W>x<H>-<theme>-z<zoom>.png.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = ((1280, 720), (1920, 1080))
THEMES = ("light", "dark")
ZOOMS = (1.0, 2.0)


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def legends_on_data(panel) -> list[str]:
    """The visible plots whose legend, placed afresh, still covers sampled data points or
    was folded into a key (and how many points the key covers)."""
    found = []
    for plot in panel.view.plots():
        legend = getattr(plot, "legend", None)
        if not plot.isVisible() or legend is None or not legend.items \
                or not (legend.isVisible() or plot.legend_folded):
            continue
        corner = plot.place_legend()
        if plot.legend_folded:
            found.append(f"folded into a key: {plot._title!r}, the key covers "
                         f"{plot.key_cover()} points ({why_no_band(plot)})")
            continue
        covered = plot.legend_cover().get(corner, 0)
        if covered:
            found.append(f"on the data: {plot._title!r} at {corner}: {covered} points "
                         f"({why_no_band(plot)})")
    return found


def why_no_band(plot) -> str:
    """Sizes that kept a legend out of the bands: the plot's and data area's, and for
    each band the room there against the legend's best fit (plot-kit internals: a
    diagnosis for the person reading the contact sheet, not an API)."""
    vb = plot.plotItem.vb
    parts = [f"plot {plot.width()}x{plot.height()}, data {vb.width():.0f}x{vb.height():.0f}, "
             f"{len(plot.legend.items)} entries"]
    for side in ("above", "beside"):
        width, height = plot._band_room(side)
        columns, fit = plot._band_columns(side, width, height)
        with plot._measuring() as size_of:
            big = size_of(columns)[0]
        parts.append(f"{side}: room {width:.0f}x{height:.0f}, legend {big[0]:.0f}x{big[1]:.0f} "
                     f"in {columns} col, fit {fit:.2f}")
    return "; ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="snapshots", help="folder for the PNGs")
    parser.add_argument("--panel", action="append", help="only these panels (repeatable)")
    parser.add_argument("--demo", action="append", help="only these demos (repeatable)")
    parser.add_argument("--size", action="append", type=parse_size,
                        help="WxH (repeatable; default 1280x720 and 1920x1080)")
    parser.add_argument("--theme", action="append", choices=THEMES)
    parser.add_argument("--zoom", action="append", type=float)
    parser.add_argument("--seconds", type=float, default=6.0,
                        help="training time before the pictures (quick preset, full speed)")
    args = parser.parse_args()

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("ML_WORKBENCH_CONFIG_DIR", tempfile.mkdtemp(prefix="mlwb-snap-"))
    from PySide6.QtWidgets import QApplication

    from engines.registry import COURSE
    from workbench.app import create_app
    from workbench.main_window import MainWindow
    from workbench.presets import preset_names
    from workbench.settings import Settings

    app = create_app()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    window = MainWindow(Settings(Path(tempfile.mkdtemp()) / "settings.json"),
                        topics=COURSE.values())
    window.show()

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def settle(panel) -> None:
        """Until the plots have placed their legends and fitted their axis labels for
        the new size (a legend going into a band takes a layout pass or two more)."""
        pump(0.3)
        end = time.monotonic() + 3.0
        while time.monotonic() < end and any(
                timer is not None and timer.isActive()
                for plot in panel.view.plots()
                for timer in (getattr(plot, "_legend_timer", None),
                              getattr(plot, "_axis_timer", None))):
            pump(0.05)
        pump(0.1)

    written = 0
    for topic in COURSE.values():
        if not topic.built or (args.panel and topic.id not in args.panel):
            continue
        panel = window.show_panel(topic.id)
        for spec in topic.demos:
            if args.demo and spec.name not in args.demo:
                continue
            panel.set_demo(spec.name)
            if "quick" in preset_names(topic.id, spec.name):
                panel.apply_preset("quick")
            panel.set_speed(0.0)
            panel.start()
            # --seconds of training after the first picture (a loaded machine may take a
            # while to start the engine: up to a minute)
            started = time.monotonic()
            while panel.last_snapshot is None and time.monotonic() - started < 60:
                pump(0.05)
            pump(args.seconds)
            panel.runner.pause()
            pump(0.5)
            for width, height in args.size or SIZES:
                window.resize(width, height)
                for theme in args.theme or THEMES:
                    window.apply_theme(theme)
                    for zoom in args.zoom or ZOOMS:
                        panel.set_scale(zoom)
                        settle(panel)
                        name = (f"{topic.id}-{spec.name}-{width}x{height}-{theme}"
                                f"-z{zoom:g}.png")
                        window.grab().save(str(out / name))
                        written += 1
                        for line in legends_on_data(panel):
                            print(f"{name}: legend {line}", flush=True)
            panel.set_scale(1.0)
            panel.reset()
            print(f"{topic.id}/{spec.name}: done", flush=True)
    window.shutdown()
    window.close()
    print(f"wrote {written} pictures to {out}")
    return 0 if QApplication.instance() else 1


if __name__ == "__main__":
    sys.exit(main())
