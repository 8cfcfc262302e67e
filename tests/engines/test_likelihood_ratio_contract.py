"""Runtime contract of the likelihood-ratio engines: same seed same numbers, save/restore
continues exactly (also after paint and shuffle edits), cancellation, untouched global
RNGs, pure-read snapshots with the headless metrics, edits refused with a message, presets."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engines.likelihood_ratio import DEMOS, TOPIC
from engines.likelihood_ratio.configs import DeepSetsConfig, NeymanPearsonConfig, Paint, RatioConfig, Shuffle
from engines.likelihood_ratio.deep_sets import DeepSetsEngine
from engines.likelihood_ratio.neyman_pearson import NeymanPearsonEngine
from engines.likelihood_ratio.ratio import RatioEngine
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run,
                                      global_rng_untouched, round_trip, run_to_end)

ROOT = Path(__file__).resolve().parents[2]
SMALL = {
    "ratio": (RatioEngine, RatioConfig(steps=40, n_train=300, batch_size=32, hidden=8)),
    "ratio-2d-painted": (RatioEngine, RatioConfig(dim=2, pair="painted", steps=40,
                                                  n_train=300, batch_size=32, hidden=8)),
    "neyman-pearson": (NeymanPearsonEngine, NeymanPearsonConfig(
        steps=40, n_train=300, batch_size=32, hidden=8, experiments=200)),
    "deep-sets": (DeepSetsEngine, DeepSetsConfig(steps=40, n_train=200, batch_size=16,
                                                 hidden=8, latent=4)),
}
HEADLINE = {"ratio": ("ratio_log_rmse", "loss_gap"), "ratio-2d-painted": ("loss_gap",),
            "neyman-pearson": ("auc", "auc_optimal"),
            "deep-sets": ("accuracy_deepsets", "accuracy_mlp", "shuffle_change")}
EDITS = {"ratio-2d-painted": [Paint("p", ((1, 1), (2, 0.5)))],
         "deep-sets": [Shuffle()]}


def build(name, **changes):
    cls, cfg = SMALL[name]
    return cls(cfg.replace(**changes), "cpu")


@pytest.mark.parametrize("name", list(SMALL))
def test_same_seed_same_numbers_and_restore_continues_exactly(name):
    edits = EDITS.get(name, [])
    whole = build(name, steps=24)
    run_to_end(whole, snapshot_hz=0.5)
    for e in edits:
        whole.apply_edit(e)
    whole.cfg = SMALL[name][1]
    a = run_to_end(whole, snapshot_hz=0.5)[-1]

    first = build(name, steps=24)
    run_to_end(first, snapshot_hz=0.5)
    for e in edits:
        first.apply_edit(e)
    restored = build(name)
    restored.load_state_dict(round_trip(first.state_dict()))
    b = run_to_end(restored, snapshot_hz=0.5)[-1]
    assert_same_run(a, b)
    # a different seed gives different numbers
    c = run_to_end(build(name, seed=1), snapshot_hz=0.5)[-1]
    assert c.metrics != a.metrics or name == "ratio-2d-painted" and edits


@pytest.mark.parametrize("name", list(SMALL))
def test_snapshots_are_pure_reads_with_the_headless_metrics(name):
    engine = build(name)
    with global_rng_untouched():
        run_to_end(engine, snapshot_hz=0.5)
        one, two = engine.snapshot(final=True), engine.snapshot(final=True)
    assert_same_run(one, two)
    for key in HEADLINE[name]:
        assert key in one.metrics and np.isfinite(one.metrics[key])
    assert all(isinstance(v, np.ndarray) for v in one.arrays.values())
    assert len(one.history["step"]) > 1


@pytest.mark.parametrize("name", list(SMALL))
def test_cancelled_before_start(name):
    assert_cancelled_before_start(build(name))


def test_paint_edits_change_the_density_and_bad_ones_are_refused():
    engine = build("ratio-2d-painted")
    before = engine.pair.kl_pq()
    engine.apply_edit(Paint("q", ((-2, -2), (-2.5, -1.0))))
    assert engine.pair.kl_pq() != before
    snap = engine.snapshot(final=True)
    assert snap.arrays["painted_q"].shape == (2, 2)
    for bad, words in ((Paint("x", ((0, 0),)), "'p' or 'q'"),
                       (Paint("p", ()), "Nothing painted"),
                       (Paint("p", ((9, 9),)), "Nothing painted"),
                       (Shuffle(), "only Paint")):
        with pytest.raises(ValueError, match=words):
            engine.apply_edit(bad)
    with pytest.raises(ValueError, match="painted"):
        build("ratio").apply_edit(Paint("p", (0.5,)))
    one_d = build("ratio", pair="painted")
    one_d.apply_edit(Paint("p", ((0.5, 0.1), (1.0, 0.2))))
    assert one_d.snapshot(final=True).arrays["painted_p"].shape == (2,)
    with pytest.raises(ValueError, match="only Shuffle"):
        build("deep-sets").apply_edit(Paint("p"))


def test_shuffle_edit_draws_a_new_order():
    engine = build("deep-sets")
    run_to_end(engine, snapshot_hz=0.5)
    a = engine.snapshot(final=True).arrays["prob_shuffled_mlp"]
    engine.apply_edit(Shuffle())
    b = engine.snapshot(final=True)
    assert b.metrics["shuffles"] == 1.0
    assert not np.array_equal(a, b.arrays["prob_shuffled_mlp"])


@pytest.mark.parametrize("cfg", [
    RatioConfig(loss="mlc", separation=4.0, width_ratio=0.5, lr=3e-2, steps=30),
    RatioConfig(loss="exponential", pair="signal_background", dim=2, lr=3e-2, steps=30),
    NeymanPearsonConfig(separation=0.0, n_events=1, size=0.5, experiments=200, steps=5),
    NeymanPearsonConfig(separation=4.0, width_ratio=2.0, n_events=200, size=1e-3,
                        experiments=200, steps=5),
    DeepSetsConfig(quark_multiplicity=30.0, gluon_multiplicity=2.0, quark_sharing=0.1,
                   gluon_sharing=5.0, latent=2, n_train=200, steps=5)])
def test_extreme_settings_inside_the_bounds_run(cfg):
    engine = {RatioConfig: RatioEngine, NeymanPearsonConfig: NeymanPearsonEngine,
              DeepSetsConfig: DeepSetsEngine}[type(cfg)](cfg, "cpu")
    snap = run_to_end(engine, snapshot_hz=0.5)[-1]
    assert snap.final and snap.step == cfg.steps


def test_topic_presets_and_texts():
    assert TOPIC.id == "likelihood-ratio" and TOPIC.chapter == "seminar"
    presets = json.loads((ROOT / "resources/presets/likelihood-ratio.json").read_text("utf-8"))
    for spec in DEMOS:
        assert "quick" in presets[spec.name]
        for values in presets[spec.name].values():
            spec.config.from_dict(values)
        text = (ROOT / "resources/texts/likelihood-ratio" / f"{spec.name}.html").read_text(
            "utf-8")
        assert "\\frac" not in text and "\u0302" not in text and "<p>" in text
