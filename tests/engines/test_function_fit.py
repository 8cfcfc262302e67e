"""FunctionFitEngine: divergence, L1 sparsity, overfitting and its cures, quick preset."""
from __future__ import annotations

import pytest
import torch

from engines.nn_basics.configs import FunctionFitConfig
from engines.nn_basics.function_fit import FunctionFitEngine
from engines.nn_basics.mlp import MLP, weight_penalty
from engines.nn_basics.targets import target_function
from engines.runtime import Control, Diverged, Snapshot, check_finite, drive
from tests.engines.nn_helpers import run_to_end, small


def final(cfg: FunctionFitConfig):
    return run_to_end(FunctionFitEngine(cfg))[-1]


def test_sgd_with_huge_rate_diverges():
    # Plain SGD with η = 10 on a ReLU net: each step overshoots by a growing factor
    # (η·curvature ≫ 2), the weights blow up to inf and the MSE becomes inf/NaN.
    _, cfg = small("function", optimizer="sgd", lr=10.0, activation="relu", width=64,
                   depth=3, dropout=0.0, steps=400)
    with pytest.raises(Diverged) as info:
        for _ in drive(FunctionFitEngine(cfg), Control(snapshot_hz=1e9)):
            pass
    err = info.value
    assert err.metric in ("train_loss", "test_loss", "sparsity")
    assert 0 < err.step <= 400
    assert f"step {err.step}" in str(err) and err.metric in str(err)
    assert "learning rate" in str(err)


def test_check_finite_names_metric_and_step():
    snap = Snapshot(step=17, metrics={"train_loss": 0.1, "test_loss": float("nan")})
    with pytest.raises(Diverged, match="step 17: test_loss is nan"):
        check_finite(snap, FunctionFitEngine.divergence_advice)


def test_penalty_is_l1_plus_l2_over_weight_matrices_only():
    g = torch.Generator().manual_seed(0)
    net = MLP(1, 1, 2, 5, "tanh", g)
    with torch.no_grad():
        for b in net.biases:
            b.fill_(100.0)   # biases must not count
    w = net.weight_matrices()
    expect = 0.3 * sum(x.abs().sum() for x in w) + 0.7 * sum((x * x).sum() for x in w)
    assert torch.allclose(weight_penalty(net, 0.3, 0.7), expect)


def test_targets_are_sane():
    x = torch.linspace(-3, 3, 601)
    assert target_function("lorentzian")(torch.tensor(0.0)) == 1.0
    assert target_function("lorentzian")(torch.tensor(0.5)) == 0.5   # half width θ2 = 0.5
    for name in ("lorentzian", "step", "abs", "sawtooth"):
        y = target_function(name)(x)
        assert y.min() >= 0.0 and y.max() <= 1.0, name
    assert target_function("sin")(x).abs().max() <= 1.0


def test_l1_raises_sparsity(presets):
    cfg = FunctionFitConfig.from_dict(presets["function"]["L1 sparsity"]).replace(steps=500)
    plain = final(cfg.replace(l1=0.0)).metrics["sparsity"]
    sparse = final(cfg).metrics["sparsity"]
    # λ1 Σ|w| pulls every weight towards zero with constant force λ1: many end up
    # within 1e-2 of zero, which plain MSE training never does.
    assert sparse > plain + 0.2, (plain, sparse)


@pytest.mark.slow
def test_overfit_preset_is_cured_by_dropout_and_l2(presets):
    table = presets["function"]
    cfg = {name: FunctionFitConfig.from_dict(table[name])
           for name in ("overfit", "cure: dropout", "cure: L2")}
    loss = {name: final(c).metrics for name, c in cfg.items()}
    over = loss["overfit"]
    noise2 = cfg["overfit"].noise ** 2
    # Overfitting: the training points are interpolated (train MSE far below σ², the
    # best any honest fit can do) while the test MSE is well above σ².
    assert over["train_loss"] < 0.2 * noise2
    for cure in ("cure: dropout", "cure: L2"):
        assert loss[cure]["test_loss"] < 0.85 * over["test_loss"], (cure, loss)


def test_quick_preset_fits_the_target(presets):
    cfg = FunctionFitConfig.from_dict(presets["function"]["quick"])
    snap = final(cfg)
    y = snap.arrays["y_target"]
    # A good fit leaves only the label noise plus a small bias: MSE_test must be
    # below σ² (irreducible) + 10 % of the target's variance (what "no fit" would cost).
    assert snap.metrics["test_loss"] < cfg.noise**2 + 0.1 * y.var()
