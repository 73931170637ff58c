"""An LSTM learns to continue a sine wave: from 20 samples of sin(t + phase), predict
the next one. After 5 epochs its test error is about 500 times smaller than that of
always predicting the last value seen ("tomorrow = today"); after 15, over 10,000 times.

Run:  python examples/train_lstm_sine.py [--epochs 15]
"""

from __future__ import annotations

import argparse

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset


class SinePredictor(nn.Module):
    def __init__(self, hidden: int = 32) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        out, _ = self.lstm(x)             # (N, L, hidden): the hidden state after each step
        return self.head(out[:, -1])      # the value after the last step: (N, 1)


def make_sine_data(n: int, length: int = 20, step: float = 0.3, seed: int = 0) -> tuple[tg.Tensor, tg.Tensor]:
    """``n`` windows of ``length + 1`` samples of a sine with random phase: inputs
    ``(n, length, 1)`` (batch, time, feature) and targets ``(n, 1)``, the sample after."""
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    wave = np.sin(phase + step * np.arange(length + 1)).astype(np.float32)
    return tg.tensor(wave[:, :length, None]), tg.tensor(wave[:, length:])


def train(epochs: int = 15, seed: int = 0, verbose: bool = True) -> dict[str, float]:
    """Train and return the test MSE, the "repeat the last value" baseline's test MSE and
    the last epoch's average train MSE."""
    tg.manual_seed(seed)
    X, y = make_sine_data(512, seed=seed)
    X_test, y_test = make_sine_data(200, seed=seed + 1)  # other phases than in training
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    model = SinePredictor()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()
    baseline = loss_fn(X_test[:, -1], y_test).item()  # "tomorrow = today"

    def test_mse() -> float:
        with tg.no_grad():
            return loss_fn(model(X_test), y_test).item()

    loss_avg = float("nan")
    for epoch in range(1, epochs + 1):
        total, count = 0.0, 0
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            count += len(yb)
        loss_avg = total / count
        if verbose:
            print(f"epoch {epoch:3d}/{epochs}  train mse {loss_avg:.2e}  test mse {test_mse():.2e}  "
                  f"(baseline {baseline:.2e})")
    return {"train_mse": loss_avg, "test_mse": test_mse(), "baseline_mse": baseline}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    res = train(args.epochs, seed=args.seed)
    ratio = res["baseline_mse"] / res["test_mse"]
    print(f"final: test mse {res['test_mse']:.2e}, baseline (repeat the last value) "
          f"{res['baseline_mse']:.2e}, baseline / test = {ratio:.3g}")
