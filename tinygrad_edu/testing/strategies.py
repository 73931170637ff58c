"""Hypothesis strategies drawing Tensors and shapes, and ``check_gradients``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as e:  # pragma: no cover - exercised only without the test extra
    raise ImportError(
        "tinygrad_edu.testing needs hypothesis: pip install 'tinygrad-edu[test]'"
    ) from e

from ..gradcheck import gradcheck, gradgradcheck
from ..tensor import Tensor


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    """Array shapes, including 0-d ``()`` and size-1 dims by default."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(
    n: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy:
    """Tuples of ``n`` shapes that broadcast together (some dims 1, some missing)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda r: tuple(r.input_shapes))


def tensors(
    shape: Any = None,
    dtype: Any = np.float64,
    elements: st.SearchStrategy | None = None,
    requires_grad: bool = True,
    min_value: float = -3.0,
    max_value: float = 3.0,
) -> st.SearchStrategy:
    """Tensors of ``shape`` (a tuple or a strategy of shapes; default :func:`shapes`).

    Floats are drawn from [min_value, max_value] without NaN/inf; float tensors require
    grad unless ``requires_grad=False``.
    """
    dt = np.dtype(dtype)
    if elements is None:
        if dt.kind == "f":
            elements = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, width=64)
        elif dt.kind == "b":
            elements = st.booleans()
        else:
            elements = st.integers(int(min_value), int(max_value))
    if shape is None:
        shape_st = shapes()
    elif isinstance(shape, st.SearchStrategy):
        shape_st = shape
    else:
        shape_st = st.just(tuple(shape))
    arrays = hnp.arrays(dt, shape_st, elements=elements)
    return arrays.map(lambda a: Tensor(a, requires_grad=requires_grad and dt.kind == "f"))


def check_gradients(
    fn: Callable[..., Any],
    *strategies: st.SearchStrategy,
    max_examples: int = 50,
    second_order: bool = False,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Run :func:`gradcheck` (and :func:`gradgradcheck` if ``second_order``) of ``fn``
    on inputs drawn from ``strategies``; raise ``GradcheckError`` on the shrunk failing input.

    Example::

        check_gradients(lambda a, b: (a * b).sin(), tensors((3,)), tensors((3,)))
    """

    @settings(max_examples=max_examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(st.tuples(*strategies))
    def run(inputs: tuple[Tensor, ...]) -> None:
        gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
        if second_order:
            gradgradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)

    run()
