"""Views of the physics demos of the dynamics panel (lecture 8.6).

- ``hnn``: the phase plane (q, p) (two bodies: the orbit plane q) with the observed states
  and three long roll-outs from one start: the true system, the Hamiltonian network and
  the baseline MLP; the true energy H along each over time; the learned H_θ (colour and
  white level lines) against the true H (dashed level lines); losses and held-out field
  errors.
- ``lnn``: the plane (q, dq/dt) of the pendulum or the angles (θ₁, θ₂) of the double
  pendulum, with the observed states and the roll-outs of the truth and of the Lagrangian
  network; the angles over time; the true energy along both; loss and held-out error.

A left click in the first plot sends StartRollout(x, y) to the live run: the engine starts
new roll-outs there, or refuses a point outside its range with a message naming it.
Only torch-free modules of the engines are imported here.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QVBoxLayout

from engines.dynamics.physics_specs import StartRollout
from engines.runtime import Snapshot
from workbench import runner as states
from workbench.demo_view import DemoView, readout, shrinkable
from workbench.level_lines import level_segments
from workbench.plots import FG, PALETTE, CurvePlot, ImagePlot

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BROWN, GREY = PALETTE
N_LEVELS = 6


def _g(v: float, digits: int = 3) -> str:
    return f"{v:.{digits}g}"


class PhysicsView(DemoView):
    """A 2×2 grid of plots and a readout; the first plot takes clicks (StartRollout)."""

    CLICK_HINT = ""
    _drawn_grid: np.ndarray | None = None   # the H_θ grid whose contours are drawn

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.snap: Snapshot | None = None
        self.system = -1.0
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self.readout = readout()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self.grid, 1)
        lay.addWidget(self.readout)

    def place(self, plots: list) -> None:
        for i, plot in enumerate(plots):
            self.grid.addWidget(shrinkable(plot), i // 2, i % 2)

    def make_plane(self, title: str) -> CurvePlot:
        plane = CurvePlot(title, "q", "p", legend="top-right")
        plane.plotItem.setMouseEnabled(x=False, y=False)
        plane.plotItem.enableAutoRange(enable=False)
        plane.plotItem.hideButtons()
        plane.viewport().setCursor(Qt.CursorShape.CrossCursor)
        plane.setToolTip(self.CLICK_HINT)
        plane.scene().sigMouseClicked.connect(self._on_click)
        plane.add_curve("data", "observed states", GREY, width=0, symbol="o", symbol_size=3,
                        alpha=90, z=-5)
        self.plane = plane
        return plane

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plane.plotItem.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        event.accept()
        p = vb.mapSceneToView(event.scenePos())
        self.start_at(float(p.x()), float(p.y()))

    def start_at(self, x: float, y: float) -> bool:
        """Send StartRollout(x, y) to the live run (False, with a message, without one)."""
        ctx = self.ctx
        if ctx is None or not ctx.current:
            return False
        if not ctx.live or ctx.state == states.STOPPING:
            ctx.message("Start a run first: a click starts new roll-outs of a running (or "
                        "paused) run.", error=True)
            return False
        if not ctx.send_edit(StartRollout(x, y)):
            return False
        ctx.message(f"New roll-outs from ({x:.2f}, {y:.2f}).")
        return True

    def set_plane_box(self, snap: Snapshot) -> None:
        x0, x1, y0, y1 = (float(v) for v in snap.arrays["plane_box"])
        self.plane.plotItem.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)

    def show_snapshot(self, snap: Snapshot) -> None:
        self.snap = snap
        system = snap.metrics["system_index"]
        if system != self.system:
            self.system = system
            self.system_changed(int(system))
            self.set_plane_box(snap)
        self.draw(snap)

    def system_changed(self, index: int) -> None:   # pragma: no cover - abstract
        raise NotImplementedError

    def draw(self, snap: Snapshot) -> None:          # pragma: no cover - abstract
        raise NotImplementedError

    def reset(self) -> None:
        super().reset()
        self.snap = None
        self.system = -1.0
        self.readout.clear()
        self._drawn_grid = None
        for item in getattr(self, "level_items", []):
            item.setData([], [])


def pixel_centres(rect, shape) -> tuple[np.ndarray, np.ndarray]:
    """x and y of the pixel centres of a row-major ``shape`` image placed at ``rect``
    = (x, y, width, height)."""
    x, y, width, height = (float(v) for v in rect)
    rows, cols = shape[:2]
    return (x + (np.arange(cols) + 0.5) * width / cols,
            y + (np.arange(rows) + 0.5) * height / rows)


def _energy_range(plot: CurvePlot, h0: float, values: list[np.ndarray]) -> None:
    """y range over the curves, but at most H(0) ± 2|H(0)|: a run-away baseline must not
    flatten the others into a line."""
    finite = np.concatenate([v[np.isfinite(v)] for v in values] + [np.array([h0])])
    span = 2.0 * max(abs(h0), 1e-3)
    lo, hi = max(float(finite.min()), h0 - span), min(float(finite.max()), h0 + span)
    pad = max(0.08 * (hi - lo), 1e-3 * max(abs(h0), 1e-3))
    plot.plotItem.setYRange(lo - pad, hi + 2.2 * pad, padding=0.0)


# ---- Hamiltonian network ---------------------------------------------------------------------
class HNNView(PhysicsView):
    """Phase plane with the roll-outs, energy over time, H_θ against H, losses."""

    NEEDS = ("arrays.t_path", "arrays.path_true", "arrays.path_hnn", "arrays.path_base",
             "arrays.energy_true", "arrays.energy_hnn", "arrays.energy_base",
             "arrays.energy_learned", "arrays.h_true_grid", "arrays.h_learned_grid",
             "arrays.h_levels", "arrays.h_extent", "arrays.plane_box", "arrays.start",
             "arrays.data_xy", "metrics.energy_drift_hnn", "metrics.energy_drift_baseline",
             "metrics.drift_ratio", "metrics.energy_error_hnn",
             "metrics.energy_error_baseline", "metrics.field_error_hnn",
             "metrics.field_error_baseline", "metrics.system_index", "metrics.start_x",
             "metrics.start_y", "history.loss_hnn", "history.loss_baseline",
             "history.field_error_hnn", "history.field_error_baseline")
    CLICK_HINT = ("Left click: new roll-outs of all three from this point (two bodies: "
                  "this position, on a circular orbit)")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        plane = self.make_plane("Phase space: roll-outs")
        plane.add_curve("true", "true system", FG, width=1.6, style="dash", z=1)
        plane.add_curve("base", "baseline MLP", VERMILLION, width=1.3)
        plane.add_curve("hnn", "Hamiltonian net", BLUE, width=2.0, z=2)
        plane.add_curve("start", "", FG, width=0, symbol="star", symbol_size=14,
                        legend=False, z=5)
        self.energy = CurvePlot("True energy H along the roll-outs", "t", "H",
                                legend="top-left")
        self.energy.add_curve("true", "true system", FG, width=1.6, style="dash", z=1)
        self.energy.add_curve("base", "baseline MLP", VERMILLION, width=1.3)
        self.energy.add_curve("hnn", "Hamiltonian net", BLUE, width=2.0, z=2)
        self.energy.add_curve("learned", "H<sub>θ</sub> along its own roll-out", SKY, width=1.4,
                              style="dot", z=3)
        self.contours = ImagePlot("H<sub>θ</sub> (white lines) vs true H (dashed)",
                                  "q", "p", colormap="viridis", colorbar=True,
                                  lock_aspect=False)
        self.contours.setToolTip("H<sub>θ</sub> is defined up to a constant: it is shifted onto H "
                                 "over the observed states. Same levels for both.")
        # All levels of one field as one NaN-separated polyline (workbench.level_lines):
        # pyqtgraph's isocurve items traced them in Python while the scene updated,
        # 12 × 2.5 ms, the longest GUI turn of this demo (~20 ms).
        self.iso_learned = self._level_item(pg.mkPen("#ffffff", width=2.0), z=10)
        self.iso_true = self._level_item(pg.mkPen(VERMILLION, width=1.6,
                                                  style=Qt.PenStyle.DashLine), z=11)
        self.level_items = [self.iso_learned, self.iso_true]
        self.loss = CurvePlot("Loss (thin), held-out field error (thick)", "step",
                              "|f<sub>θ</sub> − f|²", log_y=True, legend="top-right")
        self.loss.add_curve("loss_baseline", "", VERMILLION, width=1.0, alpha=120,
                            legend=False)
        self.loss.add_curve("loss_hnn", "", BLUE, width=1.0, alpha=120, legend=False)
        self.loss.add_curve("field_error_baseline", "baseline MLP", VERMILLION, width=2.4)
        self.loss.add_curve("field_error_hnn", "Hamiltonian net", BLUE, width=2.4)
        self.place([self.plane, self.energy, self.contours, self.loss])

    def plots(self) -> list:
        return [self.plane, self.energy, self.contours, self.loss]

    def _level_item(self, pen, z: float) -> pg.PlotDataItem:
        # not antialiased, as the isocurve items were: 2,300 points of 2 px antialiased
        # lines cost ~4 ms a paint each (the kit's ANTIALIAS_MAX_POINTS rule)
        item = pg.PlotDataItem([], [], connect="finite", pen=pen, skipFiniteCheck=True,
                               antialias=False)
        item.setZValue(z)
        self.contours.plotItem.addItem(item, ignoreBounds=True)
        return item

    def system_changed(self, index: int) -> None:
        two_body = index == 2
        self.plane.set_title("Orbits q(t): roll-outs" if two_body
                             else "Phase space (q, p): roll-outs")
        self.plane.plotItem.setLabel("bottom", "q<sub>x</sub>" if two_body else "q")
        self.plane.plotItem.setLabel("left", "q<sub>y</sub>" if two_body else "p")
        self.contours.set_title("H<sub>θ</sub> (white) vs H (dashed), a slice" if two_body
                                else "H<sub>θ</sub> (white lines) vs true H (dashed)")
        self.contours.plotItem.setLabel("bottom", "x, q = (x, 0)" if two_body else "q")
        self.contours.plotItem.setLabel("left", "y, p = (0, y)" if two_body else "p")

    def draw(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        for key, path in (("true", "path_true"), ("hnn", "path_hnn"), ("base", "path_base")):
            self.plane.set_curve(key, a[path][:, 0], a[path][:, 1])
        self.plane.set_curve("data", a["data_xy"][:, 0], a["data_xy"][:, 1])
        self.plane.set_curve("start", a["start"][:1], a["start"][1:])
        t = a["t_path"]
        for key in ("true", "hnn", "base", "learned"):
            self.energy.set_curve(key, t, a[f"energy_{key}"])
        _energy_range(self.energy, float(a["energy_true"][0]),
                      [a["energy_true"], a["energy_hnn"], a["energy_base"]])
        true, learned = a["h_true_grid"], a["h_learned_grid"]
        levels = a["h_levels"]
        # The engine sends a new H_θ picture only every so often (throttled); tracing the
        # contour lines is the costliest part of a frame (GUI timer p99 46 ms), so they
        # are traced again only when the grid changed.
        if self._drawn_grid is None or not np.array_equal(self._drawn_grid, learned):
            self._drawn_grid = np.array(learned, copy=True)
            lo, hi = float(np.min(true)), float(np.quantile(true, 0.98))
            self.contours.set_image(learned, levels=(lo, hi if hi > lo else lo + 1.0),
                                    rect=tuple(float(v) for v in a["h_extent"]))
            gx, gy = pixel_centres(a["h_extent"], learned.shape)
            levels = np.asarray(levels[:N_LEVELS], float)
            self.iso_learned.setData(*level_segments(np.asarray(learned).T, gx, gy, levels))
            self.iso_true.setData(*level_segments(np.asarray(true).T, gx, gy, levels))
        self.loss.show_history(snap.history)
        self.readout.setText(
            f"relative energy drift (trend of H over the roll-out): Hamiltonian net "
            f"<b>{_g(m['energy_drift_hnn'], 2)}</b>, baseline "
            f"<b>{_g(m['energy_drift_baseline'], 2)}</b> (<b>{_g(m['drift_ratio'], 3)}×</b>) "
            f"· max |H(t) − H(0)|/|H(0)|: <b>{_g(m['energy_error_hnn'], 2)}</b> vs "
            f"<b>{_g(m['energy_error_baseline'], 2)}</b> · held-out field error "
            f"<b>{_g(m['field_error_hnn'], 2)}</b> vs <b>{_g(m['field_error_baseline'], 2)}"
            f"</b> · start ({m['start_x']:.2f}, {m['start_y']:.2f}); click the first plot "
            f"for a new one")


# ---- Lagrangian network ---------------------------------------------------------------------
class LNNView(PhysicsView):
    """The clickable plane with the roll-outs, angles over time, energy, losses."""

    NEEDS = ("arrays.t_path", "arrays.q_true", "arrays.q_lnn", "arrays.path_true",
             "arrays.path_lnn", "arrays.energy_true", "arrays.energy_lnn",
             "arrays.plane_box", "arrays.start", "arrays.data_xy", "metrics.rollout_mse",
             "metrics.energy_drift", "metrics.energy_error", "metrics.accel_error",
             "metrics.rollout_time", "metrics.system_index", "metrics.start_x",
             "metrics.start_y", "history.loss", "history.accel_error")
    CLICK_HINT = ("Left click: new roll-outs from this point (double pendulum: these "
                  "angles, at rest)")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        plane = self.make_plane("Angles (θ₁, θ₂): roll-outs")
        plane.add_curve("true", "true motion", FG, width=1.6, style="dash", z=1)
        plane.add_curve("lnn", "Lagrangian net", BLUE, width=2.0, z=2)
        plane.add_curve("start", "", FG, width=0, symbol="star", symbol_size=14,
                        legend=False, z=5)
        self.angles = CurvePlot("Angles over time", "t", "angle", legend="top-right")
        self.angles.add_curve("true1", "true θ₁", FG, width=1.6, style="dash", z=1)
        self.angles.add_curve("lnn1", "net θ₁", BLUE, width=2.0, z=2)
        self.angles.add_curve("true2", "true θ₂", GREY, width=1.6, style="dash", z=1)
        self.angles.add_curve("lnn2", "net θ₂", ORANGE, width=2.0, z=2)
        self.energy = CurvePlot("True energy E along the roll-outs", "t", "E",
                                legend="top-left")
        self.energy.add_curve("true", "true motion", FG, width=1.6, style="dash", z=1)
        self.energy.add_curve("lnn", "Lagrangian net", BLUE, width=2.0, z=2)
        self.loss = CurvePlot("Loss (thin), held-out error (thick)", "step",
                              "|a<sub>θ</sub> − a|²", log_y=True, legend=None)
        self.loss.add_curve("loss", "", BLUE, width=1.0, alpha=120, legend=False)
        self.loss.add_curve("accel_error", "", BLUE, width=2.4, legend=False)
        self.place([self.plane, self.angles, self.energy, self.loss])

    def plots(self) -> list:
        return [self.plane, self.angles, self.energy, self.loss]

    def system_changed(self, index: int) -> None:
        double = index == 1
        self.plane.set_title("Angles (θ₁, θ₂): roll-outs" if double
                             else "Phase plane (q, dq/dt): roll-outs")
        self.plane.plotItem.setLabel("bottom", "θ₁" if double else "q")
        self.plane.plotItem.setLabel("left", "θ₂" if double else "dq/dt")
        self.angles.set_title("Angles over time" if double else "Angle over time")
        self.angles.curves["true1"].label = "true θ₁" if double else "true q"
        self.angles.curves["lnn1"].label = "net θ₁" if double else "net q"
        self.angles.set_curve_enabled("true2", double)
        self.angles.set_curve_enabled("lnn2", double)
        self.angles._rebuild_legend()

    def draw(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        for key in ("true", "lnn"):
            path = a[f"path_{key}"]
            self.plane.set_curve(key, path[:, 0], path[:, 1])
        self.plane.set_curve("data", a["data_xy"][:, 0], a["data_xy"][:, 1])
        self.plane.set_curve("start", a["start"][:1], a["start"][1:])
        t = a["t_path"]
        d = a["q_true"].shape[1]
        for i in range(d):
            self.angles.set_curve(f"true{i + 1}", t, a["q_true"][:, i])
            self.angles.set_curve(f"lnn{i + 1}", t, a["q_lnn"][:, i])
        for key in ("true", "lnn"):
            self.energy.set_curve(key, t, a[f"energy_{key}"])
        e0 = float(a["energy_true"][0])
        _energy_range(self.energy, e0, [a["energy_true"], a["energy_lnn"]])
        self.loss.show_history(snap.history)
        horizon = float(t[-1]) if len(t) else 0.0
        cut = (f" (the net's roll-out ends at t = {m['rollout_time']:.2f})"
               if m["rollout_time"] < horizon - 1e-9 else "")
        self.readout.setText(
            f"roll-out MSE of the angles over t ≤ {horizon:.3g} "
            f"<b>{_g(m['rollout_mse'], 2)}</b>{cut} · relative energy drift "
            f"<b>{_g(m['energy_drift'], 2)}</b>, max |E(t) − E(0)| / (E(0) − E<sub>rest"
            f"</sub>) <b>{_g(m['energy_error'], 2)}</b> · held-out |a<sub>θ</sub> − a|² "
            f"<b>{_g(m['accel_error'], 2)}</b> · start ({m['start_x']:.2f}, "
            f"{m['start_y']:.2f}); click the first plot for a new one")


PHYSICS_VIEWS = {"hnn": HNNView, "lnn": LNNView}
#: steps per second at the default pace: hnn's 2000 steps in about 20 s (lnn is slower
#: per step and needs no limit)
PHYSICS_SPEEDS: dict[str, float] = {"hnn": 100.0}
