"""Is Qt's X11 plugin loadable here? Which system libraries does it miss, and which Debian /
Ubuntu packages provide them? (Qt-free: asked before the QApplication exists.)

On a minimal Linux the pip wheel of Qt runs, but its xcb platform plugin needs X11
libraries that are not installed; Qt then aborts with a message that names only
libxcb-cursor0. ``ldd`` on the plugin lists every missing library: we print the exact
``apt install`` line instead.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: shared object -> the Debian/Ubuntu package that ships it.
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1", "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0", "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-shm.so.0": "libxcb-shm0", "libxcb-render.so.0": "libxcb-render0",
    "libxcb-util.so.1": "libxcb-util1", "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-glx.so.0": "libxcb-glx0", "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb.so.1": "libxcb1", "libX11-xcb.so.1": "libx11-xcb1", "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1", "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3", "libglib-2.0.so.0": "libglib2.0-0",
}


def missing_from_ldd(output: str) -> list[str]:
    """The shared objects ``ldd`` reports as "not found", each once, in order."""
    found: list[str] = []
    for line in output.splitlines():
        name, arrow, rest = line.strip().partition("=>")
        if arrow and rest.strip() == "not found" and name.strip() not in found:
            found.append(name.strip())
    return found


def install_command(missing: list[str]) -> str:
    packages = [PACKAGES.get(name, name) for name in missing]
    return "sudo apt install " + " ".join(dict.fromkeys(packages))


def xcb_plugin_files() -> list[Path]:
    """Qt's xcb platform plugin and the library it links, in the installed PySide6."""
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    qt = Path(list(spec.submodule_search_locations)[0]) / "Qt"
    files = [qt / "plugins" / "platforms" / "libqxcb.so", *sorted((qt / "lib").glob(
        "libQt6XcbQpa.so*"))]
    return [f for f in files if f.is_file()]


def missing_xcb_libraries() -> list[str]:
    """Libraries the xcb plugin needs and this system lacks ([] when it can load, when
    this is not Linux, or when ldd is not there to ask)."""
    ldd = shutil.which("ldd")
    if not sys.platform.startswith("linux") or ldd is None:
        return []
    missing: list[str] = []
    for path in xcb_plugin_files():
        try:
            out = subprocess.run([ldd, str(path)], capture_output=True, text=True,
                                 timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        missing += [m for m in missing_from_ldd(out) if m not in missing]
    return missing


def uses_xcb() -> bool:
    """Will Qt pick its X11 plugin? (The default on Linux with an X display.)"""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0] == "xcb"
    return (sys.platform.startswith("linux") and bool(os.environ.get("DISPLAY"))
            and not os.environ.get("WAYLAND_DISPLAY"))


def xcb_problem() -> str | None:
    """The message to print instead of Qt's abort, or None when all is well."""
    if not uses_xcb():
        return None
    missing = missing_xcb_libraries()
    if not missing:
        return None
    return ("error: Qt's X11 plugin cannot load: this system lacks "
            f"{', '.join(missing)}.\nOn Debian/Ubuntu install them with:\n  "
            f"{install_command(missing)}")
