"""The issue's claims for the likelihood-ratio engines, checked against closed forms.

Gaussians: p = N(+Δ/2, σ_p²), q = N(−Δ/2, 1), so log r(x) = log p − log q in closed form and
KL(p‖q) = log(1/σ_p) + (σ_p² + Δ²)/2 − ½.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engines.likelihood_ratio.configs import DeepSetsConfig, NeymanPearsonConfig, RatioConfig
from engines.likelihood_ratio.deep_sets import DeepSetsEngine
from engines.likelihood_ratio.densities import Gaussian, make_pair
from engines.likelihood_ratio.functionals import FUNCTIONALS, optimal_loss_exact
from engines.likelihood_ratio.jets import sample_jets, shuffle_particles
from engines.likelihood_ratio.neyman_pearson import NeymanPearsonEngine
from engines.likelihood_ratio.ratio import RatioEngine
from engines.likelihood_ratio import stats
from tests.engines.nn_helpers import run_to_end

LOSSES = tuple(FUNCTIONALS)
#: The trained ratio on the bulk (central 90 % of ½(p+q)): RMS of the log-ratio error.
RMSE_TOLERANCE = 0.15
#: |held-out functional − its value at f* on the same held-out samples|.
LOSS_GAP_TOLERANCE = 0.01
#: (Δ, σ_p) of the training test per loss. mlc's q-term ⟨f⟩_q = ⟨p/q⟩_q has per-sample
#: variance χ²(p‖q), infinite at σ_p = 1.5 > √2: it gets σ_p = 1.2, Δ = 1.5 (χ² ≈ 61).
TRAINING_PAIR = {"bce": (2.0, 1.5), "mse": (2.0, 1.5), "exponential": (2.0, 1.5),
                 "mlc": (1.5, 1.2)}


def gaussian_pair(sep=2.0, width=1.5):
    return make_pair("gaussians", 1, sep, width)


def chi2_gaussians(sep: float, width: float) -> float:
    """χ²(p‖q) = ∫ p²/q − 1 = Var_q(p/q) for p = N(Δ/2, σ_p²), q = N(−Δ/2, 1):
    e^(Δ²/(2 − σ_p²)) / (σ_p √(2 − σ_p²)) − 1, finite only for σ_p < √2."""
    d = 2.0 - width ** 2
    return math.inf if d <= 0 else math.exp(sep ** 2 / d) / (width * math.sqrt(d)) - 1.0


def test_variance_of_the_mlc_q_term_is_chi2_and_infinite_beyond_sqrt2():
    """The mlc loss sums f ≈ p/q over q samples: the variance of one term is χ²(p‖q). The
    closed form matches quadrature where it is finite; at σ_p = 1.5 the integral ∫ p²/q over
    [−L, L] keeps growing with L (integrand ∝ e^(x²(1/2 − 1/(2σ_p²))))."""
    from scipy.integrate import quad

    def truncated(sep, width, lim):
        p, q = Gaussian([sep / 2], width), Gaussian([-sep / 2], 1.0)
        g = lambda x: math.exp(2 * p.log_density(np.array([[x]]))[0]  # noqa: E731
                               - q.log_density(np.array([[x]]))[0])
        return quad(g, -lim, lim, limit=200, points=(0.0,))[0] - 1.0

    for sep, width in ((2.0, 1.0), (1.5, 1.2), (1.0, 0.7)):
        assert truncated(sep, width, 40.0) == pytest.approx(chi2_gaussians(sep, width),
                                                            rel=1e-6)
    assert chi2_gaussians(2.0, 1.5) == math.inf
    grows = [truncated(2.0, 1.5, lim) for lim in (5.0, 10.0, 20.0)]
    assert grows[1] > 20 * grows[0] and grows[2] > 1e6 * grows[1]


def test_closed_form_kl_matches_quadrature():
    pair = gaussian_pair()
    g = pair.fine()
    quad = pair.integral(g["logp"] - g["logq"], "p")
    closed = math.log(1 / 1.5) + (1.5 ** 2 + 4.0) / 2 - 0.5
    assert pair.kl_pq() == pytest.approx(closed, rel=1e-12)
    assert quad == pytest.approx(closed, abs=1e-6)


@pytest.mark.parametrize("name", LOSSES)
def test_euler_lagrange_solution_solves_its_condition(name):
    """p A'(f*) + q B'(f*) = 0 at the stated optimum (and ≠ 0 next to it)."""
    fn = FUNCTIONALS[name]
    pair = gaussian_pair()
    x = np.linspace(-3, 3, 61)[:, None]
    p, q = np.exp(pair.p.log_density(x)), np.exp(pair.q.log_density(x))
    f_star = fn.f_of_s(fn.optimal_s(pair.log_ratio(x)))
    scale = p + q
    np.testing.assert_allclose(fn.el_residual(f_star, p, q) / scale, 0.0, atol=1e-10)
    bulk = np.abs(x[:, 0]) <= 1.5
    off = fn.f_of_s(fn.optimal_s(pair.log_ratio(x)) + 0.3)
    assert np.all(np.abs(fn.el_residual(off, p, q) / scale)[bulk] > 1e-3)
    # the ratio read off f* is the true ratio
    np.testing.assert_allclose(fn.log_ratio(fn.optimal_s(pair.log_ratio(x))),
                               pair.log_ratio(x), atol=1e-12)


@pytest.mark.parametrize("name", LOSSES)
def test_closed_form_optimum_minimises_the_empirical_functional(name):
    """On 200 000 samples per class, s* + ε g(x) for g ∈ {1, x, x²} and ε = ±0.1, ±0.3
    gives a larger empirical ⟨A⟩_p + ⟨B⟩_q than s* itself."""
    fn = FUNCTIONALS[name]
    # σ_p = 1.2: for σ_p > √2 σ_q the variance of r under q is infinite and the mlc sum
    # ⟨f⟩_q does not settle at any sample size
    pair = gaussian_pair(1.0, 1.2)
    rng = np.random.default_rng(1)
    xp, xq = pair.p.sample(200_000, rng), pair.q.sample(200_000, rng)
    sp, sq = fn.optimal_s(pair.log_ratio(xp)), fn.optimal_s(pair.log_ratio(xq))
    best = fn.loss(sp, sq)
    for g in (lambda x: np.ones(len(x)), lambda x: x[:, 0], lambda x: 0.3 * x[:, 0] ** 2):
        for eps in (-0.3, -0.1, 0.1, 0.3):
            assert fn.loss(sp + eps * g(xp), sq + eps * g(xq)) > best
    # and the empirical optimum is the exact integral within sampling error
    assert best == pytest.approx(optimal_loss_exact(fn, pair), abs=0.02)


def test_seminar_loss_at_its_optimum_is_minus_kl():
    """⟨log f*⟩_p + ⟨1 − f*⟩_q with f* = p/q is KL(p‖q): exactly (quadrature) and as a
    Monte-Carlo sum on 200 000 samples (standard error ≈ 0.005)."""
    fn = FUNCTIONALS["mlc"]
    for sep, width in ((2.0, 1.0), (1.0, 1.5), (3.0, 0.7)):
        pair = gaussian_pair(sep, width)
        kl = pair.kl_pq()
        assert -optimal_loss_exact(fn, pair) == pytest.approx(kl, abs=1e-4)
        rng = np.random.default_rng(2)
        xp, xq = pair.p.sample(200_000, rng), pair.q.sample(200_000, rng)
        mc = -fn.loss(fn.optimal_s(pair.log_ratio(xp)), fn.optimal_s(pair.log_ratio(xq)))
        err = np.std(pair.log_ratio(xp)) / math.sqrt(2e5) + \
            np.std(np.exp(pair.log_ratio(xq))) / math.sqrt(2e5)
        assert abs(mc - kl) < 4 * err + 1e-3


def test_exact_auc_and_power_match_the_gaussian_closed_forms():
    pair = make_pair("gaussians", 1, 1.0, 1.0)
    assert stats.auc_exact(pair) == pytest.approx(stats.gaussian_auc_exact(1.0), abs=1e-4)
    pair2 = make_pair("gaussians", 2, 1.0, 1.0)
    assert stats.auc_exact(pair2) == pytest.approx(stats.gaussian_auc_exact(1.0), abs=1e-3)
    rng = np.random.default_rng(3)
    lp = pair.log_ratio(pair.p.sample(50_000, rng))
    lq = pair.log_ratio(pair.q.sample(50_000, rng))
    assert stats.auc_mc(lp, lq) == pytest.approx(stats.gaussian_auc_exact(1.0), abs=0.006)
    t_p, t_q = stats.test_statistics(lp, lq, 10, 20_000, rng)
    _, power = stats.power_at_size(t_p, t_q, 0.05)
    assert power == pytest.approx(stats.gaussian_power_exact(1.0, 10, 0.05), abs=0.01)


@pytest.mark.slow
@pytest.mark.parametrize("name", LOSSES)
def test_trained_network_matches_its_euler_lagrange_optimum(name):
    """Two Gaussians of unequal width (log r quadratic), 3000 steps at the default settings
    (lr 3e-3 decaying along a cosine to 0, batch 512 per class, 20 000 samples per class).
    Region: the bulk, held-out points of both classes where ½(p+q) is above the level whose
    region holds 90 % of it. Tolerances: RMS of (learned − true) log r on the bulk below
    0.15, and the held-out functional within 0.01 of its value at f* on the same samples.

    Δ = 2, σ_p = 1.5 for bce, mse and exponential. mlc (A = −log f, B = f − 1, f* = p/q)
    at Δ = 1.5, σ_p = 1.2, because its q-term ⟨f⟩_q weights each q sample by p/q: per
    sample variance χ²(p‖q), infinite for σ_p > √2 σ_q. At σ_p = 1.5 the empirical
    functional on 20 000 q samples is not near its integral (measured: training ⟨p/q⟩_q =
    0.90 instead of 1, which shifts the learned log r; one held-out q sample at x = 3.2 with
    p/q ≈ 1500 moves the held-out q-term by 0.15), so no training can meet 0.01 there
    (measured rmse 0.17, gap 0.047). At σ_p = 1.2, Δ = 1.5 (χ² ≈ 61, about the 54 of the
    default equal-width pair) mlc reaches rmse 0.035, gap 0.005. With a constant rate it
    jitters (rmse 0.04-0.21, gap up to 0.12 in the last 8 evaluations, 128 steps): the cosine decay is
    what lets the noisy mlc gradients settle."""
    sep, width = TRAINING_PAIR[name]
    if name == "mlc":   # the only loss whose terms grow like p/q
        assert chi2_gaussians(sep, width) < 100
    cfg = RatioConfig(loss=name, separation=sep, width_ratio=width, steps=3000, seed=0)
    assert cfg.lr_schedule == "cosine"
    snap = run_to_end(RatioEngine(cfg, "cpu"), snapshot_hz=0.2)[-1]
    assert snap.metrics["ratio_log_rmse"] < RMSE_TOLERANCE
    assert abs(snap.metrics["loss_gap"]) < LOSS_GAP_TOLERANCE


def test_bce_network_learns_the_ratio_quickly():
    """Non-slow version for the default loss: equal widths, 1500 steps."""
    cfg = RatioConfig(loss="bce", steps=1500, seed=0)
    snap = run_to_end(RatioEngine(cfg, "cpu"), snapshot_hz=0.2)[-1]
    assert snap.metrics["ratio_log_rmse"] < RMSE_TOLERANCE
    assert snap.metrics["kl_learned"] == pytest.approx(2.0, abs=0.15)
    assert 0 <= snap.metrics["loss_gap"] < 0.01


def test_learned_ratio_auc_within_001_of_the_optimal_auc():
    cfg = NeymanPearsonConfig(steps=800, n_train=5000, seed=0)
    snap = run_to_end(NeymanPearsonEngine(cfg, "cpu"), snapshot_hz=0.2)[-1]
    m = snap.metrics
    assert m["auc_optimal"] == pytest.approx(stats.gaussian_auc_exact(1.0), abs=1e-4)
    assert abs(m["auc"] - m["auc_optimal"]) < 0.01
    assert m["power"] == pytest.approx(m["power_optimal_exact"], abs=0.04)
    # the power of Σ log r grows with N, towards 1
    power = snap.arrays["power_learned"]
    assert power[-1] > 0.99 and power[0] < 0.5
    assert np.all(np.diff(power) > -0.03)


def test_deep_sets_output_is_invariant_under_permutations():
    """Any permutation of a jet's slots (padding included, the mask moves along) changes
    the Deep Sets output by less than 1e-5; the padded MLP's output does change."""
    engine = DeepSetsEngine(DeepSetsConfig(steps=50, n_train=400), "cpu")
    run_to_end(engine, snapshot_hz=0.2)
    rng = np.random.default_rng(5)
    x, m, _ = sample_jets(200, 200, engine.cfg, rng)
    perm = np.stack([rng.permutation(x.shape[1]) for _ in range(len(x))])
    xs = np.take_along_axis(x, perm[..., None], 1)
    ms = np.take_along_axis(m, perm, 1)
    t = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
    a = engine.logits(engine.deepsets, t(x), t(m))
    b = engine.logits(engine.deepsets, t(xs), t(ms))
    assert np.max(np.abs(a - b)) < 1e-5
    xs2, ms2 = shuffle_particles(x, m, rng)
    c = engine.logits(engine.mlp, t(x), t(m))
    d = engine.logits(engine.mlp, t(xs2), t(ms2))
    assert np.mean(np.abs(c - d)) > 1e-3
    snap = engine.snapshot(final=True)
    assert snap.metrics["shuffle_change_max_deepsets"] < 1e-5
    assert snap.metrics["shuffle_change"] > 1e-4


def test_jet_generator_has_the_configured_multiplicities():
    cfg = DeepSetsConfig()
    x, m, y = sample_jets(5000, 5000, cfg, np.random.default_rng(0))
    n = m.sum(axis=1)
    assert n[y == 1].mean() == pytest.approx(cfg.quark_multiplicity, abs=0.2)
    assert n[y == 0].mean() == pytest.approx(cfg.gluon_multiplicity, abs=0.2)
    np.testing.assert_allclose(x[..., 0].sum(axis=1), 1.0, atol=1e-9)   # Σ z = 1
    assert np.all(np.diff(x[..., 0], axis=1) <= 1e-12)                  # ordered by p_T
    assert np.all(x[~m] == 0)


@pytest.mark.slow
def test_deep_sets_beats_or_matches_the_mlp_and_both_learn():
    snap = run_to_end(DeepSetsEngine(DeepSetsConfig(steps=2000), "cpu"), snapshot_hz=0.2)[-1]
    m = snap.metrics
    assert m["accuracy_deepsets"] > 0.75
    assert m["accuracy_deepsets"] > m["accuracy_mlp"] - 0.02
    assert m["shuffle_change_max_deepsets"] < 1e-5
