"""Panel "Active learning, optimal experiments" (lecture chapter 10).

One query (or measurement) per step; a few per second by default so that each choice can
be followed on the maps. In the pool demo a click on the map labels a pool point by hand.
"""
from __future__ import annotations

from panels.active.views import CommitteeView, DesignView, GPDesignView, PoolView
from workbench.panel import Panel


class ActivePanel(Panel):
    VIEWS = {"pool": PoolView, "committee": CommitteeView, "design": DesignView,
             "gp-design": GPDesignView}
    SPEED_CONTROL = True
    DEFAULT_SPEEDS = {"pool": 4.0, "committee": 3.0, "design": 2.0, "gp-design": 3.0}
