"""The command palette (Ctrl+K): type a demo's name, chapter or a word from its text
("PCA", "Huffman", "PPO", "chapter 5") and Enter opens it. Lectures are listed too."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout,
                               QWidget)

from workbench.course_index import Entry, fold, search

LIMIT = 30


class CommandPalette(QDialog):
    demo_chosen = Signal(str, str)       # panel id, demo name
    lecture_chosen = Signal(str)         # lecture name

    def __init__(self, entries: list[Entry], lectures: list[tuple[str, str]] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
        self.entries = entries
        self.lectures = lectures or []      # (name, title)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.query = QLineEdit()
        self.query.setPlaceholderText("Go to a demo or lecture: name, chapter or keyword "
                                      "(PCA, Huffman, PPO, chapter 5)…")
        self.query.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setMinimumHeight(320)
        layout.addWidget(self.query)
        layout.addWidget(self.results)
        self.query.textChanged.connect(self.refresh)
        self.query.returnPressed.connect(self.accept_current)
        self.results.itemActivated.connect(self._activated)
        self.query.installEventFilter(self)
        self.refresh("")

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        from PySide6.QtCore import QEvent

        if obj is self.query and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown,
                               Qt.Key.Key_PageUp):
                self.results.setFocus()
                self.results.keyPressEvent(event)
                self.query.setFocus()
                return True
        return super().eventFilter(obj, event)

    def refresh(self, text: str) -> None:
        self.results.clear()
        words = fold(text).split()
        for name, title in self.lectures:
            if words and all(w in fold(f"lecture {name} {title}") for w in words):
                item = QListWidgetItem(f"Lecture: {title}   ({name})")
                item.setData(Qt.ItemDataRole.UserRole, ("lecture", name))
                self.results.addItem(item)
        for entry in search(text, self.entries, LIMIT):
            if not entry.built:
                continue
            item = QListWidgetItem(f"{entry.title}  ·  {entry.topic_title} (ch. "
                                   f"{entry.chapter})\n    {entry.describe()}")
            item.setData(Qt.ItemDataRole.UserRole, ("demo", entry.panel, entry.demo))
            item.setToolTip(entry.key)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def found(self) -> list[tuple]:
        return [self.results.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.results.count())]

    def accept_current(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self._activated(item)

    def _activated(self, item: QListWidgetItem) -> None:
        target = item.data(Qt.ItemDataRole.UserRole)
        self.accept()
        if target[0] == "lecture":
            self.lecture_chosen.emit(target[1])
        else:
            self.demo_chosen.emit(target[1], target[2])

    def popup(self, anchor: QWidget) -> None:
        """Show centred at the top of ``anchor`` with the query selected."""
        width = min(max(560, anchor.width() // 2), anchor.width())
        self.resize(width, 420)
        top_left = anchor.mapToGlobal(anchor.rect().topLeft())
        self.move(top_left.x() + (anchor.width() - width) // 2, top_left.y() + 60)
        self.query.selectAll()
        self.show()
        self.query.setFocus()
