"""Plot kit, curves: live curves over steps plus faded ghost copies of previous runs."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers pg.exporters)
from PySide6.QtGui import QColor

from workbench.plot_style import (PALETTE, GHOST_PALETTE, GHOST_ALPHA, MAX_GHOSTS,
                                  GHOST_DASHES, _set_line_data, resolve_color, _DASH_STYLES,
                                  _flatten, _pen, KitAxis)
from workbench.plot_base import _Themed
from workbench.plot_thinning import thin_ordered


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
                               axisItems={"left": KitAxis("left"), "bottom": KitAxis("bottom")})
        self._init_base(title, x_label, y_label)
        self.log_y = bool(log_y)
        self.curves: dict[str, _Curve] = {}
        self.ghosts: list[_Ghost] = []
        self._ghosts_visible = True
        self._ghost_counter = 0
        pi = self.plotItem
        pi.showGrid(x=True, y=True, alpha=self._theme.grid_alpha)
        pi.setLogMode(x=False, y=self.log_y)
        pi.vb.sigXRangeChanged.connect(self._rethin)
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
        item = pg.PlotDataItem([], [], name=None, skipFiniteCheck=True)
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
        self._draw(self.curves[key].item, x, y)

    def _draw(self, item: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
        """Set a curve's data, thinned to what its pixels can show (workbench.plot_thinning)
        where x is ordered; the whole series is kept to thin again when the x range is
        zoomed."""
        item._kit_raw = (x, y)  # type: ignore[attr-defined]
        vb = self.plotItem.vb
        columns = int(vb.width()) or 600
        if vb.autoRangeEnabled()[0]:
            shown = thin_ordered(x, y, columns)
        else:
            lo, hi = vb.viewRange()[0]
            shown = thin_ordered(x, y, columns, lo, hi)
        _set_line_data(item, *shown)

    def _rethin(self) -> None:
        """The x range was zoomed or panned by hand: thin the kept series again for it."""
        if self.plotItem.vb.autoRangeEnabled()[0]:
            return
        for item in self.plotItem.listDataItems():
            raw = getattr(item, "_kit_raw", None)
            if raw is not None and raw[0].size > 0:
                self._draw(item, *raw)

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
                self._draw(c.item, *self._clean(steps, history[key]))

    def reset(self) -> None:
        """Forget the live run's data; ghosts stay."""
        for c in self.curves.values():
            c.item._kit_raw = None  # type: ignore[attr-defined]
            c.item.setData([], [])
        self.legend_place_afresh()   # a new run's data may leave a corner free

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
            item = pg.PlotDataItem([], [], skipFiniteCheck=True)
            item.setZValue(1)
            item.setVisible(self._ghosts_visible)
            item._ghost_dash = GHOST_DASHES[i % len(GHOST_DASHES)]  # type: ignore[attr-defined]
            self.plotItem.addItem(item)
            self._draw(item, x, y)
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
