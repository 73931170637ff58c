"""Drawing the computation graph: ``draw_graph(loss)`` returns a ``graphviz.Digraph``.

What you see, left to right (``rankdir="LR"``), in the direction the forward pass ran:

* **boxes** are tensors: leaves (blue), parameters (green) and the output(s) you asked
  for (red), labelled with their name, shape, dtype, a value summary and, after
  ``backward()``, a gradient summary;
* **ellipses** (yellow) are ops (``mul``, ``matmul``, ``sum``...), one node per op however
  many elements it works on, labelled with the shape of the tensor they produce;
* **edges** go from each input to the op that used it; an edge says so when the input
  was broadcast (``broadcast (10,) -> (32, 10)``: in backward its gradient is summed back).

The graph is read from the autograd graph itself (``tensor.grad_fn`` and each node's
``next_functions``). That graph knows the ops but not the intermediate tensors, so an
intermediate result is shown inside the op that made it; pass it as a root or in
``params`` to see its name and values, or call ``retain_grad()`` on it before backward to
see its gradient. Tensors that do not require grad (inputs, targets) are not part of the
autograd graph and are not drawn.

Example::

    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    with tg.viz.record_modules(model):           # only needed for cluster_modules=True
        loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    g = tg.viz.draw_graph(loss, params=dict(model.named_parameters()), cluster_modules=True)
    tg.viz.render(g, "out/mlp", format="svg")     # or g.render("out/mlp", format="svg")

Needs the ``graphviz`` Python package (``pip install 'tinygrad-edu[viz]'``); rendering to
SVG/PNG also needs the Graphviz ``dot`` program, without which ``render`` writes the
``.dot`` source and says how to install it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..autograd.engine import topological_order
from ..autograd.function import AccumulateGrad
from ..nn.module import Module, _scope_recording
from ..nn.parameter import Parameter
from ..tensor import Tensor

__all__ = ["animate_backward", "backward_frames", "draw_graph", "record_modules", "render"]

INSTALL_GRAPHVIZ = (
    "Install the Graphviz programs to render it: `apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS) or `conda install graphviz`; then `dot -V` should work."
)

# fill colour, border colour per kind of node
_STYLE = {
    "op": ("#fff2cc", "#d6b656"),
    "leaf": ("#dae8fc", "#6c8ebf"),
    "param": ("#d5e8d4", "#82b366"),
    "output": ("#f8cecc", "#b85450"),
}
HIGHLIGHT_COLOR = "#d62728"
HIGHLIGHT_PENWIDTH = "3"

# Jupyter draws a tensor's graph inline only up to this many ops (dot gets slow beyond)
_JUPYTER_MAX_OPS = 300


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing graphs needs the graphviz Python package: pip install 'tinygrad-edu[viz]' "
            "(and the Graphviz programs: apt-get install graphviz / brew install graphviz / "
            "conda install graphviz)"
        ) from None
    return graphviz


# ------------------------------------------------------------------ text in labels
def _fmt(x: Any) -> str:
    if isinstance(x, float | np.floating):
        return f"{float(x):.4g}"
    return str(x.item() if isinstance(x, np.generic) else x)


def summarize(a: Any, max_elements: int = 4) -> str:
    """Short text for the values of ``a``: the values themselves when there are at most
    ``max_elements``, else ``min .. | mean .. | max ..``."""
    a = np.asarray(a.data if isinstance(a, Tensor) else a)
    if a.size == 0:
        return "empty"
    if a.size == 1:
        return _fmt(a.reshape(()).item())
    if a.size <= max_elements:
        flat = ", ".join(_fmt(v) for v in a.reshape(-1).tolist())
        return f"[{flat}]"
    if a.dtype.kind == "b":
        return f"{int(a.sum())} of {a.size} true"
    return f"min {_fmt(a.min())} | mean {_fmt(a.mean())} | max {_fmt(a.max())}"


def _shape_text(shape: tuple) -> str:
    return str(tuple(int(n) for n in shape))


def _esc(s: str) -> str:
    # labels are joined with the DOT escape "\n"; a backslash in a user's name must stay literal
    return str(s).replace("\\", "\\\\")


# ------------------------------------------------------------------ module scopes
_scope_seq = itertools.count(1)  # one number per module call, increasing across recordings


def _tensors_in(obj: Any) -> Iterator[Tensor]:
    """Every Tensor inside nested tuples/lists/dicts (module inputs and outputs)."""
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, Tensor):
            yield o
        elif isinstance(o, tuple | list):
            stack.extend(o)
        elif isinstance(o, dict):
            stack.extend(o.values())


class _ScopeRecorder:
    """Tags each graph node with the path of the module whose call created it.

    After a module's forward returns, walk back from its outputs and tag every node not
    tagged yet. Walking stops at the inputs' nodes and at leaves; nodes tagged by a call
    that started *inside* this one (a sub-module) are walked through but keep their
    inner, more precise path; nodes tagged before this call started belong to another
    module and end the walk.
    """

    def __init__(self, paths: dict[int, str]) -> None:
        self.paths = paths

    def enter(self, module: Module) -> int:
        return next(_scope_seq)

    def exit(self, module: Module, start: int, inputs: Any, out: Any) -> None:
        path = self.paths.get(id(module))
        if path is None:  # a module outside the recorded model, e.g. the loss
            path = type(module).__name__
        stop = {id(t.grad_fn) for t in _tensors_in(inputs) if t.grad_fn is not None}
        stack = [t.grad_fn for t in _tensors_in(out) if t.grad_fn is not None]
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            if id(node) in seen or id(node) in stop or type(node) is AccumulateGrad:
                continue
            seen.add(id(node))
            seq = getattr(node, "_scope_seq", None)
            if seq is None:
                node._scope = path
                node._scope_seq = start
            elif seq < start:
                continue  # made before this call began: belongs to some other module
            for e in node.next_functions:
                if e is not None:
                    stack.append(e[0])


@contextmanager
def record_modules(model: Module | None = None) -> Iterator[None]:
    """Within the block, remember which module call created each op (for
    ``draw_graph(..., cluster_modules=True)``).

    Ops are tagged with the module's path in ``model`` (``fc1``, ``0``,
    ``encoder.layer1``; the model itself is ``""`` and gets no cluster); modules outside
    ``model`` (such as a loss module) are tagged with their class name. Recording is per
    thread and off outside the block.

        with tg.viz.record_modules(model):
            loss = loss_fn(model(x), y)
        tg.viz.draw_graph(loss, cluster_modules=True)
    """
    paths = {} if model is None else {id(m): name for name, m in model.named_modules()}
    prev = _scope_recording.recorder
    _scope_recording.recorder = _ScopeRecorder(paths)
    try:
        yield
    finally:
        _scope_recording.recorder = prev


# ------------------------------------------------------------------ the graph's structure
class _Item:
    """One drawn node: a tensor (leaf or output) or an op."""

    __slots__ = ("key", "id", "kind", "node", "tensor", "scope", "is_root")

    def __init__(self, key: Any, id: str, kind: str, node: Any = None, tensor: Any = None) -> None:  # noqa: A002
        self.key, self.id, self.kind, self.node, self.tensor = key, id, kind, node, tensor
        self.scope = ""
        self.is_root = False


class _Edge:
    __slots__ = ("tail", "head", "label", "op_node", "input_index")

    def __init__(self, tail: Any, head: Any, label: str, op_node: Any, input_index: int) -> None:
        self.tail, self.head, self.label = tail, head, label
        self.op_node, self.input_index = op_node, input_index


def _retained(node: Any, index: int) -> Tensor | None:
    """The non-leaf tensor behind output ``index`` of ``node`` if ``retain_grad()`` was
    called on it: its hook (see ``Tensor.retain_grad``) holds a weak reference to it."""
    hooks = (node._pre_hooks or {}).get(index, ())
    for fn in hooks:
        code = getattr(fn, "__code__", None)
        if code is None or getattr(fn, "__name__", "") != "_retain" or "ref" not in code.co_freevars:
            continue
        ref = fn.__closure__[code.co_freevars.index("ref")].cell_contents
        t = ref()
        if t is not None:
            return t
    return None


def _input_shape(node: Any, out_index: int) -> tuple:
    if type(node) is AccumulateGrad:
        return node.variable.data.shape
    if node._n_out > 1:
        return node._shapes[out_index]
    return node._shape


def _broadcast_label(node: Any, in_shape: tuple) -> str:
    """'broadcast (10,) -> (32, 10)' when ``node`` broadcast this input, else ''.

    Elementwise ops broadcast whole shapes; matmul broadcasts only the batch dims."""
    out_shape = node._shape
    if node._n_out > 1 or in_shape == out_shape:
        return ""
    name = type(node).__name__
    if name == "MatMul":
        if len(in_shape) < 2 or len(out_shape) < 2 or in_shape[:-2] == out_shape[:-2]:
            return ""
        target = tuple(out_shape[:-2]) + tuple(in_shape[-2:])
    elif type(node).__module__.endswith("ops.elementwise"):
        try:
            if np.broadcast_shapes(in_shape, out_shape) != out_shape:
                return ""
        except ValueError:
            return ""
        target = out_shape
    else:
        return ""
    return f"broadcast {_shape_text(in_shape)} -> {_shape_text(target)}"


class _Structure:
    """Nodes and edges reachable from the roots, with names and module scopes."""

    def __init__(self, roots: list[Tensor], params: dict | None) -> None:
        self.items: dict[Any, _Item] = {}
        self.edges: list[_Edge] = []
        self.roots = roots
        # names for tensors: leaves by identity, intermediate tensors by (node, output)
        self.names: dict[int, str] = {}
        self.named_outputs: dict[tuple[int, int], tuple[str | None, Tensor]] = {}
        for name, t in (params or {}).items():
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"draw_graph: params must map names to Tensors, got {type(t).__name__} for {name!r}"
                )
            self.names[id(t)] = str(name)
            if t.grad_fn is not None:
                self.named_outputs[(id(t.grad_fn), t._out_nr)] = (str(name), t)
        starts = [t.grad_fn for t in roots if t.grad_fn is not None]
        counter = itertools.count()
        # leaves first, so that the DOT source reads in the order the forward pass ran
        self.order = list(reversed(topological_order(starts)))
        for node in self.order:
            if type(node) is AccumulateGrad:
                self._leaf(node.variable, counter)
            else:
                key = ("op", id(node))
                self.items[key] = it = _Item(key, f"n{next(counter)}", "op", node=node)
                it.scope = getattr(node, "_scope", "") or ""
        for node in self.order:
            if type(node) is AccumulateGrad:
                continue
            head = ("op", id(node))
            for i, e in enumerate(node.next_functions):
                if e is None:
                    continue
                nxt, nr = e
                tail = ("leaf", id(nxt.variable)) if type(nxt) is AccumulateGrad else ("op", id(nxt))
                label = _broadcast_label(node, _input_shape(nxt, nr))
                if nxt._n_out > 1:
                    label = f"[{nr}] {label}".strip()
                self.edges.append(_Edge(tail, head, label, node, i))
        for i, t in enumerate(roots):
            if t.grad_fn is None:
                self._leaf(t, counter).is_root = True
                continue
            it = self.items[("out", i)] = _Item(("out", i), f"n{next(counter)}", "output", tensor=t)
            it.is_root = True
            it.scope = ""
            label = f"[{t._out_nr}]" if t.grad_fn._n_out > 1 else ""
            self.edges.append(_Edge(("op", id(t.grad_fn)), ("out", i), label, None, -1))
        # a parameter sits in the cluster of the module that owns it, if that has one
        scopes = {it.scope for it in self.items.values() if it.kind == "op" and it.scope}
        for it in self.items.values():
            if it.kind == "param":
                owner = self.names.get(id(it.tensor), "").rpartition(".")[0]
                if owner in scopes:
                    it.scope = owner

    def _leaf(self, t: Tensor, counter: Iterator[int]) -> _Item:
        key = ("leaf", id(t))
        it = self.items.get(key)
        if it is None:
            kind = "param" if isinstance(t, Parameter) else "leaf"
            it = self.items[key] = _Item(key, f"n{next(counter)}", kind, tensor=t)
        return it

    def name_of(self, it: _Item) -> str:
        t = it.tensor
        name = self.names.get(id(t)) or t.name
        if name:
            return name
        return {"param": "parameter", "leaf": "leaf", "output": "output"}[it.kind]

    def path_from(self, targets: list[Tensor]) -> set:
        """Keys of the items on some path from ``targets`` to the roots."""
        start = []
        for t in targets:
            if not isinstance(t, Tensor):
                raise TypeError(f"draw_graph: highlight must be a Tensor, got {type(t).__name__}")
            key = ("leaf", id(t)) if t.grad_fn is None else ("op", id(t.grad_fn))
            if key not in self.items:
                raise ValueError(
                    f"draw_graph: the highlighted tensor (shape {t.shape}) is not part of this graph"
                )
            start.append(key)
            for i, r in enumerate(self.roots):
                if r is t and ("out", i) in self.items:
                    start.append(("out", i))
        heads: dict[Any, list] = {}
        for e in self.edges:
            heads.setdefault(e.tail, []).append(e.head)
        on = set(start)
        stack = list(start)
        while stack:
            for h in heads.get(stack.pop(), ()):
                if h not in on:
                    on.add(h)
                    stack.append(h)
        return on


# ------------------------------------------------------------------ labels and emission
_MISSING = object()


def _item_label(s: _Structure, it: _Item, show_data: bool, show_grad: bool, max_el: int,
                grads: dict | None) -> str:
    """The text of one node. ``grads`` (animation frames) replaces what ``.grad`` says:
    key -> gradient known so far (absent: not known yet)."""
    lines = []
    grad = _MISSING
    if it.kind == "op":
        node = it.node
        lines.append(node.op_name())
        shapes = getattr(node, "_shapes", None) if node._n_out > 1 else None
        lines.append(", ".join(_shape_text(x) for x in shapes) if shapes else _shape_text(node._shape))
        # the op's output tensor itself, if we can know it: named in params, or retain_grad()
        name, t = None, None
        if node._n_out == 1:
            name, t = s.named_outputs.get((id(node), 0), (None, None))
            if t is None:
                t = _retained(node, 0)
        if name:
            lines.insert(0, name)
        if show_data and t is not None:
            lines.append(summarize(t, max_el))
        if grads is not None:
            grad = grads.get(it.key, None)
        elif t is not None and t.grad is not None:
            grad = t.grad
    else:
        t = it.tensor
        lines.append(s.name_of(it))
        lines.append(f"{_shape_text(t.shape)} {t.dtype}")
        if show_data:
            lines.append(summarize(t, max_el))
        if grads is not None:
            grad = grads.get(it.key, None)
        elif t.grad is not None:
            grad = t.grad
    if show_grad and grad is not _MISSING:
        if grad is None:
            lines.append("grad ?")
        elif isinstance(grad, list | tuple):
            lines.append("grad " + ", ".join("-" if g is None else summarize(g, max_el) for g in grad))
        else:
            lines.append("grad " + summarize(grad, max_el))
    return "\\n".join(_esc(x) for x in lines)


def _node_attrs(it: _Item, on_path: bool, current: bool) -> dict[str, str]:
    fill, border = _STYLE["output" if it.is_root and it.kind != "op" else it.kind]
    attrs = {
        "shape": "ellipse" if it.kind == "op" else "box",
        "style": "filled" if it.kind == "op" else "filled,rounded",
        "fillcolor": fill,
        "color": border,
    }
    if on_path:
        attrs["color"] = HIGHLIGHT_COLOR
        attrs["penwidth"] = HIGHLIGHT_PENWIDTH
    if current:
        attrs["color"] = HIGHLIGHT_COLOR
        attrs["penwidth"] = HIGHLIGHT_PENWIDTH
        attrs["fillcolor"] = "#ff9896"
    return attrs


def _emit(
    s: _Structure,
    *,
    show_data: bool,
    show_grad: bool,
    rankdir: str,
    cluster_modules: bool,
    highlight: set,
    max_label_elements: int,
    grads: dict | None = None,
    current: Any = None,
    current_edges: tuple = (),
    title: str | None = None,
) -> Any:
    graphviz = _graphviz()
    g = graphviz.Digraph(
        "tinygrad_edu",
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11", "nodesep": "0.2",
                    "ranksep": "0.3"},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "height": "0.3"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.7"},
    )
    if title:
        g.attr(label=_esc(title), labelloc="t")

    def add(target: Any, key: Any, it: _Item) -> None:
        label = _item_label(s, it, show_data, show_grad, max_label_elements, grads)
        target.node(it.id, label=label, **_node_attrs(it, key in highlight, key == current))

    # module scopes as nested clusters: "encoder.layer1" sits inside "encoder"
    by_scope: dict[str, list] = {}
    for key, it in s.items.items():
        by_scope.setdefault(it.scope if cluster_modules else "", []).append((key, it))
    children: dict[str, set] = {}
    for scope in by_scope:
        parts = scope.split(".") if scope else []
        for k in range(len(parts)):
            parent, child = ".".join(parts[:k]), ".".join(parts[: k + 1])
            children.setdefault(parent, set()).add(child)

    def fill(target: Any, scope: str) -> None:
        for key, it in by_scope.get(scope, ()):
            add(target, key, it)
        for child in sorted(children.get(scope, ())):
            with target.subgraph(name=f"cluster_{child}") as c:
                c.attr(label=_esc(child), style="rounded,dashed", color="#7f7f7f", fontcolor="#404040")
                fill(c, child)

    fill(g, "")
    for e in s.edges:
        tail, head = s.items[e.tail], s.items[e.head]
        attrs = {}
        if e.label:
            attrs["label"] = _esc(e.label)
        if e.tail in highlight and e.head in highlight:
            attrs["color"] = HIGHLIGHT_COLOR
            attrs["penwidth"] = HIGHLIGHT_PENWIDTH
        if (e.tail, e.head, e.input_index) in current_edges:
            attrs["color"] = HIGHLIGHT_COLOR
            attrs["penwidth"] = HIGHLIGHT_PENWIDTH
            attrs["style"] = "dashed"
        g.edge(tail.id, head.id, **attrs)
    return g


def _roots(root: Any) -> list[Tensor]:
    roots = [root] if isinstance(root, Tensor) else list(root) if isinstance(root, list | tuple) else None
    if not roots or any(not isinstance(t, Tensor) for t in roots):
        raise TypeError(
            f"draw_graph: root must be a Tensor or a non-empty list of Tensors, got {type(root).__name__}"
        )
    return roots


def draw_graph(
    root: Tensor | list[Tensor],
    params: dict[str, Tensor] | None = None,
    show_data: bool = True,
    show_grad: bool = True,
    rankdir: str = "LR",
    cluster_modules: bool = False,
    highlight: Tensor | list[Tensor] | None = None,
    max_label_elements: int = 4,
) -> Any:
    """The computation graph that produced ``root`` as a ``graphviz.Digraph``.

    * ``root``: a Tensor (usually the loss) or a list of Tensors.
    * ``params``: names for tensors, e.g. ``dict(model.named_parameters())`` labels each
      parameter by its module path (``fc1.weight``); non-leaf tensors may be named too.
      Otherwise a tensor's ``.name`` is used, else ``leaf``/``parameter``/``output``.
    * ``show_data`` / ``show_grad``: show (or hide) value and gradient summaries. Tensors
      with at most ``max_label_elements`` elements show their values, larger ones
      ``min | mean | max``.
    * ``rankdir``: ``"LR"`` (left to right), ``"TB"`` (top to bottom), ``"RL"``, ``"BT"``.
    * ``cluster_modules``: group the ops of each ``nn.Module`` call into a box labelled
      with its path; needs the forward pass to run inside ``tg.viz.record_modules(model)``.
    * ``highlight``: a tensor (or list): every node and edge on the paths from it to the
      output is drawn in red, which is where its gradient comes from.

    Render with ``tg.viz.render(g, path, format="svg")`` or ``g.render(path, format="png")``;
    in Jupyter the returned object displays itself.
    """
    roots = _roots(root)
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir must be one of 'LR', 'TB', 'RL', 'BT', got {rankdir!r}")
    s = _Structure(roots, params)
    if cluster_modules and not any(it.scope for it in s.items.values()):
        warnings.warn(
            "draw_graph(cluster_modules=True): no module scopes were recorded for this graph; "
            "run the forward pass inside `with tg.viz.record_modules(model):`",
            stacklevel=2,
        )
    on_path: set = set()
    if highlight is not None:
        on_path = s.path_from([highlight] if isinstance(highlight, Tensor) else list(highlight))
    return _emit(
        s,
        show_data=show_data,
        show_grad=show_grad,
        rankdir=rankdir,
        cluster_modules=cluster_modules,
        highlight=on_path,
        max_label_elements=max_label_elements,
    )


# ------------------------------------------------------------------ rendering
def dot_available() -> bool:
    """Whether the Graphviz ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def render(graph: Any, path: str | os.PathLike, format: str = "svg") -> str:  # noqa: A002
    """Write ``graph`` to ``path.<format>`` (``svg``, ``png``, ``pdf``...) with Graphviz's
    ``dot`` and return the file's path (``path`` may already end in ``.<format>``).

    Without the ``dot`` program, write the DOT source to ``path.dot`` instead, warn with
    how to install Graphviz, and return that path: the source can be rendered later with
    ``dot -Tsvg path.dot -o path.svg`` or pasted into an online Graphviz viewer.
    """
    graphviz = _graphviz()
    path = os.fspath(path)
    base = path[: -len(format) - 1] if path.endswith("." + format) else path
    folder = os.path.dirname(base)
    if folder:
        os.makedirs(folder, exist_ok=True)
    if dot_available():
        try:
            return graph.render(outfile=f"{base}.{format}", format=format, cleanup=True)
        except graphviz.ExecutableNotFound:
            pass
    out = base + ".dot"
    with open(out, "w", encoding="utf-8") as f:
        f.write(graph.source)
    warnings.warn(
        f"Graphviz's `dot` program was not found, so the graph was written as DOT source to {out} "
        f"instead of {base}.{format}. {INSTALL_GRAPHVIZ}",
        stacklevel=2,
    )
    return out


def tensor_mimebundle(t: Tensor) -> dict[str, str]:
    """What Jupyter shows for a tensor: its repr, and the graph that made it as SVG when
    it has one and Graphviz (package and ``dot``) is installed; never raises."""
    from html import escape

    text = repr(t)
    html = f"<pre>{escape(text)}</pre>"
    bundle = {"text/plain": text}
    svg = None
    if t.grad_fn is not None and dot_available():
        try:
            n_ops = len(topological_order([t.grad_fn]))
            if n_ops <= _JUPYTER_MAX_OPS:
                svg = draw_graph(t).pipe(format="svg").decode("utf-8")
        except Exception:  # noqa: BLE001 - a display hook must fall back to text, not fail
            svg = None
    if svg is not None:
        bundle["image/svg+xml"] = svg
        html += svg[svg.find("<svg"):]  # drop the XML prolog inside HTML
    bundle["text/html"] = html
    return bundle


from .animate import animate_backward, backward_frames  # noqa: E402 - animate builds on the helpers above
