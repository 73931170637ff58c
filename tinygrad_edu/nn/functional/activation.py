"""Activation functions (the function forms behind ``nn.ReLU``, ``nn.GELU``, ...).

Each one is composed from differentiable ops, so its gradient and second derivative
come from the engine. Where the textbook formula overflows or loses precision, the
comment says how the composition avoids it.

``inplace=`` arguments are accepted so that PyTorch code runs unchanged, and ignored:
a new tensor is always returned. (Overwriting a tensor that the graph saved would break
``backward``; use the returned value, ``x = F.relu(x, inplace=True)``, as PyTorch code
normally does.)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ... import dtypes
from ...ops import elementwise as E
from ...ops.softmax import LogSoftmax
from ...ops.softmax import log_softmax as _log_softmax
from ...ops.softmax import softmax as _softmax
from ...ops.special import erf, expm1
from ...tensor import Tensor

__all__ = [
    "elu",
    "gelu",
    "hardtanh",
    "leaky_relu",
    "log_softmax",
    "logsigmoid",
    "relu",
    "relu6",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
]


def _tensor(x: Any, fn: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: expected a Tensor as input, got {type(x).__name__}")
    return x


def _number(v: Any, fn: str, what: str) -> None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise TypeError(f"{fn}: {what} must be a number, got {v!r} of type {type(v).__name__}")


def _no_bool(x: Tensor, fn: str) -> Tensor:
    if x.data.dtype.kind == "b":  # clipping a bool makes no sense; PyTorch refuses too
        raise RuntimeError(f"{fn}: bool inputs are not supported (got a bool tensor of shape {x.shape})")
    return x


def _float(x: Any, fn: str) -> Tensor:
    x = _tensor(x, fn)
    return x if x.data.dtype.kind == "f" else E.cast(x, dtypes.get_default_dtype())


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002 - torch's name
    """max(x, 0); its gradient at x = 0 is 0, as in PyTorch."""
    if type(input) is Tensor and input.data.dtype.kind == "f":
        return E.Relu.apply(input)  # the usual case, without the checks below
    return E.relu(_tensor(input, "relu"))


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False  # noqa: A002
) -> Tensor:
    """x clipped to [min_val, max_val]. Unlike ``clamp``, the gradient is 0 *on* the
    boundaries as well as outside them (PyTorch's rule for hardtanh/relu6)."""
    x = _no_bool(_tensor(input, "hardtanh"), "hardtanh")
    _number(min_val, "hardtanh", "min_val")
    _number(max_val, "hardtanh", "max_val")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    # On and outside the boundaries the output is a constant: the clamp of a detached x.
    return E.where((x > min_val) & (x < max_val), x, E.clamp(x.detach(), min_val, max_val))


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(x, 0), 6): hardtanh(x, 0, 6)."""
    return hardtanh(_no_bool(_tensor(input, "relu6"), "relu6"), 0.0, 6.0)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """x for x > 0, negative_slope * x otherwise (so the gradient at 0 is negative_slope)."""
    x = _float(input, "leaky_relu")
    _number(negative_slope, "leaky_relu", "negative_slope")
    return E.where(x > 0, x, x * negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    x = _float(input, "elu")
    _number(alpha, "elu", "alpha")
    # exp is taken of min(x, 0) only: exp(large x) would overflow to inf in the branch that
    # `where` discards, and its zero gradient times inf would still make NaN.
    neg = expm1(E.clamp(x, max=0.0))
    return E.where(x > 0, x, neg * alpha if alpha != 1 else neg)


_SQRT1_2 = 1.0 / math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x * Phi(x) with Phi the standard normal CDF (Hendrycks & Gimpel, 2016).

    ``approximate='none'``: x/2 * (1 + erf(x / sqrt(2))), exactly.
    ``approximate='tanh'``: x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either none or tanh, got {approximate!r}")
    x = _float(input, "gelu")
    if approximate == "tanh":
        inner = (x + 0.044715 * (x * x * x)) * _SQRT_2_OVER_PI
        return 0.5 * x * (1.0 + E.tanh(inner))
    return 0.5 * x * (1.0 + erf(x * _SQRT1_2))


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x * sigmoid(x) (also called swish)."""
    x = _float(input, "silu")
    return x * E.sigmoid(x)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-x)), without overflow for large |x|."""
    return E.sigmoid(_tensor(input, "sigmoid"))


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return E.tanh(_tensor(input, "tanh"))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, and just x where beta x > threshold (as PyTorch).

    Above the threshold log(1 + exp(z)) equals z to within float precision. The exp is
    taken of min(beta x, threshold) so that it never overflows, not even in the branch that
    ``where`` discards (whose zero gradient times inf would be NaN). Far below zero,
    exp(z) underflows to 0 and log1p(0) = 0, which is the correct limit.
    """
    x = _float(input, "softplus")
    _number(beta, "softplus", "beta")
    _number(threshold, "softplus", "threshold")
    z = x if beta == 1 else x * beta
    soft = E.log1p(E.exp(E.clamp(z, max=threshold)))
    if beta != 1:
        soft = soft / beta
    return E.where(z > threshold, x, soft)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -softplus(-_float(input, "logsigmoid"))


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """PyTorch's deprecated implicit ``dim``: 0 for 0-, 1- and 3-D inputs, else 1."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (computed without overflow)."""
    x = _tensor(input, "softmax")
    if dim is None:
        dim = _softmax_dim("softmax", x.ndim, _stacklevel)
    return _softmax(x, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    """log(softmax(x)) along ``dim``, computed as x - logsumexp(x) (no log of 0)."""
    if type(input) is Tensor and type(dim) is int and dtype is None and input.data.dtype.kind == "f":
        ndim = input.data.ndim
        if ndim and -ndim <= dim < ndim:  # the usual case, without the checks below
            return LogSoftmax.apply(input, axis=dim % ndim)
    x = _tensor(input, "log_softmax")
    if dim is None:
        dim = _softmax_dim("log_softmax", x.ndim, _stacklevel)
    return _log_softmax(x, dim, dtype)
