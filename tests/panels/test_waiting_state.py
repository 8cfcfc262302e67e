"""Until a run's first picture arrives, its plots say that the engine is starting instead
of showing empty 0-1 axes; the note goes with the first snapshot (or a failure, a reset)."""
from __future__ import annotations

import pytest

from tests.panels.helpers import make_window, quick_config

pytestmark = pytest.mark.gui


def test_plots_say_the_engine_is_starting_until_the_first_picture(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("function")
    quick_config(panel, steps=50)
    plots = [p for p in panel.view.plots() if hasattr(p, "set_waiting")]
    assert plots and not any(p.waiting for p in plots)
    assert panel.start()
    # synchronously after Start: no snapshot can have arrived yet
    assert all(p.waiting for p in plots)
    assert "starting" in panel.progress_label.text()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None, timeout=30000)
    assert not any(p.waiting for p in plots)
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=30000)


def test_reset_takes_the_note_away(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("function")
    quick_config(panel, steps=50)
    assert panel.start(paused=True)
    panel.reset()
    assert not any(getattr(p, "waiting", False) for p in panel.view.plots())


def test_a_long_progress_line_ends_in_an_ellipsis_not_mid_word(qtbot):
    from workbench.elided_label import ElidedLabel

    label = ElidedLabel()
    qtbot.addWidget(label)
    label.resize(120, 30)
    label.show()
    text = "step 50/50 · n_samples 5000, explained 0.4962, reconstruction 26.6"
    label.setText(text)
    assert label.text() == text and label.toolTip() == text
    assert label.shown_text().endswith("…") and len(label.shown_text()) < len(text)
    label.resize(2000, 30)
    assert label.shown_text() == text
