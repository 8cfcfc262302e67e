"""The bundled text, user files, n-gram models, and arithmetic coding."""
from __future__ import annotations

import hashlib
import math
from collections import Counter

import numpy as np
import pytest

from engines.information.ngram import (ArithmeticEncoder, LetterModel, WordModel,
                                       decode_symbols, encode_symbols, fit_counter, frequencies)
from engines.information.text import (TextFileError, decode_letters, encode_letters,
                                      letter_stream, load_english, load_text_file, to_letters)


def test_bundled_text_is_the_checked_output_of_the_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "make_english_text.py"
    spec = importlib.util.spec_from_file_location("make_english_text", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    text = load_english()
    assert len(text.encode("utf-8")) >= 500_000
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == script.OUTPUT_SHA256
    assert "To be, or not to be" in text


def test_user_files_are_read_or_refused_with_a_clear_message(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("Grüße aus Erlangen, the quick brown fox.\n", encoding="utf-8")
    assert load_text_file(good).startswith("Grüße")
    cases = {"empty.txt": (b"", "is empty"), "blank.txt": (b" \n\t\n", "only white space"),
             "binary.bin": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
             "latin1.txt": ("Grüße".encode("latin-1"), "not UTF-8")}
    for name, (data, words) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(TextFileError, match=words):
            load_text_file(tmp_path / name)
    with pytest.raises(TextFileError, match="no such file"):
        load_text_file(tmp_path / "missing.txt")


def test_user_text_too_short_for_the_models_is_refused(tmp_path):
    from engines.information.configs import TextConfig
    from engines.information.text_models import TextEngine

    path = tmp_path / "short.txt"
    path.write_text("only a few words here", encoding="utf-8")
    with pytest.raises(TextFileError, match="at least"):
        TextEngine(TextConfig(text_path=str(path)))


def test_letters_map_onto_27_symbols():
    assert to_letters("Hello, World!\n42 ways") == "hello world ways "
    codes = encode_letters("ab z ")
    assert codes.tolist() == [1, 2, 0, 26, 0]
    assert decode_letters(codes) == "ab z "


def test_numpy_counts_equal_a_counter_loop():
    x = letter_stream(load_english()[:20000])
    model = LetterModel(x, max_order=4)
    counters = fit_counter(x, 4)
    for m in range(1, 5):
        assert len(counters[m - 1]) == model.keys[m].size
        for key, count in list(counters[m - 1].items())[:200]:
            k = 0
            for c in key:
                k = k * 27 + c
            i = np.searchsorted(model.keys[m], k)
            assert model.counts[m][i] == count


def test_model_distributions_are_normalised():
    x = letter_stream(load_english()[:30000])
    model = LetterModel(x, beta=0.5)
    ctx = np.random.default_rng(0).integers(0, 27, (20, 4))
    for order in range(6):
        assert model.distribution(order, ctx).sum(1) == pytest.approx(np.ones(20))


def markov_source(n, seed=0, alpha=0.3):
    """A 27-symbol source whose next symbol depends on the previous two; its entropy rate
    H = Σ π(a,b) H(P(·|a,b)) from the stationary distribution of the pair chain."""
    rng = np.random.default_rng(seed)
    trans = rng.dirichlet(np.full(27, alpha), size=27 * 27)          # row = 27a + b
    pi = np.full(27 * 27, 1.0 / 729)
    for _ in range(500):                                              # pair chain (a,b)->(b,c)
        new = np.zeros(729)
        for c in range(27):
            np.add.at(new, (np.arange(729) % 27) * 27 + c, pi * trans[:, c])
        pi = new
    rate = float(-(pi[:, None] * trans * np.log2(trans)).sum())
    cum = np.cumsum(trans, 1)
    u = rng.random(n)
    x = np.zeros(n, dtype=np.int64)
    state = 0
    for t in range(n):
        c = min(26, int(np.searchsorted(cum[state], u[t])))
        x[t] = c
        state = (state % 27) * 27 + c
    return x, rate


def test_ngram_cross_entropy_converges_to_the_entropy_rate_of_a_markov_source():
    x, rate = markov_source(420_000)
    test = x[-60_000:]
    gaps = []
    for n in (20_000, 80_000, 360_000):
        model = LetterModel(x[:n], max_order=3, beta=1.0)
        gaps.append(model.bits_per_char(3, test) - rate)
    # the excess over the rate is the estimation overhead ≈ (27 − 1)/(2 n_context ln 2),
    # which falls like 1/n: 18× the data, far less than a tenth of the gap
    assert gaps[0] > gaps[1] > gaps[2] > 0.0
    assert gaps[2] < 0.06 and gaps[2] < gaps[0] / 10
    # lower orders cannot see the dependence and stay well above the rate
    model = LetterModel(x[:360_000], max_order=3)
    assert model.bits_per_char(2, test) > rate + 0.2


def test_arithmetic_coder_round_trip_is_exact_and_near_the_cross_entropy():
    x = letter_stream(load_english()[:80_000])
    model = LetterModel(x[:60_000], max_order=3)
    text = x[60_000:66_000].astype(np.int64)
    ctx = np.stack([np.r_[np.zeros(2 - j, np.int64), text[:text.size - 2 + j]]
                    for j in range(2)], axis=1)
    p = model.distribution(3, ctx)
    freqs = frequencies(p)
    assert (freqs >= 1).all() and (freqs.sum(1) == 1 << 16).all()
    bits = encode_symbols(freqs, text).finish()
    decoded = decode_symbols(bits, text.size, lambda done: freqs[len(done)])
    assert decoded == text.tolist()
    rows = np.arange(text.size)
    ideal_model = -np.log2(p[rows, text]).sum()
    ideal_table = -np.log2(freqs[rows, text] / 2.0 ** 16).sum()   # what the coder sees
    assert abs(len(bits) - ideal_table) < 0.002 * ideal_table + 16
    assert abs(ideal_table - ideal_model) < 0.01 * ideal_model


def test_arithmetic_coder_round_trip_of_random_symbols_and_a_split_encoder():
    rng = np.random.default_rng(3)
    for k, n in ((2, 500), (5, 2000), (27, 3000)):
        p = rng.dirichlet(np.ones(k) * 0.3, size=n)
        syms = np.array([rng.choice(k, p=row) for row in p])
        freqs = frequencies(p)
        whole = encode_symbols(freqs, syms).finish()
        enc = encode_symbols(freqs[: n // 2], syms[: n // 2])
        saved = enc.state_dict()
        enc2 = ArithmeticEncoder()
        enc2.load_state_dict(saved)
        assert encode_symbols(freqs[n // 2:], syms[n // 2:], enc2).finish() == whole
        assert decode_symbols(whole, n, lambda done: freqs[len(done)]) == syms.tolist()


def test_word_models_are_finite_and_word_pairs_fit_better_on_training_text():
    x = letter_stream(load_english()[:200_000])
    words = decode_letters(x).split()
    model = WordModel(words, LetterModel(x, max_order=1), beta=10.0)
    held = ["the", "king", "zqxj", "is", "dead"]
    assert math.isfinite(model.bits_per_char(1, held)) and math.isfinite(
        model.bits_per_char(2, held))
    assert model.bits_per_char(2, words[:5000]) < model.bits_per_char(1, words[:5000])
    counts = Counter(words)
    assert model.counts[model.index["the"]] == counts["the"]


def test_text_engine_orders_improve_and_beat_uniform(tmp_path):
    from engines.information.configs import TextConfig
    from engines.information.text_models import TextEngine
    from tests.engines.nn_helpers import run_to_end

    path = tmp_path / "plays.txt"
    path.write_text(load_english()[:300_000], encoding="utf-8")
    engine = TextEngine(TextConfig(steps=30, chars_per_step=10, text_path=str(path)))
    snap = run_to_end(engine)[-1]
    m = snap.metrics
    assert m["bpc_0"] == pytest.approx(math.log2(27))
    assert m["bpc_0"] > m["bpc_1"] > m["bpc_2"] > m["bpc_3"]
    assert m["bits_per_char"] == m["bpc_3"]
    # the real coder's output is within a few bytes of the cross-entropy of what it coded
    assert abs(m["coder_bits_per_char"] - m["coder_ideal_bits_per_char"]) < 0.01
    for k in ("0", "3", "word2"):
        sample = bytes(snap.arrays[f"sample_{k}"]).decode("ascii")
        assert len(sample) >= 100 and set(sample) <= set(" abcdefghijklmnopqrstuvwxyz")


def test_low_temperature_makes_samples_more_predictable(tmp_path):
    from engines.information.configs import TextConfig
    from engines.information.text_models import TextEngine
    from tests.engines.nn_helpers import run_to_end

    path = tmp_path / "plays.txt"
    path.write_text(load_english()[:100_000], encoding="utf-8")
    distinct = {}
    for t in (0.2, 2.0):
        snap = run_to_end(TextEngine(TextConfig(steps=20, chars_per_step=20, temperature=t,
                                                text_path=str(path))))[-1]
        sample = bytes(snap.arrays["sample_2"]).decode()
        distinct[t] = len(set(sample[i:i + 3] for i in range(len(sample) - 2)))
    assert distinct[0.2] < distinct[2.0]
