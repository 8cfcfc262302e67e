"""Plot kit, thinning: a series over an ordered x (one point per step or interval) is drawn
with at most its lowest and highest point in each pixel column ("peak" thinning): the same
picture, noise envelope and outliers included, at a fraction of the painting cost.

pyqtgraph's own autoDownsample cannot be used here: PlotItem.addItem switches it off again
(it applies the plot menu's setting, off), and it assumes evenly spaced x, so that a
trajectory that returns to where it started would be thinned to nothing. Measured before
this module: a 97,000-point history drawn whole cost ~20-40 ms per plot and frame."""
from __future__ import annotations

import numpy as np

#: A series is thinned once it has more than this many points per pixel column.
THIN_ABOVE_PER_COLUMN = 4


def is_ordered(x: np.ndarray) -> bool:
    return x.size < 2 or bool(np.all(x[1:] >= x[:-1]))


def thin_ordered(x: np.ndarray, y: np.ndarray, columns: int,
                 lo: float | None = None, hi: float | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Keep, of the points of a non-decreasing ``x`` in each of ``columns`` equal bins of
    [``lo``, ``hi``] (default: the data's range), the lowest and the highest, plus the
    first and the last point of the series; points outside [lo, hi] fall into the end
    bins. Returns (x, y) in the original order; unchanged where there is nothing to
    thin (few points, x not ordered, or a zero x range)."""
    columns = max(1, int(columns))
    if x.size <= THIN_ABOVE_PER_COLUMN * columns or not is_ordered(x):
        return x, y
    lo = float(x[0]) if lo is None else float(lo)
    hi = float(x[-1]) if hi is None else float(hi)
    if not hi > lo:
        return x, y
    column = np.clip(((x - lo) / (hi - lo) * columns).astype(np.int64), 0, columns - 1)
    order = np.lexsort((y, column))           # by column, then by y within the column
    by_column = column[order]
    first = np.flatnonzero(np.r_[True, by_column[1:] != by_column[:-1]])
    last = np.r_[first[1:] - 1, by_column.size - 1]
    keep = np.unique(np.r_[0, order[first], order[last], x.size - 1])   # back in x order
    return x[keep], y[keep]
