"""LandscapeEngine: the analytic expected loss, optimizers, errors, quick preset."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.optimize import minimize

from engines.config import ConfigError
from engines.nn_basics.configs import LandscapeConfig
from engines.nn_basics.landscape import PATH_CAPACITY, LandscapeEngine
from engines.runtime import Control, Diverged, drive
from tests.engines.nn_helpers import run_to_end

CFG = LandscapeConfig(theta0_true=1.3, theta1_true=0.4, width=0.5, noise=0.2, steps=5)


def loss_fn(engine):
    def f(theta):
        return float(engine.expected_loss(float(theta[0]), float(theta[1])))
    return f


def test_expected_loss_is_sigma_squared_at_the_truth():
    engine = LandscapeEngine(CFG)
    at_truth = engine.expected_loss(1.3, 0.4).item()
    assert at_truth == CFG.noise**2


def test_grid_argmin_is_the_truth():
    engine = LandscapeEngine(CFG)
    snap = engine.snapshot()
    land, a0, a1 = (snap.arrays[k] for k in ("landscape", "theta0_axis", "theta1_axis"))
    assert land.shape == (len(a1), len(a0))   # rows over θ1, columns over θ0
    row, col = np.unravel_index(np.argmin(land), land.shape)
    assert abs(a0[col] - 1.3) <= a0[1] - a0[0]
    assert abs(a1[row] - 0.4) <= a1[1] - a1[0]
    np.testing.assert_array_equal(snap.arrays["theta_true"], [1.3, 0.4])


def test_landscape_picture_matches_the_loss_function():
    engine = LandscapeEngine(CFG)
    snap = engine.snapshot()
    a0, a1 = snap.arrays["theta0_axis"], snap.arrays["theta1_axis"]
    f = loss_fn(engine)
    for row, col in ((0, 0), (17, 90), (119, 5), (60, 60)):
        expect = np.log10(f([float(a0[col]), float(a1[row])]))
        assert snap.arrays["landscape"][row, col] == pytest.approx(expect, abs=1e-5)


def test_scipy_finds_the_truth_from_nearby():
    engine = LandscapeEngine(CFG)
    res = minimize(loss_fn(engine), x0=[1.0, 0.1], method="Nelder-Mead",
                   options={"xatol": 1e-7, "fatol": 1e-14, "maxiter": 4000})
    np.testing.assert_allclose(res.x, [1.3, 0.4], atol=1e-3)


def test_no_optimizer_is_a_config_error():
    cfg = LandscapeConfig(sgd=False, momentum=False, rmsprop=False, adam=False)
    with pytest.raises(ConfigError, match="enable at least one optimizer"):
        LandscapeEngine(cfg)


def test_only_enabled_optimizers_report():
    cfg = LandscapeConfig(sgd=False, rmsprop=False, steps=5)
    snap = run_to_end(LandscapeEngine(cfg))[-1]
    assert set(snap.metrics) == {"loss_momentum", "loss_adam", "dist_momentum", "dist_adam"}
    assert {k for k in snap.arrays if k.startswith("path_")} == {"path_momentum", "path_adam"}
    assert snap.arrays["path_adam"].shape == (6, 2)        # start + one point per step
    np.testing.assert_allclose(snap.arrays["path_adam"][0], [cfg.start_theta0,
                                                             cfg.start_theta1])


def test_optimizers_share_the_minibatch():
    # Two identical optimizers (sgd, and momentum with β = 0) see the same batch each
    # step, so their paths coincide exactly: differences come from the optimizer alone.
    cfg = LandscapeConfig(rmsprop=False, adam=False, beta=0.0, steps=50)
    snap = run_to_end(LandscapeEngine(cfg))[-1]
    np.testing.assert_array_equal(snap.arrays["path_sgd"], snap.arrays["path_momentum"])


def test_paths_are_thinned_deterministically():
    cap = PATH_CAPACITY
    cfg = LandscapeConfig(rmsprop=False, momentum=False, adam=False, steps=cap + 100)
    snap = run_to_end(LandscapeEngine(cfg), snapshot_hz=20)[-1]
    path = snap.arrays["path_sgd"]
    # cap points (steps 0..cap-1) were halved to steps 0, 2, ..., cap-2; then every 2nd.
    assert len(path) == cap // 2 + 51
    engine = LandscapeEngine(cfg.replace(steps=cap - 2))
    run_to_end(engine, snapshot_hz=20)
    np.testing.assert_array_equal(path[cap // 2 - 1], engine.snapshot().arrays["path_sgd"][-1])


def test_nan_parameters_are_reported_as_divergence():
    # A too-large η on this landscape does not overflow reliably (θ1 runs off to where
    # the Lorentzian misses all data and the gradient vanishes), so inject the NaN.
    cfg = LandscapeConfig(rmsprop=False, adam=False, steps=100)
    engine = LandscapeEngine(cfg)
    with torch.no_grad():
        engine.thetas["momentum"][0] = float("nan")
    with pytest.raises(Diverged) as info:
        for _ in drive(engine, Control(snapshot_hz=1e9)):
            pass
    assert info.value.metric == "loss_momentum" and info.value.step == 1
    assert "learning rate" in str(info.value)


def test_quick_preset_adam_reaches_the_truth(presets):
    cfg = LandscapeConfig.from_dict(presets["landscape"]["quick"])
    snap = run_to_end(LandscapeEngine(cfg))[-1]
    # Adam's steps have size ≈ η_adaptive per parameter, so near θ* it jitters on that
    # scale; 0.1 is a few of those steps and far smaller than the start distance (≈ 2).
    assert snap.metrics["dist_adam"] < 0.1


def test_large_batch_is_less_noisy_than_batch_one(presets):
    table = presets["landscape"]
    jitter = {}
    for name in ("noisy SGD (batch 1)", "large batch (256)"):
        cfg = LandscapeConfig.from_dict(table[name])
        snap = run_to_end(LandscapeEngine(cfg))[-1]
        tail = snap.arrays["path_sgd"][-200:]
        jitter[name] = float(np.linalg.norm(tail - tail.mean(0), axis=1).mean())
    # Lecture 2.5: <θ²> ∝ η / (N λ): the fluctuations shrink with the batch size N.
    assert jitter["large batch (256)"] < 0.3 * jitter["noisy SGD (batch 1)"], jitter
