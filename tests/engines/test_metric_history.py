"""MetricHistory: deterministic cadence, thinning on the stride grid, persistence."""
from __future__ import annotations

import numpy as np

from engines.runtime import MetricHistory


def fill(history: MetricHistory, steps: int, start: int = 0) -> None:
    for step in range(start, steps + 1):
        if history.wants(step):
            history.record(step, {"loss": 1.0 / (step + 1), "acc": step / steps})


def test_thinning_keeps_rows_on_the_stride_grid_and_bounded():
    h = MetricHistory(capacity=100)
    fill(h, 10_000)
    cols = h.arrays()
    assert len(h) < 100
    assert h.stride in (128, 256)
    assert np.all(cols["step"] % h.stride == 0)
    assert cols["step"][0] == 0 and np.all(np.diff(cols["step"]) == h.stride)
    np.testing.assert_allclose(cols["loss"], 1.0 / (cols["step"] + 1))


def test_thinning_without_a_row_at_step_zero_stays_on_the_grid():
    h = MetricHistory(capacity=16, stride=1)
    fill(h, 1000, start=3)
    assert np.all(h.arrays()["step"] % h.stride == 0)


def test_a_metric_that_appears_later_is_nan_before():
    h = MetricHistory()
    h.record(0, {"a": 1.0})
    h.record(1, {"a": 2.0, "b": 5.0})
    cols = h.arrays()
    assert np.isnan(cols["b"][0]) and cols["b"][1] == 5.0


def test_arrays_are_copies():
    h = MetricHistory()
    h.record(0, {"a": 1.0})
    cols = h.arrays()
    cols["a"][0] = 99.0
    assert h.arrays()["a"][0] == 1.0


def test_state_round_trip_continues_identically():
    a = MetricHistory(capacity=64)
    fill(a, 500)
    b = MetricHistory()
    b.load_state_dict(a.state_dict())
    for h in (a, b):
        fill(h, 900, start=501)
    for name, column in a.arrays().items():
        np.testing.assert_array_equal(column, b.arrays()[name])
    assert a.stride == b.stride
