"""Contract of every information demo: determinism, save/restore, cancellation, edits,
presets, headless metrics."""
from __future__ import annotations

import numpy as np
import pytest

from engines.information.blocks import BlocksEngine
from engines.information.codes import CodesEngine
from engines.information.configs import (BlocksConfig, CodesConfig, ContinuousConfig,
                                         RestartBuild, SetBitProb, SetBlock, SetCoupling,
                                         SetMix, SetOrder, SetProb, SetProbs, SetTemperature,
                                         SourceConfig, TextConfig)
from engines.information.continuous import ContinuousEngine
from engines.information.source import SourceEngine
from engines.information.text import load_english
from engines.information.text_models import TextEngine
from tests.engines.test_bayes_common import continue_after_restore
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run,
                                      global_rng_untouched, run_to_end)


@pytest.fixture(scope="module")
def small_text(tmp_path_factory):
    path = tmp_path_factory.mktemp("text") / "small.txt"
    path.write_text(load_english()[:60_000], encoding="utf-8")
    return str(path)


def small(demo, text_path=""):
    return {
        "source": (SourceEngine, SourceConfig(steps=300)),
        "codes": (CodesEngine, CodesConfig(steps=120)),
        "blocks": (BlocksEngine, BlocksConfig(steps=30, max_block=8, block=3,
                                              symbols_per_step=512, compress_every=7)),
        "text": (TextEngine, TextConfig(steps=20, chars_per_step=5, text_path=text_path)),
        "continuous": (ContinuousEngine, ContinuousConfig(steps=50, samples_per_step=200)),
    }[demo]


DEMOS = ("source", "codes", "blocks", "text", "continuous")
EDITS = {
    "source": [SetProb(index=1, value=0.5), SetCoupling(value=0.1)],
    "codes": [SetProbs(probs=(1, 1, 2, 4, 8, 16))],
    "blocks": [SetBlock(n=5), SetBitProb(value=0.7)],
    "text": [SetTemperature(value=0.5), SetOrder(order="4")],
    "continuous": [],
}
REFUSED = {
    "source": [(SetProb(index=9, value=0.5), "does not exist"),
               (SetProb(index=0, value=1.0), "must lie between"),
               (SetProbs(probs=(1, 2)), "for 6 symbols"),
               (SetMix(value="x"), "not a number"),
               (SetBlock(n=2), "unknown edit SetBlock")],
    "codes": [(SetProbs(probs=(0, 0, 0, 0, 0, 0)), "not all zero"),
              (SetProb(index=0, value=float("nan")), "finite"),
              (SetMix(value=0.5), "unknown edit SetMix")],
    "blocks": [(SetBitProb(value=1.0), "between 0.01 and 0.99"),
               (SetBlock(n=9), "from 1 to 8"),
               (SetBlock(n=2.5), "whole number"),
               (RestartBuild(), "unknown edit RestartBuild")],
    "text": [(SetTemperature(value=0.0), "between"),
             (SetOrder(order="7"), "unknown model"),
             (SetProb(index=0, value=0.5), "unknown edit SetProb")],
    "continuous": [(SetProb(index=0, value=0.5), "nothing that can be edited")],
}


def engine_for(demo, small_text):
    return small(demo, small_text)


@pytest.mark.parametrize("demo", DEMOS)
def test_same_seed_same_numbers_and_global_rng_untouched(demo, small_text):
    cls, cfg = engine_for(demo, small_text)
    with global_rng_untouched():
        a = run_to_end(cls(cfg))[-1]
    b = run_to_end(cls(cfg))[-1]
    assert_same_run(a, b)
    c = run_to_end(cls(cfg.replace(seed=cfg.seed + 1)))[-1]
    differs = any(not np.array_equal(a.arrays[k], c.arrays[k]) for k in a.arrays) or \
        a.metrics != c.metrics
    assert differs


@pytest.mark.parametrize("demo", DEMOS)
def test_restore_continues_like_an_uninterrupted_run(demo, small_text):
    cls, cfg = engine_for(demo, small_text)
    a, b = continue_after_restore(cls, cfg, cfg.steps // 2, EDITS[demo])
    assert_same_run(a, b)


@pytest.mark.parametrize("demo", DEMOS)
def test_cancel_before_start_gives_one_final_snapshot(demo, small_text):
    cls, cfg = engine_for(demo, small_text)
    assert_cancelled_before_start(cls(cfg))


@pytest.mark.parametrize("demo", DEMOS)
def test_refused_edits_leave_the_engine_unchanged(demo, small_text):
    cls, cfg = engine_for(demo, small_text)
    engine = cls(cfg)
    before = engine.state_dict()
    for change, words in REFUSED[demo]:
        with pytest.raises(ValueError, match=words):
            engine.apply_edit(change)
    after = engine.state_dict()
    assert repr(before) == repr(after)


def test_headless_metrics_named_in_the_issue(small_text):
    names = {"codes": {"entropy_bits", "huffman_avg_len", "shannon_avg_len",
                       "fano_avg_len", "kraft_sum"},
             "blocks": {"bits_per_symbol", "entropy_bits"},
             "text": {"bits_per_char"}}
    for demo, wanted in names.items():
        cls, cfg = engine_for(demo, small_text)
        snap = run_to_end(cls(cfg))[-1]
        assert wanted <= set(snap.metrics)
        assert all(isinstance(v, float) for v in snap.metrics.values())


def test_source_edit_renormalises_and_keeps_ratios():
    engine = SourceEngine(SourceConfig(steps=10))
    p = engine.p.copy()
    engine.apply_edit(SetProb(index=0, value=0.7))
    assert engine.p.sum() == pytest.approx(1.0) and engine.p[0] == pytest.approx(0.7)
    assert engine.p[1] / engine.p[2] == pytest.approx(p[1] / p[2])


def test_source_joint_and_mixing_inequalities():
    engine = SourceEngine(SourceConfig(steps=10, coupling=0.0))
    q = engine.quantities()
    assert q["joint_entropy_bits"] == pytest.approx(q["hx_plus_hy_bits"])      # independent
    for c in (0.2, 0.6, 1.0):
        engine.apply_edit(SetCoupling(value=c))
        q = engine.quantities()
        assert q["joint_entropy_bits"] < q["hx_plus_hy_bits"] - 1e-6
    for lam in (0.1, 0.5, 0.9):
        engine.apply_edit(SetMix(value=lam))
        q = engine.quantities()
        assert q["mix_entropy_bits"] >= q["mix_chord_bits"] - 1e-12          # concavity
    assert q["entropy_bits"] <= q["max_entropy_bits"]


def test_source_empirical_entropy_approaches_H():
    snap = run_to_end(SourceEngine(SourceConfig(steps=5000)))[-1]
    assert abs(snap.metrics["empirical_entropy_bits"] - snap.metrics["entropy_bits"]) < 0.04


def test_codes_run_builds_then_encodes_and_decodes():
    engine = CodesEngine(CodesConfig(steps=3))
    snap = run_to_end(engine)[-1]
    assert snap.metrics["build_step"] == 3 and snap.metrics["message_symbols"] == 0
    snap = run_to_end(CodesEngine(CodesConfig(steps=2000)))[-1]
    m = snap.metrics
    assert m["decoded_ok"] == 1.0
    assert m["entropy_bits"] <= m["huffman_avg_len"] <= m["fano_avg_len"] + 1e-12
    assert m["huffman_avg_len"] <= m["shannon_avg_len"] < m["entropy_bits"] + 1
    # the achieved length of the sampled message matches ⟨L⟩ within sampling error
    assert abs(m["huffman_bits_per_symbol"] - m["huffman_avg_len"]) < 0.08
    np.testing.assert_array_equal(snap.arrays["huffman_decoded"], snap.arrays["message_window"])


def test_presets_build_valid_configs():
    from engines.information import DEMOS as SPECS
    from workbench.presets import preset_config, preset_names

    for spec in SPECS:
        names = preset_names("information", spec.name)
        assert "quick" in names
        for name in names:
            preset_config("information", spec, name)
