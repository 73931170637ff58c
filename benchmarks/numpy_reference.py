"""Hand-written numpy versions of the benchmark workloads (forward + manual backward).

These are what a careful person writes without any framework: the baseline every
tinygrad_edu figure is divided by.
"""

from __future__ import annotations

import numpy as np


def chain_forward(x: np.ndarray, c: np.ndarray, n_ops: int) -> np.ndarray:
    """The same 200-op elementwise chain as the autograd benchmark, values only."""
    y = x
    for i in range(n_ops):
        k = i % 5
        if k == 0:
            y = y + c
        elif k == 1:
            y = y * c
        elif k == 2:
            y = np.tanh(y)
        elif k == 3:
            y = np.exp(y)
        else:
            y = np.sin(y)
    return y


class NumpyMLP:
    """784-256-10 ReLU MLP with softmax cross-entropy and an SGD step, by hand."""

    def __init__(self, w1, b1, w2, b2) -> None:  # noqa: ANN001
        self.w1, self.b1, self.w2, self.b2 = (np.array(a) for a in (w1, b1, w2, b2))

    def step(self, x: np.ndarray, y: np.ndarray, lr: float) -> float:
        n = x.shape[0]
        h_pre = x @ self.w1 + self.b1
        h = np.maximum(h_pre, 0)
        logits = h @ self.w2 + self.b2
        z = logits - logits.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -logp[np.arange(n), y].mean()
        # backward: d loss / d logits = (softmax - onehot) / n
        d_logits = np.exp(logp)
        d_logits[np.arange(n), y] -= 1
        d_logits /= n
        d_w2 = h.T @ d_logits
        d_b2 = d_logits.sum(axis=0)
        d_h = d_logits @ self.w2.T
        d_h *= h_pre > 0
        d_w1 = x.T @ d_h
        d_b1 = d_h.sum(axis=0)
        self.w1 -= lr * d_w1
        self.b1 -= lr * d_b1
        self.w2 -= lr * d_w2
        self.b2 -= lr * d_b2
        return float(loss)
