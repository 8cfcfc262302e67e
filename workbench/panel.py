"""Panel: the standard page of one course topic.

Layout: a header (title, demo and preset selectors, export, previous-runs toggle), a
splitter with the controls column (demo text + generated Config form) and the demo's plots
(a DemoView per demo), and a run bar (Start, Pause/Resume, Step, Stop, Reset + messages).
Subclasses only name their topic and map demo names to DemoView classes.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel,
                               QMenu, QPushButton, QScrollArea, QSizePolicy, QSplitter,
                               QStackedWidget,
                               QToolButton, QVBoxLayout, QWidget)

from engines.config import ConfigBase, ConfigError
from engines.registry import demos
from engines.runtime import Snapshot
from engines.spec import DemoSpec
from workbench import runner as states
from workbench.demo_view import DemoView
from workbench.forms import ConfigForm
from workbench.paths import TEXTS_DIR
from workbench.presets import DEFAULTS, PresetError, preset_config, preset_names
from workbench.runner import EngineRunner
from workbench.settings import SCALE_RANGE, Settings
from workbench.theme import color

log = logging.getLogger(__name__)


def describe_diff(cfg: ConfigBase, previous: ConfigBase | None) -> str:
    """'lr 0.003→0.1, depth 2→4': what changed from the previous run."""
    changes = cfg.diff(previous)
    return ", ".join(f"{k} {_short(a)}→{_short(b)}" for k, (a, b) in changes.items())


def _short(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def load_text(panel_id: str, demo: str) -> str:
    path = TEXTS_DIR / panel_id / f"{demo}.html"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


#: Choices of the slow-motion control: (label, steps per second; 0 = no limit).
SPEEDS: tuple[tuple[str, float], ...] = (
    ("as fast as possible", 0.0), ("1000 steps/s", 1000.0), ("300 steps/s", 300.0),
    ("100 steps/s", 100.0), ("30 steps/s", 30.0), ("10 steps/s", 10.0), ("3 steps/s", 3.0),
    ("1 step/s", 1.0))


class Panel(QWidget):
    PANEL_ID = ""
    TITLE = ""
    CHAPTER = ""
    VIEWS: dict[str, type[DemoView]] = {}
    #: Show the slow-motion control in the run bar (demos worth watching step by step).
    SPEED_CONTROL = False
    #: Per demo: the speed it starts with (steps per second, 0 = as fast as possible).
    DEFAULT_SPEEDS: dict[str, float] = {}

    message_changed = Signal(str)

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None,
                 device: str | None = None):
        super().__init__(parent)
        self.settings = settings or Settings()
        self.device = device
        self.specs: tuple[DemoSpec, ...] = demos(self.PANEL_ID)
        self.runner = EngineRunner(self, name=f"engine-host-{self.PANEL_ID}")
        self.scale = 1.0
        self.theme = "light"
        self.last_snapshot: Snapshot | None = None
        self.run_cfg: ConfigBase | None = None        # config of the current/last run
        self.previous_cfg: dict[str, ConfigBase] = {}  # per demo: the run before it
        self.run_count: dict[str, int] = {}
        self.pending_ghost: tuple[dict, str] | None = None
        self.restored = None  # (Config, engine state, step) of a loaded session, not yet run
        self._paint_queue: list = []  # plots whose painting waits for its turn
        self._draw_cost = 0.0
        self._base_font = QFont(self.font())
        self._build()
        self._connect()
        self._restore_from_settings()

    # ---- construction --------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(8, 6, 8, 6)

        self.header = QWidget()
        head = QHBoxLayout(self.header)
        head.setContentsMargins(0, 0, 0, 0)
        self.title_label = QLabel(f"<b>{self.TITLE}</b> &nbsp;·&nbsp; lecture chapter {self.CHAPTER}")
        self.demo_combo = QComboBox()
        for spec in self.specs:
            self.demo_combo.addItem(spec.title, spec.name)
        self.preset_combo = QComboBox()
        self.preset_combo.setToolTip("Named settings for this demo; 'quick' shows the effect fast.")
        # Long demo titles and preset names must not make the window wider than the screen:
        # the boxes show the start of the text and the full list when opened.
        for combo, chars in ((self.demo_combo, 24), (self.preset_combo, 16)):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(chars)
        self.preset_button = QPushButton("Apply preset")
        self.ghost_check = QCheckBox("Previous runs")
        self.ghost_check.setChecked(True)
        self.ghost_check.setToolTip("Show finished runs as faded curves to compare with")
        self.clear_ghosts_button = QPushButton("Clear runs")
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        self.export_png_action = QAction("Plots as PNG…", self)
        self.export_svg_action = QAction("Plots as SVG…", self)
        self.export_csv_action = QAction("Metrics history as CSV…", self)
        menu.addActions([self.export_png_action, self.export_svg_action, self.export_csv_action])
        self.export_button.setMenu(menu)
        head.addWidget(self.title_label)
        head.addStretch(1)
        for widget in (QLabel("Demo:"), self.demo_combo, QLabel("Preset:"), self.preset_combo,
                       self.preset_button, self.ghost_check, self.clear_ghosts_button,
                       self.export_button):
            head.addWidget(widget)
        root.addWidget(self.header)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.controls = QScrollArea()
        self.controls.setWidgetResizable(True)
        self.controls.setMinimumWidth(300)
        self.controls.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column = QWidget()
        col = QVBoxLayout(column)
        self.text_label = QLabel()
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.RichText)
        self.text_label.setObjectName("demoText")
        col.addWidget(self.text_label)
        self.forms = QStackedWidget()
        self.views = QStackedWidget()
        self.form_for: dict[str, ConfigForm] = {}
        self.view_for: dict[str, DemoView] = {}
        for spec in self.specs:
            form = ConfigForm(spec.config)
            self.form_for[spec.name] = form
            self.forms.addWidget(form)
        # Plots are built when a demo is first shown (start-up stays fast): see view_of().
        col.addWidget(self.forms)
        self.controls.setWidget(column)
        self.splitter.addWidget(self.controls)
        self.splitter.addWidget(self.views)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([360, 1000])
        root.addWidget(self.splitter, 1)

        self.run_bar = QWidget()
        bar = QHBoxLayout(self.run_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.step_button = QPushButton("Step")
        self.stop_button = QPushButton("Stop")
        self.reset_button = QPushButton("Reset")
        tips = {self.start_button: "Start a run (Space)", self.pause_button: "Pause / resume (Space)",
                self.step_button: "Train one snapshot interval, then pause (N)",
                self.stop_button: "Stop the run (Esc)",
                self.reset_button: "Stop and clear the plots (R)"}
        for button, tip in tips.items():
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            bar.addWidget(button)
        self.speed_combo = QComboBox()
        for label, value in SPEEDS:
            self.speed_combo.addItem(label, value)
        self.speed_combo.setToolTip("Slow motion for the lecture, or full speed for training")
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_label = QLabel("Speed:")
        bar.addWidget(self.speed_label)
        bar.addWidget(self.speed_combo)
        self.speed_label.setVisible(self.SPEED_CONTROL)
        self.speed_combo.setVisible(self.SPEED_CONTROL)
        self.progress_label = QLabel()
        # Long progress lines are cut, never widen the window (full text as tooltip).
        self.progress_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                          QSizePolicy.Policy.Preferred)
        self.progress_label.setMinimumWidth(120)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self.progress_label, 1)
        bar.addWidget(self.message_label, 1)
        root.addWidget(self.run_bar)
        self._update_buttons(states.IDLE)

    def _connect(self) -> None:
        self.demo_combo.currentIndexChanged.connect(self._on_demo_changed)
        self.preset_button.clicked.connect(self._on_apply_preset)
        self.ghost_check.toggled.connect(self._on_ghosts_toggled)
        self.clear_ghosts_button.clicked.connect(self._on_clear_ghosts)
        self.export_png_action.triggered.connect(self._on_export_png)
        self.export_svg_action.triggered.connect(self._on_export_svg)
        self.export_csv_action.triggered.connect(self._on_export_csv)
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.step_button.clicked.connect(self.step)
        self.stop_button.clicked.connect(self.stop)
        self.reset_button.clicked.connect(self.reset)
        self.speed_combo.currentIndexChanged.connect(self._on_speed_changed)
        self.runner.snapshot.connect(self._on_snapshot)
        self.runner.failed.connect(self._on_failed)
        self.runner.finished.connect(self._on_finished)
        self.runner.state_changed.connect(self._update_buttons)
        for name, form in self.form_for.items():
            form.changed.connect(self._on_form_changed)

    def _restore_from_settings(self) -> None:
        entry = self.settings.panel(self.PANEL_ID)
        for spec in self.specs:
            cfg = self.settings.demo_config(self.PANEL_ID, spec.name, spec.config)
            if cfg is not None:
                self.form_for[spec.name].set_config(cfg)
        names = [s.name for s in self.specs]
        self.set_demo(entry.get("demo") if entry.get("demo") in names else names[0])
        self.set_scale(entry.get("scale", 1.0))
        self.set_controls_hidden(entry.get("hide_controls", False))
        if self.settings.problem:
            self.show_message(self.settings.problem, error=True)

    # ---- demo & presets ----------------------------------------------------------------
    @property
    def spec(self) -> DemoSpec:
        return self.specs[max(0, self.demo_combo.currentIndex())]

    @property
    def form(self) -> ConfigForm:
        return self.form_for[self.spec.name]

    @property
    def view(self) -> DemoView:
        return self.view_of(self.spec.name)

    def view_of(self, name: str) -> DemoView:
        """The DemoView of a demo, created on first use with the current theme and scale."""
        if name not in self.view_for:
            spec = next(s for s in self.specs if s.name == name)
            view = self.VIEWS[name](spec)
            for plot in view.plots():
                plot.apply_theme(self.theme)
                plot.set_line_scale(self.scale)
            view.set_ghosts_visible(self.ghost_check.isChecked())
            try:
                view.config_changed(self.form_for[name].config())
            except ConfigError:
                pass  # an invalid form shows its own message
            self.view_for[name] = view
            self.views.addWidget(view)
        return self.view_for[name]

    def set_demo(self, name: str) -> None:
        index = self.demo_combo.findData(name)
        if index < 0:
            raise ValueError(f"unknown demo {name!r} for {self.PANEL_ID}")
        if index == self.demo_combo.currentIndex():
            self._on_demo_changed(index)
        else:
            self.demo_combo.setCurrentIndex(index)

    @Slot(int)
    def _on_demo_changed(self, index: int) -> None:
        self._flush_painting()
        if self.runner.is_active():
            self.runner.shutdown()
            self._archive_run()
        self.restored = None
        spec = self.spec
        self.forms.setCurrentWidget(self.form_for[spec.name])
        self.views.setCurrentWidget(self.view_of(spec.name))
        self.text_label.setText(load_text(self.PANEL_ID, spec.name))
        self.preset_combo.clear()
        try:
            self.preset_combo.addItems(preset_names(self.PANEL_ID, spec.name))
        except PresetError as exc:
            self.preset_combo.addItem(DEFAULTS)
            self.show_message(str(exc), error=True)
        self.settings.panel(self.PANEL_ID)["demo"] = spec.name
        if self.SPEED_CONTROL:
            speeds = self.settings.panel(self.PANEL_ID).get("speeds", {})
            self.set_speed(speeds.get(spec.name, self.DEFAULT_SPEEDS.get(spec.name, 0.0)))
        self.last_snapshot = None
        self.progress_label.clear()
        self._update_buttons(self.runner.state)

    def apply_preset(self, name: str) -> None:
        try:
            cfg = preset_config(self.PANEL_ID, self.spec, name)
        except PresetError as exc:
            self.show_message(str(exc), error=True)
            return
        self.form.set_config(cfg)
        self.preset_combo.setCurrentText(name)
        self.show_message(f"Preset “{name}” applied. Press Start (Space).")

    @Slot()
    def _on_apply_preset(self) -> None:
        self.apply_preset(self.preset_combo.currentText())

    @Slot()
    def _on_form_changed(self) -> None:
        try:
            cfg = self.sender().config() if isinstance(self.sender(), ConfigForm) else self.form.config()
        except ConfigError as exc:
            self.show_message(f"Invalid setting: {exc}", error=True)
            return
        self.view_for_config(cfg)
        if self.runner.is_active():
            self.show_message("Changed settings apply to the next run (Stop, then Start).")

    def view_for_config(self, cfg: ConfigBase) -> None:
        for name, view in self.view_for.items():
            if view.spec.config is type(cfg):
                view.config_changed(cfg)

    # ---- run control -----------------------------------------------------------------------
    def start(self, single_step: bool = False, paused: bool = False) -> bool:
        """Start a new run (or continue a restored session / a paused run).
        ``paused``: a new run waits before its first step (Resume or Step goes on)."""
        state = self.runner.state
        if state == states.PAUSED:
            if not paused:
                self.runner.step() if single_step else self.runner.resume()
            return True
        if self.runner.is_active():
            return False
        if self.restored is not None:
            cfg, state, step = self.restored
            self.restored = None
            self.runner.start(self.spec, cfg, self.device, state=state, single_step=single_step,
                              paused=paused)
            self.show_message(f"Continuing the loaded session from step {step}.")
            return True
        try:
            cfg = self.form.config()
        except ConfigError as exc:
            self.show_message(f"Cannot start: {exc}", error=True)
            return False
        self._archive_run()
        self.view.reset()
        self.last_snapshot = None
        self.previous_cfg[self.spec.name] = self.run_cfg if type(self.run_cfg) is type(cfg) else None
        self.run_cfg = cfg
        self.run_count[self.spec.name] = self.run_count.get(self.spec.name, 0) + 1
        self.settings.set_demo_config(self.PANEL_ID, self.spec.name, cfg)
        self.runner.start(self.spec, cfg, self.device, single_step=single_step, paused=paused)
        self.run_started(cfg)
        change = describe_diff(cfg, self.previous_cfg[self.spec.name])
        self.show_message(f"Run {self.run_count[self.spec.name]} started"
                          + (f" ({change})." if change else "."))
        return True

    def run_started(self, cfg: ConfigBase) -> None:
        """Hook for subclasses: a fresh run of ``cfg`` was just started (e.g. to send it
        the user's edits)."""

    def toggle_pause(self) -> None:
        """Space: start when idle, otherwise pause / resume."""
        if self.runner.state in (states.IDLE, states.FINISHED):
            self.start()
        else:
            self.runner.toggle_pause()

    def step(self) -> None:
        if self.runner.is_active():
            self.runner.step()
        else:
            self.start(single_step=True)

    def stop(self) -> None:
        self.runner.stop()

    def set_speed(self, steps_per_second: float) -> None:
        """Slow motion (steps per second, 0 = as fast as possible), also mid-run."""
        values = [value for _, value in SPEEDS]
        nearest = min(range(len(values)), key=lambda i: abs(values[i] - steps_per_second))
        if self.speed_combo.currentIndex() != nearest:
            self.speed_combo.setCurrentIndex(nearest)   # calls _on_speed_changed
        else:
            self._on_speed_changed(nearest)

    @property
    def speed(self) -> float:
        return self.runner.speed

    @Slot(int)
    def _on_speed_changed(self, index: int) -> None:
        value = float(self.speed_combo.itemData(index) or 0.0)
        self.runner.set_speed(value)
        if self.SPEED_CONTROL:
            self.settings.panel(self.PANEL_ID).setdefault("speeds", {})[self.spec.name] = value

    def reset(self) -> None:
        self._flush_painting()
        self.runner.discard()
        self._archive_run()
        self.restored = None
        self.view.reset()
        self.last_snapshot = None
        self.progress_label.clear()
        self._update_buttons(states.IDLE)
        self.show_message("Reset. Press Start (Space) for a new run.")

    def shutdown(self, timeout: float = 2.0) -> bool:
        self._flush_painting()
        return self.runner.shutdown(timeout)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.shutdown()
        super().closeEvent(event)

    # ---- runner signals ----------------------------------------------------------------------
    @Slot(object)
    def _on_snapshot(self, snap: Snapshot) -> None:
        self.last_snapshot = snap
        started = time.perf_counter()
        # Qt paints every dirty widget of a window in one go; a full frame can take
        # 50+ ms. So the data of all plots is set now, with their painting held back,
        # and the plots are then painted one per event-loop turn (_paint_next): input
        # and timers get their turn between two plots.
        plots = [p for p in self.view.plots() if p.isVisible()]
        for plot in plots:
            plot.setUpdatesEnabled(False)
        self.view.show_snapshot(snap)
        self._draw_cost = time.perf_counter() - started
        pending = not self._paint_queue
        self._paint_queue = plots
        if pending:
            QTimer.singleShot(0, self._paint_next)
        text = self._progress_text(snap)
        self.progress_label.setText(text)
        self.progress_label.setToolTip(text)

    @Slot()
    def _paint_next(self) -> None:
        if not self._paint_queue:
            return
        plot = self._paint_queue.pop(0)
        if not shiboken6.isValid(plot):  # the window closed while plots waited
            self._paint_queue = []
            return
        started = time.perf_counter()
        plot.setUpdatesEnabled(True)
        plot.viewport().repaint()
        self._draw_cost += time.perf_counter() - started
        if self._paint_queue:
            QTimer.singleShot(0, self._paint_next)
        else:
            self.runner.report_draw_cost(self._draw_cost)

    def _flush_painting(self) -> None:
        """Let every held-back plot paint again (before a reset or a demo switch)."""
        for plot in self._paint_queue:
            if shiboken6.isValid(plot):
                plot.setUpdatesEnabled(True)
        self._paint_queue = []

    def _progress_text(self, snap: Snapshot) -> str:
        total = getattr(self.run_cfg, "steps", None) if self.run_cfg else None
        shown = ", ".join(f"{k} {v:.4g}" for k, v in list(snap.metrics.items())[:3])
        return (f"step {snap.step}" + (f"/{total}" if total else "")
                + (f" · {shown}" if shown else ""))

    @Slot(str, str, str)
    def _on_failed(self, kind: str, message: str, details: str) -> None:
        if kind == "Diverged":
            self.show_message(message, error=True)
        else:
            self.show_message(f"The run failed: {kind}: {message} (details in the log file)",
                              error=True)

    @Slot(str)
    def _on_finished(self, outcome: str) -> None:
        snap = self.last_snapshot
        if snap is not None and snap.history and self.run_cfg is not None:
            label = f"run {self.run_count.get(self.spec.name, 1)}"
            change = describe_diff(self.run_cfg, self.previous_cfg.get(self.spec.name))
            self.pending_ghost = (snap.history, f"{label}: {change}" if change else label)
        if outcome == "completed":
            self.show_message(f"Run finished at step {snap.step if snap else '?'}.")
        elif outcome == "stopped":
            self.show_message(f"Stopped at step {snap.step if snap else '?'}.")

    def _archive_run(self) -> None:
        """Turn the last finished run into ghost curves (labelled by what it changed)."""
        if self.pending_ghost is not None:
            history, label = self.pending_ghost
            self.view.add_ghost(history, label)
            self.view.set_ghosts_visible(self.ghost_check.isChecked())
            self.pending_ghost = None

    @Slot(str)
    def _update_buttons(self, state: str) -> None:
        active = state in (states.STARTING, states.RUNNING, states.PAUSED)
        self.start_button.setEnabled(not self.runner.is_active())
        self.start_button.setText("Continue" if self.restored is not None else "Start")
        self.pause_button.setEnabled(active)
        self.pause_button.setText("Resume" if state == states.PAUSED else "Pause")
        self.step_button.setEnabled(state != states.STOPPING)
        self.stop_button.setEnabled(active)

    # ---- ghosts, export ----------------------------------------------------------------------
    @Slot(bool)
    def _on_ghosts_toggled(self, on: bool) -> None:
        for view in self.view_for.values():
            view.set_ghosts_visible(on)

    @Slot()
    def _on_clear_ghosts(self) -> None:
        self.view.clear_ghosts()
        self.pending_ghost = None

    def export_plots(self, base: str | Path, fmt: str) -> list[Path]:
        """Write every plot of the current demo as <base>-<n>.<fmt>; returns the paths."""
        base = Path(base)
        stem = base.with_suffix("") if base.suffix.lower() in (".png", ".svg") else base
        written = []
        for n, plot in enumerate(self.view.plots(), start=1):
            path = stem.with_name(f"{stem.name}-{n}.{fmt}")
            plot.export(path)
            written.append(path)
        return written

    def export_csv(self, path: str | Path) -> Path | None:
        from workbench.export_csv import write_history_csv

        if self.last_snapshot is None or not self.last_snapshot.history:
            self.show_message("No metrics yet: run the demo first.", error=True)
            return None
        write_history_csv(Path(path), self.last_snapshot.history)
        return Path(path)

    def _ask_path(self, title: str, filt: str, suffix: str) -> str | None:
        default = f"{self.PANEL_ID}-{self.spec.name}{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, title, default, filt)
        return path or None

    @Slot()
    def _on_export_png(self) -> None:
        self._export_dialog("png")

    @Slot()
    def _on_export_svg(self) -> None:
        self._export_dialog("svg")

    def _export_dialog(self, fmt: str) -> None:
        path = self._ask_path(f"Export plots as {fmt.upper()}", f"{fmt.upper()} (*.{fmt})", f".{fmt}")
        if path:
            try:
                written = self.export_plots(path, fmt)
                self.show_message(f"Wrote {len(written)} plot(s): {', '.join(p.name for p in written)}")
            except (OSError, ValueError) as exc:
                self.show_message(f"Export failed: {exc}", error=True)

    @Slot()
    def _on_export_csv(self) -> None:
        path = self._ask_path("Export metrics history", "CSV (*.csv)", ".csv")
        if path:
            try:
                if self.export_csv(path):
                    self.show_message(f"Wrote {path}")
            except OSError as exc:
                self.show_message(f"Export failed: {exc}", error=True)

    # ---- session --------------------------------------------------------------------------------
    def save_session(self, path: str | Path) -> bool:
        """Write config, model, optimizer, RNG state and history of the run to one file."""
        from workbench.session import save_session

        if self.restored is not None:
            cfg, state, step = self.restored
        else:
            fetched = self.runner.fetch_state() if self.run_cfg is not None else None
            if fetched is None:
                self.show_message("Nothing to save yet: start a run first.", error=True)
                return False
            (state, step), cfg = fetched, self.run_cfg
        try:
            save_session(path, self.PANEL_ID, self.spec, cfg, state)
        except OSError as exc:
            self.show_message(f"Could not save the session: {exc}", error=True)
            return False
        self.show_message(f"Session saved at step {step} to {Path(path).name}.")
        return True

    def load_session(self, session) -> bool:
        """Show a loaded Session (workbench.session.Session); Start continues it."""
        from workbench.session import SessionError

        self.runner.discard()
        self._archive_run()
        try:
            engine = session.build_engine("cpu")  # validates the state, draws its picture
        except (SessionError, RuntimeError) as exc:
            self.show_message(f"Cannot open the session: {exc}", error=True)
            return False
        self.set_demo(session.spec.name)
        self.form.set_config(session.config)
        self.run_cfg = session.config
        self.restored = (session.config, session.engine_state, engine.step)
        self.view.reset()
        snap = engine.snapshot()
        self.last_snapshot = snap
        self.view.show_snapshot(snap)
        self._update_buttons(states.IDLE)
        self.show_message(f"Session loaded at step {engine.step}. Press Continue (Space) to go on.")
        return True

    # ---- presentation ------------------------------------------------------------------------------
    def set_scale(self, factor: float) -> None:
        """Scale fonts and plot line widths together (presentation mode)."""
        factor = max(SCALE_RANGE[0], min(SCALE_RANGE[1], float(factor)))
        self.scale = factor
        font = QFont(self._base_font)
        font.setPointSizeF(max(6.0, self._base_font.pointSizeF() * factor))
        self.setFont(font)
        text_font = QFont(font)
        text_font.setPointSizeF(font.pointSizeF() * 1.15)
        self.text_label.setFont(text_font)
        for view in self.view_for.values():
            for plot in view.plots():
                plot.set_line_scale(factor)
        self.settings.panel(self.PANEL_ID)["scale"] = factor

    def set_controls_hidden(self, hidden: bool) -> None:
        """Leave only the plots (keyboard shortcuts keep working)."""
        for widget in (self.header, self.controls, self.run_bar):
            widget.setVisible(not hidden)
        self.settings.panel(self.PANEL_ID)["hide_controls"] = bool(hidden)

    @property
    def controls_hidden(self) -> bool:
        return bool(self.settings.panel(self.PANEL_ID)["hide_controls"])

    def apply_theme(self, theme: str) -> None:
        self.theme = theme
        for view in self.view_for.values():
            for plot in view.plots():
                plot.apply_theme(theme)

    def show_message(self, text: str, error: bool = False) -> None:
        role = "error" if error else "muted"
        self.message_label.setStyleSheet(f"color: {color(self.theme, role)};")
        self.message_label.setText(text)
        self.message_label.setToolTip(text)
        self.message_changed.emit(text)
        (log.warning if error else log.info)("%s: %s", self.PANEL_ID, text)
