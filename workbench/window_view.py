"""The View menu's actions of the main window: full screen, zoom (fonts and lines),
plots only, light/dark theme, and keeping the window on the screen it is on."""
from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from workbench.theme import apply_app_theme

#: One Ctrl+= / Ctrl+- step of the panel zoom.
ZOOM_STEP = 1.15
#: Above this zoom, a window narrower than WIDE_WINDOW hides the topic list: the plots
#: and the text need the width more (Ctrl+M, the course map, and Ctrl+K still navigate).
#: The panel's text column folds away there too ("☰ Text" or Ctrl+J brings it back): at
#: zoom 2 on 1280×720 it took 40 % of the width and left four-plot demos ~40 px tall
#: data areas under their re-wrapped readouts.
SIDEBAR_ZOOM, WIDE_WINDOW = 1.3, 1600


def default_size(screen) -> tuple[int, int]:
    """1440×900, or 92 % of the screen's free area where that is smaller (1280×720
    projectors, 1366×768 laptops)."""
    if screen is None:
        return 1440, 900
    area = screen.availableGeometry()
    return min(1440, int(area.width() * 0.92)), min(900, int(area.height() * 0.92))


class ViewActionsMixin:
    """Mixed into MainWindow: uses its ``current_panel``, ``panels``, ``settings``,
    ``sidebar`` and the checkable actions made in ``_build_menus``."""

    def fit_on_screen(self) -> None:
        """A remembered geometry from a larger screen (or a projector that has gone) is
        shrunk and moved onto the screen the window is on now."""
        screen = self.screen()
        if screen is None:
            return
        area = screen.availableGeometry()
        width, height = min(self.width(), area.width()), min(self.height(), area.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        if not area.contains(self.frameGeometry()):
            self.move(max(area.left(), min(self.x(), area.right() - width)),
                      max(area.top(), min(self.y(), area.bottom() - height)))

    def toggle_fullscreen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.fullscreen_action.setChecked(self.isFullScreen())
        self.update_lecture_keys()

    def zoom_in(self) -> None:
        if self.current_panel:
            self.current_panel.set_scale(self.current_panel.scale * ZOOM_STEP)

    def zoom_out(self) -> None:
        if self.current_panel:
            self.current_panel.set_scale(self.current_panel.scale / ZOOM_STEP)

    def zoom_reset(self) -> None:
        """Ctrl+0: normal fonts and lines, and the window back inside the screen."""
        if self.current_panel:
            self.current_panel.set_scale(1.0)
        if not (self.isFullScreen() or self.isMaximized()):
            self.fit_on_screen()

    def toggle_controls(self) -> None:
        panel = self.current_panel
        if panel:
            panel.set_controls_hidden(not panel.controls_hidden)
            self.hide_controls_action.setChecked(panel.controls_hidden)
            self.update_sidebar()

    def sidebar_wanted(self) -> bool:
        panel = self.current_panel
        if panel is None:
            return True
        if panel.controls_hidden:
            return False
        return panel.scale < SIDEBAR_ZOOM or self.width() >= WIDE_WINDOW

    def column_cramped(self) -> bool:
        panel = self.current_panel
        return panel is not None and panel.scale >= SIDEBAR_ZOOM and self.width() < WIDE_WINDOW

    def update_sidebar(self) -> None:
        wanted = self.sidebar_wanted()
        if self.sidebar.isVisibleTo(self) != wanted:
            self.sidebar.setVisible(wanted)
        if self.current_panel is not None:
            self.current_panel.set_column_cramped(self.column_cramped())

    def toggle_column(self) -> None:
        if self.current_panel:
            self.current_panel.toggle_column()

    def scale_chrome(self, factor: float) -> None:
        """The zoom of the panel shown applies to the window around it too: topic list,
        course map button, lecture bar, menu and status bar (a projector's back row
        reads those as well)."""
        if not hasattr(self, "_chrome_font"):
            self._chrome_font = QFont(self.font())
        font = QFont(self._chrome_font)
        font.setPointSizeF(max(6.0, self._chrome_font.pointSizeF() * factor))
        for widget in (self.nav, self.map_button, self.lecture_bar, self.menuBar(),
                       self.statusBar()):
            if widget.font() != font:
                widget.setFont(font)
        self.nav.setMaximumWidth(int(340 * max(1.0, factor)))
        self.update_sidebar()

    def panel_scale_changed(self, factor: float) -> None:
        if self.sender() is self.current_panel:
            self.scale_chrome(factor)

    def toggle_theme(self) -> None:
        self.apply_theme("light" if self.settings.theme == "dark" else "dark")

    def apply_theme(self, theme: str) -> None:
        self.settings.theme = theme
        app = QApplication.instance()
        if app is not None:
            apply_app_theme(app, theme)
        for panel in self.panels.values():
            panel.apply_theme(theme)
        self.dark_action.setChecked(theme == "dark")
        self.lecture_theme_changed(theme)
