"""The restricted Boltzmann machine (lecture 7.3): exact partition function and KL, the
"data minus model" gradient against finite differences, CD-k on average, learning bars
and stripes, clamping, annealing, and the zero-hidden-units message."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engines.config import ConfigError
from engines.generative.binary_data import bars_and_stripes, segments
from engines.generative.configs import Anneal, Clamp, RBMConfig, SetTemperature
from engines.generative.rbm import (RBMEngine, RBMParams, all_states, cd_update,
                                    exact_gradient, kl_every)
from tests.engines.nn_helpers import run_to_end


def _params(n_v, n_h, seed=0, scale=0.7):
    g = torch.Generator().manual_seed(seed)
    return RBMParams(scale * torch.randn(n_v, n_h, generator=g, dtype=torch.float64),
                     0.5 * torch.randn(n_v, generator=g, dtype=torch.float64),
                     0.5 * torch.randn(n_h, generator=g, dtype=torch.float64))


def brute_log_z(p: RBMParams) -> float:
    """ln Σ_{v,h} e^{−E(v,h)} over all joint states."""
    n_v, n_h = p.W.shape
    v, h = all_states(n_v), all_states(n_h)
    minus_e = (v @ p.a)[:, None] + (h @ p.b)[None, :] + v @ p.W @ h.T
    return float(torch.logsumexp(minus_e.reshape(-1), dim=0))


@pytest.mark.parametrize("n_v,n_h", [(4, 6), (7, 3), (5, 5)])
def test_partition_function_by_either_layer_equals_brute_force(n_v, n_h):
    p = _params(n_v, n_h)
    assert p.log_partition() == pytest.approx(brute_log_z(p), abs=1e-10)
    # P(v) = e^{−F(v)}/Z sums to one
    probs = torch.exp(p.log_prob(all_states(n_v)))
    assert float(probs.sum()) == pytest.approx(1.0, abs=1e-10)


def test_data_distributions_are_exact():
    seg = segments(20, 7)
    assert seg.probs.sum() == pytest.approx(1.0)
    assert set(seg.states.sum(axis=1)) == {5, 6, 7, 8, 9}
    assert len({s.tobytes() for s in seg.states}) == len(seg.states)
    bas = bars_and_stripes(3)
    assert len(bas.states) == 14 and bas.probs.sum() == pytest.approx(1.0)
    assert sorted(set(np.round(bas.probs, 6))) == [0.0625, 0.125]   # all-on/off twice
    assert bas.entropy() == pytest.approx(12 / 16 * math.log(16) + 2 / 8 * math.log(8))


def test_exact_gradient_is_data_minus_model_and_matches_finite_differences():
    """∂⟨ln P(v)⟩_data/∂θ = ⟨·⟩_data − ⟨·⟩_model, checked by central differences of the
    exact log-likelihood on a 4-visible / 3-hidden machine."""
    data = bars_and_stripes(2)
    vd = torch.as_tensor(data.states, dtype=torch.float64)
    pd = torch.as_tensor(data.probs, dtype=torch.float64)
    p = _params(4, 3, seed=1)

    def loglik(q: RBMParams) -> float:
        return float(pd @ q.log_prob(vd))

    dW, da, db = exact_gradient(p, vd, pd)
    eps = 1e-6
    for name, grad in (("W", dW), ("a", da), ("b", db)):
        theta = getattr(p, name)
        fd = torch.zeros_like(theta)
        for idx in np.ndindex(*theta.shape):
            plus, minus = theta.clone(), theta.clone()
            plus[idx] += eps
            minus[idx] -= eps
            fd[idx] = (loglik(RBMParams(**{**vars(p), name: plus}))
                       - loglik(RBMParams(**{**vars(p), name: minus}))) / (2 * eps)
        np.testing.assert_allclose(grad.numpy(), fd.numpy(), atol=1e-7, err_msg=name)


def test_cd_update_agrees_with_the_exact_gradient_on_average():
    """CD-k with a long chain (k = 30) is an unbiased estimate of data − model: averaged
    over 40,000 samples it matches the exact gradient to ±0.02 (its statistical error is
    about 0.005)."""
    data = bars_and_stripes(2)
    vd = torch.as_tensor(data.states, dtype=torch.float64)
    pd = torch.as_tensor(data.probs, dtype=torch.float64)
    p = _params(4, 3, seed=2, scale=0.5)
    exact = exact_gradient(p, vd, pd)
    rng = np.random.default_rng(0)
    v0 = torch.as_tensor(data.sample(40_000, rng), dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    dW, da, db, _, _ = cd_update(p, v0, k=30, gen=gen, probability_trick=True)
    for est, ex in zip((dW, da, db), exact):
        np.testing.assert_allclose(est.numpy(), ex.numpy(), atol=0.02)
    # and the probability trick lowers the noise of the estimate (same mean)
    spreads = {}
    for trick in (True, False):
        runs = [cd_update(p, v0[i * 500:(i + 1) * 500], 1,
                          torch.Generator().manual_seed(i), trick)[0] for i in range(20)]
        spreads[trick] = float(torch.stack(runs).std(dim=0).mean())
    assert spreads[True] < 0.8 * spreads[False]


def test_bars_and_stripes_kl_falls_below_the_threshold():
    """Threshold 0.35 nats. For orientation: the initial (nearly uniform) machine has
    KL = ln 512 − H = 3.64 nats; a model that puts a fraction m of its mass on the 14
    patterns in the right proportions has KL = −ln m, so KL < 0.35 means more than 70 % of
    the model's probability on the correct patterns (and no large imbalance among them).
    Trained CD-5 machines reach 0.17 … 0.25 in 3000 batches (seeds 0 … 2)."""
    cfg = RBMConfig(data="bars_stripes", bas_side=3, hidden=16, init_scale=0.1, lr=0.1,
                    k=5, batch_size=32, steps=3000, seed=0)
    engine = RBMEngine(cfg)
    start = engine.snapshot().metrics["kl"]
    m = run_to_end(engine, snapshot_hz=0.5)[-1].metrics
    assert start > 3.0
    assert m["kl"] < 0.35
    assert m["model_mass"] > 0.7


def test_kl_is_computed_on_the_cheaper_side_and_skipped_when_too_big():
    assert kl_every(9, 16) == 1 and kl_every(20, 16) == 16
    assert kl_every(20, 64) > 1        # 2^20 visible states × 64: every few steps
    assert kl_every(784, 64) == 0      # MNIST: no exact KL
    engine = RBMEngine(RBMConfig(data="segments", hidden=4, steps=3))
    ex = engine.exact()
    logq = engine.params.log_prob(engine.support).numpy()
    assert ex["kl"] == pytest.approx(float(np.sum(engine.data.probs *
                                                  (np.log(engine.data.probs) - logq))))


def test_zero_hidden_units_is_refused_with_a_message():
    with pytest.raises(ConfigError) as info:
        RBMConfig.from_dict({"hidden": "0"})
    assert info.value.key == "hidden"
    assert "at least one hidden unit" in str(info.value)


def test_clamped_units_stay_fixed_and_the_rest_is_sampled():
    engine = RBMEngine(RBMConfig(data="segments", steps=400, chains=32, seed=1))
    run_to_end(engine, snapshot_hz=0.5)
    clamp = np.full(20, -1)
    clamp[:3] = 1              # the first three sites on ...
    clamp[10] = 0              # ... and site 10 off
    engine.apply_edit(Clamp(pattern=clamp))
    engine.cfg = engine.cfg.replace(steps=430)
    chains = run_to_end(engine, snapshot_hz=0.5)[-1].arrays["chain_samples"]
    assert (chains[:, :3] == 1).all() and (chains[:, 10] == 0).all()
    free = chains[:, 11:]
    assert 0.0 < free.mean() < 0.3     # a segment at the left: the right stays mostly off
    with pytest.raises(ValueError, match="visible units"):
        engine.apply_edit(Clamp(pattern=[1, 0]))
    with pytest.raises(ValueError, match="−1"):
        engine.apply_edit(Clamp(pattern=np.full(20, 2)))
    assert (engine.clamp[:3] == 1).all()          # a refused edit changes nothing


def test_annealing_cools_the_chains_from_hot_to_one():
    cfg = RBMConfig(data="segments", steps=10, anneal_from=5.0, anneal_sweeps=20, sweeps=2)
    engine = RBMEngine(cfg)
    engine.apply_edit(Anneal())
    temps = []
    for _ in range(12):
        temps.append(engine.chain_temperature)
        engine.train_step()
        engine.step += 1
    assert temps[0] == pytest.approx(5.0)
    assert all(a > b for a, b in zip(temps, temps[1:11]))   # monotone cooling
    assert temps[-1] == 1.0 and engine.anneal_pos is None
    with pytest.raises(ValueError, match="unknown edit SetTemperature for the RBM"):
        engine.apply_edit(SetTemperature(value=1.0))


def test_mnist_rbm_runs_without_exact_quantities():
    engine = RBMEngine(RBMConfig(data="mnist", hidden=16, steps=5))
    snap = run_to_end(engine, snapshot_hz=0.5)[-1]
    assert "kl" not in snap.metrics and snap.arrays["weights"].shape == (784, 16)
    assert tuple(snap.arrays["shape"]) == (28, 28)
