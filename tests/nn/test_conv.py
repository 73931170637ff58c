"""``F.conv1d``/``F.conv2d``/``F.unfold``/``F.fold`` and the ``nn.Conv1d``/``nn.Conv2d`` layers.

Values are checked against a direct loop over output pixels written here; gradients by
gradcheck/gradgradcheck in float64; layers against PyTorch (copied weights, outputs and
gradients) when it is installed.
"""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def naive_conv2d(x, w, b, stride, padding, dilation, groups):
    """One output pixel at a time; ``padding`` = ((top, bottom), (left, right))."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (pt, pb), (pl, pr) = padding
    xp = np.zeros((n, c, h + pt + pb, wd + pl + pr))
    xp[:, :, pt : pt + h, pl : pl + wd] = x
    oh = (xp.shape[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (xp.shape[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        for a in range(oh):
            for bb in range(ow):
                r0, c0 = a * stride[0], bb * stride[1]
                window = xp[:, g * cg : (g + 1) * cg,
                            r0 : r0 + dilation[0] * (kh - 1) + 1 : dilation[0],
                            c0 : c0 + dilation[1] * (kw - 1) + 1 : dilation[1]]
                out[:, oc, a, bb] = np.sum(window * w[oc], axis=(1, 2, 3))
    if b is not None:
        out += b[None, :, None, None]
    return out


def padding_pairs(padding, kernel, dilation):
    """The (before, after) padding per dim that each user-facing padding form means."""
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
    if isinstance(padding, int):
        return ((padding, padding), (padding, padding))
    return tuple((p, p) for p in padding)


@st.composite
def conv_cases(draw, max_side=6):
    groups = draw(st.integers(1, 3))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    forms = [st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)), st.just("valid")]
    if stride == (1, 1):
        forms.append(st.just("same"))
    padding = draw(st.one_of(*forms))
    pads = padding_pairs(padding, kernel, dilation)
    size = []
    for k, d, (lo, hi) in zip(kernel, dilation, pads):
        least = max(1, d * (k - 1) + 1 - lo - hi)
        size.append(draw(st.integers(least, max(least, max_side))))
    n = draw(st.integers(1, 2))
    x = randn(n, groups * cg, *size, seed=draw(st.integers(0, 1000)))
    w = randn(groups * og, cg, *kernel, seed=1)
    b = randn(groups * og, seed=2) if draw(st.booleans()) else None
    return x, w, b, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


def expected_conv2d(x, w, b, kw):
    pads = padding_pairs(kw["padding"], w.shape[2:], kw["dilation"])
    return naive_conv2d(x, w, b, kw["stride"], pads, kw["dilation"], kw["groups"])


def t(a, grad=False):
    return None if a is None else Tensor(a, requires_grad=grad)


# ------------------------------------------------------------------ conv2d values


@given(conv_cases())
@example((randn(1, 2, 4, 4), randn(2, 1, 2, 2), None, dict(stride=(1, 1), padding="same", dilation=(1, 1),
                                                           groups=2)))
def test_conv2d_matches_naive_loop(case):
    x, w, b, kw = case
    got = F.conv2d(t(x), t(w), t(b), **kw)
    np.testing.assert_allclose(got.data, expected_conv2d(x, w, b, kw), rtol=1e-10, atol=1e-10)


def test_conv2d_same_padding_keeps_spatial_size_for_even_kernels():
    x, w = randn(1, 1, 5, 6), randn(1, 1, 2, 4)
    got = F.conv2d(t(x), t(w), padding="same")
    assert got.shape == (1, 1, 5, 6)
    # torch's rule: the odd element of the total padding d*(k-1) goes after (bottom / right)
    np.testing.assert_allclose(got.data, naive_conv2d(x, w, None, (1, 1), ((0, 1), (1, 2)), (1, 1), 1))


def test_conv2d_accepts_unbatched_input():
    x, w, b = randn(3, 5, 5), randn(4, 3, 3, 3), randn(4)
    got = F.conv2d(t(x), t(w), t(b), padding=1)
    assert got.shape == (4, 5, 5)
    np.testing.assert_allclose(got.data, naive_conv2d(x[None], w, b, (1, 1), ((1, 1), (1, 1)), (1, 1), 1)[0])


def test_conv2d_float32_stays_float32():
    x, w = randn(2, 3, 6, 6).astype(np.float32), randn(4, 3, 3, 3).astype(np.float32)
    got = F.conv2d(t(x), t(w))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.data, naive_conv2d(x, w, None, (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
                               rtol=1e-5, atol=1e-5)


def naive_conv1d(x, w, b, stride, pad, dilation, groups):
    n, c, length = x.shape
    o, cg, k = w.shape
    xp = np.zeros((n, c, length + 2 * pad))
    xp[:, :, pad : pad + length] = x
    out_len = (xp.shape[2] - dilation * (k - 1) - 1) // stride + 1
    out = np.zeros((n, o, out_len))
    for oc in range(o):
        g = oc // (o // groups)
        for i in range(out_len):
            for j in range(k):
                out[:, oc, i] += xp[:, g * cg : (g + 1) * cg, i * stride + j * dilation] @ w[oc, :, j]
    return out if b is None else out + b[None, :, None]


@settings(max_examples=15)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.integers(1, 2),
       st.booleans(), st.integers(0, 3))
def test_conv1d_matches_naive_loop(k, stride, pad, dilation, groups, with_bias, extra):
    length = max(1, dilation * (k - 1) + 1 - 2 * pad) + extra
    x, w = randn(2, 2 * groups, length), randn(3 * groups, 2, k, seed=1)
    b = randn(3 * groups, seed=2) if with_bias else None
    got = F.conv1d(t(x), t(w), t(b), stride=stride, padding=pad, dilation=dilation, groups=groups)
    np.testing.assert_allclose(got.data, naive_conv1d(x, w, b, stride, pad, dilation, groups), rtol=1e-10,
                               atol=1e-10)


def test_conv1d_accepts_unbatched_input_and_same_padding():
    x, w = randn(2, 7), randn(3, 2, 3)
    got = F.conv1d(t(x), t(w), padding="same")
    assert got.shape == (3, 7)
    np.testing.assert_allclose(got.data, naive_conv1d(x[None], w, None, 1, 1, 1, 1)[0])


# ------------------------------------------------------------------ gradients


@settings(max_examples=10)
@given(conv_cases(max_side=4))
def test_conv2d_grad_matches_numerical(case):
    x, w, b, kw = case
    inputs = (t(x, True), t(w, True)) + ((t(b, True),) if b is not None else ())
    assert gradcheck(lambda *a: F.conv2d(*a[:2], a[2] if len(a) > 2 else None, **kw), inputs)


def test_conv2d_second_derivative_matches_numerical():
    x, w, b = t(randn(1, 2, 4, 3), True), t(randn(2, 1, 2, 2, seed=1), True), t(randn(2, seed=2), True)
    kw = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    # tanh makes the output non-linear in (x, w), so the second derivatives are non-trivial
    assert gradgradcheck(lambda a, bw, bb: F.conv2d(a, bw, bb, **kw).tanh(), (x, w, b))


def test_conv1d_grad_and_second_derivative_match_numerical():
    x, w, b = t(randn(2, 2, 5), True), t(randn(2, 2, 3, seed=1), True), t(randn(2, seed=2), True)
    assert gradcheck(lambda a, bw, bb: F.conv1d(a, bw, bb, stride=2, padding=1), (x, w, b))
    assert gradgradcheck(lambda a, bw, bb: F.conv1d(a, bw, bb, dilation=2, padding="same").tanh(), (x, w, b))


def test_conv2d_weight_grad_is_input_correlated_with_output_grad():
    # dL/dw[o, c, i, j] = sum_{n, a, b} g[n, o, a, b] * x[n, c, a + i, b + j]  (stride 1, no padding)
    x, w = t(randn(2, 3, 5, 4), True), t(randn(4, 3, 2, 3, seed=1), True)
    g = randn(2, 4, 4, 2, seed=3)
    F.conv2d(x, w).backward(Tensor(g))
    expected = np.zeros((4, 3, 2, 3))
    for i in range(2):
        for j in range(3):
            expected[:, :, i, j] = np.einsum("noab,ncab->oc", g, x.data[:, :, i : i + 4, j : j + 2])
    np.testing.assert_allclose(w.grad.data, expected, rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------ unfold / fold


def test_unfold_columns_are_flattened_windows():
    x = randn(2, 3, 4, 5)
    cols = F.unfold(t(x), kernel_size=(2, 3), stride=(2, 1))
    assert cols.shape == (2, 3 * 2 * 3, 2 * 3)
    # column l = window (a, b) in row-major order, entries ordered (channel, row, column)
    for a in range(2):
        for b in range(3):
            window = x[:, :, 2 * a : 2 * a + 2, b : b + 3]
            np.testing.assert_array_equal(cols.data[:, :, a * 3 + b], window.reshape(2, -1))


def test_fold_of_unfold_multiplies_by_window_count():
    x = randn(1, 2, 4, 4)
    cols = F.unfold(t(x), 2, padding=1)
    back = F.fold(cols, (4, 4), 2, padding=1)
    # with 2x2 windows, stride 1 and padding 1, every pixel is in exactly 4 windows
    np.testing.assert_allclose(back.data, 4 * x)


def test_unfold_and_fold_grads_match_numerical():
    x = t(randn(1, 2, 3, 4), True)
    assert gradcheck(lambda a: F.unfold(a, (2, 2), dilation=(1, 2), padding=1, stride=(2, 1)), (x,))
    cols = t(randn(1, 2 * 4, 8, seed=1), True)
    assert gradcheck(lambda c: F.fold(c, (3, 4), 2, dilation=(1, 2), padding=1, stride=(2, 1)), (cols,))


def test_fold_rejects_inconsistent_column_count():
    with pytest.raises(RuntimeError, match=r"fold: expected input of shape \(N, C \* 2 \* 2, 9\)"):
        F.fold(t(randn(1, 8, 5)), (4, 4), 2)


# ------------------------------------------------------------------ errors


def test_conv2d_wrong_channel_count_names_shapes():
    with pytest.raises(RuntimeError, match=r"conv2d: expected input with 3 channels .*\(8, 3, 3, 3\).*"
                                           r"got input of shape \(2, 4, 5, 5\)"):
        F.conv2d(t(randn(2, 4, 5, 5)), t(randn(8, 3, 3, 3)))


def test_conv2d_layer_wrong_channel_count_names_the_layer():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(RuntimeError, match=r"^Conv2d: expected input with 3 channels .*"
                                           r"got input of shape \(2, 4, 5, 5\) with 4 channels"):
        conv(Tensor(randn(2, 4, 5, 5).astype(np.float32)))


def test_conv_layer_with_padding_mode_reports_the_callers_shape():
    conv = nn.Conv1d(2, 3, 3, padding=1, padding_mode="circular")
    with pytest.raises(RuntimeError, match=r"^Conv1d: .*got input of shape \(4, 5, 6\)"):
        conv(Tensor(randn(4, 5, 6).astype(np.float32)))


def test_conv2d_kernel_larger_than_padded_input_raises():
    with pytest.raises(RuntimeError, match=r"conv2d: kernel size \(3, 3\).*larger than the padded input size "
                                           r"\(2, 2\)"):
        F.conv2d(t(randn(1, 1, 2, 2)), t(randn(1, 1, 3, 3)))
    # dilation enlarges the kernel: 2 * (2 - 1) + 1 = 3 > 2
    with pytest.raises(RuntimeError, match=r"Conv2d: kernel size \(2, 2\) \(with dilation \(2, 2\): \(3, 3"):
        nn.Conv2d(1, 1, 2, dilation=2)(Tensor(randn(1, 1, 2, 2).astype(np.float32)))
    # padding makes room
    assert F.conv2d(t(randn(1, 1, 2, 2)), t(randn(1, 1, 3, 3)), padding=1).shape == (1, 1, 2, 2)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: F.conv2d(t(randn(3, 5)), t(randn(8, 3, 3, 3))),
         r"conv2d: expected a 3D \(unbatched.*got input of shape \(3, 5\)"),
        (lambda: F.conv2d(t(randn(1, 3, 5, 5)), t(randn(8, 3, 3))), r"conv2d: expected a 4D weight"),
        (lambda: F.conv2d(t(randn(1, 3, 5, 5)), t(randn(8, 3, 3, 3)), t(randn(7))), r"bias of shape \(8,\)"),
        (lambda: F.conv2d(t(randn(1, 6, 5, 5)), t(randn(7, 2, 3, 3)), groups=3), r"groups=3 must divide"),
        (lambda: F.conv2d(t(randn(1, 3, 5, 5)), t(randn(8, 3, 3, 3)), padding="same", stride=2),
         r"padding='same' is not supported for strided"),
        (lambda: F.conv2d(t(randn(1, 3, 5, 5)), t(randn(8, 3, 3, 3)), padding="full"),
         r"invalid padding string"),
        (lambda: F.conv2d(t(randn(1, 3, 5, 5)), t(randn(8, 3, 3, 3)), stride=0), r"stride should be greater"),
        (lambda: F.conv2d(t(randn(1, 3, 5, 5)), t(randn(8, 3, 3, 3).astype(np.float32))),
         r"input dtype float64 and weight dtype float32"),
        (lambda: F.conv1d(t(randn(2, 3, 4)), t(randn(2, 3, 5))), r"conv1d: kernel size \(5,\)"),
    ],
)
def test_conv_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(groups=0), "groups must be a positive integer"),
        (dict(groups=2), "in_channels must be divisible by groups"),
        (dict(padding="same", stride=2), "padding='same' is not supported for strided"),
        (dict(padding="full"), "invalid padding string"),
        (dict(padding_mode="mirror"), "padding_mode must be one of"),
    ],
)
def test_conv2d_layer_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.Conv2d(3, 4, 3, **kwargs)


# ------------------------------------------------------------------ layers


def test_conv2d_layer_parameters_shapes_and_state_dict():
    conv = nn.Conv2d(4, 6, (3, 2), groups=2)
    assert conv.weight.shape == (6, 2, 3, 2) and conv.bias.shape == (6,)
    assert conv.weight.dtype == tg.get_default_dtype()
    assert list(conv.state_dict()) == ["weight", "bias"]
    assert list(nn.Conv1d(2, 3, 4, bias=False).state_dict()) == ["weight"]
    assert nn.Conv1d(2, 3, 4).weight.shape == (3, 2, 4)


def test_conv2d_init_is_uniform_within_one_over_sqrt_fan_in():
    tg.manual_seed(0)
    conv = nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)
    w, b = np.sort(conv.weight.data.ravel()), conv.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # Kolmogorov-Smirnov distance to U(-bound, bound) is small for 4608 draws
    cdf = (w + bound) / (2 * bound)
    ks = np.max(np.abs(cdf - np.arange(1, w.size + 1) / w.size))
    assert ks < 0.03
    tg.manual_seed(0)
    np.testing.assert_array_equal(nn.Conv2d(16, 32, 3).weight.data, conv.weight.data)


def test_conv_layer_accepts_dtype_argument():
    conv = nn.Conv2d(1, 2, 3, dtype=tg.float64)
    assert conv.weight.dtype == np.float64 and conv.bias.dtype == np.float64


def test_conv2d_layer_matches_functional():
    conv = nn.Conv2d(2, 4, 3, stride=2, padding=1, dilation=1, groups=2).double()
    x = randn(2, 2, 5, 5)
    expected = naive_conv2d(x, conv.weight.data, conv.bias.data, (2, 2), ((1, 1), (1, 1)), (1, 1), 2)
    np.testing.assert_allclose(conv(t(x)).data, expected, rtol=1e-10)


def test_conv2d_extra_repr_text():
    assert repr(nn.Conv2d(1, 8, 3)) == "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.Conv1d(1, 8, 3, bias=False)) == "Conv1d(1, 8, kernel_size=(3,), stride=(1,), bias=False)"


# ------------------------------------------------------------------ PyTorch parity

LAYER_CONFIGS = [
    ("Conv2d", (3, 4, 3), {}, (2, 3, 6, 5)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2), (2, 4, 7, 6)),
    ("Conv2d", (2, 4, 3), dict(padding="same", bias=False), (1, 2, 5, 4)),
    ("Conv2d", (2, 2, 4), dict(padding="same", dilation=(2, 1), groups=2), (2, 2, 8, 6)),
    ("Conv2d", (2, 3, 3), dict(padding=1, padding_mode="reflect"), (2, 2, 4, 5)),
    ("Conv2d", (2, 3, (2, 3)), dict(padding="same", padding_mode="circular"), (2, 2, 4, 5)),
    ("Conv2d", (2, 3, 3), dict(padding=(2, 1), padding_mode="replicate", stride=2), (2, 2, 5, 5)),
    ("Conv2d", (3, 2, 3), dict(padding="valid"), (3, 6, 6)),
    ("Conv1d", (3, 4, 3), {}, (2, 3, 8)),
    ("Conv1d", (4, 2, 2), dict(stride=2, padding=1, dilation=2, groups=2), (2, 4, 9)),
    ("Conv1d", (2, 3, 4), dict(padding="same", padding_mode="reflect"), (2, 2, 7)),
    ("Conv1d", (2, 3, 3), dict(padding=2), (2, 6)),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own even-kernel copy
@pytest.mark.parametrize("name, args, kwargs, shape", LAYER_CONFIGS)
def test_conv_layer_matches_torch(name, args, kwargs, shape):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    ours = getattr(nn, name)(*args, **kwargs).double()
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.data))
        if ours.bias is not None:
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    assert repr(ours) == repr(theirs)
    x = randn(*shape, seed=5)
    xa, xb = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(xa), theirs(xb)
    np.testing.assert_allclose(ya.data, yb.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = randn(*yb.shape, seed=6)
    ya.backward(Tensor(g))
    yb.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xa.grad.data, xb.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-10, atol=1e-12)
    if ours.bias is not None:
        np.testing.assert_allclose(ours.bias.grad.data, theirs.bias.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv_init_distribution_matches_torch():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    # same bounds: both samples lie in [-bound, bound] and fill it
    ours, theirs = nn.Conv2d(6, 8, (3, 2)), torch.nn.Conv2d(6, 8, (3, 2))
    bound = 1 / math.sqrt(6 * 3 * 2)
    for a, b in ((ours.weight.data, theirs.weight.detach().numpy()),
                 (ours.bias.data, theirs.bias.detach().numpy())):
        assert np.abs(a).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(ours.weight.data).max() > 0.9 * bound
    assert ours.state_dict().keys() == theirs.state_dict().keys()


def test_unfold_fold_match_torch():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    x = randn(2, 3, 7, 6)
    kw = dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    cols = F.unfold(t(x), **kw)
    np.testing.assert_array_equal(cols.data, torch.nn.functional.unfold(torch.from_numpy(x), **kw).numpy())
    back = F.fold(cols, (7, 6), **kw)
    expected = torch.nn.functional.fold(torch.from_numpy(cols.data), (7, 6), **kw).numpy()
    np.testing.assert_allclose(back.data, expected, rtol=1e-12)
