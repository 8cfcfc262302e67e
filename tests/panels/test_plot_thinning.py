"""Long series are drawn thinned to their pixels: per pixel column the lowest and highest
point (outliers survive), only where x is ordered; the whole series is kept and thinned
again when the x range is zoomed by hand; a path in a plane keeps a point wherever it has
moved half a pixel."""
from __future__ import annotations

import numpy as np
import pytest

from workbench.plot_thinning import (PATH_STEP_PX, THIN_ABOVE_PER_COLUMN, THIN_PATH_ABOVE,
                                     PathThinner, thin_ordered, thin_path)
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


def test_a_path_is_drawn_within_half_a_pixel_of_every_point():
    """An optimiser's path: 200 points spiralling in, then 20,000 steps within a
    hundredth of a pixel of the minimum at 0, on a pixel's edge (a pixel grid would keep
    every one of them)."""
    rng = np.random.default_rng(1)
    t = np.linspace(0.0, 1.0, 200)
    spiral = np.column_stack([(1 - t) * np.cos(12 * t), (1 - t) * np.sin(12 * t)])
    settled = 1e-4 * rng.normal(size=(20_000, 2))
    xy = np.vstack([spiral, settled])
    pixel = 0.01                                     # 200 x 200 pixels over [-1, 1]
    tx, ty = thin_path(xy[:, 0], xy[:, 1], pixel, pixel)
    assert tx.size < 200 + 20
    assert (tx[0], ty[0]) == tuple(xy[0]) and (tx[-1], ty[-1]) == tuple(xy[-1])
    # every point of the whole path is within half a pixel of a drawn one
    near = np.abs(xy[:, None, :] - np.column_stack([tx, ty])[None, :, :]).max(axis=2)
    assert near.min(axis=1).max() < PATH_STEP_PX * pixel


def test_a_growing_path_is_thinned_as_if_at_once():
    """PathThinner walks only the new points of a growing path; the result equals the
    whole path thinned at once, and a path that does not continue starts again."""
    rng = np.random.default_rng(4)
    xy = np.cumsum(rng.normal(scale=0.003, size=(5_000, 2)), axis=0)
    thinner = PathThinner()
    for n in (600, 601, 1_000, 3_333, 5_000):
        grown = thinner.thin(xy[:n, 0], xy[:n, 1], 0.01, 0.01)
        whole = thin_path(xy[:n, 0], xy[:n, 1], 0.01, 0.01)
        np.testing.assert_array_equal(grown[0], whole[0])
        np.testing.assert_array_equal(grown[1], whole[1])
    other = xy[::-1].copy()                          # a restarted path
    np.testing.assert_array_equal(thinner.thin(other[:, 0], other[:, 1], 0.01, 0.01)[0],
                                  thin_path(other[:, 0], other[:, 1], 0.01, 0.01)[0])


def test_short_paths_are_drawn_whole():
    xy = np.random.default_rng(2).normal(size=(THIN_PATH_ABOVE, 2))
    assert thin_path(xy[:, 0], xy[:, 1], 1.0, 1.0)[0].size == THIN_PATH_ABOVE


@pytest.mark.gui
def test_a_long_image_path_is_thinned_and_again_when_zoomed(qtbot):
    from workbench.plots import ImagePlot

    plot = ImagePlot("Landscape", "a", "b", legend="top-right")
    plot.add_path("gd", "GD")
    qtbot.addWidget(plot)
    plot.resize(400, 400)
    plot.show()
    qtbot.waitExposed(plot)
    plot.set_image(np.zeros((50, 50)), rect=(-1.0, -1.0, 2.0, 2.0))
    rng = np.random.default_rng(3)
    xy = np.vstack([np.linspace([-0.9, -0.9], [0.0, 0.0], 100),
                    1e-5 * rng.normal(size=(10_000, 2))])
    plot.set_path("gd", xy)
    shown = plot.paths["gd"].line.xData.size
    assert shown < 500
    np.testing.assert_allclose(plot.paths["gd"].head.getData()[0], [xy[-1, 0]])
    plot.plotItem.vb.setRange(xRange=(-1e-4, 1e-4), yRange=(-1e-4, 1e-4), padding=0)
    assert plot.paths["gd"].line.xData.size > 4 * shown   # zoomed in: more pixels to show
