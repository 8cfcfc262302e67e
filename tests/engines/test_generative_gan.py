"""The GAN (lecture 7.5): the MMD two-sample statistic, mode counting, and training on
the ring of Gaussians improving the MMD."""
from __future__ import annotations

import numpy as np
import torch

from engines.generative.configs import GANConfig
from engines.generative.gan import GANEngine, mmd2, modes_covered
from engines.generative.targets import gan_target
from tests.engines.nn_helpers import run_to_end


def test_mmd_tells_equal_from_different_distributions():
    ring = gan_target("ring")
    rng = np.random.default_rng(0)
    a, b = (torch.as_tensor(ring.sample(600, rng)) for _ in range(2))
    other = torch.as_tensor(gan_target("grid").sample(600, rng))
    same, diff = mmd2(a, b), mmd2(a, other)
    assert abs(same) < 0.01 < diff


def test_modes_covered_counts_the_ring():
    ring = gan_target("ring")
    x = ring.sample(2000, np.random.default_rng(1))
    assert modes_covered(x, ring)[0] == 8.0
    one_mode = ring.modes[0] + 0.05 * np.random.default_rng(2).standard_normal((500, 2))
    covered, quality = modes_covered(one_mode, ring)
    assert covered == 1.0 and quality > 0.9


def test_training_on_the_ring_improves_the_two_sample_test():
    """MMD² between 600 generated and 600 real samples: ≈ 2.3 for the untrained
    generator (a blob at the origin), below 0.3 after 600 steps, with ≥ 6 of 8 modes."""
    engine = GANEngine(GANConfig(target="ring", steps=600, seed=0, batch_size=128))
    start = engine.mmd()
    m = run_to_end(engine, snapshot_hz=0.5)[-1].metrics
    assert start > 1.5
    assert m["mmd"] < 0.3 and m["mmd"] < 0.2 * start
    assert m["modes"] >= 6


def test_losses_follow_the_lecture_definitions():
    for loss in ("log", "non_saturating"):
        engine = GANEngine(GANConfig(steps=1, generator_loss=loss, d_steps=2))
        engine.train_step()
        m = engine.last
        assert m["loss_d"] > 0
        if loss == "log":                 # ⟨ln(1 − D(G(z)))⟩ ≤ 0
            assert m["loss_g"] < 0
        else:                             # −⟨ln D(G(z))⟩ ≥ 0
            assert m["loss_g"] > 0
