"""MazePlot: a grid world drawn as a value heatmap with walls, treasures, policy arrows,
the agent's path and (for tree search) the search tree; clicks report the cell.

Cell (row, col) covers x in [col, col + 1] and y in [row, row + 1], row 0 at the top.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from workbench.plots import ImagePlot, _pen, resolve_color

#: Unit vectors (dx, dy) of the actions up, down, left, right on screen (y downwards).
ARROW_DIRECTIONS = np.array([[0.0, -1.0], [0.0, 1.0], [-1.0, 0.0], [1.0, 0.0]])
WALL_RGBA = (38, 40, 48, 255)
TREASURE_COLOR = "#FFD700"
TRAP_COLOR = "#E03C31"
ARROW_COLOR = "#FFFFFF"


def arrow_segments(policy: np.ndarray, show: np.ndarray, min_prob: float = 0.08
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Line segments (x, y pairs for connect="pairs") of arrows whose length is π(a|s).

    policy: (H, W, 4) probabilities; show: (H, W) bool cells that get arrows. Each arrow
    starts at the cell centre and reaches 0.45 π(a|s) cells; a head marks its tip. Actions
    below ``min_prob`` (e.g. ε/4 of ε-greedy exploration) get none, to keep it readable.
    """
    rows, cols, actions = np.nonzero(show[:, :, None] & (policy > min_prob))
    if rows.size == 0:
        return np.empty(0), np.empty(0)
    length = 0.45 * policy[rows, cols, actions]
    direction = ARROW_DIRECTIONS[actions]
    centre = np.stack([cols + 0.5, rows + 0.5], axis=1)
    tip = centre + direction * length[:, None]
    # Head: two short strokes back from the tip, ±35° off the shaft.
    head = np.minimum(0.14, 0.6 * length)[:, None]
    cos, sin = np.cos(np.radians(145)), np.sin(np.radians(145))
    left = np.stack([direction[:, 0] * cos - direction[:, 1] * sin,
                     direction[:, 0] * sin + direction[:, 1] * cos], axis=1)
    right = np.stack([direction[:, 0] * cos + direction[:, 1] * sin,
                      -direction[:, 0] * sin + direction[:, 1] * cos], axis=1)
    points = np.stack([centre, tip, tip, tip + head * left, tip, tip + head * right], axis=1)
    points = points.reshape(-1, 2)
    return points[:, 0], points[:, 1]


class MazePlot(ImagePlot):
    """A grid world: heatmap (V or visit counts), walls, rewards, arrows, path, tree."""

    cell_clicked = Signal(int, int, str)   # row, col, "left" | "right"

    def __init__(self, title: str = "", colorbar_label: str = "V(s)", parent=None):
        super().__init__(title, colormap="viridis", colorbar=True,
                         colorbar_label=colorbar_label, picture=True, parent=parent)
        self.plotItem.setMenuEnabled(False)
        self.plotItem.vb.setMenuEnabled(False)
        self.shape: tuple[int, int] | None = None
        self.walls_item = pg.ImageItem(axisOrder="row-major")
        self.walls_item.setZValue(5)
        self.plotItem.addItem(self.walls_item)
        self.tree_items = []
        for z, alpha in ((6, 70), (7, 140), (8, 230)):   # three tiers of visit counts
            item = pg.PlotDataItem([], [], connect="pairs", skipFiniteCheck=True)
            item.setZValue(z)
            item.tier_alpha = alpha
            self.plotItem.addItem(item, ignoreBounds=True)
            self.tree_items.append(item)
        self.arrows = pg.PlotDataItem([], [], connect="pairs", skipFiniteCheck=True)
        self.arrows.setZValue(9)
        self.plotItem.addItem(self.arrows, ignoreBounds=True)
        self.treasures = pg.ScatterPlotItem([], [])
        self.treasures.setZValue(30)
        self.plotItem.addItem(self.treasures, ignoreBounds=True)
        self.start_item = pg.ScatterPlotItem([], [], symbol="s")
        self.start_item.setZValue(29)
        self.plotItem.addItem(self.start_item, ignoreBounds=True)
        self.reward_labels: list[pg.TextItem] = []
        self.add_path("trajectory", "agent's path", "#FF4FA3", width=2.5, legend=False)
        self._rewards_key: bytes | None = None
        self._walls_key: bytes | None = None
        self.scene().sigMouseClicked.connect(self._on_scene_click)
        self._restyle_overlays()

    # ---- drawing --------------------------------------------------------------------
    def show_world(self, walls: np.ndarray, rewards: np.ndarray, start,
                   collected: np.ndarray | None = None) -> None:
        """Walls, treasures (gold stars, size by reward), traps (red) and the start.
        ``collected``: vanished chests, not drawn."""
        walls = np.asarray(walls, dtype=bool)
        h, w = walls.shape
        if self.shape != (h, w):
            self.shape = (h, w)
            self.set_image(np.zeros((h, w)), levels=(0.0, 1.0), rect=(0, 0, w, h))
        key = walls.tobytes()
        if key != self._walls_key:
            self._walls_key = key
            rgba = np.zeros((h, w, 4), dtype=np.ubyte)
            rgba[walls] = WALL_RGBA
            self.walls_item.setImage(rgba, autoLevels=False, levels=(0, 255))
            self.walls_item.setRect(0, 0, w, h)
        rewards = np.where(walls, 0.0, np.asarray(rewards, dtype=float))
        if collected is not None:
            rewards = np.where(collected, 0.0, rewards)
        key = rewards.tobytes()
        if key != self._rewards_key:
            self._rewards_key = key
            self._draw_rewards(rewards)
        self.start_item.setData([start[1] + 0.5], [start[0] + 0.5])

    def _draw_rewards(self, rewards: np.ndarray) -> None:
        for label in self.reward_labels:
            self.plotItem.removeItem(label)
        self.reward_labels = []
        rows, cols = np.nonzero(rewards != 0)
        spots = []
        biggest = max(1e-9, float(np.abs(rewards).max())) if rows.size else 1.0
        cell_px = self._cell_pixels()
        for r, c in zip(rows, cols):
            value = float(rewards[r, c])
            size = cell_px * (0.45 + 0.4 * abs(value) / biggest)
            spots.append({"pos": (c + 0.5, r + 0.5), "size": size,
                          "symbol": "star" if value > 0 else "x",
                          "brush": pg.mkBrush(TREASURE_COLOR if value > 0 else TRAP_COLOR),
                          "pen": pg.mkPen("#000000", width=1.2)})
            if len(self.reward_labels) < 40:
                label = pg.TextItem(f"{value:+g}", color="#FFFFFF", anchor=(0.5, -0.15))
                label.setPos(c + 0.5, r + 0.5)
                label.setZValue(31)
                self.plotItem.addItem(label, ignoreBounds=True)
                self.reward_labels.append(label)
        self.treasures.setData(spots)

    def _cell_pixels(self) -> float:
        if self.shape is None:
            return 20.0
        size = min(self.width(), self.height()) / max(self.shape)
        return float(np.clip(size, 6.0, 60.0))

    def show_values(self, values: np.ndarray, walls: np.ndarray, label: str | None = None
                    ) -> None:
        """Heatmap of V(s) (or visit counts) on the open cells; levels follow the data."""
        values = np.asarray(values, dtype=float)
        shown = values[~np.asarray(walls, dtype=bool)]
        shown = shown[np.isfinite(shown)]
        lo, hi = (float(shown.min()), float(shown.max())) if shown.size else (0.0, 1.0)
        lo, hi = min(lo, 0.0), max(hi, lo + 1e-9)
        self.set_image(values, levels=(lo, hi))
        if label is not None and self.colorbar is not None:
            self.colorbar.axis.setLabel(label)

    def show_policy(self, policy: np.ndarray | None, show: np.ndarray | None = None) -> None:
        if policy is None:
            self.arrows.setData([], [])
            return
        x, y = arrow_segments(np.asarray(policy), show)
        self.arrows.setData(x, y)

    def show_path(self, cells: np.ndarray | None) -> None:
        if cells is None or len(cells) == 0:
            self.set_path("trajectory", np.empty((0, 2)))
            return
        cells = np.asarray(cells, dtype=float).reshape(-1, 2)
        self.set_path("trajectory", np.stack([cells[:, 1] + 0.5, cells[:, 0] + 0.5], axis=1))

    def show_tree(self, edges: np.ndarray | None, visits: np.ndarray | None) -> None:
        """Tree edges parent cell -> child cell, brighter the more they were visited."""
        if edges is None or len(edges) == 0:
            for item in self.tree_items:
                item.setData([], [])
            return
        edges = np.asarray(edges, dtype=float).reshape(-1, 4)
        visits = np.asarray(visits, dtype=float)
        tiers = np.digitize(np.log1p(visits), np.quantile(np.log1p(visits), [0.6, 0.9]))
        for tier, item in enumerate(self.tree_items):
            chosen = edges[tiers == tier]
            xy = np.stack([chosen[:, 1] + 0.5, chosen[:, 0] + 0.5,
                           chosen[:, 3] + 0.5, chosen[:, 2] + 0.5], axis=1).reshape(-1, 2)
            item.setData(xy[:, 0], xy[:, 1])

    def reset(self) -> None:
        super().reset()
        self.shape = None
        self._walls_key = self._rewards_key = None
        self.arrows.setData([], [])
        for item in self.tree_items:
            item.setData([], [])

    # ---- clicks -----------------------------------------------------------------------
    def cell_at(self, scene_pos) -> tuple[int, int] | None:
        if self.shape is None:
            return None
        point = self.plotItem.vb.mapSceneToView(scene_pos)
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        h, w = self.shape
        if 0 <= row < h and 0 <= col < w:
            return row, col
        return None

    def _on_scene_click(self, event) -> None:
        cell = self.cell_at(event.scenePos())
        if cell is None:
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self.cell_clicked.emit(cell[0], cell[1], "left")
        elif event.button() == Qt.MouseButton.RightButton:
            self.cell_clicked.emit(cell[0], cell[1], "right")
        event.accept()

    # ---- theme ------------------------------------------------------------------------
    def _restyle_items(self) -> None:
        super()._restyle_items()
        if hasattr(self, "arrows"):
            self._restyle_overlays()

    def _restyle_overlays(self) -> None:
        scale = self._scale
        self.arrows.setPen(_pen(resolve_color(ARROW_COLOR, self._theme, 235), 1.8 * scale))
        for item in self.tree_items:
            item.setPen(_pen(resolve_color("#FF8C00", self._theme, item.tier_alpha),
                             (1.0 + item.tier_alpha / 80) * scale))
        self.start_item.setSize(16 * scale)
        self.start_item.setBrush(pg.mkBrush(0, 0, 0, 0))
        self.start_item.setPen(pg.mkPen("#2CA02C", width=3 * scale))
