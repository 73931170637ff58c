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
``linalg``         matmul dot mm outer
``special``        erf expm1
``conv``           Unfold / Fold (im2col and its adjoint), used by nn.functional.conv2d
``loss``           fused NLL, binary cross-entropy and log-sigmoid, used by the losses
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
