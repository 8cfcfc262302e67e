"""Plot widgets of the likelihood-ratio panel (no engines, no torch).

- :class:`Curve`: a CurvePlot whose long title never widens the plot, with extra
  scatter items (per-point sizes and colours) and shaded x intervals (the bulk region).
- :class:`Image`: an ImagePlot with a flexible title and scatter overlays.
- Both can be *paintable*: a left click or drag reports points for p, the right button
  points for q (``painted(points, which)``, data coordinates; in 1-d the x values).
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from workbench.plots import CurvePlot, ImagePlot, resolve_color

#: Points of one click (a small blob) and their spread as a fraction of the plotted width.
CLICK_POINTS, CLICK_SPREAD = 8, 0.015
#: Spacing of painted points along a drag, as a fraction of the plotted width.
DRAG_SPACING = 0.012
#: Shaded intervals available per plot (created once).
MAX_REGIONS = 6


class _FlexibleTitle:
    """A title never widens its plot (a long title is cut instead of pushing the axes)."""

    def _set_title_text(self) -> None:
        label = self.plotItem.titleLabel
        if not getattr(label, "_flexible", False):
            original = label.updateMin

            def update_min(label=label, original=original):
                original()                          # sets the text's width as minimum ...
                label.setMinimumWidth(0)            # ... which we drop again
                hint = label._sizeHint
                for key in (Qt.SizeHint.MinimumSize, Qt.SizeHint.PreferredSize):
                    hint[key] = (0.0, hint[key][1])
                label.updateGeometry()

            label.updateMin = update_min
            label._flexible = True
        super()._set_title_text()


class _Painting:
    """Left button: points for p, right button: points for q (click = blob, drag = line)."""

    painted = Signal(object, str)

    def _init_painting(self, one_d: bool) -> None:
        self.one_d = one_d
        self.painting = False
        self._last: np.ndarray | None = None
        self._rng = np.random.default_rng(2024)
        pi = self.plotItem
        pi.setMenuEnabled(False)
        pi.vb.setMenuEnabled(False)
        pi.hideButtons()
        pi.setMouseEnabled(x=False, y=False)
        self.scene().sigMouseClicked.connect(self._on_click)
        pi.vb.mouseDragEvent = self._on_drag

    @staticmethod
    def _which(button) -> str | None:
        if button == Qt.MouseButton.LeftButton:
            return "p"
        if button == Qt.MouseButton.RightButton:
            return "q"
        return None

    def _width(self) -> float:
        (x0, x1), _ = self.plotItem.vb.viewRange()
        return max(1e-9, x1 - x0)

    def _emit(self, pts: np.ndarray, which: str) -> None:
        pts = np.asarray(pts, dtype=float).reshape(-1, 2)
        self.painted.emit(pts[:, 0].copy() if self.one_d else pts, which)

    def _on_click(self, event) -> None:
        which = self._which(event.button())
        if not self.painting or which is None:
            return
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        p = vb.mapSceneToView(event.scenePos())
        spread = CLICK_SPREAD * self._width()
        noise = self._rng.standard_normal((CLICK_POINTS, 2))
        if self.one_d:
            noise[:, 1] = 0.0
        self._emit(np.array([p.x(), p.y()]) + spread * noise, which)
        event.accept()

    def _on_drag(self, ev, axis=None) -> None:
        which = self._which(ev.button())
        if not self.painting or which is None:
            ev.ignore()
            return
        ev.accept()
        vb = self.plotItem.vb
        here = vb.mapToView(ev.pos())
        here = np.array([here.x(), here.y()])
        if ev.isStart() or self._last is None:
            start = vb.mapToView(ev.buttonDownPos())
            self._last = np.array([start.x(), start.y()])
        a, b = self._last, here
        step = DRAG_SPACING * self._width()
        n = max(1, int(np.linalg.norm(b - a) / step))
        t = (np.arange(n) + 1.0) / n
        self._emit(a[None] + t[:, None] * (b - a)[None], which)
        self._last = None if ev.isFinish() else here

    def data_to_widget(self, x: float, y: float):
        """Viewport coordinates of a data point (for tests)."""
        from PySide6.QtCore import QPointF

        scene = self.plotItem.vb.mapViewToScene(QPointF(float(x), float(y)))
        return self.mapFromScene(scene)


class _Scatter:
    """Scatter items with per-point sizes and brushes, created once."""

    def add_scatter(self, key: str, label: str, color, size: float = 6.0,
                    alpha: int = 200, z: float = 30) -> pg.ScatterPlotItem:
        if not hasattr(self, "scatters"):
            self.scatters = {}
        item = pg.ScatterPlotItem([], [], symbol="o", pxMode=True)
        item.setZValue(z)
        self.plotItem.addItem(item)
        self.scatters[key] = (item, dict(color=color, size=size, alpha=alpha))
        if label:
            self._add_legend_entry(item, label)
        self._style_scatter(item, self.scatters[key][1])
        return item

    def set_scatter(self, key: str, x, y, sizes=None) -> None:
        item, opts = self.scatters[key]
        x = np.asarray(x, dtype=float).ravel()
        y = np.asarray(y, dtype=float).ravel()
        ok = np.isfinite(x) & np.isfinite(y)
        if sizes is None:
            item.setData(x[ok], y[ok])
        else:
            sizes = np.asarray(sizes, dtype=float).ravel()[ok] * math.sqrt(self._scale)
            item.setData(x[ok], y[ok], size=sizes)

    def _style_scatter(self, item, opts) -> None:
        col = resolve_color(opts["color"], self._theme, opts["alpha"])
        item.setBrush(pg.mkBrush(col))
        item.setPen(pg.mkPen(None))
        item.setSize(opts["size"] * math.sqrt(self._scale))

    def _restyle_scatters(self) -> None:
        for item, opts in getattr(self, "scatters", {}).values():
            self._style_scatter(item, opts)


class Curve(_FlexibleTitle, _Scatter, CurvePlot):
    """CurvePlot with scatter items and shaded x intervals."""

    def add_regions(self, label: str, color, alpha: int = 40) -> None:
        """MAX_REGIONS shaded vertical bands (hidden until set_regions)."""
        self.regions = []
        self._region_style = (color, alpha)
        for _ in range(MAX_REGIONS):
            item = pg.LinearRegionItem(values=(0, 1), movable=False)
            item.setZValue(-20)
            for line in item.lines:
                line.setPen(pg.mkPen(None))
            item.setVisible(False)
            self.plotItem.addItem(item, ignoreBounds=True)
            self.regions.append(item)
        # the legend shows a filled square (a LinearRegionItem cannot be a legend sample)
        self._region_sample = pg.BarGraphItem(x=[0.0], height=[0.0], width=1.0)
        if label:
            self._add_legend_entry(self._region_sample, label)
        self._style_regions()

    def set_regions(self, x: np.ndarray, inside: np.ndarray) -> None:
        """Shade the runs of consecutive x where ``inside`` is true."""
        inside = np.asarray(inside) > 0.5
        x = np.asarray(x, dtype=float)
        h = 0.5 * (x[1] - x[0]) if x.size > 1 else 0.0
        edges = np.flatnonzero(np.diff(np.concatenate([[0], inside.astype(int), [0]])))
        spans = list(zip(edges[::2], edges[1::2]))[:MAX_REGIONS]
        for i, item in enumerate(self.regions):
            if i < len(spans):
                a, b = spans[i]
                item.setRegion((x[a] - h, x[b - 1] + h))
                item.setVisible(True)
            else:
                item.setVisible(False)

    def _style_regions(self) -> None:
        color, alpha = self._region_style
        brush = pg.mkBrush(resolve_color(color, self._theme, alpha))
        for item in self.regions:
            item.setBrush(brush)
            item.update()
        self._region_sample.setOpts(brush=brush, pen=pg.mkPen(None))

    def _restyle_items(self) -> None:
        super()._restyle_items()
        self._restyle_scatters()
        if hasattr(self, "regions"):
            self._style_regions()


class PaintCurve(_Painting, Curve):
    """A 1-d density plot you can paint on (x of the clicks)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_painting(one_d=True)


class Image(_FlexibleTitle, _Scatter, ImagePlot):
    """ImagePlot with a flexible title and scatter overlays."""

    def _restyle_items(self) -> None:
        super()._restyle_items()
        self._restyle_scatters()

    def show_field(self, arr, rect4, levels) -> None:
        """``arr`` on the square rect4 = [x_lo, x_hi, y_lo, y_hi] (rows along y)."""
        x0, x1, y0, y1 = (float(v) for v in rect4)
        arr = np.asarray(arr, dtype=float)
        self.set_image(np.nan_to_num(arr, nan=levels[0], posinf=levels[1],
                                     neginf=levels[0]),
                       levels=levels, rect=(x0, y0, x1 - x0, y1 - y0))


class PaintImage(_Painting, Image):
    """A 2-d density image you can paint on ((x, y) of the clicks)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_painting(one_d=False)
