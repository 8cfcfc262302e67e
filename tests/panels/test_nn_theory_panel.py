"""The nn-basics theory demos in the panel: Step (N key / Step button) advances backprop by
exactly one layer, forward then backward, with the three gradients compared on screen; the
critical points are drawn with three markers; default speeds give 20-60 s runs."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engines.nn_basics import DEMOS
from panels.nn_basics.panel import NNBasicsPanel
from tests.panels.helpers import make_window

pytestmark = pytest.mark.gui


def nn_panel(qtbot, tmp_path, demo: str, **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo(demo)
    if changes:
        panel.form.set_config(panel.form.config().replace(**changes))
    return window, panel


def wait_step(qtbot, panel, step: int) -> None:
    qtbot.waitUntil(lambda: panel.last_snapshot is not None
                    and panel.last_snapshot.step == step
                    and panel.runner.state == "paused", timeout=20000)


def test_step_advances_backprop_by_exactly_one_layer(qtbot, tmp_path):
    window, panel = nn_panel(qtbot, tmp_path, "backprop", depth=2, width=3, n_in=2, n_out=1,
                             steps=100)
    view = panel.view
    n_layers = 3                                  # 2 hidden layers + the output layer
    panel.step()                                  # idle: Step starts and runs one layer
    wait_step(qtbot, panel, 1)
    for k in range(1, 2 * n_layers + 1):
        snap = panel.last_snapshot
        m, a = snap.metrics, snap.arrays
        assert snap.step == k and m["phase"] == k - 1
        if k <= n_layers:                         # forward: y⁽ᵏ⁾ is computed, no further
            assert m["backward"] == 0 and m["layer"] == k
            assert np.isfinite(a["values"][k, :int(a["layer_sizes"][k])]).all()
            if k < n_layers:
                assert np.isnan(a["values"][k + 1]).all()
            assert "forward" in view.info.text()
        else:                                     # backward: layer L, L−1, …, 1
            layer = 2 * n_layers - k + 1
            assert m["backward"] == 1 and m["layer"] == layer
            assert np.isfinite(a["edge_grad"][layer - 1, :int(a["layer_sizes"][layer]),
                                              :int(a["layer_sizes"][layer - 1])]).all()
            if layer > 1:
                assert np.isnan(a["edge_grad"][layer - 2]).all()
            assert "backward" in view.info.text()
        # the drawn graph follows: one node label per computed value
        texts = [t.toPlainText() for t in view.node_text]
        assert sum("y=" in t for t in texts) == int(np.isfinite(a["values"]).sum())
        assert sum("∂L/∂y" in t for t in texts) == int(np.isfinite(a["node_grad"]).sum())
        if k % 2:
            qtbot.keyClick(window, Qt.Key.Key_N)  # the N key ...
        else:
            panel.step_button.click()             # ... and the Step button alike
        wait_step(qtbot, panel, k + 1)
    # one full cycle done: backprop agrees with autograd and finite differences, on screen
    m = panel.last_snapshot.metrics
    assert m["cycle"] == 1 and m["phase"] == 0
    assert 0 <= m["grad_err_autograd"] < 1e-12 and m["grad_err_fd"] < 1e-6
    assert f"{m['grad_err_autograd']:.2e}" in view.info.text()
    bp = view.grads.curve("bp").getData()[1]
    np.testing.assert_allclose(bp, panel.last_snapshot.arrays["grad_backprop"])
    panel.stop()


def test_critical_points_are_drawn_with_three_markers(qtbot, tmp_path):
    window, panel = nn_panel(qtbot, tmp_path, "landscape-stats", steps=3, hessians=100,
                             gd_walkers=4, gd_steps=20)
    panel.set_speed(0.0)
    with qtbot.waitSignal(panel.runner.finished, timeout=30000):
        assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None and panel.last_snapshot.final)
    a = panel.last_snapshot.arrays
    view = panel.view
    symbols = set()
    for key in ("minima", "maxima", "saddles"):
        item = view.points[key]
        assert len(item.getData()[0]) == len(a[key]) > 0
        symbols.add(str(item.opts["symbol"]))
    assert len(symbols) == 3
    labels = [label.text for _, label in view.field.legend.items]
    assert labels == ["minimum", "maximum", "saddle"]
    # the descent paths are drawn (coloured ones, one per start)
    assert all(len(view.gd_lines[i].getData()[0]) > 0 for i in range(4))
    assert "0.25 : 0.25 : 0.5" in view.info.text()


def test_default_speeds_give_runs_of_20_to_60_seconds(qtbot, tmp_path):
    assert NNBasicsPanel.SPEED_CONTROL
    window, panel = nn_panel(qtbot, tmp_path, "sgd-noise")
    for spec in DEMOS[3:]:
        panel.set_demo(spec.name)
        speed = NNBasicsPanel.DEFAULT_SPEEDS[spec.name]
        assert panel.speed == speed
        seconds = spec.config().steps / speed
        if spec.name == "backprop":               # layer by layer: slow enough to follow
            assert speed <= 3
        else:
            assert 20 <= seconds <= 60, (spec.name, seconds)
