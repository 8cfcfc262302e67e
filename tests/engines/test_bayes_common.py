"""Shared helpers of the Bayes engine tests (run, save, restore) and the shared pieces
themselves: entropies in bits, observation edits, presets."""
from __future__ import annotations

import numpy as np
import pytest

from tests.engines.nn_helpers import round_trip, run_to_end


def continue_after_restore(engine_cls, cfg, split: int, edits=()):
    """(final snapshot of an uninterrupted run, of a run saved at ``split`` and restored
    into an engine built with the full step budget); ``edits`` are applied at ``split``."""
    whole = engine_cls(cfg.replace(steps=split))
    run_to_end(whole)
    for change in edits:
        whole.apply_edit(change)
    whole.cfg = cfg
    a = run_to_end(whole)[-1]

    first = engine_cls(cfg.replace(steps=split))
    run_to_end(first)
    for change in edits:
        first.apply_edit(change)
    restored = engine_cls(cfg)
    restored.load_state_dict(round_trip(first.state_dict()))
    b = run_to_end(restored)[-1]
    return a, b


# ---- tests of the shared pieces --------------------------------------------------------
def test_grid_entropy_and_kl_match_the_gaussian_closed_forms():
    import math

    import pytest

    from engines.bayes.info import (gaussian_entropy_bits, gaussian_kl_bits, grid_entropy_bits,
                                    grid_kl_bits, normalise_log)

    grid = np.linspace(-12, 12, 4001)
    dx = grid[1] - grid[0]
    p = normalise_log(-0.5 * ((grid - 1.0) / 0.7) ** 2, dx)
    q = normalise_log(-0.5 * (grid / 2.0) ** 2, dx)
    assert grid_entropy_bits(p, dx) == pytest.approx(gaussian_entropy_bits(0.49), abs=1e-6)
    assert grid_kl_bits(p, q, dx) == pytest.approx(gaussian_kl_bits(1.0, 0.49, 0.0, 4.0),
                                                   abs=1e-6)
    assert gaussian_entropy_bits(1.0) == pytest.approx(0.5 * math.log2(2 * math.pi * math.e))


def test_binary_entropy_is_stable_for_huge_log_odds():
    import pytest

    from engines.bayes.info import binary_bits, binary_kl_bits, shannon_bits

    assert binary_bits(0.0) == pytest.approx(1.0)
    assert binary_bits(np.log(0.2 / 0.8)) == pytest.approx(shannon_bits([0.2, 0.8]))
    assert 0.0 <= binary_bits(800.0) < 1e-300
    assert binary_kl_bits(800.0, 0.5) == pytest.approx(1.0)      # certain after a fair prior


def test_edits_are_checked_in_one_place_for_panel_and_engine():
    import pytest

    from engines.bayes.configs import CavityConfig, GPConfig, LossConfig, SequentialConfig
    from engines.bayes.edits import Observe, check_edit, lattice_site
    from engines.rl.edits import ToggleWall

    gp = GPConfig(n_points=11)
    assert check_edit(gp, Observe(t="2.5", y=1, x=3.0)) == Observe(t=2.5, y=1.0)
    assert check_edit(gp, Observe()).simulated
    assert lattice_site(gp, 2.4) == 2 and lattice_site(gp, 10.0) == 10
    for cfg, bad, words in (
            (gp, Observe(t=10.5, y=0), "outside the lattice"),
            (gp, ToggleWall(cell=(0, 0)), "ToggleWall: this demo takes observations only"),
            (LossConfig(), Observe(x=-2, y=0), "outside the input range"),
            (SequentialConfig(), Observe(y=float("nan")), "not a finite"),
            (CavityConfig(), Observe(click=1), "true or false")):
        with pytest.raises(ValueError, match=words):
            check_edit(cfg, bad)


def test_every_preset_builds_a_valid_config():
    from engines.registry import demos
    from workbench.presets import preset_config, preset_names

    for spec in demos("bayes"):
        names = preset_names("bayes", spec.name)
        assert "quick" in names
        for name in names:
            preset_config("bayes", spec, name)


@pytest.mark.parametrize("demo_name,key", [("sequential", "noise"), ("sequential", "prior_width"),
                                           ("qubit", "readout_noise"), ("gp", "amplitude"),
                                           ("gp", "noise"), ("loss", "noise"),
                                           ("loss", "prior_width")])
def test_tiny_widths_are_refused_by_the_bounds_not_by_a_crash(demo_name, key):
    """1e-200 used to reach the engines (ZeroDivisionError, math domain error)."""
    from engines.config import ConfigError
    from engines.registry import demo

    with pytest.raises(ConfigError) as info:
        demo("bayes", demo_name).config.from_dict({key: "1e-200"})
    assert info.value.key == key and "out of range" in str(info.value)
