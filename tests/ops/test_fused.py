"""Fused ops against the ops they replace, and the engine features they rely on.

* ``ops.linalg.Linear`` (x W^T + b as one op, behind ``F.linear`` / ``nn.Linear``),
* ``ops.rnn.LSTMGates`` and ``ops.rnn.LSTMCellUpdate`` (the LSTM step, behind ``nn.LSTM``),
* ops with several outputs (``Op`` subclasses whose forward returns a tuple),
* ``Tensor.contiguous`` and ``stable_sigmoid``,
* the engine adding gradients in place into sums it made itself.

Each fused op must give the same values, the same gradients and the same second
derivatives as the composition of ordinary ops it stands for (float64, tight tolerances),
and pass gradcheck / gradgradcheck against central differences.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.ops.elementwise import stable_sigmoid
from tinygrad_edu.ops.linalg import Linear
from tinygrad_edu.ops.rnn import lstm_cell_update, lstm_gates
from tinygrad_edu.testing import tensors


def _grads(fn, inputs, seed=0):
    """d sum(fn(inputs) * r) / d inputs for a fixed random r (one value per output element)."""
    for t in inputs:
        t.grad = None
    outs = fn(*inputs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    rng = np.random.default_rng(seed)
    loss = sum((o * Tensor(rng.standard_normal(o.shape))).sum() for o in outs)
    loss.backward()
    return [None if t.grad is None else t.grad.data.copy() for t in inputs]


# ------------------------------------------------------------------ Linear


@st.composite
def linear_cases(draw):
    lead = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    x = draw(tensors(shape=tuple(lead) + (n_in,)))
    w = draw(tensors(shape=(n_out, n_in)))
    b = draw(st.one_of(st.none(), tensors(shape=(n_out,))))
    return x, w, b


@given(linear_cases())
@settings(max_examples=20)
def test_linear_op_matches_matmul_plus_bias(case):
    x, w, b = case
    y = Linear.apply(x, w, b)
    expected = np.einsum("...i,oi->...o", x.data, w.data) + (0 if b is None else b.data)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)


@given(linear_cases())
@settings(max_examples=15)
def test_linear_op_gradients_equal_the_composed_ops(case):
    x, w, b = case
    inputs = [x, w] + ([b] if b is not None else [])

    def fused(*t):
        return Linear.apply(t[0], t[1], t[2] if len(t) > 2 else None)

    def composed(*t):
        y = t[0] @ t[1].T
        return y + t[2] if len(t) > 2 else y

    for g_fused, g_comp in zip(_grads(fused, inputs), _grads(composed, inputs)):
        np.testing.assert_allclose(g_fused, g_comp, rtol=1e-12, atol=1e-12)


@given(linear_cases())
@settings(max_examples=10)
def test_linear_op_passes_gradcheck_and_gradgradcheck(case):
    x, w, b = case
    inputs = (x, w) + ((b,) if b is not None else ())

    def f(*t):
        return Linear.apply(t[0], t[1], t[2] if len(t) > 2 else None)

    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


def test_linear_weight_gradient_comes_in_the_weights_layout_without_a_copy():
    tg.manual_seed(0)
    x = tg.randn(5, 3)
    layer = tg.nn.Linear(3, 4)
    assert layer.weight.data.flags.f_contiguous  # column-major: x @ W^T is a plain product
    layer(x).sum().backward()
    g = layer.weight.grad.data
    assert g.shape == (4, 3) and g.flags.f_contiguous and g.base is None
    # float32 sums of 5 terms: absolute error up to ~5 eps |x| (a sum near 0 can't meet rtol alone)
    np.testing.assert_allclose(g, np.ones((5, 4)).T @ x.data.astype(np.float64), rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(layer.bias.grad.data, np.full(4, 5.0))


def test_linear_weight_gradient_follows_a_row_major_weight_too():
    x = tg.randn(5, 3)
    w = tg.randn(4, 3, requires_grad=True)  # row-major
    Linear.apply(x, w, None).sum().backward()
    g = w.grad.data
    assert g.flags.c_contiguous and g.base is None
    # float32 sums of 5 terms: absolute error up to ~5 eps |x| (a sum near 0 can't meet rtol alone)
    np.testing.assert_allclose(g, np.ones((5, 4)).T @ x.data.astype(np.float64), rtol=1e-6, atol=1e-5)


def test_gradcheck_perturbs_column_major_and_strided_inputs_in_place():
    # reshape(-1) of these is a copy: a perturbation written there would change nothing
    w = tg.tensor(np.asfortranarray(np.random.default_rng(0).standard_normal((3, 4))), requires_grad=True)
    s = tg.tensor(np.random.default_rng(1).standard_normal((4, 6))[:, ::2], requires_grad=True)
    assert gradcheck(lambda a, b: (a @ b).tanh(), (w, s))


def test_linear_skips_gradients_nobody_needs():
    x = tg.randn(2, 3)  # data: no gradient wanted
    w = tg.randn(4, 3, requires_grad=True)
    y = Linear.apply(x, w, None)
    assert y.grad_fn.needs_input_grad == (False, True, False)
    y.sum().backward()
    assert x.grad is None and w.grad is not None


def test_linear_with_a_transposed_weight_copy_gives_the_same_values_and_gradients():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((3, 5)), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 5)), requires_grad=True)
    plain = _grads(lambda a, b: Linear.apply(a, b, None), [x, w])
    y = Linear.apply(x, w, None, w_t=np.ascontiguousarray(w.data.T))
    np.testing.assert_allclose(y.data, x.data @ w.data.T, rtol=1e-12)
    hinted = _grads(lambda a, b: Linear.apply(a, b, None, w_t=np.ascontiguousarray(b.data.T)), [x, w])
    for g1, g2 in zip(plain, hinted):
        np.testing.assert_allclose(g1, g2, rtol=1e-12)


def test_linear_keeps_float32():
    layer = tg.nn.Linear(3, 2)
    y = layer(tg.randn(4, 3))
    y.sum().backward()
    assert y.dtype == np.float32 and layer.weight.grad.dtype == np.float32
    assert layer.bias.grad.dtype == np.float32


# ------------------------------------------------------------------ LSTM ops


def _composed_gates(a):
    i, f, g, o = a.chunk(4, -1)
    return tg.cat([i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()], -1)


def _composed_update(gates, c):
    i, f, g, o = gates.chunk(4, -1)
    c = f * c + i * g
    return o * c.tanh(), c


def _lstm_inputs(batch=3, hidden=2, seed=0, scale=2.0):
    rng = np.random.default_rng(seed)
    a = Tensor(rng.standard_normal((batch, 4 * hidden)) * scale, requires_grad=True)
    c = Tensor(rng.standard_normal((batch, hidden)), requires_grad=True)
    return a, c


def test_lstm_gates_are_sigmoid_sigmoid_tanh_sigmoid_of_the_four_blocks():
    a, _ = _lstm_inputs(scale=10.0)
    x = a.data
    sig = 1 / (1 + np.exp(-x))
    expected = np.concatenate([sig[:, :4], np.tanh(x[:, 4:6]), sig[:, 6:]], axis=1)
    np.testing.assert_allclose(lstm_gates(a).data, expected, rtol=1e-12, atol=1e-15)


def test_lstm_gates_in_float32_stay_within_rounding_of_the_exp_based_sigmoid():
    a = np.random.default_rng(1).standard_normal((4, 16)).astype(np.float32) * 20
    y = lstm_gates(Tensor(a)).data
    expected = stable_sigmoid(a.astype(np.float64))
    expected[:, 8:12] = np.tanh(a[:, 8:12].astype(np.float64))
    assert y.dtype == np.float32
    assert np.max(np.abs(y - expected)) < 2e-7


def test_lstm_cell_update_matches_the_composed_step():
    gates = lstm_gates(_lstm_inputs()[0]).detach().requires_grad_()
    _, c = _lstm_inputs(seed=1)
    h1, c1 = lstm_cell_update(gates, c)
    h2, c2 = _composed_update(gates, c)
    np.testing.assert_allclose(h1.data, h2.data, rtol=1e-12)
    np.testing.assert_allclose(c1.data, c2.data, rtol=1e-12)
    assert (h1.grad_fn is c1.grad_fn) and (h1._out_nr, c1._out_nr) == (0, 1)


@pytest.mark.parametrize("use", ["both", "h", "c"])
def test_lstm_step_gradients_equal_the_composed_ops(use):
    """Also when only one of h, c reaches the loss: the other output's gradient is zero."""
    a, c = _lstm_inputs(seed=2)

    def pick(h, c2):
        return {"both": (h, c2), "h": h, "c": c2}[use]

    fused = _grads(lambda a_, c_: pick(*lstm_cell_update(lstm_gates(a_), c_)), [a, c])
    composed = _grads(lambda a_, c_: pick(*_composed_update(_composed_gates(a_), c_)), [a, c])
    for g1, g2 in zip(fused, composed):
        np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)


def test_lstm_ops_pass_gradcheck_and_gradgradcheck():
    a, c = _lstm_inputs(seed=3)
    gates = lstm_gates(a).detach().requires_grad_()
    assert gradcheck(lstm_gates, (a,))
    assert gradgradcheck(lstm_gates, (a,))
    assert gradcheck(lstm_cell_update, (gates, c))
    assert gradgradcheck(lstm_cell_update, (gates, c))
    step = lambda a_, c_: lstm_cell_update(lstm_gates(a_), c_)  # noqa: E731
    assert gradgradcheck(step, (a, c))


def test_lstm_step_second_derivatives_equal_the_composed_ops():
    a, c = _lstm_inputs(seed=4)

    def hvp(step):
        h, c2 = step(a, c)
        ga, gc = tg.autograd.grad((h * h).sum() + (c2 * h).sum(), (a, c), create_graph=True)
        return [g.data for g in tg.autograd.grad((ga * ga).sum() + gc.sum(), (a, c))]

    fused = hvp(lambda a_, c_: lstm_cell_update(lstm_gates(a_), c_))
    composed = hvp(lambda a_, c_: _composed_update(_composed_gates(a_), c_))
    for g1, g2 in zip(fused, composed):
        np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-12)


def test_lstm_cell_update_skips_the_gradient_of_a_constant_initial_state():
    a, _ = _lstm_inputs()
    c0 = tg.zeros(3, 2, dtype=tg.float64)
    h, _ = lstm_cell_update(lstm_gates(a), c0)
    assert h.grad_fn.needs_input_grad == (True, False)
    h.sum().backward()
    assert c0.grad is None and a.grad is not None


def test_nn_lstm_gradients_equal_the_composed_cell():
    """The whole layer, through time: nn.LSTM against a hand-unrolled loop of composed ops."""
    tg.manual_seed(0)
    lstm = tg.nn.LSTM(3, 2, dtype=np.float64)
    x = tg.randn(4, 2, 3, dtype=tg.float64)
    out, (h_n, c_n) = lstm(x)
    (out.sum() + (c_n * c_n).sum()).backward()
    fused = [p.grad.data.copy() for p in lstm.parameters()]
    params = [p.detach().requires_grad_() for p in lstm.parameters()]
    w_ih, w_hh, b_ih, b_hh = params
    h = c = tg.zeros(2, 2, dtype=tg.float64)
    outs = []
    for t in range(4):
        a = x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        h, c = _composed_update(_composed_gates(a), c)
        outs.append(h)
    (tg.stack(outs).sum() + (c * c).sum()).backward()
    np.testing.assert_allclose(out.data, tg.stack(outs).data, rtol=1e-12)
    for g1, p in zip(fused, params):
        np.testing.assert_allclose(g1, p.grad.data, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ ops with several outputs


def test_op_with_several_outputs_without_grad_returns_plain_tensors():
    gates = lstm_gates(_lstm_inputs()[0]).detach()
    h, c = lstm_cell_update(gates, tg.zeros(3, 2, dtype=tg.float64))
    assert not h.requires_grad and not c.requires_grad and h.grad_fn is None


def test_op_with_several_outputs_refuses_to_save_an_output():
    from tinygrad_edu.autograd.function import Op

    class SaveOutput(Op):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            ctx.save_for_backward(y)
            return y, x + 1

        @staticmethod
        def backward(ctx, g1, g2):
            return (2 * g1 + g2,)

    with pytest.raises(RuntimeError, match="must not save them"):
        SaveOutput.apply(tg.ones(2, requires_grad=True))


def test_op_with_several_outputs_backward_twice_without_retain_graph_raises():
    a, c = _lstm_inputs()
    h, c2 = lstm_cell_update(lstm_gates(a), c)
    loss = (h + c2).sum()
    loss.backward(retain_graph=False)
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_op_with_several_outputs_checks_in_place_changes_of_saved_inputs():
    a, c = _lstm_inputs()
    gates = lstm_gates(a)
    h, _ = lstm_cell_update(gates, c)
    with tg.no_grad():
        c += 1  # c was saved for backward
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h.sum().backward()


def test_custom_function_saving_its_second_output_differentiates_twice_through_it():
    """A saved output must reconnect to *its* output of the node under create_graph=True
    (it used to come back as output 0, which gave wrong second derivatives)."""

    class Two(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            a, b = x * 2, x * x
            ctx.save_for_backward(x, b)
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            x, b = ctx.saved_tensors
            return 2 * ga + gb * 2 * b / x  # 2 b / x = 2 x, written through the saved b = x^2

    x = tg.tensor([1.5, -0.5], dtype=tg.float64, requires_grad=True)
    a, b = Two.apply(x)
    (g,) = tg.autograd.grad((a + b).sum(), x, create_graph=True)  # 2 + 2 x
    np.testing.assert_allclose(g.data, 2 + 2 * x.data)
    (h,) = tg.autograd.grad(g.sum(), x)  # d(2 + 2 x)/dx = 2
    np.testing.assert_allclose(h.data, [2.0, 2.0])


# ------------------------------------------------------------------ contiguous, sigmoid


def test_contiguous_is_the_tensor_itself_when_already_row_major():
    x = tg.randn(2, 3)
    assert x.contiguous() is x


def test_contiguous_copies_a_transposed_view_into_row_major_order_and_passes_gradients():
    x = tg.randn(2, 3, dtype=tg.float64, requires_grad=True)
    y = x.T.contiguous()
    assert y.data.flags.c_contiguous and y is not x.T
    np.testing.assert_array_equal(y.data, x.data.T)
    assert gradcheck(lambda t: t.T.contiguous() * 2, (x,))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_sigmoid_is_accurate_at_extremes_without_overflow(dtype):
    x = np.array([-1000, -100, -30, -1, 0, 1, 30, 100, 1000], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        y = stable_sigmoid(x)
    expected = 1 / (1 + np.exp(-x.astype(np.longdouble)))
    assert y.dtype == dtype
    tiny = np.finfo(dtype).tiny
    rel = np.abs(y - expected) / np.maximum(expected, tiny)
    normal = expected > tiny
    assert np.all(rel[normal] < 4 * np.finfo(dtype).eps)


# ------------------------------------------------------------------ in-place accumulation


@pytest.mark.parametrize("s_first", [True, False])
def test_gradients_delivered_as_one_shared_array_are_never_modified_in_place(s_first):
    """Add's backward hands the same array to both inputs; summing into it in place would
    change the gradient another node still has to receive. (Both orders of the sum, so
    that each of s and t is the one whose backward runs first.)"""
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    y = x * 2
    s = y + y        # y gets the loss's gradient array twice
    t = y * 3        # ... and 3 times it from here
    ((s + t) if s_first else (t + s)).sum().backward()  # L = 5 y = 10 x
    np.testing.assert_array_equal(x.grad.data, [10.0, 10.0])


def test_gradients_of_0d_tensors_summed_three_times_or_more():
    """Regression (found by tests/fuzz): numpy adds two 0-d arrays into a scalar, which
    cannot be added into in place."""
    x = tg.tensor(1.5, dtype=tg.float64, requires_grad=True)
    a = x + x
    b = a + a
    c = b + b
    d = c + c
    e = d + c  # c reaches e directly and through d: three gradients to sum at c
    (g,) = tg.autograd.grad(e, x)
    assert float(g) == 24.0  # e = 16 x + 8 x


def test_a_weight_used_at_many_steps_gets_the_sum_of_all_its_gradients():
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal((3, 3)), requires_grad=True)
    h = Tensor(rng.standard_normal((2, 3)))
    hs = [h]
    for _ in range(6):
        hs.append((hs[-1] @ w).tanh())
    tg.stack(hs[1:]).sum().backward()
    # the same by hand: backpropagation through the 6 steps
    vals = [h.data]
    for _ in range(6):
        vals.append(np.tanh(vals[-1] @ w.data))
    dw, dh = np.zeros((3, 3)), np.zeros((2, 3))
    for k in range(6, 0, -1):
        da = (dh + 1) * (1 - vals[k] ** 2)
        dw += vals[k - 1].T @ da
        dh = da @ w.data.T
    np.testing.assert_allclose(w.grad.data, dw, rtol=1e-12)
