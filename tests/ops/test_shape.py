"""Shape ops: reshape/view, flatten, permute, transpose, squeeze/unsqueeze, expand,
repeat, cat/stack, split/chunk/unbind/narrow and pad.

Each op only moves elements around, so its forward is compared with the numpy function
that defines the same movement, and its backward with central differences (gradcheck):
the Jacobian of a shape op is a 0/1 matrix, and any gradient routed to the wrong place
(or not summed over the copies an expand/repeat made) shows up as a mismatch.
"""

import math
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import shapes, tensors

# gradcheck costs one forward per input element, so gradient tests use small tensors
small_shapes = shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


def t64(shape, requires_grad=True):
    """A float64 tensor with distinct values, so a misplaced element changes the result."""
    n = math.prod(shape)
    data = np.arange(1, n + 1, dtype=np.float64).reshape(shape) / 7
    return Tensor(data, requires_grad=requires_grad)


# ------------------------------------------------------------------ reshape / view


def _prime_factors(n):
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out


@st.composite
def reshape_cases(draw, max_side=4):
    """A tensor and a different shape with the same number of elements (maybe with -1)."""
    x = draw(tensors(shape=shapes(max_dims=4, max_side=max_side)))
    factors = draw(st.permutations(_prime_factors(x.numel())))
    cuts = draw(st.lists(st.integers(0, len(factors)), max_size=3))
    bounds = sorted({0, len(factors), *cuts})
    target = [math.prod(factors[a:b]) for a, b in pairwise(bounds)]
    for _ in range(draw(st.integers(0, 2))):
        target.insert(draw(st.integers(0, len(target))), 1)
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return x, tuple(target)


@given(reshape_cases())
def test_reshape_matches_numpy_in_every_call_form(case):
    x, target = case
    expected = np.reshape(x.data, target)
    for y in (x.reshape(target), x.reshape(*target), x.reshape(list(target)),
              x.view(target), x.view(*target), tg.reshape(x, target)):
        assert y.shape == expected.shape
        np.testing.assert_array_equal(y.data, expected)


@given(reshape_cases(max_side=3))
def test_reshape_grad_matches_numerical(case):
    x, target = case
    assert gradcheck(lambda t: t.reshape(target), (x,))


def test_reshape_to_incompatible_size_names_op_and_shapes():
    x = t64((2, 3))
    with pytest.raises(RuntimeError, match=r"reshape.*\(2, 3\)"):
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match="reshape"):
        x.view(-1, 4)


# ------------------------------------------------------------------ flatten


@st.composite
def flatten_cases(draw):
    x = draw(tensors(shape=shapes(min_dims=1, max_dims=4, max_side=3)))
    n = x.ndim
    start = draw(st.integers(0, n - 1))
    end = draw(st.integers(start, n - 1))
    # the same dims spelled negatively must mean the same thing
    if draw(st.booleans()):
        start -= n
    if draw(st.booleans()):
        end -= n
    return x, start, end


def _flatten_ref(a, start, end):
    s, e = start % a.ndim, end % a.ndim
    shape = a.shape[:s] + (int(np.prod(a.shape[s : e + 1])),) + a.shape[e + 1 :]
    return a.reshape(shape)


@given(flatten_cases())
def test_flatten_merges_the_requested_dims(case):
    x, start, end = case
    y = x.flatten(start, end)
    expected = _flatten_ref(x.data, start, end)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y.data, expected)
    assert gradcheck(lambda t: tg.flatten(t, start_dim=start, end_dim=end), (x,))


def test_flatten_defaults_to_all_dims_and_makes_scalars_1d():
    x = t64((2, 3, 4))
    assert x.flatten().shape == (24,)
    assert x.flatten(1).shape == (2, 12)
    assert Tensor(5.0).flatten().shape == (1,)


def test_flatten_start_after_end_raises():
    with pytest.raises(RuntimeError, match="flatten"):
        t64((2, 3, 4)).flatten(2, 1)


# ------------------------------------------------------------------ permute / transpose / .T


@st.composite
def permute_cases(draw, max_side=4):
    x = draw(tensors(shape=shapes(min_dims=1, max_dims=4, max_side=max_side)))
    perm = draw(st.permutations(range(x.ndim)))
    # negative dims are the same axes counted from the end
    perm = [d - x.ndim if draw(st.booleans()) else d for d in perm]
    return x, perm


@given(permute_cases())
def test_permute_matches_numpy_transpose(case):
    x, perm = case
    expected = np.transpose(x.data, [d % x.ndim for d in perm])
    for y in (x.permute(*perm), x.permute(perm), x.permute(tuple(perm)), tg.permute(x, perm)):
        assert y.shape == expected.shape
        np.testing.assert_array_equal(y.data, expected)


@given(permute_cases(max_side=3))
def test_permute_grad_matches_numerical(case):
    x, perm = case
    assert gradcheck(lambda t: t.permute(*perm), (x,))


@settings(max_examples=10)
@given(permute_cases(max_side=2))
def test_permute_second_derivative_matches_numerical(case):
    x, perm = case
    assert gradgradcheck(lambda t: t.permute(*perm) ** 2, (x,))


@st.composite
def transpose_cases(draw):
    x = draw(tensors(shape=shapes(min_dims=1, max_dims=4, max_side=3)))
    d0 = draw(st.integers(-x.ndim, x.ndim - 1))
    d1 = draw(st.integers(-x.ndim, x.ndim - 1))
    return x, d0, d1


@given(transpose_cases())
def test_transpose_swaps_two_axes_like_numpy(case):
    x, d0, d1 = case
    expected = np.swapaxes(x.data, d0, d1)
    y = x.transpose(d0, d1)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y.data, expected)
    assert gradcheck(lambda t: tg.transpose(t, d0, d1), (x,))


@given(tensors(shape=small_shapes))
def test_T_reverses_all_axes(x):
    expected = x.data.transpose(tuple(reversed(range(x.ndim))))
    np.testing.assert_array_equal(x.T.data, expected)
    assert gradcheck(lambda t: t.T, (x,))


def test_permute_with_wrong_number_of_dims_raises():
    with pytest.raises(RuntimeError, match="permute"):
        t64((2, 3, 4)).permute(1, 0)


# ------------------------------------------------------------------ squeeze / unsqueeze


@st.composite
def squeeze_cases(draw):
    # sides 1..2 so that size-1 dims are common
    x = draw(tensors(shape=shapes(min_dims=0, max_dims=4, min_side=1, max_side=2)))
    n = max(x.ndim, 1)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        dim = None
    elif kind == "int":
        dim = draw(st.integers(-n, n - 1))
    else:
        dims = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
        dim = tuple(d - n if draw(st.booleans()) else d for d in dims)
    return x, dim


def _squeeze_ref(a, dim):
    if dim is None:
        return np.squeeze(a)
    if a.ndim == 0:
        return a
    dims = (dim,) if isinstance(dim, int) else dim
    # PyTorch leaves the listed dims that are not of size 1 alone (numpy would raise)
    return np.squeeze(a, axis=tuple(d % a.ndim for d in dims if a.shape[d] == 1))


@given(squeeze_cases())
def test_squeeze_removes_only_size_one_dims(case):
    x, dim = case
    y = x.squeeze() if dim is None else x.squeeze(dim)
    expected = _squeeze_ref(x.data, dim)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y.data, expected)
    assert gradcheck(lambda t: tg.squeeze(t, dim), (x,))


def test_squeeze_leaves_non_singleton_dims_alone():
    x = t64((2, 1, 3))
    assert x.squeeze(0).shape == (2, 1, 3)
    assert x.squeeze((0, 1)).shape == (2, 3)
    assert x.squeeze(-2).shape == (2, 3)


@st.composite
def unsqueeze_cases(draw):
    x = draw(tensors(shape=shapes(min_dims=0, max_dims=3, max_side=3)))
    dim = draw(st.integers(-x.ndim - 1, x.ndim))
    return x, dim


@given(unsqueeze_cases())
def test_unsqueeze_inserts_a_size_one_dim_like_expand_dims(case):
    x, dim = case
    y = x.unsqueeze(dim)
    expected = np.expand_dims(x.data, dim)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y.data, expected)
    assert gradcheck(lambda t: tg.unsqueeze(t, dim), (x,))


def test_unsqueeze_negative_dim_counts_from_the_new_end():
    x = t64((2, 3))
    assert x.unsqueeze(-1).shape == (2, 3, 1)
    assert x.unsqueeze(-3).shape == (1, 2, 3)


def test_squeeze_and_unsqueeze_out_of_range_raise_index_error():
    x = t64((2, 3))
    with pytest.raises(IndexError, match="unsqueeze"):
        x.unsqueeze(3)
    with pytest.raises(IndexError, match="squeeze"):
        x.squeeze(2)


# ------------------------------------------------------------------ expand / broadcast_to / repeat


@st.composite
def expand_cases(draw, max_side=3):
    x = draw(tensors(shape=shapes(min_dims=0, max_dims=3, min_side=1, max_side=2)))
    target = []
    for n in x.shape:
        if n == 1:
            target.append(draw(st.sampled_from([-1, 1, 2, 3][: max_side + 1])))
        else:
            target.append(draw(st.sampled_from([-1, n])))
    lead = draw(st.lists(st.integers(1, max_side), max_size=2))
    return x, tuple(lead + target)


def _resolve(shape, target):
    lead = len(target) - len(shape)
    return tuple(shape[i - lead] if s == -1 else s for i, s in enumerate(target))


@given(expand_cases())
def test_expand_matches_numpy_broadcast_to(case):
    x, target = case
    expected = np.broadcast_to(x.data, _resolve(x.shape, target))
    for y in (x.expand(*target), x.expand(target), tg.expand(x, target)):
        assert y.shape == expected.shape
        np.testing.assert_array_equal(y.data, expected)


@given(expand_cases())
def test_expand_grad_sums_over_the_copies(case):
    x, target = case
    assert gradcheck(lambda t: t.expand(*target), (x,))


@settings(max_examples=10)
@given(expand_cases(max_side=2))
def test_expand_second_derivative_matches_numerical(case):
    x, target = case
    assert gradgradcheck(lambda t: t.expand(*target) ** 2, (x,))


def test_expand_grad_is_number_of_copies():
    x = t64((3, 1))
    x.expand(2, 3, 4).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((3, 1), 8.0))


@given(expand_cases())
def test_broadcast_to_and_expand_as_match_expand(case):
    x, target = case
    full = _resolve(x.shape, target)
    other = Tensor(np.zeros(full))
    np.testing.assert_array_equal(x.broadcast_to(full).data, np.broadcast_to(x.data, full))
    np.testing.assert_array_equal(tg.broadcast_to(x, full).data, np.broadcast_to(x.data, full))
    np.testing.assert_array_equal(x.expand_as(other).data, np.broadcast_to(x.data, full))
    assert gradcheck(lambda t: t.broadcast_to(full), (x,))
    assert gradcheck(lambda t: t.expand_as(other), (x,))


def test_expand_of_non_singleton_dim_raises_with_sizes():
    x = t64((3, 2))
    with pytest.raises(RuntimeError, match=r"expand.*\b4\b.*\b2\b"):
        x.expand(3, 4)


def test_expand_with_minus_one_for_a_new_leading_dim_raises():
    with pytest.raises(RuntimeError, match="expand"):
        t64((3,)).expand(-1, 3)


@st.composite
def repeat_cases(draw):
    x = draw(tensors(shape=shapes(min_dims=0, max_dims=2, max_side=3)))
    extra = draw(st.integers(0, 2 if x.ndim < 2 else 1))
    reps = draw(st.lists(st.integers(1, 3), min_size=x.ndim + extra, max_size=x.ndim + extra))
    return x, tuple(reps)


@given(repeat_cases())
def test_repeat_matches_numpy_tile(case):
    x, reps = case
    expected = np.tile(x.data, reps)
    for y in (x.repeat(*reps), x.repeat(reps), tg.repeat(x, reps)):
        assert y.shape == expected.shape
        np.testing.assert_array_equal(y.data, expected)


@given(repeat_cases())
def test_repeat_grad_sums_over_the_tiles(case):
    x, reps = case
    assert gradcheck(lambda t: t.repeat(*reps), (x,))


@settings(max_examples=10)
@given(repeat_cases())
def test_repeat_second_derivative_matches_numerical(case):
    x, reps = case
    assert gradgradcheck(lambda t: t.repeat(*reps) ** 2, (x,))


def test_repeat_with_fewer_sizes_than_dims_raises():
    with pytest.raises(RuntimeError, match="repeat"):
        t64((2, 3)).repeat(2)


# ------------------------------------------------------------------ cat / stack


@st.composite
def cat_cases(draw, max_side=3):
    base = list(draw(shapes(min_dims=1, max_dims=3, max_side=max_side)))
    axis = draw(st.integers(0, len(base) - 1))
    k = draw(st.integers(1, 3))
    xs = []
    for _ in range(k):
        shape = list(base)
        shape[axis] = draw(st.integers(1, max_side))
        xs.append(draw(tensors(shape=tuple(shape))))
    dim = axis - len(base) if draw(st.booleans()) else axis
    return xs, dim


@given(cat_cases())
def test_cat_matches_numpy_concatenate(case):
    xs, dim = case
    expected = np.concatenate([x.data for x in xs], axis=dim)
    for y in (tg.cat(xs, dim), tg.cat(tuple(xs), dim=dim), tg.concat(xs, dim)):
        assert y.shape == expected.shape
        np.testing.assert_array_equal(y.data, expected)


@given(cat_cases())
def test_cat_grad_matches_numerical(case):
    xs, dim = case
    assert gradcheck(lambda *ts: tg.cat(list(ts), dim), xs)


@settings(max_examples=10)
@given(cat_cases(max_side=2))
def test_cat_second_derivative_matches_numerical(case):
    xs, dim = case
    assert gradgradcheck(lambda *ts: tg.cat(list(ts), dim) ** 2, xs)


@pytest.mark.parametrize(
    "dtypes, expected",
    [
        ((np.int64, np.float32), np.float32),  # int meets float: the float dtype, as in torch
        ((np.float32, np.int64), np.float32),
        ((np.float32, np.float64), np.float64),
        ((np.bool_, np.int64), np.int64),
        ((np.int32, np.int64), np.int64),
    ],
)
def test_cat_and_stack_promote_dtypes_like_torch(dtypes, expected):
    xs = [Tensor(np.ones(2, dtype=dt)) for dt in dtypes]
    assert tg.cat(xs).dtype == expected
    assert tg.stack(xs).dtype == expected
    np.testing.assert_array_equal(tg.cat(xs).data, np.ones(4))


def test_cat_of_int_and_float_sends_gradient_to_the_float_input():
    a = Tensor(np.array([1, 2]))
    b = Tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    (tg.cat([a, b]) * Tensor(np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32))).sum().backward()
    np.testing.assert_array_equal(b.grad.data, [3.0, 4.0])
    assert b.grad.dtype == np.float32


def test_cat_with_mismatched_shapes_names_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"cat.*\(2, 3\).*\(3, 4\)"):
        tg.cat([t64((2, 3)), t64((3, 4))], dim=0)
    with pytest.raises(RuntimeError, match="cat"):
        tg.cat([t64((2, 3)), t64((2, 3, 1))], dim=0)


@st.composite
def stack_cases(draw):
    shape = draw(shapes(min_dims=0, max_dims=2, max_side=3))
    xs = [draw(tensors(shape=shape)) for _ in range(draw(st.integers(1, 3)))]
    dim = draw(st.integers(-len(shape) - 1, len(shape)))
    return xs, dim


@given(stack_cases())
def test_stack_matches_numpy_stack(case):
    xs, dim = case
    expected = np.stack([x.data for x in xs], axis=dim)
    y = tg.stack(xs, dim)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y.data, expected)
    assert gradcheck(lambda *ts: tg.stack(ts, dim=dim), xs)


def test_stack_of_different_shapes_raises():
    with pytest.raises(RuntimeError, match=r"stack.*\(2, 3\).*\(3, 2\)"):
        tg.stack([t64((2, 3)), t64((3, 2))])


# ------------------------------------------------------------------ split / chunk / unbind / narrow


@st.composite
def split_cases(draw):
    x = draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=5)))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[dim]
    if draw(st.booleans()):
        how = draw(st.integers(1, n + 1))
    else:
        # a random composition of n into positive sizes
        cuts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=n - 1))) if n > 1 else []
        bounds = [0, *cuts, n]
        how = [b - a for a, b in pairwise(bounds)]
    return x, how, dim


def _split_ref(a, how, dim):
    n = a.shape[dim]
    if isinstance(how, int):
        points = list(range(how, n, how))
    else:
        points = list(np.cumsum(how)[:-1])
    return np.split(a, points, axis=dim)


@given(split_cases())
def test_split_matches_numpy_split(case):
    x, how, dim = case
    pieces = x.split(how, dim)
    expected = _split_ref(x.data, how, dim)
    assert len(pieces) == len(expected)
    for p, e in zip(pieces, expected, strict=True):
        assert p.shape == e.shape
        np.testing.assert_array_equal(p.data, e)
    assert gradcheck(lambda t: tg.split(t, how, dim), (x,))


def test_split_with_sizes_that_do_not_add_up_raises():
    with pytest.raises(RuntimeError, match="split"):
        t64((5,)).split([2, 2])


@pytest.mark.parametrize(
    "n, chunks, sizes",
    [
        (5, 3, [2, 2, 1]),  # ceil(5/3) = 2 per chunk
        (6, 4, [2, 2, 2]),  # ceil(6/4) = 2: only 3 chunks, as in torch
        (6, 3, [2, 2, 2]),
        (2, 5, [1, 1]),  # more chunks than elements
        (7, 1, [7]),
    ],
)
def test_chunk_sizes_follow_torch(n, chunks, sizes):
    x = tg.arange(n)
    pieces = x.chunk(chunks)
    assert [p.shape[0] for p in pieces] == sizes
    np.testing.assert_array_equal(np.concatenate([p.data for p in pieces]), np.arange(n))


@st.composite
def chunk_cases(draw):
    x = draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=5)))
    return x, draw(st.integers(1, 6)), draw(st.integers(-x.ndim, x.ndim - 1))


@given(chunk_cases())
def test_chunk_pieces_have_ceil_size_and_rejoin_to_the_input(case):
    x, chunks, dim = case
    pieces = tg.chunk(x, chunks, dim)
    n = x.shape[dim]
    size = -(-n // chunks)
    assert len(pieces) <= chunks
    assert all(p.shape[dim] == size for p in pieces[:-1])
    assert 1 <= pieces[-1].shape[dim] <= size
    np.testing.assert_array_equal(np.concatenate([p.data for p in pieces], axis=dim), x.data)
    assert gradcheck(lambda t: t.chunk(chunks, dim), (x,))


@given(tensors(shape=small_shapes), st.data())
def test_unbind_gives_the_slices_along_dim(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    pieces = x.unbind(dim)
    expected = [np.take(x.data, i, axis=dim) for i in range(x.shape[dim])]
    assert len(pieces) == len(expected)
    for p, e in zip(pieces, expected, strict=True):
        assert p.shape == e.shape
        np.testing.assert_array_equal(p.data, e)
    assert gradcheck(lambda t: tg.unbind(t, dim), (x,))


@st.composite
def narrow_cases(draw):
    x = draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=4)))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[dim]
    start = draw(st.integers(0, n))
    length = draw(st.integers(0, n - start))
    # torch accepts a negative start, counted from the end
    if start < n and draw(st.booleans()):
        start -= n
    return x, dim, start, length


@given(narrow_cases())
@example((t64((10,)), 0, -2, 2))
def test_narrow_takes_length_elements_from_start(case):
    x, dim, start, length = case
    n = x.shape[dim]
    s = start + n if start < 0 else start
    expected = np.take(x.data, np.arange(s, s + length), axis=dim)
    y = x.narrow(dim, start, length)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y.data, expected)
    assert gradcheck(lambda t: tg.narrow(t, dim, start, length), (x,))


def test_narrow_with_negative_start_counts_from_the_end():
    # regression: narrow(0, -2, 2) used to give an empty tensor (slice(-2, 0))
    np.testing.assert_array_equal(tg.arange(10).narrow(0, -2, 2).data, [8, 9])


def test_narrow_past_the_end_raises():
    # regression: slicing silently returned fewer than `length` elements
    with pytest.raises(RuntimeError, match="narrow"):
        tg.arange(10).narrow(0, 8, 5)
    with pytest.raises(IndexError, match="narrow"):
        tg.arange(10).narrow(0, 11, 0)


# ------------------------------------------------------------------ pad

_NUMPY_MODE = {
    "constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap",
}


def _pad_ref(a, pad, mode, value):
    """F.pad via numpy.pad: pad pairs are given last dim first; negative widths crop."""
    widths = [(0, 0)] * a.ndim
    for k in range(len(pad) // 2):
        widths[a.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    kw = {"constant_values": value} if mode == "constant" else {}
    out = np.pad(a, grow, mode=_NUMPY_MODE[mode], **kw)
    crop = tuple(
        slice(max(-lo, 0), m - max(-hi, 0)) for (lo, hi), m in zip(widths, out.shape, strict=True)
    )
    return out[crop]


@st.composite
def pad_cases(draw, mode=None, max_side=4):
    mode = mode or draw(st.sampled_from(sorted(_NUMPY_MODE)))
    x = draw(tensors(shape=shapes(min_dims=1, max_dims=3, max_side=max_side)))
    pad = []
    for k in range(draw(st.integers(1, x.ndim))):
        n = x.shape[-1 - k]
        if mode == "constant":
            lo = draw(st.integers(-(n - 1), 2))
            hi = draw(st.integers(-(n - 1 + min(lo, 0)), 2))  # keep at least one element
        elif mode == "reflect":
            lo, hi = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        else:  # replicate, circular (torch's circular wraps at most once)
            lo, hi = draw(st.integers(0, n)), draw(st.integers(0, n))
        pad += [lo, hi]
    value = draw(st.sampled_from([None, 0.0, -1.5, 2.0])) if mode == "constant" else None
    return x, tuple(pad), mode, value


@given(pad_cases())
@example((t64((3,)), (2, 2), "reflect", None))
@example((t64((2, 3)), (-1, 2, 1, -1), "constant", 9.0))
def test_pad_matches_numpy_pad(case):
    x, pad, mode, value = case
    kw = {} if value is None else {"value": value}
    y = tg.pad(x, pad, mode=mode, **kw)
    expected = _pad_ref(x.data, pad, mode, 0.0 if value is None else value)
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y.data, expected)


@given(pad_cases(max_side=3))
def test_pad_grad_matches_numerical(case):
    x, pad, mode, value = case
    assert gradcheck(lambda t: tg.pad(t, pad, mode=mode, value=value), (x,))


@settings(max_examples=10)
@given(pad_cases(max_side=2))
def test_pad_second_derivative_matches_numerical(case):
    x, pad, mode, value = case
    assert gradgradcheck(lambda t: tg.pad(t, pad, mode=mode, value=value) ** 2, (x,))


def test_pad_pairs_start_from_the_last_dim():
    x = Tensor(np.ones((2, 3)))
    y = tg.pad(x, (1, 0, 0, 2), value=5.0)  # last dim: 1 left; first dim: 2 after
    assert y.shape == (4, 4)
    np.testing.assert_array_equal(y.data[:2, 1:], np.ones((2, 3)))
    np.testing.assert_array_equal(y.data[:, 0], np.full(4, 5.0))
    np.testing.assert_array_equal(y.data[2:], np.full((2, 4), 5.0))


def test_pad_reflect_wider_than_input_raises():
    with pytest.raises(RuntimeError, match="pad"):
        tg.pad(t64((2, 3)), (3, 0), mode="reflect")


def test_pad_odd_length_raises():
    with pytest.raises(RuntimeError, match="pad"):
        tg.pad(t64((2, 3)), (1, 2, 3))
