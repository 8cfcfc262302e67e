"""Plot kit, shared base of every plot widget: theme, presentation scale, titles, legends
(placement and fit in workbench.plot_legend), axes (workbench.plot_axes), export."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers pg.exporters)
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetricsF

from workbench.plot_axes import (TWO_LINES_MIN_PX, AxisFitMixin, room_for_the_label,
                                 roomy_tick_spacing)
from workbench.plot_legend import LegendMixin
from workbench.plot_style import THEMES, BASE_TICK_PT, BASE_LABEL_PT, BASE_TITLE_PT, theme_colors
from workbench.text_fit import fit_text, plain_text


#: A title too wide for its plot is drawn down to this fraction of its size before it is
#: elided.
TITLE_SHRINK = 0.72


def _title_label_min(label: pg.LabelItem) -> None:
    """LabelItem.updateMin for a plot title: its height as pyqtgraph sets it, no minimum
    width (the text's width stays its preferred width)."""
    bounds = label.itemRect()
    label.setMinimumWidth(0)
    label.setMinimumHeight(bounds.height())
    label._sizeHint = {Qt.SizeHint.MinimumSize: (0, bounds.height()),
                       Qt.SizeHint.PreferredSize: (bounds.width(), bounds.height()),
                       Qt.SizeHint.MaximumSize: (-1, -1),
                       Qt.SizeHint.MinimumDescent: (0, 0)}
    label.updateGeometry()


class _Themed(AxisFitMixin, LegendMixin):
    """Theme, presentation scale and export for a pg.PlotWidget subclass."""

    plotItem: pg.PlotItem

    #: Every plot's preferred size, the same whatever its current size (see sizeHint).
    PREFERRED_SIZE = QSize(400, 300)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """A fixed preferred size. QGraphicsView's own hint is its scene rect, which
        pyqtgraph keeps at the widget's current size, so a layout gave the most room to
        whichever plot had been biggest: after zoom 2 and back, the two rows of
        likelihood-ratio/neyman-pearson stayed 160 and 453 px tall instead of 306 each."""
        return QSize(self.PREFERRED_SIZE)

    def _init_base(self, title: str, x_label: str, y_label: str) -> None:
        self._title = title
        self._x_label = x_label
        self._y_label = y_label
        self._theme = THEMES["light"]
        self._scale = 1.0
        self._text_items: list[tuple[pg.TextItem, float, str]] = []  # item, base pt, colour
        pi = self.plotItem
        pi.setMenuEnabled(True)
        for name in ("left", "bottom"):
            axis = pi.getAxis(name)
            axis.enableAutoSIPrefix(False)
            # Major ticks and grid lines only: the axis repaints its grid across the whole
            # plot every frame, and minor grid lines roughly doubled a frame's cost.
            axis.setStyle(maxTickLevel=0)
            roomy_tick_spacing(axis)
            room_for_the_label(axis)
        # The title spans the axis columns too, centred on the whole plot: a narrow plot
        # (four in a row at 1280×720) has room for its title over the y axis.
        self._title_span = 0
        self._span_title()
        # ...and never widens the plot item (_set_title_text makes it fit): the spanning
        # label's minimum width would otherwise be added to one column beside the axes.
        pi.titleLabel.updateMin = lambda label=pi.titleLabel: _title_label_min(label)
        self.title_elided = False
        self.title_fit = "one line"           # or "two lines", "elided"
        self.axis_labels_elided: list[str] = []
        self.axis_labels_wrapped: list[str] = []
        # Axis labels are fitted once the layout has given the axes their lengths.
        self._axis_timer = QTimer(self)
        self._axis_timer.setSingleShot(True)
        self._axis_timer.timeout.connect(self.fit_axis_labels)
        # ...and again when the data area, and with it the axes, gets another size
        # without the widget resizing (a legend band above or beside it)
        self._axes_fitted_for: tuple[int, int] | None = None
        # per axis, (name, size) of a label drawn whole at full size that still fitted
        self._axis_drawn_whole: dict[str, tuple | None] = {}
        pi.vb.sigResized.connect(self._on_axes_resized)
        self._init_legend()

    # -- waiting for the first picture -----------------------------------------------------
    def set_waiting(self, text: str | None) -> None:
        """A centred note over the empty axes (e.g. while the engine starts), or None to
        take it away: a run that has not drawn yet says so instead of showing 0-1 axes."""
        vb = self.plotItem.vb
        note = getattr(self, "_waiting_note", None)
        if text is None:
            if note is not None:
                note.setVisible(False)
            return
        if note is None:
            note = pg.TextItem("", anchor=(0.5, 0.5))
            note.setParentItem(vb)          # in the view box's pixels, not data units
            note.setZValue(100)
            vb.sigResized.connect(self._centre_waiting_note)
            self._waiting_note = note
        font = QFont()
        font.setPointSizeF(self._pt(11.0))
        note.setFont(font)
        note.setColor(self._theme.hint)
        note.setText(text)
        note.setVisible(True)
        self._centre_waiting_note()

    @property
    def waiting(self) -> bool:
        note = getattr(self, "_waiting_note", None)
        return note is not None and note.isVisible()

    def _centre_waiting_note(self, *_) -> None:
        note = getattr(self, "_waiting_note", None)
        if note is not None:
            rect = self.plotItem.vb.boundingRect()
            note.setPos(rect.center())

    # -- legend placement: never on the data ------------------------------------------------
    def _add_legend_entry(self, item, label: str) -> None:
        """A legend entry for ``item``; the legend is created on first use."""
        if self.legend is None:
            self._make_legend("top-right")
            self._restyle()
        self.legend.addItem(item, label)
        self._style_legend_labels()

    # -- theme / scale ------------------------------------------------------------------
    @property
    def theme(self) -> str:
        return self._theme.name

    @property
    def line_scale(self) -> float:
        return self._scale

    def apply_theme(self, theme: Any) -> None:
        self._theme = theme_colors(theme)
        self._restyle()

    def set_line_scale(self, f: float) -> None:
        scale = float(min(4.0, max(0.3, f)))
        if scale != self._scale:
            self.legend_place_afresh()   # the legend may fit inside at the new size
        self._scale = scale
        self._restyle()

    def _pt(self, base: float, soft: bool = True) -> float:
        """Font size for ``base`` points at the current scale. Tick labels follow the
        scale fully (``soft=False``); titles, axis labels and legends grow more slowly
        so that they do not eat the plot area on a projector."""
        f = self._scale if not soft else 1.0 + 0.6 * (self._scale - 1.0)
        return max(6.0, base * f)

    def _restyle(self) -> None:
        t = self._theme
        self.setBackground(t.background)
        pi = self.plotItem
        fg = QColor(t.foreground)
        tick_font = QFont()
        tick_font.setPointSizeF(self._pt(BASE_TICK_PT, soft=False))
        for name in ("left", "bottom", "right", "top"):
            ax = pi.getAxis(name)
            ax.setPen(pg.mkPen(fg, width=max(1.0, self._scale)))
            ax.setTextPen(fg)
            ax.setTickFont(tick_font)
            ax.setStyle(tickLength=int(round(6 * self._scale)))
            # Tick labels grow with the zoom, so fewer of them: at zoom 2 the default
            # spacing put "1000" and "2000" on top of each other.
            ax.setTickDensity(1.0 / max(1.0, self._scale))
        # The last tick label may reach a little past the axis's end (pyqtgraph hid it:
        # "the last x-tick label is often missing"); a right margin keeps it in the widget.
        # Room for half of "1.00" (or "100"): a wider label at the very end stays hidden.
        reach = int(math.ceil(QFontMetricsF(tick_font).horizontalAdvance("0.00") / 2))
        pi.getAxis("bottom").setStyle(hideOverlappingLabels=reach)
        pi.layout.setContentsMargins(1, 1, reach + 1, 1)
        label_css = {"color": t.foreground, "font-size": f"{self._pt(BASE_LABEL_PT):.1f}pt"}
        # A view may have renamed an axis since (plotItem.setLabel, e.g. q → θ₁ for
        # another system): keep its text, restyle it.
        for side, attr in (("bottom", "_x_label"), ("left", "_y_label")):
            axis = pi.getAxis(side)
            if axis.label.isVisible() and axis.labelText:
                setattr(self, attr, axis.labelText)
        if self._x_label:
            pi.setLabel("bottom", self._x_label, **label_css)
        if self._y_label:
            pi.setLabel("left", self._y_label, **label_css)
        self._set_title_text()
        if self.legend is not None:
            self.legend.setBrush(pg.mkBrush(*t.legend_bg))
            self.legend.setPen(pg.mkPen(t.legend_border))
            self._style_legend_labels()
        for item, base_pt, color in self._text_items:
            font = QFont()
            font.setPointSizeF(self._pt(base_pt))
            item.setFont(font)
            item.setColor(getattr(t, color, color))
        self._restyle_items()
        self._axis_timer.start(0)

    def _span_title(self) -> None:
        """Let the title label span every column of the plot item's layout (a colourbar
        inserted later adds columns on the right)."""
        layout, label = self.plotItem.layout, self.plotItem.titleLabel
        columns = max(3, layout.columnCount())
        if columns != self._title_span:
            layout.removeItem(label)
            layout.addItem(label, 0, 0, 1, columns)
            self._title_span = columns

    def _set_title_text(self) -> None:
        """The title at its size; where the plot is too narrow, a smaller size (down to
        TITLE_SHRINK of it), then two lines; where even that does not fit, its plain text
        elided with "…" and the whole title as the plot's tooltip. A title wider than its
        widget would also widen the plot item beyond the widget, which then cuts off its
        right side."""
        self.title_elided = False
        self.title_fit = "one line"
        self._span_title()
        if not self._title:
            self.plotItem.setTitle(None)
            return
        full = self._pt(BASE_TITLE_PT)
        # the title spans the whole plot item (axes included, see _init_base)
        room = self.width() - 10
        if not self.isVisible() or room <= 0:
            self._show_title(self._title, full)
            return
        # two lines only where the plot stays taller than the title (zoom 2, short plots)
        self.title_fit, plain = fit_text(self._title, full, full * TITLE_SHRINK, room,
                                         self._show_title, self._title_width, bold=True,
                                         two_lines=self.height() >= TWO_LINES_MIN_PX)
        if plain is not None:
            self.title_elided = True
            self.setToolTip(plain)
        elif self.toolTip() == plain_text(self._title):
            self.setToolTip("")   # ours from a narrower size, not a view's own

    def _show_title(self, text: str, size: float) -> None:
        pi = self.plotItem
        pi.setTitle(text, color=self._theme.foreground, size=f"{size:.1f}pt", bold=True)
        # pyqtgraph gives the title row 30 px: too little for a title on two lines (or
        # one at zoom 2), which then ran over the data.
        height = max(30.0, math.ceil(pi.titleLabel.item.boundingRect().height()))
        pi.titleLabel.setMaximumHeight(height)
        pi.layout.setRowFixedHeight(0, height)
        # Qt clamps the plot item to its minimum width, which a long title raised: give
        # it the widget's size again now that the title may be narrower.
        if getattr(self, "centralWidget", None) is not None and hasattr(self, "range"):
            self.centralWidget.setGeometry(self.range)

    def _title_width(self) -> float:
        return float(self.plotItem.titleLabel.item.boundingRect().width())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if getattr(self, "plotItem", None) is None:    # the widget is being torn down
            return
        timer = getattr(self, "_legend_timer", None)     # None before _init_base ran
        if timer is not None and getattr(self, "legend_band", None) is not None:
            self.band_plot_resized()  # another size: the legend may fit inside again
        if timer is not None and getattr(self, "legend_folded", False):
            self.key_plot_resized()
        if (timer is not None and not timer.isActive()
                and event.size().width() != event.oldSize().width()):
            timer.start(0)   # the legend's fit and corner, once laid out
        if getattr(self, "_title", "") and event.size() != event.oldSize():
            self._set_title_text()            # the height decides about two lines
        axis_timer = getattr(self, "_axis_timer", None)
        if axis_timer is not None and not axis_timer.isActive():
            axis_timer.start(0)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        # Counted for the tests: every plot of a demo gets painted (paint pacing).
        self.paint_count = getattr(self, "paint_count", 0) + 1
        super().paintEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if getattr(self, "_title", ""):
            self._set_title_text()

    def set_title(self, title: str) -> None:
        if title == self._title:
            return          # views set their title with every frame; fitting it lays out
        self._title = title
        self._set_title_text()

    def _restyle_items(self) -> None:  # pragma: no cover - overridden
        pass

    def _add_text(self, text: str, base_pt: float = 13.0, color: str = "hint",
                  anchor=(0.5, 0.5), fill=None) -> pg.TextItem:
        """A TextItem that follows theme and scale; ``color`` is a ThemeColors field
        name or a literal colour."""
        item = pg.TextItem(text, anchor=anchor, fill=fill)
        self.plotItem.addItem(item, ignoreBounds=True)
        self._text_items.append((item, base_pt, color))
        font = QFont()
        font.setPointSizeF(self._pt(base_pt))
        item.setFont(font)
        item.setColor(getattr(self._theme, color, color))
        return item

    # -- export -------------------------------------------------------------------------
    def export(self, path: str | Path) -> Path:
        """Write the plot to ``path``: PNG (2x resolution) or SVG, chosen by suffix."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".png":
            exporter = pg.exporters.ImageExporter(self.plotItem)
            width = max(1, int(round(self.plotItem.sceneBoundingRect().width() * 2)))
            exporter.parameters()["width"] = width
            exporter.parameters()["antialias"] = True
        elif suffix == ".svg":
            exporter = pg.exporters.SVGExporter(self.plotItem)
        else:
            raise ValueError(f"cannot export to {path.name!r}: use a .png or .svg file name")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.show_legend_for_export(True)
        try:
            exporter.export(str(path))
        except ValueError:
            if suffix != ".svg":
                raise
            # pyqtgraph 0.14's SVGExporter cannot parse the closed paths ("... Z") that
            # newer Qt versions emit (pyqtgraph issue #3495): let Qt write the SVG itself.
            self._export_svg_qt(path)
        finally:
            self.show_legend_for_export(False)
        return path

    def _export_svg_qt(self, path: Path) -> None:
        from PySide6.QtCore import QRectF, QSize
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator

        source = self.plotItem.sceneBoundingRect()
        w, h = max(1, int(math.ceil(source.width()))), max(1, int(math.ceil(source.height())))
        gen = QSvgGenerator()
        gen.setFileName(str(path))
        gen.setSize(QSize(w, h))
        gen.setViewBox(QRectF(0, 0, w, h))
        gen.setTitle(self._title or "plot")
        painter = QPainter(gen)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.fillRect(QRectF(0, 0, w, h), QColor(self._theme.background))
            self.scene().render(painter, QRectF(0, 0, w, h), source)
        finally:
            painter.end()
