"""Every demo fits a 1280×720 projector, at zoom 1 and zoom 2 (fonts and lines doubled):
the window's minimum size, which the layouts must honour, is inside the screen; at zoom 1
no plot is cut off at its right edge and no plot title is elided (a title spans the whole
plot, axes included, and is drawn smaller where it must). At zoom 2 four plots share
1280 px: there a title that does not fit even smaller is elided with its whole text as
the plot's tooltip (Ctrl+H, plots only, gives them room), and some plots' axes overflow by
a few pixels."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from engines.registry import COURSE
from tests.panels.helpers import make_window

pytestmark = pytest.mark.gui

BUILT = [topic.id for topic in COURSE.values() if topic.built]
SCREEN = (1280, 720)


@pytest.mark.parametrize("panel_id", BUILT)
def test_every_demo_fits_1280x720_at_zoom_1_and_2(qtbot, tmp_path, panel_id):
    window = make_window(qtbot, tmp_path)
    window.resize(*SCREEN)
    panel = window.show_panel(panel_id)
    too_big, elided, untold, cut = [], [], [], []
    for spec in panel.specs:
        panel.set_demo(spec.name)
        for zoom in (1.0, 2.0):
            panel.set_scale(zoom)
            QApplication.processEvents()     # let the layouts recompute
            hint = window.minimumSizeHint()
            if hint.width() > SCREEN[0] or hint.height() > SCREEN[1]:
                too_big.append(f"{spec.name} at zoom {zoom:g}: {hint.width()}×{hint.height()}")
            visible = [plot for plot in panel.view.plots() if plot.isVisible()]
            # a plot item wider than its widget is cut off at the right
            if zoom == 1.0:
                cut += [f"{spec.name}: {plot.plotItem.width():.0f} px item in a "
                        f"{plot.width()} px plot" for plot in visible
                        if hasattr(plot, "plotItem") and plot.plotItem.width() > plot.width() + 1]
                elided += [f"{spec.name}: {plot._title!r} ({plot.width()} px)"
                           for plot in visible if getattr(plot, "title_elided", False)]
            else:
                # an elided title keeps its whole text as the plot's tooltip
                untold += [f"{spec.name}: {plot._title!r} ({plot.width()} px)"
                           for plot in visible if getattr(plot, "title_elided", False)
                           and not plot.toolTip()]
    panel.set_scale(1.0)
    assert not too_big, f"{panel_id} needs more than {SCREEN[0]}×{SCREEN[1]}: {too_big}"
    assert not cut, f"{panel_id}: plots cut off: {cut}"
    assert not elided, f"{panel_id}: titles elided at zoom 1: {elided}"
    assert not untold, f"{panel_id}: elided titles without their text as tooltip: {untold}"
