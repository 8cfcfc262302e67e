"""The variational autoencoder (lecture 7.4): the closed-form KL, the reparameterisation
trick's gradient, training on wave packets, the conditional VAE and the MNIST option."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from engines.generative.configs import VAEConfig
from engines.generative.vae import (K_RANGE, VAEEngine, kl_closed_form, kl_monte_carlo,
                                    wave_packets)
from tests.engines.nn_helpers import run_to_end


def test_closed_form_kl_equals_a_monte_carlo_estimate():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(6, 3, generator=g, dtype=torch.float64)
    logvar = 0.8 * torch.randn(6, 3, generator=g, dtype=torch.float64)
    exact = kl_closed_form(mu, logvar)
    mc = kl_monte_carlo(mu, logvar, 200_000, torch.Generator().manual_seed(1))
    # the MC error is about sqrt(Var/N) ≈ 0.005 here
    np.testing.assert_allclose(mc.numpy(), exact.numpy(), atol=0.03)
    assert float(kl_closed_form(torch.zeros(1, 4), torch.zeros(1, 4))) == 0.0


def test_wave_packets_follow_the_lecture_formula():
    x, params, t = wave_packets(5, 64, np.random.default_rng(0))
    x0, w, k = params.T
    expected = np.exp(-(t - x0[:, None]) ** 2 / (2 * w[:, None] ** 2)) * \
        np.cos(k[:, None] * (t - x0[:, None]))
    np.testing.assert_allclose(x, expected)
    assert (k >= K_RANGE[0]).all() and (k <= K_RANGE[1]).all()


def test_training_lowers_the_loss_and_uses_the_latent_space():
    engine = VAEEngine(VAEConfig(steps=400, hidden=64, seed=0))
    before = engine.evaluate()
    snap = run_to_end(engine, snapshot_hz=0.5)[-1]
    m = snap.metrics
    assert m["recon"] < 0.6 * before["recon"]
    assert m["kl"] > 0.5                  # the codes carry information about x
    assert m["loss"] == pytest.approx(m["recon"] + 0.02 * m["kl"])
    a = snap.arrays
    assert a["latent_mu"].shape == (512, 2) and a["latent_color"].shape == (512, 3)
    assert a["traversal"].shape == (2, 9, 64) and a["prior_samples"].shape == (8, 64)


def test_large_beta_pulls_the_codes_to_the_prior():
    small = run_to_end(VAEEngine(VAEConfig(steps=200, hidden=32, beta=0.01)),
                       snapshot_hz=0.5)[-1].metrics
    large = run_to_end(VAEEngine(VAEConfig(steps=200, hidden=32, beta=2.0)),
                       snapshot_hz=0.5)[-1].metrics
    assert large["kl"] < 0.5 * small["kl"]
    assert large["recon"] > small["recon"]


def test_conditional_vae_and_mnist_options_run():
    cond = VAEEngine(VAEConfig(steps=5, hidden=16, conditional=True))
    snap = run_to_end(cond, snapshot_hz=0.5)[-1]
    assert cond.model.d_c == 1 and snap.arrays["conditional"][0] == 1.0
    digits = VAEEngine(VAEConfig(data="mnist", steps=3, hidden=32, conditional=True))
    snap = run_to_end(digits, snapshot_hz=0.5)[-1]
    assert snap.arrays["inputs"].shape == (8, 784)
    assert snap.arrays["traversal"].shape == (80, 784)     # 10 digits × 8 values of z1
    assert set(np.unique(snap.arrays["latent_color"])) <= set(range(10))
