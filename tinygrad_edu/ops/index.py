"""Indexing: ``x[index]`` with ints, slices, None, Ellipsis, int/bool arrays and tensors.

y = x[index] copies some elements of x into y, so dL/dx is zero everywhere except at the
picked positions, which receive dL/dy. An element picked several times (repeated integer
indices) receives the sum of its gradients: that is a scatter-add.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Op
from ..tensor import Tensor


def index_to_numpy(index: Any) -> Any:
    """Turn Tensors and lists inside an index into numpy arrays numpy can index with."""
    if isinstance(index, tuple):
        return tuple(_one(i) for i in index)
    return _one(index)


def _one(i: Any) -> Any:
    if isinstance(i, Tensor):
        i = i.data
    elif isinstance(i, list):
        i = np.asarray(i)
        if i.size == 0:
            i = i.astype(np.int64)
    if isinstance(i, np.ndarray) and i.dtype.kind not in "iub":
        raise IndexError(
            f"getitem: tensors used as indices must be long, int or bool tensors, got dtype {i.dtype}"
        )
    return i


def _is_basic(index: Any) -> bool:
    """Basic indexing selects each element at most once (plain assignment suffices)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(not isinstance(i, np.ndarray) or i.dtype == np.bool_ for i in items)


class GetItem(Op):
    """y = x[index];   dL/dx = zeros with dL/dy added at the indexed positions"""

    @staticmethod
    def forward(ctx, x, index=None):
        ctx.shape = x.shape
        ctx.index = index
        return x[index]

    @staticmethod
    def backward(ctx, g):
        return (IndexAdd.dual(g, shape=ctx.shape, index=ctx.index),)


class IndexAdd(Op):
    """y = zeros(shape) with g added at ``index`` (the backward of GetItem);   dL/dg = dL/dy[index]"""

    @staticmethod
    def forward(ctx, g, shape=(), index=None):
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g
        else:
            np.add.at(out, index, g)
        return out

    @staticmethod
    def backward(ctx, gg):
        return (GetItem.dual(gg, index=ctx.index),)


def getitem(x: Tensor, index: Any) -> Tensor:
    idx = index_to_numpy(index)
    try:
        out = GetItem.apply(x, index=idx)
    except IndexError as e:
        raise IndexError(f"getitem: {e} (tensor of shape {x.shape}, index {index!r})") from None
    if out.data.base is not None and _is_basic(idx):
        out._vc = x._vc  # a view: in-place changes to either are visible in both
    return out


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    from ..tensor import _wrap_dim

    d = _wrap_dim(dim, input.ndim, "index_select")
    return getitem(input, (slice(None),) * d + (index,))


def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:  # noqa: A002
    from .elementwise import where

    return where(mask, value, input)
