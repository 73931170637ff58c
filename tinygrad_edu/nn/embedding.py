"""``nn.Embedding``: a learnable lookup table from integer ids to vectors.

    emb = nn.Embedding(10000, 64)        # a 64-d vector per word id
    vecs = emb(ids)                      # ids: int64 (batch, seq) -> (batch, seq, 64)

The table starts as N(0, 1) samples, as in PyTorch; the ``padding_idx`` row starts at
zero and never receives a gradient, so it stays a neutral "no token" vector.
"""

from __future__ import annotations

from typing import Any

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from . import init
from .functional.embedding import lookup, normalize_padding_idx
from .linear import check_size, new_parameter
from .module import Module
from .parameter import Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """A table ``weight`` of shape (num_embeddings, embedding_dim); ``forward(ids)`` is ``weight[ids]``.

    ``max_norm``: rows looked up are first rescaled in place to at most that norm.
    ``scale_grad_by_freq``: gradients are divided by each id's count in the batch.
    ``sparse`` is accepted and ignored (the gradient is dense, with the same values), and
    so is ``device``.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = check_size(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = check_size(embedding_dim, "embedding_dim", "Embedding")
        self.padding_idx = normalize_padding_idx("Embedding", padding_idx, self.num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            self.weight = new_parameter(shape, dtype, "Embedding")
            self.weight.requires_grad_(not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != shape:
                raise ValueError(
                    f"Embedding: shape of _weight {tuple(_weight.shape)} does not match "
                    f"(num_embeddings, embedding_dim) = {shape}"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight.data[self.padding_idx] = 0
                self.weight._vc[0] += 1

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - torch's name
        return lookup(
            "Embedding", input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
            self.scale_grad_by_freq,
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += ", scale_grad_by_freq=True"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose table is ``embeddings`` (shared, not copied); frozen by default."""
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise ValueError(
                "Embedding.from_pretrained: embeddings parameter is expected to be a 2-dimensional "
                f"Tensor, got {getattr(embeddings, 'shape', type(embeddings).__name__)}"
            )
        rows, cols = embeddings.shape
        return cls(
            rows, cols, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=embeddings, _freeze=freeze,
        )
