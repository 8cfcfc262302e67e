"""Deep RL on classic control (PPO, A2C, DQN): hand-checked losses, gymnasium episodes,
and the ControlEngine contract (determinism, save/restore, snapshots, config errors)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engines.config import ConfigError
from engines.rl.a2c import A2CEngine
from engines.rl.control import ControlConfig, ControlEngine
from engines.rl.dqn import DQNEngine, td_targets
from engines.rl.envs import (GymEngine, RolloutBuffer, VectorEnv, categorical_entropy,
                             categorical_log_prob, env_spec, gae, gaussian_entropy,
                             gaussian_log_prob)
from engines.rl.ppo import PPOEngine, clipped_surrogate
from engines.runtime import Control, drive
from tests.engines.nn_helpers import (assert_same_run, global_rng_untouched, round_trip,
                                      run_to_end)

# Small but complete: several envs, short rollouts, minibatches, an early DQN start, so
# every update path and every random stream is used within a few hundred steps.
SMALL = {
    "ppo": ControlConfig(n_envs=3, rollout_steps=16, update_epochs=2, minibatches=4,
                         hidden=16, entropy_coef=0.01, steps=70),
    "a2c": ControlConfig(algorithm="a2c", n_envs=3, rollout_steps=5, hidden=16,
                         entropy_coef=0.01, steps=70),
    "dqn": ControlConfig(algorithm="dqn", n_envs=2, hidden=16, buffer_size=100,
                         batch_size=16, learning_starts=20, target_update=7,
                         exploration_steps=60, steps=70),
    "ppo-pendulum": ControlConfig(env="Pendulum-v1", n_envs=2, rollout_steps=16,
                                  update_epochs=2, minibatches=2, hidden=16, steps=70),
}
RUNS = tuple(SMALL)
METRICS = {"episode_return", "mean_return_20", "episodes", "env_steps"}
AGENT_METRICS = {
    "ppo": {"policy_loss", "value_loss", "entropy", "clip_fraction", "approx_kl"},
    "a2c": {"policy_loss", "value_loss", "entropy"},
    "dqn": {"td_loss", "epsilon", "q_mean"},
}


def algorithm_of(run: str) -> str:
    return run.split("-")[0]


# ---- PPO's clipped objective on hand-made numbers -------------------------------------
def test_clipped_surrogate_by_hand():
    ratios = [1.5, 0.5, 1.1, 0.9, 0.5, 1.5]
    adv = [1.0, 1.0, -2.0, -1.0, -1.0, -1.0]
    new_logp = torch.tensor([math.log(r) for r in ratios], dtype=torch.float64,
                            requires_grad=True)
    old_logp = torch.zeros(6, dtype=torch.float64)
    loss, clip_fraction, approx_kl = clipped_surrogate(
        new_logp, old_logp, torch.tensor(adv, dtype=torch.float64), clip=0.2)
    # min(A ρ, A clip(ρ, 0.8, 1.2)) sample by sample:
    #   A=+1, ρ=1.5: min(1.5, 1.2) = 1.2     (clipped: no gain from raising ρ further)
    #   A=+1, ρ=0.5: min(0.5, 0.8) = 0.5
    #   A=−2, ρ=1.1: min(−2.2, −2.2) = −2.2  (inside the clip range)
    #   A=−1, ρ=0.9: min(−0.9, −0.9) = −0.9
    #   A=−1, ρ=0.5: min(−0.5, −0.8) = −0.8  (clipped)
    #   A=−1, ρ=1.5: min(−1.5, −1.2) = −1.5  (the pessimistic, unclipped term)
    expected = -(1.2 + 0.5 - 2.2 - 0.9 - 0.8 - 1.5) / 6
    assert loss.item() == pytest.approx(expected, abs=1e-12)
    assert clip_fraction == pytest.approx(4 / 6)          # |ρ − 1| > 0.2 for 1.5, 0.5 (x2)
    kl = [(r - 1) - math.log(r) for r in ratios]           # E[(ρ − 1) − ln ρ]
    assert approx_kl == pytest.approx(sum(kl) / 6, abs=1e-12)
    assert approx_kl > 0
    # The gradient: ∂/∂ln π' of −A ρ / 6 = −A ρ / 6 where the unclipped term is the min,
    # 0 where the clipped (constant) one is.
    loss.backward()
    grad = [-a * r / 6 for a, r in zip(adv, ratios)]
    grad[0] = grad[4] = 0.0
    np.testing.assert_allclose(new_logp.grad.numpy(), grad, atol=1e-12)


def test_clip_diagnostics_by_hand():
    # ρ = π'/π equal to 1 everywhere: nothing clipped, KL zero, loss = −E[A].
    same = torch.log(torch.tensor([0.2, 0.7, 0.5]))
    adv = torch.tensor([1.0, -2.0, 4.0])
    loss, clip_fraction, approx_kl = clipped_surrogate(same, same, adv, 0.1)
    assert loss.item() == pytest.approx(-1.0) and clip_fraction == 0.0 and approx_kl == 0.0
    # Probabilities 0.5 -> 0.6 and 0.5 -> 0.25: ρ = 1.2 (inside ε = 0.25), 0.5 (outside).
    old = torch.log(torch.tensor([0.5, 0.5]))
    new = torch.log(torch.tensor([0.6, 0.25]))
    _, clip_fraction, approx_kl = clipped_surrogate(new, old, torch.ones(2), 0.25)
    assert clip_fraction == pytest.approx(0.5)
    expected_kl = ((0.2 - math.log(1.2)) + (-0.5 - math.log(0.5))) / 2   # 0.0044 + 0.1931
    assert approx_kl == pytest.approx(expected_kl, rel=1e-6)


# ---- distributions --------------------------------------------------------------------
def test_gaussian_policy_matches_torch_normal():
    g = torch.Generator().manual_seed(0)
    mean = torch.randn(5, 2, generator=g, dtype=torch.float64)
    log_std = torch.tensor([-0.3, 0.7], dtype=torch.float64)
    actions = torch.randn(5, 2, generator=g, dtype=torch.float64)
    normal = torch.distributions.Normal(mean, log_std.exp())
    np.testing.assert_allclose(gaussian_log_prob(mean, log_std, actions),
                               normal.log_prob(actions).sum(-1), rtol=1e-12)
    np.testing.assert_allclose(gaussian_entropy(log_std, 5), normal.entropy().sum(-1),
                               rtol=1e-12)


def test_categorical_policy_matches_torch_categorical():
    logits = torch.tensor([[0.0, 1.0], [2.0, -1.0], [0.3, 0.3]], dtype=torch.float64)
    actions = torch.tensor([1, 1, 0])
    dist = torch.distributions.Categorical(logits=logits)
    np.testing.assert_allclose(categorical_log_prob(logits, actions), dist.log_prob(actions))
    np.testing.assert_allclose(categorical_entropy(logits), dist.entropy())


# ---- GAE and bootstrapping ------------------------------------------------------------
def test_gae_by_hand_with_termination_and_truncation():
    gamma, lam = 0.9, 0.8
    # One environment, 3 steps: t=0 ordinary, t=1 terminates, t=2 is cut off by the time
    # limit in a state s' worth V(s') = 2.0.
    rewards = torch.tensor([[1.0], [2.0], [3.0]], dtype=torch.float64)
    values = torch.tensor([[0.5], [1.0], [1.5]], dtype=torch.float64)
    next_values = torch.tensor([[1.0], [99.0], [2.0]], dtype=torch.float64)  # 99: ignored
    terminated = torch.tensor([[False], [True], [False]])
    truncated = torch.tensor([[False], [False], [True]])
    adv, ret = gae(rewards, values, next_values, terminated, truncated, gamma, lam)
    # δ2 = 3 + 0.9·2.0 − 1.5 = 3.3      (truncation: bootstrap from V(s'))
    # δ1 = 2 + 0        − 1.0 = 1.0      (termination: no future)
    # δ0 = 1 + 0.9·1.0 − 0.5 = 1.4
    # A2 = 3.3;  A1 = δ1 = 1.0 (the episode ended, A2 belongs to the next one);
    # A0 = 1.4 + 0.9·0.8·1.0 = 2.12
    np.testing.assert_allclose(adv[:, 0], [2.12, 1.0, 3.3], rtol=1e-12)
    np.testing.assert_allclose(ret[:, 0], [2.62, 2.0, 4.8], rtol=1e-12)


def test_rollout_buffer_bootstraps_truncation_not_termination():
    spec = env_spec("CartPole-v1")
    buf = RolloutBuffer(3, 2, spec)
    buf.values[:] = torch.tensor([[0.5, 1.0], [1.0, 2.0], [1.5, 3.0]])
    buf.rewards[:] = torch.tensor([[1.0, 1.0], [2.0, 1.0], [3.0, 1.0]])
    # env 0: terminates at t=1; env 1: truncated at t=0 with V(s') = 4.0
    buf.terminated[1, 0] = True
    buf.truncated[0, 1] = True
    buf.final_values[0, 1] = 4.0
    last = torch.tensor([7.0, 5.0])
    next_values = buf.next_values(last)
    np.testing.assert_allclose(next_values[:, 1], [4.0, 3.0, 5.0])
    assert next_values[0, 0] == 1.0 and next_values[2, 0] == 7.0
    adv, _ = buf.advantages(last, gamma=0.5, lam=1.0)
    # env 1, λ = 1: A2 = 1 + 0.5·5 − 3 = 0.5, A1 = 1 + 0.5·3 − 2 + 0.5·0.5 = 0.75,
    # A0 = 1 + 0.5·4 − 1 = 2.0 (truncated: bootstrap from V(s') = 4, no carry-over)
    np.testing.assert_allclose(adv[:, 1], [2.0, 0.75, 0.5])
    # env 0: A1 = 2 − 1 = 1 (terminal), A0 = 1 + 0.5·1 − 0.5 + 0.5·1 = 1.5, A2 = 3 + 3.5 − 1.5
    np.testing.assert_allclose(adv[:, 0], [1.5, 1.0, 5.0])


def test_dqn_target_by_hand():
    rewards = torch.tensor([1.0, 1.0])
    next_q = torch.tensor([[2.0, 3.0], [5.0, 4.0]])
    terminated = torch.tensor([0.0, 1.0])
    np.testing.assert_allclose(td_targets(rewards, next_q, terminated, 0.9), [3.7, 1.0])


# ---- gymnasium through the API --------------------------------------------------------
def balance(envs: VectorEnv) -> np.ndarray:
    """A hand-made CartPole controller: push towards where the pole falls."""
    states = np.stack([envs.physical_state(i) for i in range(envs.n)])
    x, x_dot, theta, theta_dot = states.T
    return (theta + 0.5 * theta_dot + 0.01 * x + 0.1 * x_dot > 0).astype(np.int64)


def test_cartpole_episodes_terminate_or_truncate_at_500():
    envs = VectorEnv("CartPole-v1", 2, seed=0)
    rng = np.random.default_rng(0)
    finished = []
    for _ in range(200):                                   # random policy: pole falls
        step = envs.step(rng.integers(2, size=2))
        assert np.all(step.reward == 1.0)
        assert not np.any(step.terminated & step.truncated)
        finished += [(ret, length, bool(step.truncated[i])) for i, ret, length in step.finished]
    assert len(finished) >= 4
    for ret, length, trunc in finished:
        assert ret == length and length < 500 and not trunc
    envs = VectorEnv("CartPole-v1", 1, seed=1)
    for t in range(1, 501):                                # a good controller: time limit
        step = envs.step(balance(envs))
        if step.done[0]:
            break
    assert t == 500 and step.truncated[0] and not step.terminated[0]
    assert step.finished == [(0, 500.0, 500)]
    assert envs.episode_length[0] == 0                      # reset for the next episode
    # the final observation is the end state, not the new episode's start
    assert not np.array_equal(step.final_obs[0], step.obs[0])


def test_pendulum_rewards_and_truncation():
    envs = VectorEnv("Pendulum-v1", 2, seed=0)
    rng = np.random.default_rng(0)
    rewards = []
    for t in range(200):
        step = envs.step(rng.uniform(-3, 3, size=(2, 1)))   # clipped to [−2, 2]
        rewards.append(step.reward)
        assert np.all(np.abs(envs.last_action) <= 2.0)
        assert not step.terminated.any()
    assert step.truncated.all() and len(step.finished) == 2
    rewards = np.array(rewards)
    assert rewards.min() >= -16.2736044 and rewards.max() <= 0.0
    np.testing.assert_allclose([r for _, r, _ in step.finished], rewards.sum(axis=0))
    assert envs.physical_state(0).shape == (2,)


@pytest.mark.parametrize("name", ["CartPole-v1", "Pendulum-v1"])
def test_env_save_restore_is_exact(name):
    def act(envs, k):
        if name == "CartPole-v1":
            return np.array([(k * 7 + i) % 3 % 2 for i in range(envs.n)])
        return np.array([[np.sin(k + i)] for i in range(envs.n)]) * 2

    a = VectorEnv(name, 3, seed=5)
    for k in range(150):
        a.step(act(a, k))
    state = round_trip(a.state_dict())
    b = VectorEnv(name, 3, seed=99)
    b.load_state_dict(state)
    for k in range(150, 500):                              # crosses resets (new draws)
        sa, sb = a.step(act(a, k)), b.step(act(b, k))
        np.testing.assert_array_equal(sa.obs, sb.obs)
        np.testing.assert_array_equal(sa.reward, sb.reward)
        np.testing.assert_array_equal(sa.truncated, sb.truncated)
        assert sa.finished == sb.finished
    np.testing.assert_array_equal(a.physical_state(2), b.physical_state(2))


# ---- the engine contract --------------------------------------------------------------
@pytest.mark.parametrize("run", RUNS)
def test_same_seed_same_numbers_different_seed_differs(run):
    cfg = SMALL[run]
    a = run_to_end(ControlEngine(cfg))[-1]
    assert_same_run(a, run_to_end(ControlEngine(cfg))[-1])
    b = run_to_end(ControlEngine(cfg.replace(seed=1)))[-1]
    assert not np.array_equal(a.arrays["env_state"], b.arrays["env_state"])
    assert a.metrics != b.metrics


@pytest.mark.parametrize("run", RUNS)
def test_save_restore_continues_identically(run):
    """Save after N steps (mid-rollout), restore into a NEW engine with steps = N + M."""
    cfg = SMALL[run]
    n, m = 37, 45        # 37 is not a multiple of any rollout length; DQN already learns
    whole = run_to_end(ControlEngine(cfg.replace(steps=n + m)))[-1]
    first = ControlEngine(cfg.replace(steps=n))
    run_to_end(first)
    state = round_trip(first.state_dict())
    second = ControlEngine(cfg.replace(steps=n + m))
    second.load_state_dict(state)
    assert second.step == n
    assert_same_run(run_to_end(second)[-1], whole)


@pytest.mark.parametrize("run", RUNS)
def test_snapshot_keys_and_copies(run):
    cfg = SMALL[run]
    engine = ControlEngine(cfg)
    first = engine.snapshot()
    assert first.metrics["mean_return_20"] == 0.0 and first.metrics["episode_return"] == 0.0
    final = run_to_end(engine)[-1]
    expected = METRICS | AGENT_METRICS[algorithm_of(run)]
    assert set(final.metrics) == expected
    assert set(final.history) == expected | {"step"}
    assert all(isinstance(v, float) and math.isfinite(v) for v in final.metrics.values())
    assert final.step == cfg.steps
    assert final.metrics["env_steps"] == cfg.steps * cfg.n_envs
    assert final.epoch == final.metrics["episodes"] == len(final.arrays["episode_returns"])
    state = final.arrays["env_state"]
    assert state.dtype == np.float64 and state.shape == ((4,) if cfg.env == "CartPole-v1"
                                                         else (2,))
    assert final.arrays["action"].dtype == np.float64 and final.arrays["action"].shape == (1,)
    assert final.arrays["episode_returns"].dtype == np.float64
    again = engine.snapshot(final=True)
    assert_same_run(again, final)
    for arr in final.arrays.values():
        arr[...] = 12345
    assert_same_run(engine.snapshot(final=True), again)


def test_episode_bookkeeping():
    cfg = SMALL["ppo"].replace(steps=300)
    snap = run_to_end(ControlEngine(cfg))[-1]
    returns = snap.arrays["episode_returns"]
    assert len(returns) >= 20
    assert snap.metrics["episode_return"] == returns[-1]
    assert snap.metrics["mean_return_20"] == pytest.approx(returns[-20:].mean())
    dqn = run_to_end(ControlEngine(SMALL["dqn"].replace(learning_starts=10_000, steps=10)))
    assert dqn[-1].metrics["td_loss"] == dqn[-1].metrics["q_mean"] == 0.0
    assert dqn[-1].metrics["epsilon"] < 1.0


@pytest.mark.parametrize("run", ["ppo", "dqn"])
def test_construction_leaves_global_rng_alone(run):
    torch.manual_seed(1234)
    np.random.seed(1234)
    with global_rng_untouched():
        engine = ControlEngine(SMALL[run])
        for _ in range(30):
            engine.train_step()
            engine.step += 1
        engine.snapshot()


def test_pendulum_ppo_runs():
    snap = run_to_end(ControlEngine(SMALL["ppo-pendulum"].replace(steps=250)))[-1]
    assert snap.metrics["episodes"] == 2                       # 2 envs × 200 steps
    assert -16.28 * 200 <= snap.metrics["episode_return"] <= 0.0
    assert abs(snap.arrays["action"][0]) <= 2.0
    assert snap.metrics["entropy"] > 0.0


def test_control_engine_dispatches_by_algorithm():
    for run, cls in (("ppo", PPOEngine), ("a2c", A2CEngine), ("dqn", DQNEngine)):
        engine = ControlEngine(SMALL[run])
        assert type(engine) is cls and isinstance(engine, GymEngine)
        assert engine.Config is ControlConfig and engine.step == 0
    with pytest.raises(TypeError):
        ControlEngine(object())


# ---- config errors --------------------------------------------------------------------
def test_config_errors():
    with pytest.raises(ConfigError) as info:
        ControlConfig(algorithm="dqn", env="Pendulum-v1")
    assert info.value.key == "algorithm" and "continuous" in str(info.value)
    with pytest.raises(ConfigError) as info:
        ControlConfig(gamma=1.0)
    assert info.value.key == "gamma" and "< 1" in str(info.value)
    for key, bad in [("n_envs", 0), ("clip", 0.0), ("learning_rate", 1.0), ("env", "Acrobot"),
                     ("algorithm", "sac"), ("hidden", 1), ("epsilon_end", 1.5)]:
        with pytest.raises(ConfigError) as info:
            ControlConfig(**{key: bad})
        assert info.value.key == key
    with pytest.raises(ConfigError) as info:
        ControlConfig.from_dict({"steps": "many"})
    assert info.value.key == "steps"
    ControlConfig(algorithm="dqn")                             # fine on CartPole
    ControlConfig(env="Pendulum-v1", algorithm="a2c")


# ---- learning, briefly ----------------------------------------------------------------
RANDOM_CARTPOLE = 23.0      # mean return of uniformly random actions (about 22)


def test_random_policy_baseline():
    envs = VectorEnv("CartPole-v1", 4, seed=0)
    rng, returns = np.random.default_rng(0), []
    while len(returns) < 200:
        returns += [r for _, r, _ in envs.step(rng.integers(2, size=4)).finished]
    assert 15 < np.mean(returns) < RANDOM_CARTPOLE


@pytest.mark.parametrize("algorithm, changes, at_least", [
    ("ppo", dict(steps=1000), 80.0),                        # 8000 transitions
    ("a2c", dict(algorithm="a2c", rollout_steps=8, gae_lambda=1.0, entropy_coef=0.01,
                 steps=1500), 60.0),                        # 12000 transitions
    ("dqn", dict(algorithm="dqn", n_envs=2, batch_size=32, learning_starts=500,
                 exploration_steps=3000, steps=2000), 50.0),  # 4000 transitions
])
def test_learning_beats_a_random_policy(algorithm, changes, at_least):
    snap = run_to_end(ControlEngine(ControlConfig(**changes)))[-1]
    assert snap.metrics["mean_return_20"] >= at_least > 2 * RANDOM_CARTPOLE


@pytest.mark.slow
def test_ppo_solves_cartpole_with_the_defaults():
    """Mean return of the last 20 episodes reaches 475 within the default budget."""
    engine = ControlEngine(ControlConfig(seed=0))
    for _ in drive(engine, Control(snapshot_hz=20)):
        if engine.solved():
            break
    assert engine.mean_recent_return() >= 475.0, engine.mean_recent_return()
    assert engine.step <= engine.cfg.steps
