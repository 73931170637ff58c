"""Activations: function forms (F.relu, ...) and Modules (nn.ReLU, ...).

Forward values are checked against numpy formulas written here (GELU's erf comes from
Python's math.erf, not from the library), gradients and second derivatives against central
differences, the derivative at kinks against PyTorch's conventions, large-input stability,
and everything against PyTorch itself when it is installed.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import shapes, tensors

_erf = np.vectorize(math.erf, otypes=[np.float64])


def np_softplus(x, beta=1.0, threshold=20.0):
    with np.errstate(over="ignore"):
        return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


# name -> (our function, numpy reference, kinks (points where the derivative jumps))
ACTIVATIONS = {
    "relu": (F.relu, lambda x: np.maximum(x, 0), (0.0,)),
    "leaky_relu": (F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), (0.0,)),
    "leaky_relu(0.2)": (lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x), (0.0,)),
    "elu": (F.elu, lambda x: np.where(x > 0, x, np.expm1(x)), (0.0,)),
    "elu(0.5)": (lambda x: F.elu(x, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)), (0.0,)),
    "gelu": (F.gelu, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))), ()),
    "gelu(tanh)": (
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
        (),
    ),
    "silu": (F.silu, lambda x: x / (1 + np.exp(-x)), ()),
    "sigmoid": (F.sigmoid, lambda x: 1 / (1 + np.exp(-x)), ()),
    "tanh": (F.tanh, np.tanh, ()),
    "softplus": (F.softplus, np_softplus, (20.0,)),  # the switch to the identity: a tiny kink
    "softplus(beta=2, threshold=3)": (
        lambda x: F.softplus(x, beta=2.0, threshold=3.0),
        lambda x: np_softplus(x, 2.0, 3.0),
        (1.5,),
    ),
    "logsigmoid": (F.logsigmoid, lambda x: -np.logaddexp(0, -x), ()),
    "hardtanh": (F.hardtanh, lambda x: np.clip(x, -1, 1), (-1.0, 1.0)),
    "hardtanh(-2, 0.5)": (lambda x: F.hardtanh(x, -2.0, 0.5), lambda x: np.clip(x, -2, 0.5), (-2.0, 0.5)),
    "relu6": (F.relu6, lambda x: np.clip(x, 0, 6), (0.0, 6.0)),
}
NAMES = sorted(ACTIVATIONS)

# Module form of each activation, its function form, and PyTorch's repr of the Module.
MODULES = [
    (nn.ReLU(), F.relu, "ReLU()"),
    (nn.ReLU(inplace=True), F.relu, "ReLU(inplace=True)"),
    (nn.LeakyReLU(), F.leaky_relu, "LeakyReLU(negative_slope=0.01)"),
    (nn.LeakyReLU(0.2, True), lambda x: F.leaky_relu(x, 0.2), "LeakyReLU(negative_slope=0.2, inplace=True)"),
    (nn.ELU(), F.elu, "ELU(alpha=1.0)"),
    (nn.ELU(alpha=0.5), lambda x: F.elu(x, 0.5), "ELU(alpha=0.5)"),
    (nn.GELU(), F.gelu, "GELU(approximate='none')"),
    (nn.GELU("tanh"), lambda x: F.gelu(x, approximate="tanh"), "GELU(approximate='tanh')"),
    (nn.SiLU(), F.silu, "SiLU()"),
    (nn.Sigmoid(), F.sigmoid, "Sigmoid()"),
    (nn.Tanh(), F.tanh, "Tanh()"),
    (nn.Softplus(), F.softplus, "Softplus(beta=1.0, threshold=20.0)"),
    (nn.Softplus(2, 10), lambda x: F.softplus(x, 2, 10), "Softplus(beta=2, threshold=10)"),
    (nn.LogSigmoid(), F.logsigmoid, "LogSigmoid()"),
    (nn.Hardtanh(), F.hardtanh, "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (nn.Hardtanh(-2, 2, True), lambda x: F.hardtanh(x, -2, 2),
     "Hardtanh(min_val=-2, max_val=2, inplace=True)"),
    (nn.ReLU6(), F.relu6, "ReLU6()"),
    (nn.Softmax(dim=1), lambda x: F.softmax(x, dim=1), "Softmax(dim=1)"),
    (nn.LogSoftmax(dim=-1), lambda x: F.log_softmax(x, dim=-1), "LogSoftmax(dim=-1)"),
]


def away_from(kinks, lo=-4.0, hi=4.0, max_side=4):
    """Float64 tensors whose entries stay 1e-3 away from the kinks, where central
    differences straddle the jump in the derivative and mean nothing."""
    elems = st.floats(lo, hi, allow_nan=False).filter(lambda v: all(abs(v - k) > 1e-3 for k in kinks))
    return tensors(shape=shapes(max_dims=2, max_side=max_side), elements=elems)


def _tol(dtype):
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_forward_matches_numpy_and_keeps_dtype(name, data):
    fn, ref, _ = ACTIVATIONS[name]
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    x = data.draw(tensors(dtype=dtype, requires_grad=False, min_value=-8, max_value=8), label="x")
    y = fn(x)
    assert y.dtype == dtype and y.shape == x.shape
    np.testing.assert_allclose(y.data, ref(x.data.astype(np.float64)), **_tol(dtype))


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_grad_matches_numerical(name, data):
    fn, _, kinks = ACTIVATIONS[name]
    x = data.draw(away_from(kinks), label="x")
    assert gradcheck(fn, (x,))


@pytest.mark.parametrize(
    "name", ["elu", "gelu", "gelu(tanh)", "silu", "softplus", "softplus(beta=2, threshold=3)", "logsigmoid"]
)
@given(data=st.data())
def test_second_derivative_matches_numerical(name, data):
    fn, _, kinks = ACTIVATIONS[name]
    x = data.draw(away_from(kinks, -3, 3, max_side=2), label="x")
    assert gradgradcheck(fn, (x,))


# The derivative at a kink is a convention; these are PyTorch's.
@pytest.mark.parametrize(
    "fn, x, expected",
    [
        (F.relu, 0.0, 0.0),
        (F.leaky_relu, 0.0, 0.01),
        (lambda t: F.elu(t, alpha=2.0), 0.0, 2.0),
        (F.hardtanh, -1.0, 0.0),
        (F.hardtanh, 1.0, 0.0),
        (F.relu6, 0.0, 0.0),
        (F.relu6, 6.0, 0.0),
        (F.softplus, 20.0, 1 / (1 + math.exp(-20.0))),  # at the threshold: still the soft branch
        (F.gelu, 0.0, 0.5),
        (F.silu, 0.0, 0.5),
    ],
)
def test_derivative_at_kinks_follows_pytorch(fn, x, expected):
    t = Tensor(np.array([x]), requires_grad=True)
    fn(t).sum().backward()
    assert t.grad.data[0] == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "fn", [F.softplus, F.logsigmoid, F.silu, F.elu, F.gelu, F.sigmoid], ids=lambda f: f.__name__
)
def test_large_inputs_give_finite_values_and_gradients(fn, dtype):
    x = Tensor(np.array([-1e4, -100.0, 100.0, 1e4], dtype=dtype), requires_grad=True)
    y = fn(x)
    y.sum().backward()
    assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad.data))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_limits_for_large_inputs(dtype):
    x = Tensor(np.array([-1e4, 1e4, 30.0, -30.0], dtype=dtype), requires_grad=True)
    y = F.softplus(x)
    y.sum().backward()
    # softplus(x) -> 0 for x -> -inf, = x above the threshold, ~ exp(x) far below zero
    np.testing.assert_allclose(y.data, [0.0, 1e4, 30.0, math.exp(-30.0)], rtol=1e-6)
    np.testing.assert_allclose(x.grad.data, [0.0, 1.0, 1.0, math.exp(-30.0)], rtol=1e-6)


def test_softplus_is_exactly_identity_above_threshold():
    x = Tensor(np.array([20.5, 100.0]))
    np.testing.assert_array_equal(F.softplus(x).data, x.data)
    x = Tensor(np.array([7.0, 20.5]))  # beta * x = 21 > threshold
    np.testing.assert_array_equal(F.softplus(x, beta=3.0, threshold=20.0).data, x.data)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(tg.zeros(2), approximate="fast")
    with pytest.raises(RuntimeError, match="GELU"):
        nn.GELU("fast")


def test_hardtanh_rejects_min_above_max():
    with pytest.raises(ValueError, match="min_val"):
        F.hardtanh(tg.zeros(2), 1.0, -1.0)
    with pytest.raises(ValueError, match="Hardtanh"):
        nn.Hardtanh(2.0, 1.0)


@pytest.mark.parametrize("fn", [F.relu, F.gelu, F.softplus, F.softmax], ids=lambda f: f.__name__)
def test_non_tensor_input_raises_type_error_naming_the_function(fn):
    with pytest.raises(TypeError, match=fn.__name__):
        fn([1.0, 2.0])


def test_inplace_flag_is_accepted_and_returns_a_new_tensor():
    x = Tensor(np.array([-1.0, 2.0]))
    for y in (F.relu(x, inplace=True), F.leaky_relu(x, 0.1, True), F.elu(x, 1.0, True), nn.ReLU(True)(x)):
        assert y is not x
    np.testing.assert_array_equal(x.data, [-1.0, 2.0])  # documented: the input is not modified


def test_relu_keeps_integer_dtype():
    y = F.relu(tg.tensor([-2, 3]))
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.data, [0, 3])


def test_float_only_activations_turn_integers_into_default_float():
    y = F.gelu(tg.tensor([-1, 0, 2]))
    assert y.dtype == tg.get_default_dtype()
    np.testing.assert_allclose(y.data, ACTIVATIONS["gelu"][1](np.array([-1.0, 0.0, 2.0])), rtol=1e-6)


# ---------------------------------------------------------------- softmax / log_softmax


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=lambda f: f.__name__)
@given(x=tensors(shape=shapes(min_dims=1, max_dims=3, max_side=4), requires_grad=False), data=st.data())
def test_softmax_functions_match_numpy(fn, x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1), label="dim")
    a = x.data
    log_p = a - np.log(np.sum(np.exp(a), axis=dim, keepdims=True))
    ref = np.exp(log_p) if fn is F.softmax else log_p
    np.testing.assert_allclose(fn(x, dim=dim).data, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=lambda f: f.__name__)
@given(x=tensors(shape=shapes(min_dims=1, max_dims=2, max_side=3)))
def test_softmax_functions_grad_and_second_derivative(fn, x):
    assert gradcheck(lambda t: fn(t, dim=-1), (x,))
    assert gradgradcheck(lambda t: fn(t, dim=-1), (x,))


@pytest.mark.parametrize("shape, implicit_dim", [((5,), 0), ((2, 5), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)])
@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=lambda f: f.__name__)
def test_softmax_without_dim_warns_and_uses_pytorch_implicit_dim(fn, shape, implicit_dim):
    x = Tensor(np.random.default_rng(0).standard_normal(shape))
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        y = fn(x)
    np.testing.assert_array_equal(y.data, fn(x, dim=implicit_dim).data)


def test_softmax_module_without_dim_warns_at_the_callers_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.Softmax()(Tensor(np.zeros((2, 3))))
    assert caught and caught[0].filename == __file__


def test_softmax_dtype_argument_casts_first():
    x = Tensor(np.array([[1.0, 2.0, 3.0]], dtype=np.float32))
    y = F.softmax(x, dim=1, dtype=np.float64)
    assert y.dtype == np.float64


# ---------------------------------------------------------------- modules


@pytest.mark.parametrize("module, fn, torch_repr", MODULES, ids=[m[2] for m in MODULES])
def test_module_matches_function_and_has_pytorch_repr(module, fn, torch_repr):
    x = Tensor(np.random.default_rng(0).uniform(-4, 4, (3, 4)))
    np.testing.assert_array_equal(module(x).data, fn(x).data)
    assert repr(module) == torch_repr
    assert list(module.parameters()) == [] and module.state_dict() == {}


def test_modules_work_inside_sequential_with_grad():
    model = nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 2), nn.LogSoftmax(dim=1))
    model.double()
    x = Tensor(np.random.default_rng(1).standard_normal((5, 3)))
    params = list(model.parameters())
    assert gradcheck(lambda *ps: model(x), params)


# ---------------------------------------------------------------- PyTorch parity


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")


def _torch_fns(torch):
    tF = torch.nn.functional
    return {
        "relu": tF.relu,
        "leaky_relu": tF.leaky_relu,
        "leaky_relu(0.2)": lambda x: tF.leaky_relu(x, 0.2),
        "elu": tF.elu,
        "elu(0.5)": lambda x: tF.elu(x, alpha=0.5),
        "gelu": tF.gelu,
        "gelu(tanh)": lambda x: tF.gelu(x, approximate="tanh"),
        "silu": tF.silu,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softplus": tF.softplus,
        "softplus(beta=2, threshold=3)": lambda x: tF.softplus(x, beta=2.0, threshold=3.0),
        "logsigmoid": tF.logsigmoid,
        "hardtanh": tF.hardtanh,
        "hardtanh(-2, 0.5)": lambda x: tF.hardtanh(x, -2.0, 0.5),
        "relu6": tF.relu6,
    }


@pytest.mark.parametrize("name", NAMES)
def test_values_gradients_and_second_derivatives_match_pytorch(torch, name):
    fn = ACTIVATIONS[name][0]
    tfn = _torch_fns(torch)[name]
    kinks = [-2.0, -1.0, 0.0, 0.5, 1.5, 6.0, 20.0]  # every kink used above, hit exactly
    x_np = np.concatenate([np.random.default_rng(2).uniform(-8, 8, 40), kinks, [-30.0, 30.0]])
    v_np = np.random.default_rng(3).standard_normal(x_np.shape)

    x = Tensor(x_np.copy(), requires_grad=True)
    y = fn(x)
    (g,) = tg.autograd.grad(y, [x], Tensor(v_np), create_graph=True)
    gg = np.zeros_like(x_np)  # a first derivative that does not depend on x: gg = 0
    if g.requires_grad:
        (gg_t,) = tg.autograd.grad(g.sum(), [x], allow_unused=True)
        gg = gg if gg_t is None else gg_t.data

    tx = torch.tensor(x_np, requires_grad=True)
    ty = tfn(tx)
    (tg_,) = torch.autograd.grad(ty, tx, torch.tensor(v_np), create_graph=True)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-13, atol=1e-15)
    # atol: for x << 0, 1 + tanh(u) cancels to a tiny number with an absolute rounding
    # error of a few 1e-16, in torch's formula as in ours.
    np.testing.assert_allclose(g.data, tg_.detach().numpy(), rtol=1e-12, atol=1e-14)
    if tg_.requires_grad:  # piecewise-linear ones have no second derivative graph in torch
        (tgg,) = torch.autograd.grad(tg_.sum(), tx)
        # At a kink the second derivative is a convention, and for ELU at 0 ours (alpha, the
        # left branch, consistent with elu'(0) = alpha) differs from torch's (0): skip kinks.
        smooth = ~np.isin(x_np, ACTIVATIONS[name][2])
        np.testing.assert_allclose(gg[smooth], tgg.numpy()[smooth], rtol=1e-11, atol=1e-13)
    else:
        np.testing.assert_array_equal(gg, 0)


@pytest.mark.parametrize("module, fn, torch_repr", MODULES, ids=[m[2] for m in MODULES])
def test_module_repr_matches_pytorch(torch, module, fn, torch_repr):
    # rebuild the same module in torch from our module's class name and options
    tm = eval("torch.nn." + torch_repr, {"torch": torch})  # noqa: S307 - fixed strings above
    assert repr(tm) == repr(module)


@pytest.mark.parametrize("fn_name", ["softmax", "log_softmax"])
def test_softmax_matches_pytorch_on_large_logits(torch, fn_name):
    x_np = np.array([[1000.0, -1000.0, 0.0], [1e-3, 2e-3, 3e-3]])
    ours = getattr(F, fn_name)(Tensor(x_np), dim=1).data
    theirs = getattr(torch.nn.functional, fn_name)(torch.tensor(x_np), dim=1).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=1e-300)
