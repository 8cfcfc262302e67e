"""Prefix codes of lecture 4.1-4.2: Fano, Shannon and Huffman, built step by step.

Every construction is recorded as a list of steps (one split of Fano's, one codeword of
Shannon's, one merge of Huffman's), so the panel can show the code growing; ``nodes_*``
turn a partial construction into one node table (parent, branch bit, probability, member
symbols) that draws as a tree or a forest. Also: the average length ⟨L⟩ = Σ p_s L_s, Kraft's
sum Σ 2^(−L_s), encoding a message into one bit stream and decoding it back (possible
without separators because no codeword is the beginning of another), an exhaustive search
for the best prefix code of a small alphabet, and a fast Huffman for 2^16 block symbols.
"""
from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np


# ---- entropy ------------------------------------------------------------------------
def entropy_bits(p) -> float:
    """H = −Σ p log₂ p (terms with p = 0 contribute 0)."""
    p = np.asarray(p, dtype=float).ravel()
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def average_length(p, lengths) -> float:
    return float(np.dot(np.asarray(p, float), np.asarray(lengths, float)))


def kraft_sum(lengths) -> float:
    """Σ 2^(−L_s): at most 1 for every prefix code, exactly 1 when its tree is full."""
    return float(sum(2.0 ** -int(n) for n in lengths))


def is_prefix_free(codewords) -> bool:
    words = sorted(codewords)
    if len(set(words)) != len(words):
        return False
    # in sorted order a prefix sits directly before some word it begins
    return not any(b.startswith(a) for a, b in zip(words, words[1:]))


# ---- the three constructions -----------------------------------------------------------
@dataclass
class Construction:
    """A finished code plus the steps that built it (for the step-by-step display)."""

    name: str
    probs: np.ndarray          # (N,) the source
    codewords: list[str]       # codeword of symbol s
    steps: list[tuple]         # construction-specific records, one per Step

    @property
    def lengths(self) -> np.ndarray:
        return np.array([len(w) for w in self.codewords], dtype=np.int64)

    @property
    def n_steps(self) -> int:
        return len(self.steps)


def order_desc(p) -> np.ndarray:
    """Symbols by decreasing probability (ties: lower index first)."""
    p = np.asarray(p, float)
    return np.lexsort((np.arange(p.size), -p))


def huffman(p) -> Construction:
    """Huffman: merge the two least probable trees, N−1 times. Step k = (a, b, new): node
    ``new`` gets children a (bit 0) and b (bit 1); leaves are 0…N−1, merges N, N+1, …"""
    p = np.asarray(p, float)
    n = p.size
    if n == 1:
        return Construction("huffman", p, ["0"], [])
    heap = [(float(p[s]), s) for s in range(n)]
    heapq.heapify(heap)
    steps, nxt = [], n
    while len(heap) > 1:
        pa, a = heapq.heappop(heap)
        pb, b = heapq.heappop(heap)
        steps.append((a, b, nxt))
        heapq.heappush(heap, (pa + pb, nxt))
        nxt += 1
    children = {new: (a, b) for a, b, new in steps}
    words = [""] * n
    stack = [(nxt - 1, "")]
    while stack:
        node, prefix = stack.pop()
        if node < n:
            words[node] = prefix
        else:
            a, b = children[node]
            stack += [(a, prefix + "0"), (b, prefix + "1")]
    return Construction("huffman", p, words, steps)


def _fano_cut(probs_sorted: np.ndarray) -> int:
    """Index k splitting a sorted group into [:k], [k:] of the most equal probability."""
    c = np.cumsum(probs_sorted)[:-1]
    return int(np.argmin(np.abs(2 * c - probs_sorted.sum()))) + 1


def fano(p) -> Construction:
    """Fano: sort by probability, split into two sets of (almost) equal probability, '0' to
    the first and '1' to the second, split again, breadth first. Step = (prefix, set0, set1)."""
    p = np.asarray(p, float)
    order = list(order_desc(p))
    words = [""] * p.size
    if p.size == 1:
        return Construction("fano", p, ["0"], [])
    steps, queue = [], [("", order)]
    while queue:
        prefix, group = queue.pop(0)
        if len(group) == 1:
            words[group[0]] = prefix
            continue
        k = _fano_cut(p[group])
        left, right = group[:k], group[k:]
        steps.append((prefix, tuple(int(s) for s in left), tuple(int(s) for s in right)))
        queue += [(prefix + "0", left), (prefix + "1", right)]
    return Construction("fano", p, words, steps)


def shannon_length(p: float) -> int:
    """⌈−log₂ p⌉, exactly: the smallest L with 2^(−L) ≤ p."""
    q = Fraction(p)
    length = max(0, math.floor(-math.log2(p)) - 1)
    while Fraction(1, 2 ** length) > q:
        length += 1
    return length


def binary_digits(c: Fraction, n: int) -> str:
    """The first n digits of the binary expansion 0.b₁b₂… of 0 ≤ c < 1."""
    out = []
    for _ in range(n):
        c *= 2
        bit = int(c >= 1)
        out.append("01"[bit])
        c -= bit
    return "".join(out)


def shannon(p) -> Construction:
    """Shannon: order by decreasing p, cumulative C_s = Σ_{r before s} p_r, codeword = the
    first ⌈−log₂ p_s⌉ binary digits of C_s. Exact rationals, so rounding cannot break the
    prefix property. Step = (symbol, C_s as float, length, codeword)."""
    p = np.asarray(p, float)
    words = [""] * p.size
    steps, c = [], Fraction(0)
    for s in order_desc(p):
        length = max(1, shannon_length(float(p[s])))   # a lone symbol still needs one bit
        words[s] = binary_digits(c, length)
        steps.append((int(s), float(c), length, words[s]))
        c += Fraction(float(p[s]))
    return Construction("shannon", p, words, steps)


BUILDERS = {"huffman": huffman, "shannon": shannon, "fano": fano}


# ---- partial constructions as node tables ---------------------------------------------
@dataclass
class NodeTable:
    parent: np.ndarray   # (M,) int, −1 for a root
    bit: np.ndarray      # (M,) int, branch bit from the parent (−1 for a root)
    prob: np.ndarray     # (M,) float
    symbol: np.ndarray   # (M,) int, the symbol of a finished leaf, −1 otherwise
    members: np.ndarray  # (M, N) bool, the source symbols below the node
    depth: np.ndarray    # (M,) int

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_node_{k}": getattr(self, k).copy()
                for k in ("parent", "bit", "prob", "symbol", "members", "depth")}


def _table(rows, n) -> NodeTable:
    members = np.zeros((len(rows), n), dtype=bool)
    for i, r in enumerate(rows):
        members[i, list(r["members"])] = True
    return NodeTable(np.array([r["parent"] for r in rows], dtype=np.int64),
                     np.array([r["bit"] for r in rows], dtype=np.int64),
                     np.array([r["prob"] for r in rows], dtype=float),
                     np.array([r["symbol"] for r in rows], dtype=np.int64),
                     members, np.array([r["depth"] for r in rows], dtype=np.int64))


def nodes_huffman(con: Construction, k: int) -> NodeTable:
    """The forest after k merges: leaves 0…N−1, then one node per merge."""
    p, n = con.probs, con.probs.size
    rows = [dict(parent=-1, bit=-1, prob=float(p[s]), symbol=s, members={s}, depth=0)
            for s in range(n)]
    for a, b, new in con.steps[:k]:
        rows.append(dict(parent=-1, bit=-1, prob=rows[a]["prob"] + rows[b]["prob"], symbol=-1,
                         members=rows[a]["members"] | rows[b]["members"], depth=0))
        rows[a].update(parent=new, bit=0)
        rows[b].update(parent=new, bit=1)
    for i in range(len(rows) - 1, -1, -1):      # parents come after their children
        if rows[i]["parent"] >= 0:
            rows[i]["depth"] = rows[rows[i]["parent"]]["depth"] + 1
    return _table(rows, n)


def _trie(groups: list[tuple[str, tuple, int]], p: np.ndarray, with_root: bool) -> NodeTable:
    """Node table of the prefixes of the given (codeword, members, symbol) entries."""
    n = p.size
    index: dict[str, int] = {}
    rows: list[dict] = []

    def node(prefix: str) -> int:
        if prefix in index:
            return index[prefix]
        parent = node(prefix[:-1]) if prefix else -1
        index[prefix] = len(rows)
        rows.append(dict(parent=parent, bit=int(prefix[-1]) if prefix else -1, prob=0.0,
                         symbol=-1, members=set(), depth=len(prefix)))
        return index[prefix]

    if with_root:
        node("")
    for word, members, symbol in groups:
        i = node(word)
        rows[i]["symbol"] = symbol
        for j in range(len(word) + 1):
            r = rows[index[word[:j]]]
            r["members"] |= set(members)
    for r in rows:
        r["prob"] = float(p[list(r["members"])].sum()) if r["members"] else 0.0
    return _table(rows, n)


def nodes_fano(con: Construction, k: int) -> NodeTable:
    """The split tree after k splits; unsplit groups are leaves with several members."""
    p = con.probs
    groups = {"": tuple(int(s) for s in order_desc(p))}
    for prefix, left, right in con.steps[:k]:
        del groups[prefix]
        groups[prefix + "0"], groups[prefix + "1"] = left, right
    entries = [(w, m, m[0] if len(m) == 1 else -1) for w, m in groups.items()]
    return _trie(entries, p, with_root=True)


def nodes_shannon(con: Construction, k: int) -> NodeTable:
    """The trie of the first k Shannon codewords (it need not be full: Kraft < 1)."""
    entries = [(word, (s,), s) for s, _, _, word in con.steps[:k]]
    return _trie(entries, con.probs, with_root=True)


NODE_TABLES = {"huffman": nodes_huffman, "shannon": nodes_shannon, "fano": nodes_fano}


def partial_codewords(con: Construction, k: int) -> list[str]:
    """Codeword of every symbol as far as the first k steps fix it ('' = not yet)."""
    n = con.probs.size
    if k >= con.n_steps:
        return list(con.codewords)
    if con.name == "shannon":
        words = [""] * n
        for s, _, _, word in con.steps[:k]:
            words[s] = word
        return words
    if con.name == "fano":
        words = [""] * n
        for prefix, left, right in con.steps[:k]:
            for s in left:
                words[s] = prefix + "0"
            for s in right:
                words[s] = prefix + "1"
        return words
    # Huffman assigns bits from the leaves upward: the suffix known so far
    words = [""] * n
    for a, b, new in con.steps[:k]:
        for child, bit in ((a, "0"), (b, "1")):
            for s in _leaves(con, child, k):
                words[s] = bit + words[s]
    return words


def _leaves(con: Construction, node: int, k: int) -> list[int]:
    n = con.probs.size
    if node < n:
        return [node]
    a, b, _ = con.steps[node - n]
    return _leaves(con, a, k) + _leaves(con, b, k)


# ---- encoding and decoding ------------------------------------------------------------
def encode(symbols, codewords) -> str:
    return "".join(codewords[int(s)] for s in symbols)


def decode(bits: str, codewords) -> list[int]:
    """Read a bit stream back with a prefix code: collect bits until they form a codeword."""
    table = {w: s for s, w in enumerate(codewords)}
    out, word = [], ""
    for b in bits:
        word += b
        if word in table:
            out.append(table[word])
            word = ""
    if word:
        raise ValueError("the bit stream ends inside a codeword")
    return out


def canonical_code(lengths) -> list[str]:
    """A prefix code with the given lengths (exists iff Kraft's sum ≤ 1)."""
    lengths = [int(n) for n in lengths]
    if kraft_sum(lengths) > 1 + 1e-12:
        raise ValueError("Kraft's sum exceeds 1: no prefix code has these lengths")
    words = [""] * len(lengths)
    code, prev = 0, 0
    for s in sorted(range(len(lengths)), key=lambda s: (lengths[s], s)):
        code <<= lengths[s] - prev
        words[s] = format(code, f"0{lengths[s]}b") if lengths[s] else ""
        code += 1
        prev = lengths[s]
    return words


def best_prefix_code_length(p, max_len: int | None = None) -> float:
    """min ⟨L⟩ over all prefix codes, by exhaustive search over length vectors.

    Every prefix code's lengths obey Kraft's inequality and every vector that obeys it
    has a prefix code (canonical_code), so the minimum over those vectors is the minimum
    over prefix codes. Small alphabets only (N ≤ 7)."""
    p = np.asarray(p, float)
    n = p.size
    if n == 1:
        return float(p[0])
    max_len = max_len or n - 1
    best = math.inf
    for lengths in itertools.product(range(1, max_len + 1), repeat=n):
        if sum(2.0 ** -x for x in lengths) <= 1 + 1e-12:
            best = min(best, float(np.dot(p, lengths)))
    return best


# ---- fast Huffman lengths for many symbols -----------------------------------------------
def huffman_lengths(p) -> np.ndarray:
    """Huffman codeword lengths in O(N log N): sort once, then the two-queue method (the
    merged weights come out in non-decreasing order, so no heap is needed)."""
    p = np.asarray(p, float)
    n = p.size
    if n == 1:
        return np.ones(1, dtype=np.int64)
    order = np.argsort(p, kind="stable")
    leaf = p[order].tolist()
    weight = [0.0] * (n - 1)
    parent = [0] * (2 * n - 1)        # 0…n−1 sorted leaves, n… internal nodes
    i = j = 0                          # next leaf, next internal node
    for m in range(n - 1):
        picks = []
        for _ in range(2):
            if i < n and (j >= m or leaf[i] <= weight[j]):
                picks.append((leaf[i], i))
                i += 1
            else:
                picks.append((weight[j], n + j))
                j += 1
        weight[m] = picks[0][0] + picks[1][0]
        parent[picks[0][1]] = parent[picks[1][1]] = n + m
    depth = [0] * (2 * n - 1)
    for node in range(2 * n - 3, -1, -1):   # root = 2n−2 has depth 0
        depth[node] = depth[parent[node]] + 1
    lengths = np.empty(n, dtype=np.int64)
    lengths[order] = depth[:n]
    return lengths
