"""SIGTERM closes the app like Ctrl+Q: the settings are saved and no engine host is left."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_saves_the_settings_and_ends_the_hosts(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               ML_WORKBENCH_CONFIG_DIR=str(tmp_path / "config"),
               ML_WORKBENCH_LOG_DIR=str(tmp_path / "log"),
               ML_WORKBENCH_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--panel", "bayes"],
                            env=env, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        log_file = tmp_path / "log" / "ml-workbench.log"
        assert wait_for(lambda: log_file.exists() and "window shown" in log_file.read_text(),
                        120), "the window never came up"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        settings = json.loads((tmp_path / "config" / "settings.json").read_text())
        assert settings["last_panel"] == "bayes"
        # the engine host (a child in the app's process group) is gone too
        assert wait_for(lambda: subprocess.run(["pgrep", "-g", str(proc.pid)],
                                               capture_output=True).stdout == b"", 10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
