#!/usr/bin/env python3
"""Set up ML Workbench on a fresh machine and run it, or run its tests.

    python3 scripts/bootstrap.py run  [app arguments...]    # e.g. run --panel nn-basics
    python3 scripts/bootstrap.py test [pytest arguments...] # e.g. test -q tests/app
    python3 scripts/bootstrap.py setup                      # only prepare .venv

What it does, printing each step:
  1. creates .venv next to pyproject.toml (python -m venv) if it is missing;
  2. makes sure torch is there without pulling CUDA wheels onto machines that cannot use
     them (see ensure_torch);
  3. `pip install -e .` (plus the [test] extra for `test`);
  4. starts the app, or checks the import-layer contracts (lint-imports) and runs pytest
     with QT_QPA_PLATFORM=offscreen.
Steps 2-3 are skipped when a stamp in .venv says this pyproject.toml was installed
already, so a second run starts at once. Standard library only; Python >= 3.10.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".ml-workbench-bootstrap.json"

TORCH_PIN = "torch==2.13.0"          # the version the project is tested with
TORCH_MIN = (2, 2)                   # an installed torch at least this new is kept
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
MIN_PIP = (22, 2)                    # `pip install --report` appeared in pip 22.2
USAGE = __doc__.split("\n\n")[1]


def say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def fail(message: str) -> None:
    print(f"[bootstrap] error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    say("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run(cmd, **kwargs)


def check(cmd: list[str], **kwargs) -> None:
    if run(cmd, **kwargs).returncode != 0:
        fail(f"command failed: {' '.join(str(c) for c in cmd)}")


def version_tuple(text: str) -> tuple[int, ...]:
    """'2.13.0+cpu' -> (2, 13, 0); stops at the first part that is not a number."""
    parts = []
    for piece in text.split("+")[0].split("."):
        match = re.match(r"\d+", piece)
        if not match:
            break
        parts.append(int(match.group()))
    return tuple(parts)


# ---- the virtual environment --------------------------------------------------------------
def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def ensure_venv() -> Path:
    python = venv_python()
    if python.exists():
        say(f"using {VENV}")
        return python
    say(f"creating virtual environment {VENV}")
    result = run([sys.executable, "-m", "venv", str(VENV)])
    if result.returncode != 0 or not python.exists():
        shutil.rmtree(VENV, ignore_errors=True)  # a half-made venv would confuse the next run
        fail("could not create the virtual environment. On Debian/Ubuntu install the venv "
             "module first: sudo apt install python3-venv")
    return python


def venv_output(python: Path, code: str) -> str | None:
    """stdout of a snippet run in the venv, or None when it fails."""
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else None


def ensure_pip(python: Path) -> None:
    found = venv_output(python, "import pip; print(pip.__version__)")
    if found is None or version_tuple(found) < MIN_PIP:
        say(f"pip {found or 'missing'} is too old for this script; upgrading pip")
        check([str(python), "-m", "pip", "install", "--upgrade", "pip"])


# ---- torch --------------------------------------------------------------------------------
def has_nvidia_gpu() -> bool:
    """An NVIDIA driver answers `nvidia-smi`; without it CUDA wheels are dead weight."""
    tool = shutil.which("nvidia-smi")
    if not tool:
        return False
    try:
        return subprocess.run([tool], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def would_pull_cuda(python: Path) -> bool:
    """Ask pip (dry run) what `pip install torch` would install here."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        check([str(python), "-m", "pip", "install", TORCH_PIN, "--dry-run", "--quiet",
               "--report", str(report)])
        data = json.loads(report.read_text(encoding="utf-8"))
    names = [item.get("metadata", {}).get("name", "").lower().replace("_", "-")
             for item in data.get("install", [])]
    cuda = [n for n in names if n.startswith("nvidia-") or n == "triton"]
    if cuda:
        say(f"the default torch would bring CUDA packages ({', '.join(cuda[:4])}, ...)")
    return bool(cuda)


def ensure_torch(python: Path) -> None:
    """Keep a usable torch; otherwise install one, the CPU build on machines without GPU.

    On Linux the PyPI torch wheel depends on ~3 GB of nvidia-* CUDA packages. Without an
    NVIDIA GPU they are useless, so we ask pip (dry run) what it would install and, if
    CUDA packages show up, install from PyTorch's CPU-only index instead. On macOS and
    Windows, and on Linux mirrors that already serve CPU wheels, the dry run shows no
    CUDA packages and plain pip is used.
    """
    found = venv_output(python, "import torch; print(torch.__version__)")
    if found and version_tuple(found) >= TORCH_MIN:
        say(f"torch {found} is already installed; keeping it")
        return
    if found:
        say(f"torch {found} is older than {'.'.join(map(str, TORCH_MIN))}; replacing it")
    if has_nvidia_gpu():
        say("NVIDIA GPU found: installing torch with CUDA support")
        check([str(python), "-m", "pip", "install", TORCH_PIN])
    elif would_pull_cuda(python):
        say(f"no NVIDIA GPU: installing the CPU-only torch from {CPU_INDEX}")
        check([str(python), "-m", "pip", "install", TORCH_PIN, "--index-url", CPU_INDEX])
    else:
        say("no NVIDIA GPU, and the default torch needs no CUDA packages here")
        check([str(python), "-m", "pip", "install", TORCH_PIN])


# ---- the app and its dependencies ---------------------------------------------------------
def wanted_stamp(extras: list[str]) -> dict:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    # An editable install maps each top-level package; a new one needs a reinstall.
    for package in sorted(p.parent.name for p in ROOT.glob("*/__init__.py")):
        digest.update(package.encode())
    return {"pyproject_sha256": digest.hexdigest(), "extras": sorted(extras),
            "python": str(venv_python())}


def stamp_satisfies(extras: list[str]) -> bool:
    """True when this pyproject.toml was installed with at least these extras."""
    try:
        have = json.loads(STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    want = wanted_stamp(extras)
    return (have.get("pyproject_sha256") == want["pyproject_sha256"]
            and have.get("python") == want["python"]
            and set(want["extras"]) <= set(have.get("extras", [])))


def install_app(python: Path, extras: list[str]) -> None:
    if stamp_satisfies(extras):
        say("dependencies are up to date (pyproject.toml unchanged); skipping pip")
        return
    ensure_pip(python)
    ensure_torch(python)
    target = "." + (f"[{','.join(extras)}]" if extras else "")
    say(f"installing ML Workbench and its dependencies ({target}, editable)")
    check([str(python), "-m", "pip", "install", "-e", target], cwd=ROOT)
    # Keep the extras a previous run installed, so `run` after `test` does not reinstall.
    try:
        previous = json.loads(STAMP.read_text(encoding="utf-8")).get("extras", [])
    except (OSError, ValueError):
        previous = []
    STAMP.write_text(json.dumps(wanted_stamp(sorted(set(extras) | set(previous)))),
                     encoding="utf-8")


# ---- commands -----------------------------------------------------------------------------
def launch(python: Path, args: list[str]) -> int:
    say("starting ML Workbench")
    return run([str(python), str(ROOT / "main.py"), *args], cwd=ROOT).returncode


def run_tests(python: Path, args: list[str]) -> int:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    # The layer contracts first (pyproject.toml [tool.importlinter]): seconds, and a broken
    # layer is reported before any test runs.
    linter = python.parent / ("lint-imports.exe" if os.name == "nt" else "lint-imports")
    if not args and run([str(linter)], cwd=ROOT, env=env,
                        stdin=subprocess.DEVNULL).returncode != 0:
        say("import contracts broken (see above)")
        return 1
    # No interactive pip/Qt prompts: CI runs without stdin.
    return run([str(python), "-m", "pytest", *args], cwd=ROOT, env=env,
               stdin=subprocess.DEVNULL).returncode


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 10):
        fail(f"Python 3.10 or newer is needed (this is {sys.version.split()[0]})")
    if not argv or argv[0] not in ("run", "test", "setup"):
        print(USAGE)
        return 2
    command, rest = argv[0], argv[1:]
    os.environ.setdefault("PIP_NO_INPUT", "1")
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")

    python = ensure_venv()
    install_app(python, ["test"] if command == "test" else [])
    if command == "test":
        return run_tests(python, rest)
    if command == "run":
        return launch(python, rest)
    say(f"ready: start the app with {python} {ROOT / 'main.py'}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
