"""Axes of the plot kit at projector zoom: tick labels never run into each other, and an
axis label longer than its axis is drawn smaller, then elided with its whole text as the
plot's tooltip (the axis keeps its name); a title too wide goes on two lines first."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication

from workbench.plot_axes import _next_nice
from workbench.plots import CurvePlot

pytestmark = pytest.mark.gui


def test_nice_intervals_step_through_1_2_5():
    assert [_next_nice(x) for x in (1.0, 2.0, 5.0, 0.2, 2.5, 1000.0)] == \
        [2.0, 5.0, 10.0, 0.5, 5.0, 2000.0]


@pytest.mark.parametrize("vertical", [False, True])
def test_tick_labels_at_zoom_2_leave_room_between_them(qtbot, vertical):
    plot = CurvePlot("Loss", "step", "loss")
    qtbot.addWidget(plot)
    plot.set_line_scale(2.0)
    axis = plot.plotItem.getAxis("left" if vertical else "bottom")
    metrics = QFontMetricsF(axis.style["tickFont"])
    low, high, size = (0.0, 1.0, 70.0) if vertical else (0.0, 2600.0, 190.0)
    interval = axis.tickSpacing(low, high, size)[0][0]
    pixels = interval / (high - low) * size
    if vertical:
        assert pixels >= metrics.height()
    else:
        values = [k * interval for k in range(int(high // interval) + 1)]
        widest = max(metrics.horizontalAdvance(t)
                     for t in axis.tickStrings(values, 1.0, interval))
        assert pixels >= widest
    # at zoom 1 on a long axis pyqtgraph's own spacing stands
    plot.set_line_scale(1.0)
    assert axis.tickSpacing(0.0, 1.0, 400.0) == type(axis).tickSpacing(axis, 0.0, 1.0, 400.0)


def test_a_long_axis_label_is_elided_with_its_text_as_tooltip(qtbot):
    text = "gluon efficiency (false positive rate of the tagger)"
    plot = CurvePlot("ROC", text, "quark efficiency")
    qtbot.addWidget(plot)
    plot.resize(180, 200)
    plot.show()
    qtbot.waitExposed(plot)
    qtbot.waitUntil(lambda: plot.axis_labels_elided == [text], timeout=5000)
    assert text in plot.toolTip()
    axis = plot.plotItem.getAxis("bottom")
    assert axis.label.boundingRect().width() <= axis.geometry().width() + 1
    assert axis.labelText == text                   # the name itself is kept
    plot.resize(900, 300)                           # room again: the whole label
    qtbot.waitUntil(lambda: plot.axis_labels_elided == [], timeout=5000)
    assert plot.toolTip() == ""                     # ...and no stale tooltip


def test_a_long_title_goes_on_two_lines_before_it_is_elided(qtbot):
    title = "Effective sample size of the importance weights"
    plot = CurvePlot(title, "step", "ESS")
    qtbot.addWidget(plot)
    plot.resize(900, 250)
    plot.show()
    qtbot.waitExposed(plot)
    assert plot.title_fit == "one line"
    plot.resize(200, 250)
    qtbot.waitUntil(lambda: plot.title_fit == "two lines", timeout=5000)
    label = plot.plotItem.titleLabel.item
    assert label.boundingRect().width() <= plot.width()
    assert not plot.title_elided and plot.toolTip() == ""
    assert label.toPlainText().replace("\u2028", "\n").count("\n") == 1
    # the title row grew for the second line: the title ends above the data area
    qtbot.waitUntil(lambda: label.sceneBoundingRect().bottom()
                    <= plot.plotItem.vb.sceneBoundingRect().top() + 1, timeout=5000)
    plot.resize(200, 120)                           # too flat for a second line
    qtbot.waitUntil(lambda: plot.title_elided, timeout=5000)
    plot.resize(200, 250)
    qtbot.waitUntil(lambda: plot.title_fit == "two lines", timeout=5000)
    plot.resize(60, 250)                            # not even two lines fit
    qtbot.waitUntil(lambda: plot.title_elided, timeout=5000)
    assert plot.toolTip() == title
    plot.resize(900, 250)
    qtbot.waitUntil(lambda: plot.title_fit == "one line", timeout=5000)
    assert plot.toolTip() == ""


@pytest.mark.parametrize("zoom", [1.0, 2.0])
def test_the_tick_labels_at_both_ends_of_a_gridded_axis_are_drawn(qtbot, zoom):
    """pyqtgraph's bounding rect of an axis with grid lines has no overflow tolerance, so
    "1.0" at the end of a 0-1 axis was not drawn ("the last x-tick label is often
    missing")."""
    from PySide6.QtGui import QImage, QPainter

    plot = CurvePlot("ROC", "x", "y")
    qtbot.addWidget(plot)
    plot.set_line_scale(zoom)
    plot.plotItem.setXRange(0.0, 1.0, padding=0)
    plot.plotItem.setYRange(0.0, 1.0, padding=0)
    plot.resize(int(300 * zoom), int(300 * zoom))
    plot.show()
    qtbot.waitExposed(plot)
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    for side in ("bottom", "left"):
        axis = plot.plotItem.getAxis(side)
        assert axis.grid is not False
        painter = QPainter(image)
        texts = [text for _, _, text in axis.generateDrawSpecs(painter)[2]]
        painter.end()
        assert texts[0] == "0" and texts[-1] == "1.0", (side, texts)


def test_a_views_own_tick_labels_that_would_touch_are_left_out(qtbot):
    """information/text names its models on the x axis ("5", "w1", "w2"): in a narrow plot
    at zoom 2 they ran together; now a label touching the one before it is not drawn."""
    from PySide6.QtGui import QImage, QPainter

    plot = CurvePlot("Bits per character", "model", "bits")
    qtbot.addWidget(plot)
    plot.set_line_scale(2.0)
    names = ["1", "2", "3", "4", "5", "w1", "w2"]
    axis = plot.plotItem.getAxis("bottom")
    axis.setTicks([[(i, name) for i, name in enumerate(names)]])
    plot.plotItem.setXRange(-0.5, 6.5, padding=0)
    image = QImage(10, 10, QImage.Format.Format_ARGB32)

    def drawn():
        painter = QPainter(image)
        specs = axis.generateDrawSpecs(painter)[2]
        painter.end()
        return sorted(specs, key=lambda spec: spec[0].left())

    plot.resize(900, 300)
    plot.show()
    qtbot.waitExposed(plot)
    assert [text for _, _, text in drawn()] == names        # room: every name
    plot.resize(160, 300)
    qtbot.waitUntil(lambda: len(drawn()) < len(names), timeout=5000)
    rects = [rect for rect, _, _ in drawn()]
    assert all(a.right() < b.left() for a, b in zip(rects, rects[1:]))
    assert len(axis._tickLevels[0]) == len(names)            # the ticks themselves stay


def test_a_log_axis_over_many_decades_has_no_minor_ticks(qtbot):
    """pyqtgraph puts 2..9 of every decade on a log axis, each with a grid line: 170 of
    them over 19 decades. Decades only there; the minor ticks stay on short ranges."""
    plot = CurvePlot("Residual", "iteration", "residual", log_y=True)
    qtbot.addWidget(plot)
    plot.add_curve("r", "residual")
    plot.resize(400, 300)
    plot.show()
    qtbot.waitExposed(plot)
    axis = plot.plotItem.getAxis("left")

    def ticks(lo_exp, hi_exp):
        plot.set_curve("r", np.arange(2.0), np.array([10.0 ** lo_exp, 10.0 ** hi_exp]))
        QApplication.processEvents()
        lo, hi = plot.plotItem.vb.viewRange()[1]
        levels = axis.tickValues(lo, hi, axis.height())
        return [values for _, values in levels]

    wide = ticks(-14, 5)
    assert sum(len(v) for v in wide) < 25
    assert all(abs(t - round(t)) < 1e-9 for v in wide for t in v)       # decades only
    short = ticks(0, 2)
    assert any(abs(t - round(t)) > 1e-3 for v in short for t in v)      # 2..9 there

    def minors(lo_exp, hi_exp) -> bool:
        return any(abs(t - round(t)) > 1e-3 for v in ticks(lo_exp, hi_exp) for t in v)

    # 3.5 decades: too short a decade for eight more lines on this 300 px plot, room for
    # them on a 900 px one
    assert not minors(-2.5, 1)
    plot.resize(400, 900)
    QApplication.processEvents()
    assert minors(-2.5, 1)


def test_a_bottom_axis_is_tall_enough_for_its_labels_descenders_at_zoom_2(qtbot):
    """pyqtgraph sizes a bottom axis by 0.8 of its labels' height: at zoom 2 it cut the
    descenders of "g", "p", "y" (information/text's letter axis)."""
    plot = CurvePlot("Letters", "", "P")
    qtbot.addWidget(plot)
    plot.add_curve("f", "f")
    plot.set_curve("f", np.arange(5.0), np.arange(5.0))
    axis = plot.plotItem.getAxis("bottom")
    axis.setTicks([[(i, c) for i, c in enumerate("gpqyj")]])
    plot.set_line_scale(2.0)
    plot.resize(500, 300)
    plot.show()
    qtbot.waitExposed(plot)
    for _ in range(3):
        QApplication.processEvents()
    font = axis.style["tickFont"] or axis.font()
    line = QFontMetricsF(font).height()
    assert line > 25                                   # the zoomed font, not zoom 1's
    # pyqtgraph's own sum: ticks, the gap under them, the labels
    room = axis.height() - max(0, axis.style["tickLength"]) - axis.style["tickTextOffset"][1]
    assert room >= line - 0.5
