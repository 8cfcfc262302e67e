"""What the user does in the chapter-7 demos, turned into edits for the running engine.

Mixed into the views (panels.generative.views), each for its own demo; the engine applies
every edit between two steps:
- :class:`PaintInput` (flow "learn from samples", target 'painted'): the painted points
  are kept here; the running engine gets PaintedTarget(points=all points)
  once the painting pauses, a new run right after it starts. Starting a painted run with
  nothing painted is refused with a message.
- :class:`TemperatureInput` (flow "learn to sample"): the slider sets the form's T and
  sends SetTemperature(value=T) to a running engine.
- :class:`ClampInput` (RBM): the clamp pattern (−1 free, 0/1 fixed) is kept here and
  sent as Clamp(pattern=pattern) after each click and at the start of a run;
  "Anneal" sends Anneal(). (The edits are the dataclasses of engines.generative.configs.)
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer

from engines.config import ConfigError
from engines.generative.binary_data import make_data
from engines.generative.configs import Anneal, Clamp, PaintedTarget, SetTemperature
from engines.generative.targets import EMPTY_PAINT_MESSAGE, MAX_PAINTED, clean_painted

#: Quiet time after the last painted stroke before the points go to the running engine.
PAINT_SEND_DELAY_MS = 250


class PaintInput:
    def attach(self, ctx) -> None:
        super().attach(ctx)
        self.paint = np.empty((0, 2))
        # strokes arrive with every mouse move: the engine gets the points once the
        # painting pauses for a moment (its target rebuild takes ~0.1 s)
        self._paint_timer = QTimer(self)
        self._paint_timer.setSingleShot(True)
        self._paint_timer.setInterval(PAINT_SEND_DELAY_MS)
        self._paint_timer.timeout.connect(self._send_painted)
        self.painted.connect(self.add_painted)
        self.clear_requested.connect(self.clear_painted)

    def before_start(self, cfg):
        if cfg.target == "painted" and len(self.paint) == 0:
            return EMPTY_PAINT_MESSAGE
        return None

    def run_started(self, cfg) -> None:
        if cfg.target == "painted" and len(self.paint):
            self.ctx.send_edit(PaintedTarget(points=self.paint.copy()))

    def session_loaded(self, snap) -> None:
        if "painted" in snap.arrays:
            self.set_painted(snap.arrays["painted"])

    def add_painted(self, points) -> None:
        try:
            new = clean_painted(points)
        except ValueError:
            return      # a stroke outside the plotted square adds nothing
        self.paint = np.concatenate([self.paint, new])[-MAX_PAINTED:]
        self._painted_changed()

    def clear_painted(self) -> None:
        self.paint = np.empty((0, 2))
        self._painted_changed()

    def set_painted(self, points) -> None:
        """Replace the painted target (e.g. from a test or a loaded session)."""
        pts = np.asarray(points, float).reshape(-1, 2)
        self.paint = clean_painted(pts) if len(pts) else np.empty((0, 2))
        self._painted_changed()

    def _painting_run(self) -> bool:
        cfg = self.ctx.run_config
        return self.ctx.live and cfg is not None and cfg.target == "painted"

    def _painted_changed(self) -> None:
        self.show_painted(self.paint)
        try:
            painted_form = self.ctx.form_config().target == "painted"
        except ConfigError:
            painted_form = False
        n = len(self.paint)
        if not n:
            self.ctx.message("Painting cleared: paint a new target (click or drag).")
        elif self._painting_run():
            self._paint_timer.start()
            self.ctx.message(f"{n} painted points: the flow now learns the new target.")
        elif painted_form:
            self.ctx.message(f"{n} painted points: press Start to learn them.")
        else:
            self.ctx.message(f"{n} painted points: choose target 'painted' to learn them.")

    def _send_painted(self) -> None:
        if len(self.paint) and self._painting_run():
            self.ctx.send_edit(PaintedTarget(points=self.paint.copy()))


class TemperatureInput:
    def attach(self, ctx) -> None:
        super().attach(ctx)
        self.temperature_changed.connect(self.set_temperature)

    def set_temperature(self, t: float) -> None:
        try:
            self.ctx.set_field("temperature", float(t))   # preview of p at the new T
        except ConfigError as exc:
            self.ctx.message(f"Invalid setting: {exc}", error=True)
            return
        self.show_temperature(float(t))
        if self.ctx.send_edit(SetTemperature(value=float(t))):
            cfg = self.ctx.run_config
            conditional = bool(cfg is not None and cfg.conditional)
            self.ctx.message(f"T = {t:.3g}: " + (
                "the conditional flow shows its samples at the new T (no retraining)."
                if conditional else "the flow now learns p ∝ exp(−E/T) at the new T."))


class ClampInput:
    def attach(self, ctx) -> None:
        super().attach(ctx)
        self.pattern: np.ndarray = np.zeros(0, np.int8)
        self._pattern_key: tuple | None = None
        self._clamp_rng = np.random.default_rng(7)
        self.unit_clicked.connect(self.toggle_unit)
        self.anneal_requested.connect(self.anneal)
        self.clamp_sample_requested.connect(self.clamp_half_sample)
        self.clear_clamps_requested.connect(self.clear_clamps)

    def run_started(self, cfg) -> None:
        self._sync_pattern(cfg)
        if (self.pattern >= 0).any():
            self.ctx.send_edit(Clamp(pattern=self.pattern.copy()))

    def session_loaded(self, snap) -> None:
        self._sync_pattern(self.ctx.run_config or self.ctx.form_config())
        self.pattern = snap.arrays["clamp"].astype(np.int8)   # every RBM snapshot has it
        self._pattern_changed()

    def _form_config(self):
        try:
            return self.ctx.form_config()
        except ConfigError as exc:
            self.ctx.message(f"Cannot clamp: {exc}", error=True)
            return None

    def _sync_pattern(self, cfg) -> None:
        """A clamp pattern of the right size for the config's visible units."""
        key = (cfg.data, cfg.visible)
        if self._pattern_key != key:
            self._pattern_key = key
            self.pattern = np.full(cfg.visible, -1, np.int8)

    def _pattern_changed(self) -> None:
        self.show_clamp(self.pattern)
        n = int((self.pattern >= 0).sum())
        cfg = self.ctx.run_config
        live = (self.ctx.live and cfg is not None and cfg.visible == self.pattern.size
                and self.ctx.send_edit(Clamp(pattern=self.pattern.copy())))
        what = (f"{n} unit{'s' if n != 1 else ''} clamped: the chains sample "
                "P(v_free | v_fixed)" if n else "All units free again")
        self.ctx.message(what + ("." if live else "; the next run starts with it."))

    def toggle_unit(self, index: int) -> None:
        """Click on a unit: free → clamped on → clamped off → free."""
        cfg = self._form_config()
        if cfg is None:
            return
        self._sync_pattern(cfg)
        if not 0 <= index < self.pattern.size:
            return
        self.pattern[index] = {-1: 1, 1: 0, 0: -1}[int(self.pattern[index])]
        self._pattern_changed()

    def clamp_half_sample(self) -> None:
        """Fix the first half of the visible units to a random training sample."""
        cfg = self._form_config()
        if cfg is None:
            return
        self._sync_pattern(cfg)
        sample = make_data(cfg).sample(1, self._clamp_rng)[0]
        half = self.pattern.size // 2
        self.pattern[:] = -1
        self.pattern[:half] = sample[:half]
        self._pattern_changed()

    def clear_clamps(self) -> None:
        self.pattern[:] = -1
        self._pattern_changed()

    def anneal(self) -> None:
        if self.ctx.send_edit(Anneal()):
            cfg = self.ctx.run_config
            self.ctx.message(f"Annealing: the chains restart at T = {cfg.anneal_from:g} and "
                             f"cool to T = 1 in {cfg.anneal_sweeps} sweeps.")
        else:
            self.ctx.message("Start a run first: annealing restarts its Gibbs chains hot.",
                             error=True)
