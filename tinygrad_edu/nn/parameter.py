"""``nn.Parameter``: a Tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` that Modules collect in ``parameters()``.

    Like ``torch.nn.Parameter(t)``, it shares memory with ``t``.

    Example::

        w = nn.Parameter(tg.randn(3, 4))
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data.data
        else:
            arr = Tensor(data).data
        self.data = arr
        self._vc = data._vc if isinstance(data, Tensor) else [0]
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __reduce_ex__(self, protocol: Any) -> Any:  # copy.deepcopy / pickle keep the class
        return (Parameter, (Tensor(self.data.copy(order="K")), self.requires_grad))
