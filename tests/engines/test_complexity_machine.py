"""Chapter 11: the tiny machine's programs are prefix-free, Kraft holds; Levin search
spends at most 2^(ℓ+1) steps and finds the program of least Kt (checked by brute force)."""
from __future__ import annotations

import math

import pytest

from engines.complexity import machine
from engines.complexity.configs import LevinConfig
from engines.complexity.levin import LevinEngine, Target, kt
from engines.runtime import Control, drive
from tests.engines.nn_helpers import (assert_cancelled_before_start, assert_same_run,
                                      global_rng_untouched, round_trip, run_to_end)


def all_programs(up_to: int):
    return [p for L in range(1, up_to + 1) for p in machine.programs_of_length(L)]


def test_instruction_code_is_complete_and_prefix_free():
    words = list(machine.CODE.values())
    assert not [(a, b) for a in words for b in words if a != b and b.startswith(a)]
    assert sum(2.0 ** -len(w) for w in words) == 1.0


def test_programs_are_prefix_free_and_kraft_sum_is_at_most_one():
    programs = all_programs(16)
    bits = sorted(machine.encode(p) for p in programs)
    assert len(set(bits)) == len(bits)
    # In sorted order a prefix sits right before some word it starts; check neighbours
    # and, to be sure, every pair of a short sample.
    assert not any(b.startswith(a) for a, b in zip(bits, bits[1:]))
    sample = bits[:400]
    assert not [(a, b) for a in sample for b in sample if a != b and b.startswith(a)]
    total = sum(2.0 ** -machine.bit_length(p) for p in programs)
    assert total <= 1.0
    # Independent count: the Kraft sum up to L is P(a random bit stream reaches END within
    # L bits) = Σ_n f(n) 2^−3, f(n) = P(the body code words fill exactly n bits).
    f = [1.0] + [0.0] * 16
    for n in range(1, 17):
        f[n] = sum(2.0 ** -len(machine.CODE[t]) * f[n - len(machine.CODE[t])]
                   for t in machine.BODY if len(machine.CODE[t]) <= n)
    assert total == pytest.approx(sum(f[n] for n in range(14)) / 8, rel=1e-12)
    # More programs only add weight; the sum tends to 1 (a complete code) but never passes it.
    longer = sum(2.0 ** -machine.bit_length(p) for p in all_programs(20))
    assert total < longer <= 1.0


def test_decode_inverts_encode_and_refuses_bad_bits():
    for p in all_programs(12):
        assert machine.decode(machine.encode(p)) == p
    with pytest.raises(ValueError, match="left over"):
        machine.decode("101" + "0")
    with pytest.raises(ValueError, match="END"):
        machine.decode("0000")
    with pytest.raises(ValueError, match="not 0 or 1"):
        machine.decode("10x")


def test_machine_semantics_on_the_lecture_sequences():
    assert machine.run("+*0]E", 100, 13).output == "1011011101111"
    assert machine.run("+01]E", 100, 8).output == "01010101"
    r = machine.run("1101E", 100, 24)
    assert r.halted and r.output == "1101" and r.steps == 5
    r = machine.run("+]E", 50, 10)                 # loops forever, printing nothing
    assert not r.halted and r.steps == 50 and r.output == ""


def levin(**changes):
    cfg = LevinConfig(**changes)
    engine = LevinEngine(cfg)
    return engine, run_to_end(engine)[-1]


@pytest.mark.parametrize("changes", [
    dict(target="unary_counter", target_bits=10, max_length=20),
    dict(target="alternating", target_bits=8, max_length=20),
    dict(target="ones", target_bits=12, max_length=18),
    dict(target="square_root", y=169, max_length=18),
    dict(target="custom", custom_bits="0110", target_bits=4, max_length=20),
])
def test_levin_finds_the_program_of_least_kt_within_the_step_bound(changes):
    engine, snap = levin(**changes)
    assert snap.metrics["found"] == 1.0
    ell = int(snap.metrics["phase"])
    assert snap.metrics["total_steps"] <= 2 ** (ell + 1) - 2
    # Each phase alone stays below 2^ℓ (Kraft).
    for phase, used in enumerate(snap.arrays["cum_steps"], start=1):
        assert used <= 2 ** (phase + 1) - 2
    program = machine.decode(str(snap.arrays["found_bits"][0]))
    target = Target(engine.cfg)
    result = machine.run(program, 10**6, target.max_output)
    assert target.accepts(result)
    assert snap.metrics["kt"] == pytest.approx(kt(machine.bit_length(program), result.steps))
    # Brute force: run every program up to length ℓ long enough to see any Kt ≤ ℓ.
    best = math.inf
    for p in all_programs(ell):
        r = machine.run(p, 2 ** (ell - machine.bit_length(p)) + 1, target.max_output)
        if target.accepts(r):
            best = min(best, kt(machine.bit_length(p), r.steps))
    assert snap.metrics["kt"] == pytest.approx(best)
    assert ell == math.ceil(best - 1e-12)


def test_levin_bad_custom_bits_are_refused_with_a_message():
    from engines.config import ConfigError

    with pytest.raises(ConfigError, match="custom_bits.*'2'"):
        LevinConfig(target="custom", custom_bits="0120")


def test_levin_determinism_restore_and_cancel():
    cfg = LevinConfig(target="alternating", target_bits=8, max_length=16,
                      stop_when_found=False, steps=200)
    with global_rng_untouched():
        a = run_to_end(LevinEngine(cfg))[-1]
    b = run_to_end(LevinEngine(cfg))[-1]
    assert_same_run(a, b)
    first = LevinEngine(cfg.replace(steps=40))
    run_to_end(first)
    restored = LevinEngine(cfg)
    restored.load_state_dict(round_trip(first.state_dict()))
    assert_same_run(a, run_to_end(restored)[-1])
    assert_cancelled_before_start(LevinEngine(cfg))
    assert list(drive(LevinEngine(cfg), Control()))[-1].final
