"""Panel "Compression, information, entropy" (lecture chapter 4).

Each demo starts at a pace that lets it unfold in 20-60 s: the codes are built one split /
codeword / merge per second so that each step can be discussed, the other demos run at
rates that keep their (fast) engines on screen long enough to drag, type and slide.
"""
from __future__ import annotations

from panels.information.views import (BlocksView, CodesView, ContinuousView, SourceView,
                                      TextView)
from workbench.panel import Panel


class InformationPanel(Panel):
    VIEWS = {"source": SourceView, "codes": CodesView, "blocks": BlocksView,
             "text": TextView, "continuous": ContinuousView}
    SPEED_CONTROL = True
    # source: 20000 samples in 20 s; codes: one construction step per second; blocks and
    # text: 300 steps in 30 s; continuous: ε sweeps and Monte Carlo in ~33 s.
    DEFAULT_SPEEDS = {"source": 1000.0, "codes": 1.0, "blocks": 10.0, "text": 10.0,
                      "continuous": 30.0}
