"""The tiny universal machine of the Levin and Solomonoff demos (lecture 11.2-11.5).

A Brainfuck-like language over a tape of counters that writes *bits*. Every instruction
has a code word from a complete prefix-free code (Kraft sum exactly 1), and every program
ends with the code word of END:

    0 → 000   emit bit 0          ] → 011   if cell ≠ 0 jump back after the matching [
    1 → 001   emit bit 1          * → 100   emit as many 1s as the cell holds (unary)
    + → 010   cell += 1         END → 101   halt (and marks the end of the program)
    [ → 1100  if cell = 0 jump past the matching ]
    - → 1101  cell −= 1 (not below 0)
    > → 1110  head right          < → 1111  head left (the tape is a ring of TAPE cells)

Because a program is "instruction code words up to the first END", no program is a prefix
of another: a random bit stream read until END is a random program, P(p) = 2^−l(p), and
Σ_p 2^−l(p) ≤ 1 (Kraft). An unmatched ] jumps to the start, an unmatched [ to END, so
every code word sequence is a valid program. One executed instruction = one step.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

TOKENS = ("0", "1", "+", "]", "*", "E", "[", "-", ">", "<")
CODE = {"0": "000", "1": "001", "+": "010", "]": "011", "*": "100", "E": "101",
        "[": "1100", "-": "1101", ">": "1110", "<": "1111"}
END = "E"
BODY = tuple(t for t in TOKENS if t != END)
TAPE = 8


def bit_length(program: str) -> int:
    """l(p) in bits of a program written as tokens (END included)."""
    return sum(len(CODE[t]) for t in program)


def encode(program: str) -> str:
    """The program's bit string."""
    return "".join(CODE[t] for t in program)


def decode(bits: str) -> str:
    """The program read from a bit string; ValueError unless it is exactly one program."""
    words = {v: k for k, v in CODE.items()}
    out, buf = [], ""
    for i, b in enumerate(bits):
        if b not in "01":
            raise ValueError(f"bit {i + 1} is {b!r}, not 0 or 1")
        buf += b
        if buf in words:
            out.append(words[buf])
            buf = ""
            if out[-1] == END:
                if i != len(bits) - 1:
                    raise ValueError(f"the program ends (END) at bit {i + 1}; "
                                     f"{len(bits) - i - 1} bits are left over")
                return "".join(out)
    raise ValueError("the bits do not end with the END code word 101")


@lru_cache(maxsize=None)
def _bodies(length: int) -> tuple[str, ...]:
    """All token strings without END whose code is exactly ``length`` bits, sorted by code."""
    if length == 0:
        return ("",)
    found = []
    for t in BODY:
        n = len(CODE[t])
        if n <= length:
            found.extend(t + rest for rest in _bodies(length - n))
    return tuple(sorted(found, key=encode))


def programs_of_length(length: int) -> tuple[str, ...]:
    """Every program with l(p) = length bits, in the order of their bit strings."""
    if length < len(CODE[END]):
        return ()
    return tuple(b + END for b in _bodies(length - len(CODE[END])))


def count_programs(length: int) -> int:
    return len(programs_of_length(length))


def brackets(program: str) -> dict[int, int]:
    """Matching [ ] pairs (both directions); unmatched ones are absent."""
    stack, pairs = [], {}
    for i, t in enumerate(program):
        if t == "[":
            stack.append(i)
        elif t == "]" and stack:
            j = stack.pop()
            pairs[i], pairs[j] = j, i
    return pairs


@dataclass
class Result:
    output: str        # the bits written
    steps: int         # instructions executed
    halted: bool       # reached END
    done: bool         # stopped because the output reached max_output bits


def run(program: str, max_steps: int, max_output: int) -> Result:
    """Run for at most ``max_steps`` steps; stop early at END or when ``max_output`` bits
    are written (a program that prints forever is cut at the length we need)."""
    pairs = brackets(program)
    tape = [0] * TAPE
    head = pc = steps = 0
    out: list[str] = []
    n = len(program)
    while steps < max_steps:
        t = program[pc]
        steps += 1
        if t == "E":
            return Result("".join(out), steps, True, False)
        if t == "0" or t == "1":
            out.append(t)
        elif t == "+":
            tape[head] += 1
        elif t == "-":
            if tape[head] > 0:
                tape[head] -= 1
        elif t == "*":
            out.extend("1" * min(tape[head], max_output - len(out)))
        elif t == ">":
            head = (head + 1) % TAPE
        elif t == "<":
            head = (head - 1) % TAPE
        elif t == "[":
            if tape[head] == 0:
                pc = pairs.get(pc, n - 1)   # unmatched [: to END
                continue
        elif t == "]":
            if tape[head] != 0:
                pc = pairs[pc] + 1 if pc in pairs else 0   # unmatched ]: to the start
                continue
        pc += 1
        if len(out) >= max_output:
            return Result("".join(out[:max_output]), steps, False, True)
    return Result("".join(out), steps, False, False)


def pretty(program: str) -> str:
    """Program text for display (END shown as a full stop)."""
    return program[:-1] + "." if program.endswith(END) else program
