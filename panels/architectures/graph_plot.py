"""A graph drawn with the plot kit's theme: links as lines, nodes as coloured discs (colour
from a value per node through a fixed colour map), node numbers, and rings around marked
nodes. Items are created once and only fed new data."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont

from workbench.plot_base import _Themed
from workbench.plot_style import resolve_color, shared_brushes

#: Node numbers drawn (text items created once).
MAX_LABELS = 40


class GraphPlot(_Themed, pg.PlotWidget):
    def __init__(self, title: str = "", parent=None):
        pg.PlotWidget.__init__(self, parent=parent)
        self._init_base(title, "", "")
        pi = self.plotItem
        pi.hideAxis("left")
        pi.hideAxis("bottom")
        pi.setAspectLocked(True)
        pi.hideButtons()
        self.edges = pg.PlotDataItem([], [], connect="pairs", skipFiniteCheck=True)
        self.edges.setZValue(1)
        self.rings = pg.ScatterPlotItem([], [])
        self.rings.setZValue(2)
        self.nodes = pg.ScatterPlotItem([], [])
        self.nodes.setZValue(3)
        for item in (self.edges, self.rings, self.nodes):
            pi.addItem(item)
        self.labels: list[pg.TextItem] = []
        for _ in range(MAX_LABELS):
            t = pg.TextItem("", anchor=(0.5, 0.5))
            t.setZValue(4)
            t.setVisible(False)
            pi.addItem(t, ignoreBounds=True)
            self.labels.append(t)
        self.colormap = pg.colormap.get("viridis")
        self._data = None
        self._restyle()

    def show_graph(self, xy: np.ndarray, links: np.ndarray, values: np.ndarray,
                   levels: tuple[float, float], colormap: pg.ColorMap,
                   numbers: np.ndarray | None = None, ringed: np.ndarray | None = None
                   ) -> None:
        """Nodes at ``xy`` coloured by ``values`` in ``levels``; ``links`` (2, L); numbers
        written on the nodes; ``ringed`` (bool per node) get a ring."""
        self._data = (np.asarray(xy, float), np.asarray(links).astype(int),
                      np.asarray(values, float), levels, colormap,
                      None if numbers is None else np.asarray(numbers).astype(int),
                      None if ringed is None else np.asarray(ringed, bool))
        self._draw()

    def _draw(self) -> None:
        if self._data is None:
            return
        xy, links, values, (lo, hi), cmap, numbers, ringed = self._data
        seg = xy[links.T.ravel()] if links.size else np.zeros((0, 2))
        self.edges.setData(seg[:, 0], seg[:, 1])
        norm = np.clip((values - lo) / ((hi - lo) or 1.0), 0.0, 1.0)
        rgba = cmap.map(np.nan_to_num(norm), mode="byte")
        brushes = shared_brushes(rgba)
        size = (20 if len(xy) <= 20 else 15) * (1.0 + 0.6 * (self._scale - 1.0))
        edge = QColor(self._theme.foreground)
        self.nodes.setData(xy[:, 0], xy[:, 1], brush=brushes, size=size,
                           pen=pg.mkPen(edge, width=1.0 * self._scale))
        if ringed is not None and ringed.any():
            r = xy[ringed]
            self.rings.setData(r[:, 0], r[:, 1], size=size + 10 * self._scale,
                               brush=pg.mkBrush(0, 0, 0, 0),
                               pen=pg.mkPen(edge, width=2.2 * self._scale))
        else:
            self.rings.setData([], [])
        font = QFont()
        font.setPointSizeF(self._pt(7.5 if len(xy) > 20 else 9.0))
        for i, t in enumerate(self.labels):
            if numbers is not None and i < len(xy):
                t.setText(str(numbers[i]))
                t.setFont(font)
                lum = (0.3 * rgba[i][0] + 0.59 * rgba[i][1] + 0.11 * rgba[i][2]) / 255
                t.setColor("#000000" if lum > 0.55 else "#FFFFFF")
                t.setPos(float(xy[i, 0]), float(xy[i, 1]))
                t.setVisible(True)
            else:
                t.setVisible(False)
        span = np.ptp(xy, axis=0) if len(xy) else np.ones(2)
        pad = 0.08 * max(float(span.max()), 1e-6)
        self.plotItem.setRange(xRange=(xy[:, 0].min() - pad, xy[:, 0].max() + pad),
                               yRange=(xy[:, 1].min() - pad, xy[:, 1].max() + pad),
                               padding=0.0)

    def reset(self) -> None:
        self._data = None
        self.edges.setData([], [])
        self.nodes.setData([], [])
        self.rings.setData([], [])
        for t in self.labels:
            t.setVisible(False)

    def _restyle_items(self) -> None:
        col = resolve_color("#9A9A9A", self._theme)
        self.edges.setPen(pg.mkPen(col, width=1.3 * self._scale))
        self._draw()
