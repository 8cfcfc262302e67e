"""Small configs and run helpers for the chapter-2 engine tests."""
from __future__ import annotations

import io
from contextlib import contextmanager

import numpy as np
import torch

from engines.nn_basics.configs import FunctionFitConfig, ImageFitConfig, LandscapeConfig
from engines.nn_basics.function_fit import FunctionFitEngine
from engines.nn_basics.image_fit import ImageFitEngine
from engines.nn_basics.landscape import LandscapeEngine
from engines.runtime import Control, drive

# Tiny but complete: every feature that consumes randomness is switched on
# (minibatches smaller than the data, dropout), so RNG save/restore is exercised.
SMALL = {
    "function": (FunctionFitEngine, FunctionFitConfig(
        n_train=40, n_test=50, depth=2, width=16, batch_size=8, dropout=0.1, steps=60)),
    "image": (ImageFitEngine, ImageFitConfig(
        resolution=16, depth=2, width=16, batch_size=64, steps=60)),
    "landscape": (LandscapeEngine, LandscapeConfig(steps=60)),
}
DEMOS = tuple(SMALL)


def small(demo: str, **changes):
    """(engine class, small config with ``changes``) of a demo."""
    cls, cfg = SMALL[demo]
    return cls, cfg.replace(**changes)


def run_to_end(engine, snapshot_hz: float = 1000.0):
    """Drive an engine to cfg.steps; returns all snapshots (the last one is final)."""
    snaps = list(drive(engine, Control(snapshot_hz=snapshot_hz)))
    assert snaps and snaps[-1].final
    return snaps


def round_trip(state: dict) -> dict:
    """What saving to disk and loading back does: torch.save / torch.load(weights_only)."""
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def assert_same_run(a, b):
    """Two final snapshots carry the same numbers: metrics, history and arrays."""
    assert a.step == b.step and a.epoch == b.epoch
    assert a.metrics == b.metrics
    assert a.history.keys() == b.history.keys()
    for key in a.history:
        np.testing.assert_array_equal(a.history[key], b.history[key], err_msg=key)
    assert a.arrays.keys() == b.arrays.keys()
    for key in a.arrays:
        np.testing.assert_array_equal(a.arrays[key], b.arrays[key], err_msg=key)


@contextmanager
def global_rng_untouched():
    """Assert that the block leaves numpy's and torch's global random state unchanged
    (engines draw from their own seeded generators only)."""
    torch_before = torch.get_rng_state()
    np_before = np.random.get_state()[1].copy()
    yield
    np.testing.assert_array_equal(np.random.get_state()[1], np_before)
    assert torch.equal(torch.get_rng_state(), torch_before)


def assert_cancelled_before_start(engine) -> None:
    """A run cancelled before its first step still yields one final snapshot, at step 0."""
    ctl = Control()
    ctl.cancel()
    snaps = list(drive(engine, ctl))
    assert len(snaps) == 1 and snaps[0].final and snaps[0].step == 0


def assert_cancel_mid_run_ends_with_a_final_snapshot(engine, at: int, steps: int) -> None:
    """Cancelled once it reached step ``at`` of a ``steps``-step run: the run ends early,
    with a final snapshot."""
    ctl = Control(snapshot_hz=1e6)
    snaps = []
    for snap in drive(engine, ctl):
        snaps.append(snap)
        if snap.step >= at and not ctl.cancelled:
            ctl.cancel()
    assert snaps[-1].final and at <= snaps[-1].step < steps
