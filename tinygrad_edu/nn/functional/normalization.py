"""Batch and layer normalization, as ``torch.nn.functional``.

Both standardise x over some axes and then apply a learned per-feature affine map:

    y = (x - mean) / sqrt(var + eps) * weight + bias

with the *biased* variance (divide by the count n). ``batch_norm`` takes the statistics
per channel (dim 1) over the batch and every spatial position; ``layer_norm`` takes them
per sample over the trailing ``normalized_shape`` dims.

They are composed from differentiable ops (mean, subtraction, rsqrt...), so the
gradient, including how every output depends on the batch statistics, and the second
derivative come from the chain rule.

In training, ``batch_norm`` also updates running estimates in place (PyTorch's rule):

    running_mean = (1 - momentum) * running_mean + momentum * mean
    running_var  = (1 - momentum) * running_var  + momentum * var * n / (n - 1)

The running variance uses the *unbiased* estimate, while the batch is normalised with
the biased one. In evaluation mode the running estimates replace the batch statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd.grad_mode import no_grad
from ...ops.elementwise import rsqrt
from ...tensor import Tensor

__all__ = ["batch_norm", "layer_norm"]


def _need_tensor(x: Any, name: str, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    return x


def normalized_shape_tuple(normalized_shape: Any, op: str) -> tuple[int, ...]:
    """``normalized_shape`` (an int or a sequence of ints) as a tuple, checked."""
    if isinstance(normalized_shape, int | np.integer):
        normalized_shape = (normalized_shape,)
    if not isinstance(normalized_shape, tuple | list) or not all(
        isinstance(n, int | np.integer) and not isinstance(n, bool) for n in normalized_shape
    ):
        raise TypeError(f"{op}: normalized_shape must be an int or a tuple of ints, got {normalized_shape!r}")
    if any(n < 0 for n in normalized_shape):
        raise RuntimeError(f"{op}: normalized_shape must not be negative, got {tuple(normalized_shape)}")
    return tuple(int(n) for n in normalized_shape)


def _float_input(x: Any, op: str) -> Tensor:
    x = _need_tensor(x, "input", op)
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype} (convert with .float())")
    return x


def _update_running(stat: Tensor, batch_value: np.ndarray, momentum: float) -> None:
    """stat <- (1 - momentum) * stat + momentum * batch_value, in place (buffers keep their identity)."""
    with no_grad():
        stat.data[...] = (1 - momentum) * stat.data + momentum * batch_value.astype(stat.dtype, copy=False)
        stat._vc[0] += 1


def _batch_norm(op: str, input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
                weight: Tensor | None, bias: Tensor | None, training: bool, momentum: float,
                eps: float) -> Tensor:
    x = _float_input(input, op)
    if x.ndim < 2:
        raise ValueError(
            f"{op}: expected an input with at least 2 dims (N, C, ...), got shape {tuple(x.shape)}"
        )
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and _need_tensor(t, name, op).shape != (c,):
            raise RuntimeError(
                f"{op}: {name} should have shape ({c},), one value per channel (dim 1 of the input "
                f"of shape {tuple(x.shape)}), but got shape {tuple(t.shape)}"
            )
    axes = (0,) + tuple(range(2, x.ndim))  # every axis but the channel axis
    shape = (1, c) + (1,) * (x.ndim - 2)  # a per-channel vector, broadcastable against x
    if training:
        n = x.numel() // c if c else 0
        if n == 1:
            raise ValueError(
                f"{op}: expected more than 1 value per channel when training, got input of shape "
                f"{tuple(x.shape)}"
            )
        if eps <= 0:
            raise ValueError(f"{op}: eps must be positive during training, but got {eps}")
        mean = x.mean(axes, keepdim=True)
        centered = x - mean
        var = (centered * centered).mean(axes, keepdim=True)  # biased: what the batch is normalised with
        if running_mean is not None:
            _update_running(running_mean, mean.data.reshape(c), momentum)
        if running_var is not None:
            _update_running(running_var, var.data.reshape(c) * (n / (n - 1)), momentum)
        y = centered * rsqrt(var + eps)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                f"{op}: running_mean and running_var must be given in evaluation mode (training=False)"
            )
        if eps < 0:
            raise ValueError(f"{op}: eps must be non-negative, but got {eps}")
        y = (x - running_mean.reshape(shape)) * rsqrt(running_var.reshape(shape) + eps)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) of (N, C, ...) input.

    ``training=True``: with the batch's mean and biased variance, updating ``running_mean``
    / ``running_var`` in place if given. ``training=False``: with the running estimates.
    """
    return _batch_norm("batch_norm", input, running_mean, running_var, weight, bias, training, momentum, eps)


def _layer_norm(op: str, input: Tensor, normalized_shape: Any, weight: Tensor | None,  # noqa: A002
                bias: Tensor | None, eps: float) -> Tensor:
    x = _float_input(input, op)
    ns = normalized_shape_tuple(normalized_shape, op)
    k = len(ns)
    if k == 0 or k > x.ndim or tuple(x.shape[-k:]) != ns:
        dims = ", ".join(str(n) for n in ns)
        raise RuntimeError(
            f"{op}: given normalized_shape={list(ns)}, expected input with shape [*, {dims}], but got "
            f"input of shape {tuple(x.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and _need_tensor(t, name, op).shape != ns:
            raise RuntimeError(
                f"{op}: expected {name} of shape {ns} (normalized_shape), got shape {tuple(t.shape)}"
            )
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = x.mean(axes, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(axes, keepdim=True)
    y = centered * rsqrt(var + eps)
    if weight is not None:  # (normalized_shape) broadcasts against the trailing dims
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims of each sample."""
    return _layer_norm("layer_norm", input, normalized_shape, weight, bias, eps)
