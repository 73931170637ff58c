"""Shared drivers for the optimizer tests: run an optimizer on a parameter for a number of
steps, with gradients either given (synthetic) or computed by autograd on a small
quadratic, and return the trajectory of the parameter. The same drivers exist for
``torch.optim`` (parity tests) and for the numpy reference implementations that each
test module writes from PyTorch's documented update rule."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor, optim

TORCH_REASON = "PyTorch not installed: parity tests need it"

STEPS = 25
SEEDS = st.integers(0, 2**16)

# One rich option set per optimizer, for the tests that run every optimizer.
ALL_OPTIMIZERS: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01, "nesterov": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.01}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01}),
    ("AdamW", {"lr": 0.05, "amsgrad": True}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.01, "decoupled_weight_decay": True}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.01}),
]
ALL_IDS = [name for name, _ in ALL_OPTIMIZERS]


# for hypothesis tests, so that a missing torch skips them before any example runs
requires_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason=TORCH_REASON)


def need_torch() -> Any:
    return pytest.importorskip("torch", reason=TORCH_REASON)


@contextlib.contextmanager
def default_dtype(dtype: Any) -> Iterator[None]:
    """Set tinygrad_edu's (and torch's, when installed) default dtype for a block."""
    old = tg.get_default_dtype()
    tg.set_default_dtype(dtype)
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        old_torch = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64 if np.dtype(dtype) == np.float64 else torch.float32)
    try:
        yield
    finally:
        tg.set_default_dtype(old)
        if torch is not None:
            torch.set_default_dtype(old_torch)


def synthetic_grads(seed: int, shape: tuple[int, ...] = (3, 2), steps: int = STEPS) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((steps, *shape))


def quadratic(seed: int, n: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f(x) = ½ xᵀHx − bᵀx with H symmetric positive definite; ∇f(x) = Hx − b.

    Returns H, b and a start x0 about 10 away from the minimiser in each coordinate. Where
    a coordinate's gradient (H x - b)_i crosses zero, which can happen far from the
    minimiser since H couples the coordinates, adaptive methods with a short memory
    (β2 ≲ 0.7) hop across like sign descent, a regime that amplifies rounding differences
    (~1e-16) by 3-10 per step, so that any two correct implementations drift apart. The
    comparisons therefore restart the other implementation from our parameter at every
    step (``follow``): each step is compared, not the drift.
    """
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n))
    h, b = a @ a.T / n + np.eye(n), rng.standard_normal(n)
    x0 = np.linalg.solve(h, b) + rng.choice([-1.0, 1.0], n) * rng.uniform(8.0, 12.0, n)
    return h, b, x0


# ------------------------------------------------------------------ tinygrad_edu
def run_ours(name: str, kwargs: dict, x0: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """Set ``p.grad`` to each given gradient in turn and step."""
    p = Tensor(x0.copy(), requires_grad=True)
    opt = getattr(optim, name)([p], **kwargs)
    out = []
    for g in grads:
        p.grad = Tensor(g.astype(x0.dtype))
        opt.step()
        out.append(p.data.copy())
    return np.array(out)


def run_ours_quadratic(
    name: str, kwargs: dict, x0: np.ndarray, h: np.ndarray, b: np.ndarray, steps: int = STEPS
) -> np.ndarray:
    """Minimise the quadratic with gradients from autograd, as in a training loop."""
    x = Tensor(x0.copy(), requires_grad=True)
    ht, bt = Tensor(h), Tensor(b)
    opt = getattr(optim, name)([x], **kwargs)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * (x @ (ht @ x)) - (bt * x).sum()
        loss.backward()
        opt.step()
        out.append(x.data.copy())
    return np.array(out)


# ------------------------------------------------------------------------ torch
def run_torch(name: str, kwargs: dict, x0: np.ndarray, grads: np.ndarray) -> np.ndarray:
    torch = need_torch()
    p = torch.tensor(x0.copy(), requires_grad=True)
    opt = getattr(torch.optim, name)([p], **kwargs)
    out = []
    for g in grads:
        p.grad = torch.tensor(g.astype(x0.dtype))
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


def run_torch_quadratic(
    name: str, kwargs: dict, x0: np.ndarray, h: np.ndarray, b: np.ndarray, steps: int = STEPS,
    follow: np.ndarray | None = None,
) -> np.ndarray:
    """``follow``: a trajectory (ours) whose point after step t is where step t + 1 starts."""
    torch = need_torch()
    x = torch.tensor(x0.copy(), requires_grad=True)
    ht, bt = torch.tensor(h), torch.tensor(b)
    opt = getattr(torch.optim, name)([x], **kwargs)
    out = []
    for t in range(steps):
        if follow is not None and t > 0:
            with torch.no_grad():
                x.copy_(torch.from_numpy(follow[t - 1]))
        opt.zero_grad()
        loss = 0.5 * (x @ (ht @ x)) - (bt * x).sum()
        loss.backward()
        opt.step()
        out.append(x.detach().numpy().copy())
    return np.array(out)


# -------------------------------------------------------------- numpy reference
def run_reference(
    step_fn: Callable[[np.ndarray, np.ndarray, dict, int], None],
    x0: np.ndarray,
    grad_fn: Callable[[np.ndarray, int], np.ndarray],
    steps: int = STEPS,
    follow: np.ndarray | None = None,
) -> np.ndarray:
    """Drive a reference update ``step_fn(x, g, state, t)`` (which updates x in place and
    keeps what it needs in ``state``) with gradients ``grad_fn(x, t)``, t = 1, 2, ...
    ``follow``: a trajectory (ours) whose point after step t is where step t + 1 starts."""
    x = x0.astype(np.float64).copy()
    state: dict = {}
    out = []
    for t in range(1, steps + 1):
        if follow is not None and t > 1:
            x = follow[t - 2].astype(np.float64).copy()
        step_fn(x, grad_fn(x, t), state, t)
        out.append(x.copy())
    return np.array(out)


def given_grads(grads: np.ndarray) -> Callable[[np.ndarray, int], np.ndarray]:
    return lambda x, t: grads[t - 1]


def quadratic_grads(h: np.ndarray, b: np.ndarray) -> Callable[[np.ndarray, int], np.ndarray]:
    return lambda x, t: h @ x - b


def assert_trajectories_close(
    ours: np.ndarray, expected: np.ndarray, rtol: float = 1e-10, atol: float | None = None
) -> None:
    """Elementwise closeness; by default ``atol`` is ``rtol`` times the trajectory's scale,
    since a coordinate passing near zero has no meaningful relative error of its own."""
    assert ours.shape == expected.shape
    if atol is None:
        atol = rtol * float(np.abs(expected).max())
    np.testing.assert_allclose(ours, expected, rtol=rtol, atol=atol)


def zero_or(strategy: Any) -> Any:
    """0.0 (the option switched off) or a value from ``strategy``: both paths get tested."""
    return st.just(0.0) | strategy


def check_reference(name: str, opts: dict, step_fn: Any, seed: int, rtol: float = 1e-10) -> None:
    """Ours against a numpy reference, with synthetic gradients on a (3, 2) parameter and
    with autograd gradients of the quadratic on a (3,) parameter."""
    grads = synthetic_grads(seed)
    x0 = synthetic_grads(seed + 1, steps=1)[0]
    assert_trajectories_close(
        run_ours(name, opts, x0, grads), run_reference(step_fn, x0, given_grads(grads)), rtol=rtol
    )
    h, b, x0 = quadratic(seed)
    ours = run_ours_quadratic(name, opts, x0, h, b)
    assert_trajectories_close(ours, run_reference(step_fn, x0, quadratic_grads(h, b), follow=ours), rtol=rtol)


def check_torch(name: str, opts: dict, seed: int, rtol: float = 1e-10) -> None:
    """Ours against torch.optim, on the same two problems."""
    need_torch()
    grads = synthetic_grads(seed)
    x0 = synthetic_grads(seed + 1, steps=1)[0]
    assert_trajectories_close(run_ours(name, opts, x0, grads), run_torch(name, opts, x0, grads), rtol=rtol)
    h, b, x0 = quadratic(seed)
    ours = run_ours_quadratic(name, opts, x0, h, b)
    assert_trajectories_close(ours, run_torch_quadratic(name, opts, x0, h, b, follow=ours), rtol=rtol)
