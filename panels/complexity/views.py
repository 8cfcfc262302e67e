"""Views of the algorithmic-complexity demos (lecture chapter 11).

- symbolic: Pareto front error against complexity in bits, the best expression at each
  complexity (typeset in Unicode from the engine's sympy text), the best fit over the data;
  "Load CSV…" checks a file and puts it into the form.
- codes: the code words, Kraft's sum against 1, the code tree, a typed bit stream decoded,
  random programs' word frequencies against 2^−l and the dead-end rate.
- levin: steps per program length per phase (against the budget 2^(ℓ−l)), total steps
  against 2^(ℓ+1), the programs tried, the program found with Kt = l(p) + log₂ τ(p).
- solomonoff: the top hypotheses' posterior weights, P(next = 1) of Solomonoff, Laplace
  and an n-gram, the cumulative squared error against (K ln 2)/2; typed bits join the stream.
"""
from __future__ import annotations

import html
import math
import re
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QScrollArea, QVBoxLayout, QWidget)

from engines.complexity.configs import AddWord, Bits, Feed, RemoveWord, SetWords
from engines.edits import Edit
from engines.runtime import Snapshot
from workbench.demo_view import DemoView, splitter
from workbench.plots import FG, PALETTE, CurvePlot, ImagePlot

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BROWN, GREY = PALETTE
LN2 = math.log(2.0)


# ---- helpers ----------------------------------------------------------------------------
def _exponent(text: str, i: int) -> tuple[str, int]:
    """The exponent after '**' at ``text[i:]``: a (balanced) group or a plain token."""
    if i < len(text) and text[i] == "(":
        depth = 0
        for j in range(i, len(text)):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                return text[i + 1:j], j + 1
        return text[i + 1:], len(text)
    m = re.match(r"-?[A-Za-z0-9_.]+", text[i:])
    token = m.group(0) if m else ""
    return token, i + len(token)


def unicode_expr(text: str) -> str:
    """Sympy text as Qt rich text: powers as superscripts, √, ·, π (no TeX)."""
    out = []
    i = 0
    while i < len(text):
        if text.startswith("**", i):
            exp, i = _exponent(text, i + 2)
            out.append("<sup>" + unicode_expr(exp) + "</sup>")
            continue
        m = re.match(r"[A-Za-z_]\w*", text[i:])
        if m:
            word = m.group(0)
            out.append({"sqrt": "√", "pi": "π", "E": "e", "oo": "∞"}.get(word, word))
            i += len(word)
            continue
        ch = text[i]
        out.append({"*": "·", "-": "−", "<": "&lt;", ">": "&gt;", "&": "&amp;"}.get(ch, ch))
        i += 1
    return "".join(out).replace(" · ", "·")


def _label(mono: bool = False, selectable: bool = True) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if mono:
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        label.setFont(font)
    return label


class TextBox(QScrollArea):
    """A titled, scrollable rich-text box (lists that do not fit a plot)."""

    def __init__(self, title: str, mono: bool = True):
        super().__init__()
        self.setWidgetResizable(True)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(6, 4, 6, 4)
        self.title = QLabel(f"<b>{title}</b>")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.title)
        self.label = _label(mono)
        lay.addWidget(self.label, 1)
        self.setWidget(inner)
        self.setMinimumHeight(120)

    def set_html(self, text: str) -> None:
        self.label.setText(text)

    def text(self) -> str:
        return self.label.text()


def _strings(arr) -> list[str]:
    return [str(s) for s in np.asarray(arr).ravel()]


def _controls(*widgets, stretch_last: bool = True) -> QWidget:
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(4, 0, 4, 0)
    for w in widgets:
        lay.addWidget(w)
    if stretch_last:
        lay.addStretch(1)
    return row


def _bars(plot: CurvePlot, color: str, horizontal: bool = False) -> pg.BarGraphItem:
    kw = dict(x0=[], y=[], width=[], height=[]) if horizontal else dict(x=[], height=[],
                                                                          width=0.6)
    item = pg.BarGraphItem(brush=pg.mkBrush(color), pen=pg.mkPen(None), **kw)
    item.setZValue(5)
    plot.plotItem.addItem(item)
    return item


def _set_ticks(plot: CurvePlot, axis: str, labels: list[str]) -> None:
    plot.plotItem.getAxis(axis).setTicks([[(i, s) for i, s in enumerate(labels)]])


class ComplexityView(DemoView):
    """A thin control row on top, the plots below."""

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def set_body(self, top: QWidget | None, body: QWidget) -> None:
        if top is not None:
            self._layout.addWidget(top)
        self._layout.addWidget(body, 1)

    def send(self, change: Edit, what: str) -> bool:
        """Hand an edit to the run; with none live, start one paused that takes it."""
        ctx = self.ctx
        if ctx is None or not ctx.current:
            return False
        if ctx.live:
            ctx.send_edit(change)
            ctx.message(f"{what} sent.")
            return True
        if not ctx.start(paused=True):
            return False
        ctx.send_edit(change)
        ctx.message(f"{what}: started a new run, paused. Press Resume (Space) to go on.")
        return True


# ---- symbolic regression ------------------------------------------------------------------
class SymbolicView(ComplexityView):
    NEEDS = ("metrics.best_mse", "metrics.best_complexity_bits", "metrics.level",
             "metrics.n_expressions", "metrics.recovered", "metrics.has_truth",
             "metrics.target_variance",
             "arrays.front_bits", "arrays.front_mse", "arrays.front_exprs",
             "arrays.cloud_bits", "arrays.cloud_mse", "arrays.best_expr", "arrays.truth_expr",
             "arrays.x", "arrays.y", "arrays.target", "arrays.fit", "history.best_mse")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.load_button = QPushButton("Load CSV…")
        self.load_button.setToolTip("Columns x[, y], target; a header line is allowed")
        self.load_button.clicked.connect(self.choose_csv)
        self.file_label = QLabel("")
        self.front = CurvePlot("Pareto front", "complexity (bits)", "mean squared error",
                               log_y=True, legend="top-right")   # over the cloud only
        self.front.add_curve("cloud", "expressions tried", GREY, width=0, symbol="o",
                             symbol_size=5, alpha=120)
        self.front.add_curve("front", "best at each complexity", BLUE, width=2.2,
                             symbol="o", symbol_size=9, z=2)
        self.front.add_curve("best", "shortest two-part code", VERMILLION, width=0,
                             symbol="star", symbol_size=18, z=3)
        self.fit = CurvePlot("Best fit", "x", "target", legend="top-left")
        self.fit.add_curve("data", "data", GREY, width=0, symbol="o", symbol_size=6)
        self.fit.add_curve("fit", "best expression", VERMILLION, width=2.6, z=2)
        self.fit.add_curve("diag", "prediction = target", FG, width=1.4, style="dash", z=1)
        self.history = CurvePlot("Best error", "work units", "mean squared error",
                                 log_y=True, legend=None)
        self.history.add_curve("best_mse", "best MSE", GREEN, width=2.4)
        self.exprs = TextBox("Best expression at each complexity")
        self.exprs.setMinimumHeight(330)
        self.exprs.setMinimumWidth(300)
        self._two_inputs: bool | None = None
        left = splitter(Qt.Orientation.Vertical, self.front, self.fit)
        right = splitter(Qt.Orientation.Vertical, self.exprs, self.history, stretch=[3, 2])
        self.set_body(_controls(self.load_button, self.file_label),
                      splitter(Qt.Orientation.Horizontal, left, right, stretch=[3, 2]))

    def plots(self) -> list:
        return [self.front, self.fit, self.history]

    # -- CSV ------------------------------------------------------------------------------
    def choose_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load CSV", "",
                                              "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.load_csv(path)

    def load_csv(self, path: str) -> bool:
        """Check the file (the engine's own reader) and put it into the form."""
        from engines.complexity.symbolic import load_csv

        name = Path(path).name
        try:
            data, target = load_csv(path)
        except ValueError as err:
            if self.ctx is not None:
                self.ctx.message(f"{name}: {err}", error=True)
            return False
        if self.ctx is not None:
            self.ctx.set_field("target", "csv")
            self.ctx.set_field("csv_path", str(path))
            inputs = " and ".join(sorted(data))
            self.ctx.message(f"{name}: {len(target)} data points, inputs {inputs}. "
                             "Press Start to search for a formula.")
        self.file_label.setText(name)
        return True

    def config_changed(self, cfg) -> None:
        self.file_label.setText(Path(cfg.csv_path).name if cfg.target == "csv" else "")

    # -- drawing ----------------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        # exact fits (MSE 0 or 1e−31) drawn at a floor of 10⁻¹² × Var(target)
        floor = max(1e-12 * m["target_variance"], 1e-300)
        self.front.set_curve("cloud", a["cloud_bits"], np.maximum(a["cloud_mse"], floor))
        self.front.set_curve("front", a["front_bits"], np.maximum(a["front_mse"], floor))
        self.front.set_curve("best", [m["best_complexity_bits"]],
                             [max(m["best_mse"], floor)])
        self.history.show_history({"step": snap.history["step"],
                                   "best_mse": np.maximum(snap.history["best_mse"], floor)})
        two = a["y"].size > 0
        if two != self._two_inputs:
            self._two_inputs = two
            fit = self.fit
            fit.set_title("Prediction against target" if two else "Best fit")
            fit._x_label = "target" if two else "x"
            fit._y_label = "prediction" if two else "target"
            fit._restyle()
            fit.set_curve_enabled("diag", two)
            fit.set_curve_enabled("fit", not two)
            fit.curves["data"].label = "data points"
        if two:
            self.fit.set_curve("data", a["target"], a["fit"])
            lo, hi = float(np.min(a["target"])), float(np.max(a["target"]))
            self.fit.set_curve("diag", [lo, hi], [lo, hi])
        else:
            self.fit.set_curve("data", a["x"], a["target"])
            self.fit.set_curve("fit", a["x"], a["fit"])
        rows = []
        best = _strings(a["best_expr"])
        for bits, mse, expr in zip(a["front_bits"], a["front_mse"], _strings(a["front_exprs"])):
            mark = "◀" if best and expr == best[0] else ""
            rows.append(f"<tr><td align='right'>{bits:5.1f}&nbsp;</td>"
                        f"<td align='right'>{mse:9.3g}&nbsp;&nbsp;</td>"
                        f"<td>{unicode_expr(expr)} {mark}</td></tr>")
        truth = _strings(a["truth_expr"])
        tail = ""
        if m["has_truth"] and truth and truth[0]:
            ok = "found ✓" if m["recovered"] else "not (yet) found"
            tail = f"<p>truth: {unicode_expr(truth[0])} — {ok}</p>"
        self.exprs.set_html(
            "<table cellspacing='0'><tr><th align='right'>bits&nbsp;</th>"
            "<th align='right'>MSE&nbsp;&nbsp;</th><th align='left'>expression</th></tr>"
            + "".join(rows) + "</table>" + tail
            + f"<p>{int(m['n_expressions'])} distinct expressions, trees up to "
              f"{int(m['level'])} nodes</p>")

    def reset(self) -> None:
        super().reset()
        self.exprs.set_html("")

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        return (f"trees of {int(m['level'])} nodes · best {m['best_complexity_bits']:.1f} bits, "
                f"MSE {m['best_mse']:.3g}")


# ---- prefix-free codes ---------------------------------------------------------------------
MAX_TEXTS = 64


class CodesView(ComplexityView):
    NEEDS = ("metrics.kraft_sum", "metrics.prefix_free", "metrics.dead_end_rate",
             "metrics.expected_dead_end_rate", "metrics.random_words", "metrics.dead_ends",
             "metrics.bits_read", "arrays.words", "arrays.word_lengths",
             "arrays.word_probability", "arrays.word_counts", "arrays.word_frequency",
             "arrays.conflicts", "arrays.decoded", "arrays.buffer", "arrays.queued",
             "history.dead_end_rate")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.word_edit = QLineEdit()
        self.word_edit.setPlaceholderText("word(s), e.g. 1111 or 0, 10, 11")
        self.word_edit.setMaximumWidth(220)
        self.set_button = QPushButton("Set code")
        self.set_button.setToolTip("Replace the code by the comma-separated words")
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.bits_edit = QLineEdit()
        self.bits_edit.setPlaceholderText("bits to decode, e.g. 0110")
        self.bits_edit.setMaximumWidth(220)
        self.feed_button = QPushButton("Decode")
        self.set_button.clicked.connect(lambda: self.word_edit_sent(SetWords))
        self.add_button.clicked.connect(lambda: self.word_edit_sent(AddWord))
        self.remove_button.clicked.connect(lambda: self.word_edit_sent(RemoveWord))
        self.feed_button.clicked.connect(self.feed)
        self.bits_edit.returnPressed.connect(self.feed)
        self.word_edit.returnPressed.connect(lambda: self.word_edit_sent(AddWord))

        self.tree = CurvePlot("Code tree", "", "depth (bits)", legend="bottom-left")
        t = self.tree
        t.add_curve("edges", "", GREY, width=1.6, legend=False)
        t.curve("edges").setData([], [], connect="pairs")
        t.add_curve("inner", "prefix", GREY, width=0, symbol="o", symbol_size=7)
        t.add_curve("leaves", "code word", BLUE, width=0, symbol="o", symbol_size=12, z=2)
        t.add_curve("dead", "dead end", VERMILLION, width=0, symbol="x", symbol_size=11, z=2)
        t.add_curve("conflict", "word and prefix", PURPLE, width=0, symbol="s",
                    symbol_size=12, z=3)
        t.plotItem.hideAxis("bottom")
        self.tree_texts = [t._add_text("", base_pt=10.0, color="foreground", anchor=(0.5, -0.25))
                           for _ in range(MAX_TEXTS)]

        self.kraft = CurvePlot("Kraft: Σ 2<sup>−l</sup> ≤ 1", "Σ 2<sup>−l(p)</sup>", "",
                               legend=None)
        k = self.kraft
        self.kraft_bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.6,
                                          brush=pg.mkBrush(BLUE), pen=pg.mkPen("#FFFFFF"))
        k.plotItem.addItem(self.kraft_bars)
        k.add_curve("one", "", FG, width=2.0, style="dash", legend=False, z=3)
        k.plotItem.hideAxis("left")
        k.plotItem.setYRange(-0.6, 0.6)
        self.kraft_text = k._add_text("", base_pt=12.0, color="foreground", anchor=(0.0, 1.0))
        self.kraft_text.setPos(0.0, 0.55)
        self.kraft_texts = [k._add_text("", base_pt=9.5, color="#FFFFFF", anchor=(0.5, 0.5))
                            for _ in range(16)]

        self.freq = CurvePlot("Random programs: frequency vs 2<sup>−l</sup>", "code word",
                              "probability", legend="top-right")
        f = self.freq
        self.freq_bars = _bars(f, SKY)
        f._add_legend_entry(self.freq_bars, "observed frequency")
        f.add_curve("prob", "2<sup>−l(p)</sup>", VERMILLION, width=0, symbol="_",
                    symbol_size=28, z=3)
        f.add_curve("dead_rate", "dead ends (1 − Σ 2<sup>−l</sup>)", PURPLE, width=0,
                    symbol="x", symbol_size=14, z=3)
        self.decoded = TextBox("Bit stream decoded")
        self.decoded.setMinimumHeight(380)
        left = splitter(Qt.Orientation.Vertical, self.tree, self.freq, stretch=[3, 2])
        right = splitter(Qt.Orientation.Vertical, self.kraft, self.decoded, stretch=[1, 3])
        self.set_body(_controls(QLabel("Words:"), self.word_edit, self.set_button,
                                self.add_button, self.remove_button, QLabel("  Stream:"),
                                self.bits_edit, self.feed_button),
                      splitter(Qt.Orientation.Horizontal, left, right, stretch=[3, 2]))

    def plots(self) -> list:
        return [self.tree, self.kraft, self.freq]

    # -- edits ------------------------------------------------------------------------------
    def word_edit_sent(self, edit: type[SetWords | AddWord | RemoveWord]) -> bool:
        text = self.word_edit.text().strip()
        if not text:
            if self.ctx is not None:
                self.ctx.message("Type a code word (0s and 1s) first.", error=True)
            return False
        what = {SetWords: f"Code {text}", AddWord: f"New word {text}",
                RemoveWord: f"Removing {text}"}[edit]
        return self.send(edit(text), what)

    def feed(self) -> bool:
        bits = "".join(self.bits_edit.text().split())
        if not bits:
            if self.ctx is not None:
                self.ctx.message("Type some bits (0 and 1) to decode.", error=True)
            return False
        return self.send(Feed(bits=bits), f"Bits {bits}")

    # -- drawing ----------------------------------------------------------------------------
    def draw_tree(self, words: list[str]) -> None:
        wordset = set(words)
        prefixes = {""}
        for w in words:
            for d in range(1, len(w) + 1):
                prefixes.add(w[:d])

        def pos(p: str) -> tuple[float, float]:
            v = int(p, 2) if p else 0
            return (v + 0.5) / 2 ** len(p), -float(len(p))

        ex, ey, inner, leaves, dead, conflict = [], [], [], [], [], []
        for p in sorted(prefixes, key=lambda s: (len(s), s)):
            x, y = pos(p)
            is_inner = any(q != p and q.startswith(p) for q in prefixes)
            if p in wordset:
                (conflict if is_inner else leaves).append((x, y))
            elif is_inner or p == "":
                inner.append((x, y))
            if is_inner or p == "":
                for b in "01":
                    child = p + b
                    cx, cy = pos(child)
                    ex += [x, cx]
                    ey += [y, cy]
                    if child not in prefixes:
                        dead.append((cx, cy))
        self.tree.curve("edges").setData(ex, ey, connect="pairs")
        for key, pts in (("inner", inner), ("leaves", leaves), ("dead", dead),
                         ("conflict", conflict)):
            arr = np.array(pts, dtype=float).reshape(-1, 2)
            self.tree.set_curve(key, arr[:, 0], arr[:, 1])
        for i, item in enumerate(self.tree_texts):
            if i < len(words):
                item.setText(words[i])
                item.setPos(*pos(words[i]))
                item.setVisible(True)
            else:
                item.setVisible(False)
        depth = max((len(w) for w in words), default=1)
        self.tree.plotItem.setXRange(0, 1, padding=0.03)
        self.tree.plotItem.setYRange(-depth - 0.6, 0.3, padding=0)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        words = _strings(a["words"])
        self.draw_tree(words)
        probs = a["word_probability"]
        # Kraft: one bar of stacked segments 2^−l, a dashed line at 1
        x0 = np.concatenate([[0.0], np.cumsum(probs)[:-1]]) if probs.size else probs
        brushes = [pg.mkBrush(PALETTE[i % 6]) for i in range(len(words))]
        self.kraft_bars.setOpts(x0=x0, y=np.zeros(len(words)), width=probs,
                                height=0.6, brushes=brushes,
                                pens=[pg.mkPen("#FFFFFF", width=1)] * len(words))
        self.kraft.set_curve("one", [1.0, 1.0], [-0.45, 0.45])
        total = float(m["kraft_sum"])
        self.kraft.plotItem.setXRange(0, max(1.05, total * 1.02), padding=0)
        verdict = ("≤ 1 ✓" if total <= 1 + 1e-12 else "> 1: no prefix-free code")
        pf = "prefix-free" if m["prefix_free"] else "NOT prefix-free"
        self.kraft_text.setText(f"Σ 2⁻ˡ = {total:.4g} {verdict} · {pf}")
        for i, item in enumerate(self.kraft_texts):
            if i < len(words) and probs[i] >= 0.1:
                item.setText(words[i])
                item.setPos(x0[i] + probs[i] / 2, 0.0)
                item.setVisible(True)
            else:
                item.setVisible(False)
        # frequencies of random programs against 2^−l
        n = len(words)
        idx = np.arange(n, dtype=float)
        heights = np.concatenate([a["word_frequency"], [m["dead_end_rate"]]])
        self.freq_bars.setOpts(x=np.arange(n + 1, dtype=float), height=heights, width=0.6)
        self.freq.set_curve("prob", idx, probs)
        self.freq.set_curve("dead_rate", [float(n)], [m["expected_dead_end_rate"]])
        labels = words if n <= 12 else [w if i % max(1, n // 12) == 0 else ""
                                        for i, w in enumerate(words)]
        _set_ticks(self.freq, "bottom", labels + ["✗"])
        top = float(max(heights.max(initial=0), probs.max(initial=0),
                        m["expected_dead_end_rate"]))
        self.freq.plotItem.setYRange(0, max(0.05, 1.15 * top), padding=0)
        self.freq.plotItem.setXRange(-0.6, n + 0.6, padding=0)
        # the stream
        decoded = _strings(a["decoded"])
        shown = " ".join(f"<span style='color:{VERMILLION}'>{html.escape(w)}</span>"
                         if w.startswith("✗") else html.escape(w) for w in decoded)
        conflicts = _strings(a["conflicts"])
        queued, buf = _strings(a["queued"])[0], _strings(a["buffer"])[0]
        parts = [f"<p>code: {html.escape(', '.join(words))}</p>"]
        if conflicts:
            parts.append(f"<p style='color:{PURPLE}'>not prefix-free: "
                         f"{html.escape(', '.join(conflicts))}</p>")
        parts.append(f"<p>decoded (newest last, ✗ = dead end):<br>{shown}</p>")
        parts.append(f"<p>reading: {html.escape(buf) or '—'} · waiting (typed): "
                     f"{html.escape(queued) or '—'}</p>")
        parts.append(f"<p>random words {int(m['random_words'])}, dead ends "
                     f"{int(m['dead_ends'])}: rate {m['dead_end_rate']:.3f} "
                     f"(expected 1 − Σ 2<sup>−l</sup> = {m['expected_dead_end_rate']:.3f})</p>")
        self.decoded.set_html("".join(parts))

    def reset(self) -> None:
        super().reset()
        self.decoded.set_html("")

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        return (f"{int(m['bits_read'])} bits read · Σ 2⁻ˡ = {m['kraft_sum']:.4g} · "
                f"dead ends {m['dead_end_rate']:.3f}")


# ---- Levin search --------------------------------------------------------------------------
class LevinView(ComplexityView):
    NEEDS = ("metrics.phase", "metrics.total_steps", "metrics.bound", "metrics.found",
             "metrics.kt", "metrics.found_length", "metrics.found_tau", "metrics.finished",
             "arrays.lengths", "arrays.program_counts", "arrays.alloc", "arrays.alloc_budget",
             "arrays.phase_steps", "arrays.cum_steps", "arrays.cum_bound",
             "arrays.tried_programs", "arrays.tried_bits", "arrays.tried_phase",
             "arrays.tried_budget", "arrays.tried_steps", "arrays.tried_outputs",
             "arrays.tried_ok", "arrays.target", "arrays.found_program", "arrays.found_bits")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.alloc = ImagePlot("Steps per length l, phase ℓ", "program length l (bits)",
                               "phase ℓ", colormap="viridis", colorbar=True,
                               colorbar_label="log₂(1 + steps)", levels=(0.0, 20.0))
        self.alloc.plotItem.invertY(False)
        self.phase = CurvePlot("This phase: steps per length", "program length l (bits)",
                               "steps", log_y=True, legend="bottom-right")
        self.phase.add_curve("budget", "budget N<sub>l</sub>·2<sup>ℓ−l</sup>", GREY,
                             width=2.0, style="dash", symbol="o", symbol_size=6)
        self.phase.add_curve("used", "steps used", BLUE, width=2.4, symbol="o",
                             symbol_size=8, z=2)
        self.steps = CurvePlot("Steps against the bound", "phase ℓ", "steps",
                               log_y=True, legend="top-left")
        self.steps.add_curve("cum_bound", "2<sup>ℓ+1</sup> − 2", FG, width=1.8, style="dash")
        self.steps.add_curve("cum_steps", "total steps t<sub>ℓ</sub>", VERMILLION, width=2.6,
                             symbol="o", symbol_size=7, z=2)
        self.steps.add_curve("phase_steps", "steps in phase ℓ", GREEN, width=1.8,
                             symbol="t", symbol_size=7)
        self.found = _label()
        self.found.setMinimumHeight(44)
        self.found.setContentsMargins(6, 0, 6, 0)
        self.tried = TextBox("Programs tried (newest last)")
        self.tried.setMinimumWidth(420)
        top = splitter(Qt.Orientation.Horizontal, self.alloc, self.phase)
        bottom = splitter(Qt.Orientation.Horizontal, self.steps, self.tried)
        self.set_body(self.found, splitter(Qt.Orientation.Vertical, top, bottom))

    def plots(self) -> list:
        return [self.alloc, self.phase, self.steps]

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        n = len(a["lengths"])
        ell = int(m["phase"])
        img = np.log2(1.0 + a["alloc"])
        self.alloc.set_image(img, levels=(0.0, float(max(n, 1))),
                             rect=(0.5, 0.5, float(n), float(n)))
        lengths = a["lengths"]
        row = ell - 1
        has = (a["program_counts"] > 0) & (lengths <= ell)
        self.phase.set_title(f"Phase ℓ = {ell}: steps per length")
        self.phase.set_curve("budget", lengths[has], a["alloc_budget"][row][has])
        used = a["alloc"][row]
        ran = has & (used > 0)                  # the lengths this phase has run so far
        self.phase.set_curve("used", lengths[ran], used[ran])
        done = lengths <= ell
        self.steps.set_curve("cum_bound", lengths, a["cum_bound"])
        self.steps.set_curve("cum_steps", lengths[done], a["cum_steps"][done])
        self.steps.set_curve("phase_steps", lengths[done], a["phase_steps"][done])
        target = _strings(a["target"])[0]
        if m["found"]:
            prog = html.escape(_strings(a["found_program"])[0])
            bits = _strings(a["found_bits"])[0]
            l, tau = int(m["found_length"]), int(m["found_tau"])
            self.found.setText(
                f"<b>Found</b> p = <tt>{prog}</tt> ({bits}) printing {html.escape(target)}:"
                f"<br>Kt = l(p) + log₂ τ(p) = {l} + log₂ {tau} = <b>{m['kt']:.2f}</b> bits, "
                f"in phase ℓ = {ell} after {int(m['total_steps'])} steps "
                f"(≤ 2<sup>ℓ+1</sup> − 2 = {int(m['bound'])})")
        else:
            self.found.setText(f"Target {html.escape(target)} · phase ℓ = {ell}: "
                               f"{int(m['total_steps'])} steps so far "
                               f"(≤ 2<sup>ℓ+1</sup> − 2 = {int(m['bound'])})")
        rows = []
        for prog, bits, ph, bud, st, out, ok in zip(
                _strings(a["tried_programs"]), _strings(a["tried_bits"]), a["tried_phase"],
                a["tried_budget"], a["tried_steps"], _strings(a["tried_outputs"]),
                a["tried_ok"]):
            mark = f"<b style='color:{GREEN}'>✓</b>" if ok else ""
            rows.append(f"<tr><td>{html.escape(prog)}&nbsp;</td><td>{bits}&nbsp;</td>"
                        f"<td align='right'>{int(ph)}&nbsp;</td>"
                        f"<td align='right'>{int(st)}/{int(bud)}&nbsp;</td>"
                        f"<td>{html.escape(out[:24]) or '—'} {mark}</td></tr>")
        self.tried.set_html("<table cellspacing='0'><tr><th align='left'>program&nbsp;</th>"
                            "<th align='left'>bits&nbsp;</th><th>ℓ&nbsp;</th>"
                            "<th>steps/budget&nbsp;</th>"
                            "<th align='left'>output</th></tr>" + "".join(rows) + "</table>")

    def reset(self) -> None:
        super().reset()
        self.found.clear()
        self.tried.set_html("")

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        state = f"found, Kt = {m['kt']:.2f}" if m["found"] else "searching"
        return f"phase ℓ = {int(m['phase'])} · {int(m['total_steps'])} steps · {state}"


# ---- Solomonoff induction ----------------------------------------------------------------
class SolomonoffView(ComplexityView):
    NEEDS = ("metrics.n_bits", "metrics.p_next", "metrics.cum_sq_error", "metrics.bound",
             "metrics.k_bits", "metrics.in_class", "metrics.n_consistent",
             "metrics.n_programs", "arrays.seen", "arrays.pred_solomonoff",
             "arrays.pred_laplace", "arrays.pred_ngram", "arrays.top_programs",
             "arrays.top_lengths", "arrays.top_weights", "arrays.top_next",
             "arrays.top_outputs", "history.cum_sq_error", "history.laplace_cum_sq_error",
             "history.ngram_cum_sq_error", "history.bound")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.bits_edit = QLineEdit()
        self.bits_edit.setPlaceholderText("next bits, e.g. 0110")
        self.bits_edit.setMaximumWidth(240)
        self.send_button = QPushButton("Send bits")
        self.send_button.setToolTip("The typed bits come next in the sequence (one per step)")
        self.send_button.clicked.connect(self.send_bits)
        self.bits_edit.returnPressed.connect(self.send_bits)
        self.top = CurvePlot("Posterior P(p | x)", "weight · next bit: blue 1, red 0", "", legend=None)
        self.top_bars = _bars(self.top, BLUE, horizontal=True)
        self.top.plotItem.setXRange(0, 1, padding=0.02)
        self.top.plotItem.getAxis("left").setWidth(150)
        self.pred = CurvePlot("P(next bit = 1)", "bit t", "P(x<sub>t</sub> = 1)",
                              legend="top-left", y_range=(-0.05, 1.4))
        p = self.pred
        p.add_curve("seen", "bit seen", GREY, width=0, symbol="o", symbol_size=7)
        p.add_curve("laplace", "Laplace", ORANGE, width=1.8)
        p.add_curve("ngram", "n-gram", GREEN, width=1.8, style="dash")
        p.add_curve("solomonoff", "Solomonoff", BLUE, width=2.6, z=2)
        self.err = CurvePlot("Σ squared error", "bits seen n",
                             "Σ<sub>t</sub> (1 − P(x<sub>t</sub>))²", legend="top-left")
        e = self.err
        e.add_curve("laplace_cum_sq_error", "Laplace", ORANGE, width=2.0)
        e.add_curve("ngram_cum_sq_error", "n-gram", GREEN, width=2.0, style="dash")
        e.add_curve("cum_sq_error", "Solomonoff", BLUE, width=2.6, z=2)
        e.add_curve("bound", "bound (K ln 2)/2", FG, width=1.6, style="dot")
        self.pred.legend.setColumnCount(2)
        self.err.legend.setColumnCount(2)
        self.hyp = TextBox("Top hypotheses")
        self.hyp.setMinimumWidth(400)
        top = splitter(Qt.Orientation.Horizontal, self.top, self.pred)
        bottom = splitter(Qt.Orientation.Horizontal, self.err, self.hyp)
        self.set_body(_controls(QLabel("Type bits:"), self.bits_edit, self.send_button),
                      splitter(Qt.Orientation.Vertical, top, bottom))

    def plots(self) -> list:
        return [self.top, self.pred, self.err]

    def send_bits(self) -> bool:
        bits = "".join(self.bits_edit.text().split())
        if not bits:
            if self.ctx is not None:
                self.ctx.message("Type some bits (0 and 1) first.", error=True)
            return False
        if any(ch not in "01" for ch in bits):
            bad = next(ch for ch in bits if ch not in "01")
            if self.ctx is not None:
                self.ctx.message(f"typed bits: {bad!r} is not a bit; type only 0 and 1",
                                 error=True)
            return False
        return self.send(Bits(bits=bits), f"Bits {bits}")

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        progs = _strings(a["top_programs"])
        h = len(progs)
        y = np.arange(h, dtype=float)[::-1]     # the heaviest on top
        # coloured by the bit each program predicts next (grey: it prints no more)
        colour = {1: BLUE, 0: VERMILLION}
        brushes = [pg.mkBrush(colour.get(int(nx), GREY)) for nx in a["top_next"]]
        self.top_bars.setOpts(x0=np.zeros(h), y=y, width=a["top_weights"],
                              height=np.full(h, 0.7), brushes=brushes)
        ticks = [(float(y[i]), f"{progs[i]} ({int(a['top_lengths'][i])} b)")
                 for i in range(h)]
        self.top.plotItem.getAxis("left").setTicks([ticks])
        self.top.plotItem.setYRange(-0.6, max(h, 5) - 0.4, padding=0)
        t = np.arange(1, len(a["seen"]) + 1, dtype=float)
        self.pred.set_curve("seen", t, a["seen"])
        self.pred.set_curve("solomonoff", t, a["pred_solomonoff"])
        self.pred.set_curve("laplace", t, a["pred_laplace"])
        self.pred.set_curve("ngram", t, a["pred_ngram"])
        hist = dict(snap.history)
        hist["step"] = hist.get("n_bits", hist["step"])
        self.err.show_history(hist)
        rows = []
        for prog, l, w, nxt, out in zip(progs, a["top_lengths"], a["top_weights"],
                                        a["top_next"], _strings(a["top_outputs"])):
            nx = "?" if nxt < 0 else str(int(nxt))
            rows.append(f"<tr><td>{html.escape(prog)}&nbsp;</td>"
                        f"<td align='right'>{int(l)}&nbsp;</td>"
                        f"<td align='right'>{w:.3g}&nbsp;</td><td>{nx}&nbsp;</td>"
                        f"<td>{html.escape(out[:28])}</td></tr>")
        seen = "".join(str(int(b)) for b in a["seen"])
        k = (f"K ≈ {int(m['k_bits'])} bits (shortest consistent program)" if m["in_class"]
             else "no program in the class prints all bits seen")
        self.hyp.set_html(
            f"<p>seen ({int(m['n_bits'])} bits): {seen or '—'}<br>"
            f"P(next = 1) = <b>{m['p_next']:.3f}</b><br>{int(m['n_consistent'])} of "
            f"{int(m['n_programs'])} programs consistent · {k}</p>"
            "<table cellspacing='0'><tr><th align='left'>program&nbsp;</th><th>l&nbsp;</th>"
            "<th>weight&nbsp;</th><th>next&nbsp;</th><th align='left'>output</th></tr>"
            + "".join(rows) + "</table>")

    def reset(self) -> None:
        super().reset()
        self.top_bars.setOpts(x0=[], y=[], width=[], height=[])
        self.hyp.set_html("")

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        return (f"{int(m['n_bits'])} bits · P(next = 1) = {m['p_next']:.3f} · "
                f"Σ error {m['cum_sq_error']:.3g} ≤ {m['bound']:.3g}")
