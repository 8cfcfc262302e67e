"""Zoomed on a narrow window, the text column folds away so the plots get the room; the
header's "☰ Text" button and Ctrl+J bring it back (and fold it again)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.panels.helpers import make_window

pytestmark = pytest.mark.gui


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def plots_height(panel) -> int:
    return min(plot.height() for plot in panel.view.plots() if plot.isVisible())


def test_zoom_2_on_1280x720_folds_the_column_and_the_plots_grow(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    window.resize(1280, 720)
    panel = window.show_panel("bayes")
    panel.set_demo("loss")
    panel.set_scale(2.0)
    settle()
    assert not panel.controls.isVisible()
    assert panel.column_button.isVisible() and not panel.column_button.isChecked()
    folded_width = panel.views.width()
    folded_height = plots_height(panel)

    qtbot.mouseClick(panel.column_button, Qt.MouseButton.LeftButton)   # bring it back
    settle()
    assert panel.controls.isVisible() and panel.column_button.isChecked()
    assert panel.controls.width() >= 300
    assert folded_width > panel.views.width() + 300
    # the readouts under the plots re-wrap into fewer lines when the plots are wider
    assert folded_height > plots_height(panel)

    qtbot.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)   # fold again
    settle()
    assert not panel.controls.isVisible()


def test_the_column_stays_at_zoom_1_and_on_a_wide_window(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    window.resize(1280, 720)
    panel = window.show_panel("nn-basics")
    settle()
    assert panel.controls.isVisible() and not panel.column_button.isVisible()
    window.resize(1920, 1080)
    panel.set_scale(2.0)
    settle()
    assert panel.controls.isVisible() and not panel.column_button.isVisible()
    window.resize(1280, 720)       # narrow again: folds, the button appears
    settle()
    assert not panel.controls.isVisible() and panel.column_button.isVisible()
    window.zoom_reset()            # Ctrl+0: zoom 1, the column is back
    settle()
    assert panel.controls.isVisible() and not panel.column_button.isVisible()


def test_a_column_folded_by_hand_stays_folded_and_plots_only_hides_it_too(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    window.resize(1366, 768)
    panel = window.show_panel("nn-basics")
    window.toggle_column()                      # Ctrl+J at zoom 1
    settle()
    assert not panel.controls.isVisible() and panel.column_button.isVisible()
    window.resize(1300, 740)                    # a resize does not undo the user's choice
    settle()
    assert not panel.controls.isVisible()
    window.toggle_controls()                    # Ctrl+H: plots only, no button either
    settle()
    assert not panel.controls.isVisible() and not panel.column_button.isVisible()
    window.toggle_controls()
    window.toggle_column()
    settle()
    assert panel.controls.isVisible() and not panel.column_button.isVisible()
