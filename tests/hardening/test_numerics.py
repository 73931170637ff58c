"""Numerical robustness.

* The exp-based ops (log_softmax, softmax, cross_entropy, logsumexp, sigmoid, logsigmoid,
  softplus, BCEWithLogits, tanh, silu, elu, gelu) give finite values *and* gradients for
  inputs of +-1e4 in float32 and float64, equal to references computed here in float64
  with overflow-free formulas (``np.logaddexp``).
* sqrt, rsqrt, log, log1p, reciprocal and pow at 0 (and -0) give PyTorch's values and
  gradients, signs of zeros and infinities included (written out below from IEEE
  arithmetic, and compared with PyTorch when it is installed).
* ``detect_anomaly`` stops at the first op whose backward produced NaN/inf, names it and
  shows the user's forward line, also when the op sits inside a layer; and it stays quiet
  on the saturated-but-finite training steps above.

The per-op stability tests in tests/ops/test_softmax.py, tests/nn/test_loss.py and
tests/nn/test_activation.py check the same property op by op; this file states it for
the whole list at once, with exact references for gradients as well as values.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn

HUGE = np.array([[1e4, -1e4, 0.0, 1.0], [-1e4, -1e4 + 3.0, 1e4 - 2.0, -20.0], [30.0, -30.0, 1e4, 1e4]])
TARGET = np.array([1, 2, 3])  # class indices for cross_entropy (the first row's is -1e4)
LABELS = np.array([[1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.5], [0.0, 1.0, 1.0, 0.0]])


# ---- references in float64 (never overflowing): value and d(sum of output)/dx
def _lse(x):
    return np.logaddexp.reduce(x, axis=-1, keepdims=True)


def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


_erf = np.vectorize(math.erf)


def _gelu_grad(x):
    density = np.exp(-0.5 * np.minimum(x * x, 1e4)) / math.sqrt(2 * math.pi)  # exp(-5e3) is 0 anyway
    return 0.5 * (1 + _erf(x / math.sqrt(2))) + x * density


def _tanh_gelu(x):
    k = math.sqrt(2 / math.pi)
    u = k * (x + 0.044715 * x**3)
    t = np.tanh(u)
    return 0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)


def _cross_entropy(x):
    logp = x - _lse(x)
    n = len(x)
    onehot = np.eye(x.shape[1])[TARGET]
    return -logp[np.arange(n), TARGET].mean(), (np.exp(logp) - onehot) / n


def _bce_logits(x):
    y = LABELS
    return (np.logaddexp(0.0, x) - x * y).mean(), (_sigmoid(x) - y) / x.size


REFERENCES = {
    "log_softmax": (lambda x: F.log_softmax(x, dim=1),
                    lambda x: (x - _lse(x), 1 - x.shape[1] * np.exp(x - _lse(x)))),
    "softmax": (lambda x: F.softmax(x, dim=1), lambda x: (np.exp(x - _lse(x)), np.zeros_like(x))),
    "logsumexp": (lambda x: tg.logsumexp(x, 1), lambda x: (_lse(x)[:, 0], np.exp(x - _lse(x)))),
    "cross_entropy": (lambda x: F.cross_entropy(x, tg.tensor(TARGET)), _cross_entropy),
    "sigmoid": (tg.sigmoid, lambda x: (_sigmoid(x), _sigmoid(x) * _sigmoid(-x))),
    "logsigmoid": (F.logsigmoid, lambda x: (-np.logaddexp(0.0, -x), _sigmoid(-x))),
    "softplus": (F.softplus, lambda x: (np.logaddexp(0.0, x), _sigmoid(x))),
    "BCEWithLogitsLoss": (lambda x: nn.BCEWithLogitsLoss()(x, tg.tensor(LABELS).to(x.dtype)), _bce_logits),
    "tanh": (tg.tanh, lambda x: (np.tanh(x), 1 - np.tanh(x) ** 2)),
    "silu": (F.silu, lambda x: (x * _sigmoid(x), _sigmoid(x) + x * _sigmoid(x) * _sigmoid(-x))),
    "elu": (F.elu, lambda x: (np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
                              np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))))),
    "gelu": (F.gelu, lambda x: (0.5 * x * (1 + _erf(x / math.sqrt(2))), _gelu_grad(x))),
    "gelu(tanh)": (lambda x: F.gelu(x, approximate="tanh"), _tanh_gelu),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", REFERENCES)
def test_huge_inputs_give_finite_values_and_gradients_equal_to_stable_references(name, dtype):
    fn, reference = REFERENCES[name]
    x = Tensor(HUGE.astype(dtype), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, not even discarded
        y = fn(x)
        y.sum().backward()
    want_y, want_grad = reference(HUGE)
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert np.isfinite(y.data).all() and np.isfinite(x.grad.data).all()
    # float32 holds 1e4 to within 1e-3 (one part in 1e7), so results of size 1e4 are good to
    # about that much; float64 ones to rounding
    tol = {"rtol": 2e-6, "atol": 2e-3} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-9}
    np.testing.assert_allclose(y.data, want_y, **tol)
    np.testing.assert_allclose(x.grad.data, want_grad, **tol)


# ---- zeros: sqrt, log and friends as PyTorch (IEEE arithmetic, signed zeros included)
INF, NAN = math.inf, math.nan
AT_ZERO_INPUT = [0.0, -0.0, 1.0, -1.0]
AT_ZERO = {
    # name: (function, values, d/dx)
    "sqrt": (tg.sqrt, [0.0, -0.0, 1.0, NAN], [INF, -INF, 0.5, NAN]),
    "rsqrt": (tg.rsqrt, [INF, -INF, 1.0, NAN], [-INF, INF, -0.5, NAN]),
    "log": (tg.log, [-INF, -INF, 0.0, NAN], [INF, -INF, 1.0, -1.0]),
    "log1p(x - 1)": (lambda x: tg.log1p(x - 1), [-INF, -INF, 0.0, NAN], [INF, INF, 1.0, -1.0]),
    "reciprocal": (tg.reciprocal, [INF, -INF, 1.0, -1.0], [-INF, -INF, -1.0, -1.0]),
    "x ** 0": (lambda x: x**0, [1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]),
    "x ** 2": (lambda x: x**2, [0.0, 0.0, 1.0, 1.0], [0.0, -0.0, 2.0, -2.0]),
    "x ** -1": (lambda x: x**-1, [INF, -INF, 1.0, -1.0], [-INF, -INF, -1.0, -1.0]),
    "abs": (tg.abs, [0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, -1.0]),
}


def assert_same_ieee(got, want):
    """Equal, NaN matching NaN, and the same sign for zeros and infinities."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert np.array_equal(got, want, equal_nan=True), f"{got} != {want}"
    signed = ~np.isnan(want)
    assert np.array_equal(np.signbit(got[signed]), np.signbit(want[signed])), f"signs: {got} vs {want}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", AT_ZERO)
def test_sqrt_log_and_pow_at_zero_behave_as_pytorch(name, dtype):
    fn, want_y, want_grad = AT_ZERO[name]
    x = Tensor(np.array(AT_ZERO_INPUT, dtype=dtype), requires_grad=True)
    y = fn(x)
    y.sum().backward()
    assert_same_ieee(y.data, want_y)
    assert_same_ieee(x.grad.data, want_grad)


@pytest.mark.parametrize("name", AT_ZERO)
def test_the_values_at_zero_above_are_pytorchs(name):
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    _, want_y, want_grad = AT_ZERO[name]
    fns = {"sqrt": torch.sqrt, "rsqrt": torch.rsqrt, "log": torch.log,
           "log1p(x - 1)": lambda x: torch.log1p(x - 1),
           "reciprocal": torch.reciprocal, "x ** 0": lambda x: x**0,
           "x ** 2": lambda x: x**2, "x ** -1": lambda x: x**-1, "abs": torch.abs}
    x = torch.tensor(AT_ZERO_INPUT, requires_grad=True)
    y = fns[name](x)
    y.sum().backward()
    assert_same_ieee(y.detach().numpy(), want_y)
    assert_same_ieee(x.grad.numpy(), want_grad)


def test_tensor_exponent_zero_gives_zero_gradient_at_zero_base():
    # d/da a^b = b a^(b-1) is 0 * inf = nan at a = b = 0 if computed literally; it is 0
    a = Tensor(np.array([0.0, 0.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([0.0, 1.0, 0.0]), requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0.0, 1.0, 0.0])
    np.testing.assert_allclose(b.grad.data, [0.0, 0.0, math.log(2.0)])


# ---- detect_anomaly
THIS_FILE = os.path.basename(__file__)


class SqrtHead(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return tg.sqrt(F.relu(self.fc(x)))  # relu gives exact zeros, where sqrt' is inf


def test_detect_anomaly_names_the_op_inside_a_model_and_the_users_forward_line():
    tg.manual_seed(0)
    model = SqrtHead()
    x = tg.tensor([[1.0, -2.0, 0.5], [-3.0, 1.0, 2.0]])
    with tg.autograd.detect_anomaly():
        loss = (model(x) * 0).sum()  # 0 * inf: the first non-finite gradient comes from SqrtBackward
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    msg = str(info.value)
    assert "SqrtBackward" in msg and "nan" in msg.lower()
    assert THIS_FILE in msg and "return tg.sqrt(F.relu(self.fc(x)))" in msg
    assert "MulBackward" not in msg and "ReluBackward" not in msg  # the first bad one, not the ones after


def test_detect_anomaly_checks_second_order_backward():
    # d/dx x^1.5 = 1.5 sqrt(x) is finite at 0; its derivative 0.75 / sqrt(x) is not
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with tg.autograd.detect_anomaly():
        (g,) = tg.autograd.grad((x**1.5).sum(), x, create_graph=True)
        np.testing.assert_allclose(g.data, [0.0, 1.5])
        with pytest.raises(RuntimeError, match="PowBackward.*inf") as info:
            g.sum().backward()
    assert THIS_FILE in str(info.value) and "(x**1.5).sum()" in str(info.value)


def test_detect_anomaly_is_quiet_on_saturated_but_finite_training():
    # logits of +-1e4: softmax saturates to exact 0s and 1s, yet every gradient is finite
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3))
    with tg.no_grad():
        model[0].weight.copy_(tg.tensor([[1e4, 0, 0, 0], [0, -1e4, 0, 0], [0, 0, 0, 1e4]]))
    x = tg.tensor(np.eye(4)[:3], dtype=tg.float32)
    with tg.autograd.detect_anomaly():
        loss = F.cross_entropy(model(x), tg.tensor([1, 0, 2])) + F.binary_cross_entropy_with_logits(
            model(x), tg.tensor(np.eye(3), dtype=tg.float32))
        loss.backward()
    assert np.isfinite(loss.item())
    assert all(np.isfinite(p.grad.data).all() for p in model.parameters())
