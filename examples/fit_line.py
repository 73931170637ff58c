"""Fit y = w * x by stochastic gradient descent, with autodiff instead of a hand-written
derivative (document 001, "Use SGD"), then show the gradient of a small graph.

The document writes the derivative of the squared error by hand,

    d/dw (x*w - y)^2 = 2 * x * (x*w - y),

and updates w after every sample. Here ``loss.backward()`` computes that number; the
script prints the hand-written value next to it, and reproduces the document's result
(float64): w = 1.9999999999999998, loss = 7.888609052210118e-31, predict(5) = 9.999999999999998.

Run:  python examples/fit_line.py
"""

from __future__ import annotations

import tinygrad_edu as tg


def fit(epochs: int = 100, lr: float = 0.01, verbose: bool = True) -> tuple[float, float]:
    """Per-sample SGD on x = [1, 2, 3, 4], y = 2x from w = 1.0; returns (w, last loss)."""
    x_data = [1.0, 2.0, 3.0, 4.0]
    y_data = [2.0, 4.0, 6.0, 8.0]
    w = tg.tensor(1.0, dtype=tg.float64, requires_grad=True)
    if verbose:
        print(f"Predict (before training) input: 5, forward: {5 * w.item()}")
    loss = None
    for epoch in range(epochs):
        for x, y in zip(x_data, y_data):
            loss = (x * w - y) ** 2
            loss.backward()                      # w.grad = d loss / d w
            by_hand = 2 * x * (x * w.item() - y)  # the document's gradient(x, y)
            assert w.grad.item() == by_hand, (w.grad.item(), by_hand)
            with tg.no_grad():
                w -= lr * w.grad
            w.grad = None
            loss = (x * w.item() - y) ** 2       # the document prints the loss after the update
        if verbose and (epoch < 3 or epoch == epochs - 1):
            print(f"Progress: epoch={epoch + 1}, w={w.item()}, loss={loss}")
    if verbose:
        print(f"Predict (after training) input: 5, forward: {5 * w.item()}")
    return w.item(), loss


def small_graph() -> None:
    """The gradient of a small graph: f(a, b) = tanh(a * b + b) ** 2."""
    a = tg.tensor(0.5, dtype=tg.float64, requires_grad=True)
    b = tg.tensor(-1.5, dtype=tg.float64, requires_grad=True)
    f = (a * b + b).tanh() ** 2
    f.backward()
    # by hand: u = a*b + b, f = tanh(u)^2, df/du = 2 tanh(u) (1 - tanh(u)^2)
    u = a.item() * b.item() + b.item()
    t = tg.tanh(tg.tensor(u, dtype=tg.float64)).item()
    dfdu = 2 * t * (1 - t * t)
    print(f"f(a=0.5, b=-1.5) = tanh(a*b + b)^2 = {f.item():.6f}   graph: {f.grad_fn} <- ...")
    print(f"  df/da = {a.grad.item():+.6f}   by hand: df/du * b       = {dfdu * b.item():+.6f}")
    print(f"  df/db = {b.grad.item():+.6f}   by hand: df/du * (a + 1) = {dfdu * (a.item() + 1):+.6f}")


if __name__ == "__main__":
    fit()
    print()
    small_graph()
