"""Prefix codes of lecture 4.1-4.2 against truth: the coding theorem's bounds, Kraft's sum,
Huffman's optimality by exhaustive search, Shannon's lengths, Fano within a bit."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engines.information.coding import (average_length, best_prefix_code_length,
                                        canonical_code, decode, encode, entropy_bits, fano,
                                        huffman, huffman_lengths, is_prefix_free, kraft_sum,
                                        nodes_fano, nodes_huffman, nodes_shannon,
                                        partial_codewords, shannon)


def sources(count=40, seed=1, sizes=range(2, 7)):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n = int(rng.choice(list(sizes)))
        alpha = float(rng.choice([0.2, 1.0, 5.0]))
        p = rng.dirichlet(np.full(n, alpha))
        p = np.maximum(p, 1e-6)
        yield p / p.sum()


def test_huffman_obeys_the_coding_theorem_and_fills_the_kraft_sum():
    for p in sources(60, sizes=range(2, 17)):
        con = huffman(p)
        h, L = entropy_bits(p), average_length(p, con.lengths)
        assert h - 1e-12 <= L < h + 1
        assert kraft_sum(con.lengths) == pytest.approx(1.0, abs=1e-12)
        assert is_prefix_free(con.codewords)


def test_huffman_equals_the_best_prefix_code_found_by_exhaustive_search():
    for p in sources(40, seed=2, sizes=range(2, 7)):
        best = best_prefix_code_length(p)
        assert average_length(p, huffman(p).lengths) == pytest.approx(best, abs=1e-12)
    # a suboptimal code is really worse: the exhaustive search is not trivially equal
    p = np.array([0.5, 0.3, 0.1, 0.1])
    assert average_length(p, [2, 2, 2, 2]) > best_prefix_code_length(p) + 0.1


def test_dyadic_sources_are_compressed_to_exactly_H():
    for n in range(2, 10):
        p = np.array([2.0 ** -(k + 1) for k in range(n)])
        p[-1] = p[-2]
        for build in (huffman, shannon, fano):
            con = build(p)
            assert average_length(p, con.lengths) == pytest.approx(entropy_bits(p), abs=1e-12)


def test_shannon_code_has_lengths_ceil_minus_log_p_and_is_prefix_free():
    for p in sources(60, seed=3, sizes=range(2, 17)):
        con = shannon(p)
        expected = [max(1, math.ceil(-math.log2(q) - 1e-12)) for q in p]
        assert con.lengths.tolist() == expected
        assert is_prefix_free(con.codewords)
        h = entropy_bits(p)
        assert h - 1e-12 <= average_length(p, con.lengths) < h + 1
        assert kraft_sum(con.lengths) <= 1 + 1e-12
        # codeword = the first L binary digits of the cumulative probability
        for s, c, length, word in con.steps:
            assert int(word, 2) == math.floor(c * 2 ** length + 1e-9)


def test_shannon_code_on_the_lecture_example():
    p = np.array([0.4, 0.2, 0.15, 0.1, 0.1, 0.05])
    con = shannon(p)
    assert con.codewords == ["00", "011", "100", "1100", "1101", "11110"]


def test_fano_comes_within_one_bit_of_H_and_is_prefix_free():
    for p in sources(60, seed=4, sizes=range(2, 17)):
        con = fano(p)
        h = entropy_bits(p)
        assert h - 1e-12 <= average_length(p, con.lengths) < h + 1
        assert is_prefix_free(con.codewords)
        assert kraft_sum(con.lengths) == pytest.approx(1.0)


def test_messages_round_trip_through_every_code():
    rng = np.random.default_rng(5)
    for p in sources(10, seed=5, sizes=range(2, 17)):
        msg = rng.choice(p.size, size=300, p=p).tolist()
        for build in (huffman, shannon, fano):
            words = build(p).codewords
            bits = encode(msg, words)
            assert decode(bits, words) == msg
            assert len(bits) == sum(len(words[s]) for s in msg)
    with pytest.raises(ValueError, match="inside a codeword"):
        decode("1", ["0", "10", "11"])


def test_prefix_check_catches_a_code_that_is_not_prefix_free():
    assert not is_prefix_free(["0", "01", "11"])
    assert is_prefix_free(["0", "10", "11"])


def test_canonical_code_realises_any_kraft_length_vector():
    for lengths in ([1, 2, 3, 3], [2, 2, 2, 3, 4, 4], [3, 3, 3]):
        words = canonical_code(lengths)
        assert [len(w) for w in words] == lengths and is_prefix_free(words)
    with pytest.raises(ValueError, match="Kraft"):
        canonical_code([1, 1, 2])


def test_fast_huffman_lengths_match_the_heap_construction():
    rng = np.random.default_rng(6)
    for n in (2, 3, 7, 50, 300):
        p = rng.dirichlet(np.ones(n) * 0.5)
        fast = huffman_lengths(p)
        assert kraft_sum(fast) == pytest.approx(1.0)
        assert average_length(p, fast) == pytest.approx(average_length(p, huffman(p).lengths),
                                                        abs=1e-12)


def test_huffman_on_65536_symbols_is_optimal_within_the_bounds():
    p = np.random.default_rng(7).random(1 << 16)
    p /= p.sum()
    lengths = huffman_lengths(p)
    h = entropy_bits(p)
    assert kraft_sum(lengths) == pytest.approx(1.0)
    assert h <= average_length(p, lengths) < h + 1


def test_partial_constructions_end_in_the_finished_code():
    p = np.array([0.4, 0.2, 0.15, 0.1, 0.1, 0.05])
    for build, nodes in ((huffman, nodes_huffman), (shannon, nodes_shannon),
                         (fano, nodes_fano)):
        con = build(p)
        assert partial_codewords(con, 0) == [""] * p.size or build is huffman
        assert partial_codewords(con, con.n_steps) == con.codewords
        final = nodes(con, con.n_steps)
        leaves = final.symbol >= 0
        assert sorted(final.symbol[leaves].tolist()) == list(range(p.size))
        for i in np.flatnonzero(leaves):
            assert final.depth[i] == len(con.codewords[final.symbol[i]])
            assert final.prob[i] == pytest.approx(p[final.symbol[i]])
        roots = np.flatnonzero(final.parent < 0)
        assert roots.size == 1 and final.prob[roots[0]] == pytest.approx(1.0)
    # Huffman's forest: N trees before the first merge, one tree after N−1 merges
    con = huffman(p)
    assert (nodes_huffman(con, 0).parent < 0).sum() == p.size
    assert (nodes_huffman(con, 3).parent < 0).sum() == p.size - 3
    # Fano after one split: the root, and two groups that share the probability
    first = nodes_fano(fano(p), 1)
    assert first.parent.size == 3 and first.members[1:].sum() == p.size
