"""Exercise A1.4: discounted optimality can prefer the loop with the smaller average reward."""
from __future__ import annotations

import pytest

from engines.rl.counterexample import (GAMMA_MESSAGE, Loop, a14, a14_loops, brief_reading,
                                       crossing_gamma, gamma_star)

CASES = [(1, 1.0, 2.0), (2, 1.0, 2.0), (3, 1.0, 1.5), (5, 0.5, 4.0), (10, 2.0, 2.2)]


@pytest.mark.parametrize("n, r, rp", CASES)
def test_closed_forms_match_brute_force_sums(n, r, rp):
    for gamma in (0.0, 0.3, 0.9, 0.99):
        res = a14(n, r, rp, gamma)
        left, right = a14_loops(n, r, rp)
        assert res.v_left == pytest.approx(left.truncated_value(gamma, 10_000), rel=1e-12)
        assert res.v_right == pytest.approx(right.truncated_value(gamma, 10_000), rel=1e-12,
                                            abs=1e-300)
        # the lecture's closed forms: r/(1−γ^{n+1}) and γ^n r'/(1−γ^{n+1})
        assert res.v_left == pytest.approx(r / (1 - gamma ** (n + 1)))
        assert res.v_right == pytest.approx(gamma ** n * rp / (1 - gamma ** (n + 1)))
        assert res.avg_left == r / (n + 1) and res.avg_right == rp / (n + 1)
        assert res.average_choice == "right"


@pytest.mark.parametrize("n, r, rp", CASES)
def test_values_cross_exactly_at_gamma_star(n, r, rp):
    g = gamma_star(n, r, rp)
    assert g == pytest.approx((r / rp) ** (1 / n))
    left, right = a14_loops(n, r, rp)
    assert crossing_gamma(left, right) == pytest.approx(g, abs=1e-10)
    at = a14(n, r, rp, g)
    assert at.v_left == pytest.approx(at.v_right, rel=1e-12)
    for gamma in (0.5 * g, g - 1e-3):       # below γ*: discounting picks the worse average
        res = a14(n, r, rp, gamma)
        assert res.discounted_choice == "left" != res.average_choice
    for gamma in (g + 1e-3, 0.5 * (g + 1)):  # above γ*: it agrees with the average reward
        res = a14(n, r, rp, gamma)
        assert res.discounted_choice == "right" == res.average_choice


@pytest.mark.parametrize("n, r, rp", CASES)
def test_brief_reading_of_the_loops_is_no_counterexample(n, r, rp):
    # left n+1 steps paying r, right n steps paying r' > r: right wins for every γ
    left, right = brief_reading(n, r, rp)
    assert left.average_reward() == r / (n + 1) and right.average_reward() == rp / n
    assert crossing_gamma(left, right) is None
    for gamma in (0.01, 0.5, 0.99):
        assert right.value(gamma) > left.value(gamma)


def test_errors():
    with pytest.raises(ValueError, match="r < r'"):
        gamma_star(2, 2.0, 1.0)
    with pytest.raises(ValueError) as info:
        Loop(1.0, 3, 1).value(1.0)
    assert str(info.value) == GAMMA_MESSAGE
    with pytest.raises(ValueError):
        Loop(1.0, 3, 4)
