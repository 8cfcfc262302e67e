"""Shared helpers for GUI tests."""
from __future__ import annotations

from workbench.main_window import MainWindow
from workbench.settings import Settings


def make_window(qtbot, tmp_path, settings: Settings | None = None) -> MainWindow:
    window = MainWindow(settings or Settings(tmp_path / "settings.json"))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


def quick_config(panel, steps: int = 10**6):
    """The current demo's quick preset (when it has one), with a step budget."""
    from workbench.presets import preset_names

    if "quick" in preset_names(panel.PANEL_ID, panel.spec.name):
        panel.apply_preset("quick")
    cfg = panel.form.config().replace(steps=steps)
    panel.form.set_config(cfg)
    return cfg
