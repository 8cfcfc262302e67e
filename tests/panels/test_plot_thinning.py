"""Long series are drawn thinned to their pixels: per pixel column the lowest and highest
point (outliers survive), only where x is ordered; the whole series is kept and thinned
again when the x range is zoomed by hand."""
from __future__ import annotations

import numpy as np
import pytest

from workbench.plot_thinning import THIN_ABOVE_PER_COLUMN, thin_ordered
from workbench.plots import CurvePlot


def test_each_column_keeps_its_lowest_and_highest_point_and_the_ends():
    rng = np.random.default_rng(0)
    x = np.arange(10_000, dtype=float)
    y = rng.normal(size=x.size)
    y[4321] = 50.0                                   # a single outlier
    tx, ty = thin_ordered(x, y, columns=100)
    assert tx.size <= 2 * 100 + 2 and np.all(np.diff(tx) > 0)
    assert 50.0 in ty and tx[0] == 0 and tx[-1] == x[-1]
    for column in range(100):                        # 100 points per column
        in_column = slice(100 * column, 100 * column + 100)
        kept = ty[(tx >= 100 * column) & (tx < 100 * column + 100)]
        assert kept.max() == y[in_column].max() and kept.min() == y[in_column].min()


def test_short_or_unordered_series_are_drawn_whole():
    x = np.arange(THIN_ABOVE_PER_COLUMN * 50, dtype=float)
    assert thin_ordered(x, x, columns=50)[0].size == x.size
    t = np.linspace(0, 2 * np.pi, 20_000)            # a closed orbit: x goes back
    assert thin_ordered(np.cos(t), np.sin(t), columns=50)[0].size == t.size


@pytest.mark.gui
def test_a_long_curve_is_thinned_to_the_plot_and_again_when_zoomed(qtbot):
    plot = CurvePlot("Loss", "step", "loss")
    plot.add_curve("loss", "loss")
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    qtbot.waitExposed(plot)
    x = np.arange(100_000, dtype=float)
    y = np.sin(x / 500.0)
    plot.set_curve("loss", x, y)
    item = plot.curve("loss")
    width = int(plot.plotItem.vb.width())
    assert item.xData.size <= 2 * width + 2
    assert item.yData.max() == pytest.approx(1.0, abs=1e-4)
    in_view = (item.xData >= 1000) & (item.xData <= 2000)
    assert in_view.sum() < 20                        # 1 % of the range: ~4 columns
    plot.plotItem.setXRange(1000, 2000, padding=0)   # by hand: now 1000 points in view
    in_view = (item.xData >= 1000) & (item.xData <= 2000)
    assert in_view.sum() >= width                    # again up to two per column
