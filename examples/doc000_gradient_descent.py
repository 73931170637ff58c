"""Document 000: gradient descent on y = x², with autodiff instead of ``dfunc(x) = 2x``.

The document (gd1.py) writes the derivative by hand and runs ``GD(x_start=5, epochs=15,
lr=0.3)``. Here ``loss.backward()`` finds the derivative and ``optim.SGD`` takes the step
``x ← x − lr · dy/dx``; the iterates are the same numbers. Then:

* the learning-rate comparison: too small crawls, too large oscillates, lr > 1 diverges
  (each step multiplies x by 1 − 2·lr, so |1 − 2·lr| > 1 grows);
* a non-convex function with a local minimum: gradient descent only follows the local
  slope, so where it ends depends on where it starts (the document's last remark).

Figures go to the output folder (default ``examples_out/doc000_gradient_descent/``).

Run:  python examples/doc000_gradient_descent.py [--out DIR] [--fast]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tinygrad_edu.viz import gradient_descent_1d, plot_descent_1d

NAME = "doc000_gradient_descent"
LEARNING_RATES = [0.01, 0.1, 0.3, 0.9, 1.01]


def func(x):
    """The document's objective, y = x^2 (works on Tensors and on numpy arrays)."""
    return x**2


def bumpy(x):
    """A non-convex loss: a global minimum near x = -1.30 and a local one near x = 1.13."""
    return x**4 - 3 * x**2 + x


def gd_by_hand(x_start: float, epochs: int, lr: float) -> np.ndarray:
    """The document's GD with its hand-written derivative dfunc(x) = 2x, kept verbatim."""
    xs = np.zeros(epochs + 1)
    x = x_start
    xs[0] = x
    for i in range(epochs):
        dx = 2 * x
        v = -dx * lr
        x += v
        xs[i + 1] = x
    return xs


def main(out_dir: str | Path, fast: bool = False) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = []

    # 1. GD(x_start=5, epochs=15, lr=0.3), the derivative from autodiff (float64)
    xs = gradient_descent_1d(func, 5.0, lr=0.3, epochs=15)
    print("x after each epoch (autodiff + optim.SGD):")
    print(xs)
    # The document prints "[-5. -2. -0.8 -0.32 -0.128 -0.0512]": the signs are wrong. Each
    # step is x - 0.3 * 2x = 0.4 x, so from x_start = 5 every iterate is 5 * 0.4^k > 0.
    by_hand = gd_by_hand(5.0, 15, 0.3)
    print("identical to the document's GD with dfunc(x) = 2x:", bool(np.array_equal(xs, by_hand)))
    print("max |x_k - 5 * 0.4^k| =", float(np.abs(xs - 5 * 0.4 ** np.arange(16)).max()))
    figures.append(out / "gd_x_squared.png")
    plot_descent_1d(func, 5.0, 0.3, 15, figures[-1], xlim=(-6, 6), title="y = x², x_start=5, lr=0.3")

    # 2. the learning rate: x_k = 5 (1 - 2 lr)^k
    print("\nlearning rate -> x after 15 epochs")
    lr_final = {}
    for lr in LEARNING_RATES:
        lr_final[lr] = float(gradient_descent_1d(func, 5.0, lr=lr, epochs=15)[-1])
        behaviour = "diverges" if abs(1 - 2 * lr) > 1 else "oscillates" if 1 - 2 * lr < 0 else "converges"
        print(f"  lr={lr:<5g} x_15={lr_final[lr]: .6g}   "
              f"({behaviour}: each step multiplies x by {1 - 2 * lr:g})")
    figures.append(out / "learning_rates.png")
    plot_descent_1d(func, 5.0, LEARNING_RATES, 15, figures[-1], title="y = x² for several learning rates")

    # 3. non-convex: the start decides which minimum gradient descent finds
    epochs = 100
    ends = {}
    for start in (2.0, -2.0):
        path = gradient_descent_1d(bumpy, start, lr=0.01, epochs=epochs)
        ends[start] = float(path[-1])
        print(f"\ny = x^4 - 3x^2 + x from x={start:+g}, lr=0.01, {epochs} epochs: "
              f"x={ends[start]:.6f}, y={float(bumpy(ends[start])):.6f}")
    print("from x=+2 gradient descent is stuck in the local minimum; from x=-2 it finds the global one")
    figures.append(out / "local_minimum.png")
    plot_descent_1d(bumpy, [2.0, -2.0], 0.01, epochs, figures[-1], xlim=(-2.3, 2.3),
                    title="y = x⁴ − 3x² + x: the start decides the minimum")

    print("\nfigures:", *[str(p) for p in figures], sep="\n  ")
    return {
        "iterates": xs.tolist(),
        "by_hand": by_hand.tolist(),
        "lr_final": lr_final,
        "local_end": ends[2.0],
        "global_end": ends[-2.0],
        "figures": figures,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=f"examples_out/{NAME}", help="folder for the figures")
    parser.add_argument("--fast", action="store_true", help="quick run (this example is already quick)")
    args = parser.parse_args()
    main(args.out, fast=args.fast)
