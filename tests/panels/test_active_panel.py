"""The active panel: a click on the pool map labels the nearest unlabelled pool point mid-run
(the next snapshot shows it labelled, by the true label or by the user's own), refused
edits get a clear message, and the gp-design view switches to its 2-d page."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from engines.active.configs import Label
from tests.panels.helpers import make_window

pytestmark = pytest.mark.gui


def active_panel(qtbot, tmp_path, demo: str, **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("active")
    panel.set_demo(demo)
    if changes:
        panel.form.set_config(panel.form.config().replace(**changes))
    return window, panel


def click_plot(qtbot, plot, x: float, y: float) -> None:
    """A real left click at data coordinates (x, y) of a plot."""
    scene = plot.plotItem.vb.mapViewToScene(QPointF(x, y))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(scene))


def step_of(panel) -> int:
    snap = panel.last_snapshot
    return -1 if snap is None else int(snap.step)


def free_point_far_from_query(snap) -> int:
    """An unlabelled pool point that is not the learner's own next query."""
    a = snap.arrays
    free = np.flatnonzero(a["pool_label"] < 0)
    nxt = int(snap.metrics["next_query"])
    xy = a["pool_xy"]
    dist = ((xy[free] - xy[nxt]) ** 2).sum(axis=1) if nxt >= 0 else np.ones(len(free))
    return int(free[np.argmax(dist)])


def test_click_labels_the_nearest_pool_point_mid_run(qtbot, tmp_path):
    window, panel = active_panel(qtbot, tmp_path, "pool", steps=40, n_seeds=1,
                                 curves="shown_only", train_iters=10, pool_size=120,
                                 test_size=200, map_resolution=16)
    view = panel.view
    panel.set_speed(2.0)
    assert panel.start()
    qtbot.waitUntil(lambda: step_of(panel) >= 1, timeout=30000)
    snap = panel.last_snapshot
    target = free_point_far_from_query(snap)
    x, y = snap.arrays["pool_xy"][target]
    click_plot(qtbot, view.map, float(x), float(y))
    # the point nearest the click becomes the next query, then it is labelled
    qtbot.waitUntil(lambda: panel.last_snapshot.arrays["pool_label"][target] >= 0,
                    timeout=30000)
    snap = panel.last_snapshot
    assert snap.metrics["hand_labels"] >= 1
    assert int(snap.arrays["query_order"][-1]) == target or \
        target in snap.arrays["query_order"].astype(int)
    assert snap.arrays["pool_label"][target] == snap.arrays["pool_true"][target]
    assert "nearest" in panel.message_label.text()

    # the user plays the oracle: a wrong label is taken as given
    view.oracle.setCurrentIndex(view.oracle.findData(0))
    snap = panel.last_snapshot
    free = np.flatnonzero((snap.arrays["pool_label"] < 0) & (snap.arrays["pool_true"] == 1))
    other = int(free[0])
    x, y = snap.arrays["pool_xy"][other]
    click_plot(qtbot, view.map, float(x), float(y))
    qtbot.waitUntil(lambda: panel.last_snapshot.arrays["pool_label"][other] >= 0,
                    timeout=30000)
    assert panel.last_snapshot.arrays["pool_label"][other] == 0      # the user's label
    assert panel.last_snapshot.metrics["hand_labels"] >= 2

    # refused: a point that is labelled already; the engine's message is shown
    assert view.ctx.send_edit(Label(index=target))
    qtbot.waitUntil(lambda: "labelled already" in panel.message_label.text(), timeout=20000)
    panel.stop()


def test_click_with_no_run_starts_a_paused_run(qtbot, tmp_path):
    window, panel = active_panel(qtbot, tmp_path, "pool", steps=5, n_seeds=1,
                                 curves="shown_only", train_iters=5, pool_size=60,
                                 test_size=100, map_resolution=8)
    view = panel.view
    click_plot(qtbot, view.map, 0.5, 0.25)
    qtbot.waitUntil(lambda: panel.last_snapshot is not None
                    and panel.runner.state == "paused", timeout=30000)
    assert "paused" in panel.message_label.text()
    qtbot.waitUntil(lambda: panel.last_snapshot.metrics["next_query"] >= 0, timeout=10000)
    nxt = int(panel.last_snapshot.metrics["next_query"])
    xy = panel.last_snapshot.arrays["pool_xy"]
    free = panel.last_snapshot.arrays["pool_label"] < 0
    d = ((xy - [0.5, 0.25]) ** 2).sum(axis=1)
    d[~free] = np.inf
    assert nxt == int(np.argmin(d))                 # the clicked point is the next query
    panel.stop()


def test_gp_design_2d_shows_images(qtbot, tmp_path):
    window, panel = active_panel(qtbot, tmp_path, "gp-design", dims=2, n_points=12,
                                 steps=3)
    view = panel.view
    assert view.stack.currentIndex() == 1
    assert panel.start()
    qtbot.waitUntil(lambda: panel.runner.state == "finished", timeout=30000)
    img = view.img["mean_a"].image()
    assert img is not None and img.shape == (12, 12)
    assert view.sites["mean_a"].data.size == 3            # three measured sites drawn
    assert view.plots()[0] is view.img["truth_a"]
