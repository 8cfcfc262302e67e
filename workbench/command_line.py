"""The `ml-workbench run …` command that reproduces a demo's settings headless (Qt-free).

Every field that differs from the preset's config becomes a ``--set key=value`` (floats
in ``repr`` form, which reads back to the same float); ``--steps`` and ``--seed`` are always
written, so the command gives the same numbers as the window with the same seed.
"""
from __future__ import annotations

import shlex
from typing import Any

from engines.config import ConfigBase

PROGRAM = "ml-workbench"


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def run_arguments(panel: str, demo: str, cfg: ConfigBase, preset: str | None = None,
                  device: str | None = None, as_json: bool = True) -> list[str]:
    """The argument list after the program name."""
    from engines import registry
    from workbench.presets import DEFAULTS, PresetError, preset_config

    spec = registry.demo(panel, demo)
    try:
        base = preset_config(panel, spec, preset or DEFAULTS)
    except PresetError:
        preset, base = None, spec.config()
    args = ["run", panel, "--demo", demo]
    if preset and preset != DEFAULTS:
        args += ["--preset", preset]
    for name, (_, value) in cfg.diff(base).items():
        if name not in ("steps", "seed"):
            args += ["--set", f"{name}={format_value(value)}"]
    args += ["--steps", str(cfg.steps), "--seed", str(cfg.seed)]
    if device:
        args += ["--device", device]
    if as_json:
        args.append("--json")
    return args


def command_line(panel: str, demo: str, cfg: ConfigBase, preset: str | None = None,
                 device: str | None = None, as_json: bool = True) -> str:
    """One shell line, each argument quoted where the shell needs it."""
    args = run_arguments(panel, demo, cfg, preset, device, as_json)
    return " ".join(shlex.quote(a) for a in [PROGRAM, *args])
