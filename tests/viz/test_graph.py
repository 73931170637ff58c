"""tg.viz.draw_graph: structure (nodes, edges, labels, clusters, highlight) read back from
the DOT source, real rendering with the dot binary, the fallback without it, Jupyter."""

import re
import shutil
import threading
import time
import warnings

import numpy as np
import pytest

graphviz = pytest.importorskip("graphviz", reason="graphviz Python package not installed")

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import nn  # noqa: E402
from tinygrad_edu.viz import graph as viz_graph  # noqa: E402
from tinygrad_edu.viz.graph import draw_graph, record_modules, render  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot binary not installed")

RED = "#d62728"


# --------------------------------------------------------------------------- DOT reader
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')


def _attrs(text):
    out = {}
    for k, v in _ATTR.findall(text or ""):
        if v.startswith('"'):
            v = v[1:-1].replace('\\"', '"')
        out[k] = v
    return out


def parse_dot(source):
    """Nodes {name: attrs (label split into lines)}, edges [(tail, head, attrs)], clusters
    {label: (set of node names directly inside, parent label)} from graphviz's output."""
    nodes, edges, clusters = {}, [], {}
    stack = []  # open clusters: [label, members]
    for raw in source.splitlines():
        line = raw.strip()
        m = re.match(r'^subgraph "?(cluster_[^"]*)"? \{$', line)
        if m:
            stack.append([None, set(), stack[-1][0] if stack else None])
            continue
        if line == "}":
            if stack:
                label, members, parent = stack.pop()
                clusters[label] = (members, parent)
            continue
        m = re.match(r"^(\w+) -> (\w+)(?: \[(.*)\])?$", line)
        if m:
            edges.append((m.group(1), m.group(2), _attrs(m.group(3))))
            continue
        m = re.match(r"^(\w+) \[(.*)\]$", line)
        if m and m.group(1) not in ("graph", "node", "edge"):
            a = _attrs(m.group(2))
            a["lines"] = a.get("label", "").split("\\n")
            nodes[m.group(1)] = a
            if stack:
                stack[-1][1].add(m.group(1))
            continue
        if stack and re.match(r"^\w+=", line):  # the cluster's own attributes
            stack[-1][0] = _attrs(line).get("label", stack[-1][0])
    return nodes, edges, clusters


def by_first_line(nodes, first):
    return [n for n, a in nodes.items() if a["lines"][0] == first]


def one(nodes, first):
    found = by_first_line(nodes, first)
    assert len(found) == 1, (first, found)
    return found[0]


def g4(x):
    return f"{float(x):.4g}"


# --------------------------------------------------------------------------- structure
def test_small_graph_has_a_node_per_tensor_and_op_and_an_edge_per_use():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = tg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    x.name, w.name = "x", "w"
    y = (x * w).sum()
    nodes, edges, _ = parse_dot(draw_graph(y).source)
    assert len(nodes) == 5  # x, w, mul, sum, output
    assert len(edges) == 4
    xs, ws, mul, sm, out = one(nodes, "x"), one(nodes, "w"), one(nodes, "mul"), one(nodes, "sum"), one(
        nodes, "output")
    assert {(t, h) for t, h, _ in edges} == {(xs, mul), (ws, mul), (mul, sm), (sm, out)}
    assert nodes[mul]["lines"][1] == "(3,)"
    assert nodes[sm]["lines"][1] == "()"
    # ops and tensors look different
    assert nodes[mul]["shape"] == "ellipse" and nodes[xs]["shape"] == "box"
    assert nodes[mul]["fillcolor"] != nodes[xs]["fillcolor"] != nodes[out]["fillcolor"]


def test_an_input_used_twice_gets_two_edges_to_the_op():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges, _ = parse_dot(draw_graph((x * x).sum()).source)
    assert len(nodes) == 4
    mul = one(nodes, "mul")
    assert [(t, h) for t, h, _ in edges].count((one(nodes, "leaf"), mul)) == 2


def test_list_of_roots_draws_one_output_node_each_and_shares_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    a, b = h.sum(), (h * 2.0).mean()
    nodes, edges, _ = parse_dot(draw_graph([a, b]).source)
    assert len(by_first_line(nodes, "exp")) == 1
    assert len(by_first_line(nodes, "output")) == 2
    assert len(by_first_line(nodes, "leaf")) == 1


def test_root_that_is_a_leaf_is_a_single_node():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges, _ = parse_dot(draw_graph(x).source)
    assert len(nodes) == 1 and edges == []


def test_tensor_label_shows_name_shape_dtype_value_and_grad_after_backward():
    x = tg.tensor(3.0, dtype=tg.float64, requires_grad=True)
    x.name = "x"
    big = tg.tensor(np.linspace(-2.0, 5.0, 12).reshape(3, 4), dtype=tg.float32, requires_grad=True)
    big.name = "big"
    loss = (x * x) + (big * big).sum()
    nodes, _, _ = parse_dot(draw_graph(loss).source)
    xl = nodes[one(nodes, "x")]["lines"]
    assert xl == ["x", "() float64", "3"]  # no grad line before backward
    bl = nodes[one(nodes, "big")]["lines"]
    d = big.data
    assert bl[1] == "(3, 4) float32"
    assert bl[2] == f"min {g4(d.min())} | mean {g4(d.mean())} | max {g4(d.max())}"

    loss.backward()
    nodes, _, _ = parse_dot(draw_graph(loss).source)
    assert nodes[one(nodes, "x")]["lines"][3] == "grad 6"  # d(x^2)/dx = 2x
    g = 2 * d
    expected = f"grad min {g4(g.min())} | mean {g4(g.mean())} | max {g4(g.max())}"
    assert nodes[one(nodes, "big")]["lines"][3] == expected


def test_small_tensors_show_their_values_up_to_max_label_elements():
    x = tg.tensor([1.0, -2.5, 4.0], requires_grad=True)
    x.name = "x"
    y = x.sum()
    assert parse_dot(draw_graph(y).source)[0]["n0"]["lines"][2] == "[1, -2.5, 4]"
    lines = parse_dot(draw_graph(y, max_label_elements=2).source)[0]["n0"]["lines"]
    assert lines[2] == f"min -2.5 | mean {g4(np.mean([1.0, -2.5, 4.0]))} | max 4"


def test_show_data_and_show_grad_hide_values_and_gradients():
    w = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w.name = "w"
    loss = (w * 3.0).sum()
    loss.backward()
    nodes = parse_dot(draw_graph(loss).source)[0]
    assert nodes[one(nodes, "w")]["lines"] == ["w", "(2, 2) float32", "[1, 2, 3, 4]", "grad [3, 3, 3, 3]"]
    nodes = parse_dot(draw_graph(loss, show_data=False).source)[0]
    assert nodes[one(nodes, "w")]["lines"] == ["w", "(2, 2) float32", "grad [3, 3, 3, 3]"]
    nodes = parse_dot(draw_graph(loss, show_grad=False).source)[0]
    assert nodes[one(nodes, "w")]["lines"] == ["w", "(2, 2) float32", "[1, 2, 3, 4]"]
    nodes = parse_dot(draw_graph(loss, show_data=False, show_grad=False).source)[0]
    assert all(not any(ln.startswith(("grad", "[", "min")) for ln in a["lines"]) for a in nodes.values())


def test_params_label_parameters_by_module_path():
    tg.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3, 4)
            self.fc2 = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc2(self.fc1(x).relu())

    model = Net()
    loss = model(tg.randn(5, 3)).sum()
    nodes, _, _ = parse_dot(draw_graph(loss, params=dict(model.named_parameters())).source)
    for name, p in model.named_parameters():
        lines = nodes[one(nodes, name)]["lines"]
        assert lines[1] == f"{tuple(p.shape)} float32"
    assert nodes[one(nodes, "fc1.weight")]["fillcolor"] != nodes[one(nodes, "output")]["fillcolor"]
    # without params, parameters get a generic name
    nodes, _, _ = parse_dot(draw_graph(loss).source)
    assert len(by_first_line(nodes, "parameter")) == 4


def test_params_can_name_an_intermediate_tensor():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    loss = h.sum()
    nodes, _, _ = parse_dot(draw_graph(loss, params={"h": h}).source)
    lines = nodes[one(nodes, "h")]["lines"]
    assert lines[:3] == ["h", "exp", "(2,)"]
    assert lines[3] == f"[{g4(np.exp(1.0))}, {g4(np.exp(2.0))}]"


def test_retain_grad_shows_an_intermediate_gradient():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2.0
    h.retain_grad()
    loss = (h * h).sum()
    loss.backward()
    nodes, _, _ = parse_dot(draw_graph(loss).source)
    mul_nodes = [nodes[n]["lines"] for n in by_first_line(nodes, "mul")]
    with_grad = [ln for ln in mul_nodes if ln[-1].startswith("grad")]
    assert len(with_grad) == 1
    hv = 2 * np.array([1.0, 2.0, 3.0])
    assert with_grad[0][-1] == "grad [" + ", ".join(g4(v) for v in 2 * hv) + "]"  # dL/dh = 2h


def test_op_labels_are_the_op_names_of_an_mlp():
    tg.manual_seed(1)
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    loss = model(tg.randn(4, 6)).sum()
    nodes, edges, _ = parse_dot(draw_graph(loss).source)
    ops = sorted(a["lines"][0] for a in nodes.values() if a["shape"] == "ellipse")
    # Linear = x @ W.T + b is one op (ops.linalg.Linear); twice, then relu and sum
    assert ops == sorted(["linear"] * 2 + ["relu", "sum"])
    assert len(nodes) == 4 + 4 + 1  # ops, parameters, output
    # weight and bias into each linear (4), linear -> relu -> linear -> sum -> output (4)
    assert len(edges) == 8


def test_rankdir_is_passed_and_checked():
    x = tg.tensor([1.0], requires_grad=True)
    assert "rankdir=TB" in draw_graph(x.sum(), rankdir="TB").source
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(x.sum(), rankdir="UP")


def test_bad_arguments_raise_clear_errors():
    x = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="root must be a Tensor"):
        draw_graph(3.0)
    with pytest.raises(TypeError, match="params must map names to Tensors"):
        draw_graph(x.sum(), params={"w": np.ones(1)})
    with pytest.raises(ValueError, match="not part of this graph"):
        draw_graph(x.sum(), highlight=tg.tensor([2.0], requires_grad=True))


# --------------------------------------------------------------------------- broadcasting
def _edge_labels(loss):
    nodes, edges, _ = parse_dot(draw_graph(loss, show_data=False).source)
    return nodes, {(nodes[t]["lines"][0], nodes[h]["lines"][0]): a.get("label") for t, h, a in edges}


def test_bias_broadcast_edge_is_labelled():
    x = tg.randn(32, 10, requires_grad=True)
    b = tg.zeros(10, requires_grad=True)
    x.name, b.name = "x", "b"
    _, labels = _edge_labels((x + b).sum())
    assert labels[("b", "add")] == "broadcast (10,) -> (32, 10)"
    assert labels[("x", "add")] is None
    assert labels[("add", "sum")] is None  # a reduction is not a broadcast


def test_size_one_axis_broadcast_edge_is_labelled():
    a = tg.randn(32, 1, requires_grad=True)
    c = tg.randn(32, 10, requires_grad=True)
    a.name, c.name = "a", "c"
    _, labels = _edge_labels((a * c).sum())
    assert labels[("a", "mul")] == "broadcast (32, 1) -> (32, 10)"
    assert labels[("c", "mul")] is None


def test_shape_ops_are_not_mistaken_for_broadcasting():
    x = tg.randn(3, requires_grad=True)
    x.name = "x"
    _, labels = _edge_labels(x.reshape(1, 3).sum())  # (3,) -> (1, 3) would fit broadcasting rules
    assert labels[("x", "reshape")] is None


def test_matmul_labels_only_batch_broadcasting():
    a = tg.randn(2, 3, 4, requires_grad=True)
    w = tg.randn(4, 5, requires_grad=True)
    a.name, w.name = "a", "w"
    _, labels = _edge_labels((a @ w).sum())
    assert labels[("w", "matmul")] == "broadcast (4, 5) -> (2, 4, 5)"
    assert labels[("a", "matmul")] is None
    # an outer product changes shapes but broadcasts nothing
    u = tg.randn(5, 1, requires_grad=True)
    v = tg.randn(1, 5, requires_grad=True)
    u.name, v.name = "u", "v"
    _, labels = _edge_labels((u @ v).sum())
    assert labels[("u", "matmul")] is None and labels[("v", "matmul")] is None


# --------------------------------------------------------------------------- highlight
def test_highlight_marks_exactly_the_path_from_the_leaf_to_the_output():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    c = tg.tensor([0.5, 0.5], requires_grad=True)
    a.name, b.name, c.name = "a", "b", "c"
    loss = (a * b + c.exp()).sum()
    nodes, edges, _ = parse_dot(draw_graph(loss, highlight=c).source)
    red = {nodes[n]["lines"][0] for n, at in nodes.items() if at.get("color") == RED}
    thick = {nodes[n]["lines"][0] for n, at in nodes.items() if at.get("penwidth") == "3"}
    assert red == thick == {"c", "exp", "add", "sum", "output"}
    red_edges = {(nodes[t]["lines"][0], nodes[h]["lines"][0]) for t, h, at in edges if at.get("color") == RED}
    assert red_edges == {("c", "exp"), ("exp", "add"), ("add", "sum"), ("sum", "output")}
    assert all(at.get("penwidth") == "3" for t, h, at in edges if at.get("color") == RED)


def test_highlight_a_leaf_used_twice_covers_both_paths():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    a.name, b.name = "a", "b"
    loss = (a.exp() + a * b).sum()
    nodes, edges, _ = parse_dot(draw_graph(loss, highlight=a).source)
    red = {nodes[n]["lines"][0] for n, at in nodes.items() if at.get("color") == RED}
    assert red == {"a", "exp", "mul", "add", "sum", "output"}
    assert nodes[one(nodes, "b")].get("color") != RED


# --------------------------------------------------------------------------- modules
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(4, 4)
        self.act = nn.Tanh()

    def forward(self, x):
        # the "* 2" sits between two sub-modules: found only by walking through act's ops
        return self.act(self.layer1(x) * 2.0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Block()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(self.encoder(x) + 1.0)


def _cluster_ops(nodes, clusters, label):
    return sorted(nodes[n]["lines"][0] for n in clusters[label][0])


def test_cluster_modules_groups_ops_by_module_path():
    tg.manual_seed(2)
    model = Net()
    with record_modules(model):
        loss = model(tg.randn(3, 4)).sum()
    g = draw_graph(loss, params=dict(model.named_parameters()), cluster_modules=True, show_data=False)
    nodes, _, clusters = parse_dot(g.source)
    assert set(clusters) == {"encoder", "encoder.layer1", "encoder.act", "fc"}
    assert clusters["encoder.layer1"][1] == "encoder" and clusters["encoder.act"][1] == "encoder"
    assert clusters["fc"][1] is None
    assert _cluster_ops(nodes, clusters, "encoder.layer1") == sorted(
        ["encoder.layer1.weight", "encoder.layer1.bias", "linear"])
    assert _cluster_ops(nodes, clusters, "encoder.act") == ["tanh"]
    assert _cluster_ops(nodes, clusters, "encoder") == ["mul"]  # the "* 2" of Block.forward
    assert _cluster_ops(nodes, clusters, "fc") == sorted(["fc.weight", "fc.bias", "linear"])
    inside = set().union(*(m for m, _ in clusters.values()))
    outside = sorted(a["lines"][0] for n, a in nodes.items() if n not in inside)
    assert outside == ["add", "output", "sum"]  # "+ 1" in Net.forward, then .sum() outside any module


def test_sequential_layers_and_loss_modules_get_clusters():
    tg.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with record_modules(model):
        loss = nn.MSELoss()(model(tg.randn(5, 3)), tg.randn(5, 2))
    nodes, _, clusters = parse_dot(draw_graph(loss, cluster_modules=True).source)
    assert set(clusters) == {"0", "1", "2", "MSELoss"}
    assert _cluster_ops(nodes, clusters, "1") == ["relu"]
    assert "sub" in _cluster_ops(nodes, clusters, "MSELoss")


def test_a_module_does_not_claim_ops_made_before_it_was_called():
    x = tg.randn(2, 3, requires_grad=True)
    lin = nn.Linear(3, 3)
    with record_modules(lin):
        h = x * 2.0  # outside any module
        y = lin(h)
    assert getattr(h.grad_fn, "_scope", None) is None
    assert y.grad_fn._scope == ""  # the recorded model itself is the root path
    # a shared module called twice tags both calls with its one path
    model = nn.Sequential(nn.Linear(3, 3))
    with record_modules(model):
        z = model[0](model[0](x))
    assert z.grad_fn._scope == "0" and z.grad_fn.next_functions[0][0]._scope == "0"


class _AddsMemory(nn.Module):
    def forward(self, x):
        return x + self.memory  # a tensor made earlier, not passed as an input


def test_a_module_stops_at_ops_of_earlier_module_calls():
    x = tg.randn(2, 3, requires_grad=True)
    model = nn.Sequential(nn.Linear(3, 3), _AddsMemory())
    with record_modules(model):
        pre = x * 3.0  # top level, before any module call
        mem = model[0](pre)
        model[1].memory = mem
        y = model[1](tg.randn(2, 3, requires_grad=True))
    assert y.grad_fn._scope == "1"
    assert mem.grad_fn._scope == "0"
    assert getattr(pre.grad_fn, "_scope", None) is None


def test_recording_is_off_outside_the_block_and_in_other_threads():
    lin = nn.Linear(2, 2)
    x = tg.randn(1, 2)
    assert getattr(lin(x).grad_fn, "_scope", None) is None
    seen = []
    with record_modules(lin):
        t = threading.Thread(target=lambda: seen.append(getattr(lin(x).grad_fn, "_scope", None)))
        t.start()
        t.join()
        assert lin(x).grad_fn._scope == ""
    assert seen == [None]
    assert getattr(lin(x).grad_fn, "_scope", None) is None


def test_cluster_modules_without_recording_warns_and_draws_no_clusters():
    lin = nn.Linear(2, 2)
    loss = lin(tg.randn(3, 2)).sum()
    with pytest.warns(UserWarning, match="record_modules"):
        g = draw_graph(loss, cluster_modules=True)
    assert parse_dot(g.source)[2] == {}


def test_scopes_are_ignored_unless_cluster_modules_is_set():
    model = nn.Sequential(nn.Linear(2, 2))
    with record_modules(model):
        loss = model(tg.randn(3, 2)).sum()
    assert parse_dot(draw_graph(loss).source)[2] == {}


# --------------------------------------------------------------------------- large graphs
def _mlp_loss(batch):
    tg.manual_seed(4)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    x = tg.randn(batch, 64)
    y = tg.randint(0, 10, (batch,))
    return nn.CrossEntropyLoss()(model(x), y)


def _cnn_loss(batch):
    tg.manual_seed(5)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 2 * 2, 10),
    )
    return nn.CrossEntropyLoss()(model(tg.randn(batch, 1, 8, 8)), tg.randint(0, 10, (batch,)))


def _count_graph_nodes(loss):
    """Distinct autograd nodes (ops and leaves), counted by walking next_functions."""
    seen, stack = set(), [loss.grad_fn]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        stack.extend(e[0] for e in n.next_functions if e is not None)
    return len(seen)


@pytest.mark.parametrize("make", [_mlp_loss, _cnn_loss], ids=["mlp", "cnn"])
def test_large_graphs_have_one_node_per_op_not_per_element(make):
    small, large = make(2), make(128)
    n_small = len(parse_dot(draw_graph(small).source)[0])
    n_large = len(parse_dot(draw_graph(large).source)[0])
    assert n_small == n_large == _count_graph_nodes(large) + 1  # + the output box
    assert n_large < 60


@needs_dot
def test_cnn_graph_renders_quickly(tmp_path):
    loss = _cnn_loss(128)
    loss.backward()
    start = time.perf_counter()
    out = render(draw_graph(loss), tmp_path / "cnn", format="svg")
    assert time.perf_counter() - start < 10
    assert "<svg" in open(out, encoding="utf-8").read()


# --------------------------------------------------------------------------- rendering
def _small_graph():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    w.name = "weights"
    return draw_graph((w.exp() * 3.0).sum())


@needs_dot
def test_render_writes_svg_with_the_labels(tmp_path):
    out = render(_small_graph(), tmp_path / "sub" / "graph", format="svg")
    assert out == str(tmp_path / "sub" / "graph.svg")
    text = open(out, encoding="utf-8").read()
    assert "<svg" in text and "weights" in text and "exp" in text
    assert not (tmp_path / "sub" / "graph").exists()  # the intermediate source is cleaned up


@needs_dot
def test_render_accepts_a_path_with_the_extension_and_writes_png(tmp_path):
    out = render(_small_graph(), tmp_path / "graph.png", format="png")
    assert out == str(tmp_path / "graph.png")
    assert open(out, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


@needs_dot
def test_digraph_render_method_works_as_api_md_says(tmp_path):
    out = _small_graph().render(str(tmp_path / "g"), format="svg")
    assert "<svg" in open(out, encoding="utf-8").read()


def test_render_without_dot_writes_the_source_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    g = _small_graph()
    with pytest.warns(UserWarning, match="apt-get install graphviz") as rec:
        out = render(g, tmp_path / "graph", format="svg")
    msg = str(rec[0].message)
    assert "brew install graphviz" in msg and "conda install graphviz" in msg
    assert out == str(tmp_path / "graph.dot")
    assert open(out, encoding="utf-8").read() == g.source
    assert not (tmp_path / "graph.svg").exists()


def test_render_falls_back_when_graphviz_cannot_run_dot(tmp_path, monkeypatch):
    g = _small_graph()
    monkeypatch.setattr(shutil, "which", lambda *a, **k: "/usr/bin/dot")

    def broken(*a, **k):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(g, "render", broken)
    with pytest.warns(UserWarning, match="Graphviz"):
        out = render(g, tmp_path / "graph", format="png")
    assert out == str(tmp_path / "graph.dot")
    assert open(out, encoding="utf-8").read() == g.source


# --------------------------------------------------------------------------- Jupyter
@needs_dot
def test_jupyter_repr_of_a_tensor_with_a_graph_is_svg():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    bundle = y._repr_mimebundle_()
    assert bundle["text/plain"] == repr(y)
    assert "<svg" in bundle["image/svg+xml"] and "mul" in bundle["image/svg+xml"]
    assert "<svg" in bundle["text/html"]


def test_jupyter_repr_falls_back_to_text_without_a_graph_or_without_dot(monkeypatch):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    bundle = x._repr_mimebundle_()
    assert bundle["text/plain"] == repr(x) and "image/svg+xml" not in bundle
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    y = x.sum()
    bundle = y._repr_mimebundle_()
    assert bundle["text/plain"] == repr(y) and "image/svg+xml" not in bundle
    assert "<svg" not in bundle["text/html"]


def test_jupyter_repr_never_raises(monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("dot crashed")

    monkeypatch.setattr(shutil, "which", lambda *a, **k: "/usr/bin/dot")
    monkeypatch.setattr(viz_graph, "draw_graph", boom)
    y = tg.tensor([1.0], requires_grad=True).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bundle = y._repr_mimebundle_()
    assert "image/svg+xml" not in bundle


def test_digraph_displays_itself_in_jupyter():
    assert hasattr(_small_graph(), "_repr_mimebundle_")


def test_viz_namespace_exports():
    for name in ("draw_graph", "render", "record_modules", "animate_backward", "backward_frames"):
        assert callable(getattr(tg.viz, name))
