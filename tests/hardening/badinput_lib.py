"""One API over two libraries, so a bad-input case is written once and run on both.

A case is a function ``fn(L)`` where ``L`` is a :class:`Lib`: ``L.m`` is the package root
(``tinygrad_edu`` or ``torch``), ``L.F`` its ``nn.functional``, ``L.nn``, ``L.optim``,
``L.data``; ``L.a(2, 3)`` builds a deterministic tensor, ``L.nc``/``L.ro`` build tensors
over non-contiguous / read-only numpy memory. Because tinygrad_edu copies PyTorch's API,
the same case runs unchanged on ``torch``, which is how the table's expectations are
checked against PyTorch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NP_DTYPES = {
    "f16": np.float16, "f32": np.float32, "f64": np.float64, "i32": np.int32, "i64": np.int64,
    "u8": np.uint8, "bool": np.bool_,
}


def values(shape: tuple[int, ...], dt: str = "f32") -> np.ndarray:
    """Deterministic, varied values (no ties in the float case) of a given shape and dtype."""
    n = math.prod(shape)
    if dt == "bool":
        return (np.arange(n) % 3 == 0).reshape(shape)
    if dt in ("i32", "i64", "u8"):
        v = np.arange(n) % 5 if dt == "u8" else np.arange(n) % 5 - 2
        return v.astype(NP_DTYPES[dt]).reshape(shape)
    v = np.linspace(-1.5, 1.7, n) + 0.01 * np.sin(np.arange(n))
    return v.astype(NP_DTYPES[dt]).reshape(shape)


class Lib:
    """``tinygrad_edu`` or ``torch`` behind the same names."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.leaves: list[Any] = []  # tensors that require grad: their .grad is compared
        if kind == "tg":
            import tinygrad_edu as m
            import tinygrad_edu.nn.functional as F

            self.m, self.F, self.nn, self.optim, self.data = m, F, m.nn, m.optim, m.data
            self.Tensor = m.Tensor
        else:
            import torch as m
            import torch.nn.functional as F
            import torch.utils.data as data

            self.m, self.F, self.nn, self.optim, self.data = m, F, m.nn, m.optim, data
            self.Tensor = m.Tensor

    def dtype(self, dt: str) -> Any:
        names = {"f16": "float16", "f32": "float32", "f64": "float64", "i32": "int32",
                 "i64": "int64", "u8": "uint8", "bool": "bool"}
        return getattr(self.m, names[dt])

    def wrap(self, arr: np.ndarray, rg: bool = False, share: bool = False) -> Any:
        """A tensor over ``arr``; ``share=True`` keeps the array's memory (strides, read-only flag)."""
        if self.kind == "tg":
            t = self.m.from_numpy(arr) if share else self.m.tensor(arr)
        else:
            # torch.from_numpy warns on read-only memory; torch copies on construction anyway
            t = self.m.from_numpy(arr) if share and arr.flags.writeable else self.m.tensor(arr)
        if rg:
            t.requires_grad_(True)
            self.leaves.append(t)
        return t

    def t(self, data: Any, dt: str = "f32", rg: bool = False) -> Any:
        return self.wrap(np.array(data, dtype=NP_DTYPES[dt]), rg)

    def a(self, *shape: int, dt: str = "f32", rg: bool = False) -> Any:
        return self.wrap(values(shape, dt), rg)

    def nc(self, *shape: int, dt: str = "f32", rg: bool = False) -> Any:
        """A tensor over a non-contiguous view (every other column, then transposed)."""
        base = values(shape[:-2] + (shape[-1], 2 * shape[-2]), dt)
        arr = np.swapaxes(base[..., ::2], -1, -2)
        assert not arr.flags.c_contiguous and not arr.flags.f_contiguous and arr.shape == shape
        return self.wrap(arr, rg, share=True)

    def ro(self, *shape: int, dt: str = "f32", rg: bool = False) -> Any:
        """A tensor over a read-only numpy array."""
        arr = values(shape, dt)
        arr.flags.writeable = False
        return self.wrap(arr, rg, share=True)

    def special(self, dt: str = "f32", rg: bool = False) -> Any:
        """NaN, ±inf, ±0 and ordinary values."""
        return self.t([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.0], dt, rg)

    def mod(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """A layer whose parameters hold the same deterministic values in both libraries."""
        layer = getattr(self.nn, name)(*args, **kwargs)
        no_grad = self.m.no_grad
        with no_grad():
            for p in layer.parameters():
                p.copy_(self.wrap(values(tuple(p.shape), "f64") / 2).to(p.dtype))
        self.leaves.extend(layer.parameters())
        return layer


@dataclass
class Case:
    op: str
    label: str
    fn: Any
    want: str  # a code of test_bad_input.CODES, possibly marked ! or ~
    mention: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.op}:{self.label}"


# ---------------------------------------------------------------- running a case
@dataclass
class Outcome:
    result: Any = None
    exc: BaseException | None = None
    grads: list | None = None


def run(case: Case, kind: str) -> Outcome:
    import warnings

    L = Lib(kind)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            res = case.fn(L)
        except Exception as e:  # noqa: BLE001 - the outcome is what we study
            return Outcome(exc=e)
        out = Outcome(result=res)
        try:
            out.grads = backward_grads(L, res)
        except Exception as e:  # noqa: BLE001
            out.exc = e  # the forward worked but backward did not: reported as a failure
            out.result = None
            out.exc.add_note("(raised in backward)")
    return out


def float_outputs(L: Lib, res: Any) -> list:
    if isinstance(res, L.Tensor):
        return [res] if res.requires_grad and res.dtype in (L.m.float16, L.m.float32, L.m.float64) else []
    if isinstance(res, list | tuple):
        return [t for r in res for t in float_outputs(L, r)]
    return []


def backward_grads(L: Lib, res: Any) -> list | None:
    outs = float_outputs(L, res)
    if not outs or not L.leaves:
        return None
    total = sum(o.double().sum() for o in outs)
    total.backward()
    return [None if p.grad is None else p.grad.detach().numpy().copy() for p in L.leaves]


def to_numpy(res: Any) -> Any:
    """Results as plain numpy/Python values for comparison (None where not comparable)."""
    if hasattr(res, "detach") and hasattr(res, "numpy"):
        return np.array(res.detach().numpy())
    if isinstance(res, list | tuple):
        return [to_numpy(r) for r in res]
    if isinstance(res, bool | int | float | np.generic):
        return np.asarray(res)
    return None
