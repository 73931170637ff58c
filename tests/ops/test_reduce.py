"""Reductions: forward values against numpy for random ``dim``/``keepdim``, gradients and
second derivatives against central differences, and PyTorch's conventions (ties, zeros in
``prod``, ``var`` corrections, ``argmax`` dtype, error messages)."""

import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import shapes, tensors

REAL = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
# prod is a polynomial, so exact zeros (which hypothesis likes to draw) are fair game
SMALL = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
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


def distinct_tensors(shape=None, dtype=np.float64, requires_grad=True):
    """Tensors whose values are all different and at least 0.05 apart: a max/min or a
    standard deviation is then smooth in a neighbourhood wider than gradcheck's eps."""
    return hnp.arrays(
        dtype, shape if shape is not None else shapes(),
        elements=st.integers(-60, 60).map(lambda k: k / 20), unique=True,
    ).map(lambda a: Tensor(a, requires_grad=requires_grad))


@st.composite
def with_dims(draw, x_strategy, kinds=("none", "int", "tuple")):
    """(x, dim, keepdim): dim is None, an int or a tuple of ints, possibly negative."""
    x = draw(x_strategy)
    n = max(x.ndim, 1)  # a 0-d tensor accepts dim 0 / -1, as in PyTorch
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        dim = None
    elif kind == "int":
        dim = draw(st.integers(-n, n - 1))
    else:
        axes = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        dim = tuple(draw(st.sampled_from([a, a - n])) for a in axes)
    return x, dim, draw(st.booleans())


def np_axis(x, dim):
    """numpy's axis for ``dim`` (numpy has no axis 0 on a 0-d array)."""
    return None if x.ndim == 0 or dim is None else dim


def reduced_count(x, dim):
    if dim is None or x.ndim == 0:
        return x.data.size
    dims = (dim,) if isinstance(dim, int) else dim
    return int(np.prod([x.shape[d] for d in dims]))


def _tol(dtype):
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}


def _logsumexp64(a, axis, keepdims):
    # np.logaddexp.reduce is an independent, overflow-free reference
    if axis is None:
        r = np.logaddexp.reduce(a.reshape(-1), axis=0)
        return np.reshape(r, (1,) * a.ndim) if keepdims else r
    out = a
    for ax in sorted((axis,) if isinstance(axis, int) else axis, key=lambda d: d % a.ndim, reverse=True):
        out = np.logaddexp.reduce(out, axis=ax, keepdims=True)
    return out if keepdims else np.squeeze(out, axis=axis)


def any_values(shape):
    return tensors(shape=shape)


def small_values(shape):
    return tensors(shape=shape, elements=SMALL)


# name -> (method call given (x, dim, keepdim), numpy reference given (array, axis, keepdims),
#          kinds of dim it accepts, strategy of x for gradients given a shape strategy)
REDUCTIONS = {
    "sum": (lambda x, d, k: x.sum(d, k), np.sum, ("none", "int", "tuple"), any_values),
    "mean": (lambda x, d, k: x.mean(d, k), np.mean, ("none", "int", "tuple"), any_values),
    "amax": (lambda x, d, k: x.amax(d, k), np.max, ("none", "int", "tuple"), distinct_tensors),
    "amin": (lambda x, d, k: x.amin(d, k), np.min, ("none", "int", "tuple"), distinct_tensors),
    "logsumexp": (lambda x, d, k: x.logsumexp(d, k), _logsumexp64, ("none", "int", "tuple"), any_values),
    "prod": (lambda x, d, k: x.prod(d, k), np.prod, ("int",), small_values),
    "prod_all": (lambda x, d, k: x.prod(), lambda a, axis, keepdims: np.prod(a), ("none",), small_values),
    "max_all": (lambda x, d, k: x.max(), lambda a, axis, keepdims: np.max(a), ("none",), distinct_tensors),
    "min_all": (lambda x, d, k: x.min(), lambda a, axis, keepdims: np.min(a), ("none",), distinct_tensors),
    "max_dim": (lambda x, d, k: x.max(d, k).values, np.max, ("int",), distinct_tensors),
    "min_dim": (lambda x, d, k: x.min(dim=d, keepdim=k)[0], np.min, ("int",), distinct_tensors),
    "tg.sum": (lambda x, d, k: tg.sum(x, dim=d, keepdim=k), np.sum, ("none", "int", "tuple"), any_values),
    "tg.amax": (lambda x, d, k: tg.amax(x, dim=d, keepdim=k), np.max, ("none", "int", "tuple"),
                distinct_tensors),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data())
def test_reduction_forward_matches_numpy_and_keeps_dtype(name, data):
    call, ref, kinds, _ = REDUCTIONS[name]
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    x_strategy = tensors(dtype=dtype, requires_grad=False)
    x, dim, keepdim = data.draw(with_dims(x_strategy, kinds), label="x, dim, keepdim")
    out = call(x, dim, keepdim)
    expected = np.asarray(ref(x.data.astype(np.float64), axis=np_axis(x, dim), keepdims=keepdim))
    assert out.dtype == dtype
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, **_tol(dtype))


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data())
def test_reduction_grad_matches_numerical(name, data):
    call, _, kinds, make_x = REDUCTIONS[name]
    x, dim, keepdim = data.draw(with_dims(make_x(shapes()), kinds), label="x, dim, keepdim")
    assert gradcheck(lambda t: call(t, dim, keepdim), (x,))


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@settings(max_examples=8)
@given(data=st.data())
def test_reduction_second_derivative_matches_numerical(name, data):
    call, _, kinds, make_x = REDUCTIONS[name]
    x, dim, keepdim = data.draw(with_dims(make_x(SMALL_SHAPES), kinds), label="x, dim, keepdim")
    # sin makes the second derivative of piecewise-linear reductions (sum, max...) non-zero
    check_second_order(lambda t: call(t.sin(), dim, keepdim), (x,))


# ------------------------------------------------------------------ var / std


@given(
    x_dim_keep=with_dims(tensors(dtype=np.float64, requires_grad=False)),
    correction=st.sampled_from([0, 1, 2]),
    dtype=st.sampled_from([np.float32, np.float64]),
)
# N <= correction divides by <= 0: inf if the squared deviations sum to more than 0, NaN if
# they sum to 0, which in float32 they do for [0, 1e-45] (the squares underflow)
@example(x_dim_keep=(Tensor(np.array([0.0, 1.4013e-45])), None, False), correction=2, dtype=np.float32)
def test_var_std_forward_match_numpy_ddof(x_dim_keep, correction, dtype):
    x, dim, keepdim = x_dim_keep
    x = Tensor(x.data.astype(dtype))
    # float64 reference, except where the divisor is <= 0: then inf vs NaN depends on the
    # rounding of the tensor's own dtype, so the reference computes in that dtype too
    a = x.data if reduced_count(x, dim) <= correction else x.data.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy warns where N <= correction; so may we
        for op, ref in (("var", np.var), ("std", np.std)):
            out = getattr(x, op)(dim, keepdim=keepdim, correction=correction)
            expected = np.asarray(ref(a, axis=np_axis(x, dim), ddof=correction, keepdims=keepdim))
            assert out.dtype == dtype
            assert out.shape == expected.shape
            # N <= correction gives inf or nan in both, as in PyTorch
            np.testing.assert_allclose(out.data, expected, equal_nan=True, **_tol(dtype))


@given(x_dim_keep=with_dims(distinct_tensors()), correction=st.sampled_from([0, 1, 2]))
def test_var_std_grad_matches_numerical(x_dim_keep, correction):
    x, dim, keepdim = x_dim_keep
    if reduced_count(x, dim) <= max(correction, 1):
        return  # var is inf/nan there, and std of a single value has an infinite derivative
    assert gradcheck(lambda t: t.var(dim, keepdim=keepdim, correction=correction), (x,))
    assert gradcheck(lambda t: t.std(dim, keepdim=keepdim, correction=correction), (x,))


@settings(max_examples=8)
@given(x_dim_keep=with_dims(distinct_tensors(shape=SMALL_SHAPES)), correction=st.sampled_from([0, 1]))
def test_var_std_second_derivative_matches_numerical(x_dim_keep, correction):
    x, dim, keepdim = x_dim_keep
    if reduced_count(x, dim) <= max(correction, 1):
        return
    check_second_order(lambda t: t.var(dim, keepdim=keepdim, correction=correction), (x,))
    check_second_order(lambda t: t.std(dim, keepdim=keepdim, correction=correction), (x,))


def test_var_default_is_bessel_corrected_and_unbiased_kwarg_is_legacy_correction():
    a = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    x = Tensor(a)
    np.testing.assert_allclose(x.var().data, np.var(a, ddof=1))
    np.testing.assert_allclose(x.var(unbiased=True).data, np.var(a, ddof=1))
    np.testing.assert_allclose(x.var(unbiased=False).data, np.var(a, ddof=0))
    np.testing.assert_allclose(x.var(1, False).data, np.var(a, axis=1, ddof=0))  # torch.var(x, dim, unbiased)
    np.testing.assert_allclose(x.var(dim=0, correction=0).data, np.var(a, axis=0, ddof=0))
    np.testing.assert_allclose(tg.var(x, 1, correction=1, keepdim=True).data,
                               np.var(a, axis=1, ddof=1, keepdims=True))
    np.testing.assert_allclose(x.std(unbiased=False).data, np.std(a, ddof=0))
    np.testing.assert_allclose(tg.std(x, 0).data, np.std(a, axis=0, ddof=1))


def test_var_grad_with_correction_matches_formula():
    # d var / dx_i = 2 (x_i - mean) / (N - correction)
    a = np.array([1.0, 2.0, 4.0, 7.0])
    for correction in (0, 1):
        x = Tensor(a, requires_grad=True)
        x.var(correction=correction).backward()
        np.testing.assert_allclose(x.grad.data, 2 * (a - a.mean()) / (a.size - correction))


def test_var_of_single_element_is_nan_with_default_correction():
    assert np.isnan(Tensor([3.0]).var().item())
    assert Tensor([3.0]).var(correction=0).item() == 0.0


def test_var_and_mean_of_int_tensor_raise():
    for op in ("mean", "var", "std"):
        with pytest.raises(RuntimeError, match=op):
            getattr(Tensor([1, 2, 3]), op)()


# ------------------------------------------------------------------ max / min and ties


def _grad(fn, a):
    x = Tensor(np.array(a, dtype=np.float64), requires_grad=True)
    fn(x).sum().backward()
    return x.grad.data


def test_full_max_and_min_split_the_gradient_evenly_among_ties():
    a = [[1.0, 3.0, 0.0], [3.0, 2.0, 3.0]]
    np.testing.assert_allclose(_grad(lambda x: x.max(), a), [[0, 1 / 3, 0], [1 / 3, 0, 1 / 3]])
    b = [[1.0, 0.0], [0.0, 2.0]]
    np.testing.assert_allclose(_grad(lambda x: x.min(), b), [[0, 0.5], [0.5, 0]])


def test_amax_amin_split_the_gradient_evenly_among_ties_per_slice():
    a = [[3.0, 3.0, 1.0], [0.0, 2.0, 2.0], [5.0, 5.0, 5.0]]
    np.testing.assert_allclose(_grad(lambda x: x.amax(dim=1), a),
                               [[0.5, 0.5, 0], [0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(_grad(lambda x: x.amin(dim=0), a),
                               [[0, 0, 1], [1, 1, 0], [0, 0, 0]])
    np.testing.assert_allclose(_grad(lambda x: x.amax(dim=(0, 1)), a), [[0, 0, 0], [0, 0, 0], [1 / 3] * 3])
    np.testing.assert_allclose(_grad(lambda x: x.amax(), a), [[0, 0, 0], [0, 0, 0], [1 / 3] * 3])


@pytest.mark.parametrize("op", ["max", "min"])
@given(x_dim_keep=with_dims(tensors(elements=st.integers(-2, 2).map(float)), kinds=("int",)))
def test_max_min_with_dim_send_the_gradient_to_the_returned_index_only(op, x_dim_keep):
    # small integers make ties frequent; PyTorch's max(dim) does not share among them
    x, dim, keepdim = x_dim_keep
    values, indices = getattr(x, op)(dim, keepdim)
    assert indices.dtype == np.int64
    assert not indices.requires_grad
    ref = np.max if op == "max" else np.min
    axis = np_axis(x, dim)
    np.testing.assert_array_equal(values.data, ref(x.data, axis=axis, keepdims=keepdim))
    idx = indices.data if keepdim or x.ndim == 0 else np.expand_dims(indices.data, axis)
    if x.ndim > 0:
        # the index points at an extreme value, and it is the first one, as numpy/PyTorch CPU
        picked = np.take_along_axis(x.data, idx, axis=axis)
        np.testing.assert_array_equal(picked, ref(x.data, axis=axis, keepdims=True))
        first = (np.argmax if op == "max" else np.argmin)(x.data, axis=axis, keepdims=True)
        np.testing.assert_array_equal(idx, first)
    w = np.asarray(np.random.default_rng(0).standard_normal(values.shape), dtype=np.float64)
    (values * Tensor(w)).sum().backward()
    expected = np.zeros(x.shape)
    if x.ndim == 0:
        expected = np.asarray(w, dtype=np.float64).reshape(())
    else:
        np.put_along_axis(expected, idx, np.reshape(w, idx.shape), axis=axis)
    np.testing.assert_array_equal(x.grad.data, expected)


def test_max_of_two_tensors_is_maximum():
    a, b = Tensor([1.0, 5.0]), Tensor([3.0, 2.0])
    np.testing.assert_array_equal(tg.max(a, b).data, [3.0, 5.0])
    np.testing.assert_array_equal(tg.min(a, b).data, [1.0, 2.0])


# ------------------------------------------------------------------ prod


def _prod_of_others(a, axis):
    """Reference d prod / dx_i = product of all the other entries, by deleting entry i."""
    a = np.moveaxis(a, axis, -1)
    out = np.empty_like(a)
    for idx in np.ndindex(a.shape[:-1]):
        row = a[idx]
        for i in range(row.size):
            out[idx + (i,)] = np.prod(np.delete(row, i))
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("values, expected", [
    ([2.0, 3.0, 4.0, 5.0], [60.0, 40.0, 30.0, 24.0]),
    ([2.0, 0.0, 3.0, 4.0], [0.0, 24.0, 0.0, 0.0]),  # one zero: only it gets a gradient
    ([2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0]),  # two zeros: every partial product is 0
    ([0.0], [1.0]),
])
def test_prod_grad_with_zeros(values, expected):
    np.testing.assert_array_equal(_grad(lambda x: x.prod(), values), expected)
    np.testing.assert_array_equal(_prod_of_others(np.array(values), 0), expected)  # the reference agrees


def test_prod_grad_along_dim_with_zeros_in_some_rows():
    a = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.5, -2.0, 4.0], [0.0, 7.0, 1.0]])
    for dim in (0, 1, -1):
        np.testing.assert_array_equal(_grad(lambda x, d=dim: x.prod(d), a), _prod_of_others(a, dim))


@settings(max_examples=10)
@given(x_dim_keep=with_dims(tensors(shape=SMALL_SHAPES, elements=st.sampled_from([0.0, 0.5, -1.5, 2.0])),
                            kinds=("int",)))
def test_prod_second_derivative_with_zeros_matches_numerical(x_dim_keep):
    x, dim, keepdim = x_dim_keep
    check_second_order(lambda t: t.prod(dim, keepdim), (x,))


def test_prod_of_int_tensor_stays_int():
    out = Tensor([2, 3, 4]).prod()
    assert out.dtype == np.int64
    assert out.item() == 24


# ------------------------------------------------------------------ argmax / argmin


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@given(x_dim_keep=with_dims(tensors(dtype=np.float32, elements=st.integers(-2, 2).map(float)),
                            kinds=("none", "int")))
def test_argmax_argmin_match_numpy_and_are_int64_without_grad(op, x_dim_keep):
    x, dim, keepdim = x_dim_keep
    out = getattr(x, op)(dim) if dim is None else getattr(tg, op)(x, dim, keepdim)
    assert out.dtype == np.int64
    assert not out.requires_grad and out.grad_fn is None
    ref = getattr(np, op)  # numpy, like PyTorch, returns the first of tied extrema
    expected = ref(x.data) if dim is None else ref(x.data, axis=np_axis(x, dim), keepdims=keepdim)
    np.testing.assert_array_equal(out.data, expected)


def test_argmax_returns_the_first_of_ties():
    assert Tensor([1.0, 3.0, 3.0, 0.0]).argmax().item() == 1
    np.testing.assert_array_equal(Tensor([[0.0, 0.0], [2.0, 1.0]]).argmin(dim=1).data, [0, 1])


# ------------------------------------------------------------------ sum of ints and bools


def test_sum_keeps_int_dtype_and_counts_bools():
    assert Tensor([1, 2, 3]).sum().dtype == np.int64
    out = Tensor([True, False, True]).sum()
    assert out.dtype == np.int64 and out.item() == 2
    assert Tensor([1, 2, 3]).sum(dtype=tg.float32).dtype == np.float32


def test_logsumexp_of_int_tensor_gives_float():
    out = Tensor([0, 1, 2]).logsumexp(0)
    assert out.dtype.kind == "f"
    np.testing.assert_allclose(out.item(), np.log(np.exp(0) + np.exp(1) + np.exp(2)), rtol=1e-6)


# ------------------------------------------------------------------ logsumexp stability


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_is_finite_for_huge_inputs(dtype):
    a = np.array([[1e4, 1e4 - 1, -1e4], [-1e4, -1e4 + 2, -1e4 + 1]], dtype=dtype)
    x = Tensor(a, requires_grad=True)
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        out = x.logsumexp(dim=1)
        out.sum().backward()
    expected = np.logaddexp.reduce(a.astype(np.float64), axis=1)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)
    # its gradient is softmax along the row
    # float32 holds 1e4 only to ~1e-3, which limits exp(x - logsumexp) to that relative error
    rtol = 2e-3 if dtype == np.float32 else 1e-10
    softmax = np.exp(a.astype(np.float64) - expected[:, None])
    np.testing.assert_allclose(x.grad.data, softmax, rtol=rtol, atol=1e-7)
    assert np.all(np.isfinite(x.grad.data))


def test_logsumexp_of_all_minus_inf_is_minus_inf():
    out = Tensor([[-np.inf, -np.inf], [0.0, -np.inf]]).logsumexp(dim=1)
    np.testing.assert_array_equal(out.data, [-np.inf, 0.0])


def test_logsumexp_matches_its_composed_definition_in_value_and_grad():
    # the fused op against log(sum(exp(x))) built from primitives
    a = np.array([[0.3, -1.2, 2.0], [1.0, 1.0, -0.5]])
    x1, x2 = Tensor(a, requires_grad=True), Tensor(a, requires_grad=True)
    w = Tensor(np.array([1.5, -0.7]))
    fused, composed = x1.logsumexp(1), x2.exp().sum(1).log()
    np.testing.assert_allclose(fused.data, composed.data, rtol=1e-14)
    (fused * w).sum().backward()
    (composed * w).sum().backward()
    np.testing.assert_allclose(x1.grad.data, x2.grad.data, rtol=1e-14)


# ------------------------------------------------------------------ errors

BAD_DIM_CALLS = {
    "sum": lambda x: x.sum(dim=2),
    "mean": lambda x: x.mean(dim=-3),
    "var": lambda x: x.var(dim=2),
    "std": lambda x: x.std(dim=(0, 5)),
    "amax": lambda x: x.amax(dim=2),
    "amin": lambda x: x.amin(dim=-3),
    "max": lambda x: x.max(dim=2),
    "min": lambda x: x.min(dim=-3),
    "prod": lambda x: x.prod(dim=2),
    "argmax": lambda x: x.argmax(dim=2),
    "argmin": lambda x: x.argmin(dim=-3),
    "logsumexp": lambda x: x.logsumexp(dim=2),
}


@pytest.mark.parametrize("op", sorted(BAD_DIM_CALLS))
def test_out_of_range_dim_raises_index_error_naming_the_op(op):
    with pytest.raises(IndexError, match=op):
        BAD_DIM_CALLS[op](tg.ones(2, 3, requires_grad=True))


def test_repeated_dim_raises():
    with pytest.raises(RuntimeError, match="sum"):
        tg.ones(2, 3).sum(dim=(1, -1))


def test_max_with_a_tuple_dim_raises_type_error():
    with pytest.raises(TypeError, match="max"):
        tg.ones(2, 3).max(dim=(0, 1))


def test_amax_of_empty_tensor_raises():
    with pytest.raises(RuntimeError, match="amax"):
        tg.zeros(0).amax()
