"""Frozen, self-describing configs.

Every demo has one frozen dataclass. Each field carries its bounds, choices, label and help
text in ``field(metadata=...)`` (made with :func:`param`), so the GUI form, the CLI's
``--set key=value``, presets and validation all come from this one place.
"""
from __future__ import annotations

import dataclasses
import math
import re
import typing
from dataclasses import dataclass, field, fields
from typing import Any


class ConfigError(ValueError):
    """A config value is missing, of the wrong type or out of its allowed range."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"{key}: {message}")


def param(
    default: Any,
    *,
    label: str,
    help: str = "",
    min: float | None = None,
    max: float | None = None,
    choices: tuple[str, ...] | None = None,
    log: bool = False,
    unit: str = "",
    group: str = "",
    advanced: bool = False,
    when: dict[str, tuple] | None = None,
) -> Any:
    """A config field with the metadata that forms, CLI and validation read.

    ``advanced`` fields sit in a collapsed "Advanced" group of the form; ``unit`` is shown
    after the value; ``when={"algorithm": ("ppo",)}`` shows the field only while the other
    field has one of those values (it still exists and is validated otherwise).
    """
    meta = dict(label=label, help=help, min=min, max=max, choices=choices,
                log=log, unit=unit, group=group, advanced=advanced,
                when={k: tuple(v) for k, v in (when or {}).items()})
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class ConfigBase:
    """Mixin for demo configs: validation on construction, parsing, diffs."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            kind = field_type(type(self), f.name)
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, f.name, float(value))
                value = float(value)
            check_value(type(self), f.name, value)

    # ---- construction -------------------------------------------------------------
    @classmethod
    def from_dict(cls, values: dict[str, Any], base: "ConfigBase | None" = None):
        """Build a config from (possibly string-valued) overrides on top of ``base``.

        Unknown keys raise ConfigError naming the key and the known ones.
        """
        known = {f.name for f in fields(cls)}
        start = base.to_dict() if base is not None else {}
        for key, raw in values.items():
            if key not in known:
                raise ConfigError(key, f"unknown parameter; known: {', '.join(sorted(known))}")
            start[key] = coerce(cls, key, raw)
        return cls(**start)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def replace(self, **changes: Any):
        return dataclasses.replace(self, **changes)

    def diff(self, other: "ConfigBase | None") -> dict[str, tuple[Any, Any]]:
        """Fields whose value differs: name -> (other's value, this value)."""
        if other is None or type(other) is not type(self):
            return {}
        return {k: (getattr(other, k), v) for k, v in self.to_dict().items()
                if getattr(other, k) != v}

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def field_meta(cls: type, name: str) -> dict[str, Any]:
    for f in fields(cls):
        if f.name == name:
            return dict(f.metadata)
    raise ConfigError(name, "unknown parameter")


def field_type(cls: type, name: str) -> type:
    hints = typing.get_type_hints(cls)
    kind = hints[name]
    return kind if kind in (int, float, bool, str) else str


def allowed(cls: type, name: str) -> str:
    """Human text for the allowed values of one field, e.g. '1 … 256' or 'one of: a, b'."""
    meta = field_meta(cls, name)
    kind = field_type(cls, name)
    if meta.get("choices"):
        return "one of: " + ", ".join(meta["choices"])
    if kind is bool:
        return "true or false"
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None:
        return f"{_fmt(lo)} … {_fmt(hi)}"
    if lo is not None:
        return f">= {_fmt(lo)}"
    if hi is not None:
        return f"<= {_fmt(hi)}"
    return f"any {kind.__name__}"


def _fmt(x: float) -> str:
    """Bounds and values in messages: whole numbers exactly (2147483647, not 2.14748e+09),
    others with up to 6 significant digits."""
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x) if abs(x) < 10**16 else f"{float(x):.6g}"
    if math.isfinite(x) and x == int(x) and abs(x) < 1e16:
        return str(int(x))
    return f"{x:.6g}"


def _show(raw: Any, limit: int = 40) -> str:
    """A user's value in a message: repr, cut to ``limit`` characters."""
    try:
        text = repr(raw)
    except ValueError:        # an int of more than 4300 digits
        return "a number of thousands of digits"
    return text if len(text) <= limit else text[:limit - 1] + "…"


#: Numbers as the CLI and JSON files may write them: ASCII digits only (no '３２', no
#: '1_000'), optional sign, decimals and exponent, or the words inf / nan.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)",
                     re.ASCII | re.IGNORECASE)
#: Integers beyond this are refused before any arithmetic (no OverflowError).
INT_MAGNITUDE = 2**63


def coerce(cls: type, name: str, raw: Any) -> Any:
    """Turn a CLI/JSON value into the field's type, with a message naming the key."""
    kind = field_type(cls, name)
    if isinstance(raw, str):
        text = raw.strip()
        try:
            if kind is bool:
                low = text.lower()
                if low in ("1", "true", "yes", "on"):
                    return True
                if low in ("0", "false", "no", "off"):
                    return False
                raise ValueError(text)
            if kind in (int, float) and not _NUMBER.fullmatch(text):
                raise ValueError(text)
            if kind is int:
                if re.fullmatch(r"[+-]?\d+", text, re.ASCII):
                    if len(text.lstrip("+-")) > 30:
                        raise ConfigError(name, f"{_show(raw)} is out of range; allowed "
                                                f"{allowed(cls, name)}")
                    return int(text)
                as_float = float(text)
                if not math.isfinite(as_float):
                    return as_float        # check_value names it: not finite
                if not as_float.is_integer():
                    raise ValueError(text)
                return int(as_float)
            if kind is float:
                return float(text) + 0.0   # + 0.0 turns -0.0 into 0.0
            return text
        except ValueError:
            raise ConfigError(name, f"cannot read {_show(raw)} as {kind.__name__}; "
                                    f"allowed {allowed(cls, name)}") from None
    if kind is float and isinstance(raw, int) and not isinstance(raw, bool):
        if abs(raw) > INT_MAGNITUDE:
            raise ConfigError(name, f"{_show(raw)} is out of range; allowed {allowed(cls, name)}")
        return float(raw)
    if kind is int and isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return raw


def check_value(cls: type, name: str, value: Any) -> None:
    meta = field_meta(cls, name)
    kind = field_type(cls, name)
    rng = allowed(cls, name)
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(name, f"{_show(value)} is not a boolean; allowed {rng}")
        return
    if kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(name, f"{_show(value)} is not a number; allowed {rng}")
        if kind is int and not isinstance(value, int):
            raise ConfigError(name, f"{_show(value)} is not an integer; allowed {rng}")
        if isinstance(value, int) and abs(value) > INT_MAGNITUDE:
            raise ConfigError(name, f"{_show(value, 24)} is out of range; allowed {rng}")
        if not math.isfinite(value):
            raise ConfigError(name, f"{_show(value)} is not finite; allowed {rng}")
        lo, hi = meta.get("min"), meta.get("max")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ConfigError(name, f"{_fmt(value)} is out of range; allowed {rng}")
        return
    if not isinstance(value, str):
        raise ConfigError(name, f"{_show(value)} is not text; allowed {rng}")
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(name, f"{_show(value)} is not allowed; {rng}")
