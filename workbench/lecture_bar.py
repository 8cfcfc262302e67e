"""The compact lecture bar above the panels: the lecture's title, one numbered button per
step (the current one checked), previous / next, the lecturer's notes window and close."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QButtonGroup, QHBoxLayout, QSizePolicy, QToolButton,
                               QWidget)

from workbench.elided_label import ElidedLabel


class LectureBar(QWidget):
    go_to = Signal(int)          # step index
    previous_requested = Signal()
    next_requested = Signal()
    notes_requested = Signal()
    close_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lectureBar")
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(8, 2, 8, 2)
        self.row.setSpacing(3)
        # Both labels end in "…" where the bar is narrow (zoom 2 on 1280 px), whole as tooltip.
        self.title_label = ElidedLabel()
        bold = QFont()
        bold.setBold(True)          # only the weight: the size follows the zoom
        self.title_label.setFont(bold)
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title_label.setMinimumWidth(80)
        self.previous_button = self._tool("◀", "Previous step (Page Up)")
        self.next_button = self._tool("▶", "Next step (Page Down)")
        self.previous_button.clicked.connect(self.previous_requested)
        self.next_button.clicked.connect(self.next_requested)
        self.steps_box = QHBoxLayout()
        self.steps_box.setSpacing(2)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.idClicked.connect(self.go_to)
        self.step_label = ElidedLabel()
        self.step_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.notes_button = self._tool("Notes", "Lecturer's notes in a separate window")
        self.notes_button.clicked.connect(self.notes_requested)
        self.close_button = self._tool("✕", "End the lecture")
        self.close_button.clicked.connect(self.close_requested)
        self.row.addWidget(self.title_label, 2)
        self.row.addWidget(self.previous_button)
        self.row.addLayout(self.steps_box)
        self.row.addWidget(self.next_button)
        self.row.addWidget(self.step_label, 3)
        self.row.addWidget(self.notes_button)
        self.row.addWidget(self.close_button)
        self.buttons: list[QToolButton] = []

    def _tool(self, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoRaise(True)
        return button

    def set_lecture(self, title: str, labels: list[str]) -> None:
        for button in self.buttons:
            self.group.removeButton(button)
            button.deleteLater()
        self.buttons = []
        self.title_label.setText(title)
        for index, label in enumerate(labels):
            button = self._tool(str(index + 1), label)
            button.setCheckable(True)
            self.group.addButton(button, index)
            self.steps_box.addWidget(button)
            self.buttons.append(button)

    def show_step(self, index: int, label: str, note: str = "") -> None:
        if 0 <= index < len(self.buttons):
            self.buttons[index].setChecked(True)
        count = len(self.buttons)
        self.step_label.setText(f"{index + 1}/{count} · {label}")
        self.step_label.setToolTip(note or label)
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < count - 1)
