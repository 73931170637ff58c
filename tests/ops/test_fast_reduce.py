"""ops.fast_reduce: the faster max and sum along one axis give numpy's values on every
shape, dtype and layout (the fast paths and the fallbacks alike), and the ops built on
them (softmax, log_softmax, logsumexp, cross_entropy) keep their values and gradients
on shapes that take the fast paths (many rows, a short class axis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tinygrad_edu as tg
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.nn import functional as F
from tinygrad_edu.ops.fast_reduce import max_along, sum_along, sum_rows

# shapes around the fast paths' bounds: 64 rows, 16 and 1024 entries per row
_SHAPES = st.one_of(
    st.tuples(st.integers(0, 200), st.integers(0, 20)),
    st.tuples(st.integers(1, 4), st.integers(1, 40), st.integers(0, 18)),
    st.tuples(st.integers(0, 3), st.sampled_from([1023, 1024, 1025])),
    st.tuples(st.integers(0, 30)),
)
_VALUES = st.floats(-1e6, 1e6, width=32) | st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0])


@st.composite
def _arrays(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = draw(_SHAPES)
    x = draw(arrays(dtype, shape, elements=_VALUES))
    layout = draw(st.sampled_from(["C", "F", "strided"]))
    if layout == "F":
        x = np.asfortranarray(x)
    elif layout == "strided" and x.ndim:
        x = np.repeat(x, 2, axis=-1)[..., ::2]  # same values, not contiguous
    axis = draw(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1)) if x.ndim else 0
    return x, axis


@settings(max_examples=300, deadline=None)
@given(_arrays())
def test_max_along_is_numpys_max(xa):
    x, axis = xa
    got = max_along(x, axis)
    want = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)  # a max is exact (NaN where numpy has NaN)


@settings(max_examples=300, deadline=None)
@given(_arrays())
def test_sum_along_is_numpys_sum(xa):
    x, axis = xa
    got = sum_along(x, axis)
    want = np.sum(x, axis=axis, keepdims=True)
    assert got.shape == want.shape and got.dtype == want.dtype
    # rounding differs (BLAS's running sums vs numpy's pairwise tree): compare within
    # the error bound of a sum of k terms, relative to the sum of magnitudes
    k = x.shape[axis] if x.ndim else 1
    eps = np.finfo(x.dtype).eps
    with np.errstate(invalid="ignore", over="ignore"):
        scale = np.sum(np.abs(x), axis=axis, keepdims=True)
        finite = np.isfinite(scale)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    assert np.all(np.abs(got - want)[finite] <= 2 * k * eps * scale[finite] + 1e-30)


@st.composite
def _row_arrays(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64, np.float16]))
    shape = draw(st.tuples(st.integers(0, 300), st.integers(0, 40)) | st.tuples(st.integers(0, 5)))
    values = _VALUES
    if dtype == np.float16:  # (not a BLAS dtype: numpy's own sum)
        values = st.floats(-100, 100, width=16) | st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0])
    x = draw(arrays(dtype, shape, elements=values))
    layout = draw(st.sampled_from(["C", "F", "strided"]))
    if layout == "F":
        x = np.asfortranarray(x)
    elif layout == "strided" and x.ndim:
        x = np.repeat(x, 2, axis=-1)[..., ::2]
    return x


@settings(max_examples=300, deadline=None)
@given(_row_arrays())
def test_sum_rows_is_numpys_sum_over_the_first_axis(x):
    got = sum_rows(x)
    want = x.sum(0)
    assert got.shape == want.shape and got.dtype == want.dtype
    k = x.shape[0]
    eps = np.finfo(x.dtype).eps
    with np.errstate(invalid="ignore", over="ignore"):
        scale = np.abs(x).astype(np.float64).sum(0)
        finite = np.isfinite(scale) & np.isfinite(want)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    assert np.all(np.abs(got - want)[finite] <= 2 * k * eps * scale[finite] + 1e-30)


def test_sum_rows_of_a_tensor_is_the_differentiable_sum():
    t = tg.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    s = sum_rows(t)
    assert isinstance(s, tg.Tensor) and s.grad_fn is not None
    np.testing.assert_array_equal(s.data, [6.0, 9.0])


def test_fast_paths_are_taken_and_exact_on_a_classifier_batch():
    # (256, 10): both fast paths; integers-valued floats make every rounding exact
    x = np.random.default_rng(0).integers(-50, 50, (256, 10)).astype(np.float32)
    np.testing.assert_array_equal(max_along(x, 1), x.max(1, keepdims=True))
    np.testing.assert_array_equal(sum_along(x, -1), x.sum(1, keepdims=True))
    assert sum_along(x, 1).flags.c_contiguous


def test_tensors_go_through_the_differentiable_sum():
    t = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    s = sum_along(t, 1)
    assert isinstance(s, tg.Tensor) and s.shape == (2, 1) and s.requires_grad
    np.testing.assert_array_equal(s.data, [[3.0], [12.0]])


def test_other_dtypes_use_numpy():
    x = np.arange(200 * 3, dtype=np.int64).reshape(200, 3)
    np.testing.assert_array_equal(sum_along(x, 1), x.sum(1, keepdims=True))
    h = x.astype(np.float16)
    np.testing.assert_array_equal(max_along(h, 1), h.max(1, keepdims=True))


# ------------------------------------------------ the ops on shapes that take the fast paths
_BATCH = (70, 5)  # >= 64 rows of <= 16 classes: max and sum both take the fast path


def _x(shape=_BATCH, seed=0):
    return tg.tensor(np.random.default_rng(seed).standard_normal(shape) * 3, requires_grad=True)


def _reference_log_softmax(a, axis):
    m = a.max(axis, keepdims=True)
    return a - m - np.log(np.exp(a - m).sum(axis, keepdims=True))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_family_values_on_fast_path_shapes(dtype):
    a = np.random.default_rng(1).standard_normal((3, 100, 7)).astype(dtype) * 10
    x = tg.tensor(a)
    ref = _reference_log_softmax(a.astype(np.float64), -1)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(tg.log_softmax(x, -1).data, ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(tg.softmax(x, 2).data, np.exp(ref), rtol=tol, atol=tol)
    lse = np.log(np.exp(a.astype(np.float64)).sum(-1))
    np.testing.assert_allclose(tg.logsumexp(x, -1).data, lse, rtol=tol, atol=tol)


def test_softmax_family_stays_stable_and_handles_inf_on_fast_path_shapes():
    a = np.zeros((80, 4))
    a[:, 0] = 1e30  # exp would overflow without subtracting the max
    a[1] = -np.inf  # a row of -inf: logsumexp is -inf, softmax NaN (as numpy/PyTorch)
    x = tg.tensor(a)
    s = tg.softmax(x, 1).data
    np.testing.assert_array_equal(s[0], [1, 0, 0, 0])
    assert np.isnan(s[1]).all()
    assert tg.logsumexp(x, 1).data[1] == -np.inf


@pytest.mark.parametrize("fn", [
    lambda x: tg.softmax(x, 1),
    lambda x: tg.log_softmax(x, -1),
    lambda x: tg.logsumexp(x, 1),
    lambda x: F.cross_entropy(x, tg.tensor(np.arange(x.shape[0]) % x.shape[1])),
])
def test_gradients_on_fast_path_shapes(fn):
    x = _x()
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (_x((64, 3), seed=2),))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_sums_and_means_on_fast_path_shapes(dtype):
    # Sum (and so mean, var, std) over the last dim of a matrix or batch goes through sum_along
    a = np.random.default_rng(4).standard_normal((5, 300, 7)).astype(dtype)
    x = tg.tensor(a)
    ref = a.astype(np.float64)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(x.sum(-1).data, ref.sum(-1), rtol=tol, atol=tol)
    np.testing.assert_allclose(x.mean(2, keepdim=True).data, ref.mean(2, keepdims=True), rtol=tol, atol=tol)
    np.testing.assert_allclose(x.var(-1).data, ref.var(-1, ddof=1), rtol=tol, atol=tol)
    assert x.sum(-1).dtype == dtype and x.sum(-1).shape == (5, 300)
    assert gradcheck(lambda t: (t.sum(-1) ** 2).mean(), (_x((70, 5)),))
