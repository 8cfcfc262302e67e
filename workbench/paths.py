"""Where things live: bundled resources and the user's config/log directories."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from workbench import APP_ID

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
PRESETS_DIR = RESOURCES / "presets"
TEXTS_DIR = RESOURCES / "texts"
ICON_SVG = RESOURCES / "icons" / "ml-workbench.svg"


def config_dir() -> Path:
    """User config directory; ML_WORKBENCH_CONFIG_DIR overrides it (tests, portable use)."""
    override = os.environ.get("ML_WORKBENCH_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_ID))


def log_dir() -> Path:
    override = os.environ.get("ML_WORKBENCH_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir(APP_ID))
