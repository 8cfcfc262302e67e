"""Tabular Q-learning / SARSA against value iteration, and the TabularQEngine contract."""
from __future__ import annotations

import numpy as np
import pytest

from engines.config import ConfigError
from engines.rl.dp import GAMMA_MESSAGE, unique_optimal_mask, value_iteration
from engines.rl.edits import SetReward, ToggleWall
from engines.rl.gridworld import maze_world
from engines.rl.tabular import TabularQConfig, TabularQEngine, greedy_return, train
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run, global_rng_untouched,
                                      round_trip, run_to_end)

SEEDS = (0, 1, 2)
GAMMA = 0.9


def optimal(env):
    """Value-iteration policy and the reachable non-terminal states with a unique best action."""
    vi = value_iteration(env, GAMMA)
    reach = env.reachable_mask().ravel() & ~env.terminal_mask()
    return vi, reach & unique_optimal_mask(vi.Q, 1e-6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kwargs", [
    dict(epsilon=0.3, exploring_starts=True),
    dict(exploration="softmax", temperature=0.05, exploring_starts=True),
    dict(epsilon=0.3, exploring_starts=True, replay=True),
    # off-policy: even a purely random behaviour policy teaches Q-learning Q*
    dict(epsilon=1.0),
], ids=["eps-greedy", "softmax", "replay", "random-behaviour"])
def test_q_learning_finds_the_optimal_policy(seed, kwargs):
    env = maze_world(7, 7, seed)
    vi, mask = optimal(env)
    assert mask.sum() >= 10
    agent = train(env, 4000, np.random.default_rng(seed), gamma=GAMMA, alpha=0.5, **kwargs)
    np.testing.assert_array_equal(agent.greedy_policy()[mask], vi.policy[mask])


@pytest.mark.parametrize("seed", SEEDS)
def test_sarsa_reaches_the_treasure(seed):
    env = maze_world(7, 7, seed)
    agent = train(env, 6000, np.random.default_rng(seed), algorithm="sarsa", gamma=GAMMA,
                  alpha=0.3, epsilon=0.2)
    assert agent.last_return > 0                              # its last ε-greedy episode
    assert greedy_return(env, agent.greedy_policy()) > 0      # and its greedy policy


def test_training_is_seeded():
    env = maze_world(7, 7, 0)
    a = train(env, 500, np.random.default_rng(3), epsilon=0.5)
    b = train(env, 500, np.random.default_rng(3), epsilon=0.5)
    np.testing.assert_array_equal(a.Q, b.Q)


def test_learner_errors():
    endless = maze_world(7, 7, 0, terminal_on_treasure=False)
    with pytest.raises(ValueError) as info:
        train(endless, 10, np.random.default_rng(0), gamma=1.0)
    assert str(info.value) == GAMMA_MESSAGE
    train(endless, 10, np.random.default_rng(0), gamma=0.9)     # γ < 1 is fine
    walled = maze_world(7, 7, 0)
    walled.rewards[:] = 0.0
    with pytest.raises(ValueError, match="no reachable reward"):
        train(walled, 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="off-policy"):
        train(maze_world(7, 7, 0), 10, np.random.default_rng(0), algorithm="sarsa",
              replay=True)


def test_exploration_probabilities():
    env = maze_world(7, 7, 0)
    agent = train(env, 0, np.random.default_rng(0), epsilon=0.2)
    q = np.array([[1.0, 0.0, 1.0, -1.0]])
    np.testing.assert_allclose(agent.probs(q), [[0.45, 0.05, 0.45, 0.05]])  # ties share
    agent = train(env, 0, np.random.default_rng(0), exploration="softmax", temperature=0.5)
    p = np.exp(q[0] / 0.5)
    np.testing.assert_allclose(agent.probs(q)[0], p / p.sum())


# ---- engine --------------------------------------------------------------------------------
SMALL = TabularQConfig(maze_size=7, steps=300, epsilon=0.3)
VARIANTS = {"q": {}, "sarsa-softmax": dict(algorithm="sarsa", exploration="softmax"),
            "replay-es": dict(replay=True, exploring_starts=True)}


@pytest.mark.parametrize("variant", VARIANTS)
def test_engine_is_deterministic(variant):
    cfg = SMALL.replace(**VARIANTS[variant])
    a = run_to_end(TabularQEngine(cfg))[-1]
    b = run_to_end(TabularQEngine(cfg), snapshot_hz=5)[-1]
    assert_same_run(a, b)
    other = TabularQEngine(cfg.replace(seed=1)).snapshot()
    assert not np.array_equal(a.arrays["walls"], other.arrays["walls"])   # another maze


@pytest.mark.parametrize("variant", VARIANTS)
def test_engine_save_restore_continues_identically(variant):
    n, m = 170, 230
    cfg = SMALL.replace(**VARIANTS[variant])
    whole = run_to_end(TabularQEngine(cfg.replace(steps=n + m)))[-1]
    first = TabularQEngine(cfg.replace(steps=n))
    run_to_end(first)
    state = round_trip(first.state_dict())
    second = TabularQEngine(cfg.replace(steps=n + m))
    second.load_state_dict(state)
    assert second.step == n
    assert_same_run(run_to_end(second)[-1], whole)


def test_engine_snapshot_contents():
    engine = TabularQEngine(SMALL.replace(steps=2000))
    snap = run_to_end(engine)[-1]
    assert set(snap.metrics) >= {"episode_return", "episode_length", "epsilon"}
    assert snap.metrics["epsilon"] == 0.3 and snap.metrics["episode_return"] == 1.0
    assert snap.arrays["V"].shape == (7, 7)
    np.testing.assert_allclose(snap.arrays["policy"].sum(axis=-1), 1.0)
    assert snap.arrays["policy"].shape == (7, 7, 4)
    traj = snap.arrays["trajectory"]
    assert traj.shape[1] == 2 and tuple(traj[0]) == (1, 1)
    np.testing.assert_array_equal(traj[-1], snap.arrays["agent"])
    assert snap.epoch > 0 and len(snap.history["step"]) > 10
    # V = max_a Q agrees in sign with the DP values: the treasure's neighbour is near 1
    assert snap.arrays["V"].max() > 0.5


def test_engine_drive_with_cancelled_control():
    assert_cancelled_before_start(TabularQEngine(SMALL))


def test_engine_leaves_global_rng_alone():
    with global_rng_untouched():
        run_to_end(TabularQEngine(SMALL.replace(steps=50)))


def test_config_errors():
    with pytest.raises(ConfigError, match="maze_size"):
        TabularQConfig(maze_size=8)
    with pytest.raises(ConfigError, match="off-policy"):
        TabularQConfig(algorithm="sarsa", replay=True)
    with pytest.raises(ConfigError, match="algorithm"):
        TabularQConfig.from_dict({"algorithm": "dqn"})


# ---- edits from the panel -----------------------------------------------------------------
def test_edit_mid_run_changes_the_world_and_learning_follows():
    from engines.rl.gridworld import edit_world

    cfg = TabularQConfig(maze_size=7, seed=0, steps=3000, epsilon=0.3, exploring_starts=True)
    engine = TabularQEngine(cfg)
    run_to_end(engine)
    # a second, bigger treasure right next to the start: the policy must re-route
    change = SetReward(cell=(1, 2), value=5.0)
    engine.apply_edit(change)
    assert engine.env.rewards[1, 2] == 5.0
    engine.cfg = cfg.replace(steps=9000)
    snap = run_to_end(engine)[-1]
    env = maze_world(7, 7, 0)
    edit_world(env, change)
    vi, mask = optimal(env)
    np.testing.assert_array_equal(engine.agent.greedy_policy()[mask], vi.policy[mask])
    assert snap.metrics["optimal_agreement"] == 1.0
    assert snap.arrays["rewards"][1, 2] == 5.0


def test_refused_edit_leaves_the_engine_unchanged():
    engine = TabularQEngine(SMALL)
    run_to_end(engine)
    before = engine.state_dict()
    treasure = tuple(np.argwhere(engine.env.rewards > 0)[0])
    with pytest.raises(ValueError, match="edit refused: no reachable reward"):
        engine.apply_edit(ToggleWall(cell=treasure))
    with pytest.raises(ValueError, match="start"):
        engine.apply_edit(ToggleWall(cell=(1, 1)))
    after = engine.state_dict()
    np.testing.assert_array_equal(before["walls"], after["walls"])
    np.testing.assert_array_equal(before["rewards"], after["rewards"])


def test_wall_on_the_agent_restarts_its_episode_and_edits_survive_a_session():
    engine = TabularQEngine(SMALL.replace(steps=40))
    run_to_end(engine)
    cell = engine.env.cell(engine.agent.state)
    if cell == engine.env.start:
        pytest.skip("the agent happens to stand on the start")
    try:
        engine.apply_edit(ToggleWall(cell=cell))
    except ValueError:
        pytest.skip("this wall would cut off the treasure")
    assert engine.agent.state == engine.env.start_state
    restored = TabularQEngine(SMALL.replace(steps=40))
    restored.load_state_dict(round_trip(engine.state_dict()))
    assert restored.env.walls[cell]
    np.testing.assert_array_equal(restored.snapshot().arrays["walls"], engine.env.walls)


def test_q_learning_collects_every_vanishing_chest():
    cfg = TabularQConfig(maze_size=7, seed=0, treasures=2, chests_vanish=True, epsilon=0.3,
                         exploring_starts=True, steps=40_000)
    engine = TabularQEngine(cfg)
    snap = run_to_end(engine)[-1]
    env = engine.env
    assert env.n_states == 49 * 4
    assert greedy_return(env, engine.agent.greedy_policy()) == 2.0
    assert snap.metrics["optimal_agreement"] > 0.9
    assert snap.arrays["collected"].shape == (7, 7)


def test_adding_a_chest_with_vanishing_chests_starts_a_new_table():
    cfg = TabularQConfig(maze_size=7, seed=0, chests_vanish=True, steps=300)
    engine = TabularQEngine(cfg)
    run_to_end(engine)
    assert engine.agent.Q.shape == (49 * 2, 4) and np.abs(engine.agent.Q).sum() > 0
    free = [tuple(c) for c in np.argwhere(~engine.env.walls & (engine.env.rewards == 0))]
    free.remove(engine.env.start)
    engine.apply_edit(SetReward(cell=free[0], value=1.0))
    assert engine.agent.Q.shape == (49 * 4, 4) and np.abs(engine.agent.Q).sum() == 0
    engine.cfg = cfg.replace(steps=600)
    run_to_end(engine)                    # and learning goes on in the bigger space
    restored = TabularQEngine(cfg.replace(steps=600))
    restored.load_state_dict(round_trip(engine.state_dict()))
    np.testing.assert_array_equal(restored.agent.Q, engine.agent.Q)
