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
        return tuple([_one(i) for i in index])
    return _one(index)


def _one(i: Any) -> Any:
    if isinstance(i, Tensor):
        i = i.data
    elif isinstance(i, list):
        try:
            i = np.asarray(i)
        except ValueError:
            raise IndexError(f"getitem: a list used as an index must be rectangular, got {i!r}") from None
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
        if type(g) is np.ndarray:  # plain backward: the scatter itself, no op call around it
            return (_scatter_add(g, ctx.shape, ctx.index),)
        return (IndexAdd.dual(g, shape=ctx.shape, index=ctx.index),)


def _scatter_add(g: np.ndarray, shape: tuple, index: Any) -> np.ndarray:
    """zeros(shape) with g added at ``index`` (each repeat of an index adds again)."""
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


class IndexAdd(Op):
    """y = zeros(shape) with g added at ``index`` (the backward of GetItem);   dL/dg = dL/dy[index]"""

    @staticmethod
    def forward(ctx, g, shape=(), index=None):
        ctx.index = index
        return _scatter_add(g, shape, index)

    @staticmethod
    def backward(ctx, gg):
        return (GetItem.dual(gg, index=ctx.index),)


def _is_int(i: Any) -> bool:
    if isinstance(i, np.ndarray):
        return i.ndim == 0 and i.dtype.kind in "iu"
    return isinstance(i, int | np.integer) and not isinstance(i, bool | np.bool_)


def torch_stages(index: Any) -> tuple[tuple, tuple] | None:
    """PyTorch's order for an index mixing ints and index arrays: ``x[basic][advanced]``.

    PyTorch applies ints (and 0-d int tensors), slices, None and Ellipsis first, then the
    index arrays. numpy instead treats an int as one more index array, which moves the
    indexed dimensions to the front when an int and an array are apart: for x of shape
    (3, 4, 5), ``x[0, :, [0, 1]]`` has shape (4, 2) in PyTorch but (2, 4) in numpy.
    Returns None when numpy's single step already gives PyTorch's result.
    """
    if not isinstance(index, tuple):
        return None
    arrays = [isinstance(i, np.ndarray) and i.ndim > 0 for i in index]
    if not (any(arrays) and any(_is_int(i) for i in index)):
        return None
    basic: list = []
    advanced: list = []
    for i, is_array in zip(index, arrays):
        if is_array:  # left for the second step; a bool mask spans one dim per mask dim
            basic += [slice(None)] * (i.ndim if i.dtype == np.bool_ else 1)
            advanced.append(i)
        elif _is_int(i):
            basic.append(i)  # its dim is gone after the first step
        elif i is Ellipsis:
            basic.append(i)
            advanced.append(i)
        else:  # a slice, or None whose new dim exists after the first step
            basic.append(i)
            advanced.append(slice(None))
    return tuple(basic), tuple(advanced)


def expand_ellipsis(index: Any, ndim: int) -> Any:
    """Write an Ellipsis among index arrays as the full slices it stands for.

    numpy counts an Ellipsis between two index arrays as separating them even when it
    stands for no dim (and then moves the indexed dims to the front); PyTorch does not: for
    x of shape (5, 3, 4), ``x[:, [0, 1], ..., [0, 1]]`` is (5, 2) in PyTorch, (2, 5) in numpy.
    """
    if not isinstance(index, tuple) or not any(i is Ellipsis for i in index):
        return index
    if not any(isinstance(i, np.ndarray) and i.ndim > 0 for i in index):
        return index  # no index arrays: numpy and PyTorch agree (and the result stays a view)
    used = 0
    for i in index:
        if isinstance(i, np.ndarray) and i.dtype == np.bool_:
            used += i.ndim  # a mask spans one dim per mask dim
        elif not (i is None or i is Ellipsis or isinstance(i, bool | np.bool_)):
            used += 1
    k = next(n for n, i in enumerate(index) if i is Ellipsis)
    return index[:k] + (slice(None),) * max(0, ndim - used) + index[k + 1:]


def _index_arrays_only(index: Any) -> bool:
    """A tuple of index arrays (no int, slice, None or Ellipsis), as x[rows, cols]: numpy
    and PyTorch then agree, with nothing to expand or reorder."""
    if type(index) is not tuple:
        return False
    for i in index:
        if type(i) is not np.ndarray or i.ndim == 0:
            return False
    return True


def getitem(x: Tensor, index: Any) -> Tensor:
    idx = index_to_numpy(index)
    if _index_arrays_only(idx):
        stages = None
    else:
        idx = expand_ellipsis(idx, x.ndim)
        stages = torch_stages(idx)
    try:
        if stages is None:
            out = GetItem.apply(x, index=idx)
        else:
            out = GetItem.apply(GetItem.apply(x, index=stages[0]), index=stages[1])
    except IndexError as e:
        raise IndexError(f"getitem: {e} (tensor of shape {x.shape}, index {index!r})") from None
    if out.data.base is not None and _is_basic(idx):
        out._vc = x._vc  # a view: in-place changes to either are visible in both
    return out


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    from ..tensor import _wrap_dim

    d = _wrap_dim(dim, input.ndim, "index_select")
    idx = np.asarray(index.data if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"index_select: index must be an integer tensor, got dtype {idx.dtype}")
    if idx.ndim > 1:
        raise IndexError(f"index_select: index must be a 0-D or 1-D tensor, got shape {idx.shape}")
    n = input.shape[d] if input.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):  # PyTorch: no negative indices here
        raise IndexError(
            f"index_select: index out of range: values in [{idx.min()}, {idx.max()}] for dim {dim} of "
            f"size {n} (tensor of shape {input.shape})"
        )
    return getitem(input, (slice(None),) * d + (idx.reshape(-1),))


def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:  # noqa: A002
    from .elementwise import where

    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: the mask must be a bool tensor, got dtype {m.dtype}")
    try:
        grown = np.broadcast_shapes(m.shape, input.shape) != input.shape
    except ValueError:
        grown = True
    if grown:
        raise RuntimeError(
            f"masked_fill: mask of shape {m.shape} does not broadcast to the input shape {input.shape}"
        )
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            f"masked_fill: value must be a number or a 0-D tensor, got a tensor of shape {value.shape}"
        )
    return where(mask, value, input)
