"""Gradient clipping and flattening parameters (``torch.nn.utils``).

Clipping guards training against rare huge gradients (exploding gradients in RNNs, a bad
batch): call it between ``loss.backward()`` and ``optimizer.step()``::

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()

``clip_grad_norm_`` rescales all gradients together, so their direction is kept;
``clip_grad_value_`` clamps each entry separately.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..ops.shape import cat
from ..tensor import Tensor

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
]


def _as_list(tensors: Tensor | Iterable[Tensor], fn: str) -> list[Tensor]:
    items = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    for t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}: expected Tensors (e.g. model.parameters()), got {type(t).__name__}")
    return items


def _grads(parameters: Tensor | Iterable[Tensor], fn: str) -> list[Tensor]:
    return [p.grad for p in _as_list(parameters, fn) if p.grad is not None]


def _norm(a: np.ndarray, norm_type: float) -> np.ndarray:
    """The ``norm_type``-norm of all entries of ``a``, as a 0-d array of a's dtype."""
    a = np.abs(a.reshape(-1))
    if norm_type == math.inf:
        out = a.max() if a.size else np.zeros((), a.dtype)
    elif norm_type == 2:
        out = np.sqrt(np.dot(a, a))
    elif norm_type == 1:
        out = a.sum()
    elif norm_type == 0:  # the number of non-zero entries, as torch.linalg.vector_norm
        out = np.count_nonzero(a)
    else:
        out = np.sum(a**norm_type) ** (1.0 / norm_type)
    return np.asarray(out, dtype=a.dtype)


def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together, as if concatenated into one vector.

    Computed as the norm of the per-tensor norms (which is the same number).
    """
    try:
        norm_type = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(
            f"get_total_norm: norm_type must be a number (or 'inf'), got {norm_type!r}"
        ) from None
    arrays = [t.data for t in _as_list(tensors, "get_total_norm")]
    if not arrays:
        return Tensor(0.0)
    norms = np.stack([_norm(a, norm_type) for a in arrays])
    total = _norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
            "anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._make(total, False, None)


def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm: Tensor, foreach: Any = None
) -> None:
    """Multiply every gradient in place by min(1, max_norm / (total_norm + 1e-6))."""
    grads = _grads(parameters, "clip_grads_with_norm_")
    if not grads:
        return
    total = total_norm.data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    # The 1e-6 avoids dividing by zero; the coefficient is applied even when it is 1,
    # exactly as PyTorch does (so a non-finite norm turns the gradients into NaN / 0).
    coef = np.minimum(float(max_norm) / (total + 1e-6), 1.0)
    for g in grads:
        g.data *= coef.astype(g.data.dtype)
        g._vc[0] += 1


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Tensor:
    """Rescale the gradients so that their total ``norm_type``-norm is at most ``max_norm``.

    The total norm is that of all gradients concatenated into one vector; if it exceeds
    ``max_norm`` every gradient is multiplied by max_norm / (total_norm + 1e-6). Returns the
    total norm measured *before* clipping (useful to log). ``norm_type`` may be ``inf``
    (largest absolute entry). With ``error_if_nonfinite=True`` a NaN/inf norm raises.
    """
    params = _as_list(parameters, "clip_grad_norm_")  # a generator can be walked only once
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: Any = None) -> None:
    """Clamp every gradient entry in place to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for g in _grads(parameters, "clip_grad_value_"):
        np.clip(g.data, -clip_value, clip_value, out=g.data)
        g._vc[0] += 1


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    params = _as_list(parameters, "parameters_to_vector")
    if not params:
        raise RuntimeError("parameters_to_vector: expected a non-empty list of tensors")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy slices of the 1-D ``vec`` into the parameters, in order (inverse of the above).

    As in PyTorch each parameter's ``.data`` becomes a view of ``vec``, so later in-place
    changes of ``vec`` show in the parameters.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise RuntimeError(f"vector_to_parameters: expected a 1-D vector, got shape {vec.shape}")
    params = _as_list(parameters, "vector_to_parameters")
    needed = sum(p.data.size for p in params)
    if vec.shape[0] < needed:
        raise RuntimeError(
            f"vector_to_parameters: vec has {vec.shape[0]} elements, but the parameters need {needed}"
        )
    start = 0
    for p in params:
        n = p.data.size
        p.data = vec.data[start : start + n].reshape(p.shape)
        start += n
