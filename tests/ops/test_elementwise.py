"""Elementwise ops: forward values against numpy, gradients and second derivatives against
central differences, PyTorch's conventions at kinks and ties, dtype rules and error messages.

The numpy references below are written independently of the library (same formula, not
the same code), and every gradient is compared with finite differences via ``gradcheck``.
"""

import operator
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import broadcastable_shapes, shapes, tensors

# ------------------------------------------------------------------ input domains
# Finite differences need a neighbourhood where the op is smooth, so inputs stay inside
# each op's domain and away from its kinks (which get their own plain tests below).
REAL = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
POSITIVE = st.floats(0.1, 3, allow_nan=False, allow_infinity=False)
NONZERO = st.tuples(POSITIVE, st.booleans()).map(lambda p: p[0] if p[1] else -p[0])
ABOVE_MINUS_ONE = st.floats(-0.9, 3, allow_nan=False, allow_infinity=False)
# Two disjoint grids (k/2 and k/2 + 1/4): values drawn from one never tie with the other,
# and stay 1/4 apart, far more than gradcheck's eps.
GRID = st.integers(-6, 6).map(lambda k: k / 2)
OFF_GRID = st.integers(-6, 5).map(lambda k: k / 2 + 0.25)
# clamp(-1, 1) has kinks at -1 and 1; OFF_GRID never hits them.
CLAMP_SAFE = OFF_GRID

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


def _sigmoid64(x):
    return 1 / (1 + np.exp(-x))


def _rsqrt64(x):
    return 1 / np.sqrt(x)


def _clamp64(x):
    return np.minimum(np.maximum(x, -1.0), 1.0)


# name -> (tinygrad_edu function, float64 numpy reference, input elements)
UNARY = {
    "neg": (tg.neg, np.negative, REAL),
    "exp": (tg.exp, np.exp, REAL),
    "log": (tg.log, np.log, POSITIVE),
    "log1p": (tg.log1p, np.log1p, ABOVE_MINUS_ONE),
    "sqrt": (tg.sqrt, np.sqrt, POSITIVE),
    "rsqrt": (tg.rsqrt, _rsqrt64, POSITIVE),
    "sin": (tg.sin, np.sin, REAL),
    "cos": (tg.cos, np.cos, REAL),
    "tanh": (tg.tanh, np.tanh, REAL),
    "sigmoid": (tg.sigmoid, _sigmoid64, REAL),
    "relu": (tg.relu, lambda x: np.where(x > 0, x, 0.0), NONZERO),
    "abs": (tg.abs, np.abs, NONZERO),
    "square": (tg.square, lambda x: x * x, REAL),
    "reciprocal": (tg.reciprocal, lambda x: 1 / x, NONZERO),
    "sign": (tg.sign, np.sign, NONZERO),
    "clamp": (lambda t: tg.clamp(t, -1, 1), _clamp64, CLAMP_SAFE),
    "clip": (lambda t: tg.clip(t, min=-1, max=1), _clamp64, CLAMP_SAFE),
    "clamp_min_only": (lambda t: tg.clamp(t, min=-1), lambda x: np.maximum(x, -1.0), CLAMP_SAFE),
    "clamp_max_only": (lambda t: tg.clamp(t, max=1), lambda x: np.minimum(x, 1.0), CLAMP_SAFE),
    "clamp_tensor_bounds": (
        lambda t: tg.clamp(t, Tensor(-1.0, dtype=t.dtype), Tensor(1.0, dtype=t.dtype)),
        _clamp64,
        CLAMP_SAFE,
    ),
    "clone": (tg.clone, lambda x: x, REAL),
    "unary minus": (operator.neg, np.negative, REAL),
}

# ops that are also Tensor methods of the same name
METHODS = ["neg", "exp", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid",
           "relu", "abs", "square", "reciprocal", "sign", "clone"]


def _tol(dtype):
    # float32 results are compared with a float64 reference: allow float32 rounding
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}


# ------------------------------------------------------------------ unary forward


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_forward_matches_numpy_and_keeps_dtype(name, data):
    fn, ref, elements = UNARY[name]
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    x = data.draw(tensors(dtype=dtype, elements=elements, requires_grad=False), label="x")
    out = fn(x)
    assert out.dtype == dtype
    assert out.shape == x.shape
    np.testing.assert_allclose(out.data, ref(x.data.astype(np.float64)), **_tol(dtype))


@pytest.mark.parametrize("name", METHODS)
def test_unary_method_is_the_root_function(name):
    x = Tensor(np.array([0.3, 1.7, 2.5]), requires_grad=True)
    np.testing.assert_array_equal(getattr(x, name)().data, getattr(tg, name)(x).data)


def test_clone_is_a_copy_not_a_view():
    x = Tensor(np.array([1.0, 2.0]))
    y = x.clone()
    y.data[0] = 5.0
    assert x.data[0] == 1.0


# ------------------------------------------------------------------ unary gradients


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_grad_matches_numerical(name, data):
    fn, _, elements = UNARY[name]
    x = data.draw(tensors(elements=elements), label="x")
    assert gradcheck(fn, (x,))


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=8)
@given(data=st.data())
def test_unary_second_derivative_matches_numerical(name, data):
    fn, _, elements = UNARY[name]
    x = data.draw(tensors(shape=SMALL_SHAPES, elements=elements), label="x")
    check_second_order(fn, (x,))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_second_derivative_of_0d_tensor(name):
    # Regression: for 0-d inputs numpy ufuncs return scalars, not arrays, and ops that save
    # their output (exp, tanh, sqrt...) then lost it from the graph under create_graph.
    fn = UNARY[name][0]
    x = Tensor(np.array(0.7), requires_grad=True)  # inside every domain, off every kink
    check_second_order(fn, (x,))


def test_tanh_jacobian_is_diagonal_one_minus_tanh_squared():
    # Built row by row: row i of J is the gradient of y_i, i.e. backward of a one-hot seed.
    x = Tensor(np.array([-2.0, -0.5, 0.0, 0.7, 1.5]), requires_grad=True)
    y = tg.tanh(x)
    n = x.shape[0]
    jac = np.zeros((n, n))
    for i in range(n):
        (row,) = tg.autograd.grad(y, [x], grad_outputs=Tensor(np.eye(n)[i]), retain_graph=True)
        jac[i] = row.data
    np.testing.assert_allclose(jac, np.diag(1 - np.tanh(x.data) ** 2), rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ kinks, as PyTorch


def _grad_of_sum(fn, values, **kwargs):
    x = Tensor(np.array(values, dtype=np.float64), requires_grad=True)
    fn(x, **kwargs).sum().backward()
    return x.grad.data


def test_relu_grad_is_zero_at_zero():
    np.testing.assert_array_equal(_grad_of_sum(tg.relu, [-1.0, 0.0, 2.0]), [0.0, 0.0, 1.0])


def test_abs_grad_is_zero_at_zero():
    np.testing.assert_array_equal(_grad_of_sum(tg.abs, [-1.5, 0.0, 2.0]), [-1.0, 0.0, 1.0])


def test_sign_grad_is_zero_everywhere():
    np.testing.assert_array_equal(_grad_of_sum(tg.sign, [-1.5, 0.0, 2.0]), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("tensor_bounds", [False, True], ids=["scalar_bounds", "tensor_bounds"])
def test_clamp_grad_is_one_on_the_boundary(tensor_bounds):
    # PyTorch: d clamp(x, lo, hi) / dx = 1 for lo <= x <= hi (boundaries included), else 0
    lo, hi = (Tensor(-1.0, dtype=tg.float64), Tensor(1.0, dtype=tg.float64)) if tensor_bounds else (-1, 1)
    values = [-2.0, -1.0, 0.0, 1.0, 2.0]
    np.testing.assert_array_equal(_grad_of_sum(tg.clamp, values, min=lo, max=hi), [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(_grad_of_sum(tg.clamp, values, min=lo), [0, 1, 1, 1, 1])
    np.testing.assert_array_equal(_grad_of_sum(tg.clamp, values, max=hi), [1, 1, 1, 1, 0])


def test_clamp_tensor_bounds_get_the_gradient_only_where_they_win():
    # PyTorch gives a bound the gradient only where it strictly wins (x < min / x > max)
    x = Tensor(np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), requires_grad=True)
    lo = Tensor(np.full(5, -1.0), requires_grad=True)
    hi = Tensor(np.full(5, 1.0), requires_grad=True)
    tg.clamp(x, lo, hi).sum().backward()
    np.testing.assert_array_equal(lo.grad.data, [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(hi.grad.data, [0, 0, 0, 0, 1])


def test_clamp_without_bounds_raises():
    with pytest.raises(RuntimeError, match="clamp"):
        tg.clamp(Tensor([1.0]))


@pytest.mark.parametrize("op", [tg.maximum, tg.minimum])
def test_maximum_minimum_split_the_gradient_at_ties(op):
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 2.0, 2.0]), requires_grad=True)
    op(a, b).sum().backward()
    winner_a = [0.0, 0.5, 1.0] if op is tg.maximum else [1.0, 0.5, 0.0]
    np.testing.assert_array_equal(a.grad.data, winner_a)
    np.testing.assert_array_equal(b.grad.data, 1 - np.array(winner_a))


def test_sqrt_grad_at_zero_is_inf():
    assert _grad_of_sum(tg.sqrt, [0.0])[0] == np.inf


def test_pow_exponent_grad_is_zero_for_zero_base():
    # d(a^b)/db = a^b log(a) -> 0 as a -> 0 for b > 0; PyTorch returns 0, not nan
    a = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(b.grad.data, [0.0, 8 * np.log(2.0)])
    np.testing.assert_allclose(a.grad.data, [0.0, 12.0])


# ------------------------------------------------------------------ binary ops


def _grid_pair():
    """Elements for two operands that never tie (either may be the larger)."""
    return st.booleans().map(lambda swap: (OFF_GRID, GRID) if swap else (GRID, OFF_GRID))


# name -> (function, float64 numpy reference, elements strategy of a, of b)
BINARY = {
    "add": (tg.add, np.add, REAL, REAL),
    "sub": (tg.sub, np.subtract, REAL, REAL),
    "mul": (tg.mul, np.multiply, REAL, REAL),
    "div": (tg.div, np.divide, REAL, NONZERO),
    "pow": (tg.pow, np.power, POSITIVE, REAL),
    "maximum": (tg.maximum, np.maximum, None, None),
    "minimum": (tg.minimum, np.minimum, None, None),
    "max(a, b)": (tg.max, np.maximum, None, None),
    "min(a, b)": (tg.min, np.minimum, None, None),
    "add alpha": (lambda a, b: tg.add(a, b, alpha=2.5), lambda a, b: a + 2.5 * b, REAL, REAL),
    "sub alpha": (lambda a, b: tg.sub(a, b, alpha=2.5), lambda a, b: a - 2.5 * b, REAL, REAL),
    "a + b": (operator.add, np.add, REAL, REAL),
    "a - b": (operator.sub, np.subtract, REAL, REAL),
    "a * b": (operator.mul, np.multiply, REAL, REAL),
    "a / b": (operator.truediv, np.divide, REAL, NONZERO),
    "a ** b": (operator.pow, np.power, POSITIVE, REAL),
}


def _draw_binary(data, name, dtype=np.float64, shape_strategy=None, requires_grad=True):
    fn, ref, ea, eb = BINARY[name]
    if ea is None:
        ea, eb = data.draw(_grid_pair(), label="elements")
    if shape_strategy is None:
        shape_strategy = broadcastable_shapes(2)
    sa, sb = data.draw(shape_strategy, label="shapes")
    a = data.draw(tensors(shape=sa, dtype=dtype, elements=ea, requires_grad=requires_grad), label="a")
    b = data.draw(tensors(shape=sb, dtype=dtype, elements=eb, requires_grad=requires_grad), label="b")
    return fn, ref, a, b


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_forward_matches_numpy_and_broadcasts(name, data):
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    fn, ref, a, b = _draw_binary(data, name, dtype, requires_grad=False)
    out = fn(a, b)
    expected = ref(a.data.astype(np.float64), b.data.astype(np.float64))
    assert out.dtype == dtype
    assert out.shape == np.broadcast_shapes(a.shape, b.shape)
    np.testing.assert_allclose(out.data, expected, **_tol(dtype))


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_grad_matches_numerical(name, data):
    fn, _, a, b = _draw_binary(data, name)
    assert gradcheck(fn, (a, b))


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=8)
@given(data=st.data())
def test_binary_second_derivative_matches_numerical(name, data):
    fn, _, a, b = _draw_binary(data, name, shape_strategy=broadcastable_shapes(2, max_dims=2, max_side=3))
    check_second_order(fn, (a, b))


@pytest.mark.parametrize("name", ["add", "mul", "div", "pow", "maximum"])
def test_binary_grad_of_only_one_input(name):
    # an op whose other operand is a constant must still send the right gradient
    fn = BINARY[name][0]
    a = Tensor(np.array([[0.5, 1.25, 2.0]]), requires_grad=True)
    b = Tensor(np.array([[1.5], [0.75]]))
    assert gradcheck(lambda t: fn(t, b), (a,))
    assert gradcheck(lambda t: fn(b, t), (a,))


def test_mixed_float_dtypes_promote_to_float64():
    out = Tensor(np.ones(2, np.float32)) + Tensor(np.ones(2, np.float64))
    assert out.dtype == np.float64


# ------------------------------------------------------------------ where


@given(data=st.data())
def test_where_forward_matches_numpy(data):
    sc, sa, sb = data.draw(broadcastable_shapes(3), label="shapes")
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    cond = data.draw(tensors(shape=sc, dtype=bool), label="cond")
    a = data.draw(tensors(shape=sa, dtype=dtype, requires_grad=False), label="a")
    b = data.draw(tensors(shape=sb, dtype=dtype, requires_grad=False), label="b")
    out = tg.where(cond, a, b)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, np.where(cond.data, a.data, b.data))


@given(data=st.data())
def test_where_grad_matches_numerical(data):
    sc, sa, sb = data.draw(broadcastable_shapes(3), label="shapes")
    cond = data.draw(tensors(shape=sc, dtype=bool), label="cond")
    a = data.draw(tensors(shape=sa), label="a")
    b = data.draw(tensors(shape=sb), label="b")
    assert gradcheck(lambda x, y: tg.where(cond, x, y), (a, b))


@settings(max_examples=8)
@given(data=st.data())
def test_where_second_derivative_matches_numerical(data):
    sc, sa, sb = data.draw(broadcastable_shapes(3, max_dims=2, max_side=3), label="shapes")
    cond = data.draw(tensors(shape=sc, dtype=bool), label="cond")
    a = data.draw(tensors(shape=sa), label="a")
    b = data.draw(tensors(shape=sb), label="b")
    # where is linear, so square its branches to make the second derivative non-trivial
    check_second_order(lambda x, y: tg.where(cond, x * x, y * y * y), (a, b))


def test_where_with_scalar_branch_keeps_dtype_and_grad():
    x = Tensor(np.array([-1.0, 2.0, -3.0], dtype=np.float32), requires_grad=True)
    out = tg.where(x > 0, x, 0.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, [0.0, 2.0, 0.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])


def test_where_rejects_non_bool_condition():
    with pytest.raises(TypeError, match="where"):
        tg.where(Tensor([1.0, 0.0]), Tensor([1.0, 2.0]), Tensor([3.0, 4.0]))


# ------------------------------------------------------------------ Python and numpy scalars

# form -> (function of t, float64 numpy reference of x, elements)
SCALAR_FORMS = {
    "t + 2": (lambda t: t + 2, lambda x: x + 2, REAL),
    "2 + t": (lambda t: 2 + t, lambda x: 2 + x, REAL),
    "t - 1.5": (lambda t: t - 1.5, lambda x: x - 1.5, REAL),
    "2 - t": (lambda t: 2 - t, lambda x: 2 - x, REAL),
    "t * 2.5": (lambda t: t * 2.5, lambda x: x * 2.5, REAL),
    "3 * t": (lambda t: 3 * t, lambda x: 3 * x, REAL),
    "np.float32(2) * t": (lambda t: np.float32(2) * t, lambda x: 2 * x, REAL),
    "np.float64(2) * t": (lambda t: np.float64(2) * t, lambda x: 2 * x, REAL),
    "t * np.float32(2)": (lambda t: t * np.float32(2), lambda x: 2 * x, REAL),
    "np.float32(2) - t": (lambda t: np.float32(2) - t, lambda x: 2 - x, REAL),
    "t / 4": (lambda t: t / 4, lambda x: x / 4, REAL),
    "2 / t": (lambda t: 2 / t, lambda x: 2 / x, NONZERO),
    "np.float32(2) / t": (lambda t: np.float32(2) / t, lambda x: 2 / x, NONZERO),
    "t ** 2": (lambda t: t**2, lambda x: x * x, REAL),
    "t ** 3": (lambda t: t**3, lambda x: x * x * x, REAL),
    "t ** 0.5": (lambda t: t**0.5, np.sqrt, POSITIVE),
    "t ** -1": (lambda t: t**-1, lambda x: 1 / x, NONZERO),
    "2 ** t": (lambda t: 2**t, lambda x: np.exp(x * np.log(2)), REAL),
    "2.5 ** t": (lambda t: 2.5**t, lambda x: np.exp(x * np.log(2.5)), REAL),
    "-t": (lambda t: -t, lambda x: 0 - x, REAL),
    "np.exp(t)": (np.exp, lambda x: np.e**x, REAL),
    "np.maximum(t, 0.5)": (lambda t: np.maximum(t, 0.5), lambda x: np.where(x > 0.5, x, 0.5), OFF_GRID),
}


@pytest.mark.parametrize("form", sorted(SCALAR_FORMS))
@given(data=st.data())
def test_scalar_operand_forms_match_numpy_and_keep_dtype(form, data):
    # PyTorch: a Python/numpy scalar never widens a tensor's dtype (float32 stays float32)
    fn, ref, elements = SCALAR_FORMS[form]
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    x = data.draw(tensors(dtype=dtype, elements=elements, requires_grad=False), label="x")
    out = fn(x)
    assert isinstance(out, Tensor)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, ref(x.data.astype(np.float64)), **_tol(dtype))


@pytest.mark.parametrize("form", sorted(SCALAR_FORMS))
@settings(max_examples=10)
@given(data=st.data())
def test_scalar_operand_forms_grad_matches_numerical(form, data):
    fn, _, elements = SCALAR_FORMS[form]
    x = data.draw(tensors(elements=elements), label="x")
    assert gradcheck(fn, (x,))
    check_second_order(fn, (x,))


def test_number_base_pow_keeps_float64_precision_under_create_graph():
    # Regression: d(2 ** t)/dt = 2^t log 2 took log 2 of an int tensor, i.e. in float32
    x = Tensor(np.array([0.0, 1.3]), requires_grad=True)
    (g,) = tg.autograd.grad((2**x).sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.data, 2 ** x.data * np.log(2), rtol=1e-15)
    (gg,) = tg.autograd.grad(g.sum(), [x])
    np.testing.assert_allclose(gg.data, 2 ** x.data * np.log(2) ** 2, rtol=1e-15)


# ------------------------------------------------------------------ integer tensors


def test_float_functions_of_int_tensors_give_the_default_float_dtype():
    i = Tensor([0, 1, 2])
    assert i.dtype == np.int64
    for fn in (tg.exp, tg.log1p, tg.sqrt, tg.sin, tg.tanh, tg.sigmoid):
        out = fn(i)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out.data, UNARY[_name_of(fn)][1](np.array([0.0, 1.0, 2.0])), rtol=1e-6)
    prev = tg.get_default_dtype()
    try:
        tg.set_default_dtype(np.float64)
        assert tg.exp(i).dtype == np.float64
        np.testing.assert_allclose(tg.exp(i).data, np.exp([0.0, 1.0, 2.0]), rtol=1e-15)
    finally:
        tg.set_default_dtype(prev)


def _name_of(fn):
    return next(k for k, v in UNARY.items() if v[0] is fn)


def test_int_tensor_true_division_gives_float32():
    i = Tensor([1, 2, 3])
    for out in (i / 2, i / Tensor([2, 2, 2]), tg.div(i, 2), 3 / i):
        assert out.dtype == np.float32
    np.testing.assert_array_equal((i / 2).data, [0.5, 1.0, 1.5])
    np.testing.assert_allclose((3 / i).data, [3.0, 1.5, 1.0])


def test_int_tensor_arithmetic_follows_pytorch_promotion():
    i = Tensor([1, 2, 3])
    assert (i + 2).dtype == np.int64
    assert (i * i).dtype == np.int64
    assert (i * 2.5).dtype == np.float32  # a float scalar makes the default float dtype
    np.testing.assert_array_equal((i * 2.5).data, [2.5, 5.0, 7.5])
    f = Tensor(np.array([0.5, 0.5, 0.5], dtype=np.float32))
    assert (i + f).dtype == np.float32
    assert (f + i).dtype == np.float32
    # ops that make sense on integers keep the integer dtype, as in PyTorch
    for fn in (tg.neg, tg.abs, tg.relu, tg.sign, tg.square):
        assert fn(Tensor([-2, 0, 3])).dtype == np.int64
    np.testing.assert_array_equal(tg.relu(Tensor([-2, 0, 3])).data, [0, 0, 3])


def test_int_operand_of_a_float_tensor_gets_the_gradient_of_the_float_one():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * Tensor([3, 4])).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


# ------------------------------------------------------------------ cast / astype


@pytest.mark.parametrize("src, dst", [(np.float32, np.float64), (np.float64, np.float32)])
@pytest.mark.parametrize("how", ["astype", "to", "cast"])
def test_cast_forward_and_grad_return_to_input_dtype(src, dst, how):
    x = Tensor(np.array([1.5, -2.25, 3.0], dtype=src), requires_grad=True)
    y = {"astype": lambda: x.astype(dst), "to": lambda: x.to(dst), "cast": lambda: tg.ops.cast(x, dst)}[how]()
    assert y.dtype == dst
    np.testing.assert_array_equal(y.data, x.data.astype(dst))
    w = np.array([1.0, 2.0, -0.5], dtype=dst)
    (y * Tensor(w)).sum().backward()
    assert x.grad.dtype == src  # the gradient of x has x's dtype
    np.testing.assert_array_equal(x.grad.data, w.astype(src))


def test_cast_backward_hands_on_a_gradient_of_the_input_dtype():
    # seen from a hook on a non-leaf input: the engine does not convert it on the way
    x = Tensor(np.array([1.5, 2.0], dtype=np.float32), requires_grad=True)
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.dtype))
    h.astype(tg.float64).sum().backward()
    assert seen == [np.float32]


def test_cast_to_int_carries_no_grad():
    x = Tensor(np.array([1.7, -2.2]), requires_grad=True)
    y = x.astype(tg.int64)
    assert y.dtype == np.int64
    assert not y.requires_grad
    np.testing.assert_array_equal(y.data, [1, -2])  # truncation toward zero, as PyTorch


def test_cast_second_derivative_matches_numerical():
    # float64 -> float32 -> float64 loses precision, so check a cast that keeps it exactly
    x = Tensor(np.array([0.5, -1.25, 2.0], dtype=np.float32), requires_grad=True)
    x64 = Tensor(x.data.astype(np.float64), requires_grad=True)
    (g,) = tg.autograd.grad((x.astype(tg.float64) ** 3).sum(), [x], create_graph=True)
    (gg,) = tg.autograd.grad(g.sum(), [x])
    np.testing.assert_allclose(g.data, 3 * x64.data**2)
    np.testing.assert_allclose(gg.data, 6 * x64.data)


# ------------------------------------------------------------------ numerical stability


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_finite_for_huge_inputs(dtype):
    x = Tensor(np.array([-1e4, -1000.0, 0.0, 1000.0, 1e4], dtype=dtype), requires_grad=True)
    # overflow / invalid value / division by zero would be bugs here; underflow to 0 is not
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        y = tg.sigmoid(x)
        y.sum().backward()
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 0.5, 1.0, 1.0])
    assert np.all(np.isfinite(x.grad.data))
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.25, 0.0, 0.0])


@given(x=tensors(elements=st.floats(-40, 40)))
def test_sigmoid_matches_logistic_formula_across_its_range(x):
    with np.errstate(over="ignore"):
        expected = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(tg.sigmoid(x).data, expected, rtol=1e-13, atol=1e-300)


# ------------------------------------------------------------------ errors


BINARY_ERRORS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": tg.maximum,
    "minimum": tg.minimum,
}


@pytest.mark.parametrize("name", sorted(BINARY_ERRORS))
@pytest.mark.parametrize("requires_grad", [False, True])
def test_mismatched_shapes_error_names_op_and_shapes(name, requires_grad):
    a, b = tg.ones(3, requires_grad=requires_grad), tg.ones(4)
    with pytest.raises(ValueError) as info:
        BINARY_ERRORS[name](a, b)
    msg = str(info.value)
    assert name in msg and "(3,)" in msg and "(4,)" in msg


def test_where_mismatched_shapes_error_names_op_and_shapes():
    with pytest.raises(ValueError) as info:
        tg.where(tg.ones(3) > 0, tg.ones(2, 3), tg.ones(4))
    msg = str(info.value)
    assert "where" in msg and "(2, 3)" in msg and "(4,)" in msg


def test_unsupported_operand_type_raises_type_error():
    with pytest.raises(TypeError, match="add"):
        tg.ones(3) + "a"


def test_unary_of_non_tensor_raises_type_error():
    with pytest.raises(TypeError, match="exp"):
        tg.exp([1.0, 2.0])
