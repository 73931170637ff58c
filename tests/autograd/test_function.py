"""Custom ``tg.autograd.Function``s, with the semantics of ``torch.autograd.Function``."""

import gc
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck

from ..cubes import Cube, leaf


class ScaledExp(tg.autograd.Function):
    """y = exp(k x) for a Python float k; saves its output."""

    @staticmethod
    def forward(ctx, x, k):
        y = Tensor(np.exp(k * x.data))
        ctx.k = k
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * ctx.k * y, None  # no gradient for the non-tensor k


class MulAdd(tg.autograd.Function):
    """y = a * b + c; records which gradients were asked for."""

    needs_seen = []

    @staticmethod
    def forward(ctx, a, b, c):
        ctx.save_for_backward(a, b)
        return Tensor(a.data * b.data + c.data)

    @staticmethod
    def backward(ctx, grad):
        MulAdd.needs_seen.append(ctx.needs_input_grad)
        a, b = ctx.saved_tensors
        ga = grad * b if ctx.needs_input_grad[0] else None
        gb = grad * a if ctx.needs_input_grad[1] else None
        gc_ = grad if ctx.needs_input_grad[2] else None
        return ga, gb, gc_


class SinCos(tg.autograd.Function):
    """Two outputs: (sin x, cos x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return Tensor(np.sin(x.data)), Tensor(np.cos(x.data))

    @staticmethod
    def backward(ctx, g_sin, g_cos):
        (x,) = ctx.saved_tensors
        return g_sin * x.cos() - g_cos * x.sin()


# ------------------------------------------------------------------ basics


def test_cube_forward_and_backward():
    xs = np.array([-1.5, 0.5, 2.0])
    x = leaf(xs)
    y = Cube.apply(x)
    np.testing.assert_allclose(y.data, xs**3)
    assert y.requires_grad and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * xs**2, rtol=1e-12)


def test_cube_in_a_larger_graph_gets_chain_rule():
    xs = np.array([0.3, -0.8])
    x = leaf(xs)
    (Cube.apply(x.sin()) * 2).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * 3 * np.sin(xs) ** 2 * np.cos(xs), rtol=1e-12)


def test_grad_fn_is_named_after_the_function():
    y = Cube.apply(leaf([1.0]))
    assert "Cube" in type(y.grad_fn).__name__ or "Cube" in y.grad_fn.name()


def test_forward_runs_with_grad_recording_off():
    seen = {}

    class Spy(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen["enabled"] = tg.is_grad_enabled()
            y = x * 2  # a built-in op inside forward must not be recorded
            seen["inner_grad_fn"] = y.grad_fn
            return y

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    out = Spy.apply(leaf([1.0]))
    assert seen == {"enabled": False, "inner_grad_fn": None}
    assert out.grad_fn is not None


def test_backward_runs_without_recording_unless_create_graph():
    seen = []

    class Spy(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            seen.append(tg.is_grad_enabled())
            return grad

    x = leaf([1.0])
    Spy.apply(x).sum().backward()
    Spy.apply(x).sum().backward(create_graph=True)
    assert seen == [False, True]


def test_backward_receives_a_tensor():
    seen = []

    class Spy(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            seen.append(grad)
            return grad

    Spy.apply(leaf([1.0, 2.0])).backward(gradient=Tensor(np.array([3.0, 4.0])))
    assert isinstance(seen[0], Tensor)
    np.testing.assert_allclose(seen[0].data, [3.0, 4.0])


def test_input_without_grad_gives_output_without_grad():
    y = Cube.apply(Tensor(np.array([2.0])))
    assert not y.requires_grad and y.grad_fn is None
    np.testing.assert_allclose(y.data, [8.0])


def test_apply_under_no_grad_records_nothing():
    with tg.no_grad():
        y = Cube.apply(leaf([2.0]))
    assert not y.requires_grad and y.grad_fn is None


# ------------------------------------------------------------------ arguments


def test_non_tensor_argument_and_saved_output():
    xs = np.array([0.1, -0.5])
    x = leaf(xs)
    y = ScaledExp.apply(x, 3.0)
    np.testing.assert_allclose(y.data, np.exp(3 * xs))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * np.exp(3 * xs), rtol=1e-12)


def test_needs_input_grad_reflects_which_inputs_require_grad():
    MulAdd.needs_seen.clear()
    a = leaf([2.0])
    b = Tensor(np.array([5.0]))
    c = leaf([1.0])
    MulAdd.apply(a, b, c).sum().backward()
    assert tuple(MulAdd.needs_seen[0]) == (True, False, True)
    np.testing.assert_allclose(a.grad.data, [5.0])
    np.testing.assert_allclose(c.grad.data, [1.0])
    assert b.grad is None


def test_returning_none_for_an_input_gives_it_no_gradient_contribution():
    class FirstOnly(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return Tensor(a.data + b.data)

        @staticmethod
        def backward(ctx, grad):
            return grad, None

    a, b = leaf([1.0]), leaf([2.0])
    (FirstOnly.apply(a, b) + b).sum().backward()
    np.testing.assert_allclose(a.grad.data, [1.0])
    np.testing.assert_allclose(b.grad.data, [1.0])  # only the direct "+ b" path


def test_backward_may_return_numpy_arrays():
    class Double(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return Tensor(x.data * 2)

        @staticmethod
        def backward(ctx, grad):
            return grad.data * 2

    x = leaf([1.0, 2.0])
    Double.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0])


def test_backward_returning_wrong_number_of_gradients_raises():
    class Bad(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return Tensor(a.data + b.data)

        @staticmethod
        def backward(ctx, grad):
            return grad  # two inputs, one gradient

    with pytest.raises(RuntimeError):
        Bad.apply(leaf([1.0]), leaf([2.0])).sum().backward()


def test_same_input_twice_gets_both_gradients():
    MulAdd.needs_seen.clear()
    xs = np.array([1.5, -2.0])
    x = leaf(xs)
    MulAdd.apply(x, x, x).sum().backward()  # x^2 + x
    np.testing.assert_allclose(x.grad.data, 2 * xs + 1)


# ------------------------------------------------------------------ multiple outputs


def test_multiple_outputs_both_used():
    xs = np.array([0.4, 1.2])
    x = leaf(xs)
    s, c = SinCos.apply(x)
    np.testing.assert_allclose(s.data, np.sin(xs))
    np.testing.assert_allclose(c.data, np.cos(xs))
    (s * 2 + c * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.cos(xs) - 3 * np.sin(xs), rtol=1e-12)


def test_multiple_outputs_only_one_used_gets_zero_for_the_other():
    xs = np.array([0.4, 1.2])
    x = leaf(xs)
    _, c = SinCos.apply(x)
    c.sum().backward()
    np.testing.assert_allclose(x.grad.data, -np.sin(xs), rtol=1e-12)


def test_multiple_outputs_gradcheck():
    x = leaf([0.4, 1.2, -0.7])
    assert gradcheck(lambda t: SinCos.apply(t), (x,))


# ------------------------------------------------------------------ checks


def test_cube_passes_gradcheck():
    x = leaf([0.5, -1.3, 2.1])
    assert gradcheck(Cube.apply, (x,))


def test_function_with_non_tensor_argument_passes_gradcheck():
    x = leaf([0.5, -0.3])
    assert gradcheck(lambda t: ScaledExp.apply(t, 1.7), (x,))


def test_double_backward_through_custom_function():
    xs = np.array([-1.0, 0.5, 2.0])
    x = leaf(xs)
    Cube.apply(x).sum().backward(create_graph=True)
    g = x.grad
    np.testing.assert_allclose(g.data, 3 * xs**2, rtol=1e-12)
    assert g.requires_grad
    (d2,) = tg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(d2.data, 6 * xs, rtol=1e-12)


def test_third_derivative_through_custom_function():
    x = leaf([0.3, -1.1])
    (d1,) = tg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (d2,) = tg.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = tg.autograd.grad(d2.sum(), x)
    np.testing.assert_allclose(d3.data, [6.0, 6.0], rtol=1e-12)


def test_double_backward_through_saved_output():
    # d/dx exp(kx) = k exp(kx); d2/dx2 = k^2 exp(kx): the saved output must stay connected
    xs = np.array([0.2, -0.4])
    x = leaf(xs)
    (d1,) = tg.autograd.grad(ScaledExp.apply(x, 2.0).sum(), x, create_graph=True)
    (d2,) = tg.autograd.grad(d1.sum(), x)
    np.testing.assert_allclose(d2.data, 4 * np.exp(2 * xs), rtol=1e-12)


def test_cube_passes_gradgradcheck():
    x = leaf([0.5, -1.3])
    assert gradgradcheck(Cube.apply, (x,))


# ------------------------------------------------------------------ saved tensors


def test_saved_tensors_second_backward_raises_without_retain_graph():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_saved_tensors_retain_graph_allows_second_backward():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, [6.0, 24.0])


def test_inplace_change_of_saved_input_detected_for_custom_function():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x).sum()
    with tg.no_grad():
        x += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_custom_function_saved_output_is_released_after_backward():
    gc.collect()
    gc.disable()
    try:
        x = leaf(np.linspace(0.0, 1.0, 1000))
        y = ScaledExp.apply(x, 2.0)
        ref = weakref.ref(y.data)
        out = y.sum()
        del y
        assert ref() is not None
        out.backward()
        assert ref() is None
    finally:
        gc.enable()


def test_custom_function_saving_its_output_has_no_reference_cycle():
    gc.collect()
    gc.disable()
    try:
        x = leaf(np.linspace(0.0, 1.0, 1000))
        y = ScaledExp.apply(x, 2.0)
        ref = weakref.ref(y)
        del y
        assert ref() is None
    finally:
        gc.enable()
