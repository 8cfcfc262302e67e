"""Chapter 11.1: symbolic regression with expression trees, complexity = −log₂ P(tree)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engines.complexity import expressions as ex
from engines.complexity.configs import SymbolicConfig
from engines.complexity.symbolic import SymbolicEngine, load_csv
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run,
                                      global_rng_untouched, round_trip, run_to_end)


def test_tree_prior_is_a_prefix_code_kraft_sum_at_most_one():
    bits = ex.symbol_bits(("x", "y"))
    p = {s: 2.0 ** -b for s, b in bits.items()}
    assert sum(p.values()) == pytest.approx(1.0)
    leaf = sum(v for s, v in p.items() if s not in ex.BINARY + ex.UNARY)
    un = sum(p[s] for s in ex.UNARY)
    bi = sum(p[s] for s in ex.BINARY)
    # mass[n] = Σ P(tree) over trees of exactly n nodes
    mass = [0.0, leaf]
    for n in range(2, 16):
        mass.append(un * mass[n - 1] + bi * sum(mass[i] * mass[n - 1 - i]
                                                for i in range(1, n - 1)))
    assert 0.9 < sum(mass) <= 1.0
    # The complexity of the lecture's tree is the sum of its symbols' bits.
    tree = ("+", ("*", "x", ("+", "3", "y")), ("/", "pi", "x"))
    expected = sum(bits[s] for s in ex.prefix(tree).split())
    assert expected == pytest.approx(-math.log2(np.prod([p[s] for s in ex.prefix(tree).split()])))


def test_evaluate_and_sympy_agree():
    import sympy as sp

    tree = ("+", ("*", "x", ("+", "3", "y")), ("/", "pi", "x"))
    data = {"x": np.array([0.5, 1.0, 2.0]), "y": np.array([-1.0, 0.0, 3.0])}
    f = sp.lambdify(sp.symbols("x y"), ex.to_sympy(tree))
    np.testing.assert_allclose(ex.evaluate(tree, data), f(data["x"], data["y"]))


def test_kepler_is_recovered_with_four_nodes():
    snap = run_to_end(SymbolicEngine(SymbolicConfig(target="kepler", max_nodes=4)))[-1]
    assert snap.metrics["recovered"] == 1.0
    assert snap.metrics["best_mse"] < 1e-20
    assert str(snap.arrays["best_expr"][0]) == "x**(3/2)"
    bits = snap.arrays["front_bits"]
    mse = snap.arrays["front_mse"]
    assert np.all(np.diff(bits) > 0) and np.all(np.diff(mse) < 0)   # a Pareto front
    np.testing.assert_allclose(snap.arrays["fit"], snap.arrays["target"], rtol=1e-9)


def test_noise_is_relative_to_the_target_spread():
    clean = SymbolicEngine(SymbolicConfig(target="coulomb", max_nodes=1, noise=0.0))
    noisy = SymbolicEngine(SymbolicConfig(target="coulomb", max_nodes=1, noise=0.2))
    np.testing.assert_array_equal(clean.data["x"], noisy.data["x"])
    rel = np.std(noisy.target - clean.target) / np.std(clean.target)
    assert 0.1 < rel < 0.3


def test_csv_data_and_its_error_messages(tmp_path):
    good = tmp_path / "good.csv"
    x = np.linspace(1, 3, 20)
    good.write_text("x,target\n" + "\n".join(f"{a},{a * a}" for a in x))
    data, target = load_csv(str(good))
    np.testing.assert_allclose(target, x * x)
    snap = run_to_end(SymbolicEngine(SymbolicConfig(target="csv", csv_path=str(good),
                                                    max_nodes=3)))[-1]
    assert snap.metrics["best_mse"] < 1e-20 and snap.metrics["has_truth"] == 0.0
    cases = {"x,t\n1,2\n3,abc\n": r"line 3: 'abc' is not a number",
             "1,2\n3,4,5\n": r"line 2: 3 values, but the file has 2 columns",
             "1,2,3,4\n": r"line 1: 4 columns",
             "1,2\n2,3\n": r"2 data lines; at least 5",
             "1,inf\n" * 6: r"line 1: values must be finite"}
    for k, (text, words) in enumerate(cases.items()):
        bad = tmp_path / f"bad{k}.csv"
        bad.write_text(text)
        with pytest.raises(ValueError, match=words):
            load_csv(str(bad))
    with pytest.raises(ValueError, match="does not exist"):
        load_csv(str(tmp_path / "missing.csv"))


def test_symbolic_determinism_restore_and_cancel(monkeypatch):
    import engines.complexity.symbolic as symbolic

    monkeypatch.setattr(symbolic, "BATCH", 1500)      # many steps within one small search
    cfg = SymbolicConfig(target="pendulum", max_nodes=5, n_points=30, steps=12)
    with global_rng_untouched():
        a = run_to_end(SymbolicEngine(cfg))[-1]
    assert_same_run(a, run_to_end(SymbolicEngine(cfg))[-1])
    first = SymbolicEngine(cfg.replace(steps=5))
    run_to_end(first)
    assert not first.done and first.level == 5 and first.cursor > 0    # mid-level
    restored = SymbolicEngine(cfg)
    restored.load_state_dict(round_trip(first.state_dict()))
    assert_same_run(a, run_to_end(restored)[-1])
    assert_cancelled_before_start(SymbolicEngine(cfg))


@pytest.mark.slow
def test_three_of_five_laws_are_recovered_from_noise_free_data():
    recovered = {}
    for target in ("lecture", "kepler", "pendulum", "coulomb", "relativistic"):
        snap = run_to_end(SymbolicEngine(SymbolicConfig(target=target, max_nodes=6,
                                                        steps=1000)))[-1]
        recovered[target] = snap.metrics["recovered"]
    assert sum(recovered.values()) >= 3, recovered
    assert recovered["kepler"] == recovered["pendulum"] == recovered["coulomb"] == 1.0
