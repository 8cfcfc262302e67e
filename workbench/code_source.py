"""The code that runs a demo, read from the installed package (Qt-free, loads the engine).

:func:`demo_code` finds, for a demo and its current config, the engine class that really
trains (a dispatcher like ``ControlEngine`` picks one by a config choice: its module's
table of engines is followed), its ``train_step`` and the model definition: the
``torch.nn.Module`` classes of the ``engines`` package that the engine's code names, or,
for demos without a network, the engine's ``__init__`` where everything is built.
"""
from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from engines.config import ConfigBase
from engines.spec import DemoSpec


@dataclass(frozen=True)
class CodePiece:
    title: str        # e.g. "PPOEngine.train_step"
    path: str         # file, relative to the package root where possible
    line: int         # first line in that file
    text: str


@dataclass(frozen=True)
class DemoCode:
    engine: str                 # the class that trains, e.g. "engines.rl.ppo:PPOEngine"
    train_step: CodePiece
    model: tuple[CodePiece, ...]
    model_note: str = ""        # said above the model tab when there is no nn.Module
    helpers: tuple[CodePiece, ...] = ()   # what a short train_step calls


def _piece(obj, title: str) -> CodePiece:
    lines, first = inspect.getsourcelines(obj)
    path = Path(inspect.getsourcefile(obj) or "?")
    import engines

    root = Path(engines.__file__).resolve().parent.parent   # the installed package's root
    try:
        shown = str(path.resolve().relative_to(root))
    except (ValueError, OSError):
        shown = str(path)
    import textwrap

    return CodePiece(title, shown, first, textwrap.dedent("".join(lines)))


def _base_engine():
    from engines.runtime import Engine

    return Engine


def training_class(spec: DemoSpec, cfg: ConfigBase | None = None) -> type:
    """The engine class whose train_step runs for this config."""
    cls = spec.engine_class()
    base = _base_engine()
    if cls.train_step is not base.train_step and "__new__" not in vars(cls):
        return cls
    module = sys.modules[cls.__module__]
    values = set(map(str, (cfg or spec.config()).to_dict().values()))
    for table in vars(module).values():
        if isinstance(table, dict) and table and all(
                isinstance(v, type) and issubclass(v, base) for v in table.values()):
            for key, engine in table.items():
                if str(key) in values:
                    return engine
    return cls


def _own_sources(cls: type) -> str:
    """Source of the class and of its engine bases (not the shared runtime)."""
    base = _base_engine()
    texts = []
    for klass in cls.__mro__:
        if klass is base or klass is object or not klass.__module__.startswith("engines."):
            continue
        try:
            texts.append(inspect.getsource(klass))
        except (OSError, TypeError):
            pass
    return "\n".join(texts)


def _module_classes(cls: type) -> list[tuple[str, type]]:
    import torch

    found: dict[str, type] = {}
    for klass in cls.__mro__:
        module = sys.modules.get(klass.__module__)
        if module is None or not klass.__module__.startswith("engines."):
            continue
        for name, value in vars(module).items():
            if (isinstance(value, type) and issubclass(value, torch.nn.Module)
                    and value.__module__.startswith("engines.")):
                found.setdefault(name, value)
    return list(found.items())


def _called(cls: type, step_text: str) -> list[CodePiece]:
    """What a short train_step hands the work to: ``self.method()`` of the engine, and
    ``self.part.method()`` of the engine modules' classes that define that method."""
    import ast
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(step_text))
    except SyntaxError:
        return []
    own, delegated = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if isinstance(target, ast.Name) and target.id == "self":
                own.append(node.func.attr)
            elif (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                  and target.value.id == "self"):
                delegated.append(node.func.attr)
    pieces, seen = [], set()
    base = _base_engine()
    for name in dict.fromkeys(own):
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or owner is base or not owner.__module__.startswith("engines."):
            continue
        member = vars(owner)[name]
        if callable(member) and member not in seen:
            seen.add(member)
            pieces.append(_piece(member, f"{owner.__name__}.{name}"))
    for name in dict.fromkeys(delegated):
        found = []
        for klass in cls.__mro__:
            module = sys.modules.get(klass.__module__)
            if module is None or not klass.__module__.startswith("engines."):
                continue
            for value in vars(module).values():
                if (isinstance(value, type) and value.__module__.startswith("engines.")
                        and value.__module__ != "engines.runtime"
                        and not issubclass(value, base) and name in vars(value)
                        and value not in found):
                    found.append(value)
        for klass in found[:3]:
            member = vars(klass)[name]
            if callable(member) and member not in seen:
                seen.add(member)
                pieces.append(_piece(member, f"{klass.__name__}.{name}"))
    return pieces[:6]


def demo_code(spec: DemoSpec, cfg: ConfigBase | None = None) -> DemoCode:
    cls = training_class(spec, cfg)
    step_owner = next(k for k in cls.__mro__ if "train_step" in vars(k))
    step = _piece(vars(step_owner)["train_step"], f"{step_owner.__name__}.train_step")
    helpers = tuple(_called(step_owner, step.text)) if step.text.count("\n") < 25 else ()
    used = _own_sources(cls) + "\n".join(h.text for h in helpers)
    models, seen = [], set()
    pending = [(name, klass) for name, klass in _module_classes(cls)
               if re.search(rf"\b{re.escape(name)}\b", used)]
    while pending:                     # a model's own sub-modules are part of it too
        name, klass = pending.pop(0)
        if klass in seen:
            continue
        seen.add(klass)
        try:
            piece = _piece(klass, f"class {name}")
        except (OSError, TypeError):
            continue
        models.append(piece)
        for other_name, other in _module_classes(klass):
            if other not in seen and re.search(rf"\b{re.escape(other_name)}\b", piece.text):
                pending.append((other_name, other))
    note = ""
    if not models:
        owner = next((k for k in cls.__mro__ if "__init__" in vars(k)
                      and k.__module__.startswith("engines.") and k is not _base_engine()),
                     None)
        if owner is not None:
            models.append(_piece(vars(owner)["__init__"], f"{owner.__name__}.__init__"))
        note = ("This demo trains no torch.nn.Module: its model is set up in the engine's "
                "__init__, shown here.")
    return DemoCode(f"{cls.__module__}:{cls.__qualname__}", step, tuple(models), note,
                    helpers)
