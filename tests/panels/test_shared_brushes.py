"""Scatter colours come as shared brush objects: pyqtgraph renders a marker once per pen
and brush *object*, so new brushes every frame re-rendered every marker every frame."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from workbench.plots import shared_brush, shared_brushes, shared_pen

pytestmark = pytest.mark.gui


def test_the_same_colour_gives_the_same_brush_and_pen(qapp):
    assert shared_brush(10, 20, 30, 40) is shared_brush(10, 20, 30, 40)
    assert shared_pen("#000000", 1.5) is shared_pen("#000000", 1.5)
    assert shared_pen(None).style() == pg.QtCore.Qt.PenStyle.NoPen
    rgba = pg.colormap.get("viridis").map(np.linspace(0, 1, 5000), mode="byte")
    first, again = shared_brushes(rgba, alpha=190), shared_brushes(rgba.copy(), alpha=190)
    assert all(a is b for a, b in zip(first, again))
    assert len({id(b) for b in first}) < 300          # a colour map: few distinct colours
    colour = first[-1].color()
    assert colour.alpha() == 190
    assert abs(colour.red() - int(rgba[-1, 0])) <= 2 and abs(colour.blue() - int(rgba[-1, 2])) <= 2


def test_a_scatter_fed_shared_brushes_renders_its_markers_once(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    scatter = pg.ScatterPlotItem()
    plot.addItem(scatter)
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 500)
    colours = [shared_brush(25 * k, 100, 200) for k in range(10)]
    for _ in range(5):                                # five frames of new positions
        xy = rng.normal(size=(500, 2))
        scatter.setData(xy[:, 0], xy[:, 1], brush=[colours[k] for k in labels],
                        pen=shared_pen(None), size=6)
    assert len(scatter.fragmentAtlas) <= 10
