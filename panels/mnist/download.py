"""DownloadThread: fetches full MNIST off the GUI thread, with progress and cancel.

It runs engines.mnist.data.download_mnist (urllib, no torch) in a daemon Python thread;
progress and the outcome come back as Qt signals, which Qt queues to the GUI thread, so
the window never freezes. ``cancel()`` sets an event the downloader checks between 64 kB
chunks. A daemon thread (not a QThread) because a read stalled on a dead connection must
never keep the application from closing: at exit it simply ends with the process.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from engines.mnist import data as mnist_data
from workbench import gui_gc


class DownloadThread(QObject):
    progress = Signal(int, int, str)   # bytes done, bytes total, file name
    done = Signal(bool, str)           # ok, message

    def __init__(self, parent=None, directory=None, mirrors=None):
        super().__init__(parent)
        self.directory = directory
        self.mirrors = mirrors
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="mnist-download", daemon=True)
        # started so that Qt objects' destructors never run in this thread
        gui_gc.start_collecting_in_gui_thread(self._thread)

    def isRunning(self) -> bool:  # noqa: N802 - QThread-like API
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout_ms: int) -> bool:
        if self._thread is not None:
            self._thread.join(timeout_ms / 1000.0)
            gui_gc.thread_joined()
        return not self.isRunning()

    def cancel(self) -> None:
        self._cancel.set()

    def _emit(self, signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:   # the panel was closed meanwhile: nobody to tell
            self._cancel.set()

    def run(self) -> None:  # the worker thread
        try:
            folder = mnist_data.download_mnist(
                self.directory, mirrors=self.mirrors, cancel=self._cancel,
                progress=lambda done, total, name: self._emit(self.progress, done, total,
                                                              name))
        except mnist_data.DownloadCancelled:
            self._emit(self.done, False, "Download of full MNIST cancelled.")
        except (mnist_data.DownloadError, OSError) as exc:
            self._emit(self.done, False, f"Download of full MNIST failed: {exc}")
        except Exception as exc:  # noqa: BLE001 - the panel must hear about every failure
            self._emit(self.done, False,
                       f"Download of full MNIST failed: {type(exc).__name__}: {exc}")
        else:
            self._emit(self.done, True, f"Full MNIST downloaded and verified ({folder}).")
