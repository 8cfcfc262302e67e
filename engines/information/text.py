"""The bundled English text and the user's own text files, plus Shannon's 27-letter alphabet.

:func:`load_english` returns the public-domain text shipped in
``resources/data/shakespeare_plays.txt.xz`` (ten plays by Shakespeare, see PROVENANCE.md);
the architectures panel's character model reads it from here too. :func:`load_text_file`
reads any UTF-8 text file and refuses binary, empty or non-UTF-8 files with a message a
user can act on. :func:`to_letters` maps a text onto a–z plus space, the alphabet of
Shannon's approximations of English (log₂ 27 ≈ 4.75 bits per character).
"""
from __future__ import annotations

import lzma
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA_FILE = Path(__file__).resolve().parents[2] / "resources" / "data" / "shakespeare_plays.txt.xz"
ALPHABET = " abcdefghijklmnopqrstuvwxyz"   # index 0 is the space
#: Files larger than this are refused (the models are fitted in memory).
MAX_BYTES = 64 * 1024 * 1024


class TextFileError(ValueError):
    """A file that cannot be used as text; the message is meant for the user."""


@lru_cache(maxsize=1)
def load_english() -> str:
    """The bundled English text (about 1.26 MB of UTF-8, ten plays by Shakespeare)."""
    return lzma.decompress(DATA_FILE.read_bytes()).decode("utf-8")


def load_text_file(path: str | Path) -> str:
    """Read a user's UTF-8 text file; TextFileError with a clear message otherwise."""
    path = Path(path)
    if not path.is_file():
        raise TextFileError(f"{path.name}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise TextFileError(f"{path.name} is empty: choose a file that contains text")
    if size > MAX_BYTES:
        raise TextFileError(f"{path.name} is {size / 2**20:.0f} MiB; at most "
                            f"{MAX_BYTES // 2**20} MiB of text can be used")
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise TextFileError(f"{path.name} looks like a binary file (it contains NUL bytes), "
                            f"not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TextFileError(f"{path.name} is not UTF-8 text (undecodable byte at position "
                            f"{err.start}); save it as UTF-8 and try again") from None
    if not text.strip():
        raise TextFileError(f"{path.name} contains only white space")
    return text


def to_letters(text: str) -> str:
    """Lower-case letters a–z and single spaces: every other run of characters (digits,
    punctuation, line breaks) becomes one space, as in Shannon's 27-symbol English."""
    low = text.lower()
    low = re.sub(r"[^a-z]+", " ", low)
    return low.strip() + " "


def encode_letters(text: str) -> np.ndarray:
    """A to_letters() string as uint8 indices into ALPHABET (space = 0, a = 1, …)."""
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    codes = raw.astype(np.int64) - (ord("a") - 1)
    codes[raw == ord(" ")] = 0
    if codes.min(initial=0) < 0 or codes.max(initial=0) > 26:
        raise ValueError("encode_letters needs a to_letters() string")
    return codes.astype(np.uint8)


_ASCII = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)


def decode_letters(codes) -> str:
    """Indices into ALPHABET back to a string."""
    return _ASCII[np.asarray(codes, dtype=np.int64)].tobytes().decode("ascii")


def letter_stream(text: str | None = None) -> np.ndarray:
    """The text (default: the bundled one) as 27-letter indices, ready for the n-grams."""
    if text is None:
        return _english_codes()
    letters = to_letters(text)
    if len(letters.strip()) == 0:
        raise TextFileError("the text contains no letters a–z")
    return encode_letters(letters)


@lru_cache(maxsize=1)
def _english_codes() -> np.ndarray:
    codes = encode_letters(to_letters(load_english()))
    codes.setflags(write=False)
    return codes
