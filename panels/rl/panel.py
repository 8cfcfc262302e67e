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
    # Paced for a lecture: 20-60 s per default run (20,000 Q-learning steps at 1000/s,
    # 200 policy-gradient updates at 10/s, one value-iteration sweep per 0.1 s).
    DEFAULT_SPEEDS = {"gridworld": 1000.0, "dp": 10.0, "robot": 10.0, "a14": 1000.0}

    def world(self, name: str | None = None):
        """The maze a maze demo's next (or current) run uses, as the user edited it."""
        view = self.view_of(name or self.spec.name)
        return view.edited if isinstance(view, MazeView) else None
