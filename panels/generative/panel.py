"""Panel "Learning probability distributions" (lecture chapter 7).

What the user paints, clicks and slides reaches the running engine as edits, handled by
each demo's view (panels.generative.inputs). This panel adds one thing all its demos
share: a comparison card (lecture 7.6) under the demo text that lists what each method
provides, read from :mod:`engines.generative.capabilities` (the engines'
``CAPABILITIES``), with the figure each engine measured live in this session.
"""
from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QLabel

from engines.generative import capabilities
from engines.runtime import Snapshot
from panels.generative.views import (FlowEnergyView, FlowSamplesView, GANView, RBMView,
                                     VAEView)
from workbench.panel import Panel
from workbench.theme import color


class GenerativePanel(Panel):
    VIEWS = {"flow_samples": FlowSamplesView, "flow_energy": FlowEnergyView,
             "rbm": RBMView, "vae": VAEView, "gan": GANView}
    SPEED_CONTROL = True

    def __init__(self, *args, **kwargs):
        self.measured: dict[str, float] = {}    # demo -> the last figure its engine reported
        self.card = QLabel()
        self.card.setObjectName("comparisonCard")
        self.card.setWordWrap(True)
        self.card.setTextFormat(Qt.TextFormat.RichText)
        super().__init__(*args, **kwargs)
        self.column.insertWidget(self.column.indexOf(self.side) + 1, self.card)
        self.runner.snapshot.connect(self._on_card_snapshot)
        self.demo_combo.currentIndexChanged.connect(self.update_card)
        self.update_card()

    # ---- the comparison card (lecture 7.6) -----------------------------------------------
    @Slot(object)
    def _on_card_snapshot(self, snap: Snapshot) -> None:
        caps = capabilities.BY_DEMO.get(self.spec.name)
        if caps is None:
            return
        value = snap.metrics.get(caps.measured)
        if value is not None and math.isfinite(value) and value != self.measured.get(
                self.spec.name):
            self.measured[self.spec.name] = float(value)
            self.update_card()

    def card_html(self) -> str:
        current = capabilities.for_demo(self.spec.name)
        accent = color(self.theme, "highlight")
        muted = color(self.theme, "muted")
        head = "".join(
            f"<th style='color:{accent if c is current else muted}'>{html.escape(c.short)}"
            "</th>" for c in capabilities.METHODS)
        rows = []
        for attr, question in capabilities.ROWS:
            cells = []
            for c in capabilities.METHODS:
                text = html.escape(str(getattr(c, attr)))
                if attr == "measured_label":
                    demos = [d for d, v in capabilities.BY_DEMO.items() if v is c]
                    values = [self.measured[d] for d in demos if d in self.measured]
                    text += f"<br><b>{values[-1]:.3g}</b>" if values else "<br>—"
                if c is current:
                    text = f"<b>{text}</b>"
                cells.append(f"<td>{text}</td>")
            rows.append(f"<tr><td><i>{html.escape(question)}</i></td>{''.join(cells)}</tr>")
        return (f"<p style='margin-top:10px'><b>Comparison (lecture 7.6)</b> · "
                f"<span style='color:{muted}'>bold: this demo ({html.escape(current.method)})"
                f"</span></p><table width='100%' cellspacing='0' cellpadding='2' "
                f"style='font-size:small'><tr><th></th>{head}</tr>{''.join(rows)}</table>"
                f"<p style='color:{muted}; font-size:small'>{html.escape(current.note)}</p>")

    def update_card(self) -> None:
        self.card.setText(self.card_html())

    def apply_theme(self, theme: str) -> None:
        super().apply_theme(theme)
        self.update_card()
