"""Grad mode: no_grad / enable_grad / set_grad_enabled, as in PyTorch (thread-local)."""

import threading

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.autograd import grad_mode
from tinygrad_edu.nn import functional as F


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


@pytest.fixture(autouse=True)
def _grad_mode_restored():
    """A test that leaks a disabled grad mode would break every later test: fail loudly."""
    assert tg.is_grad_enabled()
    assert grad_mode._off[0] == 0
    yield
    leaked = not tg.is_grad_enabled()
    tg.set_grad_enabled(True)
    assert not leaked, "grad mode was left disabled"
    assert grad_mode._off[0] == 0, "the count of threads with grad off was not restored"


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


# Ops skip the thread-local flag while no thread has grad off (grad_mode._off[0] == 0). If a
# way of switching the mode bypassed that count, ops would record under no_grad: each way is
# checked on every record path (one tensor, two, x/weight/bias, the general one).
def _records_nothing() -> bool:
    x, w, b = leaf([[1.0, 2.0]]), leaf([[3.0, 4.0]]), leaf([0.5])
    outs = [x.exp(), x * w, x + w, F.linear(x, w, b), x.sum(dim=1, keepdim=True)]
    return all(o.grad_fn is None and not o.requires_grad for o in outs)


def _records_all() -> bool:
    x, w, b = leaf([[1.0, 2.0]]), leaf([[3.0, 4.0]]), leaf([0.5])
    outs = [x.exp(), x * w, x + w, F.linear(x, w, b), x.sum(dim=1, keepdim=True)]
    return all(o.grad_fn is not None for o in outs)


def test_each_way_to_switch_grad_off_is_counted_and_restored():
    seen = []

    def probe():
        seen.append((grad_mode._off[0], _records_nothing()))

    with tg.no_grad():
        probe()
        with tg.enable_grad():
            seen.append((grad_mode._off[0], _records_all()))
        probe()
    tg.no_grad()(probe)()
    tg.no_grad(probe)()
    with tg.set_grad_enabled(False):
        probe()
    tg.set_grad_enabled(False)
    probe()
    tg.set_grad_enabled(False)  # a second call changes nothing: still one thread off
    probe()
    tg.set_grad_enabled(True)
    assert seen == [(1, True), (0, True)] + [(1, True)] * 6
    assert grad_mode._off[0] == 0 and _records_all()


def test_mode_switches_inside_the_engine_and_optimizer_restore_the_count():
    class Probe(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.inside = (grad_mode._off[0], _records_nothing())  # forward runs without grad
            return x * 2

        @staticmethod
        def backward(ctx, g):
            ctx.inside_backward = grad_mode._off[0]
            return g * 2

    x = leaf([1.0, 2.0])
    y = Probe.apply(x)
    y.grad_fn.inside_backward = None
    (dx,) = tg.autograd.grad(y.sum(), x, create_graph=True)  # backward under grad
    assert y.grad_fn.inside == (1, True) and y.grad_fn.inside_backward == 0
    y2 = Probe.apply(x)
    y2.sum().backward()  # a plain backward turns grad off around the user's backward
    assert y2.grad_fn.inside_backward == 1
    opt = tg.optim.SGD([x], lr=0.1)
    opt.step()
    with pytest.raises(RuntimeError):
        with tg.no_grad():
            raise RuntimeError("leaving no_grad by an exception restores the count too")
    assert grad_mode._off[0] == 0 and _records_all()


def test_a_thread_that_ends_with_grad_off_leaves_other_threads_recording():
    t = threading.Thread(target=lambda: tg.set_grad_enabled(False))
    t.start()
    t.join(5)
    try:
        assert grad_mode._off[0] == 1  # the count stays high: ops read the thread-local flag
        assert tg.is_grad_enabled() and _records_all()
        with tg.no_grad():
            assert _records_nothing()
    finally:
        with grad_mode._off_lock:  # undo what the ended thread left, for the other tests
            grad_mode._off[0] -= 1


# A decorated generator function: PyTorch runs each step of the generator in the decorator's
# mode and the caller's code between steps in the caller's own.
def test_no_grad_decorated_generator_runs_its_steps_without_grad():
    x = leaf([1.0, 2.0])
    inside = []

    @tg.no_grad()
    def steps():
        got = None
        for k in range(2):
            inside.append((tg.is_grad_enabled(), got))
            got = yield x * (k + 1)
        return "done"

    gen = steps()
    first = next(gen)
    between = (tg.is_grad_enabled(), (x * 2).grad_fn is not None)  # the caller keeps grad
    second = gen.send("sent")
    with pytest.raises(StopIteration) as stop:
        gen.send("last")
    assert first.grad_fn is None and second.grad_fn is None
    np.testing.assert_allclose(second.data, [2.0, 4.0])
    assert between == (True, True)
    assert inside == [(False, None), (False, "sent")]
    assert stop.value.value == "done"


def test_enable_grad_decorated_generator_records_inside_no_grad():
    x = leaf([1.0])

    @tg.enable_grad
    def steps():
        yield x * 3

    with tg.no_grad():
        gen = steps()
        y = next(gen)
        assert (x * 3).grad_fn is None  # the caller's no_grad holds between steps
    assert y.grad_fn is not None
    y.backward()
    np.testing.assert_allclose(x.grad.data, [3.0])


def test_decorated_generator_throw_and_close_run_in_the_mode():
    seen = []

    @tg.no_grad()
    def steps():
        try:
            yield 1
        except ValueError:
            seen.append(("caught", tg.is_grad_enabled()))
            yield 2
        finally:
            seen.append(("finally", tg.is_grad_enabled()))

    gen = steps()
    next(gen)
    assert gen.throw(ValueError("into the generator")) == 2
    gen.close()
    assert seen == [("caught", False), ("finally", False)]
    assert tg.is_grad_enabled()
