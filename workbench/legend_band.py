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
#: A legend in a band is drawn down to this fraction of its size to fit.
BAND_MIN_FIT = 0.75
#: Gap between the data area and a legend in a band (pixels).
BAND_GAP = 4


class LegendBandMixin:
    def _init_band(self) -> None:
        self.legend_band: str | None = None            # ABOVE, BESIDE or None (inside)
        self._band_fitted_for: tuple | None = None     # the sizes the band was laid out for

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
        to BAND_MIN_FIT, where no column count fits at full size. Returns whether it
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
        if self._legend_columns is None:
            self._legend_columns = legend.columnCount
        if self._legend_fit != 1.0:
            self._legend_fit = 1.0
            self._style_legend_labels()
        self._set_legend_columns(self._band_columns(side, width, height))
        for _ in range(6):
            shrink = min(width / legend.width(), height / max(legend.height(), 1.0))
            if shrink >= 1.0:
                break
            fit = max(BAND_MIN_FIT, 0.98 * self._legend_fit * shrink)
            if abs(fit - self._legend_fit) < 0.01:
                break
            self._legend_fit = fit
            self._style_legend_labels()
        if legend.width() > width + 0.5 or legend.height() > height + 0.5:
            if self.legend_band == side:
                self.leave_band()
            return False
        if self.legend_band != side:
            return True                                # measured only
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

    def _band_columns(self, side: str, width: float, height: float) -> int:
        """The column count that lets the legend fit ``width`` x ``height`` at the largest
        size: above, the most columns that fit at full size (fewest rows); beside, the
        fewest. Otherwise the size each count needs is interpolated between full size and
        BAND_MIN_FIT (rows shrink far less than text: a legend entry is never lower than
        pyqtgraph's 20 px sample)."""
        legend = self.legend
        entries = max(1, len(legend.items))
        order = range(entries, 0, -1) if side == ABOVE else range(1, entries + 1)
        best, best_fit = next(iter(order)), -1.0
        for columns in order:
            self._set_legend_columns(columns)
            full = (legend.width(), legend.height())
            if full[0] <= width and full[1] <= height:
                return columns
            self._legend_fit = BAND_MIN_FIT
            self._style_legend_labels()
            small = (legend.width(), legend.height())
            self._legend_fit = 1.0
            self._style_legend_labels()
            fit = 1.0
            for limit, big, least in ((width, full[0], small[0]), (height, full[1], small[1])):
                if big > limit:
                    if least > limit:
                        fit = -1.0                      # not even at the smallest size
                        break
                    fit = min(fit, 1.0 - (1.0 - BAND_MIN_FIT) * (big - limit) / (big - least))
            if fit > best_fit:
                best, best_fit = columns, fit
        return best

    def _enter_band(self, side: str) -> None:
        """Data fill every place inside the data area (or the legend is wider than it):
        the legend moves out of the view box into the band on ``side``. It stays there
        until the run is reset or the presentation scale changes (leave_band): a legend
        that came and went with the data would make the plot jump."""
        self.legend_band = self.legend_corner = side
        self.legend.setParentItem(self.plotItem)
        self._fit_band(side)

    def _anchor_in_band(self) -> None:
        """Above: centred over the data area, never beyond the plot's edges. Beside:
        centred on the data area's height, just right of it."""
        legend, plot = self.legend, self.plotItem
        area = plot.vb.geometry()                      # in the plot item's coordinates
        if self.legend_band == ABOVE:
            half = legend.width() / 2 + BAND_GAP      # keep its frame off the plot's edges
            centre = min(max(area.center().x(), half), max(half, plot.width() - half))
            legend.anchor(itemPos=(0.5, 1), parentPos=(0, 0),
                          offset=(centre, area.top() - BAND_GAP / 2))
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
