"""Core engine benchmark (issue 2).

(a) forward + backward of a 200-op elementwise chain (add, mul, tanh, exp, sin) on a
    (16,) tensor, in microseconds per op, against the same 200 ops in bare numpy;
(b) one training step of a 784-256-10 ReLU MLP with log_softmax cross-entropy and a
    manual SGD update, batch 128, float32, against the same step written by hand in numpy.

Run:  python benchmarks/bench_core.py   (OPENBLAS_NUM_THREADS=1 is set for stable figures)
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_reference import NumpyMLP, chain_forward  # noqa: E402

import tinygrad_edu as tg  # noqa: E402

N_OPS = 200


def best_of(fn: Callable[[], object], repeats: int, number: int) -> float:
    """Median over ``repeats`` of the mean time of ``number`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def paired(
    fa: Callable[[], object], fb: Callable[[], object], repeats: int, number: int
) -> tuple[float, float, float]:
    """Time two systems in alternating rounds (so both see the same machine load).

    Returns (median seconds per call of a, of b, median of the per-round ratios a/b).
    """
    ta, tb, ratios = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fa()
        t1 = time.perf_counter()
        for _ in range(number):
            fb()
        t2 = time.perf_counter()
        ta.append((t1 - t0) / number)
        tb.append((t2 - t1) / number)
        ratios.append((t1 - t0) / (t2 - t1))
    return statistics.median(ta), statistics.median(tb), statistics.median(ratios)


def chain_autograd(x: tg.Tensor, c: tg.Tensor) -> tg.Tensor:
    y = x
    for i in range(N_OPS):
        k = i % 5
        if k == 0:
            y = y + c
        elif k == 1:
            y = y * c
        elif k == 2:
            y = y.tanh()
        elif k == 3:
            y = y.exp()
        else:
            y = y.sin()
    return y


def bench_chain(repeats: int = 21, number: int = 20) -> dict[str, float]:
    rng = np.random.default_rng(0)
    xs = rng.standard_normal(16).astype(np.float32) * 0.1
    cs = (rng.standard_normal(16) * 0.1 + 1).astype(np.float32)
    x = tg.tensor(xs, requires_grad=True)
    c = tg.tensor(cs)
    seed = tg.ones(16)

    def autograd_step() -> None:
        x.grad = None
        chain_autograd(x, c).backward(seed)

    def numpy_forward() -> None:
        chain_forward(xs, cs, N_OPS)

    t_ag, t_np, ratio = paired(autograd_step, numpy_forward, repeats, number)
    return {"autograd_us_per_op": t_ag / N_OPS * 1e6, "numpy_us_per_op": t_np / N_OPS * 1e6,
            "ratio": ratio}


def _torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def bench_chain_torch(repeats: int = 15, number: int = 20) -> float | None:
    """PyTorch's microseconds per op for the same chain, or None without torch."""
    torch = _torch()
    if torch is None:
        return None
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal(16).astype(np.float32) * 0.1, requires_grad=True)
    c = torch.tensor((rng.standard_normal(16) * 0.1 + 1).astype(np.float32))
    seed = torch.ones(16)

    def step() -> None:
        x.grad = None
        chain_autograd(x, c).backward(seed)  # the same Python code drives torch tensors

    return best_of(step, repeats, number) / N_OPS * 1e6


def make_mlp_params(seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    w1 = (rng.standard_normal((784, 256)) * np.sqrt(2 / 784)).astype(np.float32)
    b1 = np.zeros(256, np.float32)
    w2 = (rng.standard_normal((256, 10)) * np.sqrt(2 / 256)).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    return w1, b1, w2, b2


def bench_mlp(repeats: int = 31, number: int = 10, batch: int = 128, lr: float = 0.1) -> dict[str, float]:
    rng = np.random.default_rng(1)
    xb = rng.random((batch, 784), dtype=np.float32)
    yb = rng.integers(0, 10, batch)
    params = make_mlp_params()
    ref = NumpyMLP(*params)
    w1, b1, w2, b2 = (tg.tensor(p, requires_grad=True) for p in params)
    x, y = tg.tensor(xb), tg.tensor(yb)
    rows = tg.arange(batch)

    def tg_step() -> float:
        h = (x @ w1 + b1).relu()
        logits = h @ w2 + b2
        loss = -logits.log_softmax(dim=1)[rows, y].mean()
        for p in (w1, b1, w2, b2):
            p.grad = None
        loss.backward()
        with tg.no_grad():
            for p in (w1, b1, w2, b2):
                p -= lr * p.grad
        return loss.item()

    # both systems must compute the same losses before their times mean anything
    check = NumpyMLP(*params)
    w1c, b1c, w2c, b2c = (tg.tensor(p, requires_grad=True) for p in params)
    for _ in range(3):
        ref_loss = check.step(xb, yb, lr)
        h = (x @ w1c + b1c).relu()
        loss = -(h @ w2c + b2c).log_softmax(dim=1)[rows, y].mean()
        loss.backward()
        with tg.no_grad():
            for p in (w1c, b1c, w2c, b2c):
                p -= lr * p.grad
                p.grad = None
        assert abs(loss.item() - ref_loss) < 1e-4, (loss.item(), ref_loss)

    t_tg, t_np, ratio = paired(tg_step, lambda: ref.step(xb, yb, lr), repeats, number)
    res = {"tinygrad_edu_ms": t_tg * 1e3, "numpy_ms": t_np * 1e3, "ratio": ratio}
    torch = _torch()
    if torch is not None:
        tw = [torch.tensor(p, requires_grad=True) for p in params]
        tx, ty = torch.tensor(xb), torch.tensor(yb)

        def torch_step() -> float:
            h = (tx @ tw[0] + tw[1]).relu()
            loss = -torch.log_softmax(h @ tw[2] + tw[3], dim=1)[torch.arange(batch), ty].mean()
            for p in tw:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in tw:
                    p -= lr * p.grad
            return loss.item()

        res["torch_ms"] = best_of(torch_step, repeats, number) * 1e3
    return res


def main() -> None:
    chain = bench_chain()
    print(f"(a) 200-op elementwise chain, shape (16,), forward+backward: "
          f"{chain['autograd_us_per_op']:.2f} us/op; bare numpy forward "
          f"{chain['numpy_us_per_op']:.2f} us/op; ratio {chain['ratio']:.2f}x (target <= 3.5x)")
    t = bench_chain_torch()
    if t is not None:
        print(f"    PyTorch, same chain: {t:.2f} us/op; tinygrad_edu / PyTorch = "
              f"{chain['autograd_us_per_op'] / t:.2f}x")
    mlp = bench_mlp()
    print(f"(b) MLP 784-256-10 step, batch 128, float32: tinygrad_edu {mlp['tinygrad_edu_ms']:.3f} ms; "
          f"hand-written numpy {mlp['numpy_ms']:.3f} ms; ratio {mlp['ratio']:.3f}x (target <= 1.15x)")
    if "torch_ms" in mlp:
        print(f"    PyTorch, same step: {mlp['torch_ms']:.3f} ms; tinygrad_edu / PyTorch = "
              f"{mlp['tinygrad_edu_ms'] / mlp['torch_ms']:.2f}x")


if __name__ == "__main__":
    main()
