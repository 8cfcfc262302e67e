"""The physics demos of the dynamics panel: a run draws both models' roll-outs and the
true energy along them; a click in the phase plane mid-run sends StartRollout and the
new roll-outs start at the clicked point; a click outside the allowed range is refused
with a message naming it; a click without a run says to start one."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from tests.panels.helpers import make_window, quick_config

pytestmark = pytest.mark.gui


def physics_panel(qtbot, tmp_path, demo: str, **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("dynamics")
    panel.set_demo(demo)
    cfg = quick_config(panel, steps=100_000)
    if changes:
        panel.form.set_config(cfg.replace(**changes))
    return window, panel


def click_plot(qtbot, plot, x: float, y: float) -> None:
    """A real left click at data coordinates (x, y) of a plot."""
    scene = plot.plotItem.vb.mapViewToScene(QPointF(x, y))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(scene))


def snapshot_when(qtbot, panel, condition, timeout=30000):
    qtbot.waitUntil(lambda: panel.last_snapshot is not None and condition(panel.last_snapshot),
                    timeout=timeout)
    return panel.last_snapshot


def curve_xy(plot, key):
    x, y = plot.curve(key).getData()
    return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))


def stop(qtbot, panel):
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)


def clicked_start(snap, x, y, tol=0.05) -> bool:
    return abs(snap.metrics["start_x"] - x) < tol and abs(snap.metrics["start_y"] - y) < tol


def test_hnn_draws_both_rollouts_and_a_click_starts_new_ones(qtbot, tmp_path):
    window, panel = physics_panel(qtbot, tmp_path, "hnn", n_samples=100, periods=5)
    view = panel.view
    assert view.start_at(1.0, 1.0) is False
    assert "Start a run first" in panel.message_label.text()
    assert panel.start()
    snap = snapshot_when(qtbot, panel, lambda s: s.step > 5)
    qtbot.waitUntil(lambda: len(curve_xy(view.plane, "hnn")[0]) > 100, timeout=10000)
    for key in ("true", "hnn", "base"):
        x, y = curve_xy(view.plane, key)
        assert len(x) > 100 and abs(x[0] - 1.0) < 1e-9 and abs(y[0]) < 1e-9, key
        assert len(curve_xy(view.energy, key)[0]) > 100, key
    assert "Hamiltonian net" in view.readout.text()
    assert view.contours.image() is not None
    # a click mid-run: new roll-outs from the clicked point
    click_plot(qtbot, view.plane, -1.4, 0.8)
    assert "New roll-outs" in panel.message_label.text()
    snap = snapshot_when(qtbot, panel, lambda s: clicked_start(s, -1.4, 0.8))
    x0, y0 = snap.metrics["start_x"], snap.metrics["start_y"]
    np.testing.assert_allclose(snap.arrays["path_hnn"][0], [x0, y0])
    np.testing.assert_allclose(snap.arrays["path_base"][0], [x0, y0])
    qtbot.waitUntil(lambda: abs(curve_xy(view.plane, "hnn")[0][0] - x0) < 1e-9,
                    timeout=10000)
    x, y = curve_xy(view.plane, "start")
    np.testing.assert_allclose([x[0], y[0]], [x0, y0])
    h0 = 0.5 * (x0 ** 2 + y0 ** 2)                         # the spring's H at the start
    assert abs(curve_xy(view.energy, "true")[1][0] - h0) < 1e-9
    # outside the allowed range: refused, naming it; the roll-outs stay
    assert view.start_at(0.0, 0.0)
    qtbot.waitUntil(lambda: "off the rest point" in panel.message_label.text(),
                    timeout=10000)
    assert clicked_start(panel.last_snapshot, x0, y0, tol=1e-12)
    stop(qtbot, panel)


def test_lnn_click_mid_run_on_the_paused_double_pendulum(qtbot, tmp_path):
    window, panel = physics_panel(qtbot, tmp_path, "lnn", n_samples=100)
    view = panel.view
    assert panel.start()
    snapshot_when(qtbot, panel, lambda s: s.step > 3)
    qtbot.waitUntil(lambda: len(curve_xy(view.plane, "lnn")[0]) > 50, timeout=10000)
    for key in ("true", "lnn"):
        assert len(curve_xy(view.energy, key)[0]) > 50, key
    assert view.angles.curves["lnn2"].item.isVisible()
    panel.toggle_pause()                                   # a paused run takes clicks too
    assert panel.runner.wait_parked(5.0) is not None
    click_plot(qtbot, view.plane, -0.5, 0.7)
    snap = snapshot_when(qtbot, panel, lambda s: clicked_start(s, -0.5, 0.7))
    start = [snap.metrics["start_x"], snap.metrics["start_y"]]
    np.testing.assert_allclose(snap.arrays["q_lnn"][0], start)
    qtbot.waitUntil(lambda: abs(curve_xy(view.angles, "lnn1")[1][0] - start[0]) < 1e-9,
                    timeout=10000)
    assert "roll-out MSE" in view.readout.text()
    stop(qtbot, panel)


def test_views_follow_the_system_of_the_snapshot(qtbot):
    """Pendulum and two-body snapshots (made headless) relabel and redraw the views."""
    from engines.dynamics.hnn import HNNEngine
    from engines.dynamics.lnn import LNNEngine
    from engines.dynamics.physics_specs import HNNConfig, LNNConfig
    from engines.registry import COURSE
    from panels.dynamics.physics_views import HNNView, LNNView

    topic = COURSE["dynamics"]
    hnn, lnn = HNNView(topic.demo("hnn")), LNNView(topic.demo("lnn"))
    qtbot.addWidget(hnn)
    qtbot.addWidget(lnn)
    snap = HNNEngine(HNNConfig(system="two_body", n_samples=30, steps=1,
                                periods=2)).snapshot(True)
    hnn.show_snapshot(snap)
    assert "Orbits" in hnn.plane._title
    x, y = curve_xy(hnn.plane, "true")
    np.testing.assert_allclose(np.hypot(x, y), 1.0, rtol=1e-4)   # the circular true orbit
    snap = LNNEngine(LNNConfig(system="pendulum", n_samples=50, steps=1)).snapshot(True)
    lnn.show_snapshot(snap)
    assert "(q, dq/dt)" in lnn.plane._title
    assert not lnn.angles.curves["lnn2"].item.isVisible()
    np.testing.assert_allclose(curve_xy(lnn.angles, "true1")[1], snap.arrays["q_true"][:, 0])
    lnn.reset()
    assert len(curve_xy(lnn.plane, "lnn")[0]) == 0


def test_hnn_contours_are_traced_again_only_when_the_learned_grid_changes(qtbot):
    """Tracing the contour lines is the costliest part of a frame: an unchanged H_θ grid
    (the engine throttles that picture) is not traced again, a changed one is."""
    import dataclasses

    from engines.dynamics.hnn import HNNEngine
    from engines.dynamics.physics_specs import HNNConfig
    from engines.registry import demo
    from panels.dynamics.physics_views import HNNView

    snap = HNNEngine(HNNConfig(steps=10, n_samples=50), "cpu").snapshot()
    view = HNNView(demo("dynamics", "hnn"))
    qtbot.addWidget(view)
    traced = []
    original = view.iso_learned.setData
    view.iso_learned.setData = lambda *a, **k: (traced.append(1), original(*a, **k))
    view.show_snapshot(snap)
    view.show_snapshot(snap)
    assert len(traced) == 1
    arrays = dict(snap.arrays, h_learned_grid=snap.arrays["h_learned_grid"] + 0.1)
    view.show_snapshot(dataclasses.replace(snap, arrays=arrays))
    assert len(traced) == 2


def test_hnn_level_lines_lie_on_their_levels(qtbot):
    """The white lines are H_θ's levels, the dashed ones H's, in the plot's q, p: every
    traced point, looked up in the field by bilinear interpolation at the pixel centres,
    has one of the levels' values."""
    from scipy.interpolate import RegularGridInterpolator

    from engines.dynamics.hnn import HNNEngine
    from engines.dynamics.physics_specs import HNNConfig
    from engines.registry import demo
    from panels.dynamics.physics_views import N_LEVELS, HNNView, pixel_centres

    snap = HNNEngine(HNNConfig(steps=10, n_samples=50), "cpu").snapshot()
    view = HNNView(demo("dynamics", "hnn"))
    qtbot.addWidget(view)
    view.show_snapshot(snap)
    a = snap.arrays
    levels = np.asarray(a["h_levels"][:N_LEVELS], float)
    gx, gy = pixel_centres(a["h_extent"], a["h_true_grid"].shape)
    for item, grid in ((view.iso_learned, a["h_learned_grid"]), (view.iso_true,
                                                                 a["h_true_grid"])):
        x, y = item.getData()
        finite = np.isfinite(x)
        assert finite.sum() > 50
        field = RegularGridInterpolator((gy, gx), np.asarray(grid, float))
        values = field(np.column_stack([y[finite], x[finite]]))
        nearest = np.min(np.abs(values[:, None] - levels[None, :]), axis=1)
        assert np.max(nearest) < 1e-9 * max(1.0, np.abs(levels).max())
    view.reset()
    x, _ = view.iso_true.getData()
    assert x is None or len(x) == 0
