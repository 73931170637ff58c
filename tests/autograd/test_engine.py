"""The backward engine: chain rule over the recorded graph, with PyTorch's semantics.

Expected values are computed independently with numpy from the calculus, never copied
from the engine's output.
"""

import gc
import weakref

import numpy as np
import pytest
from hypothesis import given

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.autograd.function import Op
from tinygrad_edu.testing import broadcastable_shapes


def leaf(values):
    """A float64 leaf that requires grad (float64 so comparisons can be tight)."""
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


@pytest.fixture
def no_gc():
    """Only reference counting frees objects, so a cycle would keep its objects alive."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# ------------------------------------------------------------------ deep graphs


def test_200k_op_chain_backpropagates_without_recursion_error():
    # a recursive topological sort or backward would blow Python's stack long before this
    n, c = 200_000, 1.0000001
    x = leaf(1.5)
    y = x
    for _ in range(n):
        y = y * c
    y.backward()
    # d/dx (x c^n) = c^n, computed in closed form
    np.testing.assert_allclose(x.grad.data, np.exp(n * np.log(c)), rtol=1e-9)
    del y  # freeing a 200k-node chain must not overflow the C stack either


# ------------------------------------------------------------------ accumulation


def test_gradients_accumulate_into_leaves_across_two_backward_calls():
    xs = np.array([0.5, -1.0, 2.0])
    x = leaf(xs)
    (x * x).sum().backward()
    x.sin().sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * xs + np.cos(xs), rtol=1e-12)


def test_backward_adds_to_a_grad_the_user_assigned():
    x = leaf([1.0, 2.0])
    x.grad = Tensor(np.array([10.0, 20.0]))
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [13.0, 23.0])


def test_grad_set_to_none_restarts_accumulation():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    x.grad = None
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad.data, [5.0, 5.0])


def test_float32_leaf_gets_float32_grad():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    (x * x).backward(gradient=Tensor(np.array([1.0, 1.0])))  # float64 seed
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0])


def test_same_tensor_used_twice_in_one_op_gets_both_contributions():
    xs = np.array([0.5, -1.0, 2.0])
    x = leaf(xs)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * xs, rtol=1e-12)


def test_diamond_graph_sums_gradients_of_all_branches():
    xs = np.array([0.3, -0.7, 1.1])
    x = leaf(xs)
    a = x * 2
    out = (a.exp() + a.sin() + a * a).sum()
    out.backward()
    # d/dx [exp(2x) + sin(2x) + 4x^2] = 2 exp(2x) + 2 cos(2x) + 8x
    expected = 2 * np.exp(2 * xs) + 2 * np.cos(2 * xs) + 8 * xs
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)


def test_diamond_with_shared_intermediate_runs_its_backward_once_with_summed_grad():
    # b feeds two branches; the intermediate's gradient is the sum of both paths
    xs = np.array([0.2, 0.9])
    x = leaf(xs)
    b = x.exp()
    b.retain_grad()
    out = (b * 3 + b * b).sum()
    out.backward()
    eb = np.exp(xs)
    np.testing.assert_allclose(b.grad.data, 3 + 2 * eb, rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, (3 + 2 * eb) * eb, rtol=1e-12)


def test_each_node_runs_once_after_every_consumer_whatever_the_graph_shape():
    # The engine runs the nodes holding a gradient from the most recently recorded down.
    # Here: a value consumed by an op recorded much later, a leaf first used mid-graph,
    # and two roots of which one depends on the other. Counting each node's backward calls
    # shows that every node ran exactly once, with the sum over all its consumers.
    xs, ws = np.array([0.3, -0.4]), np.array([1.5, 0.5])
    x = leaf(xs)
    a = x.sin()  # consumed by the first op and again by the very last one
    b = a.exp()
    w = leaf(ws)  # a leaf whose sink is made between a's and b's consumers
    c = b * w
    d = c.tanh() + a  # a reaches d only now, many ops after it was made
    runs = {}

    def count(name):
        def hook(g):
            runs[name] = runs.get(name, 0) + 1
        return hook

    for name, t in (("a", a), ("b", b), ("c", c)):
        t.register_hook(count(name))
    tg.autograd.backward([d.sum(), b.sum()])  # b is a root and also inside d
    assert runs == {"a": 1, "b": 1, "c": 1}
    ea = np.exp(np.sin(xs))
    dd_dc = 1 - np.tanh(ea * ws) ** 2
    dL_db = dd_dc * ws + 1
    dL_da = dL_db * ea + 1
    np.testing.assert_allclose(w.grad.data, dd_dc * ea, rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, dL_da * np.cos(xs), rtol=1e-12)


def test_broadcast_input_gets_gradient_summed_to_its_shape():
    a = leaf(np.arange(6.0).reshape(2, 3))
    b = leaf([1.0, 2.0, 3.0])
    (a * b).sum().backward()
    np.testing.assert_allclose(b.grad.data, np.arange(6.0).reshape(2, 3).sum(axis=0))
    np.testing.assert_allclose(a.grad.data, np.broadcast_to([1.0, 2.0, 3.0], (2, 3)))


def _sum_to_shape(g, shape):
    """Independent reference: sum g over the broadcast axes until it has ``shape``."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


@given(broadcastable_shapes(2))
def test_broadcast_gradients_are_summed_back_for_any_shapes(shapes_):
    sa, sb = shapes_
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal(sa), rng.standard_normal(sb)
    a, b = leaf(a_np), leaf(b_np)
    (a * b).sum().backward()
    out_shape = np.broadcast_shapes(sa, sb)
    # d sum(a*b) / da = b broadcast to the output, summed back to a's shape
    np.testing.assert_allclose(a.grad.data, _sum_to_shape(np.broadcast_to(b_np, out_shape), sa))
    np.testing.assert_allclose(b.grad.data, _sum_to_shape(np.broadcast_to(a_np, out_shape), sb))
    assert a.grad.shape == sa and b.grad.shape == sb


# ------------------------------------------------------------------ retain_graph


def test_retain_graph_allows_a_second_backward():
    xs = np.array([0.1, 0.4])
    x = leaf(xs)
    y = x.exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(xs), rtol=1e-12)


def test_second_backward_without_retain_graph_raises_clear_error():
    x = leaf([0.1, 0.4])
    y = (x.exp() * x).sum()  # both ops save tensors for backward
    y.backward()
    with pytest.raises(RuntimeError, match="second time") as info:
        y.backward()
    assert "retain_graph" in str(info.value)


def test_second_autograd_grad_without_retain_graph_raises():
    x = leaf([0.1, 0.4])
    y = x.sin().sum()
    tg.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        tg.autograd.grad(y, x)


# ------------------------------------------------------------------ gradient argument


def test_non_scalar_backward_without_gradient_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError):
        (x * 2).backward()


def test_backward_of_one_element_non_scalar_needs_no_gradient():
    # torch allows an implicit gradient for any one-element output, not only 0-d
    x = leaf([[3.0]])
    (x * x).backward()
    np.testing.assert_allclose(x.grad.data, [[6.0]])


def test_backward_with_gradient_computes_vector_jacobian_product():
    xs = np.array([0.5, 1.5, -2.0])
    v = np.array([1.0, -2.0, 0.5])
    x = leaf(xs)
    (x * x * x).backward(gradient=Tensor(v))
    np.testing.assert_allclose(x.grad.data, v * 3 * xs**2, rtol=1e-12)


@pytest.mark.parametrize("bad_shape", [(2,), (3, 1), (1, 3)])
def test_backward_with_gradient_of_wrong_shape_raises(bad_shape):
    x = leaf([0.5, 1.5, -2.0])
    with pytest.raises(RuntimeError):
        (x * 2).backward(gradient=Tensor(np.ones(bad_shape)))


def test_backward_of_tensor_without_grad_raises():
    with pytest.raises(RuntimeError):
        Tensor([1.0, 2.0]).sum().backward()


# ------------------------------------------------------------------ higher order


def test_create_graph_second_derivative_of_cube():
    xs = np.array([-1.5, 0.5, 2.0])
    x = leaf(xs)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_allclose(g.data, 3 * xs**2, rtol=1e-12)
    x.grad = None  # so the second backward's result is not added to the first
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * xs, rtol=1e-12)


def test_create_graph_implies_retain_graph():
    xs = np.array([1.0, 2.0])
    x = leaf(xs)
    y = (x**3).sum()
    y.backward(create_graph=True)
    y.backward()  # torch: retain_graph defaults to create_graph
    np.testing.assert_allclose(x.grad.data, 2 * 3 * xs**2)


def test_create_graph_second_and_third_derivative_of_sin():
    xs = np.array([-1.0, 0.3, 2.5])
    x = leaf(xs)
    (d1,) = tg.autograd.grad(x.sin().sum(), x, create_graph=True)
    (d2,) = tg.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = tg.autograd.grad(d2.sum(), x)
    np.testing.assert_allclose(d1.data, np.cos(xs), rtol=1e-12)
    np.testing.assert_allclose(d2.data, -np.sin(xs), rtol=1e-12)
    np.testing.assert_allclose(d3.data, -np.cos(xs), rtol=1e-12)


def test_third_derivative_of_cube_is_six():
    x = leaf([0.7, -2.0])
    (d1,) = tg.autograd.grad((x**3).sum(), x, create_graph=True)
    (d2,) = tg.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = tg.autograd.grad(d2.sum(), x)
    np.testing.assert_allclose(d3.data, [6.0, 6.0], rtol=1e-12)


def test_third_derivative_of_exp_of_scaled_input():
    xs = np.array([0.1, -0.4])
    x = leaf(xs)
    (d1,) = tg.autograd.grad((x * 2).exp().sum(), x, create_graph=True)
    (d2,) = tg.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = tg.autograd.grad(d2.sum(), x)
    np.testing.assert_allclose(d3.data, 8 * np.exp(2 * xs), rtol=1e-12)


def test_mixed_partials_of_x_times_y_squared():
    # f = x y^2: df/dx = y^2, df/dy = 2xy, d2f/dydx = d2f/dxdy = 2y, d2f/dy2 = 2x
    x, y = leaf(1.5), leaf(-0.5)
    fx, fy = tg.autograd.grad(x * y**2, [x, y], create_graph=True)
    np.testing.assert_allclose(fx.data, 0.25)
    np.testing.assert_allclose(fy.data, -1.5)
    fxx, fxy = tg.autograd.grad(fx, [x, y], retain_graph=True, allow_unused=True)
    fyx, fyy = tg.autograd.grad(fy, [x, y])
    # y^2 does not depend on x: torch reports such an input as unused (None)
    assert fxx is None or np.allclose(fxx.data, 0.0)
    np.testing.assert_allclose(fxy.data, 2 * -0.5)
    np.testing.assert_allclose(fyx.data, 2 * -0.5)
    np.testing.assert_allclose(fyy.data, 2 * 1.5)


def test_gradients_without_create_graph_do_not_require_grad():
    x = leaf([1.0, 2.0])
    (x**3).sum().backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None
    (g,) = tg.autograd.grad((x**3).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


# ------------------------------------------------------------------ autograd.grad


def test_autograd_grad_returns_gradient_without_touching_dot_grad():
    xs = np.array([0.5, 1.0])
    x = leaf(xs)
    (g,) = tg.autograd.grad((x * x).sum(), x)
    np.testing.assert_allclose(g.data, 2 * xs)
    assert x.grad is None


def test_autograd_grad_leaves_existing_dot_grad_unchanged():
    x = leaf([0.5, 1.0])
    (x * 3).sum().backward()
    tg.autograd.grad((x * x).sum(), x)
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])


def test_autograd_grad_with_single_tensor_input_returns_one_tuple():
    x = leaf(2.0)
    res = tg.autograd.grad(x * x, x)
    assert isinstance(res, tuple) and len(res) == 1
    np.testing.assert_allclose(res[0].data, 4.0)


def test_autograd_grad_with_list_of_inputs():
    a, b = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    ga, gb = tg.autograd.grad((a * b + a).sum(), [a, b])
    np.testing.assert_allclose(ga.data, [4.0, 0.0])
    np.testing.assert_allclose(gb.data, [1.0, 2.0])


def test_autograd_grad_unused_input_raises_unless_allow_unused():
    a, b = leaf([1.0, 2.0]), leaf([3.0])
    with pytest.raises(RuntimeError):
        tg.autograd.grad((a * 2).sum(), [a, b])
    ga, gb = tg.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)
    np.testing.assert_allclose(ga.data, [2.0, 2.0])
    assert gb is None


def test_autograd_grad_with_respect_to_non_leaf():
    xs = np.array([0.5, -1.0])
    x = leaf(xs)
    h = x * 3
    out = (h * h).sum() + x.sum()
    gh, gx = tg.autograd.grad(out, [h, x])
    np.testing.assert_allclose(gh.data, 2 * 3 * xs, rtol=1e-12)  # dout/dh = 2h
    np.testing.assert_allclose(gx.data, 18 * xs + 1, rtol=1e-12)
    assert x.grad is None and h.grad is None


def test_autograd_grad_with_grad_outputs_for_non_scalar_output():
    xs = np.array([1.0, 2.0, 3.0])
    v = np.array([0.5, -1.0, 2.0])
    x = leaf(xs)
    (g,) = tg.autograd.grad(x.exp(), x, grad_outputs=Tensor(v))
    np.testing.assert_allclose(g.data, v * np.exp(xs), rtol=1e-12)


def test_autograd_grad_of_several_outputs_sums_their_contributions():
    xs = np.array([1.0, 2.0])
    x = leaf(xs)
    (g,) = tg.autograd.grad([(x * x).sum(), x.sin().sum()], x)
    np.testing.assert_allclose(g.data, 2 * xs + np.cos(xs), rtol=1e-12)


def test_autograd_grad_skips_an_output_that_does_not_lead_to_the_input():
    # the second output depends only on w: its node is a root the engine must pass over
    xs = np.array([1.0, 2.0])
    x, w = leaf(xs), leaf(np.array([3.0, 4.0]))
    (g,) = tg.autograd.grad([x.sin().sum(), (w * w).exp().sum()], x)
    np.testing.assert_allclose(g.data, np.cos(xs), rtol=1e-12)
    assert x.grad is None and w.grad is None


def test_autograd_grad_non_scalar_output_without_grad_outputs_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError):
        tg.autograd.grad(x * 2, x)


def test_autograd_grad_retain_graph_allows_reuse():
    xs = np.array([0.2, 0.3])
    x = leaf(xs)
    y = x.exp().sum()
    (g1,) = tg.autograd.grad(y, x, retain_graph=True)
    (g2,) = tg.autograd.grad(y, x)
    np.testing.assert_allclose(g1.data, np.exp(xs))
    np.testing.assert_allclose(g2.data, np.exp(xs))


def test_autograd_grad_input_not_requiring_grad_raises():
    x = leaf([1.0])
    c = Tensor([2.0])
    with pytest.raises(RuntimeError):
        tg.autograd.grad((x * c).sum(), [x, c])


# ------------------------------------------------------------------ detach, retain_grad


def test_detach_shares_data_and_cuts_the_graph():
    xs = np.array([1.0, -2.0])
    x = leaf(xs)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d.data, x.data)
    (x * d).sum().backward()
    # the detached factor is a constant: d/dx (x * c) = c, not 2x
    np.testing.assert_allclose(x.grad.data, xs)


def test_detach_of_intermediate_stops_gradient_to_earlier_ops():
    x = leaf([1.0, 2.0])
    y = (x * 5).detach() * x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [5.0, 10.0])


def test_retain_grad_keeps_gradient_of_non_leaf():
    xs = np.array([0.5, 2.0])
    x = leaf(xs)
    h = x * x
    h.retain_grad()
    k = x * 3  # not retained
    (h.sin() + k).sum().backward()
    np.testing.assert_allclose(h.grad.data, np.cos(xs**2), rtol=1e-12)
    assert k.grad is None
    np.testing.assert_allclose(x.grad.data, np.cos(xs**2) * 2 * xs + 3, rtol=1e-12)


def test_retain_grad_accumulates_across_backward_calls():
    x = leaf([1.0, 2.0])
    h = x * 2
    h.retain_grad()
    y = (h * h).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(h.grad.data, 2 * 2 * np.array([2.0, 4.0]))


# ------------------------------------------------------------------ hooks


def test_leaf_hook_sees_gradient_and_can_replace_it():
    x = leaf([1.0, 2.0])
    seen = []

    def hook(g):
        seen.append(g.data.copy())
        return g * 10

    x.register_hook(hook)
    (x * x).sum().backward()
    np.testing.assert_allclose(seen[0], [2.0, 4.0])
    np.testing.assert_allclose(x.grad.data, [20.0, 40.0])


def test_non_leaf_hook_replacement_changes_gradient_flowing_upstream():
    x = leaf([1.0, 2.0])
    h = x * 2
    seen = []

    def hook(g):
        seen.append(g.data.copy())
        return g * 10

    h.register_hook(hook)
    (h * 3).sum().backward()
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(x.grad.data, [60.0, 60.0])


def test_leaf_hook_sees_total_gradient_once_when_leaf_is_used_twice():
    x = leaf([1.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()))
    (x * 2 + x * 3).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [5.0])


def test_hook_returning_none_keeps_gradient():
    x = leaf([1.0, 2.0])
    calls = []
    x.register_hook(lambda g: calls.append(1))
    (x * 4).sum().backward()
    assert calls == [1]
    np.testing.assert_allclose(x.grad.data, [4.0, 4.0])


def test_removed_hook_is_not_called():
    x = leaf([1.0, 2.0])
    h = x * 2
    calls = []
    handle_x = x.register_hook(lambda g: calls.append("x") or g * 100)
    handle_h = h.register_hook(lambda g: calls.append("h") or g * 100)
    handle_x.remove()
    handle_h.remove()
    h.sum().backward()
    assert calls == []
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0])


def test_non_leaf_hook_sees_summed_gradient_once():
    x = leaf([1.0])
    h = x * 1
    seen = []
    h.register_hook(lambda g: seen.append(g.data.copy()))
    (h * 2 + h * 3).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [5.0])


def test_leaf_hook_runs_for_autograd_grad_with_respect_to_that_leaf():
    # torch's notes: a hook registered to a Tensor passed as autograd.grad's input
    # is always executed, and its return value replaces the captured gradient
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()) or g * 10)
    (g,) = tg.autograd.grad((x * 3).sum(), x)
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(g.data, [30.0, 30.0])


def test_non_leaf_hook_runs_for_autograd_grad_with_respect_to_that_tensor():
    x = leaf([1.0, 2.0])
    h = x * 2
    h.register_hook(lambda g: g * 10)
    gh, gx = tg.autograd.grad((h * 3).sum(), [h, x])
    np.testing.assert_allclose(gh.data, [30.0, 30.0])
    np.testing.assert_allclose(gx.data, [60.0, 60.0])


def test_nodes_with_tensor_hooks_are_counted_while_they_live():
    # the engine reads a node's hooks only while some live node has any (function._hooked)
    from tinygrad_edu.autograd import function

    gc.collect()
    before = function._hooked[0]
    x = leaf([1.0, 2.0])
    h = x * 2
    h.register_hook(lambda g: g)
    h.retain_grad()  # a second hook on the same node: still one node
    assert function._hooked[0] == before + 1
    del h
    gc.collect()
    assert function._hooked[0] == before


def test_hook_registered_during_backward_on_a_node_still_to_run_is_called():
    # no node has hooks when backward starts; a custom backward adds one upstream
    calls = []
    x = leaf([1.0, 2.0])
    h = x * 3

    class AddHookUpstream(tg.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 1

        @staticmethod
        def backward(ctx, g):
            h.register_hook(lambda gh: calls.append(gh.data.copy()) or gh * 10)
            return g

    AddHookUpstream.apply(h).sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], [1.0, 1.0])
    np.testing.assert_allclose(x.grad.data, [30.0, 30.0])


def test_register_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError):
        Tensor([1.0]).register_hook(lambda g: g)


# ------------------------------------------------------------------ aliasing of .grad


def test_leaf_grads_of_an_add_are_independent_arrays():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    with tg.no_grad():
        a.grad += 100
    np.testing.assert_allclose(b.grad.data, [1.0, 1.0])
    assert not np.shares_memory(a.grad.data, b.grad.data)


@pytest.mark.parametrize("make_loss", [
    lambda a, b: ((a + b) * 2.0).sum(),  # one fresh array (from the product) reaches both leaves
    lambda a, b: (a + b).sum() * 1.0,
])
def test_one_gradient_array_reaching_two_leaves_becomes_two_grads(make_loss):
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    make_loss(a, b).backward()
    expected = b.grad.data.copy()
    with tg.no_grad():
        a.grad += 100
    np.testing.assert_allclose(b.grad.data, expected)
    assert not np.shares_memory(a.grad.data, b.grad.data)


def test_the_seed_of_a_scalar_backward_reaching_two_leaves_becomes_two_grads():
    a, b = leaf(1.0), leaf(2.0)
    (a + b).backward()
    with tg.no_grad():
        a.grad += 1
    assert a.grad.item() == 2.0 and b.grad.item() == 1.0


def test_leaf_grad_does_not_alias_users_gradient_argument():
    a = leaf([1.0, 2.0])
    v = Tensor(np.array([0.5, 0.5]))
    (a * 1).backward(gradient=v)
    (a + 0).backward(gradient=v)  # second accumulation path, same gradient object
    with tg.no_grad():
        a.grad *= 0
    np.testing.assert_allclose(v.data, [0.5, 0.5])


def test_grad_of_leaf_used_directly_as_output_does_not_alias_gradient_argument():
    a = leaf([1.0, 2.0])
    v = Tensor(np.array([3.0, 4.0]))
    a.backward(gradient=v)
    np.testing.assert_allclose(a.grad.data, [3.0, 4.0])
    with tg.no_grad():
        a.grad += 1
    np.testing.assert_allclose(v.data, [3.0, 4.0])


def test_autograd_grad_results_for_two_inputs_are_independent():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    ga, gb = tg.autograd.grad((a + b).sum(), [a, b])
    with tg.no_grad():
        ga += 7
    np.testing.assert_allclose(gb.data, [1.0, 1.0])


# ------------------------------------------------------------------ version counter


def test_inplace_change_of_saved_output_raises_at_backward():
    x = leaf([0.1, 0.2])
    y = x.exp()  # Exp saves its output
    with tg.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_change_of_saved_input_raises_at_backward():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    z = a * b  # Mul saves both inputs
    with tg.no_grad():
        a.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_inplace_change_of_unsaved_input_is_allowed():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    z = a + b  # Add saves nothing: its gradient does not depend on the values
    with tg.no_grad():
        a += 10
    z.sum().backward()
    np.testing.assert_allclose(a.grad.data, [1.0, 1.0])
    np.testing.assert_allclose(b.grad.data, [1.0, 1.0])


def test_inplace_change_through_reshape_view_is_detected():
    x = leaf([0.1, 0.2, 0.3, 0.4])
    y = x.exp()
    v = y.reshape(2, 2)  # a view of y's memory
    assert np.shares_memory(v.data, y.data)
    with tg.no_grad():
        v += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_change_through_slice_view_of_saved_input_is_detected():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([4.0, 5.0, 6.0])
    z = a * b
    with tg.no_grad():
        s = a[1:]
        s += 1
    assert a.data[1] == 3.0  # the slice really was a view
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_inplace_change_through_detached_tensor_is_detected():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    z = a * b
    a.detach().add_(1)  # shares memory with a
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_inplace_ops_bump_version():
    t = Tensor([1.0, 2.0])
    v0 = t._version
    t += 1
    t.mul_(2)
    assert t._version == v0 + 2


def test_inplace_on_leaf_requiring_grad_outside_no_grad_raises():
    x = leaf([1.0])
    with pytest.raises(RuntimeError):
        x += 1


# ------------------------------------------------------------------ memory


def test_saved_buffers_are_released_after_backward(no_gc):
    x = leaf(np.linspace(0.1, 1.0, 1000))
    y = x.exp()  # saved by Exp (its output) and by Sin (its input)
    ref = weakref.ref(y.data)
    out = y.sin().sum()
    del y
    assert ref() is not None  # the graph keeps it for backward
    out.backward()
    assert ref() is None


def test_saved_buffers_survive_backward_with_retain_graph(no_gc):
    x = leaf(np.linspace(0.1, 1.0, 1000))
    y = x.exp()
    ref = weakref.ref(y.data)
    out = y.sin().sum()
    del y
    out.backward(retain_graph=True)
    assert ref() is not None
    out.backward()
    assert ref() is None


def test_graph_has_no_reference_cycles(no_gc):
    x = leaf(np.linspace(0.1, 1.0, 1000))
    h = x.exp()
    out = (h * 3 + h.sin()).sum()
    ref_out, ref_h, ref_data = weakref.ref(out), weakref.ref(h), weakref.ref(h.data)
    del h, out
    assert ref_out() is None
    assert ref_h() is None
    assert ref_data() is None


def test_graph_has_no_reference_cycles_after_backward(no_gc):
    x = leaf(np.linspace(0.1, 1.0, 1000))
    h = x.exp()
    out = (h * h).sum()
    out.backward(retain_graph=True)
    ref_out, ref_data = weakref.ref(out), weakref.ref(h.data)
    del h, out
    assert ref_out() is None and ref_data() is None
    assert x.grad is not None  # the leaf and its gradient stay


def test_non_leaf_with_retain_grad_does_not_keep_itself_alive(no_gc):
    x = leaf([1.0, 2.0])
    h = x * 2
    h.retain_grad()
    ref = weakref.ref(h)
    del h
    assert ref() is None


# ------------------------------------------------------- gradients reused in place
# A Linear op promises fresh gradient arrays (Op._fresh_grads); the ReLU after it may then
# mask the gradient it receives in place (Op.backward_reusing). Everything that can see that
# gradient (hooks, retain_grad, autograd.grad, a second consumer) must still see it unmasked.


def _mlp_pieces(seed=0):
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((5, 3)))
    w1, b1 = leaf(rng.standard_normal((4, 3))), leaf(rng.standard_normal(4))
    w2, b2 = leaf(rng.standard_normal((2, 4))), leaf(rng.standard_normal(2))
    return x, w1, b1, w2, b2


def _reference_grads(x, w1, b1, w2, b2):
    """dL/dw1 etc. of L = sum(relu(x w1^T + b1) w2^T + b2), by hand."""
    z = x.data @ w1.data.T + b1.data
    gh = np.ones((x.shape[0], 2)) @ w2.data  # dL/dh
    gz = gh * (z > 0)
    return gh, {"w1": gz.T @ x.data, "b1": gz.sum(0)}


def test_relu_after_linear_masks_the_fresh_gradient_in_place(monkeypatch):
    from tinygrad_edu.ops.elementwise import Relu

    x, w1, b1, w2, b2 = _mlp_pieces()
    calls = []
    orig = Relu.backward_reusing
    counting = staticmethod(lambda ctx, g: calls.append(1) or orig(ctx, g))
    monkeypatch.setattr(Relu, "backward_reusing", counting)
    F = tg.nn.functional
    F.linear(F.relu(F.linear(x, w1, b1)), w2, b2).sum().backward()
    _, ref = _reference_grads(x, w1, b1, w2, b2)
    assert calls == [1]
    np.testing.assert_allclose(w1.grad.data, ref["w1"], rtol=1e-12)
    np.testing.assert_allclose(b1.grad.data, ref["b1"], rtol=1e-12)


@pytest.mark.parametrize("watch", ["hook", "retain_grad", "autograd.grad", "second consumer"])
def test_whoever_sees_the_gradient_of_a_relu_output_sees_it_unmasked(watch):
    x, w1, b1, w2, b2 = _mlp_pieces(1)
    F = tg.nn.functional
    z = F.linear(x, w1, b1)
    h = F.relu(z)
    seen = []
    if watch == "hook":
        h.register_hook(lambda g: seen.append(g))  # keeps the very array it was given
    elif watch == "retain_grad":
        h.retain_grad()
    out = F.linear(h, w2, b2)
    if watch == "second consumer":  # a second use of h: its gradient is summed by the engine
        out = out + 0.0 * h.sum()
    loss = out.sum()
    gh, ref = _reference_grads(x, w1, b1, w2, b2)
    if watch == "autograd.grad":
        dh, dw1 = tg.autograd.grad(loss, [h, w1])
        np.testing.assert_allclose(dh.data, gh, rtol=1e-12)
        np.testing.assert_allclose(dw1.data, ref["w1"], rtol=1e-12)
        return
    loss.backward()
    if watch == "hook":
        np.testing.assert_allclose(seen[0].data, gh, rtol=1e-12)
    elif watch == "retain_grad":
        np.testing.assert_allclose(h.grad.data, gh, rtol=1e-12)
    np.testing.assert_allclose(w1.grad.data, ref["w1"], rtol=1e-12)
    np.testing.assert_allclose(b1.grad.data, ref["b1"], rtol=1e-12)


def test_relu_backward_twice_with_retain_graph_gives_the_same_gradients():
    x, w1, b1, w2, b2 = _mlp_pieces(2)
    F = tg.nn.functional
    loss = F.linear(F.relu(F.linear(x, w1, b1)), w2, b2).sum()
    loss.backward(retain_graph=True)
    first = w1.grad.data.copy()
    loss.backward()
    np.testing.assert_allclose(w1.grad.data, 2 * first, rtol=1e-12)


def test_a_backward_tracer_sees_the_relu_gradient_unmasked():
    from tinygrad_edu.autograd.trace import BackwardTracer, tracing
    from tinygrad_edu.ops.elementwise import Relu

    class Keep(BackwardTracer):  # keeps the very arrays, no copies
        def __init__(self):
            self.seen = {}

        def node(self, node, grad_output, grad_inputs):
            self.seen[type(node)] = grad_output

    x, w1, b1, w2, b2 = _mlp_pieces(3)
    F = tg.nn.functional
    loss = F.linear(F.relu(F.linear(x, w1, b1)), w2, b2).sum()
    keep = Keep()
    with tracing(keep):
        loss.backward()
    gh, ref = _reference_grads(x, w1, b1, w2, b2)
    np.testing.assert_allclose(keep.seen[Relu], gh, rtol=1e-12)
    np.testing.assert_allclose(w1.grad.data, ref["w1"], rtol=1e-12)


class _ScaledMul(Op):
    """y = s a b; saving a third value (the constant s) takes _mark_saved's general loop"""

    @staticmethod
    def forward(ctx, a, b, s=1.0):
        s = np.asarray(s, dtype=a.dtype)
        ctx.save_for_backward(a, b, s)
        return s * a * b

    @staticmethod
    def backward(ctx, g):
        a, b, s = ctx.saved_values
        return s * g * b, s * g * a


@pytest.mark.parametrize("mul", [lambda a, b: a * b, tg.mul, lambda a, b: _ScaledMul.apply(a, b, s=1.0)],
                         ids=["operator", "function", "general-path"])
def test_a_detached_alias_of_an_input_stays_a_constant_under_create_graph(mul):
    # x and x.detach() wrap one array: the saved second factor is the detached one (as in
    # PyTorch), so d(x c)/dx = c does not depend on x and cannot be differentiated again
    xs = np.array([2.0, 3.0])
    x = leaf(xs)
    (g,) = tg.autograd.grad(mul(x, x.detach()).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, xs)
    assert not g.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.autograd.grad(g.sum(), x)
    # the same tensor twice is still one variable: d2(x x)/dx2 = 2
    (g,) = tg.autograd.grad(mul(x, x).sum(), x, create_graph=True)
    (h,) = tg.autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(h.data, [2.0, 2.0])
