"""'Sweep…' on a demo's run bar: a small dialog (up to two parameters and their values,
seeds, workers, or a ready-made sweep from resources/sweeps/<panel-id>.json) that opens a
workbench.sweep_results.SweepWindow running the sweep in the background.

The panel's only wiring is ``attach(panel)`` (a SweepLauncher, child of the panel).
"""
from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, QObject, Slot
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget)

from engines.config import ConfigBase, ConfigError, field_meta, field_type
from engines.spec import DemoSpec
from workbench import sweep
from workbench.headless import UsageError
from workbench.sweep_results import SweepWindow

CUSTOM = "Custom: from the current settings"
NONE = "(none)"


def sweepable(cls: type) -> list[str]:
    return [name for name in cls.field_names() if name != "seed"]


def suggest_values(cfg: ConfigBase, key: str) -> str:
    """A starting list of values around the current one, inside the field's range."""
    cls = type(cfg)
    meta, kind, value = field_meta(cls, key), field_type(cls, key), getattr(cfg, key)
    if meta.get("choices"):
        return ",".join(meta["choices"])
    if kind is bool:
        return "false,true"
    if kind not in (int, float):
        return str(value)
    lo, hi = meta.get("min"), meta.get("max")
    factors = (0.25, 0.5, 1.0, 2.0, 4.0) if meta.get("log") or value == 0 else (
        0.5, 0.75, 1.0, 1.5, 2.0)
    out = []
    for f in factors:
        v = value * f if value != 0 else f - 1.0
        v = min(hi, v) if hi is not None else v
        v = max(lo, v) if lo is not None else v
        v = int(round(v)) if kind is int else float(f"{v:.4g}")
        if v not in out:
            out.append(v)
    return ",".join(sweep.format_value(v) for v in out)


class SweepDialog(QDialog):
    def __init__(self, panel_id: str, spec: DemoSpec, current: ConfigBase,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.panel_id, self.spec, self.current = panel_id, spec, current
        self.plan: sweep.SweepPlan | None = None
        self.entry: dict = {}
        self.setWindowTitle(f"Sweep · {spec.title}")
        self.setMinimumWidth(620)
        try:
            self.presets = sweep.load_presets(panel_id).get(spec.name, {})
        except UsageError:
            self.presets = {}
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.preset_combo = QComboBox()
        self.preset_combo.addItems([CUSTOM, *self.presets])
        form.addRow("Ready-made:", self.preset_combo)
        self.about_label = QLabel()
        self.about_label.setWordWrap(True)
        form.addRow(self.about_label)
        fields = sweepable(spec.config)
        self.param_combos: list[QComboBox] = []
        self.value_edits: list[QLineEdit] = []
        for n in range(2):
            combo = QComboBox()
            if n:
                combo.addItem(NONE, "")
            for name in fields:
                combo.addItem(f"{field_meta(spec.config, name)['label']} ({name})", name)
            edit = QLineEdit()
            edit.setPlaceholderText("values, separated by commas")
            row = QHBoxLayout()
            row.addWidget(combo, 1)
            row.addWidget(edit, 2)
            form.addRow(f"Parameter {n + 1}:", row)
            self.param_combos.append(combo)
            self.value_edits.append(edit)
        self.seeds_spin = QSpinBox()
        self.seeds_spin.setRange(1, 50)
        self.seeds_spin.setValue(3)
        form.addRow("Seeds per setting:", self.seeds_spin)
        self.workers_spin = QSpinBox()
        self.workers_spin.setRange(1, max(1, os.cpu_count() or 1))
        self.workers_spin.setValue(max(1, os.cpu_count() or 1))
        self.workers_spin.setToolTip("Parallel runs (local processes, one torch thread each)")
        form.addRow("Workers:", self.workers_spin)
        layout.addLayout(form)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        layout.addWidget(self.message_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.run_button = self.buttons.addButton("Run sweep",
                                                 QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.param_combos[0].currentIndexChanged.connect(self._on_param0)
        self.param_combos[1].currentIndexChanged.connect(self._on_param1)
        for edit in self.value_edits:
            edit.textChanged.connect(self._update_count)
        self.seeds_spin.valueChanged.connect(self._update_count)
        self.preset_combo.currentTextChanged.connect(self._on_preset)
        self._on_param0()
        self._on_param1()
        if self.presets:
            self.preset_combo.setCurrentIndex(1)
        self._update_count()

    # ---- fields -----------------------------------------------------------------------------
    def _base(self) -> ConfigBase:
        name = self.preset_combo.currentText()
        if name == CUSTOM:
            return self.current
        return sweep.preset_base(self.panel_id, self.spec.name, self.presets[name])[1]

    def set_param(self, n: int, key: str, values: str | None = None) -> None:
        combo = self.param_combos[n]
        combo.setCurrentIndex(max(0, combo.findData(key)))
        if values is not None:
            self.value_edits[n].setText(values)

    @Slot()
    def _on_param0(self) -> None:
        key = self.param_combos[0].currentData()
        self.value_edits[0].setText(suggest_values(self._base(), key))

    @Slot()
    def _on_param1(self) -> None:
        key = self.param_combos[1].currentData()
        self.value_edits[1].setEnabled(bool(key))
        self.value_edits[1].setText(suggest_values(self._base(), key) if key else "")

    @Slot(str)
    def _on_preset(self, name: str) -> None:
        entry = self.presets.get(name)
        self.about_label.setText(entry.get("about", "") if entry else
                                 "Sweeps start from the settings in the panel's form.")
        if entry is None:
            return
        grid = list(entry.get("grid", {}).items())[:2]
        for n in range(2):
            if n < len(grid):
                key, values = grid[n]
                self.set_param(n, key, ",".join(sweep.format_value(v) for v in values))
            elif n == 1:
                self.param_combos[1].setCurrentIndex(0)
        self.seeds_spin.setValue(int(entry.get("seeds", self.seeds_spin.value())))

    def grids(self) -> list[tuple[str, list[str]]]:
        out = []
        for combo, edit in zip(self.param_combos, self.value_edits):
            key = combo.currentData()
            if key:
                out.append((key, [v.strip() for v in edit.text().split(",")]))
        return out

    def build_plan(self) -> sweep.SweepPlan:
        """The plan as the dialog stands; UsageError (shown in the dialog) otherwise."""
        for key, values in self.grids():
            if any(v == "" for v in values):
                raise UsageError(f"{key}: empty value in the list")
        name = self.preset_combo.currentText()
        entry = self.presets.get(name, {})
        self.entry = dict(entry) if entry else {}
        # A ready-made sweep's plot settings only hold while its first parameter is kept.
        if self.entry and list(entry.get("grid", {}))[:1] != [self.grids()[0][0]]:
            self.entry = {k: v for k, v in self.entry.items()
                          if k not in ("log_x", "reference")}
        return sweep.make_plan(self.panel_id, self.spec, self._base(), self.grids(),
                               self.seeds_spin.value(), entry.get("preset") if entry else None)

    @Slot()
    def _update_count(self) -> None:
        try:
            plan = self.build_plan()
        except (UsageError, ConfigError) as exc:
            self._show(str(exc), error=True)
            self.run_button.setEnabled(False)
            return
        self.run_button.setEnabled(True)
        self._show(f"{len(plan.jobs)} runs ({' × '.join(str(len(a.values)) for a in plan.axes)}"
                   f" settings × {len(plan.seeds)} seeds)", error=False)

    def _show(self, text: str, error: bool) -> None:
        from workbench.theme import color

        theme = getattr(self.parent(), "theme", "light")
        self.message_label.setStyleSheet(f"color: {color(theme, 'error' if error else 'muted')};")
        self.message_label.setText(text)

    @Slot()
    def try_accept(self) -> None:
        try:
            self.plan = self.build_plan()
        except (UsageError, ConfigError) as exc:
            self._show(str(exc), error=True)
            return
        self.accept()


class SweepLauncher(QObject):
    """Opens the dialog from the run bar's Sweep… button and owns the sweep windows."""

    def __init__(self, panel):
        super().__init__(panel)
        self.dialog: SweepDialog | None = None
        self.windows: list[SweepWindow] = []
        panel.run_bar.sweep_button.clicked.connect(self.open_dialog)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @property
    def panel(self):
        return self.parent()

    @Slot()
    def open_dialog(self) -> SweepDialog | None:
        panel = self.panel
        try:
            current = panel.form.config()
        except ConfigError as exc:
            panel.show_message(f"Cannot sweep: {exc}", error=True)
            return None
        self.dialog = SweepDialog(panel.panel_id, panel.spec, current, panel)
        self.dialog.accepted.connect(self._start)
        self.dialog.open()
        return self.dialog

    @Slot()
    def _start(self) -> None:
        dialog, panel = self.dialog, self.panel
        if dialog is None or dialog.plan is None:
            return
        window = SweepWindow(dialog.plan, dialog.workers_spin.value(), dialog.entry, panel,
                             theme=panel.theme, scale=panel.scale)
        self.windows = [w for w in self.windows if w.isVisible()] + [window]
        window.show()
        panel.show_message(f"Sweep of {len(dialog.plan.jobs)} runs started in its own window.")

    @Slot()
    def shutdown(self) -> None:
        for window in self.windows:
            window.shutdown()
        self.windows = []


def attach(panel) -> SweepLauncher:
    return SweepLauncher(panel)
