"""Fast paths for windows that tile the input.

Max pooling whose windows tile the input (stride == kernel, no padding, no dilation,
no indices), which ``F.max_pool2d`` computes with the ``BlockMax`` op instead of
unfolding. It must agree exactly with the general Unfold path, which
``return_indices=True`` still takes, and with a plain loop: values, which element of a
tied block gets the gradient (the first in row-major order, as PyTorch), NaNs, cropping
of rows/columns past the last whole window, and second derivatives. Fold (col2im) of
such windows is a single copy instead of a scatter-add; Unfold pads with a filled buffer.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.ops.conv import BlockMax, Fold, Unfold


def naive_block_max(x, kh, kw):
    """Values and the gradient mask of non-overlapping kh x kw max pooling, by loops."""
    n, c, h, w = x.shape
    oh, ow = h // kh, w // kw
    y = np.empty((n, c, oh, ow), x.dtype)
    mask = np.zeros(x.shape, x.dtype)
    for a in range(n):
        for b in range(c):
            for i in range(oh):
                for j in range(ow):
                    block = x[a, b, i * kh : (i + 1) * kh, j * kw : (j + 1) * kw].ravel()
                    nans = np.flatnonzero(np.isnan(block))
                    k = nans[0] if nans.size else int(np.argmax(block))  # first maximum
                    y[a, b, i, j] = block[k]
                    mask[a, b, i * kh + k // kw, j * kw + k % kw] = 1
    return y, mask


def node_names(t):
    """Names of all nodes in the graph behind ``t``."""
    seen, todo = {}, [t.grad_fn]
    while todo:
        node = todo.pop()
        if node is not None and id(node) not in seen:
            seen[id(node)] = node.name()
            todo.extend(e[0] for e in node.next_functions if e is not None)
    return set(seen.values())


@st.composite
def tiled_cases(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)),
             draw(st.integers(kh, 3 * kh + 2)), draw(st.integers(kw, 3 * kw + 2)))
    # few distinct values: ties inside blocks are common
    x = draw(st.lists(st.integers(-2, 2), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    return np.array(x, dtype=np.float64).reshape(shape), (kh, kw)


@given(tiled_cases())
@settings(max_examples=25)
def test_tiled_max_pool_values_and_grad_match_loop_with_ties(case):
    x, (kh, kw) = case
    xt = Tensor(x, requires_grad=True)
    y = F.max_pool2d(xt, (kh, kw))
    assert "BlockMaxBackward" in node_names(y)  # the fast path, not Unfold
    node = y.grad_fn
    while not isinstance(node, BlockMax):  # below the reshapes that restore the input's dims
        node = node.next_functions[0][0]
    assert node.op_name() == "max_pool2d"  # how graphs and traces label it
    n, c, h, w = x.shape
    exp_y, exp_mask = naive_block_max(x[:, :, : h // kh * kh, : w // kw * kw], kh, kw)
    np.testing.assert_array_equal(y.data, exp_y)
    g = np.random.default_rng(0).standard_normal(y.shape)
    y.backward(Tensor(g))
    expected = np.zeros_like(x)
    expected[:, :, : h // kh * kh, : w // kw * kw] = exp_mask * np.repeat(np.repeat(g, kh, 2), kw, 3)
    np.testing.assert_array_equal(xt.grad.data, expected)


@given(tiled_cases())
@settings(max_examples=15)
def test_tiled_max_pool_agrees_with_the_unfold_path(case):
    x, (kh, kw) = case
    a, b = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    ya = F.max_pool2d(a, (kh, kw))
    yb, _ = F.max_pool2d(b, (kh, kw), return_indices=True)  # general path
    np.testing.assert_array_equal(ya.data, yb.data)
    ya.sum().backward()
    yb.sum().backward()
    np.testing.assert_array_equal(a.grad.data, b.grad.data)


def test_tiled_max_pool_nan_is_the_maximum_and_gets_the_gradient():
    x = np.array([[[[1.0, np.nan, 5.0, 2.0], [3.0, np.nan, 1.0, 0.0]]]])
    xt = Tensor(x, requires_grad=True)
    y = F.max_pool2d(xt, 2)
    assert np.isnan(y.data[0, 0, 0, 0]) and y.data[0, 0, 0, 1] == 5.0
    y.sum().backward()
    expected = np.zeros_like(x)
    expected[0, 0, 0, 1] = 1.0  # the first NaN only
    expected[0, 0, 0, 2] = 1.0
    np.testing.assert_array_equal(xt.grad.data, expected)


def test_tiled_max_pool_float32_stays_float32():
    x = Tensor(np.random.default_rng(1).standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_tiled_max_pool_under_no_grad_matches_recorded_values():
    x = np.random.default_rng(2).standard_normal((2, 2, 8, 6))
    with tg.no_grad():
        y0 = F.max_pool2d(Tensor(x, requires_grad=True), (2, 3))
    y1 = F.max_pool2d(Tensor(x, requires_grad=True), (2, 3))
    np.testing.assert_array_equal(y0.data, y1.data)
    np.testing.assert_array_equal(y0.data, x.reshape(2, 2, 4, 2, 2, 3).max(axis=(3, 5)))


def test_tiled_max_pool_grad_matches_numerical_with_crop():
    x = Tensor(np.random.default_rng(3).permutation(2 * 3 * 7 * 5).reshape(2, 3, 7, 5) / 10.0,
               requires_grad=True)
    assert gradcheck(lambda a: F.max_pool2d(a, 2), (x,))


def test_tiled_max_pool_second_derivative_matches_numerical_with_crop():
    x = Tensor(np.random.default_rng(4).standard_normal((1, 2, 5, 7)), requires_grad=True)
    assert gradgradcheck(lambda a: F.max_pool2d(a.tanh(), (2, 3)) ** 2, (x,))


def test_block_max_backward_under_create_graph_is_differentiable_in_the_incoming_grad():
    # d/dg <BlockMax_backward(g), v> = the block maximum of v, picked by the same mask
    x = Tensor(np.array([[[[1.0, 4.0], [4.0, 2.0]]]]), requires_grad=True)
    y = BlockMax.apply(x, kernel=(2, 2))
    g = Tensor(np.array([[[[3.0]]]]), requires_grad=True)
    (gx,) = tg.autograd.grad(y, x, g, create_graph=True)
    np.testing.assert_array_equal(gx.data, [[[[0.0, 3.0], [0.0, 0.0]]]])  # first of the tied 4s
    v = np.array([[[[10.0, 20.0], [30.0, 40.0]]]])
    (gg,) = tg.autograd.grad((gx * Tensor(v)).sum(), g)
    np.testing.assert_array_equal(gg.data, [[[[20.0]]]])


def test_max_pool1d_tiled_matches_loop():
    x = np.random.default_rng(5).standard_normal((2, 3, 9))
    xt = Tensor(x, requires_grad=True)
    y = F.max_pool1d(xt, 3)
    exp_y, mask = naive_block_max(x[:, :, None, :], 1, 3)
    np.testing.assert_array_equal(y.data, exp_y[:, :, 0])
    y.sum().backward()
    np.testing.assert_array_equal(xt.grad.data, mask[:, :, 0])


def test_tiled_max_pool_ties_and_grads_match_torch():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    x = np.round(np.random.default_rng(6).standard_normal((2, 3, 9, 8)))  # many ties
    xa, xb = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = F.max_pool2d(xa, (2, 3)), torch.nn.functional.max_pool2d(xb, (2, 3))
    np.testing.assert_array_equal(ya.data, yb.detach().numpy())
    g = np.random.default_rng(7).standard_normal(ya.shape)
    ya.backward(Tensor(g))
    yb.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(xa.grad.data, xb.grad.numpy())


def loop_fold(p, shape, kernel, stride, padding):
    """Fold (col2im) by a loop over every patch entry (dilation 1)."""
    n, c, h, w = shape
    (pt, pb), (pl, pr) = padding
    out = np.zeros((n, c, h + pt + pb, w + pl + pr))
    oh, ow = p.shape[-2:]
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            for a in range(oh):
                for b in range(ow):
                    out[:, :, a * stride[0] + i, b * stride[1] + j] += p[:, :, i, j, a, b]
    return out[:, :, pt : pt + h, pl : pl + w]


@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 2), st.integers(0, 1), st.integers(0, 3))
@settings(max_examples=20)
def test_fold_of_tiling_windows_matches_loop_and_is_unfolds_adjoint(kh, kw, extra, pad_lo, pad_hi):
    # stride == kernel, dilation 1: Fold's single-copy path (e.g. avg_pool2d(x, 2)'s backward)
    shape = (2, 2, 2 * kh + extra, 3 * kw + extra)
    padding = ((pad_lo, pad_hi), (pad_hi, pad_lo))
    args = dict(kernel=(kh, kw), stride=(kh, kw), dilation=(1, 1), padding=padding)
    rng = np.random.default_rng(kh * 10 + kw)
    x = rng.standard_normal(shape)
    patches = Unfold.apply(Tensor(x), **args).data
    p = rng.standard_normal(patches.shape)
    folded = Fold.apply(Tensor(p), shape=shape, **args).data
    expected = loop_fold(p, shape, (kh, kw), (kh, kw), padding)
    np.testing.assert_allclose(folded, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.vdot(patches, p), np.vdot(x, folded), rtol=1e-10)


def test_unfold_pads_with_the_given_value():
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    p = Unfold.apply(Tensor(x), kernel=(2, 2), stride=(1, 1), dilation=(1, 1), padding=((1, 0), (0, 2)),
                     value=-7.0).data
    padded = np.full((1, 1, 3, 5), -7.0)
    padded[:, :, 1:, :3] = x
    for i in range(2):
        for j in range(2):
            np.testing.assert_array_equal(p[0, 0, i, j], padded[0, 0, i : i + 2, j : j + 4])
