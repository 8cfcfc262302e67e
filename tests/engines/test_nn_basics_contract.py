"""The runtime contract, checked for every chapter-2 engine: determinism, cancellation,
save/restore, untouched global RNG, and the snapshot keys the GUI draws."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from engines.runtime import Control, drive
from tests.engines.nn_helpers import (DEMOS, assert_same_run, global_rng_untouched,
                                      round_trip, run_to_end, small)

EXPECTED_ARRAYS = {
    "function": {"x_grid", "y_target", "y_pred", "x_train", "y_train", "x_test", "y_test"},
    "image": {"target", "image"},
    "landscape": {"landscape", "theta0_axis", "theta1_axis", "theta_true", "path_sgd",
                  "path_momentum", "path_rmsprop", "path_adam"},
}
EXPECTED_METRICS = {
    "function": {"train_loss", "test_loss", "sparsity"},
    "image": {"loss"},
    "landscape": {f"{p}_{n}" for p in ("loss", "dist")
                  for n in ("sgd", "momentum", "rmsprop", "adam")},
}
EXPECTED_HISTORY = {
    "function": {"step", "train_loss", "test_loss", "sparsity"},
    "image": {"step", "loss"},
    "landscape": {"step", "loss_sgd", "loss_momentum", "loss_rmsprop", "loss_adam"},
}


@pytest.mark.parametrize("demo", DEMOS)
def test_same_seed_same_numbers(demo):
    cls, cfg = small(demo)
    assert_same_run(run_to_end(cls(cfg))[-1], run_to_end(cls(cfg))[-1])


@pytest.mark.parametrize("demo", DEMOS)
def test_different_seed_differs(demo):
    cls, cfg = small(demo)
    a = run_to_end(cls(cfg))[-1]
    b = run_to_end(cls(cfg.replace(seed=cfg.seed + 1)))[-1]
    assert a.metrics != b.metrics


@pytest.mark.parametrize("demo", DEMOS)
def test_snapshot_keys_and_copies(demo):
    cls, cfg = small(demo)
    engine = cls(cfg)
    snaps = run_to_end(engine)
    final = snaps[-1]
    assert final.step == cfg.steps
    assert EXPECTED_METRICS[demo] <= set(final.metrics)
    assert all(isinstance(v, float) for v in final.metrics.values())
    assert EXPECTED_ARRAYS[demo] <= set(final.arrays)
    assert set(final.history) == EXPECTED_HISTORY[demo]
    assert all(isinstance(a, np.ndarray) for a in final.arrays.values())
    # Snapshots are pure reads: taking another one gives the same numbers ...
    again = engine.snapshot(final=True)
    assert_same_run(again, final)
    # ... and arrays are copies: scribbling on a writeable one cannot reach the engine.
    for arr in final.arrays.values():
        if arr.flags.writeable:
            arr[...] = 12345
    assert_same_run(engine.snapshot(final=True), again)


@pytest.mark.parametrize("demo", DEMOS)
def test_save_restore_continues_identically(demo):
    """Save after N steps, restore into a NEW engine built with steps = N + M, run on.

    The continuing engine is constructed from the same config with only ``steps``
    raised (``cfg.replace(steps=N + M)``) and then ``load_state_dict``-ed; it must end
    with exactly the numbers of one uninterrupted run of N + M steps.
    """
    n, m = 30, 25
    cls, cfg = small(demo)
    whole = run_to_end(cls(cfg.replace(steps=n + m)))[-1]

    first = cls(cfg.replace(steps=n))
    run_to_end(first)
    state = round_trip(first.state_dict())
    second = cls(cfg.replace(steps=n + m))
    second.load_state_dict(state)
    assert second.step == n
    assert_same_run(run_to_end(second)[-1], whole)


@pytest.mark.parametrize("demo", DEMOS)
def test_construction_leaves_global_rng_alone(demo):
    cls, cfg = small(demo)
    torch.manual_seed(1234)
    with global_rng_untouched():
        cls(cfg).snapshot()


@pytest.mark.parametrize("demo", DEMOS)
def test_cancel_after_first_snapshot_gives_final(demo):
    cls, cfg = small(demo, steps=1000)
    engine = cls(cfg)
    ctl = Control(snapshot_hz=1000)
    it = drive(engine, ctl)
    first = next(it)
    ctl.cancel()
    rest = list(it)
    # checkpoint() at the top of the next step raises: no further step is taken.
    assert len(rest) == 1 and rest[0].final
    assert rest[0].step == first.step == engine.step
    assert len(rest[0].history["step"]) >= 1


@pytest.mark.parametrize("demo", DEMOS)
def test_cancel_from_another_thread(demo):
    cls, cfg = small(demo, steps=100_000)   # would run for minutes if not stopped
    engine = cls(cfg)
    ctl = Control(snapshot_hz=1000)
    snaps, first, errors = [], threading.Event(), []

    def consume():
        try:
            for snap in drive(engine, ctl):
                snaps.append(snap)
                first.set()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
            first.set()

    worker = threading.Thread(target=consume, daemon=True)
    worker.start()
    assert first.wait(60)
    ctl.cancel()
    worker.join(30)
    assert not worker.is_alive() and not errors
    assert snaps[-1].final and engine.step < cfg.steps
    assert snaps[-1].step == engine.step


@pytest.mark.parametrize("demo", DEMOS)
def test_pause_step_resume(demo):
    """Control.step() from a paused state runs to the next snapshot, then parks again."""
    cls, cfg = small(demo, steps=100_000)
    engine = cls(cfg)
    ctl = Control(snapshot_hz=1000)
    ctl.pause()
    out, got = [], threading.Event()

    def consume():
        for snap in drive(engine, ctl):
            out.append(snap)
            got.set()

    worker = threading.Thread(target=consume, daemon=True)
    worker.start()
    assert ctl.wait_parked(30)
    assert engine.step == 0
    ctl.step()
    assert got.wait(30)
    assert ctl.wait_parked(30)
    parked_at = engine.step
    assert parked_at >= 1 and ctl.paused
    ctl.cancel()
    worker.join(30)
    assert not worker.is_alive()
    assert out[-1].final and out[-1].step == parked_at
