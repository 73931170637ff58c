"""Unfold (im2col) and Fold (col2im), the op pair under convolution and pooling.

Forward values are compared with plain loops over an explicitly padded array. Fold must
be the adjoint of Unfold (<unfold(x), y> == <x, fold(y)> for all x, y): that is what makes
each the other's backward, so it is tested directly, and then through gradcheck and
gradgradcheck (whose second derivative runs the dual op on Tensors).
"""

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.ops.conv import Fold, Unfold


def out_size(padded, k, s, d):
    return (padded - d * (k - 1) - 1) // s + 1


def naive_unfold(x, kernel, stride, dilation, padding, value=0.0):
    n, c, h, w = x.shape
    (pt, pb), (pl, pr) = padding
    xp = np.full((n, c, h + pt + pb, w + pl + pr), value, dtype=np.float64)
    xp[:, :, pt : pt + h, pl : pl + w] = x
    oh = out_size(xp.shape[2], kernel[0], stride[0], dilation[0])
    ow = out_size(xp.shape[3], kernel[1], stride[1], dilation[1])
    out = np.empty((n, c, kernel[0], kernel[1], oh, ow))
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            for a in range(oh):
                for b in range(ow):
                    r, c_ = a * stride[0] + i * dilation[0], b * stride[1] + j * dilation[1]
                    out[:, :, i, j, a, b] = xp[:, :, r, c_]
    return out


def naive_fold(p, shape, kernel, stride, dilation, padding):
    n, c, h, w = shape
    (pt, pb), (pl, pr) = padding
    out = np.zeros((n, c, h + pt + pb, w + pl + pr))
    oh, ow = p.shape[-2:]
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            for a in range(oh):
                for b in range(ow):
                    r, c_ = a * stride[0] + i * dilation[0], b * stride[1] + j * dilation[1]
                    out[:, :, r, c_] += p[:, :, i, j, a, b]
    return out[:, :, pt : pt + h, pl : pl + w]


@st.composite
def geometries(draw, max_kernel=3, max_extra=4, max_channels=3):
    """A window geometry whose dilated kernel fits in the (asymmetrically) padded input."""
    kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(2))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(2))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(2))
    padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(2))
    size = []
    for k, d, (lo, hi) in zip(kernel, dilation, padding):
        least = max(1, d * (k - 1) + 1 - lo - hi)
        size.append(draw(st.integers(least, least + max_extra)))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, max_channels)), *size)
    return dict(shape=shape, kernel=kernel, stride=stride, dilation=dilation, padding=padding)


def geo_args(g):
    return dict(kernel=g["kernel"], stride=g["stride"], dilation=g["dilation"], padding=g["padding"])


def patch_shape(g):
    n, c, h, w = g["shape"]
    (pt, pb), (pl, pr) = g["padding"]
    oh = out_size(h + pt + pb, g["kernel"][0], g["stride"][0], g["dilation"][0])
    ow = out_size(w + pl + pr, g["kernel"][1], g["stride"][1], g["dilation"][1])
    return (n, c, *g["kernel"], oh, ow)


def randn(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ------------------------------------------------------------------ forward values


@given(geometries(), st.sampled_from([0.0, -np.inf, 2.5]))
@example(dict(shape=(1, 1, 1, 1), kernel=(1, 1), stride=(1, 1), dilation=(1, 1), padding=((0, 0),) * 2), 0.0)
def test_unfold_matches_naive_windows(g, value):
    x = randn(g["shape"])
    got = Unfold.apply(Tensor(x), **geo_args(g), value=value)
    expected = naive_unfold(x, value=value, **geo_args(g))
    assert got.shape == expected.shape == patch_shape(g)
    np.testing.assert_array_equal(got.data, expected)


@given(geometries())
def test_fold_matches_naive_scatter_add(g):
    p = randn(patch_shape(g), seed=1)
    got = Fold.apply(Tensor(p), shape=g["shape"], **geo_args(g))
    np.testing.assert_allclose(got.data, naive_fold(p, g["shape"], **geo_args(g)), rtol=1e-12, atol=1e-12)


def test_fold_adds_overlapping_windows():
    # 3x3 input, 2x2 windows, stride 1: the centre is in all 4 windows, corners in 1
    ones = np.ones((1, 1, 2, 2, 2, 2))
    got = Fold.apply(Tensor(ones), shape=(1, 1, 3, 3), kernel=(2, 2), stride=(1, 1), dilation=(1, 1),
                     padding=((0, 0), (0, 0)))
    np.testing.assert_array_equal(got.data[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_unfold_keeps_dtype_and_float32_values():
    x = randn((2, 3, 5, 4)).astype(np.float32)
    g = dict(kernel=(2, 3), stride=(2, 1), dilation=(1, 1), padding=((1, 0), (0, 1)))
    got = Unfold.apply(Tensor(x), **g)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.data, naive_unfold(x.astype(np.float64), **g).astype(np.float32))


# ------------------------------------------------------------------ adjointness and gradients


@given(geometries())
def test_fold_is_adjoint_of_unfold(g):
    x = randn(g["shape"], seed=2)
    y = randn(patch_shape(g), seed=3)
    lhs = np.sum(Unfold.apply(Tensor(x), **geo_args(g)).data * y)
    rhs = np.sum(x * Fold.apply(Tensor(y), shape=g["shape"], **geo_args(g)).data)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)


small_geometries = geometries(max_kernel=2, max_extra=2, max_channels=2)


@settings(max_examples=12)
@given(small_geometries)
def test_unfold_grad_matches_numerical(g):
    x = Tensor(randn(g["shape"], seed=4), requires_grad=True)
    # a non-zero padding value must not leak gradient anywhere
    assert gradcheck(lambda t: Unfold.apply(t, **geo_args(g), value=1.5), (x,))


@settings(max_examples=12)
@given(small_geometries)
def test_fold_grad_matches_numerical(g):
    p = Tensor(randn(patch_shape(g), seed=5), requires_grad=True)
    assert gradcheck(lambda t: Fold.apply(t, shape=g["shape"], **geo_args(g)), (p,))


@settings(max_examples=6)
@given(small_geometries)
def test_unfold_and_fold_second_derivatives_match_numerical(g):
    x = Tensor(randn(g["shape"], seed=6), requires_grad=True)
    p = Tensor(randn(patch_shape(g), seed=7), requires_grad=True)
    # squaring makes the second derivative non-zero, so it depends on the dual op's values
    assert gradgradcheck(lambda t: Unfold.apply(t, **geo_args(g)) ** 2, (x,))
    assert gradgradcheck(lambda t: Fold.apply(t, shape=g["shape"], **geo_args(g)) ** 2, (p,))


def test_double_backward_records_the_dual_op():
    g = dict(kernel=(2, 2), stride=(1, 1), dilation=(1, 1), padding=((1, 1), (1, 1)))
    x = Tensor(randn((1, 2, 3, 3)), requires_grad=True)
    (gx,) = tg.autograd.grad((Unfold.apply(x, **g) ** 2).sum(), [x], create_graph=True)
    assert gx.grad_fn is not None and gx.grad_fn.name() == "FoldBackward"
    p = Tensor(randn((1, 2, 2, 2, 4, 4)), requires_grad=True)
    (gp,) = tg.autograd.grad((Fold.apply(p, shape=(1, 2, 3, 3), **g) ** 2).sum(), [p], create_graph=True)
    assert gp.grad_fn is not None and gp.grad_fn.name() == "UnfoldBackward"


def test_unfold_grad_counts_the_windows_that_see_each_pixel():
    # 3x3 image, 2x2 windows, stride 1, no padding: the centre is in 4 windows, edges in 2, corners in 1
    x = Tensor(randn((1, 1, 3, 3)), requires_grad=True)
    Unfold.apply(x, kernel=(2, 2), stride=(1, 1), dilation=(1, 1), padding=((0, 0), (0, 0))).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
