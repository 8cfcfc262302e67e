"""Lecture chapter 11, algorithmic complexity: the Qt-free engines of the ``complexity`` panel.

- :mod:`engines.complexity.machine`: the tiny universal machine (a Brainfuck-like bit
  printer with a prefix-free program code, a step counter and END as halting rule).
- :mod:`engines.complexity.codes`: prefix-free codes, Kraft's inequality, decoding, random
  programs.
- :mod:`engines.complexity.levin`: Levin's universal search and the Levin complexity Kt.
- :mod:`engines.complexity.solomonoff`: Solomonoff induction with the machine M_T.
- :mod:`engines.complexity.symbolic` (+ :mod:`.expressions`): symbolic regression with
  expression trees, complexity = −log₂ P(expression).
Shared: :mod:`.sequences` (the lecture's bit sequences). Configs live in
:mod:`engines.complexity.configs`, so the registry stays light (no sympy, no torch).
"""
from engines.complexity.configs import (CodesConfig, LevinConfig, SolomonoffConfig,
                                        SymbolicConfig)
from engines.spec import DemoSpec, Topic

DEMOS = (
    DemoSpec("symbolic", "Symbolic regression", SymbolicConfig,
             "engines.complexity.symbolic:SymbolicEngine",
             summary="Formulas from data; Pareto front of error against complexity in bits"),
    DemoSpec("codes", "Prefix-free codes and Kraft", CodesConfig,
             "engines.complexity.codes:CodesEngine",
             summary="Build a prefix-free code, check Σ 2^−l ≤ 1, decode, draw random programs"),
    DemoSpec("levin", "Levin's universal search", LevinConfig,
             "engines.complexity.levin:LevinEngine",
             summary="Phase ℓ runs each program 2^(ℓ−l(p)) steps; finds the least Kt"),
    DemoSpec("solomonoff", "Solomonoff induction", SolomonoffConfig,
             "engines.complexity.solomonoff:SolomonoffEngine",
             summary="Posterior over programs 2^−l(p) predicts the next bit"),
)

TOPIC = Topic("complexity", "Algorithmic complexity", "11", DEMOS,
              "panels.complexity.panel:ComplexityPanel")
