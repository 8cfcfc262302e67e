"""Garbage made in the GUI thread dies in the GUI thread, even while a worker thread
allocates past the collection threshold (a worker collecting a closed window's Qt objects
deadlocked with the GUI thread: workbench/gui_gc.py)."""
from __future__ import annotations

import gc
import threading

import pytest

from workbench import gui_gc

pytestmark = pytest.mark.gui


class Node:
    """One half of a reference cycle that records which thread finalised it."""

    died_in: list[str] = []

    def __init__(self):
        self.other = None

    def __del__(self):
        Node.died_in.append(threading.current_thread().name)


def make_cycle() -> None:
    a, b = Node(), Node()
    a.other, b.other = b, a      # unreachable on return: only a collection frees it


def allocate_a_lot(started: threading.Event, go_on: threading.Event) -> None:
    started.set()
    go_on.wait(10)
    keep = [[i] for i in range(200_000)]   # containers: far past every generation's threshold
    del keep


def run_worker(watched: bool) -> list[str]:
    Node.died_in = []
    started, go_on = threading.Event(), threading.Event()
    worker = threading.Thread(target=allocate_a_lot, args=(started, go_on), name="worker")
    if watched:
        gui_gc.start_collecting_in_gui_thread(worker)
    else:
        worker.start()
    started.wait(10)
    make_cycle()                 # young garbage, made after the watch's own collection
    go_on.set()
    worker.join(10)
    if watched:
        assert Node.died_in == []            # 200,000 allocations, no collection there
        assert not gc.isenabled()
        gui_gc.thread_joined()               # the GUI thread collects and switches back
        assert gc.isenabled()
    else:
        gc.collect()
    return Node.died_in


def test_a_watched_workers_allocations_leave_the_garbage_to_the_gui_thread(qapp):
    assert gc.isenabled()
    assert run_worker(True) == ["MainThread", "MainThread"]
    assert not gui_gc.collector().active


def test_the_timer_collects_while_the_worker_runs(qtbot):
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, args=(10,), name="waiting worker")
    gui_gc.start_collecting_in_gui_thread(worker)
    try:
        Node.died_in = []
        make_cycle()
        keep = [[i] for i in range(2 * gc.get_threshold()[0])]    # a young collection due
        qtbot.waitUntil(lambda: Node.died_in == ["MainThread", "MainThread"], timeout=5000)
        del keep
        assert not gc.isenabled()
    finally:
        stop.set()
        worker.join(10)
    qtbot.waitUntil(gc.isenabled, timeout=5000)    # the next tick notices the end
    assert not gui_gc.collector().active


def test_unwatched_the_worker_collects_it(qapp):
    # the hazard the collector removes: the same garbage dies in the worker thread
    assert run_worker(False) == ["worker", "worker"]


def test_the_collector_picks_the_generation_as_cpython_does(qapp):
    collector = gui_gc.GuiThreadCollector()
    gc.collect()
    gc.disable()
    try:
        assert collector.collect_due() is None          # nothing allocated yet
        keep = [[i] for i in range(2 * gc.get_threshold()[0])]
        assert collector.collect_due() == 0
        assert gc.get_count()[0] < gc.get_threshold()[0]
        del keep
    finally:
        gc.enable()


def test_a_thread_that_cannot_start_does_not_hold_collection_off(qapp, monkeypatch):
    worker = threading.Thread(target=lambda: None, name="never")

    def refuse():
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(worker, "start", refuse)
    with pytest.raises(RuntimeError):
        gui_gc.start_collecting_in_gui_thread(worker)
    assert gc.isenabled() and not gui_gc.collector().active
