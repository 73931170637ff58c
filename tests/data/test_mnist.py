"""MNIST: IDX parsing, file layouts, transforms, and downloading from a local HTTP server."""

import functools
import gzip
import hashlib
import http.server
import os
import socket
import struct
import threading

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.data import DataLoader
from tinygrad_edu.data.datasets import MNIST, mnist, read_idx

TRAIN_N, TEST_N = 10, 6
NAMES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}
IDX_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def idx_bytes(arr):
    """The IDX encoding, written out from the format description (independent of read_idx)."""
    arr = np.asarray(arr)
    code = IDX_CODES[arr.dtype.str[1:]]
    header = struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write_idx(path, arr, gz=False):
    data = idx_bytes(arr)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.fixture(scope="module")
def arrays():
    rng = np.random.default_rng(0)
    return {
        ("train", "images"): rng.integers(0, 256, (TRAIN_N, 28, 28), dtype=np.uint8),
        ("train", "labels"): rng.permutation(TRAIN_N).astype(np.uint8) % 10,
        ("test", "images"): rng.integers(0, 256, (TEST_N, 28, 28), dtype=np.uint8),
        ("test", "labels"): np.arange(TEST_N, dtype=np.uint8)[::-1].copy(),
    }


def write_split(directory, arrays, split, gz=False):
    for kind in ("images", "labels"):
        name = NAMES[(split, kind)] + (".gz" if gz else "")
        write_idx(directory / name, arrays[(split, kind)], gz=gz)


def check_samples(ds, images, labels):
    assert len(ds) == len(labels)
    for i in (0, len(labels) - 1):
        img, label = ds[i]
        assert isinstance(img, Tensor) and img.dtype == np.float32 and img.shape == (1, 28, 28)
        np.testing.assert_allclose(img.numpy()[0], images[i].astype(np.float64) / 255.0, rtol=1e-6)
        assert type(label) is int and label == labels[i]


# ---------------------------------------------------------------- reading
def test_reads_raw_files_from_root(tmp_path, arrays):
    write_split(tmp_path, arrays, "train")
    ds = MNIST(tmp_path, train=True)
    check_samples(ds, arrays[("train", "images")], arrays[("train", "labels")])
    assert ds.data.dtype == np.uint8 and ds.data.shape == (TRAIN_N, 28, 28)
    assert ds.targets.dtype == np.int64
    np.testing.assert_array_equal(ds.targets.numpy(), arrays[("train", "labels")])
    img, _ = ds[-1]
    assert 0.0 <= img.numpy().min() and img.numpy().max() <= 1.0


def test_reads_gz_test_split_from_torchvision_layout(tmp_path, arrays):
    write_split(tmp_path / "MNIST" / "raw", arrays, "test", gz=True)
    ds = MNIST(str(tmp_path), train=False)
    check_samples(ds, arrays[("test", "images")], arrays[("test", "labels")])
    assert "Split: Test" in repr(ds) and f"Number of datapoints: {TEST_N}" in repr(ds)


def test_reads_root_raw_layout(tmp_path, arrays):
    write_split(tmp_path / "raw", arrays, "train", gz=True)
    check_samples(MNIST(tmp_path), arrays[("train", "images")], arrays[("train", "labels")])


def test_transform_and_target_transform_are_applied(tmp_path, arrays):
    write_split(tmp_path, arrays, "train")
    ds = MNIST(tmp_path, transform=lambda x: x.reshape(784) * 2, target_transform=lambda t: t + 100)
    img, label = ds[3]
    np.testing.assert_allclose(img.numpy(), arrays[("train", "images")][3].ravel() / 255.0 * 2, rtol=1e-6)
    assert label == arrays[("train", "labels")][3] + 100


def test_dataloader_batches_mnist(tmp_path, arrays):
    write_split(tmp_path, arrays, "train")
    xb, yb = next(iter(DataLoader(MNIST(tmp_path), batch_size=4)))
    assert xb.shape == (4, 1, 28, 28) and xb.dtype == np.float32
    assert yb.dtype == np.int64
    np.testing.assert_array_equal(yb.numpy(), arrays[("train", "labels")][:4])


def test_missing_files_error_lists_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        MNIST(tmp_path)
    msg = str(info.value)
    for place in (tmp_path, tmp_path / "MNIST" / "raw", tmp_path / "raw"):
        assert str(place / "train-images-idx3-ubyte") in msg
    assert "download=True" in msg


@pytest.mark.parametrize(
    "arr",
    [
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
        np.array([-3, 0, 7], dtype=np.int8),
        np.array([[-300, 2], [3, 32000]], dtype=np.int16),
        np.array([-(2**31), 5], dtype=np.int32),
        np.array([1.5, -2.25], dtype=np.float32),
        np.array([[np.pi]], dtype=np.float64),
    ],
    ids=lambda a: a.dtype.name,
)
def test_read_idx_decodes_every_type_to_native_order(tmp_path, arr):
    for gz in (False, True):
        out = read_idx(write_idx(tmp_path / f"x{gz}", arr, gz=gz))
        assert out.dtype == arr.dtype and out.dtype.isnative and out.flags.writeable
        np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda b: b"\x01" + b[1:], "not an IDX file"),
        (lambda b: b[:2] + b"\x07" + b[3:], "unknown IDX type code 0x07"),
        (lambda b: b[:3] + b"\x00" + b[4:], "0 dimensions"),
        (lambda b: b[:6], "truncated header"),
        (lambda b: b[:-1], "truncated"),
        (lambda b: b + b"\x00", "corrupt"),
        (lambda b: b[:4] + struct.pack(">I", 2**32 - 1) + b[8:], "corrupt or truncated"),
        (lambda b: b"", "empty file"),
    ],
)
def test_read_idx_rejects_corrupt_files_naming_them(tmp_path, damage, message):
    good = idx_bytes(np.zeros((3, 2, 2), dtype=np.uint8))
    path = tmp_path / "bad-idx"
    path.write_bytes(damage(good))
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_rejects_truncated_gzip(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((50, 28, 28), np.uint8)))[:-20])
    with pytest.raises(ValueError, match="corrupt or truncated gzip"):
        read_idx(path)


def test_inconsistent_image_and_label_files_are_rejected(tmp_path, arrays):
    write_idx(tmp_path / NAMES[("train", "images")], arrays[("train", "images")])
    write_idx(tmp_path / NAMES[("train", "labels")], np.zeros(TRAIN_N - 1, np.uint8))
    with pytest.raises(ValueError, match=f"{TRAIN_N} images but .* {TRAIN_N - 1} labels"):
        MNIST(tmp_path)
    write_idx(tmp_path / NAMES[("train", "labels")], np.full(TRAIN_N, 12, np.uint8))
    with pytest.raises(ValueError, match="label 12"):
        MNIST(tmp_path)
    write_idx(tmp_path / NAMES[("train", "images")], np.zeros((TRAIN_N, 784), np.uint8))
    with pytest.raises(ValueError, match="images of shape"):
        MNIST(tmp_path)


# ---------------------------------------------------------------- downloading
class RecordingHandler(http.server.SimpleHTTPRequestHandler):
    requests: list

    def do_GET(self):  # noqa: N802 - http.server's name
        self.requests.append(self.path)
        super().do_GET()

    def log_message(self, format, *args):  # noqa: A002 - keep test output clean
        pass


@pytest.fixture
def server(tmp_path, arrays, monkeypatch):
    """A local HTTP server with a good mirror (/good/), a corrupt one (/bad/), and no files at /empty/."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(mnist, "DOWNLOAD_TIMEOUT", 5.0)
    site = tmp_path / "site"
    md5s = {}
    for (split, kind), name in NAMES.items():
        payload = gzip.compress(idx_bytes(arrays[(split, kind)]), mtime=0)
        (site / "good").mkdir(parents=True, exist_ok=True)
        (site / "bad").mkdir(parents=True, exist_ok=True)
        (site / "empty").mkdir(parents=True, exist_ok=True)
        (site / "good" / f"{name}.gz").write_bytes(payload)
        (site / "bad" / f"{name}.gz").write_bytes(payload[:-1] + bytes([payload[-1] ^ 0xFF]))
        md5s[f"{name}.gz"] = hashlib.md5(payload).hexdigest()
    monkeypatch.setattr(mnist, "MD5S", md5s)
    requests = []
    handler = type("Handler", (RecordingHandler,), {"requests": requests})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{httpd.server_address[1]}", "site": site, "requests": requests}
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def dead_url():
    with socket.socket() as s:  # a port that was free a moment ago: connections are refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_download_falls_back_to_next_mirror_on_checksum_mismatch(
    tmp_path, server, arrays, monkeypatch, capsys
):
    monkeypatch.setattr(mnist, "MIRRORS", [dead_url(), server["url"] + "/bad/", server["url"] + "/good"])
    root = tmp_path / "data"
    ds = MNIST(root, train=True, download=True)
    check_samples(ds, arrays[("train", "images")], arrays[("train", "labels")])
    raw = root / "MNIST" / "raw"
    assert sorted(os.listdir(raw)) == sorted(mnist.MD5S)  # all four files, no partial leftovers
    for name in mnist.MD5S:
        assert (raw / name).read_bytes() == (server["site"] / "good" / name).read_bytes()
    assert f"/bad/{NAMES[('train', 'images')]}.gz" in server["requests"]
    check_samples(MNIST(root, train=False), arrays[("test", "images")], arrays[("test", "labels")])
    assert "Downloading" in capsys.readouterr().out


def test_download_skips_files_already_present(tmp_path, server, monkeypatch):
    monkeypatch.setattr(mnist, "MIRRORS", [server["url"] + "/good/"])
    root = tmp_path / "data"
    MNIST(root, download=True)
    assert len(server["requests"]) == 4
    MNIST(root, download=True)
    MNIST(root, train=False, download=True)
    assert len(server["requests"]) == 4


def test_download_not_needed_when_raw_files_exist(tmp_path, server, arrays, monkeypatch):
    monkeypatch.setattr(mnist, "MIRRORS", [server["url"] + "/good/"])
    write_split(tmp_path, arrays, "train")
    MNIST(tmp_path, download=True)
    assert server["requests"] == []


def test_download_error_when_every_mirror_fails(tmp_path, server, monkeypatch):
    monkeypatch.setattr(mnist, "MIRRORS", [server["url"] + "/empty/", server["url"] + "/bad/"])
    root = tmp_path / "data"
    with pytest.raises(RuntimeError) as info:
        MNIST(root, download=True)
    msg = str(info.value)
    first = next(iter(mnist.MD5S))
    assert f"could not download {first}" in msg
    assert f"{server['url']}/empty/{first}: HTTP Error 404" in msg
    assert f"{server['url']}/bad/{first}: MD5 checksum mismatch" in msg
    assert os.listdir(root / "MNIST" / "raw") == []  # nothing half-written
