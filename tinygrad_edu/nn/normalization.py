"""Normalization layers, as in PyTorch: ``BatchNorm1d``, ``BatchNorm2d``, ``LayerNorm``.

BatchNorm normalises each channel with the statistics of the current batch while
training, and keeps running estimates of them (buffers ``running_mean``,
``running_var``, ``num_batches_tracked``) that replace the batch statistics in
``eval()`` mode. ``momentum=None`` makes the running estimates plain cumulative averages
over all batches seen. LayerNorm normalises each sample over its last dims and behaves
the same in training and evaluation.

Example::

    bn = nn.BatchNorm2d(16)
    y = bn(x)            # training: batch statistics, running estimates updated
    bn.eval()
    y = bn(x)            # evaluation: running estimates
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..tensor import Tensor
from . import init
from .functional.normalization import _batch_norm, _layer_norm, normalized_shape_tuple
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]


def _empty(shape: Any, dtype: Any) -> Tensor:
    return Tensor(np.empty(shape, dtype=dtypes.as_dtype(dtype) or dtypes.get_default_dtype()))


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; subclasses only check the input's dims."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(_empty(num_features, dtype))
            if bias:
                self.bias = Parameter(_empty(num_features, dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _empty(num_features, dtype))
            self.register_buffer("running_var", _empty(num_features, dtype))
            self.register_buffer("num_batches_tracked", Tensor(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked.data[...] = 0
            self.num_batches_tracked._vc[0] += 1

    def reset_parameters(self) -> None:
        """Running mean 0, running variance 1, weight 1, bias 0 (the identity map at start)."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor, got {type(input).__name__}")
        self._check_input_dim(input)
        if input.shape[1] != self.num_features:
            raise RuntimeError(
                f"{name}: expected input with {self.num_features} channels (num_features) in dim 1, "
                f"got input of shape {tuple(input.shape)}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.data += 1  # a 0-d array: updated in place
            self.num_batches_tracked._vc[0] += 1
            if self.momentum is None:  # cumulative average: batch k gets weight 1/k
                factor = 1.0 / float(self.num_batches_tracked.data)
        # batch statistics while training, and in eval too when there are no running estimates
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        # running estimates are updated only when tracked and training
        pass_stats = not self.training or self.track_running_stats
        return _batch_norm(
            name, input,
            self.running_mean if pass_stats else None,
            self.running_var if pass_stats else None,
            self.weight, self.bias, use_batch, factor, self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) input, per channel C.

    ``BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)``
    """

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.ndim not in (2, 3):
            raise ValueError(
                f"BatchNorm1d: expected 2D or 3D input (got {input.ndim}D input of shape "
                f"{tuple(input.shape)})"
            )


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) input, per channel C (statistics over N, H, W).

    ``BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)``
    """

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.ndim != 4:
            raise ValueError(
                f"BatchNorm2d: expected 4D input (got {input.ndim}D input of shape {tuple(input.shape)})"
            )


class LayerNorm(Module):
    """Normalise each sample over its last dims, ``normalized_shape`` (an int or a tuple),
    with a learned elementwise ``weight`` (ones) and ``bias`` (zeros) of that shape."""

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = normalized_shape_tuple(normalized_shape, "LayerNorm")
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_empty(self.normalized_shape, dtype))
            if bias:
                self.bias = Parameter(_empty(self.normalized_shape, dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return _layer_norm("LayerNorm", input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )
