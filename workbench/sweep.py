"""Parameter sweeps: the same demo for a grid of settings and several seeds, headless.
(The plan lives in workbench.sweep_plan, the summary and progress bar in
workbench.sweep_summary; this module runs the jobs and keeps the results.)

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
import json
import math
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TextIO

from engines.runtime import engine_thread_environment
from engines.spec import load_object
from workbench.headless import UsageError
from workbench.sweep_plan import (  # noqa: F401 - re-exported: workbench.sweep is the API
    OK, DIVERGED, FAILED, STOPPED, FINISHED, MAX_RUNS, MAX_SEEDS, RESULTS, MANIFEST,
    HISTORIES, SNAPSHOT_HZ, PLAIN_LINE_EVERY_S, Axis, Job, RunResult, SweepPlan, parse_grid,
    format_value, run_id, make_plan, load_presets, preset_plan, preset_base)
from workbench.sweep_summary import (  # noqa: F401 - re-exported: workbench.sweep is the API
    Group, summarise, format_summary, SweepProgress)


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
    # The workers (spawned as jobs are submitted) get one BLAS thread each, like torch's.
    with engine_thread_environment(), \
            ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
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

