"""Graph nodes: ``Function`` (one recorded operation) and ``AccumulateGrad`` (a leaf's sink).

Every Tensor produced by a recorded operation points at the node that made it
(``t.grad_fn``). A node knows where the gradient goes next (``next_functions``, as in
PyTorch: one ``(node, output_index)`` pair per input, ``None`` for inputs that need no
gradient) and what its forward saved for backward. That is the whole graph.

There are two ways to define an operation:

* **Built-in ops** (``tinygrad_edu/ops``) subclass :class:`Op`. Their ``forward`` works on
  numpy arrays and their ``backward`` is written with numpy functions and operators.
  When ``backward(create_graph=True)`` is asked for, the same backward code receives
  Tensors instead of arrays; Tensors dispatch numpy calls (``np.exp``, ``np.where``,
  ``*``...) to differentiable ops, so every built-in backward is itself differentiable
  without a second implementation.
* **Custom functions** subclass :class:`Function` with PyTorch's semantics: ``forward``
  receives and returns Tensors (run with grad recording off), ``backward`` receives and
  returns Tensors.
"""

from __future__ import annotations

import itertools
import threading
import traceback
import weakref
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import anomaly
from .grad_mode import _off, _set_mode, _state

_IN_OUT = -1  # saved item is the op's output
_CONST = -2  # saved item is neither an input nor the output: a constant for double backward
_KINDS_OUTPUT = (_IN_OUT,)  # what most unary ops save: their output alone
_KINDS_INPUT0 = (0,)  # ... or their input (sin, log)
_KINDS_INPUTS01 = (0, 1)  # what most binary ops save: both inputs


class _NullCtx:
    """Stands in for a node when nothing is recorded: saving is a no-op."""

    __slots__ = ()
    needs_input_grad = ()

    def save_for_backward(self, *xs: Any) -> None:
        pass

    def mark_non_differentiable(self, *xs: Any) -> None:
        pass

    def __setattr__(self, name: str, value: Any) -> None:
        pass  # ops may stash attributes for backward; without a graph they are not needed


NULL_CTX = _NullCtx()

# Every recorded op takes the next number: an op is recorded after the ops that made its
# inputs, so a larger number never feeds a smaller one (see engine.run_backward).
_next_seq = itertools.count(1).__next__

_FREED = object()
_new = object.__new__
_ndarray = np.ndarray  # (np.X is not cached by Python 3.11, see engine._ndarray)


def _shape_error(cls: type, arrays: list, e: Exception) -> ValueError:
    """numpy's broadcasting/shape errors, retold in the op's own terms."""
    shapes = ", ".join(str(np.shape(a)) for a in arrays)
    dts = ", ".join(str(getattr(a, "dtype", type(a).__name__)) for a in arrays)
    return ValueError(f"{cls.__name__.lower()}: {e} (input shapes {shapes}; dtypes {dts})")


def _plain(out: Any) -> Any:
    """A Tensor without a graph around an op's result (a tuple of them for several results)."""
    if type(out) is tuple:
        return tuple(_plain(o) for o in out)
    t = _new(Tensor)
    t.data = out if type(out) is np.ndarray else np.asarray(out)
    t._vc = [0]
    return t


# How many live nodes hold hooks of non-leaf tensors (Tensor.register_hook, retain_grad).
# While none does, the engine skips reading each node's _pre_hooks (a class attribute for
# nearly all of them, which Python 3.11 reads slowly: ~1.5% of a small op's backward).
_hooked = [0]
_hooked_lock = threading.RLock()  # (re-entrant: a node may be freed while the lock is held)


def _count_hooked(delta: int) -> None:
    with _hooked_lock:
        _hooked[0] += delta


class Node:
    """Common part of every graph node; see :class:`Function` and :class:`AccumulateGrad`."""

    next_functions: tuple = ()
    _seq = 0  # creation order of recorded ops (from _next_seq): the engine runs larger first
    _n_out = 1
    # the output's shape; None for a node with several outputs (their shapes are _shapes), so
    # that the engine's one shape test per edge also sends their gradients to _deliver
    _shape: tuple | None = None
    _is_op = False  # built-in Op: backward runs directly on arrays
    _fresh_grads = False  # backward's arrays are new and seen by nobody else (see Op)
    _pre_hooks: dict | None = None  # output index -> hooks registered on non-leaf tensors
    _trace: list | None = None  # forward call site, recorded under detect_anomaly

    def op_name(self) -> str:
        """The op's short name as graphs and traces show it (``mul``, ``exp``, ``max``)."""
        return type(self).__name__.lower()

    def name(self) -> str:
        return type(self).__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    def _hooks_for(self, index: int) -> list:
        """The hook list of output ``index`` (hooks of a non-leaf tensor), made on first use."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
            _count_hooked(1)
            weakref.finalize(self, _count_hooked, -1).atexit = False
        return self._pre_hooks.setdefault(index, [])

    def register_hook(self, fn: Any) -> None:
        """Hooks on a node run on the gradients of its inputs, as PyTorch's ``Node.register_hook``."""
        raise NotImplementedError("register hooks on tensors with Tensor.register_hook")


class AccumulateGrad(Node):
    """The sink of a leaf tensor: adds the arriving gradient into ``variable.grad``."""

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def _shape(self) -> tuple:
        return self.variable.data.shape


def accumulator(t: Tensor) -> AccumulateGrad:
    """The one AccumulateGrad node of leaf ``t`` (kept weakly by the tensor, strongly by graphs)."""
    ref = t._accum
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._accum = weakref.ref(acc)
    return acc


def _edge(t: Tensor) -> tuple:
    """Where the gradient for ``t`` (which requires grad) goes: its node, or its leaf's sink."""
    fn = t.grad_fn
    return (fn, t._out_nr) if fn is not None else (accumulator(t), 0)


def edge(t: Any) -> tuple | None:
    """Where the gradient for input ``t`` must go: ``(node, output_index)`` or None."""
    if type(t) is not Tensor and not isinstance(t, Tensor):
        return None
    if not t.requires_grad:
        return None
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._out_nr)
    return (accumulator(t), 0)


class Function(Node):
    """A recorded operation. Subclass it for custom ops (PyTorch semantics).

    ``forward(ctx, *inputs)`` runs with grad recording off and receives the Tensors it was
    applied to; it returns a Tensor or a tuple of Tensors. ``backward(ctx, *grads)``
    receives one gradient Tensor per output and returns one gradient per input (Tensor,
    array or None). It records a graph only under ``backward(create_graph=True)``.

    Example::

        class Cube(tg.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):          # d x**3 / dx = 3 x**2
                (x,) = ctx.saved_tensors
                return 3 * x ** 2 * grad

        y = Cube.apply(t)
    """

    # what save_for_backward kept, as it was given (custom Functions read it through
    # saved_tensors, which checks and re-wraps; built-in ops read it directly)
    saved_values: Any = ()
    _kinds: tuple = ()
    _saved_out_nrs: tuple = ()  # for each saved output: which output (custom Functions)
    _versions: tuple = ()
    needs_input_grad: tuple = ()
    _non_diff: tuple = ()

    # -- what forward calls -------------------------------------------------------
    def save_for_backward(self, *xs: Any) -> None:
        """Keep inputs, outputs or other values for backward (read with ``saved_tensors``)."""
        self.saved_values = xs

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Declare outputs (e.g. indices) through which no gradient flows."""
        self._non_diff = outputs

    # -- what backward calls --------------------------------------------------------
    @property
    def saved_tensors(self) -> tuple:
        saved = self.saved_values
        if saved is _FREED:
            raise RuntimeError(
                f"{self.name()}: trying to backward through the graph a second time (or to "
                "access saved tensors after they have been freed). Saved intermediate values "
                "are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time."
            )
        self._check_versions()
        if self._unpack_as_tensors:
            return tuple(self._unpack(i, s) for i, s in enumerate(saved))
        return saved

    _unpack_as_tensors = False

    def _check_versions(self) -> None:
        for i, (vc, v, kind) in enumerate(self._versions):
            if vc[0] != v:
                what = "output" if kind == _IN_OUT else f"input {kind}"
                raise RuntimeError(
                    f"{self.name()}: one of the variables needed for gradient computation has "
                    f"been modified by an inplace operation: saved tensor {i} (the op's {what}) "
                    f"is at version {vc[0]}; expected version {v} instead. Compute the "
                    "in-place update on a copy (x = x + 1 instead of x += 1), or .clone() "
                    "the tensor before modifying it."
                )

    def _unpack(self, i: int, s: Any) -> Any:
        """Turn saved item ``i`` back into a Tensor connected to the graph."""
        kind = self._kinds[i] if i < len(self._kinds) else _CONST
        if kind == _IN_OUT:
            if isinstance(s, Tensor):
                return s
            t = Tensor._make(s, True, self if _state.enabled else None)
            if t.grad_fn is None:
                t.requires_grad = False
            else:  # which output it is, so double backward sends its gradient there
                t._out_nr = self._saved_out_nrs[i] if i < len(self._saved_out_nrs) else 0
            return t
        if kind >= 0:
            if isinstance(s, Tensor):
                return s
            e = self.next_functions[kind]
            if e is None:
                return Tensor._make(s, False, None)
            node, nr = e
            if type(node) is AccumulateGrad:
                return node.variable
            t = Tensor._make(s, True, node)
            t._out_nr = nr
            return t
        return s

    # -- recording --------------------------------------------------------------
    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and, if any input requires grad, record a node for backward."""
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        record = _state.enabled and any(needs)
        ctx = cls()
        ctx.needs_input_grad = needs
        prev = _set_mode(False)
        try:
            out = cls.forward(ctx, *args, **kwargs)
        finally:
            _set_mode(prev)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        outs = tuple(o if isinstance(o, Tensor) else Tensor(o) for o in outs)
        if not record:
            return outs[0] if single else outs
        ctx.next_functions = tuple(edge(a) for a in args)
        ctx._seq = _next_seq()
        ctx._n_out = len(outs)
        ctx._shapes = tuple(o.shape for o in outs)
        ctx._dtypes = tuple(o.dtype for o in outs)
        ctx._shape = ctx._shapes[0] if len(outs) == 1 else None  # (None: see Node._shape)
        nd = {id(o) for o in ctx._non_diff}
        results = []
        for k, o in enumerate(outs):
            if id(o) in nd or o.dtype.kind != "f":
                results.append(o)
                continue
            if o.grad_fn is not None or o.requires_grad or any(o is a for a in args):
                o = Tensor._make(o.data, False, None)  # a view of an input: give it its own node
            o.requires_grad = True
            o.grad_fn = ctx
            o._out_nr = k
            results.append(o)
        # saved outputs are kept as arrays so that the graph holds no reference cycle
        kinds, saved, versions, out_nrs = [], [], [], []
        for s in ctx.saved_values:
            kind, out_nr = _CONST, 0
            for k, o in enumerate(results):
                if s is o or s is outs[k]:
                    kind, s, out_nr = _IN_OUT, o.data, k
                    versions.append((o._vc, o._vc[0], _IN_OUT))
                    break
            else:
                for i, a in enumerate(args):
                    if s is a:
                        kind = i
                        versions.append((a._vc, a._vc[0], i))
                        break
            kinds.append(kind)
            saved.append(s)
            out_nrs.append(out_nr)
        ctx.saved_values, ctx._kinds, ctx._versions = tuple(saved), tuple(kinds), tuple(versions)
        ctx._saved_out_nrs = tuple(out_nrs)
        ctx._unpack_as_tensors = True
        if anomaly._enabled[0]:
            ctx._trace = traceback.extract_stack()[:-1]
        return results[0] if single else tuple(results)

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads)")

    def _run_backward(self, grads: Any, create_graph: bool) -> tuple:
        """Engine entry: call the user's backward on Tensors, return arrays or Tensors."""
        if self.saved_values is _FREED:
            self.saved_tensors  # noqa: B018 - raises the 'second time' error
        gs = grads if self._n_out > 1 else [grads]
        gts = []
        for k, g in enumerate(gs):
            if g is None:  # PyTorch materializes missing output grads as zeros
                g = np.zeros(self._shapes[k], dtype=self._dtypes[k])
            gts.append(g if isinstance(g, Tensor) else Tensor._make(g, False, None))
        prev = _set_mode(create_graph)
        try:
            res = type(self).backward(self, *gts)
        finally:
            _set_mode(prev)
        if not isinstance(res, tuple):
            res = (res,)
        if len(res) != len(self.next_functions):
            raise RuntimeError(
                f"{self.name()}: backward returned {len(res)} gradients, but forward had "
                f"{len(self.next_functions)} inputs (return None for inputs without a gradient)"
            )
        if create_graph:
            return tuple(r if r is None or isinstance(r, Tensor) else Tensor(r) for r in res)
        return tuple(r.data if isinstance(r, Tensor) else r for r in res)


class Op(Function):
    """Base of the built-in ops: ``forward`` and ``backward`` work on numpy arrays.

    ``forward(ctx, *arrays, **params) -> array`` computes the value; values it calls
    ``ctx.save_for_backward`` on are identified as an input, the output or a constant.
    ``backward(ctx, grad) -> tuple`` reads them back as ``ctx.saved_values`` (a plain
    attribute: ``saved_tensors`` works too, but a property call per node shows on small
    tensors) and returns one gradient per input (None where not
    needed), written with numpy functions so that it works on arrays (plain backward)
    and on Tensors (``create_graph=True``). The engine sums each gradient back to its
    input's shape, so a broadcasting op returns the gradient of the broadcast result.

    A forward may return a tuple of arrays (several outputs, e.g. an LSTM cell's h and c);
    backward then receives one gradient per output, ``backward(ctx, g_h, g_c)``, with zeros
    for outputs that did not reach the loss. Such an op saves only inputs and constants.

    Two optional promises let the engine skip allocations in a plain backward:
    ``_fresh_grads = True``: every array ``backward`` returns is newly made and returned
    once, so nobody else sees it. ``backward_reusing(ctx, grad)``: the same result as
    ``backward``, allowed to write into ``grad``; the engine calls it instead when the
    incoming gradient is an array only it holds (made by a ``_fresh_grads`` op or by its
    own summing) and nothing else will read it (no hooks, no tracing, no ``autograd.grad``).
    """

    _is_op = True
    backward_reusing = None

    def _check_saved(self) -> None:
        """Raise if the saved values were freed or modified in place since forward."""
        if self.saved_values is _FREED:
            self.saved_tensors  # noqa: B018 - raises the 'second time' error
        self._check_versions()

    # which inputs want a gradient; apply() overrides it for ops with several inputs
    needs_input_grad = (True,)

    @property
    def saved_tensors(self) -> tuple:  # type: ignore[override]
        # arrays in a plain backward; the engine swaps in Tensors for create_graph=True
        saved = self.saved_values
        if saved is _FREED:
            return Function.saved_tensors.fget(self)  # raises the 'second time' error
        return saved

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the arrays of ``args``; record a node if any input requires grad."""
        # Ops on one or two Tensors without options (nearly all of them) take the short paths.
        n = len(args)
        if not kwargs and 0 < n <= 2 and isinstance(args[0], Tensor):
            if n == 1:
                return cls.apply1(args[0])
            if isinstance(args[1], Tensor):
                return cls.apply2(args[0], args[1])
        if n == 3 and isinstance(args[0], Tensor) and isinstance(args[1], Tensor) and (
            args[2] is None or isinstance(args[2], Tensor)
        ):  # x, weight, bias (or None): linear, conv
            a, b, c = args
            x, y = a.data, b.data
            z = None if c is None else c.data
            need_a, need_b = a.requires_grad, b.requires_grad
            need_c = c is not None and c.requires_grad
            try:
                if not ((need_a or need_b or need_c) and (not _off[0] or _state.enabled)):
                    return _plain(cls.forward(NULL_CTX, x, y, z, **kwargs))
                ctx = _new(cls)
                out = cls.forward(ctx, x, y, z, **kwargs)
            except ValueError as e:
                raise _shape_error(cls, [x, y, z], e) from None
            ctx.next_functions = (_edge(a) if need_a else None, _edge(b) if need_b else None,
                                  _edge(c) if need_c else None)
            ctx.needs_input_grad = (need_a, need_b, need_c)
            return ctx._finish(out, args)
        record = False
        arrays = []
        for t in args:
            if isinstance(t, Tensor):
                arrays.append(t.data)
                if t.requires_grad:
                    record = True
            else:
                arrays.append(t)
        try:
            if not (record and (not _off[0] or _state.enabled)):
                return _plain(cls.forward(NULL_CTX, *arrays, **kwargs))
            ctx = _new(cls)
            out = cls.forward(ctx, *arrays, **kwargs)
        except ValueError as e:
            raise _shape_error(cls, arrays, e) from None
        edges = tuple([_edge(t) if isinstance(t, Tensor) and t.requires_grad else None for t in args])
        ctx.next_functions = edges
        ctx.needs_input_grad = tuple([e is not None for e in edges])
        return ctx._finish(out, args)

    # The hot path of every op, kept flat on purpose: on small tensors the Python work per
    # op costs more than numpy's, so every call, allocation and lookup here shows.
    @classmethod
    def apply1(cls, a: Tensor) -> Tensor:
        """``apply(a)`` for one Tensor and no options: every unary op."""
        x = a.data
        try:
            if not (a.requires_grad and (not _off[0] or _state.enabled)):
                return _plain(cls.forward(NULL_CTX, x))
            ctx = _new(cls)
            out = cls.forward(ctx, x)
        except ValueError as e:
            raise _shape_error(cls, [x], e) from None
        ctx.next_functions = (_edge(a),)
        return ctx._finish(out, (a,))

    @classmethod
    def apply2(cls, a: Tensor, b: Tensor) -> Tensor:
        """``apply(a, b)`` for two Tensors and no options: every binary op."""
        x, y = a.data, b.data
        need_a, need_b = a.requires_grad, b.requires_grad
        try:
            if not ((need_a or need_b) and (not _off[0] or _state.enabled)):
                return _plain(cls.forward(NULL_CTX, x, y))
            ctx = _new(cls)
            out = cls.forward(ctx, x, y)
        except ValueError as e:
            raise _shape_error(cls, [x, y], e) from None
        ctx.next_functions = (_edge(a) if need_a else None, _edge(b) if need_b else None)
        ctx.needs_input_grad = (need_a, need_b)
        return ctx._finish(out, (a, b))

    def _finish(self, out: Any, args: tuple) -> Tensor:
        """Number this node, wrap forward's result in its Tensor, classify what was saved."""
        self._seq = _next_seq()
        if type(out) is not _ndarray:
            if type(out) is tuple:
                return self._several_outputs(out, args)
            out = self._scalar_to_array(out)
        t = _new(Tensor)
        t.data = out
        t._vc = vc = [0]
        t.requires_grad = True
        t.grad_fn = self
        self._shape = out.shape
        if anomaly._enabled[0]:
            self._trace = traceback.extract_stack()[:-2]
        saved = self.saved_values
        if not saved:
            return t
        # The commonest cases, decided here as _mark_saved's loop decides them (an array that
        # is also the output counts as the output): exp, tanh... keep their output; sin,
        # log... their input; mul, div... both inputs. (Not a call: it shows on small ops.)
        s = saved[0]
        n = len(saved)
        if s is out:
            if n == 1:
                self._kinds = _KINDS_OUTPUT
                self._versions = ((vc, 0, _IN_OUT),)
                return t
        elif type(a := args[0]) is Tensor and s is a.data:
            if n == 1:
                self._kinds = _KINDS_INPUT0
                self._versions = ((a._vc, a._vc[0], 0),)
                return t
            if n == 2 and len(args) == 2:
                b, s = args[1], saved[1]
                if type(b) is Tensor and s is b.data and s is not out:
                    self._kinds = _KINDS_INPUTS01
                    self._versions = ((a._vc, a._vc[0], 0), (b._vc, b._vc[0], 1))
                    return t
        self._mark_saved(args, t)
        return t

    def _scalar_to_array(self, raw: Any) -> np.ndarray:
        """numpy returns a scalar for a 0-d result: make it an array, also where it was saved."""
        out = np.asarray(raw)
        if self.saved_values:
            self.saved_values = tuple(out if s is raw else s for s in self.saved_values)
        return out

    def _several_outputs(self, outs: tuple, args: tuple) -> tuple[Tensor, ...]:
        """Wrap the results of an op whose forward returned a tuple (e.g. an LSTM cell's h, c).

        Its backward receives one gradient per output (zeros for outputs that did not reach
        the loss, as in PyTorch). Such an op saves inputs or constants only: whatever else
        backward needs, it recomputes from them.
        """
        results = []
        for k, o in enumerate(outs):
            t = _new(Tensor)
            t.data = o if type(o) is np.ndarray else np.asarray(o)
            t._vc = [0]
            t.requires_grad = True
            t.grad_fn = self
            t._out_nr = k
            results.append(t)
        self._n_out = len(results)
        self._shapes = tuple(t.data.shape for t in results)
        self._dtypes = tuple(t.data.dtype for t in results)
        self._shape = None  # (see Node._shape)
        self._is_op = False  # the engine's inline call passes one gradient: go through _run_backward
        if self.saved_values:
            if any(s is o for s in self.saved_values for o in outs):
                raise RuntimeError(
                    f"{type(self).__name__}: an op with several outputs must not save them; "
                    "recompute them in backward from the saved inputs"
                )
            self._mark_saved(args, results[0])
        if anomaly._enabled[0]:
            self._trace = traceback.extract_stack()[:-2]
        return tuple(results)

    def _mark_saved(self, args: tuple, out: Tensor) -> None:
        """Classify each saved value as the output, input ``i``, or a constant, and note the
        version of every saved tensor (so backward can tell if it was modified in place).

        An array held by several inputs (``x * x.detach()``: both Tensors wrap one array) is
        taken as the input at its own position in ``save_for_backward`` when that input holds
        it, as PyTorch keeps each argument it saves: here the second factor stays a constant
        under ``create_graph=True``.
        """
        saved = self.saved_values
        o = out.data
        kinds, versions = [], []
        for k, s in enumerate(saved):
            if s is o:
                kinds.append(_IN_OUT)
                versions.append((out._vc, out._vc[0], _IN_OUT))
                continue
            holders = [i for i, t in enumerate(args) if s is t or (isinstance(t, Tensor) and s is t.data)]
            if not holders:
                kinds.append(_CONST)
                continue
            i = k if k in holders else holders[0]
            kinds.append(i)
            if isinstance(args[i], Tensor):
                versions.append((args[i]._vc, args[i]._vc[0], i))
        self._kinds = tuple(kinds)
        self._versions = tuple(versions)

    @classmethod
    def dual(cls, *args: Any, **kwargs: Any) -> Any:
        """Apply to Tensors (recording a graph) or to plain arrays (returning an array).

        Backward formulas call ops through this so that they stay differentiable.
        """
        for a in args:
            if isinstance(a, Tensor):
                return cls.apply(*args, **kwargs)
        return cls.forward(NULL_CTX, *args, **kwargs)

    def _run_backward(self, g: Any, create_graph: bool) -> tuple:
        saved = self.saved_values
        if saved is _FREED:
            self.saved_tensors  # noqa: B018 - raises the 'second time' error
        if self._versions:
            self._check_versions()
        # one gradient per output; outputs that did not reach the loss get zeros (as PyTorch)
        gs = [g] if self._n_out == 1 else [
            np.zeros(self._shapes[k], self._dtypes[k]) if gk is None else gk for k, gk in enumerate(g)
        ]
        if not create_graph:
            return type(self).backward(self, *gs)
        # Differentiable backward: the same formulas, run on Tensors connected to the graph.
        self.saved_values = tuple(self._unpack(i, s) for i, s in enumerate(saved))
        gs = [gk if isinstance(gk, Tensor) else Tensor._make(gk, False, None) for gk in gs]
        prev = _set_mode(True)
        try:
            return type(self).backward(self, *gs)
        finally:
            _set_mode(prev)
            self.saved_values = saved
