"""Recurrent layers: RNN, LSTM, GRU and their cells.

Values are checked against a numpy implementation of PyTorch's equations written here,
gradients against central differences (gradcheck), and both against PyTorch itself
(copied weights, float64) when torch is installed.
"""

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.nn.rnn import _dropout, _time_steps
from tinygrad_edu.testing import tensors

MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")


def make_layer(mode, *args, **kwargs):
    if mode.startswith("RNN"):
        return nn.RNN(*args, nonlinearity="tanh" if mode == "RNN_TANH" else "relu", **kwargs)
    return {"LSTM": nn.LSTM, "GRU": nn.GRU}[mode](*args, **kwargs)


def make_torch_layer(torch, mode, *args, **kwargs):
    if mode.startswith("RNN"):
        return torch.nn.RNN(*args, nonlinearity="tanh" if mode == "RNN_TANH" else "relu", **kwargs)
    return {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[mode](*args, **kwargs)


def make_cell(mode, *args, **kwargs):
    if mode.startswith("RNN"):
        return nn.RNNCell(*args, nonlinearity="tanh" if mode == "RNN_TANH" else "relu", **kwargs)
    return {"LSTM": nn.LSTMCell, "GRU": nn.GRUCell}[mode](*args, **kwargs)


def make_torch_cell(torch, mode, *args, **kwargs):
    if mode.startswith("RNN"):
        return torch.nn.RNNCell(*args, nonlinearity="tanh" if mode == "RNN_TANH" else "relu", **kwargs)
    return {"LSTM": torch.nn.LSTMCell, "GRU": torch.nn.GRUCell}[mode](*args, **kwargs)


def copy_to_torch(torch, ours, theirs):
    theirs.load_state_dict({k: torch.tensor(v.data.copy()) for k, v in ours.state_dict().items()})


# ------------------------------------------------------------------ numpy reference
def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_cell(mode, x, state, w_ih, w_hh, b_ih, b_hh):
    """One step of PyTorch's cell equations; x (B, I); state h or (h, c) of (B, H)."""
    b_ih = 0.0 if b_ih is None else b_ih
    b_hh = 0.0 if b_hh is None else b_hh
    if mode == "LSTM":
        h, c = state
        z = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        H = h.shape[1]
        i, f, g, o = (z[:, k * H:(k + 1) * H] for k in range(4))
        c = np_sigmoid(f) * c + np_sigmoid(i) * np.tanh(g)
        return np_sigmoid(o) * np.tanh(c), c
    if mode == "GRU":
        h = state
        H = h.shape[1]
        a = x @ w_ih.T + b_ih
        b = h @ w_hh.T + b_hh
        r = np_sigmoid(a[:, :H] + b[:, :H])
        z = np_sigmoid(a[:, H:2 * H] + b[:, H:2 * H])
        n = np.tanh(a[:, 2 * H:] + r * b[:, 2 * H:])
        return (1 - z) * n + z * h
    pre = x @ w_ih.T + b_ih + state @ w_hh.T + b_hh
    return np.tanh(pre) if mode == "RNN_TANH" else np.maximum(pre, 0.0)


def np_layer(mode, params, x, h0, c0, num_layers, bidirectional):
    """Reference multi-layer (bi)directional run on time-major x (T, B, I), no dropout."""
    D = 2 if bidirectional else 1
    T = x.shape[0]
    hn, cn = [], []
    inp = x
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            sfx = f"l{layer}" + ("_reverse" if d else "")
            w = [params.get(f"{n}_{sfx}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            k = layer * D + d
            state = (h0[k], c0[k]) if mode == "LSTM" else h0[k]
            out = [None] * T
            for t in (range(T - 1, -1, -1) if d else range(T)):
                state = np_cell(mode, inp[t], state, *w)
                out[t] = state[0] if mode == "LSTM" else state
            outs.append(np.stack(out))
            hn.append(state[0] if mode == "LSTM" else state)
            if mode == "LSTM":
                cn.append(state[1])
        inp = np.concatenate(outs, axis=2)
    return inp, np.stack(hn), (np.stack(cn) if mode == "LSTM" else None)


def params_np(module):
    return {k: v.data for k, v in module.state_dict().items()}


def split_result(mode, result):
    out, state = result
    if mode == "LSTM":
        return out, state[0], state[1]
    return out, state, None


# ------------------------------------------------------------------ construction
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bias", [True, False])
def test_layer_parameter_names_and_shapes(mode, bias):
    m = make_layer(mode, 3, 5, num_layers=2, bias=bias, bidirectional=True)
    G = GATES[mode] * 5
    expected = []
    for layer, in_size in ((0, 3), (1, 10)):
        for sfx in ("", "_reverse"):
            expected += [(f"weight_ih_l{layer}{sfx}", (G, in_size)), (f"weight_hh_l{layer}{sfx}", (G, 5))]
            if bias:
                expected += [(f"bias_ih_l{layer}{sfx}", (G,)), (f"bias_hh_l{layer}{sfx}", (G,))]
    assert [(n, p.shape) for n, p in m.named_parameters()] == expected
    assert list(m.state_dict()) == [n for n, _ in expected]
    per_group = len(expected) // 4  # 2 layers x 2 directions
    groups = [expected[i:i + per_group] for i in range(0, len(expected), per_group)]
    assert [[p.shape for p in group] for group in m.all_weights] == [[s for _, s in g] for g in groups]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bias", [True, False])
def test_cell_parameter_names_and_shapes(mode, bias):
    c = make_cell(mode, 3, 5, bias=bias)
    G = GATES[mode] * 5
    expected = [("weight_ih", (G, 3)), ("weight_hh", (G, 5))]
    if bias:
        expected += [("bias_ih", (G,)), ("bias_hh", (G,))]
    assert [(n, p.shape) for n, p in c.named_parameters()] == expected
    if not bias:
        assert c.bias_ih is None and c.bias_hh is None


@pytest.mark.parametrize("make", [make_layer, make_cell])
@pytest.mark.parametrize("mode", MODES)
def test_init_is_uniform_within_one_over_sqrt_hidden(make, mode):
    tg.manual_seed(0)
    m = make(mode, 7, 16)
    bound = 1 / math.sqrt(16)
    vals = np.concatenate([p.data.ravel() for p in m.parameters()])
    assert all(p.dtype == np.float32 for p in m.parameters())
    assert np.abs(vals).max() <= bound
    # U(-b, b) has mean 0 and variance b^2 / 3; allow 5 standard errors of each estimate
    n = vals.size
    assert abs(vals.mean()) < 5 * bound / math.sqrt(3 * n)
    assert vals.var() == pytest.approx(bound**2 / 3, rel=5 * 0.9 / math.sqrt(n))
    assert np.abs(vals).max() > 0.95 * bound


def test_init_is_reproducible_with_manual_seed():
    tg.manual_seed(3)
    a = nn.LSTM(4, 6, num_layers=2)
    tg.manual_seed(3)
    b = nn.LSTM(4, 6, num_layers=2)
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb
        np.testing.assert_array_equal(pa.data, pb.data)


def test_dtype_argument_and_default_dtype():
    assert all(p.dtype == np.float64 for p in nn.GRU(2, 3, dtype=tg.float64).parameters())
    assert all(p.dtype == np.float64 for p in nn.LSTMCell(2, 3, dtype=np.float64).parameters())
    tg.set_default_dtype(np.float64)
    try:
        assert all(p.dtype == np.float64 for p in nn.RNN(2, 3).parameters())
    finally:
        tg.set_default_dtype(np.float32)


@pytest.mark.parametrize(
    "module, text",
    [
        (nn.LSTM(10, 20, num_layers=2, batch_first=True), "LSTM(10, 20, num_layers=2, batch_first=True)"),
        (nn.RNN(3, 4, nonlinearity="relu"), "RNN(3, 4)"),
        (nn.GRU(3, 4, 2, False, True, 0.5, True),
         "GRU(3, 4, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)"),
        (nn.RNNCell(3, 4, nonlinearity="relu"), "RNNCell(3, 4, nonlinearity=relu)"),
        (nn.LSTMCell(3, 4, bias=False), "LSTMCell(3, 4, bias=False)"),
        (nn.GRUCell(3, 4), "GRUCell(3, 4)"),
    ],
)
def test_repr_matches_pytorch_text(module, text):
    assert repr(module) == text


def test_rnn_positional_fourth_argument_is_nonlinearity():
    m = nn.RNN(2, 3, 1, "relu")
    assert m.nonlinearity == "relu" and m.mode == "RNN_RELU"


@pytest.mark.parametrize("mode", MODES)
def test_state_dict_keys_and_shapes_equal_torch(torch, mode):
    for kw in ({}, {"num_layers": 3, "bidirectional": True}, {"bias": False, "num_layers": 2}):
        ours = make_layer(mode, 3, 4, **kw).state_dict()
        theirs = make_torch_layer(torch, mode, 3, 4, **kw).state_dict()
        assert list(ours) == list(theirs)
        assert [v.shape for v in ours.values()] == [tuple(v.shape) for v in theirs.values()]
    for kw in ({}, {"bias": False}):
        ours = make_cell(mode, 3, 4, **kw).state_dict()
        theirs = make_torch_cell(torch, mode, 3, 4, **kw).state_dict()
        assert list(ours) == list(theirs)
        assert [v.shape for v in ours.values()] == [tuple(v.shape) for v in theirs.values()]


@pytest.mark.parametrize(
    "module",
    [nn.LSTM(10, 20, num_layers=2, batch_first=True), nn.RNN(3, 4, 3, "relu", False, False, 0.25, True),
     nn.GRU(5, 2, bidirectional=True), nn.RNNCell(3, 4, nonlinearity="relu"), nn.LSTMCell(3, 4, bias=False)],
)
def test_repr_equals_torch_repr(torch, module):
    cls = getattr(torch.nn, type(module).__name__)
    if isinstance(module, nn.RNNBase):
        kw = dict(num_layers=module.num_layers, bias=module.bias, batch_first=module.batch_first,
                  dropout=module.dropout, bidirectional=module.bidirectional)
        if type(module) is nn.RNN:
            kw["nonlinearity"] = module.nonlinearity
        theirs = cls(module.input_size, module.hidden_size, **kw)
    else:
        kw = {"bias": module.bias}
        if type(module) is nn.RNNCell:
            kw["nonlinearity"] = module.nonlinearity
        theirs = cls(module.input_size, module.hidden_size, **kw)
    assert repr(module) == repr(theirs)


def test_flatten_parameters_is_a_harmless_no_op():
    m = nn.LSTM(2, 3)
    before = [p.data.copy() for p in m.parameters()]
    assert m.flatten_parameters() is None
    for b, p in zip(before, m.parameters()):
        np.testing.assert_array_equal(b, p.data)


# ------------------------------------------------------------------ forward values
LAYER_CASES = list(itertools.product(MODES, [1, 2], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize("mode, num_layers, bidirectional, batch_first, with_state", LAYER_CASES)
def test_layer_forward_matches_numpy_reference(mode, num_layers, bidirectional, batch_first, with_state):
    rng = np.random.default_rng(7)
    T, B, I, H = 4, 3, 2, 3
    D = 2 if bidirectional else 1
    m = make_layer(mode, I, H, num_layers=num_layers, bidirectional=bidirectional,
                   batch_first=batch_first, dtype=tg.float64)
    x = rng.standard_normal((T, B, I))
    h0 = rng.standard_normal((num_layers * D, B, H)) if with_state else np.zeros((num_layers * D, B, H))
    c0 = rng.standard_normal((num_layers * D, B, H)) if with_state else np.zeros((num_layers * D, B, H))
    hx = None
    if with_state:
        hx = (Tensor(h0), Tensor(c0)) if mode == "LSTM" else Tensor(h0)
    x_in = x.transpose(1, 0, 2) if batch_first else x
    out, hn, cn = split_result(mode, m(Tensor(x_in), hx))
    ref_out, ref_hn, ref_cn = np_layer(mode, params_np(m), x, h0, c0, num_layers, bidirectional)
    if batch_first:
        ref_out = ref_out.transpose(1, 0, 2)
    assert out.shape == ((B, T, D * H) if batch_first else (T, B, D * H))
    assert hn.shape == (num_layers * D, B, H)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hn.data, ref_hn, rtol=1e-12, atol=1e-12)
    if mode == "LSTM":
        assert cn.shape == (num_layers * D, B, H)
        np.testing.assert_allclose(cn.data, ref_cn, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_input_equals_batch_of_one(mode, batch_first):
    rng = np.random.default_rng(1)
    m = make_layer(mode, 3, 2, num_layers=2, bidirectional=True, batch_first=batch_first, dtype=tg.float64)
    x = rng.standard_normal((5, 3))
    h0 = rng.standard_normal((4, 2))
    c0 = rng.standard_normal((4, 2))
    hx = (Tensor(h0), Tensor(c0)) if mode == "LSTM" else Tensor(h0)
    out, hn, cn = split_result(mode, m(Tensor(x), hx))
    xb = x[None] if batch_first else x[:, None]
    hxb = (Tensor(h0[:, None]), Tensor(c0[:, None])) if mode == "LSTM" else Tensor(h0[:, None])
    outb, hnb, cnb = split_result(mode, m(Tensor(xb), hxb))
    assert out.shape == (5, 4) and hn.shape == (4, 2)
    np.testing.assert_array_equal(out.data, outb.data[0] if batch_first else outb.data[:, 0])
    np.testing.assert_array_equal(hn.data, hnb.data[:, 0])
    if mode == "LSTM":
        assert cn.shape == (4, 2)
        np.testing.assert_array_equal(cn.data, cnb.data[:, 0])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_forward_matches_numpy_reference(mode, batched, with_state, bias):
    rng = np.random.default_rng(2)
    c = make_cell(mode, 3, 4, bias=bias, dtype=tg.float64)
    x = rng.standard_normal((2, 3))
    h = rng.standard_normal((2, 4)) if with_state else np.zeros((2, 4))
    cc = rng.standard_normal((2, 4)) if with_state else np.zeros((2, 4))
    p = params_np(c)
    ref = np_cell(mode, x, (h, cc) if mode == "LSTM" else h, p["weight_ih"], p["weight_hh"],
                  p.get("bias_ih"), p.get("bias_hh"))
    if not batched:
        x, h, cc = x[0], h[0], cc[0]
        ref = tuple(r[0] for r in ref) if mode == "LSTM" else ref[0]
    hx = None
    if with_state:
        hx = (Tensor(h), Tensor(cc)) if mode == "LSTM" else Tensor(h)
    got = c(Tensor(x), hx)
    if mode == "LSTM":
        assert got[0].shape == ref[0].shape and got[1].shape == ref[1].shape
        np.testing.assert_allclose(got[0].data, ref[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got[1].data, ref[1], rtol=1e-12, atol=1e-12)
    else:
        assert got.shape == ref.shape
        np.testing.assert_allclose(got.data, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_layer_equals_cell_unrolled_over_time(mode):
    """A one-layer module and its cell with the same weights compute the same h_t."""
    rng = np.random.default_rng(4)
    m = make_layer(mode, 3, 4, dtype=tg.float64)
    c = make_cell(mode, 3, 4, dtype=tg.float64)
    c.load_state_dict({k[:-3]: v for k, v in m.state_dict().items()})
    x = Tensor(rng.standard_normal((6, 2, 3)))
    out, hn, cn = split_result(mode, m(x))
    state = None
    for t in range(6):
        state = c(x[t], state)
        h = state[0] if mode == "LSTM" else state
        np.testing.assert_allclose(out.data[t], h.data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hn.data[0], h.data, rtol=1e-12, atol=1e-12)
    if mode == "LSTM":
        np.testing.assert_allclose(cn.data[0], state[1].data, rtol=1e-12, atol=1e-12)


def test_float32_model_keeps_float32():
    m = nn.LSTM(3, 4, num_layers=2)
    out, (h, c) = m(tg.randn(5, 2, 3))
    assert out.dtype == h.dtype == c.dtype == np.float32


# ------------------------------------------------------------------ dropout between layers
@pytest.mark.parametrize("mode", MODES)
def test_dropout_is_inactive_in_eval_mode(mode):
    tg.manual_seed(0)
    m = make_layer(mode, 3, 4, num_layers=3, dropout=0.5, dtype=tg.float64).eval()
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    out, hn, _ = split_result(mode, m(Tensor(x)))
    ref_out, ref_hn, _ = np_layer(mode, params_np(m), x, np.zeros((3, 2, 4)), np.zeros((3, 2, 4)), 3, False)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hn.data, ref_hn, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_dropout_one_zeroes_the_input_of_the_next_layer(mode):
    m = make_layer(mode, 3, 4, num_layers=2, dropout=1.0, dtype=tg.float64).train()
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    out, hn, _ = split_result(mode, m(Tensor(x)))
    p = params_np(m)
    zeros = np.zeros((1, 2, 4))
    _, ref_hn0, _ = np_layer(mode, p, x, zeros, zeros, 1, False)
    # the second layer sees only zeros (its own weights are renamed to layer 0 for the reference)
    p1 = {k.replace("l1", "l0"): v for k, v in p.items() if k.endswith("l1")}
    ref_out1, ref_hn1, _ = np_layer(mode, p1, np.zeros((5, 2, 4)), zeros, zeros, 1, False)
    np.testing.assert_allclose(out.data, ref_out1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hn.data[0], ref_hn0[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hn.data[1], ref_hn1[0], rtol=1e-12, atol=1e-12)


def test_dropout_never_touches_the_last_layer_output():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        m = nn.GRU(3, 4, dropout=0.9, dtype=tg.float64)
    x = Tensor(np.random.default_rng(0).standard_normal((5, 2, 3)))
    train_out, _ = m.train()(x)
    eval_out, _ = m.eval()(x)
    np.testing.assert_array_equal(train_out.data, eval_out.data)


def test_dropout_in_training_is_random_and_seeded():
    m = nn.LSTM(3, 4, num_layers=2, dropout=0.5, dtype=tg.float64)
    x = Tensor(np.random.default_rng(0).standard_normal((6, 2, 3)))
    tg.manual_seed(5)
    a, _ = m(x)
    b, _ = m(x)
    tg.manual_seed(5)
    c, _ = m(x)
    assert not np.allclose(a.data, b.data)
    np.testing.assert_array_equal(a.data, c.data)


def test_dropout_mask_zeroes_with_probability_p_and_rescales_the_rest():
    tg.manual_seed(0)
    x = Tensor(np.full((200, 100), 2.0))
    y = _dropout(x, 0.3).data
    kept = y != 0
    assert abs(1 - kept.mean() - 0.3) < 0.02
    np.testing.assert_allclose(y[kept], 2.0 / 0.7, rtol=1e-12)


# ------------------------------------------------------------------ gradients
def test_time_steps_matches_indexing_in_value_and_gradient():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)
    weights = [Tensor(rng.standard_normal((2, 3))) for _ in range(4)]
    steps = _time_steps(x)
    for t in range(4):
        np.testing.assert_array_equal(steps[t].data, x.data[t])
    sum(((s * w).tanh() * s).sum() for s, w in zip(steps, weights)).backward()
    g_fast = x.grad.data.copy()
    x.grad = None
    sum(((x[t] * w).tanh() * x[t]).sum() for t, w in enumerate(weights)).backward()
    np.testing.assert_allclose(g_fast, x.grad.data, rtol=1e-14)


def test_time_steps_gradient_is_differentiable():
    w = Tensor(np.random.default_rng(1).standard_normal((3, 2)))

    def f(x):
        return tg.stack([(s * w).tanh() * s for s in _time_steps(x)])

    x = Tensor(np.random.default_rng(2).standard_normal((3, 3, 2)), requires_grad=True)
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_time_steps_gradient_of_an_unused_step_is_zero_and_keeps_dtype():
    x = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    y = x * 1  # a non-leaf: its gradient is seen before the leaf casts it to x's dtype
    seen = []
    y.register_hook(lambda g: seen.append(g))
    steps = _time_steps(y)
    (steps[0] * 2 + steps[2]).sum().backward()
    assert seen[0].dtype == np.float32
    np.testing.assert_array_equal(seen[0].data, [[2, 2], [0, 0], [1, 1]])
    np.testing.assert_array_equal(x.grad.data, [[2, 2], [0, 0], [1, 1]])


@pytest.mark.parametrize("mode", MODES)
def test_layer_gradcheck_two_layers_bidirectional(mode):
    tg.manual_seed(1)
    m = make_layer(mode, 2, 2, num_layers=2, bidirectional=True, dtype=tg.float64)
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((3, 1, 2)), requires_grad=True)
    h0 = Tensor(rng.standard_normal((4, 1, 2)), requires_grad=True)
    c0 = Tensor(rng.standard_normal((4, 1, 2)), requires_grad=True)
    params = list(m.parameters())

    def f(x, h0, c0, *ps):
        out, hn, cn = split_result(mode, m(x, (h0, c0) if mode == "LSTM" else h0))
        return (out, hn) if cn is None else (out, hn, cn)

    inputs = (x, h0, c0) if mode == "LSTM" else (x, h0, Tensor(np.zeros(1)))
    assert gradcheck(f, inputs + tuple(params))


@pytest.mark.parametrize("mode", MODES)
def test_layer_gradcheck_batch_first_unbatched_and_no_bias(mode):
    tg.manual_seed(2)
    m = make_layer(mode, 2, 3, bias=False, batch_first=True, dtype=tg.float64)
    rng = np.random.default_rng(4)
    xb = Tensor(rng.standard_normal((2, 3, 2)), requires_grad=True)
    xu = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    params = list(m.parameters())
    assert len(params) == 2
    assert gradcheck(lambda x, *ps: split_result(mode, m(x))[:2], (xb, *params))
    assert gradcheck(lambda x, *ps: split_result(mode, m(x))[:2], (xu, *params))


@st.composite
def cell_cases(draw):
    batch = draw(st.integers(1, 3))
    batched = draw(st.booleans())
    input_size = draw(st.integers(1, 3))
    hidden = draw(st.integers(1, 3))
    shape_x = (batch, input_size) if batched else (input_size,)
    shape_h = (batch, hidden) if batched else (hidden,)
    x = draw(tensors(shape=shape_x, min_value=-2, max_value=2))
    h = draw(tensors(shape=shape_h, min_value=-2, max_value=2))
    c = draw(tensors(shape=shape_h, min_value=-2, max_value=2))
    return input_size, hidden, draw(st.booleans()), x, h, c, draw(st.integers(0, 2**16))


@pytest.mark.parametrize("mode", MODES)
@given(case=cell_cases())
def test_cell_gradcheck(mode, case):
    input_size, hidden, bias, x, h, c, seed = case
    tg.manual_seed(seed)
    cell = make_cell(mode, input_size, hidden, bias=bias, dtype=tg.float64)
    params = tuple(cell.parameters())
    if mode == "RNN_RELU":
        # relu has a kink at 0 (x = h = 0 without bias puts every unit there): stay off it
        p = params_np(cell)
        pre = x.data @ p["weight_ih"].T + h.data @ p["weight_hh"].T
        pre = pre + p.get("bias_ih", 0.0) + p.get("bias_hh", 0.0)
        assume(np.abs(pre).min() > 1e-3)
    if mode == "LSTM":
        assert gradcheck(lambda x, h, c, *ps: cell(x, (h, c)), (x, h, c) + params)
    else:
        assert gradcheck(lambda x, h, *ps: cell(x, h), (x, h) + params)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_cell_gradgradcheck(mode):
    tg.manual_seed(0)
    cell = make_cell(mode, 2, 2, dtype=tg.float64)
    rng = np.random.default_rng(5)
    x = Tensor(rng.standard_normal((1, 2)), requires_grad=True)
    h = Tensor(rng.standard_normal((1, 2)), requires_grad=True)
    c = Tensor(rng.standard_normal((1, 2)), requires_grad=True)
    w_hh = cell.weight_hh
    if mode == "LSTM":
        assert gradgradcheck(lambda x, h, c, w: cell(x, (h, c)), (x, h, c, w_hh))
    else:
        assert gradgradcheck(lambda x, h, w: cell(x, h), (x, h, w_hh))


def test_layer_gradgradcheck_through_time():
    tg.manual_seed(0)
    m = nn.GRU(1, 2, dtype=tg.float64)
    x = Tensor(np.random.default_rng(6).standard_normal((3, 1, 1)), requires_grad=True)
    assert gradgradcheck(lambda x, w: m(x)[1], (x, m.weight_hh_l0))


# ------------------------------------------------------------------ PyTorch parity
def _random_state(rng, mode, shape):
    h = rng.standard_normal(shape)
    return (h, rng.standard_normal(shape)) if mode == "LSTM" else h


@pytest.mark.parametrize("mode, num_layers, bidirectional, batch_first, with_state", LAYER_CASES)
def test_layer_values_and_gradients_match_torch(
    torch, mode, num_layers, bidirectional, batch_first, with_state
):
    rng = np.random.default_rng(11)
    T, B, I, H = 4, 3, 5, 4
    D = 2 if bidirectional else 1
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    ours = make_layer(mode, I, H, **kw).double()
    theirs = make_torch_layer(torch, mode, I, H, **kw).double()
    copy_to_torch(torch, ours, theirs)
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I))
    state = _random_state(rng, mode, (num_layers * D, B, H)) if with_state else None

    x_ours = Tensor(x, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    st_ours = st_theirs = None
    if state is not None:
        if mode == "LSTM":
            st_ours = tuple(Tensor(s, requires_grad=True) for s in state)
            st_theirs = tuple(torch.tensor(s, requires_grad=True) for s in state)
        else:
            st_ours = Tensor(state, requires_grad=True)
            st_theirs = torch.tensor(state, requires_grad=True)
    got = split_result(mode, ours(x_ours, st_ours))
    want = split_result(mode, theirs(x_theirs, st_theirs))
    for g, w in zip(got, want):
        if w is None:
            continue
        assert g.shape == tuple(w.shape)
        np.testing.assert_allclose(g.data, w.detach().numpy(), rtol=1e-10, atol=1e-12)

    # a random weighting of every output, so each output element's gradient matters
    seeds = [rng.standard_normal(w.shape) for w in want if w is not None]
    sum((g * Tensor(s)).sum() for g, s in zip(got, seeds)).backward()
    sum((w * torch.tensor(s)).sum() for w, s in zip(want, seeds) if w is not None).backward()
    np.testing.assert_allclose(x_ours.grad.data, x_theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    if state is not None:
        pairs = zip(st_ours, st_theirs) if mode == "LSTM" else [(st_ours, st_theirs)]
        for a, b in pairs:
            np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-9, atol=1e-12)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, theirs_params[name].grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("mode", MODES)
def test_unbatched_no_bias_layer_matches_torch(torch, mode):
    rng = np.random.default_rng(12)
    ours = make_layer(mode, 3, 4, num_layers=2, bias=False, bidirectional=True).double()
    theirs = make_torch_layer(torch, mode, 3, 4, num_layers=2, bias=False, bidirectional=True).double()
    copy_to_torch(torch, ours, theirs)
    x = rng.standard_normal((5, 3))
    state = _random_state(rng, mode, (4, 4))
    x_o, x_t = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    if mode == "LSTM":
        st_o, st_t = tuple(Tensor(s) for s in state), tuple(torch.tensor(s) for s in state)
    else:
        st_o, st_t = Tensor(state), torch.tensor(state)
    got = split_result(mode, ours(x_o, st_o))
    want = split_result(mode, theirs(x_t, st_t))
    for g, w in zip(got, want):
        if w is not None:
            assert g.shape == tuple(w.shape)
            np.testing.assert_allclose(g.data, w.detach().numpy(), rtol=1e-10, atol=1e-12)
    (got[0].sum() + got[1].sum()).backward()
    (want[0].sum() + want[1].sum()).backward()
    np.testing.assert_allclose(x_o.grad.data, x_t.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_values_and_gradients_match_torch(torch, mode, batched, with_state, bias):
    rng = np.random.default_rng(13)
    ours = make_cell(mode, 3, 4, bias=bias).double()
    theirs = make_torch_cell(torch, mode, 3, 4, bias=bias).double()
    copy_to_torch(torch, ours, theirs)
    x = rng.standard_normal((2, 3) if batched else (3,))
    x_o, x_t = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    st_o = st_t = None
    if with_state:
        state = _random_state(rng, mode, (2, 4) if batched else (4,))
        if mode == "LSTM":
            st_o = tuple(Tensor(s, requires_grad=True) for s in state)
            st_t = tuple(torch.tensor(s, requires_grad=True) for s in state)
        else:
            st_o, st_t = Tensor(state, requires_grad=True), torch.tensor(state, requires_grad=True)
    got, want = ours(x_o, st_o), theirs(x_t, st_t)
    got = got if mode == "LSTM" else (got,)
    want = want if mode == "LSTM" else (want,)
    seeds = [rng.standard_normal(tuple(w.shape)) for w in want]
    for g, w in zip(got, want):
        assert g.shape == tuple(w.shape)
        np.testing.assert_allclose(g.data, w.detach().numpy(), rtol=1e-10, atol=1e-12)
    sum((g * Tensor(s)).sum() for g, s in zip(got, seeds)).backward()
    sum((w * torch.tensor(s)).sum() for w, s in zip(want, seeds)).backward()
    np.testing.assert_allclose(x_o.grad.data, x_t.grad.numpy(), rtol=1e-9, atol=1e-12)
    if with_state:
        for a, b in (zip(st_o, st_t) if mode == "LSTM" else [(st_o, st_t)]):
            np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_torch_state_dict_loads_into_our_lstm(torch):
    theirs = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    ours = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=tg.float64)
    result = ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = np.random.default_rng(0).standard_normal((4, 2, 3))
    out, _ = ours(Tensor(x))
    np.testing.assert_allclose(out.data, theirs(torch.tensor(x))[0].detach().numpy(), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("cls, name", [(nn.RNN, "RNN"), (nn.LSTM, "LSTM"), (nn.GRU, "GRU")])
def test_layer_wrong_input_size_message_names_layer_sizes_and_shape(cls, name):
    m = cls(10, 20)
    msg = f"{name}: expected input with last dimension 10 (input_size), got shape (5, 3, 7)"
    with pytest.raises(RuntimeError) as e:
        m(tg.zeros(5, 3, 7))
    assert str(e.value) == msg
    with pytest.raises(RuntimeError, match=r"expected input with last dimension 10 .* got shape \(5, 7\)"):
        m(tg.zeros(5, 7))


@pytest.mark.parametrize(
    "cls, name", [(nn.RNNCell, "RNNCell"), (nn.LSTMCell, "LSTMCell"), (nn.GRUCell, "GRUCell")]
)
def test_cell_wrong_input_size_message_names_cell_sizes_and_shape(cls, name):
    c = cls(4, 3)
    with pytest.raises(RuntimeError) as e:
        c(tg.zeros(2, 5))
    assert str(e.value) == f"{name}: expected input with last dimension 4 (input_size), got shape (2, 5)"


def test_wrong_input_rank_is_a_value_error_naming_the_layer():
    pattern = r"LSTM: expected input to be 2-D .* got 4-D input of shape \(1, 2, 3, 4\)"
    with pytest.raises(ValueError, match=pattern):
        nn.LSTM(4, 3)(tg.zeros(1, 2, 3, 4))
    with pytest.raises(ValueError, match=r"GRUCell: expected input to be 1-D .* got 3-D"):
        nn.GRUCell(4, 3)(tg.zeros(1, 2, 4))


def test_wrong_initial_state_shape_names_expected_shape():
    m = nn.GRU(3, 5, num_layers=2, bidirectional=True)
    pattern = r"GRU: expected h_0 of shape \(4, 2, 5\) .* got shape \(2, 2, 5\)"
    with pytest.raises(RuntimeError, match=pattern):
        m(tg.zeros(6, 2, 3), tg.zeros(2, 2, 5))
    with pytest.raises(RuntimeError, match=r"expected h_0 of shape \(4, 5\) .* got shape \(4, 1, 5\)"):
        m(tg.zeros(6, 3), tg.zeros(4, 1, 5))
    lstm = nn.LSTM(3, 5)
    pattern = r"LSTM: expected c_0 of shape \(1, 2, 5\) .* got shape \(1, 3, 5\)"
    with pytest.raises(RuntimeError, match=pattern):
        lstm(tg.zeros(6, 2, 3), (tg.zeros(1, 2, 5), tg.zeros(1, 3, 5)))
    with pytest.raises(TypeError, match=r"LSTM: the initial state must be a tuple \(h_0, c_0\)"):
        lstm(tg.zeros(6, 2, 3), tg.zeros(1, 2, 5))
    with pytest.raises(RuntimeError, match=r"LSTMCell: expected hx\[1\] of shape \(2, 5\)"):
        nn.LSTMCell(3, 5)(tg.zeros(2, 3), (tg.zeros(2, 5), tg.zeros(3, 5)))
    with pytest.raises(RuntimeError, match=r"RNNCell: expected hx of shape \(5,\)"):
        nn.RNNCell(3, 5)(tg.zeros(3), tg.zeros(1, 5))


def test_dtype_mismatch_is_a_value_error_like_torch():
    mismatch = r"{}: {} dtype \({}\) does not match weight dtype \({}\)"
    with pytest.raises(ValueError, match=mismatch.format("LSTM", "input", "float64", "float32")):
        nn.LSTM(3, 4)(tg.zeros(2, 1, 3, dtype=tg.float64))
    with pytest.raises(ValueError, match=mismatch.format("GRU", "h_0", "float64", "float32")):
        nn.GRU(3, 4)(tg.zeros(2, 1, 3), tg.zeros(1, 1, 4, dtype=tg.float64))
    with pytest.raises(ValueError, match=mismatch.format("RNNCell", "input", "float32", "float64")):
        nn.RNNCell(3, 4, dtype=tg.float64)(tg.zeros(2, 3))


def test_empty_sequence_and_non_tensor_input_are_rejected():
    with pytest.raises(RuntimeError, match="RNN: expected a sequence length larger than 0"):
        nn.RNN(3, 4)(tg.zeros(0, 2, 3))
    with pytest.raises(TypeError, match="LSTM: input must be a Tensor, got ndarray"):
        nn.LSTM(3, 4)(np.zeros((2, 1, 3), dtype=np.float32))


@pytest.mark.parametrize(
    "build, exc, pattern",
    [
        (lambda: nn.RNN(3, 4, nonlinearity="gelu"), ValueError, "unknown nonlinearity 'gelu'"),
        (lambda: nn.RNNCell(3, 4, nonlinearity="sigmoid"), ValueError, "unknown nonlinearity 'sigmoid'"),
        (lambda: nn.GRU(3, 4, num_layers=2, dropout=1.5), ValueError, r"in range \[0, 1\]"),
        (lambda: nn.GRU(3, 4, num_layers=2, dropout=True), ValueError, "dropout should be a number"),
        (lambda: nn.LSTM(3, 0), ValueError, "hidden_size must be greater than zero"),
        (lambda: nn.LSTM(3, 4.0), TypeError, "hidden_size should be of type int, got: float"),
        (lambda: nn.LSTM(0, 4), ValueError, "input_size must be greater than zero"),
        (lambda: nn.LSTM(3, 4, num_layers=0), ValueError, "num_layers must be greater than zero"),
        (lambda: nn.LSTM(3, 4, bias=1), TypeError, "bias should be of type bool"),
        (lambda: nn.LSTM(3, 4, proj_size=2), NotImplementedError, "proj_size"),
        (lambda: nn.LSTM(3, 4, proj_size=4), ValueError, "proj_size has to be smaller than hidden_size"),
        (lambda: nn.GRUCell(3, 4, dtype=tg.int64), TypeError, "floating point dtype"),
    ],
)
def test_bad_constructor_arguments_raise_clear_errors(build, exc, pattern):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc, match=pattern):
            build()


@pytest.mark.parametrize("mode", MODES)
def test_no_grad_forward_gives_same_values_without_graph(mode):
    m = make_layer(mode, 3, 4, num_layers=2, bidirectional=True)
    x = tg.randn(5, 2, 3)
    out, hn, _ = split_result(mode, m(x))
    with tg.no_grad():
        out_ng, hn_ng, _ = split_result(mode, m(x))
    assert out.requires_grad and not out_ng.requires_grad and out_ng.grad_fn is None
    np.testing.assert_array_equal(out.data, out_ng.data)
    np.testing.assert_array_equal(hn.data, hn_ng.data)
