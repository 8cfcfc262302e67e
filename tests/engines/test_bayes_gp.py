"""Gaussian random processes: rank-one updates = batch formulas = scikit-learn."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engines.bayes.configs import GP_LENGTH, GPConfig
from engines.bayes.edits import Observe
from engines.bayes.gp import GPEngine
from engines.bayes.gp_math import (SE_NUGGET, batch_posterior, lattice, precision_posterior,
                                   prior_covariance, prior_precision, rank_one_update,
                                   se_kernel)
from engines.config import ConfigError
from tests.engines.nn_helpers import assert_same_run, run_to_end
from tests.engines.test_bayes_common import continue_after_restore

LATTICE_PRIORS = ("random_walk", "smoothness")


def measured(engine) -> tuple[np.ndarray, np.ndarray]:
    return (np.asarray(engine.records["site"], dtype=int), np.asarray(engine.records["y"]))


def click_some(engine, points) -> None:
    for t, y in points:
        engine.apply_edit(Observe(t=t, y=y))


POINTS = [(1.0, 0.5), (2.5, -0.3), (2.55, -0.1), (6.0, 1.2), (6.0, 0.9), (9.7, -0.8)]


@pytest.mark.parametrize("prior", LATTICE_PRIORS)
def test_rank_one_updates_equal_the_lecture_precision_form_and_the_batch_formula(prior):
    engine = GPEngine(GPConfig(prior=prior, n_points=80, steps=12, seed=1))
    run_to_end(engine)
    click_some(engine, POINTS)          # also repeated sites
    sites, ys = measured(engine)
    # the lecture: C'^-1 = C^-1 + Σ |γ><γ| / Z²,  φ̄' = C' Σ |γ> y / Z²   (dense inverse)
    mean, cov = precision_posterior(prior_precision(engine.cfg), sites, ys, engine.cfg.noise)
    np.testing.assert_allclose(engine.mean, mean, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(engine.cov, cov, rtol=1e-7, atol=1e-9)
    # the precision bookkeeping is the lecture's rank-one update of the inverse
    expected_added = np.bincount(sites, minlength=80) / engine.cfg.noise**2
    np.testing.assert_allclose(engine.precision_added, expected_added)
    np.testing.assert_allclose(np.linalg.inv(prior_precision(engine.cfg)
                                             + np.diag(engine.precision_added)),
                               engine.cov, rtol=1e-7, atol=1e-9)
    # all measurements at once (covariance form)
    b_mean, b_cov = batch_posterior(np.zeros(80), engine.prior_cov, sites, ys, engine.cfg.noise)
    np.testing.assert_allclose(engine.mean, b_mean, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(engine.cov, b_cov, rtol=1e-9, atol=1e-11)


def test_squared_exponential_agrees_with_scikit_learn():
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    cfg = GPConfig(prior="squared_exponential", n_points=150, amplitude=1.3, length_scale=0.8,
                   noise=0.25, steps=15, seed=2)
    engine = GPEngine(cfg)
    run_to_end(engine)
    click_some(engine, POINTS)
    sites, ys = measured(engine)
    t = lattice(cfg)
    kernel = (ConstantKernel(cfg.amplitude**2, constant_value_bounds="fixed")
              * RBF(cfg.length_scale, length_scale_bounds="fixed")
              + WhiteKernel(SE_NUGGET * cfg.amplitude**2, noise_level_bounds="fixed"))
    gpr = GaussianProcessRegressor(kernel, alpha=cfg.noise**2, optimizer=None,
                                   normalize_y=False)
    gpr.fit(t[sites, None], ys)
    mean, cov = gpr.predict(t[:, None], return_cov=True)
    # Tolerance 1e-4, set by the nugget ν = 1e-6 A²: sklearn's WhiteKernel adds ν to the
    # training diagonal only (not to k(t*, t_train), nor between two measurements of one
    # site), ours to every φ_j; the answers differ by O(ν/Z²) ≈ 2e-5.
    np.testing.assert_allclose(engine.mean, mean, atol=1e-4)
    np.testing.assert_allclose(np.diag(engine.cov), np.diag(cov), atol=1e-4)
    np.testing.assert_allclose(engine.cov, cov, atol=1e-4)
    # and the prior is the kernel
    cov0, _ = prior_covariance(cfg)
    np.testing.assert_allclose(cov0 - SE_NUGGET * cfg.amplitude**2 * np.eye(150),
                               se_kernel(t, 1.3, 0.8), atol=1e-15)


@pytest.mark.parametrize("prior", ("random_walk", "smoothness", "squared_exponential"))
def test_entropy_gain_and_kl_agree_with_dense_gaussian_formulas(prior):
    engine = GPEngine(GPConfig(prior=prior, n_points=60, steps=8, seed=3))
    run_to_end(engine)
    click_some(engine, POINTS[:3])
    c0, c = engine.prior_cov, engine.cov
    ld0, ld = np.linalg.slogdet(c0)[1], np.linalg.slogdet(c)[1]
    n = 60
    h0 = 0.5 * (n * math.log(2 * math.pi * math.e) + ld0) / math.log(2)
    assert engine.h_prior == pytest.approx(h0, abs=1e-6 * abs(h0) + 1e-6)
    assert engine.total_gain == pytest.approx(0.5 * (ld0 - ld) / math.log(2), rel=1e-6)
    p0 = np.linalg.inv(c0)
    d = engine.mean
    kl = 0.5 * (np.trace(p0 @ c) - n + d @ p0 @ d + ld0 - ld) / math.log(2)
    assert engine.records["kl"][-1] == pytest.approx(kl, rel=1e-5, abs=1e-6)


def test_posterior_samples_are_draws_from_the_posterior():
    """The perturbed-outcome update maps prior draws to exact posterior draws."""
    cfg = GPConfig(prior="random_walk", n_points=15, noise=0.3)
    cov0, _ = prior_covariance(cfg)
    rng = np.random.default_rng(0)
    s = 40000
    samples = (np.linalg.cholesky(cov0) @ rng.standard_normal((15, s))).T
    mean, cov = np.zeros(15), cov0.copy()
    for site, y in ((3, 1.0), (10, -0.5), (10, -0.2)):
        rank_one_update(mean, cov, site, y, cfg.noise, samples, rng.standard_normal(s))
    std = np.sqrt(np.diag(cov))
    assert np.all(np.abs(samples.mean(axis=0) - mean) < 5 * std / math.sqrt(s))
    np.testing.assert_allclose(np.cov(samples.T), cov, atol=0.03 * cov.max())


def test_random_walk_posterior_mean_is_straight_lines_with_kinks():
    """K∫(∂φ/∂t)² prior: between measurements φ'' = 0 (a wide amplitude A makes the
    normalising term negligible)."""
    engine = GPEngine(GPConfig(prior="random_walk", n_points=201, amplitude=100.0,
                               auto_measure=False, steps=1))
    click_some(engine, [(2.0, 1.0), (5.0, -1.0), (8.0, 0.5)])
    second = np.abs(np.diff(engine.mean, 2))
    kinks = {int(round(t / engine.cfg.dt)) - 1 for t in (2.0, 5.0, 8.0)}
    straight = [i for i in range(second.size) if i not in kinks]
    assert second[straight].max() < 1e-6
    assert min(second[i] for i in kinks) > 1e-3           # the slope jumps at the data


def test_smoothness_prior_gives_a_smooth_interpolation():
    rw = GPEngine(GPConfig(prior="random_walk", n_points=201, auto_measure=False, steps=1))
    sm = GPEngine(GPConfig(prior="smoothness", n_points=201, auto_measure=False, steps=1))
    for engine in (rw, sm):
        click_some(engine, [(2.0, 1.0), (5.0, -1.0), (8.0, 0.5)])
    # the largest jump of the slope: a kink for the random walk, none for the spline
    assert np.abs(np.diff(sm.mean, 2)).max() < 0.1 * np.abs(np.diff(rw.mean, 2)).max()


def test_a_measurement_outside_the_lattice_is_refused_and_changes_nothing():
    engine = GPEngine(GPConfig(n_points=50, steps=1))
    mean, cov = engine.mean.copy(), engine.cov.copy()
    for t in (-0.5, GP_LENGTH + 0.5):
        with pytest.raises(ValueError, match="outside the lattice"):
            engine.apply_edit(Observe(t=t, y=0.0))
    with pytest.raises(ValueError):
        engine.apply_edit(Observe(t=2.0))
    with pytest.raises(ValueError):
        engine.apply_edit(Observe(t=2.0, y=float("inf")))
    np.testing.assert_array_equal(engine.mean, mean)
    np.testing.assert_array_equal(engine.cov, cov)
    assert engine.n_obs == 0


@pytest.mark.parametrize("key", ["stiffness", "length_scale", "amplitude", "noise"])
def test_zero_or_negative_widths_are_refused_naming_the_key(key):
    for value in (0.0, -2.0):
        with pytest.raises(ConfigError) as info:
            GPConfig(**{key: value})
        assert info.value.key == key


def test_a_click_never_refactorises(monkeypatch):
    """A click is a rank-one downdate, O(N²): no inversion, factorisation or solve of the
    N×N covariance (its cost is measured in benchmarks/gp_click_latency.py)."""
    engine = GPEngine(GPConfig(n_points=500, steps=1))
    before = engine.cov.copy()

    def forbidden(*_args, **_kwargs):
        raise AssertionError("a click refactorised the covariance")

    for name in ("inv", "cholesky", "solve", "eigh", "pinv"):
        monkeypatch.setattr(np.linalg, name, forbidden)
    import scipy.linalg

    for name in ("inv", "cholesky", "solve", "cho_factor", "cho_solve", "eigh"):
        monkeypatch.setattr(scipy.linalg, name, forbidden)
    rng = np.random.default_rng(0)
    for _ in range(30):
        engine.apply_edit(Observe(t=float(rng.uniform(0, 10)), y=0.3))
    assert not np.allclose(engine.cov, before)     # the clicks did update the posterior


def test_a_restored_run_continues_with_the_same_numbers():
    cfg = GPConfig(n_points=120, steps=20, seed=4)
    assert_same_run(*continue_after_restore(GPEngine, cfg, 8,
                                            edits=[Observe(t=3.3, y=0.7)]))
