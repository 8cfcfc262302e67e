"""Monte-Carlo tree search against value iteration, the tree's bookkeeping, and the
MCTSEngine contract (determinism, save/restore, mouse edits, config errors)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from engines.config import ConfigError
from engines.edits import Edit
from engines.rl.dp import GAMMA_MESSAGE, unique_optimal_mask, value_iteration
from engines.rl.edits import SetReward, ToggleWall
from engines.rl.gridworld import GridWorld, bfs_distances, maze_world
from engines.rl.mcts import MCTSConfig, MCTSEngine, SearchTree, search
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run, global_rng_untouched,
                                      round_trip, run_to_end)

GAMMA = 0.95


@dataclass(frozen=True)
class Teleport(Edit):
    """An edit no maze engine takes."""
    cell: tuple[int, int]


def treasure_cell(env: GridWorld) -> tuple[int, int]:
    return tuple(int(x) for x in np.argwhere(env.rewards > 0)[0])


def corridor(length: int = 5) -> GridWorld:
    """A 3 x length corridor: start at the left end, the treasure at the right end."""
    walls = np.ones((3, length), dtype=bool)
    walls[1, :] = False
    rewards = np.zeros((3, length))
    rewards[1, -1] = 1.0
    return GridWorld(walls, rewards, (1, 0))


def assert_tree_consistent(tree: SearchTree) -> None:
    """visits = Σ children visits + ends per node; the parent / action links agree."""
    visits, ends = tree.numpy("visits"), tree.numpy("ends")
    children, parent, action = tree.numpy("children"), tree.numpy("parent"), tree.numpy("action")
    states = tree.numpy("state")
    assert parent[0] == -1 and action[0] == -1
    child_sum = np.where(children >= 0, visits[np.maximum(children, 0)], 0).sum(axis=1)
    np.testing.assert_array_equal(visits, child_sum + ends)
    assert visits[0] == ends.sum()            # every simulation ends in exactly one node
    for node, kids in enumerate(children):
        for a, kid in enumerate(kids):
            if kid >= 0:
                assert parent[kid] == node and action[kid] == a
                assert states[kid] == tree.P[states[node]][a]
    assert (parent[1:] >= 0).all() and (parent[1:] < np.arange(1, len(parent))).all()
    # the named nodes agree with the arrays made from them
    assert tree.nodes[0] is tree.root and tree.root.parent == -1
    for i, node in enumerate(tree.nodes):
        assert node.index == i
        for a, kid in enumerate(node.children):
            if kid is not None:
                assert tree.nodes[kid.parent] is node and kid.action == a


# ---- the search against the exact answer ------------------------------------------------
@pytest.mark.parametrize("seed", (0, 1, 2, 3, 5, 6))
def test_root_action_at_the_start_is_optimal(seed):
    env = maze_world(7, 7, seed)
    vi = value_iteration(env, GAMMA)
    s = env.start_state
    assert unique_optimal_mask(vi.Q)[s]
    tree = search(env, s, 2000, np.random.default_rng(seed), gamma=GAMMA)
    assert tree.best_action() == vi.policy[s]


@pytest.mark.parametrize("seed", (0, 1, 2, 3))
def test_root_action_near_the_treasure_is_optimal(seed):
    """Every state within 6 moves of the treasure with a unique optimal action."""
    env = maze_world(7, 7, seed)
    vi = value_iteration(env, GAMMA)
    dist = bfs_distances(env.walls, treasure_cell(env)).ravel()
    mask = (env.reachable_mask().ravel() & ~env.terminal_mask() & unique_optimal_mask(vi.Q)
            & (dist > 0) & (dist <= 6))
    assert mask.sum() >= 5
    for s in np.flatnonzero(mask):
        tree = search(env, int(s), 600, np.random.default_rng(seed), gamma=GAMMA)
        assert tree.best_action() == vi.policy[s], env.cell(s)


@pytest.mark.parametrize("seed", [0, 1, 2, *(pytest.param(s, marks=pytest.mark.slow)
                                               for s in range(3, 8))])
def test_agent_takes_the_shortest_path(seed):
    """With 2000 simulations per move every move is optimal: BFS-distance moves."""
    spm = 2000
    env = maze_world(7, 7, seed)
    dist = int(bfs_distances(env.walls, env.start)[treasure_cell(env)])
    engine = MCTSEngine(MCTSConfig(maze_size=7, seed=seed, gamma=GAMMA,
                                   simulations_per_move=spm, steps=spm * dist))
    snap = run_to_end(engine)[-1]
    assert snap.epoch == 1 and snap.metrics["episodes"] == 1.0
    assert snap.metrics["episode_length"] == dist and snap.metrics["episode_return"] == 1.0
    assert snap.metrics["moves"] == 0.0 and tuple(snap.arrays["agent"]) == env.start


def test_one_step_from_the_treasure():
    """Q(s, a) is the mean return: exactly R = 1 for the move onto the (terminal) treasure."""
    env = corridor(3)
    tree = search(env, env.index((1, 1)), 50, np.random.default_rng(0), gamma=0.9)
    q = tree.root_q()
    assert q[3] == 1.0 and tree.best_action() == 3     # right
    assert np.all(q[:3] < 1.0)
    assert tree.root_value() == 1.0


def test_rollout_is_a_discounted_random_walk():
    env = corridor(4)
    P, R, terminal = env.model()
    tree = SearchTree(P, R, terminal, 0.5, 1.4, 3, np.random.default_rng(0), env.start_state)
    right, up = 0.8, 0.1                     # a = floor(4 u): 3 = right, 0 = up (a bump)
    s = env.index((1, 2))
    assert tree.rollout(s, [right, up, up]) == 1.0
    assert tree.rollout(s, [up, right, up]) == 0.5           # γ r_2
    assert tree.rollout(s, [up, up, right]) == 0.25          # γ² r_3
    assert tree.rollout(s, [up, up, up]) == 0.0              # depth exhausted
    assert tree.rollout(env.index((1, 3)), [right]) == 0.0   # terminal: nothing more


def test_untried_actions_come_first():
    env = maze_world(7, 7, 0)
    tree = search(env, env.start_state, 4, np.random.default_rng(0))
    np.testing.assert_array_equal(tree.root_visits(), [1, 1, 1, 1])
    assert len(tree) == 5 and not np.isnan(tree.root_q()).any()


def test_uct_prefers_the_less_visited_action():
    """Equal Q: the exploration bonus c sqrt(ln N / N(s, a)) picks the rarer action."""
    env = corridor(5)
    tree = search(env, env.start_state, 4, np.random.default_rng(0), rollout_depth=0)
    assert np.all(tree.root_q() == 0.0)              # no reward seen: all Q equal
    left = tree.root.children[2]
    left.visits += 5                                 # pretend "left" was tried more
    tree.root.visits += 5
    left.ends += 5
    action, untried = tree.select(tree.root, 0.0)
    assert not untried and action != 2
    assert tree.uct_action(tree.root) == action


def test_uct_formula_by_hand():
    """argmax_a R(s, a) + γ V(child) + c sqrt(ln N(s) / N(s, a)) with hand-set statistics."""
    env = corridor(5)
    c, gamma = 1.5, 0.9
    tree = search(env, env.index((1, 2)), 4, np.random.default_rng(0), gamma=gamma,
                  exploration_c=c, rollout_depth=0)
    root = tree.root
    visits, sums = [10, 4, 30, 8], [1.0, 0.5, 6.0, 6.4]    # N(s) = 52
    for child, n, total in zip(root.children, visits, sums):
        child.visits, child.value_sum = n, total
    R = tree.R[root.state]
    assert R == [0.0] * 4                            # two cells from the treasure
    scores = [R[a] + gamma * sums[a] / visits[a] + c * math.sqrt(math.log(52) / visits[a])
              for a in range(4)]
    # Q + bonus: up 0.09 + 0.94 = 1.03, down 0.1125 + 1.49 = 1.60,
    # left 0.18 + 0.54 = 0.72, right 0.72 + 1.05 = 1.77: right wins by its Q,
    # down is second by its bonus
    np.testing.assert_allclose(scores, [1.033, 1.603, 0.724, 1.774], atol=1e-3)
    assert tree.uct_action(root) == int(np.argmax(scores)) == 3
    root.children[3].value_sum = 0.0                 # without its value, right loses
    assert tree.uct_action(root) == 1                # ... to the rarely tried "down"
    tree.c = 0.0                                     # no bonus: greedy in Q = γ V
    assert tree.uct_action(root) == 2


# ---- tree bookkeeping -------------------------------------------------------------------------
def test_visit_counts_are_consistent():
    engine = MCTSEngine(MCTSConfig(maze_size=7, simulations_per_move=60, steps=10**6))
    for _ in range(60):                             # a fresh tree: root visits = simulations
        engine.train_step()
        if engine.sims_this_move:
            assert engine.tree.root.visits == engine.sims_this_move
            assert_tree_consistent(engine.tree)
    for i in range(700):                            # across re-roots and episode ends
        engine.train_step()
        if i % 37 == 0:
            assert_tree_consistent(engine.tree)
    assert engine.episodes >= 1
    assert_tree_consistent(engine.tree)
    snap = engine.snapshot()
    tree = engine.tree
    assert snap.metrics["simulations"] == tree.root.visits
    assert snap.metrics["tree_size"] == len(tree) == len(snap.arrays["edges"]) + 1
    assert snap.arrays["visits"].sum() == tree.numpy("visits").sum()
    np.testing.assert_array_equal(snap.arrays["edge_visits"], tree.numpy("visits")[1:])
    assert snap.arrays["root_visits"].sum() == tree.root.visits - tree.root.ends
    edges = snap.arrays["edges"]
    assert edges.dtype == np.int64
    assert np.all(np.abs(edges[:, :2] - edges[:, 2:]).sum(axis=1) <= 1)   # neighbours
    # the edges out of the root start in the agent's cell
    np.testing.assert_array_equal(edges[tree.numpy("parent")[1:] == 0, :2],
                                  np.broadcast_to(snap.arrays["agent"], (4, 2)))


def test_reroot_keeps_the_subtree():
    env = maze_world(7, 7, 0)
    tree = search(env, env.start_state, 300, np.random.default_rng(0))
    action = tree.best_action()
    child = tree.root.children[action]
    kept_visits = child.visits
    kept_q = child.value_sum
    tree.advance(action)
    assert tree.root is child
    assert tree.root.visits == kept_visits and tree.root.value_sum == kept_q
    assert len(tree) < 301 and all(node.index == i for i, node in enumerate(tree.nodes))
    assert tree.root_state == tree.P[env.start_state][action]
    assert_tree_consistent(tree)


# ---- the engine ---------------------------------------------------------------------------------
SMALL = MCTSConfig(maze_size=7, simulations_per_move=40, steps=600)


def test_snapshot_contents():
    engine = MCTSEngine(SMALL.replace(steps=2000))
    snap = run_to_end(engine)[-1]
    assert set(snap.metrics) >= {"simulations", "tree_size", "root_value", "moves",
                                 "episode_return", "episodes"}
    assert all(isinstance(v, float) and math.isfinite(v) for v in snap.metrics.values())
    a = snap.arrays
    assert a["walls"].shape == a["rewards"].shape == a["visits"].shape == (7, 7)
    assert a["walls"].dtype == bool and a["start"].tolist() == [1, 1]
    assert a["agent"].shape == (2,) and a["agent"].dtype == np.int64
    traj = a["trajectory"]
    assert traj.shape == (snap.metrics["moves"] + 1, 2) and tuple(traj[0]) == (1, 1)
    np.testing.assert_array_equal(traj[-1], a["agent"])
    assert a["root_visits"].shape == a["root_q"].shape == (4,)
    assert a["edges"].shape == (len(a["edge_visits"]), 4)
    assert not a["visits"][a["walls"]].any()
    assert snap.epoch == snap.metrics["episodes"] > 0
    assert set(snap.history) >= {"step", "episode_return", "tree_size", "root_value"}
    assert snap.metrics["episode_return"] == 1.0


def test_snapshot_is_a_pure_read():
    engine = MCTSEngine(SMALL)
    run_to_end(engine)
    before = engine.state_dict()
    a, b = engine.snapshot(), engine.snapshot()
    assert_same_run(a, b)
    a.arrays["visits"][...] = -1                     # copies: the engine is untouched
    assert_same_run(b, engine.snapshot())
    after = engine.state_dict()
    assert before["rng"] == after["rng"] and before["step"] == after["step"]
    assert torch.equal(before["tree"]["visits"], after["tree"]["visits"])


def test_fresh_snapshot_has_no_nan_metrics():
    snap = MCTSEngine(SMALL).snapshot()
    assert snap.metrics["root_value"] == 0.0 and snap.metrics["simulations"] == 0.0
    assert np.isnan(snap.arrays["root_q"]).all() and snap.arrays["edges"].shape == (0, 4)


def test_engine_is_deterministic():
    a = run_to_end(MCTSEngine(SMALL))[-1]
    b = run_to_end(MCTSEngine(SMALL), snapshot_hz=5)[-1]
    assert_same_run(a, b)
    c = run_to_end(MCTSEngine(SMALL.replace(seed=1)))[-1]
    assert not np.array_equal(a.arrays["walls"], c.arrays["walls"])       # another maze
    # the same maze with another search seed gives other numbers
    engine = MCTSEngine(SMALL)
    engine.rng = np.random.default_rng(99)
    engine.tree.rng = engine.rng
    d = run_to_end(engine)[-1]
    assert not np.array_equal(a.arrays["visits"], d.arrays["visits"])


@pytest.mark.parametrize("n, m", [(170, 430), (40, 560), (333, 1)])
def test_save_restore_continues_identically(n, m):
    cfg = SMALL.replace(steps=n + m)
    whole = run_to_end(MCTSEngine(cfg))[-1]
    first = MCTSEngine(cfg.replace(steps=n))
    run_to_end(first)
    second = MCTSEngine(cfg)
    second.load_state_dict(round_trip(first.state_dict()))
    assert second.step == n
    assert_same_run(run_to_end(second)[-1], whole)


def test_save_restore_keeps_edits():
    cfg = SMALL.replace(steps=400)
    first = MCTSEngine(cfg.replace(steps=150))
    run_to_end(first)
    cell = next(c for c in ((1, 3), (3, 1), (3, 3)) if c != treasure_cell(first.env))
    first.apply_edit(SetReward(cell=cell, value=-0.5))   # a room: open
    state = round_trip(first.state_dict())
    second = MCTSEngine(cfg)
    second.load_state_dict(state)
    assert second.env.rewards[cell] == -0.5
    np.testing.assert_array_equal(second.R, first.R)
    first_rest = MCTSEngine(cfg)
    first_rest.load_state_dict(round_trip(first.state_dict()))
    assert_same_run(run_to_end(second)[-1], run_to_end(first_rest)[-1])


def test_apply_edit_rebuilds_the_model_and_the_tree():
    engine = MCTSEngine(SMALL.replace(maze_size=9))
    for _ in range(30):
        engine.train_step()
    assert len(engine.tree) > 1
    cell = (2, 2)                    # a pillar between four rooms: opening it is always fine
    assert engine.env.walls[cell]
    engine.apply_edit(ToggleWall(cell=cell))
    assert not engine.env.walls[cell]
    assert len(engine.tree) == 1 and engine.tree.root.visits == 0
    assert engine.sims_this_move == 0
    np.testing.assert_array_equal(engine.P, engine.env.model()[0])
    assert not engine.snapshot().arrays["walls"][cell]
    engine.apply_edit(SetReward(cell=(1, 1), value=-1.0))
    assert (engine.R == -1.0).any()                  # moves onto (or staying on) the start
    np.testing.assert_array_equal(engine.R, engine.env.model()[1])


def test_edit_walling_in_the_agent_restarts_the_episode():
    engine = MCTSEngine(SMALL)
    env = engine.env
    on_path = bfs_distances(env.walls, env.start) + bfs_distances(env.walls, treasure_cell(env))
    shortest = on_path[treasure_cell(env)]
    # a reachable cell off the only start-treasure path (walling it leaves a way through)
    off_path = [tuple(c) for c in np.argwhere(~env.walls & (on_path > shortest))]
    cell = off_path[-1]
    engine.agent = env.index(cell)
    engine.trajectory.append(engine.agent)
    engine.moves = 3
    engine.tree.reset(engine.agent)
    engine.apply_edit(ToggleWall(cell=cell))
    assert engine.env.walls[cell]
    assert engine.agent == env.start_state and engine.moves == 0 and engine.episodes == 1
    assert engine.tree.root_state == env.start_state
    assert engine.snapshot().metrics["episode_length"] == 3.0


def test_refused_edit_changes_nothing():
    engine = MCTSEngine(SMALL)
    for _ in range(25):
        engine.train_step()
    env = engine.env
    tr, tc = treasure_cell(env)
    (entrance,) = [(tr + dr, tc + dc) for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))
                   if not env.walls[tr + dr, tc + dc]]       # the treasure is a dead end
    walls, rewards, size = env.walls.copy(), env.rewards.copy(), len(engine.tree)
    with pytest.raises(ValueError, match="edit refused: no reachable reward"):
        engine.apply_edit(ToggleWall(cell=entrance))
    with pytest.raises(ValueError, match="start cell"):
        engine.apply_edit(ToggleWall(cell=env.start))
    with pytest.raises(ValueError, match="unknown edit Teleport; known: ToggleWall"):
        engine.apply_edit(Teleport(cell=(1, 1)))
    np.testing.assert_array_equal(env.walls, walls)
    np.testing.assert_array_equal(env.rewards, rewards)
    assert len(engine.tree) == size
    np.testing.assert_array_equal(engine.P, env.model()[0])


def test_gamma_one_and_the_gamma_message():
    run_to_end(MCTSEngine(SMALL.replace(gamma=1.0, steps=100)))   # episodes terminate
    endless = maze_world(7, 7, 0, terminal_on_treasure=False)
    with pytest.raises(ValueError) as info:
        search(endless, endless.start_state, 10, np.random.default_rng(0), gamma=1.0)
    assert str(info.value) == GAMMA_MESSAGE


def test_drive_with_cancelled_control():
    assert_cancelled_before_start(MCTSEngine(SMALL))


def test_engine_leaves_global_rng_alone():
    with global_rng_untouched():
        run_to_end(MCTSEngine(SMALL.replace(steps=100)))


@pytest.mark.parametrize("changes, key", [
    (dict(maze_size=8), "maze_size"), (dict(maze_size=3), "maze_size"),
    (dict(gamma=1.5), "gamma"), (dict(gamma=-0.1), "gamma"),
    (dict(simulations_per_move=0), "simulations_per_move"),
    (dict(exploration_c=-1.0), "exploration_c"), (dict(rollout_depth=-1), "rollout_depth"),
])
def test_config_errors(changes, key):
    with pytest.raises(ConfigError, match=key) as info:
        MCTSConfig(**changes)
    assert info.value.key == key


def test_config_from_dict():
    cfg = MCTSConfig.from_dict({"maze_size": "11", "exploration_c": "0.5"})
    assert cfg.maze_size == 11 and cfg.exploration_c == 0.5
    with pytest.raises(ConfigError, match="unknown parameter"):
        MCTSConfig.from_dict({"epsilon": "0.1"})
    assert MCTSConfig().gamma == 0.95 and MCTSConfig().simulations_per_move == 1000
