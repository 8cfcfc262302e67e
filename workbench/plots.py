"""Plot kit shared by every panel: live curves with ghosts, images with overlays, mosaics.

pyqtgraph practice followed throughout: every plot item is created once and later only
fed with ``setData`` / ``setImage`` (no ``clear()`` and rebuild per frame); line curves
use ``clipToView`` + ``autoDownsample``; images use fixed colour maps and fixed levels
so that colours keep their meaning while a run goes on.

Themes are ``"light"`` or ``"dark"`` (or any object with a ``name`` attribute holding one
of these). ``set_line_scale(f)`` scales pen widths and fonts for presentation mode.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers pg.exporters)
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont


# ---- colours ----------------------------------------------------------------------------
#: Okabe-Ito based palette (colour-blind safe), ordered for contrast on white and dark.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#8C564B",  # brown
    "#7F7F7F",  # grey
)
#: Colours of ghost runs (previous runs), drawn faded and dashed.
GHOST_PALETTE: tuple[str, ...] = (
    "#9A9A9A", "#B07AA1", "#9C755F", "#76B7B2", "#EDC948", "#FF9DA7", "#59A14F", "#4E79A7",
)
GHOST_ALPHA = 150
MAX_GHOSTS = 8
#: Dash patterns (in pen widths) that tell a ghost run's columns apart.
GHOST_DASHES: tuple[list[float], ...] = ([5, 3], [1.5, 2.5], [7, 3, 1.5, 3], [3, 2])

FG = "fg"  # colour name meaning "the theme's foreground colour"


# Lines with more points than this are drawn without antialiasing. Qt strokes a wide
# antialiased polyline ~5x slower (a 1200-point, 2.5 px loss curve: 68 ms vs 13 ms per
# frame); on long noisy curves the difference is invisible, on smooth short ones it is not.
ANTIALIAS_MAX_POINTS = 400


def _set_line_data(item: pg.PlotDataItem, x, y) -> None:
    smooth = len(x) <= ANTIALIAS_MAX_POINTS
    if item.opts.get("antialias") != smooth:
        item.opts["antialias"] = smooth
        item.curve.opts["antialias"] = smooth
    item.setData(x, y)


# Curves are thinned to about this many samples per pixel ("peak" keeps each bin's
# min and max, so noise envelopes survive). pyqtgraph's default of 5 left long noisy
# loss curves at 30-60 ms of painting per frame.
DOWNSAMPLE_FACTOR = 1.0


@dataclass(frozen=True)
class ThemeColors:
    name: str
    background: str
    foreground: str
    muted: str
    grid_alpha: float
    legend_bg: tuple[int, int, int, int]
    legend_border: str
    hint: str


THEMES: dict[str, ThemeColors] = {
    "light": ThemeColors("light", "#FFFFFF", "#1A1A1A", "#6B6B6B", 0.22,
                         (255, 255, 255, 215), "#B0B0B0", "#808080"),
    "dark": ThemeColors("dark", "#1E1F22", "#E8E8E8", "#A0A0A0", 0.18,
                        (30, 31, 34, 215), "#5A5A5A", "#9A9A9A"),
}

BASE_TICK_PT = 11.0
BASE_LABEL_PT = 12.0
BASE_TITLE_PT = 13.5
BASE_LEGEND_PT = 11.0


def theme_colors(theme: Any) -> ThemeColors:
    name = getattr(theme, "name", theme)
    name = str(name).lower() if name else "light"
    return THEMES.get(name, THEMES["dark" if "dark" in name else "light"])


def resolve_color(color: Any, theme: ThemeColors, alpha: int | None = None) -> QColor:
    """A QColor for ``color`` in ``theme``: ``"fg"`` is the foreground; on dark
    backgrounds dark palette colours are lightened so they stay readable."""
    if color == FG or color is None:
        c = QColor(theme.foreground)
    else:
        c = pg.mkColor(color)
    if theme.name == "dark" and color not in (FG, None):
        lum = 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF()
        if lum < 0.45:
            mix = 0.3
            c = QColor.fromRgbF(c.redF() + (1 - c.redF()) * mix,
                                c.greenF() + (1 - c.greenF()) * mix,
                                c.blueF() + (1 - c.blueF()) * mix, c.alphaF())
    if alpha is not None:
        c.setAlpha(alpha)
    return c


_DASH_STYLES = {
    "solid": None,
    "dash": [6, 3.5],
    "dot": [1.2, 2.5],
    "dashdot": [6, 3, 1.2, 3],
}


def _flatten(color: QColor, theme: ThemeColors) -> QColor:
    """The opaque colour a translucent ``color`` shows on the plot background."""
    a = color.alphaF()
    if a >= 1.0:
        return color
    bg = QColor(theme.background)
    return QColor.fromRgbF(*(a * getattr(color, ch)() + (1 - a) * getattr(bg, ch)()
                             for ch in ("redF", "greenF", "blueF")))


def _pen(color: QColor, width: float, dash: Any = None, cosmetic: bool = True):
    pen = pg.mkPen(color=color, width=width)
    pen.setCosmetic(cosmetic)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap if dash is None else Qt.PenCapStyle.FlatCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if dash is not None:
        pen.setDashPattern(list(dash))
    return pen


def grey_colormap() -> pg.ColorMap:
    return pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)], name="grey")


def diverging_colormap() -> pg.ColorMap:
    """Blue - white - red; 0 (the middle) is white."""
    return pg.ColorMap([0.0, 0.25, 0.5, 0.75, 1.0],
                       [(33, 102, 172), (146, 197, 222), (247, 247, 247),
                        (244, 165, 130), (178, 24, 43)], name="diverging")


def landscape_colormap() -> pg.ColorMap:
    """Sequential map for loss landscapes: dark valleys, light high ground."""
    return pg.colormap.get("viridis")


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


class LogAxis(pg.AxisItem):
    """Axis whose log-mode labels do not crowd: decades always, 2 and 5 on short
    ranges, every minor tick only on very short ranges; 10⁻⁵ style far from 1."""

    def logTickStrings(self, values, scale, spacing):
        lo, hi = sorted(self.range) if self.range else (0.0, 1.0)
        span = hi - lo
        out = []
        for v in values:
            v = float(v)
            k = math.floor(v + 1e-9)
            mant = 10 ** (v - k)
            decade = abs(v - round(v)) < 1e-6
            if decade:
                k = int(round(v))
                out.append(f"{10.0 ** k:g}" if -3 <= k <= 3 else
                           "10" + str(k).translate(_SUPERSCRIPT))
            elif (span < 1.6 and round(mant) in (2, 5)) or span < 0.6:
                out.append(f"{10.0 ** v:.3g}")
            else:
                out.append("")
        return out


# ---- shared base ------------------------------------------------------------------------
class _Themed:
    """Theme, presentation scale and export for a pg.PlotWidget subclass."""

    plotItem: pg.PlotItem

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
        self.legend: pg.LegendItem | None = None

    def _make_legend(self, corner: str = "top-right") -> pg.LegendItem:
        offsets = {"top-right": (-8, 8), "top-left": (8, 8),
                   "bottom-right": (-8, -8), "bottom-left": (8, -8)}
        self.legend = self.plotItem.addLegend(offset=offsets.get(corner, (-8, 8)),
                                              verSpacing=-4, labelTextSize=f"{BASE_LEGEND_PT}pt")
        return self.legend

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
        self._scale = float(min(4.0, max(0.3, f)))
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
        label_css = {"color": t.foreground, "font-size": f"{self._pt(BASE_LABEL_PT):.1f}pt"}
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

    def _style_legend_labels(self) -> None:
        """Colour and size of the legend's labels (LabelItem.setAttr alone does not
        re-render existing text, so every label's text is set again)."""
        if self.legend is None:
            return
        color = QColor(self._theme.foreground)
        size = f"{self._pt(BASE_LEGEND_PT):.1f}pt"
        self.legend.opts["labelTextColor"] = color
        self.legend.opts["labelTextSize"] = size
        for _, label in self.legend.items:
            label.setText(label.text, color=color, size=size)
        self.legend.updateSize()

    def _set_title_text(self) -> None:
        if self._title:
            self.plotItem.setTitle(self._title, color=self._theme.foreground,
                                   size=f"{self._pt(BASE_TITLE_PT):.1f}pt", bold=True)
        else:
            self.plotItem.setTitle(None)

    def set_title(self, title: str) -> None:
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
        try:
            exporter.export(str(path))
        except ValueError:
            if suffix != ".svg":
                raise
            # pyqtgraph 0.14's SVGExporter cannot parse the closed paths ("... Z") that
            # newer Qt versions emit (pyqtgraph issue #3495): let Qt write the SVG itself.
            self._export_svg_qt(path)
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


# ---- curves -----------------------------------------------------------------------------
@dataclass
class _Curve:
    key: str
    label: str
    color: Any
    width: float
    dash: Any
    symbol: str | None
    symbol_size: float
    alpha: int | None
    item: pg.PlotDataItem
    in_legend: bool = True
    enabled: bool = True


@dataclass
class _Ghost:
    label: str
    color: str
    items: dict[str, pg.PlotDataItem] = field(default_factory=dict)
    legend_item: pg.PlotDataItem | None = None


class CurvePlot(_Themed, pg.PlotWidget):
    """Live curves over steps (or any x) plus faded ghost copies of previous runs."""

    def __init__(self, title: str = "", x_label: str = "", y_label: str = "",
                 log_y: bool = False, parent=None, *, legend: str | None = "top-right",
                 y_range: tuple[float, float] | None = None):
        pg.PlotWidget.__init__(self, parent=parent,
                               axisItems={"left": LogAxis("left"), "bottom": LogAxis("bottom")})
        self._init_base(title, x_label, y_label)
        self.log_y = bool(log_y)
        self.curves: dict[str, _Curve] = {}
        self.ghosts: list[_Ghost] = []
        self._ghosts_visible = True
        self._ghost_counter = 0
        pi = self.plotItem
        pi.showGrid(x=True, y=True, alpha=self._theme.grid_alpha)
        pi.setLogMode(x=False, y=self.log_y)
        if y_range is not None:
            pi.setYRange(*y_range, padding=0.04)
            pi.enableAutoRange(axis="y", enable=False)
        if legend:
            self._make_legend(legend)
        self._restyle()

    # -- live curves --------------------------------------------------------------------
    def add_curve(self, key: str, label: str, color: Any = None, *, width: float = 2.5,
                  style: str = "solid", symbol: str | None = None, symbol_size: float = 7,
                  alpha: int | None = None, legend: bool = True, z: float = 0
                  ) -> pg.PlotDataItem:
        """Create a live curve for a history column or array ``key``.

        ``symbol`` set and ``width`` 0 gives a scatter plot. ``color`` may be a palette
        colour, any pg colour or ``"fg"`` (theme foreground)."""
        if key in self.curves:
            raise ValueError(f"curve {key!r} exists already")
        if color is None:
            color = PALETTE[len(self.curves) % len(PALETTE)]
        lines = width > 0
        item = pg.PlotDataItem(
            [], [], name=None, clipToView=lines, autoDownsample=lines,
            autoDownsampleFactor=DOWNSAMPLE_FACTOR, downsampleMethod="peak",
            skipFiniteCheck=True)
        item.setZValue(10 + z)
        curve = _Curve(key, label, color, width, _DASH_STYLES.get(style, style), symbol,
                       symbol_size, alpha, item, in_legend=legend)
        self.curves[key] = curve
        self.plotItem.addItem(item)
        if legend and self.legend is not None:
            self.legend.addItem(item, label)
        self._style_curve(curve)
        return item

    def curve(self, key: str) -> pg.PlotDataItem:
        return self.curves[key].item

    def _style_curve(self, c: _Curve) -> None:
        col = resolve_color(c.color, self._theme, c.alpha)
        if c.width > 0:
            # A faded line is drawn opaque in the faded colour: alpha blending a long
            # noisy line cost 4x the paint time (30 vs 7 ms for 3000 points).
            c.item.setPen(_pen(_flatten(col, self._theme), c.width * self._scale, c.dash))
        else:
            c.item.setPen(None)
        if c.symbol is not None:
            edge = QColor(self._theme.background)
            edge.setAlpha(col.alpha())
            c.item.setSymbol(c.symbol)
            c.item.setSymbolSize(c.symbol_size * math.sqrt(self._scale) * 1.0)
            c.item.setSymbolBrush(pg.mkBrush(col))
            c.item.setSymbolPen(pg.mkPen(edge, width=0.8))

    def _clean(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        n = min(len(x), len(y))
        x, y = x[:n], y[:n]
        ok = np.isfinite(x) & np.isfinite(y)
        if self.log_y:
            ok &= y > 0
        if not ok.all():
            x, y = x[ok], y[ok]
        return x, y

    def set_curve(self, key: str, x, y) -> None:
        x, y = self._clean(x, y)
        _set_line_data(self.curves[key].item, x, y)

    def set_curve_enabled(self, key: str, enabled: bool) -> None:
        """Show or hide a live curve together with its legend entry."""
        c = self.curves[key]
        if c.enabled == enabled:
            return
        c.enabled = enabled
        c.item.setVisible(enabled)
        if self.legend is not None and c.in_legend:
            if enabled:
                self._rebuild_legend()
            else:
                self.legend.removeItem(c.item)

    def _rebuild_legend(self) -> None:
        """Re-add legend entries in creation order (only when curves are switched)."""
        if self.legend is None:
            return
        self.legend.clear()
        for c in self.curves.values():
            if c.in_legend and c.enabled:
                self.legend.addItem(c.item, c.label)
        for g in self.ghosts:
            if g.legend_item is not None and self._ghosts_visible:
                self.legend.addItem(g.legend_item, g.label)
        self._restyle_legend_labels()

    def _restyle_legend_labels(self) -> None:
        self._style_legend_labels()

    def show_history(self, history: dict[str, np.ndarray]) -> None:
        """Set every live curve whose key is a column of ``history`` (x = history['step'])."""
        if not history or "step" not in history:
            return
        steps = history["step"]
        for key, c in self.curves.items():
            if key in history:
                x, y = self._clean(steps, history[key])
                _set_line_data(c.item, x, y)

    def reset(self) -> None:
        """Forget the live run's data; ghosts stay."""
        for c in self.curves.values():
            c.item.setData([], [])

    # -- ghosts -------------------------------------------------------------------------
    def add_ghost(self, history: dict[str, np.ndarray], label: str) -> None:
        """Keep ``history`` as faded dashed copies of the live curves' columns."""
        if not history or "step" not in history:
            return
        keys = [k for k, c in self.curves.items() if k in history and c.width > 0]
        if not keys:
            return
        while len(self.ghosts) >= MAX_GHOSTS:
            self._remove_ghost(self.ghosts[0])
        color = GHOST_PALETTE[self._ghost_counter % len(GHOST_PALETTE)]
        self._ghost_counter += 1
        ghost = _Ghost(label, color)
        for i, key in enumerate(keys):
            x, y = self._clean(history["step"], history[key])
            item = pg.PlotDataItem([], [], clipToView=True, autoDownsample=True,
                                   autoDownsampleFactor=DOWNSAMPLE_FACTOR,
                                   downsampleMethod="peak", skipFiniteCheck=True)
            item.setZValue(1)
            item.setVisible(self._ghosts_visible)
            item._ghost_dash = GHOST_DASHES[i % len(GHOST_DASHES)]  # type: ignore[attr-defined]
            self.plotItem.addItem(item)
            _set_line_data(item, x, y)  # after addItem: clipToView needs the view box
            ghost.items[key] = item
        ghost.legend_item = next(iter(ghost.items.values()))
        self.ghosts.append(ghost)
        self._style_ghost(ghost)
        if self.legend is not None and self._ghosts_visible:
            self.legend.addItem(ghost.legend_item, label)
            self._restyle_legend_labels()

    def _style_ghost(self, g: _Ghost) -> None:
        col = resolve_color(g.color, self._theme, GHOST_ALPHA)
        width = max(1.0, 1.6 * self._scale)
        for item in g.items.values():
            item.setPen(_pen(col, width, item._ghost_dash))

    def _remove_ghost(self, g: _Ghost) -> None:
        for item in g.items.values():
            if self.legend is not None:
                self.legend.removeItem(item)
            self.plotItem.removeItem(item)
        self.ghosts.remove(g)

    def set_ghosts_visible(self, visible: bool) -> None:
        visible = bool(visible)
        if visible == self._ghosts_visible:
            return
        self._ghosts_visible = visible
        for g in self.ghosts:
            for item in g.items.values():
                item.setVisible(visible)
        self._rebuild_legend()

    @property
    def ghosts_visible(self) -> bool:
        return self._ghosts_visible

    def clear_ghosts(self) -> None:
        for g in list(self.ghosts):
            self._remove_ghost(g)

    # -- styling ------------------------------------------------------------------------
    def _restyle_items(self) -> None:
        self.plotItem.showGrid(x=True, y=True, alpha=self._theme.grid_alpha)
        for c in self.curves.values():
            self._style_curve(c)
        for g in self.ghosts:
            self._style_ghost(g)


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
        pg.PlotWidget.__init__(self, parent=parent)
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
            p.line.setData([], [])
            p.halo.setData([], [])
            p.head.setData([], [])

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
        _set_line_data(p.line, xy[:, 0], xy[:, 1])
        p.halo.setData(xy[:, 0], xy[:, 1])
        if len(xy):
            p.head.setData([xy[-1, 0]], [xy[-1, 1]])
        else:
            p.head.setData([], [])

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
