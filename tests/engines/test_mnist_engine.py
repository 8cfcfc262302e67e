"""The mnist CNN engine: per-epoch history, chance at epoch 0, (d) faster than (c),
determinism, save/restore, snapshots for the GUI, and clear messages for bad input."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from engines.config import ConfigError
from engines.mnist.classifier import MNISTEngine
from engines.mnist.configs import CRITERIA, MNISTConfig
from engines.mnist.data import DataMissing, load_subset
from engines.runtime import Control, drive
from tests.engines.nn_helpers import (assert_same_run, global_rng_untouched, round_trip,
                                      run_to_end)

TINY = dict(channels1=4, channels2=6, hidden=16, batch_size=32, epochs=2)


@pytest.fixture(scope="module")
def subset():
    return load_subset()


def tiny(subset, n_train=256, n_test=128, **changes):
    cfg = MNISTConfig(**{**TINY, **changes})
    return MNISTEngine(cfg, "cpu", data=subset.limited(n_train, n_test))


def test_history_has_one_test_point_more_than_train_points(subset):
    engine = tiny(subset, epochs=3)
    final = run_to_end(engine)[-1]
    h = final.history
    steps = h["step"]
    assert np.all(np.diff(steps) > 0)
    test_at = steps[np.isfinite(h["test_acc"])]
    train_at = steps[np.isfinite(h["train_acc"])]
    assert test_at.tolist() == [0.0, 1.0, 2.0, 3.0]      # epoch 0 evaluated before training
    assert train_at.tolist() == [1.0, 2.0, 3.0]
    running = steps[np.isfinite(h["train_acc_running"])]
    assert len(running) > 3 * 3 and (running % 1 != 0).any()   # progress inside epochs
    # the epoch average equals the last running value of that epoch
    ends = np.isfinite(h["train_loss"])
    np.testing.assert_allclose(h["train_loss"][ends], h["train_loss_running"][ends])
    assert final.step == 3 * engine.steps_per_epoch == 3 * 8
    assert final.metrics["epoch"] == 3.0


@pytest.mark.parametrize("criterion", CRITERIA)
def test_untrained_accuracy_is_near_chance(subset, criterion):
    engine = tiny(subset, n_test=500, criterion=criterion, seed=1)
    ev = engine.evaluate_test()
    assert 0.03 <= ev["acc"] <= 0.25
    assert ev["confusion"].sum() == 500
    assert np.isfinite(ev["loss"])


def test_scaled_output_learns_faster_than_class_index_per_epoch(subset):
    """A1.1 (c) vs (d): same network, same data and seed, 3 epochs of 1000 digits."""
    curves = {}
    for criterion in ("c_mse_class_index", "d_scaled_output"):
        engine = MNISTEngine(MNISTConfig(criterion=criterion, epochs=3, batch_size=32),
                             "cpu", data=subset.limited(1000, 300))
        h = run_to_end(engine)[-1].history
        done = np.isfinite(h["test_acc"])
        curves[criterion] = (h["test_acc"][done], h["test_loss"][done])
    acc_c, loss_c = curves["c_mse_class_index"]
    acc_d, loss_d = curves["d_scaled_output"]
    assert acc_c[0] == pytest.approx(0.1, abs=0.05) and acc_d[0] == pytest.approx(0.1, abs=0.05)
    assert acc_d[1:].mean() > acc_c[1:].mean() + 0.03        # more accuracy per epoch
    assert (loss_d[1:] < loss_c[1:]).all()                    # lower loss after every epoch


def test_bonus_initialisation_matches_scaled_output_at_epoch_zero(subset):
    first = {}
    for criterion in ("d_scaled_output", "d2_scaled_init"):
        engine = tiny(subset, criterion=criterion, steps=1)
        h = run_to_end(engine)[-1].history
        first[criterion] = (h["test_loss"][0], h["test_acc"][0])
    assert first["d_scaled_output"][0] == pytest.approx(first["d2_scaled_init"][0], rel=1e-5)
    assert first["d_scaled_output"][1] == first["d2_scaled_init"][1]


def test_same_seed_same_numbers_and_other_seed_differs(subset):
    a = run_to_end(tiny(subset, steps=12))[-1]
    b = run_to_end(tiny(subset, steps=12))[-1]
    assert_same_run(a, b)
    c = run_to_end(tiny(subset, steps=12, seed=9))[-1]
    assert a.metrics != c.metrics


def test_save_restore_continues_identically_across_an_epoch_end(subset):
    n, m = 5, 9                                  # 8 steps per epoch: restore mid-epoch
    whole = run_to_end(tiny(subset, steps=n + m))[-1]
    first = tiny(subset, steps=n)
    run_to_end(first)
    state = round_trip(first.state_dict())
    second = tiny(subset, steps=n + m)
    second.load_state_dict(state)
    assert second.step == n
    assert_same_run(run_to_end(second)[-1], whole)


def test_construction_and_snapshots_leave_global_rng_alone(subset):
    torch.manual_seed(1234)
    with global_rng_untouched():
        run_to_end(tiny(subset, steps=3))


def test_snapshot_holds_what_the_views_draw(subset):
    engine = tiny(subset, steps=10)
    final = run_to_end(engine)[-1]
    a = final.arrays
    assert all(isinstance(v, float) and np.isfinite(v) for v in final.metrics.values())
    assert {"test_acc", "test_loss", "epoch", "train_loss_running"} <= set(final.metrics)
    assert a["confusion"].shape == (10, 10) and a["confusion"].sum() == 128
    wrong = a["wrong_images"]
    assert wrong.dtype == np.uint8 and wrong.shape[1:] == (28, 28) and len(wrong) <= 24
    assert (a["wrong_true"] != a["wrong_pred"]).all()
    # weights for the canvas, and the sizes / dataset the data box shows
    assert {"w_conv1_w", "w_conv1_b", "w_conv2_w", "w_fc1_w", "w_fc2_w", "w_fc2_b"} <= set(a)
    assert a["sizes"].tolist() == [256, 128, 8, 10]
    assert int(a["dataset"]) == 0 and CRITERIA[int(a["criterion"])] == "a_cross_entropy"
    # stopped inside an epoch: the final picture is evaluated at the stop
    assert "test_acc_at_stop" in final.metrics


def test_cancel_mid_epoch_gives_a_final_snapshot(subset):
    engine = tiny(subset, epochs=50)
    ctl = Control(snapshot_hz=1000)
    it = drive(engine, ctl)
    next(it)
    ctl.cancel()
    rest = list(it)
    assert len(rest) == 1 and rest[0].final and rest[0].step == engine.step


@pytest.mark.parametrize("criterion", ("a_cross_entropy", "c_mse_class_index"))
def test_headless_classify_gives_a_distribution(subset, criterion):
    engine = tiny(subset, steps=5, criterion=criterion)
    run_to_end(engine)
    probs = engine.classify(subset.x_test[0] / 255.0)
    assert probs.shape == (10,) and probs.sum() == pytest.approx(1.0)
    if criterion.startswith("c"):
        assert sorted(probs.tolist())[-1] == 1.0          # all weight on round(f)


# ---- bad input ---------------------------------------------------------------------------------
def test_batch_larger_than_the_training_set_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        MNISTConfig(batch_size=9000)
    assert info.value.key == "batch_size"
    assert "8000" in str(info.value) and "subset" in str(info.value)
    with pytest.raises(ConfigError, match="100"):
        MNISTConfig(train_samples=100, batch_size=128)
    MNISTConfig(dataset="full", batch_size=9000)               # 60,000 digits: fine
    with pytest.raises(ConfigError) as info:
        MNISTConfig.from_dict({"batch_size": "70000"})
    assert info.value.key == "batch_size"


def test_engine_refuses_a_batch_larger_than_its_data(subset):
    with pytest.raises(ValueError, match="batch_size 64 is larger than the training set"):
        MNISTEngine(MNISTConfig(batch_size=64), "cpu", data=subset.limited(50, 20))


def test_even_kernel_is_refused():
    with pytest.raises(ConfigError) as info:
        MNISTConfig(kernel=4)
    assert info.value.key == "kernel" and "odd" in str(info.value)


def test_full_mnist_missing_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ML_WORKBENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(DataMissing, match="Download full MNIST"):
        MNISTEngine(MNISTConfig(dataset="full"), "cpu")


@pytest.mark.slow
def test_default_cnn_reaches_95_percent_on_the_subset():
    """The CPU-friendly quality check (about 10 s on one core)."""
    engine = MNISTEngine(MNISTConfig(epochs=3), "cpu")
    final = run_to_end(engine)[-1]
    assert final.metrics["test_acc"] >= 0.95


def test_a_setting_that_does_not_learn_stops_as_not_learning(subset):
    """SGD at η = 1 keeps the CNN at chance: after two epochs the run stops with
    NotLearning (a Diverged: exit 3 headless, the divergence message in the GUI)."""
    from engines.runtime import Diverged, NotLearning

    engine = tiny(subset, n_train=1024, n_test=256, optimizer="sgd", lr=1.0, epochs=4)
    assert 2 * engine.steps_per_epoch >= engine.NOT_LEARNING_STEPS
    with pytest.raises(NotLearning) as info:
        for _ in drive(engine, Control(snapshot_hz=1000.0)):
            pass
    assert isinstance(info.value, Diverged)
    assert info.value.metric == "test_acc" and info.value.value <= 0.2
    assert engine.step == 2 * engine.steps_per_epoch      # stopped at the second epoch's end
    assert "chance" in str(info.value) and "learning rate" in str(info.value)


def test_a_learning_setting_is_not_stopped(subset):
    engine = tiny(subset, n_train=1024, n_test=256, epochs=2)
    snaps = list(drive(engine, Control(snapshot_hz=1000.0)))
    assert snaps[-1].final and snaps[-1].metrics["test_acc"] > 0.5
