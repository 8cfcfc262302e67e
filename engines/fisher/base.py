"""What the chapter-6 numpy engines share: a seeded numpy generator and its state."""
from __future__ import annotations

from typing import Any

import numpy as np

from engines.runtime import Engine, Snapshot


class NumpyEngine(Engine):
    divergence_advice = "A number became NaN: try a smaller learning rate."

    def __init__(self, cfg, device: str | None = None):
        super().__init__(cfg, device)
        self.rng = np.random.default_rng(cfg.seed)

    def make_snapshot(self, metrics, arrays, final) -> Snapshot:
        return Snapshot(step=self.step, metrics={k: float(v) for k, v in metrics.items()},
                        arrays=arrays, history=self.history.arrays(), final=final)

    def common_state(self) -> dict[str, Any]:
        return {**self.base_state(), "rng": self.rng.bit_generator.state}

    def load_common_state(self, state: dict[str, Any]) -> None:
        self.load_base_state(state)
        self.rng.bit_generator.state = state["rng"]


def as_list(array) -> list:
    return np.asarray(array, dtype=float).tolist()


def number(raw, key: str, lo: float, hi: float) -> float:
    """The edit's field ``key`` (value ``raw``) as a finite float inside [lo, hi];
    ValueError with a message otherwise."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"the edit needs a number {key!r}") from None
    if not np.isfinite(value) or not lo <= value <= hi:
        raise ValueError(f"{key} = {value:g} must lie in [{lo:g}, {hi:g}]")
    return value
