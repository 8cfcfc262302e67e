"""Views of the structure demos of the architectures panel: message passing on graphs,
soft attention on a toy database, a small transformer.

User input mid-run goes to the engine as an edit (engines.architectures):
- ``gnn``: "Shuffle node labels" sends ShuffleNodes() (the shown graph is renumbered;
  colours stay, the numbers change). The round selector and the n of Aⁿ only change the
  picture (the snapshot carries the node vectors of every round and the adjacency).
- ``attention``: the β slider and the score selector set the form field and send
  SetAttention(beta=β) / SetAttention(score=name) to a live run.
- ``transformer``: the problem typed in the box goes as AskProblem(text); an
  unreadable one is refused by the engine with a message naming what is allowed.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget)

from engines.architectures.structure_specs import SCORES, AskProblem, SetAttention, ShuffleNodes
from engines.config import ConfigError
from engines.runtime import Snapshot
from panels.architectures.graph_plot import GraphPlot
from workbench.demo_view import DemoView, readout, shrinkable
from workbench.plots import FG, PALETTE, CurvePlot, ImagePlot, diverging_colormap

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BROWN, GREY = PALETTE
TOKENS = "0123456789+=_"


def _g(v: float, digits: int = 3) -> str:
    return f"{v:.{digits}g}"


def _row(*widgets) -> QWidget:
    box = QWidget()
    lay = QHBoxLayout(box)
    lay.setContentsMargins(4, 0, 4, 0)
    for i, w in enumerate(widgets):
        lay.addWidget(w, 1 if i == len(widgets) - 1 else 0)
    return box


def _grid(view: QWidget, top: QWidget, cells: list[tuple], bottom: QWidget) -> None:
    """Controls row, plots placed as (widget, row, col, rowspan, colspan), readout."""
    lay = QVBoxLayout(view)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(top)
    body = QWidget()
    grid = QGridLayout(body)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(4)
    for w, r, c, rs, cs in cells:
        grid.addWidget(shrinkable(w), r, c, rs, cs)
    lay.addWidget(body, 1)
    lay.addWidget(bottom)


def _button(text: str, tip: str, slot) -> QPushButton:
    b = QPushButton(text)
    b.setToolTip(tip)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.clicked.connect(slot)
    return b


SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def fit_top(plot: CurvePlot, history: dict, keys: tuple[str, ...]) -> None:
    """y from 0 to 2.3 × the largest value shown (room above the curves for the legend)."""
    values = [history[k][np.isfinite(history[k])] for k in keys if k in history]
    top = max([float(v.max()) for v in values if v.size] + [1.0])
    plot.plotItem.setYRange(0.0, 2.3 * top, padding=0.0)


def club_colormap() -> pg.ColorMap:
    """P(officer's club): blue (Mr. Hi) – white – vermillion (officer)."""
    return pg.ColorMap([0.0, 0.5, 1.0], [(0, 114, 178), (240, 240, 240), (213, 94, 0)])


# ---- message passing ----------------------------------------------------------------------
class GnnView(DemoView):
    """The graph coloured by the net's outputs (or the true classes, or one round's node
    vectors), the loss, predictions against the truth, Aⁿ as walk counts and the node
    vectors round by round."""

    NEEDS = ("arrays.node_xy", "arrays.links", "arrays.node_number", "arrays.node_original",
             "arrays.round_vectors", "arrays.round_pc1", "arrays.adjacency",
             "arrays.node_value", "arrays.node_truth", "arrays.node_labelled",
             "arrays.task_x", "arrays.task_y", "arrays.task_group",
             "metrics.test_loss", "metrics.train_loss", "metrics.shuffle_change",
             "metrics.shuffles", "history.train_loss")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.snap: Snapshot | None = None
        self.graph = GraphPlot("Graph")
        self.loss = CurvePlot("Loss", "step", "", legend="top-right")
        self.loss.add_curve("train_loss", "training loss", SKY, width=1.4)
        self.loss.add_curve("test_loss", "test loss", BLUE, width=2.6)
        self.loss.add_curve("accuracy", "test accuracy", GREEN, width=2.6)
        self.task = CurvePlot("Prediction", "", "", legend="top-left")
        self.task.add_curve("guide", "", FG, width=1.2, style="dash", legend=False, z=-1)
        self.task.add_curve("group0", "Mr. Hi's club", BLUE, width=0, symbol="o",
                            symbol_size=8)
        self.task.add_curve("group1", "officer's club", VERMILLION, width=0, symbol="o",
                            symbol_size=8)
        self.task.legend.setColumnCount(2)
        self.walks = ImagePlot("(Aⁿ)ᵢⱼ", "j", "i",
                               colormap=pg.colormap.get("viridis"), colorbar=True,
                               lock_aspect=False)
        self.walks.plotItem.invertY(True)
        self.vectors = ImagePlot("x<sub>v</sub>, round t", "component", "node v",
                                 colormap=diverging_colormap(), lock_aspect=False)
        self.vectors.plotItem.invertY(True)
        self.shuffle_button = _button("Shuffle node labels",
                                      "Renumber the shown graph's nodes at random (the net "
                                      "is not retrained): the outputs move with the nodes",
                                      self.shuffle)
        self.colour = QComboBox()
        self.colour.addItems(["prediction", "truth", "round vector"])
        self.colour.setToolTip("Node colours: the net's output, the true answer, or the "
                               "node vectors after the chosen round (leading principal "
                               "component)")
        self.colour.currentIndexChanged.connect(self.redraw)
        self.round = QSpinBox()
        self.round.setRange(0, 3)
        self.round.setPrefix("t = ")
        self.round.setToolTip("Which message-passing round the vector picture shows")
        self.round.valueChanged.connect(self.redraw)
        self.next_round = _button("▸", "Next round: step the pictures one message-passing "
                                  "round on (0 after the last)", self.step_round)
        self.power = QSpinBox()
        self.power.setRange(1, 8)
        self.power.setPrefix("n = ")
        self.power.setToolTip("Power n of the adjacency matrix")
        self.power.valueChanged.connect(self.redraw)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.readout = readout()
        _grid(self, _row(self.shuffle_button, self.colour, self.round, self.next_round,
                         self.power, QLabel("")),
              [(self.graph, 0, 0, 2, 1), (self.loss, 0, 1, 1, 1), (self.walks, 0, 2, 1, 1),
               (self.task, 1, 1, 1, 1), (self.vectors, 1, 2, 1, 1)], self.readout)
        self.body_stretch()

    def body_stretch(self) -> None:
        grid = self.layout().itemAt(1).widget().layout()
        grid.setColumnStretch(0, 5)
        grid.setColumnStretch(1, 4)
        grid.setColumnStretch(2, 4)

    def plots(self) -> list:
        return [self.graph, self.loss, self.task, self.walks, self.vectors]

    def attach(self, ctx) -> None:
        super().attach(ctx)
        try:
            self.config_changed(ctx.form_config())
        except ConfigError:
            pass

    def config_changed(self, cfg) -> None:
        self.round.setMaximum(cfg.rounds)
        karate = cfg.task == "karate"
        self.hint.setText("Colours: P(officer's club), rings: labelled members ·"
                          if karate else "Colours: each atom's share r(x<sub>v</sub>) of "
                                         "the energy ·")

    def step_round(self) -> None:
        self.round.setValue((self.round.value() + 1) % (self.round.maximum() + 1))

    def shuffle(self) -> bool:
        if self.ctx is None:
            return False
        if self.ctx.send_edit(ShuffleNodes()):
            self.ctx.message("Node labels shuffled: the same graph, numbered anew; the "
                             "net's outputs move with their nodes.")
            return True
        self.ctx.message("Start a run first: shuffling renumbers the nodes of a running "
                         "(or paused) run.", error=True)
        return False

    def show_snapshot(self, snap: Snapshot) -> None:
        self.snap = snap
        self.loss.show_history(snap.history)
        fit_top(self.loss, snap.history, ("train_loss", "test_loss", "accuracy"))
        self.redraw()

    def redraw(self) -> None:
        snap = self.snap
        if snap is None:
            return
        a, m = snap.arrays, snap.metrics
        karate = "accuracy" in m
        self.loss.set_curve_enabled("accuracy", karate)
        rounds = a["round_pc1"].shape[0] - 1
        if self.round.maximum() != rounds:
            self.round.setMaximum(rounds)
        t = min(self.round.value(), rounds)
        mode = self.colour.currentIndex()
        if mode == 2:
            values, levels, cmap = a["round_pc1"][t], (-1.0, 1.0), diverging_colormap()
            what = f"Round {t} vectors (1st PC)"
        elif karate:
            values = a["node_value"] if mode == 0 else a["node_truth"]
            levels, cmap = (0.0, 1.0), club_colormap()
            what = "Predicted P(officer's club)" if mode == 0 else "True clubs"
        else:
            values = a["node_value"] if mode == 0 else a["node_truth"]
            top = float(max(a["node_truth"].max(), 1e-6))
            levels, cmap = (0.0, top), pg.colormap.get("viridis")
            what = "Predicted r(x<sub>v</sub>)" if mode == 0 else "True energy shares"
        self.graph.set_title(what)
        self.graph.show_graph(a["node_xy"], a["links"], values, levels, cmap,
                              numbers=a["node_number"], ringed=a["node_labelled"] > 0.5)
        n = self.power.value()
        A = np.rint(a["adjacency"]).astype(np.int64)
        An = np.linalg.matrix_power(A, n).astype(float)
        self.walks.set_title(f"(A{str(n).translate(SUPERSCRIPT)})ᵢⱼ")
        self.walks.set_image(An, levels=(0.0, max(1.0, float(An.max()))))
        vec = a["round_vectors"][t]
        lim = float(np.abs(vec).max()) or 1.0
        self.vectors.set_title(f"x<sub>v</sub>, round {t}")
        self.vectors.set_image(vec, levels=(-lim, lim))
        self.show_task(a, karate)
        i, j = 0, len(A) - 1
        acc = f"accuracy (unlabelled) <b>{_g(m['accuracy'])}</b> · " if karate else ""
        loss_name = "test cross-entropy" if karate else "test MSE / Var(E)"
        self.readout.setText(
            f"{acc}{loss_name} <b>{_g(m['test_loss'])}</b> · shuffles "
            f"<b>{int(m['shuffles'])}</b>, max output change <b>{m['shuffle_change']:.2g}"
            f"</b> · (A<sup>{n}</sup>)<sub>{i},{j}</sub> = <b>{int(An[i, j])}</b> walks of "
            f"length {n} from {j} to {i}")
        self.graph.setToolTip(self.hint.text())

    def show_task(self, a, karate: bool) -> None:
        x, y, g = a["task_x"], a["task_y"], a["task_group"] > 0.5
        p = self.task
        if karate:
            p.set_title("P(officer's club)")
            p.curves["group0"].label = "Mr. Hi's club"
            p.set_curve("guide", [x.min() - 1, x.max() + 1], [0.5, 0.5])
            p.plotItem.setYRange(-0.05, 1.5, padding=0.0)
        else:
            p.set_title("Energy: net vs true")
            lo, hi = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
            p.set_curve("guide", [lo, hi], [lo, hi])
            p.plotItem.setYRange(lo, hi + 0.45 * (hi - lo), padding=0.02)
        p.set_curve("group0", x[~g], y[~g])
        p.set_curve("group1", x[g], y[g])
        p.set_curve_enabled("group1", True)
        if self.legend_mode != karate:
            self.legend_mode = karate
            p.legend.clear()
            p.legend.addItem(p.curve("group0"), "Mr. Hi" if karate else "≤ 8")
            p.legend.addItem(p.curve("group1"), "officer" if karate else "> 8 atoms")
            p._style_legend_labels()

    legend_mode: bool | None = None

    def reset(self) -> None:
        super().reset()
        self.snap = None


# ---- soft attention -----------------------------------------------------------------------
COLOUR_NAMES = ("red", "green", "blue", "orange", "pink", "sky", "brown", "grey")
COLOUR_HEX = (VERMILLION, GREEN, BLUE, ORANGE, PURPLE, SKY, BROWN, GREY)
SHAPE_NAMES = ("round", "square", "triangle", "diamond", "cross", "star", "pentagon",
               "hexagon")
SHAPE_SYMBOLS = ("o", "s", "t", "d", "+", "star", "p", "h")
TASTE_NAMES = ("sweet", "sour", "salty", "bitter", "umami", "spicy", "minty", "smoky")
#: (the bars are labelled by the first two letters: sw, so, sa, bi, um, sp, mi, sm)
BETA_STEPS = 200       # slider positions over log10 β ∈ [−2, 2]


def request_text(asked: np.ndarray) -> str:
    words = []
    if asked[0] >= 0:
        words.append(COLOUR_NAMES[int(asked[0])])
    if asked[2] >= 0:
        words.append(TASTE_NAMES[int(asked[2])])
    if asked[1] >= 0:
        words.append(SHAPE_NAMES[int(asked[1])] + " one")
    else:
        words.append("one")
    return "“" + " ".join(words) + "”"


class AttentionView(DemoView):
    """Attention weights per request as bars (bars in the object's colour, its shape on
    top, its taste below; the object asked for outlined), the weights against β, training
    curves and the √d argument."""

    NEEDS = ("arrays.weights", "arrays.scores", "arrays.targets", "arrays.properties",
             "arrays.asked", "arrays.sqrt_dims", "arrays.qk_std", "arrays.qk_std_scaled",
             "arrays.max_weight_dot", "arrays.max_weight_scaled", "arrays.qk_samples",
             "arrays.qk_sample_dims", "metrics.accuracy", "metrics.mean_max_weight",
             "metrics.weight_on_target", "metrics.beta", "metrics.score_index",
             "history.loss")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.snap: Snapshot | None = None
        self.bars = []
        for i in range(2):
            p = CurvePlot(f"Request {i + 1}", "", "w<sub>j</sub>", legend=None,
                          y_range=(0.0, 1.12))
            bar = pg.BarGraphItem(x=[], height=[], width=0.7)
            p.plotItem.addItem(bar)
            marks = pg.ScatterPlotItem([], [])
            marks.setZValue(20)
            p.plotItem.addItem(marks)
            p.plotItem.setMouseEnabled(x=False, y=False)
            p.setToolTip("One bar per object: its colour, its shape on top, its taste "
                         "below (sw sweet, so sour, sa salty, bi bitter, um umami, sp "
                         "spicy, mi minty, sm smoky); the object asked for is outlined. "
                         "Height: w_j.")
            self.bars.append((p, bar, marks))
        self.beta_plot = CurvePlot("Request 1: w<sub>j</sub>(β)", "β", "w<sub>j</sub>",
                                   legend=None, y_range=(0.0, 1.05))
        self.beta_plot.plotItem.setLogMode(x=True, y=False)
        self.beta_plot.plotItem.getAxis("bottom").setTicks(
            [[(-2, "0.01"), (-1, "0.1"), (0, "1"), (1, "10"), (2, "100")]])
        self.beta_plot.add_curve("now", "", FG, width=1.4, style="dash", legend=False)
        self.beta_curves = []
        self.train = CurvePlot("Training", "step", "", legend="bottom-right",
                               y_range=(0.0, 1.05))
        self.train.add_curve("accuracy", "accuracy", GREEN, width=2.6)
        self.train.add_curve("mean_max_weight", "max w", PURPLE, width=2.2)
        self.train.add_curve("weight_on_target", "w of target", ORANGE, width=1.6,
                             style="dash")
        self.hist = CurvePlot("q·k, random q, k", "q·k", "density",
                              legend="top-right")
        for i, c in enumerate((BLUE, ORANGE, VERMILLION)):
            self.hist.add_curve(f"h{i}", f"d = {(4, 64, 1024)[i]}", c, width=2.2)
        self.maxw = CurvePlot("Largest wⱼ", "d", "mean max w",
                              legend="top-left", y_range=(0.0, 1.45))
        self.maxw.plotItem.setLogMode(x=True, y=False)
        self.maxw.add_curve("dot", "e = q·k", VERMILLION, width=2.4, symbol="o",
                            symbol_size=5)
        self.maxw.add_curve("scaled", "e = q·k/√d", GREEN, width=2.4, symbol="o",
                            symbol_size=5)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, BETA_STEPS)
        self.slider.setMinimumWidth(120)
        self.slider.setToolTip("Sharpness β of w_j = softmax(β e_j), 0.01 … 100 (log scale)")
        self.slider.valueChanged.connect(self.beta_moved)
        self.beta_label = QLabel("β = 1")
        self.score = QComboBox()
        self.score.addItems(list(SCORES))
        self.score.setToolTip("dot: q·k · cosine: q·k/(|q||k|) · scaled: q·k/√d")
        self.score.currentTextChanged.connect(self.score_chosen)
        hint = QLabel("")
        self.readout = readout()
        self._quiet = False
        _grid(self, _row(QLabel("β"), self.slider, self.beta_label, self.score, hint),
              [(self.bars[0][0], 0, 0, 1, 1), (self.beta_plot, 0, 1, 1, 1),
               (self.hist, 0, 2, 1, 1), (self.bars[1][0], 1, 0, 1, 1),
               (self.train, 1, 1, 1, 1), (self.maxw, 1, 2, 1, 1)], self.readout)

    def plots(self) -> list:
        return [self.bars[0][0], self.beta_plot, self.hist, self.bars[1][0], self.train,
                self.maxw]

    # ---- controls -------------------------------------------------------------------
    def attach(self, ctx) -> None:
        super().attach(ctx)
        try:
            self.config_changed(ctx.form_config())
        except ConfigError:
            pass

    def config_changed(self, cfg) -> None:
        self._quiet = True
        self.slider.setValue(int(round((math.log10(cfg.beta) + 2) / 4 * BETA_STEPS)))
        self.beta_label.setText(f"β = {cfg.beta:.3g}")
        self.score.setCurrentText(cfg.score)
        self._quiet = False

    def slider_beta(self) -> float:
        return float(f"{10 ** (self.slider.value() / BETA_STEPS * 4 - 2):.3g}")

    def beta_moved(self, _value: int) -> None:
        beta = self.slider_beta()
        self.beta_label.setText(f"β = {beta:.3g}")
        if self._quiet or self.ctx is None:
            return
        self.ctx.set_field("beta", beta)
        self.ctx.send_edit(SetAttention(beta=beta))

    def score_chosen(self, name: str) -> None:
        if self._quiet or self.ctx is None or name not in SCORES:
            return
        self.ctx.set_field("score", name)
        self.ctx.send_edit(SetAttention(score=name))

    # ---- drawing --------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        self.snap = snap
        a, m = snap.arrays, snap.metrics
        props, asked, targets = a["properties"], a["asked"], a["targets"]
        for i, (p, bar, marks) in enumerate(self.bars):
            w = a["weights"][i]
            n = len(w)
            x = np.arange(n)
            pr = props[i].astype(int)
            brushes = [pg.mkBrush(COLOUR_HEX[c % 8]) for c in pr[:, 0]]
            fg = pg.mkColor(p._theme.foreground)
            pens = [pg.mkPen(fg, width=3.0 if j == int(targets[i]) else 0.6) for j in x]
            bar.setOpts(x=x, height=w, width=0.7, brushes=brushes, pens=pens)
            marks.setData(x, np.minimum(w, 1.0) + 0.06,
                          symbol=[SHAPE_SYMBOLS[s % 8] for s in pr[:, 1]], size=12,
                          brush=brushes, pen=pg.mkPen(fg, width=1.0))
            p.set_title(request_text(asked[i].astype(int)))
            ax = p.plotItem.getAxis("bottom")
            ax.setTicks([[(j, TASTE_NAMES[pr[j, 2] % 8][:2]) for j in x] if n <= 8 else []])
            p.plotItem.setXRange(-0.6, n - 0.4, padding=0.0)
        self.show_beta(a, m)
        self.train.show_history(snap.history)
        self.show_sqrt_d(a)
        d = a["sqrt_dims"]
        pick = [int(np.argmin(np.abs(d - k))) for k in (4, 64, 1024)]
        stds = ", ".join(f"{_g(a['qk_std'][k], 2)}" for k in pick)
        self.readout.setText(
            f"New databases: accuracy <b>{_g(m['accuracy'])}</b> · mean max w "
            f"<b>{_g(m['mean_max_weight'])}</b> · w of the object asked for "
            f"<b>{_g(m['weight_on_target'])}</b> · score <b>{SCORES[int(m['score_index'])]}"
            f"</b>, β = <b>{_g(m['beta'])}</b> · std(q·k) at d = 4, 64, 1024: <b>{stds}</b> "
            f"(√d = 2, 8, 32)")

    def theme_changed(self, theme) -> None:
        if self.snap is not None:          # the bars' outlines follow the foreground
            self.show_snapshot(self.snap)

    def show_beta(self, a, m) -> None:
        e = a["scores"][0]
        target = int(a["targets"][0])
        colours = a["properties"][0][:, 0].astype(int)
        betas = np.logspace(-2, 2, 120)
        z = betas[:, None] * e[None, :]
        z = np.exp(z - z.max(axis=1, keepdims=True))
        w = z / z.sum(axis=1, keepdims=True)
        while len(self.beta_curves) < len(e):
            k = len(self.beta_curves)
            self.beta_plot.add_curve(f"o{k}", "", GREY, width=1.6, legend=False)
            self.beta_curves.append(f"o{k}")
        for k, key in enumerate(self.beta_curves):
            c = self.beta_plot.curves[key]
            if k < len(e):
                want = (COLOUR_HEX[colours[k] % 8], 3.4 if k == target else 1.4)
                if (c.color, c.width) != want:
                    c.color, c.width = want
                    self.beta_plot._style_curve(c)
                self.beta_plot.set_curve(key, betas, w[:, k])
            else:
                self.beta_plot.set_curve(key, [], [])
        beta = m["beta"]
        self.beta_plot.set_curve("now", [beta, beta], [0.0, 1.0])

    def show_sqrt_d(self, a) -> None:
        top = 0.0
        for i, samples in enumerate(a["qk_samples"]):
            d = a["qk_sample_dims"][i]
            edges = np.linspace(-4 * math.sqrt(d), 4 * math.sqrt(d), 41)
            counts, _ = np.histogram(samples, bins=edges, density=True)
            centres = 0.5 * (edges[1:] + edges[:-1])
            self.hist.set_curve(f"h{i}", centres, counts)
            top = max(top, float(counts.max()))
        self.hist.plotItem.setYRange(0.0, 2.0 * top, padding=0.0)
        self.maxw.set_curve("dot", a["sqrt_dims"], a["max_weight_dot"])
        self.maxw.set_curve("scaled", a["sqrt_dims"], a["max_weight_scaled"])

    def reset(self) -> None:
        super().reset()
        for _, bar, marks in self.bars:
            bar.setOpts(x=[], height=[])
            marks.setData([], [])


# ---- transformer ----------------------------------------------------------------------------
def tokens_text(tokens) -> str:
    return " ".join(TOKENS[int(t)] for t in tokens)


class TransformerView(DemoView):
    """Accuracy and loss, the attention maps of every layer and head for the problem shown,
    the sinusoidal position codes and their dot products, and a box to type a problem."""

    NEEDS = ("arrays.tokens", "arrays.prediction", "arrays.answer", "arrays.attention",
             "arrays.position_encoding", "metrics.sequence_accuracy",
             "metrics.token_accuracy", "metrics.query_correct", "metrics.loss",
             "history.loss")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.curves = CurvePlot("Accuracy and loss", "step", "", legend="top-right",
                                y_range=(0.0, 1.9))
        c = self.curves
        c.add_curve("sequence_accuracy", "sequences", GREEN, width=2.6)
        c.add_curve("token_accuracy", "digits", SKY, width=1.8)
        c.add_curve("loss", "loss", VERMILLION, width=1.2, style="dash", z=-1)
        self.maps = ImagePlot("Attention w<sub>j←j′</sub>: layers ↓, heads →",
                              colormap=pg.colormap.get("viridis"), levels=(0.0, 1.0),
                              picture=True)
        self.pe = ImagePlot("Position code PE<sub>j</sub>", "component l", "position j",
                            colormap=diverging_colormap(), levels=(-1.0, 1.0),
                            lock_aspect=False)
        self.pe.plotItem.invertY(True)
        self.pe_dot = ImagePlot("PE<sub>j</sub> · PE<sub>j′</sub>", "j′", "j",
                                colormap=pg.colormap.get("viridis"), lock_aspect=True)
        self.pe_dot.plotItem.invertY(True)
        self.box = QLineEdit()
        self.box.setPlaceholderText("type a problem, e.g. 3 1 4 1 5 9")
        self.box.setToolTip("sort / reverse: the list's digits; add: two numbers a+b. "
                            "Enter shows the net's answer and its attention (mid-run)")
        self.box.returnPressed.connect(self.ask)
        self.ask_button = _button("Ask", "Show the net's answer to this problem", self.ask)
        self.answer = QLabel()
        self.answer.setTextFormat(Qt.TextFormat.RichText)
        self.answer.setWordWrap(True)
        self.answer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.answer.setMinimumSize(120, 60)
        self.readout = readout()
        _grid(self, _row(self.box, self.ask_button, QLabel("")),
              [(self.curves, 0, 0, 1, 1), (self.maps, 0, 1, 1, 2), (self.pe, 1, 0, 1, 1),
               (self.pe_dot, 1, 1, 1, 1), (self.answer, 1, 2, 1, 1)], self.readout)
        self.box.setMinimumWidth(160)
        grid = self.layout().itemAt(1).widget().layout()
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)

    def plots(self) -> list:
        return [self.curves, self.maps, self.pe, self.pe_dot]

    def ask(self) -> bool:
        if self.ctx is None:
            return False
        text = self.box.text().strip()
        if not text:
            self.ctx.message("Type a problem first, e.g. 3 1 4 1 5 9 (sort, reverse) or "
                             "12+34 (add).", error=True)
            return False
        if self.ctx.send_edit(AskProblem(text)):
            self.ctx.message(f"Asked the net: {text}")
            return True
        self.ctx.message("Start a run first: the box asks the network of a running (or "
                         "paused) run.", error=True)
        return False

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        self.curves.show_history(snap.history)
        att = a["attention"]                         # (layers, heads, n, n)
        L, H, n, _ = att.shape
        gap = 1
        tiled = np.full((L * n + (L - 1) * gap, H * n + (H - 1) * gap), np.nan)
        for l in range(L):
            for h in range(H):
                r, c = l * (n + gap), h * (n + gap)
                tiled[r:r + n, c:c + n] = att[l, h]
        self.maps.set_image(tiled, levels=(0.0, 1.0))
        pe = a["position_encoding"]
        self.pe.set_image(pe, levels=(-1.0, 1.0))
        dot = pe @ pe.T
        lo, hi = float(dot.min()), float(dot.max())
        self.pe_dot.set_image(dot, levels=(lo, hi if hi > lo else lo + 1.0))
        ok = m["query_correct"] > 0.5
        colour = GREEN if ok else VERMILLION
        self.answer.setText(
            f"<span style='font-size:large'>{tokens_text(a['tokens'][:len(a['tokens']) - len(a['prediction'])])}"
            f"<br>net: <b style='color:{colour}'>{tokens_text(a['prediction'])}</b><br>"
            f"right: {tokens_text(a['answer'])}</span>")
        self.readout.setText(
            f"Held-out problems: sequences right <b>{_g(m['sequence_accuracy'])}</b> · "
            f"digits right <b>{_g(m['token_accuracy'])}</b> · loss <b>{_g(m['loss'])}</b>"
            f" · maps: row j attends to column j′ of {tokens_text(a['tokens'])}")

    def reset(self) -> None:
        super().reset()
        self.answer.setText("")


STRUCTURE_VIEWS: dict = {"gnn": GnnView, "attention": AttentionView,
                         "transformer": TransformerView}
#: Default steps per second of each demo (the effect unfolds in 20-60 s).
STRUCTURE_SPEEDS: dict[str, float] = {"gnn": 10.0, "attention": 15.0, "transformer": 25.0}
