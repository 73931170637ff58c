"""Fused ops behind the losses in ``nn.functional.loss``.

Most losses are composed from ordinary ops. Four parts are fused, each for a reason:

* ``NLLLoss`` (picking -log p of the target class, weighting and reducing) is the hot
  path of every classifier. Composed, it would index with ``x[arange(N), t]`` whose
  backward is a scatter-add (``np.add.at``, slow). Each row has exactly one target, so
  the backward can *assign* into a zero array instead: ``PlaceTarget``.
* ``CrossEntropy`` is log_softmax and ``NLLLoss`` in one node, as ``F.cross_entropy``
  uses them: its backward is softmax minus the target's one-hot, scaled, in three numpy
  calls.
* ``BinaryCrossEntropy`` follows PyTorch at probabilities 0 and 1: the logs are
  clamped at -100 and the denominator of the gradient at 1e-12, so a saturated
  sigmoid output gives a finite loss and gradient instead of inf/NaN.
* ``LogSigmoid`` is written with the log-sum-exp trick, and its derivative is
  sigmoid(-x) everywhere. Composed from ``max(-x, 0)`` and ``|x|``, the kinks at x = 0
  would make the second derivative wrong there (and x = 0 is exactly where a
  zero-initialised classifier starts).

Every backward is written with numpy calls (and ``Op.dual``), so it also runs on Tensors
under ``create_graph=True``: these ops have second derivatives like the composed ones.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Op
from .elementwise import Sigmoid
from .softmax import Softmax, log_softmax_of


class PickTarget(Op):
    """y[i, ...] = x[i, t[i, ...], ...] (the entry at the target class);   dy/dx = 1 at (i, t_i), else 0

    ``index`` is a tuple for numpy's advanced indexing that selects, for every position
    of the target, the entry at its class (see ``target_index``). dy/dx is 1 at (i, t_i)
    and 0 elsewhere, so dL/dx = zeros with dL/dy placed at (i, t_i): ``PlaceTarget``.
    """

    @staticmethod
    def forward(ctx, x, index=()):
        ctx.shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, g):
        return (PlaceTarget.dual(g, shape=ctx.shape, index=ctx.index),)


class PlaceTarget(Op):
    """y = zeros(shape) with g[i] written at (i, t_i) (PickTarget's backward);   dL/dg = dL/dy[i, t_i]

    One target per row means no position is written twice, so plain assignment
    replaces a scatter-add (``np.add.at``). dL/dg = dL/dy picked at (i, t_i).
    """

    @staticmethod
    def forward(ctx, g, shape=(), index=()):
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        out[index] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return (PickTarget.dual(gg, index=ctx.index),)


def target_index(target, axis):
    """The advanced index picking x[i, target[i, ...], ...] along class axis ``axis``.

    For x (N, C) it is (arange(N), target); for x (N, C, H, W) it is
    (arange(N)[:, None, None], target, arange(H)[None, :, None], arange(W)[None, None, :]).
    """
    if target.ndim == 1 and axis == 1:  # the common (N, C) case, without ogrid's overhead
        return (np.arange(target.shape[0]), target)
    grids = list(np.ogrid[tuple(slice(n) for n in target.shape)])
    grids.insert(axis, target)
    return tuple(grids)


class NLLLoss(Op):
    """y = -sum_i w_{t_i} x[i, t_i] / denom;   dy/dx[i, c] = -w_{t_i} / denom if c = t_i, else 0

    The negative log-likelihood of the target classes, weighted and reduced.

    With x the log-probabilities, t the targets and w_t = weight[t] (0 for ignored targets):

        l_i = -w_{t_i} x[i, t_i]
        'none': y = l            'sum': y = sum_i l_i       'mean': y = sum_i l_i / sum_i w_{t_i}

    dy/dx[i, c] = -w_{t_i} / denom  if c == t_i, else 0   (denom = 1 for 'none' and 'sum').
    Ignored targets get exactly 0, as in PyTorch (even when every target is ignored and
    'mean' divides 0 by 0).

    ``index``: from ``target_index`` (ignored targets replaced by class 0);
    ``wt``: w_{t_i} (an array of the target's shape, 0 where ignored), or None when every
    weight is 1 (no class weights, nothing ignored: the common case, kept cheap);
    ``valid``: where the target is not ignored (None when nothing is).
    """

    @staticmethod
    def forward(ctx, x, index=(), wt=None, valid=None, reduction="mean"):
        picked = x[index]
        if wt is None:
            n = picked.size
            if reduction == "none":
                out, coef = -picked, -1.0
            elif reduction == "sum":
                out, coef = -np.add.reduce(picked, axis=None), -1.0  # (picked.sum() minus a wrapper)
            elif n:
                out, coef = -np.add.reduce(picked, axis=None) / n, -1.0 / n
            else:
                out, coef = np.nan, 0.0  # the mean of an empty batch, as in PyTorch
        else:
            losses = -(wt * picked)
            if reduction == "none":
                out, coef = losses, -wt
            elif reduction == "sum":
                out, coef = np.sum(losses), -wt
            else:
                denom = np.sum(wt)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out = np.sum(losses) / denom  # NaN when nothing counts, as in PyTorch
                    coef = -wt / denom
                if valid is not None:
                    coef = np.where(valid, coef, 0).astype(x.dtype, copy=False)
        ctx.shape, ctx.index, ctx.coef = x.shape, index, coef
        return np.asarray(out, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        return (PlaceTarget.dual(g * ctx.coef, shape=ctx.shape, index=ctx.index),)


class CrossEntropy(Op):
    """y = NLLLoss(log_softmax(x)) as one op;   dy/dx[i, c] = (w_{t_i} / denom) (softmax(x)[i, c] - [c = t_i])

    ``F.cross_entropy`` with class-index targets, the loss of every classifier. With
    p = log_softmax(x) along ``axis`` and the weights, reductions and ignored targets of
    ``NLLLoss`` (y = sum_i coef_i p[i, t_i], coef_i = -w_{t_i} / denom), the chain rule
    through both gives, for an incoming gradient g and G_i = g coef_i:

        dL/dp[i, c] = G_i [c = t_i]          (NLLLoss)
        dL/dx[i, c] = dL/dp[i, c] - softmax(x)[i, c] sum_c' dL/dp[i, c']   (log_softmax)
                    = G_i [c = t_i] - G_i softmax(x)[i, c]

    One node instead of two, and a backward of three numpy calls (exp, scale, add at the
    targets) instead of a zero array filled at the targets and then reduced again.

    Plain backward reads only p, kept by this op: the logits may be modified in place after
    the loss was computed, as with PyTorch's log_softmax, which keeps its output. Only a
    differentiable backward (``create_graph=True``) reads the logits, to recompute softmax
    as a function of them; it checks then that they were not modified.
    """

    @staticmethod
    def forward(ctx, x, axis=1, index=(), wt=None, valid=None, reduction="mean"):
        p = log_softmax_of(x, axis)
        ctx.save_for_backward(x, p)
        ctx.axis = axis
        return NLLLoss.forward(ctx, p, index=index, wt=wt, valid=valid, reduction=reduction)

    @staticmethod
    def backward(ctx, g):
        x, p = ctx.saved_values
        gc = g * ctx.coef  # G: dL/dp at each target (0 where the target is ignored)
        if not isinstance(x, np.ndarray):  # create_graph=True: Tensors, every step differentiable
            gp = PlaceTarget.dual(gc, shape=ctx.shape, index=ctx.index)
            return (gp - Softmax.dual(x, axis=ctx.axis) * np.sum(gp, axis=ctx.axis, keepdims=True),)
        gx = np.exp(p)  # softmax, in a fresh array that becomes the gradient
        gx *= -np.expand_dims(gc, ctx.axis) if np.ndim(gc) else -gc
        gx[ctx.index] += gc  # one target per position: no index repeats, so += is exact
        return (gx,)

    def _finish(self, out, args: tuple):  # noqa: ANN001, ANN202
        t = super()._finish(out, args)
        # x's version is checked only by a differentiable backward, the one that reads x
        self._x_versions, self._versions = self._versions, ()
        return t

    def _run_backward(self, g, create_graph: bool) -> tuple:  # noqa: ANN001
        if create_graph:
            self._versions = self._x_versions
        return super()._run_backward(g, create_graph)

    def op_name(self) -> str:
        return "cross_entropy"


# PyTorch's clamp for x (1 - x) is the float32 literal 1e-12 in every dtype; the same
# value here makes the float64 gradients identical at x = 0 or 1.
_BCE_EPS = float(np.float32(1e-12))


class BinaryCrossEntropy(Op):
    """l = -(y log(x) + (1 - y) log(1 - x));   dl/dx = (x - y) / (x (1 - x)),  dl/dy = log(1 - x) - log(x)

    Each log is clamped below at -100 (as PyTorch).

    dl/dx = (x - y) / (x (1 - x)), with x (1 - x) clamped below at 1e-12 (as PyTorch),
            so the gradient stays finite where a saturated sigmoid gives x = 0 or 1
    dl/dy = log(1 - x) - log(x), with the same clamped logs as the forward
            (PyTorch uses the unclamped logs, which are infinite at x = 0 or 1)
    """

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        with np.errstate(divide="ignore"):  # log(0) = -inf, then clamped
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        return (y - 1) * log_1mx - y * log_x

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_values
        need = ctx.needs_input_grad
        gx = gy = None
        if need[0]:
            gx = g * (x - y) / np.maximum(x * (1 - x), _BCE_EPS)
        if need[1]:
            gy = g * (np.maximum(np.log1p(-x), -100) - np.maximum(np.log(x), -100))
        return gx, gy


class LogSigmoid(Op):
    """y = log(sigmoid(x)) = -(max(-x, 0) + log1p(exp(-|x|)));   dy/dx = 1 - sigmoid(x) = sigmoid(-x)

    The exponent is never positive, so nothing overflows for large |x|.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return -(np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x))))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_values
        return (g * Sigmoid.dual(-x),)
