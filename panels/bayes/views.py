"""Views of the Bayes demos (lecture chapter 5): prior, likelihood, posterior, live.

Observations come automatically (one per step; the Speed selector sets the rate) or from
the user: a button ("One observation", "Photon click", …) or a left click in the clickable
plot is an edit (engines.bayes.edits), checked here first (a refusal, e.g. a click outside
the lattice, gets its message at once and nothing is sent) and then sent to the engine:
- a running or paused run takes the observation at once (a paused run stays paused);
- with no run yet, a run starts paused and takes it, so a lecturer can build a posterior
  by hand before pressing Resume for automatic observations;
- a finished (or stopped) run continues from where it ended, paused, with the observation
  and a fresh budget of steps, so the posterior built so far is never thrown away. Every view ends with
a readout line: prior entropy, posterior entropy, information gain of the last observation
and KL(posterior ‖ prior), all in bits. Views import only torch-free numpy helpers.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engines.bayes.configs import GP_LENGTH, X_RANGE
from engines.bayes.edits import Observe, check_edit
from engines.config import ConfigError
from engines.runtime import Snapshot
from panels.bayes.plots import BayesPlot
from workbench import runner as states
from workbench.demo_view import DemoView, splitter
from workbench.plots import FG, PALETTE

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, BROWN, GREY = PALETTE
TRUE_RED = "#D62728"
MEASURE_COLOR = "#1A1A1A"

#: λ̄ (the posterior mean) as rich text: a combining macron renders on the wrong line.
LAMBDA_BAR = "<span style='text-decoration:overline'>λ</span>"



def _g(value: float) -> str:
    return f"{value:.3g}"


def info_html(m: dict, continuous: bool, extra: str = "") -> str:
    """The readout every demo shows: entropies, gain of the last observation, KL."""
    h = "h" if continuous else "H"
    kind = "differential entropy" if continuous else "Shannon entropy"
    line = (f"<b>Information</b> ({kind}, bits): prior {h} = <b>{_g(m['h_prior'])}</b> · "
            f"posterior {h} = <b>{_g(m['h_post'])}</b> · last observation: "
            f"{h}<sub>before</sub> − {h}<sub>after</sub> = <b>{m['gain']:+.3g}</b> · "
            f"KL(posterior ‖ prior) = <b>{_g(m['kl'])}</b>")
    return line + (f"<br>{extra}" if extra else "")


def rug(values: np.ndarray, height: float) -> tuple[np.ndarray, np.ndarray]:
    """Short vertical ticks at ``values`` from 0 to ``height`` (connect='pairs' data)."""
    values = np.asarray(values, dtype=float)
    x = np.repeat(values, 2)
    y = np.tile([0.0, height], values.size)
    return x, y


def describe_observation(change: Observe) -> str:
    if change.click is not None:
        return "A photon click" if change.click else "An interval without a click"
    if change.t is not None:
        return f"Measurement φ({change.t:.3g}) = {change.y:.3g}"
    if change.x is not None:
        return f"Data point (x, y) = ({change.x:.3g}, {change.y:.3g})"
    if change.y is not None:
        return f"Observation y = {change.y:.3g}"
    return "One simulated observation"


class BayesView(DemoView):
    """Buttons and a hint on top, plots in the middle, the information readout below."""

    #: (button text, tooltip, edit) of the observation buttons.
    BUTTONS: tuple[tuple[str, str, Observe], ...] = (
        ("One observation", "Draw one observation from the truth and update (also while "
                            "paused; starts a paused run when none is active)",
         Observe()),)
    HINT = ""
    CONTINUOUS = True

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.cfg = None
        self.outcome: str | None = None          # how the last run ended
        self.budget: int | None = None
        self.buttons: dict[str, QPushButton] = {}
        top = QWidget()
        row = QHBoxLayout(top)
        row.setContentsMargins(4, 0, 4, 0)
        for text, tip, change in self.BUTTONS:
            button = QPushButton(text)
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, c=change: self.observe(c))
            self.buttons[text] = button
            row.addWidget(button)
        self.hint = QLabel(self.HINT)
        self.hint.setWordWrap(True)
        row.addWidget(self.hint, 1)
        self.readout = QLabel()
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setMinimumHeight(40)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(top)

    def set_body(self, widget: QWidget) -> None:
        self._layout.addWidget(widget, 1)
        self._layout.addWidget(self.readout)

    def emit_click(self, change: Observe) -> None:
        self.observe(change)

    # ---- observations from buttons and clicks -----------------------------------------
    def run_started(self, cfg) -> None:
        self.outcome = None
        self.budget = int(cfg.steps)             # steps of the run as started

    def run_finished(self, outcome: str) -> None:
        self.outcome = outcome

    def observe(self, change: Observe) -> bool:
        """Check an observation, then hand it to the run (starting or continuing one)."""
        ctx = self.ctx
        if ctx is None or not ctx.current:
            return False
        if ctx.state == states.STOPPING:
            ctx.message("The run is stopping; try again in a moment.", error=True)
            return False
        try:
            cfg = ctx.run_config if ctx.live and ctx.run_config is not None else ctx.form_config()
            change = check_edit(cfg, change)
        except ConfigError as exc:
            ctx.message(f"Cannot start: {exc}", error=True)
            return False
        except ValueError as exc:
            ctx.message(str(exc), error=True)
            return False
        what = describe_observation(change)
        if ctx.live:
            ctx.send_edit(change)
            paused = ctx.state == states.PAUSED
            ctx.message(f"{what} sent" + (" (the run stays paused)." if paused else "."))
            return True
        can_continue = (ctx.state == states.FINISHED and ctx.last_snapshot is not None
                        and ctx.run_config is not None
                        and self.outcome in ("completed", "stopped"))
        if can_continue:
            if not ctx.continue_paused(self.budget):
                return False
            self.outcome = None
            how = "continues the finished run"
        else:
            if not ctx.start(paused=True):
                return False
            how = "started a new run"
        ctx.send_edit(change)
        ctx.message(f"{what}: {how}, paused. Press Resume (Space) for automatic "
                    "observations.")
        return True

    def reset(self) -> None:
        super().reset()
        self.readout.clear()
        if self.cfg is not None:
            self.config_changed(self.cfg)

    def config_changed(self, cfg) -> None:
        self.cfg = cfg
        self.preview(cfg)

    def preview(self, cfg) -> None:
        """What can be drawn from the config alone (before a run)."""


# ---- sequential updating --------------------------------------------------------------
class SequentialView(BayesView):
    """Prior, likelihood of the last y and posterior over λ; W_N and mean λ_N against N."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.analytic", "arrays.grid", "arrays.likelihood", "arrays.obs_gain",
             "arrays.obs_kl", "arrays.obs_mean", "arrays.obs_mean_formula", "arrays.obs_n",
             "arrays.obs_width", "arrays.obs_width_formula", "arrays.posterior", "arrays.prior",
             "arrays.ys", "metrics.gain", "metrics.grid_step", "metrics.h_post", "metrics.h_prior",
             "metrics.kl", "metrics.mean", "metrics.n_obs", "metrics.true_lambda", "metrics.width",
             "metrics.width_formula")

    HINT = ("Left click in the λ plot: one observation y at the clicked position "
            "(try an outlier).")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.density = BayesPlot("p(λ | y<sub>1</sub>…y<sub>N</sub>) ∝ p(y<sub>N</sub> | λ) "
                                 "p(λ | y<sub>1</sub>…y<sub>N−1</sub>)", "λ", "density",
                                 clickable=True, legend="top-left", ghost_x=None)
        d = self.density
        d.add_curve("prior", "prior p(λ)", GREY, width=2.5)
        d.add_curve("likelihood", "likelihood p(y<sub>N</sub> | λ)", ORANGE, width=2.2)
        d.add_curve("posterior", "posterior (grid)", BLUE, width=3.2, z=2)
        d.add_curve("analytic", "closed form (Gaussian)", FG, width=1.6, style="dash", z=3)
        d.add_curve("rug", "observations y<sub>j</sub>", GREY, width=1.2, alpha=150, z=-1)
        d.curve("rug").setData([], [], connect="pairs")
        d.add_vline("true", "λ*", TRUE_RED)
        self.width = BayesPlot("Posterior width W<sub>N</sub>", "observations N",
                               "W<sub>N</sub>", log_x=True, log_y=True, legend="top-right")
        w = self.width
        w.add_curve("width", "posterior std (grid)", BLUE, width=2.6, symbol="o",
                    symbol_size=5)
        w.add_curve("width_formula", "1/W<sub>N</sub>² = 1/W² + N/σ²", FG, width=1.6,
                    style="dash", z=2)
        w.add_curve("asymptote", "σ/√N", GREY, width=1.4, style="dot")
        self.mean = BayesPlot(f"Posterior mean {LAMBDA_BAR}<sub>N</sub>", "observations N",
                              f"{LAMBDA_BAR}<sub>N</sub>", legend="top-left", legend_columns=2)
        mp = self.mean
        mp.add_band("mean_band", "± W<sub>N</sub>", BLUE, alpha=45)
        mp.add_curve("mean", "mean (grid)", BLUE, width=2.6)
        mp.add_curve("mean_formula", "(W<sub>N</sub>²/σ²) Σ y<sub>j</sub>", FG, width=1.6,
                     style="dash", z=2)
        mp.add_curve("lambda_true", "λ*", TRUE_RED, width=1.8, style="dash", z=-1)
        self.info = BayesPlot("Information per observation", "observations N", "bits",
                              legend="top-right")
        self.info.add_curve("gain", "h<sub>before</sub> − h<sub>after</sub>", GREEN,
                            width=1.4, symbol="o", symbol_size=6)
        self.info.add_curve("kl", "KL(posterior ‖ prior)", PURPLE, width=2.4)
        self.density.clicked.connect(lambda x, y: self.emit_click(Observe(y=x)))
        left = splitter(Qt.Orientation.Vertical, self.density, self.info, stretch=[3, 2])
        right = splitter(Qt.Orientation.Vertical, self.width, self.mean)
        self.set_body(splitter(Qt.Orientation.Horizontal, left, right, stretch=[3, 2]))

    def plots(self) -> list:
        return [self.density, self.width, self.mean, self.info]

    def preview(self, cfg) -> None:
        from engines.bayes.edits import lambda_range

        lo, hi = lambda_range(cfg)
        grid = np.linspace(lo, hi, 801)
        prior = np.exp(-0.5 * (grid / cfg.prior_width) ** 2) / (
            np.sqrt(2 * np.pi) * cfg.prior_width)
        self.density.set_curve("prior", grid, prior)
        self.density.set_vline("true", cfg.true_lambda)
        self.density.plotItem.setXRange(lo, hi, padding=0.0)
        self.density.set_y_top(float(prior.max()), 1.55)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        grid = a["grid"]
        d = self.density
        d.set_curve("prior", grid, a["prior"])
        d.set_curve("posterior", grid, a["posterior"])
        d.set_curve("likelihood", grid, a["likelihood"])
        d.set_curve("analytic", grid if a["analytic"].size else [], a["analytic"])
        top = float(max(a["posterior"].max(), a["prior"].max(), a["likelihood"].max()))
        d.set_y_top(top, 1.55)
        x, y = rug(a["ys"], 0.06 * top)
        d.curve("rug").setData(x, y, connect="pairs")
        d.set_vline("true", m["true_lambda"])
        n = a["obs_n"]
        self.width.set_curve("width", n, a["obs_width"])
        self.width.set_curve("width_formula", n, a["obs_width_formula"])
        if self.cfg is not None and n.size:
            self.width.set_curve("asymptote", n, self.cfg.noise / np.sqrt(n))
        if n.size:          # headroom above the data: the legends sit there
            widths = np.concatenate([a["obs_width"], a["obs_width_formula"]])
            lo, hi = float(widths.min()), float(widths.max())
            self.width.plotItem.setYRange(np.log10(lo / 1.2), np.log10(hi * 6.0), padding=0.0)
        mean, width = a["obs_mean"], a["obs_width"]
        if n.size:
            values = np.concatenate([mean - width, mean + width, [m["true_lambda"], 0.0]])
            lo, hi = float(values.min()), float(values.max())
            span = max(hi - lo, 1e-6)
            self.mean.plotItem.setYRange(lo - 0.05 * span, hi + 0.6 * span, padding=0.0)
        self.mean.set_band("mean_band", n, mean - width, mean + width)
        self.mean.set_curve("mean", n, mean)
        self.mean.set_curve("mean_formula", n, a["obs_mean_formula"])
        if n.size:
            self.mean.set_curve("lambda_true", [0.0, max(n[-1], 1.0)], [m["true_lambda"]] * 2)
        self.info.set_curve("gain", n, a["obs_gain"])
        self.info.set_curve("kl", n, a["obs_kl"])
        extra = (f"N = <b>{int(m['n_obs'])}</b> · W<sub>N</sub> (grid) = <b>{_g(m['width'])}</b>"
                 f" · formula 1/√(1/W² + N/σ²) = <b>{_g(m['width_formula'])}</b>"
                 f" · {LAMBDA_BAR}<sub>N</sub> = <b>{_g(m['mean'])}</b> (λ* = {_g(m['true_lambda'])})")
        if self.cfg is not None and self.cfg.likelihood == "lorentzian":
            extra += " · fat-tailed likelihood: the formula is the Gaussian reference"
        if m["width"] < 10 * m["grid_step"]:
            extra += (" · <span style='color:#D62728'>the λ grid (step "
                      f"{_g(m['grid_step'])}) hardly resolves the posterior: raise Grid "
                      "points</span>")
        self.readout.setText(info_html(m, True, extra))


# ---- qubit readout -------------------------------------------------------------------------
class QubitView(BayesView):
    """p(y|λ=0), p(y|λ=1), P(λ=1|y) as a function of y, and the belief over readouts."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.curve_now", "arrays.curve_prior", "arrays.obs_gain", "arrays.obs_h_post",
             "arrays.obs_n", "arrays.obs_p1", "arrays.p_y0", "arrays.p_y1", "arrays.y_grid",
             "arrays.ys", "metrics.expected_gain", "metrics.gain", "metrics.h_post",
             "metrics.h_prior", "metrics.kl", "metrics.log_odds", "metrics.n_obs", "metrics.p1",
             "metrics.true_state")

    BUTTONS = (("One readout", "Read the qubit once more: y ~ p(y | λ*) (also while paused)",
                Observe()),)
    HINT = "Left click in the readout plot: a readout with the clicked value y."
    CONTINUOUS = False

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.outcomes = BayesPlot("Measurement distributions p(y | λ)", "readout y",
                                  "density", clickable=True, legend="top-right", ghost_x=None)
        o = self.outcomes
        o.add_band("fill0", "", BLUE, alpha=50)
        o.add_band("fill1", "", VERMILLION, alpha=50)
        o.add_curve("p_y0", "p(y | λ=0)", BLUE, width=2.6)
        o.add_curve("p_y1", "p(y | λ=1)", VERMILLION, width=2.6)
        o.add_curve("rug", "readouts y<sub>j</sub>", FG, width=1.2, alpha=120, z=-1)
        o.add_vline("last", "last y", GREEN, style="solid", position=0.55)
        self.curve = BayesPlot("P(λ=1 | y) = p(y|1)P(1) / Σ<sub>λ′</sub> p(y|λ′)P(λ′)",
                               "readout y", "P(λ=1 | y)", y_range=(-0.02, 1.02),
                               legend="bottom-right", ghost_x=None)
        self.curve.add_curve("curve_prior", "with the prior P(λ=1)", GREY, width=2.0,
                             style="dash")
        self.curve.add_curve("curve_now", "with the belief after N readouts", PURPLE,
                             width=2.8)
        self.sequence = BayesPlot("Belief over a sequence of readouts", "readouts N",
                                  "P(λ=1 | y<sub>1</sub>…y<sub>N</sub>)", y_range=(-0.02, 1.02),
                                  legend="bottom-right")
        self.sequence.add_curve("state_true", "true state λ*", TRUE_RED, width=1.8,
                                style="dash", z=-1)
        self.sequence.add_curve("p1", "P(λ=1 | readouts)", BLUE, width=2.6, symbol="o",
                                symbol_size=6)
        self.info = BayesPlot("Information per readout", "readouts N", "bits",
                              legend="top-right")
        self.info.add_curve("h_post", "H(λ | y<sub>1</sub>…y<sub>N</sub>)", PURPLE, width=2.4)
        self.info.add_curve("gain", "H<sub>before</sub> − H<sub>after</sub>", GREEN, width=1.4,
                            symbol="o", symbol_size=6)
        o.curve("rug").setData([], [], connect="pairs")
        o.clicked.connect(lambda x, y: self.emit_click(Observe(y=x)))
        left = splitter(Qt.Orientation.Vertical, self.outcomes, self.curve)
        right = splitter(Qt.Orientation.Vertical, self.sequence, self.info)
        self.set_body(splitter(Qt.Orientation.Horizontal, left, right))

    def plots(self) -> list:
        return [self.outcomes, self.curve, self.sequence, self.info]

    def preview(self, cfg) -> None:
        from engines.bayes.qubit import outcome_density, posterior_curve, readout_grid

        y = readout_grid(cfg)
        p0, p1 = outcome_density(y, cfg, 0), outcome_density(y, cfg, 1)
        self._draw_outcomes(y, p0, p1)
        log_odds = np.log(cfg.prior_p1 / (1 - cfg.prior_p1))
        self.curve.set_curve("curve_prior", y, posterior_curve(y, cfg, log_odds))
        self.outcomes.plotItem.setXRange(y[0], y[-1], padding=0.0)

    def _draw_outcomes(self, y, p0, p1) -> None:
        self.outcomes.set_curve("p_y0", y, p0)
        self.outcomes.set_curve("p_y1", y, p1)
        self.outcomes.set_y_top(float(max(p0.max(), p1.max())), 1.45)
        self.outcomes.set_band("fill0", y, np.zeros_like(y), p0)
        self.outcomes.set_band("fill1", y, np.zeros_like(y), p1)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        y = a["y_grid"]
        self._draw_outcomes(y, a["p_y0"], a["p_y1"])
        top = float(max(a["p_y0"].max(), a["p_y1"].max()))
        x, h = rug(a["ys"], 0.1 * top)
        self.outcomes.curve("rug").setData(x, h, connect="pairs")
        self.outcomes.set_vline("last", a["ys"][-1] if a["ys"].size else None)
        self.curve.set_curve("curve_prior", y, a["curve_prior"])
        self.curve.set_curve("curve_now", y, a["curve_now"])
        prior_p1 = self.cfg.prior_p1 if self.cfg is not None else 0.5
        n = np.concatenate([[0.0], a["obs_n"]])
        self.sequence.set_curve("p1", n, np.concatenate([[prior_p1], a["obs_p1"]]))
        self.sequence.set_curve("state_true", [0.0, max(n[-1], 1.0)], [m["true_state"]] * 2)
        self.info.set_curve("h_post", n, np.concatenate([[m["h_prior"]], a["obs_h_post"]]))
        self.info.set_curve("gain", a["obs_n"], a["obs_gain"])
        p1 = m["p1"]
        extra = (f"N = <b>{int(m['n_obs'])}</b> readouts · P(λ=1 | y<sub>1</sub>…y<sub>N</sub>) "
                 f"= <b>{p1:.4g}</b> (log-odds {m['log_odds']:+.3g}) · expected gain of the "
                 f"next readout I(λ; y) = <b>{_g(m['expected_gain'])}</b> bits")
        self.readout.setText(info_html(m, False, extra))


# ---- cavity decay ------------------------------------------------------------------------------
class CavityView(BayesView):
    """P(n) before and after clicks, the likelihood of the last outcome, ⟨n⟩ over time."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.likelihood", "arrays.n", "arrays.obs_click", "arrays.obs_gain",
             "arrays.obs_h_post", "arrays.obs_kl", "arrays.obs_mean", "arrays.obs_n",
             "arrays.obs_n_true", "arrays.posterior", "arrays.prior", "metrics.clicks",
             "metrics.gain", "metrics.h_post", "metrics.h_prior", "metrics.kl",
             "metrics.last_click", "metrics.mean", "metrics.mean_after_click",
             "metrics.mean_prior", "metrics.n_obs", "metrics.n_true", "metrics.n_true0",
             "metrics.p_click")

    BUTTONS = (
        ("One interval τ", "Watch the detector for one more interval (click or not, drawn "
                           "from the hidden true photon number)", Observe()),
        ("Photon click", "The detector clicks: P(n | click) ∝ κτ n P(n), then n → n − 1",
         Observe(click=True)),
        ("No click", "An interval without a click: P(n | no click) ∝ (1 − κτ n) P(n)",
         Observe(click=False)),
    )
    HINT = "One click with the bimodal prior: ⟨n⟩ after the decay exceeds the prior mean."
    CONTINUOUS = False

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.bars = BayesPlot("Photon number: prior and posterior", "photon number n",
                              "P(n)", legend="top-right", ghost_x=None)
        b = self.bars
        b.add_bars("prior", "prior P(n)", GREY, width=0.85, alpha=110)
        b.add_bars("posterior", "posterior", BLUE, width=0.5, z=1)
        b.add_vline("mean_prior", "⟨n⟩ prior", GREY, position=0.95)
        b.add_vline("mean_post", "⟨n⟩ now", BLUE, style="solid", position=0.82)
        b.add_vline("n_true", "true n", TRUE_RED, style="dot", position=0.69)
        self.lik = BayesPlot("Likelihood of the last outcome", "photon number n",
                             "P(· | n)", legend=None, y_range=(-0.02, 1.02), ghost_x=None)
        self.lik.add_curve("likelihood", "", ORANGE, width=2.4, symbol="o", symbol_size=5)
        self.time = BayesPlot("Expected photon number ⟨n⟩", "intervals τ",
                              "photons", legend="top-right")
        t = self.time
        t.add_curve("prior_mean", "prior mean", GREY, width=1.6, style="dot", z=-2)
        t.add_curve("n_hidden", "true n (hidden)", TRUE_RED, width=1.8, style="dash", z=-1)
        t.add_curve("mean", "⟨n⟩ posterior", BLUE, width=2.6)
        t.add_curve("click_marks", "clicks", ORANGE, width=0, symbol="star", symbol_size=14,
                    z=3)
        self.info = BayesPlot("Information per interval", "intervals τ", "bits",
                              legend="top-right")
        self.info.add_curve("h_post", "H(n | outcomes)", PURPLE, width=2.4)
        self.info.add_curve("kl", "KL(posterior ‖ prior)", BROWN, width=2.0)
        self.info.add_curve("gain", "H<sub>before</sub> − H<sub>after</sub>", GREEN, width=0,
                            symbol="o", symbol_size=5)
        left = splitter(Qt.Orientation.Vertical, self.bars, self.lik, stretch=[3, 1])
        right = splitter(Qt.Orientation.Vertical, self.time, self.info)
        self.set_body(splitter(Qt.Orientation.Horizontal, left, right))

    def plots(self) -> list:
        return [self.bars, self.lik, self.time, self.info]

    def preview(self, cfg) -> None:
        from engines.bayes.cavity import mean_photons, photon_prior

        prior = photon_prior(cfg)
        n = np.arange(prior.size)
        self.bars.set_bars("prior", n, prior)
        self.bars.set_vline("mean_prior", mean_photons(prior))
        self.lik.set_title("P(click | n) = κτ·n")
        self.lik.set_curve("likelihood", n, cfg.kappa_tau * n)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        n = a["n"]
        self.bars.set_bars("prior", n, a["prior"])
        self.bars.set_bars("posterior", n, a["posterior"])
        self.bars.set_vline("mean_prior", m["mean_prior"])
        self.bars.set_vline("mean_post", m["mean"])
        self.bars.set_vline("n_true", m["n_true"])
        if a["likelihood"].size:
            click = m["last_click"] > 0.5
            # short: at zoom 2 this plot is ~80 px tall, no room for a second line
            self.lik.set_title("Last: click, P = κτ·n" if click else
                               "Last: no click, P = 1 − κτ·n")
            self.lik.set_curve("likelihood", n, a["likelihood"])
        steps = np.concatenate([[0.0], a["obs_n"]])
        mean = np.concatenate([[m["mean_prior"]], a["obs_mean"]])
        self.time.set_curve("mean", steps, mean)
        self.time.set_curve("n_hidden", *self._staircase(
            steps, np.concatenate([[m["n_true0"]], a["obs_n_true"]])))
        self.time.set_curve("prior_mean", [0.0, max(steps[-1], 1.0)], [m["mean_prior"]] * 2)
        clicked = a["obs_click"] > 0.5
        self.time.set_curve("click_marks", a["obs_n"][clicked], a["obs_mean"][clicked])
        self.info.set_curve("h_post", steps, np.concatenate([[m["h_prior"]], a["obs_h_post"]]))
        self.info.set_curve("kl", steps, np.concatenate([[0.0], a["obs_kl"]]))
        self.info.set_curve("gain", a["obs_n"], a["obs_gain"])
        surprise = ""
        if m["mean"] > m["mean_prior"] + 1e-9 and m["clicks"] > 0:
            surprise = (" · <span style='color:#D62728'><b>after the decay more photons are "
                        "expected than before</b></span> (an update of knowledge)")
        extra = (f"{int(m['n_obs'])} intervals, <b>{int(m['clicks'])}</b> clicks · "
                 f"⟨n⟩ prior = <b>{_g(m['mean_prior'])}</b> · ⟨n⟩ now = <b>{_g(m['mean'])}</b>"
                 f"{surprise} · if the next interval clicks: ⟨n⟩ → ⟨n²⟩/⟨n⟩ − 1 = "
                 f"<b>{_g(m['mean_after_click'])}</b> · P(click) = κτ⟨n⟩ = {_g(m['p_click'])}")
        self.readout.setText(info_html(m, False, extra))

    @staticmethod
    def _staircase(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A staircase through (x, y): the hidden photon number jumps at clicks."""
        if x.size < 2:
            return x, y
        xs = np.repeat(x, 2)[1:]
        ys = np.repeat(y, 2)[:-1]
        return xs, ys


# ---- Gaussian random process ----------------------------------------------------------------------
class GPView(BayesView):
    """Posterior mean, ±1σ and ±2σ bands and samples of φ(t); clicks add measurements."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.mean", "arrays.meas_t", "arrays.meas_y", "arrays.obs_gain", "arrays.obs_kl",
             "arrays.obs_n", "arrays.prior_samples", "arrays.prior_std", "arrays.samples",
             "arrays.std", "arrays.t", "arrays.truth", "metrics.gain", "metrics.h_post",
             "metrics.h_prior", "metrics.kl", "metrics.mean_std", "metrics.n_obs",
             "metrics.prior_mean_std", "metrics.total_gain")

    BUTTONS = (("One measurement", "Measure the true function at a random site (also while "
                                   "paused)", Observe()),)
    HINT = ("Left click in the posterior plot: measure φ(t) at the clicked t with outcome y "
            "(uncertainty Z).")
    MAX_SAMPLES = 10

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.main = BayesPlot("Posterior of φ(t): mean, ±1σ, ±2σ and samples", "t", "φ(t)",
                              clickable=True, legend="top-left", legend_columns=3,
                              ghost_x=None)
        p = self.main
        p.add_band("band2", "±2σ", BLUE, alpha=45, z=-6, opaque=True)
        p.add_band("band1", "±1σ", BLUE, alpha=115, z=-5, opaque=True)
        p.add_curve("truth", "true function", GREY, width=2.0, style="dash", z=-1)
        sample_colors = (PURPLE, GREEN, ORANGE, BROWN, SKY)
        for i in range(self.MAX_SAMPLES):
            p.add_curve(f"sample{i}", "posterior samples" if i == 0 else "",
                        sample_colors[i % len(sample_colors)], width=1.3, legend=i == 0)
        p.add_curve("mean", "posterior mean", BLUE, width=3.2, z=2)
        p.add_curve("meas", "measurements", MEASURE_COLOR, width=0, symbol="o", symbol_size=10,
                    z=4)
        p.add_curve("last", "", VERMILLION, width=0, symbol="o", symbol_size=16, z=3,
                    legend=False)
        p.set_fast("mean", "truth", *(f"sample{i}" for i in range(self.MAX_SAMPLES)))
        self.prior_plot = BayesPlot("Prior: ±2σ and samples", "t", "φ(t)",
                                    legend=None, ghost_x=None)
        self.prior_plot.add_band("prior2", "", GREY, alpha=60)
        for i in range(self.MAX_SAMPLES):
            self.prior_plot.add_curve(f"prior_sample{i}", "", sample_colors[i % 5], width=1.4,
                                      legend=False)
        self.prior_plot.set_fast(*(f"prior_sample{i}" for i in range(self.MAX_SAMPLES)))
        self.info = BayesPlot("Information (bits)", "measurements M", "bits",
                              legend="top-left")
        self.info.add_curve("gain", "gain per measurement", GREEN,
                            width=1.4, symbol="o", symbol_size=6)
        self.info.add_curve("kl", "KL(post ‖ prior)", PURPLE, width=2.4)
        self.fitted = False          # y range set from this run's prior
        self.shown_samples = 0
        self.prior_key: bytes | None = None
        self.info_range: tuple[float, float] | None = None
        self.info.plotItem.enableAutoRange(enable=False)
        p.clicked.connect(lambda x, y: self.emit_click(Observe(t=x, y=y)))
        right = splitter(Qt.Orientation.Vertical, self.prior_plot, self.info)
        self.set_body(splitter(Qt.Orientation.Horizontal, self.main, right, stretch=[2, 1]))
        self._set_x_range()

    def plots(self) -> list:
        return [self.main, self.prior_plot, self.info]

    def _fit_info_range(self, n, gain, kl) -> None:
        """Axes that grow in steps: an axis whose range changes re-lays out its tick
        labels, which made up a quarter of a click's drawing time."""
        top = max(1.0, float(np.max(gain, initial=0.0)), float(np.max(kl, initial=0.0)))
        x_max = 10.0 * np.ceil(max(float(n[-1]) if n.size else 1.0, 1.0) / 10.0)
        y_max = float(2.0 ** np.ceil(np.log2(1.15 * top)))
        key = (x_max, y_max)
        if key != self.info_range:
            self.info_range = key
            self.info.plotItem.setRange(xRange=(0.0, x_max), yRange=(min(0.0, float(
                np.min(gain, initial=0.0))), y_max), padding=0.04)

    def _show_prior(self, t, prior_std, prior_samples) -> None:
        """The prior stays the same during a run: drawn once (a click redraws less)."""
        key = prior_std.tobytes() + prior_samples.tobytes()
        if key == self.prior_key:
            return
        self.prior_key = key
        self.prior_plot.set_band("prior2", t, -2 * prior_std, 2 * prior_std)
        for i in range(self.MAX_SAMPLES):
            if i < prior_samples.shape[0]:
                self.prior_plot.set_curve(f"prior_sample{i}", t, prior_samples[i])
            else:
                self.prior_plot.set_curve(f"prior_sample{i}", [], [])

    def _set_x_range(self) -> None:
        margin = 0.025 * GP_LENGTH
        for plot in (self.main, self.prior_plot):
            plot.plotItem.setXRange(-margin, GP_LENGTH + margin, padding=0.0)
            plot.plotItem.enableAutoRange(axis="x", enable=False)

    def set_y_limit(self, limit: float) -> None:
        """Fixed y range (a click's y must not move the axes); room on top for the legend."""
        for plot in (self.main, self.prior_plot):
            plot.plotItem.setYRange(-limit, 1.3 * limit, padding=0.0)
            plot.plotItem.enableAutoRange(axis="y", enable=False)

    def preview(self, cfg) -> None:
        self.fitted = False
        self.prior_key = None
        self.info_range = None
        self.shown_samples = self.MAX_SAMPLES
        self.set_y_limit(2.5 * cfg.amplitude)
        self._set_x_range()

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        t, mean, std = a["t"], a["mean"], a["std"]
        if not self.fitted:          # the first picture of a run: its prior's ±2σ
            self.fitted = True
            top = 2.0 * float(a["prior_std"].mean())
            if a["truth"].size:
                top = max(top, 1.2 * float(np.abs(a["truth"]).max()))
            self.set_y_limit(top)
        p = self.main
        p.set_band("band2", t, mean - 2 * std, mean + 2 * std)
        p.set_band("band1", t, mean - std, mean + std)
        p.set_curve("mean", t, mean)
        p.set_curve("truth", t if a["truth"].size else [], a["truth"])
        samples = a["samples"]
        count = min(samples.shape[0], self.MAX_SAMPLES)
        for i in range(max(count, self.shown_samples)):      # unused ones: emptied once
            p.set_curve(f"sample{i}", t if i < count else [], samples[i] if i < count else [])
        self.shown_samples = count
        p.set_curve("meas", a["meas_t"], a["meas_y"])
        p.set_curve("last", a["meas_t"][-1:], a["meas_y"][-1:])
        self._show_prior(t, a["prior_std"], a["prior_samples"])
        self.info.set_curve("gain", a["obs_n"], a["obs_gain"])
        self.info.set_curve("kl", np.concatenate([[0.0], a["obs_n"]]),
                            np.concatenate([[0.0], a["obs_kl"]]))
        self._fit_info_range(a["obs_n"], a["obs_gain"], a["obs_kl"])
        extra = (f"(h of the {t.size} lattice values: only differences are meaningful) · "
                 f"M = <b>{int(m['n_obs'])}</b> measurements · mean "
                 f"posterior σ = <b>{_g(m['mean_std'])}</b> (prior {_g(m['prior_mean_std'])}) · "
                 f"total gain Σ ½ log<sub>2</sub>(1 + C<sub>γγ</sub>/Z²) = "
                 f"<b>{_g(m['total_gain'])}</b> bits")
        self.readout.setText(info_html(m, True, extra))


# ---- Bayes and the loss ------------------------------------------------------------------------------
class LossView(BayesView):
    """MAP fits for several prior widths, the posterior predictive band, the error scan."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.map_fits", "arrays.obs_data_term", "arrays.obs_n", "arrays.obs_prior_term",
             "arrays.pred_mean", "arrays.pred_std_f", "arrays.pred_std_y", "arrays.scan_test",
             "arrays.scan_train", "arrays.scan_widths", "arrays.truth", "arrays.x_plot",
             "arrays.xs", "arrays.ys", "metrics.data_term", "metrics.gain", "metrics.h_post",
             "metrics.h_prior", "metrics.kl", "metrics.n_obs", "metrics.prior_term",
             "metrics.ridge_lambda", "metrics.test_mse", "metrics.train_mse")

    BUTTONS = (("One data point", "Draw one more sample (x, y) from the true function "
                                  "(also while paused)", Observe()),)
    HINT = "Left click in the MAP plot: add the data point (x, y) you clicked."

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        from engines.bayes.loss import MAP_WIDTHS

        self.fits = BayesPlot("MAP fits (ridge) for prior widths α", "x",
                              "y", clickable=True, legend="top-left", legend_columns=3,
                              ghost_x=None)
        f = self.fits
        f.add_curve("truth", "true F(x)", GREY, width=2.2, style="dash", z=-1)
        colors = (VERMILLION, ORANGE, GREEN, PURPLE)
        for i, width in enumerate(MAP_WIDTHS):
            f.add_curve(f"map{i}", f"α = {width:g}", colors[i], width=2.3)
        f.add_curve("data", "data", MEASURE_COLOR, width=0, symbol="o", symbol_size=8, z=4)
        self.pred = BayesPlot("Posterior predictive for your α", "x",
                              "y", legend="top-left", legend_columns=2, ghost_x=None)
        q = self.pred
        q.add_band("band_y", "±2σ of a new y", SKY, alpha=60, z=-6)
        q.add_band("band_f", "±2σ of F<sub>θ</sub>(x)", BLUE, alpha=90, z=-5)
        q.add_curve("truth", "true F(x)", GREY, width=2.0, style="dash", z=-1)
        q.add_curve("mean", "mean = MAP", BLUE, width=3.0, z=2)
        q.add_curve("data", "", MEASURE_COLOR, width=0, symbol="o", symbol_size=7, z=4,
                    legend=False)
        self.scan = BayesPlot("Error vs prior width α", "prior width α (λ = σ²/α²)",
                              "mean squared error", log_x=True, log_y=True,
                              legend="bottom-left", ghost_x=None)
        self.scan.add_curve("scan_train", "on the data", ORANGE, width=2.4)
        self.scan.add_curve("scan_test", "against true F", BLUE, width=2.6)
        self.scan.add_vline("alpha", "your α", FG)
        self.loss = BayesPlot("−ln p(θ<sub>MAP</sub> | data)",
                              "data points N", "nats", legend="top-left")
        self.loss.add_curve("data_term", "Σ‖y − F<sub>θ</sub>‖²/2σ²", ORANGE, width=2.2)
        self.loss.add_curve("prior_term", "‖θ‖²/2α²", GREEN, width=2.2)
        self.loss.add_curve("neg_log_post", "sum", FG, width=2.6)
        f.clicked.connect(lambda x, y: self.emit_click(Observe(x=x, y=y)))
        left = splitter(Qt.Orientation.Vertical, self.fits, self.pred)
        right = splitter(Qt.Orientation.Vertical, self.scan, self.loss)
        self.set_body(splitter(Qt.Orientation.Horizontal, left, right, stretch=[3, 2]))
        for plot in (self.fits, self.pred):
            plot.plotItem.setXRange(X_RANGE[0] - 0.05, X_RANGE[1] + 0.05, padding=0.0)
            plot.plotItem.setYRange(-2.2, 2.9, padding=0.0)
            plot.plotItem.enableAutoRange(enable=False)

    def plots(self) -> list:
        return [self.fits, self.pred, self.scan, self.loss]

    def preview(self, cfg) -> None:
        from engines.bayes.loss import true_function

        x = np.linspace(*X_RANGE, 300)
        for plot in (self.fits, self.pred):
            plot.set_curve("truth", x, true_function(x, cfg.truth))
        self.scan.set_vline("alpha", cfg.prior_width)

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        x = a["x_plot"]
        for plot in (self.fits, self.pred):
            plot.set_curve("truth", x, a["truth"])
            plot.set_curve("data", a["xs"], a["ys"])
        for i, fit in enumerate(a["map_fits"]):
            self.fits.set_curve(f"map{i}", x, fit)
        mean, sf, sy = a["pred_mean"], a["pred_std_f"], a["pred_std_y"]
        self.pred.set_band("band_y", x, mean - 2 * sy, mean + 2 * sy)
        self.pred.set_band("band_f", x, mean - 2 * sf, mean + 2 * sf)
        self.pred.set_curve("mean", x, mean)
        self.scan.set_curve("scan_train", a["scan_widths"], a["scan_train"])
        self.scan.set_curve("scan_test", a["scan_widths"], a["scan_test"])
        if self.cfg is not None:
            self.scan.set_vline("alpha", self.cfg.prior_width)
        n = a["obs_n"]
        self.loss.set_curve("data_term", n, a["obs_data_term"])
        self.loss.set_curve("prior_term", n, a["obs_prior_term"])
        self.loss.set_curve("neg_log_post", n, a["obs_data_term"] + a["obs_prior_term"])
        extra = (f"N = <b>{int(m['n_obs'])}</b> · −ln p(θ<sub>MAP</sub>|data) + const = "
                 f"<b>{_g(m['data_term'])}</b> (data) + <b>{_g(m['prior_term'])}</b> (prior) · "
                 f"ridge λ = σ²/α² = <b>{_g(m['ridge_lambda'])}</b> · training MSE "
                 f"{_g(m['train_mse'])}, error against F {_g(m['test_mse'])} · entropies of "
                 f"the weights θ")
        self.readout.setText(info_html(m, True, extra))
