"""Legends never sit on the data: the plot kit moves a legend to the corner it covers the
fewest data points in, prefers the view's corner while that one is free, and comes back."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from workbench.legend_band import (ABOVE, BAND_COLUMN, BAND_MAX_SHARE, BAND_ROW, BESIDE,
                                   LEGEND_MIN_FIT)
from workbench.legend_key import LegendKeyMixin
from workbench.plot_style import BASE_LEGEND_PT
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
    plot.data_changed()             # first call: placed in the next event-loop turn
    QApplication.processEvents()
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


def test_a_legend_wider_than_a_narrow_plot_goes_above_it_and_back_in_with_room(qtbot):
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
    # wider than the data area (which shrinks as tick labels appear), never cut off at
    # its edge: above the data, where the axes' width is room too
    qtbot.waitUntil(lambda: plot.legend_band == ABOVE, timeout=5000)
    legend, whole = plot.legend.sceneBoundingRect(), plot.plotItem.sceneBoundingRect()
    assert whole.contains(legend)
    assert legend.bottom() <= plot.plotItem.vb.sceneBoundingRect().top() + 1
    plot.resize(900, 300)                              # room again: back inside, full size
    qtbot.waitUntil(lambda: plot.legend_band is None and plot.legend_corner == "top-left"
                    and plot._legend_fit == 1.0, timeout=5000)
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


def crowded_plot(qtbot) -> tuple[CurvePlot, float]:
    """Two fast oscillations over the whole data area: no place inside is free. Returns
    the plot and its data area's height before the data came."""
    plot = shown_plot(qtbot)
    height = plot.plotItem.vb.height()
    draw(plot, lambda x: np.sin(60 * x), lambda x: np.cos(60 * x))
    return plot, height


def test_with_data_everywhere_the_legend_moves_into_a_band_above_the_data(qtbot):
    plot, height_inside = crowded_plot(qtbot)
    vb = plot.plotItem.vb
    assert min(plot.legend_cover().values()) > 0
    assert plot.place_legend() == ABOVE
    qtbot.waitUntil(lambda: vb.height() < height_inside, timeout=5000)
    area, legend = vb.sceneBoundingRect(), plot.legend.sceneBoundingRect()
    assert legend.bottom() <= area.top() + 1                 # above the data, none covered
    assert plot.plotItem.sceneBoundingRect().contains(legend)  # and not off the plot
    assert area.left() < legend.center().x() < area.right()
    assert vb.height() >= (1 - BAND_MAX_SHARE) * height_inside - 2
    # new data keep it there (no jumping in and out while the run goes on)
    draw(plot, lambda x: x, lambda x: 0.9 * x)
    assert plot.place_legend() == ABOVE

    plot.reset()                                             # a new run: inside again
    assert plot.legend_corner == "top-right" and plot.legend_band is None
    assert plot.legend.parentItem() is vb
    qtbot.waitUntil(lambda: abs(vb.height() - height_inside) < 1, timeout=5000)


def test_a_new_presentation_scale_places_a_banded_legend_afresh(qtbot):
    plot, _ = crowded_plot(qtbot)
    assert plot.place_legend() == ABOVE
    plot.set_line_scale(1.5)
    assert plot.legend_band is None                          # left the band...
    qtbot.waitUntil(lambda: plot.legend_corner == ABOVE, timeout=5000)   # ...and came back
    # the band is made by the next layout pass; the legend is never over the title
    vb, title = plot.plotItem.vb, plot.plotItem.titleLabel
    assert plot.legend.sceneBoundingRect().top() >= title.sceneBoundingRect().bottom()
    qtbot.waitUntil(lambda: plot.legend.sceneBoundingRect().bottom()
                    <= vb.sceneBoundingRect().top() + 1, timeout=5000)


def test_a_legend_beside_the_data_area_is_right_of_it_and_inside_the_plot(qtbot):
    plot, _ = crowded_plot(qtbot)
    vb = plot.plotItem.vb
    plot.leave_band()                                        # (it went above)
    qtbot.waitUntil(lambda: plot.plotItem.layout.rowMinimumHeight(BAND_ROW) == 0)
    width_inside = vb.width()
    assert plot._fit_band(BESIDE)
    plot._enter_band(BESIDE)
    assert plot.place_legend() == BESIDE                      # and it stays there
    qtbot.waitUntil(lambda: vb.width() < width_inside - 20, timeout=5000)
    plot.place_legend()
    area, legend = vb.sceneBoundingRect(), plot.legend.sceneBoundingRect()
    assert legend.left() >= area.right()
    assert area.top() - 1 <= legend.center().y() <= area.bottom() + 1
    assert plot.plotItem.sceneBoundingRect().contains(legend)
    assert plot.plotItem.layout.columnMinimumWidth(BAND_COLUMN) >= legend.width()
    plot.reset()
    assert plot.plotItem.layout.columnMinimumWidth(BAND_COLUMN) == 0


def many_curves_in_a_small_plot(qtbot) -> CurvePlot:
    """Twelve fast oscillations in a 300 x 180 plot: no free place inside, and a band
    would take over BAND_MAX_SHARE of the plot's height or width."""
    plot = CurvePlot("t", "x", "y", legend="top-right")
    qtbot.addWidget(plot)
    keys = [f"k{i}" for i in range(12)]
    for key in keys:
        plot.add_curve(key, f"curve {key}")
    plot.resize(300, 180)
    plot.show()
    qtbot.waitExposed(plot)
    x = np.linspace(0.0, 1.0, 200)
    for i, key in enumerate(keys):
        plot.set_curve(key, x, np.sin(60 * x + i))
    QApplication.processEvents()
    return plot


def click(plot, item) -> None:
    centre = item.sceneBoundingRect().center()
    QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton,
                     pos=plot.mapFromScene(centre))
    QApplication.processEvents()


def test_a_legend_too_big_for_any_band_folds_into_a_key_that_covers_less(qtbot):
    plot = many_curves_in_a_small_plot(qtbot)
    corner = plot.place_legend()
    # the plot keeps its data area: no band...
    assert corner not in (ABOVE, BESIDE) and plot.legend_band is None
    assert plot.plotItem.layout.rowMinimumHeight(BAND_ROW) == 0
    assert plot.plotItem.layout.columnMinimumWidth(BAND_COLUMN) == 0
    # ...and the legend, which would cover data everywhere, is folded into its key
    least = min(plot.legend_cover().values())
    assert least > 0
    assert plot.legend_folded and not plot.legend.isVisible() and plot._key.isVisible()
    assert plot.key_cover() < least / 4
    vb = plot.plotItem.vb.sceneBoundingRect()
    assert vb.contains(plot._key.sceneBoundingRect())
    # hovering the key lists every entry behind a square in its curve's colour
    tip = plot._key.toolTip()
    for i in range(12):
        colour = plot.curve(f"k{i}").opts["pen"].color().name()
        assert f"color:{colour}'>■</span> curve k{i}" in tip
    # new data: it stays folded (no legend that comes and goes), the key avoids the data
    plot.set_curve("k0", np.linspace(0.0, 1.0, 200), np.full(200, 0.95))
    plot.place_legend()
    assert plot.legend_folded

    click(plot, plot._key)                  # asked for: the legend over the data...
    assert plot.legend_on_request and plot.legend.isVisible() and not plot._key.isVisible()
    # ...in as many columns as fit the data area's width (twelve entries are taller
    # than this data area even so)
    legend = plot.legend.sceneBoundingRect()
    assert vb.left() <= legend.left() and legend.right() <= vb.right()
    assert plot.legend.columnCount > 1
    # ...at the smaller size it was drawn at to free a corner, not back at full size
    assert plot._legend_fit < 0.9
    plot.place_legend()
    assert plot.legend.isVisible()          # new data do not fold it while asked for
    click(plot, plot.legend)                # clicked: folded again
    assert plot.legend_folded and not plot.legend_on_request and plot._key.isVisible()

    plot.reset()                            # a new run: the legend is placed afresh
    assert not plot.legend_folded and plot.legend.isVisible() and not plot._key.isVisible()


def test_a_folded_legend_comes_back_when_the_plot_gets_room(qtbot):
    plot = many_curves_in_a_small_plot(qtbot)
    plot.place_legend()
    assert plot.legend_folded
    plot.resize(700, 600)                   # room for a band now
    qtbot.waitUntil(lambda: plot.legend_band is not None, timeout=5000)
    assert plot.legend.isVisible() and not plot._key.isVisible()


def test_an_exported_picture_shows_a_folded_legend(qtbot, tmp_path, monkeypatch):
    """A file has no tooltip to hover: the export draws the legend itself."""
    plot = many_curves_in_a_small_plot(qtbot)
    plot.place_legend()
    assert plot.legend_folded
    seen = []
    original = LegendKeyMixin.show_legend_for_export

    def spy(self, shown):
        original(self, shown)
        seen.append((shown, self.legend.isVisible(), self._key.isVisible()))
    # on the class: a spy on the plot itself kept the plot alive into a later test,
    # whose garbage collection then tore its labels down half-way
    monkeypatch.setattr(LegendKeyMixin, "show_legend_for_export", spy)
    assert plot.export(tmp_path / "plot.png").stat().st_size > 0
    assert seen == [(True, True, False), (False, False, True)]


def test_at_zoom_2_a_legend_is_never_cut_off_by_a_small_plot(qtbot):
    """At zoom 2 a small plot's legend may be drawn below the zoom-2 size, down to
    LEGEND_MIN_FIT of its zoom-1 size, rather than run off the data area's edge
    (sgd-noise at 1280×720 showed "asured" for "measured")."""
    plot = CurvePlot("t", "x", "y", legend="top-right")
    qtbot.addWidget(plot)
    for key, label in (("a", "measured"), ("b", "η Var/(Nλ(2−ηλ))"), ("c", "η Var/(2Nλ)")):
        plot.add_curve(key, label)
    plot.resize(240, 230)
    plot.show()
    qtbot.waitExposed(plot)
    plot.set_line_scale(2.0)
    x = np.linspace(0.0, 1.0, 200)
    for i, key in enumerate("abc"):
        plot.set_curve(key, x, np.sin(40 * x + i))             # no free place inside
    QApplication.processEvents()
    plot.place_legend()
    if plot.legend_band is None:
        assert not plot._legend_too_wide()
        assert plot.plotItem.vb.sceneBoundingRect().contains(plot.legend.sceneBoundingRect())
    else:
        assert plot.plotItem.sceneBoundingRect().contains(plot.legend.sceneBoundingRect())
    # never smaller than LEGEND_MIN_FIT of the zoom-1 size
    size_pt = float(plot.legend.opts["labelTextSize"].removesuffix("pt"))
    assert size_pt >= LEGEND_MIN_FIT * BASE_LEGEND_PT - 0.1
