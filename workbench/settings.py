"""Settings persisted across restarts as versioned JSON (Qt-free).

Layout of settings.json (version 1):
    {"version": 1, "theme": "light", "last_panel": "nn-basics",
     "window": {"geometry": "<base64>", "fullscreen": false},
     "panels": {"nn-basics": {"demo": "function", "scale": 1.0, "hide_controls": false,
                              "configs": {"function": {...Config fields...}}}}}

A corrupted, unreadable or newer/older-format file never crashes the app: defaults are
used, the bad file is kept beside as settings.json.bad so nothing is lost, and
``Settings.problem`` carries a message for the user.
"""
from __future__ import annotations

import copy
import json
import logging
import os
from pathlib import Path
from typing import Any

from engines.config import ConfigBase, ConfigError
from workbench.paths import config_dir

log = logging.getLogger(__name__)

VERSION = 1
THEMES = ("light", "dark")
SCALE_RANGE = (0.5, 3.0)
DEFAULTS: dict[str, Any] = {"version": VERSION, "theme": "light", "last_panel": None,
                            "window": {}, "panels": {}}


class Settings:
    def __init__(self, path: Path | None = None):
        self.path = path or config_dir() / "settings.json"
        self.data: dict[str, Any] = copy.deepcopy(DEFAULTS)
        self.problem: str | None = None

    # ---- persistence -------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | None = None) -> "Settings":
        settings = cls(path)
        if not settings.path.exists():
            return settings
        try:
            data = json.loads(settings.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("top level is not an object")
            if data.get("version") != VERSION:
                raise ValueError(f"format version {data.get('version')!r}, expected {VERSION}")
            settings.data = _sanitise(data)
        except (OSError, ValueError, RecursionError) as exc:
            # JSONDecodeError and UnicodeDecodeError are ValueErrors; a deeply nested file
            # is a RecursionError: every one is set aside, the app starts with defaults.
            settings._set_aside(f"{type(exc).__name__}: {str(exc)[:200]}")
        return settings

    def _set_aside(self, reason: str) -> None:
        backup = self.path.with_name(self.path.name + ".bad")
        try:
            os.replace(self.path, backup)
            kept = f" The old file was kept as {backup}."
        except OSError:
            kept = ""
        self.problem = f"Settings could not be read ({reason}); using defaults.{kept}"
        log.warning(self.problem)
        self.data = copy.deepcopy(DEFAULTS)

    def save(self) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a file."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(json.dumps(self.data, indent=2, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not save settings to %s: %s", self.path, exc)

    # ---- typed accessors ----------------------------------------------------------------
    @property
    def theme(self) -> str:
        return self.data["theme"]

    @theme.setter
    def theme(self, value: str) -> None:
        self.data["theme"] = value if value in THEMES else "light"

    @property
    def last_panel(self) -> str | None:
        return self.data.get("last_panel")

    @last_panel.setter
    def last_panel(self, value: str | None) -> None:
        self.data["last_panel"] = value

    @property
    def window(self) -> dict[str, Any]:
        return self.data["window"]

    def panel(self, panel_id: str) -> dict[str, Any]:
        entry = self.data["panels"].setdefault(panel_id, {})
        entry.setdefault("scale", 1.0)
        entry.setdefault("hide_controls", False)
        entry.setdefault("configs", {})
        return entry

    def demo_config(self, panel_id: str, demo: str, config_cls: type[ConfigBase]) -> ConfigBase | None:
        """The remembered Config of a demo, or None (an invalid one is reported and dropped)."""
        raw = self.panel(panel_id)["configs"].get(demo)
        if raw is None:
            return None
        try:
            if not isinstance(raw, dict):
                raise TypeError(f"a {type(raw).__name__}, not an object")
            known = set(config_cls.field_names())
            return config_cls.from_dict({k: v for k, v in raw.items() if k in known})
        except (ConfigError, TypeError) as exc:
            self.problem = f"Remembered settings of {panel_id}/{demo} were invalid ({exc}); using defaults."
            log.warning(self.problem)
            del self.panel(panel_id)["configs"][demo]
            return None

    def set_demo_config(self, panel_id: str, demo: str, cfg: ConfigBase) -> None:
        self.panel(panel_id)["configs"][demo] = cfg.to_dict()


def _sanitise(data: dict[str, Any]) -> dict[str, Any]:
    """Keep only well-typed entries; anything odd falls back to its default."""
    clean = copy.deepcopy(DEFAULTS)
    if data.get("theme") in THEMES:
        clean["theme"] = data["theme"]
    if isinstance(data.get("last_panel"), str):
        clean["last_panel"] = data["last_panel"]
    if isinstance(data.get("window"), dict):
        clean["window"] = data["window"]
    panels = data.get("panels")
    if isinstance(panels, dict):
        for pid, entry in panels.items():
            if not isinstance(entry, dict):
                continue
            item: dict[str, Any] = {}
            scale = entry.get("scale", 1.0)
            if isinstance(scale, (int, float)) and SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
                item["scale"] = float(scale)
            if isinstance(entry.get("hide_controls"), bool):
                item["hide_controls"] = entry["hide_controls"]
            if isinstance(entry.get("demo"), str):
                item["demo"] = entry["demo"]
            speeds = entry.get("speeds")
            if isinstance(speeds, dict):
                item["speeds"] = {k: float(v) for k, v in speeds.items()
                                  if isinstance(v, (int, float)) and 0 <= v <= 1e6}
            configs = entry.get("configs")
            if isinstance(configs, dict):
                item["configs"] = {k: v for k, v in configs.items() if isinstance(v, dict)}
            clean["panels"][pid] = item
    return clean
