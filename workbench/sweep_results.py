"""The window of a running or finished sweep: progress, every run's curve overlaid
(coloured by the first parameter's value) and the final metric against that parameter,
mean ± spread over seeds (one series per value of the second parameter).

The sweep runs in a background thread driving workbench.sweep's process pool, so the GUI
never waits on it; results come back through a queued Qt signal. Stop, or closing the
window, stops the workers at their next step.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QMenu,
                               QProgressBar, QPushButton, QSplitter, QToolButton, QVBoxLayout,
                               QWidget)

from engines.config import field_meta, field_type
from workbench import gui_gc, sweep
from workbench.curve_plot import CurvePlot
from workbench.panel_export import export_plots
from workbench.plot_style import FG, PALETTE, _pen, resolve_color

#: Runs coloured by the first parameter's value: a perceptual colour map (dark to light).
RUN_COLORMAP = "viridis"


class _Bridge(QObject):
    """Carries results from the sweep thread to the GUI thread (queued connections)."""

    result = Signal(object)
    done = Signal(object)
    failed = Signal(str)


def value_colors(n: int) -> list:
    cmap = pg.colormap.get(RUN_COLORMAP)
    return [cmap.map(0.1 + 0.75 * (i / max(1, n - 1)), mode="qcolor") for i in range(n)]


class SweepWindow(QWidget):
    def __init__(self, plan: sweep.SweepPlan, workers: int, entry: dict | None = None,
                 parent: QWidget | None = None, theme: str = "light", scale: float = 1.0,
                 out: str | Path | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.plan, self.workers, self.entry, self.out = plan, workers, entry or {}, out
        self.results: list[sweep.RunResult] = []
        self.outcome: sweep.SweepOutcome | None = None
        self.error = ""
        self.started = time.monotonic()
        self.stop_event = threading.Event()
        self.setWindowTitle(f"Sweep · {plan.spec.title} · "
                            + " × ".join(a.key for a in plan.axes))
        self.resize(1200, 640)
        self._build(theme, scale)
        self._bridge = _Bridge()
        self._bridge.result.connect(self._on_result)
        self._bridge.done.connect(self._on_done)
        self._bridge.failed.connect(self._on_failed)
        self.thread = threading.Thread(target=self._work, name="sweep", daemon=True)
        # While the sweep thread lives, garbage is collected in the GUI thread only: a
        # collection in the sweep thread ran a closed window's Qt destructors there and
        # deadlocked with the GUI thread (seen in CI).
        gui_gc.start_collecting_in_gui_thread(self.thread)

    # ---- layout -----------------------------------------------------------------------------
    def _build(self, theme: str, scale: float) -> None:
        root = QVBoxLayout(self)
        top = QHBoxLayout()
        self.info_label = QLabel(self._info_text())
        self.info_label.setWordWrap(True)
        top.addWidget(self.info_label, 1)
        top.addWidget(QLabel("Metric:"))
        self.metric_combo = QComboBox()
        self.metric_combo.setMinimumContentsLength(14)
        self.metric_combo.currentTextChanged.connect(self._on_metric_changed)
        top.addWidget(self.metric_combo)
        top.addWidget(QLabel("Curves:"))
        self.curve_combo = QComboBox()
        self.curve_combo.setMinimumContentsLength(12)
        self.curve_combo.setToolTip("The metric history drawn for every run")
        self.curve_combo.currentTextChanged.connect(self._on_metric_changed)
        top.addWidget(self.curve_combo)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the running runs; finished ones stay")
        self.stop_button.clicked.connect(self.stop)
        top.addWidget(self.stop_button)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        self.png_action = QAction("Plots as PNG…", self)
        self.svg_action = QAction("Plots as SVG…", self)
        self.csv_action = QAction("Results table as CSV…", self)
        menu.addActions([self.png_action, self.svg_action, self.csv_action])
        self.export_button.setMenu(menu)
        self.png_action.triggered.connect(self._export_png)
        self.svg_action.triggered.connect(self._export_svg)
        self.csv_action.triggered.connect(self._export_csv)
        top.addWidget(self.export_button)
        root.addLayout(top)

        progress = QHBoxLayout()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, len(self.plan.jobs))
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("%v / %m runs")
        progress.addWidget(self.progress_bar, 1)
        self.status_label = QLabel("starting the workers…")
        self.status_label.setMinimumWidth(260)
        progress.addWidget(self.status_label, 1)
        root.addLayout(progress)

        first = self.plan.axes[0]
        self.categorical = field_type(type(self.plan.base), first.key) not in (int, float)
        self.log_x = (not self.categorical and bool(self.entry.get(
            "log_x", field_meta(type(self.plan.base), first.key).get("log")))
            and min(first.values) > 0)
        log_y = bool(self.entry.get("log_y", False))
        self.curves_plot = CurvePlot("Every run", "step", "", log_y=log_y)
        self.final_plot = CurvePlot("Final value ± spread", first.key, "",
                                    log_y=log_y)
        if self.log_x:
            self.final_plot.plotItem.setLogMode(x=True, y=log_y)
        if self.categorical:
            ticks = [(i, sweep.format_value(v)) for i, v in enumerate(first.values)]
            self.final_plot.plotItem.getAxis("bottom").setTicks([ticks])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.curves_plot)
        splitter.addWidget(self.final_plot)
        root.addWidget(splitter, 1)
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        root.addWidget(self.problems_label)

        self._colors = value_colors(len(first.values))
        second = self.plan.axes[1] if len(self.plan.axes) > 1 else None
        self._series = list(second.values) if second is not None else [None]
        self._error_bars: dict[Any, pg.ErrorBarItem] = {}
        for i, v2 in enumerate(self._series):
            label = "mean ± spread" if v2 is None else f"{second.key} = {sweep.format_value(v2)}"
            color = PALETTE[i % len(PALETTE)]
            self.final_plot.add_curve(f"mean:{i}", label, color, width=2.0, symbol="o")
            bars = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), beam=0.0)
            self.final_plot.plotItem.addItem(bars)
            self._error_bars[i] = (bars, color)
        self.reference = self.entry.get("reference")
        if self.reference:
            self.final_plot.add_curve("reference", f"theory ({self.reference})", FG,
                                      width=1.6, style="dash")
        self._run_keys: set[str] = set()
        self._curve_chosen = False
        self._legend_values: set = set()
        for plot in self.plots():
            plot.apply_theme(theme)
            plot.set_line_scale(scale)
        self._style_bars()

    def plots(self) -> list[CurvePlot]:
        return [self.curves_plot, self.final_plot]

    def _info_text(self) -> str:
        axes = ", ".join(f"{a.key} ∈ {{{', '.join(sweep.format_value(v) for v in a.values)}}}"
                         for a in self.plan.axes)
        return (f"<b>{self.plan.spec.title}</b>: {axes}; {len(self.plan.seeds)} seed(s), "
                f"{len(self.plan.jobs)} runs on {self.workers} worker(s)")

    def _style_bars(self) -> None:
        theme = self.final_plot._theme
        for bars, color in self._error_bars.values():
            bars.setOpts(pen=_pen(resolve_color(color, theme), 1.6 * self.final_plot.line_scale))

    # ---- the background thread ----------------------------------------------------------------
    def _work(self) -> None:
        try:
            outcome = sweep.run_sweep(self.plan, self.workers, out=self.out,
                                      stop=self.stop_event, on_result=self._bridge.result.emit)
        except Exception as exc:  # noqa: BLE001 - shown in the window
            self._bridge.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self._bridge.done.emit(outcome)

    @Slot()
    def stop(self) -> None:
        if self.thread.is_alive():
            self.stop_event.set()
            self.stop_button.setEnabled(False)
            self.status_label.setText("stopping…")

    def is_running(self) -> bool:
        return self.thread.is_alive()

    def shutdown(self, timeout: float = 15.0) -> bool:
        """Stop the sweep and wait for its workers to end; True when they did."""
        self.stop_event.set()
        self.thread.join(timeout)
        gui_gc.thread_joined()
        return not self.thread.is_alive()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.shutdown()
        super().closeEvent(event)

    # ---- results ----------------------------------------------------------------------------
    @Slot(object)
    def _on_result(self, result: sweep.RunResult) -> None:
        if not result.finished:
            return
        self.results.append(result)
        names = [self.metric_combo.itemText(i) for i in range(self.metric_combo.count())]
        for name in result.metrics:
            if name not in names and name != self.reference:
                self.metric_combo.addItem(name)
                names.append(name)
        preferred = self.entry.get("metric")
        if preferred in names and self.metric_combo.currentText() != preferred:
            self.metric_combo.setCurrentText(preferred)
        columns = [self.curve_combo.itemText(i) for i in range(self.curve_combo.count())]
        for name in (result.history or {}):
            if name not in columns and name != "step":
                self.curve_combo.addItem(name)
                columns.append(name)
        wanted = self.entry.get("curve") or self.metric_combo.currentText()
        if wanted in columns and not self._curve_chosen:
            self._curve_chosen = True
            self.curve_combo.setCurrentText(wanted)
        self._add_run_curve(result)
        self.redraw()
        self._show_progress()

    def _show_progress(self, final: str = "") -> None:
        counts = {}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        self.progress_bar.setValue(len(self.results))
        extra = ", ".join(f"{n} {k}" for k, n in counts.items() if k != sweep.OK)
        text = final or (f"{len(self.results)}/{len(self.plan.jobs)} runs · "
                         f"{time.monotonic() - self.started:.0f} s")
        self.status_label.setText(text
                                  + (f" · {extra}" if extra else ""))
        problems = [r for r in self.results if r.status != sweep.OK]
        self.problems_label.setText("\n".join(f"{r.status}: {r.run_id}: {r.error}"
                                              for r in problems[:3])
                                    + (f"\n… {len(problems) - 3} more" if len(problems) > 3
                                       else ""))

    def _add_run_curve(self, result: sweep.RunResult) -> None:
        if result.history is None or result.run_id in self._run_keys:
            return
        first = self.plan.axes[0]
        value = result.point[first.key]
        index = first.values.index(value)
        label = f"{first.key} = {sweep.format_value(value)}"
        in_legend = value not in self._legend_values and len(first.values) <= 8
        self._legend_values.add(value)
        self.curves_plot.add_curve(result.run_id, label, self._colors[index], width=1.4,
                                   legend=in_legend)
        self._run_keys.add(result.run_id)

    @Slot(str)
    def _on_metric_changed(self, name: str) -> None:
        self.redraw()

    def current_metric(self) -> str:
        return self.metric_combo.currentText()

    def redraw(self) -> None:
        metric = self.current_metric()
        if not metric:
            return
        curve = self.curve_combo.currentText()
        self.curves_plot.plotItem.setLabel("left", curve)
        self.final_plot.plotItem.setLabel("left", f"final {metric}")
        for r in self.results:
            if r.history is not None and r.run_id in self._run_keys:
                column = r.history.get(curve)
                if column is None:
                    column = np.full(len(r.history["step"]), np.nan)
                self.curves_plot.set_curve(r.run_id, r.history["step"], column)
        self.curves_plot.data_changed()
        keys = self.plan.keys
        groups = sweep.summarise(self.results, keys, [metric] + (
            [self.reference] if self.reference else []))
        first = self.plan.axes[0]
        for i, v2 in enumerate(self._series):
            rows = sorted((g for g in groups if v2 is None or g.point[keys[1]] == v2),
                          key=lambda g: first.values.index(g.point[first.key]))
            x = np.array([self._x(g.point[first.key]) for g in rows], float)
            mean = np.array([g.mean[metric] for g in rows], float)
            spread = np.array([g.spread[metric] for g in rows], float)
            self.final_plot.set_curve(f"mean:{i}", x, mean)
            self._set_bars(i, x, mean, spread)
        if self.reference:
            rows = sorted(groups, key=lambda g: first.values.index(g.point[first.key]))
            if len(self._series) > 1:   # the theory line is drawn for the first series
                rows = [g for g in rows if g.point[keys[1]] == self._series[0]]
            self.final_plot.set_curve("reference", [self._x(g.point[first.key]) for g in rows],
                                      [g.mean[self.reference] for g in rows])
        for plot in self.plots():   # now, not at the next paint: an export may come first
            plot.plotItem.vb.updateAutoRange()
        self.final_plot.data_changed()

    def _x(self, value) -> float:
        first = self.plan.axes[0]
        return float(first.values.index(value)) if self.categorical else float(value)

    def _set_bars(self, i: int, x, mean, spread) -> None:
        """Error bars in view coordinates (log10 on log axes: ErrorBarItem has no log mode)."""
        bars, _ = self._error_bars[i]
        ok = np.isfinite(x) & np.isfinite(mean) & np.isfinite(spread)
        x, mean, spread = x[ok], mean[ok], spread[ok]
        top, bottom = spread.copy(), spread.copy()
        if self.log_x:
            x = np.log10(x)
        if self.final_plot.log_y:
            keep = mean > 0
            x, mean, spread = x[keep], mean[keep], spread[keep]
            hi = np.log10(mean + spread)
            lo = np.log10(np.maximum(mean - spread, mean * 1e-3))
            mean = np.log10(mean)
            top, bottom = hi - mean, mean - lo
        bars.setData(x=x, y=mean, top=top, bottom=bottom, beam=0.0)

    @Slot(object)
    def _on_done(self, outcome: sweep.SweepOutcome) -> None:
        self.outcome = outcome
        self.stop_button.setEnabled(False)
        head = "stopped" if outcome.stopped else "done"
        self._show_progress(f"{head}: {len(self.results)} of {len(self.plan.jobs)} runs "
                            f"in {outcome.wall_s:.0f} s")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.error = message
        self.stop_button.setEnabled(False)
        self.status_label.setText(f"the sweep failed: {message}")

    # ---- theme and export -----------------------------------------------------------------------
    def apply_theme(self, theme: str, scale: float | None = None) -> None:
        for plot in self.plots():
            plot.apply_theme(theme)
            if scale is not None:
                plot.set_line_scale(scale)
        self._style_bars()

    def export_plots(self, base: str | Path, fmt: str) -> list[Path]:
        return export_plots(self.plots(), base, fmt)

    def export_table(self, path: str | Path) -> Path:
        return sweep.write_table(path, self.plan.keys, self.results)

    def _default_name(self, suffix: str) -> str:
        return f"sweep-{self.plan.panel}-{self.plan.spec.name}-{'-'.join(self.plan.keys)}{suffix}"

    def _export_dialog(self, fmt: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export plots as {fmt.upper()}",
                                              self._default_name(f".{fmt}"),
                                              f"{fmt.upper()} (*.{fmt})")
        if path:
            try:
                written = self.export_plots(path, fmt)
                self.status_label.setText("wrote " + ", ".join(p.name for p in written))
            except (OSError, ValueError) as exc:
                self.status_label.setText(f"export failed: {exc}")

    @Slot()
    def _export_png(self) -> None:
        self._export_dialog("png")

    @Slot()
    def _export_svg(self) -> None:
        self._export_dialog("svg")

    @Slot()
    def _export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the results table",
                                              self._default_name(".csv"), "CSV (*.csv)")
        if path:
            try:
                self.export_table(path)
                self.status_label.setText(f"wrote {path}")
            except OSError as exc:
                self.status_label.setText(f"export failed: {exc}")

