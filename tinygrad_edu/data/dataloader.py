"""``DataLoader``: turn a dataset into an iterator over mini-batches.

The pieces are the same as in ``torch.utils.data``:

* a **sampler** yields dataset indices (in order, or shuffled),
* a **batch sampler** groups them into lists of ``batch_size`` indices,
* the dataset is indexed, and ``collate_fn`` merges the samples into one batch
  (by default :func:`default_collate`: tensors are stacked along a new first dimension).

Example::

    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    for xb, yb in loader:          # xb: (32, ...), yb: (32,)
        ...

Shuffling draws from :func:`tinygrad_edu.random.generator`, so ``tg.manual_seed(n)``
before the loop makes the batch order reproducible.
"""

from __future__ import annotations

import collections.abc
import copy
import numbers
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..random import generator as _global_generator
from ..tensor import Tensor
from .dataset import IterableDataset, Subset, TensorDataset

__all__ = [
    "BatchSampler",
    "DataLoader",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "default_collate",
    "default_convert",
]


# ------------------------------------------------------------------ samplers
def _check_generator(gen: Any, who: str) -> None:
    if gen is not None and not isinstance(gen, np.random.Generator):
        raise TypeError(
            f"{who}: generator must be a numpy Generator (e.g. np.random.default_rng(0)) or None, "
            f"got {type(gen).__name__}"
        )


class Sampler:
    """Yields dataset indices. Subclasses implement ``__iter__`` (and usually ``__len__``)."""

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__}: subclasses of Sampler must implement __iter__")

    def _indices(self) -> np.ndarray:
        """All indices of one pass as an int64 array (the DataLoader's vectorised path uses this)."""
        return np.fromiter(iter(self), dtype=np.int64)


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def _indices(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the indices, drawn anew on every pass.

    Without replacement each pass is a permutation (several concatenated permutations
    when ``num_samples > len(data_source)``, as in PyTorch); with ``replacement=True``
    indices are drawn independently and uniformly.
    """

    def __init__(
        self,
        data_source: Any,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(
                f"RandomSampler: replacement should be a boolean value, but got replacement={replacement}"
            )
        _check_generator(generator, "RandomSampler")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, numbers.Integral) or self.num_samples <= 0:
            raise ValueError(
                "RandomSampler: num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _indices(self) -> np.ndarray:
        n, k = len(self.data_source), self.num_samples
        gen = self.generator if self.generator is not None else _global_generator()
        if self.replacement:
            return gen.integers(0, n, size=k, dtype=np.int64)
        parts = [gen.permutation(n) for _ in range(k // n)]
        parts.append(gen.permutation(n)[: k % n])
        return np.concatenate(parts).astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order, drawn anew on every pass."""

    def __init__(self, indices: Sequence[int], generator: np.random.Generator | None = None) -> None:
        _check_generator(generator, "SubsetRandomSampler")
        self.indices = indices
        self.generator = generator

    def _indices(self) -> np.ndarray:
        gen = self.generator if self.generator is not None else _global_generator()
        return np.asarray(self.indices, dtype=np.int64)[gen.permutation(len(self.indices))]

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices().tolist())

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``; the last one may be
    shorter unless ``drop_last=True``."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                "BatchSampler: batch_size should be a positive integer value, but got "
                f"batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(
                f"BatchSampler: drop_last should be a boolean value, but got drop_last={drop_last}"
            )
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def _index_batches(self) -> Iterator[np.ndarray]:
        """The batches as int64 arrays, cut from one array of indices (no per-index Python work)."""
        if isinstance(self.sampler, Sampler):
            idx = self.sampler._indices()
        else:
            idx = np.fromiter(iter(self.sampler), dtype=np.int64)
        bs = self.batch_size
        stop = len(idx) - len(idx) % bs if self.drop_last else len(idx)
        for start in range(0, stop, bs):
            yield idx[start : start + bs]

    def __iter__(self) -> Iterator[list[int]]:
        return (b.tolist() for b in self._index_batches())

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# ------------------------------------------------------------------ collate
_COLLATE_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_str_or_object(arr: np.ndarray) -> bool:
    return arr.dtype.kind in "SUaO"


def _stack(tensors: Sequence[Tensor]) -> Tensor:
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"default_collate: entry 0 of the batch is a Tensor, so every entry must be one; "
                f"entry {i} is {type(t).__name__}"
            )
    shapes = [t.shape for t in tensors]
    for i, s in enumerate(shapes):
        if s != shapes[0]:
            raise RuntimeError(
                f"default_collate: stack expects each tensor to be equal size, but got {list(shapes[0])} "
                f"at entry 0 and {list(s)} at entry {i}"
            )
    if any(t.requires_grad for t in tensors):
        from ..ops.shape import stack  # differentiable, so gradients reach the dataset's tensors

        return stack(list(tensors), 0)
    return Tensor._make(np.stack([t.data for t in tensors]), False, None)


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, the way ``torch.utils.data.default_collate`` does.

    ===========================  =======================================================
    each sample is               the batch is
    ===========================  =======================================================
    Tensor                       the tensors stacked along a new first dimension
    numpy array                  a Tensor (stacked, dtype kept)
    numpy scalar                 a 1-d Tensor of that dtype
    Python float                 a float64 Tensor (as in PyTorch)
    Python int / bool            an int64 / bool Tensor
    str / bytes                  the samples unchanged
    dict                         a dict with each key collated
    tuple / list                 a list with each position collated (namedtuples stay named)
    ===========================  =======================================================
    """
    if len(batch) == 0:
        raise ValueError("default_collate: got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if isinstance(elem, np.ndarray):
        if _is_str_or_object(elem):
            raise TypeError(_COLLATE_ERR.format(elem.dtype))
        return _stack([Tensor._make(np.asarray(b), False, None) for b in batch])
    if isinstance(elem, np.bool_ | np.number):
        return Tensor._make(np.array(batch), False, None)
    if isinstance(elem, float):
        return Tensor(list(batch), dtype=np.float64)
    if isinstance(elem, int):
        return Tensor(list(batch))  # ints -> int64, bools -> bool, as torch.tensor(batch)
    if isinstance(elem, str | bytes):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        for i, d in enumerate(batch):
            if not isinstance(d, collections.abc.Mapping) or any(k not in d for k in elem):
                raise RuntimeError(
                    f"default_collate: entry {i} of the batch does not have the keys of entry 0 "
                    f"({list(elem)}); got "
                    f"{list(d) if isinstance(d, collections.abc.Mapping) else type(d).__name__}"
                )
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)  # keeps the mapping's type (OrderedDict, ...) and key order
                clone.update(collated)
                return clone
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        transposed = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return transposed  # a list, as PyTorch does
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, v in enumerate(transposed):
                    clone[i] = v
                return clone
            return type(elem)(transposed)
        except TypeError:
            return transposed
    raise TypeError(_COLLATE_ERR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Turn numpy arrays (also inside dicts/lists/tuples) into Tensors; leave everything else.

    This is the ``collate_fn`` of a ``DataLoader`` with ``batch_size=None`` (no batching).
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if _is_str_or_object(data) else Tensor._make(data, False, None)
    if isinstance(data, np.bool_ | np.number):
        return Tensor._make(np.asarray(data), False, None)
    if isinstance(data, str | bytes):
        return data
    if isinstance(data, collections.abc.Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(converted)
                return clone
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        converted = [default_convert(d) for d in data]
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    return data


# ------------------------------------------------------------------ DataLoader
def _tensor_source(dataset: Any) -> tuple[tuple[Tensor, ...], np.ndarray | None] | None:
    """``(tensors, index_map)`` if ``dataset`` is a TensorDataset, possibly inside Subsets.

    Sample ``i`` is then ``tuple(t[index_map[i]] for t in tensors)`` (``index_map=None``
    means the identity). Subclasses that override ``__getitem__`` return their own samples,
    so they are not recognised.
    """
    index_map = None
    while isinstance(dataset, Subset) and (
        type(dataset).__getitem__ is Subset.__getitem__ and type(dataset).__getitems__ is Subset.__getitems__
    ):
        idx = np.asarray(dataset.indices, dtype=np.int64)
        index_map = idx if index_map is None else idx[index_map]
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset) and type(dataset).__getitem__ is TensorDataset.__getitem__:
        return dataset.tensors, index_map
    return None


def _take(t: Tensor, idx: np.ndarray) -> Tensor:
    if t.requires_grad:
        return t[idx]  # the differentiable indexing op, as torch.stack of samples would be
    return Tensor._make(t.data[idx], False, None)


class DataLoader:
    """Iterate over ``dataset`` in mini-batches (PyTorch's signature and defaults).

    Args:
        dataset: a map-style :class:`Dataset` (``__getitem__`` + ``__len__``) or an
            :class:`IterableDataset`.
        batch_size: samples per batch; ``None`` turns batching off (each sample is yielded
            after :func:`default_convert`).
        shuffle: reshuffle the indices on every pass (uses ``generator``, by default the
            global one that ``tg.manual_seed`` resets).
        sampler / batch_sampler: custom index order / custom batches (mutually exclusive
            with ``shuffle``, and ``batch_sampler`` with ``batch_size``/``drop_last``).
        num_workers: accepted for compatibility; loading always runs in this process.
        collate_fn: merges a list of samples into a batch (default :func:`default_collate`).
        drop_last: drop the last, incomplete batch.
        pin_memory, timeout, worker_init_fn, multiprocessing_context, prefetch_factor,
        persistent_workers, pin_memory_device, in_order: accepted for compatibility; there
        are no workers and no devices, so they have no effect.

    ``len(loader)`` is the number of batches. When the dataset is a :class:`TensorDataset`
    (or a :class:`Subset` of one) and ``collate_fn`` is not given, a batch is made by
    indexing each tensor once with the batch's indices, the same result as stacking the
    samples but without a Python loop over them.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Iterable[int] | None = None,
        batch_sampler: Iterable[Sequence[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: np.random.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise ValueError(
                f"DataLoader: num_workers option should be a non-negative integer, got {num_workers!r}; "
                "use num_workers=0 (loading always runs in this process here)"
            )
        if timeout < 0:
            raise ValueError("DataLoader: timeout option should be non-negative")
        _check_generator(generator, "DataLoader")
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, "
                        f"but got {name}={value!r}"
                    )
        elif not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(
                f"DataLoader: dataset must have __getitem__ and __len__ (a map-style Dataset) or be an "
                f"IterableDataset, got {type(dataset).__name__}"
            )
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually exclusive "
                "with drop_last"
            )
        elif batch_size is not None and (
            not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size <= 0
        ):
            raise ValueError(
                f"DataLoader: batch_size should be a positive integer value or None, but got {batch_size!r}"
            )

        if not self._iterable:
            if sampler is None and shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            elif sampler is None:
                sampler = SequentialSampler(dataset)
            if batch_size is not None and batch_sampler is None:
                batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = bool(drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.generator = generator
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.pin_memory_device = pin_memory_device
        self.in_order = in_order
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        self._custom_collate = collate_fn is not None
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        if self._iterable:
            try:
                n = len(self.dataset)
            except (TypeError, NotImplementedError):
                raise TypeError(
                    f"DataLoader: the IterableDataset {type(self.dataset).__name__} has no __len__, so the "
                    "number of batches is unknown"
                ) from None
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            return self._iter_iterable()
        if not self._auto_collation:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        source = None if self._custom_collate else _tensor_source(self.dataset)
        if source is not None:
            return self._iter_tensors(*source)
        return self._iter_samples()

    def _index_batches(self) -> Iterator[np.ndarray]:
        if isinstance(self.batch_sampler, BatchSampler):
            return self.batch_sampler._index_batches()
        return (np.asarray(list(b), dtype=np.int64) for b in self.batch_sampler)

    def _iter_tensors(
        self, tensors: tuple[Tensor, ...], index_map: np.ndarray | None
    ) -> Iterator[list[Tensor]]:
        n = len(self.dataset)
        for idx in self._index_batches():
            if idx.size and (idx.min() < -n or idx.max() >= n):
                bad = idx[(idx < -n) | (idx >= n)][0]
                raise IndexError(f"DataLoader: index {bad} is out of range for a dataset of {n} samples")
            if index_map is not None:
                idx = index_map[idx]
            yield [_take(t, idx) for t in tensors]

    def _iter_samples(self) -> Iterator[Any]:
        fetch_many = getattr(self.dataset, "__getitems__", None)
        for batch in self.batch_sampler:
            batch = list(batch)
            samples = fetch_many(batch) if callable(fetch_many) else [self.dataset[i] for i in batch]
            yield self.collate_fn(samples)

    def _iter_iterable(self) -> Iterator[Any]:
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch: list[Any] = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

