"""Save and restore a run: config + engine state (model, optimizer, RNG, history) in one file.

The file is a torch archive read back with ``weights_only=True``, so a session file can
hold tensors, numbers, strings, lists and dicts only, and opening one never runs code.
Qt-free; torch is imported on use.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines.config import ConfigBase, ConfigError
from engines.registry import UnknownName, demo
from engines.runtime import Engine
from engines.spec import DemoSpec
from workbench import __version__

FORMAT = "ml-workbench-session"
VERSION = 1
SUFFIX = ".mlwb"


class SessionError(ValueError):
    """A session file is unreadable, corrupted, or from an incompatible version."""


@dataclass
class Session:
    panel: str
    spec: DemoSpec
    config: ConfigBase
    engine_state: dict[str, Any]

    def build_engine(self, device: str | None = None) -> Engine:
        """A fresh engine with the saved state, validated whole before anything else
        changes: any failure is a SessionError."""
        if not isinstance(self.engine_state, dict):
            raise SessionError("the saved engine state is not a table of values")
        try:
            engine = self.spec.engine_class()(self.config, device)
            engine.load_state_dict(self.engine_state)
        except Exception as exc:  # noqa: BLE001 - a crafted file can fail in any way
            text = str(exc)[:300]
            raise SessionError(f"the saved state does not fit this demo ({type(exc).__name__}"
                               f"{': ' + text if text else ''})") from exc
        if not 0 <= engine.step <= 10**12:
            raise SessionError(f"the saved step {engine.step} is not a step of a run")
        return engine


def save_session(path: str | Path, panel: str, spec: DemoSpec, cfg: ConfigBase,
                 engine_state: dict[str, Any]) -> Path:
    """Write one session file; ``engine_state`` is ``Engine.state_dict()``."""
    import torch

    path = Path(path)
    payload = {"format": FORMAT, "version": VERSION, "app_version": __version__,
               "panel": panel, "demo": spec.name, "config": cfg.to_dict(),
               "engine": engine_state}
    if path.is_dir():
        raise OSError(f"{path} is a folder; choose a file name")
    tmp = path.with_name(path.name + ".tmp")
    try:
        torch.save(payload, tmp)
        tmp.replace(path)  # atomic: an interrupted save never destroys an older good file
    except (OSError, RuntimeError) as exc:   # torch reports a missing folder as RuntimeError
        tmp.unlink(missing_ok=True)
        raise OSError(f"cannot write {path}: {str(exc).splitlines()[0][:200]}") from None
    return path


def load_session(path: str | Path) -> Session:
    import torch

    path = Path(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise SessionError(f"{path} does not exist") from None
    except Exception as exc:  # noqa: BLE001 - torch raises many kinds for bad files
        # torch's own text advises weights_only=False, which would let a file run code:
        # the user gets our words, the log gets torch's.
        import logging

        logging.getLogger(__name__).info("session %s unreadable: %s", path, exc)
        raise SessionError(f"{path.name} is not a readable session file (damaged, or not "
                           "a session saved by ML Workbench)") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise SessionError(f"{path.name} is not an ML Workbench session file")
    if payload.get("version") != VERSION:
        raise SessionError(f"{path.name} has session format {payload.get('version')!r}; "
                           f"this version reads format {VERSION}")
    try:
        spec = demo(payload["panel"], payload["demo"])
        cfg = spec.config.from_dict(payload["config"])
        return Session(payload["panel"], spec, cfg, payload["engine"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise SessionError(f"{path.name} is incomplete or malformed ({exc})") from exc
    except (UnknownName, ConfigError) as exc:
        raise SessionError(f"{path.name} does not match this version: {exc}") from exc
