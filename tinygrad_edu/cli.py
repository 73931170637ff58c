"""Command line: ``python -m tinygrad_edu demo`` (also the ``tinygrad-edu`` script).

The demo trains an MLP on the real 8x8 handwritten digits, prints the test accuracy, and
writes what the project is for: the computation graph of the loss (``graph.svg``), the
chain-rule trace of its backward pass (``trace.md``) and the loss curve (``loss.png``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def _progress(items: Iterable[Any], total: int, desc: str, enabled: bool) -> Iterable[Any]:
    """A tqdm progress bar when tqdm is installed (the ``all`` extra), else the items as they are."""
    if enabled:
        try:
            from tqdm import tqdm
        except ImportError:
            pass
        else:
            return tqdm(items, total=total, desc=desc, leave=False, file=sys.stdout)
    return items


def demo(out: str = "tinygrad_edu_out", epochs: int = 20, seed: int = 0, progress: bool = True) -> dict:
    """Train the digits MLP and write graph.svg, trace.md and loss.png to ``out``."""
    import tinygrad_edu as tg
    from tinygrad_edu import nn, optim
    from tinygrad_edu.data import DataLoader, TensorDataset, random_split
    from tinygrad_edu.data.datasets import load_digits

    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    tg.manual_seed(seed)
    X, y = load_digits()
    train_set, test_set = random_split(TensorDataset(X, y), [0.8, 0.2])
    Xte, yte = X[test_set.indices], y[test_set.indices]
    loader = DataLoader(train_set, batch_size=32, shuffle=True)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    print(f"Training {model!r}\non {len(train_set)} digits, testing on {len(test_set)}.")

    losses: list[float] = []
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        total = 0.0
        for xb, yb in _progress(loader, len(loader), f"epoch {epoch}", progress):
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            total += loss.item() * len(yb)
        with tg.no_grad():
            acc = (model(Xte).argmax(dim=1) == yte).float().mean().item()
        print(f"epoch {epoch:2d}/{epochs}  train loss {total / len(train_set):.4f}  test accuracy {acc:.4f}")
    print(f"test accuracy: {acc:.4f}  ({time.perf_counter() - t0:.1f} s)")

    # The graph and the trace of one small batch: small enough to read.
    xb, yb = X[:4], y[:4]
    with tg.viz.record_modules(model):
        loss = loss_fn(model(xb), yb)
    params = dict(model.named_parameters())
    graph = tg.viz.draw_graph(loss, params=params, cluster_modules=True)
    graph_path = tg.viz.render(graph, str(out_dir / "graph"), format="svg")
    trace = tg.viz.explain(loss, format="markdown", params=params)
    (out_dir / "trace.md").write_text(trace, encoding="utf-8")
    loss_path = out_dir / "loss.png"
    tg.viz.plot_loss_curves({"train loss (per batch)": losses}, str(loss_path))
    print(f"wrote {graph_path}, {out_dir / 'trace.md'}, {loss_path}")
    return {"test_accuracy": acc, "graph": str(graph_path), "trace": str(out_dir / "trace.md"),
            "loss_plot": str(loss_path)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tinygrad-edu", description="tinygrad_edu command line")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="train an MLP on the digits and draw its graph, trace and loss curve")
    d.add_argument("--out", default="tinygrad_edu_out", help="output folder (default: ./tinygrad_edu_out)")
    d.add_argument("--epochs", type=int, default=20)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--no-progress", action="store_true", help="plain epoch lines only")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo(args.out, args.epochs, args.seed, progress=not args.no_progress)
    return 0
