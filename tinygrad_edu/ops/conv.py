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

``BlockMax`` is a shortcut for the most common pooling, windows that tile the input
(stride == kernel, no padding, no dilation, as ``MaxPool2d(2)``): no window overlaps
another, so the windows are just a reshape of the input and no Unfold copy is needed.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import NULL_CTX, Op
from ..tensor import Tensor
from .shape import pad


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
        (pt, pb), (pl, pr) = padding
        if pt or pb or pl or pr:
            # a filled buffer and one slice copy: several times faster than np.pad
            n, c, h, w = x.shape
            xp = np.full((n, c, h + pt + pb, w + pl + pr), value, dtype=x.dtype)
            xp[:, :, pt : pt + h, pl : pl + w] = x
            x = xp
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
    """x = the patches summed back where Unfold took them (overlaps add);   dL/dp = Unfold(dL/dx)

    The backward is Unfold with zero padding: each patch entry gets the gradient of the
    pixel it came from (padding positions were cut in forward, so they get 0).

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
        if (sh, sw) == (kh, kw) and (dh, dw) == (1, 1):
            # windows that tile the input (as in 2x2 pooling) never overlap: the sum is a
            # single strided copy of the patches back into their blocks
            blocks = out[:, :, : oh * kh, : ow * kw].reshape(n, c, oh, kh, ow, kw)
            blocks[...] = p.transpose(0, 1, 4, 2, 5, 3)
            return out[:, :, pt : pt + h, pl : pl + w]
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


class BlockMax(Op):
    """y[n, c, a, b] = max of the kh x kw block x[n, c, a*kh : (a+1)*kh, b*kw : (b+1)*kw];
    dL/dx = g at the first maximum of each block (row-major order, as PyTorch), 0 elsewhere

    Rows and columns past the last whole block are not read (their gradient is 0), as
    pooling with floor rounding does. A NaN counts as the maximum, as in ``torch.max_pool2d``.
    """

    @staticmethod
    def forward(ctx, x, kernel=(2, 2)):
        n, c, h, w = x.shape
        kh, kw = kernel
        oh, ow = h // kh, w // kw
        # One copy that brings the kh*kw offsets of every block to the front, so that all
        # the work below runs on contiguous (N, C, OH, OW) slices. Reducing over the
        # interleaved axes of x.reshape(n, c, oh, kh, ow, kw) is many times slower, and
        # np.argmax over a short axis slower still.
        blocks = x[:, :, : oh * kh, : ow * kw].reshape(n, c, oh, kh, ow, kw)
        p = np.ascontiguousarray(blocks.transpose(3, 5, 0, 1, 2, 4)).reshape(kh * kw, n, c, oh, ow)
        y = p[0].copy()
        for k in range(1, kh * kw):
            np.maximum(y, p[k], out=y)
        if ctx is NULL_CTX:  # nothing will call backward (no_grad, eval): skip the mask
            return y
        # mask[k] marks the blocks whose first maximum is offset k: the offset equals y and
        # no earlier offset did; if none did, it is the last one
        mask = np.empty(p.shape, dtype=bool)
        taken = np.zeros(y.shape, dtype=bool)
        nan = x.dtype.kind in "fc" and bool(np.isnan(y).any())
        for k in range(kh * kw - 1):
            hit = np.equal(p[k], y, out=mask[k])
            if nan:  # NaN != NaN: a NaN in the block is its maximum
                hit |= np.isnan(p[k])
            np.greater(hit, taken, out=hit)  # hit and not taken
            taken |= hit
        np.logical_not(taken, out=mask[-1])
        ctx.save_for_backward(mask)
        ctx.kernel = kernel
        ctx.in_size = (h, w)
        return y

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_values
        kh, kw = ctx.kernel
        h, w = ctx.in_size
        _, n, c, oh, ow = mask.shape
        weights = mask.astype(g.dtype)
        if isinstance(g, Tensor):
            # create_graph: the same map composed of differentiable ops (linear in g)
            gp = (g * weights).reshape(kh, kw, n, c, oh, ow).permute(2, 3, 4, 0, 5, 1)
            gx = gp.reshape(n, c, oh * kh, ow * kw)
            if (oh * kh, ow * kw) != (h, w):
                gx = pad(gx, (0, w - ow * kw, 0, h - oh * kh))
            return (gx,)
        gx = np.empty((n, c, h, w), dtype=g.dtype)
        for i in range(kh):
            for j in range(kw):
                np.multiply(g, weights[i * kw + j], out=gx[:, :, i : oh * kh : kh, j : ow * kw : kw])
        gx[:, :, oh * kh :] = 0
        gx[:, :, :, ow * kw :] = 0
        return (gx,)

    def op_name(self) -> str:
        return "max_pool2d"  # what the user called ("blockmax" would name the method instead)
