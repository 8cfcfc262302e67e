"""A one-line label that ends in "…" where it is too narrow: the run bar's progress
line, the panel and lecture titles (no text is ever cut off mid-letter at an edge)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" where its text does not fit (the whole text is
    its tooltip), instead of being cut mid-word at the edge."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        self._full = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:
        """The whole text (what is painted may end in "…")."""
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def clear(self) -> None:
        self.setText("")

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                              max(0, self.contentsRect().width()))
        super().setText(shown)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API (font changes: zoom)
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._elide()
