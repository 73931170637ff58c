"""gradcheck / gradgradcheck: accept correct gradients, reject and explain wrong ones."""

import re

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import GradcheckError, gradcheck, gradgradcheck

from .cubes import Cube, DetachedCube, WrongCube, leaf


def numbers_in(text):
    return [float(m) for m in re.findall(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", text)]


def mentions_entry(msg, r, c):
    return re.search(rf"[\[(]{r},\s*{c}[\])]", msg) is not None


# ------------------------------------------------------------------ correct functions


def test_gradcheck_accepts_elementwise_function():
    x = leaf(np.linspace(-1.0, 1.0, 6).reshape(2, 3))
    assert gradcheck(lambda t: (t.tanh() * t).sum(dim=1), (x,)) is True


def test_gradcheck_accepts_two_inputs_with_broadcasting():
    a = leaf(np.arange(6.0).reshape(2, 3) / 5)
    b = leaf([0.3, -0.2, 0.9])
    assert gradcheck(lambda p, q: (p * q).exp(), (a, b))


def test_gradcheck_accepts_matmul():
    rng = np.random.default_rng(0)
    a, b = leaf(rng.standard_normal((2, 3))), leaf(rng.standard_normal((3, 4)))
    assert gradcheck(lambda p, q: p @ q, (a, b))


def test_gradcheck_accepts_single_tensor_instead_of_tuple():
    assert gradcheck(lambda t: t.sin(), leaf([0.1, 0.2]))


def test_gradcheck_accepts_correct_custom_function():
    assert gradcheck(Cube.apply, (leaf([0.5, -1.2, 2.0]),))


def test_gradcheck_ignores_inputs_without_grad_and_non_tensors():
    x = leaf([0.5, 1.5])
    c = Tensor(np.array([2.0, -1.0]))
    assert gradcheck(lambda t, k, s: t * k * s, (x, c, 3.0))


def test_gradcheck_accepts_function_with_several_outputs():
    x = leaf([0.4, -0.9])
    assert gradcheck(lambda t: (t.sin(), t * t), (x,))


def test_gradcheck_restores_inputs():
    xs = np.array([0.5, -1.5, 2.5])
    x = leaf(xs.copy())
    gradcheck(lambda t: t.exp(), (x,))
    np.testing.assert_array_equal(x.data, xs)


def test_gradcheck_with_float32_input_still_passes():
    # central differences in float32 are too noisy; gradcheck works on float64 copies
    x = Tensor(np.array([0.3, 0.7], dtype=np.float32), requires_grad=True)
    assert gradcheck(lambda t: t.exp() * t, (x,))


# ------------------------------------------------------------------ wrong gradients


def test_gradcheck_rejects_backward_off_by_a_factor():
    with pytest.raises(GradcheckError):
        gradcheck(WrongCube.apply, (leaf([1.0, 2.0]),))


def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)


def test_gradcheck_error_message_shows_values_and_differing_entries():
    # d x^3/dx at x = 1, 2, 0 is 3, 12, 0; WrongCube says 2, 8, 0: entries (0,0) and (1,1) differ
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongCube.apply, (leaf([1.0, 2.0, 0.0]),))
    msg = str(info.value)
    assert "analytical" in msg.lower() and "numerical" in msg.lower()
    nums = numbers_in(msg)
    for expected in (2.0, 3.0, 8.0, 12.0):
        assert any(abs(n - expected) < 1e-4 for n in nums), (expected, msg)
    assert mentions_entry(msg, 0, 0) and mentions_entry(msg, 1, 1)
    assert not mentions_entry(msg, 2, 2)  # 0 == 0 there: agreeing entries are not reported


def test_gradcheck_raise_exception_false_returns_false():
    assert gradcheck(WrongCube.apply, (leaf([1.0, 2.0]),), raise_exception=False) is False


def test_gradcheck_raise_exception_false_returns_true_when_correct():
    assert gradcheck(Cube.apply, (leaf([1.0, 2.0]),), raise_exception=False) is True


def test_gradcheck_rejects_wrong_gradient_for_second_input_only():
    class WrongSecond(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return Tensor(a.data * b.data)

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b, grad * a * 1.5

    with pytest.raises(GradcheckError):
        gradcheck(WrongSecond.apply, (leaf([1.0, 2.0]), leaf([3.0, 4.0])))


def test_gradcheck_rejects_a_small_relative_error_beyond_rtol():
    class SlightlyWrong(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return Tensor(x.data * 10)

        @staticmethod
        def backward(ctx, grad):
            return grad * 10.1  # 1% off, more than rtol=1e-3

    with pytest.raises(GradcheckError):
        gradcheck(SlightlyWrong.apply, (leaf([1.0]),))
    # a looser tolerance accepts it
    assert gradcheck(SlightlyWrong.apply, (leaf([1.0]),), rtol=0.02)


# ------------------------------------------------------------------ gradgradcheck


def test_gradgradcheck_accepts_correct_second_derivatives():
    x = leaf([0.3, -0.8, 1.4])
    assert gradgradcheck(lambda t: (t.tanh() * t.sin()).sum(), (x,))


def test_gradgradcheck_accepts_correct_custom_function():
    assert gradgradcheck(Cube.apply, (leaf([0.5, -1.5]),))


def test_gradgradcheck_catches_non_differentiable_backward():
    x = leaf([0.5, -1.5])
    # first order is right, so only the second-order check can catch it
    assert gradcheck(DetachedCube.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(DetachedCube.apply, (x,))


def test_gradgradcheck_raise_exception_false_returns_false():
    assert gradgradcheck(DetachedCube.apply, (leaf([0.5, -1.5]),), raise_exception=False) is False


def test_gradgradcheck_with_explicit_grad_outputs():
    x = leaf([0.2, 0.4])
    v = Tensor(np.array([1.0, -2.0]))
    assert gradgradcheck(lambda t: t.exp() * t, (x,), grad_outputs=(v,))
