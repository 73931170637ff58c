"""``F.linear``: the affine map behind ``nn.Linear``.

    y = x W^T + b        x: (*, in_features),  W: (out_features, in_features),  b: (out_features,)

Any number of leading dimensions is allowed: the product is a batched matmul, and the
engine sums the gradient of W and b over all of them.
"""

from __future__ import annotations

import numpy as np

from ...ops.linalg import Linear, matmul
from ...tensor import Tensor

__all__ = ["linear"]


def check_linear_input(name: str, input: Tensor, weight: Tensor) -> None:  # noqa: A002
    """Raise a clear error (naming ``name``) if ``input`` cannot go through ``weight``.

    Every nn.Linear call runs it, so it reads the arrays directly (no property calls).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected input to be a Tensor, got {type(input).__name__}")
    if not isinstance(weight, Tensor):
        raise TypeError(f"{name}: expected weight to be a Tensor, got {type(weight).__name__}")
    x, w = input.data, weight.data
    if w.ndim not in (1, 2):
        raise RuntimeError(f"{name}: weight must be 1-D or 2-D, got shape {w.shape}")
    in_features = w.shape[-1]
    if x.ndim == 0 or x.shape[-1] != in_features:
        raise RuntimeError(
            f"{name}: expected input with last dimension {in_features} (in_features), "
            f"got shape {x.shape}"
        )
    if x.dtype != w.dtype:
        # PyTorch refuses to mix dtypes here; silently promoting would hide a float64
        # dataset running through a float32 model (twice as slow, different numerics).
        raise RuntimeError(
            f"{name}: input dtype {input.dtype} differs from weight dtype {weight.dtype}; "
            f"convert the input (x.to({weight.dtype})) or the model (model.to({input.dtype}))"
        )


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """input @ weight.T + bias, for input of shape (*, in_features)."""
    return checked_linear("linear", input, weight, bias)


def checked_linear(name: str, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:  # noqa: A002
    """``linear`` whose input errors name ``name`` (``nn.Linear`` says "Linear")."""
    check_linear_input(name, input, weight)
    w = weight.data
    if w.ndim == 2 and (bias is None or (
        isinstance(bias, Tensor) and bias.data.shape == w.shape[:1] and bias.data.dtype == w.dtype
    )):
        return Linear.apply(input, weight, bias)  # the usual case, as one op (see ops.linalg.Linear)
    if bias is not None:
        _check_bias(bias, input, weight)
    out = matmul(input, weight.T if weight.ndim == 2 else weight)
    if bias is not None:
        out = out + bias
    return out


def _check_bias(bias: object, input: Tensor, weight: Tensor) -> None:  # noqa: A002
    """The bias is added to the output, of shape (*, out_features): it must broadcast to that
    shape without enlarging it, and have the weight's dtype."""
    if not isinstance(bias, Tensor):
        raise TypeError(f"linear: expected bias to be a Tensor or None, got {type(bias).__name__}")
    out = input.shape[:-1] + weight.shape[:1] if weight.ndim == 2 else input.shape[:-1]
    try:
        fits = np.broadcast_shapes(bias.shape, out) == out
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"linear: bias of shape {bias.shape} does not broadcast to the output shape {out}")
    if bias.dtype != weight.dtype:
        raise RuntimeError(f"linear: bias dtype {bias.dtype} differs from weight dtype {weight.dtype}")
