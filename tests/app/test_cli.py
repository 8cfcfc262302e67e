"""The `ml-workbench` command line, run as a user runs it: `python main.py ...` in a subprocess."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engines import registry

ROOT = Path(__file__).resolve().parents[2]
DEMOS = [spec.name for spec in registry.TOPICS["nn-basics"]]
#: Every demo of every panel: each must train headless and report through the CLI.
ALL_DEMOS = [(topic, spec.name) for topic, specs in registry.TOPICS.items() for spec in specs]
STEPS = "20"


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env=os.environ.copy())


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)


# ---- instant commands ---------------------------------------------------------------------
def test_list_prints_panel_ids_one_per_line():
    result = cli("--list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == list(registry.TOPICS)


def test_version():
    from workbench import __version__

    result = cli("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_help_mentions_the_commands():
    result = cli("--help")
    assert result.returncode == 0
    for word in ("run", "screenshot", "--list", "--panel", "--install-desktop-entry"):
        assert word in result.stdout


def test_cli_module_imports_neither_torch_nor_qt():
    code = ("import sys, workbench.cli; "
            "print([m for m in ('torch', 'PySide6', 'pyqtgraph') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=30)
    assert result.stdout.strip() == "[]", result.stderr


# ---- headless run ---------------------------------------------------------------------------
def check_run_report(topic: str, demo: str, code: int, stdout: str, stderr: str,
                     out) -> None:
    assert code == 0, stderr
    report = json.loads(stdout)  # exactly one JSON object on stdout
    assert set(report) >= {"panel", "demo", "preset", "config", "device", "steps",
                           "elapsed_s", "steps_per_s", "metrics"}
    assert report["panel"] == topic and report["demo"] == demo
    assert report["preset"] == "defaults"
    assert report["config"]["steps"] == int(STEPS)
    assert report["device"] == "cpu"
    assert report["steps"] == int(STEPS)
    assert report["metrics"], "final metrics missing"
    assert "done:" in stderr

    with out.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "step" and len(rows[0]) > 1
    assert len(rows) > 1
    assert all(len(row) == len(rows[0]) for row in rows)
    float(rows[1][0])


@pytest.mark.parametrize("demo", DEMOS)
def test_run_json_and_csv(demo, tmp_path):
    """The real command line, in its own process."""
    out = tmp_path / "history.csv"
    result = cli("run", "nn-basics", "--demo", demo, "--steps", STEPS, "--json",
                 "--out", str(out))
    check_run_report("nn-basics", demo, result.returncode, result.stdout, result.stderr, out)


# A subprocess per demo (~2 s each): each panel's first demo by default, the rest with
# `-m slow` (the engines themselves are run headless by the contract tests).
HEADLESS_CASES = [pytest.param(topic, demo, marks=() if demo == registry.TOPICS[topic][0].name
                               else pytest.mark.slow)
                  for topic, demo in ALL_DEMOS if topic != "nn-basics"]


@pytest.mark.parametrize("topic,demo", HEADLESS_CASES)
def test_every_demo_runs_headless(topic, demo, tmp_path):
    """Every other demo through the same code path, in this process (no start-up cost)."""
    import io

    from workbench import headless

    out = tmp_path / "history.csv"
    stdout, stderr = io.StringIO(), io.StringIO()
    code = headless.run(topic, demo, steps=int(STEPS), device="cpu", as_json=True, out=out,
                        stdout=stdout, stderr=stderr)
    check_run_report(topic, demo, code, stdout.getvalue(), stderr.getvalue(), out)


def test_same_seed_gives_same_metrics():
    args = ("run", "nn-basics", "--demo", DEMOS[0], "--steps", STEPS, "--seed", "7", "--json")
    first, second = start(*args), start(*args)  # in parallel: half the wall time
    outputs = [p.communicate(timeout=90) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    metrics = [json.loads(out)["metrics"] for out, _ in outputs]
    assert metrics[0] == metrics[1]


@pytest.mark.parametrize("args, words", [
    (["--set", "no_such_key=1"], ["no_such_key", "unknown parameter", "lr"]),
    (["--set", "lr=50"], ["--set lr=50", "lr", "out of range", "1e-05", "10"]),
    (["--set", "activation=banana"], ["activation", "relu"]),
    (["--set", "lr"], ["key=value"]),
    (["--steps", "0"], ["--steps 0", "steps", "out of range"]),
    (["--demo", "nope"], ["unknown demo", "nope", *DEMOS]),
    (["--preset", "nope"], ["unknown preset", "nope", "defaults"]),
])
def test_run_rejects_bad_arguments_with_exit_2(args, words):
    result = cli("run", "nn-basics", *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ")
    for word in words:
        assert word in result.stderr
    assert result.stdout == ""


def test_run_unknown_panel_lists_known_ones():
    result = cli("run", "no-such-panel")
    assert result.returncode == 2
    assert "no-such-panel" in result.stderr and "nn-basics" in result.stderr


def test_run_on_missing_device_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = cli("run", "nn-basics", "--device", "cuda", "--steps", "1")
    assert result.returncode == 2
    assert "cuda" in result.stderr and "not available" in result.stderr
    assert "Traceback" not in result.stderr


def test_argparse_errors_exit_2():
    assert cli("run").returncode == 2                       # panel id missing
    assert cli("run", "nn-basics", "--steps", "x").returncode == 2
    assert cli("bogus-command").returncode == 2


# ---- headless run with a fake engine: divergence, Ctrl+C ----------------------------------
FAKE_MAIN = """
import sys
from engines import registry
from tests.fakes.engine import SPEC
registry.TOPICS["fake"] = (SPEC,)
from workbench.cli import main
sys.exit(main(sys.argv[1:]))
"""


def fake_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", FAKE_MAIN, *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)


def test_divergence_exits_3_and_still_writes_history(tmp_path):
    out = tmp_path / "h.csv"
    proc = fake_cli("run", "fake", "--set", "nan_from=50", "--set", "work=10",
                    "--steps", "100000", "--out", str(out))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 3, err
    assert "diverged" in err.lower() and "loss" in err
    rows = out.read_text().splitlines()
    assert rows[0] == "step,loss" and len(rows) > 1


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery is POSIX-only")
def test_ctrl_c_stops_cleanly_with_exit_130(tmp_path):
    out = tmp_path / "h.csv"
    proc = fake_cli("run", "fake", "--steps", "1000000000", "--json", "--out", str(out))
    # Wait for the start line, i.e. the engine is built and the handler is installed.
    assert "steps on" in proc.stderr.readline()
    # The first progress line (every ~2 s when stderr is a pipe) proves steps have run.
    assert proc.stderr.readline().startswith("step ")
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    report = json.loads(stdout)
    assert report["stopped"] is True and report["steps"] > 0
    assert out.read_text().startswith("step,loss")


# ---- window and screenshot (need the lead's workbench/app.py) ------------------------------
@pytest.mark.parametrize("args", [
    ["--panel", "nope"],
    ["--panel", "nn-basics", "--demo", "nope"],
    ["--panel", "nn-basics", "--preset", "nope"],
    ["--demo", "function"],                          # --demo without --panel
    ["--panel", "nn-basics", "--list"],               # window options with another action
    ["--fullscreen", "run", "nn-basics"],
    ["screenshot", "nope", "--steps", "5", "--out", "x.png"],
    ["screenshot", "nn-basics", "--steps", "0", "--out", "x.png"],
    ["screenshot", "nn-basics", "--out", "x.png"],    # --steps is required
])
def test_window_and_screenshot_validate_before_qt(args):
    result = cli(*args)
    assert result.returncode == 2, result.stderr
    assert "error" in result.stderr


@pytest.mark.gui
def test_screenshot_writes_a_png(tmp_path):
    out = tmp_path / "shot.png"
    result = cli("screenshot", "nn-basics", "--steps", "5", "--out", str(out), timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_painted_choice_headless_is_refused_before_anything_runs():
    # points painted with the mouse exist only in the app: refused up front, naming the
    # field and what a headless run can use (it used to start and fail in the engine)
    result = cli("run", "generative", "--demo", "flow_samples", "--set", "target=painted",
                 "--steps", "3")
    assert result.returncode == 2
    assert "error: target=painted" in result.stderr and "two_moons" in result.stderr
    assert "steps on" not in result.stderr and "Traceback" not in result.stderr
