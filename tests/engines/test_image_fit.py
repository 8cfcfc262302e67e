"""ImageFitEngine: pictures, contributions of last-layer neurons, quick preset."""
from __future__ import annotations

import numpy as np
import pytest

from engines.nn_basics.configs import IMAGES, ImageFitConfig
from engines.nn_basics.image_fit import ImageFitEngine
from engines.nn_basics.targets import make_image
from tests.engines.nn_helpers import run_to_end, small


@pytest.mark.parametrize("name", IMAGES)
def test_images_are_grey_squares(name):
    img = make_image(name, 32)
    assert img.shape == (32, 32) and img.dtype == np.float32
    assert img.min() >= 0.0 and img.max() <= 1.0 and img.var() > 0.02


def test_contributions_add_up_to_the_output():
    cls, cfg = small("image", width=12)
    engine = cls(cfg)
    snap = run_to_end(engine)[-1]
    contrib, ids = snap.arrays["contributions"], snap.arrays["contribution_ids"]
    res = cfg.resolution
    assert contrib.shape == (12, res, res) and contrib.dtype == np.float32
    assert sorted(ids.tolist()) == list(range(12))       # all neurons when width ≤ 64
    variances = contrib.reshape(12, -1).var(axis=1)
    assert np.all(np.diff(variances) <= 1e-6)            # sorted by variance, descending
    # output = Σ_j w_j h_j + b, before the display clipping
    raw = contrib.sum(axis=0) + snap.metrics["out_bias"]
    np.testing.assert_allclose(np.clip(raw, 0, 1), snap.arrays["image"], atol=1e-5)
    mse = float(((raw - snap.arrays["target"]) ** 2).mean())
    assert mse == pytest.approx(snap.metrics["loss"], rel=1e-4, abs=1e-7)


def test_contributions_only_in_final_snapshots_and_capped():
    cls, cfg = small("image", width=80, steps=3)
    engine = cls(cfg)
    snaps = run_to_end(engine)
    assert all("contributions" not in s.arrays for s in snaps[:-1])
    assert "out_bias" not in engine.snapshot().metrics
    assert snaps[-1].arrays["contributions"].shape[0] == 64


def test_quick_preset_reconstructs_the_image(presets):
    cfg = ImageFitConfig.from_dict(presets["image"]["quick"])
    snap = run_to_end(ImageFitEngine(cfg))[-1]
    # Predicting the mean grey value gives MSE = Var(image); a recognisable
    # reconstruction must remove at least three quarters of it.
    assert snap.metrics["loss"] < 0.25 * snap.arrays["target"].var()
