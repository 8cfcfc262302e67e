"""The panel contract, for every built panel and every demo in the registry."""
from __future__ import annotations

import pytest

from engines.registry import demos
from panels import built_panels
from tests.panels.helpers import make_window, quick_config

pytestmark = pytest.mark.gui

CASES = [(entry.id, spec.name) for entry in built_panels() for spec in demos(entry.id)]


@pytest.mark.parametrize("panel_id,demo", CASES)
def test_panel_contract(qtbot, tmp_path, panel_id, demo):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel(panel_id)
    panel.set_demo(demo)
    quick_config(panel)
    snaps = []
    panel.runner.snapshot.connect(snaps.append)

    # start -> a snapshot arrives and is drawn
    assert panel.start()
    qtbot.waitUntil(lambda: len(snaps) > 0, timeout=30000)
    assert panel.runner.state == "running"
    assert panel.last_snapshot is not None

    # pause -> the engine parks and does not move
    panel.toggle_pause()
    assert panel.runner.state == "paused"
    parked_at = panel.runner.wait_parked(5.0)
    assert parked_at is not None
    assert panel.runner.wait_parked(5.0) == parked_at  # paused: no progress

    # step -> one more snapshot interval, then paused again
    count = len(snaps)
    panel.step()
    qtbot.waitUntil(lambda: panel.runner.state == "paused" and len(snaps) > count,
                    timeout=10000)
    stepped_to = panel.runner.wait_parked(5.0)
    assert stepped_to is not None and stepped_to > parked_at

    # stop -> finished, with a final snapshot holding the run's history
    with qtbot.waitSignal(panel.runner.finished, timeout=5000) as blocker:
        panel.stop()
    assert blocker.args == ["stopped"]
    assert snaps[-1].final and len(snaps[-1].history["step"]) > 0

    # reset -> idle, plots cleared, the stopped run kept as a ghost
    panel.reset()
    assert panel.runner.state == "idle"
    assert panel.last_snapshot is None
    assert panel.start_button.isEnabled()
    assert window.shutdown(2.0)


@pytest.mark.parametrize("panel_id", [e.id for e in built_panels()])
def test_every_preset_builds_and_applies(qtbot, tmp_path, panel_id):
    from workbench.presets import preset_config, preset_names

    window = make_window(qtbot, tmp_path)
    panel = window.show_panel(panel_id)
    for spec in demos(panel_id):
        names = preset_names(panel_id, spec.name)
        assert "quick" in names, f"{panel_id}/{spec.name} needs a quick preset"
        panel.set_demo(spec.name)
        for name in names:
            expected = preset_config(panel_id, spec, name)
            panel.apply_preset(name)
            assert panel.form.config() == expected


@pytest.mark.parametrize("panel_id,demo", CASES)
def test_every_demo_has_a_text_with_an_equation(qtbot, tmp_path, panel_id, demo):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel(panel_id)
    panel.set_demo(demo)
    text = panel.text_label.text()
    assert len(text) > 200
    assert "=" in text  # the key equation of the demo
