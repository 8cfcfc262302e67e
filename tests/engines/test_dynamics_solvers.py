"""Truth and runtime contract of the solver demos of the dynamics panel (implicit, neural-ode).

Truth: the implicit-function gradient equals the gradient back-propagated through the
unrolled solver (each of fixed point, Newton, Anderson) and central finite differences;
∂z*/∂x by the implicit function theorem equals finite differences; the fixed-point
residual shrinks at least by κ per iteration (a contraction); our RK4 and Euler and
torchdiffeq's dopri5 agree with scipy's solve_ivp on the spiral and on the Hamiltonian
systems of common.hamilton_rhs; adjoint and direct gradients agree (torchdiffeq's and our
own RK4 adjoint) and match finite differences; a 1-d flow keeps the order of its points, so
x ↦ −x stays at the order bound without augmentation and is learned with it.
Contract: same seed same numbers, save/restore continues exactly, cancellation, snapshots
are pure reads with the headless metrics, no global RNG, clear config errors.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp

from engines.config import ConfigError
from engines.dynamics import common, implicit, node
from engines.dynamics.common import DTYPE, adjoint_rk4, hamilton_rhs, integrate, rollout
from engines.dynamics.implicit import (ImplicitEngine, ImplicitLayer, implicit_grads,
                                       input_jacobian, solve, unrolled_grads)
from engines.dynamics.node import A_SPIRAL, NeuralODEEngine, spiral_truth
from engines.dynamics.solver_specs import IMPLICIT_SOLVERS, ImplicitConfig, NeuralODEConfig
from engines.runtime import Diverged
from tests.engines.nn_helpers import (assert_cancel_mid_run_ends_with_a_final_snapshot,
                                      assert_cancelled_before_start, global_rng_untouched,
                                      round_trip, run_to_end)

torch.set_num_threads(1)


def layer_and_data(seed: int = 3, hidden: int = 8, kappa: float = 0.9, n: int = 12):
    gen = torch.Generator().manual_seed(seed)
    layer = ImplicitLayer(hidden, kappa, gen)
    x = torch.linspace(-3, 3, n, dtype=DTYPE)[:, None]
    y = torch.sin(1.5 * x[:, 0])
    return layer, x, y


def flat(grads) -> torch.Tensor:
    return torch.cat([g.reshape(-1) for g in grads])


def rel(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(np.asarray(b)))


# ---- implicit layer: truth -----------------------------------------------------------------
def loss_at(layer, x, y) -> float:
    with torch.no_grad():
        z, _ = solve(layer, x, "newton", 1e-14, 100)
        return float(torch.mean((layer.head(z) - y) ** 2))


@pytest.mark.parametrize("solver", IMPLICIT_SOLVERS)
def test_implicit_gradient_equals_unrolled_and_finite_differences(solver):
    layer, x, y = layer_and_data()
    with torch.no_grad():
        z, res = solve(layer, x, solver, 1e-12, 500)
    assert res[-1] < 1e-12
    _, g_imp = implicit_grads(layer, x, y, z)
    _, g_unr, res_u = unrolled_grads(layer, x, y, solver, 1e-12, 500)
    assert len(res_u) == len(res)
    gi = flat(g_imp)
    assert rel(gi, flat(g_unr)) < 1e-5
    # central differences of L(θ) along random directions in every parameter at once
    gen = torch.Generator().manual_seed(7)
    params = list(layer.parameters())
    for _ in range(3):
        dirs = [torch.randn(p.shape, generator=gen, dtype=DTYPE) for p in params]
        eps = 1e-5
        with torch.no_grad():
            for p, d in zip(params, dirs):
                p += eps * d
            up = loss_at(layer, x, y)
            for p, d in zip(params, dirs):
                p -= 2 * eps * d
            down = loss_at(layer, x, y)
            for p, d in zip(params, dirs):
                p += eps * d
        fd = (up - down) / (2 * eps)
        ift = float(sum((g * d).sum() for g, d in zip(g_imp, dirs)))
        assert abs(ift - fd) <= 1e-5 * max(abs(fd), 1e-3), (ift, fd)


def test_unconverged_unrolled_gradient_differs():
    """Unrolled through 3 iterations the gradient is another one: the agreement above is
    a property of the converged fixed point."""
    layer, x, y = layer_and_data()
    with torch.no_grad():
        z, _ = solve(layer, x, "newton", 1e-13, 100)
    gi = flat(implicit_grads(layer, x, y, z)[1])
    _, g3, _ = unrolled_grads(layer, x, y, "fixed_point", 0.0, 3)
    assert rel(flat(g3), gi) > 1e-2


def test_input_jacobian_by_the_implicit_function_theorem():
    """∂z*/∂x = −(∂g/∂z)⁻¹ ∂g/∂x against central differences of the solved z*(x)."""
    layer, x, _ = layer_and_data(seed=4)
    with torch.no_grad():
        z, _ = solve(layer, x, "newton", 1e-14, 100)
        eps = 1e-6
        zp, _ = solve(layer, x + eps, "newton", 1e-14, 100)
        zm, _ = solve(layer, x - eps, "newton", 1e-14, 100)
    fd = (zp - zm) / (2 * eps)
    torch.testing.assert_close(input_jacobian(layer, x, z), fd, rtol=1e-6, atol=1e-8)


def test_solvers_agree_and_the_fixed_point_map_contracts():
    layer, x, _ = layer_and_data(seed=5, kappa=0.8)
    with torch.no_grad():
        found = {s: solve(layer, x, s, 1e-12, 500) for s in IMPLICIT_SOLVERS}
        ref = found["newton"][0]
        for s, (z, res) in found.items():
            assert res[-1] < 1e-12, s
            torch.testing.assert_close(z, ref, rtol=0, atol=1e-11)
            np.testing.assert_allclose(z, layer.f(z, x), rtol=0, atol=1e-11)
    res = np.array(found["fixed_point"][1])
    # tanh is 1-Lipschitz and ‖W‖₂ ≤ κ: ‖f(z_{k+1}) − z_{k+1}‖ ≤ κ ‖f(z_k) − z_k‖
    assert np.all(res[1:] <= 0.8 * res[:-1] * (1 + 1e-9) + 1e-15)
    assert float(torch.linalg.matrix_norm(layer.W().detach(), 2)) <= 0.8 + 1e-12
    n_iter = {s: len(r) - 1 for s, (_, r) in found.items()}
    assert n_iter["newton"] <= 8 < n_iter["anderson"] < n_iter["fixed_point"]


def test_cost_sweep_memory_grows_with_iterations_only_when_unrolled():
    engine = ImplicitEngine(ImplicitConfig(n_train=16, hidden=8, steps=2), "cpu")
    a = engine.compare()["arrays"]
    mu, mi = a["memory_unrolled"], a["memory_implicit"]
    assert np.all(np.diff(mu) > 0) and np.all(mi == mi[0])
    k = a["sweep_k"]
    # linear in k: every extra iteration keeps the same number of bytes
    per_iteration = np.diff(mu) / np.diff(k)
    np.testing.assert_allclose(per_iteration, per_iteration[-1], rtol=0.02)
    assert mu[-1] > 20 * mi[-1]
    assert a["error_unrolled"][-1] < 1e-8 and a["error_implicit"][-1] < 1e-8
    assert a["error_unrolled"][0] > 1e-2


@pytest.mark.parametrize("gradient", ["implicit",
                                      pytest.param("unrolled", marks=pytest.mark.slow)])
def test_implicit_engine_fits_and_its_gradients_agree(gradient):
    cfg = ImplicitConfig(target="sine", n_train=32, steps=150, gradient=gradient)
    snap = run_to_end(ImplicitEngine(cfg, "cpu"), snapshot_hz=0.5)[-1]
    m = snap.metrics
    assert m["grad_mismatch"] < 1e-5, m
    assert m["fit_mse"] < 0.01 and m["loss"] < 0.01, m        # Var(y) ≈ 0.5; noise 4e-4
    assert m["iterations_newton"] < m["iterations_fixed_point"]
    loose = ImplicitEngine(cfg.replace(tol=1e-3, steps=1), "cpu")
    assert run_to_end(loose)[-1].metrics["grad_mismatch"] > 1e-5


# ---- solvers against scipy ---------------------------------------------------------------------
def scipy_path(rhs, z0, t):
    sol = solve_ivp(lambda _t, s: rhs(s), (t[0], t[-1]), z0, t_eval=t, rtol=1e-12,
                    atol=1e-12, method="DOP853")
    return sol.y.T


def torch_dopri5(rhs, z0, t, rtol=1e-10):
    from torchdiffeq import odeint

    f = lambda _t, z: torch.as_tensor(rhs(z.numpy()))  # noqa: E731
    return odeint(f, torch.tensor(z0, dtype=DTYPE), torch.tensor(t, dtype=DTYPE),
                  rtol=rtol, atol=rtol * 1e-2, method="dopri5").numpy()


SYSTEMS = {"spiral": (lambda s: s @ A_SPIRAL.T, np.array([2.0, 0.0]), 10.0),
           "spring": (lambda s: hamilton_rhs("spring", s), np.array([1.0, 0.5]), 10.0),
           "pendulum": (lambda s: hamilton_rhs("pendulum", s), np.array([2.5, 0.0]), 10.0),
           "two_body": (lambda s: hamilton_rhs("two_body", s),
                        np.array([1.0, 0.0, 0.0, 0.9]), 6.0)}


@pytest.mark.parametrize("name", list(SYSTEMS))
def test_fixed_step_and_adaptive_solvers_agree_with_solve_ivp(name):
    rhs, z0, T = SYSTEMS[name]
    t = np.linspace(0, T, 21)
    ref = scipy_path(rhs, z0, t)
    ours = integrate(lambda _t, z: rhs(z), z0, t, steps_per_unit=100)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-7)
    np.testing.assert_allclose(torch_dopri5(rhs, z0, t), ref, rtol=0, atol=1e-7)
    # rollout: the same RK4 at fixed dt
    n = int(T * 100)
    np.testing.assert_allclose(rollout(lambda _t, z: rhs(z), z0, T / n, n)[-1], ref[-1],
                               rtol=0, atol=1e-7)
    # Euler is first order: halving the step halves the error
    e1, e2 = (np.abs(integrate(lambda _t, z: rhs(z), z0, t, k, "euler")[-1] - ref[-1]).max()
              for k in (200, 400))
    assert 1.8 < e1 / e2 < 2.2
    if name == "spiral":
        np.testing.assert_allclose(spiral_truth(t, z0), ref, rtol=0, atol=1e-9)


def test_solvers_differentiable_in_torch_match_numpy():
    rhs, z0, _ = SYSTEMS["spiral"]
    A = torch.tensor(A_SPIRAL)
    t = np.linspace(0, 3, 7)
    out = integrate(lambda _t, z: z @ A.T, torch.tensor(z0), t, 20)
    np.testing.assert_allclose(out.numpy(), integrate(lambda _t, z: rhs(z), z0, t, 20),
                               rtol=0, atol=1e-14)


# ---- neural ODE: adjoint against direct ----------------------------------------------------------
def node_engine(**changes) -> NeuralODEEngine:
    cfg = NeuralODEConfig(hidden=8, steps=20).replace(**changes)
    return NeuralODEEngine(cfg, "cpu")


@pytest.mark.parametrize("changes", [
    {"rtol": 1e-10},
    {"task": "crossing", "augment": 1, "rtol": 1e-10},
    pytest.param({"time_input": True, "rtol": 1e-10}, marks=pytest.mark.slow),
    pytest.param({"solver": "rk4", "rk_steps": 40}, marks=pytest.mark.slow),
    {"solver": "rk4", "rk_steps": 40, "task": "crossing", "augment": 2, "time_input": True},
])
def test_adjoint_and_direct_gradients_agree(changes):
    engine = node_engine(**changes)
    g = engine.gradients()
    a, d = g["arrays"]["grad_adjoint"], g["arrays"]["grad_direct"]
    assert rel(a, d) < 1e-5, g["metrics"]
    assert g["metrics"]["nfe_adjoint_backward"] > 0 == g["metrics"]["nfe_direct_backward"]
    # the adjoint keeps only z(tᵢ); direct back-propagation keeps every stage's graph
    assert g["metrics"]["memory_adjoint_kb"] * 10 < g["metrics"]["memory_direct_kb"]


def test_rk4_direct_gradient_matches_finite_differences_and_torchdiffeq():
    engine = node_engine(solver="rk4", rk_steps=20)
    loss, grads, *_ = engine.loss_and_grads("direct")
    params = list(engine.f.parameters())
    gen = torch.Generator().manual_seed(1)
    dirs = [torch.randn(p.shape, generator=gen, dtype=DTYPE) for p in params]
    eps = 1e-6

    def loss_shifted(s: float) -> float:
        with torch.no_grad():
            for p, d in zip(params, dirs):
                p += s * d
            out = float(engine.loss_of(engine.solve(engine.start_state(), engine.t)))
            for p, d in zip(params, dirs):
                p -= s * d
        return out
    fd = (loss_shifted(eps) - loss_shifted(-eps)) / (2 * eps)
    analytic = float(sum((g * d).sum() for g, d in zip(grads, dirs)))
    assert abs(analytic - fd) < 1e-6 * abs(fd)
    # our RK4 adjoint and torchdiffeq's dopri5 adjoint: two codes, one gradient
    _, ours, *_ = engine.loss_and_grads("adjoint")
    tight = node_engine(rtol=1e-10)
    _, theirs, *_ = tight.loss_and_grads("adjoint", "dopri5")
    assert rel(flat(ours), flat(theirs)) < 1e-5


def test_adjoint_rk4_returns_the_initial_adjoint():
    """a(t₀) = dL/dz(t₀) against autograd through the same RK4."""
    A = torch.tensor(A_SPIRAL)
    lin = torch.nn.Linear(2, 2, dtype=DTYPE)
    with torch.no_grad():
        lin.weight.copy_(A)
        lin.bias.zero_()
    f = lambda _t, z: lin(torch.tanh(z))  # noqa: E731
    z0 = torch.tensor([[1.0, -0.5]], dtype=DTYPE, requires_grad=True)
    t = np.linspace(0, 2, 5)
    loss_fn = lambda traj: (traj[:, 0] ** 2).sum()  # noqa: E731
    _, grads, a0, _ = adjoint_rk4(f, list(lin.parameters()), z0.detach(), t, loss_fn, 50)
    direct = torch.autograd.grad(loss_fn(integrate(f, z0, t, 50)), [z0, *lin.parameters()])
    torch.testing.assert_close(a0, direct[0], rtol=1e-6, atol=1e-9)
    for g, ref in zip(grads, direct[1:]):
        torch.testing.assert_close(g, ref, rtol=1e-6, atol=1e-9)


# ---- neural ODE: trajectories cannot cross in 1-d ------------------------------------------------
def test_crossing_impossible_in_one_dimension_learned_with_augmentation():
    base = dict(task="crossing", hidden=32, rtol=1e-3, lr=1e-2)
    flat_run = run_to_end(NeuralODEEngine(NeuralODEConfig(steps=20, **base), "cpu"),
                          snapshot_hz=0.5)[-1]
    m = flat_run.metrics
    # the flow keeps the order, so the best it can do is the constant mean of −x
    assert m["order_kept"] == 1.0
    assert m["fit_mse"] >= m["order_bound"] - 1e-9 and m["order_bound"] > 0.3
    assert np.all(np.diff(flat_run.arrays["x_out"]) > 0)
    aug = run_to_end(NeuralODEEngine(NeuralODEConfig(steps=60, augment=1, **base), "cpu"),
                     snapshot_hz=0.5)[-1]
    assert aug.metrics["fit_mse"] < 0.01 and aug.metrics["order_kept"] == 0.0
    assert aug.arrays["plane_a"].size and not flat_run.arrays["plane_a"].size


@pytest.mark.slow
def test_spiral_is_fitted_and_continued():
    """Quick preset (150 steps): the learned field reproduces the noise-free spiral."""
    cfg = NeuralODEConfig(steps=150, rtol=1e-3)
    snap = run_to_end(NeuralODEEngine(cfg, "cpu"), snapshot_hz=0.2)[-1]
    assert snap.metrics["truth_mse"] < 0.02, snap.metrics
    assert snap.metrics["nfe"] > 20


def test_stiff_field_is_reported_as_divergence(monkeypatch):
    monkeypatch.setattr(node, "MAX_SOLVER_STEPS", 2)
    engine = node_engine(rtol=1e-9)
    with pytest.raises(Diverged, match="adaptive solver needed over 2 steps"):
        engine.train_step()


# ---- runtime contract -------------------------------------------------------------------------
SMALL = {
    "implicit": (ImplicitEngine, ImplicitConfig(n_train=16, hidden=6, steps=12)),
    "implicit-anderson-unrolled": (ImplicitEngine, ImplicitConfig(
        n_train=16, hidden=6, steps=8, solver="anderson", gradient="unrolled")),
    "node-spiral-rk4-adjoint": (NeuralODEEngine, NeuralODEConfig(
        hidden=8, steps=8, solver="rk4", rk_steps=2, gradient="adjoint")),
    "node-crossing": (NeuralODEEngine, NeuralODEConfig(
        task="crossing", augment=1, hidden=8, steps=12, rtol=1e-3)),
}
HEADLINE = {"implicit": ("grad_mismatch", "fit_mse", "iterations"),
            "implicit-anderson-unrolled": ("grad_mismatch", "iterations_anderson"),
            "node-spiral-rk4-adjoint": ("fit_mse", "nfe", "adjoint_vs_direct", "truth_mse"),
            "node-crossing": ("fit_mse", "nfe", "order_bound", "adjoint_vs_direct")}
#: Wall-clock times measured by the implicit demo: never the same twice.
TIMED = ("time_unrolled", "time_implicit", "time_unrolled_ms", "time_implicit_ms")


def build(name, **changes):
    cls, cfg = SMALL[name]
    return cls(cfg.replace(**changes), "cpu")


def assert_same(a, b) -> None:
    assert a.step == b.step
    assert {k: v for k, v in a.metrics.items() if k not in TIMED} == \
        {k: v for k, v in b.metrics.items() if k not in TIMED}
    for part in ("arrays", "history"):
        x, y = getattr(a, part), getattr(b, part)
        assert x.keys() == y.keys()
        for key in x:
            if key not in TIMED:
                np.testing.assert_array_equal(x[key], y[key], err_msg=key)


@pytest.mark.parametrize("name", list(SMALL))
def test_same_seed_same_numbers_and_restore_continues_exactly(name):
    a = run_to_end(build(name), snapshot_hz=0.5)[-1]
    first = build(name, steps=5)
    run_to_end(first, snapshot_hz=0.5)
    restored = build(name)
    restored.load_state_dict(round_trip(first.state_dict()))
    b = run_to_end(restored, snapshot_hz=0.5)[-1]
    assert_same(a, b)
    c = run_to_end(build(name, seed=1), snapshot_hz=0.5)[-1]
    assert c.metrics["loss"] != a.metrics["loss"]


@pytest.mark.parametrize("name", list(SMALL))
def test_snapshots_are_pure_reads_with_the_headless_metrics(name):
    engine = build(name)
    with global_rng_untouched():
        run_to_end(engine, snapshot_hz=0.5)
        one, two = engine.snapshot(final=True), engine.snapshot(final=True)
    assert_same(one, two)
    for key in HEADLINE[name]:
        assert key in one.metrics and np.isfinite(one.metrics[key]), key
    assert all(isinstance(v, np.ndarray) for v in one.arrays.values())
    assert len(one.history["step"]) > 1


@pytest.mark.parametrize("name", list(SMALL))
def test_cancelled_before_start(name):
    assert_cancelled_before_start(build(name))


@pytest.mark.parametrize("name", ["implicit", "node-crossing"])
def test_cancel_mid_run_ends_with_a_final_snapshot(name):
    assert_cancel_mid_run_ends_with_a_final_snapshot(build(name, steps=10_000), at=3, steps=10_000)


def test_configs_name_the_field():
    with pytest.raises(ConfigError, match="solver"):
        ImplicitConfig(solver="broyden")
    with pytest.raises(ConfigError, match="contraction"):
        ImplicitConfig(contraction=1.0)
    with pytest.raises(ConfigError, match="augment"):
        NeuralODEConfig(augment=9)
    with pytest.raises(ValueError, match="solver: 'broyden'"):
        solve(*layer_and_data()[:2], "broyden", 1e-6, 5)


def test_modules_stay_readable():
    import inspect

    for module in (common, implicit, node):
        assert len(inspect.getsource(module).splitlines()) < 400, module.__name__
