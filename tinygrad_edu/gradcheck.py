"""Numerical gradient checking: is backward right?

The analytical Jacobian comes from the engine (one backward per output element); the
numerical one from central differences in float64:

    dF_i/dx_j  ~  (F_i(x + eps e_j) - F_i(x - eps e_j)) / (2 eps)

whose error is O(eps^2). They must agree to ``atol + rtol * |numerical|``.

Example::

    x = tg.randn(3, 4, dtype=tg.float64, requires_grad=True)
    tg.gradcheck(lambda t: (t.tanh() * t).sum(dim=1), (x,))      # True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd.engine import grad as autograd_grad
from .autograd.grad_mode import enable_grad, no_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Analytical and numerical Jacobians differ; the message shows where and by how much."""


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, list | tuple) else (x,)


def _size(x: Any) -> int:
    return int(np.size(x.data if isinstance(x, Tensor) else x))


def _outputs(fn: Callable, inputs: Sequence[Any]) -> tuple[Tensor, ...]:
    out = _as_tuple(fn(*inputs))
    return tuple(o for o in out if isinstance(o, Tensor) and o.dtype.kind == "f")


def numerical_jacobian(fn: Callable, inputs: Sequence[Any], eps: float = 1e-6) -> list[list[np.ndarray]]:
    """J[i][j]: (outputs[i].size, inputs[j].size) by central differences (float64 inputs)."""
    with no_grad():
        outs = _outputs(fn, inputs)
    jac = [[np.zeros((o.data.size, _size(x))) for x in inputs] for o in outs]
    for j, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        data = x.data
        # entry k in row-major order, written into x's own array (a column-major or strided
        # array's reshape(-1) would be a copy, and perturbing a copy changes nothing)
        for k, at in enumerate(np.ndindex(data.shape)):
            orig = data[at]
            data[at] = orig + eps
            with no_grad():
                plus = [o.data.astype(np.float64).reshape(-1) for o in _outputs(fn, inputs)]
            data[at] = orig - eps
            with no_grad():
                minus = [o.data.astype(np.float64).reshape(-1) for o in _outputs(fn, inputs)]
            data[at] = orig
            for i in range(len(outs)):
                jac[i][j][:, k] = (plus[i] - minus[i]) / (2 * eps)
    return jac


def analytical_jacobian(fn: Callable, inputs: Sequence[Any]) -> list[list[np.ndarray]]:
    """J[i][j] row by row: backward of each one-hot output gradient."""
    with enable_grad():
        outs = _outputs(fn, inputs)
    diff = [j for j, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    jac = [[np.zeros((o.data.size, _size(x))) for x in inputs] for o in outs]
    for i, o in enumerate(outs):
        if not o.requires_grad:
            continue  # does not depend on the inputs: its Jacobian is zero
        for r in range(o.data.size):
            seed = np.zeros(o.data.size, dtype=o.data.dtype)
            seed[r] = 1
            grads = autograd_grad(
                o, [inputs[j] for j in diff], Tensor._make(seed.reshape(o.shape), False, None),
                retain_graph=True, allow_unused=True,
            )
            for j, g in zip(diff, grads):
                if g is not None:
                    jac[i][j][r] = g.data.reshape(-1)
    return jac


def _compare(ana, num, inputs, atol, rtol, what) -> None:  # noqa: ANN001
    problems = []
    for i, (rows_a, rows_n) in enumerate(zip(ana, num)):
        for j, (a, n) in enumerate(zip(rows_a, rows_n)):
            if not (isinstance(inputs[j], Tensor) and inputs[j].requires_grad):
                continue
            bad = ~np.isclose(a, n, rtol=rtol, atol=atol, equal_nan=True)
            if bad.any():
                lines = [
                    f"{what}: Jacobian mismatch for output {i} with respect to input {j} "
                    f"(input shape {inputs[j].shape}); entries [output_index, input_index]:"
                ]
                for r, c in list(zip(*np.nonzero(bad)))[:12]:
                    lines.append(
                        f"  [{r}, {c}]  analytical={a[r, c]:.10g}  numerical={n[r, c]:.10g}  "
                        f"diff={a[r, c] - n[r, c]:.3g}"
                    )
                if bad.sum() > 12:
                    lines.append(f"  ... {int(bad.sum()) - 12} more")
                if a.size <= 64:
                    with np.printoptions(precision=6, suppress=True, linewidth=120):
                        lines.append(f"analytical:\n{a}\nnumerical:\n{n}")
                problems.append("\n".join(lines))
    if problems:
        raise GradcheckError("\n\n".join(problems))


def gradcheck(
    fn: Callable,
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of ``fn(*inputs)`` against central differences.

    Inputs that require grad should be float64 (lower precisions are converted to float64
    copies first, since differences of float32 values are too noisy to compare).
    Returns True, or raises :class:`GradcheckError` (returns False if ``raise_exception=False``).
    """
    inputs = _double_inputs(_as_tuple(inputs))
    try:
        num = numerical_jacobian(fn, inputs, eps)
        ana = analytical_jacobian(fn, inputs)
        _compare(ana, num, inputs, atol, rtol, "gradcheck")
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _double_inputs(inputs: tuple) -> tuple:
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad and x.dtype != np.float64:
            x = Tensor(x.data.astype(np.float64), requires_grad=True)
        out.append(x)
    return tuple(out)


def gradgradcheck(
    fn: Callable,
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck of (inputs, v) -> v^T dfn/dinputs.

    ``grad_outputs`` (the v) are random when not given; they are differentiated too, as in
    ``torch.autograd.gradgradcheck``.
    """
    inputs = _double_inputs(_as_tuple(inputs))
    diff = [j for j, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    with enable_grad():
        outs = _outputs(fn, inputs)
    outs = [o for o in outs if o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outs]
    else:
        grad_outputs = [Tensor(np.asarray(getattr(v, "data", v), dtype=np.float64), requires_grad=True)
                        for v in _as_tuple(grad_outputs)]
    n_in = len(inputs)

    def first_derivative(*args: Any) -> tuple:
        xs, vs = args[:n_in], args[n_in:]
        with enable_grad():  # the numerical Jacobian calls this under no_grad
            ys = [o for o in _outputs(fn, xs) if o.requires_grad]
            if not ys:
                return ()
            gs = autograd_grad(ys, [xs[j] for j in diff], list(vs), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    all_inputs = tuple(inputs) + tuple(grad_outputs)
    try:
        num = numerical_jacobian(first_derivative, all_inputs, eps)
        ana = analytical_jacobian(first_derivative, all_inputs)
        _compare(ana, num, all_inputs, atol, rtol, "gradgradcheck")
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True
