"""ConfigForm: editing widgets generated from a Config dataclass's field metadata."""
from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QSpinBox, QVBoxLayout,
                               QWidget)

from engines.config import (ConfigBase, allowed, check_value, coerce, field_meta,
                            field_type)

INT_LIMIT = 2**31 - 1


class LogSpinBox(QDoubleSpinBox):
    """Float spin box for log-scaled values: shows 3e-03 style, steps by a factor."""

    FACTOR = 10 ** 0.25

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDecimals(12)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt API
        return f"{value:.3g}"

    def _number(self, text: str) -> str:
        suffix = self.suffix()
        text = text.strip()
        if suffix.strip() and text.endswith(suffix.strip()):
            text = text[:-len(suffix.strip())]
        return text.strip()

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt API
        try:
            return float(self._number(text))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        from PySide6.QtGui import QValidator

        try:
            value = float(self._number(text))
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        ok = self.minimum() <= value <= self.maximum()
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt API
        value = self.value() * self.FACTOR ** steps
        self.setValue(min(self.maximum(), max(self.minimum(), value)))


def wrapping_rows(layout: QFormLayout) -> QFormLayout:
    """A field moves under its label when the row does not fit side by side (a narrow
    text column, zoom 2): the form then needs only its widest label or field, never the
    two together, and the column's text keeps re-wrapping instead of being cut."""
    layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return layout


class RowLabel(QLabel):
    """A field's label: on one line where the form has room (its size hint is the whole
    text's width), wrapped onto more lines rather than widen a narrow form."""

    def __init__(self, text: str):
        super().__init__(text)
        self.setWordWrap(True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint()
        margins = self.contentsMargins()
        one_line = (self.fontMetrics().horizontalAdvance(self.text())
                    + margins.left() + margins.right() + 2)
        return QSize(max(hint.width(), one_line), hint.height())


def _decimals(lo: float | None, hi: float | None) -> int:
    span = (hi - lo) if lo is not None and hi is not None else 10.0
    return max(2, min(6, 3 - int(math.floor(math.log10(max(span, 1e-9))))))


class ConfigForm(QWidget):
    """Widgets for every field of ``config_cls``, grouped by the metadata's group.

    ``advanced`` fields sit in a collapsed "Advanced" group (checked = shown); ``unit`` is
    the spin box's suffix (or a label after other editors); a field with ``when`` is
    shown (label and editor) only while its controlling fields hold one of the values.
    """

    changed = Signal()

    def __init__(self, config_cls: type[ConfigBase], parent: QWidget | None = None):
        super().__init__(parent)
        self.config_cls = config_cls
        self.editors: dict[str, QWidget] = {}
        self._rows: dict[str, tuple[QFormLayout, QWidget]] = {}   # name -> (layout, row)
        self._when: dict[str, dict[str, tuple]] = {}
        self._boxes: dict[str, QGroupBox] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        groups: dict[str, QFormLayout] = {}
        advanced: QFormLayout | None = None
        for f in fields(config_cls):
            meta = field_meta(config_cls, f.name)
            if meta.get("advanced"):
                if advanced is None:
                    advanced = self._advanced_group()
                layout = advanced
            else:
                group = meta.get("group") or "Parameters"
                if group not in groups:
                    box = QGroupBox(group)
                    groups[group] = wrapping_rows(QFormLayout(box))
                    self._boxes[group] = box
                    outer.addWidget(box)
                layout = groups[group]
            editor = self._make_editor(f.name, meta)
            editor.setObjectName(f"field_{f.name}")
            tip = meta.get("help", "")
            editor.setToolTip(f"{tip}\nAllowed: {allowed(config_cls, f.name)}".strip())
            self.editors[f.name] = editor
            row: QWidget = editor
            unit = meta.get("unit") or ""
            if unit:
                if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
                    editor.setSuffix(f" {unit}")
                else:
                    row = QWidget()
                    line = QHBoxLayout(row)
                    line.setContentsMargins(0, 0, 0, 0)
                    line.addWidget(editor, 1)
                    line.addWidget(QLabel(unit))
            layout.addRow(RowLabel(meta.get("label") or f.name), row)
            self._rows[f.name] = (layout, row)
            if meta.get("when"):
                self._when[f.name] = dict(meta["when"])
        if advanced is not None:
            outer.addWidget(self.advanced_box)
        outer.addStretch(1)
        for controller in {k for cond in self._when.values() for k in cond}:
            self._watch(self.editors[controller])
        self.set_config(config_cls())

    def _advanced_group(self) -> QFormLayout:
        """A checkable group, unchecked (collapsed) at first: checking it shows the rows."""
        box = QGroupBox("Advanced")
        box.setObjectName("advanced_group")
        box.setCheckable(True)
        box.setChecked(False)
        inner = QWidget(box)
        inner.setObjectName("advanced_rows")
        QVBoxLayout(box).addWidget(inner)
        inner.setVisible(False)
        box.toggled.connect(inner.setVisible)
        self.advanced_box, self.advanced_rows = box, inner
        return wrapping_rows(QFormLayout(inner))

    def _watch(self, editor: QWidget) -> None:
        if isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(self._update_visibility)
        elif isinstance(editor, QCheckBox):
            editor.toggled.connect(self._update_visibility)
        elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            editor.valueChanged.connect(self._update_visibility)
        else:
            editor.editingFinished.connect(self._update_visibility)

    def applies(self, name: str, values: dict[str, Any] | None = None) -> bool:
        """Whether the field's ``when`` condition holds for the current (or given) values."""
        cond = self._when.get(name)
        if not cond:
            return True
        values = self.values() if values is None else values
        return all(values.get(key) in allowed for key, allowed in cond.items())

    def is_shown(self, name: str) -> bool:
        """Whether the field's row is shown by its condition (not counting collapse)."""
        layout, row = self._rows[name]
        return layout.isRowVisible(row)

    def _update_visibility(self, *_args) -> None:
        values = self.values()
        for name in self._when:
            layout, row = self._rows[name]
            layout.setRowVisible(row, self.applies(name, values))
        # A group whose every row is hidden disappears as a whole.
        for box in self._boxes.values():
            layout = box.layout()
            shown = [layout.isRowVisible(r) for r in range(layout.rowCount())]
            box.setVisible(any(shown))

    def _make_editor(self, name: str, meta: dict[str, Any]) -> QWidget:
        kind = field_type(self.config_cls, name)
        lo, hi = meta.get("min"), meta.get("max")
        if meta.get("choices"):
            editor = QComboBox()
            editor.addItems(list(meta["choices"]))
            editor.currentIndexChanged.connect(self.changed)
        elif kind is bool:
            editor = QCheckBox()
            editor.toggled.connect(self.changed)
        elif kind is int:
            editor = QSpinBox()
            editor.setRange(int(lo) if lo is not None else -INT_LIMIT,
                            int(min(hi, INT_LIMIT)) if hi is not None else INT_LIMIT)
            editor.setKeyboardTracking(False)
            editor.valueChanged.connect(self.changed)
        elif kind is float:
            editor = LogSpinBox() if meta.get("log") else QDoubleSpinBox()
            if not meta.get("log"):
                editor.setDecimals(_decimals(lo, hi))
                if lo is not None and hi is not None:
                    editor.setSingleStep((hi - lo) / 50)
            editor.setRange(lo if lo is not None else -1e12, hi if hi is not None else 1e12)
            editor.setKeyboardTracking(False)
            editor.valueChanged.connect(self.changed)
        else:
            editor = QLineEdit()
            editor.editingFinished.connect(self.changed)
        return editor

    def set_config(self, cfg: ConfigBase) -> None:
        for name, value in cfg.to_dict().items():
            self._show_value(name, value)
        self._update_visibility()
        self.changed.emit()

    def set_value(self, key: str, value: Any) -> None:
        """Set one field (e.g. from a slider next to the plots); emits ``changed``.
        The value is checked against the field's metadata first (ConfigError)."""
        value = coerce(self.config_cls, key, value)
        check_value(self.config_cls, key, value)
        self._show_value(key, value)
        self._update_visibility()
        self.changed.emit()

    def _show_value(self, name: str, value: Any) -> None:
        editor = self.editors[name]
        editor.blockSignals(True)
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            editor.setValue(value)
        else:
            editor.setText(str(value))
        editor.blockSignals(False)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                out[name] = editor.currentText()
            elif isinstance(editor, QCheckBox):
                out[name] = editor.isChecked()
            elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
                out[name] = editor.value()
            else:
                out[name] = editor.text()
        return out

    def config(self) -> ConfigBase:
        """The Config the widgets describe; raises ConfigError naming the bad key."""
        return self.config_cls.from_dict(self.values())
