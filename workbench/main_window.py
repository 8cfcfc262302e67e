"""MainWindow: topic navigation, the stacked panel area, menus, shortcuts, status bar,
and lecture mode (course map, command palette, lectures, code view; workbench.lecture_mode)."""
from __future__ import annotations

import base64
import logging
import time
from typing import Iterable

from PySide6.QtCore import QByteArray, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QLabel, QListWidget, QListWidgetItem,
                               QMainWindow, QMessageBox, QPushButton, QSplitter, QVBoxLayout,
                               QWidget)

from engines.spec import Topic
from workbench import APP_NAME, __version__
from workbench.demo_view import CurrentPageStack
from workbench.lecture_mode import LectureModeMixin
from workbench.panel import Panel
from workbench.settings import Settings
from workbench.window_view import ViewActionsMixin, default_size

log = logging.getLogger(__name__)


#: Closing the window: engine hosts get this long to quit by themselves, then they are
#: terminated. A host busy inside a long step on a loaded machine answers late, and it
#: holds nothing to lose (settings and sessions are written by this process): the window
#: closes within about a second instead of waiting out a two-second grace.
QUIT_GRACE = 0.5


class MainWindow(LectureModeMixin, ViewActionsMixin, QMainWindow):
    """The shell. ``topics`` (the course, built and planned) comes from the entry point,
    so the shell knows no panel by name; by default the registry's. ``thumbnails``: render
    the course map's missing pictures in the background (the app; tests leave them)."""

    def __init__(self, settings: Settings | None = None, device: str | None = None,
                 prestart: bool = False, topics: Iterable[Topic] | None = None,
                 thumbnails: bool = False):
        super().__init__()
        if topics is None:
            from engines.registry import COURSE

            topics = COURSE.values()
        self.topics: dict[str, Topic] = {topic.id: topic for topic in topics}
        self.settings = settings or Settings.load()
        self.device = device
        self.device_name: str | None = None
        # Spawn each panel's engine host when the panel is built, so the first Start
        # does not wait for torch to load (the app does; tests start hosts on demand).
        self.prestart = prestart
        self.panels: dict[str, Panel] = {}
        self.thumbnails = thumbnails
        self.init_lecture_mode()
        self.setWindowTitle(APP_NAME)
        self._build()
        self._build_menus()
        self._restore_window()
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(500)
        self._status_timer.timeout.connect(self._refresh_status)
        self._status_timer.start()

    # ---- layout -------------------------------------------------------------------
    def _build(self) -> None:
        self.nav = QListWidget()
        self.nav.setMinimumWidth(170)
        self.nav.setMaximumWidth(340)
        self.nav.setWordWrap(True)
        self.nav.setSpacing(3)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for entry in self.topics.values():
            item = QListWidgetItem(entry.title if entry.built else
                                   f"{entry.title}\n   ch. {entry.chapter} · planned")
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            item.setToolTip(f"Lecture chapter {entry.chapter}")
            if not entry.built:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setForeground(QColor("#8a8f98"))
            self.nav.addItem(item)
        self.stack = CurrentPageStack()
        self.placeholder = QLabel("Choose a topic on the left.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.placeholder)
        self.map_button = QPushButton("Course map")
        self.map_button.setToolTip("All chapters and demos, with search (Ctrl+M; "
                                   "Ctrl+K: go to a demo by name)")
        self.map_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.map_button.clicked.connect(self.show_course_map)
        self.sidebar = QWidget()
        side = QVBoxLayout(self.sidebar)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(2)
        side.addWidget(self.map_button)
        side.addWidget(self.nav, 1)
        self.lecture_bar = self.build_lecture_bar()
        self.pages = QWidget()
        right = QVBoxLayout(self.pages)
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        right.addWidget(self.lecture_bar)
        right.addWidget(self.stack, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([230, 1200])
        self.setCentralWidget(self.splitter)
        self.nav.currentItemChanged.connect(self._on_nav_changed)

        self.device_label = QLabel("device: detecting…")
        self.rate_label = QLabel("")
        self.state_label = QLabel("idle")
        bar = self.statusBar()
        bar.addPermanentWidget(self.state_label)
        bar.addPermanentWidget(self.rate_label)
        bar.addPermanentWidget(self.device_label)

    def _action(self, menu, text: str, slot, shortcut: str | QKeySequence | None = None,
                checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts keep working when the menu bar is hidden
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Open session…", self.open_session_dialog, QKeySequence.StandardKey.Open)
        self._action(file_menu, "&Save session…", self.save_session_dialog, QKeySequence.StandardKey.Save)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        run = bar.addMenu("&Run")
        self.start_action = self._action(run, "Start / Pause", self._start_pause, "Space")
        self._action(run, "Step", self._step, "N")
        self._action(run, "Stop", self._stop, "Esc")
        self._action(run, "Reset", self._reset, "R")

        view = bar.addMenu("&View")
        self.fullscreen_action = self._action(view, "Full screen", self.toggle_fullscreen, "F11",
                                              checkable=True)
        self._action(view, "Zoom in (fonts and lines)", self.zoom_in, "Ctrl+=")
        self.addAction(self._hidden_action("Ctrl++", self.zoom_in))
        self._action(view, "Zoom out", self.zoom_out, "Ctrl+-")
        self._action(view, "Reset zoom", self.zoom_reset, "Ctrl+0")
        self.hide_controls_action = self._action(view, "Hide controls (plots only)",
                                                 self.toggle_controls, "Ctrl+H", checkable=True)
        self._action(view, "Fold or show the text column", self.toggle_column, "Ctrl+J")
        self.dark_action = self._action(view, "Dark theme", self.toggle_theme, "Ctrl+T",
                                        checkable=True)

        self.build_lecture_menus(bar, view, run)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About", self.show_about)

    def _hidden_action(self, shortcut: str, slot) -> QAction:
        action = QAction(self)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _restore_window(self) -> None:
        geometry = self.settings.window.get("geometry")
        restored = False
        if isinstance(geometry, str):
            try:
                restored = self.restoreGeometry(QByteArray(base64.b64decode(geometry)))
            except (ValueError, TypeError):
                restored = False
        if not restored:
            self.resize(*default_size(self.screen()))
        else:
            self.fit_on_screen()
        self.apply_theme(self.settings.theme)

    # ---- panels -------------------------------------------------------------------
    @property
    def current_panel(self) -> Panel | None:
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, Panel) else None

    def panel(self, panel_id: str) -> Panel:
        """The panel with this id, created on first use."""
        if panel_id not in self.panels:
            topic = self.topics[panel_id]
            panel = topic.panel_class()(topic, self.settings, device=self.device)
            panel.apply_theme(self.settings.theme)
            panel.runner.state_changed.connect(self._on_run_state)
            panel.scale_changed.connect(self.panel_scale_changed)
            panel.runner.device_known.connect(self._on_device_known)
            if self.prestart:
                panel.runner.prestart()
            self.panels[panel_id] = panel
            self.stack.addWidget(panel)
        return self.panels[panel_id]

    def show_panel(self, panel_id: str) -> Panel:
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == panel_id:
                self.nav.setCurrentRow(row)
                break
        return self.panel(panel_id)

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_nav_changed(self, item: QListWidgetItem | None, _previous) -> None:
        if item is None:
            return
        entry = self.topics.get(item.data(Qt.ItemDataRole.UserRole))
        if entry is None or not entry.built:
            return
        panel = self.panel(entry.id)
        self.stack.setCurrentWidget(panel)
        self.settings.last_panel = entry.id
        self.settings.window["page"] = "panel"
        self.hide_controls_action.setChecked(panel.controls_hidden)
        self.scale_chrome(panel.scale)
        self._on_run_state(panel.runner.state)

    # ---- run shortcuts -------------------------------------------------------------
    def _start_pause(self) -> None:
        if self.current_panel:
            self.current_panel.toggle_pause()

    def _step(self) -> None:
        if self.current_panel:
            self.current_panel.step()

    def _stop(self) -> None:
        if self.current_panel:
            self.current_panel.stop()

    def _reset(self) -> None:
        if self.current_panel:
            self.current_panel.reset()

    # ---- presentation ----------------------------------------------------------------
    # ---- sessions ------------------------------------------------------------------------
    def save_session_dialog(self) -> None:
        panel = self.current_panel
        if panel is None:
            return
        from workbench.session import SUFFIX

        path, _ = QFileDialog.getSaveFileName(
            self, "Save session", f"{panel.panel_id}-{panel.spec.name}{SUFFIX}",
            f"ML Workbench session (*{SUFFIX})")
        if path:
            panel.save_session(path)

    def open_session_dialog(self) -> None:
        from workbench.session import SUFFIX

        path, _ = QFileDialog.getOpenFileName(self, "Open session", "",
                                              f"ML Workbench session (*{SUFFIX});;All files (*)")
        if path:
            self.open_session(path)

    def open_session(self, path: str) -> bool:
        from workbench.session import SessionError, load_session

        try:
            session = load_session(path)
        except SessionError as exc:
            message = f"Cannot open the session: {exc}"
            if self.current_panel:
                self.current_panel.show_message(message, error=True)
            self.statusBar().showMessage(message, 10000)
            log.warning(message)
            return False
        return self.show_panel(session.panel).load_session(session)

    # ---- status & about --------------------------------------------------------------------
    @Slot(str)
    def _on_device_known(self, label: str) -> None:
        self.device_name = label
        self.device_label.setText(f"device: {label}")

    @Slot(str)
    def _on_run_state(self, _state: str) -> None:
        self._refresh_status()

    @Slot()
    def _refresh_status(self) -> None:
        panel = self.current_panel
        if panel is None:
            return
        state = panel.runner.state
        self.state_label.setText(state)
        rate = panel.runner.steps_per_second
        self.rate_label.setText(f"{rate:,.0f} steps/s" if state == "running" and rate else "")

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}", about_text(self.device_name))

    # ---- closing -------------------------------------------------------------------------------
    def shutdown(self, timeout: float = 2.0) -> bool:
        """End every run and engine host, all in parallel: within ``timeout`` seconds a
        host quits by itself, then it is terminated and killed. True when no host is
        left running."""
        self._status_timer.stop()
        self.shutdown_lecture_mode()
        for panel in self.panels.values():
            panel.begin_shutdown()
        deadline = time.monotonic() + timeout
        return all([panel.runner.finish_shutdown(deadline) for panel in self.panels.values()])

    def save_settings(self) -> None:
        self.settings.window["geometry"] = base64.b64encode(bytes(self.saveGeometry())).decode()
        for panel_id, panel in self.panels.items():
            for name, form in panel.form_for.items():
                try:
                    self.settings.set_demo_config(panel_id, name, form.config())
                except ValueError:
                    pass  # an invalid half-edited form is not remembered
        self.settings.save()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if hasattr(self, "sidebar"):
            self.update_sidebar()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.shutdown(QUIT_GRACE)
        self.save_settings()
        super().closeEvent(event)


def about_text(device: str | None) -> str:
    import platform
    import sys

    import numpy
    import pyqtgraph
    import PySide6
    from PySide6.QtCore import qVersion

    torch_version = "not loaded"
    if "torch" in sys.modules:
        torch_version = sys.modules["torch"].__version__
    from workbench.paths import log_dir

    return (f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Interactive demos for the lecture series <i>Advanced Machine Learning for "
            "Physics, Science, and Artificial Scientific Discovery</i>.</p>"
            f"<p>Python {platform.python_version()} · PySide6 {PySide6.__version__} "
            f"(Qt {qVersion()}) · pyqtgraph {pyqtgraph.__version__} · torch {torch_version} · "
            f"numpy {numpy.__version__}</p>"
            f"<p>Device: {device or 'detecting…'}</p>"
            f"<p>Log files: {log_dir()}</p>")
