"""The layout of a Panel and the wiring of its widgets to its slots.

Kept apart from workbench.panel so the panel class reads as behaviour only: a header
(workbench.panel_header), a splitter with the controls column (demo text, the views' side
widgets, one generated Config form per demo) and the views' stack, and the run bar.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from workbench.demo_view import CurrentPageStack
from workbench.forms import ConfigForm
from workbench.panel_header import PanelHeader
from workbench.run_bar import RunBar

if TYPE_CHECKING:  # pragma: no cover
    from workbench.panel import Panel

#: Widgets of the header and the run bar that the panel exposes under the same names.
HEADER_WIDGETS = ("column_button", "title_label", "demo_combo", "preset_combo", "preset_button",
                  "ghost_check", "clear_ghosts_button", "export_button")
RUN_BAR_WIDGETS = ("start_button", "pause_button", "step_button", "stop_button",
                   "reset_button", "speed_combo", "progress_label", "message_label")


def build_layout(panel: "Panel") -> None:
    root = QVBoxLayout(panel)
    root.setContentsMargins(8, 6, 8, 6)
    panel.header = PanelHeader(panel)
    for name in HEADER_WIDGETS:
        setattr(panel, name, getattr(panel.header, name))
    root.addWidget(panel.header)

    panel.splitter = QSplitter(Qt.Orientation.Horizontal)
    panel.controls = QScrollArea()
    panel.controls.setWidgetResizable(True)
    panel.controls.setMinimumWidth(300)
    # The column's text wraps to the column and its forms wrap their rows (geometry test):
    # a horizontal scroll bar is only the last resort that keeps nothing out of reach.
    panel.controls.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    column = QWidget()
    panel.column = QVBoxLayout(column)
    panel.text_label = QLabel()
    panel.text_label.setWordWrap(True)
    panel.text_label.setTextFormat(Qt.TextFormat.RichText)
    panel.text_label.setObjectName("demoText")
    panel.column.addWidget(panel.text_label)
    panel.side = CurrentPageStack()     # the views' side widgets, under the text
    panel.side.addWidget(QWidget())
    panel.column.addWidget(panel.side)
    panel.forms = CurrentPageStack()
    panel.views = CurrentPageStack()
    panel.form_for = {}
    panel.view_for = {}
    for spec in panel.specs:
        form = ConfigForm(spec.config)
        panel.form_for[spec.name] = form
        panel.forms.addWidget(form)
    # Plots are built when a demo is first shown (start-up stays fast): see Panel.view_of().
    panel.column.addWidget(panel.forms)
    panel.controls.setWidget(column)
    panel.splitter.addWidget(panel.controls)
    panel.splitter.addWidget(panel.views)
    panel.splitter.setStretchFactor(1, 1)
    panel.splitter.setSizes([360, 1000])
    root.addWidget(panel.splitter, 1)

    panel.run_bar = RunBar(panel.SPEED_CONTROL)
    for name in RUN_BAR_WIDGETS:
        setattr(panel, name, getattr(panel.run_bar, name))
    root.addWidget(panel.run_bar)


def connect_widgets(panel: "Panel") -> None:
    """Bound methods only, never lambdas capturing the panel: PySide holds lambdas
    strongly, which would keep a closed panel and its engine host alive."""
    panel.demo_combo.currentIndexChanged.connect(panel._on_demo_changed)
    panel.column_button.clicked.connect(panel.toggle_column)
    panel.preset_button.clicked.connect(panel._on_apply_preset)
    panel.ghost_check.toggled.connect(panel._on_ghosts_toggled)
    panel.clear_ghosts_button.clicked.connect(panel._on_clear_ghosts)
    panel.start_button.clicked.connect(panel._on_start_clicked)
    panel.pause_button.clicked.connect(panel.toggle_pause)
    panel.step_button.clicked.connect(panel.step)
    panel.stop_button.clicked.connect(panel.stop)
    panel.reset_button.clicked.connect(panel.reset)
    panel.speed_combo.currentIndexChanged.connect(panel._on_speed_changed)
    runner = panel.runner
    runner.snapshot.connect(panel._on_snapshot)
    runner.failed.connect(panel._on_failed)
    runner.finished.connect(panel._on_finished)
    runner.state_changed.connect(panel._update_buttons)
    runner.edited.connect(panel._on_edited)
    runner.forced_stop.connect(panel._on_forced_stop)
    for form in panel.form_for.values():
        form.changed.connect(panel._on_form_changed)
