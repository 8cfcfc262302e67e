"""Qt-free catalogue of topics and their demos, shared by the GUI panels and the CLI.

Importing this module imports only configs (no torch): engine classes are named by
"module:Class" and loaded on demand with :meth:`DemoSpec.engine_class`.
"""
from __future__ import annotations

from engines.spec import DemoSpec


def _topics() -> dict[str, tuple[DemoSpec, ...]]:
    from engines import bayes, generative, mnist, nn_basics, rl

    return {"nn-basics": nn_basics.DEMOS, "mnist": mnist.DEMOS, "bayes": bayes.DEMOS,
            "generative": generative.DEMOS, "rl": rl.DEMOS}


TOPICS: dict[str, tuple[DemoSpec, ...]] = _topics()


class UnknownName(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; we want it plain
        return str(self.args[0])


def demos(topic: str) -> tuple[DemoSpec, ...]:
    try:
        return TOPICS[topic]
    except KeyError:
        raise UnknownName(f"unknown panel {topic!r}; known: {', '.join(TOPICS)}") from None


def demo(topic: str, name: str | None = None) -> DemoSpec:
    """The named demo of a topic, or its first one."""
    specs = demos(topic)
    if name is None:
        return specs[0]
    for spec in specs:
        if spec.name == name:
            return spec
    raise UnknownName(f"unknown demo {name!r} for {topic}; "
                      f"known: {', '.join(s.name for s in specs)}")
