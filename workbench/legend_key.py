"""A legend folded into a key. Where a legend has no place that covers no data, neither
inside the data area nor in a band outside it (a small plot at zoom 2, a ROC curve with
four entries in a quarter of a 1280×720 window), it is folded into a small "key" label in
the corner where that covers the fewest data points. Hovering the key lists the entries
in their colours; clicking it shows the legend over the data (the user asked for it), and
clicking the legend folds it again. Mixed into workbench.plot_legend.LegendMixin (which
provides legend, plotItem, legend_corner, _theme, _pt, _anchor_at, _anchor_item,
cover_of, place_legend and leave_band)."""
from __future__ import annotations

import weakref

import pyqtgraph as pg
from pyqtgraph.graphicsItems.GraphicsWidgetAnchor import GraphicsWidgetAnchor
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QGraphicsTextItem

from workbench.plot_style import BASE_LEGEND_PT

#: What the folded legend shows.
KEY_TEXT = "key ▸"
#: Pixels between the key's text and its frame.
KEY_PADDING = (5, 1)


class LegendKey(GraphicsWidgetAnchor, pg.GraphicsWidget):
    """A framed text in the data area that calls ``on_click`` when clicked (left button)."""

    def __init__(self, on_click) -> None:
        pg.GraphicsWidget.__init__(self)
        GraphicsWidgetAnchor.__init__(self)
        # weakly: the key lives in its plot's scene and must not keep the plot alive (a
        # plot kept alive so was torn down by a later garbage collection, half-way)
        self._on_click = weakref.WeakMethod(on_click)
        self._text = QGraphicsTextItem(self)
        self._text.document().setDocumentMargin(0)
        self._brush = pg.mkBrush(0, 0, 0, 0)
        self._pen = pg.mkPen(None)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_style(self, size_pt: float, color: str, brush, pen) -> None:
        font = QFont()
        font.setPointSizeF(size_pt)
        self._text.setFont(font)
        self._text.setDefaultTextColor(QColor(color))
        self._text.setPlainText(KEY_TEXT)
        self._brush, self._pen = brush, pen
        text = self._text.boundingRect()
        pad_x, pad_y = KEY_PADDING
        self._text.setPos(pad_x, pad_y)
        size = (text.width() + 2 * pad_x, text.height() + 2 * pad_y)
        self.setMinimumSize(*size)
        self.setMaximumSize(*size)
        self.resize(*size)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return QRectF(0, 0, self.size().width(), self.size().height())

    def paint(self, painter, *_args) -> None:
        painter.setPen(self._pen)
        painter.setBrush(self._brush)
        painter.drawRect(self.boundingRect().adjusted(0, 0, -1, -1))

    def mouseClickEvent(self, event) -> None:  # noqa: N802 - pyqtgraph API
        if event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            on_click = self._on_click()
            if on_click is not None:
                on_click()


def entry_color(item) -> QColor | None:
    """The colour a legend entry's sample shows: its line's, else its markers' fill."""
    opts = getattr(item, "opts", None)
    if not isinstance(opts, dict):
        return None
    if opts.get("pen") is not None:
        return pg.mkPen(opts["pen"]).color()
    if opts.get("symbolBrush") is not None and opts.get("symbol") is not None:
        return pg.mkBrush(opts["symbolBrush"]).color()
    if opts.get("brush") is not None:                   # a bar graph or a filled region
        return pg.mkBrush(opts["brush"]).color()
    return None


class LegendKeyMixin:
    def _init_key(self) -> None:
        self.legend_folded = False              # the legend is hidden behind its key
        self.legend_on_request = False          # the user unfolded it over the data
        self._key: LegendKey | None = None
        self._key_corner = "top-right"
        self._fold_plot_size = (0, 0)

    def _key_item(self) -> LegendKey:
        if self._key is None:
            self._key = LegendKey(self.toggle_legend)
            self._key.setParentItem(self.plotItem.vb)
            self._key.setZValue(self.legend.zValue() + 1)
            self._key.hide()
        return self._key

    def _style_key(self) -> None:
        """The key's size, colours and tooltip (on folding, and as the legend's labels
        are styled while it is folded: theme, scale, entries)."""
        if self._key is None:
            return
        t = self._theme
        self._key.set_style(self._pt(BASE_LEGEND_PT) * self._legend_floor(1.0),
                            t.foreground, pg.mkBrush(*t.legend_bg), pg.mkPen(t.legend_border))
        self._key.setToolTip(self.legend_key_tooltip())

    def legend_key_tooltip(self) -> str:
        """The legend's entries as rich text, each behind a square in its colour."""
        rows = []
        for sample, label in self.legend.items:
            color = entry_color(getattr(sample, "item", None))
            swatch = (f"<span style='color:{color.name()}'>■</span> " if color is not None
                      else "")
            rows.append(swatch + label.text)
        return "<br>".join(rows) if rows else ""

    def key_place(self) -> tuple[str, int]:
        """Where the key would cover the fewest data points, and how many it covers there
        (once folded, it moves only for a clear gain: no key hopping between two similar
        corners as data arrive)."""
        key = self._key_item()
        if not self.legend_folded:
            self._style_key()                 # its size at the current theme and zoom
        cover = self.cover_of(key.size().width(), key.size().height())
        now = self._key_corner if self.legend_folded else self.legend_corner
        order = [now] + [c for c in cover if c != now]
        corner = min(order, key=lambda c: cover[c])
        if self.legend_folded and cover[corner] >= 0.7 * cover[now]:
            corner = now
        return corner, cover[corner]

    def fold_legend(self, corner: str) -> None:
        """Hide the legend behind its key, put at ``corner`` (from key_place)."""
        key = self._key_item()
        self._anchor_key(corner)
        if not self.legend_folded:
            self.legend.hide()
            key.show()
            self.legend_folded = True
            self._fold_plot_size = (self.width(), self.height())

    def key_plot_resized(self) -> None:
        """The plot widget got another size: the legend may have room again."""
        width, height = self._fold_plot_size
        if abs(self.width() - width) > 2 or abs(self.height() - height) > 2:
            self.unfold_legend()
            self._legend_timer.start(0)          # placed afresh once laid out

    def key_cover(self) -> int:
        """Data points under the key where it is now (0 while the legend is not folded)."""
        if not self.legend_folded or self._key is None:
            return 0
        size = self._key.size()
        return self.cover_of(size.width(), size.height())[self._key_corner]

    def _anchor_key(self, corner: str) -> None:
        self._anchor_item(self._key, corner)
        self._key_corner = corner

    def unfold_legend(self) -> None:
        """The legend back in view (its place decided afresh by place_legend)."""
        if self.legend_folded:
            self.legend_folded = False
            self._key.hide()
            if self.legend is not None:
                self.legend.show()

    def toggle_legend(self) -> None:
        """The key or the unfolded legend was clicked: show the legend over the data, or
        fold it again."""
        if self.legend_folded:
            self.legend_on_request = True
            self.unfold_legend()
            self._anchor_at(self._key_corner)
            self.place_legend()
        elif self.legend_on_request:
            self.legend_on_request = False
            self.place_legend()

    def show_legend_for_export(self, shown: bool) -> None:
        """An exported picture has no tooltip to hover: it shows the legend itself
        (``shown``), the key is back afterwards (``shown`` False)."""
        if self.legend_folded:
            self.legend.setVisible(shown)
            self._key.setVisible(not shown)

    def legend_place_afresh(self) -> None:
        """A new run, another presentation scale or plot size: out of any band and the
        key, for place_legend to decide again."""
        self.legend_on_request = False
        self.unfold_legend()
        self.leave_band()
