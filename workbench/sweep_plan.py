"""Sweep plans, Qt-free: statuses and limits, the grid of settings × seeds validated
through the demo's Config (:func:`make_plan`), and the ready-made sweeps of
``resources/sweeps/<panel-id>.json``. Used by workbench.sweep."""
from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from engines.config import ConfigBase, ConfigError, field_meta
from engines.spec import DemoSpec
from workbench.headless import UsageError
OK, DIVERGED, FAILED, STOPPED = "ok", "diverged", "failed", "stopped"
#: Statuses of a run that is over: skipped when the sweep is run again with the same --out.
FINISHED = (OK, DIVERGED, FAILED)
MAX_RUNS = 10_000
MAX_SEEDS = 1000
RESULTS = "results.csv"
MANIFEST = "sweep.json"
HISTORIES = "histories"
#: Snapshots per second inside a sweep run: only used to notice a stop request.
SNAPSHOT_HZ = 5.0
PLAIN_LINE_EVERY_S = 2.0


# ---- the plan ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Axis:
    key: str
    values: tuple


@dataclass(frozen=True)
class Job:
    run_id: str
    point: tuple[tuple[str, Any], ...]   # the swept settings of this run, in axis order
    seed: int
    config: ConfigBase                   # the full config (base + point + seed)
    engine: str                          # "module:EngineClass"
    device: str | None = None


@dataclass
class RunResult:
    run_id: str
    point: dict[str, Any]
    seed: int
    status: str
    steps: int = 0
    wall_s: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)
    error: str = ""
    history: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True)
class SweepPlan:
    panel: str
    spec: DemoSpec
    preset: str
    base: ConfigBase
    axes: tuple[Axis, ...]
    seeds: tuple[int, ...]
    jobs: tuple[Job, ...]

    @property
    def keys(self) -> list[str]:
        return [axis.key for axis in self.axes]

    def manifest(self) -> dict[str, Any]:
        """What identifies the sweep: a folder is only resumed for the same base setup."""
        base = {k: v for k, v in self.base.to_dict().items() if k not in ("seed", *self.keys)}
        return {"panel": self.panel, "demo": self.spec.name, "preset": self.preset,
                "axes": self.keys, "base": base}


def parse_grid(item: str) -> tuple[str, list[str]]:
    """'KEY=V1,V2,…' -> (key, [raw values]); malformed items raise UsageError."""
    key, sep, values = item.partition("=")
    raw = [v.strip() for v in values.split(",")] if sep else []
    if not sep or not key.strip() or not any(raw):
        raise UsageError(f"--grid {item}: expected KEY=V1,V2,…, e.g. --grid lr=0.01,0.1,1")
    if any(v == "" for v in raw):
        raise UsageError(f"--grid {item}: empty value in the list")
    return key.strip(), raw


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def run_id(point: Iterable[tuple[str, Any]], seed: int) -> str:
    """A readable, file-name-safe id: eta=0.1_batch=8_seed=0."""
    parts = [f"{k}={format_value(v)}" for k, v in point] + [f"seed={seed}"]
    return re.sub(r"[^A-Za-z0-9._=+-]", "-", "_".join(parts))


def make_plan(panel: str, spec: DemoSpec, base: ConfigBase,
              grids: Sequence[str | tuple[str, Sequence[Any]]], seeds: int = 1,
              preset: str | None = None, device: str | None = None) -> SweepPlan:
    """Validate every value and every combination; the base config's seed is the first seed.

    ``grids`` items are ``"KEY=V1,V2"`` strings (the CLI) or ``(key, values)`` pairs (the
    GUI, values raw strings or typed). Errors are UsageErrors naming the option.
    """
    cls = type(base)
    axes: list[Axis] = []
    for item in grids:
        if isinstance(item, str):
            key, raw = parse_grid(item)
            label = f"--grid {item}"
        else:
            key, raw = item[0], list(item[1])
            label = f"--grid {key}={','.join(format_value(v) for v in raw)}"
            if not raw:
                raise UsageError(f"{label}: no values given")
        if key == "seed":
            raise UsageError(f"{label}: seeds are swept with --seeds K (each setting then "
                             f"runs with seeds {base.seed} … {base.seed}+K−1)")
        if key in (a.key for a in axes):
            raise UsageError(f"{label}: {key} is swept twice; give all its values in one "
                             "--grid")
        values = []
        for value in raw:
            try:
                cfg = cls.from_dict({key: value}, base=base)
            except ConfigError as exc:
                raise UsageError(f"{label}: {exc}") from None
            typed = getattr(cfg, key)
            if typed in values:
                raise UsageError(f"{label}: {format_value(typed)} is listed twice")
            values.append(typed)
        axes.append(Axis(key, tuple(values)))
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
        raise UsageError(f"--seeds {seeds}: allowed 1 … {MAX_SEEDS}")
    first = int(base.seed)
    if first + seeds - 1 > int(field_meta(cls, "seed").get("max") or 2**31 - 1):
        raise UsageError(f"--seeds {seeds}: seeds from {first} would pass the largest seed")
    count = math.prod(len(a.values) for a in axes) * seeds
    if count > MAX_RUNS:
        raise UsageError(f"{count} runs in this sweep; at most {MAX_RUNS} (fewer values "
                         "or seeds)")
    seed_list = tuple(range(first, first + seeds))
    jobs = []
    for combo in itertools.product(*(a.values for a in axes)):
        point = tuple(zip((a.key for a in axes), combo))
        try:
            at_point = cls.from_dict(dict(point), base=base)
        except ConfigError as exc:   # a Config that checks fields against each other
            shown = ", ".join(f"{k}={format_value(v)}" for k, v in point)
            raise UsageError(f"--grid combination {shown}: {exc}") from None
        for seed in seed_list:
            jobs.append(Job(run_id(point, seed), point, seed, at_point.replace(seed=seed),
                            spec.engine, device))
    return SweepPlan(panel, spec, preset or "defaults", base, tuple(axes), seed_list,
                     tuple(jobs))


# ---- ready-made sweeps (resources/sweeps/<panel-id>.json) ------------------------------
def load_presets(panel: str, directory: Path | None = None) -> dict[str, dict[str, dict]]:
    """{demo: {name: entry}}; an entry has "grid" ({key: [values]}) and optionally
    "preset", "set", "seeds", "metric", "reference" (a metric drawn as the theory line),
    "log_x", "log_y", "about"."""
    from workbench.paths import RESOURCES

    path = (directory or RESOURCES / "sweeps") / f"{panel}.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read sweep presets {path.name}: {exc}") from None
    return {demo: {name: e for name, e in table.items() if isinstance(e, dict)}
            for demo, table in data.items() if isinstance(table, dict)}


def preset_plan(panel: str, demo: str, name: str, workers_hint: int | None = None
                ) -> tuple[SweepPlan, dict]:
    """The plan of a ready-made sweep and its entry (for the plot settings)."""
    entry = load_presets(panel).get(demo, {}).get(name)
    if entry is None:
        raise UsageError(f"unknown sweep preset {name!r} for {panel}/{demo}")
    spec, base = preset_base(panel, demo, entry)
    grids = [(k, list(v)) for k, v in entry.get("grid", {}).items()]
    return make_plan(panel, spec, base, grids, int(entry.get("seeds", 1)),
                     entry.get("preset")), entry


def preset_base(panel: str, demo: str, entry: dict) -> tuple[DemoSpec, ConfigBase]:
    """The fixed settings of a ready-made sweep: its demo preset plus its "set" values."""
    from workbench.headless import build_config, resolve

    spec, base = resolve(panel, demo, entry.get("preset"))
    sets = [f"{k}={format_value(v)}" for k, v in entry.get("set", {}).items()]
    return spec, build_config(base, sets)


