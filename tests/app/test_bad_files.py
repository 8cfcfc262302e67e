"""Corrupted settings and presets never stop the app: each is reported and set aside."""
from __future__ import annotations

import pytest

from engines.nn_basics.configs import FunctionFitConfig
from engines.registry import demo
from workbench import presets
from workbench.settings import Settings


def write(path, text: str | bytes) -> None:
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)


@pytest.mark.parametrize("content", [
    "[" * 100_000 + "]" * 100_000,                     # RecursionError in json
    b"\x89PNG\r\n\x1a\n\x00\x00binary",                # not UTF-8
    "{not json",
    "[1, 2]",
])
def test_unreadable_settings_are_set_aside_and_defaults_used(tmp_path, content):
    path = tmp_path / "settings.json"
    write(path, content)
    s = Settings.load(path)
    assert s.problem and "using defaults" in s.problem
    assert s.theme == "light"
    assert (tmp_path / "settings.json.bad").exists() and not path.exists()


def test_a_huge_integer_in_a_remembered_config_is_dropped_with_a_message(tmp_path):
    path = tmp_path / "settings.json"
    s = Settings(path)
    s.panel("nn-basics")["configs"]["function"] = {"width": 10**400, "lr": 0.02}
    s.save()
    again = Settings.load(path)
    assert again.demo_config("nn-basics", "function", FunctionFitConfig) is None
    assert "width" in again.problem and "out of range" in again.problem
    again.panel("nn-basics")["configs"]["function"] = "a string"
    assert again.demo_config("nn-basics", "function", FunctionFitConfig) is None


@pytest.mark.parametrize("content", [
    b"\xff\xfe\x00garbage", "[" * 100_000, '{"function": [1, 2]}',
    '{"function": {"quick": "fast please"}}', '{"function": {"quick": {"width": 1e999}}}',
])
def test_bad_preset_files_give_a_preset_error_or_are_skipped(tmp_path, monkeypatch, content):
    write(tmp_path / "nn-basics.json", content)
    monkeypatch.setattr(presets, "PRESETS_DIR", tmp_path)
    monkeypatch.setattr(presets.load_presets, "__defaults__", (tmp_path,))
    spec = demo("nn-basics", "function")
    try:
        names = presets.preset_names("nn-basics", "function")
    except presets.PresetError as exc:
        assert "nn-basics.json" in str(exc)
        return
    for name in names:
        try:
            presets.preset_config("nn-basics", spec, name)
        except presets.PresetError as exc:
            assert name in str(exc)
