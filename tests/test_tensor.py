"""The Tensor itself: construction and dtype policy, attributes, conversions,
comparisons, in-place updates, repr and numpy interoperability (see API.md, "Tensor")."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import shapes, tensors


@pytest.fixture
def default_float64():
    """Switch the default dtype to float64 for one test, and always restore it."""
    prev = tg.get_default_dtype()
    tg.set_default_dtype(np.float64)
    try:
        yield
    finally:
        tg.set_default_dtype(prev)


# ------------------------------------------------------------------ dtype policy


@pytest.mark.parametrize(
    "data, dtype",
    [
        (1.5, np.float32),
        ([1.0, 2.0], np.float32),
        ([[1, 2.5]], np.float32),  # one float makes the list a float list
        (3, np.int64),
        ([1, 2, 3], np.int64),
        (True, np.bool_),
        ([True, False], np.bool_),
    ],
)
def test_python_data_gets_torch_default_dtypes(data, dtype):
    t = Tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.data, np.array(data, dtype=dtype))
    assert tg.tensor(data).dtype == dtype


@pytest.mark.parametrize(
    "dtype", [np.float16, np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_]
)
def test_numpy_arrays_and_scalars_keep_their_dtype(dtype):
    arr = np.array([0, 1, 1], dtype=dtype)
    assert Tensor(arr).dtype == dtype
    assert Tensor(arr[1]).dtype == dtype  # a numpy scalar, e.g. np.float64(1.0)
    np.testing.assert_array_equal(Tensor(arr).data, arr)


def test_tensor_from_numpy_array_copies_it():
    arr = np.array([1.0, 2.0])
    t = Tensor(arr)
    arr[0] = 100.0
    assert t.data[0] == 1.0


def test_tensor_from_tensor_keeps_dtype_and_values():
    src = Tensor(np.array([1.0, 2.0]))
    t = Tensor(src)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, [1.0, 2.0])


@pytest.mark.parametrize(
    "data, dtype, expected",
    [
        ([1, 2], tg.float64, np.array([1.0, 2.0])),
        ([1.0, 2.0], tg.float64, np.array([1.0, 2.0])),
        (np.array([1.0, 2.0], dtype=np.float32), tg.float64, np.array([1.0, 2.0])),
        ([1.7, -2.2], tg.int64, np.array([1, -2])),  # truncation toward zero, as torch
        ([0, 1, 2], tg.bool, np.array([False, True, True])),
        ([1.0, 2.0], np.float16, np.array([1.0, 2.0], dtype=np.float16)),
        ([1.0, 2.0], tg.float32, np.array([1.0, 2.0], dtype=np.float32)),
    ],
)
def test_explicit_dtype_wins(data, dtype, expected):
    t = Tensor(data, dtype=dtype)
    assert t.dtype == np.dtype(dtype)
    assert t.dtype == expected.dtype
    np.testing.assert_array_equal(t.data, expected)


def test_dtype_names_are_numpy_dtypes():
    assert tg.float32 == np.float32 and tg.float64 == np.float64
    assert tg.int64 == np.int64 and tg.bool == np.bool_


def test_set_default_dtype_changes_python_floats_only(default_float64):
    assert tg.get_default_dtype() == np.float64
    assert Tensor([1.0, 2.0]).dtype == np.float64
    assert Tensor(0.5).dtype == np.float64
    assert Tensor([1, 2]).dtype == np.int64
    assert Tensor(np.zeros(2, dtype=np.float32)).dtype == np.float32
    assert Tensor([1.0], dtype=tg.float32).dtype == np.float32


def test_default_dtype_is_float32_and_set_default_dtype_rejects_non_floats():
    assert tg.get_default_dtype() == np.float32
    with pytest.raises(TypeError):
        tg.set_default_dtype(np.int64)
    assert tg.get_default_dtype() == np.float32


def test_integer_and_bool_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        Tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        Tensor([True], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        Tensor([1, 2]).requires_grad_()
    t = Tensor([1, 2], dtype=tg.float32, requires_grad=True)
    assert t.requires_grad and t.dtype == np.float32


@pytest.mark.parametrize(
    "bad, error",
    [
        ([[1, 2], [3]], ValueError),  # ragged
        ([1, [2, 3]], ValueError),
        ("abc", TypeError),
        (["a", "b"], TypeError),
        (1 + 2j, TypeError),
        ([1j, 2], TypeError),
        (np.array([1 + 1j]), TypeError),
        ({"a": 1}, TypeError),
    ],
)
def test_bad_constructor_input_raises_error_naming_tensor(bad, error):
    with pytest.raises(error, match="Tensor"):
        Tensor(bad)


# ------------------------------------------------------------------ attributes


@given(tensors(shape=shapes(min_dims=1, max_dims=4)))
def test_shape_attributes_agree_with_numpy(x):
    a = x.data
    assert x.shape == a.shape and x.size() == a.shape
    assert x.ndim == a.ndim and x.dim() == a.ndim
    assert x.numel() == a.size and len(x) == a.shape[0]
    for d in range(-a.ndim, a.ndim):
        assert x.size(d) == a.shape[d]
    assert x.dtype == a.dtype
    np.testing.assert_array_equal(x.T.data, a.transpose(tuple(reversed(range(a.ndim)))))


def test_size_out_of_range_raises_index_error():
    with pytest.raises(IndexError):
        Tensor([[1.0, 2.0]]).size(2)


def test_len_of_scalar_raises_type_error():
    with pytest.raises(TypeError):
        len(Tensor(1.0))


def test_leaf_and_non_leaf_attributes():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0])
    y = x * 2
    assert x.is_leaf and x.grad_fn is None and x.requires_grad and x.grad is None
    assert c.is_leaf and not c.requires_grad
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad
    assert "Mul" in y.grad_fn.name()
    y.sum().backward()
    assert isinstance(x.grad, Tensor)
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_grad_can_be_reset_to_none_and_starts_fresh():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])  # accumulated
    x.grad = None
    assert x.grad is None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


# ------------------------------------------------------------------ conversions


def test_detach_shares_data_but_leaves_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    np.testing.assert_array_equal(d.data, [2.0, 4.0])
    dx = x.detach()
    assert np.shares_memory(dx.data, x.data)


def test_numpy_returns_the_array():
    x = Tensor([[1.0, 2.0]])
    arr = x.detach().numpy()
    assert isinstance(arr, np.ndarray)
    assert arr.dtype == np.float32
    np.testing.assert_array_equal(arr, [[1.0, 2.0]])


def test_item_returns_python_scalars():
    assert Tensor(2.5).item() == 2.5 and type(Tensor(2.5).item()) is float
    assert Tensor([7]).item() == 7 and type(Tensor([7]).item()) is int
    assert Tensor([[True]]).item() is True
    with pytest.raises(RuntimeError, match="item"):
        Tensor([1.0, 2.0]).item()


@given(hnp.arrays(np.int64, shapes(max_dims=3), elements=st.integers(-5, 5)))
def test_tolist_matches_numpy_tolist(arr):
    out = Tensor(arr).tolist()
    assert out == arr.tolist()


def test_requires_grad_underscore_sets_flag_and_returns_self():
    x = Tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad


def test_clone_copies_data_and_passes_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert not np.shares_memory(c.data, x.data)
    np.testing.assert_array_equal(c.data, x.data)
    (c * Tensor([3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


@pytest.mark.parametrize(
    "convert, dtype",
    [
        (lambda t: t.astype(tg.float64), np.float64),
        (lambda t: t.to(tg.float64), np.float64),
        (lambda t: t.to(dtype=np.float16), np.float16),
        (lambda t: t.double(), np.float64),
        (lambda t: t.float(), np.float32),
    ],
)
def test_float_conversions_keep_values_and_pass_gradient_back_in_input_dtype(convert, dtype):
    x = Tensor([1.5, -2.25], requires_grad=True)
    y = convert(x)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, np.array([1.5, -2.25], dtype=dtype))
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_long_truncates_and_carries_no_grad():
    x = Tensor([1.7, -2.7], requires_grad=True)
    y = x.long()
    assert y.dtype == np.int64 and not y.requires_grad
    np.testing.assert_array_equal(y.data, [1, -2])
    z = Tensor([1, 2]).float()
    assert z.dtype == np.float32
    np.testing.assert_array_equal(z.data, [1.0, 2.0])


def test_to_ignores_device_arguments():
    x = Tensor([1.0])
    assert x.to("cpu").dtype == np.float32
    assert x.to("cpu", tg.float64).dtype == np.float64


# ------------------------------------------------------------------ comparisons


@pytest.mark.parametrize(
    "op, ref",
    [
        (lambda a, b: a < b, np.less),
        (lambda a, b: a <= b, np.less_equal),
        (lambda a, b: a > b, np.greater),
        (lambda a, b: a >= b, np.greater_equal),
        (lambda a, b: a == b, np.equal),
        (lambda a, b: a != b, np.not_equal),
    ],
)
@given(data=st.data())
def test_comparisons_return_bool_tensors_without_grad(op, ref, data):
    elements = st.integers(-2, 2).map(float)  # small integers make ties likely
    a = data.draw(tensors(shape=(4,), elements=elements))
    b = data.draw(tensors(shape=(4,), elements=elements))
    for other, other_raw in ((b, b.data), (0.0, 0.0)):
        out = op(a, other)
        assert isinstance(out, Tensor)
        assert out.dtype == np.bool_
        assert not out.requires_grad and out.grad_fn is None
        np.testing.assert_array_equal(out.data, ref(a.data, other_raw))


# ------------------------------------------------------------------ in-place updates


@pytest.mark.parametrize(
    "update, ref",
    [
        (lambda t: t.__iadd__(2), lambda a: a + 2),
        (lambda t: t.__isub__(Tensor([1.0, 1.0])), lambda a: a - 1),
        (lambda t: t.__imul__(3), lambda a: a * 3),
        (lambda t: t.__itruediv__(4), lambda a: a / 4),
    ],
)
def test_inplace_ops_update_tensors_without_grad(update, ref):
    x = Tensor([1.0, 2.0])
    before = x.data.copy()
    assert update(x) is x
    np.testing.assert_array_equal(x.data, ref(before))


def test_augmented_assignment_keeps_the_same_object():
    x = Tensor([1.0, 2.0])
    alias = x
    x += 1
    x *= 2
    x -= 1
    x /= 2
    assert x is alias
    np.testing.assert_array_equal(x.data, [1.5, 2.5])


def test_inplace_on_leaf_requiring_grad_works_under_no_grad():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with tg.no_grad():
        w -= Tensor([0.5, 0.5])
        w *= 2
    np.testing.assert_array_equal(w.data, [1.0, 3.0])
    assert w.requires_grad and w.is_leaf


@pytest.mark.parametrize("op", ["__iadd__", "__isub__", "__imul__", "__itruediv__"])
def test_inplace_on_leaf_requiring_grad_with_grad_on_raises(op):
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        getattr(w, op)(2.0)
    np.testing.assert_array_equal(w.data, [1.0, 2.0])  # untouched


# ------------------------------------------------------------------ repr


def test_repr_looks_like_pytorch():
    assert repr(Tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(Tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(Tensor(3.0)) == "tensor(3.)"
    assert repr(Tensor([1, 2])) == "tensor([1, 2])"
    assert repr(Tensor([True, False])) == "tensor([ True, False])"
    assert repr(Tensor([[1, 2], [3, 4]])) == "tensor([[1, 2],\n        [3, 4]])"


def test_repr_shows_non_default_dtype_and_grad_fn():
    r = repr(Tensor(np.array([1.0, 2.0])))
    assert r.startswith("tensor([1., 2.], dtype=") and "float64" in r
    r = repr(Tensor([1.0, 2.0], requires_grad=True) * 2)
    assert r.startswith("tensor([2., 4.], grad_fn=<Mul")


def test_repr_follows_the_default_dtype(default_float64):
    assert repr(Tensor([1.0])) == "tensor([1.])"
    assert "float32" in repr(Tensor([1.0], dtype=tg.float32))


# ------------------------------------------------------------------ numpy interop


@pytest.mark.parametrize("scalar", [np.float64(2.0), np.float32(2.0), np.int64(2)])
def test_numpy_scalar_on_the_left_gives_a_differentiable_tensor(scalar):
    x = Tensor([1.0, 3.0], requires_grad=True)
    y = scalar * x
    assert isinstance(y, Tensor)
    assert y.dtype == np.float32  # a scalar never widens the tensor's dtype
    np.testing.assert_array_equal(y.data, [2.0, 6.0])
    (scalar + y - scalar / (x + 1)).sum().backward()
    # d/dx [2x + s - s/(x+1)] = 2 + s/(x+1)^2
    expected = 2 + 2.0 / (np.array([1.0, 3.0]) + 1) ** 2
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-6)


def test_numpy_ufunc_on_tensor_is_differentiable():
    x = Tensor([0.5, -1.0], requires_grad=True)
    y = np.exp(x)
    assert isinstance(y, Tensor) and y.grad_fn is not None
    np.testing.assert_allclose(y.data, np.exp(np.array([0.5, -1.0], dtype=np.float32)))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.exp(np.array([0.5, -1.0])), rtol=1e-6)


def test_numpy_function_without_differentiable_version_refuses_grad_tensors():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="differentiable"):
        np.cumsum(x)
    np.testing.assert_array_equal(np.cumsum(x.detach()), [1.0, 3.0])


def test_setitem_mixing_ints_and_index_arrays_uses_pytorchs_order():
    # x[0, :, [0, 1]] has shape (4, 2) in PyTorch (numpy would make it (2, 4))
    x = tg.zeros(3, 4, 5)
    v = np.arange(8, dtype=np.float32).reshape(4, 2)
    x[0, :, [0, 1]] = v
    expected = np.zeros((3, 4, 5), np.float32)
    expected[0, :, 0], expected[0, :, 1] = v[:, 0], v[:, 1]
    np.testing.assert_array_equal(x.data, expected)
    np.testing.assert_array_equal(x[0, :, [0, 1]].data, v)


def test_setitem_with_an_empty_ellipsis_between_index_arrays_uses_pytorchs_order():
    y = tg.zeros(5, 3, 4)
    w = np.arange(10, dtype=np.float32).reshape(5, 2)
    y[:, [0, 1], ..., [0, 1]] = w
    np.testing.assert_array_equal(y[:, [0, 1], ..., [0, 1]].data, w)
    assert y.data[0, 0, 0] == w[0, 0] and y.data[4, 1, 1] == w[4, 1]


# The operators and methods of the common ops (a + b, t.exp()...) skip the argument checks
# of tg.add, tg.exp... when both operands are Tensors of one dtype (a float dtype for
# division and the unary ops). Whatever the dtypes, they must answer as the checked
# functions do: values, dtype, errors, and gradients.
_OPERATOR_DTYPES = [np.float32, np.float64, np.int64, np.int32, np.bool_]


@pytest.mark.parametrize("da", _OPERATOR_DTYPES)
@pytest.mark.parametrize("db", _OPERATOR_DTYPES)
@pytest.mark.parametrize(
    "op, fn",
    [(lambda a, b: a + b, tg.add), (lambda a, b: a - b, tg.sub), (lambda a, b: a * b, tg.mul),
     (lambda a, b: a / b, tg.div)],
    ids=["add", "sub", "mul", "div"],
)
def test_binary_operators_answer_as_the_checked_functions(op, fn, da, db):
    a = Tensor(np.array([[1, 2, 0]]).astype(da))
    b = Tensor(np.array([[2], [1]]).astype(db))

    def run(f):
        try:
            r = f(a, b)
        except Exception as e:  # noqa: BLE001 - the error itself is what is compared
            return type(e), str(e)
        return r.dtype, r.data.tolist()

    assert run(op) == run(fn)


@pytest.mark.parametrize("dtype", _OPERATOR_DTYPES)
@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu"])
def test_unary_methods_answer_as_the_checked_functions(name, dtype):
    t = Tensor(np.array([0, 1, 2]).astype(dtype))

    def run(f):
        try:
            r = f(t)
        except Exception as e:  # noqa: BLE001
            return type(e), str(e)
        return r.dtype, np.round(r.data.astype(np.float64), 12).tolist()

    assert run(lambda x: getattr(x, name)()) == run(getattr(tg, name))


def test_operator_short_path_records_the_same_gradients():
    xs, ys = np.array([0.3, -1.2]), np.array([[2.0], [0.5]])
    grads = []
    for mul, add, div, sub in [(lambda a, b: a * b, lambda a, b: a + b, lambda a, b: a / b,
                                lambda a, b: a - b), (tg.mul, tg.add, tg.div, tg.sub)]:
        x, y = Tensor(xs, requires_grad=True), Tensor(ys, requires_grad=True)
        sub(div(add(mul(x, y), x), y), y).tanh().exp().sin().sum().backward()
        grads.append((x.grad.data, y.grad.data))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    np.testing.assert_array_equal(grads[0][1], grads[1][1])
