"""The structure demos of the architectures panel, mid-run: "Shuffle node labels" renumbers
the graph and leaves every output on its node; the round selector and the power n redraw
the node vectors and Aⁿ from the snapshot; the β slider and the score selector reach the
running attention engine and the form; a problem typed into the transformer's box is
answered mid-run and an unreadable one is refused naming what is allowed."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.panels.helpers import make_window, quick_config

pytestmark = pytest.mark.gui


def arch_panel(qtbot, tmp_path, demo: str, **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("architectures")
    panel.set_demo(demo)
    cfg = quick_config(panel, steps=100_000)
    if changes:
        panel.form.set_config(cfg.replace(**changes))
    return window, panel


def snapshot_when(qtbot, panel, condition, timeout=30000):
    qtbot.waitUntil(lambda: panel.last_snapshot is not None and condition(panel.last_snapshot),
                    timeout=timeout)
    return panel.last_snapshot


def stop(qtbot, panel):
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)


def test_gnn_shuffle_rounds_and_walks(qtbot, tmp_path):
    window, panel = arch_panel(qtbot, tmp_path, "gnn")
    view = panel.view
    assert view.shuffle() is False
    assert "Start a run first" in panel.message_label.text()
    assert panel.start()
    snapshot_when(qtbot, panel, lambda s: s.step > 20)
    panel.toggle_pause()                                  # paused runs take edits too
    parked = panel.runner.wait_parked(5.0)
    assert parked is not None
    view.shuffle_button.click()
    assert "shuffled" in panel.message_label.text()
    first = snapshot_when(qtbot, panel, lambda s: s.metrics["shuffles"] == 1)
    view.shuffle_button.click()
    after = snapshot_when(qtbot, panel, lambda s: s.metrics["shuffles"] == 2)
    assert first.step == after.step == parked
    # the same net on two numberings: every member keeps its colour, only its number moves
    base = np.empty(34)
    base[first.arrays["node_original"].astype(int)] = first.arrays["node_value"]
    order = after.arrays["node_original"].astype(int)
    assert not np.array_equal(order, first.arrays["node_original"])
    np.testing.assert_allclose(after.arrays["node_value"], base[order], atol=1e-5)
    assert after.metrics["shuffle_change"] < 1e-5
    xy = np.empty((34, 2))
    xy[first.arrays["node_original"].astype(int)] = first.arrays["node_xy"]
    np.testing.assert_allclose(after.arrays["node_xy"], xy[order])
    label = view.graph.labels[0]
    assert label.toPlainText() == "0"
    np.testing.assert_allclose([label.pos().x(), label.pos().y()], xy[order[0]])
    assert "shuffles <b>2</b>" in view.readout.text()
    # rounds stepped one at a time redraw the node vectors of that round
    view.round.setValue(0)
    view.next_round.click()
    assert view.round.value() == 1
    np.testing.assert_allclose(view.vectors.image(), after.arrays["round_vectors"][1])
    view.colour.setCurrentIndex(2)
    assert "Round 1" in view.graph._title
    # Aⁿ: walk counts of the shown graph
    view.power.setValue(3)
    A = after.arrays["adjacency"]
    np.testing.assert_array_equal(view.walks.image(), np.linalg.matrix_power(A, 3))
    assert "walks of length 3" in view.readout.text()
    stop(qtbot, panel)


def test_attention_beta_slider_and_score_reach_the_run(qtbot, tmp_path):
    window, panel = arch_panel(qtbot, tmp_path, "attention")
    view = panel.view
    assert panel.start()
    snapshot_when(qtbot, panel, lambda s: s.step > 5)
    view.slider.setValue(0)                               # β = 0.01: soft
    assert panel.form.config().beta == pytest.approx(0.01)
    snap = snapshot_when(qtbot, panel, lambda s: s.metrics["beta"] == pytest.approx(0.01))
    assert "β = 0.01" in view.beta_label.text()
    w = snap.arrays["weights"]
    assert w.max() < 0.5                                  # nearly uniform weights
    view.score.setCurrentText("scaled")
    assert panel.form.config().score == "scaled"
    snapshot_when(qtbot, panel, lambda s: s.metrics["score_index"] == 2.0)
    view.slider.setValue(200)                             # β = 100: hard
    snap = snapshot_when(qtbot, panel, lambda s: s.metrics["beta"] == pytest.approx(100.0))
    heights = view.bars[0][1].opts["height"]
    np.testing.assert_allclose(heights, snap.arrays["weights"][0])
    assert "β = <b>100</b>" in view.readout.text()
    stop(qtbot, panel)


def test_transformer_box_answers_mid_run_and_refuses_bad_input(qtbot, tmp_path):
    window, panel = arch_panel(qtbot, tmp_path, "transformer")
    view = panel.view
    view.box.setText("3 1 4 1 5 9")
    assert view.ask() is False
    assert "Start a run first" in panel.message_label.text()
    assert panel.start()
    snapshot_when(qtbot, panel, lambda s: s.step > 2)
    qtbot.keyClick(view.box, Qt.Key.Key_Return)
    snap = snapshot_when(qtbot, panel, lambda s: list(s.arrays["tokens"][:6]) ==
                         [3, 1, 4, 1, 5, 9])
    np.testing.assert_array_equal(snap.arrays["answer"], [1, 1, 3, 4, 5, 9])
    qtbot.waitUntil(lambda: "right: 1 1 3 4 5 9" in view.answer.text(), timeout=10000)
    assert snap.arrays["attention"].shape == (2, 4, 13, 13)
    view.box.setText("12")
    view.ask_button.click()
    qtbot.waitUntil(lambda: "exactly 6 digits" in panel.message_label.text(), timeout=10000)
    assert list(panel.last_snapshot.arrays["tokens"][:6]) == [3, 1, 4, 1, 5, 9]
    stop(qtbot, panel)
