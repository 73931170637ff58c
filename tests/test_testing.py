"""tinygrad_edu.testing: the strategies draw what they promise; check_gradients checks."""

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import GradcheckError
from tinygrad_edu.testing import broadcastable_shapes, check_gradients, shapes, tensors

from .cubes import DetachedCube, WrongCube


@given(shapes())
def test_shapes_default_bounds(shape):
    assert isinstance(shape, tuple)
    assert 0 <= len(shape) <= 3
    assert all(isinstance(n, int) and 1 <= n <= 4 for n in shape)


@given(shapes(min_dims=2, max_dims=4, min_side=2, max_side=5))
def test_shapes_respect_given_bounds(shape):
    assert 2 <= len(shape) <= 4
    assert all(2 <= n <= 5 for n in shape)


@given(shapes(min_dims=1, max_dims=2, min_side=0, max_side=2))
def test_shapes_allow_empty_dims_when_asked(shape):
    assert 1 <= len(shape) <= 2
    assert all(0 <= n <= 2 for n in shape)


# ------------------------------------------------------------------ broadcastable_shapes


@given(broadcastable_shapes(2))
def test_broadcastable_pairs_broadcast(shapes_):
    assert isinstance(shapes_, tuple) and len(shapes_) == 2
    np.broadcast_shapes(*shapes_)  # raises ValueError if they do not broadcast


@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), broadcastable_shapes(n))))
def test_broadcastable_shapes_draws_n_mutually_broadcastable_shapes(n_and_shapes):
    n, shapes_ = n_and_shapes
    assert len(shapes_) == n
    assert all(isinstance(s, tuple) for s in shapes_)
    np.broadcast_shapes(*shapes_)
    # and the shapes really are usable together with arrays
    arrays = [np.zeros(s) for s in shapes_]
    assert np.broadcast(*arrays).shape == np.broadcast_shapes(*shapes_)


@given(broadcastable_shapes(3, min_dims=1, max_dims=2, max_side=3))
def test_broadcastable_shapes_respect_bounds(shapes_):
    for s in shapes_:
        assert 1 <= len(s) <= 2
        assert all(1 <= n <= 3 for n in s)


def test_broadcastable_shapes_really_broadcast_sometimes():
    # a strategy drawing only equal shapes would never exercise broadcasting
    pair = find(
        broadcastable_shapes(2, min_dims=2, max_dims=2, max_side=3),
        lambda s: s[0] != s[1],
        settings=settings(max_examples=200, database=None),
    )
    assert pair[0] != pair[1] and np.broadcast_shapes(*pair)


# ------------------------------------------------------------------ tensors


@given(tensors(shape=(2, 3)))
def test_tensors_default_dtype_shape_bounds_and_grad(t):
    assert isinstance(t, Tensor)
    assert t.shape == (2, 3)
    assert t.dtype == np.float64
    assert t.requires_grad and t.is_leaf
    assert np.all(np.isfinite(t.data))
    assert np.all((t.data >= -3.0) & (t.data <= 3.0))


@given(tensors(shape=(4,), dtype=np.float32, min_value=0.5, max_value=2.0))
def test_tensors_float32_with_value_range(t):
    assert t.dtype == np.float32
    assert t.shape == (4,)
    assert np.all((t.data >= 0.5) & (t.data <= 2.0))


@given(tensors(shape=shapes(min_dims=1, max_dims=2, max_side=3)))
def test_tensors_with_shape_strategy(t):
    assert 1 <= t.ndim <= 2
    assert all(1 <= n <= 3 for n in t.shape)


@given(tensors())
def test_tensors_default_shape_is_drawn(t):
    assert t.ndim <= 3
    assert t.dtype == np.float64


@given(tensors(shape=(3,), requires_grad=False))
def test_tensors_without_grad(t):
    assert not t.requires_grad


@given(tensors(shape=(5,), dtype=np.int64, min_value=-2, max_value=7))
def test_tensors_integer_dtype_does_not_require_grad(t):
    assert t.dtype == np.int64
    assert not t.requires_grad
    assert np.all((t.data >= -2) & (t.data <= 7))


@given(tensors(shape=(3,), dtype=np.bool_))
def test_tensors_bool_dtype(t):
    assert t.dtype == np.bool_
    assert not t.requires_grad


@given(tensors(shape=(3,), elements=st.sampled_from([0.25, 0.5])))
def test_tensors_elements_strategy_is_used(t):
    assert set(t.data.tolist()) <= {0.25, 0.5}


@given(broadcastable_shapes(2).flatmap(lambda s: st.tuples(tensors(s[0]), tensors(s[1]))))
def test_tensors_of_broadcastable_shapes_combine(pair):
    a, b = pair
    out = a * b
    assert out.shape == np.broadcast_shapes(a.shape, b.shape)
    np.testing.assert_array_equal(out.data, a.data * b.data)


# ------------------------------------------------------------------ check_gradients


def test_check_gradients_passes_on_correct_function():
    check_gradients(
        lambda a, b: (a * b).sin(), tensors((3,)), tensors((3,)), max_examples=10
    )


def test_check_gradients_passes_with_broadcasting_inputs():
    check_gradients(lambda a, b: a * b + a, tensors((2, 3)), tensors((3,)), max_examples=5)


def test_check_gradients_raises_on_wrong_custom_function():
    # nonzero inputs: at x = 0 both derivatives are 0 and the bug is invisible
    nonzero = tensors((2,), min_value=0.5, max_value=2.0)
    with pytest.raises(GradcheckError):
        check_gradients(WrongCube.apply, nonzero, max_examples=10)


def test_check_gradients_finds_the_bug_even_if_it_hides_near_zero():
    # hypothesis must search the input space: many draws make the error invisible (x ~ 0)
    with pytest.raises(GradcheckError):
        check_gradients(WrongCube.apply, tensors((1,)), max_examples=25)


def test_check_gradients_second_order_catches_non_differentiable_backward():
    nonzero = tensors((2,), min_value=0.5, max_value=2.0)
    check_gradients(DetachedCube.apply, nonzero, max_examples=5)  # first order is right
    with pytest.raises(GradcheckError):
        check_gradients(DetachedCube.apply, nonzero, max_examples=5, second_order=True)


def test_check_gradients_second_order_passes_on_correct_function():
    check_gradients(lambda t: t.tanh() * t, tensors((3,)), max_examples=5, second_order=True)
