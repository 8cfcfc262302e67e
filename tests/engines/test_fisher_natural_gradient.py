"""Natural gradient: the same path in θ and θ̃ = (θ₁/μ, θ₂); plain GD differs by μ²."""
from __future__ import annotations

import numpy as np
import pytest

from engines.fisher.configs import NaturalGradientConfig
from engines.fisher.natural_gradient import LINE_START, NaturalGradientEngine
from tests.engines.nn_helpers import run_to_end


@pytest.mark.parametrize("mu", [0.3, 1.0, 4.0])
def test_natural_gradient_paths_agree_and_plain_gd_steps_differ_by_mu_squared(mu):
    cfg = NaturalGradientConfig(mu=mu, lr=0.01, steps=200, n_data=32, batch=8)
    eng = NaturalGradientEngine(cfg)
    snap = run_to_end(eng)[-1]
    assert snap.metrics["path_mismatch"] < 1e-6
    gd, gdt = np.asarray(eng.paths["gd"]), np.asarray(eng.paths["gd_tilde"])
    # first step: δθ₁ from the θ̃ system is μ² times the one taken in θ, δθ₂ the same
    d, dt = gd[1] - LINE_START, gdt[1] - LINE_START
    assert dt[0] / d[0] == pytest.approx(mu**2, rel=1e-9)
    assert dt[1] == pytest.approx(d[1], rel=1e-12)
    assert snap.metrics["gd_first_step_ratio"] == pytest.approx(mu**2, rel=1e-9)
    if mu != 1.0:
        assert np.max(np.abs(gd - gdt)) > 0.05           # the plain paths differ
    else:
        np.testing.assert_allclose(gd, gdt, atol=1e-12)


def test_natural_gradient_on_the_line_fit_is_a_straight_line_to_the_least_squares_fit():
    eng = NaturalGradientEngine(NaturalGradientConfig(lr=0.05, steps=300))
    run_to_end(eng)
    path = np.asarray(eng.paths["ng"])
    best = np.linalg.lstsq(eng.jac, eng.ly, rcond=None)[0]
    np.testing.assert_allclose(path[-1], best, atol=1e-5)
    direction = (best - path[0]) / np.linalg.norm(best - path[0])
    off = (path - path[0]) - np.outer((path - path[0]) @ direction, direction)
    assert np.max(np.abs(off)) < 1e-9


def test_gaussian_fit_natural_gradient_uses_the_fisher_metric_and_converges():
    eng = NaturalGradientEngine(NaturalGradientConfig(lr=0.05, steps=400))
    run_to_end(eng)
    m, s = eng.gx.mean(), eng.gx.std()
    np.testing.assert_allclose(eng.gauss["ng"][-1], [m, s], atol=1e-4)
    # one step: δ = −η diag(s², s²/2) ∇L
    e2 = NaturalGradientEngine(NaturalGradientConfig(lr=0.01, steps=1))
    run_to_end(e2)
    m0, s0 = e2.gauss["ng"][0]
    g = e2.gauss_grad(m0, s0)
    np.testing.assert_allclose(e2.gauss["ng"][1] - e2.gauss["ng"][0],
                               -0.01 * g * [s0**2, s0**2 / 2], rtol=1e-12)


def test_network_fisher_is_jt_j_over_sigma_squared_and_ng_beats_sgd():
    eng = NaturalGradientEngine(NaturalGradientConfig(steps=300))
    w = eng.net["ng"]
    out, jac = eng.jacobian(w, eng.nx)
    # the hand-written Jacobian against finite differences
    h = 1e-6
    for k in (0, 17, 33, 48):
        e = np.zeros_like(w)
        e[k] = h
        fd = (eng.forward(w + e, eng.nx)[0] - eng.forward(w - e, eng.nx)[0]) / (2 * h)
        np.testing.assert_allclose(jac[:, k], fd, rtol=1e-5, atol=1e-8)
    # Fisher of a Gaussian likelihood = ⟨∂L ∂Lᵀ⟩ over y ~ p(y|x, θ): JᵀJ/(n σ²)
    rng = np.random.default_rng(0)
    sigma = eng.cfg.noise
    grads = []
    for _ in range(4000):
        y = out + sigma * rng.standard_normal(out.size)
        grads.append(jac.T @ (out - y) / sigma**2)       # Σ over the data points
    mc = np.mean([np.outer(g, g) for g in grads], axis=0) / eng.nx.size
    exact = jac.T @ jac / (eng.nx.size * sigma**2)
    assert np.max(np.abs(mc - exact)) < 0.1 * np.max(np.abs(exact))
    snap = run_to_end(eng)[-1]
    assert snap.metrics["net_loss_ng"] < snap.metrics["net_loss_sgd"]
