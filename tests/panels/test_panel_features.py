"""Panel features: ghost runs labelled by what changed, export of plots and metrics."""
from __future__ import annotations

import csv

import pytest

from tests.panels.helpers import make_window, quick_config

pytestmark = pytest.mark.gui


def run_to_end(qtbot, panel) -> None:
    with qtbot.waitSignal(panel.runner.finished, timeout=30000) as blocker:
        assert panel.start()
    assert blocker.args == ["completed"]


def test_finished_runs_become_ghosts_labelled_by_the_change(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("landscape")
    cfg = quick_config(panel, steps=200)
    run_to_end(qtbot, panel)
    panel.form.set_config(cfg.replace(batch_size=64))
    run_to_end(qtbot, panel)
    panel.form.set_config(cfg.replace(batch_size=64, lr=0.1))
    run_to_end(qtbot, panel)                   # run 3 live; runs 1 and 2 are ghosts
    loss_plot = panel.view.loss
    labels = [g.label for g in loss_plot.ghosts]
    assert labels == ["run 1", "run 2: batch_size 8→64"]
    panel.ghost_check.setChecked(False)
    assert not loss_plot.ghosts_visible
    panel.ghost_check.setChecked(True)
    assert loss_plot.ghosts_visible
    panel.clear_ghosts_button.click()
    assert loss_plot.ghosts == []


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_export_every_plot(qtbot, tmp_path, fmt):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("function")
    quick_config(panel, steps=100)
    run_to_end(qtbot, panel)
    written = panel.export_plots(tmp_path / f"figure.{fmt}", fmt)
    assert len(written) == len(panel.view.plots())
    for path in written:
        data = path.read_bytes()
        assert len(data) > 1000
        assert data.startswith(b"\x89PNG") if fmt == "png" else b"<svg" in data[:2000]


def test_export_metrics_history_as_csv(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("function")
    quick_config(panel, steps=100)
    assert panel.export_csv(tmp_path / "none.csv") is None  # nothing run yet: a message
    assert "run the demo first" in panel.message_label.text()
    run_to_end(qtbot, panel)
    path = panel.export_csv(tmp_path / "metrics.csv")
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["step", "train_loss", "test_loss", "sparsity"]
    assert rows[1][0] == "0" and rows[-1][0] == "100"
    assert float(rows[-1][1]) == pytest.approx(panel.last_snapshot.history["train_loss"][-1])


def test_switching_demo_mid_run_keeps_the_warm_engine_host(qtbot, tmp_path):
    """The run is cancelled, the host (torch already loaded) stays and runs the next demo:
    no 3-4 s restart before the next first picture."""
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("function")
    quick_config(panel)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None, timeout=30000)
    host = panel.runner._host.process
    panel.set_demo("landscape")
    assert not panel.runner.is_active() and panel.runner._host.process is host
    quick_config(panel, steps=200)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None, timeout=30000)
    assert panel.runner._host.process is host and host.is_alive()
    assert panel.spec.name == "landscape" and isinstance(panel.run_cfg, panel.spec.config)
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)
