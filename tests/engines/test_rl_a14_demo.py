"""The A1.4 demo engine: Q-learning on the two-loop MDP against the exact values."""
from __future__ import annotations

import numpy as np
import pytest

from engines.config import ConfigError
from engines.rl.a14_demo import A14Engine, LoopMDP, exact_q
from engines.rl.configs import A14Config
from engines.rl.counterexample import a14, gamma_star
from tests.engines.nn_helpers import assert_same_run, round_trip, run_to_end


def test_loop_mdp_pays_as_in_the_exercise():
    mdp = LoopMDP(n=3, r=1.0, r_prime=2.0)
    for action, expected in ((0, [1.0, 0, 0, 0]), (1, [0, 0, 0, 2.0])):
        s, rewards = 0, []
        s, r = mdp.step(s, action)
        rewards.append(r)
        while s != 0:
            s, r = mdp.step(s, 0)
            rewards.append(r)
        assert rewards == expected            # both loops: n+1 steps back to s0


@pytest.mark.parametrize("n,r,rp", [(5, 1.0, 2.0), (2, 0.5, 3.0), (10, 1.0, 1.5)])
def test_exact_q_is_consistent_with_the_loop_values(n, r, rp):
    for gamma in (0.3, gamma_star(n, r, rp), 0.97):
        ql, qr = exact_q(n, r, rp, gamma)
        res = a14(n, r, rp, gamma)
        assert max(ql, qr) == pytest.approx(max(res.v_left, res.v_right), rel=1e-12)


@pytest.mark.parametrize("gamma,choice", [(0.6, 0.0), (0.8, 0.0), (0.9, 1.0), (0.97, 1.0)])
def test_q_learning_learns_the_exact_q_and_the_choice_flips_at_gamma_star(gamma, choice):
    # γ* = 0.5 ** (1/5) = 0.8706: below it LEFT, above it RIGHT
    cfg = A14Config(n=5, r=1.0, r_prime=2.0, gamma=gamma, steps=60_000, alpha=0.5)
    snap = run_to_end(A14Engine(cfg))[-1]
    m = snap.metrics
    assert m["gamma_star"] == pytest.approx(0.5 ** 0.2)
    assert m["q_left"] == pytest.approx(m["q_left_exact"], rel=1e-6)
    assert m["q_right"] == pytest.approx(m["q_right_exact"], rel=1e-6)
    assert m["learned_choice"] == choice == m["exact_choice"]
    assert m["avg_right"] > m["avg_left"]          # right is always the better loop
    curves = snap.arrays
    i = int(np.searchsorted(curves["gamma_grid"], m["gamma_star"]))
    assert curves["v_left_curve"][i - 1] > curves["v_right_curve"][i - 1]
    assert curves["v_left_curve"][i + 1] < curves["v_right_curve"][i + 1]


def test_bad_input_gives_clear_messages():
    with pytest.raises(ConfigError, match="gamma.*< 1"):
        A14Config(gamma=1.0)
    with pytest.raises(ConfigError, match="r_prime"):
        A14Config(r=2.0, r_prime=1.0)


def test_deterministic_and_save_restore():
    cfg = A14Config(steps=500)
    assert_same_run(run_to_end(A14Engine(cfg))[-1], run_to_end(A14Engine(cfg), 5)[-1])
    first = A14Engine(cfg.replace(steps=213))
    run_to_end(first)
    second = A14Engine(cfg)
    second.load_state_dict(round_trip(first.state_dict()))
    assert_same_run(run_to_end(second)[-1], run_to_end(A14Engine(cfg))[-1])
