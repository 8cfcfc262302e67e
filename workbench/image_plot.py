"""Plot kit, images: an image with overlay paths and markers, and mosaics of images."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers pg.exporters)
from PySide6.QtGui import QColor, QFont

from workbench.plot_style import (PALETTE, KitAxis, _set_line_data, BASE_TICK_PT, BASE_LABEL_PT,
                                  resolve_color, _pen, grey_colormap, diverging_colormap)
from workbench.plot_base import _Themed
from workbench.plot_thinning import PathThinner


# ---- images -----------------------------------------------------------------------------
@dataclass
class _Path:
    key: str
    label: str
    color: Any
    line: pg.PlotDataItem
    halo: pg.PlotDataItem
    head: pg.ScatterPlotItem
    in_legend: bool = True
    enabled: bool = True
    raw: Any = None          # the whole path (N x 2), to thin again for a new view range
    thinner: Any = None      # its PathThinner


class ImagePlot(_Themed, pg.PlotWidget):
    """A 2D array as an image with a fixed colour map and levels, plus overlays.

    Arrays are row-major: ``arr[row, col]`` with rows along y and columns along x.
    ``picture=True`` is for photos/drawings: row 0 at the top, no axes, square pixels.
    Otherwise row 0 is at the bottom (a function of (x, y) with y upwards).
    """

    def __init__(self, title: str = "", x_label: str = "", y_label: str = "",
                 colormap: pg.ColorMap | str | None = None,
                 levels: tuple[float, float] | None = None, colorbar: bool = False,
                 colorbar_label: str = "", picture: bool = False,
                 lock_aspect: bool | None = None, parent=None, legend: str | None = None):
        pg.PlotWidget.__init__(self, parent=parent,
                               axisItems={"left": KitAxis("left"), "bottom": KitAxis("bottom")})
        self._init_base(title, x_label, y_label)
        if isinstance(colormap, str):
            colormap = pg.colormap.get(colormap)
        self.colormap = colormap or grey_colormap()
        self.levels = levels
        self.picture = picture
        self._rect: tuple[float, float, float, float] | None = None
        self._shape: tuple[int, ...] | None = None
        self._user_rect: tuple[float, float, float, float] | None = None
        self._has_image = False
        pi = self.plotItem
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setColorMap(self.colormap)
        self.image_item.setAutoDownsample(False)
        pi.addItem(self.image_item)
        if picture:
            pi.invertY(True)
            pi.hideAxis("left")
            pi.hideAxis("bottom")
        pi.setAspectLocked(picture if lock_aspect is None else lock_aspect)
        pi.setMouseEnabled(x=not picture, y=not picture)
        pi.hideButtons()
        self.colorbar: pg.ColorBarItem | None = None
        if colorbar:
            self.colorbar = pg.ColorBarItem(values=levels or (0.0, 1.0), colorMap=self.colormap,
                                            interactive=False, label=colorbar_label or None,
                                            width=18)
            self.colorbar.setImageItem(self.image_item, insert_in=pi)
        self.paths: dict[str, _Path] = {}
        pi.vb.sigRangeChanged.connect(self._rethin_paths)
        pi.vb.sigResized.connect(self._rethin_paths)
        self.markers: dict[str, tuple[pg.ScatterPlotItem, dict]] = {}
        if legend:
            self._make_legend(legend)
        self._restyle()

    # -- image --------------------------------------------------------------------------
    def set_image(self, arr, levels: tuple[float, float] | None = None,
                  rect: tuple[float, float, float, float] | None = None) -> None:
        """Show ``arr`` (H x W, or H x W x 4 RGBA bytes). ``levels`` fixes the colour
        range from now on; without it the last levels stay (first call: data range).
        ``rect`` = (x0, y0, width, height) in data coordinates (default: the last rect,
        or one unit per pixel)."""
        arr = np.asarray(arr)
        if levels is not None:
            self.levels = (float(levels[0]), float(levels[1]))
        elif self.levels is None and arr.ndim == 2:
            finite = arr[np.isfinite(arr)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            self.levels = (lo, hi if hi > lo else lo + 1.0)
        if arr.ndim == 3:
            self.image_item.setImage(arr, autoLevels=False, levels=(0, 255))
        else:
            self.image_item.setImage(arr, autoLevels=False, levels=self.levels)
        if self.colorbar is not None and self.levels is not None:
            self.colorbar.setLevels(self.levels)
        first = not self._has_image
        self._has_image = True
        if rect is None:  # keep the last placement given; else one unit per pixel
            rect = self._user_rect or (0.0, 0.0, float(arr.shape[1]), float(arr.shape[0]))
        else:
            self._user_rect = tuple(float(v) for v in rect)
        rect = tuple(float(v) for v in rect)
        # setRect scales by the image's pixel count: a new shape needs it again too.
        if rect != self._rect or arr.shape[:2] != self._shape:
            self.image_item.setRect(*rect)
            self._rect, self._shape = rect, arr.shape[:2]
            first = True
        if first:
            x0, y0, w, h = rect
            self.plotItem.setRange(xRange=(x0, x0 + w), yRange=(y0, y0 + h), padding=0.0)

    def image(self) -> np.ndarray | None:
        return self.image_item.image

    def reset(self) -> None:
        """Drop the live image and overlay paths (markers stay)."""
        if self.image_item.image is not None:
            self.image_item.clear()
        self._has_image = False
        for p in self.paths.values():
            p.raw = None
            p.line.setData([], [])
            p.halo.setData([], [])
            p.head.setData([], [])
        self.legend_place_afresh()

    # -- overlays -----------------------------------------------------------------------
    def add_path(self, key: str, label: str, color: Any = None, *, width: float = 2.5,
                 legend: bool = True) -> None:
        """A trajectory (line) with a dot at its current (last) point."""
        if color is None:
            color = PALETTE[len(self.paths) % len(PALETTE)]
        # The dark halo behind each path only gives contrast: drawn without antialiasing
        # it costs half as much, and a long path's paint time is most of a frame.
        halo = pg.PlotDataItem([], [], skipFiniteCheck=True, antialias=False)
        line = pg.PlotDataItem([], [], skipFiniteCheck=True, symbol=None)
        head = pg.ScatterPlotItem([], [], symbol="o")
        z = 20 + 2 * len(self.paths)
        halo.setZValue(z)
        line.setZValue(z + 1)
        head.setZValue(60 + len(self.paths))
        for it in (halo, line, head):
            self.plotItem.addItem(it, ignoreBounds=True)
        p = _Path(key, label, color, line, halo, head, in_legend=legend)
        p.width = width  # type: ignore[attr-defined]
        self.paths[key] = p
        if legend:
            self._add_legend_entry(line, label)
        self._style_path(p)

    def set_path(self, key: str, xy) -> None:
        p = self.paths[key]
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        ok = np.isfinite(xy).all(axis=1)
        if not ok.all():
            xy = xy[ok]
        p.raw = xy
        self._draw_path(p)
        if len(xy):
            p.head.setData([xy[-1, 0]], [xy[-1, 1]])
        else:
            p.head.setData([], [])

    def _draw_path(self, p: _Path) -> None:
        """The path thinned to what the view's pixels can show (plot_thinning.PathThinner:
        an optimiser's path grows by a point per step, thousands of them in one pixel)."""
        vb = self.plotItem.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        if p.thinner is None:
            p.thinner = PathThinner()
        x, y = p.thinner.thin(p.raw[:, 0], p.raw[:, 1], (x1 - x0) / max(vb.width(), 1.0),
                              (y1 - y0) / max(vb.height(), 1.0))
        _set_line_data(p.line, x, y)
        p.halo.setData(x, y)

    def _rethin_paths(self, *_args) -> None:
        """Zoomed, panned or resized: thin the kept paths again for the new pixels."""
        for p in self.paths.values():
            if p.raw is not None and len(p.raw) > 0:
                self._draw_path(p)

    def set_path_enabled(self, key: str, enabled: bool) -> None:
        p = self.paths[key]
        if p.enabled == enabled:
            return
        p.enabled = enabled
        for it in (p.line, p.halo, p.head):
            it.setVisible(enabled)
        if self.legend is not None and p.in_legend:
            self.legend.clear()
            for q in self.paths.values():
                if q.in_legend and q.enabled:
                    self.legend.addItem(q.line, q.label)
            for item, opts in self.markers.values():
                if opts.get("label"):
                    self.legend.addItem(item, opts["label"])
            self._style_legend_labels()

    def _style_path(self, p: _Path) -> None:
        col = resolve_color(p.color, self._theme)
        w = p.width * self._scale  # type: ignore[attr-defined]
        p.line.setPen(_pen(col, w))
        halo = QColor(0, 0, 0, 110) if self._theme.name == "light" else QColor(0, 0, 0, 140)
        p.halo.setPen(_pen(halo, w + 2.5 * self._scale))
        p.head.setSize(12 * self._scale)
        p.head.setBrush(pg.mkBrush(col))
        p.head.setPen(pg.mkPen("w", width=1.8 * self._scale))

    def add_marker(self, key: str, x: float, y: float, symbol: str = "star", *,
                   color: Any = "#FFFFFF", size: float = 20, label: str = "",
                   text: str = "") -> None:
        """A fixed marker (e.g. the true minimum); calling again moves it.

        ``label`` adds a legend entry, ``text`` writes a short tag beside the marker."""
        if key not in self.markers:
            item = pg.ScatterPlotItem([], [])
            item.setZValue(80)
            self.plotItem.addItem(item, ignoreBounds=True)
            tag = None
            if text:
                tag = self._add_text(text, base_pt=13.0, color="#FFFFFF", anchor=(-0.25, 1.0))
                tag.setZValue(81)
            opts = dict(symbol=symbol, color=color, size=size, label=label, tag=tag)
            self.markers[key] = (item, opts)
            if label:
                self._add_legend_entry(item, label)
            self._style_marker(item, opts)
        item, opts = self.markers[key]
        if symbol != opts["symbol"]:
            opts["symbol"] = symbol
            self._style_marker(item, opts)
        item.setData([float(x)], [float(y)])
        if opts["tag"] is not None:
            opts["tag"].setPos(float(x), float(y))

    def _style_marker(self, item: pg.ScatterPlotItem, opts: dict) -> None:
        item.setSymbol(opts["symbol"])
        item.setSize(opts["size"] * (1.0 + 0.6 * (self._scale - 1.0)))
        item.setBrush(pg.mkBrush(pg.mkColor(opts["color"])))
        item.setPen(pg.mkPen("#000000", width=1.5 * self._scale))

    def _restyle_items(self) -> None:
        for p in self.paths.values():
            self._style_path(p)
        for item, opts in self.markers.values():
            self._style_marker(item, opts)
        if self.colorbar is not None:
            fg = QColor(self._theme.foreground)
            font = QFont()
            font.setPointSizeF(self._pt(BASE_TICK_PT - 1))
            self.colorbar.axis.setWidth(int(round(45 * (1.0 + 0.6 * (self._scale - 1.0)))))
            for key in ("left", "right", "top", "bottom"):
                ax = self.colorbar.getAxis(key)
                ax.setPen(pg.mkPen(fg))
                ax.setTextPen(fg)
                ax.setTickFont(font)
                if ax.labelText:
                    ax.setLabel(ax.labelText, **{
                        "color": self._theme.foreground,
                        "font-size": f"{self._pt(BASE_LABEL_PT):.1f}pt"})


class MosaicPlot(ImagePlot):
    """A stack of k small images (k x H x W) tiled in a grid with thin gaps.

    Every tile is normalised on its own, symmetrically around 0 (blue - white - red),
    so the pattern of each tile is visible whatever its amplitude; the amplitude goes
    into the tile caption when captions are given.
    """

    def __init__(self, title: str = "", hint: str = "", parent=None):
        super().__init__(title, colormap=diverging_colormap(), levels=(0, 255),
                         picture=True, parent=parent)
        self._hint_text = hint
        self.image_item.setLookupTable(None)  # tiles arrive as RGBA already
        self.hint = self._add_text(hint, base_pt=14.0, color="hint")
        self.hint.setPos(0.5, 0.5)
        self._captions: list[pg.TextItem] = []
        self.tile_count = 0
        self.plotItem.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)

    @staticmethod
    def tile(stack, gap: int | None = None, ncols: int | None = None
             ) -> tuple[np.ndarray, list[tuple[float, float]], int]:
        """RGBA mosaic of ``stack`` (k x H x W): (image, tile top-left corners, gap)."""
        stack = np.asarray(stack, dtype=np.float64)
        if stack.ndim == 2:
            stack = stack[None]
        k, h, w = stack.shape
        ncols = ncols or max(1, int(math.ceil(math.sqrt(k))))
        nrows = max(1, int(math.ceil(k / ncols)))
        gap = max(1, int(round(max(h, w) / 14))) if gap is None else gap
        H = nrows * h + (nrows - 1) * gap
        W = ncols * w + (ncols - 1) * gap
        out = np.zeros((H, W, 4), dtype=np.ubyte)
        cmap = diverging_colormap()
        corners = []
        for i in range(k):
            r, c = divmod(i, ncols)
            y0, x0 = r * (h + gap), c * (w + gap)
            t = np.nan_to_num(stack[i])
            m = float(np.abs(t).max())
            norm = 0.5 + 0.5 * (t / m if m > 0 else t)
            rgba = cmap.map(norm.ravel(), mode="byte").reshape(h, w, -1)
            out[y0:y0 + h, x0:x0 + w, :3] = rgba[..., :3]
            out[y0:y0 + h, x0:x0 + w, 3] = 255
            corners.append((float(x0), float(y0)))
        return out, corners, gap

    def set_tiles(self, stack, captions: list[str] | None = None) -> None:
        mosaic, corners, _ = self.tile(stack)
        self.set_image(mosaic)
        self.tile_count = len(corners)
        self.hint.setVisible(False)
        captions = list(captions or [])
        while len(self._captions) < len(captions):
            item = self._add_text("", base_pt=9.5, color="#111111", anchor=(0, 0),
                                  fill=pg.mkBrush(255, 255, 255, 170))
            item.setZValue(30)
            self._captions.append(item)
        for i, item in enumerate(self._captions):
            if i < len(captions) and i < len(corners):
                item.setText(captions[i])
                item.setPos(*corners[i])
                item.setVisible(True)
            else:
                item.setVisible(False)

    def reset(self) -> None:
        super().reset()
        self.tile_count = 0
        for item in self._captions:
            item.setVisible(False)
        self.hint.setVisible(True)
        self.hint.setPos(0.5, 0.5)
        self._rect = self._shape = None
        self.plotItem.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
