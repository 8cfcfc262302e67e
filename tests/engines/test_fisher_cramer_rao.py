"""Fisher information and the Cramér-Rao bound against the closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engines.fisher import models
from engines.fisher.configs import CramerRaoConfig
from engines.fisher.cramer_rao import CramerRaoEngine
from tests.engines.nn_helpers import run_to_end

CLOSED = {"gaussian_mean": lambda lam: 1 / 0.7**2, "gaussian_scaled": lambda lam: 3 / lam**2,
          "bernoulli": lambda lam: 1 / (lam * (1 - lam)), "poisson": lambda lam: 1 / lam,
          "exponential": lambda lam: 1 / lam**2}


@pytest.mark.parametrize("model,lam", [("gaussian_mean", 1.3), ("gaussian_scaled", 1.7),
                                       ("bernoulli", 0.2), ("poisson", 3.0),
                                       ("exponential", 0.5)])
def test_monte_carlo_squared_score_equals_the_closed_form(model, lam):
    rng = np.random.default_rng(1)
    x = models.sample(model, lam, 400_000, rng, sigma=0.7)
    s = models.score(model, x, lam, sigma=0.7)
    assert np.mean(s) == pytest.approx(0.0, abs=0.02 * math.sqrt(CLOSED[model](lam)))
    assert np.mean(s * s) == pytest.approx(CLOSED[model](lam), rel=0.02)
    assert float(models.fisher(model, lam, 0.7)) == pytest.approx(CLOSED[model](lam), rel=1e-12)


def test_lecture_example_has_three_over_lambda_squared_not_one():
    """N(λ, λ²): keeping −ln λ of the normalisation gives I = 3/λ²; −⟨∂² ln p⟩ agrees."""
    lam, h = 1.7, 1e-4
    rng = np.random.default_rng(2)
    x = models.sample("gaussian_scaled", lam, 400_000, rng)
    lp = lambda l: models.log_p("gaussian_scaled", x, l)  # noqa: E731
    curvature = -np.mean((lp(lam + h) - 2 * lp(lam) + lp(lam - h)) / h**2)
    assert curvature == pytest.approx(3 / lam**2, rel=0.01)
    snap = run_to_end(CramerRaoEngine(CramerRaoConfig(true_lambda=lam, steps=30)))[-1]
    assert snap.metrics["fisher_exact"] == pytest.approx(3 / lam**2)
    assert snap.metrics["fisher_lecture"] == pytest.approx(1 / lam**2)
    assert snap.metrics["fisher_mc"] == pytest.approx(3 / lam**2, rel=0.03)


@pytest.mark.parametrize("model", models.DOMAIN)
def test_mle_closed_form_maximises_the_log_likelihood(model):
    rng = np.random.default_rng(3)
    lam = 0.3 if model == "bernoulli" else 1.4
    x = models.sample(model, lam, (5, 40), rng)
    stats = models.sufficient(model, x)
    est = models.mle(model, stats)
    grid = np.linspace(0.01, 0.99, 9801) if model == "bernoulli" else np.linspace(0.05, 5, 99001)
    ll = models.mean_log_likelihood(model, stats, grid)
    np.testing.assert_allclose(est, grid[np.argmax(ll, axis=1)], atol=1e-4)
    # the per-λ shortcut equals the full log-density sum up to a λ-independent constant
    full = np.sum(models.log_p(model, x[:, :, None], grid[None, None, ::1000]), axis=1) / 40
    diff = full - ll[:, ::1000]
    np.testing.assert_allclose(diff, diff[:, :1] * np.ones_like(diff), atol=1e-9)


@pytest.mark.parametrize("model,kw", [("gaussian_scaled", {}), ("bernoulli", {"bernoulli_p": 0.3}),
                                      ("poisson", {"true_lambda": 3.0}),
                                      ("gaussian_mean", {"sigma": 0.5})])
def test_mle_and_posterior_mean_reach_the_cramer_rao_bound(model, kw):
    """Var·N·I of the MLE and MSE·N·I of the posterior mean ≈ 1 at N = 200 (asymptotic
    efficiency); with 8000 experiments the sampling error of a variance is ~1.6 %."""
    cfg = CramerRaoConfig(model=model, n_obs=200, batch=400, steps=20, sweep_max_n=10, **kw)
    snap = run_to_end(CramerRaoEngine(cfg))[-1]
    m = snap.metrics
    assert m["var_n_fisher"] == pytest.approx(1.0, abs=0.07)
    assert m["mse_n_fisher_bayes"] == pytest.approx(1.0, abs=0.07)
    assert m["fisher_mc"] == pytest.approx(m["fisher_exact"], rel=0.03)
    # histogram of the estimates against the bound's Gaussian (a density: area 1)
    dx = snap.arrays["hist_x"][1] - snap.arrays["hist_x"][0]
    assert np.sum(snap.arrays["bound_pdf"]) * dx == pytest.approx(1.0, abs=1e-3)
    assert np.sum(np.abs(snap.arrays["hist_mle"] - snap.arrays["bound_pdf"])) * dx < 0.2


def test_var_n_fisher_goes_to_one_as_n_grows_and_is_off_for_small_n():
    """Exponential rate, MLE 1/x̄: Var·N·I = N³/((N−1)²(N−2)) exactly; → 1 for large N."""
    cfg = CramerRaoConfig(model="exponential", n_obs=3, batch=400, sweep_max_n=1000, steps=40)
    snap = run_to_end(CramerRaoEngine(cfg))[-1]
    n, ratio = snap.arrays["sweep_n"], snap.arrays["sweep_mle"]
    assert n[0] == 3 and n[-1] == 1000
    assert ratio[-1] == pytest.approx(1.0, abs=0.1)
    assert ratio[1] > 1.3                       # N = 7: 343/216 = 1.59
    assert ratio[1] == pytest.approx(7**3 / (36 * 5), rel=0.25)


def test_score_curve_of_one_experiment_vanishes_at_the_mle():
    snap = run_to_end(CramerRaoEngine(CramerRaoConfig(model="poisson", true_lambda=2.0,
                                                      n_obs=50, steps=3)))[-1]
    a = snap.arrays
    est = np.mean(a["one_x"])
    k = int(np.argmax(a["one_loglik"]))
    assert a["one_grid"][k] == pytest.approx(est, abs=2 * (a["one_grid"][1] - a["one_grid"][0]))
    # Poisson: ℓ′(λ) = Σx/λ − N exactly; curvature Σx/λ² at the MLE = N/λ̂
    mid = slice(100, 200)      # central differences on the grid: exact up to O(Δλ²)
    np.testing.assert_allclose(a["one_score"][mid], (a["one_x"].sum() / a["one_grid"] - 50)[mid],
                               rtol=1e-3, atol=1e-2)
    assert snap.metrics["observed_information"] == pytest.approx(50 / est, rel=0.02)


def test_matrix_bound_for_gaussian_mu_and_sigma():
    """I = diag(1/σ², 2/σ²); Cov(μ̂, σ̂) ≈ I⁻¹/N for N = 100 (σ̂ is slightly biased)."""
    cfg = CramerRaoConfig(model="gaussian_mu_sigma", true_lambda=1.0, sigma=2.0, n_obs=100,
                          batch=500, steps=16)
    snap = run_to_end(CramerRaoEngine(cfg))[-1]
    mc, exact = snap.arrays["fisher_matrix_mc"], snap.arrays["fisher_matrix_exact"]
    np.testing.assert_allclose(exact, np.diag([0.25, 0.5]))
    np.testing.assert_allclose(mc, exact, atol=0.02)
    cov = snap.arrays["cov_estimates"] * cfg.n_obs
    np.testing.assert_allclose(cov, np.linalg.inv(exact), rtol=0.08, atol=0.05)
    assert snap.metrics["var_n_fisher"] == pytest.approx(1.0, abs=0.08)
    assert snap.metrics["var_n_fisher_sigma"] == pytest.approx(1.0, abs=0.1)
    assert snap.arrays["ellipse_bound"].shape == (2, 100)
