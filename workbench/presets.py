"""Named partial config overrides per demo, from resources/presets/<panel-id>.json.

File format: {"<demo name>": {"<preset name>": {"<config key>": value, ...}, ...}, ...}.
A preset is valid when the demo's Config builds from it; "defaults" always exists.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engines.config import ConfigBase, ConfigError
from engines.spec import DemoSpec
from workbench.paths import PRESETS_DIR

DEFAULTS = "defaults"


class PresetError(ValueError):
    pass


def load_presets(topic: str, directory: Path = PRESETS_DIR) -> dict[str, dict[str, dict[str, Any]]]:
    path = directory / f"{topic}.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # bad JSON, not UTF-8, too deep
        raise PresetError(f"cannot read presets {path.name}: {type(exc).__name__}: "
                          f"{str(exc)[:200]}") from None
    if not isinstance(data, dict):
        raise PresetError(f"presets {path.name}: top level must be an object")
    # Only well-formed entries count: a demo maps preset names to objects of overrides.
    clean: dict[str, dict[str, dict[str, Any]]] = {}
    for demo, table in data.items():
        if isinstance(table, dict):
            clean[demo] = {name: values for name, values in table.items()
                           if isinstance(values, dict)}
    return clean


def preset_names(topic: str, demo: str) -> list[str]:
    return [DEFAULTS] + list(load_presets(topic).get(demo, {}))


def preset_config(topic: str, spec: DemoSpec, name: str) -> ConfigBase:
    """The demo's Config with the named preset applied (validated by construction)."""
    if name in (None, "", DEFAULTS):
        return spec.config()
    table = load_presets(topic).get(spec.name, {})
    if name not in table:
        known = ", ".join([DEFAULTS, *table])
        raise PresetError(f"unknown preset {name!r} for {topic}/{spec.name}; known: {known}")
    try:
        return spec.config.from_dict(table[name])
    except (ConfigError, TypeError) as exc:
        raise PresetError(f"preset {name!r} of {topic}/{spec.name} is invalid: {exc}") from exc
