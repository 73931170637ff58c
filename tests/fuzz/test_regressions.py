"""Bugs found by the random-program fuzzer, each as a minimal plain test.

(The shrunk programs themselves are pinned as ``@example``s in test_random_programs.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck

X = np.arange(120.0).reshape(2, 3, 4, 5)

# PyTorch applies ints (and slices, None, Ellipsis) first and the index arrays afterwards;
# numpy counts an int as one more index array, which moves the indexed dims to the front
# when an int and an array are apart. Each case: the index, the same selection written as
# two numpy steps (ints first), and the shape PyTorch 2.13 gives.
MIXED_INDEXES = [
    ((0, slice(None), [0, 2]), lambda x: x[0][:, [0, 2]], (3, 2, 5)),
    ((0, slice(None), slice(None), [0, 2, 2]), lambda x: x[0][:, :, [0, 2, 2]], (3, 4, 3)),
    (([1, 0], slice(None), 0), lambda x: x[:, :, 0][[1, 0]], (2, 3, 5)),
    ((slice(1, None), 0, None, [1, 2]), lambda x: x[1:, 0, None][:, :, [1, 2]], (1, 1, 2, 5)),
    ((0, None, slice(None), [1, 2]), lambda x: x[0, None][:, :, [1, 2]], (1, 3, 2, 5)),
    ((1, Ellipsis, [4, 0]), lambda x: x[1][..., [4, 0]], (3, 4, 2)),
    (([True, False], 2, slice(None), [3, 1]), lambda x: x[:, 2][[True, False], :, [3, 1]], (2, 4)),
    ((np.array(1), slice(None), [0, 2]), lambda x: x[1][:, [0, 2]], (3, 2, 5)),  # 0-d array = int
    # an Ellipsis that stands for no dim does not separate two arrays in PyTorch
    ((slice(None), slice(None), [0, 1], Ellipsis, [0, 1]), lambda x: x[:, :, [0, 1], [0, 1]], (2, 3, 2)),
    ((None, [0, 0, 1], Ellipsis, [2, 0, 0], 1, 0), lambda x: x[None, :, :, 1, 0][:, [0, 0, 1], [2, 0, 0]],
     (1, 3)),
]


@pytest.mark.parametrize("index, two_steps, shape", MIXED_INDEXES)
def test_getitem_applies_ints_before_index_arrays_like_pytorch(index, two_steps, shape) -> None:  # noqa: ANN001
    y = Tensor(X)[index]
    assert y.shape == shape
    np.testing.assert_array_equal(y.data, two_steps(X))


@pytest.mark.parametrize("index, two_steps, shape", MIXED_INDEXES)
def test_getitem_mixed_index_gradient_scatters_to_picked_elements(index, two_steps, shape) -> None:  # noqa: ANN001
    x = Tensor(X.copy(), requires_grad=True)
    g = np.random.default_rng(0).standard_normal(shape)
    x[index].backward(Tensor(g))
    # independent: the gradient of sum(g * y) puts g at the picked positions (adding repeats)
    ids = np.arange(X.size).reshape(X.shape)
    expected = np.bincount(two_steps(ids).reshape(-1), weights=g.reshape(-1), minlength=X.size)
    np.testing.assert_allclose(x.grad.data, expected.reshape(X.shape), rtol=0, atol=1e-12)


def test_getitem_mixed_index_first_and_second_derivatives_match_numerical() -> None:
    x = Tensor(np.random.default_rng(1).standard_normal((2, 3, 3)), requires_grad=True)

    def f(t: Tensor) -> Tensor:  # repeated indices, int apart from the array
        return t[0, :, [0, 2, 2]] * t[1, :, [1, 1, 0]].tanh()

    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


@pytest.mark.parametrize("index, two_steps, shape", MIXED_INDEXES)
def test_getitem_mixed_index_matches_torch(index, two_steps, shape) -> None:  # noqa: ANN001
    torch = pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    t_index = tuple(torch.as_tensor(i) if isinstance(i, list | np.ndarray) else i for i in index)
    want = torch.from_numpy(X)[t_index].numpy()
    got = Tensor(X)[index].data
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_backward_adds_three_gradients_into_a_0d_tensor() -> None:
    """x*x*x + x for a 0-d x: x's node receives four gradients. Summing the third in place
    into the 0-d sum of the first two failed: numpy returns a scalar, not an array, for it."""
    x = tg.tensor(2.0, dtype=tg.float64, requires_grad=True)
    (x * x * x + x).backward()
    assert x.grad.shape == ()
    assert x.grad.item() == pytest.approx(3 * 2.0**2 + 1)

    y = tg.tensor(0.5, dtype=tg.float64, requires_grad=True)
    (g,) = tg.autograd.grad(y * 3 + y * 4 + y * 5, [y])
    assert g.item() == pytest.approx(12.0)
