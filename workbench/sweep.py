"""Parameter sweeps: the same demo for a grid of settings and several seeds, headless.

Qt-free (the GUI's sweep window and `ml-workbench sweep` both use it). The pieces:

* :func:`make_plan` turns ``--grid KEY=V1,V2,…`` items, a seed count and a base config into
  a :class:`SweepPlan`: every combination is validated through the demo's Config before
  anything runs, so a bad value is reported like ``--set`` reports it.
* :func:`run_job` trains one combination and one seed to the end and returns a
  :class:`RunResult`; a diverging or failing run is a result with its status and message,
  never an exception, so it cannot stop the others.
* :func:`run_sweep` runs the jobs: in a local process pool (spawn, one torch thread per
  worker) or, with ``ray=ADDRESS``, as Ray tasks (workbench.sweep_ray, imported only then).
  A :class:`ResultStore` writes ``results.csv`` (one row per run: run_id, the swept
  settings, seed, status, steps, wall_s, the final metrics, error) and one history CSV per
  run into ``histories/`` as runs finish, and skips finished runs when run again.
* :func:`summarise` groups the runs by setting: mean and spread over seeds.
"""
from __future__ import annotations

import csv
import itertools
import json
import math
import multiprocessing as mp
import os
import re
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TextIO

from engines.config import ConfigBase, ConfigError, field_meta, field_type
from engines.spec import DemoSpec, load_object
from workbench.headless import UsageError

OK, DIVERGED, FAILED, STOPPED = "ok", "diverged", "failed", "stopped"
#: Statuses of a run that is over: skipped when the sweep is run again with the same --out.
FINISHED = (OK, DIVERGED, FAILED)
MAX_RUNS = 10_000
MAX_SEEDS = 1000
RESULTS = "results.csv"
MANIFEST = "sweep.json"
HISTORIES = "histories"
#: Snapshots per second inside a sweep run: only used to notice a stop request.
SNAPSHOT_HZ = 5.0
PLAIN_LINE_EVERY_S = 2.0


# ---- the plan ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Axis:
    key: str
    values: tuple


@dataclass(frozen=True)
class Job:
    run_id: str
    point: tuple[tuple[str, Any], ...]   # the swept settings of this run, in axis order
    seed: int
    config: ConfigBase                   # the full config (base + point + seed)
    engine: str                          # "module:EngineClass"
    device: str | None = None


@dataclass
class RunResult:
    run_id: str
    point: dict[str, Any]
    seed: int
    status: str
    steps: int = 0
    wall_s: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)
    error: str = ""
    history: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True)
class SweepPlan:
    panel: str
    spec: DemoSpec
    preset: str
    base: ConfigBase
    axes: tuple[Axis, ...]
    seeds: tuple[int, ...]
    jobs: tuple[Job, ...]

    @property
    def keys(self) -> list[str]:
        return [axis.key for axis in self.axes]

    def manifest(self) -> dict[str, Any]:
        """What identifies the sweep: a folder is only resumed for the same base setup."""
        base = {k: v for k, v in self.base.to_dict().items() if k not in ("seed", *self.keys)}
        return {"panel": self.panel, "demo": self.spec.name, "preset": self.preset,
                "axes": self.keys, "base": base}


def parse_grid(item: str) -> tuple[str, list[str]]:
    """'KEY=V1,V2,…' -> (key, [raw values]); malformed items raise UsageError."""
    key, sep, values = item.partition("=")
    raw = [v.strip() for v in values.split(",")] if sep else []
    if not sep or not key.strip() or not any(raw):
        raise UsageError(f"--grid {item}: expected KEY=V1,V2,…, e.g. --grid lr=0.01,0.1,1")
    if any(v == "" for v in raw):
        raise UsageError(f"--grid {item}: empty value in the list")
    return key.strip(), raw


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def run_id(point: Iterable[tuple[str, Any]], seed: int) -> str:
    """A readable, file-name-safe id: eta=0.1_batch=8_seed=0."""
    parts = [f"{k}={format_value(v)}" for k, v in point] + [f"seed={seed}"]
    return re.sub(r"[^A-Za-z0-9._=+-]", "-", "_".join(parts))


def make_plan(panel: str, spec: DemoSpec, base: ConfigBase,
              grids: Sequence[str | tuple[str, Sequence[Any]]], seeds: int = 1,
              preset: str | None = None, device: str | None = None) -> SweepPlan:
    """Validate every value and every combination; the base config's seed is the first seed.

    ``grids`` items are ``"KEY=V1,V2"`` strings (the CLI) or ``(key, values)`` pairs (the
    GUI, values raw strings or typed). Errors are UsageErrors naming the option.
    """
    cls = type(base)
    axes: list[Axis] = []
    for item in grids:
        if isinstance(item, str):
            key, raw = parse_grid(item)
            label = f"--grid {item}"
        else:
            key, raw = item[0], list(item[1])
            label = f"--grid {key}={','.join(format_value(v) for v in raw)}"
            if not raw:
                raise UsageError(f"{label}: no values given")
        if key == "seed":
            raise UsageError(f"{label}: seeds are swept with --seeds K (each setting then "
                             f"runs with seeds {base.seed} … {base.seed}+K−1)")
        if key in (a.key for a in axes):
            raise UsageError(f"{label}: {key} is swept twice; give all its values in one "
                             "--grid")
        values = []
        for value in raw:
            try:
                cfg = cls.from_dict({key: value}, base=base)
            except ConfigError as exc:
                raise UsageError(f"{label}: {exc}") from None
            typed = getattr(cfg, key)
            if typed in values:
                raise UsageError(f"{label}: {format_value(typed)} is listed twice")
            values.append(typed)
        axes.append(Axis(key, tuple(values)))
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
        raise UsageError(f"--seeds {seeds}: allowed 1 … {MAX_SEEDS}")
    first = int(base.seed)
    if first + seeds - 1 > int(field_meta(cls, "seed").get("max") or 2**31 - 1):
        raise UsageError(f"--seeds {seeds}: seeds from {first} would pass the largest seed")
    count = math.prod(len(a.values) for a in axes) * seeds
    if count > MAX_RUNS:
        raise UsageError(f"{count} runs in this sweep; at most {MAX_RUNS} (fewer values "
                         "or seeds)")
    seed_list = tuple(range(first, first + seeds))
    jobs = []
    for combo in itertools.product(*(a.values for a in axes)):
        point = tuple(zip((a.key for a in axes), combo))
        try:
            at_point = cls.from_dict(dict(point), base=base)
        except ConfigError as exc:   # a Config that checks fields against each other
            shown = ", ".join(f"{k}={format_value(v)}" for k, v in point)
            raise UsageError(f"--grid combination {shown}: {exc}") from None
        for seed in seed_list:
            jobs.append(Job(run_id(point, seed), point, seed, at_point.replace(seed=seed),
                            spec.engine, device))
    return SweepPlan(panel, spec, preset or "defaults", base, tuple(axes), seed_list,
                     tuple(jobs))


# ---- ready-made sweeps (resources/sweeps/<panel-id>.json) ------------------------------
def load_presets(panel: str, directory: Path | None = None) -> dict[str, dict[str, dict]]:
    """{demo: {name: entry}}; an entry has "grid" ({key: [values]}) and optionally
    "preset", "set", "seeds", "metric", "reference" (a metric drawn as the theory line),
    "log_x", "log_y", "about"."""
    from workbench.paths import RESOURCES

    path = (directory or RESOURCES / "sweeps") / f"{panel}.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read sweep presets {path.name}: {exc}") from None
    return {demo: {name: e for name, e in table.items() if isinstance(e, dict)}
            for demo, table in data.items() if isinstance(table, dict)}


def preset_plan(panel: str, demo: str, name: str, workers_hint: int | None = None
                ) -> tuple[SweepPlan, dict]:
    """The plan of a ready-made sweep and its entry (for the plot settings)."""
    entry = load_presets(panel).get(demo, {}).get(name)
    if entry is None:
        raise UsageError(f"unknown sweep preset {name!r} for {panel}/{demo}")
    spec, base = preset_base(panel, demo, entry)
    grids = [(k, list(v)) for k, v in entry.get("grid", {}).items()]
    return make_plan(panel, spec, base, grids, int(entry.get("seeds", 1)),
                     entry.get("preset")), entry


def preset_base(panel: str, demo: str, entry: dict) -> tuple[DemoSpec, ConfigBase]:
    """The fixed settings of a ready-made sweep: its demo preset plus its "set" values."""
    from workbench.headless import build_config, resolve

    spec, base = resolve(panel, demo, entry.get("preset"))
    sets = [f"{k}={format_value(v)}" for k, v in entry.get("set", {}).items()]
    return spec, build_config(base, sets)


# ---- one run ----------------------------------------------------------------------------
def run_job(job: Job, stop=None) -> RunResult:
    """Train one job to the end (or until ``stop`` is set); never raises for the run's
    own failures: they become the result's status and error."""
    from engines.runtime import Control, Diverged, drive

    started = time.perf_counter()
    ctl = Control(snapshot_hz=SNAPSHOT_HZ)
    result = RunResult(job.run_id, dict(job.point), job.seed, OK)
    engine = last = None
    try:
        engine = load_object(job.engine)(job.config, device=job.device)
        if stop is not None and stop.is_set():
            ctl.cancel()
        for snap in drive(engine, ctl):
            last = snap
            if stop is not None and stop.is_set():
                ctl.cancel()
        if ctl.cancelled:
            result.status = STOPPED
    except Diverged as exc:
        result.status, result.error = DIVERGED, str(exc)
    except Exception as exc:  # noqa: BLE001 - a failing run is reported in its row
        result.status, result.error = FAILED, f"{type(exc).__name__}: {exc}"[:500]
    result.wall_s = time.perf_counter() - started
    if engine is not None:
        result.steps = int(engine.step)
        history = engine.history.arrays()
        result.history = history
        if last is not None and last.metrics and result.status != DIVERGED:
            result.metrics = {k: float(v) for k, v in last.metrics.items()}
        else:   # diverged: the last recorded row (the values that blew up included)
            result.metrics = {k: float(v[-1]) for k, v in history.items()
                              if k != "step" and len(v)}
    return result


_STOP = None   # the pool worker's stop event (set by _init_worker)


def _init_worker(stop) -> None:
    """Pool worker set-up: Ctrl+C is the parent's business, one torch thread."""
    global _STOP
    _STOP = stop
    from workbench.engine_host import end_with_parent

    end_with_parent()   # a worker never outlives the sweep's process
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:   # pragma: no cover - not the main thread
        pass
    one_thread()


def one_thread() -> None:
    os.environ["ML_WORKBENCH_TORCH_THREADS"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)


def _pool_job(job: Job) -> RunResult:
    return run_job(job, _STOP)


# ---- results on disk --------------------------------------------------------------------
class ResultStore:
    """results.csv + histories/<run_id>.csv + sweep.json in one folder; resumable."""

    def __init__(self, out: str | Path, plan: SweepPlan):
        self.dir = Path(out)
        self.plan = plan
        self.rows: dict[str, RunResult] = {}
        self.metric_names: list[str] = []
        self._done: dict[str, RunResult] | None = None

    def open(self) -> dict[str, RunResult]:
        """Create the folder or check it holds the same sweep; returns the finished runs."""
        if self._done is not None:
            return self._done
        if self.dir.exists() and not self.dir.is_dir():
            raise UsageError(f"--out {self.dir}: is a file; give a folder")
        manifest = self.dir / MANIFEST
        if manifest.exists():
            try:
                old = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise UsageError(f"--out {self.dir}: cannot read {MANIFEST} ({exc})") from None
            new = json.loads(json.dumps(self.plan.manifest()))
            if old != new:
                changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
                raise UsageError(f"--out {self.dir} holds a different sweep ("
                                 f"{', '.join(changed)} not the same); choose another folder")
        try:
            (self.dir / HISTORIES).mkdir(parents=True, exist_ok=True)
            manifest.write_text(json.dumps(self.plan.manifest(), indent=1), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--out {self.dir}: cannot write there ({exc.strerror})") from None
        self._read_existing()
        self._done = {rid: r for rid, r in self.rows.items() if r.finished}
        return self._done

    def _read_existing(self) -> None:
        path = self.dir / RESULTS
        if not path.exists():
            return
        cls = type(self.plan.base)
        fixed = {"run_id", "seed", "status", "steps", "wall_s", "error", *self.plan.keys}
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row.get("status") not in FINISHED or not row.get("run_id"):
                    continue
                try:
                    point = {k: getattr(cls.from_dict({k: row[k]}, base=self.plan.base), k)
                             for k in self.plan.keys}
                    result = RunResult(row["run_id"], point, int(row["seed"]), row["status"],
                                       int(row["steps"] or 0), float(row["wall_s"] or 0),
                                       {k: _read_float(v) for k, v in row.items()
                                        if k not in fixed and k is not None},
                                       row.get("error", ""))
                except (KeyError, ValueError, TypeError):
                    continue   # a row we cannot read is run again
                self._remember(result)

    def load_history(self, rid: str) -> dict[str, Any] | None:
        path = self.dir / HISTORIES / f"{rid}.csv"
        if not path.exists():
            return None
        import numpy as np

        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        if not rows:
            return None
        head, body = rows[0], rows[1:]
        return {name: np.array([_read_float(r[i]) if i < len(r) else math.nan for r in body])
                for i, name in enumerate(head)}

    def _remember(self, result: RunResult) -> None:
        self.rows[result.run_id] = result
        for name in result.metrics:
            if name not in self.metric_names:
                self.metric_names.append(name)

    def add(self, result: RunResult) -> None:
        """Record a run that is over (a stopped one is not kept: it runs again next time)."""
        if not result.finished:
            return
        if result.history:
            from workbench.export_csv import write_history_csv

            write_history_csv(self.dir / HISTORIES / f"{result.run_id}.csv", result.history)
        self._remember(result)
        self.write()

    def write(self) -> Path:
        """Rewrite results.csv (atomically: a Ctrl+C never leaves half a table)."""
        path = self.dir / RESULTS
        tmp = path.with_suffix(".csv.tmp")
        write_table(tmp, self.plan.keys, self.rows.values(), self.metric_names)
        os.replace(tmp, path)
        return path


def write_table(path: str | Path, keys: Sequence[str], results: Iterable[RunResult],
                metric_names: Sequence[str] | None = None) -> Path:
    """The tidy table: run_id, settings, seed, status, steps, wall_s, metrics…, error."""
    results = list(results)
    if metric_names is None:
        metric_names = []
        for r in results:
            metric_names += [m for m in r.metrics if m not in metric_names]
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["run_id", *keys, "seed", "status", "steps", "wall_s",
                         *metric_names, "error"])
        for r in results:
            writer.writerow([r.run_id, *(format_value(r.point[k]) for k in keys), r.seed,
                             r.status, r.steps, f"{r.wall_s:.4f}",
                             *(_cell(r.metrics.get(m, math.nan)) for m in metric_names),
                             r.error])
    return path


def _cell(value: float) -> str:
    value = float(value)
    return "" if math.isnan(value) else repr(value)


def _read_float(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "") else math.nan
    except ValueError:
        return math.nan


# ---- running the jobs -------------------------------------------------------------------
@dataclass
class SweepOutcome:
    results: list[RunResult]        # this sweep's runs in plan order (skipped ones included)
    skipped: int                    # finished before, not run again
    stopped: bool
    wall_s: float
    table: Path | None = None


def run_sweep(plan: SweepPlan, workers: int = 2, out: str | Path | None = None,
              ray: str | None = None, stop: threading.Event | None = None,
              on_result: Callable[[RunResult], None] | None = None,
              store: ResultStore | None = None) -> SweepOutcome:
    """Run every job not finished before; ``on_result`` is called (in this thread) as each
    one ends. ``workers=0`` runs the jobs one by one in this process. Setting ``stop``
    (or Ctrl+C here) stops the running jobs at their next step and drops the queued ones."""
    started = time.perf_counter()
    stop = stop or threading.Event()
    if store is None and out is not None:
        store = ResultStore(out, plan)
    done = store.open() if store is not None else {}
    todo = [job for job in plan.jobs if job.run_id not in done]
    fresh: dict[str, RunResult] = {}

    def finished(result: RunResult) -> None:
        fresh[result.run_id] = result
        if store is not None:
            store.add(result)
        if on_result is not None:
            on_result(result)

    if todo:
        if ray is not None:
            from workbench import sweep_ray

            sweep_ray.run_jobs(todo, ray, workers, finished, stop)
        elif workers <= 0:
            for job in todo:
                if stop.is_set():
                    break
                finished(run_job(job, stop))
        else:
            _run_pool(todo, workers, finished, stop)
    results = []
    for job in plan.jobs:
        if job.run_id in done:
            results.append(done[job.run_id])
        elif job.run_id in fresh:
            results.append(fresh[job.run_id])
    stopped = stop.is_set() or any(r.status == STOPPED for r in fresh.values())
    table = store.dir / RESULTS if store is not None and store.rows else None
    return SweepOutcome(results, len(plan.jobs) - len(todo), stopped,
                        time.perf_counter() - started, table)


def _run_pool(jobs: list[Job], workers: int, finished: Callable[[RunResult], None],
              stop: threading.Event) -> None:
    ctx = mp.get_context("spawn")
    worker_stop = ctx.Event()
    workers = max(1, min(workers, len(jobs)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(worker_stop,)) as pool:
        pending = {pool.submit(_pool_job, job): job for job in jobs}
        try:
            while pending:
                try:
                    _collect(pending, finished, stop, worker_stop)
                except KeyboardInterrupt:   # Ctrl+C: stop the running jobs, keep the rest
                    stop.set()
        finally:   # however the loop ends, no worker trains on
            worker_stop.set()
            for future in pending:
                future.cancel()


def _collect(pending: dict, finished: Callable[[RunResult], None], stop: threading.Event,
             worker_stop) -> None:
    ready, _ = wait(list(pending), timeout=0.2, return_when=FIRST_COMPLETED)
    if stop.is_set() and not worker_stop.is_set():
        worker_stop.set()
        for future in pending:
            future.cancel()
    for future in ready:
        job = pending.pop(future)
        if future.cancelled():
            continue
        try:
            result = future.result()
        except BrokenProcessPool:
            result = RunResult(job.run_id, dict(job.point), job.seed, FAILED,
                               error="the worker process died (out of memory?)")
        except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
            result = RunResult(job.run_id, dict(job.point), job.seed, FAILED,
                               error=f"{type(exc).__name__}: {exc}"[:500])
        finished(result)
    for future in [f for f in pending if f.cancelled()]:
        pending.pop(future)


# ---- summary ----------------------------------------------------------------------------
@dataclass
class Group:
    point: dict[str, Any]
    runs: int
    ok: int
    mean: dict[str, float]
    spread: dict[str, float]   # sample standard deviation over seeds (0 for one seed)


def summarise(results: Sequence[RunResult], keys: Sequence[str],
              metrics: Sequence[str] | None = None) -> list[Group]:
    """Mean and spread over seeds of each setting; diverged/failed runs are counted but
    not averaged (their numbers are not a final state)."""
    groups: dict[tuple, list[RunResult]] = {}
    for r in results:
        groups.setdefault(tuple(r.point[k] for k in keys), []).append(r)
    out = []
    for combo, runs in groups.items():
        good = [r for r in runs if r.status == OK]
        names = metrics if metrics is not None else list(
            dict.fromkeys(m for r in runs for m in r.metrics))
        mean, spread = {}, {}
        for name in names:
            values = [r.metrics.get(name, math.nan) for r in good]
            values = [v for v in values if math.isfinite(v)]
            n = len(values)
            mean[name] = sum(values) / n if n else math.nan
            spread[name] = (math.sqrt(sum((v - mean[name]) ** 2 for v in values) / (n - 1))
                            if n > 1 else (0.0 if n else math.nan))
        out.append(Group(dict(zip(keys, combo)), len(runs), len(good), mean, spread))
    return out


def format_summary(results: Sequence[RunResult], keys: Sequence[str],
                   metrics: Sequence[str] | None = None, limit: int = 3) -> str:
    """A plain-text table: one line per setting, mean ± spread of the main metrics."""
    if metrics is None:
        metrics = list(dict.fromkeys(m for r in results for m in r.metrics))[:limit]
    groups = summarise(results, keys, metrics)
    head = [*keys, "ok/runs", *metrics]
    rows = [[*(format_value(g.point[k]) for k in keys), f"{g.ok}/{g.runs}",
             *(_pm(g.mean[m], g.spread[m]) for m in metrics)] for g in groups]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    lines = ["  ".join(str(c).rjust(w) for c, w in zip(row, widths)) for row in [head, *rows]]
    problems = [r for r in results if r.status in (DIVERGED, FAILED)]
    for r in problems[:10]:
        lines.append(f"{r.status}: {r.run_id}: {r.error}")
    if len(problems) > 10:
        lines.append(f"… and {len(problems) - 10} more runs that diverged or failed")
    return "\n".join(lines)


def _pm(mean: float, spread: float) -> str:
    if not math.isfinite(mean):
        return "–"
    return f"{mean:.4g} ± {spread:.2g}"


# ---- progress ---------------------------------------------------------------------------
class SweepProgress:
    """A progress bar on stderr: rewritten in place on a terminal, a line every 2 s else."""

    def __init__(self, total: int, skipped: int, stream: TextIO, width: int = 24):
        self.total, self.done, self.stream, self.width = total, skipped, stream, width
        self.counts = {OK: 0, DIVERGED: 0, FAILED: 0, STOPPED: 0}
        self.started = time.monotonic()
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last_plain = -math.inf
        self._fresh_total = total - skipped
        self._len = 0

    def update(self, result: RunResult | None = None) -> None:
        if result is not None:
            self.done += 1
            self.counts[result.status] = self.counts.get(result.status, 0) + 1
        elapsed = time.monotonic() - self.started
        fresh_done = sum(self.counts.values())
        left = (self._fresh_total - fresh_done) * elapsed / fresh_done if fresh_done else None
        filled = int(round(self.width * self.done / max(1, self.total)))
        bar = "#" * filled + "." * (self.width - filled)
        extra = "  ".join(f"{k} {v}" for k, v in self.counts.items() if v and k != OK)
        line = (f"[{bar}] {self.done}/{self.total} runs  {elapsed:.0f} s"
                + (f", ~{left:.0f} s left" if left is not None and fresh_done < self._fresh_total
                   else "") + (f"  {extra}" if extra else ""))
        if self.tty:
            self.stream.write("\r" + line.ljust(self._len))
            self._len = len(line)
        elif (time.monotonic() - self._last_plain >= PLAIN_LINE_EVERY_S
              or self.done == self.total):
            self._last_plain = time.monotonic()
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._len:
            self.stream.write("\n")
            self.stream.flush()


# ---- the command ------------------------------------------------------------------------
def main(panel: str, demo: str | None = None, preset: str | None = None,
         grids: Sequence[str] = (), seeds: int = 1, workers: int | None = None,
         ray: str | None = None, out: str | Path | None = None, sets: Sequence[str] = (),
         steps: int | None = None, metrics: Sequence[str] = (),
         stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`ml-workbench sweep`: exit 0 done (also with diverged/failed runs, reported in their
    rows), 2 bad arguments, 130 stopped with Ctrl+C (finished runs are kept)."""
    from workbench.headless import EXIT_INTERRUPTED, EXIT_OK, build_config, resolve

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    spec, base = resolve(panel, demo, preset)
    base = build_config(base, sets, steps)
    if not grids:
        raise UsageError("give at least one --grid KEY=V1,V2,…, e.g. --grid lr=0.01,0.1")
    plan = make_plan(panel, spec, base, grids, seeds, preset)
    for name in metrics:
        if not name:
            raise UsageError("--metric needs a name")
    if workers is None:
        workers = max(1, min(os.cpu_count() or 1, len(plan.jobs)))
    if workers < 1:
        raise UsageError(f"--workers {workers}: need at least 1")
    if ray is not None:
        from workbench import sweep_ray

        sweep_ray.check_available()
    store = ResultStore(out, plan) if out is not None else None
    done = store.open() if store is not None else {}
    where = f"Ray ({ray})" if ray is not None else f"{workers} local worker(s)"
    print(f"{panel}/{spec.name}: {len(plan.jobs)} runs ({' × '.join(str(len(a.values)) for a in plan.axes)}"
          f" settings × {len(plan.seeds)} seed(s)) on {where}"
          + (f"; {len(done)} finished before, skipped" if done else ""), file=stderr)
    progress = SweepProgress(len(plan.jobs), len(done), stderr)
    progress.update()
    outcome = run_sweep(plan, workers, ray=ray, store=store, on_result=progress.update)
    progress.close()
    if outcome.stopped:
        print("stopped: finished runs are kept" + (f" in {store.dir}; run the same command "
              "again to do the rest" if store is not None else ""), file=stderr)
    stdout.write(format_summary(outcome.results, plan.keys, list(metrics) or None) + "\n")
    stdout.flush()
    if store is not None and store.rows:
        print(f"wrote {store.dir / RESULTS} and {len(store.rows)} histories in "
              f"{store.dir / HISTORIES}", file=stderr)
    return EXIT_INTERRUPTED if outcome.stopped else EXIT_OK
