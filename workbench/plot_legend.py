"""Legends of the plot kit that never sit on the data or off the plot: placed in the
corner where they cover no data points (recomputed as data change), drawn with fewer
columns or a smaller font where the plot is too narrow, and moved into a band outside
the data area (workbench.legend_band) where data fill every place inside it, and folded
into a key (workbench.legend_key) where no band has room either. Mixed into
workbench.plot_base._Themed (which provides plotItem, _theme, _pt)."""
from __future__ import annotations

import math
import time
import weakref

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor

from workbench.legend_band import BAND_SIDES, LEGEND_MIN_FIT, LegendBandMixin
from workbench.legend_key import LegendKeyMixin
from workbench.plot_style import BASE_LEGEND_PT

#: Legend places: (item anchor = parent anchor, offset in pixels). The corners first (a
#: view may ask for one); the middles of the edges where data fill every corner (a loss
#: curve from top-left to bottom-right with a readout curve along the bottom).
LEGEND_CORNERS = {"top-right": ((1, 0), (-8, 8)), "top-left": ((0, 0), (8, 8)),
                  "bottom-right": ((1, 1), (-8, -8)), "bottom-left": ((0, 1), (8, -8)),
                  "top": ((0.5, 0), (0, 8)), "bottom": ((0.5, 1), (0, -8)),
                  "right": ((1, 0.5), (-8, 0)), "left": ((0, 0.5), (8, 0))}
#: Pixels around a legend label's text (Qt's default of 4 made a one-row legend at zoom 2
#: 53 px tall, too tall for the band above a small plot), and inside the legend's frame.
LEGEND_TEXT_MARGIN = 1
LEGEND_FRAME_MARGINS = (6, 3, 6, 3)
#: The smallest a legend inside is drawn to free a corner, of its zoom-1 size.
FREE_CORNER_MIN_FIT = 0.85
#: The legend moves at most this often while data arrive (seconds).
LEGEND_PERIOD = 0.5
#: Points sampled along each curve when looking for the emptiest corner.
LEGEND_SAMPLES = 400


def covered_points(xy_pixels: list[np.ndarray], rect: tuple[float, float, float, float]) -> int:
    """How many of the sampled curve points (pixel coordinates) lie inside ``rect``
    (left, top, width, height)."""
    left, top, width, height = rect
    count = 0
    for pts in xy_pixels:
        inside = ((pts[:, 0] >= left) & (pts[:, 0] <= left + width)
                  & (pts[:, 1] >= top) & (pts[:, 1] <= top + height))
        count += int(inside.sum())
    return count


def step_outline(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of a curve as drawn. A histogram in step mode has one more x (bin edges)
    than y (bin heights): its outline visits both edges of every bin at that bin's height.
    Any other length mismatch keeps the common prefix (pyqtgraph would not draw the rest)."""
    if len(x) == len(y) + 1 and len(y) > 0:
        return np.repeat(x, 2)[1:-1], np.repeat(y, 2)
    n = min(len(x), len(y))
    return x[:n], y[:n]


def sample_along(x: np.ndarray, y: np.ndarray, lines: bool) -> tuple[np.ndarray, np.ndarray]:
    """Points along a curve: a line is sampled evenly by index (so a two-point line still
    counts where it runs), a scatter keeps (a subsample of) its points."""
    n = len(x)
    if n == 0:
        return x, y
    if lines and n > 1:
        t = np.linspace(0.0, n - 1.0, LEGEND_SAMPLES)
        index = np.arange(n, dtype=float)
        return np.interp(t, index, x), np.interp(t, index, y)
    stride = max(1, n // LEGEND_SAMPLES)
    return x[::stride], y[::stride]


# ---- shared base ------------------------------------------------------------------------


class LegendMixin(LegendBandMixin, LegendKeyMixin):
    def _init_legend(self) -> None:
        self.legend: pg.LegendItem | None = None
        self.legend_corner = "top-right"       # where the legend sits now
        self._legend_preferred = "top-right"   # where the view asked for it
        self._legend_placed_at = -math.inf
        self._legend_timer: QTimer | None = None
        self._legend_fit = 1.0                 # legend font scale that fits the plot
        self._legend_columns: int | None = None  # the legend's own column count
        self._init_band()
        self._init_key()

    def _make_legend(self, corner: str = "top-right") -> pg.LegendItem:
        corner = corner if corner in LEGEND_CORNERS else "top-right"
        self.legend = self.plotItem.addLegend(offset=LEGEND_CORNERS[corner][1],
                                              verSpacing=0, labelTextSize=f"{BASE_LEGEND_PT}pt")
        self.legend.layout.setContentsMargins(*LEGEND_FRAME_MARGINS)
        self.legend_corner = self._legend_preferred = corner
        self._legend_timer = QTimer(self)
        self._legend_timer.setSingleShot(True)
        self._legend_timer.timeout.connect(self.place_legend)
        # The data area can shrink without the widget resizing (wider tick labels, a
        # smaller axis label): fit and place the legend again then too.
        self.plotItem.vb.sigResized.connect(self._on_data_area_resized)
        # A legend unfolded from its key on request folds again when clicked (pyqtgraph
        # sends clicks to an item's mouseClickEvent; a weak reference: the legend must
        # not keep its plot alive).
        plot = weakref.ref(self)
        self.legend.mouseClickEvent = lambda event: _legend_clicked(plot, event)
        return self.legend

    def _on_data_area_resized(self, *_args) -> None:
        if getattr(self, "plotItem", None) is None:       # not while being torn down
            return
        if self.legend is None or self._legend_timer is None:
            return
        if self.legend_band is not None or self._legend_too_wide():
            # In a band (which follows the data area) or cut off by the edge: placed
            # again once this layout pass is over (one pass resizes a plot many times).
            self._legend_timer.start(0)
            return
        self.data_changed()

    def data_changed(self) -> None:
        """New data were drawn: move the legend off them (at most every LEGEND_PERIOD s;
        the last change is always looked at). Always by the single-shot timer, in an
        event-loop turn of its own: placed in the turn that drew a snapshot, every plot's
        legend added its cost to that turn (a first band fit lays a legend out a dozen
        times, ~20 ms)."""
        if self.legend is None or self._legend_timer is None:
            return
        if not self._legend_timer.isActive():
            wait = max(0.0, self._legend_placed_at + LEGEND_PERIOD - time.monotonic())
            self._legend_timer.start(int(wait * 1000) + (1 if wait > 0 else 0))

    def _curve_pixels(self) -> list[np.ndarray]:
        """Sampled points of every visible data item, in the view box's pixels."""
        vb = self.plotItem.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        width, height = vb.width(), vb.height()
        if x1 <= x0 or y1 <= y0 or width <= 0 or height <= 0:
            return []
        out = []
        for item in self.plotItem.listDataItems():
            if not item.isVisible() or not hasattr(item, "getData"):
                continue
            x, y = item.getData()
            if x is None or y is None or len(x) == 0:
                continue
            x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
            x, y = step_outline(x, y)
            ok = np.isfinite(x) & np.isfinite(y)
            lines = item.opts.get("pen") is not None if hasattr(item, "opts") else False
            x, y = sample_along(x[ok], y[ok], lines)
            out.append(np.column_stack([(x - x0) / (x1 - x0) * width,
                                        (y1 - y) / (y1 - y0) * height]))
        return out

    def legend_cover(self) -> dict[str, int]:
        """For each corner: how many sampled data points the legend would cover there."""
        return self.cover_of(self.legend.width(), self.legend.height())

    def cover_of(self, w: float, h: float) -> dict[str, int]:
        """For each corner: how many sampled data points a w x h box would cover there."""
        vb = self.plotItem.vb
        width, height = vb.width(), vb.height()
        pixels = self._curve_pixels()
        cover = {}
        for corner, ((ax, ay), (dx, dy)) in LEGEND_CORNERS.items():
            left = ax * (width - w) + dx
            top = ay * (height - h) + dy
            cover[corner] = covered_points(pixels, (left, top, w, h))
        return cover

    def _legend_room(self) -> float:
        """The width a legend inside may take: the data area less the corner offsets on
        both sides."""
        return self.plotItem.vb.width() - 16

    def _legend_too_wide(self) -> bool:
        return self.legend.width() > self._legend_room()

    def fit_legend(self) -> None:
        """A legend wider than the plot's data area (narrow plots at 1280×720, zoom 2)
        first takes fewer columns, then is drawn smaller until it fits, down to
        LEGEND_MIN_FIT of its zoom-1 size; with room again it gets its columns and size
        back. Never cut off at the plot's edge (unless even that size is too wide)."""
        room = self._legend_room()
        if room <= 0:
            return
        legend = self.legend
        if self._legend_columns is None:
            self._legend_columns = legend.columnCount  # what the view asked for
        if self._legend_fit != 1.0:
            self._legend_fit = 1.0
            self._style_legend_labels()
        for columns in range(self._legend_columns, 0, -1):
            self._set_legend_columns(columns)
            if legend.width() <= room:
                return
        for _ in range(5):                             # width is not quite linear in size
            if legend.width() <= room:
                return
            fit = max(self._legend_floor(LEGEND_MIN_FIT),
                      0.98 * self._legend_fit * room / legend.width())
            if abs(fit - self._legend_fit) < 0.01:
                return
            self._legend_fit = fit
            self._style_legend_labels()

    def _fit_inside(self) -> dict[str, int]:
        """Fit the legend to the data area's width; where data fill every corner (a
        narrow plot at zoom 2), draw it smaller, down to a little under its zoom-1 size,
        until one corner is free. Returns the cover per corner at that size."""
        self.fit_legend()
        cover = self.legend_cover()
        floor = self._legend_floor(FREE_CORNER_MIN_FIT)
        while min(cover.values()) > 0 and self._legend_fit > floor + 1e-3:
            self._legend_fit = max(floor, self._legend_fit * 0.85)
            self._style_legend_labels()
            cover = self.legend_cover()
        return cover

    def _fit_request(self) -> dict[str, int]:
        """A legend unfolded from its key over a small plot: as many columns as let it
        fit the data area's width and height, drawn as small as a legend in a band if
        need be; one too tall even so is cut off by the view box (the user can fold it
        again, or zoom out). Returns the cover."""
        room = self._legend_room()
        columns, fit = self._band_columns(BAND_SIDES[0], room, self.plotItem.vb.height() - 16)
        if fit <= 0:          # too tall even so: the most columns that fit its width
            with self._measuring() as size_of:
                columns = max((c for c in range(1, len(self.legend.items) + 1)
                               if size_of(c)[1][0] <= room), default=1)
            fit = self._band_min_fit()
        self._legend_fit = fit
        if self.legend.columnCount != columns:
            self.legend.setColumnCount(columns)
        self._style_legend_labels()
        return self.legend_cover()

    def _set_legend_columns(self, columns: int) -> None:
        if self.legend.columnCount != columns:
            self.legend.setColumnCount(columns)
            self._style_legend_labels()               # re-measure at the new layout

    def place_legend(self) -> str:
        """Put the legend where it covers no data points: the view's preferred corner
        while that one is free, else another free place inside the data area (a move
        only for a clear gain: no flicker between two similar corners), else a band
        outside the data area (legend_band: above it, or beside it), else folded into
        a key where that covers fewer points (legend_key; the user may unfold it), else
        inside where it covers least. Returns the place."""
        self._legend_placed_at = time.monotonic()
        if getattr(self, "plotItem", None) is None:          # the widget is torn down
            return self.legend_corner
        if self.legend is None:
            return self.legend_corner
        if not self.legend.items:
            self.unfold_legend()                             # nothing to show a key for
            return self.legend_corner
        if self.legend_folded:
            # folded it stays (no legend that comes and goes with the data) until the
            # run, the scale or the plot's size changes; the key avoids the data
            self.fold_legend(self.key_place()[0])
            return self.legend_corner
        if not self.legend.isVisible():                      # hidden by its view
            return self.legend_corner
        if self.legend_band is not None and self._fit_band(self.legend_band):
            return self.legend_band
        if self.legend_on_request:                           # unfolded from its key
            cover = self._fit_request()
        else:
            cover = self._fit_inside()
        if (min(cover.values()) > 0 or self._legend_too_wide()) and not self.legend_on_request:
            for side in BAND_SIDES:
                if not self._fit_band(side):
                    continue
                if self._enter_band(side):
                    return side
                # Laid out for that band it did not fit after all, and went back in
                # with the band's size and columns: fitted inside again.
                cover = self._fit_inside()
            # No room outside: inside, where it covers the least.
        best = self.legend_corner
        if cover[self._legend_preferred] == 0:
            best = self._legend_preferred
        else:
            order = [self._legend_preferred] + [c for c in LEGEND_CORNERS
                                                if c != self._legend_preferred]
            least = min(order, key=lambda c: cover[c])
            if cover[least] < 0.7 * cover[self.legend_corner]:
                best = least
        if best != self.legend_corner:
            self._anchor_at(best)
        if cover[best] > 0 and not self.legend_on_request:
            corner, under_key = self.key_place()
            if under_key < cover[best]:                      # only where the key helps
                self.fold_legend(corner)
        return best

    def _anchor_at(self, corner: str) -> None:
        self._anchor_item(self.legend, corner)
        self.legend_corner = corner

    @staticmethod
    def _anchor_item(item, corner: str) -> None:
        anchor, offset = LEGEND_CORNERS[corner]
        item.anchor(itemPos=anchor, parentPos=anchor, offset=offset)

    def _style_legend_labels(self) -> None:
        """Colour and size of the legend's labels (LabelItem.setAttr alone does not
        re-render existing text, so every label's text is set again)."""
        if self.legend is None:
            return
        color = QColor(self._theme.foreground)
        size = f"{self._pt(BASE_LEGEND_PT) * self._legend_fit:.1f}pt"
        self.legend.opts["labelTextColor"] = color
        self.legend.opts["labelTextSize"] = size
        for _, label in self.legend.items:
            label.item.document().setDocumentMargin(LEGEND_TEXT_MARGIN)
            label.setText(label.text, color=color, size=size)
        # Lay the entries out at their new sizes before the legend measures itself (its
        # updateSize reads the entries' current geometry, which a larger size had set).
        self.legend.setGeometry(0, 0, 0, 0)
        self.legend.layout.activate()
        self.legend.updateSize()
        if self.legend_folded:
            self._style_key()


def _legend_clicked(plot_ref, event) -> None:
    plot = plot_ref()
    if plot is not None and plot.legend_on_request and \
            event.button() == Qt.MouseButton.LeftButton:
        event.accept()
        plot.toggle_legend()
