"""BayesEngine: what the chapter-5 engines share (numpy only; no torch).

One step = one automatic observation drawn from the truth the config sets. Observations
also arrive as edits (the panel's "One observation" button, a click in a plot) between two
steps: :meth:`apply_edit` checks them with engines.bayes.edits.check_edit and hands them to
the demo's :meth:`observe_edit`. Every observation, automatic or not, appends one row to
``self.records`` (per-observation columns: N, entropies, information gain, ...), which
the snapshot carries as arrays ``obs_<column>``, so curves against N include the user's
observations. The metric history (one row per step) keeps ``n_obs`` so that ghost curves of
previous runs can be drawn against N as well.

State: everything an engine needs to continue with exactly the same numbers is stored as
plain numbers and lists (sessions are loaded with torch.load(weights_only=True)).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from engines.bayes.edits import Observe, check_edit
from engines.edits import Edit
from engines.runtime import Engine, Snapshot

#: Most observations shown as individual marks (the oldest ones are dropped from view).
MAX_SHOWN = 400


class BayesEngine(Engine):
    """Base of the Bayes demos: RNG, per-observation records, edits, state."""

    #: Per-observation columns, in order; snapshots carry them as "obs_<name>".
    RECORD_KEYS: tuple[str, ...] = ()
    divergence_advice = "A probability became NaN: check the widths and noise levels."

    def __init__(self, cfg, device: str | None = None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(cfg.seed)
        self.records: dict[str, list[float]] = {key: [] for key in self.RECORD_KEYS}
        self.last_source = ""          # "auto", "button" or "click": the last observation

    # ---- observations ---------------------------------------------------------------
    def train_step(self) -> None:
        self.last_source = "auto"
        self.simulate()

    def apply_edit(self, change: Edit) -> None:
        """One observation from the panel, an engines.bayes.edits.Observe (button:
        simulated; click: the user's value)."""
        change = check_edit(self.cfg, change)
        self.observe_edit(change)   # raises ValueError (engine unchanged) when refused
        self.last_source = "button" if change.simulated else "click"

    def simulate(self) -> None:  # pragma: no cover - abstract
        """One observation drawn from the truth."""
        raise NotImplementedError

    def observe_edit(self, change: Observe) -> None:
        """An observation edit (already checked): simulated when it carries no value."""
        self.simulate()

    def record(self, **row: float) -> None:
        for key in self.RECORD_KEYS:
            self.records[key].append(float(row[key]))

    @property
    def n_obs(self) -> int:
        return len(self.records[self.RECORD_KEYS[0]]) if self.RECORD_KEYS else 0

    def last(self, key: str, default: float = 0.0) -> float:
        column = self.records[key]
        return column[-1] if column else default

    def record_arrays(self) -> dict[str, np.ndarray]:
        return {f"obs_{key}": np.asarray(values, dtype=float)
                for key, values in self.records.items()}

    def make_snapshot(self, metrics: dict[str, float], arrays: dict[str, np.ndarray],
                      final: bool) -> Snapshot:
        arrays = {**arrays, **self.record_arrays()}
        return Snapshot(step=self.step, epoch=self.n_obs, metrics=metrics, arrays=arrays,
                        history=self.history.arrays(), final=final)

    # ---- state ------------------------------------------------------------------------
    def common_state(self) -> dict[str, Any]:
        return {**self.base_state(), "rng": self.rng.bit_generator.state,
                "records": {k: list(v) for k, v in self.records.items()},
                "last_source": self.last_source}

    def load_common_state(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.rng.bit_generator.state = state["rng"]
        self.records = {k: [float(x) for x in state["records"][k]] for k in self.RECORD_KEYS}
        self.last_source = str(state["last_source"])


def as_list(array: np.ndarray) -> list:
    """A numpy array as (nested) Python floats, for state dicts."""
    return np.asarray(array, dtype=float).tolist()
