"""Plot kit, axes: tick spacing that leaves room for the tick labels, and axis labels that
fit their axis (smaller, then elided with the whole text as tooltip). Mixed into the
plot base (workbench.plot_base)."""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF

from workbench.plot_style import BASE_LABEL_PT
from workbench.text_fit import shrink_then_elide

#: An axis label longer than its axis (zoom 2, three plots in a row) is drawn down to this
#: fraction of its size before it is elided.
AXIS_LABEL_SHRINK = 0.75


def _next_nice(interval: float) -> float:
    """The next tick interval of the 1, 2, 5, 10 sequence above ``interval``."""
    decade = 10.0 ** math.floor(math.log10(interval) + 1e-9)
    for factor in (2.0, 5.0, 10.0, 20.0):
        if factor * decade > interval * (1 + 1e-9):
            return factor * decade
    return 2 * interval


def roomy_tick_spacing(axis: pg.AxisItem) -> None:
    """Wider major ticks where the tick labels would touch: pyqtgraph spaces ticks by the
    axis length alone, and at zoom 2 "1000" ran into "2000" (on a short y axis, 0.2 into
    0.4). Between two ticks fits the widest label plus a space (x), or a label's height
    and a bit (y)."""
    plain = axis.tickSpacing
    vertical = axis.orientation in ("left", "right")

    def spacing(min_val: float, max_val: float, size: float):
        levels = plain(min_val, max_val, size)
        span = abs(max_val - min_val)
        if not levels or size <= 0 or span == 0 or axis._tickSpacing is not None:
            return levels
        metrics = QFontMetricsF(axis.style["tickFont"] or QFont())
        interval = levels[0][0]
        for _ in range(8):
            if vertical:
                need = 1.15 * metrics.height()
            else:
                first = math.ceil(min(min_val, max_val) / interval)
                last = math.floor(max(min_val, max_val) / interval)
                values = [k * interval / axis.scale for k in range(first, last + 1)][:50]
                need = max((metrics.horizontalAdvance(text)
                            for text in axis.tickStrings(values, axis.scale, interval)),
                           default=0.0) + metrics.horizontalAdvance(" ")
            if interval / span * size >= need:
                break
            interval = _next_nice(interval)
        if interval == levels[0][0]:
            return levels
        return [(interval, 0.0)] + [level for level in levels[1:] if level[0] < interval]

    axis.tickSpacing = spacing


def _draw_label(axis: pg.AxisItem, text: str, size: float) -> None:
    """Draw an axis label at ``size`` points; a text other than the axis's name (the
    elided one) is drawn only: ``labelText`` stays the name for the next restyle."""
    axis.labelStyle["font-size"] = f"{size:.1f}pt"
    axis._updateLabel()                       # size and layout, as pyqtgraph does it
    if text != axis.labelText:
        style = ";".join(f"{k}: {v}" for k, v in axis.labelStyle.items())
        axis.label.setHtml(f"<span style='{style}'>{text}</span>")


class AxisFitMixin:
    """Uses the plot's ``plotItem``, ``_pt`` (the zoomed font size) and tooltip."""

    def fit_axis_labels(self) -> None:
        """An axis label longer than its axis is drawn smaller (down to AXIS_LABEL_SHRINK),
        then its plain text is elided with "…", the whole text in the plot's tooltip. Only
        what is drawn changes: the axis keeps its name (``labelText``) for the next
        restyle."""
        self.axis_labels_elided = []
        full = self._pt(BASE_LABEL_PT)
        for side in ("bottom", "left"):
            axis = self.plotItem.getAxis(side)
            if not (axis.label.isVisible() and axis.labelText):
                continue
            length = axis.geometry().width() if side == "bottom" else axis.geometry().height()
            if length < 30:
                continue              # not laid out yet
            plain = shrink_then_elide(axis.labelText, full, full * AXIS_LABEL_SHRINK, length,
                                      lambda text, size, axis=axis: _draw_label(axis, text, size),
                                      lambda axis=axis: axis.label.boundingRect().width())
            if plain is not None:
                self.axis_labels_elided.append(plain)
        if self.axis_labels_elided and not self.toolTip():
            self.setToolTip("\n".join(self.axis_labels_elided))
