"""Where a demo text's formulas may break onto the next line.

A narrow text column (zoom 2 on a projector) re-wraps the text, and a plain space inside
"N(0, 1)" or beside "~" let a formula break mid-term ("ε\n~ N(0, 1)"). This turns those
spaces into non-breaking ones, so a line breaks only between terms: around "=", "+", "−"
at the top level and between words. A bracket counts as part of a formula when it opens
right after a letter, digit or closing bracket ("N(", "D<sub>KL</sub>(", "f(z)") and holds
a short term (at most SHORT_TERM characters): a long one must still wrap, or the text
column would get wider than the window.
"""
from __future__ import annotations

import re

#: The longest bracketed term kept on one line (characters as shown).
SHORT_TERM = 12
OPENING, CLOSING = "([⟨{", ")]⟩}"
#: Operators whose spaces never break: "ε ~ N(0, 1)", "x ∈ ℝ".
TIGHT = "~∈∼"

_TOKEN = re.compile(r"<[^>]*>|&[#a-zA-Z0-9]+;|.", re.DOTALL)


def _visible(markup: str) -> list[tuple[int, str]]:
    """(index in markup, character) of every character shown; tags are not shown and an
    entity shows as one character ("&nbsp;" as a space that does not break)."""
    shown = []
    for match in _TOKEN.finditer(markup):
        token = match.group()
        if token.startswith("<") and len(token) > 1:
            continue
        if token.startswith("&") and len(token) > 1:
            shown.append((match.start(), "\u00a0" if token == "&nbsp;" else "·"))
        else:
            shown.append((match.start(), token))
    return shown


def keep_formulas_together(markup: str) -> str:
    """The markup with spaces inside short function-like brackets and beside "~" made
    non-breaking (&nbsp;)."""
    shown = _visible(markup)
    chars = [c for _, c in shown]
    tie: set[int] = set()            # positions in ``shown`` of spaces to make &nbsp;
    stack: list[int] = []
    for i, c in enumerate(chars):
        if c in OPENING:
            stack.append(i)
        elif c in CLOSING and stack:
            start = stack.pop()
            before = chars[start - 1] if start > 0 else " "
            if (before.isalnum() or before in CLOSING or before in "′'²³") \
                    and i - start - 1 <= SHORT_TERM:
                tie.update(k for k in range(start + 1, i) if chars[k] in " \n")
        elif c in TIGHT:
            for k in (i - 1, i + 1):
                if 0 <= k < len(chars) and chars[k] in " \n":
                    tie.add(k)
    if not tie:
        return markup
    out, last = [], 0
    for k in sorted(tie):
        index = shown[k][0]
        out.append(markup[last:index])
        out.append("&nbsp;")
        last = index + 1
    out.append(markup[last:])
    return "".join(out)
