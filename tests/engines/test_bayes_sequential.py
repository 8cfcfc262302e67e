"""Sequential updating: the grid posterior against the lecture's closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engines.bayes.configs import SequentialConfig
from engines.bayes.edits import Observe
from engines.bayes.info import gaussian_entropy_bits, gaussian_kl_bits
from engines.bayes.sequential import SequentialEngine, closed_form
from engines.config import ConfigError
from engines.rl.edits import ToggleWall
from tests.engines.nn_helpers import assert_same_run, run_to_end
from tests.engines.test_bayes_common import continue_after_restore

# Grid (4001 points) against closed form: means and widths to 1e-9 relative, entropies
# and KL to 1e-6 bits, densities to 1e-6 of the peak height.
TOL_MOMENTS = 1e-9
TOL_BITS = 1e-6


@pytest.mark.parametrize("w,lam,sigma", [(1.0, 2.0, 1.0), (0.5, -3.0, 0.7), (2.0, 8.0, 1.5)])
def test_grid_posterior_matches_the_gaussian_closed_form(w, lam, sigma):
    engine = SequentialEngine(SequentialConfig(prior_width=w, true_lambda=lam, noise=sigma,
                                               steps=60, seed=3))
    run_to_end(engine)
    mean, width = closed_form(engine.cfg, engine.ys)
    rec = engine.records
    assert rec["mean"][-1] == pytest.approx(mean, rel=TOL_MOMENTS, abs=1e-10)
    assert rec["width"][-1] == pytest.approx(width, rel=TOL_MOMENTS)
    analytic = engine.analytic_density()
    assert np.max(np.abs(engine.posterior - analytic)) < 1e-6 * analytic.max()
    # differential entropy and KL of the grid posterior = the Gaussian formulas
    assert rec["h_post"][-1] == pytest.approx(gaussian_entropy_bits(width**2), abs=TOL_BITS)
    assert rec["kl"][-1] == pytest.approx(gaussian_kl_bits(mean, width**2, 0.0, w**2),
                                          abs=TOL_BITS)
    assert engine.h_prior == pytest.approx(gaussian_entropy_bits(w**2), abs=TOL_BITS)


def test_width_follows_one_over_w_squared_plus_n_over_sigma_squared():
    cfg = SequentialConfig(prior_width=1.0, true_lambda=2.0, noise=1.0, steps=200)
    engine = SequentialEngine(cfg)
    run_to_end(engine)
    n = np.asarray(engine.records["n"])
    formula = 1.0 / np.sqrt(1.0 / cfg.prior_width**2 + n / cfg.noise**2)
    np.testing.assert_allclose(engine.records["width"], formula, rtol=1e-8)
    np.testing.assert_allclose(engine.records["width_formula"], formula, rtol=1e-12)
    # W_N -> sigma / sqrt(N)
    assert engine.records["width"][-1] * math.sqrt(200) == pytest.approx(1.0, rel=3e-3)
    # each observation's information: ½ log2(W_{N-1}² / W_N²) = ½ log2(1 + W_{N-1}²/σ²)
    before = np.concatenate([[cfg.prior_width], formula[:-1]])
    np.testing.assert_allclose(engine.records["gain"], 0.5 * np.log2(1 + before**2), atol=1e-6)


def test_the_mean_is_pulled_to_a_true_value_far_in_the_prior_tail():
    """λ* = 8 W has prior density ~1e-14 of the peak; the posterior still finds it."""
    cfg = SequentialConfig(prior_width=1.0, true_lambda=8.0, noise=1.0, steps=100, seed=1)
    engine = SequentialEngine(cfg)
    run_to_end(engine)
    means = np.asarray(engine.records["mean"])
    ys = np.asarray(engine.ys)
    n = np.arange(1, ys.size + 1)
    widths = 1 / np.sqrt(1 + n)
    np.testing.assert_allclose(means, widths**2 * np.cumsum(ys), rtol=1e-8)  # (W_N²/σ²) Σ y
    assert means[0] < 6.0                            # the first pull stops short of λ*
    assert abs(means[-1] - 8.0) < 4 * widths[-1]      # ... later it sits at λ*


def test_a_fat_tailed_likelihood_leaves_the_prior_much_more_slowly():
    """λ* far in the prior's tail: Lorentzian observations look like outliers at first,
    so the posterior mean needs many more of them to get half-way to λ*."""
    def steps_to_half_way(kind: str, seed: int) -> int:
        engine = SequentialEngine(SequentialConfig(prior_width=1.0, true_lambda=8.0,
                                                   noise=1.0, likelihood=kind, steps=200,
                                                   seed=seed))
        run_to_end(engine)
        past = np.asarray(engine.records["mean"]) > 4.0
        return int(np.argmax(past)) + 1 if past.any() else 10**6

    for seed in range(4):
        assert steps_to_half_way("gaussian", seed) <= 2
        assert steps_to_half_way("lorentzian", seed) >= 5 * steps_to_half_way("gaussian", seed)


def test_a_single_outlier_barely_moves_a_lorentzian_posterior():
    base = dict(prior_width=1.0, true_lambda=0.0, noise=1.0, steps=1)
    gauss = SequentialEngine(SequentialConfig(likelihood="gaussian", **base))
    fat = SequentialEngine(SequentialConfig(likelihood="lorentzian", **base))
    for engine in (gauss, fat):
        engine.apply_edit(Observe(y=7.5))
    assert gauss.records["mean"][-1] == pytest.approx(3.75, rel=1e-8)   # (W₁²/σ²)·y = y/2
    assert abs(fat.records["mean"][-1]) < 0.5
    assert fat.last_source == "click"


def test_observation_edits_and_refusals():
    engine = SequentialEngine(SequentialConfig(steps=5))
    engine.apply_edit(Observe())                 # the button: simulated
    assert engine.n_obs == 1 and engine.last_source == "button"
    posterior = engine.posterior.copy()
    for bad in (Observe(y=1e6), Observe(y=float("nan")),
                ToggleWall(cell=(0, 0)), Observe(y="abc")):
        with pytest.raises(ValueError):
            engine.apply_edit(bad)
    np.testing.assert_array_equal(engine.posterior, posterior)   # unchanged
    assert engine.n_obs == 1
    with pytest.raises(ValueError, match="outside"):
        engine.apply_edit(Observe(y=1e6))


@pytest.mark.parametrize("key", ["prior_width", "noise"])
@pytest.mark.parametrize("value", [0.0, -1.0])
def test_zero_or_negative_widths_are_refused_naming_the_key(key, value):
    with pytest.raises(ConfigError) as info:
        SequentialConfig(**{key: value})
    assert info.value.key == key and "larger than 0" in str(info.value)
    with pytest.raises(ConfigError, match=key):
        SequentialConfig.from_dict({key: str(value)})


@pytest.mark.parametrize("kind", ["gaussian", "lorentzian"])
def test_a_restored_run_continues_with_the_same_numbers(kind):
    cfg = SequentialConfig(likelihood=kind, steps=30, seed=5)
    assert_same_run(*continue_after_restore(SequentialEngine, cfg, 12,
                                            edits=[Observe(y=3.0)]))
