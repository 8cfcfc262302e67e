"""Metric history as CSV: shared by `ml-workbench run --out` and the GUI's export action.

Qt-free and numpy-free at import time, so the CLI stays quick to start.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any, Mapping, Sequence


def write_history_csv(path: str | Path, history: Mapping[str, Sequence[Any]]) -> Path:
    """Write history columns (as from ``MetricHistory.arrays()``) to ``path``.

    The header is ``step`` followed by the other columns in their given order. Steps are
    written as integers; a missing value (NaN) is written as an empty cell so that
    spreadsheets and pandas read it as "no value" rather than the text "nan".
    """
    path = Path(path)
    columns = ["step"] + [name for name in history if name != "step"]
    if "step" not in history:
        raise ValueError("history has no 'step' column")
    rows = len(history["step"])
    for name in columns:
        if len(history[name]) != rows:
            raise ValueError(f"history column {name!r} has {len(history[name])} rows, "
                             f"'step' has {rows}")
    if path.parent != Path(""):
        path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for i in range(rows):
            writer.writerow([_cell(name, history[name][i]) for name in columns])
    return path


def _cell(name: str, value: Any) -> str:
    value = float(value)
    if math.isnan(value):
        return ""
    if name == "step":
        return str(int(value))
    # repr of a float round-trips exactly and is short where it can be.
    return repr(value)
