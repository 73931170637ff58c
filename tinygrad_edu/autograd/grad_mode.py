"""Grad mode: whether operations record a graph.

The flag is thread-local, as in PyTorch: ``no_grad`` in one thread never changes what
another thread records.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    enabled = True


_state = _State()

# How many threads have grad mode off right now. While none has (training code outside
# no_grad), the ops' record paths skip the thread-local read, which costs ~30 ns, a few
# percent of an op on small tensors: they test ``not _off[0] or _state.enabled``. Every
# change of mode goes through _set_mode, so the count is exact for threads that restore
# their mode; a thread that ends with grad off leaves it too high, which only costs the skip.
_off = [0]
_off_lock = threading.Lock()


def _set_mode(mode: bool) -> bool:
    """Set this thread's grad mode; return the one it replaces (to restore later)."""
    mode = bool(mode)
    prev = _state.enabled
    if mode is not prev:
        with _off_lock:
            _off[0] += 1 if prev else -1
        _state.enabled = mode
    return prev


def is_grad_enabled() -> bool:
    """True when new operations record a graph for backward."""
    return _state.enabled


class _GradMode:
    """Base of ``no_grad`` / ``enable_grad``: a context manager and a decorator
    (``@tg.no_grad()`` and, as in PyTorch 2, the bare ``@tg.no_grad``). A decorated
    generator function runs each of its steps in the mode, as in PyTorch."""

    _mode = True

    def __new__(cls, fn: Any = None) -> Any:
        self = super().__new__(cls)
        if callable(fn):  # bare decorator: no_grad(fn)
            return self(fn)
        return self

    def __init__(self, fn: Any = None) -> None:
        pass

    def __enter__(self) -> None:
        self._prev = _set_mode(self._mode)

    def __exit__(self, *exc: object) -> None:
        _set_mode(self._prev)

    def __call__(self, fn: F) -> F:
        mode = self._mode
        if inspect.isgeneratorfunction(fn):
            return _generator_in_mode(fn, mode)  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return _in_mode(mode, fn, *args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _in_mode(mode: bool, fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in grad mode ``mode``; the previous mode is restored after."""
    prev = _set_mode(mode)
    try:
        return fn(*args, **kwargs)
    finally:
        _set_mode(prev)


def _generator_in_mode(fn: Callable, mode: bool) -> Callable:
    """A decorated generator function: each step of the generator (up to its next ``yield``)
    runs in ``mode``, and the caller's code between steps in the caller's mode, as PyTorch's
    decorators do. ``send``, ``throw``, ``close`` and the return value pass through."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gen = fn(*args, **kwargs)
        try:
            value = _in_mode(mode, gen.send, None)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    _in_mode(mode, gen.close)
                    raise
                except BaseException as e:  # thrown in by the caller: into the generator
                    value = _in_mode(mode, gen.throw, e)
                else:
                    value = _in_mode(mode, gen.send, sent)
        except StopIteration as stop:
            return stop.value

    return wrapper


class no_grad(_GradMode):
    """Disable graph recording: ``with tg.no_grad(): ...`` or ``@tg.no_grad()``.

    Example::

        with tg.no_grad():
            w -= lr * w.grad   # an update that must not become part of the graph
    """

    _mode = False


class enable_grad(_GradMode):
    """Re-enable graph recording inside a ``no_grad`` region."""

    _mode = True


class set_grad_enabled(_GradMode):
    """``with tg.set_grad_enabled(flag):`` sets grad mode to ``flag``."""

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._prev = _set_mode(self._mode)  # like torch, also works as a plain function call

    def __enter__(self) -> None:  # the mode was already set in __init__
        pass
