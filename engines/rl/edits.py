"""The maze edits of the rl panel (torch-free; see engines.edits for the pattern).

A left click toggles a wall, a right click sets a reward, and a run started on a maze the
user edited beforehand receives the whole edited maze at once. engines.rl.gridworld's
``edit_world`` applies them (to the engine's world, and to the view's copy).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engines.edits import Edit


@dataclass(frozen=True)
class ToggleWall(Edit):
    """A wall on or off at ``cell`` = (row, col); a new wall holds no treasure."""
    cell: tuple[int, int]


@dataclass(frozen=True)
class SetReward(Edit):
    """The reward for entering ``cell`` (a treasure ends the episode)."""
    cell: tuple[int, int]
    value: float


@dataclass(frozen=True, eq=False)
class SetWorld(Edit):
    """A whole edited maze at once: ``walls`` (H, W) bool, ``rewards`` (H, W) float."""
    walls: np.ndarray = field(repr=False)
    rewards: np.ndarray = field(repr=False)


MAZE_EDITS = (ToggleWall, SetReward, SetWorld)
