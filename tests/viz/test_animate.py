"""tg.viz.animate_backward / backward_frames: one frame per backward step, in the engine's
order, highlighting the node whose gradient just became final; PNG frames and GIF."""

import shutil
import sys

import numpy as np
import pytest

pytest.importorskip("graphviz", reason="graphviz Python package not installed")

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu.viz.animate import _watch_backward, animate_backward, backward_frames  # noqa: E402
from tinygrad_edu.viz.graph import _Structure  # noqa: E402

from .test_graph import parse_dot  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot binary not installed")

CURRENT_FILL = "#ff9896"


def _small():
    """loss = sum(tanh(w * x + b)): ops mul, add, tanh, sum; leaves w, b (x needs no grad)."""
    x = tg.tensor([0.5, -1.0, 2.0], dtype=tg.float64)
    w = tg.tensor([1.5, 0.5, -0.25], dtype=tg.float64, requires_grad=True)
    b = tg.tensor(0.1, dtype=tg.float64, requires_grad=True)
    w.name, b.name = "w", "b"
    loss = (w * x + b).tanh().sum()
    return x, w, b, loss


N_STEPS = 6  # 4 ops + 2 leaves


def _expected_grads(x, w, b):
    t = np.tanh(w.data * x.data + b.data)
    dz = 1 - t**2
    return dz * x.data, dz.sum()


def test_steps_follow_the_engine_order_and_carry_the_right_gradients():
    x, w, b, loss = _small()
    steps = _watch_backward(loss, _Structure([loss], None))
    assert len(steps) == N_STEPS
    ops = [type(obj).__name__.lower() for kind, obj, _ in steps if kind == "op"]
    assert ops == ["sum", "tanh", "add", "mul"]
    order = [type(obj).__name__.lower() if kind == "op" else obj.name for kind, obj, _ in steps]
    # a leaf's gradient is final only after every op that used it
    assert order.index("b") > order.index("add") and order.index("w") > order.index("mul")
    leaf_grads = {obj.name: g for kind, obj, g in steps if kind == "leaf"}
    gw, gb = _expected_grads(x, w, b)
    np.testing.assert_allclose(leaf_grads["w"], gw, rtol=1e-12)
    # b was broadcast to (3,): the leaf step receives the summed gradient
    np.testing.assert_allclose(leaf_grads["b"], gb, rtol=1e-12)
    tanh_step = next(g for kind, obj, g in steps if kind == "op" and type(obj).__name__ == "Tanh")
    np.testing.assert_array_equal(tanh_step, np.ones(3))  # d sum / d tanh output


def test_frames_highlight_the_current_node_and_show_the_gradients_known_so_far():
    x, w, b, loss = _small()
    frames = backward_frames(loss, show_data=False)
    assert len(frames) == N_STEPS
    gw, gb = _expected_grads(x, w, b)
    seen = set()
    for k, frame in enumerate(frames):
        nodes, edges, _ = parse_dot(frame.source)
        current = [n for n, a in nodes.items() if a.get("fillcolor") == CURRENT_FILL]
        assert len(current) == 1
        name = nodes[current[0]]["lines"][0]
        seen.add(name)
        assert f"backward step {k + 1}/{N_STEPS}" in frame.source
        for a in nodes.values():
            label, grad_line = a["lines"][0], a["lines"][-1]
            if label in seen or label == "output":
                assert grad_line != "grad ?", (k, label)
            else:
                assert grad_line == "grad ?", (k, label)  # not reached yet
        if name in ("mul", "add", "tanh", "sum"):
            dashed = [(t, h) for t, h, at in edges if at.get("style") == "dashed"]
            n_inputs = {"mul": 1, "add": 2, "tanh": 1, "sum": 1}[name]  # x needs no gradient
            assert len(dashed) == n_inputs and all(h == current[0] for _, h in dashed)
    last = parse_dot(frames[-1].source)[0]
    by_name = {a["lines"][0]: a["lines"] for a in last.values()}
    assert by_name["b"][-1] == f"grad {gb:.4g}"
    assert by_name["w"][-1] == "grad [" + ", ".join(f"{v:.4g}" for v in gw) + "]"


def test_animation_leaves_grads_as_they_were_and_the_graph_reusable():
    x, w, b, loss = _small()
    backward_frames(loss)
    assert w.grad is None and b.grad is None
    b.grad = before = tg.tensor(5.0, dtype=tg.float64)
    backward_frames(loss)
    assert b.grad is before and before.item() == 5.0
    b.grad = None
    loss.backward()  # the animation kept the graph (retain_graph=True)
    gw, gb = _expected_grads(x, w, b)
    np.testing.assert_allclose(w.grad.data, gw, rtol=1e-12)
    np.testing.assert_allclose(b.grad.item(), gb, rtol=1e-12)


@needs_dot
def test_png_frames_one_file_per_step(tmp_path):
    _, _, _, loss = _small()
    out = animate_backward(loss, tmp_path / "frames", format="png")
    expected = [str(tmp_path / "frames" / f"frame_{k:03d}.png") for k in range(N_STEPS)]
    assert out == expected
    names = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert names == [f"frame_{k:03d}.png" for k in range(N_STEPS)]
    for p in out:
        assert open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


@needs_dot
def test_gif_has_one_frame_per_step(tmp_path):
    image = pytest.importorskip("PIL.Image", reason="Pillow not installed")
    _, _, _, loss = _small()
    path = animate_backward(loss, tmp_path / "out" / "backward.gif", duration=0.5)
    assert path == str(tmp_path / "out" / "backward.gif")
    with image.open(path) as im:
        assert im.format == "GIF"
        assert im.n_frames == N_STEPS
        assert im.info.get("duration") == 500


def test_max_frames_guard_refuses_big_graphs_before_running(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: "/usr/bin/dot")
    _, w, _, loss = _small()
    with pytest.raises(ValueError, match="max_frames=3"):
        animate_backward(loss, tmp_path / "f", format="png", max_frames=3)
    assert not (tmp_path / "f").exists() and w.grad is None


def test_missing_dot_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    _, _, _, loss = _small()
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        animate_backward(loss, tmp_path / "a.gif")


def test_gif_without_pillow_names_the_plot_extra(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: "/usr/bin/dot")
    monkeypatch.setitem(sys.modules, "PIL", None)
    _, _, _, loss = _small()
    with pytest.raises(ImportError, match=r"tinygrad-edu\[plot\]"):
        animate_backward(loss, tmp_path / "a.gif")


def test_bad_arguments():
    x = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="no grad_fn"):
        animate_backward(x, "unused.gif")
    with pytest.raises(ValueError, match="format"):
        animate_backward(x.sum(), "unused", format="mp4")


def test_a_graph_freed_by_backward_gets_a_clear_error():
    x, w, b, loss = _small()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        backward_frames(loss)
    # the earlier backward's gradient is still there, unchanged
    np.testing.assert_allclose(w.grad.data, _expected_grads(x, w, b)[0], rtol=1e-12)
