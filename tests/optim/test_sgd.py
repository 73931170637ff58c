"""SGD: trajectories against a numpy transcription of PyTorch's documented update rule and
against torch.optim.SGD, for plain, momentum, dampened, Nesterov, weight-decayed and
maximizing runs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor, optim

from .helpers import SEEDS, check_reference, check_torch, requires_torch, zero_or


def sgd_reference(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    """The update of torch.optim.SGD's docs, written out for one parameter."""

    def step(x, g, state, t):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * x
        if momentum != 0:
            state["b"] = g.copy() if t == 1 else momentum * state["b"] + (1 - dampening) * g
            g = g + momentum * state["b"] if nesterov else state["b"]
        x -= lr * g

    return step


@st.composite
def sgd_options(draw):
    momentum = draw(zero_or(st.floats(0.1, 0.95)))
    nesterov = momentum > 0 and draw(st.booleans())
    return {
        "lr": draw(st.floats(1e-3, 0.3)),
        "momentum": momentum,
        "dampening": 0.0 if nesterov else draw(zero_or(st.floats(0.05, 0.9))),
        "weight_decay": draw(zero_or(st.floats(1e-3, 0.1))),
        "nesterov": nesterov,
        "maximize": draw(st.booleans()),
    }


@given(sgd_options(), SEEDS)
def test_sgd_trajectory_matches_reference(opts, seed):
    check_reference("SGD", opts, sgd_reference(**opts), seed)


@requires_torch
@given(sgd_options(), SEEDS)
def test_sgd_trajectory_matches_torch(opts, seed):
    check_torch("SGD", opts, seed)


def test_sgd_plain_step_is_lr_times_grad():
    p = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    p.grad = Tensor(np.array([0.2, 4.0]))
    opt.step()
    np.testing.assert_array_equal(p.data, [1.0 - 0.1, -2.0 - 2.0])
    assert opt.state_dict()["state"] == {}  # no momentum: nothing to remember


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("extra", [-1, 0, 7, 100_000])
def test_plain_sgd_on_large_parameters_is_the_formula_bit_for_bit(dtype, order, extra):
    # big arrays are updated in pieces (optim.sgd.descend); the result must not change by a bit
    from tinygrad_edu.optim.sgd import _PIECE_BYTES

    n = 3 * (_PIECE_BYTES // np.dtype(dtype).itemsize) + extra
    rng = np.random.default_rng(0)
    start = np.asarray(rng.standard_normal((n // 7, 7)), dtype=dtype, order=order)
    grad = np.asarray(rng.standard_normal(start.shape), dtype=dtype, order=order)
    p = Tensor(start.copy(order="K"), requires_grad=True)
    p.grad = Tensor(grad.copy(order="K"))
    optim.SGD([p], lr=0.37).step()
    expected = start - 0.37 * grad
    assert p.data.dtype == dtype
    np.testing.assert_array_equal(p.data, expected)
    np.testing.assert_array_equal(p.grad.data, grad)  # the gradient is left as it was


def test_plain_sgd_with_a_gradient_of_another_layout_is_the_formula():
    from tinygrad_edu.optim.sgd import descend

    rng = np.random.default_rng(1)
    data = np.asfortranarray(rng.standard_normal((300, 700)))
    g = np.ascontiguousarray(rng.standard_normal((300, 700)))
    expected = data - 0.1 * g
    descend(data, g, 0.1)
    np.testing.assert_array_equal(data, expected)


def test_step_runs_under_no_grad_and_restores_the_mode_after_an_error():
    seen = []

    class Probe(optim.Optimizer):
        def _update_group(self, group):
            seen.append(tg.is_grad_enabled())
            raise ValueError("boom")

    p = Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="boom"):
        Probe([p], {}).step()
    assert seen == [False] and tg.is_grad_enabled()
    with tg.no_grad(), pytest.raises(ValueError):
        Probe([p], {}).step()
    assert tg.is_grad_enabled()


def test_sgd_momentum_buffer_starts_at_first_gradient():
    # PyTorch's convention: b_1 = g_1 (not (1 - dampening) g_1, not 0)
    p = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.SGD([p], lr=1.0, momentum=0.9, dampening=0.5)
    p.grad = Tensor(np.array([1.0, 2.0]))
    opt.step()
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"].data, [1.0, 2.0])
    opt.step()  # b_2 = 0.9 b_1 + 0.5 g
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"].data, [1.4, 2.8])


@pytest.mark.parametrize(
    "kwargs", [{"nesterov": True}, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}]
)
def test_sgd_nesterov_needs_momentum_and_no_dampening(kwargs):
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([tg.zeros(2, requires_grad=True)], lr=0.1, **kwargs)
