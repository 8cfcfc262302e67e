"""Panel "Bayesian inference, Gaussian processes" (lecture chapter 5).

Observations arrive automatically (one per step; the Speed selector sets the rate, a few
per second by default so that every update can be followed) or from the user: the view's
buttons and clicks in its plots emit edits (engines.bayes.edits), which this panel checks
first (a refusal, e.g. a click outside the lattice, gets its message at once and nothing is
sent) and then sends to the engine, which applies them between two steps:
- a running or paused run takes the observation at once (a paused run stays paused);
- with no run yet, a run starts paused and takes it, so a lecturer can build a posterior
  by hand before pressing Resume for automatic observations;
- a finished (or stopped) run continues from where it ended, paused, with the observation
  and a fresh budget of steps, so the posterior built so far is never thrown away.
Refusals by the engine arrive through ``runner.edited`` and are shown as errors.
"""
from __future__ import annotations

from PySide6.QtCore import Slot

from engines.bayes.edits import check_edit
from engines.config import ConfigError, field_meta
from panels.bayes.views import CavityView, GPView, LossView, QubitView, SequentialView
from workbench import runner as states
from workbench.panel import Panel


def describe_observation(change: dict) -> str:
    if "click" in change:
        return "A photon click" if change["click"] else "An interval without a click"
    if "t" in change:
        return f"Measurement φ({change['t']:.3g}) = {change['y']:.3g}"
    if "x" in change:
        return f"Data point (x, y) = ({change['x']:.3g}, {change['y']:.3g})"
    if "y" in change:
        return f"Observation y = {change['y']:.3g}"
    return "One simulated observation"


class BayesPanel(Panel):
    PANEL_ID = "bayes"
    TITLE = "Bayesian inference, Gaussian processes"
    CHAPTER = "5"
    VIEWS = {"sequential": SequentialView, "qubit": QubitView, "cavity": CavityView,
             "gp": GPView, "loss": LossView}
    SPEED_CONTROL = True
    # A few observations per second: slow enough to follow each update in a lecture.
    DEFAULT_SPEEDS = {"sequential": 3.0, "qubit": 3.0, "cavity": 10.0, "gp": 3.0, "loss": 3.0}

    def __init__(self, *args, **kwargs):
        self.outcome: str | None = None          # how the last run ended
        self.budget: dict[str, int] = {}         # per demo: steps of the run as started
        super().__init__(*args, **kwargs)
        self.runner.edited.connect(self._on_engine_edited)
        self.runner.finished.connect(self._remember_outcome)

    def view_of(self, name: str):
        created = name not in self.view_for
        view = super().view_of(name)
        if created:
            view.edit_requested.connect(lambda change, n=name: self.observe(change, n))
        return view

    def run_started(self, cfg) -> None:
        self.outcome = None
        self.budget[self.spec.name] = int(cfg.steps)

    @Slot(str)
    def _remember_outcome(self, outcome: str) -> None:
        self.outcome = outcome

    # ---- observations from buttons and clicks -------------------------------------------
    def observe(self, change: dict, demo: str | None = None) -> bool:
        """Check an observation, then hand it to the run (starting or continuing one)."""
        if demo is not None and demo != self.spec.name:
            return False
        state = self.runner.state
        if state == states.STOPPING:
            self.show_message("The run is stopping; try again in a moment.", error=True)
            return False
        live = self.runner.is_active()
        try:
            cfg = self.run_cfg if live and self.run_cfg is not None else self.form.config()
            change = check_edit(cfg, change)
        except ConfigError as exc:
            self.show_message(f"Cannot start: {exc}", error=True)
            return False
        except ValueError as exc:
            self.show_message(str(exc), error=True)
            return False
        what = describe_observation(change)
        if live:
            self.runner.edit(change)
            paused = state == states.PAUSED
            self.show_message(f"{what} sent" + (" (the run stays paused)." if paused else "."))
            return True
        if self._can_continue():
            if not self._continue_paused():
                return False
            how = "continues the finished run"
        else:
            if not self.start(paused=True):
                return False
            how = "started a new run"
        self.runner.edit(change)
        self.show_message(f"{what}: {how}, paused. Press Resume (Space) for automatic "
                          "observations.")
        return True

    def _can_continue(self) -> bool:
        return (self.runner.state == states.FINISHED and self.restored is None
                and self.last_snapshot is not None and self.run_cfg is not None
                and type(self.run_cfg) is self.spec.config
                and self.outcome in ("completed", "stopped"))

    def _continue_paused(self) -> bool:
        """Restart the finished run from its state with a fresh budget of steps."""
        fetched = self.runner.fetch_state()
        if fetched is None:
            return self.start(paused=True)
        state, step = fetched
        cfg = self.run_cfg
        most = int(field_meta(type(cfg), "steps")["max"])
        steps = min(most, step + self.budget.get(self.spec.name, cfg.steps))
        if steps <= step:
            self.show_message(f"This run has used all {most} steps: press Start for a new "
                              "run.", error=True)
            return False
        self.run_cfg = cfg.replace(steps=steps)
        self.pending_ghost = None          # the run goes on: no ghost of it yet
        self.outcome = None
        self.runner.start(self.spec, self.run_cfg, self.device, state=state, paused=True)
        return True

    @Slot(bool, str)
    def _on_engine_edited(self, ok: bool, message: str) -> None:
        if not ok:
            self.show_message(message, error=True)
