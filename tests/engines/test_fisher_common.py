"""Contract of every chapter-6 demo: determinism, save/restore, cancellation, seeded RNGs,
presets, refused edits (tests/engines/test_fisher_*.py check the physics)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engines.fisher import DEMOS, TOPIC
from engines.fisher.configs import (CramerRaoConfig, JeffreysConfig, KLConfig,
                                    MutualInfoConfig, NaturalGradientConfig, RMIConfig, SetMu,
                                    SetP, SetQ, SetRho, SetTransform)
from engines.rl.edits import ToggleWall
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run,
                                      global_rng_untouched, run_to_end)
from tests.engines.test_bayes_common import continue_after_restore

PRESETS = Path(__file__).resolve().parents[2] / "resources" / "presets" / "fisher.json"
TEXTS = Path(__file__).resolve().parents[2] / "resources" / "texts" / "fisher"

# Small configs that still use every random stream (and an edit where a demo has one).
SMALL = {
    "cramer-rao": (CramerRaoConfig(batch=20, n_obs=10, sweep_max_n=50, steps=12), ()),
    "cramer-rao-matrix": (CramerRaoConfig(model="gaussian_mu_sigma", batch=20, steps=12), ()),
    "jeffreys": (JeffreysConfig(steps=12), ()),
    "natural-gradient": (NaturalGradientConfig(n_data=32, batch=8, steps=12),
                         (SetMu(mu=2.0),)),
    "kl": (KLConfig(grid_points=401, mc_batch=50, steps=12),
           (SetP(mu1=-1.0, weight2=0.3),)),
    "mutual-information": (MutualInfoConfig(n_samples=300, batch=40, steps=12),
                           (SetTransform(transform="exp"), SetRho(rho=0.5))),
    "rmi": (RMIConfig(n_points=60, feature="network", hidden=4, steps=12), ()),
}
SPEC = {spec.name: spec for spec in DEMOS}


def engine_class(name: str):
    return SPEC[name.replace("-matrix", "")].engine_class()


@pytest.mark.parametrize("name", SMALL)
def test_same_seed_same_numbers_and_global_rng_untouched(name):
    cfg, _ = SMALL[name]
    cls = engine_class(name)
    with global_rng_untouched():
        a = run_to_end(cls(cfg))[-1]
        b = run_to_end(cls(cfg))[-1]
    assert_same_run(a, b)
    c = run_to_end(cls(cfg.replace(seed=cfg.seed + 1)))[-1]
    assert a.metrics != c.metrics or any(not np.array_equal(a.arrays[k], c.arrays[k])
                                         for k in a.arrays)


@pytest.mark.parametrize("name", SMALL)
def test_save_restore_continues_with_identical_numbers(name):
    cfg, edits = SMALL[name]
    a, b = continue_after_restore(engine_class(name), cfg.replace(steps=20), 8, edits)
    assert_same_run(a, b)


@pytest.mark.parametrize("name", SMALL)
def test_cancel_before_start_gives_one_final_snapshot(name):
    cfg, _ = SMALL[name]
    assert_cancelled_before_start(engine_class(name)(cfg))


@pytest.mark.parametrize("name", SMALL)
def test_unknown_edits_are_refused_and_leave_the_engine_unchanged(name):
    cfg, _ = SMALL[name]
    engine = engine_class(name)(cfg)
    run_to_end(engine)
    before = engine.snapshot(final=True)
    with pytest.raises(ValueError):
        engine.apply_edit(ToggleWall(cell=(0, 0)))
    after = engine.snapshot(final=True)
    assert_same_run(before, after)


@pytest.mark.parametrize("change,words", [
    (SetMu(mu=0.0), "must lie in"),
    (SetMu(mu=float("nan")), "must lie in"),
    (SetMu(mu=None), "needs a number"),
])
def test_natural_gradient_refuses_bad_mu(change, words):
    from engines.fisher.natural_gradient import NaturalGradientEngine

    with pytest.raises(ValueError, match=words):
        NaturalGradientEngine(NaturalGradientConfig(n_data=16, batch=8)).apply_edit(change)


def test_kl_and_mi_refuse_bad_edits():
    from engines.fisher.kl import KLEngine
    from engines.fisher.mutual_info import MutualInfoEngine

    kl = KLEngine(KLConfig(grid_points=401))
    for bad, words in ((SetP(sigma1=0.0), "must lie in"),
                       (SetQ(weight2="x"), "needs a number 'weight2'"),
                       (SetRho(rho=0.5), "takes SetP and SetQ")):
        with pytest.raises(ValueError, match=words):
            kl.apply_edit(bad)
    assert kl.p["sigma1"] == KLConfig().p_sigma1
    mi = MutualInfoEngine(MutualInfoConfig(dataset="ring"))
    with pytest.raises(ValueError, match="correlated Gaussian only"):
        mi.apply_edit(SetRho(rho=0.5))
    with pytest.raises(ValueError, match="unknown map"):
        mi.apply_edit(SetTransform(transform="square"))   # not invertible


def test_topic_presets_and_texts():
    assert TOPIC.id == "fisher" and TOPIC.chapter == "6"
    assert [s.name for s in DEMOS] == ["cramer-rao", "jeffreys", "natural-gradient", "kl",
                                       "mutual-information", "rmi"]
    table = json.loads(PRESETS.read_text(encoding="utf-8"))
    for spec in DEMOS:
        assert "quick" in table[spec.name]
        for values in table[spec.name].values():
            spec.config.from_dict(values)
        text = (TEXTS / f"{spec.name}.html").read_text(encoding="utf-8")
        assert "\\frac" not in text and "^{" not in text
        assert not any(0x300 <= ord(ch) <= 0x36F for ch in text)      # no combining marks


def test_configs_refuse_inconsistent_choices():
    from engines.config import ConfigError

    with pytest.raises(ConfigError, match="parametrization"):
        JeffreysConfig(model="poisson", parametrization="sin2")
    with pytest.raises(ConfigError, match="parametrization"):
        JeffreysConfig(model="location", parametrization="log")
    with pytest.raises(ConfigError, match="true_lambda"):
        JeffreysConfig(model="bernoulli", true_lambda=0.97)
    with pytest.raises(ConfigError):
        MutualInfoConfig(rho=1.0)
