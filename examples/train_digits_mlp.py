"""Train an MLP on the real 8x8 handwritten digits (scikit-learn's copy, offline).

A PyTorch script with the imports changed: nn.Sequential, CrossEntropyLoss, an optimizer
from ``optim``, a OneCycleLR schedule and a DataLoader. With Adam it reaches about 99%
test accuracy in 20 epochs (a few seconds); 10 epochs already give about 98-99%.

Any of the eight optimizers can be chosen. With the learning rates below (the peak of
the one-cycle schedule), 5 epochs bring the average training loss of the last epoch
(seed 0) below:

    optimizer  lr     loss after 5 epochs
    sgd        0.2    0.07   (momentum 0.9)
    adagrad    0.1    0.12
    rmsprop    0.01   0.10
    adadelta   3.0    0.15
    adam       0.01   0.11
    adamw      0.01   0.11   (weight decay 0.01)
    nadam      0.01   0.11
    adamax     0.04   0.09

(the loss starts near ln 10 = 2.3; tests/test_training.py checks these bounds).

Run:  python examples/train_digits_mlp.py [--epochs 20] [--optimizer adam]
"""

from __future__ import annotations

import argparse

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset, random_split
from tinygrad_edu.data.datasets import load_digits

# name -> (optimizer class, keyword arguments); "lr" is the peak of the one-cycle schedule
OPTIMIZERS: dict[str, tuple[type[optim.Optimizer], dict[str, float]]] = {
    "sgd": (optim.SGD, {"lr": 0.2, "momentum": 0.9}),
    "adagrad": (optim.Adagrad, {"lr": 0.1}),
    "rmsprop": (optim.RMSprop, {"lr": 1e-2}),
    "adadelta": (optim.Adadelta, {"lr": 3.0}),
    "adam": (optim.Adam, {"lr": 1e-2}),
    "adamw": (optim.AdamW, {"lr": 1e-2, "weight_decay": 1e-2}),
    "nadam": (optim.NAdam, {"lr": 1e-2}),
    "adamax": (optim.Adamax, {"lr": 4e-2}),
}


def make_model() -> nn.Module:
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def accuracy(model: nn.Module, X: tg.Tensor, y: tg.Tensor) -> float:
    model.eval()
    with tg.no_grad():
        pred = model(X).argmax(dim=1)
    model.train()
    return (pred == y).float().mean().item()


def train(epochs: int = 20, optimizer: str = "adam", batch_size: int = 32, seed: int = 0,
          verbose: bool = True) -> dict[str, float]:
    """Train and return the last epoch's average train loss and the test accuracy."""
    tg.manual_seed(seed)  # the split, the initial weights and the batch order all follow it
    X, y = load_digits()
    train_set, test_set = random_split(TensorDataset(X, y), [0.8, 0.2])
    Xte, yte = X[test_set.indices], y[test_set.indices]
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    model = make_model()
    opt_class, opt_kwargs = OPTIMIZERS[optimizer]
    opt = opt_class(model.parameters(), **opt_kwargs)
    # Warm up, then anneal the lr to almost 0: the last epochs settle instead of
    # bouncing around. Adagrad and Adadelta have no momentum to cycle, so for a fair
    # comparison only the lr follows the cycle, for every optimizer.
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=opt_kwargs["lr"], epochs=epochs,
                                          steps_per_epoch=len(loader), cycle_momentum=False)
    loss_fn = nn.CrossEntropyLoss()
    loss_avg = float("nan")
    for epoch in range(1, epochs + 1):
        total, count = 0.0, 0
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()  # OneCycleLR steps once per batch
            total += loss.item() * len(yb)
            count += len(yb)
        loss_avg = total / count
        if verbose:
            print(f"epoch {epoch:3d}/{epochs}  train loss {loss_avg:.4f}  "
                  f"test accuracy {accuracy(model, Xte, yte):.4f}")
    return {"train_loss": loss_avg, "test_accuracy": accuracy(model, Xte, yte)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    res = train(args.epochs, args.optimizer, seed=args.seed)
    print(f"final: train loss {res['train_loss']:.4f}, test accuracy {res['test_accuracy']:.4f}")
