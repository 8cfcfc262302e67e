"""Missing X11 libraries are found before Qt aborts, and the exact install line printed."""
from __future__ import annotations

from workbench import app, system_libs

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-cursor.so.0 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibweird.so.7 => not found
"""


def test_ldd_output_gives_the_missing_libraries_once_in_order():
    assert system_libs.missing_from_ldd(LDD) == ["libxcb-icccm.so.4", "libxcb-cursor.so.0",
                                                  "libweird.so.7"]


def test_install_command_names_the_debian_packages():
    missing = system_libs.missing_from_ldd(LDD)
    assert system_libs.install_command(missing) == \
        "sudo apt install libxcb-icccm4 libxcb-cursor0 libweird.so.7"


def test_the_plugin_is_found_in_the_installed_pyside6():
    files = system_libs.xcb_plugin_files()
    assert any(f.name == "libqxcb.so" for f in files)


def test_only_the_xcb_platform_is_checked(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not system_libs.uses_xcb() and system_libs.xcb_problem() is None
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert system_libs.uses_xcb()


def test_launch_prints_the_command_instead_of_starting_qt(monkeypatch, capsys):
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(system_libs, "missing_xcb_libraries",
                        lambda: ["libxcb-keysyms.so.1"])
    monkeypatch.setattr(app, "create_app", lambda: (_ for _ in ()).throw(
        AssertionError("Qt must not start")))
    assert app.launch() == 1
    err = capsys.readouterr().err
    assert "libxcb-keysyms.so.1" in err and "sudo apt install libxcb-keysyms1" in err
