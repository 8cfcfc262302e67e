"""Panel "Likelihood ratios from classifiers": the learned ratio p/q, hypothesis tests with
it, and permutation-invariant networks for jets (engines.likelihood_ratio)."""
from __future__ import annotations

from panels.likelihood_ratio.views import DeepSetsView, NeymanPearsonView, RatioView
from workbench.panel import Panel


class LikelihoodRatioPanel(Panel):
    VIEWS = {"ratio": RatioView, "neyman-pearson": NeymanPearsonView,
             "deep-sets": DeepSetsView}
    SPEED_CONTROL = True
    # ratio: 4000 steps in 40 s; neyman-pearson: 3000 steps in 40 s; deep-sets trains two
    # networks (~80 steps/s on one core): 3000 steps in about 40 s.
    DEFAULT_SPEEDS = {"ratio": 100.0, "neyman-pearson": 75.0, "deep-sets": 75.0}
