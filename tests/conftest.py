"""Top-level test set-up: no window system, and no test touches the user's real settings.

The environment is set at import time, before any test module imports Qt or workbench, and
again per test with fresh directories. CLI tests start subprocesses, which inherit os.environ.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="ml-workbench-tests-"))
os.environ["ML_WORKBENCH_CONFIG_DIR"] = str(_SESSION_DIR / "config")
os.environ["ML_WORKBENCH_LOG_DIR"] = str(_SESSION_DIR / "logs")
os.environ["ML_WORKBENCH_DATA_DIR"] = str(_SESSION_DIR / "data")


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings, logs and downloaded data of each test go to its own temporary directory."""
    monkeypatch.setenv("ML_WORKBENCH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("ML_WORKBENCH_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("ML_WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    yield tmp_path


def pytest_sessionfinish(session, exitstatus):
    import shutil

    shutil.rmtree(_SESSION_DIR, ignore_errors=True)
