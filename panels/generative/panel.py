"""Panel "Learning probability distributions" (lecture chapter 7).

The user's input reaches a running engine through edits (applied between two steps),
independent of the config:
- painted target points (flow "learn from samples", target 'painted'): kept here; each
  stroke is sent as {"kind": "painted_target", "points": all points}; a new run gets them
  right after it starts (run_started). Starting a painted run with nothing painted is
  refused with a message.
- clamped RBM units: the clamp pattern (−1 free, 0/1 fixed) is kept here, sent as
  {"kind": "clamp", "clamp": pattern} after each click and at the start of a run;
  "Anneal" sends {"kind": "anneal"}.
- the temperature slider of "learn to sample": sets the form's T and sends
  {"kind": "set_temperature", "temperature": T} to a running engine.

A comparison card (lecture 7.6) under the demo text lists what each method provides, read
from :mod:`engines.generative.capabilities` (the engines' ``CAPABILITIES``), with the
figure each engine measured live in this session.
"""
from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QLabel

from engines.config import ConfigBase, ConfigError
from engines.generative import capabilities
from engines.generative.binary_data import make_data
from engines.generative.targets import EMPTY_PAINT_MESSAGE, MAX_PAINTED, clean_painted
from engines.runtime import Snapshot
from panels.generative.views import (FlowEnergyView, FlowSamplesView, GANView, RBMView,
                                     VAEView)
from workbench.panel import Panel
from workbench.theme import color

#: Quiet time after the last painted stroke before the points go to the running engine.
PAINT_SEND_DELAY_MS = 250


class GenerativePanel(Panel):
    PANEL_ID = "generative"
    TITLE = "Learning probability distributions"
    CHAPTER = "7"
    VIEWS = {"flow_samples": FlowSamplesView, "flow_energy": FlowEnergyView,
             "rbm": RBMView, "vae": VAEView, "gan": GANView}
    SPEED_CONTROL = True

    def __init__(self, *args, **kwargs):
        self.painted = np.empty((0, 2))
        self.clamp: np.ndarray = np.zeros(0, np.int8)
        self._clamp_key: tuple | None = None
        self._clamp_rng = np.random.default_rng(7)
        self.measured: dict[str, float] = {}    # demo -> the last figure its engine reported
        super().__init__(*args, **kwargs)
        self.card = QLabel()
        self.card.setObjectName("comparisonCard")
        self.card.setWordWrap(True)
        self.card.setTextFormat(Qt.TextFormat.RichText)
        column = self.text_label.parentWidget().layout()
        column.insertWidget(column.indexOf(self.text_label) + 1, self.card)
        self.runner.edited.connect(self._on_engine_edited)
        self.runner.snapshot.connect(self._on_card_snapshot)
        # strokes arrive with every mouse move: the engine gets the points once the
        # painting pauses for a moment (its target rebuild takes ~0.1 s)
        self._paint_timer = QTimer(self)
        self._paint_timer.setSingleShot(True)
        self._paint_timer.setInterval(PAINT_SEND_DELAY_MS)
        self._paint_timer.timeout.connect(self._send_painted)
        self.update_card()

    # ---- views ---------------------------------------------------------------------------
    def view_of(self, name: str):
        created = name not in self.view_for
        view = super().view_of(name)
        if created:
            if isinstance(view, FlowSamplesView):
                view.painted.connect(self.add_painted)
                view.clear_requested.connect(self.clear_painted)
                view.show_painted(self.painted)
            elif isinstance(view, FlowEnergyView):
                view.temperature_changed.connect(self.set_temperature)
            elif isinstance(view, RBMView):
                view.unit_clicked.connect(self.toggle_unit)
                view.anneal_requested.connect(self.anneal)
                view.clamp_sample_requested.connect(self.clamp_half_sample)
                view.clear_clamps_requested.connect(self.clear_clamps)
        return view

    def _on_demo_changed(self, index: int) -> None:
        super()._on_demo_changed(index)
        if hasattr(self, "card"):
            self.update_card()

    # ---- run control ---------------------------------------------------------------------
    def start(self, single_step: bool = False) -> bool:
        fresh = not self.runner.is_active() and self.restored is None
        if fresh and self.spec.name == "flow_samples":
            try:
                cfg = self.form.config()
            except ConfigError:
                cfg = None   # the base class reports it
            if cfg is not None and cfg.target == "painted" and len(self.painted) == 0:
                self.show_message(EMPTY_PAINT_MESSAGE, error=True)
                return False
        return super().start(single_step)

    def run_started(self, cfg: ConfigBase) -> None:
        name = self.spec.name
        if name == "flow_samples" and cfg.target == "painted" and len(self.painted):
            self.runner.edit({"kind": "painted_target", "points": self.painted.copy()})
        elif name == "rbm":
            self._sync_clamp(cfg)
            if (self.clamp >= 0).any():
                self.runner.edit({"kind": "clamp", "clamp": self.clamp.copy()})

    @Slot(bool, str)
    def _on_engine_edited(self, ok: bool, message: str) -> None:
        if not ok:
            self.show_message(message, error=True)

    def _live(self, demo: str) -> bool:
        return self.spec.name == demo and self.restored is None and self.runner.is_active()

    # ---- painting the flow's target ------------------------------------------------------
    def add_painted(self, points) -> None:
        try:
            new = clean_painted(points)
        except ValueError:
            return      # a stroke outside the plotted square adds nothing
        self.painted = np.concatenate([self.painted, new])[-MAX_PAINTED:]
        self._painted_changed()

    def clear_painted(self) -> None:
        self.painted = np.empty((0, 2))
        self._painted_changed()

    def set_painted(self, points) -> None:
        """Replace the painted target (e.g. from a test or a loaded session)."""
        pts = np.asarray(points, float).reshape(-1, 2)
        self.painted = clean_painted(pts) if len(pts) else np.empty((0, 2))
        self._painted_changed()

    def _painted_changed(self) -> None:
        if "flow_samples" in self.view_for:
            self.view_for["flow_samples"].show_painted(self.painted)
        try:
            painted_run = self.form_for["flow_samples"].config().target == "painted"
        except ConfigError:
            painted_run = False
        n = len(self.painted)
        if not n:
            self.show_message("Painting cleared: paint a new target (click or drag).")
            return
        live = (self._live("flow_samples") and self.run_cfg is not None
                and self.run_cfg.target == "painted")
        if live:
            self._paint_timer.start()
            self.show_message(f"{n} painted points: the flow now learns the new target.")
        elif painted_run:
            self.show_message(f"{n} painted points: press Start to learn them.")
        else:
            self.show_message(f"{n} painted points: choose target 'painted' to learn them.")

    def _send_painted(self) -> None:
        if (len(self.painted) and self._live("flow_samples") and self.run_cfg is not None
                and self.run_cfg.target == "painted"):
            self.runner.edit({"kind": "painted_target", "points": self.painted.copy()})

    # ---- temperature slider --------------------------------------------------------------
    def set_temperature(self, t: float) -> None:
        form = self.form_for["flow_energy"]
        form.editors["temperature"].setValue(float(t))   # preview of p at the new T
        view = self.view_for.get("flow_energy")
        if view is not None:
            view.show_temperature(float(t))
        if self._live("flow_energy"):
            self.runner.edit({"kind": "set_temperature", "temperature": float(t)})
            conditional = bool(self.run_cfg is not None and self.run_cfg.conditional)
            self.show_message(f"T = {t:.3g}: " + (
                "the conditional flow shows its samples at the new T (no retraining)."
                if conditional else "the flow now learns p ∝ exp(−E/T) at the new T."))

    # ---- RBM clamping and annealing ------------------------------------------------------
    def _rbm_config(self):
        try:
            return self.form_for["rbm"].config()
        except ConfigError as exc:
            self.show_message(f"Cannot clamp: {exc}", error=True)
            return None

    def _sync_clamp(self, cfg) -> None:
        """A clamp pattern of the right size for the config's visible units."""
        key = (cfg.data, cfg.visible)
        if self._clamp_key != key:
            self._clamp_key = key
            self.clamp = np.full(cfg.visible, -1, np.int8)

    def _clamp_changed(self) -> None:
        view = self.view_for.get("rbm")
        if view is not None:
            view.show_clamp(self.clamp)
        n = int((self.clamp >= 0).sum())
        live = self._live("rbm") and self.run_cfg is not None and \
            self.run_cfg.visible == self.clamp.size
        if live:
            self.runner.edit({"kind": "clamp", "clamp": self.clamp.copy()})
        what = (f"{n} unit{'s' if n != 1 else ''} clamped: the chains sample "
                "P(v_free | v_fixed)" if n else "All units free again")
        self.show_message(what + ("." if live else "; the next run starts with it."))

    def toggle_unit(self, index: int) -> None:
        """Click on a unit: free → clamped on → clamped off → free."""
        cfg = self._rbm_config()
        if cfg is None:
            return
        self._sync_clamp(cfg)
        if not 0 <= index < self.clamp.size:
            return
        self.clamp[index] = {-1: 1, 1: 0, 0: -1}[int(self.clamp[index])]
        self._clamp_changed()

    def clamp_half_sample(self) -> None:
        """Fix the first half of the visible units to a random training sample."""
        cfg = self._rbm_config()
        if cfg is None:
            return
        self._sync_clamp(cfg)
        sample = make_data(cfg).sample(1, self._clamp_rng)[0]
        half = self.clamp.size // 2
        self.clamp[:] = -1
        self.clamp[:half] = sample[:half]
        self._clamp_changed()

    def clear_clamps(self) -> None:
        self.clamp[:] = -1
        self._clamp_changed()

    def anneal(self) -> None:
        if self._live("rbm"):
            self.runner.edit({"kind": "anneal"})
            cfg = self.run_cfg
            self.show_message(f"Annealing: the chains restart at T = {cfg.anneal_from:g} and "
                              f"cool to T = 1 in {cfg.anneal_sweeps} sweeps.")
        else:
            self.show_message("Start a run first: annealing restarts its Gibbs chains hot.",
                              error=True)

    def load_session(self, session) -> bool:
        ok = super().load_session(session)
        snap = self.last_snapshot
        if ok and snap is not None:
            if "painted" in snap.arrays:
                self.set_painted(snap.arrays["painted"])
            if "clamp" in snap.arrays and self.spec.name == "rbm":
                self._sync_clamp(session.config)
                self.clamp = snap.arrays["clamp"].astype(np.int8)
                self._clamp_changed()
        return ok

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
        if hasattr(self, "card"):
            self.update_card()
