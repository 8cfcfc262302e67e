"""Exercise A1.5: labels drawn from a known p(a|s); the softmax output converges to it."""
from __future__ import annotations

import numpy as np
import pytest

from engines.config import ConfigError
from engines.mnist.configs import S_RANGE, ExpectedLabelsConfig
from engines.mnist.expected import ExpectedLabelsEngine
from engines.mnist.labels import (conditional_entropy, kl_divergence, sample_pairs,
                                  true_policy)
from tests.engines.nn_helpers import assert_same_run, round_trip, run_to_end


def test_true_policy_is_a_distribution_that_prefers_its_centres():
    s = np.linspace(*S_RANGE, 101)
    p = true_policy(s, 4, 1.5)
    assert p.shape == (101, 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert p[0].argmax() == 0 and p[-1].argmax() == 3


def test_labels_are_drawn_with_the_true_probabilities():
    rng = np.random.default_rng(0)
    s, a = sample_pairs(40000, 3, 1.5, rng)
    assert s.min() >= S_RANGE[0] and s.max() <= S_RANGE[1]
    near = np.abs(s - 0.0) < 0.1
    freq = np.bincount(a[near], minlength=3) / near.sum()
    np.testing.assert_allclose(freq, true_policy(np.array([0.0]), 3, 1.5)[0], atol=0.03)


def test_kl_divergence_by_hand():
    p = np.array([[0.5, 0.5], [1.0, 0.0]])
    q = np.array([[0.25, 0.75], [0.5, 0.5]])
    expected0 = 0.5 * np.log(0.5 / 0.25) + 0.5 * np.log(0.5 / 0.75)
    np.testing.assert_allclose(kl_divergence(p, q), [expected0, np.log(2.0)])
    np.testing.assert_allclose(kl_divergence(p, p), 0.0)
    # the floor: entropy of uniform labels is log A
    assert conditional_entropy(3, 1e-9) == pytest.approx(np.log(3), rel=1e-6)


def test_softmax_output_converges_to_the_label_distribution():
    engine = ExpectedLabelsEngine(ExpectedLabelsConfig(steps=800, fresh_samples=True))
    final = run_to_end(engine, snapshot_hz=5)[-1]
    h = final.history
    assert h["kl"][-1] < h["kl"][0] / 20                    # KL falls by orders of magnitude
    assert final.metrics["kl"] < 0.05
    # L[θ] = H(A|S) + E KL: never below the floor, close to it at the end
    assert (h["loss"] >= h["floor"] - 1e-9).all()
    np.testing.assert_allclose(h["loss"] - h["floor"], h["kl"], atol=1e-9)
    assert final.metrics["floor"] == pytest.approx(conditional_entropy(3, 1.5))
    a = final.arrays
    np.testing.assert_allclose(a["pi"].sum(axis=0), 1.0, rtol=1e-6)
    assert np.abs(a["pi"] - a["p_true"]).max() < 0.15


def test_save_restore_continues_identically():
    cfg = ExpectedLabelsConfig(steps=40, n_train=300, batch_size=32)
    whole = run_to_end(ExpectedLabelsEngine(cfg.replace(steps=70)))[-1]
    first = ExpectedLabelsEngine(cfg)
    run_to_end(first)
    second = ExpectedLabelsEngine(cfg.replace(steps=70))
    second.load_state_dict(round_trip(first.state_dict()))
    assert_same_run(run_to_end(second)[-1], whole)


def test_batch_larger_than_the_training_set_is_refused():
    with pytest.raises(ConfigError) as info:
        ExpectedLabelsConfig(n_train=100, batch_size=128)
    assert info.value.key == "batch_size" and "100" in str(info.value)
    ExpectedLabelsConfig(n_train=100, batch_size=128, fresh_samples=True)
