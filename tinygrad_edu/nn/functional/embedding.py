"""Embedding lookup and one-hot encoding.

An embedding is a table ``weight`` of shape (num_embeddings, embedding_dim); looking up
integer ids is plain indexing, ``weight[ids]``, with output shape ``ids.shape + (embedding_dim,)``.
It equals ``one_hot(ids) @ weight`` without building the one-hot matrix. Its gradient
scatters each output row's gradient back into the row it came from, summing over repeated
ids (the backward of indexing already does that).
"""

from __future__ import annotations

import numpy as np

from ...autograd.grad_mode import no_grad
from ...ops.elementwise import where
from ...ops.index import getitem
from ...tensor import Tensor

__all__ = ["embedding", "one_hot"]


def normalize_padding_idx(name: str, padding_idx: int | None, num_embeddings: int) -> int | None:
    """A negative ``padding_idx`` counts from the end, as in PyTorch."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(
            f"{name}: padding_idx must be within num_embeddings, got padding_idx={padding_idx} "
            f"for {num_embeddings} embeddings"
        )
    return padding_idx % num_embeddings


def _check_indices(name: str, input: Tensor, num_embeddings: int) -> np.ndarray:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected the indices as an integer Tensor, got {type(input).__name__}")
    idx = input.data
    if idx.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: expected an integer (int64 or int32) tensor of indices, got dtype {idx.dtype} "
            "(convert with .long())"
        )
    if idx.size and (idx.min() < 0 or idx.max() >= num_embeddings):
        bad = idx[(idx < 0) | (idx >= num_embeddings)].flat[0]
        raise IndexError(
            f"{name}: index {bad} is out of range for a table of {num_embeddings} embeddings "
            f"(valid indices are 0..{num_embeddings - 1})"
        )
    return idx


def _renorm_(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Scale the looked-up rows whose norm exceeds ``max_norm`` down to it, in place
    (PyTorch's ``embedding_renorm_``; the 1e-7 keeps the division safe)."""
    rows = np.unique(idx)
    with no_grad():
        w = weight.data
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
        big = norms > max_norm
        if big.any():
            scale = max_norm / (norms[big] + 1e-7)
            w[rows[big]] *= scale[:, None].astype(w.dtype)
            weight._vc[0] += 1


def lookup(
    name: str,
    input: Tensor,  # noqa: A002
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
) -> Tensor:
    """The body of ``F.embedding`` and ``nn.Embedding``; errors are reported as ``name``."""
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise RuntimeError(
            f"{name}: weight must be a 2-D Tensor (num_embeddings, embedding_dim), got "
            f"{getattr(weight, 'shape', type(weight).__name__)}"
        )
    num = weight.shape[0]
    idx = _check_indices(name, input, num)
    padding_idx = normalize_padding_idx(name, padding_idx, num)
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    out = getitem(weight, idx)
    if not out.requires_grad:
        return out
    if scale_grad_by_freq:
        # Each row's gradient is divided by how often its id occurs in this batch.
        # x.detach() + (x - x.detach()) * s has the value of x exactly and gradient s.
        ids, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
        s = (1.0 / counts[inverse.reshape(idx.shape)]).astype(out.dtype)[..., None]
        const = out.detach()
        out = const + (out - const) * Tensor._make(s, False, None)
    if padding_idx is not None:
        # The padding row is looked up like any other, but receives no gradient.
        pad = (idx == padding_idx)[..., None]
        out = where(pad, out.detach(), out)
    return out


def embedding(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """``weight[input]``: rows of ``weight`` for integer ids of any shape.

    ``padding_idx``: that row gets no gradient. ``max_norm``: looked-up rows with a larger
    ``norm_type``-norm are rescaled in place to ``max_norm`` first. ``scale_grad_by_freq``:
    gradients are divided by each id's count in the batch. ``sparse`` is accepted and
    ignored: the gradient is always a dense tensor (the same values).
    """
    return lookup("embedding", input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor of shape ``tensor.shape + (num_classes,)`` with a 1 at each class index.

    ``num_classes=-1`` uses ``tensor.max() + 1``.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot: expected a Tensor, got {type(tensor).__name__}")
    idx = tensor.data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(
            f"one_hot: is only applicable to index tensors of an integer type (int64), got dtype {idx.dtype}"
        )
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("one_hot: Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    elif num_classes < 0:
        raise RuntimeError(f"one_hot: num_classes should be -1 or a non-negative int, got {num_classes}")
    if idx.size:
        if idx.min() < 0:
            raise RuntimeError(f"one_hot: Class values must be non-negative, got {int(idx.min())}.")
        if idx.max() >= num_classes:
            raise RuntimeError(
                f"one_hot: Class values must be smaller than num_classes ({num_classes}), "
                f"got {int(idx.max())}."
            )
    out = idx[..., None] == np.arange(num_classes)
    return Tensor._make(out.astype(np.int64), False, None)
