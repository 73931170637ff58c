"""MNIST from its original IDX files, with torchvision's file layout and download mirrors.

The IDX format (http://yann.lecun.com/exdb/mnist/) is tiny: a 4-byte magic number
``0x00 0x00 <type code> <number of dimensions>``, then each dimension's size as a
big-endian uint32, then the values in C order (big-endian). MNIST's images are
``uint8 (N, 28, 28)``, its labels ``uint8 (N,)``.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ...tensor import Tensor
from ..dataset import Dataset

__all__ = ["MIRRORS", "MD5S", "MNIST", "read_idx"]

# Tried in order by MNIST(download=True) (module constants so they can be changed).
MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]

# The files to download and their MD5 checksums (the ones torchvision uses).
MD5S = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

DOWNLOAD_TIMEOUT = 30.0  # seconds per connection attempt, so a dead mirror fails over quickly

_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed, recognised by its content) into a numpy array.

    Raises ``ValueError`` naming the file when the magic number, the type code or the
    size do not match what the header announces (a corrupt or truncated file).
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise ValueError(f"read_idx: {path} is a corrupt or truncated gzip file ({e})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"read_idx: {path} is not an IDX file: it should start with two zero bytes, a type code and "
            f"the number of dimensions, got magic bytes {raw[:4].hex(' ') or '(empty file)'}"
        )
    code, ndim = raw[2], raw[3]
    if code not in _IDX_TYPES:
        raise ValueError(
            f"read_idx: {path} has unknown IDX type code 0x{code:02X} (known: "
            f"{', '.join(f'0x{c:02X}' for c in _IDX_TYPES)})"
        )
    if ndim == 0:
        raise ValueError(f"read_idx: {path} is corrupt: its header announces 0 dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"read_idx: {path} has a truncated header ({len(raw)} bytes, {ndim} dimensions announced)"
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_TYPES[code]
    expected = math.prod(shape) * dtype.itemsize  # Python ints: a corrupt header cannot overflow
    if len(raw) - header != expected:
        raise ValueError(
            f"read_idx: {path} is corrupt or truncated: its header announces shape {shape} of {dtype.name} "
            f"({expected} bytes of data), but the file holds {len(raw) - header} bytes of data"
        )
    arr = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="))  # a native-endian, writable copy


def _md5(path: Path) -> str:
    h = hashlib.md5()  # MD5 is what the published checksums use (integrity, not security)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fetch(url: str, dest: Path, md5: str) -> None:
    """Download ``url`` to ``dest`` if its MD5 matches; ``dest`` only ever appears complete."""
    request = urllib.request.Request(url, headers={"User-Agent": "tinygrad-edu"})
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        h = hashlib.md5()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as resp:
            for block in iter(lambda: resp.read(1 << 20), b""):
                h.update(block)
                out.write(block)
        if h.hexdigest() != md5:
            raise ValueError(f"MD5 checksum mismatch (expected {md5}, got {h.hexdigest()})")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class MNIST(Dataset):
    """The MNIST handwritten digits: 60000 training and 10000 test images of 28x28 pixels.

    Sample ``i`` is ``(image, label)``: ``image`` a float32 Tensor of shape ``(1, 28, 28)``
    with values in ``[0, 1]`` (pixel / 255), ``label`` an ``int`` (0..9); ``transform`` and
    ``target_transform``, when given, are applied to them.

    The four IDX files (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each raw or ``.gz``) are looked
    for in ``root``, ``root/MNIST/raw`` (torchvision's layout, so an existing torchvision
    download is reused) and ``root/raw``. ``download=True`` fetches missing files into
    ``root/MNIST/raw`` from :data:`MIRRORS`, checking each against :data:`MD5S`.

    ``data`` (uint8, ``(N, 28, 28)``) and ``targets`` (int64, ``(N,)``) hold the whole
    split, as in torchvision; for fast training, ``TensorDataset(mnist.data.float()[:, None]
    / 255, mnist.targets)`` batches without per-sample work.

    The argument order is torchvision's: ``MNIST(root, train=True, transform=None,
    target_transform=None, download=False)``.
    """

    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Any = None,
        target_transform: Any = None,
        download: bool = False,
    ) -> None:
        self.root = Path(os.path.expanduser(os.fspath(root)))
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        prefix = "train" if train else "t10k"
        names = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
        if download and any(self._find(n) is None for n in names):
            self.download()
        paths = [self._find(n) for n in names]
        if any(p is None for p in paths):
            missing = [n for n, p in zip(names, paths) if p is None]
            looked = "\n  ".join(str(d / f"{n}[.gz]") for n in missing for d in self._search_dirs())
            raise FileNotFoundError(
                f"MNIST: {' and '.join(missing)} not found. Looked for:\n  {looked}\n"
                "Use MNIST(root, download=True) to download them, or put the IDX files in one of these "
                "places."
            )
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        if images.dtype != np.uint8 or images.ndim != 3:
            raise ValueError(
                f"MNIST: {paths[0]} should hold uint8 images of shape (N, rows, cols), "
                f"got {images.dtype} {images.shape}"
            )
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise ValueError(
                f"MNIST: {paths[1]} should hold uint8 labels of shape (N,), got {labels.dtype} {labels.shape}"
            )
        if len(images) != len(labels):
            raise ValueError(
                f"MNIST: {paths[0]} has {len(images)} images but {paths[1]} has {len(labels)} labels"
            )
        if labels.size and labels.max() > 9:
            raise ValueError(f"MNIST: {paths[1]} holds label {labels.max()}, expected digits 0..9")
        self.data = Tensor._make(images, False, None)
        self.targets = Tensor._make(labels.astype(np.int64), False, None)

    def _search_dirs(self) -> list[Path]:
        return [self.root, self.root / "MNIST" / "raw", self.root / "raw"]

    def _find(self, name: str) -> Path | None:
        for d in self._search_dirs():
            for candidate in (d / name, d / f"{name}.gz"):
                if candidate.is_file():
                    return candidate
        return None

    @property
    def raw_folder(self) -> Path:
        """Where ``download()`` puts the files (torchvision's ``root/MNIST/raw``)."""
        return self.root / "MNIST" / "raw"

    def download(self) -> None:
        """Fetch every file of :data:`MD5S` that is not already in ``raw_folder`` with the right MD5.

        Each file is tried on every mirror of :data:`MIRRORS` in turn; a failed connection or
        a checksum mismatch moves on to the next mirror. A file is written under a temporary
        name and renamed once verified, so an interrupted download never leaves a partial file.
        """
        self.raw_folder.mkdir(parents=True, exist_ok=True)
        for filename, md5 in MD5S.items():
            dest = self.raw_folder / filename
            if dest.is_file() and _md5(dest) == md5:
                continue
            errors = []
            for mirror in MIRRORS:
                url = mirror.rstrip("/") + "/" + filename
                print(f"Downloading {url}")
                try:
                    _fetch(url, dest, md5)
                    break
                except (urllib.error.URLError, OSError, ValueError) as e:
                    errors.append(f"{url}: {e}")
            else:
                raise RuntimeError(
                    f"MNIST: could not download {filename} from any mirror:\n  " + "\n  ".join(errors)
                    + f"\nYou can download the files by hand and put them in {self.raw_folder}."
                )

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = self.data.data[index]
        if img.ndim != 2:
            raise TypeError(f"MNIST: index must be an integer, got {type(index).__name__}")
        image: Any = Tensor._make((img.astype(np.float32) / np.float32(255.0))[None], False, None)
        target: Any = int(self.targets.data[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __repr__(self) -> str:
        lines = [
            f"Dataset {type(self).__name__}",
            f"    Number of datapoints: {len(self)}",
            f"    Root location: {self.root}",
            f"    Split: {'Train' if self.train else 'Test'}",
        ]
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"    Target transform: {self.target_transform!r}")
        return "\n".join(lines)
