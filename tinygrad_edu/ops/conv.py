"""Sliding windows: Unfold (im2col) and its adjoint Fold (col2im).

A 2-D convolution or pooling looks at the kh x kw window of the (padded) input under
each output pixel. Unfold copies every window out once, into

    patches[n, c, i, j, oh, ow] = xpad[n, c, oh * sh + i * dh, ow * sw + j * dw]

with stride (sh, sw) and dilation (dh, dw). After that a convolution is a single matrix
product and a pooling is a reduction over the (i, j) axes (``nn.functional.conv``).
The layout keeps (c, i, j) next to each other, so ``patches.reshape(N, C*kh*kw, OH*OW)``
is free and is exactly the "column" matrix of im2col.

Unfold is linear and copies each output from one input element, so its vector-Jacobian
product sends every patch gradient back to where it was copied from, *adding* where
windows overlap (and dropping what landed on the padding). That map is Fold:

    dL/dx[n, c, h, w] = sum of dL/dpatches[n, c, i, j, oh, ow]
                        over all (i, j, oh, ow) with oh*sh + i*dh = h + pt, ow*sw + j*dw = w + pl

Fold is linear too, and its adjoint is Unfold again (with zero padding). So each op's
backward is the other one, called through ``Op.dual``: under ``create_graph=True`` it is
recorded like any op, which is all double backward needs (as GetItem / IndexAdd).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Op


def padded_size(size: int, pad: tuple[int, int]) -> int:
    return size + pad[0] + pad[1]


def windows(padded: int, kernel: int, stride: int, dilation: int) -> int:
    """How many windows of a dilated kernel fit, stepping by ``stride``."""
    return (padded - dilation * (kernel - 1) - 1) // stride + 1


class Unfold(Op):
    """patches = windows of x, shape (N, C, kh, kw, OH, OW);   dL/dx = Fold(dL/dpatches)

    ``padding = ((top, bottom), (left, right))`` is filled with ``value`` (0 for
    convolutions, -inf for max pooling; its gradient is discarded).
    """

    @staticmethod
    def forward(ctx, x, kernel=(1, 1), stride=(1, 1), dilation=(1, 1), padding=((0, 0), (0, 0)), value=0.0):
        ctx.in_shape = x.shape
        ctx.args = (kernel, stride, dilation, padding)
        if any(padding[0]) or any(padding[1]):
            x = np.pad(x, ((0, 0), (0, 0)) + tuple(padding), constant_values=value)
        n, c, hp, wp = x.shape
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        oh, ow = windows(hp, kh, sh, dh), windows(wp, kw, sw, dw)
        # A strided view reads every window without copying: moving one kernel row (i)
        # jumps dh input rows, moving one output row (oh) jumps sh input rows.
        s_n, s_c, s_h, s_w = x.strides
        view = as_strided(
            x, (n, c, kh, kw, oh, ow), (s_n, s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw), writeable=False
        )
        return np.ascontiguousarray(view)  # the one copy: overlapping windows become separate entries

    @staticmethod
    def backward(ctx, g):
        kernel, stride, dilation, padding = ctx.args
        return (Fold.dual(g, shape=ctx.in_shape, kernel=kernel, stride=stride, dilation=dilation,
                          padding=padding),)


class Fold(Op):
    """x = sum of the patches put back where Unfold took them (overlaps add, padding is cut);
    dL/dpatches = Unfold(dL/dx) with zero padding

    ``shape`` is the (unpadded) (N, C, H, W) shape of the result.
    """

    @staticmethod
    def forward(ctx, p, shape=(), kernel=(1, 1), stride=(1, 1), dilation=(1, 1), padding=((0, 0), (0, 0))):
        ctx.args = (kernel, stride, dilation, padding)
        n, c, h, w = shape
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        (pt, pb), (pl, pr) = padding
        oh, ow = p.shape[-2:]
        out = np.zeros((n, c, h + pt + pb, w + pl + pr), dtype=p.dtype)
        # For one kernel offset (i, j) the OH x OW windows touch distinct pixels (a strided
        # grid), so a plain += is a correct scatter-add; only the kh*kw offsets can overlap.
        for i in range(kh):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            for j in range(kw):
                cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
                out[:, :, rows, cols] += p[:, :, i, j]
        return out[:, :, pt : pt + h, pl : pl + w]

    @staticmethod
    def backward(ctx, gg):
        kernel, stride, dilation, padding = ctx.args
        return (Unfold.dual(gg, kernel=kernel, stride=stride, dilation=dilation, padding=padding),)
