"""Train a small CNN (Conv2d, BatchNorm2d, MaxPool2d) on the 8x8 handwritten digits.

Adam with a OneCycleLR schedule and label smoothing; reaches about 99% test accuracy
in 10 epochs (6 epochs already give about 99%).

Run:  python examples/train_digits_cnn.py [--epochs 10]
"""

from __future__ import annotations

import argparse

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset, random_split
from tinygrad_edu.data.datasets import load_digits


def make_model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1),   # (N, 16, 8, 8)
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),                              # (N, 16, 4, 4)
        nn.Conv2d(16, 32, kernel_size=3, padding=1),  # (N, 32, 4, 4)
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),                              # (N, 32, 2, 2)
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


def accuracy(model: nn.Module, X: tg.Tensor, y: tg.Tensor) -> float:
    model.eval()  # BatchNorm uses its running statistics, not the test batch's
    with tg.no_grad():
        pred = model(X).argmax(dim=1)
    model.train()
    return (pred == y).float().mean().item()


def train(epochs: int = 10, batch_size: int = 32, seed: int = 0, verbose: bool = True) -> dict[str, float]:
    """Train and return the last epoch's average train loss and the test accuracy."""
    tg.manual_seed(seed)
    X, y = load_digits()
    X = X.reshape(-1, 1, 8, 8)  # (N, channels, height, width)
    train_set, test_set = random_split(TensorDataset(X, y), [0.8, 0.2])
    Xte, yte = X[test_set.indices], y[test_set.indices]
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    model = make_model()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    # lr warms up to 1e-2 and anneals to ~0 while Adam's beta1 cycles the other way
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, epochs=epochs, steps_per_epoch=len(loader))
    # Soft targets (0.9 on the true class, the rest spread evenly) keep the net from
    # growing ever more confident on the few training images: better test accuracy.
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    loss_avg = float("nan")
    for epoch in range(1, epochs + 1):
        total, count = 0.0, 0
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()  # once per batch
            total += loss.item() * len(yb)
            count += len(yb)
        loss_avg = total / count
        if verbose:
            print(f"epoch {epoch:3d}/{epochs}  train loss {loss_avg:.4f}  "
                  f"test accuracy {accuracy(model, Xte, yte):.4f}")
    return {"train_loss": loss_avg, "test_accuracy": accuracy(model, Xte, yte)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    res = train(args.epochs, seed=args.seed)
    print(f"final: train loss {res['train_loss']:.4f}, test accuracy {res['test_accuracy']:.4f}")
