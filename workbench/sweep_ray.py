"""The Ray backend of `ml-workbench sweep --ray ADDRESS|auto|local` (the `cluster` extra).

Imported only when --ray is given. Every job is one Ray task asking for one CPU, so Ray
spreads them over the cluster's cores; a task runs workbench.sweep.run_job with one torch
thread, exactly what a local pool worker does, so both give the same table.

* ``auto`` or an address (``ray://head:10001``, ``head:6379``) connects to a running
  cluster; its nodes need ml-workbench installed (``pip install ml-workbench[cluster]``).
* ``local`` starts a private Ray on this machine with --workers CPUs (and ends it after).
* If Ray is already initialised in this process (a script or a test did ``ray.init``), that
  connection is used as it is.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, Sequence

from workbench.headless import UsageError
from workbench.paths import ROOT
from workbench.sweep import FAILED, STOPPED, Job, RunResult, run_job

THREAD_ENV = {"ML_WORKBENCH_TORCH_THREADS": "1", "OMP_NUM_THREADS": "1"}


def check_available() -> None:
    try:
        import ray  # noqa: F401
    except ImportError:
        raise UsageError("--ray needs Ray: pip install 'ml-workbench[cluster]' "
                         "(or pip install ray)") from None


def _task(job: Job) -> RunResult:
    from workbench.sweep import one_thread

    one_thread()
    return run_job(job)


def _connect(address: str, workers: int) -> bool:
    """Connect (or start a local Ray); True when this call started it."""
    import ray

    if ray.is_initialized():
        return False
    env = dict(THREAD_ENV)
    kwargs = {}
    if address == "local":
        # Same machine: the workers import this checkout.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        kwargs = {"num_cpus": max(1, workers), "include_dashboard": False}
        address = None
    try:
        ray.init(address=address, runtime_env={"env_vars": env}, log_to_driver=False,
                 configure_logging=False, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise UsageError(f"--ray {address or 'local'}: cannot connect to Ray ({exc})") from None
    return True


def run_jobs(jobs: Sequence[Job], address: str, workers: int,
             finished: Callable[[RunResult], None], stop: threading.Event) -> None:
    check_available()
    import ray

    started_here = _connect(address, workers)
    try:
        options = {"num_cpus": 1, "max_retries": 0}
        if not started_here:
            # An existing connection: make sure the tasks find this checkout and one thread.
            env = dict(THREAD_ENV)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
            options["runtime_env"] = {"env_vars": env}
        remote = ray.remote(**options)(_task)
        pending = {remote.remote(job): job for job in jobs}
        cancelled = False
        while pending:
            try:
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.2)
            except KeyboardInterrupt:
                stop.set()
                ready = []
            if stop.is_set() and not cancelled:
                cancelled = True
                for ref in pending:
                    ray.cancel(ref)
            for ref in ready:
                job = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - cancelled or the worker died
                    status = STOPPED if cancelled else FAILED
                    result = RunResult(job.run_id, dict(job.point), job.seed, status,
                                       error="" if cancelled else
                                       f"{type(exc).__name__}: {exc}"[:500])
                finished(result)
    finally:
        if started_here:
            ray.shutdown()
