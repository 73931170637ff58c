"""The Tensor: a numpy array plus what reverse-mode differentiation needs.

A Tensor holds

* ``data``: the numpy array with the values,
* ``requires_grad``: whether gradients should flow to it,
* ``grad_fn``: the graph node of the op that produced it (``None`` for leaves),
* ``grad``: after ``backward()``, d(output)/d(this tensor), accumulated (leaves only,
  unless ``retain_grad()`` was called).

All the maths lives in ``tinygrad_edu/ops``; this file only converts inputs, exposes
attributes, and maps Python operators (``+``, ``@``, ``x[i]``...) onto the ops.

Example::

    >>> import tinygrad_edu as tg
    >>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()          # y = sum(x_i^2)
    >>> y.backward()
    >>> x.grad                     # dy/dx_i = 2 x_i
    tensor([2., 4., 6.])
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import dtypes

_new = object.__new__


def _convert(data: Any, dtype: Any) -> np.ndarray:
    """The dtype policy of ``torch.tensor``: see :mod:`tinygrad_edu.dtypes`."""
    want = dtypes.as_dtype(dtype)
    if isinstance(data, Tensor):
        arr = np.array(data.data, dtype=want)
    elif isinstance(data, np.ndarray | np.generic):
        arr = np.array(data, dtype=want)
    else:
        try:
            arr = np.array(data, dtype=want)
        except (ValueError, TypeError) as e:
            raise ValueError(
                f"Tensor: cannot build a tensor from {type(data).__name__} ({e}); expected a "
                "number, a (nested) list of numbers of consistent lengths, a numpy array or a Tensor"
            ) from None
        if want is None and arr.dtype == np.float64:
            arr = arr.astype(dtypes.get_default_dtype())  # Python floats follow the default dtype
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"Tensor: unsupported dtype {arr.dtype} (from {type(data).__name__}); supported are "
            "float16/32/64, signed and unsigned integers and bool"
        )
    return arr


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    ``Tensor(data, requires_grad=False, dtype=None)``; ``tg.tensor(...)`` is the same.
    """

    __array_priority__ = 1000.0  # numpy defers ``ndarray + Tensor`` to us

    # defaults on the class keep construction of op outputs cheap
    grad: Tensor | None = None
    grad_fn: Any = None
    requires_grad: bool = False
    _out_nr = 0  # which output of grad_fn this tensor is
    _hooks: list | None = None  # gradient hooks of a leaf
    _accum: Any = None  # weak reference to the leaf's AccumulateGrad node
    _retains_grad = False
    name: str | None = None  # optional label used by graph drawings

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data = _convert(data, dtype)
        self._vc = [0]  # version counter, shared by views; bumped by in-place ops
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data: Any, requires_grad: bool, grad_fn: Any) -> Tensor:
        """Wrap an array produced by an op (no copy, no dtype policy)."""
        t = _new(Tensor)
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        t.data = data
        t._vc = [0]
        if requires_grad:
            t.requires_grad = True
            t.grad_fn = grad_fn
        return t

    # ----------------------------------------------------------------- attributes
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def dim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        return self._vc[0]

    @property
    def device(self) -> str:
        return "cpu"

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        if dim is None:
            return self.data.shape
        return self.data.shape[_wrap_dim(dim, self.data.ndim, "size")]

    def numel(self) -> int:
        return int(self.data.size)

    def nelement(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def is_floating_point(self) -> bool:
        return self.data.dtype.kind == "f"

    # ------------------------------------------------------------ conversions
    def numpy(self, force: bool = False) -> np.ndarray:
        """The underlying array (shares memory, like ``torch.Tensor.numpy``).

        As in PyTorch, a tensor that requires grad must be detached first (or ``force=True``).
        """
        if self.requires_grad and not force:
            raise RuntimeError(
                "numpy: can't call numpy() on a Tensor that requires grad; use "
                "tensor.detach().numpy() instead"
            )
        return self.data

    def item(self) -> builtins.float | builtins.int | builtins.bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"item: a Tensor with {self.data.size} elements (shape {self.shape}) cannot be "
                "converted to a Python scalar"
            )
        return self.data.item()  # (any shape: ndarray.item reads a one-element array)

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> builtins.int:
        return builtins.int(self.item())

    def __index__(self) -> builtins.int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(
                f"only integer tensors of a single element can be converted to an index "
                f"(got shape {self.shape}, dtype {self.dtype})"
            )
        return builtins.int(self.item())

    def __bool__(self) -> builtins.bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape {self.shape})"
            )
        return builtins.bool(self.data.reshape(()).item())

    def __hash__(self) -> builtins.int:
        return id(self)

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __repr__(self) -> str:
        body = np.array2string(
            self.data, separator=", ", prefix="tensor(", precision=4, threshold=200
        )
        extra = []
        if self.data.dtype not in (dtypes.get_default_dtype(), np.int64, np.bool_):
            extra.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extra.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extra) + ")"

    def _repr_html_(self) -> str:
        from html import escape

        return f"<pre>{escape(repr(self))}</pre>"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        """Jupyter: the text repr, plus the graph that made this tensor as SVG when
        Graphviz is available (see ``tg.viz.draw_graph``)."""
        from .viz.graph import tensor_mimebundle

        return tensor_mimebundle(self)

    # ------------------------------------------------------------ autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.data.dtype.kind != "f":
            raise RuntimeError(
                f"requires_grad: only Tensors of floating point dtype can require gradients "
                f"(this one is {self.data.dtype}); convert with .float() or dtype=tg.float32"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad_(False): this tensor is not a leaf (it has a grad_fn); use "
                ".detach() to get a tensor that does not require grad"
            )
        self.requires_grad = builtins.bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph."""
        t = Tensor._make(self.data, False, None)
        t._vc = self._vc  # shares memory, so it shares the version counter
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` of this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        import weakref

        ref = weakref.ref(self)

        def _retain(grad: Tensor) -> None:
            t = ref()
            if t is not None:
                if t.grad is None:
                    t.grad = grad if grad.grad_fn is not None else Tensor._make(
                        np.array(grad.data), False, None
                    )
                else:
                    t.grad = t.grad + grad

        self._node_hooks().append(_retain)

    def _node_hooks(self) -> list:
        return self.grad_fn._hooks_for(self._out_nr)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call ``hook(grad)`` whenever the gradient for this tensor is computed.

        The hook may return a replacement gradient. Returns a handle with ``remove()``.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "register_hook: cannot register a hook on a tensor that doesn't require gradient"
            )
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            hooks = self._node_hooks()
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
        explain: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is d(loss)/d(self); it may be omitted only for a one-element tensor.
        Without ``retain_graph=True`` the graph's saved buffers are freed, so a second
        backward through the same ops raises. ``create_graph=True`` records the backward
        computation itself, so gradients can be differentiated again.
        ``explain=True`` also prints the chain rule of this backward, op by op
        (``tg.viz.explain``).
        """
        if explain:
            from .viz.explain import explain_backward

            explain_backward(self, gradient, retain_graph, create_graph, inputs)
            return
        if gradient is None and inputs is None and not create_graph:
            fn = self.grad_fn
            if fn is not None and self.data.size == 1:
                # the backward of a training loss, straight to the engine
                seed = _engine.ones_seed(self.data)
                _engine.run_backward([(fn, self._out_nr, seed)], bool(retain_graph), False)
                return
        _engine.backward([self], [gradient], retain_graph, create_graph, inputs)

    # ------------------------------------------------------------ copies and dtypes
    def clone(self) -> Tensor:
        return _ops.clone(self)

    def astype(self, dtype: Any) -> Tensor:
        return _ops.cast(self, dtype)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(dtype)``; device arguments (``"cpu"``) are accepted and ignored."""
        dtype = kwargs.get("dtype")
        for a in args:
            if isinstance(a, str | Tensor) or a is None:
                if isinstance(a, str) and a.split(":")[0] not in ("cpu", "cuda", "mps"):
                    raise RuntimeError(f"to: invalid device string {a!r}; a dtype is tg.float32, tg.int64...")
                if isinstance(a, Tensor):
                    dtype = a.dtype
                continue
            dtype = a
        return self if dtype is None else _ops.cast(self, dtype)

    def type(self, dtype: Any = None) -> Any:
        return str(self.dtype) if dtype is None else _ops.cast(self, dtype)

    def float(self) -> Tensor:
        return _ops.cast(self, np.float32)

    def double(self) -> Tensor:
        return _ops.cast(self, np.float64)

    def long(self) -> Tensor:
        return _ops.cast(self, np.int64)

    def int(self) -> Tensor:
        return _ops.cast(self, np.int32)

    def bool(self) -> Tensor:
        return _ops.cast(self, np.bool_)

    def cpu(self) -> Tensor:
        return self

    def contiguous(self) -> Tensor:
        """``self`` if its data is in row-major order already, else a (differentiable) copy that is."""
        return _ops.contiguous(self)

    # ------------------------------------------------------------ in-place updates
    def _check_inplace(self, op: str) -> None:
        if self.requires_grad and _grad_state.enabled:
            what = "a leaf Variable that requires grad" if self.grad_fn is None else (
                "a tensor that is part of a graph"
            )
            raise RuntimeError(
                f"{op}: {what} (shape {self.shape}) is being used in an in-place operation; "
                "wrap the update in `with tg.no_grad():` or use an out-of-place op (x = x + y)"
            )
        if not self.data.flags.writeable:
            self.data = np.array(self.data)  # e.g. an expanded view: materialise before writing

    def _inplace(self, op: str, ufunc: Any, other: Any) -> Tensor:
        self._check_inplace(op)
        o = other.data if isinstance(other, Tensor) else other
        try:
            ufunc(self.data, o, out=self.data, casting="same_kind")
        except (ValueError, TypeError) as e:  # (numpy's casting error can't be re-raised as type(e))
            raise RuntimeError(
                f"{op}: cannot update a tensor of shape {self.shape} and dtype {self.dtype} in "
                f"place with {np.shape(o)} {getattr(o, 'dtype', type(o).__name__)}: {e}"
            ) from None
        self._vc[0] += 1
        return self

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace("__iadd__", np.add, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace("__isub__", np.subtract, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace("__imul__", np.multiply, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace("__itruediv__", np.true_divide, other)

    def add_(self, other: Any, alpha: Any = 1) -> Tensor:
        return self._inplace("add_", np.add, other if alpha == 1 else _raw(other) * alpha)

    def sub_(self, other: Any, alpha: Any = 1) -> Tensor:
        return self._inplace("sub_", np.subtract, other if alpha == 1 else _raw(other) * alpha)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace("mul_", np.multiply, other)

    def div_(self, other: Any) -> Tensor:
        return self._inplace("div_", np.true_divide, other)

    def copy_(self, src: Any) -> Tensor:
        self._check_inplace("copy_")
        s = _raw(src)
        try:
            np.copyto(self.data, np.broadcast_to(s, self.data.shape), casting="unsafe")
        except ValueError as e:
            raise RuntimeError(
                f"copy_: source of shape {np.shape(s)} cannot be copied into a tensor of shape {self.shape}"
            ) from e
        self._vc[0] += 1
        return self

    def fill_(self, value: Any) -> Tensor:
        self._check_inplace("fill_")
        v = _raw(value)
        if np.ndim(v) != 0 or not isinstance(v, builtins.int | builtins.float | np.number | np.ndarray):
            got = f"{type(v).__name__} of shape {np.shape(v)}"
            raise TypeError(f"fill_: value must be a number or a 0-d tensor, got {got}")
        self.data.fill(v)
        self._vc[0] += 1
        return self

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - torch names
        self._check_inplace("clamp_")
        if not all(b is None or isinstance(b, builtins.int | builtins.float | np.number) for b in (min, max)):
            got = f"{type(min).__name__}, {type(max).__name__}"
            raise TypeError(f"clamp_: min and max must be numbers or None, got {got}")
        np.clip(self.data, min, max, out=self.data)
        self._vc[0] += 1
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("__setitem__")
        from .ops import index as _index

        idx = _index.expand_ellipsis(_ops.index_to_numpy(index), self.data.ndim)
        stages = _index.torch_stages(idx)  # PyTorch's order when ints mix with index arrays
        try:
            if stages is None:
                self.data[idx] = _raw(value)
            else:  # the first stage is basic indexing: a view, so the write goes through
                self.data[stages[0]][stages[1]] = _raw(value)
        except (IndexError, ValueError) as e:
            raise type(e)(f"__setitem__: tensor of shape {self.shape}: {e}") from None
        self._vc[0] += 1

    # ------------------------------------------------------------ numpy interop
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """``np.exp(t)``, ``np.float32(2) * t``... dispatch to differentiable ops."""
        fn = _UFUNCS.get(ufunc) if method == "__call__" and not kwargs else None
        if fn is not None:
            return fn(*inputs)
        return _numpy_fallback(ufunc.__name__, lambda *a: getattr(ufunc, method)(*a, **kwargs), inputs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        fn = _FUNCS.get(func)
        if fn is not None:
            return fn(*args, **kwargs)
        return _numpy_fallback(func.__name__, lambda *a: func(*a, **kwargs), args)


class _HookHandle:
    def __init__(self, hooks: list, hook: Any) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _numpy_fallback(name: str, call: Callable, args: Any) -> Any:
    """A numpy function we have no differentiable version of: allowed only without grad."""

    def unwrap(a: Any) -> Any:
        if isinstance(a, Tensor):
            if a.requires_grad and _grad_state.enabled:
                raise TypeError(
                    f"numpy.{name} has no differentiable tinygrad_edu version; it cannot be applied "
                    f"to a tensor that requires grad (shape {a.shape}). Use tinygrad_edu ops, or "
                    ".detach() first if no gradient is needed."
                )
            return a.data
        if isinstance(a, list | tuple):
            return type(a)(unwrap(x) for x in a)
        return a

    return call(*[unwrap(a) for a in args])


def _wrap_dim(dim: int, ndim: int, op: str) -> int:
    n = max(ndim, 1)
    if not isinstance(dim, builtins.int | np.integer):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Same as ``Tensor(data, requires_grad, dtype)`` (``torch.tensor``)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


# The engine and the ops import Tensor, so they are imported after it is defined.
from . import ops as _ops  # noqa: E402
from .autograd import engine as _engine  # noqa: E402
from .autograd.grad_mode import _state as _grad_state  # noqa: E402


# ---------------------------------------------------------------- operator sugar
def _swap(fn: Callable) -> Callable:
    return lambda self, other: fn(other, self)


# Operators and methods of the common float ops skip the argument checks when they can
# (see ops.elementwise.unary_method): on small tensors those checks cost as much as numpy.
_fast_binary = _ops.elementwise.binary_method
_fast_unary = _ops.elementwise.unary_method
for _name, _fn in {
    "__add__": _fast_binary(_ops.elementwise.Add, _ops.add), "__radd__": _swap(_ops.add),
    "__sub__": _fast_binary(_ops.elementwise.Sub, _ops.sub), "__rsub__": _ops.rsub,
    "__mul__": _fast_binary(_ops.elementwise.Mul, _ops.mul), "__rmul__": _swap(_ops.mul),
    "__truediv__": _fast_binary(_ops.elementwise.Div, _ops.div, True), "__rtruediv__": _ops.rdiv,
    "__pow__": _ops.pow, "__rpow__": _ops.rpow,
    "__matmul__": _ops.matmul, "__rmatmul__": _swap(_ops.matmul),
    "__neg__": _ops.neg, "__abs__": _ops.abs,
    "__getitem__": _ops.getitem,
    # methods that are the op of the same name
    "add": _ops.add, "sub": _ops.sub, "mul": _ops.mul, "div": _ops.div, "pow": _ops.pow,
    "matmul": _ops.matmul, "dot": _ops.dot, "mm": _ops.mm, "neg": _ops.neg, "abs": _ops.abs,
    "exp": _fast_unary(_ops.elementwise.Exp, _ops.exp),
    "log": _fast_unary(_ops.elementwise.Log, _ops.log), "log1p": _ops.log1p,
    "sqrt": _fast_unary(_ops.elementwise.Sqrt, _ops.sqrt), "rsqrt": _ops.rsqrt,
    "sin": _fast_unary(_ops.elementwise.Sin, _ops.sin),
    "cos": _fast_unary(_ops.elementwise.Cos, _ops.cos),
    "tanh": _fast_unary(_ops.elementwise.Tanh, _ops.tanh),
    "sigmoid": _fast_unary(_ops.elementwise.Sigmoid, _ops.sigmoid),
    "relu": _fast_unary(_ops.elementwise.Relu, _ops.relu), "square": _ops.square,
    "erf": _ops.erf, "expm1": _ops.expm1,
    "reciprocal": _ops.reciprocal, "sign": _ops.sign, "clamp": _ops.clamp, "clip": _ops.clip,
    "maximum": _ops.maximum, "minimum": _ops.minimum,
    "sum": _ops.sum, "mean": _ops.mean, "var": _ops.var, "std": _ops.std,
    "amax": _ops.amax, "amin": _ops.amin, "max": _ops.max, "min": _ops.min,
    "prod": _ops.prod, "argmax": _ops.argmax, "argmin": _ops.argmin,
    "logsumexp": _ops.logsumexp, "softmax": _ops.softmax, "log_softmax": _ops.log_softmax,
    "reshape": _ops.reshape, "view": _ops.view, "flatten": _ops.flatten,
    "permute": _ops.permute, "transpose": _ops.transpose, "swapaxes": _ops.swapaxes,
    "t": _ops.t, "squeeze": _ops.squeeze, "unsqueeze": _ops.unsqueeze,
    "expand": _ops.expand, "expand_as": _ops.expand_as, "broadcast_to": _ops.broadcast_to,
    "repeat": _ops.repeat, "split": _ops.split, "chunk": _ops.chunk, "narrow": _ops.narrow,
    "unbind": _ops.unbind, "moveaxis": _ops.moveaxis, "movedim": _ops.movedim,
    "index_select": _ops.index_select, "masked_fill": _ops.masked_fill,
}.items():
    setattr(Tensor, _name, _fn)


def _compare(ufunc: Any) -> Callable:
    def cmp(self: Tensor, other: Any) -> Tensor:
        o = other.data if isinstance(other, Tensor) else other
        try:
            return Tensor._make(ufunc(self.data, o), False, None)
        except (ValueError, TypeError) as e:
            raise (TypeError if isinstance(e, TypeError) else RuntimeError)(
                f"{ufunc.__name__}: cannot compare a tensor of shape {self.shape}, dtype {self.dtype} with "
                f"{type(o).__name__} of shape {np.shape(o)}: {e}"
            ) from None

    return cmp


for _name, _uf in {
    "__lt__": np.less, "__le__": np.less_equal, "__gt__": np.greater,
    "__ge__": np.greater_equal, "__eq__": np.equal, "__ne__": np.not_equal,
    "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "eq": np.equal, "ne": np.not_equal, "__and__": np.logical_and, "__or__": np.logical_or,
    "__xor__": np.logical_xor, "logical_and": np.logical_and, "logical_or": np.logical_or,
}.items():
    setattr(Tensor, _name, _compare(_uf))

Tensor.__invert__ = lambda self: Tensor._make(~self.data, False, None)
Tensor.logical_not = lambda self: Tensor._make(np.logical_not(self.data), False, None)
Tensor.T = property(lambda self: _ops.permute(self, *reversed(range(self.ndim))))
Tensor.mT = property(lambda self: _ops.transpose(self, -2, -1))
Tensor.isnan = lambda self: Tensor._make(np.isnan(self.data), False, None)
Tensor.isinf = lambda self: Tensor._make(np.isinf(self.data), False, None)
Tensor.isfinite = lambda self: Tensor._make(np.isfinite(self.data), False, None)
Tensor.all = lambda self, dim=None, keepdim=False: Tensor._make(  # noqa: E731
    np.all(self.data, axis=dim, keepdims=keepdim), False, None)
Tensor.any = lambda self, dim=None, keepdim=False: Tensor._make(  # noqa: E731
    np.any(self.data, axis=dim, keepdims=keepdim), False, None)


# ------------------------------------------------- numpy calls on Tensors (dispatch)
# With these, np.exp(t), np.float32(2) * t and the numpy-written backward formulas of
# the ops all run as differentiable ops when given Tensors.
def _np_sum(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
    return _ops.sum(a, axis, keepdims, dtype)


def _np_reduce(fn: Callable) -> Callable:
    return lambda a, axis=None, keepdims=False, **kw: fn(a, axis, keepdims)


def _np_transpose(a: Any, axes: Any = None) -> Tensor:
    return _ops.permute(a, *(reversed(range(a.ndim)) if axes is None else axes))


_UFUNCS: dict = {
    np.add: _ops.add, np.subtract: _ops.sub, np.multiply: _ops.mul,
    np.true_divide: _ops.div, np.power: _ops.pow, np.float_power: _ops.pow,
    np.negative: _ops.neg, np.exp: _ops.exp, np.log: _ops.log, np.log1p: _ops.log1p,
    np.sqrt: _ops.sqrt, np.sin: _ops.sin, np.cos: _ops.cos, np.tanh: _ops.tanh,
    np.absolute: _ops.abs, np.sign: _ops.sign, np.square: _ops.square,
    np.reciprocal: _ops.reciprocal, np.maximum: _ops.maximum, np.minimum: _ops.minimum,
    np.matmul: _ops.matmul, np.expm1: _ops.expm1,
}
for _uf in (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal):
    _UFUNCS[_uf] = (lambda uf: lambda a, b: Tensor._make(uf(_raw(a), _raw(b)), False, None))(_uf)

_FUNCS: dict = {
    np.sum: _np_sum,
    np.mean: _np_reduce(_ops.mean),
    np.prod: lambda a, axis=None, keepdims=False, **kw: _ops.prod(a, axis, keepdims),
    np.max: _np_reduce(lambda a, d, k: _ops.amax(a, d, k)),
    np.min: _np_reduce(lambda a, d, k: _ops.amin(a, d, k)),
    np.where: lambda c, a, b: _ops.where(c, a, b),
    np.broadcast_to: lambda a, shape, **kw: _ops.broadcast_to(a, shape),
    np.reshape: lambda a, shape=None, **kw: _ops.reshape(a, shape if shape is not None else kw["newshape"]),
    np.transpose: _np_transpose,
    np.swapaxes: lambda a, d0, d1: _ops.transpose(a, d0, d1),
    np.moveaxis: lambda a, s, d: _ops.moveaxis(a, s, d),
    np.expand_dims: lambda a, axis: _ops.unsqueeze(a, axis),
    np.squeeze: lambda a, axis=None: _ops.squeeze(a, axis),
    np.concatenate: lambda ts, axis=0, **kw: _ops.cat(list(ts), axis),
    np.stack: lambda ts, axis=0, **kw: _ops.stack(list(ts), axis),
    np.clip: lambda a, lo=None, hi=None, **kw: _ops.clamp(a, lo, hi),
    np.zeros_like: lambda a, dtype=None, **kw: Tensor._make(np.zeros_like(_raw(a), dtype=dtype), False, None),
    np.ones_like: lambda a, dtype=None, **kw: Tensor._make(np.ones_like(_raw(a), dtype=dtype), False, None),
    np.shape: lambda a: _raw(a).shape,
    np.ndim: lambda a: _raw(a).ndim,
    np.size: lambda a, axis=None: np.size(_raw(a), axis),
}
