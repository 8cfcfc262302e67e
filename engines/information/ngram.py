"""Letter and word n-gram models of a text, their cross-entropy, sampling, and a real
arithmetic coder driven by a model.

Letter model of order k (Shannon's numbering): order 0 is uniform over the 27 symbols,
order 1 uses letter frequencies, order k ≥ 2 the previous k−1 letters as context. The
counts are gathered with numpy: every (k)-gram becomes one integer in base 27 and
``np.unique`` counts them all at once. Each order is smoothed towards the next lower one,

    p_k(c | ctx) = (n(ctx, c) + β · p_{k−1}(c | shorter ctx)) / (n(ctx) + β),

so every symbol keeps a probability > 0 and the cross-entropy on held-out text,
−(1/T) Σ log₂ p(c_t | ctx_t), is finite: it is the number of bits per character an
arithmetic coder driven by the model reaches (up to a few bits for the whole file).
"""
from __future__ import annotations

import numpy as np

K = 27                    # symbols: space + a…z
MAX_ORDER = 5


def _keys(x: np.ndarray, length: int) -> np.ndarray:
    """Integer key (base 27) of every window of ``length`` symbols of x."""
    n = x.size - length + 1
    key = np.zeros(max(n, 0), dtype=np.int64)
    for j in range(length):
        key = key * K + x[j:j + n]
    return key


class LetterModel:
    """Counts of all m-grams, m = 1 … max_order, of a 27-symbol stream."""

    def __init__(self, x: np.ndarray, max_order: int = MAX_ORDER, beta: float = 1.0):
        x = np.asarray(x, dtype=np.int64)
        self.max_order = max_order
        self.beta = float(beta)
        self.keys: list[np.ndarray] = [np.zeros(0, np.int64)]     # keys[m]: m-grams
        self.counts: list[np.ndarray] = [np.array([x.size], np.int64)]
        self.ctx_keys: list[np.ndarray] = [np.zeros(1, np.int64)]  # (m−1)-gram contexts
        self.ctx_counts: list[np.ndarray] = [np.array([x.size], np.int64)]
        for m in range(1, max_order + 1):
            keys, counts = np.unique(_keys(x, m), return_counts=True)
            ctx = keys // K                      # sorted as well
            starts = np.flatnonzero(np.r_[True, ctx[1:] != ctx[:-1]])
            self.keys.append(keys)
            self.counts.append(counts)
            self.ctx_keys.append(ctx[starts])
            self.ctx_counts.append(np.add.reduceat(counts, starts) if starts.size
                                   else np.zeros(0, np.int64))

    @staticmethod
    def _lookup(sorted_keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
        if sorted_keys.size == 0:
            return np.zeros(query.shape, dtype=np.int64)
        i = np.minimum(np.searchsorted(sorted_keys, query), sorted_keys.size - 1)
        return np.where(sorted_keys[i] == query, values[i], 0)

    def prob(self, order: int, context: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        """p_order(next | context) for a batch: context (B, ≥ order−1) of the preceding
        symbols (the last column is the latest), nxt (B,)."""
        nxt = np.asarray(nxt, dtype=np.int64)
        p = np.full(nxt.shape, 1.0 / K)
        context = np.asarray(context, dtype=np.int64).reshape(nxt.size, -1)
        for m in range(1, order + 1):            # m-gram = (m−1) context symbols + next
            ctx = np.zeros(nxt.shape, dtype=np.int64)
            for j in range(m - 1):
                ctx = ctx * K + context[:, context.shape[1] - (m - 1) + j]
            if m == 1:
                n_ctx = np.full(nxt.shape, self.ctx_counts[1][0] if self.ctx_counts[1].size
                                else 0)
            else:
                n_ctx = self._lookup(self.ctx_keys[m], self.ctx_counts[m], ctx)
            n_c = self._lookup(self.keys[m], self.counts[m], ctx * K + nxt)
            p = (n_c + self.beta * p) / (n_ctx + self.beta)
        return p

    def distribution(self, order: int, context: np.ndarray) -> np.ndarray:
        """p_order(· | context) over the 27 symbols, context (B, ≥ order−1) → (B, 27)."""
        context = np.asarray(context, dtype=np.int64)
        if context.ndim == 1:
            context = context[None, :]
        b = context.shape[0]
        rep = np.repeat(context, K, axis=0)
        nxt = np.tile(np.arange(K), b)
        return self.prob(order, rep, nxt).reshape(b, K)

    def bits_per_char(self, order: int, y: np.ndarray) -> float:
        """Cross-entropy on held-out symbols y, from position max_order − 1 on (so every
        order is scored on the same characters)."""
        y = np.asarray(y, dtype=np.int64)
        start = self.max_order - 1
        n = y.size - start
        ctx = np.stack([y[start - j - 1: start - j - 1 + n] for j in range(start)][::-1],
                       axis=1) if start else np.zeros((n, 0), np.int64)
        return float(-np.log2(self.prob(order, ctx, y[start:])).mean())


def fit_counter(x, max_order: int = MAX_ORDER):
    """The same m-gram counts with a plain collections.Counter loop (benchmark, tests)."""
    from collections import Counter

    seq = bytes(np.asarray(x, dtype=np.uint8))
    return [Counter(seq[i:i + m] for i in range(len(seq) - m + 1))
            for m in range(1, max_order + 1)]


def sample_with_temperature(p: np.ndarray, temperature: float, rng) -> int:
    """One draw from p^(1/T), renormalised (in log space, so small T cannot underflow)."""
    logp = np.log(np.maximum(p, 1e-300)) / temperature
    w = np.exp(logp - logp.max())
    return int(rng.choice(w.size, p=w / w.sum()))


# ---- word models -------------------------------------------------------------------------
class WordModel:
    """Word frequencies (order 1) and word pairs (order 2) of a to_letters() text.

    An unseen word is spelled out by the letter-frequency model (its letters, then the
    space), so p(word) > 0 for every word and the bits per character are finite:
        p₁(w) = (n(w) + β_w · p_spell(w)) / (N + β_w),
        p₂(w | v) = (n(v, w) + β_w · p₁(w)) / (n(v) + β_w).
    """

    def __init__(self, words: list[str], letters: LetterModel, beta: float = 10.0):
        self.letters = letters
        self.beta = float(beta)
        self.vocab, ids = np.unique(np.array(words, dtype=object).astype(str),
                                    return_inverse=True)
        self.index = {w: i for i, w in enumerate(self.vocab.tolist())}
        v = len(self.vocab)
        self.n_words = len(words)
        self.counts = np.bincount(ids, minlength=v)
        pair = ids[:-1].astype(np.int64) * v + ids[1:]
        self.pair_keys, self.pair_counts = np.unique(pair, return_counts=True)
        self.ids = ids
        self.unigram = self.counts / self.counts.sum()
        self.spell_vocab = self.spell_many(self.vocab.tolist())

    def spell_many(self, words: list[str]) -> np.ndarray:
        """p(word + space) under the letter-frequency (order-1) model, for many words."""
        from engines.information.text import encode_letters

        if not words:
            return np.zeros(0)
        lp = np.log2(self.letters.distribution(1, np.zeros((1, 0)))[0])
        codes = encode_letters(" ".join(words) + " ").astype(np.int64)
        ends = np.flatnonzero(codes == 0)                 # the space closing each word
        starts = np.r_[0, ends[:-1] + 1]
        return np.exp2(np.add.reduceat(lp[codes], starts))

    def _ids(self, words: list[str]) -> np.ndarray:
        return np.array([self.index.get(w, -1) for w in words], dtype=np.int64)

    def p1_many(self, words: list[str]) -> np.ndarray:
        ids = self._ids(words)
        seen = ids >= 0
        n = np.where(seen, self.counts[np.maximum(ids, 0)], 0)
        spell = np.where(seen, self.spell_vocab[np.maximum(ids, 0)], 0.0)
        if (~seen).any():
            spell[~seen] = self.spell_many([w for w, s in zip(words, seen) if not s])
        return (n + self.beta * spell) / (self.n_words + self.beta)

    def p2_many(self, words: list[str]) -> np.ndarray:
        """p₂(w_t | w_{t−1}) for t ≥ 1 and p₁(w_0) for the first word."""
        p1 = self.p1_many(words)
        ids = self._ids(words)
        prev, cur = ids[:-1], ids[1:]
        both = (prev >= 0) & (cur >= 0)
        key = np.where(both, prev * len(self.vocab) + cur, -1)
        i = np.minimum(np.searchsorted(self.pair_keys, key), self.pair_keys.size - 1)
        n_pair = np.where(both & (self.pair_keys[i] == key), self.pair_counts[i], 0)
        n_prev = np.where(prev >= 0, self.counts[np.maximum(prev, 0)], 0)
        p = p1.copy()
        p[1:] = (n_pair + self.beta * p1[1:]) / (n_prev + self.beta)
        return p

    def _row(self, prev: int) -> tuple[np.ndarray, np.ndarray]:
        v = len(self.vocab)
        lo, hi = np.searchsorted(self.pair_keys, [prev * v, (prev + 1) * v])
        return self.pair_keys[lo:hi] - prev * v, self.pair_counts[lo:hi]

    def bits_per_char(self, order: int, words: list[str]) -> float:
        p = self.p1_many(words) if order == 1 else self.p2_many(words)
        chars = sum(len(w) + 1 for w in words)
        return float(-np.log2(p).sum() / chars)

    def sample(self, order: int, prev: int, temperature: float, rng) -> int:
        """The id of the next word (seen words only) drawn at the given temperature."""
        if order == 1 or prev < 0:
            return sample_with_temperature(self.unigram, temperature, rng)
        cols, counts = self._row(prev)
        p = self.beta * self.unigram.copy()
        p[cols] += counts
        return sample_with_temperature(p / p.sum(), temperature, rng)


# ---- arithmetic coding -------------------------------------------------------------------
PRECISION = 32
FULL = (1 << PRECISION) - 1
HALF = 1 << (PRECISION - 1)
QUARTER = 1 << (PRECISION - 2)
FREQ_TOTAL = 1 << 16


def frequencies(p: np.ndarray) -> np.ndarray:
    """Integer frequencies ≥ 1 summing to FREQ_TOTAL, from probabilities (rows)."""
    p = np.atleast_2d(p)
    f = np.maximum(1, np.floor(p * (FREQ_TOTAL - p.shape[1])).astype(np.int64))
    f[np.arange(f.shape[0]), f.argmax(1)] += FREQ_TOTAL - f.sum(1)
    return f


class ArithmeticEncoder:
    """Integer arithmetic coder (Witten, Neal & Cleary): the interval [low, high] narrows
    by each symbol's share of the frequency table; settled leading bits are emitted."""

    def __init__(self):
        self.low, self.high, self.pending = 0, FULL, 0
        self.bits: list[int] = []

    def _emit(self, bit: int) -> None:
        self.bits.append(bit)
        self.bits.extend([1 - bit] * self.pending)
        self.pending = 0

    def encode(self, cum_lo: int, cum_hi: int, total: int) -> None:
        span = self.high - self.low + 1
        self.high = self.low + span * cum_hi // total - 1
        self.low = self.low + span * cum_lo // total
        while True:
            if self.high < HALF:
                self._emit(0)
            elif self.low >= HALF:
                self._emit(1)
                self.low -= HALF
                self.high -= HALF
            elif self.low >= QUARTER and self.high < HALF + QUARTER:
                self.pending += 1
                self.low -= QUARTER
                self.high -= QUARTER
            else:
                break
            self.low = 2 * self.low
            self.high = 2 * self.high + 1

    def finish(self) -> list[int]:
        """The complete bit stream (two more bits pin the final interval)."""
        bits, pending = list(self.bits), self.pending + 1
        bit = 0 if self.low < QUARTER else 1
        bits.append(bit)
        bits.extend([1 - bit] * pending)
        return bits

    def state_dict(self) -> dict:
        packed = np.packbits(np.array(self.bits, dtype=np.uint8)).tobytes().hex()
        return {"low": self.low, "high": self.high, "pending": self.pending,
                "bits": packed, "n_bits": len(self.bits)}

    def load_state_dict(self, state: dict) -> None:
        self.low, self.high, self.pending = int(state["low"]), int(state["high"]), int(
            state["pending"])
        raw = np.frombuffer(bytes.fromhex(state["bits"]), dtype=np.uint8)
        self.bits = np.unpackbits(raw)[:int(state["n_bits"])].tolist()


def encode_symbols(freqs: np.ndarray, symbols, encoder: ArithmeticEncoder | None = None):
    """Encode symbols with per-symbol frequency rows freqs (T, K); returns the encoder."""
    enc = encoder or ArithmeticEncoder()
    cum = np.concatenate([np.zeros((freqs.shape[0], 1), np.int64), np.cumsum(freqs, 1)], 1)
    for t, s in enumerate(symbols):
        enc.encode(int(cum[t, s]), int(cum[t, s + 1]), FREQ_TOTAL)
    return enc


def decode_symbols(bits: list[int], n: int, freq_fn) -> list[int]:
    """Decode n symbols; freq_fn(decoded so far) gives the next frequency row (K,)."""
    low, high, value, pos = 0, FULL, 0, 0
    for _ in range(PRECISION):
        value = 2 * value + (bits[pos] if pos < len(bits) else 0)
        pos += 1
    out: list[int] = []
    for _ in range(n):
        freq = np.asarray(freq_fn(out), dtype=np.int64)
        cum = np.concatenate([[0], np.cumsum(freq)])
        span = high - low + 1
        target = ((value - low + 1) * FREQ_TOTAL - 1) // span
        s = int(np.searchsorted(cum, target, side="right") - 1)
        out.append(s)
        high = low + span * int(cum[s + 1]) // FREQ_TOTAL - 1
        low = low + span * int(cum[s]) // FREQ_TOTAL
        while True:
            if high < HALF:
                pass
            elif low >= HALF:
                low -= HALF
                high -= HALF
                value -= HALF
            elif low >= QUARTER and high < HALF + QUARTER:
                low -= QUARTER
                high -= QUARTER
                value -= QUARTER
            else:
                break
            low, high = 2 * low, 2 * high + 1
            value = 2 * value + (bits[pos] if pos < len(bits) else 0)
            pos += 1
    return out
