"""Texts a projector shows must render as written: every demo text, and every form label
and help text, is free of combining marks (Qt draws a combining hat or bar on the line
above, "m +̂ (1−β̂)") and of raw TeX ("e^{−F}", "\\frac"), which no label renders. What
panels draw beside their demo text (cards, readouts, plot titles and axis labels) is
checked as shown, in the geometry test (tests/panels/test_geometry.py)."""
from __future__ import annotations

import dataclasses

import pytest

from engines.config import field_meta
from engines.registry import TOPICS
from tests.panels.geometry_checks import render_problems as problems
from workbench.panel import load_text

CASES = [(pid, spec) for pid, specs in TOPICS.items() for spec in specs]


def test_the_checks_find_what_they_look_for():
    assert problems("m̂ = m/(1−β)") and problems("e^{−F(v)}") and problems(r"\frac{a}{b}")
    assert not problems("φ̄".replace("\u0304", "") + " ⟨n⟩ e<sup>−F</sup> x<sub>i</sub>")


@pytest.mark.parametrize("pid,spec", CASES, ids=[f"{p}-{s.name}" for p, s in CASES])
def test_demo_text_and_form_render(pid, spec):
    bad = [f"text: {p}" for p in problems(load_text(pid, spec.name))]
    for field in dataclasses.fields(spec.config):
        meta = field_meta(spec.config, field.name)
        for part in ("label", "help", "unit"):
            bad += [f"{field.name}.{part}: {p}" for p in problems(str(meta.get(part) or ""))]
    assert not bad, "\n".join(bad)


def test_formulas_break_between_terms_not_inside_them():
    """A narrow column (zoom 2) re-wraps the text: "ε ~ N(0, 1)" stays whole, a long
    bracket in prose still wraps (or the column would grow past the window)."""
    from workbench.formula_wrap import keep_formulas_together

    tied = keep_formulas_together("<b>z</b> = x, ε ~ N(0, 1) (reparameterisation trick)")
    assert "ε&nbsp;~&nbsp;N(0,&nbsp;1)" in tied
    assert "(reparameterisation trick)" in tied              # prose: a space before "("
    assert "<b>z</b> = x" in tied                             # breaks at top-level "="
    assert keep_formulas_together("D<sub>KL</sub>(q ‖ p)") == "D<sub>KL</sub>(q&nbsp;‖&nbsp;p)"
    long = "f(an argument list far too long to keep on one line, b)"
    assert keep_formulas_together(long) == long
    assert keep_formulas_together("a &amp; b (c d)") == "a &amp; b (c d)"
