"""tg.viz.explain: the chain-rule trace, checked against derivatives computed by hand in
numpy, against a normal backward, and for the exact wording of its rules and notes."""

import importlib
import inspect
import io
import pkgutil
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.ops
from tinygrad_edu.autograd.function import Function
from tinygrad_edu.testing import broadcastable_shapes
from tinygrad_edu.viz.explain import explain, explain_steps, local_rule


def leaf(values, name=None):
    t = tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
    t.name = name
    return t


def ops_of(steps):
    return [s["op"] for s in steps if s["kind"] == "op"]


def leaves_of(steps):
    return {s["name"]: s["grad"] for s in steps if s["kind"] == "leaf"}


def positions(text, pieces):
    """Index of each piece in text (each searched after the previous one)."""
    out, start = [], 0
    for p in pieces:
        i = text.find(p, start)
        assert i >= 0, f"{p!r} not found (in order) in:\n{text}"
        out.append(i)
        start = i + len(p)
    return out


# ------------------------------------------------------------------ y = tanh(a*b + c)


def test_explain_tanh_of_mul_add_has_each_rule_and_exact_gradients():
    a, b, c = leaf(2.0, "a"), leaf(-1.0, "b"), leaf(0.5, "c")
    y = (a * b + c).tanh()
    steps = explain_steps(y)

    u = 2.0 * -1.0 + 0.5
    dy_du = 1 - np.tanh(u) ** 2  # by hand: d tanh(u)/du
    assert ops_of(steps) == ["tanh", "add", "mul"]
    tanh_s, add_s, mul_s = [s for s in steps if s["kind"] == "op"]

    assert "dy/dx = 1 - tanh(x)^2" in tanh_s["rule"]
    assert tanh_s["forward_rule"] == "y = tanh(x)"
    assert add_s["local_derivative"] == "dy/da = 1,  dy/db = 1"
    assert mul_s["local_derivative"] == "dy/da = b,  dy/db = a"

    assert tanh_s["output"]["grad"] == 1.0
    assert tanh_s["inputs"][0]["grad"] == dy_du
    assert add_s["output"]["grad"] == dy_du
    assert [i["grad"] for i in add_s["inputs"]] == [dy_du, dy_du]
    assert [i["name"] for i in add_s["inputs"]] == ["t1", "c"]
    assert mul_s["inputs"][0]["grad"] == dy_du * -1.0  # d(ab)/da = b
    assert mul_s["inputs"][1]["grad"] == dy_du * 2.0  # d(ab)/db = a
    assert leaves_of(steps) == {"a": dy_du * -1.0, "b": dy_du * 2.0, "c": dy_du}
    assert [s["name"] for s in steps if s["kind"] == "leaf"] == ["a", "b", "c"]  # forward order


def test_explain_text_lists_steps_with_rules_in_backward_order(capsys):
    a, b, c = leaf(2.0, "a"), leaf(-1.0, "b"), leaf(0.5, "c")
    y = (a * b + c).tanh()
    text = explain(y)
    assert capsys.readouterr().out == text  # text is printed by default
    dy_du = 1 - np.tanh(-1.5) ** 2
    positions(text, [
        "t1 = mul(a, b)", "t2 = add(t1, c)", "L  = tanh(t2)",
        "[1] tanh: L = tanh(t2)", "rule      y = tanh(x);   dy/dx = 1 - tanh(x)^2 = 1 - y^2",
        f"dL/dt2  (x = t2, shape ()): {dy_du:.6g}",
        "[2] add: t2 = add(t1, c)", "[3] mul: t1 = mul(a, b)",
        f"dL/da  (a, shape ()): {-dy_du:.6g}", f"dL/db  (b, shape ()): {2 * dy_du:.6g}",
        "Leaf gradients", f"dL/da = {-dy_du:.6g}", f"dL/db = {2 * dy_du:.6g}", f"dL/dc = {dy_du:.6g}",
    ])


# ------------------------------------------------------------------ broadcasting


def test_broadcast_note_has_the_exact_sentence_and_summed_gradient():
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.normal(size=(32, 10)))
    b = leaf(rng.normal(size=10), "b")
    w = tg.tensor(rng.normal(size=(32, 10)))
    loss = ((x + b) * w).sum()
    sentence = "b (10,) was broadcast to (32, 10); its gradient is summed over axis 0"
    text = explain(loss, print_=False)
    assert sentence in text
    steps = explain_steps(loss)
    add = next(s for s in steps if s.get("op") == "add")
    entry = add["inputs"][1]
    assert entry["broadcast"] == sentence and add["notes"] == [sentence]
    assert entry["grad_shape"] == (32, 10) and entry["summed_axes"] == (0,)
    np.testing.assert_allclose(entry["grad"], w.data.sum(axis=0), rtol=1e-14)
    np.testing.assert_allclose(leaves_of(steps)["b"], w.data.sum(axis=0), rtol=1e-14)


def test_broadcast_note_names_params_and_lists_several_axes():
    rng = np.random.default_rng(1)
    x = tg.tensor(rng.normal(size=(2, 4, 5, 3)))
    bias = leaf(rng.normal(size=(4, 1, 3)))
    loss = (x * bias).sum()
    text = explain(loss, params={"fc1.bias": bias}, print_=False)
    assert "fc1.bias (4, 1, 3) was broadcast to (2, 4, 5, 3); its gradient is summed over axes 0, 2" in text
    assert "dL/d(fc1.bias)" in text
    np.testing.assert_allclose(leaves_of(explain_steps(loss, params={"fc1.bias": bias}))["fc1.bias"],
                               x.data.sum(axis=(0, 2))[:, None, :], rtol=1e-13)


def test_explicit_expand_gets_the_broadcast_note():
    b = leaf([1.0, 2.0, 3.0], "b")
    loss = (b.expand(4, 3) * tg.tensor(np.arange(12.0).reshape(4, 3))).sum()
    text = explain(loss, print_=False)
    assert "b (3,) was broadcast to (4, 3); its gradient is summed over axis 0" in text


def test_unnamed_leaves_are_numbered_in_forward_order_and_consts_marked():
    p, q = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    loss = ((p * 3.0) + q).sum()
    steps = explain_steps(loss)
    forward = steps[0]["forward"]
    assert [(n, e) for n, e, _ in forward] == [("t1", "mul(leaf1, const)"), ("t2", "add(t1, leaf2)"),
                                               ("L", "sum(t2)")]
    assert leaves_of(steps).keys() == {"leaf1", "leaf2"}
    np.testing.assert_array_equal(leaves_of(steps)["leaf1"], [3.0, 3.0])


# ------------------------------------------------------------------ document 002


def _doc002(rng, n=3, d=5, c=4):
    """output = softmax(tanh(x + b0) @ w1 + b1),  L = sum (y - output)^2 (document 002)."""
    x = tg.tensor(rng.normal(size=(n, d)))
    y = tg.tensor(np.eye(c)[rng.integers(0, c, size=n)])
    b0, w1, b1 = leaf(rng.normal(size=d)), leaf(rng.normal(size=(d, c))), leaf(rng.normal(size=c))
    L0 = (x + b0).tanh()
    L1 = L0 @ w1 + b1
    output = L1.softmax(dim=-1)
    L = ((y - output) ** 2).sum()
    names = {"b0": b0, "w1": w1, "b1": b1, "L0": L0, "L1": L1, "output": output}
    return L, names, x.data, y.data


def _doc002_by_hand(x, y, b0, w1, b1):
    """The document's chain rule, written out in numpy with explicit Jacobians."""
    L0 = np.tanh(x + b0)
    L1 = L0 @ w1 + b1
    e = np.exp(L1 - L1.max(axis=1, keepdims=True))
    s = e / e.sum(axis=1, keepdims=True)
    dL_dout = -2 * (y - s)
    # per example: J = diag(s) - s s^T, dL/dL1 = J^T dL/doutput
    dL_dL1 = np.stack([(np.diag(si) - np.outer(si, si)).T @ gi for si, gi in zip(s, dL_dout)])
    dL_dw1 = L0.T @ dL_dL1
    dL_dL0 = dL_dL1 @ w1.T
    dL_dpre = dL_dL0 * (1 - L0**2)  # tanh's Jacobian is diagonal
    return {"output": dL_dout, "L1": dL_dL1, "b1": dL_dL1.sum(axis=0), "w1": dL_dw1, "L0": dL_dL0,
            "b0": dL_dpre.sum(axis=0)}


def test_doc002_network_trace_follows_the_hand_derivation():
    L, names, x, y = _doc002(np.random.default_rng(2))
    b0, w1, b1 = names["b0"], names["w1"], names["b1"]
    hand = _doc002_by_hand(x, y, b0.data, w1.data, b1.data)
    steps = explain_steps(L, params=names)
    assert ops_of(steps) == ["sum", "pow", "sub", "softmax", "add", "matmul", "tanh", "add"]
    by_op = {}
    for s in steps:
        if s["kind"] == "op":
            by_op.setdefault(s["op"], []).append(s)

    sub, = by_op["sub"]
    assert sub["inputs"][1]["name"] == "output"
    np.testing.assert_allclose(sub["inputs"][1]["grad"], hand["output"], rtol=1e-12, atol=1e-15)
    softmax, = by_op["softmax"]
    assert "J = diag(s) - s s^T" in softmax["rule"]
    np.testing.assert_allclose(softmax["output"]["grad"], hand["output"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(softmax["inputs"][0]["grad"], hand["L1"], rtol=1e-12, atol=1e-15)
    matmul, = by_op["matmul"]
    assert "dL/dA = g @ B^T,  dL/dB = A^T @ g" in matmul["rule"]
    assert [(i["symbol"], i["name"]) for i in matmul["inputs"]] == [("A", "L0"), ("B", "w1")]
    np.testing.assert_allclose(matmul["inputs"][0]["grad"], hand["L0"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(matmul["inputs"][1]["grad"], hand["w1"], rtol=1e-12, atol=1e-15)
    tanh, = by_op["tanh"]
    assert "1 - tanh(x)^2" in tanh["rule"]
    for name in ("b0", "w1", "b1"):
        np.testing.assert_allclose(leaves_of(steps)[name], hand[name], rtol=1e-12, atol=1e-15)

    text = explain(L, params=names, print_=False)
    positions(text, [
        "output = softmax(L1)", "Backward starts from dL/dL = 1",
        "dL/d(output)", "J = diag(s) - s s^T", "dL/dL1",
        "b1 (4,) was broadcast to (3, 4); its gradient is summed over axis 0",
        "dL/dA = g @ B^T,  dL/dB = A^T @ g", "dL/dL0  (A = L0", "dL/dw1  (B = w1",
        "1 - tanh(x)^2", "dL/db0", "b0 (5,) was broadcast to (3, 5); its gradient is summed over axis 0",
        "Leaf gradients", "b0", "w1", "b1",
    ])

    # the trace's leaf gradients are what a normal backward accumulates
    L.backward()
    for name in ("b0", "w1", "b1"):
        np.testing.assert_array_equal(leaves_of(steps)[name], names[name].grad.data)


# ------------------------------------------------------------------ agreement with backward


@given(broadcastable_shapes(2, min_dims=0, max_dims=3, max_side=3), st.integers(0, 2**32 - 1))
def test_trace_leaf_gradients_equal_backward_grad(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = leaf(rng.normal(size=shapes[0]), "a"), leaf(rng.normal(size=shapes[1]), "b")
    loss = ((a * b).tanh() + a.exp() * b).sum()  # a and b each feed two ops
    steps = explain_steps(loss)
    loss.backward()
    got = leaves_of(steps)
    np.testing.assert_allclose(got["a"], a.grad.data, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(got["b"], b.grad.data, rtol=1e-13, atol=1e-15)
    leaf_steps = {s["name"]: s for s in steps if s["kind"] == "leaf"}
    assert len(leaf_steps["a"]["summed_from"]) == 2 and len(leaf_steps["b"]["summed_from"]) == 2


def test_value_used_twice_says_its_gradient_is_a_sum():
    a = leaf([1.0, 2.0], "a")
    h = a.exp()
    loss = (h * h.sin()).sum()
    steps = explain_steps(loss, params={"h": h})
    exp_step = next(s for s in steps if s.get("op") == "exp")
    assert len(exp_step["output"]["summed_from"]) == 2
    text = explain(loss, params={"h": h}, print_=False)
    assert re.search(r"h feeds 2 ops: dL/dh is the sum of their contributions \(steps \d+, \d+\)", text)
    e = np.exp([1.0, 2.0])
    np.testing.assert_allclose(exp_step["output"]["grad"], np.sin(e) + e * np.cos(e), rtol=1e-14)


def test_multi_output_op_and_given_gradient():
    x = leaf(np.arange(10.0).reshape(5, 2), "x")
    top, bottom = x.split([2, 3])
    out = top.sum(0) * bottom.sum(0)  # non-scalar: needs a gradient
    g = np.array([1.0, -2.0])
    steps = explain_steps(out, gradient=tg.tensor(g))
    assert steps[0]["given_gradient"] and np.array_equal(steps[0]["grad"], g)
    split = next(s for s in steps if s.get("op") == "split")
    assert [o["name"] for o in split["outputs"]] == ["t1[0]", "t1[1]"]
    d_top, d_bottom = g * x.data[2:].sum(0), g * x.data[:2].sum(0)  # d(u*v)/du = v
    expected = np.concatenate([np.tile(d_top, (2, 1)), np.tile(d_bottom, (3, 1))])
    np.testing.assert_allclose(leaves_of(steps)["x"], expected, rtol=1e-14)
    assert "the given gradient" in explain(out, gradient=tg.tensor(g), print_=False)


def test_large_arrays_are_summarised_by_min_mean_max_norm():
    w = leaf(np.linspace(-1.0, 2.0, 12).reshape(3, 4), "w")
    loss = (w * w).sum()
    text = explain(loss, print_=False, max_elements=6)
    g = 2 * w.data
    assert (f"dL/dw = min {g.min():.6g}, mean {g.mean():.6g}, max {g.max():.6g}, "
            f"norm {np.linalg.norm(g):.6g}") in text
    small = explain(loss, print_=False, max_elements=12)
    assert "dL/dw = [[-2, " in small


# ------------------------------------------------------------------ no side effects


def test_explain_changes_no_grad_and_keeps_the_graph():
    a, b = leaf([1.0, 2.0], "a"), leaf([3.0, -1.0], "b")
    a.grad = tg.tensor([10.0, 20.0], dtype=np.float64)
    before = a.grad
    h = a * b
    h.retain_grad()
    loss = (h * h).sum()
    explain(loss, print_=False)
    explain_steps(loss)
    assert a.grad is before and np.array_equal(a.grad.data, [10.0, 20.0])
    assert b.grad is None and h.grad is None
    loss.backward()  # the graph was retained
    np.testing.assert_allclose(a.grad.data, [10.0, 20.0] + 2 * a.data * b.data**2)
    np.testing.assert_allclose(h.grad.data, 2 * h.data)


def test_explain_after_a_freeing_backward_says_what_to_do():
    a = leaf([1.0, 2.0])
    loss = a.exp().sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"explain: .*retain_graph=True"):
        explain_steps(loss)


def test_explain_rejects_bad_input():
    with pytest.raises(RuntimeError, match="explain: .* does not require grad"):
        explain(tg.tensor([1.0, 2.0]).sum())
    with pytest.raises(ValueError, match="format must be one of"):
        explain(leaf(1.0).exp(), format="html")


# ------------------------------------------------------------------ markdown and latex


def test_markdown_output_has_a_table_per_step():
    a, b = leaf([1.0, -2.0], "a"), leaf([0.5, 3.0], "b")
    loss = (a * b).abs().sum()
    md = explain(loss, format="markdown")
    assert "### Chain-rule trace of `L`" in md
    assert "**2. `abs`**: `t2 = abs(t1)`" in md
    assert "rule: `y = |x|;   dy/dx = sign(x)   (0 at x = 0)`" in md
    assert "| | gradient | shape | values |" in md
    # inside tables, | is escaped: abs of the product is [0.5, -6] -> sign = [1, -1]
    assert "| input 0 (a) | dL/da | (2,) | [0.5, -3] |" in md
    assert "| `b` | (2,) | [1, 2] |" in md


def test_latex_output_has_partial_derivative_lines_with_rules(tmp_path):
    a = leaf(2.0, "a")
    w = leaf([[1.0, 2.0]], "w1")
    loss = (a.tanh() * w).sum()
    buf = io.StringIO()
    tex = explain(loss, format="latex", file=buf)
    assert buf.getvalue() == tex  # written when a file is given
    assert tex.startswith("\\begin{align*}") and tex.rstrip().endswith("\\end{align*}")
    assert r"\frac{\partial L}{\partial a} &= " + f"{2 * (1 - np.tanh(2.0) ** 2) * 1.5:.6g}" in tex
    assert r"\frac{\partial L}{\partial w_{1}} &= \begin{bmatrix} " in tex
    assert r"\text{y = tanh(x);   dy/dx = 1 - tanh(x)\^{}2 = 1 - y\^{}2" in tex


# ------------------------------------------------------------------ backward(explain=True)


def test_backward_explain_prints_and_accumulates_like_backward(capsys):
    a, b = leaf([1.0, 2.0], "a"), leaf([3.0, 4.0], "b")
    a.grad = tg.tensor([1.0, 1.0], dtype=np.float64)
    loss = (a * b).sum()
    assert loss.backward(explain=True) is None
    out = capsys.readouterr().out
    positions(out, ["[1] sum", "[2] mul", "dL/da = [3, 4]", "dL/db = [1, 2]"])
    np.testing.assert_array_equal(a.grad.data, [4.0, 5.0])
    np.testing.assert_array_equal(b.grad.data, [1.0, 2.0])
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()  # like backward: the graph was freed


def test_backward_explain_with_inputs_only_fills_those():
    a, b = leaf([1.0, 2.0], "a"), leaf([3.0, 4.0], "b")
    loss = (a * b).sum()
    loss.backward(inputs=[b], explain=True, retain_graph=True)
    assert a.grad is None
    np.testing.assert_array_equal(b.grad.data, [1.0, 2.0])


# ------------------------------------------------------------------ the rules themselves


def _op_classes():
    for m in pkgutil.walk_packages(tinygrad_edu.ops.__path__, "tinygrad_edu.ops."):
        mod = importlib.import_module(m.name)
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            if issubclass(cls, Function) and cls.__module__ == mod.__name__:
                yield cls


@pytest.mark.parametrize("cls", list(_op_classes()), ids=lambda c: c.__name__)
def test_every_op_docstring_states_forward_and_local_derivative(cls):
    forward, derivative = local_rule(cls)
    assert "=" in forward, forward
    # "dy/dx = ...", "dL/dA = ...", "dy_i/dx_j = ...", "dy/dx[i, c] = ..."
    assert re.search(r"\bd\w+(\[[^\]]*\])?/d", derivative), derivative


def test_custom_function_without_docstring_gets_a_placeholder_rule():
    class Cube(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * g

    x = leaf([1.0, 2.0], "x")
    steps = explain_steps(Cube.apply(x).sum())
    cube = next(s for s in steps if s.get("op") == "cube")
    assert "no docstring" in cube["rule"]
    np.testing.assert_allclose(leaves_of(steps)["x"], [3.0, 12.0])
