"""FieldSlider: a slider for one Config field, next to the plots.

Its label, range and scale come from the field's metadata (engines.config.param), so the
Config stays the one source of every bound: a log field (or a range over more than two
decades) gets a logarithmic slider, an int field one position per value (up to 1000).
"""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from engines.config import field_meta, field_type

LINEAR_STEPS = 200


class FieldSlider(QWidget):
    value_changed = Signal(float)

    def __init__(self, config_cls: type, key: str, label: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        meta = field_meta(config_cls, key)
        self.key = key
        self.lo, self.hi = float(meta["min"]), float(meta["max"])
        self.integer = field_type(config_cls, key) is int
        self.log = (not self.integer and self.lo > 0
                    and (meta.get("log") or self.hi / self.lo > 100))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        span = int(self.hi - self.lo)
        self.steps = span if self.integer and span <= 1000 else LINEAR_STEPS
        self.slider.setRange(0, self.steps)
        self.slider.setMinimumWidth(60)
        unit = meta.get("unit")
        self.name = QLabel(label or meta.get("label") or key)
        self.name.setToolTip(meta.get("help", ""))
        self.unit = f" {unit}" if unit else ""
        self.value_label = QLabel()
        self.value_label.setMinimumWidth(44)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.name)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.value_label)
        self.slider.valueChanged.connect(self._moved)

    def value_at(self, position: int) -> float:
        f = position / self.steps
        if self.log:
            value = self.lo * (self.hi / self.lo) ** f
            return float(f"{value:.2g}")   # 2 significant digits: 0.5, 1, 2 are reachable
        value = self.lo + (self.hi - self.lo) * f
        return float(round(value)) if self.integer else value

    def position_of(self, value: float) -> int:
        value = min(self.hi, max(self.lo, float(value)))
        if self.log:
            f = math.log(value / self.lo) / math.log(self.hi / self.lo)
        else:
            f = (value - self.lo) / (self.hi - self.lo)
        return int(round(f * self.steps))

    def value(self) -> float:
        return self.value_at(self.slider.value())

    def set_value(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(self.position_of(value))
        self.slider.blockSignals(False)
        self._show(value)

    def _show(self, value: float) -> None:
        text = f"{value:g}" if self.integer else f"{value:.3g}"
        self.value_label.setText(text + self.unit)

    def _moved(self, position: int) -> None:
        value = self.value_at(position)
        self._show(value)
        self.value_changed.emit(value)
