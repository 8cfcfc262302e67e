"""Panel "Neural networks: basics" (lecture chapter 2)."""
from __future__ import annotations

from panels.nn_basics.theory_views import (BackpropView, LandscapeStatsView, LinearNoiseView,
                                           OnlineView, SGDNoiseView)
from panels.nn_basics.views import FunctionFitView, ImageFitView, LandscapeView
from workbench.panel import Panel


class NNBasicsPanel(Panel):
    VIEWS = {"function": FunctionFitView, "image": ImageFitView, "landscape": LandscapeView,
             "sgd-noise": SGDNoiseView, "landscape-stats": LandscapeStatsView,
             "backprop": BackpropView, "online": OnlineView, "linear-noise": LinearNoiseView}
    SPEED_CONTROL = True
    DEFAULT_SPEEDS = {"sgd-noise": 100.0, "landscape-stats": 10.0, "backprop": 3.0,
                      "online": 30.0, "linear-noise": 300.0}
