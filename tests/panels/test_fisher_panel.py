"""GUI tests of the fisher panel's mid-run interactions: the μ slider of the natural
gradient, editing P and Q of the KL demo, ρ and the invertible map of the MI demo."""
from __future__ import annotations

import numpy as np
import pytest

from engines.fisher.configs import SetMu, SetP
from tests.panels.helpers import make_window, quick_config

pytestmark = pytest.mark.gui


def fisher_panel(qtbot, tmp_path, demo: str, steps: int):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("fisher")
    panel.set_demo(demo)
    quick_config(panel, steps=steps)
    return window, panel


def start_and_wait(qtbot, panel) -> None:
    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None
                    and panel.last_snapshot.step >= 1, timeout=30000)


def finish(qtbot, window, panel) -> None:
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)
    assert window.shutdown(2.0)


def test_natural_gradient_mu_slider_mid_run_and_bad_edit(qtbot, tmp_path):
    window, panel = fisher_panel(qtbot, tmp_path, "natural-gradient", steps=5000)
    assert panel.speed == 10.0                        # the default run unfolds slowly
    start_and_wait(qtbot, panel)
    assert panel.last_snapshot.metrics["mu"] == pytest.approx(3.0)
    view = panel.view
    slider = view.slider
    slider.slider.setValue(slider.position_of(1.0))   # as a drag of the slider would
    qtbot.waitUntil(lambda: panel.last_snapshot.metrics["mu"] == pytest.approx(1.0, rel=0.05),
                    timeout=10000)
    m = panel.last_snapshot.metrics
    assert m["line_steps"] < panel.last_snapshot.step      # the line-fit paths restarted
    assert panel.form.config().mu == pytest.approx(m["mu"])  # the form follows the slider
    assert "μ = 1" in panel.message_label.text()
    # with μ = 1 GD in θ and in ϑ take the same first step in a
    qtbot.waitUntil(lambda: "gd_first_step_ratio" in panel.last_snapshot.metrics
                    and panel.last_snapshot.metrics["gd_first_step_ratio"]
                    == pytest.approx(m["mu"] ** 2, rel=1e-6), timeout=10000)
    # bad input reaching the engine is refused with its message
    panel.runner.edit(SetMu(mu=50.0))
    qtbot.waitUntil(lambda: "must lie in" in panel.message_label.text(), timeout=10000)
    assert panel.last_snapshot.metrics["mu"] == pytest.approx(m["mu"])
    finish(qtbot, window, panel)
    # no run: the slider only sets the form, and says so
    slider.slider.setValue(slider.position_of(2.0))
    assert "next run" in panel.message_label.text()


def test_kl_editing_q_mid_run_moves_q_and_the_form(qtbot, tmp_path):
    window, panel = fisher_panel(qtbot, tmp_path, "kl", steps=5000)
    start_and_wait(qtbot, panel)
    view = panel.view

    def q_mode() -> float:
        a = panel.last_snapshot.arrays          # the grid follows P and Q: read it anew
        return float(a["x"][np.argmax(a["q"])])

    assert abs(q_mode() - 0.0) < 0.1
    kl_before = panel.last_snapshot.metrics["kl_pq"]
    view.target.setCurrentText("Q")
    assert view.boxes["mu1"].value() == pytest.approx(panel.form.config().q_mu1)
    view.boxes["mu1"].setValue(2.0)                     # Q's (only) mode moves to x = 2
    qtbot.waitUntil(lambda: abs(q_mode() - 2.0) < 0.1, timeout=10000)
    assert panel.form.config().q_mu1 == pytest.approx(2.0)
    assert panel.last_snapshot.metrics["kl_pq"] != pytest.approx(kl_before)
    assert "sent to the run" in panel.message_label.text()
    # an edit the engine cannot take is refused with a message naming the problem
    panel.runner.edit(SetP(sigma1=0.0))
    qtbot.waitUntil(lambda: "sigma1" in panel.message_label.text()
                    and "must lie in" in panel.message_label.text(), timeout=10000)
    finish(qtbot, window, panel)


def test_mutual_information_map_and_rho_mid_run(qtbot, tmp_path):
    window, panel = fisher_panel(qtbot, tmp_path, "mutual-information", steps=3000)
    panel.set_speed(30.0)
    start_and_wait(qtbot, panel)
    view = panel.view
    qtbot.waitUntil(lambda: "mi_estimate" in panel.last_snapshot.metrics, timeout=10000)
    view.transform.setCurrentText("cubic")
    qtbot.waitUntil(lambda: abs(panel.last_snapshot.metrics["corr"]
                                - panel.last_snapshot.metrics["corr_raw"]) > 0.02,
                    timeout=10000)
    m = panel.last_snapshot.metrics
    # the map lowers the correlation; the mutual information stays near its exact value
    assert m["corr"] < m["corr_raw"] - 0.02
    assert m["mi_estimate"] == pytest.approx(m["mi_exact"], abs=0.15)
    assert np.allclose(panel.last_snapshot.arrays["fx"], panel.last_snapshot.arrays["x"] ** 3)
    assert panel.form.config().transform == "cubic"
    slider = view.slider
    slider.slider.setValue(slider.position_of(0.0))
    qtbot.waitUntil(lambda: abs(panel.last_snapshot.metrics["rho"]) < 0.02
                    and panel.last_snapshot.metrics["mi_exact"] < 1e-3, timeout=10000)
    finish(qtbot, window, panel)


def test_views_draw_the_mode_specific_snapshots(qtbot):
    """Snapshots only some modes send: the matrix Cramér-Rao model, a spiral for the RMI,
    a parabola for the MI (no ρ), drawn in the dark theme."""
    from engines.registry import COURSE
    from engines.runtime import Control, drive
    from panels.fisher.panel import FisherPanel

    topic = COURSE["fisher"]
    cases = [("cramer-rao", {"model": "gaussian_mu_sigma", "n_obs": 10}),
             ("rmi", {"dataset": "spiral", "feature": "network", "n_points": 100}),
             ("mutual-information", {"dataset": "parabola", "n_samples": 500})]
    for demo, changes in cases:
        spec = topic.demo(demo)
        cfg = spec.config().replace(steps=3, **changes)
        view = FisherPanel.VIEWS[demo](spec)
        qtbot.addWidget(view)
        view.resize(1000, 700)
        view.show()
        view.config_changed(cfg)
        for plot in view.plots():
            plot.apply_theme("dark")
        snap = list(drive(spec.engine_class()(cfg), Control(snapshot_hz=1000)))[-1]
        view.show_snapshot(snap)
        assert view.info.text()
        if demo == "cramer-rao":
            assert view.ellipse.curve("ell_bound").xData.size == 100
            assert all(h.isVisible() for h in view.one_param_hints)
            assert view.hist.curve("h_mle").xData is None or view.hist.curve("h_mle").xData.size == 0
            assert "I<sub>σσ</sub>" in view.info.text()
        elif demo == "rmi":
            assert "hidden coordinate" in view.info.text()
            assert view.levels.xData.size > 0            # level lines of F drawn
        else:
            assert not view.slider.isEnabled()          # ρ belongs to the Gaussian only
        view.reset()
        assert view.info.text() == ""
