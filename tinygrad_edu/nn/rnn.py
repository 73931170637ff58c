"""Recurrent layers, as in ``torch.nn``: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells.

A recurrent layer reads a sequence x_1 ... x_T and carries a hidden state h from step to
step. With PyTorch's equations (sigma is the logistic sigmoid, * is elementwise)::

    RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)      (or relu)

    LSTM  i = sigma(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)         input gate
          f = sigma(W_if x_t + b_if + W_hf h_{t-1} + b_hf)         forget gate
          g = tanh (W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)         candidate cell
          o = sigma(W_io x_t + b_io + W_ho h_{t-1} + b_ho)         output gate
          c_t = f * c_{t-1} + i * g
          h_t = o * tanh(c_t)

    GRU   r = sigma(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)         reset gate
          z = sigma(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)         update gate
          n = tanh (W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn))   candidate
          h_t = (1 - z) * n + z * h_{t-1}

The gate matrices are stacked row-wise in one parameter, in the order above: an LSTM's
``weight_ih_l0`` has shape (4 * hidden_size, input_size) = [W_ii; W_if; W_ig; W_io].

Everything is built from differentiable ops (matmul, sigmoid, tanh, chunk, stack; for the
LSTM, two fused ops for its gates and state update, ``tinygrad_edu/ops/rnn.py``), so
backpropagation through time is just the engine walking back along the unrolled loop.
Two things keep it fast. The input part ``W_ih x_t + b_ih`` does not depend on the
previous step, so it is computed for all time steps with one matrix product per layer
and direction; only the ``W_hh h_{t-1}`` part has to wait for the previous step. And that
product is cut into time steps by ``unbind``, whose backward stacks the T step
gradients once instead of adding T zero-padded full-size gradients.

Example::

    lstm = nn.LSTM(input_size=10, hidden_size=20, num_layers=2, batch_first=True)
    x = tg.randn(3, 5, 10)                       # (batch, seq, features)
    output, (h_n, c_n) = lstm(x)                 # (3, 5, 20), (2, 3, 20), (2, 3, 20)
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..ops import cat, stack, unbind
from ..ops.linalg import Linear
from ..ops.rnn import lstm_cell_update, lstm_gates
from ..random import generator
from ..tensor import Tensor
from . import init
from .functional.linear import linear
from .module import Module
from .parameter import Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


# ------------------------------------------------------------------ one time step
# Each step function receives ``gi``, the input part of the pre-activations for this step
# (x_t @ W_ih^T + b_ih, shape (batch, gates * hidden)), the previous state, and
# ``hidden``, the function h -> h @ W_hh^T + b_hh (b_hh left out when it was folded into
# ``gi`` or the layer has no bias).


def _hidden_part(w_hh: Tensor, b_hh: Tensor | None, reused: bool = False) -> Callable[[Tensor], Tensor]:
    """h -> h @ W_hh^T + b_hh, as one Linear op.

    ``reused``: W_hh is applied at every step of a sequence, so a row-major copy of W_hh^T
    is made once and every step's product reads it (a plain, not transposed, matrix
    product: measurably faster for small batches; see ``ops.linalg.Linear``).
    """
    w_t = np.ascontiguousarray(w_hh.data.T) if reused else None
    return lambda h: Linear.apply(h, w_hh, b_hh, w_t=w_t)


def _rnn_tanh_step(gi: Tensor, h: Tensor, hidden: Callable[[Tensor], Tensor]) -> Tensor:
    return (gi + hidden(h)).tanh()


def _rnn_relu_step(gi: Tensor, h: Tensor, hidden: Callable[[Tensor], Tensor]) -> Tensor:
    return (gi + hidden(h)).relu()


def _lstm_step(
    gi: Tensor, state: tuple[Tensor, Tensor], hidden: Callable[[Tensor], Tensor]
) -> tuple[Tensor, Tensor]:
    # i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of the four blocks of the pre-activations;
    # c = f * c + i * g;  h = o * tanh(c): two fused ops (see tinygrad_edu/ops/rnn.py)
    h, c = state
    gates = lstm_gates(gi + hidden(h))
    return lstm_cell_update(gates, c)


def _gru_step(gi: Tensor, h: Tensor, hidden: Callable[[Tensor], Tensor]) -> Tensor:
    # b_hh cannot be folded into gi here: b_hn is multiplied by the reset gate
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = hidden(h).chunk(3, 1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return (1 - z) * n + z * h


def _check_features(name: str, input: Tensor, ndims: tuple, layout: str, dtype: Any, size: int) -> None:  # noqa: A002
    """The input checks layers and cells share: a Tensor of ``ndims`` dims, the weights'
    dtype, and ``size`` features in the last dim."""
    _check_tensor(name, "input", input)
    if input.ndim not in ndims:
        raise ValueError(
            f"{name}: expected input to be {layout}, got {input.ndim}-D input of shape {input.shape}"
        )
    _check_dtype(name, "input", input, dtype)
    if input.shape[-1] != size:
        raise RuntimeError(
            f"{name}: expected input with last dimension {size} (input_size), got shape {input.shape}"
        )


def _time_steps(x: Tensor) -> list[Tensor]:
    # one multi-output op (ops.shape.Unbind): indexing x[t] for every t would cost O(T^2)
    # in backward, each slice sending back a zero-filled gradient of x's full size
    return list(unbind(x, 0))


# (gates per hidden unit, step function, does b_hh simply add to b_ih?)
_MODES: dict[str, tuple[int, Callable, bool]] = {
    "RNN_TANH": (1, _rnn_tanh_step, True),
    "RNN_RELU": (1, _rnn_relu_step, True),
    "LSTM": (4, _lstm_step, True),
    "GRU": (3, _gru_step, False),
}


# ------------------------------------------------------------------ argument checks
def _check_size(name: str, value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name}: {what} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name}: {what} must be greater than zero, got {value}")
    return int(value)


def _param_dtype(name: str, dtype: Any) -> np.dtype:
    dt = get_default_dtype() if dtype is None else np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{name}: parameters must have a floating point dtype, got {dt}")
    return dt


def _check_dtype(name: str, what: str, t: Tensor, dt: np.dtype) -> None:
    if t.dtype != dt:
        raise ValueError(
            f"{name}: {what} dtype ({t.dtype}) does not match weight dtype ({dt}). Convert the "
            f"{what}: x.to(tg.{dt}), or convert the model: model.to(tg.{t.dtype})"
        )


def _check_tensor(name: str, what: str, t: Any) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(t).__name__}")


def _dropout(x: Tensor, p: float) -> Tensor:
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p)."""
    if p >= 1.0:
        return x * Tensor._make(np.zeros(x.shape, dtype=x.dtype), False, None)
    keep = generator().random(x.shape) >= p
    return x * Tensor._make((keep / (1.0 - p)).astype(x.dtype), False, None)


# ------------------------------------------------------------------ multi-layer layers
class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: parameters, checks, the layer/time loops.

    ``mode`` is ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``, as in PyTorch.
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if mode not in _MODES:
            raise ValueError(f"RNNBase: unrecognized RNN mode {mode!r} (expected one of {list(_MODES)})")
        name = type(self).__name__
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
            raise ValueError(
                f"{name}: dropout should be a number in range [0, 1] representing the probability "
                f"of an element being zeroed, got {dropout!r}"
            )
        for what, flag in (("bias", bias), ("batch_first", batch_first), ("bidirectional", bidirectional)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name}: {what} should be of type bool, got: {type(flag).__name__}")
        input_size = _check_size(name, input_size, "input_size")
        hidden_size = _check_size(name, hidden_size, "hidden_size")
        num_layers = _check_size(name, num_layers, "num_layers")
        if proj_size < 0:
            raise ValueError(f"{name}: proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size")
        if proj_size > 0:
            raise NotImplementedError(f"{name}: proj_size > 0 (LSTM with projections) is not supported")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=3,
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size

        gate_size = _MODES[mode][0] * hidden_size
        dt = _param_dtype(name, dtype)
        num_directions = 2 if bidirectional else 1
        # torch registers per layer, per direction: weight_ih, weight_hh, bias_ih, bias_hh;
        # this order is the order of parameters() and of the state dict
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else hidden_size * num_directions
            for direction in range(num_directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = {
                    f"weight_ih_l{layer}{suffix}": (gate_size, layer_input_size),
                    f"weight_hh_l{layer}{suffix}": (gate_size, hidden_size),
                }
                if bias:
                    shapes[f"bias_ih_l{layer}{suffix}"] = (gate_size,)
                    shapes[f"bias_hh_l{layer}{suffix}"] = (gate_size,)
                for pname, shape in shapes.items():
                    setattr(self, pname, Parameter(np.empty(shape, dtype=dt)))
                self._all_weights.append(list(shapes))
        self._flat_weights_names = [n for names in self._all_weights for n in names]
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """Does nothing: cuDNN's weight layout does not exist here (kept so ported code runs)."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction: ``[[w_ih, w_hh, b_ih, b_hh], ...]``."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -------------------------------------------------------------- forward
    def _check_input(self, input: Tensor) -> tuple[Tensor, bool]:  # noqa: A002
        """Validate ``input``; return it as (seq, batch, features) and whether it was batched."""
        name = type(self).__name__
        dims = "batch, seq" if self.batch_first else "seq, batch"
        layout = f"2-D (seq, input_size) or 3-D ({dims}, input_size)"
        _check_features(name, input, (2, 3), layout, self.weight_ih_l0.dtype, self.input_size)
        batched = input.ndim == 3
        x = input
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        if x.shape[0] == 0:
            raise RuntimeError(
                f"{name}: expected a sequence length larger than 0, got input of shape {input.shape}"
            )
        return x, batched

    def _check_state(self, what: str, s: Any, batch: int, batched: bool, size: int) -> Tensor:
        """Validate an initial state (h_0 or c_0); return it as (layers * directions, batch, size)."""
        name = type(self).__name__
        _check_tensor(name, what, s)
        layers = self.num_layers * (2 if self.bidirectional else 1)
        expected = (layers, batch, size) if batched else (layers, size)
        if s.shape != expected:
            form = "num_layers * num_directions, " + ("batch, " if batched else "") + "hidden_size"
            raise RuntimeError(
                f"{name}: expected {what} of shape {expected} ({form}) for input of "
                f"{'3' if batched else '2'}-D shape, got shape {s.shape}"
            )
        _check_dtype(name, what, s, self.weight_ih_l0.dtype)
        return s if batched else s.unsqueeze(1)

    def _initial_state(self, hx: Any, batch: int, batched: bool, dt: np.dtype) -> Any:
        """Per layer and direction, the starting state: h (RNN, GRU) or (h, c) (LSTM)."""
        shape = (self.num_layers * (2 if self.bidirectional else 1), batch, self.hidden_size)
        if hx is None:
            h0 = Tensor._make(np.zeros(shape, dtype=dt), False, None)
            return [(h0[k], h0[k]) if self.mode == "LSTM" else h0[k] for k in range(shape[0])]
        if self.mode == "LSTM":
            if not isinstance(hx, tuple | list) or len(hx) != 2:
                raise TypeError(
                    f"LSTM: the initial state must be a tuple (h_0, c_0), got {type(hx).__name__}"
                )
            h0 = self._check_state("h_0", hx[0], batch, batched, self.hidden_size)
            c0 = self._check_state("c_0", hx[1], batch, batched, self.hidden_size)
            return [(h0[k], c0[k]) for k in range(shape[0])]
        h0 = self._check_state("h_0", hx, batch, batched, self.hidden_size)
        return [h0[k] for k in range(shape[0])]

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:  # noqa: A002
        """Run the whole sequence; return ``(output, h_n)``, or ``(output, (h_n, c_n))`` for LSTM.

        ``output`` holds the last layer's h_t for every t (both directions concatenated):
        (seq, batch, D * hidden_size), or (batch, seq, ...) if ``batch_first``, or
        (seq, D * hidden_size) for an unbatched (seq, input_size) input. ``h_n`` holds every
        layer's final state: (num_layers * D, batch, hidden_size), index ``layer * D + direction``.
        """
        x, batched = self._check_input(input)
        seq_len, batch = x.shape[0], x.shape[1]
        states = self._initial_state(hx, batch, batched, x.dtype)
        _, step, fold_bias = _MODES[self.mode]
        num_directions = 2 if self.bidirectional else 1
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                k = layer * num_directions + direction
                w_ih, w_hh, *biases = self.all_weights[k]
                b_ih, b_hh = biases if biases else (None, None)
                # the input part of every time step at once: one (seq * batch, in) @ (in, gates) product
                b_in = None if b_ih is None else (b_ih + b_hh if fold_bias else b_ih)
                gi = linear(x.reshape(seq_len * batch, x.shape[2]), w_ih, b_in)
                gi_t = _time_steps(gi.reshape(seq_len, batch, gi.shape[1]))
                hidden = _hidden_part(w_hh, None if fold_bias else b_hh, reused=True)
                state = states[k]
                hs: list[Tensor] = [None] * seq_len  # type: ignore[list-item]
                # the reverse direction reads the sequence backwards; its output at t is
                # the state after reading x_T ... x_t
                for t in range(seq_len - 1, -1, -1) if direction == 1 else range(seq_len):
                    state = step(gi_t[t], state, hidden)
                    hs[t] = state[0] if self.mode == "LSTM" else state
                outputs.append(stack(hs))
                finals.append(state)
            x = outputs[0] if num_directions == 1 else cat(outputs, 2)
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout)
        output = x
        if self.mode == "LSTM":
            h_n = stack([s[0] for s in finals])
            c_n = stack([s[1] for s in finals])
        else:
            h_n, c_n = stack(finals), None
        if not batched:
            output = output.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        elif self.batch_first:
            output = output.transpose(0, 1)
        return (output, (h_n, c_n)) if self.mode == "LSTM" else (output, h_n)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu), stacked in layers.

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``; ``forward(input, h_0=None)``
    returns ``(output, h_n)``. ``dropout`` acts between layers, in training mode only.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
            bias, batch_first, dropout, bidirectional, device=device, dtype=dtype,
        )
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o; see the module docstring), stacked in layers.

    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0)``; ``forward(input, (h_0, c_0)=None)`` returns
    ``(output, (h_n, c_n))``. ``proj_size > 0`` is not supported.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
            proj_size, device=device, dtype=dtype,
        )


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z and candidate n; see the module docstring), in layers.

    ``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False)``; ``forward(input, h_0=None)`` returns ``(output, h_n)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
            device=device, dtype=dtype,
        )


# ------------------------------------------------------------------ cells (one time step)
class RNNCellBase(Module):
    """What the cells share: ``weight_ih`` (gates * hidden, input), ``weight_hh``, biases."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
        device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if not isinstance(bias, bool):
            raise TypeError(f"{name}: bias should be of type bool, got: {type(bias).__name__}")
        self.input_size = _check_size(name, input_size, "input_size")
        self.hidden_size = _check_size(name, hidden_size, "hidden_size")
        self.bias = bias
        dt = _param_dtype(name, dtype)
        gates = num_chunks * self.hidden_size
        self.weight_ih = Parameter(np.empty((gates, self.input_size), dtype=dt))
        self.weight_hh = Parameter(np.empty((gates, self.hidden_size), dtype=dt))
        if bias:
            self.bias_ih = Parameter(np.empty((gates,), dtype=dt))
            self.bias_hh = Parameter(np.empty((gates,), dtype=dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _check_input(self, input: Tensor) -> tuple[Tensor, bool]:  # noqa: A002
        name = type(self).__name__
        layout = "1-D (input_size) or 2-D (batch, input_size)"
        _check_features(name, input, (1, 2), layout, self.weight_ih.dtype, self.input_size)
        batched = input.ndim == 2
        return (input if batched else input.unsqueeze(0)), batched

    def _check_state(self, what: str, s: Any, batch: int, batched: bool) -> Tensor:
        name = type(self).__name__
        _check_tensor(name, what, s)
        expected = (batch, self.hidden_size) if batched else (self.hidden_size,)
        if s.shape != expected:
            form = "(batch, hidden_size)" if batched else "(hidden_size,)"
            raise RuntimeError(
                f"{name}: expected {what} of shape {expected} {form} for input of "
                f"{'2' if batched else '1'}-D shape, got shape {s.shape}"
            )
        _check_dtype(name, what, s, self.weight_ih.dtype)
        return s if batched else s.unsqueeze(0)

    def _input_part(self, x: Tensor) -> Tensor:
        return linear(x, self.weight_ih, self.bias_ih)


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu).

    ``forward(input, hx=None)``: input (batch, input_size) or (input_size,), hx of the
    matching (batch, hidden_size) / (hidden_size,) shape (zeros if None); returns h'.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
        device: Any = None, dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, batched = self._check_input(input)
        if hx is None:
            h = Tensor._make(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype), False, None)
        else:
            h = self._check_state("hx", hx, x.shape[0], batched)
        step = _rnn_tanh_step if self.nonlinearity == "tanh" else _rnn_relu_step
        h = step(self._input_part(x), h, _hidden_part(self.weight_hh, self.bias_hh))
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One step of an LSTM (gates i, f, g, o): returns ``(h', c')``.

    ``forward(input, hx=None)`` with ``hx = (h, c)``, each (batch, hidden_size) or
    (hidden_size,) to match the input; zeros if None.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        x, batched = self._check_input(input)
        if hx is None:
            zeros = Tensor._make(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype), False, None)
            state = (zeros, zeros)
        else:
            if not isinstance(hx, tuple | list) or len(hx) != 2:
                raise TypeError(f"LSTMCell: hx must be a tuple (h, c), got {type(hx).__name__}")
            state = (
                self._check_state("hx[0]", hx[0], x.shape[0], batched),
                self._check_state("hx[1]", hx[1], x.shape[0], batched),
            )
        h, c = _lstm_step(self._input_part(x), state, _hidden_part(self.weight_hh, self.bias_hh))
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One step of a GRU (gates r, z, candidate n): returns h'.

    ``forward(input, hx=None)``: shapes as for ``RNNCell``.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, batched = self._check_input(input)
        if hx is None:
            h = Tensor._make(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype), False, None)
        else:
            h = self._check_state("hx", hx, x.shape[0], batched)
        h = _gru_step(self._input_part(x), h, _hidden_part(self.weight_hh, self.bias_hh))
        return h if batched else h.squeeze(0)
