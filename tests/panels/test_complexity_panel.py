"""The complexity panel: typed bits reach Solomonoff's running engine, code edits and a
typed stream reach the codes engine, a CSV file is checked (a bad one gets the engine's
message naming the line) and put into the form, Levin's search ends with its answer, and
expressions are typeset in Unicode, never as raw TeX."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from engines.complexity.configs import Bits
from panels.complexity.views import unicode_expr
from tests.panels.helpers import make_window, quick_config

pytestmark = pytest.mark.gui


def panel_for(qtbot, tmp_path, demo: str):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel("complexity")
    panel.set_demo(demo)
    return window, panel


def seen_bits(panel) -> str:
    snap = panel.last_snapshot
    return "" if snap is None else "".join(str(int(b)) for b in snap.arrays["seen"])


def stop(qtbot, panel) -> None:
    if panel.runner.is_active():
        panel.stop()
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=10000)


def test_unicode_expressions_have_no_tex():
    assert unicode_expr("x**(3/2)") == "x<sup>3/2</sup>"
    assert unicode_expr("6.283*sqrt(x/y)") == "6.283·√(x/y)"
    assert unicode_expr("x/y**2") == "x/y<sup>2</sup>"
    assert unicode_expr("x*(y + 3) + pi/x") == "x·(y + 3) + π/x"
    assert unicode_expr("(x + 1)**(-1/2)") == "(x + 1)<sup>−1/2</sup>"


def test_typed_bits_reach_solomonoff_mid_run_and_bad_bits_are_refused(qtbot, tmp_path):
    window, panel = panel_for(qtbot, tmp_path, "solomonoff")
    assert panel.speed == 1.0                      # one bit per second by default
    quick_config(panel)                            # alternating bits: never 0110
    view = panel.view
    # no run yet: typing bits starts a paused run that takes them
    view.bits_edit.setText("0110")
    qtbot.mouseClick(view.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.last_snapshot is not None, timeout=30000)
    assert panel.runner.state == "paused" and "started a new run" in \
        panel.message_label.text()
    panel.set_speed(10.0)
    panel.toggle_pause()
    qtbot.waitUntil(lambda: len(seen_bits(panel)) >= 6, timeout=20000)
    assert seen_bits(panel).startswith("0110")     # the typed bits came first
    # mid-run: typed bits join the stream where it is
    before = len(seen_bits(panel))
    view.bits_edit.setText("0 1 1 0")
    qtbot.mouseClick(view.send_button, Qt.MouseButton.LeftButton)
    assert "Bits 0110 sent" in panel.message_label.text()
    qtbot.waitUntil(lambda: "0110" in seen_bits(panel)[before:], timeout=20000)
    assert "seen (" in view.hyp.text()
    # bad input: refused in the panel, and by the engine with its message
    view.bits_edit.setText("01a")
    assert not view.send_bits()
    assert "'a'" in panel.message_label.text()
    panel.runner.edit(Bits("012"))
    qtbot.waitUntil(lambda: "typed bits" in panel.message_label.text(), timeout=10000)
    stop(qtbot, panel)
    assert window.shutdown(2.0)


def test_code_edits_and_a_typed_stream_reach_the_codes_engine(qtbot, tmp_path):
    window, panel = panel_for(qtbot, tmp_path, "codes")
    assert panel.speed == 10.0
    panel.form.set_config(panel.form.config().replace(steps=5000))
    view = panel.view
    view.word_edit.setText("0, 10, 11")            # set_words: a complete code
    qtbot.mouseClick(view.set_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.last_snapshot is not None
                    and list(panel.last_snapshot.arrays["words"]) == ["0", "10", "11"],
                    timeout=30000)
    assert panel.last_snapshot.metrics["kraft_sum"] == 1.0
    panel.set_speed(300.0)
    panel.toggle_pause()                           # resume
    view.word_edit.setText("111")                  # add_word: 11 ⊏ 111
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "11 ⊏ 111" in list(panel.last_snapshot.arrays["conflicts"]),
                    timeout=10000)
    assert panel.last_snapshot.metrics["prefix_free"] == 0.0
    assert len(view.tree.curve("conflict").xData) == 1     # drawn as word and prefix
    assert "NOT prefix-free" in view.kraft_text.toPlainText()
    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)   # remove_word 111
    qtbot.waitUntil(lambda: panel.last_snapshot.metrics["prefix_free"] == 1.0
                    and panel.last_snapshot.metrics["n_words"] == 3, timeout=10000)
    # a typed stream is decoded into words: 8 × "10" in a row (random: 1 in 10⁴)
    view.bits_edit.setText("10" * 8)
    qtbot.mouseClick(view.feed_button, Qt.MouseButton.LeftButton)

    def run_of_tens() -> bool:
        words = list(panel.last_snapshot.arrays["decoded"])
        return any(words[i:i + 7] == ["10"] * 7 for i in range(len(words)))
    qtbot.waitUntil(run_of_tens, timeout=10000)
    # bad input: the engine's messages
    view.word_edit.setText("012")
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "only 0 and 1" in panel.message_label.text(), timeout=10000)
    view.word_edit.setText("1010")
    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not a code word" in panel.message_label.text(), timeout=10000)
    stop(qtbot, panel)
    assert window.shutdown(2.0)


def test_csv_loading_and_levin_ends_with_its_answer(qtbot, tmp_path):
    window, panel = panel_for(qtbot, tmp_path, "symbolic")
    view = panel.view
    bad = tmp_path / "bad.csv"
    bad.write_text("x,target\n1,1\n2,abc\n3,9\n")
    assert not view.load_csv(str(bad))
    text = panel.message_label.text()
    assert "bad.csv" in text and "line 3" in text and "not a number" in text
    assert panel.form.config().target == "lecture"          # the form is unchanged
    good = tmp_path / "square.csv"
    good.write_text("x,target\n" + "".join(f"{x},{x * x}\n" for x in range(1, 11)))
    assert view.load_csv(str(good))
    cfg = panel.form.config()
    assert cfg.target == "csv" and cfg.csv_path == str(good)
    panel.form.set_config(cfg.replace(max_nodes=3))
    panel.set_speed(0.0)
    with qtbot.waitSignal(panel.runner.finished, timeout=30000):
        assert panel.start()
    snap = panel.last_snapshot
    assert snap.metrics["best_mse"] < 1e-12 and list(snap.arrays["best_expr"]) == ["x**2"]
    listing = view.exprs.text()
    assert "x<sup>2</sup>" in listing and "\\" not in listing and "**" not in listing

    panel.set_demo("levin")
    assert panel.speed == 3.0
    cfg = quick_config(panel)
    panel.set_speed(0.0)
    with qtbot.waitSignal(panel.runner.finished, timeout=30000):
        assert panel.start()
    snap = panel.last_snapshot
    m = snap.metrics
    assert m["found"] == 1.0 and m["finished"] == 1.0
    assert snap.step < cfg.steps                   # the run ends with the search
    assert m["total_steps"] <= m["bound"]          # within 2^(ℓ+1) − 2
    assert "Kt = l(p) + log₂ τ(p)" in view_text(panel.view.found)
    assert f"{m['kt']:.2f}" in view_text(panel.view.found)
    assert "steps/budget" in panel.view.tried.text()      # the programs tried, listed
    assert window.shutdown(2.0)


def view_text(label) -> str:
    return label.text()
