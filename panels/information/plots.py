"""Plots of the information panel: bar charts whose bars can be dragged, code trees.

- :class:`InfoPlot`: a CurvePlot with bar series, text tags and horizontal marker lines;
  ``draggable=True`` turns a press or drag on bar i into ``bar_dragged(i, height)``
  (panning and zooming are off there so that a drag never moves the view).
- :class:`TreePlot`: a code tree (or Huffman's partial forest) from the engine's node
  arrays: nodes laid out by depth, leaves side by side in the order of their codewords,
  edges labelled 0 / 1. Every item is made once; labels come from a pool that grows only
  when a larger tree than any before is shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor

from workbench.plots import FG, PALETTE, CurvePlot, _pen, resolve_color

SYMBOLS = "abcdefghijklmnopqrstuvwxyz"


def symbol_name(i: int) -> str:
    return SYMBOLS[i] if 0 <= i < len(SYMBOLS) else str(i)


def symbol_color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


@dataclass
class _Bars:
    color: Any
    alpha: int
    outline: bool
    item: pg.BarGraphItem


class InfoPlot(CurvePlot):
    """Curves, bar series, horizontal lines and text tags; optionally draggable bars."""

    bar_dragged = Signal(int, float)

    def __init__(self, title: str = "", x_label: str = "", y_label: str = "", *,
                 legend: str | None = "top-right", draggable: bool = False,
                 log_x: bool = False, y_range: tuple[float, float] | None = None,
                 parent=None):
        super().__init__(title, x_label, y_label, legend=legend, y_range=y_range,
                         parent=parent)
        self.bars: dict[str, _Bars] = {}
        self.hlines: dict[str, tuple[pg.InfiniteLine, Any, Qt.PenStyle]] = {}
        self.draggable = draggable
        self.n_bars = 0
        self.drag_range = (0.0, 1.0)
        self._dragging = False
        if log_x:
            self.plotItem.setLogMode(x=True, y=False)
        if draggable:
            self.plotItem.setMouseEnabled(x=False, y=False)
            self.plotItem.setMenuEnabled(False)
            self.plotItem.vb.setMenuEnabled(False)
            self.plotItem.hideButtons()
            self.viewport().setCursor(Qt.CursorShape.SizeVerCursor)

    # ---- bars -----------------------------------------------------------------------------
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

    def set_bars(self, key: str, x, heights, brushes=None) -> None:
        x = np.asarray(x, dtype=float)
        heights = np.asarray(heights, dtype=float)
        if x.size == 0:
            x, heights = np.zeros(1), np.zeros(1)
        opts = dict(x=x, height=heights)
        if brushes is not None:
            opts["brushes"] = brushes
        self.bars[key].item.setOpts(**opts)

    def _style_bars(self, bars: _Bars) -> None:
        col = resolve_color(bars.color, self._theme, bars.alpha)
        if bars.outline:
            bars.item.setOpts(brush=pg.mkBrush(None),
                              pen=_pen(resolve_color(bars.color, self._theme), 2 * self._scale))
        else:
            bars.item.setOpts(brush=pg.mkBrush(col), pen=pg.mkPen(None))

    # ---- horizontal lines -----------------------------------------------------------------
    def add_hline(self, key: str, label: str, color: Any = FG, style: str = "dash",
                  position: float = 0.05) -> None:
        pen_style = {"dash": Qt.PenStyle.DashLine, "dot": Qt.PenStyle.DotLine,
                     "solid": Qt.PenStyle.SolidLine}[style]
        item = pg.InfiniteLine(angle=0, movable=False, label=label or None,
                               labelOpts={"position": position, "anchors": [(0, 1), (0, 1)]})
        item.setZValue(15)
        item.setVisible(False)
        self.plotItem.addItem(item, ignoreBounds=False)
        self.hlines[key] = (item, color, pen_style)
        self._style_hline(key)

    def set_hline(self, key: str, value: float | None, label: str | None = None) -> None:
        item = self.hlines[key][0]
        if value is None or not np.isfinite(value):
            item.setVisible(False)
            return
        item.setVisible(True)
        item.setValue(float(value))
        if label is not None and item.label is not None and item.label.format != label:
            item.label.format = label.replace("{", "{{").replace("}", "}}")
            item.label.setText(label)
            item.label.updatePosition()

    def _style_hline(self, key: str) -> None:
        item, color, style = self.hlines[key]
        col = resolve_color(color, self._theme)
        pen = _pen(col, 1.8 * self._scale)
        pen.setStyle(style)
        item.setPen(pen)
        if item.label is not None:
            item.label.setColor(col)
            font = item.label.textItem.font()
            font.setPointSizeF(self._pt(11.0))
            item.label.setFont(font)

    def add_tag(self, text: str = "", anchor=(0, 0), base_pt: float = 11.0,
                color: str = "foreground", fill=None) -> pg.TextItem:
        return self._add_text(text, base_pt=base_pt, color=color, anchor=anchor, fill=fill)

    # ---- dragging bars ---------------------------------------------------------------------
    def _bar_at(self, pos) -> tuple[int, float] | None:
        scene = self.mapToScene(pos)
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(scene):
            return None
        point = vb.mapSceneToView(scene)
        i = int(round(point.x()))
        if not 0 <= i < self.n_bars or abs(point.x() - i) > 0.5:
            return None
        lo, hi = self.drag_range
        return i, float(min(hi, max(lo, point.y())))

    def mousePressEvent(self, event):
        if self.draggable and event.button() == Qt.MouseButton.LeftButton:
            hit = self._bar_at(event.position().toPoint())
            if hit is not None:
                self._dragging = True
                self._drag_index = hit[0]
                self.bar_dragged.emit(*hit)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self.draggable and self._dragging:
            scene = self.mapToScene(event.position().toPoint())
            y = self.plotItem.vb.mapSceneToView(scene).y()
            lo, hi = self.drag_range
            self.bar_dragged.emit(self._drag_index, float(min(hi, max(lo, y))))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if self._dragging:
            self._dragging = False
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # ---- housekeeping ------------------------------------------------------------------
    def reset(self) -> None:
        super().reset()
        for bars in self.bars.values():
            bars.item.setOpts(x=np.zeros(1), height=np.zeros(1))
        for item, _, _ in self.hlines.values():
            item.setVisible(False)

    def _restyle_items(self) -> None:
        super()._restyle_items()
        for bars in getattr(self, "bars", {}).values():
            self._style_bars(bars)
        for key in getattr(self, "hlines", {}):
            self._style_hline(key)


def tree_layout(parent: np.ndarray, bit: np.ndarray, depth: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of every node: leaves at consecutive x in depth-first order (bit 0 first),
    an inner node above the middle of its children, y = −depth; roots side by side."""
    m = parent.size
    children: list[list[int]] = [[] for _ in range(m)]
    for i in range(m):
        if parent[i] >= 0:
            children[int(parent[i])].append(i)
    for c in children:
        c.sort(key=lambda j: bit[j])
    x = np.zeros(m)
    next_x = 0.0

    def place(i: int) -> float:
        nonlocal next_x
        stack = [(i, False)]
        while stack:
            node, done = stack.pop()
            if not children[node]:
                x[node] = next_x
                next_x += 1.0
            elif done:
                x[node] = 0.5 * (x[children[node][0]] + x[children[node][-1]])
            else:
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(children[node]))
        return x[i]

    roots = [i for i in range(m) if parent[i] < 0]
    for r in roots:
        place(r)
    return x, -depth.astype(float)


class TreePlot(InfoPlot):
    """A code tree from node arrays; leaves coloured per symbol."""

    def __init__(self, title: str = "", parent=None):
        super().__init__(title, legend=None, parent=parent)
        pi = self.plotItem
        pi.hideAxis("left")
        pi.hideAxis("bottom")
        pi.showGrid(x=False, y=False)
        pi.setMouseEnabled(x=False, y=False)
        pi.hideButtons()
        self.add_curve("edges", "", "#7F7F7F", width=1.6, legend=False)
        self.nodes = pg.ScatterPlotItem([], [], symbol="o", size=9)
        self.nodes.setZValue(20)
        pi.addItem(self.nodes)
        self.node_tags: list[pg.TextItem] = []
        self.edge_tags: list[pg.TextItem] = []
        self._grow(31)

    def _restyle_items(self) -> None:
        super()._restyle_items()
        self.plotItem.showGrid(x=False, y=False)

    def _grow(self, m: int) -> None:
        while len(self.node_tags) < m:
            t = self.add_tag("", anchor=(0.5, -0.15), base_pt=9.0)
            t.setZValue(30)
            self.node_tags.append(t)
            e = self.add_tag("", anchor=(0.5, 0.5), base_pt=9.0, color="#D55E00")
            e.setZValue(25)
            self.edge_tags.append(e)

    def show_tree(self, parent, bit, prob, symbol, depth) -> None:
        parent = np.asarray(parent)
        m = parent.size
        self._grow(m)
        x, y = tree_layout(parent, np.asarray(bit), np.asarray(depth))
        ex, ey = [], []
        for i in range(m):
            if parent[i] >= 0:
                ex += [x[parent[i]], x[i]]
                ey += [y[parent[i]], y[i]]
        self.curve("edges").setData(ex, ey, connect="pairs")
        brushes = []
        for i in range(m):
            s = int(symbol[i])
            brushes.append(pg.mkBrush(symbol_color(s)) if s >= 0 else
                           pg.mkBrush(QColor(self._theme.foreground)))
        self.nodes.setData(x, y, brush=brushes)
        small = m > 24
        for i in range(len(self.node_tags)):
            tag, etag = self.node_tags[i], self.edge_tags[i]
            if i >= m:
                tag.setVisible(False)
                etag.setVisible(False)
                continue
            s = int(symbol[i])
            if s >= 0:
                text = f"{symbol_name(s)} {prob[i]:.2g}" if not small else symbol_name(s)
            else:
                text = "" if small else f"{prob[i]:.2g}"
            tag.setText(text)
            tag.setPos(x[i], y[i])
            tag.setVisible(bool(text))
            if parent[i] >= 0:
                etag.setText(str(int(bit[i])))
                etag.setPos(0.5 * (x[i] + x[parent[i]]), 0.5 * (y[i] + y[parent[i]]))
                etag.setVisible(True)
            else:
                etag.setVisible(False)
        lo = float(y.min()) if m else -1.0
        width = float(x.max()) if m else 1.0
        self.plotItem.setRange(xRange=(-0.6, width + 0.6), yRange=(lo - 0.7, 0.4), padding=0)

    def reset(self) -> None:
        super().reset()
        self.nodes.setData([], [])
        for t in self.node_tags + self.edge_tags:
            t.setVisible(False)
