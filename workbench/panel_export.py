"""Export of a panel's current demo: every plot as PNG or SVG, the metric history as CSV."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton, QWidget

from workbench.export_csv import write_history_csv


def export_plots(plots: list, base: str | Path, fmt: str) -> list[Path]:
    """Write every plot as <base>-<n>.<fmt>; returns the paths."""
    base = Path(base)
    stem = base.with_suffix("") if base.suffix.lower() in (".png", ".svg") else base
    written = []
    for n, plot in enumerate(plots, start=1):
        path = stem.with_name(f"{stem.name}-{n}.{fmt}")
        plot.export(path)
        written.append(path)
    return written


def export_history(history: dict, path: str | Path) -> Path:
    return write_history_csv(Path(path), history)


class ExportButton(QToolButton):
    """The header's Export menu; asks for a path and calls the panel's export methods."""

    def __init__(self, panel, parent: QWidget | None = None):
        super().__init__(parent)
        self.panel = panel
        self.setText("Export")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        self.png_action = QAction("Plots as PNG…", self)
        self.svg_action = QAction("Plots as SVG…", self)
        self.csv_action = QAction("Metrics history as CSV…", self)
        menu.addActions([self.png_action, self.svg_action, self.csv_action])
        self.setMenu(menu)
        self.png_action.triggered.connect(lambda: self._plots_dialog("png"))
        self.svg_action.triggered.connect(lambda: self._plots_dialog("svg"))
        self.csv_action.triggered.connect(self._csv_dialog)

    def _ask_path(self, title: str, filt: str, suffix: str) -> str | None:
        default = f"{self.panel.panel_id}-{self.panel.spec.name}{suffix}"
        path, _ = QFileDialog.getSaveFileName(self.panel, title, default, filt)
        return path or None

    def _plots_dialog(self, fmt: str) -> None:
        path = self._ask_path(f"Export plots as {fmt.upper()}", f"{fmt.upper()} (*.{fmt})",
                              f".{fmt}")
        if path:
            try:
                written = self.panel.export_plots(path, fmt)
                self.panel.show_message(
                    f"Wrote {len(written)} plot(s): {', '.join(p.name for p in written)}")
            except (OSError, ValueError) as exc:
                self.panel.show_message(f"Export failed: {exc}", error=True)

    def _csv_dialog(self) -> None:
        path = self._ask_path("Export metrics history", "CSV (*.csv)", ".csv")
        if path:
            try:
                if self.panel.export_csv(path):
                    self.panel.show_message(f"Wrote {path}")
            except OSError as exc:
                self.panel.show_message(f"Export failed: {exc}", error=True)


class GhostsExportMixin:
    """Finished runs as ghost curves, and export of the current demo (a Panel part)."""

    def _archive_run(self) -> None:
        """Turn the last finished run into ghost curves (labelled by what it changed)."""
        pending = self.history.take_pending()
        if pending is not None:
            self.view.add_ghost(*pending)
            self.view.set_ghosts_visible(self.ghost_check.isChecked())

    @Slot(bool)
    def _on_ghosts_toggled(self, on: bool) -> None:
        for view in self.view_for.values():
            view.set_ghosts_visible(on)

    @Slot()
    def _on_clear_ghosts(self) -> None:
        self.view.clear_ghosts()
        self.history.pending = None

    def export_plots(self, base: str | Path, fmt: str) -> list[Path]:
        """Write every plot of the current demo as <base>-<n>.<fmt>; returns the paths."""
        return export_plots(self.view.plots(), base, fmt)

    def export_csv(self, path: str | Path) -> Path | None:
        if self.last_snapshot is None or not self.last_snapshot.history:
            self.show_message("No metrics yet: run the demo first.", error=True)
            return None
        return export_history(self.last_snapshot.history, path)
