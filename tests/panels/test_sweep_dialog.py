"""Sweep… on the run bar: the dialog validates like the CLI, the sweep runs in the
background, its window draws every run and mean ± spread, exports, and Stop / closing it
ends the workers."""
from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from tests.panels.helpers import make_window
from workbench.sweep_dialog import CUSTOM, suggest_values

pytestmark = pytest.mark.gui


def sgd_panel(qtbot, tmp_path, **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("sgd-noise")
    panel.form.set_config(panel.form.config().replace(sweep=False, walkers=40, **changes))
    return window, panel


def open_dialog(panel):
    panel.run_bar.sweep_button.click()
    dialog = panel.sweeps.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.preset_combo.setCurrentText(CUSTOM)
    return dialog


def sweep_workers() -> list:
    return [p for p in multiprocessing.active_children() if not p.name.startswith("engine-host")]


def test_dialog_validates_values_and_counts_runs(qtbot, tmp_path):
    window, panel = sgd_panel(qtbot, tmp_path)
    dialog = open_dialog(panel)
    # a ready-made sweep is offered for this demo
    names = [dialog.preset_combo.itemText(i) for i in range(dialog.preset_combo.count())]
    assert "⟨θ²⟩ vs η" in names and "⟨θ²⟩ vs batch size N" in names
    dialog.set_param(0, "eta", "0.1,5")
    assert not dialog.run_button.isEnabled()
    assert "eta: 5 is out of range; allowed 0.001 … 1" in dialog.message_label.text()
    dialog.set_param(0, "eta", "0.05,0.1,0.2")
    dialog.set_param(1, "batch", "4,16")
    dialog.seeds_spin.setValue(2)
    assert dialog.run_button.isEnabled()
    assert dialog.message_label.text().startswith("12 runs (3 × 2 settings × 2 seeds)")
    plan = dialog.build_plan()
    assert plan.keys == ["eta", "batch"] and plan.base == panel.form.config()
    dialog.preset_combo.setCurrentText("⟨θ²⟩ vs batch size N")
    assert dialog.param_combos[0].currentData() == "batch"
    assert dialog.value_edits[0].text() == "1,2,4,8,16,32,64"
    assert dialog.param_combos[1].currentData() == ""
    dialog.reject()


def test_suggested_values_stay_in_range():
    from engines.nn_basics.theory_configs import SGDNoiseConfig

    cfg = SGDNoiseConfig(eta=0.5, batch=200)
    assert suggest_values(cfg, "eta") == "0.125,0.25,0.5,1.0"        # log field, capped at 1
    assert suggest_values(cfg, "batch") == "100,150,200,256"
    assert suggest_values(cfg, "landscape") == "quadratic,lorentzian"
    assert suggest_values(cfg, "sweep") == "false,true"


def test_sweep_runs_in_background_and_draws_mean_and_spread(qtbot, tmp_path):
    window, panel = sgd_panel(qtbot, tmp_path, steps=300)
    dialog = open_dialog(panel)
    dialog.set_param(0, "eta", "0.05,0.2")
    dialog.seeds_spin.setValue(2)
    dialog.workers_spin.setValue(min(2, dialog.workers_spin.maximum()))
    dialog.run_button.click()
    assert len(panel.sweeps.windows) == 1
    win = panel.sweeps.windows[0]
    assert win.is_running()           # the click returned while the sweep goes on
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.outcome is not None, timeout=120_000)
    assert win.progress_bar.value() == 4 and not win.outcome.stopped
    assert sorted(r.run_id for r in win.results) == sorted(j.run_id for j in win.plan.jobs)
    win.metric_combo.setCurrentText("var_measured")
    # right plot: the mean over seeds at each eta, with the sample spread as error bar
    item = win.final_plot.curve("mean:0")
    x, y = item.xData, item.yData                 # the data (eta is drawn on a log axis)
    for eta, mean in zip(x, y):
        values = [r.metrics["var_measured"] for r in win.results if r.point["eta"] == eta]
        assert len(values) == 2 and mean == pytest.approx(np.mean(values), rel=1e-12)
    bars = win._error_bars[0][0]
    spread = [np.std([r.metrics["var_measured"] for r in win.results
                      if r.point["eta"] == eta], ddof=1) for eta in x]
    assert not win.final_plot.log_y and win.log_x   # eta is a log field: x on a log axis
    assert np.allclose(bars.opts["top"], spread, rtol=1e-9)
    assert np.allclose(bars.opts["x"], np.log10(x))   # bars in the view's coordinates
    # left plot: one curve per run, coloured by eta
    colours = {}
    for r in win.results:
        item = win.curves_plot.curve(r.run_id)
        assert len(item.getData()[0]) > 10
        colours.setdefault(r.point["eta"], set()).add(item.opts["pen"].color().name())
    assert all(len(c) == 1 for c in colours.values())
    assert len(set.union(*colours.values())) == 2
    # export like every plot, and the table
    written = win.export_plots(tmp_path / "fig.png", "png")
    assert [p.name for p in written] == ["fig-1.png", "fig-2.png"]
    assert all(p.stat().st_size > 1000 for p in written)
    rows = win.export_table(tmp_path / "t.csv").read_text().splitlines()
    assert rows[0].startswith("run_id,eta,seed,status,steps,wall_s,") and len(rows) == 5
    win.close()
    assert not sweep_workers()


def start_long_sweep(qtbot, panel):
    dialog = open_dialog(panel)
    dialog.set_param(0, "batch", "4,8")
    dialog.seeds_spin.setValue(1)
    dialog.workers_spin.setValue(min(2, dialog.workers_spin.maximum()))
    dialog.run_button.click()
    win = panel.sweeps.windows[-1]
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: bool(sweep_workers()), timeout=30_000)
    return win


def test_closing_the_window_mid_sweep_ends_its_workers(qtbot, tmp_path):
    window, panel = sgd_panel(qtbot, tmp_path, steps=1_000_000)
    win = start_long_sweep(qtbot, panel)
    win.close()
    assert not win.is_running()
    qtbot.waitUntil(lambda: not sweep_workers(), timeout=30_000)


@pytest.mark.slow
def test_stop_button_stops_the_sweep(qtbot, tmp_path):
    window, panel = sgd_panel(qtbot, tmp_path, steps=1_000_000)
    win = start_long_sweep(qtbot, panel)
    win.stop_button.click()
    qtbot.waitUntil(lambda: win.outcome is not None, timeout=60_000)
    assert win.outcome.stopped and win.results == []
    assert "stopped" in win.status_label.text()
    qtbot.waitUntil(lambda: not sweep_workers(), timeout=30_000)
    win.close()
