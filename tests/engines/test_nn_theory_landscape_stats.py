"""Lecture 2.5: critical points of Gaussian random fields. Euler characteristic 0 on the
torus for every field, 1/4 : 1/4 : 1/2 over many fields, minima exponentially rare in d."""
from __future__ import annotations

import numpy as np
import pytest

from engines.nn_basics.landscape_stats import (LandscapeStatsEngine, classify_critical_points,
                                               kac_rice_weights, random_field,
                                               sample_critical_hessians, spectral_derivatives)
from engines.nn_basics.theory_configs import LandscapeStatsConfig
from tests.engines.nn_helpers import run_to_end


def _euler(f):
    crit = classify_critical_points(f)
    return int(crit["min"].sum() + crit["max"].sum() - crit["saddle"].sum())


def test_every_field_has_euler_characteristic_zero():
    rng = np.random.default_rng(1)
    for n, ell in ((32, 1.5), (48, 3.0), (64, 6.0), (40, 2.0)):
        for _ in range(10):
            assert _euler(random_field(rng, n, ell)) == 0
    # also with many ties (values from {0, 1, 2}) and non-square tori: the tie-break keeps it exact
    for _ in range(20):
        assert _euler(rng.integers(0, 3, (12, 18)).astype(float)) == 0
    assert _euler(rng.standard_normal((7, 11))) == 0          # white noise, rough as it gets
    cfg = LandscapeStatsConfig(grid=32, corr_length=2.0, gd_walkers=2, gd_steps=10,
                               hessians=100, max_dim=2, steps=30)
    final = run_to_end(LandscapeStatsEngine(cfg))[-1]
    assert final.metrics["euler_max_abs"] == 0.0 and final.metrics["fields"] == 31.0


def test_a_single_bump_has_one_max_one_min_and_two_saddles():
    n = 32
    y, x = np.mgrid[0:n, 0:n] * (2 * np.pi / n)
    f = np.cos(x + 0.01) + np.cos(y + 0.02) * 0.9        # one max, one min, two saddles
    crit = classify_critical_points(f)
    assert (crit["min"].sum(), crit["max"].sum(), crit["saddle"].sum()) == (1, 1, 2)


def test_fractions_over_many_fields_are_one_quarter_one_quarter_one_half():
    cfg = LandscapeStatsConfig(grid=96, corr_length=3.0, gd_walkers=0, hessians=100,
                               max_dim=2, steps=150, seed=2)
    final = run_to_end(LandscapeStatsEngine(cfg))[-1]
    m = final.metrics
    for key, expected in (("frac_min", 0.25), ("frac_max", 0.25), ("frac_saddle", 0.5)):
        assert m[key] == pytest.approx(expected, rel=0.02), (key, m[key])
    assert m["critical_per_field"] > 200
    # the smooth field's Hessian agrees with the grid's classification
    assert m["hessian_agreement"] > 0.9


def test_field_has_unit_variance_and_the_requested_correlation_length():
    rng = np.random.default_rng(0)
    fields = np.stack([random_field(rng, 64, 4.0) for _ in range(40)])
    assert fields.var() == pytest.approx(1.0, rel=0.05)
    for r in (2, 4, 6):
        corr = np.mean(fields * np.roll(fields, r, axis=2))
        assert corr == pytest.approx(np.exp(-r**2 / 32.0), abs=0.04)
    # spectral derivatives of a plane wave are exact
    n = 32
    y, x = np.mgrid[0:n, 0:n] * (2 * np.pi / n)
    d = spectral_derivatives(np.sin(3 * x + 2 * y))
    np.testing.assert_allclose(d["fx"], 3 * 2 * np.pi / n * np.cos(3 * x + 2 * y), atol=1e-10)
    np.testing.assert_allclose(d["fxy"], -6 * (2 * np.pi / n) ** 2 * np.sin(3 * x + 2 * y),
                               atol=1e-10)


def test_hessian_statistics_give_one_half_one_quarter_and_fall_exponentially():
    rng = np.random.default_rng(5)
    frac = []
    for dim in range(1, 6):
        w = kac_rice_weights(sample_critical_hessians(rng, dim, 100_000))
        frac.append(w[0] / w.sum())
        if dim == 2:   # min : saddle : max = 1/4 : 1/2 : 1/4 also from the Hessians alone
            np.testing.assert_allclose(w / w.sum(), [0.25, 0.5, 0.25], atol=0.01)
    assert frac[0] == pytest.approx(0.5, abs=0.01)
    assert frac[1] == pytest.approx(0.25, abs=0.01)
    ratios = np.array(frac[1:]) / np.array(frac[:-1])
    assert np.all(ratios < 0.7), frac            # at least a constant factor per dimension
    # the Hessian covariance of an isotropic field: Var H_ii = 3 Var H_ij, Cov(H_11, H_22) = Var H_12
    h = sample_critical_hessians(rng, 3, 200_000)
    assert np.var(h[:, 0, 0]) == pytest.approx(3 * np.var(h[:, 0, 1]), rel=0.03)
    assert np.cov(h[:, 0, 0], h[:, 1, 1])[0, 1] == pytest.approx(np.var(h[:, 0, 1]), rel=0.05)


def test_gradient_descent_goes_downhill_and_ends_slow():
    cfg = LandscapeStatsConfig(grid=48, corr_length=4.0, gd_walkers=30, gd_steps=400,
                               gd_rate=0.3, max_dim=2, hessians=100, steps=1)
    engine = LandscapeStatsEngine(cfg)
    final = run_to_end(engine)[-1]
    path, speed = final.arrays["gd_path"], final.arrays["gd_speed"]
    assert path.shape == (30, 401, 2) and speed.shape == (30, 401)
    assert np.median(speed[:, -1]) < 0.05 * np.median(speed[:, 0])
