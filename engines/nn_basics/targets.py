"""Target functions of the chapter-2 demos: 1D curves F(x) on X_RANGE and 2D pictures.

1D targets are torch functions (they run on the engine's device); pictures are made with
numpy once, at the config's resolution, grey values in [0, 1].
"""
from __future__ import annotations

import numpy as np
import torch


def lorentzian(x: torch.Tensor, theta0=1.0, theta1=0.0, theta2=0.5) -> torch.Tensor:
    """The lecture's ansatz F_θ(x) = θ0 / (1 + ((x − θ1)/θ2)²)."""
    return theta0 / (1.0 + ((x - theta1) / theta2) ** 2)


def _sin(x: torch.Tensor) -> torch.Tensor:
    return torch.sin(2.0 * x)


def _step(x: torch.Tensor) -> torch.Tensor:
    # Heaviside H(x): a discontinuity no smooth network can fit exactly.
    return (x >= 0).to(x.dtype)


def _abs(x: torch.Tensor) -> torch.Tensor:
    # |x| / 3 lies in [0, 1] on [-3, 3]: a single kink, easy for ReLU, harder for tanh.
    return x.abs() / 3.0


def _sawtooth(x: torch.Tensor) -> torch.Tensor:
    # Period 2, rising from 0 to 1: three jumps inside [-3, 3].
    return x / 2.0 - torch.floor(x / 2.0)


TARGET_FUNCTIONS = {
    "lorentzian": lorentzian,
    "sin": _sin,
    "step": _step,
    "abs": _abs,
    "sawtooth": _sawtooth,
}


def target_function(name: str):
    try:
        return TARGET_FUNCTIONS[name]
    except KeyError:
        raise ValueError(f"unknown target {name!r}; known: {', '.join(TARGET_FUNCTIONS)}") from None


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
