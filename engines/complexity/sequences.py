"""The bit sequences of the lecture's opening questions (11): "how does this continue?"."""
from __future__ import annotations

from engines.complexity.configs import check_bits


def sequence_bits(name: str, n: int, custom: str = "") -> str:
    """The first n bits of a named deterministic sequence."""
    if name == "alternating":            # 0101 0101 …
        return ("01" * n)[:n]
    if name == "period3":                # 001 001 …
        return ("001" * n)[:n]
    if name == "ones":
        return "1" * n
    if name == "unary_counter":          # 1 011 0111 01111 … = 1 0 11 0 111 0 1111 …
        out, k = "", 1
        while len(out) < n:
            out += "1" * k + "0"
            k += 1
        return out[:n]
    if name == "custom":
        bits = check_bits("custom_bits", custom, allow_empty=False)
        return (bits * (n // len(bits) + 1))[:n]
    raise ValueError(f"unknown sequence {name!r}")
