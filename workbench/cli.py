"""The `ml-workbench` command (also `python main.py`).

Imports nothing heavy at module level: `--help`, `--version` and `--list` answer
instantly, `run` loads torch only once its arguments are valid, and Qt is imported only
on the GUI paths (window, screenshot).
"""
from __future__ import annotations

import argparse
import os
import sys

from workbench import APP_NAME, __version__

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

DESCRIPTION = f"""\
{APP_NAME}: interactive demos for an advanced machine-learning lecture.
Without arguments the window opens; `run` trains a demo without a window."""

EXAMPLES = """\
examples:
  ml-workbench                                   open the window
  ml-workbench --list                            list the panel ids
  ml-workbench --panel nn-basics --demo image --fullscreen --autostart
  ml-workbench --lecture ch09-rl --step 2 --fullscreen   open a lecture at its step 2
  ml-workbench run nn-basics --demo function --preset quick --json
  ml-workbench run nn-basics --set lr=0.01 --set width=64 --steps 2000 --out history.csv
  ml-workbench screenshot nn-basics --demo landscape --steps 300 --out landscape.png
  ml-workbench --install-desktop-entry           add a start-menu entry (Linux)

`ml-workbench run --help` lists the options of a headless run. An unknown panel, demo,
preset or parameter is reported together with the known ones."""

RUN_EPILOG = """\
Parameters are the fields of the demo's config; an error names the parameter and its
allowed range. Progress goes to stderr, the --json report to stdout.
exit codes: 0 done, 2 bad arguments or device, 3 training diverged, 130 Ctrl+C."""


# ---- parser -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ml-workbench", description=DESCRIPTION, epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version",
                        version=f"{APP_NAME} {__version__}")
    actions = parser.add_mutually_exclusive_group()
    actions.add_argument("--list", action="store_true",
                         help="print the panel ids, one per line, and exit")
    actions.add_argument("--install-desktop-entry", action="store_true",
                         help="add ML Workbench to the desktop's application menu (Linux)")
    actions.add_argument("--uninstall-desktop-entry", action="store_true",
                         help="remove the application-menu entry again")

    # The window's options get their own dest names: a subcommand's --demo/--preset
    # would otherwise overwrite them in the shared namespace.
    window = parser.add_argument_group("window")
    window.add_argument("--panel", dest="gui_panel", metavar="ID",
                        help="open this panel (see --list)")
    window.add_argument("--demo", dest="gui_demo", metavar="NAME",
                        help="select this demo of the panel")
    window.add_argument("--preset", dest="gui_preset", metavar="NAME",
                        help="load this preset into the demo's settings")
    window.add_argument("--fullscreen", action="store_true",
                        help="start in full screen (lecture hall projector)")
    window.add_argument("--autostart", action="store_true",
                        help="start training as soon as the window is up")
    window.add_argument("--lecture", metavar="FILE|NAME",
                        help="open a lecture (a shipped one by name, e.g. ch09-rl, or a file)")
    window.add_argument("--step", type=int, metavar="K",
                        help="with --lecture: start at step K (1 = the first)")

    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     title="commands (without one, the window opens)")
    _add_run(commands)
    _add_screenshot(commands)
    _add_sweep(commands)
    return parser


def _add_target(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("panel", metavar="ID", help="panel id (see ml-workbench --list)")
    sub.add_argument("--demo", metavar="NAME", help="demo of the panel (default: its first)")
    sub.add_argument("--preset", metavar="NAME",
                     help="named settings from the panel's presets (default: defaults)")


def _add_run(commands) -> None:
    sub = commands.add_parser(
        "run", help="train a demo without a window and report its metrics",
        description="Train one demo headless and print its final metrics.",
        epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_target(sub)
    sub.add_argument("--set", dest="sets", action="append", default=[],
                     metavar="KEY=VALUE", help="override one config parameter (repeatable)")
    sub.add_argument("--steps", type=int, metavar="N", help="number of training steps")
    sub.add_argument("--seed", type=int, metavar="S", help="random seed")
    sub.add_argument("--device", choices=("cpu", "cuda", "mps"),
                     help="compute device (default: the best available)")
    sub.add_argument("--json", action="store_true",
                     help="print one JSON object with config and final metrics on stdout")
    sub.add_argument("--out", metavar="FILE.csv",
                     help="write the metric history as CSV")


def _add_screenshot(commands) -> None:
    sub = commands.add_parser(
        "screenshot", help="train a demo in an off-screen window and save a PNG of it",
        description="Train a demo for N steps in an off-screen window, then save a PNG.")
    _add_target(sub)
    sub.add_argument("--steps", type=int, required=True, metavar="N",
                     help="training steps before the picture is taken")
    sub.add_argument("--out", required=True, metavar="FILE.png", help="where to save the PNG")


def _add_sweep(commands) -> None:
    sub = commands.add_parser(
        "sweep", help="run a demo for a grid of settings and seeds, in parallel",
        description="Run a demo headless for every combination of --grid values and each "
                    "seed; write one table of final metrics and the metric histories.",
        epilog="exit codes: 0 done (diverged or failed runs are reported in their rows), "
               "2 bad arguments, 130 Ctrl+C (finished runs kept; rerun to resume).")
    _add_target(sub)
    sub.add_argument("--grid", dest="grids", action="append", default=[],
                     metavar="KEY=V1,V2,…", help="values of one parameter (repeatable)")
    sub.add_argument("--seeds", type=int, default=1, metavar="K",
                     help="seeds per setting: the config's seed and the K-1 after it")
    sub.add_argument("--workers", type=int, metavar="N",
                     help="parallel runs (default: the number of CPU cores)")
    sub.add_argument("--ray", metavar="ADDRESS", help="run as Ray tasks: auto, an "
                     "address, or local (needs the cluster extra)")
    sub.add_argument("--out", metavar="DIR", help="write results.csv and histories/ there; "
                     "the same DIR again skips finished runs")
    sub.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                     help="change one fixed setting (repeatable)")
    sub.add_argument("--steps", type=int, metavar="N", help="training steps of every run")
    sub.add_argument("--metric", dest="metrics", action="append", default=[],
                     metavar="NAME", help="metric(s) in the summary (default: the first 3)")


# ---- commands -----------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    _ensure_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    from workbench.headless import UsageError

    try:
        return _dispatch(parser, args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    window_opts = [name for name, given in (
        ("--panel", args.gui_panel), ("--demo", args.gui_demo), ("--preset", args.gui_preset),
        ("--fullscreen", args.fullscreen), ("--autostart", args.autostart),
        ("--lecture", args.lecture), ("--step", args.step is not None)) if given]
    other = args.command or args.list or args.install_desktop_entry \
        or args.uninstall_desktop_entry
    if window_opts and other:
        parser.error(f"{', '.join(window_opts)} only apply to opening the window")

    if args.list:
        return list_panels()
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        return desktop_entry(install=args.install_desktop_entry)

    from workbench.logs import setup_logging

    setup_logging()
    if args.command == "run":
        from workbench import headless

        return headless.run(args.panel, args.demo, args.preset, sets=args.sets,
                            steps=args.steps, seed=args.seed, device=args.device,
                            as_json=args.json, out=args.out)
    if args.command == "sweep":
        from workbench import sweep

        return sweep.main(args.panel, args.demo, args.preset, args.grids, args.seeds,
                          args.workers, args.ray, args.out, args.sets, args.steps,
                          args.metrics)
    if args.command == "screenshot":
        return screenshot(args.panel, args.demo, args.preset, args.steps, args.out)
    return open_window(args.gui_panel, args.gui_demo, args.gui_preset,
                       args.fullscreen, args.autostart, args.lecture, args.step)


def list_panels() -> int:
    from engines.registry import TOPICS

    for panel_id in TOPICS:
        print(panel_id)
    return 0


def desktop_entry(install: bool) -> int:
    from workbench import desktop

    if not desktop.supported():
        print("error: desktop entries are for Linux desktops; start the app with "
              "`ml-workbench` instead", file=sys.stderr)
        return EXIT_USAGE
    if install:
        entry, icon = desktop.install()
        print(f"wrote {entry}")
        print(f"wrote {icon}")
        return 0
    removed = desktop.uninstall()
    for path in removed:
        print(f"removed {path}")
    if not removed:
        print(f"nothing to remove ({desktop.desktop_path()} does not exist)")
    return 0


def open_window(panel: str | None, demo: str | None, preset: str | None,
                fullscreen: bool, autostart: bool, lecture: str | None = None,
                step: int | None = None) -> int:
    from workbench.headless import UsageError, resolve

    if panel is not None:
        resolve(panel, demo, preset)  # unknown names: message and exit 2, before Qt loads
    elif demo or preset:
        raise UsageError("--demo and --preset need --panel ID")
    if lecture is not None or step is not None:
        step = _check_lecture(lecture, step, panel)
    launch = _load_app("launch")
    extra = {"lecture": lecture, "step": step} if lecture is not None else {}
    return int(launch(panel=panel, demo=demo, preset=preset,
                      fullscreen=fullscreen, autostart=autostart, **extra) or 0)


def _check_lecture(lecture: str | None, step: int | None, panel: str | None) -> int:
    """--lecture/--step: the lecture must load (its bad steps are reported in the window);
    returns the 0-based step."""
    from workbench.headless import UsageError
    from workbench.lectures import LectureError, load_lecture

    if lecture is None:
        raise UsageError("--step K needs --lecture FILE|NAME")
    if panel is not None:
        raise UsageError("--lecture and --panel exclude each other")
    try:
        found = load_lecture(lecture)
    except LectureError as exc:
        raise UsageError(f"--lecture {lecture}: {exc}") from None
    for problem in found.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not found.steps:
        raise UsageError(f"--lecture {lecture}: no valid step")
    if step is not None and not 1 <= step <= len(found.steps):
        raise UsageError(f"--step {step}: out of range; allowed 1 … {len(found.steps)}")
    return (step or 1) - 1


def screenshot(panel: str, demo: str | None, preset: str | None, steps: int,
               out: str) -> int:
    from pathlib import Path

    from workbench.headless import build_config, resolve

    _, cfg = resolve(panel, demo, preset)
    build_config(cfg, steps=steps)  # range-checks --steps with the demo's own limits
    take = _load_app("screenshot")
    return int(take(panel, demo, preset, steps, Path(out)) or 0)


def _load_app(name: str):
    """workbench.app.<name>, with a helpful message when Qt's system libraries are missing."""
    try:
        from workbench import app
    except ImportError as exc:
        print(f"error: cannot load the Qt user interface: {exc}\n"
              "On Debian/Ubuntu the usual fix is:\n"
              "  sudo apt install libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 "
              "libfontconfig1 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 "
              "libxcb-image0 libxcb-render-util0 libxcb-shape0",
              file=sys.stderr)
        raise SystemExit(1) from None
    return getattr(app, name)


def _ensure_streams() -> None:
    # A gui-script on Windows (pythonw) has no console: print() would fail on None.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))


if __name__ == "__main__":
    sys.exit(main())
