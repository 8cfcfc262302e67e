"""Crafted session files are refused with a message before anything is replaced."""
from __future__ import annotations

import copy

import pytest

from engines.registry import demo
from engines.runtime import Control, drive
from workbench.session import SessionError, load_session, save_session


@pytest.fixture(scope="module")
def good_state():
    spec = demo("nn-basics", "landscape")
    cfg = spec.config(steps=30)
    engine = spec.engine_class()(cfg, "cpu")
    list(drive(engine, Control()))
    return spec, cfg, engine.state_dict()


def crafted(tmp_path, good_state, change):
    import torch

    spec, cfg, state = good_state
    path = save_session(tmp_path / "s.mlwb", "nn-basics", spec, cfg, copy.deepcopy(state))
    payload = torch.load(path, weights_only=True)
    change(payload)
    torch.save(payload, path)
    return path


BAD = {
    "huge steps in the config": lambda p: p["config"].update(steps=10**400),
    "config is a string": lambda p: p.update(config="fast"),
    "engine state is a list": lambda p: p.update(engine=[1, 2]),
    "negative step": lambda p: p["engine"].update(step=-5),
    "infinite elapsed": lambda p: p["engine"].update(elapsed=float("inf")),
    "history capacity 1e13": lambda p: p["engine"]["history"].update(capacity=10**13),
    "history stride 0": lambda p: p["engine"]["history"].update(stride=0),
    "ragged history": lambda p: p["engine"]["history"]["columns"]["step"].append(99.0),
}


@pytest.mark.parametrize("name", BAD)
def test_a_crafted_session_is_refused_with_a_message(tmp_path, good_state, name):
    path = crafted(tmp_path, good_state, BAD[name])
    with pytest.raises(SessionError) as info:
        load_session(path).build_engine("cpu")
    assert "weights_only" not in str(info.value)


def test_the_good_session_still_loads(tmp_path, good_state):
    path = crafted(tmp_path, good_state, lambda p: None)
    engine = load_session(path).build_engine("cpu")
    assert engine.step == 30


def test_garbage_gets_our_words_not_torchs(tmp_path):
    path = tmp_path / "x.mlwb"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(SessionError) as info:
        load_session(path)
    assert "weights_only" not in str(info.value) and "not a readable session" in str(info.value)


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_saving_where_one_cannot_is_an_oserror_and_leaves_no_tmp(tmp_path, good_state, where):
    spec, cfg, state = good_state
    target = tmp_path / "nope" / "s.mlwb" if where == "missing folder" else tmp_path
    with pytest.raises(OSError):
        save_session(target, "nn-basics", spec, cfg, state)
    assert not list(tmp_path.rglob("*.tmp"))


def rl_session(tmp_path, demo_name: str, change):
    """A saved rl session (gridworld or dp) with one part of its state changed."""
    import torch

    spec = demo("rl", demo_name)
    cfg = spec.config(maze_size=7, steps=40)
    engine = spec.engine_class()(cfg, "cpu")
    list(drive(engine, Control()))
    path = save_session(tmp_path / f"{demo_name}.mlwb", "rl", spec, cfg, engine.state_dict())
    payload = torch.load(path, weights_only=True)
    change(payload["engine"])
    torch.save(payload, path)
    return path


def wall_off_every_reward(state):
    """Every rewarded cell becomes a wall: no reward can be reached any more."""
    state["walls"] |= state["rewards"] > 0


RL_BAD = {
    ("gridworld", "an all-NaN Q table"):
        lambda s: s["agent"]["Q"].fill_(float("nan")),
    ("gridworld", "no reachable reward"): wall_off_every_reward,
    ("dp", "no reachable reward"): wall_off_every_reward,
    ("dp", "NaN values"): lambda s: s["V"].fill_(float("nan")),
}


@pytest.mark.parametrize("demo_name,name", RL_BAD)
def test_a_crafted_rl_session_is_refused(tmp_path, demo_name, name):
    path = rl_session(tmp_path, demo_name, RL_BAD[(demo_name, name)])
    with pytest.raises(SessionError) as info:
        load_session(path).build_engine("cpu")
    words = "no reachable reward" if "reward" in name else "NaN"
    assert words in str(info.value)


@pytest.mark.parametrize("demo_name", ["gridworld", "dp"])
def test_a_good_rl_session_loads(tmp_path, demo_name):
    engine = load_session(rl_session(tmp_path, demo_name, lambda s: None)).build_engine("cpu")
    assert engine.step > 0
