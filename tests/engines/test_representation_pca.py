"""PCA demo (lecture 3.2): eigen-decomposition against numpy and scikit-learn, the
reconstruction error identity, plane waves of the periodic random field, edits."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engines.representation import data as rdata
from engines.representation.configs import AddPoint, Components, PCAConfig
from engines.representation.pca import PCAEngine, dominant_wavenumber
from engines.rl.edits import ToggleWall
from tests.engines.nn_helpers import run_to_end


@pytest.fixture(scope="module")
def mnist_engine():
    """PCA of 2,000 streamed digits (4 batches of 500)."""
    engine = PCAEngine(PCAConfig(data="mnist", batch=500, max_samples=2000, steps=4))
    run_to_end(engine, snapshot_hz=1.0)
    return engine


def test_eigenpairs_equal_numpy_eigh_and_sklearn_pca(mnist_engine):
    from sklearn.decomposition import PCA
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):      # BLAS threads fighting over 2 shared cores: 10x slower
        _compare_with_numpy_and_sklearn(mnist_engine, PCA)


def _compare_with_numpy_and_sklearn(mnist_engine, PCA):
    x = mnist_engine.samples_seen()
    assert len(x) == 2000
    cov = np.cov(x, rowvar=False, bias=True)                # the lecture's 1/N average
    lam_np = np.linalg.eigh(cov)[0][::-1]
    np.testing.assert_allclose(mnist_engine.cov, cov, atol=1e-12)
    np.testing.assert_allclose(mnist_engine.eigenvalues, np.maximum(lam_np, 0), atol=1e-9)
    ref = PCA(n_components=20, svd_solver="full").fit(x)
    n = len(x)
    # scikit-learn divides by N − 1
    np.testing.assert_allclose(mnist_engine.eigenvalues[:20],
                               ref.explained_variance_ * (n - 1) / n, rtol=1e-8)
    overlap = np.abs(np.sum(ref.components_[:10] * mnist_engine.eigenvectors[:, :10].T, 1))
    np.testing.assert_allclose(overlap, 1.0, atol=1e-6)     # same vectors up to sign


def test_reconstruction_error_is_the_sum_of_discarded_eigenvalues(mnist_engine):
    x = mnist_engine.samples_seen()
    lam = mnist_engine.eigenvalues
    for m in (1, 10, 50, 100):
        err = np.mean(np.sum((x - mnist_engine.reconstruct(x, m)) ** 2, axis=1))
        assert err == pytest.approx(lam[m:].sum(), rel=1e-9)
        mnist_engine.apply_edit(Components(m=m))
        snap = mnist_engine.snapshot()
        assert snap.metrics["recon_mse"] == pytest.approx(lam[m:].sum(), rel=1e-12)
        assert snap.metrics["explained_variance"] == pytest.approx(lam[:m].sum() / lam.sum())
        # the slider's cheap product equals the full formula
        np.testing.assert_allclose(snap.arrays["recon"],
                                   mnist_engine.reconstruct(mnist_engine.recon_inputs, m),
                                   atol=1e-10)
    assert mnist_engine.explained(784) == pytest.approx(1.0)


def test_components_edit_is_checked(mnist_engine):
    for bad in (Components(m=0), Components(m=101), Components(m="x")):
        with pytest.raises(ValueError):
            mnist_engine.apply_edit(bad)
    with pytest.raises(ValueError, match="2-d Gaussian cloud"):
        mnist_engine.apply_edit(AddPoint(x=0.0, y=1.0))
    with pytest.raises(ValueError, match="only, not ToggleWall"):
        mnist_engine.apply_edit(ToggleWall(cell=(0, 0)))


def test_eigen_digits_snapshot_shapes(mnist_engine):
    snap = mnist_engine.snapshot(final=True)
    assert snap.arrays["eigenvectors"].shape == (16, 784)
    assert snap.arrays["covariance"].shape == (784, 784)
    assert snap.arrays["projection"].shape == (2000, 2)
    assert set(np.unique(snap.arrays["projection_labels"])) == set(range(10))
    # the projection is uncorrelated with variances λ1, λ2
    cov_z = np.cov(snap.arrays["projection"], rowvar=False, bias=True)
    np.testing.assert_allclose(cov_z, np.diag(mnist_engine.eigenvalues[:2]), atol=1e-9)


def test_random_field_spectrum_is_the_dft_of_the_correlation():
    spec = rdata.field_spectrum(32, 3.0)
    c = rdata.field_correlation(spec)
    # λ(q) = Σ_l e^{−iql} C(l)
    q = 2 * math.pi * np.arange(32) / 32
    lam = np.array([np.sum(np.exp(-1j * qq * np.arange(32)) * c) for qq in q])
    np.testing.assert_allclose(lam.real, spec, atol=1e-12)
    np.testing.assert_allclose(lam.imag, 0.0, atol=1e-12)
    big_c = rdata.circulant(c)
    ev, vec = np.linalg.eigh(big_c)
    np.testing.assert_allclose(np.sort(ev), np.sort(spec), atol=1e-12)
    # eigenvectors are plane waves: all Fourier power at one |q| (checked for the leading
    # 12; the tail's λ ≈ floor are degenerate to round-off, so eigh mixes their |q|)
    _, frac = dominant_wavenumber(vec[:, ::-1][:, :12].T)
    assert np.all(frac > 1 - 1e-9)


def test_random_field_estimate_finds_plane_waves_and_the_power_spectrum():
    engine = PCAEngine(PCAConfig(data="random_field", sites=32, corr_length=2.0,
                                 batch=2000, max_samples=10000, steps=5))
    snap = run_to_end(engine)[-1]
    true_sorted = snap.arrays["spectrum_true_sorted"]
    # sampling error of an eigenvalue ≈ λ √(2/N) ≈ 1.4 %; 6 % leaves room for the pairs
    np.testing.assert_allclose(engine.eigenvalues[:9], true_sorted[:9], rtol=0.06)
    frac = snap.arrays["eigvec_planewave_fraction"][:9]
    assert np.all(frac > 0.95), frac
    np.testing.assert_allclose(snap.arrays["eigvec_wavenumber"][:9],
                               snap.arrays["eigvec_wavenumber_true"][:9], atol=1e-12)
    np.testing.assert_allclose(snap.arrays["spectrum_estimate"], snap.arrays["spectrum_true"],
                               rtol=0.08, atol=0.01)
    # the field's samples have exactly the circulant covariance (in expectation)
    np.testing.assert_allclose(engine.cov, rdata.circulant(rdata.field_correlation(
        engine.spectrum)), atol=0.06)


def test_clicked_points_enter_the_covariance_exactly():
    engine = PCAEngine(PCAConfig(data="gaussian2d", batch=5, max_samples=50, steps=4))
    run_to_end(engine)
    clicks = [(3.0, -1.0), (0.5, 2.5), (-4.0, -4.0)]
    for x, y in clicks:
        engine.apply_edit(AddPoint(x=x, y=y))
    pts = np.concatenate([engine.pool[:20], np.array(clicks)])
    np.testing.assert_allclose(engine.samples_seen(), pts)
    np.testing.assert_allclose(engine.cov, np.cov(pts, rowvar=False, bias=True), atol=1e-12)
    lam, vec = np.linalg.eigh(engine.cov)
    np.testing.assert_allclose(engine.eigenvalues, lam[::-1], atol=1e-12)
    snap = engine.snapshot()
    np.testing.assert_allclose(snap.arrays["added_points"], np.array(clicks))
    for bad in (AddPoint(x=float("nan"), y=0), AddPoint(x=1e9, y=0), AddPoint(x=1, y=None)):
        with pytest.raises(ValueError):
            engine.apply_edit(bad)


def test_the_stream_stops_at_max_samples():
    engine = PCAEngine(PCAConfig(data="gaussian2d", batch=7, max_samples=20, steps=10))
    snap = run_to_end(engine)[-1]
    assert snap.metrics["n_samples"] == 20.0
    assert engine.used == 20


def test_cloud_covariance_converges_to_the_true_one():
    engine = PCAEngine(PCAConfig(data="gaussian2d", sigma1=2.0, sigma2=0.5, angle=30.0,
                                 batch=2000, max_samples=10000, steps=5))
    snap = run_to_end(engine)[-1]
    np.testing.assert_allclose(engine.cov, snap.arrays["true_covariance"], atol=0.12)
    v1 = engine.eigenvectors[:, 0]
    angle = math.degrees(math.atan2(v1[1], v1[0])) % 180
    assert abs(angle - 30.0) < 2.0
