"""Dataset, TensorDataset, Subset, ConcatDataset and random_split."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.data import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i


def test_dataset_base_class_methods_are_abstract():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())
    with pytest.raises(NotImplementedError, match="__iter__"):
        iter(IterableDataset())


def test_tensor_dataset_sample_is_tuple_of_rows():
    X = tg.tensor(np.arange(12.0).reshape(4, 3))
    y = tg.tensor([10, 11, 12, 13])
    ds = TensorDataset(X, y)
    assert len(ds) == 4
    x2, y2 = ds[2]
    np.testing.assert_array_equal(x2.numpy(), [6.0, 7.0, 8.0])
    assert y2.item() == 12 and y2.dtype == np.int64
    assert ds.tensors[0] is X


def test_tensor_dataset_size_mismatch_names_the_shapes():
    with pytest.raises(ValueError, match=r"size mismatch.*\(4, 3\).*\(5,\)"):
        TensorDataset(tg.zeros(4, 3), tg.zeros(5))


def test_tensor_dataset_rejects_non_tensors_and_0d_and_empty():
    with pytest.raises(TypeError, match="argument 1 is a ndarray"):
        TensorDataset(tg.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(tg.tensor(1.0))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


def test_subset_maps_indices_in_given_order():
    base = Squares(10)
    sub = Subset(base, [7, 2, 5])
    assert len(sub) == 3
    assert [sub[i] for i in range(3)] == [49, 4, 25]
    assert sub[-1] == 25
    assert sub.__getitems__([2, 0]) == [25, 49]


def test_subset_of_tensor_dataset_list_index_fetches_rows():
    X = tg.tensor(np.arange(10.0))
    sub = Subset(TensorDataset(X), [9, 3, 4])
    (rows,) = sub[[0, 2]]
    np.testing.assert_array_equal(rows.numpy(), [9.0, 4.0])


def test_concat_dataset_and_plus_operator():
    a, b = Squares(3), Squares(2)
    both = a + b
    assert isinstance(both, ConcatDataset)
    assert len(both) == 5
    assert [both[i] for i in range(5)] == [0, 1, 4, 0, 1]
    assert both[-1] == 1 and both[-5] == 0
    with pytest.raises(IndexError):
        both[5]
    with pytest.raises(ValueError):
        both[-6]
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])


def torch_split_lengths(n, fracs):
    """PyTorch's rule, written out independently: floor, then round-robin the remainder."""
    counts = [math.floor(n * f) for f in fracs]
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


@given(
    n=st.integers(0, 60),
    weights=st.lists(st.integers(1, 10), min_size=1, max_size=5),
)
def test_random_split_fractions_partition_the_dataset(n, weights):
    fracs = [w / sum(weights) for w in weights]
    if sum(fracs) > 1:  # rounding pushed the sum above 1: PyTorch then reads them as counts
        with pytest.raises(ValueError):
            random_split(Squares(n), fracs)
        return
    tg.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty splits warn
        parts = random_split(Squares(n), fracs)
    assert [len(p) for p in parts] == torch_split_lengths(n, fracs)
    all_indices = sorted(i for p in parts for i in p.indices)
    assert all_indices == list(range(n))


def test_random_split_fraction_lengths_match_pytorch_examples():
    # the documented rounding: floor each, then +1 round-robin from the first split
    assert [len(p) for p in random_split(Squares(10), [0.33, 0.33, 0.34])] == [4, 3, 3]
    assert [len(p) for p in random_split(Squares(11), [0.5, 0.5])] == [6, 5]
    assert [len(p) for p in random_split(Squares(10), [0.1, 0.1, 0.1, 0.7])] == [1, 1, 1, 7]


def test_random_split_empty_fraction_split_warns():
    with pytest.warns(UserWarning) as record:
        parts = random_split(Squares(2), [0.9, 0.05, 0.05])
    assert sorted(str(w.message) for w in record) == [
        f"random_split: length of split at index {i} is 0; this split is empty" for i in (1, 2)
    ]
    assert [len(p) for p in parts] == torch_split_lengths(2, [0.9, 0.05, 0.05]) == [2, 0, 0]


def test_random_split_integer_lengths_and_errors():
    parts = random_split(Squares(10), [3, 7])
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    with pytest.raises(ValueError, match="does not equal the length"):
        random_split(Squares(10), [3, 3])
    with pytest.raises(ValueError, match="fractions summing to 1"):
        random_split(Squares(10), [0.5, 0.6])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(Squares(10), [1.5, -0.5])
    with pytest.raises(ValueError, match="non-negative integers"):
        random_split(Squares(10), [2.5, 7.5])
    with pytest.raises(TypeError, match="numpy Generator"):
        random_split(Squares(10), [5, 5], generator=42)


def test_random_split_is_reproducible_with_manual_seed_and_generator():
    tg.manual_seed(123)
    a = [p.indices for p in random_split(Squares(20), [0.5, 0.5])]
    tg.manual_seed(123)
    b = [p.indices for p in random_split(Squares(20), [0.5, 0.5])]
    assert a == b
    c = [p.indices for p in random_split(Squares(20), [0.5, 0.5], generator=np.random.default_rng(5))]
    d = [p.indices for p in random_split(Squares(20), [0.5, 0.5], generator=np.random.default_rng(5))]
    assert c == d
    # the split is a permutation, cut in order
    perm = np.random.default_rng(5).permutation(20).tolist()
    assert c == [perm[:10], perm[10:]]


def test_random_split_draws_from_global_generator():
    tg.manual_seed(7)
    parts = random_split(Squares(15), [5, 10])
    expected = np.random.default_rng(7).permutation(15).tolist()
    assert parts[0].indices + parts[1].indices == expected
