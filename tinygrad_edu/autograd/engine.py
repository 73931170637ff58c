"""The backward engine: reverse-mode differentiation over the recorded graph.

Given gradients for some outputs, walk the graph from the outputs towards the leaves in
topological order (every node after all the nodes that consume its outputs), call each
node's backward once with the sum of the gradients that reached it, and hand the results
to the nodes that produced its inputs. The order comes from the ops' recording order: an
op is recorded after the ops that made its inputs, so running the nodes that hold a
gradient from the most recently recorded down (a heap) is a topological order. The walk
is a loop, never recursion, so a chain of 200,000 ops backpropagates.

Chain rule, in the engine's words: if ``y = f(x)`` and the loss ``L`` depends on ``y``
through several paths, ``dL/dx = sum over uses of (dL/dy_use) * (dy_use/dx)``: the
buffers below add up the per-use gradients before a node runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import anomaly
from . import trace as _trace
from .function import _FREED, AccumulateGrad, Node, _hooked, accumulator

# numpy's module has a __getattr__, so Python 3.11 does not cache ``np.X`` lookups: a name
# of our own is ~20 ns faster where it is read once per node
_ndarray = np.ndarray


def sum_to(g: Any, shape: tuple) -> Any:
    """Undo broadcasting: sum ``g`` over the axes along which ``shape`` was broadcast.

    If ``x`` of shape ``shape`` was broadcast to ``g.shape`` in forward, every element of
    ``x`` was used several times, so its gradient is the sum over those uses.
    Works on arrays and on Tensors (which dispatch ``np.sum`` to a differentiable op).
    """
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1
    )
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if lead:
        g = g.reshape(shape)
    if g.shape != shape:
        raise RuntimeError(f"backward: gradient of shape {gshape} cannot be summed to {shape}")
    return g


def topological_order(roots: Sequence[Node]) -> list[Node]:
    """Nodes reachable from ``roots``, each listed before every node it sends gradient to.

    (The graph drawings and ``autograd.grad``'s pruning use it; backward itself follows
    the recording order, see ``run_backward``.)
    """
    order: list[Node] = []
    seen: set[Node] = set()  # nodes hash by identity
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, it = stack[-1]
            for e in it:
                if e is not None and e[0] not in seen:
                    nxt = e[0]
                    seen.add(nxt)
                    stack.append((nxt, iter(nxt.next_functions)))
                    break
            else:
                stack.pop()
                order.append(node)  # post-order: after everything it feeds
    order.reverse()
    return order


def _add(a: Any, b: Any) -> Any:
    if a is None:
        return b
    return a + b  # never in place: buffers may alias gradients held elsewhere


def run_backward(
    roots: Sequence[tuple[Node, int, Any]],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[tuple[int, int], int] | None = None,
) -> list[Any] | None:
    """Propagate ``roots`` = [(node, output_index, grad)] through the graph.

    Without ``capture``, gradients are accumulated into leaves' ``.grad`` (``backward``).
    With ``capture`` = {(id(node), index): position}, the gradients arriving at those
    nodes are returned instead and nothing is accumulated (``autograd.grad``).

    Order: a node is created after the nodes of its inputs, so its sequence number
    (``Node._seq``) is larger than theirs. Running the nodes that received a gradient
    from the largest number down (a heap) therefore runs every node after all the
    nodes that send it gradient, without sorting the whole graph first. Leaves' sinks
    send nothing on, so they run last, in the order they were reached.
    """
    buffers: dict[Node, Any] = {}
    heap: list = []  # (-seq, node) of op nodes holding a gradient, largest seq first
    leaves: list = []  # sinks holding a gradient
    handed_out: set[int] = set()  # arrays the user can see
    for node, idx, g in roots:
        handed_out.add(id(g))
        if node not in buffers:
            if type(node) is AccumulateGrad:
                leaves.append(node)
            else:
                heappush(heap, (-node._seq, node))
        _deliver(buffers, node, idx, g)
    results: list[Any] | None = None
    needed: set[int] | None = None
    if capture is not None:
        results = [None] * len(capture)
        needed = _needed_nodes(topological_order([r[0] for r in roots]), capture)
    # Nodes whose buffer is an array that nobody else can see until the node runs: one this
    # loop allocated by adding two gradients, or the fresh result of an op that promises
    # such results (Op._fresh_grads). Further gradients are added into it in place (a
    # weight used at every step of an RNN collects one per step), and an op that can
    # work in place gets it to keep (Op.backward_reusing).
    summed: set[Node] = set()
    private_ok = capture is None and not create_graph
    check_anomaly = anomaly._enabled[0]
    tracer = _trace._current.tracer
    watched = check_anomaly or tracer is not None
    hooked = _hooked  # [number of live nodes with tensor hooks]

    node = heappop(heap)[1] if heap else None
    while node is not None:
        g = buffers.pop(node)
        if hooked[0] and node._pre_hooks:
            g = _run_tensor_hooks(node, g)
        if capture is not None:
            _capture(node, g, capture, results, handed_out, create_graph)
            if id(node) not in needed:  # a root that leads to no input asked for
                node = heappop(heap)[1] if heap else None
                continue
        if create_graph or not node._is_op:
            grads = node._run_backward(g, create_graph)
        else:  # the common case inlined: a built-in op, plain backward on arrays
            if node.saved_values is _FREED:
                node._check_saved()
            for vc, version, _ in node._versions:
                if vc[0] != version:
                    node._check_saved()  # raises: modified in place since forward
            if (summed and node in summed and node.backward_reusing is not None and private_ok
                    and tracer is None and not node._pre_hooks):
                grads = type(node).backward_reusing(node, g)  # g is ours alone, read by nobody later
            else:
                grads = type(node).backward(node, g)
        if watched:
            if check_anomaly:
                anomaly.check(node, grads)
            if tracer is not None:
                tracer.node(node, g, grads)
        if not retain_graph and node.saved_values:
            node.saved_values = _FREED  # the saved buffers can go now; a second backward will say so
        fresh = private_ok and node._fresh_grads
        later = None  # a node this one scheduled, kept out of the heap if it runs next anyway
        i = -1  # an index into grads: zip(next_functions, grads) costs ~0.1 us a node here
        for e in node.next_functions:
            i += 1
            if e is None:
                continue
            gi = grads[i]
            if gi is None:
                continue
            nxt = e[0]
            if needed is not None and id(nxt) not in needed:
                continue
            prev = buffers.get(nxt)
            if prev is None:  # its first gradient: schedule it
                if type(nxt) is AccumulateGrad:
                    leaves.append(nxt)
                elif later is None:
                    later = nxt
                else:
                    heappush(heap, (-nxt._seq, nxt))
            if gi.shape != nxt._shape:  # (always, for a node with several outputs)
                if nxt._n_out > 1:
                    _deliver(buffers, nxt, e[1], gi)
                    continue
                if tracer is not None:
                    tracer.broadcast(node, i, gi.shape, nxt._shape)
                gi = sum_to(gi, nxt._shape)
            if prev is None:
                buffers[nxt] = gi  # not ours to modify, unless the op said it is fresh
                if fresh and type(gi) is _ndarray:
                    summed.add(nxt)
            elif nxt in summed and prev.dtype == gi.dtype:
                np.add(prev, gi, out=prev)  # a sum the engine made: private, so in place
            else:
                total = buffers[nxt] = prev + gi
                if type(total) is _ndarray:  # not a Tensor (create_graph), not a 0-d scalar
                    summed.add(nxt)
        # Next: the largest sequence number pending. In a chain that is the node just
        # scheduled, which then skips the heap (a push and a pop per node saved).
        if later is not None:
            if not heap or later._seq > -heap[0][0]:
                node = later
                continue
            heappush(heap, (-later._seq, later))
        node = heappop(heap)[1] if heap else None

    for node in leaves:
        g = buffers.pop(node)
        var = node.variable
        if var._hooks:
            g = _run_leaf_hooks(var, g)
        if capture is not None:
            _capture(node, g, capture, results, handed_out, create_graph)
            continue  # autograd.grad never touches .grad
        if tracer is not None:
            tracer.leaf(var, g)
        _accumulate(node, g, handed_out, create_graph)
    return results


def _deliver(buffers: dict, node: Node, idx: int, g: Any) -> None:
    if node._n_out == 1:
        buffers[node] = _add(buffers.get(node), g)
    else:
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._n_out
        if g.shape != node._shapes[idx]:
            g = sum_to(g, node._shapes[idx])
        buf[idx] = _add(buf[idx], g)


def _needed_nodes(order: list[Node], capture: dict) -> set[int]:
    """Nodes on some path from the roots to a captured node: the only ones worth running."""
    targets = {k[0] for k in capture}
    needed: set[int] = set()
    for node in reversed(order):  # children before parents
        if id(node) in targets or any(
            e is not None and id(e[0]) in needed for e in node.next_functions
        ):
            needed.add(id(node))
    return needed


def _capture(node, g, capture, results, handed_out, create_graph) -> None:  # noqa: ANN001
    gs = g if node._n_out > 1 else [g]
    for idx, gi in enumerate(gs):
        pos = capture.get((id(node), idx))
        if pos is not None and gi is not None:
            results[pos] = _own(gi, handed_out, create_graph)


def _own(g: Any, handed_out: set[int], create_graph: bool, like: Any = None) -> Tensor:
    """Wrap a gradient for the user, copying it if someone else can already see its memory.

    A copy is laid out like ``like`` (the parameter's array; row-major without one), so
    that an optimizer's update reads the parameter and its gradient in the same order.
    """
    if create_graph:
        t = g if isinstance(g, Tensor) else Tensor._make(g, False, None)
        if id(t) in handed_out:
            t = t * 1
        handed_out.add(id(t))
        return t
    if isinstance(g, Tensor):
        g = g.data
    order = "C"
    if like is not None:
        lf = like.flags
        if lf.f_contiguous and not lf.c_contiguous:
            order = "F"
    flags = g.flags
    if id(g) in handed_out or g.base is not None or not flags.writeable or not (
        flags.f_contiguous if order == "F" else flags.c_contiguous
    ):
        g = np.array(g, order=order)
    handed_out.add(id(g))
    return Tensor._make(g, False, None)


def _accumulate(node: AccumulateGrad, g: Any, handed_out: set[int], create_graph: bool) -> None:
    var = node.variable
    dt = var.data.dtype
    if g.dtype != dt:
        g = g.astype(dt)
    if var.grad is None:
        var.grad = _own(g, handed_out, create_graph, var.data)
    elif create_graph or var.grad.requires_grad or not var.grad.data.flags.writeable:
        var.grad = var.grad + g
    else:
        # in place, as PyTorch: the array was copied when it became .grad, so it is ours
        acc = var.grad
        np.add(acc.data, g.data if isinstance(g, Tensor) else g, out=acc.data)
        acc._vc[0] += 1


def _run_leaf_hooks(var: Tensor, g: Any) -> Any:
    as_array = not isinstance(g, Tensor)
    for hook in var._hooks:
        r = hook(Tensor._make(g, False, None) if as_array else g)
        if r is not None:
            g = r.data if as_array and isinstance(r, Tensor) else r
    return g


def _run_tensor_hooks(node: Node, g: Any) -> Any:
    hooks = node._pre_hooks
    gs = list(g) if node._n_out > 1 else [g]
    for idx, fns in hooks.items():
        if gs[idx] is None:
            continue
        for fn in fns:
            cur = gs[idx]
            r = fn(cur if isinstance(cur, Tensor) else Tensor._make(cur, False, None))
            if r is not None:
                gs[idx] = r.data if not isinstance(cur, Tensor) and isinstance(r, Tensor) else r
    return gs if node._n_out > 1 else gs[0]


def backward(
    tensors: Sequence[Tensor],
    grad_tensors: Sequence[Any] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
) -> None:
    """Accumulate d(tensors)/d(leaves) into the leaves' ``.grad`` (``torch.autograd.backward``)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        # accumulate only into ``inputs`` (leaves or not), as torch.autograd.backward(inputs=)
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        grads = grad(tensors, inputs, grad_tensors, retain_graph, create_graph, allow_unused=True)
        for x, g in zip(inputs, grads):
            if g is not None:
                x.grad = g if x.grad is None else x.grad + g
        return
    roots = _make_roots(tensors, grad_tensors, create_graph, "backward")
    run_backward(roots, retain_graph, create_graph)


def ones_seed(data: np.ndarray) -> np.ndarray:
    """d out / d out = 1: the gradient backward starts from, in ``data``'s shape and dtype."""
    g = np.empty(data.shape, dtype=data.dtype)
    g.fill(1)  # (np.ones, a Python-level wrapper, costs more than the whole fill here)
    return g


def _make_roots(tensors, grad_tensors, create_graph: bool, who: str) -> list:  # noqa: ANN001
    roots = []
    for t, g in zip(tensors, grad_tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: expected Tensors as outputs, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(
                f"{who}: element of shape {t.shape} does not require grad and does not have a "
                "grad_fn (was it computed under no_grad, or from tensors without requires_grad=True?)"
            )
        if g is None:
            if t.data.size != 1:
                raise RuntimeError(
                    f"{who}: grad can be implicitly created only for scalar outputs; the output "
                    f"has shape {t.shape}. Pass gradient= (a tensor of shape {t.shape})."
                )
            g = ones_seed(t.data)
        else:
            garr = g.data if isinstance(g, Tensor) else np.asarray(g)
            if garr.shape != t.data.shape:
                raise RuntimeError(
                    f"{who}: mismatch in shape: gradient has shape {garr.shape}, but the output "
                    f"has shape {t.shape}"
                )
            if garr.dtype != t.data.dtype:
                garr = garr.astype(t.data.dtype)
            g = g if create_graph and isinstance(g, Tensor) else garr
        if create_graph:
            g = Tensor._make(g, False, None) if not isinstance(g, Tensor) else g
        if t.grad_fn is not None:
            roots.append((t.grad_fn, t._out_nr, g))
        else:
            roots.append((accumulator(t), 0, g))
    return roots


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return d(outputs)/d(inputs) without touching ``.grad`` (``torch.autograd.grad``).

    Example::

        x = tg.tensor(3.0, requires_grad=True)
        (dy,) = tg.autograd.grad(x ** 3, x, create_graph=True)   # 3 x**2 = 27
        (d2y,) = tg.autograd.grad(dy, x)                           # 6 x = 18
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"autograd.grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs"
        )
    if retain_graph is None:
        retain_graph = create_graph
    capture: dict[tuple[int, int], int] = {}
    keys = []  # (node, index) per input; holds the nodes alive while ids key the capture
    for pos, x in enumerate(inputs):
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise RuntimeError(
                f"autograd.grad: input {pos} does not require grad (set requires_grad=True)"
            )
        key = (x.grad_fn, x._out_nr) if x.grad_fn is not None else (accumulator(x), 0)
        keys.append(key)
        capture.setdefault((id(key[0]), key[1]), pos)
    roots = _make_roots(outputs, grad_outputs, create_graph, "autograd.grad")
    res = run_backward(roots, retain_graph, create_graph, capture)
    out = []
    for pos, (x, key) in enumerate(zip(inputs, keys)):
        g = res[capture[(id(key[0]), key[1])]]
        if g is None:
            if materialize_grads:
                g = Tensor._make(np.zeros(x.data.shape, dtype=x.data.dtype), False, None)
            elif not allow_unused:
                raise RuntimeError(
                    f"autograd.grad: input {pos} (shape {x.shape}) was not used to compute the "
                    "outputs; pass allow_unused=True if this is expected"
                )
        elif g.data.dtype != x.data.dtype:
            g = g.to(x.data.dtype)
        out.append(g)
    return tuple(out)

