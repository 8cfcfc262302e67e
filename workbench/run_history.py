"""Run history of a panel: run numbers, what each run changed, and finished runs kept as
ghost curves ("compare A with B"). Qt-free."""
from __future__ import annotations

from engines.config import ConfigBase


def describe_diff(cfg: ConfigBase, previous: ConfigBase | None) -> str:
    """'lr 0.003→0.1, depth 2→4': what changed from the previous run."""
    changes = cfg.diff(previous)
    return ", ".join(f"{k} {short(a)}→{short(b)}" for k, (a, b) in changes.items())


def short(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class RunHistory:
    """Per demo: how many runs, the config of the run before, the ghost waiting to be
    drawn (a finished run becomes a ghost when the next one starts)."""

    def __init__(self) -> None:
        self.count: dict[str, int] = {}
        self.previous: dict[str, ConfigBase | None] = {}
        self.pending: tuple[dict, str] | None = None

    def started(self, demo: str, cfg: ConfigBase, last: ConfigBase | None) -> str:
        """Book a new run; returns its message ('Run 3 started (lr 0.1→0.3).')."""
        self.previous[demo] = last if type(last) is type(cfg) else None
        self.count[demo] = self.count.get(demo, 0) + 1
        change = describe_diff(cfg, self.previous[demo])
        return f"Run {self.count[demo]} started" + (f" ({change})." if change else ".")

    def change(self, demo: str, cfg: ConfigBase) -> str:
        return describe_diff(cfg, self.previous.get(demo))

    def default_label(self, demo: str, cfg: ConfigBase) -> str:
        label = f"run {self.count.get(demo, 1)}"
        change = self.change(demo, cfg)
        return f"{label}: {change}" if change else label

    def finished(self, history: dict, label: str) -> None:
        self.pending = (history, label)

    def take_pending(self) -> tuple[dict, str] | None:
        pending, self.pending = self.pending, None
        return pending
