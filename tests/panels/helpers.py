"""Shared helpers for GUI tests."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from workbench.main_window import MainWindow
from workbench.settings import Settings


#: Windows made by make_window in the running test; conftest closes them all at teardown
#: (qtbot only keeps weak references), so their engine hosts always end with the test.
OPEN_WINDOWS: list[MainWindow] = []


def make_window(qtbot, tmp_path, settings: Settings | None = None) -> MainWindow:
    window = MainWindow(settings or Settings(tmp_path / "settings.json"))
    qtbot.addWidget(window)
    OPEN_WINDOWS.append(window)
    window.resize(1280, 800)
    window.show()
    # Window shortcuts (Space, N, R, Esc) fire only in the active window.
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    return window


def quick_config(panel, steps: int = 10**6):
    """The current demo's quick preset (when it has one), with a step budget."""
    from workbench.presets import preset_names

    if "quick" in preset_names(panel.panel_id, panel.spec.name):
        panel.apply_preset("quick")
    from engines.config import field_meta

    most = field_meta(panel.spec.config, "steps")["max"]
    cfg = panel.form.config().replace(steps=min(steps, most))
    panel.form.set_config(cfg)
    return cfg
