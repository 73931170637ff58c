"""nn.Embedding / F.embedding / F.one_hot: lookups against numpy indexing, gradients that
accumulate over repeated ids, padding_idx (zero row, no gradient), max_norm,
scale_grad_by_freq, N(0, 1) init, index and dtype errors, and parity with PyTorch."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import shapes


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")


@st.composite
def ids_and_table(draw, max_rows=6, max_dim=3):
    rows = draw(st.integers(1, max_rows), label="num_embeddings")
    dim = draw(st.integers(1, max_dim), label="embedding_dim")
    ids = draw(hnp.arrays(np.int64, shapes(max_dims=3, max_side=4), elements=st.integers(0, rows - 1)))
    table = draw(hnp.arrays(np.float64, (rows, dim), elements=st.floats(-3, 3)))
    return Tensor(ids), Tensor(table, requires_grad=True)


@given(ids_and_table())
def test_lookup_is_numpy_indexing_for_ids_of_any_shape(it):
    ids, w = it
    y = F.embedding(ids, w)
    assert y.shape == ids.shape + (w.shape[1],)
    np.testing.assert_array_equal(y.data, w.data[ids.data])


@given(ids_and_table())
def test_gradient_accumulates_over_repeated_ids(it):
    ids, w = it
    g = np.random.default_rng(0).standard_normal(ids.shape + (w.shape[1],))
    F.embedding(ids, w).backward(Tensor(g))
    expected = np.zeros_like(w.data)
    for pos in np.ndindex(ids.shape):  # a plain loop: the obvious reference
        expected[ids.data[pos]] += g[pos]
    np.testing.assert_allclose(w.grad.data, expected, rtol=1e-12, atol=1e-12)


@given(ids_and_table(max_rows=4, max_dim=2))
def test_gradient_matches_numerical(it):
    ids, w = it
    assert gradcheck(lambda t: F.embedding(ids, t), (w,))


def test_second_derivative_through_embedding_matches_numerical():
    ids = tg.tensor([[0, 2], [2, 1]])
    w = Tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
    assert gradgradcheck(lambda t: F.embedding(ids, t).tanh(), (w,))


def test_layer_init_is_standard_normal():
    tg.manual_seed(0)
    w = nn.Embedding(1000, 100).weight.data
    assert w.dtype == np.float32
    assert abs(w.mean()) < 0.01  # std of the mean of 1e5 N(0,1) draws: 0.003
    assert w.std() == pytest.approx(1.0, abs=0.01)


def test_padding_row_starts_at_zero_and_gets_no_gradient():
    emb = nn.Embedding(5, 3, padding_idx=1)
    np.testing.assert_array_equal(emb.weight.data[1], 0)
    ids = tg.tensor([[1, 2, 1], [0, 1, 2]])
    emb(ids).sum().backward()
    expected = np.zeros((5, 3))
    expected[0], expected[2] = 1, 2  # counts of the non-padding ids
    np.testing.assert_array_equal(emb.weight.grad.data, expected)


def test_padding_row_is_still_looked_up_when_changed():
    emb = nn.Embedding(4, 2, padding_idx=0)
    with tg.no_grad():
        emb.weight.data[0] = 7.0
    np.testing.assert_array_equal(emb(tg.tensor([0])).data, [[7.0, 7.0]])


def test_negative_padding_idx_counts_from_the_end():
    emb = nn.Embedding(5, 2, padding_idx=-1)
    assert emb.padding_idx == 4
    np.testing.assert_array_equal(emb.weight.data[4], 0)
    w = Tensor(np.ones((5, 2)), requires_grad=True)
    F.embedding(tg.tensor([4, 3]), w, padding_idx=-1).sum().backward()
    np.testing.assert_array_equal(w.grad.data[:, 0], [0, 0, 0, 1, 0])


@pytest.mark.parametrize("bad", [5, -6])
def test_padding_idx_out_of_range_is_rejected(bad):
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=bad)


def test_max_norm_renormalises_looked_up_rows_in_place():
    w = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0], [1.0, 0.0]])
    emb = nn.Embedding(4, 2, max_norm=1.0, _weight=Tensor(w.copy()))
    y = emb(tg.tensor([0, 1, 0]))
    after = emb.weight.data
    np.testing.assert_allclose(after[0], w[0] / (5 + 1e-7), rtol=1e-12)  # norm 5 -> ~1
    np.testing.assert_array_equal(after[1], w[1])  # norm 0.5 <= 1: unchanged
    np.testing.assert_array_equal(after[2], w[2])  # not looked up: unchanged
    np.testing.assert_allclose(y.data, after[[0, 1, 0]], rtol=1e-12)


def test_max_norm_with_other_norm_type():
    w = np.array([[3.0, -4.0]])
    emb = nn.Embedding(1, 2, max_norm=2.0, norm_type=1.0, _weight=Tensor(w.copy()))
    emb(tg.tensor([0]))
    np.testing.assert_allclose(np.abs(emb.weight.data).sum(), 2.0, rtol=1e-6)


def test_scale_grad_by_freq_divides_by_counts_in_batch():
    emb = nn.Embedding(4, 2, scale_grad_by_freq=True, dtype=tg.float64)
    ids = tg.tensor([[0, 0, 1], [0, 3, 3]])
    g = np.random.default_rng(0).standard_normal((2, 3, 2))
    y = emb(ids)
    np.testing.assert_array_equal(y.data, emb.weight.data[ids.data])  # the value is untouched
    y.backward(Tensor(g))
    counts = {0: 3, 1: 1, 3: 2}
    expected = np.zeros((4, 2))
    for pos in np.ndindex(ids.shape):
        i = int(ids.data[pos])
        expected[i] += g[pos] / counts[i]
    np.testing.assert_allclose(emb.weight.grad.data, expected, rtol=1e-12)


def test_ids_out_of_range_raise_index_error_naming_embedding():
    emb = nn.Embedding(10, 3)
    with pytest.raises(IndexError, match=r"Embedding: index 10 is out of range .* 10 embeddings"):
        emb(tg.tensor([1, 10]))
    with pytest.raises(IndexError, match=r"Embedding: index -1"):  # no wrap-around as in numpy
        emb(tg.tensor([-1]))
    with pytest.raises(IndexError, match="embedding: index 3"):
        F.embedding(tg.tensor([3]), tg.zeros(3, 2))


def test_float_ids_are_rejected():
    with pytest.raises(TypeError, match=r"Embedding: expected an integer .* got dtype float32"):
        nn.Embedding(10, 3)(tg.tensor([1.0]))
    with pytest.raises(TypeError, match="integer Tensor"):
        nn.Embedding(10, 3)([1, 2])


def test_int32_ids_work():
    emb = nn.Embedding(4, 2)
    ids = Tensor(np.array([3, 0], dtype=np.int32))
    np.testing.assert_array_equal(emb(ids).data, emb.weight.data[[3, 0]])


def test_empty_ids_give_empty_output():
    emb = nn.Embedding(4, 2)
    assert emb(Tensor(np.zeros((0, 3), dtype=np.int64))).shape == (0, 3, 2)


def test_from_pretrained_shares_the_table_and_is_frozen_by_default():
    table = Tensor(np.arange(6.0).reshape(3, 2))
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(tg.tensor([2])).data, [[4.0, 5.0]])
    table.data[2] = -1
    np.testing.assert_array_equal(emb.weight.data[2], [-1, -1])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(ValueError, match="2-dimensional"):
        nn.Embedding.from_pretrained(tg.zeros(3))


def test_weight_argument_must_have_the_declared_shape():
    with pytest.raises(ValueError, match=r"\(4, 2\)"):
        nn.Embedding(4, 2, _weight=tg.zeros(3, 2))


def test_parameters_state_dict_and_repr():
    emb = nn.Embedding(10, 3)
    assert [(n, p.shape) for n, p in emb.named_parameters()] == [("weight", (10, 3))]
    assert list(emb.state_dict()) == ["weight"]
    assert repr(emb) == "Embedding(10, 3)"
    assert repr(nn.Embedding(10, 3, padding_idx=-1, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True,
                             sparse=True)) == (
        "Embedding(10, 3, padding_idx=9, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, sparse=True)"
    )


def test_sparse_flag_gives_the_same_dense_gradient():
    tg.manual_seed(0)
    a = nn.Embedding(5, 2, sparse=True)
    b = nn.Embedding(5, 2)
    b.load_state_dict(a.state_dict())
    ids = tg.tensor([1, 1, 4])
    a(ids).sum().backward()
    b(ids).sum().backward()
    np.testing.assert_array_equal(a.weight.grad.data, b.weight.grad.data)


# ---------------------------------------------------------------- one_hot


@given(ids=hnp.arrays(np.int64, shapes(max_dims=3, max_side=4), elements=st.integers(0, 5)),
       extra=st.integers(0, 2))
def test_one_hot_matches_rows_of_identity(ids, extra):
    n = (int(ids.max()) + 1 if ids.size else 0) + extra
    out = F.one_hot(Tensor(ids), n)
    assert out.dtype == np.int64 and out.shape == ids.shape + (n,)
    np.testing.assert_array_equal(out.data, np.eye(n, dtype=np.int64)[ids])


def test_one_hot_infers_the_number_of_classes():
    out = F.one_hot(tg.tensor([0, 3, 1]))
    np.testing.assert_array_equal(out.data, np.eye(4, dtype=np.int64)[[0, 3, 1]])
    np.testing.assert_array_equal(F.one_hot(tg.tensor(2), 3).data, [0, 0, 1])
    assert F.one_hot(Tensor(np.zeros(0, np.int64)), 3).shape == (0, 3)


@pytest.mark.parametrize(
    "ids, n, message",
    [
        (tg.tensor([1.0]), -1, "integer type"),
        (tg.tensor([3]), 2, "smaller than num_classes"),
        (tg.tensor([-1]), 2, "non-negative"),
        (Tensor(np.zeros(0, np.int64)), -1, "empty tensor"),
    ],
)
def test_one_hot_errors_follow_pytorch(ids, n, message):
    with pytest.raises(RuntimeError, match=message):
        F.one_hot(ids, n)


# ---------------------------------------------------------------- PyTorch parity


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"padding_idx": 2}, {"padding_idx": -1, "scale_grad_by_freq": True}, {"max_norm": 1.5},
     {"max_norm": 1.0, "norm_type": 1.0}],
    ids=str,
)
def test_values_and_gradients_match_pytorch(torch, kwargs):
    ours = nn.Embedding(6, 3, dtype=tg.float64, **kwargs)
    theirs = torch.nn.Embedding(6, 3, dtype=torch.float64, **kwargs)
    theirs.load_state_dict({k: torch.tensor(v.data.copy()) for k, v in ours.state_dict().items()})
    ids_np = np.array([[0, 2, 2, 5], [5, 1, 2, 0]])
    g_np = np.random.default_rng(0).standard_normal((2, 4, 3))

    y = ours(Tensor(ids_np))
    y.backward(Tensor(g_np))
    ty = theirs(torch.tensor(ids_np))
    ty.backward(torch.tensor(g_np))

    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-13)  # max_norm
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-13, atol=1e-15)


def test_padding_row_init_and_repr_match_pytorch(torch):
    for kwargs in [{}, {"padding_idx": 0}, {"padding_idx": -2, "max_norm": 2.0}, {"sparse": True}]:
        ours, theirs = nn.Embedding(7, 4, **kwargs), torch.nn.Embedding(7, 4, **kwargs)
        assert repr(ours) == repr(theirs)
        assert ours.padding_idx == theirs.padding_idx
        if ours.padding_idx is not None:
            assert np.all(theirs.weight.detach().numpy()[theirs.padding_idx] == 0)
            assert np.all(ours.weight.data[ours.padding_idx] == 0)


def test_one_hot_matches_pytorch(torch):
    ids = np.array([[0, 4], [2, 2]])
    np.testing.assert_array_equal(F.one_hot(Tensor(ids)).data, torch.nn.functional.one_hot(torch.tensor(ids)))
    np.testing.assert_array_equal(
        F.one_hot(Tensor(ids), 7).data, torch.nn.functional.one_hot(torch.tensor(ids), 7).numpy()
    )
