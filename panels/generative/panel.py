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

from PySide6.QtCore import QEvent, Qt, Slot
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
        self._card_fit: tuple = (None, True)     # (column room, font, demo) -> table fits
        self.card = QLabel()
        self.card.setObjectName("comparisonCard")
        self.card.setWordWrap(True)
        self.card.setTextFormat(Qt.TextFormat.RichText)
        super().__init__(*args, **kwargs)
        self.column.insertWidget(self.column.indexOf(self.side) + 1, self.card)
        self.runner.snapshot.connect(self._on_card_snapshot)
        self.demo_combo.currentIndexChanged.connect(self.update_card)
        self.controls.installEventFilter(self)
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

    def card_cells(self, attr: str, c) -> str:
        """One answer of the card (the measured row adds the session's live figure)."""
        text = html.escape(str(getattr(c, attr)))
        if attr == "measured_label":
            demos = [d for d, v in capabilities.BY_DEMO.items() if v is c]
            values = [self.measured[d] for d in demos if d in self.measured]
            text += f"<br><b>{values[-1]:.3g}</b>" if values else "<br>—"
        return f"<b>{text}</b>" if c is capabilities.for_demo(self.spec.name) else text

    def card_html(self, compact: bool = False) -> str:
        """The card as a table, or (``compact``: a narrow column, a large zoom) as one
        short paragraph per question, which wraps where a five-column table cannot."""
        current = capabilities.for_demo(self.spec.name)
        accent = color(self.theme, "highlight")
        muted = color(self.theme, "muted")
        title = (f"<p style='margin-top:10px'><b>Comparison (lecture 7.6)</b> · "
                 f"<span style='color:{muted}'>bold: this demo "
                 f"({html.escape(current.method)})</span></p>")
        note = f"<p style='color:{muted}; font-size:small'>{html.escape(current.note)}</p>"
        if compact:
            paragraphs = []
            for attr, question in capabilities.ROWS:
                answers = " · ".join(
                    f"<span style='color:{accent if c is current else muted}'>"
                    f"{html.escape(c.short)}</span>: {self.card_cells(attr, c)}"
                    for c in capabilities.METHODS)
                paragraphs.append(f"<p style='margin:2px 0'><i>{html.escape(question)}</i>"
                                  f" {answers}</p>")
            return title + "".join(paragraphs) + note
        head = "".join(
            f"<th style='color:{accent if c is current else muted}'>{html.escape(c.short)}"
            "</th>" for c in capabilities.METHODS)
        rows = []
        for attr, question in capabilities.ROWS:
            cells = "".join(f"<td>{self.card_cells(attr, c)}</td>"
                            for c in capabilities.METHODS)
            rows.append(f"<tr><td><i>{html.escape(question)}</i></td>{cells}</tr>")
        return (f"{title}<table width='100%' cellspacing='0' cellpadding='2' "
                f"style='font-size:small'><tr><th></th>{head}</tr>{''.join(rows)}</table>"
                f"{note}")

    def card_fits_as_table(self) -> bool:
        """Does the table fit the text column without widening it? Measured on a label
        like the card (which knows a rich-text table's minimum width) against the
        column's room with its scroll bar counted in, so that the answer depends on the
        column's width only, never on how tall the card is (no flip-flop). Cached: a
        measure costs ~10 ms, and the card is redrawn with every new figure."""
        margins = self.column.contentsMargins()
        room = (self.controls.width() - 2 * self.controls.frameWidth()
                - self.controls.verticalScrollBar().sizeHint().width()
                - margins.left() - margins.right())
        key = (room, self.card.font().pointSizeF(), self.spec.name)
        if self._card_fit[0] != key:
            probe = QLabel()
            probe.setWordWrap(True)
            probe.setTextFormat(Qt.TextFormat.RichText)
            probe.setFont(self.card.font())
            probe.setText(self.card_html())
            self._card_fit = (key, probe.minimumSizeHint().width() <= room)
        return self._card_fit[1]

    def update_card(self) -> None:
        text = self.card_html(compact=not self.card_fits_as_table())
        if text != self.card.text():
            self.card.setText(text)

    def set_scale(self, factor: float) -> None:
        super().set_scale(factor)
        self.update_card()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        # The text column was resized (splitter, window): the card may switch form.
        if watched is self.controls and event.type() == QEvent.Type.Resize:
            self.update_card()
        return super().eventFilter(watched, event)

    def apply_theme(self, theme: str) -> None:
        super().apply_theme(theme)
        self.update_card()
