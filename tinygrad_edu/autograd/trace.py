"""Watching backward: a tracer receives every step the engine takes.

Used by ``tg.viz.explain`` (the chain-rule trace) and the step-by-step backward
rendering; costs one ``is None`` check per node when nobody is watching.

    class Printer(BackwardTracer):
        def node(self, node, grad_output, grad_inputs):
            print(node.name(), [None if g is None else g.shape for g in grad_inputs])

    with tracing(Printer()):
        loss.backward()
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class BackwardTracer:
    """Override the steps you want to see; all default to doing nothing."""

    def node(self, node: Any, grad_output: Any, grad_inputs: tuple) -> None:
        """``node``'s backward turned ``grad_output`` (dL/d output) into ``grad_inputs``
        (dL/d each input, before any broadcasting is undone)."""

    def broadcast(self, node: Any, input_index: int, grad_shape: tuple, input_shape: tuple) -> None:
        """Input ``input_index`` of ``node`` was broadcast: its gradient of shape
        ``grad_shape`` is summed down to ``input_shape``."""

    def leaf(self, tensor: Any, grad: Any) -> None:
        """The gradient ``grad`` arrived at leaf ``tensor`` (before accumulation into .grad)."""


class _Current(threading.local):
    tracer: BackwardTracer | None = None


_current = _Current()


def current_tracer() -> BackwardTracer | None:
    return _current.tracer


@contextmanager
def tracing(tracer: BackwardTracer) -> Iterator[BackwardTracer]:
    """Send every backward step run in this thread inside the block to ``tracer``."""
    prev = _current.tracer
    _current.tracer = tracer
    try:
        yield tracer
    finally:
        _current.tracer = prev
