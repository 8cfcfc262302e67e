"""The edits the bayes panel sends to a running engine, checked in one torch-free place.

Every demo knows one edit, an observation:
    {"kind": "observe"}                     one more simulated observation (the button)
    {"kind": "observe", "y": y}             sequential / qubit: the user's outcome y
    {"kind": "observe", "click": bool}      cavity: a photon click, or an interval without
    {"kind": "observe", "t": t, "y": y}     Gaussian process: measure φ(t) with outcome y
    {"kind": "observe", "x": x, "y": y}     Bayes and the loss: one more sample (x, y)
The panel checks a click with :func:`check_edit` before sending it (a refusal gets its
message at once), and the engine checks it again in ``apply_edit``; both raise ValueError
with a message for the user.
"""
from __future__ import annotations

import math
from typing import Any

from engines.bayes.configs import (GP_LENGTH, X_RANGE, CavityConfig, GPConfig, LossConfig,
                                   QubitConfig, SequentialConfig)


def lambda_range(cfg: SequentialConfig) -> tuple[float, float]:
    """The λ grid of the sequential demo: the prior's ±6W and λ* ± 8σ."""
    lo = min(-6.0 * cfg.prior_width, cfg.true_lambda - 8.0 * cfg.noise)
    hi = max(6.0 * cfg.prior_width, cfg.true_lambda + 8.0 * cfg.noise)
    return lo, hi


def readout_range(cfg: QubitConfig) -> tuple[float, float]:
    """Outcomes y shown for the qubit: both peaks ± 5σ."""
    half = 0.5 * cfg.separation + 5.0 * cfg.readout_noise
    return -half, half


def _number(change: dict, key: str) -> float:
    try:
        value = float(change[key])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"the observation needs a number {key!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{key} = {value} is not a finite number")
    return value


def _inside(name: str, value: float, lo: float, hi: float, what: str) -> None:
    if not lo - 1e-12 <= value <= hi + 1e-12:
        raise ValueError(f"{name} = {value:.3g} lies outside {what} [{lo:.3g}, {hi:.3g}]: "
                         f"click inside it")


def check_edit(cfg: Any, change: Any) -> dict:
    """The edit as the engine applies it (numbers as floats); ValueError if refused."""
    if not isinstance(change, dict) or change.get("kind") != "observe":
        raise ValueError(f"unknown edit {change!r}: this demo takes observations only")
    out: dict = {"kind": "observe"}
    if isinstance(cfg, SequentialConfig):
        if "y" in change:
            out["y"] = _number(change, "y")
            _inside("y", out["y"], *lambda_range(cfg), "the plotted range")
    elif isinstance(cfg, QubitConfig):
        if "y" in change:
            out["y"] = _number(change, "y")
            _inside("y", out["y"], *readout_range(cfg), "the readout range")
    elif isinstance(cfg, CavityConfig):
        if "click" in change:
            if not isinstance(change["click"], bool):
                raise ValueError("'click' must be true or false")
            out["click"] = change["click"]
    elif isinstance(cfg, GPConfig):
        if "t" in change or "y" in change:
            out["t"], out["y"] = _number(change, "t"), _number(change, "y")
            _inside("t", out["t"], 0.0, GP_LENGTH, "the lattice")
    elif isinstance(cfg, LossConfig):
        if "x" in change or "y" in change:
            out["x"], out["y"] = _number(change, "x"), _number(change, "y")
            _inside("x", out["x"], *X_RANGE, "the input range")
    else:
        raise ValueError(f"{type(cfg).__name__} takes no observations")
    return out


def lattice_site(cfg: GPConfig, t: float) -> int:
    """Index γ of the lattice site nearest to t (t inside [0, GP_LENGTH])."""
    return int(min(cfg.n_points - 1, max(0, round(t / cfg.dt))))
