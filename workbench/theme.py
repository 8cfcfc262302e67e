"""Light and dark themes for the whole window (Fusion style + palette)."""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

COLORS = {
    "light": {"window": "#f4f5f7", "base": "#ffffff", "text": "#1b1f24", "button": "#e8eaed",
              "highlight": "#2f6fdf", "muted": "#6b7280", "error": "#b42318", "ok": "#1a7f37"},
    "dark": {"window": "#1e2127", "base": "#16181d", "text": "#e6e6e6", "button": "#2b2f36",
             "highlight": "#4c8dff", "muted": "#9aa0a6", "error": "#ff7b72", "ok": "#56d364"},
}


def color(theme: str, role: str) -> str:
    return COLORS.get(theme, COLORS["light"])[role]


def apply_app_theme(app: QApplication, theme: str) -> None:
    c = COLORS.get(theme, COLORS["light"])
    # Only when it changes: setStyle replaces the application's QStyle object and
    # re-polishes every widget of every window (a window opened while others are still
    # being torn down crashed the process in Qt there), and a new palette repaints all.
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, QColor(c["window"]))
    pal.setColor(QPalette.ColorRole.WindowText, QColor(c["text"]))
    pal.setColor(QPalette.ColorRole.Base, QColor(c["base"]))
    pal.setColor(QPalette.ColorRole.AlternateBase, QColor(c["window"]))
    pal.setColor(QPalette.ColorRole.Text, QColor(c["text"]))
    pal.setColor(QPalette.ColorRole.Button, QColor(c["button"]))
    pal.setColor(QPalette.ColorRole.ButtonText, QColor(c["text"]))
    pal.setColor(QPalette.ColorRole.ToolTipBase, QColor(c["base"]))
    pal.setColor(QPalette.ColorRole.ToolTipText, QColor(c["text"]))
    pal.setColor(QPalette.ColorRole.Highlight, QColor(c["highlight"]))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor(c["muted"]))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText,
                 QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(c["muted"]))
    if app.palette() != pal:
        app.setPalette(pal)
