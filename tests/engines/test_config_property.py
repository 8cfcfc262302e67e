"""Property test over every Config of the registry: any input either builds a valid Config
or raises ConfigError naming the field; never another exception (OverflowError,
RecursionError, TypeError...)."""
from __future__ import annotations

from dataclasses import fields

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engines.config import ConfigError
from engines.registry import COURSE

CONFIGS = sorted({spec.config for topic in COURSE.values() for spec in topic.demos},
                 key=lambda c: c.__module__ + c.__qualname__)

# Anything a CLI, a settings file, a preset or a session may hold.
ODD_TEXT = st.sampled_from(["", " ", "-0", "1_000", "３２", "1e400", "-1e400", "nan", "inf",
                            "0x10", "1" + "0" * 400, "x" * 5000, "true", "none", "1e-320",
                            "2147483648", "-2147483649", "0.5", "3", "1e-200"])
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(-10**500, 10**500)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30) | ODD_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.__qualname__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_input_builds_or_names_the_field(config, data):
    names = [f.name for f in fields(config)]
    key = data.draw(st.sampled_from(names))
    value = data.draw(VALUES)
    try:
        cfg = config.from_dict({key: value})
    except ConfigError as exc:
        assert exc.key in names, exc
        assert str(exc).startswith(f"{exc.key}:")
        assert len(str(exc)) < 600, "messages stay short whatever the input"
    else:
        assert isinstance(cfg, config)
        assert config.from_dict(cfg.to_dict()) == cfg       # valid configs round-trip
