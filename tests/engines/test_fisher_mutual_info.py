"""Mutual information: KSG and histogram estimates against the exact values."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engines.fisher.configs import MutualInfoConfig, SetRho, SetTransform
from engines.fisher.mutual_info import MutualInfoEngine, exact_mi, histogram_mi, ksg, sample
from tests.engines.nn_helpers import run_to_end


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9, -0.8])
def test_ksg_of_correlated_gaussians_within_005_nats(rho):
    x, y = sample("correlated_gaussian", 5000, np.random.default_rng(4), rho, 0.3)
    exact = -0.5 * math.log(1 - rho * rho)
    assert exact_mi("correlated_gaussian", rho, 0.3) == pytest.approx(exact)
    assert ksg(x, y, 3) == pytest.approx(exact, abs=0.05)


def test_engine_reaches_the_exact_value_and_the_map_leaves_mi_unchanged():
    cfg = MutualInfoConfig(rho=0.8, n_samples=5000, batch=500, steps=10)
    eng = MutualInfoEngine(cfg)
    snap = run_to_end(eng)[-1]
    m = snap.metrics
    assert m["n"] == 5000
    assert m["mi_estimate"] == pytest.approx(m["mi_exact"], abs=0.05)
    for name in ("cubic", "exp", "sinh"):
        eng.apply_edit(SetTransform(transform=name))
        mapped = eng.snapshot().metrics
        assert mapped["mi_estimate"] == pytest.approx(m["mi_exact"], abs=0.05), name
        assert mapped["mi_raw"] == m["mi_estimate"]
        assert abs(mapped["corr"] - m["corr"]) > 0.1, name     # the correlation does change


@pytest.mark.parametrize("dataset,noise", [("parabola", 0.3), ("ring", 0.1)])
def test_dependence_without_correlation(dataset, noise):
    x, y = sample(dataset, 5000, np.random.default_rng(5), 0.0, noise)
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.05
    exact = exact_mi(dataset, 0.0, noise)
    assert exact > 0.3
    assert ksg(x, y, 3) == pytest.approx(exact, abs=0.06)


def test_exact_value_of_the_parabola_by_monte_carlo():
    """MI = h(Y) − h(noise) with h(Y) = −⟨ln p(y)⟩ by Monte Carlo (p(y) by quadrature)."""
    noise = 0.5
    rng = np.random.default_rng(6)
    x, y = sample("parabola", 4000, rng, 0.0, noise)
    z, w = np.polynomial.hermite_e.hermegauss(200)
    w = w / w.sum()
    py = (np.exp(-0.5 * ((y[:, None] - z[None, :] ** 2) / noise) ** 2)
          / (math.sqrt(2 * math.pi) * noise)) @ w
    h_y = -np.mean(np.log(py))
    mc = h_y - 0.5 * math.log(2 * math.pi * math.e * noise**2)
    assert exact_mi("parabola", 0.0, noise) == pytest.approx(mc, abs=0.04)


def test_independent_and_histogram_bias():
    x, y = sample("independent", 5000, np.random.default_rng(7), 0.0, 0.3)
    assert abs(ksg(x, y, 3)) < 0.02
    # the plug-in histogram estimate is biased upwards: ≈ (bins − 1)² / (2n) for independence
    assert histogram_mi(x, y, 20) == pytest.approx(19**2 / 10000, abs=0.015)


def test_a_new_rho_restarts_the_samples():
    eng = MutualInfoEngine(MutualInfoConfig(n_samples=500, batch=100, steps=3))
    run_to_end(eng)
    eng.apply_edit(SetRho(rho=0.3))
    assert eng.x.size == 0
    assert eng.snapshot().metrics["mi_exact"] == pytest.approx(-0.5 * math.log(1 - 0.09))
