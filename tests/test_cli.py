"""The main job: ``python -m tinygrad_edu demo`` trains, reports and writes its three files."""

import shutil
import subprocess
import sys

import pytest

pytest.importorskip("sklearn", reason="scikit-learn not installed: the demo trains on its digits")
pytest.importorskip("matplotlib", reason="matplotlib not installed: the demo plots the loss curve")
pytest.importorskip("graphviz", reason="graphviz (python package) not installed: the demo draws the graph")


def test_demo_trains_and_writes_graph_trace_and_loss_curve(tmp_path, capsys):
    from tinygrad_edu.cli import main

    assert main(["demo", "--out", str(tmp_path), "--epochs", "3", "--no-progress"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("epoch")]
    assert len(lines) == 3
    acc = float(out.split("test accuracy: ")[1].split()[0])
    assert acc > 0.85  # three epochs of Adam on the digits
    trace = (tmp_path / "trace.md").read_text()
    assert "Chain-rule trace" in trace and "linear" in trace and "0.weight" in trace
    assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if shutil.which("dot"):
        assert "<svg" in (tmp_path / "graph.svg").read_text()
    else:  # without Graphviz the source is written instead, with a hint
        assert (tmp_path / "graph.dot").exists()


def test_module_entry_point_runs(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "demo", "--out", str(tmp_path), "--epochs", "1",
         "--no-progress"],
        capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert "test accuracy:" in res.stdout
    assert (tmp_path / "trace.md").exists()
