"""Reliability: many start/stop cycles, and divergence caught in the GUI."""
from __future__ import annotations

import pytest

from tests.panels.helpers import make_window, quick_config

pytestmark = pytest.mark.gui


def test_fifty_start_stop_cycles(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("landscape")
    quick_config(panel)
    errors = []
    panel.runner.failed.connect(lambda *a: errors.append(a))
    for cycle in range(50):
        got = []
        panel.runner.snapshot.connect(got.append)
        assert panel.start(), f"cycle {cycle} did not start"
        qtbot.waitUntil(lambda: len(got) > 0, timeout=20000)
        with qtbot.waitSignal(panel.runner.finished, timeout=5000) as blocker:
            panel.stop()
        assert blocker.args == ["stopped"]
        panel.runner.snapshot.disconnect(got.append)
    assert errors == []
    # every finished run became a ghost (the plot kit keeps the most recent ones): 49
    # archived when the next run started, the 50th waits for the next start
    from workbench.plots import MAX_GHOSTS, CurvePlot

    curves = [p for p in panel.view.plots() if isinstance(p, CurvePlot) and p.ghosts]
    assert curves, "no plot kept the stopped runs"
    assert all(len(p.ghosts) == min(49, MAX_GHOSTS) for p in curves)
    labels = [g.label for g in curves[0].ghosts]
    assert labels[-1] == "run 49"                     # the newest ghost is the run before
    assert window.shutdown(2.0)


def test_divergence_stops_the_run_with_a_clear_message(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("function")
    panel.form.set_config(panel.spec.config(optimizer="sgd", lr=10.0, steps=5000,
                                            depth=4, width=128, activation="relu"))
    with qtbot.waitSignal(panel.runner.finished, timeout=30000) as blocker:
        panel.start()
    assert blocker.args == ["failed"]
    text = panel.message_label.text()
    assert "diverged at step" in text and "learning rate" in text
