"""softmax and log_softmax: forward values against numpy, gradients and second derivatives
against central differences, agreement with the composed (unfused) definitions, the
Jacobian diag(s) - s s^T, stability for huge inputs, and error messages."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import shapes, tensors

SMALL_SHAPES = shapes(max_dims=2, max_side=3)  # for second derivatives, which are costlier


def check_second_order(fn, inputs):
    """gradgradcheck, plus: the backward run on Tensors (create_graph=True) gives the same
    first derivative as the one run on arrays. gradgradcheck differentiates the former
    only, so on its own it would miss a create_graph backward with wrong values."""
    assert gradgradcheck(fn, inputs)
    out = fn(*inputs)
    v = Tensor(np.random.default_rng(1).standard_normal(out.shape))
    xs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    plain = tg.autograd.grad(out, xs, v, retain_graph=True)
    graph = tg.autograd.grad(out, xs, v, create_graph=True)
    for p, g in zip(plain, graph):
        np.testing.assert_allclose(g.data, p.data, rtol=1e-12, atol=1e-12)


@st.composite
def with_dim(draw, x_strategy):
    x = draw(x_strategy)
    n = max(x.ndim, 1)  # a 0-d tensor accepts dim 0 / -1, as in PyTorch
    return x, draw(st.integers(-n, n - 1))


def np_axis(x, dim):
    return None if x.ndim == 0 else dim


# Plain textbook formulas: fine as references for inputs in [-3, 3] (no overflow there).
def softmax64(a, axis):
    e = np.exp(a)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax64(a, axis):
    return a - np.log(np.sum(np.exp(a), axis=axis, keepdims=True))


# name -> (call given (x, dim), float64 numpy reference given (array, axis))
OPS = {
    "softmax": (lambda x, d: x.softmax(d), softmax64),
    "log_softmax": (lambda x, d: x.log_softmax(dim=d), log_softmax64),
    "tg.softmax": (lambda x, d: tg.softmax(x, d), softmax64),
    "tg.log_softmax": (lambda x, d: tg.log_softmax(x, dim=d), log_softmax64),
}


def _tol(dtype):
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_forward_matches_numpy_and_keeps_dtype(name, data):
    call, ref = OPS[name]
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    x, dim = data.draw(with_dim(tensors(dtype=dtype, requires_grad=False)), label="x, dim")
    out = call(x, dim)
    assert out.dtype == dtype
    assert out.shape == x.shape
    np.testing.assert_allclose(out.data, ref(x.data.astype(np.float64), np_axis(x, dim)), **_tol(dtype))


@given(x_dim=with_dim(tensors(requires_grad=False)))
def test_softmax_is_a_distribution_along_dim(x_dim):
    x, dim = x_dim
    s = x.softmax(dim).data
    assert np.all(s > 0)
    np.testing.assert_allclose(np.sum(s, axis=np_axis(x, dim)), 1.0, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_grad_matches_numerical(name, data):
    call = OPS[name][0]
    x, dim = data.draw(with_dim(tensors()), label="x, dim")
    assert gradcheck(lambda t: call(t, dim), (x,))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@settings(max_examples=10)
@given(data=st.data())
def test_second_derivative_matches_numerical(name, data):
    call = OPS[name][0]
    x, dim = data.draw(with_dim(tensors(shape=SMALL_SHAPES)), label="x, dim")
    check_second_order(lambda t: call(t, dim), (x,))


@settings(max_examples=15)
@given(x_dim=with_dim(tensors()))
def test_fused_ops_match_their_composed_definitions(x_dim):
    # value and gradient of the hand-written backward against the chain rule of primitives
    x, dim = x_dim
    composed = {
        "softmax": lambda t: t.exp() / t.exp().sum(dim, keepdim=True),
        "log_softmax": lambda t: t - t.exp().sum(dim, keepdim=True).log(),
    }
    w = Tensor(np.random.default_rng(2).standard_normal(x.shape))
    for name, slow in composed.items():
        x1, x2 = Tensor(x.data, requires_grad=True), Tensor(x.data, requires_grad=True)
        fast_out, slow_out = getattr(x1, name)(dim), slow(x2)
        np.testing.assert_allclose(fast_out.data, slow_out.data, rtol=1e-12, atol=1e-14)
        (fast_out * w).sum().backward()
        (slow_out * w).sum().backward()
        np.testing.assert_allclose(x1.grad.data, x2.grad.data, rtol=1e-10, atol=1e-13)


def test_softmax_jacobian_is_diag_s_minus_s_outer_s():
    # Built row by row: row i of J is the gradient of s_i, i.e. backward of a one-hot seed.
    x = Tensor(np.array([0.5, -1.0, 2.0, 0.0]), requires_grad=True)
    s = tg.softmax(x, dim=0)
    n = x.shape[0]
    jac = np.zeros((n, n))
    for i in range(n):
        (row,) = tg.autograd.grad(s, [x], grad_outputs=Tensor(np.eye(n)[i]), retain_graph=True)
        jac[i] = row.data
    sv = softmax64(x.data, 0)
    np.testing.assert_allclose(jac, np.diag(sv) - np.outer(sv, sv), rtol=1e-12, atol=1e-15)


def test_log_softmax_jacobian_is_identity_minus_rows_of_s():
    # d log_softmax_i / dx_j = delta_ij - s_j
    x = Tensor(np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 1.0]]), requires_grad=True)
    y = tg.log_softmax(x, dim=1)
    sv = softmax64(x.data, 1)
    for r in range(2):
        for i in range(3):
            seed = np.zeros((2, 3))
            seed[r, i] = 1
            (g,) = tg.autograd.grad(y, [x], grad_outputs=Tensor(seed), retain_graph=True)
            expected = np.zeros((2, 3))
            expected[r] = np.eye(3)[i] - sv[r]
            np.testing.assert_allclose(g.data, expected, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ stability


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_huge_inputs_give_finite_values_and_gradients(name, dtype):
    a = np.array([[1e4, 1e4 - 1, -1e4], [-1e4, -1e4 + 2, -1e4 + 1]], dtype=dtype)
    x = Tensor(a, requires_grad=True)
    w = Tensor(np.array([[1.0, -2.0, 0.5], [0.3, 0.0, -1.0]], dtype=dtype))
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        out = getattr(x, name)(1)
        (out * w).sum().backward()
    assert out.dtype == dtype
    # reference: shift by the logsumexp computed without overflow
    a64 = a.astype(np.float64)
    log_s = a64 - np.logaddexp.reduce(a64, axis=1, keepdims=True)
    expected = np.exp(log_s) if name == "softmax" else log_s
    # float32 holds 1e4 only to ~1e-3, which bounds the error of x - logsumexp(x)
    tol = {"rtol": 2e-3, "atol": 2e-3} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}
    np.testing.assert_allclose(out.data, expected, **tol)
    assert np.all(np.isfinite(x.grad.data))
    s, wv = np.exp(log_s), w.data.astype(np.float64)
    if name == "softmax":  # g J = s * (w - sum(w s))
        expected_grad = s * (wv - np.sum(wv * s, axis=1, keepdims=True))
    else:  # w - s sum(w)
        expected_grad = wv - s * np.sum(wv, axis=1, keepdims=True)
    np.testing.assert_allclose(x.grad.data, expected_grad, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_never_takes_log_of_an_underflowed_zero(dtype):
    # softmax(-1e4 vs 0) underflows to 0, but log_softmax must stay finite: -1e4
    out = Tensor(np.array([0.0, -1e4], dtype=dtype)).log_softmax(0)
    np.testing.assert_allclose(out.data, [0.0, -1e4], rtol=1e-6)


# ------------------------------------------------------------------ arguments and errors


def test_dtype_argument_converts_before_the_op():
    x = Tensor(np.array([0.5, 1.5], dtype=np.float32))
    out = tg.softmax(x, 0, dtype=tg.float64)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, softmax64(np.array([0.5, 1.5]), 0), rtol=1e-15)
    assert tg.log_softmax(x, 0, dtype=tg.float64).dtype == np.float64


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_missing_dim_raises_type_error(name):
    with pytest.raises(TypeError, match=name):
        getattr(tg.ones(2, 3), name)()
    with pytest.raises(TypeError, match=name):
        getattr(tg, name)(tg.ones(2, 3))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_out_of_range_dim_raises_index_error_naming_the_op(name):
    with pytest.raises(IndexError, match=name):
        getattr(tg.ones(2, 3), name)(2)
    with pytest.raises(IndexError, match=name):
        getattr(tg, name)(tg.ones(2, 3), dim=-3)
