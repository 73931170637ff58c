"""Feeding data to a model, as ``torch.utils.data`` does.

    from tinygrad_edu.data import DataLoader, TensorDataset, random_split
    from tinygrad_edu.data.datasets import load_digits

    X, y = load_digits()
    train, val = random_split(TensorDataset(X, y), [0.8, 0.2])
    for xb, yb in DataLoader(train, batch_size=64, shuffle=True):
        ...
"""

from . import datasets
from .dataloader import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    default_collate,
    default_convert,
)
from .dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "datasets",
    "default_collate",
    "default_convert",
    "random_split",
]
