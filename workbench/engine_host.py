"""The engine host: a child process that runs engines for one panel (Qt-free).

Why a process and not a thread: the demos' models are small, so an engine spends most of
its time in Python, and so does pyqtgraph while painting. Two such threads in one process
hand the GIL back and forth thousands of times per frame; measured on 2 cores, the loss
landscape trained at 5 % of its headless speed inside the GUI and frames took 100+ ms.
In its own process the engine has its own GIL and its own core.

Protocol: the frozen dataclasses of workbench.protocol over one multiprocessing Pipe.
One reader thread owns the receiving end; runs execute one at a time on the main thread.
The reader makes a run current as soon as its Run arrives, so commands sent right
after it (a speed, queued edits) reach that run even before its engine is built.

The host never outlives its GUI: on Linux the kernel kills it when the GUI process dies
(PR_SET_PDEATHSIG), and everywhere a watchdog thread ends it once its parent is gone,
whatever the engine is doing.
"""
from __future__ import annotations

import os
import queue
import sys
import threading
import traceback
from collections import deque
from dataclasses import dataclass, field

from engines.runtime import Control, Diverged, Engine, drive
from workbench import protocol as msg

PARK_TIMEOUT = 5.0
#: An exception's message reaches the panel cut to this many characters (the traceback
#: goes to the log whole).
MESSAGE_LIMIT = 2000
QUIT_WAIT = 0.5   # seconds a quitting host waits for the cancelled run and the outbox


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
        self.snapshot: msg.SnapshotMessage | None = None
        threading.Thread(target=self._send_loop, name="host-sender", daemon=True).start()

    def put(self, message) -> None:
        with self.cond:
            if isinstance(message, msg.SnapshotMessage):
                self.snapshot = message
            else:
                if self.snapshot is not None:
                    self.ordered.append(self.snapshot)
                    self.snapshot = None
                self.ordered.append(message)
            self.cond.notify_all()   # the sender, and a flush() waiting for it

    def flush(self, timeout: float) -> None:
        """Wait (at most ``timeout`` s) until every queued message is sent."""
        with self.cond:
            self.cond.wait_for(lambda: not self.ordered and self.snapshot is None, timeout)

    def _send_loop(self) -> None:
        while True:
            with self.cond:
                while not self.ordered and self.snapshot is None:
                    self.cond.wait()
                if self.ordered:
                    message = self.ordered.popleft()
                else:
                    message, self.snapshot = self.snapshot, None
                self.cond.notify_all()
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

    def send(self, message) -> None:
        self.outbox.put(message)

    # ---- reader thread: the only reader of the pipe ----------------------------------
    def read(self) -> None:
        controls = {msg.Pause: Control.pause, msg.Resume: Control.resume,
                    msg.Step: Control.step, msg.Cancel: Control.cancel}
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                message = msg.Quit()  # the GUI process is gone
            if isinstance(message, msg.Quit):
                self.quit()
                return
            if isinstance(message, msg.Run):
                self.current = self.new_run(message)
                self.commands.put((self.current, message))
                continue
            run = self.current
            if message.rid != run.rid or run.ctl is None:
                continue  # a command for a run that is already over
            if type(message) in controls:
                controls[type(message)](run.ctl)
            elif isinstance(message, msg.Edit):
                run.ctl.post_edit(message.change)
            elif isinstance(message, msg.SetSpeed):
                run.ctl.set_speed(message.steps_per_second)
            elif isinstance(message, (msg.Park, msg.StateRequest)):
                self.answer_state_request(message, run)

    def quit(self) -> None:
        """End the process soon, also while torch still loads or a step runs: a host has
        nothing to save (sessions fetch state with a StateRequest first)."""
        if self.current.ctl is not None:
            self.current.ctl.cancel()
        self.commands.put(msg.Quit())
        self.current.finished.wait(QUIT_WAIT)   # a cancelled run normally ends at once
        self.outbox.flush(QUIT_WAIT)
        os._exit(0)

    def answer_state_request(self, request, run: CurrentRun) -> None:
        """Pause the run until its engine sits in a checkpoint, then report (its state)."""
        if not run.finished.is_set() and run.ctl is not None:
            run.ctl.pause()
            parked = run.ctl.wait_parked(PARK_TIMEOUT) or run.finished.is_set()
        else:
            parked = True
        engine = run.engine
        ok = parked and engine is not None
        step = engine.step if ok else -1
        if isinstance(request, msg.Park):
            self.send(msg.Parked(run.rid, step))
        else:
            self.send(msg.StateReply(run.rid, engine.state_dict() if ok else None, step))

    # ---- main thread: one run at a time ------------------------------------------------
    def listen(self) -> None:
        threading.Thread(target=self.read, name="host-reader", daemon=True).start()

    def serve(self) -> None:
        while True:
            item = self.commands.get()
            if isinstance(item, msg.Quit):
                return
            self.run(*item)

    def new_run(self, request: msg.Run) -> CurrentRun:
        ctl = Control()
        if request.paused:
            ctl.pause()       # parks at its first checkpoint, before any step
        elif request.single_step:
            ctl.step()
        run = CurrentRun(rid=request.rid, ctl=ctl)
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
                self.send(msg.Edited(run.rid, True))
            except ValueError as exc:
                self.send(msg.Edited(run.rid, False, str(exc)))
        snap = engine.snapshot()
        snap.elapsed = engine.elapsed_before + run.ctl.active_seconds()
        self.send(msg.SnapshotMessage(run.rid, snap))

    def run(self, run: CurrentRun, request: msg.Run) -> None:
        from engines.runtime import device_label

        rid, ctl = run.rid, run.ctl
        outcome, failure = "completed", None
        try:
            engine = request.spec.engine_class()(request.cfg, request.device)
            if request.state is not None:
                engine.load_state_dict(request.state)
            run.engine = engine
            ctl.start_clock()      # steps/s count from here, as in a headless run
            self.send(msg.Started(rid, device_label(engine.device)))
            for snap in drive(engine, ctl):
                self.send(msg.SnapshotMessage(rid, snap))
            if ctl.cancelled:
                outcome = "stopped"
        except Diverged as exc:
            outcome, failure = "failed", msg.Failure("Diverged", str(exc))
        except BaseException as exc:  # noqa: BLE001 - every error must reach the panel
            outcome = "failed"
            text = str(exc) or repr(exc)
            if len(text) > MESSAGE_LIMIT:
                text = text[:MESSAGE_LIMIT] + f" … ({len(text):,} characters in all)"
            failure = msg.Failure(type(exc).__name__, text, traceback.format_exc())
        run.finished.set()
        self.send(msg.Done(rid, outcome, failure))


def end_with_parent() -> None:
    """Make sure this process ends when the GUI process that spawned it does."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass  # the watchdog below still works
    if os.getppid() != parent:   # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        import time

        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)  # no clean-up: the engine may be stuck in a step

    threading.Thread(target=watch, name="host-watchdog", daemon=True).start()


def stderr_path(name: str):
    """Where a host's stderr goes: beside the app's log, one file per panel's host."""
    from workbench.paths import log_dir

    return log_dir() / f"{name}.stderr.log"


def capture_stderr() -> None:
    """Send this process's stderr (warnings, a native crash's faulthandler trace) to a
    file the GUI reads into its log when the host dies."""
    import faulthandler
    import multiprocessing

    try:
        path = stderr_path(multiprocessing.current_process().name)
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = open(path, "w", buffering=1, encoding="utf-8", errors="replace")
        os.dup2(stream.fileno(), 2)
        sys.stderr = stream
    except OSError:
        pass   # keep the inherited stderr
    faulthandler.enable()   # a crash in native code leaves its trace there


def host_main(conn) -> None:
    """Entry point of the child process."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the GUI's to handle
    end_with_parent()
    capture_stderr()
    host = Host(conn)
    try:
        host.send(msg.Hello(warm_up()))
    except Exception as exc:  # noqa: BLE001 - a broken torch is reported by the first run
        host.send(msg.Hello(f"no torch ({exc})"))
    # Read commands only now: unpickling one (a state dict) imports torch, which must not
    # race warm_up's import. A host asked to quit before its Hello is simply terminated.
    host.listen()
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
