"""The benchmark workloads W1-W7, each against hand-written numpy and PyTorch.

Every workload first checks that all systems compute the same thing (the same losses for
the first training steps from the same weights on the same batches, or the same values
and gradients), then times them with :func:`timing.compare`. Each returns a list of
table rows::

    {"key": "W2", "what": "...", "unit": "ms",
     "values": {system: value in unit}, "ratios": {system: tinygrad_edu / system},
     "targets": {system: the largest acceptable ratio}}

``run.py`` runs each workload in a fresh process and prints the rows as one table.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import numpy as np

try:  # as part of the package (python -m benchmarks) or with benchmarks/ on sys.path
    from . import numpy_reference as ref
    from .timing import OURS, _torch, compare, peak_rss_mb
except ImportError:  # pragma: no cover - run.py puts the repository root on sys.path
    from benchmarks import numpy_reference as ref
    from benchmarks.timing import OURS, _torch, compare, peak_rss_mb

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.nn import functional as F

NUMPY = "numpy"
TORCH = "PyTorch"
F32 = np.float32


def _row(key: str, what: str, unit: str, scale: float, res: dict[str, dict[str, float]],
         targets: dict[str, float] | None = None) -> dict[str, Any]:
    return {
        "key": key, "what": what, "unit": unit,
        "values": {k: v["time"] * scale for k, v in res.items()},
        "ratios": {k: v["ratio"] for k, v in res.items() if k != OURS},
        "targets": targets or {},
    }


def _check_close(what: str, ours: Any, theirs: dict[str, Any], rtol: float, atol: float) -> None:
    """Raise if tinygrad_edu's result differs from another system's (then no timing means anything)."""
    for name, v in theirs.items():
        a, b = np.asarray(ours, dtype=np.float64), np.asarray(v, dtype=np.float64)
        if not np.allclose(a, b, rtol=rtol, atol=atol):
            err = np.max(np.abs(a - b))
            raise AssertionError(f"{what}: {OURS} and {name} disagree (max abs difference {err:.3g})")


def _copy_weights(torch, ours: nn.Module, theirs: Any) -> None:  # noqa: ANN001
    """Copy our parameters into the PyTorch module with the same parameter names."""
    mine = dict(ours.named_parameters())
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(torch.from_numpy(mine[name].data.copy()))


# ------------------------------------------------------------------ W1 elementwise chain
W1_OPS = 200


def chain(y: Any, c: Any, n_ops: int) -> Any:
    """add, mul, tanh, exp, sin, repeated: the same code drives tinygrad_edu and torch tensors."""
    for i in range(n_ops):
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


def w1(quick: bool, threads: int) -> list[dict]:
    rng = np.random.default_rng(0)
    xs = (rng.standard_normal(16) * 0.1).astype(F32)
    cs = (rng.standard_normal(16) * 0.1 + 1).astype(F32)
    x, c, seed = tg.tensor(xs, requires_grad=True), tg.tensor(cs), tg.ones(16)

    def ours() -> Any:
        x.grad = None
        y = chain(x, c, W1_OPS)
        y.backward(seed)
        return y

    fns: dict[str, Callable[[], Any]] = {
        OURS: ours, NUMPY: lambda: ref.chain_forward_backward(xs, cs, W1_OPS),
    }
    y_np, g_np = ref.chain_forward_backward(xs, cs, W1_OPS)
    y = ours()
    values, grads = {NUMPY: y_np}, {NUMPY: g_np}
    torch = _torch(threads)
    if torch is not None:
        tx, tc, tseed = torch.tensor(xs, requires_grad=True), torch.tensor(cs), torch.ones(16)

        def theirs() -> Any:
            tx.grad = None
            ty = chain(tx, tc, W1_OPS)
            ty.backward(tseed)
            return ty

        values[TORCH] = theirs().detach().numpy()
        grads[TORCH] = tx.grad.numpy()
        fns[TORCH] = theirs
    _check_close("W1 chain values", y.data, values, 1e-5, 1e-6)
    _check_close("W1 chain gradients", x.grad.data, grads, 1e-4, 1e-6)
    res = compare(fns, repeats=7 if quick else 25, number=20)
    # Issue 2 asks for <= 3.5x "the bare numpy cost of the same 200 ops without autograd
    # (about PyTorch's level; DeZero is at ~11x)". Both readings are measured: against the
    # forward and backward written by hand (first row: PyTorch is at ~5x, DeZero 0.0.13 at
    # ~14x here, close to the figures) and against numpy's forward alone (second
    # row: PyTorch ~14x, DeZero ~39x).
    bare = compare({OURS: ours, NUMPY: lambda: ref.chain_forward(xs, cs, W1_OPS)},
                   repeats=7 if quick else 25, number=20)
    return [_row("W1", f"{W1_OPS}-op chain (add, mul, tanh, exp, sin) on (16,), fwd+bwd", "µs/op",
                 1e6 / W1_OPS, res, {TORCH: 1.0, NUMPY: 3.5}),
            _row("W1", "same chain, fwd+bwd against numpy's forward alone (no gradient)", "µs/op",
                 1e6 / W1_OPS, bare, {NUMPY: 3.5})]


# ------------------------------------------------------------------ W2, W3 MLP steps


def make_mlp(sizes: tuple[int, ...]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def _torch_mlp(torch, sizes: tuple[int, ...], model: nn.Module):  # noqa: ANN001, ANN202
    layers: list[Any] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    tm = torch.nn.Sequential(*layers[:-1])
    _copy_weights(torch, model, tm)
    return tm


def _numpy_mlp(model: nn.Module, **kw: Any) -> ref.NumpyMLP:
    """The same weights in the x @ W layout of the hand-written version."""
    return ref.NumpyMLP(*(p.data.T.copy() if p.ndim == 2 else p.data.copy() for p in model.parameters()),
                        **kw)


def _train_step(model: Any, opt: Any, lossf: Callable, x: Any, y: Any) -> float:
    """One step, written once for tinygrad_edu and PyTorch (their APIs are the same)."""
    loss = lossf(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def _index_cross_entropy(log_softmax: Callable, arange: Callable) -> Callable:
    """Cross-entropy written from tensor ops, -log_softmax(z, 1)[arange(N), y].mean(), in
    either library (the form issue 2's benchmark asks for, next to the fused F.cross_entropy)."""
    def loss(z: Any, y: Any) -> Any:
        return -log_softmax(z, 1)[arange(z.shape[0]), y].mean()
    return loss


def _mlp_workload(key: str, sizes: tuple[int, ...], batch: int, lr: float, quick: bool, threads: int,
                  repeats: int, number: int, targets: dict[str, float], index_form: bool = False) -> dict:
    rng = np.random.default_rng(1)
    xb = rng.random((batch, sizes[0]), dtype=F32)
    yb = rng.integers(0, sizes[-1], batch)
    tg.manual_seed(0)
    model = make_mlp(sizes)
    opt = optim.SGD(model.parameters(), lr=lr)
    mlp = _numpy_mlp(model)
    x, y = tg.tensor(xb), tg.tensor(yb)
    lossf = _index_cross_entropy(F.log_softmax, tg.arange) if index_form else F.cross_entropy
    fns: dict[str, Callable[[], Any]] = {
        OURS: lambda: _train_step(model, opt, lossf, x, y),
        NUMPY: lambda: mlp.step(xb, yb, lr),
    }
    torch = _torch(threads)
    if torch is not None:
        tm = _torch_mlp(torch, sizes, model)
        topt = torch.optim.SGD(tm.parameters(), lr=lr)
        tx, ty = torch.from_numpy(xb), torch.from_numpy(yb)
        tlossf = (_index_cross_entropy(torch.log_softmax, torch.arange) if index_form
                  else torch.nn.functional.cross_entropy)
        fns[TORCH] = lambda: _train_step(tm, topt, tlossf, tx, ty)
    # three steps from the same weights: every system must report the same losses
    for step in range(3):
        losses = {name: fn() for name, fn in fns.items()}
        ours = losses.pop(OURS)
        _check_close(f"{key} loss at step {step}", ours, losses, 1e-4, 1e-5)
    res = compare(fns, repeats=max(3, repeats // 3) if quick else repeats, number=number)
    what = "MLP " + "-".join(map(str, sizes)) + f" ReLU, cross-entropy, SGD step, batch {batch}"
    if index_form:
        what = "same step, loss written as -log_softmax(z, 1)[arange(N), y].mean()"
    return _row(key, what, "ms", 1e3, res, targets)


def w2(quick: bool, threads: int) -> list[dict]:
    return [
        _mlp_workload("W2", (784, 256, 10), 128, 0.1, quick, threads, repeats=31, number=10,
                      targets={NUMPY: 1.10, TORCH: 1.0}),
        # issue 2's form of the same step (its target: 1.15x hand-written numpy)
        _mlp_workload("W2", (784, 256, 10), 128, 0.1, quick, threads, repeats=31, number=10,
                      targets={NUMPY: 1.15}, index_form=True),
    ]


def w3(quick: bool, threads: int) -> list[dict]:
    return [_mlp_workload("W3", (1024, 2048, 2048, 10), 512, 0.01, quick, threads, repeats=9, number=1,
                          targets={NUMPY: 1.05})]


# ------------------------------------------------------------------ W4 deep scalar chain
W4_OPS = 20_000
W4_X, W4_C = 0.1, 0.9


def _w4_build_backward(system: str, threads: int) -> Callable[[], Any]:
    """A function running the whole W4 job once in ``system`` (returns value and gradient)."""
    if system == OURS:
        x, c = tg.tensor(W4_X, requires_grad=True), tg.tensor(W4_C)

        def run() -> Any:
            x.grad = None
            y = chain(x, c, W4_OPS)
            y.backward()
            return y.item(), x.grad.item()

        return run
    if system == NUMPY:
        xs, cs = F32(W4_X), F32(W4_C)

        def run_np() -> Any:
            y, g = ref.chain_forward_backward(xs, cs, W4_OPS)
            return float(y), float(g)

        return run_np
    torch = _torch(threads)
    tx, tc = torch.tensor(W4_X, requires_grad=True), torch.tensor(W4_C)

    def run_torch() -> Any:
        tx.grad = None
        ty = chain(tx, tc, W4_OPS)
        ty.backward()
        return ty.item(), tx.grad.item()

    return run_torch


def w4(quick: bool, threads: int) -> list[dict]:
    systems = [OURS, NUMPY] + ([TORCH] if _torch(threads) is not None else [])
    fns = {s: _w4_build_backward(s, threads) for s in systems}
    results = {s: fn() for s, fn in fns.items()}
    ours = results.pop(OURS)
    _check_close("W4 value and gradient", ours, results, 1e-4, 1e-6)
    res = compare(fns, repeats=3 if quick else 9)
    return [_row("W4", f"{W4_OPS:,}-deep chain of scalar ops: build + backward", "ms", 1e3, res,
                 {TORCH: 3.0})]


def w4_memory(system: str, threads: int) -> float:
    """Peak RSS increase (MB) of one W4 build + backward in ``system``, in this fresh process.

    The baseline is taken after imports and a short warm-up chain, so that it counts what
    the 20,000-node graph and its backward need, not the libraries.
    """
    fn = _w4_build_backward(system, threads)
    if system == OURS:
        chain(tg.tensor(W4_X, requires_grad=True), tg.tensor(W4_C), 100).backward()
    elif system == TORCH:
        torch = _torch(threads)
        chain(torch.tensor(W4_X, requires_grad=True), torch.tensor(W4_C), 100).backward()
    gc.collect()
    base = peak_rss_mb()
    fn()
    return peak_rss_mb() - base


# ------------------------------------------------------------------ W5 CNN step
CNN_BATCH = 64


def make_cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),   # (N, 8, 13, 13)
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),  # (N, 16, 5, 5)
        nn.Flatten(), nn.Linear(16 * 5 * 5, 10),
    )


def _torch_cnn(torch, model: nn.Module):  # noqa: ANN001, ANN202
    tnn = torch.nn
    tm = tnn.Sequential(tnn.Conv2d(1, 8, 3), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Conv2d(8, 16, 3), tnn.ReLU(),
                        tnn.MaxPool2d(2), tnn.Flatten(), tnn.Linear(16 * 5 * 5, 10))
    _copy_weights(torch, model, tm)
    return tm


def w5(quick: bool, threads: int) -> list[dict]:
    lr = 0.05
    rng = np.random.default_rng(2)
    xb = rng.random((CNN_BATCH, 1, 28, 28), dtype=F32)
    yb = rng.integers(0, 10, CNN_BATCH)
    tg.manual_seed(0)
    model = make_cnn()
    opt = optim.SGD(model.parameters(), lr=lr)
    cnn = ref.NumpyCNN(*(p.data.copy() for p in model.parameters()))
    x, y = tg.tensor(xb), tg.tensor(yb)
    fns: dict[str, Callable[[], Any]] = {
        OURS: lambda: _train_step(model, opt, F.cross_entropy, x, y),
        NUMPY: lambda: cnn.step(xb, yb, lr),
    }
    torch = _torch(threads)
    if torch is not None:
        tm = _torch_cnn(torch, model)
        topt = torch.optim.SGD(tm.parameters(), lr=lr)
        tx, ty = torch.from_numpy(xb), torch.from_numpy(yb)
        fns[TORCH] = lambda: _train_step(tm, topt, torch.nn.functional.cross_entropy, tx, ty)
    for step in range(3):
        losses = {name: fn() for name, fn in fns.items()}
        ours = losses.pop(OURS)
        _check_close(f"W5 loss at step {step}", ours, losses, 1e-4, 1e-5)
    res = compare(fns, repeats=10 if quick else 40, number=5)
    return [_row("W5", f"LeNet-style CNN step (conv 1→8, conv 8→16, linear), batch {CNN_BATCH}×1×28×28",
                 "ms", 1e3, res, {TORCH: 1.5})]


# ------------------------------------------------------------------ W6 Hessian
W6_N = 64


def hessian_rows(grad: Callable, x: Any, a: Any, stack: Callable) -> Any:
    """d^2 sum(tanh(A x)) / dx^2 by double backward, one row per backward pass: the same code
    for tinygrad_edu (``grad = tg.autograd.grad``) and PyTorch (``torch.autograd.grad``)."""
    (g,) = grad((a @ x).tanh().sum(), x, create_graph=True)
    return stack([grad(g[i], x, retain_graph=True)[0] for i in range(x.shape[0])])


def w6(quick: bool, threads: int) -> list[dict]:
    rng = np.random.default_rng(3)
    a_np = rng.standard_normal((W6_N, W6_N)) / np.sqrt(W6_N)
    x_np = rng.standard_normal(W6_N)
    x, a = tg.tensor(x_np, requires_grad=True), tg.tensor(a_np)

    def f(v: Any) -> Any:
        return (a @ v).tanh().sum()

    loop = {OURS: lambda: hessian_rows(tg.autograd.grad, x, a, tg.stack),
            NUMPY: lambda: ref.tanh_sum_hessian(a_np, x_np)}
    # torch.autograd.functional.hessian returns a constant Hessian; func.hessian keeps its
    # result differentiable when x requires grad (as torch.func does), which costs a graph
    # per row: given the same job, it receives x as plain data
    api = {OURS: lambda: tg.func.hessian(f)(x.detach()), NUMPY: loop[NUMPY]}
    h_np = ref.tanh_sum_hessian(a_np, x_np)
    _check_close("W6 Hessian (double-backward loop)", loop[OURS]().data, {NUMPY: h_np}, 1e-10, 1e-12)
    _check_close("W6 Hessian (func.hessian)", api[OURS]().data, {NUMPY: h_np}, 1e-10, 1e-12)
    torch = _torch(threads)
    if torch is not None:
        tx, ta = torch.tensor(x_np, requires_grad=True), torch.tensor(a_np)
        loop[TORCH] = lambda: hessian_rows(torch.autograd.grad, tx, ta, torch.stack)
        api[TORCH] = lambda: torch.autograd.functional.hessian(lambda v: (ta @ v).tanh().sum(), tx)
        _check_close("W6 PyTorch Hessian", loop[TORCH]().detach().numpy(), {NUMPY: h_np}, 1e-10, 1e-12)
    repeats = 5 if quick else 21
    return [
        _row("W6", f"Hessian of sum(tanh(A x)), x of size {W6_N}, float64: grad(create_graph) + "
             f"{W6_N} row backwards", "ms", 1e3, compare(loop, repeats), {TORCH: 2.0}),
        _row("W6", "same Hessian with func.hessian / torch.autograd.functional.hessian", "ms", 1e3,
             compare(api, repeats), {TORCH: 2.0}),
    ]


# ------------------------------------------------------------------ W7 digits epoch, LSTM
DIGITS_BATCH = 32


def w7_digits(quick: bool, threads: int) -> dict:
    """One epoch of the digits MLP (64-128-10, Adam, batch 32, shuffled) through DataLoader."""
    from tinygrad_edu.data.datasets import load_digits

    lr = 1e-3
    X, Y = load_digits()
    xs, ys = X.numpy(), Y.numpy()
    tg.manual_seed(0)
    sizes = (64, 128, 10)
    model = make_mlp(sizes)
    opt = optim.Adam(model.parameters(), lr=lr)
    loader = DataLoader(TensorDataset(X, Y), batch_size=DIGITS_BATCH, shuffle=True)
    mlp = _numpy_mlp(model, optimizer="adam")
    torch = _torch(threads)
    if torch is not None:
        tm = _torch_mlp(torch, sizes, model)
        topt = torch.optim.Adam(tm.parameters(), lr=lr)
        tce = torch.nn.functional.cross_entropy
    # the same first batches (those our loader yields) must give the same losses everywhere
    for step, (xb, yb) in enumerate(loader):
        if step == 3:
            break
        ours = _train_step(model, opt, F.cross_entropy, xb, yb)
        theirs = {NUMPY: mlp.step(xb.numpy(), yb.numpy(), lr)}
        if torch is not None:
            theirs[TORCH] = _train_step(tm, topt, tce, torch.from_numpy(xb.numpy()),
                                        torch.from_numpy(yb.numpy()))
        _check_close(f"W7 digits loss at step {step}", ours, theirs, 1e-4, 1e-5)

    def ours_epoch() -> None:
        for xb, yb in loader:
            _train_step(model, opt, F.cross_entropy, xb, yb)

    rng = np.random.default_rng(1)

    def numpy_epoch() -> None:  # shuffled mini-batches cut from a permutation
        order = rng.permutation(len(xs))
        for s in range(0, len(xs), DIGITS_BATCH):
            idx = order[s : s + DIGITS_BATCH]
            mlp.step(xs[idx], ys[idx], lr)

    fns: dict[str, Callable[[], Any]] = {OURS: ours_epoch, NUMPY: numpy_epoch}
    if torch is not None:
        tloader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.from_numpy(xs), torch.from_numpy(ys)),
            batch_size=DIGITS_BATCH, shuffle=True)

        def torch_epoch() -> None:
            for xb, yb in tloader:
                _train_step(tm, topt, tce, xb, yb)

        fns[TORCH] = torch_epoch
    res = compare(fns, repeats=5 if quick else 15)
    return _row("W7", f"digits MLP 64-128-10 epoch ({len(xs)} samples, batch {DIGITS_BATCH}, Adam) "
                "through DataLoader", "ms", 1e3, res)


LSTM_SEQ, LSTM_BATCH, LSTM_IN, LSTM_HIDDEN = 50, 32, 64, 128


def w7_lstm(quick: bool, threads: int) -> dict:
    """LSTM training step: forward over 50 steps, MSE on the outputs, backward, SGD."""
    lr = 0.1
    rng = np.random.default_rng(4)
    xb = rng.standard_normal((LSTM_SEQ, LSTM_BATCH, LSTM_IN)).astype(F32)
    target = rng.standard_normal((LSTM_SEQ, LSTM_BATCH, LSTM_HIDDEN)).astype(F32) * 0.5
    tg.manual_seed(0)
    lstm = nn.LSTM(LSTM_IN, LSTM_HIDDEN)
    opt = optim.SGD(lstm.parameters(), lr=lr)
    by_hand = ref.NumpyLSTM(*(p.data.copy() for p in lstm.parameters()))
    x, t = tg.tensor(xb), tg.tensor(target)

    def mse_of_output(out: Any, tgt: Any) -> Any:
        return ((out[0] - tgt) ** 2).mean()

    fns: dict[str, Callable[[], Any]] = {
        OURS: lambda: _train_step(lstm, opt, mse_of_output, x, t),
        NUMPY: lambda: by_hand.step(xb, target, lr),
    }
    torch = _torch(threads)
    if torch is not None:
        tl = torch.nn.LSTM(LSTM_IN, LSTM_HIDDEN)
        _copy_weights(torch, lstm, tl)
        topt = torch.optim.SGD(tl.parameters(), lr=lr)
        tx, tt = torch.from_numpy(xb), torch.from_numpy(target)
        fns[TORCH] = lambda: _train_step(tl, topt, mse_of_output, tx, tt)
    for step in range(3):
        losses = {name: fn() for name, fn in fns.items()}
        ours = losses.pop(OURS)
        _check_close(f"W7 LSTM loss at step {step}", ours, losses, 1e-4, 1e-5)
    res = compare(fns, repeats=5 if quick else 21)
    return _row("W7", f"LSTM step: seq {LSTM_SEQ}, batch {LSTM_BATCH}, input {LSTM_IN}, hidden "
                f"{LSTM_HIDDEN}; MSE, backward, SGD", "ms", 1e3, res)


def w7(quick: bool, threads: int) -> list[dict]:
    return [w7_digits(quick, threads), w7_lstm(quick, threads)]


WORKLOADS: dict[str, Callable[[bool, int], list[dict]]] = {
    "W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6, "W7": w7,
}
