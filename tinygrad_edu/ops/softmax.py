"""softmax and log_softmax along one dimension.

softmax:      s_i = exp(x_i) / sum_j exp(x_j)
Jacobian:     ds_i/dx_j = s_i (delta_ij - s_j),   i.e.  J = diag(s) - s s^T
backward:     (g J)_j = s_j (g_j - sum_i g_i s_i)

log_softmax:  y_i = x_i - logsumexp(x)
Jacobian:     dy_i/dx_j = delta_ij - s_j
backward:     g_j - s_j sum_i g_i,   with s = exp(y)

Both subtract max(x) before exponentiating, so large inputs never overflow. The max and
sums along the softmax axis go through ``fast_reduce`` (numpy is slow on short rows).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Op
from ..tensor import Tensor
from .fast_reduce import max_along, sum_along
from .reduce import normalize_dims


class Softmax(Op):
    """s = softmax(x) = exp(x) / sum exp(x);   ds/dx = J = diag(s) - s s^T, so g -> g J = s * (g - sum(g * s))

    Computed as exp(x - max x) / sum exp(x - max x), so large inputs never overflow.
    """

    @staticmethod
    def forward(ctx, x, axis=-1):
        e = np.exp(x - max_along(x, axis))
        s = e / sum_along(e, axis)
        ctx.save_for_backward(s)
        ctx.axis = axis
        return s

    @staticmethod
    def backward(ctx, g):
        (s,) = ctx.saved_values
        return (s * (g - sum_along(g * s, ctx.axis)),)


class LogSoftmax(Op):
    """y = log softmax(x) = x - log sum exp(x);   dy_i/dx_j = delta_ij - s_j, s = exp(y), so g -> g - s sum(g)

    Computed as x - max x - log sum exp(x - max x), so large inputs never overflow.
    """

    @staticmethod
    def forward(ctx, x, axis=-1):
        y = log_softmax_of(x, axis)
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_values
        if type(y) is not np.ndarray or type(g) is not np.ndarray:  # create_graph=True: Tensors
            return (g - np.exp(y) * sum_along(g, ctx.axis),)
        gx = np.exp(y)  # s, in a fresh array that becomes the gradient: one allocation, not three
        gx *= sum_along(g, ctx.axis)
        np.subtract(g, gx, out=gx)
        return (gx,)


def log_softmax_of(x: np.ndarray, axis: int) -> np.ndarray:
    """log_softmax of an array along ``axis`` (no graph): x - max x - log sum exp(x - max x)."""
    z = x - max_along(x, axis)
    return z - np.log(sum_along(np.exp(z), axis))


def _axis(x: Any, dim: Any, op: str) -> int:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if dim is None:
        raise TypeError(f"{op}: dim must be given (an int), as in PyTorch's {op}(input, dim)")
    axes = normalize_dims(dim, x.ndim, op)
    if len(axes) > 1:
        raise TypeError(f"{op}: dim must be a single int, got {dim!r}")
    return axes[0] if axes else 0


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """exp(x) / sum(exp(x)) along ``dim``."""
    x = input.to(dtype) if dtype is not None else input
    if isinstance(x, Tensor) and x.data.dtype.kind != "f":
        x = x.float()
    axis = _axis(x, dim, "softmax")
    if x.ndim == 0:
        return Softmax.apply(x.reshape(1), axis=0).reshape(())
    return Softmax.apply(x, axis=axis)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """log(softmax(x)) along ``dim``, computed stably (never log of 0 from underflow)."""
    x = input.to(dtype) if dtype is not None else input
    if isinstance(x, Tensor) and x.data.dtype.kind != "f":
        x = x.float()
    axis = _axis(x, dim, "log_softmax")
    if x.ndim == 0:
        return LogSoftmax.apply(x.reshape(1), axis=0).reshape(())
    return LogSoftmax.apply(x, axis=axis)
