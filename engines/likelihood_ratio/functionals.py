"""Loss functionals L[f] = ⟨A(f)⟩_p + ⟨B(f)⟩_q that turn samples into the likelihood ratio.

Written as sums over samples they are Monte-Carlo estimates of ∫dx [p(x) A(f(x)) + q(x) B(f(x))].
Varying f pointwise gives the Euler-Lagrange condition
    p(x) A'(f) + q(x) B'(f) = 0   ⇔   A'(f)/B'(f) = −q(x)/p(x),
so the minimiser f* is a known function of r = p/q. The network outputs an unconstrained
s(x); f = link(s) keeps f in the functional's domain, and each loss is written in s
(e.g. −log σ(s) = softplus(−s)) so it stays finite for large |s|.

The functions take ``xp`` = numpy or torch (both have exp, log, sigmoid-free formulas), so
the engine's training loss and the tests' closed-form checks are the same code.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def _softplus(s, xp):
    if xp is np:
        return np.logaddexp(0.0, s)
    return xp.nn.functional.softplus(s)


def _sigmoid(s, xp):
    if xp is np:
        return 0.5 * (1.0 + np.tanh(0.5 * s))
    return xp.sigmoid(s)


@dataclass(frozen=True)
class Functional:
    name: str
    title: str
    A: str                 # formulas for the Euler-Lagrange box (Qt rich text friendly)
    B: str
    link: str              # f as a function of the network output s
    condition: str         # A'(f)/B'(f) = −q/p written out
    solution: str          # f*(x)
    ratio_from_f: str      # how p/q is read off f
    at_optimum: str        # what L[f*] is

    # ---- per-sample terms as functions of the network output s --------------------------
    def a_term(self, s, xp=np):
        """A(f(s)) for the samples of p."""
        if self.name == "bce":
            return _softplus(-s, xp)                  # −log σ(s)
        if self.name == "mse":
            return (1.0 - _sigmoid(s, xp)) ** 2
        if self.name == "mlc":
            return -s                                 # −log f with f = e^s
        return xp.exp(-s)                             # exponential: A = e^(−f), f = s

    def b_term(self, s, xp=np):
        """B(f(s)) for the samples of q."""
        if self.name == "bce":
            return _softplus(s, xp)                   # −log(1 − σ(s))
        if self.name == "mse":
            return _sigmoid(s, xp) ** 2
        if self.name == "mlc":
            return xp.exp(s) - 1.0                    # f − 1
        return xp.exp(s)

    def loss(self, s_p, s_q, xp=np):
        """The empirical functional ⟨A⟩_p + ⟨B⟩_q on network outputs at p and q samples."""
        return self.a_term(s_p, xp).mean() + self.b_term(s_q, xp).mean()

    # ---- the optimum ------------------------------------------------------------------
    def optimal_s(self, log_r):
        """s*(x) at the Euler-Lagrange solution, from log r = log p/q."""
        return 0.5 * log_r if self.name == "exponential" else log_r

    def log_ratio(self, s):
        """log p/q as read off the network: f/(1−f) for σ links, f for mlc, e^(2f) for exp."""
        return 2.0 * s if self.name == "exponential" else s

    def f_of_s(self, s):
        """f itself (numpy), for plotting f against f*."""
        if self.name in ("bce", "mse"):
            return _sigmoid(s, np)
        if self.name == "mlc":
            return np.exp(np.minimum(s, 700.0))
        return s

    def el_residual(self, f, p, q):
        """p A'(f) + q B'(f), zero at the Euler-Lagrange solution (numpy)."""
        if self.name == "bce":
            return p * (-1.0 / f) + q / (1.0 - f)
        if self.name == "mse":
            return p * (-2.0 * (1.0 - f)) + q * 2.0 * f
        if self.name == "mlc":
            return p * (-1.0 / f) + q
        return p * (-np.exp(-f)) + q * np.exp(f)


FUNCTIONALS = {
    "bce": Functional(
        "bce", "Binary cross-entropy", "A(f) = −log f", "B(f) = −log(1 − f)",
        "f = σ(s) = 1/(1 + e^(−s))", "A′/B′ = −(1 − f)/f = −q/p",
        "f* = p/(p + q)", "r = f/(1 − f)",
        "L[f*] = 2 log 2 − 2 JS(p‖q) (Jensen-Shannon)"),
    "mse": Functional(
        "mse", "Mean squared error", "A(f) = (1 − f)²", "B(f) = f²",
        "f = σ(s)", "A′/B′ = −(1 − f)/f = −q/p",
        "f* = p/(p + q) (same as cross-entropy)", "r = f/(1 − f)",
        "L[f*] = ∫ pq/(p + q)"),
    "mlc": Functional(
        "mlc", "Maximum likelihood classifier (seminar: A = log f, B = 1 − f, maximised)",
        "A(f) = −log f", "B(f) = f − 1",
        "f = e^s", "A′/B′ = −1/f = −q/p",
        "f* = p/q (the ratio itself)", "r = f",
        "L[f*] = −KL(p‖q): the maximised ⟨log f⟩_p + ⟨1 − f⟩_q → KL(p‖q)"),
    "exponential": Functional(
        "exponential", "Exponential loss", "A(f) = e^(−f)", "B(f) = e^f",
        "f = s", "A′/B′ = −e^(−2f) = −q/p",
        "f* = ½ log(p/q)", "r = e^(2f)",
        "L[f*] = 2 ∫ √(pq) (twice the Bhattacharyya coefficient)"),
}


def functional(name: str) -> Functional:
    try:
        return FUNCTIONALS[name]
    except KeyError:
        raise ValueError(f"unknown loss functional {name!r}; "
                         f"known: {', '.join(FUNCTIONALS)}") from None


def optimal_loss_exact(fn: Functional, pair) -> float:
    """L[f*] = ∫ p A(f*) + q B(f*) on the pair's fine grid (the exact integral)."""
    g = pair.fine()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        s = fn.optimal_s(g["logp"] - g["logq"])
    p, q = np.exp(g["logp"]), np.exp(g["logq"])
    # p A(f*) and q B(f*) with 0 · (anything) = 0 where a density vanishes
    a = np.where(p > 0, p * np.nan_to_num(fn.a_term(np.where(p > 0, s, 0.0))), 0.0)
    b = np.where(q > 0, q * np.nan_to_num(fn.b_term(np.where(q > 0, s, 0.0))), 0.0)
    return float((a + b).sum() * g["vol"])


