"""Plot kit shared by every panel: live curves with ghosts, images with overlays, mosaics.

The kit lives in plot_style (colours, pens, colour maps), plot_base (the themed base),
curve_plot and image_plot; this module gathers the names the panels import.

pyqtgraph practice followed throughout: every plot item is created once and later only
fed with ``setData`` / ``setImage`` (no ``clear()`` and rebuild per frame); series over
an ordered x are thinned to their pixels (plot_thinning); scatter colours are shared
brush objects (shared_brush); images use fixed colour maps and fixed levels so that
colours keep their meaning while a run goes on.

Themes are ``"light"`` or ``"dark"`` (or any object with a ``name`` attribute holding one
of these). ``set_line_scale(f)`` scales pen widths and fonts for presentation mode.
"""
from __future__ import annotations

from workbench.curve_plot import CurvePlot
from workbench.image_plot import ImagePlot, MosaicPlot
from workbench.plot_style import (FG, GHOST_PALETTE, MAX_GHOSTS, PALETTE, THEMES, KitAxis,
                                  ThemeColors, _pen, diverging_colormap, grey_colormap,
                                  landscape_colormap, resolve_color, shared_brush,
                                  shared_brushes, shared_pen, theme_colors)

__all__ = ["CurvePlot", "ImagePlot", "MosaicPlot", "FG", "GHOST_PALETTE", "MAX_GHOSTS",
           "PALETTE", "THEMES", "KitAxis", "ThemeColors", "_pen", "diverging_colormap",
           "grey_colormap", "landscape_colormap", "resolve_color", "shared_brush",
           "shared_brushes", "shared_pen", "theme_colors"]
