"""The chapter-2 targets for the torch engines.

The formulas live in :mod:`engines.nn_basics.target_shapes` (numpy, shared with the
views); here the 1D curves are bound to torch, so they run on the engine's device.
"""
from __future__ import annotations

import torch

from engines.nn_basics.target_shapes import (IMAGE_FUNCTIONS, TARGET_SHAPES,  # noqa: F401
                                             lorentzian, make_image, pixel_coordinates,
                                             target_shape)


def target_function(name: str):
    """The named 1D target as a function of a torch tensor x."""
    shape = target_shape(name)
    return lambda x: shape(x, xp=torch)


TARGET_FUNCTIONS = {name: target_function(name) for name in TARGET_SHAPES}
