"""Texts a projector shows must render as written: every demo text, and every form label
and help text, is free of combining marks (Qt draws a combining hat or bar on the line
above, "m +̂ (1−β̂)") and of raw TeX ("e^{−F}", "\\frac"), which no label renders."""
from __future__ import annotations

import dataclasses
import re
import unicodedata

import pytest

from engines.config import field_meta
from engines.registry import TOPICS
from workbench.panel import load_text

CASES = [(pid, spec) for pid, specs in TOPICS.items() for spec in specs]
RAW_TEX = re.compile(r"\\[a-zA-Z]{2,}|[\^_]\{|\$[^$\s]")


def problems(text: str) -> list[str]:
    found = [f"combining U+{ord(c):04X} after {text[max(0, i - 8):i]!r}"
             for i, c in enumerate(text) if unicodedata.combining(c)]
    found += [f"raw TeX {m.group()!r} in {text[max(0, m.start() - 8):m.end() + 8]!r}"
              for m in RAW_TEX.finditer(text)]
    return found


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
