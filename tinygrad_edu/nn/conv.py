"""Convolution layers ``nn.Conv1d`` and ``nn.Conv2d``, as in PyTorch.

A layer holds ``weight`` of shape (out_channels, in_channels / groups, *kernel_size) and
``bias`` of shape (out_channels,), initialised as PyTorch does: weight from
``kaiming_uniform_(a=sqrt(5))``, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
fan_in = in_channels / groups * prod(kernel_size), and bias from the same interval.
The computation is ``nn.functional.conv2d`` / ``conv1d``.

Example::

    conv = nn.Conv2d(1, 8, kernel_size=3, padding=1)
    y = conv(tg.randn(16, 1, 28, 28))      # (16, 8, 28, 28)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes
from ..ops.shape import pad
from ..tensor import Tensor
from . import init
from .functional.conv import _check_conv, _conv, _ntuple
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What Conv1d and Conv2d share: arguments, parameters, init, repr."""

    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        for what, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
                raise ValueError(f"{name}: {what} must be a non-negative int, got {v!r}")
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups != 0:
            raise ValueError(f"{name}: in_channels must be divisible by groups ({in_channels}, {groups})")
        if out_channels % groups != 0:
            raise ValueError(f"{name}: out_channels must be divisible by groups ({out_channels}, {groups})")
        kernel_size = _ntuple(kernel_size, nd, "kernel_size", name)
        stride = _ntuple(stride, nd, "stride", name)
        dilation = _ntuple(dilation, nd, "dilation", name)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"{name}: invalid padding string {padding!r}, should be one of 'valid', 'same'"
                )
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, nd, "padding", name)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"{name}: padding_mode must be one of {set(_PADDING_MODES)}, "
                f"but got padding_mode={padding_mode!r}"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = False
        self.output_padding = (0,) * nd
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's argument for the non-zero padding modes: last dim first, (before, after) each
        pad_pairs = []
        for k, d, p in zip(kernel_size, dilation, padding if not isinstance(padding, str) else kernel_size):
            if padding == "same":
                total = d * (k - 1)
                pad_pairs.append((total // 2, total - total // 2))
            elif padding == "valid":
                pad_pairs.append((0, 0))
            else:
                pad_pairs.append((p, p))
        self._reversed_padding_repeated_twice = [v for pair in reversed(pad_pairs) for v in pair]
        dt = dtypes.as_dtype(dtype) or dtypes.get_default_dtype()
        shape = (out_channels, in_channels // groups, *kernel_size)
        self.weight = Parameter(Tensor(np.empty(shape, dtype=dt)))
        if bias:
            self.bias = Parameter(Tensor(np.empty(out_channels, dtype=dt)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's init: weight ~ kaiming_uniform_(a=sqrt(5)), bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        name = type(self).__name__
        if self.padding_mode != "zeros":
            # check first, so that errors show the caller's shape rather than the padded one
            _check_conv(name, self._nd, input, self.weight, self.bias, self.groups)
            padded = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return _conv(name, self._nd, padded, self.weight, self.bias, self.stride, 0, self.dilation,
                         self.groups)
        return _conv(name, self._nd, input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                     self.groups)

    def extra_repr(self) -> str:
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W) input.

    ``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
    groups=1, bias=True, padding_mode='zeros')``; ``padding`` may be an int, a pair,
    ``'valid'`` or ``'same'``; ``padding_mode`` is ``zeros``, ``reflect``, ``replicate`` or
    ``circular``. Output (N, C_out, H_out, W_out) with
    H_out = floor((H + 2 padding - dilation (kernel - 1) - 1) / stride) + 1.
    """

    _nd = 2


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) or (C_in, L) input; same arguments as Conv2d."""

    _nd = 1
