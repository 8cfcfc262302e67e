"""Active learning for Gaussian processes and networks (lecture 10.3): the gain is the
entropy drop of the Gaussians, the GP plan does not depend on the results, the network's
Laplace gain is the determinant lemma of its Hessian update and depends on the data."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engines.active.configs import GPDesignConfig
from engines.active.gp_design import GPDesignEngine
from engines.bayes.gp_math import batch_posterior
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run,
                                      global_rng_untouched, round_trip, run_to_end)

SMALL = GPDesignConfig(n_points=41, steps=8)
NET = GPDesignConfig(model="network", n_points=21, hidden=4, train_iters=30, steps=4)


def entropy_bits(cov):
    sign, logdet = np.linalg.slogdet(cov)
    assert sign > 0
    return 0.5 * (len(cov) * math.log2(2 * math.pi * math.e) + logdet / math.log(2))


@pytest.mark.parametrize("dims", [1, 2])
def test_gain_equals_the_entropy_difference_of_prior_and_posterior(dims):
    cfg = SMALL.replace(dims=dims, n_points=12 if dims == 2 else 41)
    engine = GPDesignEngine(cfg)
    snap = run_to_end(engine)[-1]
    prior = engine.prior_cov + 1e-9 * np.eye(len(engine.prior_cov))   # tiny nugget: det > 0
    sites = snap.arrays["sites_a"].astype(int)
    zero = np.zeros(len(prior))
    before = entropy_bits(prior)
    for k in range(len(sites)):
        _, cov = batch_posterior(zero, prior, sites[:k + 1], np.zeros(k + 1), cfg.noise)
        after = entropy_bits(cov)
        assert snap.arrays["gains_done"][k] == pytest.approx(before - after, abs=1e-5)
        before = after
    assert snap.metrics["total_gain_bits"] == pytest.approx(snap.arrays["gains_done"].sum())
    # the posterior means equal the batch formula with each truth's own results
    for tag in "ab":
        mean, _ = batch_posterior(zero, engine.prior_cov, sites, snap.arrays[f"ys_{tag}"],
                                  cfg.noise)
        np.testing.assert_allclose(snap.arrays[f"mean_{tag}"].ravel(), mean, atol=1e-8)


def test_gp_design_sequence_is_identical_for_different_observed_values():
    runs = [run_to_end(GPDesignEngine(SMALL.replace(seed=s, truths=t)))[-1]
            for s, t in ((0, "prior_samples"), (3, "prior_samples"), (0, "sine_vs_step"))]
    for snap in runs:
        np.testing.assert_array_equal(snap.arrays["sites_a"], snap.arrays["sites_b"])
        assert snap.metrics["same_sequence"] == 1.0
        assert not np.allclose(snap.arrays["ys_a"], snap.arrays["ys_b"])
        np.testing.assert_array_equal(snap.arrays["sites_a"], runs[0].arrays["sites_a"])
        np.testing.assert_array_equal(snap.arrays["gains_done"], runs[0].arrays["gains_done"])
    assert not np.allclose(runs[0].arrays["truth_a"], runs[1].arrays["truth_a"])


def test_network_gain_is_the_determinant_lemma_of_the_laplace_covariance():
    engine = GPDesignEngine(NET)
    run_to_end(engine)
    net = engine.nets[0]
    theta = net.theta.detach().clone()
    # C⁻¹ is the loss Hessian where that is positive definite, else its Gauss–Newton part
    def grad(t):
        t = t.clone().requires_grad_()
        return torch.autograd.grad(net.loss(t), t)[0]
    eps = 1e-5
    fd = torch.stack([(grad(theta + eps * e) - grad(theta - eps * e)) / (2 * eps)
                      for e in torch.eye(len(theta), dtype=torch.float64)]).numpy()
    fd = 0.5 * (fd + fd.T)
    if np.linalg.eigvalsh(fd).min() > 1e-8:
        assert net.exact_hessian
        expected = fd
    else:
        assert not net.exact_hessian
        jac = torch.autograd.functional.jacobian(lambda t: net.forward(t, net.x_data),
                                                 theta).numpy()
        expected = jac.T @ jac / NET.noise**2 + np.eye(len(theta)) / NET.weight_prior**2
    np.testing.assert_allclose(np.linalg.inv(net.cov), expected, rtol=1e-4, atol=1e-4)
    # before any data the Laplace covariance is the weight prior's, s² 1
    fresh = GPDesignEngine(NET).nets[0]
    np.testing.assert_allclose(fresh.cov, NET.weight_prior**2 * np.eye(len(theta)), atol=1e-12)
    sigma2 = NET.noise**2
    gains = net.gain_bits()
    for i in (0, 7, 20):
        g = net.g[i]
        new_precision = np.linalg.inv(net.cov) + np.outer(g, g) / sigma2
        # H(θ) − H(θ | y) = ½ ln det C − ½ ln det C′
        drop = 0.5 * (np.linalg.slogdet(net.cov)[1] + np.linalg.slogdet(new_precision)[1])
        assert gains[i] == pytest.approx(drop / math.log(2), rel=1e-6)


def test_network_sequences_depend_on_the_results():
    snap = run_to_end(GPDesignEngine(NET.replace(truths="sine_vs_step", steps=5)))[-1]
    assert snap.metrics["same_sequence"] == 0.0


@pytest.mark.parametrize("cfg", [SMALL, SMALL.replace(dims=2, n_points=8), NET],
                         ids=["gp", "gp-2d", "network"])
def test_same_seed_same_numbers_and_restore(cfg):
    with global_rng_untouched():
        a = run_to_end(GPDesignEngine(cfg))[-1]
    assert_same_run(a, run_to_end(GPDesignEngine(cfg))[-1])
    first = GPDesignEngine(cfg.replace(steps=2))
    run_to_end(first)
    restored = GPDesignEngine(cfg)
    restored.load_state_dict(round_trip(first.state_dict()))
    assert_same_run(a, run_to_end(restored)[-1])


def test_cancel_before_start():
    assert_cancelled_before_start(GPDesignEngine(SMALL))
