"""Elementwise ops: y_i = f(x_i) or y_i = f(a_i, b_i) with numpy broadcasting.

Each Jacobian is diagonal, so each backward is "incoming gradient times the local
derivative", elementwise. Binary ops return the gradient of the *broadcast* result; the
engine then sums it back to each input's shape (``autograd.engine.sum_to``).

Backward formulas are written with numpy functions: with ``create_graph=True`` they run
on Tensors, which dispatch those calls to the ops below, so they are differentiable too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd.function import Op
from ..tensor import Tensor

# ---------------------------------------------------------------------------- unary


class Neg(Op):
    """y = -x;   dy/dx = -1"""

    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, g):
        return (-g,)


class Exp(Op):
    """y = exp(x);   dy/dx = exp(x) = y"""

    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_values
        return (g * y,)


class Log(Op):
    """y = log(x);   dy/dx = 1 / x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_values
        return (g / x,)


class Log1p(Op):
    """y = log(1 + x);   dy/dx = 1 / (1 + x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_values
        return (g / (1 + x),)


class Sqrt(Op):
    """y = sqrt(x);   dy/dx = 1 / (2 sqrt(x)) = 1 / (2 y)"""

    @staticmethod
    def forward(ctx, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_values
        return (g / (2 * y),)


class Rsqrt(Op):
    """y = 1 / sqrt(x);   dy/dx = -1/2 x^(-3/2) = -y^3 / 2"""

    @staticmethod
    def forward(ctx, x):
        y = 1 / np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_values
        return (-0.5 * g * y * y * y,)


class Sin(Op):
    """y = sin(x);   dy/dx = cos(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_values
        return (g * np.cos(x),)


class Cos(Op):
    """y = cos(x);   dy/dx = -sin(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_values
        return (-g * np.sin(x),)


class Tanh(Op):
    """y = tanh(x);   dy/dx = 1 - tanh(x)^2 = 1 - y^2   (the Jacobian is diagonal)"""

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_values
        return (g * (1 - y * y),)


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) on an array, computed as exp(min(x, 0)) / (1 + exp(-|x|)).

    Both forms are equal (for x < 0 multiply 1 / (1 + exp(-x)) by exp(x) / exp(x)), but
    here no exponent is ever positive, so nothing overflows for large |x|, and tiny
    results such as sigmoid(-100) = 3.7e-44 keep their full relative precision.
    """
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


class Sigmoid(Op):
    """y = 1 / (1 + exp(-x));   dy/dx = y (1 - y)

    Computed by ``stable_sigmoid``, so that no exp overflows for large |x|.
    """

    @staticmethod
    def forward(ctx, x):
        y = stable_sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_values
        return (g * y * (1 - y),)


class Relu(Op):
    """y = max(x, 0);   dy/dx = 1 if x > 0 else 0   (0 at x = 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_values
        return (g * (y > 0),)

    @staticmethod
    def backward_reusing(ctx, g):  # (see Op): the same product, written into g
        (y,) = ctx.saved_values
        np.multiply(g, y > 0, out=g)
        return (g,)


class Abs(Op):
    """y = |x|;   dy/dx = sign(x)   (0 at x = 0)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_values
        return (g * np.sign(x),)


class Square(Op):
    """y = x^2;   dy/dx = 2 x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.square(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_values
        return (2 * x * g,)


class Reciprocal(Op):
    """y = 1 / x;   dy/dx = -1 / x^2 = -y^2"""

    @staticmethod
    def forward(ctx, x):
        y = np.reciprocal(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_values
        return (-g * y * y,)


class Sign(Op):
    """y = sign(x);   dy/dx = 0 (almost everywhere)"""

    @staticmethod
    def forward(ctx, x):
        return np.sign(x)

    @staticmethod
    def backward(ctx, g):
        return (g * 0,)


class Clamp(Op):
    """y = min(max(x, lo), hi);   dy/dx = 1 where lo <= x <= hi, else 0 (as PyTorch)"""

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        mask = np.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x >= lo
        if hi is not None:
            mask &= x <= hi
        ctx.save_for_backward(mask)
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_values
        return (g * mask,)


# ---------------------------------------------------------------------------- binary


class Add(Op):
    """y = a + b;   dy/da = 1,  dy/db = 1"""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Op):
    """y = a - b;   dy/da = 1,  dy/db = -1"""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, -g if ctx.needs_input_grad[1] else None


class Mul(Op):
    """y = a * b;   dy/da = b,  dy/db = a"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_values
        need = ctx.needs_input_grad
        return g * b if need[0] else None, g * a if need[1] else None


class Div(Op):
    """y = a / b;   dy/da = 1 / b,  dy/db = -a / b^2"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_values
        need = ctx.needs_input_grad
        return g / b if need[0] else None, -g * a / (b * b) if need[1] else None


class Pow(Op):
    """y = a^b;   dy/da = b a^(b-1),  dy/db = a^b log(a)   (taken as 0 where a = 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b):
        y = np.power(a, b)
        if not isinstance(a, np.ndarray):
            # a number base (2 ** t) is saved in y's dtype: kept as an int, backward's
            # log(a) would run on an int tensor, i.e. in float32, under create_graph
            a = np.asarray(a, dtype=y.dtype)
        ctx.save_for_backward(a, b)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_values
        need = ctx.needs_input_grad
        ga = gb = None
        if need[0]:
            # d/da a^0 = 0 also at a = 0, where b a^(b-1) is 0 * inf = nan (PyTorch gives 0 too)
            if isinstance(b, int | float | np.number):  # a number exponent (x ** 2): the usual case
                ga = g * b * np.power(a, b - 1) if b != 0 else g * 0
            else:
                ga = g * b * np.power(a, b - 1)
                both_zero = (_raw(a) == 0) & (_raw(b) == 0)
                if np.any(both_zero):
                    ga = np.where(both_zero, 0, ga)
        if need[1]:
            safe_log = np.log(np.where(a == 0, 1, a))  # a^b log a -> 0 as a -> 0 for b > 0
            gb = g * np.power(a, b) * safe_log
        return ga, gb


class Maximum(Op):
    """y = max(a, b);   dy/da = 1 where a > b, 1/2 where a = b, else 0 (ties split, as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b):
        y = np.maximum(a, b)
        wa = (a > b) + 0.5 * (a == b)
        ctx.save_for_backward(wa.astype(y.dtype, copy=False))
        return y

    @staticmethod
    def backward(ctx, g):
        (wa,) = ctx.saved_values
        return g * wa, g * (1 - wa)


class Minimum(Op):
    """y = min(a, b);   dy/da = 1 where a < b, 1/2 where a = b, else 0"""

    @staticmethod
    def forward(ctx, a, b):
        y = np.minimum(a, b)
        wa = (a < b) + 0.5 * (a == b)
        ctx.save_for_backward(wa.astype(y.dtype, copy=False))
        return y

    @staticmethod
    def backward(ctx, g):
        (wa,) = ctx.saved_values
        return g * wa, g * (1 - wa)


class Where(Op):
    """y = a where cond else b;   dy/da = cond,  dy/db = not cond"""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_values
        need = ctx.needs_input_grad
        zero = np.zeros((), dtype=g.dtype)
        return (
            None,
            np.where(cond, g, zero) if need[1] else None,
            np.where(cond, zero, g) if need[2] else None,
        )


class Cast(Op):
    """y = x converted to another dtype;   dy/dx = 1 (converted back)"""

    @staticmethod
    def forward(ctx, x, dtype=None):
        ctx.in_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return (g.astype(ctx.in_dtype),)


class Clone(Op):
    """y = a copy of x;   dy/dx = 1"""

    @staticmethod
    def forward(ctx, x):
        return np.array(x)

    @staticmethod
    def backward(ctx, g):
        return (g,)


class Contiguous(Op):
    """y = x copied into row-major (C) order;   dy/dx = 1

    Same values; only the memory layout changes, e.g. of a transposed view, so that the
    matrix products that read it run on the fast path of BLAS.
    """

    @staticmethod
    def forward(ctx, x):
        return np.array(x, order="C")

    @staticmethod
    def backward(ctx, g):
        return (g,)


# ---------------------------------------------------------------------------- functions


def _float_result(dt: np.dtype) -> np.dtype:
    return dt if dt.kind == "f" else dtypes.get_default_dtype()


def _operands(op: str, a: Any, b: Any) -> tuple[Any, Any]:
    """Apply PyTorch's type promotion for ``a op b``: scalars never widen a tensor's dtype.

    Returns arrays/Tensors ready for numpy: Python and numpy scalars stay scalars (numpy
    then keeps the tensor's float dtype), an int tensor meeting a float becomes the float
    dtype, and plain arrays or lists become constant tensors.
    """
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        da, db = a.data.dtype, b.data.dtype
        if da is not db and da != db and (da.kind == "f") != (db.kind == "f"):
            if da.kind == "f":
                b = cast(b, da)
            else:
                a = cast(a, db)
        return a, b
    if ta:
        return a, _scalar_or_tensor(op, b, a)
    if tb:
        return _scalar_or_tensor(op, a, b), b
    raise TypeError(f"{op}: expected at least one Tensor operand")


def _scalar_or_tensor(op: str, s: Any, t: Tensor) -> Any:
    if isinstance(s, np.generic) or isinstance(s, float | int | bool):
        s = s.item() if isinstance(s, np.generic) else s
        if isinstance(s, float) and t.data.dtype.kind != "f":
            return _ScalarCast(s, dtypes.get_default_dtype())
        if isinstance(s, int) and not isinstance(s, bool) and t.data.dtype.kind == "b":
            return _ScalarCast(s, np.dtype(np.int64))
        return s
    if isinstance(s, np.ndarray | list | tuple):
        if isinstance(s, np.ndarray):
            if s.dtype.kind not in "fiub":  # complex, object, strings: no silent casts
                raise TypeError(
                    f"{op}: unsupported operand dtype {s.dtype} (array of shape {s.shape}) with a "
                    f"Tensor of shape {t.shape}, dtype {t.dtype}; supported are float, int and bool"
                )
            other = Tensor._make(s, False, None)
        else:
            try:
                other = Tensor(s)
            except (TypeError, ValueError) as e:
                raise type(e)(f"{op}: cannot use this {type(s).__name__} as an operand: {e}") from None
        return _operands(op, t, other)[1]
    raise TypeError(
        f"{op}: unsupported operand type {type(s).__name__} with a Tensor of shape {t.shape}, "
        f"dtype {t.dtype}; expected a Tensor, array or Python number"
    )


class _ScalarCast:
    """Marker: the tensor operand must be cast before combining with this scalar."""

    def __init__(self, s: Any, dtype: np.dtype) -> None:
        self.s, self.dtype = s, dtype


def _binary(op_cls: type[Op], name: str, a: Any, b: Any) -> Tensor:
    if type(a) is Tensor and type(b) is Tensor and a.data.dtype is b.data.dtype:
        return op_cls.apply2(a, b)  # the common case, checked first to keep it fast
    a, b = _operands(name, a, b)
    if isinstance(a, _ScalarCast):
        b = cast(b, a.dtype)
        a = a.s
    if isinstance(b, _ScalarCast):
        a = cast(a, b.dtype)
        b = b.s
    return op_cls.apply(a, b)


def add(input: Any, other: Any, alpha: Any = 1) -> Tensor:  # noqa: A002 - torch's name
    """input + alpha * other, broadcasting."""
    return _binary(Add, "add", input, other if alpha == 1 else mul(other, alpha))


def sub(input: Any, other: Any, alpha: Any = 1) -> Tensor:  # noqa: A002
    """input - alpha * other, broadcasting."""
    return _binary(Sub, "sub", input, other if alpha == 1 else mul(other, alpha))


def mul(input: Any, other: Any) -> Tensor:  # noqa: A002
    return _binary(Mul, "mul", input, other)


def div(input: Any, other: Any) -> Tensor:  # noqa: A002
    """True division; integer tensors divide to the default float dtype, as in PyTorch."""
    a, b = input, other
    for t in (a, b):
        if isinstance(t, Tensor) and t.data.dtype.kind != "f":
            if not any(isinstance(u, Tensor) and u.data.dtype.kind == "f" for u in (a, b)):
                a = cast(a, dtypes.get_default_dtype()) if isinstance(a, Tensor) else a
                b = cast(b, dtypes.get_default_dtype()) if isinstance(b, Tensor) else b
            break
    return _binary(Div, "div", a, b)


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001 - torch's name
    if isinstance(exponent, Tensor) and exponent.data.dtype == np.bool_:
        _no_bool(input, "pow")  # bool ** bool: numpy would answer in int8; PyTorch refuses
    return _binary(Pow, "pow", input, exponent)


def rsub(a: Any, b: Any) -> Tensor:
    return _binary(Sub, "sub", b, a)


def rdiv(a: Any, b: Any) -> Tensor:
    return div(b, a)


def rpow(a: Any, b: Any) -> Tensor:
    return _binary(Pow, "pow", b, a)


def maximum(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    return _binary(Maximum, "maximum", input, other)


def minimum(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    return _binary(Minimum, "minimum", input, other)


def where(condition: Any, input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``input if condition else other``, all three broadcast together."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = Tensor(input)
    a, b = _operands("where", input, other)
    if isinstance(a, _ScalarCast):
        b, a = cast(b, a.dtype), a.s
    if isinstance(b, _ScalarCast):
        a, b = cast(a, b.dtype), b.s
    try:
        return Where.apply(cond, a, b)
    except ValueError as e:
        raise ValueError(
            f"where: condition {cond.shape}, input {np.shape(_raw(a))} and other "
            f"{np.shape(_raw(b))} cannot be broadcast together"
        ) from e


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def unary_method(op_cls: type[Op], general: Any) -> Any:
    """The Tensor method of a unary op: float tensors go straight to the op's ``apply1``;
    anything else takes ``general`` (the checked function: casts, errors)."""
    apply1 = op_cls.apply1

    def method(self: Tensor) -> Tensor:
        if self.data.dtype.kind == "f":
            return apply1(self)
        return general(self)

    method.__name__ = method.__qualname__ = general.__name__
    method.__doc__ = general.__doc__
    return method


def binary_method(op_cls: type[Op], general: Any, floats_only: bool = False) -> Any:
    """The Tensor operator of a binary op (``a + b``): two Tensors of one dtype (a float
    dtype if ``floats_only``) go straight to the op's ``apply2``; anything else (scalars,
    arrays, mixed dtypes) takes ``general``."""
    apply2 = op_cls.apply2

    def method(self: Tensor, other: Any) -> Tensor:
        if type(other) is Tensor and self.data.dtype is other.data.dtype and (
            not floats_only or self.data.dtype.kind == "f"
        ):
            return apply2(self, other)
        return general(self, other)

    method.__name__ = method.__qualname__ = general.__name__
    method.__doc__ = general.__doc__
    return method


def _unary(op_cls: type[Op], name: str, x: Any, floats_only: bool = True) -> Tensor:
    if type(x) is Tensor and x.data.dtype.kind == "f":
        return op_cls.apply1(x)  # the common case, checked first to keep it fast
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if floats_only and x.data.dtype.kind != "f":
        x = cast(x, dtypes.get_default_dtype())  # torch.exp(int tensor) -> float tensor
    return op_cls.apply(x)


def neg(x: Tensor) -> Tensor:
    if type(x) is Tensor and x.data.dtype.kind == "f":
        return Neg.apply1(x)  # the usual case, without the checks below
    if isinstance(x, Tensor) and x.data.dtype == np.bool_:
        raise RuntimeError(
            f"neg: negation, the `-` operator, on a bool tensor (shape {x.shape}) is not supported; "
            "to invert a mask use the `~` operator or logical_not()"
        )
    return _unary(Neg, "neg", x, floats_only=False)


def exp(x: Tensor) -> Tensor:
    return _unary(Exp, "exp", x)


def log(x: Tensor) -> Tensor:
    return _unary(Log, "log", x)


def log1p(x: Tensor) -> Tensor:
    return _unary(Log1p, "log1p", x)


def sqrt(x: Tensor) -> Tensor:
    return _unary(Sqrt, "sqrt", x)


def rsqrt(x: Tensor) -> Tensor:
    return _unary(Rsqrt, "rsqrt", x)


def sin(x: Tensor) -> Tensor:
    return _unary(Sin, "sin", x)


def cos(x: Tensor) -> Tensor:
    return _unary(Cos, "cos", x)


def tanh(x: Tensor) -> Tensor:
    return _unary(Tanh, "tanh", x)


def sigmoid(x: Tensor) -> Tensor:
    return _unary(Sigmoid, "sigmoid", x)


def relu(x: Tensor) -> Tensor:
    _no_bool(x, "relu")
    return _unary(Relu, "relu", x, floats_only=False)


def _no_bool(x: Any, op: str) -> None:
    if isinstance(x, Tensor) and x.data.dtype == np.bool_:
        raise RuntimeError(f"{op}: boolean inputs are not supported (got a bool tensor of shape {x.shape})")


def abs(x: Tensor) -> Tensor:  # noqa: A001
    return _unary(Abs, "abs", x, floats_only=False)


def square(x: Tensor) -> Tensor:
    if isinstance(x, Tensor) and x.data.dtype == np.bool_:
        x = cast(x, np.int64)  # numpy would square bools into int8; PyTorch gives int64
    return _unary(Square, "square", x, floats_only=False)


def reciprocal(x: Tensor) -> Tensor:
    return _unary(Reciprocal, "reciprocal", x)


def sign(x: Tensor) -> Tensor:
    if isinstance(x, Tensor) and x.data.dtype == np.bool_:
        return clone(x)  # numpy has no sign for bool; sign(True) = True as in PyTorch
    return _unary(Sign, "sign", x, floats_only=False)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A001, A002
    """Limit values to [min, max]; either bound may be None or a Tensor."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if not isinstance(input, Tensor):
        raise TypeError(f"clamp: expected a Tensor, got {type(input).__name__}")
    bounds = [b for b in (min, max) if b is not None]
    for b in bounds:
        if not isinstance(b, Tensor | int | float | np.number):
            raise TypeError(f"clamp: min and max must be numbers or Tensors, got {type(b).__name__}")
    kind = input.data.dtype.kind
    if kind != "f" and any(isinstance(b, float | np.floating) for b in bounds):
        input = cast(input, dtypes.get_default_dtype())  # clamp(int tensor, 0.5) is a float result
    elif kind == "b" and any(not isinstance(b, Tensor | bool | np.bool_) for b in bounds):
        input = cast(input, np.int64)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        try:
            np.broadcast_shapes(input.shape, *(np.shape(_raw(b)) for b in bounds))
        except ValueError:
            raise RuntimeError(
                f"clamp: input of shape {input.shape} and bounds of shapes "
                f"{[np.shape(_raw(b)) for b in bounds]} cannot be broadcast together"
            ) from None
        # Tensor bounds: choose with `where` so that, as in PyTorch, x keeps gradient 1 on
        # the boundary and a bound gets the gradient only where it strictly wins
        # (maximum/minimum would split ties 1/2 - 1/2).
        if max is None:
            return where(input >= min, input, min)
        if min is None:
            return where(input <= max, input, max)
        inside = (input >= min) & (input <= max)
        min_wins = (input < min) & (min < max)  # if min >= max the result is max
        return where(inside, input, where(min_wins, min, max))
    return Clamp.apply(input, lo=min, hi=max)


clip = clamp


def cast(x: Any, dtype: Any) -> Tensor:
    dt = dtypes.as_dtype(dtype)
    if x.data.dtype == dt:
        return x
    if x.requires_grad and dt.kind != "f":
        return Tensor._make(x.data.astype(dt), False, None)  # integer results carry no grad
    return Cast.apply(x, dtype=dt)


def contiguous(x: Tensor) -> Tensor:
    """``x`` itself if its data is already in row-major order, else a copy that is (as PyTorch)."""
    return x if x.data.flags.c_contiguous else Contiguous.apply(x)


def clone(x: Tensor) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"clone: expected a Tensor, got {type(x).__name__}")
    return Clone.apply(x)
