"""The lecturer's notes in a window of their own (for a second screen the projector does
not show): the lecture, where it is, the note of this step and what comes next."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class NotesWindow(QWidget):
    def __init__(self, parent: QWidget | None = None):
        # A top-level window (own taskbar entry), so it can live on another screen.
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Lecture notes")
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        self.position = QLabel()
        self.title = QLabel()
        self.note = QLabel()
        self.upcoming = QLabel()
        for label in (self.position, self.title, self.note, self.upcoming):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)
        layout.addStretch(1)
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.6)
        self.title.setFont(big)
        large = QFont(self.font())
        large.setPointSizeF(large.pointSizeF() * 1.35)
        self.note.setFont(large)

    def show_step(self, lecture_title: str, index: int, count: int, title: str, note: str,
                  next_title: str | None) -> None:
        self.position.setText(f"{lecture_title} · step {index + 1} of {count}")
        self.title.setText(title)
        self.note.setText(note or "(no note for this step)")
        self.upcoming.setText(f"Next: {next_title}" if next_title else "Last step.")

    def clear(self) -> None:
        self.position.setText("No lecture open (Lecture ▸ Open lecture).")
        self.title.clear()
        self.note.clear()
        self.upcoming.clear()
