"""Small synthetic data sets for first experiments: spirals, moons and linear regression.

Each function returns ``(X, y)`` Tensors: ``X`` is float32; ``y`` is int64 class labels
for classification, float32 targets for regression. Randomness comes from ``seed``
when it is given (an int or a numpy ``Generator``), otherwise from the global generator,
so ``tg.manual_seed(n)`` makes them reproducible.
"""

from __future__ import annotations

import numpy as np

from ...random import generator as _global_generator
from ...tensor import Tensor

__all__ = ["make_moons", "make_regression", "make_spiral"]


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if seed is None:
        return _global_generator()
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _check_count(n: int, name: str, who: str, minimum: int = 1) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < minimum:
        raise ValueError(f"{who}: {name} must be an integer >= {minimum}, got {n!r}")


def _as_tensors(X: np.ndarray, y: np.ndarray) -> tuple[Tensor, Tensor]:
    return Tensor._make(np.ascontiguousarray(X, dtype=np.float32), False, None), Tensor._make(y, False, None)


def make_spiral(
    n_samples: int = 300,
    n_classes: int = 3,
    noise: float = 0.2,
    *,
    seed: int | np.random.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """The spiral data set of Stanford's CS231n: ``n_classes`` interleaved 2-D spiral arms.

    Class ``k`` gets ``n_samples // n_classes`` points (the first ``n_samples % n_classes``
    classes one more). Along an arm the radius grows linearly from 0 to 1 while the angle
    runs over ``[4k, 4(k+1)]`` radians plus Gaussian noise of standard deviation ``noise``:
    ``x = (r sin t, r cos t)``. Points are ordered by class (shuffle with a ``DataLoader``).
    A linear classifier cannot separate the arms; a small MLP can.

    Returns ``X`` float32 ``(n_samples, 2)`` and ``y`` int64 ``(n_samples,)``.
    """
    _check_count(n_samples, "n_samples", "make_spiral")
    _check_count(n_classes, "n_classes", "make_spiral")
    if noise < 0:
        raise ValueError(f"make_spiral: noise must be >= 0, got {noise}")
    rng = _rng(seed)
    counts = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    xs, ys = [], []
    for k, n in enumerate(counts):
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), n) + rng.standard_normal(n) * noise
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(n, k, dtype=np.int64))
    return _as_tensors(np.concatenate(xs), np.concatenate(ys))


def make_moons(
    n_samples: int = 100,
    *,
    shuffle: bool = True,
    noise: float | None = 0.0,
    seed: int | np.random.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """Two interleaving half circles (scikit-learn's ``make_moons`` formula).

    Class 0 (``n_samples // 2`` points) lies on the upper half of the unit circle, class 1
    on the lower half circle centred at ``(1, 0.5)``; then the points are shuffled
    (``shuffle=True``) and Gaussian noise of standard deviation ``noise`` is added.

    Returns ``X`` float32 ``(n_samples, 2)`` and ``y`` int64 ``(n_samples,)``.
    """
    _check_count(n_samples, "n_samples", "make_moons")
    noise = 0.0 if noise is None else noise
    if noise < 0:
        raise ValueError(f"make_moons: noise must be >= 0, got {noise}")
    rng = _rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.concatenate(
        [
            np.stack([np.cos(outer), np.sin(outer)], axis=1),
            np.stack([1 - np.cos(inner), 1 - np.sin(inner) - 0.5], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    if shuffle:
        perm = rng.permutation(n_samples)
        X, y = X[perm], y[perm]
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    return _as_tensors(X, y)


def make_regression(
    n_samples: int = 100,
    n_features: int = 100,
    *,
    n_informative: int = 10,
    n_targets: int = 1,
    bias: float = 0.0,
    noise: float = 0.0,
    shuffle: bool = True,
    coef: bool = False,
    seed: int | np.random.Generator | None = None,
) -> tuple[Tensor, Tensor] | tuple[Tensor, Tensor, Tensor]:
    """A random linear regression problem (scikit-learn's ``make_regression``, without
    the low-rank option).

    ``X ~ N(0, 1)`` of shape ``(n_samples, n_features)``; only ``n_informative`` features
    have non-zero weights, drawn from ``U(0, 100)``; ``y = X @ w + bias + noise * N(0, 1)``.
    With ``shuffle=True`` the samples and the features are permuted (so the informative
    features are not always the first ones). ``y`` has shape ``(n_samples,)`` when
    ``n_targets == 1``, else ``(n_samples, n_targets)``.

    Returns ``(X, y)``, or ``(X, y, w)`` with ``coef=True`` (``w`` the true weights, shape
    ``(n_features,)`` or ``(n_features, n_targets)``); all float32.
    """
    _check_count(n_samples, "n_samples", "make_regression")
    _check_count(n_features, "n_features", "make_regression")
    _check_count(n_targets, "n_targets", "make_regression")
    _check_count(n_informative, "n_informative", "make_regression", minimum=0)
    if noise < 0:
        raise ValueError(f"make_regression: noise must be >= 0, got {noise}")
    rng = _rng(seed)
    n_informative = min(n_informative, n_features)
    X = rng.standard_normal((n_samples, n_features))
    w = np.zeros((n_features, n_targets))
    w[:n_informative] = 100.0 * rng.uniform(size=(n_informative, n_targets))
    y = X @ w + bias
    if noise > 0:
        y = y + rng.normal(scale=noise, size=y.shape)
    if shuffle:
        rows = rng.permutation(n_samples)
        X, y = X[rows], y[rows]
        cols = rng.permutation(n_features)
        X, w = X[:, cols], w[cols]
    if n_targets == 1:
        y, w = y[:, 0], w[:, 0]
    Xt = Tensor._make(np.ascontiguousarray(X, dtype=np.float32), False, None)
    yt = Tensor._make(np.ascontiguousarray(y, dtype=np.float32), False, None)
    if coef:
        return Xt, yt, Tensor._make(np.ascontiguousarray(w, dtype=np.float32), False, None)
    return Xt, yt
