"""The chain rule, step by step, for any graph: ``tg.viz.explain(loss)``.

Backpropagation is the chain rule applied once per op, from the loss back to the leaves:
each op receives dL/d(its output) and multiplies it by its *local* derivative to get
dL/d(each input). ``explain`` runs that backward under a tracer and writes down every
step the engine takes, in the engine's order, with the rule the op's code implements
(the first line of the op's docstring, "forward;   local derivative"), the shapes, and
the gradients, ending with the gradient that reaches each leaf::

    >>> import tinygrad_edu as tg
    >>> a = tg.tensor(2.0, requires_grad=True); a.name = "a"
    >>> b = tg.tensor(-1.0, requires_grad=True); b.name = "b"
    >>> y = (a * b).tanh()
    >>> text = tg.viz.explain(y)        # prints the trace and returns it
    >>> steps = tg.viz.explain_steps(y) # the same, as data (exact numpy arrays)

Values are named, in this order of preference, by ``params`` (a Module, whose
``named_parameters()`` are used, or a dict / iterable of ``(name, tensor)`` pairs, which
may also name intermediate results, e.g. ``{"h": h, "output": out}``), by
``tensor.name``, and otherwise ``leaf1, leaf2, ...`` (leaves) and ``t1, t2, ...``
(intermediate results), numbered in forward order. ``const`` stands for an input that
needs no gradient (data, targets, numbers). Inputs of an op are numbered from 0, as in
the engine's messages. ``explain`` never changes any ``.grad``: it differentiates with
``tg.autograd.grad(..., retain_graph=True)`` (the graph can still be backpropagated
afterwards) and restores ``.grad`` of tensors on which ``retain_grad()`` was called.
``loss.backward(explain=True)`` instead prints the trace of that very backward, which
accumulates into ``.grad`` as usual.
"""

from __future__ import annotations

import inspect
import re
import sys
import weakref
from collections.abc import Iterable
from typing import Any, TextIO

import numpy as np

from ..autograd import engine
from ..autograd.function import AccumulateGrad
from ..autograd.trace import BackwardTracer, tracing
from ..tensor import Tensor

__all__ = ["explain", "explain_steps", "local_rule"]

_FORMATS = ("text", "markdown", "latex")
_SEP = re.compile(r";\s{2,}")  # between the forward formula and the local derivative


# ---------------------------------------------------------------------- the op's own rule


def local_rule(op: Any) -> tuple[str, str]:
    """``(forward, local_derivative)`` from the first line of an op class's docstring.

    ``op`` is an op class (``tinygrad_edu.ops.elementwise.Tanh``) or a graph node. Built-in
    ops document themselves as "y = tanh(x);   dy/dx = 1 - tanh(x)^2 = 1 - y^2"; a custom
    ``Function`` without such a line gets a placeholder saying so.
    """
    cls = op if isinstance(op, type) else type(op)
    doc = cls.__dict__.get("__doc__") or ""  # never the base class's docstring
    lines = [ln.strip() for ln in doc.strip().splitlines()]
    if not lines or not lines[0]:
        return (f"{cls.__name__} (no docstring)", "the derivative is whatever its backward computes")
    first = lines[0]
    if first.endswith(";") and len(lines) > 1 and lines[1]:
        first = f"{first}   {lines[1]}"  # a rule wrapped over two lines
    first = first.replace("``", "")  # reST literals read better as plain text here
    parts = _SEP.split(first, maxsplit=1)
    if len(parts) == 2:
        return parts[0].strip(), parts[1].strip()
    return first, "(no local derivative on the docstring's first line)"


def _input_symbols(cls: type, n_inputs: int, rule: str) -> list[str | None]:
    """The letter the rule uses for each input: the op's forward argument names (``x``,
    ``a``, ``b``...) when they appear in the rule (matched ignoring case, so MatMul's
    ``a, b`` are the rule's ``A, B``)."""
    try:
        params = list(inspect.signature(cls.forward).parameters.values())[1:]  # skip ctx
    except (TypeError, ValueError):
        return [None] * n_inputs
    names: list[str | None] = []
    for p in params:
        if p.kind is p.VAR_POSITIONAL or p.kind is p.KEYWORD_ONLY or p.kind is p.VAR_KEYWORD:
            break
        names.append(p.name)
    out: list[str | None] = []
    for i in range(n_inputs):
        name = names[i] if i < len(names) else None
        sym = None
        if name:
            m = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", rule, re.IGNORECASE)
            sym = m.group(0) if m else None
        out.append(sym)
    return out


def _output_symbol(forward: str) -> str | None:
    m = re.match(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*=", forward)
    return m.group(1) if m else None


# ---------------------------------------------------------------------- recording


def _copy(g: Any) -> Any:
    """An independent array: the engine may later add into the array it handed us."""
    if g is None:
        return None
    if isinstance(g, list | tuple):
        return [_copy(x) for x in g]
    if isinstance(g, Tensor):
        g = g.data
    return np.array(g)


class _Recorder(BackwardTracer):
    def __init__(self) -> None:
        self.nodes: list[tuple[Any, Any, tuple]] = []
        self.leaves: list[tuple[Tensor, np.ndarray]] = []

    def node(self, node: Any, grad_output: Any, grad_inputs: tuple) -> None:
        self.nodes.append((node, _copy(grad_output), tuple(_copy(g) for g in grad_inputs)))

    def leaf(self, tensor: Any, grad: Any) -> None:
        self.leaves.append((tensor, _copy(grad)))


def _name_table(params: Any) -> dict[Any, str]:
    """Keys: ``id(leaf)`` for leaves, ``(id(grad_fn), output_index)`` for results of ops."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        items: Iterable = params.named_parameters()
    elif isinstance(params, dict):
        items = params.items()
    else:
        items = params
    table: dict[Any, str] = {}
    for name, t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"explain: params[{name!r}] is a {type(t).__name__}, expected a Tensor")
        key = id(t) if t.grad_fn is None else (id(t.grad_fn), t._out_nr)
        table.setdefault(key, str(name))
    return table


def _key(node: Any, idx: int) -> Any:
    return id(node.variable) if type(node) is AccumulateGrad else (id(node), idx)


def _node_key(node: Any) -> int:
    return id(node.variable) if type(node) is AccumulateGrad else id(node)


def _shape_of(node: Any, idx: int) -> tuple:
    return tuple(node._shapes[idx]) if node._n_out > 1 else tuple(node._shape)


def _summed_axes(grad_shape: tuple, shape: tuple) -> tuple[int, ...]:
    """The axes ``engine.sum_to`` sums over (numbered in the broadcast shape)."""
    lead = len(grad_shape) - len(shape)
    return tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and grad_shape[i + lead] != 1
    )


def _broadcast_sentence(name: str, shape: tuple, to: tuple, axes: tuple[int, ...]) -> str:
    which = f"axis {axes[0]}" if len(axes) == 1 else "axes " + ", ".join(map(str, axes))
    return f"{name} {shape} was broadcast to {to}; its gradient is summed over {which}"


def _retained(order: list) -> list[Tensor]:
    """Tensors whose ``retain_grad()`` hook sits on a node of the graph.

    ``autograd.grad`` runs tensor hooks (as PyTorch does), and the retain_grad hook would
    write ``.grad``; explain promises not to, so it restores them. The graph keeps only
    the hook, which reaches its tensor through a weak reference in its closure.
    """
    found = []
    for node in order:
        for fns in (node._pre_hooks or {}).values():
            for fn in fns:
                if getattr(fn, "__name__", "") != "_retain":
                    continue
                for cell in getattr(fn, "__closure__", None) or ():
                    ref = cell.cell_contents
                    if isinstance(ref, weakref.ref) and isinstance(ref(), Tensor):
                        found.append(ref())
    return found


def _run(root: Tensor, gradient: Any, mode: str, retain_graph: Any = True, create_graph: bool = False,
         inputs: Any = None) -> tuple[_Recorder, list, list[tuple[Tensor, np.ndarray]]]:
    """Backpropagate from ``root`` under a recorder.

    ``mode="explain"``: ``autograd.grad`` to every leaf, nothing accumulated.
    ``mode="backward"``: the real ``backward`` with the caller's arguments.
    Returns the recorder, the graph's nodes in backward order, and (target, gradient)
    pairs for the final section (the leaves, or ``inputs`` when given).
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"explain: expected a Tensor, got {type(root).__name__}")
    if mode == "explain" and not root.requires_grad:  # backward() says it in its own words
        raise RuntimeError(
            f"explain: the tensor (shape {root.shape}) does not require grad, so there is no "
            "backward to explain (was it computed from tensors with requires_grad=True?)"
        )
    start = root.grad_fn if root.grad_fn is not None else engine.accumulator(root)
    order = engine.topological_order([start])
    rec = _Recorder()
    if mode == "explain":
        leaves = [n.variable for n in order if type(n) is AccumulateGrad]
        kept = [(t, t.grad) for t in _retained(order)]
        try:
            with tracing(rec):
                grads = engine.grad([root], leaves, [gradient], retain_graph=True, allow_unused=True)
        except RuntimeError as e:
            if "second time" in str(e):
                raise RuntimeError(
                    f"explain: {e}\nCall explain before loss.backward(), or use "
                    "loss.backward(retain_graph=True) first, or loss.backward(explain=True)."
                ) from None
            raise
        finally:
            for t, g in kept:
                t.grad = g
        targets = [(t, _copy(g)) for t, g in zip(leaves, grads) if g is not None]
    elif inputs is None:
        with tracing(rec):
            engine.backward([root], [gradient], retain_graph, create_graph)
        targets = [(t, g.astype(t.data.dtype, copy=False)) for t, g in rec.leaves]
    else:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        with tracing(rec):
            grads = engine.grad([root], inputs, [gradient], retain_graph, create_graph, allow_unused=True)
        for x, g in zip(inputs, grads):  # what engine.backward(inputs=...) does with them
            if g is not None:
                x.grad = g if x.grad is None else x.grad + g
        targets = [(t, _copy(g)) for t, g in zip(inputs, grads) if g is not None]
    return rec, order, targets


def _steps(
    root: Tensor, gradient: Any, params: Any, rec: _Recorder, order: list, targets: list,
    target_kind: str = "leaves",
) -> list[dict]:
    names = _name_table(params)
    root_key = id(root) if root.grad_fn is None else (id(root.grad_fn), root._out_nr)
    root_name = names.get(root_key) or root.name or "L"
    labels: dict[Any, str] = {root_key: root_name}
    n_leaf = n_val = 0
    forward = []  # (label, expression, shape) in forward order
    for node in reversed(order):
        if type(node) is AccumulateGrad:
            k = id(node.variable)
            if k not in labels:
                n_leaf += 1
                labels[k] = names.get(k) or node.variable.name or f"leaf{n_leaf}"
            continue
        n_val += 1
        for idx in range(node._n_out):
            k = (id(node), idx)
            if k not in labels:
                labels[k] = names.get(k) or (f"t{n_val}" if node._n_out == 1 else f"t{n_val}[{idx}]")
    for node in reversed(order):
        if type(node) is not AccumulateGrad:
            lhs, rhs = _forward_expr(labels, node)
            forward.append((lhs, rhs, _shape_of(node, 0)))

    root_shape = tuple(root.shape)
    g0 = np.ones(root_shape, dtype=root.data.dtype) if gradient is None else _copy(gradient)
    steps: list[dict] = [{
        "kind": "root", "name": root_name, "shape": root_shape, "grad": g0,
        "forward": forward, "given_gradient": gradient is not None, "targets": target_kind,
    }]

    # which steps send gradient to each value: several means the contributions are summed
    senders: dict[Any, list[int]] = {}
    for s, (node, _g, grads) in enumerate(rec.nodes, start=1):
        for e, gi in zip(node.next_functions, grads):
            if e is not None and gi is not None:
                senders.setdefault(_key(*e), []).append(s)

    for s, (node, g, grads) in enumerate(rec.nodes, start=1):
        cls = type(node)
        fwd, deriv = local_rule(cls)
        rule = f"{fwd};   {deriv}"
        outputs = []
        gs = g if node._n_out > 1 else [g]
        out_sym = _output_symbol(fwd)
        for idx, go in enumerate(gs):
            if go is None:
                continue
            k = (id(node), idx)
            outputs.append({
                "index": idx, "name": labels[k], "symbol": out_sym if node._n_out == 1 else None,
                "shape": _shape_of(node, idx), "grad": go, "summed_from": senders.get(k, []),
            })
        syms = _input_symbols(cls, len(node.next_functions), rule)
        inputs = []
        notes = []
        for i, (e, gi) in enumerate(zip(node.next_functions, grads)):
            if e is None:
                inputs.append({"index": i, "name": "const", "symbol": syms[i], "requires_grad": False,
                               "shape": None, "grad": None, "grad_shape": None, "summed_axes": (),
                               "broadcast": None})
                continue
            name, shape = labels[_key(*e)], _shape_of(*e)
            entry = {"index": i, "name": name, "symbol": syms[i], "requires_grad": True, "shape": shape,
                     "grad": None, "grad_shape": None, "summed_axes": (), "broadcast": None}
            if gi is not None:
                entry["grad_shape"] = tuple(gi.shape)
                if gi.shape != shape:  # the engine undoes broadcasting: sum back to the input's shape
                    axes = _summed_axes(tuple(gi.shape), shape)
                    entry["summed_axes"] = axes
                    entry["broadcast"] = _broadcast_sentence(name, shape, tuple(gi.shape), axes)
                    gi = engine.sum_to(gi, shape)
                entry["grad"] = gi
            if cls.__name__ == "Expand" and node._n_out == 1 and shape != tuple(node._shape):
                # an explicit broadcast: the op's own backward does the summing
                axes = _summed_axes(tuple(node._shape), shape)
                entry["summed_axes"] = axes
                entry["broadcast"] = _broadcast_sentence(name, shape, tuple(node._shape), axes)
            if entry["broadcast"]:
                notes.append(entry["broadcast"])
            inputs.append(entry)
        steps.append({
            "kind": "op", "step": s, "op": node.op_name(), "node": node.name(),
            "rule": rule, "forward_rule": fwd, "local_derivative": deriv,
            "expression": " = ".join(_forward_expr(labels, node)),
            "outputs": outputs, "output": outputs[0] if outputs else None,
            "inputs": inputs, "notes": notes,
        })

    # leaves in forward order, as the forward listing introduces them
    position = {_node_key(n): i for i, n in enumerate(reversed(order))}

    def first_use(pair: tuple) -> int:
        t = pair[0]
        return position.get(id(t) if t.grad_fn is None else id(t.grad_fn), len(position))

    targets = sorted(targets, key=first_use)
    for t, g in targets:
        k = id(t) if t.grad_fn is None else (id(t.grad_fn), t._out_nr)
        steps.append({"kind": "leaf", "name": labels.get(k) or names.get(k) or t.name or "input",
                      "shape": tuple(t.shape), "grad": np.asarray(g), "tensor": t,
                      "summed_from": senders.get(k, [])})
    return steps


def _forward_expr(labels: dict, node: Any) -> tuple[str, str]:
    """``("t3", "mul(t1, w)")``: what the node computed, from what."""
    args = ", ".join("const" if e is None else labels[_key(*e)] for e in node.next_functions)
    outs = [labels[(id(node), i)] for i in range(node._n_out)]
    lhs = outs[0] if len(outs) == 1 else (", ".join(outs) if len(outs) <= 3 else f"{outs[0]} ... {outs[-1]}")
    return lhs, f"{node.op_name()}({args})"


def explain_steps(loss: Tensor, params: Any = None, gradient: Any = None) -> list[dict]:
    """The chain-rule trace of ``loss`` as data: one dict per step, in backward order.

    * ``{"kind": "root", "name", "shape", "grad", "forward"}`` first: dL/dL (ones, or
      ``gradient``), and ``forward``, a list of ``(name, expression, shape)`` saying how
      each value was computed, in forward order.
    * ``{"kind": "op", "step", "op", "node", "rule", "forward_rule", "local_derivative",
      "expression", "output", "outputs", "inputs", "notes"}`` per op, in the order the
      engine runs them. ``output`` = ``{"name", "symbol", "shape", "grad", "summed_from"}``
      with ``grad`` = dL/d(output) (``summed_from``: the steps whose contributions were
      added up, when the value feeds several ops); each input =
      ``{"index", "name", "symbol", "requires_grad", "shape", "grad", "grad_shape",
      "summed_axes", "broadcast"}`` with ``grad`` = the gradient that flows into that input
      (already summed back to its shape) and ``broadcast`` the sentence about it, or None.
    * ``{"kind": "leaf", "name", "shape", "grad", "tensor", "summed_from"}`` per leaf: the
      gradient ``backward()`` would add to its ``.grad``.

    Gradients are numpy arrays. No ``.grad`` is changed.
    """
    rec, order, targets = _run(loss, gradient, "explain")
    return _steps(loss, gradient, params, rec, order, targets)


# ---------------------------------------------------------------------- formatting


def _fmt_num(v: Any) -> str:
    return f"{float(v):.6g}"


def _values(a: np.ndarray, max_elements: int) -> str:
    """The values when there are few, else min / mean / max / norm."""
    a = np.asarray(a)
    if a.size <= max_elements:
        if a.ndim == 0:
            return _fmt_num(a)
        s = np.array2string(a, separator=", ", formatter={"all": _fmt_num})
        return " ".join(s.split())  # one line, whatever the array's rank
    if a.size == 0:
        return "(empty)"
    f = a.astype(np.float64)
    return (f"min {_fmt_num(f.min())}, mean {_fmt_num(f.mean())}, max {_fmt_num(f.max())}, "
            f"norm {_fmt_num(np.sqrt(np.sum(f * f)))}")


def _d(name: str) -> str:
    """``dL/dx`` for short names, ``dL/d(fc1.weight)`` for the others."""
    return f"dL/d{name}" if re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,2}", name) else f"dL/d({name})"


def _shape_str(shape: Any) -> str:
    return str(tuple(shape))


def _sum_note(name: str, senders: list[int]) -> str | None:
    if len(senders) < 2:
        return None
    return (f"{name} feeds {len(senders)} ops: {_d(name)} is the sum of their contributions "
            f"(steps {', '.join(map(str, senders))})")


def _parts(steps: list[dict]) -> tuple[dict, list[dict], list[dict]]:
    return steps[0], [s for s in steps if s["kind"] == "op"], [s for s in steps if s["kind"] == "leaf"]


def _text(steps: list[dict], max_elements: int) -> str:
    root, ops, leaves = _parts(steps)
    L = root["name"]
    head = f"Chain-rule trace of {L}" + ("" if L == "L" else " (called L below)")
    lines = [f"{head}: {len(ops)} backward steps, in the order the engine runs them "
             "(an op only after every op that uses its output).", ""]
    if root["forward"]:
        lines.append("Forward (how each value was computed):")
        w = max(len(n) for n, _, _ in root["forward"])
        ew = max(len(e) for _, e, _ in root["forward"])
        for n, e, shp in root["forward"]:
            lines.append(f"  {n.ljust(w)} = {e.ljust(ew)}   {_shape_str(shp)}")
        if any("const" in e for _, e, _ in root["forward"]):
            lines.append("  (const: an input that needs no gradient, such as data, a target or a number)")
        lines.append("")
    what = "the given gradient" if root["given_gradient"] else "1"
    lines.append(f"Backward starts from dL/dL = {what}, shape {_shape_str(root['shape'])}"
                 + (f": {_values(root['grad'], max_elements)}" if root["given_gradient"] else "") + ".")
    for s in ops:
        lines.append("")
        lines.append(f"[{s['step']}] {s['op']}: {s['expression']}")
        lines.append(f"    rule      {s['rule']}")
        for o in s["outputs"]:
            sym = f"{o['symbol']} = " if o["symbol"] and o["symbol"] != o["name"] else ""
            what = f"{sym}{o['name']}, shape {_shape_str(o['shape'])}"
            lines.append(f"    incoming  g = {_d(o['name'])}  ({what}): {_values(o['grad'], max_elements)}")
            note = _sum_note(o["name"], o["summed_from"])
            if note:
                lines.append(f"              {note}")
        for i in s["inputs"]:
            if not i["requires_grad"] or i["grad"] is None:
                continue
            sym = f"{i['symbol']} = " if i["symbol"] and i["symbol"] != i["name"] else ""
            what = f"{sym}{i['name']}, shape {_shape_str(i['shape'])}"
            vals = _values(i["grad"], max_elements)
            lines.append(f"    input {i['index']}   {_d(i['name'])}  ({what}): {vals}")
            if i["broadcast"]:
                lines.append(f"              {i['broadcast']}")
    lines.append("")
    if root["targets"] == "inputs":
        lines.append("Gradients of the inputs (what backward(inputs=...) adds to their .grad):")
    else:
        lines.append("Leaf gradients (what backward() adds to each .grad):")
    if leaves:
        w = max(len(s["name"]) for s in leaves)
        for s in leaves:
            lines.append(f"  {s['name'].ljust(w)}  shape {_shape_str(s['shape'])}:  "
                         f"{_d(s['name'])} = {_values(s['grad'], max_elements)}")
            note = _sum_note(s["name"], s["summed_from"])
            if note:
                lines.append(f"  {' ' * w}  {note}")
    else:
        lines.append("  (none)")
    return "\n".join(lines) + "\n"


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|")


def _markdown(steps: list[dict], max_elements: int) -> str:
    root, ops, leaves = _parts(steps)
    out = [f"### Chain-rule trace of `{root['name']}`", ""]
    if root["forward"]:
        out += ["| value | computed as | shape |", "|---|---|---|"]
        out += [f"| `{n}` | `{e}` | {_shape_str(shp)} |" for n, e, shp in root["forward"]]
        out.append("")
    start = "the given gradient" if root["given_gradient"] else "1"
    out += [f"Backward starts from dL/dL = {start}; {len(ops)} steps, in the order the engine runs them.", ""]
    for s in ops:
        out.append(f"**{s['step']}. `{s['op']}`**: `{s['expression']}`  ")
        out.append(f"rule: `{s['rule']}`")
        out.append("")
        out += ["| | gradient | shape | values |", "|---|---|---|---|"]
        for o in s["outputs"]:
            out.append(f"| incoming g | {_md_cell(_d(o['name']))} | {_shape_str(o['shape'])} | "
                       f"{_md_cell(_values(o['grad'], max_elements))} |")
        for i in s["inputs"]:
            if not i["requires_grad"] or i["grad"] is None:
                continue
            label = f"input {i['index']}" + (f" ({i['symbol']})" if i["symbol"] else "")
            out.append(f"| {_md_cell(label)} | {_md_cell(_d(i['name']))} | {_shape_str(i['shape'])} | "
                       f"{_md_cell(_values(i['grad'], max_elements))} |")
        notes = list(s["notes"]) + [n for o in s["outputs"] if (n := _sum_note(o["name"], o["summed_from"]))]
        if notes:
            out.append("")
            out += [f"- {n}" for n in notes]
        out.append("")
    out += ["**Leaf gradients** (what `backward()` adds to `.grad`):", "",
            "| leaf | shape | gradient |", "|---|---|---|"]
    out += [f"| `{s['name']}` | {_shape_str(s['shape'])} | {_md_cell(_values(s['grad'], max_elements))} |"
            for s in leaves]
    return "\n".join(out) + "\n"


_TEX_ESCAPES = {"\\": r"\textbackslash{}", "_": r"\_", "^": r"\^{}", "{": r"\{", "}": r"\}", "#": r"\#",
                "%": r"\%", "&": r"\&", "$": r"\$", "~": r"\~{}"}


def _tex_text(s: str) -> str:
    return r"\text{" + "".join(_TEX_ESCAPES.get(c, c) for c in s) + "}"


def _tex_name(name: str) -> str:
    m = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    return r"\mathrm{" + "".join(_TEX_ESCAPES.get(c, c) for c in name) + "}"


def _tex_partial(name: str) -> str:
    return rf"\frac{{\partial L}}{{\partial {_tex_name(name)}}}"


def _tex_values(a: np.ndarray, max_elements: int) -> str:
    a = np.asarray(a)
    if a.size <= max_elements and a.ndim <= 2 and a.size:
        if a.ndim == 0:
            return _fmt_num(a)
        rows = a.reshape(1, -1) if a.ndim == 1 else a
        body = r" \\ ".join(" & ".join(_fmt_num(v) for v in r) for r in rows)
        return r"\begin{bmatrix} " + body + r" \end{bmatrix}"
    return _tex_text(_values(a, max_elements))


def _latex(steps: list[dict], max_elements: int) -> str:
    root, ops, leaves = _parts(steps)
    start = _tex_text("the given gradient") if root["given_gradient"] else "1"
    out = [r"\begin{align*}", rf"{_tex_partial('L')} &= {start} \\"]
    for s in ops:
        out.append(rf"&\textbf{{[{s['step']}] {s['op']}}}\quad {_tex_text(s['expression'])} \\")
        out.append(rf"&\qquad {_tex_text(s['rule'])} \\")
        for o in s["outputs"]:
            out.append(rf"{_tex_partial(o['name'])} &= {_tex_values(o['grad'], max_elements)}"
                       rf"\quad {_tex_text('(incoming, shape ' + _shape_str(o['shape']) + ')')} \\")
        for i in s["inputs"]:
            if not i["requires_grad"] or i["grad"] is None:
                continue
            where = _tex_text(f"(input {i['index']}, shape {_shape_str(i['shape'])})")
            vals = _tex_values(i["grad"], max_elements)
            out.append(rf"{_tex_partial(i['name'])} &= {vals}\quad {where} \\")
        for n in s["notes"]:
            out.append(rf"&\qquad {_tex_text(n)} \\")
    out.append(r"&\textbf{leaf gradients} \\")
    for s in leaves:
        out.append(rf"{_tex_partial(s['name'])} &= {_tex_values(s['grad'], max_elements)} \\")
    out[-1] = out[-1].removesuffix(r" \\")
    out.append(r"\end{align*}")
    return "\n".join(out) + "\n"


def _format(steps: list[dict], fmt: str, max_elements: int) -> str:
    if fmt == "text":
        return _text(steps, max_elements)
    if fmt == "markdown":
        return _markdown(steps, max_elements)
    return _latex(steps, max_elements)


def _check_format(fmt: str) -> None:
    if fmt not in _FORMATS:
        raise ValueError(f"explain: format must be one of {', '.join(map(repr, _FORMATS))}, got {fmt!r}")


def explain(
    loss: Tensor,
    format: str = "text",  # noqa: A002 - the natural name
    file: TextIO | None = None,
    params: Any = None,
    max_elements: int = 6,
    gradient: Any = None,
    print_: bool | None = None,
) -> str:
    """Write down the chain rule of ``loss``'s backward, op by op, and return it.

    For each op, in the order backward runs them: the op and the value it computed, its
    local derivative rule (the first line of the op's docstring), dL/d(its output) and
    the gradient that flows into each input, with shapes; values are shown in full when
    an array has at most ``max_elements`` entries, else as min / mean / max / norm.
    Broadcasting is spelled out ("b (10,) was broadcast to (32, 10); its gradient is
    summed over axis 0"). The trace ends with each leaf's gradient.

    ``format``: ``"text"`` (printed to ``file`` or stdout, and returned), ``"markdown"``
    or ``"latex"`` (an ``align*`` block) for notebooks, returned without printing unless
    ``file`` is given (in Jupyter: ``IPython.display.Markdown(explain(loss, format="markdown"))``).
    ``print_`` overrides whether to print. ``params``: names for tensors (a Module or a
    dict name -> tensor, see the module docstring). ``gradient``: dL/d(loss) for a loss
    with more than one element (as in ``backward``).

    Nothing is accumulated into ``.grad`` and the graph is kept (``retain_graph=True``),
    so ``loss.backward()`` can follow. Use ``explain_steps`` for the same as data.
    """
    _check_format(format)
    text = _format(explain_steps(loss, params=params, gradient=gradient), format, max_elements)
    if print_ is None:
        print_ = format == "text" or file is not None
    if print_:
        print(text, end="", file=file if file is not None else sys.stdout)
    return text


def explain_backward(
    tensor: Tensor,
    gradient: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
    file: TextIO | None = None,
    params: Any = None,
    max_elements: int = 6,
) -> str:
    """``tensor.backward(...)`` that also prints its trace (``backward(explain=True)``).

    Unlike ``explain``, this is the real backward: gradients are accumulated into ``.grad``
    and ``retain_graph`` / ``create_graph`` / ``inputs`` mean what they mean for backward.
    """
    rec, order, targets = _run(tensor, gradient, "backward", retain_graph, create_graph, inputs)
    kind = "leaves" if inputs is None else "inputs"
    text = _text(_steps(tensor, gradient, params, rec, order, targets, kind), max_elements)
    print(text, end="", file=file if file is not None else sys.stdout)
    return text
