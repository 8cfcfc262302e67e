"""Exercise A1.4: discounted values can be counter-intuitive (after Naik et al. 2019).

From the start state s0 the agent picks LEFT or RIGHT once; each choice enters a
deterministic loop back to s0 that it then follows forever.

A loop of L transitions that pays ρ on its k-th transition (k = 1 ... L) has, counting the
reward r_{t+1} of transition t+1 with weight γ^t (Sutton/Barto),
    V = ρ (γ^{k-1} + γ^{k-1+L} + γ^{k-1+2L} + ...) = ρ γ^{k-1} / (1 − γ^L)     (geometric series)
and the average reward per step ρ / L.

Which loops? The brief describing this module read the exercise as "left loop pays r after
n+1 steps, right loop pays r' after n steps", with average rewards r/(n+1) and r'/n. With
those lengths there is NO counterexample: the right loop is shorter, pays more and (k = L)
V_R / V_L = (r'/r) γ^{-1} (1 − γ^{n+1}) / (1 − γ^n) > 1 for every γ in (0, 1), so it wins
for all γ and γ* = (r/r')^{1/n} is not a crossing point at all (see ``brief_reading``).
The exercise solution actually sums V_L = Σ_i γ^{(n+1)i} r = r / (1 − γ^{n+1}) and
V_R = Σ_i γ^{(n+1)i+n} r' = γ^n r' / (1 − γ^{n+1}): BOTH loops have n+1 transitions
(through n intermediate states); the left one pays r on its first transition, the right one
pays r' on its last. Then V_L = V_R  <=>  r = γ^n r'  <=>  γ* = (r/r')^{1/n}, which is the
lecture's formula, and the averages are r/(n+1) < r'/(n+1). That is the MDP implemented in
:func:`a14`: for γ < γ* discounting prefers LEFT although RIGHT has the larger average reward.
"""
from __future__ import annotations

from dataclasses import dataclass
from scipy.optimize import brentq

from engines.rl.dp import GAMMA_MESSAGE


@dataclass(frozen=True)
class Loop:
    """A deterministic loop of ``length`` transitions paying ``reward`` on transition ``at``."""

    reward: float
    length: int
    at: int   # 1 ... length

    def __post_init__(self):
        if self.length < 1 or not 1 <= self.at <= self.length:
            raise ValueError(f"need length >= 1 and 1 <= at <= length, got {self}")

    def value(self, gamma: float) -> float:
        """V = ρ γ^{k-1} / (1 − γ^L): discounted value of following the loop from s0."""
        if not 0.0 <= gamma < 1.0:
            raise ValueError(GAMMA_MESSAGE)
        return self.reward * gamma ** (self.at - 1) / (1.0 - gamma ** self.length)

    def average_reward(self) -> float:
        return self.reward / self.length

    def truncated_value(self, gamma: float, steps: int) -> float:
        """Σ_{t<steps} γ^t r_{t+1} by brute force (for checking the closed form)."""
        total, discount = 0.0, 1.0
        for t in range(steps):
            if t % self.length == self.at - 1:
                total += discount * self.reward
            discount *= gamma
        return total


@dataclass(frozen=True)
class A14Result:
    v_left: float
    v_right: float
    avg_left: float
    avg_right: float
    discounted_choice: str      # "left" | "right" | "tie"
    average_choice: str
    gamma_star: float


def a14_loops(n: int, r: float, r_prime: float) -> tuple[Loop, Loop]:
    """The exercise's MDP: both loops n+1 transitions; left pays first, right pays last."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return Loop(r, n + 1, 1), Loop(r_prime, n + 1, n + 1)


def gamma_star(n: int, r: float, r_prime: float) -> float:
    """γ* = (r/r')^{1/n}: from V_L = V_R  <=>  r/(1−γ^{n+1}) = γ^n r'/(1−γ^{n+1})."""
    if not 0 < r < r_prime:
        raise ValueError(f"need 0 < r < r', got r={r}, r'={r_prime}")
    return (r / r_prime) ** (1.0 / n)


def a14(n: int, r: float, r_prime: float, gamma: float) -> A14Result:
    left, right = a14_loops(n, r, r_prime)
    v_left, v_right = left.value(gamma), right.value(gamma)
    return A14Result(v_left=v_left, v_right=v_right,
                     avg_left=left.average_reward(), avg_right=right.average_reward(),
                     discounted_choice=_choice(v_left, v_right),
                     average_choice=_choice(left.average_reward(), right.average_reward()),
                     gamma_star=gamma_star(n, r, r_prime))


def crossing_gamma(left: Loop, right: Loop, lo: float = 1e-9, hi: float = 1 - 1e-9
                   ) -> float | None:
    """γ in (0, 1) where V_left(γ) = V_right(γ) (by root finding); None if they never cross."""
    def diff(g):
        return left.value(g) - right.value(g)
    if diff(lo) * diff(hi) > 0:
        return None
    return brentq(diff, lo, hi, xtol=1e-15, rtol=1e-14)


def brief_reading(n: int, r: float, r_prime: float) -> tuple[Loop, Loop]:
    """The loops as the brief stated them: left n+1 steps paying r, right n steps paying r'.

    Kept to show (in the tests) that they never cross for r < r': the right loop wins for
    every γ, so this reading is not a counterexample.
    """
    return Loop(r, n + 1, n + 1), Loop(r_prime, n, n)


def _choice(left: float, right: float) -> str:
    if left > right:
        return "left"
    if right > left:
        return "right"
    return "tie"
