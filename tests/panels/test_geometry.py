"""Every demo fits a 1280×720 projector, at zoom 1 and zoom 2 (fonts and lines doubled):
the window's minimum size, which the layouts must honour, is inside the screen; and at
zoom 1 every plot title fits its plot (the plot kit elides a title that does not, with
the full title as tooltip: a fallback, not the rule)."""
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
    too_big, elided = [], []
    for spec in panel.specs:
        panel.set_demo(spec.name)
        for zoom in (1.0, 2.0):
            panel.set_scale(zoom)
            QApplication.processEvents()     # let the layouts recompute
            hint = window.minimumSizeHint()
            if hint.width() > SCREEN[0] or hint.height() > SCREEN[1]:
                too_big.append(f"{spec.name} at zoom {zoom:g}: {hint.width()}×{hint.height()}")
            if zoom == 1.0:
                elided += [f"{spec.name}: {plot.toolTip()!r} ({plot.width()} px)"
                           for plot in panel.view.plots()
                           if plot.isVisible() and getattr(plot, "title_elided", False)]
    panel.set_scale(1.0)
    assert not too_big, f"{panel_id} needs more than {SCREEN[0]}×{SCREEN[1]}: {too_big}"
    assert not elided, f"{panel_id}: plot titles too long at 1280×720: {elided}"
