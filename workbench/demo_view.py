"""DemoView: the plots and the demo-specific behaviour of one demo.

The panel base (workbench.panel) owns the controls, the run and its history; a view draws
and adds what only its demo does. The base calls exactly these, each optional except
``show_snapshot`` and ``plots``:

Drawing
- ``__init__(spec, parent)``: create every plot item once.
- ``NEEDS``: the snapshot keys the view reads, as "metrics.<name>", "arrays.<name>" or
  "history.<name>"; the contract test runs each demo's engine and checks its snapshots
  provide them, so ``show_snapshot`` may index them directly.
- ``show_snapshot(snap)``: update plot items from a Snapshot (GUI thread, ~30 Hz max).
- ``reset()``: forget the live run (curves, images) but keep ghost curves.
- ``plots()``: the plot widgets, for export, theme, scaling and paint pacing.
- ``add_ghost`` / ``set_ghosts_visible`` / ``clear_ghosts``: finished runs as faded curves.

Hooks (what panels legitimately vary)
- ``attach(ctx)``: called once with the :class:`DemoContext` (send edits, show messages,
  read or set form fields, start runs). Connect the view's own widgets here.
- ``side_widget()``: an extra widget shown under the demo text (e.g. a comparison card).
- ``config_changed(cfg)``: preview a Config before it runs.
- ``before_start(cfg)``: None lets a new run start; a text refuses it (shown as an
  error); False refuses it quietly (the view said why, e.g. it starts a download first and
  starts the run itself later).
- ``run_started(cfg)``: a fresh run of ``cfg`` was started (send it the user's edits).
- ``run_finished(outcome)``: "completed", "stopped" or "failed".
- ``run_failed(kind, message)``: return True when the view handled the failure itself.
- ``progress_text(snap)``: the run bar's progress line, or None for the default.
- ``ghost_label(cfg, previous)``: the label of a finished run's ghost (``previous``: the
  Config of the run before it, or None), or None for the default ("run 3: lr 0.01→0.1").
- ``edit_answered(ok, message)``: the engine applied (or refused) an edit; a refusal is
  already shown as an error by the base.
- ``session_loaded(snap)``: a saved session was opened and drawn.
- ``theme_changed(theme)``: light/dark switched (plots are re-themed by the base).
- ``shutdown()``: the panel closes; end what the view started (downloads).
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QGridLayout, QLabel, QSizePolicy, QSplitter, QStackedWidget, QVBoxLayout,
                               QWidget)

from engines.config import ConfigBase
from engines.edits import Edit
from engines.runtime import Snapshot
from engines.spec import DemoSpec
from workbench.runner import check_edit

if TYPE_CHECKING:  # pragma: no cover
    from workbench.panel import Panel


class DemoContext:
    """What a view may ask of its panel: the narrow, documented way back."""

    def __init__(self, panel: "Panel", demo: str):
        # A proxy, not a reference: panel -> view -> context must not form a cycle that
        # keeps a closed panel (and its engine host's pipe) alive until the next GC.
        self._panel = weakref.proxy(panel)
        self.demo = demo

    # ---- messages and form --------------------------------------------------------
    def message(self, text: str, error: bool = False) -> None:
        self._panel.show_message(text, error=error)

    def form_config(self) -> ConfigBase:
        """The Config the demo's form describes (raises ConfigError naming the field)."""
        return self._panel.form_for[self.demo].config()

    def set_field(self, key: str, value) -> None:
        """Set one form field (e.g. from a slider in the plots): the form stays the one
        source of the value, and a preview follows."""
        self._panel.form_for[self.demo].set_value(key, value)

    # ---- the run --------------------------------------------------------------------
    @property
    def current(self) -> bool:
        """Is this demo the one the panel shows?"""
        return self._panel.spec.name == self.demo

    @property
    def run_config(self) -> ConfigBase | None:
        """The Config of this demo's current or last run (None if another demo ran)."""
        cfg = self._panel.run_cfg
        return cfg if self.current and isinstance(cfg, self._panel.spec.config) else None

    @property
    def state(self) -> str:
        return self._panel.runner.state

    @property
    def live(self) -> bool:
        """A run of this demo is active and would take edits now."""
        return (self.current and self._panel.restored is None
                and self._panel.runner.is_active())

    def send_edit(self, edit: Edit) -> bool:
        """Hand an edit (an engines.edits.Edit dataclass, e.g. ToggleWall(cell=(2, 3))) to
        the running engine (applied between two steps); False when no run of this demo is
        live. A refusal arrives as an error message."""
        check_edit(edit)   # also when not live: a wrong type is a bug in the view
        return self.live and self._panel.runner.edit(edit)

    def start(self, paused: bool = False) -> bool:
        return self.current and self._panel.start(paused=paused)

    def restart(self) -> bool:
        """Drop the active run and start a new one from the form."""
        if not self.current:
            return False
        self._panel.runner.discard()
        return self._panel.start()

    def continue_paused(self, extra_steps: int | None = None) -> bool:
        """Continue the finished run from its state, paused, with more steps."""
        return self.current and self._panel.continue_run(extra_steps, paused=True)

    @property
    def steps_per_second(self) -> float:
        return self._panel.runner.steps_per_second

    @property
    def last_snapshot(self) -> Snapshot | None:
        return self._panel.last_snapshot if self.current else None


class DemoView(QWidget):
    #: Snapshot keys read by show_snapshot ("metrics.x", "arrays.y", "history.z").
    NEEDS: tuple[str, ...] = ()

    def __init__(self, spec: DemoSpec, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self.ctx: DemoContext | None = None

    # ---- drawing -------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def plots(self) -> list:
        """Plot widgets (workbench.plots classes) in reading order."""
        return []

    def reset(self) -> None:
        for plot in self.plots():
            if hasattr(plot, "reset"):
                plot.reset()

    def add_ghost(self, history: dict[str, np.ndarray], label: str) -> None:
        for plot in self.plots():
            if hasattr(plot, "add_ghost"):
                plot.add_ghost(history, label)

    def set_ghosts_visible(self, visible: bool) -> None:
        for plot in self.plots():
            if hasattr(plot, "set_ghosts_visible"):
                plot.set_ghosts_visible(visible)

    def clear_ghosts(self) -> None:
        for plot in self.plots():
            if hasattr(plot, "clear_ghosts"):
                plot.clear_ghosts()

    # ---- hooks (see the module docstring) ----------------------------------------------
    def attach(self, ctx: DemoContext) -> None:
        self.ctx = ctx

    def side_widget(self) -> QWidget | None:
        return None

    def config_changed(self, cfg: ConfigBase) -> None:
        """Preview a Config before it runs (default: nothing)."""

    def before_start(self, cfg: ConfigBase) -> str | bool | None:
        return None

    def run_started(self, cfg: ConfigBase) -> None:
        pass

    def run_finished(self, outcome: str) -> None:
        pass

    def run_failed(self, kind: str, message: str) -> bool:
        return False

    def progress_text(self, snap: Snapshot) -> str | None:
        return None

    def ghost_label(self, cfg: ConfigBase, previous: ConfigBase | None) -> str | None:
        return None

    def edit_answered(self, ok: bool, message: str) -> None:
        pass

    def session_loaded(self, snap: Snapshot) -> None:
        pass

    def theme_changed(self, theme: str) -> None:
        pass

    def shutdown(self) -> None:
        """The panel closes: end whatever the view started (downloads)."""


def missing_keys(needs: tuple[str, ...], snap: Snapshot) -> list[str]:
    """The declared keys a snapshot does not provide (for the contract test)."""
    missing = []
    for key in needs:
        part, _, name = key.partition(".")
        if part not in ("metrics", "arrays", "history"):
            raise ValueError(f"bad snapshot key {key!r}: use metrics./arrays./history.")
        if name not in getattr(snap, part):
            missing.append(key)
    return missing


# ---- layout helpers shared by the panels' views ---------------------------------------
class CurrentPageStack(QStackedWidget):
    """A QStackedWidget sized by the page it shows, not by its largest page: one wide
    demo (or panel) must not make every other one wider than the screen."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def sizeHint(self):  # noqa: N802 - Qt API
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self):  # noqa: N802 - Qt API
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()



def splitter(orientation, *widgets: QWidget, stretch: list[int] | None = None) -> QSplitter:
    """Widgets side by side (or stacked) with draggable borders; ``stretch`` shares space."""
    s = QSplitter(orientation)
    s.setChildrenCollapsible(False)
    s.setHandleWidth(6)
    for i, widget in enumerate(widgets):
        s.addWidget(widget)
        s.setStretchFactor(i, (stretch or [1] * len(widgets))[i])
    return s


def share_grid_columns(root: QWidget) -> None:
    """Give every grid column of ``root`` that holds a plot (or a box of plots) an
    equal share of the width, unless the grid's view chose stretches itself. Without stretch a QGridLayout
    hands out width by size hints and can squeeze one column of plots to its minimum
    (68 px at 1280×720) while its neighbours stay wide. Called by the panel for each view."""
    for grid in root.findChildren(QGridLayout):
        if any(grid.columnStretch(c) for c in range(grid.columnCount())):
            continue
        for c in range(grid.columnCount()):
            items = [grid.itemAtPosition(r, c) for r in range(grid.rowCount())]
            widgets = [i.widget() for i in items if i is not None and i.widget() is not None]
            if any(isinstance(w, pg.GraphicsView) or w.findChildren(pg.GraphicsView)
                   for w in widgets):
                grid.setColumnStretch(c, 1)


def shrinkable(widget: QWidget) -> QWidget:
    """Let a grid share the width evenly (a plot's size hint would overflow 3 columns)."""
    widget.setMinimumSize(120, 120)
    widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
    return widget


def readout() -> QLabel:
    """The rich-text line of key numbers above or below a demo's plots (wraps, selectable)."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setContentsMargins(6, 0, 6, 0)
    return label


def fill(view: QWidget, widget: QWidget) -> None:
    """Make ``widget`` the whole content of ``view`` (no margins)."""
    lay = QVBoxLayout(view)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(widget)
