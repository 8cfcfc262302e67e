"""Children (engine hosts, sweep workers) are spawned with numpy's BLAS on torch's
thread count, and the caller's environment is left as it was."""
from __future__ import annotations

import multiprocessing
import os

from engines.runtime import BLAS_THREAD_VARIABLES, engine_thread_environment


def _child_environment(queue) -> None:
    queue.put({name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES})


def test_spawned_child_gets_one_blas_thread_and_parent_is_restored(monkeypatch):
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ML_WORKBENCH_TORCH_THREADS", raising=False)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    with engine_thread_environment():
        child = context.Process(target=_child_environment, args=(queue,))
        child.start()
    seen = queue.get(timeout=60)
    child.join(60)
    assert seen == {name: "1" for name in BLAS_THREAD_VARIABLES}
    assert not any(name in os.environ for name in BLAS_THREAD_VARIABLES)


def test_a_users_setting_is_kept(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    monkeypatch.setenv("ML_WORKBENCH_TORCH_THREADS", "2")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    with engine_thread_environment():
        assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
        assert os.environ["MKL_NUM_THREADS"] == "2"      # torch's count where unset
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
    assert "MKL_NUM_THREADS" not in os.environ
