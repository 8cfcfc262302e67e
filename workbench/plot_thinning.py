"""Plot kit, thinning: a series over an ordered x (one point per step or interval) is drawn
with at most its lowest and highest point in each pixel column ("peak" thinning): the same
picture, noise envelope and outliers included, at a fraction of the painting cost.

pyqtgraph's own autoDownsample cannot be used here: PlotItem.addItem switches it off again
(it applies the plot menu's setting, off), and it assumes evenly spaced x, so that a
trajectory that returns to where it started would be thinned to nothing. Measured before
this module: a 97,000-point history drawn whole cost ~20-40 ms per plot and frame.

A path in a plane (an optimiser's trajectory over a landscape) has no ordered x: it is
drawn with a point wherever it has moved half a pixel (PathThinner).
Measured before: four 13,000-step paths cost ~25 ms per frame in fisher/natural-gradient."""
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


#: A path is thinned once it has more points than this.
THIN_PATH_ABOVE = 500
#: A path's point is drawn once it is this many pixels (along x or y) from the last one.
PATH_STEP_PX = 0.5


class PathThinner:
    """Thins one growing path: a point is kept once it lies PATH_STEP_PX or more (in x
    or y) from the last kept point, and the path's newest point is always drawn, so the
    line never strays more than that from the whole path. A pixel grid would not do: a
    path settling on a pixel's edge (a minimum at 0) crosses it at every step. The
    walk is sequential, so it is done for the points that are new since the last call
    only (a path grows by a few points per frame); a new pixel size (zoom, resize) or
    a path that does not continue the last one starts it again."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._pixel: tuple[float, float] | None = None
        self._seen = 0                               # points of the path walked so far
        self._last_seen: tuple[float, float] | None = None
        self._kept_x: list[float] = []
        self._kept_y: list[float] = []

    def thin(self, x: np.ndarray, y: np.ndarray, x_pixel: float, y_pixel: float
             ) -> tuple[np.ndarray, np.ndarray]:
        n = x.size
        if n <= THIN_PATH_ABOVE or not (x_pixel > 0 and y_pixel > 0):
            self.reset()
            return x, y
        continues = (self._pixel == (x_pixel, y_pixel) and 0 < self._seen <= n
                     and self._last_seen == (float(x[self._seen - 1]),
                                             float(y[self._seen - 1])))
        if not continues:
            self.reset()
            self._pixel = (x_pixel, y_pixel)
            self._kept_x, self._kept_y = [float(x[0])], [float(y[0])]
            self._seen = 1
        step_x, step_y = PATH_STEP_PX * x_pixel, PATH_STEP_PX * y_pixel
        kept_x, kept_y = self._kept_x, self._kept_y
        last_x, last_y = kept_x[-1], kept_y[-1]
        for px, py in zip(x[self._seen:].tolist(), y[self._seen:].tolist()):
            if abs(px - last_x) >= step_x or abs(py - last_y) >= step_y:
                kept_x.append(px)
                kept_y.append(py)
                last_x, last_y = px, py
        self._seen = n
        self._last_seen = (float(x[-1]), float(y[-1]))
        out_x, out_y = np.array(kept_x), np.array(kept_y)
        if (out_x[-1], out_y[-1]) != self._last_seen:   # the newest point, always
            out_x, out_y = np.r_[out_x, x[-1]], np.r_[out_y, y[-1]]
        return out_x, out_y


def thin_path(x: np.ndarray, y: np.ndarray, x_pixel: float, y_pixel: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """A path thinned at once (PathThinner without memory): ``x_pixel`` by ``y_pixel``
    are a pixel's size in data units."""
    return PathThinner().thin(x, y, x_pixel, y_pixel)
