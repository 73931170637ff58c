"""Grad mode: no_grad / enable_grad / set_grad_enabled, as in PyTorch (thread-local)."""

import threading

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


@pytest.fixture(autouse=True)
def _grad_mode_restored():
    """A test that leaks a disabled grad mode would break every later test: fail loudly."""
    assert tg.is_grad_enabled()
    yield
    leaked = not tg.is_grad_enabled()
    tg.set_grad_enabled(True)
    assert not leaked, "grad mode was left disabled"


def test_grad_enabled_by_default_and_ops_record():
    x = leaf([1.0])
    y = x * 2
    assert tg.is_grad_enabled()
    assert y.requires_grad and y.grad_fn is not None and not y.is_leaf


def test_no_grad_context_disables_recording():
    x = leaf([1.0, 2.0])
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = (x * 2).exp().sum()
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    np.testing.assert_allclose(y.data, np.exp(2.0) + np.exp(4.0))


def test_no_grad_result_cannot_be_backpropagated():
    x = leaf([1.0])
    with tg.no_grad():
        y = (x * 3).sum()
    with pytest.raises(RuntimeError):
        y.backward()


def test_leaf_created_under_no_grad_still_requires_grad():
    with tg.no_grad():
        x = leaf([1.0, 2.0])
        w = tg.ones(2, requires_grad=True)
    assert x.requires_grad and w.requires_grad
    (x * w).sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0, 1.0])


def test_no_grad_as_decorator():
    x = leaf([1.0])

    @tg.no_grad()
    def f(t):
        assert not tg.is_grad_enabled()
        return t * 2

    y = f(x)
    assert not y.requires_grad and y.grad_fn is None
    assert tg.is_grad_enabled()


def test_no_grad_decorator_keeps_function_name_and_return_value():
    @tg.no_grad()
    def double(t):
        """doc"""
        return t * 2

    assert double.__name__ == "double"
    np.testing.assert_allclose(double(leaf([1.5])).data, [3.0])


def test_no_grad_as_decorator_without_parentheses():
    # torch >= 2.1 accepts `@torch.no_grad` without calling it
    x = leaf([1.0])

    @tg.no_grad
    def f(t):
        return t * 2

    y = f(x)
    assert not y.requires_grad
    assert tg.is_grad_enabled()


def test_enable_grad_inside_no_grad_records():
    x = leaf([1.0, 2.0])
    with tg.no_grad():
        with tg.enable_grad():
            assert tg.is_grad_enabled()
            y = (x * x).sum()
        assert not tg.is_grad_enabled()
        z = x * 2
    assert y.grad_fn is not None and z.grad_fn is None
    y.backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0])


def test_enable_grad_as_decorator_inside_no_grad():
    x = leaf([3.0])

    @tg.enable_grad()
    def f(t):
        return t * t

    with tg.no_grad():
        y = f(x)
        assert not tg.is_grad_enabled()
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [6.0])


def test_nested_no_grad_restores_outer_mode():
    with tg.no_grad():
        with tg.no_grad():
            assert not tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
        with tg.enable_grad():
            with tg.no_grad():
                assert not tg.is_grad_enabled()
            assert tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_no_grad_restores_mode_after_exception():
    with pytest.raises(ValueError):
        with tg.no_grad():
            raise ValueError("boom")
    assert tg.is_grad_enabled()

    @tg.no_grad()
    def fails():
        raise ValueError("boom")

    with pytest.raises(ValueError):
        fails()
    assert tg.is_grad_enabled()


def test_set_grad_enabled_as_context_manager():
    with tg.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
        with tg.set_grad_enabled(True):
            assert tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_set_grad_enabled_as_plain_call():
    x = leaf([1.0])
    try:
        tg.set_grad_enabled(False)
        assert not tg.is_grad_enabled()
        assert (x * 2).grad_fn is None
    finally:
        tg.set_grad_enabled(True)
    assert tg.is_grad_enabled()
    assert (x * 2).grad_fn is not None


def test_autograd_namespace_exports_the_same_grad_mode():
    with tg.autograd.no_grad():
        assert not tg.autograd.is_grad_enabled()
        assert not tg.is_grad_enabled()


def test_grad_mode_is_thread_local_no_grad_in_other_thread():
    entered, checked = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with tg.no_grad():
            entered.set()
            checked.wait(5)
            seen["worker_enabled"] = tg.is_grad_enabled()
            seen["worker_records"] = (leaf([1.0]) * 2).grad_fn is not None

    t = threading.Thread(target=worker)
    t.start()
    assert entered.wait(5)
    # the other thread is inside no_grad right now; this thread must be unaffected
    main_enabled = tg.is_grad_enabled()
    main_records = (leaf([1.0]) * 2).grad_fn is not None
    checked.set()
    t.join(5)
    assert main_enabled and main_records
    assert seen == {"worker_enabled": False, "worker_records": False}


def test_grad_mode_is_thread_local_no_grad_in_this_thread():
    go = threading.Event()
    seen = {}

    def worker():
        go.wait(5)
        seen["enabled"] = tg.is_grad_enabled()
        seen["records"] = (leaf([1.0]) * 2).grad_fn is not None

    t = threading.Thread(target=worker)
    t.start()
    with tg.no_grad():
        go.set()
        t.join(5)
    assert seen == {"enabled": True, "records": True}
