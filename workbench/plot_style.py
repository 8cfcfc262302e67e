"""Plot kit, style: palette, theme colours, pens, shared brushes, colour maps, the axis."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers pg.exporters)
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetricsF


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
# At 400, four 390-point loss curves (nn-basics/landscape) held the GUI 43 ms (p99); at
# 250, 15 ms.
ANTIALIAS_MAX_POINTS = 250


# Scatter markers are rendered once per (symbol, size, pen, brush) *object*: pyqtgraph's
# symbol atlas keys them by the pen's and brush's identity. A view that made new brushes
# every frame (one per point) rendered every marker again each frame (active/pool: 220
# renders a frame, GUI p99 49-66 ms). These give the same object for the same colour.
@functools.lru_cache(maxsize=8192)
def shared_brush(r: int, g: int, b: int, a: int = 255) -> Any:
    return pg.mkBrush(r, g, b, a)


@functools.lru_cache(maxsize=512)
def shared_pen(color: Any = None, width: float = 1.0) -> Any:
    """A cosmetic pen (``color`` None: no outline); ``color`` a name or an RGBA tuple."""
    if color is None:
        return pg.mkPen(None)
    return pg.mkPen(color, width=width)


def shared_brushes(rgba: Any, alpha: int | None = None) -> list:
    """One shared brush per row of an (N, 3 or 4) byte colour array, the channels rounded
    to multiples of 4 (invisible, and a continuous colour map gives few distinct ones)."""
    rgba = np.asarray(rgba)
    if rgba.size == 0:
        return []
    q = np.clip((rgba[:, :4].astype(np.int64) + 2) // 4 * 4, 0, 255)
    if alpha is not None or q.shape[1] == 3:
        q = np.column_stack([q[:, :3], np.full(len(q), 255 if alpha is None else alpha)])
    return [shared_brush(*map(int, row)) for row in q]


def _set_line_data(item: pg.PlotDataItem, x, y) -> None:
    smooth = len(x) <= ANTIALIAS_MAX_POINTS
    if item.opts.get("antialias") != smooth:
        item.opts["antialias"] = smooth
        item.curve.opts["antialias"] = smooth
    item.setData(x, y)


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


#: A log axis over more decades than this shows decades only (no 2..9 minor ticks),
LOG_MINOR_MAX_DECADES = 4.0
#: and so does one whose decades are shorter than this (px): eight grid lines in ~60 px
#: read as a grey band, and cost ~2 ms a frame on generative/vae's loss plot.
LOG_MINOR_DECADE_PX = 90.0


class KitAxis(pg.AxisItem):
    """The plot kit's axis. Tick labels may reach past the axis's ends by the overflow
    tolerance also when it draws grid lines (boundingRect); a view's own tick labels never
    run into each other (generateDrawSpecs); log-mode labels do not crowd: decades always,
    2 and 5 on short ranges, every minor tick only on very short ranges; 10⁻⁵ style far
    from 1."""

    def generateDrawSpecs(self, p):
        # A view's own ticks (setTicks: model names, symbols) are not spaced by their
        # length: at zoom 2 "5", "w1" and "w2" ran together. A label that would touch the
        # one before it is left out; ticks and grid lines stay.
        specs = super().generateDrawSpecs(p)
        if specs is None or self._tickLevels is None:
            return specs
        axis_spec, tick_specs, text_specs = specs
        horizontal = self.orientation in ("top", "bottom")
        gap = 4.0

        def span(rect) -> tuple[float, float]:
            return (rect.left(), rect.right()) if horizontal else (rect.top(), rect.bottom())

        kept, last = [], None
        for rect, flags, text in sorted(text_specs, key=lambda spec: span(spec[0])):
            start, end = span(rect)
            if last is not None and start < last + gap:
                continue
            kept.append((rect, flags, text))
            last = end
        return axis_spec, tick_specs, kept

    def _updateMaxTextSize(self, x):  # noqa: N802 - pyqtgraph API
        # pyqtgraph measures a label's height as 0.8 of its bounding rect ("usually just a
        # bit too large"): at zoom 2 a bottom axis was 7 px too short and cut the
        # descenders of "g", "p", "y" and the "␣" of information/text's letter axis. At
        # zoom 1 its 18 px floor happened to hide this.
        if self.orientation in ("top", "bottom"):
            font = self.style["tickFont"] or self.font()
            x = max(x, math.ceil(QFontMetricsF(font).height()))
        return super()._updateMaxTextSize(x)

    def boundingRect(self):
        # With grid lines pyqtgraph's bounding rect is the axis and the view, without the
        # tolerance ``hideOverlappingLabels`` gives: a tick label at the axis's end (the
        # last x tick, the top y tick) reached a few pixels past it and was not drawn.
        rect = super().boundingRect()
        if self.grid is False or self.linkedView() is None:
            return rect
        reach = self.style["hideOverlappingLabels"]
        reach = 0 if reach is True else 15 if reach is False else int(reach)
        own = self.mapRectFromParent(self.geometry())
        if self.orientation in ("top", "bottom"):
            own = own.adjusted(-reach, 0, reach, 0)
        else:
            own = own.adjusted(0, -reach, 0, reach)
        return rect | own

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802, N803
        # pyqtgraph adds the 2..9 of every decade in range as minor ticks, each with its
        # grid line: over 19 decades (dynamics/implicit's residuals) 170 lines that cost
        # ~10 ms a frame and are too dense to read. Only on short ranges, where a decade
        # has room for them.
        ticks = super().logTickValues(minVal, maxVal, size, stdTicks)
        if maxVal - minVal > min(LOG_MINOR_MAX_DECADES, size / LOG_MINOR_DECADE_PX):
            majors = [(spacing, values) for spacing, values in ticks if spacing is not None]
            ticks = majors or ticks
        return ticks

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
