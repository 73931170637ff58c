"""Training benchmark (issue: digits/MNIST-shaped MLP epoch and a small CNN step).

(a) one epoch of a 784-256-10 ReLU MLP (cross-entropy, plain SGD, batch 128, float32)
    over 60,000 MNIST-shaped random samples, fed by ``DataLoader(TensorDataset(...),
    shuffle=True)``; against the same epoch written by hand in numpy and against PyTorch
    (with its own DataLoader, and with batches cut from a random permutation);
(b) one training step of a LeNet-style CNN on a batch of 64 1x28x28 images:
    conv 1->8 3x3, relu, maxpool 2, conv 8->16 3x3, relu, maxpool 2, flatten, linear -> 10,
    cross-entropy, SGD; against PyTorch and a hand-written numpy im2col version.
    Target: within 2x of PyTorch on one CPU thread.

Before any timing, all systems start from the same weights, train on the same batches
and must report the same losses (float32 tolerance).

Timings: every round times each system once, in turn, so that a burst of load on a shared
machine hits all of them alike. The table shows the medians over rounds of the wall time
and of the CPU time (``time.process_time``, a cross-check less sensitive to other
processes), and tinygrad_edu's time divided by each system's, taken within each round
(wall, then CPU; median over rounds): above 1x means tinygrad_edu is slower.

Run:  python benchmarks/bench_training.py [--quick]
"""

from __future__ import annotations

import os

# one BLAS/OpenMP thread for every system, set before numpy (or torch) is imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_reference import NumpyCNN, NumpyMLP, numpy_mlp_epoch  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402
from tinygrad_edu.data import DataLoader, TensorDataset  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

LR = 0.05
MLP_SAMPLES, MLP_BATCH = 60_000, 128
CNN_BATCH = 64
LOSS_TOL = 1e-4  # float32 losses of ~2.3 that went through different summation orders
OURS = "tinygrad_edu"


def _torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def compare(fns: dict[str, Callable[[], object]], repeats: int, number: int) -> dict[str, dict[str, float]]:
    """Time every function ``number`` times per round, all of them in each of ``repeats`` rounds.

    Returns, per name: median wall and CPU seconds per call, and the medians over rounds
    of (its time / the first function's time in that round), for wall and CPU time.
    """
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(number):
                fn()
            wall[name].append((time.perf_counter() - t0) / number)
            cpu[name].append((time.process_time() - c0) / number)
    first = next(iter(fns))
    return {
        name: {
            "wall": statistics.median(wall[name]),
            "cpu": statistics.median(cpu[name]),
            "vs_first": statistics.median(t / f for t, f in zip(wall[name], wall[first])),
            "cpu_vs_first": statistics.median(t / f for t, f in zip(cpu[name], cpu[first])),
        }
        for name in fns
    }


def print_table(title: str, res: dict[str, dict[str, float]], unit: str, scale: float) -> None:
    print(title)
    print(f"  {'system':<27}{'wall ' + unit:>9}{'cpu ' + unit:>9}   {OURS + ' / system (wall, cpu)':>34}")
    for name, r in res.items():
        ratios = f"{1 / r['vs_first']:.2f}x, {1 / r['cpu_vs_first']:.2f}x"
        print(f"  {name:<27}{r['wall'] * scale:>9.2f}{r['cpu'] * scale:>9.2f}   {ratios:>34}")


# ------------------------------------------------------------------ (a) MLP epoch


def make_mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def mlp_numpy_params(model: nn.Module) -> tuple[np.ndarray, ...]:
    """Our Linear layers' weights in the x @ W layout of ``NumpyMLP``."""
    l1, l2 = model[0], model[2]
    return l1.weight.data.T, l1.bias.data, l2.weight.data.T, l2.bias.data


def torch_mlp(torch, model: nn.Module):  # noqa: ANN001, ANN201
    tm = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(model.named_parameters(), tm.named_parameters()):
            assert name == tname, (name, tname)
            tp.copy_(torch.from_numpy(p.data.copy()))
    return tm


def bench_mlp_epoch(repeats: int) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(0)
    x = rng.random((MLP_SAMPLES, 784), dtype=np.float32)
    y = rng.integers(0, 10, MLP_SAMPLES)
    tg.manual_seed(0)
    model = make_mlp()
    start = [p.data.copy() for p in model.parameters()]
    opt = optim.SGD(model.parameters(), lr=LR)
    loader = DataLoader(TensorDataset(tg.tensor(x), tg.tensor(y)), batch_size=MLP_BATCH, shuffle=True)
    ref = NumpyMLP(*mlp_numpy_params(model))
    torch = _torch()
    tm = torch_mlp(torch, model) if torch is not None else None

    def ours_step(xb: tg.Tensor, yb: tg.Tensor) -> float:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    # same weights, same batches (those our loader yields) -> same losses, step after step
    if tm is not None:
        topt = torch.optim.SGD(tm.parameters(), lr=LR)
    for step, (xb, yb) in enumerate(loader):
        if step == 3:
            break
        ours = ours_step(xb, yb)
        theirs = {"numpy": ref.step(xb.numpy(), yb.numpy(), LR)}
        if tm is not None:
            loss = torch.nn.functional.cross_entropy(tm(torch.from_numpy(xb.numpy())),
                                                     torch.from_numpy(yb.numpy()))
            topt.zero_grad()
            loss.backward()
            topt.step()
            theirs["torch"] = loss.item()
        for name, v in theirs.items():
            assert abs(v - ours) < LOSS_TOL, f"MLP step {step}: {OURS} loss {ours} != {name} loss {v}"
    with tg.no_grad():  # the timed epochs start from the common weights again
        for p, s in zip(model.parameters(), start):
            p.copy_(tg.tensor(s))
    ref = NumpyMLP(*mlp_numpy_params(model))

    def ours_epoch() -> None:
        for xb, yb in loader:
            ours_step(xb, yb)

    np_rng = np.random.default_rng(1)
    fns: dict[str, Callable[[], object]] = {
        OURS: ours_epoch,
        "numpy (by hand)": lambda: numpy_mlp_epoch(ref, x, y, MLP_BATCH, LR, np_rng),
    }
    if torch is not None:
        tm = torch_mlp(torch, model)
        topt = torch.optim.SGD(tm.parameters(), lr=LR)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        tloader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(tx, ty), batch_size=MLP_BATCH,
                                              shuffle=True)

        def torch_step(xb, yb) -> None:  # noqa: ANN001
            loss = torch.nn.functional.cross_entropy(tm(xb), yb)
            topt.zero_grad()
            loss.backward()
            topt.step()

        def torch_epoch_loader() -> None:
            for xb, yb in tloader:
                torch_step(xb, yb)

        def torch_epoch_slices() -> None:
            order = torch.randperm(MLP_SAMPLES)
            for s in range(0, MLP_SAMPLES, MLP_BATCH):
                idx = order[s : s + MLP_BATCH]
                torch_step(tx[idx], ty[idx])

        fns["PyTorch (DataLoader)"] = torch_epoch_loader
        fns["PyTorch (randperm slices)"] = torch_epoch_slices
    return compare(fns, repeats, 1)


# ------------------------------------------------------------------ (b) CNN step


def make_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),   # (N, 8, 13, 13)
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),  # (N, 16, 5, 5)
        nn.Flatten(), nn.Linear(16 * 5 * 5, 10),
    )


def torch_cnn(torch, model: nn.Module):  # noqa: ANN001, ANN201
    tnn = torch.nn
    tm = tnn.Sequential(tnn.Conv2d(1, 8, 3), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Conv2d(8, 16, 3), tnn.ReLU(),
                        tnn.MaxPool2d(2), tnn.Flatten(), tnn.Linear(16 * 5 * 5, 10))
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(model.named_parameters(), tm.named_parameters()):
            assert name == tname, (name, tname)
            tp.copy_(torch.from_numpy(p.data.copy()))
    return tm


def bench_cnn_step(repeats: int, number: int) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(2)
    batches = [(rng.random((CNN_BATCH, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, CNN_BATCH))
               for _ in range(3)]
    tg.manual_seed(0)
    model = make_cnn()
    weights = [p.data.copy() for p in model.parameters()]
    opt = optim.SGD(model.parameters(), lr=LR)
    ref = NumpyCNN(*weights)
    torch = _torch()
    if torch is not None:
        tm = torch_cnn(torch, model)
        topt = torch.optim.SGD(tm.parameters(), lr=LR)

    def ours_step(x: tg.Tensor, y: tg.Tensor) -> float:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    def torch_step(x, y) -> float:  # noqa: ANN001
        loss = torch.nn.functional.cross_entropy(tm(x), y)
        topt.zero_grad()
        loss.backward()
        topt.step()
        return loss.item()

    # three steps on three batches from the same weights: the losses must agree
    for step, (xb, yb) in enumerate(batches):
        ours = ours_step(tg.tensor(xb), tg.tensor(yb))
        theirs = {"numpy": ref.step(xb, yb, LR)}
        if torch is not None:
            theirs["torch"] = torch_step(torch.from_numpy(xb), torch.from_numpy(yb))
        for name, v in theirs.items():
            assert abs(v - ours) < LOSS_TOL, f"CNN step {step}: {OURS} loss {ours} != {name} loss {v}"

    xb, yb = batches[0]
    x, y = tg.tensor(xb), tg.tensor(yb)
    fns: dict[str, Callable[[], object]] = {
        OURS: lambda: ours_step(x, y),
        "numpy im2col (by hand)": lambda: ref.step(xb, yb, LR),
    }
    if torch is not None:
        tx, ty = torch.from_numpy(xb), torch.from_numpy(yb)
        fns["PyTorch"] = lambda: torch_step(tx, ty)
    return compare(fns, repeats, number)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (noisier figures)")
    args = parser.parse_args()
    mlp = bench_mlp_epoch(repeats=2 if args.quick else 5)
    print_table("(a) MLP 784-256-10 epoch, 60,000 samples, batch 128, float32", mlp, "s", 1)
    cnn = bench_cnn_step(repeats=10 if args.quick else 40, number=5)
    print_table("(b) LeNet-style CNN training step, batch 64 x 1x28x28, float32 (target: <= 2x PyTorch)",
                cnn, "ms", 1e3)
    if _torch() is None:
        print("PyTorch is not installed: no PyTorch figures")


if __name__ == "__main__":
    main()
