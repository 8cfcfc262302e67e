"""Legends never sit on the data: the plot kit moves a legend to the corner it covers the
fewest data points in, prefers the view's corner while that one is free, and comes back."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from workbench.plots import CurvePlot

pytestmark = pytest.mark.gui


def shown_plot(qtbot, legend="top-right") -> CurvePlot:
    plot = CurvePlot("t", "x", "y", legend=legend)
    qtbot.addWidget(plot)
    plot.add_curve("a", "curve a")
    plot.add_curve("b", "curve b")
    plot.resize(500, 350)
    plot.show()
    qtbot.waitExposed(plot)
    return plot


def draw(plot, ya, yb):
    x = np.linspace(0.0, 1.0, 200)
    plot.set_curve("a", x, ya(x))
    plot.set_curve("b", x, yb(x))
    for _ in range(3):
        QApplication.processEvents()


def test_legend_leaves_the_corner_the_data_run_through(qtbot):
    plot = shown_plot(qtbot)
    draw(plot, lambda x: x, lambda x: 0.9 * x)               # rising: top-right is covered
    assert plot.legend_cover()["top-right"] > 0
    corner = plot.place_legend()
    assert corner != "top-right" and plot.legend_cover()[corner] == 0
    # the legend really moved: its scene rectangle is now in the left half
    vb = plot.plotItem.vb.sceneBoundingRect()
    assert plot.legend.sceneBoundingRect().center().x() < vb.center().x()

    draw(plot, lambda x: 1 - x, lambda x: 0.9 * (1 - x))     # falling: back to the preferred
    assert plot.place_legend() == "top-right"
    assert plot.legend.sceneBoundingRect().center().x() > vb.center().x()


def test_a_two_point_line_counts_along_its_length(qtbot):
    plot = shown_plot(qtbot, legend="top-left")
    x = np.array([0.0, 1.0])
    plot.set_curve("a", x, np.array([1.0, 1.0]))             # a horizontal line at the top
    plot.set_curve("b", x, np.array([0.0, 0.0]))
    QApplication.processEvents()
    cover = plot.legend_cover()
    assert cover["top-left"] > 0 and cover["top-right"] > 0
    # every corner is crossed by a line: the least covered is chosen, never a worse one
    corner = plot.place_legend()
    assert cover[corner] == min(cover.values())


def test_data_changed_places_at_once_then_at_most_every_period(qtbot):
    plot = shown_plot(qtbot)
    draw(plot, lambda x: x, lambda x: 0.9 * x)
    plot.data_changed()                                      # first call: placed now
    assert plot.legend_corner != "top-right"
    draw(plot, lambda x: 1 - x, lambda x: 0.9 * (1 - x))
    plot.data_changed()                                      # within the period: deferred
    qtbot.waitUntil(lambda: plot.legend_corner == "top-right", timeout=5000)


def test_a_step_mode_histogram_is_counted_by_its_outline(qtbot):
    """A histogram has one more x (bin edges) than y: its outline counts, no error."""
    plot = CurvePlot("h", "x", "count", legend="top-right")
    qtbot.addWidget(plot)
    plot.add_curve("h", "histogram")
    plot.resize(500, 350)
    plot.show()
    qtbot.waitExposed(plot)
    edges = np.linspace(0.0, 1.0, 11)
    heights = np.linspace(0.0, 1.0, 10)                      # rising bars: top-right covered
    plot.curve("h").setData(edges, heights, stepMode="center")
    QApplication.processEvents()
    cover = plot.legend_cover()
    assert cover["top-right"] > 0 and cover["top-left"] == 0
    assert plot.place_legend() != "top-right"


def test_a_legend_wider_than_a_narrow_plot_is_drawn_smaller_to_fit(qtbot):
    plot = CurvePlot("Information (bits)", "M", "bits", legend="top-left")
    qtbot.addWidget(plot)
    plot.add_curve("gain", "gain per measurement")
    plot.add_curve("kl", "KL(post ‖ prior)")
    plot.resize(260, 300)
    plot.show()
    qtbot.waitExposed(plot)
    x = np.linspace(0.0, 1.0, 50)
    plot.set_curve("gain", x, x)
    plot.set_curve("kl", x, x ** 2)
    # at its full size the legend is wider than the plot; once the axes have settled
    # (the data area shrinks as tick labels appear) it is drawn smaller to fit
    qtbot.waitUntil(lambda: plot._legend_fit < 1.0
                    and plot.legend.width() <= plot.plotItem.vb.width() - 15, timeout=5000)
    assert plot.legend_cover() is not None
    plot.resize(900, 300)                              # room again: full size back
    qtbot.waitUntil(lambda: plot._legend_fit == 1.0, timeout=5000)
    assert plot.legend.width() <= plot.plotItem.vb.width() - 16


def test_with_data_in_every_corner_the_legend_takes_the_middle_of_an_edge(qtbot):
    """A curve along the top (left to right) and one along the bottom fill all four
    corners; the middles of the left and right edges are free."""
    plot = shown_plot(qtbot)
    draw(plot, lambda x: np.full_like(x, 1.0), lambda x: np.zeros_like(x))
    cover = plot.legend_cover()
    assert min(cover[c] for c in ("top-right", "top-left", "bottom-right",
                                  "bottom-left")) > 0
    corner = plot.place_legend()
    assert corner in ("left", "right") and plot.legend_cover()[corner] == 0
    vb = plot.plotItem.vb.sceneBoundingRect()
    legend = plot.legend.sceneBoundingRect()
    assert vb.top() + 0.2 * vb.height() < legend.center().y() < vb.bottom() - 0.2 * vb.height()
