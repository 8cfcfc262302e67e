"""'Show code': the engine's training step and the model definition of the current demo
(read from the installed package, highlighted, read-only) beside the demo's equations."""
from __future__ import annotations

import keyword
import re

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (QDialog, QLabel, QPlainTextEdit, QSplitter, QTabWidget,
                               QTextBrowser, QVBoxLayout, QWidget)

#: Colours per theme: keyword, builtin, string, comment, number, definition, decorator.
COLOURS = {
    "light": dict(keyword="#7c3aed", builtin="#0369a1", string="#15803d", comment="#6b7280",
                  number="#b45309", definition="#1d4ed8", decorator="#be185d"),
    "dark": dict(keyword="#c4b5fd", builtin="#7dd3fc", string="#86efac", comment="#9ca3af",
                 number="#fcd34d", definition="#93c5fd", decorator="#f9a8d4"),
}
BUILTINS = ("abs all any bool dict enumerate float int len list max min print range "
            "reversed round set sorted str sum super tuple type zip isinstance self cls")


def _format(colour: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, builtins, numbers, decorators, def/class names, strings (also triple-
    quoted over several lines) and comments."""

    IN_TRIPLE = {'"""': 1, "'''": 2}

    def __init__(self, document, theme: str = "light"):
        super().__init__(document)
        self.set_theme(theme)

    def set_theme(self, theme: str) -> None:
        c = COLOURS.get(theme, COLOURS["light"])
        self.formats = {name: _format(value, bold=name in ("keyword", "definition"),
                                      italic=name == "comment") for name, value in c.items()}
        words = "|".join(keyword.kwlist)
        self.rules = [
            (QRegularExpression(rf"\b({words})\b"), "keyword"),
            (QRegularExpression(rf"\b({'|'.join(BUILTINS.split())})\b"), "builtin"),
            (QRegularExpression(r"\b[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9]+)?\b"), "number"),
            (QRegularExpression(r"^\s*@[\w.]+"), "decorator"),
            (QRegularExpression(r"(?<=\bdef |\bclass )\w+"), "definition"),
        ]
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt API
        for pattern, name in self.rules:
            matches = pattern.globalMatch(text)
            while matches.hasNext():
                m = matches.next()
                self.setFormat(m.capturedStart(), m.capturedLength(), self.formats[name])
        self.setCurrentBlockState(0)
        position = 0
        state = self.previousBlockState()
        if state in (1, 2):                         # inside a triple-quoted string
            quote = '"""' if state == 1 else "'''"
            end = text.find(quote)
            if end < 0:
                self.setFormat(0, len(text), self.formats["string"])
                self.setCurrentBlockState(state)
                return
            self.setFormat(0, end + 3, self.formats["string"])
            position = end + 3
        pattern = re.compile(r'("""|\'\'\'|"(\\.|[^"\\])*"|\'(\\.|[^\'\\])*\'|#.*)')
        while True:
            m = pattern.search(text, position)
            if m is None:
                return
            token = m.group(0)
            if token.startswith("#"):
                self.setFormat(m.start(), len(text) - m.start(), self.formats["comment"])
                return
            if token in self.IN_TRIPLE:
                end = text.find(token, m.end())
                if end < 0:
                    self.setFormat(m.start(), len(text) - m.start(), self.formats["string"])
                    self.setCurrentBlockState(self.IN_TRIPLE[token])
                    return
                self.setFormat(m.start(), end + 3 - m.start(), self.formats["string"])
                position = end + 3
                continue
            self.setFormat(m.start(), len(token), self.formats["string"])
            position = m.end()


class CodeEditor(QPlainTextEdit):
    def __init__(self, text: str, theme: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.setFont(font)
        self.setPlainText(text)
        self.highlighter = PythonHighlighter(self.document(), theme)


class CodeView(QDialog):
    """A window beside the main one: the demo's text (equations) on the left, the code
    that trains on the right (tabs: training step, model)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Code behind the demo")
        self.setModal(False)
        self.resize(1100, 680)
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.heading)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.equations = QTextBrowser()
        self.equations.setOpenExternalLinks(False)
        self.tabs = QTabWidget()
        self.splitter.addWidget(self.equations)
        self.splitter.addWidget(self.tabs)
        self.splitter.setSizes([380, 720])
        layout.addWidget(self.splitter, 1)
        self.editors: list[CodeEditor] = []

    def show_demo(self, panel_id: str, spec, cfg, text_html: str, theme: str = "light") -> None:
        """Load the code of ``spec`` for ``cfg`` (imports the engine module)."""
        from workbench.code_source import demo_code

        self.tabs.clear()
        self.editors = []
        self.equations.setHtml(text_html or "<p>(no text for this demo)</p>")
        try:
            code = demo_code(spec, cfg)
        except Exception as exc:   # noqa: BLE001 - a message, never a crash
            self.heading.setText(f"Cannot read the code of {panel_id}/{spec.name}: "
                                 f"{type(exc).__name__}: {exc}")
            return
        self.code = code
        self.heading.setText(f"<b>{spec.title}</b> ({panel_id}/{spec.name}) is trained by "
                             f"<code>{code.engine}</code>. Read-only; the files are the "
                             "installed package's.")
        self._add_tab("Training step", [code.train_step, *code.helpers], theme)
        self._add_tab("Model", list(code.model), theme, code.model_note)

    def _add_tab(self, label: str, pieces, theme: str, note: str = "") -> None:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(4, 4, 4, 4)
        where = " · ".join(f"{p.title}: {p.path}, line {p.line}" for p in pieces)
        caption = QLabel((note + "\n" if note else "") + where)
        caption.setWordWrap(True)
        caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(caption)
        text = "\n\n".join(f"# {p.path}, line {p.line}\n{p.text.rstrip()}" for p in pieces)
        editor = CodeEditor(text, theme)
        self.editors.append(editor)
        box.addWidget(editor, 1)
        self.tabs.addTab(page, label)
