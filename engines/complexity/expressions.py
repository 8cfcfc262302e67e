"""Expression trees, their prior and their values (lecture 11.1), for :mod:`.symbolic`.

A tree is written in prefix (Polish) notation, one symbol per node, e.g. x·(3+y) + π/x is
    + × x + 3 y ÷ π x.
Every node draws its symbol from a fixed distribution P(symbol) (binary operators, unary
functions, leaves); reading symbols until every operator has its arguments is a prefix-free
code for trees, so P(tree) = Π_nodes P(symbol) sums to ≤ 1 (Kraft) and
    complexity = −log₂ P(tree) = Σ_nodes −log₂ P(symbol)      bits.
A fitted constant c costs its symbol and CONST_BITS more for its value.
"""
from __future__ import annotations

import math

import numpy as np

BINARY = ("+", "-", "*", "/")
UNARY = ("sin", "cos", "exp", "log", "sqrt")
CONSTANTS = {"1": 1.0, "2": 2.0, "3": 3.0, "pi": math.pi}
#: Prior over node symbols (sums to 1); "c" is a fitted constant.
PRIOR = {"+": 0.075, "-": 0.075, "*": 0.075, "/": 0.075,
         "sin": 0.04, "cos": 0.04, "exp": 0.04, "log": 0.04, "sqrt": 0.04,
         "x": 0.14, "y": 0.14, "1": 0.06, "2": 0.05, "3": 0.04, "pi": 0.05, "c": 0.02}
CONST_BITS = 8.0          # a fitted constant's value, to about 2-3 digits
LIMIT = 1e8               # values beyond this (or NaN) drop the expression


def symbol_bits(variables: tuple[str, ...]) -> dict[str, float]:
    """−log₂ P(symbol), the prior renormalised over the variables the data has."""
    used = {s: p for s, p in PRIOR.items() if s not in ("x", "y") or s in variables}
    total = sum(used.values())
    return {s: -math.log2(p / total) for s, p in used.items()}


def apply_unary(op: str, v: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        if op == "sin":
            return np.sin(v)
        if op == "cos":
            return np.cos(v)
        if op == "exp":
            return np.exp(np.minimum(v, 50.0))
        if op == "log":
            return np.where(v > 0, np.log(np.abs(v) + (v <= 0)), np.nan)
        if op == "sqrt":
            return np.where(v >= 0, np.sqrt(np.abs(v)), np.nan)
    raise ValueError(op)


def apply_binary(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return np.where(b != 0, a / np.where(b != 0, b, 1.0), np.nan)
    raise ValueError(op)


def evaluate(tree, data: dict[str, np.ndarray]) -> np.ndarray:
    """Values of a tree (nested tuples / symbol strings) on the data columns."""
    if isinstance(tree, str):
        if tree in data:
            return data[tree]
        return np.full(len(next(iter(data.values()))), CONSTANTS[tree])
    if len(tree) == 2:
        return apply_unary(tree[0], evaluate(tree[1], data))
    return apply_binary(tree[0], evaluate(tree[1], data), evaluate(tree[2], data))


def prefix(tree) -> str:
    if isinstance(tree, str):
        return tree
    return " ".join([tree[0], *(prefix(t) for t in tree[1:])])


def infix(tree) -> str:
    """Readable text with Unicode operators (full brackets, before sympy tidies it)."""
    if isinstance(tree, str):
        return "π" if tree == "pi" else tree
    if len(tree) == 2:
        name = "√" if tree[0] == "sqrt" else tree[0]
        return f"{name}({infix(tree[1])})"
    sign = {"+": "+", "-": "−", "*": "·", "/": "/"}[tree[0]]
    return f"({infix(tree[1])} {sign} {infix(tree[2])})"


def to_sympy(tree, scale: float | None = None, offset: float | None = None, exact=False):
    """The sympy expression a·tree + b (constants as floats, or guessed exactly)."""
    import sympy as sp

    names = {"x": sp.Symbol("x"), "y": sp.Symbol("y")}

    def build(t):
        if isinstance(t, str):
            if t in names:
                return names[t]
            return sp.pi if t == "pi" else sp.Integer(int(CONSTANTS[t]))
        if len(t) == 2:
            fn = {"sin": sp.sin, "cos": sp.cos, "exp": sp.exp, "log": sp.log,
                  "sqrt": sp.sqrt}[t[0]]
            return fn(build(t[1]))
        a, b = build(t[1]), build(t[2])
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[t[0]]

    def const(v):
        if exact:
            return sp.nsimplify(v, [sp.pi], tolerance=1e-6 * max(1.0, abs(v)), rational=False)
        return sp.Float(float(f"{v:.4g}"))

    expr = build(tree)
    if scale is not None:
        expr = const(scale) * expr
    if offset is not None:
        expr = expr + const(offset)
    return expr
