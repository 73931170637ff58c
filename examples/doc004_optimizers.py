"""Document 004: the optimizers SGD, Momentum, Adagrad, RMSprop and Adam, compared.

1. The well-known animations: every optimizer starts at the same point of a 2-D surface
   and we watch where each one goes (an animated GIF and a still PNG per surface):
   * Beale's function, with flat plateaus and a curved valley leading to (3, 0.5);
   * the saddle x² − y², started on the ridge at (1, 0.001). Plain SGD slides towards the
     saddle point (0, 0), where the gradient vanishes, and leaves it only slowly: the
     y-coordinate grows by a factor 1 + 2·lr per step. Momentum builds up speed; RMSprop
     and Adam divide each coordinate's gradient by its recent size, so even the tiny
     gradient along y gives steps of about lr. Adagrad divides by the size of all the
     gradients so far, so its steps shrink like 1/√t and it leaves slowly too.
2. The same optimizers train the digits MLP (64 -> 128 -> 10) from the same initial
   weights with the same batches; their loss curves on one plot.

Every path and every step is ``tinygrad_edu.optim`` (see ``tg.viz.standard_optimizers``).

Run:  python examples/doc004_optimizers.py [--out DIR] [--fast]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset, random_split
from tinygrad_edu.data.datasets import load_digits
from tinygrad_edu.viz import (
    animate_trajectories,
    beale,
    optimizer_trajectories,
    plot_loss_curves,
    plot_trajectories,
    saddle,
    standard_optimizers,
)

NAME = "doc004_optimizers"

# Learning rates that suit each surface: the adaptive methods step about lr whatever the
# gradient's size, plain SGD steps lr times the gradient, which is large on Beale's walls.
BEALE_LRS = {"SGD": 1e-3, "Momentum": 1e-3, "Nesterov": 1e-3, "Adagrad": 0.5, "RMSprop": 0.01, "Adam": 0.05}
SADDLE_LR = 0.01
SADDLE_START = (1.0, 1e-3)

DIGITS_OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.1),
    "Momentum": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.05),
    "RMSprop": lambda p: optim.RMSprop(p, lr=1e-3),
    "Adam": lambda p: optim.Adam(p, lr=1e-3),
}


def surfaces(out: Path, fast: bool) -> dict:
    figures = []
    anim = {"frames": 8, "hold": 0.0, "dpi": 50} if fast else {"frames": 60, "hold": 1.5, "dpi": 80}

    steps = 100 if fast else 300
    beale_paths = optimizer_trajectories(beale, (1.0, 1.5), standard_optimizers(BEALE_LRS), steps)
    print(f"Beale's function from (1, 1.5), {steps} steps (minimum 0 at (3, 0.5)):")
    for name, p in beale_paths.items():
        print(f"  {name:<9} lr={BEALE_LRS[name]:<6g} ends at ({p[-1, 0]:.4f}, {p[-1, 1]:.4f}), "
              f"f = {float(beale(p[-1, 0], p[-1, 1])):.5f}")
    view = {"xlim": (-0.5, 4.0), "ylim": (-1.5, 2.0), "minimum": (3.0, 0.5)}
    figures.append(out / "beale.png")
    plot_trajectories(beale, beale_paths, figures[-1], title="Beale's function", **view)
    figures.append(out / "beale.gif")
    animate_trajectories(beale, beale_paths, figures[-1], title="Beale's function", **view, **anim)

    steps = 100 if fast else 200
    saddle_paths = optimizer_trajectories(saddle, SADDLE_START, standard_optimizers(SADDLE_LR), steps)
    print(f"\nthe saddle x^2 - y^2 from {SADDLE_START}, lr={SADDLE_LR}, {steps} steps:")
    escape = {}
    for name, p in saddle_paths.items():
        away = np.nonzero(np.abs(p[:, 1]) > 1.0)[0]
        escape[name] = int(away[0]) if len(away) else None
        when = f"|y| > 1 after {escape[name]} steps" if escape[name] is not None else "still near the ridge"
        print(f"  {name:<9} ends at ({p[-1, 0]:+.3g}, {p[-1, 1]:+.3g})   {when}")
    view = {"xlim": (-1.5, 1.5), "ylim": (-0.5, 2.5)}
    figures.append(out / "saddle.png")
    plot_trajectories(saddle, saddle_paths, figures[-1], title="the saddle x² − y²", **view)
    figures.append(out / "saddle.gif")
    animate_trajectories(saddle, saddle_paths, figures[-1], title="the saddle x² − y²", **view, **anim)
    return {"beale": {k: v[-1].tolist() for k, v in beale_paths.items()},
            "saddle_paths": saddle_paths, "saddle_escape": escape, "figures": figures}


def digits(out: Path, fast: bool, seed: int = 0) -> dict:
    epochs = 2 if fast else 15
    tg.manual_seed(seed)
    X, y = load_digits()
    train_set, test_set = random_split(TensorDataset(X, y), [0.8, 0.2])
    Xte, yte = X[test_set.indices], y[test_set.indices]
    print(f"\nthe digits MLP 64 -> 128 -> 10, {epochs} epochs, batch 32, the same start for every optimizer")
    curves, results = {}, {}
    for name, make in DIGITS_OPTIMIZERS.items():
        tg.manual_seed(seed)  # the same initial weights and the same batches for each optimizer
        model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
        opt = make(model.parameters())
        loss_fn = nn.CrossEntropyLoss()
        losses = []
        for _ in range(epochs):
            for xb, yb in DataLoader(train_set, batch_size=32, shuffle=True):
                loss = loss_fn(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
        with tg.no_grad():
            acc = float((model(Xte).argmax(dim=1) == yte).float().mean().item())
        last_epoch = float(np.mean(losses[-len(losses) // epochs:]))
        curves[name], results[name] = losses, {"final_loss": last_epoch, "first_loss": losses[0],
                                               "test_accuracy": acc}
        print(f"  {name:<9} loss of the last epoch {last_epoch:.4f}   test accuracy {acc:.4f}")
    figure = out / "digits_loss_curves.png"
    plot_loss_curves(curves, figure, smooth=0.9, xlabel="mini-batch", ylabel="cross-entropy", logy=True,
                     title="digits MLP: the same network, five optimizers")
    return {"digits": results, "figures": [figure]}


def main(out_dir: str | Path, fast: bool = False) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    surf = surfaces(out, fast)
    dig = digits(out, fast)
    figures = surf.pop("figures") + dig.pop("figures")
    print("\nfigures:", *[str(p) for p in figures], sep="\n  ")
    return {**surf, **dig, "figures": figures}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=f"examples_out/{NAME}", help="folder for the figures and GIFs")
    parser.add_argument("--fast", action="store_true", help="fewer steps, epochs and frames")
    args = parser.parse_args()
    main(args.out, fast=args.fast)
