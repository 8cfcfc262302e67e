"""Renormalized mutual information: the learned feature of a Gaussian cloud is PC1."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engines.fisher.configs import RMIConfig
from engines.fisher.rmi import RMIEngine, axis_angle_deg
from tests.engines.nn_helpers import run_to_end


def test_rmi_of_a_linear_feature_is_invariant_under_rescaling_and_largest_along_pc1():
    eng = RMIEngine(RMIConfig(n_points=400, angle_deg=30.0, aspect=3.0))
    values = {}
    for deg in (30.0, 75.0, 120.0):
        for scale in (0.5, 3.0):
            a = math.radians(deg)
            with torch.no_grad():
                eng.net[0].weight.copy_(torch.tensor([[math.cos(a), math.sin(a)]]) * scale)
            values[deg, scale] = eng.rmi_terms()["rmi"]
    for deg in (30.0, 75.0, 120.0):
        assert values[deg, 0.5] == pytest.approx(values[deg, 3.0], abs=1e-6)
    assert values[30.0, 1 * 0.5] > values[75.0, 0.5] > values[120.0, 0.5]
    # Gaussian: H(w·x) − ln|w| = ½ ln(2πe ŵᵀCŵ) (kernel estimate: slightly above)
    gap = values[30.0, 0.5] - values[120.0, 0.5]
    assert gap == pytest.approx(math.log(3.0), abs=0.15)


@pytest.mark.parametrize("angle,aspect,seed", [(30.0, 3.0, 0), (-70.0, 2.0, 1)])
def test_learned_feature_aligns_with_the_first_principal_component(angle, aspect, seed):
    cfg = RMIConfig(dataset="gaussian", angle_deg=angle, aspect=aspect, n_points=300,
                    lr=0.03, steps=120, seed=seed)
    snap = run_to_end(RMIEngine(cfg))[-1]
    assert snap.metrics["angle_to_pc1_deg"] < 5.0
    assert axis_angle_deg(math.radians(snap.metrics["pc1_angle_deg"]), math.radians(angle)) < 8


def test_level_field_is_the_feature():
    snap = run_to_end(RMIEngine(RMIConfig(n_points=100, steps=3)))[-1]
    a = snap.arrays
    assert a["level_field"].shape == (a["level_x"].size, a["level_y"].size)
    assert a["points"].shape == (100, 2) and a["feature"].shape == (100,)
    assert np.isfinite(a["level_field"]).all()
