"""The edit the bayes panel sends to a running engine, checked in one torch-free place.

Every demo knows one edit (see engines.edits), an observation:
    Observe()                   one more simulated observation (the button)
    Observe(y=y)                sequential / qubit: the user's outcome y
    Observe(click=bool)         cavity: a photon click, or an interval without
    Observe(t=t, y=y)           Gaussian process: measure φ(t) with outcome y
    Observe(x=x, y=y)           Bayes and the loss: one more sample (x, y)
The panel checks a click with :func:`check_edit` before sending it (a refusal gets its
message at once), and the engine checks it again in ``apply_edit``; both raise ValueError
with a message for the user.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from engines.bayes.configs import (GP_LENGTH, X_RANGE, CavityConfig, GPConfig, LossConfig,
                                   QubitConfig, SequentialConfig)
from engines.edits import Edit


@dataclass(frozen=True)
class Observe(Edit):
    """One observation; with every field None a simulated one (drawn from the truth)."""
    y: float | None = None
    click: bool | None = None
    t: float | None = None
    x: float | None = None

    @property
    def simulated(self) -> bool:
        """No value of the user's: the engine draws the observation itself."""
        return all(getattr(self, f.name) is None for f in fields(self))


def lambda_range(cfg: SequentialConfig) -> tuple[float, float]:
    """The λ grid of the sequential demo: the prior's ±6W and λ* ± 8σ."""
    lo = min(-6.0 * cfg.prior_width, cfg.true_lambda - 8.0 * cfg.noise)
    hi = max(6.0 * cfg.prior_width, cfg.true_lambda + 8.0 * cfg.noise)
    return lo, hi


def readout_range(cfg: QubitConfig) -> tuple[float, float]:
    """Outcomes y shown for the qubit: both peaks ± 5σ."""
    half = 0.5 * cfg.separation + 5.0 * cfg.readout_noise
    return -half, half


def _number(change: Observe, key: str) -> float:
    try:
        value = float(getattr(change, key))
    except (TypeError, ValueError):
        raise ValueError(f"the observation needs a number {key!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{key} = {value} is not a finite number")
    return value


def _inside(name: str, value: float, lo: float, hi: float, what: str) -> None:
    if not lo - 1e-12 <= value <= hi + 1e-12:
        raise ValueError(f"{name} = {value:.3g} lies outside {what} [{lo:.3g}, {hi:.3g}]: "
                         f"click inside it")


def check_edit(cfg: Any, change: Any) -> Observe:
    """The edit as the engine applies it (the demo's fields only, numbers as floats);
    ValueError if refused."""
    if not isinstance(change, Observe):
        raise ValueError(f"unknown edit {type(change).__name__}: this demo takes "
                         "observations only")
    if isinstance(cfg, SequentialConfig):
        if change.y is None:
            return Observe()
        y = _number(change, "y")
        _inside("y", y, *lambda_range(cfg), "the plotted range")
        return Observe(y=y)
    if isinstance(cfg, QubitConfig):
        if change.y is None:
            return Observe()
        y = _number(change, "y")
        _inside("y", y, *readout_range(cfg), "the readout range")
        return Observe(y=y)
    if isinstance(cfg, CavityConfig):
        if change.click is None:
            return Observe()
        if not isinstance(change.click, bool):
            raise ValueError("'click' must be true or false")
        return Observe(click=change.click)
    if isinstance(cfg, GPConfig):
        if change.t is None and change.y is None:
            return Observe()
        t, y = _number(change, "t"), _number(change, "y")
        _inside("t", t, 0.0, GP_LENGTH, "the lattice")
        return Observe(t=t, y=y)
    if isinstance(cfg, LossConfig):
        if change.x is None and change.y is None:
            return Observe()
        x, y = _number(change, "x"), _number(change, "y")
        _inside("x", x, *X_RANGE, "the input range")
        return Observe(x=x, y=y)
    raise ValueError(f"{type(cfg).__name__} takes no observations")


def lattice_site(cfg: GPConfig, t: float) -> int:
    """Index γ of the lattice site nearest to t (t inside [0, GP_LENGTH])."""
    return int(min(cfg.n_points - 1, max(0, round(t / cfg.dt))))
