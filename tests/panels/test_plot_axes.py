"""Axes of the plot kit at projector zoom: tick labels never run into each other, and an
axis label longer than its axis is drawn smaller, then elided with its whole text as the
plot's tooltip (the axis keeps its name)."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetricsF

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
