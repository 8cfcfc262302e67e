"""Truth and runtime contract of the physics demos of the dynamics panel (hnn, lnn).

Truth: the data's derivatives are Hamilton's equations of the true H (autograd); the
Hamiltonian network's field conserves its H_θ exactly, the baseline's does not; the numpy
twins of the nets (input gradient, Hessian, q̈) equal autograd and torch.func; the true
roll-outs match the closed-form spring and conserve energy; for the true pendulum and
double pendulum the autodiff q̈ (common.lagrange_accel and the engine's batched one)
equals the textbook equations of motion (common.accel_analytic) to 1e-6, and those are
checked against an independent sympy Euler-Lagrange derivation and a scipy solve_ivp
energy check. Claims: over 20 periods of the mass-spring the Hamiltonian network's
relative energy drift is ≥ 10× smaller than the baseline's (default settings, three seeds,
slow; a small setting in the default suite); the Lagrangian network learns the double
pendulum. Contract: same seed same numbers, save/restore continues exactly (also after a
StartRollout edit), pure snapshots with the headless metrics, cancellation, refused
edits and configs name what is allowed.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engines.config import ConfigError
from engines.dynamics.common import (accel_analytic, energy, hamilton_rhs, hamiltonian,
                                     lagrange_accel, lagrangian, mlp)
from engines.dynamics.hnn import (HNNEngine, hnn_field_torch, np_forward, np_input_grad,
                                  np_layers, relative_drift, relative_error, symplectic)
from engines.dynamics.lnn import (Lagrangian, LNNEngine, accel_autograd, np_accel,
                                  np_derivatives)
from engines.dynamics.physics_specs import HNNConfig, LNNConfig, StartRollout
from engines.runtime import Control, drive
from tests.engines.nn_helpers import (assert_cancel_mid_run_ends_with_a_final_snapshot,
                                      assert_cancelled_before_start, assert_same_run,
                                      global_rng_untouched, round_trip, run_to_end)

torch.set_num_threads(1)
F64 = torch.float64


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def final(engine):
    return run_to_end(engine, snapshot_hz=0.5)[-1]


# ---- Hamiltonian side: truth ------------------------------------------------------------------
@pytest.mark.parametrize("system", ["spring", "pendulum", "two_body"])
def test_observed_derivatives_are_hamiltons_equations(system):
    d = 2 if system == "two_body" else 1
    rng = np.random.default_rng(0)
    s = rng.uniform(0.4, 1.4, (20, 2 * d)) * rng.choice([-1, 1], (20, 2 * d))
    st = torch.tensor(s, requires_grad=True)
    g, = torch.autograd.grad(hamiltonian(system, st[:, :d], st[:, d:], xp=torch).sum(), st)
    expected = torch.cat([g[:, d:], -g[:, :d]], 1).numpy()
    np.testing.assert_allclose(hamilton_rhs(system, s), expected, rtol=1e-12, atol=1e-12)


def test_numpy_twins_of_the_nets_equal_torch():
    net = mlp(4, 32, 1, gen(1))
    x = torch.randn(9, 4, generator=gen(2), dtype=F64, requires_grad=True)
    g, = torch.autograd.grad(net(x).sum(), x)
    layers = np_layers(net)
    np.testing.assert_allclose(np_forward(layers, x.detach().numpy()),
                               net(x).detach().numpy(), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(np_input_grad(layers, x.detach().numpy()), g.numpy(),
                               rtol=1e-12, atol=1e-13)
    field = hnn_field_torch(net, x, 2, create_graph=False).numpy()
    np.testing.assert_allclose(symplectic(g.numpy(), 2), field, atol=1e-13)
    # the Hessian by forward mode against torch.func
    from torch.func import hessian
    x0 = x.detach()[0]
    h_ref = hessian(lambda v: net(v)[0])(x0).detach().numpy()
    f, g1, h = np_derivatives(layers, x0.numpy()[None])
    np.testing.assert_allclose(h[0], h_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g1[0], g.numpy()[0], rtol=1e-12, atol=1e-13)


def test_hamiltonian_field_conserves_its_own_h_the_baseline_does_not():
    """dH_θ/dt = ∇H_θ · (∂H_θ/∂p, −∂H_θ/∂q) = 0 for any net; a free field has no H."""
    net = mlp(2, 16, 1, gen(3))
    s = torch.randn(50, 2, generator=gen(4), dtype=F64, requires_grad=True)
    g, = torch.autograd.grad(net(s).sum(), s)
    f = hnn_field_torch(net, s, 1, create_graph=False)
    assert float((g * f).sum(1).abs().max()) < 1e-14
    base = mlp(2, 16, 2, gen(5))

    # every Hamiltonian field is divergence-free (Liouville): ∂q̇/∂q + ∂ṗ/∂p = 0
    def divergence(fn):
        x = s.detach().clone().requires_grad_(True)
        out = fn(x)
        dq, = torch.autograd.grad(out[:, 0].sum(), x, create_graph=True)
        dp, = torch.autograd.grad(out[:, 1].sum(), x)
        return (dq[:, 0] + dp[:, 1]).detach()
    def hamilton(x):
        gx, = torch.autograd.grad(net(x).sum(), x, create_graph=True)
        return torch.cat([gx[:, 1:], -gx[:, :1]], 1)
    assert float(divergence(hamilton).abs().max()) < 1e-13
    assert float(divergence(base).abs().max()) > 1e-3


def test_true_spring_rollout_is_the_closed_form_and_keeps_its_energy():
    eng = HNNEngine(HNNConfig(steps=1, n_samples=20))
    out = eng.compute()
    t = out["arrays"]["t_path"]
    path = out["arrays"]["path_true"]           # start (1, 0): q = cos t, p = −sin t
    np.testing.assert_allclose(path[:, 0], np.cos(t), atol=2e-4)
    np.testing.assert_allclose(path[:, 1], -np.sin(t), atol=2e-4)
    assert out["metrics"]["energy_drift_true"] < 1e-4
    assert t[-1] == pytest.approx(20 * 2 * math.pi, abs=0.1)


def test_drift_and_error_measures():
    t = np.arange(1001.0)
    wobble = 1 + 0.05 * np.sin(2 * np.pi * t / 50)       # 20 closed periods
    spiral = 1 + 0.3 * t / 1000
    # a wobble A sin(ωt) over N whole periods leaks 6A/(πN) into the least-squares trend
    assert relative_drift(wobble) == pytest.approx(6 * 0.05 / (math.pi * 20), rel=0.02)
    assert relative_error(wobble) == pytest.approx(0.05, rel=5e-3)
    assert relative_drift(spiral) == pytest.approx(0.3, rel=1e-9)
    cut = spiral.copy()
    cut[500:] = np.nan                                     # an escaped roll-out: finite part
    assert relative_drift(cut) == pytest.approx(0.1497, rel=1e-3)


def test_hnn_drift_ten_times_smaller_small_setting():
    """200 states, 300 steps, 20 periods. Measured: drift 0.00062 vs 1.18 (1900×), max
    |ΔH|/H 0.098 vs 1.19; |H_θ − H| 0.016 on average over the observed ring."""
    snap = final(HNNEngine(HNNConfig(n_samples=200, steps=300, seed=0), "cpu"))
    m, a = snap.metrics, snap.arrays
    assert m["energy_drift_baseline"] >= 10 * m["energy_drift_hnn"], m
    assert m["energy_error_hnn"] < 0.2 and m["energy_error_baseline"] > 0.3, m
    # the H picture: the true H at the image's pixel centres, and H_θ close to it
    x0, y0, w, h = a["h_extent"]
    n = a["h_true_grid"].shape[0]
    X, Y = np.meshgrid(x0 + (np.arange(n) + 0.5) * w / n, y0 + (np.arange(n) + 0.5) * h / n)
    np.testing.assert_allclose(a["h_true_grid"], (X ** 2 + Y ** 2) / 2, atol=1e-12)
    ring = (np.hypot(X, Y) > 0.3) & (np.hypot(X, Y) < 1.9)
    assert np.abs(a["h_learned_grid"] - a["h_true_grid"])[ring].mean() < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hnn_drift_ten_times_smaller_over_20_periods(seed):
    """Default settings (σ = 0.1, 500 states, 2000 steps, 20 periods, dt = 0.1). Measured:
    drift ratio 1197×, 967×, 587×; max |ΔH|/H 0.066 vs 0.77, 0.076 vs 1.0, 0.041 vs 0.66."""
    m = final(HNNEngine(HNNConfig(seed=seed), "cpu")).metrics
    print(f"seed {seed}: drift {m['energy_drift_hnn']:.3g} vs {m['energy_drift_baseline']:.3g}"
          f" ({m['drift_ratio']:.0f}×), max error {m['energy_error_hnn']:.3g} vs "
          f"{m['energy_error_baseline']:.3g}")
    assert m["energy_drift_baseline"] >= 10 * m["energy_drift_hnn"]
    assert m["energy_drift_hnn"] < 0.01 and m["energy_error_hnn"] < 0.1
    assert m["energy_error_baseline"] > 3 * m["energy_error_hnn"]


# ---- Lagrangian side: truth -------------------------------------------------------------------
def random_states(d: int, n: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-2.5, 2.5, (n, d)), rng.uniform(-3.0, 3.0, (n, d))


@pytest.mark.parametrize("system", ["pendulum", "double_pendulum"])
def test_autodiff_accelerations_equal_the_equations_of_motion(system):
    d = 1 if system == "pendulum" else 2
    q, qd = random_states(d)
    truth = accel_analytic(system, q, qd)

    def L(qi, qdi):
        return lagrangian(system, qi, qdi)

    by_func = lagrange_accel(L, torch.tensor(q), torch.tensor(qd)).numpy()
    batched = accel_autograd(lambda a, b: lagrangian(system, a, b), torch.tensor(q),
                             torch.tensor(qd), create_graph=False).detach().numpy()
    np.testing.assert_allclose(by_func, truth, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(batched, truth, rtol=1e-6, atol=1e-6)


def test_double_pendulum_equations_against_sympy_euler_lagrange():
    import sympy as sp
    t1, t2, w1, w2 = sp.symbols("t1 t2 w1 w2")
    a1, a2 = sp.symbols("a1 a2")
    # unit masses and rods, g = 1: bob positions, T and V written from scratch
    x1, y1 = sp.sin(t1), -sp.cos(t1)
    x2, y2 = x1 + sp.sin(t2), y1 - sp.cos(t2)
    v2 = lambda x: sp.diff(x, t1) * w1 + sp.diff(x, t2) * w2  # noqa: E731  d/dt
    T = (v2(x1) ** 2 + v2(y1) ** 2 + v2(x2) ** 2 + v2(y2) ** 2) / 2
    L = T - (y1 + y2)
    eqs = []
    for q, w in ((t1, w1), (t2, w2)):
        p = sp.diff(L, w)
        dpdt = sp.diff(p, t1) * w1 + sp.diff(p, t2) * w2 + sp.diff(p, w1) * a1 \
            + sp.diff(p, w2) * a2
        eqs.append(sp.Eq(dpdt, sp.diff(L, q)))
    sol = sp.solve(eqs, [a1, a2], dict=True)[0]
    f = sp.lambdify((t1, t2, w1, w2), [sol[a1], sol[a2]], "numpy")
    q, qd = random_states(2, 25, seed=3)
    ref = np.stack(f(q[:, 0], q[:, 1], qd[:, 0], qd[:, 1]), -1)
    np.testing.assert_allclose(accel_analytic("double_pendulum", q, qd), ref,
                               rtol=1e-10, atol=1e-10)
    # and the Lagrangian of common is the same L
    lam = sp.lambdify((t1, t2, w1, w2), L, "numpy")
    np.testing.assert_allclose(
        lagrangian("double_pendulum", q, qd, lib=np), lam(q[:, 0], q[:, 1], qd[:, 0],
                                                          qd[:, 1]), rtol=1e-12)


def test_double_pendulum_equations_conserve_energy_in_solve_ivp():
    from scipy.integrate import solve_ivp

    def rhs(t, z):
        return np.concatenate([z[2:], accel_analytic("double_pendulum", z[None, :2],
                                                     z[None, 2:])[0]])
    z0 = np.array([1.1, -0.4, 0.3, 0.8])
    sol = solve_ivp(rhs, (0, 10), z0, rtol=1e-11, atol=1e-12, dense_output=False)
    e = energy("double_pendulum", sol.y[:2].T, sol.y[2:].T)
    assert np.max(np.abs(e - e[0])) < 1e-8
    # a wrong sign in one term would not conserve it
    assert abs(e[0]) > 0.1


def test_learned_lagrangian_accelerations_three_ways():
    model = Lagrangian(2, 16, gen(7))
    q, qd = random_states(2, 12, seed=5)
    qt, qdt = torch.tensor(q), torch.tensor(qd)
    a_batched = accel_autograd(model, qt, qdt, create_graph=False).detach().numpy()
    a_func = lagrange_accel(lambda a, b: model(a, b), qt, qdt).detach().numpy()
    a_numpy = np_accel(np_layers(model.net), q, qd)
    np.testing.assert_allclose(a_batched, a_func, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a_numpy, a_func, rtol=1e-10, atol=1e-12)


def test_lnn_learns_the_double_pendulum_small_setting():
    eng = LNNEngine(LNNConfig(n_samples=200, steps=150, horizon=1.0), "cpu")
    first = eng.accel_error()
    m = final(eng).metrics
    assert m["accel_error"] < 0.05 * first, (first, m)
    assert m["rollout_mse"] < 0.01 and m["energy_error_true"] < 1e-6, m


# ---- runtime contract -----------------------------------------------------------------------------
SMALL = {
    "hnn-spring": (HNNEngine, HNNConfig(n_samples=40, steps=30, periods=2)),
    "hnn-two-body": (HNNEngine, HNNConfig(system="two_body", n_samples=40, steps=30,
                                          periods=2)),
    "lnn-double": (LNNEngine, LNNConfig(n_samples=60, steps=30, horizon=0.5)),
    "lnn-pendulum": (LNNEngine, LNNConfig(system="pendulum", n_samples=60, steps=30,
                                          horizon=0.5)),
}
EDITS = {"hnn-spring": StartRollout(-1.5, 0.5), "hnn-two-body": StartRollout(0.0, -1.2),
         "lnn-double": StartRollout(-0.6, 0.9), "lnn-pendulum": StartRollout(0.5, 1.0)}
HEADLINE = {"hnn": ("energy_drift_hnn", "energy_drift_baseline"),
            "lnn": ("rollout_mse", "energy_drift")}


def build(name, **changes):
    cls, cfg = SMALL[name]
    return cls(cfg.replace(**changes), "cpu")


@pytest.mark.parametrize("name", list(SMALL))
def test_same_seed_same_numbers_and_restore_continues_exactly(name):
    whole = build(name, steps=15)
    run_to_end(whole, snapshot_hz=0.5)
    whole.apply_edit(EDITS[name])
    whole.cfg = SMALL[name][1]
    a = run_to_end(whole, snapshot_hz=0.5)[-1]

    first = build(name, steps=15)
    run_to_end(first, snapshot_hz=0.5)
    first.apply_edit(EDITS[name])
    restored = build(name)
    restored.load_state_dict(round_trip(first.state_dict()))
    b = run_to_end(restored, snapshot_hz=0.5)[-1]
    assert_same_run(a, b)
    np.testing.assert_allclose(a.arrays["start"], [EDITS[name].x, EDITS[name].y])
    c = run_to_end(build(name, seed=1), snapshot_hz=0.5)[-1]
    assert c.metrics != a.metrics


@pytest.mark.parametrize("name", list(SMALL))
def test_snapshots_are_pure_reads_with_the_headless_metrics(name):
    engine = build(name)
    with global_rng_untouched():
        run_to_end(engine, snapshot_hz=0.5)
        one, two = engine.snapshot(final=True), engine.snapshot(final=True)
    assert_same_run(one, two)
    for key in HEADLINE[name.split("-")[0]]:
        assert key in one.metrics and np.isfinite(one.metrics[key]), key
    assert all(isinstance(v, np.ndarray) for v in one.arrays.values())
    assert len(one.history["step"]) > 1


@pytest.mark.parametrize("name", ["hnn-spring", "lnn-double"])
def test_cancelled_before_start(name):
    assert_cancelled_before_start(build(name))


@pytest.mark.parametrize("name", ["hnn-spring", "lnn-double"])
def test_cancel_mid_run_ends_with_a_final_snapshot(name):
    assert_cancel_mid_run_ends_with_a_final_snapshot(build(name, steps=10_000), at=5, steps=10_000)


def test_start_rollout_moves_the_rollouts():
    eng = build("hnn-two-body")
    eng.apply_edit(StartRollout(0.0, -1.2))
    a = eng.snapshot(final=True).arrays
    np.testing.assert_allclose(a["path_true"][0], [0.0, -1.2])
    r = np.hypot(a["path_true"][:, 0], a["path_true"][:, 1])     # a circular true orbit
    np.testing.assert_allclose(r, 1.2, rtol=1e-4)
    lnn = build("lnn-double")
    lnn.apply_edit(StartRollout(-0.6, 0.9))
    a = lnn.snapshot(final=True).arrays
    np.testing.assert_allclose(a["q_true"][0], [-0.6, 0.9])
    np.testing.assert_allclose(a["q_lnn"][0], [-0.6, 0.9])


@pytest.mark.parametrize("name,edit,words", [
    ("hnn-spring", StartRollout(3.0, 0.0), "-2.5 ≤ q ≤ 2.5"),
    ("hnn-spring", StartRollout(0.0, 0.0), "off the rest point"),
    ("hnn-two-body", StartRollout(0.1, 0.0), "0.5 ≤ |q| ≤ 1.5"),
    ("lnn-double", StartRollout(1.5, 0.0), "-1 ≤ θ₁ ≤ 1"),
    ("lnn-pendulum", StartRollout(0.0, 0.0), "off the rest point"),
    ("lnn-pendulum", StartRollout(math.nan, 0.0), "-2 ≤ dq/dt ≤ 2"),
])
def test_out_of_range_starts_are_refused_naming_the_range(name, edit, words):
    eng = build(name)
    before = eng.snapshot(final=True)
    with pytest.raises(ValueError, match="StartRollout") as info:
        eng.apply_edit(edit)
    assert words in str(info.value)
    assert_same_run(before, eng.snapshot(final=True))


def test_unknown_edits_and_bad_configs_name_what_is_allowed():
    from engines.architectures.structure_specs import ShuffleNodes
    with pytest.raises(ValueError, match="takes StartRollout"):
        build("hnn-spring").apply_edit(ShuffleNodes())
    with pytest.raises(ValueError, match="takes StartRollout"):
        build("lnn-double").apply_edit(ShuffleNodes())
    with pytest.raises(ConfigError, match="dt"):
        HNNConfig(dt=0.01)
    with pytest.raises(ConfigError, match="system"):
        LNNConfig(system="spring")


@pytest.mark.parametrize("name,loss", [("hnn-spring", "loss_hnn"), ("lnn-double", "loss")])
def test_a_nan_loss_is_reported_as_a_divergence(name, loss):
    from engines.runtime import Diverged
    engine = build(name)
    engine.train_step = lambda: setattr(engine, "loss_hnn" if loss == "loss_hnn"
                                        else "loss", math.nan)
    with pytest.raises(Diverged, match=loss):
        list(drive(engine, Control(snapshot_hz=1e6)))
