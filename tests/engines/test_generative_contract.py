"""The runtime contract for every chapter-7 engine: determinism, save/restore that
continues with the same numbers, pure-read snapshots, untouched global RNGs, finite
metrics, and the comparison card's claims (CAPABILITIES) checked against the engines."""
from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from engines.generative import DEMOS, capabilities
from engines.generative.configs import (FlowEnergyConfig, FlowSamplesConfig, GANConfig,
                                        RBMConfig, VAEConfig)
from engines.generative.targets import grid
from tests.engines.nn_helpers import assert_same_run, round_trip, run_to_end

SMALL = {
    "flow_samples": FlowSamplesConfig(steps=24, layers=2, hidden=8, batch_size=32),
    "flow_energy": FlowEnergyConfig(steps=24, layers=2, hidden=8, batch_size=32,
                                    conditional=True),
    "rbm": RBMConfig(steps=24, hidden=6, persistent=True, chains=4, k=2),
    "vae": VAEConfig(steps=24, hidden=16, batch_size=16, conditional=True),
    "gan": GANConfig(steps=24, hidden=8, batch_size=32, d_steps=2),
}
SPECS = {spec.name: spec for spec in DEMOS}


def engine_for(name, **changes):
    spec = SPECS[name]
    return spec.engine_class()(SMALL[name].replace(**changes), "cpu")


@pytest.mark.parametrize("name", list(SMALL))
def test_same_seed_same_numbers_and_restore_continues_exactly(name):
    a = run_to_end(engine_for(name), snapshot_hz=0.5)[-1]
    b = run_to_end(engine_for(name), snapshot_hz=0.5)[-1]
    assert_same_run(a, b)
    # save after 16 steps, restore into an engine built for 24: the same end
    first = engine_for(name, steps=16)
    run_to_end(first, snapshot_hz=0.5)
    state = round_trip(first.state_dict())
    resumed = engine_for(name)
    resumed.load_state_dict(state)
    assert_same_run(run_to_end(resumed, snapshot_hz=0.5)[-1], a)


@pytest.mark.parametrize("name", list(SMALL))
def test_snapshots_are_pure_reads_with_finite_metrics(name):
    engine = engine_for(name)
    run_to_end(engine, snapshot_hz=0.5)
    one, two = engine.snapshot(final=True), engine.snapshot(final=True)
    assert_same_run(one, two)
    assert one.metrics and all(isinstance(v, float) and np.isfinite(v)
                               for v in one.metrics.values())
    assert all(isinstance(v, np.ndarray) for v in one.arrays.values())
    assert "step" in one.history and len(one.history["step"]) > 1
    key = engine.CAPABILITIES.measured
    assert key in one.metrics, f"the card's live figure {key!r} is missing"


@pytest.mark.parametrize("name", list(SMALL))
def test_global_random_generators_are_untouched(name):
    torch.manual_seed(123)
    np.random.seed(123)
    random.seed(123)
    before = (torch.rand(1).item(), np.random.rand(), random.random())
    torch.manual_seed(123)
    np.random.seed(123)
    random.seed(123)
    run_to_end(engine_for(name), snapshot_hz=0.5)
    assert (torch.rand(1).item(), np.random.rand(), random.random()) == before


def test_every_engine_declares_the_card_entry_of_its_demo():
    for spec in DEMOS:
        assert spec.engine_class().CAPABILITIES is capabilities.for_demo(spec.name)
    assert {c.short for c in capabilities.METHODS} == {"RBM", "Flow", "VAE", "GAN"}


def test_the_cards_density_claims_hold():
    # Flow: exact and normalised density
    flow = engine_for("flow_samples")
    pts, _, area = grid(9.0, 300)
    assert np.exp(flow.log_density(pts)).sum() * area == pytest.approx(1.0, abs=5e-3)
    assert capabilities.FLOW.density_level == 2
    # RBM: −F(v) known, the normalisation only by enumerating 2^n states
    rbm = engine_for("rbm")
    v = rbm.data.states[:5]
    ln_z = rbm.params.log_partition()
    np.testing.assert_allclose(rbm.log_unnormalized(v) - ln_z,
                               rbm.params.log_prob(torch.as_tensor(v, dtype=torch.float64),
                                                   ln_z).numpy())
    assert capabilities.RBM.density_level == 1
    # VAE and GAN: no density at all
    for name in ("vae", "gan"):
        engine = engine_for(name)
        assert not hasattr(engine, "log_density") and not hasattr(engine, "log_unnormalized")
        assert engine.CAPABILITIES.density_level == 0
