"""The sequence demos of the architectures panel: the sequence-length slider of ``memory``
and the temperature slider and "New sample" button of ``char-model`` reach the running
engine (and the form); ``dynamics-rnn`` draws the Lorenz system in the x-z plane."""
from __future__ import annotations

import pytest

from tests.panels.helpers import make_window, quick_config

pytestmark = pytest.mark.gui


def arch_panel(qtbot, tmp_path, demo: str, **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("architectures")
    panel.set_demo(demo)
    cfg = quick_config(panel, steps=200_000)
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


def test_memory_length_slider_mid_run(qtbot, tmp_path):
    window, panel = arch_panel(qtbot, tmp_path, "memory", length=10, hidden=8, compare=False)
    view = panel.view
    assert panel.start()
    snap = snapshot_when(qtbot, panel, lambda s: s.step > 0)
    assert snap.metrics["length"] == 10 and snap.arrays["gates"].shape == (24, 10)
    view.length.slider.setValue(view.length.position_of(30))
    assert panel.form.config().length == 30
    snap = snapshot_when(qtbot, panel, lambda s: s.metrics["length"] == 30)
    assert snap.arrays["gates"].shape == (24, 30)
    assert snap.arrays["grad_norm_lstm"].shape == (30,) and snap.arrays["grad_norm_rnn"].size == 0
    qtbot.waitUntil(lambda: "T = 30" in view.readout.text(), timeout=10000)
    stop(qtbot, panel)


def test_char_model_temperature_and_new_sample_mid_run(qtbot, tmp_path):
    window, panel = arch_panel(qtbot, tmp_path, "char-model", sample_every=10000,
                               eval_every=10000, eval_chars=1000)
    view = panel.view
    assert panel.start()
    snapshot_when(qtbot, panel, lambda s: s.step > 0)
    view.temp.slider.setValue(view.temp.position_of(1.5))
    value = panel.form.config().temperature
    assert abs(view.temp.value() - value) < 1e-3
    snap = snapshot_when(qtbot, panel, lambda s: s.metrics["temperature"] == value)
    text = bytes(snap.arrays["samples"]).decode("utf-8")
    assert f"T = {value:.2f}" in text
    view.resample.click()
    snap = snapshot_when(qtbot, panel, lambda s: bytes(s.arrays["samples"]).decode(
        "utf-8").count("step ") == 2)
    qtbot.waitUntil(lambda: f"T = {value:.2f}" in view.samples.toPlainText(), timeout=10000)
    stop(qtbot, panel)


def test_dynamics_lorenz_is_drawn_in_the_x_z_plane(qtbot, tmp_path):
    window, panel = arch_panel(qtbot, tmp_path, "dynamics-rnn", system="lorenz",
                               horizon=0.5, n_train=200, euler_steps=50)
    view = panel.view
    assert panel.start()
    snap = snapshot_when(qtbot, panel, lambda s: s.step > 0)
    assert snap.arrays["true_fine"].shape[2] == 3
    qtbot.waitUntil(lambda: view.dims == (0, 2), timeout=10000)
    x, z = view.phase.curve("true0").getData()
    assert x.size > 10 and z.min() > 0          # Lorenz's z stays positive here
    stop(qtbot, panel)
