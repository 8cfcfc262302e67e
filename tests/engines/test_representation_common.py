"""Every representation demo: determinism, save/restore, cancellation, global RNG, presets,
texts."""
from __future__ import annotations

import pytest

from engines.representation import DEMOS
from engines.representation.configs import (AddPoint, AutoencoderConfig, Components,
                                            ContractiveConfig, DenoisingConfig,
                                            LinearAEConfig, PCAConfig)
from tests.engines.test_bayes_common import continue_after_restore
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run,
                                      global_rng_untouched, run_to_end)

ENGINES = {spec.name: spec.engine_class() for spec in DEMOS}
SMALL = [
    ("pca", PCAConfig(data="gaussian2d", batch=3, max_samples=40, steps=20),
     (AddPoint(x=1.0, y=-2.0), Components(m=1))),
    ("pca", PCAConfig(data="random_field", sites=16, batch=5, max_samples=200, steps=12),
     (Components(m=3),)),
    ("autoencoder", AutoencoderConfig(n_train=200, width=16, batch_size=32, steps=40), ()),
    ("autoencoder", AutoencoderConfig(data="mnist", n_train=100, bottleneck=2, width=16,
                                      depth=1, batch_size=16, steps=20), ()),
    ("linear", LinearAEConfig(n_train=300, bottleneck=4, batch_size=64, steps=40,
                              regulariser="ordered_l2"), ()),
    ("linear", LinearAEConfig(n_train=300, bottleneck=3, batch_size=64, steps=40,
                              tied=True), ()),
    ("denoising", DenoisingConfig(data="random_field", model="linear", n_train=200,
                                  batch_size=32, steps=40), ()),
    ("denoising", DenoisingConfig(data="mnist", noise="dropout", n_train=100, width=16,
                                  bottleneck=4, batch_size=16, steps=20), ()),
    ("contractive", ContractiveConfig(n_train=200, hidden=16, batch_size=32, steps=40,
                                      tied=False), ()),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(SMALL)]


@pytest.mark.parametrize("name,cfg,edits", SMALL, ids=IDS)
def test_same_seed_same_numbers_and_global_rng_untouched(name, cfg, edits):
    with global_rng_untouched():
        a = run_to_end(ENGINES[name](cfg))[-1]
    b = run_to_end(ENGINES[name](cfg))[-1]
    assert_same_run(a, b)
    assert a.metrics and all(isinstance(v, float) for v in a.metrics.values())


@pytest.mark.parametrize("name,cfg,edits", SMALL, ids=IDS)
def test_save_restore_continues_identically(name, cfg, edits):
    a, b = continue_after_restore(ENGINES[name], cfg, cfg.steps // 2, edits)
    assert_same_run(a, b)


@pytest.mark.parametrize("name,cfg,edits", SMALL[::2], ids=IDS[::2])
def test_cancelled_before_start(name, cfg, edits):
    assert_cancelled_before_start(ENGINES[name](cfg))


def test_headless_metrics_named_in_the_issue_exist():
    wanted = {"pca": {"explained_variance"},
              "linear": {"subspace_angle_deg", "loss_over_floor"},
              "denoising": {"recon_mse", "jacobian_frobenius"},
              "contractive": {"recon_mse", "jacobian_frobenius"}}
    for name, cfg, _ in SMALL:
        if name in wanted:
            snap = run_to_end(ENGINES[name](cfg))[-1]
            assert wanted[name] <= set(snap.metrics), name


def test_every_preset_builds_a_valid_config():
    from workbench.presets import load_presets, preset_config, preset_names

    table = load_presets("representation")
    assert set(table) == {spec.name for spec in DEMOS}
    for spec in DEMOS:
        names = preset_names("representation", spec.name)
        assert "quick" in names
        for preset in names:
            preset_config("representation", spec, preset)


def test_texts_exist_and_are_plain_rich_text():
    import unicodedata
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "resources" / "texts" / "representation"
    for spec in DEMOS:
        text = (root / f"{spec.name}.html").read_text(encoding="utf-8")
        assert "<p>" in text and "\\frac" not in text and "^{" not in text
        assert not any(unicodedata.combining(ch) for ch in text), spec.name
