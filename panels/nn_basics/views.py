"""Views of the chapter-2 demos (function fit, image fit, loss landscape).

Views only draw: they receive Snapshots from the panel and never import an engine
(engines import torch; the GUI must start without it).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

import pyqtgraph as pg

from engines.nn_basics.configs import TARGETS, THETA0_RANGE, THETA1_RANGE, X_RANGE
from engines.nn_basics.target_shapes import target_curve
from engines.runtime import Snapshot
from workbench.demo_view import DemoView, fill, splitter
from workbench.plots import FG, PALETTE, CurvePlot, ImagePlot, MosaicPlot, landscape_colormap

#: Optimizers of the landscape demo: key, legend label, colour (same in every plot).
OPTIMIZERS: tuple[tuple[str, str, str], ...] = (
    ("sgd", "SGD", "#D62728"),
    ("momentum", "SGD + momentum", "#E377C2"),
    ("rmsprop", "RMSProp", "#1F9FE0"),
    ("adam", "Adam", "#FF8C00"),
)




def _changed(old: np.ndarray | None, new: np.ndarray | None) -> bool:
    if new is None:
        return False
    if old is None or old is new:
        return old is None
    return old.shape != new.shape or not np.array_equal(old, new, equal_nan=True)


# ---- function approximation -----------------------------------------------------------
class FunctionFitView(DemoView):
    """Fit of y = F_θ(x), train/test loss and the fraction of (near-)zero weights."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.x_grid", "arrays.x_test", "arrays.x_train", "arrays.y_pred",
             "arrays.y_target", "arrays.y_test", "arrays.y_train", "history.sparsity",
             "history.step", "history.test_loss", "history.train_loss")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.fit = CurvePlot("Fit   y = F<sub>θ</sub>(x)", "x", "y", legend="top-left")
        self.fit.add_curve("test", "test data", "#7F7F7F", width=0, symbol="o",
                           symbol_size=4, alpha=110, z=-2)
        self.fit.add_curve("train", "training data", PALETTE[1], width=0, symbol="o",
                           symbol_size=8, z=-1)
        self.fit.add_curve("y_target", "target F(x)", FG, width=2.0, style="dash", z=1)
        self.fit.add_curve("y_pred", "network F<sub>θ</sub>(x)", PALETTE[0], width=3.5, z=2)
        self.fit.plotItem.setXRange(*X_RANGE, padding=0.02)
        self.fit.plotItem.enableAutoRange(axis="x", enable=False)
        self.loss = CurvePlot("Loss", "step", "mean squared error", log_y=True)
        self.loss.add_curve("train_loss", "training loss", PALETTE[0])
        self.loss.add_curve("test_loss", "test loss", PALETTE[1])
        self.sparsity = CurvePlot("Near-zero weights", "step", "fraction of weights",
                                  y_range=(0.0, 1.0), legend="top-left")
        self.sparsity.add_curve("sparsity", "|w| ≈ 0", PALETTE[2])
        self._y_ref: np.ndarray | None = None
        bottom = splitter(Qt.Orientation.Horizontal, self.loss, self.sparsity, stretch=[3, 2])
        fill(self, splitter(Qt.Orientation.Vertical, self.fit, bottom, stretch=[3, 2]))

    def plots(self) -> list:
        return [self.fit, self.loss, self.sparsity]

    def set_test_points_visible(self, visible: bool) -> None:
        self.fit.set_curve_enabled("test", visible)

    def reset(self) -> None:
        super().reset()
        self._y_ref = None

    def show_snapshot(self, snap: Snapshot) -> None:
        a = snap.arrays
        self.fit.set_curve("y_target", a["x_grid"], a["y_target"])
        self.fit.set_curve("y_pred", a["x_grid"], a["y_pred"])
        self.fit.set_curve("train", a["x_train"], a["y_train"])
        self.fit.set_curve("test", a["x_test"], a["y_test"])
        ref = a["y_train"]
        if _changed(self._y_ref, ref):
            self._y_ref = ref
            self._fix_y_range(a["y_target"], a["y_train"])
        self.loss.show_history(snap.history)
        self.sparsity.show_history(snap.history)

    def _fix_y_range(self, *arrays) -> None:
        """y range from target and data: a wild network early in training stays
        out of the picture instead of squashing the target."""
        vals = [np.asarray(v, dtype=float).ravel() for v in arrays if v is not None]
        vals = [v[np.isfinite(v)] for v in vals]
        vals = [v for v in vals if v.size]
        if not vals:
            return
        lo = min(float(v.min()) for v in vals)
        hi = max(float(v.max()) for v in vals)
        pad = 0.12 * (hi - lo if hi > lo else 1.0)
        self.fit.plotItem.setYRange(lo - pad, hi + pad, padding=0)

    def config_changed(self, cfg) -> None:
        x = np.linspace(*X_RANGE, 400)
        name = getattr(cfg, "target", "")
        if name in TARGETS:
            y = target_curve(name, x)   # the engine's own formula, in numpy
            self.fit.set_curve("y_target", x, y)
            self._fix_y_range(y + 2 * getattr(cfg, "noise", 0.0),
                              y - 2 * getattr(cfg, "noise", 0.0))
        parts = []
        if hasattr(cfg, "depth"):
            parts.append(f"{cfg.depth} × {cfg.width} {cfg.activation}")
        if hasattr(cfg, "lr"):
            parts.append(f"η = {cfg.lr:g}")
        if getattr(cfg, "l1", 0):
            parts.append(f"λ<sub>1</sub> = {cfg.l1:g}")
        if getattr(cfg, "l2", 0):
            parts.append(f"λ<sub>2</sub> = {cfg.l2:g}")
        if getattr(cfg, "dropout", 0):
            parts.append(f"dropout {cfg.dropout:g}")
        self.fit.set_title("Fit   y = F<sub>θ</sub>(x)"
                           + ("   <span style='font-weight:normal'>(" + ", ".join(parts)
                              + ")</span>" if parts else ""))


# ---- image as a function --------------------------------------------------------------
class ImageFitView(DemoView):
    """Target picture, the network's picture, loss and per-neuron contributions."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.image", "arrays.target", "history.loss", "history.step")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.target = ImagePlot("Target  f(x, y)", picture=True, levels=(0.0, 1.0))
        self.image = ImagePlot("Network  F<sub>θ</sub>(x, y)", picture=True, levels=(0.0, 1.0))
        self.mosaic = MosaicPlot("Neuron contributions  w<sub>j</sub> h<sub>j</sub>(x, y)",
                                 hint="shown when the run ends")
        self.loss = CurvePlot("Loss", "step", "mean squared error", log_y=True)
        self.loss.add_curve("loss", "loss", PALETTE[0])
        # Pictures and loss on top; the mosaic gets the full width so its tiles stay legible.
        top = splitter(Qt.Orientation.Horizontal, self.target, self.image, self.loss,
                        stretch=[2, 2, 3])
        fill(self, splitter(Qt.Orientation.Vertical, top, self.mosaic, stretch=[1, 1]))

    def plots(self) -> list:
        return [self.target, self.image, self.mosaic, self.loss]

    def show_snapshot(self, snap: Snapshot) -> None:
        a = snap.arrays
        self.target.set_image(a["target"], levels=(0.0, 1.0))
        self.image.set_image(a["image"], levels=(0.0, 1.0))
        if "contributions" in a:       # final snapshots only
            ids = a.get("contribution_ids")
            captions = [f"#{int(i)}" for i in np.asarray(ids).ravel()] if ids is not None else None
            self.mosaic.set_tiles(a["contributions"], captions)
        self.loss.show_history(snap.history)

    def config_changed(self, cfg) -> None:
        # The title stays short: a long one would widen the plot beyond its splitter cell.
        if hasattr(cfg, "depth"):
            self.image.setToolTip(f"{cfg.depth} hidden layers × {cfg.width} {cfg.activation} "
                                  f"neurons")


# ---- loss landscape -------------------------------------------------------------------
class LandscapeView(DemoView):
    """Optimizer paths on the (θ0, θ1) loss landscape, and their losses over steps."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.landscape", "arrays.path_adam", "arrays.path_momentum", "arrays.path_rmsprop",
             "arrays.path_sgd", "arrays.theta0_axis", "arrays.theta1_axis", "arrays.theta_true", "history.loss_adam", "history.loss_momentum",
             "history.loss_rmsprop", "history.loss_sgd", "history.step")

    N_CONTOURS = 7

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.land = ImagePlot("Loss landscape  log<sub>10</sub> L(θ<sub>0</sub>, θ<sub>1</sub>)",
                              "θ<sub>0</sub>  (height)", "θ<sub>1</sub>  (position)",
                              colormap=landscape_colormap(), colorbar=True,
                              colorbar_label="log<sub>10</sub> L", lock_aspect=False,
                              legend="top-right")
        self.contours: list[pg.IsocurveItem] = []
        for _ in range(self.N_CONTOURS):
            iso = pg.IsocurveItem(level=0.0, pen=pg.mkPen((255, 255, 255, 90), width=1),
                                  axisOrder="row-major")
            iso.setParentItem(self.land.image_item)
            iso.setZValue(5)
            self.contours.append(iso)
        for name, label, color in OPTIMIZERS:
            self.land.add_path(name, label, color)
        self.land.add_marker("theta_true", 1.0, 0.5, "star", color="#FFFFFF", size=22,
                             text="θ*")
        self.land.plotItem.setRange(xRange=THETA0_RANGE, yRange=THETA1_RANGE, padding=0)
        self.loss = CurvePlot("Loss per optimizer", "step", "loss L", log_y=True)
        # Same colours as the loss plot above, whose legend names them.
        self.dist = CurvePlot("Distance to θ*", "step", "|θ − θ*|", log_y=True, legend=None)
        for name, label, color in OPTIMIZERS:
            self.loss.add_curve(f"loss_{name}", label, color)
            self.dist.add_curve(f"dist_{name}", label, color)
        self.dist.setVisible(False)  # shown when the history has dist_<name> columns
        self._landscape: np.ndarray | None = None
        self._enabled: tuple[str, ...] = tuple(n for n, _, _ in OPTIMIZERS)
        self._right = splitter(Qt.Orientation.Vertical, self.loss, self.dist)
        fill(self, splitter(Qt.Orientation.Horizontal, self.land, self._right, stretch=[3, 2]))

    def plots(self) -> list:
        return [self.land, self.loss, self.dist]

    def reset(self) -> None:
        for plot in (self.loss, self.dist):
            plot.reset()
        for name, _, _ in OPTIMIZERS:
            self.land.set_path(name, np.zeros((0, 2)))

    def set_enabled(self, names) -> None:
        """Which optimizers take part (legend entries of the others are removed)."""
        names = tuple(n for n, _, _ in OPTIMIZERS if n in set(names))
        if names == self._enabled:
            return
        self._enabled = names
        for name, _, _ in OPTIMIZERS:
            on = name in names
            self.land.set_path_enabled(name, on)
            self.loss.set_curve_enabled(f"loss_{name}", on)
            self.dist.set_curve_enabled(f"dist_{name}", on)

    def show_snapshot(self, snap: Snapshot) -> None:
        a = snap.arrays
        if _changed(self._landscape, a["landscape"]):
            self._set_landscape(a["landscape"], a["theta0_axis"], a["theta1_axis"])
        t = np.asarray(a["theta_true"], dtype=float).ravel()
        self.land.add_marker("theta_true", t[0], t[1])
        # only the optimizers ticked in the config send a path
        present = [n for n, _, _ in OPTIMIZERS if f"path_{n}" in a]
        if present:
            self.set_enabled(present)
        for name in present:
            self.land.set_path(name, a[f"path_{name}"])
        if present and len(a[f"path_{present[0]}"]):
            x0, y0 = np.asarray(a[f"path_{present[0]}"], dtype=float)[0]
            self.land.add_marker("start", x0, y0, "o", color="#FFFFFF", size=11)
        self.loss.show_history(snap.history)
        has_dist = any(f"dist_{n}" in snap.history for n, _, _ in OPTIMIZERS)
        if has_dist:
            self.dist.show_history(snap.history)
        if has_dist != (not self.dist.isHidden()):
            self.dist.setVisible(has_dist)
            if has_dist:  # give the newly shown plot its share of the column
                total = max(2, sum(self._right.sizes()))
                self._right.setSizes([total * 3 // 5, total - total * 3 // 5])

    def _set_landscape(self, land, ax0, ax1) -> None:
        land = np.asarray(land, dtype=np.float64)
        n1, n0 = land.shape
        ax0 = np.linspace(*THETA0_RANGE, n0) if ax0 is None else np.asarray(ax0, float)
        ax1 = np.linspace(*THETA1_RANGE, n1) if ax1 is None else np.asarray(ax1, float)
        if ax0[-1] < ax0[0]:
            ax0, land = ax0[::-1], land[:, ::-1]
        if ax1[-1] < ax1[0]:
            ax1, land = ax1[::-1], land[::-1, :]
        self._landscape = np.asarray(land)
        d0 = (ax0[-1] - ax0[0]) / max(1, n0 - 1)
        d1 = (ax1[-1] - ax1[0]) / max(1, n1 - 1)
        finite = land[np.isfinite(land)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
        self.land.set_image(land, levels=(lo, hi),
                            rect=(ax0[0] - d0 / 2, ax1[0] - d1 / 2, n0 * d0, n1 * d1))
        # Contours at evenly spaced log-loss values, drawn in pixel coordinates of the
        # image (the isocurves are children of the image item); shift to pixel centres.
        levels = np.linspace(lo, hi, self.N_CONTOURS + 2)[1:-1]
        clean = np.where(np.isfinite(land), land, hi)
        for iso, level in zip(self.contours, levels):
            iso.setData(clean, level)
            iso.setPos(0.5, 0.5)

    def config_changed(self, cfg) -> None:
        if hasattr(cfg, "theta0_true"):
            self.land.add_marker("theta_true", cfg.theta0_true, cfg.theta1_true)
        names = [n for n, _, _ in OPTIMIZERS if getattr(cfg, n, True)]
        self.set_enabled(names)
        if hasattr(cfg, "start_theta0"):
            self.land.add_marker("start", cfg.start_theta0, cfg.start_theta1, "o",
                                 color="#FFFFFF", size=11)
