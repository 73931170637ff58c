"""Hand-written numpy versions of the benchmark workloads (forward + manual backward).

These are what a careful person writes without any framework: the baseline every
tinygrad_edu figure is divided by. Each keeps only what its backward needs and computes
no gradient nobody asked for (e.g. none for the input images).
"""

from __future__ import annotations

import numpy as np

# ------------------------------------------------------------------ W1, W4: op chains


def chain_forward(x: np.ndarray, c: np.ndarray, n_ops: int) -> np.ndarray:
    """The elementwise chain of the autograd benchmark (add, mul, tanh, exp, sin), values only."""
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


def chain_forward_backward(x: np.ndarray, c: np.ndarray, n_ops: int) -> tuple[np.ndarray, np.ndarray]:
    """The same chain with its backward by hand: returns (y, d sum(y) / dx).

    Forward keeps, per op, the one array its derivative needs (tanh and exp: their output,
    sin: its input); backward multiplies the local derivatives in reverse order.
    Works on arrays and on numpy scalars alike (W4 runs it on float32 scalars).
    """
    y = x
    saved = [None] * n_ops
    for i in range(n_ops):
        k = i % 5
        if k == 0:
            y = y + c
        elif k == 1:
            y = y * c
        elif k == 2:
            y = np.tanh(y)
            saved[i] = y
        elif k == 3:
            y = np.exp(y)
            saved[i] = y
        else:
            saved[i] = y
            y = np.sin(y)
    g = np.ones_like(y)
    for i in range(n_ops - 1, -1, -1):
        k = i % 5
        if k == 1:  # d(y c)/dy = c
            g = g * c
        elif k == 2:  # d tanh = 1 - tanh^2
            s = saved[i]
            g = g * (1 - s * s)
        elif k == 3:  # d exp = exp
            g = g * saved[i]
        elif k == 4:  # d sin = cos
            g = g * np.cos(saved[i])
    return y, g


# ------------------------------------------------------------------ W2, W3, W7: MLPs


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of ``logits`` against class indices ``y``, and d loss / d logits."""
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -logp[rows, y].mean()
    d_logits = np.exp(logp)  # softmax - onehot, over n
    d_logits[rows, y] -= 1
    d_logits /= n
    return float(loss), d_logits


class NumpyMLP:
    """ReLU MLP with softmax cross-entropy and an SGD or Adam step, by hand.

    ``NumpyMLP(w1, b1, w2, b2, ...)``: weights in the ``x @ W`` layout (in, out), which
    gives every weight gradient (``x^T @ d``) directly in that layout.
    """

    def __init__(self, *params: np.ndarray, optimizer: str = "sgd", betas=(0.9, 0.999),  # noqa: ANN001
                 eps: float = 1e-8) -> None:
        self.params = [np.array(a) for a in params]
        self.optimizer, self.betas, self.eps, self.t = optimizer, betas, eps, 0
        if optimizer == "adam":
            self.m = [np.zeros_like(p) for p in self.params]
            self.v = [np.zeros_like(p) for p in self.params]

    def step(self, x: np.ndarray, y: np.ndarray, lr: float) -> float:
        ws, bs = self.params[0::2], self.params[1::2]
        acts, pre = [x], []
        for k, (w, b) in enumerate(zip(ws, bs)):
            a = acts[-1] @ w + b
            if k < len(ws) - 1:
                pre.append(a)
                a = np.maximum(a, 0)
            acts.append(a)
        loss, d = softmax_cross_entropy(acts[-1], y)
        grads = []
        for k in range(len(ws) - 1, -1, -1):
            grads.append(d.sum(axis=0))
            grads.append(acts[k].T @ d)
            if k:  # no gradient for the input batch
                d = d @ ws[k].T
                d *= pre[k - 1] > 0
        grads.reverse()  # now w1, b1, w2, b2, ...
        if self.optimizer == "sgd":
            for p, g in zip(self.params, grads):
                p -= lr * g
        else:
            self._adam(grads, lr)
        return loss

    def _adam(self, grads: list[np.ndarray], lr: float) -> None:
        """Adam as torch.optim.Adam: bias-corrected moments, eps added to sqrt(v_hat)."""
        b1, b2 = self.betas
        self.t += 1
        bc1, bc2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            denom = np.sqrt(v) / np.sqrt(bc2) + self.eps
            p -= (lr / bc1) * m / denom


# ------------------------------------------------------------------ W5: CNN


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
        loss, d_logits = softmax_cross_entropy(flat @ w3.T + b3, y)
        # backward, layer by layer in reverse
        dw3 = d_logits.T @ flat
        db3 = d_logits.sum(axis=0)
        d_p2 = (d_logits @ w3).reshape(p2.shape)
        d_c2 = _maxpool2_backward(d_p2, first2, r2.shape) * (c2 > 0)
        dw2, db2, d_p1 = self._conv_backward(d_c2, cols2, w2, p1.shape)
        d_c1 = _maxpool2_backward(d_p1, first1, r1.shape) * (c1 > 0)
        dw1, db1, _ = self._conv_backward(d_c1, cols1, w1, None)  # no gradient for the images
        for p, d in zip(self.params, (dw1, db1, dw2, db2, dw3, db3)):
            p -= lr * d
        return loss


# ------------------------------------------------------------------ W6: Hessian


def tanh_sum_hessian(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Hessian of f(x) = sum(tanh(A x)) by hand.

    With z = A x and t = tanh(z): df/dx = A^T (1 - t^2), and d(1 - t^2)/dz = -2 t (1 - t^2),
    so H = A^T diag(-2 t (1 - t^2)) A.
    """
    t = np.tanh(a @ x)
    return a.T @ ((-2 * t * (1 - t * t))[:, None] * a)


# ------------------------------------------------------------------ W7: LSTM


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * x))  # = 1 / (1 + exp(-x)), without overflow


class NumpyLSTM:
    """One-layer LSTM (PyTorch's gate order i, f, g, o and weight layout), MSE loss on the
    whole output sequence and an SGD step, with backpropagation through time by hand.

    Input x: (T, B, I); target: (T, B, H); zero initial state.
    """

    def __init__(self, w_ih, w_hh, b_ih, b_hh) -> None:  # noqa: ANN001
        self.params = [np.array(a) for a in (w_ih, w_hh, b_ih, b_hh)]

    def step(self, x: np.ndarray, target: np.ndarray, lr: float) -> float:
        w_ih, w_hh, b_ih, b_hh = self.params
        seq, batch, _ = x.shape
        hid = w_hh.shape[1]
        # input part of all time steps in one product; only h @ W_hh^T waits for the last step
        gi = (x.reshape(seq * batch, -1) @ w_ih.T + (b_ih + b_hh)).reshape(seq, batch, 4 * hid)
        w_hh_t = w_hh.T
        h = np.zeros((batch, hid), x.dtype)
        c = np.zeros((batch, hid), x.dtype)
        hs = np.empty((seq + 1, batch, hid), x.dtype)  # hs[t] = h_{t-1}; hs[0] = h_0
        hs[0] = h
        cs, gates, tcs = [c], [], []
        for t in range(seq):
            a = gi[t] + h @ w_hh_t
            a[:, : 2 * hid] = _sigmoid(a[:, : 2 * hid])  # i, f
            a[:, 2 * hid : 3 * hid] = np.tanh(a[:, 2 * hid : 3 * hid])  # g
            a[:, 3 * hid :] = _sigmoid(a[:, 3 * hid :])  # o
            i, f, g, o = a[:, :hid], a[:, hid : 2 * hid], a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
            c = f * c + i * g
            tc = np.tanh(c)
            h = o * tc
            hs[t + 1] = h
            cs.append(c)
            gates.append(a)
            tcs.append(tc)
        out = hs[1:]
        diff = out - target
        loss = float(np.mean(diff * diff))
        d_out = diff * (2 / diff.size)
        # backward through time: d_a[t] is d loss / d pre-activations at step t
        d_a = np.empty((seq, batch, 4 * hid), x.dtype)
        dh = np.zeros((batch, hid), x.dtype)
        dc = np.zeros((batch, hid), x.dtype)
        for t in range(seq - 1, -1, -1):
            a, tc = gates[t], tcs[t]
            i, f, g, o = a[:, :hid], a[:, hid : 2 * hid], a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
            dh = dh + d_out[t]
            dc = dc + dh * o * (1 - tc * tc)
            da = d_a[t]
            da[:, :hid] = dc * g * i * (1 - i)  # d i
            da[:, hid : 2 * hid] = dc * cs[t] * f * (1 - f)  # d f
            da[:, 2 * hid : 3 * hid] = dc * i * (1 - g * g)  # d g
            da[:, 3 * hid :] = dh * tc * o * (1 - o)  # d o
            dc = dc * f
            dh = da @ w_hh
        d_a2 = d_a.reshape(seq * batch, 4 * hid)
        d_w_ih = d_a2.T @ x.reshape(seq * batch, -1)
        d_w_hh = d_a2.T @ hs[:-1].reshape(seq * batch, hid)
        d_b = d_a2.sum(axis=0)
        for p, d in zip(self.params, (d_w_ih, d_w_hh, d_b, d_b)):
            p -= lr * d
        return loss
