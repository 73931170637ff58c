"""Matrix products: matmul / ``@`` for 1-D, 2-D and batched operands, ``dot`` and ``mm``.

The reference is an explicit sum over the shared index with ``np.einsum`` (not
``np.matmul``, which the implementation itself calls). Batched operands broadcast their
batch dims, so every batch-broadcast operand must get its gradient summed over the batch
copies that used it; gradcheck against central differences checks exactly that.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import broadcastable_shapes, tensors

sides = st.integers(1, 4)


def _ref(a, b):
    """C = A @ B written as sum_k A[..., i, k] B[..., k, j] (1-D operands as vectors)."""
    if a.ndim == 1 and b.ndim == 1:
        return np.einsum("k,k->", a, b)
    if a.ndim == 1:
        return np.einsum("k,...kj->...j", a, b)
    if b.ndim == 1:
        return np.einsum("...ik,k->...i", a, b)
    return np.einsum("...ik,...kj->...ij", a, b)


@st.composite
def matmul_cases(draw, kind, max_side=4):
    """Operands of matching inner size; ``kind`` names the ranks, e.g. "1x2" or "batched"."""
    n, k, m = (draw(st.integers(1, max_side)) for _ in range(3))
    if kind == "batched":
        # batch dims broadcast against each other; either side may have none
        ba, bb = draw(broadcastable_shapes(2, min_dims=0, max_dims=2, max_side=3))
        form = draw(st.sampled_from(["nd@nd", "1d@nd", "nd@1d"]))
        a_shape = (k,) if form == "1d@nd" else ba + (n, k)
        b_shape = (k,) if form == "nd@1d" else bb + (k, m)
    else:
        ra, rb = kind.split("x")
        a_shape = (k,) if ra == "1" else (n, k)
        b_shape = (k,) if rb == "1" else (k, m)
    return draw(tensors(shape=a_shape)), draw(tensors(shape=b_shape))


KINDS = ["1x1", "1x2", "2x1", "2x2", "batched"]


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_matmul_matches_sum_of_products(kind, data):
    a, b = data.draw(matmul_cases(kind))
    expected = _ref(a.data, b.data)
    for y in (a @ b, tg.matmul(a, b), a.matmul(b)):
        assert y.shape == expected.shape
        np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_matmul_grad_matches_numerical(kind, data):
    a, b = data.draw(matmul_cases(kind, max_side=3))
    assert gradcheck(lambda x, y: x @ y, (a, b))


@pytest.mark.parametrize("kind", ["1x2", "2x1", "2x2", "batched"])
@settings(max_examples=8)
@given(data=st.data())
def test_matmul_second_derivative_matches_numerical(kind, data):
    a, b = data.draw(matmul_cases(kind, max_side=2))
    # the product of the two inputs makes the Hessian non-zero in the cross terms
    assert gradgradcheck(lambda x, y: x @ y, (a, b))


def test_matmul_batch_broadcast_gradient_is_summed_over_batch_copies():
    rng = np.random.default_rng(0)
    a = Tensor(rng.standard_normal((2, 1, 3, 4)), requires_grad=True)
    b = Tensor(rng.standard_normal((5, 4, 2)), requires_grad=True)
    out = a @ b
    assert out.shape == (2, 5, 3, 2)
    g = rng.standard_normal(out.shape)
    out.backward(Tensor(g))
    # dL/da[i, 0] = sum_j g[i, j] @ b[j]^T ; dL/db[j] = sum_i a[i, 0]^T @ g[i, j]
    ga = np.zeros(a.shape)
    gb = np.zeros(b.shape)
    for i in range(2):
        for j in range(5):
            ga[i, 0] += g[i, j] @ b.data[j].T
            gb[j] += a.data[i, 0].T @ g[i, j]
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    np.testing.assert_allclose(a.grad.data, ga, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad.data, gb, rtol=1e-12, atol=1e-12)


def test_matmul_of_vector_with_batched_matrix_grad_matches_numerical():
    rng = np.random.default_rng(1)
    v = Tensor(rng.standard_normal(3), requires_grad=True)
    m = Tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    assert (v @ m).shape == (2, 4)
    assert (m.transpose(-1, -2) @ v).shape == (2, 4)
    assert gradcheck(lambda x, y: x @ y, (v, m))
    assert gradcheck(lambda x, y: y.transpose(-1, -2) @ x, (v, m))


def test_matmul_with_numpy_array_on_either_side():
    a = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    w = np.arange(12.0).reshape(3, 4) / 5
    np.testing.assert_allclose((a @ w).data, _ref(a.data, w))
    left = w.T @ a.T  # ndarray @ Tensor dispatches to the differentiable matmul
    assert isinstance(left, Tensor)
    np.testing.assert_allclose(left.data, _ref(w.T, a.data.T))
    left.sum().backward()
    np.testing.assert_allclose(a.grad.data, np.tile(w.sum(axis=1), (2, 1)))


def test_matmul_dtype_follows_torch_promotion():
    ints = Tensor(np.array([[1, 2], [3, 4]]))
    assert (ints @ ints).dtype == np.int64
    np.testing.assert_array_equal((ints @ ints).data, [[7, 10], [15, 22]])
    f32 = Tensor(np.ones((2, 2), dtype=np.float32))
    assert (ints @ f32).dtype == np.float32
    assert (f32 @ Tensor(np.ones((2, 2)))).dtype == np.float64


# ------------------------------------------------------------------ dot and mm


@given(data=st.data())
def test_dot_is_the_inner_product(data):
    k = data.draw(sides)
    a, b = data.draw(tensors(shape=(k,))), data.draw(tensors(shape=(k,)))
    for y in (tg.dot(a, b), a.dot(b)):
        assert y.shape == ()
        expected = sum(a.data[i] * b.data[i] for i in range(k))
        np.testing.assert_allclose(y.item(), expected, rtol=1e-12)
    assert gradcheck(lambda x, y: tg.dot(x, y), (a, b))


@given(data=st.data())
def test_mm_matches_sum_of_products(data):
    a, b = data.draw(matmul_cases("2x2", max_side=3))
    for y in (tg.mm(a, b), a.mm(b)):
        np.testing.assert_allclose(y.data, _ref(a.data, b.data), rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda x, y: tg.mm(x, y), (a, b))


# ------------------------------------------------------------------ errors


def test_matmul_shape_mismatch_names_op_and_shapes():
    with pytest.raises(RuntimeError, match="matmul") as info:
        tg.ones(2, 3) @ tg.ones(4, 5)
    assert "(2, 3)" in str(info.value) and "(4, 5)" in str(info.value)


@pytest.mark.parametrize(
    "sa, sb",
    [((3,), (4,)), ((3,), (4, 2)), ((2, 3), (4,)), ((2, 2, 3), (2, 4, 1)), ((2, 2, 3), (3, 3, 1))],
)
def test_matmul_incompatible_shapes_raise_runtime_error(sa, sb):
    with pytest.raises(RuntimeError, match="matmul") as info:
        tg.ones(*sa) @ tg.ones(*sb)
    assert str(sa) in str(info.value) and str(sb) in str(info.value)


def test_matmul_of_a_scalar_raises():
    with pytest.raises(RuntimeError, match="matmul"):
        tg.tensor(2.0) @ tg.ones(2)


def test_dot_requires_equal_length_vectors():
    with pytest.raises(RuntimeError, match="dot"):
        tg.dot(tg.ones(2, 2), tg.ones(2))
    with pytest.raises(RuntimeError, match="dot"):
        tg.dot(tg.ones(2), tg.ones(3))


def test_mm_requires_matrices():
    with pytest.raises(RuntimeError, match="mm"):
        tg.mm(tg.ones(2, 2, 2), tg.ones(2, 2))
