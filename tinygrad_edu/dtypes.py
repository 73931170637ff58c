"""Dtypes and the default-dtype policy.

tinygrad_edu's dtypes are plain numpy dtypes, so ``tg.float32 == np.float32`` and either
spelling works wherever a ``dtype=`` is taken. The policy follows ``torch.tensor``:

* Python floats (and lists of them) become the default dtype, ``float32`` unless
  :func:`set_default_dtype` says otherwise;
* Python ints become ``int64`` and bools become ``bool``;
* a numpy array keeps its own dtype;
* an explicit ``dtype=`` always wins.
"""

from __future__ import annotations

from typing import Any

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001 - mirrors torch.float
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)  # noqa: A001 - mirrors torch.int
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # noqa: A001 - mirrors torch.bool

_default = [float32]


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype that Python floats become (``float32`` or ``float64``)."""
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: only floating point dtypes are supported, got {dt}")
    _default[0] = dt


def get_default_dtype() -> np.dtype:
    """The dtype that Python floats and float factories produce."""
    return _default[0]


def as_dtype(dtype: Any) -> np.dtype | None:
    """Normalise a user ``dtype=`` argument (numpy dtype, type, string or None)."""
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"dtype: cannot interpret {dtype!r} as a dtype") from e


def is_floating(dtype: np.dtype) -> bool:
    return dtype.kind == "f"
