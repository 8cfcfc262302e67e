"""The GUI's side of one engine host process: spawn it, talk to it, end it for sure.
Also the steps-per-second meter of the runner."""
from __future__ import annotations

import logging
import math
import multiprocessing
import time

from engines.runtime import engine_thread_environment
from workbench import protocol as msg
from workbench.engine_host import host_main

log = logging.getLogger("workbench.runner")

# Seconds between terminate (SIGTERM) and kill (SIGKILL) of a host that will not quit.
KILL_AFTER = 1.0


class HostProcess:
    """A spawned engine host and our end of its pipe."""

    def __init__(self, name: str):
        context = multiprocessing.get_context("spawn")  # fork is unsafe in a Qt process
        self.conn, child = context.Pipe()
        self.process = context.Process(target=host_main, args=(child,), name=name, daemon=True)
        with engine_thread_environment():
            self.process.start()
        child.close()
        self.ready = False          # set when its Hello arrived (torch loaded)

    def alive(self) -> bool:
        return self.process.is_alive()

    def send(self, message) -> bool:
        try:
            self.conn.send(message)
            return True
        except (OSError, ValueError):
            return False

    def request_quit(self) -> None:
        self.send(msg.Quit())

    def finish(self, deadline: float) -> bool:
        """Wait for the host until ``deadline`` (time.monotonic()), then terminate it,
        then kill it. True when the process is gone (always, short of a kernel fault).
        A host still loading torch reads no commands yet: it is terminated at once."""
        if self.ready:
            self.process.join(max(0.0, deadline - time.monotonic()))
        if self.process.is_alive():
            (log.warning if self.ready else log.info)(
                "engine host %s %s: terminating", self.process.name,
                "did not quit in time" if self.ready else "is still loading torch")
            self.process.terminate()
            self.process.join(KILL_AFTER)
        if self.process.is_alive():
            log.warning("engine host %s ignored SIGTERM: killing", self.process.name)
            self.process.kill()
            self.process.join(5.0)  # SIGKILL cannot be ignored: this returns at once
        self.conn.close()
        return not self.process.is_alive()

    def close(self, timeout: float) -> bool:
        """Ask the host to quit; end it if it does not within ``timeout``."""
        self.request_quit()
        return self.finish(time.monotonic() + timeout)


def host_stderr_tail(name: str, limit: int = 8000) -> str:
    """The end of a dead host's stderr (a faulthandler trace, a warning), for the log."""
    from workbench.engine_host import stderr_path

    try:
        text = stderr_path(name).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return ("stderr of the engine process:\n" + text[-limit:]) if text.strip() else ""


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
