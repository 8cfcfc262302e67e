"""Differential entropy against closed forms; discretisation and change of variables."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engines.information.configs import ContinuousConfig
from engines.information.continuous import (ContinuousEngine, closed_form_h, discrete_entropy,
                                            h2_gaussian, h2_y_on_grid, h_of_y_on_y_grid,
                                            mean_log2_deriv, quadrature_h)
from tests.engines.nn_helpers import run_to_end


@pytest.mark.parametrize("name", ["gaussian", "uniform", "laplace"])
@pytest.mark.parametrize("s", [0.3, 1.0, 4.0])
def test_closed_forms_match_quadrature(name, s):
    assert quadrature_h(name, s) == pytest.approx(closed_form_h(name, s), abs=2e-4)


def test_gaussian_closed_form_value():
    assert closed_form_h("gaussian", 1.0) == pytest.approx(0.5 * math.log2(2 * math.pi * math.e))
    assert closed_form_h("uniform", 0.5) == pytest.approx(0.0)    # width 1: h = 0


@pytest.mark.parametrize("name", ["gaussian", "uniform", "laplace", "mixture"])
def test_discrete_entropy_is_minus_log_eps_plus_h_for_small_eps(name):
    h = closed_form_h(name, 1.0)
    for eps in (0.01, 0.002):
        hd = discrete_entropy(name, 1.0, eps)[0]
        assert hd == pytest.approx(-math.log2(eps) + h, abs=2e-3)
    # but not for coarse bins: the approximation needs ε small against the density's scale
    coarse = discrete_entropy("gaussian", 1.0, 3.0)[0]
    assert abs(coarse - (-math.log2(3.0) + closed_form_h("gaussian", 1.0))) > 0.1


@pytest.mark.parametrize("density", ["gaussian", "uniform", "laplace", "mixture"])
@pytest.mark.parametrize("mapping", ["affine", "exp", "cube", "sinh", "logistic"])
def test_change_of_variables_holds_numerically(density, mapping):
    s = 0.7
    if density == "laplace" and mapping in ("exp", "sinh"):
        s = 0.3      # Laplace tails through e^x: keep Y's range small enough for a y-grid
    direct = h_of_y_on_y_grid(density, s, mapping)
    formula = closed_form_h(density, s) + mean_log2_deriv(density, s, mapping)
    assert direct == pytest.approx(formula, abs=5e-3)


def test_affine_map_shifts_h_by_log_of_the_slope():
    assert mean_log2_deriv("gaussian", 1.0, "affine") == pytest.approx(1.0)   # log₂ 2


def test_two_d_linear_map_matches_the_gaussian_closed_form():
    from engines.information.continuous import LINEAR_2D

    s = 0.8
    cov = s * s * LINEAR_2D @ LINEAR_2D.T
    exact = 0.5 * math.log2((2 * math.pi * math.e) ** 2 * np.linalg.det(cov))
    assert h2_gaussian(s) + math.log2(abs(np.linalg.det(LINEAR_2D))) == pytest.approx(exact)
    assert h2_y_on_grid("linear", s) == pytest.approx(exact, abs=2e-3)


def test_coupling_layer_jacobian_formula_matches_the_grid_and_monte_carlo():
    snap = run_to_end(ContinuousEngine(ContinuousConfig(steps=60, samples_per_step=5000)))[-1]
    m = snap.metrics
    assert m["h2_y_bits"] == pytest.approx(m["h2_x_plus_mc_log_det_bits"], abs=0.01)
    assert m["h_y_bits"] == pytest.approx(m["h_x_bits"] + m["mc_mean_log_deriv_bits"], abs=0.02)
    assert m["h_discrete_bits"] == pytest.approx(m["minus_log_eps_plus_h_bits"], abs=1e-3)
    assert snap.arrays["eps_values"].size == 40
