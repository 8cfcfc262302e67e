"""Logging set-up shared by the GUI and the CLI (Qt-free).

Everything goes to a rotating file in ``paths.log_dir()`` so that a student can attach it
to a bug report. If that directory cannot be created (read-only home, odd sandbox), we log
to stderr instead: logging must never be the reason the app does not start.
"""
from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

LOG_FILE = "ml-workbench.log"
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MAX_BYTES = 1_000_000
BACKUPS = 3

# Marks the handler we installed, so calling setup_logging() twice adds no duplicate.
_HANDLER_NAME = "ml-workbench"


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Log to ``<log_dir>/ml-workbench.log`` (rotating); returns that path.

    Returns None when the file could not be opened and logging went to stderr instead.
    Safe to call more than once (the GUI and the CLI both call it).
    """
    root = logging.getLogger()
    root.setLevel(level)
    for handler in root.handlers:
        if handler.get_name() == _HANDLER_NAME:
            handler.setLevel(level)
            path = getattr(handler, "baseFilename", None)
            return Path(path) if path else None

    handler, path = _file_handler()
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    # Python warnings (e.g. from torch or numpy) end up in the log file too.
    logging.captureWarnings(True)
    return path


def _file_handler() -> tuple[logging.Handler | None, Path | None]:
    try:
        from workbench.paths import log_dir

        directory = log_dir()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / LOG_FILE
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
        # delay=True opens lazily; check now that we may write there at all.
        with path.open("a", encoding="utf-8"):
            pass
        return handler, path
    except Exception as exc:  # noqa: BLE001 - any failure here means "use stderr"
        print(f"ml-workbench: cannot write log file ({exc}); logging to stderr",
              file=sys.stderr)
        return None, None
