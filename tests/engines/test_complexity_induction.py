"""Chapter 11: Solomonoff's predictor (normalised posterior, prediction = brute-force sum
over programs, squared error below (K ln 2)/2) and prefix-free codes / Kraft."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engines.complexity import machine
from engines.complexity.codes import (CodesEngine, canonical_code, decode_stream, kraft_sum,
                                      prefix_conflicts)
from engines.complexity.configs import (AddWord, Bits, CodesConfig, Feed, FromLengths,
                                        RemoveWord, SolomonoffConfig)
from engines.complexity.solomonoff import SolomonoffEngine
from engines.config import ConfigError
from tests.engines.test_bayes_common import continue_after_restore
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run,
                                      global_rng_untouched, run_to_end)


def brute_force_p1(seen: str, max_length: int, cutoff: int) -> float | None:
    """P̃(x1) / (P̃(x0) + P̃(x1)), every program run afresh."""
    weight = {"0": 0.0, "1": 0.0}
    for L in range(1, max_length + 1):
        for p in machine.programs_of_length(L):
            out = machine.run(p, cutoff, len(seen) + 1).output
            if len(out) > len(seen) and out.startswith(seen):
                weight[out[len(seen)]] += 2.0 ** -L
    total = weight["0"] + weight["1"]
    return None if total == 0 else weight["1"] / total


def test_solomonoff_prediction_is_the_brute_force_sum_and_posterior_is_normalised():
    cfg = SolomonoffConfig(sequence="custom", custom_bits="0110100", max_length=14,
                           cutoff=60, steps=7)
    engine = SolomonoffEngine(cfg)
    for n in range(cfg.steps):
        idx, w = engine.posterior()
        if idx.size:
            assert w.sum() == pytest.approx(1.0)
            assert np.all(w > 0)
        expected = brute_force_p1(engine.seen, cfg.max_length, cfg.cutoff)
        assert engine.p_next[0] == pytest.approx(0.5 if expected is None else expected,
                                                 abs=1e-12)
        engine.train_step()
        engine.step += 1


@pytest.mark.parametrize("sequence,max_length", [("alternating", 17), ("unary_counter", 17),
                                                 ("ones", 15), ("period3", 18)])
def test_cumulative_error_stays_below_k_ln2_over_2_on_periodic_sequences(sequence, max_length):
    cfg = SolomonoffConfig(sequence=sequence, max_length=max_length, cutoff=300, steps=40)
    snap = run_to_end(SolomonoffEngine(cfg))[-1]
    assert snap.metrics["in_class"] == 1.0
    assert snap.metrics["k_bits"] > 0
    assert snap.metrics["cum_sq_error"] <= snap.metrics["bound"]
    assert snap.metrics["bound"] == pytest.approx(snap.metrics["k_bits"] * math.log(2) / 2)
    # The shortest consistent program is the top hypothesis and predicts the next bit right.
    assert snap.arrays["top_weights"].sum() <= 1.0 + 1e-12
    assert snap.arrays["top_weights"][0] == snap.arrays["top_weights"].max()
    # Laplace's rule does worse than the universal predictor on a regular sequence.
    if sequence != "ones":
        assert snap.metrics["laplace_cum_sq_error"] > snap.metrics["cum_sq_error"]


def test_typed_bits_arrive_first_and_bad_ones_are_refused():
    engine = SolomonoffEngine(SolomonoffConfig(sequence="ones", max_length=12, steps=6))
    engine.apply_edit(Bits("00 1"))
    for _ in range(4):
        engine.train_step()
    assert engine.seen == "0011"
    with pytest.raises(ValueError, match="'2'"):
        engine.apply_edit(Bits("012"))
    with pytest.raises(ValueError, match="unknown edit Feed"):
        engine.apply_edit(Feed("01"))
    with pytest.raises(ConfigError, match="custom_bits"):
        SolomonoffConfig(sequence="custom", custom_bits="01a")


def test_solomonoff_determinism_restore_and_cancel():
    cfg = SolomonoffConfig(sequence="coin", coin_p=0.8, max_length=13, cutoff=80, steps=30)
    with global_rng_untouched():
        a = run_to_end(SolomonoffEngine(cfg))[-1]
    assert_same_run(a, run_to_end(SolomonoffEngine(cfg))[-1])
    whole, restored = continue_after_restore(SolomonoffEngine, cfg, 12,
                                             edits=(Bits("0101"),))
    assert_same_run(whole, restored)
    assert_cancelled_before_start(SolomonoffEngine(cfg))


# ---- prefix-free codes ----------------------------------------------------------------
def test_kraft_and_canonical_codes():
    assert kraft_sum(["0", "10", "110", "1110"]) == 0.9375
    assert prefix_conflicts(["0", "01", "11"]) == [("0", "01")]
    for lengths in ([1, 2, 3, 3], [2, 2, 2, 3, 4, 4], [3, 1, 2, 5, 5, 4]):
        words = canonical_code(lengths)
        assert [len(w) for w in words] == lengths
        assert not prefix_conflicts(words)
        assert kraft_sum(words) <= 1.0
    with pytest.raises(ValueError, match="Kraft"):
        canonical_code([1, 1, 2])
    words, rest = decode_stream(["0", "10", "110", "1110"], "110111010" + "11")
    assert words == ["110", "1110", "10"] and rest == "11"


def test_random_programs_follow_two_to_the_minus_length():
    cfg = CodesConfig(words="0, 10, 110", stream="", steps=20000, seed=3)
    snap = run_to_end(CodesEngine(cfg))[-1]
    n = snap.metrics["random_words"] + snap.metrics["dead_ends"]
    freq = snap.arrays["word_counts"] / n
    np.testing.assert_allclose(freq, [0.5, 0.25, 0.125], atol=4 / math.sqrt(n))
    assert snap.metrics["dead_end_rate"] == pytest.approx(1 - 0.875, abs=4 / math.sqrt(n))


def test_codes_refuse_bad_input_and_take_edits():
    with pytest.raises(ConfigError, match="code word 2"):
        CodesConfig(words="0, 1x")
    with pytest.raises(ConfigError, match="Kraft"):
        CodesConfig(source="lengths", lengths="1, 1, 1")
    with pytest.raises(ConfigError, match="stream"):
        CodesConfig(stream="0102")
    engine = CodesEngine(CodesConfig(stream="", steps=30))
    engine.apply_edit(AddWord("11110"))
    assert engine.words[-1] == "11110"
    engine.apply_edit(FromLengths("2,2,2,2"))
    assert engine.words == ["00", "01", "10", "11"]
    with pytest.raises(ValueError, match="appears twice"):
        engine.apply_edit(AddWord("01"))
    with pytest.raises(ValueError, match="not a code word"):
        engine.apply_edit(RemoveWord("111"))
    engine.apply_edit(Feed("0011"))
    engine.train_step(), engine.train_step(), engine.train_step(), engine.train_step()
    assert engine.decoded == ["00", "11"]


def test_codes_determinism_restore_and_cancel():
    cfg = CodesConfig(words="0, 10, 110", steps=300)
    with global_rng_untouched():
        a = run_to_end(CodesEngine(cfg))[-1]
    assert_same_run(a, run_to_end(CodesEngine(cfg))[-1])
    whole, restored = continue_after_restore(CodesEngine, cfg, 100,
                                             edits=(AddWord("1110"),))
    assert_same_run(whole, restored)
    assert_cancelled_before_start(CodesEngine(cfg))


def test_every_preset_builds_a_valid_config():
    from engines.complexity import DEMOS
    from workbench.presets import preset_config, preset_names

    for spec in DEMOS:
        names = preset_names("complexity", spec.name)
        assert "quick" in names
        for name in names:
            preset_config("complexity", spec, name)
