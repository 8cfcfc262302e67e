"""The one catalogue of course topics (panels) and their demos, shared by GUI and CLI.

Each topic package declares its :class:`~engines.spec.Topic` once, as ``TOPIC`` in its
``__init__.py``; this module only lists the packages in the lecture's order. Importing it
imports configs only (no torch, no Qt): engines and panel classes are named as
"module:Class" and loaded on demand. Topics still to be written are listed as planned.
"""
from __future__ import annotations

import importlib

from engines.spec import DemoSpec, Topic

#: Topic packages (built) and planned topics, in the order of the lecture.
_COURSE: tuple[str | Topic, ...] = (
    "engines.nn_basics",
    "engines.mnist",
    "engines.representation",
    "engines.information",
    "engines.bayes",
    "engines.fisher",
    "engines.generative",
    "engines.architectures",
    "engines.dynamics",
    "engines.rl",
    "engines.active",
    "engines.complexity",
    "engines.likelihood_ratio",
)


def _load(item: str | Topic) -> Topic:
    return item if isinstance(item, Topic) else importlib.import_module(item).TOPIC


#: Every topic, built or planned, by panel id (insertion order = lecture order).
COURSE: dict[str, Topic] = {topic.id: topic for topic in map(_load, _COURSE)}

#: Built topics only: panel id -> its demos (what --list, run and screenshot know).
TOPICS: dict[str, tuple[DemoSpec, ...]] = {
    pid: topic.demos for pid, topic in COURSE.items() if topic.built}


class UnknownName(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; we want it plain
        return str(self.args[0])


def topic(panel_id: str) -> Topic:
    """The built topic of a panel id; an unknown or planned one raises UnknownName."""
    found = COURSE.get(panel_id)
    if found is None or not found.built:
        raise UnknownName(f"unknown panel {panel_id!r}; known: {', '.join(TOPICS)}")
    return found


def demos(panel_id: str) -> tuple[DemoSpec, ...]:
    if panel_id in TOPICS:          # also test doubles registered in TOPICS directly
        return TOPICS[panel_id]
    return topic(panel_id).demos


def demo(panel_id: str, name: str | None = None) -> DemoSpec:
    """The named demo of a topic, or its first one."""
    specs = demos(panel_id)
    if name is None:
        return specs[0]
    for spec in specs:
        if spec.name == name:
            return spec
    raise UnknownName(f"unknown demo {name!r} for {panel_id}; "
                      f"known: {', '.join(s.name for s in specs)}")
