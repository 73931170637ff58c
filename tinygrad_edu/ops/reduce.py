"""Reductions: sum, mean, var, std, amax/amin, max/min, prod, argmax/argmin, logsumexp.

A reduction maps many inputs to one output, so its backward *broadcasts* the incoming
gradient back over the reduced axes, weighted by each input's local derivative:

    sum:   dy/dx_i = 1
    max:   dy/dx_i = 1 for the maximum (shared evenly among ties), 0 elsewhere
    prod:  dy/dx_i = prod_{j != i} x_j

``mean``, ``var`` and ``std`` are composed from these, so their gradients (and second
derivatives) come from the chain rule with no code of their own.
"""

from __future__ import annotations

import builtins
from typing import Any, NamedTuple

import numpy as np

from ..autograd.function import Op
from ..tensor import Tensor
from .elementwise import sqrt
from .fast_reduce import max_along, sum_along


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...]:
    """``dim`` (None, int, tuple or list) as a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if type(dim) is int and -ndim <= dim < ndim:  # the usual case, without the checks below
        return (dim % ndim,)
    if isinstance(dim, int | np.integer):
        dims = (dim,)
    elif isinstance(dim, tuple | list):
        dims = tuple(dim)
    else:
        raise TypeError(
            f"{op}: dim must be an int or a tuple of ints, got {dim!r} of type {type(dim).__name__}"
        )
    n = builtins.max(ndim, 1)
    out = []
    for d in dims:
        if not isinstance(d, int | np.integer):
            raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {d!r}")
        if not -n <= d < n:
            raise IndexError(
                f"{op}: dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                f"but got {d}) for a tensor of {ndim} dimensions"
            )
        out.append(int(d) % n)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}: dim {dims} appears multiple times in the list of dims")
    if ndim == 0:
        return ()
    return tuple(sorted(out))


def _kept_shape(shape: tuple, axes: tuple) -> tuple:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Op):
    """y = sum_i x_i over ``axes``;   dy/dx_i = 1, so the gradient is broadcast back"""

    @staticmethod
    def forward(ctx, x, axes=(), keepdim=False):
        ctx.shape = x.shape
        ctx.kept = _kept_shape(x.shape, axes)
        if len(axes) == 1 and axes[0] == x.ndim - 1 > 0:  # rows of a matrix (x.sum(-1), x.mean(-1))
            y = sum_along(x, axes[0])
            return y if keepdim else y.reshape(y.shape[:-1])
        return np.add.reduce(x, axis=axes, keepdims=keepdim)  # np.sum minus its Python wrapper

    @staticmethod
    def backward(ctx, g):
        return (_expand(g.reshape(ctx.kept), ctx.shape),)


def _expand(g: Any, shape: tuple) -> Any:
    """``np.broadcast_to(g, shape)``: a read-only view repeating ``g`` along its size-1 dims.

    For a contiguous array the view is made directly (stride 0 along the repeated dims),
    at half the cost of numpy's general broadcast_to; Tensors get the differentiable op.
    """
    if type(g) is np.ndarray and g.flags.c_contiguous:
        strides = [0 if k != n else s for k, n, s in zip(g.shape, shape, g.strides)]
        v = np.ndarray(shape, g.dtype, g, 0, strides)
        v.flags.writeable = False  # its elements alias each other: nobody may write into it
        return v
    return np.broadcast_to(g, shape)


class Mean(Op):
    """y = (1/n) sum_i x_i over ``axes`` (n elements averaged);   dy/dx_i = 1/n, so g/n is broadcast back

    One op rather than a sum followed by a division: every loss ends in a mean, and on
    small tensors each op's Python cost is larger than numpy's.
    """

    @staticmethod
    def forward(ctx, x, axes=(), keepdim=False, n=1):
        ctx.n = n
        s = Sum.forward(ctx, x, axes, keepdim)
        if n:
            return s / n
        with np.errstate(invalid="ignore"):  # the mean of nothing is NaN, as in PyTorch
            return s / n

    @staticmethod
    def backward(ctx, g):
        return Sum.backward(ctx, g / ctx.n)


class Extremum(Op):
    """y = max (or min) of x over ``axes``;   dy/dx_i = w_i = 1 at the extremum, 0 elsewhere (ties: below)

    w is 1 at the selected element and 0 elsewhere. For ``amax``/``amin`` and a full
    ``max()`` the gradient is shared evenly among tied extrema (w_i = 1/#ties); for
    ``max(dim)`` it goes to the returned index only, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, x, axes=(), keepdim=False, largest=True, index=None):
        if index is None:
            y = (np.max if largest else np.min)(x, axis=axes, keepdims=True)
            hit = x == y
            w = hit / np.sum(hit, axis=axes, keepdims=True)
        else:  # max(dim): one axis, gradient to `index`
            y = np.take_along_axis(x, index, axis=axes[0])
            w = np.zeros(x.shape, dtype=bool)
            np.put_along_axis(w, index, True, axis=axes[0])
        ctx.save_for_backward(w.astype(x.dtype, copy=False))
        ctx.kept = y.shape
        ctx.kind = "max" if largest else "min"
        return y if keepdim else y.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))

    @staticmethod
    def backward(ctx, g):
        (w,) = ctx.saved_values
        return (g.reshape(ctx.kept) * w,)

    def op_name(self) -> str:
        return self.kind

    def name(self) -> str:
        return self.kind.capitalize() + "Backward"


class Prod(Op):
    """y = prod_i x_i over one axis;   dy/dx_i = prod_{j != i} x_j

    The product of the others is built from cumulative products from the left and the
    right, never by dividing y / x_i, so zeros in x are handled exactly.
    """

    @staticmethod
    def forward(ctx, x, axis=0, keepdim=False):
        ctx.save_for_backward(x)
        ctx.axis = axis
        ctx.kept = _kept_shape(x.shape, (axis,))
        return np.prod(x, axis=axis, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_values
        return (g.reshape(ctx.kept) * _prod_of_others(x, ctx.axis),)


def _prod_of_others(x: Any, axis: int) -> Any:
    """p_i = prod_{j != i} x_j along ``axis``."""
    if isinstance(x, Tensor):
        # differentiable form, used only for higher derivatives: an (n, n) masked product
        xm = np.moveaxis(x, axis, -1)
        n = xm.shape[-1]
        others = np.where(np.eye(n, dtype=bool), 1, xm.unsqueeze(-2))
        return np.moveaxis(prod(others, dim=-1), -1, axis)
    xm = np.moveaxis(x, axis, -1)
    if xm.shape[-1] == 0:
        return np.zeros(x.shape, dtype=x.dtype)  # an empty product has no factors to differentiate
    ones = np.ones(xm.shape[:-1] + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, xm[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, xm[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis(left * right, -1, axis)


class LogSumExp(Op):
    """y = log sum_i exp(x_i);   dy/dx_i = exp(x_i - y) = softmax(x)_i

    Computed as m + log sum_i exp(x_i - m) with m = max_i x_i, so nothing overflows.
    """

    @staticmethod
    def forward(ctx, x, axes=(), keepdim=False):
        axis = axes[0] if len(axes) == 1 else axes  # one (often short) axis: see fast_reduce
        m = max_along(x, axis)
        m = np.where(np.isfinite(m), m, 0)  # all -inf (or inf) slices: keep exp well defined
        yk = m + np.log(sum_along(np.exp(x - m), axis))
        y = yk if keepdim else yk.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))
        ctx.save_for_backward(x, y)
        ctx.kept = yk.shape
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_values
        return (g.reshape(ctx.kept) * np.exp(x - y.reshape(ctx.kept)),)


# ---------------------------------------------------------------------------- functions


def _need_tensor(x: Any, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    return x


def _reduce_error(op: str, x: Tensor, dim: Any, e: Exception) -> Exception:
    return type(e)(f"{op}: cannot reduce a tensor of shape {x.shape} over dim={dim}: {e}")


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (None = all, int, or tuple of ints)."""
    x = _need_tensor(input, "sum")
    if dtype is not None:
        x = x.to(dtype)
    return Sum.apply(x, axes=normalize_dims(dim, x.ndim, "sum"), keepdim=keepdim)


def _floating(x: Tensor, op: str) -> None:
    if x.data.dtype.kind != "f":
        raise RuntimeError(
            f"{op}(): could not infer output dtype. Input dtype must be a floating point "
            f"dtype, but got {x.dtype}"
        )


def _count(x: Tensor, axes: tuple) -> int:
    shape = x.data.shape
    if len(axes) == len(shape):
        return x.data.size  # the usual mean of everything (a loss)
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:  # noqa: A002
    """Mean over ``dim``: sum / count (its gradient is 1/count for every element)."""
    x = _need_tensor(input, "mean")
    if dtype is not None:
        x = x.to(dtype)
    _floating(x, "mean")
    axes = normalize_dims(dim, x.ndim, "mean")
    return Mean.apply(x, axes=axes, keepdim=keepdim, n=_count(x, axes))


def var(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | float | None = None,
) -> Tensor:
    """Variance: sum((x - mean)^2) / (N - correction), ``correction=1`` by default (Bessel)."""
    return _var(input, dim, unbiased, keepdim, correction, "var")


def _var(x: Any, dim: Any, unbiased: bool | None, keepdim: bool, correction: Any, op: str) -> Tensor:
    x = _need_tensor(x, op)
    _floating(x, op)
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axes = normalize_dims(dim, x.ndim, op)
    d = x - mean(x, axes, keepdim=True)
    return Sum.apply(d * d, axes=axes, keepdim=keepdim) / builtins.max(0, _count(x, axes) - correction)


def std(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | float | None = None,
) -> Tensor:
    """Standard deviation: sqrt(var)."""
    return sqrt(_var(input, dim, unbiased, keepdim, correction, "std"))


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """Maximum over ``dim`` (all dims when empty/None); gradient split evenly among ties."""
    return _extremum(input, dim, keepdim, True, "amax")


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    return _extremum(input, dim, keepdim, False, "amin")


def _extremum(x: Tensor, dim: Any, keepdim: bool, largest: bool, op: str) -> Tensor:
    x = _need_tensor(x, op)
    axes = normalize_dims(None if dim == () else dim, x.ndim, op)
    if any(x.shape[a] == 0 for a in axes):
        # PyTorch: IndexError when a given dim is empty, RuntimeError when reducing everything
        raise (RuntimeError if dim in ((), None) else IndexError)(
            f"{op}: expected a non-empty tensor (got shape {x.shape}) to reduce over dim={dim}"
        )
    return Extremum.apply(x, axes=axes, keepdim=keepdim, largest=largest)


class MaxResult(NamedTuple):
    """``(values, indices)`` as returned by ``max(dim)`` / ``min(dim)``."""

    values: Tensor
    indices: Tensor


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """``max(x)``: the largest element; ``max(x, dim)``: ``(values, indices)`` along ``dim``.

    With a Tensor as second argument it is ``maximum`` (as ``torch.max(a, b)``).
    """
    return _max_min(input, dim, keepdim, True)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    return _max_min(input, dim, keepdim, False)


def _max_min(x: Tensor, dim: Any, keepdim: bool, largest: bool) -> Any:
    op = "max" if largest else "min"
    if isinstance(dim, Tensor):
        from .elementwise import maximum, minimum

        return (maximum if largest else minimum)(x, dim)
    x = _need_tensor(x, op)
    if dim is None:
        return _extremum(x, None, False, largest, op)
    if not isinstance(dim, int | np.integer):
        raise TypeError(f"{op}: dim must be an int (use amax/amin for several dims), got {dim!r}")
    (axis,) = normalize_dims(dim, x.ndim, op) or (0,)
    if x.ndim == 0:
        return MaxResult(x.clone(), Tensor._make(np.zeros((), np.int64), False, None))
    if x.shape[axis] == 0:
        raise IndexError(f"{op}: cannot reduce over dim {dim} of size 0 (shape {x.shape})")
    idx = (np.argmax if largest else np.argmin)(x.data, axis=axis, keepdims=True)
    values = Extremum.apply(x, axes=(axis,), keepdim=keepdim, largest=largest, index=idx)
    indices = idx if keepdim else np.squeeze(idx, axis=axis)
    return MaxResult(values, Tensor._make(indices.astype(np.int64), False, None))


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, dtype: Any = None) -> Tensor:  # noqa: A002
    """Product over one ``dim`` (or all elements when None)."""
    x = _need_tensor(input, "prod")
    if dtype is not None:
        x = x.to(dtype)
    if dim is None:
        return Prod.apply(x.reshape(-1), axis=0, keepdim=False)
    if not isinstance(dim, int | np.integer):
        raise TypeError(f"prod: dim must be an int or None, got {dim!r}")
    axes = normalize_dims(dim, x.ndim, "prod")
    if x.ndim == 0:
        return x.clone()
    return Prod.apply(x, axis=axes[0], keepdim=keepdim)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index of the maximum (of the flattened tensor when ``dim`` is None); int64, no grad."""
    return _arg(input, dim, keepdim, np.argmax, "argmax")


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return _arg(input, dim, keepdim, np.argmin, "argmin")


def _arg(x: Tensor, dim: Any, keepdim: bool, fn: Any, op: str) -> Tensor:
    x = _need_tensor(x, op)
    if dim is not None and not isinstance(dim, int | np.integer):
        raise TypeError(f"{op}: dim must be an int or None, got {dim!r}")
    if x.data.size == 0 and (dim is None or x.ndim == 0 or x.shape[normalize_dims(dim, x.ndim, op)[0]] == 0):
        raise IndexError(f"{op}: expected a non-empty tensor (got shape {x.shape}) to reduce over dim={dim}")
    if dim is None:
        r = fn(x.data)
        if keepdim:
            r = np.reshape(r, (1,) * x.ndim)
    else:
        axes = normalize_dims(dim, x.ndim, op)
        r = fn(x.data, axis=axes[0], keepdims=keepdim) if axes else fn(x.data)
    return Tensor._make(np.asarray(r, dtype=np.int64), False, None)


def logsumexp(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """log(sum(exp(x))) over ``dim``, computed without overflow. ``dim=None`` reduces all."""
    x = _need_tensor(input, "logsumexp")
    if x.data.dtype.kind != "f":
        x = x.float()
    return LogSumExp.apply(x, axes=normalize_dims(dim, x.ndim, "logsumexp"), keepdim=keepdim)
