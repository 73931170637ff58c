"""Document 001: the gradient, then gradient descent vs SGD vs mini-batch on y = w·x.

Part 1. The document draws f(x, y) = x² + y² as a 3-D surface and its gradient as arrows,
computing the gradient numerically with central differences ``(f(x + h/2) − f(x − h/2)) / h``,
h = 1e-4. Here autodiff gives the gradient at every grid point in one backward pass
(``tg.viz.gradient_field``), printed next to the document's numerical gradient.

Part 2. Fit y = w·x to x = [1, 2, 3, 4], y = [2, 4, 6, 8] from w = 1.0, lr = 0.01, 100 epochs
(float64), three ways, each with ``loss.backward()`` and ``optim.SGD``:

* batch gradient descent: one step per epoch on the mean squared error of all samples
  (the document's derivative (2/N) Σ x (x w − y));
* per-sample SGD, the document's "Use SGD" code: one step per sample, in order. It
  reproduces the document's output exactly: w=1.9999999999999998, loss=7.888609052210118e-31,
  predict(5)=9.999999999999998;
* mini-batch SGD: shuffled batches of 2.

The loss curves are drawn raw and smoothed with an exponentially weighted mean (the
document's "加权均值" tip), on a log scale since they fall to 1e-30.

Run:  python examples/doc001_gradient_sgd.py [--out DIR] [--fast]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.viz import gradient_field, plot_gradient_field, plot_loss_curves, plot_surface

NAME = "doc001_gradient_sgd"
X_DATA = [1.0, 2.0, 3.0, 4.0]
Y_DATA = [2.0, 4.0, 6.0, 8.0]


def f(x, y):
    return x**2 + y**2


# The document's numerical gradient, verbatim (central differences with h = 1e-4).
def grad_x(f, x, y):
    h = 1e-4
    return (f(x + h / 2, y) - f(x - h / 2, y)) / h


def grad_y(f, x, y):
    h = 1e-4
    return (f(x, y + h / 2) - f(x, y - h / 2)) / h


def numerical_gradient(f, P):
    grad = np.zeros_like(P)
    for i in range(P[0].size):
        grad[0][i] = grad_x(f, P[0][i], P[1][i])
        grad[1][i] = grad_y(f, P[0][i], P[1][i])
    return grad


def gradient_part(out: Path) -> tuple[float, list[Path]]:
    x = np.arange(-4, 4, 0.25)
    y = np.arange(-4, 4, 0.25)
    X, Y = np.meshgrid(x, y)
    _, gx, gy = gradient_field(f, X, Y)  # autodiff, the whole grid in one backward pass
    numerical = numerical_gradient(f, np.array([X.flatten(), Y.flatten()]))
    diff = float(max(np.abs(gx.flatten() - numerical[0]).max(), np.abs(gy.flatten() - numerical[1]).max()))
    print("gradient of f(x, y) = x^2 + y^2 on the document's 32 x 32 grid")
    for px, py in [(1.0, 2.0), (-3.0, 0.5)]:
        i = int(np.argmin(np.abs(X - px) + np.abs(Y - py)))
        print(f"  at ({px:+g}, {py:+g}): autodiff ({gx.flat[i]:+.6f}, {gy.flat[i]:+.6f})   "
              f"numerical ({numerical[0][i]:+.6f}, {numerical[1][i]:+.6f})   exact (2x, 2y)")
    print(f"  max |autodiff - numerical| over the grid: {diff:.3e} (rounding in the difference quotient)")
    figures = [out / "surface.png", out / "gradient_field.png", out / "descent_field.png"]
    plot_surface(f, figures[0], (-4, 4), (-4, 4), n=32, title="f(x, y) = x² + y²")
    # as in the document: the gradient itself (steepest ascent) on [-2, 2]²
    plot_gradient_field(f, figures[1], (-2, 2), (-2, 2), n=16, descent=False, background="none",
                        title="∇f: points uphill, longer where f is steeper")
    plot_gradient_field(f, figures[2], (-2, 2), (-2, 2), n=16, descent=True,
                        title="−∇f: the direction gradient descent moves")
    return diff, figures


def batch_gd(epochs: int, lr: float) -> tuple[float, float, list[float]]:
    x, y = tg.tensor(X_DATA, dtype=tg.float64), tg.tensor(Y_DATA, dtype=tg.float64)
    w = tg.tensor(1.0, dtype=tg.float64, requires_grad=True)
    opt = optim.SGD([w], lr=lr)
    losses = []
    for _ in range(epochs):
        cost = ((x * w - y) ** 2).mean()
        opt.zero_grad()
        cost.backward()
        # the document's derivative (2/N) sum x (x w - y), written by hand for comparison
        by_hand = float(np.mean(2 * x.data * (x.data * w.item() - y.data)))
        assert abs(w.grad.item() - by_hand) <= 1e-12 * max(1.0, abs(by_hand)), (w.grad.item(), by_hand)
        opt.step()
        losses.append(cost.item())
    final = float(((x * w.item() - y) ** 2).mean().item())
    return w.item(), final, losses


def per_sample_sgd(epochs: int, lr: float, verbose: bool = True) -> tuple[float, float, list[float]]:
    """The document's "Use SGD" loop: the gradient of one sample's loss, one step per sample."""
    w = tg.tensor(1.0, dtype=tg.float64, requires_grad=True)
    opt = optim.SGD([w], lr=lr)
    losses = []
    loss = float("nan")
    for epoch in range(epochs):
        for x, y in zip(X_DATA, Y_DATA):
            opt.zero_grad()
            (x * w - y).pow(2).backward()
            assert w.grad.item() == 2 * x * (x * w.item() - y)  # the document's gradient(x, y)
            opt.step()
            loss = (x * w.item() - y) ** 2  # the document prints the loss after the update
            losses.append(loss)
        if verbose and epoch < 2:
            print(f"  Progress: epoch={epoch + 1}, w={w.item()}, loss={loss}")
    return w.item(), loss, losses


def minibatch_sgd(epochs: int, lr: float, batch_size: int = 2,
                  seed: int = 0) -> tuple[float, float, list[float]]:
    tg.manual_seed(seed)
    data = TensorDataset(tg.tensor(X_DATA, dtype=tg.float64), tg.tensor(Y_DATA, dtype=tg.float64))
    loader = DataLoader(data, batch_size=batch_size, shuffle=True)
    w = tg.tensor(1.0, dtype=tg.float64, requires_grad=True)
    opt = optim.SGD([w], lr=lr)
    losses = []
    for _ in range(epochs):
        for xb, yb in loader:
            loss = ((xb * w - yb) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    x, y = np.array(X_DATA), np.array(Y_DATA)
    return w.item(), float(np.mean((x * w.item() - y) ** 2)), losses


def main(out_dir: str | Path, fast: bool = False) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    max_diff, figures = gradient_part(out)

    epochs, lr = 100, 0.01
    print(f"\nfit y = w*x, x={X_DATA}, y={Y_DATA}, w=1.0, lr={lr}, {epochs} epochs (float64)")
    print(f"Predict (before training) input: 5, forward: {5 * 1.0}")
    print("per-sample SGD (the document's code):")
    # (the document prints every epoch; the first two and the last are enough here)
    w_sgd, loss_sgd, curve_sgd = per_sample_sgd(epochs, lr)
    print(f"Progress: epoch={epochs}, w={w_sgd}, loss={loss_sgd}")
    print(f"Predict (after training) input: 5, forward: {5 * w_sgd}")
    w_gd, loss_gd, curve_gd = batch_gd(epochs, lr)
    w_mb, loss_mb, curve_mb = minibatch_sgd(epochs, lr)
    print("\n                 updates   w                     MSE on all 4 samples  predict(5)")
    for name, w, curve in [("batch GD", w_gd, curve_gd), ("per-sample SGD", w_sgd, curve_sgd),
                           ("mini-batch (2)", w_mb, curve_mb)]:
        mse = float(np.mean((np.array(X_DATA) * w - np.array(Y_DATA)) ** 2))
        print(f"  {name:<15}{len(curve):6d}   {w!r:<22}{mse:<22.3e}{5 * w!r}")
    print("batch GD makes one update per epoch, so after 100 epochs it is still on its way;"
          " SGD made 400 updates.")

    figures.append(out / "loss_curves.png")
    plot_loss_curves({"batch GD": curve_gd, "per-sample SGD": curve_sgd, "mini-batch SGD": curve_mb},
                     figures[-1], smooth=0.6, logy=True, xlabel="update", ylabel="loss of the batch",
                     title="y = w·x: loss per update (raw and smoothed)")
    print("\nfigures:", *[str(p) for p in figures], sep="\n  ")
    return {
        "max_grad_diff": max_diff,
        "sgd": {"w": w_sgd, "loss": loss_sgd, "predict5": 5 * w_sgd},
        "gd": {"w": w_gd, "loss": loss_gd, "predict5": 5 * w_gd},
        "minibatch": {"w": w_mb, "loss": loss_mb, "predict5": 5 * w_mb},
        "figures": figures,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=f"examples_out/{NAME}", help="folder for the figures")
    parser.add_argument("--fast", action="store_true", help="quick run (this example is already quick)")
    args = parser.parse_args()
    main(args.out, fast=args.fast)
