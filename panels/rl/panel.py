"""Panel "Reinforcement learning" (lecture chapter 9, exercise A1.4).

The maze demos' views keep the maze the user edits with the mouse and send each click to
the running engine (panels.rl.views.MazeView); the A1.4 sliders set the form's fields.
"""
from __future__ import annotations

from panels.rl.views import (A14View, ControlView, DPView, GridworldView, MazeView, MCTSView,
                             RobotView)
from workbench.panel import Panel


class RLPanel(Panel):
    VIEWS = {"gridworld": GridworldView, "dp": DPView, "mcts": MCTSView, "robot": RobotView,
             "control": ControlView, "a14": A14View}
    SPEED_CONTROL = True
    # Sweeps and tree search are worth watching; the learners start at full speed.
    DEFAULT_SPEEDS = {"dp": 10.0}

    def world(self, name: str | None = None):
        """The maze a maze demo's next (or current) run uses, as the user edited it."""
        view = self.view_of(name or self.spec.name)
        return view.edited if isinstance(view, MazeView) else None
