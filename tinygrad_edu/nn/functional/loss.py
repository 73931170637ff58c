"""Loss functions (``torch.nn.functional``'s): a number saying how wrong a prediction is.

Every loss computes one value per element (or per sample) and then applies
``reduction``: ``'mean'`` (the default), ``'sum'`` or ``'none'`` (no reduction).

Regression (input and target are numbers of the same shape, d = input - target):

    mse_loss        d^2
    l1_loss         |d|
    huber_loss      d^2 / 2 if |d| < delta, else delta (|d| - delta / 2)
    smooth_l1_loss  d^2 / (2 beta) if |d| < beta, else |d| - beta / 2   (= huber / beta)

Classification:

    nll_loss        -w[t] x[t]  for log-probabilities x and a class index t
    cross_entropy   nll_loss(log_softmax(x)), or with class probabilities p as target:
                    -sum_c w[c] p[c] log_softmax(x)[c]; optional label smoothing
    binary_cross_entropy              -(y log p + (1 - y) log(1 - p)) for probabilities p
    binary_cross_entropy_with_logits  the same with p = sigmoid(x), computed stably from x

Everything is composed from differentiable ops (so second derivatives work), except
three small fused ops in ``tinygrad_edu/ops/loss.py`` (see there why).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ...ops.elementwise import where
from ...ops.loss import BinaryCrossEntropy, CrossEntropy, LogSigmoid, NLLLoss, target_index
from ...ops.softmax import LogSoftmax
from ...tensor import Tensor

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]

_REDUCTIONS = ("mean", "sum", "none")


# ------------------------------------------------------------------------ helpers
def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """PyTorch's old ``size_average``/``reduce`` flags, translated to ``reduction``."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "none" if not reduce else ("mean" if size_average else "sum")
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
        UserWarning,
        stacklevel=4,
    )
    return ret


def _reduction(name: str, reduction: str, size_average: bool | None = None,
               reduce: bool | None = None) -> str:
    """The reduction to apply, checked; ``name`` is the loss to blame in the error."""
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{name}: {reduction!r} is not a valid value for reduction; expected 'mean', 'sum' or 'none'"
        )
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_tensor(name: str, x: Any, what: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: argument '{what}' must be a Tensor, got {type(x).__name__}")


def _check_input(name: str, x: Any) -> None:
    _check_tensor(name, x, "input")
    if x.dtype.kind != "f":
        raise TypeError(
            f"{name}: expected a floating point input, got dtype {x.dtype} (convert with .float())"
        )


def _as_dtype_of(x: Tensor, t: Tensor) -> Tensor:
    """``t`` in ``x``'s float dtype (a differentiable cast, so target gradients still flow)."""
    return t if t.dtype == x.dtype else t.to(x.dtype)


def _constant(x: Tensor, t: Any) -> np.ndarray:
    """A tensor argument that is treated as a constant (class weights) as an array of x's dtype."""
    return np.asarray(t.data if isinstance(t, Tensor) else t, dtype=x.dtype)


def _range_of(a: np.ndarray) -> str:
    """What is wrong with values that should lie in [0, 1], for an error message."""
    return "NaN values" if np.isnan(a).any() else f"values in [{a.min()}, {a.max()}]"


def _check_fits(name: str, what: str, w: Tensor, x: Tensor) -> None:
    """``w`` must broadcast to ``x``'s shape without making the result larger."""
    try:
        ok = np.broadcast_shapes(w.shape, x.shape) == x.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(
            f"{name}: {what} of shape {w.shape} cannot be broadcast to the input shape {x.shape}"
        )


# ------------------------------------------------------------------ regression
def _pair(name: str, input: Tensor, target: Tensor) -> None:  # noqa: A002
    """Check a regression loss's operands; warn (as PyTorch) when they only broadcast."""
    _check_input(name, input)
    _check_tensor(name, target, "target")
    if input.shape == target.shape:
        return
    try:
        np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise RuntimeError(
            f"{name}: input of shape {input.shape} and target of shape {target.shape} cannot be "
            "broadcast together; they should have the same shape"
        ) from None
    warnings.warn(
        f"{name}: using a target size ({target.shape}) that is different to the input size "
        f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
        "Please ensure they have the same size.",
        UserWarning,
        stacklevel=3,
    )


def _weighted(name: str, loss: Tensor, weight: Tensor | None, input: Tensor, reduction: str,  # noqa: A002
              mean_by_weight: bool) -> Tensor:
    """Per-element weights (PyTorch 2.6+): 'mean' is sum(w l) / sum(w), or mean(w l) for huber."""
    if weight is None:
        return _reduce(loss, reduction)
    _check_tensor(name, weight, "weight")
    if weight.shape != input.shape:
        raise ValueError(
            f"{name}: weight of shape {weight.shape} must have the same shape as the input {input.shape}"
        )
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error: (input - target)^2, reduced."""
    reduction = _reduction("mse_loss", reduction, size_average, reduce)
    _pair("mse_loss", input, target)
    d = input - target
    return _weighted("mse_loss", d * d, weight, input, reduction, mean_by_weight=True)


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,  # noqa: A002
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: |input - target|, reduced (gradient 0 where they are equal)."""
    reduction = _reduction("l1_loss", reduction, size_average, reduce)
    _pair("l1_loss", input, target)
    return _weighted("l1_loss", (input - target).abs(), weight, input, reduction, mean_by_weight=True)


def _huber(d: Tensor, delta: float) -> Tensor:
    # The quadratic part near 0 and the linear part meet with equal value and slope at
    # |d| = delta; `where` takes the gradient of the chosen branch only.
    a = d.abs()
    return where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,  # noqa: A002
               weight: Tensor | None = None) -> Tensor:
    """0.5 d^2 if |d| < delta, else delta (|d| - 0.5 delta), with d = input - target."""
    reduction = _reduction("huber_loss", reduction)
    if not delta > 0:
        raise RuntimeError(f"huber_loss: delta must be positive, got {delta}")
    _pair("huber_loss", input, target)
    return _weighted("huber_loss", _huber(input - target, delta), weight, input, reduction,
                     mean_by_weight=False)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                   reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta if |d| < beta, else |d| - 0.5 beta (beta = 0 gives l1_loss)."""
    reduction = _reduction("smooth_l1_loss", reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: beta must not be negative, got {beta}")
    _pair("smooth_l1_loss", input, target)
    d = input - target
    if beta == 0:
        return _reduce(d.abs(), reduction)
    a = d.abs()
    return _reduce(where(a < beta, (0.5 / beta) * d * d, a - 0.5 * beta), reduction)


# -------------------------------------------------------------- classification
_UNSIGNED = {np.dtype(f"i{n}"): np.dtype(f"u{n}") for n in (1, 2, 4, 8)}  # same size, no sign


def _class_axis(name: str, input: Tensor) -> int:  # noqa: A002
    if input.ndim == 0:
        raise ValueError(
            f"{name}: expected an input with 1 or more dimensions ((C,), (N, C) or (N, C, d1, ...)), "
            "got a 0-d tensor"
        )
    return 0 if input.ndim == 1 else 1


def _all_classes(t: np.ndarray, n_classes: int, ignore_index: int) -> bool:
    """True when every target is in [0, C) (so none equals an out-of-range ignore_index).

    One reduction: read as unsigned, a negative target is huge and fails it too.
    """
    return t.size == 0 or (
        np.maximum.reduce(t.view(_UNSIGNED.get(t.dtype, t.dtype)), axis=None) < n_classes
        and not 0 <= ignore_index < n_classes
    )


def _class_targets(name: str, input: Tensor, target: Any, weight: Any, ignore_index: int, axis: int) -> tuple:  # noqa: A002
    """Check class-index targets; return what ``NLLLoss`` needs.

    Returns ``(index, wt, valid)``: the index picking each target's entry (ignored
    targets replaced by class 0), each target's weight (0 where ignored; None if all
    are 1), and the not-ignored mask (None when nothing is ignored).
    """
    _check_tensor(name, target, "target")
    t = target.data
    if t.dtype.kind not in "iu":
        raise RuntimeError(
            f"{name}: class-index targets must be an integer tensor (int64), got dtype {t.dtype}"
            + (
                f"; for class probabilities pass a float target of the input's shape {input.shape}"
                if name == "cross_entropy" else ""
            )
        )
    shape = input.shape
    expected = shape[:axis] + shape[axis + 1:]
    if t.shape != expected:
        what = (
            f"{name}: expected target of shape {expected} (the input's shape without the class "
            f"dimension {axis}) for input of shape {shape}, got target of shape {t.shape}"
        )
        if input.ndim >= 2 and t.ndim >= 1 and t.shape[0] != shape[0]:
            raise ValueError(what + f" (input batch size {shape[0]} != target batch size {t.shape[0]})")
        raise RuntimeError(what)
    n_classes = shape[axis]
    w = None
    if weight is not None:
        _check_tensor(name, weight, "weight")
        if weight.shape != (n_classes,):
            raise RuntimeError(
                f"{name}: weight should have one entry per class, shape ({n_classes},) for the "
                f"{n_classes} classes of input of shape {shape}; got weight of shape {weight.shape}"
            )
        w = _constant(input, weight)
    if _all_classes(t, n_classes, ignore_index):  # the common case; else the careful path
        return target_index(t, axis), (None if w is None else w[t]), None
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(
            f"{name}: target {t[bad].flat[0]} is out of bounds: class indices must be in "
            f"[0, {n_classes - 1}] for the C={n_classes} classes of input of shape {shape} "
            f"(or equal ignore_index={ignore_index})"
        )
    if valid.all():
        return target_index(t, axis), (None if w is None else w[t]), None
    safe = np.where(valid, t, 0)
    wt = valid.astype(input.dtype) if w is None else w[safe] * valid
    return target_index(safe, axis), wt, valid


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,  # noqa: A002
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -weight[t] * input[t] for log-probabilities ``input``.

    ``input`` (N, C), (C,) or (N, C, d1, ...); ``target`` the class indices, shape (N,), ()
    or (N, d1, ...). 'mean' divides by the summed weights of the targets that are not
    ``ignore_index``. The class weights are constants (no gradient flows to them).
    """
    reduction = _reduction("nll_loss", reduction, size_average, reduce)
    _check_input("nll_loss", input)
    axis = _class_axis("nll_loss", input)
    index, wt, valid = _class_targets("nll_loss", input, target, weight, ignore_index, axis)
    return NLLLoss.apply(input, index=index, wt=wt, valid=valid, reduction=reduction)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: bool | None = None, ignore_index: int = -100, reduce: bool | None = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy between ``softmax(input)`` (over dim 1, or dim 0 for a (C,) input) and the target.

    ``target`` is either class indices (an integer tensor of the input's shape without the
    class dimension) or class probabilities (a float tensor of the input's shape). With
    class indices this is ``nll_loss(log_softmax(input, 1), target, ...)``.

    ``label_smoothing`` = e mixes the target with the uniform distribution,
    (1 - e) target + e / C. With class indices and ``weight`` w, as in PyTorch, the loss
    of sample i is (1 - e) (-w[t_i] logp[i, t_i]) + e/C (-sum_c w[c] logp[i, c]), and
    'mean' divides both parts by sum_i w[t_i] over the targets that are not ignored.
    With probabilities, 'mean' divides by the number of samples (N d1 ...).
    """
    if (weight is None and label_smoothing == 0 and size_average is None and reduce is None
            and isinstance(input, Tensor) and isinstance(target, Tensor)):
        # The call of every classifier's training step, recognised in a few comparisons:
        # (N, C) float logits and (N,) class indices, all in [0, C). It costs a third of
        # the general path below, which handles everything else and raises every error.
        x, t = input.data, target.data
        if (x.ndim == 2 and t.ndim == 1 and t.shape[0] == x.shape[0] and x.dtype.kind == "f"
                and t.dtype.kind in "iu" and reduction in _REDUCTIONS
                and _all_classes(t, x.shape[1], ignore_index)):
            return CrossEntropy.apply(input, axis=1, index=(np.arange(t.shape[0]), t), wt=None,
                                      valid=None, reduction=reduction)
    reduction = _reduction("cross_entropy", reduction, size_average, reduce)
    _check_input("cross_entropy", input)
    _check_tensor("cross_entropy", target, "target")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(
            f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}"
        )
    axis = _class_axis("cross_entropy", input)
    if target.shape == input.shape:
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing, axis)
    index, wt, valid = _class_targets("cross_entropy", input, target, weight, ignore_index, axis)
    if label_smoothing == 0:  # log_softmax and NLL as one op
        return CrossEntropy.apply(input, axis=axis, index=index, wt=wt, valid=valid, reduction=reduction)
    logp = LogSoftmax.apply(input, axis=axis)
    loss = NLLLoss.apply(logp, index=index, wt=wt, valid=valid, reduction=reduction)
    n_classes = input.shape[axis]
    if weight is None:
        smooth = -logp.sum(axis)
    else:
        smooth = -(logp * _constant(input, weight).reshape(_class_shape(input, axis))).sum(axis)
    if valid is not None:
        smooth = where(valid, smooth, 0.0)
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):  # nothing counted: NaN, as PyTorch
            smooth = smooth.sum() / (target.data.size if wt is None else np.sum(wt))
    return (1 - label_smoothing) * loss + (label_smoothing / n_classes) * smooth


def _class_shape(input: Tensor, axis: int) -> tuple:  # noqa: A002
    """(1, C, 1, ...): a per-class vector shaped to broadcast along the class axis."""
    return tuple(n if i == axis else 1 for i, n in enumerate(input.shape))


def _cross_entropy_probs(input: Tensor, target: Tensor, weight: Any, ignore_index: int,  # noqa: A002
                         reduction: str, label_smoothing: float, axis: int) -> Tensor:
    if target.dtype.kind != "f":
        expected = input.shape[:axis] + input.shape[axis + 1:]
        raise RuntimeError(
            f"cross_entropy: a target of the same shape as the input {input.shape} holds class "
            f"probabilities and must be floating point, got dtype {target.dtype}; class-index "
            f"targets have shape {expected}"
        )
    if ignore_index >= 0:
        raise RuntimeError(
            "cross_entropy: ignore_index is not supported for class-probability (float) targets"
        )
    n_classes = input.shape[axis]
    p = _as_dtype_of(input, target)
    if label_smoothing > 0:
        p = p * (1 - label_smoothing) + label_smoothing / n_classes
    terms = LogSoftmax.apply(input, axis=axis) * p
    if weight is not None:
        _check_tensor("cross_entropy", weight, "weight")
        if weight.shape != (n_classes,):
            raise RuntimeError(
                f"cross_entropy: weight should have one entry per class, shape ({n_classes},) for the "
                f"{n_classes} classes of input of shape {input.shape}; got weight of shape {weight.shape}"
            )
        terms = terms * _as_dtype_of(input, weight).reshape(_class_shape(input, axis))
    if reduction == "none":
        return -terms.sum(axis)
    total = -terms.sum()
    if reduction == "sum":
        return total
    n_samples = input.numel() // n_classes if n_classes else 0
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty batch: NaN, as PyTorch
        return total / n_samples


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """-(target log(input) + (1 - target) log(1 - input)) for probabilities ``input`` in [0, 1].

    The logs are clamped at -100 (as PyTorch), so input 0 or 1 gives a finite loss.
    ``weight`` rescales each element (broadcast to the input's shape).
    """
    name = "binary_cross_entropy"
    reduction = _reduction(name, reduction, size_average, reduce)
    _check_input(name, input)
    _check_tensor(name, target, "target")
    if target.shape != input.shape:
        raise ValueError(
            f"{name}: target of shape {target.shape} must have the same shape as the input {input.shape}"
        )
    x, y = input.data, target.data
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError(
            f"{name}: all elements of input should be between 0 and 1 (probabilities, e.g. the output "
            f"of sigmoid), got {_range_of(x)}; for raw scores (logits) use "
            "binary_cross_entropy_with_logits"
        )
    if y.size and not ((y >= 0) & (y <= 1)).all():
        raise RuntimeError(
            f"{name}: all elements of target should be between 0 and 1, got {_range_of(y)}"
        )
    loss = BinaryCrossEntropy.apply(input, _as_dtype_of(input, target))
    if weight is not None:
        _check_tensor(name, weight, "weight")
        _check_fits(name, "weight", weight, input)
        loss = loss * _as_dtype_of(input, weight)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """binary_cross_entropy(sigmoid(input), target), computed stably from the logits ``input``.

    With y = target, x = input and p = pos_weight (weight of the positive class,
    broadcast along the last dimension):

        l = -(p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))
          = (1 - y) x - (1 + (p - 1) y) log sigmoid(x)

    using log(1 - sigmoid(x)) = log sigmoid(x) - x, and log sigmoid(x) =
    -(max(-x, 0) + log1p(exp(-|x|))), which never overflows: finite at |x| = 1e4.
    """
    name = "binary_cross_entropy_with_logits"
    reduction = _reduction(name, reduction, size_average, reduce)
    _check_input(name, input)
    _check_tensor(name, target, "target")
    if target.shape != input.shape:
        raise ValueError(
            f"{name}: target of shape {target.shape} must have the same shape as the input {input.shape}"
        )
    y = _as_dtype_of(input, target)
    log_sig = LogSigmoid.apply(input)
    if pos_weight is None:
        loss = (1 - y) * input - log_sig
    else:
        _check_tensor(name, pos_weight, "pos_weight")
        _check_fits(name, "pos_weight", pos_weight, input)
        loss = (1 - y) * input - (1 + (_as_dtype_of(input, pos_weight) - 1) * y) * log_sig
    if weight is not None:
        _check_tensor(name, weight, "weight")
        _check_fits(name, "weight", weight, input)
        loss = loss * _as_dtype_of(input, weight)
    return _reduce(loss, reduction)
