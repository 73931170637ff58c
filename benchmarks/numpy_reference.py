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


def numpy_mlp_epoch(mlp: NumpyMLP, x: np.ndarray, y: np.ndarray, batch_size: int, lr: float,
                    rng: np.random.Generator) -> float:
    """One epoch of ``mlp.step`` over shuffled mini-batches (the last one may be smaller);
    returns the mean of the batch losses."""
    order = rng.permutation(len(x))
    total, count = 0.0, 0
    for start in range(0, len(x), batch_size):
        idx = order[start : start + batch_size]
        total += mlp.step(x[idx], y[idx], lr)
        count += 1
    return total / count


def _im2col(x: np.ndarray, k: int) -> np.ndarray:
    """(N, C, H, W) -> (N, C*k*k, OH*OW) for a k x k kernel, stride 1, no padding."""
    n, c, h, w = x.shape
    oh, ow = h - k + 1, w - k + 1
    s_n, s_c, s_h, s_w = x.strides
    view = np.lib.stride_tricks.as_strided(x, (n, c, k, k, oh, ow), (s_n, s_c, s_h, s_w, s_h, s_w))
    return np.ascontiguousarray(view).reshape(n, c * k * k, oh * ow)


def _col2im(cols: np.ndarray, shape: tuple, k: int) -> np.ndarray:
    """The adjoint of ``_im2col``: add every column entry back where it was copied from."""
    n, c, h, w = shape
    oh, ow = h - k + 1, w - k + 1
    p = cols.reshape(n, c, k, k, oh, ow)
    out = np.zeros(shape, dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            out[:, :, i : i + oh, j : j + ow] += p[:, :, i, j]
    return out


def _maxpool2(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pooling (stride 2, floor); also returns the (4, N, C, OH, OW) mask of the
    first maximum of each window (row-major, as PyTorch), where its gradient goes."""
    n, c, h, w = x.shape
    oh, ow = h // 2, w // 2
    # the 4 offsets of every window to the front, contiguous, so that every pass below is
    # a fast elementwise one (np.argmax or np.cumsum over a short axis are ~20x slower)
    blocks = x[:, :, : 2 * oh, : 2 * ow].reshape(n, c, oh, 2, ow, 2).transpose(3, 5, 0, 1, 2, 4)
    blocks = np.ascontiguousarray(blocks).reshape(4, n, c, oh, ow)
    y = blocks.max(axis=0)
    first = blocks == y
    seen = first[0].copy()
    for k in range(1, 4):  # keep only the first hit of each window
        first[k] &= ~seen
        seen |= first[k]
    return y, first


def _maxpool2_backward(g: np.ndarray, first: np.ndarray, shape: tuple) -> np.ndarray:
    oh, ow = g.shape[2:]
    out = np.zeros(shape, dtype=g.dtype)
    for k in range(4):
        out[:, :, k // 2 : 2 * oh : 2, k % 2 : 2 * ow : 2] = g * first[k]
    return out


class NumpyCNN:
    """conv(1->8, 3x3) relu maxpool2 conv(8->16, 3x3) relu maxpool2 flatten linear(400->10),
    softmax cross-entropy and an SGD step, by hand with im2col. Weights in PyTorch's layout."""

    def __init__(self, w1, b1, w2, b2, w3, b3) -> None:  # noqa: ANN001
        self.params = [np.array(a) for a in (w1, b1, w2, b2, w3, b3)]

    @staticmethod
    def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, _, h, wd = x.shape
        o, k = w.shape[0], w.shape[-1]
        cols = _im2col(x, k)
        y = np.matmul(w.reshape(o, -1), cols) + b[:, None]
        return y.reshape(n, o, h - k + 1, wd - k + 1), cols

    @staticmethod
    def _conv_backward(g: np.ndarray, cols: np.ndarray, w: np.ndarray, x_shape: tuple | None) -> tuple:
        n, o = g.shape[:2]
        g = g.reshape(n, o, -1)
        dw = np.matmul(g, cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
        db = g.sum(axis=(0, 2))
        dx = None if x_shape is None else _col2im(np.matmul(w.reshape(o, -1).T, g), x_shape, w.shape[-1])
        return dw, db, dx

    def step(self, x: np.ndarray, y: np.ndarray, lr: float) -> float:
        w1, b1, w2, b2, w3, b3 = self.params
        n = x.shape[0]
        c1, cols1 = self._conv(x, w1, b1)
        r1 = np.maximum(c1, 0)
        p1, first1 = _maxpool2(r1)
        c2, cols2 = self._conv(p1, w2, b2)
        r2 = np.maximum(c2, 0)
        p2, first2 = _maxpool2(r2)
        flat = p2.reshape(n, -1)
        logits = flat @ w3.T + b3
        z = logits - logits.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -logp[np.arange(n), y].mean()
        # backward, layer by layer in reverse
        d_logits = np.exp(logp)
        d_logits[np.arange(n), y] -= 1
        d_logits /= n
        dw3 = d_logits.T @ flat
        db3 = d_logits.sum(axis=0)
        d_p2 = (d_logits @ w3).reshape(p2.shape)
        d_c2 = _maxpool2_backward(d_p2, first2, r2.shape) * (c2 > 0)
        dw2, db2, d_p1 = self._conv_backward(d_c2, cols2, w2, p1.shape)
        d_c1 = _maxpool2_backward(d_p1, first1, r1.shape) * (c1 > 0)
        dw1, db1, _ = self._conv_backward(d_c1, cols1, w1, None)  # no gradient for the images
        for p, d in zip(self.params, (dw1, db1, dw2, db2, dw3, db3)):
            p -= lr * d
        return float(loss)
