"""Panel "Neural networks: basics" (lecture chapter 2)."""
from __future__ import annotations

from panels.nn_basics.views import FunctionFitView, ImageFitView, LandscapeView
from workbench.panel import Panel


class NNBasicsPanel(Panel):
    VIEWS = {"function": FunctionFitView, "image": ImageFitView, "landscape": LandscapeView}
