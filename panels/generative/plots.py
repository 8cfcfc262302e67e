"""Plot widgets of the generative panel (no engines, no torch).

- :class:`DensityPlot`: a 2D density (or any field) as a heatmap over a square of the
  plane, with point clouds on top; optionally paintable: left clicks and drags add points
  (``painted`` signal), e.g. the target the flow learns.
- :class:`BinaryPlot`: binary samples (strips of 1D samples, tiles of 2D ones), clamped
  units highlighted; clicks report the unit (``unit_clicked``).
- :class:`BarsPlot`: two probability tables side by side (P_data vs P_model).
- :func:`waterfall`: offsets for stacked curves (wave packets).
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor

from workbench.plots import FG, PALETTE, CurvePlot, ImagePlot, MosaicPlot, resolve_color

#: Colours of binary units: on, off, gap, clamped on, clamped off.
ON_RGB = (20, 24, 32)
OFF_RGB = (250, 250, 250)
GAP_RGB = (190, 196, 204)
CLAMP_ON_RGB = (213, 94, 0)
CLAMP_OFF_RGB = (255, 214, 170)
#: Points added around a single click on a paintable plot, and their spread.
CLICK_POINTS, CLICK_SPREAD = 12, 0.12
#: Spacing of painted points along a drag (data units).
DRAG_SPACING = 0.06


class _FlexibleTitle:
    """A title never widens its plot: on a narrow cell a long title is cut at the sides
    instead of pushing the axes out of view."""

    def _set_title_text(self) -> None:
        label = self.plotItem.titleLabel
        if not getattr(label, "_flexible", False):
            original = label.updateMin

            def update_min(label=label, original=original):
                original()            # sets the text's width as the minimum ...
                label.setMinimumWidth(0)            # ... which we drop again
                hint = label._sizeHint
                for key in (Qt.SizeHint.MinimumSize, Qt.SizeHint.PreferredSize):
                    hint[key] = (0.0, hint[key][1])
                label.updateGeometry()

            label.updateMin = update_min
            label._flexible = True
        super()._set_title_text()


class Curve(_FlexibleTitle, CurvePlot):
    """CurvePlot with a flexible title."""


class Image(_FlexibleTitle, ImagePlot):
    """ImagePlot with a flexible title."""


class Mosaic(_FlexibleTitle, MosaicPlot):
    """MosaicPlot with a flexible title."""


def density_colormap(background: str = "#FFFFFF") -> pg.ColorMap:
    """Low density in the plot's background colour (no white box in the dark theme), then
    blue: on white towards dark purple, on a dark background towards light blue, so the
    densest regions always stand out and the black/orange points read."""
    bg = QColor(background)
    low = (bg.red(), bg.green(), bg.blue())
    if bg.lightness() > 127:
        colours = [low, (158, 202, 225), (49, 130, 189), (37, 37, 110)]
    else:
        colours = [low, (35, 70, 120), (49, 130, 189), (190, 220, 245)]
    return pg.ColorMap([0.0, 0.35, 0.7, 1.0], colours, name="density")


class DensityPlot(_FlexibleTitle, ImagePlot):
    """Heatmap over [x0, x0 + w] × [y0, y0 + h] with scatter overlays (y upwards)."""

    painted = Signal(object)   # (n, 2) array of new points in data coordinates

    def __init__(self, title: str = "", colormap=None, paintable: bool = False,
                 legend: str | None = None, x_label: str = "x₁", y_label: str = "x₂",
                 colorbar: bool = False, colorbar_label: str = "", parent=None):
        self._density_colours = colormap is None     # the default map follows the theme
        super().__init__(title, x_label, y_label, colormap=colormap or density_colormap(),
                         lock_aspect=True, legend=legend, colorbar=colorbar,
                         colorbar_label=colorbar_label, parent=parent)
        self.points: dict[str, tuple[pg.ScatterPlotItem, dict]] = {}
        self.paintable = paintable
        self.painting = False
        self._last_paint: np.ndarray | None = None
        self._rng = np.random.default_rng(12345)
        self.hint = self._add_text("", base_pt=13.0, color="hint")
        self.hint.setZValue(90)
        if paintable:
            self.plotItem.setMenuEnabled(False)
            self.plotItem.vb.setMenuEnabled(False)
            self.scene().sigMouseClicked.connect(self._on_click)
            self.plotItem.vb.mouseDragEvent = self._on_drag   # drags paint, never pan
        self.plotItem.setMouseEnabled(x=False, y=False)

    def apply_theme(self, theme) -> None:
        super().apply_theme(theme)
        if self._density_colours:
            self.colormap = density_colormap(self._theme.background)
            self.image_item.setColorMap(self.colormap)
            if self.colorbar is not None:
                self.colorbar.setColorMap(self.colormap)

    # ---- overlays ---------------------------------------------------------------------
    def add_points(self, key: str, label: str, color, size: float = 4.0, alpha: int = 200,
                   symbol: str = "o", edge: str | None = None, z: float = 40) -> None:
        item = pg.ScatterPlotItem([], [], symbol=symbol)
        item.setZValue(z)
        self.plotItem.addItem(item, ignoreBounds=True)
        opts = dict(color=color, size=size, alpha=alpha, edge=edge, label=label)
        self.points[key] = (item, opts)
        if label:
            self._add_legend_entry(item, label)
        self._style_points(item, opts)

    def set_points(self, key: str, xy) -> None:
        item, _ = self.points[key]
        xy = np.asarray(xy, dtype=float).reshape(-1, 2) if xy is not None else np.empty((0, 2))
        xy = xy[np.isfinite(xy).all(axis=1)]
        item.setData(xy[:, 0], xy[:, 1])

    def _style_points(self, item, opts) -> None:
        col = resolve_color(opts["color"], self._theme, opts["alpha"])
        item.setBrush(pg.mkBrush(col))
        item.setSize(opts["size"] * math.sqrt(self._scale))
        if opts["edge"] is None:
            item.setPen(pg.mkPen(None))
        else:
            item.setPen(pg.mkPen(resolve_color(opts["edge"], self._theme, 160), width=0.6))

    def _restyle_items(self) -> None:
        super()._restyle_items()
        for item, opts in getattr(self, "points", {}).values():
            self._style_points(item, opts)

    def show_field(self, arr, rect, levels=None) -> None:
        """A field on the grid (rows along y); levels default to 0 … max (densities)."""
        arr = np.asarray(arr, dtype=float)
        if self.image_item.image is not None and self.image_item.image.shape != arr.shape:
            self._rect = None   # a new grid size: place the image on its rect again
        if levels is None:
            finite = arr[np.isfinite(arr)]
            top = float(finite.max()) if finite.size else 1.0
            levels = (0.0, top if top > 0 else 1.0)
        self.set_image(np.nan_to_num(arr, nan=levels[0]), levels=levels,
                       rect=tuple(float(v) for v in rect))

    def show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))
        vb = self.plotItem.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        self.hint.setPos((x0 + x1) / 2, (y0 + y1) / 2)

    def set_view(self, rect) -> None:
        x0, y0, w, h = (float(v) for v in rect)
        self.plotItem.setRange(xRange=(x0, x0 + w), yRange=(y0, y0 + h), padding=0.0)
        self.hint.setPos(x0 + w / 2, y0 + h / 2)

    def reset(self) -> None:
        super().reset()
        for item, _ in self.points.values():
            item.setData([], [])

    # ---- painting -----------------------------------------------------------------------
    def _to_data(self, scene_pos) -> np.ndarray | None:
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        return np.array([p.x(), p.y()])

    def _on_click(self, event) -> None:
        if not self.painting or event.button() != Qt.MouseButton.LeftButton:
            return
        point = self._to_data(event.scenePos())
        if point is None:
            return
        blob = point + CLICK_SPREAD * self._rng.standard_normal((CLICK_POINTS, 2))
        self.painted.emit(blob)
        event.accept()

    def _on_drag(self, ev, axis=None) -> None:
        if not self.painting or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        point = self.plotItem.vb.mapToView(ev.pos())
        point = np.array([point.x(), point.y()])
        if ev.isStart() or self._last_paint is None:
            start = self.plotItem.vb.mapToView(ev.buttonDownPos())
            self._last_paint = np.array([start.x(), start.y()])
        self.paint_segment(self._last_paint, point)
        self._last_paint = None if ev.isFinish() else point

    def paint_segment(self, a: np.ndarray, b: np.ndarray) -> None:
        """Points every DRAG_SPACING along the stroke a → b (with a little jitter)."""
        n = max(1, int(np.linalg.norm(b - a) / DRAG_SPACING))
        t = (np.arange(n) + 1.0) / n
        pts = a[None] + t[:, None] * (b - a)[None]
        pts = pts + 0.02 * self._rng.standard_normal(pts.shape)
        self.painted.emit(pts)

    def data_to_widget(self, x: float, y: float):
        """Widget (viewport) coordinates of a data point: for tests and tooltips."""
        scene = self.plotItem.vb.mapViewToScene(QPointF(x, y))
        return self.mapFromScene(scene)


class BinaryPlot(_FlexibleTitle, ImagePlot):
    """Binary samples: rows of a strip (1D samples) or tiles (2D samples), drawn as RGBA
    with clamped units coloured; clicks report the unit's index."""

    unit_clicked = Signal(int)

    def __init__(self, title: str = "", clickable: bool = False, parent=None):
        super().__init__(title, picture=True, parent=parent)
        self.image_item.setLookupTable(None)
        self.shape: tuple[int, int] = (1, 1)
        # k tiles, columns of tiles, unit rows, unit cols, gap, pixels per unit row
        self.layout_info: tuple[int, int, int, int, int, int] | None = None
        self.hint = self._add_text("", base_pt=13.0, color="hint")
        if clickable:
            self.plotItem.setMenuEnabled(False)
            self.plotItem.vb.setMenuEnabled(False)
            self.scene().sigMouseClicked.connect(self._on_click)

    def show_samples(self, samples, shape, clamp=None, ncols: int | None = None) -> None:
        samples = np.asarray(samples, dtype=float)
        rows, cols = int(shape[0]), int(shape[1])
        self.shape = (rows, cols)
        if samples.size == 0:
            return
        samples = samples.reshape(len(samples), rows, cols)
        k = len(samples)
        clamp_img = None if clamp is None else np.asarray(clamp, float).reshape(rows, cols)
        sy = 1
        if rows == 1:          # 1D samples: a strip, one sample per row, 3 px tall
            ncols, sy = 1, 3
        ncols = ncols or max(1, int(math.ceil(math.sqrt(k))))
        nrows = int(math.ceil(k / ncols))
        gap = 1
        th = rows * sy                   # tile height in image pixels
        H, W = nrows * th + (nrows - 1) * gap, ncols * cols + (ncols - 1) * gap
        out = np.empty((H, W, 4), np.ubyte)
        out[..., :3] = GAP_RGB
        out[..., 3] = 255
        for i in range(k):
            r, c = divmod(i, ncols)
            y0, x0 = r * (th + gap), c * (cols + gap)
            tile = np.empty((rows, cols, 3))
            v = np.clip(samples[i], 0.0, 1.0)[..., None]
            tile[:] = v * np.array(ON_RGB) + (1 - v) * np.array(OFF_RGB)
            if clamp_img is not None:
                tile[clamp_img == 1] = CLAMP_ON_RGB
                tile[clamp_img == 0] = CLAMP_OFF_RGB
            out[y0:y0 + th, x0:x0 + cols, :3] = np.repeat(tile, sy, axis=0)
        self.layout_info = (k, ncols, rows, cols, gap, sy)
        self.set_image(out, rect=(0, 0, W, H))
        self.hint.setVisible(False)

    def show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))
        self.hint.setPos(0.5, 0.5)

    def unit_at(self, x: float, y: float) -> int | None:
        """Index of the unit under image coordinates (x right, y down), any tile."""
        if self.layout_info is None:
            return None
        k, ncols, rows, cols, gap, sy = self.layout_info
        col, row = int(math.floor(x)), int(math.floor(y))
        if col < 0 or row < 0:
            return None
        tc, c = divmod(col, cols + gap)
        tr, r = divmod(row, rows * sy + gap)
        r //= sy
        if c >= cols or r >= rows or tc >= ncols or tr * ncols + tc >= k:
            return None
        return r * cols + c

    def unit_position(self, index: int, tile: int = 0) -> tuple[float, float]:
        """Image coordinates of the centre of unit ``index`` in tile ``tile``."""
        k, ncols, rows, cols, gap, sy = self.layout_info
        tr, tc = divmod(tile, ncols)
        r, c = divmod(index, cols)
        return tc * (cols + gap) + c + 0.5, tr * (rows * sy + gap) + (r + 0.5) * sy

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        p = vb.mapSceneToView(event.scenePos())
        unit = self.unit_at(p.x(), p.y())
        if unit is not None:
            self.unit_clicked.emit(unit)
            event.accept()

    def data_to_widget(self, x: float, y: float):
        scene = self.plotItem.vb.mapViewToScene(QPointF(x, y))
        return self.mapFromScene(scene)

    def reset(self) -> None:
        super().reset()
        self.layout_info = None


class BarsPlot(_FlexibleTitle, CurvePlot):
    """P_model (bars) and P_data (a step line) for each data pattern."""

    def __init__(self, title: str, x_label: str, y_label: str, parent=None):
        super().__init__(title, x_label, y_label, legend=None, parent=parent)
        self.model_bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.plotItem.addItem(self.model_bars)
        self.data_line = pg.PlotDataItem([], [], stepMode="center")
        self.data_line.setZValue(20)
        self.plotItem.addItem(self.data_line)
        self.hint = self._add_text("", base_pt=13.0, color="hint")
        self._style_bars()

    def set_bars(self, p_data, p_model) -> None:
        p_data, p_model = np.asarray(p_data, float), np.asarray(p_model, float)
        x = np.arange(len(p_data), dtype=float)
        self.model_bars.setOpts(x=x, height=p_model, width=0.8)
        self.data_line.setData(np.arange(len(p_data) + 1) - 0.5, p_data)
        self.hint.setVisible(False)
        top = max(float(p_data.max(initial=0)), float(p_model.max(initial=0)), 1e-9)
        self.plotItem.setYRange(0, top * 1.15, padding=0)
        self.plotItem.setXRange(-0.8, len(x) - 0.2, padding=0)

    def show_hint(self, text: str) -> None:
        self.model_bars.setOpts(x=[], height=[])
        self.data_line.setData([], [])
        self.hint.setText(text)
        self.hint.setVisible(bool(text))
        (x0, x1), (y0, y1) = self.plotItem.vb.viewRange()
        self.hint.setPos((x0 + x1) / 2, (y0 + y1) / 2)

    def _style_bars(self) -> None:
        if not hasattr(self, "model_bars"):
            return
        self.model_bars.setOpts(brush=pg.mkBrush(resolve_color(PALETTE[0], self._theme, 190)),
                                pen=pg.mkPen(None))
        self.data_line.setPen(pg.mkPen(resolve_color(FG, self._theme),
                                       width=2.0 * self._scale))

    def _restyle_items(self) -> None:
        super()._restyle_items()
        self._style_bars()

    def reset(self) -> None:
        super().reset()
        self.model_bars.setOpts(x=[], height=[])
        self.data_line.setData([], [])


def waterfall(curves, spacing: float) -> list[np.ndarray]:
    """Curves shifted down by ``spacing`` each (the first on top)."""
    curves = np.asarray(curves, dtype=float)
    return [c - i * spacing for i, c in enumerate(curves)]


def grey_tiles(stack, shape, ncols: int | None = None, gap: int = 1) -> np.ndarray:
    """RGBA mosaic of grey images (values 0 … 1, ink dark on white)."""
    stack = np.clip(np.asarray(stack, float), 0.0, 1.0)
    h, w = int(shape[0]), int(shape[1])
    stack = stack.reshape(len(stack), h, w)
    k = len(stack)
    ncols = ncols or max(1, int(math.ceil(math.sqrt(k))))
    nrows = max(1, int(math.ceil(k / ncols)))
    H, W = nrows * h + (nrows - 1) * gap, ncols * w + (ncols - 1) * gap
    out = np.empty((H, W, 4), np.ubyte)
    out[..., :3] = GAP_RGB
    out[..., 3] = 255
    for i in range(k):
        r, c = divmod(i, ncols)
        y0, x0 = r * (h + gap), c * (w + gap)
        v = stack[i][..., None]
        out[y0:y0 + h, x0:x0 + w, :3] = (v * np.array(ON_RGB) + (1 - v) * np.array(OFF_RGB))
    return out
