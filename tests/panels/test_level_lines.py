"""Level lines by vectorised marching squares (workbench.level_lines) against fields whose
level lines are known, and against pyqtgraph's own isocurve."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from workbench.level_lines import level_segments


def segments(x, y):
    """(n, 2, 2) segment end points out of the NaN-separated polyline."""
    return np.stack([x.reshape(-1, 3)[:, :2], y.reshape(-1, 3)[:, :2]], axis=-1)


def test_a_linear_field_has_straight_level_lines_exactly_where_they_belong():
    gx, gy = np.linspace(-1.0, 1.0, 21), np.linspace(0.0, 2.0, 11)
    field = 3.0 * gx[:, None] + 0.0 * gy[None, :]            # f = 3x: lines x = L / 3
    x, y = level_segments(field, gx, gy, [0.45, -1.2])
    seg = segments(x, y)
    assert len(seg) == 2 * (gy.size - 1)                     # one per row of cells, each
    np.testing.assert_allclose(np.sort(np.unique(np.round(seg[..., 0], 12))), [-0.4, 0.15])
    np.testing.assert_allclose(np.sort(np.unique(seg[..., 1])), gy)


def test_a_circle_is_closed_and_on_its_radius():
    g = np.linspace(-1.0, 1.0, 81)
    field = g[:, None] ** 2 + g[None, :] ** 2
    level = 0.5003                                           # through no grid point
    x, y = level_segments(field, g, g, [level])
    seg = segments(x, y)
    r = np.hypot(seg[..., 0], seg[..., 1])
    assert np.abs(r - np.sqrt(level)).max() < 2e-3           # linear interpolation error
    # closed: every end point is shared by exactly two segments
    ends, counts = np.unique(np.round(seg.reshape(-1, 2), 9), axis=0, return_counts=True)
    assert np.all(counts == 2) and len(ends) == len(seg)


def test_saddles_are_split_by_the_cell_centre():
    """f = x·y on a cell around 0 at level 0 crosses all four edges."""
    g = np.array([-1.0, 1.0])
    field = g[:, None] * g[None, :]
    x, y = level_segments(field, g, g, [0.1])                # centre 0 < 0.1: low
    found = {tuple(sorted(map(tuple, np.round(s, 9)))) for s in segments(x, y)}
    # the two high corners (1, 1) and (-1, -1) are cut off, each by its own segment
    assert found == {((0.1, 1.0), (1.0, 0.1)), ((-1.0, -0.1), (-0.1, -1.0))}


def test_the_same_lines_as_pyqtgraph_isocurve():
    rng = np.random.default_rng(0)
    gx, gy = np.arange(30.0), np.arange(20.0)
    field = np.cumsum(np.cumsum(rng.normal(size=(30, 20)), 0), 1)
    for level in np.quantile(field, [0.2, 0.5, 0.8]):
        ours = segments(*level_segments(field, gx, gy, [level])).reshape(-1, 2)
        theirs = np.concatenate([np.asarray(p, float) for p in
                                 pg.functions.isocurve(field, float(level), connected=True)])
        theirs = theirs - 0.5                                 # isocurve: samples at i + 0.5
        ours_set = {tuple(p) for p in np.round(ours, 6)}
        theirs_set = {tuple(p) for p in np.round(theirs, 6)}
        assert ours_set == theirs_set
