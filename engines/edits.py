"""Edits: what a view sends a running engine (a wall clicked, a point painted, a slider).

Every edit is a frozen dataclass subclassing :class:`Edit`, one class per kind of change,
with named, typed fields; a topic keeps its classes in its torch-free configs module (or a
torch-free ``edits.py`` beside it), so views can import them without torch. The pattern:

- the view builds an instance, ``ctx.send_edit(ToggleWall(cell=(2, 3)))``;
- the runner pickles it whole to the engine host (``workbench.protocol.Edit``), where
  ``Control.post_edit`` queues it for the engine's next checkpoint between two steps;
- the engine's ``apply_edit(change)`` dispatches on its type (``isinstance`` or ``match``)
  and raises ``ValueError`` for a type it does not take (``unknown_edit`` words it);
- a refusal is a ``ValueError`` whose message is for the user (the engine unchanged);
  the panel shows it and the view's ``edit_answered(False, message)`` hook hears it.

The dataclasses carry no checks of their own: the engine validates (it knows the ranges of
its world), so a hand-built edit in a test or a session meets the same messages.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """Base of every edit (see the module docstring)."""


def unknown_edit(engine, change, takes: str = "") -> ValueError:
    """The error an engine raises for an edit it does not take, naming the edit's type
    (and, with ``takes``, what it does take)."""
    name = type(change).__name__
    owner = type(engine).__name__ if not isinstance(engine, str) else engine
    tail = f"; it takes {takes}" if takes else ""
    return ValueError(f"{owner} cannot apply the edit {name}{tail}")
