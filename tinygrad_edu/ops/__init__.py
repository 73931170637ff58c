"""All differentiable operations, one file per family.

=================  ===========================================================
``elementwise``    neg exp log log1p sqrt rsqrt sin cos tanh sigmoid relu abs
                   square reciprocal sign clamp; add sub mul div pow maximum
                   minimum where; cast clone
``reduce``         sum mean var std amax amin max min prod argmax argmin logsumexp
``softmax``        softmax log_softmax
``shape``          reshape/view flatten permute transpose squeeze unsqueeze expand
                   broadcast_to repeat cat stack split chunk pad
``index``          x[index] (getitem) and its scatter-add backward
``linalg``         matmul dot mm outer; Linear (x W^T + b as one op, for nn.Linear)
``special``        erf expm1
``rnn``            the LSTM cell's gates and state update, fused (used by nn.LSTM)
``conv``           Unfold / Fold (im2col and its adjoint), used by nn.functional.conv2d;
                   BlockMax (max_pool2d with non-overlapping windows)
``loss``           fused NLL, cross-entropy (log_softmax + NLL), binary cross-entropy
                   and log-sigmoid, used by the losses
``fast_reduce``    not an op: faster numpy for a max or sum along a short last axis,
                   used by softmax, log_softmax, logsumexp and sum
=================  ===========================================================

Each op is a class with ``forward`` and ``backward`` side by side and its derivative in
the docstring; the lower-case functions check arguments and call ``Op.apply``.
"""

from .elementwise import (  # noqa: F401
    abs,
    add,
    cast,
    clamp,
    clip,
    clone,
    contiguous,
    cos,
    div,
    exp,
    log,
    log1p,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    rdiv,
    reciprocal,
    relu,
    rpow,
    rsqrt,
    rsub,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    sub,
    tanh,
    where,
)
from .index import getitem, index_select, index_to_numpy, masked_fill  # noqa: F401
from .linalg import dot, matmul, mm, outer  # noqa: F401
from .reduce import (  # noqa: F401
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    prod,
    std,
    sum,
    var,
)
from .shape import (  # noqa: F401
    broadcast_to,
    cat,
    chunk,
    concat,
    concatenate,
    expand,
    expand_as,
    flatten,
    moveaxis,
    movedim,
    narrow,
    pad,
    permute,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    t,
    transpose,
    unbind,
    unsqueeze,
    view,
)
from .softmax import log_softmax, softmax  # noqa: F401
from .special import erf, expm1  # noqa: F401
