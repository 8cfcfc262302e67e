"""Lecture mode in the window: stepping through every shipped lecture, broken lectures,
the keys (Page Down / Page Up, arrows in full screen), the command palette, the course
map, the notes window, "Add this demo", "Show code" and "Copy as command line"."""
from __future__ import annotations

import json
import re
import shlex
from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.panels.helpers import make_window
from workbench.course_index import build_index
from workbench.lectures import load_lecture, shipped_lectures
from workbench.run_bar import SPEEDS, nearest_speed_index

pytestmark = pytest.mark.gui
SHIPPED = shipped_lectures()


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ML_WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))


def lecture_window(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path)
    window.lecture_autostart = False     # lean: the steps are checked, not trained
    return window


def assert_at_step(window, lecture, index):
    step = lecture.steps[index]
    panel = window.current_panel
    assert window.step_index == index
    assert (panel.panel_id, panel.spec.name) == (step.panel, step.demo)
    assert panel.form.config() == step.config()
    if step.speed is not None:
        assert panel.speed == SPEEDS[nearest_speed_index(step.speed)][1]
    assert window.lecture_bar.buttons[index].isChecked()
    assert window.lecture_bar.step_label.text().startswith(f"{index + 1}/{len(lecture.steps)}")


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_stepping_through_every_shipped_lecture(qtbot, tmp_path, path):
    window = lecture_window(qtbot, tmp_path)
    lecture = window.open_lecture(path)
    assert lecture is not None and lecture.problems == []
    assert window.lecture_bar.isVisible() and len(window.lecture_bar.buttons) == len(lecture.steps)
    assert_at_step(window, lecture, 0)
    for index in range(1, len(lecture.steps)):
        qtbot.keyClick(window, Qt.Key.Key_PageDown)
        assert_at_step(window, lecture, index)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)              # the last step stays
    assert_at_step(window, lecture, len(lecture.steps) - 1)
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert_at_step(window, lecture, len(lecture.steps) - 2)
    assert all(not p.runner.is_active() for p in window.panels.values())


def test_autostart_starts_the_step_briefly_and_the_next_step_stops_it(qtbot, tmp_path):
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"title": "Two", "steps": [
        {"panel": "nn-basics", "demo": "function", "preset": "quick", "autostart": True,
         "set": {"steps": 20000}, "speed": 30},
        {"panel": "nn-basics", "demo": "backprop", "preset": "quick"}]}))
    window = make_window(qtbot, tmp_path)
    window.open_lecture(str(path))
    panel = window.current_panel
    qtbot.waitUntil(lambda: panel.runner.state == "running", timeout=60000)
    assert panel.run_cfg.steps == 20000
    window.next_step()
    assert panel.spec.name == "backprop"
    qtbot.waitUntil(lambda: not panel.runner.is_active(), timeout=20000)


def test_arrow_keys_step_only_in_full_screen(qtbot, tmp_path):
    window = lecture_window(qtbot, tmp_path)
    lecture = window.open_lecture("ch09-rl")
    window.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.step_index == 0
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.isFullScreen()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert_at_step(window, lecture, 2)
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert_at_step(window, lecture, 1)
    qtbot.keyClick(window, Qt.Key.Key_F11)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.step_index == 1
    window.lecture_bar.buttons[4].click()          # the step list jumps too
    assert_at_step(window, lecture, 4)


def test_a_broken_lecture_names_the_bad_step_and_opens_at_its_valid_steps(qtbot, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"title": "Broken", "steps": [
        {"panel": "rl", "demo": "dp", "preset": "quick"},
        {"panel": "no-such-panel", "demo": "x"},
        {"panel": "nn-basics", "demo": "function", "set": {"lr": 50}},
        {"panel": "nn-basics", "demo": "function", "size": 3},
        {"panel": "information", "demo": "codes"}]}))
    window = lecture_window(qtbot, tmp_path)
    lecture = window.open_lecture(str(path))
    assert [s.number for s in lecture.steps] == [1, 5]
    message = window.current_panel.message_label.text()
    assert "3 step(s) left out" in message
    assert "step 2: unknown panel 'no-such-panel'" in message
    assert re.search(r"step 3 \(nn-basics/function\): set lr: 50 is out of range", message)
    assert "step 4 (nn-basics/function): unknown key 'size'" in message
    assert len(window.lecture_bar.buttons) == 2
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert window.current_panel.panel_id == "information"

    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{oops")
    assert window.open_lecture(str(bad_json)) is None
    assert "Cannot open the lecture" in window.current_panel.message_label.text()
    assert window.lecture is lecture                      # the open lecture stays


def distinctive_words(entries, count=4):
    """Words of demo texts (not in the title) that occur in only one demo's text."""
    seen = Counter()
    per_entry = {}
    for entry in entries:
        words = {w for w in re.findall(r"[a-z]{7,}", entry.text.lower())}
        per_entry[entry.key] = words - set(re.findall(r"[a-z]+", entry.title.lower()))
        seen.update(words)
    picked = []
    for entry in entries:
        unique = sorted(w for w in per_entry.get(entry.key, ()) if seen[w] == 1)
        if unique and entry.built:
            picked.append((unique[0], entry))
    step = max(1, len(picked) // count)
    return picked[::step][:count]


def test_the_command_palette_finds_a_demo_by_a_word_from_its_text(qtbot, tmp_path):
    window = lecture_window(qtbot, tmp_path)
    entries = build_index()
    for word, entry in distinctive_words(entries):
        palette = window.show_palette()
        palette.query.setText(word)
        assert ("demo", entry.panel, entry.demo) in palette.found(), word
        palette.close()
    palette = window.show_palette()
    qtbot.keyClicks(palette.query, "Huffman")
    assert palette.found()[0] == ("demo", "information", "codes")
    qtbot.keyClick(palette.query, Qt.Key.Key_Return)
    panel = window.current_panel
    assert (panel.panel_id, panel.spec.name) == ("information", "codes")
    palette = window.show_palette()
    palette.query.setText("lecture reinforcement")
    assert palette.found()[0] == ("lecture", "ch09-rl")
    palette.accept_current()
    assert window.lecture is not None and window.lecture.name == "ch09-rl"


def test_ctrl_k_opens_the_palette(qtbot, tmp_path):
    window = lecture_window(qtbot, tmp_path)
    window.show_panel("nn-basics")
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.palette is not None and window.palette.isVisible()
    window.palette.close()


def test_the_course_map_lists_the_course_searches_and_opens_a_demo(qtbot, tmp_path):
    from workbench import course_map

    entries = build_index()
    built = [e for e in entries if e.built]
    # one cached picture (for this app version) is shown; the others wait for the renderer
    picture = course_map.thumbnail_path(built[0].panel, built[0].demo)
    picture.parent.mkdir(parents=True)
    window = lecture_window(qtbot, tmp_path)
    window.show_panel("nn-basics").grab().save(str(picture))
    page = window.show_course_map()
    assert window.stack.currentWidget() is page and window.current_panel is None
    assert set(page.cards) == {e.key for e in entries}
    assert not page.cards[built[0].key].picture.pixmap().isNull()
    assert page.cards[built[1].key].picture.pixmap().isNull()
    assert {e.key for e in page.missing()} == {e.key for e in built[1:]}
    assert picture.parent.name == __import__("workbench").__version__
    for entry in entries:
        card = page.cards[entry.key]
        assert card.isEnabled() == entry.built
        assert card.summary.text() == (entry.describe() if entry.built else "planned")
    page.search_box.setText("PPO")
    visible = [k for k, c in page.cards.items() if c.isVisible()]
    assert visible == ["rl/control"]
    qtbot.mouseClick(page.cards["rl/control"], Qt.MouseButton.LeftButton)
    assert (window.current_panel.panel_id, window.current_panel.spec.name) == ("rl", "control")
    assert window.settings.window["page"] == "panel"
    window.show_course_map()
    assert window.settings.window["page"] == "course-map"


def test_the_notes_window_follows_the_lecture(qtbot, tmp_path):
    window = lecture_window(qtbot, tmp_path)
    lecture = window.open_lecture("ch05-bayes")
    notes = window.show_notes_window()
    assert notes.isWindow() and notes is not window
    assert notes.note.text() == lecture.steps[0].note
    assert "step 1 of" in notes.position.text()
    window.next_step()
    assert notes.note.text() == lecture.steps[1].note
    assert notes.upcoming.text() == f"Next: {window.step_label(lecture.steps[2])}"
    window.end_lecture()
    assert not window.lecture_bar.isVisible() and "No lecture" in notes.position.text()


def test_add_this_demo_to_a_lecture_records_panel_demo_and_settings(qtbot, tmp_path):
    window = lecture_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("function")
    panel.apply_preset("quick")
    panel.form.set_config(panel.form.config().replace(width=23, activation="sin"))
    panel.set_speed(30)
    cfg = panel.form.config()
    window.add_current_to_lecture("Tuesday", note="show the wiggles")
    window.show_panel("rl")
    lecture = window.open_lecture("tuesday")
    step = lecture.steps[0]
    assert (step.panel, step.demo, step.preset, step.speed) == ("nn-basics", "function",
                                                                  "quick", 30.0)
    assert step.overrides == {"width": 23, "activation": "sin"} and step.note == "show the wiggles"
    assert window.current_panel is panel and panel.form.config() == cfg


def test_show_code_shows_the_training_step_beside_the_equations(qtbot, tmp_path):
    window = lecture_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("function")
    view = window.show_code()
    assert view.isVisible()
    step_text = view.editors[0].toPlainText()
    assert "def train_step(self)" in step_text and "engines/nn_basics/function_fit.py" in step_text
    assert "class MLP(nn.Module)" in view.editors[1].toPlainText()
    assert view.editors[0].isReadOnly()
    assert "L(θ)" in view.equations.toPlainText() or "loss" in view.equations.toPlainText()
    # the highlighter marks 'def' as a keyword
    block = view.editors[0].document().findBlock(step_text.index("def train_step"))
    formats = block.layout().formats()
    assert any(f.start == 0 and f.length == 3 for f in formats)


def test_copy_as_command_line_reproduces_the_gui_metrics_headless(qtbot, tmp_path, capsys):
    from workbench import cli

    window = lecture_window(qtbot, tmp_path)
    panel = window.show_panel("nn-basics")
    panel.set_demo("function")
    panel.apply_preset("quick")
    panel.form.set_config(panel.form.config().replace(steps=150, seed=11, width=12,
                                                      lr=0.0071))
    panel.set_speed(0)
    with qtbot.waitSignal(panel.runner.finished, timeout=120000) as done:
        assert panel.start()
    assert done.args == ["completed"]
    qtbot.waitUntil(lambda: panel.last_snapshot is not None
                    and panel.last_snapshot.step == 150, timeout=10000)
    gui = dict(panel.last_snapshot.metrics)
    text = window.copy_command_line()
    assert QApplication.clipboard().text() == text
    words = shlex.split(text)
    assert words[0] == "ml-workbench" and "--seed" in words and "11" in words
    capsys.readouterr()
    assert cli.main(words[1:] + ["--device", "cpu"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["config"] == panel.form.config().to_dict()
    assert report["steps"] == 150
    assert report["metrics"].keys() == gui.keys()
    for name, value in gui.items():
        assert report["metrics"][name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_the_app_opens_the_course_map_first_and_a_lecture_at_its_step(qtbot, tmp_path):
    from tests.panels.helpers import OPEN_WINDOWS
    from workbench.app import _open_window
    from workbench.settings import Settings

    window, page = _open_window(None, None, None, settings=Settings(tmp_path / "a.json"))
    OPEN_WINDOWS.append(window)
    assert page is None and window.stack.currentWidget() is window.course_map
    window.close()
    window, page = _open_window(None, None, None, settings=Settings(tmp_path / "b.json"),
                                lecture="ch09-rl", step=2)
    OPEN_WINDOWS.append(window)
    window.lecture_autostart = False
    assert window.step_index == 2 and page is window.current_panel
    assert (page.panel_id, page.spec.name) == ("rl", window.lecture.steps[2].demo)
    page.stop()


@pytest.mark.slow
def test_the_background_renderer_caches_a_picture_per_demo(tmp_path, qtbot):
    """The real renderer, as the course map starts it: a separate low-priority process."""
    import subprocess
    import sys

    from PySide6.QtGui import QImage

    from workbench.course_map import THUMB_H, THUMB_W, thumbnail_dir

    directory = thumbnail_dir()
    subprocess.run([sys.executable, "-m", "workbench.course_map", "--thumbnails",
                    str(directory), "nn-basics/function", "information/codes"],
                   check=True, timeout=300)
    for name in ("nn-basics--function.png", "information--codes.png"):
        image = QImage(str(directory / name))
        assert not image.isNull()
        assert image.width() <= 2 * THUMB_W and image.height() <= 2 * THUMB_H
        assert len({image.pixel(x, y) for x in range(0, image.width(), 7)
                    for y in range(0, image.height(), 7)}) > 10   # a picture, not a blank
    window = make_window(qtbot, tmp_path)
    page = window.show_course_map()
    assert not page.cards["nn-basics/function"].picture.pixmap().isNull()
    assert "nn-basics/function" not in {e.key for e in page.missing()}


def test_the_lecture_menu_lists_shipped_and_own_lectures(qtbot, tmp_path):
    window = lecture_window(qtbot, tmp_path)
    window.show_panel("rl")
    window.add_current_to_lecture("Own one")
    window._fill_lecture_menu()
    actions = [a for a in window.open_lecture_menu.actions() if not a.isSeparator()]
    titles = [a.text() for a in actions]
    assert titles[:len(SHIPPED)] == [load_lecture(p).title for p in SHIPPED]
    assert "Own one" in titles and titles[-1] == "From file…"
    actions[titles.index("Own one")].trigger()
    assert window.lecture.title == "Own one" and window.current_panel.panel_id == "rl"
    window.end_action.trigger()
    assert window.lecture is None and not window.next_action.isEnabled()


def test_pictures_are_kept_per_app_version(tmp_path):
    from workbench import course_map

    old = course_map.thumbnail_dir("0.0.1")
    old.mkdir(parents=True)
    (old / "rl--dp.png").write_bytes(b"x")
    assert course_map.thumbnail_dir() != old
    course_map.drop_old_versions()
    assert not old.exists()
