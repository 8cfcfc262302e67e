"""Small helpers shared by the chapter-7 engines (no torch)."""
from __future__ import annotations

import math
import time
from typing import Any, Callable

#: Steps between two evaluations on held-out data recorded in the history (a power of two,
#: so the history's thinning to every 2^k-th step keeps them; rows in between hold NaN).
EVAL_EVERY = 8


class Throttle:
    """The expensive part of a snapshot (density grids, samples, held-out metrics) at most
    every ``period`` seconds of wall time; a final snapshot is always fresh.

    Snapshots arrive at up to 25 Hz; a density grid through an 8-layer flow costs tens of
    milliseconds on one CPU core, which would otherwise eat the training time. The cache
    is keyed by the step, so two snapshots of the same step are identical (a pure read).
    """

    def __init__(self, period: float = 0.25):
        self.period = period
        self._at = -math.inf
        self._step: int | None = None
        self._value: Any = None

    def get(self, step: int, final: bool, compute: Callable[[], Any]) -> Any:
        now = time.perf_counter()
        stale = step != self._step and now - self._at >= self.period
        if final or self._value is None or stale:
            self._value, self._step, self._at = compute(), step, now
        return self._value

    def clear(self) -> None:
        self._value, self._step = None, None


def eval_due(step: int) -> bool:
    return step % EVAL_EVERY == 0
