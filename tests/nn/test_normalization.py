"""``F.batch_norm``, ``F.layer_norm`` and the ``BatchNorm1d``/``BatchNorm2d``/``LayerNorm`` layers.

Values are checked against numpy formulas written here, the running statistics against
PyTorch's update rule (unbiased variance for the running estimate, biased for the
normalisation; ``momentum=None`` = cumulative average), gradients by gradcheck and
gradgradcheck (training mode, where every output depends on the whole batch), and the
layers against PyTorch over several training steps when it is installed.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import tensors


def randn(*shape, seed=0, scale=1.0, shift=0.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale + shift


def np_batch_norm(x, mean, var, w, b, eps):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    if w is not None:
        y = y * w.reshape(shape)
    if b is not None:
        y = y + b.reshape(shape)
    return y


def channel_stats(x):
    axes = (0,) + tuple(range(2, x.ndim))
    return x.mean(axis=axes), x.var(axis=axes), x.var(axis=axes, ddof=1)


# ------------------------------------------------------------------ F.batch_norm


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (3, 2, 4, 5)])
def test_batch_norm_training_normalises_with_biased_batch_variance(shape):
    x, w, b = randn(*shape, scale=3, shift=2), randn(shape[1], seed=1), randn(shape[1], seed=2)
    mean, var, _ = channel_stats(x)
    y = F.batch_norm(Tensor(x), None, None, Tensor(w), Tensor(b), training=True, eps=1e-3)
    np.testing.assert_allclose(y.data, np_batch_norm(x, mean, var, w, b, 1e-3), rtol=1e-12, atol=1e-12)


def test_batch_norm_training_updates_running_stats_with_unbiased_variance():
    x = randn(4, 3, 2, 2, scale=2, shift=-1)
    mean, var, unbiased = channel_stats(x)
    rm, rv = Tensor(np.full(3, 0.5)), Tensor(np.full(3, 2.0))
    rm_array = rm.data
    y = F.batch_norm(Tensor(x), rm, rv, training=True, momentum=0.3)
    np.testing.assert_allclose(rm.data, 0.7 * 0.5 + 0.3 * mean, rtol=1e-12)
    np.testing.assert_allclose(rv.data, 0.7 * 2.0 + 0.3 * unbiased, rtol=1e-12)
    assert rm.data is rm_array  # updated in place: a module's buffer keeps its identity
    # the output itself uses the biased variance
    np.testing.assert_allclose(y.data, np_batch_norm(x, mean, var, None, None, 1e-5), rtol=1e-12)


def test_batch_norm_eval_uses_running_stats_and_leaves_them_alone():
    x = randn(4, 3, 5)
    rm, rv = randn(3, seed=1), np.abs(randn(3, seed=2)) + 0.5
    rm_t, rv_t = Tensor(rm.copy()), Tensor(rv.copy())
    w, b = randn(3, seed=3), randn(3, seed=4)
    y = F.batch_norm(Tensor(x), rm_t, rv_t, Tensor(w), Tensor(b), training=False, eps=1e-2)
    np.testing.assert_allclose(y.data, np_batch_norm(x, rm, rv, w, b, 1e-2), rtol=1e-12)
    np.testing.assert_array_equal(rm_t.data, rm)
    np.testing.assert_array_equal(rv_t.data, rv)


@settings(max_examples=12)
@given(st.sampled_from([(3, 2), (2, 2, 3), (2, 1, 2, 2)]), st.data())
def test_batch_norm_training_grad_matches_numerical(shape, data):
    x = data.draw(tensors(shape=shape))
    w = data.draw(tensors(shape=(shape[1],)))
    b = data.draw(tensors(shape=(shape[1],)))
    # eps=1e-1 keeps 1/sqrt(var + eps) tame when hypothesis draws a near-constant batch
    assert gradcheck(lambda a, ww, bb: F.batch_norm(a, None, None, ww, bb, training=True, eps=0.1), (x, w, b))


def test_batch_norm_training_second_derivative_matches_numerical():
    x, w, b = (Tensor(a, requires_grad=True) for a in (randn(3, 2, 2), randn(2, seed=1), randn(2, seed=2)))
    assert gradgradcheck(lambda a, ww, bb: F.batch_norm(a, None, None, ww, bb, training=True), (x, w, b))


def test_batch_norm_eval_grad_matches_numerical():
    x, w = Tensor(randn(3, 2, 2), requires_grad=True), Tensor(randn(2, seed=1), requires_grad=True)
    rm, rv = Tensor(randn(2, seed=2)), Tensor(np.array([0.5, 2.0]))
    assert gradcheck(lambda a, ww: F.batch_norm(a, rm, rv, ww, None, training=False), (x, w))


def test_batch_norm_grad_sums_to_zero_over_the_batch():
    # without affine, y is invariant to shifting a channel, so dL/dx sums to 0 per channel
    x = Tensor(randn(5, 3, 4), requires_grad=True)
    F.batch_norm(x, None, None, training=True).backward(Tensor(randn(5, 3, 4, seed=1)))
    np.testing.assert_allclose(x.grad.data.sum(axis=(0, 2)), 0, atol=1e-12)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: F.batch_norm(Tensor(randn(1, 3)), None, None, training=True), ValueError,
         r"expected more than 1 value per channel when training, got input of shape \(1, 3\)"),
        (lambda: F.batch_norm(Tensor(randn(4, 3)), Tensor(np.zeros(4)), Tensor(np.ones(4))), RuntimeError,
         r"running_mean should have shape \(3,\).*got shape \(4,\)"),
        (lambda: F.batch_norm(Tensor(randn(4, 3)), None, None), RuntimeError,
         r"running_mean and running_var must be given in evaluation mode"),
        (lambda: F.batch_norm(Tensor(randn(4, 3)), None, None, Tensor(np.ones(2)), training=True),
         RuntimeError, r"weight should have shape \(3,\)"),
    ],
)
def test_batch_norm_bad_input_raises_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ------------------------------------------------------------------ BatchNorm layers


def test_batch_norm_layer_state_and_defaults():
    bn = nn.BatchNorm2d(4)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    np.testing.assert_array_equal(bn.weight.data, np.ones(4))
    np.testing.assert_array_equal(bn.bias.data, np.zeros(4))
    np.testing.assert_array_equal(bn.running_mean.data, np.zeros(4))
    np.testing.assert_array_equal(bn.running_var.data, np.ones(4))
    assert bn.num_batches_tracked.dtype == np.int64 and bn.num_batches_tracked.item() == 0
    assert bn.weight.dtype == tg.get_default_dtype()
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    expected = "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    assert repr(bn) == expected


def test_batch_norm_layer_training_then_eval():
    bn = nn.BatchNorm1d(3, momentum=0.2).double()
    batches = [randn(6, 3, 2, seed=s, scale=2, shift=s) for s in range(3)]
    rm, rv = np.zeros(3), np.ones(3)
    for x in batches:
        y = bn(Tensor(x))
        mean, var, unbiased = channel_stats(x)
        rm, rv = 0.8 * rm + 0.2 * mean, 0.8 * rv + 0.2 * unbiased
        expected = np_batch_norm(x, mean, var, None, None, 1e-5)
        np.testing.assert_allclose(y.data, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean.data, rm, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.data, rv, rtol=1e-12)
    assert bn.num_batches_tracked.item() == 3
    bn.eval()
    x = randn(2, 3, 2, seed=9)
    np.testing.assert_allclose(bn(Tensor(x)).data, np_batch_norm(x, rm, rv, None, None, 1e-5), rtol=1e-10)
    assert bn.num_batches_tracked.item() == 3  # eval leaves the statistics alone


def test_batch_norm_momentum_none_is_cumulative_average():
    bn = nn.BatchNorm2d(2, momentum=None).double()
    batches = [randn(3, 2, 2, 2, seed=s, shift=2 * s) for s in range(4)]
    for x in batches:
        bn(Tensor(x))
    means = [channel_stats(x)[0] for x in batches]
    unbiased = [channel_stats(x)[2] for x in batches]
    np.testing.assert_allclose(bn.running_mean.data, np.mean(means, axis=0), rtol=1e-12)
    # the running variance starts at 1 but the first batch has weight 1/1: the start is forgotten
    np.testing.assert_allclose(bn.running_var.data, np.mean(unbiased, axis=0), rtol=1e-12)


def test_batch_norm_without_running_stats_uses_batch_stats_in_eval():
    bn = nn.BatchNorm1d(3, track_running_stats=False).double().eval()
    assert bn.running_mean is None and bn.num_batches_tracked is None
    assert list(bn.state_dict()) == ["weight", "bias"]
    x = randn(5, 3, seed=3)
    mean, var, _ = channel_stats(x)
    np.testing.assert_allclose(bn(Tensor(x)).data, np_batch_norm(x, mean, var, None, None, 1e-5), rtol=1e-10)


def test_batch_norm_without_affine_has_no_parameters():
    bn = nn.BatchNorm2d(3, affine=False)
    assert list(bn.parameters()) == []
    assert list(bn.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]
    assert list(nn.BatchNorm1d(3, bias=False).state_dict())[:2] == ["weight", "running_mean"]


def test_batch_norm_layer_grads_match_numerical():
    bn = nn.BatchNorm2d(2).double()
    x = Tensor(randn(3, 2, 2, 2), requires_grad=True)
    assert gradcheck(lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True),
                     (x, bn.weight, bn.bias))
    # the layer computes exactly that function in training
    y = bn(x)
    np.testing.assert_allclose(y.data, F.batch_norm(x, None, None, bn.weight, bn.bias, training=True).data)


@pytest.mark.parametrize(
    "layer, x, exc, match",
    [
        (nn.BatchNorm2d(3), randn(4, 3, 5), ValueError, r"BatchNorm2d: expected 4D input \(got 3D input"),
        (nn.BatchNorm1d(3), randn(4, 3, 5, 5), ValueError, r"BatchNorm1d: expected 2D or 3D input \(got 4D"),
        (nn.BatchNorm2d(3), randn(2, 4, 3, 3), RuntimeError,
         r"BatchNorm2d: expected input with 3 channels \(num_features\) in dim 1, "
         r"got input of shape \(2, 4, 3, 3\)"),
        (nn.BatchNorm2d(3), randn(1, 3, 1, 1), ValueError,
         r"BatchNorm2d: expected more than 1 value per channel"),
    ],
)
def test_batch_norm_layer_bad_input_names_the_layer(layer, x, exc, match):
    with pytest.raises(exc, match=match):
        layer(Tensor(x.astype(np.float32)))


# ------------------------------------------------------------------ layer norm


def np_layer_norm(x, k, w, b, eps):
    axes = tuple(range(x.ndim - k, x.ndim))
    y = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


@pytest.mark.parametrize("shape, normalized",
                         [((4, 5), 5), ((2, 3, 4), (3, 4)), ((2, 3, 4), [4]), ((6,), (6,))])
def test_layer_norm_matches_numpy(shape, normalized):
    x = randn(*shape, scale=3, shift=1)
    ns = (normalized,) if isinstance(normalized, int) else tuple(normalized)
    w, b = randn(*ns, seed=1), randn(*ns, seed=2)
    y = F.layer_norm(Tensor(x), normalized, Tensor(w), Tensor(b), eps=1e-3)
    np.testing.assert_allclose(y.data, np_layer_norm(x, len(ns), w, b, 1e-3), rtol=1e-12, atol=1e-12)


@settings(max_examples=12)
@given(st.sampled_from([((2, 3), (3,)), ((2, 2, 2), (2, 2)), ((3, 2), (2,))]), st.data())
def test_layer_norm_grad_matches_numerical(shapes, data):
    shape, ns = shapes
    x, w, b = data.draw(tensors(shape=shape)), data.draw(tensors(shape=ns)), data.draw(tensors(shape=ns))
    assert gradcheck(lambda a, ww, bb: F.layer_norm(a, ns, ww, bb, eps=0.1), (x, w, b))


def test_layer_norm_second_derivative_matches_numerical():
    x, w, b = (Tensor(a, requires_grad=True) for a in (randn(2, 3), randn(3, seed=1), randn(3, seed=2)))
    assert gradgradcheck(lambda a, ww, bb: F.layer_norm(a, (3,), ww, bb), (x, w, b))


def test_layer_norm_layer_parameters_repr_and_state():
    ln = nn.LayerNorm((2, 3))
    assert ln.weight.shape == ln.bias.shape == (2, 3)
    assert list(ln.state_dict()) == ["weight", "bias"]
    assert repr(ln) == "LayerNorm((2, 3), eps=1e-05, elementwise_affine=True, bias=True)"
    bare = nn.LayerNorm(4, elementwise_affine=False)
    assert list(bare.parameters()) == [] and bare.weight is None
    assert nn.LayerNorm(4, bias=False).bias is None


def test_layer_norm_is_the_same_in_train_and_eval():
    ln = nn.LayerNorm(4).double()
    x = Tensor(randn(3, 4))
    y_train = ln(x).data
    np.testing.assert_array_equal(ln.eval()(x).data, y_train)
    np.testing.assert_allclose(y_train, np_layer_norm(x.data, 1, None, None, 1e-5), rtol=1e-12)


def test_layer_norm_wrong_shape_raises():
    with pytest.raises(RuntimeError, match=r"layer_norm: given normalized_shape=\[4\], expected input with "
                                           r"shape \[\*, 4\], but got input of shape \(2, 3\)"):
        F.layer_norm(Tensor(randn(2, 3)), [4])
    with pytest.raises(RuntimeError, match=r"^LayerNorm: given normalized_shape=\[3, 4\]"):
        nn.LayerNorm((3, 4))(Tensor(randn(2, 4, 3).astype(np.float32)))


# ------------------------------------------------------------------ PyTorch parity


@pytest.mark.parametrize(
    "name, kwargs, shape",
    [
        ("BatchNorm2d", {}, (4, 3, 5, 5)),
        ("BatchNorm2d", dict(momentum=None, eps=1e-3), (3, 2, 4, 3)),
        ("BatchNorm1d", {}, (6, 3)),
        ("BatchNorm1d", dict(momentum=0.5), (4, 3, 7)),
        ("BatchNorm1d", dict(affine=False), (5, 4)),
        ("BatchNorm2d", dict(track_running_stats=False), (3, 2, 3, 3)),
        ("BatchNorm2d", dict(bias=False), (3, 2, 3, 3)),
    ],
)
def test_batch_norm_layer_matches_torch_over_training_steps(name, kwargs, shape):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    ours = getattr(nn, name)(shape[1], **kwargs).double()
    theirs = getattr(torch.nn, name)(shape[1], **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if ours.weight is not None:  # non-trivial affine parameters
        with torch.no_grad():
            ours.weight.data[...] = randn(shape[1], seed=11)
            theirs.weight.copy_(torch.from_numpy(ours.weight.data))
    for step in range(4):
        x = randn(*shape, seed=step, scale=1 + step, shift=step - 1)
        xa, xb = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yb = ours(xa), theirs(xb)
        np.testing.assert_allclose(ya.data, yb.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = randn(*shape, seed=100 + step)
        ya.backward(Tensor(g))
        yb.backward(torch.from_numpy(g))
        np.testing.assert_allclose(xa.grad.data, xb.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (na, pa), (nb, pb) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert na == nb
        np.testing.assert_allclose(pa.grad.data, pb.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (na, ba), (nb, bb) in zip(ours.named_buffers(), theirs.named_buffers()):
        assert na == nb
        np.testing.assert_allclose(ba.data, bb.numpy(), rtol=1e-12, atol=1e-14)
    ours.eval()
    theirs.eval()
    x = randn(*shape, seed=50)
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-10,
                               atol=1e-12)


def test_batch_norm_float32_running_stats_match_torch():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    ours, theirs = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    for step in range(3):
        x = randn(8, 3, 4, 4, seed=step, scale=3, shift=2).astype(np.float32)
        ya, yb = ours(Tensor(x)), theirs(torch.from_numpy(x))
        assert ya.dtype == np.float32 and ours.running_var.dtype == np.float32
        np.testing.assert_allclose(ya.data, yb.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.running_mean.data, theirs.running_mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), rtol=1e-5)


@pytest.mark.parametrize("normalized, kwargs, shape", [
    (5, {}, (3, 5)),
    ((3, 4), dict(eps=1e-3), (2, 3, 4)),
    (4, dict(bias=False), (2, 2, 4)),
    ((2, 3), dict(elementwise_affine=False), (4, 2, 3)),
])
def test_layer_norm_matches_torch(normalized, kwargs, shape):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    ours = nn.LayerNorm(normalized, **kwargs).double()
    theirs = torch.nn.LayerNorm(normalized, **kwargs).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for pa, pb in zip(ours.parameters(), theirs.parameters()):
            pa.data[...] = randn(*pa.shape, seed=3)
            pb.copy_(torch.from_numpy(pa.data))
    x = randn(*shape, seed=4, scale=2)
    xa, xb = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(xa), theirs(xb)
    np.testing.assert_allclose(ya.data, yb.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = randn(*shape, seed=5)
    ya.backward(Tensor(g))
    yb.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xa.grad.data, xb.grad.numpy(), rtol=1e-9, atol=1e-12)
    for pa, pb in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(pa.grad.data, pb.grad.numpy(), rtol=1e-10, atol=1e-12)
