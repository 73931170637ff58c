"""Differential fuzzing with random programs of 5-30 ops (see programs.py for how they are built).

Each property runs hypothesis-drawn programs and checks

- every intermediate value against the plain numpy reference interpreter;
- (a) the gradients of the output with respect to every input against central differences;
- (b) first and second derivatives (gradgradcheck) for programs of at most 10 ops;
- (c) values, gradients (with a random output gradient, by ``autograd.grad`` and by
  ``backward``) and second derivatives (a Hessian-vector product) against the same program
  in PyTorch; once for programs of all ops, once for programs of shape and indexing ops only.

Example counts scale with the hypothesis profile: ``HYPOTHESIS_PROFILE=long`` runs 20 times
as many as the default ``ci`` profile. Every program is counted in the hardening report.
A failure prints the program as ``Program(...)``: paste it as an ``@example`` to pin it.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck

from .._report import case
from .programs import SHAPE_OPS, Program, Step, programs, run_numpy, run_tensors

TORCH_REASON = "PyTorch not installed: parity tests need it"
requires_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason=TORCH_REASON)

# 1 under the ci profile (25 examples), 20 under long (500)
SCALE = settings.default.max_examples / 25

# Rounding differs between implementations (summation order, fused formulas) by ~1e-16
# relative per op; 30 ops with slopes up to ~10 keep that far below 1e-9. Derivatives
# computed from a saturated output lose more: tanh's is 1 - y**2 (in both libraries), and
# where y = tanh(9) = 1 - 3e-8 the rounding of y alone is 3e-9 of it (SATURATED_TANH).
RTOL, ATOL = 1e-8, 1e-12


def fuzz(n: int) -> settings:
    """``n`` examples under the ci profile, scaled under the others."""
    return settings(
        max_examples=max(1, round(n * SCALE)),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


def leaves(p: Program) -> list[Tensor]:
    return [Tensor(x, requires_grad=True) for x in p.inputs()]


def output_fn(p: Program):  # noqa: ANN201
    return lambda *xs: run_tensors(p, tg, xs)[-1]


def derivatives(p: Program, lib: Any, inputs: list[np.ndarray]) -> tuple[list, ...]:
    """Run ``p`` with ``lib``'s tensors: (values, v^T J by autograd.grad with create_graph,
    d/dx <v^T J, w> (a Hessian-vector product), v^T J accumulated into .grad by backward).
    Missing gradients (an input the output does not depend on) count as zeros."""
    xs = [lib.tensor(x, requires_grad=True) for x in inputs]
    values = run_tensors(p, lib, xs)
    out = values[-1]
    v = p.grad_output(tuple(out.shape))
    grads = lib.autograd.grad(out, xs, lib.tensor(v), create_graph=True, allow_unused=True)
    rng = np.random.default_rng(p.seed + 2)
    ws = [rng.standard_normal(tuple(x.shape)) for x in xs]
    terms = [(g * lib.tensor(w)).sum() for g, w in zip(grads, ws) if g is not None and g.requires_grad]
    second: Any = [None] * len(xs)
    if terms:
        second = lib.autograd.grad(sum(terms), xs, allow_unused=True)
    fresh = [lib.tensor(x, requires_grad=True) for x in inputs]
    run_tensors(p, lib, fresh)[-1].backward(lib.tensor(v))

    def arrays(ts: Any) -> list:
        return [np.zeros(tuple(x.shape)) if t is None else t.detach().numpy(force=True)
                for t, x in zip(ts, xs)]

    return ([t.detach().numpy(force=True) for t in values], arrays(grads), arrays(second),
            arrays([x.grad for x in fresh]))


def assert_close(got: list, want: list, what: str, p: Program) -> None:
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, f"{what} {k}: shape {g.shape}, expected {w.shape}\n{p.pretty()}"
        # An entry may be the small difference of large terms (a Hessian row of [-1.6e-6,
        # -6.4e-7, 237]): its rounding scales with the array's largest entry, not its own.
        finite = np.abs(w[np.isfinite(w)])
        scale = float(finite.max()) if finite.size else 0.0
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL + RTOL * scale,
                                   err_msg=f"{what} {k}\n{p.pretty()}")


# exp(tanh(expm1(exp(a b)))) with tanh's input at 9: the two libraries' Hessian-vector
# products differ by 2.8e-9 relative (exact, by 50-digit mpmath: ours is off by 1.0e-9,
# PyTorch's by 1.8e-9): the limit of 1 - tanh**2 there, not a bug.
SATURATED_TANH = Program(
    shapes=((1,), (1,), ()),
    seed=296,
    steps=(
        Step("mul", (2, 1)),
        Step("max_dim", (3,), {"dim": 0, "keepdim": False}),
        Step("exp", (4,)),
        Step("max_dim", (1,), {"dim": 0, "keepdim": False}),
        Step("expm1", (5,)),
        Step("tanh", (7,)),
        Step("exp", (8,)),
        Step("weighted_sum", (6,), {"seed": 0}),
        Step("add", (9, 10)),
    ),
)

# tanh(expm1(4 |x| / 2)) at x = -1.498: tanh(19.01) is 1 - 6e-17, which numpy rounds to
# 1.0 (so our derivatives are 0) and PyTorch to 1 - 1.1e-16 (its Hessian-vector product is
# -1.07e-12); the exact one (50-digit mpmath) is -5.9e-13. Other ops after the tanh scale
# the difference without bound, so where a value rounds to +-1 in one library only, the
# parity test compares values alone (the central-difference tests still check ours).
TANH_ROUNDS_TO_ONE = Program(
    shapes=((1,),),
    seed=3644,
    steps=(
        Step("abs", (0,)),
        Step("add", (1, 1)),
        Step("add", (2, 2)),
        Step("mul_const", (3,), {"c": 0.5}),
        Step("expm1", (4,)),
        Step("tanh", (5,)),
    ),
)

# Shrunk programs that found bugs (test_regressions.py has them as plain tests).
# An int and an index array apart: PyTorch applies the int first, numpy broadcast them
# together, giving the transposed (3, 3) result.
INT_THEN_ARRAY = Program(
    shapes=((2, 3, 2),),
    seed=0,
    steps=(Step("getitem", (0,), {"index": (0, slice(None), [1, 0, 1])}),),
)
# Same, where the transposed shape (1, 3) instead of (3, 1) made the next add fail to broadcast.
INT_ELLIPSIS_ARRAY = Program(
    shapes=((1, 3, 2),),
    seed=0,
    steps=(
        Step("getitem", (0,), {"index": (0, Ellipsis, [0])}),
        Step("add", (1, 0)),
        Step("weighted_sum", (2,), {"seed": 0}),
    ),
)
# An Ellipsis standing for no dim between two index arrays: numpy counts it as separating
# them (moving the indexed dim to the front), PyTorch does not. (1, 3) in PyTorch, (3, 1) before.
EMPTY_ELLIPSIS = Program(
    shapes=((1, 1, 1),),
    seed=0,
    steps=(Step("getitem", (0,), {"index": (None, [0, 0, 0], Ellipsis, [0, 0, 0], 0)}),),
)
# x*x*x + x with a 0-d x: the third gradient reaching x was added in place into a numpy
# scalar (an in-progress engine optimisation): TypeError.
ZERO_D_FAN_IN = Program(
    shapes=((),),
    seed=0,
    steps=(Step("mul", (0, 0)), Step("mul", (1, 0)), Step("add", (2, 0))),
)


# -------------------------------------------------------------------------- values
@fuzz(150)
@given(programs())
@example(INT_THEN_ARRAY)
@example(INT_ELLIPSIS_ARRAY)
def test_random_program_values_match_numpy_reference(p: Program) -> None:
    with case("random programs"):
        got = run_tensors(p, tg, [Tensor(x) for x in p.inputs()])
        for k, t in enumerate(got):
            assert isinstance(t, Tensor) and t.dtype == np.float64, f"v{k}: {type(t).__name__} {t.dtype}"
        assert_close([t.data for t in got], run_numpy(p), "value v", p)


# ------------------------------------------------------------------- (a) gradcheck
@fuzz(200)
@given(programs())
@example(INT_ELLIPSIS_ARRAY)
@example(ZERO_D_FAN_IN)
def test_random_program_gradients_match_central_differences(p: Program) -> None:
    with case("random programs"):
        assert gradcheck(output_fn(p), leaves(p))


# --------------------------------------------------------------- (b) gradgradcheck
@fuzz(100)
@given(programs(max_ops=10))
@example(ZERO_D_FAN_IN)
def test_random_program_second_derivatives_match_central_differences(p: Program) -> None:
    with case("random programs"):
        xs = leaves(p)
        out_shape = run_numpy(p)[-1].shape
        assert gradgradcheck(output_fn(p), xs, grad_outputs=[p.grad_output(out_shape)])


# ----------------------------------------------------------------- (c) torch parity
@requires_torch
@fuzz(150)
@given(programs())
@example(INT_THEN_ARRAY)
@example(ZERO_D_FAN_IN)
@example(SATURATED_TANH)
@example(TANH_ROUNDS_TO_ONE)
def test_random_program_matches_torch(p: Program) -> None:
    check_against_torch(p)


@requires_torch
@fuzz(100)
@given(programs(ops=SHAPE_OPS))
@example(EMPTY_ELLIPSIS)
def test_random_shape_program_matches_torch(p: Program) -> None:
    """Programs of indexing, reshaping, broadcasting and matmul only: PyTorch's semantics."""
    check_against_torch(p)


def check_against_torch(p: Program) -> None:
    import torch

    with case("random programs"):
        ours = derivatives(p, tg, p.inputs())
        theirs = derivatives(p, torch, p.inputs())
        assert_close(ours[0], theirs[0], "value v", p)
        if _rounds_to_one_in_one_library(ours[0], theirs[0]):
            return  # see TANH_ROUNDS_TO_ONE: derivatives there are rounding noise in both
        whats = ("gradient of input", "second derivative of input", ".grad from backward of input")
        for what, g, w in zip(whats, ours[1:], theirs[1:]):
            assert_close(g, w, what, p)


def _rounds_to_one_in_one_library(ours: list, theirs: list) -> bool:
    """Whether some value is exactly +-1 in one library and not in the other.

    That is a saturated tanh (or similar) whose true value lies within an ulp of 1:
    derivatives computed from it (1 - y**2) are exactly 0 in one library and ~2e-16 times
    the slopes of the surrounding ops in the other, an unbounded difference of rounding.
    """
    return any(np.any((np.abs(a) == 1) != (np.abs(b) == 1)) for a, b in zip(ours, theirs))


def test_program_repr_round_trips() -> None:
    """The printed form of a falsifying program is what gets pasted into @example."""
    p = Program(
        shapes=((2, 3, 4), (4,)),
        seed=7,
        steps=(
            Step("mul", (0, 1)),
            Step("getitem", (2,), {"index": (0, None, slice(None, None, 2), [1, 0])}),
            Step("sum", (3,), {"dim": None, "keepdim": False}),
        ),
    )
    q = eval(repr(p), {"Program": Program, "Step": Step})  # noqa: S307 - our own repr
    assert repr(q) == repr(p)
    assert [v.tolist() for v in run_numpy(q)] == [v.tolist() for v in run_numpy(p)]
