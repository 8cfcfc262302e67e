"""The likelihood-ratio panel: painting p (left button) and q (right button) reaches the
running engine, paint is refused with a clear message unless the pair is 'painted', paint
before a run is sent when the run starts, the Euler-Lagrange box follows the loss, and the
"Shuffle particles" button mid-run leaves Deep Sets unchanged while the MLP moves."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.panels.helpers import make_window, quick_config

pytestmark = pytest.mark.gui


def lr_panel(qtbot, tmp_path, demo: str, **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("likelihood-ratio")
    panel.set_demo(demo)
    cfg = quick_config(panel, steps=200_000)
    if changes:
        panel.form.set_config(cfg.replace(**changes))
    return window, panel


def click_data(qtbot, plot, x, y, button=Qt.MouseButton.LeftButton):
    qtbot.mouseClick(plot.viewport(), button, pos=plot.data_to_widget(x, y))


def snapshot_after(qtbot, panel, step: int, key: str | None = None):
    qtbot.waitUntil(lambda: panel.last_snapshot is not None and panel.last_snapshot.step > step
                    and (key is None or key in panel.last_snapshot.arrays), timeout=30000)
    return panel.last_snapshot


def stop(qtbot, panel):
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)


def test_painting_p_and_q_mid_run_reaches_the_engine(qtbot, tmp_path):
    window, panel = lr_panel(qtbot, tmp_path, "ratio", pair="painted", dim=1, n_train=2000)
    view = panel.view
    assert view.dens1.painting and view.slot_dens.currentWidget() is view.dens1
    assert panel.start()
    snap = snapshot_after(qtbot, panel, 0)
    assert "painted_p" not in snap.arrays
    click_data(qtbot, view.dens1, 2.0, 0.1)                          # left: p
    assert "now learns" in panel.message_label.text()
    painted = view.paint["p"][:, 0]
    assert abs(painted.mean() - 2.0) < 0.4
    snap = snapshot_after(qtbot, panel, panel.last_snapshot.step, "painted_p")
    np.testing.assert_allclose(snap.arrays["painted_p"], painted)
    # the engine's p is now the painted blob: its density peaks near x = 2
    x = snap.arrays["axis"]
    assert abs(x[np.argmax(snap.arrays["p_density"])] - 2.0) < 0.5
    click_data(qtbot, view.dens1, -2.5, 0.1, Qt.MouseButton.RightButton)   # right: q
    snap = snapshot_after(qtbot, panel, panel.last_snapshot.step, "painted_q")
    np.testing.assert_allclose(snap.arrays["painted_q"], view.paint["q"][:, 0])
    assert abs(x[np.argmax(snap.arrays["q_density"])] + 2.5) < 0.5
    assert "painted_p" in snap.arrays
    stop(qtbot, panel)


def test_paint_refused_without_the_painted_pair_and_kept_for_the_next_run(qtbot, tmp_path):
    window, panel = lr_panel(qtbot, tmp_path, "ratio", pair="gaussians", dim=2)
    view = panel.view
    assert view.paint_points(np.array([[0.0, 0.0]]), "p") is False
    assert "needs the density pair 'painted'" in panel.message_label.text()
    assert view.paint == {}
    # choose 'painted' (2-d): a stroke before any run is kept and sent when the run starts
    panel.form.set_config(panel.form.config().replace(pair="painted", n_train=2000))
    assert view.slot_dens.currentWidget() is view.dens2
    assert view.paint_points(np.array([[5.0, 5.0]]), "q") is False       # outside the box
    assert "inside the plotted range" in panel.message_label.text()
    assert view.paint_points(np.array([[-2.0, 1.0], [-2.2, 1.1]]), "q")
    assert "next run" in panel.message_label.text()
    assert panel.start()
    snap = snapshot_after(qtbot, panel, 0, "painted_q")
    np.testing.assert_allclose(snap.arrays["painted_q"], view.paint["q"])
    stop(qtbot, panel)


def test_euler_lagrange_box_follows_the_loss(qtbot, tmp_path):
    window, panel = lr_panel(qtbot, tmp_path, "ratio")
    box = panel.view.side_widget()
    assert "p/(p + q)" in box.text()
    panel.form.set_config(panel.form.config().replace(loss="mlc"))
    assert "f* = p/q" in box.text() and "A′(f)/B′(f) = −q/p" in box.text()
    panel.form.set_config(panel.form.config().replace(loss="exponential"))
    assert "e<sup>" in box.text() and "^" not in box.text()


def test_neyman_pearson_readout(qtbot, tmp_path):
    window, panel = lr_panel(qtbot, tmp_path, "neyman-pearson", steps=60, n_train=2000,
                             experiments=200)
    assert panel.start()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=30000)
    text = panel.view.readout.text()
    assert "optimal AUC" in text and "∫ p = 1" in text
    assert len(panel.view.roc.curve("learned").xData) > 10


def test_shuffle_mid_run_moves_only_the_mlp(qtbot, tmp_path):
    window, panel = lr_panel(qtbot, tmp_path, "deep-sets", n_train=1000)
    view = panel.view
    assert view.shuffle() is False
    assert "Start a run first" in panel.message_label.text()
    assert panel.start()
    snap = snapshot_after(qtbot, panel, 150)
    assert snap.metrics["shuffles"] == 0
    view.button.click()
    assert "shuffled" in panel.message_label.text()
    qtbot.waitUntil(lambda: panel.last_snapshot.metrics["shuffles"] == 1, timeout=20000)
    snap = panel.last_snapshot
    a = snap.arrays
    np.testing.assert_allclose(a["prob_shuffled_deepsets"], a["prob_deepsets"], atol=1e-4)
    assert np.abs(a["prob_shuffled_mlp"] - a["prob_mlp"]).max() > 1e-3
    assert snap.metrics["shuffle_change"] > 10 * snap.metrics["shuffle_change_deepsets"]
    xs, ys = view.shuffle_plot.scatters["deepsets"][0].getData()
    assert len(xs) == len(a["prob_deepsets"])
    assert "shuffles: <b>1</b>" in view.readout.text()
    stop(qtbot, panel)
