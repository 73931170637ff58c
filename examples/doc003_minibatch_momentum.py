"""Document 003: mini-batch SGD in five steps, momentum past a local minimum, Adagrad and RMSProp.

1. The five steps of mini-batch stochastic gradient descent, written out one by one on a
   small network (two moons, 2 -> 16 -> 2): (1) draw a batch, (2) run the network,
   (3) compute the loss, (4) backward pass, (5) ``W -= step * gradient``.
2. A 1-D loss with a local and a global minimum. Plain SGD with a small learning rate
   settles in the local minimum; SGD with momentum (the ball rolling downhill keeps its
   speed) rolls over the bump into the global one. Both with ``optim.SGD``.
3. A 2-D loss surface, the mean squared error of y = w·x + b as a function of (w, b), with
   the gradient-descent path on it, and the same start for Momentum, Adagrad and RMSProp.
4. The chain rule on f(W1, W2, W3) = a(W1, b(W2, c(W3))): the derivative multiplied out
   by hand next to ``backward()`` (``tg.viz.explain(f)`` prints these steps for any graph).

Run:  python examples/doc003_minibatch_momentum.py [--out DIR] [--fast]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.data.datasets import make_moons
from tinygrad_edu.viz import (
    gradient_descent_1d,
    optimizer_trajectories,
    plot_loss_curves,
    plot_paths_1d,
    plot_surface,
    plot_trajectories,
    standard_optimizers,
)

NAME = "doc003_minibatch_momentum"


# --------------------------------------------------------------------------- 1. five steps


def five_step_sgd(iterations: int, step: float = 0.5, batch_size: int = 32, seed: int = 0) -> dict:
    tg.manual_seed(seed)
    X, y = make_moons(400, noise=0.15)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    loss_fn = nn.CrossEntropyLoss()
    rng = tg.random.generator()  # the project's generator: tg.manual_seed makes batches reproducible
    with tg.no_grad():
        first_loss = loss_fn(model(X), y).item()
    losses = []
    for it in range(iterations):
        idx = rng.choice(len(X), size=batch_size, replace=False)
        xb, yb = X[idx], y[idx]                 # (1) draw a batch of samples x and targets y
        y_pred = model(xb)                      # (2) run the network on x: predictions y_pred
        loss = loss_fn(y_pred, yb)              # (3) the loss: how far y_pred is from y
        for p in model.parameters():
            p.grad = None
        loss.backward()                         # (4) gradient of the loss w.r.t. every parameter
        with tg.no_grad():
            for W in model.parameters():
                W -= step * W.grad              # (5) move against the gradient (= optim.SGD.step())
        losses.append(loss.item())
        if it % max(iterations // 5, 1) == 0 or it == iterations - 1:
            print(f"  iteration {it + 1:4d}  batch loss {loss.item():.4f}")
    with tg.no_grad():
        logits = model(X)
        last_loss = loss_fn(logits, y).item()
        acc = float((logits.argmax(dim=1) == y).float().mean().item())
    print(f"  loss on all 400 points: {first_loss:.4f} before, {last_loss:.4f} after; accuracy {acc:.3f}")
    return {"first_loss": first_loss, "last_loss": last_loss, "accuracy": acc, "losses": losses}


# --------------------------------------------------------------------------- 2. local minimum


def bumpy(x):
    """x^4 - 3x^2 + x: a local minimum near x = 1.13, the global one near x = -1.30."""
    return x**4 - 3 * x**2 + x


# --------------------------------------------------------------------------- 3. 2-D surface


def make_line_data(n: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    tg.manual_seed(seed)
    x = np.linspace(0.0, 2.0, n)
    return x, 2.0 * x + 1.0 + 0.2 * tg.randn(n, dtype=tg.float64).numpy()


def line_loss(x: np.ndarray, y: np.ndarray):
    """MSE of y = w·x + b as a function of the two parameters (w, b).

    Written as a sum over the samples, so that it works on grids of (w, b) values (for the
    surface) as well as on the two scalars the optimizer moves.
    """
    def loss(w, b):
        total = 0.0
        for xi, yi in zip(x, y):
            total = total + (w * xi + b - yi) ** 2
        return total / len(x)

    return loss


# --------------------------------------------------------------------------- 4. chain rule


def chain_rule() -> dict:
    W1, W2, W3 = (tg.tensor(v, dtype=tg.float64, requires_grad=True) for v in (0.7, -1.3, 0.4))
    c = tg.tanh(W3)            # c(W3)
    b = tg.tanh(W2 * c)        # b(W2, c)
    f = W1 * b                 # a(W1, b)
    f.backward()
    cv, bv = np.tanh(0.4), np.tanh(-1.3 * np.tanh(0.4))
    by_hand = {  # reverse mode: start at f and multiply the local derivatives going down
        "W1": bv,                                         # ∂a/∂W1 = b
        "W2": 0.7 * (1 - bv**2) * cv,                     # ∂a/∂b · ∂b/∂W2
        "W3": 0.7 * (1 - bv**2) * -1.3 * (1 - cv**2),     # ∂a/∂b · ∂b/∂c · ∂c/∂W3
    }
    auto = {"W1": W1.grad.item(), "W2": W2.grad.item(), "W3": W3.grad.item()}
    print("f(W1, W2, W3) = a(W1, b(W2, c(W3))) with c = tanh(W3), b = tanh(W2 c), a = W1 b")
    for k in auto:
        print(f"  df/d{k} = {auto[k]:+.12f}   chain rule by hand: {by_hand[k]:+.12f}")
    return {"autodiff": auto, "by_hand": by_hand}


def main(out_dir: str | Path, fast: bool = False) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = []

    print("1. mini-batch SGD in five steps (two moons, 2 -> 16 -> 2, step 0.5, batch 32)")
    five = five_step_sgd(60 if fast else 400)
    figures.append(out / "five_step_loss.png")
    plot_loss_curves({"batch loss": five["losses"]}, figures[-1], smooth=0.9, xlabel="iteration",
                     title="mini-batch SGD: loss of each batch")

    print("\n2. a local and a global minimum: y = x^4 - 3x^2 + x from x = 2, lr = 0.01, 300 steps")
    sgd = gradient_descent_1d(bumpy, 2.0, lr=0.01, epochs=300)
    mom = gradient_descent_1d(bumpy, 2.0, lr=0.01, epochs=300, momentum=0.9)
    for name, end, note in [("SGD", sgd[-1], "stuck in the local minimum"),
                            ("SGD + momentum 0.9", mom[-1], "rolled on to the global one")]:
        print(f"  {name + ':':<20} x = {end:+.6f}, loss = {float(bumpy(end)):+.6f}  ({note})")
    figures.append(out / "momentum_escapes.png")
    plot_paths_1d(bumpy, {"SGD, lr=0.01": sgd, "SGD + momentum 0.9": mom}, figures[-1], xlim=(-2.2, 2.2),
                  title="a ball with momentum rolls past the local minimum")

    steps = 40 if fast else 100
    print(f"\n3. the loss surface of y = w*x + b over (w, b), descent from (w, b) = (-1, 3.5), {steps} steps")
    x, y = make_line_data()
    loss = line_loss(x, y)
    w_best, b_best = np.polyfit(x, y, 1)  # least squares: the bottom of the bowl
    lrs = {"SGD": 0.1, "Momentum": 0.05, "Adagrad": 0.5, "RMSprop": 0.02}
    paths = optimizer_trajectories(loss, (-1.0, 3.5), standard_optimizers(lrs), steps=steps)
    finals = {}
    for name, p in paths.items():
        finals[name] = (float(p[-1, 0]), float(p[-1, 1]), float(loss(p[-1, 0], p[-1, 1])))
        print(f"  {name:<9} w = {p[-1, 0]:.4f}, b = {p[-1, 1]:.4f}, loss = {finals[name][2]:.5f}")
    print(f"  least squares: w = {w_best:.4f}, b = {b_best:.4f}, loss = {float(loss(w_best, b_best)):.5f}")
    figures.append(out / "loss_surface.png")
    plot_surface(loss, figures[-1], (-1.5, 4.0), (-1.5, 4.5), n=25 if fast else 40,
                 paths={"SGD": paths["SGD"]}, labels=("w", "b"), elev=45, azim=-120,
                 title="gradient descent on the loss surface")
    figures.append(out / "optimizers_on_surface.png")
    plot_trajectories(loss, paths, figures[-1], xlim=(-1.5, 4.0), ylim=(-1.5, 4.5),
                      minimum=(w_best, b_best), labels=("w", "b"),
                      title="SGD, Momentum, Adagrad, RMSProp from the same start")

    print("\n4. backpropagation is the chain rule, applied from the loss backwards")
    chain = chain_rule()

    print("\nfigures:", *[str(p) for p in figures], sep="\n  ")
    return {"five_step": {k: v for k, v in five.items() if k != "losses"},
            "sgd_end": float(sgd[-1]), "momentum_end": float(mom[-1]),
            "surface": finals, "least_squares": (float(w_best), float(b_best)),
            "chain_rule": chain, "figures": figures}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=f"examples_out/{NAME}", help="folder for the figures")
    parser.add_argument("--fast", action="store_true", help="fewer iterations")
    args = parser.parse_args()
    main(args.out, fast=args.fast)
