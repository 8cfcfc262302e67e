"""The engine host: a child process that runs engines for one panel (Qt-free).

Why a process and not a thread: the demos' models are small, so an engine spends most of
its time in Python, and so does pyqtgraph while painting. Two such threads in one process
hand the GIL back and forth thousands of times per frame; measured on 2 cores, the loss
landscape trained at 5 % of its headless speed inside the GUI and frames took 100+ ms.
In its own process the engine has its own GIL and its own core.

Protocol (tuples over one multiprocessing Pipe; ``rid`` = run id):
  parent -> host: ("run", rid, spec, cfg, device, state, single_step, paused), ("pause", rid),
                  ("resume", rid), ("step", rid), ("cancel", rid), ("park", rid),
                  ("state", rid), ("edit", rid, change), ("speed", rid, steps_per_second),
                  ("quit",)
  host -> parent: ("started", rid, device_label), ("snapshot", rid, Snapshot),
                  ("parked", rid, step), ("state", rid, state_dict, step),
                  ("edited", rid, ok, message),
                  ("done", rid, outcome, failure) with failure = (kind, message, details)
One reader thread owns the receiving end; runs execute one at a time on the main thread.
The reader makes a run current as soon as its "run" arrives, so commands sent right
after it (a speed, queued edits) reach that run even before its engine is built.
"""
from __future__ import annotations

import queue
import threading
import traceback
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from engines.runtime import Control, Diverged, Engine, drive

PARK_TIMEOUT = 5.0


@dataclass
class CurrentRun:
    rid: int = -1
    ctl: Control | None = None
    engine: Engine | None = None
    finished: threading.Event = field(default_factory=threading.Event)


class Outbox:
    """Messages to the GUI, sent by their own thread so the engine never waits on it.

    Snapshots are latest-wins: while the pipe is busy (the GUI is drawing), a newer
    snapshot replaces the one not yet sent. Other messages keep their order, and a
    snapshot queued before one of them is sent before it (the final snapshot precedes
    "done").
    """

    def __init__(self, conn):
        self.conn = conn
        self.cond = threading.Condition()
        self.ordered: deque = deque()
        self.snapshot: tuple | None = None
        threading.Thread(target=self._send_loop, name="host-sender", daemon=True).start()

    def put(self, message: tuple) -> None:
        with self.cond:
            if message[0] == "snapshot":
                self.snapshot = message
            else:
                if self.snapshot is not None:
                    self.ordered.append(self.snapshot)
                    self.snapshot = None
                self.ordered.append(message)
            self.cond.notify()

    def _send_loop(self) -> None:
        while True:
            with self.cond:
                while not self.ordered and self.snapshot is None:
                    self.cond.wait()
                if self.ordered:
                    message = self.ordered.popleft()
                else:
                    message, self.snapshot = self.snapshot, None
            try:
                self.conn.send(message)
            except (OSError, ValueError):
                return  # the GUI process is gone


class Host:
    def __init__(self, conn):
        self.conn = conn
        self.outbox = Outbox(conn)
        self.commands: queue.Queue = queue.Queue()
        self.current = CurrentRun()
        self.current.finished.set()

    def send(self, *message: Any) -> None:
        self.outbox.put(message)

    # ---- reader thread: the only reader of the pipe ----------------------------------
    def read(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                message = ("quit",)  # the GUI process is gone
            kind = message[0]
            if kind == "quit":
                if self.current.ctl is not None:
                    self.current.ctl.cancel()
                self.commands.put(message)
                return
            if kind == "run":
                self.current = self.new_run(message[1], single_step=message[6],
                                            paused=message[7])
                self.commands.put((message[0], self.current) + tuple(message[2:]))
                continue
            run = self.current
            if message[1] != run.rid:
                continue  # a command for a run that is already over
            if kind == "pause" and run.ctl:
                run.ctl.pause()
            elif kind == "resume" and run.ctl:
                run.ctl.resume()
            elif kind == "step" and run.ctl:
                run.ctl.step()
            elif kind == "cancel" and run.ctl:
                run.ctl.cancel()
            elif kind == "edit" and run.ctl:
                run.ctl.post_edit(message[2])
            elif kind == "speed" and run.ctl:
                run.ctl.set_speed(message[2])
            elif kind in ("park", "state"):
                self.answer_state_request(kind, run)

    def answer_state_request(self, kind: str, run: CurrentRun) -> None:
        """Pause the run until its engine sits in a checkpoint, then report (its state)."""
        if not run.finished.is_set() and run.ctl is not None:
            run.ctl.pause()
            parked = run.ctl.wait_parked(PARK_TIMEOUT) or run.finished.is_set()
        else:
            parked = True
        engine = run.engine
        ok = parked and engine is not None
        if kind == "park":
            self.send("parked", run.rid, engine.step if ok else -1)
        else:
            self.send("state", run.rid, engine.state_dict() if ok else None,
                      engine.step if ok else -1)

    # ---- main thread: one run at a time ------------------------------------------------
    def serve(self) -> None:
        threading.Thread(target=self.read, name="host-reader", daemon=True).start()
        while True:
            message = self.commands.get()
            if message[0] == "quit":
                return
            self.run(*message[1:])

    def new_run(self, rid: int, single_step: bool, paused: bool) -> CurrentRun:
        ctl = Control()
        if paused:
            ctl.pause()       # parks at its first checkpoint, before any step
        elif single_step:
            ctl.step()
        run = CurrentRun(rid=rid, ctl=ctl)
        ctl.edit_handler = lambda edits: self.apply_edits(run, edits)
        return run

    def apply_edits(self, run: CurrentRun, edits: list) -> None:
        """On the engine's thread, between steps: apply, report, show the new world."""
        engine = run.engine
        if engine is None:
            return
        for change in edits:
            try:
                engine.apply_edit(change)
                self.send("edited", run.rid, True, "")
            except ValueError as exc:
                self.send("edited", run.rid, False, str(exc))
        snap = engine.snapshot()
        snap.elapsed = engine.elapsed_before + run.ctl.active_seconds()
        self.send("snapshot", run.rid, snap)

    def run(self, run: CurrentRun, spec, cfg, device, state, single_step: bool,
            paused: bool) -> None:
        rid, ctl = run.rid, run.ctl
        outcome, failure = "completed", None
        try:
            engine = spec.engine_class()(cfg, device)
            if state is not None:
                engine.load_state_dict(state)
            run.engine = engine
            from engines.runtime import device_label

            self.send("started", rid, device_label(engine.device))
            for snap in drive(engine, ctl):
                self.send("snapshot", rid, snap)
            if ctl.cancelled:
                outcome = "stopped"
        except Diverged as exc:
            outcome, failure = "failed", ("Diverged", str(exc), "")
        except BaseException as exc:  # noqa: BLE001 - every error must reach the panel
            outcome = "failed"
            failure = (type(exc).__name__, str(exc) or repr(exc), traceback.format_exc())
        run.finished.set()
        self.send("done", rid, outcome, failure)


def host_main(conn) -> None:
    """Entry point of the child process."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the GUI's to handle
    host = Host(conn)
    try:
        host.send("hello", -1, warm_up())
    except Exception as exc:  # noqa: BLE001 - a broken torch is reported by the first run
        host.send("hello", -1, f"no torch ({exc})")
    host.serve()


def warm_up() -> str:
    """Import torch and its optimizer stack now (seconds, once), name the device."""
    import torch

    from engines.runtime import device_label, pick_device

    device = pick_device(None)
    param = torch.zeros(2, requires_grad=True)
    optimizer = torch.optim.Adam([param], lr=1e-3)
    (param * param).sum().backward()
    optimizer.step()
    return device_label(device)
