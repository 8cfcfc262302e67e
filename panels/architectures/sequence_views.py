"""Views of the sequence demos of the architectures panel (lecture 8.1).

- ``dynamics-rnn``: true and predicted trajectories from three fresh starting points (phase
  space and the first coordinate over t), the error of each option over t, losses and
  errors at T over the training steps.
- ``memory``: loss over the "predict the mean" baseline for each cell, ‖∂L/∂h_t‖ over t
  (log scale: vanishing gradients are a straight falling line), the chosen cell's gates
  over time for one sequence with its two marked positions. A slider above the plots sets
  the sequence length T, also mid-run (the edit SetLength).
- ``char-model``: the newest samples, held-out bits per character against the letter
  n-grams of chapter 4; the temperature slider changes the sampling mid-run
  (SetTemperature), "New sample" asks for one now (Resample).
Only torch-free modules of the engines are imported here.
"""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QPushButton, QTextBrowser,
                               QVBoxLayout)

from engines.architectures.sequence_specs import (CELLS, GATE_NAMES, CharModelConfig,
                                                  MemoryConfig, Resample, SetLength,
                                                  SetTemperature)
from engines.edits import Edit
from engines.runtime import Snapshot
from workbench import runner as states
from workbench.demo_view import DemoView, readout, shrinkable
from workbench.field_slider import FieldSlider
from workbench.plots import FG, PALETTE, CurvePlot, ImagePlot, diverging_colormap

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BROWN, GREY = PALETTE
OPTION_COLORS = {"rhs": BLUE, "direct": ORANGE, "residual": GREEN}
OPTION_TITLES = {"rhs": "① f<sub>θ</sub> + Euler", "direct": "② direct map",
                 "residual": "③ residual recurrence"}
CELL_COLORS = {"rnn": VERMILLION, "lstm": BLUE, "gru": GREEN}
CELL_TITLES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
N_SHOW = 3


class SequenceView(DemoView):
    """A controls row on top, a grid of plots, a readout line below."""

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.controls = QHBoxLayout()
        self.controls.setContentsMargins(4, 0, 4, 0)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self.readout = readout()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self.controls)
        lay.addLayout(self.grid, 1)
        lay.addWidget(self.readout)

    def edit(self, change: Edit) -> bool:
        """Send an edit to the live run; with none the form field alone changes (the next
        run starts with it)."""
        ctx = self.ctx
        if ctx is None or not ctx.current or ctx.state == states.STOPPING:
            return False
        return ctx.live and ctx.send_edit(change)

    def field_slider(self, config_cls, key: str, make, label: str) -> FieldSlider:
        """A slider for a config field; moved, it sets the form field and sends
        ``make(value)`` to the live run."""
        slider = FieldSlider(config_cls, key, label)

        def moved(value: float) -> None:
            if self.ctx is not None:
                self.ctx.set_field(key, value)
                try:   # the form rounds (e.g. to 3 decimals): engine and form agree
                    value = getattr(self.ctx.form_config(), key)
                except ValueError:
                    pass
                self.edit(make(value))
        slider.value_changed.connect(moved)
        self.controls.addWidget(slider, 1)
        return slider

    def reset(self) -> None:
        super().reset()
        self.readout.clear()


# ---- dynamics-rnn --------------------------------------------------------------------------
class DynamicsView(SequenceView):
    """Trajectories in phase space and over t, errors over t, training curves."""

    NEEDS = ("arrays.t_fine", "arrays.t_coarse", "arrays.true_fine", "arrays.true_coarse",
             "arrays.path_rhs", "arrays.path_direct", "arrays.path_residual",
             "arrays.error_t_rhs", "arrays.error_t_direct", "arrays.error_t_residual",
             "arrays.error_t_euler_true", "metrics.error_euler_true",
             "metrics.error_rhs", "metrics.error_direct", "metrics.error_residual",
             "metrics.horizon")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.dims: tuple[int, int] | None = None
        self.phase = CurvePlot("Phase space", "x", "ẋ", legend=None)
        self.time = CurvePlot("First coordinate", "t", "x(t)", legend="top-right")
        for plot in (self.phase, self.time):
            for s in range(N_SHOW if plot is self.phase else 1):
                first = s == 0 and plot is self.time
                plot.add_curve(f"true{s}", "true", FG, width=2.0, legend=first, z=-1)
                plot.add_curve(f"rhs{s}", OPTION_TITLES["rhs"], BLUE, width=2.2,
                               style="dash", legend=first)
                plot.add_curve(f"direct{s}", OPTION_TITLES["direct"], ORANGE, width=0,
                               symbol="s", symbol_size=7, legend=first)
                plot.add_curve(f"residual{s}", OPTION_TITLES["residual"], GREEN, width=1.4,
                               symbol="o", symbol_size=7, legend=first)
                plot.add_curve(f"start{s}", "", FG, width=0, symbol="star",
                               symbol_size=12, legend=False)
        self.error = CurvePlot("Error over time", "t", "RMS error / σ", log_y=True,
                               legend="top-left")
        self.error.add_curve("euler_true", "Euler, true f", FG, width=1.4, style="dot")
        for k in OPTION_COLORS:      # the colours are keyed in the trajectory plot's legend
            self.error.add_curve(k, "", OPTION_COLORS[k], width=2.4, legend=False,
                                 symbol=None if k == "rhs" else "o", symbol_size=6)
        self.train = CurvePlot("Loss (thin), error at T", "step", "",
                               log_y=True, legend=None)
        for k in OPTION_COLORS:
            self.train.add_curve(f"loss_{k}", "", OPTION_COLORS[k], width=1.0, alpha=110,
                                 legend=False)
        for k in OPTION_COLORS:
            self.train.add_curve(f"error_{k}", "", OPTION_COLORS[k], width=2.6,
                                 legend=False)
        self.grid.addWidget(shrinkable(self.phase), 0, 0)
        self.grid.addWidget(shrinkable(self.time), 0, 1)
        self.grid.addWidget(shrinkable(self.error), 1, 0)
        self.grid.addWidget(shrinkable(self.train), 1, 1)

    def plots(self):
        return [self.phase, self.time, self.error, self.train]

    def _set_dims(self, d: int) -> None:
        dims = (0, 2) if d == 3 else (0, 1)
        if dims != self.dims:
            self.dims = dims
            if d == 3:
                self.phase.plotItem.setLabel("bottom", "x")
                self.phase.plotItem.setLabel("left", "z")
            else:
                self.phase.plotItem.setLabel("bottom", "x")
                self.phase.plotItem.setLabel("left", "ẋ")

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        true_fine = a["true_fine"]
        self._set_dims(true_fine.shape[2])
        i, j = self.dims
        shown = min(N_SHOW, true_fine.shape[0])
        for s in range(shown):
            self.phase.set_curve(f"true{s}", true_fine[s, :, i], true_fine[s, :, j])
            self.phase.set_curve(f"rhs{s}", a["path_rhs"][s, :, i], a["path_rhs"][s, :, j])
            self.phase.set_curve(f"direct{s}", a["path_direct"][s, 1:, i],
                                 a["path_direct"][s, 1:, j])
            self.phase.set_curve(f"residual{s}", a["path_residual"][s, :, i],
                                 a["path_residual"][s, :, j])
            self.phase.set_curve(f"start{s}", true_fine[s, :1, i], true_fine[s, :1, j])
        tf, tc = a["t_fine"], a["t_coarse"]
        self.time.set_curve("true0", tf, true_fine[0, :, 0])
        self.time.set_curve("rhs0", tf, a["path_rhs"][0, :, 0])
        self.time.set_curve("direct0", tc[1:], a["path_direct"][0, 1:, 0])
        self.time.set_curve("residual0", tc, a["path_residual"][0, :, 0])
        self.time.set_curve("start0", tf[:1], true_fine[0, :1, 0])
        self.error.set_curve("euler_true", tf[1:], a["error_t_euler_true"][1:])
        self.error.set_curve("rhs", tf[1:], a["error_t_rhs"][1:])
        self.error.set_curve("direct", tc[1:], a["error_t_direct"][1:])
        self.error.set_curve("residual", tc[1:], a["error_t_residual"][1:])
        self.train.show_history(snap.history)
        self.readout.setText(
            f"RMS error at T = {m['horizon']:g} on 256 fresh starts (units of σ): "
            + " · ".join(f"<span style='color:{OPTION_COLORS[k]}'>{OPTION_TITLES[k]}</span>"
                         f" <b>{m[f'error_{k}']:.3g}</b>" for k in OPTION_COLORS)
            + f" · Euler with the true f: {m['error_euler_true']:.3g}")

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        return (f"step {snap.step} · error at T: rhs {m['error_rhs']:.3g}, direct "
                f"{m['error_direct']:.3g}, residual {m['error_residual']:.3g}")


# ---- memory ---------------------------------------------------------------------------------
class MemoryView(SequenceView):
    """Loss / baseline per cell, ‖∂L/∂h_t‖ over t, the gates over t for one sequence."""

    NEEDS = ("arrays.t", "arrays.values", "arrays.markers", "arrays.gates",
             "arrays.loss_over_baseline_cells", "arrays.prediction_cells",
             "arrays.grad_norm_rnn", "arrays.grad_norm_lstm", "arrays.grad_norm_gru",
             "metrics.loss_over_baseline", "metrics.length", "metrics.cell_index",
             "metrics.target_example", "metrics.prediction_example",
             "metrics.grad_decay_log10", "history.step")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.length = self.field_slider(MemoryConfig, "length", lambda v: SetLength(int(v)),
                                        "Sequence length T")
        self.loss = CurvePlot("Loss / baseline", "step", "MSE / Var(y)", log_y=True,
                              legend="bottom-left")
        # dashed at 1: the baseline, predicting the mean (said in the readout and the text)
        self.loss.add_curve("baseline", "", FG, width=1.6, style="dash", legend=False)
        for k in CELLS:
            self.loss.add_curve(f"train_{k}", "", CELL_COLORS[k], width=1.0, alpha=90,
                                legend=False)
        for k in CELLS:
            self.loss.add_curve(f"eval_{k}", CELL_TITLES[k], CELL_COLORS[k], width=2.6)
        self.grad = CurvePlot("Gradient ‖∂L/∂h<sub>t</sub>‖", "t", "‖∂L/∂h<sub>t</sub>‖",
                              log_y=True, legend=None)
        for k in CELLS:   # colours keyed in the loss plot's legend
            self.grad.add_curve(k, "", CELL_COLORS[k], width=2.4, legend=False)
        self.gates = ImagePlot("Gates over t", "t", "", levels=(0.0, 1.0), colorbar=True,
                               colormap="viridis")
        self.gates.add_path("m1", "", VERMILLION, width=1.6, legend=False)
        self.gates.add_path("m2", "", VERMILLION, width=1.6, legend=False)
        self.gates.plotItem.getViewBox().setMouseEnabled(x=False, y=False)
        self._gate_layout: tuple[int, int, int] | None = None
        self.grid.addWidget(shrinkable(self.loss), 0, 0)
        self.grid.addWidget(shrinkable(self.grad), 0, 1)
        self.grid.addWidget(shrinkable(self.gates), 1, 0, 1, 2)
        self.grid.setRowStretch(0, 3)
        self.grid.setRowStretch(1, 2)

    def plots(self):
        return [self.loss, self.grad, self.gates]

    def config_changed(self, cfg) -> None:
        self.length.set_value(cfg.length)

    def _layout_gates(self, kind: str, rows: int, length: int) -> None:
        if self._gate_layout == (CELLS.index(kind), rows, length):
            return
        self._gate_layout = (CELLS.index(kind), rows, length)
        names = GATE_NAMES[kind]
        hidden = rows // len(names)
        if kind == "rnn":
            self.gates.set_title("RNN state h<sub>t</sub> over t (one sequence)")
            self.gates.set_image(np.zeros((rows, length)), levels=(-1.0, 1.0))
            self.gates.image_item.setColorMap(diverging_colormap())
            if self.gates.colorbar is not None:
                self.gates.colorbar.setColorMap(diverging_colormap())
        else:
            self.gates.set_title(f"{CELL_TITLES[kind]} gates "
                                 + " | ".join(names) + " over t (one sequence)")
            self.gates.set_image(np.zeros((rows, length)), levels=(0.0, 1.0))
            self.gates.image_item.setColorMap(self.gates.colormap)
            if self.gates.colorbar is not None:
                self.gates.colorbar.setColorMap(self.gates.colormap)
        ticks = [((g + 0.5) * hidden, name) for g, name in enumerate(names)]
        self.gates.plotItem.getAxis("left").setTicks([ticks, []])
        self.gates.set_image(np.zeros((rows, length)), rect=(0.0, 0.0, float(length),
                                                             float(rows)))

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        kind = CELLS[int(m["cell_index"])]
        steps = snap.history["step"]
        self.loss.show_history(snap.history)
        if steps.size:
            self.loss.set_curve("baseline", [steps[0], max(steps[-1], 1.0)], [1.0, 1.0])
        t = a["t"]
        for k in CELLS:
            g = a[f"grad_norm_{k}"]
            self.grad.set_curve(k, t[:g.size], g)
        gates = a["gates"]
        self._layout_gates(kind, gates.shape[0], gates.shape[1])
        self.gates.set_image(gates)
        rows = float(gates.shape[0])
        marks = np.flatnonzero(a["markers"] > 0.5)
        for key, pos in zip(("m1", "m2"), marks):
            self.gates.set_path(key, [[pos + 0.5, 0.0], [pos + 0.5, rows]])
        ratios = a["loss_over_baseline_cells"]
        parts = [f"<span style='color:{CELL_COLORS[k]}'>{CELL_TITLES[k]}</span> "
                 f"<b>{r:.3g}</b>" for k, r in zip(("rnn", "lstm", "gru"), ratios)
                 if np.isfinite(r)]
        v = a["values"][marks] if marks.size else []
        example = " + ".join(f"{x:.2f}" for x in v)
        self.readout.setText(
            f"T = {int(m['length'])} · held-out MSE / baseline (1/6): " + " · ".join(parts)
            + f" · sequence shown: {example} = {m['target_example']:.2f}, "
            f"{CELL_TITLES[kind]} says {m['prediction_example']:.2f} · "
            f"‖∂L/∂h₀‖ / ‖∂L/∂h<sub>T</sub>‖ = 10<sup>{m['grad_decay_log10']:.1f}</sup>")

    def reset(self) -> None:
        super().reset()
        self._gate_layout = None

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        return (f"step {snap.step} · T = {int(m['length'])} · loss / baseline "
                f"{m['loss_over_baseline']:.3g}")


# ---- char-model -----------------------------------------------------------------------------
class CharModelView(SequenceView):
    """Samples (newest first) and bits per character against the n-gram models."""

    NEEDS = ("arrays.samples", "arrays.ngram_bits_per_char", "metrics.train_bits_per_char",
             "metrics.temperature", "metrics.max_bits_per_char", "metrics.eval_chars",
             "metrics.train_chars", "history.train_bits_per_char")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.temp = self.field_slider(CharModelConfig, "temperature", SetTemperature,
                                      "Temperature T")
        self.resample = QPushButton("New sample")
        self.resample.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.resample.setToolTip("Let the network write a new sample now")
        self.resample.clicked.connect(lambda: self.edit(Resample()))
        self.controls.addWidget(self.resample)
        self.samples = QTextBrowser()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(9.0, mono.pointSizeF()))
        self.samples.setFont(mono)
        self.samples.setMinimumSize(120, 80)
        self.bpc = CurvePlot("Bits per character", "step", "bits / char",
                             legend="top-right", y_range=(1.5, 5.6))
        self.bpc.add_curve("train_bits_per_char", "training batch", SKY, width=1.0,
                           alpha=120)
        self.bpc.add_curve("bits_per_char", "held-out", BLUE, width=2.8, symbol="o",
                           symbol_size=5)
        self.bpc.add_curve("max", "", FG, width=1.4, style="dash", legend=False)
        self.ngram_colors = {1: GREY, 2: BROWN, 3: PURPLE, 4: ORANGE, 5: VERMILLION}
        for k, col in self.ngram_colors.items():
            self.bpc.add_curve(f"ngram{k}", "", col, width=1.6, style="dot", legend=False)
        # the reference lines are named on the right axis, where they cover no data
        self.bpc.plotItem.showAxis("right")
        self.bpc.plotItem.setLabel("right", "n-gram order")
        self._ngram_ticks: tuple | None = None
        self.grid.addWidget(self.samples, 0, 0)
        self.grid.addWidget(shrinkable(self.bpc), 0, 1)
        self.grid.setColumnStretch(0, 4)
        self.grid.setColumnStretch(1, 5)

    def plots(self):
        return [self.bpc]

    def config_changed(self, cfg) -> None:
        self.temp.set_value(cfg.temperature)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m, h = snap.arrays, snap.metrics, snap.history
        text = bytes(a["samples"].astype(np.uint8)).decode("utf-8", "replace")
        blocks = []
        for block in text.split("\n\n"):
            head, _, body = block.partition("\n")
            blocks.append(f"<b>{html.escape(head)}</b><br>{html.escape(body)}")
        html_text = "<br><br>".join(blocks) if text else "<i>the first sample comes soon…</i>"
        if html_text != getattr(self, "_last_html", None):
            self._last_html = html_text
            self.samples.setHtml(html_text)
        self.bpc.show_history(h)
        steps = h["step"]
        ends = [steps[0], max(steps[-1], 1.0)] if steps.size else [0.0, 1.0]
        self.bpc.set_curve("max", ends, [m["max_bits_per_char"]] * 2)
        ngram = a["ngram_bits_per_char"]
        for k in self.ngram_colors:
            self.bpc.set_curve(f"ngram{k}", ends, [ngram[k]] * 2)
        ticks = tuple((float(ngram[k]), str(k)) for k in self.ngram_colors)
        if ticks != self._ngram_ticks:
            self._ngram_ticks = ticks
            self.bpc.plotItem.getAxis("right").setTicks([list(ticks), []])
        bpc = m.get("bits_per_char")
        best = min(range(1, ngram.size), key=lambda k: ngram[k])
        self.readout.setText(
            (f"held-out <b>{bpc:.3f}</b> bits/char" if bpc is not None else "held-out: …")
            + f" on {int(m['eval_chars'])} characters (training batch "
            f"{m['train_bits_per_char']:.3f}) · n-grams on the same text: "
            + ", ".join(f"{k}: {ngram[k]:.2f}" for k in range(1, ngram.size))
            + f" (best {best}) · log₂ 27 = {m['max_bits_per_char']:.2f} · "
            f"T = {m['temperature']:.2f}")

    def reset(self) -> None:
        super().reset()
        self.samples.clear()
        self._last_html = None

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        bpc = m.get("bits_per_char", m["train_bits_per_char"])
        return f"step {snap.step} · {bpc:.3f} bits/char · T = {m['temperature']:.2f}"


SEQUENCE_VIEWS: dict = {"dynamics-rnn": DynamicsView, "memory": MemoryView,
                        "char-model": CharModelView}
#: Default steps per second of each demo (the effect unfolds in 20-60 s).
SEQUENCE_SPEEDS: dict[str, float] = {}
