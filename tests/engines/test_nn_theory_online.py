"""Exercise A1.2: the online estimate's mean and variance over many runs against the
closed forms, the decaying rate α_t and its α → 0 limit."""
from __future__ import annotations

import numpy as np
import pytest

from engines.nn_basics.online import (OnlineEngine, decaying_rate, decaying_variance_theory,
                                      mean_theory, variance_theory)
from engines.nn_basics.sgd_noise import stationary_variance
from engines.nn_basics.theory_configs import OnlineConfig
from tests.engines.nn_helpers import run_to_end

RUNS = 4000
TIMES = (1, 3, 10, 30, 100, 300)


@pytest.fixture(scope="module")
def run():
    cfg = OnlineConfig(mu=1.5, sigma=2.0, alpha=0.05, f0=-3.0, runs=RUNS, steps=300, seed=3)
    return cfg, run_to_end(OnlineEngine(cfg))[-1]


def test_mean_and_variance_over_runs_match_the_closed_forms(run):
    cfg, final = run
    h = final.history
    for t in TIMES:
        row = int(np.flatnonzero(h["step"] == t)[0])
        var_t = variance_theory(t, cfg.alpha, cfg.sigma)
        # E[f_t] = μ + (1−α)^t (f0 − μ): within 4 standard errors of the mean over runs
        assert abs(h["mean"][row] - mean_theory(t, cfg.alpha, cfg.mu, cfg.f0)) < 4 * np.sqrt(var_t / RUNS)
        # Var[f_t]: the sample variance has relative standard error √(2/(R−1))
        assert abs(h["variance"][row] / var_t - 1) < 4 * np.sqrt(2 / (RUNS - 1)), t
    # early on the estimate is visibly biased, at the end it is not
    first = int(np.flatnonzero(h["step"] == 1)[0])
    assert abs(h["bias"][first]) > 10 * np.sqrt(variance_theory(1, cfg.alpha, cfg.sigma) / RUNS)
    assert final.metrics["variance_theory"] == pytest.approx(cfg.alpha * cfg.sigma**2 / (2 - cfg.alpha))
    assert final.metrics["variance"] == pytest.approx(final.metrics["variance_theory"], rel=0.1)


def test_decaying_rate_is_unbiased_from_the_start_and_its_variance_is_right(run):
    cfg, final = run
    h = final.history
    for t in TIMES:
        row = int(np.flatnonzero(h["step"] == t)[0])
        var_t = decaying_variance_theory(t, cfg.alpha, cfg.sigma)
        assert abs(h["bias_decaying"][row]) < 4 * np.sqrt(var_t / RUNS), t
        assert abs(h["variance_decaying"][row] / var_t - 1) < 4 * np.sqrt(2 / (RUNS - 1)), t
        assert abs(h["variance_running_mean"][row] * t / cfg.sigma**2 - 1) < 4 * np.sqrt(2 / (RUNS - 1))
    assert decaying_variance_theory(1, cfg.alpha, cfg.sigma) == pytest.approx(cfg.sigma**2)


def test_decaying_rate_limits():
    t = np.arange(1, 200)
    assert decaying_rate(1, 0.3) == pytest.approx(1.0)
    np.testing.assert_allclose(decaying_rate(t, 1e-9), 1.0 / t, rtol=1e-6)   # the bonus question
    np.testing.assert_allclose(decaying_rate(t, 0.2), 0.2 / (1 - 0.8**t), rtol=1e-12)
    assert decaying_rate(1000, 0.1) == pytest.approx(0.1)                    # → α for large t


def test_online_limit_variance_is_the_sgd_noise_formula():
    # f_t is SGD with η = α, λ = 1, Var = σ², N = 1
    for alpha, sigma in ((0.05, 1.0), (0.5, 2.0), (0.9, 0.3)):
        assert stationary_variance(alpha, 1.0, sigma**2, 1) == pytest.approx(
            alpha * sigma**2 / (2 - alpha))
        assert variance_theory(10_000, alpha, sigma) == pytest.approx(alpha * sigma**2 / (2 - alpha))
