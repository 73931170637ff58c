"""Tensor factories: ``zeros, ones, full, empty, arange, linspace, eye, rand, randn,
randint`` and the ``*_like`` forms, with PyTorch's signatures and dtype rules."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes
from .random import generator
from .tensor import Tensor


def _size(size: tuple, op: str) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    out = []
    for s in size:
        if not isinstance(s, int | np.integer) or s < 0:
            raise ValueError(f"{op}: sizes must be non-negative ints, got {size}")
        out.append(int(s))
    return tuple(out)


def _finish(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float(dtype: Any) -> np.dtype:
    return dtypes.as_dtype(dtype) or dtypes.get_default_dtype()


def _random_float(dtype: np.dtype, op: str) -> np.dtype:
    # casting uniform [0, 1) samples to an integer dtype would give all zeros; torch refuses too
    if dtype.kind != "f":
        raise RuntimeError(
            f"{op}: expected a floating point dtype, got {dtype} (use randint for integers)"
        )
    return dtype


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(_size(size, "zeros"), _float(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_size(size, "ones"), _float(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.empty(_size(size, "empty"), _float(dtype)), requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Like ``torch.full``: the dtype follows ``fill_value`` (bool, int64 or the default float)."""
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = np.bool_
        elif isinstance(fill_value, int):
            dtype = np.int64
        else:
            dtype = dtypes.get_default_dtype()
    _number(fill_value, "full", "fill_value")
    return _finish(np.full(_size((size,), "full"), fill_value, dtypes.as_dtype(dtype)), requires_grad)


def _number(v: Any, op: str, what: str) -> None:
    if type(v) is int or type(v) is float:  # the usual case, without np.ndim's cost
        return
    if isinstance(v, Tensor):
        v = v.data
    if np.ndim(v) != 0 or not isinstance(v, int | float | np.number | np.ndarray):
        raise TypeError(f"{op}: {what} must be a number, got {v!r} of type {type(v).__name__}")


def arange(
    start: Any, end: Any = None, step: Any = 1, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive); int64 if all arguments are ints."""
    if (end is None and dtype is None and type(start) is int and start >= 0
            and type(step) is int and step == 1):
        return _finish(np.arange(start, dtype=np.int64), requires_grad)  # arange(N): row indices
    if end is None:
        start, end = 0, start
    for what, v in (("start", start), ("end", end), ("step", step)):
        _number(v, "arange", what)
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange: upper bound and lower bound inconsistent with step sign "
            f"(start={start}, end={end}, step={step})"
        )
    if dtype is None:
        if type(start) is int and type(end) is int and type(step) is int:  # arange(N): no copy
            return _finish(np.arange(start, end, step, dtype=np.int64), requires_grad)
        ints = all(isinstance(v, int | np.integer) for v in (start, end, step))
        dtype = np.int64 if ints else dtypes.get_default_dtype()
    return _finish(np.arange(start, end, step).astype(dtypes.as_dtype(dtype)), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    if not isinstance(steps, int | np.integer) or steps < 0:
        raise RuntimeError(f"linspace: number of steps must be a non-negative int, got {steps!r}")
    return _finish(np.linspace(start, end, steps).astype(_float(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    _size((n,) if m is None else (n, m), "eye")
    return _finish(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    dt = _random_float(_float(dtype), "rand")
    return _finish(generator().random(_size(size, "rand")).astype(dt), requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal."""
    dt = _random_float(_float(dtype), "randn")
    return _finish(generator().standard_normal(_size(size, "randn")).astype(dt), requires_grad)


def randint(low: int, high: Any = None, size: Any = None, dtype: Any = None,
            requires_grad: bool = False) -> Tensor:
    """Integers in [low, high) (``randint(high, size)`` form too, as in PyTorch)."""
    if size is None and isinstance(high, tuple | list):
        low, high, size = 0, low, high  # randint(high, size)
    if high is None:
        low, high = 0, low
    if size is None:
        size = ()
    if not low < high:
        raise RuntimeError(f"randint: expects low < high, but got low={low}, high={high}")
    arr = generator().integers(low, high, size=_size((size,), "randint"))
    return _finish(arr.astype(dtypes.as_dtype(dtype) or np.int64), requires_grad)


def randperm(n: int, dtype: Any = None) -> Tensor:
    _size((n,), "randperm")
    return _finish(generator().permutation(n).astype(dtypes.as_dtype(dtype) or np.int64), False)


def _like(x: Tensor, dtype: Any, op: str) -> tuple[tuple, np.dtype]:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(x).__name__}")
    return x.shape, dtypes.as_dtype(dtype) or x.dtype


def zeros_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    shape, dt = _like(input, dtype, "zeros_like")
    return _finish(np.zeros(shape, dt), requires_grad)


def ones_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    shape, dt = _like(input, dtype, "ones_like")
    return _finish(np.ones(shape, dt), requires_grad)


def empty_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    shape, dt = _like(input, dtype, "empty_like")
    return _finish(np.empty(shape, dt), requires_grad)


def full_like(input: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    shape, dt = _like(input, dtype, "full_like")
    return _finish(np.full(shape, fill_value, dt), requires_grad)


def rand_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    shape, dt = _like(input, dtype, "rand_like")
    dt = _random_float(dt, "rand_like")
    return _finish(generator().random(shape).astype(dt), requires_grad)


def randn_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    shape, dt = _like(input, dtype, "randn_like")
    dt = _random_float(dt, "randn_like")
    return _finish(generator().standard_normal(shape).astype(dt), requires_grad)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``arr`` (no copy), like ``torch.from_numpy``."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, got {type(arr).__name__}")
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"from_numpy: unsupported dtype {arr.dtype}; supported are float16/32/64, signed and "
            "unsigned integers and bool"
        )
    return Tensor._make(arr, False, None)
