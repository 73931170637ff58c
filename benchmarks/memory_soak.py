"""Memory soak: resident memory over many training steps of the digits MLP.

    python benchmarks/memory_soak.py               # 2,000 steps after a 300-step warm-up
    python benchmarks/memory_soak.py --steps 20000

Trains the digits example's model (Linear 64-128, ReLU, Linear 128-10, Adam, batches of 32)
and prints the resident set size (from /proc/self/statm, so Linux only) at the start,
after the warm-up, every ``--every`` steps and at the end, with the growth since the
warm-up and the number of live Tensor objects. A leak of one graph per step would add about
50 KB per step; tests/hardening/test_memory.py asserts the growth stays under 4 MB over
2,000 steps.
"""

from __future__ import annotations

import argparse
import gc
import os
import time

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset

MB = 2**20


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def live_tensors() -> int:
    return sum(isinstance(o, Tensor) for o in gc.get_objects())


def digits() -> tuple[Tensor, Tensor, str]:
    try:
        X, y = tg.data.datasets.load_digits()
        return X, y, "digits"
    except ImportError:  # scikit-learn missing: random data of the same shape
        rng = np.random.default_rng(0)
        return Tensor(rng.random((1797, 64), dtype=np.float32)), Tensor(rng.integers(0, 10, 1797)), "random"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--every", type=int, default=500)
    args = ap.parse_args()

    start = rss()
    tg.manual_seed(0)
    X, y, source = digits()
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)

    def batches():
        while True:
            yield from loader

    it = batches()

    def step() -> float:
        xb, yb = next(it)
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    gc.collect()
    base, base_tensors = rss(), live_tensors()
    print(f"data: {source} {tuple(X.shape)}; model: 64-128-10 MLP, Adam, batch 32")
    print(f"{'':>12}  {'RSS MB':>8}  {'growth MB':>9}  {'tensors':>7}  {'loss':>6}")
    print(f"{'start':>12}  {start / MB:8.1f}")
    print(f"{'warmed up':>12}  {base / MB:8.1f}  {0.0:9.2f}  {base_tensors:7d}")
    t0 = time.perf_counter()
    loss = float("nan")
    for i in range(1, args.steps + 1):
        loss = step()
        if i % args.every == 0 or i == args.steps:
            print(f"{f'step {i}':>12}  {rss() / MB:8.1f}  {(rss() - base) / MB:9.2f}  {'':>7}  {loss:6.3f}")
    elapsed = time.perf_counter() - t0
    gc.collect()
    end, end_tensors = rss(), live_tensors()
    print(f"{'end':>12}  {end / MB:8.1f}  {(end - base) / MB:9.2f}  {end_tensors:7d}")
    growth = end - base
    print(f"growth over {args.steps} steps: {growth / MB:.2f} MB ({growth / args.steps:.0f} bytes/step), "
          f"live tensors {base_tensors} -> {end_tensors}; {elapsed / args.steps * 1e3:.2f} ms/step")


if __name__ == "__main__":
    main()
