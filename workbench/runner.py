"""EngineRunner: the one bridge between a panel and its engine.

The engine runs in a child process (workbench/engine_host.py says why) that lives as long
as the panel and serves one run at a time. A GUI-thread timer drains the pipe at ~30 Hz:
- latest wins: of all snapshots that arrived since the last tick only the newest is
  drawn, so the event loop never floods however fast the engine yields;
- stale runs are dropped: every message carries its run id;
- every engine exception (RuntimeError from torch included) arrives as
  ``failed(kind, message, traceback)`` followed by ``finished("failed")``, and so does
  a host process that dies;
- Stop always ends the run: an engine stuck inside one step that has not stopped after
  STOP_GRACE seconds has its host ended (terminate, then kill) and a fresh one spawned;
- shutting down never waits long, and when it returns the host is gone: one that does not
  quit in time is terminated, then killed.
Messages are the dataclasses of workbench.protocol.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from engines.config import ConfigBase
from engines.edits import Edit
from engines.runtime import Snapshot
from engines.spec import DemoSpec
from workbench import protocol as msg
from workbench.host_process import HostProcess, RateMeter, host_stderr_tail

log = logging.getLogger(__name__)

# Frame pacing: drawing may use at most this share of the GUI thread's time...
DRAW_SHARE = 0.4
# ...but a picture comes at least this often (seconds).
MAX_FRAME_INTERVAL = 0.5
# Seconds a stopped engine may take to reach its next checkpoint before its host is ended.
STOP_GRACE = 3.0


def check_edit(change) -> None:
    """TypeError unless ``change`` is an engines.edits.Edit (typed edits, issue 10)."""
    if not isinstance(change, Edit):
        raise TypeError(f"an edit must be an engines.edits.Edit, not {type(change).__name__}")


# Run states shown in the status bar.
IDLE, STARTING, RUNNING, PAUSED, STOPPING, FINISHED = (
    "idle", "starting", "running", "paused", "stopping", "finished")
# Internal state while a single step runs: shown as "running", it becomes "paused" when
# the step's snapshot arrives.
STEPPING_STATE = "stepping"


class EngineRunner(QObject):
    """Start / pause / step / stop one engine at a time for one panel."""

    snapshot = Signal(object)       # Snapshot, at most ~30 per second
    failed = Signal(str, str, str)  # kind, message, traceback text
    state_changed = Signal(str)
    finished = Signal(str)          # "completed" | "stopped" | "failed"
    device_known = Signal(str)      # the device the engine runs on, e.g. "CPU (1 thread)"
    edited = Signal(bool, str)      # an edit sent with edit(): applied?, refusal message
    forced_stop = Signal(str)       # Stop had to end a stuck engine's process: the message

    def __init__(self, parent: QObject | None = None, draw_hz: float = 30.0,
                 name: str = "engine-host"):
        super().__init__(parent)
        self.name = name
        self._state = IDLE
        self._shown_state = IDLE
        self._host: HostProcess | None = None
        self._rid = 0
        self._outcome: tuple[str, msg.Failure | None] | None = None
        self._unfinished: set[int] = set()   # runs sent to the host that sent no Done yet
        self._run_request: msg.Run | None = None
        self._latest: Snapshot | None = None
        self._replies: dict[type, object] = {}
        self._rate = RateMeter()
        self._min_interval = 1.0 / draw_hz
        self._draw_cost = 0.0
        self._speed = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, int(1000 / draw_hz)))
        self._timer.timeout.connect(self._poll)
        # After an edit (a click) the answer is awaited at once, not at the paced rate.
        self._urgent = QTimer(self)
        self._urgent.setInterval(5)
        self._urgent.timeout.connect(self._poll_urgent)
        self._urgent_until = 0.0
        # Stop escalates: a run that has not ended STOP_GRACE s after Stop loses its host.
        self._stop_guard = QTimer(self)
        self._stop_guard.setSingleShot(True)
        self._stop_guard.setInterval(int(STOP_GRACE * 1000))
        self._stop_guard.timeout.connect(self._on_stop_overdue)

    # ---- queries ------------------------------------------------------------------
    @property
    def state(self) -> str:
        """idle, starting, running, paused, stopping or finished."""
        return RUNNING if self._state == STEPPING_STATE else self._state

    @property
    def steps_per_second(self) -> float:
        return self._rate.value

    def is_active(self) -> bool:
        return self._state in (STARTING, RUNNING, STEPPING_STATE, PAUSED, STOPPING)

    # ---- control --------------------------------------------------------------------
    def prestart(self) -> None:
        """Spawn the host now (it imports torch), so the first Start responds at once."""
        if self._host is None or not self._host.alive():
            self._host = HostProcess(self.name)
        self._timer.start()  # also reads the host's "hello" (its device)

    def start(self, spec: DemoSpec, cfg: ConfigBase, device: str | None = None,
              state: dict | None = None, single_step: bool = False,
              paused: bool = False) -> None:
        """Start a run: a new engine from cfg, or one restored from ``state``.
        ``paused``: the engine is built but waits before its first step (e.g. for edits)."""
        if self.is_active():
            self._send(msg.Cancel)
        self.prestart()
        self._rid += 1
        self._outcome, self._latest, self._replies = None, None, {}
        self._rate = RateMeter()
        earlier = set(self._unfinished)
        self._run_request = msg.Run(self._rid, spec, cfg, device, state, single_step, paused)
        self._send_run()
        if earlier:
            # An earlier run is still ending on the host; if it is stuck in a step, this
            # run would wait behind it for ever: the guard replaces the host then.
            self._stop_guard.start()
        self._set_state(PAUSED if paused else STEPPING_STATE if single_step else STARTING)
        self._timer.start()

    def pause(self) -> None:
        if self._state in (STARTING, RUNNING, STEPPING_STATE):
            self._send(msg.Pause)
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self._state == PAUSED:
            self._send(msg.Resume)
            self._set_state(RUNNING)

    def toggle_pause(self) -> None:
        if self._state == PAUSED:
            self.resume()
        else:
            self.pause()

    def step(self) -> None:
        """Train one snapshot interval, then pause."""
        if self._state in (STARTING, RUNNING, STEPPING_STATE, PAUSED):
            self._send(msg.Step)
            self._set_state(STEPPING_STATE)

    def stop(self) -> None:
        if self.is_active():
            self._send(msg.Cancel)
            self._set_state(STOPPING)
            self._stop_guard.start()

    def _send_run(self) -> None:
        self._unfinished.add(self._run_request.rid)
        self._host.send(self._run_request)
        if self._speed > 0.0:
            self._send(msg.SetSpeed, self._speed)

    @Slot()
    def _on_stop_overdue(self) -> None:
        """A stopped engine did not reach a checkpoint in time (stuck inside one step):
        end its host. A stopped run is reported as stopped; a run that waited behind it
        is sent again to a fresh host."""
        stale = self._unfinished - {self._rid}
        stopping = self._state == STOPPING and self._rid in self._unfinished
        if self._host is None or not (stopping or stale):
            return
        log.warning("%s: a run did not stop within %.0f s: ending its engine process",
                    self.name, STOP_GRACE)
        self._host.close(0.0)
        self._host = None
        self._unfinished.clear()
        self.forced_stop.emit(
            f"The engine did not stop within {STOP_GRACE:.0f} s (it was stuck inside one "
            "step), so its process was ended and a fresh one started.")
        self.prestart()
        if stopping:
            self._outcome = ("stopped", None)
            self._poll()
        elif self.is_active() and self._run_request is not None:
            self._send_run()

    def edit(self, change: Edit) -> bool:
        """Send an edit of the engine's world (an engines.edits.Edit, applied between two
        steps, also when paused); the answer arrives as ``edited``. False when no run is
        active. Anything that is not an Edit is a TypeError."""
        check_edit(change)
        if not self.is_active():
            return False
        self._send(msg.Edit, change)
        self._urgent_until = time.monotonic() + 1.0
        self._urgent.start()
        return True

    def set_speed(self, steps_per_second: float) -> None:
        """Slow motion: at most this many steps per second, 0 for as fast as possible.
        Kept for later runs too."""
        self._speed = max(0.0, float(steps_per_second))
        if self.is_active():
            self._send(msg.SetSpeed, self._speed)

    @property
    def speed(self) -> float:
        return self._speed

    def wait_parked(self, timeout: float = 5.0) -> int | None:
        """Pause and wait until the engine sits in a checkpoint; returns its step."""
        if self._host is None or self._rid == 0:
            return None
        if self.is_active():
            self.pause()
        reply = self._request(msg.Park, msg.Parked, timeout)
        return None if reply is None or reply.step < 0 else int(reply.step)

    def fetch_state(self, timeout: float = 5.0) -> tuple[dict, int] | None:
        """The engine's state_dict and step (pausing a running engine first)."""
        if self._host is None or self._rid == 0:
            return None
        if self.is_active():
            self.pause()
        reply = self._request(msg.StateRequest, msg.StateReply, timeout)
        return None if reply is None or reply.state is None else (reply.state, int(reply.step))

    def discard(self) -> None:
        """Stop any run and forget it: the runner is idle again (the host stays)."""
        if self.is_active():
            self._send(msg.Cancel)
        self._stop_guard.stop()
        self._rid += 1  # whatever the old run still sends is now stale
        self._latest, self._outcome = None, None
        self._rate = RateMeter()
        self._set_state(IDLE)

    def shutdown(self, timeout: float = 2.0) -> bool:
        """End any run and the host process: within ``timeout`` it quits by itself, then
        it is ended. True when nothing is left running (the host is gone whatever it was
        doing)."""
        self.begin_shutdown()
        return self.finish_shutdown(time.monotonic() + timeout)

    def begin_shutdown(self) -> None:
        """Ask the host to quit (several runners can be shut down in parallel)."""
        self._timer.stop()
        self._urgent.stop()
        self._stop_guard.stop()
        if self._host is not None:
            self._send(msg.Cancel)
            self._host.request_quit()

    def finish_shutdown(self, deadline: float) -> bool:
        ok = True
        if self._host is not None:
            ok = self._host.finish(deadline)
            self._host = None
        self._unfinished.clear()
        if self.is_active():
            self._set_state(IDLE)
        return ok

    def report_draw_cost(self, seconds: float) -> None:
        """Pace the frames so drawing takes at most DRAW_SHARE of the GUI thread.

        The panel reports how long drawing (and painting) one snapshot took; a slow
        view then gets fewer frames instead of starving input handling.
        """
        cost = max(0.0, seconds)
        self._draw_cost = cost if self._draw_cost == 0 else 0.5 * (cost + self._draw_cost)
        interval = min(MAX_FRAME_INTERVAL, max(self._min_interval, self._draw_cost / DRAW_SHARE))
        self._timer.setInterval(int(interval * 1000))

    # ---- pipe ---------------------------------------------------------------------------
    def _send(self, kind: type, *payload: Any) -> None:
        """Send a message of the current run: ``kind(rid, *payload)``."""
        if self._host is not None:
            self._host.send(kind(self._rid, *payload))

    def _request(self, kind: type, reply: type, timeout: float):
        self._replies.pop(reply, None)
        self._send(kind)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._drain(wait=0.05)
            if reply in self._replies:
                return self._replies.pop(reply)
            if self._host is None or not self._host.alive():
                return None
        return None

    def _drain(self, wait: float = 0.0) -> None:
        """Read every pending message; keep the newest snapshot of the current run."""
        host = self._host
        if host is None:
            return
        try:
            ready = host.conn.poll(wait)
            while ready:
                self._handle(host.conn.recv())
                ready = host.conn.poll(0)
        except (EOFError, OSError):
            pass  # the host died; _poll notices

    def _handle(self, message) -> None:
        if isinstance(message, msg.Hello):  # the host is up and knows its device
            if self._host is not None:
                self._host.ready = True
            self.device_known.emit(message.device)
            return
        if isinstance(message, msg.Done):
            self._unfinished.discard(message.rid)
        if message.rid != self._rid:
            return  # a stale run
        if isinstance(message, msg.SnapshotMessage):
            self._latest = message.snapshot
        elif isinstance(message, msg.Done):
            self._outcome = (message.outcome, message.failure)
        elif isinstance(message, msg.Started):
            self.device_known.emit(message.device)
            self._draw_cost = 0.0
        elif isinstance(message, msg.Edited):
            self.edited.emit(message.ok, message.message)
        else:  # replies to requests: Parked, StateReply
            self._replies[type(message)] = message

    # ---- GUI-thread side --------------------------------------------------------------
    @Slot()
    def _poll_urgent(self) -> None:
        """Poll every 5 ms until the picture answering an edit has arrived (at most 1 s)."""
        self._drain()
        if (self._latest is not None or self._outcome is not None
                or time.monotonic() > self._urgent_until):
            self._urgent.stop()
            self._poll()

    @Slot()
    def _poll(self) -> None:
        self._drain()
        snap, self._latest = self._latest, None
        if snap is not None:
            self._rate.update(snap.step, snap.elapsed)
            if self._state == STARTING:
                self._set_state(RUNNING)
            if self._state == STEPPING_STATE:
                self._set_state(PAUSED)  # one step = one snapshot interval
            self.snapshot.emit(snap)
        if (self._outcome is None and self.is_active() and self._host is not None
                and not self._host.alive()):
            code = self._host.process.exitcode
            how = (f"killed by signal {-code}" if code is not None and code < 0
                   else f"exit code {code}")
            self._outcome = ("failed", msg.Failure(
                "EngineProcessDied", f"the engine process ended unexpectedly ({how})",
                host_stderr_tail(self._host.process.name)))
            self._host = None
            self._unfinished.clear()
        if self._outcome is not None:
            outcome, failure = self._outcome
            self._outcome = None
            self._stop_guard.stop()
            if failure is not None:
                if failure.details:
                    log.error("engine failed: %s: %s\n%s", failure.kind, failure.message,
                              failure.details)
                self.failed.emit(failure.kind, failure.message, failure.details)
            self._set_state(FINISHED)
            self.finished.emit(outcome)

    def _set_state(self, state: str) -> None:
        shown = RUNNING if state == STEPPING_STATE else state
        self._state = state
        if shown != self._shown_state:
            self._shown_state = shown
            self.state_changed.emit(shown)
