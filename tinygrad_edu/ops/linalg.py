"""Matrix products.

For C = A @ B (A: n x k, B: k x m), C_ij = sum_l A_il B_lj, so

    dL/dA = dL/dC @ B^T        dL/dB = A^T @ dL/dC

Batched operands follow numpy's matmul broadcasting (the engine sums the gradient of a
broadcast batch back); a 1-D operand is treated as a row (left) or column (right) vector
whose extra dimension is removed from the result, as in numpy and PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Op
from ..tensor import Tensor
from .elementwise import _operands
from .fast_reduce import sum_rows


class MatMul(Op):
    """C = A @ B;   dL/dA = g @ B^T,  dL/dB = A^T @ g"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_values
        need = ctx.needs_input_grad
        a1, b1 = a.ndim == 1, b.ndim == 1
        # restore the dimensions matmul removed for 1-D operands
        a2 = a.reshape((1, -1)) if a1 else a
        b2 = b.reshape((-1, 1)) if b1 else b
        if a1 and b1:
            g2 = g.reshape((1, 1))
        elif a1:
            g2 = np.expand_dims(g, -2)
        elif b1:
            g2 = np.expand_dims(g, -1)
        else:
            g2 = g
        ga = gb = None
        if need[0]:
            ga = np.matmul(g2, np.swapaxes(b2, -1, -2))
            if a1:
                ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:])
        if need[1]:
            gb = np.matmul(np.swapaxes(a2, -1, -2), g2)
            if b1:
                gb = gb.reshape(gb.shape[:-1])
        return ga, gb


class Linear(Op):
    """y = x W^T + b;   dL/dx = g W,  dL/dW = g^T x,  dL/db = sum of g over all rows

    ``nn.Linear``'s map as one op, for x of shape (*, in), W (out, in), b (out,) or None.
    Composed from matmul, transpose and add it computes the same values, but its backward
    would produce dL/dW as the transpose of x^T g: a strided view that has to be copied
    into W's layout, plus a broadcast bias gradient that the engine sums afterwards.
    Here g^T x comes out of one matrix product already in W's layout (row- or column-major),
    and the leading dimensions of x are flattened into rows so that one product sums over
    all of them:

        dL/dW = sum over rows r of g_r^T x_r = G^T X,   G: (rows, out),  X: (rows, in)

    ``w_t`` (optional): a row-major copy of W^T, for callers that apply one W many times
    (an RNN's time steps). x @ W^T reads W transposed, which BLAS does measurably slower
    than a plain product for small x; with the copy made once, forward reads the copy
    and backward uses W itself (g W), so both products are plain ones.
    """

    _fresh_grads = True  # (see Op) each gradient is a new array: products and a sum

    @staticmethod
    def forward(ctx, x, w, b=None, w_t=None):
        ctx.save_for_backward(x, w)
        y = np.matmul(x, w.T if w_t is None else w_t)
        if b is not None:
            y += b  # in place: y is a fresh array, and one temporary fewer per layer
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_values
        need = ctx.needs_input_grad
        gx = gw = gb = None
        if need[0]:
            gx = np.matmul(g, w)
        if need[1] or need[2]:
            if g.ndim == 2:
                rows, x2 = g, x
            else:
                n = math.prod(g.shape[:-1])  # not -1: reshape can't infer it when in or out is 0
                rows, x2 = g.reshape((n, g.shape[-1])), x.reshape((n, x.shape[-1]))  # (rows, out), (rows, in)
            if need[1]:
                gw = _weight_grad(rows, x2, w)
            if need[2]:
                gb = sum_rows(rows)  # (arrays by BLAS; Tensors, under create_graph=True, by .sum(0))
        return gx, gw, gb


def _weight_grad(rows, x2, w):
    """dL/dW = G^T X in W's own memory layout.

    For a column-major W (``nn.Linear``'s) the gradient is made column-major too, by
    writing the row-major product X^T G into its transpose: the update W -= lr dW then
    reads both arrays in the same order (mixed layouts make that update ~10x slower).
    """
    if type(w) is np.ndarray and type(rows) is np.ndarray and type(x2) is np.ndarray and w.ndim == 2:
        flags = w.flags
        if not flags.f_contiguous or flags.c_contiguous:
            return rows.T @ x2
        dtype = rows.dtype if rows.dtype == x2.dtype else np.result_type(rows, x2)
        gw = np.empty(w.shape, dtype=dtype, order="F")
        np.matmul(x2.T, rows, out=gw.T)
        return gw
    return rows.T @ x2  # also on Tensors (create_graph=True)


def matmul(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Matrix product with numpy/PyTorch semantics (1-D, 2-D, and batched N-D broadcasting)."""
    a, b = _operands("matmul", input, other)
    sa, sb = np.shape(getattr(a, "data", a)), np.shape(getattr(b, "data", b))
    if len(sa) == 0 or len(sb) == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dimension, got shapes {sa} and {sb}"
        )
    ka = sa[-1]
    kb = sb[0] if len(sb) == 1 else sb[-2]
    if ka != kb:
        raise RuntimeError(
            f"matmul: shapes {sa} and {sb} cannot be multiplied: the last dim of the first "
            f"({ka}) must equal the {'only' if len(sb) == 1 else 'second-to-last'} dim of the second ({kb})"
        )
    try:
        return MatMul.apply(a, b)
    except ValueError as e:
        raise RuntimeError(f"matmul: batch dimensions of {sa} and {sb} cannot be broadcast: {e}") from None


def dot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Inner product of two 1-D tensors of the same length."""
    sa, sb = input.shape, getattr(other, "shape", np.shape(other))
    if len(sa) != 1 or len(sb) != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {len(sa)}D and {len(sb)}D tensors")
    if sa != sb:
        raise RuntimeError(
            f"dot: inconsistent tensor size, expected tensor of shape {sa} to have the same "
            f"number of elements as the other of shape {sb}"
        )
    return matmul(input, other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got shapes {input.shape} and {mat2.shape}")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mm: shapes {input.shape} and {mat2.shape} cannot be multiplied")
    return matmul(input, mat2)


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    for what, v in (("input", input), ("vec2", vec2)):
        if not isinstance(v, Tensor) or v.ndim != 1:
            raise RuntimeError(f"outer: expected 1-D tensors, got {what} of shape {np.shape(_raw(v))}")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


def _raw(x: object) -> object:
    return x.data if isinstance(x, Tensor) else x


