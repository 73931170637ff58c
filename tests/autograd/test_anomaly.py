"""Anomaly detection: a NaN/inf produced in backward names the op and the user's line."""

import os

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor

THIS_FILE = os.path.basename(__file__)


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_nan_in_backward_names_the_op_and_the_users_line():
    x = leaf([0.0, 1.0])
    with tg.autograd.detect_anomaly():
        # d sqrt(x)/dx at 0 is inf; times the 0 coming from "* 0" it is 0 * inf = nan
        y = (tg.sqrt(x) * 0).sum()
        with pytest.raises(RuntimeError) as info:
            y.backward()
    msg = str(info.value)
    assert "SqrtBackward" in msg
    assert "nan" in msg.lower()
    assert THIS_FILE in msg
    assert "tg.sqrt(x)" in msg  # the source line of the forward call


def test_inf_in_backward_is_reported():
    x = leaf([0.0, 4.0])
    with tg.autograd.detect_anomaly():
        y = x.sqrt().sum()
        with pytest.raises(RuntimeError) as info:
            y.backward()
    msg = str(info.value)
    assert "SqrtBackward" in msg and "inf" in msg.lower()
    assert THIS_FILE in msg


def test_anomaly_reports_the_first_op_that_produced_nan():
    # log'(x) = 1/x is inf at 0; the later Mul's backward is finite, so Log is to blame
    x = leaf([0.0, 2.0])
    with tg.autograd.detect_anomaly():
        y = (x.log() * 3).sum()
        with pytest.raises(RuntimeError) as info:
            y.backward()
    msg = str(info.value)
    assert "LogBackward" in msg
    assert "MulBackward" not in msg


def test_without_detect_anomaly_nan_flows_silently():
    x = leaf([0.0, 1.0])
    (tg.sqrt(x) * 0).sum().backward()
    assert np.isnan(x.grad.data[0])
    assert x.grad.data[1] == 0.0


def test_detect_anomaly_with_finite_gradients_does_not_raise():
    xs = np.array([0.5, 4.0])
    x = leaf(xs)
    with tg.autograd.detect_anomaly():
        tg.sqrt(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 0.5 / np.sqrt(xs))


def test_detect_anomaly_is_off_again_after_the_block():
    x = leaf([0.0])
    with tg.autograd.detect_anomaly():
        pass
    (tg.sqrt(x) * 0).sum().backward()  # would raise if the mode had leaked
    assert np.isnan(x.grad.data[0])


def test_detect_anomaly_is_off_again_after_an_exception():
    with pytest.raises(RuntimeError):
        with tg.autograd.detect_anomaly():
            x = leaf([0.0])
            tg.sqrt(x).sum().backward()
    x = leaf([0.0])
    tg.sqrt(x).sum().backward()
    assert np.isinf(x.grad.data[0])


def test_detect_anomaly_also_checks_autograd_grad():
    x = leaf([0.0, 1.0])
    with tg.autograd.detect_anomaly():
        y = (tg.sqrt(x) * 0).sum()
        with pytest.raises(RuntimeError, match="SqrtBackward"):
            tg.autograd.grad(y, x)


def test_detect_anomaly_names_a_custom_function():
    class BadBackward(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return grad * np.nan

    x = leaf([1.0])
    with tg.autograd.detect_anomaly():
        y = BadBackward.apply(x).sum()
        with pytest.raises(RuntimeError) as info:
            y.backward()
    assert "BadBackward" in str(info.value)
    assert THIS_FILE in str(info.value)
