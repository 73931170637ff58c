"""Document 002: the chain rule of output = softmax(tanh(x + b0)·w1 + b1), by hand and by autodiff.

The document builds a one-hidden-layer network for handwritten digits,

    L0 = tanh(x + b0),   L1 = L0·w1 + b1,   output = softmax(L1),   L = Σ (y − output)²,

and derives the gradient of the squared loss with the chain rule:

    ∂L/∂output = −2 (y − output)
    ∂output/∂L1 = d_softmax(L1) = diag(s) − s sᵀ          (s = softmax(L1), a full 10x10 Jacobian)
    ∂L/∂b1 = −2 (y − output) · d_softmax(L1)
    ∂L/∂w1 = L0 ⊗ ∂L/∂b1                                 (∂L1/∂w1 = L0)
    ∂L/∂b0 = ∂L/∂b1 · w1ᵀ · d_tanh                       (∂L1/∂L0 = w1, d_tanh = diag(1 − tanh²))

Part 1 computes exactly these products in numpy, with the Jacobian matrices written out as
the document does, next to ``loss.backward()``, and prints the largest difference (float64:
about 1e-15, i.e. rounding). Part 2 trains this network on the 8x8 digits (64 pixels, so
b0 has 64 entries: the document adds b0 to the input; 10 outputs, one-hot y), with the
three data sets the document names: train on the training set, choose the epoch by the
validation accuracy, and report the test accuracy once, at the end.

Run:  python examples/doc002_tanh_softmax_network.py [--out DIR] [--fast] [--epochs N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import optim
from tinygrad_edu.data import DataLoader, TensorDataset, random_split
from tinygrad_edu.data.datasets import load_digits
from tinygrad_edu.viz import plot_loss_curves

NAME = "doc002_tanh_softmax_network"


def network(x: tg.Tensor, b0: tg.Tensor, w1: tg.Tensor, b1: tg.Tensor) -> tg.Tensor:
    """output = softmax(tanh(x + b0) @ w1 + b1), for one sample (64,) or a batch (n, 64)."""
    L0 = tg.tanh(x + b0)
    L1 = L0 @ w1 + b1
    return L1.softmax(dim=-1)


def squared_loss(output: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
    """The document's L = (y - output)^2, summed over the 10 outputs (and over the samples)."""
    return ((y - output) ** 2).sum()


def gradients_by_hand(x: np.ndarray, y: np.ndarray, b0: np.ndarray, w1: np.ndarray,
                      b1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dL/db0, dL/dw1, dL/db1 with the document's chain rule, one sample at a time.

    Row vectors throughout, so a gradient times a Jacobian is ``g @ J``.
    """
    g_b0, g_w1, g_b1 = np.zeros_like(b0), np.zeros_like(w1), np.zeros_like(b1)
    for xi, yi in zip(x, y):  # L sums over samples, so the gradients add up
        L0 = np.tanh(xi + b0)
        L1 = L0 @ w1 + b1
        e = np.exp(L1 - L1.max())
        s = e / e.sum()
        dL_doutput = -2 * (yi - s)
        d_softmax = np.diag(s) - np.outer(s, s)      # ∂s_i/∂L1_j = s_i (δ_ij − s_j)
        d_tanh = np.diag(1 - L0**2)                  # diagonal: tanh acts on each entry alone
        dL_dL1 = dL_doutput @ d_softmax              # = ∂L/∂b1, since ∂L1/∂b1 = I
        g_b1 += dL_dL1
        g_w1 += np.outer(L0, dL_dL1)                 # ∂L1_j/∂w1_ij = L0_i
        g_b0 += dL_dL1 @ w1.T @ d_tanh               # ∂L1/∂L0 = w1ᵀ, ∂L0/∂b0 = d_tanh
    return g_b0, g_w1, g_b1


def check_gradients(X: tg.Tensor, Y: tg.Tensor, n: int = 8, seed: int = 0) -> float:
    """Hand-derived vs autodiff gradients on ``n`` digits, float64; returns the max abs difference."""
    rng = np.random.default_rng(seed)
    x, y = X.data[:n].astype(np.float64), Y.data[:n].astype(np.float64)
    b0_np, w1_np, b1_np = rng.normal(0, 0.5, 64), rng.normal(0, 0.5, (64, 10)), rng.normal(0, 0.5, 10)
    b0, w1, b1 = (tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in (b0_np, w1_np, b1_np))
    loss = squared_loss(network(tg.tensor(x), b0, w1, b1), tg.tensor(y))
    loss.backward()
    hand = gradients_by_hand(x, y, b0_np, w1_np, b1_np)
    print(f"gradient of L = sum (y - softmax(tanh(x + b0) w1 + b1))^2 over {n} digits (float64), "
          f"L = {loss.item():.6f}")
    worst = 0.0
    for name, auto, by_hand in zip(("b0", "w1", "b1"), (b0.grad.data, w1.grad.data, b1.grad.data), hand):
        diff = float(np.abs(auto - by_hand).max())
        worst = max(worst, diff)
        first = np.array2string(auto.ravel()[:3], precision=6)
        first_hand = np.array2string(by_hand.ravel()[:3], precision=6)
        print(f"  dL/d{name} {str(auto.shape):8} autodiff[:3] = {first}  by hand[:3] = {first_hand}"
              f"  max |diff| = {diff:.1e}")
    print(f"  largest difference: {worst:.1e}")
    return worst


def accuracy(X: tg.Tensor, y: tg.Tensor, params: tuple[tg.Tensor, ...]) -> float:
    with tg.no_grad():
        return float((network(X, *params).argmax(dim=1) == y).float().mean().item())


def train(X: tg.Tensor, y: tg.Tensor, epochs: int, lr: float = 0.5, seed: int = 0) -> dict:
    tg.manual_seed(seed)
    Y = F.one_hot(y, 10).float()
    train_set, val_set, test_set = random_split(TensorDataset(X, Y), [0.6, 0.2, 0.2])
    idx = {name: s.indices for name, s in (("train", train_set), ("val", val_set), ("test", test_set))}
    print(f"\ntraining on the digits: {len(train_set)} train / {len(val_set)} validation / "
          f"{len(test_set)} test images; plain mini-batch SGD, lr={lr}, batch 32")
    b0 = tg.zeros(64, requires_grad=True)            # added to the 64 pixels
    w1 = (tg.randn(64, 10) * 0.1).requires_grad_()
    b1 = tg.zeros(10, requires_grad=True)
    params = (b0, w1, b1)
    opt = optim.SGD(params, lr=lr)
    loader = DataLoader(train_set, batch_size=32, shuffle=True)
    losses, history = [], []
    best = (-1.0, 0, None)
    for epoch in range(1, epochs + 1):
        for xb, Yb in loader:
            loss = squared_loss(network(xb, *params), Yb) / len(xb)  # mean over the batch
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        tr = accuracy(X[idx["train"]], y[idx["train"]], params)
        va = accuracy(X[idx["val"]], y[idx["val"]], params)
        history.append({"epoch": epoch, "train_acc": tr, "val_acc": va})
        print(f"  epoch {epoch:3d}  loss {np.mean(losses[-len(loader):]):.4f}  "
              f"train accuracy {tr:.4f}  validation accuracy {va:.4f}")
        if va > best[0]:  # the validation set chooses the epoch; the test set stays unseen
            best = (va, epoch, [p.data.copy() for p in params])
    best_params = tuple(tg.tensor(a) for a in best[2])
    test_acc = accuracy(X[idx["test"]], y[idx["test"]], best_params)
    print(f"best validation accuracy {best[0]:.4f} at epoch {best[1]}; "
          f"test accuracy of that model (measured once): {test_acc:.4f}")
    return {"history": history, "losses": losses, "best_epoch": best[1], "val_acc": best[0],
            "test_acc": test_acc}


def main(out_dir: str | Path, fast: bool = False, epochs: int | None = None) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    X, y = load_digits()
    max_diff = check_gradients(X, F.one_hot(y, 10).float())
    result = train(X, y, epochs or (4 if fast else 20))
    figure = out / "loss.png"
    plot_loss_curves({"squared loss": result["losses"]}, figure, smooth=0.9, xlabel="mini-batch",
                     title="softmax(tanh(x + b0)·w1 + b1), squared loss")
    print("\nfigures:", f"  {figure}", sep="\n")
    return {"max_grad_diff": max_diff, **result, "figures": [figure]}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=f"examples_out/{NAME}", help="folder for the figures")
    parser.add_argument("--fast", action="store_true", help="train for 4 epochs instead of 20")
    parser.add_argument("--epochs", type=int, default=None, help="number of training epochs (default 20)")
    args = parser.parse_args()
    main(args.out, fast=args.fast, epochs=args.epochs)
