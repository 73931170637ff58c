"""erf and expm1 (ops/special.py): values against Python's math.erf / math.expm1 (C libm,
an independent implementation), the derivative 2/sqrt(pi) exp(-x^2) and its own derivative
against central differences, and edge cases (interval boundaries, saturation, inf, NaN)."""

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.ops.special import erf, erf_numpy, expm1
from tinygrad_edu.testing import shapes, tensors

ref_erf = np.vectorize(math.erf, otypes=[np.float64])
ref_expm1 = np.vectorize(math.expm1, otypes=[np.float64])


def test_erf_matches_math_erf_to_a_few_ulp_on_a_dense_grid():
    # covers all three of Cody's intervals (|x| <= 0.46875, <= 4, > 4) and saturation
    x = np.linspace(-7.0, 7.0, 140_001)
    np.testing.assert_allclose(erf_numpy(x), ref_erf(x), rtol=1e-15, atol=0)


@given(st.floats(-30, 30, allow_nan=False, allow_subnormal=True))
@example(0.46875)  # the boundaries between Cody's intervals, and just past them
@example(float(np.nextafter(0.46875, 1)))
@example(4.0)
@example(float(np.nextafter(4.0, 5)))
@example(5e-324)
@example(-1e-300)
def test_erf_scalar_matches_math_erf(v):
    got = erf_numpy(np.array([v]))[0]
    assert got == pytest.approx(math.erf(v), rel=1e-15, abs=0)


def test_erf_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, 1e308, -1e308, 6.0, 30.0, np.nan])
    y = erf_numpy(x)
    np.testing.assert_array_equal(y[:8], [0.0, -0.0, 1.0, -1.0, 1.0, -1.0, 1.0, 1.0])
    assert np.signbit(y[1])  # erf is odd: erf(-0) = -0
    assert np.isnan(y[8])


@given(tensors(shape=shapes(max_dims=3, max_side=5), requires_grad=False, min_value=-8, max_value=8))
def test_erf_is_odd_and_bounded(x):
    y = erf(x).data
    np.testing.assert_array_equal(erf(-x).data, -y)
    assert np.all(np.abs(y) <= 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_erf_keeps_lower_precision_dtypes(dtype):
    x = np.linspace(-3, 3, 101).astype(dtype)
    y = erf(Tensor(x))
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, ref_erf(x.astype(np.float64)), rtol=np.finfo(dtype).eps, atol=0)


def test_erf_of_integer_tensor_is_default_float():
    y = erf(tg.tensor([0, 1, -2]))
    assert y.dtype == tg.get_default_dtype()
    np.testing.assert_allclose(y.data, ref_erf(np.array([0.0, 1.0, -2.0])), rtol=1e-6)


def test_erf_rejects_non_tensors():
    with pytest.raises(TypeError, match="erf: expected a Tensor"):
        erf([1.0, 2.0])


@given(tensors(shape=shapes(max_dims=2, max_side=4), min_value=-4, max_value=4))
def test_erf_grad_matches_numerical(x):
    assert gradcheck(erf, (x,))


def test_erf_grad_is_gaussian_density():
    x = Tensor(np.linspace(-4, 4, 33), requires_grad=True)
    erf(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 / np.sqrt(np.pi) * np.exp(-x.data**2), rtol=1e-14)


@given(tensors(shape=shapes(max_dims=1, max_side=3), min_value=-3, max_value=3))
def test_erf_second_derivative_matches_numerical(x):
    assert gradgradcheck(erf, (x,))


# ---------------------------------------------------------------- expm1


def test_expm1_is_accurate_where_exp_minus_one_cancels():
    x = np.array([1e-12, -1e-10, 3e-8, -2e-5, 1e-300])
    np.testing.assert_allclose(expm1(Tensor(x)).data, ref_expm1(x), rtol=1e-15, atol=0)


@given(tensors(shape=shapes(max_dims=2, max_side=4), requires_grad=False, min_value=-20, max_value=20))
def test_expm1_matches_math_expm1(x):
    np.testing.assert_allclose(expm1(x).data, ref_expm1(x.data), rtol=1e-14, atol=0)


@given(tensors(shape=shapes(max_dims=2, max_side=4), min_value=-3, max_value=3))
def test_expm1_grad_and_second_derivative_match_numerical(x):
    assert gradcheck(expm1, (x,))
    if x.numel() <= 4:
        assert gradgradcheck(expm1, (x,))
