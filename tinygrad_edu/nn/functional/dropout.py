"""Dropout (Srivastava et al., 2014), in its "inverted" form as in PyTorch.

In training, every element is zeroed with probability p and the survivors are scaled by
1 / (1 - p), so the expected value of each output equals its input and nothing needs
rescaling at test time: in eval mode (``training=False``) dropout is the identity.

    y = x * m / (1 - p),   m ~ Bernoulli(1 - p)         dy/dx = m / (1 - p)

``dropout1d`` / ``dropout2d`` drop whole channels (one mask value per (sample, channel)),
which suits convolutional features whose neighbouring values are strongly correlated.
The masks come from ``tinygrad_edu.random.generator()``, so ``tg.manual_seed`` fixes them.
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np

from ...random import generator
from ...tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d"]


def check_p(p: float, name: str) -> None:
    if isinstance(p, bool) or not isinstance(p, Real):
        raise TypeError(f"{name}: dropout probability must be a number, got {type(p).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")


def _apply_mask(x: Tensor, p: float, mask_shape: tuple[int, ...]) -> Tensor:
    keep = generator().random(mask_shape) >= p  # True with probability 1 - p
    dtype = x.dtype if x.data.dtype.kind == "f" else np.dtype(np.float64)
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)  # p = 1 drops everything, as in PyTorch
    mask = keep.astype(dtype) * dtype.type(scale)
    return x * Tensor._make(mask, False, None)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (if ``training``).

    ``inplace`` is accepted and ignored (a new tensor is returned).
    """
    check_p(p, "dropout")
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout: expected a Tensor as input, got {type(input).__name__}")
    if not training or p == 0:
        return input
    return _apply_mask(input, p, input.shape)


def _channel_dropout(x: Tensor, p: float) -> Tensor:
    """One mask value per (N, C) pair, broadcast over the remaining (spatial) dims."""
    return _apply_mask(x, p, x.shape[:2] + (1,) * (x.ndim - 2))


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels of an (N, C, L) or (C, L) input with probability ``p``."""
    check_p(p, "dropout1d")
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout1d: expected a Tensor as input, got {type(input).__name__}")
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input of shape "
            f"{input.shape}. dropout1d drops channels of (N, C, L) or (C, L) inputs."
        )
    if not training or p == 0:
        return input
    if input.ndim == 2:  # (C, L): one value per channel
        return _apply_mask(input, p, (input.shape[0], 1))
    return _channel_dropout(input, p)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels of an (N, C, H, W) input with probability ``p``.

    As in PyTorch, a 3-D input is taken as (N, C, L) (with a warning), not as an unbatched
    (C, H, W) image.
    """
    check_p(p, "dropout2d")
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout2d: expected a Tensor as input, got {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(
            f"dropout2d: feature dropout requires at least 2 dimensions in the input, got shape {input.shape}"
        )
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead.",
            UserWarning,
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel "
            "dim. To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d "
            "instead.",
            UserWarning,
            stacklevel=2,
        )
    if not training or p == 0:
        return input
    return _channel_dropout(input, p)
