"""Adadelta: trajectories against a numpy transcription of PyTorch's documented update rule
and against torch.optim.Adadelta."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from .helpers import SEEDS, check_reference, check_torch, requires_torch, zero_or


def adadelta_reference(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    def step(x, g, state, t):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * x
        state["v"] = rho * state.get("v", 0.0) + (1 - rho) * g**2
        delta = np.sqrt(state.get("u", 0.0) + eps) / np.sqrt(state["v"] + eps) * g
        state["u"] = rho * state.get("u", 0.0) + (1 - rho) * delta**2
        x -= lr * delta

    return step


@st.composite
def adadelta_options(draw):
    return {
        "lr": draw(st.floats(0.1, 2.0)),
        "rho": draw(st.floats(0.5, 0.99)),
        "eps": draw(st.sampled_from([1e-6, 1e-3])),
        "weight_decay": draw(zero_or(st.floats(1e-3, 0.1))),
        "maximize": draw(st.booleans()),
    }


@given(adadelta_options(), SEEDS)
def test_adadelta_trajectory_matches_reference(opts, seed):
    check_reference("Adadelta", opts, adadelta_reference(**opts), seed)


@requires_torch
@given(adadelta_options(), SEEDS)
def test_adadelta_trajectory_matches_torch(opts, seed):
    check_torch("Adadelta", opts, seed)
