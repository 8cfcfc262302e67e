"""Painting one plot per event-loop turn (workbench.paint_pacing): every queued plot is
painted, and once: what pyqtgraph would do while or just after painting (fit its auto
range, lay out its axes, handle the scene's changed items) is done before it paints."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from workbench.paint_pacing import PaintScheduler
from workbench.plots import CurvePlot

pytestmark = pytest.mark.gui


def test_each_queued_plot_is_painted_once_or_so_per_picture(qtbot):
    plots = []
    for i in range(3):
        plot = CurvePlot(f"plot {i}", "step", "loss", legend=None)
        plot.add_curve("loss", "loss")
        qtbot.addWidget(plot)
        plot.resize(300, 200)
        plot.show()
        qtbot.waitExposed(plot)
        plots.append(plot)
    costs = []
    painter = PaintScheduler(costs.append)
    paints = []
    for picture in range(1, 6):
        for _ in range(5):                         # nothing left to paint from before
            QApplication.processEvents()
        before = [plot.paint_count for plot in plots]
        painter.hold(plots)
        x = np.arange(50.0 * picture)
        for k, plot in enumerate(plots):          # a new range each picture (auto range)
            plot.set_curve("loss", x, (k + 1) * np.exp(-x / 40.0) * picture)
        painter.queue(plots, 0.0)
        qtbot.waitUntil(lambda: not painter.waiting and len(costs) == picture, timeout=5000)
        for _ in range(5):
            QApplication.processEvents()
        paints.append([plot.paint_count - b for plot, b in zip(plots, before)])
    assert min(min(row) for row in paints) >= 1          # every plot, every picture
    # once, mostly: a new range can still give an axis new tick labels, laid out after
    # the painting (one plot per picture here). Without settle_before_paint every plot
    # was painted twice, the one with new tick labels four times: 2.9 per plot.
    assert np.mean(paints) <= 2.0, paints
