"""Plot kit, axes: tick spacing that leaves room for the tick labels, and axis labels that
fit their axis (smaller, then on two lines, then elided with the whole text as tooltip).
Mixed into the plot base (workbench.plot_base)."""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF

from workbench.plot_style import BASE_LABEL_PT
from workbench.text_fit import fit_text

#: An axis label longer than its axis (zoom 2, three plots in a row) is drawn down to this
#: fraction of its size before it is elided.
AXIS_LABEL_SHRINK = 0.75
#: A title or label goes on two lines only where the plot is at least this tall (title,
#: x label) or wide (y label): on a flatter plot the second line would take the data's
#: room.
TWO_LINES_MIN_PX = 180


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


def room_for_the_label(axis: pg.AxisItem) -> None:
    """pyqtgraph sizes an axis for 0.8 of its label's height ("usually an overestimate"):
    true of one line, not of two, whose second line then ran into the tick labels. The
    axis gets at least the label's height, less the 5 px pyqtgraph draws it outside."""
    vertical = axis.orientation in ("left", "right")
    plain = axis._updateWidth if vertical else axis._updateHeight

    def update() -> None:
        plain()
        fixed = axis.fixedWidth if vertical else axis.fixedHeight
        if fixed is not None or not axis.isVisible() or not axis.label.isVisible():
            return
        label = axis.label.boundingRect().height()
        now = axis.maximumWidth() if vertical else axis.maximumHeight()
        need = now - 0.8 * label + label - 5
        if need > now:
            if vertical:
                axis.setMinimumWidth(need)
                axis.setMaximumWidth(need)
            else:
                axis.setMinimumHeight(need)
                axis.setMaximumHeight(need)

    if vertical:
        axis._updateWidth = update
    else:
        axis._updateHeight = update


def _draw_label(axis: pg.AxisItem, text: str, size: float) -> None:
    """Draw an axis label at ``size`` points; a text other than the axis's name (the
    elided or two-line one) is drawn only: ``labelText`` stays the name for the next
    restyle."""
    axis.labelStyle["font-size"] = f"{size:.1f}pt"
    axis._updateLabel()                       # size and layout, as pyqtgraph does it
    if text != axis.labelText:
        style = ";".join(f"{k}: {v}" for k, v in axis.labelStyle.items())
        axis.label.setHtml(f"<span style='{style}'>{text}</span>")
        axis._adjustSize()                    # two lines are taller


def _drawn_at_full_size(axis: pg.AxisItem, full: float) -> bool:
    return axis.labelStyle.get("font-size") == f"{full:.1f}pt"


class AxisFitMixin:
    """Uses the plot's ``plotItem``, ``_pt`` (the zoomed font size) and tooltip."""

    def _axis_lengths(self) -> tuple[int, int]:
        """The bottom axis's width and the left axis's height (pixels)."""
        plot = self.plotItem
        return (round(plot.getAxis("bottom").geometry().width()),
                round(plot.getAxis("left").geometry().height()))

    def _on_axes_resized(self, *_args) -> None:
        """The data area got another size: the axis labels are fitted again (once this
        layout pass is over) where an axis's length changed since they were fitted."""
        if getattr(self, "plotItem", None) is None:       # not while being torn down
            return
        if self._axis_lengths() != self._axes_fitted_for and not self._axis_timer.isActive():
            self._axis_timer.start(0)

    def fit_axis_labels(self) -> None:
        """An axis label longer than its axis is drawn smaller (down to AXIS_LABEL_SHRINK),
        then on two lines (where the plot has room across), then its plain text is elided
        with "…", the whole text in the plot's tooltip. Only what is drawn changes: the
        axis keeps its name (``labelText``) for the next restyle."""
        self.axis_labels_elided = []
        self.axis_labels_wrapped: list[str] = []
        self._axes_fitted_for = self._axis_lengths()
        full = self._pt(BASE_LABEL_PT)
        for side in ("bottom", "left"):
            axis = self.plotItem.getAxis(side)
            if not (axis.label.isVisible() and axis.labelText):
                continue
            length = axis.geometry().width() if side == "bottom" else axis.geometry().height()
            if length < 30:
                continue              # not laid out yet
            across = self.height() if side == "bottom" else self.width()
            drawn_whole = (axis.labelText, full)
            if (self._axis_drawn_whole.get(side) == drawn_whole
                    and _drawn_at_full_size(axis, full)
                    and axis.label.boundingRect().width() <= length):
                continue      # still fits as drawn: redrawing it would only cost a repaint
            how, plain = fit_text(axis.labelText, full, full * AXIS_LABEL_SHRINK, length,
                                  lambda text, size, axis=axis: _draw_label(axis, text, size),
                                  lambda axis=axis: axis.label.boundingRect().width(),
                                  two_lines=across >= TWO_LINES_MIN_PX)
            if plain is not None:
                self.axis_labels_elided.append(plain)
            elif how == "two lines":
                self.axis_labels_wrapped.append(axis.labelText)
            fitted_whole = how == "one line" and axis.label.boundingRect().width() <= length \
                and _drawn_at_full_size(axis, full)
            self._axis_drawn_whole[side] = drawn_whole if fitted_whole else None
        # The tooltip tells the elided labels; it goes once they fit again (unless a view
        # or the title has set its own since).
        ours = getattr(self, "_axis_tooltip", "")
        wanted = "\n".join(self.axis_labels_elided)
        if self.toolTip() in ("", ours):
            self.setToolTip(wanted)
            self._axis_tooltip = wanted
