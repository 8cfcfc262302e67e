"""Qt-free pieces of the CLI, in process: config building, CSV export, logging."""
from __future__ import annotations

import logging
import os
import math

import numpy as np
import pytest

from engines.nn_basics.configs import FunctionFitConfig
from workbench import headless, logs
from workbench.export_csv import write_history_csv


def test_build_config_applies_sets_steps_and_seed_in_order():
    cfg = headless.build_config(FunctionFitConfig(), ["lr=0.01", "width=8", "activation=relu"],
                                steps=10, seed=3)
    assert (cfg.lr, cfg.width, cfg.activation, cfg.steps, cfg.seed) == (0.01, 8, "relu", 10, 3)


def test_build_config_error_names_option_key_and_range():
    with pytest.raises(headless.UsageError) as info:
        headless.build_config(FunctionFitConfig(), ["lr=50"])
    assert str(info.value) == "--set lr=50: lr: 50 is out of range; allowed 1e-05 … 10"


def test_resolve_applies_presets_and_rejects_unknown_names():
    spec, cfg = headless.resolve("nn-basics")
    assert spec.name == "function" and cfg == FunctionFitConfig()
    for args in (("x",), ("nn-basics", "x"), ("nn-basics", None, "x")):
        with pytest.raises(headless.UsageError, match="known"):
            headless.resolve(*args)


def test_history_csv_has_step_first_and_blank_nan(tmp_path):
    path = write_history_csv(tmp_path / "sub" / "h.csv", {
        "loss": np.array([1.0, 0.5]), "step": np.array([0.0, 10.0]),
        "acc": np.array([math.nan, 0.25])})
    assert path.read_text().splitlines() == ["step,loss,acc", "0,1.0,", "10,0.5,0.25"]


def test_history_csv_rejects_ragged_columns(tmp_path):
    with pytest.raises(ValueError, match="loss"):
        write_history_csv(tmp_path / "h.csv", {"step": np.arange(3.0), "loss": np.arange(2.0)})


@pytest.fixture
def clean_root_logger():
    """Run with no ml-workbench handler installed, and restore the root logger after."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    for handler in before:
        if handler.get_name() == logs._HANDLER_NAME:
            root.removeHandler(handler)
    yield
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    for handler in before:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


def test_setup_logging_writes_to_the_log_dir(tmp_path, monkeypatch, clean_root_logger):
    monkeypatch.setenv("ML_WORKBENCH_LOG_DIR", str(tmp_path / "logs"))
    path = logs.setup_logging()
    assert path == tmp_path / "logs" / logs.LOG_FILE
    assert logs.setup_logging() == path  # a second call adds no second handler
    logging.getLogger("workbench.test").info("hello from the test")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "INFO" in text and "workbench.test" in text and "hello from the test" in text


def test_setup_logging_falls_back_to_stderr(tmp_path, monkeypatch, capsys, clean_root_logger):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("ML_WORKBENCH_LOG_DIR", str(blocker / "logs"))
    assert logs.setup_logging() is None
    assert "logging to stderr" in capsys.readouterr().err


def test_a_finite_blow_up_is_a_divergence_with_exit_3(capsys):
    """Only NaN/Inf used to stop a run: a loss 1000x its first value does now too."""
    from workbench import headless

    code = headless.run("nn-basics", "image", None, sets=["optimizer=adam", "lr=10"],
                        steps=200, seed=None, device="cpu", as_json=False, out=None)
    assert code == headless.EXIT_DIVERGED
    assert "grew over 1000" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["directory", "unwritable"])
def test_a_bad_out_path_is_refused_before_training(tmp_path, kind):
    from workbench import headless

    out = tmp_path / "somewhere"
    out.mkdir()
    if kind == "unwritable":
        out = tmp_path / "dev-full" / "h.csv"
        out.parent.mkdir()
        out.write_text("")
        out.chmod(0o400)
        if os.access(out, os.W_OK):   # root ignores file modes
            pytest.skip("running as root: the file stays writable")
    with pytest.raises(headless.UsageError, match="--out"):
        headless.run("nn-basics", "function", None, steps=5, out=out)


def test_missing_full_mnist_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    from workbench import headless

    monkeypatch.setenv("ML_WORKBENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(headless.UsageError, match="Full MNIST is not downloaded"):
        headless.run("mnist", "cnn", None, sets=["dataset=full"], steps=1)
