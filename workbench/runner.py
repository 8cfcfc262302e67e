"""EngineRunner: the one bridge between an engine on a worker thread and a panel.

The worker thread never touches Qt. It drops each snapshot into a per-run Mailbox
(latest wins); a GUI-thread timer polls the mailbox at ~30 Hz and emits signals. So:
- the event loop can never flood, however fast the engine yields;
- a stale run cannot reach the panel: each start makes a new mailbox and the old
  one is simply no longer read;
- every exception in the engine (RuntimeError from torch included) arrives as
  ``failed(kind, message, traceback)`` followed by ``finished("failed")``.
"""
from __future__ import annotations

import logging
import math
import threading
import traceback
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from engines.config import ConfigBase
from engines.runtime import Control, Diverged, Engine, Snapshot, drive
from engines.spec import DemoSpec

log = logging.getLogger(__name__)

# Run states shown in the status bar.
IDLE, STARTING, RUNNING, PAUSED, STOPPING, FINISHED = (
    "idle", "starting", "running", "paused", "stopping", "finished")


@dataclass
class Failure:
    kind: str
    message: str
    details: str


@dataclass
class Mailbox:
    """What the worker of one run hands to the GUI thread (guarded by ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latest: Snapshot | None = None
    engine: Engine | None = None
    outcome: str | None = None  # "completed" | "stopped" | "failed"
    failure: Failure | None = None

    def put(self, snap: Snapshot) -> None:
        with self.lock:
            self.latest = snap

    def take(self) -> tuple[Snapshot | None, str | None, Failure | None]:
        with self.lock:
            snap, self.latest = self.latest, None
            return snap, self.outcome, self.failure


def _work(mailbox: Mailbox, spec: DemoSpec, cfg: ConfigBase, device: str | None,
          engine: Engine | None, ctl: Control) -> None:
    """Worker-thread body: build (imports torch on first use) and drive the engine."""
    outcome, failure = "completed", None
    try:
        if engine is None:
            engine = spec.engine_class()(cfg, device)
        mailbox.engine = engine
        for snap in drive(engine, ctl):
            mailbox.put(snap)
        if ctl.cancelled:
            outcome = "stopped"
    except Diverged as exc:
        outcome, failure = "failed", Failure("Diverged", str(exc), "")
        log.warning("%s", exc)
    except BaseException as exc:  # noqa: BLE001 - every error must reach the panel
        details = traceback.format_exc()
        log.error("engine %s failed:\n%s", spec.engine, details)
        outcome, failure = "failed", Failure(type(exc).__name__, str(exc) or repr(exc), details)
    with mailbox.lock:
        mailbox.outcome, mailbox.failure = outcome, failure


class EngineRunner(QObject):
    """Start / pause / step / stop one engine at a time for one panel."""

    snapshot = Signal(object)      # Snapshot, at most draw_hz per second
    failed = Signal(str, str, str)  # kind, message, traceback text
    state_changed = Signal(str)
    finished = Signal(str)         # "completed" | "stopped" | "failed"

    def __init__(self, parent: QObject | None = None, draw_hz: float = 30.0):
        super().__init__(parent)
        self._state = IDLE
        self._ctl: Control | None = None
        self._thread: threading.Thread | None = None
        self._mailbox: Mailbox | None = None
        self._rate = RateMeter()
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, int(1000 / draw_hz)))
        self._timer.timeout.connect(self._poll)

    # ---- queries ------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    @property
    def engine(self) -> Engine | None:
        """The engine of the current/last run (its state is consistent only when parked)."""
        return self._mailbox.engine if self._mailbox else None

    @property
    def steps_per_second(self) -> float:
        return self._rate.value

    def is_active(self) -> bool:
        return self._state in (STARTING, RUNNING, PAUSED, STOPPING)

    # ---- control --------------------------------------------------------------------
    def start(self, spec: DemoSpec, cfg: ConfigBase, device: str | None = None,
              engine: Engine | None = None, single_step: bool = False) -> None:
        """Start a run (a new engine from cfg, or continue ``engine``). Cancels any old run."""
        self.shutdown(timeout=2.0)
        self._ctl = Control()
        if single_step:
            self._ctl.step()
        self._mailbox = Mailbox(engine=engine)
        self._rate = RateMeter()
        self._thread = threading.Thread(
            target=_work, name=f"engine-{spec.name}", daemon=True,
            args=(self._mailbox, spec, cfg, device, engine, self._ctl))
        self._set_state(STARTING)
        self._thread.start()
        self._timer.start()
        if single_step:
            self._set_state(RUNNING)

    def pause(self) -> None:
        if self._ctl and self._state in (STARTING, RUNNING):
            self._ctl.pause()
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self._ctl and self._state == PAUSED:
            self._ctl.resume()
            self._set_state(RUNNING)

    def toggle_pause(self) -> None:
        if self._state == PAUSED:
            self.resume()
        else:
            self.pause()

    def step(self) -> None:
        """Run one snapshot interval, then pause."""
        if self._ctl and self._state in (STARTING, RUNNING, PAUSED):
            self._ctl.step()
            self._set_state(RUNNING)

    def stop(self) -> None:
        if self._ctl and self.is_active():
            self._ctl.cancel()
            self._set_state(STOPPING)

    def wait_parked(self, timeout: float = 2.0) -> bool:
        """Pause and wait until the engine sits in a checkpoint (safe to read its state)."""
        if self._ctl is None or self._thread is None or not self._thread.is_alive():
            return True
        self.pause()
        return self._ctl.wait_parked(timeout)

    def shutdown(self, timeout: float = 2.0) -> bool:
        """Cancel the run and join its thread; True when no thread is left running."""
        self._timer.stop()
        thread, ctl = self._thread, self._ctl
        if thread is None:
            return True
        if ctl is not None:
            ctl.cancel()
        thread.join(timeout)
        alive = thread.is_alive()
        if alive:
            log.warning("engine thread %s did not stop within %.1f s", thread.name, timeout)
        self._thread = None
        if self.is_active():
            self._set_state(IDLE)
        return not alive

    def discard(self) -> None:
        """Stop any run and forget it (its engine too): the runner is idle again."""
        self.shutdown()
        self._mailbox, self._ctl = None, None
        self._rate = RateMeter()
        self._set_state(IDLE)

    # ---- GUI-thread side --------------------------------------------------------------
    @Slot()
    def _poll(self) -> None:
        if self._mailbox is None:
            return
        snap, outcome, failure = self._mailbox.take()
        if snap is not None:
            self._rate.update(snap.step, snap.elapsed)
            if self._state == STARTING:
                self._set_state(RUNNING)
            self.snapshot.emit(snap)
        if self._ctl is not None and self._ctl.paused and self._state == RUNNING:
            self._set_state(PAUSED)  # a single step just ended
        if outcome is not None:
            self._timer.stop()
            if self._thread is not None:
                self._thread.join(1.0)
                self._thread = None
            if failure is not None:
                self.failed.emit(failure.kind, failure.message, failure.details)
            self._set_state(FINISHED)
            self.finished.emit(outcome)

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)


class RateMeter:
    """Steps per second from successive (step, elapsed) pairs, smoothed."""

    def __init__(self, smoothing: float = 0.3):
        self.smoothing = smoothing
        self.value = 0.0
        self._last: tuple[int, float] | None = None

    def update(self, step: int, elapsed: float) -> None:
        if self._last is not None:
            d_step, d_time = step - self._last[0], elapsed - self._last[1]
            if d_time > 1e-6 and d_step >= 0:
                rate = d_step / d_time
                self.value = rate if self.value == 0 else (
                    self.smoothing * rate + (1 - self.smoothing) * self.value)
        self._last = (step, elapsed)
        if not math.isfinite(self.value):
            self.value = 0.0
