"""Garbage collection in the GUI thread only, while a Python worker thread runs.

CPython collects reference cycles in whichever thread happens to allocate past the
threshold. When that is a worker thread (the sweep driver, the MNIST download) and the
garbage holds Qt objects, e.g. a closed window kept alive by a cycle, their C++ destructors
run in that thread: it takes Qt's object lock and then waits for the GIL in a Python
override, while the GUI thread holds the GIL and waits for the same lock. The application
hangs for good (seen in CI, in the sweep window's tests).

``start_collecting_in_gui_thread(thread)`` closes that door: while the thread lives, automatic
collection is off and a GUI-thread timer collects instead, by the same thresholds CPython
uses. When the last such thread has ended, automatic collection is switched back on.
"""
from __future__ import annotations

import gc
import threading
import time

from PySide6.QtCore import QObject, QTimer

#: How often the GUI thread looks at the allocation counts (ms). A young collection
#: takes well under a millisecond; 700 allocations pass much faster than this anyway.
CHECK_MS = 100
#: A full collection walks every object (milliseconds to tens of ms): at most this often.
FULL_EVERY_S = 10.0


class GuiThreadCollector(QObject):
    """Collects garbage from a GUI-thread timer while any of its threads is alive."""

    def __init__(self):
        super().__init__()
        self.threads: list[threading.Thread] = []
        self.was_enabled = True
        self.last_full = time.monotonic()
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.tick)

    def watch(self, thread: threading.Thread) -> None:
        if not self.threads:
            self.was_enabled = gc.isenabled()
            gc.collect()   # what is garbage now dies here, in the GUI thread
            gc.disable()
            self.last_full = time.monotonic()
            self.timer.start()
        self.threads.append(thread)

    @property
    def active(self) -> bool:
        return bool(self.threads)

    def tick(self) -> None:
        self.collect_due()
        self.forget_ended()

    def forget_ended(self) -> None:
        """Drop the threads that have ended; the last one gone, automatic collection is
        back (call it right after joining a thread, not to wait for the next tick)."""
        if not self.threads:
            return
        # not yet started counts as alive: watch() comes before start()
        self.threads = [t for t in self.threads if t.ident is None or t.is_alive()]
        if not self.threads:
            self.timer.stop()
            gc.collect()   # what piled up meanwhile dies here too, not in a later thread
            if self.was_enabled:
                gc.enable()

    def collect_due(self) -> int | None:
        """One collection of the oldest generation whose count passed its threshold
        (as CPython's automatic collection chooses); None when nothing is due."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] <= thresholds[0]:
            return None
        generation = 0
        if counts[1] > thresholds[1]:
            generation = 1
        now = time.monotonic()
        if counts[2] > thresholds[2] and now - self.last_full >= FULL_EVERY_S:
            generation = 2
            self.last_full = now
        gc.collect(generation)
        return generation


_collector: GuiThreadCollector | None = None


def collector() -> GuiThreadCollector:
    global _collector
    if _collector is None:
        _collector = GuiThreadCollector()
    return _collector


def start_collecting_in_gui_thread(thread: threading.Thread) -> None:
    """Start ``thread``, garbage being collected in the GUI thread only while it runs.
    Call from the GUI thread (a QApplication running)."""
    watcher = collector()
    watcher.watch(thread)      # before start(): the thread's first allocations count
    try:
        thread.start()
    except BaseException:
        watcher.threads.remove(thread)   # never started: it must not hold collection off
        if not watcher.threads:
            watcher.timer.stop()
            if watcher.was_enabled:
                gc.enable()
        raise


def thread_joined() -> None:
    """Call from the GUI thread after joining a watched thread."""
    if _collector is not None:
        _collector.forget_ended()
