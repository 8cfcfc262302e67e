"""The bayes panel: clicks and buttons become observations of the running engine (a paused
run accepts them, none yet starts a paused one, a finished one continues), and bad input
gets a clear message."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from engines.bayes.configs import GP_LENGTH
from engines.bayes.edits import Observe
from engines.config import ConfigError
from tests.panels.helpers import make_window

pytestmark = pytest.mark.gui


def bayes_panel(qtbot, tmp_path, demo: str, **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("bayes")
    panel.set_demo(demo)
    if changes:
        panel.form.set_config(panel.form.config().replace(**changes))
    return window, panel


def click_plot(qtbot, plot, x: float, y: float) -> None:
    """A real left click at data coordinates (x, y) of a plot."""
    scene = plot.plotItem.vb.mapViewToScene(QPointF(x, y))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(scene))


def band_upper(plot, key: str, n: int) -> np.ndarray:
    """Upper edge of a drawn band (its polygon runs along the lower edge, then back)."""
    path = plot.band_path(key)
    return np.array([path.elementAt(2 * n - 1 - i).y for i in range(n)])


def n_obs(panel) -> int:
    snap = panel.last_snapshot
    return -1 if snap is None else int(snap.metrics["n_obs"])


def test_clicks_in_the_gp_plot_add_measurements_and_shrink_the_band(qtbot, tmp_path):
    window, panel = bayes_panel(qtbot, tmp_path, "gp", n_points=200, auto_measure=True,
                                steps=1000)
    view = panel.view
    assert panel.speed == 3.0                       # slow enough to follow
    # bad input first: the form cannot go below the numerics' bound (a zero width is
    # refused by the Config, naming the key: tests/engines/test_bayes_gp.py)
    panel.form.editors["noise"].setValue(0.0)
    assert panel.form.config().noise == pytest.approx(1e-3)
    with pytest.raises(ConfigError, match="noise"):
        panel.form.set_value("noise", 0.0)
    panel.form.editors["noise"].setValue(0.2)

    # no run yet: a click starts a paused run that takes the measurement at once
    click_plot(qtbot, view.main, 5.0, 1.0)
    qtbot.waitUntil(lambda: n_obs(panel) == 1, timeout=30000)
    assert panel.runner.state == "paused"
    snap = panel.last_snapshot
    site = int(round(5.0 / (GP_LENGTH / 199)))
    assert abs(snap.arrays["meas_t"][0] - 5.0) < 0.05
    assert abs(snap.arrays["meas_y"][0] - 1.0) < 0.1
    prior = snap.arrays["prior_std"][site]
    assert snap.arrays["std"][site] < 0.25 * prior        # the band pinches at the point
    y_before = band_upper(view.main, "band1", 200)
    assert y_before[site] == pytest.approx(snap.arrays["mean"][site]
                                           + snap.arrays["std"][site])

    # paused: a second click is applied too, and the run stays paused
    click_plot(qtbot, view.main, 8.0, -0.5)
    qtbot.waitUntil(lambda: n_obs(panel) == 2, timeout=10000)
    assert panel.runner.state == "paused" and panel.last_snapshot.step == 0
    y_after = band_upper(view.main, "band1", 200)
    other = int(round(8.0 / (GP_LENGTH / 199)))
    assert y_after[other] < y_before[other] - 0.2          # the band changed there

    # a click left of the lattice is refused in the panel: a message, nothing sent
    sent = []
    real_edit = panel.runner.edit
    panel.runner.edit = lambda change: (sent.append(change), real_edit(change))[1]
    click_plot(qtbot, view.main, -0.2, 0.0)
    assert "outside the lattice" in panel.message_label.text()
    assert sent == []                                       # nothing reached the engine
    panel.runner.edit = real_edit
    assert n_obs(panel) == 2
    # ... and the engine refuses what slips through, with its message
    panel.runner.edit(Observe(t=50.0, y=0.0))
    qtbot.waitUntil(lambda: "outside the lattice" in panel.message_label.text()
                    and "50" in panel.message_label.text(), timeout=10000)
    assert n_obs(panel) == 2

    # Resume: automatic measurements go on from the hand-made posterior
    panel.toggle_pause()
    qtbot.waitUntil(lambda: n_obs(panel) >= 3, timeout=10000)
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)
    assert window.shutdown(2.0)


def test_sequence_controls_buttons_and_continuing_a_finished_run(qtbot, tmp_path):
    window, panel = bayes_panel(qtbot, tmp_path, "sequential", steps=4)
    button = panel.view.buttons["One observation"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)     # idle: a paused run starts
    qtbot.waitUntil(lambda: n_obs(panel) == 1, timeout=30000)
    assert panel.runner.state == "paused" and panel.last_snapshot.step == 0
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)     # paused: applied, still paused
    qtbot.waitUntil(lambda: n_obs(panel) == 2, timeout=10000)
    assert panel.runner.state == "paused"
    # Step: one snapshot interval of automatic observations, then paused again (at slow
    # motion Control lets the first step after a pause go at once, so it may be two)
    panel.step()
    qtbot.waitUntil(lambda: panel.runner.state == "paused" and n_obs(panel) >= 3,
                    timeout=10000)
    stepped = panel.last_snapshot.step
    assert 1 <= stepped <= 2 and n_obs(panel) == 2 + stepped
    # a click in the λ plot is an observation with the clicked value
    click_plot(qtbot, panel.view.density, 3.0, 0.1)
    qtbot.waitUntil(lambda: n_obs(panel) == 3 + stepped, timeout=10000)
    assert panel.last_snapshot.arrays["ys"][-1] == pytest.approx(3.0, abs=0.1)
    with qtbot.waitSignal(panel.runner.finished, timeout=20000):
        panel.toggle_pause()                                # resume: the rest at 3/s
    assert panel.last_snapshot.step == 4 and n_obs(panel) == 7
    assert "N = <b>7</b>" in panel.view.readout.text()
    # finished: the button continues the same run (paused) with a fresh budget
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: n_obs(panel) == 8, timeout=30000)
    assert panel.runner.state == "paused" and panel.run_cfg.steps == 8
    assert "continues" in panel.message_label.text()
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)

    # cavity, the lecture's surprise: one click raises the expected photon number
    panel.set_demo("cavity")
    panel.apply_preset("bimodal: the decay surprise")
    qtbot.mouseClick(panel.view.buttons["Photon click"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: n_obs(panel) == 1, timeout=30000)
    m = panel.last_snapshot.metrics
    assert m["mean"] > m["mean_prior"] + 5 and m["clicks"] == 1
    assert "more photons are expected" in panel.view.readout.text()
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)
    assert window.shutdown(2.0)


def test_views_draw_every_demo_in_both_themes_export_and_keep_ghosts(qtbot, tmp_path):
    """Snapshots of each engine (in this process) drawn by its view: dark theme, presenter
    scale, PNG/SVG export, ghost curves against N, reset back to the config's preview."""
    from engines.registry import demos
    from engines.runtime import Control, drive
    from panels.bayes.panel import BayesPanel

    for spec in demos("bayes"):
        cfg = spec.config().replace(steps=6)
        if spec.name == "gp":
            cfg = cfg.replace(n_points=60)
        view = BayesPanel.VIEWS[spec.name](spec)
        qtbot.addWidget(view)
        view.resize(1000, 700)
        view.show()
        view.config_changed(cfg)
        snaps = list(drive(spec.engine_class()(cfg), Control(snapshot_hz=1000)))
        for plot in view.plots():
            plot.apply_theme("dark")
            plot.set_line_scale(1.6)
        view.show_snapshot(snaps[-1])
        assert "KL(posterior ‖ prior)" in view.readout.text()
        for i, plot in enumerate(view.plots()):
            assert plot.export(tmp_path / f"{spec.name}-{i}.png").stat().st_size > 0
            assert plot.export(tmp_path / f"{spec.name}-{i}.svg").stat().st_size > 0
        view.add_ghost(snaps[-1].history, "run 1")
        ghosts = sum(len(p.ghosts) for p in view.plots())
        assert ghosts >= 1, spec.name
        for plot in view.plots():
            for ghost in plot.ghosts:          # drawn against N, not the step
                x = next(iter(ghost.items.values())).xData
                assert np.nanmax(x) == snaps[-1].metrics["n_obs"]
        view.reset()
        assert view.readout.text() == ""


def test_bayes_views_do_not_import_torch():
    import os
    import subprocess
    import sys

    code = ("import os; os.environ['QT_QPA_PLATFORM']='offscreen'; import sys; "
            "import panels.bayes.panel; print('torch' in sys.modules)")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=root, env={**os.environ, "PYTHONPATH": root}, timeout=60)
    assert out.stdout.strip().endswith("False"), out.stderr
