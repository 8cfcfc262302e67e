"""The header of a panel: title and chapter, demo and preset selectors, previous-runs
toggle, export menu. One row that fits 1280 px: the title gives way first."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton,
                               QSizePolicy, QToolButton, QWidget)

from workbench.panel_export import ExportButton
from workbench.elided_label import ElidedLabel


class FittingCombo(QComboBox):
    """A combo box that asks for the width of its longest entry but can shrink to
    ``minimumContentsLength`` characters: whole demo titles where the row has room.
    ``max_chars``: ask for at most that many characters' width (long preset names)."""

    def __init__(self, max_chars: int | None = None):
        super().__init__()
        self.max_chars = max_chars

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint()
        metrics = self.fontMetrics()
        chrome = hint.width() - metrics.horizontalAdvance("x") * self.minimumContentsLength()
        widest = max((metrics.horizontalAdvance(self.itemText(i)) for i in range(self.count())),
                     default=0)
        if self.max_chars is not None:
            widest = min(widest, metrics.horizontalAdvance("x") * self.max_chars)
        return QSize(max(hint.width(), widest + chrome), hint.height())


class PanelHeader(QWidget):
    def __init__(self, panel):
        super().__init__()
        topic, specs = panel.topic, panel.specs
        head = QHBoxLayout(self)
        head.setContentsMargins(0, 0, 0, 0)
        # The title gives way first when the window is narrow (1280 px projectors, zoom):
        # the selectors and buttons stay whole; the title ends in "…", whole as tooltip.
        self.title_label = ElidedLabel()
        self.title_label.setText(f"{topic.title}  ·  lecture chapter {topic.chapter}")
        bold = QFont()
        bold.setBold(True)          # only the weight: the size still follows the zoom
        self.title_label.setFont(bold)
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                       QSizePolicy.Policy.Preferred)
        self.title_label.setMinimumWidth(80)
        self.demo_combo = FittingCombo()
        for spec in specs:
            self.demo_combo.addItem(spec.title, spec.name)
        self.preset_combo = FittingCombo(max_chars=16)
        self.preset_combo.setToolTip("Named settings for this demo; 'quick' shows the effect fast.")
        # Long demo titles and preset names must not make the window wider than the screen:
        # the boxes show the start of the text and the full list when opened.
        self.demo_combo.setToolTip("The demo of this topic")
        for combo, chars in ((self.demo_combo, 14), (self.preset_combo, 8)):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(chars)
        self.preset_button = QPushButton("Apply")
        self.preset_button.setToolTip("Apply the chosen preset to the settings below")
        self.ghost_check = QCheckBox("Previous runs")
        self.ghost_check.setChecked(True)
        self.ghost_check.setToolTip("Show finished runs as faded curves to compare with")
        self.clear_ghosts_button = QPushButton("Clear")
        self.clear_ghosts_button.setToolTip("Forget the previous runs' faded curves")
        self.export_button = ExportButton(panel)
        # Shown where the text column has folded away (zoom on a narrow window) or was
        # folded by hand: brings it back, or folds it again.
        self.column_button = QToolButton()
        self.column_button.setText("☰ Text")
        self.column_button.setCheckable(True)
        self.column_button.setToolTip(
            "Show or fold away the column with the demo's text and settings (Ctrl+J). "
            "Zoomed on a narrow window it folds away by itself, so the plots get the room.")
        self.column_button.setVisible(False)
        head.addWidget(self.column_button)
        head.addWidget(self.title_label, 1)
        for widget in (self.demo_combo, QLabel("Preset:"), self.preset_combo,
                       self.preset_button, self.ghost_check, self.clear_ghosts_button,
                       self.export_button):
            head.addWidget(widget)
