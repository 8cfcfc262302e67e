"""Bands outside the data area for a legend that has no free place inside it: above the
data area (between the title and the view box) or beside it (right of the view box).
pyqtgraph's PlotItem lays out title, axes and view box in a grid; the hidden top axis's
row and right axis's column are given the legend's size, which shrinks the data area
by that much, and the legend, taken out of the view box (which clips its children), is
anchored in the gap. Mixed into workbench.plot_legend.LegendMixin (which provides
legend, plotItem, _legend_fit, _legend_columns, _legend_preferred, _anchor_at, _pt
and the label styling)."""
from __future__ import annotations

import math
from contextlib import contextmanager

from workbench.plot_style import BASE_LEGEND_PT

ABOVE = "above"
BESIDE = "beside"
#: Tried in this order: a band above keeps the x axes of stacked plots in line.
BAND_SIDES = (ABOVE, BESIDE)
#: The layout row (hidden top axis) and column (hidden right axis) the bands take.
BAND_ROW = 1
BAND_COLUMN = 2
#: A band takes at most this share of the height (above) or width (beside) it shares
#: with the data area; a legend that needs more stays inside, where it covers least (a
#: tiny plot at zoom 2 would otherwise keep a sliver of data area).
BAND_MAX_SHARE = 0.5
# The smallest a legend is drawn, as fractions of its zoom-1 size (zoom 1 is the size
# that reads at projector distance; at zoom 2 a legend may shrink below that before it
# covers data or is cut off). Never above the size the zoom asks for.
#: A legend wider than its plot's data area, to fit its width.
LEGEND_MIN_FIT = 0.6
#: A legend in a band, to fit the band.
BAND_MIN_FIT = 0.75
#: Gap between the data area and a legend in a band (pixels).
BAND_GAP = 4


class LegendBandMixin:
    def _init_band(self) -> None:
        self.legend_band: str | None = None            # ABOVE, BESIDE or None (inside)
        self._band_fitted_for: tuple | None = None     # the sizes the band was laid out for
        # sizes for which a side was tried and did not fit: whether a legend fits a band
        # depends on sizes only, and trying costs dozens of label layouts
        self._band_misfit: dict[str, tuple] = {}
        self._sizes_cache: tuple | None = None         # (key, sizes) of _measuring
        self._band_plot_size = (0, 0)                  # the plot's size when it went out

    def _band_room(self, side: str) -> tuple[float, float]:
        """(width, height) a legend may take in the band on ``side``."""
        plot, vb = self.plotItem, self.plotItem.vb
        if side == ABOVE:
            taken = plot.layout.rowMinimumHeight(BAND_ROW) if self.legend_band == ABOVE else 0
            # out of the view box, the axes' width is room too
            return plot.width() - 2 * BAND_GAP, BAND_MAX_SHARE * (vb.height() + taken)
        taken = plot.layout.columnMinimumWidth(BAND_COLUMN) if self.legend_band == BESIDE else 0
        return BAND_MAX_SHARE * (vb.width() + taken), vb.height()

    def _fit_band(self, side: str) -> bool:
        """Lay the legend out for the band on ``side``: above the data as few rows as fit
        across the plot, beside it as few columns as fit its height; drawn smaller, down
        to _band_min_fit, where no column count fits at full size. Returns whether it
        fits; a legend already in that band that no longer fits (the plot got smaller)
        goes back in."""
        legend = self.legend
        width, height = self._band_room(side)
        if width <= 0 or height <= 0:
            return False
        sizes = (side, round(width), round(height), len(legend.items),
                 self._pt(BASE_LEGEND_PT))
        if self.legend_band == side and sizes == self._band_fitted_for:
            self._anchor_in_band()                     # laid out already: follow the area
            return True
        if self.legend_band != side and self._band_misfit.get(side) == sizes:
            return False                               # tried at these sizes already
        if self._legend_columns is None:
            self._legend_columns = legend.columnCount
        # Whether and how it fits is read off the legend's sizes per column count (laid
        # out once); the legend itself is laid out only for the band it goes into.
        columns, fit = self._band_columns(side, width, height)
        if fit > 0 and self.legend_band == side:
            self._legend_fit = fit
            if legend.columnCount != columns:
                legend.setColumnCount(columns)
            self._style_legend_labels()
            for _ in range(6):                         # the sizes were interpolated
                shrink = min(width / legend.width(), height / max(legend.height(), 1.0))
                if shrink >= 1.0 or self._legend_fit <= self._band_min_fit() + 1e-3:
                    break
                self._legend_fit = max(self._band_min_fit(), 0.98 * self._legend_fit * shrink)
                self._style_legend_labels()
            if legend.width() > width + 0.5 or legend.height() > height + 0.5:
                fit = -1.0
        if fit <= 0:
            if self.legend_band == side:
                self.leave_band()
            self._band_misfit[side] = sizes
            return False
        if self.legend_band != side:
            return True                                # it fits; laid out on entering
        plot = self.plotItem
        if side == ABOVE:
            needed = math.ceil(legend.height()) + BAND_GAP
            if abs(plot.layout.rowMinimumHeight(BAND_ROW) - needed) > 0.5:
                plot.layout.setRowMinimumHeight(BAND_ROW, needed)
        else:
            needed = math.ceil(legend.width()) + 2 * BAND_GAP
            if abs(plot.layout.columnMinimumWidth(BAND_COLUMN) - needed) > 0.5:
                plot.layout.setColumnMinimumWidth(BAND_COLUMN, needed)
        width, height = self._band_room(side)
        self._band_fitted_for = (side, round(width), round(height)) + sizes[3:]
        self._anchor_in_band()
        return True

    def _band_columns(self, side: str, width: float, height: float) -> tuple[int, float]:
        """The column count that lets the legend fit ``width`` x ``height`` at the largest
        size, and that size (a scale; -1 where no count fits even at the smallest):
        above, the most columns that fit at full size (fewest rows); beside, the fewest.
        Otherwise the one whose size, interpolated between full size and the smallest,
        fits at the largest scale (rows shrink far less than text: a legend entry is
        never lower than pyqtgraph's 20 px sample)."""
        entries = max(1, len(self.legend.items))
        order = list(range(entries, 0, -1) if side == ABOVE else range(1, entries + 1))
        with self._measuring() as size_of:
            return self._best_columns(order, width, height, size_of)

    def _best_columns(self, order, width, height, size_of) -> tuple[int, float]:
        best, best_fit = order[0], -1.0
        for columns in order:
            big, least = size_of(columns)
            if big[0] <= width and big[1] <= height:
                return columns, 1.0
            fit = 1.0
            for limit, b, l in ((width, big[0], least[0]), (height, big[1], least[1])):
                if b > limit:
                    if l > limit:
                        fit = -1.0                      # not even at the smallest size
                        break
                    fit = min(fit, 1.0 - (1.0 - self._band_min_fit()) * (b - limit) / (b - l))
            if fit > best_fit:
                best, best_fit = columns, fit
        return best, best_fit

    @contextmanager
    def _measuring(self):
        """A function columns -> ((width, height) at full size, (width, height) at the
        smallest band scale) of the legend. The sizes depend on the font size and the
        labels only, so each column count is laid out once for those, and only when
        asked for (each layout re-renders every label: all counts at once cost ~20 ms
        in the turn that first fitted a band). The legend's own fit and columns are put
        back afterwards if a size had to be laid out."""
        legend = self.legend
        key = (self._pt(BASE_LEGEND_PT), tuple(label.text for _, label in legend.items))
        if self._sizes_cache is None or self._sizes_cache[0] != key:
            self._sizes_cache = (key, {})
        sizes = self._sizes_cache[1]
        was_fit, was_columns = self._legend_fit, legend.columnCount
        laid_out = False

        def size_of(columns: int):
            nonlocal laid_out
            if columns not in sizes:
                laid_out = True
                if legend.columnCount != columns:
                    legend.setColumnCount(columns)    # laid out by the styling below
                measured = []
                for fit in (1.0, self._band_min_fit()):
                    self._legend_fit = fit
                    self._style_legend_labels()
                    measured.append((legend.width(), legend.height()))
                sizes[columns] = (measured[0], measured[1])
            return sizes[columns]

        try:
            yield size_of
        finally:
            if laid_out:
                self._legend_fit = was_fit
                if legend.columnCount != was_columns:
                    legend.setColumnCount(was_columns)
                self._style_legend_labels()

    def _legend_floor(self, share: float) -> float:
        """The legend scale (of the size at the current zoom) that draws it at ``share``
        of its zoom-1 size; at most 1."""
        return min(1.0, share * BASE_LEGEND_PT / self._pt(BASE_LEGEND_PT))

    def _band_min_fit(self) -> float:
        """The smallest legend scale in a band."""
        return self._legend_floor(BAND_MIN_FIT)

    def _enter_band(self, side: str) -> bool:
        """Data fill every place inside the data area (or the legend is wider than it):
        the legend moves out of the view box into the band on ``side``. It stays there
        until the run is reset, the presentation scale changes or the plot is resized
        (leave_band): a legend that came and went with the data would make the plot
        jump."""
        self.legend_band = self.legend_corner = side
        self._band_plot_size = (self.width(), self.height())
        self.legend.setParentItem(self.plotItem)
        return self._fit_band(side)        # False: laid out, it did not fit after all

    def band_plot_resized(self) -> None:
        """The plot widget itself got another size (a window resize, a splitter drag; the
        band only ever changes the data area): leave the band, to be placed afresh."""
        width, height = self._band_plot_size
        if abs(self.width() - width) > 2 or abs(self.height() - height) > 2:
            self.leave_band()

    def _anchor_in_band(self) -> None:
        """Above: under the title, centred over the data area, never beyond the plot's
        edges. Beside: centred on the data area's height, just right of it."""
        legend, plot = self.legend, self.plotItem
        area = plot.vb.geometry()                      # in the plot item's coordinates
        if self.legend_band == ABOVE:
            half = legend.width() / 2 + BAND_GAP      # keep its frame off the plot's edges
            centre = min(max(area.center().x(), half), max(half, plot.width() - half))
            # under the title, not over the data area's top: that is right also before
            # the layout has made the band (a layout pass later), never over the title
            title = plot.titleLabel
            top = title.geometry().bottom() if title.isVisible() else 0.0
            legend.anchor(itemPos=(0.5, 0), parentPos=(0, 0),
                          offset=(centre, top + BAND_GAP / 2))
        else:
            legend.anchor(itemPos=(0, 0.5), parentPos=(0, 0),
                          offset=(area.right() + BAND_GAP, area.center().y()))

    def leave_band(self) -> None:
        """Back into the data area, at the view's preferred corner and column count (a
        new run, another presentation scale): place_legend decides afresh."""
        if self.legend_band is None or self.legend is None:
            return
        self.legend_band = None
        self._band_fitted_for = None
        self.plotItem.layout.setRowMinimumHeight(BAND_ROW, 0)
        self.plotItem.layout.setColumnMinimumWidth(BAND_COLUMN, 0)
        self.legend.setParentItem(self.plotItem.vb)
        if self._legend_columns is not None:
            self._set_legend_columns(self._legend_columns)
        self._anchor_at(self._legend_preferred)
        self._legend_placed_at = -math.inf              # the next data_changed places now
