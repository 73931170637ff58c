"""Adagrad: trajectories against a numpy transcription of PyTorch's documented update rule
and against torch.optim.Adagrad; its eagerly created state."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, optim

from .helpers import SEEDS, check_reference, check_torch, requires_torch, zero_or


def adagrad_reference(
    lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10, maximize=False
):
    def step(x, g, state, t):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * x
        clr = lr / (1 + (t - 1) * lr_decay)
        state["sum"] = state.get("sum", np.full_like(x, initial_accumulator_value)) + g**2
        x -= clr * g / (np.sqrt(state["sum"]) + eps)

    return step


@st.composite
def adagrad_options(draw):
    return {
        "lr": draw(st.floats(1e-3, 0.5)),
        "lr_decay": draw(zero_or(st.floats(1e-3, 0.2))),
        "weight_decay": draw(zero_or(st.floats(1e-3, 0.1))),
        "initial_accumulator_value": draw(zero_or(st.floats(0.01, 1.0))),
        "eps": draw(st.sampled_from([1e-10, 1e-3])),
        "maximize": draw(st.booleans()),
    }


@given(adagrad_options(), SEEDS)
def test_adagrad_trajectory_matches_reference(opts, seed):
    check_reference("Adagrad", opts, adagrad_reference(**opts), seed)


@requires_torch
@given(adagrad_options(), SEEDS)
def test_adagrad_trajectory_matches_torch(opts, seed):
    check_torch("Adagrad", opts, seed)


def test_adagrad_state_exists_from_construction_like_torch():
    p = Tensor(np.ones((2, 2)), requires_grad=True)
    opt = optim.Adagrad([p], initial_accumulator_value=0.25)
    state = opt.state_dict()["state"][0]
    np.testing.assert_array_equal(state["sum"].data, np.full((2, 2), 0.25))
    assert float(state["step"].data) == 0.0


def test_adagrad_group_initial_accumulator_value_is_honoured():
    a = Tensor(np.zeros(2), requires_grad=True)
    b = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 3.0}])
    np.testing.assert_array_equal(opt.state[a]["sum"].data, [0.0, 0.0])
    np.testing.assert_array_equal(opt.state[b]["sum"].data, [3.0, 3.0])


def test_adagrad_param_added_later_gets_its_state_on_first_step():
    a = Tensor(np.zeros(2), requires_grad=True)
    b = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    opt = optim.Adagrad([a], lr=0.5)
    opt.add_param_group({"params": [b], "initial_accumulator_value": 1.0})
    assert b not in opt.state
    b.grad = Tensor(np.array([3.0, 4.0]))
    opt.step()
    np.testing.assert_array_equal(opt.state[b]["sum"].data, [10.0, 17.0])
    np.testing.assert_allclose(
        b.data, [1.0 - 0.5 * 3 / (np.sqrt(10) + 1e-10), -1.0 - 0.5 * 4 / (np.sqrt(17) + 1e-10)]
    )
