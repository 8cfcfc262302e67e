"""Qubit readout: P(λ=1 | y) from the lecture's formula, sequences, information."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from engines.bayes.configs import QubitConfig
from engines.bayes.edits import Observe
from engines.bayes.info import shannon_bits
from engines.bayes.qubit import QubitEngine, expected_gain_bits, posterior_curve
from engines.config import ConfigError
from tests.engines.nn_helpers import assert_same_run, run_to_end
from tests.engines.test_bayes_common import continue_after_restore


def direct_posterior(cfg: QubitConfig, ys) -> float:
    """P(λ=1 | y₁…y_N) = Π p(y_j|1) P(1) / Σ_λ′ Π p(y_j|λ′) P(λ′)."""
    l0 = np.prod(norm.pdf(ys, -cfg.separation / 2, cfg.readout_noise)) * (1 - cfg.prior_p1)
    l1 = np.prod(norm.pdf(ys, cfg.separation / 2, cfg.readout_noise)) * cfg.prior_p1
    return l1 / (l0 + l1)


@pytest.mark.parametrize("sep,sigma,p1,state", [(1.0, 1.0, 0.5, "1"), (2.0, 0.7, 0.2, "0"),
                                                (0.4, 1.5, 0.9, "1")])
def test_sequence_matches_bayes_formula_over_all_readouts(sep, sigma, p1, state):
    cfg = QubitConfig(separation=sep, readout_noise=sigma, prior_p1=p1, true_state=state,
                      steps=12, seed=4)
    engine = QubitEngine(cfg)
    run_to_end(engine)
    for n in range(1, 13):
        assert engine.records["p1"][n - 1] == pytest.approx(
            direct_posterior(cfg, engine.ys[:n]), rel=1e-10, abs=1e-14)
    probs = [1 - engine.p1, engine.p1]
    assert engine.records["h_post"][-1] == pytest.approx(shannon_bits(probs), abs=1e-9)


def test_single_readout_curve_is_the_lecture_formula():
    cfg = QubitConfig(separation=1.5, readout_noise=0.8, prior_p1=0.3)
    y = np.linspace(-4, 4, 41)
    p0, p1 = norm.pdf(y, -0.75, 0.8), norm.pdf(y, 0.75, 0.8)
    expected = p1 * 0.3 / (p1 * 0.3 + p0 * 0.7)
    np.testing.assert_allclose(posterior_curve(y, cfg, math.log(0.3 / 0.7)), expected,
                               rtol=1e-12)


def test_many_readouts_find_the_true_state():
    for state in ("0", "1"):
        engine = QubitEngine(QubitConfig(separation=1.0, true_state=state, steps=200, seed=1))
        run_to_end(engine)
        assert round(engine.p1) == int(state)
        assert engine.records["h_post"][-1] < 1e-6


def test_information_gain_of_one_readout_can_be_negative_but_not_on_average():
    cfg = QubitConfig(separation=1.0, prior_p1=0.2, steps=1)
    engine = QubitEngine(cfg)
    engine.apply_edit(Observe(y=0.9))     # evidence for the unlikely state
    assert engine.records["gain"][-1] < 0                  # entropy went up
    mi = expected_gain_bits(cfg, math.log(0.2 / 0.8))
    assert 0 < mi < shannon_bits([0.8, 0.2])
    # Monte Carlo: the average entropy drop over readouts y ~ p(y) is the mutual information
    rng = np.random.default_rng(0)
    states = rng.random(40000) < 0.2
    ys = np.where(states, 0.5, -0.5) + rng.standard_normal(states.size)
    post = posterior_curve(ys, cfg, math.log(0.2 / 0.8))
    h = -(post * np.log2(post) + (1 - post) * np.log2(1 - post))
    assert shannon_bits([0.8, 0.2]) - h.mean() == pytest.approx(mi, abs=5e-3)
    assert expected_gain_bits(cfg.replace(separation=0.0), 0.0) == pytest.approx(0.0, abs=1e-9)


def test_edits_outside_the_readout_range_are_refused():
    engine = QubitEngine(QubitConfig(steps=3))
    with pytest.raises(ValueError, match="outside the readout range"):
        engine.apply_edit(Observe(y=100.0))
    assert engine.n_obs == 0


@pytest.mark.parametrize("p1", [0.0, 1.0])
def test_a_certain_prior_is_refused(p1):
    with pytest.raises(ConfigError, match="prior_p1"):
        QubitConfig(prior_p1=p1)
    with pytest.raises(ConfigError, match="readout_noise"):
        QubitConfig(readout_noise=0.0)


def test_a_restored_run_continues_with_the_same_numbers():
    cfg = QubitConfig(steps=20, seed=2)
    assert_same_run(*continue_after_restore(QubitEngine, cfg, 7,
                                            edits=[Observe(y=-0.4)]))
