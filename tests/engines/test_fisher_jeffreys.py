"""Jeffreys priors: the lecture's examples, and transforming = recomputing √I."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta

from engines.fisher.configs import JeffreysConfig
from engines.fisher.jeffreys import JeffreysEngine, fisher, fisher_numeric
from tests.engines.nn_helpers import run_to_end


@pytest.mark.parametrize("model,param,lam", [("bernoulli", "sin2", 0.2), ("bernoulli", "log", 0.4),
                                             ("scale", "log", 2.0), ("scale", "sqrt", 1.0),
                                             ("poisson", "sqrt", 3.0), ("poisson", "log", 1.0),
                                             ("location", "identity", 0.5)])
def test_transformed_jeffreys_equals_jeffreys_recomputed_in_the_new_coordinate(model, param, lam):
    eng = JeffreysEngine(JeffreysConfig(model=model, parametrization=param, true_lambda=lam))
    assert eng.jeffreys_mismatch() < 1e-4
    # and the numerical Fisher information in λ itself is the closed form
    grid = eng.lam[5:-5:50]
    np.testing.assert_allclose(fisher_numeric(model, "identity", grid), fisher(model, grid),
                               rtol=1e-5)


def test_lecture_examples_of_jeffreys_priors():
    def prior(model, param):
        return JeffreysEngine(JeffreysConfig(model=model, parametrization=param, true_lambda=0.3))
    loc = prior("location", "identity")
    np.testing.assert_allclose(loc.jeff_lam, loc.jeff_lam[0], rtol=1e-12)         # flat
    sc = prior("scale", "log")
    np.testing.assert_allclose(sc.jeff_lam * sc.lam, (sc.jeff_lam * sc.lam)[0], rtol=1e-12)
    np.testing.assert_allclose(sc.jeff_theta, sc.jeff_theta[0], rtol=1e-9)         # flat in ln λ
    be = prior("bernoulli", "sin2")
    inner = slice(10, -10)
    ref = beta(0.5, 0.5).pdf(be.lam)
    ref = ref / (ref.sum() * be.dlam)
    np.testing.assert_allclose(be.jeff_lam[inner], ref[inner], rtol=1e-9)          # Beta(½, ½)
    np.testing.assert_allclose(be.jeff_theta_direct[inner], be.jeff_theta_direct[100],
                               rtol=1e-4)                                        # uniform in θ
    # a prior flat in λ is NOT flat in θ = arcsin √λ: ∝ sin 2θ
    assert be.flat_theta.max() / be.flat_theta[inner].min() > 5


def test_posteriors_with_either_prior_concentrate_at_the_truth_and_agree_for_many_data():
    eng = JeffreysEngine(JeffreysConfig(model="bernoulli", parametrization="sin2",
                                        true_lambda=0.2, steps=2000))
    snap = run_to_end(eng)[-1]
    m = snap.metrics
    assert m["mean_flat"] == pytest.approx(0.2, abs=0.03)
    assert abs(m["mean_flat"] - m["mean_jeffreys"]) < 1e-3
    n, k = eng.stats[0], eng.stats[1]
    # flat prior: Beta(k+1, n−k+1) mean; Jeffreys: Beta(k+½, n−k+½) mean
    assert m["mean_flat"] == pytest.approx((k + 1) / (n + 2), abs=1e-6)
    assert m["mean_jeffreys"] == pytest.approx((k + 0.5) / (n + 1), abs=1e-6)
    # the θ-coordinate posterior is the transformed λ posterior
    a = snap.arrays
    lam_of_theta = np.sin(a["theta"]) ** 2
    back = np.interp(lam_of_theta, a["lam"], a["post_jeff_lam"]) * np.abs(np.sin(2 * a["theta"]))
    back /= back.sum() * (a["theta"][1] - a["theta"][0])
    assert np.max(np.abs(back - a["post_jeff_theta"])) < 0.02 * a["post_jeff_theta"].max()
