"""Make a plot's text fit its room: first drawn smaller, then (titles) on two lines, and only
where even that does not fit its plain text elided with "…". Shared by plot titles
(workbench.plot_base) and axis labels (workbench.plot_axes)."""
from __future__ import annotations

import html
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF, QTextDocument

Draw = Callable[[str, float], None]
Measure = Callable[[], float]


def plain_text(markup: str) -> str:
    doc = QTextDocument()
    doc.setHtml(markup)
    return doc.toPlainText()


def _font(size: float, bold: bool) -> QFont:
    font = QFont()
    font.setPointSizeF(size)
    font.setBold(bold)
    return font


def shrink_to_fit(markup: str, full: float, floor: float, room: float, draw: Draw,
                  drawn_width: Measure) -> bool:
    """Draw ``markup`` at ``full`` points, smaller (down to ``floor``) while it is wider
    than ``room``. True when it fits."""
    size = full
    draw(markup, size)
    while drawn_width() > room and size > floor:
        size = max(floor, size * 0.95)        # text width is not linear in the size
        draw(markup, size)
    return drawn_width() <= room


def elide_to_fit(markup: str, size: float, room: float, draw: Draw, drawn_width: Measure,
                 bold: bool = False) -> str:
    """Draw the plain text of ``markup`` at ``size`` points, elided with "…" to ``room``.
    Returns the whole plain text (for a tooltip)."""
    plain = plain_text(markup)
    draw(markup, size)
    metrics = QFontMetricsF(_font(size, bold))
    # the item's own margins: how much wider it draws than the bare text
    slack = max(0.0, drawn_width() - metrics.horizontalAdvance(plain))
    shown = metrics.elidedText(plain, Qt.TextElideMode.ElideRight, max(20.0, room - slack))
    draw(html.escape(shown), size)
    return plain


def _spaces_outside_tags(markup: str) -> list[int]:
    spaces, in_tag = [], False
    for i, char in enumerate(markup):
        if char == "<":
            in_tag = True
        elif char == ">":
            in_tag = False
        elif char == " " and not in_tag:
            spaces.append(i)
    return spaces


def on_two_lines(markup: str, size: float, bold: bool = False) -> str | None:
    """``markup`` with the space that makes its longer line shortest turned into a line
    break, or None where it has no space to break at."""
    metrics = QFontMetricsF(_font(size, bold))

    def longer_line(i: int) -> float:
        return max(metrics.horizontalAdvance(plain_text(markup[:i])),
                   metrics.horizontalAdvance(plain_text(markup[i + 1:])))

    spaces = _spaces_outside_tags(markup)
    if not spaces:
        return None
    best = min(spaces, key=longer_line)
    return markup[:best] + "<br>" + markup[best + 1:]


def fit_text(markup: str, full: float, floor: float, room: float, draw: Draw,
             drawn_width: Measure, bold: bool = False,
             two_lines: bool = True) -> tuple[str, str | None]:
    """A plot title or axis label in ``room``: on one line, smaller down to ``floor``; else
    (where ``two_lines``) on two lines, from ``full`` down to ``floor``; else on one line
    elided. Returns how it was drawn ("one line", "two lines" or "elided") and, when
    elided, the whole plain text."""
    if shrink_to_fit(markup, full, floor, room, draw, drawn_width):
        return "one line", None
    wrapped = on_two_lines(markup, floor, bold) if two_lines else None
    if wrapped is not None and shrink_to_fit(wrapped, full, floor, room, draw, drawn_width):
        return "two lines", None
    return "elided", elide_to_fit(markup, floor, room, draw, drawn_width, bold)
