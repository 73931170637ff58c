"""The pointwise part of an LSTM step as two ops (used by ``nn.LSTM`` and ``nn.LSTMCell``).

One LSTM step first computes the pre-activations a = x W_ih^T + b_ih + h W_hh^T + b_hh,
of shape (batch, 4 hidden) in PyTorch's gate order [i, f, g, o], then

    i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)        LSTMGates
    c' = f c + i g            h' = o tanh(c')                   LSTMCellUpdate

(σ is the logistic sigmoid, products are elementwise). Composed from chunk, sigmoid,
tanh, mul and add, that is eleven graph nodes per time step, and a backward that sends
four separate slices back to be concatenated; as two ops it is two nodes, whose
backward formulas below are the chain rule written out once. Both are checked against
the composed version (values, gradients and second derivatives) in the tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Op
from ..tensor import Tensor


def _split4(x: Any) -> tuple[Any, Any, Any, Any]:
    """The four gate blocks [i, f, g, o] of the last dimension (views, or getitem ops on Tensors)."""
    n = x.shape[-1] // 4
    return x[..., :n], x[..., n : 2 * n], x[..., 2 * n : 3 * n], x[..., 3 * n :]


def _gate_scale(n: int, dtype: np.dtype) -> np.ndarray:
    """1/2 on the columns of the σ blocks i, f, o and 1 on those of the g block.

    Since σ(x) = (1 + tanh(x / 2)) / 2, every gate is  s tanh(s a) + (1 - s)  with this s.
    """
    scale = np.full(4 * n, 0.5, dtype=dtype)
    scale[2 * n : 3 * n] = 1
    return scale


class LSTMGates(Op):
    """y = [σ(a_i), σ(a_f), tanh(a_g), σ(a_o)];   dy/da = y (1 - y) on the σ blocks, 1 - y^2 on the g block

    Both derivatives are written with the output y (σ' = σ (1 - σ), tanh' = 1 - tanh^2),
    which is what backward saves. Forward computes all four blocks with one tanh over the
    whole array, using σ(x) = (1 + tanh(x / 2)) / 2 (see ``_gate_scale``); next to the
    exp-based σ this differs by rounding only (at most about one float32 ulp of 1).
    """

    @staticmethod
    def forward(ctx, a):
        s = _gate_scale(a.shape[-1] // 4, a.dtype)
        y = np.tanh(a * s)
        y *= s
        y += 1 - s
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        # with y = s tanh(s a) + (1 - s) and u = y - (1 - s):  dy/da = s^2 (1 - tanh^2) = s^2 - u^2,
        # which is y (1 - y) where s = 1/2 and 1 - y^2 where s = 1: both blocks in one formula
        (y,) = ctx.saved_values
        s = _gate_scale(y.shape[-1] // 4, y.dtype)
        u = y - (1 - s)
        return (g * (s * s - u * u),)


class LSTMCellUpdate(Op):
    """c = f c_prev + i g,  h = o tanh(c),  from gates [i, f, g, o] and c_prev;
    dc/d(i, f, g, c_prev) = (g, c_prev, i, f),  dh/d(o, c) = (tanh c, o (1 - tanh^2 c))

    So, with dh and dc the gradients arriving at h and c, and t = tanh(c):

        dc_total    = dc + dh o (1 - t^2)        (c reaches the loss directly and through h)
        dL/d gates  = [dc_total g,  dc_total c_prev,  dc_total i,  dh t]      (blocks i, f, g, o)
        dL/d c_prev = dc_total f

    An op with two outputs saves only its inputs (see ``Op``), so backward recomputes c and
    tanh(c) from them: a few elementwise passes over (batch, hidden).
    """

    @staticmethod
    def forward(ctx, gates, c_prev):
        ctx.save_for_backward(gates, c_prev)
        i, f, g, o = _split4(gates)
        c = f * c_prev + i * g
        return o * np.tanh(c), c

    @staticmethod
    def backward(ctx, dh, dc):
        gates, c_prev = ctx.saved_values
        i, f, g, o = _split4(gates)
        t = np.tanh(f * c_prev + i * g)
        dc = dc + dh * o * (1 - t * t)
        d_gates = np.concatenate([dc * g, dc * c_prev, dc * i, dh * t], axis=-1)
        return d_gates, dc * f if ctx.needs_input_grad[1] else None


def lstm_gates(a: Tensor) -> Tensor:
    """[σ(a_i), σ(a_f), tanh(a_g), σ(a_o)] for pre-activations ``a`` of shape (..., 4 hidden)."""
    return LSTMGates.apply(a)


def lstm_cell_update(gates: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM state update from activated ``gates`` (..., 4 hidden) and the cell state ``c``
    (..., hidden): returns ``(h', c')``."""
    return LSTMCellUpdate.apply(gates, c)
