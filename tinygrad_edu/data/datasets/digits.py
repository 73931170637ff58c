"""The 8x8 handwritten digits of UCI / scikit-learn: a real image data set that needs no download."""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor

__all__ = ["load_digits"]


def load_digits(n_class: int = 10) -> tuple[Tensor, Tensor]:
    """The 1797 8x8 grey-scale digit images that ship with scikit-learn (offline).

    Returns ``X`` float32 of shape ``(n, 64)`` (each row a flattened image, pixel counts
    0..16 divided by 16, so in ``[0, 1]``) and ``y`` int64 of shape ``(n,)`` with the digit.
    ``n_class`` keeps only the digits ``0 .. n_class - 1`` (``n = 1797`` for all ten).
    Reshape ``X`` to ``(n, 1, 8, 8)`` for a convolutional network.

    Needs scikit-learn: ``pip install 'tinygrad-edu[datasets]'``.
    """
    try:
        from sklearn.datasets import load_digits as _sklearn_load_digits
    except ImportError as e:
        raise ImportError(
            "load_digits needs scikit-learn, which ships the digits data: "
            "pip install 'tinygrad-edu[datasets]' (or pip install scikit-learn)"
        ) from e
    if isinstance(n_class, bool) or not isinstance(n_class, int) or not 1 <= n_class <= 10:
        raise ValueError(f"load_digits: n_class must be an integer between 1 and 10, got {n_class!r}")
    X, y = _sklearn_load_digits(n_class=n_class, return_X_y=True)
    X = (np.asarray(X, dtype=np.float64) / 16.0).astype(np.float32)
    return Tensor._make(X, False, None), Tensor._make(np.asarray(y, dtype=np.int64), False, None)
