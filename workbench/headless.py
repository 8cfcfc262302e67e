"""`ml-workbench run`: train one demo without a window and report the numbers.

Qt-free. torch is only imported when the engine class is loaded, so argument errors are
reported instantly. Exit codes: 0 done, 2 bad arguments or device, 3 training diverged,
130 stopped with Ctrl+C.
"""
from __future__ import annotations

import json
import logging
import math
import os
import signal
import sys
import time
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, TextIO

from engines.config import ConfigBase, ConfigError, field_meta
from engines.spec import DemoSpec

log = logging.getLogger(__name__)

EXIT_OK, EXIT_USAGE, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 2, 3, 130
SNAPSHOT_HZ = 2.0          # progress updates per second
PLAIN_LINE_EVERY_S = 2.0   # progress cadence when stderr is a file or pipe
MAIN_METRICS = 3           # metrics shown on the progress line


class UsageError(Exception):
    """Bad command-line input; the message is shown as `error: <message>`, exit 2."""


# ---- resolving names and building the config ----------------------------------------------
def resolve(panel: str, demo: str | None = None, preset: str | None = None
            ) -> tuple[DemoSpec, ConfigBase]:
    """The demo spec and its preset config; unknown names raise UsageError listing known ones."""
    from engines import registry
    from workbench import presets

    try:
        spec = registry.demo(panel, demo)
    except registry.UnknownName as exc:
        raise UsageError(str(exc)) from None
    try:
        cfg = presets.preset_config(panel, spec, preset or presets.DEFAULTS)
    except presets.PresetError as exc:
        raise UsageError(str(exc)) from None
    return spec, cfg


def parse_set(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"--set {item}: expected key=value, e.g. --set lr=0.01")
    return key.strip(), value.strip()


def build_config(cfg: ConfigBase, sets: Iterable[str] = (), steps: int | None = None,
                 seed: int | None = None) -> ConfigBase:
    """Apply --set overrides, then --steps/--seed, one at a time.

    One at a time so that an error names the exact option that caused it; the Config
    itself (via from_dict) names the key and its allowed range.
    """
    overrides: list[tuple[str, str, Any]] = []
    for item in sets:
        key, value = parse_set(item)
        overrides.append((f"--set {item}", key, value))
    if steps is not None:
        overrides.append((f"--steps {steps}", "steps", steps))
    if seed is not None:
        overrides.append((f"--seed {seed}", "seed", seed))
    for option, key, value in overrides:
        try:
            cfg = type(cfg).from_dict({key: value}, base=cfg)
        except ConfigError as exc:
            raise UsageError(f"{option}: {exc}") from None
    refuse_painted(cfg)
    return cfg


#: A choice that only the app can fill (points drawn with the mouse).
PAINTED = "painted"


def refuse_painted(cfg: ConfigBase) -> None:
    """A "painted" choice needs points drawn with the mouse in the app: refused before
    anything runs, naming the field and what a headless run can use instead."""
    for f in dataclasses.fields(cfg):
        choices = field_meta(type(cfg), f.name).get("choices") or ()
        if PAINTED in choices and getattr(cfg, f.name) == PAINTED:
            others = ", ".join(c for c in choices if c != PAINTED)
            raise UsageError(f"{f.name}={PAINTED}: painted densities and targets are drawn "
                             f"with the mouse in the app; a headless run needs one of: "
                             f"{others}")


# ---- progress output ----------------------------------------------------------------------
def format_metrics(metrics: dict[str, float], limit: int | None = MAIN_METRICS) -> str:
    items = list(metrics.items())[:limit]
    return "  ".join(f"{name} {value:.4g}" for name, value in items)


class Progress:
    """One status line on stderr: rewritten in place on a terminal, appended otherwise."""

    def __init__(self, total: int, stream: TextIO):
        self.total = total
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last_plain = time.monotonic()
        self._width = 0

    def update(self, step: int, elapsed: float, metrics: dict[str, float]) -> None:
        rate = step / elapsed if elapsed > 0 else 0.0
        parts = [f"step {step}/{self.total}", format_metrics(metrics), f"{rate:.0f} steps/s"]
        line = "  ".join(p for p in parts if p)
        if self.tty:
            # Pad so a shorter line fully covers the previous one.
            self.stream.write("\r" + line.ljust(self._width))
            self._width = len(line)
        elif time.monotonic() - self._last_plain >= PLAIN_LINE_EVERY_S:
            self._last_plain = time.monotonic()
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()


# ---- Ctrl+C -------------------------------------------------------------------------------
class StopOnInterrupt:
    """First Ctrl+C asks the engine to stop at its next checkpoint (so the history and the
    --out file stay complete); a second one interrupts for real."""

    def __init__(self, ctl):
        self.ctl = ctl
        self.previous = None

    def __enter__(self):
        try:
            self.previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread (e.g. called from a test helper)
            self.previous = None
        return self

    def _handle(self, signum, frame):
        self.ctl.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False


# ---- the run ------------------------------------------------------------------------------
@dataclass
class Result:
    steps: int
    elapsed: float
    metrics: dict[str, float]
    stopped: bool


def run(panel: str, demo: str | None = None, preset: str | None = None,
        sets: Iterable[str] = (), steps: int | None = None, seed: int | None = None,
        device: str | None = None, as_json: bool = False, out: str | Path | None = None,
        stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run one demo to its configured number of steps; returns the process exit code."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    spec, cfg = resolve(panel, demo, preset)
    cfg = build_config(cfg, sets, steps, seed)
    check_out(out)   # before training: a bad --out must not cost the run

    from engines.runtime import Control, DeviceUnavailable, Diverged, drive, pick_device

    try:
        torch_device = pick_device(device)
        engine = spec.engine_class()(cfg, device=device)
    except (DeviceUnavailable, ValueError) as exc:   # e.g. nothing to learn in this setup
        raise UsageError(str(exc)) from None
    except RuntimeError as exc:                      # e.g. a dataset that is not there
        if type(exc).__name__ != "DataMissing":
            raise
        raise UsageError(str(exc)) from None

    total = int(getattr(cfg, "steps", 0))
    print(f"{panel}/{spec.name} ({spec.title}), preset {preset or 'defaults'}, "
          f"{total} steps on {torch_device}", file=stderr)
    log.info("headless run %s/%s preset=%s device=%s config=%s",
             panel, spec.name, preset or "defaults", torch_device, cfg.to_dict())

    ctl = Control(snapshot_hz=SNAPSHOT_HZ)
    progress = Progress(total, stderr)
    last = None
    try:
        with StopOnInterrupt(ctl):
            for snap in drive(engine, ctl):
                last = snap
                progress.update(snap.step, snap.elapsed, snap.metrics)
    except Diverged as exc:
        progress.close()
        print(f"error: {exc}", file=stderr)
        log.warning("headless run diverged: %s", exc)
        _write_out(out, engine, stderr)
        return EXIT_DIVERGED
    except ValueError as exc:   # the engine refused its input (a message, not a crash)
        progress.close()
        print(f"error: {exc}", file=stderr)
        log.warning("headless run refused: %s", exc)
        return EXIT_USAGE
    progress.close()

    result = Result(
        steps=last.step if last is not None else engine.step,
        elapsed=last.elapsed if last is not None else 0.0,
        metrics=_final_metrics(last, engine),
        stopped=ctl.cancelled,
    )
    _print_summary(result, stderr)
    if as_json:
        report = {
            "panel": panel,
            "demo": spec.name,
            "preset": preset or "defaults",
            "config": cfg.to_dict(),
            "device": str(torch_device),
            "steps": result.steps,
            "elapsed_s": round(result.elapsed, 4),
            "steps_per_s": round(_rate(result), 2),
            "metrics": {k: _json_number(v) for k, v in result.metrics.items()},
        }
        if result.stopped:
            report["stopped"] = True
        stdout.write(json.dumps(report) + "\n")
        stdout.flush()
    log.info("headless run finished: %d steps in %.2f s, stopped=%s",
             result.steps, result.elapsed, result.stopped)
    if not _write_out(out, engine, stderr):
        return EXIT_USAGE
    return EXIT_INTERRUPTED if result.stopped else EXIT_OK


def check_out(out: str | Path | None) -> None:
    """--out must name a file we can write: checked before any training."""
    if out is None:
        return
    path = Path(out)
    if path.is_dir():
        raise UsageError(f"--out {out}: is a directory; give a file name, e.g. "
                         f"{path / 'history.csv'}")
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create its folder ({exc.strerror})") from None
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"--out {out}: not writable")


def _final_metrics(last, engine) -> dict[str, float]:
    """The last snapshot's metrics; if it carried none, the last recorded history row."""
    if last is not None and last.metrics:
        return {k: float(v) for k, v in last.metrics.items()}
    columns = engine.history.arrays()
    return {k: float(v[-1]) for k, v in columns.items() if k != "step" and len(v)}


def _rate(result: Result) -> float:
    return result.steps / result.elapsed if result.elapsed > 0 else 0.0


def _json_number(value: float) -> float | None:
    # JSON has no NaN/Infinity; None keeps the output parseable everywhere.
    return value if math.isfinite(value) else None


def _print_summary(result: Result, stderr: TextIO) -> None:
    head = "stopped" if result.stopped else "done"
    print(f"{head}: {result.steps} steps in {result.elapsed:.2f} s "
          f"({_rate(result):.0f} steps/s)", file=stderr)
    if result.metrics:
        print("final: " + format_metrics(result.metrics, limit=None), file=stderr)


def _write_out(out: str | Path | None, engine, stderr: TextIO) -> bool:
    if out is None:
        return True
    from workbench.export_csv import write_history_csv

    try:
        path = write_history_csv(out, engine.history.arrays())
    except OSError as exc:
        print(f"error: --out {out}: could not write the history ({exc.strerror})",
              file=stderr)
        return False
    print(f"wrote metric history to {path}", file=stderr)
    return True
