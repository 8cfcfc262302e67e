"""The CNN, the criteria of exercise A1.1 on hand-made tensors, the bonus initialisation,
and the numpy forward pass of the GUI's canvas against torch."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from engines.mnist import numpy_cnn
from engines.mnist.cnn import (Criterion, build_cnn, cnn_for, export_weights,
                               images_to_tensor, scale_last_layer)
from engines.mnist.configs import CRITERIA, MNISTConfig, architecture, parameter_count


# ---- criteria on hand-made tensors -------------------------------------------------------------
def test_a_cross_entropy_and_argmax_accuracy():
    out = torch.tensor([[2.0, 0.0, 0.0] + [0.0] * 7,
                        [0.0] * 9 + [3.0]])
    y = torch.tensor([0, 4])
    crit = Criterion("a_cross_entropy")
    # −(1/n) Σ_i log softmax(f(x_i))_{y_i}, by hand
    lse1 = math.log(math.exp(2.0) + 9.0)
    lse2 = math.log(math.exp(3.0) + 9.0)
    expected = ((lse1 - 2.0) + (lse2 - 0.0)) / 2
    assert crit.loss(out, y).item() == pytest.approx(expected, rel=1e-6)
    assert crit.predict(out).tolist() == [0, 9]
    assert crit.correct(out, y).tolist() == [True, False]
    assert crit.n_out == 10 and not crit.regression


def test_b_mse_against_one_hot_sums_classes_and_averages_samples():
    out = torch.zeros(2, 10)
    out[0, 3] = 1.0          # exactly the one-hot code of 3: loss 0
    out[1, 5] = 0.5          # label 2: (0.5)² at 5 plus (0 − 1)² at 2
    y = torch.tensor([3, 2])
    crit = Criterion("b_mse_onehot")
    assert crit.loss(out, y).item() == pytest.approx((0.0 + 0.25 + 1.0) / 2)
    assert crit.correct(out, y).tolist() == [True, False]


def test_c_regression_on_the_class_index_and_rounding():
    out = torch.tensor([[2.4], [2.6], [-3.0], [12.0], [6.5]])
    y = torch.tensor([2, 3, 0, 9, 7])
    crit = Criterion("c_mse_class_index")
    expected = (0.4 ** 2 + 0.4 ** 2 + 3.0 ** 2 + 3.0 ** 2 + 0.5 ** 2) / 5
    assert crit.loss(out, y).item() == pytest.approx(expected, rel=1e-6)
    # round to the nearest class, clipped to 0..9 (6.5 rounds half to even: 6)
    assert crit.predict(out).tolist() == [2, 3, 0, 9, 6]
    assert crit.correct(out, y).tolist() == [True, True, True, True, False]
    assert crit.n_out == 1 and crit.regression


def test_a_nan_output_predicts_no_class_for_every_criterion():
    """A diverged net (NaN outputs) predicts no class, never a made-up one: casting NaN to
    an integer gave a negative class and np.bincount's error in the CLI (issue 12)."""
    from engines.mnist.cnn import NO_CLASS

    for name in CRITERIA:
        crit = Criterion(name)
        out = torch.zeros(3, crit.n_out)
        out[1] = float("nan")
        pred = crit.predict(out).tolist()
        assert pred[1] == NO_CLASS and pred[0] >= 0 and pred[2] >= 0
        assert not crit.correct(out, torch.tensor([0, 0, 0]))[1]


def test_d_transforms_the_output_before_loss_and_accuracy():
    out = torch.tensor([[0.0], [-1.0], [1.0]])          # α f + β = 4.5, 0, 9
    y = torch.tensor([4, 0, 9])
    crit = Criterion("d_scaled_output", 4.5, 4.5)
    assert crit.transform(out)[:, 0].tolist() == [4.5, 0.0, 9.0]
    assert crit.loss(out, y).item() == pytest.approx(0.25 / 3)
    assert crit.predict(out).tolist() == [4, 0, 9]
    # (d') applies no transformation in the criterion: its network carries it
    assert Criterion("d2_scaled_init", 4.5, 4.5).transform(out).tolist() == out.tolist()


# ---- the model ---------------------------------------------------------------------------------
def test_architecture_two_conv_blocks_two_dense_last_linear():
    model = build_cnn(8, 16, 5, 32, 10, torch.Generator().manual_seed(0))
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d", "Flatten",
                     "Linear", "ReLU", "Linear"]
    assert isinstance(model[-1], nn.Linear)
    out = model(torch.zeros(3, 1, 28, 28))
    assert out.shape == (3, 10)


@pytest.mark.parametrize("changes", [{}, {"kernel": 5, "channels1": 4, "channels2": 6},
                                     {"criterion": "c_mse_class_index", "hidden": 7},
                                     {"kernel": 1, "channels1": 2, "channels2": 3}])
def test_parameter_table_counts_what_torch_counts(changes):
    cfg = MNISTConfig(**changes)
    model = cnn_for(cfg)
    assert parameter_count(cfg) == sum(p.numel() for p in model.parameters())
    assert architecture(cfg)[-1][0].startswith("dense")


def test_model_init_is_seeded_and_leaves_the_global_rng_alone():
    torch.manual_seed(5)
    before = torch.get_rng_state()
    a = cnn_for(MNISTConfig(seed=3))
    b = cnn_for(MNISTConfig(seed=3))
    c = cnn_for(MNISTConfig(seed=4))
    assert torch.equal(torch.get_rng_state(), before)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a[0].weight, c[0].weight)


def test_bonus_scaled_init_equals_scaled_output_at_initialisation():
    """(d') W ← αW, b ← αb + β gives exactly (d)'s α f + β before any step."""
    cfg_d = MNISTConfig(criterion="d_scaled_output", seed=2)
    cfg_d2 = cfg_d.replace(criterion="d2_scaled_init")
    model_d, model_d2 = cnn_for(cfg_d), cnn_for(cfg_d2)
    x = torch.rand(16, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    y = torch.arange(16) % 10
    crit_d, crit_d2 = Criterion("d_scaled_output", 4.5, 4.5), Criterion("d2_scaled_init")
    with torch.no_grad():
        out_d, out_d2 = model_d(x), model_d2(x)
    torch.testing.assert_close(crit_d.transform(out_d), out_d2, rtol=1e-5, atol=1e-5)
    assert crit_d.loss(out_d, y).item() == pytest.approx(crit_d2.loss(out_d2, y).item(),
                                                         rel=1e-5)
    assert crit_d.predict(out_d).tolist() == crit_d2.predict(out_d2).tolist()
    # the scaled parameters are still trainable leaves
    assert model_d2[-1].weight.requires_grad and model_d2[-1].weight.grad_fn is None
    crit_d2.loss(model_d2(x), y).backward()
    assert model_d2[-1].weight.grad is not None


def test_scale_last_layer_needs_a_linear_last_module():
    with pytest.raises(TypeError):
        scale_last_layer(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), 2.0, 1.0)


# ---- numpy forward for the canvas ---------------------------------------------------------------
@pytest.mark.parametrize("kernel, channels_last", [(3, False), (5, True), (1, False)])
def test_numpy_forward_equals_torch(kernel, channels_last):
    model = build_cnn(4, 6, kernel, 16, 10, torch.Generator().manual_seed(kernel))
    images = np.random.default_rng(0).random((5, 28, 28)).astype(np.float32)
    x = torch.from_numpy(images)[:, None]
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        expected = model(x).numpy()
    weights = export_weights(model)
    assert all(w.dtype == np.float32 and w.flags.c_contiguous for w in weights.values())
    got = numpy_cnn.forward(weights, images)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    single = numpy_cnn.forward(weights, images[0])
    np.testing.assert_allclose(single, expected[:1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("criterion", CRITERIA)
def test_class_probabilities_sum_to_one(criterion):
    rng = np.random.default_rng(1)
    outputs = rng.normal(size=(6, 10 if criterion[0] in "ab" else 1)) * 4
    probs = numpy_cnn.class_probabilities(outputs, criterion, 4.5, 4.5)
    assert probs.shape == (6, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert (probs >= 0).all()
    if criterion[0] not in "ab":
        f = numpy_cnn.regression_value(outputs, criterion, 4.5, 4.5)
        assert probs.argmax(axis=1).tolist() == np.clip(np.rint(f), 0, 9).astype(int).tolist()
    assert numpy_cnn.class_probabilities(-np.ones((1, 10)), "b_mse_onehot")[0, 0] == 0.1


def test_drawings_are_centred_like_mnist():
    ink = np.zeros((280, 280))
    ink[20:120, 200:240] = 1.0                       # a bar in the top-right corner
    img = numpy_cnn.center_like_mnist(ink)
    assert img.shape == (28, 28) and img.dtype == np.float32
    assert 0.0 <= img.min() and img.max() <= 1.0
    rows, cols = np.nonzero(img > 0.05)
    assert rows.max() - rows.min() + 1 <= 20          # longer side scaled to 20 pixels
    total = img.sum()
    cy = (img.sum(axis=1) * np.arange(28)).sum() / total
    cx = (img.sum(axis=0) * np.arange(28)).sum() / total
    assert abs(cy - 13.5) <= 1.0 and abs(cx - 13.5) <= 1.0
    assert not numpy_cnn.center_like_mnist(np.zeros((280, 280))).any()


def test_images_to_tensor_scales_to_unit_interval():
    x = images_to_tensor(np.array([[[0, 255]]], np.uint8).repeat(2, 0), "cpu")
    assert x.shape == (2, 1, 1, 2) and x.dtype == torch.float32
    assert x.max().item() == 1.0 and x.min().item() == 0.0
