"""Views of the reinforcement-learning demos (lecture chapter 9).

Views draw and handle their demo's input; they never import a torch engine module. The
maze views keep the maze the user edits and send clicks to the running engine as edits
(engines.rl.gridworld.edit_world format); the A1.4 sliders set the form's fields.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QInputDialog, QLabel, QMenu,
                               QVBoxLayout, QWidget)

from engines.config import ConfigBase, ConfigError
from engines.edits import Edit
from engines.rl.edits import SetReward, SetWorld, ToggleWall
from engines.rl.gridworld import GridWorld, bfs_distances, edit_world, maze_world
from engines.runtime import Snapshot
from panels.rl.maze_plot import MazePlot
from workbench.demo_view import DemoView, fill, splitter
from workbench.field_slider import FieldSlider
from workbench.plots import FG, PALETTE, CurvePlot

#: Right-click choices for a cell's reward: (menu text, value).
REWARD_CHOICES: tuple[tuple[str, float], ...] = (
    ("Treasure +1", 1.0), ("Treasure +5", 5.0), ("Treasure +10", 10.0),
    ("Trap −1", -1.0), ("Trap −5", -5.0), ("No reward (0)", 0.0))
#: Episodes averaged by the moving average of the return plots.
AVERAGE_WINDOW = 20
#: Config fields the maze is built from: changing one of them drops the user's edits.
MAZE_KEYS = ("maze_size", "seed", "bump_penalty", "treasures", "chests_vanish")


def base_world(cfg: ConfigBase) -> GridWorld:
    """The maze a config describes, as its engine builds it (before any edit)."""
    return maze_world(cfg.maze_size, cfg.maze_size, cfg.seed,
                      treasures=getattr(cfg, "treasures", 1),
                      chests_vanish=getattr(cfg, "chests_vanish", False),
                      bump_penalty=getattr(cfg, "bump_penalty", 0.0))


def describe_edit(change: Edit) -> str:
    if isinstance(change, ToggleWall):
        return f"cell {tuple(change.cell)}"
    if isinstance(change, SetReward):
        return f"reward {change.value:+g} at {tuple(change.cell)}"
    return "the edited maze"

def moving_average(values: np.ndarray, window: int = AVERAGE_WINDOW) -> np.ndarray:
    """Mean of the last ``window`` values at each point (fewer at the start)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return values
    sums = np.cumsum(np.insert(values, 0, 0.0))
    idx = np.arange(1, values.size + 1)
    lo = np.maximum(0, idx - window)
    return (sums[idx] - sums[lo]) / (idx - lo)


class EpisodePlot(CurvePlot):
    """Return (or length) of every finished episode, with a moving average."""

    def __init__(self, title: str, y_label: str, color=PALETTE[0]):
        super().__init__(title, "episode", y_label, legend="bottom-right")
        # A faint line, not dots: thousands of episodes stay cheap to draw.
        self.add_curve("episode_points", "each episode", color, width=1.0, alpha=70, z=-1)
        self.add_curve("episode_avg", f"mean of last {AVERAGE_WINDOW}", color, width=2.8)
        self.references: dict[str, float | None] = {}
        self.x_span = (0.0, 1.0)

    def reset(self) -> None:
        super().reset()
        self.x_span = (0.0, 1.0)
        self._draw_references()

    def show_episodes(self, values: np.ndarray | None, total: float) -> None:
        if values is None:
            return
        values = np.asarray(values, dtype=float)
        first = int(total) - values.size + 1          # older episodes were dropped
        x = np.arange(first, first + values.size, dtype=float)
        self.set_curve("episode_points", x, values)
        self.set_curve("episode_avg", x, moving_average(values))
        if x.size:
            self.x_span = (min(0.0, x[0]), max(x[-1], 1.0))
            self._draw_references()

    def set_reference(self, key: str, label: str, value: float | None, color=FG) -> None:
        """A horizontal dashed line (e.g. the optimum) under the data; None hides it."""
        if key not in self.curves:
            self.add_curve(key, label, color, width=1.6, style="dash", z=-2)
        self.references[key] = value
        self._draw_references()

    def _draw_references(self) -> None:
        for key, value in self.references.items():
            if value is None or not np.isfinite(value):
                self.set_curve(key, [], [])
            else:
                self.set_curve(key, self.x_span, [value, value])


# ---- grid worlds: Q-learning, dynamic programming, tree search ------------------------------
class MazeView(DemoView):
    """Base of the maze demos: the maze plot and the maze the user edits with the mouse.

    A click is checked on the view's copy of the maze first (a refused edit gets its
    message at once, nothing is sent), then sent to the running engine, which applies it
    between two steps. A new run starts from the config's maze and receives the edited
    maze as one "set_world" edit, so the maze on screen is the maze every run uses until
    the size or seed changes.
    """

    MAZE_TITLE = "Maze"
    HEAT_LABEL = "V(s)"

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.maze = MazePlot(self.MAZE_TITLE, colorbar_label=self.HEAT_LABEL)
        self.maze.setToolTip("Left click: wall on/off · right click: set the cell's reward")
        self.maze.cell_clicked.connect(self._on_cell_clicked)
        self.world: tuple[np.ndarray, np.ndarray, tuple[int, int]] | None = None
        self.edited: GridWorld | None = None     # the maze as the user edited it
        self._world_key: tuple | None = None      # the config values it was built from

    def show_world(self, walls, rewards, start) -> None:
        """The maze as the user edited it (before and between runs, and right after an
        edit); live values arrive with the snapshots."""
        self.world = (np.array(walls, dtype=bool), np.array(rewards, dtype=float),
                      (int(start[0]), int(start[1])))
        self.maze.show_world(*self.world)
        self.world_changed()

    def world_changed(self) -> None:
        """Hook: the maze changed (e.g. the shortest-path reference)."""

    # ---- the maze the user edits ------------------------------------------------------
    def attach(self, ctx) -> None:
        super().attach(ctx)
        try:
            self.config_changed(ctx.form_config())
        except ConfigError:
            pass  # the form reports it

    def config_changed(self, cfg) -> None:
        """Rebuild the maze when its size, seed or bump penalty changed (edits are lost)."""
        key = tuple(getattr(cfg, k, None) for k in MAZE_KEYS)
        if self._world_key == key:
            return
        had_edits = self.edited is not None and self.world_edited(cfg)
        self.edited, self._world_key = base_world(cfg), key
        if had_edits and self.ctx is not None:
            self.ctx.message("New maze: your edits of the old one were dropped.")
        self.show_world(self.edited.walls, self.edited.rewards, self.edited.start)

    def world_edited(self, cfg=None) -> bool:
        """Does the maze differ from the one its config describes?"""
        if self.edited is None:
            return False
        try:
            cfg = cfg or self.ctx.form_config()
        except ConfigError:
            return True
        base = base_world(cfg)
        return not (np.array_equal(base.walls, self.edited.walls)
                    and np.array_equal(base.rewards, self.edited.rewards))

    def edit_maze(self, change: Edit) -> bool:
        """Apply a click to the maze; a running engine of this demo gets it too."""
        if self.edited is None:
            return False
        try:
            edit_world(self.edited, change)
        except ValueError as exc:
            self.ctx.message(str(exc), error=True)
            return False
        self.show_world(self.edited.walls, self.edited.rewards, self.edited.start)
        live = self.ctx.send_edit(change)
        self.ctx.message(f"Changed {describe_edit(change)}"
                         + (": the agent learns in the new maze." if live
                            else "; the next run uses this maze."))
        return True

    def run_started(self, cfg) -> None:
        if self.world_edited(cfg):
            self.ctx.send_edit(SetWorld(walls=self.edited.walls.copy(),
                                        rewards=self.edited.rewards.copy()))

    def session_loaded(self, snap) -> None:
        if self.edited is not None:
            self.edited.walls[...] = snap.arrays["walls"]
            self.edited.rewards[...] = snap.arrays["rewards"]
            self.show_world(self.edited.walls, self.edited.rewards, self.edited.start)

    def _on_cell_clicked(self, row: int, col: int, button: str) -> None:
        if button == "left":
            self.edit_maze(ToggleWall(cell=(row, col)))
        else:
            value = self._ask_reward(row, col)
            if value is not None:
                self.request_reward(row, col, value)

    def request_reward(self, row: int, col: int, value: float) -> None:
        self.edit_maze(SetReward(cell=(row, col), value=float(value)))

    def _ask_reward(self, row: int, col: int) -> float | None:
        menu = QMenu(self)
        menu.addSection(f"Reward of cell ({row}, {col})")
        for text, value in REWARD_CHOICES:
            action = menu.addAction(text)
            action.setData(value)
        other = menu.addAction("Other value…")
        chosen = menu.exec(QCursor.pos())
        if chosen is None:
            return None
        if chosen is other:
            value, ok = QInputDialog.getDouble(self, "Cell reward", f"Reward of ({row}, {col}):",
                                               1.0, -1000.0, 1000.0, 3)
            return value if ok else None
        return float(chosen.data())

    def _draw_maze(self, a: dict, values_key: str, label: str | None = None) -> None:
        # every maze demo sends walls, rewards, start and trajectory; "collected" only the
        # Q-learning one (vanishing chests)
        self.maze.show_world(a["walls"], a["rewards"], a["start"], a.get("collected"))
        self.world = (a["walls"], a["rewards"], tuple(int(x) for x in a["start"]))
        self.maze.show_values(a[values_key], a["walls"], label)
        self.maze.show_path(a["trajectory"])

    def _show_arrows(self, a: dict) -> None:
        terminal = a["rewards"] > 0
        self.maze.show_policy(a["policy"], ~a["walls"] & ~terminal)

    def reset(self) -> None:
        super().reset()
        if self.world is not None:
            self.maze.show_world(*self.world)


def shortest_path_length(walls: np.ndarray, rewards: np.ndarray, start) -> float | None:
    """Moves from the start to the nearest reachable treasure (BFS), or None."""
    dist = bfs_distances(np.asarray(walls, bool), tuple(start),
                         stop=np.asarray(rewards) > 0)
    reachable = (np.asarray(rewards) > 0) & (dist >= 0)
    return float(dist[reachable].min()) if reachable.any() else None


class GridworldView(MazeView):
    """Tabular Q-learning / SARSA: V(s) = max_a Q(s, a), π(a|s) arrows, the agent."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.V", "arrays.episode_lengths", "arrays.episode_returns", "arrays.policy",
             "arrays.rewards", "arrays.start", "arrays.trajectory", "arrays.walls",
             "history.optimal_agreement", "history.step", "metrics.episodes")

    MAZE_TITLE = "V(s) = max<sub>a</sub> Q(s,a), arrows π"

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.returns = EpisodePlot("Return per episode", "return")
        self.lengths = EpisodePlot("Steps per episode", "steps", PALETTE[1])
        self.lengths.set_reference("shortest", "shortest path", None)
        self.agreement = CurvePlot("Agrees with value iteration", "step",
                                   "states with argmax Q = π*", y_range=(0.0, 1.02),
                                   legend=None)
        self.agreement.add_curve("optimal_agreement", "argmax Q = π*", PALETTE[2])
        right = splitter(Qt.Orientation.Vertical, self.returns, self.lengths, self.agreement)
        fill(self, splitter(Qt.Orientation.Horizontal, self.maze, right, stretch=[5, 4]))

    def plots(self) -> list:
        return [self.maze, self.returns, self.lengths, self.agreement]

    def world_changed(self) -> None:
        self.lengths.set_reference("shortest", "shortest path",
                                   shortest_path_length(*self.world))

    def show_snapshot(self, snap: Snapshot) -> None:
        a = snap.arrays
        old_world = self.world
        self._draw_maze(a, "V")
        if self.world is not None and (old_world is None or not np.array_equal(
                old_world[0], self.world[0]) or not np.array_equal(old_world[1], self.world[1])):
            self.world_changed()
        self._show_arrows(a)
        episodes = snap.metrics["episodes"]
        self.returns.show_episodes(a["episode_returns"], episodes)
        self.lengths.show_episodes(a["episode_lengths"], episodes)
        self.agreement.show_history(snap.history)

    def reset(self) -> None:
        super().reset()
        if self.world is not None:
            self.world_changed()


class DPView(MazeView):
    """Value iteration / policy iteration, one synchronous sweep per step."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.V", "arrays.policy", "arrays.rewards", "arrays.start", "arrays.trajectory",
             "arrays.walls", "history.delta", "history.step", "history.v_start")

    MAZE_TITLE = "V<sub>k</sub>(s), arrows greedy π"

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.delta = CurvePlot("Change per sweep", "sweep", "max |V<sub>k+1</sub> − V<sub>k</sub>|",
                               log_y=True)
        self.delta.add_curve("delta", "max |ΔV|", PALETTE[0])
        self.v_start = CurvePlot("Value of the start", "sweep", "V(start)",
                                 legend="bottom-right")
        self.v_start.add_curve("v_start", "V(start)", PALETTE[1])
        right = splitter(Qt.Orientation.Vertical, self.delta, self.v_start)
        fill(self, splitter(Qt.Orientation.Horizontal, self.maze, right, stretch=[5, 4]))

    def plots(self) -> list:
        return [self.maze, self.delta, self.v_start]

    def show_snapshot(self, snap: Snapshot) -> None:
        a = snap.arrays
        self._draw_maze(a, "V")
        self._show_arrows(a)
        self.delta.show_history(snap.history)
        self.v_start.show_history(snap.history)


class MCTSView(MazeView):
    """Monte-Carlo tree search: visit counts per cell, the tree, the real path."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.edge_visits", "arrays.edges", "arrays.rewards", "arrays.root_q",
             "arrays.root_visits", "arrays.start", "arrays.trajectory", "arrays.visits",
             "arrays.walls", "history.episode_return", "history.step", "history.tree_size",
             "metrics.simulations")

    MAZE_TITLE = "Visits, tree in orange"
    HEAT_LABEL = "ln(1 + visits)"

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.root_label = QLabel()
        self.root_label.setWordWrap(True)
        self.root_label.setTextFormat(Qt.TextFormat.RichText)
        self.returns = CurvePlot("Episode return", "simulation", "return",
                                 legend="bottom-right")
        self.returns.add_curve("episode_return", "last episode's return", PALETTE[0])
        self.size = CurvePlot("Tree size", "simulation", "nodes", legend="top-left")
        self.size.add_curve("tree_size", "nodes in the tree", PALETTE[1])
        right = QWidget()
        lay = QVBoxLayout(right)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.root_label)
        lay.addWidget(splitter(Qt.Orientation.Vertical, self.returns, self.size), 1)
        fill(self, splitter(Qt.Orientation.Horizontal, self.maze, right, stretch=[5, 4]))

    def plots(self) -> list:
        return [self.maze, self.returns, self.size]

    def show_snapshot(self, snap: Snapshot) -> None:
        a = snap.arrays
        self._draw_maze({**a, "log_visits": np.log1p(a["visits"])}, "log_visits")
        self.maze.show_tree(a["edges"], a["edge_visits"])
        self.returns.show_history(snap.history)
        self.size.show_history(snap.history)
        names = ("up", "down", "left", "right")
        cells = " ".join(
            f"<td align='center'>{n}<br>N={int(v)}<br>Q={q:.3g}</td>"
            for n, v, q in zip(names, a["root_visits"], a["root_q"]))
        self.root_label.setText(
            f"<b>At the agent's cell</b> ({int(snap.metrics['simulations'])} "
            f"simulations): the most visited action is taken."
            f"<table cellpadding='4'><tr>{cells}</tr></table>")

    def reset(self) -> None:
        super().reset()
        self.root_label.clear()
        self.maze.show_tree(None, None)


# ---- policy gradient: the robot on a line -------------------------------------------------
class RobotView(DemoView):
    """REINFORCE on the lecture's robot: the policy, one episode, the return."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.n_sites", "arrays.pi_move", "arrays.positions", "arrays.target",
             "history.expected_return", "history.mean_return", "history.pi_move_off",
             "history.pi_move_on", "history.step", "metrics.optimal_return")

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.policy = CurvePlot("Policy π(move | observation)", "", "probability to move",
                                y_range=(0.0, 1.05), legend=None)
        self.bars = pg.BarGraphItem(x=[0, 1], height=[0.5, 0.5], width=0.6,
                                    brushes=[pg.mkBrush(PALETTE[0]), pg.mkBrush(PALETTE[1])])
        self.policy.plotItem.addItem(self.bars)
        self.policy.add_curve("optimum", "optimal policy", FG, width=0, symbol="t1",
                              symbol_size=14, legend=False)
        self.policy.curve("optimum").setData([0, 1], [1.0, 0.0])
        self.policy.getAxis("bottom").setTicks([[(0, "off target"), (1, "on target")]])
        self.policy.plotItem.setXRange(-0.6, 1.6, padding=0)
        self.episode = CurvePlot("One episode", "time step t", "site",
                                 legend="top-left")
        self.episode.add_curve("target", "target", "#FFB000", width=3.0, style="dash")
        self.episode.add_curve("robot", "robot", PALETTE[0], width=2.0, symbol="o",
                               symbol_size=7)
        self.episode.add_curve("hits", "on target: reward 1", "#FFB000", width=0,
                               symbol="star", symbol_size=16, z=3)
        self.returns = CurvePlot("Return = steps on target", "update", "return",
                                 legend="bottom-right")
        self.returns.add_curve("mean_return", "batch mean", PALETTE[0], width=1.0, alpha=150)
        self.returns.add_curve("expected_return", "exact E[R] of π", PALETTE[2])
        self.returns.add_curve("optimal_return", "optimal E[R]", FG, width=1.5, style="dash")
        self.probs = CurvePlot("Learning the policy", "update", "probability to move",
                               y_range=(0.0, 1.02), legend="right")
        self.probs.add_curve("pi_move_off", "π(move | off)", PALETTE[0])
        self.probs.add_curve("pi_move_on", "π(move | on)", PALETTE[1])
        grid = QWidget()
        lay = QGridLayout(grid)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.policy, 0, 0)
        lay.addWidget(self.episode, 0, 1)
        lay.addWidget(self.returns, 1, 0)
        lay.addWidget(self.probs, 1, 1)
        lay.setColumnStretch(0, 2)
        lay.setColumnStretch(1, 3)
        fill(self, grid)

    def plots(self) -> list:
        return [self.policy, self.episode, self.returns, self.probs]

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        self.bars.setOpts(height=np.asarray(a["pi_move"], dtype=float))
        pos = np.asarray(a["positions"], dtype=float)
        t = np.arange(pos.size, dtype=float)
        target = float(np.ravel(a["target"])[0])
        self.episode.set_curve("robot", t, pos)
        self.episode.set_curve("target", [0, max(1, pos.size - 1)], [target, target])
        on = pos == target
        self.episode.set_curve("hits", t[on], pos[on])
        n = float(np.ravel(a["n_sites"])[0])
        self.episode.plotItem.setYRange(-0.5, n - 0.5, padding=0.02)
        self.returns.show_history(snap.history)
        steps = snap.history["step"]
        if steps.size:
            self.returns.set_curve("optimal_return", [steps[0], steps[-1]],
                                   [m["optimal_return"]] * 2)
        self.probs.show_history(snap.history)


# ---- gymnasium classic control ----------------------------------------------------------------
class ControlView(DemoView):
    """CartPole-v1 / Pendulum-v1 drawn from the state, returns and the learner's numbers."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("arrays.env_state", "arrays.episode_returns", "history.approx_kl",
             "history.clip_fraction", "history.entropy", "history.policy_loss", "history.step",
             "history.value_loss", "metrics.episodes")

    SOLVED = {"CartPole-v1": 475.0}
    #: Third plot per algorithm: (title, history columns shown).
    DIAGNOSTICS = {"ppo": ("PPO update size", ("clip_fraction", "approx_kl")),
                   "a2c": ("A2C: entropy bonus keeps exploring", ("entropy",)),
                   "dqn": ("DQN: ε-greedy exploration", ("epsilon",))}

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.env_name, self.algorithm = "CartPole-v1", "ppo"
        self.scene_plot = CurvePlot("Environment (copy 1)", "", "", legend=None)
        self.scene_plot.plotItem.setAspectLocked(True)
        self.scene_plot.plotItem.hideAxis("left")
        self.scene_plot.plotItem.setMouseEnabled(x=False, y=False)
        self.scene_plot.add_curve("track", "", FG, width=1.5, legend=False)
        self.scene_plot.add_curve("body", "", PALETTE[0], width=3.0, legend=False)
        self.scene_plot.add_curve("pole", "", "#D62728", width=6.0, legend=False)
        self.scene_plot.add_curve("tip", "", "#D62728", width=0, symbol="o", symbol_size=14,
                                  legend=False)
        self.returns = EpisodePlot("Return per episode", "return")
        self.returns.set_reference("solved", "solved (475)", None)
        self.losses = CurvePlot("Policy", "step", "", legend="top-right")
        self.losses.add_curve("policy_loss", "policy loss", PALETTE[0])
        self.losses.add_curve("entropy", "entropy H[π]", PALETTE[2])
        self.values = CurvePlot("Value / TD loss", "step", "", log_y=True)
        self.values.add_curve("value_loss", "value loss", PALETTE[1])
        self.values.add_curve("td_loss", "TD loss", PALETTE[5])
        self.trust = CurvePlot("", "step", "", legend="top-right")
        self.trust.add_curve("clip_fraction", "clip fraction", PALETTE[3])
        self.trust.add_curve("approx_kl", "approx. KL", PALETTE[4])
        self.trust.add_curve("entropy", "entropy H[π]", PALETTE[2])
        self.trust.add_curve("epsilon", "ε", PALETTE[3])
        self.readout = QLabel()
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        grid = QWidget()
        lay = QGridLayout(grid)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scene_plot, 0, 0)
        lay.addWidget(self.returns, 0, 1)
        lay.addWidget(self.readout, 0, 2)
        lay.addWidget(self.losses, 1, 0)
        lay.addWidget(self.values, 1, 1)
        lay.addWidget(self.trust, 1, 2)
        for column in range(3):
            lay.setColumnStretch(column, 1)
        fill(self, grid)
        self._set_scene_range()
        self._set_diagnostics()

    def plots(self) -> list:
        return [self.scene_plot, self.returns, self.losses, self.values, self.trust]

    def config_changed(self, cfg) -> None:
        env = getattr(cfg, "env", self.env_name)
        if env != self.env_name:
            self.env_name = env
            self._set_scene_range()
        self.algorithm = getattr(cfg, "algorithm", self.algorithm)
        self._set_diagnostics()
        self.returns.set_reference("solved", "solved (475)", self.SOLVED.get(self.env_name))

    def _set_diagnostics(self) -> None:
        title, shown = self.DIAGNOSTICS.get(self.algorithm, ("", ()))
        self.trust.set_title(title)
        for key in self.trust.curves:
            self.trust.set_curve_enabled(key, key in shown)
        # DQN learns Q by a TD loss; PPO and A2C have a value head: show only the one
        dqn = self.algorithm == "dqn"
        self.values.set_curve_enabled("td_loss", dqn)
        self.values.set_curve_enabled("value_loss", not dqn)
        self.values.set_title("TD loss" if dqn else "Value loss")

    def _set_scene_range(self) -> None:
        pi = self.scene_plot.plotItem
        if self.env_name.startswith("CartPole"):
            # the track is ±2.4 (beyond it the episode ends); the pole is 1 long
            pi.setRange(xRange=(-2.6, 2.6), yRange=(-0.3, 1.4), padding=0)
            self.scene_plot.set_curve("track", [-2.4, 2.4], [0.0, 0.0])
        else:
            pi.setRange(xRange=(-1.3, 1.3), yRange=(-1.3, 1.3), padding=0)
            self.scene_plot.set_curve("track", [-0.08, 0.08], [0.0, 0.0])

    def draw_state(self, state: np.ndarray) -> None:
        s = np.asarray(state, dtype=float)
        if self.env_name.startswith("CartPole"):
            x, theta = s[0], s[2]
            w, h = 0.5, 0.3
            self.scene_plot.set_curve("body", [x - w / 2, x + w / 2, x + w / 2, x - w / 2,
                                               x - w / 2], [0, 0, h, h, 0])
            tip = (x + np.sin(theta) * 1.0, h / 2 + np.cos(theta) * 1.0)  # pole length 2·0.5
            self.scene_plot.set_curve("pole", [x, tip[0]], [h / 2, tip[1]])
            self.scene_plot.set_curve("tip", [tip[0]], [tip[1]])
        else:
            theta = s[0]   # 0 = upright
            tip = (np.sin(theta), np.cos(theta))
            self.scene_plot.set_curve("body", [], [])
            self.scene_plot.set_curve("pole", [0, tip[0]], [0, tip[1]])
            self.scene_plot.set_curve("tip", [tip[0]], [tip[1]])

    def show_snapshot(self, snap: Snapshot) -> None:
        a, m = snap.arrays, snap.metrics
        self.draw_state(a["env_state"])
        self.returns.show_episodes(a["episode_returns"], m["episodes"])
        for plot in (self.losses, self.values, self.trust):
            plot.show_history(snap.history)
        shown = [(k, v) for k, v in m.items() if k in (
            "mean_return_20", "episodes", "env_steps", "clip_fraction", "approx_kl",
            "entropy", "epsilon", "q_mean")]
        self.readout.setText("<br>".join(f"{k.replace('_', ' ')}: <b>{v:.4g}</b>"
                                         for k, v in shown))

    def reset(self) -> None:
        super().reset()
        self.readout.clear()
        self._set_scene_range()
        self.returns.set_reference("solved", "solved (475)", self.SOLVED.get(self.env_name))


# ---- exercise A1.4 ------------------------------------------------------------------------------
class A14View(DemoView):
    """Exercise A1.4: V_left(γ), V_right(γ), the threshold γ*, and learned Q(s0, ·)."""

    #: Snapshot keys show_snapshot reads (checked against the engine by the
    #: contract test).
    NEEDS = ("history.q_left", "history.q_right", "history.step", "metrics.q_left_exact",
             "metrics.q_right_exact")

    #: Config fields on sliders above the plots (ranges from the Config), short labels.
    SLIDERS = (("n", "n"), ("r", "r"), ("r_prime", "r′"), ("gamma", "γ"))

    def __init__(self, spec, parent=None):
        super().__init__(spec, parent)
        self.sliders: dict[str, FieldSlider] = {}
        controls = QWidget()
        row = QHBoxLayout(controls)
        row.setContentsMargins(4, 0, 4, 0)
        for key, label in self.SLIDERS:
            slider = FieldSlider(spec.config, key, label)
            slider.value_changed.connect(lambda v, k=key: self.on_slider(k, v))
            self.sliders[key] = slider
            row.addWidget(slider, 1)
        self.readout = QLabel()
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.values = CurvePlot("Discounted value of each loop from s<sub>0</sub>", "discount γ",
                                "V(s<sub>0</sub>)", legend="top-left")
        self.values.add_curve("v_left", "V<sub>left</sub> = r / (1 − γ<sup>n+1</sup>)",
                              PALETTE[0])
        self.values.add_curve("v_right", "V<sub>right</sub> = γ<sup>n</sup> r′ / (1 − γ<sup>n+1</sup>)",
                              PALETTE[1])
        self.values.add_curve("now", "at the chosen γ", FG, width=0, symbol="o",
                              symbol_size=11, z=3)
        self.star_line = pg.InfiniteLine(angle=90, movable=False,
                                         pen=pg.mkPen("#D62728", width=2, style=Qt.PenStyle.DashLine),
                                         label="γ*", labelOpts={"position": 0.9, "color": "#D62728"})
        self.gamma_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#7F7F7F", width=1.5))
        self.values.plotItem.addItem(self.star_line)
        self.values.plotItem.addItem(self.gamma_line)
        self.learned = CurvePlot("Q-learning at s<sub>0</sub>", "step", "Q(s<sub>0</sub>, a)",
                                 legend="bottom-right")
        self.learned.add_curve("q_left", "Q(s<sub>0</sub>, left)", PALETTE[0])
        self.learned.add_curve("q_right", "Q(s<sub>0</sub>, right)", PALETTE[1])
        self.learned.add_curve("q_left_exact", "exact Q*", PALETTE[0], width=1.5, style="dash")
        self.learned.add_curve("q_right_exact", "exact Q*", PALETTE[1], width=1.5, style="dash")
        top = QWidget()
        lay = QVBoxLayout(top)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(controls)
        lay.addWidget(self.readout)
        plots = splitter(Qt.Orientation.Horizontal, self.values, self.learned, stretch=[3, 2])
        outer = QWidget()
        col = QVBoxLayout(outer)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(top)
        col.addWidget(plots, 1)
        fill(self, outer)
        self.result = self.cfg = None

    def plots(self) -> list:
        return [self.values, self.learned]

    def on_slider(self, key: str, value: float) -> None:
        """A slider sets the form's field (the exact curves follow through the preview);
        a running learner restarts with the new loops so its Q values head for the new
        answer."""
        try:
            self.ctx.set_field(key, int(round(value)) if key == "n" else value)
            self.ctx.form_config()
        except ConfigError as exc:
            self.ctx.message(f"Invalid setting: {exc}", error=True)
            return
        if self.ctx.live:
            self.ctx.restart()

    def reset(self) -> None:
        super().reset()
        if self.cfg is not None:
            self.config_changed(self.cfg)   # the exact curves belong to the config

    def config_changed(self, cfg) -> None:
        """Redraw the exact curves and move the sliders: instant, no run needed."""
        from engines.rl.counterexample import a14, a14_loops

        for key, slider in self.sliders.items():
            slider.set_value(float(getattr(cfg, key)))
        left, right = a14_loops(cfg.n, cfg.r, cfg.r_prime)
        grid = np.linspace(0.0, 0.97, 400)   # V grows like 1/(1 − γ) beyond
        self.values.set_curve("v_left", grid, [left.value(g) for g in grid])
        self.values.set_curve("v_right", grid, [right.value(g) for g in grid])
        result = a14(cfg.n, cfg.r, cfg.r_prime, cfg.gamma)
        self.result, self.cfg = result, cfg
        self.values.set_curve("now", [cfg.gamma, cfg.gamma], [result.v_left, result.v_right])
        self.star_line.setValue(result.gamma_star)
        self.gamma_line.setValue(cfg.gamma)
        self.readout.setText(self.describe(cfg, result))

    @staticmethod
    def describe(cfg, result) -> str:
        side = "&lt;" if cfg.gamma < result.gamma_star else "≥"
        choice = result.discounted_choice.upper()
        return (f"γ = {cfg.gamma:.3g} {side} γ* = (r/r′)<sup>1/n</sup> = "
                f"<b>{result.gamma_star:.4g}</b>: the discounted values prefer <b>{choice}</b> "
                f"(V<sub>left</sub> = {result.v_left:.4g}, V<sub>right</sub> = "
                f"{result.v_right:.4g}). Average reward per step: left r/(n+1) = "
                f"{result.avg_left:.4g}, right r′/(n+1) = {result.avg_right:.4g}, so "
                f"<b>{result.average_choice.upper()}</b> earns more in the long run."
                + (" <span style='color:#D62728'>Discounting picks the worse loop.</span>"
                   if result.discounted_choice != result.average_choice else ""))

    def show_snapshot(self, snap: Snapshot) -> None:
        m, h = snap.metrics, snap.history
        self.learned.show_history(h)
        steps = h["step"]
        if steps.size:
            span = [steps[0], max(steps[-1], 1.0)]
            self.learned.set_curve("q_left_exact", span, [m["q_left_exact"]] * 2)
            self.learned.set_curve("q_right_exact", span, [m["q_right_exact"]] * 2)
