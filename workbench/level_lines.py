"""Plot kit, level lines of a sampled field by marching squares, vectorised with numpy.

pyqtgraph's isocurve walks the grid in Python: eleven levels of a 64 x 64 field cost
~15 ms, and fisher/rmi traces them again for every picture (its field changes with every
training step). Here every grid cell is handled at once: where the level crosses two of a
cell's edges, a segment joins the two crossings (linear interpolation along each edge);
where it crosses all four (a saddle), the cell's mean value decides which crossings pair
up. The segments are returned as one NaN-separated polyline for a PlotDataItem with
connect="finite".
"""
from __future__ import annotations

import numpy as np

# A cell's edges, each as its two corners (di, dj) from the cell's lower-left corner, in
# the order bottom, right, top, left.
_EDGES = (((0, 0), (1, 0)), ((1, 0), (1, 1)), ((0, 1), (1, 1)), ((0, 0), (0, 1)))


def level_segments(field: np.ndarray, gx: np.ndarray, gy: np.ndarray, levels
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Level lines of ``field[ix, iy]`` (x along axis 0, sampled at ``gx`` by ``gy``) at
    each of ``levels``, as x and y with a NaN after every segment."""
    field = np.asarray(field, dtype=float)
    gx, gy = np.asarray(gx, dtype=float), np.asarray(gy, dtype=float)
    if field.ndim != 2 or min(field.shape) < 2:
        return np.array([]), np.array([])
    corner = {(di, dj): field[di:field.shape[0] - 1 + di, dj:field.shape[1] - 1 + dj]
              for di in (0, 1) for dj in (0, 1)}
    cx = {d: gx[d:gx.size - 1 + d, None] for d in (0, 1)}      # x of the cells' corners
    cy = {d: gy[None, d:gy.size - 1 + d] for d in (0, 1)}
    centre = sum(corner.values()) / 4.0
    xs, ys = [], []
    for level in np.asarray(levels, dtype=float).ravel():
        crossed, px, py = [], [], []
        for a, b in _EDGES:
            va, vb = corner[a], corner[b]
            hit = (va > level) != (vb > level)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(hit, (level - va) / (vb - va), 0.0)
            crossed.append(hit)
            px.append(cx[a[0]] + t * (cx[b[0]] - cx[a[0]]))
            py.append(cy[a[1]] + t * (cy[b[1]] - cy[a[1]]))
        crossed, px, py = np.array(crossed), np.array(px), np.array(py)
        count = crossed.sum(axis=0)
        # two crossings: one segment between them
        two = count == 2
        first = np.argmax(crossed, axis=0)
        last = 3 - np.argmax(crossed[::-1], axis=0)
        segments = [(first[two], last[two], two)]
        # four (a saddle): bottom pairs with the side whose corner is on the centre's side
        four = count == 4
        if four.any():
            # where the lower-left corner is on the centre's side, the lines cut off the
            # other two corners: bottom joins right and top joins left (else the reverse)
            with_lower_left = (centre > level) == (corner[(0, 0)] > level)
            bottom_with = np.where(with_lower_left, 1, 3)
            top_with = np.where(with_lower_left, 3, 1)
            segments.append((np.zeros(four.sum(), int), bottom_with[four], four))
            segments.append((np.full(four.sum(), 2), top_with[four], four))
        for edge_a, edge_b, cells in segments:
            if not cells.any():
                continue
            ix, iy = np.nonzero(cells)
            x = np.stack([px[edge_a, ix, iy], px[edge_b, ix, iy], np.full(ix.size, np.nan)], 1)
            y = np.stack([py[edge_a, ix, iy], py[edge_b, ix, iy], np.full(ix.size, np.nan)], 1)
            xs.append(x.ravel())
            ys.append(y.ravel())
    if not xs:
        return np.array([]), np.array([])
    return np.concatenate(xs), np.concatenate(ys)
