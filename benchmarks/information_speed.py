"""Speed of the information panel's heavy pieces, on one core.

    python benchmarks/information_speed.py

- Huffman code of 2^16 block symbols (the blocks demo's n = 16), goal < 1 s;
- n-gram counting (orders 1 … 5) on the bundled text: the numpy counter of
  engines.information.ngram against a plain collections.Counter loop, goal ≥ 5× faster;
- the whole fit of the text demo's models (letters + words) on the bundled text, goal < 1 s.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_NUM_THREADS", "1")


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    from engines.information.blocks import block_code
    from engines.information.ngram import LetterModel, WordModel, fit_counter
    from engines.information.text import decode_letters, letter_stream

    x = letter_stream()
    t_huff = best_of(lambda: block_code(0.8, 16))
    t_numpy = best_of(lambda: LetterModel(x, max_order=5))
    t_counter = best_of(lambda: fit_counter(x, 5), repeat=1)

    def full_fit():
        letters = LetterModel(x, max_order=5)
        WordModel(decode_letters(x).split(), letters)

    t_fit = best_of(full_fit)
    print(f"text: {x.size} letters (27 symbols)")
    print(f"Huffman on 2^16 block symbols:        {t_huff * 1e3:8.1f} ms  (goal < 1000 ms)")
    print(f"n-gram counts 1..5, numpy:            {t_numpy * 1e3:8.1f} ms")
    print(f"n-gram counts 1..5, Counter loop:     {t_counter * 1e3:8.1f} ms")
    print(f"speed-up:                             {t_counter / t_numpy:8.1f} x   (goal >= 5 x)")
    print(f"full model fit (letters + words):     {t_fit * 1e3:8.1f} ms  (goal < 1000 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
