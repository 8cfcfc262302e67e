"""Cavity decay: P(n | click) ∝ κτ n P(n), n → n − 1, and the lecture's surprise."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import poisson

from engines.bayes.cavity import CavityEngine, mean_photons, photon_prior, update
from engines.bayes.configs import CavityConfig
from engines.bayes.edits import Observe
from engines.config import ConfigError
from tests.engines.nn_helpers import assert_same_run, run_to_end
from tests.engines.test_bayes_common import continue_after_restore

PRESETS = json.loads((Path(__file__).resolve().parents[2] / "resources" / "presets"
                      / "bayes.json").read_text(encoding="utf-8"))


def test_bimodal_preset_one_click_raises_the_expected_photon_number():
    cfg = CavityConfig.from_dict(PRESETS["cavity"]["bimodal: the decay surprise"])
    engine = CavityEngine(cfg)
    prior_mean = mean_photons(engine.prior)
    engine.apply_edit(Observe(click=True))
    after = mean_photons(engine.belief)
    assert after > prior_mean + 5                          # 3.8 -> about 12
    n = np.arange(engine.prior.size)
    expected = (n * n) @ engine.prior / (n @ engine.prior) - 1.0   # <n²>/<n> - 1
    assert after == pytest.approx(expected, rel=1e-12)
    snap = engine.snapshot()
    assert snap.metrics["mean"] > snap.metrics["mean_prior"]


def test_poisson_keeps_and_thermal_doubles_the_mean_after_a_click():
    poisson_cfg = CavityConfig(prior="poisson", mean_photons=4.0)
    thermal_cfg = CavityConfig(prior="thermal", mean_photons=3.0, n_max=100, kappa_tau=0.01)
    p = update(photon_prior(poisson_cfg), poisson_cfg, True)
    t = update(photon_prior(thermal_cfg), thermal_cfg, True)
    assert mean_photons(p) == pytest.approx(4.0, abs=1e-6)
    assert mean_photons(t) == pytest.approx(6.0, abs=1e-6)        # 2 <n>


def test_click_and_no_click_updates_are_bayes_formula():
    cfg = CavityConfig(prior="poisson", mean_photons=5.0, kappa_tau=0.02)
    prior = poisson.pmf(np.arange(41), 5.0)
    prior /= prior.sum()
    n = np.arange(41)
    no_click = (1 - 0.02 * n) * prior
    np.testing.assert_allclose(update(prior, cfg, False), no_click / no_click.sum(),
                               rtol=1e-12)
    click = 0.02 * n * prior / (0.02 * n * prior).sum()
    np.testing.assert_allclose(update(prior, cfg, True)[:-1], click[1:], rtol=1e-12)
    assert mean_photons(update(prior, cfg, False)) < 5.0     # no news is news


def test_a_run_tracks_the_hidden_photon_number():
    engine = CavityEngine(CavityConfig(prior="poisson", mean_photons=6.0, kappa_tau=0.02,
                                       steps=3000, seed=2))
    run_to_end(engine)
    clicks = int(sum(engine.records["click"]))
    assert clicks == engine.n_true0 - engine.n_true
    assert abs(mean_photons(engine.belief) - engine.n_true) < 1.0
    assert engine.records["h_post"][-1] < engine.snapshot().metrics["h_prior"]


def test_an_impossible_click_is_refused_and_changes_nothing():
    engine = CavityEngine(CavityConfig(prior="poisson", mean_photons=1.0, steps=1))
    engine.belief = np.zeros_like(engine.belief)
    engine.belief[0] = 1.0                                     # surely empty
    with pytest.raises(ValueError, match="impossible"):
        engine.apply_edit(Observe(click=True))
    assert engine.n_obs == 0 and engine.belief[0] == 1.0
    with pytest.raises(ValueError):
        engine.apply_edit(Observe(click="yes"))


@pytest.mark.parametrize("changes,key", [({"kappa_tau": 0.0}, "kappa_tau"),
                                         ({"mean_photons": -1.0}, "mean_photons"),
                                         ({"kappa_tau": 0.05}, "kappa_tau"),
                                         ({"prior": "thermal", "mean_photons": 20.0}, "n_max"),
                                         ({"bimodal_weight": 0.0}, "bimodal_weight")])
def test_bad_cavity_configs_name_the_key(changes, key):
    with pytest.raises(ConfigError) as info:
        CavityConfig(**changes)
    assert info.value.key == key


def test_a_restored_run_continues_with_the_same_numbers():
    cfg = CavityConfig(steps=80, seed=3)
    assert_same_run(*continue_after_restore(CavityEngine, cfg, 30,
                                            edits=[Observe(click=True)]))
