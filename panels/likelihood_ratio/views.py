"""Views of the likelihood-ratio demos (seminar "Machine learning for the skeptical HEP
theorist"): a classifier learns p/q, the learned ratio as a Neyman-Pearson test statistic,
Deep Sets against an MLP on jets.

User input mid-run goes to the engine as an edit (engines.likelihood_ratio):
- ``ratio`` / ``neyman-pearson`` with the pair "painted": a left click or drag in the
  density plot paints p, the right button paints q; the view keeps every painted point and
  sends the whole list, Paint(which="p" | "q", points=(...)) (the engine
  replaces that density). Points painted with no live run are sent when the next run starts.
- ``deep-sets``: "Shuffle particles" sends Shuffle(): the test jets' particles are
  listed in a new random order; the Deep Sets output stays, the MLP's moves.
Views import only the numpy-only functionals module of the engines.
"""
from __future__ import annotations

import html
import re

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QStackedWidget, \
    QVBoxLayout, QWidget

from engines.config import ConfigError
from engines.likelihood_ratio.configs import Paint, Shuffle
from engines.likelihood_ratio.functionals import FUNCTIONALS
from engines.runtime import Snapshot
from panels.likelihood_ratio.plots import Curve, Image, PaintCurve, PaintImage
from workbench.demo_view import DemoView
from workbench.plots import FG, PALETTE, diverging_colormap

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BROWN, GREY = PALETTE
P_COLOR, Q_COLOR = BLUE, VERMILLION
#: Histogram bins of the sample densities and of T.
BINS = 48
#: log r beyond this is clipped before exp (the ratio axis is logarithmic).
LOG_CLIP = 60.0


def _g(v: float, digits: int = 3) -> str:
    return f"{v:.{digits}g}"


def rich(formula: str) -> str:
    """Engine formula text as Qt rich text: e^(…) and e^s as superscripts, HTML escaped."""
    text = html.escape(formula)
    text = re.sub(r"e\^\(([^()]*)\)", r"e<sup>\1</sup>", text)
    return re.sub(r"e\^(\w)", r"e<sup>\1</sup>", text)


def el_html(loss: str) -> str:
    """The Euler-Lagrange box of a loss functional."""
    fn = FUNCTIONALS[loss]
    return (f"<b>{html.escape(fn.title)}</b><br>"
            f"L[f] = ⟨A(f)⟩<sub>p</sub> + ⟨B(f)⟩<sub>q</sub>, "
            f"{rich(fn.A)}, {rich(fn.B)}, network output s: {rich(fn.link)}<br>"
            f"<b>Euler-Lagrange</b> δL/δf = 0: p A′(f) + q B′(f) = 0 ⇔ "
            f"A′(f)/B′(f) = −q/p<br>"
            f"here {rich(fn.condition)} ⇒ <b>{rich(fn.solution)}</b>, {rich(fn.ratio_from_f)}"
            f"<br>{rich(fn.at_optimum)}")


def step_hist(values: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A density histogram as a step line (x, y) over ``edges``."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    counts, _ = np.histogram(values, bins=edges, density=values.size > 0)
    x = np.repeat(edges, 2)
    y = np.concatenate([[0.0], np.repeat(counts, 2), [0.0]])
    return x, y


def _row(*widgets, stretch_last: bool = True) -> QWidget:
    box = QWidget()
    lay = QHBoxLayout(box)
    lay.setContentsMargins(4, 0, 4, 0)
    for i, w in enumerate(widgets):
        lay.addWidget(w, 1 if (stretch_last and i == len(widgets) - 1) else 0)
    return box


def _label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _grid(view: QWidget, top: QWidget | None, cells: list[list[QWidget]],
          bottom: QWidget | None = None) -> None:
    """Controls row, a grid of plots (rows x columns), an optional readout below."""
    lay = QVBoxLayout(view)
    lay.setContentsMargins(0, 0, 0, 0)
    if top is not None:
        lay.addWidget(top)
    body = QWidget()
    grid = QGridLayout(body)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(4)
    for r, row in enumerate(cells):
        for c, w in enumerate(row):
            grid.addWidget(w, r, c)
    lay.addWidget(body, 1)
    if bottom is not None:
        lay.addWidget(bottom)


def _stack(*widgets) -> QStackedWidget:
    s = QStackedWidget()
    for w in widgets:
        s.addWidget(w)
    return s


# ---- the learned ratio -----------------------------------------------------------------
class RatioView(DemoView):
    """Densities and samples (paintable), r true vs learned, the loss against its optimum,
    f against f*, learned vs true log r, and the Euler-Lagrange box (side widget)."""

    NEEDS = ("arrays.axis", "arrays.rect", "arrays.p_density", "arrays.q_density",
             "arrays.log_ratio_true", "arrays.log_ratio_learned", "arrays.f_learned",
             "arrays.f_optimal", "arrays.bulk", "arrays.samples_p", "arrays.samples_q",
             "arrays.scatter_true", "arrays.scatter_learned", "arrays.scatter_bulk",
             "metrics.eval_loss", "metrics.loss_optimal", "metrics.loss_optimal_mc",
             "metrics.loss_gap", "metrics.kl_exact", "metrics.kl_learned", "metrics.kl_mc")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.cfg = None
        self.paint: dict[str, np.ndarray] = {}
        self.paint_dim: int | None = None
        # densities: 1-d curves and sample histograms, 2-d image of p − q with samples
        self.dens1 = PaintCurve("p, q and samples", "x", "density",
                                legend="top-left")
        d = self.dens1
        d.add_curve("p", "p(x)", P_COLOR, width=2.6)
        d.add_curve("q", "q(x)", Q_COLOR, width=2.6)
        d.add_curve("hp", "p samples", P_COLOR, width=1.2, alpha=130, z=-1)
        d.add_curve("hq", "q samples", Q_COLOR, width=1.2, alpha=130, z=-1)
        d.legend.setColumnCount(2)
        d.add_scatter("paint_p", "", P_COLOR, size=7, alpha=230)
        d.add_scatter("paint_q", "", Q_COLOR, size=7, alpha=230)
        self.dens2 = PaintImage("p − q, samples", "x₁", "x₂", colormap=diverging_colormap(),
                                lock_aspect=True, legend="top-left")
        i2 = self.dens2
        i2.add_scatter("sp", "samples of p", "#08306B", size=3, alpha=150)
        i2.add_scatter("sq", "samples of q", "#67000D", size=3, alpha=150)
        i2.add_scatter("paint_p", "", P_COLOR, size=8, alpha=240, z=40)
        i2.add_scatter("paint_q", "", Q_COLOR, size=8, alpha=240, z=40)
        for plot in (self.dens1, self.dens2):
            plot.painted.connect(self.paint_points)
        # the ratio: 1-d on a log axis, 2-d as images of log r
        self.ratio1 = Curve("Ratio r = p/q", "x", "p(x)/q(x)", log_y=True,
                            legend="top-left")
        r = self.ratio1
        r.add_regions("bulk", GREY, alpha=45)
        r.add_curve("true", "true p/q", FG, width=2.0, style="dash", z=2)
        r.add_curve("learned", "learned r<sub>θ</sub>", GREEN, width=2.8)
        self.true2 = Image("log p/q (true)", "x₁", "x₂", colormap=diverging_colormap(),
                           lock_aspect=True, colorbar=True)
        self.learned2 = Image("log r<sub>θ</sub> (learned)", "x₁", "x₂", colormap=diverging_colormap(),
                              lock_aspect=True, colorbar=True)
        # f against f* (1-d) / the learned image (2-d)
        self.f1 = Curve("f against f*", "x", "f", legend="top-left")
        self.f1.add_regions("", GREY, alpha=45)
        self.f1.add_curve("f_opt", "f* (Euler-Lagrange)", FG, width=2.0, style="dash", z=2)
        self.f1.add_curve("f", "f (network)", PURPLE, width=2.6)
        # the loss over steps, learned vs true log r, the error on the bulk
        self.loss = Curve("Loss L[f]", "step", "L[f]", legend="top-right")
        self.loss.add_curve("loss", "training batch", SKY, width=1.2)
        self.loss.add_curve("eval_loss", "held-out", BLUE, width=2.6)
        self.loss.add_curve("optimum", "L[f*] exact", FG, width=1.8, style="dash", z=2)
        self.scatter = Curve("Learned log r", "true log p/q", "learned log r<sub>θ</sub>",
                             legend="top-left")
        s = self.scatter
        s.add_curve("diag", "r<sub>θ</sub> = r", FG, width=1.4, style="dash", z=-1)
        s.add_scatter("out", "outside the bulk", GREY, size=4, alpha=120)
        s.add_scatter("in", "bulk", GREEN, size=4, alpha=170)
        self.error = Curve("Error on the bulk", "step", "RMS(log r<sub>θ</sub> − log r)",
                           log_y=True, legend="top-right")
        self.error.add_curve("ratio_log_rmse", "RMS on the bulk", GREEN, width=2.4)
        self.slot_dens = _stack(self.dens1, self.dens2)
        self.slot_ratio = _stack(self.ratio1, self.true2)
        self.slot_f = _stack(self.f1, self.learned2)
        # controls: a paint hint and a clear button; the EL box as side widget
        self.hint = _label()
        self.clear_button = QPushButton("Clear painting")
        self.clear_button.setToolTip("Forget the painted points (the next run starts from "
                                     "the default blobs)")
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_button.clicked.connect(self.clear_paint)
        self.readout = _label()
        self.el_box = _label()
        self.el_box.setObjectName("el_box")
        self.el_box.setFrameShape(QLabel.Shape.StyledPanel)
        self.el_box.setMargin(6)
        self.build_layout()

    def build_layout(self) -> None:
        _grid(self, _row(self.clear_button, self.hint),
              [[self.slot_dens, self.slot_ratio, self.scatter],
               [self.loss, self.slot_f, self.error]], self.readout)

    def plots(self) -> list:
        return [self.dens1, self.dens2, self.ratio1, self.true2, self.learned2, self.f1,
                self.loss, self.scatter, self.error]

    def side_widget(self) -> QWidget | None:
        return self.el_box

    # ---- config ---------------------------------------------------------------------
    def attach(self, ctx) -> None:
        super().attach(ctx)
        try:
            self.config_changed(ctx.form_config())
        except ConfigError:
            pass

    def config_changed(self, cfg) -> None:
        self.cfg = cfg
        self.el_box.setText(el_html(cfg.loss))
        two = cfg.dim == 2
        for slot in (self.slot_dens, self.slot_ratio, self.slot_f):
            slot.setCurrentIndex(1 if two else 0)
        if self.paint_dim is not None and self.paint_dim != cfg.dim and self.paint:
            self.paint = {}
            if self.ctx is not None:
                self.ctx.message("The dimension changed: the painted points were dropped.")
        self.paint_dim = cfg.dim
        painting = cfg.pair == "painted"
        self.dens1.painting = self.dens2.painting = painting
        self.clear_button.setVisible(painting)
        tip = ("Left click or drag: paint p · right click or drag: paint q"
               if painting else "")
        self.dens1.setToolTip(tip)
        self.dens2.setToolTip(tip)
        self.hint.setText(
            "<b>Paint</b> in the density plot: left button → p, right button → q "
            f"(blobs of width σ = {cfg.paint_sigma:g}; each paint replaces the default "
            "blobs of that density, also while the run trains)." if painting else
            "Choose the density pair <i>painted</i> to draw your own p and q.")
        self.show_paint()

    # ---- painting -------------------------------------------------------------------
    def paint_points(self, points, which: str) -> bool:
        ctx = self.ctx
        if ctx is None:
            return False
        cfg = ctx.run_config if ctx.live and ctx.run_config is not None else self.cfg
        if cfg is None or cfg.pair != "painted":
            ctx.message("Painting needs the density pair 'painted': choose it in the "
                        "settings and start a new run.", error=True)
            return False
        pts = np.asarray(points, dtype=float)
        pts = pts.reshape(-1, 1) if cfg.dim == 1 else pts.reshape(-1, 2)
        inside = np.isfinite(pts).all(axis=1) & (np.abs(pts) <= 4.0).all(axis=1)
        pts = pts[inside]
        if len(pts) == 0:
            ctx.message("Paint inside the plotted range (|x| ≤ 4).", error=True)
            return False
        old = self.paint.get(which)
        self.paint[which] = pts if old is None else np.concatenate([old, pts])[-2000:]
        self.show_paint()
        if ctx.send_edit(self.paint_edit(which, cfg.dim)):
            ctx.message(f"Painted {len(self.paint[which])} points of {which}: the network "
                        f"now learns the new p/q.")
        else:
            ctx.message(f"Painted {len(self.paint[which])} points of {which}; the next run "
                        f"(Start) uses them.")
        return True

    def paint_edit(self, which: str, dim: int) -> Paint:
        pts = self.paint[which]
        return Paint(which=which, points=tuple(pts[:, 0].tolist()) if dim == 1
                     else tuple(map(tuple, pts.tolist())))

    def clear_paint(self) -> None:
        self.paint = {}
        self.show_paint()
        if self.ctx is not None:
            self.ctx.message("Painting cleared: the next run starts from the default blobs.")

    def show_paint(self) -> None:
        for which in ("p", "q"):
            pts = self.paint.get(which)
            if pts is None or self.cfg is None or self.cfg.pair != "painted":
                self.dens1.set_scatter(f"paint_{which}", [], [])
                self.dens2.set_scatter(f"paint_{which}", [], [])
            elif pts.shape[1] == 1:
                self.dens1.set_scatter(f"paint_{which}", pts[:, 0], np.zeros(len(pts)))
            else:
                self.dens2.set_scatter(f"paint_{which}", pts[:, 0], pts[:, 1])

    def run_started(self, cfg) -> None:
        self.cfg = cfg
        if cfg.pair == "painted" and self.paint_dim == cfg.dim:
            for which in list(self.paint):
                self.ctx.send_edit(self.paint_edit(which, cfg.dim))

    def session_loaded(self, snap) -> None:
        dim = 1 if snap.arrays["axis"].shape == snap.arrays["p_density"].shape else 2
        self.paint = {}
        for which in ("p", "q"):
            key = f"painted_{which}"
            if key in snap.arrays:
                self.paint[which] = np.asarray(snap.arrays[key], float).reshape(-1, dim)
        self.paint_dim = dim
        self.show_paint()

    # ---- drawing --------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        self.show_densities(a)
        if a["p_density"].ndim == 1:
            self.show_1d(a)
        else:
            self.show_2d(a)
        self.show_scatter(a)
        self.show_loss(snap)
        self.error.show_history(snap.history)
        self.readout.setText(self.readout_html(m))

    def show_densities(self, a) -> None:
        """The density plot: 1-d curves and sample histograms, 2-d p − q with samples."""
        one = a["p_density"].ndim == 1
        self.slot_dens.setCurrentIndex(0 if one else 1)
        dim = 1 if one else 2
        for key in ("p", "q"):
            if f"painted_{key}" in a and key not in self.paint:
                self.paint[key] = np.asarray(a[f"painted_{key}"], float).reshape(-1, dim)
        if one:
            x = a["axis"]
            d = self.dens1
            d.set_curve("p", x, a["p_density"])
            d.set_curve("q", x, a["q_density"])
            h = x[1] - x[0]
            edges = np.linspace(x[0] - h / 2, x[-1] + h / 2, BINS * 2 + 1)
            d.set_curve("hp", *step_hist(a["samples_p"], edges))
            d.set_curve("hq", *step_hist(a["samples_q"], edges))
            top = float(max(a["p_density"].max(), a["q_density"].max()))
            d.plotItem.setYRange(-0.03 * top, 1.45 * top, padding=0.0)
            d.plotItem.setXRange(x[0], x[-1], padding=0.0)
        else:
            diff = a["p_density"] - a["q_density"]
            top = float(np.nanmax(np.abs(diff))) or 1.0
            self.dens2.show_field(diff, a["rect"], (-top, top))
            self.dens2.set_scatter("sp", a["samples_p"][:, 0], a["samples_p"][:, 1])
            self.dens2.set_scatter("sq", a["samples_q"][:, 0], a["samples_q"][:, 1])
        self.show_paint()

    def show_1d(self, a) -> None:
        x, bulk = a["axis"], a["bulk"]
        for slot in (self.slot_ratio, self.slot_f):
            slot.setCurrentIndex(0)
        true = np.clip(a["log_ratio_true"], -LOG_CLIP, LOG_CLIP)
        learned = np.clip(a["log_ratio_learned"], -LOG_CLIP, LOG_CLIP)
        r = self.ratio1
        r.set_regions(x, bulk)
        r.set_curve("true", x, np.exp(true))
        r.set_curve("learned", x, np.exp(learned))
        inside = (bulk > 0.5) & np.isfinite(true)
        ref = true[inside] if inside.any() else true[np.isfinite(true)]
        if ref.size:
            lo, hi = float(ref.min()), float(ref.max())
            span = max(hi - lo, 1.0)
            # decades: the bulk with room above for the legend
            r.plotItem.setYRange((lo - 0.3 * span) / np.log(10), (hi + 0.6 * span) / np.log(10),
                                 padding=0.0)
        r.plotItem.setXRange(x[0], x[-1], padding=0.0)
        f = self.f1
        f.set_regions(x, bulk)
        f.set_curve("f_opt", x, a["f_optimal"])
        f.set_curve("f", x, a["f_learned"])
        fo = a["f_optimal"][inside] if inside.any() else a["f_optimal"]
        fo = fo[np.isfinite(fo)]
        if fo.size:
            lo, hi = float(fo.min()), float(fo.max())
            span = max(hi - lo, 0.1)
            f.plotItem.setYRange(lo - 0.15 * span, hi + 0.5 * span, padding=0.0)
        f.plotItem.setXRange(x[0], x[-1], padding=0.0)

    def show_2d(self, a) -> None:
        for slot in (self.slot_ratio, self.slot_f):
            slot.setCurrentIndex(1)
        rect = a["rect"]
        true = a["log_ratio_true"]
        inside = (a["bulk"] > 0.5) & np.isfinite(true)
        ref = np.abs(true[inside]) if inside.any() else np.abs(true[np.isfinite(true)])
        lim = float(ref.max()) if ref.size else 1.0
        lim = max(lim, 0.5)
        self.true2.show_field(np.clip(true, -lim, lim), rect, (-lim, lim))
        self.learned2.show_field(np.clip(a["log_ratio_learned"], -lim, lim), rect, (-lim, lim))

    def show_scatter(self, a) -> None:
        t, l, b = a["scatter_true"], a["scatter_learned"], a["scatter_bulk"] > 0.5
        s = self.scatter
        s.set_scatter("in", t[b], l[b])
        s.set_scatter("out", t[~b], l[~b])
        ok = np.isfinite(t)
        if ok.any():
            ref = t[ok & b] if (ok & b).any() else t[ok]
            lo, hi = float(ref.min()), float(ref.max())
            span = max(hi - lo, 1.0)
            lo, hi = lo - 0.15 * span, hi + 0.15 * span
            s.set_curve("diag", [lo, hi], [lo, hi])
            s.plotItem.setXRange(lo, hi, padding=0.0)
            s.plotItem.setYRange(lo, hi + 0.3 * span, padding=0.0)

    def show_loss(self, snap: Snapshot) -> None:
        self.loss.show_history(snap.history)
        steps = snap.history.get("step")
        end = float(max(snap.step, 1 if steps is None or not len(steps) else steps[-1]))
        opt = snap.metrics["loss_optimal"]
        self.loss.set_curve("optimum", [0.0, end], [opt, opt])

    def readout_html(self, m: dict) -> str:
        rmse = m.get("ratio_log_rmse")
        gap = m["loss_gap"]
        return (f"Held-out L[f] = <b>{_g(m['eval_loss'])}</b> · optimum L[f*] = "
                f"<b>{_g(m['loss_optimal'])}</b> (exact integral), "
                f"{_g(m['loss_optimal_mc'])} (sum over the held-out samples) · gap "
                f"<b>{gap:+.2g}</b> · RMS of log r<sub>θ</sub> − log r on the bulk = "
                f"<b>{_g(rmse) if rmse is not None else '–'}</b> · KL(p‖q) = "
                f"<b>{_g(m['kl_exact'])}</b> exact, {_g(m['kl_mc'])} as ⟨log r⟩<sub>p</sub>"
                f" over samples, {_g(m['kl_learned'])} with r<sub>θ</sub>")


# ---- Neyman-Pearson -------------------------------------------------------------------
class NeymanPearsonView(RatioView):
    """ROC learned vs optimal, distributions of T = Σ log r, power against N, the densities
    (paintable as in ``ratio``), learned vs true log r, the AUC and power over steps."""

    NEEDS = RatioView.NEEDS + (
        "metrics.auc", "metrics.auc_optimal", "metrics.auc_optimal_mc", "metrics.threshold",
        "metrics.power", "metrics.threshold_optimal", "metrics.power_optimal",
        "metrics.norm_mc", "metrics.norm_learned",
        "arrays.t_p_learned", "arrays.t_q_learned", "arrays.t_p_true", "arrays.t_q_true",
        "arrays.roc_fpr", "arrays.roc_tpr", "arrays.roc_true_fpr", "arrays.roc_true_tpr",
        "arrays.roc_optimal_fpr", "arrays.roc_optimal_tpr", "arrays.power_n",
        "arrays.power_learned", "arrays.power_true", "arrays.power_exact")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)

    def build_layout(self) -> None:
        self.roc = Curve("ROC", "false-positive rate (q)",
                         "true-positive rate (p)", legend="bottom-right")
        c = self.roc
        c.add_curve("chance", "chance", GREY, width=1.2, style="dot", z=-2)
        c.add_curve("optimal", "optimal (exact)", FG, width=2.0, style="dash", z=2)
        c.add_curve("true", "true r (samples)", ORANGE, width=1.6)
        c.add_curve("learned", "learned r<sub>θ</sub>", GREEN, width=2.8, z=1)
        c.set_curve("chance", [0, 1], [0, 1])
        c.plotItem.setXRange(0, 1, padding=0.02)
        c.plotItem.setYRange(0, 1, padding=0.02)
        self.tdist = Curve("T = Σ<sub>i≤N</sub> log r(x<sub>i</sub>)", "T", "density", legend="top-left")
        t = self.tdist
        t.add_curve("tq_true", "q, true r", Q_COLOR, width=1.4, style="dash", z=-1)
        t.add_curve("tp_true", "p, true r", P_COLOR, width=1.4, style="dash", z=-1)
        t.add_curve("tq", "q, learned r<sub>θ</sub>", Q_COLOR, width=2.4)
        t.add_curve("tp", "p, learned r<sub>θ</sub>", P_COLOR, width=2.4)
        t.add_curve("cut", "cut at size α", FG, width=1.6, style="dot", z=2)
        t.legend.setColumnCount(2)
        self.power = Curve("Power at α", "events N", "power 1 − β",
                           legend="bottom-right")
        self.power.plotItem.setLogMode(x=True, y=False)
        pw = self.power
        pw.add_curve("exact", "exact (equal widths)", FG, width=2.0, style="dash", z=2)
        pw.add_curve("true", "true r (samples)", ORANGE, width=2.0, symbol="o", symbol_size=5)
        pw.add_curve("learned", "learned r<sub>θ</sub>", GREEN, width=2.6, symbol="o", symbol_size=6, z=1)
        pw.plotItem.setYRange(0, 1.05, padding=0.0)
        self.auc = Curve("AUC and power", "step", "", legend="bottom-right")
        a = self.auc
        a.add_curve("auc", "AUC of r<sub>θ</sub>", GREEN, width=2.4)
        a.add_curve("auc_optimal", "optimal AUC", FG, width=1.6, style="dash")
        a.add_curve("power", "power of r<sub>θ</sub>", PURPLE, width=2.4)
        a.add_curve("power_optimal", "power of r", GREY, width=1.6, style="dash")
        _grid(self, _row(self.clear_button, self.hint),
              [[self.roc, self.tdist, self.power],
               [self.slot_dens, self.scatter, self.auc]], self.readout)

    def plots(self) -> list:
        return [self.roc, self.tdist, self.power, self.dens1, self.dens2, self.scatter,
                self.auc]

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        c = self.roc
        c.set_curve("optimal", a["roc_optimal_fpr"], a["roc_optimal_tpr"])
        c.set_curve("true", a["roc_true_fpr"], a["roc_true_tpr"])
        c.set_curve("learned", a["roc_fpr"], a["roc_tpr"])
        values = np.concatenate([a["t_p_learned"], a["t_q_learned"], a["t_p_true"],
                                 a["t_q_true"]])
        values = values[np.isfinite(values)]
        if values.size:
            lo, hi = np.quantile(values, [0.002, 0.998])
            hi = hi if hi > lo else lo + 1.0
            edges = np.linspace(lo, hi, BINS + 1)
            t = self.tdist
            t.set_curve("tp", *step_hist(a["t_p_learned"], edges))
            t.set_curve("tq", *step_hist(a["t_q_learned"], edges))
            t.set_curve("tp_true", *step_hist(a["t_p_true"], edges))
            t.set_curve("tq_true", *step_hist(a["t_q_true"], edges))
            top = max(float(t.curve(k).yData.max()) if t.curve(k).yData is not None
                      and len(t.curve(k).yData) else 0.0 for k in ("tp", "tq", "tp_true",
                                                                   "tq_true"))
            top = top if top > 0 else 1.0
            t.set_curve("cut", [m["threshold"]] * 2, [0.0, 1.1 * top])
            t.plotItem.setYRange(0, 1.9 * top, padding=0.0)
            t.plotItem.setXRange(lo, hi, padding=0.02)
        pw = self.power
        pw.set_curve("exact", a["power_n"], a["power_exact"])
        pw.set_curve("true", a["power_n"], a["power_true"])
        pw.set_curve("learned", a["power_n"], a["power_learned"])
        self.show_densities(a)
        self.show_scatter(a)
        self.auc.show_history(snap.history)
        self.readout.setText(self.np_html(m))

    def np_html(self, m: dict) -> str:
        cfg = self.cfg
        n = f"N = {cfg.n_events}, α = {cfg.size:g}: " if cfg is not None else ""
        exact = m.get("power_optimal_exact")
        exact_txt = f", exact {_g(exact)}" if exact is not None else ""
        return (f"AUC of r<sub>θ</sub> = <b>{_g(m['auc'])}</b> · optimal AUC = <b>{_g(m['auc_optimal'])}"
                f"</b> exact, {_g(m['auc_optimal_mc'])} over samples · {n}power of r<sub>θ</sub> = "
                f"<b>{_g(m['power'])}</b> (cut T > {_g(m['threshold'])}), of the true r "
                f"<b>{_g(m['power_optimal'])}</b>{exact_txt}<br>"
                f"⟨r⟩<sub>q</sub> = ∫ p = 1: sum over samples of q with the true r "
                f"<b>{_g(m['norm_mc'])}</b>, with r<sub>θ</sub> <b>{_g(m['norm_learned'])}</b> · "
                f"held-out L[f] = {_g(m['eval_loss'])} against L[f*] = "
                f"{_g(m['loss_optimal'])} · KL(p‖q) = {_g(m['kl_exact'])}")


# ---- Deep Sets ------------------------------------------------------------------------
class DeepSetsView(DemoView):
    """Accuracy and loss of both nets, their ROC, output before vs after a shuffle, the
    latent Σ Φ, and one quark and one gluon jet."""

    NEEDS = ("metrics.accuracy_deepsets", "metrics.accuracy_mlp", "metrics.auc_deepsets",
             "metrics.auc_mlp", "metrics.shuffle_change", "metrics.shuffle_change_deepsets",
             "metrics.shuffle_change_max_mlp", "metrics.shuffle_change_max_deepsets",
             "metrics.shuffles",
             "arrays.roc_fpr_deepsets", "arrays.roc_tpr_deepsets", "arrays.roc_fpr_mlp",
             "arrays.roc_tpr_mlp", "arrays.prob_deepsets", "arrays.prob_shuffled_deepsets",
             "arrays.prob_mlp", "arrays.prob_shuffled_mlp", "arrays.latent_2d",
             "arrays.latent_label", "arrays.example_quark", "arrays.example_gluon")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.train = Curve("Training", "step", "",
                           legend="top-left", y_range=(0.0, 1.3))
        t = self.train
        t.add_curve("accuracy_deepsets", "accuracy, Deep Sets", GREEN, width=2.6)
        t.add_curve("accuracy_mlp", "accuracy, MLP", PURPLE, width=2.6)
        t.add_curve("loss_deepsets", "loss, Deep Sets", GREEN, width=1.2, style="dash", z=-1)
        t.add_curve("loss_mlp", "loss, MLP", PURPLE, width=1.2, style="dash", z=-1)
        t.legend.setColumnCount(2)
        self.roc = Curve("ROC", "gluon efficiency (false positive)",
                         "quark efficiency", legend="bottom-right")
        r = self.roc
        r.add_curve("chance", "chance", GREY, width=1.2, style="dot", z=-2)
        r.add_curve("deepsets", "Deep Sets", GREEN, width=2.6)
        r.add_curve("mlp", "MLP (padded list)", PURPLE, width=2.2)
        r.set_curve("chance", [0, 1], [0, 1])
        r.plotItem.setXRange(0, 1, padding=0.02)
        r.plotItem.setYRange(0, 1, padding=0.02)
        self.shuffle_plot = Curve("Shuffled input", "P(quark), original order",
                                  "P(quark), shuffled", legend="top-left")
        s = self.shuffle_plot
        s.add_curve("diag", "unchanged", FG, width=1.2, style="dash", z=-1)
        s.set_curve("diag", [0, 1], [0, 1])
        s.add_scatter("mlp", "MLP", PURPLE, size=7, alpha=190)
        s.add_scatter("deepsets", "Deep Sets", GREEN, size=7, alpha=220, z=31)
        s.plotItem.setXRange(0, 1, padding=0.03)
        s.plotItem.setYRange(0, 1.45, padding=0.0)
        s.legend.setColumnCount(2)
        self.latent = Curve("Latent Σ<sub>i</sub> Φ(p<sub>i</sub>)",
                            "axis 1", "axis 2", legend="bottom-right")
        self.latent.add_scatter("gluon", "gluon jets", ORANGE, size=4, alpha=150)
        self.latent.add_scatter("quark", "quark jets", BLUE, size=4, alpha=150)
        self.jets = {}
        for name, color in (("quark", BLUE), ("gluon", ORANGE)):
            plot = Curve(f"{name.capitalize()} jet", "η / R", "φ / R", legend=None)
            plot.add_scatter("jet", "", color, size=8, alpha=200)
            plot.plotItem.setXRange(-1.6, 1.6, padding=0.0)
            plot.plotItem.setYRange(-1.6, 1.6, padding=0.0)
            plot.plotItem.setAspectLocked(True)
            self.jets[name] = plot
        self.button = QPushButton("Shuffle particles")
        self.button.setToolTip("List every test jet's particles in a new random order "
                               "(the networks are not retrained)")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.shuffle)
        self.hint = _label()
        self.hint.setText("Deep Sets F(Σ<sub>i</sub> Φ(p<sub>i</sub>)) cannot see the order "
                          "of the particles; the MLP on the p<sub>T</sub>-ordered, padded "
                          "list can. Shuffle mid-run and watch the right-hand scatter.")
        self.readout = _label()
        _grid(self, _row(self.button, self.hint),
              [[self.train, self.roc, self.shuffle_plot],
               [self.latent, self.jets["quark"], self.jets["gluon"]]], self.readout)

    def plots(self) -> list:
        return [self.train, self.roc, self.shuffle_plot, self.latent, self.jets["quark"],
                self.jets["gluon"]]

    def shuffle(self) -> bool:
        if self.ctx is None:
            return False
        if self.ctx.send_edit(Shuffle()):
            self.ctx.message("Particles shuffled: the test jets are listed in a new order.")
            return True
        self.ctx.message("Start a run first: shuffling re-orders the test jets of a running "
                         "(or paused) run.", error=True)
        return False

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        self.train.show_history(snap.history)
        self.roc.set_curve("deepsets", a["roc_fpr_deepsets"], a["roc_tpr_deepsets"])
        self.roc.set_curve("mlp", a["roc_fpr_mlp"], a["roc_tpr_mlp"])
        s = self.shuffle_plot
        s.set_scatter("deepsets", a["prob_deepsets"], a["prob_shuffled_deepsets"])
        s.set_scatter("mlp", a["prob_mlp"], a["prob_shuffled_mlp"])
        z, lab = a["latent_2d"], a["latent_label"] > 0.5
        self.latent.set_scatter("quark", z[lab, 0], z[lab, 1])
        self.latent.set_scatter("gluon", z[~lab, 0], z[~lab, 1])
        for name in ("quark", "gluon"):
            jet = a[f"example_{name}"]
            zz = jet[:, 0]
            self.jets[name].set_scatter("jet", jet[:, 1], jet[:, 2], 4.0 + 40.0 * np.sqrt(zz))
        self.readout.setText(
            f"Accuracy: Deep Sets <b>{_g(m['accuracy_deepsets'])}</b>, MLP "
            f"<b>{_g(m['accuracy_mlp'])}</b> · AUC: Deep Sets <b>{_g(m['auc_deepsets'])}"
            f"</b>, MLP <b>{_g(m['auc_mlp'])}</b> · shuffles: <b>{int(m['shuffles'])}</b> · "
            f"mean |ΔP(quark)| under the shuffle: MLP <b>{_g(m['shuffle_change'])}</b> "
            f"(max {_g(m['shuffle_change_max_mlp'])}), Deep Sets "
            f"<b>{_g(m['shuffle_change_deepsets'], 2)}</b> (max "
            f"{_g(m['shuffle_change_max_deepsets'], 2)})")
