"""Views of the solver demos of the dynamics panel (lecture 8.5).

- ``implicit``: the fit of the implicit layer, the residual ‖f(z_k) − z_k‖ of each solver
  per iteration (with the gradient's error after k iterations), the loss, the implicit
  gradient against the unrolled one component by component, and the memory and time
  each gradient needs as the number k of iterations grows.
- ``neural-ode``: spiral: the learned field f_θ with its trajectory and the observed
  points in the plane, both coordinates over t; crossing: the 1-d trajectories x(t), the
  learned map x ↦ z(1) against −x and (augmented) the paths in the plane (x, a₁). Both:
  the loss, the solver's function evaluations per step, adjoint against direct gradient.
Only torch-free modules of the engines are imported here.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from engines.dynamics.solver_specs import IMPLICIT_SOLVERS
from engines.runtime import Snapshot
from workbench.demo_view import DemoView, readout, shrinkable
from workbench.plots import FG, PALETTE, CurvePlot

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BROWN, GREY = PALETTE
SOLVER_TITLES = {"fixed_point": "fixed point", "newton": "Newton", "anderson": "Anderson"}
PLANE_TITLE = "Field f<sub>θ</sub>, path, observations"
SOLVER_COLORS = {"fixed_point": BLUE, "newton": VERMILLION, "anderson": GREEN}


def _g(v: float, digits: int = 3) -> str:
    return f"{v:.{digits}g}"


def _kb(v: float) -> str:
    return f"{v / 1024:.3g} MB" if v >= 1024 else f"{v:.3g} kB"


def diagonal(plot: CurvePlot, key: str, a: np.ndarray, b: np.ndarray) -> None:
    """The line y = x over the range of both arrays."""
    both = np.concatenate([a, b])
    if both.size:
        lo, hi = float(both.min()), float(both.max())
        pad = 0.05 * (hi - lo or 1.0)
        plot.set_curve(key, [lo - pad, hi + pad], [lo - pad, hi + pad])


def set_lines(plot: CurvePlot, key: str, x: np.ndarray, y: np.ndarray) -> None:
    """Several curves separated by NaN in one item."""
    plot.curve(key).setData(np.asarray(x, float), np.asarray(y, float), connect="finite")


def arrows(seg: np.ndarray, head: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Segment pairs (2 rows per arrow) with two barbs at each tip: x, y for connect='pairs'."""
    if seg.size == 0:
        return np.zeros(0), np.zeros(0)
    p, q = seg[0::2], seg[1::2]
    d = q - p
    c, s = np.cos(0.45), np.sin(0.45)
    left = q - head * np.stack([c * d[:, 0] - s * d[:, 1], s * d[:, 0] + c * d[:, 1]], 1)
    right = q - head * np.stack([c * d[:, 0] + s * d[:, 1], -s * d[:, 0] + c * d[:, 1]], 1)
    pts = np.stack([p, q, q, left, q, right], 1).reshape(-1, 2)
    return pts[:, 0], pts[:, 1]


class GridView(DemoView):
    """A grid of plots over a readout line."""

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        body = QWidget()
        self.grid = QGridLayout(body)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self.readout = readout()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(body, 1)
        lay.addWidget(self.readout)

    def place(self, plot, row: int, col: int):
        self.grid.addWidget(shrinkable(plot), row, col)
        return plot

    def reset(self) -> None:
        super().reset()
        self.readout.clear()


# ---- implicit ---------------------------------------------------------------------------------
class ImplicitView(GridView):
    """Fit, residuals per iteration, loss; gradients compared; memory and time over k."""

    NEEDS = ("arrays.x_grid", "arrays.y_fit", "arrays.y_true", "arrays.x_train",
             "arrays.y_train", "arrays.residuals", "arrays.residuals_fixed_point",
             "arrays.residuals_newton", "arrays.residuals_anderson",
             "arrays.grad_implicit", "arrays.grad_unrolled", "arrays.sweep_k",
             "arrays.memory_unrolled", "arrays.memory_implicit", "arrays.time_unrolled",
             "arrays.time_implicit", "arrays.error_unrolled", "arrays.error_implicit",
             "metrics.loss", "metrics.iterations", "metrics.residual",
             "metrics.solver_index", "metrics.grad_mismatch", "metrics.fit_mse",
             "metrics.iterations_fixed_point", "metrics.iterations_newton",
             "metrics.iterations_anderson", "metrics.sweep_k_max", "history.loss")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.fit = CurvePlot("Fit y = c·z*(x) + d", "x", "y", legend="top-left")
        self.fit.add_curve("train", "training points", GREY, width=0, symbol="o",
                           symbol_size=6, alpha=170)
        self.fit.add_curve("true", "target", FG, width=1.6, style="dash", z=1)
        self.fit.add_curve("fit", "implicit layer", BLUE, width=2.8, z=2)
        self.residual = CurvePlot("Residuals, error of ∇", "evaluations of f", "",
                                  log_y=True, legend="top-right")
        r = self.residual
        for s in IMPLICIT_SOLVERS:
            # keyed by the coloured solver names of the readout line (a legend of five
            # entries would cover this small plot's data)
            r.add_curve(s, "", SOLVER_COLORS[s], width=2.2, legend=False)
        r.add_curve("error_unrolled", "error of ∇, unrolled", FG, width=1.2, style="dash",
                    symbol="s", symbol_size=6)
        r.add_curve("error_implicit", "error of ∇, implicit", PURPLE, width=1.2,
                    style="dot", symbol="o", symbol_size=6)
        self.residual.plotItem.setLogMode(x=True, y=True)
        self.loss = CurvePlot("Training loss", "step", "MSE", log_y=True, legend=None)
        self.loss.add_curve("loss", "", BLUE, width=2.2, legend=False)
        self.grads = CurvePlot("dL/dθ: implicit vs unrolled", "unrolled", "implicit",
                               legend="top-left")
        self.grads.add_curve("diagonal", "", FG, width=1.0, style="dash", legend=False,
                             z=-1)
        self.grads.add_curve("points", "components of dL/dθ", ORANGE, width=0, symbol="o",
                             symbol_size=6)
        self.memory = CurvePlot("Memory for the backward", "iterations k", "kB",
                                log_y=True, legend="top-left")
        self.time = CurvePlot("Time, forward + backward", "iterations k", "ms",
                              log_y=True, legend="top-left")
        for plot in (self.memory, self.time):
            plot.add_curve("unrolled", "unrolled", VERMILLION, width=2.2, symbol="s",
                           symbol_size=6)
            plot.add_curve("implicit", "implicit", BLUE, width=2.2, symbol="o",
                           symbol_size=6)
            plot.plotItem.setLogMode(x=True, y=True)
        self.place(self.fit, 0, 0)
        self.place(self.residual, 0, 1)
        self.place(self.loss, 0, 2)
        self.place(self.grads, 1, 0)
        self.place(self.memory, 1, 1)
        self.place(self.time, 1, 2)

    def plots(self) -> list:
        return [self.fit, self.residual, self.loss, self.grads, self.memory, self.time]

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        solver = IMPLICIT_SOLVERS[int(m["solver_index"])]
        self.fit.set_curve("train", a["x_train"], a["y_train"])
        self.fit.set_curve("true", a["x_grid"], a["y_true"])
        self.fit.set_curve("fit", a["x_grid"], a["y_fit"])
        for s in IMPLICIT_SOLVERS:      # this run's solver live, the others at the last check
            res = a["residuals"] if s == solver else a[f"residuals_{s}"]
            self.residual.set_curve(s, np.arange(1, len(res) + 1), res)
        k = a["sweep_k"]
        # x: evaluations of f. r_k needs k + 1 of them, the unrolled gradient through k
        # iterations k, the implicit one at z_k k + 1 (f(z_k) is differentiated)
        self.residual.set_curve("error_unrolled", k, a["error_unrolled"])
        self.residual.set_curve("error_implicit", k + 1, a["error_implicit"])
        self.loss.show_history(snap.history)
        gi, gu = a["grad_implicit"], a["grad_unrolled"]
        self.grads.set_curve("points", gu, gi)
        diagonal(self.grads, "diagonal", gu, gi)
        self.memory.set_curve("unrolled", k, a["memory_unrolled"])
        self.memory.set_curve("implicit", k, a["memory_implicit"])
        self.time.set_curve("unrolled", k, a["time_unrolled"])
        self.time.set_curve("implicit", k, a["time_implicit"])
        kmax = int(m["sweep_k_max"])
        counts = " · ".join(f"<span style='color:{SOLVER_COLORS[s]}'>{SOLVER_TITLES[s]}</span>"
                            f" <b>{int(m[f'iterations_{s}'])}</b>" for s in IMPLICIT_SOLVERS)
        self.readout.setText(
            f"Iterations to the tolerance: {counts} · this run ({SOLVER_TITLES[solver]}): "
            f"residual {_g(m['residual'], 2)} · ‖implicit − unrolled‖/‖unrolled‖ = "
            f"<b>{_g(m['grad_mismatch'], 2)}</b> · at k = {kmax}: memory "
            f"{_kb(a['memory_unrolled'][-1])} unrolled, {_kb(a['memory_implicit'][-1])} "
            f"implicit · fit MSE {_g(m['fit_mse'])}")

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        if "loss" not in m:
            return None
        return (f"step {snap.step} · loss {_g(m['loss'])} · {int(m['iterations'])} "
                f"iterations · gradient mismatch {_g(m['grad_mismatch'], 2)}")


# ---- neural ODE -------------------------------------------------------------------------------
class NeuralODEView(GridView):
    """Plane and time pictures (by task), loss, function evaluations, adjoint vs direct."""

    NEEDS = ("arrays.t_fine", "arrays.path", "arrays.true_path", "arrays.t_obs",
             "arrays.obs", "arrays.field", "arrays.x_in", "arrays.x_out", "arrays.target",
             "arrays.lines_t", "arrays.lines_x", "arrays.plane_x", "arrays.plane_a",
             "arrays.grad_adjoint", "arrays.grad_direct", "metrics.loss", "metrics.nfe",
             "metrics.nfe_backward", "metrics.fit_mse", "metrics.augment",
             "metrics.task_index", "metrics.adjoint_vs_direct", "metrics.nfe_adjoint_forward",
             "metrics.nfe_adjoint_backward", "metrics.nfe_direct_forward",
             "metrics.memory_adjoint_kb", "metrics.memory_direct_kb", "history.loss",
             "history.nfe", "history.nfe_backward")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.layout_key: tuple[int, int] | None = None
        # the plane has no legend (a square plot, full of data): the colours are those of
        # the plot over t beside it, arrows grey
        self.plane = CurvePlot(PLANE_TITLE, "z₁", "z₂", legend=None)
        p = self.plane
        p.add_curve("field", "", GREY, width=1.1, alpha=170, z=-2, legend=False)
        p.curve("field").setData([], [], connect="pairs")
        p.add_curve("true", "", FG, width=1.4, style="dash", z=-1, legend=False)
        p.add_curve("path", "", BLUE, width=2.6, legend=False)
        p.add_curve("obs", "", VERMILLION, width=0, symbol="o", symbol_size=6, z=2,
                    legend=False)
        p.plotItem.setAspectLocked(True)
        self.over_t = CurvePlot("Coordinates over t", "t", "z", legend="bottom-right")
        o = self.over_t
        o.add_curve("true1", "true (noise-free)", FG, width=1.4, style="dash", z=-1)
        o.add_curve("true2", "", FG, width=1.4, style="dash", z=-1, legend=False)
        o.add_curve("z1", "learned z₁", BLUE, width=2.4)
        o.add_curve("z2", "learned z₂", GREEN, width=2.4)
        o.add_curve("obs1", "observed", VERMILLION, width=0, symbol="o", symbol_size=5, z=2)
        o.add_curve("obs2", "", VERMILLION, width=0, symbol="o", symbol_size=5, z=2,
                    legend=False)
        o.add_curve("lines", "x(t)", BLUE, width=1.6)
        o.add_curve("targets", "target −x at t = 1", VERMILLION, width=0, symbol="o",
                    symbol_size=6, z=2)
        self.map = CurvePlot("Map x ↦ x(1)", "x = x(0)", "x(1)", legend="top-right")
        mp = self.map
        mp.add_curve("target", "target −x", FG, width=1.6, style="dash")
        mp.add_curve("bound", "best order-keeping map", GREY, width=1.6, style="dot")
        mp.add_curve("learned", "learned", BLUE, width=1.8, symbol="o", symbol_size=6)
        self.loss = CurvePlot("Training loss", "step", "MSE", log_y=True, legend=None)
        self.loss.add_curve("loss", "", BLUE, width=2.2, legend=False)
        self.nfe = CurvePlot("f evaluations per step", "step", "evaluations",
                             log_y=True, legend="top-left")
        self.nfe.add_curve("nfe", "forward solve", BLUE, width=2.2)
        self.nfe.add_curve("nfe_backward", "backward (adjoint)", ORANGE, width=2.2)
        self.grads = CurvePlot("dL/dθ: adjoint vs direct", "direct backprop",
                               "adjoint", legend="top-left")
        self.grads.add_curve("diagonal", "", FG, width=1.0, style="dash", legend=False,
                             z=-1)
        self.grads.add_curve("points", "components of dL/dθ", ORANGE, width=0, symbol="o",
                             symbol_size=6)
        for plot in (self.plane, self.over_t, self.map):
            shrinkable(plot)
        self.place(self.loss, 1, 0)
        self.place(self.nfe, 1, 1)
        self.place(self.grads, 1, 2)
        self.arrange(0, 0)

    def plots(self) -> list:
        return [self.plane, self.over_t, self.map, self.loss, self.nfe, self.grads]

    # ---- layout by task -----------------------------------------------------------------------
    def arrange(self, task_index: int, augment: int) -> None:
        """The top row by task: spiral: the plane, the coordinates over t (two columns);
        crossing: (augmented: the plane (x, a₁),) x(t), the map x ↦ x(1). A plot the
        task does not use is hidden and the others take its place."""
        key = (task_index, int(augment > 0))
        if key == self.layout_key:
            return
        self.layout_key = key
        crossing = task_index == 1
        top = {(0, 0): [(self.plane, 1), (self.over_t, 2)],
               (1, 0): [(self.over_t, 1), (self.map, 2)],
               (1, 1): [(self.plane, 1), (self.over_t, 1), (self.map, 1)]}[key]
        for plot in (self.plane, self.over_t, self.map):
            self.grid.removeWidget(plot)
            plot.setVisible(False)
        col = 0
        for plot, span in top:
            self.grid.addWidget(plot, 0, col, 1, span)
            plot.setVisible(True)
            col += span
        if crossing:
            self.plane.set_title("Paths in the plane (x, a₁)")
            self.plane.plotItem.setLabel("bottom", "x")
            self.plane.plotItem.setLabel("left", "a₁ (extra dimension)")
            self.over_t.set_title("x(t): paths never cross" if augment == 0
                                  else "x(t), projected: paths cross")
        else:
            self.plane.set_title(PLANE_TITLE)
            self.plane.plotItem.setLabel("bottom", "z₁")
            self.plane.plotItem.setLabel("left", "z₂")
            self.over_t.set_title("Coordinates over t (observed to T = 10)")
        for key_ in ("field", "true", "obs"):
            self.plane.set_curve_enabled(key_, not crossing)
        self.plane.set_curve_enabled("path", True)
        for key_ in ("true1", "true2", "z1", "z2", "obs1", "obs2"):
            self.over_t.set_curve_enabled(key_, not crossing)
        for key_ in ("lines", "targets"):
            self.over_t.set_curve_enabled(key_, crossing)

    def config_changed(self, cfg) -> None:
        self.arrange(int(cfg.task == "crossing"), cfg.augment)

    # ---- drawing ------------------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        crossing = int(m["task_index"]) == 1
        self.arrange(int(m["task_index"]), int(m["augment"]))
        if crossing:
            self.draw_crossing(a, m)
        else:
            self.draw_spiral(a)
        self.loss.show_history(snap.history)
        self.nfe.show_history(snap.history)
        gd, ga = a["grad_direct"], a["grad_adjoint"]
        self.grads.set_curve("points", gd, ga)
        diagonal(self.grads, "diagonal", gd, ga)
        fit = f"Fit MSE <b>{_g(m['fit_mse'])}</b>"
        if crossing:        # order_bound is sent by the crossing task only
            fit += (f" (best any 1-d flow can do: {_g(m['order_bound'])})"
                    if "order_bound" in m else "")
        elif "truth_mse" in m:      # the spiral's own numbers
            fit += (f" (noise-free spiral {_g(m['truth_mse'])}, beyond T "
                    f"{_g(m['extrapolation_mse'])})")
        text = (f"{fit} · f evaluations this step: <b>{int(m['nfe'])}</b> forward + "
                f"{int(m['nfe_backward'])} backward · adjoint "
                f"{int(m['nfe_adjoint_forward'])} + {int(m['nfe_adjoint_backward'])}, keeps "
                f"{_kb(m['memory_adjoint_kb'])}; direct {int(m['nfe_direct_forward'])}, "
                f"keeps {_kb(m['memory_direct_kb'])} · the two gradients differ by "
                f"<b>{_g(m['adjoint_vs_direct'], 2)}</b>")
        self.readout.setText(text)

    def draw_spiral(self, a) -> None:
        path, true, obs = a["path"], a["true_path"], a["obs"]
        fx, fy = arrows(a["field"])
        self.plane.curve("field").setData(fx, fy, connect="pairs")
        self.plane.set_curve("true", true[:, 0], true[:, 1])
        self.plane.set_curve("path", path[:, 0], path[:, 1])
        self.plane.set_curve("obs", obs[:, 0], obs[:, 1])
        t, to = a["t_fine"], a["t_obs"]
        self.over_t.set_curve("true1", t, true[:, 0])
        self.over_t.set_curve("true2", t, true[:, 1])
        self.over_t.set_curve("z1", t, path[:, 0])
        self.over_t.set_curve("z2", t, path[:, 1])
        self.over_t.set_curve("obs1", to, obs[:, 0])
        self.over_t.set_curve("obs2", to, obs[:, 1])

    def draw_crossing(self, a, m) -> None:
        set_lines(self.over_t, "lines", a["lines_t"], a["lines_x"])
        self.over_t.set_curve("targets", np.ones(len(a["target"])), a["target"])
        set_lines(self.plane, "path", a["plane_x"], a["plane_a"])
        x = a["x_in"]
        self.map.set_curve("target", x, a["target"])
        self.map.set_curve("bound", x, np.full(len(x), float(np.mean(a["target"]))))
        self.map.set_curve("learned", x, a["x_out"])

    def progress_text(self, snap: Snapshot) -> str | None:
        m = snap.metrics
        if "loss" not in m:
            return None
        return (f"step {snap.step} · loss {_g(m['loss'])} · f evaluations "
                f"{int(m['nfe'])} + {int(m['nfe_backward'])}")


SOLVER_VIEWS = {"implicit": ImplicitView, "neural-ode": NeuralODEView}
#: steps per second the demos start with (pace: the effect over 20-60 s)
SOLVER_SPEEDS = {"implicit": 30.0, "neural-ode": 10.0}
