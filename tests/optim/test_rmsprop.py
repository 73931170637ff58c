"""RMSprop: trajectories against a numpy transcription of PyTorch's documented update rule
and against torch.optim.RMSprop (plain, centered, with momentum, weight decay, maximize)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, optim

from .helpers import SEEDS, check_reference, check_torch, requires_torch, zero_or


def rmsprop_reference(
    lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False
):
    def step(x, g, state, t):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * x
        state["v"] = alpha * state.get("v", 0.0) + (1 - alpha) * g**2
        v_tilde = state["v"]
        if centered:
            state["g_ave"] = alpha * state.get("g_ave", 0.0) + (1 - alpha) * g
            v_tilde = v_tilde - state["g_ave"] ** 2
        if momentum > 0:
            state["b"] = momentum * state.get("b", 0.0) + g / (np.sqrt(v_tilde) + eps)
            x -= lr * state["b"]
        else:
            x -= lr * g / (np.sqrt(v_tilde) + eps)

    return step


@st.composite
def rmsprop_options(draw):
    return {
        "lr": draw(st.floats(1e-3, 0.05)),
        "alpha": draw(st.floats(0.5, 0.999)),
        "eps": draw(st.sampled_from([1e-8, 1e-3])),
        "weight_decay": draw(zero_or(st.floats(1e-3, 0.1))),
        "momentum": draw(zero_or(st.floats(0.1, 0.9))),
        "centered": draw(st.booleans()),
        "maximize": draw(st.booleans()),
    }


@given(rmsprop_options(), SEEDS)
def test_rmsprop_trajectory_matches_reference(opts, seed):
    check_reference("RMSprop", opts, rmsprop_reference(**opts), seed)


@requires_torch
@given(rmsprop_options(), SEEDS)
def test_rmsprop_trajectory_matches_torch(opts, seed):
    check_torch("RMSprop", opts, seed)


def test_rmsprop_momentum_switched_on_later_starts_from_zero_buffer():
    # OneCycleLR writes group["momentum"] into an RMSprop created with momentum=0
    p = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.RMSprop([p], lr=0.1, alpha=0.5)
    p.grad = Tensor(np.array([2.0]))
    opt.step()
    opt.param_groups[0]["momentum"] = 0.9
    before = p.data.copy()
    opt.step()
    v = 0.5 * (0.5 * 4.0) + 0.5 * 4.0  # two steps of the running mean of g^2
    expected_buffer = 2.0 / (np.sqrt(v) + 1e-8)  # 0.9 * 0 + g / d
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"].data, [expected_buffer])
    np.testing.assert_allclose(p.data, before - 0.1 * expected_buffer)
