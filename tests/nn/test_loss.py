"""Losses: values against numpy written from the definitions, PyTorch parity (values and
gradients, float64, when torch is installed), first and second derivatives against central
differences, the fused ops against the composed definitions, stability for huge logits,
the loss modules, and error messages."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.ops.loss import CrossEntropy, LogSigmoid, PickTarget, PlaceTarget, target_index

REDUCTIONS = ("mean", "sum", "none")


def need_torch():
    return pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")


def t64(a, requires_grad=False):
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def floats(lo=-3.0, hi=3.0):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)


def reduce_np(losses, reduction):
    losses = np.asarray(losses, dtype=np.float64)
    return {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]


def assert_close(actual, expected, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol, equal_nan=True)


def check_second_order(fn, inputs):
    """gradgradcheck, plus: the backward run on Tensors (create_graph=True) gives the same
    first derivative as the one run on arrays (gradgradcheck only differentiates the former)."""
    assert gradgradcheck(fn, inputs)
    out = fn(*inputs)
    v = Tensor(np.random.default_rng(1).standard_normal(out.shape))
    xs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    plain = tg.autograd.grad(out, xs, v, retain_graph=True)
    graph = tg.autograd.grad(out, xs, v, create_graph=True)
    for p, g in zip(plain, graph):
        assert_close(g.data, p.data)


# ---------------------------------------------------------------- numpy references
def log_softmax_np(row):
    m = row.max()
    return row - (m + np.log(np.exp(row - m).sum()))


def ce_ref(x, t, weight=None, ignore_index=-100, reduction="mean", ls=0.0):
    """Cross entropy from PyTorch's documented formula, one sample at a time."""
    axis = 0 if x.ndim == 1 else 1
    n_classes = x.shape[axis]
    rows = np.moveaxis(x, axis, -1).reshape(-1, n_classes)
    w = np.ones(n_classes) if weight is None else np.asarray(weight, dtype=np.float64)
    if t.shape == x.shape:  # class probabilities
        probs = np.moveaxis(t, axis, -1).reshape(-1, n_classes) * (1 - ls) + ls / n_classes
        losses = [-(w * p * log_softmax_np(r)).sum() for r, p in zip(rows, probs)]
        losses = np.array(losses).reshape(t.shape[:axis] + t.shape[axis + 1:])
        return reduce_np(losses, reduction)
    losses, wsum = [], 0.0
    for r, k in zip(rows, t.reshape(-1)):
        if k == ignore_index:
            losses.append(0.0)
            continue
        logp = log_softmax_np(r)
        losses.append((1 - ls) * -w[k] * logp[k] + ls / n_classes * -(w * logp).sum())
        wsum += w[k]
    losses = np.array(losses).reshape(t.shape)
    if reduction == "mean":
        with np.errstate(invalid="ignore"):
            return losses.sum() / wsum
    return reduce_np(losses, reduction)


def nll_ref(x, t, weight=None, ignore_index=-100, reduction="mean"):
    axis = 0 if x.ndim == 1 else 1
    n_classes = x.shape[axis]
    rows = np.moveaxis(x, axis, -1).reshape(-1, n_classes)
    w = np.ones(n_classes) if weight is None else weight
    losses, wsum = [], 0.0
    for r, k in zip(rows, t.reshape(-1)):
        ok = k != ignore_index
        losses.append(-w[k] * r[k] if ok else 0.0)
        wsum += w[k] if ok else 0.0
    losses = np.array(losses).reshape(t.shape)
    if reduction == "mean":
        with np.errstate(invalid="ignore"):
            return losses.sum() / wsum
    return reduce_np(losses, reduction)


def bce_ref(p, y, w=1.0):
    return -w * (y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log(1 - p), -100))


def bce_logits_ref(x, y, w=1.0, pw=1.0):
    # softplus(-x) = log(1 + exp(-x)) = -log sigmoid(x), and log(1 - sigmoid(x)) = -x - softplus(-x)
    sp = np.logaddexp(0, -x)
    return w * (pw * y * sp + (1 - y) * (x + sp))


def huber_ref(d, delta):
    a = np.abs(d)
    return np.where(a < delta, 0.5 * d**2, delta * (a - 0.5 * delta))


def smooth_l1_ref(d, beta):
    a = np.abs(d)
    if beta == 0:
        return a
    return np.where(a < beta, 0.5 * d**2 / beta, a - 0.5 * beta)


# --------------------------------------------------------------------- strategies
@st.composite
def class_problems(draw, probabilities=False):
    """(x, target, weight, ignore_index) for cross_entropy / nll_loss: batched (N, C),
    unbatched (C,) or spatial (N, C, d1[, d2]); some targets equal ignore_index."""
    n_classes = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["batched", "unbatched", "spatial"]))
    if kind == "unbatched":
        shape = (n_classes,)
    elif kind == "batched":
        shape = (draw(st.integers(1, 4)), n_classes)
    else:
        extra = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
        shape = (draw(st.integers(1, 2)), n_classes, *extra)
    x = draw(hnp.arrays(np.float64, shape, elements=floats(-4, 4)))
    axis = 0 if len(shape) == 1 else 1
    tshape = shape[:axis] + shape[axis + 1:]
    weight = draw(st.none() | hnp.arrays(np.float64, (n_classes,), elements=floats(0.1, 2.0)))
    if probabilities:
        raw = draw(hnp.arrays(np.float64, shape, elements=floats(0.0, 1.0)))
        total = raw.sum(axis=axis, keepdims=True)
        p = np.where(total > 0, raw / np.where(total > 0, total, 1), 1.0 / n_classes)
        return x, p, weight, -100
    t = draw(hnp.arrays(np.int64, tshape, elements=st.integers(0, n_classes - 1)))
    ignore_index = draw(st.sampled_from([-100, -1, 0, 2]))
    if ignore_index < 0:
        ignored = draw(hnp.arrays(np.bool_, tshape))
        t = np.where(ignored, ignore_index, t)
    return x, t, weight, ignore_index


# A point away from the kinks of |d| and of the Huber / smooth L1 switch, where
# central differences would straddle two branches.
def away_from_kinks(delta):
    return floats(-3, 3).filter(lambda v: abs(v) > 1e-3 and abs(abs(v) - delta) > 1e-3)


REGRESSION = {  # name -> (function with options, numpy reference of the elementwise loss)
    "mse_loss": (lambda a, b, r: F.mse_loss(a, b, reduction=r), lambda d: d**2),
    "l1_loss": (lambda a, b, r: F.l1_loss(a, b, reduction=r), np.abs),
    "huber_loss": (lambda a, b, r: F.huber_loss(a, b, reduction=r, delta=0.7), lambda d: huber_ref(d, 0.7)),
    "smooth_l1_loss": (lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.7),
                       lambda d: smooth_l1_ref(d, 0.7)),
}


# ======================================================================= regression
@pytest.mark.parametrize("name", REGRESSION)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), elements=floats()),
       data=st.data(), reduction=st.sampled_from(REDUCTIONS))
def test_regression_loss_values_match_numpy(name, x, data, reduction):
    y = data.draw(hnp.arrays(np.float64, x.shape, elements=floats()))
    fn, ref = REGRESSION[name]
    out = fn(t64(x), t64(y), reduction)
    assert out.shape == (x.shape if reduction == "none" else ())
    assert_close(out.data, reduce_np(ref(x - y), reduction))


@pytest.mark.parametrize("name", REGRESSION)
@given(data=st.data(), reduction=st.sampled_from(REDUCTIONS))
def test_regression_loss_grads_match_numerical(name, data, reduction):
    delta = 0.7 if name in ("huber_loss", "smooth_l1_loss") else 1.0
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    x = data.draw(hnp.arrays(np.float64, shape, elements=floats()))
    d = data.draw(hnp.arrays(np.float64, shape, elements=away_from_kinks(delta)))
    fn = REGRESSION[name][0]
    inputs = (t64(x, True), t64(x - d, True))
    assert gradcheck(lambda a, b: fn(a, b, reduction), inputs)
    check_second_order(lambda a, b: fn(a, b, reduction), inputs)


def test_huber_and_smooth_l1_grads_at_the_switch_are_the_clamped_error():
    # PyTorch's backward: huber -> clamp(d, -delta, delta); smooth L1 -> clamp(d / beta, -1, 1).
    d = np.array([-2.0, -1.5, -0.3, 0.0, 0.3, 1.5, 2.0])
    for delta in (1.5, 0.3):
        x = t64(d, True)
        F.huber_loss(x, t64(np.zeros(7)), reduction="sum", delta=delta).backward()
        assert_close(x.grad.data, np.clip(d, -delta, delta))
        x = t64(d, True)
        F.smooth_l1_loss(x, t64(np.zeros(7)), reduction="sum", beta=delta).backward()
        assert_close(x.grad.data, np.clip(d / delta, -1, 1))


def test_l1_grad_is_zero_where_input_equals_target():
    x = t64([1.0, 2.0, 3.0], True)
    F.l1_loss(x, t64([1.0, 0.0, 4.0]), reduction="sum").backward()
    assert_close(x.grad.data, [0.0, 1.0, -1.0])


def test_smooth_l1_with_beta_zero_is_l1():
    x, y = t64([0.5, -2.0, 0.0]), t64([0.0, 1.0, 0.1])
    assert_close(F.smooth_l1_loss(x, y, beta=0.0, reduction="none").data, [0.5, 3.0, 0.1])


def test_smooth_l1_is_huber_divided_by_beta():
    x, y = t64(np.linspace(-3, 3, 13)), t64(np.zeros(13))
    for beta in (0.25, 1.0, 2.0):
        assert_close(F.smooth_l1_loss(x, y, beta=beta, reduction="none").data,
                     F.huber_loss(x, y, delta=beta, reduction="none").data / beta)


def test_regression_losses_differentiate_the_target_too():
    x, y = t64([1.0, -2.0], True), t64([0.5, 0.5], True)
    F.mse_loss(x, y).backward()
    assert_close(y.grad.data, -(x.data - y.data))  # d/dy mean((x - y)^2) = -2 (x - y) / 2


def test_weighted_regression_means_follow_pytorch():
    # PyTorch 2.6+: mse/l1 'mean' divide by sum(weight); huber 'mean' divides by the count.
    x, y, w = t64([1.0, 2.0, 4.0]), t64([0.0, 0.0, 1.0]), t64([1.0, 3.0, 0.5])
    se, ae = np.array([1.0, 4.0, 9.0]), np.array([1.0, 2.0, 3.0])
    assert_close(F.mse_loss(x, y, weight=w).data, (se * w.data).sum() / 4.5)
    assert_close(F.l1_loss(x, y, weight=w).data, (ae * w.data).sum() / 4.5)
    assert_close(F.huber_loss(x, y, weight=w).data, (huber_ref(x.data - y.data, 1.0) * w.data).mean())
    assert_close(F.mse_loss(x, y, weight=w, reduction="none").data, se * w.data)


def test_regression_broadcast_warns_naming_both_shapes_and_follows_numpy():
    x, y = t64(np.arange(6.0).reshape(2, 3)), t64([1.0, 2.0, 3.0])
    with pytest.warns(UserWarning, match=r"\(3,\).*\(2, 3\)"):
        out = F.mse_loss(x, y, reduction="none")
    assert_close(out.data, (x.data - y.data) ** 2)


def test_regression_losses_keep_float32():
    x, y = Tensor(np.ones(3, np.float32), requires_grad=True), Tensor(np.zeros(3, np.float32))
    for fn in (F.mse_loss, F.l1_loss, F.huber_loss, F.smooth_l1_loss):
        out = fn(x, y)
        out.backward()
        assert out.dtype == np.float32 and x.grad.dtype == np.float32


# =================================================================== cross entropy
@given(problem=class_problems(), reduction=st.sampled_from(REDUCTIONS),
       ls=st.sampled_from([0.0, 0.1, 0.45, 1.0]))
def test_cross_entropy_class_indices_match_numpy(problem, reduction, ls):
    x, t, w, ig = problem
    out = F.cross_entropy(t64(x), Tensor(t), weight=None if w is None else t64(w), ignore_index=ig,
                          reduction=reduction, label_smoothing=ls)
    assert_close(out.data, ce_ref(x, t, w, ig, reduction, ls))


@given(problem=class_problems(probabilities=True), reduction=st.sampled_from(REDUCTIONS),
       ls=st.sampled_from([0.0, 0.2, 1.0]))
def test_cross_entropy_probabilities_match_numpy(problem, reduction, ls):
    x, p, w, _ = problem
    out = F.cross_entropy(t64(x), t64(p), weight=None if w is None else t64(w),
                          reduction=reduction, label_smoothing=ls)
    assert_close(out.data, ce_ref(x, p, w, -100, reduction, ls))


@given(problem=class_problems(), reduction=st.sampled_from(REDUCTIONS))
def test_nll_loss_matches_numpy(problem, reduction):
    x, t, w, ig = problem
    out = F.nll_loss(t64(x), Tensor(t), weight=None if w is None else t64(w), ignore_index=ig,
                     reduction=reduction)
    assert_close(out.data, nll_ref(x, t, w, ig, reduction))


def test_cross_entropy_of_one_sample_by_hand():
    # logits (0, ln 2, ln 5): softmax = (1, 2, 5) / 8
    x = t64([[0.0, np.log(2.0), np.log(5.0)]], True)
    loss = F.cross_entropy(x, Tensor(np.array([2])))
    assert_close(loss.data, -np.log(5 / 8))
    loss.backward()
    assert_close(x.grad.data, [[1 / 8, 2 / 8, 5 / 8 - 1]])  # softmax - one_hot


def test_weighted_label_smoothing_mean_divides_both_parts_by_the_target_weights():
    x = np.array([[1.0, 0.0, -1.0], [0.5, 0.5, 2.0], [0.0, 0.0, 0.0]])
    t, w, eps = np.array([2, 0, -100]), np.array([0.5, 2.0, 4.0]), 0.3
    logp = np.array([log_softmax_np(r) for r in x])
    per_sample = [(1 - eps) * -w[k] * logp[i, k] + eps / 3 * -(w * logp[i]).sum()
                  for i, k in enumerate(t[:2])]
    expected = sum(per_sample) / (w[2] + w[0])  # the ignored third sample counts nowhere
    out = F.cross_entropy(t64(x), Tensor(t), weight=t64(w), label_smoothing=eps)
    assert_close(out.data, expected)


def test_cross_entropy_all_targets_ignored_mean_is_nan_with_zero_grad():
    x = t64(np.random.default_rng(0).standard_normal((3, 4)), True)
    t = Tensor(np.full(3, -100))
    for ls in (0.0, 0.3):
        x.grad = None
        loss = F.cross_entropy(x, t, label_smoothing=ls)
        assert np.isnan(loss.item())
        loss.backward()
        assert_close(x.grad.data, np.zeros((3, 4)))  # as PyTorch: ignored targets get no gradient


def test_cross_entropy_ignore_index_inside_the_class_range():
    x = np.random.default_rng(1).standard_normal((4, 3))
    t = np.array([0, 1, 1, 2])
    a = t64(x, True)
    loss = F.cross_entropy(a, Tensor(t), ignore_index=1)
    assert_close(loss.data, ce_ref(x, t, ignore_index=1))
    loss.backward()
    assert_close(a.grad.data[[1, 2]], np.zeros((2, 3)))  # ignored rows: no gradient


def test_cross_entropy_unbatched_and_spatial_shapes():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(5)
    assert F.cross_entropy(t64(x), Tensor(np.array(3)), reduction="none").shape == ()
    x = rng.standard_normal((2, 3, 4, 5))
    t = rng.integers(0, 3, (2, 4, 5))
    out = F.cross_entropy(t64(x), Tensor(t), reduction="none")
    assert out.shape == (2, 4, 5)
    assert_close(out.data, ce_ref(x, t, reduction="none"))


def test_cross_entropy_of_an_empty_batch_is_nan_for_mean_and_zero_for_sum():
    x, t = t64(np.zeros((0, 3)), True), Tensor(np.zeros(0, np.int64))
    assert np.isnan(F.cross_entropy(x, t).item())
    loss = F.cross_entropy(x, t, reduction="sum")
    assert loss.item() == 0.0
    loss.backward()
    assert x.grad.shape == (0, 3)


def test_cross_entropy_keeps_float32_and_accepts_float64_weight():
    x = Tensor(np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    t = Tensor(np.array([0, 2, 1, 1]))
    loss = F.cross_entropy(x, t, weight=t64([1.0, 2.0, 0.5]), label_smoothing=0.1)
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    assert_close(loss.data, ce_ref(x.data.astype(np.float64), t.data, [1.0, 2.0, 0.5], ls=0.1), rtol=1e-5)


def test_cross_entropy_probability_targets_get_gradients():
    rng = np.random.default_rng(4)
    x, p = t64(rng.standard_normal((3, 4)), True), t64(rng.dirichlet(np.ones(4), 3), True)
    F.cross_entropy(x, p, reduction="sum").backward()
    logp = np.array([log_softmax_np(r) for r in x.data])
    assert_close(p.grad.data, -logp)  # d/dp of -sum p log_softmax(x)
    assert_close(x.grad.data, np.exp(logp) * p.data.sum(1, keepdims=True) - p.data)


@given(problem=class_problems(), reduction=st.sampled_from(REDUCTIONS), ls=st.sampled_from([0.0, 0.3]))
def test_cross_entropy_grads_match_numerical(problem, reduction, ls):
    x, t, w, ig = problem
    wt = None if w is None else t64(w)
    # every target ignored: 'mean' is 0/0 = NaN (tested separately), no derivative to check
    assume(reduction != "mean" or (t != ig).any())

    def fn(a):
        return F.cross_entropy(a, Tensor(t), weight=wt, ignore_index=ig, reduction=reduction,
                               label_smoothing=ls)

    assert gradcheck(fn, (t64(x, True),))


@given(problem=class_problems(probabilities=True), reduction=st.sampled_from(REDUCTIONS))
def test_cross_entropy_probability_grads_match_numerical(problem, reduction):
    x, p, w, _ = problem
    wt = None if w is None else t64(w)
    inputs = (t64(x, True), t64(p, True))
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, weight=wt, reduction=reduction, label_smoothing=0.1),
                     inputs)


def test_cross_entropy_and_nll_second_derivatives():
    rng = np.random.default_rng(5)
    x = t64(rng.standard_normal((3, 4)), True)
    t = Tensor(np.array([1, -100, 3]))
    w = t64([0.5, 1.0, 2.0, 1.5])
    for reduction in REDUCTIONS:
        check_second_order(lambda a, r=reduction: F.cross_entropy(a, t, weight=w, reduction=r,
                                                                  label_smoothing=0.2), (x,))
        check_second_order(lambda a, r=reduction: F.nll_loss(a, t, weight=w, reduction=r), (x,))
    xs = t64(rng.standard_normal((2, 3, 2)), True)
    check_second_order(lambda a: F.cross_entropy(a, Tensor(np.array([[0, 2], [1, 1]]))), (xs,))
    p = t64(rng.dirichlet(np.ones(4), 3), True)
    check_second_order(lambda a, b: F.cross_entropy(a, b, weight=w, label_smoothing=0.1), (x, p))


# --------------------------------------------------- the fused NLL vs the composed one
def nll_composed(logp, t, weight, ignore_index, reduction):
    """nll_loss from ordinary ops: indexing (a scatter-add backward), products, sums."""
    tt = t.reshape(-1)
    valid = tt != ignore_index
    safe = np.where(valid, tt, 0)
    rows = logp.reshape(-1, logp.shape[-1]) if logp.ndim == 2 else logp.reshape(1, -1)
    w = np.ones(rows.shape[1]) if weight is None else weight
    wt = w[safe] * valid
    losses = -(rows[np.arange(len(tt)), safe] * Tensor(wt))
    if reduction == "none":
        return losses.reshape(t.shape)
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / wt.sum()


@given(data=st.data(), reduction=st.sampled_from(REDUCTIONS))
def test_fused_nll_matches_composed_values_grads_and_second_derivatives(data, reduction):
    n, c = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4))
    x = data.draw(hnp.arrays(np.float64, (n, c), elements=floats()))
    t = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    t = np.where(data.draw(hnp.arrays(np.bool_, (n,))), -100, t)
    # all ignored under 'mean': 0/0, where the composed gradient is NaN and the fused one
    # is 0 as in PyTorch (tested in test_cross_entropy_all_targets_ignored_...)
    assume(reduction != "mean" or (t != -100).any())
    w = data.draw(st.none() | hnp.arrays(np.float64, (c,), elements=floats(0.1, 2.0)))
    a, b = t64(x, True), t64(x, True)
    # log_softmax first, so that the second derivative is not zero
    fused = F.nll_loss(a.log_softmax(1), Tensor(t), weight=None if w is None else t64(w),
                       reduction=reduction)
    composed = nll_composed(b.log_softmax(1), t, w, -100, reduction)
    assert_close(fused.data, composed.data)
    v = t64(np.random.default_rng(0).standard_normal(fused.shape))
    (ga,) = tg.autograd.grad(fused, [a], v, create_graph=True)
    (gb,) = tg.autograd.grad(composed, [b], v, create_graph=True)
    assert_close(ga.data, gb.data)
    u = t64(np.random.default_rng(1).standard_normal(x.shape))
    (ha,) = tg.autograd.grad(ga, [a], u)
    (hb,) = tg.autograd.grad(gb, [b], u)
    assert_close(ha.data, hb.data)  # Hessian-vector products agree


def test_pick_and_place_target_are_gather_and_its_transpose():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 4))
    t = rng.integers(0, 3, (2, 4))
    idx = target_index(t, 1)
    picked = PickTarget.dual(x, index=idx)
    assert_close(picked, np.take_along_axis(x, t[:, None], 1)[:, 0])
    g = rng.standard_normal((2, 4))
    placed = PlaceTarget.dual(g, shape=x.shape, index=idx)
    expected = np.zeros_like(x)
    np.put_along_axis(expected, t[:, None], g[:, None], 1)
    assert_close(placed, expected)
    # <place(g), x> == <g, pick(x)>: the two are transposes of each other
    assert_close((placed * x).sum(), (g * picked).sum())
    xt = t64(x, True)
    assert gradcheck(lambda a: PickTarget.apply(a, index=idx), (xt,))
    check_second_order(lambda a: PlaceTarget.apply(a.sin(), shape=x.shape, index=idx), (t64(g, True),))


def test_cross_entropy_graph_is_one_fused_node():
    # The training hot path: log_softmax and NLL as one op, whose backward is softmax minus
    # the target's one-hot, scaled (no zero array filled at the targets and reduced again)
    x = Tensor(np.zeros((128, 10), np.float32), requires_grad=True)
    loss = F.cross_entropy(x, Tensor(np.arange(128) % 10))
    assert isinstance(loss.grad_fn, CrossEntropy) and loss.grad_fn.op_name() == "cross_entropy"
    (parent, _), = loss.grad_fn.next_functions
    assert parent.variable is x
    # label smoothing needs log_softmax's values as a tensor of their own: composed then
    smooth = F.cross_entropy(x, Tensor(np.arange(128) % 10), label_smoothing=0.1)
    assert not isinstance(smooth.grad_fn, CrossEntropy)


@pytest.mark.parametrize("kw", [{}, {"reduction": "none"}, {"reduction": "sum"},
                                {"weight": "w", "ignore_index": 1}])
def test_fused_cross_entropy_equals_nll_of_log_softmax(kw):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((6, 4, 3))
    t = Tensor(rng.integers(0, 4, (6, 3)))
    if kw.get("weight") == "w":
        kw = {**kw, "weight": Tensor(rng.random(4) + 0.5)}
    g = rng.standard_normal((6, 3)) if kw.get("reduction") == "none" else None
    grads = []
    for fn in (lambda x: F.cross_entropy(x, t, **kw), lambda x: F.nll_loss(F.log_softmax(x, 1), t, **kw)):
        x = t64(a, True)
        y = fn(x)
        y.backward(None if g is None else Tensor(g))
        grads.append((y.data, x.grad.data))
    assert_close(grads[0][0], grads[1][0], rtol=1e-12, atol=1e-12)
    assert_close(grads[0][1], grads[1][1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("tdtype", [np.int64, np.int32, np.uint8])
def test_usual_2d_cross_entropy_takes_the_short_path_and_equals_nll_of_log_softmax(reduction, tdtype,
                                                                                    monkeypatch):
    # (N, C) logits with in-range class indices skip the general argument checks; the
    # general path is made to fail here, so this proves the short path ran and is right
    import tinygrad_edu.nn.functional.loss as loss_module

    rng = np.random.default_rng(5)
    a = rng.standard_normal((7, 5))
    t = Tensor(rng.integers(0, 5, 7).astype(tdtype))
    g = rng.standard_normal(7) if reduction == "none" else None
    x = t64(a, True)
    with monkeypatch.context() as m:
        m.setattr(loss_module, "_class_targets", None)  # calling it would raise TypeError
        y = F.cross_entropy(x, t, reduction=reduction)
    y.backward(None if g is None else Tensor(g))
    x2 = t64(a, True)
    y2 = F.nll_loss(F.log_softmax(x2, 1), t, reduction=reduction)
    y2.backward(None if g is None else Tensor(g))
    assert_close(y.data, y2.data, rtol=1e-12, atol=1e-12)
    assert_close(x.grad.data, x2.grad.data, rtol=1e-12, atol=1e-12)


def test_2d_cross_entropy_with_an_in_range_ignore_index_takes_the_general_path():
    x = t64(np.zeros((3, 4)), True)
    y = F.cross_entropy(x, Tensor(np.array([0, 2, 2])), ignore_index=2)
    y.backward()
    assert_close(y.data, np.log(4.0), rtol=1e-12, atol=0)  # only the first sample counts
    assert_close(x.grad.data[1:], np.zeros((2, 4)), rtol=0, atol=0)


def test_logits_may_change_in_place_after_cross_entropy_but_not_before_a_graph_backward():
    # As in PyTorch (whose log_softmax keeps its output, not its input): a plain backward
    # needs only what the loss kept, so changing the logits afterwards is allowed
    a = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    t = Tensor(np.array([2, 0]))
    expected = np.exp(a) / np.exp(a).sum(1, keepdims=True)
    expected[[0, 1], [2, 0]] -= 1
    w = t64(a, True)
    logits = w * 1.0
    loss = F.cross_entropy(logits, t)
    with tg.no_grad():  # (an in-place change of a graph tensor: allowed under no_grad only)
        logits.add_(100)
    loss.backward()
    assert_close(w.grad, expected / 2)
    # a differentiable backward recomputes softmax from the logits: it must refuse
    w2 = t64(a, True)
    logits = w2 * 1.0
    loss = F.cross_entropy(logits, t)
    with tg.no_grad():
        logits.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tg.autograd.grad(loss, w2, create_graph=True)


# ======================================================================= BCE
probs = floats(0.0, 1.0) | st.sampled_from([0.0, 1.0])


@given(data=st.data(), reduction=st.sampled_from(REDUCTIONS), weighted=st.booleans())
def test_binary_cross_entropy_matches_numpy(data, reduction, weighted):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    p = data.draw(hnp.arrays(np.float64, shape, elements=probs))
    y = data.draw(hnp.arrays(np.float64, shape, elements=probs))
    w = data.draw(hnp.arrays(np.float64, shape[-1:], elements=floats(0, 2))) if weighted else None
    out = F.binary_cross_entropy(t64(p), t64(y), weight=None if w is None else t64(w), reduction=reduction)
    with np.errstate(divide="ignore"):
        assert_close(out.data, reduce_np(bce_ref(p, y, 1.0 if w is None else w), reduction))


def test_binary_cross_entropy_is_finite_at_saturated_probabilities():
    # sigmoid(+-20) is exactly 1 / nearly 0 in float32; PyTorch clamps the logs at -100 and
    # the gradient's denominator x (1 - x) at 1e-12.
    z = Tensor(np.array([20.0, -20.0, 20.0, 0.0], np.float32), requires_grad=True)
    p = z.sigmoid()
    assert p.data[0] == 1.0
    y = Tensor(np.array([1.0, 0.0, 0.0, 1.0], np.float32))
    loss = F.binary_cross_entropy(p, y, reduction="sum")
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(z.grad.data).all()
    assert_close(loss.item(), 100 + np.log(2) - np.log1p(-p.data[1].astype(np.float64)), rtol=1e-5)
    x = t64([0.0, 1.0, 0.0, 1.0], True)
    F.binary_cross_entropy(x, t64([0.0, 1.0, 1.0, 0.0]), reduction="sum").backward()
    eps = float(np.float32(1e-12))  # PyTorch's constant is a float32 literal, in every dtype
    assert_close(x.grad.data, [0.0, 0.0, -1 / eps, 1 / eps])  # (x - y) / max(x (1 - x), eps)
    # the target gradient differentiates the clamped logs: log(1 - x) - log(x) -> 0 - (-100)
    y = t64([0.5, 0.5], True)
    F.binary_cross_entropy(t64([0.0, 1.0]), y, reduction="sum").backward()
    assert_close(y.grad.data, [100.0, -100.0])


@given(data=st.data(), reduction=st.sampled_from(REDUCTIONS))
def test_binary_cross_entropy_grads_match_numerical(data, reduction):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    p = data.draw(hnp.arrays(np.float64, shape, elements=floats(0.05, 0.95)))
    y = data.draw(hnp.arrays(np.float64, shape, elements=floats(0.01, 0.99)))  # room for eps steps
    w = t64(np.linspace(0.5, 1.5, shape[-1] if shape else 1).reshape(shape[-1:]))
    inputs = (t64(p, True), t64(y, True))
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b, weight=w, reduction=reduction), inputs)
    check_second_order(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction), inputs)


def test_fused_bce_matches_composed_inside_0_1():
    rng = np.random.default_rng(7)
    p, y = rng.uniform(0.01, 0.99, (3, 4)), rng.uniform(0, 1, (3, 4))
    a, b = t64(p, True), t64(p, True)
    ya, yb = t64(y, True), t64(y, True)
    F.binary_cross_entropy(a, ya).backward()
    (-(yb * b.log() + (1 - yb) * (1 - b).log())).mean().backward()
    assert_close(a.grad.data, b.grad.data)
    assert_close(ya.grad.data, yb.grad.data)


# ============================================================== BCE with logits
@given(data=st.data(), reduction=st.sampled_from(REDUCTIONS), weighted=st.booleans(), pos=st.booleans())
def test_bce_with_logits_matches_numpy(data, reduction, weighted, pos):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    x = data.draw(hnp.arrays(np.float64, shape, elements=floats(-30, 30)))
    y = data.draw(hnp.arrays(np.float64, shape, elements=floats(0, 1)))
    w = data.draw(hnp.arrays(np.float64, shape, elements=floats(0, 2))) if weighted else None
    pw = data.draw(hnp.arrays(np.float64, shape[-1:], elements=floats(0.1, 3))) if pos else None
    out = F.binary_cross_entropy_with_logits(t64(x), t64(y), weight=None if w is None else t64(w),
                                             pos_weight=None if pw is None else t64(pw), reduction=reduction)
    expected = bce_logits_ref(x, y, 1.0 if w is None else w, 1.0 if pw is None else pw)
    assert_close(out.data, reduce_np(expected, reduction))


@given(data=st.data(), reduction=st.sampled_from(REDUCTIONS))
@example(data=None, reduction="sum")  # x = 0 exactly: where max(-x, 0) and |x| have kinks
def test_bce_with_logits_grads_match_numerical(data, reduction):
    if data is None:
        x, y = np.zeros((2, 2)), np.array([[0.0, 1.0], [0.3, 0.7]])
    else:
        shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
        x = data.draw(hnp.arrays(np.float64, shape, elements=floats(-6, 6)))
        y = data.draw(hnp.arrays(np.float64, x.shape, elements=floats(0, 1)))
    pw = t64(np.linspace(0.5, 2.0, x.shape[-1] if x.ndim else 1).reshape(x.shape[-1:]), True)
    inputs = (t64(x, True), t64(y, True), pw)

    def fn(a, b, p):
        return F.binary_cross_entropy_with_logits(a, b, pos_weight=p, reduction=reduction)

    assert gradcheck(fn, inputs)
    check_second_order(fn, inputs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_is_finite_and_exact_at_huge_logits(dtype):
    x = Tensor(np.array([1e4, -1e4, 1e4, -1e4], dtype), requires_grad=True)
    y = Tensor(np.array([0.0, 1.0, 1.0, 0.0], dtype))
    loss = F.binary_cross_entropy_with_logits(x, y, pos_weight=Tensor(np.array([2.0], dtype)),
                                              reduction="none")
    assert_close(loss.data, [1e4, 2e4, 0.0, 0.0])  # confidently wrong costs |x| (times pos_weight)
    loss.sum().backward()
    assert_close(x.grad.data, [1.0, -2.0, 0.0, 0.0])  # (1 - y) - (1 + (pw - 1) y) sigmoid(-x)


def test_log_sigmoid_derivative_at_zero_is_one_half_to_second_order():
    x = t64([0.0], True)
    (g,) = tg.autograd.grad(LogSigmoid.apply(x).sum(), [x], create_graph=True)
    (h,) = tg.autograd.grad(g.sum(), [x])
    assert_close(g.data, [0.5])  # sigmoid(-0)
    assert_close(h.data, [-0.25])  # -sigmoid(0) (1 - sigmoid(0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_finite_at_huge_logits(dtype):
    x = Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype), requires_grad=True)
    loss = F.cross_entropy(x, Tensor(np.array([1, 0])), reduction="none", label_smoothing=0.1)
    # sample 0: logp = (0, -2e4, -1e4); sample 1: logp = (-2e4 - log 2, -log 2, -log 2)
    lp0, lp1 = np.array([0.0, -2e4, -1e4]), np.array([-2e4, 0.0, 0.0]) - np.log(2)
    expected = [0.9 * 2e4 - 0.1 / 3 * lp0.sum(), -0.9 * lp1[0] - 0.1 / 3 * lp1.sum()]
    assert_close(loss.data, expected, rtol=1e-6)
    loss.sum().backward()
    soft = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    smoothed = 0.9 * np.array([[0, 1, 0], [1, 0, 0]]) + 0.1 / 3
    assert_close(x.grad.data, soft - smoothed, rtol=1e-6, atol=1e-6)


# =================================================================== PyTorch parity
def torch_grads(torch, fn, arrays, grad_arrays, g):
    ts = [torch.tensor(a, requires_grad=(i in grad_arrays)) if a.dtype.kind == "f" else torch.tensor(a)
          for i, a in enumerate(arrays)]
    out = fn(*ts)
    out.backward(torch.tensor(g))
    return out.detach().numpy(), [ts[i].grad.numpy() for i in grad_arrays]


def our_grads(fn, arrays, grad_arrays, g):
    ts = [Tensor(a, requires_grad=(i in grad_arrays)) for i, a in enumerate(arrays)]
    out = fn(*ts)
    out.backward(Tensor(g))
    return out.data, [ts[i].grad.data for i in grad_arrays]


def assert_parity(torch, ours, theirs, arrays, grad_arrays, g_seed=0):
    # the output shape is checked by computing the torch value first
    ref_out = theirs(*[torch.tensor(a) for a in arrays])
    g = np.random.default_rng(g_seed).standard_normal(tuple(ref_out.shape))
    out_t, grads_t = torch_grads(torch, theirs, arrays, grad_arrays, g)
    out_o, grads_o = our_grads(ours, arrays, grad_arrays, g)
    assert out_o.shape == out_t.shape
    assert_close(out_o, out_t)
    for a, b in zip(grads_o, grads_t):
        assert_close(a, b)


@given(problem=class_problems(), reduction=st.sampled_from(REDUCTIONS), ls=floats(0, 1))
def test_cross_entropy_class_indices_match_pytorch(problem, reduction, ls):
    torch = need_torch()
    x, t, w, ig = problem
    kw = dict(ignore_index=ig, reduction=reduction, label_smoothing=ls)
    arrays = [x, t] + ([] if w is None else [w])
    assert_parity(
        torch,
        lambda a, b, *ws: F.cross_entropy(a, b, weight=ws[0] if ws else None, **kw),
        lambda a, b, *ws: torch.nn.functional.cross_entropy(a, b, weight=ws[0] if ws else None, **kw),
        arrays, [0],
    )


@given(problem=class_problems(probabilities=True), reduction=st.sampled_from(REDUCTIONS), ls=floats(0, 1))
def test_cross_entropy_probabilities_match_pytorch(problem, reduction, ls):
    torch = need_torch()
    x, p, w, _ = problem
    kw = dict(reduction=reduction, label_smoothing=ls)
    arrays = [x, p] + ([] if w is None else [w])
    assert_parity(
        torch,
        lambda a, b, *ws: F.cross_entropy(a, b, weight=ws[0] if ws else None, **kw),
        lambda a, b, *ws: torch.nn.functional.cross_entropy(a, b, weight=ws[0] if ws else None, **kw),
        arrays, [0, 1],
    )


@given(problem=class_problems(), reduction=st.sampled_from(REDUCTIONS))
def test_nll_loss_matches_pytorch(problem, reduction):
    torch = need_torch()
    x, t, w, ig = problem
    kw = dict(ignore_index=ig, reduction=reduction)
    arrays = [x, t] + ([] if w is None else [w])
    assert_parity(
        torch,
        lambda a, b, *ws: F.nll_loss(a, b, weight=ws[0] if ws else None, **kw),
        lambda a, b, *ws: torch.nn.functional.nll_loss(a, b, weight=ws[0] if ws else None, **kw),
        arrays, [0],
    )


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss"])
@given(data=st.data(), reduction=st.sampled_from(REDUCTIONS), param=st.sampled_from([0.0, 0.5, 1.0, 2.0]))
def test_regression_losses_match_pytorch(name, data, reduction, param):
    torch = need_torch()
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    x = data.draw(hnp.arrays(np.float64, shape, elements=floats()))
    # exact ties (d = 0, |d| = delta) included: the subgradients must match too
    y = x - data.draw(hnp.arrays(np.float64, shape, elements=floats() | st.sampled_from([0.0, 0.5, -1.0])))
    kw = {"reduction": reduction}
    if name == "huber_loss":
        kw["delta"] = param or 1.0
    if name == "smooth_l1_loss":
        kw["beta"] = param
    assert_parity(torch, lambda a, b: getattr(F, name)(a, b, **kw),
                  lambda a, b: getattr(torch.nn.functional, name)(a, b, **kw), [x, y], [0, 1])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@given(data=st.data(), reduction=st.sampled_from(REDUCTIONS))
def test_weighted_regression_losses_match_pytorch(name, data, reduction):
    torch = need_torch()
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4))
    x, y = (data.draw(hnp.arrays(np.float64, shape, elements=floats())) for _ in range(2))
    w = data.draw(hnp.arrays(np.float64, shape, elements=floats(0.1, 2)))
    assert_parity(torch, lambda a, b, c: getattr(F, name)(a, b, reduction=reduction, weight=c),
                  lambda a, b, c: getattr(torch.nn.functional, name)(a, b, reduction=reduction, weight=c),
                  [x, y, w], [0, 1])


@given(data=st.data(), reduction=st.sampled_from(REDUCTIONS), weighted=st.booleans())
def test_binary_cross_entropy_matches_pytorch(data, reduction, weighted):
    torch = need_torch()
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    p = data.draw(hnp.arrays(np.float64, shape, elements=probs))
    y = data.draw(hnp.arrays(np.float64, shape, elements=floats(0, 1)))
    arrays = [p, y]
    if weighted:
        arrays.append(data.draw(hnp.arrays(np.float64, shape[-1:], elements=floats(0, 2))))
    # PyTorch's target gradient is -logit(p), unclamped; ours differentiates the clamped
    # logs of the forward (finite at p = 0 or 1). They agree where no log is clamped.
    with np.errstate(divide="ignore"):
        interior = ((np.log(p) > -100) & (p < 1)).all()
    assert_parity(torch, lambda a, b, *w: F.binary_cross_entropy(a, b, *w, reduction=reduction),
                  lambda a, b, *w: torch.nn.functional.binary_cross_entropy(a, b, *w, reduction=reduction),
                  arrays, [0, 1] if interior else [0])


def bce_logits_parity(torch, x, y, w, pw, reduction):
    arrays = [a for a in (x, y, w, pw) if a is not None]

    def call(fn):
        def f(a, b, *rest):
            it = iter(rest)
            w_, p_ = (next(it) if w is not None else None), (next(it) if pw is not None else None)
            return fn(a, b, weight=w_, pos_weight=p_, reduction=reduction)
        return f

    # PyTorch does not differentiate pos_weight (ours does: see the gradcheck)
    assert_parity(torch, call(F.binary_cross_entropy_with_logits),
                  call(torch.nn.functional.binary_cross_entropy_with_logits), arrays, [0, 1])


@given(data=st.data(), reduction=st.sampled_from(REDUCTIONS), weighted=st.booleans(), pos=st.booleans())
def test_bce_with_logits_matches_pytorch(data, reduction, weighted, pos):
    torch = need_torch()
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    x = data.draw(hnp.arrays(np.float64, shape, elements=floats(-50, 50) | st.just(0.0)))
    y = data.draw(hnp.arrays(np.float64, shape, elements=floats(0, 1)))
    w = data.draw(hnp.arrays(np.float64, shape, elements=floats(0, 2))) if weighted else None
    pw = data.draw(hnp.arrays(np.float64, shape[-1:], elements=floats(0.1, 3))) if pos else None
    bce_logits_parity(torch, x, y, w, pw, reduction)


def test_bce_with_logits_matches_pytorch_at_zero_and_huge_logits():
    torch = need_torch()
    # logits at 0 (where a zero-initialised layer starts) and at +-1e4
    x, y = np.array([[0.0, 1e4, -1e4], [0.0, -1e4, 1e4]]), np.array([[1.0, 0.0, 1.0], [0.2, 1.0, 0.0]])
    for reduction in REDUCTIONS:
        bce_logits_parity(torch, x, y, np.full((2, 3), 0.5), np.array([0.5, 2.0, 3.0]), reduction)
        bce_logits_parity(torch, x, y, None, None, reduction)


def test_loss_modules_match_pytorch_modules():
    torch = need_torch()
    rng = np.random.default_rng(8)
    x, xs = rng.standard_normal((4, 3)), rng.standard_normal((2, 3, 2, 2))
    t, ts = np.array([0, 2, -100, 1]), rng.integers(0, 3, (2, 2, 2))
    w = np.array([0.2, 1.0, 3.0])
    p, y = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3))
    cases = [
        ("MSELoss", {}, (x, y)), ("L1Loss", {"reduction": "sum"}, (x, y)),
        ("HuberLoss", {"delta": 0.4}, (x, y)), ("SmoothL1Loss", {"beta": 0.3}, (x, y)),
        ("CrossEntropyLoss", {"weight": w, "label_smoothing": 0.15}, (x, t)),
        ("CrossEntropyLoss", {"reduction": "none"}, (xs, ts)),
        ("NLLLoss", {"weight": w, "ignore_index": 1}, (x, np.array([0, 1, 2, 1]))),
        ("BCELoss", {"weight": w}, (p, y)),
        ("BCEWithLogitsLoss", {"weight": w, "pos_weight": w[::-1].copy()}, (x, y)),
    ]
    for name, kw, (a, b) in cases:
        ours = getattr(nn, name)(**{k: t64(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()})
        theirs = getattr(torch.nn, name)(
            **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()})
        assert_parity(torch, ours, theirs, [a, b], [0])
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())


# ======================================================================== modules
def test_loss_modules_store_options_as_pytorch():
    ce = nn.CrossEntropyLoss(weight=t64([1.0, 2.0]), ignore_index=3, reduction="sum", label_smoothing=0.2)
    assert (ce.reduction, ce.ignore_index, ce.label_smoothing) == ("sum", 3, 0.2)
    assert list(ce.state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert nn.HuberLoss(delta=2.0).delta == 2.0 and nn.SmoothL1Loss(beta=0.5).beta == 0.5
    assert nn.NLLLoss().ignore_index == -100 and nn.MSELoss().reduction == "mean"
    bce = nn.BCEWithLogitsLoss(pos_weight=t64([3.0]))
    assert list(bce.state_dict()) == ["pos_weight"] and bce.weight is None
    assert list(nn.BCELoss(weight=t64([1.0])).state_dict()) == ["weight"]
    assert list(nn.MSELoss().parameters()) == [] and repr(nn.MSELoss()) == "MSELoss()"


def test_loss_module_forward_is_the_function():
    rng = np.random.default_rng(9)
    x, t = t64(rng.standard_normal((5, 4))), Tensor(rng.integers(0, 4, 5))
    w = t64([1.0, 0.5, 2.0, 1.0])
    crit = nn.CrossEntropyLoss(weight=w, label_smoothing=0.1, reduction="none")
    assert_close(crit(x, t).data, ce_ref(x.data, t.data, w.data, reduction="none", ls=0.1))
    y = t64(rng.standard_normal((5, 4)))
    assert_close(nn.HuberLoss(delta=0.5)(x, y).data, huber_ref(x.data - y.data, 0.5).mean())


@pytest.mark.parametrize(("size_average", "reduce", "expected"), [
    (None, False, "none"), (False, None, "sum"), (True, True, "mean"), (False, False, "none"),
])
def test_legacy_size_average_and_reduce_map_to_reduction(size_average, reduce, expected):
    with pytest.warns(UserWarning, match=f"reduction='{expected}'"):
        crit = nn.MSELoss(size_average=size_average, reduce=reduce)
    assert crit.reduction == expected
    x, y = t64([1.0, 3.0]), t64([0.0, 0.0])
    with pytest.warns(UserWarning):
        out = F.mse_loss(x, y, size_average=size_average, reduce=reduce)
    assert_close(out.data, reduce_np([1.0, 9.0], expected))


# ========================================================================= errors
ALL_FUNCTIONS = {
    "mse_loss": lambda r: F.mse_loss(t64([1.0]), t64([0.0]), reduction=r),
    "l1_loss": lambda r: F.l1_loss(t64([1.0]), t64([0.0]), reduction=r),
    "huber_loss": lambda r: F.huber_loss(t64([1.0]), t64([0.0]), reduction=r),
    "smooth_l1_loss": lambda r: F.smooth_l1_loss(t64([1.0]), t64([0.0]), reduction=r),
    "cross_entropy": lambda r: F.cross_entropy(t64([[1.0, 2.0]]), Tensor(np.array([0])), reduction=r),
    "nll_loss": lambda r: F.nll_loss(t64([[1.0, 2.0]]), Tensor(np.array([0])), reduction=r),
    "binary_cross_entropy": lambda r: F.binary_cross_entropy(t64([0.5]), t64([1.0]), reduction=r),
    "binary_cross_entropy_with_logits":
        lambda r: F.binary_cross_entropy_with_logits(t64([0.5]), t64([1.0]), reduction=r),
}


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_invalid_reduction_names_the_loss(name):
    with pytest.raises(ValueError, match=rf"^{name}: 'avg' is not a valid value for reduction"):
        ALL_FUNCTIONS[name]("avg")


@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "CrossEntropyLoss",
                                  "NLLLoss", "BCELoss", "BCEWithLogitsLoss"])
def test_invalid_reduction_in_a_module_names_the_module(name):
    with pytest.raises(ValueError, match=rf"^{name}: 'elementwise_mean' is not a valid value"):
        getattr(nn, name)(reduction="elementwise_mean")


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_target_out_of_range_names_the_loss_the_value_and_the_class_count(fn):
    name = fn.__name__
    x = t64(np.zeros((3, 4)))
    with pytest.raises(IndexError, match=rf"^{name}: target 7 is out of bounds.*C=4"):
        fn(x, Tensor(np.array([0, 7, 1])))
    with pytest.raises(IndexError, match=rf"{name}: target -1 is out of bounds.*ignore_index=-100"):
        fn(x, Tensor(np.array([0, -1, -100])))
    with pytest.raises(IndexError, match="target 4 is out of bounds"):
        fn(t64(np.zeros((2, 4, 3))), Tensor(np.array([[0, 1, 2], [3, 4, 0]])))
    # the range check reads the targets as unsigned (a negative one is then huge): every width
    for dt in (np.int8, np.int16, np.int32, np.int64):
        with pytest.raises(IndexError, match=rf"^{name}: target -2 is out of bounds"):
            fn(x, Tensor(np.array([0, -2, 1], dtype=dt)))


def test_class_target_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"cross_entropy: expected target of shape \(4,\).*\(4, 3\).*\(3,\)"):
        F.cross_entropy(t64(np.zeros((4, 3))), Tensor(np.array([0, 1, 2])))
    msg = r"nll_loss: expected target of shape \(2, 4\).*\(2, 3, 4\).*\(2, 3\)"
    with pytest.raises(RuntimeError, match=msg):
        F.nll_loss(t64(np.zeros((2, 3, 4))), Tensor(np.zeros((2, 3), np.int64)))
    with pytest.raises(ValueError, match="1 or more dimensions"):
        F.cross_entropy(t64(1.0), Tensor(np.array(0)))


def test_float_target_for_class_indices_is_a_clear_error():
    msg = r"cross_entropy: class-index targets must be an integer tensor.*float64.*class probabilities"
    with pytest.raises(RuntimeError, match=msg):
        F.cross_entropy(t64(np.zeros((3, 2))), t64([0.0, 1.0, 1.0]))
    with pytest.raises(RuntimeError, match="nll_loss: class-index targets must be an integer tensor"):
        F.nll_loss(t64(np.zeros((3, 2))), Tensor(np.array([True, False, True])))
    msg = r"same shape as the input \(3, 2\).*must be floating point.*int64"
    with pytest.raises(RuntimeError, match=msg):
        F.cross_entropy(t64(np.zeros((3, 2))), Tensor(np.zeros((3, 2), np.int64)))


def test_classification_option_errors():
    x, t = t64(np.zeros((2, 3))), Tensor(np.array([0, 1]))
    with pytest.raises(RuntimeError, match=r"weight should have one entry per class, shape \(3,\).*\(2,\)"):
        F.cross_entropy(x, t, weight=t64([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"weight should have one entry per class"):
        F.cross_entropy(x, t64(np.zeros((2, 3))), weight=t64([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0, got 1.5"):
        F.cross_entropy(x, t, label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="ignore_index is not supported"):
        F.cross_entropy(x, t64(np.full((2, 3), 1 / 3)), ignore_index=0)
    with pytest.raises(TypeError, match="cross_entropy: expected a floating point input"):
        F.cross_entropy(Tensor(np.zeros((2, 3), np.int64)), t)
    with pytest.raises(TypeError, match="argument 'target' must be a Tensor, got list"):
        F.cross_entropy(x, [0, 1])


def test_binary_loss_errors():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target of shape \(3, 1\).*input \(3,\)"):
        F.binary_cross_entropy(t64([0.1, 0.2, 0.3]), t64([[1.0], [0.0], [1.0]]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target of shape \(2,\).*\(3,\)"):
        F.binary_cross_entropy_with_logits(t64([0.1, 0.2, 0.3]), t64([1.0, 0.0]))
    with pytest.raises(RuntimeError, match=r"input should be between 0 and 1.*\[-0.5, 1.5\].*with_logits"):
        F.binary_cross_entropy(t64([-0.5, 1.5]), t64([1.0, 0.0]))
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        F.binary_cross_entropy(t64([0.5, 0.5]), t64([2.0, 0.0]))
    zeros = t64(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match=r"pos_weight of shape \(4,\) cannot be broadcast to the input"):
        F.binary_cross_entropy_with_logits(zeros, zeros, pos_weight=t64(np.ones(4)))
    with pytest.raises(RuntimeError, match=r"weight of shape \(4, 2, 3\) cannot be broadcast"):
        F.binary_cross_entropy(t64(np.full((2, 3), 0.5)), zeros, weight=t64(np.ones((4, 2, 3))))


def test_regression_errors():
    with pytest.raises(RuntimeError, match=r"mse_loss: input of shape \(3,\) and target of shape \(4,\)"):
        F.mse_loss(t64(np.zeros(3)), t64(np.zeros(4)))
    with pytest.raises(RuntimeError, match="huber_loss: delta must be positive, got 0"):
        F.huber_loss(t64([1.0]), t64([0.0]), delta=0)
    with pytest.raises(RuntimeError, match="smooth_l1_loss: beta must not be negative, got -1"):
        F.smooth_l1_loss(t64([1.0]), t64([0.0]), beta=-1)
    msg = r"l1_loss: weight of shape \(1,\) must have the same shape as the input \(2,\)"
    with pytest.raises(ValueError, match=msg):
        F.l1_loss(t64([1.0, 2.0]), t64([0.0, 0.0]), weight=t64([1.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # equal shapes: no broadcasting warning
        F.mse_loss(t64([1.0]), t64([0.0]))
