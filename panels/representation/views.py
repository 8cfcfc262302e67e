"""Views of the representation-learning demos (lecture chapter 3): PCA and autoencoders.

- PCA: covariance, eigenvalue spectrum (log) and cumulative explained variance, the leading
  eigenvectors (eigen-digits, plane waves, or the axes of a 2-d cloud), the successive
  reconstruction with a slider for M (an edit of the running engine; without a live run
  a paused one is started), the data on (z₁, z₂); clicks add points to the 2-d cloud.
- Autoencoder: reconstructions, the latent map, the loss next to PCA's floor.
- Linear autoencoder: principal angles to the PCA subspace, loss → floor, spectrum of
  W′W, the overlap of decoder columns with the eigenvectors.
- Denoising: noisy / clean / output, the loss and the small-ε expansion with ⟨‖J<sub>F</sub>‖²⟩.
- Contractive: singular values of J<sub>E</sub>, hidden activations, norms of W and W′.
Whole-data metrics are NaN in the history except every few steps: they are drawn as
connected dots (CurvePlot drops the NaN). No engine (and so no torch) is imported here.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QSizePolicy,
                               QStackedWidget, QVBoxLayout, QWidget)

from engines.representation.configs import MAX_COMPONENTS, AddPoint, Components, PCAConfig
from engines.runtime import Snapshot
from workbench import runner as states
from workbench.demo_view import DemoView
from workbench.field_slider import FieldSlider
from workbench.plots import (FG, PALETTE, CurvePlot, ImagePlot, MosaicPlot,
                             diverging_colormap, grey_colormap, shared_brush, shared_brushes)

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BROWN, GREY = PALETTE
DIGIT_COLORS = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B",
                "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF")
#: The covariance (784 x 784 for MNIST) is redrawn on every this many snapshots only.
COVARIANCE_EVERY = 5


# ---- layout helpers -------------------------------------------------------------------
def _label() -> QLabel:
    """A rich-text readout that never widens the view."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def _layout(view: QWidget, cells, top_widgets=()) -> None:
    """A thin control row on top, then (widget, row, col) cells in a grid."""
    outer = QVBoxLayout(view)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.setSpacing(4)
    bar = QWidget()
    row = QHBoxLayout(bar)
    row.setContentsMargins(4, 0, 4, 0)
    for w, stretch in top_widgets:
        row.addWidget(w, stretch)
    outer.addWidget(bar)
    holder = QWidget()
    grid = QGridLayout(holder)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(6)
    for cell in cells:
        # titles must not set the width: 3 columns share a 1280 px window
        cell[0].setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        cell[0].setMinimumSize(140, 120)
        grid.addWidget(*cell)
    for r in range(grid.rowCount()):
        grid.setRowStretch(r, 1)
    for c in range(grid.columnCount()):
        grid.setColumnStretch(c, 1)
    outer.addWidget(holder, 1)


class _Cell(QStackedWidget):
    """One grid cell with alternative plots (digits as images, other data as curves)."""

    def __init__(self, *plots):
        super().__init__()
        self.all = plots
        for p in plots:
            self.addWidget(p)

    def show_plot(self, plot) -> None:
        if self.currentWidget() is not plot:
            self.setCurrentWidget(plot)

    @property
    def current(self):
        return self.currentWidget()


def _g(v: float) -> str:
    return "–" if v is None or not np.isfinite(v) else f"{v:.3g}"


def _side(d: int) -> int:
    s = int(round(math.sqrt(d)))
    return s if s * s == d else 0


def digit_rows(rows, side: int, gap: int = 2) -> np.ndarray:
    """Rows of digits (each an (n, side²) array) as one grey image, rows top to bottom,
    with a bright gap line between rows; pixel values clipped to [0, 1]."""
    n = max(len(r) for r in rows)
    h = len(rows) * side + (len(rows) - 1) * gap
    w = n * side + (n - 1) * gap
    out = np.full((h, w), 0.35)
    for i, r in enumerate(rows):
        for j, x in enumerate(np.asarray(r, float)):
            y0, x0 = i * (side + gap), j * (side + gap)
            out[y0:y0 + side, x0:x0 + side] = np.clip(x.reshape(side, side), 0.0, 1.0)
    return out


def _hline(plot: CurvePlot, key: str, steps: np.ndarray, value: float) -> None:
    if steps.size == 0 or not np.isfinite(value):
        plot.set_curve(key, [], [])
        return
    plot.set_curve(key, [steps[0], max(steps[-1], steps[0] + 1)], [value, value])


class _ClickPlot(CurvePlot):
    """A CurvePlot whose left clicks in the plot area call ``on_click(x, y)``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_click = None
        self.scene().sigMouseClicked.connect(self._clicked)

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.on_click is None:
            return
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        p = vb.mapSceneToView(event.scenePos())
        event.accept()
        self.on_click(float(p.x()), float(p.y()))


class _RepView(DemoView):
    """Common parts: a readout in the top row, themes for the plots not shown now."""

    def all_plots(self) -> list:
        return self.plots()

    def theme_changed(self, theme) -> None:
        for plot in self.all_plots():
            plot.apply_theme(theme)

    def _labels_brushes(self, labels: np.ndarray, alpha: int = 190) -> list:
        labels = np.asarray(labels, float)
        if labels.size and np.all(labels == np.round(labels)) and labels.max() <= 9:
            table = [shared_brush(pg.mkColor(c).red(), pg.mkColor(c).green(),
                                  pg.mkColor(c).blue(), alpha) for c in DIGIT_COLORS]
            return [table[int(v) % 10] for v in labels]
        lo, hi = (float(labels.min()), float(labels.max())) if labels.size else (0.0, 1.0)
        t = (labels - lo) / (hi - lo) if hi > lo else np.zeros_like(labels)
        rgba = pg.colormap.get("viridis").map(t, mode="byte")
        return shared_brushes(rgba, alpha=alpha)


# ---- PCA ------------------------------------------------------------------------------
class PCAView(_RepView):
    NEEDS = ("metrics.explained_variance", "metrics.n_samples", "metrics.components",
             "metrics.recon_mse", "metrics.dim", "metrics.total_variance",
             "arrays.covariance", "arrays.eigenvalues", "arrays.explained_cumulative",
             "arrays.eigenvectors", "arrays.mean", "arrays.recon_inputs", "arrays.recon",
             "arrays.projection", "arrays.projection_labels", "arrays.image_side")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.mode = "mnist"
        self._frame = 0
        self.outcome: str | None = None          # how the last run ended
        self.budget: int | None = None
        self.slider = FieldSlider(PCAConfig, "components", "Components M")
        self.slider.value_changed.connect(self._m_moved)
        self.readout = _label()
        self.hint = QLabel("")
        self.cov = ImagePlot("Covariance C<sub>ij</sub>", colormap=diverging_colormap(),
                             picture=True, colorbar=True)
        self.spectrum = CurvePlot("Eigenvalues λ<sub>k</sub>", "k", "λ<sub>k</sub>",
                                  log_y=True, legend="top-right")
        self.spectrum.add_curve("eig", "sample C", BLUE, width=1.8,
                                symbol="o", symbol_size=4)
        self.spectrum.add_curve("power", "λ(q), sorted", VERMILLION,
                                width=2.0, style="dash")
        self.cumul = CurvePlot("Explained variance",
                               "M (dashed: yours)", "Σ<sub>k≤M</sub>λ<sub>k</sub> / Σλ", legend=None, y_range=(0, 1))
        self.cumul.add_curve("cum", "cumulative fraction", GREEN, width=2.4)
        self.cumul.add_curve("m", "your M", FG, width=1.4, style="dash")
        # eigenvectors: eigen-digits | plane waves | axes over the 2-d cloud
        self.eig_digits = MosaicPlot("Eigenvectors v<sup>(k)</sup>", "waiting for a run")
        self.eig_curves = CurvePlot("Eigenvectors v<sup>(k)</sup>", "site i",
                                    "v<sub>i</sub><sup>(k)</sup>", legend="bottom-right")
        for k in range(4):
            self.eig_curves.add_curve(f"v{k}", f"k = {k + 1}", PALETTE[k], width=2.0)
        self.cloud = _ClickPlot("Data (click: add)", "x₁", "x₂", legend="top-left")
        self.cloud.plotItem.setAspectLocked(True)
        self.cloud.add_curve("points", "samples", SKY, width=0, symbol="o", symbol_size=5,
                             alpha=150)
        self.cloud.add_curve("added", "your points", VERMILLION, width=0, symbol="star",
                             symbol_size=14)
        self.cloud.add_curve("axis1", "2√λ₁ v⁽¹⁾", BLUE, width=3.0)
        self.cloud.add_curve("axis2", "2√λ₂ v⁽²⁾", GREEN, width=3.0)
        self.cloud.add_curve("truth", "true 2σ ellipse", FG, width=1.4, style="dash")
        self.cloud.on_click = self._cloud_clicked
        self.eig_cell = _Cell(self.eig_digits, self.eig_curves, self.cloud)
        # reconstructions
        self.recon_img = ImagePlot("x and x<sub>M</sub> (M terms)",
                                   colormap=grey_colormap(), levels=(0.0, 1.0), picture=True)
        self.recon_curves = CurvePlot("x and x<sub>M</sub> (M terms)", "site i", "x<sub>i</sub>",
                                      legend="bottom-right")
        for j in range(2):
            self.recon_curves.add_curve(f"x{j}", f"x (sample {j + 1})", PALETTE[j], width=2.0)
            self.recon_curves.add_curve(f"r{j}", f"reconstruction {j + 1}", PALETTE[j],
                                        width=2.0, style="dash")
        self.recon_2d = CurvePlot("x and x<sub>M</sub> (M terms)", "x₁", "x₂",
                                  legend="top-left")
        self.recon_2d.plotItem.setAspectLocked(True)
        self.recon_2d.add_curve("x", "x", BLUE, width=0, symbol="o", symbol_size=8)
        self.recon_2d.add_curve("r", "reconstruction", VERMILLION, width=0, symbol="s",
                                symbol_size=8)
        self.recon_2d.add_curve("link", "", GREY, width=1.2, legend=False)
        self.recon_cell = _Cell(self.recon_img, self.recon_curves, self.recon_2d)
        self.proj = CurvePlot("Data on (z₁, z₂)", "z₁ = ⟨v⁽¹⁾|x − ⟨x⟩⟩", "z₂ = ⟨v⁽²⁾|x − ⟨x⟩⟩",
                              legend=None)
        self.proj_scatter = pg.ScatterPlotItem([], [], size=5, pen=pg.mkPen(None))
        self.proj.plotItem.addItem(self.proj_scatter)
        _layout(self, [(self.cov, 0, 0), (self.spectrum, 0, 1), (self.cumul, 0, 2),
                       (self.eig_cell, 1, 0), (self.recon_cell, 1, 1), (self.proj, 1, 2)],
                [(self.slider, 2), (self.hint, 0), (self.readout, 3)])
        self.slider.set_value(PCAConfig().components)

    def plots(self) -> list:
        return [self.cov, self.spectrum, self.cumul, self.eig_cell.current,
                self.recon_cell.current, self.proj]

    def all_plots(self) -> list:
        return [self.cov, self.spectrum, self.cumul, self.proj, *self.eig_cell.all,
                *self.recon_cell.all]

    # ---- mode and controls ------------------------------------------------------------
    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        if mode == "mnist":
            self.eig_cell.show_plot(self.eig_digits)
            self.recon_cell.show_plot(self.recon_img)
        elif mode == "random_field":
            self.eig_cell.show_plot(self.eig_curves)
            self.recon_cell.show_plot(self.recon_curves)
        else:
            self.eig_cell.show_plot(self.cloud)
            self.recon_cell.show_plot(self.recon_2d)
        self.spectrum.set_curve_enabled("power", mode == "random_field")
        self.hint.setText("Click in the data plot: add a point." if mode == "gaussian2d"
                          else "")

    def config_changed(self, cfg) -> None:
        self._set_mode(cfg.data)
        self.slider.set_value(cfg.components)

    def _m_moved(self, value: float) -> None:
        m = int(round(value))
        ctx = self.ctx
        if ctx is None or not ctx.current:
            return
        ctx.set_field("components", m)
        self.set_components(m)

    def set_components(self, m: int) -> bool:
        """Send M to the running engine; with no live run, start a paused one (which
        takes M from the form)."""
        ctx = self.ctx
        snap = ctx.last_snapshot
        if ctx.live and snap is not None and m > int(snap.metrics["dim"]):
            ctx.message(f"M = {m} exceeds the data's dimension {int(snap.metrics['dim'])}.",
                        error=True)
            return False
        edit = Components(m=m)
        if ctx.live:
            return ctx.send_edit(edit)
        if ctx.state == states.STOPPING:
            ctx.message("The run is stopping; try again in a moment.", error=True)
            return False
        how = self._continue_or_start()
        if how is None:
            return False
        ctx.message(f"M = {m}: {how}, paused. Press Resume (Space) or Step to stream "
                    "more data.")
        return ctx.send_edit(edit)

    def _continue_or_start(self) -> str | None:
        """A paused run to take an edit: the finished one continued (its covariance
        estimate kept), else a new one."""
        ctx = self.ctx
        if (ctx.state == states.FINISHED and ctx.last_snapshot is not None
                and ctx.run_config is not None and self.outcome in ("completed", "stopped")):
            if ctx.continue_paused(self.budget):
                self.outcome = None
                return "continues the finished run"
            return None
        return "started a paused run" if ctx.start(paused=True) else None

    def _cloud_clicked(self, x: float, y: float) -> None:
        self.add_point(x, y)

    def add_point(self, x: float, y: float) -> bool:
        ctx = self.ctx
        if ctx is None or not ctx.current:
            return False
        if self.mode != "gaussian2d":
            ctx.message("Points can be added to the 2-d Gaussian cloud only.", error=True)
            return False
        change = AddPoint(x=x, y=y)
        if ctx.live:
            ctx.send_edit(change)
            ctx.message(f"Point ({x:.3g}, {y:.3g}) sent.")
            return True
        if ctx.state == states.STOPPING:
            ctx.message("The run is stopping; try again in a moment.", error=True)
            return False
        how = self._continue_or_start()
        if how is None:
            return False
        ctx.send_edit(change)
        ctx.message(f"Point ({x:.3g}, {y:.3g}): {how}, paused. Press Resume (Space) to "
                    "stream samples.")
        return True

    def run_started(self, cfg) -> None:
        self._frame = 0
        self.outcome = None
        self.budget = int(cfg.steps)

    def run_finished(self, outcome: str) -> None:
        self.outcome = outcome

    # ---- drawing ----------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        side = int(a["image_side"][0])
        # the data choice decides the keys: points (2-d cloud), spectrum_* (random field)
        mode = "mnist" if side > 0 else ("gaussian2d" if "points" in a else "random_field")
        if mode != self.mode:
            self._set_mode(mode)
        cov = a["covariance"]
        if self._frame % COVARIANCE_EVERY == 0 or snap.final or cov.shape[0] <= 64:
            # the diagonal dominates: a high percentile lets the correlations show
            top = float(np.percentile(np.abs(cov), 99.5)) or float(np.abs(cov).max()) or 1.0
            self.cov.set_image(cov, levels=(-top, top))
        self._frame += 1
        lam = a["eigenvalues"]
        k = np.arange(1, lam.size + 1)
        shown = min(lam.size, 200)
        self.spectrum.set_curve("eig", k[:shown], lam[:shown])
        if "spectrum_true_sorted" in a:                 # random field only
            self.spectrum.set_curve("power", k[:shown], a["spectrum_true_sorted"][:shown])
        cum = a["explained_cumulative"]
        shown_c = min(cum.size, MAX_COMPONENTS)
        self.cumul.set_curve("cum", np.arange(1, shown_c + 1), cum[:shown_c])
        mm = int(m["components"])
        if not self.slider.slider.isSliderDown() and int(self.slider.value()) != mm:
            self.slider.set_value(mm)
        self.cumul.set_curve("m", [mm, mm], [0.0, 1.0])
        vecs = a["eigenvectors"]
        if mode == "mnist":
            self.eig_digits.set_tiles(vecs.reshape(-1, side, side),
                                      [f"{i + 1}" for i in range(len(vecs))])
            self.recon_img.set_image(digit_rows([a["recon_inputs"], a["recon"]], side),
                                     levels=(0.0, 1.0))
        elif mode == "random_field":
            sites = a["sites"]
            for j in range(4):
                self.eig_curves.set_curve(f"v{j}", sites, vecs[j] if j < len(vecs) else [])
            for j in range(2):
                self.recon_curves.set_curve(f"x{j}", sites, a["recon_inputs"][j])
                self.recon_curves.set_curve(f"r{j}", sites, a["recon"][j])
        else:
            pts = a["points"]
            self.cloud.set_curve("points", pts[:, 0], pts[:, 1])
            added = a["added_points"]
            self.cloud.set_curve("added", added[:, 0], added[:, 1])
            mean = a["mean"]
            for j in range(2):
                end = mean + 2 * math.sqrt(max(lam[j], 0.0)) * vecs[j]
                self.cloud.set_curve(f"axis{j + 1}", [mean[0], end[0]], [mean[1], end[1]])
            w, v = np.linalg.eigh(a["true_covariance"])
            phi = np.linspace(0, 2 * np.pi, 120)
            ell = (v @ (2 * np.sqrt(np.maximum(w, 0))[:, None]
                        * np.stack([np.cos(phi), np.sin(phi)])))
            self.cloud.set_curve("truth", ell[0], ell[1])
            x, r = a["recon_inputs"], a["recon"]
            self.recon_2d.set_curve("x", x[:, 0], x[:, 1])
            self.recon_2d.set_curve("r", r[:, 0], r[:, 1])
            link = np.full((len(x) * 3, 2), np.nan)
            link[0::3], link[1::3] = x, r
            item = self.recon_2d.curve("link")
            item.setData(link[:, 0], link[:, 1], connect="finite")
        p = a["projection"]
        self.proj_scatter.setData(p[:, 0], p[:, 1],
                                  brush=self._labels_brushes(a["projection_labels"]))
        text = (f"N = <b>{int(m['n_samples'])}</b> samples · M = <b>{mm}</b>: explained "
                f"<b>{m['explained_variance']:.1%}</b> of Σλ = {_g(m['total_variance'])}"
                f" · reconstruction error ⟨‖x − x<sub>M</sub>‖²⟩ = <b>{_g(m['recon_mse'])}</b>")
        if "eigvec_planewave_fraction" in a:            # random field only
            text += (" · plane-wave fraction of v⁽¹⁾…v⁽⁴⁾: "
                     + ", ".join(f"{f:.2f}" for f in a["eigvec_planewave_fraction"][:4]))
        self.readout.setText(text)

    def reset(self) -> None:
        super().reset()
        for plot in self.all_plots():
            if hasattr(plot, "reset"):
                plot.reset()
        self.proj_scatter.setData([], [])
        self.readout.clear()


# ---- autoencoder ----------------------------------------------------------------------
class AutoencoderView(_RepView):
    NEEDS = ("metrics.loss", "metrics.pca_floor", "metrics.loss_over_floor",
             "metrics.bottleneck", "arrays.latent", "arrays.latent_color",
             "arrays.recon", "arrays.pca_recon", "history.loss", "history.batch_loss",
             "history.pca_floor", "history.loss_over_floor")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.readout = _label()
        self.curve_plot = CurvePlot("Data, x′ and D(z)", "x₁", "x₂",
                                    legend="top-left")
        c = self.curve_plot
        c.plotItem.setAspectLocked(True)
        c.add_curve("points", "data x", GREY, width=0, symbol="o", symbol_size=4, alpha=120)
        c.add_curve("pca", "PCA, same k", GREEN, width=0, symbol="o", symbol_size=3,
                    alpha=150)
        c.add_curve("recon", "autoencoder x′", BLUE, width=0, symbol="o", symbol_size=4)
        c.add_curve("manifold", "D(z)", VERMILLION, width=3.0)
        self.recon_img = ImagePlot("x · x′ · PCA (same k)",
                                   colormap=grey_colormap(), levels=(0.0, 1.0), picture=True)
        self.recon_cell = _Cell(self.curve_plot, self.recon_img)
        self.latent = CurvePlot("Latent code z = E(x)", "z₁", "z₂", legend=None)
        self.latent_scatter = pg.ScatterPlotItem([], [], size=5, pen=pg.mkPen(None))
        self.latent.plotItem.addItem(self.latent_scatter)
        self.loss = CurvePlot("Loss ⟨‖x − x′‖²⟩", "step", "loss", log_y=True,
                              legend="top-right")
        self.loss.add_curve("batch_loss", "batch", SKY, width=1.0, alpha=140)
        self.loss.add_curve("loss", "all data", BLUE, width=2.2, symbol="o", symbol_size=4)
        self.loss.add_curve("pca_floor", "PCA floor Σ<sub>l>k</sub>λ<sub>l</sub>", FG,
                            width=1.8, style="dash")
        self.ratio = CurvePlot("Loss / PCA floor", "step", "ratio", legend="top-right")
        self.ratio.add_curve("loss_over_floor", "autoencoder / PCA", PURPLE, width=2.2,
                             symbol="o", symbol_size=4)
        self.ratio.add_curve("one", "1 (= PCA)", FG, width=1.4, style="dash")
        _layout(self, [(self.recon_cell, 0, 0), (self.latent, 0, 1),
                       (self.loss, 1, 0), (self.ratio, 1, 1)], [(self.readout, 1)])

    def plots(self) -> list:
        return [self.recon_cell.current, self.latent, self.loss, self.ratio]

    def all_plots(self) -> list:
        return [self.curve_plot, self.recon_img, self.latent, self.loss, self.ratio]

    def config_changed(self, cfg) -> None:
        self.recon_cell.show_plot(self.recon_img if cfg.data == "mnist" else self.curve_plot)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m, h = snap.arrays, snap.metrics, snap.history
        if "recon_inputs" in a:                         # MNIST
            self.recon_cell.show_plot(self.recon_img)
            side = _side(a["recon_inputs"].shape[1])
            self.recon_img.set_image(digit_rows([a["recon_inputs"], a["recon"],
                                                 a["pca_recon"]], side), levels=(0.0, 1.0))
        else:                                           # curve in 2-d
            self.recon_cell.show_plot(self.curve_plot)
            c = self.curve_plot
            c.set_curve("points", a["points"][:, 0], a["points"][:, 1])
            c.set_curve("recon", a["recon"][:, 0], a["recon"][:, 1])
            c.set_curve("pca", a["pca_recon"][:, 0], a["pca_recon"][:, 1])
            if "manifold" in a:                         # 2-d data only
                c.set_curve("manifold", a["manifold"][:, 0], a["manifold"][:, 1])
            else:
                c.set_curve("manifold", [], [])
        z = a["latent"]
        y = z[:, 1] if z.shape[1] > 1 else a["latent_color"]
        ylabel = "z₂" if z.shape[1] > 1 else "position along the curve"
        if self.latent._y_label != ylabel:
            self.latent._y_label = ylabel
            self.latent._restyle()
        self.latent_scatter.setData(z[:, 0], y, brush=self._labels_brushes(a["latent_color"]))
        self.loss.show_history(h)
        self.ratio.show_history(h)
        _hline(self.ratio, "one", h["step"], 1.0)
        self.readout.setText(
            f"k = <b>{int(m['bottleneck'])}</b> · loss <b>{_g(m['loss'])}</b> · PCA floor "
            f"(same k) <b>{_g(m['pca_floor'])}</b> · ratio <b>{_g(m['loss_over_floor'])}</b>"
            + (" — below 1: the nonlinear code beats PCA" if m["loss_over_floor"] < 1 else ""))

    def reset(self) -> None:
        super().reset()
        for plot in self.all_plots():
            plot.reset()
        self.latent_scatter.setData([], [])
        self.readout.clear()


# ---- linear autoencoder ---------------------------------------------------------------
class LinearView(_RepView):
    NEEDS = ("metrics.subspace_angle_deg", "metrics.loss_over_floor", "metrics.loss",
             "metrics.floor", "metrics.eigvec_alignment", "metrics.bottleneck",
             "arrays.principal_angles_deg", "arrays.wtw_spectrum", "arrays.overlap",
             "arrays.decoder_images", "arrays.eigenvectors", "arrays.recon_inputs",
             "arrays.recon", "arrays.pca_recon", "history.subspace_angle_deg",
             "history.mean_angle_deg", "history.loss", "history.batch_loss", "history.floor")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.readout = _label()
        self.angles = CurvePlot("Angles to PCA", "step", "degrees",
                                legend="top-right")
        self.angles.add_curve("subspace_angle_deg", "largest angle", VERMILLION, width=2.2,
                              symbol="o", symbol_size=4)
        self.angles.add_curve("mean_angle_deg", "mean angle", BLUE, width=2.2, symbol="o",
                              symbol_size=4)
        self.loss = CurvePlot("Loss → floor", "step", "loss",
                              log_y=True, legend="top-right")
        self.loss.add_curve("batch_loss", "batch", SKY, width=1.0, alpha=140)
        self.loss.add_curve("loss", "all data", BLUE, width=2.2, symbol="o", symbol_size=4)
        self.loss.add_curve("floor", "PCA floor", FG, width=1.8, style="dash")
        self.wtw = CurvePlot("Spectrum of W′W", "index", "eigenvalue", legend="bottom-right",
                             y_range=(0.0, 1.3))
        self.wtw.add_curve("spec", "eigenvalues of W′W", PURPLE, width=1.5, symbol="o",
                           symbol_size=9)
        self.wtw.add_curve("one", "1 (a projector)", FG, width=1.4, style="dash")
        self.overlap = ImagePlot("Overlap |⟨v<sup>(i)</sup>|ŵ′<sub>j</sub>⟩|",
                                 colormap="viridis", levels=(0.0, 1.0),
                                 picture=True, colorbar=True)
        self.columns = MosaicPlot("Columns w′<sub>j</sub> / v<sup>(j)</sup>",
                                  "waiting for a run")
        self.recon = ImagePlot("x · linear AE · PCA", colormap=grey_colormap(),
                               levels=(0.0, 1.0), picture=True)
        _layout(self, [(self.angles, 0, 0), (self.loss, 0, 1), (self.wtw, 0, 2),
                       (self.overlap, 1, 0), (self.columns, 1, 1), (self.recon, 1, 2)],
                [(self.readout, 1)])

    def plots(self) -> list:
        return [self.angles, self.loss, self.wtw, self.overlap, self.columns, self.recon]

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m, h = snap.arrays, snap.metrics, snap.history
        self.angles.show_history(h)
        self.loss.show_history(h)
        s = a["wtw_spectrum"]
        idx = np.arange(1, s.size + 1)
        self.wtw.set_curve("spec", idx, s)
        self.wtw.set_curve("one", [0.5, s.size + 0.5], [1.0, 1.0])
        self.overlap.set_image(a["overlap"])
        dec, eig = a["decoder_images"], a["eigenvectors"]
        side = _side(dec.shape[1])
        k = dec.shape[0]
        if side:
            stack = np.concatenate([dec, eig]).reshape(-1, side, side)
            mosaic, _, _ = MosaicPlot.tile(stack, ncols=k)
            self.columns.set_image(mosaic)
            self.columns.hint.setVisible(False)
            self.recon.set_image(digit_rows([a["recon_inputs"], a["recon"], a["pca_recon"]],
                                            side), levels=(0.0, 1.0))
        angles = ", ".join(f"{v:.1f}°" for v in a["principal_angles_deg"])
        self.readout.setText(
            f"k = <b>{int(m['bottleneck'])}</b> · principal angles: {angles} · loss / floor "
            f"= <b>{_g(m['loss_over_floor'])}</b> · alignment of columns with eigenvectors "
            f"{_g(m['eigvec_alignment'])}")

    def reset(self) -> None:
        super().reset()
        self.readout.clear()


# ---- denoising ------------------------------------------------------------------------
class DenoisingView(_RepView):
    NEEDS = ("metrics.recon_mse", "metrics.noisy_mse", "metrics.jacobian_frobenius",
             "arrays.clean", "arrays.noisy", "arrays.output", "arrays.image_side",
             "history.recon_mse", "history.noisy_mse", "history.jacobian_frobenius",
             "history.batch_loss")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.readout = _label()
        self.triples_img = ImagePlot("noisy · clean · F(noisy)",
                                     colormap=grey_colormap(), levels=(0.0, 1.0),
                                     picture=True)
        self.triples_curves = CurvePlot("noisy · clean · F(noisy)", "site i",
                                        "x<sub>i</sub>", legend="bottom-right")
        t = self.triples_curves
        t.add_curve("noisy", "noisy input", GREY, width=1.4)
        t.add_curve("clean", "clean x", BLUE, width=2.4)
        t.add_curve("output", "output F", VERMILLION, width=2.4, style="dash")
        self.triples_cell = _Cell(self.triples_img, self.triples_curves)
        self.loss = CurvePlot("Loss ⟨‖F(x<sub>noisy</sub>) − x‖²⟩", "step", "loss", log_y=True,
                              legend="top-right")
        self.loss.add_curve("batch_loss", "batch", SKY, width=1.0, alpha=140)
        self.loss.add_curve("noisy_mse", "noisy input", BLUE, width=2.2, symbol="o",
                            symbol_size=4)
        self.loss.add_curve("expansion_prediction",
                            "⟨‖F(x) − x‖²⟩ + ε²⟨‖J<sub>F</sub>‖²⟩", FG, width=1.8,
                            style="dash")
        self.loss.add_curve("recon_mse", "clean input ⟨‖F(x) − x‖²⟩", GREEN, width=2.0,
                            symbol="o", symbol_size=4)
        self.jac = CurvePlot("⟨‖J<sub>F</sub>‖²<sub>F</sub>⟩", "step",
                             "‖J<sub>F</sub>‖²", log_y=True, legend="bottom-right")
        self.jac.add_curve("jacobian_frobenius", "measured", PURPLE, width=2.2, symbol="o",
                           symbol_size=4)
        self.jac.add_curve("implied", "(L<sub>noisy</sub> − L<sub>clean</sub>)/ε²", ORANGE,
                           width=1.8, style="dash", symbol="o", symbol_size=3)
        self.shrink = CurvePlot("Linear F: shrinkage",
                                "eigenvalue λ", "gain", legend="bottom-right", y_range=(0, 1.05))
        self.shrink.plotItem.setLogMode(x=True, y=False)
        self.shrink.plotItem.setYRange(0.0, 1.05, padding=0.02)
        self.shrink.add_curve("closed", "λ/(λ+ε²)", FG, width=1.8, style="dash")
        self.shrink.add_curve("learned", "learned A", VERMILLION, width=0, symbol="o",
                              symbol_size=8)
        self.shrink_hint = self.shrink._add_text("linear model, Gaussian noise only")
        self.shrink_hint.setPos(0.5, 0.5)
        _layout(self, [(self.triples_cell, 0, 0), (self.loss, 0, 1), (self.jac, 1, 0),
                       (self.shrink, 1, 1)], [(self.readout, 1)])

    def plots(self) -> list:
        return [self.triples_cell.current, self.loss, self.jac, self.shrink]

    def all_plots(self) -> list:
        return [self.triples_img, self.triples_curves, self.loss, self.jac, self.shrink]

    def config_changed(self, cfg) -> None:
        self.triples_cell.show_plot(self.triples_img if cfg.data == "mnist"
                                    else self.triples_curves)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m, h = snap.arrays, snap.metrics, snap.history
        side = int(a["image_side"][0])
        if side > 0:
            self.triples_cell.show_plot(self.triples_img)
            self.triples_img.set_image(digit_rows([a["noisy"], a["clean"], a["output"]],
                                                  side), levels=(0.0, 1.0))
        else:
            self.triples_cell.show_plot(self.triples_curves)
            sites = np.arange(a["clean"].shape[1])
            for key in ("noisy", "clean", "output"):
                self.triples_curves.set_curve(key, sites, a[key][0])
        self.loss.show_history(h)
        self.jac.show_history(h)
        if "expansion_prediction" in h:     # Gaussian noise only
            jac, clean = h["jacobian_frobenius"], h["recon_mse"]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = (h["expansion_prediction"] - clean) / jac   # = ε² where measured
            ratio = ratio[np.isfinite(ratio)]
            if ratio.size:
                self.jac.set_curve("implied", h["step"],
                                   (h["noisy_mse"] - clean) / float(np.median(ratio)))
        else:
            self.jac.set_curve("implied", [], [])
        if "shrink_learned" in a:           # the linear model only
            self.shrink_hint.setVisible(False)
            lam = np.maximum(a["eigenvalues"], 1e-12)
            order = np.argsort(lam)
            self.shrink.set_curve("closed", lam[order],
                                  a["shrink_closed_form"][order])
            self.shrink.set_curve("learned", lam, a["shrink_learned"])
        else:
            self.shrink_hint.setVisible(True)
            self.shrink.set_curve("closed", [], [])
            self.shrink.set_curve("learned", [], [])
        text = (f"clean-input error <b>{_g(m['recon_mse'])}</b> · noisy-input loss "
                f"<b>{_g(m['noisy_mse'])}</b> · ⟨‖J<sub>F</sub>‖²⟩ = "
                f"<b>{_g(m['jacobian_frobenius'])}</b>")
        if "expansion_prediction" in m:     # Gaussian noise only
            text += f" · expansion predicts <b>{_g(m['expansion_prediction'])}</b>"
        if "distance_to_closed_form" in m:  # the linear model with Gaussian noise only
            text += (" · ‖A − C(C+ε²)⁻¹‖ = "
                     f"<b>{_g(m['distance_to_closed_form'])}</b>")
        self.readout.setText(text)

    def reset(self) -> None:
        super().reset()
        for plot in self.all_plots():
            plot.reset()
        self.readout.clear()


# ---- contractive ----------------------------------------------------------------------
class ContractiveView(_RepView):
    NEEDS = ("metrics.recon_mse", "metrics.jacobian_frobenius", "metrics.saturated_fraction",
             "metrics.encoder_norm", "metrics.decoder_norm", "arrays.singular_values",
             "arrays.activation_hist", "arrays.activation_bins", "arrays.recon_inputs",
             "arrays.recon", "arrays.filters", "history.recon_mse", "history.loss",
             "history.jacobian_frobenius", "history.encoder_norm", "history.decoder_norm",
             "history.batch_loss")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.readout = _label()
        self.sv = CurvePlot("Singular values of J<sub>E</sub>", "index", "s<sub>i</sub>",
                            log_y=True, legend="top-right")
        for j in range(4):
            self.sv.add_curve(f"s{j}", f"input {j + 1}", PALETTE[j], width=2.0)
        self.hist = CurvePlot("Hidden activations", "h = σ(Wx + b)", "fraction",
                              legend=None)
        self.bars = pg.BarGraphItem(x=[0.5], height=[0.0], width=0.05,
                                    brush=pg.mkBrush(BLUE), pen=pg.mkPen(None))
        self.hist.plotItem.addItem(self.bars)
        self.loss = CurvePlot("Error and ⟨‖J<sub>E</sub>‖²⟩", "step", "per sample",
                              log_y=True, legend="top-right")
        self.loss.add_curve("batch_loss", "batch loss", SKY, width=1.0, alpha=140)
        self.loss.add_curve("recon_mse", "⟨‖x − x′‖²⟩", BLUE, width=2.2, symbol="o",
                            symbol_size=4)
        self.loss.add_curve("jacobian_frobenius", "⟨‖J<sub>E</sub>‖²<sub>F</sub>⟩", PURPLE,
                            width=2.2, symbol="o", symbol_size=4)
        self.norms = CurvePlot("Norms ‖W‖, ‖W′‖", "step", "norm",
                               legend="top-left")
        self.norms.add_curve("encoder_norm", "encoder ‖W‖", GREEN, width=2.2, symbol="o",
                             symbol_size=4)
        self.norms.add_curve("decoder_norm", "decoder ‖W′‖", VERMILLION, width=2.2,
                             style="dash", symbol="o", symbol_size=4)
        self.recon = ImagePlot("x / reconstruction", colormap=grey_colormap(),
                               levels=(0.0, 1.0), picture=True)
        self.filters = MosaicPlot("Encoder filters", "waiting for a run")
        _layout(self, [(self.sv, 0, 0), (self.hist, 0, 1), (self.loss, 0, 2),
                       (self.norms, 1, 0), (self.recon, 1, 1), (self.filters, 1, 2)],
                [(self.readout, 1)])

    def plots(self) -> list:
        return [self.sv, self.hist, self.loss, self.norms, self.recon, self.filters]

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m, h = snap.arrays, snap.metrics, snap.history
        sv = a["singular_values"]
        idx = np.arange(1, sv.shape[1] + 1)
        for j in range(4):
            self.sv.set_curve(f"s{j}", idx, sv[j] if j < len(sv) else [])
        bins, counts = a["activation_bins"], a["activation_hist"]
        total = float(counts.sum()) or 1.0
        self.bars.setOpts(x=0.5 * (bins[1:] + bins[:-1]), height=counts / total,
                          width=0.9 * float(bins[1] - bins[0]))
        self.loss.show_history(h)
        self.norms.show_history(h)
        side = _side(a["recon"].shape[1])
        if side:
            self.recon.set_image(digit_rows([a["recon_inputs"], a["recon"]], side),
                                 levels=(0.0, 1.0))
            self.filters.set_tiles(a["filters"].reshape(-1, side, side))
        self.readout.setText(
            f"reconstruction error <b>{_g(m['recon_mse'])}</b> · ⟨‖J<sub>E</sub>‖²⟩ = "
            f"<b>{_g(m['jacobian_frobenius'])}</b> · saturated units "
            f"<b>{m['saturated_fraction']:.0%}</b> · ‖W‖ = {_g(m['encoder_norm'])}, "
            f"‖W′‖ = {_g(m['decoder_norm'])}")

    def reset(self) -> None:
        super().reset()
        self.bars.setOpts(x=[0.5], height=[0.0], width=0.05)
        self.readout.clear()
