"""The runtime contract for the five chapter-2 theory demos (sgd-noise, landscape-stats,
backprop, online, linear-noise): determinism, save/restore, cancellation, untouched global
RNG, import without Qt, presets, texts."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from engines.nn_basics import DEMOS as SPECS
from engines.nn_basics.backprop import BackpropEngine
from engines.nn_basics.landscape_stats import LandscapeStatsEngine
from engines.nn_basics.linear_noise import LinearNoiseEngine
from engines.nn_basics.online import OnlineEngine
from engines.nn_basics.sgd_noise import SGDNoiseEngine
from engines.nn_basics.theory_configs import (BackpropConfig, LandscapeStatsConfig,
                                              LinearNoiseConfig, OnlineConfig, SGDNoiseConfig)
from tests.engines.conftest import ROOT
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run,
                                      global_rng_untouched, round_trip, run_to_end)

SMALL = {
    "sgd-noise": (SGDNoiseEngine, SGDNoiseConfig(walkers=50, steps=60)),
    "sgd-noise/lorentzian": (SGDNoiseEngine, SGDNoiseConfig(landscape="lorentzian",
                                                            walkers=20, batch=2, steps=60)),
    "landscape-stats": (LandscapeStatsEngine, LandscapeStatsConfig(
        grid=24, corr_length=2.5, gd_walkers=3, gd_steps=10, hessians=100, max_dim=3,
        steps=6)),
    "backprop": (BackpropEngine, BackpropConfig(n_samples=3, steps=23)),
    "online": (OnlineEngine, OnlineConfig(runs=50, steps=60)),
    "linear-noise": (LinearNoiseEngine, LinearNoiseConfig(refits_per_step=3, steps=60)),
}
NEW_DEMOS = ("sgd-noise", "landscape-stats", "backprop", "online", "linear-noise")
EXPECTED_METRICS = {
    "sgd-noise": {"var_over_theory"},
    "landscape-stats": {"frac_min", "frac_max", "frac_saddle"},
    "backprop": {"grad_err_autograd", "grad_err_fd", "loss"},
    "online": {"bias", "variance", "variance_theory"},
    "linear-noise": {"ridge_mismatch"},
}
CASES = tuple(SMALL)


def _demo(case: str) -> str:
    return case.split("/")[0]


@pytest.mark.parametrize("case", CASES)
def test_same_seed_same_numbers_other_seed_differs(case):
    cls, cfg = SMALL[case]
    with global_rng_untouched():
        a = run_to_end(cls(cfg))[-1]
        b = run_to_end(cls(cfg))[-1]
    assert_same_run(a, b)
    c = run_to_end(cls(cfg.replace(seed=cfg.seed + 1)))[-1]
    assert a.metrics != c.metrics


@pytest.mark.parametrize("case", CASES)
def test_final_snapshot_metrics_are_finite_floats_and_arrays_are_copies(case):
    cls, cfg = SMALL[case]
    engine = cls(cfg)
    final = run_to_end(engine)[-1]
    assert final.step == cfg.steps
    assert EXPECTED_METRICS[_demo(case)] <= set(final.metrics)
    assert all(isinstance(v, float) and np.isfinite(v) for v in final.metrics.values())
    assert all(isinstance(a, np.ndarray) for a in final.arrays.values())
    for arr in final.arrays.values():
        if arr.flags.writeable:
            arr[...] = 12345
    assert_same_run(engine.snapshot(final=True), run_to_end(cls(cfg))[-1])


@pytest.mark.parametrize("case", CASES)
def test_save_restore_continues_identically(case):
    n, m = 11, 14
    cls, cfg = SMALL[case]
    whole = run_to_end(cls(cfg.replace(steps=n + m)))[-1]
    first = cls(cfg.replace(steps=n))
    run_to_end(first)
    restored = cls(cfg.replace(steps=n + m))
    restored.load_state_dict(round_trip(first.state_dict()))
    assert_same_run(run_to_end(restored)[-1], whole)


@pytest.mark.parametrize("case", CASES)
def test_cancelled_before_start(case):
    cls, cfg = SMALL[case]
    assert_cancelled_before_start(cls(cfg))


def test_specs_presets_and_texts_of_the_new_demos(presets):
    specs = {spec.name: spec for spec in SPECS}
    assert set(NEW_DEMOS) <= set(specs)
    for name in NEW_DEMOS:
        assert specs[name].engine_class().Config is specs[name].config
        assert "quick" in presets[name]
        for overrides in presets[name].values():
            specs[name].config.from_dict(overrides)
        text = (ROOT / "resources" / "texts" / "nn-basics" / f"{name}.html").read_text("utf-8")
        assert "\\frac" not in text and "e^{" not in text
        import unicodedata
        assert not any(unicodedata.combining(ch) for ch in text), name


def test_new_engines_import_without_qt():
    code = ("import sys; sys.modules['PySide6'] = None; sys.modules['pyqtgraph'] = None; "
            "import engines.nn_basics.sgd_noise, engines.nn_basics.landscape_stats, "
            "engines.nn_basics.backprop, engines.nn_basics.online, "
            "engines.nn_basics.linear_noise")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_extreme_bounds_run():
    """Corners of the config bounds run and stay finite."""
    cases = [
        (SGDNoiseEngine, SGDNoiseConfig(eta=1.0, lam=1.9, batch=1, walkers=10, steps=30)),
        (SGDNoiseEngine, SGDNoiseConfig(landscape="lorentzian", eta=1.0, batch=1,
                                        label_noise=2.0, walkers=10, steps=30)),
        (SGDNoiseEngine, SGDNoiseConfig(eta=1e-3, lam=0.05, var_grad=0.01, walkers=10,
                                        steps=5)),
        (OnlineEngine, OnlineConfig(alpha=0.999, runs=10, steps=20)),
        (OnlineEngine, OnlineConfig(alpha=1e-3, sigma=0.01, runs=10, steps=20)),
        (LinearNoiseEngine, LinearNoiseConfig(degree=7, n_points=2, label_sigma=0.0,
                                              input_lambda=1e-4, sgd_lr=0.5, steps=30)),
        (LinearNoiseEngine, LinearNoiseConfig(degree=1, n_points=200, input_lambda=1.0,
                                              sgd_lr=0.5, steps=30)),
        (BackpropEngine, BackpropConfig(n_in=4, depth=4, width=6, n_out=3, lr=2.0,
                                        activation="relu", n_samples=1, fd_eps=1e-9,
                                        steps=20)),
        (LandscapeStatsEngine, LandscapeStatsConfig(grid=16, corr_length=1.5, gd_walkers=0,
                                                    gd_steps=10, gd_rate=2.0, hessians=100,
                                                    max_dim=8, steps=2)),
    ]
    for cls, cfg in cases:
        final = run_to_end(cls(cfg))[-1]
        assert all(np.isfinite(v) for v in final.metrics.values()), cfg
