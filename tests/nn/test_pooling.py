"""Max and average pooling (``F.max_pool1d/2d``, ``F.avg_pool1d/2d``,
``F.adaptive_avg_pool2d`` and their layers).

The reference implementations here loop over output pixels and clip each window to the
input, as PyTorch's CPU kernels do, instead of padding (the library pads with -inf or 0
and unfolds), so the two are independent. Inputs for max pooling hold distinct values,
so that "the maximum" and its index are unambiguous; ties are tested separately.
"""

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck


def distinct(*shape, seed=0):
    """Shuffled distinct values spaced 0.1 apart: no ties, even after a 1e-6 perturbation."""
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(n).reshape(shape) / 10.0 - n / 20.0


def out_size(n, k, s, p, d, ceil_mode):
    """PyTorch's documented output size for pooling."""
    eff = d * (k - 1) + 1
    if ceil_mode:
        out = -(-(n + 2 * p - eff) // s) + 1
        if (out - 1) * s >= n + p:  # the last window must start inside the input or left padding
            out -= 1
        return out
    return (n + 2 * p - eff) // s + 1


def naive_max_pool2d(x, k, s, p, d, ceil_mode):
    n, c, h, w = x.shape
    oh, ow = (out_size(sz, k[i], s[i], p[i], d[i], ceil_mode) for i, sz in enumerate((h, w)))
    vals, idx = np.empty((n, c, oh, ow)), np.empty((n, c, oh, ow), dtype=np.int64)
    for a in range(oh):
        for b in range(ow):
            r0, c0 = a * s[0] - p[0], b * s[1] - p[1]
            rows = [r for r in range(r0, r0 + d[0] * (k[0] - 1) + 1, d[0]) if 0 <= r < h]
            cols = [q for q in range(c0, c0 + d[1] * (k[1] - 1) + 1, d[1]) if 0 <= q < w]
            flat = np.array([r * w + q for r in rows for q in cols], dtype=np.int64)  # row by row
            if flat.size == 0:  # a dilated window entirely on padding: -inf, no meaningful index
                vals[:, :, a, b], idx[:, :, a, b] = -np.inf, -1
                continue
            window = x.reshape(n, c, h * w)[:, :, flat]
            best = np.argmax(window, axis=-1)
            vals[:, :, a, b] = np.take_along_axis(window, best[..., None], -1)[..., 0]
            idx[:, :, a, b] = flat[best]
    return vals, idx


def naive_avg_pool2d(x, k, s, p, ceil_mode, count_include_pad, divisor_override=None):
    n, c, h, w = x.shape
    oh, ow = (out_size(sz, k[i], s[i], p[i], 1, ceil_mode) for i, sz in enumerate((h, w)))
    out = np.empty((n, c, oh, ow))
    for a in range(oh):
        for b in range(ow):
            r0, c0 = a * s[0] - p[0], b * s[1] - p[1]
            r1, c1 = min(r0 + k[0], h + p[0]), min(c0 + k[1], w + p[1])  # clipped to the padded input
            with_pad = (r1 - r0) * (c1 - c0)
            r0, c0, r1, c1 = max(r0, 0), max(c0, 0), min(r1, h), min(c1, w)
            total = x[:, :, r0:r1, c0:c1].sum(axis=(2, 3))
            divisor = divisor_override or (with_pad if count_include_pad else (r1 - r0) * (c1 - c0))
            out[:, :, a, b] = total / divisor
    return out


@st.composite
def pool_cases(draw, dilation=True, max_extra=4):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    least = [max(1, d[i] * (k[i] - 1) + 1 - 2 * p[i]) for i in range(2)]
    size = [draw(st.integers(least[i], 1 + max_extra + 2 * k[i])) for i in range(2)]
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *size)
    return shape, dict(k=k, s=s, p=p, d=d, ceil_mode=draw(st.booleans()))


def kwargs_2d(c, dilation=True):
    kw = dict(kernel_size=c["k"], stride=c["s"], padding=c["p"], ceil_mode=c["ceil_mode"])
    if dilation:
        kw["dilation"] = c["d"]
    return kw


# ------------------------------------------------------------------ max pooling


@given(pool_cases())
@example(((1, 1, 5, 5), dict(k=(3, 3), s=(2, 2), p=(1, 1), d=(1, 1), ceil_mode=True)))
@example(((1, 1, 6, 1), dict(k=(2, 1), s=(3, 1), p=(1, 0), d=(2, 1), ceil_mode=True)))
@example(((1, 1, 1, 1), dict(k=(2, 1), s=(1, 1), p=(1, 0), d=(2, 1), ceil_mode=False)))  # all-padding window
def test_max_pool2d_values_and_indices_match_naive_loop(case):
    shape, c = case
    x = distinct(*shape)
    vals, idx = F.max_pool2d(Tensor(x), **kwargs_2d(c), return_indices=True)
    exp_vals, exp_idx = naive_max_pool2d(x, c["k"], c["s"], c["p"], c["d"], c["ceil_mode"])
    np.testing.assert_array_equal(vals.data, exp_vals)
    real = exp_idx >= 0
    np.testing.assert_array_equal(idx.data[real], exp_idx[real])
    assert idx.dtype == np.int64


@settings(max_examples=12)
@given(pool_cases(max_extra=2))
def test_max_pool2d_grad_matches_numerical(case):
    shape, c = case
    x = Tensor(distinct(*shape, seed=1), requires_grad=True)
    # a dilated window can fall entirely on padding: its -inf has no derivative (pinned below)
    assume(np.isfinite(F.max_pool2d(x, **kwargs_2d(c)).data).all())
    assert gradcheck(lambda a: F.max_pool2d(a, **kwargs_2d(c)), (x,))


def test_max_pool2d_window_entirely_on_padding_is_minus_inf_with_zero_grad():
    # found by hypothesis: rows -1 and 1 of a 1-row input (dilation 2, padding 1) are both padding;
    # PyTorch also returns -inf there and sends no gradient
    x = Tensor(np.array([[[[0.5]]]]), requires_grad=True)
    y = F.max_pool2d(x, (2, 1), stride=1, padding=(1, 0), dilation=(2, 1))
    np.testing.assert_array_equal(y.data, [[[[-np.inf]]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[0.0]]]])


def test_max_pool2d_second_derivative_matches_numerical():
    x = Tensor(distinct(1, 2, 4, 5), requires_grad=True)
    # tanh is monotonic, so it creates no ties (a square would: (-a)**2 == a**2)
    assert gradgradcheck(lambda a: F.max_pool2d(a.tanh(), 2, stride=1, padding=1) ** 2, (x,))


def test_max_pool2d_grad_goes_to_returned_index_and_overlaps_add():
    # constant input: every element ties; each window sends its gradient to its first element
    x = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    y, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    np.testing.assert_array_equal(idx.data[0, 0], [[0, 1], [3, 4]])
    y.backward(Tensor(np.array([[[[1.0, 10.0], [100.0, 1000.0]]]])))
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1, 10, 0], [100, 1000, 0], [0, 0, 0]])


def test_max_pool2d_padding_never_wins():
    x = -np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # all negative: a zero padding would win
    y = F.max_pool2d(Tensor(x), 3, stride=1, padding=1)
    np.testing.assert_array_equal(y.data[0, 0], [[-1, -1, -2], [-1, -1, -2], [-4, -4, -5]])


def test_max_pool2d_accepts_unbatched_input():
    x = distinct(2, 4, 4)
    y = F.max_pool2d(Tensor(x), 2)
    assert y.shape == (2, 2, 2)
    expected, _ = naive_max_pool2d(x[None], (2, 2), (2, 2), (0, 0), (1, 1), False)
    np.testing.assert_array_equal(y.data, expected[0])


def test_max_pool1d_matches_2d_on_a_single_row():
    x = distinct(2, 3, 9)
    vals, idx = F.max_pool1d(Tensor(x), 3, stride=2, padding=1, dilation=2, ceil_mode=True,
                             return_indices=True)
    ev, ei = naive_max_pool2d(x[:, :, None, :], (1, 3), (1, 2), (0, 1), (1, 2), True)
    np.testing.assert_array_equal(vals.data, ev[:, :, 0])
    np.testing.assert_array_equal(idx.data, ei[:, :, 0])
    xt = Tensor(distinct(1, 2, 6, seed=3), requires_grad=True)
    assert gradcheck(lambda a: F.max_pool1d(a, 2, stride=1, padding=1), (xt,))


# ------------------------------------------------------------------ average pooling


@given(pool_cases(dilation=False), st.booleans(), st.sampled_from([None, 2, 5]))
@example(((1, 1, 5, 5), dict(k=(3, 3), s=(2, 2), p=(1, 1), d=(1, 1), ceil_mode=True)), False, None)
def test_avg_pool2d_matches_naive_loop(case, count_include_pad, divisor_override):
    shape, c = case
    x = np.random.default_rng(0).standard_normal(shape)
    y = F.avg_pool2d(Tensor(x), **kwargs_2d(c, dilation=False), count_include_pad=count_include_pad,
                     divisor_override=divisor_override)
    expected = naive_avg_pool2d(x, c["k"], c["s"], c["p"], c["ceil_mode"], count_include_pad,
                                divisor_override)
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=12)
@given(pool_cases(dilation=False, max_extra=2), st.booleans())
def test_avg_pool2d_grad_matches_numerical(case, count_include_pad):
    shape, c = case
    x = Tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    kw = kwargs_2d(c, dilation=False)
    assert gradcheck(lambda a: F.avg_pool2d(a, **kw, count_include_pad=count_include_pad), (x,))


def test_avg_pool_second_derivative_matches_numerical():
    x = Tensor(np.random.default_rng(2).standard_normal((1, 2, 4, 3)), requires_grad=True)
    assert gradgradcheck(lambda a: F.avg_pool2d(a ** 2, 2, stride=1, padding=1, ceil_mode=True), (x,))
    x1 = Tensor(np.random.default_rng(3).standard_normal((2, 5)), requires_grad=True)
    assert gradgradcheck(lambda a: F.avg_pool1d(a**2, 3, stride=2, padding=1, count_include_pad=False), (x1,))


def test_avg_pool1d_matches_naive_loop():
    x = np.random.default_rng(4).standard_normal((2, 3, 8))
    y = F.avg_pool1d(Tensor(x), 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
    expected = naive_avg_pool2d(x[:, :, None, :], (1, 3), (1, 2), (0, 1), True, False)[:, :, 0]
    np.testing.assert_allclose(y.data, expected, rtol=1e-12)


def test_avg_pool2d_float32_stays_float32():
    y = F.avg_pool2d(Tensor(np.ones((1, 1, 4, 4), dtype=np.float32)), 2, padding=1)
    assert y.dtype == np.float32
    # corner windows hold one input and three zeros of padding (count_include_pad=True)
    np.testing.assert_array_equal(y.data[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])


# ------------------------------------------------------------------ adaptive average pooling


def naive_adaptive_avg(x, oh, ow):
    h, w = x.shape[-2:]
    out = np.empty(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        r0, r1 = (i * h) // oh, -(-((i + 1) * h) // oh)
        for j in range(ow):
            c0, c1 = (j * w) // ow, -(-((j + 1) * w) // ow)
            out[..., i, j] = x[..., r0:r1, c0:c1].mean(axis=(-2, -1))
    return out


@settings(max_examples=15)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 4), st.integers(1, 4))
def test_adaptive_avg_pool2d_matches_naive_loop(h, w, oh, ow):
    x = np.random.default_rng(5).standard_normal((2, 3, h, w))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(Tensor(x), (oh, ow)).data, naive_adaptive_avg(x, oh, ow),
                               rtol=1e-12, atol=1e-12)


def test_adaptive_avg_pool2d_none_keeps_size_and_grad_matches_numerical():
    x = Tensor(np.random.default_rng(6).standard_normal((3, 5, 4)), requires_grad=True)
    y = F.adaptive_avg_pool2d(x, (None, 3))
    assert y.shape == (3, 5, 3)
    np.testing.assert_allclose(y.data, naive_adaptive_avg(x.data, 5, 3), rtol=1e-12)
    assert gradcheck(lambda a: F.adaptive_avg_pool2d(a, (2, 3)), (x,))


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: F.max_pool2d(Tensor(np.ones((1, 1, 5, 5))), 3, padding=2),
         r"max_pool2d: padding should be at most half of kernel size"),
        (lambda: F.avg_pool2d(Tensor(np.ones((1, 1, 5, 5))), 2, padding=2),
         r"avg_pool2d: padding should be at most half of kernel size"),
        (lambda: F.max_pool2d(Tensor(np.ones((1, 1, 2, 2))), 3),
         r"max_pool2d: given input of shape \(1, 1, 2, 2\).*output size \(0, 0\) is too small"),
        (lambda: F.max_pool2d(Tensor(np.ones((5, 5))), 2),
         r"max_pool2d: expected a 3D .*got input of shape \(5, 5\)"),
        (lambda: F.max_pool2d(Tensor(np.ones((1, 1, 4, 4))), 2, stride=0),
         r"stride should be greater than zero"),
        (lambda: F.avg_pool2d(Tensor(np.ones((1, 1, 4, 4))), 2, divisor_override=0), r"divisor_override"),
    ],
)
def test_pool_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


# ------------------------------------------------------------------ layers and PyTorch parity


def test_pool_layers_extra_repr_text():
    expected = "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.MaxPool2d(2)) == expected
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AvgPool1d(2)) == "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))"


def test_pool_layers_have_no_state():
    layers = (nn.MaxPool2d(2), nn.AvgPool2d(2), nn.MaxPool1d(2), nn.AvgPool1d(2), nn.AdaptiveAvgPool2d(1))
    for layer in layers:
        assert list(layer.parameters()) == [] and list(layer.state_dict()) == []


POOL_CONFIGS = [
    ("MaxPool2d", (2,), {}, (2, 3, 6, 5)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, dilation=1, ceil_mode=True), (2, 2, 7, 6)),
    ("MaxPool2d", ((3, 2),), dict(stride=(1, 2), padding=(1, 0), dilation=(2, 1), return_indices=True),
     (1, 2, 7, 5)),
    ("MaxPool2d", (2,), dict(return_indices=True, ceil_mode=True), (3, 5, 5)),
    ("AvgPool2d", (2,), {}, (2, 3, 6, 5)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False), (2, 2, 6, 7)),
    ("AvgPool2d", ((3, 2),), dict(stride=(2, 1), padding=(1, 1), ceil_mode=True), (1, 2, 6, 5)),
    ("AvgPool2d", (3,), dict(padding=1, divisor_override=4), (2, 5, 5)),
    ("MaxPool1d", (3,), dict(stride=2, padding=1, dilation=2, return_indices=True, ceil_mode=True),
     (2, 3, 10)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False), (2, 3, 8)),
    ("AvgPool1d", (2,), {}, (3, 7)),
    ("AdaptiveAvgPool2d", ((3, 2),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d", ((None, 4),), {}, (2, 6, 9)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 4, 4)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", POOL_CONFIGS)
def test_pool_layer_matches_torch(name, args, kwargs, shape):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    x = distinct(*shape, seed=7)
    xa, xb = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(xa), theirs(xb)
    if kwargs.get("return_indices"):
        (ya, ia), (yb, ib) = ya, yb
        np.testing.assert_array_equal(ia.data, ib.numpy())
    np.testing.assert_allclose(ya.data, yb.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(8).standard_normal(yb.shape)
    ya.backward(Tensor(g))
    yb.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xa.grad.data, xb.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_max_pool2d_ties_match_torch():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    x = np.round(np.random.default_rng(9).standard_normal((2, 2, 6, 6)))  # many ties
    xa, xb = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ya, ia), (yb, ib) = F.max_pool2d(xa, 3, 1, 1, return_indices=True), torch.nn.functional.max_pool2d(
        xb, 3, 1, 1, return_indices=True)
    np.testing.assert_array_equal(ia.data, ib.numpy())
    ya.sum().backward()
    yb.sum().backward()
    np.testing.assert_array_equal(xa.grad.data, xb.grad.numpy())
