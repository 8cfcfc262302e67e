"""KL divergence: closed form, Monte Carlo, asymmetry, forward/reverse fits, Fisher expansion."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engines.fisher import models
from engines.fisher.configs import KLConfig, ONE_PARAM_MODELS, SetQ
from engines.fisher.kl import KLEngine, gaussian_kl, mixture_moments
from tests.engines.nn_helpers import run_to_end

TWO_GAUSSIANS = dict(p_mu1=0.3, p_sigma1=0.8, p_weight2=0.0, q_mu1=-1.0, q_sigma1=1.7,
                     q_weight2=0.0)


def test_kl_of_two_gaussians_equals_closed_form_and_monte_carlo():
    snap = run_to_end(KLEngine(KLConfig(**TWO_GAUSSIANS, mc_batch=5000, steps=40)))[-1]
    m = snap.metrics
    pq, qp = gaussian_kl(0.3, 0.8, -1.0, 1.7), gaussian_kl(-1.0, 1.7, 0.3, 0.8)
    assert m["kl_pq"] == pytest.approx(pq, rel=1e-6)
    assert m["kl_qp"] == pytest.approx(qp, rel=1e-6)
    assert m["kl_pq_closed"] == pytest.approx(pq, rel=1e-12)
    assert abs(pq - qp) > 0.3                          # not symmetric
    assert m["kl_pq_mc"] == pytest.approx(pq, abs=0.02)  # 200k samples
    # closed form itself: ln(s2/s1) + (s1² + Δ²)/(2 s2²) − ½
    assert pq == pytest.approx(math.log(1.7 / 0.8) + (0.64 + 1.69) / (2 * 2.89) - 0.5)


def test_kl_is_zero_for_p_equal_q_and_positive_otherwise():
    eng = KLEngine(KLConfig(q_mu1=-3.0, q_sigma1=0.7, q_mu2=3.0, q_sigma2=0.7, q_weight2=0.5))
    assert abs(eng.kl_pq()) < 1e-9 and abs(eng.kl_qp()) < 1e-9
    eng.apply_edit(SetQ(mu2=2.5))
    assert eng.kl_pq() > 0 and eng.kl_qp() > 0


def test_forward_fit_matches_the_mixture_moments_and_reverse_fit_picks_one_mode():
    cfg = KLConfig(steps=1500, grid_points=801, mc_batch=1)
    snap = run_to_end(KLEngine(cfg))[-1]
    m = snap.metrics
    mean, std = mixture_moments({"mu1": -3.0, "sigma1": 0.7, "mu2": 3.0, "sigma2": 0.7,
                                 "weight2": 0.5})
    assert m["p_mean"] == pytest.approx(mean) and m["p_std"] == pytest.approx(std)
    assert m["forward_fit_mu"] == pytest.approx(mean, abs=1e-3)
    assert m["forward_fit_sigma"] == pytest.approx(std, rel=1e-3)
    assert m["reverse_fit_mu"] == pytest.approx(3.0, abs=0.02)      # the mode nearer the start
    assert m["reverse_fit_sigma"] == pytest.approx(0.7, rel=0.02)
    assert m["kl_reverse_fit"] == pytest.approx(math.log(2), abs=0.01)  # one of two modes


@pytest.mark.parametrize("model", ONE_PARAM_MODELS)
def test_kl_between_close_members_is_half_fisher_delta_squared(model):
    eng = KLEngine(KLConfig(fisher_model=model, grid_points=401))
    a = eng.fisher_check()
    d, kl, quad = a["fisher_dlambda"], a["fisher_kl"], a["fisher_quadratic"]
    small = np.abs(d) <= 0.02 * np.max(np.abs(d)) * 10     # |δλ| ≤ 0.2 of the span
    rel = np.abs(kl[small] - quad[small]) / quad[small]
    assert np.max(rel / (np.abs(d[small]) / models.default_lambda(model))) < 3.0   # O(δλ³)
    # and a Monte-Carlo check of the closed-form KL at one δλ
    lam0 = models.default_lambda(model)
    lam = lam0 * 1.1
    x = models.sample(model, lam, 400_000, np.random.default_rng(0))
    mc = np.mean(models.log_p(model, x, lam) - models.log_p(model, x, lam0))
    assert mc == pytest.approx(float(models.kl(model, lam, lam0)), abs=1e-3)


def test_extra_code_length_is_kl_in_bits():
    snap = run_to_end(KLEngine(KLConfig(steps=2)))[-1]
    m = snap.metrics
    assert m["code_extra_bits"] == pytest.approx(m["kl_pq_bits"], rel=0.03)   # bins of 0.25
    assert m["code_extra_bits"] > 0
