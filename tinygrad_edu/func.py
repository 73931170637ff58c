"""Functional transforms: derivatives as functions, with ``torch.func``'s signatures.

Instead of calling ``loss.backward()`` and reading ``.grad``, a transform takes a
function and returns a new function that computes a derivative::

    import tinygrad_edu.func as func
    f = lambda x: (x ** 3).sum()
    func.grad(f)(x)              # 3 x**2
    func.grad(func.grad(lambda x: x ** 3))(tg.tensor(2.0))   # 6 x = 12

===================================  ===============================================
``grad(f)(x)``                       df/dx for a scalar f
``value_and_grad(f)(x)``             ``(f(x), df/dx)``  (JAX's order)
``jacobian(f)(x)``                   J[i..., j...] = d f(x)[i...] / d x[j...]
``hessian(f)(x)``                    ``jacobian(jacobian(f))``: second derivatives
``vjp(f, x)``                        ``(f(x), v -> v^T J)``: one reverse pass per v
``jvp(f, (x,), (v,))``               ``(f(x), J v)``: a directional derivative
===================================  ===============================================

All of them run on the ordinary engine (``tg.autograd.grad``); there is no second
forward-mode engine. How they stay out of the caller's way:

* The function is called on private copies of the differentiated arguments
  (``x.detach().requires_grad_()``), so the caller's ``.grad`` and ``requires_grad`` are
  never touched, and a tensor that does not require grad can still be differentiated.
* If grad mode is on and the caller's tensor requires grad, the copy is ``x.clone()``
  instead: still a separate tensor, but connected to ``x``. That is what makes
  ``grad(grad(f))`` work: the inner ``grad`` returns a result that depends on the outer
  copy through a recorded graph (``create_graph=True``), which the outer ``grad``
  differentiates again.
* The backward pass records its own graph only when someone can use it: grad mode is on
  and the output depends on a tensor that requires grad other than the private copies
  (an outer transform's copy, a caller's tensor, a weight captured by ``f``). Otherwise
  results are plain tensors with ``requires_grad=False``, as with ``torch.func``.
* Like ``torch.func``, a transform ignores a surrounding ``no_grad`` (it always records
  the graph of ``f``), but its results are then cut from every outer graph.

Arguments may be Tensors or (nested) tuples, lists and dicts of Tensors (``grad(loss)(params,
x, y)`` with ``params`` a dict gives a dict of gradients); results have the same structure.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd.engine import grad as _autograd_grad
from .autograd.function import AccumulateGrad
from .autograd.grad_mode import enable_grad, is_grad_enabled
from .ops import reshape, stack
from .tensor import Tensor

__all__ = ["grad", "hessian", "jacobian", "jvp", "value_and_grad", "vjp"]

Argnums = int | tuple[int, ...]


# ------------------------------------------------------------------ nested containers
# A tiny "pytree": Tensors inside tuples, lists and dicts are flattened to a list of
# leaves plus a spec that rebuilds the same structure around new leaves.

_LEAF = "leaf"


def _flatten(tree: Any, on_error: Callable[[Any], Exception]) -> tuple[list[Tensor], Any]:
    leaves: list[Tensor] = []

    def go(node: Any) -> Any:
        if isinstance(node, Tensor):
            leaves.append(node)
            return _LEAF
        if type(node) in (tuple, list):
            return (type(node), tuple(go(c) for c in node))
        if type(node) is dict:
            return (dict, tuple(node), tuple(go(v) for v in node.values()))
        raise on_error(node)

    return leaves, go(tree)


def _unflatten(spec: Any, leaves: Sequence[Any]) -> Any:
    it = iter(leaves)

    def build(s: Any) -> Any:
        if s == _LEAF:
            return next(it)
        if s[0] is dict:
            return {k: build(c) for k, c in zip(s[1], s[2], strict=True)}
        return s[0](build(c) for c in s[1])

    return build(spec)


def _map_tensors(fn: Callable[[Tensor], Any], tree: Any) -> Any:
    """Apply ``fn`` to the Tensors of ``tree``; anything else (aux data) is kept as it is."""
    if isinstance(tree, Tensor):
        return fn(tree)
    if type(tree) in (tuple, list):
        return type(tree)(_map_tensors(fn, c) for c in tree)
    if type(tree) is dict:
        return {k: _map_tensors(fn, v) for k, v in tree.items()}
    return tree


# ------------------------------------------------------------------ argument handling


def _check_argnums(argnums: Any, nargs: int, who: str) -> tuple[int, ...]:
    """Validate ``argnums`` like torch.func and return it as non-negative positions."""
    items = argnums if isinstance(argnums, tuple) else (argnums,)
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in items):
        raise RuntimeError(f"{who}: argnums must be int or Tuple[int, ...], got: {argnums!r}")
    if not items:
        raise RuntimeError(f"{who}: argnums must be non-empty")
    out = []
    for a in items:
        if not -nargs <= a < nargs:
            raise RuntimeError(
                f"{who}: Got argnums={a}, but only {nargs} positional inputs were given"
            )
        out.append(a % nargs)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{who}: argnums must be unique, got {argnums!r}")
    return tuple(out)


class _Inputs:
    """The arguments of one call, with the differentiated ones replaced by private copies.

    ``leaves`` are the copies (what gradients are taken with respect to), ``own`` the
    ids of those copies that are fresh leaves (so that "does the output depend on
    anything else?" can be answered), ``pack(grads)`` puts one result per leaf back into
    the structure of the differentiated arguments.
    """

    def __init__(self, args: tuple, argnums: tuple[int, ...], single: bool, who: str) -> None:
        connect = is_grad_enabled()
        new_args = list(args)
        specs = []
        self.leaves: list[Tensor] = []
        self.own: set[int] = set()
        for i in argnums:

            def bad(node: Any, i: int = i) -> Exception:
                return ValueError(
                    f"{who}: argument {i} is differentiated, so it must be a Tensor or a "
                    f"tuple/list/dict of Tensors; got {type(node).__name__}"
                )

            leaves, spec = _flatten(args[i], bad)
            copies = [self._copy(x, connect) for x in leaves]
            self.leaves += copies
            specs.append(spec)
            new_args[i] = _unflatten(spec, copies)
        self.args = tuple(new_args)
        self.spec = specs[0] if single else (tuple, tuple(specs))

    def _copy(self, x: Tensor, connect: bool) -> Tensor:
        if connect and x.requires_grad:
            return x.clone()  # differentiable identity: results stay connected to x
        c = x.detach().requires_grad_()
        self.own.add(id(c))
        return c

    def pack(self, per_leaf: Sequence[Any]) -> Any:
        return _unflatten(self.spec, per_leaf)


def _depends_on_others(tensors: Sequence[Tensor], own: set[int]) -> bool:
    """True if some tensor's graph reaches a leaf that requires grad and is not in ``own``.

    Only then can anyone differentiate a result again, so only then is a backward
    graph worth recording (and an output worth keeping attached to its graph).
    """
    stack_: list = []
    seen: set[int] = set()
    for t in tensors:
        if not t.requires_grad:
            continue
        if t.grad_fn is None:
            if id(t) not in own:
                return True
        elif id(t.grad_fn) not in seen:
            seen.add(id(t.grad_fn))
            stack_.append(t.grad_fn)
    while stack_:
        node = stack_.pop()
        if type(node) is AccumulateGrad:
            if id(node.variable) not in own:
                return True
            continue
        for e in node.next_functions:
            if e is not None and id(e[0]) not in seen:
                seen.add(id(e[0]))
                stack_.append(e[0])
    return False


def _split_aux(out: Any, has_aux: bool, who: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(
            f"{who}: with has_aux=True, f must return a tuple (output, aux); got "
            f"{type(out).__name__}"
        )
    return out


def _output_leaves(out: Any, who: str) -> tuple[list[Tensor], Any]:
    def bad(node: Any) -> Exception:
        return RuntimeError(
            f"{who}: f must return a Tensor or a tuple/list/dict of Tensors; got "
            f"{type(node).__name__}"
        )

    return _flatten(out, bad)


def _release(t: Tensor, keep: bool) -> Tensor:
    """What the caller sees of a tensor computed from the private copies."""
    return t if keep and t.requires_grad else t.detach()


def _release_aux(aux: Any, outer: bool, own: set[int]) -> Any:
    return _map_tensors(lambda t: _release(t, outer and _depends_on_others([t], own)), aux)


def _zeros(shape: tuple, dtype: np.dtype) -> Tensor:
    return Tensor._make(np.zeros(shape, dtype=dtype), False, None)


def _vjp_leaves(
    outputs: Sequence[Tensor],
    inputs: Sequence[Tensor],
    cotangents: Sequence[Any],
    create_graph: bool,
    retain_graph: bool = True,  # a Jacobian or a vjp_fn goes through the same graph again
) -> list[Tensor]:
    """sum_k cotangent_k^T d outputs_k / d inputs, for each input; zeros where unconnected."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents, strict=True) if o.requires_grad]
    if not pairs:
        return [_zeros(x.shape, x.dtype) for x in inputs]
    grads = _autograd_grad(
        [o for o, _ in pairs],
        list(inputs),
        grad_outputs=[c for _, c in pairs],
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )
    return [
        g if g is not None else _zeros(x.shape, x.dtype) for g, x in zip(grads, inputs, strict=True)
    ]


# ------------------------------------------------------------------ grad, value_and_grad


def _value_and_grad(
    f: Callable, argnums: Argnums, has_aux: bool, args: tuple, kwargs: dict, who: str
) -> tuple[Tensor, Any, Any]:
    outer = is_grad_enabled()
    nums = _check_argnums(argnums, len(args), who)
    with enable_grad():
        inp = _Inputs(args, nums, isinstance(argnums, int), who)
        out, aux = _split_aux(f(*inp.args, **kwargs), has_aux, who)
        if not isinstance(out, Tensor):
            raise RuntimeError(
                f"{who}: expected f(*args) to return a Tensor, got {type(out).__name__}"
            )
        if out.numel() != 1:
            raise RuntimeError(
                f"{who}: expected f(*args) to return a scalar (one-element) Tensor, got one of "
                f"shape {tuple(out.shape)}. For a non-scalar output use func.jacobian or func.vjp."
            )
        keep = outer and _depends_on_others([out], inp.own)
        cot = Tensor._make(np.ones(out.shape, dtype=out.dtype), False, None)
        grads = _vjp_leaves([out], inp.leaves, [cot], create_graph=keep)
    aux = _release_aux(aux, outer, inp.own)
    return _release(out, keep), inp.pack(grads), aux


def grad(f: Callable, argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """Return a function computing the gradient of the scalar function ``f``.

    ``grad(f)(x) = df/dx``, with the shape of ``x``. ``f`` must return a one-element
    Tensor. With ``argnums`` an int, the gradient is with respect to that positional
    argument; with a tuple of ints, a tuple of gradients is returned. With
    ``has_aux=True``, ``f`` returns ``(output, aux)`` and ``grad(f)(x)`` returns
    ``(gradient, aux)``. The result can be differentiated again: ``grad(grad(f))``.

    Example::

        f = lambda x: (x.sin() * x).sum()
        func.grad(f)(x)                       # cos(x) x + sin(x)
        func.grad(lambda w, b: ..., argnums=(0, 1))(w, b)   # (df/dw, df/db)
    """

    @functools.wraps(f)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        _, g, aux = _value_and_grad(f, argnums, has_aux, args, kwargs, "func.grad")
        return (g, aux) if has_aux else g

    return grad_f


def value_and_grad(f: Callable, argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """Like :func:`grad`, but return ``(f(x), df/dx)`` from a single forward pass.

    The order is JAX's (value first); PyTorch's ``torch.func.grad_and_value`` returns
    ``(grad, value)``. With ``has_aux=True`` the result is ``((value, aux), grad)``.

    Example::

        loss, g = func.value_and_grad(lambda w: ((X @ w - y) ** 2).mean())(w)
    """

    @functools.wraps(f)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        value, g, aux = _value_and_grad(f, argnums, has_aux, args, kwargs, "func.value_and_grad")
        return ((value, aux), g) if has_aux else (value, g)

    return value_and_grad_f


# ------------------------------------------------------------------ jacobian, hessian


def _one_hot(out: Tensor, i: int) -> Tensor:
    e = np.zeros(out.numel(), dtype=out.dtype)
    e[i] = 1
    return Tensor._make(e.reshape(out.shape), False, None)


def _jacobian_of(out: Tensor, inp: _Inputs, create_graph: bool) -> list[Tensor]:
    """d out / d leaf for every leaf, each of shape out.shape + leaf.shape: one row per pass."""
    if not out.requires_grad or out.numel() == 0:
        return [_zeros(out.shape + x.shape, x.dtype) for x in inp.leaves]
    rows = [  # rows[i][k] = d out.flatten()[i] / d leaf_k
        _vjp_leaves([out], inp.leaves, [_one_hot(out, i)], create_graph)
        for i in range(out.numel())
    ]
    return [
        reshape(stack([r[k] for r in rows]), out.shape + x.shape)
        for k, x in enumerate(inp.leaves)
    ]


def jacobian(f: Callable, argnums: Argnums = 0, *, has_aux: bool = False) -> Callable:
    """Return a function computing the Jacobian of ``f`` by reverse mode (``torch.func.jacrev``).

    ``jacobian(f)(x)[i..., j...] = d f(x)[i...] / d x[j...]``, of shape
    ``f(x).shape + x.shape``. Row ``i`` is one backward pass with the one-hot cotangent
    ``e_i`` (``e_i^T J`` is the i-th row), so the cost is one pass per output element.
    With a tuple ``argnums`` there is one Jacobian per argument (a tuple); with a tuple of
    outputs there is one entry per output, each structured like ``argnums``. With
    ``has_aux=True``, ``f`` returns ``(output, aux)`` and the result is ``(jacobian, aux)``.

    Example::

        func.jacobian(tg.tanh)(x)        # diag(1 - tanh(x)**2)
        func.jacobian(lambda x: tg.softmax(x, dim=0))(x)   # diag(s) - s s^T
    """

    @functools.wraps(f)
    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        who = "func.jacobian"
        outer = is_grad_enabled()
        nums = _check_argnums(argnums, len(args), who)
        with enable_grad():
            inp = _Inputs(args, nums, isinstance(argnums, int), who)
            out, aux = _split_aux(f(*inp.args, **kwargs), has_aux, who)
            outs, out_spec = _output_leaves(out, who)
            jacs = []
            for o in outs:
                keep = outer and _depends_on_others([o], inp.own)
                per_leaf = [_release(j, keep) for j in _jacobian_of(o, inp, keep)]
                jacs.append(inp.pack(per_leaf))
        result = _unflatten(out_spec, jacs)
        if has_aux:
            aux = _release_aux(aux, outer, inp.own)
            return result, aux
        return result

    return jacobian_f


def hessian(f: Callable, argnums: Argnums = 0) -> Callable:
    """Return a function computing the Hessian of scalar ``f``: ``jacobian(jacobian(f))``.

    ``hessian(f)(x)[i..., j...] = d^2 f / (d x[i...] d x[j...])``, of shape
    ``x.shape + x.shape`` for a scalar ``f``. The inner Jacobian is computed with a
    recorded backward graph, which the outer Jacobian differentiates.

    Example::

        f = lambda x: tg.tanh(A @ x).sum()
        func.hessian(f)(x)     # A^T diag(-2 tanh(z) (1 - tanh(z)^2)) A,  z = A x
    """
    return jacobian(jacobian(f, argnums), argnums)


# ------------------------------------------------------------------ vjp, jvp


def _check_like(given: Sequence[Tensor], expected: Sequence[Tensor], what: str, who: str) -> None:
    of = "output" if what == "cotangent" else "primal"
    for k, (g, e) in enumerate(zip(given, expected, strict=True)):
        if g.shape != e.shape:
            raise RuntimeError(
                f"{who}: {what} {k} has shape {tuple(g.shape)}, but it must have the shape "
                f"{tuple(e.shape)} of the corresponding {of}"
            )


def vjp(f: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """Run ``f(*primals)`` and return ``(output, vjp_fn)`` (``torch.func.vjp``).

    ``vjp_fn(v)`` returns the vector-Jacobian products ``v^T J_k = sum_i v_i d out_i / d
    primal_k``: a tuple with one entry per primal (each of that primal's shape). ``v``
    has the structure and shapes of the output. ``vjp_fn`` may be called many times;
    each call is one backward pass. With ``has_aux=True``, ``f`` returns
    ``(output, aux)`` and ``vjp`` returns ``(output, vjp_fn, aux)``.

    Example::

        out, vjp_fn = func.vjp(lambda x: x ** 2, x)
        (g,) = vjp_fn(tg.ones_like(out))       # 2 x
    """
    who = "func.vjp"
    outer = is_grad_enabled()
    with enable_grad():
        inp = _Inputs(primals, tuple(range(len(primals))), False, who)
        out, aux = _split_aux(f(*inp.args), has_aux, who)
        outs, out_spec = _output_leaves(out, who)
    depends = _depends_on_others(outs, inp.own)
    value = _unflatten(out_spec, [_release(o, outer and depends) for o in outs])

    def vjp_fn(
        cotangents: Any, retain_graph: bool = True, create_graph: bool | None = None
    ) -> tuple:
        def bad(node: Any) -> Exception:
            return RuntimeError(f"{who}: cotangents must be Tensors, got {type(node).__name__}")

        cots, spec = _flatten(cotangents, bad)
        if spec != out_spec:
            raise RuntimeError(
                f"{who}: the cotangents must have the same structure as the output of f "
                f"(one Tensor per output Tensor, in the same tuple/list/dict nesting)"
            )
        _check_like(cots, outs, "cotangent", who)
        if create_graph is None:  # record only if the result can be differentiated again
            create_graph = is_grad_enabled() and (depends or any(c.requires_grad for c in cots))
        with enable_grad():
            grads = _vjp_leaves(outs, inp.leaves, cots, create_graph, retain_graph)
        return tuple(_unflatten(spec_k, g) for spec_k, g in _per_primal(inp, grads))

    if has_aux:
        aux = _release_aux(aux, outer, inp.own)
        return value, vjp_fn, aux
    return value, vjp_fn


def _per_primal(inp: _Inputs, grads: Sequence[Any]) -> list[tuple[Any, list]]:
    """Split one flat list of per-leaf results into (spec, leaves) for each primal."""
    out, start = [], 0
    for spec in inp.spec[1]:
        n = _count(spec)
        out.append((spec, list(grads[start : start + n])))
        start += n
    return out


def _count(spec: Any) -> int:
    if spec == _LEAF:
        return 1
    return sum(_count(c) for c in spec[-1])


def jvp(
    f: Callable, primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False
) -> tuple:
    """Return ``(f(*primals), J v)``, the Jacobian-vector product (``torch.func.jvp``).

    ``J v = sum_k d f / d primal_k  v_k`` is the directional derivative of ``f`` at
    ``primals`` along ``tangents`` (same structure and shapes as ``primals``, both
    tuples). It is computed with two reverse passes instead of a forward-mode engine
    (the "double vjp" trick): ``g(u) = u^T J`` is linear in the cotangent ``u``, so its
    own vjp with ``v`` is ``d <g(u), v> / du = J v``. With ``has_aux=True``, ``f`` returns
    ``(output, aux)`` and the result is ``(output, jvp_out, aux)``. ``strict`` is
    accepted for compatibility and ignored.

    Example::

        out, d = func.jvp(lambda x: x ** 3, (x,), (tg.ones_like(x),))   # d = 3 x**2
    """
    who = "func.jvp"
    if not isinstance(primals, (tuple, list)):
        raise RuntimeError(
            f"{who}(f, primals, tangents): expected primals to be a tuple, e.g. (x,), so that "
            f"f(*primals) is valid; got {type(primals).__name__}"
        )
    if not isinstance(tangents, (tuple, list)):
        raise RuntimeError(f"{who}: expected tangents to be a tuple, got {type(tangents).__name__}")

    def bad(node: Any) -> Exception:
        return RuntimeError(
            f"{who}: primals and tangents must be Tensors, got {type(node).__name__}"
        )

    p_leaves, p_spec = _flatten(tuple(primals), bad)
    t_leaves, t_spec = _flatten(tuple(tangents), bad)
    if p_spec != t_spec:
        raise RuntimeError(f"{who}: primals and tangents must have the same structure")
    _check_like(t_leaves, p_leaves, "tangent", who)

    outer = is_grad_enabled()
    with enable_grad():
        inp = _Inputs(tuple(primals), tuple(range(len(primals))), False, who)
        out, aux = _split_aux(f(*inp.args), has_aux, who)
        outs, out_spec = _output_leaves(out, who)
        # u: a dummy cotangent per output; only its graph matters, not its value
        us = [_zeros(o.shape, o.dtype) for o in outs]
        for u in us:
            if u.dtype.kind == "f":
                u.requires_grad_()
        gs = _vjp_leaves(outs, inp.leaves, us, create_graph=True)  # g_k(u) = u^T J_k
        depends = _depends_on_others(outs, inp.own)
        keep = outer and (depends or any(t.requires_grad for t in t_leaves))
        diff_us = [u for u in us if u.requires_grad]
        jv_diff = iter(_vjp_leaves(gs, diff_us, t_leaves, create_graph=keep) if diff_us else [])
        # an integer output (argmax...) has no derivative: its jvp is zero
        jv = [next(jv_diff) if u.requires_grad else u for u in us]
    value = _unflatten(out_spec, [_release(o, outer and depends) for o in outs])
    jvp_out = _unflatten(out_spec, [_release(j, keep) for j in jv])
    if has_aux:
        aux = _release_aux(aux, outer, inp.own)
        return value, jvp_out, aux
    return value, jvp_out
