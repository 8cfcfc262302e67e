"""Panel: the standard page of one course topic.

Layout (workbench.panel_layout): a header (title, demo and preset selectors, export,
previous-runs toggle), a splitter with the controls column (demo text + generated Config
form) and the demo's plots (a DemoView per demo), and a run bar (workbench.run_bar).
Sessions, presentation (zoom, theme) and ghosts/export are mixed in from their modules. A topic's panel subclass only
maps demo names to DemoView classes (``VIEWS``) and may set ``SPEED_CONTROL`` and
``DEFAULT_SPEEDS``; everything a demo does beyond drawing lives in its view's hooks
(workbench.demo_view). Its id, title and chapter come from the Topic it is built with.
"""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from engines.config import ConfigBase, ConfigError, field_meta
from engines.runtime import Snapshot
from engines.spec import DemoSpec, Topic
from workbench import runner as states
from workbench.demo_view import DemoContext, DemoView, share_grid_columns
from workbench.forms import ConfigForm
from workbench.formula_wrap import keep_formulas_together
from workbench.paint_pacing import PaintScheduler
from workbench.panel_export import GhostsExportMixin
from workbench.panel_layout import build_layout, connect_widgets
from workbench.panel_session import SessionMixin
from workbench.paths import TEXTS_DIR
from workbench.presentation import PresentationMixin
from workbench.presets import DEFAULTS, PresetError, preset_config, preset_names
from workbench.run_bar import SPEEDS, nearest_speed_index
from workbench.run_history import RunHistory
from workbench.runner import EngineRunner
from workbench.settings import Settings
from workbench.sweep_dialog import attach as attach_sweeps

log = logging.getLogger(__name__)

__all__ = ["Panel", "SPEEDS", "load_text"]


def load_text(panel_id: str, demo: str) -> str:
    """The demo's text, its formulas kept from breaking mid-term (workbench.formula_wrap)."""
    path = TEXTS_DIR / panel_id / f"{demo}.html"
    try:
        return keep_formulas_together(path.read_text(encoding="utf-8"))
    except OSError:
        return ""


class Panel(SessionMixin, PresentationMixin, GhostsExportMixin, QWidget):
    VIEWS: dict[str, type[DemoView]] = {}
    #: Show the slow-motion control in the run bar (every panel has it by default: the
    #: lecturer sets the pace; DEFAULT_SPEEDS lets each demo unfold over 20-60 s).
    SPEED_CONTROL = True
    #: Per demo: the speed it starts with (steps per second, 0 = as fast as possible).
    DEFAULT_SPEEDS: dict[str, float] = {}

    message_changed = Signal(str)
    #: The presentation zoom changed (the window scales its own chrome to match).
    scale_changed = Signal(float)

    def __init__(self, topic: Topic, settings: Settings | None = None,
                 parent: QWidget | None = None, device: str | None = None):
        super().__init__(parent)
        self.topic = topic
        self.settings = settings or Settings()
        self.device = device
        self.specs: tuple[DemoSpec, ...] = topic.demos
        self.runner = EngineRunner(self, name=f"engine-host-{topic.id}")
        self.scale = 1.0
        self.theme = "light"
        self._column_cramped = False          # the text column folds away (presentation)
        self._column_choice: bool | None = None
        self.last_snapshot: Snapshot | None = None
        self.run_cfg: ConfigBase | None = None        # config of the current/last run
        self.history = RunHistory()
        self.restored = None  # (Config, engine state, step) of a loaded session, not yet run
        self.painter = PaintScheduler(self.runner.report_draw_cost)
        self._base_font = QFont(self.font())
        self.form_for: dict[str, ConfigForm] = {}
        self.view_for: dict[str, DemoView] = {}
        build_layout(self)
        self._update_buttons(states.IDLE)
        connect_widgets(self)
        self.sweeps = attach_sweeps(self)   # the run bar's Sweep… button
        self._restore_from_settings()

    @property
    def panel_id(self) -> str:
        return self.topic.id

    @Slot()
    def _on_apply_preset(self) -> None:
        self.apply_preset(self.preset_combo.currentText())

    @Slot()
    def _on_start_clicked(self) -> None:
        self.start()

    @Slot(str)
    def _on_forced_stop(self, text: str) -> None:
        self.show_message(text, error=True)

    def _restore_from_settings(self) -> None:
        entry = self.settings.panel(self.panel_id)
        for spec in self.specs:
            cfg = self.settings.demo_config(self.panel_id, spec.name, spec.config)
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
            self.view_for[name] = view
            view.attach(DemoContext(self, name))
            share_grid_columns(view)
            for plot in view.plots():
                plot.apply_theme(self.theme)
                plot.set_line_scale(self.scale)
            view.set_ghosts_visible(self.ghost_check.isChecked())
            try:
                view.config_changed(self.form_for[name].config())
            except ConfigError:
                pass  # an invalid form shows its own message
            self.views.addWidget(view)
            side = view.side_widget()
            if side is not None:
                self.side.addWidget(side)
        return self.view_for[name]

    def set_demo(self, name: str) -> None:
        index = self.demo_combo.findData(name)
        if index < 0:
            raise ValueError(f"unknown demo {name!r} for {self.panel_id}")
        if index == self.demo_combo.currentIndex():
            self._on_demo_changed(index)
        else:
            self.demo_combo.setCurrentIndex(index)

    @Slot(int)
    def _on_demo_changed(self, index: int) -> None:
        self.painter.flush()
        if self.runner.is_active():
            # Cancel the run but keep the warm host (torch loaded): the next demo's first
            # picture comes in a fraction of a second instead of 3-4 s. A run stuck in a
            # step is handled by the runner (the next start gets a fresh host).
            self.runner.discard()
            self._archive_run()
        self.restored = None
        spec = self.spec
        self.forms.setCurrentWidget(self.form_for[spec.name])
        view = self.view_of(spec.name)
        self.views.setCurrentWidget(view)
        side = view.side_widget()
        self.side.setCurrentWidget(side if side is not None else self.side.widget(0))
        self.side.setVisible(side is not None)
        self.text_label.setText(load_text(self.panel_id, spec.name))
        self.preset_combo.clear()
        try:
            self.preset_combo.addItems(preset_names(self.panel_id, spec.name))
        except PresetError as exc:
            self.preset_combo.addItem(DEFAULTS)
            self.show_message(str(exc), error=True)
        self.settings.panel(self.panel_id)["demo"] = spec.name
        if self.SPEED_CONTROL:
            speeds = self.settings.panel(self.panel_id).get("speeds", {})
            self.set_speed(speeds.get(spec.name, self.DEFAULT_SPEEDS.get(spec.name, 0.0)))
        self.last_snapshot = None
        self.progress_label.clear()
        self._update_buttons(self.runner.state)

    def apply_preset(self, name: str) -> None:
        try:
            cfg = preset_config(self.panel_id, self.spec, name)
        except PresetError as exc:
            self.show_message(str(exc), error=True)
            return
        self.form.set_config(cfg)
        self.preset_combo.setCurrentText(name)
        self.show_message(f"Preset “{name}” applied. Press Start (Space).")

    @Slot()
    def _on_form_changed(self) -> None:
        form = self.sender() if isinstance(self.sender(), ConfigForm) else self.form
        try:
            cfg = form.config()
        except ConfigError as exc:
            self.show_message(f"Invalid setting: {exc}", error=True)
            return
        for view in self.view_for.values():
            if view.spec.config is type(cfg):
                view.config_changed(cfg)
        if self.runner.is_active():
            self.show_message("Changed settings apply to the next run (Stop, then Start).")

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
        refusal = self.view.before_start(cfg)
        if refusal is False or isinstance(refusal, str):
            if refusal:
                self.show_message(refusal, error=True)
            return False
        self._archive_run()
        self.view.reset()
        self.last_snapshot = None
        text = self.history.started(self.spec.name, cfg, self.run_cfg)
        self.run_cfg = cfg
        self.settings.set_demo_config(self.panel_id, self.spec.name, cfg)
        self.runner.start(self.spec, cfg, self.device, single_step=single_step, paused=paused)
        self.view.run_started(cfg)
        self.show_message(text)
        self._show_waiting()
        return True

    def _show_waiting(self) -> None:
        """Until the first picture: say what happens instead of showing empty axes."""
        for plot in self.view.plots():
            if hasattr(plot, "set_waiting"):
                plot.set_waiting("starting the engine…\n(loading PyTorch,\nbuilding the model)")
        self.run_bar.show_progress("starting the engine…")

    def _clear_waiting(self) -> None:
        for plot in self.view.plots():
            if getattr(plot, "waiting", False):
                plot.set_waiting(None)

    def continue_run(self, extra_steps: int | None = None, paused: bool = True) -> bool:
        """Go on with the finished run of the current demo from its state, with
        ``extra_steps`` more steps (default: as many as it was started with)."""
        fetched = self.runner.fetch_state() if self.run_cfg is not None else None
        if fetched is None or type(self.run_cfg) is not self.spec.config:
            return self.start(paused=paused)
        state, step = fetched
        cfg = self.run_cfg
        most = int(field_meta(type(cfg), "steps")["max"])
        steps = min(most, step + (extra_steps or cfg.steps))
        if steps <= step:
            self.show_message(f"This run has used all {most} steps: press Start for a new "
                              "run.", error=True)
            return False
        self.run_cfg = cfg.replace(steps=steps)
        self.history.pending = None           # the run goes on: no ghost of it yet
        self.runner.start(self.spec, self.run_cfg, self.device, state=state, paused=paused)
        return True

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
        nearest = nearest_speed_index(steps_per_second)
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
            self.settings.panel(self.panel_id).setdefault("speeds", {})[self.spec.name] = value

    def reset(self) -> None:
        self.painter.flush()
        self._clear_waiting()
        self.runner.discard()
        self._archive_run()
        self.restored = None
        self.view.reset()
        self.last_snapshot = None
        self.progress_label.clear()
        self._update_buttons(states.IDLE)
        self.show_message("Reset. Press Start (Space) for a new run.")

    def shutdown(self, timeout: float = 2.0) -> bool:
        self.begin_shutdown()
        return self.runner.finish_shutdown(time.monotonic() + timeout)

    def begin_shutdown(self) -> None:
        """Ask the engine host to quit (MainWindow ends all panels' hosts in parallel)."""
        self.painter.flush()
        for view in self.view_for.values():
            view.shutdown()
        self.runner.begin_shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.shutdown()
        super().closeEvent(event)

    # ---- runner signals ----------------------------------------------------------------------
    @Slot(object)
    def _on_snapshot(self, snap: Snapshot) -> None:
        if self.last_snapshot is None:
            self._clear_waiting()
        self.last_snapshot = snap
        started = time.perf_counter()
        plots = [p for p in self.view.plots() if p.isVisible()]
        self.painter.hold(plots)
        self.view.show_snapshot(snap)
        self.painter.queue(plots, time.perf_counter() - started)
        for plot in plots:
            if hasattr(plot, "data_changed"):
                plot.data_changed()   # legends move off the new data
        self.run_bar.show_progress(self.view.progress_text(snap) or self.progress_text(snap))

    def progress_text(self, snap: Snapshot) -> str:
        total = getattr(self.run_cfg, "steps", None) if self.run_cfg else None
        shown = ", ".join(f"{k} {v:.4g}" for k, v in list(snap.metrics.items())[:3])
        return (f"step {snap.step}" + (f"/{total}" if total else "")
                + (f" · {shown}" if shown else ""))

    @Slot(str, str, str)
    def _on_failed(self, kind: str, message: str, details: str) -> None:
        self._clear_waiting()
        if self.view.run_failed(kind, message):
            return
        if kind == "Diverged":
            self.show_message(message, error=True)
        else:
            self.show_message(f"The run failed: {kind}: {message} (details in the log file)",
                              error=True)

    @Slot(str)
    def _on_finished(self, outcome: str) -> None:
        self._clear_waiting()
        snap, cfg = self.last_snapshot, self.run_cfg
        if snap is not None and snap.history and cfg is not None:
            name = self.spec.name
            label = (self.view.ghost_label(cfg, self.history.previous.get(name))
                     or self.history.default_label(name, cfg))
            self.history.finished(snap.history, label)
        if outcome == "completed" and snap is not None and snap.metrics.get("converged"):
            self.show_message(f"Converged at step {snap.step}: nothing changes any more, "
                              "so the run stopped.")
        elif outcome == "completed":
            self.show_message(f"Run finished at step {snap.step if snap else '?'}.")
        elif outcome == "stopped":
            self.show_message(f"Stopped at step {snap.step if snap else '?'}.")
        self.view.run_finished(outcome)

    @Slot(bool, str)
    def _on_edited(self, ok: bool, message: str) -> None:
        """Every refused edit is shown the same way; the view may add to it."""
        if not ok:
            self.show_message(message, error=True)
        self.view.edit_answered(ok, message)

    @Slot(str)
    def _update_buttons(self, state: str) -> None:
        self.run_bar.show_state(state, self.runner.is_active(), self.restored is not None)
