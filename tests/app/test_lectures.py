"""Lectures (JSON, validated per step), the command-line builder, the course index and the
code behind a demo: the Qt-free parts of lecture mode."""
from __future__ import annotations

import inspect
import json
import shlex

import pytest

from engines import registry
from engines.config import ConfigError
from workbench import lectures
from workbench.command_line import command_line
from workbench.course_index import build_index, search
from workbench.lectures import LectureError, load_lecture, parse_lecture, shipped_lectures

SHIPPED = shipped_lectures()


def write(tmp_path, data, name="mine.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


# ---- shipped lectures ---------------------------------------------------------------------
def test_lectures_are_shipped():
    assert len(SHIPPED) >= 11


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_lecture_loads_and_every_step_builds_its_config(path):
    lecture = load_lecture(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert lecture.problems == []
    assert len(lecture.steps) == len(raw["steps"]) >= 3
    assert lecture.title and lecture.title == raw["title"]
    for step in lecture.steps:
        spec = registry.demo(step.panel, step.demo)
        cfg = step.config()
        assert type(cfg) is spec.config
        for key, value in step.overrides.items():
            assert getattr(cfg, key) == value
        assert step.note, f"{path.name} step {step.number} has no note for the lecturer"


def test_shipped_lectures_sort_in_the_course_order():
    order = list(registry.COURSE)
    firsts = [order.index(load_lecture(p).steps[0].panel) for p in SHIPPED]
    assert firsts == sorted(firsts)


# ---- broken lectures ----------------------------------------------------------------------------
def test_a_broken_lecture_names_each_bad_step_and_keeps_the_valid_ones(tmp_path):
    steps = [
        {"panel": "nn-basics", "demo": "function", "preset": "quick"},           # 1 ok
        {"panel": "no-such-panel"},                                                # 2
        {"panel": "rl", "demo": "gridworld", "colour": "red"},                   # 3
        {"panel": "nn-basics", "demo": "function", "set": {"lr": 50}},           # 4
        {"panel": "rl", "demo": "no-such-demo"},                                   # 5
        {"panel": "rl", "demo": "dp", "preset": "no such preset"},               # 6
        {"panel": "rl", "demo": "dp", "speed": 5000},                             # 7
        {"panel": "rl", "demo": "dp", "autostart": "yes"},                       # 8
        {"panel": "nn-basics", "demo": "function", "set": {"no_such_field": 1}},  # 9
        "rl",                                                                      # 10
        {"panel": "rl", "demo": "dp", "speed": 10, "note": "fine"},              # 11 ok
    ]
    lecture = load_lecture(write(tmp_path, {"title": "Broken", "steps": steps}))
    assert [s.number for s in lecture.steps] == [1, 11]
    assert len(lecture.problems) == 9
    by_step = {int(p.split()[1].rstrip(":")): p for p in lecture.problems}
    assert sorted(by_step) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert "unknown panel 'no-such-panel'" in by_step[2] and "nn-basics" in by_step[2]
    assert by_step[3].startswith("step 3 (rl/gridworld)") and "'colour'" in by_step[3]
    # the Config layer's own message, naming the key and its range
    spec = registry.demo("nn-basics", "function")
    with pytest.raises(ConfigError) as config_error:
        spec.config.from_dict({"lr": 50})
    assert by_step[4] == f"step 4 (nn-basics/function): set {config_error.value}"
    assert "unknown demo 'no-such-demo'" in by_step[5] and "gridworld" in by_step[5]
    assert "unknown preset 'no such preset'" in by_step[6] and "quick" in by_step[6]
    assert "speed" in by_step[7] and "out of range" in by_step[7]
    assert "autostart" in by_step[8]
    assert "no_such_field" in by_step[9] and "unknown parameter" in by_step[9]
    assert "must be an object" in by_step[10]


@pytest.mark.parametrize("text, words", [
    ("{not json", ["mine.json", "JSONDecodeError"]),
    ("[1, 2]", ["top level"]),
    ('{"title": "x"}', ["steps", "list"]),
    ('{"steps": {"panel": "rl"}}', ["steps", "list"]),
])
def test_an_unreadable_lecture_is_one_clear_error(tmp_path, text, words):
    with pytest.raises(LectureError) as error:
        load_lecture(write(tmp_path, text))
    for word in words:
        assert word in str(error.value)


def test_lectures_are_found_by_name_part_or_file(tmp_path):
    assert load_lecture("ch09-rl").steps[0].panel == "rl"
    assert lectures.find_lecture("complexity").stem == "ch11-complexity"
    with pytest.raises(LectureError) as error:
        lectures.find_lecture("no-such-lecture")
    assert "ch09-rl" in str(error.value)
    path = write(tmp_path, {"steps": [{"panel": "rl"}]}, "own.json")
    assert load_lecture(str(path)).steps[0].demo == registry.demo("rl").name


def test_add_this_demo_records_a_step_that_rebuilds_the_same_config():
    spec = registry.demo("nn-basics", "function")
    from workbench.presets import preset_config

    cfg = preset_config("nn-basics", spec, "quick").replace(width=17, lr=0.0123456789,
                                                            activation="relu", seed=5)
    step = lectures.step_from_settings("nn-basics", "function", cfg, "quick", speed=30.0,
                                       note="look at the kink")
    assert step.preset == "quick" and set(step.overrides) == {"width", "lr", "activation",
                                                               "seed"}
    lectures.add_step("My lecture", step)
    lectures.add_step("My lecture", lectures.step_from_settings("rl", "dp",
                                                                registry.demo("rl", "dp").config()))
    back = load_lecture("my-lecture")
    assert back.title == "My lecture" and back.problems == []
    assert back.steps[0].config() == cfg
    assert back.steps[0].speed == 30.0 and back.steps[0].note == "look at the kink"
    assert back.steps[1].demo == "dp" and back.steps[1].overrides == {}
    assert back.path.parent == lectures.user_lectures_dir()


def test_parse_lecture_rejects_a_non_object():
    with pytest.raises(LectureError):
        parse_lecture("steps")


# ---- copy as command line -------------------------------------------------------------------------
ALL_DEMOS = [(pid, spec.name) for pid, specs in registry.TOPICS.items() for spec in specs]


@pytest.mark.parametrize("panel, demo", ALL_DEMOS)
def test_the_command_line_rebuilds_the_same_config(panel, demo):
    """Parsed by the real CLI parser and built like `run` builds it: the same Config."""
    from workbench.cli import build_parser
    from workbench.headless import build_config, resolve
    from workbench.presets import preset_config, preset_names

    spec = registry.demo(panel, demo)
    # the last preset that a headless run can take (painted choices need the app)
    names = [n for n in preset_names(panel, demo)
             if "painted" not in preset_config(panel, spec, n).to_dict().values()]
    preset = names[-1]
    cfg = preset_config(panel, spec, preset)
    cfg = cfg.replace(seed=cfg.seed + 3)
    text = command_line(panel, demo, cfg, preset)
    words = shlex.split(text)
    assert words[:2] == ["ml-workbench", "run"]
    args = build_parser().parse_args(words[1:])
    _, base = resolve(args.panel, args.demo, args.preset)
    assert build_config(base, args.sets, args.steps, args.seed) == cfg
    assert args.json


def test_floats_round_trip_exactly_through_the_command_line():
    from workbench.cli import build_parser
    from workbench.headless import build_config, resolve

    spec = registry.demo("nn-basics", "function")
    cfg = spec.config().replace(lr=0.1 + 0.2, noise=1 / 3, activation="sin")
    args = build_parser().parse_args(shlex.split(command_line("nn-basics", "function", cfg))[1:])
    rebuilt = build_config(resolve("nn-basics", "function")[1], args.sets, args.steps, args.seed)
    assert rebuilt.lr == 0.1 + 0.2 and rebuilt.noise == 1 / 3 and rebuilt == cfg


# ---- course index ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def index():
    return build_index()


def test_the_index_lists_every_demo_and_planned_topic(index):
    keys = {e.key for e in index}
    for pid, topic in registry.COURSE.items():
        if topic.built:
            assert {f"{pid}/{s.name}" for s in topic.demos} <= keys
        else:
            assert pid in keys
    # every demo with a summary or a text has its one line (a panel still being written
    # may have neither yet)
    assert all(e.describe() for e in index if e.built and (e.summary or e.text))


@pytest.mark.parametrize("query, expected", [
    ("PCA", "representation/pca"), ("Huffman", "information/codes"), ("PPO", "rl/control"),
    ("cramer rao", "fisher/cramer-rao"), ("chapter 9", "rl/gridworld"),
    ("Kraft", "complexity/codes"), ("seminar", "likelihood-ratio/ratio"),
])
def test_search_finds_a_demo_by_name_chapter_or_keyword(index, query, expected):
    found = [e.key for e in search(query, index)]
    assert found and found[0] == expected


def test_a_chapter_query_finds_only_that_chapter(index):
    found = search("chapter 5", index)
    assert found and {e.panel for e in found} == {"bayes"}


def test_search_needs_every_word(index):
    assert search("huffman zebra", index) == []


# ---- the code behind the demo ---------------------------------------------------------------------
def test_the_code_view_source_is_the_engines_train_step_and_model():
    from workbench.code_source import demo_code

    spec = registry.demo("nn-basics", "function")
    code = demo_code(spec)
    cls = spec.engine_class()
    assert code.train_step.text.strip() == inspect.getsource(cls.train_step).strip() \
        or inspect.cleandoc(code.train_step.text) == inspect.cleandoc(
            inspect.getsource(cls.train_step))
    assert code.train_step.path.endswith("engines/nn_basics/function_fit.py")
    assert any(piece.text.lstrip().startswith("class MLP(nn.Module)") for piece in code.model)


def test_a_dispatching_engine_shows_the_algorithm_of_the_config():
    from workbench.code_source import demo_code

    spec = registry.demo("rl", "control")
    assert demo_code(spec, spec.config().replace(algorithm="dqn")).engine.endswith(
        ":DQNEngine")
    ppo = demo_code(spec, spec.config().replace(algorithm="ppo"))
    assert ppo.engine.endswith(":PPOEngine") and "PPOEngine.train_step" == ppo.train_step.title


# ---- ml-workbench --lecture FILE|NAME [--step K] ------------------------------------------------
@pytest.mark.parametrize("args, words", [
    (["--lecture", "no-such-lecture"], ["unknown lecture", "ch09-rl"]),
    (["--lecture", "ch09-rl", "--step", "99"], ["--step 99", "1 … 6"]),
    (["--lecture", "ch09-rl", "--step", "0"], ["--step 0", "out of range"]),
    (["--step", "2"], ["--step K needs --lecture"]),
    (["--lecture", "ch09-rl", "--panel", "rl"], ["exclude each other"]),
])
def test_lecture_options_are_checked_before_the_window_opens(args, words, capsys, monkeypatch):
    from workbench import cli

    monkeypatch.setattr(cli, "_load_app", lambda name: pytest.fail("the window opened"))
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err


def test_the_lecture_option_opens_the_window_at_the_step(capsys, monkeypatch, tmp_path):
    from workbench import cli

    calls = []
    monkeypatch.setattr(cli, "_load_app", lambda name: lambda **kw: calls.append(kw) or 0)
    assert cli.main(["--lecture", "ch09-rl", "--step", "3", "--fullscreen"]) == 0
    assert calls[0]["lecture"] == "ch09-rl" and calls[0]["step"] == 2
    assert calls[0]["fullscreen"] is True
    broken = write(tmp_path, {"steps": [{"panel": "rl"}, {"panel": "nope"}]})
    assert cli.main(["--lecture", str(broken)]) == 0
    assert "warning: step 2: unknown panel 'nope'" in capsys.readouterr().err
    assert calls[1]["step"] == 0
