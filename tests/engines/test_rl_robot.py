"""The policy-gradient robot of lecture 9.2: exact returns, REINFORCE's gradient, the engine."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from engines.config import ConfigError
from engines.rl.robot import (
    NetworkPolicy, RobotConfig, RobotEngine, TabularPolicy, expected_return,
    leave_one_out_baseline, move_probabilities, on_target_probabilities, optimal_return,
    play_episodes, reinforce_gradient, returns_to_go, score_vectors)
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run, global_rng_untouched,
                                      round_trip, run_to_end)

N, T = 10, 20


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ---- the exact expected return ----------------------------------------------------------------
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_state_blind_policies_return_T_over_N(p):
    # If the robot moves with the same probability p on and off the target, its number of
    # moves K_t is independent of the start distance d_0, so d_t = d_0 − K_t mod N stays
    # uniform: P(on target) = 1/N at every step and E[R] = T/N (never move, always move, ...).
    assert expected_return(p, p, N, T) == pytest.approx(T / N, abs=1e-12)
    np.testing.assert_allclose(on_target_probabilities(p, p, N, T), 1.0 / N, atol=1e-12)


@pytest.mark.parametrize("n, t", [(10, 20), (10, 9), (10, 4), (2, 1), (7, 30)])
def test_optimal_policy_closed_form(n, t):
    # Move when off, stay when on: starting at distance d_0 = k > 0 the robot arrives at
    # time k and stays, so R = T − k + 1 for k <= T (else 0); k = 0 gives R = T.
    #   E[R] = (1/N) [T + Σ_{k=1}^{min(N−1, T)} (T − k + 1)]
    # and for T >= N − 1 this is T + 1 − 1/N − (N − 1)/2.
    exact = (t + sum(t - k + 1 for k in range(1, min(n - 1, t) + 1))) / n
    assert optimal_return(n, t) == pytest.approx(exact, abs=1e-12)
    assert expected_return(1.0, 0.0, n, t) == optimal_return(n, t)
    if t >= n - 1:
        assert optimal_return(n, t) == pytest.approx(t + 1 - 1 / n - (n - 1) / 2, abs=1e-12)
    # discounted: on target at the steps t' >= max(k, 1), each worth γ^{t'−1}
    gamma = 0.9
    disc = sum(gamma ** (s - 1) for k in range(n) for s in range(max(k, 1), t + 1)) / n
    assert expected_return(1.0, 0.0, n, t, gamma) == pytest.approx(disc, abs=1e-12)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_never_move_off_target_closed_form(q):
    # p_off = 0, p_on = q: only an episode starting on the target (probability 1/N) scores,
    # and it scores until the first move (after which the robot is stuck off the target):
    #   E[R] = (1/N) Σ_{t=1}^T (1 − q)^t = (1 − q)(1 − (1 − q)^T) / (q N).
    assert expected_return(0.0, q, N, T) == pytest.approx(
        (1 - q) * (1 - (1 - q) ** T) / (q * N), abs=1e-12)


def test_the_optimal_policy_is_best():
    grid = np.linspace(0.0, 1.0, 11)
    best = max(expected_return(a, b, N, T) for a in grid for b in grid)
    assert best == optimal_return(N, T) == pytest.approx(16.4)


@pytest.mark.parametrize("p_off, p_on, n, t", [
    (0.6, 0.35, 10, 20), (0.9, 0.1, 10, 20), (0.3, 0.0, 5, 12), (0.8, 0.5, 12, 6),
    (1.0, 0.0, 10, 20)])
def test_exact_return_matches_monte_carlo(p_off, p_on, n, t):
    rng = np.random.default_rng(7)
    episodes = play_episodes(np.array([p_off, p_on]), n, t, 20_000, rng)
    R = episodes.returns
    se = R.std(ddof=1) / np.sqrt(R.size)
    assert abs(R.mean() - expected_return(p_off, p_on, n, t)) < 4 * se + 1e-9
    # and the exact per-step probabilities of being on the target
    on = episodes.rewards.mean(axis=0)
    exact = on_target_probabilities(p_off, p_on, n, t)
    np.testing.assert_array_less(np.abs(on - exact), 4 * np.sqrt(exact * (1 - exact) / R.size)
                                 + 1e-9)


def test_episodes_follow_the_rules():
    rng = np.random.default_rng(0)
    ep = play_episodes(np.array([0.7, 0.4]), 6, 15, 200, rng)
    assert ep.positions.shape == (200, 16) and ep.actions.shape == (200, 15)
    np.testing.assert_array_equal((ep.positions[:, 1:] - ep.positions[:, :-1]) % 6, ep.actions)
    np.testing.assert_array_equal(ep.observations,
                                  ep.positions[:, :-1] == ep.targets[:, None])
    np.testing.assert_array_equal(ep.rewards, ep.positions[:, 1:] == ep.targets[:, None])
    assert ep.positions.min() >= 0 and ep.positions.max() <= 5
    # deterministic policies do what they say
    ep = play_episodes(np.array([1.0, 0.0]), 6, 15, 50, rng)
    assert ep.actions[ep.observations == 1].sum() == 0
    assert ep.actions[ep.observations == 0].min() == 1


# ---- REINFORCE ----------------------------------------------------------------------------------
def test_returns_to_go_and_baseline():
    r = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(returns_to_go(r, 1.0, True), [[2, 2, 1], [1, 0, 0]])
    np.testing.assert_allclose(returns_to_go(r, 0.5, True), [[0.75, 1.5, 1.0], [1, 0, 0]])
    np.testing.assert_allclose(returns_to_go(r, 0.5, False), [[0.75] * 3, [1, 1, 1]])
    G = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]])
    np.testing.assert_allclose(leave_one_out_baseline(G), [[4.0, 6.5], [3.0, 5.5], [2.0, 3.0]])


def test_tabular_score_vectors():
    # ∂ ln π(a|s) / ∂θ[s', b] = [s = s'] ([a = b] − π(b|s))
    policy = TabularPolicy(torch.Generator().manual_seed(3), init_scale=1.0)
    pi = torch.softmax(policy.theta, dim=-1).detach().numpy()
    J, p_move = score_vectors(policy)
    J = J.numpy()
    np.testing.assert_allclose(p_move, pi[:, 1], atol=1e-15)
    np.testing.assert_array_equal(p_move, move_probabilities(policy))
    for s in range(2):
        for a in range(2):
            expect = np.zeros((2, 2))
            expect[s] = np.eye(2)[a] - pi[s]
            np.testing.assert_allclose(J[2 * s + a], expect.ravel(), atol=1e-12)


@pytest.mark.parametrize("kind", ["tabular", "network"])
@pytest.mark.parametrize("baseline", [True, False])
def test_per_episode_gradients_equal_autograd_of_the_surrogate(kind, baseline):
    # mean_i Σ_t A_t ∂ ln π(a_t|s_t), computed directly by backpropagating the surrogate
    # (1/M) Σ_i Σ_t A_t ln π(a_t|s_t), equals the estimate built from the four score vectors.
    g = torch.Generator().manual_seed(1)
    policy = TabularPolicy(g, init_scale=1.0) if kind == "tabular" else NetworkPolicy(8, g)
    ep = play_episodes(move_probabilities(policy), N, T, 16, np.random.default_rng(2))
    est = reinforce_gradient(score_vectors(policy)[0], ep, 0.9, True, baseline)
    G = returns_to_go(ep.rewards, 0.9, True)
    A = G - leave_one_out_baseline(G) if baseline else G
    logp = torch.log_softmax(policy.logits(torch.from_numpy(ep.observations)), dim=-1)
    chosen = logp.gather(-1, torch.from_numpy(ep.actions)[..., None])[..., 0]
    surrogate = (torch.from_numpy(A) * chosen).sum() / len(A)
    grads = torch.autograd.grad(surrogate, list(policy.parameters()))
    np.testing.assert_allclose(est.mean.numpy(), torch.cat([x.reshape(-1) for x in grads]),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(est.per_sample.mean(axis=0), est.mean.numpy())


def finite_difference_gradient(theta: np.ndarray, gamma: float = 1.0, h: float = 1e-5):
    """∂ E[R] / ∂θ[s, a] of the tabular softmax policy, by central differences."""
    def value(th):
        p = sigmoid(th[:, 1] - th[:, 0])        # π(move|s) of the 2x2 logit table
        return expected_return(p[0], p[1], N, T, gamma)

    grad = np.zeros(4)
    for k in range(4):
        step = np.zeros(4)
        step[k] = h
        grad[k] = (value(theta + step.reshape(2, 2)) - value(theta - step.reshape(2, 2))) / (2 * h)
    return grad


@pytest.mark.parametrize("reward_to_go, baseline, gamma", [
    (True, True, 1.0), (True, False, 1.0), (False, True, 1.0), (False, False, 1.0),
    # the whole discounted return R^(γ)_1 gives the gradient of E[Σ_t γ^{t−1} r_t]
    (False, True, 0.8)])
def test_reinforce_is_an_unbiased_gradient(reward_to_go, baseline, gamma):
    policy = TabularPolicy(torch.Generator().manual_seed(0))
    theta = np.array([[0.3, 0.8], [0.2, -0.4]])         # π(move|off) 0.62, π(move|on) 0.35
    with torch.no_grad():
        policy.theta.copy_(torch.from_numpy(theta))
    rng = np.random.default_rng(11)
    scores, p_move = score_vectors(policy)
    means = np.array([reinforce_gradient(scores, play_episodes(p_move, N, T, 64, rng), gamma,
                                         reward_to_go, baseline).mean.numpy()
                      for _ in range(150)])
    estimate = means.mean(axis=0)
    se = means.std(axis=0, ddof=1) / np.sqrt(len(means))
    exact = finite_difference_gradient(theta, gamma)
    assert np.abs(exact).max() > 0.2                    # a gradient worth checking
    np.testing.assert_array_less(np.abs(estimate - exact), 4 * se)


def test_reward_to_go_and_baseline_reduce_the_variance():
    # All four engines start from the same policy and play the same episodes (the options
    # do not consume randomness), so their grad_variance values are directly comparable.
    base = RobotConfig(batch_episodes=2000, steps=1)
    var = {(rtg, bl): RobotEngine(base.replace(reward_to_go=rtg, baseline=bl))
           .snapshot().metrics["grad_variance"]
           for rtg in (True, False) for bl in (True, False)}
    assert var[True, False] < 0.7 * var[False, False]     # only future rewards
    assert var[False, True] < 0.7 * var[False, False]     # baseline
    assert var[True, True] < 0.7 * var[True, False]       # both
    assert var[True, True] == min(var.values())


# ---- the engine -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["tabular", "network"])
@pytest.mark.parametrize("baseline", [True, False])
def test_the_robot_learns(kind, baseline):
    snap = run_to_end(RobotEngine(RobotConfig(policy=kind, baseline=baseline)))[-1]
    m = snap.metrics
    assert m["pi_move_off"] > 0.9 and 1.0 - m["pi_move_on"] > 0.9
    assert m["expected_return"] > 0.97 * m["optimal_return"]
    assert m["optimal_return"] == pytest.approx(16.4)
    np.testing.assert_array_equal(snap.arrays["pi_move"], [m["pi_move_off"], m["pi_move_on"]])
    h = snap.history
    assert h["expected_return"][0] < 0.5 * m["optimal_return"] < h["expected_return"][-1]


def test_sgd_learns():
    snap = run_to_end(RobotEngine(RobotConfig(optimizer="sgd", steps=150)))[-1]
    assert snap.metrics["pi_move_off"] > 0.9 and snap.metrics["pi_move_on"] < 0.1


SMALL = RobotConfig(steps=40, batch_episodes=8, n_sites=6, episode_length=10)
VARIANTS = {"tabular": {}, "network-sgd": dict(policy="network", hidden=8, optimizer="sgd"),
            "whole-return": dict(reward_to_go=False, baseline=False, gamma=0.9)}


@pytest.mark.parametrize("variant", VARIANTS)
def test_engine_is_deterministic(variant):
    cfg = SMALL.replace(**VARIANTS[variant])
    a = run_to_end(RobotEngine(cfg))[-1]
    b = run_to_end(RobotEngine(cfg), snapshot_hz=5)[-1]
    assert_same_run(a, b)
    c = run_to_end(RobotEngine(cfg.replace(seed=1)))[-1]
    assert c.metrics != a.metrics
    assert not np.array_equal(c.history["mean_return"], a.history["mean_return"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_engine_save_restore_continues_identically(variant):
    n, m = 17, 23
    cfg = SMALL.replace(**VARIANTS[variant])
    whole = run_to_end(RobotEngine(cfg.replace(steps=n + m)))[-1]
    first = RobotEngine(cfg.replace(steps=n))
    run_to_end(first)
    state = round_trip(first.state_dict())
    second = RobotEngine(cfg.replace(steps=n + m, seed=5))   # the state replaces everything
    second.load_state_dict(state)
    assert second.step == n
    assert_same_run(second.snapshot(), first.snapshot())
    assert_same_run(run_to_end(second)[-1], whole)


def test_restore_into_another_policy_fails():
    state = round_trip(RobotEngine(SMALL).state_dict())
    with pytest.raises(ValueError, match="does not fit"):
        RobotEngine(SMALL.replace(policy="network")).load_state_dict(state)


def test_snapshot_contents():
    engine = RobotEngine(SMALL)
    snap = run_to_end(engine)[-1]
    assert snap.final and snap.step == snap.epoch == SMALL.steps
    assert set(snap.metrics) >= {"mean_return", "expected_return", "optimal_return",
                                 "pi_move_off", "pi_move_on", "grad_variance"}
    assert all(isinstance(v, float) for v in snap.metrics.values())
    a = snap.arrays
    assert a["pi_move"].dtype == np.float64 and a["pi_move"].shape == (2,)
    assert a["positions"].dtype == np.int64 and a["positions"].shape == (11,)
    assert a["target"].dtype == np.int64 and a["target"].shape == (1,)
    assert a["rewards"].dtype == np.float64 and a["rewards"].shape == (10,)
    np.testing.assert_array_equal(a["n_sites"], np.array([6], dtype=np.int64))
    np.testing.assert_array_equal(a["rewards"], a["positions"][1:] == a["target"][0])
    assert set(np.diff(a["positions"]) % 6) <= {0, 1}
    assert snap.metrics["optimal_return"] == optimal_return(6, 10)
    h = snap.history
    assert set(h) >= {"step", "mean_return", "expected_return", "pi_move_off", "pi_move_on"}
    assert len(h["step"]) == SMALL.steps + 1
    # a pure read that hands out copies
    rng_state = engine.rng.bit_generator.state
    a["positions"][:] = -1
    a["pi_move"][:] = -1
    again = engine.snapshot(final=True)
    assert again.arrays["positions"].min() >= 0 and again.arrays["pi_move"].min() >= 0
    assert engine.rng.bit_generator.state == rng_state
    assert_same_run(again, engine.snapshot(final=True))


def test_mean_return_samples_the_expected_return():
    # The batch behind the metrics is played with the current policy: over a run its mean
    # return scatters around the exact expected return of that same policy.
    snap = run_to_end(RobotEngine(RobotConfig(steps=60, batch_episodes=16)))[-1]
    h = snap.history
    diff = h["mean_return"] - h["expected_return"]
    assert abs(diff.mean()) < 4 * diff.std() / np.sqrt(diff.size)


def test_single_episode_batches_without_baseline():
    snap = run_to_end(RobotEngine(SMALL.replace(batch_episodes=1, baseline=False)))[-1]
    assert np.isfinite(snap.metrics["grad_variance"])


def test_engine_drive_with_cancelled_control():
    assert_cancelled_before_start(RobotEngine(SMALL))


def test_engine_leaves_global_rng_alone():
    with global_rng_untouched():
        run_to_end(RobotEngine(SMALL.replace(policy="network", hidden=4, steps=5)))


def test_config_errors():
    with pytest.raises(ConfigError, match="batch_episodes"):
        RobotConfig(batch_episodes=1)
    RobotConfig(batch_episodes=1, baseline=False)
    for key, value in [("n_sites", 1), ("episode_length", 0), ("gamma", 1.5), ("gamma", -0.1),
                       ("learning_rate", 0.0), ("hidden", 0), ("policy", "table"),
                       ("optimizer", "rmsprop"), ("baseline", "yes"), ("steps", 0)]:
        with pytest.raises(ConfigError) as info:
            RobotConfig(**{key: value})
        assert info.value.key == key
    with pytest.raises(ConfigError, match="unknown"):
        RobotConfig.from_dict({"sites": 5})
    assert RobotConfig.from_dict({"policy": "network", "gamma": "0.5"}).gamma == 0.5
