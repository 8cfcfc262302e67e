"""Panel "Bayesian inference, Gaussian processes" (lecture chapter 5).

Observations arrive automatically (one per step; the Speed selector sets the rate, a few
per second by default so that every update can be followed) or from the user's buttons
and clicks (panels.bayes.views.BayesView.observe).
"""
from __future__ import annotations

from panels.bayes.views import CavityView, GPView, LossView, QubitView, SequentialView
from workbench.panel import Panel


class BayesPanel(Panel):
    VIEWS = {"sequential": SequentialView, "qubit": QubitView, "cavity": CavityView,
             "gp": GPView, "loss": LossView}
    SPEED_CONTROL = True
    # A few observations per second: slow enough to follow each update in a lecture.
    DEFAULT_SPEEDS = {"sequential": 3.0, "qubit": 3.0, "cavity": 10.0, "gp": 3.0, "loss": 3.0}
