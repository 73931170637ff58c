"""Dropout layers: random zeroing in training mode, the identity in eval mode.

Remember ``model.eval()`` before evaluating: it switches every Dropout in the model off.
"""

from __future__ import annotations

from ..tensor import Tensor
from .functional.dropout import check_p, dropout, dropout1d, dropout2d
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        check_p(p, type(self).__name__)
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` during training, scaling the rest by 1/(1-p).

    ``inplace`` is accepted and ignored (a new tensor is returned).
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - torch's name
        return dropout(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) inputs with probability ``p`` during training."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout1d(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) inputs with probability ``p`` during training."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return dropout2d(input, self.p, self.training)
