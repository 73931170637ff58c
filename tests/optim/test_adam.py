"""Adam and AdamW: trajectories against a numpy transcription of PyTorch's documented update
rules (L2 and decoupled weight decay, AMSGrad, maximize) and against torch.optim."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, optim

from .helpers import SEEDS, check_reference, check_torch, requires_torch, run_ours, synthetic_grads, zero_or


def adam_reference(
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    maximize=False,
    decoupled_weight_decay=False,
):
    b1, b2 = betas

    def step(x, g, state, t):
        g = -g if maximize else g
        if weight_decay != 0:
            if decoupled_weight_decay:
                x *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * x
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
        state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g**2
        m_hat = state["m"] / (1 - b1**t)
        if amsgrad:
            state["v_max"] = np.maximum(state.get("v_max", 0.0), state["v"])
            v_hat = state["v_max"] / (1 - b2**t)
        else:
            v_hat = state["v"] / (1 - b2**t)
        x -= lr * m_hat / (np.sqrt(v_hat) + eps)

    return step


@st.composite
def adam_options(draw, decoupled=None):
    opts = {
        "lr": draw(st.floats(1e-3, 0.1)),
        "betas": (draw(st.floats(0.0, 0.95)), draw(st.floats(0.5, 0.9999))),
        "eps": draw(st.sampled_from([1e-8, 1e-3])),
        "weight_decay": draw(zero_or(st.floats(1e-3, 0.1))),
        "amsgrad": draw(st.booleans()),
        "maximize": draw(st.booleans()),
    }
    if decoupled is None:
        opts["decoupled_weight_decay"] = draw(st.booleans())
    return opts


@given(adam_options(), SEEDS)
def test_adam_trajectory_matches_reference(opts, seed):
    check_reference("Adam", opts, adam_reference(**opts), seed)


@requires_torch
@given(adam_options(), SEEDS)
def test_adam_trajectory_matches_torch(opts, seed):
    check_torch("Adam", opts, seed)


@given(adam_options(decoupled=True), SEEDS)
def test_adamw_trajectory_matches_reference(opts, seed):
    check_reference("AdamW", opts, adam_reference(**opts, decoupled_weight_decay=True), seed)


@requires_torch
@given(adam_options(decoupled=True), SEEDS)
def test_adamw_trajectory_matches_torch(opts, seed):
    check_torch("AdamW", opts, seed)


def test_adamw_default_weight_decay_is_decoupled_1e_2():
    grads = synthetic_grads(0)
    x0 = synthetic_grads(1, steps=1)[0]
    adamw = run_ours("AdamW", {"lr": 0.01}, x0, grads)
    decoupled = run_ours(
        "Adam", {"lr": 0.01, "weight_decay": 1e-2, "decoupled_weight_decay": True}, x0, grads
    )
    l2 = run_ours("Adam", {"lr": 0.01, "weight_decay": 1e-2}, x0, grads)
    np.testing.assert_array_equal(adamw, decoupled)
    assert not np.allclose(adamw, l2, rtol=1e-6, atol=0)  # L2 decay goes through m and v


def test_adam_first_step_moves_each_element_by_lr():
    # with m and v bias-corrected, step 1 is lr * g / (|g| + eps) = lr * sign(g)
    p = Tensor(np.array([0.0, 0.0, 0.0]), requires_grad=True)
    opt = optim.Adam([p], lr=0.1, eps=0.0)
    p.grad = Tensor(np.array([3.0, -1e-3, 50.0]))
    opt.step()
    np.testing.assert_allclose(p.data, [-0.1, 0.1, -0.1], rtol=1e-12)


def test_amsgrad_keeps_running_maximum_of_second_moment():
    p = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.Adam([p], amsgrad=True, betas=(0.9, 0.5))
    for g in ([4.0, 0.0], [0.0, 1.0], [0.0, 0.0]):
        p.grad = Tensor(np.array(g))
        opt.step()
        state = opt.state[p]
        assert np.all(state["max_exp_avg_sq"].data >= state["exp_avg_sq"].data)
    np.testing.assert_allclose(state["max_exp_avg_sq"].data, [8.0, 0.5])  # 0.5*16 at t=1, 0.5 at t=2


@pytest.mark.parametrize("betas", [(1.0, 0.999), (-0.1, 0.999), (0.9, 1.0)])
def test_adam_rejects_betas_outside_0_1(betas):
    index = 0 if not 0 <= betas[0] < 1 else 1
    with pytest.raises(ValueError, match=f"Invalid beta parameter at index {index}"):
        optim.Adam([Tensor(np.zeros(1), requires_grad=True)], betas=betas)
