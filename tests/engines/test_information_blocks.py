"""Block coding of the lecture's 80 %/20 % source: H ≤ ⟨L_n⟩/n < H + 1/n for every n, and
the achieved bits per symbol of a long stream match ⟨L_n⟩/n within sampling error."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engines.information.blocks import (BlocksEngine, binary_entropy_bits, block_code,
                                        block_probabilities)
from engines.information.coding import huffman, kraft_sum
from engines.information.configs import BlocksConfig, SetBlock
from tests.engines.nn_helpers import run_to_end


def test_entropy_of_the_lecture_source_is_0_722_bits():
    assert binary_entropy_bits(0.8) == pytest.approx(0.7219, abs=1e-4)


def test_block_probabilities_are_the_product_of_symbol_probabilities():
    p = block_probabilities(0.8, 5)
    assert p.size == 32 and p.sum() == pytest.approx(1.0)
    assert p[0b11111] == pytest.approx(0.8 ** 5) and p[0b00010] == pytest.approx(0.2 ** 4 * 0.8)


@pytest.mark.parametrize("p_one", [0.8, 0.6, 0.95])
def test_every_block_length_lies_between_H_and_H_plus_one_over_n(p_one):
    h = binary_entropy_bits(p_one)
    for n in range(1, 17):
        lengths, avg = block_code(p_one, n)
        assert kraft_sum(lengths) == pytest.approx(1.0)
        assert h - 1e-12 <= avg / n < h + 1.0 / n
    # and it gets close: with n = 16 the rate is within 1/16 of H
    assert block_code(p_one, 16)[1] / 16 - h < 1 / 16


def test_block_code_matches_the_heap_huffman_on_small_blocks():
    for n in range(1, 9):
        probs = block_probabilities(0.8, n)
        heap = huffman(probs)
        assert block_code(0.8, n)[1] == pytest.approx(float(np.dot(probs, heap.lengths)))


def test_achieved_bits_per_symbol_match_the_expected_length_within_sampling_error():
    cfg = BlocksConfig(steps=40, block=4, max_block=6, symbols_per_step=8192, compress_every=40)
    engine = BlocksEngine(cfg)
    snap = run_to_end(engine)[-1]
    m = snap.metrics
    lengths, avg = block_code(0.8, 4)
    probs = block_probabilities(0.8, 4)
    var = float(np.dot(probs, (lengths - avg) ** 2))
    blocks = m["symbols"] / 4
    sigma = math.sqrt(var / blocks) / 4            # standard error of the rate per symbol
    assert abs(m["bits_per_symbol"] - avg / 4) < 4 * sigma
    assert m["expected_bits_per_symbol"] == pytest.approx(avg / 4)
    assert m["entropy_bits"] <= m["bits_per_symbol"] + 4 * sigma
    # the general-purpose compressors ran on the same stream and cannot beat H
    for name in ("zlib", "bz2", "lzma"):
        assert m["entropy_bits"] - 0.01 < m[f"{name}_bits_per_symbol"] < 1.2
    np.testing.assert_allclose(snap.arrays["upper_bound"], m["entropy_bits"] + 1 / np.arange(1, 7))


def test_the_stream_really_encodes_with_the_block_code():
    """Counting codeword lengths equals the length of an explicit Huffman bit stream."""
    engine = BlocksEngine(BlocksConfig(steps=1, block=3, max_block=3, symbols_per_step=999))
    engine.train_step()
    probs = block_probabilities(0.8, 3)
    heap = huffman(probs)
    blocks = engine.stream.reshape(-1, 3)
    values = blocks @ np.array([4, 2, 1])
    bits = "".join(heap.codewords[v] for v in values)
    assert engine.coded_bits == len(bits)


def test_set_block_edit_changes_the_streamed_code():
    engine = BlocksEngine(BlocksConfig(steps=10, max_block=8, block=2))
    run_to_end(engine)
    engine.apply_edit(SetBlock(n=8))
    engine.cfg = engine.cfg.replace(steps=20)
    snap = run_to_end(engine)[-1]
    assert snap.metrics["block"] == 8.0
    assert snap.metrics["expected_bits_per_symbol"] == pytest.approx(block_code(0.8, 8)[1] / 8)
