"""The panel contract, for every built panel and every demo in the registry."""
from __future__ import annotations

import pytest

from engines.registry import COURSE, demos
from tests.panels.helpers import make_window, quick_config
from workbench.plots import CurvePlot

pytestmark = pytest.mark.gui

BUILT = [topic.id for topic in COURSE.values() if topic.built]
CASES = [(panel_id, spec.name) for panel_id in BUILT for spec in demos(panel_id)]
# The full run-control cycle in a window costs ~4 s a demo: the default suite runs it for
# each panel's first demo, `-m slow` for every other one (the snapshot keys every view
# reads are checked for every demo by default, headless).
LIFECYCLE_CASES = [pytest.param(panel_id, name, marks=()
                                if name == demos(panel_id)[0].name else pytest.mark.slow)
                   for panel_id, name in CASES]


def ghost_plots(view, history) -> list:
    """The curve plots of a view that can keep this run's history as a ghost."""
    return [p for p in view.plots() if isinstance(p, CurvePlot)
            and any(k in history and c.width > 0 for k, c in p.curves.items())]


@pytest.mark.parametrize("panel_id,demo", LIFECYCLE_CASES)
def test_panel_contract(qtbot, tmp_path, panel_id, demo):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel(panel_id)
    panel.set_demo(demo)
    quick_config(panel)
    snaps = []
    panel.runner.snapshot.connect(snaps.append)

    # start -> a snapshot arrives and is drawn: every plot paints (the paint queue gives
    # each plot of a demo its turn)
    plots = [p for p in panel.view.plots() if p.isVisible() and hasattr(p, "plotItem")]
    painted = {id(p): getattr(p, "paint_count", 0) for p in plots}
    assert panel.start()
    qtbot.waitUntil(lambda: len(snaps) > 0, timeout=30000)
    assert panel.runner.state == "running"
    assert panel.last_snapshot is not None
    qtbot.waitUntil(lambda: all(getattr(p, "paint_count", 0) > painted[id(p)]
                                for p in plots), timeout=15000)

    # pause -> the engine parks and does not move
    panel.toggle_pause()
    assert panel.runner.state == "paused"
    parked_at = panel.runner.wait_parked(5.0)
    assert parked_at is not None
    assert panel.runner.wait_parked(5.0) == parked_at  # paused: no progress

    # step -> one more snapshot interval, then paused again
    panel.step()
    # the step's own picture (a snapshot sent just before the pause may still arrive)
    qtbot.waitUntil(lambda: panel.runner.state == "paused" and snaps[-1].step > parked_at,
                    timeout=30000)
    stepped_to = panel.runner.wait_parked(5.0)
    assert stepped_to is not None and stepped_to > parked_at

    # stop -> finished, with a final snapshot holding the run's history
    with qtbot.waitSignal(panel.runner.finished, timeout=5000) as blocker:
        panel.stop()
    assert blocker.args == ["stopped"]
    assert snaps[-1].final and len(snaps[-1].history["step"]) > 0

    # reset -> idle, plots cleared, the stopped run kept as a ghost
    history = snaps[-1].history
    plots = ghost_plots(panel.view, history)
    ghosts_before = [len(p.ghosts) for p in plots]
    panel.reset()
    assert panel.runner.state == "idle"
    assert panel.last_snapshot is None
    assert panel.start_button.isEnabled()
    for plot, before in zip(plots, ghosts_before):
        assert len(plot.ghosts) == min(before + 1, plot_max_ghosts()), plot._title
        assert all(c.item.xData is None or len(c.item.xData) == 0
                   for c in plot.curves.values()), "live curves not cleared"
    assert window.shutdown(2.0)


def plot_max_ghosts() -> int:
    from workbench.plots import MAX_GHOSTS

    return MAX_GHOSTS


@pytest.mark.parametrize("panel_id", BUILT)
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


@pytest.mark.parametrize("panel_id", BUILT)
def test_every_demo_has_a_text_with_an_equation(qtbot, tmp_path, panel_id):
    window = make_window(qtbot, tmp_path)
    panel = window.show_panel(panel_id)
    for spec in demos(panel_id):
        panel.set_demo(spec.name)
        text = panel.text_label.text()
        assert len(text) > 200, f"{panel_id}/{spec.name}: text too short"
        assert "=" in text, f"{panel_id}/{spec.name}: no equation"  # the key equation


def short_run_snapshots(spec, panel_id: str, steps: int = 12) -> list:
    """A few steps of the demo's quick preset, headless: its first and final snapshots."""
    from engines.config import field_meta
    from engines.runtime import Control, drive
    from workbench.presets import preset_config, preset_names

    cfg = preset_config(panel_id, spec, "quick" if "quick" in preset_names(
        panel_id, spec.name) else "defaults")
    steps = max(int(field_meta(type(cfg), "steps").get("min") or 1), steps)
    cfg = cfg.replace(steps=steps)
    ctl = Control(snapshot_hz=1e6)   # every step yields a picture
    snaps = list(drive(spec.engine_class()(cfg, "cpu"), ctl))
    return [snaps[0], snaps[-1]]


@pytest.mark.parametrize("panel_id,demo", CASES)
def test_snapshots_provide_the_keys_each_view_reads(panel_id, demo):
    """Each view declares the snapshot keys it reads (NEEDS); the engine must send them."""
    from workbench.demo_view import missing_keys

    topic = COURSE[panel_id]
    spec = topic.demo(demo)
    view_class = topic.panel_class().VIEWS[demo]
    for snap in short_run_snapshots(spec, panel_id):
        assert not missing_keys(view_class.NEEDS, snap), (
            f"{panel_id}/{demo}: the engine's snapshot at step {snap.step} lacks "
            f"{missing_keys(view_class.NEEDS, snap)}")


@pytest.mark.parametrize("panel_id", BUILT)
def test_every_demo_has_a_view(panel_id):
    topic = COURSE[panel_id]
    views = topic.panel_class().VIEWS
    assert [s.name for s in topic.demos if s.name not in views] == [], (
        f"{panel_id}: demos without a view in {topic.panel}")
