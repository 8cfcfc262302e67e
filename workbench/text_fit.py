"""Make a plot's text fit its room: first drawn smaller, then its plain text elided with
"…". Shared by plot titles (workbench.plot_base) and axis labels (workbench.plot_axes)."""
from __future__ import annotations

import html
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF, QTextDocument


def plain_text(markup: str) -> str:
    doc = QTextDocument()
    doc.setHtml(markup)
    return doc.toPlainText()


def shrink_then_elide(markup: str, full: float, floor: float, room: float,
                      draw: Callable[[str, float], None], drawn_width: Callable[[], float],
                      bold: bool = False) -> str | None:
    """Draw ``markup`` at ``full`` points, smaller (down to ``floor``) while it is wider
    than ``room``; where even that does not fit, draw its plain text elided. ``draw(text,
    size)`` draws, ``drawn_width()`` measures what was drawn. Returns the plain text when
    it had to be elided, else None."""
    size = full
    draw(markup, size)
    while drawn_width() > room and size > floor:
        size = max(floor, size * 0.95)        # text width is not linear in the size
        draw(markup, size)
    if drawn_width() <= room:
        return None
    plain = plain_text(markup)
    font = QFont()
    font.setPointSizeF(size)
    font.setBold(bold)
    metrics = QFontMetricsF(font)
    # the item's own margins: how much wider it draws than the bare text
    slack = max(0.0, drawn_width() - metrics.horizontalAdvance(plain))
    shown = metrics.elidedText(plain, Qt.TextElideMode.ElideRight, max(20.0, room - slack))
    draw(html.escape(shown), size)
    return plain
