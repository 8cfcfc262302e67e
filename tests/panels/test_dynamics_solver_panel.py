"""The solver demos of the dynamics panel on screen: an implicit-layer run draws its fit,
each solver's residuals, the implicit gradient against the unrolled one and the cost over
k; a neural-ode run draws the field, path and observations of the spiral, and the crossing
task shows its map x ↦ x(1) pinned at the order bound in 1-d and the paths in the plane
(x, a₁) once augmented, the plot layout following the task."""
from __future__ import annotations

import numpy as np
import pytest

from tests.panels.helpers import make_window

pytestmark = pytest.mark.gui


def dynamics_panel(qtbot, tmp_path, demo: str):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("dynamics")
    panel.set_demo(demo)
    panel.set_speed(0.0)          # as fast as possible: the test waits for the end
    return window, panel


def run(qtbot, panel, preset: str, steps: int):
    panel.apply_preset(preset)
    panel.form.set_config(panel.form.config().replace(steps=steps))
    with qtbot.waitSignal(panel.runner.finished, timeout=60000) as done:
        assert panel.start()
    assert done.args == ["completed"]
    qtbot.waitUntil(lambda: panel.last_snapshot is not None and panel.last_snapshot.final,
                    timeout=10000)
    return panel.last_snapshot


def data(plot, key):
    """The data a curve was given (getData would return log10 on log axes)."""
    item = plot.curve(key)
    return np.asarray(item.xData), np.asarray(item.yData)


def test_implicit_run_draws_fit_residuals_gradients_and_costs(qtbot, tmp_path):
    window, panel = dynamics_panel(qtbot, tmp_path, "implicit")
    view = panel.view
    snap = run(qtbot, panel, "Newton (a few iterations)", 40)
    a, m = snap.arrays, snap.metrics
    np.testing.assert_allclose(data(view.fit, "fit")[1], a["y_fit"])
    # this run's solver (Newton) from the last step, the others from the comparison
    x, r = data(view.residual, "newton")
    np.testing.assert_array_equal(r, a["residuals"])
    np.testing.assert_array_equal(x, np.arange(1, len(r) + 1))
    assert len(data(view.residual, "fixed_point")[1]) == m["iterations_fixed_point"] + 1
    assert m["iterations_newton"] < m["iterations_fixed_point"]
    gx, gy = data(view.grads, "points")
    np.testing.assert_array_equal(gx, a["grad_unrolled"])
    np.testing.assert_array_equal(gy, a["grad_implicit"])
    assert m["grad_mismatch"] < 1e-5
    _, mem = data(view.memory, "unrolled")
    assert mem[-1] > 10 * data(view.memory, "implicit")[1][-1]
    text = view.readout.text()
    assert "Newton</span> <b>" in text and "memory" in text
    assert "gradient mismatch" in view.progress_text(snap)
    assert window.shutdown(2.0)


def test_neural_ode_spiral_then_crossing_layouts(qtbot, tmp_path):
    window, panel = dynamics_panel(qtbot, tmp_path, "neural-ode")
    view = panel.view
    snap = run(qtbot, panel, "quick", 6)
    assert view.plane.isVisibleTo(view) and not view.map.isVisibleTo(view)
    fx, _ = data(view.plane, "field")
    assert len(fx) == 3 * len(snap.arrays["field"])      # each arrow: shaft and two barbs
    np.testing.assert_array_equal(data(view.plane, "obs")[0], snap.arrays["obs"][:, 0])
    np.testing.assert_array_equal(data(view.over_t, "z2")[1], snap.arrays["path"][:, 1])
    assert "differ by" in view.readout.text()

    snap = run(qtbot, panel, "crossing, 1-d: impossible", 8)
    m = snap.metrics
    assert not view.plane.isVisibleTo(view) and view.map.isVisibleTo(view)
    x, out = data(view.map, "learned")
    np.testing.assert_array_equal(out, snap.arrays["x_out"])
    assert np.all(np.diff(out) > 0)                   # a 1-d flow keeps the order
    assert m["fit_mse"] >= m["order_bound"] - 1e-9
    np.testing.assert_allclose(data(view.map, "bound")[1], 0.0, atol=1e-12)
    assert "best any 1-d flow can do" in view.readout.text()

    snap = run(qtbot, panel, "crossing, augmented", 8)
    assert view.plane.isVisibleTo(view) and view.map.isVisibleTo(view)
    px, pa = data(view.plane, "path")
    np.testing.assert_array_equal(pa, snap.arrays["plane_a"])
    assert np.nanmax(np.abs(pa)) > 0                  # the extra dimension is used
    assert window.shutdown(2.0)
