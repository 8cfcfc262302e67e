"""Lectures: ordered lists of demo steps, stored as JSON (Qt-free).

File format (``resources/lectures/<name>.json`` ships one per course chapter; the user's
own lectures live in ``<user data dir>/lectures/``)::

    {"title": "Chapter 9: reinforcement learning",
     "description": "optional, one line",
     "steps": [
        {"panel": "rl", "demo": "gridworld", "preset": "quick",
         "set": {"epsilon": 0.2}, "speed": 30, "autostart": true,
         "title": "optional label", "note": "optional note for the lecturer"},
        ...]}

Only ``panel`` is required in a step (``demo`` defaults to the panel's first demo). A file
that cannot be read at all (bad JSON, no ``steps`` list) raises :class:`LectureError`; a bad
step (unknown panel, demo, preset or key, a value the demo's Config refuses) is left out
with a message naming the step, and the lecture opens at its valid steps.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engines.config import ConfigBase, ConfigError
from workbench import APP_ID
from workbench.paths import RESOURCES

LECTURES_DIR = RESOURCES / "lectures"
SUFFIX = ".json"
STEP_KEYS = ("panel", "demo", "preset", "set", "speed", "autostart", "title", "note")
LECTURE_KEYS = ("title", "description", "steps")
MAX_SPEED = 1000.0     # the run bar's fastest slow-motion setting (steps per second)
MAX_BYTES = 1_000_000


class LectureError(ValueError):
    """The lecture file as a whole cannot be used (the message says why)."""


@dataclass(frozen=True)
class Step:
    panel: str
    demo: str
    preset: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    speed: float | None = None
    autostart: bool = False
    title: str = ""
    note: str = ""
    number: int = 0          # position in the file (1-based), for messages

    def label(self, specs_title: str | None = None) -> str:
        return self.title or specs_title or f"{self.panel} / {self.demo}"

    def config(self) -> ConfigBase:
        """The demo's Config: defaults, then the preset, then the overrides."""
        return step_config(self)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"panel": self.panel, "demo": self.demo}
        if self.preset:
            out["preset"] = self.preset
        if self.overrides:
            out["set"] = dict(self.overrides)
        if self.speed is not None:
            out["speed"] = self.speed
        if self.autostart:
            out["autostart"] = True
        if self.title:
            out["title"] = self.title
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Lecture:
    title: str
    steps: list[Step]
    description: str = ""
    problems: list[str] = field(default_factory=list)   # messages of the steps left out
    path: Path | None = None
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title}
        if self.description:
            out["description"] = self.description
        out["steps"] = [step.to_json() for step in self.steps]
        return out


# ---- directories and names ------------------------------------------------------------------
def user_lectures_dir() -> Path:
    """<user data dir>/lectures; ML_WORKBENCH_DATA_DIR overrides the data dir (tests)."""
    override = os.environ.get("ML_WORKBENCH_DATA_DIR")
    if override:
        return Path(override) / "lectures"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_ID)) / "lectures"


def shipped_lectures() -> list[Path]:
    """The lectures that come with the app, in the course's order (file names sort so)."""
    return sorted(LECTURES_DIR.glob(f"*{SUFFIX}"))


def user_lectures() -> list[Path]:
    directory = user_lectures_dir()
    return sorted(directory.glob(f"*{SUFFIX}")) if directory.is_dir() else []


def lecture_names() -> list[str]:
    return [p.stem for p in shipped_lectures()] + [p.stem for p in user_lectures()
                                                   if p.stem not in _stems(shipped_lectures())]


def _stems(paths: list[Path]) -> set[str]:
    return {p.stem for p in paths}


def find_lecture(name_or_file: str) -> Path:
    """A lecture file by path, by name (user lectures first), or by a unique part of a
    name (``bayes`` finds ``ch05-bayes``). Unknown: LectureError listing the known names."""
    candidate = Path(name_or_file).expanduser()
    if candidate.suffix == SUFFIX and candidate.is_file():
        return candidate
    if candidate.is_file():
        return candidate
    every = {p.stem: p for p in shipped_lectures()}
    every.update({p.stem: p for p in user_lectures()})
    key = Path(name_or_file).stem if name_or_file.endswith(SUFFIX) else name_or_file
    if key in every:
        return every[key]
    partial = [stem for stem in every if key.lower() in stem.lower()]
    if len(partial) == 1:
        return every[partial[0]]
    known = ", ".join(every) or "none"
    if len(partial) > 1:
        raise LectureError(f"lecture {name_or_file!r} is ambiguous: {', '.join(partial)}")
    raise LectureError(f"unknown lecture {name_or_file!r} (not a file, not a lecture name); "
                       f"known: {known}")


def lecture_title(path: Path) -> str:
    """The title written in a lecture file (its name when there is none), without
    validating its steps: for menus and the command palette."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return path.stem
    title = data.get("title") if isinstance(data, dict) else None
    return title if isinstance(title, str) and title.strip() else path.stem


def slug(title: str) -> str:
    """A file name for a lecture title: lower case letters, digits and dashes."""
    text = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return text[:60] or "lecture"


# ---- reading ------------------------------------------------------------------------------------
def load_lecture(name_or_file: str | Path) -> Lecture:
    path = find_lecture(str(name_or_file))
    try:
        if path.stat().st_size > MAX_BYTES:
            raise LectureError(f"lecture {path.name}: file larger than 1 MB")
        data = json.loads(path.read_text(encoding="utf-8"))
    except LectureError:
        raise
    except (OSError, ValueError, RecursionError) as exc:   # bad JSON, not UTF-8, too deep
        raise LectureError(f"cannot read lecture {path.name}: {type(exc).__name__}: "
                           f"{str(exc)[:200]}") from None
    lecture = parse_lecture(data, source=path.name)
    lecture.path = path
    lecture.name = path.stem
    return lecture


def parse_lecture(data: Any, source: str = "lecture") -> Lecture:
    """A Lecture from decoded JSON: bad steps are left out, each with a message."""
    if not isinstance(data, dict):
        raise LectureError(f"{source}: the top level must be an object with \"steps\"")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list):
        raise LectureError(f"{source}: \"steps\" must be a list of steps")
    problems: list[str] = []
    unknown = [k for k in data if k not in LECTURE_KEYS]
    if unknown:
        problems.append(f"{source}: unknown key {unknown[0]!r} ignored; known: "
                        f"{', '.join(LECTURE_KEYS)}")
    title = data.get("title")
    title = title if isinstance(title, str) and title.strip() else Path(source).stem
    description = data.get("description") if isinstance(data.get("description"), str) else ""
    steps: list[Step] = []
    for number, raw in enumerate(raw_steps, start=1):
        try:
            steps.append(parse_step(raw, number))
        except StepError as exc:
            problems.append(str(exc))
    return Lecture(title=title, steps=steps, description=description, problems=problems)


class StepError(ValueError):
    pass


def parse_step(raw: Any, number: int) -> Step:
    """One step, validated with the registry, the presets and the demo's Config."""
    from engines import registry
    from workbench.presets import DEFAULTS, PresetError, preset_config

    where = f"step {number}"
    if not isinstance(raw, dict):
        raise StepError(f"{where}: must be an object like {{\"panel\": \"rl\", \"demo\": "
                        f"\"gridworld\"}}, not {type(raw).__name__}")
    panel = raw.get("panel")
    if not isinstance(panel, str):
        raise StepError(f"{where}: \"panel\" is missing; known: {', '.join(registry.TOPICS)}")
    try:
        registry.topic(panel)
        demo_name = raw.get("demo")
        if demo_name is not None and not isinstance(demo_name, str):
            raise StepError(f"{where} ({panel}): \"demo\" must be a demo name")
        spec = registry.demo(panel, demo_name)
    except registry.UnknownName as exc:
        raise StepError(f"{where}: {exc}") from None
    where = f"step {number} ({panel}/{spec.name})"
    extra = [k for k in raw if k not in STEP_KEYS]
    if extra:
        raise StepError(f"{where}: unknown key {extra[0]!r}; known: {', '.join(STEP_KEYS)}")
    preset = raw.get("preset")
    if preset is not None and not isinstance(preset, str):
        raise StepError(f"{where}: \"preset\" must be a preset name")
    try:
        base = preset_config(panel, spec, preset or DEFAULTS)
    except PresetError as exc:
        raise StepError(f"{where}: {exc}") from None
    overrides = raw.get("set", {})
    if not isinstance(overrides, dict):
        raise StepError(f"{where}: \"set\" must be an object of config values, e.g. "
                        f"{{\"steps\": 500}}")
    try:
        spec.config.from_dict(overrides, base=base)
    except ConfigError as exc:
        raise StepError(f"{where}: set {exc}") from None
    except TypeError as exc:
        raise StepError(f"{where}: set: {exc}") from None
    speed = raw.get("speed")
    if speed is not None:
        if isinstance(speed, bool) or not isinstance(speed, (int, float)):
            raise StepError(f"{where}: speed: {speed!r} is not a number; allowed 0 … "
                            f"{MAX_SPEED:g} steps per second (0 = as fast as possible)")
        if not 0 <= speed <= MAX_SPEED:
            raise StepError(f"{where}: speed: {speed:g} is out of range; allowed 0 … "
                            f"{MAX_SPEED:g} steps per second (0 = as fast as possible)")
        speed = float(speed)
    autostart = raw.get("autostart", False)
    if not isinstance(autostart, bool):
        raise StepError(f"{where}: autostart: {autostart!r} is not a boolean; allowed true "
                        f"or false")
    texts = {}
    for key in ("title", "note"):
        value = raw.get(key, "")
        if not isinstance(value, str):
            raise StepError(f"{where}: {key} must be text")
        texts[key] = value
    return Step(panel=panel, demo=spec.name, preset=preset if preset != DEFAULTS else None,
                overrides=dict(overrides), speed=speed, autostart=autostart,
                title=texts["title"], note=texts["note"], number=number)


def step_config(step: Step) -> ConfigBase:
    from engines import registry
    from workbench.presets import DEFAULTS, preset_config

    spec = registry.demo(step.panel, step.demo)
    base = preset_config(step.panel, spec, step.preset or DEFAULTS)
    return spec.config.from_dict(step.overrides, base=base)


# ---- recording and saving -------------------------------------------------------------------------
def step_from_settings(panel: str, demo: str, cfg: ConfigBase, preset: str | None = None,
                       speed: float | None = None, note: str = "") -> Step:
    """A step that reproduces ``cfg``: the preset (when the config starts from it) and the
    fields that differ from it."""
    from engines import registry
    from workbench.presets import DEFAULTS, PresetError, preset_config

    spec = registry.demo(panel, demo)
    try:
        base = preset_config(panel, spec, preset or DEFAULTS)
    except PresetError:
        preset, base = None, spec.config()
    overrides = {k: v for k, (_, v) in cfg.diff(base).items()}
    return Step(panel=panel, demo=demo, preset=preset if preset != DEFAULTS else None,
                overrides=overrides, speed=speed, note=note)


def save_lecture(lecture: Lecture, path: Path | None = None) -> Path:
    """Write atomically; default: the user's lectures folder under the title's slug."""
    path = path or lecture.path or (user_lectures_dir() / f"{slug(lecture.title)}{SUFFIX}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(lecture.to_json(), indent=2, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    os.replace(tmp, path)
    lecture.path = path
    lecture.name = path.stem
    return path


def add_step(title: str, step: Step) -> Path:
    """Append ``step`` to the user's lecture of this title (created when missing). The
    file's other steps are kept as they are written, also ones that are invalid now."""
    path = user_lectures_dir() / f"{slug(title)}{SUFFIX}"
    data: dict[str, Any] = {"title": title, "steps": []}
    if path.is_file():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise LectureError(f"cannot add to {path.name}: {type(exc).__name__}: "
                               f"{str(exc)[:200]}") from None
        if isinstance(loaded, dict) and isinstance(loaded.get("steps"), list):
            data = loaded
    data["steps"].append(step.to_json())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
