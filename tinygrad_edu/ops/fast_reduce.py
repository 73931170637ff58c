"""Faster numpy for the max and sum along one short axis (softmax, logsumexp, x.sum(-1)).

numpy reduces the last axis of a row-major array one row at a time, and on short rows
(the class axis of a classifier: 10 logits per sample) the per-row cost dominates: on
(128, 10) float32, ``x.max(axis=1)`` takes ~8 us and ``x.sum(axis=1)`` ~3.7 us, while
``np.exp(x)`` takes ~0.9 us. On (4096, 10): 236 us and 73 us. Two rewrites compute
the same reductions without the row loop:

* a sum along a last axis of at most 1024 entries (and at least 32 rows) is a
  matrix-vector product with a vector of ones, ``x @ 1`` (BLAS: 3-8x faster on 128 to
  4096 rows of 2 to 100 entries, 1.4-3x on rows of 1000; on a few rows numpy is as
  fast). BLAS adds each row in a few interleaved running sums rather than numpy's
  pairwise tree; up to 1024 terms the two round alike, so longer rows keep numpy's sum;
* a max along a short last axis (at most 16 entries, at least 64 rows) is an
  elementwise max over the rows of the transposed copy (3-25x faster there; on long
  rows the transposed copy is slower than numpy, so those keep ``x.max``).

Only plain float32/float64 arrays take these paths; everything else (Tensors in a
differentiable backward, other dtypes, other axes) goes to numpy's own reductions,
so the helpers can stand wherever ``np.sum(x, axis, keepdims=True)`` stood.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_BLAS_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_ONES: dict = {}  # (length, dtype) -> a read-only vector of ones, shared between calls


def _ones(k: int, dtype: np.dtype) -> np.ndarray:
    ones = _ONES.get((k, dtype))
    if ones is None:
        if len(_ONES) > 64:
            _ONES.clear()
        ones = _ONES[(k, dtype)] = np.ones(k, dtype=dtype)
        ones.flags.writeable = False
    return ones


def sum_along(x: Any, axis: int | tuple) -> Any:
    """``np.sum(x, axis=axis, keepdims=True)``; by a product with ones on a last axis of <= 1024.

    ``axis``: an int, or a tuple of axes (always numpy's own sum).
    """
    if type(x) is not np.ndarray:
        return np.sum(x, axis=axis, keepdims=True)  # Tensors (a differentiable backward)
    shape = x.shape
    # fewer than 32 rows: numpy's per-row cost is small, and so the gain
    if x.size >= 64 and (axis == -1 or axis == len(shape) - 1):
        k = shape[-1]
        if 1 < k <= 1024 and x.size >= 32 * k and x.dtype in _BLAS_DTYPES and x.flags.c_contiguous:
            return np.matmul(x.reshape(-1, k), _ones(k, x.dtype)).reshape(shape[:-1] + (1,))
    return np.add.reduce(x, axis=axis, keepdims=True)  # (x.sum minus its Python wrapper)


def sum_rows(x: Any) -> Any:
    """``x.sum(0)`` of a 2-D array (the bias gradient of a linear layer): ``1 @ x`` by BLAS.

    numpy adds the rows one after another; BLAS's interleaved running sums are 2-7x faster
    from 32 rows on (128 x 256 float32: 2.1 instead of 4.8 us; 4096 x 100: 20 instead of
    87 us), never slower, and no less accurate. Other arrays and Tensors: ``x.sum(0)``.
    """
    if type(x) is np.ndarray and x.ndim == 2 and x.shape[0] >= 2 and x.dtype in _BLAS_DTYPES:
        return np.matmul(_ones(x.shape[0], x.dtype), x)
    return x.sum(0)


def max_along(x: Any, axis: int | tuple) -> Any:
    """``x.max(axis=axis, keepdims=True)`` (-inf over an empty axis); short last axes by a transposed copy.

    ``axis``: an int, or a tuple of axes (always numpy's own max).
    """
    if type(x) is not np.ndarray:
        return np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    shape = x.shape
    if x.size >= 128 and (axis == -1 or axis == len(shape) - 1):
        k = shape[-1]
        if 2 <= k <= 16 and x.size >= 64 * k and x.dtype in _BLAS_DTYPES and x.flags.c_contiguous:
            rows = np.ascontiguousarray(x.reshape(-1, k).T)  # (k, rows): each pass is elementwise
            return np.maximum.reduce(rows, axis=0).reshape(shape[:-1] + (1,))
    return np.maximum.reduce(x, axis=axis, keepdims=True, initial=-np.inf)
