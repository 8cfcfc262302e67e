"""What the geometry test looks for in a window, as plain functions (also handy from a
script: python -c "..." over a live window)."""
from __future__ import annotations

import re
import unicodedata

from PySide6.QtCore import QRect
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QWidget


def inside_a_scroll_area(widget: QWidget, top: QWidget) -> bool:
    """Is the widget inside a scroll area's viewport (which may scroll it into view)?"""
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and parent is grand.viewport():
            return True
        parent = grand
    return False


def outside_the_window(window: QWidget, root: QWidget) -> list[str]:
    """Visible widgets of ``root`` that reach beyond the window (not counting what a
    scroll area holds: it can be scrolled to)."""
    frame = window.rect().adjusted(-1, -1, 1, 1)
    out = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.isWindow() or inside_a_scroll_area(widget, window):
            continue
        rect = QRect(widget.mapTo(window, QWidget.rect(widget).topLeft()), QWidget.size(widget))
        if not frame.contains(rect):
            out.append(f"{type(widget).__name__} {widget.objectName()!r} at "
                       f"{rect.x()},{rect.y()} {rect.width()}×{rect.height()}")
    return out


def text_width(label: QLabel) -> float:
    """The width the label's text needs on one line."""
    text = label.text()
    if label.textFormat() != label.textFormat().PlainText and ("<" in text or "&" in text):
        doc = QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setHtml(text)
        doc.setDocumentMargin(0)
        return doc.idealWidth()
    return label.fontMetrics().horizontalAdvance(text)


def labels_cut_off(root: QWidget) -> list[str]:
    """One-line labels whose text is wider than the label (cut at its edge): word-wrapped
    labels re-wrap instead, ElidedLabel shows its text shortened with "…"."""
    cut = []
    for label in root.findChildren(QLabel):
        if not label.isVisible() or label.wordWrap() or not label.text():
            continue
        if label.pixmap() is not None and not label.pixmap().isNull():
            continue
        shown = label.shown_text() if hasattr(label, "shown_text") else None
        if shown is not None:
            probe = QLabel(shown)
            probe.setFont(label.font())
            need = probe.fontMetrics().horizontalAdvance(shown)
        else:
            need = text_width(label)
        room = label.contentsRect().width()
        if need > room + 2:
            cut.append(f"{label.text()[:40]!r} needs {need:.0f} px, has {room}")
    return cut


def column_cut(panel) -> bool:
    """Is the text column wider than what its scroll area shows (text cut at the right
    instead of re-wrapped)?"""
    return panel.controls.widget().width() > panel.controls.viewport().width() + 1


#: TeX that no Qt label renders: "\\frac", "e^{−F}", "x_{i}", "$x$".
RAW_TEX = re.compile(r"\\[a-zA-Z]{2,}|[\^_]\{|\$[^$\s]")


def render_problems(text: str) -> list[str]:
    """Combining marks (Qt draws a combining hat or bar on the line above: "m +̂ (1−β̂)")
    and raw TeX in a text meant to be read."""
    found = [f"combining U+{ord(c):04X} after {text[max(0, i - 8):i]!r}"
             for i, c in enumerate(text) if unicodedata.combining(c)]
    found += [f"raw TeX {m.group()!r} in {text[max(0, m.start() - 8):m.end() + 8]!r}"
              for m in RAW_TEX.finditer(text)]
    return found


def shown_text(text: str) -> str:
    """A label's text as the reader sees it (rich text: tags gone, entities decoded)."""
    if "<" not in text and "&" not in text:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def texts_that_render_badly(root: QWidget, plots=()) -> list[str]:
    """Every visible label of ``root`` and every title and axis label of ``plots``, as
    shown, checked by render_problems."""
    texts = [label.text() for label in root.findChildren(QLabel)
             if label.isVisible() and label.text()]
    for plot in plots:
        texts.append(str(getattr(plot, "_title", "") or ""))
        item = getattr(plot, "plotItem", None)
        for side in ("left", "bottom", "right", "top"):
            axis = item.getAxis(side) if item is not None and side in item.axes else None
            if axis is not None and axis.isVisible():
                texts.append(str(axis.labelText or ""))
    return [problem for text in texts for problem in render_problems(shown_text(text))]
