"""DataLoader, samplers, default_collate / default_convert."""

import collections
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.data.dataloader as dl_module
from tinygrad_edu import Tensor
from tinygrad_edu.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    default_convert,
)


class Rows(Dataset):
    """Map-style dataset over numpy rows; returns (Tensor row, int label) like a user's dataset."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return Tensor(self.X[i]), int(self.y[i])


class SlowTensorDataset(TensorDataset):
    """Same samples as TensorDataset, but overriding __getitem__ turns the vectorised path off."""

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)


def make_xy(n=10, d=3):
    X = np.arange(n * d, dtype=np.float32).reshape(n, d)
    y = np.arange(n, dtype=np.int64) * 10
    return X, y


# ---------------------------------------------------------------- batching and len
@given(n=st.integers(1, 30), bs=st.integers(1, 12), drop_last=st.booleans())
def test_batches_cover_dataset_in_order_and_len_matches(n, bs, drop_last):
    X, y = make_xy(n)
    loader = DataLoader(TensorDataset(Tensor(X), Tensor(y)), batch_size=bs, drop_last=drop_last)
    batches = list(loader)
    expected_len = n // bs if drop_last else math.ceil(n / bs)
    assert len(loader) == len(batches) == expected_len
    seen = np.concatenate([yb.numpy() for _, yb in batches]) if batches else np.zeros(0, np.int64)
    kept = (n // bs) * bs if drop_last else n
    np.testing.assert_array_equal(seen, y[:kept])
    for i, (xb, yb) in enumerate(batches):
        np.testing.assert_array_equal(xb.numpy(), X[i * bs : (i + 1) * bs])
        assert xb.dtype == np.float32 and yb.dtype == np.int64


def test_map_dataset_batches_stack_tensors_and_collate_ints_to_int64():
    X, y = make_xy(7)
    batches = list(DataLoader(Rows(X, y), batch_size=3))
    assert [b[0].shape for b in batches] == [(3, 3), (3, 3), (1, 3)]
    xb, yb = batches[1]
    np.testing.assert_array_equal(xb.numpy(), X[3:6])
    assert yb.dtype == np.int64
    np.testing.assert_array_equal(yb.numpy(), y[3:6])
    assert isinstance(batches[0], list)  # tuples of samples collate to a list, as in PyTorch


def test_default_batch_size_is_one():
    X, y = make_xy(4)
    loader = DataLoader(Rows(X, y))
    assert len(loader) == 4
    xb, yb = next(iter(loader))
    assert xb.shape == (1, 3) and yb.shape == (1,)


# ---------------------------------------------------------------- shuffling
def epoch_labels(loader):
    return np.concatenate([yb.numpy() for _, yb in loader])


def test_shuffle_is_a_permutation_reproducible_with_manual_seed():
    X, y = make_xy(25)
    loader = DataLoader(TensorDataset(Tensor(X), Tensor(y)), batch_size=4, shuffle=True)
    tg.manual_seed(3)
    e1, e2 = epoch_labels(loader), epoch_labels(loader)
    tg.manual_seed(3)
    f1, f2 = epoch_labels(loader), epoch_labels(loader)
    np.testing.assert_array_equal(e1, f1)
    np.testing.assert_array_equal(e2, f2)
    assert not np.array_equal(e1, e2)  # a new order every epoch
    np.testing.assert_array_equal(np.sort(e1), y)


def test_shuffle_order_is_the_global_generators_permutation():
    X, y = make_xy(12)
    loader = DataLoader(TensorDataset(Tensor(X), Tensor(y)), batch_size=5, shuffle=True)
    tg.manual_seed(11)
    got = epoch_labels(loader)
    perm = np.random.default_rng(11).permutation(12)
    np.testing.assert_array_equal(got, y[perm])


def test_shuffle_with_explicit_generator_ignores_global_seed():
    X, y = make_xy(12)
    ds = TensorDataset(Tensor(X), Tensor(y))
    tg.manual_seed(0)
    a = epoch_labels(DataLoader(ds, batch_size=5, shuffle=True, generator=np.random.default_rng(9)))
    tg.manual_seed(1)
    b = epoch_labels(DataLoader(ds, batch_size=5, shuffle=True, generator=np.random.default_rng(9)))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, y[np.random.default_rng(9).permutation(12)])
    with pytest.raises(TypeError, match="numpy Generator"):
        DataLoader(ds, shuffle=True, generator=5)


# ---------------------------------------------------------------- the vectorised TensorDataset path
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_tensor_dataset_fast_path_matches_per_sample_collate(shuffle, drop_last):
    X, y = make_xy(23, 4)
    w = np.random.default_rng(0).random((23, 2, 2))  # a third tensor, float64, 3-d
    fast = TensorDataset(Tensor(X), Tensor(y), Tensor(w))
    slow = SlowTensorDataset(Tensor(X), Tensor(y), Tensor(w))
    tg.manual_seed(5)
    a = list(DataLoader(fast, batch_size=5, shuffle=shuffle, drop_last=drop_last))
    tg.manual_seed(5)
    b = list(DataLoader(slow, batch_size=5, shuffle=shuffle, drop_last=drop_last))
    assert len(a) == len(b)
    for ba, bb in zip(a, b):
        assert isinstance(ba, list) and isinstance(bb, list) and len(ba) == len(bb) == 3
        for ta, tb in zip(ba, bb):
            assert ta.dtype == tb.dtype and ta.shape == tb.shape
            np.testing.assert_array_equal(ta.numpy(), tb.numpy())


def test_fast_path_indexes_each_tensor_once_per_batch(monkeypatch):
    calls = []
    real_take = dl_module._take
    monkeypatch.setattr(dl_module, "_take", lambda t, idx: calls.append(len(idx)) or real_take(t, idx))
    X, y = make_xy(10)
    list(DataLoader(TensorDataset(Tensor(X), Tensor(y)), batch_size=4))
    assert calls == [4, 4, 4, 4, 2, 2]


def test_fast_path_through_subsets_matches_per_sample():
    X, y = make_xy(20)
    ds = TensorDataset(Tensor(X), Tensor(y))
    inner = Subset(ds, list(range(19, -1, -1)))  # reversed
    outer = Subset(inner, [0, 5, 7, 2, 9, 11])
    batches = list(DataLoader(outer, batch_size=4))
    expected = [y[19 - i] for i in [0, 5, 7, 2, 9, 11]]
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), expected)
    np.testing.assert_array_equal(batches[0][0].numpy(), X[[19, 14, 12, 17]])


def test_fast_path_batches_are_copies():
    X, y = make_xy(6)
    tx = Tensor(X)
    xb, _ = next(iter(DataLoader(TensorDataset(tx, Tensor(y)), batch_size=3)))
    xb.data[...] = -1
    np.testing.assert_array_equal(tx.numpy(), X)


def test_fast_path_keeps_gradient_path_to_dataset_tensor():
    X = tg.tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    loader = DataLoader(TensorDataset(X), batch_size=3, sampler=[3, 1, 0, 1])
    (xb,) = next(iter(loader))
    assert xb.requires_grad
    (xb * tg.tensor([[1.0, 2.0]])).sum().backward()
    # rows 3, 1, 0 were used once each: d/dX of sum(x * [1, 2]) is [1, 2] on those rows
    np.testing.assert_array_equal(X.grad.numpy(), [[1, 2], [1, 2], [0, 0], [1, 2]])


def test_custom_collate_fn_disables_fast_path_and_is_called_with_samples():
    X, y = make_xy(5)
    seen = []

    def collate(samples):
        seen.append(samples)
        return len(samples)

    out = list(DataLoader(TensorDataset(Tensor(X), Tensor(y)), batch_size=2, collate_fn=collate))
    assert out == [2, 2, 1]
    assert isinstance(seen[0][0], tuple) and seen[0][0][1].item() == 0


def test_out_of_range_sampler_index_raises_index_error():
    X, y = make_xy(4)
    loader = DataLoader(TensorDataset(Tensor(X), Tensor(y)), batch_size=2, sampler=[0, 7])
    with pytest.raises(IndexError, match="7"):
        list(loader)


# ---------------------------------------------------------------- samplers, options
def test_sampler_option_sets_the_order():
    X, y = make_xy(6)
    loader = DataLoader(Rows(X, y), batch_size=2, sampler=[5, 0, 3])
    assert len(loader) == 2
    np.testing.assert_array_equal(epoch_labels(loader), y[[5, 0, 3]])
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(Rows(X, y), sampler=[0], shuffle=True)


def test_batch_sampler_option_sets_the_batches():
    X, y = make_xy(6)
    loader = DataLoader(Rows(X, y), batch_sampler=[[0, 1, 2], [5], [4, 3]])
    assert len(loader) == 3
    assert [yb.numpy().tolist() for _, yb in loader] == [[0, 10, 20], [50], [40, 30]]
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(Rows(X, y), batch_size=2, batch_sampler=[[0]])
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(Rows(X, y), batch_sampler=[[0]], drop_last=True)


def test_batch_size_none_yields_converted_samples():
    class Arrays(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return {"x": np.full(2, i, dtype=np.int32), "i": i}

    loader = DataLoader(Arrays(), batch_size=None)
    items = list(loader)
    assert len(loader) == 3
    assert isinstance(items[2]["x"], Tensor) and items[2]["x"].dtype == np.int32
    np.testing.assert_array_equal(items[2]["x"].numpy(), [2, 2])
    assert items[2]["i"] == 2  # numbers are left alone without batching
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(Arrays(), batch_size=None, drop_last=True)


def test_getitems_is_used_to_fetch_a_batch():
    class Batched(Dataset):
        def __init__(self):
            self.calls = []

        def __len__(self):
            return 5

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [float(i) for i in indices]

    ds = Batched()
    out = list(DataLoader(ds, batch_size=3))
    assert ds.calls == [[0, 1, 2], [3, 4]]
    assert out[1].dtype == np.float64
    np.testing.assert_array_equal(out[1].numpy(), [3.0, 4.0])


def test_iterable_dataset_batches_in_stream_order():
    class Count(IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

    batches = [b.numpy().tolist() for b in DataLoader(Count(7), batch_size=3)]
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    dropped = [b.numpy().tolist() for b in DataLoader(Count(7), batch_size=3, drop_last=True)]
    assert dropped == [[0, 1, 2], [3, 4, 5]]
    assert list(DataLoader(Count(3), batch_size=None)) == [0, 1, 2]
    with pytest.raises(TypeError, match="no __len__"):
        len(DataLoader(Count(7), batch_size=3))
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Count(3), shuffle=True)

    class Sized(Count):
        def __len__(self):
            return self.n

    assert len(DataLoader(Sized(7), batch_size=3)) == 3
    assert len(DataLoader(Sized(7), batch_size=3, drop_last=True)) == 2


def test_num_workers_is_accepted_and_runs_in_process():
    X, y = make_xy(5)
    loader = DataLoader(Rows(X, y), batch_size=2, num_workers=2, pin_memory=True, persistent_workers=True)
    np.testing.assert_array_equal(epoch_labels(loader), y)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(Rows(X, y), num_workers=-1)


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_bad_batch_size_is_rejected(bad):
    X, y = make_xy(3)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Rows(X, y), batch_size=bad)


def test_dataset_without_getitem_is_rejected():
    with pytest.raises(TypeError, match="__getitem__ and __len__"):
        DataLoader(object())


def test_sequential_and_batch_sampler():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert list(BatchSampler(SequentialSampler(range(5)), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, False)) == 3 and len(BatchSampler(range(5), 2, True)) == 2
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(5), 0, False)
    with pytest.raises(ValueError, match="drop_last"):
        BatchSampler(range(5), 2, 1)


def test_random_sampler_without_and_with_replacement():
    s = RandomSampler(range(6), generator=np.random.default_rng(1))
    first, second = list(s), list(s)
    assert sorted(first) == sorted(second) == list(range(6))
    assert first != second
    long = list(RandomSampler(range(4), num_samples=10, generator=np.random.default_rng(2)))
    assert len(long) == 10
    assert sorted(long[:4]) == sorted(long[4:8]) == [0, 1, 2, 3]  # whole permutations first
    rep = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=np.random.default_rng(3)))
    assert len(rep) == 50 and set(rep) <= {0, 1, 2} and len(set(rep)) == 3
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(range(3), replacement=1)


def test_subset_random_sampler_permutes_given_indices():
    s = SubsetRandomSampler([10, 20, 30, 40], generator=np.random.default_rng(0))
    got = list(s)
    assert sorted(got) == [10, 20, 30, 40] and len(s) == 4
    perm = np.random.default_rng(0).permutation(4)
    assert got == [[10, 20, 30, 40][i] for i in perm]


# ---------------------------------------------------------------- default_collate
def test_collate_python_numbers_follow_pytorch_dtypes():
    ints, floats, bools = default_collate([1, 2]), default_collate([1.5, 2.5]), default_collate([True, False])
    assert ints.dtype == np.int64 and floats.dtype == np.float64 and bools.dtype == np.bool_
    np.testing.assert_array_equal(floats.numpy(), [1.5, 2.5])
    np.testing.assert_array_equal(bools.numpy(), [True, False])


def test_collate_numpy_arrays_and_scalars_keep_dtype():
    out = default_collate([np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)])
    assert isinstance(out, Tensor) and out.dtype == np.int32
    np.testing.assert_array_equal(out.numpy(), [[1, 2], [3, 4]])
    scal = default_collate([np.float32(1.0), np.float32(2.0)])
    assert scal.dtype == np.float32 and scal.shape == (2,)
    zero_d = default_collate([np.array(1.5), np.array(2.5)])
    assert zero_d.shape == (2,) and zero_d.dtype == np.float64
    with pytest.raises(TypeError, match="found <U1|found object"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_collate_nested_structures():
    Point = collections.namedtuple("Point", ["x", "y"])
    batch = [
        {"a": 1, "b": [1.0, Tensor([1.0, 2.0])], "p": Point(1, 2.0), "s": "u"},
        {"a": 3, "b": [3.0, Tensor([3.0, 4.0])], "p": Point(3, 4.0), "s": "v"},
    ]
    out = default_collate(batch)
    assert list(out) == ["a", "b", "p", "s"]
    np.testing.assert_array_equal(out["a"].numpy(), [1, 3])
    assert isinstance(out["b"], list)
    np.testing.assert_array_equal(out["b"][1].numpy(), [[1.0, 2.0], [3.0, 4.0]])
    assert isinstance(out["p"], Point) and out["p"].y.dtype == np.float64
    assert out["s"] == ["u", "v"]
    od = default_collate([collections.OrderedDict(z=1, a=2), collections.OrderedDict(z=3, a=4)])
    assert type(od) is collections.OrderedDict and list(od) == ["z", "a"]


def test_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(RuntimeError, match=r"\[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0])])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="NoneType"):
        default_collate([None, None])


def test_collate_stacks_tensors_with_gradient():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    out = default_collate([a, b])
    (out * tg.tensor([[1.0, 1.0], [2.0, 2.0]])).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 2.0])


def test_default_convert_turns_arrays_into_tensors_only():
    out = default_convert({"x": np.arange(3), "n": 4, "t": (np.float32(1.0), "s")})
    assert isinstance(out["x"], Tensor) and out["n"] == 4
    assert isinstance(out["t"], list) and isinstance(out["t"][0], Tensor) and out["t"][1] == "s"


# ---------------------------------------------------------------- PyTorch parity
COLLATE_CASES = [
    [1, 2, 3],
    [1.5, 2.0],
    [True, False],
    [np.float32(1.0), np.float32(2.0)],
    [np.int16(1), np.int16(2)],
    [np.array([1, 2], dtype=np.uint8), np.array([3, 4], dtype=np.uint8)],
    [np.array(1.5), np.array(2.5)],
    [(1, 2.0), (3, 4.0)],
    [{"a": [1, 2], "b": np.ones(2, np.float32)}, {"a": [3, 4], "b": np.zeros(2, np.float32)}],
]


def to_numpy_tree(x):
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        arr = x.numpy()
        return ("tensor", str(arr.dtype), arr.tolist())
    if isinstance(x, dict):
        return {k: to_numpy_tree(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return (type(x).__name__, [to_numpy_tree(v) for v in x])
    return x


@pytest.mark.parametrize("batch", COLLATE_CASES, ids=range(len(COLLATE_CASES)))
def test_default_collate_matches_pytorch(batch):
    pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    from torch.utils.data import default_collate as torch_collate

    assert to_numpy_tree(default_collate(batch)) == to_numpy_tree(torch_collate(batch))


def test_dataloader_batches_match_pytorch_without_shuffle():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    X, y = make_xy(11)
    ours = list(DataLoader(Rows(X, y), batch_size=4, drop_last=False))

    class TorchRows(torch.utils.data.Dataset):
        def __len__(self):
            return len(X)

        def __getitem__(self, i):
            return torch.from_numpy(X[i]), int(y[i])

    theirs = list(torch.utils.data.DataLoader(TorchRows(), batch_size=4))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert to_numpy_tree(a) == to_numpy_tree(b)
