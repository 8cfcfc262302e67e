"""ConfigForm: every field of every built demo reaches the engine as set; advanced fields
are collapsed, units are shown, ``when`` hides fields that do not apply."""
from __future__ import annotations

import math
from dataclasses import fields

import pytest

from engines.config import ConfigError, field_meta, field_type
from engines.registry import COURSE
from workbench.forms import ConfigForm

pytestmark = pytest.mark.gui

DEMOS = [(pid, spec) for pid, topic in COURSE.items() if topic.built for spec in topic.demos]
#: Demos whose engine is also built from the form's config (cheap to construct on a CPU).
ENGINE_CHECKED = {("nn-basics", "function"), ("nn-basics", "landscape"), ("rl", "gridworld")}


def other_value(cls, name, default, attempt: int):
    """A valid value of the field different from the default (attempt: the n-th one)."""
    meta, kind = field_meta(cls, name), field_type(cls, name)
    if meta.get("choices"):
        others = [c for c in meta["choices"] if c != default]
        return others[attempt % len(others)] if others else default
    if kind is bool:
        return (not default) if attempt % 2 == 0 else default
    if kind in (int, float):
        lo, hi = meta.get("min"), meta.get("max")
        lo = lo if lo is not None else default - 10
        hi = hi if hi is not None else default + 10
        fracs = (0.3, 0.7, 0.05, 0.95)
        frac = fracs[attempt % len(fracs)]
        if kind is int:
            if meta.get("log") and lo > 0:
                value = round(math.exp(math.log(lo) + frac * (math.log(hi) - math.log(lo))))
            else:
                value = round(lo + frac * (hi - lo))
            value = min(max(int(value), int(lo)), int(hi))
            if value == default:
                value = default + 1 if default + 1 <= hi else default - 1
            return value
        if meta.get("log") and lo > 0:
            value = float(f"{math.exp(math.log(lo) + frac * (math.log(hi) - math.log(lo))):.3g}")
        else:
            value = round(lo + frac * (hi - lo), 2)
        value = min(max(value, lo), hi)
        return value if value != default else (lo + hi) / 2
    return default


def non_default_config(cls, accept=None):
    """Change every field in turn; keep a change only if the config (and ``accept``,
    e.g. the engine: at least one optimizer stays enabled) accepts it."""
    values = cls().to_dict()
    for f in fields(cls):
        for attempt in range(8):
            trial = {**values, f.name: other_value(cls, f.name, values[f.name], attempt)}
            try:
                cfg = cls(**trial)
                if accept is not None and f.name != "steps":
                    accept(cfg)
            except (ConfigError, ValueError):
                continue
            values = trial
            break
    return cls(**values)


@pytest.mark.parametrize("pid,spec", DEMOS, ids=[f"{p}/{s.name}" for p, s in DEMOS])
def test_every_field_reaches_the_config(qtbot, pid, spec):
    cls = spec.config
    form = ConfigForm(cls)
    qtbot.addWidget(form)
    checked = (pid, spec.name) in ENGINE_CHECKED
    build = (lambda c: spec.engine_class()(c.replace(steps=1), "cpu")) if checked else None
    cfg = non_default_config(cls, build)
    for name, value in cfg.to_dict().items():
        form.set_value(name, value)
    assert form.config() == cfg
    changed = [k for k, v in cfg.to_dict().items() if v != getattr(cls(), k)]
    assert len(changed) >= len(fields(cls)) // 2     # most fields really moved
    if checked:
        engine = spec.engine_class()(form.config(), "cpu")
        assert engine.cfg == cfg


def _demo(pid, name):
    return COURSE[pid].demo(name)


def test_advanced_fields_sit_in_the_collapsed_group(qtbot):
    cls = _demo("rl", "gridworld").config       # replay_updates is advanced
    form = ConfigForm(cls)
    qtbot.addWidget(form)
    form.show()
    box = form.advanced_box
    assert not box.isChecked() and not form.advanced_rows.isVisible()
    assert form.advanced_rows.isAncestorOf(form.editors["replay_updates"])
    assert not form.advanced_rows.isAncestorOf(form.editors["alpha"])
    box.setChecked(True)
    assert form.editors["replay_updates"].isVisible()


def _control_demo():
    for pid, spec in DEMOS:
        if "algorithm" in spec.config.field_names() and any(
                field_meta(spec.config, n).get("when", {}).get("algorithm") == ("ppo",)
                for n in spec.config.field_names()):
            return spec
    pytest.skip("no demo with PPO-only fields")


def test_units_are_shown(qtbot):
    spec = _control_demo()
    form = ConfigForm(spec.config)
    qtbot.addWidget(form)
    with_unit = [n for n in spec.config.field_names() if field_meta(spec.config, n)["unit"]]
    assert with_unit
    for name in with_unit:
        unit = field_meta(spec.config, name)["unit"]
        editor = form.editors[name]
        if hasattr(editor, "suffix"):
            assert editor.suffix().strip() == unit
            assert unit in editor.text()


def test_when_hides_fields_that_do_not_apply_live(qtbot):
    spec = _control_demo()
    cls = spec.config
    form = ConfigForm(cls)
    qtbot.addWidget(form)
    form.show()
    ppo_only = [n for n in cls.field_names()
                if field_meta(cls, n).get("when", {}).get("algorithm") == ("ppo",)]
    combo = form.editors["algorithm"]
    for choice in field_meta(cls, "algorithm")["choices"]:
        combo.setCurrentText(choice)          # as a user would: signals fire
        for name in ppo_only:
            assert form.is_shown(name) == (choice == "ppo"), (choice, name)
            layout, row = form._rows[name]
            label = layout.labelForField(row)
            assert label.isHidden() == (choice != "ppo")
    # values of hidden fields still reach the config
    assert form.config().algorithm == combo.currentText()
