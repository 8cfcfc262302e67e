"""Presentation of a panel: font and line scaling for projectors, plots-only mode, the
light/dark theme, the message line. Mixed into workbench.panel.Panel."""
from __future__ import annotations

import logging

from PySide6.QtGui import QFont

from workbench.settings import SCALE_RANGE

log = logging.getLogger("workbench.panel")


class PresentationMixin:
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
        self.size_column()
        self.settings.panel(self.panel_id)["scale"] = factor
        self.scale_changed.emit(factor)

    def size_column(self) -> None:
        """The text column grows with the fonts (up to 40 % of the panel), so the text
        re-wraps instead of being cut; the plots keep the rest."""
        total = max(self.splitter.width(), 800)
        column = min(int(360 * self.scale), int(0.4 * total))
        self.splitter.setSizes([column, total - column])

    def set_controls_hidden(self, hidden: bool) -> None:
        """Leave only the plots (keyboard shortcuts keep working)."""
        for widget in (self.header, self.run_bar):
            widget.setVisible(not hidden)
        self.settings.panel(self.panel_id)["hide_controls"] = bool(hidden)
        self.show_column()

    # ---- the text column folds away where the plots need the room ---------------------------
    def set_column_cramped(self, cramped: bool) -> None:
        """The window says whether the column should fold away (zoomed on a narrow window:
        workbench.window_view). The user's own choice (toggle_column) holds until the
        window leaves that state or enters it again."""
        if cramped != self._column_cramped:
            self._column_choice = None
        self._column_cramped = cramped
        self.show_column()

    def toggle_column(self) -> None:
        """The header's "☰ Text" button and Ctrl+J: fold the column away, or bring it back."""
        self._column_choice = not self.column_shown
        self.show_column()

    @property
    def column_shown(self) -> bool:
        """Is the column wanted (plots-only mode, Ctrl+H, hides it regardless)?"""
        if self._column_choice is not None:
            return self._column_choice
        return not self._column_cramped

    def show_column(self) -> None:
        shown = self.column_shown and not self.controls_hidden
        was_shown = self.controls.isVisibleTo(self)
        self.controls.setVisible(shown)
        button = self.header.column_button
        button.setVisible(not self.controls_hidden
                          and (self._column_cramped or not self.column_shown))
        button.setChecked(self.column_shown)
        if shown and not was_shown:
            self.size_column()

    @property
    def controls_hidden(self) -> bool:
        return bool(self.settings.panel(self.panel_id)["hide_controls"])

    def apply_theme(self, theme: str) -> None:
        self.theme = theme
        for view in self.view_for.values():
            for plot in view.plots():
                plot.apply_theme(theme)
            view.theme_changed(theme)

    def show_message(self, text: str, error: bool = False) -> None:
        self.run_bar.show_message(text, error, self.theme)
        self.message_changed.emit(text)
        (log.warning if error else log.info)("%s: %s", self.panel_id, text)
