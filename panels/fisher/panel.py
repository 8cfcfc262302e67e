"""Panel "Fisher information, natural gradient" (lecture chapter 6)."""
from __future__ import annotations

from panels.fisher.views import (CramerRaoView, JeffreysView, KLView, MutualInfoView,
                                 NaturalGradientView, RMIView)
from workbench.panel import Panel


class FisherPanel(Panel):
    VIEWS = {"cramer-rao": CramerRaoView, "jeffreys": JeffreysView,
             "natural-gradient": NaturalGradientView, "kl": KLView,
             "mutual-information": MutualInfoView, "rmi": RMIView}
    SPEED_CONTROL = True
    # Most demos finish in about a second at full speed: these rates (of the run bar's
    # choices) spread the default runs over 27-50 s so each update can be followed.
    DEFAULT_SPEEDS = {"cramer-rao": 30.0, "jeffreys": 10.0, "natural-gradient": 10.0,
                      "kl": 30.0, "mutual-information": 3.0, "rmi": 10.0}
