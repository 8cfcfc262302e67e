"""Views of the information demos (lecture chapter 4): entropy of a source, prefix codes,
block codes, models of English, differential entropy.

User input mid-run becomes an edit of the running engine (engines/information/*.py list
them): dragged or typed probabilities, the coupling and mixing sliders, P('1') and the
block length, the text model and temperature. With no live run, a paused run is started
and takes the edit at once (Resume, Space, lets it go on). Sliders and spin boxes for
Config fields also set the form field, so the form stays the one source of the value.
"""
from __future__ import annotations

import html
import math
import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QSizePolicy, QSpinBox, QTextBrowser,
                               QVBoxLayout, QWidget)

from engines.edits import Edit
from engines.information.configs import (TEXT_MODELS, BlocksConfig, ClearSamples, RestartBuild,
                                         SetBitProb, SetBlock, SetCoupling, SetMix, SetOrder,
                                         SetProb, SetProbs, SetTemperature, SourceConfig,
                                         TextConfig)
from engines.runtime import Snapshot
from panels.information.plots import InfoPlot, TreePlot, symbol_color, symbol_name
from workbench import runner as states
from workbench.demo_view import DemoView
from workbench.elided_label import ElidedLabel
from workbench.field_slider import FieldSlider
from workbench.plots import FG, PALETTE, ImagePlot

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BROWN, GREY = PALETTE
CODE_NAMES = (("fano", "Fano"), ("shannon", "Shannon"), ("huffman", "Huffman"))
COMPRESSORS = ("zlib", "bz2", "lzma")
COMPRESSOR_COLORS = (GREEN, PURPLE, BROWN)


def _g(v: float, digits: int = 3) -> str:
    return f"{v:.{digits}g}"


def parse_numbers(text: str) -> list[float]:
    """Comma-, semicolon- or space-separated numbers; ValueError with a clear message."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if not parts:
        raise ValueError("Type the probabilities separated by commas, e.g. 0.5, 0.25, 0.25")
    out = []
    for p in parts:
        try:
            v = float(p)
        except ValueError:
            raise ValueError(f"“{p}” is not a number: type the probabilities separated by "
                             f"commas, e.g. 0.5, 0.25, 0.25") from None
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"{p} is not a probability (use non-negative numbers)")
        out.append(v)
    return out


class InfoView(DemoView):
    """A controls row on top, a grid of plots, a readout line below."""

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.controls = QHBoxLayout()
        self.controls.setContentsMargins(4, 0, 4, 0)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self.readout = QLabel()
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self.controls)
        lay.addLayout(self.grid, 1)
        lay.addWidget(self.readout)

    def edit(self, change: Edit, what: str = "") -> bool:
        """Send an edit to the live run; with none, start a paused run that takes it."""
        ctx = self.ctx
        if ctx is None or not ctx.current:
            return False
        if ctx.state == states.STOPPING:
            ctx.message("The run is stopping; try again in a moment.", error=True)
            return False
        if ctx.live:
            return ctx.send_edit(change)
        if not ctx.start(paused=True):
            return False
        ctx.send_edit(change)
        ctx.message(f"{what or 'The change'}: started a new run, paused. Press Resume "
                    "(Space) to let it go on.")
        return True

    def field_slider(self, config_cls, key: str, edit: type[Edit], label: str | None = None
                     ) -> FieldSlider:
        """A slider of the Config field ``key``; a live run gets ``edit(value=...)``."""
        slider = FieldSlider(config_cls, key, label)

        def moved(value: float) -> None:
            if self.ctx is not None:
                self.ctx.set_field(key, value)
                if self.ctx.live:
                    self.ctx.send_edit(edit(value=value))
        slider.value_changed.connect(moved)
        self.controls.addWidget(slider, 1)
        return slider

    def reset(self) -> None:
        super().reset()
        self.readout.clear()


def set_symbol_ticks(plot: InfoPlot, n: int) -> None:
    if plot.n_bars != n:
        plot.n_bars = n
        plot.plotItem.getAxis("bottom").setTicks([[(i, symbol_name(i)) for i in range(n)]])
        plot.plotItem.setXRange(-0.6, n - 0.4, padding=0)


def probs_text(p: np.ndarray) -> str:
    return ", ".join(f"{v:.3g}" for v in p)


class ProbsEditor(QWidget):
    """A line edit for a whole distribution: 'p = 0.4, 0.2, …' and a Set button."""

    def __init__(self, on_set, parent=None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("P ="))
        self.line = QLineEdit()
        self.line.setPlaceholderText("0.4, 0.2, 0.15, … (renormalised)")
        self.line.setToolTip("Type the probabilities (or weights) of the symbols, separated "
                             "by commas, and press Enter: they are renormalised to sum 1.")
        self.line.setMinimumWidth(120)
        self.button = QPushButton("Set")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lay.addWidget(self.line, 1)
        lay.addWidget(self.button)
        self.line.returnPressed.connect(on_set)
        self.button.clicked.connect(on_set)

    def show_probs(self, p: np.ndarray) -> None:
        if not self.line.hasFocus():
            text = probs_text(p)
            if self.line.text() != text:
                self.line.setText(text)


# ---- source ------------------------------------------------------------------------------
class SourceView(InfoView):
    """Editable distribution, surprise, binary entropy, joint table, concavity."""

    NEEDS = ("metrics.entropy_bits", "metrics.max_entropy_bits",
             "metrics.empirical_entropy_bits", "metrics.samples",
             "metrics.joint_entropy_bits", "metrics.hx_plus_hy_bits",
             "metrics.mutual_information_bits", "metrics.mix_entropy_bits",
             "metrics.mix_chord_bits", "metrics.binary_p",
             "arrays.probs", "arrays.surprise_bits", "arrays.empirical_probs",
             "arrays.binary_p_grid", "arrays.binary_entropy", "arrays.joint",
             "arrays.mix_lambda_grid", "arrays.mix_entropy_curve",
             "history.entropy_bits", "history.empirical_entropy_bits")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.editor = ProbsEditor(self.type_probs)
        self.controls.addWidget(self.editor, 2)
        self.coupling = self.field_slider(SourceConfig, "coupling", SetCoupling,
                                          "coupling c")
        self.mix = self.field_slider(SourceConfig, "mix", SetMix, "mixing λ")

        self.bars = InfoPlot("P(s): drag a bar", "symbol s", "P(s)",
                             draggable=True, legend="top-right", y_range=(0.0, 1.0))
        self.bars.add_bars("p", "P(s)", BLUE, width=0.7)
        self.bars.add_bars("emp", "sampled", FG, width=0.7, outline=True,
                           z=1)
        self.bars.drag_range = (1e-4, 0.999)
        self.bars.bar_dragged.connect(self.drag_bar)

        self.surprise = InfoPlot("Surprise −log₂ P(s)", "symbol s", "bits", legend=None)
        self.surprise.add_bars("s", "", ORANGE, width=0.7)
        self.surprise.add_hline("H", "H = ⟨−log₂ P⟩", BLUE, "solid")
        self.surprise.add_hline("max", "log₂ N", FG, "dash", position=0.55)

        self.binary = InfoPlot("Binary entropy H₂(p)", "p", "bits", legend=None,
                               y_range=(0.0, 1.05))
        self.binary.add_curve("h2", "H₂(p) = −p log₂ p − (1−p) log₂(1−p)", BLUE)
        self.binary.add_curve("mark", "p = P(a)/(P(a)+P(b))", VERMILLION, width=0,
                              symbol="o", symbol_size=12)

        self.joint = ImagePlot("Joint P(x, y)", "x", "y", colormap="viridis",
                               levels=(0.0, 0.5), lock_aspect=True)
        self.joint_tags = []
        for i in range(9):
            t = self.joint._add_text("", base_pt=11.0, color="#FFFFFF", anchor=(0.5, 0.5))
            t.setZValue(30)
            self.joint_tags.append(t)
        for name in ("bottom", "left"):
            self.joint.plotItem.getAxis(name).setTicks([[(i + 0.5, symbol_name(i))
                                                         for i in range(3)]])

        self.mixing = InfoPlot("Concavity of H", "λ", "bits",
                               legend="bottom-right")
        self.mixing.add_curve("curve", "H(λP+(1−λ)Q)", BLUE)
        self.mixing.add_curve("chord", "λH(P)+(1−λ)H(Q)", GREY, style="dash")
        self.mixing.add_curve("at", "current λ", VERMILLION, width=0, symbol="o",
                              symbol_size=11)

        self.history = InfoPlot("Sampled entropy", "samples", "bits", legend="bottom-right")
        self.history.add_curve("entropy_bits", "H", BLUE, style="dash")
        self.history.add_curve("empirical_entropy_bits", "sampled",
                               VERMILLION)

        for k, w in enumerate((self.bars, self.surprise, self.binary, self.joint,
                               self.mixing, self.history)):
            self.grid.addWidget(w, k // 3, k % 3)

    def plots(self):
        return [self.bars, self.surprise, self.binary, self.joint, self.mixing,
                self.history]

    # ---- input --------------------------------------------------------------------------
    def drag_bar(self, index: int, value: float) -> None:
        self.edit(SetProb(index=int(index), value=float(value)),
                  f"P({symbol_name(index)}) = {value:.3g}")

    def type_probs(self) -> None:
        try:
            probs = parse_numbers(self.editor.line.text())
        except ValueError as exc:
            if self.ctx is not None:
                self.ctx.message(str(exc), error=True)
            return
        self.edit(SetProbs(probs=tuple(probs)), "The typed distribution")
        self.editor.line.clearFocus()

    def config_changed(self, cfg) -> None:
        self.coupling.set_value(cfg.coupling)
        self.mix.set_value(cfg.mix)

    # ---- drawing ------------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        m, a = snap.metrics, snap.arrays
        p = a["probs"]
        n = p.size
        x = np.arange(n)
        brushes = [pg.mkBrush(symbol_color(i)) for i in range(n)]
        set_symbol_ticks(self.bars, n)
        set_symbol_ticks(self.surprise, n)
        self.bars.set_bars("p", x, p, brushes=brushes)
        self.bars.set_bars("emp", x, a["empirical_probs"])
        self.editor.show_probs(p)
        self.surprise.set_bars("s", x, a["surprise_bits"], brushes=brushes)
        self.surprise.set_hline("H", m["entropy_bits"],
                                f"H = {m['entropy_bits']:.3f} bits")
        self.surprise.set_hline("max", m["max_entropy_bits"],
                                f"log₂ N = {m['max_entropy_bits']:.3f}")
        self.binary.set_curve("h2", a["binary_p_grid"], a["binary_entropy"])
        bp = m["binary_p"]
        h2 = -(bp * math.log2(bp) + (1 - bp) * math.log2(1 - bp)) if 0 < bp < 1 else 0.0
        self.binary.set_curve("mark", [bp], [h2])
        joint = a["joint"]
        self.joint.set_image(joint, rect=(0, 0, 3, 3))
        for k, tag in enumerate(self.joint_tags):
            r, c = divmod(k, 3)
            tag.setText(f"{joint[r, c]:.3f}")
            tag.setPos(c + 0.5, r + 0.5)
        lam = a["mix_lambda_grid"]
        curve = a["mix_entropy_curve"]
        self.mixing.set_curve("curve", lam, curve)
        self.mixing.set_curve("chord", [0.0, 1.0], [curve[0], curve[-1]])
        self.mixing.set_curve("at", [self.mix.value(), self.mix.value()],
                              [m["mix_entropy_bits"], m["mix_chord_bits"]])
        lo, hi = float(min(curve.min(), curve[0])), float(curve.max())
        span = max(hi - lo, 0.05)
        self.mixing.plotItem.setYRange(lo - 0.9 * span, hi + 0.1 * span, padding=0)
        self.history.show_history(snap.history)
        self.readout.setText(
            f"H = −Σ P log₂ P = <b>{m['entropy_bits']:.4f}</b> bits ≤ log₂ N = "
            f"{m['max_entropy_bits']:.4f} · sampled ({int(m['samples'])} symbols): "
            f"{m['empirical_entropy_bits']:.4f} · joint: H(X,Y) = "
            f"<b>{m['joint_entropy_bits']:.4f}</b> ≤ H(X) + H(Y) = "
            f"<b>{m['hx_plus_hy_bits']:.4f}</b> (I(X;Y) = "
            f"{m['mutual_information_bits']:.4f}) · mixing: H(λP+(1−λ)Q) = "
            f"{m['mix_entropy_bits']:.4f} ≥ λH(P)+(1−λ)H(Q) = {m['mix_chord_bits']:.4f}")

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        return (f"{int(m['samples'])} samples · H = {m['entropy_bits']:.4f} bits · "
                f"sampled {m['empirical_entropy_bits']:.4f}")


# ---- codes ---------------------------------------------------------------------------------
def codeword_text(row: np.ndarray) -> str:
    bits = [str(int(b)) for b in row if b >= 0]
    return "".join(bits)


class CodesView(InfoView):
    """Fano, Shannon and Huffman trees built step by step, the code table, ⟨L⟩ against H,
    and the message encoded into bit streams and decoded back."""

    NEEDS = ("metrics.entropy_bits", "metrics.entropy_plus_one_bits",
             "metrics.build_step", "metrics.build_steps", "metrics.message_symbols",
             "metrics.decoded_ok",
             *(f"metrics.{c}_avg_len" for c, _ in CODE_NAMES),
             *(f"metrics.kraft_{c}" for c, _ in CODE_NAMES),
             *(f"metrics.{c}_bits_per_symbol" for c, _ in CODE_NAMES),
             "arrays.probs", "arrays.surprise_bits", "arrays.message_window",
             *(f"arrays.{c}_{k}" for c, _ in CODE_NAMES
               for k in ("node_parent", "node_bit", "node_prob", "node_symbol",
                         "node_depth", "codewords", "lengths", "stream_bits",
                         "stream_starts", "decoded")),
             "history.huffman_bits_per_symbol", "history.entropy_bits")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.editor = ProbsEditor(self.type_probs)
        self.controls.addWidget(self.editor, 2)
        self.restart = QPushButton("Rebuild codes")
        self.restart.setToolTip("Build the three codes again from step 0 (one split / "
                                "codeword / merge per step)")
        self.restart.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.restart.clicked.connect(
            lambda: self.edit(RestartBuild(), "Rebuild"))
        self.controls.addWidget(self.restart)
        hint = QLabel("One step = one split (Fano), one codeword (Shannon), one merge "
                      "(Huffman); Step (N) goes one at a time.")
        hint.setWordWrap(True)
        self.controls.addWidget(hint, 2)

        self.trees = {c: TreePlot(f"{title} code") for c, title in CODE_NAMES}
        self.table = QTextBrowser()
        self.stream = QTextBrowser()
        for w in (self.table, self.stream):
            w.setOpenLinks(False)
        self.lengths = InfoPlot("⟨L⟩ against H", "", "bits / symbol",
                                legend="top-right")
        self.lengths.add_bars("avg", "⟨L⟩ = Σ P L", BLUE, width=0.5)
        self.lengths.add_bars("sent", "message", VERMILLION,
                              width=0.5, outline=True, z=1)
        self.lengths.add_hline("H", "H", FG, "solid", position=0.02)
        self.lengths.add_hline("H1", "H + 1", FG, "dash", position=0.02)
        self.lengths.plotItem.getAxis("bottom").setTicks(
            [[(i, t) for i, (_, t) in enumerate(CODE_NAMES)]])
        self.lengths.plotItem.setXRange(-0.6, 2.6, padding=0)
        self.kraft_tags = []
        for i in range(3):
            t = self.lengths.add_tag("", anchor=(0.5, 0.5), base_pt=10.0, color="#FFFFFF")
            t.setZValue(40)
            self.kraft_tags.append(t)
        for k, (c, _) in enumerate(CODE_NAMES):
            self.grid.addWidget(self.trees[c], 0, k)
        self.grid.addWidget(self.table, 1, 0)
        self.grid.addWidget(self.lengths, 1, 1)
        self.grid.addWidget(self.stream, 1, 2)
        self.grid.setRowStretch(0, 3)
        self.grid.setRowStretch(1, 2)

    def plots(self):
        return [*self.trees.values(), self.lengths]

    def type_probs(self) -> None:
        try:
            probs = parse_numbers(self.editor.line.text())
        except ValueError as exc:
            if self.ctx is not None:
                self.ctx.message(str(exc), error=True)
            return
        self.edit(SetProbs(probs=tuple(probs)), "The typed distribution")
        self.editor.line.clearFocus()

    def reset(self) -> None:
        super().reset()
        self.table.clear()
        self.stream.clear()

    def show_snapshot(self, snap: Snapshot) -> None:
        m, a = snap.metrics, snap.arrays
        p = a["probs"]
        self.editor.show_probs(p)
        for c, _ in CODE_NAMES:
            self.trees[c].show_tree(a[f"{c}_node_parent"], a[f"{c}_node_bit"],
                                    a[f"{c}_node_prob"], a[f"{c}_node_symbol"],
                                    a[f"{c}_node_depth"])
        building = m["build_step"] < m["build_steps"]
        # the code table
        rows = ["<tr><th>s</th><th>P(s)</th><th>−log₂ P</th>"
                + "".join(f"<th>{t}</th>" for _, t in CODE_NAMES) + "</tr>"]
        words = {c: a[f"{c}_codewords"] for c, _ in CODE_NAMES}
        for s in range(p.size):
            cells = "".join(f"<td><tt>{codeword_text(words[c][s]) or '…'}</tt></td>"
                            for c, _ in CODE_NAMES)
            rows.append(f"<tr><td><b style='color:{symbol_color(s)}'>{symbol_name(s)}</b>"
                        f"</td><td>{p[s]:.3f}</td><td>{a['surprise_bits'][s]:.2f}</td>"
                        f"{cells}</tr>")
        if not building:
            rows.append("<tr><td colspan=3>⟨L⟩</td>" + "".join(
                f"<td>{m[f'{c}_avg_len']:.3f}</td>" for c, _ in CODE_NAMES) + "</tr>")
            rows.append("<tr><td colspan=3>Σ 2<sup>−L</sup></td>" + "".join(
                f"<td>{m[f'kraft_{c}']:.3f}</td>" for c, _ in CODE_NAMES) + "</tr>")
        head = (f"<b>Building: step {int(m['build_step'])} of {int(m['build_steps'])}</b>"
                if building else "<b>Codes complete</b>")
        self.table.setHtml(head + "<table cellspacing=0 cellpadding=2 border=0>"
                           + "".join(rows) + "</table>")
        # ⟨L⟩ bars
        x = np.arange(3)
        avg = [m[f"{c}_avg_len"] for c, _ in CODE_NAMES]
        sent = [m[f"{c}_bits_per_symbol"] for c, _ in CODE_NAMES]
        self.lengths.set_bars("avg", x, avg)
        self.lengths.set_bars("sent", x, sent if m["message_symbols"] > 0 else [0, 0, 0])
        self.lengths.set_hline("H", m["entropy_bits"], f"H = {m['entropy_bits']:.3f}")
        self.lengths.set_hline("H1", m["entropy_plus_one_bits"],
                               f"H + 1 = {m['entropy_plus_one_bits']:.3f}")
        top = m["entropy_plus_one_bits"] * 1.7
        self.lengths.plotItem.setYRange(0, top, padding=0)
        for i, (c, _) in enumerate(CODE_NAMES):
            self.kraft_tags[i].setText(f"Σ2⁻ᴸ\n{m[f'kraft_{c}']:.3g}")
            self.kraft_tags[i].setPos(i, 0.35 * avg[i])
        # the message: bits grouped by codeword, one colour per symbol
        msg = a["message_window"]
        if msg.size == 0:
            self.stream.setHtml("<i>The message starts once the three codes are built: "
                                "each further step encodes one symbol.</i>")
        else:
            parts = ["<b>Message</b> (last %d of %d symbols): " % (msg.size,
                                                                  int(m["message_symbols"]))
                     + " ".join(f"<b style='color:{symbol_color(int(s))}'>"
                                f"{symbol_name(int(s))}</b>" for s in msg)]
            for c, title in CODE_NAMES:
                bits = a[f"{c}_stream_bits"]
                starts = list(a[f"{c}_stream_starts"]) + [bits.size]
                groups = []
                for k, s in enumerate(msg):
                    chunk = "".join(str(int(b)) for b in bits[starts[k]:starts[k + 1]])
                    groups.append(f"<span style='color:{symbol_color(int(s))}'>{chunk}</span>")
                decoded = a[f"{c}_decoded"]
                ok = decoded.size == msg.size and bool(np.all(decoded == msg))
                back = "".join(symbol_name(int(s)) for s in decoded)
                parts.append(f"<b>{title}</b> ({bits.size} bits): <tt>{' '.join(groups)}"
                             f"</tt><br>decoded without separators: <tt>{back}</tt> "
                             + ("✓" if ok else "<b style='color:#D62728'>✗</b>"))
            self.stream.setHtml("<br>".join(parts))
        self.readout.setText(
            f"H = <b>{m['entropy_bits']:.4f}</b> bits · ⟨L⟩: " + " · ".join(
                f"{t} {m[f'{c}_avg_len']:.4f}" for c, t in CODE_NAMES)
            + f" · H ≤ ⟨L⟩ &lt; H + 1 = {m['entropy_plus_one_bits']:.4f} · "
            f"Kraft Σ 2<sup>−L</sup>: " + ", ".join(
                f"{m[f'kraft_{c}']:.3f}" for c, _ in CODE_NAMES)
            + (" · all three streams decode back ✓" if m["decoded_ok"] and
               m["message_symbols"] else ""))

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        if m["build_step"] < m["build_steps"]:
            return f"building the codes: step {int(m['build_step'])}/{int(m['build_steps'])}"
        return (f"{int(m['message_symbols'])} message symbols · Huffman "
                f"{m['huffman_bits_per_symbol']:.3f} bits/symbol (H = {m['entropy_bits']:.3f})")


# ---- blocks --------------------------------------------------------------------------------
class BlocksView(InfoView):
    """⟨L_n⟩/n between H and H + 1/n; the live stream against zlib, bz2 and lzma."""

    NEEDS = ("metrics.bits_per_symbol", "metrics.entropy_bits",
             "metrics.expected_bits_per_symbol", "metrics.upper_bound_bits",
             "metrics.block", "metrics.symbols",
             *(f"metrics.{c}_bits_per_symbol" for c in COMPRESSORS),
             "arrays.block_n", "arrays.avg_len_per_symbol", "arrays.lower_bound",
             "arrays.upper_bound", "arrays.stream_tail", "arrays.code_lengths_streamed",
             "arrays.block_probs_streamed", "history.bits_per_symbol", "history.expected_bits_per_symbol",
             "history.entropy_bits")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.p_slider = self.field_slider(BlocksConfig, "p_one", SetBitProb, "P('1')")
        self.controls.addWidget(QLabel("streamed block n"))
        self.block = QSpinBox()
        self.block.setRange(1, 16)
        self.block.setToolTip("Block length of the live stream's Huffman code (≤ the "
                              "largest block n of the run)")
        self.block.valueChanged.connect(self.set_block)
        self.controls.addWidget(self.block)
        self.controls.addStretch(1)

        self.bounds = InfoPlot("⟨L<sub>n</sub>⟩/n against n", "block length n",
                               "bits / symbol", legend="top-right")
        self.bounds.add_curve("upper", "H + 1/n", GREY, style="dash")
        self.bounds.add_curve("avg", "⟨L<sub>n</sub>⟩/n", BLUE, symbol="o")
        self.bounds.add_curve("lower", "H", FG, width=1.8)
        self.bounds.add_curve("at", "streamed n", VERMILLION, width=0, symbol="o",
                              symbol_size=14, z=3)

        self.live = InfoPlot("Stream, live", "step", "bits / symbol",
                             legend="top-right")
        self.live.add_curve("bits_per_symbol", "Huffman stream", VERMILLION)
        self.live.add_curve("expected_bits_per_symbol", "⟨L<sub>n</sub>⟩/n", BLUE,
                            style="dash")
        self.live.add_curve("entropy_bits", "H", FG, width=1.8)

        self.compare = InfoPlot("Against compressors", "", "bits / symbol",
                                legend=None)
        self.compare.add_bars("b", "", BLUE, width=0.6)
        self.compare.add_hline("H", "H", FG, "solid", position=0.02)
        self.compare.plotItem.getAxis("bottom").setTicks(
            [[(0, "Huffman"), (1, "zlib"), (2, "bz2"), (3, "lzma")]])
        self.compare.plotItem.setXRange(-0.9, 3.6, padding=0)
        self.compare_tags = [self.compare.add_tag("", anchor=(0.5, 0.5), base_pt=10.0,
                                                  color="#FFFFFF") for _ in range(4)]
        for t in self.compare_tags:
            t.setZValue(40)

        self.tail = ImagePlot("Last 256 symbols", colormap="viridis",
                              levels=(0.0, 1.0), picture=True)
        self.lengths = InfoPlot("Codeword lengths",
                                "−log₂ P(block)", "codeword length L", legend="top-left")
        self.lengths.add_curve("ideal", "L = −log₂ P", GREY, style="dash")
        self.lengths.add_curve("ideal1", "L = −log₂ P + 1", GREY, style="dot")
        self.lengths.add_curve("L", "Huffman L", VERMILLION, width=0, symbol="o")
        for k, w in enumerate((self.bounds, self.live, self.compare)):
            self.grid.addWidget(w, 0, k)
            self.grid.setColumnStretch(k, 1)
        self.grid.addWidget(self.tail, 1, 0)
        self.grid.addWidget(self.lengths, 1, 1, 1, 2)

    def plots(self):
        return [self.bounds, self.live, self.compare, self.tail, self.lengths]

    def set_block(self, n: int) -> None:
        if self.ctx is None or self._syncing:
            return
        self.ctx.set_field("block", int(n))
        if self.ctx.live:
            self.ctx.send_edit(SetBlock(n=int(n)))

    _syncing = False

    def config_changed(self, cfg) -> None:
        self._syncing = True
        self.p_slider.set_value(cfg.p_one)
        self.block.setRange(1, cfg.max_block)
        self.block.setValue(cfg.block)
        self._syncing = False

    def show_snapshot(self, snap: Snapshot) -> None:
        m, a = snap.metrics, snap.arrays
        n = a["block_n"]
        self.bounds.set_curve("upper", n, a["upper_bound"])
        self.bounds.set_curve("avg", n, a["avg_len_per_symbol"])
        self.bounds.set_curve("lower", n, a["lower_bound"])
        self.bounds.set_curve("at", [m["block"]], [m["expected_bits_per_symbol"]])
        self.live.show_history(snap.history)
        h = m["entropy_bits"]
        hi = max(m["expected_bits_per_symbol"], m["bits_per_symbol"], h)
        span = max(hi - h, 0.005)
        self.live.plotItem.setYRange(h - 0.5 * span, hi + 2.0 * span, padding=0)
        vals = [m["bits_per_symbol"]] + [m[f"{c}_bits_per_symbol"] for c in COMPRESSORS]
        brushes = [pg.mkBrush(VERMILLION)] + [pg.mkBrush(c) for c in COMPRESSOR_COLORS]
        self.compare.set_bars("b", np.arange(4), vals, brushes=brushes)
        self.compare.set_hline("H", m["entropy_bits"], f"H = {m['entropy_bits']:.3f}")
        top = max(max(vals), m["entropy_bits"], 0.1) * 1.2
        self.compare.plotItem.setYRange(0, top, padding=0)
        for i, v in enumerate(vals):
            self.compare_tags[i].setText(f"{v:.3f}" if v > 0 else "")
            self.compare_tags[i].setPos(i, 0.4 * v)
        # the last 256 symbols (fewer right after P('1') or n changed: the rest stays dark)
        tail = np.full(256, np.nan)
        recent = a["stream_tail"][-256:].astype(float)
        if recent.size:
            tail[-recent.size:] = recent
        self.tail.set_image(tail.reshape(8, 32))
        if a["code_lengths_streamed"].size:
            ideal = -np.log2(np.maximum(a["block_probs_streamed"], 1e-300))
            L = a["code_lengths_streamed"]
            self.lengths.set_curve("L", ideal, L)
            lo, hi = float(ideal.min()), float(ideal.max())
            self.lengths.set_curve("ideal", [lo, hi], [lo, hi])
            self.lengths.set_curve("ideal1", [lo, hi], [lo + 1, hi + 1])
        self.readout.setText(
            f"H = <b>{m['entropy_bits']:.4f}</b> bits/symbol · block n = {int(m['block'])}: "
            f"⟨L<sub>n</sub>⟩/n = <b>{m['expected_bits_per_symbol']:.4f}</b> ≤ H + 1/n = "
            f"{m['upper_bound_bits']:.4f} · stream: <b>{m['bits_per_symbol']:.4f}</b> over "
            f"{int(m['symbols'])} symbols · " + " · ".join(
                f"{c} {m[f'{c}_bits_per_symbol']:.4f}" if m[f"{c}_bits_per_symbol"] > 0
                else f"{c} (not run yet)" for c in COMPRESSORS))

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        return (f"{int(m['symbols'])} symbols · n = {int(m['block'])}: "
                f"{m['bits_per_symbol']:.4f} bits/symbol (H = {m['entropy_bits']:.4f})")


# ---- text ----------------------------------------------------------------------------------
MODEL_TITLES = {"0": "order 0 (uniform)", "1": "order 1 (letter frequencies)",
                "2": "order 2 (letter pairs)", "3": "order 3", "4": "order 4",
                "5": "order 5", "word1": "words (frequencies)", "word2": "word pairs"}


class TextView(InfoView):
    """Generated text from each model, bits per character against log₂ 27 and the
    compressors, the arithmetic coder's rate, letter frequencies."""

    NEEDS = ("metrics.bits_per_char", "metrics.max_bits_per_char",
             *(f"metrics.bpc_{k}" for k in TEXT_MODELS),
             *(f"metrics.{c}_bits_per_char" for c in COMPRESSORS),
             "metrics.coder_bits_per_char", "metrics.coder_ideal_bits_per_char",
             "metrics.coder_chars", "metrics.temperature", "metrics.train_chars",
             "metrics.test_chars",
             *(f"arrays.sample_{k}" for k in TEXT_MODELS),
             "arrays.model_bits_per_char", "arrays.compressor_bits_per_char",
             "arrays.letter_frequencies",
             "history.coder_bits_per_char", "history.coder_ideal_bits_per_char")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.controls.addWidget(QLabel("Model"))
        self.model = QComboBox()
        self.model.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model.setMinimumContentsLength(8)
        for k in TEXT_MODELS:
            self.model.addItem(MODEL_TITLES[k], k)
        self.model.setToolTip("The model whose text the run generates (and the arithmetic "
                              "coder uses)")
        self.model.currentIndexChanged.connect(self.choose_model)
        self.controls.addWidget(self.model)
        self.temp = self.field_slider(TextConfig, "temperature", SetTemperature, "T")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_button.clicked.connect(
            lambda: self.edit(ClearSamples(), "Clear"))
        self.controls.addWidget(self.clear_button)
        self.open_button = QPushButton("Open file…")
        self.open_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.open_button.setToolTip("Train the models on your own UTF-8 text file (a new "
                                    "run starts)")
        self.open_button.clicked.connect(self.ask_text_file)
        self.controls.addWidget(self.open_button)
        self.source_label = ElidedLabel()
        self.source_label.setText("text: bundled Shakespeare")
        # never widens the view (a long file name ends in "…"; the full name is the tooltip)
        self.source_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                        QSizePolicy.Policy.Preferred)
        self.current_order: str | None = None     # the model the live run generates
        self._syncing = False

        self.samples = QTextBrowser()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(9.0, mono.pointSizeF()))
        self.samples.setFont(mono)
        self.samples.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        self.bpc = InfoPlot("Bits per character", "", "bits / char",
                            legend="top-right")
        self.bpc.add_bars("models", "", BLUE, width=0.7)
        self.bpc.add_curve("max", "log₂ 27", FG, width=1.8, style="dash")
        for c, col in zip(COMPRESSORS, COMPRESSOR_COLORS):
            self.bpc.add_curve(c, c, col, width=2.0, style="dot")
        self.bpc.legend.setColumnCount(2)
        labels = ["0", "1", "2", "3", "4", "5", "w1", "w2"]
        self.bpc.plotItem.getAxis("bottom").setTicks([list(enumerate(labels))])
        self.bpc.plotItem.setXRange(-0.6, 7.6, padding=0)
        self.bpc.plotItem.setLabel("bottom", "order (w = words)")
        self.coder = InfoPlot("Arithmetic coder", "step", "bits / char",
                              legend="top-right")
        self.coder.add_curve("coder_bits_per_char", "coded bits / char", VERMILLION)
        self.coder.add_curve("coder_ideal_bits_per_char", "−log₂ P / char", BLUE,
                             style="dash")
        self.freq = InfoPlot("Letter frequencies", "", "P(letter)", legend=None)
        self.freq.add_bars("f", "", SKY, width=0.8)
        self.freq.plotItem.getAxis("bottom").setTicks(
            [[(i, c) for i, c in enumerate("␣abcdefghijklmnopqrstuvwxyz")]])
        self.freq.plotItem.setXRange(-0.6, 26.6, padding=0)
        # the text's name above the samples (the control row has no room left at 1280 px)
        samples_box = QWidget()
        column = QVBoxLayout(samples_box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.source_label)
        column.addWidget(self.samples, 1)
        self.grid.addWidget(samples_box, 0, 0, 2, 1)
        self.grid.addWidget(self.bpc, 0, 1)
        self.grid.addWidget(self.coder, 0, 2)
        self.grid.addWidget(self.freq, 1, 1, 1, 2)
        self.grid.setColumnStretch(0, 3)
        self.grid.setColumnStretch(1, 2)
        self.grid.setColumnStretch(2, 2)

    def plots(self):
        return [self.bpc, self.coder, self.freq]

    # ---- input ------------------------------------------------------------------------
    def choose_model(self, _index: int) -> None:
        if self._syncing or self.ctx is None:
            return
        order = self.model.currentData()
        self.ctx.set_field("order", order)
        if self.ctx.live and self.ctx.send_edit(SetOrder(order=order)):
            self.current_order = order

    def run_started(self, cfg) -> None:
        self.current_order = cfg.order

    def session_loaded(self, snap: Snapshot) -> None:
        cfg = self.ctx.run_config if self.ctx is not None else None
        self.current_order = getattr(cfg, "order", None)

    def ask_text_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a text file", "",
                                              "Text files (*.txt);;All files (*)")
        if path:
            self.open_text_file(path)

    def open_text_file(self, path: str) -> None:
        """Train on ``path``: set the form's Text file field and start a new run (the
        engine reads the file; a file it cannot use ends the run with a clear message)."""
        if self.ctx is None:
            return
        self.ctx.set_field("text_path", str(path))
        self.ctx.message(f"Training the models on {path} …")
        self.ctx.restart()

    def run_failed(self, kind: str, message: str) -> bool:
        if kind == "TextFileError" or "text" in kind.lower():
            self.ctx.message(f"Cannot use this text file: {message}. Open another file, or "
                             "empty the Text file field (advanced) to use the bundled "
                             "plays.", error=True)
            return True
        return False

    def config_changed(self, cfg) -> None:
        self._syncing = True
        self.model.setCurrentIndex(TEXT_MODELS.index(cfg.order))
        self.temp.set_value(cfg.temperature)
        self._syncing = False
        name = cfg.text_path.replace("\\", "/").rsplit("/", 1)[-1]
        self.source_label.setText(f"text: {name}" if name else "text: bundled Shakespeare")

    # ---- drawing -------------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        m, a = snap.metrics, snap.arrays
        current = self.current_order or self.model.currentData()
        parts = []
        for k in TEXT_MODELS:
            text = bytes(a[f"sample_{k}"].astype(np.uint8)).decode("ascii", "replace")
            title = MODEL_TITLES[k]
            bpc = m[f"bpc_{k}"]
            head = f"{title} · {bpc:.2f} bits/char"
            if k == current:
                head = f"<span style='color:{VERMILLION}'>▶ {head}</span>"
            parts.append(f"<b>{head}</b><br>{html.escape(text) or '…'}")
        self.samples.setHtml("<br><br>".join(parts))
        vals = a["model_bits_per_char"]
        brushes = [pg.mkBrush(VERMILLION if k == current else BLUE) for k in TEXT_MODELS]
        self.bpc.set_bars("models", np.arange(vals.size), vals, brushes=brushes)
        ends = [-0.5, vals.size - 0.5]
        self.bpc.set_curve("max", ends, [m["max_bits_per_char"]] * 2)
        for c in COMPRESSORS:
            v = m[f"{c}_bits_per_char"]
            self.bpc.set_curve(c, ends if v > 0 else [], [v, v] if v > 0 else [])
        self.bpc.plotItem.setYRange(0, m["max_bits_per_char"] * 1.45, padding=0)
        self.coder.show_history(snap.history)
        top = max(float(np.nanmax(snap.history["coder_bits_per_char"]))
                  if snap.history["coder_bits_per_char"].size else 0.0, 1.0)
        self.coder.plotItem.setYRange(0, 1.6 * top, padding=0)
        freq = a["letter_frequencies"]
        self.freq.set_bars("f", np.arange(freq.size), freq)
        self.readout.setText(
            f"Model {MODEL_TITLES.get(current, current)}: <b>{m['bits_per_char']:.3f}</b> "
            f"bits/char on {int(m['test_chars'])} held-out characters (trained on "
            f"{int(m['train_chars'])}) · log₂ 27 = {m['max_bits_per_char']:.3f} · "
            + " · ".join(f"{c} {m[f'{c}_bits_per_char']:.3f}" for c in COMPRESSORS)
            + f" · arithmetic coder: {m['coder_bits_per_char']:.3f} bits/char over "
            f"{int(m['coder_chars'])} chars (ideal {m['coder_ideal_bits_per_char']:.3f}) · "
            f"T = {m['temperature']:.3g}")

    def reset(self) -> None:
        super().reset()
        self.samples.clear()

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        return (f"step {snap.step} · {m['bits_per_char']:.3f} bits/char "
                f"(log₂ 27 = {m['max_bits_per_char']:.3f}) · T = {m['temperature']:.3g}")


# ---- continuous ------------------------------------------------------------------------------
class ContinuousView(InfoView):
    """p(x) and its ε-bins, H_discrete ≈ −log ε + h, p(y) for y = f(x), 2-d densities."""

    NEEDS = ("metrics.h_x_bits", "metrics.eps", "metrics.h_discrete_bits",
             "metrics.minus_log_eps_plus_h_bits", "metrics.mean_log_deriv_bits",
             "metrics.mc_mean_log_deriv_bits", "metrics.h_y_bits",
             "metrics.h_x_plus_mean_log_deriv_bits", "metrics.h2_x_bits",
             "metrics.h2_y_bits", "metrics.mc_mean_log_det_bits",
             "metrics.h2_x_plus_mc_log_det_bits", "metrics.samples",
             "arrays.x_grid", "arrays.p_x", "arrays.y_of_x", "arrays.p_y_of_x",
             "arrays.bin_edges", "arrays.bin_probs", "arrays.eps_values",
             "arrays.h_discrete_values", "arrays.approx_values", "arrays.samples_x",
             "arrays.grid2_x", "arrays.density_x_2d", "arrays.grid2_y1",
             "arrays.grid2_y2", "arrays.density_y_2d", "arrays.samples_y_2d",
             "history.mc_mean_log_deriv_bits", "history.mc_mean_log_det_bits")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        hint = QLabel("ε shrinks from the coarsest to the finest bin width over the first "
                      "steps; density and maps are set in the form.")
        hint.setWordWrap(True)
        self.controls.addWidget(hint)
        self.px = InfoPlot("p(x) and ε-bins", "x", "density",
                           legend="top-right")
        self.px.add_curve("bins", "P(bin)/ε", SKY, width=1.2)
        self.px.add_curve("p", "p(x)", BLUE)
        self.px.add_curve("rug", "samples", GREY, width=1.0, alpha=120, legend=False, z=-1)
        self.disc = InfoPlot("H<sub>discrete</sub> against ε", "bin width ε", "bits",
                             log_x=True, legend="top-right")
        self.disc.add_curve("approx", "−log₂ ε + h(X)", GREY, style="dash")
        self.disc.add_curve("h", "H<sub>discrete</sub>(ε)", VERMILLION, symbol="o",
                            symbol_size=6)
        self.py = InfoPlot("p(y), y = f(x)", "y", "density", legend="top-right")
        self.py.add_curve("p", "p(y) = p(x)/|f′(x)|", GREEN)
        self.mc = InfoPlot("Monte Carlo averages", "step", "bits",
                           legend="top-right")
        self.mc.add_curve("mc_mean_log_deriv_bits", "⟨log₂|f′|⟩ (1-d)", VERMILLION)
        self.mc.add_curve("mc_mean_log_det_bits", "⟨log₂|det J|⟩ (2-d)", PURPLE)
        self.mc.add_hline("exact2", "exact", PURPLE, "dash", position=0.02)
        self.mc.add_hline("exact", "exact ⟨log₂|f′|⟩", VERMILLION, "dash", position=0.02)
        self.x2 = ImagePlot("p(x₁, x₂)", "x₁", "x₂", colormap="viridis", lock_aspect=True)
        self.y2 = ImagePlot("p(y₁, y₂)", "y₁", "y₂", colormap="viridis",
                            lock_aspect=False)
        self.y2_samples = pg.ScatterPlotItem([], [], size=3, pen=None,
                                             brush=pg.mkBrush(255, 255, 255, 110))
        self.y2_samples.setZValue(20)
        self.y2.plotItem.addItem(self.y2_samples)
        for k, w in enumerate((self.px, self.disc, self.py, self.x2, self.y2, self.mc)):
            self.grid.addWidget(w, k // 3, k % 3)

    def plots(self):
        return [self.px, self.disc, self.py, self.x2, self.y2, self.mc]

    def show_snapshot(self, snap: Snapshot) -> None:
        m, a = snap.metrics, snap.arrays
        x, px = a["x_grid"], a["p_x"]
        self.px.set_curve("p", x, px)
        edges, probs = a["bin_edges"], a["bin_probs"]
        if probs.size and edges.size == probs.size + 1:
            heights = probs / np.diff(edges)
            self.px.curve("bins").setData(edges, heights, stepMode="center",
                                          fillLevel=0, brush=pg.mkBrush(86, 180, 233, 90))
        else:
            self.px.curve("bins").setData([], [])
        top = float(px.max()) if px.size else 1.0
        self.px.plotItem.setYRange(0, 1.5 * top, padding=0)
        xs = a["samples_x"][:200]
        self.px.curve("rug").setData(np.repeat(xs, 2), np.tile([0.0, 0.06 * top], xs.size),
                                     connect="pairs")
        self.disc.set_curve("h", a["eps_values"], a["h_discrete_values"])
        self.disc.set_curve("approx", a["eps_values"], a["approx_values"])
        # show where the mass is: x and y between the 0.2 % and 99.8 % quantiles
        mass = np.cumsum(px)
        mass = mass / mass[-1] if mass.size and mass[-1] > 0 else mass
        i0 = int(np.searchsorted(mass, 0.002))
        i1 = int(min(np.searchsorted(mass, 0.998), x.size - 1))
        if i1 > i0:
            pad = 0.15 * (x[i1] - x[i0])
            self.px.plotItem.setXRange(x[i0] - pad, x[i1] + pad, padding=0)
        y, py = a["y_of_x"], a["p_y_of_x"]
        self.py.set_curve("p", y, py)
        if i1 > i0:
            ya, yb = sorted((float(y[i0]), float(y[i1])))
            pad = 0.1 * (yb - ya)
            self.py.plotItem.setXRange(ya - pad, yb + pad, padding=0)
            inside = (y >= ya - pad) & (y <= yb + pad)
            if inside.any():
                self.py.plotItem.setYRange(0, 1.35 * float(py[inside].max()), padding=0)
        self.mc.show_history(snap.history)
        exact2 = m["h2_y_bits"] - m["h2_x_bits"]
        self.mc.set_hline("exact2", exact2, f"exact {exact2:.3f}")
        lo = min(0.0, m["mean_log_deriv_bits"], exact2)
        hi = max(0.0, m["mean_log_deriv_bits"], exact2)
        span = max(hi - lo, 0.2)
        self.mc.plotItem.setYRange(lo - 0.3 * span, hi + 0.9 * span, padding=0)
        self.mc.set_hline("exact", m["mean_log_deriv_bits"],
                          f"exact ⟨log₂|f′|⟩ = {m['mean_log_deriv_bits']:.3f}")
        g = a["grid2_x"]
        d = a["density_x_2d"]
        self.x2.set_image(d, levels=(0.0, float(d.max()) or 1.0),
                          rect=(g[0], g[0], g[-1] - g[0], g[-1] - g[0]))
        y1, y2 = a["grid2_y1"], a["grid2_y2"]
        dy = a["density_y_2d"]
        self.y2.set_image(dy, levels=(0.0, float(dy.max()) or 1.0),
                          rect=(y1[0], y2[0], y1[-1] - y1[0], y2[-1] - y2[0]))
        s = a["samples_y_2d"]
        self.y2_samples.setData(s[:, 0], s[:, 1])
        self.readout.setText(
            f"h(X) = <b>{m['h_x_bits']:.4f}</b> bits · ε = {m['eps']:.3g}: "
            f"H<sub>discrete</sub> = <b>{m['h_discrete_bits']:.4f}</b> ≈ −log₂ ε + h = "
            f"{m['minus_log_eps_plus_h_bits']:.4f} · h(Y) = <b>{m['h_y_bits']:.4f}</b> = "
            f"h(X) + ⟨log₂|f′|⟩ = {m['h_x_plus_mean_log_deriv_bits']:.4f} (Monte Carlo "
            f"⟨log₂|f′|⟩ = {m['mc_mean_log_deriv_bits']:.4f} from {int(m['samples'])} "
            f"samples) · 2-d: h(Y) = <b>{m['h2_y_bits']:.4f}</b>, h(X) + ⟨log₂|det J|⟩ = "
            f"{m['h2_x_plus_mc_log_det_bits']:.4f}")

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        return (f"ε = {m['eps']:.3g} · H_discrete {m['h_discrete_bits']:.3f} ≈ "
                f"{m['minus_log_eps_plus_h_bits']:.3f} · h(Y) {m['h_y_bits']:.3f}")
