"""Lecture mode of the main window (mixed into workbench.main_window.MainWindow).

- the course map page (start page, View ▸ Course map, Ctrl+M) and the command palette
  (Ctrl+K) that jumps to any demo by name, chapter or keyword;
- lectures (workbench.lectures): open one, Page Down / Page Up (and → / ← in full screen)
  go to the next / previous step, the lecture bar shows where the lecture is, the notes
  go to a window of their own; "Add this demo to a lecture" records the current settings;
- "Show code" (the engine's training step and model beside the demo's equations) and
  "Copy as command line" (the `ml-workbench run …` that reproduces the settings).

Only the Panel's public API is used: show_panel, set_demo, form, spec, panel_id,
set_speed, start, stop, runner.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMenu

from engines.config import ConfigError
from workbench.lectures import (Lecture, LectureError, add_step, lecture_title, load_lecture,
                                shipped_lectures, step_from_settings, user_lectures)

log = logging.getLogger("workbench.main_window")
COURSE_MAP = "course-map"
AUTOSTART_WAIT_MS = 15000


class LectureModeMixin:
    # ---- set-up (called by MainWindow) -------------------------------------------------------
    def init_lecture_mode(self) -> None:
        self.lecture: Lecture | None = None
        self.step_index = -1
        #: Steps with "autostart" start their run (tests switch it off to stay lean).
        self.lecture_autostart = True
        self.course_map = None
        self.palette = None
        self.code_view = None
        self.notes_window = None
        self._index = None
        self.lecture_problems: list[str] = []

    def build_lecture_bar(self):
        from workbench.lecture_bar import LectureBar

        bar = LectureBar()
        bar.go_to.connect(self.go_to_step)
        bar.previous_requested.connect(self.previous_step)
        bar.next_requested.connect(self.next_step)
        bar.notes_requested.connect(self.show_notes_window)
        bar.close_requested.connect(self.end_lecture)
        bar.hide()
        return bar

    def build_lecture_menus(self, bar, view, run) -> None:
        view.addSeparator()
        self._action(view, "Course map", self.show_course_map, "Ctrl+M")
        self._action(view, "Go to demo… (search)", self.show_palette, "Ctrl+K")
        self._action(view, "Show code behind the demo", self.show_code, "Ctrl+U")
        run.addSeparator()
        self._action(run, "Copy as command line", self.copy_command_line, "Ctrl+Shift+C")

        lecture = bar.addMenu("&Lecture")
        self.open_lecture_menu = QMenu("Open lecture", self)
        self.open_lecture_menu.aboutToShow.connect(self._fill_lecture_menu)
        lecture.addMenu(self.open_lecture_menu)
        self.next_action = self._action(lecture, "Next step", self.next_step,
                                        QKeySequence(Qt.Key.Key_PageDown))
        self.previous_action = self._action(lecture, "Previous step", self.previous_step,
                                            QKeySequence(Qt.Key.Key_PageUp))
        # The arrow keys step only in full screen (elsewhere they belong to the widgets).
        self.next_arrow = self._hidden_lecture_action(Qt.Key.Key_Right, self.next_step)
        self.previous_arrow = self._hidden_lecture_action(Qt.Key.Key_Left, self.previous_step)
        lecture.addSeparator()
        self._action(lecture, "Add this demo to a lecture…", self.add_to_lecture_dialog)
        self._action(lecture, "Lecturer's notes window", self.show_notes_window)
        self.end_action = self._action(lecture, "End lecture", self.end_lecture)
        self.update_lecture_keys()

    def _hidden_lecture_action(self, key, slot) -> QAction:
        action = QAction(self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def update_lecture_keys(self) -> None:
        active = self.lecture is not None
        for action in (getattr(self, "next_action", None), getattr(self, "previous_action", None),
                       getattr(self, "end_action", None)):
            if action is not None:
                action.setEnabled(active)
        for action in (getattr(self, "next_arrow", None), getattr(self, "previous_arrow", None)):
            if action is not None:
                action.setEnabled(active and self.isFullScreen())

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.WindowStateChange:
            self.update_lecture_keys()

    def lecture_theme_changed(self, theme: str) -> None:
        if getattr(self, "code_view", None) is not None:
            for editor in self.code_view.editors:
                editor.highlighter.set_theme(theme)

    def shutdown_lecture_mode(self) -> None:
        if self.course_map is not None:
            self.course_map.stop_rendering()
        for window in (self.notes_window, self.code_view, self.palette):
            if window is not None:
                window.close()

    # ---- course map and palette -----------------------------------------------------------------
    def index(self):
        if self._index is None:
            from workbench.course_index import build_index

            self._index = build_index(self.topics.values())
        return self._index

    def show_course_map(self):
        if self.course_map is None:
            from workbench.course_map import CourseMap

            self.course_map = CourseMap(self.index())
            self.course_map.demo_chosen.connect(self.open_demo)
            self.stack.addWidget(self.course_map)
        self.stack.setCurrentWidget(self.course_map)
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(-1)
        self.nav.clearSelection()
        self.nav.blockSignals(False)
        self.settings.window["page"] = COURSE_MAP
        # Focus in the search box: type to search (and the navigation list, which picks
        # its first row when it gets the focus, does not open a panel over the map).
        self.course_map.search_box.setFocus()
        self.state_label.setText("")
        self.rate_label.setText("")
        if self.thumbnails:
            self.course_map.render_missing()
        return self.course_map

    def show_palette(self):
        from workbench.command_palette import CommandPalette

        lectures = [(path.stem, lecture_title(path))
                    for path in shipped_lectures() + user_lectures()]
        self.palette = CommandPalette(self.index(), lectures, self)
        self.palette.demo_chosen.connect(self.open_demo)
        self.palette.lecture_chosen.connect(self.open_lecture)
        self.palette.popup(self)
        return self.palette

    def open_demo(self, panel_id: str, demo: str):
        panel = self.show_panel(panel_id)
        panel.set_demo(demo)
        return panel

    # ---- lectures ---------------------------------------------------------------------------------
    def _fill_lecture_menu(self) -> None:
        menu = self.open_lecture_menu
        menu.clear()
        for group in (shipped_lectures(), user_lectures()):
            for path in group:
                action = menu.addAction(lecture_title(path))
                action.setData(str(path))
                action.triggered.connect(self._on_lecture_action)
            menu.addSeparator()
        menu.addAction("From file…").triggered.connect(self.open_lecture_dialog)

    def _on_lecture_action(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.open_lecture(action.data())

    def open_lecture_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open lecture", "",
                                              "Lecture (*.json);;All files (*)")
        if path:
            self.open_lecture(path)

    def open_lecture(self, name_or_file: str | Path | Lecture, step: int = 0) -> Lecture | None:
        """Open a lecture at step ``step`` (0-based, clipped to its steps). Bad steps are
        reported, naming them, and left out; None when nothing of it can be shown."""
        try:
            lecture = (name_or_file if isinstance(name_or_file, Lecture)
                       else load_lecture(name_or_file))
        except LectureError as exc:
            self.lecture_message(f"Cannot open the lecture: {exc}", error=True)
            return None
        self.lecture_problems = list(lecture.problems)
        if not lecture.steps:
            self.lecture_message(f"The lecture “{lecture.title}” has no valid step: "
                                 + "; ".join(lecture.problems), error=True)
            return None
        self.lecture = lecture
        self.lecture_bar.set_lecture(lecture.title, [self.step_label(s) for s in lecture.steps])
        self.lecture_bar.show()
        self.update_lecture_keys()
        self.go_to_step(max(0, min(int(step), len(lecture.steps) - 1)))
        if lecture.problems:
            self.lecture_message(f"Lecture “{lecture.title}”: {len(lecture.problems)} step(s) "
                                 "left out: " + "; ".join(lecture.problems), error=True)
        return lecture

    def step_label(self, step) -> str:
        if step.title:
            return step.title
        topic = self.topics.get(step.panel)
        spec = next((s for s in topic.demos if s.name == step.demo), None) if topic else None
        return spec.title if spec else f"{step.panel} / {step.demo}"

    def go_to_step(self, index: int):
        """Show step ``index`` of the open lecture: its panel, demo, settings and speed;
        a step with autostart starts its run. Returns the panel."""
        if self.lecture is None or not 0 <= index < len(self.lecture.steps):
            return None
        step = self.lecture.steps[index]
        current = self.current_panel
        if current is not None and current.runner.is_active():
            current.stop()
        self.step_index = index
        panel = self.show_panel(step.panel)
        if panel.runner.is_active():
            panel.stop()
        panel.set_demo(step.demo)
        try:
            panel.form.set_config(step.config())
        except (ConfigError, LookupError, ValueError) as exc:   # validated on load already
            panel.show_message(f"Step {step.number}: {exc}", error=True)
        if step.preset:
            panel.preset_combo.setCurrentText(step.preset)
        if step.speed is not None:
            panel.set_speed(step.speed)
        label = self.step_label(step)
        self.lecture_bar.show_step(index, label, step.note)
        panel.show_message(f"Lecture step {index + 1}/{len(self.lecture.steps)}: {label}"
                           + ("" if step.autostart else ". Press Start (Space)."))
        self._update_notes()
        if step.autostart and self.lecture_autostart:
            self._autostart(panel, index, AUTOSTART_WAIT_MS // 100)
        return panel

    def _autostart(self, panel, index: int, attempts: int) -> None:
        """Start once the panel's previous run has stopped (stop is asynchronous)."""
        if self.step_index != index or self.current_panel is not panel:
            return
        if not panel.runner.is_active():
            panel.start()
        elif attempts > 0:
            QTimer.singleShot(100, lambda: self._autostart(panel, index, attempts - 1))

    def next_step(self) -> None:
        if self.lecture is not None and self.step_index < len(self.lecture.steps) - 1:
            self.go_to_step(self.step_index + 1)

    def previous_step(self) -> None:
        if self.lecture is not None and self.step_index > 0:
            self.go_to_step(self.step_index - 1)

    def end_lecture(self) -> None:
        self.lecture = None
        self.step_index = -1
        self.lecture_bar.hide()
        self.update_lecture_keys()
        self._update_notes()

    def lecture_message(self, text: str, error: bool = False) -> None:
        self.statusBar().showMessage(text, 15000)
        (log.warning if error else log.info)("%s", text)
        if self.current_panel is not None:
            self.current_panel.show_message(text, error=error)

    def show_notes_window(self):
        from workbench.notes_window import NotesWindow

        if self.notes_window is None:
            self.notes_window = NotesWindow(self)
            # On a second screen when there is one: the projector shows the main window.
            here = self.screen()
            others = [s for s in QApplication.screens() if s is not here]
            if others:
                area = others[0].availableGeometry()
                self.notes_window.move(area.left() + 40, area.top() + 40)
        self._update_notes()
        self.notes_window.show()
        self.notes_window.raise_()
        return self.notes_window

    def _update_notes(self) -> None:
        if self.notes_window is None:
            return
        if self.lecture is None:
            self.notes_window.clear()
            return
        steps = self.lecture.steps
        step = steps[self.step_index]
        upcoming = self.step_label(steps[self.step_index + 1]) \
            if self.step_index + 1 < len(steps) else None
        self.notes_window.show_step(self.lecture.title, self.step_index, len(steps),
                                    self.step_label(step), step.note, upcoming)

    def add_current_to_lecture(self, title: str, note: str = "") -> Path | None:
        """Record the current panel, demo, preset, settings and speed as the last step of
        the user's lecture ``title`` (created when missing)."""
        panel = self.current_panel
        if panel is None:
            return None
        try:
            cfg = panel.form.config()
        except ConfigError as exc:
            panel.show_message(f"Cannot record an invalid setting: {exc}", error=True)
            return None
        preset = panel.preset_combo.currentText() or None
        step = step_from_settings(panel.panel_id, panel.spec.name, cfg, preset,
                                  speed=panel.speed if panel.SPEED_CONTROL else None, note=note)
        try:
            path = add_step(title, step)
        except (LectureError, OSError) as exc:
            panel.show_message(f"Cannot add to the lecture: {exc}", error=True)
            return None
        panel.show_message(f"Added {panel.panel_id}/{panel.spec.name} to the lecture "
                           f"“{title}” ({path}).")
        return path

    def add_to_lecture_dialog(self) -> None:
        if self.current_panel is None:
            return
        titles = [lecture_title(path) for path in user_lectures()]
        title, ok = QInputDialog.getItem(self, "Add this demo to a lecture",
                                         "Lecture (choose one, or type a new title):",
                                         titles or ["My lecture"], 0, True)
        if not ok or not title.strip():
            return
        note, ok = QInputDialog.getText(self, "Add this demo to a lecture",
                                        "Note for the lecturer (optional):")
        if ok:
            self.add_current_to_lecture(title.strip(), note)

    # ---- the code behind the demo ------------------------------------------------------------------
    def show_code(self):
        from workbench.code_view import CodeView
        from workbench.panel import load_text

        panel = self.current_panel
        if panel is None:
            return None
        try:
            cfg = panel.form.config()
        except ConfigError:
            cfg = None
        if self.code_view is None:
            self.code_view = CodeView(self)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.code_view.show_demo(panel.panel_id, panel.spec, cfg,
                                     load_text(panel.panel_id, panel.spec.name),
                                     self.settings.theme)
        finally:
            QApplication.restoreOverrideCursor()
        self.code_view.show()
        self.code_view.raise_()
        return self.code_view

    def command_line(self) -> str | None:
        from workbench.command_line import command_line

        panel = self.current_panel
        if panel is None:
            return None
        cfg = panel.form.config()
        preset = panel.preset_combo.currentText() or None
        return command_line(panel.panel_id, panel.spec.name, cfg, preset, device=self.device)

    def copy_command_line(self) -> str | None:
        try:
            text = self.command_line()
        except ConfigError as exc:
            self.lecture_message(f"Cannot copy the command line: {exc}", error=True)
            return None
        if text is None:
            return None
        QApplication.clipboard().setText(text)
        self.current_panel.show_message(f"Copied: {text}")
        return text
