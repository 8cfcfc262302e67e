"""The generative panel: painting a target and clamping RBM units with the mouse reach the
running engine, the temperature slider, the comparison card, and clear messages for bad
input (an empty painted target, zero hidden units)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from engines.generative.configs import RBMConfig
from tests.panels.helpers import make_window

pytestmark = pytest.mark.gui


def generative_panel(qtbot, tmp_path, demo: str, **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("generative")
    panel.set_demo(demo)
    if changes:
        panel.form.set_config(panel.form.config().replace(**changes))
    return window, panel


def click_data(qtbot, plot, x, y, button=Qt.MouseButton.LeftButton):
    """A real mouse click at data coordinates (x, y) of a plot."""
    qtbot.mouseClick(plot.viewport(), button, pos=plot.data_to_widget(x, y))


def drag_data(plot, points):
    """Press at the first point, move through the others with the button held, release."""
    viewport = plot.viewport()
    pos = [plot.data_to_widget(x, y) for x, y in points]

    def send(kind, p, buttons):
        event = QMouseEvent(kind, QPointF(p), QPointF(viewport.mapToGlobal(p)),
                            Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)

    send(QEvent.Type.MouseButtonPress, pos[0], Qt.MouseButton.LeftButton)
    for p in pos[1:]:
        send(QEvent.Type.MouseMove, p, Qt.MouseButton.LeftButton)
    send(QEvent.Type.MouseButtonRelease, pos[-1], Qt.MouseButton.NoButton)


def stop(qtbot, panel):
    panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)


def test_painting_a_target_reaches_the_running_flow(qtbot, tmp_path):
    window, panel = generative_panel(qtbot, tmp_path, "flow_samples", target="painted",
                                     steps=200_000, layers=2, hidden=16)
    view = panel.view
    # an empty painted target: Start is refused with the reason
    assert not panel.start()
    assert "painted target is empty" in panel.message_label.text()
    assert not panel.runner.is_active()

    click_data(qtbot, view.target, 2.0, 2.0)                 # a blob around (2, 2)
    assert len(panel.view.paint) > 0
    assert np.linalg.norm(panel.view.paint.mean(axis=0) - [2.0, 2.0]) < 0.3
    assert "press Start" in panel.message_label.text()
    shown = view.target.points["painted"][0].getData()[0]
    assert len(shown) == len(panel.view.paint)                 # drawn at once

    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None
                    and "painted" in panel.last_snapshot.arrays, timeout=30000)
    np.testing.assert_allclose(panel.last_snapshot.arrays["painted"], panel.view.paint)

    # a stroke while it trains: the engine gets the longer list
    before = len(panel.view.paint)
    drag_data(view.target, [(-2.0, -2.0), (-1.0, -2.0), (0.0, -2.0)])
    assert len(panel.view.paint) > before + 10
    assert "now learns the new target" in panel.message_label.text()
    qtbot.waitUntil(lambda: len(panel.last_snapshot.arrays["painted"]) == len(panel.view.paint),
                    timeout=10000)
    state, _ = panel.runner.fetch_state()
    assert len(state["painted"]) == len(panel.view.paint)
    stop(qtbot, panel)

    # painting outside the square adds nothing; clearing empties it again
    view.clear_requested.emit()
    assert len(panel.view.paint) == 0 and "cleared" in panel.message_label.text()
    assert window.shutdown(2.0)


def test_clamping_rbm_units_by_clicking_and_annealing(qtbot, tmp_path):
    window, panel = generative_panel(qtbot, tmp_path, "rbm", steps=200_000, chains=8)
    view = panel.view
    # zero hidden units: the form accepts the number, Start names the key and the reason
    panel.form.editors["hidden"].setValue(0)
    assert "hidden" in panel.message_label.text()
    assert not panel.start()
    text = panel.message_label.text()
    assert "hidden" in text and "at least one hidden unit" in text
    panel.form.editors["hidden"].setValue(16)

    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None
                    and view.chain_plot.layout_info is not None, timeout=30000)
    # click unit 3 of the second chain: free → clamped on
    x, y = view.chain_plot.unit_position(3, tile=1)
    click_data(qtbot, view.chain_plot, x, y)
    assert panel.view.pattern[3] == 1
    assert "1 unit clamped" in panel.message_label.text()
    qtbot.waitUntil(lambda: panel.last_snapshot.arrays["clamp"][3] == 1, timeout=10000)
    qtbot.waitUntil(lambda: (panel.last_snapshot.arrays["chain_samples"][:, 3] == 1).all(),
                    timeout=10000)
    # a second click: clamped off
    click_data(qtbot, view.chain_plot, x, y)
    assert panel.view.pattern[3] == 0
    qtbot.waitUntil(lambda: (panel.last_snapshot.arrays["chain_samples"][:, 3] == 0).all(),
                    timeout=10000)
    # half of a data sample, then anneal: the chains restart hot
    view.clamp_button.click()
    assert (panel.view.pattern[:10] >= 0).all() and (panel.view.pattern[10:] == -1).all()
    qtbot.waitUntil(lambda: (panel.last_snapshot.arrays["clamp"][:10] >= 0).all(),
                    timeout=10000)
    panel.set_speed(10.0)
    view.anneal_button.click()
    qtbot.waitUntil(lambda: panel.last_snapshot.metrics["chain_T"] > 1.0, timeout=10000)
    assert "Annealing" in panel.message_label.text()
    view.clear_button.click()
    assert (panel.view.pattern == -1).all()
    stop(qtbot, panel)
    # the next run starts with the clamp pattern the panel keeps
    panel.view.toggle_unit(0)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None
                    and panel.last_snapshot.arrays["clamp"][0] == 1, timeout=30000)
    stop(qtbot, panel)
    assert window.shutdown(2.0)


def test_temperature_slider_and_the_comparison_card(qtbot, tmp_path):
    window, panel = generative_panel(qtbot, tmp_path, "flow_energy", steps=200_000, layers=2,
                                     hidden=16)
    view = panel.view
    card = panel.card.text()
    for header in ("RBM", "Flow", "VAE", "GAN", "Exact density", "Sampling cost",
                   "Conditioning", "Latent space"):
        assert header in card
    assert "yes, normalised" in card and "<b>yes, normalised</b>" in card   # this demo
    # the slider previews p at the new T before any run
    view.slider.slider.setValue(view.slider.position_of(2.0))
    assert panel.form.config().temperature == pytest.approx(2.0, abs=0.03)
    assert "T = 2" in view.readout.text()
    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None
                    and panel.last_snapshot.step > 20, timeout=30000)
    view.slider.slider.setValue(view.slider.position_of(0.5))
    assert "learns p ∝ exp(−E/T)" in panel.message_label.text()
    qtbot.waitUntil(lambda: panel.last_snapshot.metrics.get("temperature") == pytest.approx(
        0.5, abs=0.01), timeout=10000)
    # the card shows the figure the flow measured live
    qtbot.waitUntil(lambda: "flow_energy" in panel.measured, timeout=10000)
    assert f"{panel.measured['flow_energy']:.3g}" in panel.card.text()
    stop(qtbot, panel)
    panel.set_demo("rbm")
    assert "<b>clamp units, no training</b>" in panel.card.text()
    assert window.shutdown(2.0)


def test_rbm_config_property_visible():
    assert RBMConfig(data="bars_stripes", bas_side=4).visible == 16
    assert RBMConfig(data="mnist").visible == 784
