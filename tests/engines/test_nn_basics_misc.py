"""Imports without Qt, devices, presets file of the chapter-2 panel."""
from __future__ import annotations

import subprocess
import sys

import pytest

from engines.nn_basics import DEMOS
from engines.runtime import DeviceUnavailable, available_devices, pick_device
from tests.engines.conftest import ROOT


def test_engines_import_without_qt():
    code = ("import sys; sys.modules['PySide6'] = None; sys.modules['pyqtgraph'] = None; "
            "import engines.nn_basics.function_fit, engines.nn_basics.image_fit, "
            "engines.nn_basics.landscape")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_configs_import_without_torch():
    code = ("import sys; sys.modules['torch'] = None; "
            "import engines.nn_basics, engines.nn_basics.configs")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif("cuda" in available_devices(), reason="this machine has a GPU")
def test_cuda_unavailable_is_a_clear_error():
    with pytest.raises(DeviceUnavailable, match="'cuda' is not available.*available: cpu"):
        pick_device("cuda")


def test_demo_specs_name_the_engines():
    for spec in DEMOS:
        cls = spec.engine_class()
        assert cls.Config is spec.config


def test_every_preset_builds(presets):
    specs = {spec.name: spec for spec in DEMOS}
    assert set(presets) <= set(specs)
    for demo, table in presets.items():
        assert "quick" in table, demo
        for name, overrides in table.items():
            specs[demo].config.from_dict(overrides)   # raises ConfigError if invalid
    assert {"overfit", "cure: dropout", "cure: L2", "L1 sparsity"} <= set(presets["function"])
    assert {"noisy SGD (batch 1)", "large batch (256)"} <= set(presets["landscape"])
