"""DemoView: the plots of one demo. The panel base owns controls; a view only draws.

Contract (the Panel base calls exactly these):
- ``__init__(spec, parent)``: create every plot item once.
- ``reset()``: forget the live run (curves, images) but keep ghost curves.
- ``show_snapshot(snap)``: update plot items from a Snapshot (GUI thread, ~30 Hz max).
- ``config_changed(cfg)``: optional preview of a new, not yet started Config.
- ``add_ghost(history, label)`` / ``set_ghosts_visible(on)`` / ``clear_ghosts()``:
  finished runs kept as faded curves for "compare A with B".
- ``plots()``: the plot widgets, for export, theme and presentation scaling.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from engines.config import ConfigBase
from engines.runtime import Snapshot
from engines.spec import DemoSpec


class DemoView(QWidget):
    def __init__(self, spec: DemoSpec, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec

    def reset(self) -> None:
        for plot in self.plots():
            if hasattr(plot, "reset"):
                plot.reset()

    def show_snapshot(self, snap: Snapshot) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def config_changed(self, cfg: ConfigBase) -> None:
        """Preview a Config before it runs (default: nothing)."""

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

    def plots(self) -> list:
        """Plot widgets (workbench.plots classes) in reading order."""
        return []


# ---- layout helpers shared by the panels' views ---------------------------------------
def splitter(orientation, *widgets: QWidget, stretch: list[int] | None = None) -> QSplitter:
    """Widgets side by side (or stacked) with draggable borders; ``stretch`` shares space."""
    s = QSplitter(orientation)
    s.setChildrenCollapsible(False)
    s.setHandleWidth(6)
    for i, widget in enumerate(widgets):
        s.addWidget(widget)
        s.setStretchFactor(i, (stretch or [1] * len(widgets))[i])
    return s


def fill(view: QWidget, widget: QWidget) -> None:
    """Make ``widget`` the whole content of ``view`` (no margins)."""
    lay = QVBoxLayout(view)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(widget)
