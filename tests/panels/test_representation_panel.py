"""The representation panel: the PCA slider for M redraws the reconstruction at once (also
without a live run: a paused one starts), clicks add points to the 2-d cloud mid-run, bad
input gets a clear message, and every demo's view draws its engine's snapshots in each
data mode."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from engines.representation.configs import Components
from tests.panels.helpers import make_window

pytestmark = pytest.mark.gui


def rep_panel(qtbot, tmp_path, demo: str, preset: str | None = None, **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("representation")
    panel.set_demo(demo)
    if preset:
        panel.apply_preset(preset)
    if changes:
        panel.form.set_config(panel.form.config().replace(**changes))
    return window, panel


def click_plot(qtbot, plot, x: float, y: float) -> None:
    """A real left click at data coordinates (x, y) of a plot."""
    scene = plot.plotItem.vb.mapViewToScene(QPointF(x, y))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(scene))


def metric(panel, key: str) -> float:
    snap = panel.last_snapshot
    return float("nan") if snap is None else float(snap.metrics[key])


def test_pca_slider_starts_a_paused_run_and_redraws_the_reconstruction(qtbot, tmp_path):
    window, panel = rep_panel(qtbot, tmp_path, "pca", "quick", steps=6)
    view = panel.view
    assert view.recon_cell.current is view.recon_img        # digits as images
    # no run yet: moving the slider starts a paused run with that M
    view.slider.slider.setValue(view.slider.position_of(50))
    qtbot.waitUntil(lambda: metric(panel, "components") == 50, timeout=30000)
    assert panel.runner.state == "paused"
    assert panel.form.config().components == 50             # the form follows the slider
    assert "paused run" in panel.message_label.text()
    panel.step()                                            # one batch of digits in
    qtbot.waitUntil(lambda: panel.runner.state == "paused" and metric(panel, "n_samples")
                    > 0, timeout=10000)
    step = panel.last_snapshot.step
    mse50 = metric(panel, "recon_mse")
    image50 = np.array(view.recon_img.image())
    # paused: a new M is applied at once and the reconstruction is redrawn
    view.slider.slider.setValue(view.slider.position_of(2))
    qtbot.waitUntil(lambda: metric(panel, "components") == 2, timeout=10000)
    assert panel.runner.state == "paused" and panel.last_snapshot.step == step
    assert metric(panel, "recon_mse") > mse50                # fewer terms, larger error
    assert not np.allclose(np.array(view.recon_img.image()), image50)
    assert "M = <b>2</b>" in view.readout.text()
    # the engine refuses an M out of range, with its message
    panel.runner.edit(Components(m=1000))
    qtbot.waitUntil(lambda: "between 1 and" in panel.message_label.text(), timeout=10000)
    assert metric(panel, "components") == 2
    # mnist takes no clicked points: said in the panel, nothing sent
    assert not view.add_point(0.0, 0.0)
    assert "2-d Gaussian cloud only" in panel.message_label.text()
    # a finished run: the slider continues it (paused), its estimate kept
    panel.set_speed(0.0)
    with qtbot.waitSignal(panel.runner.finished, timeout=30000):
        panel.toggle_pause()
    n_done = metric(panel, "n_samples")
    view.slider.slider.setValue(view.slider.position_of(20))
    qtbot.waitUntil(lambda: metric(panel, "components") == 20, timeout=30000)
    assert panel.runner.state == "paused" and "continues" in panel.message_label.text()
    assert metric(panel, "n_samples") == n_done
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)
    assert window.shutdown(2.0)


def test_clicks_add_points_to_the_2d_cloud_mid_run(qtbot, tmp_path):
    window, panel = rep_panel(qtbot, tmp_path, "pca", "2-d cloud, click to add points",
                              steps=100000, batch=1, max_samples=10000)
    view = panel.view
    assert view.eig_cell.current is view.cloud
    panel.set_speed(20.0)
    assert panel.start()
    qtbot.waitUntil(lambda: metric(panel, "n_samples") >= 3, timeout=30000)
    assert panel.runner.state == "running"
    lam1 = metric(panel, "lambda1")
    # a real click in the data plot while the run streams samples
    view.cloud.plotItem.setXRange(-30, 30, padding=0)
    view.cloud.plotItem.setYRange(-30, 30, padding=0)
    qtbot.wait(50)
    click_plot(qtbot, view.cloud, 20.0, -20.0)

    def added():
        snap = panel.last_snapshot
        return snap is not None and len(snap.arrays["added_points"]) == 1

    qtbot.waitUntil(added, timeout=10000)
    point = panel.last_snapshot.arrays["added_points"][0]
    assert point == pytest.approx([20.0, -20.0], abs=1.0)
    assert metric(panel, "lambda1") > 5 * lam1               # one far point dominates C
    assert panel.runner.state == "running"
    xy = view.cloud.curve("added").getData()
    assert len(xy[0]) == 1 and xy[0][0] == pytest.approx(point[0])
    # bad input: a point far outside is refused by the engine, with its message
    view.add_point(5000.0, 0.0)
    qtbot.waitUntil(lambda: "within" in panel.message_label.text(), timeout=10000)
    assert len(panel.last_snapshot.arrays["added_points"]) == 1
    # an M above the dimension is refused in the panel
    assert not view.set_components(50)
    assert "dimension 2" in panel.message_label.text()
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)
    assert window.shutdown(2.0)


CASES = [
    ("pca", dict(data="random_field", steps=3, batch=50)),
    ("pca", dict(data="mnist", steps=2, batch=100)),
    ("autoencoder", dict(data="curve", steps=20, n_train=200)),
    ("autoencoder", dict(data="mnist", bottleneck=2, steps=3, n_train=200, width=16)),
    ("linear", dict(steps=3, n_train=200, batch_size=200)),
    ("denoising", dict(data="random_field", model="linear", steps=3, n_train=200)),
    ("denoising", dict(data="mnist", steps=3, n_train=200, width=16)),
    ("contractive", dict(steps=3, n_train=200, hidden=16)),
]


def test_views_draw_each_data_mode_in_the_dark_theme_and_export(qtbot, tmp_path):
    from engines.registry import demos
    from engines.runtime import Control, drive
    from panels.representation.panel import RepresentationPanel

    specs = {s.name: s for s in demos("representation")}
    views = []          # kept alive to the end: pyqtgraph items must not lose their wrappers
    for i, (name, changes) in enumerate(CASES):
        spec = specs[name]
        cfg = spec.config().replace(**changes)
        view = RepresentationPanel.VIEWS[name](spec)
        views.append(view)
        qtbot.addWidget(view)
        view.resize(1000, 650)
        view.show()
        view.config_changed(cfg)
        snaps = list(drive(spec.engine_class()(cfg), Control(snapshot_hz=1000)))
        view.theme_changed("dark")
        for snap in snaps[-2:]:
            view.show_snapshot(snap)
        assert view.readout.text()
        assert all(p.theme == "dark" for p in view.all_plots())
        for j, plot in enumerate(view.plots()):
            assert plot.isVisible(), (name, j)
            assert plot.export(tmp_path / f"{i}-{j}.png").stat().st_size > 0
        a = snaps[-1].arrays
        if name == "autoencoder" and cfg.data == "curve":    # D(z) over the data
            x, y = view.curve_plot.curve("manifold").getData()
            assert np.allclose(x, a["manifold"][:, 0])
        if name == "pca" and cfg.data == "random_field":     # eigenvectors as curves
            assert view.eig_cell.current is view.eig_curves
            assert view.spectrum.curve("power").isVisible()
        if name == "denoising" and cfg.model == "linear":    # learned vs closed form
            assert not view.shrink_hint.isVisible()
            x, y = view.shrink.curve("learned").getData()
            assert np.allclose(y, a["shrink_learned"])
        view.add_ghost(snaps[-1].history, "run 1")
        view.reset()
        assert view.readout.text() == ""


def test_representation_views_do_not_import_torch():
    import os
    import subprocess
    import sys

    code = ("import os; os.environ['QT_QPA_PLATFORM']='offscreen'; import sys; "
            "import panels.representation.panel; print('torch' in sys.modules)")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=root, env={**os.environ, "PYTHONPATH": root}, timeout=60)
    assert out.stdout.strip().endswith("False"), out.stderr
