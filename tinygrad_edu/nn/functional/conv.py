"""Convolutions and poolings, as ``torch.nn.functional``.

Everything here is built on one op pair, ``Unfold``/``Fold`` (``tinygrad_edu/ops/conv.py``),
which copies every kernel window of the padded input out as a column:

* ``conv2d`` = unfold, then one batched matrix product of the weight (flattened to
  ``out_channels x (in_channels/groups * kh * kw)``) with the columns of each group, plus bias;
* ``max_pool2d`` = unfold (padding with -inf, which never wins) and ``max`` over the window;
  when the windows tile the input (stride == kernel, no padding or dilation, as in
  ``max_pool2d(x, 2)``) the ``BlockMax`` op does it without unfolding;
* ``avg_pool2d`` = unfold, sum over the window, divide by the window size;
* ``conv1d``, ``max_pool1d``, ``avg_pool1d`` = their 2-D versions on an (N, C, 1, L) input.

Gradients (and second derivatives) come from the ops they are composed of: the matmul,
the reductions, and Unfold whose backward is the scatter-add Fold.

Output size along a spatial dim of size n, with kernel k, stride s, padding p, dilation d:

    out = floor((n + 2p - d*(k-1) - 1) / s) + 1
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...ops.conv import BlockMax, Fold, Unfold, windows
from ...ops.linalg import matmul
from ...tensor import Tensor

__all__ = [
    "conv1d",
    "conv2d",
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "unfold",
    "fold",
]


# ------------------------------------------------------------------ argument helpers


def _ntuple(v: Any, n: int, name: str, op: str) -> tuple[int, ...]:
    """``3`` -> ``(3, 3)``; a tuple/list of n ints is kept (as torch's ``_pair``)."""
    if isinstance(v, int | np.integer) and not isinstance(v, bool):
        return (int(v),) * n
    if isinstance(v, tuple | list) and len(v) == n and all(
        isinstance(a, int | np.integer) and not isinstance(a, bool) for a in v
    ):
        return tuple(int(a) for a in v)
    raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {v!r}")


def _positive(values: tuple[int, ...], name: str, op: str) -> None:
    if any(v <= 0 for v in values):
        raise RuntimeError(f"{op}: {name} should be greater than zero, got {values}")


def _need_tensor(x: Any, name: str, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    return x


def _check_input_dims(x: Tensor, nd: int, op: str) -> bool:
    """Accept (C, *spatial) and (N, C, *spatial) like torch; True when unbatched."""
    if x.ndim not in (nd + 1, nd + 2):
        spatial = ", ".join("HW"[-nd:] if nd == 2 else "L")
        raise RuntimeError(
            f"{op}: expected a {nd + 1}D (unbatched, (C, {spatial})) or {nd + 2}D (batched, "
            f"(N, C, {spatial})) input, got input of shape {tuple(x.shape)}"
        )
    return x.ndim == nd + 1


def _to_4d(x: Tensor, nd: int, unbatched: bool) -> Tensor:
    """(C, L), (N, C, L), (C, H, W) -> (N, C, H, W), so one 2-D code path serves all."""
    if unbatched:
        x = x.unsqueeze(0)
    if nd == 1:
        x = x.unsqueeze(2)
    return x


def _from_4d(y: Tensor, nd: int, unbatched: bool) -> Tensor:
    n, c, h, w = y.shape
    shape = (c, w) if nd == 1 else (c, h, w)
    return y.reshape(shape if unbatched else (n,) + shape)


def _lift(t: tuple, nd: int, fill: Any) -> tuple:
    """A 1-D setting (k,) becomes the 2-D (fill, k) of the (N, C, 1, L) view."""
    return (fill,) + t if nd == 1 else t


# ------------------------------------------------------------------ convolution


def _conv_padding(padding: Any, kernel: tuple, stride: tuple, dilation: tuple, nd: int, op: str) -> tuple:
    """Padding as ((before, after), ...) per spatial dim; 'same' may be asymmetric (torch's rule)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions")
            # total d*(k-1) keeps the size; an odd total puts the extra element at the end
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise RuntimeError(f"{op}: invalid padding string {padding!r}, should be one of 'valid', 'same'")
    pads = _ntuple(padding, nd, "padding", op)
    if any(p < 0 for p in pads):
        raise RuntimeError(f"{op}: negative padding is not supported, got padding={padding!r}")
    return tuple((p, p) for p in pads)


def _check_conv(op: str, nd: int, x: Any, w: Any, bias: Any, groups: Any) -> bool:
    """Validate shapes and dtypes of a convolution; True when the input is unbatched."""
    x = _need_tensor(x, "input", op)
    w = _need_tensor(w, "weight", op)
    if w.ndim != nd + 2:
        raise RuntimeError(
            f"{op}: expected a {nd + 2}D weight of shape (out_channels, in_channels / groups, "
            f"{'kH, kW' if nd == 2 else 'kL'}), got weight of shape {tuple(w.shape)}"
        )
    unbatched = _check_input_dims(x, nd, op)
    if not isinstance(groups, int | np.integer) or groups < 1:
        raise RuntimeError(f"{op}: groups must be a positive integer, got {groups!r}")
    out_ch, cg = w.shape[:2]
    if out_ch % groups:
        raise RuntimeError(
            f"{op}: groups={groups} must divide out_channels, but got weight of shape {tuple(w.shape)}"
        )
    channels = x.shape[0 if unbatched else 1]
    if channels != cg * groups:
        raise RuntimeError(
            f"{op}: expected input with {cg * groups} channels (weight of shape {tuple(w.shape)}, "
            f"groups={groups}), got input of shape {tuple(x.shape)} with {channels} channels"
        )
    if bias is not None:
        _need_tensor(bias, "bias", op)
        if bias.shape != (out_ch,):
            raise RuntimeError(
                f"{op}: expected bias of shape ({out_ch},) (one per output channel of weight "
                f"{tuple(w.shape)}), got bias of shape {tuple(bias.shape)}"
            )
    for name, t in (("weight", w), ("bias", bias)):
        if t is not None and t.dtype != x.dtype:
            raise RuntimeError(
                f"{op}: input dtype {x.dtype} and {name} dtype {t.dtype} should be the same "
                "(convert one with .to(dtype), or the model with .double() / .float())"
            )
    return unbatched


def _conv(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None,  # noqa: A002
          stride: Any, padding: Any, dilation: Any, groups: int) -> Tensor:
    unbatched = _check_conv(op, nd, input, weight, bias, groups)
    stride = _ntuple(stride, nd, "stride", op)
    dilation = _ntuple(dilation, nd, "dilation", op)
    _positive(stride, "stride", op)
    _positive(dilation, "dilation", op)
    kernel = tuple(weight.shape[2:])
    pads = _conv_padding(padding, kernel, stride, dilation, nd, op)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(input.shape[-nd:], pads))
    dilated = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < k for p, k in zip(padded, dilated)):
        raise RuntimeError(
            f"{op}: kernel size {kernel} (with dilation {dilation}: {dilated}) is larger than the "
            f"padded input size {padded} (input of shape {tuple(input.shape)}, padding {padding!r}); "
            "kernel size can't be greater than actual input size"
        )
    x = _to_4d(input, nd, unbatched)
    w = weight.unsqueeze(2) if nd == 1 else weight
    y = _conv2d_nchw(
        x, w, bias, _lift(stride, nd, 1), _lift(pads, nd, (0, 0)), _lift(dilation, nd, 1), int(groups)
    )
    return _from_4d(y, nd, unbatched)


def _conv2d_nchw(x: Tensor, w: Tensor, bias: Tensor | None, stride: tuple, pads: tuple,
                 dilation: tuple, groups: int) -> Tensor:
    """The convolution itself, on checked 4-D operands.

    y[n, o, oh, ow] = bias[o] + sum_{c, i, j} w[o, c, i, j] * patches[n, g*Cg + c, i, j, oh, ow]
    where g is the group of output channel o: per group, a (O/g x K) @ (K x OH*OW) product.
    """
    n = x.shape[0]
    out_ch, cg, kh, kw = w.shape
    patches = Unfold.apply(x, kernel=(kh, kw), stride=stride, dilation=dilation, padding=pads)
    oh, ow = patches.shape[-2:]
    k = cg * kh * kw
    cols = patches.reshape(n, groups, k, oh * ow)  # free: (c, i, j) are adjacent in memory
    # one batched matmul over (batch, group): (g, O/g, K) @ (N, g, K, L) -> (N, g, O/g, L)
    y = matmul(w.reshape(groups, out_ch // groups, k), cols).reshape(n, out_ch, oh, ow)
    if bias is not None:
        y = y + bias.reshape(1, out_ch, 1, 1)
    return y


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of (N, C, H, W) or (C, H, W) input
    with weight (out_channels, C / groups, kH, kW).

    ``padding`` is an int, a pair, ``'valid'`` (none) or ``'same'`` (output size = input
    size; stride 1 only). ``groups`` splits the channels into independent convolutions.
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution of (N, C, L) or (C, L) input with weight (out_channels, C / groups, k);
    computed as ``conv2d`` on (N, C, 1, L)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


# ------------------------------------------------------------------ pooling


def _pool_out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's pooling output size; with ceil_mode the last window must start inside
    the input or the left padding."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _pool_geometry(op: str, nd: int, x: Tensor, kernel_size: Any, stride: Any, padding: Any,
                   dilation: Any, ceil_mode: bool) -> tuple:
    """Checked (kernel, stride, dilation, ((before, after), ...), out sizes, unbatched)."""
    _need_tensor(x, "input", op)
    unbatched = _check_input_dims(x, nd, op)
    kernel = _ntuple(kernel_size, nd, "kernel_size", op)
    stride = kernel if stride is None or stride == () or stride == [] else _ntuple(stride, nd, "stride", op)
    pads = _ntuple(padding, nd, "padding", op)
    dilation = _ntuple(dilation, nd, "dilation", op)
    _positive(kernel, "kernel_size", op)
    _positive(stride, "stride", op)
    _positive(dilation, "dilation", op)
    if any(p < 0 or p > k // 2 for p, k in zip(pads, kernel)):
        raise RuntimeError(
            f"{op}: padding should be at most half of kernel size, but got padding={pads} and "
            f"kernel_size={kernel}"
        )
    sizes = x.shape[-nd:]
    out = tuple(
        _pool_out_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(sizes, kernel, stride, pads, dilation)
    )
    if any(o < 1 for o in out):
        raise RuntimeError(
            f"{op}: given input of shape {tuple(x.shape)}, kernel_size={kernel}, stride={stride}, "
            f"padding={pads}, dilation={dilation}, the calculated output size {out} is too small"
        )
    # pad the end just enough for the last window (ceil_mode may need more than `padding`)
    ends = tuple(
        max(0, (o - 1) * s + d * (k - 1) + 1 - n - p)
        for o, n, k, s, p, d in zip(out, sizes, kernel, stride, pads, dilation)
    )
    return kernel, stride, dilation, tuple(zip(pads, ends)), out, unbatched


def _max_pool(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any,  # noqa: A002
              dilation: Any, ceil_mode: bool, return_indices: bool) -> Any:
    kernel, stride, dilation, pads, out, unbatched = _pool_geometry(
        op, nd, input, kernel_size, stride, padding, dilation, ceil_mode
    )
    kernel, stride, dilation = _lift(kernel, nd, 1), _lift(stride, nd, 1), _lift(dilation, nd, 1)
    pads = _lift(pads, nd, (0, 0))
    x = _to_4d(input, nd, unbatched)
    if not return_indices and stride == kernel and dilation == (1, 1) and not any(sum(pads, ())):
        # the windows tile the input (no padding even with ceil_mode): no unfolding needed
        return _from_4d(BlockMax.apply(x, kernel=kernel), nd, unbatched)
    dt = x.dtype
    fill = -np.inf if dt.kind == "f" else np.iinfo(dt).min if dt.kind in "iu" else False
    patches = Unfold.apply(x, kernel=kernel, stride=stride, dilation=dilation, padding=pads, value=fill)
    n, c, kh, kw, oh, ow = patches.shape
    assert (oh, ow) == _lift(out, nd, 1), "pooling geometry and Unfold disagree"
    # max over the window; as in torch the gradient goes to the returned (first) maximum
    values, idx = patches.reshape(n, c, kh * kw, oh, ow).max(dim=2)
    values = _from_4d(values, nd, unbatched)
    if not return_indices:
        return values
    # torch returns the position of the maximum in the flattened (H*W, or L) input plane
    ki, kj = np.divmod(idx.data, kw)
    (pt, _), (pl, _) = pads
    rows = np.arange(oh)[:, None] * stride[0] - pt + ki * dilation[0]
    cols = np.arange(ow)[None, :] * stride[1] - pl + kj * dilation[1]
    flat = Tensor._make((rows * x.shape[3] + cols).astype(np.int64), False, None)
    return values, _from_4d(flat, nd, unbatched)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Maximum over each kH x kW window of (N, C, H, W) or (C, H, W) input.

    ``stride`` defaults to ``kernel_size``; padding counts as -inf. With
    ``return_indices=True`` also returns where each maximum is in the flattened H*W plane.
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Maximum over each window of length k of (N, C, L) or (C, L) input."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_divisor(n: int, out: int, k: int, s: int, p: int, count_include_pad: bool) -> np.ndarray:
    """How many elements each window averages over along one dim (torch's rule): windows are
    clipped to the padded input; without ``count_include_pad`` also to the input itself."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, n + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def _avg_pool(op: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any,  # noqa: A002
              ceil_mode: bool, count_include_pad: bool, divisor_override: Any) -> Tensor:
    kernel, stride, _, pads, out, unbatched = _pool_geometry(
        op, nd, input, kernel_size, stride, padding, 1, ceil_mode
    )
    x = _to_4d(input, nd, unbatched)
    patches = Unfold.apply(x, kernel=_lift(kernel, nd, 1), stride=_lift(stride, nd, 1), dilation=(1, 1),
                           padding=_lift(pads, nd, (0, 0)))
    sums = patches.sum(dim=(2, 3))
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{op}: divisor_override must not be zero")
        return _from_4d(sums / divisor_override, nd, unbatched)
    per_dim = [
        _avg_divisor(n, o, k, s, p, count_include_pad)
        for n, o, k, s, (p, _) in zip(input.shape[-nd:], out, kernel, stride, pads)
    ]
    divisor = per_dim[0][:, None] * per_dim[1][None, :] if nd == 2 else per_dim[0][None, :]
    dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    return _from_4d(sums / Tensor._make(divisor.astype(dt), False, None), nd, unbatched)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each kH x kW window of (N, C, H, W) or (C, H, W) input.

    ``count_include_pad`` counts the zero padding in the window size; ``divisor_override``
    divides every window sum by that number instead.
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over each window of length k of (N, C, L) or (C, L) input."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def _adaptive_matrix(n: int, m: int, dtype: Any) -> np.ndarray:
    """A (m, n) averaging matrix: row i averages x[floor(i*n/m) : ceil((i+1)*n/m)] (torch's windows)."""
    i = np.arange(m)
    start = (i * n) // m
    end = -((-(i + 1) * n) // m)  # ceil division
    j = np.arange(n)
    inside = (j[None, :] >= start[:, None]) & (j[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average pooling to a fixed output size (H_out, W_out) whatever the input size.

    Each output averages a window that may differ in size from its neighbours. Averaging
    over a rectangle is separable (rows, then columns), so this is ``A_h @ x @ A_w^T`` with
    two constant averaging matrices; ``None`` in ``output_size`` keeps that input size.
    """
    op = "adaptive_avg_pool2d"
    x = _need_tensor(input, "input", op)
    _check_input_dims(x, 2, op)
    if isinstance(output_size, int | np.integer) or output_size is None:
        output_size = (output_size, output_size)
    if not isinstance(output_size, tuple | list) or len(output_size) != 2:
        raise TypeError(f"{op}: output_size must be an int or a pair of ints/None, got {output_size!r}")
    h, w = x.shape[-2:]
    if h == 0 or w == 0:
        raise RuntimeError(f"{op}: expected an input with non-empty spatial dims, got shape {x.shape}")
    oh, ow = (n if o is None else int(o) for o, n in zip(output_size, (h, w)))
    if oh < 1 or ow < 1:
        raise RuntimeError(f"{op}: output_size must be positive, got {tuple(output_size)}")
    dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    a_h = Tensor._make(_adaptive_matrix(h, oh, dt), False, None)
    a_w_t = Tensor._make(np.ascontiguousarray(_adaptive_matrix(w, ow, dt).T), False, None)
    return matmul(matmul(a_h, x), a_w_t)


# ------------------------------------------------------------------ unfold / fold (torch layout)


def _unfold_args(op: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple:
    kernel = _ntuple(kernel_size, 2, "kernel_size", op)
    dilation = _ntuple(dilation, 2, "dilation", op)
    stride = _ntuple(stride, 2, "stride", op)
    pads = _ntuple(padding, 2, "padding", op)
    _positive(kernel, "kernel_size", op)
    _positive(dilation, "dilation", op)
    _positive(stride, "stride", op)
    if any(p < 0 for p in pads):
        raise RuntimeError(f"{op}: padding must be non-negative, got {pads}")
    return kernel, dilation, tuple((p, p) for p in pads), stride


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:  # noqa: A002
    """Sliding windows as columns (im2col): (N, C, H, W) -> (N, C*kH*kW, L), L = number of windows.

    Column l holds window l, its entries ordered (channel, kernel row, kernel column).
    """
    op = "unfold"
    x = _need_tensor(input, "input", op)
    unbatched = _check_input_dims(x, 2, op)
    kernel, dilation, pads, stride = _unfold_args(op, kernel_size, dilation, padding, stride)
    x = x.unsqueeze(0) if unbatched else x
    padded = tuple(n + 2 * p for n, (p, _) in zip(x.shape[2:], pads))
    if any(windows(n, k, s, d) < 1 for n, k, s, d in zip(padded, kernel, stride, dilation)):
        raise RuntimeError(
            f"{op}: kernel_size={kernel} with dilation={dilation} does not fit in the padded input "
            f"size {padded} (input of shape {tuple(input.shape)})"
        )
    p = Unfold.apply(x, kernel=kernel, stride=stride, dilation=dilation, padding=pads)
    n, c, kh, kw, oh, ow = p.shape
    cols = p.reshape(n, c * kh * kw, oh * ow)
    return cols[0] if unbatched else cols


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
         stride: Any = 1) -> Tensor:
    """The adjoint of ``unfold`` (col2im): (N, C*kH*kW, L) -> (N, C, H, W), summing overlaps."""
    op = "fold"
    x = _need_tensor(input, "input", op)
    if x.ndim not in (2, 3):
        raise RuntimeError(
            f"{op}: expected a 2D (unbatched) or 3D (batched) input, got shape {tuple(x.shape)}"
        )
    unbatched = x.ndim == 2
    x = x.unsqueeze(0) if unbatched else x
    h, w = _ntuple(output_size, 2, "output_size", op)
    kernel, dilation, pads, stride = _unfold_args(op, kernel_size, dilation, padding, stride)
    oh, ow = (
        windows(n + 2 * p, k, s, d) for n, (p, _), k, s, d in zip((h, w), pads, kernel, stride, dilation)
    )
    n, ck, length = x.shape
    if ck % math.prod(kernel) or length != oh * ow or oh < 1 or ow < 1:
        raise RuntimeError(
            f"{op}: expected input of shape (N, C * {kernel[0]} * {kernel[1]}, {max(oh, 0) * max(ow, 0)}) "
            "for "
            f"output_size={(h, w)}, kernel_size={kernel}, dilation={dilation}, padding={padding}, "
            f"stride={stride}; got input of shape {tuple(input.shape)}"
        )
    c = ck // math.prod(kernel)
    p = x.reshape(n, c, kernel[0], kernel[1], oh, ow)
    y = Fold.apply(p, shape=(n, c, h, w), kernel=kernel, stride=stride, dilation=dilation, padding=pads)
    return y[0] if unbatched else y
