"""The messages between a panel's EngineRunner (GUI process) and its engine host.

Every message is a frozen dataclass sent whole over one multiprocessing Pipe, so sender
and receiver agree on its fields by name, not by tuple position. ``rid`` is the run id:
messages of a run that is already over are dropped on both sides. Qt-free (the host
imports it).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engines.config import ConfigBase
from engines.edits import Edit as EngineEdit
from engines.runtime import Snapshot
from engines.spec import DemoSpec


# ---- runner -> host --------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """Start a run: a new engine from ``cfg``, or one restored from ``state``."""
    rid: int
    spec: DemoSpec
    cfg: ConfigBase
    device: str | None = None
    state: dict | None = None
    single_step: bool = False
    paused: bool = False         # built, but waits before its first step


@dataclass(frozen=True)
class Pause:
    rid: int


@dataclass(frozen=True)
class Resume:
    rid: int


@dataclass(frozen=True)
class Step:
    """Train one snapshot interval, then pause."""
    rid: int


@dataclass(frozen=True)
class Cancel:
    rid: int


@dataclass(frozen=True)
class Park:
    """Pause and answer with Parked once the engine sits in a checkpoint."""
    rid: int


@dataclass(frozen=True)
class StateRequest:
    """Pause and answer with StateReply (the engine's state_dict)."""
    rid: int


@dataclass(frozen=True)
class Edit:
    """Change the engine's world between two steps (Engine.apply_edit); ``change`` is an
    engines.edits.Edit, pickled whole."""
    rid: int
    change: EngineEdit


@dataclass(frozen=True)
class SetSpeed:
    """Slow motion: at most this many steps per second (0: as fast as possible)."""
    rid: int
    steps_per_second: float


@dataclass(frozen=True)
class Quit:
    pass


# ---- host -> runner --------------------------------------------------------------------
@dataclass(frozen=True)
class Hello:
    """The host is up (torch imported) and names the default device."""
    device: str


@dataclass(frozen=True)
class Started:
    rid: int
    device: str


@dataclass(frozen=True)
class SnapshotMessage:
    rid: int
    snapshot: Snapshot


@dataclass(frozen=True)
class Parked:
    rid: int
    step: int                    # -1: the engine could not be parked


@dataclass(frozen=True)
class StateReply:
    rid: int
    state: dict | None
    step: int


@dataclass(frozen=True)
class Edited:
    rid: int
    ok: bool
    message: str = ""            # why an edit was refused


@dataclass(frozen=True)
class Failure:
    kind: str                    # the exception's class name, e.g. "Diverged"
    message: str
    details: str = ""            # traceback text for the log


@dataclass(frozen=True)
class Done:
    rid: int
    outcome: str                 # "completed" | "stopped" | "failed"
    failure: Failure | None = None
