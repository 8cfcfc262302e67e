"""Exercise A1.3: the label-noise band σ²xᵀ(XᵀX)⁻¹x and the input-noise SGD solution
against scikit-learn's Ridge (α = nλ)."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, Ridge

from engines.nn_basics.linear_noise import LinearNoiseEngine, band_variance, features
from engines.nn_basics.theory_configs import LinearNoiseConfig
from tests.engines.nn_helpers import run_to_end


def test_band_equals_the_formula_and_the_spread_of_the_refits():
    cfg = LinearNoiseConfig(degree=3, n_points=15, label_sigma=0.5, refits_per_step=200,
                            steps=200, seed=4)
    engine = LinearNoiseEngine(cfg)
    final = run_to_end(engine)[-1]
    X, x = engine.X, engine.x_grid
    explicit = np.array([cfg.label_sigma**2 * row @ np.linalg.inv(X.T @ X) @ row for row in x])
    np.testing.assert_allclose(final.arrays["band_sd"] ** 2, explicit, rtol=1e-9)
    np.testing.assert_allclose(band_variance(X, x, cfg.label_sigma), explicit, rtol=1e-9)
    # 40 000 refits: the empirical variance has relative standard error √(2/40000) = 0.7 %
    np.testing.assert_allclose(final.arrays["spread_sd"] ** 2, explicit, rtol=0.05)
    assert final.metrics["band_ratio"] == pytest.approx(1.0, abs=0.02)
    # the refits are unbiased: their mean deviation from f is within the Monte-Carlo error
    mean_dev = engine.fit_sum / engine.n_refits
    assert np.all(np.abs(mean_dev) < 5 * np.sqrt(explicit / engine.n_refits))


def test_least_squares_and_ridge_match_scikit_learn():
    engine = LinearNoiseEngine(LinearNoiseConfig(degree=4, n_points=20, input_lambda=0.03))
    n = engine.cfg.n_points
    ls = LinearRegression(fit_intercept=False).fit(engine.X, engine.y)
    np.testing.assert_allclose(engine.a_ls, ls.coef_, atol=1e-9)
    ridge = Ridge(alpha=n * 0.03, fit_intercept=False).fit(engine.X, engine.y)
    np.testing.assert_allclose(engine.a_ridge, ridge.coef_, atol=1e-10)


@pytest.mark.parametrize("changes", [{}, {"degree": 1, "n_points": 30, "input_lambda": 0.2}])
def test_input_noise_sgd_converges_to_ridge(changes):
    cfg = LinearNoiseConfig(**changes)
    engine = LinearNoiseEngine(cfg)
    final = run_to_end(engine)[-1]
    ridge = Ridge(alpha=cfg.n_points * cfg.input_lambda, fit_intercept=False).fit(engine.X, engine.y)
    np.testing.assert_allclose(final.arrays["a_sgd"], ridge.coef_, atol=1e-3)
    assert final.metrics["ridge_mismatch"] < 1e-3
    # and it is not the plain least-squares solution
    assert final.metrics["ls_ridge_distance"] > 10 * final.metrics["ridge_mismatch"]


@pytest.mark.slow
def test_input_noise_sgd_is_ridge_with_fewer_samples_than_parameters():
    cfg = LinearNoiseConfig(degree=7, n_points=5, steps=12000)
    engine = LinearNoiseEngine(cfg)
    final = run_to_end(engine)[-1]
    ridge = Ridge(alpha=cfg.n_points * cfg.input_lambda, fit_intercept=False).fit(engine.X, engine.y)
    np.testing.assert_allclose(final.arrays["a_sgd"], ridge.coef_, atol=3e-3)


def test_features_are_monomials():
    np.testing.assert_array_equal(features(np.array([2.0]), 3), [[1, 2, 4, 8]])
