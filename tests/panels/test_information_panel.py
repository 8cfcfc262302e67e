"""The information panel: dragged and typed probabilities, sliders and spin boxes reach the
running engine (its next snapshot shows them), the codes are built one step at a time,
and bad input (a malformed list, a binary text file) gets a clear message."""
from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from tests.panels.helpers import make_window

pytestmark = pytest.mark.gui


def info_panel(qtbot, tmp_path, demo: str, speed: float | None = None, **changes):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("information")
    panel.set_demo(demo)
    if changes:
        panel.form.set_config(panel.form.config().replace(**changes))
    if speed is not None:
        panel.set_speed(speed)
    return window, panel


def metric(panel, key: str) -> float:
    snap = panel.last_snapshot
    return math.nan if snap is None else float(snap.metrics[key])


def plot_pos(plot, x: float, y: float):
    scene = plot.plotItem.vb.mapViewToScene(QPointF(x, y))
    return plot.mapFromScene(scene)


def test_source_bars_dragged_typed_and_sliders_mid_run(qtbot, tmp_path):
    window, panel = info_panel(qtbot, tmp_path, "source", speed=300.0, steps=10**6,
                               n_symbols=6, distribution="lecture")
    view = panel.view
    assert panel.speed == 300.0
    assert panel.start()
    qtbot.waitUntil(lambda: metric(panel, "samples") > 20, timeout=30000)
    # drag bar b (index 1) up to 0.6, then on down to 0.3 with the button held
    bars = view.bars
    qtbot.mousePress(bars.viewport(), Qt.MouseButton.LeftButton, pos=plot_pos(bars, 1, 0.6))
    qtbot.waitUntil(lambda: abs(panel.last_snapshot.arrays["probs"][1] - 0.6) < 0.02,
                    timeout=10000)
    qtbot.mouseMove(bars.viewport(), pos=plot_pos(bars, 1.1, 0.3))
    qtbot.mouseRelease(bars.viewport(), Qt.MouseButton.LeftButton,
                       pos=plot_pos(bars, 1.1, 0.3))
    qtbot.waitUntil(lambda: abs(panel.last_snapshot.arrays["probs"][1] - 0.3) < 0.02,
                    timeout=10000)
    p = panel.last_snapshot.arrays["probs"]
    assert p.sum() == pytest.approx(1.0)
    assert panel.runner.state == "running"

    # typing a uniform distribution: H = log2 N exactly
    view.editor.line.setText("1, 1, 1, 1, 1, 1")
    view.editor.line.returnPressed.emit()
    qtbot.waitUntil(lambda: abs(metric(panel, "entropy_bits") - math.log2(6)) < 1e-9,
                    timeout=10000)
    # bad input: a word, and a list of the wrong length (refused by the engine)
    view.editor.line.setText("0.5, abc")
    view.editor.line.returnPressed.emit()
    assert "not a number" in panel.message_label.text()
    view.editor.line.setText("0.5, 0.5")
    view.editor.line.returnPressed.emit()
    qtbot.waitUntil(lambda: "2 values given for 6 symbols" in panel.message_label.text(),
                    timeout=10000)

    # coupling 0: X and Y independent, H(X,Y) = H(X) + H(Y); the form follows the slider
    view.coupling.slider.setValue(0)
    qtbot.waitUntil(lambda: metric(panel, "mutual_information_bits") < 1e-9, timeout=10000)
    assert metric(panel, "joint_entropy_bits") == pytest.approx(
        metric(panel, "hx_plus_hy_bits"))
    assert panel.form.config().coupling == 0.0
    view.coupling.slider.setValue(view.coupling.slider.maximum())
    qtbot.waitUntil(lambda: metric(panel, "mutual_information_bits") > 0.5, timeout=10000)
    # mixing λ = 0.2: the point on the curve lies above the chord (concavity)
    view.mix.slider.setValue(int(0.2 * view.mix.slider.maximum()))
    qtbot.waitUntil(lambda: panel.form.config().mix == pytest.approx(0.2), timeout=5000)
    panel.runner.stop()


def test_codes_built_one_step_at_a_time_then_typed_source(qtbot, tmp_path):
    window, panel = info_panel(qtbot, tmp_path, "codes", steps=10**6, n_symbols=6,
                               distribution="lecture")
    view = panel.view
    assert panel.speed == 1.0                    # one split / merge per second
    panel.step()                                 # idle: Step starts and builds one step
    qtbot.waitUntil(lambda: metric(panel, "build_step") == 1
                    and panel.runner.state == "paused", timeout=30000)
    a = panel.last_snapshot.arrays
    # Huffman after one merge: the six leaves and one parent, five roots in the forest
    assert (a["huffman_node_parent"] < 0).sum() == 5
    assert view.trees["huffman"].nodes.data.size == a["huffman_node_parent"].size
    assert "Building: step 1 of" in view.table.toHtml()

    # a dyadic source typed mid-run: the build restarts, Huffman reaches ⟨L⟩ = H
    view.editor.line.setText("0.5, 0.25, 0.125, 0.0625, 0.03125, 0.03125")
    view.editor.line.returnPressed.emit()
    qtbot.waitUntil(lambda: metric(panel, "build_step") == 0
                    and panel.last_snapshot.arrays["probs"][0] == pytest.approx(0.5),
                    timeout=10000)
    panel.set_speed(0.0)
    panel.runner.resume()
    qtbot.waitUntil(lambda: metric(panel, "message_symbols") > 60, timeout=30000)
    m = panel.last_snapshot.metrics
    assert m["huffman_avg_len"] == pytest.approx(m["entropy_bits"])
    assert m["kraft_huffman"] == pytest.approx(1.0)
    assert m["decoded_ok"] == 1.0
    html = view.stream.toPlainText()
    assert "Huffman" in html and "✓" in html
    # the code table shows Huffman's codewords of the dyadic source: lengths 1, 2, 3, 4, 5, 5
    lengths = sorted(int(x) for x in panel.last_snapshot.arrays["huffman_lengths"])
    assert lengths == [1, 2, 3, 4, 5, 5]
    panel.runner.stop()


def test_blocks_p_and_block_length_mid_run(qtbot, tmp_path):
    window, panel = info_panel(qtbot, tmp_path, "blocks", speed=30.0, steps=10_000,
                               max_block=8, block=4, symbols_per_step=256)
    view = panel.view
    assert panel.start()
    qtbot.waitUntil(lambda: metric(panel, "symbols") > 0, timeout=30000)
    view.block.setValue(2)
    qtbot.waitUntil(lambda: metric(panel, "block") == 2, timeout=10000)
    assert panel.form.config().block == 2
    assert view.block.maximum() == 8
    view.p_slider.slider.setValue(view.p_slider.position_of(0.5))
    qtbot.waitUntil(lambda: abs(metric(panel, "entropy_bits") - 1.0) < 1e-6, timeout=10000)
    assert panel.form.config().p_one == pytest.approx(0.5)
    # ⟨L_n⟩/n lies between H and H + 1/n for every n
    a = panel.last_snapshot.arrays
    assert np.all(a["avg_len_per_symbol"] >= a["lower_bound"] - 1e-12)
    assert np.all(a["avg_len_per_symbol"] <= a["upper_bound"] + 1e-12)
    panel.runner.stop()


def test_text_temperature_model_and_a_binary_file(qtbot, tmp_path):
    window, panel = info_panel(qtbot, tmp_path, "text", speed=10.0, steps=10_000)
    view = panel.view
    assert panel.start()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None, timeout=60000)
    view.temp.slider.setValue(view.temp.position_of(0.5))
    qtbot.waitUntil(lambda: metric(panel, "temperature") == pytest.approx(0.5), timeout=10000)
    view.model.setCurrentIndex(view.model.findData("5"))
    qtbot.waitUntil(lambda: metric(panel, "coder_order") == 5.0, timeout=10000)
    assert panel.form.config().order == "5"
    assert "▶ order 5" in view.samples.toPlainText()

    # a binary file: the run fails with the engine's message, shown clearly
    binary = tmp_path / "image.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    view.open_text_file(str(binary))
    assert panel.form.config().text_path == str(binary)
    qtbot.waitUntil(lambda: "Cannot use this text file" in panel.message_label.text(),
                    timeout=30000)
    text = panel.message_label.text()
    assert "binary" in text and "image.bin" in text
    # an empty file: the same, with its own reason
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    view.open_text_file(str(empty))
    qtbot.waitUntil(lambda: "is empty" in panel.message_label.text(), timeout=30000)
