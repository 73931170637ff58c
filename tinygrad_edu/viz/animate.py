"""The backward pass, one frame per step: ``animate_backward(loss, "backward.gif")``.

The engine visits the graph from the loss towards the leaves, each op only once the
gradient of its output is complete (every op that used that output has sent its share).
Each frame shows one such step: the op (or leaf) whose gradient just became final is
filled red, the edges along which it just sent gradients to its inputs are dashed red,
and every node shows the gradient known so far (``grad ?`` where none has arrived yet).

Frames come from a real backward pass watched by a tracer
(:mod:`tinygrad_edu.autograd.trace`), run with ``retain_graph=True`` so that you can
still call ``loss.backward()`` afterwards. The leaves' ``.grad`` (and those of tensors
that called ``retain_grad()``) are put back as they were; gradient hooks you registered
do run once more.

Rendering needs the ``graphviz`` package and the ``dot`` program; the GIF also needs
Pillow, which comes with matplotlib (``pip install 'tinygrad-edu[plot]'``). Each frame is
a call to ``dot``, so this is meant for small graphs: more than ``max_frames`` steps
raise an error instead of running for minutes.
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np

from ..autograd.engine import topological_order
from ..autograd.trace import BackwardTracer, tracing
from ..tensor import Tensor
from . import graph as _g

__all__ = ["animate_backward", "backward_frames"]


def _copy(g: Any) -> Any:
    if g is None:
        return None
    if isinstance(g, list | tuple):
        return [_copy(x) for x in g]
    return np.array(g.data if isinstance(g, Tensor) else g)


class _Recorder(BackwardTracer):
    """Keeps each backward step in order: ('op', node, grad of its output) or ('leaf', tensor, grad)."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, Any, Any]] = []

    def node(self, node: Any, grad_output: Any, grad_inputs: tuple) -> None:
        self.steps.append(("op", node, _copy(grad_output)))

    def leaf(self, tensor: Any, grad: Any) -> None:
        self.steps.append(("leaf", tensor, _copy(grad)))


def backward_frames(
    loss: Tensor,
    params: dict[str, Tensor] | None = None,
    show_data: bool = True,
    rankdir: str = "LR",
    max_label_elements: int = 4,
) -> list:
    """The frames of ``animate_backward`` as ``graphviz.Digraph`` objects (no ``dot``
    needed to build them; in Jupyter each one displays itself)."""
    _check_loss(loss)
    s = _g._Structure([loss], params)
    steps = _watch_backward(loss, s)
    grads: dict[Any, Any] = {key: None for key in s.items}  # None: not known yet
    grads[("out", 0)] = np.ones(loss.shape, dtype=loss.dtype)  # dL/dL, known from the start
    frames = []
    for k, (kind, obj, g) in enumerate(steps):
        if kind == "op":
            key = ("op", id(obj))
            op = obj.op_name()
            what = f"{op}: its output's gradient is complete; passing it on to the inputs"
            edges = tuple((e.tail, e.head, e.input_index) for e in s.edges if e.op_node is obj)
        else:
            key = ("leaf", id(obj))
            what = f"{s.name_of(s.items[key])}: its gradient is complete"
            edges = ()
        grads[key] = g
        frames.append(_g._emit(
            s,
            show_data=show_data,
            show_grad=True,
            rankdir=rankdir,
            cluster_modules=False,
            highlight=set(),
            max_label_elements=max_label_elements,
            grads=grads,
            current=key,
            current_edges=edges,
            title=f"backward step {k + 1}/{len(steps)}: {what}",
        ))
    return frames


def _check_loss(loss: Any) -> None:
    if not isinstance(loss, Tensor) or loss.grad_fn is None:
        raise ValueError(
            "animate_backward: loss must be a Tensor produced by operations on tensors that "
            "require grad (it has no grad_fn, so there is no backward pass to show)"
        )


def animate_backward(
    loss: Tensor,
    path: str | os.PathLike,
    format: str = "gif",  # noqa: A002 - same word as render(format=)
    params: dict[str, Tensor] | None = None,
    show_data: bool = True,
    rankdir: str = "LR",
    max_frames: int = 60,
    duration: float = 1.0,
    max_label_elements: int = 4,
) -> str | list[str]:
    """Render the backward pass of ``loss`` one step per frame.

    * ``format="gif"``: write an animated GIF to exactly ``path`` (``duration`` seconds
      per frame, looping) and return ``path``.
    * ``format="png"``: write ``path/frame_000.png``, ``frame_001.png``, ... (``path`` is a
      folder, created if needed) and return the list of frame paths.

    There is one frame per backward step, in the order the engine takes them: one per op,
    and one per leaf when its gradient is complete (after every op that used it).
    ``params`` names tensors as in ``draw_graph``. Each frame runs ``dot``, so a graph
    with more than ``max_frames`` nodes raises a ``ValueError`` before anything runs.
    """
    if format not in ("gif", "png"):
        raise ValueError(f"animate_backward: format must be 'gif' or 'png', got {format!r}")
    _check_loss(loss)
    _g._graphviz()
    if not _g.dot_available():
        raise RuntimeError(
            f"animate_backward: Graphviz's `dot` program was not found. {_g.INSTALL_GRAPHVIZ}"
        )
    image = None
    if format == "gif":
        try:
            from PIL import Image as image
        except ImportError:
            raise ImportError(
                "animate_backward(format='gif') needs Pillow, which comes with matplotlib: "
                "pip install 'tinygrad-edu[plot]' (or use format='png' for separate frames)"
            ) from None
    n_nodes = len(topological_order([loss.grad_fn]))  # each op and leaf is at most one step
    if n_nodes > max_frames:
        raise ValueError(
            f"animate_backward: this graph has {n_nodes} nodes, so up to {n_nodes} frames, more "
            f"than max_frames={max_frames}; pass a larger max_frames= (each frame runs `dot`) "
            "or animate a smaller graph (a few ops is what the eye can follow)"
        )
    pngs = [f.pipe(format="png") for f in backward_frames(loss, params, show_data, rankdir,
                                                          max_label_elements)]
    path = os.fspath(path)
    if format == "png":
        os.makedirs(path, exist_ok=True)
        out = []
        for k, data in enumerate(pngs):
            name = os.path.join(path, f"frame_{k:03d}.png")
            with open(name, "wb") as f:
                f.write(data)
            out.append(name)
        return out
    frames = [image.open(io.BytesIO(data)).convert("RGB") for data in pngs]
    # dot sizes each frame to its labels; pad all to the largest so the GIF does not jump
    w = max(f.width for f in frames)
    h = max(f.height for f in frames)
    padded = []
    for f in frames:
        canvas = image.new("RGB", (w, h), "white")
        canvas.paste(f, (0, 0))
        padded.append(canvas)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    padded[0].save(
        path, format="GIF", save_all=True, append_images=padded[1:],
        duration=int(duration * 1000), loop=0,
    )
    return path


def _watch_backward(loss: Tensor, s: _g._Structure) -> list:
    """Run ``loss.backward(retain_graph=True)`` under a tracer and return its steps,
    leaving every ``.grad`` as it was before."""
    kept = []
    for it in s.items.values():
        if it.kind in ("leaf", "param"):
            kept.append(it.tensor)
        elif it.kind == "op" and it.node._n_out == 1:
            t = _g._retained(it.node, 0)
            if t is not None:
                kept.append(t)
    if loss._retains_grad:
        kept.append(loss)
    before = [(t, t.grad) for t in kept]
    for t in kept:
        t.grad = None  # so that backward creates new .grad tensors instead of adding in place
    rec = _Recorder()
    try:
        with tracing(rec):
            loss.backward(retain_graph=True)
    except RuntimeError as e:
        if "second time" not in str(e):
            raise
        raise RuntimeError(
            "animate_backward: the graph's saved values were already freed by an earlier "
            "loss.backward(); animate before calling backward, or call "
            "loss.backward(retain_graph=True) first"
        ) from e
    finally:
        for t, g in before:
            t.grad = g
    return rec.steps
