"""Sweep summaries and progress, Qt-free: mean and spread over seeds of each setting, the
plain-text table printed at the end, and the progress bar on stderr."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Sequence, TextIO

from workbench.sweep_plan import (DIVERGED, FAILED, OK, PLAIN_LINE_EVERY_S, STOPPED, RunResult,
                                  format_value)


# ---- summary ----------------------------------------------------------------------------
@dataclass
class Group:
    point: dict[str, Any]
    runs: int
    ok: int
    mean: dict[str, float]
    spread: dict[str, float]   # sample standard deviation over seeds (0 for one seed)


def summarise(results: Sequence[RunResult], keys: Sequence[str],
              metrics: Sequence[str] | None = None) -> list[Group]:
    """Mean and spread over seeds of each setting; diverged/failed runs are counted but
    not averaged (their numbers are not a final state)."""
    groups: dict[tuple, list[RunResult]] = {}
    for r in results:
        groups.setdefault(tuple(r.point[k] for k in keys), []).append(r)
    out = []
    for combo, runs in groups.items():
        good = [r for r in runs if r.status == OK]
        names = metrics if metrics is not None else list(
            dict.fromkeys(m for r in runs for m in r.metrics))
        mean, spread = {}, {}
        for name in names:
            values = [r.metrics.get(name, math.nan) for r in good]
            values = [v for v in values if math.isfinite(v)]
            n = len(values)
            mean[name] = sum(values) / n if n else math.nan
            spread[name] = (math.sqrt(sum((v - mean[name]) ** 2 for v in values) / (n - 1))
                            if n > 1 else (0.0 if n else math.nan))
        out.append(Group(dict(zip(keys, combo)), len(runs), len(good), mean, spread))
    return out


def format_summary(results: Sequence[RunResult], keys: Sequence[str],
                   metrics: Sequence[str] | None = None, limit: int = 3) -> str:
    """A plain-text table: one line per setting, mean ± spread of the main metrics."""
    if metrics is None:
        metrics = list(dict.fromkeys(m for r in results for m in r.metrics))[:limit]
    groups = summarise(results, keys, metrics)
    head = [*keys, "ok/runs", *metrics]
    rows = [[*(format_value(g.point[k]) for k in keys), f"{g.ok}/{g.runs}",
             *(_pm(g.mean[m], g.spread[m]) for m in metrics)] for g in groups]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    lines = ["  ".join(str(c).rjust(w) for c, w in zip(row, widths)) for row in [head, *rows]]
    problems = [r for r in results if r.status in (DIVERGED, FAILED)]
    for r in problems[:10]:
        lines.append(f"{r.status}: {r.run_id}: {r.error}")
    if len(problems) > 10:
        lines.append(f"… and {len(problems) - 10} more runs that diverged or failed")
    return "\n".join(lines)


def _pm(mean: float, spread: float) -> str:
    if not math.isfinite(mean):
        return "–"
    return f"{mean:.4g} ± {spread:.2g}"


# ---- progress ---------------------------------------------------------------------------
class SweepProgress:
    """A progress bar on stderr: rewritten in place on a terminal, a line every 2 s else."""

    def __init__(self, total: int, skipped: int, stream: TextIO, width: int = 24):
        self.total, self.done, self.stream, self.width = total, skipped, stream, width
        self.counts = {OK: 0, DIVERGED: 0, FAILED: 0, STOPPED: 0}
        self.started = time.monotonic()
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last_plain = -math.inf
        self._fresh_total = total - skipped
        self._len = 0

    def update(self, result: RunResult | None = None) -> None:
        if result is not None:
            self.done += 1
            self.counts[result.status] = self.counts.get(result.status, 0) + 1
        elapsed = time.monotonic() - self.started
        fresh_done = sum(self.counts.values())
        left = (self._fresh_total - fresh_done) * elapsed / fresh_done if fresh_done else None
        filled = int(round(self.width * self.done / max(1, self.total)))
        bar = "#" * filled + "." * (self.width - filled)
        extra = "  ".join(f"{k} {v}" for k, v in self.counts.items() if v and k != OK)
        line = (f"[{bar}] {self.done}/{self.total} runs  {elapsed:.0f} s"
                + (f", ~{left:.0f} s left" if left is not None and fresh_done < self._fresh_total
                   else "") + (f"  {extra}" if extra else ""))
        if self.tty:
            self.stream.write("\r" + line.ljust(self._len))
            self._len = len(line)
        elif (time.monotonic() - self._last_plain >= PLAIN_LINE_EVERY_S
              or self.done == self.total):
            self._last_plain = time.monotonic()
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._len:
            self.stream.write("\n")
            self.stream.flush()


