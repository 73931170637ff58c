"""Anomaly detection: find the op whose backward produced NaN or inf.

Inside ``with tg.autograd.detect_anomaly():`` every recorded op remembers the stack of
the forward call that created it, and the engine checks each gradient an op's backward
returns. The first NaN/inf raises a ``RuntimeError`` naming the op (``SqrtBackward``) and
showing the user's line that called it in forward.
"""

from __future__ import annotations

import os
import traceback

import numpy as np

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_enabled = [False]  # a list so the hot path reads one global without a function call


def is_enabled() -> bool:
    return _enabled[0]


class detect_anomaly:
    """Context manager (and decorator) turning on anomaly detection.

    Example::

        with tg.autograd.detect_anomaly():
            y = tg.sqrt(x)          # x contains 0
            y.sum().backward()      # RuntimeError: SqrtBackward returned inf ...
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = _enabled[0]
        _enabled[0] = self.check_nan

    def __exit__(self, *exc: object) -> None:
        _enabled[0] = self._prev

    def __call__(self, fn):  # noqa: ANN001, ANN204 - decorator form
        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            with self:
                return fn(*args, **kwargs)

        return wrapper


def check(node, grads) -> None:  # noqa: ANN001
    """Raise if any gradient ``node``'s backward returned is not finite."""
    for i, g in enumerate(grads):
        if g is None:
            continue
        arr = g.data if hasattr(g, "grad_fn") else np.asarray(g)
        if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
            bad = "nan" if np.isnan(arr).any() else "inf"
            where = ""
            if node._trace:
                user = [f for f in node._trace if not f.filename.startswith(_PKG_DIR)]
                frames = user[-3:] if user else node._trace[-3:]
                where = "\nThe forward call that created this op was:\n" + "".join(
                    traceback.format_list(frames)
                )
            raise RuntimeError(
                f"Function '{node.name()}' returned {bad} values in its {i}th output "
                f"(gradient of shape {arr.shape}).{where}"
            )
