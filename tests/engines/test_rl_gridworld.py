"""GridWorld dynamics, the Prim maze generator and the DP reference solutions."""
from __future__ import annotations

import numpy as np
import pytest

from engines.rl.dp import (GAMMA_MESSAGE, one_hot_policy, policy_evaluation,
                           value_iteration)
from engines.rl.edits import SetReward
from engines.rl.gridworld import GridWorld, bfs_distances, maze_world, prim_maze

SEEDS = (0, 1, 2)


def open_world(h=3, w=4, **kwargs):
    rewards = np.zeros((h, w))
    rewards[0, w - 1] = 1.0
    return GridWorld(np.zeros((h, w), bool), rewards, (h - 1, 0), **kwargs)


# ---- maze generator ------------------------------------------------------------------
@pytest.mark.parametrize("h, w", [(7, 7), (9, 15), (21, 11)])
def test_prim_maze_is_seeded_connected_and_walled(h, w):
    walls = prim_maze(h, w, seed=5)
    np.testing.assert_array_equal(walls, prim_maze(h, w, seed=5))
    assert not np.array_equal(walls, prim_maze(h, w, seed=6))
    assert walls[0].all() and walls[-1].all() and walls[:, 0].all() and walls[:, -1].all()
    # every room (odd, odd) is open, and BFS from (1, 1) reaches every open cell
    assert not walls[1::2, 1::2].any()
    reach = bfs_distances(walls, (1, 1)) >= 0
    np.testing.assert_array_equal(reach, ~walls)
    # a perfect maze is a tree: #open cells − 1 edges between neighbouring open cells
    edges = (~walls[:, :-1] & ~walls[:, 1:]).sum() + (~walls[:-1] & ~walls[1:]).sum()
    assert edges == (~walls).sum() - 1


@pytest.mark.parametrize("h, w", [(6, 7), (7, 8), (1, 1)])
def test_prim_maze_needs_odd_sizes(h, w):
    with pytest.raises(ValueError, match="odd"):
        prim_maze(h, w, 0)


# ---- dynamics --------------------------------------------------------------------------
def test_transitions_walls_bumps_and_terminal():
    env = open_world(bump_penalty=0.1)
    env.toggle_wall((1, 0))
    s = env.start_state                                  # (2, 0)
    assert env.transition(s, 0) == (s, -0.1, False)      # up: wall -> bump
    assert env.transition(s, 2) == (s, -0.1, False)      # left: off the grid
    assert env.transition(s, 3) == (env.index((2, 1)), 0.0, False)
    goal = env.index((0, 3))
    assert env.transition(env.index((1, 3)), 0) == (goal, 1.0, True)
    assert env.transition(goal, 1) == (goal, 0.0, True)  # terminal is absorbing, reward 0


def test_vectorised_step_matches_single_transitions():
    env = maze_world(9, 9, seed=3, bump_penalty=0.05)
    rng = np.random.default_rng(0)
    states = rng.integers(env.n_states, size=500)
    actions = rng.integers(4, size=500)
    nxt, rew, done = env.step(states, actions)
    for i in range(0, 500, 7):
        assert env.transition(states[i], actions[i]) == (nxt[i], rew[i], done[i])
    P, R, term = env.model()
    np.testing.assert_array_equal(P[states, actions], nxt)
    np.testing.assert_array_equal(R[states, actions], rew)


def test_editing_helpers():
    env = open_world()
    assert env.toggle_wall((1, 1)) is True and env.walls[1, 1]
    assert env.toggle_wall((1, 1)) is False
    env.set_reward((1, 2), 0.5)
    assert env.rewards[1, 2] == 0.5
    with pytest.raises(ValueError, match="start"):
        env.toggle_wall(env.start)
    with pytest.raises(ValueError, match="outside"):
        env.set_reward((5, 5), 1.0)
    env.toggle_wall((0, 0))
    with pytest.raises(ValueError, match="wall"):
        env.set_reward((0, 0), 1.0)


def test_no_reachable_reward_is_a_clear_error():
    env = open_world()
    env.toggle_wall((0, 2))
    env.toggle_wall((1, 3))                  # the treasure at (0, 3) is walled in
    assert env.reachable_rewards() == []
    with pytest.raises(ValueError, match="no reachable reward"):
        env.validate()
    env.set_reward((2, 3), 2.0)
    assert env.reachable_rewards() == [(2, 3)]
    env.validate()


# ---- dynamic programming -----------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("terminal", [True, False])
def test_value_iteration_satisfies_bellman_optimality(seed, terminal):
    env = maze_world(9, 9, seed, terminal_on_treasure=terminal, bump_penalty=0.01)
    gamma = 0.9
    vi = value_iteration(env, gamma)
    assert vi.converged
    P, R, _ = env.model()
    # V*(s) = max_a [R(s,a) + γ V*(s')]
    np.testing.assert_allclose(vi.V, (R + gamma * vi.V[P]).max(axis=1), rtol=0, atol=1e-8)
    # evaluating the greedy policy gives back V*
    pe = policy_evaluation(env, one_hot_policy(vi.policy), gamma)
    np.testing.assert_allclose(pe.V, vi.V, rtol=0, atol=1e-8)
    # and any other policy is no better
    uniform = policy_evaluation(env, np.full((env.n_states, 4), 0.25), gamma)
    assert (uniform.V <= vi.V + 1e-8).all()


def test_value_iteration_on_a_corridor_is_gamma_to_the_distance():
    env = open_world(1, 6)                   # start (0, 0), treasure (0, 5)
    vi = value_iteration(env, 0.8)
    # reward 1 on entering the treasure after d steps: V(s) = γ^(d−1)
    np.testing.assert_allclose(vi.V[:5], 0.8 ** np.arange(4, -1, -1))
    assert (vi.policy[:5] == 3).all()        # always right


def test_gamma_one_needs_terminal_states():
    episodic = maze_world(7, 7, 0)
    vi = value_iteration(episodic, 1.0)      # fine: episodes end at the treasure
    assert vi.converged and vi.V[episodic.start_state] == 1.0
    endless = maze_world(7, 7, 0, terminal_on_treasure=False)
    for solver in (lambda e: value_iteration(e, 1.0),
                   lambda e: policy_evaluation(e, np.full((e.n_states, 4), 0.25), 1.0)):
        with pytest.raises(ValueError) as info:
            solver(endless)
        assert str(info.value) == GAMMA_MESSAGE


# ---- vanishing chests -----------------------------------------------------------------------
def chest_world(seed=0, treasures=3):
    from engines.rl.gridworld import maze_world

    return maze_world(9, 9, seed, treasures=treasures, chests_vanish=True)


def test_vanishing_chests_pay_once_and_end_the_episode_when_all_are_gone():
    env = chest_world()
    chests = env.chest_cells()
    assert len(chests) == 3 and env.n_states == 81 * 8
    terminal = env.terminal_mask()
    assert terminal.sum() == 81 and terminal[env.layer_states(7)].all()
    # walk greedily along BFS paths to each chest in turn; every chest pays exactly once
    from engines.rl.gridworld import MOVES, bfs_distances

    s, total = env.start_state, 0.0
    for chest in chests:
        target = divmod(int(chest), 9)
        dist = bfs_distances(env.walls, target)
        while env.cell(s) != target and not env.terminal_mask()[s]:
            here = env.cell(s)
            a = min(range(4), key=lambda a: dist[here[0] + MOVES[a][0], here[1] + MOVES[a][1]]
                    if dist[here[0] + MOVES[a][0], here[1] + MOVES[a][1]] >= 0 else 10**9)
            s, r, done = env.transition(s, a)
            total += r
    assert total == 3.0 and env.layer(s) == 7 and env.terminal_mask()[s]
    # standing on a collected chest again pays nothing
    env2 = chest_world()
    first = divmod(int(env2.chest_cells()[0]), 9)
    s = env2.index(first) + env2.n_cells * 1          # chest 0 already collected
    for a in range(4):
        nxt, r, _ = env2.transition(s, a)
        if env2.cell(nxt) != first:
            back = [b for b in range(4) if (MOVES[b] == -MOVES[a]).all()][0]
            _, r_back, _ = env2.transition(nxt, back)
            assert r_back == 0.0
            break


def test_value_iteration_with_vanishing_chests_collects_them_in_the_best_order():
    from itertools import permutations

    from engines.rl.dp import value_iteration
    from engines.rl.gridworld import bfs_distances

    gamma = 0.9
    for seed in (0, 1):
        env = chest_world(seed, treasures=2)
        cells = [divmod(int(c), 9) for c in env.chest_cells()]
        best = 0.0
        for order in permutations(cells):
            t, value, here = 0, 0.0, env.start
            for chest in order:
                t += bfs_distances(env.walls, here)[chest]
                value += gamma ** (t - 1)      # reward on the t-th move
                here = chest
            best = max(best, value)
        V = value_iteration(env, gamma).V
        assert V[env.start_state] == pytest.approx(best, rel=1e-9)


def test_too_many_vanishing_chests_is_refused():
    from engines.rl.gridworld import edit_world

    env = chest_world(0, treasures=6)
    free = [tuple(c) for c in np.argwhere(~env.walls & (env.rewards == 0))]
    free.remove(env.start)
    with pytest.raises(ValueError, match="at most 6 vanishing chests"):
        edit_world(env, SetReward(cell=free[0], value=1.0))
    assert len(env.chest_cells()) == 6
