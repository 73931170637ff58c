"""Random differentiable programs for differential fuzzing.

A :class:`Program` starts from 1-3 float64 inputs of mutually broadcastable shapes. Each
:class:`Step` applies one op to values already in the pool (so one value can feed several
branches) and appends its result; the last value is the program's output. The same program
runs on numpy arrays (:func:`run_numpy`, the reference for values) and on the tensors of
``tinygrad_edu`` or ``torch`` (:func:`run_tensors`), so values and gradients can be compared.

:func:`programs` is the hypothesis strategy. It builds a program while evaluating it in
numpy, which lets it

- keep every op inside its domain by adding the repair steps to the program itself
  (log and sqrt of ``x*x + 0.1``, division by ``b*b + 0.5``, exp of ``tanh(x)``, powers of a
  positive base), and keep every value small (|v| <= MAX_ABS) and every tensor small;
- stay away from the points where an op has no derivative (relu/abs at 0, ties of
  maximum/amax/max(dim), clamp bounds, the sign change of a ``where`` condition): central
  differences are meaningless there, so a step that lands within MARGIN of a kink is not
  emitted. Exact ties are kept: inputs come from a continuous distribution, so an exact tie
  means the two sides are the same function (``x`` and an expanded ``x``) or are both locally
  constant (zeros out of a relu), and then every split of the gradient is right.

Reprs are valid Python, so a falsifying example printed by hypothesis pastes into
``@example(Program(...))`` as a regression test.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MARGIN = 1e-3  # distance kept from kinks; gradcheck perturbs inputs by 1e-6
MAX_ABS = 1e3  # larger values make central differences lose digits
MAX_NUMEL = 48  # gradcheck does one backward per output element
MAX_INPUT_NUMEL = 24  # and two forwards per input element


@dataclass
class Step:
    """``values.append(op(*[values[i] for i in args], **kw))``"""

    op: str
    args: tuple[int, ...]
    kw: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        kw = f", {self.kw!r}" if self.kw else ""
        return f"Step({self.op!r}, {self.args!r}{kw})"


@dataclass
class Program:
    """Inputs ``rng(seed).standard_normal(shape)`` for each shape, then ``steps``."""

    shapes: tuple[tuple[int, ...], ...]
    seed: int
    steps: tuple[Step, ...]

    def inputs(self) -> list[np.ndarray]:
        rng = np.random.default_rng(self.seed)
        return [rng.standard_normal(s) for s in self.shapes]

    def grad_output(self, shape: tuple[int, ...]) -> np.ndarray:
        """The random output gradient v for a non-scalar output (v = 1 for a scalar)."""
        if shape == ():
            return np.ones(())
        return np.random.default_rng(self.seed + 1).standard_normal(shape)

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        steps = "".join(f"\n        {s!r}," for s in self.steps)
        return f"Program(\n    shapes={self.shapes!r},\n    seed={self.seed},\n    steps=({steps}\n    ),\n)"

    def pretty(self) -> str:
        """The program as pseudo-code, one line per value: ``v3 = mul(v0, v2)``."""
        lines = [f"v{i} = input{s}" for i, s in enumerate(self.shapes)]
        for k, s in enumerate(self.steps, start=len(self.shapes)):
            args = [f"v{a}" for a in s.args] + [f"{n}={v!r}" for n, v in s.kw.items()]
            lines.append(f"v{k} = {s.op}({', '.join(args)})")
        return "\n".join(lines)


# ------------------------------------------------------------------ numpy reference
def _axes(dim: Any, ndim: int) -> tuple[int, ...]:
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, tuple) else (dim,)
    return tuple(sorted(d % ndim for d in dims))


def _reduce(fn: Callable) -> Callable:
    return lambda x, dim=None, keepdim=False: fn(x, axis=_axes(dim, x.ndim), keepdims=keepdim)


def _np_logsumexp(x: np.ndarray, dim: Any = None, keepdim: bool = False) -> np.ndarray:
    axes = _axes(dim, x.ndim)
    m = np.max(x, axis=axes, keepdims=True)
    y = m + np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True))
    return y if keepdim else np.squeeze(y, axes)


def _np_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=dim, keepdims=True))
    return e / np.sum(e, axis=dim, keepdims=True)


def _np_log_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    s = x - np.max(x, axis=dim, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=dim, keepdims=True))


def _np_squeeze(x: np.ndarray, dim: int | None = None) -> np.ndarray:
    if dim is None:
        return np.squeeze(x)
    # PyTorch: squeezing a dimension whose size is not 1 leaves the tensor unchanged
    return np.squeeze(x, dim) if x.ndim and x.shape[dim] == 1 else x


def _np_flatten(x: np.ndarray, start_dim: int = 0, end_dim: int = -1) -> np.ndarray:
    if x.ndim == 0:
        return x.reshape(1)  # PyTorch flattens a 0-d tensor to shape (1,)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (-1,) + x.shape[e + 1:])


def _np_expand(x: np.ndarray, *sizes: int) -> np.ndarray:
    lead = len(sizes) - x.ndim
    shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
    return np.broadcast_to(x, shape)


def torch_style_index(index: tuple, ndim: int) -> tuple[tuple, tuple | None]:
    """Split an index into PyTorch's two stages: ``x[basic][advanced]``.

    PyTorch applies ints, slices, None and Ellipsis first and only then the index arrays,
    so an int never counts as an advanced index. numpy instead broadcasts ints with the
    arrays, which moves the indexed dimensions to the front when an int and an array are
    separated by a slice: for x of shape (3, 4, 5), ``x[0, :, [0, 1]]`` is (4, 2) in PyTorch
    and (2, 4) in numpy. For the same reason an Ellipsis is written out as the slices it
    stands for: numpy counts even an empty one as separating two arrays, PyTorch does not.
    Returns (basic, advanced), advanced None when no array is present.
    """
    def is_array(i: Any) -> bool:
        return isinstance(i, list | np.ndarray)

    if not any(is_array(i) for i in index):
        return index, None
    if any(i is Ellipsis for i in index):
        spanned = sum(np.ndim(i) if is_array(i) and np.asarray(i).dtype == bool else i is not None
                      for i in index if i is not Ellipsis)
        k = [i is Ellipsis for i in index].index(True)
        index = index[:k] + (slice(None),) * (ndim - spanned) + index[k + 1:]
    basic, advanced = [], []
    for i in index:
        if is_array(i):
            ndim = np.asarray(i).ndim if np.asarray(i).dtype == bool else 1
            basic += [slice(None)] * ndim
            advanced.append(i)
        elif isinstance(i, int):
            basic.append(i)  # the dimension is gone after the first stage
        elif i is Ellipsis:
            basic.append(i)
            advanced.append(i)
        else:  # a slice, or None whose new dimension exists after the first stage
            basic.append(i)
            advanced.append(slice(None))
    return tuple(basic), tuple(advanced)


def _np_parts(x: np.ndarray, how: str, arg: int | None, dim: int) -> list[np.ndarray]:
    n = x.shape[dim]
    if how == "unbind":
        return [np.take(x, k, axis=dim) for k in range(n)]
    # chunk(c) is split(ceil(n / c)), which may give fewer than c pieces, as in PyTorch
    size = arg if how == "split" else -(-n // arg)
    return np.split(x, list(range(size, n, size)), axis=dim)


def _np_pieces(x: np.ndarray, how: str, arg: int | None, dim: int, take: tuple[int, ...]) -> np.ndarray:
    parts = _np_parts(x, how, arg, dim)
    return np.stack([parts[t] for t in take])


def _np_pad(x: np.ndarray, pad: tuple[int, ...], mode: str, value: float) -> np.ndarray:
    widths = [(0, 0)] * x.ndim
    for k in range(len(pad) // 2):
        widths[x.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    # negative widths crop (constant mode only here)
    x = x[tuple(slice(max(0, -lo), n - max(0, -hi)) for (lo, hi), n in zip(widths, x.shape))]
    pos = [(max(0, lo), max(0, hi)) for lo, hi in widths]
    if mode == "constant":
        return np.pad(x, pos, mode="constant", constant_values=value)
    return np.pad(x, pos, mode={"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode])


def weights(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """The constant weights of ``weighted_sum``: sum(x * w)."""
    return np.random.default_rng(seed).standard_normal(shape)


def _np_getitem(x: np.ndarray, index: Any) -> np.ndarray:
    basic, advanced = torch_style_index(index if isinstance(index, tuple) else (index,), x.ndim)
    y = x[basic]
    if advanced is not None:
        y = y[tuple(np.asarray(i) if isinstance(i, list) else i for i in advanced)]
    return y


NUMPY: dict[str, Callable[..., np.ndarray]] = {
    "neg": np.negative, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "tanh": np.tanh,
    "sigmoid": lambda x: 0.5 * (1 + np.tanh(x / 2)), "relu": lambda x: np.where(x > 0, x, 0.0),
    "abs": np.abs, "square": lambda x: x * x, "sin": np.sin, "cos": np.cos,
    "add_const": lambda x, c: x + c, "mul_const": lambda x, c: x * c,
    "rsub_const": lambda x, c: c - x, "rdiv_const": lambda x, c: c / x,
    "pow_const": lambda x, p: x**p, "rpow_const": lambda x, c: c**x,
    # PyTorch's clamp is min(max(x, lo), hi): with lo > hi every element becomes hi
    "clamp": lambda x, min=None, max=None: np.minimum(  # noqa: A006
        np.maximum(x, -np.inf if min is None else min), np.inf if max is None else max),
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "maximum": np.maximum, "minimum": np.minimum, "pow": np.power,
    "where": lambda c, a, b: np.where(c > 0, a, b),
    "sum": _reduce(np.sum), "mean": _reduce(np.mean), "amax": _reduce(np.max), "amin": _reduce(np.min),
    "logsumexp": _np_logsumexp,
    "var": lambda x, dim=None, correction=1, keepdim=False: np.var(
        x, axis=_axes(dim, x.ndim), ddof=correction, keepdims=keepdim),
    "std": lambda x, dim=None, correction=1, keepdim=False: np.sqrt(np.var(
        x, axis=_axes(dim, x.ndim), ddof=correction, keepdims=keepdim)),
    "prod": lambda x, dim=None, keepdim=False: np.prod(x, axis=dim, keepdims=keepdim),
    "max_dim": lambda x, dim, keepdim=False: np.max(x, axis=dim, keepdims=keepdim),
    "min_dim": lambda x, dim, keepdim=False: np.min(x, axis=dim, keepdims=keepdim),
    "softmax": _np_softmax, "log_softmax": _np_log_softmax,
    "reshape": lambda x, shape: np.reshape(x, shape),
    "permute": lambda x, dims: np.transpose(x, dims),
    "transpose": lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1),
    "unsqueeze": lambda x, dim: np.expand_dims(x, dim),
    "squeeze": _np_squeeze, "flatten": _np_flatten,
    "expand": lambda x, sizes: _np_expand(x, *sizes),
    "getitem": _np_getitem,
    "matmul": np.matmul,
    "cat": lambda *xs, dim: np.concatenate(xs, axis=dim),
    "stack": lambda *xs, dim: np.stack(xs, axis=dim),
    "weighted_sum": lambda x, seed: np.sum(x * weights(x.shape, seed)),
    "log1p": np.log1p, "expm1": np.expm1, "rsqrt": lambda x: 1 / np.sqrt(x), "reciprocal": lambda x: 1 / x,
    "erf": lambda x: np.vectorize(math.erf)(x),
    "max_all": np.max, "min_all": np.min,
    "pieces": _np_pieces,
    "repeat": lambda x, sizes: np.tile(x, sizes),
    "narrow": lambda x, dim, start, length: np.take(x, np.arange(length) + start % x.shape[dim], axis=dim),
    "index_select": lambda x, dim, index: np.take(x, index, axis=dim),
    "masked_fill": lambda x, c, value: np.where(c > 0, value, x),
    "pad": _np_pad,
    "movedim": lambda x, source, destination: np.moveaxis(x, source, destination),
    "outer": np.outer,
}


# ------------------------------------------------------- tinygrad_edu / torch tensors
def _is_torch(lib: Any) -> bool:
    return lib.__name__ == "torch"


def _reduce_t(name: str) -> Callable:
    def run(lib: Any, x: Any, dim: Any = None, keepdim: bool = False) -> Any:
        if dim is None and _is_torch(lib):
            # torch's sum/amax/logsumexp take no dim=None; tinygrad_edu's (all dims) is under test
            dim = tuple(range(x.ndim))
        return getattr(x, name)(dim=dim, keepdim=keepdim)

    return run


def _var_t(name: str) -> Callable:
    def run(lib: Any, x: Any, dim: Any = None, correction: int = 1, keepdim: bool = False) -> Any:
        return getattr(x, name)(dim=dim, correction=correction, keepdim=keepdim)

    return run


def _prod_t(lib: Any, x: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    return x.prod() if dim is None else x.prod(dim=dim, keepdim=keepdim)


def _index_t(lib: Any, index: Any) -> Any:
    if not _is_torch(lib):
        return index  # lists are valid tinygrad_edu indices
    if isinstance(index, tuple):
        return tuple(lib.tensor(i) if isinstance(i, list) else i for i in index)
    return lib.tensor(index) if isinstance(index, list) else index


def _pieces_t(lib: Any, x: Any, how: str, arg: int | None, dim: int, take: tuple[int, ...]) -> Any:
    # one multi-output node whose outputs (some twice, some not at all) feed one stack
    parts = x.unbind(dim) if how == "unbind" else getattr(x, how)(arg, dim)
    return lib.stack([parts[t] for t in take])


def _pad_t(lib: Any, x: Any, pad: tuple[int, ...], mode: str, value: float) -> Any:
    if _is_torch(lib):
        import torch.nn.functional as F  # noqa: N812

        return F.pad(x, pad, mode=mode, value=value) if mode == "constant" else F.pad(x, pad, mode=mode)
    return lib.nn.functional.pad(x, pad, mode=mode, value=value if mode == "constant" else None)


def _unary(name: str) -> Callable:
    return lambda lib, x: getattr(x, name)()


TENSOR: dict[str, Callable[..., Any]] = {
    **{name: _unary(name) for name in
       ("neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "square", "sin", "cos")},
    "add_const": lambda lib, x, c: x + c, "mul_const": lambda lib, x, c: x * c,
    "rsub_const": lambda lib, x, c: c - x, "rdiv_const": lambda lib, x, c: c / x,
    "pow_const": lambda lib, x, p: x**p, "rpow_const": lambda lib, x, c: c**x,
    "clamp": lambda lib, x, min=None, max=None: x.clamp(min=min, max=max),  # noqa: A006
    "add": lambda lib, a, b: a + b, "sub": lambda lib, a, b: a - b,
    "mul": lambda lib, a, b: a * b, "div": lambda lib, a, b: a / b,
    "maximum": lambda lib, a, b: lib.maximum(a, b), "minimum": lambda lib, a, b: lib.minimum(a, b),
    "pow": lambda lib, a, b: a.pow(b),
    "where": lambda lib, c, a, b: lib.where(c > 0, a, b),
    "sum": _reduce_t("sum"), "mean": _reduce_t("mean"), "amax": _reduce_t("amax"), "amin": _reduce_t("amin"),
    "logsumexp": _reduce_t("logsumexp"),
    "var": _var_t("var"), "std": _var_t("std"), "prod": _prod_t,
    "max_dim": lambda lib, x, dim, keepdim=False: x.max(dim=dim, keepdim=keepdim)[0],
    "min_dim": lambda lib, x, dim, keepdim=False: x.min(dim=dim, keepdim=keepdim)[0],
    "softmax": lambda lib, x, dim: x.softmax(dim), "log_softmax": lambda lib, x, dim: x.log_softmax(dim),
    "reshape": lambda lib, x, shape: x.reshape(shape),
    "permute": lambda lib, x, dims: x.permute(*dims),
    "transpose": lambda lib, x, dim0, dim1: x.transpose(dim0, dim1),
    "unsqueeze": lambda lib, x, dim: x.unsqueeze(dim),
    "squeeze": lambda lib, x, dim=None: x.squeeze() if dim is None else x.squeeze(dim),
    "flatten": lambda lib, x, start_dim=0, end_dim=-1: x.flatten(start_dim, end_dim),
    # torch's x.expand() needs its sizes as one tuple when there are none (0-d to 0-d)
    "expand": lambda lib, x, sizes: x.expand(sizes) if _is_torch(lib) else x.expand(*sizes),
    "getitem": lambda lib, x, index: x[_index_t(lib, index)],
    "matmul": lambda lib, a, b: a @ b,
    "cat": lambda lib, *xs, dim: lib.cat(list(xs), dim=dim),
    "stack": lambda lib, *xs, dim: lib.stack(list(xs), dim=dim),
    "weighted_sum": lambda lib, x, seed: (x * lib.tensor(weights(tuple(x.shape), seed))).sum(),
    **{name: _unary(name) for name in ("log1p", "expm1", "rsqrt", "reciprocal", "erf")},
    "max_all": lambda lib, x: x.max(), "min_all": lambda lib, x: x.min(),
    "pieces": _pieces_t,
    "repeat": lambda lib, x, sizes: x.repeat(*sizes),
    "narrow": lambda lib, x, dim, start, length: x.narrow(dim, start, length),
    "index_select": lambda lib, x, dim, index: x.index_select(dim, lib.tensor(index)),
    "masked_fill": lambda lib, x, c, value: x.masked_fill(c > 0, value),
    "pad": _pad_t,
    "movedim": lambda lib, x, source, destination: x.movedim(source, destination),
    "outer": lambda lib, a, b: lib.outer(a, b),
}
assert NUMPY.keys() == TENSOR.keys()


def run_numpy(program: Program, inputs: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
    """Every value of the program (inputs first), computed with plain numpy."""
    values = list(program.inputs() if inputs is None else inputs)
    for s in program.steps:
        values.append(np.asarray(NUMPY[s.op](*(values[a] for a in s.args), **s.kw), dtype=np.float64))
    return values


def run_tensors(program: Program, lib: Any, inputs: Sequence[Any]) -> list[Any]:
    """Every value of the program, computed with ``lib`` (``tinygrad_edu`` or ``torch``) tensors."""
    values = list(inputs)
    for s in program.steps:
        values.append(TENSOR[s.op](lib, *(values[a] for a in s.args), **s.kw))
    return values


# ----------------------------------------------------------------------- the strategy
def _away_from_kink(d: np.ndarray) -> bool:
    """No element within MARGIN of 0, except exact zeros (see the module docstring)."""
    d = np.asarray(d)
    return bool(np.all((d == 0) | (np.abs(d) > MARGIN)))


def _no_close_ties(x: np.ndarray, axes: tuple[int, ...], largest: bool) -> bool:
    top = (np.max if largest else np.min)(x, axis=axes, keepdims=True)
    return _away_from_kink(x - top)


def _broadcastable(*shapes: tuple[int, ...]) -> bool:
    try:
        return math.prod(np.broadcast_shapes(*shapes)) <= MAX_NUMEL
    except ValueError:
        return False


def _matmul_ok(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    if not a or not b:
        return False
    try:
        out = np.matmul(np.zeros(a), np.zeros(b)).shape
    except ValueError:
        return False
    return math.prod(out) <= MAX_NUMEL


def _factor(n: int) -> list[int]:
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


class _Builder:
    """Grows a program step by step, evaluating each step in numpy as it goes."""

    def __init__(self, draw: Callable, shapes: tuple, seed: int) -> None:
        self.draw = draw
        self.program = Program(shapes, seed, ())
        self.values = self.program.inputs()
        self.steps: list[Step] = []
        self.unused = set(range(len(shapes)))  # values no step reads yet

    # helpers
    def emit(self, op: str, args: Sequence[int], max_abs: float = MAX_ABS, **kw: Any) -> int | None:
        v = np.asarray(NUMPY[op](*(self.values[a] for a in args), **kw), dtype=np.float64)
        if v.size == 0 or v.size > MAX_NUMEL or not np.all(np.isfinite(v)) or np.abs(v).max() > max_abs:
            return None
        self.steps.append(Step(op, tuple(args), kw))
        self.values.append(v)
        self.unused.difference_update(args)
        self.unused.add(len(self.values) - 1)
        return len(self.values) - 1

    def pick(self, ok: Callable[[np.ndarray], bool] = lambda v: True) -> int | None:
        """A pool value satisfying ``ok``, most often one that no step uses yet (so that few
        results are left dangling); shrinks towards the most recent value."""
        cands = [i for i, v in enumerate(self.values) if ok(v)]
        fresh = [i for i in cands if i in self.unused]
        if fresh and self.draw(st.integers(0, 3)) > 0:
            cands = fresh
        if not cands:
            return None
        return cands[-1 - self.draw(st.integers(0, len(cands) - 1))]

    def gather(self) -> None:
        """Add a random weighted sum of every dangling result into the output, so that every
        op's gradient reaches the inputs and gets checked. (Random weights: a plain sum or mean
        would hide softmax, whose outputs always sum to 1.)"""
        out = len(self.values) - 1
        for d in sorted(self.unused - {out}):
            if d < len(self.program.shapes):
                continue  # an unused input just gets a zero gradient
            seed = self.draw(st.integers(0, 99))
            m = self.emit("weighted_sum", (d,), max_abs=MAX_ABS * MAX_NUMEL, seed=seed)
            total = None if m is None else self.emit("add", (out, m), max_abs=MAX_ABS * MAX_NUMEL * 30)
            out = out if total is None else total

    def flag(self) -> bool:
        return self.draw(st.booleans())

    def dim(self, ndim: int, extra: int = 0) -> int:
        """A dimension index in [-(ndim + extra), ndim + extra - 1], negative ones included."""
        n = ndim + extra
        return self.draw(st.integers(-n, n - 1))

    def reduced_dim(self, shape: tuple[int, ...]) -> int:
        """A dim to reduce over, mostly one of size > 1 (over a size-1 dim, softmax is 1 and
        max is the identity: little to check)."""
        big = [d for d, n in enumerate(shape) if n > 1]
        if not big or self.draw(st.integers(0, 3)) == 0:
            return self.dim(len(shape))
        d = big[self.draw(st.integers(0, len(big) - 1))]
        return d - len(shape) if self.flag() else d

    def dims(self, shape: tuple[int, ...], tuples: bool = True) -> Any:
        """None, an int, or (if ``tuples``) a tuple of distinct dims of ``shape``."""
        ndim = len(shape)
        if ndim == 0:
            return None
        kind = self.draw(st.sampled_from(["int", "none", "tuple"] if tuples else ["int", "none"]))
        if kind == "none":
            return None
        if kind == "int":
            return self.reduced_dim(shape)
        chosen = self.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
        return tuple(d - ndim if self.flag() else d for d in chosen)

    def at_least(self, i: int, low: float, guard: Sequence[tuple[str, dict]]) -> int | None:
        """values[i] if its minimum is >= low, else values[i] passed through ``guard``."""
        if np.min(self.values[i]) >= low:
            return i
        for op, kw in guard:
            if i is None:
                return None
            i = self.emit(op, (i,), **kw)
        return i

    def bounded(self, i: int, bound: float) -> int | None:
        return i if np.max(np.abs(self.values[i])) <= bound else self.emit("tanh", (i,))

    # op families: each emits at most one op (plus its repairs); returning None is fine
    def unary(self, op: str) -> Any:
        return self.emit(op, (self.pick(),))

    def exp(self, op: str) -> Any:
        i = self.bounded(self.pick(), 3.0)
        return None if i is None else self.emit(op, (i,))

    def log_sqrt(self, op: str) -> Any:
        i = self.at_least(self.pick(), 0.1, [("square", {}), ("add_const", {"c": 0.1})])
        return None if i is None else self.emit(op, (i,))

    def kink(self, op: str) -> Any:  # relu, abs
        i = self.pick(_away_from_kink)
        return None if i is None else self.emit(op, (i,))

    def const(self, op: str) -> Any:
        c = self.draw(st.sampled_from([0.5, -1.0, 2.0, 0.1, -3.0]))
        i = self.pick()
        if op == "rdiv_const":
            i = self._denominator(i)
        elif op == "rpow_const":
            c = abs(c)
            i = self.bounded(i, 3.0)
        return None if i is None else self.emit(op, (i,), c=c)

    def pow_const(self, op: str) -> Any:
        p = self.draw(st.sampled_from([2, 3, 0.5, -1.0, 1.5, -0.5, 2.5]))
        i = self.pick()
        if not (isinstance(p, int) and p > 0):  # fractional and negative powers: positive base
            i = self.at_least(i, 0.2, [("square", {}), ("add_const", {"c": 0.5})])
        return None if i is None else self.emit(op, (i,), p=p)

    def clamp(self, op: str) -> Any:
        i = self.pick()
        v = self.values[i]
        lo, hi = (round(float(np.quantile(v, self.draw(st.floats(0, 1)))), 2) for _ in range(2))
        kind = self.draw(st.sampled_from(["min", "max", "both"]))
        kw = {"min": lo} if kind == "min" else {"max": hi} if kind == "max" else {"min": lo, "max": hi}
        if not all(_away_from_kink(v - b) for b in kw.values()):
            return None
        return self.emit(op, (i,), **kw)

    def _denominator(self, i: int | None) -> int | None:
        if i is None or np.min(np.abs(self.values[i])) >= 0.5:
            return i
        i = self.emit("square", (i,))
        return None if i is None else self.emit("add_const", (i,), c=0.5)

    def _partner(self, i: int, *others: int) -> int | None:
        shapes = [self.values[k].shape for k in (i, *others)]
        return self.pick(lambda w: _broadcastable(*shapes, w.shape))

    def binary(self, op: str) -> Any:
        i = self.pick()
        j = self._partner(i)
        if self.flag():
            i, j = j, i
        if op == "div":
            j = self._denominator(j)
        elif op == "pow":
            i = self.at_least(i, 0.2, [("square", {}), ("add_const", {"c": 0.5})])
            j = None if j is None else self.bounded(j, 3.0)
        elif op in ("maximum", "minimum") and not _away_from_kink(self.values[i] - self.values[j]):
            return None
        if i is None or j is None:
            return None
        return self.emit(op, (i, j))

    def where(self, op: str) -> Any:
        c = self.pick(_away_from_kink)
        if c is None:
            return None
        a = self._partner(c)
        b = self._partner(c, a)
        return self.emit(op, (c, a, b))

    def reduce(self, op: str) -> Any:
        i = self.pick()
        x = self.values[i]
        dim = self.dims(x.shape)
        if op in ("amax", "amin") and not _no_close_ties(x, _axes(dim, x.ndim), op == "amax"):
            return None
        return self.emit(op, (i,), dim=dim, keepdim=self.flag())

    def logsumexp(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 0)
        if i is None:
            return None
        return self.emit(op, (i,), dim=self.dims(self.values[i].shape), keepdim=self.flag())

    def var(self, op: str) -> Any:
        i = self.pick()
        x = self.values[i]
        dim = self.dims(x.shape)
        correction = self.draw(st.sampled_from([1, 0]))
        axes = _axes(dim, x.ndim)
        if math.prod(x.shape[a] for a in axes) <= correction:
            return None  # no degrees of freedom left: nan
        v = NUMPY["var"](x, dim, correction)
        if op == "std" and not np.all(v > 1e-2):
            return None  # sqrt has an infinite slope at 0
        if not np.all(v > MARGIN):
            # The var of a constant slice is 0 only up to rounding: exactly 0 at some inputs,
            # 5e-33 at others (in numpy and PyTorch alike), so not the locally constant zero
            # _away_from_kink lets through. As the condition of a where/masked_fill it made
            # central differences jump: x - 1, cat(x3), var, masked_fill(var + v, var > 0).
            return None
        return self.emit(op, (i,), dim=dim, correction=correction, keepdim=self.flag())

    def prod(self, op: str) -> Any:
        i = self.pick()
        x = self.values[i]
        dim = self.dims(x.shape, tuples=False)
        return self.emit(op, (i,), dim=dim, keepdim=dim is not None and self.flag())

    def max_dim(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 0)
        if i is None:
            return None
        x = self.values[i]
        dim = self.reduced_dim(x.shape)
        if not _no_close_ties(x, (dim % x.ndim,), op == "max_dim"):
            return None
        return self.emit(op, (i,), dim=dim, keepdim=self.flag())

    def softmax(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 0)
        return None if i is None else self.emit(op, (i,), dim=self.reduced_dim(self.values[i].shape))

    def reshape(self, op: str) -> Any:
        i = self.pick()
        n = self.values[i].size
        k = self.draw(st.integers(0 if n == 1 else 1, 4))
        shape = [1] * k
        for p in _factor(n):
            shape[self.draw(st.integers(0, k - 1))] *= p
        if k and self.flag():
            shape[self.draw(st.integers(0, k - 1))] = -1
        return self.emit(op, (i,), shape=tuple(shape))

    def permute(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 1)
        if i is None:
            return None
        ndim = self.values[i].ndim
        perm = self.draw(st.permutations(range(ndim)))
        return self.emit(op, (i,), dims=tuple(d - ndim if self.flag() else d for d in perm))

    def transpose(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 0)
        if i is None:
            return None
        ndim = self.values[i].ndim
        return self.emit(op, (i,), dim0=self.dim(ndim), dim1=self.dim(ndim))

    def unsqueeze(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim < 4)
        return None if i is None else self.emit(op, (i,), dim=self.dim(self.values[i].ndim, extra=1))

    def squeeze(self, op: str) -> Any:
        i = self.pick()
        ndim = self.values[i].ndim
        if ndim and self.flag():
            return self.emit(op, (i,), dim=self.dim(ndim))
        return self.emit(op, (i,))

    def flatten(self, op: str) -> Any:
        i = self.pick()
        ndim = self.values[i].ndim
        if ndim == 0:
            return self.emit(op, (i,))
        s, e = sorted(self.draw(st.integers(0, ndim - 1)) for _ in range(2))
        s, e = (d - ndim if self.flag() else d for d in (s, e))  # negative forms too
        return self.emit(op, (i,), start_dim=s, end_dim=e)

    def expand(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim < 4)
        if i is None:
            return None
        shape = self.values[i].shape
        lead = self.draw(st.lists(st.integers(1, 3), max_size=4 - len(shape)))
        sizes = [(self.draw(st.integers(1, 3)) if n == 1 else n) if self.flag() else -1 for n in shape]
        return self.emit(op, (i,), sizes=tuple(lead + sizes))

    def getitem(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 0)
        if i is None:
            return None
        shape = self.values[i].shape
        n_idx = self.draw(st.integers(1, len(shape)))
        # an Ellipsis at position k: the items after it index the last dims
        k = self.draw(st.integers(0, n_idx)) if self.flag() else None
        dims = range(n_idx) if k is None else [*range(k), *range(len(shape) - (n_idx - k), len(shape))]
        array_len = self.draw(st.integers(1, 4))  # index arrays broadcast together: one length
        index: list[Any] = []
        arrays = masks = False  # a mask is an array of its True positions: keep lengths apart
        for d in dims:
            n = shape[d]
            # ints and arrays twice as often: their mix is where numpy's and PyTorch's orders differ
            kind = self.draw(st.sampled_from(["int", "array", "slice", "int", "array", "full", "mask"]))
            if kind == "slice":
                start = self.draw(st.none() | st.integers(-n, n))
                stop = self.draw(st.none() | st.integers(-n, n))
                index.append(slice(start, stop, self.draw(st.sampled_from([None, 1, 2, 3]))))
            elif kind == "int":
                index.append(self.draw(st.integers(-n, n - 1)))
            elif kind == "array" and not masks:  # repeats allowed: their gradients add up
                arrays = True
                ints = st.lists(st.integers(-n, n - 1), min_size=array_len, max_size=array_len)
                index.append(self.draw(ints))
            elif kind == "mask" and not (arrays or masks):
                masks = True
                index.append(self.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
            else:
                index.append(slice(None))
        if k is not None:
            index.insert(k, Ellipsis)
        if self.flag():  # a new dimension of size 1, anywhere
            index.insert(self.draw(st.integers(0, len(index))), None)
        if len(index) == 1 and self.flag():
            return self.emit(op, (i,), index=index[0])  # x[i] rather than x[(i,)]
        return self.emit(op, (i,), index=tuple(index))

    def matmul(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 0)
        if i is None:
            return None
        a = self.values[i].shape
        j = self.pick(lambda w: _matmul_ok(a, w.shape))
        if j is None:  # a @ a.mT (or a dot a) always fits
            j = self.emit("transpose", (i,), dim0=-1, dim1=-2) if len(a) > 1 else i
        return None if j is None else self.emit(op, (i, j))

    def cat(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 0)
        if i is None:
            return None
        a = self.values[i].shape
        d = self.dim(len(a))

        def fits(w: np.ndarray) -> bool:
            same = [m == n for k, (m, n) in enumerate(zip(a, w.shape)) if k != d % len(a)]
            return w.ndim == len(a) and all(same)

        others = [self.pick(fits) for _ in range(self.draw(st.integers(1, 2)))]
        return self.emit(op, (i, *others), dim=d)

    def special(self, op: str) -> Any:  # log1p, expm1, rsqrt, reciprocal, erf
        i = self.pick()
        if op == "log1p":
            i = self.at_least(i, -0.9, [("square", {})])
        elif op == "rsqrt":
            i = self.at_least(i, 0.1, [("square", {}), ("add_const", {"c": 0.1})])
        elif op == "reciprocal":
            i = self._denominator(i)
        elif op == "expm1":
            i = self.bounded(i, 3.0)
        return None if i is None else self.emit(op, (i,))

    def max_all(self, op: str) -> Any:
        i = self.pick()
        x = self.values[i]
        if not _no_close_ties(x, tuple(range(x.ndim)), op == "max_all"):
            return None
        return self.emit(op, (i,))

    def pieces(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 0)
        if i is None:
            return None
        shape = self.values[i].shape
        dim = self.reduced_dim(shape)
        n = shape[dim]
        how = self.draw(st.sampled_from(["split", "chunk", "unbind"]))
        arg = None if how == "unbind" else self.draw(st.integers(1, n))
        shapes = [p.shape for p in _np_parts(self.values[i], how, arg, dim)]
        same = [t for t, s in enumerate(shapes) if s == shapes[0]]  # stack needs equal shapes
        take = self.draw(st.lists(st.sampled_from(same), min_size=1, max_size=3))
        return self.emit(op, (i,), how=how, arg=arg, dim=dim, take=tuple(take))

    def repeat(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim < 4)
        if i is None:
            return None
        ndim = self.values[i].ndim
        extra = self.draw(st.integers(0 if ndim else 1, 4 - ndim))  # torch's repeat needs a size
        return self.emit(op, (i,), sizes=tuple(self.draw(st.integers(1, 3)) for _ in range(ndim + extra)))

    def narrow(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 0)
        if i is None:
            return None
        shape = self.values[i].shape
        dim = self.dim(len(shape))
        n = shape[dim]
        start = self.draw(st.integers(-n, n - 1))
        length = self.draw(st.integers(1, n - start % n))
        return self.emit(op, (i,), dim=dim, start=start, length=length)

    def index_select(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 0)
        if i is None:
            return None
        shape = self.values[i].shape
        dim = self.dim(len(shape))
        index = self.draw(st.lists(st.integers(0, shape[dim] - 1), min_size=1, max_size=4))
        return self.emit(op, (i,), dim=dim, index=index)

    def masked_fill(self, op: str) -> Any:
        i = self.pick()
        x = self.values[i].shape
        # the mask broadcasts to x without growing it
        c = self.pick(lambda w: _away_from_kink(w) and _broadcastable(x, w.shape)
                      and np.broadcast_shapes(x, w.shape) == x)
        if c is None:
            return None
        return self.emit(op, (i, c), value=self.draw(st.sampled_from([0.0, -1.5, 2.0])))

    def pad(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 0)
        if i is None:
            return None
        shape = self.values[i].shape
        mode = self.draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
        if mode == "constant":
            k = self.draw(st.integers(1, len(shape)))
            pad = [self.draw(st.integers(-1, 2)) for _ in range(2 * k)]
        else:  # PyTorch pads the last k dims of a (k+1)- or (k+2)-d input in these modes
            ks = [k for k in (1, 2, 3) if len(shape) in (k + 1, k + 2)]
            if not ks:
                return None
            k = self.draw(st.sampled_from(ks))
            sizes = [shape[len(shape) - 1 - j // 2] for j in range(2 * k)]  # the dim each width pads
            top = {"reflect": lambda n: n - 1, "replicate": lambda n: 2, "circular": lambda n: n}[mode]
            pad = [self.draw(st.integers(0, min(2, top(n)))) for n in sizes]
        value = self.draw(st.sampled_from([0.0, 1.5]))
        return self.emit(op, (i,), pad=tuple(pad), mode=mode, value=value)

    def movedim(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim > 0)
        if i is None:
            return None
        ndim = self.values[i].ndim
        return self.emit(op, (i,), source=self.dim(ndim), destination=self.dim(ndim))

    def outer(self, op: str) -> Any:
        i = self.pick(lambda v: v.ndim == 1)
        j = None if i is None else self.pick(lambda v: v.ndim == 1)
        return None if j is None else self.emit(op, (i, j))

    def weighted_sum(self, op: str) -> Any:
        return self.emit(op, (self.pick(),), seed=self.draw(st.integers(0, 99)))

    def stack(self, op: str) -> Any:
        i = self.pick()
        a = self.values[i].shape
        others = [self.pick(lambda w: w.shape == a) for _ in range(self.draw(st.integers(1, 2)))]
        return self.emit(op, (i, *others), dim=self.dim(len(a), extra=1))


# op name -> the builder method that emits it; hypothesis shrinks towards the first ones
FAMILIES: dict[str, str] = {
    "add": "binary", "mul": "binary", "neg": "unary", "sub": "binary", "div": "binary",
    "tanh": "unary", "sigmoid": "unary", "sin": "unary", "cos": "unary", "square": "unary",
    "exp": "exp", "log": "log_sqrt", "sqrt": "log_sqrt", "relu": "kink", "abs": "kink",
    "add_const": "const", "mul_const": "const", "rsub_const": "const", "rdiv_const": "const",
    "rpow_const": "const", "pow_const": "pow_const", "pow": "binary", "clamp": "clamp",
    "maximum": "binary", "minimum": "binary", "where": "where",
    "sum": "reduce", "mean": "reduce", "amax": "reduce", "amin": "reduce", "logsumexp": "logsumexp",
    "var": "var", "std": "var", "prod": "prod", "max_dim": "max_dim", "min_dim": "max_dim",
    "softmax": "softmax", "log_softmax": "softmax",
    "reshape": "reshape", "permute": "permute", "transpose": "transpose", "unsqueeze": "unsqueeze",
    "squeeze": "squeeze", "flatten": "flatten", "expand": "expand", "getitem": "getitem",
    "matmul": "matmul", "cat": "cat", "stack": "stack", "weighted_sum": "weighted_sum",
    "log1p": "special", "expm1": "special", "rsqrt": "special", "reciprocal": "special", "erf": "special",
    "max_all": "max_all", "min_all": "max_all", "pieces": "pieces", "repeat": "repeat", "narrow": "narrow",
    "index_select": "index_select", "masked_fill": "masked_fill", "pad": "pad", "movedim": "movedim",
    "outer": "outer",
}
assert FAMILIES.keys() == NUMPY.keys()


# the ops that move elements around, where numpy's and PyTorch's conventions can differ
SHAPE_OPS = ("getitem", "reshape", "permute", "transpose", "unsqueeze", "squeeze", "flatten", "expand",
             "matmul", "cat", "stack", "add", "mul", "sum", "amax", "max_dim", "where", "pieces", "repeat",
             "narrow", "index_select", "masked_fill", "pad", "movedim", "outer")

# how often each op is drawn relative to the others: ops with many code paths more often
WEIGHTS = {"getitem": 4, "matmul": 2, "cat": 2, "stack": 2, "expand": 2, "where": 2, "reshape": 2,
           "pieces": 2}
CHOICES = [op for op in FAMILIES for _ in range(WEIGHTS.get(op, 1))]


@st.composite
def input_shapes(draw: Callable, n: int) -> tuple[tuple[int, ...], ...]:
    """``n`` mutually broadcastable shapes: a common shape with sides 2-4, from which each
    input drops some leading dims and has some dims set to 1; at most MAX_INPUT_NUMEL elements.

    (hypothesis' own mutually_broadcastable_shapes mostly draws sides of 1, on which softmax,
    max and friends are trivial.)
    """
    common = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
    shapes = []
    for _ in range(n):
        shape = list(common[draw(st.integers(0, len(common))):])
        for d in range(len(shape)):
            if draw(st.integers(0, 3)) == 0 or math.prod(shape) > MAX_INPUT_NUMEL:
                shape[d] = 1
        shapes.append(tuple(shape))
    return tuple(shapes)


@st.composite
def programs(
    draw: Callable, min_ops: int = 5, max_ops: int = 30, ops: Sequence[str] | None = None
) -> Program:
    """Random programs over 1-3 inputs: ``min_ops``..``max_ops`` drawn ops (drawn from ``ops``,
    default all), plus the steps that keep them in their domains and those that gather the
    dangling results into the output; the output is a scalar (a weighted sum) or not."""
    shapes = draw(input_shapes(draw(st.integers(1, 3))))
    b = _Builder(draw, shapes, draw(st.integers(0, 2**32 - 1)))
    names = CHOICES if ops is None else list(ops)
    to_scalar = draw(st.booleans())
    # One "go on?" draw before each op (stop with probability 1/20 once min_ops is reached),
    # so the shrinker can delete any one op's draws and the rest still reads as a program.
    for _ in itertools.repeat(None, 8 * max_ops):
        go_on = draw(st.integers(0, 19)) > 0
        if len(b.steps) >= max_ops - to_scalar or (len(b.steps) >= min_ops - to_scalar and not go_on):
            break
        op = draw(st.sampled_from(names))
        getattr(b, FAMILIES[op])(op)
    b.gather()
    if to_scalar and b.values[-1].ndim:
        seed = draw(st.integers(0, 99))
        b.emit("weighted_sum", (len(b.values) - 1,), max_abs=MAX_ABS * MAX_NUMEL * 30, seed=seed)
    return Program(b.program.shapes, b.program.seed, tuple(b.steps))
