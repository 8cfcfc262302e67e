"""The dynamic-programming demo: sweeps converge to engines.rl.dp, edits re-plan."""
from __future__ import annotations

import numpy as np
import pytest

from engines.config import ConfigError
from engines.rl.configs import DPConfig
from engines.rl.dp import policy_evaluation, one_hot_policy, value_iteration
from engines.rl.dp_demo import DPEngine, greedy_path
from engines.rl.edits import SetReward, ToggleWall
from engines.rl.gridworld import bfs_distances, edit_world, maze_world
from tests.engines.nn_helpers import assert_same_run, round_trip, run_to_end


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_value_iteration_sweeps_reach_the_exact_values(seed):
    cfg = DPConfig(maze_size=9, seed=seed, gamma=0.9, steps=400)
    engine = DPEngine(cfg)
    snap = run_to_end(engine)[-1]
    exact = value_iteration(maze_world(9, 9, seed), 0.9)
    np.testing.assert_allclose(engine.V, exact.V, atol=1e-12)
    assert snap.metrics["delta"] < 1e-12
    # Bellman optimality holds for the converged table
    Q = engine.backup()
    np.testing.assert_allclose(Q.max(axis=1), engine.V, atol=1e-12)


def test_value_spreads_one_cell_per_sweep():
    env = maze_world(9, 9, 0)
    engine = DPEngine(DPConfig(maze_size=9, seed=0, steps=5))
    for _ in range(5):
        engine.train_step()
    (treasure,) = [tuple(c) for c in np.argwhere(env.rewards > 0)]
    dist = bfs_distances(env.walls, treasure).ravel()
    valued = engine.V > 0
    # after k sweeps exactly the open cells within k moves of the treasure have V > 0
    # (the treasure itself is terminal: V = 0)
    expected = (dist >= 1) & (dist <= 5)
    np.testing.assert_array_equal(valued, expected)


@pytest.mark.parametrize("seed", [0, 3])
def test_policy_iteration_ends_with_an_optimal_policy(seed):
    engine = DPEngine(DPConfig(maze_size=9, seed=seed, method="policy_iteration",
                               gamma=0.9, steps=3000))
    snap = run_to_end(engine)[-1]
    env = maze_world(9, 9, seed)
    exact = value_iteration(env, 0.9)
    assert engine.stable and snap.metrics["policy_changes"] == 0
    assert snap.epoch >= 2          # at least one improvement beyond the first
    evaluated = policy_evaluation(env, one_hot_policy(engine.policy.argmax(axis=1)), 0.9)
    np.testing.assert_allclose(evaluated.V, exact.V, atol=1e-8)


def test_greedy_path_follows_the_shortest_route():
    engine = DPEngine(DPConfig(maze_size=11, seed=2, steps=500))
    snap = run_to_end(engine)[-1]
    env = maze_world(11, 11, 2)
    path = snap.arrays["trajectory"]
    (treasure,) = [tuple(c) for c in np.argwhere(env.rewards > 0)]
    assert tuple(path[0]) == env.start and tuple(path[-1]) == treasure
    assert len(path) - 1 == bfs_distances(env.walls, env.start)[treasure]
    assert greedy_path(env, engine.shown_policy()).shape == path.shape


def test_edit_mid_run_replans_in_the_new_maze():
    engine = DPEngine(DPConfig(maze_size=9, seed=0, steps=400))
    run_to_end(engine)
    change = SetReward(cell=(1, 3), value=5.0)
    engine.apply_edit(change)
    engine.cfg = engine.cfg.replace(steps=800)
    run_to_end(engine)
    env = maze_world(9, 9, 0)
    edit_world(env, change)
    # the run stops once max |ΔV| < 1e-9; the contraction bounds what is left:
    # ‖V − V*‖∞ ≤ γ/(1 − γ) · max |ΔV|
    assert engine.converged and engine.step < 800
    bound = 0.9 / (1 - 0.9) * engine.delta
    np.testing.assert_allclose(engine.V, value_iteration(env, 0.9).V, rtol=0, atol=bound + 1e-15)


def test_refused_edit_changes_nothing():
    engine = DPEngine(DPConfig(maze_size=9, seed=0))
    walls = engine.env.walls.copy()
    (treasure,) = [tuple(c) for c in np.argwhere(engine.env.rewards > 0)]
    with pytest.raises(ValueError, match="no reachable reward"):
        engine.apply_edit(ToggleWall(cell=treasure))
    np.testing.assert_array_equal(engine.env.walls, walls)


def test_deterministic_and_save_restore():
    cfg = DPConfig(maze_size=9, method="policy_iteration", steps=90)
    assert_same_run(run_to_end(DPEngine(cfg))[-1], run_to_end(DPEngine(cfg), 5)[-1])
    first = DPEngine(cfg.replace(steps=40))
    run_to_end(first)
    first.apply_edit(SetReward(cell=(1, 3), value=2.0))
    second = DPEngine(cfg)
    second.load_state_dict(round_trip(first.state_dict()))
    first.cfg = cfg
    assert_same_run(run_to_end(second)[-1], run_to_end(first)[-1])


def test_bad_config():
    with pytest.raises(ConfigError, match="maze_size"):
        DPConfig(maze_size=8)
    with pytest.raises(ConfigError, match="gamma"):
        DPConfig(gamma=1.5)


@pytest.mark.parametrize("method", ["value_iteration", "policy_iteration"])
def test_a_converged_run_stops_early_and_says_so(method):
    """Value iteration in a deterministic maze reaches V* exactly after as many sweeps as
    the farthest open cell's distance to the treasure (+1 sweep to see nothing change);
    the run stops there instead of sweeping on to cfg.steps."""
    cfg = DPConfig(maze_size=11, seed=0, method=method, gamma=0.9, steps=3000)
    engine = DPEngine(cfg)
    snaps = run_to_end(engine)
    final = snaps[-1]
    assert final.final and final.metrics["converged"] == 1.0
    assert final.step < cfg.steps
    # only the last step says converged (a snapshot that fell due on that step as well
    # says so too: which steps get one depends on timing)
    assert all(s.step == final.step for s in snaps if s.metrics["converged"])
    if method == "value_iteration":
        env = maze_world(11, 11, 0)
        (treasure,) = [tuple(c) for c in np.argwhere(env.rewards > 0)]
        dist = bfs_distances(env.walls, treasure)
        farthest = int(dist[np.isfinite(dist) & (dist >= 0)].max())
        assert final.step == farthest + 1
        np.testing.assert_allclose(engine.V, value_iteration(env, 0.9).V, atol=1e-12)
