"""The engine runtime: the Qt-free contract every engine follows.

An engine is built from a frozen Config, owns its model, optimizer, data and random
generators, and trains inside the generator :meth:`Engine.run`. The runner (GUI) or the
CLI iterates it through :func:`drive`, which adds divergence detection and the
"step one snapshot interval" behaviour. Control flows in through :class:`Control`;
pictures and numbers flow out as :class:`Snapshot` objects holding numpy copies only.
"""
from __future__ import annotations

import math
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from engines.config import ConfigBase
from engines.edits import Edit


class Cancelled(Exception):
    """Raised by Control.checkpoint() when the run was stopped."""


class Diverged(RuntimeError):
    """A metric became NaN or infinite."""

    def __init__(self, step: int, metric: str, value: float, advice: str):
        self.step, self.metric, self.value, self.advice = step, metric, value, advice
        super().__init__(f"Training diverged at step {step}: {metric} is {value}. {advice}")


class NotLearning(Diverged):
    """Finite numbers, but no learning: e.g. a classifier still at chance after epochs of
    training (Engine.not_learning says when). Reported like a divergence (exit 3)."""

    def __init__(self, step: int, metric: str, value: float, advice: str):
        RuntimeError.__init__(self, f"Not learning at step {step}: {metric} is {value:.3g}. "
                                    f"{advice}")
        self.step, self.metric, self.value, self.advice = step, metric, value, advice


class DeviceUnavailable(RuntimeError):
    """The requested compute device does not exist on this machine."""


@dataclass
class Snapshot:
    """What one picture of a run needs. Only numpy copies sized for display."""

    step: int
    epoch: int = 0
    elapsed: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    history: dict[str, np.ndarray] = field(default_factory=dict)
    final: bool = False


class Control:
    """Cooperative pause / stop / step between a runner and an engine thread.

    The engine calls :meth:`checkpoint` once per batch and yields a snapshot when
    :meth:`due` says so (time-throttled). All methods are thread-safe.
    """

    def __init__(self, snapshot_hz: float = 25.0):
        self.interval = 1.0 / snapshot_hz
        # Edits (e.g. a wall clicked in the panel) wait here until the engine's thread
        # applies them in checkpoint(): the engine is never changed in the middle of a step.
        self._edits: list = []
        self._edit_lock = threading.Lock()
        self.edit_handler = None           # callable(list of edits), set by the host
        self._speed = 0.0                  # steps per second; 0 = as fast as possible
        self._next_step_at = 0.0
        # Set by every command, so a parked or slow-motion engine wakes at once.
        self._wake = threading.Event()
        self._cancel = threading.Event()
        self._running = threading.Event()  # cleared = paused
        self._running.set()
        self._parked = threading.Event()   # set while the engine waits in a pause
        self._step_pending = False
        self._last_emit = -math.inf
        self._active = 0.0                 # seconds spent running, pauses excluded
        self._last_yield = 0.0
        self._since = time.perf_counter()

    # --- called by the engine thread ---------------------------------------------
    def checkpoint(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()
        self._apply_edits()
        if not self._running.is_set():
            self._park()
        while self._speed > 0.0 and not self._take_slot():
            # Slow motion: wait for this step's slot, still answering edits and pauses.
            self._wake.wait(min(0.05, max(0.0, self._next_step_at - time.perf_counter())))
            self._wake.clear()
            if self._cancel.is_set():
                raise Cancelled()
            self._apply_edits()
            if not self._running.is_set():
                self._park()
        # Give the GUI thread a chance at the GIL every few ms (not every batch: a
        # sleep(0) costs ~0.1 ms, a lot next to a small model's step).
        now = time.perf_counter()
        if now - self._last_yield > 0.002:
            self._last_yield = now
            time.sleep(0)

    def _park(self) -> None:
        """Wait while paused (the engine's state is consistent here); edits still apply."""
        self._account()
        self._parked.set()
        while not self._running.is_set():
            self._wake.wait(0.05)
            self._wake.clear()
            if self._cancel.is_set():
                self._parked.clear()
                raise Cancelled()
            self._apply_edits()  # a paused maze can still be edited
        self._parked.clear()
        self._since = time.perf_counter()
        if self._cancel.is_set():
            raise Cancelled()

    def _take_slot(self) -> bool:
        """Slow motion: True (and book the next slot) once 1/speed has passed."""
        speed, now = self._speed, time.perf_counter()  # speed may change meanwhile
        if speed <= 0.0:
            return True
        if now < self._next_step_at:
            return False
        self._next_step_at = max(now, self._next_step_at) + 1.0 / speed
        return True

    def _apply_edits(self) -> None:
        if not self._edits or self.edit_handler is None:
            return
        with self._edit_lock:
            edits, self._edits = self._edits, []
        self.edit_handler(edits)

    def due(self) -> bool:
        if self._step_pending and self._speed > 0.0:
            return True   # slow motion: every step is worth a picture, one step per Step
        now = time.perf_counter()
        if now - self._last_emit >= self.interval:
            self._last_emit = now
            return True
        return False

    def emitted(self) -> None:
        """Called by drive() after each snapshot: ends a single step."""
        if self._step_pending:
            self._step_pending = False
            self.pause()

    def start_clock(self) -> None:
        """The run's time starts now (the engine is built): building it and importing its
        module are not training time."""
        self._active = 0.0
        self._since = time.perf_counter()

    def active_seconds(self) -> float:
        if self._running.is_set():
            return self._active + time.perf_counter() - self._since
        return self._active

    def _account(self) -> None:
        self._active += time.perf_counter() - self._since
        self._since = time.perf_counter()

    # --- called by the controller ---------------------------------------------------
    def pause(self) -> None:
        if self._running.is_set():
            self._account()
            self._running.clear()

    def resume(self) -> None:
        if not self._running.is_set():
            self._since = time.perf_counter()
            self._running.set()
        self._wake.set()

    def step(self) -> None:
        """Train for one snapshot interval, emit a snapshot, then pause again."""
        self._step_pending = True
        self._last_emit = time.perf_counter()
        self.resume()

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()
        self._wake.set()

    def post_edit(self, change: Edit) -> None:
        """Queue an edit (an engines.edits.Edit) for the engine; applied at its next
        checkpoint (also when paused)."""
        with self._edit_lock:
            self._edits.append(change)
        self._wake.set()

    def set_speed(self, steps_per_second: float) -> None:
        """Slow motion: at most this many steps per second (0 or less: no limit)."""
        self._speed = max(0.0, float(steps_per_second))
        self._next_step_at = 0.0
        self._wake.set()

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait_parked(self, timeout: float) -> bool:
        """Wait until the paused engine sits in checkpoint(): its state is consistent."""
        return self._parked.wait(timeout)


class MetricHistory:
    """Metric rows at a deterministic step cadence, thinned to stay display-sized.

    Rows are kept on the step grid ``step % stride == 0``. When ``capacity`` rows are
    stored, the stride doubles and the rows off the new grid are dropped, so long runs
    keep their whole shape in bounded memory. Columns live in numpy buffers, so a
    snapshot's copy costs one memcpy per column.
    """

    def __init__(self, capacity: int = 4000, stride: int = 1):
        self.capacity = capacity
        self.stride = stride
        self._n = 0
        self._cols: dict[str, np.ndarray] = {"step": np.empty(capacity)}

    def wants(self, step: int) -> bool:
        return step % self.stride == 0

    def __len__(self) -> int:
        return self._n

    def record(self, step: int, metrics: dict[str, float]) -> None:
        for name in metrics:
            if name not in self._cols:
                self._cols[name] = np.full(self.capacity, np.nan)
        row = self._n
        self._cols["step"][row] = step
        for name, column in self._cols.items():
            if name != "step":
                column[row] = float(metrics.get(name, np.nan))
        self._n += 1
        if self._n >= self.capacity:
            self._thin()

    def _thin(self) -> None:
        self.stride *= 2
        keep = np.flatnonzero(self._cols["step"][:self._n] % self.stride == 0)
        for column in self._cols.values():
            column[:keep.size] = column[keep]
            column[keep.size:] = np.nan
        self._n = keep.size

    def arrays(self) -> dict[str, np.ndarray]:
        """Columns as float arrays: 'step' plus one per metric (NaN where missing)."""
        return {name: column[:self._n].copy() for name, column in self._cols.items()}

    def state_dict(self) -> dict[str, Any]:
        return {"capacity": self.capacity, "stride": self.stride,
                "columns": {k: v[:self._n].tolist() for k, v in self._cols.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore; a state that cannot come from a real run raises ValueError first."""
        capacity, stride = int(state["capacity"]), int(state["stride"])
        columns = state["columns"]
        if not 1 <= capacity <= 1_000_000 or not 1 <= stride <= 2**40:
            raise ValueError(f"history capacity {capacity} / stride {stride} out of range")
        lengths = {len(values) for values in columns.values()}
        if "step" not in columns or len(lengths) != 1 or lengths.pop() > capacity:
            raise ValueError("history columns of different lengths or over capacity")
        self.capacity, self.stride = capacity, stride
        self._n = len(columns["step"])
        self._cols = {}
        for name, values in columns.items():
            buffer = np.full(self.capacity, np.nan)
            buffer[:self._n] = values
            self._cols[name] = buffer


class Engine:
    """Base class of every demo engine.

    Subclasses set ``Config``, build everything in ``__init__`` from ``cfg`` (seeded
    generators only, never the global RNG) and implement ``train_step``,
    ``history_metrics``, ``snapshot``, ``state_dict`` and ``load_state_dict``; the shared
    ``run`` loop continues from ``self.step``, so a restored engine goes on with the same
    numbers.
    """

    Config: type[ConfigBase] = ConfigBase
    #: Advice shown when a metric turns NaN/Inf (or blows up, see below).
    divergence_advice = "Try a smaller learning rate."
    #: A finite blow-up is a divergence too: when this metric (a loss) grows above
    #: ``blowup_factor`` times its first positive value, the run stops as diverged.
    #: None: the engine's metrics have no such rule (e.g. RL losses that grow with returns).
    blowup_metric: str | None = None
    blowup_factor = 1000.0

    def __init__(self, cfg: ConfigBase, device: str | None = None):
        if not isinstance(cfg, self.Config):
            raise TypeError(f"{type(self).__name__} needs a {self.Config.__name__}")
        self.cfg = cfg
        self.device = pick_device(device)
        self.step = 0
        self.elapsed_before = 0.0  # seconds of training done before a restore
        self.history = MetricHistory()

    def run(self, ctl: Control) -> Iterator[Snapshot]:
        """Train from ``self.step`` up to ``cfg.steps`` (so a restored engine goes on).

        One ``train_step()`` per step, with a checkpoint before it; ``history_metrics()``
        recorded at the history's deterministic cadence (and at step 0); a snapshot when
        the Control says one is due, and always a final one.
        """
        if self.step == 0 and len(self.history) == 0:
            self.history.record(0, self.history_metrics())
        while self.step < self.last_step():
            ctl.checkpoint()
            self.train_step()
            self.step += 1
            if self.history.wants(self.step):
                self.history.record(self.step, self.history_metrics())
            if ctl.due():
                yield self.snapshot()
        yield self.snapshot(final=True)

    def last_step(self) -> int:
        """The run ends when ``self.step`` reaches this (default ``cfg.steps``; e.g. MNIST
        ends earlier, after its last epoch)."""
        return self.cfg.steps

    def train_step(self) -> None:  # pragma: no cover - abstract
        """One optimisation (or environment) step; ``self.step`` is advanced by run()."""
        raise NotImplementedError

    def history_metrics(self) -> dict[str, float]:  # pragma: no cover - abstract
        """The metrics recorded into ``self.history``."""
        raise NotImplementedError

    def snapshot(self, final: bool = False) -> Snapshot:  # pragma: no cover - abstract
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def load_state_dict(self, state: dict[str, Any]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def not_learning(self, snap: Snapshot) -> tuple[str, float, str] | None:
        """(metric, value, advice) when the run, though finite, has clearly stopped
        learning (checked on every snapshot; the run then ends as NotLearning). Default:
        no such rule."""
        return None

    def apply_edit(self, change: Edit) -> None:
        """Change the engine's world mid-run (e.g. a wall clicked in the panel).

        ``change`` is one of the topic's frozen edit dataclasses (engines.edits.Edit);
        dispatch on its type. Called between steps on the engine's thread. Raise ValueError
        with a message for the user, leaving the engine unchanged, when the edit is refused
        (also for an edit type the engine does not take: name it).
        """
        raise ValueError(f"{type(self).__name__} has nothing that can be edited "
                         f"(got {type(change).__name__})")

    # Shared part of every state_dict: progress and metric history.
    def base_state(self) -> dict[str, Any]:
        return {"step": self.step, "elapsed": self.elapsed_before,
                "history": self.history.state_dict()}

    def load_base_state(self, state: dict[str, Any]) -> None:
        step, elapsed = int(state["step"]), float(state["elapsed"])
        if step < 0 or not math.isfinite(elapsed) or elapsed < 0:
            raise ValueError(f"step {step} / elapsed {elapsed} cannot come from a run")
        self.step = step
        self.elapsed_before = elapsed
        self.history.load_state_dict(state["history"])


def drive(engine: Engine, ctl: Control) -> Iterator[Snapshot]:
    """Iterate an engine's run with divergence detection and single-step support.

    Stopping (Control.cancel) ends the iteration with one last snapshot marked final,
    so the caller always has the run's full history. A NaN/Inf metric raises Diverged.
    """
    offset = engine.elapsed_before
    watch = BlowUpWatch(engine)
    try:
        for snap in engine.run(ctl):
            snap.elapsed = offset + ctl.active_seconds()
            check_finite(snap, engine.divergence_advice)
            watch.check(snap)
            stalled = engine.not_learning(snap)
            if stalled is not None:
                raise NotLearning(snap.step, *stalled)
            yield snap
            ctl.emitted()
    except Cancelled:
        snap = engine.snapshot(final=True)
        snap.elapsed = offset + ctl.active_seconds()
        yield snap
    finally:
        engine.elapsed_before = offset + ctl.active_seconds()


class BlowUpWatch:
    """Engine.blowup_metric above blowup_factor × its first positive value: Diverged."""

    def __init__(self, engine: Engine):
        self.metric, self.factor = engine.blowup_metric, engine.blowup_factor
        self.advice = engine.divergence_advice
        self.first: float | None = None

    def check(self, snap: Snapshot) -> None:
        value = snap.metrics.get(self.metric) if self.metric else None
        if value is None or not math.isfinite(value):
            return
        if self.first is None:
            # the value before training (history row 0) when there is one
            column = snap.history.get(self.metric)
            known = [] if column is None else [v for v in column[:4]
                                               if math.isfinite(v) and v > 0]
            self.first = known[0] if known else (value if value > 0 else None)
            if self.first is None or not known:
                return
        if value > self.factor * self.first:
            raise Diverged(snap.step, self.metric, value,
                           f"It grew over {self.factor:g}× its first value "
                           f"({self.first:.3g}). {self.advice}")


def check_finite(snap: Snapshot, advice: str) -> None:
    for name, value in snap.metrics.items():
        if not math.isfinite(value):
            raise Diverged(snap.step, name, value, advice)


# ---- devices ------------------------------------------------------------------------
def available_devices() -> list[str]:
    import torch

    found = ["cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return found


def cpu_threads() -> int:
    """torch intra-op threads on the CPU: 1 unless ML_WORKBENCH_TORCH_THREADS says otherwise.

    The demos' tensors are small: a second OpenMP thread gains little, and on a 2-core
    machine whose other core draws the GUI (or runs anything else) its spin-waiting made
    a training step over 10x slower. One thread also keeps the GUI and the CLI on the
    same reduction order, so the same seed gives the same numbers in both.
    """
    try:
        return max(1, int(os.environ.get("ML_WORKBENCH_TORCH_THREADS", "1")))
    except ValueError:
        return 1


#: The thread counts of numpy's BLAS, read once when a process loads it.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


@contextmanager
def engine_thread_environment():
    """Spawn children with numpy's BLAS on as many threads as torch (cpu_threads, 1 by
    default) unless the user set the variables: for the demos' small matrices OpenBLAS's
    extra threads cost more than they gain, and they compete with the GUI for the other
    core. Measured on 2 idle cores: representation/linear 113 steps/s with OpenBLAS's
    default, 145 with one thread, the same numbers."""
    added = [name for name in BLAS_THREAD_VARIABLES if name not in os.environ]
    for name in added:
        os.environ[name] = str(cpu_threads())
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def pick_device(requested: str | None = None):
    """``cuda`` > ``mps`` > ``cpu`` unless a device is requested; unknown ones raise."""
    import torch

    if torch.get_num_threads() != cpu_threads():
        torch.set_num_threads(cpu_threads())
    have = available_devices()
    if requested in (None, "", "auto"):
        for name in ("cuda", "mps", "cpu"):
            if name in have:
                return torch.device(name)
    name = str(requested).split(":")[0]
    if name not in ("cpu", "cuda", "mps"):
        raise DeviceUnavailable(f"Unknown device {requested!r}; use cpu, cuda or mps.")
    if name not in have:
        raise DeviceUnavailable(
            f"Device {requested!r} is not available on this machine "
            f"(available: {', '.join(have)}).")
    return torch.device(requested)


def device_label(device=None) -> str:
    """'CPU' or the GPU's name, for the status bar and the About dialog."""
    import torch

    device = device if device is not None else pick_device(None)
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "GPU: Apple MPS"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'s' if threads > 1 else ''})"
