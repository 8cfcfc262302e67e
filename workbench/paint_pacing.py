"""Painting a demo's plots one per event-loop turn.

Qt paints every dirty widget of a window in one go; a full frame can take 50+ ms. So the
data of all plots is set at once with their painting held back, and the plots are then
painted one per event-loop turn: input and timers get their turn between two plots.
A new snapshot never restarts the queue: plots still waiting keep their place and the
others join at the end, so every plot of a demo with many plots gets its turn.
"""
from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QTimer


class PaintScheduler:
    def __init__(self, report_cost):
        self._queue: list = []
        self._cost = 0.0
        self._report_cost = report_cost   # callable(seconds): frame pacing of the runner

    def hold(self, plots: list) -> None:
        """Hold the painting of these plots back (their data is about to change)."""
        for plot in plots:
            plot.setUpdatesEnabled(False)

    def queue(self, plots: list, draw_cost: float) -> None:
        """Paint these plots, one per event-loop turn, after the ones still waiting."""
        start = not self._queue
        self._cost = draw_cost if start else self._cost + draw_cost
        self._queue.extend(p for p in plots if p not in self._queue)
        if start and self._queue:
            QTimer.singleShot(0, self._paint_next)

    def _paint_next(self) -> None:
        if not self._queue:
            return
        plot = self._queue.pop(0)
        if not shiboken6.isValid(plot):  # the window closed while plots waited
            self._queue = []
            return
        started = time.perf_counter()
        settle_before_paint(plot)          # while its updates are still off
        plot.setUpdatesEnabled(True)
        plot.viewport().repaint()
        self._cost += time.perf_counter() - started
        if self._queue:
            QTimer.singleShot(0, self._paint_next)
        else:
            self._report_cost(self._cost)

    def flush(self) -> None:
        """Let every held-back plot paint again (before a reset or a demo switch)."""
        for plot in self._queue:
            if shiboken6.isValid(plot):
                plot.setUpdatesEnabled(True)
        self._queue = []

    @property
    def waiting(self) -> list:
        return list(self._queue)


def settle_before_paint(plot) -> None:
    """Let a pyqtgraph plot do now what it would otherwise do as it paints or just after
    (each of which asks for one more painting): lay out its axes (a posted event), fit
    its auto ranges (pyqtgraph does that just before painting) and handle the scene's
    changed items (a queued call). Measured in nn-basics/function: the loss plot was
    painted 2.4 times per snapshot, 1.4 times with this."""
    item = getattr(plot, "plotItem", None)
    scene = plot.scene() if hasattr(plot, "scene") else None
    if scene is None or item is None or not hasattr(scene, "prepareForPaint"):
        return
    scene.prepareForPaint()
    # a new range may give the tick labels another width: the axes are laid out again
    QCoreApplication.sendPostedEvents(item, QEvent.Type.LayoutRequest)
    scene.prepareForPaint()
    QCoreApplication.sendPostedEvents(scene, QEvent.Type.MetaCall)

