"""Settings: round trip, corrupted / old / odd files give defaults plus a message."""
from __future__ import annotations

import json

from engines.nn_basics.configs import FunctionFitConfig
from workbench.settings import VERSION, Settings


def test_round_trip(tmp_path):
    path = tmp_path / "settings.json"
    s = Settings(path)
    s.theme = "dark"
    s.last_panel = "nn-basics"
    s.panel("nn-basics")["scale"] = 1.5
    s.set_demo_config("nn-basics", "function", FunctionFitConfig(lr=0.01, depth=3))
    s.save()
    back = Settings.load(path)
    assert back.problem is None
    assert back.theme == "dark" and back.last_panel == "nn-basics"
    assert back.panel("nn-basics")["scale"] == 1.5
    cfg = back.demo_config("nn-basics", "function", FunctionFitConfig)
    assert cfg == FunctionFitConfig(lr=0.01, depth=3)


def test_corrupted_file_gives_defaults_message_and_keeps_the_file(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{ this is not json", encoding="utf-8")
    s = Settings.load(path)
    assert s.problem and "defaults" in s.problem
    assert s.theme == "light" and s.last_panel is None
    assert (tmp_path / "settings.json.bad").read_text() == "{ this is not json"


def test_old_version_gives_defaults(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": VERSION - 1, "theme": "dark"}))
    s = Settings.load(path)
    assert s.problem and "version" in s.problem
    assert s.theme == "light"


def test_odd_values_are_dropped_not_crashing(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({
        "version": VERSION, "theme": "purple", "last_panel": 7, "window": [],
        "panels": {"nn-basics": {"scale": 99, "hide_controls": "yes",
                                 "configs": {"function": {"lr": 1e9, "depth": 3},
                                             "image": "nonsense"}},
                   "other": 5}}))
    s = Settings.load(path)
    assert s.problem is None
    assert s.theme == "light" and s.last_panel is None and s.window == {}
    assert s.panel("nn-basics")["scale"] == 1.0
    assert s.panel("nn-basics")["hide_controls"] is False
    # An out-of-range remembered config is reported and replaced by defaults.
    assert s.demo_config("nn-basics", "function", FunctionFitConfig) is None
    assert "lr" in s.problem


def test_unknown_keys_in_remembered_config_are_ignored(tmp_path):
    s = Settings(tmp_path / "settings.json")
    s.panel("nn-basics")["configs"]["function"] = {"lr": 0.02, "removed_option": 1}
    assert s.demo_config("nn-basics", "function", FunctionFitConfig) == FunctionFitConfig(lr=0.02)


def test_unwritable_location_does_not_crash(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    s = Settings(blocker / "sub" / "settings.json")  # parent is a file: cannot mkdir
    s.theme = "dark"
    with caplog.at_level("WARNING"):
        s.save()  # logs a warning, no exception
    assert "could not save settings" in caplog.text
    assert blocker.read_text() == "x"                 # the file in the way is untouched
    assert s.theme == "dark"                          # the settings stay in memory
