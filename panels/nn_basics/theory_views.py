"""Views of the chapter-2 theory demos: SGD noise, critical points of random landscapes,
backpropagation step by step, the online mean and noise in linear regression.

Views only draw (numpy + pyqtgraph); the engines (engines.nn_basics.sgd_noise, …) compute
every number, including the theory curves, except for trivial closed forms such as the
Gaussian of a given variance.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from engines.runtime import Snapshot
from workbench.demo_view import DemoView, readout, shrinkable
from workbench.plots import FG, PALETTE, CurvePlot, ImagePlot, landscape_colormap

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BROWN, GREY = PALETTE


def grid_of(view: QWidget, rows: list[list[QWidget]], top: QWidget | None = None) -> None:
    """Plots in a grid (at most 2 x 3), with an optional thin row above them."""
    lay = QVBoxLayout(view)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    if top is not None:
        lay.addWidget(top)
    grid = QGridLayout()
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(4)
    for r, row in enumerate(rows):
        for c, widget in enumerate(row):
            shrinkable(widget)
            grid.addWidget(widget, r, c)
    lay.addLayout(grid, 1)


def hline(plot: pg.PlotWidget, y: float, color: str, style=Qt.PenStyle.DashLine
          ) -> pg.InfiniteLine:
    line = pg.InfiniteLine(pos=y, angle=0, pen=pg.mkPen(color, width=1.5, style=style))
    line.setZValue(5)
    plot.plotItem.addItem(line, ignoreBounds=True)
    return line


def multi_line(plot: pg.PlotWidget, color, width: float = 1.0, z: float = 0
               ) -> pg.PlotDataItem:
    """One item for many polylines separated by NaN (e.g. 30 refits)."""
    item = pg.PlotDataItem([], [], connect="finite", pen=pg.mkPen(color, width=width),
                           skipFiniteCheck=False)
    item.setZValue(z)
    plot.plotItem.addItem(item)
    return item


def stack_lines(x: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``ys`` over a common ``x`` as one NaN-separated polyline."""
    ys = np.atleast_2d(np.asarray(ys, dtype=float))
    if ys.size == 0:
        return np.array([]), np.array([])
    n = ys.shape[0]
    xx = np.concatenate([np.tile(np.asarray(x, dtype=float), (n, 1)),
                         np.full((n, 1), np.nan)], axis=1).ravel()
    yy = np.concatenate([ys, np.full((n, 1), np.nan)], axis=1).ravel()
    return xx, yy


def gaussian(x: np.ndarray, var: float) -> np.ndarray:
    var = max(float(var), 1e-300)
    return np.exp(-np.asarray(x) ** 2 / (2 * var)) / math.sqrt(2 * math.pi * var)


def _g(v: float) -> str:
    return f"{v:.3g}"


# ---- sgd-noise ---------------------------------------------------------------------------
class SGDNoiseView(DemoView):
    """Walkers, stationary histogram vs the predicted Gaussian, relaxation, sweeps."""

    NEEDS = ("metrics.var_over_theory", "metrics.var_measured", "metrics.var_theory",
             "metrics.var_theory_continuum", "metrics.burned_in", "metrics.lam",
             "arrays.walkers", "arrays.hist_edges", "arrays.hist_density", "arrays.gauss_x",
             "arrays.gauss_pdf", "history.abs_mean_dev", "history.exp_theory",
             "history.mean_dev_theory", "history.var_now")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.walk = CurvePlot("Walkers   δ = θ − θ*", "walker", "δ", legend="top-right")
        self.walk.add_curve("walkers", "walker", BLUE, width=0, symbol="o", symbol_size=4,
                            alpha=170)
        self.walk.add_curve("band", "±2σ predicted", VERMILLION, width=2, style="dash")
        self.hist = CurvePlot("Histogram of δ", "δ", "density",
                              legend="top-left")
        self.hist.add_curve("hist", "measured", BLUE, width=2)
        self.hist.add_curve("gauss", "η Var/(Nλ(2−ηλ))", VERMILLION, width=2.5)
        self.hist.add_curve("gauss_c", "η Var/(2Nλ)", GREEN, width=2, style="dash")
        self.relax = CurvePlot("Relaxation of ⟨δ⟩", "step t", "|⟨δ⟩|", log_y=True)
        self.relax.add_curve("abs_mean_dev", "measured", BLUE)
        self.relax.add_curve("mean_dev_theory", "δ₀(1−ηλ)<sup>t</sup>", VERMILLION, width=2)
        self.relax.add_curve("exp_theory", "δ₀e<sup>−ηλt</sup>", GREEN, width=2,
                             style="dash")
        self.spread = CurvePlot("Spread ⟨δ²⟩", "step t", "⟨δ²⟩ over walkers", log_y=True,
                                legend="top-right")
        self.spread.add_curve("var_now", "measured", BLUE)
        self.spread.add_curve("var_theory", "η Var/(Nλ(2−ηλ))", VERMILLION, width=2,
                              style="dash")
        self.eta = CurvePlot("Sweep over η", "η", "stationary ⟨δ²⟩",
                             legend="top-left")
        self.eta.add_curve("line", "η Var/(Nλ(2−ηλ))", VERMILLION, width=2)
        self.eta.add_curve("line_c", "η Var/(2Nλ)", GREEN, width=2, style="dash")
        self.eta.add_curve("pts", "walkers", BLUE, width=0, symbol="o", symbol_size=10)
        self.inv_n = CurvePlot("Sweep over N", "1/N", "stationary ⟨δ²⟩",
                               legend="top-left")
        self.inv_n.add_curve("line", "theory ∝ 1/N", VERMILLION, width=2)
        self.inv_n.add_curve("pts", "walkers", BLUE, width=0, symbol="o", symbol_size=10)
        self._band = 0.0
        self.walk.plotItem.enableAutoRange(axis="y", enable=False)
        for plot in (self.hist, self.eta, self.inv_n, self.spread):
            plot.plotItem.enableAutoRange(axis="y", enable=False)
        self.info = readout()
        grid_of(self, [[self.walk, self.hist, self.relax],
                       [self.spread, self.eta, self.inv_n]], top=self.info)

    def plots(self) -> list:
        return [self.walk, self.hist, self.relax, self.spread, self.eta, self.inv_n]

    @staticmethod
    def _top(plot: CurvePlot, *arrays, room: float = 1.6) -> None:
        vals = np.concatenate([np.asarray(v, dtype=float).ravel() for v in arrays])
        vals = vals[np.isfinite(vals)]
        if vals.size and vals.max() > 0:
            plot.plotItem.setYRange(0.0, room * float(vals.max()), padding=0)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m, h = snap.arrays, snap.metrics, snap.history
        w = a["walkers"]
        self.walk.set_curve("walkers", np.arange(len(w)), w)
        s2 = 2 * math.sqrt(max(m["var_theory"], 0.0))
        n = max(len(w), 1)
        if s2 > 0 and s2 != self._band:
            self._band = s2
            self.walk.plotItem.setYRange(-2.2 * s2, 2.9 * s2, padding=0)
        self.walk.curve("band").setData([0, n, np.nan, 0, n], [s2, s2, np.nan, -s2, -s2],
                                        connect="finite")
        edges, dens = a["hist_edges"], a["hist_density"]
        if len(edges) == len(dens) + 1 and len(dens):
            xs = np.repeat(edges, 2)[1:-1]
            self.hist.set_curve("hist", xs, np.repeat(dens, 2))
        self.hist.set_curve("gauss", a["gauss_x"], a["gauss_pdf"])
        self.hist.set_curve("gauss_c", a["gauss_x"],
                            gaussian(a["gauss_x"], m["var_theory_continuum"]))
        self.relax.show_history(h)
        # fixed headroom: the legends sit above the data
        self._top(self.hist, a["hist_density"], a["gauss_pdf"])
        vt = m["var_theory"]
        if vt > 0:
            self.spread.plotItem.setYRange(math.log10(vt) - 1.0, math.log10(vt) + 0.7,
                                           padding=0)
        measured = h["abs_mean_dev"][np.isfinite(h["abs_mean_dev"]) & (h["abs_mean_dev"] > 0)]
        if measured.size:      # theory lines end below the walkers' noise floor
            floor = 0.1 * float(measured.min())
            for key in ("mean_dev_theory", "exp_theory"):
                y = np.abs(np.asarray(h[key], dtype=float))
                self.relax.set_curve(key, h["step"], np.where(y >= floor, y, np.nan))
        self.spread.show_history(h)
        steps = h["step"]
        if len(steps):
            self.spread.set_curve("var_theory", [steps[0], steps[-1]], [m["var_theory"]] * 2)
        if "sweep_eta" in a:            # only with the config's sweep on
            self.eta.set_curve("pts", a["sweep_eta"], a["sweep_eta_var"])
            self.eta.set_curve("line", a["sweep_eta_line_x"], a["sweep_eta_line"])
            self.eta.set_curve("line_c", a["sweep_eta_line_x"], a["sweep_eta_line_continuum"])
            self.inv_n.set_curve("pts", a["sweep_inv_n"], a["sweep_n_var"])
            self.inv_n.set_curve("line", a["sweep_n_line_x"], a["sweep_n_line"])
            self._top(self.eta, a["sweep_eta_var"], a["sweep_eta_line"], room=1.9)
            self._top(self.inv_n, a["sweep_n_var"], a["sweep_n_line"], room=1.9)
        status = "stationary" if m["burned_in"] else "still relaxing"
        text = (f"⟨δ²⟩ measured <b>{m['var_measured']:.4g}</b> · exact η Var/(Nλ(2−ηλ)) "
                f"<b>{m['var_theory']:.4g}</b> · small-η η Var/(2Nλ) "
                f"{m['var_theory_continuum']:.4g} · ratio <b>{m['var_over_theory']:.3f}</b>"
                f" ({status})")
        if "sweep_max_rel_error" in m:  # (sweep on)
            text += f" · sweep: largest relative error {m['sweep_max_rel_error']:.2%}"
        self.info.setText(text)


# ---- landscape-stats -------------------------------------------------------------------------
#: Critical point kinds: key, legend label, symbol, colour.
CRITICAL = (("minima", "minimum", "t", "#1F77FF"), ("maxima", "maximum", "t1", "#E8262B"),
            ("saddles", "saddle", "x", "#FFFFFF"))
PATH_COLORS = ("#FFD400", "#FF66CC", "#00E5FF", "#7CFC00", "#FF8C00", "#B388FF")


class LandscapeStatsView(DemoView):
    """A random field with its critical points, their fractions, minima vs d, descent."""

    NEEDS = ("arrays.field", "arrays.minima", "arrays.maxima", "arrays.saddles",
             "arrays.dims", "arrays.frac_min_by_dim", "arrays.gd_path", "arrays.gd_speed",
             "metrics.frac_min", "metrics.frac_max", "metrics.frac_saddle", "metrics.fields",
             "metrics.euler_last", "metrics.critical_per_field", "metrics.hessian_agreement",
             "history.frac_min", "history.frac_max", "history.frac_saddle")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.field = ImagePlot("Critical points of L", "x (px)",
                               "y (px)", colormap=landscape_colormap(), levels=(-3.0, 3.0),
                               lock_aspect=True, legend="top-right")
        self.points: dict[str, pg.ScatterPlotItem] = {}
        for key, label, symbol, color in CRITICAL:
            item = pg.ScatterPlotItem([], [], symbol=symbol, size=11,
                                      brush=pg.mkBrush(color), pen=pg.mkPen("#000000", width=1))
            item.setZValue(70)
            self.field.plotItem.addItem(item, ignoreBounds=True)
            self.field._add_legend_entry(item, label)
            self.points[key] = item
        self.gd_all = pg.PlotDataItem([], [], connect="finite",
                                      pen=pg.mkPen(QColor(255, 255, 255, 150), width=1.2))
        self.gd_all.setZValue(40)
        self.field.plotItem.addItem(self.gd_all, ignoreBounds=True)
        self.gd_lines = []
        for i, color in enumerate(PATH_COLORS):
            item = pg.PlotDataItem([], [], connect="finite", pen=pg.mkPen(color, width=2.5))
            item.setZValue(50 + i)
            self.field.plotItem.addItem(item, ignoreBounds=True)
            self.gd_lines.append(item)
        self.gd_ends = pg.ScatterPlotItem([], [], symbol="o", size=8,
                                          brush=pg.mkBrush("#FFFFFF"), pen=pg.mkPen("#000000"))
        self.gd_ends.setZValue(65)
        self.field.plotItem.addItem(self.gd_ends, ignoreBounds=True)

        self.frac = CurvePlot("Fractions", "fields", "fraction",
                              y_range=(0.0, 0.9), legend="top-right")
        self.frac.add_curve("frac_min", "minima", "#1F77FF")
        self.frac.add_curve("frac_max", "maxima", "#E8262B")
        self.frac.add_curve("frac_saddle", "saddles", GREEN)
        hline(self.frac, 0.25, GREY)
        hline(self.frac, 0.5, GREY)
        self.dims = CurvePlot("Minima vs d", "dimension d",
                              "fraction of minima", log_y=True, legend="bottom-left")
        self.dims.plotItem.enableAutoRange(axis="y", enable=False)
        self.dims.add_curve("frac", "Kac-Rice", BLUE, width=2, symbol="o",
                            symbol_size=9)
        self.dims.add_curve("ref", "exact", VERMILLION, width=0, symbol="star",
                            symbol_size=14)
        self.dims.set_curve("ref", [1, 2], [0.5, 0.25])
        self.speed = CurvePlot("Descent speed |∇L|", "iteration", "|∇L|",
                               log_y=True, legend=None)
        for i, color in enumerate(PATH_COLORS):
            self.speed.add_curve(f"p{i}", f"path {i + 1}", color, width=2)
        self.info = readout()
        left = self.field
        grid = QGridLayout()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.info)
        for plot in self.plots():
            shrinkable(plot)
        grid.addWidget(left, 0, 0, 2, 1)
        grid.addWidget(self.frac, 0, 1)
        grid.addWidget(self.dims, 0, 2)
        grid.addWidget(self.speed, 1, 1, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)
        lay.addLayout(grid, 1)

    def plots(self) -> list:
        return [self.field, self.frac, self.dims, self.speed]

    def reset(self) -> None:
        super().reset()
        for item in (*self.points.values(), self.gd_all, *self.gd_lines, self.gd_ends):
            item.setData([], [])

    @staticmethod
    def _unwrap(path: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        """x, y (pixel centres) of a torus-wrapped path, broken where it wraps."""
        x = path[:, 1].astype(float) + 0.5
        y = path[:, 0].astype(float) + 0.5
        jump = np.zeros(len(x), dtype=bool)
        jump[1:] = (np.abs(np.diff(x)) > size / 2) | (np.abs(np.diff(y)) > size / 2)
        x, y = x.copy(), y.copy()
        x[jump] = np.nan  # break the line (the point before the jump stays drawn)
        y[jump] = np.nan
        return x, y

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        f = a["field"]
        size = f.shape[0]
        self.field.set_image(f)
        for key, item in self.points.items():
            pts = np.asarray(a[key], dtype=float).reshape(-1, 2)
            item.setData(pts[:, 1] + 0.5, pts[:, 0] + 0.5)
        paths, speeds = a["gd_path"], a["gd_speed"]
        xs, ys, ex, ey = [], [], [], []
        for i in range(paths.shape[0]):
            x, y = self._unwrap(paths[i], size)
            if i < len(self.gd_lines):
                self.gd_lines[i].setData(x, y, connect="finite")
            else:
                xs += [x, [np.nan]]
                ys += [y, [np.nan]]
            ex.append(paths[i, -1, 1] + 0.5)
            ey.append(paths[i, -1, 0] + 0.5)
        for i in range(paths.shape[0], len(self.gd_lines)):
            self.gd_lines[i].setData([], [])
        if xs:
            self.gd_all.setData(np.concatenate(xs), np.concatenate(ys), connect="finite")
        else:
            self.gd_all.setData([], [])
        self.gd_ends.setData(ex, ey)
        for i in range(len(PATH_COLORS)):
            if i < speeds.shape[0]:
                v = np.asarray(speeds[i], dtype=float)
                v = np.where(v > 1e-6, v, np.nan)     # converged: off the log scale
                self.speed.set_curve(f"p{i}", np.arange(len(v)), v)
            else:
                self.speed.set_curve(f"p{i}", [], [])
        self.frac.show_history(snap.history)
        self.dims.set_curve("frac", a["dims"], a["frac_min_by_dim"])
        fr = np.asarray(a["frac_min_by_dim"], dtype=float)
        fr = fr[np.isfinite(fr) & (fr > 0)]
        if fr.size:     # room below the smallest fraction for the legend
            self.dims.plotItem.setYRange(math.log10(fr.min()) - 1.3, math.log10(0.7),
                                         padding=0)
        self.info.setText(
            f"After <b>{int(m['fields'])}</b> fields: min : max : saddle = "
            f"<b>{m['frac_min']:.3f} : {m['frac_max']:.3f} : {m['frac_saddle']:.3f}</b> "
            f"(theory 0.25 : 0.25 : 0.5) · #min + #max − #saddle = {m['euler_last']:.0f} "
            f"(χ of the torus) · {m['critical_per_field']:.1f} critical points per field · "
            f"Hessian agrees on {m['hessian_agreement']:.1%}")


# ---- backprop -------------------------------------------------------------------------------
class BackpropView(DemoView):
    """The network as a graph: forward values, then ∂L/∂y on nodes and ∂L/∂w on edges."""

    NEEDS = ("metrics.phase", "metrics.layer", "metrics.backward", "metrics.cycle",
             "metrics.sample", "metrics.loss", "metrics.grad_err_autograd",
             "metrics.grad_err_fd", "arrays.layer_sizes", "arrays.values", "arrays.node_grad",
             "arrays.weights", "arrays.edge_grad", "arrays.target", "arrays.grad_backprop",
             "arrays.grad_autograd", "arrays.grad_fd", "history.loss",
             "history.grad_err_autograd", "history.grad_err_fd")

    MAX_NODES = 6 * 6

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.net = CurvePlot("Network", "", "", legend=None)
        pi = self.net.plotItem
        pi.hideAxis("left")
        pi.hideAxis("bottom")
        pi.showGrid(x=False, y=False)
        pi.setMouseEnabled(x=False, y=False)
        pi.hideButtons()
        self.edges = pg.GraphItem()
        self.edges.setZValue(5)
        pi.addItem(self.edges)
        self.nodes = pg.ScatterPlotItem([], [], size=34, symbol="o")
        self.nodes.setZValue(20)
        pi.addItem(self.nodes)
        self.node_text = []
        for _ in range(self.MAX_NODES):
            t = pg.TextItem("", anchor=(0.5, 0.0), color="#222222",
                            fill=pg.mkBrush(255, 255, 255, 190))
            t.setZValue(30)
            pi.addItem(t)
            self.node_text.append(t)
        self.layer_text = []
        for _ in range(6):
            t = pg.TextItem("", anchor=(0.5, 0.0), color="#555555")
            pi.addItem(t)
            self.layer_text.append(t)
        self.key = pg.TextItem("edges: grey, width ∝ |w|\nbackward: ∂L/∂w > 0 orange, "
                               "< 0 blue, width ∝ |∂L/∂w|",
                               anchor=(0.0, 1.0), color="#666666")
        pi.addItem(self.key)
        self.grads = CurvePlot("Gradient ∂L/∂θ", "parameter index", "∂L/∂θ",
                               legend="bottom-left")
        self.grads.add_curve("bp", "backprop", BLUE, width=0, symbol="o", symbol_size=11)
        self.grads.add_curve("ag", "autograd", VERMILLION, width=0, symbol="x",
                             symbol_size=11)
        self.grads.add_curve("fd", "finite differences", GREEN, width=0, symbol="+",
                             symbol_size=13)
        self.loss = CurvePlot("Loss L", "step (layer)", "L", log_y=True, legend=None)
        self.loss.add_curve("loss", "L", BLUE)
        self.err = CurvePlot("Max |error| of backprop", "step (layer)", "max |Δ|", log_y=True,
                             legend="top-right")
        self.err.add_curve("grad_err_autograd", "vs autograd", VERMILLION)
        self.err.add_curve("grad_err_fd", "vs finite differences", GREEN)
        self.info = readout()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.info)
        grid = QGridLayout()
        for plot in self.plots():
            shrinkable(plot)
        grid.addWidget(self.net, 0, 0, 1, 2)
        grid.addWidget(self.grads, 0, 2)
        grid.addWidget(self.loss, 1, 0)
        grid.addWidget(self.err, 1, 1, 1, 2)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        lay.addLayout(grid, 1)
        self._layout_key = None
        self._pos = np.zeros((0, 2))

    def plots(self) -> list:
        return [self.net, self.grads, self.loss, self.err]

    def reset(self) -> None:
        super().reset()
        self.edges.setData(pos=np.zeros((0, 2)), adj=np.zeros((0, 2), dtype=int))
        self.nodes.setData([], [])
        for t in self.node_text + self.layer_text:
            t.setText("")
        self._layout_key = None

    def _place(self, sizes: list[int]) -> None:
        pos = []
        for n, k in enumerate(sizes):
            for i in range(k):
                pos.append((float(n), (k - 1) / 2.0 - i))
        self._pos = np.array(pos)
        top = max(sizes) / 2.0 + 0.2
        for n, t in enumerate(self.layer_text):
            if n < len(sizes):
                name = "input x" if n == 0 else ("output" if n == len(sizes) - 1
                                                 else f"hidden {n}")
                t.setText(f"y⁽{n}⁾ {name}" if n else name)
                t.setPos(float(n), top + 0.35)
            else:
                t.setText("")
        bottom = -max(sizes) / 2.0 - 0.8
        self.key.setPos(-0.45, bottom)
        self.net.plotItem.setRange(xRange=(-0.45, len(sizes) - 0.55),
                                   yRange=(bottom, top + 0.45), padding=0.0)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        sizes = [int(s) for s in a["layer_sizes"]]
        if tuple(sizes) != self._layout_key:
            self._layout_key = tuple(sizes)
            self._place(sizes)
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        values, node_grad = a["values"], a["node_grad"]
        backward = bool(m["backward"])
        # edges: index [n−1, k, l] = from node l of layer n−1 to node k of layer n
        adj, pens = [], []
        wmax = np.nanmax(np.abs(a["weights"])) if np.isfinite(a["weights"]).any() else 1.0
        gabs = np.abs(a["edge_grad"])
        gmax = float(np.nanmax(gabs)) if np.isfinite(gabs).any() else 0.0
        for n in range(1, len(sizes)):
            for k in range(sizes[n]):
                for l in range(sizes[n - 1]):
                    adj.append((offsets[n - 1] + l, offsets[n] + k))
                    g = a["edge_grad"][n - 1, k, l]
                    if np.isfinite(g) and gmax > 0:
                        s = abs(g) / gmax
                        c = (213, 94, 0) if g > 0 else (0, 114, 178)
                        pens.append((*c, 255, 0.8 + 6.0 * s))
                    else:
                        w = a["weights"][n - 1, k, l]
                        s = abs(w) / wmax if np.isfinite(w) and wmax > 0 else 0.0
                        pens.append((150, 150, 150, 200, 0.6 + 2.5 * s))
        pen = np.array(pens, dtype=[("red", np.ubyte), ("green", np.ubyte),
                                    ("blue", np.ubyte), ("alpha", np.ubyte),
                                    ("width", float)])
        self.edges.setData(pos=self._pos, adj=np.array(adj, dtype=int).reshape(-1, 2),
                           pen=pen, size=0, symbol="o", pxMode=True)
        brushes = []
        layer = int(m["layer"])
        for n, k in enumerate(sizes):
            for i in range(k):
                idx = offsets[n] + i
                v, g = values[n, i], node_grad[n, i]
                active = (n == layer)
                if backward and np.isfinite(g):
                    col = QColor(255, 200, 150) if active else QColor(255, 230, 205)
                elif np.isfinite(v):
                    col = QColor(150, 200, 255) if active and not backward else QColor(205, 228, 255)
                else:
                    col = QColor(235, 235, 235)
                brushes.append(pg.mkBrush(col))
                lines = []
                if np.isfinite(v):
                    lines.append(f"y={v:+.3f}")
                if np.isfinite(g):
                    lines.append(f"∂L/∂y={g:+.3f}")
                if idx < len(self.node_text):
                    self.node_text[idx].setText("\n".join(lines))
                    x, y = self._pos[idx]      # the label hangs just below its node
                    self.node_text[idx].setPos(x, y - 0.2)
        for t in self.node_text[int(offsets[-1]):]:
            t.setText("")
        pens_n = [pg.mkPen("#333333", width=2.5 if (n == layer) else 1.0)
                  for n, k in enumerate(sizes) for _ in range(k)]
        self.nodes.setData(self._pos[:, 0], self._pos[:, 1], brush=brushes, pen=pens_n)
        p = np.arange(len(a["grad_backprop"]))
        self.grads.set_curve("bp", p, a["grad_backprop"])
        self.grads.set_curve("ag", p, a["grad_autograd"])
        self.grads.set_curve("fd", p, a["grad_fd"])
        self.loss.show_history(snap.history)
        self.err.show_history(snap.history)
        if m["phase"] < 0:
            what = "ready: press Step (N) for the first layer"
        elif backward:
            what = (f"<b>backward</b> through layer {layer}: δ = Δ⁽{layer}⁾ ⊙ f′(z⁽{layer}⁾), "
                    f"∂L/∂W⁽{layer}⁾<sub>kl</sub> = δ<sub>k</sub> y<sub>l</sub>⁽{layer - 1}⁾, "
                    f"Δ⁽{layer - 1}⁾ = W⁽{layer}⁾ᵀδ")
        else:
            what = (f"<b>forward</b> to layer {layer}: y⁽{layer}⁾ = "
                    f"f(W⁽{layer}⁾y⁽{layer - 1}⁾ + b⁽{layer}⁾)")
        target = ", ".join(f"{t:+.3f}" for t in a["target"])
        self.info.setText(
            f"Sample {int(m['sample']) + 1}, cycle {int(m['cycle'])}: {what} · target "
            f"({target}) · L = {m['loss']:.4g} · max |backprop − autograd| = "
            f"<b>{m['grad_err_autograd']:.2e}</b> · max |backprop − finite diff.| = "
            f"<b>{m['grad_err_fd']:.2e}</b>")


# ---- online ----------------------------------------------------------------------------------
class OnlineView(DemoView):
    """Runs of f_t = f_(t−1) + α(y_t − f_(t−1)), their mean and spread against theory."""

    NEEDS = ("arrays.trace_t", "arrays.trace_f", "arrays.final_f", "arrays.final_decaying",
             "arrays.final_running_mean", "arrays.rate_t", "arrays.rate_decaying",
             "arrays.rate_running_mean", "metrics.mean", "metrics.mean_theory",
             "metrics.variance", "metrics.variance_theory", "metrics.variance_t_theory",
             "metrics.bias", "metrics.bias_decaying", "metrics.bias_running_mean",
             "history.mean", "history.mean_theory", "history.variance",
             "history.variance_t_theory", "history.variance_theory",
             "history.variance_decaying", "history.variance_running_mean",
             "history.variance_decaying_theory",
             "history.variance_running_mean_theory")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.runs = CurvePlot("Runs f<sub>t</sub> (constant α)", "step t", "f<sub>t</sub>",
                              legend="bottom-right")
        self.traces = multi_line(self.runs, QColor(120, 120, 120, 120), 1.0, z=1)
        self.runs.add_curve("mean", "mean of all runs", BLUE, width=2.5)
        self.runs.add_curve("mean_theory", "μ + (1−α)<sup>t</sup>(f₀−μ)", VERMILLION, width=2,
                            style="dash")
        self.runs.add_curve("hi", "± √Var[f<sub>t</sub>] theory", GREEN, width=1.8,
                            style="dot")
        self.runs.add_curve("lo", "", GREEN, width=1.8, style="dot", legend=False)
        self.var = CurvePlot("Spread Var[f<sub>t</sub>]", "step t", "variance over runs",
                             log_y=True, legend="bottom-right")
        self.var.plotItem.enableAutoRange(axis="y", enable=False)
        self.var.add_curve("variance", "constant α", BLUE)
        self.var.add_curve("variance_decaying", "decaying α<sub>t</sub>", ORANGE, width=2)
        self.var.add_curve("variance_running_mean", "running mean (1/t)", PURPLE)
        self.var.add_curve("variance_t_theory", "theory (dashed)", FG, width=1.5,
                           style="dash", z=3)
        self.var.add_curve("variance_decaying_theory", "", FG, width=1.5, style="dash",
                           legend=False, z=3)
        self.var.add_curve("variance_running_mean_theory", "", FG, width=1.5, style="dash",
                           legend=False, z=3)
        self.var.add_curve("variance_theory", "limit ασ²/(2−α)", GREEN, width=2, style="dot")
        self.rate = CurvePlot("Rates", "step t", "α<sub>t</sub>", log_y=True,
                              legend="top-right")
        self.rate.add_curve("const", "constant α", BLUE, width=2)
        self.rate.add_curve("decaying", "α/(1 − (1−α)<sup>t</sup>)", ORANGE, width=2.5)
        self.rate.add_curve("running", "1/t (running mean)", PURPLE, width=2, style="dash")
        self.hist = CurvePlot("Final estimates", "f<sub>T</sub>", "density", legend="top-left")
        self.hist.add_curve("h_const", "constant α", BLUE, width=2)
        self.hist.add_curve("h_dec", "decaying α<sub>t</sub>", ORANGE, width=2)
        self.hist.add_curve("h_run", "running mean", PURPLE, width=2)
        self.hist.add_curve("gauss", "N(μ, ασ²/(2−α))", VERMILLION, width=2, style="dash")
        self.info = readout()
        grid_of(self, [[self.runs, self.var], [self.rate, self.hist]], top=self.info)

    def plots(self) -> list:
        return [self.runs, self.var, self.rate, self.hist]

    def reset(self) -> None:
        super().reset()
        self.traces.setData([], [])

    @staticmethod
    def _hist(values: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
        dens, edges = np.histogram(values, bins=40, range=(lo, hi), density=True)
        return np.repeat(edges, 2)[1:-1], np.repeat(dens, 2)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m, h = snap.arrays, snap.metrics, snap.history
        x, y = stack_lines(a["trace_t"], a["trace_f"])
        self.traces.setData(x, y, connect="finite")
        self.runs.show_history(h)
        sd = np.sqrt(np.maximum(h["variance_t_theory"], 0.0))
        self.runs.set_curve("hi", h["step"], h["mean_theory"] + sd)
        self.runs.set_curve("lo", h["step"], h["mean_theory"] - sd)
        self.var.show_history(h)
        cols = [np.asarray(h[k], dtype=float) for k in ("variance", "variance_running_mean",
                                                        "variance_running_mean_theory")]
        vals = np.concatenate(cols)
        vals = vals[np.isfinite(vals) & (vals > 0)]
        if vals.size:   # two empty decades at the bottom hold the legend
            self.var.plotItem.setYRange(math.log10(vals.min()) - 2.8,
                                        math.log10(vals.max()) + 0.15, padding=0)
        t = a["rate_t"]
        alpha = self.ctx.run_config.alpha if (self.ctx is not None and self.ctx.run_config
                                              is not None) else None
        if alpha is not None:
            self.rate.set_curve("const", t, np.full(len(t), alpha))
        self.rate.set_curve("decaying", t, a["rate_decaying"])
        self.rate.set_curve("running", t, a["rate_running_mean"])
        mu = m["mean"] - m["bias"]                  # bias = mean − μ
        sd_lim = math.sqrt(max(m["variance_theory"], 1e-300))
        lo, hi = mu - 5 * sd_lim, mu + 5 * sd_lim
        self.hist.set_curve("h_const", *self._hist(a["final_f"], lo, hi))
        self.hist.set_curve("h_dec", *self._hist(a["final_decaying"], lo, hi))
        self.hist.set_curve("h_run", *self._hist(a["final_running_mean"], lo, hi))
        xs = np.linspace(lo, hi, 200)
        self.hist.set_curve("gauss", xs, gaussian(xs - mu, m["variance_theory"]))
        self.info.setText(
            f"Constant α: mean {m['mean']:.4g} (theory {m['mean_theory']:.4g}), bias "
            f"{m['bias']:+.3g}, Var <b>{m['variance']:.4g}</b> (theory "
            f"{m['variance_t_theory']:.4g}, limit ασ²/(2−α) = {m['variance_theory']:.4g}) · "
            f"decaying α<sub>t</sub>: bias {m['bias_decaying']:+.3g} · running mean: bias "
            f"{m['bias_running_mean']:+.3g}")


# ---- linear-noise -----------------------------------------------------------------------------
class LinearNoiseView(DemoView):
    """Label noise: the band σ²xᵀ(XᵀX)⁻¹x vs refits; input noise: SGD → ridge."""

    NEEDS = ("arrays.u_train", "arrays.y_train", "arrays.u_grid", "arrays.y_true",
             "arrays.fit_ls", "arrays.band_sd", "arrays.spread_sd", "arrays.fit_ridge",
             "arrays.fit_sgd", "arrays.refits", "arrays.fit_sgd_now", "arrays.a_ls",
             "arrays.a_ridge", "arrays.a_sgd", "metrics.ridge_mismatch",
             "metrics.ls_ridge_distance", "metrics.band_ratio", "metrics.refits",
             "metrics.train_loss_sgd", "metrics.train_loss_ls", "metrics.train_loss_ridge",
             "history.ridge_mismatch", "history.band_ratio", "history.train_loss_sgd")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.fit = CurvePlot("Refits and band", "u", "y", legend="top-left")
        self.refit_lines = multi_line(self.fit, QColor(127, 127, 127, 90), 1.0, z=-5)
        self.fit.add_curve("y_true", "truth", FG, width=1.5, style="dash")
        self.fit.add_curve("fit_ls", "least squares", BLUE, width=2.5)
        self.fit.add_curve("band_hi", "± σ√(xᵀ(XᵀX)⁻¹x)", VERMILLION, width=2)
        self.fit.add_curve("band_lo", "", VERMILLION, width=2, legend=False)
        self.fit.add_curve("data", "data", FG, width=0, symbol="o", symbol_size=8)
        self.band = CurvePlot("Spread of refits", "u", "standard deviation",
                              legend="top-right")
        self.band.add_curve("band_sd", "σ√(xᵀ(XᵀX)⁻¹x)", VERMILLION, width=2.5)
        self.band.add_curve("spread_sd", "measured over refits", BLUE, width=2, style="dash")
        self.ratio = CurvePlot("Spread ratio", "step", "ratio",
                               legend=None)
        self.ratio.add_curve("band_ratio", "ratio", BLUE)
        hline(self.ratio, 1.0, GREY)
        self.ridge = CurvePlot("Input noise → ridge", "u", "y", legend="top-left")
        self.sgd_lines = multi_line(self.ridge, QColor(230, 159, 0, 90), 1.0, z=-5)
        self.ridge.add_curve("fit_ls", "least squares", BLUE, width=2)
        self.ridge.add_curve("fit_ridge", "ridge (XᵀX+nλI)⁻¹Xᵀy", VERMILLION, width=2.5)
        self.ridge.add_curve("fit_sgd", "SGD, noisy inputs", ORANGE, width=2,
                             style="dash")
        self.ridge.add_curve("data", "data", FG, width=0, symbol="o", symbol_size=8)
        self.coef = CurvePlot("Coefficients a", "index j of u<sup>j</sup>", "a<sub>j</sub>",
                              legend="bottom-left")
        self.coef.add_curve("a_ls", "least squares", BLUE, width=0, symbol="o",
                            symbol_size=11)
        self.coef.add_curve("a_ridge", "ridge", VERMILLION, width=0, symbol="s",
                            symbol_size=11)
        self.coef.add_curve("a_sgd", "SGD", ORANGE, width=0, symbol="x", symbol_size=12)
        self.conv = CurvePlot("Distance to ridge", "step", "‖a<sub>SGD</sub> − a<sub>ridge</sub>‖",
                              log_y=True, legend=None)
        self.conv.add_curve("ridge_mismatch", "‖a − a<sub>ridge</sub>‖", ORANGE)
        self.info = readout()
        grid_of(self, [[self.fit, self.band, self.ratio],
                       [self.ridge, self.coef, self.conv]], top=self.info)
        self._yrange_key = None

    def plots(self) -> list:
        return [self.fit, self.band, self.ratio, self.ridge, self.coef, self.conv]

    def reset(self) -> None:
        super().reset()
        self.refit_lines.setData([], [])
        self.sgd_lines.setData([], [])
        self._yrange_key = None

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        u = a["u_grid"]
        x, y = stack_lines(u, a["refits"])
        self.refit_lines.setData(x, y, connect="finite")
        for plot in (self.fit, self.ridge):
            plot.set_curve("data", a["u_train"], a["y_train"])
            plot.set_curve("fit_ls", u, a["fit_ls"])
        self.fit.set_curve("y_true", u, a["y_true"])
        self.fit.set_curve("band_hi", u, a["fit_ls"] + a["band_sd"])
        self.fit.set_curve("band_lo", u, a["fit_ls"] - a["band_sd"])
        self.band.set_curve("band_sd", u, a["band_sd"])
        self.band.set_curve("spread_sd", u, a["spread_sd"])
        self.ratio.show_history(snap.history)
        x, y = stack_lines(u, a["fit_sgd_now"])
        self.sgd_lines.setData(x, y, connect="finite")
        self.ridge.set_curve("fit_ridge", u, a["fit_ridge"])
        self.ridge.set_curve("fit_sgd", u, a["fit_sgd"])
        for key in ("a_ls", "a_ridge", "a_sgd"):
            self.coef.set_curve(key, np.arange(len(a[key])), a[key])
        self.conv.show_history(snap.history)
        key = (len(a["y_train"]), float(np.nansum(a["y_train"])))
        if key != self._yrange_key:           # y range from the data, not a wild refit
            self._yrange_key = key
            ys = np.concatenate([a["y_train"], a["y_true"]])
            ys = ys[np.isfinite(ys)]
            if ys.size:
                span = ys.max() - ys.min() + 1e-9   # room above the data for the legend
                for plot in (self.fit, self.ridge):
                    plot.plotItem.setYRange(ys.min() - 0.2 * span, ys.max() + 0.9 * span,
                                            padding=0)
        self.info.setText(
            f"Label noise: measured / predicted spread = <b>{m['band_ratio']:.3f}</b> over "
            f"{int(m['refits'])} refits · input noise: ‖a<sub>SGD</sub> − a<sub>ridge</sub>‖ = "
            f"<b>{m['ridge_mismatch']:.3g}</b> (‖a<sub>LS</sub> − a<sub>ridge</sub>‖ = "
            f"{m['ls_ridge_distance']:.3g}) · training loss: SGD {m['train_loss_sgd']:.4g}, "
            f"ridge {m['train_loss_ridge']:.4g}, least squares {m['train_loss_ls']:.4g}")
