"""Datasets: what a :class:`~tinygrad_edu.data.DataLoader` draws samples from.

As in ``torch.utils.data``, a map-style dataset is anything with ``__getitem__(i)`` and
``__len__()``; an iterable-style dataset only has ``__iter__``. The classes here are
the building blocks::

    ds = TensorDataset(X, y)                      # sample i is (X[i], y[i])
    train, val = random_split(ds, [0.8, 0.2])     # two Subsets, disjoint, random
    both = train + val                            # a ConcatDataset
"""

from __future__ import annotations

import bisect
import math
import numbers
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..random import generator as _global_generator
from ..tensor import Tensor

__all__ = [
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]


class Dataset:
    """A map from an index to a sample. Subclasses implement ``__getitem__`` and ``__len__``.

    Example::

        class Squares(Dataset):
            def __len__(self):
                return 10
            def __getitem__(self, i):
                return tg.tensor([float(i)]), i * i
    """

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}: subclasses of Dataset must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__}: subclasses of Dataset must implement __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses implement ``__iter__`` (and may implement ``__len__``).

    ``DataLoader`` batches the samples in the order the iterator yields them, so
    ``shuffle`` and ``sampler`` are not available for it (as in PyTorch).
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(
            f"{type(self).__name__}: subclasses of IterableDataset must implement __iter__"
        )

    def __add__(self, other: Dataset) -> ConcatDataset:
        raise TypeError("IterableDataset does not support concatenation with +")


class TensorDataset(Dataset):
    """Sample ``i`` is ``tuple(t[i] for t in tensors)``; all tensors share their first dimension.

    ``DataLoader`` recognises a ``TensorDataset`` (also inside ``Subset``\\ s) and builds a
    batch by indexing each whole tensor once instead of stacking samples one by one.
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"TensorDataset: argument {i} is a {type(t).__name__}, expected a Tensor "
                    "(wrap numpy arrays with tg.from_numpy(...) or tg.tensor(...))"
                )
            if t.ndim == 0:
                raise ValueError(
                    f"TensorDataset: argument {i} is a 0-d tensor; every tensor needs a first dimension"
                )
        n = tensors[0].shape[0]
        if any(t.shape[0] != n for t in tensors):
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: the first dimension (the number of "
                f"samples) must be the same for all of them, got shapes {shapes}"
            )
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``Subset(ds, [4, 0, 2])[1] is ds[0]``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        # Used by DataLoader to fetch a whole batch; passes batching on to the parent if it can.
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another: index ``len(a)`` of ``ConcatDataset([a, b])`` is ``b[0]``."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(
                    f"ConcatDataset: absolute value of index {idx} should not exceed the length {n}"
                )
            idx += n
        if idx >= n:
            raise IndexError(f"ConcatDataset: index {idx} is out of range for length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


def random_split(
    dataset: Dataset, lengths: Sequence[int | float], generator: np.random.Generator | None = None
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random :class:`Subset`\\ s of the given lengths.

    ``lengths`` are either sample counts summing to ``len(dataset)``, or fractions summing to 1.
    Fractions follow PyTorch's rule: each split gets ``floor(frac * len(dataset))`` samples,
    then the leftover samples are handed out one at a time, round-robin from the first split.
    The permutation comes from ``generator`` (a numpy ``Generator``), by default the global
    one, so ``tg.manual_seed(n)`` makes the split reproducible.

    Example::

        train, val = random_split(ds, [0.8, 0.2])
    """
    lengths = list(lengths)
    n = len(dataset)
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1 (got {frac})")
            counts.append(math.floor(n * frac))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(
                    f"random_split: length of split at index {i} is 0; this split is empty", stacklevel=2
                )
        lengths = counts
    for i, length in enumerate(lengths):
        if not isinstance(length, numbers.Integral) or isinstance(length, bool) or length < 0:
            raise ValueError(
                f"random_split: lengths must be non-negative integers or fractions summing to 1, "
                f"got {lengths[i]!r} at index {i}"
            )
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length of the "
            f"input dataset ({n})"
        )
    if generator is None:
        generator = _global_generator()
    elif not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"random_split: generator must be a numpy Generator (e.g. np.random.default_rng(0)) or None, "
            f"got {type(generator).__name__}"
        )
    perm = generator.permutation(n).tolist()
    splits, offset = [], 0
    for length in lengths:
        splits.append(Subset(dataset, perm[offset : offset + length]))
        offset += length
    return splits
