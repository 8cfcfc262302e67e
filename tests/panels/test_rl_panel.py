"""The rl panel: mouse edits of the maze reach the running engine, slow motion, A1.4
sliders, and clear messages for bad input."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from engines.rl.edits import ToggleWall
from engines.rl.gridworld import edit_world
from panels.rl.views import base_world
from tests.panels.helpers import make_window

pytestmark = pytest.mark.gui


def rl_panel(qtbot, tmp_path, demo: str, **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("rl")
    panel.set_demo(demo)
    panel.form.set_config(panel.form.config().replace(**changes))
    return window, panel


def cells_by_edit_outcome(world):
    """(an open cell whose wall keeps the treasure reachable, one that cuts it off)."""
    allowed = refused = None
    for cell in map(tuple, np.argwhere(~world.walls)):
        if cell == world.start or world.rewards[cell] != 0:
            continue
        try:
            edit_world(world.copy(), ToggleWall(cell=cell))
            allowed = allowed or cell
        except ValueError:
            refused = refused or cell
    return allowed, refused


def click_cell(qtbot, maze, cell, button=Qt.MouseButton.LeftButton):
    """A real mouse click on the centre of a maze cell."""
    scene = maze.plotItem.vb.mapViewToScene(QPointF(cell[1] + 0.5, cell[0] + 0.5))
    pos = maze.mapFromScene(scene)
    qtbot.mouseClick(maze.viewport(), button, pos=pos)


def arrow_starts(view) -> set:
    x, y = view.maze.arrows.getData()
    if x is None or len(x) == 0:
        return set()
    return {(int(np.floor(b)), int(np.floor(a))) for a, b in zip(x[::6], y[::6])}


def test_clicking_a_wall_mid_run_changes_the_engines_maze(qtbot, tmp_path):
    window, panel = rl_panel(qtbot, tmp_path, "gridworld", steps=10**6)
    panel.set_speed(300.0)
    world = base_world(panel.form.config())
    cell, _ = cells_by_edit_outcome(world)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None
                    and cell in arrow_starts(panel.view), timeout=30000)
    assert not panel.last_snapshot.arrays["walls"][cell]

    click_cell(qtbot, panel.view.maze, cell)
    assert panel.world().walls[cell]                      # the panel's maze at once
    qtbot.waitUntil(lambda: panel.last_snapshot.arrays["walls"][cell], timeout=10000)
    view = panel.view
    assert view.maze.walls_item.image[cell][3] == 255     # drawn as a wall
    assert view.maze.image()[cell] == 0.0                 # no value on a wall
    assert cell not in arrow_starts(view)                 # and no arrows
    state, _ = panel.runner.fetch_state()
    assert bool(state["walls"][cell])                     # the engine's own maze
    assert "learns in the new maze" in panel.message_label.text()

    # a click on the same cell opens it again
    panel.runner.resume()
    click_cell(qtbot, panel.view.maze, cell)
    qtbot.waitUntil(lambda: not panel.last_snapshot.arrays["walls"][cell], timeout=10000)
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)
    assert window.shutdown(2.0)


def test_reward_edit_reaches_the_engine_and_the_next_run(qtbot, tmp_path):
    window, panel = rl_panel(qtbot, tmp_path, "gridworld", steps=10**6)
    panel.set_speed(300.0)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None, timeout=30000)
    panel.view.request_reward(1, 2, 5.0)       # what the right-click menu calls
    qtbot.waitUntil(lambda: panel.last_snapshot.arrays["rewards"][1, 2] == 5.0, timeout=10000)
    # a new run starts from the edited maze, not from the config's
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.runner.state == "running", timeout=30000)
    state, _ = panel.runner.fetch_state()
    assert float(state["rewards"][1, 2]) == 5.0
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)
    # a new maze (seed) drops the edits, with a message
    panel.form.set_config(panel.form.config().replace(seed=3))
    assert panel.world().rewards[1, 2] != 5.0
    assert "dropped" in panel.message_label.text()
    assert window.shutdown(2.0)


def test_an_edit_that_cuts_off_the_treasure_is_refused_with_a_message(qtbot, tmp_path):
    # a 41×41 maze: value iteration needs 150 sweeps (15 s at 10/s): the run is still live
    window, panel = rl_panel(qtbot, tmp_path, "dp", steps=10**5, maze_size=41)
    _, cell = cells_by_edit_outcome(base_world(panel.form.config()))
    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None, timeout=30000)
    click_cell(qtbot, panel.view.maze, cell)
    assert "no reachable reward" in panel.message_label.text()
    assert not panel.world().walls[cell]
    state, _ = panel.runner.fetch_state()
    assert not bool(state["walls"][cell])
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)
    assert window.shutdown(2.0)


def test_editing_while_idle_shows_at_once_and_is_used_by_the_run(qtbot, tmp_path):
    window, panel = rl_panel(qtbot, tmp_path, "mcts", steps=400)
    cell, _ = cells_by_edit_outcome(base_world(panel.form.config()))
    click_cell(qtbot, panel.view.maze, cell)
    assert panel.view.maze.walls_item.image[cell][3] == 255
    assert "next run uses this maze" in panel.message_label.text()
    with qtbot.waitSignal(panel.runner.finished, timeout=60000):
        assert panel.start()
    assert panel.last_snapshot.arrays["walls"][cell]
    assert window.shutdown(2.0)


def test_slow_motion_paces_the_engine(qtbot, tmp_path):
    # policy iteration on 41×41 at γ = 0.99: 1357 sweeps before it converges and stops
    window, panel = rl_panel(qtbot, tmp_path, "dp", steps=10**5, maze_size=41,
                             method="policy_iteration", gamma=0.99)
    assert panel.DEFAULT_SPEEDS["dp"] == panel.speed == 10.0      # sweeps are for watching
    panel.set_speed(20.0)
    assert panel.speed_combo.currentText() == "30 steps/s"       # the nearest choice
    panel.set_speed(10.0)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None
                    and panel.last_snapshot.step >= 3, timeout=30000)
    first = panel.last_snapshot
    qtbot.waitUntil(lambda: panel.last_snapshot.step >= first.step + 12, timeout=30000)
    later = panel.last_snapshot
    rate = (later.step - first.step) / (later.elapsed - first.elapsed)
    assert 5.0 <= rate <= 12.0
    panel.set_speed(0.0)                                           # full speed, mid-run
    qtbot.waitUntil(lambda: panel.last_snapshot.step > later.step + 300, timeout=30000)
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)
    assert window.settings.panel("rl")["speeds"]["dp"] == 0.0     # remembered per demo
    assert window.shutdown(2.0)


def test_a14_sliders_move_the_config_and_the_exact_curves(qtbot, tmp_path):
    window, panel = rl_panel(qtbot, tmp_path, "a14")
    view = panel.view
    assert "prefer <b>LEFT</b>" in view.readout.text()          # γ = 0.8 < γ* = 0.87
    slider = view.sliders["gamma"].slider
    slider.setValue(int(0.95 / 0.995 * slider.maximum()))
    assert panel.form.config().gamma == pytest.approx(0.95, abs=0.01)
    assert "prefer <b>RIGHT</b>" in view.readout.text()
    view.sliders["n"].slider.setValue(9)                           # n = 10
    assert panel.form.config().n == 10
    assert view.star_line.value() == pytest.approx(0.5 ** 0.1)
    # while Q-learning runs, a slider restarts it on the new loops
    panel.form.set_config(panel.form.config().replace(steps=10**6))
    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None, timeout=30000)
    slider.setValue(int(0.5 / 0.995 * slider.maximum()))
    assert panel.run_cfg.gamma == pytest.approx(0.5, abs=0.01) and panel.runner.is_active()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None and panel.last_snapshot.metrics[
        "q_left_exact"] == pytest.approx(1.0 / (1 - 0.5 ** 11), rel=0.02), timeout=30000)
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)
    assert window.shutdown(2.0)


def test_bad_input_messages(qtbot, tmp_path):
    window, panel = rl_panel(qtbot, tmp_path, "a14")
    panel.form.editors["gamma"].setValue(1.0)
    assert not panel.start()
    text = panel.message_label.text()
    assert "gamma" in text and "< 1" in text
    panel.form.editors["gamma"].setValue(0.9)
    panel.form.editors["r"].setValue(3.0)                          # r > r′ = 2
    assert not panel.start()
    assert "r_prime" in panel.message_label.text()
    panel.set_demo("gridworld")
    panel.form.editors["maze_size"].setValue(8)
    assert not panel.start()
    assert "even" in panel.message_label.text()
    assert window.shutdown(2.0)
