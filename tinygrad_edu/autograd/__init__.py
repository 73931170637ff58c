"""The autograd engine: graph nodes, backward, grad mode, anomaly detection.

* :mod:`.function` — ``Function`` (a node; custom ops subclass it) and the built-in ``Op`` base
* :mod:`.engine` — ``backward`` and ``grad``: the iterative reverse topological walk
* :mod:`.grad_mode` — ``no_grad``, ``enable_grad``, ``set_grad_enabled`` (thread-local)
* :mod:`.anomaly` — ``detect_anomaly``
"""

from .anomaly import detect_anomaly
from .engine import backward, grad
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = [
    "Function",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]
