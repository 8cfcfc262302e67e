"""Views of the chapter-7 demos: true samples or density next to the model's, live.

Views draw; what the user does (painted points, clicked units, the temperature slider,
the annealing button) becomes edits for the running engine in panels.generative.inputs,
mixed into the views. No engine (and so no torch) is imported here: the true densities shown
before a run come from :mod:`engines.generative.targets` (numpy).
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton,
                               QSizePolicy, QStackedWidget, QVBoxLayout,
                               QWidget)

from engines.generative import targets
from engines.runtime import Snapshot
from panels.generative.inputs import ClampInput, PaintInput, TemperatureInput
from workbench.field_slider import FieldSlider
from panels.generative.plots import (BarsPlot, BinaryPlot, Curve, DensityPlot, Image,
                                     Mosaic, grey_tiles, waterfall)
from workbench.demo_view import DemoView
from workbench.plots import FG, PALETTE, CurvePlot, ImagePlot, shared_brushes

DATA_COLOR = "#D55E00"      # true samples: vermillion
MODEL_COLOR = "#0072B2"     # model samples: blue
PREVIEW_SAMPLES = 800


def _grid(view: QWidget, cells, top: QWidget | None = None, col_stretch=None) -> None:
    """Lay out (widget, row, col[, rowspan, colspan]) cells, optionally under a bar."""
    outer = QVBoxLayout(view)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.setSpacing(4)
    if top is not None:
        outer.addWidget(top)
    holder = QWidget()
    lay = QGridLayout(holder)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(6)
    for cell in cells:
        lay.addWidget(*cell)
    for c, s in enumerate(col_stretch or []):
        lay.setColumnStretch(c, s)
    for r in range(lay.rowCount()):
        lay.setRowStretch(r, 1)
    outer.addWidget(holder, 1)


def _bar(*widgets, stretch_after: bool = True) -> QWidget:
    bar = QWidget()
    lay = QHBoxLayout(bar)
    lay.setContentsMargins(4, 0, 4, 0)
    for w in widgets:
        lay.addWidget(w)
    if stretch_after:
        lay.addStretch(1)
    return bar


def _label(wrap: bool = True) -> QLabel:
    """A rich-text label that never widens the view: a long line wraps (zoom 2)."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(wrap)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def _hline(plot: CurvePlot, key: str, history: dict, value: float | None) -> None:
    """A horizontal reference line spanning the history's steps."""
    steps = history.get("step") if history else None
    if value is None or not np.isfinite(value) or steps is None or steps.size == 0:
        plot.set_curve(key, [], [])
        return
    plot.set_curve(key, [steps[0], max(steps[-1], steps[0] + 1)], [value, value])


def _levels_of(arr) -> tuple[float, float]:
    arr = np.asarray(arr, float)
    finite = arr[np.isfinite(arr)]
    top = float(finite.max()) if finite.size else 1.0
    return (0.0, top if top > 0 else 1.0)


# ---- normalizing flows ------------------------------------------------------------------
class _FlowView(DemoView):
    """Shared: the three density plots of a flow and the random flow's ln|det J| map."""

    def _make_logdet(self) -> DensityPlot:
        plot = DensityPlot("Random flow: ln|det J|", colormap="viridis",
                           colorbar=True, colorbar_label="ln|det ∂z/∂x| at step 0")
        return plot

    def _show_logdet(self, a: dict) -> None:
        m = a["logdet_init"]
        lo, hi = float(np.min(m)), float(np.max(m))
        self.logdet.show_field(m, a["rect"], levels=(lo, hi if hi > lo else lo + 1.0))


class FlowSamplesView(PaintInput, _FlowView):
    """Learn from samples: p(x) and data | q_θ(x) and data | samples | ln|det J| | NLL."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.data", "arrays.logdet_init", "arrays.p_density", "arrays.q_density",
             "arrays.rect", "arrays.samples", "history.entropy", "history.kl", "history.nll",
             "history.nll_train", "history.step")

    painted = Signal(object)        # new painted points (n, 2)
    clear_requested = Signal()

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.target = DensityPlot("Target p(x), data", paintable=True,
                                  legend="top-left")
        self.target.add_points("data", "data", DATA_COLOR, size=3.5, alpha=150)
        self.target.add_points("painted", "", "#CC0066", size=6, alpha=230,
                               symbol="x")
        self.target.painted.connect(self.painted)
        self.model = DensityPlot("Model density q<sub>θ</sub>(x)")
        self.model.add_points("data", "", DATA_COLOR, size=2.5, alpha=110)
        self.samples = DensityPlot("Samples x = F(z)",
                                   legend="top-left")
        self.samples.add_points("data", "data", "#9A9A9A", size=3.0, alpha=110, z=30)
        self.samples.add_points("samples", "model", MODEL_COLOR, size=3.5, alpha=190)
        self.logdet = self._make_logdet()
        self.nll = Curve("Negative log-likelihood", "step",
                             "nats", legend="top-right")
        self.nll.add_curve("nll_train", "batch", PALETTE[0], width=1.2, alpha=90)
        self.nll.add_curve("nll", "−⟨ln q⟩ held-out", PALETTE[0])
        self.nll.add_curve("entropy", "entropy H[p]", FG, width=2.0, style="dash")
        self.kl = Curve("KL(p‖q) estimate", "step", "⟨ln p − ln q⟩  (nats)",
                            log_y=True, legend=None)
        self.kl.add_curve("kl", "sample estimate", PALETTE[2])
        self.clear_button = QPushButton("Clear painting")
        self.clear_button.setToolTip("Remove every painted point")
        self.clear_button.clicked.connect(self.clear_requested)
        self.paint_label = _label(wrap=True)
        self.tools = _bar(self.paint_label, self.clear_button, stretch_after=False)
        self.tools.layout().setStretch(0, 1)
        _grid(self, [(self.target, 0, 0), (self.model, 0, 1), (self.samples, 0, 2),
                     (self.logdet, 1, 0), (self.nll, 1, 1), (self.kl, 1, 2)], top=self.tools)
        self.cfg = None
        self.painted_points = np.empty((0, 2))
        self._preview: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        rect = (-targets.BOX, -targets.BOX, 2 * targets.BOX, 2 * targets.BOX)
        for plot in (self.target, self.model, self.samples, self.logdet):
            plot.set_view(rect)

    def plots(self) -> list:
        return [self.target, self.model, self.samples, self.logdet, self.nll, self.kl]

    @property
    def rect(self):
        return (-targets.BOX, -targets.BOX, 2 * targets.BOX, 2 * targets.BOX)

    # ---- preview of the target before a run -------------------------------------------
    def config_changed(self, cfg) -> None:
        self.cfg = cfg
        painting = cfg.target == "painted"
        self.target.painting = painting
        self.clear_button.setVisible(painting)
        self.paint_label.setVisible(painting)
        self.target.setToolTip("Left click or drag: paint the target" if painting else "")
        self._show_target()

    def _show_target(self) -> None:
        cfg = self.cfg
        if cfg is None:
            return
        if cfg.target == "painted":
            pts = self.painted_points
            self.target.set_points("data", None)
            self.target.set_points("painted", pts)
            n = len(pts)
            self.paint_label.setText(
                f"<b>Paint the target</b> on the left plot (click or drag, left button): "
                f"{n} point{'s' if n != 1 else ''}, each a Gaussian blob of width "
                f"σ = {cfg.paint_sigma:g}.")
            if n:
                p = targets.painted_grid(pts, cfg.paint_sigma, 64)
                self.target.show_field(p, self.rect)
                self.target.show_hint("")
            else:
                self.target.show_field(np.zeros((2, 2)), self.rect, levels=(0.0, 1.0))
                self.target.show_hint("paint here")
            return
        self.target.set_points("painted", None)
        self.target.show_hint("")
        if cfg.target not in self._preview:
            t = targets.make_target(cfg.target)
            self._preview[cfg.target] = (t.density_grid(96),
                                         t.sample(PREVIEW_SAMPLES, np.random.default_rng(0)))
        p, x = self._preview[cfg.target]
        self.target.show_field(p, self.rect)
        self.target.set_points("data", x)

    def show_painted(self, points: np.ndarray) -> None:
        self.painted_points = np.asarray(points, float).reshape(-1, 2)
        self._show_target()

    # ---- live ---------------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        a, h = snap.arrays, snap.history
        rect = a["rect"]
        # p_density and data need a target: a painted one with nothing painted sends neither
        levels = _levels_of(a["p_density"]) if "p_density" in a else None
        if "p_density" in a:
            self.target.show_field(a["p_density"], rect, levels)
            self.target.show_hint("")
        if "data" in a:
            if "painted" not in a:         # painted only for the target 'painted'
                self.target.set_points("data", a["data"])
            self.model.set_points("data", a["data"])
            self.samples.set_points("data", a["data"])
        self.model.show_field(a["q_density"], rect, levels)
        self.samples.set_points("samples", a["samples"])
        self._show_logdet(a)
        self.nll.show_history(h)
        self.kl.show_history(h)

    def reset(self) -> None:
        super().reset()
        self._show_target()


class FlowEnergyView(TemperatureInput, _FlowView):
    """Learn to sample: p ∝ e^{−E/T} with model samples | q_θ | ln|det J| | F | KL | ESS."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.logdet_init", "arrays.p_density", "arrays.q_density", "arrays.rect",
             "arrays.samples", "history.ess", "history.free_energy", "history.kl", "history.loss",
             "history.neg_ln_z", "history.step")

    temperature_changed = Signal(float)

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.slider = FieldSlider(spec.config, "temperature", "Temperature T:")
        self.slider.value_changed.connect(self.temperature_changed)
        self.readout = _label()
        top = _bar(self.slider, self.readout, stretch_after=False)
        top.layout().setStretch(0, 2)
        top.layout().setStretch(1, 3)
        self.truth = DensityPlot("p ∝ exp(−E/T), samples", legend="top-left")
        self.truth.add_points("samples", "F(z)", DATA_COLOR, size=3.0, alpha=170)
        self.model = DensityPlot("Model density q<sub>θ</sub>(x)")
        self.logdet = self._make_logdet()
        self.free = Curve("Free energy", "step", "nats",
                              legend="top-right")
        self.free.add_curve("loss", "batch", PALETTE[0], width=1.2, alpha=90)
        self.free.add_curve("free_energy", "F<sub>q</sub>/T", PALETTE[0])
        self.free.add_curve("neg_ln_z", "−ln Z exact", FG, width=2.0, style="dash")
        self.kl = Curve("KL(q‖p)", "step", "F<sub>q</sub>/T + ln Z  (nats)",
                            log_y=True, legend=None)
        self.kl.add_curve("kl", "KL(q‖p)", PALETTE[2])
        self.ess = Curve("Effective sample size", "step", "(Σw)² / (N Σw²),  w = p/q",
                             y_range=(0.0, 1.02), legend=None)
        self.ess.add_curve("ess", "(Σw)² / (N Σw²)", PALETTE[3])
        _grid(self, [(self.truth, 0, 0), (self.model, 0, 1), (self.logdet, 0, 2),
                     (self.free, 1, 0), (self.kl, 1, 1), (self.ess, 1, 2)], top=top)
        self.cfg = None
        self.temperature: float | None = None
        self.rect = (-targets.ENERGY_BOX, -targets.ENERGY_BOX, 2 * targets.ENERGY_BOX,
                     2 * targets.ENERGY_BOX)
        for plot in (self.truth, self.model, self.logdet):
            plot.set_view(self.rect)

    def plots(self) -> list:
        return [self.truth, self.model, self.logdet, self.free, self.kl, self.ess]

    def config_changed(self, cfg) -> None:
        self.cfg = cfg
        self.slider.set_value(cfg.temperature)
        self.show_temperature(cfg.temperature)

    def show_temperature(self, t: float) -> None:
        """The true density at T (exact Z on a grid): instant, no run needed."""
        if self.cfg is None:
            return
        self.temperature = t
        p = targets.boltzmann_grid(self.cfg.energy, t, 96)
        self.truth.show_field(p, self.rect)
        ln_z = targets.log_partition(self.cfg.energy, t)
        self.readout.setText(
            f"{targets.ENERGY_TITLES[self.cfg.energy]}: p(x) = e<sup>−E(x)/T</sup>/Z at "
            f"T = {t:.3g}, ln Z = {ln_z:.4g}"
            + (" · conditional flow: one network for all T in "
               f"[{self.cfg.t_min:g}, {self.cfg.t_max:g}]" if self.cfg.conditional else ""))

    def show_snapshot(self, snap: Snapshot) -> None:
        a, h, m = snap.arrays, snap.history, snap.metrics
        rect = a["rect"]
        levels = _levels_of(a["p_density"])
        self.truth.show_field(a["p_density"], rect, levels)
        self.model.show_field(a["q_density"], rect, levels)
        self.truth.set_points("samples", a["samples"])
        self._show_logdet(a)
        for plot in (self.free, self.kl, self.ess):
            plot.show_history(h)
        t = m.get("temperature")
        if t is not None and t != self.temperature:
            self.temperature = t
            self.slider.set_value(t)
            if self.cfg is not None:
                self.show_temperature(t)

    def reset(self) -> None:
        super().reset()
        if self.cfg is not None:
            self.config_changed(self.cfg)


# ---- restricted Boltzmann machine ----------------------------------------------------------
class RBMView(ClampInput, DemoView):
    """Training samples | Gibbs chains (click to clamp) | W | exact KL | recon | P bars."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.chain_samples", "arrays.clamp", "arrays.data_samples", "arrays.p_data",
             "arrays.p_model", "arrays.shape", "arrays.weights", "history.kl",
             "history.recon_error", "history.step", "metrics.chain_T", "metrics.model_mass")

    unit_clicked = Signal(int)
    anneal_requested = Signal()
    clamp_sample_requested = Signal()
    clear_clamps_requested = Signal()

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.anneal_button = QPushButton("Anneal")
        self.anneal_button.setToolTip("Restart the displayed chains at a high temperature "
                                      "(E → E/T) and cool them down to T = 1")
        self.clamp_button = QPushButton("Clamp half a sample")
        self.clamp_button.setToolTip("Fix the first half of the visible units (the top rows "
                                     "of an image) to a random training sample")
        self.clear_button = QPushButton("Free all")
        self.anneal_button.clicked.connect(self.anneal_requested)
        self.clamp_button.clicked.connect(self.clamp_sample_requested)
        self.clear_button.clicked.connect(self.clear_clamps_requested)
        self.readout = _label()
        top = _bar(self.anneal_button, self.clamp_button, self.clear_button, self.readout,
                   stretch_after=False)
        top.layout().setStretch(3, 1)
        self.data_plot = BinaryPlot("Training samples")
        self.chain_plot = BinaryPlot("Chains (click: clamp)",
                                     clickable=True)
        self.chain_plot.setToolTip("Click a unit: free → clamped on → clamped off → free")
        self.chain_plot.unit_clicked.connect(self.unit_clicked)
        self.weights = Mosaic("Weights W")
        self.kl = Curve("Exact KL(data‖model)", "step", "nats",
                            log_y=True, legend=None)
        self.kl.add_curve("kl", "KL", PALETTE[2])
        self.kl_hint = self.kl._add_text("", base_pt=13.0, color="hint")
        self.kl_hint.setPos(0.5, 0.5)
        self.recon = Curve("Reconstruction error", "step", "⟨(v − P(v|h))²⟩",
                               log_y=True, legend=None)
        self.recon.add_curve("recon_error", "v → h → P(v|h)", PALETTE[1])
        self.bars = BarsPlot("P(v) of the patterns", "pattern  (▮ model, ─ data)", "P(v)")
        _grid(self, [(self.data_plot, 0, 0), (self.chain_plot, 0, 1), (self.weights, 0, 2),
                     (self.kl, 1, 0), (self.recon, 1, 1), (self.bars, 1, 2)], top=top)
        self.shape = (1, 1)
        self.clamp = np.zeros(0)
        self.last_chains: np.ndarray | None = None
        self.cfg = None

    def plots(self) -> list:
        return [self.data_plot, self.chain_plot, self.weights, self.kl, self.recon, self.bars]

    def config_changed(self, cfg) -> None:
        self.cfg = cfg
        exact = cfg.data != "mnist"
        self.kl.set_title("Exact KL(data‖model)" if exact else "Exact KL: not for MNIST")
        self.kl_hint.setText("" if exact else "needs a sum over\n2⁷⁸⁴ visible states")
        if not exact:
            self.bars.show_hint("no exact P for MNIST:\n2⁷⁸⁴ states")
        if cfg.data == "segments":
            self.shape = (1, cfg.sites)
        elif cfg.data == "bars_stripes":
            self.shape = (cfg.bas_side, cfg.bas_side)
        else:
            self.shape = (28, 28)

    def show_clamp(self, clamp: np.ndarray) -> None:
        """The clamp pattern (−1 free, 0/1 fixed), drawn at once on the chains."""
        self.clamp = np.asarray(clamp, float)
        n = int((self.clamp >= 0).sum())
        if self.last_chains is not None and self.last_chains.shape[1] == self.clamp.size:
            chains = np.where(self.clamp >= 0, self.clamp, self.last_chains)
            self.chain_plot.show_samples(chains, self.shape, self.clamp)
        elif self.clamp.size and n:
            self.chain_plot.show_samples(np.maximum(self.clamp, 0)[None], self.shape,
                                         self.clamp)
        self._readout(None, n)

    def _readout(self, m: dict | None, clamped: int | None = None) -> None:
        clamped = int((self.clamp >= 0).sum()) if clamped is None else clamped
        parts = []
        if m is not None:
            t = m["chain_T"]
            parts.append(f"chains at <b>T = {t:.3g}</b>" + (" (cooling)" if t > 1.0 else ""))
        if clamped:
            parts.append(f"<b>{clamped}</b> unit{'s' if clamped != 1 else ''} clamped: "
                         f"samples of P(v<sub>free</sub> | v<sub>fixed</sub>)")
        else:
            parts.append("no unit clamped")
        if m is not None and "model_mass" in m:     # exact quantities: small machines only
            parts.append(f"P<sub>model</sub>(data patterns) = {m['model_mass']:.3f}")
        self.readout.setText(" · ".join(parts))

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m, h = snap.arrays, snap.metrics, snap.history
        self.shape = tuple(int(v) for v in a["shape"])
        self.clamp = np.asarray(a["clamp"], float)
        if len(a["data_samples"]):
            self.data_plot.show_samples(a["data_samples"], self.shape)
        self.last_chains = np.asarray(a["chain_samples"], float)
        self.chain_plot.show_samples(self.last_chains, self.shape, self.clamp)
        W = np.asarray(a["weights"], float)
        if self.shape[0] > 4:       # images: each hidden unit's filter
            k = min(16, W.shape[1])
            self.weights.set_tiles(W.T[:k].reshape(k, *self.shape))
            self.weights.set_title("Filters of 16 hidden units")
        else:
            self.weights.set_tiles(W[None])
            self.weights.set_title("Weights W<sub>ij</sub>")
        self.kl.show_history(h)
        self.recon.show_history(h)
        if "p_data" in a and "p_model" in a:    # small machines with few patterns only
            self.bars.set_bars(a["p_data"], a["p_model"])
        self._readout(m)

    def reset(self) -> None:
        super().reset()
        self.last_chains = None
        self.readout.clear()
        if self.cfg is not None:
            self.config_changed(self.cfg)


# ---- variational autoencoder -----------------------------------------------------------------
def _colors(values: np.ndarray, cmap: pg.ColorMap) -> list:
    v = np.asarray(values, float)
    lo, hi = float(v.min()), float(v.max())
    t = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
    return shared_brushes(cmap.map(t, mode="byte"), alpha=200)


DIGIT_COLORS = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B",
                "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF")


class _Cell(QStackedWidget):
    """One grid cell holding a curve plot (wave packets) and an image plot (digits)."""

    def __init__(self, curve: CurvePlot, image: ImagePlot):
        super().__init__()
        self.curve, self.image = curve, image
        self.addWidget(curve)
        self.addWidget(image)

    def use_images(self, on: bool) -> None:
        self.setCurrentWidget(self.image if on else self.curve)

    @property
    def current(self):
        return self.currentWidget()


class VAEView(DemoView):
    """Inputs vs reconstructions | latent space | losses / prior samples | traversals."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.inputs", "arrays.latent_color", "arrays.latent_mu", "arrays.mnist",
             "arrays.prior_samples",
             "arrays.recons", "arrays.t", "arrays.traversal", "history.kl", "history.loss",
             "history.recon", "history.step")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.color_combo = QComboBox()
        self.color_combo.setToolTip("Colour the latent points by a true generating parameter")
        self.color_combo.currentIndexChanged.connect(self._recolor)
        self.color_label = _label()
        top = _bar(QLabel("Colour latent points by:"), self.color_combo, self.color_label,
                   stretch_after=False)
        # the colour key takes the rest of the row: squeezed to nothing by the bar's
        # stretch it was not shown, and at zoom 2 it wrapped into a 150 px tall column
        top.layout().setStretchFactor(self.color_label, 1)
        self.recon_cell = _Cell(
            Curve("Inputs & reconstructions", "t  (solid x, dashed x')", "",
                      legend=None),
            Image("Inputs & reconstructions", picture=True))
        self.latent = Curve("Latent space μ(x)", "z₁", "z₂",
                                legend=None)
        self.latent.plotItem.setAspectLocked(True)
        self.scatter = pg.ScatterPlotItem([], [], size=6, pen=pg.mkPen(None))
        self.latent.plotItem.addItem(self.scatter)
        self.prior_ring = pg.PlotDataItem([], [], pen=pg.mkPen("#7F7F7F", width=1.5,
                                                                style=Qt.PenStyle.DashLine))
        self.latent.plotItem.addItem(self.prior_ring)
        phi = np.linspace(0, 2 * np.pi, 100)
        self.prior_ring.setData(2 * np.cos(phi), 2 * np.sin(phi))
        self.losses = Curve("Loss terms", "step", "per sample",
                                log_y=True, legend="bottom-right")
        self.losses.add_curve("recon", "½‖x − f(z)‖²", PALETTE[0])
        self.losses.add_curve("kl", "D<sub>KL</sub>(q(z|x)‖N(0,1))", PALETTE[1])
        self.losses.add_curve("loss", "recon + β·KL", FG, width=1.6, style="dash")
        self.prior_cell = _Cell(
            Curve("Samples f(z), z ~ N(0, 1)", "t", "", legend=None),
            Image("Samples f(z), z ~ N(0, 1)", picture=True))
        self.trav1_cell = _Cell(
            Curve("Traversal of z₁", "t  (z₁ = −2.5 top … 2.5)", "", legend=None),
            Image("Traversal of (z₁, z₂)", picture=True))
        self.trav2 = Curve("Traversal of z₂", "t  (z₂ = −2.5 top … 2.5)", "", legend=None)
        _grid(self, [(self.recon_cell, 0, 0), (self.latent, 0, 1), (self.losses, 0, 2),
                     (self.prior_cell, 1, 0), (self.trav1_cell, 1, 1), (self.trav2, 1, 2)],
              top=top)
        self.grid_layout = self.trav1_cell.parentWidget().layout()
        self._curves: dict[int, list[pg.PlotDataItem]] = {}
        self._pen_keys: dict[int, tuple] = {}     # item -> (colour, dashed) it is drawn with
        self._frames: dict[int, tuple] = {}       # plot -> (lines, spacing) its range is for
        self.snap_arrays: dict | None = None
        self.mnist = False
        self.cfg = None
        self._set_color_choices(("position x0", "width w", "wavenumber k"))

    def plots(self) -> list:
        return [self.recon_cell.current, self.latent, self.losses, self.prior_cell.current,
                self.trav1_cell.current] + ([] if self.mnist else [self.trav2])

    def _set_color_choices(self, names) -> None:
        if [self.color_combo.itemText(i) for i in range(self.color_combo.count())] == list(names):
            return
        self.color_combo.blockSignals(True)
        self.color_combo.clear()
        self.color_combo.addItems(list(names))
        self.color_combo.setCurrentIndex(len(names) - 1 if len(names) == 1 else 0)
        self.color_combo.blockSignals(False)

    def config_changed(self, cfg) -> None:
        self.cfg = cfg
        self._use_mnist(cfg.data == "mnist")

    def _use_mnist(self, on: bool) -> None:
        self.mnist = on
        for cell in (self.recon_cell, self.prior_cell, self.trav1_cell):
            cell.use_images(on)
        self.trav2.setVisible(not on)
        # digits: the traversal mosaic takes both cells of the bottom right
        self.grid_layout.removeWidget(self.trav1_cell)
        self.grid_layout.addWidget(self.trav1_cell, 1, 1, 1, 2 if on else 1)
        self._set_color_choices(("digit class",) if on else
                                ("position x0", "width w", "wavenumber k"))

    def _lines(self, plot: CurvePlot, n: int, colors=None, dashed_from: int | None = None
               ) -> list[pg.PlotDataItem]:
        """n line items owned by ``plot`` (created once, reused)."""
        key = id(plot)
        items = self._curves.setdefault(key, [])
        while len(items) < n:
            item = pg.PlotDataItem([], [], skipFiniteCheck=True)
            plot.plotItem.addItem(item)
            items.append(item)
        for i, item in enumerate(items):
            if i >= n:
                item.setData([], [])
                continue
            color = colors[i] if colors is not None else PALETTE[i % len(PALETTE)]
            dash = dashed_from is not None and i >= dashed_from
            key = (pg.mkColor(color).rgba(), dash)
            if self._pen_keys.get(id(item)) == key:
                continue        # a new pen every frame restyled 34 lines (~1 ms)
            self._pen_keys[id(item)] = key
            pen = pg.mkPen(color, width=2.0 if not dash else 2.4,
                           style=Qt.PenStyle.DashLine if dash else Qt.PenStyle.SolidLine)
            item.setPen(pen)
        return items[:n]

    def _waterfall(self, plot: CurvePlot, t, curves, colors=None, spacing=2.2,
                   dashed: np.ndarray | None = None) -> None:
        curves = np.asarray(curves, float)
        n = len(curves)
        shifted = waterfall(curves, spacing)
        total = n + (0 if dashed is None else len(dashed))
        cols = list(colors) if colors is not None else [PALETTE[i % 8] for i in range(n)]
        if dashed is not None:
            cols = cols + cols[:len(dashed)]
        items = self._lines(plot, total, cols, dashed_from=n if dashed is not None else None)
        for i in range(n):
            items[i].setData(t, shifted[i])
        if dashed is not None:
            for i, c in enumerate(waterfall(dashed, spacing)):
                items[n + i].setData(t, c)
        frame = (n, spacing)
        if self._frames.get(id(plot)) != frame:   # the same frame as last time: left alone
            self._frames[id(plot)] = frame
            plot.plotItem.getAxis("left").setTicks([[]])
            plot.plotItem.setYRange(-(n - 1) * spacing - 1.3, 1.3, padding=0.02)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, h = snap.arrays, snap.history
        mnist = bool(a["mnist"][0])
        if mnist != self.mnist:
            self._use_mnist(mnist)
        self.snap_arrays = a
        if mnist:
            pair = np.concatenate([a["inputs"], np.clip(a["recons"], 0, 1)])
            self.recon_cell.image.set_image(grey_tiles(pair, (28, 28), ncols=len(a["inputs"])))
            self.prior_cell.image.set_image(grey_tiles(np.clip(a["prior_samples"], 0, 1),
                                                       (28, 28), ncols=4))
            trav = np.clip(a["traversal"], 0, 1)
            self.trav1_cell.image.set_image(grey_tiles(trav, (28, 28), ncols=8))
            conditional = bool(a.get("conditional", [0])[0])
            self.trav1_cell.image.set_title(
                "Rows c = 0…9, columns z₁" if conditional else "Traversal of (z₁, z₂)")
        else:
            t = a["t"]
            self._waterfall(self.recon_cell.curve, t, a["inputs"], dashed=a["recons"])
            self._waterfall(self.prior_cell.curve, t, a["prior_samples"])
            trav = a["traversal"]
            cmap = pg.colormap.get("viridis")
            colors = [pg.mkColor(*c[:3]) for c in cmap.map(np.linspace(0, 0.9, trav.shape[1]),
                                                             mode="byte")]
            self._waterfall(self.trav1_cell.curve, t, trav[0], colors=colors, spacing=1.6)
            if len(trav) > 1:
                self._waterfall(self.trav2, t, trav[1], colors=colors, spacing=1.6)
                self.trav2.set_title("Traversal of z₂")
            else:
                self._lines(self.trav2, 0)
                self.trav2.set_title("(only one latent dim.)")
        self._recolor()
        self.losses.show_history(h)

    def _recolor(self, *_):
        a = self.snap_arrays
        if a is None:
            return
        mu = np.asarray(a["latent_mu"], float)
        z1 = mu[:, 0]
        z2 = mu[:, 1] if mu.shape[1] > 1 else np.zeros_like(z1)
        color = np.asarray(a["latent_color"], float)
        j = min(max(0, self.color_combo.currentIndex()), color.shape[1] - 1)
        values = color[:, j]
        if self.mnist:
            brushes = [pg.mkBrush(DIGIT_COLORS[int(v) % 10]) for v in values]
            legend = " ".join(f"<span style='color:{c}'>■</span>{d}"
                              for d, c in enumerate(DIGIT_COLORS))
            self.color_label.setText(legend)
        else:
            brushes = _colors(values, pg.colormap.get("viridis"))
            self.color_label.setText(
                f"<span style='color:#440154'>■</span> {values.min():.3g} … "
                f"<span style='color:#FDE725;background:#333'>■</span> {values.max():.3g}")
        self.scatter.setData(z1, z2, brush=brushes)
        label = "z₂" if mu.shape[1] > 1 else "(one latent dim.)"
        if self.latent.plotItem.getAxis("left").labelText != label:
            self.latent.plotItem.setLabel("left", label)

    def reset(self) -> None:
        super().reset()
        self._frames.clear()                      # a reset plot ranges itself afresh
        self.scatter.setData([], [])
        for items in self._curves.values():
            for item in items:
                item.setData([], [])
        for cell in (self.recon_cell, self.prior_cell, self.trav1_cell):
            cell.image.reset()
        self.snap_arrays = None


# ---- generative adversarial network ---------------------------------------------------------
class GANView(DemoView):
    """Data | generated samples | D(x) with both / losses | D on real & fake | MMD."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.d_map", "arrays.fake", "arrays.p_density", "arrays.real", "arrays.rect",
             "history.d_fake",
             "history.d_real", "history.loss_d", "history.loss_g", "history.mmd", "history.step",
             "metrics.modes", "metrics.modes_total")

    TWO_LN2 = 2 * math.log(2.0)

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.real = DensityPlot("Data p(x)", legend="top-left")
        self.real.add_points("real", "real", DATA_COLOR, size=3.5, alpha=170)
        self.fake = DensityPlot("Generated G(z)", legend="top-left")
        self.fake.add_points("fake", "generated", MODEL_COLOR, size=3.5, alpha=190)
        self.dmap = DensityPlot("Discriminator D(x)", colormap="CET-D1A",
                                colorbar=True, colorbar_label="D(x): 0 fake … 1 real")
        self.dmap.add_points("real", "", DATA_COLOR, size=3.0, alpha=140)
        self.dmap.add_points("fake", "", "#000000", size=3.0, alpha=160)
        self.losses = Curve("Losses", "step", "", legend="top-right")
        self.losses.add_curve("loss_d", "L<sub>D</sub>", PALETTE[1])
        self.losses.add_curve("loss_g", "L<sub>G</sub>", PALETTE[0])
        self.losses.add_curve("two_ln2", "2 ln 2", FG, width=1.5,
                              style="dash")
        self.dvals = Curve("Discriminator output", "step", "⟨D⟩", y_range=(0.0, 1.02),
                               legend="bottom-right")
        self.dvals.add_curve("d_real", "real", DATA_COLOR)
        self.dvals.add_curve("d_fake", "fake", MODEL_COLOR)
        self.dvals.add_curve("half", "½", FG, width=1.5, style="dash")
        self.mmd = Curve("MMD² to the data", "step", "MMD² (data, generated)",
                             log_y=True, legend=None)
        self.mmd.add_curve("mmd", "MMD² (Gaussian kernels)", PALETTE[2], symbol="o",
                           symbol_size=4)
        rect = (-targets.BOX, -targets.BOX, 2 * targets.BOX, 2 * targets.BOX)
        for plot in (self.real, self.fake, self.dmap):
            plot.set_view(rect)
        _grid(self, [(self.real, 0, 0), (self.fake, 0, 1), (self.dmap, 0, 2),
                     (self.losses, 1, 0), (self.dvals, 1, 1), (self.mmd, 1, 2)])
        self.cfg = None
        self._preview: dict[str, np.ndarray] = {}
        self.rect = rect

    def plots(self) -> list:
        return [self.real, self.fake, self.dmap, self.losses, self.dvals, self.mmd]

    def config_changed(self, cfg) -> None:
        self.cfg = cfg
        if cfg.target not in self._preview:
            t = targets.gan_target(cfg.target)
            self._preview[cfg.target] = (t.density_grid(96),
                                         t.sample(PREVIEW_SAMPLES, np.random.default_rng(0)))
        p, x = self._preview[cfg.target]
        self.real.show_field(p, self.rect)
        self.real.set_points("real", x)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, h, m = snap.arrays, snap.history, snap.metrics
        rect = a["rect"]
        self.real.show_field(a["p_density"], rect)
        self.fake.show_field(a["p_density"], rect, levels=(0.0, 4 * _levels_of(
            a["p_density"])[1]))
        self.real.set_points("real", a["real"])
        self.dmap.set_points("real", a["real"])
        self.fake.set_points("fake", a["fake"])
        self.dmap.set_points("fake", a["fake"])
        self.dmap.show_field(a["d_map"], rect, levels=(0.0, 1.0))
        self.losses.show_history(h)
        _hline(self.losses, "two_ln2", h, self.TWO_LN2)
        self.dvals.show_history(h)
        _hline(self.dvals, "half", h, 0.5)
        self.mmd.show_history(h)
        if "modes" in m and "modes_total" in m:   # targets with modes only (else NaN, left out)
            self.fake.set_title(f"Generated: {int(m['modes'])}/{int(m['modes_total'])} modes")

    def reset(self) -> None:
        super().reset()
        self.fake.set_title("Generated G(z)")
        if self.cfg is not None:
            self.config_changed(self.cfg)
