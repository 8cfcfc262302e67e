"""Autoencoder demos (lecture 3.3): linear AE = PCA, the denoising closed form and small-ε
expansion, the contractive AE's analytic Jacobian, and the basic AE below PCA's floor."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from engines.representation.configs import (AutoencoderConfig, ContractiveConfig,
                                            DenoisingConfig, LinearAEConfig)
from tests.engines.nn_helpers import run_to_end


# ---- linear autoencoder ---------------------------------------------------------------
def quick(demo: str):
    from engines.registry import demos  # noqa: F401  (the registry may not list us yet)
    from engines.representation import DEMOS
    from workbench.presets import preset_config

    spec = next(s for s in DEMOS if s.name == demo)
    return spec.engine_class(), preset_config("representation", spec, "quick")


def test_linear_ae_quick_preset_finds_the_pca_subspace():
    cls, cfg = quick("linear")
    engine = cls(cfg)
    snap = run_to_end(engine, snapshot_hz=0.5)[-1]
    assert snap.metrics["subspace_angle_deg"] < 2.0
    assert snap.metrics["loss_over_floor"] < 1.02
    assert snap.metrics["loss_over_floor"] > 1.0 - 1e-6       # nothing beats the floor
    # spectrum of W'W: k ones (and d − k zeros)
    np.testing.assert_allclose(snap.arrays["wtw_spectrum"], 1.0, atol=0.02)


def test_linear_ae_measurements_against_direct_formulas():
    from scipy.linalg import subspace_angles

    from engines.representation.linear import LinearAEEngine

    engine = LinearAEEngine(LinearAEConfig(n_train=300, bottleneck=4, steps=20,
                                           batch_size=64, init_scale=0.1))
    run_to_end(engine)
    w, wd = engine.weights()
    direct = np.mean(np.sum((engine.x @ w.T @ wd.T - engine.x) ** 2, axis=1))
    assert engine.full_loss() == pytest.approx(direct, rel=1e-9)
    angles = np.sort(np.degrees(subspace_angles(wd, engine.v_k)))
    from engines.representation.common import principal_angles_deg
    np.testing.assert_allclose(principal_angles_deg(wd, engine.v_k), angles, atol=1e-6)
    assert engine.floor == pytest.approx(engine.eigenvalues[4:].sum())
    # PCA itself sits exactly on the floor
    v = engine.v_k
    pca_loss = np.mean(np.sum((engine.x @ v @ v.T - engine.x) ** 2, axis=1))
    assert pca_loss == pytest.approx(engine.floor, rel=1e-9)


@pytest.mark.slow
def test_rotated_weights_are_as_good_but_ordered_decay_picks_the_eigenvectors():
    from engines.representation.linear import LinearAEEngine

    plain = LinearAEEngine(LinearAEConfig(n_train=2000, batch_size=2000, bottleneck=4,
                                          steps=400))
    run_to_end(plain, snapshot_hz=0.5)
    m = plain.measure()
    assert m["subspace_angle_deg"] < 2.0
    assert m["eigvec_alignment"] < 0.9            # some basis of the subspace, not the v's
    ordered = LinearAEEngine(LinearAEConfig(n_train=2000, batch_size=2000, bottleneck=4,
                                            regulariser="ordered_l2", reg_strength=1.0,
                                            lr=0.01, steps=2000))
    run_to_end(ordered, snapshot_hz=0.5)
    assert ordered.measure()["eigvec_alignment"] > 0.95


# ---- basic autoencoder ----------------------------------------------------------------
@pytest.mark.slow
def test_curve_autoencoder_beats_the_straight_line():
    from engines.representation.autoencoder import AutoencoderEngine

    engine = AutoencoderEngine(AutoencoderConfig(n_train=2000, steps=1500))
    snap = run_to_end(engine, snapshot_hz=0.5)[-1]
    assert snap.metrics["loss_over_floor"] < 0.2
    assert snap.arrays["manifold"].shape == (200, 2)


def test_autoencoder_floor_is_the_unexplained_variance():
    from engines.representation.autoencoder import AutoencoderEngine

    engine = AutoencoderEngine(AutoencoderConfig(data="mnist", n_train=300, bottleneck=3,
                                                 width=16, depth=1, steps=5))
    centred = engine.x - engine.x.mean(axis=0)
    lam = np.linalg.eigvalsh(centred.T @ centred / len(centred))[::-1]
    assert engine.floor == pytest.approx(lam[3:].sum(), rel=1e-9)
    snap = run_to_end(engine)[-1]
    assert snap.metrics["pca_floor"] == engine.floor
    assert snap.arrays["recon"].shape == (8, 784) and snap.arrays["latent"].shape[1] == 2


# ---- denoising ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def linear_dae():
    from engines.representation.denoising import DenoisingEngine

    engine = DenoisingEngine(DenoisingConfig(data="random_field", model="linear",
                                             n_train=2000, batch_size=2000, epsilon=0.5,
                                             lr=0.01, steps=1500))
    run_to_end(engine, snapshot_hz=0.5)
    return engine


def test_linear_dae_converges_to_the_closed_form(linear_dae):
    from engines.representation import data as rdata
    from engines.representation.denoising import closed_form_linear

    a = linear_dae.linear_map()
    best = closed_form_linear(linear_dae.cov, 0.5)
    assert np.linalg.norm(a - best) / np.linalg.norm(best) < 0.05
    lam, vec = rdata.pca(linear_dae.cov)
    np.testing.assert_allclose(vec.T @ best @ vec, np.diag(lam / (lam + 0.25)), atol=1e-10)
    snap = linear_dae.snapshot(final=True)
    np.testing.assert_allclose(snap.arrays["shrink_learned"], snap.arrays["shrink_closed_form"],
                               atol=0.05)


def test_small_noise_expansion_of_the_linear_dae(linear_dae):
    """⟨‖A(x + εξ) − x‖²⟩ = ⟨‖Ax − x‖²⟩ + ε²‖A‖²_F for a linear F (exact in expectation)."""
    x = linear_dae.xe.double()
    a = torch.as_tensor(linear_dae.linear_map())
    gen = torch.Generator().manual_seed(7)
    for eps in (0.3, 0.03):
        xi = torch.randn((400,) + tuple(x.shape), generator=gen, dtype=torch.float64)
        lhs = (((x + eps * xi) @ a.T - x) ** 2).sum(-1)
        clean = float(((x @ a.T - x) ** 2).sum(-1).mean())
        rhs = clean + eps ** 2 * float((a ** 2).sum())
        err = float(lhs.mean(0).std() / np.sqrt(lhs.shape[1]))   # Monte Carlo error
        assert abs(float(lhs.mean()) - rhs) < 4 * err + 1e-12
    assert linear_dae.jacobian_norm() == pytest.approx(float((a ** 2).sum()))


def test_dae_jacobian_autograd_and_hutchinson_agree():
    from engines.representation.denoising import (DenoisingEngine, jacobian_frobenius,
                                                  jacobian_frobenius_hutchinson)

    engine = DenoisingEngine(DenoisingConfig(data="random_field", model="mlp", n_train=100,
                                             bottleneck=8, width=16, steps=1))
    x = engine.xe[:4].double()
    model = engine.model.double()
    exact = float(jacobian_frobenius(model, x).detach())
    by_hand = sum(float((torch.autograd.functional.jacobian(model, xx[None])[0, :, 0] ** 2)
                        .sum()) for xx in x) / 4
    assert exact == pytest.approx(by_hand, rel=1e-10)
    probes = torch.randn((4000, 4, x.shape[1]), generator=torch.Generator().manual_seed(1),
                         dtype=torch.float64)
    assert float(jacobian_frobenius_hutchinson(model, x, probes)) == pytest.approx(exact,
                                                                                   rel=0.05)


def test_dae_small_eps_expansion_for_the_mlp():
    """For a nonlinear F the lecture's expansion holds up to its next term ε²⟨(F−x)·ΔF⟩;
    with antithetic noise (±ξ) the odd orders cancel, and the remainder shrinks as ε⁴."""
    from engines.representation.denoising import DenoisingEngine, jacobian_frobenius

    engine = DenoisingEngine(DenoisingConfig(data="random_field", model="mlp", n_train=100,
                                             bottleneck=8, width=16, steps=1))
    model = engine.model.double()
    x = engine.xe[:16].double()
    jac = float(jacobian_frobenius(model, x).detach())
    xi = torch.randn((2000,) + tuple(x.shape), generator=torch.Generator().manual_seed(3),
                     dtype=torch.float64)
    with torch.no_grad():
        fx = model(x)
        clean = float(((fx - x) ** 2).sum(-1).mean())
        # the next term, from the Laplacian of F (estimated with the same noise)
        def excess(eps):
            plus = ((model(x + eps * xi) - x) ** 2).sum(-1)
            minus = ((model(x - eps * xi) - x) ** 2).sum(-1)
            return float(0.5 * (plus + minus).mean()) - clean
        small, smaller = excess(1e-2), excess(5e-3)
    lap_term_small = small - 1e-4 * jac
    lap_term_smaller = smaller - 2.5e-5 * jac
    # both residuals are the same ε² · ⟨(F − x)·ΔF⟩ (up to O(ε⁴)): ratio 4
    assert lap_term_small == pytest.approx(4 * lap_term_smaller, rel=0.2)


# ---- contractive ----------------------------------------------------------------------
def test_contractive_analytic_jacobian_equals_autograd():
    from engines.representation.contractive import ContractiveAE

    model = ContractiveAE(20, 7, tied=False, gen=torch.Generator().manual_seed(0)).double()
    with torch.no_grad():
        model.b.copy_(torch.linspace(-1, 1, 7))
    x = torch.rand(5, 20, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    analytic = model.jacobian(x)
    for i in range(5):
        auto = torch.autograd.functional.jacobian(model.encode, x[i:i + 1])[0, :, 0]
        torch.testing.assert_close(analytic[i], auto, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.jacobian_frobenius(x), (analytic ** 2).sum(dim=(1, 2)))


@pytest.mark.slow
def test_contraction_saturates_units_and_untied_weights_cheat():
    from engines.representation.contractive import ContractiveEngine

    def final(**kw):
        engine = ContractiveEngine(ContractiveConfig(n_train=2000, hidden=32, steps=800,
                                                     **kw))
        run_to_end(engine, snapshot_hz=0.5)
        return engine.measure()

    free, tied, untied = final(contraction=0.0), final(contraction=1.0), \
        final(contraction=1.0, tied=False)
    assert tied["jacobian_frobenius"] < free["jacobian_frobenius"]
    assert tied["recon_mse"] > free["recon_mse"]
    assert untied["decoder_norm"] > untied["encoder_norm"]
