"""BayesPlot: a CurvePlot with what the Bayes demos draw besides curves.

- bands (shaded areas between two curves: ±1σ, ±2σ, a density filled to 0),
- bars (probability distributions over photon numbers),
- vertical marker lines with a label (λ*, ⟨n⟩, the chosen prior width),
- a ``clicked(x, y)`` signal for left clicks in the plot area (data coordinates; mouse
  panning and zooming are off in clickable plots so a click never moves the view),
- ghost curves of previous runs drawn against another history column than ``step``
  (``ghost_x``, e.g. the number of observations N),
- optional logarithmic x axis.
Every item is created once and later only fed with data; colours follow the theme.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem

from workbench.plots import FG, CurvePlot, _pen, resolve_color


@dataclass
class _Band:
    color: Any
    alpha: int
    item: QGraphicsPathItem
    sample: pg.BarGraphItem
    opaque: bool = False


@dataclass
class _Bars:
    color: Any
    alpha: int
    outline: bool
    item: pg.BarGraphItem


@dataclass
class _VLine:
    color: Any
    style: Qt.PenStyle
    item: pg.InfiniteLine


class BayesPlot(CurvePlot):
    """Curves, bands, bars and marker lines; clicks reported in data coordinates."""

    clicked = Signal(float, float)

    def __init__(self, title: str = "", x_label: str = "", y_label: str = "", *,
                 legend: str | None = "top-right", clickable: bool = False,
                 log_x: bool = False, log_y: bool = False,
                 y_range: tuple[float, float] | None = None, ghost_x: str | None = "n_obs",
                 legend_columns: int = 1, parent=None):
        super().__init__(title, x_label, y_label, log_y=log_y, legend=legend,
                         y_range=y_range, parent=parent)
        self.bands: dict[str, _Band] = {}
        self.bars: dict[str, _Bars] = {}
        self.vlines: dict[str, _VLine] = {}
        self.log_x = bool(log_x)
        self.ghost_x = ghost_x
        self.clickable = clickable
        if self.log_x:
            self.plotItem.setLogMode(x=True, y=self.log_y)
        if self.legend is not None and legend_columns > 1:
            self.legend.setColumnCount(legend_columns)
        if clickable:
            self.plotItem.setMouseEnabled(x=False, y=False)
            self.plotItem.setMenuEnabled(False)
            self.plotItem.vb.setMenuEnabled(False)
            self.plotItem.hideButtons()
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)
            self.scene().sigMouseClicked.connect(self._on_scene_click)

    def set_fast(self, *keys: str) -> None:
        """Long curves (hundreds of points, redrawn per click): flat caps and bevel joins,
        which Qt strokes about 3x faster than the round ones of the shared style."""
        self.fast_keys = set(getattr(self, "fast_keys", set())) | set(keys)
        for key in keys:
            self._style_curve(self.curves[key])

    def _style_curve(self, c) -> None:
        super()._style_curve(c)
        if c.key in getattr(self, "fast_keys", ()) and c.width > 0:
            pen = c.item.opts["pen"]
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)
            c.item.setPen(pen)

    def _set_title_text(self) -> None:
        super()._set_title_text()
        # A title longer than the plot is wide must not widen the plot beyond its widget
        # (pyqtgraph's layout would then clip the right-hand side of the plot).
        self.plotItem.titleLabel.setMinimumWidth(0)

    # ---- curves with a log x axis ----------------------------------------------------
    def _clean(self, x, y):
        x, y = super()._clean(x, y)
        if getattr(self, "log_x", False):
            keep = x > 0
            if not keep.all():
                x, y = x[keep], y[keep]
        return x, y

    def add_ghost(self, history: dict[str, np.ndarray], label: str) -> None:
        """Ghosts against ``ghost_x`` (e.g. N) instead of the step; none if it is None."""
        if self.ghost_x is None or not history or self.ghost_x not in history:
            return
        super().add_ghost({**history, "step": history[self.ghost_x]}, label)

    def set_y_top(self, top: float, headroom: float = 1.5) -> None:
        """y from just below 0 to ``headroom`` x ``top``: room for the legend above data."""
        top = float(top) if np.isfinite(top) and top > 0 else 1.0
        self.plotItem.setYRange(-0.03 * top, headroom * top, padding=0.0)

    # ---- bands ------------------------------------------------------------------------
    def add_band(self, key: str, label: str, color: Any, alpha: int = 60, z: float = -5,
                 opaque: bool = False) -> None:
        """A shaded area between two curves, drawn as one closed polygon (pyqtgraph's
        FillBetweenItem rebuilds its path in Python twice per update: ~3 ms each at 500
        points, the largest cost of a Gaussian-process frame). ``opaque``: the colour is
        mixed with the background instead of blended while painting (same look on the
        plain background, faster to fill; grid lines under it are hidden)."""
        item = QGraphicsPathItem()
        item.setZValue(z)
        self.plotItem.addItem(item)
        sample = pg.BarGraphItem(x=[0.0], height=[0.0], width=1.0, pen=None)
        band = _Band(color, alpha, item, sample, opaque)
        self.bands[key] = band
        if label and self.legend is not None:
            self.legend.addItem(sample, label)
        self._style_band(band)

    def set_band(self, key: str, x, lower, upper) -> None:
        x = np.asarray(x, dtype=float)
        lower = np.asarray(lower, dtype=float)
        upper = np.asarray(upper, dtype=float)
        ok = np.isfinite(x) & np.isfinite(lower) & np.isfinite(upper)
        if not ok.all():
            x, lower, upper = x[ok], lower[ok], upper[ok]
        if x.size < 2:
            self.bands[key].item.setPath(QPainterPath())
            return
        path = pg.arrayToQPath(np.concatenate([x, x[::-1]]),
                               np.concatenate([lower, upper[::-1]]), connect="all")
        path.closeSubpath()
        self.bands[key].item.setPath(path)

    def band_path(self, key: str) -> QPainterPath:
        return self.bands[key].item.path()

    def _style_band(self, band: _Band) -> None:
        # A faint fill on the dark background reads as no fill at all from the back of
        # a hall (the ±2σ band): dark theme fills are half as opaque again.
        alpha = band.alpha if self._theme.name != "dark" else min(255, round(1.5 * band.alpha))
        col = resolve_color(band.color, self._theme, alpha)
        if band.opaque:
            bg, a = QColor(self._theme.background), alpha / 255.0
            col = QColor.fromRgbF(a * col.redF() + (1 - a) * bg.redF(),
                                  a * col.greenF() + (1 - a) * bg.greenF(),
                                  a * col.blueF() + (1 - a) * bg.blueF(), 1.0)
        brush = pg.mkBrush(col)
        band.item.setBrush(brush)
        band.item.setPen(pg.mkPen(None))
        band.sample.setOpts(brush=brush, pen=pg.mkPen(None))

    # ---- bars -------------------------------------------------------------------------
    def add_bars(self, key: str, label: str, color: Any, width: float = 0.8,
                 alpha: int = 255, outline: bool = False, z: float = 0) -> None:
        item = pg.BarGraphItem(x=[0.0], height=[0.0], width=width)
        item.setZValue(5 + z)
        self.plotItem.addItem(item)
        bars = _Bars(color, alpha, outline, item)
        self.bars[key] = bars
        if label and self.legend is not None:
            self.legend.addItem(item, label)
        self._style_bars(bars)

    def set_bars(self, key: str, x, heights) -> None:
        x = np.asarray(x, dtype=float)
        heights = np.asarray(heights, dtype=float)
        if x.size == 0:
            x, heights = np.zeros(1), np.zeros(1)
        self.bars[key].item.setOpts(x=x, height=heights)

    def _style_bars(self, bars: _Bars) -> None:
        col = resolve_color(bars.color, self._theme, bars.alpha)
        if bars.outline:
            bars.item.setOpts(brush=pg.mkBrush(None),
                              pen=_pen(resolve_color(bars.color, self._theme), 2 * self._scale))
        else:
            bars.item.setOpts(brush=pg.mkBrush(col), pen=pg.mkPen(None))

    # ---- vertical lines -----------------------------------------------------------------
    def add_vline(self, key: str, label: str, color: Any = FG, style: str = "dash",
                  position: float = 0.92) -> None:
        pen_style = {"dash": Qt.PenStyle.DashLine, "dot": Qt.PenStyle.DotLine,
                     "solid": Qt.PenStyle.SolidLine}[style]
        item = pg.InfiniteLine(angle=90, movable=False, label=label or None,
                               labelOpts={"position": position, "anchors": [(0, 0), (0, 0)]})
        item.setZValue(15)
        item.setVisible(False)
        self.plotItem.addItem(item, ignoreBounds=True)
        line = _VLine(color, pen_style, item)
        self.vlines[key] = line
        self._style_vline(line)

    def set_vline(self, key: str, value: float | None) -> None:
        item = self.vlines[key].item
        if value is None or not np.isfinite(value) or (self.log_x and value <= 0):
            item.setVisible(False)
            return
        item.setValue(float(np.log10(value)) if self.log_x else float(value))
        item.setVisible(True)

    def _style_vline(self, line: _VLine) -> None:
        col = resolve_color(line.color, self._theme)
        pen = _pen(col, 2.0 * self._scale)
        pen.setStyle(line.style)
        line.item.setPen(pen)
        if line.item.label is not None:
            line.item.label.setColor(col)
            font = line.item.label.textItem.font()
            font.setPointSizeF(self._pt(12.0))
            line.item.label.setFont(font)

    # ---- clicks -------------------------------------------------------------------------
    def data_point(self, scene_pos) -> tuple[float, float] | None:
        """Data coordinates of a scene position inside the plot area, else None."""
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        if self.legend is not None and self.legend.isVisible() \
                and self.legend.sceneBoundingRect().contains(scene_pos):
            return None
        point = vb.mapSceneToView(scene_pos)
        x = 10.0 ** point.x() if self.log_x else point.x()
        return float(x), float(point.y())

    def _on_scene_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.data_point(event.scenePos())
        if point is None:
            return
        event.accept()
        self.clicked.emit(*point)

    # ---- housekeeping -------------------------------------------------------------------
    def reset(self) -> None:
        super().reset()
        for band in self.bands.values():
            band.item.setPath(QPainterPath())
        for bars in self.bars.values():
            bars.item.setOpts(x=np.zeros(1), height=np.zeros(1))
        for line in self.vlines.values():
            line.item.setVisible(False)

    def _restyle_items(self) -> None:
        super()._restyle_items()
        for band in getattr(self, "bands", {}).values():
            self._style_band(band)
        for bars in getattr(self, "bars", {}).values():
            self._style_bars(bars)
        for line in getattr(self, "vlines", {}).values():
            self._style_vline(line)
