"""Bayes and the loss: −ln posterior = MSE term + L2 penalty; MAP = ridge regression."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from engines.bayes.configs import LossConfig
from engines.bayes.edits import Observe
from engines.bayes.loss import (MAP_WIDTHS, SCAN_WIDTHS, LossEngine, features, loss_terms,
                                ridge_scan)
from engines.config import ConfigError
from tests.engines.nn_helpers import assert_same_run, run_to_end
from tests.engines.test_bayes_common import continue_after_restore


@pytest.mark.parametrize("kind", ["polynomial", "fourier"])
def test_map_fit_is_ridge_regression_with_lambda_sigma2_over_alpha2(kind):
    from sklearn.linear_model import Ridge

    cfg = LossConfig(features=kind, n_features=9, prior_width=0.7, noise=0.3, steps=25)
    engine = LossEngine(cfg)
    run_to_end(engine)
    ridge = Ridge(alpha=cfg.noise**2 / cfg.prior_width**2, fit_intercept=False, solver="svd")
    ridge.fit(engine.phi, engine.y)
    np.testing.assert_allclose(engine.theta, ridge.coef_, rtol=1e-8, atol=1e-10)
    scan = ridge_scan(engine.phi, engine.y, cfg.noise, [cfg.prior_width, *MAP_WIDTHS])
    np.testing.assert_allclose(scan[0], engine.theta, rtol=1e-8, atol=1e-10)
    for width, theta in zip(MAP_WIDTHS, scan[1:]):
        ridge.set_params(alpha=cfg.noise**2 / width**2).fit(engine.phi, engine.y)
        np.testing.assert_allclose(theta, ridge.coef_, rtol=1e-6, atol=1e-8)


def test_negative_log_posterior_is_mse_term_plus_weight_penalty():
    cfg = LossConfig(n_features=6, prior_width=1.5, noise=0.25, steps=20, seed=2)
    engine = LossEngine(cfg)
    run_to_end(engine)
    post = multivariate_normal(engine.theta, engine.cov)
    rng = np.random.default_rng(0)
    diffs = []
    for _ in range(20):
        theta = engine.theta + rng.standard_normal(6)
        data, prior = loss_terms(engine.phi, engine.y, theta, cfg.noise, cfg.prior_width)
        diffs.append(-post.logpdf(theta) - (data + prior))
    np.testing.assert_allclose(diffs, diffs[0], atol=1e-8)     # equal up to a constant
    # the MAP minimises data term + penalty
    best = sum(loss_terms(engine.phi, engine.y, engine.theta, cfg.noise, cfg.prior_width))
    for _ in range(20):
        theta = engine.theta + 0.01 * rng.standard_normal(6)
        assert sum(loss_terms(engine.phi, engine.y, theta, cfg.noise, cfg.prior_width)) > best


def test_predictive_band_and_information_follow_the_gaussian_formulas():
    cfg = LossConfig(n_features=5, prior_width=2.0, noise=0.4, steps=15, seed=1)
    engine = LossEngine(cfg)
    run_to_end(engine)
    snap = engine.snapshot()
    phi = features(snap.arrays["x_plot"], cfg.features, 5)
    cov = np.linalg.inv(engine.phi.T @ engine.phi / 0.16 + np.eye(5) / 4.0)
    var_y = np.einsum("ij,jk,ik->i", phi, cov, phi) + 0.16
    np.testing.assert_allclose(snap.arrays["pred_std_y"] ** 2, var_y, rtol=1e-9)
    # information of the last point: ½ log2 det Σ_before / det Σ_after
    before = np.linalg.inv(engine.phi[:-1].T @ engine.phi[:-1] / 0.16 + np.eye(5) / 4.0)
    gain = 0.5 * (np.linalg.slogdet(before)[1] - np.linalg.slogdet(cov)[1]) / math.log(2)
    assert engine.records["gain"][-1] == pytest.approx(gain, rel=1e-8)
    kl = 0.5 * (np.trace(cov) / 4 + engine.theta @ engine.theta / 4 - 5 + 5 * math.log(4)
                - np.linalg.slogdet(cov)[1]) / math.log(2)
    assert snap.metrics["kl"] == pytest.approx(kl, rel=1e-9)


def test_the_prior_width_trades_training_error_against_overfitting():
    cfg = LossConfig(n_features=20, prior_width=100.0, noise=0.3, steps=25, seed=0)
    engine = LossEngine(cfg)
    run_to_end(engine)
    a = engine.snapshot().arrays
    train, test = a["scan_train"], a["scan_test"]
    assert np.all(np.diff(train) <= 1e-12)          # wider prior: closer to the data
    best = int(np.argmin(test))
    assert 0 < best < len(SCAN_WIDTHS) - 1           # too narrow and too wide both lose
    assert test[-1] > 2 * test[best]                 # the wide prior overfits


def test_clicked_points_and_refusals():
    engine = LossEngine(LossConfig(steps=3))
    engine.apply_edit(Observe(x=0.25, y=1.5))
    assert engine.xs == [0.25] and engine.ys == [1.5]
    with pytest.raises(ValueError, match="outside the input range"):
        engine.apply_edit(Observe(x=1.5, y=0.0))
    assert len(engine.xs) == 1


def test_zero_prior_width_is_refused():
    with pytest.raises(ConfigError, match="prior_width"):
        LossConfig(prior_width=0.0)
    with pytest.raises(ConfigError, match="noise"):
        LossConfig(noise=-0.1)


def test_a_restored_run_continues_with_the_same_numbers():
    cfg = LossConfig(steps=20, seed=3)
    assert_same_run(*continue_after_restore(LossEngine, cfg, 9,
                                            edits=[Observe(x=-0.5, y=0.2)]))
