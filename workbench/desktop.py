"""Start-menu entry for Linux desktops (freedesktop.org .desktop file + icon).

`ml-workbench --install-desktop-entry` writes
  $XDG_DATA_HOME/applications/ml-workbench.desktop
  $XDG_DATA_HOME/icons/hicolor/scalable/apps/ml-workbench.svg
($XDG_DATA_HOME defaults to ~/.local/share). Nothing needs root.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from workbench import APP_ID, APP_NAME

DESKTOP_FILE = f"{APP_ID}.desktop"
ICON_FILE = f"{APP_ID}.svg"

# Characters that force an Exec argument into double quotes (Desktop Entry Spec, "Exec key").
_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')


def supported() -> bool:
    """.desktop files are a freedesktop.org (Linux/BSD) thing."""
    return sys.platform not in ("win32", "darwin")


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "").strip()
    # The spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    if value and Path(value).is_absolute():
        return Path(value)
    return Path.home() / ".local" / "share"


def desktop_path(base: Path | None = None) -> Path:
    return (base or data_home()) / "applications" / DESKTOP_FILE


def icon_path(base: Path | None = None) -> Path:
    return (base or data_home()) / "icons" / "hicolor" / "scalable" / "apps" / ICON_FILE


def launch_command() -> list[str]:
    """How the start menu should start the app, best option first.

    1. the `ml-workbench` script installed next to this interpreter (venv/bin),
    2. an `ml-workbench` on PATH,
    3. this interpreter running main.py of this checkout,
    4. this interpreter running the installed package as a module.
    sys.executable is deliberately not resolved: a venv's python is a symlink, and
    resolving it would start the system python without the venv's packages.
    """
    from workbench.paths import ROOT

    python = Path(sys.executable).absolute()
    script_name = "ml-workbench.exe" if sys.platform == "win32" else "ml-workbench"
    beside = python.parent / script_name
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    on_path = shutil.which(script_name)
    if on_path:
        return [str(Path(on_path).absolute())]
    main_py = ROOT / "main.py"
    if main_py.is_file():
        return [str(python), str(main_py)]
    return [str(python), "-m", "workbench.cli"]


def exec_line(argv: list[str]) -> str:
    """The value of an Exec= key: quoted per the Desktop Entry Spec, then string-escaped."""
    quoted = []
    for arg in argv:
        arg = arg.replace("%", "%%")  # % starts a field code such as %f
        if any(ch in _RESERVED for ch in arg):
            inner = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
            arg = f'"{inner}"'
        quoted.append(arg)
    # The whole value is a "string" value, where a backslash itself must be escaped.
    return " ".join(quoted).replace("\\", "\\\\")


def desktop_entry(exec_value: str, icon: Path) -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.5",
        f"Name={APP_NAME}",
        "GenericName=Machine-learning demos",
        "Comment=Interactive demos for an advanced machine-learning lecture",
        f"Exec={exec_value}",
        f"Icon={icon}",
        "Terminal=false",
        "Categories=Education;Science;",
        "Keywords=machine learning;neural network;deep learning;PyTorch;lecture;",
        "StartupNotify=true",
        "",
    ])


def install(base: Path | None = None) -> tuple[Path, Path]:
    """Write the .desktop file and the icon; returns (desktop file, icon)."""
    from workbench.paths import ICON_SVG

    icon = icon_path(base)
    icon.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ICON_SVG, icon)

    entry = desktop_path(base)
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(desktop_entry(exec_line(launch_command()), icon), encoding="utf-8")
    _refresh_menus(entry.parent)
    return entry, icon


def uninstall(base: Path | None = None) -> list[Path]:
    """Remove what install() wrote; returns the files that were removed."""
    removed = []
    for path in (desktop_path(base), icon_path(base)):
        if path.exists():
            path.unlink()
            removed.append(path)
    if removed:
        _refresh_menus(desktop_path(base).parent)
    return removed


def _refresh_menus(applications: Path) -> None:
    # Most desktops watch the directory anyway; the database update only helps older
    # ones, so it is best-effort and silent.
    tool = shutil.which("update-desktop-database")
    if not tool:
        return
    try:
        subprocess.run([tool, str(applications)], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
    except (OSError, subprocess.SubprocessError):
        pass
