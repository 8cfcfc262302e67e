"""Normalizing flows (lecture 7.2): exact invertibility, log|det J| per layer, a normalised
density, learning a Gaussian mixture down to its entropy, painted targets, and the
reverse-KL training against the exact ln Z."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engines.config import ConfigError
from engines.generative import targets
from engines.generative.configs import (FlowEnergyConfig, FlowSamplesConfig, PaintedTarget,
                                        SetTemperature)
from engines.generative.flow_demo import FlowEnergyEngine, FlowSamplesEngine
from engines.generative.flows import Flow
from tests.engines.nn_helpers import run_to_end


def _flow(mixing="alternate", cond_dim=0, dim=2, layers=6):
    gen = torch.Generator().manual_seed(3)
    return Flow(dim, layers, hidden=16, depth=2, mixing=mixing, cond_dim=cond_dim,
                gen=gen).double()


@pytest.mark.parametrize("mixing", ["alternate", "rotation"])
@pytest.mark.parametrize("dim", [2, 5])
def test_forward_and_inverse_are_exact_inverses(mixing, dim):
    flow = _flow(mixing, dim=dim)
    z = torch.randn(500, dim, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x, ld_fwd = flow.forward(z)
    z_back, ld_inv = flow.inverse(x)
    assert torch.max(torch.abs(z_back - z)) < 1e-5
    # ln|det ∂x/∂z| = −ln|det ∂z/∂x| at corresponding points
    assert torch.max(torch.abs(ld_fwd + ld_inv)) < 1e-5
    x_again, _ = flow.forward(flow.inverse(x)[0])
    assert torch.max(torch.abs(x_again - x)) < 1e-5


def test_invertibility_in_float32_and_with_a_condition():
    flow = Flow(2, 8, 32, 2, cond_dim=1, gen=torch.Generator().manual_seed(1))
    z = torch.randn(1000, 2, generator=torch.Generator().manual_seed(2))
    c = torch.rand(1000, 1, generator=torch.Generator().manual_seed(3))
    x, _ = flow.forward(z, c)
    assert torch.max(torch.abs(flow.inverse(x, c)[0] - z)) < 1e-5


@pytest.mark.parametrize("mixing", ["alternate", "rotation"])
def test_accumulated_logdet_equals_the_jacobian_determinant(mixing):
    """Σ over layers of ln|det ∂y_j/∂y_{j−1}| = ln|det ∂z/∂x| of the whole network."""
    flow = _flow(mixing, dim=3, layers=5)
    x = torch.randn(6, 3, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    _, logdet = flow.inverse(x)
    for i in range(len(x)):
        J = torch.autograd.functional.jacobian(lambda v: flow.inverse(v[None])[0][0], x[i])
        logdet = logdet.detach()
        assert float(logdet[i]) == pytest.approx(float(torch.linalg.slogdet(J)[1]), abs=1e-6)


def test_model_density_is_normalised():
    flow = _flow()
    pts, _, area = targets.grid(9.0, 360)
    with torch.no_grad():
        q = torch.exp(flow.log_prob(torch.as_tensor(pts)))
    assert float(q.sum()) * area == pytest.approx(1.0, abs=2e-3)


def test_target_densities_are_normalised_and_entropies_match_sampling():
    rng = np.random.default_rng(0)
    pts, _, area = targets.grid(5.0, 300)
    for name in ("two_moons", "rings", "checkerboard", "gaussian_mixture"):
        t = targets.make_target(name)
        mass = float(np.exp(t.log_density(pts)).sum() * area)
        assert mass == pytest.approx(1.0, abs=0.02 if name == "checkerboard" else 2e-3), name
        x = t.sample(6000, rng)
        mc = float(-t.log_density(x).mean())       # H = −⟨ln p⟩_p, sampling error ~0.015
        assert mc == pytest.approx(t.entropy(), abs=0.06), name


def test_partition_function_on_the_grid_is_converged():
    for name in ("double_well", "ring", "pair"):
        coarse = targets.log_partition(name, 1.0)
        fine = targets.log_partition(name, 1.0, n=700, box=6.5)
        assert coarse == pytest.approx(fine, abs=1e-4)
    # a Gaussian energy has the analytic Z = 2πT: check the integrator itself
    pts, _, area = targets.grid(targets.ENERGY_BOX, targets.FINE)
    ln_z = float(np.log(np.exp(-0.5 * (pts ** 2).sum(1) / 0.7).sum() * area))
    assert ln_z == pytest.approx(math.log(2 * math.pi * 0.7), abs=1e-6)


def test_learning_a_gaussian_mixture_reaches_its_entropy():
    """The stated margin: after 600 steps of a small flow (6 layers of 32 units) the
    held-out NLL lies within 0.2 nats of H[p] and the sample KL estimate ⟨ln p − ln q⟩ is
    below 0.15 nats (it starts near 0.8; seeds 0, 1, 2 reach 0.09, 0.06, 0.08)."""
    cfg = FlowSamplesConfig(target="gaussian_mixture", steps=600, seed=0, lr=3e-3,
                            layers=6, hidden=32, batch_size=128)
    engine = FlowSamplesEngine(cfg)
    first = engine.evaluate()
    snap = run_to_end(engine, snapshot_hz=0.5)[-1]
    m = snap.metrics
    assert first["kl"] > 0.5
    assert m["nll"] - m["entropy"] < 0.2
    assert 0.0 < m["kl"] < 0.15
    assert m["entropy"] == pytest.approx(targets.gaussian_mixture().entropy())


@pytest.mark.slow
def test_long_training_gets_close_to_the_entropy_floor():
    engine = FlowSamplesEngine(FlowSamplesConfig(target="gaussian_mixture", steps=4000))
    m = run_to_end(engine, snapshot_hz=0.5)[-1].metrics
    assert m["kl"] < 0.05
    assert abs(m["nll"] - m["entropy"]) < 0.08


def test_painted_target_needs_points_and_learns_them():
    cfg = FlowSamplesConfig(target="painted", steps=150, layers=4, hidden=32, paint_sigma=0.3)
    engine = FlowSamplesEngine(cfg)
    with pytest.raises(ValueError, match="painted target is empty"):
        engine.train_step()
    with pytest.raises(ValueError, match="painted target is empty"):
        engine.apply_edit(PaintedTarget(points=np.empty((0, 2))))
    assert "p_density" not in engine.snapshot().arrays      # no target, no crash
    blob = np.array([[2.0, 2.0], [2.2, 1.8], [1.8, 2.1]])
    engine.apply_edit(PaintedTarget(points=blob))
    snap = run_to_end(engine, snapshot_hz=0.5)[-1]
    assert np.array_equal(snap.arrays["painted"], blob)
    assert snap.metrics["entropy"] == pytest.approx(engine.target.entropy(), abs=0.1)
    # the model's samples moved towards the painted blob
    assert np.linalg.norm(np.median(snap.arrays["samples"], axis=0) - [2.0, 2.0]) < 1.0
    with pytest.raises(ValueError, match="target is 'painted'"):
        FlowSamplesEngine(FlowSamplesConfig()).apply_edit(
            PaintedTarget(points=blob))


def test_reverse_kl_training_approaches_the_exact_free_energy():
    cfg = FlowEnergyConfig(energy="ring", steps=400, layers=6, hidden=32, seed=1)
    engine = FlowEnergyEngine(cfg)
    before = engine.evaluate()
    m = run_to_end(engine, snapshot_hz=0.5)[-1].metrics
    assert m["neg_ln_z"] == pytest.approx(-targets.log_partition("ring", 1.0))
    assert m["kl"] == pytest.approx(m["free_energy"] - m["neg_ln_z"])
    assert before["kl"] > 1.0
    assert -0.02 < m["kl"] < 0.4          # F_q/T ≥ −ln Z up to the estimate's noise
    assert m["ess"] > 0.3


def test_temperature_edit_changes_the_target_and_is_validated():
    engine = FlowEnergyEngine(FlowEnergyConfig(steps=5, layers=2, hidden=8))
    engine.apply_edit(SetTemperature(value=2.0))
    m = engine.snapshot().metrics
    assert m["temperature"] == 2.0
    assert m["neg_ln_z"] == pytest.approx(-targets.log_partition("double_well", 2.0))
    with pytest.raises(ValueError, match="out of range"):
        engine.apply_edit(SetTemperature(value=10.0))
    assert engine.temperature == 2.0


def test_conditional_flow_config_needs_an_interval():
    with pytest.raises(ConfigError, match="t_max"):
        FlowEnergyConfig(conditional=True, t_min=2.0, t_max=1.0)
    engine = FlowEnergyEngine(FlowEnergyConfig(conditional=True, steps=20, layers=2,
                                               hidden=8))
    run_to_end(engine, snapshot_hz=0.5)
    engine.apply_edit(SetTemperature(value=0.7))
    assert engine.snapshot().metrics["temperature"] == 0.7


def test_random_flow_logdet_map_is_kept_from_the_start():
    engine = FlowSamplesEngine(FlowSamplesConfig(steps=30, layers=4, hidden=16))
    start = engine.snapshot().arrays["logdet_init"]
    assert np.ptp(start) > 0.05                   # a random flow is not volume preserving
    end = run_to_end(engine)[-1].arrays["logdet_init"]
    np.testing.assert_array_equal(start, end)
