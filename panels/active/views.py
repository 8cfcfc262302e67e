"""Views of the active-learning demos (lecture chapter 10).

- PoolView: the decision map with the labelled points and the next query, the acquisition
  score as a heatmap, learning curves (accuracy vs labels, mean ± spread over seeds) of
  every strategy run. A left click on the map labels the nearest unlabelled pool point by
  hand (the edit Label(point=(x, y))); the "Oracle" selector lets the user
  give the label too.
- CommitteeView: the 1-d function, the ensemble, its disagreement band and the next query;
  random queries and a GP's posterior variance for comparison (rmse curves).
- DesignView: the posterior over (ω, γ), the EIG map over designs (q(0), dq/dt(0)), the
  trajectory of the next experiment, posterior entropy adaptive vs random.
- GPDesignView: two different true functions measured at the same sites (1-d curves or
  2-d images), the gain map and the gain per measurement.

Views import no torch; every plot item is made once in ``__init__``.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QStackedWidget,
                               QVBoxLayout, QWidget)

from engines.active.configs import STRATEGIES, Label
from engines.runtime import Snapshot
from panels.bayes.plots import BayesPlot
from workbench import runner as states
from workbench.demo_view import DemoView
from workbench.plots import PALETTE, ImagePlot, shared_brush, shared_brushes, shared_pen

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BROWN, GREY = PALETTE
#: Class colours (MNIST has ten classes; the palette eight).
CLASS_COLORS = PALETTE[:7] + ("#F0E442", "#17BECF", "#444444")
STRATEGY_COLORS = {"random": GREY, "entropy": BLUE, "least_confident": GREEN,
                   "margin": ORANGE, "committee": PURPLE}
STRATEGY_NAMES = {"random": "random", "entropy": "max entropy",
                  "least_confident": "least confident", "margin": "margin",
                  "committee": "committee"}


def _g(value: float) -> str:
    return f"{value:.3g}"


def _rgb(color: str) -> np.ndarray:
    c = pg.mkColor(color)
    return np.array([c.red(), c.green(), c.blue()], dtype=float)


def _label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _scatter(plot, z: float = 40) -> pg.ScatterPlotItem:
    item = pg.ScatterPlotItem([], [], pxMode=True)
    item.setZValue(z)
    plot.plotItem.addItem(item, ignoreBounds=True)
    return item


def _grid(*rows) -> QWidget:
    """Plots in a grid: each row a list of (widget, column span)."""
    w = QWidget()
    grid = QGridLayout(w)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(4)
    for r, row in enumerate(rows):
        col = 0
        for widget, span in row:
            widget.setMinimumSize(140, 120)     # the grid must not outgrow the window
            grid.addWidget(widget, r, col, 1, span)
            col += span
        grid.setRowStretch(r, 1)
    for c in range(max(sum(s for _, s in row) for row in rows)):
        grid.setColumnStretch(c, 1)
    return w


class _ActiveView(DemoView):
    """A thin controls row on top, the plots, a readout line below."""

    HINT = ""

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.controls = QHBoxLayout()
        self.controls.setContentsMargins(4, 0, 4, 0)
        self.hint = QLabel(self.HINT)
        self.hint.setWordWrap(True)
        self.controls.addWidget(self.hint, 1)
        self.readout = _label()
        self.readout.setMinimumHeight(36)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addLayout(self.controls)

    def set_body(self, widget: QWidget) -> None:
        self._layout.addWidget(widget, 1)
        self._layout.addWidget(self.readout)

    def reset(self) -> None:
        super().reset()
        self.readout.clear()


# ---- pool-based active learning -------------------------------------------------------------
class PoolView(_ActiveView):
    NEEDS = ("metrics.accuracy", "metrics.labels", "metrics.hand_labels",
             "metrics.next_query", "arrays.pool_xy", "arrays.pool_true",
             "arrays.pool_label", "arrays.pool_score", "arrays.pool_pred",
             "arrays.query_order", "arrays.curve_labels", "arrays.map_class",
             "arrays.map_confidence", "arrays.map_score", "arrays.map_extent")
    HINT = ("Left click on the map: label the nearest unlabelled pool point by hand "
            "(it becomes the next query).")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.oracle = QComboBox()
        self.oracle.setToolTip("Who answers a clicked query: the true label, or you "
                               "(a chosen class, possibly wrong)")
        self.oracle.addItem("Oracle: true label", None)
        self.controls.insertWidget(0, self.oracle)
        self.classes = 0
        self.has_map = True
        self.map = ImagePlot("Decision map P<sub>θ</sub>(ℓ|x), labelled points",
                             "x<sub>1</sub>", "x<sub>2</sub>", lock_aspect=False)
        self.map.plotItem.setMouseEnabled(x=False, y=False)
        self.map.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.map.scene().sigMouseClicked.connect(self._on_click)
        self.map_pool = _scatter(self.map, 40)
        self.map_labelled = _scatter(self.map, 42)
        self.map_next = _scatter(self.map, 44)
        self.score = ImagePlot("Acquisition score", "x<sub>1</sub>", "x<sub>2</sub>",
                               colormap="viridis", colorbar=True, lock_aspect=False)
        self.score_pool = _scatter(self.score, 40)
        self.score_next = _scatter(self.score, 44)
        self.curves = BayesPlot("Test accuracy vs labels (mean ± spread)", "labels",
                                "accuracy", legend="bottom-right", ghost_x=None)
        for s in STRATEGIES:
            color = STRATEGY_COLORS[s]
            self.curves.add_band(f"band_{s}", "", color, alpha=45, z=-5)
            self.curves.add_curve(f"mean_{s}", STRATEGY_NAMES[s], color, width=2.6)
        self.set_body(_grid([(self.map, 1), (self.score, 1)], [(self.curves, 2)]))

    def plots(self) -> list:
        return [self.map, self.score, self.curves]

    # -- clicks: the user labels a pool point -------------------------------------------
    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.map.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        event.accept()
        p = vb.mapSceneToView(event.scenePos())
        self.label_point(float(p.x()), float(p.y()))

    def label_point(self, x: float, y: float) -> bool:
        ctx = self.ctx
        if ctx is None or not ctx.current:
            return False
        if ctx.state == states.STOPPING:
            ctx.message("The run is stopping; try again in a moment.", error=True)
            return False
        label = self.oracle.currentData()
        change = Label(point=(x, y), label=None if label is None else int(label))
        if not ctx.live:
            if not ctx.start(paused=True):
                return False
            ctx.send_edit(change)
            ctx.message("Started a paused run with your query; press Resume (Space) or "
                        "Step to label it.")
            return True
        ctx.send_edit(change)
        who = "the true label" if label is None else f"your label {label}"
        ctx.message(f"Next query: the pool point nearest ({x:.2f}, {y:.2f}), answered with "
                    f"{who}.")
        return True

    def _set_classes(self, n: int) -> None:
        if n == self.classes:
            return
        self.classes = n
        keep = self.oracle.currentData()
        self.oracle.blockSignals(True)
        while self.oracle.count() > 1:
            self.oracle.removeItem(1)
        for c in range(n):
            self.oracle.addItem(f"Oracle: you say class {c}", c)
        index = self.oracle.findData(keep) if keep is not None else 0
        self.oracle.setCurrentIndex(max(0, index))
        self.oracle.blockSignals(False)

    # -- drawing ----------------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        xy, true, lab = a["pool_xy"], a["pool_true"].astype(int), a["pool_label"]
        n_cls = max(int(true.max(initial=0)) + 1, 2)
        self._set_classes(n_cls)
        colors = np.array([_rgb(CLASS_COLORS[c % len(CLASS_COLORS)]) for c in range(n_cls)])
        mc, conf, score, ext = (a["map_class"], a["map_confidence"], a["map_score"],
                                a["map_extent"])
        if mc.size:
            rect = (ext[0], ext[2], ext[1] - ext[0], ext[3] - ext[2])
            # class colour, faded to white where the model is unsure
            alpha = np.clip((conf - 1.0 / n_cls) / (1.0 - 1.0 / n_cls), 0.0, 1.0)
            alpha = (0.12 + 0.5 * alpha)[..., None]
            rgb = colors[mc.astype(int)] * alpha + 255.0 * (1.0 - alpha)
            rgba = np.concatenate([rgb, np.full(mc.shape + (1,), 255.0)], axis=-1)
            self.map.set_image(rgba.astype(np.ubyte), rect=rect)
            finite = score[np.isfinite(score)]
            hi = float(finite.max()) if finite.size else 1.0
            lo = float(finite.min()) if finite.size else 0.0
            self.score.set_image(np.nan_to_num(score, nan=lo), rect=rect,
                                 levels=(lo, hi if hi > lo else lo + 1e-9))
        else:                    # MNIST: only the pool on its first two principal components
            for plot in (self.map, self.score):
                if plot.image() is not None:
                    plot.reset()
                lo, hi = xy.min(axis=0), xy.max(axis=0)
                pad = 0.05 * (hi - lo + 1e-9)
                plot.plotItem.setRange(xRange=(lo[0] - pad[0], hi[0] + pad[0]),
                                       yRange=(lo[1] - pad[1], hi[1] + pad[1]), padding=0)
        free = lab < 0
        pred = a["pool_pred"].astype(int)
        brushes = [shared_brush(*map(int, colors[c]), 150) for c in pred[free]]
        self.map_pool.setData(xy[free, 0], xy[free, 1], size=5, brush=brushes,
                              pen=shared_pen(None), symbol="o")
        done = ~free
        lab_brushes = [shared_brush(*map(int, colors[int(c) % n_cls])) for c in lab[done]]
        self.map_labelled.setData(xy[done, 0], xy[done, 1], size=12, brush=lab_brushes,
                                  pen=shared_pen("#000000", 1.5), symbol="s")
        nxt = int(m["next_query"])
        pts = ([xy[nxt, 0]], [xy[nxt, 1]]) if nxt >= 0 else ([], [])
        for item in (self.map_next, self.score_next):
            item.setData(*pts, size=22, symbol="star", brush=shared_brush(255, 255, 255),
                         pen=shared_pen("#000000", 1.8))
        s = a["pool_score"]
        ok = np.isfinite(s)
        if mc.size:
            self.score_pool.setData(xy[ok, 0], xy[ok, 1], size=4, symbol="o",
                                    brush=shared_brush(255, 255, 255, 110), pen=shared_pen(None))
        else:                    # no map: the pool points themselves carry the score
            lo = float(s[ok].min()) if ok.any() else 0.0
            hi = float(s[ok].max()) if ok.any() else 1.0
            hi = hi if hi > lo else lo + 1e-9
            rgba = self.score.colormap.map((s[ok] - lo) / (hi - lo), mode="byte")
            self.score_pool.setData(xy[ok, 0], xy[ok, 1], size=7, symbol="o",
                                    brush=shared_brushes(rgba), pen=shared_pen(None))
            if self.score.colorbar is not None:
                self.score.colorbar.setLevels((lo, hi))
        self._set_mode(bool(mc.size))
        labels = a["curve_labels"]
        shown = []
        for st in STRATEGIES:
            key = f"curve_{st}_mean"
            if key in a:                          # only the strategies this run compares
                mean, std = a[key], a[f"curve_{st}_std"]
                self.curves.set_curve(f"mean_{st}", labels, mean)
                self.curves.set_band(f"band_{st}", labels, mean - std, mean + std)
                self.curves.set_curve_enabled(f"mean_{st}", True)
                target = m.get(f"labels_to_target_{st}")
                shown.append(f"{STRATEGY_NAMES[st]} "
                             + (f"<b>{target:.0f}</b>" if target is not None and np.isfinite(
                                 target) else "–"))
            else:
                self.curves.set_curve(f"mean_{st}", [], [])
                self.curves.set_band(f"band_{st}", [], [], [])
                self.curves.set_curve_enabled(f"mean_{st}", False)
        who = "random (next pick drawn when asked)" if nxt < 0 else f"pool point {nxt}"
        self.readout.setText(
            f"labels <b>{int(m['labels'])}</b> (by hand {int(m['hand_labels'])}) · test "
            f"accuracy of the shown learner <b>{m['accuracy']:.3f}</b> · next query: {who}"
            f"<br>labels to reach the target accuracy (mean over seeds): "
            + (" · ".join(shown) or "–"))

    def _set_mode(self, has_map: bool) -> None:
        """2-d sets: the decision map; digits: the pool on two principal components."""
        if has_map == self.has_map:
            return
        self.has_map = has_map
        if has_map:
            self.map.set_title("Decision map P<sub>θ</sub>(ℓ|x), labelled points")
            self.score.set_title("Acquisition score")
        else:
            self.map.set_title("Pool on PC 1, PC 2: predicted class")
            self.score.set_title("Acquisition score of the pool")

    def run_started(self, cfg) -> None:
        self.curves.plotItem.setYRange(0.0, 1.02, padding=0.0)


# ---- committee regression -------------------------------------------------------------------
class CommitteeView(_ActiveView):
    NEEDS = ("metrics.labels", "metrics.rmse_committee", "metrics.rmse_random",
             "metrics.rmse_gp", "metrics.max_disagreement", "metrics.next_query_x",
             "arrays.x", "arrays.truth", "arrays.members", "arrays.mean",
             "arrays.disagreement", "arrays.random_mean", "arrays.gp_mean", "arrays.gp_var",
             "arrays.next_query", "arrays.curve_labels", "arrays.data_x_committee",
             "arrays.data_y_committee", "arrays.rmse_committee", "arrays.data_x_random",
             "arrays.data_y_random", "arrays.rmse_random", "arrays.data_x_gp",
             "arrays.data_y_gp", "arrays.rmse_gp")
    HINT = ("Each step the committee labels x where its members disagree most; random "
            "queries and a GP (largest posterior variance) learn the same function.")
    MAX_MEMBERS = 12

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.fit = BayesPlot("Committee: members, mean ± 2s", "x", "y", legend="top-left",
                             legend_columns=2, ghost_x=None)
        f = self.fit
        f.add_band("band", "±2s (disagreement)", BLUE, alpha=60, z=-6)
        f.add_curve("truth", "true function", GREY, width=2.2, style="dash", z=-1)
        for i in range(self.MAX_MEMBERS):
            f.add_curve(f"m{i}", "members" if i == 0 else "", SKY, width=1.1,
                        legend=i == 0)
        f.add_curve("mean", "committee mean", BLUE, width=3.0, z=2)
        f.add_curve("data", "labels", "#1A1A1A", width=0, symbol="o", symbol_size=8, z=4)
        f.add_vline("next", "next", VERMILLION, position=0.08)
        self.dis = BayesPlot("s²(x) and GP σ²(x), each / its max", "x", "relative variance",
                             legend="top-left", ghost_x=None)
        self.dis.add_curve("s2", "committee s²", BLUE, width=2.6)
        self.dis.add_curve("gpvar", "GP σ²(x)", GREEN, width=2.6)
        self.dis.add_vline("next", "next", BLUE, position=0.55)
        self.dis.plotItem.setYRange(-0.03, 1.5, padding=0.0)     # curves / max: room on top
        self.dis.plotItem.enableAutoRange(axis="y", enable=False)
        self.dis.add_vline("next_gp", "GP next", GREEN, style="dot", position=0.4)
        self.cmp = BayesPlot("Random queries and the GP", "x", "y", legend="top-left",
                             legend_columns=2, ghost_x=None)
        c = self.cmp
        c.add_band("gpband", "GP ±2σ", GREEN, alpha=45, z=-6)
        c.add_curve("truth", "true", GREY, width=2.0, style="dash", z=-1)
        c.add_curve("random", "committee, random x", ORANGE, width=2.4)
        c.add_curve("gp", "GP mean", GREEN, width=2.4)
        c.add_curve("data_random", "random labels", ORANGE, width=0, symbol="t",
                    symbol_size=9, z=4)
        c.add_curve("data_gp", "GP labels", GREEN, width=0, symbol="d", symbol_size=9, z=4)
        self.rmse = BayesPlot("Test error vs labels", "labels", "rmse", log_y=True,
                              legend="top-right", ghost_x=None)
        self.rmse.add_curve("committee", "committee", BLUE, width=2.6, symbol="o",
                            symbol_size=5)
        self.rmse.add_curve("random", "random", ORANGE, width=2.4, symbol="t", symbol_size=5)
        self.rmse.add_curve("gp", "GP variance", GREEN, width=2.4, symbol="d", symbol_size=5)
        self.set_body(_grid([(self.fit, 1), (self.dis, 1)], [(self.cmp, 1), (self.rmse, 1)]))
        self._y_fixed = False

    def plots(self) -> list:
        return [self.fit, self.dis, self.cmp, self.rmse]

    def run_started(self, cfg) -> None:
        self._y_fixed = False

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        x, truth = a["x"], a["truth"]
        if not self._y_fixed:          # fixed y range from the truth: the band may go wild
            self._y_fixed = True
            lo, hi = float(truth.min()), float(truth.max())
            span = max(hi - lo, 0.2)
            for plot in (self.fit, self.cmp):
                plot.plotItem.setYRange(lo - 0.35 * span, hi + 0.6 * span, padding=0.0)
                plot.plotItem.enableAutoRange(axis="y", enable=False)
        s = np.sqrt(np.maximum(a["disagreement"], 0.0))
        f = self.fit
        f.set_band("band", x, a["mean"] - 2 * s, a["mean"] + 2 * s)
        f.set_curve("truth", x, truth)
        members = a["members"]
        for i in range(self.MAX_MEMBERS):
            f.set_curve(f"m{i}", x if i < len(members) else [],
                        members[i] if i < len(members) else [])
        f.set_curve("mean", x, a["mean"])
        f.set_curve("data", a["data_x_committee"], a["data_y_committee"])
        nq = a["next_query"]
        f.set_vline("next", float(nq[0]))
        self.dis.set_curve("s2", x, a["disagreement"] / max(float(a["disagreement"].max()),
                                                            1e-300))
        self.dis.set_curve("gpvar", x, a["gp_var"] / max(float(a["gp_var"].max()), 1e-300))
        self.dis.set_vline("next", float(nq[0]))
        self.dis.set_vline("next_gp", float(nq[1]))
        c = self.cmp
        sd = np.sqrt(np.maximum(a["gp_var"], 0.0))
        c.set_band("gpband", x, a["gp_mean"] - 2 * sd, a["gp_mean"] + 2 * sd)
        c.set_curve("truth", x, truth)
        c.set_curve("random", x, a["random_mean"])
        c.set_curve("gp", x, a["gp_mean"])
        c.set_curve("data_random", a["data_x_random"], a["data_y_random"])
        c.set_curve("data_gp", a["data_x_gp"], a["data_y_gp"])
        n = a["curve_labels"]
        for key in ("committee", "random", "gp"):
            self.rmse.set_curve(key, n, a[f"rmse_{key}"])
        self.readout.setText(
            f"labels <b>{int(m['labels'])}</b> · rmse: committee <b>{_g(m['rmse_committee'])}"
            f"</b>, random <b>{_g(m['rmse_random'])}</b>, GP <b>{_g(m['rmse_gp'])}</b> · "
            f"largest disagreement s² = {_g(m['max_disagreement'])} at x = "
            f"<b>{m['next_query_x']:.3f}</b> (next query) · GP's next x = {float(nq[1]):.3f}")


# ---- optimal experimental design -----------------------------------------------------------
class DesignView(_ActiveView):
    NEEDS = ("metrics.posterior_entropy", "metrics.measurements", "metrics.eig_next",
             "metrics.omega_mean", "metrics.gamma_mean", "metrics.prior_entropy",
             "metrics.random_entropy",
             "arrays.omega", "arrays.gamma", "arrays.posterior", "arrays.design_axis",
             "arrays.times", "arrays.eig_map", "arrays.next_design", "arrays.true_lambda",
             "arrays.designs_done", "arrays.eig_done", "arrays.ig_done",
             "arrays.entropy_adaptive", "arrays.entropy_random", "arrays.traj_t",
             "arrays.traj_next")
    HINT = ("Each step: the design (q(0), dq/dt(0)) of largest expected information gain "
            "is measured; y = q(t) + σξ under the hidden λ* = (ω*, γ*) (× on the posterior, ○ its "
            "mean).")
    MAX_RANDOM = 12

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.post = ImagePlot("p(ω, γ | y<sub>1</sub>…y<sub>N</sub>)", "ω", "γ",
                              colormap="viridis", lock_aspect=False)
        self.post.add_marker("mean", 0, 0, "o", color="#FFFFFF", size=9)
        self.post.add_marker("true", 0, 0, "x", color="#FF3030", size=16, text="λ*")
        self.eig = ImagePlot("EIG (bits), ☆ = next", "q(0)", "dq/dt(0)",
                             colormap="magma", colorbar=True, lock_aspect=False)
        self.eig_done = _scatter(self.eig, 40)
        self.eig.add_marker("next", 0, 0, "star", color="#FFFFFF", size=22)
        self.traj = BayesPlot("q(t) under λ*", "t", "q(t)", legend=None,
                              ghost_x=None)
        self.traj.add_curve("q", "q(t) for λ*", BLUE, width=2.6)
        self.traj.add_curve("meas", "measured at t", VERMILLION, width=0, symbol="o",
                            symbol_size=11, z=3)
        self.traj.add_vline("t", "t", VERMILLION)
        self.ent = BayesPlot("Posterior entropy vs measurements", "measurements N",
                             "entropy (bits)", legend="top-right", ghost_x=None)
        for i in range(self.MAX_RANDOM):
            self.ent.add_curve(f"r{i}", "random designs" if i == 0 else "", GREY, width=1.4,
                               alpha=120, legend=i == 0)
        self.ent.add_curve("adaptive", "adaptive (max EIG)", BLUE, width=3.0, symbol="o",
                           symbol_size=6, z=2)
        self.gain = BayesPlot("EIG vs realised gain", "measurement", "bits",
                              legend="top-right", ghost_x=None)
        self.gain.add_curve("eig", "EIG (chosen)", BLUE, width=2.4, symbol="o",
                            symbol_size=6)
        self.gain.add_curve("ig", "realised ΔH",
                            ORANGE, width=2.0, symbol="t", symbol_size=7)
        self.set_body(_grid([(self.post, 1), (self.eig, 1), (self.traj, 1)],
                            [(self.ent, 2), (self.gain, 1)]))

    def plots(self) -> list:
        return [self.post, self.eig, self.traj, self.ent, self.gain]

    @staticmethod
    def _rect(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float, float]:
        """Pixel-centred rectangle of an image sampled on the grids xs, ys."""
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        return (xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx, ys[-1] - ys[0] + dy)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        om, ga, post = a["omega"], a["gamma"], a["posterior"]
        top = float(post.max()) if post.size else 1.0
        # rows along γ (y), columns along ω (x); normalised so the mode is bright
        self.post.set_image(post.T / (top if top > 0 else 1.0), levels=(0.0, 1.0),
                            rect=self._rect(om, ga))
        lam = a["true_lambda"]
        self.post.add_marker("true", float(lam[0]), float(lam[1]), "x")
        self.post.add_marker("mean", m["omega_mean"], m["gamma_mean"], "o")
        d = a["design_axis"]
        eig = a["eig_map"]
        hi = float(np.nanmax(eig)) if eig.size else 1.0
        self.eig.set_image(eig.T, levels=(0.0, hi if hi > 0 else 1.0), rect=self._rect(d, d))
        nd = a["next_design"]
        self.eig.add_marker("next", float(nd[0]), float(nd[1]), "star", color="#FFFFFF",
                            size=22)
        done = a["designs_done"]
        self.eig_done.setData(done[:, 0], done[:, 1], size=8, symbol="o",
                              brush=pg.mkBrush(255, 255, 255, 90),
                              pen=pg.mkPen("#000000", width=1))
        tt, q = a["traj_t"], a["traj_next"]
        self.traj.set_curve("q", tt, q)
        t_meas = float(nd[2])
        self.traj.set_vline("t", t_meas)
        self.traj.set_curve("meas", [t_meas], [float(np.interp(t_meas, tt, q))])
        n = np.arange(len(a["entropy_adaptive"]), dtype=float)
        self.ent.set_curve("adaptive", n, a["entropy_adaptive"])
        er = a["entropy_random"]
        for i in range(self.MAX_RANDOM):
            self.ent.set_curve(f"r{i}", n[:er.shape[1]] if i < len(er) else [],
                               er[i] if i < len(er) else [])
        k = np.arange(1, len(a["eig_done"]) + 1, dtype=float)
        self.gain.set_curve("eig", k, a["eig_done"])
        self.gain.set_curve("ig", k, a["ig_done"])
        times = a["times"]
        when = (f"t = {t_meas:.2f}" + (f" (chosen among {len(times)} times)"
                                       if len(times) > 1 else ""))
        self.readout.setText(
            f"N = <b>{int(m['measurements'])}</b> measurements · posterior entropy "
            f"<b>{_g(m['posterior_entropy'])}</b> bits (prior {_g(m['prior_entropy'])}, "
            f"random designs {_g(m['random_entropy'])}) · mean ω = {m['omega_mean']:.3f}, "
            f"γ = {m['gamma_mean']:.3f} (true {lam[0]:.3g}, {lam[1]:.3g})<br>next design "
            f"q(0) = {nd[0]:.3g}, dq/dt(0) = {nd[1]:.3g}, {when}: EIG = "
            f"<b>{_g(m['eig_next'])}</b> bits")


# ---- active learning for GPs and networks -----------------------------------------------------
class GPDesignView(_ActiveView):
    NEEDS = ("metrics.gain_bits", "metrics.total_gain_bits", "metrics.rmse_a",
             "metrics.rmse_b", "metrics.measurements", "metrics.next_gain_bits",
             "metrics.same_sequence", "arrays.axis", "arrays.truth_a", "arrays.truth_b",
             "arrays.mean_a", "arrays.mean_b", "arrays.std_a", "arrays.std_b",
             "arrays.gain_a", "arrays.gain_b", "arrays.gains_done", "arrays.sites_a",
             "arrays.sites_b", "arrays.sites_xy_a", "arrays.sites_xy_b", "arrays.ys_a",
             "arrays.ys_b")
    HINT = ("Two different true functions, the same measurement plan: the GP's gain "
            "½ log₂(1 + σ²(x)/σ<sub>n</sub>²) does not depend on the measured values.")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.stack = QStackedWidget()
        # 1-d: the two functions as curves with ±σ bands
        self.f = {}
        for tag, name in (("a", "A"), ("b", "B")):
            p = BayesPlot(f"Truth {name}: mean ± σ, measurements", "x", "f(x)",
                          legend="top-left", legend_columns=2, ghost_x=None)
            p.add_band("band", "±σ", BLUE, alpha=70, z=-6)
            p.add_curve("truth", "true f", GREY, width=2.2, style="dash", z=-1)
            p.add_curve("mean", "posterior mean", BLUE, width=2.8)
            p.add_curve("ys", "measured", "#1A1A1A", width=0, symbol="o", symbol_size=8, z=4)
            p.add_vline("next", "next", VERMILLION)
            self.f[tag] = p
        self.gmap = BayesPlot("Gain of the next measurement", "x", "bits", legend="top-left",
                              ghost_x=None)
        self.gmap.add_curve("a", "for truth A", BLUE, width=2.6)
        self.gmap.add_curve("b", "for truth B", ORANGE, width=1.8, style="dash", z=1)
        self.gmap.add_vline("next", "next", VERMILLION)
        self.gper = BayesPlot("Gain per measurement", "measurement", "bits",
                              legend=None, ghost_x=None)
        self.gper.add_curve("gain", "gain (bits)", GREEN, width=2.4, symbol="o",
                            symbol_size=6)
        page1 = _grid([(self.f["a"], 1), (self.f["b"], 1)], [(self.gmap, 1), (self.gper, 1)])
        # 2-d: images of the truths and the posterior means, measured sites on top
        self.img = {}
        self.sites = {}
        for key, title in (("truth_a", "Truth A"), ("truth_b", "Truth B"),
                           ("mean_a", "Posterior mean A"), ("mean_b", "Posterior mean B")):
            plot = ImagePlot(title, "x<sub>1</sub>", "x<sub>2</sub>",
                             colormap="viridis", lock_aspect=True)
            self.img[key] = plot
            self.sites[key] = _scatter(plot, 40)
        self.gimg = ImagePlot("Gain map (bits)", "x<sub>1</sub>", "x<sub>2</sub>",
                              colormap="magma", colorbar=True, lock_aspect=True)
        self.gimg_sites = _scatter(self.gimg, 40)
        self.gimg_next = _scatter(self.gimg, 44)
        self.gper2 = BayesPlot("Measured gains", "measurement", "bits",
                               legend=None, ghost_x=None)
        self.gper2.add_curve("gain", "gain (bits)", GREEN, width=2.4, symbol="o",
                             symbol_size=6)
        page2 = _grid([(self.img["truth_a"], 1), (self.img["truth_b"], 1), (self.gimg, 1)],
                      [(self.img["mean_a"], 1), (self.img["mean_b"], 1), (self.gper2, 1)])
        self.stack.addWidget(page1)
        self.stack.addWidget(page2)
        self.set_body(self.stack)

    def plots(self) -> list:
        if self.stack.currentIndex() == 1:
            return [*self.img.values(), self.gimg, self.gper2]
        return [self.f["a"], self.f["b"], self.gmap, self.gper]

    def config_changed(self, cfg) -> None:
        two = cfg.model == "gp" and cfg.dims == 2
        self.stack.setCurrentIndex(1 if two else 0)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        two = a["truth_a"].ndim == 2
        self.stack.setCurrentIndex(1 if two else 0)
        network = "exact_hessians" in m       # only the network mode sends it
        if two:
            self._show_2d(a)
        else:
            self._show_1d(a)
        k = np.arange(1, len(a["gains_done"]) + 1, dtype=float)
        top = float(a["gains_done"].max(initial=0.0))
        for plot in (self.gper, self.gper2):
            plot.set_curve("gain", k, a["gains_done"])
            plot.set_y_top(top if top > 0 else 1.0, headroom=1.1)   # from 0: the fall shows
        same = "the same" if m["same_sequence"] > 0.5 else "<b>different</b>"
        mode = ("network (Laplace approximation, gain ½ log₂(1 + gᵀCg/σ²))" if network
                else "Gaussian process")
        extra = ""
        if network:
            extra = f" · nets using the exact Hessian: {int(m['exact_hessians'])} of 2"
        self.readout.setText(
            f"{mode} · M = <b>{int(m['measurements'])}</b> · the two truths got {same} "
            f"measurement sites · last gain {_g(m['gain_bits'])} bits, total "
            f"<b>{_g(m['total_gain_bits'])}</b> bits, next {_g(m['next_gain_bits'])} bits · "
            f"rmse A {_g(m['rmse_a'])}, B {_g(m['rmse_b'])}{extra}")

    def _show_1d(self, a) -> None:
        x = a["axis"]
        nxt = {}
        for tag in "ab":
            p = self.f[tag]
            mean, std = a[f"mean_{tag}"], a[f"std_{tag}"]
            p.set_band("band", x, mean - std, mean + std)
            p.set_curve("truth", x, a[f"truth_{tag}"])
            p.set_curve("mean", x, mean)
            p.set_curve("ys", a[f"sites_xy_{tag}"][:, 0], a[f"ys_{tag}"])
            gain = a[f"gain_{tag}"]
            nxt[tag] = float(x[int(np.argmax(gain))]) if gain.size else None
            p.set_vline("next", nxt[tag])
            self.gmap.set_curve(tag, x, gain)
        self.gmap.set_vline("next", nxt["a"])

    def _show_2d(self, a) -> None:
        x = a["axis"]
        dx = (x[-1] - x[0]) / max(len(x) - 1, 1)
        rect = (x[0] - dx / 2, x[0] - dx / 2, x[-1] - x[0] + dx, x[-1] - x[0] + dx)
        truths = np.concatenate([a["truth_a"].ravel(), a["truth_b"].ravel()])
        lo, hi = float(truths.min()), float(truths.max())
        levels = (lo, hi if hi > lo else lo + 1.0)
        for key, plot in self.img.items():
            plot.set_image(a[key].T, levels=levels, rect=rect)     # rows along x₂
            sxy = a[f"sites_xy_{key[-1]}"]
            self.sites[key].setData(sxy[:, 0], sxy[:, 1], size=8, symbol="o",
                                    brush=pg.mkBrush("#FFFFFF"),
                                    pen=pg.mkPen("#000000", width=1.2))
        gain = a["gain_a"]
        ghi = float(gain.max()) if gain.size else 1.0
        self.gimg.set_image(gain.T, levels=(0.0, ghi if ghi > 0 else 1.0), rect=rect)
        sxy = a["sites_xy_a"]
        self.gimg_sites.setData(sxy[:, 0], sxy[:, 1], size=7, symbol="o",
                                brush=pg.mkBrush(255, 255, 255, 120), pen=pg.mkPen(None))
        i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
        self.gimg_next.setData([x[i]], [x[j]], size=20, symbol="star",
                               brush=pg.mkBrush("#FFFFFF"), pen=pg.mkPen("#000000", width=1.6))
