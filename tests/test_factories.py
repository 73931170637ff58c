"""Tensor factories: shapes (varargs or a tuple), PyTorch's dtype rules, ``requires_grad=``
and reproducibility of the random ones under ``tg.manual_seed``."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import shapes


@pytest.fixture
def default_float64():
    prev = tg.get_default_dtype()
    tg.set_default_dtype(np.float64)
    try:
        yield
    finally:
        tg.set_default_dtype(prev)


SIZED = {
    "zeros": (tg.zeros, lambda shape: np.zeros(shape)),
    "ones": (tg.ones, lambda shape: np.ones(shape)),
    "empty": (tg.empty, None),
    "rand": (tg.rand, None),
    "randn": (tg.randn, None),
}


@pytest.mark.parametrize("name", sorted(SIZED))
@given(shape=shapes(max_dims=3))
def test_sized_factories_accept_varargs_tuple_and_list(name, shape):
    make, ref = SIZED[name]
    calls = [make(shape), make(list(shape))] + ([make(*shape)] if shape else [])
    for t in calls:
        assert isinstance(t, Tensor)
        assert t.shape == shape
        assert t.dtype == np.float32
        assert not t.requires_grad and t.is_leaf
        if ref is not None:
            np.testing.assert_array_equal(t.data, ref(shape))


@pytest.mark.parametrize("name", sorted(SIZED))
def test_sized_factories_take_dtype_and_requires_grad(name):
    make, _ = SIZED[name]
    t = make(2, 3, dtype=tg.float64, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad and t.is_leaf and t.grad_fn is None
    (t * 2).sum().backward()
    np.testing.assert_array_equal(t.grad.data, np.full((2, 3), 2.0))


@pytest.mark.parametrize("name", sorted(SIZED))
def test_sized_factories_follow_the_default_dtype(name, default_float64):
    assert SIZED[name][0](2).dtype == np.float64


@pytest.mark.parametrize("make", [tg.zeros, tg.ones, tg.empty])
def test_integer_factories_cannot_require_grad(make):
    assert make(2, dtype=tg.int64).dtype == np.int64
    with pytest.raises(RuntimeError):
        make(2, dtype=tg.int64, requires_grad=True)


@pytest.mark.parametrize("make", [tg.rand, tg.randn])
def test_rand_and_randn_refuse_integer_dtypes(make):
    # regression: rand(..., dtype=int64) used to silently give all zeros
    with pytest.raises(RuntimeError, match="floating point"):
        make(3, dtype=tg.int64)


@pytest.mark.parametrize("make", [tg.rand_like, tg.randn_like])
def test_rand_like_of_an_integer_tensor_raises(make):
    with pytest.raises(RuntimeError, match="floating point"):
        make(Tensor([1, 2]))
    assert make(Tensor([1, 2]), dtype=tg.float32).dtype == np.float32


# ------------------------------------------------------------------ full


@pytest.mark.parametrize(
    "fill, dtype",
    [(1, np.int64), (1.0, np.float32), (True, np.bool_), (-2.5, np.float32)],
)
def test_full_dtype_follows_the_fill_value(fill, dtype):
    t = tg.full((2, 3), fill)
    assert t.shape == (2, 3) and t.dtype == dtype
    np.testing.assert_array_equal(t.data, np.full((2, 3), fill, dtype=dtype))


def test_full_with_explicit_dtype_and_grad():
    t = tg.full([2], 1, dtype=tg.float64, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad
    np.testing.assert_array_equal(t.data, [1.0, 1.0])


def test_full_float_follows_the_default_dtype(default_float64):
    assert tg.full((2,), 0.5).dtype == np.float64
    assert tg.full((2,), 3).dtype == np.int64


# ------------------------------------------------------------------ arange / linspace / eye


@pytest.mark.parametrize(
    "args, expected, dtype",
    [
        ((5,), [0, 1, 2, 3, 4], np.int64),
        ((2, 6), [2, 3, 4, 5], np.int64),
        ((1, 10, 3), [1, 4, 7], np.int64),
        ((5, 0, -2), [5, 3, 1], np.int64),
        ((5.0,), [0, 1, 2, 3, 4], np.float32),
        ((0, 2, 0.5), [0.0, 0.5, 1.0, 1.5], np.float32),
        ((1, 2.5, 0.5), [1.0, 1.5, 2.0], np.float32),
    ],
)
def test_arange_values_and_dtype_follow_torch(args, expected, dtype):
    t = tg.arange(*args)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.data, np.array(expected, dtype=dtype))


@given(
    start=st.integers(-5, 5),
    length=st.integers(0, 6),
    step=st.integers(1, 3),
)
def test_arange_of_ints_has_ceil_length(start, length, step):
    end = start + length
    t = tg.arange(start, end, step)
    assert t.dtype == np.int64
    assert t.shape == (-(-length // step),)
    np.testing.assert_array_equal(t.data, [start + i * step for i in range(t.shape[0])])


def test_arange_takes_dtype_and_requires_grad():
    t = tg.arange(3, dtype=tg.float64, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad
    np.testing.assert_array_equal(t.data, [0.0, 1.0, 2.0])
    with pytest.raises(RuntimeError):
        tg.arange(3, requires_grad=True)  # int64


def test_arange_with_zero_step_raises():
    with pytest.raises(RuntimeError, match="arange"):
        tg.arange(0, 5, 0)


def test_arange_float_follows_the_default_dtype(default_float64):
    assert tg.arange(0.0, 1.0, 0.25).dtype == np.float64
    assert tg.arange(4).dtype == np.int64


@given(
    start=st.floats(-10, 10),
    end=st.floats(-10, 10),
    steps=st.integers(1, 8),
)
def test_linspace_includes_both_ends_evenly_spaced(start, end, steps):
    t = tg.linspace(start, end, steps)
    assert t.shape == (steps,) and t.dtype == np.float32
    expected = [start + (end - start) * i / (steps - 1) for i in range(steps)] if steps > 1 else [start]
    np.testing.assert_allclose(t.data, expected, rtol=1e-5, atol=1e-5)


def test_linspace_takes_dtype_and_requires_grad():
    t = tg.linspace(0, 1, 3, dtype=tg.float64, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad
    np.testing.assert_array_equal(t.data, [0.0, 0.5, 1.0])


@given(n=st.integers(0, 4), m=st.one_of(st.none(), st.integers(0, 4)))
def test_eye_has_ones_on_the_diagonal(n, m):
    t = tg.eye(n, m)
    cols = n if m is None else m
    assert t.shape == (n, cols) and t.dtype == np.float32
    expected = [[1.0 if i == j else 0.0 for j in range(cols)] for i in range(n)]
    np.testing.assert_array_equal(t.data, np.array(expected).reshape(n, cols))


def test_eye_takes_dtype_and_requires_grad():
    assert tg.eye(2, dtype=tg.int64).dtype == np.int64
    t = tg.eye(2, requires_grad=True)
    assert t.requires_grad


# ------------------------------------------------------------------ random values


def test_rand_is_uniform_on_unit_interval():
    tg.manual_seed(0)
    t = tg.rand(10_000)
    assert t.data.min() >= 0.0 and t.data.max() < 1.0
    assert abs(t.data.mean() - 0.5) < 0.02  # sd of the mean is 0.29 / 100
    assert abs(t.data.var() - 1 / 12) < 0.005


def test_randn_is_standard_normal():
    tg.manual_seed(0)
    t = tg.randn(10_000)
    assert abs(t.data.mean()) < 0.04  # sd of the mean is 0.01
    assert abs(t.data.std() - 1.0) < 0.03


@pytest.mark.parametrize(
    "call, low, high, shape",
    [
        (lambda: tg.randint(3, 10, (50,)), 3, 10, (50,)),
        (lambda: tg.randint(5, (4, 25)), 0, 5, (4, 25)),  # torch's randint(high, size)
        (lambda: tg.randint(5, size=(100,)), 0, 5, (100,)),
        (lambda: tg.randint(-2, 2, size=[10, 10]), -2, 2, (10, 10)),
    ],
)
def test_randint_draws_int64_in_half_open_range(call, low, high, shape):
    tg.manual_seed(1)
    t = call()
    assert t.shape == shape and t.dtype == np.int64
    assert t.data.min() >= low and t.data.max() < high
    assert set(np.unique(t.data)) == set(range(low, high))  # 50+ draws hit every value


def test_randint_takes_dtype():
    assert tg.randint(0, 3, (4,), dtype=tg.int32).dtype == np.int32


@given(n=st.integers(0, 20))
def test_randperm_is_a_permutation(n):
    t = tg.randperm(n)
    assert t.dtype == np.int64 and t.shape == (n,)
    np.testing.assert_array_equal(np.sort(t.data), np.arange(n))


# ------------------------------------------------------------------ *_like


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_like_factories_copy_shape_and_dtype(dtype):
    src = Tensor(np.ones((2, 3), dtype=dtype))
    z, o, f = tg.zeros_like(src), tg.ones_like(src), tg.full_like(src, 7)
    for t in (z, o, f):
        assert t.shape == (2, 3) and t.dtype == dtype and not t.requires_grad
    np.testing.assert_array_equal(z.data, np.zeros((2, 3)))
    np.testing.assert_array_equal(o.data, np.ones((2, 3)))
    np.testing.assert_array_equal(f.data, np.full((2, 3), 7))


def test_full_like_truncates_to_an_integer_input_dtype():
    t = tg.full_like(Tensor([1, 2]), 2.7)
    assert t.dtype == np.int64
    np.testing.assert_array_equal(t.data, [2, 2])


@pytest.mark.parametrize("make", [tg.rand_like, tg.randn_like])
def test_random_like_factories_copy_shape_and_dtype(make):
    src = Tensor(np.zeros((3, 2)))
    t = make(src)
    assert t.shape == (3, 2) and t.dtype == np.float64 and not t.requires_grad
    assert make(src, dtype=tg.float32).dtype == np.float32


@pytest.mark.parametrize(
    "make",
    [
        lambda s: tg.zeros_like(s, requires_grad=True),
        lambda s: tg.ones_like(s, dtype=tg.float64, requires_grad=True),
        lambda s: tg.full_like(s, 2.0, requires_grad=True),
        lambda s: tg.rand_like(s, requires_grad=True),
        lambda s: tg.randn_like(s, requires_grad=True),
    ],
)
def test_like_factories_make_fresh_leaves_on_request(make):
    src = Tensor(np.zeros((2, 2), dtype=np.float32), requires_grad=True)
    t = make(src)
    assert t.requires_grad and t.is_leaf and t is not src
    assert not np.shares_memory(t.data, src.data)


# ------------------------------------------------------------------ manual_seed

RANDOM = {
    "rand": lambda: tg.rand(3, 4),
    "randn": lambda: tg.randn(3, 4),
    "randint": lambda: tg.randint(0, 1000, (3, 4)),
    "randperm": lambda: tg.randperm(20),
    "rand_like": lambda: tg.rand_like(tg.zeros(3, 4)),
    "randn_like": lambda: tg.randn_like(tg.zeros(3, 4)),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_manual_seed_makes_random_factories_reproducible(name):
    make = RANDOM[name]
    tg.manual_seed(123)
    first = [make().data for _ in range(2)]
    tg.manual_seed(123)
    second = [make().data for _ in range(2)]
    tg.manual_seed(124)
    other = make().data
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    # the stream moves on between calls, and a different seed gives different values
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[0], other)


def test_manual_seed_fixes_a_whole_sequence_of_mixed_calls():
    def run():
        tg.manual_seed(7)
        return [tg.rand(2).data, tg.randint(0, 100, (3,)).data, tg.randn(2).data,
                tg.randperm(5).data]

    for a, b in zip(run(), run(), strict=True):
        np.testing.assert_array_equal(a, b)
