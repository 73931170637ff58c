"""Adamax: trajectories against a numpy transcription of PyTorch's documented update rule
and against torch.optim.Adamax."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, optim

from .helpers import SEEDS, check_reference, check_torch, requires_torch, zero_or


def adamax_reference(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    b1, b2 = betas

    def step(x, g, state, t):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * x
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
        state["u"] = np.maximum(b2 * state.get("u", 0.0), np.abs(g) + eps)
        x -= lr * state["m"] / ((1 - b1**t) * state["u"])

    return step


@st.composite
def adamax_options(draw):
    return {
        "lr": draw(st.floats(1e-3, 0.1)),
        "betas": (draw(st.floats(0.0, 0.95)), draw(st.floats(0.5, 0.9999))),
        "eps": draw(st.sampled_from([1e-8, 1e-3])),
        "weight_decay": draw(zero_or(st.floats(1e-3, 0.1))),
        "maximize": draw(st.booleans()),
    }


@given(adamax_options(), SEEDS)
def test_adamax_trajectory_matches_reference(opts, seed):
    check_reference("Adamax", opts, adamax_reference(**opts), seed)


@requires_torch
@given(adamax_options(), SEEDS)
def test_adamax_trajectory_matches_torch(opts, seed):
    check_torch("Adamax", opts, seed)


def test_adamax_infinity_norm_is_decayed_running_max_of_abs_grad():
    p = Tensor(np.zeros(1), requires_grad=True)
    opt = optim.Adamax([p], betas=(0.9, 0.5), eps=0.0)
    for g in (4.0, 1.0, 3.0):
        p.grad = Tensor(np.array([g]))
        opt.step()
    # max(0.5 * max(0.5 * 4, 1), 3) = 3
    np.testing.assert_allclose(opt.state[p]["exp_inf"].data, [3.0])
