"""Special functions (``torch.special``): ``erf``, which numpy does not have, and ``expm1``.

    erf(x) = 2 / sqrt(pi) * integral_0^x exp(-t^2) dt

It is what exact GELU (``F.gelu(x, approximate='none')``) is made of:
GELU(x) = x * Phi(x) = x/2 * (1 + erf(x / sqrt(2))), Phi being the normal CDF.

numpy has no ``erf``, and ``math.erf`` applied element by element (``np.frompyfunc``) runs at
Python speed, so the forward below evaluates W. J. Cody's rational approximations
(Math. Comp. 23, 1969; the CALERF routine in SPECFUN) with vectorised numpy: about twice
as fast on large arrays, with a relative error below 1e-15 in float64.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes
from ..autograd.function import Op
from ..tensor import Tensor
from .elementwise import cast

# Cody's coefficients (CALERF). Three intervals of |x|, each with its own rational function.
# |x| <= 0.46875:       erf(x)  = x * P(x^2) / Q(x^2)
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
# 0.46875 < |x| <= 4:   erfc(x) = exp(-x^2) * P(x) / Q(x)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
# |x| > 4:              erfc(x) = exp(-x^2) / x * (1/sqrt(pi) + P(1/x^2) / (x^2 Q(1/x^2)))
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)

_SMALL = 0.46875
# erfc(6) ~ 2e-17 is below half an ulp of 1.0, so erf(x) rounds to +-1 from here on;
# clamping there also keeps the exp/scaling steps free of inf * 0 for huge |x|.
_SATURATE = 6.0
_RSQRT_PI = 1.0 / math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _erf_small(x: np.ndarray) -> np.ndarray:
    z = x * x
    num, den = _A[4] * z, z
    for i in range(3):
        num = (num + _A[i]) * z
        den = (den + _B[i]) * z
    return x * (num + _A[3]) / (den + _B[3])


def _erfc_scaled_mid(y: np.ndarray) -> np.ndarray:
    """exp(y^2) * erfc(y) for 0.46875 < y <= 4."""
    num, den = _C[8] * y, y
    for i in range(7):
        num = (num + _C[i]) * y
        den = (den + _D[i]) * y
    return (num + _C[7]) / (den + _D[7])


def _erfc_scaled_large(y: np.ndarray) -> np.ndarray:
    """exp(y^2) * erfc(y) for y > 4."""
    z = 1.0 / (y * y)
    num, den = _P[5] * z, z
    for i in range(4):
        num = (num + _P[i]) * z
        den = (den + _Q[i]) * z
    return (_RSQRT_PI - z * (num + _P[4]) / (den + _Q[4])) / y


def erf_numpy(x: np.ndarray) -> np.ndarray:
    """erf of a numpy array, computed in float64 and returned in x's (float) dtype."""
    x = np.asarray(x)
    out_dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    x64 = x.astype(np.float64, copy=False)
    y = np.abs(x64)
    out = np.empty_like(x64)

    small = y <= _SMALL
    out[small] = _erf_small(x64[small])

    # Everything else, NaN included (NaN fails both comparisons and propagates).
    rest = ~small
    yr = np.minimum(y[rest], _SATURATE)
    mid = yr <= 4.0
    scaled = np.empty_like(yr)
    scaled[mid] = _erfc_scaled_mid(yr[mid])
    scaled[~mid] = _erfc_scaled_large(yr[~mid])
    # exp(-y^2) as exp(-y0^2) * exp(-(y - y0)(y + y0)) with y0 = y rounded down to 1/16:
    # y0^2 is exact, so the rounding error of y*y is not amplified by the exponential.
    y0 = np.trunc(yr * 16.0) / 16.0
    erfc = np.exp(-y0 * y0) * np.exp(-(yr - y0) * (yr + y0)) * scaled
    out[rest] = np.copysign((0.5 - erfc) + 0.5, x64[rest])
    return out.astype(out_dtype, copy=False)


class Erf(Op):
    """y = erf(x);   dy/dx = 2 / sqrt(pi) * exp(-x^2)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf_numpy(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_values
        return (g * (_TWO_OVER_SQRT_PI * np.exp(-(x * x))),)


def erf(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """The error function, elementwise (``torch.erf``); integer tensors become float."""
    if not isinstance(input, Tensor):
        raise TypeError(f"erf: expected a Tensor, got {type(input).__name__}")
    if input.data.dtype.kind != "f":
        input = cast(input, dtypes.get_default_dtype())
    return Erf.apply(input)


class Expm1(Op):
    """y = exp(x) - 1, accurate for small |x| (np.expm1);   dy/dx = exp(x) = y + 1"""

    @staticmethod
    def forward(ctx, x):
        y = np.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_values
        return (g * (y + 1),)


def expm1(input: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """exp(x) - 1 without the cancellation of computing it that way near x = 0 (``torch.expm1``)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"expm1: expected a Tensor, got {type(input).__name__}")
    if input.data.dtype.kind != "f":
        input = cast(input, dtypes.get_default_dtype())
    return Expm1.apply(input)
