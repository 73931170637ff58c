"""``tg.save`` / ``tg.load``: checkpoints that never unpickle code.

``torch.save`` uses pickle, and loading a pickle can run arbitrary code. Here a checkpoint
is a plain ``.npz`` archive (numpy's zip of ``.npy`` arrays):

* every Tensor / numpy array of ``obj`` is one entry (``t0``, ``t1``, ...);
* the structure around them (dicts, lists, tuples, numbers, strings, ``None``) is a
  JSON document stored as one more entry, ``__tinygrad_edu__``, that refers to the arrays
  by name.

Loading reads that JSON and the arrays with ``allow_pickle=False``, so a file can at worst
be rejected, never execute anything. Example::

    tg.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3}, "ckpt.pt")
    ckpt = tg.load("ckpt.pt")
    model.load_state_dict(ckpt["model"])

What is kept: dict key order and ``OrderedDict``, the difference between lists and tuples,
dtypes and shapes (also 0-d), ``requires_grad`` and ``nn.Parameter``, and identity: a
tensor that appears twice in ``obj`` is saved once and loads as one object. Namedtuples
load as plain tuples.
"""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import zipfile
import zlib
from collections import OrderedDict
from typing import IO, Any

import numpy as np

from .tensor import Tensor

__all__ = ["load", "save"]

_FORMAT = "tinygrad_edu"
_VERSION = 1
_STRUCTURE = "__tinygrad_edu__"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_MAGIC = b"\x93NUMPY"
# what numpy / zipfile raise on damaged archives
_READ_ERRORS = (
    zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, NotImplementedError, struct.error,
    zlib.error, RuntimeError,  # zipfile: "File ... is encrypted", "That compression method is not supported"
)


# ------------------------------------------------------------------ save
class _Encoder:
    """Turns ``obj`` into a JSON-able tree, collecting the arrays on the side."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._seen: dict[int, str] = {}  # id(tensor or array) -> entry name, to keep sharing
        self._active: set[int] = set()  # containers being encoded, to detect cycles

    def _entry(self, obj: Any, arr: np.ndarray) -> str:
        key = self._seen.get(id(obj))
        if key is None:
            key = f"t{len(self.arrays)}"
            self.arrays[key] = arr
            self._seen[id(obj)] = key
        return key

    def encode(self, obj: Any, where: str) -> Any:
        if isinstance(obj, Tensor):
            from .nn.parameter import Parameter

            node: dict[str, Any] = {"$tensor": self._entry(obj, obj.data)}
            if obj.requires_grad:
                node["requires_grad"] = True
            if isinstance(obj, Parameter):
                node["parameter"] = True
            return node
        if isinstance(obj, np.ndarray | np.generic):
            if obj.dtype.kind == "O":
                raise TypeError(
                    f"save: {where} is a numpy array of Python objects, which can only be pickled"
                )
            kind = "$ndarray" if isinstance(obj, np.ndarray) else "$scalar"
            return {kind: self._entry(obj, np.asarray(obj))}
        # after numpy: np.float64 is a subclass of float, and must come back as np.float64
        if obj is None or isinstance(obj, bool):
            return obj
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, int | float):
            return int(obj) if isinstance(obj, int) else float(obj)  # plain int/float for enums etc.
        if isinstance(obj, dict | list | tuple):
            if id(obj) in self._active:
                raise ValueError(f"save: {where} contains itself (a reference cycle), which cannot be saved")
            self._active.add(id(obj))
            try:
                if isinstance(obj, dict):
                    items = [
                        [self.encode_key(k, where), self.encode(v, f"{where}[{k!r}]")] for k, v in obj.items()
                    ]
                    node = {"$dict": items}
                    if isinstance(obj, OrderedDict):
                        node["ordered"] = True
                    return node
                tag = "$list" if isinstance(obj, list) else "$tuple"
                return {tag: [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
            finally:
                self._active.discard(id(obj))
        raise TypeError(
            f"save: cannot store {where} of type {type(obj).__name__}; supported are Tensors, numpy arrays, "
            "numbers, strings, bools, None and dicts / lists / tuples of them"
        )

    def encode_key(self, key: Any, where: str) -> Any:
        if key is None or isinstance(key, bool | int | float | str):
            return self.encode(key, where)
        if isinstance(key, tuple):
            return {"$tuple": [self.encode_key(k, where) for k in key]}
        raise TypeError(
            f"save: {where} has a key of type {type(key).__name__}; dict keys must be strings, numbers, "
            "bools, None or tuples of them"
        )


def _write_npz(f: IO[bytes], arrays: dict[str, np.ndarray]) -> None:
    np.savez(f, **arrays)


def _new_file_mode(path: str) -> int:
    """Permissions the file would get from a plain ``open``: mkstemp's are owner-only."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def save(obj: Any, f: str | os.PathLike | IO[bytes]) -> None:
    """Write ``obj`` (nested dicts / lists / tuples of Tensors, numpy arrays, numbers,
    strings, bools and ``None``, e.g. a ``state_dict()``) to ``f``.

    ``f`` is a path, used exactly as given (no suffix is added, so ``"model.pt"`` works),
    or a binary file object. A path is written atomically: to a temporary file in the
    same directory, renamed over ``f`` only when complete, so a crash mid-save leaves an
    existing checkpoint intact.
    """
    enc = _Encoder()
    root = enc.encode(obj, "obj")
    header = json.dumps({"format": _FORMAT, "version": _VERSION, "root": root})
    arrays = dict(enc.arrays)
    arrays[_STRUCTURE] = np.frombuffer(header.encode("utf-8"), dtype=np.uint8)
    if hasattr(f, "write"):
        try:
            _write_npz(f, arrays)
        except io.UnsupportedOperation as e:  # e.g. a file opened for reading
            raise io.UnsupportedOperation(
                f"save: cannot write to the file object {_name_of(f)}: {e}"
            ) from None
        return
    path = _path_of(f, "save")
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: cannot write {path}: it is a directory; give a file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: cannot write {path}: directory {directory} does not exist")
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_npz(fh, arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ------------------------------------------------------------------ load
class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], name: str) -> None:
        self.arrays = arrays
        self.name = name
        self._made: dict[str, Any] = {}  # entry name -> object, so shared tensors stay shared

    def bad(self, what: str) -> RuntimeError:
        return RuntimeError(f"load: {self.name} is corrupt: {what}")

    def array(self, key: Any) -> np.ndarray:
        if not isinstance(key, str) or key not in self.arrays:
            raise self.bad(f"the structure refers to a missing array entry {key!r}")
        return self.arrays[key]

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if not isinstance(node, dict) or len(node) == 0:
            raise self.bad(f"unexpected element {node!r} in the structure")
        if "$tensor" in node:
            key = node["$tensor"]
            if key not in self._made:
                arr = self.array(key)
                if arr.dtype.kind not in "fiub":
                    raise self.bad(f"tensor entry {key!r} has dtype {arr.dtype}, which a Tensor cannot hold")
                if node.get("parameter"):
                    from .nn.parameter import Parameter

                    grad = bool(node.get("requires_grad"))
                    t: Tensor = Parameter(Tensor._make(arr, False, None), requires_grad=grad)
                else:
                    t = Tensor._make(arr, False, None)
                    if node.get("requires_grad"):
                        t.requires_grad_(True)
                self._made[key] = t
            return self._made[key]
        if "$ndarray" in node or "$scalar" in node:
            key = node.get("$ndarray", node.get("$scalar"))
            if key not in self._made:
                arr = self.array(key)
                self._made[key] = arr if "$ndarray" in node else arr.reshape(())[()]
            return self._made[key]
        if "$list" in node or "$tuple" in node:
            items = node.get("$list", node.get("$tuple"))
            if not isinstance(items, list):
                raise self.bad("a list/tuple node does not hold a list")
            values = [self.decode(v) for v in items]
            return values if "$list" in node else tuple(values)
        if "$dict" in node:
            items = node["$dict"]
            if not isinstance(items, list) or not all(isinstance(kv, list) and len(kv) == 2 for kv in items):
                raise self.bad("a dict node does not hold [key, value] pairs")
            out: dict = OrderedDict() if node.get("ordered") else {}
            for k, v in items:
                key = self.decode(k)
                try:
                    out[key] = self.decode(v)
                except TypeError:  # an unhashable key can only come from a damaged file
                    raise self.bad(f"unhashable dict key {k!r}") from None
            return out
        raise self.bad(f"unknown element {sorted(node)!r} in the structure")


def _path_of(f: Any, op: str) -> str:
    if not isinstance(f, str | bytes | os.PathLike):
        raise TypeError(f"{op}: f must be a file path or a binary file object, got {type(f).__name__}")
    return os.fsdecode(f)


def _name_of(f: Any) -> str:
    if isinstance(f, str | os.PathLike):
        return repr(os.fspath(f))
    return repr(getattr(f, "name", f"<{type(f).__name__}>"))


def load(f: str | os.PathLike | IO[bytes], map_location: Any = None, weights_only: Any = None) -> Any:
    """Read an object written by :func:`save`; tensors come back as Tensors.

    ``map_location`` and ``weights_only`` are accepted so ``torch.load(path,
    map_location="cpu")`` ports unchanged; everything lives on the CPU, and loading is
    always "weights only" (nothing is ever unpickled).

    Raises ``RuntimeError`` naming the file when it is not a tinygrad_edu checkpoint (a
    pickle, a ``torch.save`` file, a plain ``.npz``...) or is corrupt or truncated.
    """
    name = _name_of(f)
    if hasattr(f, "read"):
        data = f.read()
    else:
        path = _path_of(f, "load")
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as e:
            raise type(e)(e.errno, f"load: cannot read {path}: {e.strerror}") from None
    if not data:
        raise RuntimeError(f"load: {name} is empty, not a tinygrad_edu checkpoint")
    if not data.startswith(_ZIP_MAGIC):
        if data.startswith(_NPY_MAGIC):
            what = "a single numpy .npy array"
        elif data[0] == 0x80:
            what = "a Python pickle (e.g. written by pickle.dump or an old torch.save), which is never loaded here because unpickling can run arbitrary code"  # noqa: E501
        else:
            what = "in an unrecognised format"
        raise RuntimeError(f"load: {name} is not a tinygrad_edu checkpoint: it is {what}")
    foreign = None
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            if _STRUCTURE in npz.files:
                arrays = {k: npz[k] for k in npz.files}  # reads (and CRC-checks) every entry now
            elif any(n.endswith("data.pkl") for n in npz.zip.namelist()):
                foreign = "it looks like a torch.save file, whose pickled objects cannot be loaded here"
            else:
                foreign = f"it is a zip/.npz archive without the {_STRUCTURE!r} entry that tg.save writes"
    except _READ_ERRORS as e:
        raise RuntimeError(f"load: {name} is corrupt or truncated ({type(e).__name__}: {e})") from None
    if foreign is not None:
        raise RuntimeError(f"load: {name} is not a tinygrad_edu checkpoint: {foreign}")
    try:
        header = json.loads(arrays.pop(_STRUCTURE).tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise RuntimeError(f"load: {name} is corrupt: its structure entry is not valid JSON ({e})") from None
    if not isinstance(header, dict) or header.get("format") != _FORMAT or "root" not in header:
        raise RuntimeError(f"load: {name} is corrupt: its structure entry is not a tinygrad_edu header")
    if header.get("version") != _VERSION:
        raise RuntimeError(
            f"load: {name} was written with checkpoint format version {header.get('version')!r}; "
            f"this version of tinygrad_edu reads version {_VERSION}"
        )
    return _Decoder(arrays, name).decode(header["root"])
