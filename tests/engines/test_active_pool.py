"""Pool-based active learning (lecture 10.1): scores against direct computations, the
engine's queries, hand labels, determinism, save/restore, and (slow) the claim that
maximum-entropy sampling reaches 90 % on two moons with fewer labels than random."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.special import rel_entr
from scipy.stats import entropy as scipy_entropy

from engines.active import acquisition
from engines.active.configs import Label, PoolConfig
from engines.active.pool import PoolEngine
from engines.rl.edits import ToggleWall
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run,
                                      global_rng_untouched, round_trip, run_to_end)

ROOT = Path(__file__).resolve().parents[2]
SMALL = PoolConfig(pool_size=60, test_size=100, n_seeds=2, committee_size=3, train_iters=5,
                   hidden=6, steps=6, map_resolution=8)


def random_probs(rng, shape):
    z = rng.standard_normal(shape) * 2
    p = np.exp(z)
    return p / p.sum(axis=-1, keepdims=True)


def test_uncertainty_scores_equal_direct_computations():
    rng = np.random.default_rng(0)
    p = random_probs(rng, (50, 4))
    np.testing.assert_allclose(acquisition.entropy(p), scipy_entropy(p, axis=1), rtol=1e-10)
    np.testing.assert_allclose(acquisition.least_confident(p),
                               [1 - max(row) for row in p], rtol=1e-12)
    expected_margin = [-(sorted(row)[-1] - sorted(row)[-2]) for row in p]
    np.testing.assert_allclose(acquisition.margin(p), expected_margin, rtol=1e-12)


def test_committee_scores_equal_direct_computations():
    rng = np.random.default_rng(1)
    members = random_probs(rng, (5, 40, 3))          # 5 fixed models, 40 inputs, 3 classes
    votes = np.zeros((40, 3))
    for j in range(5):
        for i in range(40):
            votes[i, np.argmax(members[j, i])] += 1 / 5
    np.testing.assert_allclose(acquisition.vote_entropy(members),
                               scipy_entropy(votes.T), atol=1e-12)
    mean = members.mean(axis=0)
    kl = sum(rel_entr(mean, members[j]).sum(axis=1) for j in range(5))
    np.testing.assert_allclose(acquisition.committee_kl(members), kl, rtol=1e-10)
    # unanimous members: no disagreement at all
    same = np.repeat(members[:1], 4, axis=0)
    assert np.allclose(acquisition.committee_kl(same), 0) and \
        np.allclose(acquisition.vote_entropy(same), 0)


def numpy_forward(engine, x):
    """The engine's models evaluated in plain numpy from their weights."""
    w1, b1, w2, b2 = (p.detach().numpy() for p in engine.net.params)
    h = np.tanh(np.einsum("pd,mdh->mph", x, w1) + b1)
    z = np.einsum("mph,mhc->mpc", h, w2) + b2
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("strategy", ["entropy", "least_confident", "margin", "committee"])
def test_engine_scores_and_queries_the_pool_of_its_fixed_models(strategy):
    engine = PoolEngine(SMALL.replace(strategy=strategy, curves="shown_only", steps=3))
    run_to_end(engine)
    snap = engine.snapshot()
    members = numpy_forward(engine, engine.data.x_pool)[engine.model_of == engine.shown]
    direct = {"entropy": lambda m: scipy_entropy(m.mean(0).T),
              "least_confident": lambda m: 1 - m.mean(0).max(-1),
              "margin": lambda m: -np.diff(np.sort(m.mean(0), -1)[:, -2:], axis=1)[:, 0],
              "committee": acquisition.vote_entropy}[strategy](members)
    free = snap.arrays["pool_label"] < 0
    np.testing.assert_allclose(snap.arrays["pool_score"][free], direct[free], atol=1e-9)
    assert np.all(np.isnan(snap.arrays["pool_score"][~free]))
    # the next query is the unlabelled point of largest score, and it is asked next
    nxt = int(snap.metrics["next_query"])
    assert free[nxt] and direct[nxt] == pytest.approx(direct[free].max())
    engine.cfg = engine.cfg.replace(steps=4)
    run_to_end(engine)
    assert engine.order[engine.shown][-1] == nxt


def test_a_hand_label_is_the_next_query_and_edits_are_checked():
    engine = PoolEngine(SMALL.replace(curves="vs_random", steps=2))
    run_to_end(engine)
    free = np.flatnonzero(engine.labels[engine.shown] < 0)
    index = int(free[0])
    wrong = 1 - int(engine.data.y_pool[index])
    engine.apply_edit(Label(index=index, label=wrong))
    assert engine.snapshot().metrics["next_query"] == index
    engine.cfg = engine.cfg.replace(steps=3)
    snap = run_to_end(engine)[-1]
    assert engine.order[engine.shown][-1] == index
    assert snap.arrays["pool_label"][index] == wrong          # the user was the oracle
    assert snap.metrics["hand_labels"] == 1
    # a click on the map picks the nearest unlabelled pool point
    target = engine.data.display[int(free[1])] + 1e-6
    engine.apply_edit(Label(point=tuple(target)))
    assert engine.pending == {"index": int(free[1])}
    for bad, words in ((Label(index=index), "labelled already"),
                       (Label(index=10_000), "no pool point"),
                       (Label(index=int(free[2]), label=7), "Classes"),
                       (ToggleWall(cell=(0, 0)), "labels only"),
                       (Label(), "needs a pool point")):
        with pytest.raises(ValueError, match=words):
            engine.apply_edit(bad)


def test_learning_curves_cover_every_strategy_and_labels_grow_by_one():
    snap = run_to_end(PoolEngine(SMALL))[-1]
    labels = snap.arrays["curve_labels"]
    np.testing.assert_array_equal(labels, SMALL.n_initial + np.arange(SMALL.steps + 1))
    for s in ("random", "entropy", "least_confident", "margin", "committee"):
        assert snap.arrays[f"curve_{s}_mean"].shape == labels.shape
        assert np.all((0 <= snap.arrays[f"curve_{s}_mean"]) & (snap.arrays[f"curve_{s}_mean"] <= 1))
        assert f"labels_to_target_{s}" in snap.metrics
    assert snap.metrics["labels"] == SMALL.n_initial + SMALL.steps
    assert snap.arrays["map_score"].shape == (8, 8)
    # every learner labelled distinct points
    for order in (np.asarray(o) for o in PoolEngine(SMALL).order):
        assert len(set(order.tolist())) == len(order)


def test_mnist_pool_runs_on_principal_components():
    engine = PoolEngine(SMALL.replace(dataset="mnist", pool_size=80, pca_dims=8,
                                      curves="shown_only", steps=2))
    snap = run_to_end(engine)[-1]
    assert engine.data.x_pool.shape == (80, 8) and engine.data.classes == 10
    assert snap.arrays["map_score"].size == 0 and snap.arrays["pool_xy"].shape == (80, 2)


def test_same_seed_same_numbers_and_global_rng_untouched():
    with global_rng_untouched():
        a = run_to_end(PoolEngine(SMALL))[-1]
    b = run_to_end(PoolEngine(SMALL))[-1]
    assert_same_run(a, b)
    c = run_to_end(PoolEngine(SMALL.replace(seed=1)))[-1]
    assert not np.array_equal(a.arrays["pool_xy"], c.arrays["pool_xy"])


def test_restore_continues_with_identical_numbers_including_a_hand_label():
    whole = PoolEngine(SMALL.replace(steps=3))
    run_to_end(whole)
    free = int(np.flatnonzero(whole.labels[whole.shown] < 0)[0])
    whole.apply_edit(Label(index=free))
    state = round_trip(whole.state_dict())
    whole.cfg = SMALL
    a = run_to_end(whole)[-1]
    restored = PoolEngine(SMALL)
    restored.load_state_dict(state)
    b = run_to_end(restored)[-1]
    assert_same_run(a, b)


def test_cancel_before_start():
    assert_cancelled_before_start(PoolEngine(SMALL))


def test_presets_are_valid_configs_and_texts_are_plain_rich_text():
    from engines.active import DEMOS

    presets = json.loads((ROOT / "resources/presets/active.json").read_text(encoding="utf-8"))
    for spec in DEMOS:
        assert "quick" in presets[spec.name]
        for values in presets[spec.name].values():
            assert set(values) <= set(spec.config.field_names())
            spec.config().replace(**values)
        text = (ROOT / f"resources/texts/active/{spec.name}.html").read_text(encoding="utf-8")
        assert "\\frac" not in text and "^{" not in text
        assert not any(0x300 <= ord(ch) <= 0x36F for ch in text)   # no combining marks


@pytest.mark.slow
@pytest.mark.parametrize("noise", [0.2, 0.25])
def test_max_entropy_needs_fewer_labels_than_random_on_two_moons(noise):
    cfg = PoolConfig(dataset="moons", strategy="entropy", curves="vs_random", n_seeds=10,
                     data_noise=noise, steps=60, target_accuracy=0.9)
    snap = run_to_end(PoolEngine(cfg))[-1]
    ratio = snap.metrics["labels_to_target_entropy"] / snap.metrics["labels_to_target_random"]
    print(f"noise {noise}: labels to 90 %: entropy {snap.metrics['labels_to_target_entropy']:.1f}, "
          f"random {snap.metrics['labels_to_target_random']:.1f}, ratio {ratio:.2f}")
    assert snap.metrics["labels_to_target_random"] <= cfg.n_initial + cfg.steps  # reached
    assert ratio < 1.0
