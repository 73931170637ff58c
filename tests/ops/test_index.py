"""Indexing ``x[index]``: ints, slices, None, Ellipsis, integer and boolean index arrays.

The forward is compared with numpy indexing (PyTorch follows numpy here). The backward
is a scatter-add: every picked position receives its gradient, and a position picked
several times (repeated integer indices) receives the sum; central differences see each
use of an element, so gradcheck catches a scatter that overwrites instead of adding.
"""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import shapes, tensors


def t64(*shape):
    """Distinct float64 values, so picking the wrong element changes the result."""
    n = int(np.prod(shape))
    return Tensor(np.arange(1, n + 1, dtype=np.float64).reshape(shape) / 7, requires_grad=True)


def _check_forward(y, expected):
    assert y.shape == np.shape(expected)
    np.testing.assert_array_equal(y.data, expected)


# ------------------------------------------------------------------ basic indexing


@st.composite
def basic_index_cases(draw, max_side=4):
    x = draw(tensors(shape=shapes(min_dims=0, max_dims=3, max_side=max_side)))
    # ints (incl. negative), slices with steps (incl. negative), None and Ellipsis
    index = draw(hnp.basic_indices(x.shape, allow_newaxis=True, allow_ellipsis=True))
    return x, index


@given(basic_index_cases())
@example((t64(5), slice(None, None, -2)))
@example((t64(3, 4), (-1, slice(1, None, 2))))
@example((t64(2, 3), (None, Ellipsis, 0)))
def test_basic_index_matches_numpy(case):
    x, index = case
    _check_forward(x[index], x.data[index])


@given(basic_index_cases(max_side=3))
def test_basic_index_grad_matches_numerical(case):
    x, index = case
    assert gradcheck(lambda t: t[index], (x,))


@settings(max_examples=10)
@given(basic_index_cases(max_side=2))
def test_basic_index_second_derivative_matches_numerical(case):
    x, index = case
    assert gradgradcheck(lambda t: t[index] ** 2, (x,))


def test_basic_index_grad_is_one_at_picked_positions():
    x = t64(3, 4)
    x[1:, ::2].sum().backward()
    expected = np.zeros((3, 4))
    for i in (1, 2):
        for j in (0, 2):
            expected[i, j] = 1.0
    np.testing.assert_array_equal(x.grad.data, expected)


# ------------------------------------------------------------------ integer array indexing


@st.composite
def int_array_cases(draw, max_side=4):
    """An integer index array for the first dim (repeats and negatives likely),
    optionally followed by a slice or an int for the second."""
    x = draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=max_side)))
    n = x.shape[0]
    idx = draw(hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4),
                          elements=st.integers(-n, n - 1)))
    rest = ()
    if x.ndim > 1:
        m = x.shape[1]
        rest = draw(st.sampled_from([(), (slice(1, None),), (slice(None, None, -1),), (m - 1,)]))
    form = draw(st.sampled_from(["numpy", "list", "tensor"]))
    return x, idx, rest, form


def _as_form(idx, form):
    if form == "list":
        return idx.tolist()
    if form == "tensor":
        return Tensor(idx)
    return idx


@given(int_array_cases())
def test_int_array_index_matches_numpy(case):
    x, idx, rest, form = case
    index = (_as_form(idx, form), *rest) if rest else _as_form(idx, form)
    expected = x.data[(idx, *rest)]
    _check_forward(x[index], expected)


@given(int_array_cases(max_side=3))
@example((t64(3), np.array([0, 0, 2, -1, 0]), (), "numpy"))
def test_int_array_index_grad_accumulates_repeats(case):
    x, idx, rest, form = case
    index = (_as_form(idx, form), *rest) if rest else _as_form(idx, form)
    assert gradcheck(lambda t: t[index], (x,))


@pytest.mark.parametrize("form", ["numpy", "list", "tensor"])
def test_repeated_indices_sum_their_gradients(form):
    x = t64(4)
    idx = np.array([2, 0, 2, 2, -1])
    x[_as_form(idx, form)].sum().backward()
    # the gradient at each position is how often it was picked
    counts = np.bincount(idx % 4, minlength=4).astype(np.float64)
    np.testing.assert_array_equal(x.grad.data, counts)


def test_repeated_indices_weighted_gradient_sums():
    x = t64(3, 2)
    w = Tensor(np.array([[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]]))
    (x[[1, 1, 0]] * w).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[100.0, 200.0], [11.0, 22.0], [0.0, 0.0]])


@settings(max_examples=10)
@given(int_array_cases(max_side=2))
def test_int_array_index_second_derivative_matches_numerical(case):
    x, idx, rest, form = case
    index = (_as_form(idx, form), *rest) if rest else _as_form(idx, form)
    assert gradgradcheck(lambda t: t[index] ** 2, (x,))


def test_index_by_zero_dim_int_tensor_acts_like_an_int():
    x = t64(3, 2)
    _check_forward(x[Tensor(1)], x.data[1])


# ------------------------------------------------------------------ boolean masks


@st.composite
def mask_cases(draw, max_side=4):
    x = draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=max_side)))
    k = draw(st.integers(1, x.ndim))  # a mask over the first k dims
    mask = draw(hnp.arrays(np.bool_, x.shape[:k]))
    return x, mask, draw(st.booleans())


@given(mask_cases())
def test_bool_mask_matches_numpy(case):
    x, mask, as_tensor = case
    index = Tensor(mask) if as_tensor else mask
    _check_forward(x[index], x.data[mask])


@given(mask_cases(max_side=3))
def test_bool_mask_grad_matches_numerical(case):
    x, mask, as_tensor = case
    index = Tensor(mask) if as_tensor else mask
    assert gradcheck(lambda t: t[index], (x,))


@settings(max_examples=10)
@given(mask_cases(max_side=2))
def test_bool_mask_second_derivative_matches_numerical(case):
    x, mask, as_tensor = case
    index = Tensor(mask) if as_tensor else mask
    assert gradgradcheck(lambda t: t[index] ** 2, (x,))


def test_bool_mask_from_comparison_selects_and_routes_gradient():
    x = t64(2, 3)
    x[x > 0.5].sum().backward()
    np.testing.assert_array_equal(x.grad.data, (x.data > 0.5).astype(np.float64))


# ------------------------------------------------------------------ combinations


def test_int_array_with_trailing_slice():
    x = t64(4, 3)
    idx = [3, 0, 3]
    _check_forward(x[idx, 1:], x.data[idx, 1:])
    assert gradcheck(lambda t: t[idx, 1:], (x,))


def test_pick_one_entry_per_row_like_cross_entropy():
    logits = t64(4, 3)
    y = Tensor(np.array([2, 0, 1, 2]))
    picked = logits[tg.arange(4), y]
    _check_forward(picked, np.array([logits.data[i, y.data[i]] for i in range(4)]))
    picked.sum().backward()
    one_hot = np.zeros((4, 3))
    for i, c in enumerate([2, 0, 1, 2]):
        one_hot[i, c] = 1.0
    np.testing.assert_array_equal(logits.grad.data, one_hot)


@given(st.data())
def test_pairs_of_index_arrays_match_numpy(data):
    x = data.draw(tensors(shape=shapes(min_dims=2, max_dims=3, max_side=3)))
    rows = data.draw(hnp.arrays(np.int64, (4,), elements=st.integers(-x.shape[0], x.shape[0] - 1)))
    cols = data.draw(hnp.arrays(np.int64, (4,), elements=st.integers(-x.shape[1], x.shape[1] - 1)))
    _check_forward(x[Tensor(rows), cols], x.data[rows, cols])
    assert gradcheck(lambda t: t[rows, Tensor(cols)], (x,))


def test_mixed_index_with_none_ellipsis_and_array():
    x = t64(2, 3, 4)
    index = (None, Ellipsis, [0, 0, 3])
    _check_forward(x[index], x.data[index])
    assert gradcheck(lambda t: t[index], (x,))


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "index", [3, -4, (0, 5), np.array([0, 3]), [1, -4], (slice(None), Tensor(np.array([7])))]
)
def test_out_of_range_index_raises_index_error_naming_getitem(index):
    x = t64(3, 4)
    with pytest.raises(IndexError, match="getitem"):
        x[index]


def test_too_many_indices_raises_index_error():
    with pytest.raises(IndexError, match="getitem"):
        t64(3)[0, 0]


def test_float_index_tensor_raises_index_error():
    with pytest.raises(IndexError, match="getitem"):
        t64(3)[Tensor([0.0, 1.0])]
