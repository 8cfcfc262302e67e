"""Main window: navigation, shortcuts, presentation mode, settings, sessions, closing."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from engines.registry import COURSE
from tests.panels.helpers import make_window, quick_config
from workbench.settings import Settings

pytestmark = pytest.mark.gui


def test_navigation_lists_registry_with_planned_topics_disabled(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    assert window.nav.count() == len(COURSE)
    for row, entry in enumerate(COURSE.values()):
        item = window.nav.item(row)
        enabled = bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)
        assert enabled == entry.built
        if not entry.built:
            assert f"ch. {entry.chapter}" in item.text()


def test_keyboard_shortcuts_drive_the_run(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("landscape")
    quick_config(panel)
    qtbot.keyClick(window, Qt.Key.Key_Space)          # start
    qtbot.waitUntil(lambda: panel.runner.state == "running", timeout=20000)
    qtbot.keyClick(window, Qt.Key.Key_Space)          # pause
    assert panel.runner.state == "paused"
    qtbot.keyClick(window, Qt.Key.Key_N)              # step
    qtbot.waitUntil(lambda: panel.runner.state == "paused", timeout=10000)
    with qtbot.waitSignal(panel.runner.finished, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_Escape)     # stop
    qtbot.keyClick(window, Qt.Key.Key_R)              # reset
    assert panel.runner.state == "idle" and panel.last_snapshot is None


def test_presentation_mode_scales_fonts_and_lines_and_is_remembered(qtbot, tmp_path):
    settings = Settings(tmp_path / "settings.json")
    window = make_window(qtbot, tmp_path, settings)
    panel = window.show_panel("nn-basics")
    plot = panel.view.plots()[0]
    font_before = panel.font().pointSizeF()
    width_before = plot.line_scale
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert panel.font().pointSizeF() > font_before
    assert plot.line_scale > width_before
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    scale = panel.scale
    assert 1.0 < scale < 1.4
    window.toggle_controls()
    assert not panel.controls.isVisible() and not panel.run_bar.isVisible()
    assert panel.views.isVisible()
    window.toggle_theme()
    assert settings.theme == "dark"
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.isFullScreen()
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert not window.isFullScreen()
    window.close()

    again = make_window(qtbot, tmp_path, Settings.load(tmp_path / "settings.json"))
    panel2 = again.show_panel("nn-basics")
    assert panel2.scale == pytest.approx(scale)
    assert panel2.controls_hidden and not panel2.controls.isVisible()
    assert again.settings.theme == "dark"


def test_settings_round_trip_restores_panel_demo_and_config(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("function")
    cfg = panel.form.config().replace(depth=5, lr=0.02, activation="sin")
    panel.form.set_config(cfg)
    panel.set_demo("image")
    window.close()
    data = json.loads((tmp_path / "settings.json").read_text())
    assert data["version"] == 1 and data["last_panel"] == "nn-basics"

    again = make_window(qtbot, tmp_path, Settings.load(tmp_path / "settings.json"))
    panel2 = again.show_panel(again.settings.last_panel)
    assert panel2.spec.name == "image"
    assert panel2.form_for["function"].config() == cfg


def test_corrupted_settings_file_opens_with_defaults_and_a_message(qtbot, tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("\x00\x01 garbage")
    window = make_window(qtbot, tmp_path, Settings.load(path))
    panel = window.show_panel("nn-basics")
    assert "could not be read" in panel.message_label.text()
    assert panel.form.config() == panel.spec.config()


def test_closing_the_window_mid_run_stops_cleanly(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("function")
    quick_config(panel)
    panel.start()
    qtbot.waitUntil(lambda: panel.runner.state == "running", timeout=20000)
    window.close()
    # the conftest fixture fails the test if an engine thread is still alive
    assert panel.runner.state in ("idle", "finished")


def test_session_save_and_restore_continues_with_the_same_numbers(qtbot, tmp_path):
    from engines.registry import demo
    from engines.runtime import Control, drive

    total = 600
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("landscape")
    cfg = quick_config(panel, steps=total)
    panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None, timeout=20000)
    panel.toggle_pause()
    saved_at = panel.runner.wait_parked(5.0)
    assert saved_at is not None
    path = tmp_path / "run.mlwb"
    assert panel.save_session(path)
    panel.stop()
    qtbot.waitUntil(lambda: panel.runner.state == "finished", timeout=5000)

    (tmp_path / "b").mkdir()
    other = make_window(qtbot, tmp_path / "b")
    assert other.open_session(str(path))
    panel2 = other.current_panel
    assert panel2.spec.name == "landscape" and panel2.form.config() == cfg
    assert panel2.last_snapshot.step == saved_at
    with qtbot.waitSignal(panel2.runner.finished, timeout=30000) as blocker:
        panel2.start()
    assert blocker.args == ["completed"]

    reference = demo("nn-basics", "landscape").engine_class()(cfg)
    final = None
    for final in drive(reference, Control()):
        pass
    assert panel2.last_snapshot.step == total
    assert panel2.last_snapshot.metrics == final.metrics


def test_opening_a_corrupted_session_shows_a_message(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    bad = tmp_path / "bad.mlwb"
    bad.write_bytes(b"not a session at all")
    assert not window.open_session(str(bad))
    assert "Cannot open the session" in panel.message_label.text()


def test_invalid_run_error_is_shown_not_raised(qtbot, tmp_path):
    """Landscape with every optimizer off: the engine refuses, the panel says why."""
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("landscape")
    panel.form.set_config(panel.form.config().replace(sgd=False, momentum=False,
                                                      rmsprop=False, adam=False))
    with qtbot.waitSignal(panel.runner.finished, timeout=20000) as blocker:
        panel.start()
    assert blocker.args == ["failed"]
    assert "optimizer" in panel.message_label.text()


def test_about_text_names_versions_and_device(qtbot, tmp_path):
    from workbench.main_window import about_text

    text = about_text("CPU (2 threads)")
    assert "PySide6" in text and "pyqtgraph" in text and "CPU (2 threads)" in text
