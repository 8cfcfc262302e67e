"""Views of the chapter-6 demos: Fisher information and the Cramér-Rao bound, Jeffreys'
prior, the natural gradient, KL divergence, mutual information, renormalized MI.

Views only draw (numpy + pyqtgraph); the engines (engines.fisher.*) compute every number.
Mid-run input (μ of the natural gradient, P and Q of the KL demo, ρ and the map of the
mutual-information demo) is sent to the running engine as an edit and also written into
the form, so the next run starts from what is on screen.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel,
                               QVBoxLayout, QWidget)

from engines.config import field_meta
from engines.fisher.configs import (MI_TRANSFORMS, KLConfig, MutualInfoConfig,
                                    NaturalGradientConfig, SetMu, SetP, SetQ, SetRho,
                                    SetTransform)
from engines.runtime import Snapshot
from workbench.demo_view import DemoView, readout, shrinkable
from workbench.field_slider import FieldSlider
from workbench.level_lines import level_segments
from workbench.plots import FG, PALETTE, CurvePlot, ImagePlot, landscape_colormap

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BROWN, GREY = PALETTE


# ---- small helpers ----------------------------------------------------------------------
def _g(value: float) -> str:
    return f"{value:.3g}"


def layout_view(view: QWidget, cells: list[tuple], top: QWidget | None = None,
                bottom: QWidget | None = None, col_stretch: tuple[int, ...] = ()) -> None:
    """Controls row, a grid of plots ((widget, row, col[, rowspan, colspan]) cells, at most
    2 x 3), and a readout line below."""
    lay = QVBoxLayout(view)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    if top is not None:
        lay.addWidget(top)
    grid = QGridLayout()
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(4)
    for cell in cells:
        widget, *where = cell
        grid.addWidget(shrinkable(widget), *where)
    for col, stretch in enumerate(col_stretch):
        grid.setColumnStretch(col, stretch)
    lay.addLayout(grid, 1)
    if bottom is not None:
        lay.addWidget(bottom)


def controls_row(*widgets) -> QWidget:
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(6, 0, 6, 0)
    for w in widgets:
        if isinstance(w, str):
            lay.addWidget(QLabel(w))
        elif w is None:
            lay.addStretch(1)
        else:
            lay.addWidget(w)
    return row


def hline(plot: pg.PlotWidget, y: float, color=None) -> pg.InfiniteLine:
    line = pg.InfiniteLine(pos=y, angle=0,
                           pen=pg.mkPen(color or GREY, width=1.5, style=Qt.PenStyle.DashLine))
    line.setZValue(5)
    plot.plotItem.addItem(line, ignoreBounds=True)
    return line


def vline(plot: pg.PlotWidget, x: float, color=None) -> pg.InfiniteLine:
    line = pg.InfiniteLine(pos=x, angle=90,
                           pen=pg.mkPen(color or "#D62728", width=1.5,
                                        style=Qt.PenStyle.DashLine))
    line.setZValue(5)
    plot.plotItem.addItem(line, ignoreBounds=True)
    return line


def steps_of(centres: np.ndarray, heights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A histogram (bin centres, heights) as a closed step outline."""
    c = np.asarray(centres, dtype=float)
    h = np.asarray(heights, dtype=float)
    if c.size < 2:
        return np.array([]), np.array([])
    d = np.diff(c)
    edges = np.concatenate([[c[0] - d[0] / 2], c[:-1] + d / 2, [c[-1] + d[-1] / 2]])
    x = np.repeat(edges, 2)
    y = np.concatenate([[0.0], np.repeat(h, 2), [0.0]])
    return x, y


def set_top(plot: CurvePlot, *arrays, headroom: float = 1.35, floor: float | None = 0.0,
            robust: bool = False) -> None:
    """y range from ``floor`` (None: the data's minimum) to the top of the data times
    ``headroom`` (room for the legend); ``robust`` takes the 99th percentile as the top,
    so that singular ends (Jeffreys' prior at 0 and 1) do not flatten the rest."""
    values = np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.zeros(0)
    values = values[np.isfinite(values)]
    if not values.size:
        return
    if floor is None:
        lo, hi = float(values.min()), float(values.max())
        span = max(hi - lo, 1e-9)
        plot.plotItem.setYRange(lo - 0.04 * span, hi + (headroom - 1.0) * span, padding=0.0)
        return
    top = float(np.percentile(values, 99.0)) if robust else float(values.max())
    top = max(top, 1e-12)
    plot.plotItem.setYRange(floor, top * headroom, padding=0.0)


def contour_lines(field: np.ndarray, gx: np.ndarray, gy: np.ndarray, levels
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Level lines of field[ix, iy] (x along axis 0) as one NaN-separated polyline
    (workbench.level_lines: rmi traces eleven of them for every picture)."""
    return level_segments(field, gx, gy, levels)


def contour_item(plot: pg.PlotWidget, color="#FFFFFF", width: float = 1.0, alpha: int = 150,
                 z: float = 15) -> pg.PlotDataItem:
    col = pg.mkColor(color)
    col.setAlpha(alpha)
    item = pg.PlotDataItem([], [], connect="finite", pen=pg.mkPen(col, width=width))
    item.setZValue(z)
    plot.plotItem.addItem(item, ignoreBounds=True)
    return item


def image_rect(gx: np.ndarray, gy: np.ndarray) -> tuple[float, float, float, float]:
    dx = (gx[-1] - gx[0]) / (gx.size - 1)
    dy = (gy[-1] - gy[0]) / (gy.size - 1)
    return (float(gx[0] - dx / 2), float(gy[0] - dy / 2), float(dx * gx.size),
            float(dy * gy.size))


def spin_box(config_cls, key: str, decimals: int = 2, step: float = 0.1) -> QDoubleSpinBox:
    """A compact spin box with the bounds of a Config field."""
    meta = field_meta(config_cls, key)
    box = QDoubleSpinBox()
    box.setRange(float(meta["min"]), float(meta["max"]))
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setKeyboardTracking(False)
    box.setToolTip(meta.get("help") or meta.get("label") or key)
    box.setMaximumWidth(78)
    return box


class FisherView(DemoView):
    """Common parts: the form's config (for previews) and a readout label."""

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.cfg = None
        self.info = readout()

    def config_changed(self, cfg) -> None:
        self.cfg = cfg

    def reset(self) -> None:
        super().reset()
        self.info.clear()


# ---- Cramér-Rao ------------------------------------------------------------------------
ZOOM_NATS = 12.0
class CramerRaoView(FisherView):
    """Histograms of MLE and posterior mean against N(λ, 1/(N I)); Var·N·I against N and
    over the run; one experiment's log-likelihood, score and curvature; the matrix bound."""

    NEEDS = ("metrics.var_n_fisher", "metrics.fisher_mc", "metrics.fisher_exact",
             "metrics.experiments", "metrics.true_lambda", "metrics.n_obs",
             "metrics.cr_bound_var", "history.var_n_fisher")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.hist = CurvePlot("Estimates λ<sub>est</sub>", "λ<sub>est</sub>", "density",
                              legend="top-left")
        h = self.hist
        h.add_curve("h_mle", "MLE", BLUE, width=2.0)
        h.curve("h_mle").setFillLevel(0.0)
        h.curve("h_mle").setBrush(pg.mkBrush(0, 114, 178, 60))
        h.add_curve("h_bayes", "posterior mean", VERMILLION, width=2.0)
        h.add_curve("h_bound", "N(λ, 1/(N I))", FG, width=1.8, style="dash", z=2)
        self.true_line = vline(h, 1.0)

        self.sweep = CurvePlot("Var·N·I against N", "observations N", "Var·N·I",
                               legend="top-right")
        self.sweep.plotItem.setLogMode(x=True, y=False)
        self.sweep.add_curve("sweep_mle", "MLE", BLUE, width=2.2, symbol="o", symbol_size=6)
        self.sweep.add_curve("sweep_bayes", "posterior mean", VERMILLION, width=2.2,
                             symbol="s", symbol_size=6)
        hline(self.sweep, 1.0, "#666666")

        self.conv = CurvePlot("Var·N·I vs step", "step", "value",
                              legend="bottom-right")
        self.conv.add_curve("var_n_fisher", "Var(MLE)·N·I", BLUE, width=2.2)
        self.conv.add_curve("var_n_fisher_bayes", "Var(post. mean)·N·I", VERMILLION, width=2.0)
        self.conv.add_curve("fisher_ratio", "⟨(∂ln p)²⟩ / I", GREEN, width=1.8, style="dash")
        hline(self.conv, 1.0, "#666666")

        self.loglik = CurvePlot("Log-likelihood ℓ(λ)", "λ",
                                "ℓ(λ) − max ℓ", legend="top-right")
        self.loglik.add_curve("one_loglik", "ℓ(λ)", BLUE, width=2.4)
        self.loglik.add_curve("one_quad", "−½ N I (λ − λ<sub>est</sub>)²", FG, width=1.6, style="dash")
        self.one_true = vline(self.loglik, 1.0)

        self.score = CurvePlot("Score, curvature", "λ", "value",
                               legend="top-right")
        self.score.add_curve("one_score", "score ∂ℓ/∂λ", GREEN, width=2.2)
        self.score.add_curve("one_curv", "−∂²ℓ/∂λ² (observed)", PURPLE, width=2.2)
        self.score.add_curve("one_ni", "N I(λ) (expected)", FG, width=1.4, style="dot")
        hline(self.score, 0.0, GREY)
        self.score_true = vline(self.score, 1.0)

        self.ellipse = CurvePlot("Matrix bound (μ, σ)", "μ<sub>est</sub>", "σ<sub>est</sub>",
                                 legend="top-right")
        e = self.ellipse
        e.add_curve("est", "estimates", SKY, width=0, symbol="o", symbol_size=3,
                    alpha=110, z=-2)
        e.add_curve("ell_est", "2σ: estimates", BLUE, width=2.4)
        e.add_curve("ell_bound", "2σ: bound I⁻¹/N", VERMILLION, width=2.2, style="dash")
        self.ellipse_hint = e._add_text("two-parameter\nmodel only", base_pt=12.0,
                                        color="hint")
        self.ellipse_hint.setPos(0.5, 0.5)
        e.plotItem.setRange(xRange=(0, 1), yRange=(0, 1))
        # with the two-parameter model the one-parameter plots stay empty and say why
        self.one_param_hints = []
        for plot in (self.hist, self.sweep, self.loglik, self.score):
            hint = plot._add_text("one-parameter\nmodels only", base_pt=12.0, color="hint")
            hint.setVisible(False)
            self.one_param_hints.append(hint)
        layout_view(self, [(self.hist, 0, 0), (self.sweep, 0, 1), (self.conv, 0, 2),
                           (self.loglik, 1, 0), (self.score, 1, 1), (self.ellipse, 1, 2)],
                    bottom=self.info)

    def plots(self) -> list:
        return [self.hist, self.sweep, self.conv, self.loglik, self.score, self.ellipse]

    def reset(self) -> None:
        super().reset()
        for hint in self.one_param_hints:
            hint.setVisible(False)
        self.ellipse_hint.setVisible(True)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        hist = snap.history
        lam = m["true_lambda"]
        self.conv.show_history(hist)
        self.conv.plotItem.setYRange(0.0, 2.0, padding=0.0)
        if "fisher_mc" in hist and hist["fisher_mc"].size:
            self.conv.set_curve("fisher_ratio", hist["step"],
                                hist["fisher_mc"] / m["fisher_exact"])
        two = "est_mu" in a      # model gaussian_mu_sigma: the matrix bound, no one-λ plots
        text = (f"N = <b>{int(m['n_obs'])}</b> · experiments <b>{int(m['experiments'])}</b> · "
                f"I(λ) exact = <b>{_g(m['fisher_exact'])}</b>, Monte Carlo ⟨(∂ln p/∂λ)²⟩ = "
                f"<b>{_g(m['fisher_mc'])}</b> · Var(MLE)·N·I = <b>{_g(m['var_n_fisher'])}</b>")
        if "fisher_lecture" in m:        # the lecture's model N(λ, λ²) only
            text += (f"<br>N(λ, λ²): I = 3/λ² = <b>{_g(m['fisher_exact'])}</b> (the mean and "
                     f"the width both carry λ); the lecture's 1/λ² = "
                     f"<b>{_g(m['fisher_lecture'])}</b> counts the mean alone")
        if two:
            self._show_matrix(a, m)
            text += (f"<br>σ: I<sub>σσ</sub> exact = <b>{_g(m['fisher_exact_sigma'])}</b>, "
                     f"MC = <b>{_g(m['fisher_mc_sigma'])}</b>, I<sub>μσ</sub> (MC) = "
                     f"<b>{_g(m['fisher_mc_offdiag'])}</b> · Var(σ<sub>est</sub>)·N·I<sub>σσ</sub> = "
                     f"<b>{_g(m['var_n_fisher_sigma'])}</b> · smallest eigenvalue of "
                     f"Cov − I⁻¹/N = <b>{m['cov_minus_bound_min_eig']:.2g}</b> "
                     "(≥ 0 up to noise)")
            self.info.setText(text)
            return
        self.ellipse_hint.setVisible(True)
        for hint in self.one_param_hints:
            hint.setVisible(False)
        # the one-parameter models send hist_* and sweep_*, and one_* (with the observed
        # information) once an experiment is drawn
        if "hist_x" in a:
            x, y = steps_of(a["hist_x"], a["hist_mle"])
            self.hist.set_curve("h_mle", x, y)
            x, y = steps_of(a["hist_x"], a["hist_bayes"])
            self.hist.set_curve("h_bayes", x, y)
            self.hist.set_curve("h_bound", a["hist_x"], a["bound_pdf"])
            set_top(self.hist, a["hist_mle"], a["hist_bayes"], a["bound_pdf"], headroom=1.6)
        self.true_line.setPos(lam)
        if "sweep_n" in a:
            self.sweep.set_curve("sweep_mle", a["sweep_n"], a["sweep_mle"])
            self.sweep.set_curve("sweep_bayes", a["sweep_n"], a["sweep_bayes"])
        if "one_grid" in a:
            grid = a["one_grid"]
            self.loglik.set_curve("one_loglik", grid, a["one_loglik"])
            ni = m["n_obs"] * m["fisher_exact"]
            peak = grid[int(np.argmax(a["one_loglik"]))]
            quad = -0.5 * ni * (grid - peak) ** 2
            lo = float(np.min(a["one_loglik"]))
            self.loglik.set_curve("one_quad", grid, np.where(quad >= lo, quad, np.nan))
            self.score.set_curve("one_score", grid, a["one_score"])
            self.score.set_curve("one_curv", grid, a["one_curvature"])
            self.score.set_curve("one_ni", [grid[0], grid[-1]], [ni, ni])
            self.one_true.setPos(lam)
            self._zoom_one(grid, a["one_loglik"], a["one_score"], a["one_curvature"], ni)
            self.score_true.setPos(lam)
            text += (f"<br>this experiment: observed information −ℓ″(λ<sub>est</sub>) = "
                     f"<b>{_g(m['observed_information'])}</b>, expected N I = "
                     f"<b>{_g(m['expected_information'])}</b> · "
                     f"Bayes MSE·N·I = <b>{_g(m['mse_n_fisher_bayes'])}</b>")
        self.info.setText(text)

    def _zoom_one(self, grid, ell, score, curv, ni) -> None:
        """Both one-experiment plots show where ℓ is within a few nats of its maximum (the
        log-likelihood of N(λ, λ²) dives to −∞ at λ = 0)."""
        near = np.isfinite(ell) & (ell > -ZOOM_NATS)
        if near.sum() < 3:
            return
        lo, hi = float(grid[near].min()), float(grid[near].max())
        pad = 0.05 * (hi - lo)
        for plot in (self.loglik, self.score):
            plot.plotItem.setXRange(lo - pad, hi + pad, padding=0.0)
        self.loglik.plotItem.setYRange(-ZOOM_NATS, 0.5 * ZOOM_NATS, padding=0.0)
        # the score reaches about ±√(2 Z N I) where ℓ has fallen by Z nats; the observed
        # curvature scatters around N I (it diverges at the edge of some families)
        reach = 1.1 * math.sqrt(2 * ZOOM_NATS * ni)
        bottom, top = -max(1.2 * ni, reach), max(2.5 * ni, reach)
        self.score.plotItem.setYRange(bottom, top + 0.5 * (top - bottom), padding=0.0)

    def _show_matrix(self, a: dict, m: dict) -> None:
        self.ellipse_hint.setVisible(False)
        for plot, hint in zip((self.hist, self.sweep, self.loglik, self.score),
                              self.one_param_hints):
            for key in plot.curves:
                plot.curve(key).setData([], [])
            hint.setPos(*self._centre(plot))
            hint.setVisible(True)
        self.ellipse.set_curve("est", a["est_mu"], a["est_sigma"])
        self.ellipse.set_curve("ell_est", a["ellipse_estimates"][0], a["ellipse_estimates"][1])
        self.ellipse.set_curve("ell_bound", a["ellipse_bound"][0], a["ellipse_bound"][1])
        self.ellipse.plotItem.enableAutoRange(axis="x")
        set_top(self.ellipse, a["est_sigma"], a["ellipse_bound"][1], a["ellipse_estimates"][1],
                headroom=1.45, floor=None)

    @staticmethod
    def _centre(plot) -> tuple[float, float]:
        (x0, x1), (y0, y1) = plot.plotItem.viewRange()
        return (x0 + x1) / 2, (y0 + y1) / 2


# ---- Jeffreys ----------------------------------------------------------------------------
PARAM_TEXT = {"log": "θ = ln λ", "sin2": "λ = sin²θ", "sqrt": "λ = θ²", "identity": "θ = λ"}


class JeffreysView(FisherView):
    """Flat and Jeffreys priors in λ and in θ, the posteriors after the data so far, and
    the two posterior means over N."""

    NEEDS = ("arrays.lam", "arrays.theta", "arrays.prior_flat_lam", "arrays.prior_jeff_lam",
             "arrays.prior_flat_theta", "arrays.prior_jeff_theta",
             "arrays.prior_jeff_theta_direct", "arrays.post_flat_lam", "arrays.post_jeff_lam",
             "arrays.post_flat_theta", "arrays.post_jeff_theta", "metrics.n_obs",
             "metrics.mean_flat", "metrics.mean_jeffreys", "metrics.jeffreys_mismatch",
             "metrics.true_lambda", "metrics.true_theta", "history.mean_flat")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.prior_lam = CurvePlot("Priors in λ", "λ", "p(λ)", legend="top-right")
        self.prior_theta = CurvePlot("Priors in θ", "θ", "p(θ)", legend="top-right")
        for plot, suffix in ((self.prior_lam, "lam"), (self.prior_theta, "theta")):
            plot.add_curve(f"pf_{suffix}", "flat in λ", ORANGE, width=2.4)
            plot.add_curve(f"pj_{suffix}", "Jeffreys ∝ √I", BLUE, width=2.4)
        self.prior_theta.add_curve("pj_direct", "√I(θ) computed in θ", FG, width=1.5,
                                   style="dash", z=2)
        self.post_lam = CurvePlot("Posteriors in λ", "λ", "p(λ | x<sub>1</sub>…x<sub>N</sub>)",
                                  legend="top-right")
        self.post_theta = CurvePlot("Posteriors in θ", "θ", "p(θ | x<sub>1</sub>…x<sub>N</sub>)",
                                    legend="top-right")
        for plot, suffix in ((self.post_lam, "lam"), (self.post_theta, "theta")):
            plot.add_curve(f"qf_{suffix}", "flat prior in λ", ORANGE, width=2.4)
            plot.add_curve(f"qj_{suffix}", "Jeffreys prior", BLUE, width=2.4)
        self.true_lam = vline(self.post_lam, 1.0)
        self.true_theta = vline(self.post_theta, 1.0)
        self.means = CurvePlot("Posterior means of λ", "observations N (steps)", "E[λ | x]",
                               legend="top-right")
        self.means.add_curve("mean_flat", "flat prior", ORANGE, width=2.4)
        self.means.add_curve("mean_jeffreys", "Jeffreys prior", BLUE, width=2.4)
        self.means_true = hline(self.means, 1.0, "#D62728")
        layout_view(self, [(self.prior_lam, 0, 0), (self.prior_theta, 0, 1),
                           (self.post_lam, 1, 0), (self.post_theta, 1, 1),
                           (self.means, 0, 2, 2, 1)], bottom=self.info)

    def plots(self) -> list:
        return [self.prior_lam, self.prior_theta, self.post_lam, self.post_theta, self.means]

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        lam, theta = a["lam"], a["theta"]
        self.prior_lam.set_curve("pf_lam", lam, a["prior_flat_lam"])
        self.prior_lam.set_curve("pj_lam", lam, a["prior_jeff_lam"])
        self.prior_theta.set_curve("pf_theta", theta, a["prior_flat_theta"])
        self.prior_theta.set_curve("pj_theta", theta, a["prior_jeff_theta"])
        self.prior_theta.set_curve("pj_direct", theta, a["prior_jeff_theta_direct"])
        set_top(self.prior_lam, a["prior_flat_lam"], a["prior_jeff_lam"], headroom=1.7, robust=True)
        set_top(self.prior_theta, a["prior_flat_theta"], a["prior_jeff_theta"], headroom=1.7, robust=True)
        self.post_lam.set_curve("qf_lam", lam, a["post_flat_lam"])
        self.post_lam.set_curve("qj_lam", lam, a["post_jeff_lam"])
        self.post_theta.set_curve("qf_theta", theta, a["post_flat_theta"])
        self.post_theta.set_curve("qj_theta", theta, a["post_jeff_theta"])
        set_top(self.post_lam, a["post_flat_lam"], a["post_jeff_lam"], robust=True)
        set_top(self.post_theta, a["post_flat_theta"], a["post_jeff_theta"], robust=True)
        self.true_lam.setPos(m["true_lambda"])
        self.true_theta.setPos(m["true_theta"])
        self.means_true.setPos(m["true_lambda"])
        self.means.show_history(snap.history)
        param = getattr(self.cfg, "parametrization", "")
        coord = PARAM_TEXT.get(param, "θ")
        self.prior_theta.set_title(f"Priors in θ ({coord})")
        self.info.setText(
            f"N = <b>{int(m['n_obs'])}</b> observations · true λ = <b>{_g(m['true_lambda'])}"
            f"</b> (θ = {_g(m['true_theta'])}) · posterior mean, flat prior: <b>"
            f"{_g(m['mean_flat'])}</b>, Jeffreys: <b>{_g(m['mean_jeffreys'])}</b> · "
            f"Jeffreys density moved to θ by p(θ) = p(λ)|dλ/dθ| vs √I(θ) computed in θ: "
            f"mismatch <b>{m['jeffreys_mismatch']:.1e}</b>")


# ---- natural gradient --------------------------------------------------------------------
class NaturalGradientView(FisherView):
    """Paths of GD and natural gradient in θ and ϑ on the line-fit landscape, the Gaussian
    fit on the (μ, σ) plane, a small network trained three ways, losses over steps."""

    NEEDS = ("arrays.path_gd", "arrays.path_gd_tilde", "arrays.path_ng", "arrays.path_ng_tilde",
             "arrays.gauss_path_gd", "arrays.gauss_path_ng", "arrays.line_grid_a",
             "arrays.line_grid_b", "arrays.line_loss", "arrays.gauss_grid_m",
             "arrays.gauss_grid_s", "arrays.gauss_loss", "arrays.net_x", "arrays.net_y",
             "arrays.net_grid", "arrays.net_fit_sgd", "arrays.net_fit_adam",
             "arrays.net_fit_ng", "metrics.path_mismatch", "metrics.mu",
             "metrics.line_steps", "history.loss_gd", "history.net_loss_sgd",
             "history.gauss_loss_gd")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self._landscape_key = None
        self.slider = FieldSlider(NaturalGradientConfig, "mu", label="μ (a = μ ϑ₁)")
        self.slider.setToolTip("Moves μ of the running line fit (its paths restart) and sets "
                               "the form for the next run")
        self.slider.value_changed.connect(self.set_mu)
        self.controls = controls_row(self.slider, None)
        self.slider.setMinimumWidth(320)

        self.line = ImagePlot("Line fit L(a, b)", "slope a", "intercept b",
                              colormap=landscape_colormap(), legend="top-right")
        self.line_contours = contour_item(self.line)
        for key, label, color in (("gd", "GD in θ", ORANGE), ("gd_tilde", "GD in ϑ", VERMILLION),
                                  ("ng", "NG in θ", SKY), ("ng_tilde", "NG in ϑ", PURPLE)):
            self.line.add_path(key, label, color, width={"ng": 3.6, "ng_tilde": 1.4}.get(key, 2.2))
        self.gauss = ImagePlot("Gaussian fit (μ, σ)", "mean m", "width s",
                               colormap=landscape_colormap(), legend="top-right")
        self.gauss_contours = contour_item(self.gauss)
        self.gauss.add_path("g_gd", "GD", ORANGE)
        self.gauss.add_path("g_ng", "natural gradient", SKY)
        self.net = CurvePlot("Network fit", "x", "y", legend="top-left")
        self.net.add_curve("data", "data", GREY, width=0, symbol="o", symbol_size=5,
                           alpha=170, legend=False)
        self.net.add_curve("fit_sgd", "SGD", ORANGE, width=2.4)
        self.net.add_curve("fit_adam", "Adam", GREEN, width=2.4)
        self.net.add_curve("fit_ng", "natural gradient", BLUE, width=2.4)
        self.line_losses = CurvePlot("Line-fit loss", "step", "L", log_y=True,
                                     legend="top-right")
        self.line_losses.add_curve("loss_gd", "GD in θ", ORANGE, width=2.2)
        self.line_losses.add_curve("loss_gd_tilde", "GD in ϑ", VERMILLION, width=2.2)
        self.line_losses.add_curve("loss_ng", "NG in θ", SKY, width=3.4)
        self.line_losses.add_curve("loss_ng_tilde", "NG in ϑ", FG, width=1.6, style="dash",
                                   z=2)
        self.gauss_losses = CurvePlot("Gaussian-fit loss", "step", "L", log_y=False,
                                      legend="top-right")
        self.gauss_losses.add_curve("gauss_loss_gd", "GD", ORANGE, width=2.2)
        self.gauss_losses.add_curve("gauss_loss_ng", "natural gradient", SKY, width=2.2)
        self.net_losses = CurvePlot("Network loss", "step", "L", log_y=True,
                                    legend="top-right")
        self.net_losses.add_curve("net_loss_sgd", "SGD", ORANGE, width=2.2)
        self.net_losses.add_curve("net_loss_adam", "Adam", GREEN, width=2.2)
        self.net_losses.add_curve("net_loss_ng", "natural gradient", BLUE, width=2.2)
        layout_view(self, [(self.line, 0, 0), (self.gauss, 0, 1), (self.net, 0, 2),
                           (self.line_losses, 1, 0), (self.gauss_losses, 1, 1),
                           (self.net_losses, 1, 2)], top=self.controls, bottom=self.info)

    def plots(self) -> list:
        return [self.line, self.gauss, self.net, self.line_losses, self.gauss_losses,
                self.net_losses]

    def config_changed(self, cfg) -> None:
        super().config_changed(cfg)
        self.slider.set_value(cfg.mu)

    def set_mu(self, mu: float) -> None:
        if self.ctx is None:
            return
        self.ctx.set_field("mu", mu)
        if self.ctx.send_edit(SetMu(mu=float(mu))):
            self.ctx.message(f"μ = {mu:.3g}: the line-fit paths restart with the new scale.")
        else:
            self.ctx.message(f"μ = {mu:.3g} is set for the next run (no run is live).")

    def reset(self) -> None:
        super().reset()
        self._landscape_key = None

    def _landscapes(self, a: dict) -> None:
        key = (a["line_loss"].shape, float(a["line_loss"].sum()), float(a["gauss_loss"].sum()))
        if key == self._landscape_key:
            return
        self._landscape_key = key
        for plot, contours, gx, gy, loss in (
                (self.line, self.line_contours, a["line_grid_a"], a["line_grid_b"],
                 a["line_loss"]),
                (self.gauss, self.gauss_contours, a["gauss_grid_m"], a["gauss_grid_s"],
                 a["gauss_loss"])):
            z = np.log(np.maximum(loss - float(np.min(loss)), 1e-12) + 1e-3)
            plot.set_image(z.T, levels=(float(z.min()), float(np.percentile(z, 98))),
                           rect=image_rect(gx, gy))
            levels = np.quantile(z, np.linspace(0.03, 0.9, 12))
            contours.setData(*contour_lines(z, gx, gy, levels))

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        self._landscapes(a)
        for key in ("gd", "gd_tilde", "ng", "ng_tilde"):
            self.line.set_path(key, a[f"path_{key}"].T)
        self.gauss.set_path("g_gd", a["gauss_path_gd"].T)
        self.gauss.set_path("g_ng", a["gauss_path_ng"].T)
        self.net.set_curve("data", a["net_x"], a["net_y"])
        grid = a["net_grid"]
        for key in ("sgd", "adam", "ng"):
            self.net.set_curve(f"fit_{key}", grid, a[f"net_fit_{key}"])
        set_top(self.net, a["net_y"], a["net_fit_sgd"], a["net_fit_adam"], a["net_fit_ng"],
                headroom=1.6, floor=None)
        for plot in (self.line_losses, self.gauss_losses, self.net_losses):
            plot.show_history(snap.history)
        text = (f"μ = <b>{_g(m['mu'])}</b> · line-fit steps since the last μ: "
                f"<b>{int(m['line_steps'])}</b> · natural gradient in θ vs in ϑ: largest "
                f"distance <b>{m['path_mismatch']:.1e}</b> (the same path)")
        if "gd_first_step_ratio" in m:   # not until the restarted paths took a step
            text += (f" · first GD step in a, ϑ vs θ: ×<b>{_g(m['gd_first_step_ratio'])}"
                     f"</b> (μ² = {_g(m['mu'] ** 2)})")
        self.info.setText(text)


# ---- KL divergence -------------------------------------------------------------------------
KL_KEYS = (("mu1", "μ₁"), ("sigma1", "σ₁"), ("mu2", "μ₂"), ("sigma2", "σ₂"),
           ("weight2", "w₂"))


class KLView(FisherView):
    """P and Q with the two integrands, forward and reverse Gaussian fits to P, KL against
    ½ I δλ², and both KLs over the run; P and Q can be edited while the run goes on."""

    NEEDS = ("arrays.x", "arrays.p", "arrays.q", "arrays.integrand_pq", "arrays.integrand_qp",
             "arrays.fit_forward", "arrays.fit_reverse", "arrays.fisher_dlambda",
             "arrays.fisher_kl", "arrays.fisher_quadratic", "metrics.kl_pq", "metrics.kl_qp",
             "metrics.kl_pq_mc", "metrics.mc_samples", "metrics.kl_forward_fit",
             "metrics.kl_reverse_fit", "metrics.forward_fit_mu", "metrics.forward_fit_sigma",
             "metrics.reverse_fit_mu", "metrics.reverse_fit_sigma", "metrics.p_mean",
             "metrics.p_std", "metrics.code_entropy_bits", "metrics.code_cross_entropy_bits",
             "metrics.code_extra_bits", "metrics.kl_pq_bits", "history.kl_pq", "history.kl_qp")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.target = QComboBox()
        self.target.addItems(["P", "Q"])
        self.target.setToolTip("Which distribution the boxes edit (live during a run)")
        self.target.currentTextChanged.connect(lambda _t: self._load_boxes())
        self.boxes: dict[str, QDoubleSpinBox] = {}
        parts: list = ["Edit", self.target]
        for key, label in KL_KEYS:
            box = spin_box(KLConfig, f"p_{key}", step=0.05 if key == "weight2" else 0.1)
            box.valueChanged.connect(lambda v, k=key: self.edit_value(k, v))
            self.boxes[key] = box
            parts += [label, box]
        self.controls = controls_row(*parts, None)

        self.pq = CurvePlot("P and Q", "x", "density", legend="top-right")
        self.pq.add_curve("p", "P", BLUE, width=2.6)
        self.pq.add_curve("q", "Q", VERMILLION, width=2.6)
        self.integrands = CurvePlot("KL integrands", "x", "integrand",
                                    legend="top-right")
        self.integrands.add_curve("i_pq", "p ln(p/q)", BLUE, width=2.4)
        self.integrands.add_curve("i_qp", "q ln(q/p)", VERMILLION, width=2.4)
        hline(self.integrands, 0.0)
        self.fisher = CurvePlot("KL against ½ I δλ²", "δλ", "KL(p<sub>λ₀+δλ</sub> ‖ p<sub>λ₀</sub>)",
                                legend="top-left")
        self.fisher.add_curve("f_kl", "KL", PURPLE, width=2.6)
        self.fisher.add_curve("f_quad", "½ I(λ₀) δλ²", FG, width=1.6, style="dash", z=2)
        self.fits = CurvePlot("Gaussian fits to P", "x", "density", legend="top-right")
        self.fits.add_curve("fp", "P", GREY, width=2.0)
        self.fits.curve("fp").setFillLevel(0.0)
        self.fits.curve("fp").setBrush(pg.mkBrush(127, 127, 127, 50))
        self.fits.add_curve("fit_f", "min KL(P‖Q<sub>θ</sub>)", GREEN, width=2.6)
        self.fits.add_curve("fit_r", "min KL(Q<sub>θ</sub>‖P)", ORANGE, width=2.6)
        self.kl_hist = CurvePlot("KL over steps", "step", "nats", legend="top-right")
        self.kl_hist.add_curve("kl_pq", "KL(P‖Q)", BLUE, width=2.4)
        self.kl_hist.add_curve("kl_qp", "KL(Q‖P)", VERMILLION, width=2.4)
        self.fit_hist = CurvePlot("KL of the fits", "step", "nats", log_y=True,
                                  legend="top-right")
        self.fit_hist.add_curve("kl_forward_fit", "KL(P‖Q<sub>θ</sub>), forward", GREEN,
                                width=2.4)
        self.fit_hist.add_curve("kl_reverse_fit", "KL(Q<sub>θ</sub>‖P), reverse", ORANGE,
                                width=2.4)
        layout_view(self, [(self.pq, 0, 0), (self.integrands, 0, 1), (self.fisher, 0, 2),
                           (self.fits, 1, 0), (self.kl_hist, 1, 1), (self.fit_hist, 1, 2)],
                    top=self.controls, bottom=self.info)

    def plots(self) -> list:
        return [self.pq, self.integrands, self.fisher, self.fits, self.kl_hist, self.fit_hist]

    # ---- editing P and Q ----------------------------------------------------------------
    def _prefix(self) -> str:
        return "p" if self.target.currentText() == "P" else "q"

    def _load_boxes(self) -> None:
        if self.cfg is None:
            return
        t = self._prefix()
        for key, box in self.boxes.items():
            box.blockSignals(True)
            box.setValue(float(getattr(self.cfg, f"{t}_{key}")))
            box.blockSignals(False)

    def config_changed(self, cfg) -> None:
        super().config_changed(cfg)
        self._load_boxes()

    def edit_value(self, key: str, value: float) -> bool:
        """Send one changed number of P or Q to the run and put it into the form."""
        if self.ctx is None:
            return False
        t = self._prefix()
        self.ctx.set_field(f"{t}_{key}", float(value))
        name = dict(KL_KEYS)[key]
        if self.ctx.send_edit((SetP if t == "p" else SetQ)(**{key: float(value)})):
            self.ctx.message(f"{t.upper()}: {name} = {value:.3g} sent to the run.")
            return True
        self.ctx.message(f"{t.upper()}: {name} = {value:.3g} is set for the next run "
                         "(no run is live).")
        return False

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        x = a["x"]
        self.pq.set_curve("p", x, a["p"])
        self.pq.set_curve("q", x, a["q"])
        self.integrands.set_curve("i_pq", x, a["integrand_pq"])
        self.integrands.set_curve("i_qp", x, a["integrand_qp"])
        set_top(self.integrands, a["integrand_pq"], a["integrand_qp"], headroom=1.5, floor=None)
        self.fisher.set_curve("f_kl", a["fisher_dlambda"], a["fisher_kl"])
        self.fisher.set_curve("f_quad", a["fisher_dlambda"], a["fisher_quadratic"])
        self.fits.set_curve("fp", x, a["p"])
        self.fits.set_curve("fit_f", x, a["fit_forward"])
        self.fits.set_curve("fit_r", x, a["fit_reverse"])
        set_top(self.fits, a["p"], a["fit_forward"], a["fit_reverse"], headroom=1.5)
        set_top(self.fisher, a["fisher_kl"], a["fisher_quadratic"], headroom=1.5)
        for plot in (self.kl_hist, self.fit_hist):
            plot.show_history(snap.history)
        set_top(self.kl_hist, snap.history["kl_pq"], snap.history["kl_qp"], headroom=1.6)
        text = (f"KL(P‖Q) = <b>{_g(m['kl_pq'])}</b> nats (Monte Carlo over "
                f"{int(m['mc_samples'])} samples: {_g(m['kl_pq_mc'])}) · KL(Q‖P) = "
                f"<b>{_g(m['kl_qp'])}</b>")
        if "kl_pq_closed" in m:          # two single Gaussians only
            text += (f" · closed forms {_g(m['kl_pq_closed'])}, {_g(m['kl_qp_closed'])}")
        text += (f"<br>forward fit: m = <b>{_g(m['forward_fit_mu'])}</b>, s = "
                 f"<b>{_g(m['forward_fit_sigma'])}</b> (P: mean {_g(m['p_mean'])}, std "
                 f"{_g(m['p_std'])}) · reverse fit: m = <b>{_g(m['reverse_fit_mu'])}</b>, "
                 f"s = <b>{_g(m['reverse_fit_sigma'])}</b> · coding P with Q's code: "
                 f"{_g(m['code_cross_entropy_bits'])} − {_g(m['code_entropy_bits'])} = "
                 f"<b>{_g(m['code_extra_bits'])}</b> extra bits ≈ KL/ln 2 = "
                 f"{_g(m['kl_pq_bits'])}")
        self.info.setText(text)


# ---- mutual information --------------------------------------------------------------------
class MutualInfoView(FisherView):
    """Samples (f(x), y), their 2-d histogram, MI estimates against the exact value, and
    the correlation next to the MI."""

    NEEDS = ("arrays.x", "arrays.y", "arrays.fx", "metrics.mi_exact", "metrics.n",
             "metrics.rho", "history.corr", "history.mi_estimate", "history.mi_exact",
             "history.mi_histogram", "history.step")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.slider = FieldSlider(MutualInfoConfig, "rho", label="ρ")
        self.slider.setMinimumWidth(260)
        self.slider.setToolTip("New samples from the correlated Gaussian with this ρ "
                               "(the old ones are dropped)")
        self.slider.value_changed.connect(self.set_rho)
        self.transform = QComboBox()
        self.transform.addItems(list(MI_TRANSFORMS))
        self.transform.setToolTip("The invertible map applied to x (the same samples)")
        self.transform.currentTextChanged.connect(self.set_transform)
        self.controls = controls_row(self.slider, "map x → f(x)", self.transform, None)

        self.scatter = CurvePlot("Samples (f(x), y)", "f(x)", "y", legend=None)
        self.scatter.add_curve("pts", "samples", BLUE, width=0, symbol="o", symbol_size=3,
                               alpha=110, legend=False)
        self.hist2d = ImagePlot("Histogram p(f(x), y)", "f(x)", "y", colormap="viridis")
        self.mi = CurvePlot("Mutual information", "step", "nats", legend="top-right")
        self.mi.add_curve("mi_estimate", "k-NN (Kraskov)", BLUE, width=2.4)
        self.mi.add_curve("mi_histogram", "histogram plug-in", ORANGE, width=2.0)
        self.mi.add_curve("mi_exact", "exact", FG, width=1.6, style="dash", z=2)
        self.corr = CurvePlot("Correlation and MI", "step", "value", legend="top-right")
        self.corr.add_curve("corr", "correlation r", VERMILLION, width=2.4)
        self.corr.add_curve("corr_mi", "−½ ln(1 − r²)", PURPLE, width=2.0, style="dash")
        self.corr.add_curve("mi_estimate", "MI (k-NN)", BLUE, width=2.0)
        hline(self.corr, 0.0)
        layout_view(self, [(self.scatter, 0, 0), (self.hist2d, 0, 1), (self.mi, 1, 0),
                           (self.corr, 1, 1)], top=self.controls, bottom=self.info)

    def plots(self) -> list:
        return [self.scatter, self.hist2d, self.mi, self.corr]

    def config_changed(self, cfg) -> None:
        super().config_changed(cfg)
        self.slider.set_value(cfg.rho)
        self.slider.setEnabled(cfg.dataset == "correlated_gaussian")
        self.transform.blockSignals(True)
        self.transform.setCurrentText(cfg.transform)
        self.transform.blockSignals(False)

    def set_rho(self, rho: float) -> None:
        if self.ctx is None:
            return
        self.ctx.set_field("rho", rho)
        if self.ctx.send_edit(SetRho(rho=float(rho))):
            self.ctx.message(f"ρ = {rho:.2f}: new samples from now on.")
        else:
            self.ctx.message(f"ρ = {rho:.2f} is set for the next run (no run is live).")

    def set_transform(self, name: str) -> None:
        if self.ctx is None:
            return
        self.ctx.set_field("transform", name)
        if self.ctx.send_edit(SetTransform(transform=name)):
            self.ctx.message(f"map {name}: the same samples, mapped.")
        else:
            self.ctx.message(f"map {name} is set for the next run (no run is live).")

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        self.scatter.set_curve("pts", a["fx"], a["y"])
        if "hist2d" in a:     # not while a new ρ has no samples yet
            ex, ey = a["hist_xedges"], a["hist_yedges"]
            img = a["hist2d"].T
            self.hist2d.set_image(img, levels=(0.0, max(float(img.max()), 1e-9)),
                                  rect=(float(ex[0]), float(ey[0]), float(ex[-1] - ex[0]),
                                        float(ey[-1] - ey[0])))
            self.hist2d.plotItem.setRange(xRange=(ex[0], ex[-1]), yRange=(ey[0], ey[-1]),
                                          padding=0.0)
        hist = snap.history
        self.mi.show_history(hist)
        set_top(self.mi, hist["mi_estimate"], hist["mi_histogram"], hist["mi_exact"],
                headroom=1.6)
        self.corr.show_history(hist)
        r = np.clip(hist["corr"], -0.999999, 0.999999)
        self.corr.set_curve("corr_mi", hist["step"], -0.5 * np.log(1 - r ** 2))
        set_top(self.corr, hist["corr"], -0.5 * np.log(1 - r ** 2), hist["mi_estimate"],
                headroom=1.6, floor=None)
        text = f"n = <b>{int(m['n'])}</b> samples · exact MI = <b>{_g(m['mi_exact'])}</b> nats"
        if self.cfg is not None and self.cfg.dataset == "correlated_gaussian":
            text += f" (−½ ln(1 − ρ²), ρ = {m['rho']:.2f})"
        if "mi_estimate" in m:       # not until k + 2 samples (also after a new ρ)
            text += (f" · k-NN estimate <b>{_g(m['mi_estimate'])}</b> (of x itself: "
                     f"{_g(m['mi_raw'])}) · histogram {_g(m['mi_histogram'])} · correlation "
                     f"r(f(x), y) = <b>{m['corr']:+.3f}</b>, r(x, y) = {m['corr_raw']:+.3f}"
                     "<br>an invertible map changes the correlation, not the mutual "
                     "information; Cov = 0 does not mean independent")
        self.info.setText(text)


# ---- renormalized mutual information ----------------------------------------------------------
class RMIView(FisherView):
    """Data with the level lines of the learned feature F(x) and the PC1 direction; the RMI
    terms over the run; the angle to PC1 (Gaussian) or the match to the collective
    coordinate (spiral, ring)."""

    NEEDS = ("arrays.points", "arrays.feature", "arrays.collective", "arrays.level_x",
             "arrays.level_y", "arrays.level_field", "metrics.rmi", "metrics.entropy_y",
             "metrics.mean_log_grad", "metrics.feature_angle_deg", "metrics.pc1_angle_deg",
             "history.rmi")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.data = CurvePlot("Level lines of y = F(x)", "x₁", "x₂",
                              legend="top-left")
        self.data.plotItem.setAspectLocked(True)
        self.data.add_curve("pts", "data", GREY, width=0, symbol="o", symbol_size=4,
                            alpha=160, legend=False, z=-2)
        self.levels = contour_item(self.data, BLUE, width=1.6, alpha=230, z=5)
        self.data.add_curve("pc1", "PC1 direction", VERMILLION, width=2.2, style="dash", z=3)
        self.data.add_curve("grad", "feature axis", GREEN, width=2.6, z=4)
        self.terms = CurvePlot("RMI and its terms", "step", "nats", legend="top-left")
        self.terms.add_curve("rmi", "RMI", BLUE, width=2.6)
        self.terms.add_curve("entropy_y", "H(y)", GREEN, width=2.0)
        self.terms.add_curve("mean_log_grad", "⟨ln |∇F|⟩", ORANGE, width=2.0)
        self.angle = CurvePlot("Match to structure", "step", "value",
                               legend="top-right")
        self.angle.add_curve("angle_to_pc1_deg", "angle to PC1 (°)", VERMILLION, width=2.4)
        self.angle.add_curve("corr_collective", "|rank corr(y, t)|", PURPLE,
                             width=2.4)
        hline(self.angle, 0.0)
        self.feature = CurvePlot("y vs hidden coordinate",
                                 "t (PC1 projection, angle or arc length)",
                                 "feature y", legend=None)
        self.feature.add_curve("fy", "points", BLUE, width=0, symbol="o", symbol_size=4,
                               alpha=140, legend=False)
        layout_view(self, [(self.data, 0, 0, 2, 1), (self.terms, 0, 1), (self.angle, 0, 2),
                           (self.feature, 1, 1, 1, 2)], bottom=self.info, col_stretch=(4, 3, 3))

    def plots(self) -> list:
        return [self.data, self.terms, self.angle, self.feature]

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        pts = a["points"]
        self.data.set_curve("pts", pts[:, 0], pts[:, 1])
        field = a["level_field"]
        finite = field[np.isfinite(field)]
        if finite.size:
            levels = np.quantile(finite, np.linspace(0.05, 0.95, 11))
            self.levels.setData(*contour_lines(field, a["level_x"], a["level_y"], levels))
        centre = pts.mean(axis=0)
        r = 0.5 * float(np.ptp(pts, axis=0).max())
        for key, deg in (("pc1", m["pc1_angle_deg"]), ("grad", m["feature_angle_deg"])):
            u = np.array([math.cos(math.radians(deg)), math.sin(math.radians(deg))])
            f = 1.0 if key == "pc1" else 0.7
            ends = np.stack([centre - f * r * u, centre + f * r * u])
            self.data.set_curve(key, ends[:, 0], ends[:, 1])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = 0.08 * (hi - lo)
        self.data.plotItem.setRange(xRange=(lo[0] - pad[0], hi[0] + pad[0]),
                                    yRange=(lo[1] - pad[1], hi[1] + 4 * pad[1]), padding=0.0)
        hist = snap.history
        self.terms.show_history(hist)
        set_top(self.terms, *(hist[k] for k in ("rmi", "entropy_y", "mean_log_grad")
                              if k in hist), headroom=1.7, floor=None)
        self.angle.show_history(hist)
        set_top(self.angle, *(hist[k] for k in ("angle_to_pc1_deg", "corr_collective")
                              if k in hist), headroom=2.0)
        self.feature.set_curve("fy", a["collective"], a["feature"])
        text = (f"RMI = <b>{_g(m['rmi'])}</b> = H(y) <b>{_g(m['entropy_y'])}</b> − "
                f"⟨ln |∇F|⟩ <b>{_g(m['mean_log_grad'])}</b> nats · ∇F at "
                f"<b>{m['feature_angle_deg']:.1f}°</b>, PC1 at {m['pc1_angle_deg']:.1f}°")
        if "angle_to_pc1_deg" in m:      # the Gaussian cloud (or a network feature) only
            text += f" · angle to PC1 <b>{m['angle_to_pc1_deg']:.1f}°</b>"
        if "corr_collective" in m:       # spiral and ring (a hidden coordinate) only
            text += f" · |rank correlation| with the hidden coordinate <b>{m['corr_collective']:.3f}</b>"
        self.info.setText(text)
