"""scripts/bootstrap.py's decisions, without running pip: which torch, and when to skip."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bootstrap(monkeypatch):
    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "scripts" / "bootstrap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    commands: list[list[str]] = []
    monkeypatch.setattr(module, "check", lambda cmd, **kw: commands.append([str(c) for c in cmd]))
    module.commands = commands
    return module


def test_version_tuple(bootstrap):
    assert bootstrap.version_tuple("2.13.0+cpu") == (2, 13, 0)
    assert bootstrap.version_tuple("2.2.0rc1") == (2, 2, 0)
    assert bootstrap.version_tuple("2.1.2") < bootstrap.TORCH_MIN


def test_installed_torch_is_kept(bootstrap, monkeypatch):
    monkeypatch.setattr(bootstrap, "venv_output", lambda py, code: "2.13.0+cpu")
    monkeypatch.setattr(bootstrap, "would_pull_cuda", pytest.fail)
    bootstrap.ensure_torch(Path("python"))
    assert bootstrap.commands == []


@pytest.mark.parametrize("gpu, cuda_in_dry_run, uses_cpu_index", [
    (False, True, True),    # Linux without GPU, PyPI torch: CPU index
    (False, False, False),  # macOS / Windows / CPU mirror: plain pip
    (True, True, False),    # NVIDIA GPU: keep CUDA
])
def test_torch_source(bootstrap, monkeypatch, gpu, cuda_in_dry_run, uses_cpu_index):
    monkeypatch.setattr(bootstrap, "venv_output", lambda py, code: None)
    monkeypatch.setattr(bootstrap, "has_nvidia_gpu", lambda: gpu)
    monkeypatch.setattr(bootstrap, "would_pull_cuda", lambda py: cuda_in_dry_run)
    bootstrap.ensure_torch(Path("python"))
    (install,) = bootstrap.commands
    assert bootstrap.TORCH_PIN in install
    assert (bootstrap.CPU_INDEX in install) == uses_cpu_index


@pytest.mark.parametrize("names, expected", [
    (["torch", "sympy", "nvidia_cublas_cu12", "triton"], True),
    (["torch", "sympy", "filelock"], False),
])
def test_dry_run_report_is_read(bootstrap, monkeypatch, names, expected):
    def fake_check(cmd, **kw):
        assert "--dry-run" in cmd
        report = Path(cmd[cmd.index("--report") + 1])
        report.write_text(json.dumps({"install": [{"metadata": {"name": n}} for n in names]}))

    monkeypatch.setattr(bootstrap, "check", fake_check)
    assert bootstrap.would_pull_cuda(Path("python")) is expected


def test_stamp_skips_pip_until_pyproject_changes(bootstrap, monkeypatch, tmp_path):
    monkeypatch.setattr(bootstrap, "STAMP", tmp_path / "stamp.json")
    monkeypatch.setattr(bootstrap, "ensure_pip", lambda py: None)
    monkeypatch.setattr(bootstrap, "ensure_torch", lambda py: None)

    bootstrap.install_app(Path("python"), ["test"])
    assert len(bootstrap.commands) == 1 and "-e" in bootstrap.commands[0]
    bootstrap.install_app(Path("python"), ["test"])
    bootstrap.install_app(Path("python"), [])          # subset of what is installed
    assert len(bootstrap.commands) == 1

    stamp = json.loads(bootstrap.STAMP.read_text())
    bootstrap.STAMP.write_text(json.dumps(dict(stamp, pyproject_sha256="changed")))
    bootstrap.install_app(Path("python"), [])
    assert len(bootstrap.commands) == 2
