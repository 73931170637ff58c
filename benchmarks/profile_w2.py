"""Where W2's time goes: the profile behind the README's explanation of the W2 ratio.

    python3 benchmarks/profile_w2.py            # about 30 s, one BLAS thread

Prints three measurements, each on the W2 step (784-256-10 ReLU MLP, batch 128,
cross-entropy, SGD) or on the same step shrunk to a 4-4-2 model:

1. **The numpy work alone.** The exact sequence of numpy calls the engine makes for one
   step (the forward of every op, each op's backward, the optimizer's update), written
   out without any Tensor or graph, timed against the hand-written numpy step. At or
   below 1.0 the engine does no more numpy work than a careful person does by hand.
2. **The Python work alone, warm and cold.** The 4-4-2 step, where numpy's work is tiny,
   timed as it is and after touching 4 MB between steps (as W2's arrays do: they push
   the interpreter's own code and objects out of the CPU caches), for both systems.
3. **A cProfile** of the W2 step: the Python functions that run per step.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
from benchmarks.numpy_reference import NumpyMLP  # noqa: E402
from benchmarks.timing import compare  # noqa: E402
from benchmarks.workloads import _numpy_mlp, _train_step, make_mlp  # noqa: E402
from tinygrad_edu import optim  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402
from tinygrad_edu.optim.sgd import descend  # noqa: E402  (the one internal replayed: not copied)

LR = 0.1


def _setup(sizes: tuple[int, ...], batch: int):  # noqa: ANN202
    rng = np.random.default_rng(1)
    xb = rng.random((batch, sizes[0]), dtype=np.float32)
    yb = rng.integers(0, sizes[-1], batch)
    tg.manual_seed(0)
    model = make_mlp(sizes)
    opt = optim.SGD(model.parameters(), lr=LR)
    x, y = tg.tensor(xb), tg.tensor(yb)
    step = lambda: _train_step(model, opt, F.cross_entropy, x, y)  # noqa: E731
    return model, step, _numpy_mlp(model), xb, yb


def engine_numpy_calls(params: list[np.ndarray], x: np.ndarray, t: np.ndarray) -> float:
    """One W2 step as the numpy calls the engine makes, in its order, with its memory layouts
    (nn.Linear's weights are column-major; each op's backward allocates its result)."""
    w1, b1, w2, b2 = params
    y1 = np.matmul(x, w1.T)                              # Linear.forward
    y1 += b1
    h = np.maximum(y1, 0)                                # Relu.forward
    z = np.matmul(h, w2.T)                               # Linear.forward
    z += b2
    rows = np.ascontiguousarray(z.T)                     # CrossEntropy.forward: log_softmax,
    zc = z - rows.max(0)[:, None]                        # (max and sum as ops.fast_reduce takes them)
    ones = np.ones(z.shape[1], x.dtype)
    logp = zc - np.log(np.matmul(np.exp(zc), ones)[:, None])
    index = (np.arange(t.shape[0]), t)                   # then NLL
    n = t.shape[0]
    loss = float(np.asarray(-logp[index].sum() / n, dtype=x.dtype))
    g = np.empty((), x.dtype)                            # the seed of backward
    g.fill(1)
    gc = g * (-1.0 / n)                                  # CrossEntropy.backward
    gz = np.exp(logp)
    gz *= -gc
    gz[index] += gc
    gh = np.matmul(gz, w2)                               # Linear.backward
    gw2 = np.empty(w2.shape, dtype=x.dtype, order="F")
    np.matmul(h.T, gz, out=gw2.T)
    gb2 = np.matmul(np.ones(n, x.dtype), gz)            # (the bias gradient: fast_reduce.sum_rows)
    np.multiply(gh, h > 0, out=gh)                       # Relu.backward_reusing (gh is fresh)
    gw1 = np.empty(w1.shape, dtype=x.dtype, order="F")   # Linear.backward (no grad for x)
    np.matmul(x.T, gh, out=gw1.T)
    gb1 = np.matmul(np.ones(n, x.dtype), gh)
    for p, gp in zip(params, (gw1, gb1, gw2, gb2)):      # SGD.step (optim.sgd.descend)
        descend(p, gp, LR)
    return loss


def numpy_work() -> None:
    model, _, _, xb, yb = _setup((784, 256, 10), 128)
    params = [p.data.copy(order="K") for p in model.parameters()]
    hand = NumpyMLP(*(p.T.copy() if p.ndim == 2 else p.copy() for p in params))
    same = engine_numpy_calls([p.copy(order="K") for p in params], xb, yb) - hand.step(xb, yb, 0.0)
    assert abs(same) < 1e-5, "the numpy transcription computes a different loss"
    res = compare({"engine's numpy calls": lambda: engine_numpy_calls(params, xb, yb),
                   "hand-written": lambda: hand.step(xb, yb, LR)}, repeats=31, number=10)
    print("1. numpy work of the W2 step, without Tensors or graph:")
    for name, r in res.items():
        print(f"   {name:22s} {r['time'] * 1e3:.3f} ms")
    # compare's ratio: the first function's time over this one's, i.e. engine / hand-written
    print(f"   ratio {res['hand-written']['ratio']:.3f}x hand-written\n")


def python_work() -> None:
    _, step, hand, xb, yb = _setup((4, 4, 2), 8)
    big = np.ones(1 << 20, np.float32)  # 4 MB, the size of W2's working set
    print("2. Python work: the same step on a 4-4-2 model (numpy's share is tiny), median of 3000:")
    for name, fn in (("tinygrad_edu", step), ("hand-written numpy", lambda: hand.step(xb, yb, LR))):
        out = []
        for cold in (False, True):
            ts = []
            for _ in range(3000):
                if cold:
                    big += 1  # evict the interpreter's code and objects, as W2's arrays do
                t0 = time.perf_counter()
                fn()
                ts.append(time.perf_counter() - t0)
            out.append(statistics.median(ts) * 1e6)
        print(f"   {name:20s} warm {out[0]:6.1f} us   cold caches {out[1]:6.1f} us")
    print()


def profile() -> None:
    _, step, *_ = _setup((784, 256, 10), 128)
    for _ in range(20):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(300):
        step()
    prof.disable()
    print("3. cProfile of 300 W2 steps (tinygrad_edu), by own time:")
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    numpy_work()
    python_work()
    profile()
