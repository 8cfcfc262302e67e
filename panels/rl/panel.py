"""Panel "Reinforcement learning" (lecture chapter 9, exercise A1.4).

The maze demos keep the maze the user edits with the mouse here, in the GUI: a click is
checked on this copy first (a refused edit gets its message at once, nothing is sent),
then sent to the running engine, which applies it between two steps. A new run starts
from the config's maze and receives the edited maze as one "set_world" edit, so the maze
on screen is the maze every run uses until the size or seed changes.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Slot

from engines.config import ConfigBase, ConfigError
from engines.rl.gridworld import GridWorld, edit_world, maze_world
from panels.rl.views import (A14View, ControlView, DPView, GridworldView, MazeView, MCTSView,
                             RobotView)
from workbench.panel import Panel

MAZE_KEYS = ("maze_size", "seed", "bump_penalty", "treasures", "chests_vanish")


def base_world(cfg: ConfigBase) -> GridWorld:
    """The maze a config describes, as its engine builds it (before any edit)."""
    return maze_world(cfg.maze_size, cfg.maze_size, cfg.seed,
                      treasures=getattr(cfg, "treasures", 1),
                      chests_vanish=getattr(cfg, "chests_vanish", False),
                      bump_penalty=getattr(cfg, "bump_penalty", 0.0))


def describe_edit(change: dict) -> str:
    if change["kind"] == "toggle_wall":
        return f"cell {tuple(change['cell'])}"
    if change["kind"] == "set_reward":
        return f"reward {change['value']:+g} at {tuple(change['cell'])}"
    return "the edited maze"


class RLPanel(Panel):
    PANEL_ID = "rl"
    TITLE = "Reinforcement learning"
    CHAPTER = "9"
    VIEWS = {"gridworld": GridworldView, "dp": DPView, "mcts": MCTSView, "robot": RobotView,
             "control": ControlView, "a14": A14View}
    SPEED_CONTROL = True
    # Sweeps and tree search are worth watching; the learners start at full speed.
    DEFAULT_SPEEDS = {"dp": 10.0}

    def __init__(self, *args, **kwargs):
        self.worlds: dict[str, GridWorld] = {}       # per maze demo: the edited maze
        self.world_keys: dict[str, tuple] = {}       # the config values it was built from
        super().__init__(*args, **kwargs)
        self.runner.edited.connect(self._on_engine_edited)

    # ---- views --------------------------------------------------------------------------
    def view_of(self, name: str):
        created = name not in self.view_for
        view = super().view_of(name)
        if created:
            if isinstance(view, MazeView):
                view.edit_requested.connect(lambda change, n=name: self.edit_maze(n, change))
                try:
                    self._sync_world(name, self.form_for[name].config())
                except ConfigError:
                    pass  # the form reports it
                if name in self.worlds:
                    self._show_world(name)
            if isinstance(view, A14View):
                view.slider_changed.connect(self._on_slider)
        return view

    def view_for_config(self, cfg: ConfigBase) -> None:
        super().view_for_config(cfg)
        for spec in self.specs:
            if spec.config is type(cfg) and issubclass(self.VIEWS[spec.name], MazeView):
                self._sync_world(spec.name, cfg)

    # ---- the maze the user edits ------------------------------------------------------------
    def _sync_world(self, name: str, cfg: ConfigBase) -> None:
        """Rebuild the maze when its size, seed or bump penalty changed (edits are lost)."""
        key = tuple(getattr(cfg, k, None) for k in MAZE_KEYS)
        if self.world_keys.get(name) == key:
            return
        had_edits = name in self.worlds and self.world_edited(name)
        self.worlds[name] = base_world(cfg)
        self.world_keys[name] = key
        if had_edits:
            self.show_message("New maze: your edits of the old one were dropped.")
        if name in self.view_for:
            self._show_world(name)

    def _show_world(self, name: str) -> None:
        world = self.worlds[name]
        self.view_for[name].show_world(world.walls, world.rewards, world.start)

    def world(self, name: str | None = None) -> GridWorld | None:
        return self.worlds.get(name or self.spec.name)

    def world_edited(self, name: str) -> bool:
        """Does the maze differ from the one its config describes?"""
        world = self.worlds.get(name)
        if world is None:
            return False
        try:
            cfg = self.form_for[name].config()
        except ConfigError:
            return True
        base = base_world(cfg)
        return not (np.array_equal(base.walls, world.walls)
                    and np.array_equal(base.rewards, world.rewards))

    def edit_maze(self, name: str, change: dict) -> bool:
        """Apply a click to the maze; a running engine of this demo gets it too."""
        if name not in self.worlds:
            try:
                self._sync_world(name, self.form_for[name].config())
            except ConfigError as exc:
                self.show_message(f"Cannot edit: {exc}", error=True)
                return False
        try:
            edit_world(self.worlds[name], change)
        except ValueError as exc:
            self.show_message(str(exc), error=True)
            return False
        self._show_world(name)
        live = (name == self.spec.name and self.restored is None
                and self.runner.edit(change))
        self.show_message(f"Changed {describe_edit(change)}"
                          + (": the agent learns in the new maze." if live
                             else "; the next run uses this maze."))
        return True

    def run_started(self, cfg: ConfigBase) -> None:
        name = self.spec.name
        if name in self.worlds and self.world_edited(name):
            world = self.worlds[name]
            self.runner.edit({"kind": "set_world", "walls": world.walls.copy(),
                              "rewards": world.rewards.copy()})

    @Slot(bool, str)
    def _on_engine_edited(self, ok: bool, message: str) -> None:
        if not ok:
            self.show_message(message, error=True)

    def load_session(self, session) -> bool:
        ok = super().load_session(session)
        name = self.spec.name
        snap = self.last_snapshot
        if ok and name in self.worlds and snap is not None and "walls" in snap.arrays:
            world = self.worlds[name]
            world.walls[...] = snap.arrays["walls"]
            world.rewards[...] = snap.arrays["rewards"]
            self._show_world(name)
        return ok

    # ---- A1.4 sliders ---------------------------------------------------------------------------
    @Slot(str, float)
    def _on_slider(self, key: str, value: float) -> None:
        form = self.form_for["a14"]
        editor = form.editors[key]
        editor.setValue(int(round(value)) if key == "n" else value)
        # The exact curves follow at once (form -> view); a running learner restarts
        # with the new loops so its Q values head for the new answer.
        if self.spec.name == "a14" and self.runner.is_active():
            try:
                form.config()
            except ConfigError:
                return
            self.runner.discard()
            self.start()
