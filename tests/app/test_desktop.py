"""`--install-desktop-entry`: a valid freedesktop .desktop file plus its icon."""
from __future__ import annotations

import configparser
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from workbench import desktop

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not desktop.supported(), reason="freedesktop only")


def cli(*args: str, data_home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_DATA_HOME=str(data_home))
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive in .desktop files
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_install_and_uninstall_desktop_entry(tmp_path):
    result = cli("--install-desktop-entry", data_home=tmp_path)
    assert result.returncode == 0, result.stderr

    entry_path = tmp_path / "applications" / "ml-workbench.desktop"
    icon_path = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "ml-workbench.svg"
    assert str(entry_path) in result.stdout and str(icon_path) in result.stdout
    assert icon_path.read_bytes() == (ROOT / "resources" / "icons" / "ml-workbench.svg").read_bytes()

    entry = read_entry(entry_path)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "ML Workbench"
    assert entry["Icon"] == str(icon_path)
    assert entry["Terminal"] == "false"
    assert entry["Categories"] == "Education;Science;"
    program = Path(shlex.split(entry["Exec"])[0])
    assert program.is_absolute() and program.exists()

    result = cli("--uninstall-desktop-entry", data_home=tmp_path)
    assert result.returncode == 0
    assert not entry_path.exists() and not icon_path.exists()


def test_desktop_file_validates_if_the_validator_is_installed(tmp_path):
    import shutil

    validator = shutil.which("desktop-file-validate")
    if not validator:
        pytest.skip("desktop-file-validate not installed")
    entry, _ = desktop.install(tmp_path)
    result = subprocess.run([validator, str(entry)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_launch_command_prefers_the_script_beside_the_interpreter(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    python = bindir / "python"
    script = bindir / "ml-workbench"
    for path in (python, script):
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(python))
    assert desktop.launch_command() == [str(script)]

    script.unlink()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert desktop.launch_command() == [str(python), str(ROOT / "main.py")]


@pytest.mark.parametrize("argv, expected", [
    (["/usr/bin/ml-workbench"], "/usr/bin/ml-workbench"),
    (["/home/a b/python", "/x/main.py"], '"/home/a b/python" /x/main.py'),
    (["/opt/100%/run"], "/opt/100%%/run"),
    (['/we$ird"/py'], '"/we\\\\$ird\\\\"/py"'),
])
def test_exec_line_quoting(argv, expected):
    assert desktop.exec_line(argv) == expected


def test_relative_xdg_data_home_is_ignored(monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
    assert desktop.data_home() == Path.home() / ".local" / "share"
