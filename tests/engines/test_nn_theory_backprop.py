"""Lecture 2.6: backpropagation, one layer per step, against torch autograd (1e-10,
float64) and central finite differences."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from engines.nn_basics.backprop import BackpropEngine, torch_activation
from engines.nn_basics.theory_configs import BackpropConfig
from tests.engines.nn_helpers import run_to_end


@pytest.mark.parametrize("changes", [
    {}, {"activation": "sigmoid", "depth": 3, "width": 4},
    {"activation": "relu", "n_in": 4, "depth": 4, "width": 6, "n_out": 3},
    {"n_in": 1, "depth": 1, "width": 1, "n_out": 1}])
def test_gradients_equal_autograd_and_finite_differences(changes):
    cfg = BackpropConfig(steps=2 * (changes.get("depth", 2) + 1) * 12, **changes)
    engine = BackpropEngine(cfg)
    final = run_to_end(engine)[-1]
    h = final.history
    assert np.all(h["grad_err_autograd"] < 1e-10)
    assert np.all(h["grad_err_fd"] < 1e-6)
    np.testing.assert_allclose(final.arrays["grad_backprop"], final.arrays["grad_autograd"],
                               atol=1e-10, rtol=0)
    np.testing.assert_allclose(final.arrays["grad_backprop"], final.arrays["grad_fd"], atol=1e-6)
    assert final.epoch == 12


def _torch_reference(engine: BackpropEngine):
    """Node values, node gradients ∂L/∂y⁽ⁿ⁾ and ∂L/∂W⁽ⁿ⁾ from autograd (float64)."""
    cfg = engine.cfg
    ws = [torch.tensor(w, requires_grad=True) for w in engine.W]
    bs = [torch.tensor(b, requires_grad=True) for b in engine.b]
    y = torch.tensor(engine.x_data[engine.sample], requires_grad=True)
    nodes = [y]
    for n in range(engine.n_layers):
        z = ws[n] @ nodes[-1] + bs[n]
        nodes.append(z if n == engine.n_layers - 1 else torch_activation(cfg.activation, z))
        nodes[-1].retain_grad()
    loss = ((nodes[-1] - torch.tensor(engine.y_data[engine.sample])) ** 2).sum()
    loss.backward()
    return nodes, ws, bs


def test_one_step_is_one_layer_and_every_array_matches_autograd():
    cfg = BackpropConfig(depth=2, width=3, n_in=2, n_out=2, lr=0.0)
    engine = BackpropEngine(cfg)
    L = engine.n_layers
    nodes, ws, bs = _torch_reference(engine)
    for phase in range(2 * L):
        engine.train_step()
        engine.step += 1
        snap = engine.snapshot()
        values, grads = snap.arrays["values"], snap.arrays["node_grad"]
        have_value = ~np.all(np.isnan(values), axis=1)
        have_grad = ~np.all(np.isnan(grads), axis=1)
        if phase < L:    # forward: layers 0 … phase+1 have values, nothing has a gradient
            assert snap.metrics["backward"] == 0.0 and snap.metrics["layer"] == phase + 1
            np.testing.assert_array_equal(have_value, np.arange(L + 1) <= phase + 1)
            assert not have_grad.any()
        else:            # backward: gradients from the top down to layer 2L − phase − 1
            layer = 2 * L - phase
            assert snap.metrics["backward"] == 1.0 and snap.metrics["layer"] == layer
            assert have_value.all()
            np.testing.assert_array_equal(have_grad, np.arange(L + 1) >= layer - 1)
            edges = snap.arrays["edge_grad"][layer - 1]
            w = ws[layer - 1]
            np.testing.assert_allclose(edges[:w.shape[0], :w.shape[1]], w.grad.numpy(),
                                       atol=1e-12)
        for n in range(L + 1):
            if have_value[n]:
                np.testing.assert_allclose(values[n, :engine.sizes[n]],
                                           nodes[n].detach().numpy(), atol=1e-12)
            if have_grad[n]:
                np.testing.assert_allclose(grads[n, :engine.sizes[n]], nodes[n].grad.numpy(),
                                           atol=1e-12)


def test_gradient_steps_lower_the_loss():
    cfg = BackpropConfig(lr=0.05, n_samples=4, steps=6 * 400)
    final = run_to_end(BackpropEngine(cfg))[-1]
    loss = final.history["loss"]
    assert loss[-100:].mean() < 0.3 * loss[:100].mean()


def test_zero_learning_rate_keeps_the_weights():
    engine = BackpropEngine(BackpropConfig(lr=0.0, steps=30))
    before = engine.flat_params()
    run_to_end(engine)
    np.testing.assert_array_equal(engine.flat_params(), before)
