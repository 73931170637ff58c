"""tinygrad_edu: reverse-mode automatic differentiation on numpy, PyTorch-style.

    import tinygrad_edu as tg
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.tanh() ** 2).sum()
    y.backward()
    print(x.grad)   # 2 tanh(x) (1 - tanh(x)^2)
"""

import builtins

from . import autograd, data, dtypes, func, nn, ops, optim, viz
from .autograd import detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .dtypes import (
    bool,  # noqa: A004 - torch's name
    double,
    float,  # noqa: A004
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,  # noqa: A004
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    uint8,
)
from .factories import (
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    zeros,
    zeros_like,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops import *  # noqa: F403 - every op is also a root function, as in torch
from .ops import abs, max, min, pow, sum  # noqa: A004, F401 - explicit for readers
from .random import manual_seed, seed
from .serialization import load, save
from .tensor import Tensor, tensor

__version__ = "0.1.0"


def is_tensor(obj: object) -> "builtins.bool":
    return isinstance(obj, Tensor)


def numel(t: Tensor) -> int:
    return t.numel()
