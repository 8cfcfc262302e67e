"""The targets of the chapter-2 demos, defined once, in numpy (no torch import).

1D curves F(x) on X_RANGE take the array module ``xp`` (numpy by default): the engines in
:mod:`engines.nn_basics.targets` pass ``torch`` so the same formulas run on tensors (on the
engine's device, with autograd), the views call them with numpy for the preview before a
run. Pictures are numpy grey values in [0, 1] at the config's resolution.
"""
from __future__ import annotations

import numpy as np


def lorentzian(x, theta0=1.0, theta1=0.0, theta2=0.5, xp=np):
    """The lecture's ansatz F_θ(x) = θ0 / (1 + ((x − θ1)/θ2)²) (arithmetic only: any xp)."""
    return theta0 / (1.0 + ((x - theta1) / theta2) ** 2)


def sin(x, xp=np):
    return xp.sin(2.0 * x)


def step(x, xp=np):
    # Heaviside H(x): a discontinuity no smooth network can fit exactly.
    return xp.ones_like(x) * (x >= 0)


def absolute(x, xp=np):
    # |x| / 3 lies in [0, 1] on [-3, 3]: a single kink, easy for ReLU, harder for tanh.
    return xp.abs(x) / 3.0


def sawtooth(x, xp=np):
    # Period 2, rising from 0 to 1: three jumps inside [-3, 3].
    return x / 2.0 - xp.floor(x / 2.0)


#: The 1D targets by config name (FunctionFitConfig.target).
TARGET_SHAPES = {"lorentzian": lorentzian, "sin": sin, "step": step, "abs": absolute,
                 "sawtooth": sawtooth}


def target_shape(name: str):
    """The named 1D target as f(x, xp=numpy)."""
    try:
        return TARGET_SHAPES[name]
    except KeyError:
        raise ValueError(f"unknown target {name!r}; known: {', '.join(TARGET_SHAPES)}") from None


def target_curve(name: str, x: np.ndarray) -> np.ndarray:
    """F(x) of the named target on a numpy grid (the views' preview)."""
    return target_shape(name)(np.asarray(x, dtype=float))


# ---- pictures ------------------------------------------------------------------------
def pixel_coordinates(resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of every pixel in [-1, 1]², shape (H, W) each; row 0 is the top (y = +1)."""
    axis = np.linspace(-1.0, 1.0, resolution)
    x, y = np.meshgrid(axis, axis[::-1])
    return x, y


def _smiley(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    img = np.zeros_like(x)
    img[x**2 + y**2 < 0.85**2] = 1.0                      # face disc
    for ex in (-0.32, 0.32):                                # two eyes
        img[(x - ex) ** 2 + (y - 0.3) ** 2 < 0.13**2] = 0.0
    r = np.sqrt(x**2 + (y - 0.05) ** 2)                     # smile: lower part of a ring
    img[(r > 0.42) & (r < 0.56) & (y < -0.12)] = 0.0
    return img


def _checkerboard(x: np.ndarray, y: np.ndarray, squares: int = 4) -> np.ndarray:
    ix = np.floor((x + 1.0) / 2.0 * squares).clip(0, squares - 1)
    iy = np.floor((y + 1.0) / 2.0 * squares).clip(0, squares - 1)
    return ((ix + iy) % 2).astype(np.float64)


def _rings(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # Concentric cosine rings, 3 periods per unit radius.
    r = np.sqrt(x**2 + y**2)
    return 0.5 + 0.5 * np.cos(2.0 * np.pi * 3.0 * r)


IMAGE_FUNCTIONS = {"smiley": _smiley, "checkerboard": _checkerboard, "rings": _rings}


def make_image(name: str, resolution: int) -> np.ndarray:
    """The named picture as an (H, W) float32 array in [0, 1]."""
    try:
        draw = IMAGE_FUNCTIONS[name]
    except KeyError:
        raise ValueError(f"unknown image {name!r}; known: {', '.join(IMAGE_FUNCTIONS)}") from None
    x, y = pixel_coordinates(resolution)
    return draw(x, y).astype(np.float32)
