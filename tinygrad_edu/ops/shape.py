"""Shape ops: they move values around without changing them.

Each output element is one input element (or a copy of one), so the backward just moves
the gradient back: reshape it back, permute it back, sum the copies of an expanded or
repeated element, split a concatenation, cut away padding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Function, Op
from ..tensor import Tensor, _wrap_dim
from .elementwise import cast


def _sizes(args: tuple, op: str) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` like PyTorch."""
    if len(args) == 1 and isinstance(args[0], tuple | list):
        args = tuple(args[0])
    out = []
    for a in args:
        if isinstance(a, Tensor):
            a = a.item()
        if not isinstance(a, int | np.integer):
            raise TypeError(f"{op}: sizes must be ints, got {a!r} of type {type(a).__name__}")
        out.append(int(a))
    return tuple(out)


class Reshape(Op):
    """y = x with a new shape (same elements, same order);   dL/dx = dL/dy reshaped back to x's shape"""

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return (g.reshape(ctx.in_shape),)


class Permute(Op):
    """y = x with its axes reordered by ``perm``;   dL/dx = dL/dy permuted by the inverse of ``perm``"""

    @staticmethod
    def forward(ctx, x, perm=()):
        ctx.inverse = tuple(np.argsort(perm))
        return np.transpose(x, perm)

    @staticmethod
    def backward(ctx, g):
        return (np.transpose(g, ctx.inverse),)


class Expand(Op):
    """y = x broadcast to ``shape`` (no copy);   dL/dx = dL/dy summed over the broadcast axes"""

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.in_shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        from ..autograd.engine import sum_to

        return (sum_to(g, ctx.in_shape),)


class Repeat(Op):
    """y = x tiled ``reps`` times along each axis;   dL/dx = sum of dL/dy over the tiles"""

    @staticmethod
    def forward(ctx, x, reps=()):
        x = x.reshape((1,) * (len(reps) - x.ndim) + x.shape)
        ctx.in_shape = x.shape
        ctx.reps = reps
        return np.tile(x, reps)

    @staticmethod
    def backward(ctx, g):
        split = []
        for r, n in zip(ctx.reps, ctx.in_shape):
            split += [r, n]
        summed = np.sum(g.reshape(tuple(split)), axis=tuple(range(0, len(split), 2)))
        return (summed,)


class Cat(Op):
    """y = [x_1, x_2, ...] joined along ``axis``;   dL/dx_k = the slice of dL/dy where x_k sits"""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        ctx.bounds = np.cumsum([0] + [x.shape[axis] for x in xs])
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.axis
        b = ctx.bounds
        return tuple(g[lead + (slice(int(b[i]), int(b[i + 1])),)] for i in range(len(b) - 1))


class ConstantPad(Op):
    """y = x surrounded by ``value``;   dL/dx = the centre part of dL/dy (the padding gets none)"""

    @staticmethod
    def forward(ctx, x, widths=(), value=0.0):
        ctx.center = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return (g[ctx.center],)


class Split(Function):
    """(y_1, ..., y_k) = consecutive slices of x along ``dim``;   dL/dx = cat(dL/dy_1, ..., dL/dy_k)

    One op with k outputs rather than k slicing ops: each slice's backward would build a
    zero-filled gradient of x's full size, O(k * size) in all; here backward is one
    concatenation (and, written with ``cat``, differentiable again).
    """

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        outs, start = [], 0
        for n in sizes:
            t = Tensor._make(x.data[lead + (slice(start, start + n),)], False, None)
            t._vc = x._vc  # views of x
            outs.append(t)
            start += n
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        return cat(list(grads), ctx.dim), None, None


class Unbind(Function):
    """(y_0, ..., y_{n-1}) = (x[..., i, ...] for i along ``dim``);   dL/dx = stack(dL/dy_i)"""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        outs = []
        for i in range(x.shape[dim]):
            t = Tensor._make(x.data[lead + (i,)], False, None)
            t._vc = x._vc
            outs.append(t)
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        return stack(list(grads), ctx.dim), None


# ---------------------------------------------------------------------------- functions


def _view_of(x: Tensor, out: Tensor) -> Tensor:
    if out.data.base is not None:
        out._vc = x._vc  # shares memory with x, so in-place changes to either are seen by both
    return out


def reshape(input: Tensor, *shape: Any) -> Tensor:  # noqa: A002
    """Same elements in a new shape; one size may be -1 (inferred)."""
    shp = _sizes(shape, "reshape")
    try:
        return _view_of(input, Reshape.apply(input, shape=shp))
    except ValueError:
        raise RuntimeError(
            f"reshape: shape {list(shp)} is invalid for input of shape {input.shape} "
            f"({input.numel()} elements)"
        ) from None


view = reshape


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge dims ``start_dim..end_dim`` into one."""
    if input.ndim == 0:
        return reshape(input, 1)
    s = _wrap_dim(start_dim, input.ndim, "flatten")
    e = _wrap_dim(end_dim, input.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim})")
    shp = input.shape
    return reshape(input, shp[:s] + (math.prod(shp[s : e + 1]),) + shp[e + 1 :])


def permute(input: Tensor, *dims: Any) -> Tensor:  # noqa: A002
    """Reorder the axes: ``x.permute(2, 0, 1)``."""
    perm = _sizes(dims, "permute")
    n = input.ndim
    if len(perm) != n:
        raise RuntimeError(
            f"permute: number of dims don't match: got {len(perm)} dims {perm} for a tensor "
            f"of shape {input.shape}"
        )
    perm = tuple(_wrap_dim(d, n, "permute") for d in perm)
    if len(set(perm)) != n:
        raise RuntimeError(f"permute: repeated dim in {dims}")
    return _view_of(input, Permute.apply(input, perm=perm))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Swap two axes."""
    n = input.ndim
    if n == 0:
        return input
    perm = list(range(n))
    a, b = _wrap_dim(dim0, n, "transpose"), _wrap_dim(dim1, n, "transpose")
    perm[a], perm[b] = perm[b], perm[a]
    return _view_of(input, Permute.apply(input, perm=tuple(perm)))


swapaxes = transpose


def t(input: Tensor) -> Tensor:  # noqa: A002
    if input.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, but got shape {input.shape}")
    return transpose(input, 0, 1) if input.ndim == 2 else input


def moveaxis(input: Tensor, source: Any, destination: Any) -> Tensor:  # noqa: A002
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    n = input.ndim
    src = [_wrap_dim(s, n, "moveaxis") for s in src]
    dst = [_wrap_dim(d, n, "moveaxis") for d in dst]
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(
            f"moveaxis: source {source} and destination {destination} must be the same number of "
            f"distinct dims (tensor of shape {input.shape})"
        )
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, *order)


movedim = moveaxis


def squeeze(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """Remove size-1 dims (all, or the ones in ``dim``; others are left alone as in PyTorch)."""
    shp = input.shape
    if dim is None:
        dims = {i for i, n in enumerate(shp) if n == 1}
    else:
        ds = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = {_wrap_dim(d, input.ndim, "squeeze") for d in ds}
        dims = {d for d in dims if input.ndim and shp[d] == 1}
    return reshape(input, tuple(n for i, n in enumerate(shp) if i not in dims))


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """Insert a size-1 dim at ``dim`` (in [-ndim-1, ndim])."""
    n = input.ndim + 1
    if not isinstance(dim, int | np.integer):
        raise TypeError(f"unsqueeze: dim must be an int, got {dim!r}")
    if not -n <= dim < n:
        raise IndexError(
            f"unsqueeze: dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    d = dim % n
    shp = input.shape
    return reshape(input, shp[:d] + (1,) + shp[d:])


def expand(input: Tensor, *sizes: Any) -> Tensor:  # noqa: A002
    """Broadcast size-1 dims (and new leading dims) to ``sizes`` without copying; -1 keeps a size."""
    target = list(_sizes(sizes, "expand"))
    shp = input.shape
    if len(target) < len(shp):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(target)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(shp)}); tensor shape {shp}"
        )
    lead = len(target) - len(shp)
    for i, n in enumerate(shp):
        want = target[lead + i]
        if want == -1:
            target[lead + i] = n
        elif n != 1 and want != n:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({want}) must match the existing size "
                f"({n}) at non-singleton dimension {lead + i}. Target sizes: "
                f"{list(_sizes(sizes, 'expand'))}. Tensor sizes: {list(shp)}"
            )
    if any(t < 0 for t in target):
        raise RuntimeError(f"expand: -1 is not allowed for a new leading dimension: {list(target)}")
    if tuple(target) == shp:
        return input
    return _view_of(input, Expand.apply(input, shape=tuple(target)))


def broadcast_to(input: Tensor, shape: Any) -> Tensor:  # noqa: A002
    return expand(input, *_sizes((shape,), "broadcast_to"))


def expand_as(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return expand(input, other.shape)


def repeat(input: Tensor, *sizes: Any) -> Tensor:  # noqa: A002
    """Tile the tensor: ``x.repeat(2, 3)`` (as ``torch.Tensor.repeat``, i.e. ``np.tile``)."""
    reps = _sizes(sizes, "repeat")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {list(reps)}")
    if len(reps) < input.ndim:
        raise RuntimeError(
            f"repeat: number of dimensions of repeat dims ({len(reps)}) can not be smaller than "
            f"number of dimensions of tensor ({input.ndim}, shape {input.shape})"
        )
    return Repeat.apply(input, reps=reps)


def _check_tensors(tensors: Any, op: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, list | tuple):
        raise TypeError(f"{op}: expected a list or tuple of Tensors, got {type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{op}: expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor | np.ndarray | list | tuple | int | float | np.number):
            raise TypeError(f"{op}: expected a Tensor as element {i} of the list, got {type(t).__name__}")
    ts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    # PyTorch's promotion: integers meeting floats take the float dtype (int64 + float32 is
    # float32, where numpy's result_type would say float64)
    dts = [t.data.dtype for t in ts]
    floats = [d for d in dts if d.kind == "f"]
    dt = np.result_type(*(floats or dts))
    return [cast(t, dt) for t in ts]


def cat(tensors: Any, dim: int = 0) -> Tensor:
    """Concatenate along an existing dim; all other sizes must match."""
    ts = _check_tensors(tensors, "cat")
    nd = ts[0].ndim
    if nd == 0:
        raise RuntimeError("cat: zero-dimensional tensor cannot be concatenated")
    axis = _wrap_dim(dim, nd, "cat")
    for t in ts[1:]:
        if t.ndim != nd or any(a != b for i, (a, b) in enumerate(zip(t.shape, ts[0].shape)) if i != axis):
            raise RuntimeError(
                f"cat: sizes of tensors must match except in dimension {axis}; got shapes "
                f"{[tuple(x.shape) for x in ts]}"
            )
    return Cat.apply(*ts, axis=axis)


concat = concatenate = cat


def stack(tensors: Any, dim: int = 0) -> Tensor:
    """Join along a new dim; all shapes must be equal."""
    ts = _check_tensors(tensors, "stack")
    for t in ts[1:]:
        if t.shape != ts[0].shape:
            raise RuntimeError(
                f"stack: expects each tensor to be equal size, but got shapes {[tuple(x.shape) for x in ts]}"
            )
    n = ts[0].ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"stack: dimension out of range (expected [{-n}, {n - 1}], got {dim})")
    return cat([unsqueeze(t, dim % n) for t in ts], dim % n)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    d = _wrap_dim(dim, input.ndim, "narrow")
    n = input.shape[d]
    if not -n <= start <= n:
        raise IndexError(
            f"narrow: start out of range (expected to be in range of [{-n}, {n}], but got {start}) "
            f"for dim {dim} of a tensor of shape {input.shape}"
        )
    # a negative start counts from the end; a plain slice(start, start + length) would be
    # empty for e.g. start=-2, length=2 and would silently shorten past the end
    start = start + n if start < 0 else start
    if length < 0 or start + length > n:
        raise RuntimeError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n}) of dim "
            f"{dim} of a tensor of shape {input.shape}"
        )
    return input[(slice(None),) * d + (slice(start, start + length),)]


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into pieces of ``split_size`` (last one smaller) or of the listed sizes."""
    d = _wrap_dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int | np.integer):
        step = int(split_size_or_sections)
        if step <= 0 and n > 0:
            raise RuntimeError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, n - i) for i in range(0, n, step)] if n else [0]
    else:
        if not isinstance(split_size_or_sections, list | tuple) or not all(
            isinstance(s, int | np.integer) and s >= 0 for s in split_size_or_sections
        ):
            raise TypeError(
                f"split: split_size_or_sections must be an int or a list of non-negative ints, "
                f"got {split_size_or_sections!r}"
            )
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(
                f"split: split sizes {sizes} sum to {sum(sizes)}, but dim {dim} of the tensor "
                f"(shape {tensor.shape}) has size {n}"
            )
    out = Split.apply(tensor, sizes, d)
    return out if isinstance(out, tuple) else (out,)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Split into ``chunks`` pieces of size ceil(n / chunks) (possibly fewer pieces, as PyTorch)."""
    if not isinstance(chunks, int | np.integer):
        raise TypeError(f"chunk: chunks must be an int, got {chunks!r}")
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be positive, got {chunks}")
    d = _wrap_dim(dim, input.ndim, "chunk")
    n = input.shape[d]
    return split(input, max(1, math.ceil(n / chunks)), d)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    d = _wrap_dim(dim, input.ndim, "unbind")
    if input.shape[d] == 0:
        return ()
    out = Unbind.apply(input, d)
    return out if isinstance(out, tuple) else (out,)


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left_last, right_last, left_prev, ...)``.

    ``mode`` is ``constant`` (with ``value``), ``reflect``, ``replicate`` or ``circular``;
    negative widths crop, as in ``torch.nn.functional.pad``.
    """
    if not all(isinstance(p, int | np.integer) for p in pad):
        raise TypeError(f"pad: padding sizes must be ints, got {tuple(pad)}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError(
            f"pad: padding length must be even and at most 2 * ndim ({2 * input.ndim}) for an "
            f"input of shape {input.shape}; got {pad}"
        )
    widths = [(0, 0)] * input.ndim
    for k in range(len(pad) // 2):
        widths[input.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    for axis, ((lo, hi), n) in enumerate(zip(widths, input.shape)):
        if n + lo + hi < 0 or (mode == "constant" and n + min(lo, 0) + min(hi, 0) < 0):
            raise RuntimeError(
                f"pad: padding {(lo, hi)} would give dim {axis} (size {n}) of the input of shape "
                f"{input.shape} a negative size"
            )
    if mode == "constant":
        crop = tuple(slice(max(0, -lo), n - max(0, -hi)) for (lo, hi), n in zip(widths, input.shape))
        x = input[crop] if any(lo < 0 or hi < 0 for lo, hi in widths) else input
        pos = tuple((max(0, lo), max(0, hi)) for lo, hi in widths)
        if not any(lo or hi for lo, hi in pos):
            return x
        return ConstantPad.apply(x, widths=pos, value=0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: mode {mode!r} (supported: constant, reflect, replicate, circular)")
    # non-constant modes are gathers: build the source index of every output position per dim
    out = input
    for axis, (lo, hi) in enumerate(widths):
        if not lo and not hi:
            continue
        n = input.shape[axis]
        if n == 0:
            raise RuntimeError(
                f"pad: {mode} padding of dim {axis}, which is empty (input shape {input.shape})"
            )
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError(
                f"pad: circular padding ({lo}, {hi}) of dim {axis} (size {n}) would wrap around "
                "more than once"
            )
        idx = np.arange(-lo, n + hi)
        if mode == "reflect":
            if lo >= n or hi >= n:
                raise RuntimeError(
                    f"pad: reflect padding ({lo}, {hi}) must be smaller than the input size {n} at dim {axis}"
                )
            period = 2 * (n - 1)
            idx = np.abs(idx) % period if period else np.zeros_like(idx)
            idx = np.where(idx >= n, period - idx, idx)
        elif mode == "replicate":
            idx = np.clip(idx, 0, n - 1)
        else:
            idx = idx % n
        out = out[(slice(None),) * axis + (idx,)]
    return out
