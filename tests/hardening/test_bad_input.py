"""Bad input, clear errors: every public op, layer, loss, optimizer and data utility fed
wrong shapes, wrong dtypes (int, bool, object, complex), wrong dims, empty tensors, NaN/inf,
non-contiguous and read-only numpy memory, Python scalars and ragged lists.

Each call must either work as PyTorch does, or raise ``TypeError`` / ``ValueError`` /
``RuntimeError`` (``IndexError`` where PyTorch raises it) with a message that names the op
and what was wrong: never a bare numpy error from deep inside, never a silently wrong shape.

The cases are written once against a small common API (``badinput_lib.Lib``) and run on
tinygrad_edu and, when it is installed, on PyTorch:

* ``test_bad_input`` checks our outcome against the table (works / which error, and that
  the message names the op and the offending argument);
* ``test_bad_input_matches_pytorch`` checks the table against PyTorch: the same outcome
  (and for calls that work: the same values, dtypes and gradients), except in the cells
  marked ``!`` (works here and raises there, or the reverse), ``~`` (both work, values,
  dtype or gradients differ) or ``#`` (both raise, only one of them IndexError), each of
  which has its reason in ``REASONS`` and is checked to really differ.
* ``test_every_public_function_layer_optimizer_and_utility_has_cases`` checks that the
  table leaves out no public function, Tensor method, layer, optimizer or data utility.

Table codes: ``ok`` works; ``TE`` / ``VE`` / ``RE`` / ``IE`` / ``KE`` / ``AE`` / ``OE``
raise TypeError / ValueError / RuntimeError / IndexError / KeyError / AttributeError / OSError.
"""

from __future__ import annotations

import io
import os
import tempfile

import numpy as np
import pytest

from .._report import record
from .badinput_lib import Case, run, to_numpy, values

CODES = {
    "ok": None, "TE": TypeError, "VE": ValueError, "RE": RuntimeError, "IE": IndexError,
    "KE": KeyError, "AE": AttributeError, "OE": OSError,
}
CASES: list[Case] = []


def case(op, label, fn, code, *mention, names=None, grid=None):
    """One case: ``op`` (what the message must name; ``names`` gives alternatives, e.g. the
    function form a layer calls), ``code`` as in the table, ``mention``: strings the error
    message must also contain (the offending shape, dtype or argument)."""
    CASES.append(Case(op, label, fn, code, tuple(mention), extra={"names": names or (op,), "grid": grid}))


def grid(table, inputs, call, names=None, mention=None):
    """Cases from a text table: a header row of input labels, then one row per op (a wide
    table is written as several blocks, separated by a blank line, each with its header).

    ``inputs[label](L)`` returns the arguments for column ``label``; ``call(L, op, *args)``
    runs the op. ``mention[label]`` lists strings an error message for that column must hold.
    """
    for block in table.strip().split("\n\n"):
        rows = [r.split() for r in block.strip().splitlines()]
        header = rows[0]
        assert all(h in inputs for h in header), set(header) - set(inputs)
        for row in rows[1:]:
            op, codes = row[0], row[1:]
            assert len(codes) == len(header), row
            for label, code in zip(header, codes):
                toks = (mention or {}).get(label, ())
                case(op, label, _cell(call, op, inputs[label]), code, *toks, names=(names or {}).get(op),
                     grid=tuple(inputs))


def _cell(call, op, make_args):
    return lambda L: call(L, op, *make_args(L))


# Why a cell differs from PyTorch (cells marked !, ~ or #), by (op, label); "*" matches any.
REASONS = {
    # extensions: inputs PyTorch refuses and tinygrad_edu accepts, with an obvious meaning
    ("*", "complex-scalar"): "no complex dtypes here: refused with a TypeError naming the op",
    ("*", "complex-array"): "no complex dtypes here: refused with a TypeError naming the op",
    ("*", "ndarray"): "numpy arrays (and, for the operators, lists) are accepted as constant operands",
    ("*", "py-int"): "maximum/minimum accept a Python number, as numpy's do",
    ("*", "py-first"): "maximum/minimum accept a Python number, as numpy's do",
    ("*", "int"): "integer input is promoted to the default float dtype (PyTorch has no integer kernel)",
    ("*", "bool"): "bool input is promoted (to float, or int64 for argmax) instead of refused",
    ("mul", "operator-reflected-ndarray"): "numpy array * Tensor dispatches to the Tensor (numpy interop)",
    ("sub", "operator-list"): "a list operand is taken as a constant tensor",
    ("pow", "operator-complex"): "no complex dtypes here",
    ("pow", "rpow-complex"): "no complex dtypes here",
    ("tensor", "list-of-tensors"): "a list of equally shaped tensors is stacked, as numpy does",
    ("matmul", "int-float"): "mixed dtypes are promoted as in elementwise ops (PyTorch's matmul refuses)",
    ("matmul", "f32-f64"): "mixed dtypes are promoted as in elementwise ops (PyTorch's matmul refuses)",
    ("matmul", "bool"): "bool matrices multiply as numpy does",
    ("matmul", "list"): "a list operand is taken as a constant tensor",
    ("dot", "int-float"): "mixed dtypes are promoted as in elementwise ops",
    ("logsumexp", "empty-all"): "logsumexp(dim=None) reduces everything (an extension, see API.md)",
    ("getitem", "negative-step"): "negative slice steps work as in numpy (PyTorch refuses them)",
    ("layer_norm", "int-shape"): "F.layer_norm takes an int normalized_shape like nn.LayerNorm",
    ("huber_loss", "int-target"): "the target is cast to the input's dtype",
    ("huber_loss", "f64-target"): "the target is cast to the input's dtype",
    ("cross_entropy", "int32-target"): "any integer dtype works for class indices",
    ("nll_loss", "int-weight"): "class weights are cast to the input's dtype",
    ("binary_cross_entropy", "int-target"): "the target is cast to the input's dtype",
    ("binary_cross_entropy_with_logits", "int-target"): "the target is cast to the input's dtype",
    ("*", "grad-f64"): "a float64 .grad on a float32 parameter is used (cast); PyTorch refuses the "
    "assignment",
    ("random_split", "negative"): "negative lengths are refused (PyTorch returns a broken split)",
    # stricter than PyTorch: refused with a clear error where PyTorch accepts
    ("*", "duplicate"): "a parameter listed twice would be updated twice per step: refused (PyTorch warns)",
    ("*", "int-input"): "regression losses need a float input (PyTorch promotes an int input)",
    ("Dropout", "p-bool"): "p=True is almost certainly a mistake: refused",
    ("MSELoss", "reduction"): "a bad reduction is refused when the loss is built, not at its first call",
    ("CrossEntropyLoss", "reduction"): "a bad reduction is refused when the loss is built, not at its "
    "first call",
    ("CosineAnnealingLR", "T_max=0"): "refused up front; PyTorch fails at the first step with "
    "ZeroDivisionError",
    ("adaptive_avg_pool2d", "zero"): "an output size of 0 is refused (PyTorch returns an empty tensor)",
    ("cat", "legacy-empty-1d"): "PyTorch's legacy rule of skipping empty 1-D tensors in cat is not copied",
    ("save", "object"): "tg.save never pickles: arbitrary objects are refused (torch.save pickles them)",
    ("abs", "bool"): "abs of a bool tensor is the identity; PyTorch has no bool kernel",
    ("argmax", "bool"): "argmax of a bool tensor works as in numpy",
    ("argmin", "bool"): "argmin of a bool tensor works as in numpy",
    # same outcome, other details
    ("getitem", "str"): "x['a'] raises IndexError (numpy's class for bad indices); PyTorch raises TypeError",
    ("getitem", "list-of-floats"): "float index lists are refused; PyTorch truncates them to ints",
    ("avg_pool2d", "2d-input"): "PyTorch's IndexError here is an accident of its dim wrapping; ours "
    "says what is expected",
    ("avg_pool2d", "int-input"): "average pooling of ints gives a float64 result (PyTorch truncates to "
    "int64)",
    ("mT", "1d"): "IndexError (the dim -2 a 1-D tensor lacks), where PyTorch raises RuntimeError",
    ("LSTM", "h0-not-tuple"): "a TypeError saying a (h_0, c_0) tuple is expected; PyTorch fails with "
    "IndexError",
    ("*", "betas-length"): "ValueError naming betas; PyTorch fails with an IndexError from betas[1]",
    ("TensorDataset", "0d"): "ValueError naming the 0-d tensor; PyTorch fails with an IndexError",
    **{(op, "int"): "hardtanh of an int tensor is computed in the default float dtype (PyTorch keeps int64)"
       for op in ("hardtanh", "Hardtanh", "relu6", "ReLU6")},
    ("*", "nan-inf"): "at NaN/±inf inputs the values agree, but the conventions for gradients (and for "
    "sign(nan), gelu(inf)) differ: e.g. PyTorch passes gradient 1 through relu at NaN",
    ("*", "nan"): "at NaN/±inf inputs the loss values agree, the gradients' conventions differ",
    ("pow", "int-float"): "gradient where the power is undefined (negative base) is nan vs PyTorch's -inf",
    ("var", "correction-too-big"): "with N - correction <= 0 both give inf; the gradient is nan vs "
    "PyTorch's inf",
    ("softplus", "beta-zero"): "beta=0 divides by zero: both give inf; the gradients differ",
}


# ============================================================ elementwise ops
UNARY_INPUTS = {
    "int64": lambda L: (L.a(2, 3, dt="i64"),),
    "bool": lambda L: (L.a(2, 3, dt="bool"),),
    "empty": lambda L: (L.a(0, 3, rg=True),),
    "nan-inf": lambda L: (L.special(rg=True),),
    "py-float": lambda L: (2.0,),
    "list": lambda L: ([1.0, 2.0],),
    "ndarray": lambda L: (np.ones(2),),
    "strided": lambda L: (L.nc(3, 4, rg=True),),
    "read-only": lambda L: (L.ro(3, 4, rg=True),),
    "0d-f64": lambda L: (L.t(0.7, "f64", rg=True),),
}
TYPE_MENTION = {"py-float": ("float",), "list": ("list",), "ndarray": ("ndarray",), "bool": ("bool",)}
grid(
    """
                int64  bool  empty  nan-inf  py-float  list  ndarray  strided  read-only  0d-f64
    exp         ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    log         ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    log1p       ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    sqrt        ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    rsqrt       ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    sin         ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    cos         ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    tanh        ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    sigmoid     ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    relu        ok     RE    ok     ok~      TE        TE    TE       ok       ok         ok
    abs         ok     ok!   ok     ok~      TE        TE    TE       ok       ok         ok
    square      ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    reciprocal  ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    sign        ok     ok    ok     ok~      TE        TE    TE       ok       ok         ok
    neg         ok     RE    ok     ok       TE        TE    TE       ok       ok         ok
    erf         ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    expm1       ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    clone       ok     ok    ok     ok       TE        TE    TE       ok       ok         ok
    """,
    UNARY_INPUTS,
    lambda L, op, *a: getattr(L.m, op)(*a),
    mention=TYPE_MENTION,
)

BINARY_INPUTS = {
    "shapes": lambda L: (L.a(2, 3), L.a(3, 2)),
    "broadcast": lambda L: (L.a(2, 1, rg=True), L.a(3, rg=True)),
    "int-float": lambda L: (L.a(2, 3, dt="i64"), L.a(2, 3, rg=True)),
    "bool-bool": lambda L: (L.a(3, dt="bool"), L.a(3, dt="bool")),
    "int-int": lambda L: (L.a(3, dt="i64") + 3, L.a(3, dt="i64") + 3),
    "f32-f64": lambda L: (L.a(3, rg=True), L.a(3, dt="f64", rg=True)),
    "py-int": lambda L: (L.a(3, rg=True), 2),
    "py-first": lambda L: (2.5, L.a(3, rg=True)),
    "ndarray": lambda L: (L.a(2, 3, rg=True), np.arange(3.0)),
    "ragged": lambda L: (L.a(2, 2), [[1.0, 2.0], [3.0]]),
    "complex-array": lambda L: (L.a(2), np.array([1j, 2j])),
    "object-array": lambda L: (L.a(2), np.array([1, "a"], dtype=object)),
    "str": lambda L: (L.a(2), "a"),
    "None": lambda L: (L.a(2), None),
    "complex-scalar": lambda L: (L.a(2), 1j),
    "empty": lambda L: (L.a(0, 3, rg=True), L.a(1, 3, rg=True)),
    "nan-inf": lambda L: (L.special(rg=True), L.special(rg=True)),
    "strided": lambda L: (L.nc(3, 4, rg=True), L.nc(3, 4, rg=True)),
    "read-only": lambda L: (L.ro(3, 4, rg=True), L.ro(4, rg=True)),
}
grid(
    """
             shapes  broadcast  int-float  bool-bool  int-int  f32-f64  py-int  py-first  ndarray  ragged
    add      VE      ok         ok         ok         ok       ok       ok      ok        ok!      VE
    sub      VE      ok         ok         TE         ok       ok       ok      ok        ok!      VE
    mul      VE      ok         ok         ok         ok       ok       ok      ok        ok!      VE
    div      VE      ok         ok         ok         ok       ok       ok      ok        ok!      VE
    pow      VE      ok         ok~        RE         ok       ok       ok      ok        ok!      VE
    maximum  VE      ok         ok         ok         ok       ok       ok!     ok!       ok!      VE
    minimum  VE      ok         ok         ok         ok       ok       ok!     ok!       ok!      VE

             complex-array  object-array  str  None  complex-scalar  empty  nan-inf  strided  read-only
    add      TE             TE            TE   TE    TE!             ok     ok       ok       ok
    sub      TE             TE            TE   TE    TE!             ok     ok       ok       ok
    mul      TE             TE            TE   TE    TE!             ok     ok       ok       ok
    div      TE             TE            TE   TE    TE!             ok     ok       ok       ok
    pow      TE             TE            TE   TE    TE!             ok     ok       ok       ok
    maximum  TE             TE            TE   TE    TE              ok     ok~      ok       ok
    minimum  TE             TE            TE   TE    TE              ok     ok~      ok       ok
    """,
    BINARY_INPUTS,
    lambda L, op, a, b: getattr(L.m, op)(a, b),
    mention={"shapes": ("(2, 3)", "(3, 2)"), "ragged": ("list",), "complex-array": ("complex",),
             "object-array": ("object",), "str": ("str",), "None": ("none",), "complex-scalar": ("complex",)},
)
# the operator forms go through the same functions; a few of them for the record
case("add", "operator-shapes", lambda L: L.a(2, 3) + L.a(3, 2), "VE", "(2, 3)", "(3, 2)")
case("mul", "operator-reflected-ndarray", lambda L: np.ones((2, 3)) * L.a(3, rg=True), "ok!")
case("sub", "operator-list", lambda L: L.a(2) - [1.0, 2.0], "ok!")
case("pow", "operator-complex", lambda L: L.a(2) ** 1j, "TE!", "complex")
case("matmul", "operator-scalar", lambda L: L.a(2, 2) @ 2.0, "RE", "()")
case("neg", "operator-bool", lambda L: -L.a(3, dt="bool"), "RE", "bool")

# where / clamp
case("where", "float-cond", lambda L: L.m.where(L.t([1.0, 0.0]), L.a(2), L.a(2)), "TE", "float32")
case("where", "int-cond", lambda L: L.m.where(L.t([1, 0], "i64"), L.a(2), L.a(2)), "TE", "int64")
case("where", "shapes", lambda L: L.m.where(L.a(2, dt="bool"), L.a(3), L.a(2)), "VE", "(3,)", "(2,)")
case("where", "scalars", lambda L: L.m.where(L.a(3, dt="bool"), 1.0, 0.0), "ok")
case("where", "nan", lambda L: L.m.where(L.a(7, dt="bool"), L.special(rg=True), 0.0), "ok")
case("where", "empty", lambda L: L.m.where(L.a(0, dt="bool"), L.a(0, rg=True), L.a(0)), "ok")
case("clamp", "no-bounds", lambda L: L.m.clamp(L.a(3)), "RE", "min", "max")
case("clamp", "min>max", lambda L: L.m.clamp(L.a(3, rg=True), 1.0, -1.0), "ok")
case("clamp", "int-float-bound", lambda L: L.m.clamp(L.a(3, dt="i64"), 0.5), "ok")
case("clamp", "bool-int-bounds", lambda L: L.m.clamp(L.a(3, dt="bool"), 0, 1), "ok")
case("clamp", "str-bound", lambda L: L.m.clamp(L.a(3), "a"), "TE", "str")
case("clamp", "nan", lambda L: L.m.clamp(L.special(rg=True), -1, 1), "ok")
case("clamp", "tensor-bounds-shape", lambda L: L.m.clamp(L.a(3), L.a(2), L.a(2) + 1), "RE", "(3,)", "(2,)")
case("clamp", "tensor-bounds", lambda L: L.m.clamp(L.a(2, 3, rg=True), L.a(3, rg=True), L.a(3) + 1), "ok")
case("clamp", "list", lambda L: L.m.clamp([1.0, 2.0], 0.0), "TE", "list")

# ============================================================ construction and factories
case("tensor", "ragged", lambda L: L.m.tensor([[1, 2], [3]]), "VE", "list")
case("tensor", "string", lambda L: L.m.tensor("abc"), "TE", "str")
case("tensor", "none", lambda L: L.m.tensor(None), "TE", "nonetype")
case("tensor", "dict", lambda L: L.m.tensor({"a": 1}), "TE", "dict")
case("tensor", "object-array", lambda L: L.m.tensor(np.array([1, "a"], dtype=object)), "TE", "object")
case("tensor", "complex-array", lambda L: L.m.tensor(np.array([1j])), "TE!", "complex")
case("tensor", "complex-scalar", lambda L: L.m.tensor(1 + 2j), "TE!", "complex")
case("tensor", "datetime", lambda L: L.m.tensor(np.array(["2020-01-01"], dtype="datetime64[D]")),
     "TE", "datetime")
case("tensor", "uint16", lambda L: L.m.tensor(np.array([1, 2], dtype=np.uint16)), "ok")
case("tensor", "list-of-tensors", lambda L: L.m.tensor([L.a(2), L.a(2)]), "ok!")
case("tensor", "nan-list", lambda L: L.m.tensor([float("nan"), float("inf")]), "ok")
case("tensor", "strided-array", lambda L: L.m.tensor(np.arange(12.0).reshape(3, 4)[:, ::2]), "ok")
case("tensor", "read-only-array", lambda L: L.m.tensor(np.broadcast_to(np.arange(3.0), (2, 3))), "ok")
case("requires_grad", "int", lambda L: L.m.tensor([1, 2], requires_grad=True), "RE", "int64")
case("requires_grad", "bool", lambda L: L.m.tensor([True], requires_grad=True), "RE", "bool")
case("tensor", "empty-list", lambda L: L.m.tensor([]), "ok")
case("tensor", "empty-nested", lambda L: L.m.tensor([[], []]), "ok")
case("dtype", "unknown-name", lambda L: L.m.tensor([1.0], dtype="float33"), "TE", "float33")
case("from_numpy", "list", lambda L: L.m.from_numpy([1.0, 2.0]), "TE", "list")
case("from_numpy", "object", lambda L: L.m.from_numpy(np.array([1, "a"], dtype=object)), "TE", "object")
case("zeros", "negative", lambda L: L.m.zeros(2, -1), "VE", "-1")
case("zeros", "float-size", lambda L: L.m.zeros(2.5), "VE", "2.5")
case("ones", "str-size", lambda L: L.m.ones("3"), "VE", "'3'")
case("full", "str-fill", lambda L: L.m.full((2,), "a"), "TE", "fill_value")
case("arange", "zero-step", lambda L: L.m.arange(0, 5, 0), "RE", "step")
case("arange", "wrong-direction", lambda L: L.m.arange(0, 5, -1), "RE", "step")
case("arange", "str", lambda L: L.m.arange("5"), "TE", "end")
case("linspace", "negative-steps", lambda L: L.m.linspace(0, 1, -2), "RE", "-2")
case("eye", "negative", lambda L: L.m.eye(-1), "VE", "-1")
case("randn", "negative", lambda L: L.m.randn(-2), "VE", "-2")
case("rand", "int-dtype", lambda L: L.m.rand(2, dtype=L.dtype("i64")), "RE", "int64")
case("randint", "low>=high", lambda L: L.m.randint(5, 2, (3,)), "RE", "low=5")
case("randperm", "negative", lambda L: L.m.randperm(-1), "VE", "-1")
case("zeros_like", "list", lambda L: L.m.zeros_like([1.0]), "TE", "list")
case("ones_like", "ok", lambda L: L.m.ones_like(L.nc(2, 3)), "ok")

# ============================================================ linear algebra
case("matmul", "inner", lambda L: L.m.matmul(L.a(2, 3), L.a(2, 3)), "RE", "(2, 3)")
case("matmul", "0d", lambda L: L.m.matmul(L.t(2.0), L.a(2)), "RE", "()")
case("matmul", "int-float", lambda L: L.m.matmul(L.a(2, 3, dt="i64"), L.a(3, 2)), "ok!")
case("matmul", "int-int", lambda L: L.m.matmul(L.a(2, 3, dt="i64"), L.a(3, 2, dt="i64")), "ok")
case("matmul", "bool", lambda L: L.m.matmul(L.a(2, 3, dt="bool"), L.a(3, 2, dt="bool")), "ok!")
case("matmul", "f32-f64", lambda L: L.m.matmul(L.a(2, 3), L.a(3, 2, dt="f64")), "ok!")
case("matmul", "empty", lambda L: L.m.matmul(L.a(0, 3, rg=True), L.a(3, 2, rg=True)), "ok")
case("matmul", "empty-inner", lambda L: L.m.matmul(L.a(2, 0, rg=True), L.a(0, 2, rg=True)), "ok")
case("matmul", "batch", lambda L: L.m.matmul(L.a(2, 2, 3), L.a(3, 3, 2)), "RE", "(2, 2, 3)")
case("matmul", "strided", lambda L: L.m.matmul(L.nc(3, 4, rg=True), L.nc(4, 3, rg=True)), "ok")
case("matmul", "read-only", lambda L: L.m.matmul(L.ro(3, 4, rg=True), L.ro(4, rg=True)), "ok")
case("matmul", "list", lambda L: L.m.matmul(L.a(2, 2), [[1.0, 0.0], [0.0, 1.0]]), "ok!")
case("matmul", "nan", lambda L: L.m.matmul(L.special(rg=True), L.special(rg=True)), "ok")
case("dot", "2d", lambda L: L.m.dot(L.a(2, 2), L.a(2, 2)), "RE", "2D")
case("dot", "lengths", lambda L: L.m.dot(L.a(3), L.a(2)), "RE", "(3,)", "(2,)")
case("dot", "int-float", lambda L: L.m.dot(L.a(3, dt="i64"), L.a(3)), "ok!")
case("dot", "empty", lambda L: L.m.dot(L.a(0, rg=True), L.a(0, rg=True)), "ok")
case("mm", "1d", lambda L: L.m.mm(L.a(3), L.a(3, 2)), "RE", "(3,)")
case("mm", "inner", lambda L: L.m.mm(L.a(2, 3), L.a(2, 3)), "RE", "(2, 3)")
case("outer", "2d", lambda L: L.m.outer(L.a(2, 2), L.a(3)), "RE", "(2, 2)")
case("outer", "int-float", lambda L: L.m.outer(L.a(2, dt="i64"), L.a(3, rg=True)), "ok")

# ============================================================ reductions
REDUCE_INPUTS = {
    "dim-oob": lambda L: (L.a(2, 3), 2),
    "dim-neg-oob": lambda L: (L.a(2, 3), -3),
    "dim-float": lambda L: (L.a(2, 3), 0.5),
    "dim-str": lambda L: (L.a(2, 3), "a"),
    "dim-tuple": lambda L: (L.a(2, 3, rg=True), (0, 1)),
    "dim-dup": lambda L: (L.a(2, 3), (0, 0)),
    "empty-all": lambda L: (L.a(0, 3, rg=True),),
    "empty-d0": lambda L: (L.a(0, 3, rg=True), 0),
    "empty-d1": lambda L: (L.a(0, 3, rg=True), 1),
    "int": lambda L: (L.a(2, 3, dt="i64"), 0),
    "bool": lambda L: (L.a(2, 3, dt="bool"), 0),
    "nan-inf": lambda L: (L.special(rg=True), 0),
    "0d": lambda L: (L.t(1.5, rg=True), 0),
    "0d-dim1": lambda L: (L.t(1.5), 1),
    "strided": lambda L: (L.nc(3, 4, rg=True), 1),
    "read-only": lambda L: (L.ro(3, 4, rg=True), 0),
    "list": lambda L: ([1.0, 2.0], 0),
}
grid(
    """
               dim-oob  dim-neg-oob  dim-float  dim-str  dim-tuple  dim-dup  empty-all  empty-d0  empty-d1
    sum        IE       IE           TE         TE       ok         RE       ok         ok        ok
    mean       IE       IE           TE         TE       ok         RE       ok         ok        ok
    var        IE       IE           TE         TE       ok         RE       ok         ok        ok
    std        IE       IE           TE         TE       ok         RE       ok         ok        ok
    amax       IE       IE           TE         TE       ok         RE       RE         IE        ok
    amin       IE       IE           TE         TE       ok         RE       RE         IE        ok
    max        IE       IE           TE         TE       TE         TE       RE         IE        ok
    min        IE       IE           TE         TE       TE         TE       RE         IE        ok
    prod       IE       IE           TE         TE       TE         TE       ok         ok        ok
    argmax     IE       IE           TE         TE       TE         TE       IE         IE        ok
    argmin     IE       IE           TE         TE       TE         TE       IE         IE        ok
    logsumexp  IE       IE           TE         TE       ok         RE       ok!        ok        ok

               int  bool  nan-inf  0d  0d-dim1  strided  read-only  list
    sum        ok   ok    ok       ok  IE       ok       ok         TE
    mean       RE   RE    ok       ok  IE       ok       ok         TE
    var        RE   RE    ok       ok  IE       ok       ok         TE
    std        RE   RE    ok       ok  IE       ok       ok         TE
    amax       ok   ok    ok       ok  IE       ok       ok         TE
    amin       ok   ok    ok       ok  IE       ok       ok         TE
    max        ok   ok    ok       ok  IE       ok       ok         TE
    min        ok   ok    ok       ok  IE       ok       ok         TE
    prod       ok   ok    ok       ok  IE       ok       ok         TE
    argmax     ok   ok!   ok       ok  IE       ok       ok         TE
    argmin     ok   ok!   ok       ok  IE       ok       ok         TE
    logsumexp  ok   ok    ok       ok  IE       ok       ok         TE
    """,
    REDUCE_INPUTS,
    lambda L, op, *a: getattr(L.m, op)(*a),
    mention={"dim-oob": ("2",), "dim-neg-oob": ("-3",), "dim-float": ("0.5",), "dim-str": ("'a'",),
             "dim-dup": ("(0, 0)",), "list": ("list",), "empty-all": ("(0, 3)",), "empty-d0": ("(0, 3)",)},
)
case("var", "one-element", lambda L: L.m.var(L.a(1, rg=True)), "ok")
case("var", "correction-too-big", lambda L: L.m.var(L.a(3, rg=True), correction=5), "ok~")
case("mean", "int-no-dim", lambda L: L.m.mean(L.a(3, dt="i64")), "RE", "int64")
case("sum", "dtype-arg", lambda L: L.m.sum(L.a(3, dt="i64"), dtype=L.dtype("f64")), "ok")
case("sum", "method-keepdim", lambda L: L.a(2, 3, rg=True).sum(1, keepdim=True), "ok")
case("max", "method-dim-values", lambda L: L.a(2, 3, rg=True).max(1)[0], "ok")
case("logsumexp", "huge", lambda L: L.m.logsumexp(L.t([1e4, -1e4, 1e4], rg=True), 0), "ok")

SOFTMAX_INPUTS = {
    "empty": lambda L: (L.a(0, rg=True), 0),
    "empty-rows": lambda L: (L.a(0, 3, rg=True), 1),
    "empty-cols": lambda L: (L.a(3, 0, rg=True), 1),
    "int": lambda L: (L.a(2, 3, dt="i64"), 1),
    "bool": lambda L: (L.a(2, 3, dt="bool"), 1),
    "dim-oob": lambda L: (L.a(2, 3), 2),
    "dim-tuple": lambda L: (L.a(2, 3), (0, 1)),
    "dim-float": lambda L: (L.a(2, 3), 1.0),
    "0d": lambda L: (L.t(2.0, rg=True), 0),
    "nan-inf": lambda L: (L.special(rg=True), 0),
    "all-minf": lambda L: (L.t([-np.inf, -np.inf], rg=True), 0),
    "huge": lambda L: (L.t([1e4, -1e4, 0.0], rg=True), 0),
    "strided": lambda L: (L.nc(3, 4, rg=True), 0),
    "read-only": lambda L: (L.ro(3, 4, rg=True), 1),
    "list": lambda L: ([1.0, 2.0], 0),
}
grid(
    """
                 empty  empty-rows  empty-cols  int  bool  dim-oob  dim-tuple  dim-float  0d  nan-inf
    softmax      ok     ok          ok          ok!  ok!   IE       TE         TE         ok  ok
    log_softmax  ok     ok          ok          ok!  ok!   IE       TE         TE         ok  ok

                 all-minf  huge  strided  read-only  list
    softmax      ok        ok    ok       ok         TE
    log_softmax  ok        ok    ok       ok         TE
    """,
    SOFTMAX_INPUTS,
    lambda L, op, *a: getattr(L.m, op)(*a),
    mention={"dim-oob": ("2",), "dim-tuple": ("(0, 1)",), "dim-float": ("1.0",), "list": ("list",)},
)
case("softmax", "dtype-arg", lambda L: L.m.softmax(L.a(3, rg=True), 0, dtype=L.dtype("f64")), "ok")
case("softmax", "no-dim", lambda L: L.m.softmax(L.a(3)), "TE", "dim")

# ============================================================ shape ops
case("reshape", "numel", lambda L: L.m.reshape(L.a(2, 3), (4, 2)), "RE", "(2, 3)", "[4, 2]")
case("reshape", "two-minus-one", lambda L: L.m.reshape(L.a(2, 3), (-1, -1)), "RE", "[-1, -1]")
case("reshape", "float-size", lambda L: L.m.reshape(L.a(2, 3), (2.0, 3)), "TE", "2.0")
case("reshape", "negative", lambda L: L.m.reshape(L.a(2, 3), (-2, -3)), "RE", "[-2, -3]")
case("reshape", "empty", lambda L: L.m.reshape(L.a(0, 3, rg=True), (3, 0)), "ok")
case("reshape", "empty-minus-one", lambda L: L.m.reshape(L.a(0, 3), (-1,)), "ok")
case("reshape", "empty-ambiguous", lambda L: L.m.reshape(L.a(0, 3), (0, -1)), "RE", "[0, -1]")
case("reshape", "strided", lambda L: L.m.reshape(L.nc(3, 4, rg=True), (-1,)), "ok")
case("reshape", "read-only", lambda L: L.m.reshape(L.ro(3, 4, rg=True), (4, 3)), "ok")
case("reshape", "method-view", lambda L: L.a(2, 3).view(5), "RE", "[5]")
case("flatten", "start>end", lambda L: L.m.flatten(L.a(2, 3, 4), 2, 1), "RE", "start_dim")
case("flatten", "oob", lambda L: L.m.flatten(L.a(2, 3), 0, 5), "IE", "5")
case("permute", "count", lambda L: L.m.permute(L.a(2, 3), (0,)), "RE", "(2, 3)")
case("permute", "duplicate", lambda L: L.m.permute(L.a(2, 3), (0, 0)), "RE", "(0, 0)")
case("permute", "oob", lambda L: L.m.permute(L.a(2, 3), (0, 2)), "IE", "2")
case("permute", "float", lambda L: L.m.permute(L.a(2, 3), (0.0, 1)), "TE", "0.0")
case("transpose", "oob", lambda L: L.m.transpose(L.a(2, 3), 0, 2), "IE", "2")
case("transpose", "float", lambda L: L.m.transpose(L.a(2, 3), 0, 1.0), "TE", "1.0")
case("t", "3d", lambda L: L.m.t(L.a(2, 3, 4)), "RE", "(2, 3, 4)")
case("squeeze", "oob", lambda L: L.m.squeeze(L.a(2, 1), 2), "IE", "2")
case("squeeze", "not-one", lambda L: L.m.squeeze(L.a(2, 1), 0), "ok")
case("unsqueeze", "oob", lambda L: L.m.unsqueeze(L.a(2, 3), 3), "IE", "3")
case("unsqueeze", "float", lambda L: L.m.unsqueeze(L.a(2, 3), 1.0), "TE", "1.0")
case("expand", "non-singleton", lambda L: L.a(2, 3).expand(4, 3), "RE", "[4, 3]", "[2, 3]")
case("expand", "fewer-dims", lambda L: L.a(2, 3).expand(3), "RE", "(2, 3)")
case("expand", "new-minus-one", lambda L: L.a(3).expand(-1, 3), "RE", "-1")
case("expand", "ok", lambda L: L.a(1, 3, rg=True).expand(2, 3), "ok")
case("broadcast_to", "shape", lambda L: L.m.broadcast_to(L.a(2, 3), (3, 3)),
     "RE", "[3, 3]", names=("expand",))
case("repeat", "too-few", lambda L: L.a(2, 3).repeat(2), "RE", "(2, 3)")
case("repeat", "negative", lambda L: L.a(2, 3).repeat(2, -1), "RE", "-1")
case("repeat", "float", lambda L: L.a(2, 3).repeat(2, 1.5), "TE", "1.5")
case("repeat", "zero", lambda L: L.a(2, 3, rg=True).repeat(0, 1), "ok")
case("cat", "empty-list", lambda L: L.m.cat([]), "RE", "non-empty")
case("cat", "not-a-list", lambda L: L.m.cat(L.a(2, 3)), "TE", "tensor")
case("cat", "dims", lambda L: L.m.cat([L.a(2), L.a(2, 1)]), "RE", "(2,)", "(2, 1)")
case("cat", "sizes", lambda L: L.m.cat([L.a(2, 3), L.a(2, 4)], 0), "RE", "(2, 3)", "(2, 4)")
case("cat", "0d", lambda L: L.m.cat([L.t(1.0), L.t(2.0)]), "RE", "zero-dimensional")
case("cat", "dim-oob", lambda L: L.m.cat([L.a(2), L.a(2)], 1), "IE", "1")
case("cat", "int-float", lambda L: L.m.cat([L.a(2, dt="i64"), L.a(2, rg=True)]), "ok")
case("cat", "f32-f64", lambda L: L.m.cat([L.a(2, rg=True), L.a(2, dt="f64", rg=True)]), "ok")
case("cat", "with-empty", lambda L: L.m.cat([L.a(0, rg=True), L.a(2, rg=True)]), "ok")
case("cat", "legacy-empty-1d", lambda L: L.m.cat([L.a(0), L.a(2, 3)]), "RE!", "(0,)")
case("cat", "numbers", lambda L: L.m.cat([1.0, 2.0]), "RE", "zero-dimensional")
case("cat", "none-element", lambda L: L.m.cat([L.a(2), None]), "TE", "nonetype")
case("cat", "strided-read-only", lambda L: L.m.cat([L.nc(3, 4, rg=True), L.ro(3, 4, rg=True)], 1), "ok")
case("stack", "shapes", lambda L: L.m.stack([L.a(2), L.a(3)]), "RE", "(2,)", "(3,)")
case("stack", "dim-oob", lambda L: L.m.stack([L.a(2), L.a(2)], 3), "IE", "3")
case("stack", "empty-list", lambda L: L.m.stack([]), "RE", "non-empty")
case("stack", "0d", lambda L: L.m.stack([L.t(1.0, rg=True), L.t(2.0, rg=True)]), "ok")
case("split", "sum", lambda L: L.m.split(L.a(5), [2, 2]), "RE", "[2, 2]", "(5,)")
case("split", "zero-size", lambda L: L.m.split(L.a(5), 0), "RE", "0")
case("split", "negative-size", lambda L: L.m.split(L.a(5), -1), "RE", "-1")
case("split", "float-size", lambda L: L.m.split(L.a(5), 2.5), "TE", "2.5")
case("split", "dim-oob", lambda L: L.m.split(L.a(5), 2, 1), "IE", "1")
case("split", "ok", lambda L: L.m.split(L.a(5, rg=True), 2), "ok")
case("chunk", "zero", lambda L: L.m.chunk(L.a(5), 0), "RE", "0")
case("chunk", "float", lambda L: L.m.chunk(L.a(5), 2.5), "TE", "2.5")
case("narrow", "oob", lambda L: L.m.narrow(L.a(5), 0, 3, 4), "RE", "(5,)")
case("narrow", "negative-length", lambda L: L.m.narrow(L.a(5), 0, 1, -1), "RE", "-1")
case("unbind", "oob", lambda L: L.m.unbind(L.a(2, 3), 2), "IE", "2")
case("moveaxis", "oob", lambda L: L.m.moveaxis(L.a(2, 3), 0, 2), "IE", "2", names=("moveaxis", "movedim"))
case("moveaxis", "repeated", lambda L: L.m.moveaxis(L.a(2, 3, 4), (0, 0), (1, 2)), "RE", "(0, 0)")
case("moveaxis", "lengths", lambda L: L.m.moveaxis(L.a(2, 3, 4), (0, 1), (1,)), "RE", "(1,)")
case("pad", "odd", lambda L: L.F.pad(L.a(2, 3), (1,)), "RE", "(1,)")
case("pad", "too-long", lambda L: L.F.pad(L.a(3), (1, 1, 1, 1)), "RE", "(3,)")
case("pad", "reflect-too-big", lambda L: L.F.pad(L.a(1, 2, 3), (3, 3), mode="reflect"), "RE", "(3, 3)")
case("pad", "bad-mode", lambda L: L.F.pad(L.a(1, 2, 3), (1, 1), mode="mirror"), "RE", "mirror")
case("pad", "float-width", lambda L: L.F.pad(L.a(2, 3), (1.5, 1)), "TE", "1.5")
case("pad", "crop-too-much", lambda L: L.F.pad(L.a(2, 3), (-2, -2)), "RE", "(-2, -2)")
case("pad", "crop-to-empty", lambda L: L.F.pad(L.a(2, 3), (-1, -2)), "ok")
case("pad", "empty", lambda L: L.F.pad(L.a(0, 3, rg=True), (1, 1)), "ok")
case("pad", "nan-value", lambda L: L.F.pad(L.a(2, 3, rg=True), (1, 1), value=float("nan")), "ok")
case("pad", "circular-wraps-twice", lambda L: L.F.pad(L.a(1, 2, 3), (4, 0), mode="circular"), "RE", "(4, 0)")
case("pad", "circular", lambda L: L.F.pad(L.a(1, 2, 3, rg=True), (3, 1), mode="circular"), "ok")
case("pad", "replicate-empty", lambda L: L.F.pad(L.a(1, 2, 0), (1, 1), mode="replicate"), "RE", "(1, 2, 0)")
case("pad", "replicate-crop", lambda L: L.F.pad(L.a(1, 2, 3, rg=True), (-1, 2), mode="replicate"), "ok")

# ============================================================ indexing and in-place updates
case("getitem", "oob", lambda L: L.a(2, 3)[2], "IE", "2")
case("getitem", "negative-oob", lambda L: L.a(2, 3)[-3], "IE", "-3")
case("getitem", "too-many", lambda L: L.a(2, 3)[0, 0, 0], "IE", "(2, 3)")
case("getitem", "float", lambda L: L.a(2, 3)[1.0], "IE", "1.0")
case("getitem", "str", lambda L: L.a(2, 3)["a"], "IE#", "'a'")
case("getitem", "float-tensor", lambda L: L.a(2, 3)[L.t([0.0])], "IE", "float32")
case("getitem", "int-tensor-oob", lambda L: L.a(2, 3)[L.t([0, 5], "i64")], "IE", "5")
case("getitem", "mask-shape", lambda L: L.a(2, 3)[L.a(3, dt="bool")], "IE", "(2, 3)")
case("getitem", "mask", lambda L: L.a(2, 3, rg=True)[L.a(2, 3, dt="bool")], "ok")
case("getitem", "empty-index", lambda L: L.a(2, 3, rg=True)[L.t([], "i64")], "ok")
case("getitem", "empty-list", lambda L: L.a(2, 3, rg=True)[[]], "ok")
case("getitem", "repeated", lambda L: L.a(3, rg=True)[L.t([0, 0, 2], "i64")], "ok")
case("getitem", "0d", lambda L: L.t(1.0)[0], "IE", "()")
case("getitem", "none-ellipsis", lambda L: L.a(2, 3, rg=True)[None, ..., 1], "ok")
case("getitem", "step-zero", lambda L: L.a(3)[::0], "VE", "step")
case("getitem", "negative-step", lambda L: L.a(3, rg=True)[::-1], "ok!")
case("getitem", "empty-tensor", lambda L: L.a(0, 3)[0], "IE", "(0, 3)")
case("getitem", "strided", lambda L: L.nc(3, 4, rg=True)[1:, L.t([0, 2], "i64")], "ok")
case("getitem", "read-only", lambda L: L.ro(3, 4, rg=True)[L.t([0, 0], "i64")], "ok")
case("getitem", "list-of-floats", lambda L: L.a(3)[[0.0, 1.0]], "IE!", "float64")
case("getitem", "ragged-list", lambda L: L.a(3)[[[0], [1, 2]]], "IE", "[[0], [1, 2]]")
case("index_select", "float-index", lambda L: L.m.index_select(L.a(2, 3), 0, L.t([0.0])), "RE", "float32")
case("index_select", "2d-index", lambda L: L.m.index_select(L.a(2, 3), 0, L.t([[0]], "i64")), "IE", "(1, 1)")
case("index_select", "oob", lambda L: L.m.index_select(L.a(2, 3), 0, L.t([2], "i64")), "IE", "[2, 2]")
case("index_select", "negative", lambda L: L.m.index_select(L.a(2, 3), 0, L.t([-1], "i64")), "IE", "-1")
case("index_select", "dim-oob", lambda L: L.m.index_select(L.a(2, 3), 2, L.t([0], "i64")), "IE", "2")
case("index_select", "0d-index", lambda L: L.m.index_select(L.a(2, 3, rg=True), 1, L.t(2, "i64")), "ok")
case("masked_fill", "float-mask", lambda L: L.m.masked_fill(L.a(2, 3), L.a(2, 3), 0.0), "RE", "float32")
case("masked_fill", "shape", lambda L: L.m.masked_fill(L.a(2, 3), L.a(3, 2, dt="bool"), 0.0), "RE", "(3, 2)")
case("masked_fill", "ok", lambda L: L.m.masked_fill(L.a(2, 3, rg=True), L.a(3, dt="bool"), 0.0), "ok")
case("masked_fill", "1d-value", lambda L: L.m.masked_fill(L.a(2, 3), L.a(3, dt="bool"), L.a(3)), "RE", "(3,)")
case("__setitem__", "shape", lambda L: L.a(2, 3).__setitem__(0, L.a(2)), "VE", "(2, 3)")
case("__setitem__", "oob", lambda L: L.a(2, 3).__setitem__(5, 1.0), "IE", "5")
case("__setitem__", "read-only", lambda L: L.ro(2, 3).__setitem__(0, 1.0), "ok")
case("__setitem__", "requires-grad", lambda L: L.a(3, rg=True).__setitem__(0, 1.0), "RE", "in-place")
case("add_", "shape", lambda L: L.a(2, 3).add_(L.a(3, 3)), "RE", "(2, 3)", "(3, 3)")
case("add_", "broadcast-grows", lambda L: L.a(3).add_(L.a(2, 3)), "RE", "(3,)", "(2, 3)")
case("add_", "float-into-int", lambda L: L.a(3, dt="i64").add_(L.a(3)), "RE", "int64", "float32")
case("add_", "read-only", lambda L: L.ro(3).add_(1.0), "ok")
case("mul_", "strided", lambda L: L.nc(3, 4).mul_(2.0), "ok")
case("copy_", "shape", lambda L: L.a(2, 3).copy_(L.a(4)), "RE", "(4,)", "(2, 3)")
case("copy_", "read-only", lambda L: L.ro(2, 3).copy_(L.a(3)), "ok")
case("fill_", "str", lambda L: L.a(3).fill_("a"), "TE", "str")
case("fill_", "1d-tensor", lambda L: L.a(3).fill_(L.a(2)), "TE", "(2,)")
case("clamp_", "str", lambda L: L.a(3).clamp_("a"), "TE", "str")
case("item", "many", lambda L: L.a(3).item(), "RE", "(3,)")
case("item", "empty", lambda L: L.a(0).item(), "RE", "(0,)")
case("item", "int()", lambda L: int(L.a(3)), "RE", "(3,)")
case("backward", "non-scalar", lambda L: L.m.exp(L.a(3, rg=True)).backward(), "RE", "(3,)")
case("backward", "gradient-shape", lambda L: L.m.exp(L.a(3, rg=True)).backward(L.a(2)), "RE", "(2,)", "(3,)")
case("backward", "no-grad", lambda L: L.a(3).sum().backward(), "RE", "grad")
case("requires_grad", "int", lambda L: L.a(3, dt="i64").requires_grad_(), "RE", "int64")
case("to", "bad-dtype", lambda L: L.a(3).to("float33"), "RE", "float33")
case("size", "oob", lambda L: L.a(3).size(1), "IE", "1")
case("len", "0d", lambda L: len(L.t(1.0)), "TE", "0-d")
case("bool", "ambiguous", lambda L: bool(L.a(3)), "RE", "ambiguous")
case("index", "float", lambda L: [1, 2, 3][L.t(1.0)], "TE", "float32")
case("less", "shapes", lambda L: L.a(2, 3) < L.a(3, 2), "RE", "(2, 3)", "(3, 2)")
case("less", "str", lambda L: L.a(2, 3) < "a", "TE", "str")
case("logical_and", "shapes", lambda L: L.a(2, 3, dt="bool") & L.a(3, 2, dt="bool"), "RE", "(2, 3)")

# ============================================================ nn: activations
ACT_INPUTS = {
    "int": lambda L: (L.a(2, 3, dt="i64"),),
    "bool": lambda L: (L.a(2, 3, dt="bool"),),
    "empty": lambda L: (L.a(0, 3, rg=True),),
    "nan-inf": lambda L: (L.special(rg=True).reshape(1, 7),),
    "huge-f32": lambda L: (L.t([[1e4, -1e4, 50.0, -50.0]], rg=True),),
    "huge-f64": lambda L: (L.t([[1e4, -1e4, 50.0, -50.0]], "f64", rg=True),),
    "list": lambda L: ([[1.0, 2.0]],),
    "strided": lambda L: (L.nc(3, 4, rg=True),),
    "read-only": lambda L: (L.ro(3, 4, rg=True),),
}
_ACT_KW = {"softmax": {"dim": 1}, "log_softmax": {"dim": 1}, "Softmax": {"dim": 1}, "LogSoftmax": {"dim": 1}}
_ACT_F = {"ReLU": "relu", "ReLU6": "hardtanh", "LeakyReLU": "leaky_relu", "ELU": "elu", "GELU": "gelu",
          "SiLU": "silu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softplus": "softplus",
          "Hardtanh": "hardtanh", "LogSigmoid": "logsigmoid", "Softmax": "softmax",
          "LogSoftmax": "log_softmax"}


def _activation(L, op, x):
    kw = _ACT_KW.get(op, {})
    if op[0].isupper():  # the layer: nn.ReLU()(x)
        return getattr(L.nn, op)(**kw)(x)
    return getattr(L.F, op)(x, **kw)


grid(
    """
                 int  bool  empty  nan-inf  huge-f32  huge-f64  list  strided  read-only
    relu         ok   RE    ok     ok~      ok        ok        TE    ok       ok
    relu6        ok~  RE    ok     ok~      ok        ok        TE    ok       ok
    leaky_relu   ok!  ok!   ok     ok       ok        ok        TE    ok       ok
    elu          ok!  ok!   ok     ok~      ok        ok        TE    ok       ok
    gelu         ok!  ok!   ok     ok~      ok        ok        TE    ok       ok
    silu         ok!  ok!   ok     ok       ok        ok        TE    ok       ok
    sigmoid      ok   ok    ok     ok       ok        ok        TE    ok       ok
    tanh         ok   ok    ok     ok       ok        ok        TE    ok       ok
    softplus     ok!  ok!   ok     ok       ok        ok        TE    ok       ok
    hardtanh     ok~  RE    ok     ok~      ok        ok        TE    ok       ok
    logsigmoid   ok!  ok!   ok     ok       ok        ok        TE    ok       ok
    softmax      ok!  ok!   ok     ok       ok        ok        TE    ok       ok
    log_softmax  ok!  ok!   ok     ok       ok        ok        TE    ok       ok
    ReLU         ok   RE    ok     ok~      ok        ok        TE    ok       ok
    ReLU6        ok~  RE    ok     ok~      ok        ok        TE    ok       ok
    LeakyReLU    ok!  ok!   ok     ok       ok        ok        TE    ok       ok
    ELU          ok!  ok!   ok     ok~      ok        ok        TE    ok       ok
    GELU         ok!  ok!   ok     ok~      ok        ok        TE    ok       ok
    SiLU         ok!  ok!   ok     ok       ok        ok        TE    ok       ok
    Sigmoid      ok   ok    ok     ok       ok        ok        TE    ok       ok
    Tanh         ok   ok    ok     ok       ok        ok        TE    ok       ok
    Softplus     ok!  ok!   ok     ok       ok        ok        TE    ok       ok
    Hardtanh     ok~  RE    ok     ok~      ok        ok        TE    ok       ok
    LogSigmoid   ok!  ok!   ok     ok       ok        ok        TE    ok       ok
    Softmax      ok!  ok!   ok     ok       ok        ok        TE    ok       ok
    LogSoftmax   ok!  ok!   ok     ok       ok        ok        TE    ok       ok
    """,
    ACT_INPUTS,
    _activation,
    names={c: (c, f) for c, f in _ACT_F.items()},
    mention={"list": ("list",), "bool": ("bool",)},
)
case("gelu", "bad-approximate", lambda L: L.F.gelu(L.a(3), approximate="fast"), "RE", "fast")
case("hardtanh", "min>max", lambda L: L.F.hardtanh(L.a(3), 1.0, -1.0), "VE", "min_val")
case("Hardtanh", "min>max", lambda L: L.nn.Hardtanh(1.0, -1.0), "VE", "min_val", names=("hardtanh",))
case("softplus", "beta-zero", lambda L: L.F.softplus(L.a(3, rg=True), beta=0.0), "ok~")
case("softplus", "beta-str", lambda L: L.F.softplus(L.a(3), beta="a"), "TE", "beta")
case("leaky_relu", "slope-str", lambda L: L.F.leaky_relu(L.a(3), "a"), "TE", "negative_slope")
case("elu", "alpha-str", lambda L: L.F.elu(L.a(3), alpha="a"), "TE", "alpha")
case("Softmax", "implicit-dim", lambda L: L.nn.Softmax()(L.a(2, 3, rg=True)), "ok")
case("Softmax", "dim-oob", lambda L: L.nn.Softmax(dim=2)(L.a(2, 3)), "IE", "2", names=("softmax",))
case("dropout", "p>1", lambda L: L.F.dropout(L.a(3), 1.5), "VE", "1.5")
case("dropout", "p<0", lambda L: L.F.dropout(L.a(3), -0.1), "VE", "-0.1")
case("dropout", "p-str", lambda L: L.F.dropout(L.a(3), "a"), "TE", "str")
case("dropout", "int-eval", lambda L: L.F.dropout(L.a(3, dt="i64"), 0.5, training=False), "ok")
case("dropout", "empty", lambda L: L.F.dropout(L.a(0, rg=True), 0.5), "ok")
case("dropout", "p=1", lambda L: L.F.dropout(L.a(3, rg=True), 1.0), "ok")
case("dropout", "list", lambda L: L.F.dropout([1.0], 0.5), "TE", "list")
case("Dropout", "p>1", lambda L: L.nn.Dropout(2.0), "VE", "2.0")
case("Dropout", "p-bool", lambda L: L.nn.Dropout(True), "TE!", "bool")
case("dropout2d", "1d-input", lambda L: L.F.dropout2d(L.a(3), 0.5), "RE", "(3,)")
case("dropout1d", "4d-input", lambda L: L.F.dropout1d(L.a(1, 2, 3, 4), 0.5), "RE", "(1, 2, 3, 4)")

# ============================================================ nn: linear
case("linear", "in-features", lambda L: L.F.linear(L.a(2, 5), L.a(3, 4)), "RE", "(2, 5)", "4")
case("linear", "0d", lambda L: L.F.linear(L.t(1.0), L.a(3, 1)), "RE", "()")
case("linear", "int-input", lambda L: L.F.linear(L.a(2, 4, dt="i64"), L.a(3, 4)), "RE", "int64")
case("linear", "f64-input", lambda L: L.F.linear(L.a(2, 4, dt="f64"), L.a(3, 4)), "RE", "float64")
case("linear", "weight-3d", lambda L: L.F.linear(L.a(2, 4), L.a(1, 3, 4)), "RE", "(1, 3, 4)")
case("linear", "bias-shape", lambda L: L.F.linear(L.a(2, 4), L.a(3, 4), L.a(4)), "RE", "(4,)")
case("linear", "bias-2d", lambda L: L.F.linear(L.a(2, 4, rg=True), L.a(3, 4), L.a(2, 3, rg=True)), "ok")
case("linear", "bias-int", lambda L: L.F.linear(L.a(2, 4), L.a(3, 4), L.a(3, dt="i64")), "RE", "int64")
case("linear", "empty-batch", lambda L: L.F.linear(L.a(0, 4, rg=True), L.a(3, 4, rg=True), L.a(3, rg=True)),
     "ok")
case("linear", "zero-features", lambda L: L.F.linear(L.a(2, 0, rg=True), L.a(3, 0, rg=True), L.a(3, rg=True)),
     "ok")
case("linear", "list", lambda L: L.F.linear([[1.0] * 4], L.a(3, 4)), "TE", "list")
case("linear", "nan", lambda L: L.F.linear(L.special(rg=True).reshape(1, 7), L.a(2, 7, rg=True)), "ok")
case("linear", "1d-weight", lambda L: L.F.linear(L.a(2, 4, rg=True), L.a(4, rg=True)), "ok")
case("linear", "strided", lambda L: L.F.linear(L.nc(3, 4, rg=True), L.nc(2, 4, rg=True), L.ro(2, rg=True)),
     "ok")
case("Linear", "negative", lambda L: L.nn.Linear(-1, 3), "TE", "-1")
case("Linear", "float-features", lambda L: L.nn.Linear(2.5, 3), "TE", "2.5")
case("Linear", "int-dtype", lambda L: L.nn.Linear(2, 3, dtype=L.dtype("i64")), "TE", "int64")
case("Linear", "input", lambda L: L.mod("Linear", 4, 3)(L.a(2, 5)), "RE", "(2, 5)", "4")
case("Linear", "int-input", lambda L: L.mod("Linear", 4, 3)(L.a(2, 4, dt="i64")), "RE", "int64")
case("Linear", "0d-input", lambda L: L.mod("Linear", 1, 3)(L.t(1.0)), "RE", "()")
case("Linear", "1d-input", lambda L: L.mod("Linear", 4, 3)(L.a(4, rg=True)), "ok")
case("Linear", "3d-input", lambda L: L.mod("Linear", 4, 3)(L.a(2, 5, 4, rg=True)), "ok")
case("Linear", "empty", lambda L: L.mod("Linear", 4, 3)(L.a(0, 4, rg=True)), "ok")
case("Linear", "zero-in", lambda L: L.mod("Linear", 0, 3)(L.a(2, 0, rg=True)), "ok")
case("Linear", "zero-out", lambda L: L.mod("Linear", 4, 0)(L.a(2, 4, rg=True)), "ok")
case("Linear", "ndarray-input", lambda L: L.mod("Linear", 4, 3)(values((2, 4))), "TE", "ndarray")
case("Linear", "nan", lambda L: L.mod("Linear", 7, 2)(L.special(rg=True).reshape(1, 7)), "ok")
case("Linear", "read-only", lambda L: L.mod("Linear", 4, 3)(L.ro(3, 4, rg=True)), "ok")

# ============================================================ nn: convolution and pooling
c2 = lambda L, x, w, *a, **k: L.F.conv2d(x, w, *a, **k)  # noqa: E731
case("conv2d", "channels", lambda L: c2(L, L.a(1, 3, 5, 5), L.a(2, 2, 3, 3)), "RE", "(1, 3, 5, 5)")
case("conv2d", "2d-input", lambda L: c2(L, L.a(5, 5), L.a(2, 1, 3, 3)), "RE", "(5, 5)")
case("conv2d", "unbatched", lambda L: c2(L, L.a(1, 5, 5, rg=True), L.a(2, 1, 3, 3, rg=True)), "ok")
case("conv2d", "5d-input", lambda L: c2(L, L.a(1, 1, 1, 5, 5), L.a(2, 1, 3, 3)), "RE", "(1, 1, 1, 5, 5)")
case("conv2d", "kernel-too-big", lambda L: c2(L, L.a(1, 1, 2, 2), L.a(2, 1, 3, 3)), "RE", "(1, 1, 2, 2)")
case("conv2d", "int-input", lambda L: c2(L, L.a(1, 1, 5, 5, dt="i64"), L.a(2, 1, 3, 3)), "RE", "int64")
case("conv2d", "f64-input", lambda L: c2(L, L.a(1, 1, 5, 5, dt="f64"), L.a(2, 1, 3, 3)), "RE", "float64")
case("conv2d", "stride-0", lambda L: c2(L, L.a(1, 1, 5, 5), L.a(2, 1, 3, 3), stride=0), "RE", "stride")
case("conv2d", "stride-negative", lambda L: c2(L, L.a(1, 1, 5, 5), L.a(2, 1, 3, 3), stride=-1),
     "RE", "stride")
case("conv2d", "padding-negative", lambda L: c2(L, L.a(1, 1, 5, 5), L.a(2, 1, 3, 3), padding=-1),
     "RE", "padding")
case("conv2d", "padding-str", lambda L: c2(L, L.a(1, 1, 5, 5), L.a(2, 1, 3, 3), padding="full"), "RE", "full")
case("conv2d", "same-strided", lambda L: c2(L, L.a(1, 1, 5, 5), L.a(2, 1, 3, 3), stride=2, padding="same"),
     "RE", "same")
case("conv2d", "dilation-0", lambda L: c2(L, L.a(1, 1, 5, 5), L.a(2, 1, 3, 3), dilation=0), "RE", "dilation")
case("conv2d", "groups", lambda L: c2(L, L.a(1, 3, 5, 5), L.a(2, 1, 3, 3), groups=2), "RE", "groups")
case("conv2d", "groups-0", lambda L: c2(L, L.a(1, 1, 5, 5), L.a(2, 1, 3, 3), groups=0), "RE", "groups")
case("conv2d", "bias-shape", lambda L: c2(L, L.a(1, 1, 5, 5), L.a(2, 1, 3, 3), L.a(3)), "RE", "(3,)")
case("conv2d", "stride-float", lambda L: c2(L, L.a(1, 1, 5, 5), L.a(2, 1, 3, 3), stride=1.5), "TE", "1.5")
case("conv2d", "stride-triple", lambda L: c2(L, L.a(1, 1, 5, 5), L.a(2, 1, 3, 3), stride=(1, 1, 1)), "TE",
     "(1, 1, 1)", names=("conv2d", "stride"))
case("conv2d", "weight-3d", lambda L: c2(L, L.a(1, 1, 5, 5), L.a(2, 1, 3)), "RE", "(2, 1, 3)")
case("conv2d", "empty-batch", lambda L: c2(L, L.a(0, 1, 5, 5, rg=True), L.a(2, 1, 3, 3, rg=True)), "ok")
case("conv2d", "empty-spatial", lambda L: c2(L, L.a(1, 1, 0, 5), L.a(2, 1, 3, 3)), "RE", "(1, 1, 0, 5)")
case("conv2d", "nan", lambda L: c2(L, L.special(rg=True).reshape(1, 1, 1, 7), L.a(2, 1, 1, 3, rg=True)), "ok")
case("conv2d", "strided",
     lambda L: c2(L, L.nc(1, 2, 4, 5, rg=True), L.nc(3, 2, 3, 3, rg=True), L.ro(3, rg=True)),
     "ok")
case("conv2d", "list", lambda L: c2(L, [[[[1.0]]]], L.a(1, 1, 1, 1)), "TE", "list")
case("conv1d", "channels", lambda L: L.F.conv1d(L.a(1, 3, 5), L.a(2, 2, 3)), "RE", "(1, 3, 5)")
case("conv1d", "4d-input", lambda L: L.F.conv1d(L.a(1, 1, 1, 5), L.a(2, 1, 3)), "RE", "(1, 1, 1, 5)")
case("conv1d", "unbatched", lambda L: L.F.conv1d(L.a(1, 5, rg=True), L.a(2, 1, 3, rg=True)), "ok")
case("conv1d", "kernel-too-big", lambda L: L.F.conv1d(L.a(1, 1, 2), L.a(2, 1, 3)), "RE", "(1, 1, 2)")
case("Conv2d", "groups", lambda L: L.nn.Conv2d(3, 4, 3, groups=2), "VE", "groups")
case("Conv2d", "out-groups", lambda L: L.nn.Conv2d(4, 3, 3, groups=2), "VE", "groups")
case("Conv2d", "padding-mode", lambda L: L.nn.Conv2d(1, 1, 3, padding_mode="mirror"), "VE", "mirror")
case("Conv2d", "kernel-0", lambda L: L.nn.Conv2d(1, 1, 0), "ok")
case("Conv2d", "negative-channels", lambda L: L.nn.Conv2d(-1, 1, 3), "VE", "-1")
case("Conv2d", "same-strided", lambda L: L.nn.Conv2d(1, 1, 3, stride=2, padding="same"), "VE", "same")
case("Conv2d", "padding-str", lambda L: L.nn.Conv2d(1, 1, 3, padding="full"), "VE", "full")
case("Conv2d", "input-channels", lambda L: L.mod("Conv2d", 3, 2, 3)(L.a(1, 1, 5, 5)), "RE", "(1, 1, 5, 5)")
case("Conv2d", "2d-input", lambda L: L.mod("Conv2d", 1, 2, 3)(L.a(5, 5)), "RE", "(5, 5)")
case("Conv2d", "small-input", lambda L: L.mod("Conv2d", 1, 2, 3)(L.a(1, 1, 2, 2)), "RE", "(1, 1, 2, 2)")
case("Conv2d", "int-input", lambda L: L.mod("Conv2d", 1, 2, 3)(L.a(1, 1, 5, 5, dt="i64")), "RE", "int64")
case("Conv2d", "reflect-too-big",
     lambda L: L.mod("Conv2d", 1, 2, 1, padding=3, padding_mode="reflect")(L.a(1, 1, 2, 2)), "RE", "(3, 3)",
     names=("Conv2d", "pad"))
case("Conv2d", "circular-strided",
     lambda L: L.mod("Conv2d", 2, 3, 3, padding=1, padding_mode="circular")(L.nc(1, 2, 4, 5, rg=True)), "ok")
case("Conv1d", "input-channels", lambda L: L.mod("Conv1d", 3, 2, 3)(L.a(1, 1, 5)), "RE", "(1, 1, 5)")

case("max_pool2d", "kernel-too-big", lambda L: L.F.max_pool2d(L.a(1, 1, 2, 2), 3), "RE", "(1, 1, 2, 2)")
case("max_pool2d", "stride-0", lambda L: L.F.max_pool2d(L.a(1, 1, 4, 4), 2, 0), "RE", "stride")
case("max_pool2d", "padding-too-big", lambda L: L.F.max_pool2d(L.a(1, 1, 4, 4), 2, padding=2), "RE", "pad")
case("max_pool2d", "negative-padding", lambda L: L.F.max_pool2d(L.a(1, 1, 4, 4), 2, padding=-1), "RE", "pad")
case("max_pool2d", "2d-input", lambda L: L.F.max_pool2d(L.a(4, 4), 2), "RE", "(4, 4)")
case("max_pool2d", "unbatched", lambda L: L.F.max_pool2d(L.a(1, 4, 4, rg=True), 2), "ok")
case("max_pool2d", "int-input", lambda L: L.F.max_pool2d(L.a(1, 1, 4, 4, dt="i64"), 2), "ok")
case("max_pool2d", "kernel-0", lambda L: L.F.max_pool2d(L.a(1, 1, 4, 4), 0), "RE", "kernel")
case("max_pool2d", "empty-batch", lambda L: L.F.max_pool2d(L.a(0, 1, 4, 4, rg=True), 2), "ok")
case("max_pool2d", "nan", lambda L: L.F.max_pool2d(L.special(rg=True)[:6].reshape(1, 1, 2, 3), 2), "ok")
case("max_pool2d", "strided", lambda L: L.F.max_pool2d(L.nc(1, 2, 4, 6, rg=True), 2), "ok")
case("max_pool2d", "ceil-mode", lambda L: L.F.max_pool2d(L.a(1, 1, 5, 5, rg=True), 2, ceil_mode=True), "ok")
case("max_pool1d", "kernel-too-big", lambda L: L.F.max_pool1d(L.a(1, 1, 2), 3), "RE", "(1, 1, 2)")
case("max_pool1d", "4d-input", lambda L: L.F.max_pool1d(L.a(1, 1, 1, 4), 2), "RE", "(1, 1, 1, 4)")
case("avg_pool2d", "kernel-too-big", lambda L: L.F.avg_pool2d(L.a(1, 1, 2, 2), 3), "RE", "(1, 1, 2, 2)")
case("avg_pool2d", "padding-too-big", lambda L: L.F.avg_pool2d(L.a(1, 1, 4, 4), 2, padding=2), "RE", "pad")
case("avg_pool2d", "int-input", lambda L: L.F.avg_pool2d(L.a(1, 1, 4, 4, dt="i64"), 2), "ok~")
case("avg_pool2d", "divisor-0", lambda L: L.F.avg_pool2d(L.a(1, 1, 4, 4), 2, divisor_override=0),
     "RE", "divisor")
case("avg_pool2d", "2d-input", lambda L: L.F.avg_pool2d(L.a(4, 4), 2), "RE#", "(4, 4)")
case("avg_pool2d", "empty-batch", lambda L: L.F.avg_pool2d(L.a(0, 1, 4, 4, rg=True), 2), "ok")
case("avg_pool1d", "kernel-too-big", lambda L: L.F.avg_pool1d(L.a(1, 1, 2), 3), "RE", "(1, 1, 2)")
case("adaptive_avg_pool2d", "zero", lambda L: L.F.adaptive_avg_pool2d(L.a(1, 1, 4, 4), 0), "RE!", "(0, 0)")
case("adaptive_avg_pool2d", "bigger", lambda L: L.F.adaptive_avg_pool2d(L.a(1, 1, 4, 4, rg=True), 6), "ok")
case("adaptive_avg_pool2d", "2d-input", lambda L: L.F.adaptive_avg_pool2d(L.a(4, 4), 2), "RE", "(4, 4)")
case("adaptive_avg_pool2d", "str", lambda L: L.F.adaptive_avg_pool2d(L.a(1, 1, 4, 4), "a"), "TE", "'a'")
case("adaptive_avg_pool2d", "empty-spatial", lambda L: L.F.adaptive_avg_pool2d(L.a(1, 1, 0, 4), 2), "RE",
     "(1, 1, 0, 4)")
case("MaxPool2d", "kernel-too-big", lambda L: L.nn.MaxPool2d(3)(L.a(1, 1, 2, 2)), "RE", "(1, 1, 2, 2)",
     names=("max_pool2d",))
case("AvgPool2d", "kernel-too-big", lambda L: L.nn.AvgPool2d(3)(L.a(1, 1, 2, 2)), "RE", "(1, 1, 2, 2)",
     names=("avg_pool2d",))
case("unfold", "kernel-too-big", lambda L: L.F.unfold(L.a(1, 1, 2, 2), 3), "RE", "(1, 1, 2, 2)")
case("unfold", "3d-input", lambda L: L.F.unfold(L.a(1, 2, 2), 1), "ok")
case("fold", "blocks", lambda L: L.F.fold(L.a(1, 4, 3), (3, 3), 2), "RE", "(1, 4, 3)")
case("fold", "channels", lambda L: L.F.fold(L.a(1, 3, 4), (3, 3), 2), "RE", "(1, 3, 4)")

# ============================================================ nn: normalization, embedding
bn = lambda L, *a, **k: L.F.batch_norm(*a, **k)  # noqa: E731
case("batch_norm", "channels", lambda L: bn(L, L.a(4, 3), L.a(2), L.a(2) + 2), "RE", "(2,)")
case("batch_norm", "training-one-value", lambda L: bn(L, L.a(1, 3), None, None, training=True),
     "VE", "(1, 3)")
case("batch_norm", "int-input", lambda L: bn(L, L.a(4, 3, dt="i64"), L.a(3), L.a(3) + 2), "TE", "int64")
case("batch_norm", "weight-shape", lambda L: bn(L, L.a(4, 3), L.a(3), L.a(3) + 2, L.a(2)), "RE", "(2,)")
case("batch_norm", "1d-input", lambda L: bn(L, L.a(3), L.a(3), L.a(3) + 2), "VE", "(3,)")
case("batch_norm", "eval-no-stats", lambda L: bn(L, L.a(4, 3), None, None, training=False),
     "RE", "running_mean")
case("batch_norm", "empty", lambda L: bn(L, L.a(0, 3, rg=True), L.a(3), L.a(3) + 2), "ok")
case("BatchNorm1d", "channels", lambda L: L.mod("BatchNorm1d", 3)(L.a(4, 2)), "RE", "(4, 2)")
case("BatchNorm1d", "4d-input", lambda L: L.mod("BatchNorm1d", 3)(L.a(2, 3, 2, 2)), "VE", "(2, 3, 2, 2)")
case("BatchNorm1d", "1d-input", lambda L: L.mod("BatchNorm1d", 3)(L.a(3)), "VE", "(3,)")
case("BatchNorm1d", "batch-1", lambda L: L.mod("BatchNorm1d", 3)(L.a(1, 3)), "VE", "(1, 3)")
case("BatchNorm1d", "batch-1-eval", lambda L: L.mod("BatchNorm1d", 3).eval()(L.a(1, 3, rg=True)), "ok")
case("BatchNorm1d", "int-input", lambda L: L.mod("BatchNorm1d", 3)(L.a(4, 3, dt="i64")), "TE", "int64")
case("BatchNorm1d", "3d", lambda L: L.mod("BatchNorm1d", 3)(L.a(2, 3, 4, rg=True)), "ok")
case("BatchNorm1d", "nan", lambda L: L.mod("BatchNorm1d", 7)(L.special(rg=True).reshape(1, 7).expand(2, 7)),
     "ok")
case("BatchNorm1d", "empty-batch", lambda L: L.mod("BatchNorm1d", 3)(L.a(0, 3)), "ok")
case("BatchNorm2d", "3d-input", lambda L: L.mod("BatchNorm2d", 3)(L.a(3, 2, 2)), "VE", "(3, 2, 2)")
case("BatchNorm2d", "channels", lambda L: L.mod("BatchNorm2d", 3)(L.a(2, 2, 2, 2)), "RE", "(2, 2, 2, 2)")
case("BatchNorm2d", "one-value", lambda L: L.mod("BatchNorm2d", 2)(L.a(1, 2, 1, 1)), "VE", "(1, 2, 1, 1)")
case("BatchNorm2d", "strided", lambda L: L.mod("BatchNorm2d", 2)(L.nc(2, 2, 3, 4, rg=True)), "ok")
case("layer_norm", "shape", lambda L: L.F.layer_norm(L.a(2, 3), (4,)), "RE", "(2, 3)")
case("layer_norm", "int-shape", lambda L: L.F.layer_norm(L.a(2, 3, rg=True), 3), "ok!")
case("layer_norm", "weight-shape", lambda L: L.F.layer_norm(L.a(2, 3), (3,), L.a(2)), "RE", "(2,)")
case("layer_norm", "int-input", lambda L: L.F.layer_norm(L.a(2, 3, dt="i64"), (3,)), "TE", "int64")
case("layer_norm", "too-long", lambda L: L.F.layer_norm(L.a(3), (1, 3)), "RE", "(3,)")
case("layer_norm", "empty", lambda L: L.F.layer_norm(L.a(0, 3, rg=True), (3,)), "ok")
case("layer_norm", "constant-row", lambda L: L.F.layer_norm(L.t([[2.0, 2.0, 2.0]], rg=True), (3,)), "ok")
case("LayerNorm", "shape", lambda L: L.mod("LayerNorm", 4)(L.a(2, 3)), "RE", "(2, 3)")
case("LayerNorm", "negative", lambda L: L.nn.LayerNorm(-1), "RE", "-1")
case("LayerNorm", "str", lambda L: L.nn.LayerNorm("a"), "TE", "'a'")
case("LayerNorm", "strided", lambda L: L.mod("LayerNorm", (3, 4))(L.nc(2, 3, 4, rg=True)), "ok")
emb = lambda L, *a, **k: L.F.embedding(*a, **k)  # noqa: E731
case("embedding", "float-ids", lambda L: emb(L, L.t([0.0, 1.0]), L.a(3, 2)), "TE", "float32")
case("embedding", "oob", lambda L: emb(L, L.t([0, 3], "i64"), L.a(3, 2)), "IE", "3")
case("embedding", "negative", lambda L: emb(L, L.t([-1], "i64"), L.a(3, 2)), "IE", "-1")
case("embedding", "weight-1d", lambda L: emb(L, L.t([0], "i64"), L.a(3)), "RE", "(3,)")
case("embedding", "bool-ids", lambda L: emb(L, L.t([True], "bool"), L.a(3, 2)), "TE", "bool")
case("embedding", "empty", lambda L: emb(L, L.t([], "i64"), L.a(3, 2, rg=True)), "ok")
case("embedding", "list", lambda L: emb(L, [0, 1], L.a(3, 2)), "TE", "list")
case("embedding", "int32-ids", lambda L: emb(L, L.t([0, 2], "i32"), L.a(3, 2, rg=True)), "ok")
case("Embedding", "oob", lambda L: L.mod("Embedding", 3, 2)(L.t([[0, 3]], "i64")), "IE", "3")
case("Embedding", "float-ids", lambda L: L.mod("Embedding", 3, 2)(L.t([0.0])), "TE", "float32")
case("Embedding", "padding-idx-oob", lambda L: L.nn.Embedding(3, 2, padding_idx=3), "VE", "padding_idx")
case("Embedding", "negative-size", lambda L: L.nn.Embedding(-1, 2), "TE", "-1")
case("Embedding", "strided-ids", lambda L: L.mod("Embedding", 5, 2)(L.nc(2, 3, dt="i64").abs()), "ok")
case("one_hot", "float", lambda L: L.F.one_hot(L.t([0.0, 1.0]), 3), "RE", "float32")
case("one_hot", "negative", lambda L: L.F.one_hot(L.t([-1], "i64"), 3), "RE", "-1")
case("one_hot", "too-small", lambda L: L.F.one_hot(L.t([3], "i64"), 3), "RE", "3")
case("one_hot", "empty-infer", lambda L: L.F.one_hot(L.t([], "i64")), "RE", "empty")
case("one_hot", "empty", lambda L: L.F.one_hot(L.t([], "i64"), 3), "ok")
case("one_hot", "num-classes-0", lambda L: L.F.one_hot(L.t([0], "i64"), 0), "RE", "0")

# ============================================================ nn: recurrent layers
RNN_INPUTS = {
    "input-size": lambda L: (L.a(5, 2, 2),),
    "1d": lambda L: (L.a(3),),
    "4d": lambda L: (L.a(1, 5, 2, 3),),
    "unbatched": lambda L: (L.a(5, 3, rg=True),),
    "int": lambda L: (L.a(5, 2, 3, dt="i64"),),
    "f64": lambda L: (L.a(5, 2, 3, dt="f64"),),
    "empty-seq": lambda L: (L.a(0, 2, 3),),
    "empty-batch": lambda L: (L.a(5, 0, 3),),
    "strided": lambda L: (L.nc(2, 4, 3, rg=True),),
    "nan": lambda L: (L.special(rg=True)[:6].reshape(2, 1, 3),),
    "list": lambda L: ([[[1.0, 2.0, 3.0]]],),
}
grid(
    """
          input-size  1d  4d  unbatched  int  f64  empty-seq  empty-batch  strided  nan  list
    RNN   RE          VE  VE  ok         VE   VE   RE         ok           ok       ok   TE
    LSTM  RE          VE  VE  ok         VE   VE   RE         ok           ok       ok   TE
    GRU   RE          VE  VE  ok         VE   VE   RE         ok           ok       ok   TE
    """,
    RNN_INPUTS,
    lambda L, op, x: L.mod(op, 3, 4)(x),
    mention={"input-size": ("(5, 2, 2)", "3"), "1d": ("(3,)",), "4d": ("(1, 5, 2, 3)",), "int": ("int64",),
             "f64": ("float64",), "list": ("list",)},
)
for name in ("RNN", "LSTM", "GRU"):
    case(name, "num-layers-0", lambda L, n=name: getattr(L.nn, n)(3, 4, num_layers=0), "VE", "num_layers")
    case(name, "hidden-0", lambda L, n=name: getattr(L.nn, n)(3, 0), "VE", "hidden_size")
    case(name, "dropout-2", lambda L, n=name: getattr(L.nn, n)(3, 4, dropout=2.0), "VE", "dropout")
    case(name, "float-size", lambda L, n=name: getattr(L.nn, n)(3.5, 4), "TE", "input_size")
    case(name, "batch-first", lambda L, n=name: L.mod(n, 3, 4, batch_first=True)(L.a(2, 5, 3, rg=True)), "ok")
case("RNN", "h0-shape", lambda L: L.mod("RNN", 3, 4)(L.a(5, 2, 3), L.a(1, 3, 4)), "RE", "(1, 3, 4)")
case("RNN", "h0-2d", lambda L: L.mod("RNN", 3, 4)(L.a(5, 2, 3), L.a(2, 4)), "RE", "(2, 4)")
case("RNN", "h0-dtype", lambda L: L.mod("RNN", 3, 4)(L.a(5, 2, 3), L.a(1, 2, 4, dt="f64")), "VE", "float64")
case("RNN", "nonlinearity", lambda L: L.nn.RNN(3, 4, nonlinearity="sigmoid"), "VE", "sigmoid")
case("LSTM", "h0-not-tuple", lambda L: L.mod("LSTM", 3, 4)(L.a(5, 2, 3), L.a(1, 2, 4)), "TE#", "tuple")
case("LSTM", "c0-shape", lambda L: L.mod("LSTM", 3, 4)(L.a(5, 2, 3), (L.a(1, 2, 4), L.a(1, 2, 3))), "RE",
     "(1, 2, 3)")
case("LSTM", "proj-size", lambda L: L.nn.LSTM(3, 4, proj_size=4), "VE", "proj_size")
case("GRU", "h0-shape", lambda L: L.mod("GRU", 3, 4)(L.a(5, 2, 3), L.a(2, 2, 4)), "RE", "(2, 2, 4)")
case("RNNCell", "input-size", lambda L: L.mod("RNNCell", 3, 4)(L.a(2, 2)), "RE", "(2, 2)")
case("RNNCell", "hx-shape", lambda L: L.mod("RNNCell", 3, 4)(L.a(2, 3), L.a(2, 3)), "RE", "(2, 3)")
case("RNNCell", "3d", lambda L: L.mod("RNNCell", 3, 4)(L.a(1, 2, 3)), "VE", "(1, 2, 3)")
case("RNNCell", "unbatched", lambda L: L.mod("RNNCell", 3, 4)(L.a(3, rg=True)), "ok")
case("LSTMCell", "hx-shape", lambda L: L.mod("LSTMCell", 3, 4)(L.a(2, 3), (L.a(2, 4), L.a(3, 4))),
     "RE", "(3, 4)")
case("LSTMCell", "hx-single", lambda L: L.mod("LSTMCell", 3, 4)(L.a(2, 3), L.a(2, 4)), "TE", "tuple")
case("GRUCell", "input-size", lambda L: L.mod("GRUCell", 3, 4)(L.a(2, 5)), "RE", "(2, 5)")
case("GRUCell", "int", lambda L: L.mod("GRUCell", 3, 4)(L.a(2, 3, dt="i64")), "VE", "int64")

# ============================================================ nn: losses
LOSS_INPUTS = {
    "shapes": lambda L: (L.a(2, 3), L.a(3, 2)),
    "broadcasts": lambda L: (L.a(2, 3, rg=True), L.a(3, rg=True)),
    "grows": lambda L: (L.a(3, rg=True), L.a(2, 3)),
    "int-input": lambda L: (L.a(3, dt="i64"), L.a(3)),
    "int-target": lambda L: (L.a(3, rg=True), L.a(3, dt="i64")),
    "f64-target": lambda L: (L.a(3, rg=True), L.a(3, dt="f64")),
    "empty": lambda L: (L.a(0, rg=True), L.a(0)),
    "nan": lambda L: (L.special(rg=True), L.a(7)),
    "list-target": lambda L: (L.a(2), [1.0, 2.0]),
    "strided": lambda L: (L.nc(3, 4, rg=True), L.ro(3, 4)),
}
grid(
    """
                    shapes  broadcasts  grows  int-input  int-target  f64-target  empty  nan  list-target
    mse_loss        RE      ok          ok     TE!        ok          ok          ok     ok   TE
    l1_loss         RE      ok          ok     TE!        ok          ok          ok     ok~  TE
    huber_loss      RE      ok          ok     TE         ok!         ok!         ok     ok~  TE
    smooth_l1_loss  RE      ok          ok     TE!        ok          ok          ok     ok~  TE

                    strided
    mse_loss        ok
    l1_loss         ok
    huber_loss      ok
    smooth_l1_loss  ok
    """,
    LOSS_INPUTS,
    lambda L, op, a, b: getattr(L.F, op)(a, b),
    mention={"shapes": ("(2, 3)", "(3, 2)"), "int-input": ("int64",), "list-target": ("list",)},
)
for op in ("mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss"):
    case(op, "reduction", lambda L, op=op: getattr(L.F, op)(L.a(3), L.a(3), reduction="avg"), "VE", "avg")
    case(op, "empty-sum", lambda L, op=op: getattr(L.F, op)(L.a(0, rg=True), L.a(0), reduction="sum"), "ok")
case("huber_loss", "delta-negative", lambda L: L.F.huber_loss(L.a(3), L.a(3), delta=-1.0), "RE", "delta")
case("smooth_l1_loss", "beta-negative", lambda L: L.F.smooth_l1_loss(L.a(3), L.a(3), beta=-1.0), "RE", "beta")
case("smooth_l1_loss", "beta-zero", lambda L: L.F.smooth_l1_loss(L.a(3, rg=True), L.a(3), beta=0.0), "ok")
case("MSELoss", "reduction", lambda L: L.nn.MSELoss(reduction="avg"), "VE!", "avg")
case("MSELoss", "shapes", lambda L: L.nn.MSELoss()(L.a(2, 3), L.a(3, 2)), "RE", "(2, 3)", names=("mse_loss",))
ce = lambda L, *a, **k: L.F.cross_entropy(*a, **k)  # noqa: E731
i64 = lambda L, v: L.t(v, "i64")  # noqa: E731
case("cross_entropy", "class-oob", lambda L: ce(L, L.a(2, 3), i64(L, [0, 3])), "IE", "3")
case("cross_entropy", "class-negative", lambda L: ce(L, L.a(2, 3), i64(L, [0, -2])), "IE", "-2")
case("cross_entropy", "float-target-shape", lambda L: ce(L, L.a(2, 3), L.t([0.0, 1.0])), "RE", "float32")
case("cross_entropy", "prob-target", lambda L: ce(L, L.a(2, 3, rg=True), L.m.softmax(L.a(2, 3), 1)), "ok")
case("cross_entropy", "int32-target", lambda L: ce(L, L.a(2, 3, rg=True), L.t([0, 2], "i32")), "ok!")
case("cross_entropy", "bool-target", lambda L: ce(L, L.a(2, 3), L.t([True, False], "bool")), "RE", "bool")
case("cross_entropy", "batch", lambda L: ce(L, L.a(2, 3), i64(L, [0, 1, 2])), "VE", "(3,)")
case("cross_entropy", "target-2d", lambda L: ce(L, L.a(2, 3), i64(L, [[0], [1]])), "RE", "(2, 1)")
case("cross_entropy", "unbatched", lambda L: ce(L, L.a(3, rg=True), i64(L, 1)), "ok")
case("cross_entropy", "0d-input", lambda L: ce(L, L.t(1.0), i64(L, 0)), "VE", "0-d")
case("cross_entropy", "int-input", lambda L: ce(L, L.a(2, 3, dt="i64"), i64(L, [0, 1])), "TE", "int64")
case("cross_entropy", "empty-batch", lambda L: ce(L, L.a(0, 3, rg=True), i64(L, [])), "ok")
case("cross_entropy", "all-ignored", lambda L: ce(L, L.a(2, 3, rg=True), i64(L, [-100, -100])), "ok")
case("cross_entropy", "ignore-index", lambda L: ce(L, L.a(2, 3, rg=True), i64(L, [1, 7]), ignore_index=7),
     "ok")
case("cross_entropy", "weight-shape", lambda L: ce(L, L.a(2, 3), i64(L, [0, 1]), weight=L.a(2)), "RE", "(2,)")
case("cross_entropy", "label-smoothing", lambda L: ce(L, L.a(2, 3), i64(L, [0, 1]), label_smoothing=1.5),
     "RE",
     "1.5")
case("cross_entropy", "huge-logits", lambda L: ce(L, L.t([[1e4, -1e4, 0.0]], rg=True), i64(L, [1])), "ok")
case("cross_entropy", "nan-logits", lambda L: ce(L, L.special(rg=True).reshape(1, 7), i64(L, [5])), "ok")
case("cross_entropy", "spatial", lambda L: ce(L, L.a(2, 3, 2, 2, rg=True), i64(L, np.zeros((2, 2, 2)))), "ok")
case("cross_entropy", "spatial-shape", lambda L: ce(L, L.a(2, 3, 2, 2), i64(L, np.zeros((2, 2, 3)))), "RE",
     "(2, 2, 3)")
case("cross_entropy", "list-target", lambda L: ce(L, L.a(2, 3), [0, 1]), "TE", "list")
case("cross_entropy", "reduction", lambda L: ce(L, L.a(2, 3), i64(L, [0, 1]), reduction="avg"), "VE", "avg")
case("cross_entropy", "strided", lambda L: ce(L, L.nc(3, 4, rg=True), L.ro(3, dt="i64").abs()), "ok")
case("nll_loss", "class-oob", lambda L: L.F.nll_loss(L.a(2, 3), i64(L, [0, 3])), "IE", "3")
case("nll_loss", "float-target", lambda L: L.F.nll_loss(L.a(2, 3), L.t([0.0, 1.0])), "RE", "float32")
case("nll_loss", "3d-target", lambda L: L.F.nll_loss(L.a(2, 3), i64(L, [[[0]], [[1]]])), "RE", "(2, 1, 1)")
case("nll_loss", "empty", lambda L: L.F.nll_loss(L.a(0, 3, rg=True), i64(L, [])), "ok")
case("nll_loss", "int-weight", lambda L: L.F.nll_loss(L.a(2, 3), i64(L, [0, 1]), weight=i64(L, [1, 1, 1])),
     "ok!")
case("CrossEntropyLoss", "class-oob", lambda L: L.nn.CrossEntropyLoss()(L.a(2, 3), i64(L, [0, 3])), "IE", "3",
     names=("cross_entropy",))
case("CrossEntropyLoss", "reduction", lambda L: L.nn.CrossEntropyLoss(reduction="avg"), "VE!", "avg")
case("NLLLoss", "class-oob", lambda L: L.nn.NLLLoss()(L.a(2, 3), i64(L, [0, 3])),
     "IE", "3", names=("nll_loss",))
bce = lambda L, *a, **k: L.F.binary_cross_entropy(*a, **k)  # noqa: E731
case("binary_cross_entropy", "out-of-range", lambda L: bce(L, L.t([1.5, 0.5]), L.t([1.0, 0.0])), "RE", "1.5")
case("binary_cross_entropy", "negative", lambda L: bce(L, L.t([-0.5, 0.5]), L.t([1.0, 0.0])), "RE", "-0.5")
case("binary_cross_entropy", "shapes", lambda L: bce(L, L.t([0.5, 0.5]), L.t([[1.0, 0.0]])), "VE", "(1, 2)")
case("binary_cross_entropy", "int-target", lambda L: bce(L, L.t([0.5, 0.5]), L.t([1, 0], "i64")), "ok!")
case("binary_cross_entropy", "zero-one", lambda L: bce(L, L.t([0.0, 1.0], rg=True), L.t([1.0, 0.0])), "ok")
case("binary_cross_entropy", "nan", lambda L: bce(L, L.t([np.nan, 0.5]), L.t([1.0, 0.0])), "RE", "nan")
case("binary_cross_entropy", "weight-shape",
     lambda L: bce(L, L.t([0.5, 0.5]), L.t([1.0, 0.0]), weight=L.a(3)),
     "RE", "(3,)")
case("binary_cross_entropy", "empty", lambda L: bce(L, L.a(0, rg=True), L.a(0)), "ok")
case("binary_cross_entropy", "target-range", lambda L: bce(L, L.t([0.5, 0.5], rg=True), L.t([2.0, -1.0])),
     "RE", "target")
bcel = lambda L, *a, **k: L.F.binary_cross_entropy_with_logits(*a, **k)  # noqa: E731
case("binary_cross_entropy_with_logits", "shapes", lambda L: bcel(L, L.a(2), L.a(3)), "VE", "(3,)", "(2,)")
case("binary_cross_entropy_with_logits", "broadcast", lambda L: bcel(L, L.a(2, 3), L.a(3)), "VE", "(3,)")
case("binary_cross_entropy_with_logits", "int-target",
     lambda L: bcel(L, L.a(3, rg=True), L.t([1, 0, 1], "i64")), "ok!")
case("binary_cross_entropy_with_logits", "huge",
     lambda L: bcel(L, L.t([1e4, -1e4, 1e4, -1e4], rg=True), L.t([1.0, 0.0, 0.0, 1.0])), "ok")
case("binary_cross_entropy_with_logits", "pos-weight-shape",
     lambda L: bcel(L, L.a(2, 3), L.a(2, 3), pos_weight=L.a(2)), "RE", "(2,)")
case("binary_cross_entropy_with_logits", "pos-weight",
     lambda L: bcel(L, L.a(2, 3, rg=True), L.a(2, 3), pos_weight=L.a(3) + 2), "ok")
case("binary_cross_entropy_with_logits", "int-input", lambda L: bcel(L, L.a(3, dt="i64"), L.a(3)),
     "TE", "int64")
case("binary_cross_entropy_with_logits", "nan", lambda L: bcel(L, L.special(rg=True), L.a(7).sigmoid()), "ok")
case("BCELoss", "out-of-range", lambda L: L.nn.BCELoss()(L.t([1.5]), L.t([1.0])), "RE", "1.5",
     names=("binary_cross_entropy",))
case("BCEWithLogitsLoss", "shapes", lambda L: L.nn.BCEWithLogitsLoss()(L.a(2), L.a(3)), "VE", "(3,)",
     names=("binary_cross_entropy_with_logits",))

# ============================================================ optim
def _params(L):
    return [L.a(2, 3, rg=True), L.a(3, rg=True)]


def _step_with_grad(L, opt_cls, grad):
    p = L.a(2, 3, rg=True)
    opt = opt_cls([p], lr=0.1)
    p.grad = grad
    opt.step()
    return p.detach()


def _step_strided(L, opt_cls):
    p = L.nc(3, 4)
    p.requires_grad_(True)
    opt = opt_cls([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    return p.detach()


def _step_nan(L, opt_cls):
    p = L.a(7, rg=True)
    opt = opt_cls([p], lr=0.1)
    p.grad = L.special()
    opt.step()
    return p.detach()


OPT_INPUTS = {
    "lr<0": lambda L, o: o(_params(L), lr=-0.1),
    "lr-str": lambda L, o: o(_params(L), lr="fast"),
    "lr-nan": lambda L, o: o(_params(L), lr=float("nan")),
    "wd<0": lambda L, o: o(_params(L), lr=0.1, weight_decay=-1.0),
    "no-params": lambda L, o: o([], lr=0.1),
    "one-tensor": lambda L, o: o(L.a(3, rg=True), lr=0.1),
    "non-leaf": lambda L, o: o([L.a(3, rg=True) * 2], lr=0.1),
    "int-param": lambda L, o: o([L.a(3, dt="i64")], lr=0.1),
    "floats": lambda L, o: o([1.0, 2.0], lr=0.1),
    "duplicate": lambda L, o: (lambda p: o([p, p], lr=0.1))(L.a(3, rg=True)),
    "no-params-key": lambda L, o: o([{"lr": 0.1}], lr=0.1),
    "generator": lambda L, o: o((p for p in _params(L)), lr=0.1),
    "unknown-kw": lambda L, o: o(_params(L), lr=0.1, momentm=0.9),
    "grad-shape": lambda L, o: _step_with_grad(L, o, L.a(3, 2)),
    "grad-f64": lambda L, o: _step_with_grad(L, o, L.a(2, 3, dt="f64")),
    "nan-grad": lambda L, o: _step_nan(L, o),
    "strided": lambda L, o: _step_strided(L, o),
}
OPTIMIZERS = ("SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "NAdam", "Adamax")
grid(
    """
              lr<0  lr-str  lr-nan  wd<0  no-params  one-tensor  non-leaf  int-param  floats  duplicate
    SGD       VE    TE      ok      VE    VE         TE          VE        ok         TE      VE!
    Adagrad   VE    TE      VE      VE    VE         TE          VE        ok         TE      VE!
    RMSprop   VE    TE      VE      VE    VE         TE          VE        ok         TE      VE!
    Adadelta  VE    TE      VE      VE    VE         TE          VE        ok         TE      VE!
    Adam      VE    TE      VE      VE    VE         TE          VE        ok         TE      VE!
    AdamW     VE    TE      VE      VE    VE         TE          VE        ok         TE      VE!
    NAdam     VE    TE      VE      VE    VE         TE          VE        ok         TE      VE!
    Adamax    VE    TE      VE      VE    VE         TE          VE        ok         TE      VE!

              no-params-key  generator  unknown-kw  grad-shape  grad-f64  nan-grad  strided
    SGD       VE             ok         TE          RE          ok!       ok        ok
    Adagrad   VE             ok         TE          RE          ok!       ok        ok
    RMSprop   VE             ok         TE          RE          ok!       ok        ok
    Adadelta  VE             ok         TE          RE          ok!       ok        ok
    Adam      VE             ok         TE          RE          ok!       ok        ok
    AdamW     VE             ok         TE          RE          ok!       ok        ok
    NAdam     VE             ok         TE          RE          ok!       ok        ok
    Adamax    VE             ok         TE          RE          ok!       ok        ok
    """,
    {k: (lambda L, f=f: (f,)) for k, f in OPT_INPUTS.items()},
    lambda L, op, f: f(L, getattr(L.optim, op)),
    # the constructors' messages are PyTorch's, word for word (tests/optim checks that)
    names={o: (o, "optimiz", "invalid", "param") for o in OPTIMIZERS},
    mention={"lr<0": ("learning rate", "-0.1"), "lr-nan": ("nan",), "wd<0": ("weight_decay",),
             "one-tensor": ("tensor",), "floats": ("float",), "grad-shape": ("(3, 2)", "(2, 3)"),
             "unknown-kw": ("momentm",), "int-param": ("int64",)},
)
for name in ("Adam", "AdamW", "NAdam", "Adamax"):
    case(name, "beta=1", lambda L, n=name: getattr(L.optim, n)(_params(L), betas=(1.0, 0.999)), "VE", "beta",
         names=("invalid",))
    case(name, "beta<0", lambda L, n=name: getattr(L.optim, n)(_params(L), betas=(0.9, -0.1)), "VE", "beta",
         names=("invalid",))
    case(name, "betas-length", lambda L, n=name: getattr(L.optim, n)(_params(L), betas=(0.9,)),
         "VE#", "(0.9,)",
         names=("betas",))
case("SGD", "nesterov-no-momentum", lambda L: L.optim.SGD(_params(L), lr=0.1, nesterov=True),
     "VE", "momentum",
     names=("nesterov",))
case("SGD", "momentum<0", lambda L: L.optim.SGD(_params(L), lr=0.1, momentum=-1.0), "VE", "-1.0",
     names=("invalid",))
case("RMSprop", "alpha<0", lambda L: L.optim.RMSprop(_params(L), alpha=-0.1),
     "VE", "alpha", names=("invalid",))
case("Adadelta", "rho>1", lambda L: L.optim.Adadelta(_params(L), rho=1.5), "VE", "rho", names=("invalid",))
case("Adagrad", "lr-decay<0", lambda L: L.optim.Adagrad(_params(L), lr_decay=-1.0), "VE", "lr_decay",
     names=("invalid",))
case("add_param_group", "overlap", lambda L: (lambda ps: L.optim.SGD(ps, lr=0.1).add_param_group(
    {"params": ps[:1]}))(_params(L)), "VE", "more than one", names=("parameter group",))
case("add_param_group", "not-dict",
     lambda L: L.optim.SGD(_params(L), lr=0.1).add_param_group([L.a(3, rg=True)]),
     "TE", "list", names=("param_group",))
case("load_state_dict", "groups", lambda L: L.optim.SGD(_params(L), lr=0.1).load_state_dict(
    {"state": {}, "param_groups": []}), "VE", "parameter groups", names=("state dict",))
S = lambda L: L.optim.lr_scheduler  # noqa: E731 - also used further down
sgd = lambda L, **k: L.optim.SGD(_params(L), lr=0.1, **k)  # noqa: E731
case("StepLR", "not-optimizer", lambda L: S(L).StepLR("sgd", 2), "TE", "str", names=("Optimizer",))
case("LambdaLR", "count", lambda L: S(L).LambdaLR(sgd(L), [lambda e: 1.0] * 3), "VE", "3",
     names=("lr_lambda",))
case("LambdaLR", "not-callable", lambda L: S(L).LambdaLR(sgd(L), 0.5), "TE", "0.5",
     names=("LambdaLR", "callable"))
case("LinearLR", "factor>1", lambda L: S(L).LinearLR(sgd(L), start_factor=2.0), "VE", "start_factor=2.0",
     names=("factor",))
case("CosineAnnealingLR", "T_max=0", lambda L: S(L).CosineAnnealingLR(sgd(L), T_max=0), "VE!", "T_max")
case("OneCycleLR", "no-total", lambda L: S(L).OneCycleLR(sgd(L, momentum=0.9), max_lr=1.0), "VE", "epochs",
     names=("total_steps",))
case("OneCycleLR", "pct>1", lambda L: S(L).OneCycleLR(sgd(L, momentum=0.9), max_lr=1.0, total_steps=10,
                                                      pct_start=1.5), "VE", "1.5", names=("pct_start",))
case("OneCycleLR", "anneal", lambda L: S(L).OneCycleLR(sgd(L, momentum=0.9), max_lr=1.0, total_steps=10,
                                                       anneal_strategy="exp"), "VE", "exp",
     names=("anneal_strategy",))
case("ReduceLROnPlateau", "mode", lambda L: S(L).ReduceLROnPlateau(sgd(L), mode="up"), "VE", "up",
     names=("mode",))
case("ReduceLROnPlateau", "factor", lambda L: S(L).ReduceLROnPlateau(sgd(L), factor=1.0), "VE", "1.0",
     names=("factor",))

# ============================================================ data
TD = lambda L, *t: L.data.TensorDataset(*t)  # noqa: E731
DL = lambda L, ds, **k: L.data.DataLoader(ds, **k)  # noqa: E731
case("TensorDataset", "sizes", lambda L: TD(L, L.a(3, 2), L.a(4)), "VE", "3", "4")
case("TensorDataset", "list", lambda L: TD(L, [1, 2, 3]), "TE", "list")
case("TensorDataset", "0d", lambda L: TD(L, L.t(1.0)), "VE#", "0-d")
case("TensorDataset", "index-oob", lambda L: TD(L, L.a(3, 2))[3], "IE", "3", names=("getitem",))
case("TensorDataset", "float-index", lambda L: TD(L, L.a(3, 2))[1.5], "IE", "1.5", names=("getitem",))
case("TensorDataset", "strided-read-only", lambda L: TD(L, L.nc(3, 2), L.ro(3, dt="i64"))[1], "ok")
case("DataLoader", "batch-size-0", lambda L: DL(L, TD(L, L.a(4, 2)), batch_size=0), "VE", "0",
     names=("batch_size",))
case("DataLoader", "batch-size<0", lambda L: DL(L, TD(L, L.a(4, 2)), batch_size=-1), "VE", "-1",
     names=("batch_size",))
case("DataLoader", "batch-size-float", lambda L: DL(L, TD(L, L.a(4, 2)), batch_size=1.5), "VE", "1.5",
     names=("batch_size",))
case("DataLoader", "shuffle-and-sampler", lambda L: DL(L, TD(L, L.a(4, 2)), shuffle=True, sampler=[0, 1]),
     "VE",
     "shuffle", names=("sampler",))
case("DataLoader", "batch-sampler-and-size",
     lambda L: DL(L, TD(L, L.a(4, 2)), batch_size=2, batch_sampler=[[0, 1]]), "VE", "batch_size",
     names=("batch_sampler",))
case("DataLoader", "num-workers<0", lambda L: DL(L, TD(L, L.a(4, 2)), num_workers=-1), "VE", "num_workers")
case("DataLoader", "empty-dataset", lambda L: list(DL(L, TD(L, L.a(0, 2)), batch_size=2)), "ok")
case("default_collate", "ragged", lambda L: list(DL(L, [L.a(2), L.a(3)], batch_size=2)), "RE", "[2]", "[3]")
case("default_collate", "mixed", lambda L: list(DL(L, [L.a(2), 1.0], batch_size=2)), "TE", "float")
case("default_collate", "strings", lambda L: list(DL(L, ["a", "b"], batch_size=2)), "ok")
case("default_collate", "dicts", lambda L: list(DL(L, [{"x": L.a(2)}, {"x": L.a(2)}], batch_size=2)), "ok")
case("default_collate", "dict-keys", lambda L: list(DL(L, [{"x": L.a(2)}, {"y": L.a(2)}], batch_size=2)),
     "RE",
     "'x'")
case("default_collate", "tuple-lengths", lambda L: list(DL(L, [(L.a(2), 1), (L.a(2),)], batch_size=2)), "RE",
     "equal size")
case("default_collate", "ndarrays", lambda L: list(DL(L, [np.ones(2), np.ones(2)], batch_size=2)), "ok")
case("default_collate", "none", lambda L: list(DL(L, [None, None], batch_size=2)), "TE", "nonetype")
case("random_split", "lengths", lambda L: L.data.random_split(TD(L, L.a(5, 2)), [2, 2]), "VE", "5")
case("random_split", "fractions", lambda L: L.data.random_split(TD(L, L.a(5, 2)), [0.5, 0.6]), "VE", "1")
case("random_split", "negative", lambda L: L.data.random_split(TD(L, L.a(5, 2)), [6, -1]), "VE!", "-1")
case("random_split", "ok", lambda L: [len(s) for s in L.data.random_split(TD(L, L.a(5, 2)), [0.5, 0.5])],
     "ok")
case("Subset", "oob", lambda L: L.data.Subset(TD(L, L.a(3, 2)), [0, 5])[1], "IE", "5", names=("getitem",))
case("ConcatDataset", "empty", lambda L: L.data.ConcatDataset([]),
     "VE", "empty", names=("datasets", "ConcatDataset"))
case("ConcatDataset", "oob", lambda L: L.data.ConcatDataset([TD(L, L.a(2, 2)), TD(L, L.a(1, 2))])[3], "IE",
     "3", names=("index",))
case("BatchSampler", "batch-size-0", lambda L: L.data.BatchSampler([0, 1], 0, False), "VE", "0",
     names=("batch_size",))
case("BatchSampler", "drop-last-str", lambda L: L.data.BatchSampler([0, 1], 1, "no"), "VE", "no",
     names=("drop_last",))
case("RandomSampler", "num-samples-0", lambda L: L.data.RandomSampler([1, 2], num_samples=0), "VE", "0",
     names=("num_samples",))
case("RandomSampler", "replacement-str", lambda L: L.data.RandomSampler([1, 2], replacement="yes"),
     "TE", "yes",
     names=("replacement",))


# ============================================================ tg.save / tg.load arguments
_TMP = tempfile.TemporaryDirectory(prefix="tg-bad-input-")  # removed when the test process ends


def _tmpdir():
    return tempfile.mkdtemp(dir=_TMP.name)


def _file(content):
    path = os.path.join(_tmpdir(), "f.pt")
    with open(path, "wb") as f:
        f.write(content)
    return path


def _save_load(L, obj):
    path = os.path.join(_tmpdir(), "x.pt")
    L.m.save(obj, path)
    return L.m.load(path) if L.kind == "tg" else L.m.load(path, weights_only=True)


def _save_to_read_only_file(L):
    with open(_file(b""), "rb") as f:
        L.m.save({"a": L.a(2)}, f)


case("save", "none-path", lambda L: L.m.save({"a": L.a(2)}, None), "TE", "nonetype")
case("save", "int-path", lambda L: L.m.save({"a": L.a(2)}, 12345678), "TE", "int")
case("save", "dir-path", lambda L: L.m.save({"a": L.a(2)}, _tmpdir()), "OE", "directory")
case("save", "missing-dir", lambda L: L.m.save({"a": L.a(2)}, os.path.join(_tmpdir(), "no", "x.pt")), "OE",
     "does not exist")
case("save", "object", lambda L: L.m.save({"a": object()}, os.path.join(_tmpdir(), "x.pt")), "TE!", "object")
case("save", "lambda", lambda L: L.m.save({"f": lambda: 1}, os.path.join(_tmpdir(), "x.pt")),
     "TE", "function")
case("save", "read-only-file", _save_to_read_only_file, "VE", "write")
case("save", "strided-read-only", lambda L: _save_load(L, {"a": L.nc(3, 4), "b": L.ro(2)})["a"], "ok")
case("save", "empty-tensor", lambda L: _save_load(L, {"a": L.a(0, 3)})["a"], "ok")
case("save", "nan", lambda L: _save_load(L, {"a": L.special()})["a"], "ok")
case("save", "non-str-key", lambda L: _save_load(L, {(1, 2): L.a(2)})[(1, 2)], "ok")
case("load", "missing", lambda L: L.m.load(os.path.join(_tmpdir(), "missing.pt")), "OE", "missing.pt")
case("load", "dir", lambda L: L.m.load(_tmpdir()), "OE", "directory")
case("load", "none", lambda L: L.m.load(None), "TE", "nonetype")
case("load", "int", lambda L: L.m.load(12345678), "TE", "int")
case("load", "empty-file", lambda L: L.m.load(_file(b"")), "RE", "empty")
case("load", "text-file", lambda L: L.m.load(_file(b"hello world\n")), "RE", "not a tinygrad_edu checkpoint")
case("load", "empty-bytesio", lambda L: L.m.load(io.BytesIO(b"")), "RE", "empty")

# ============================================================ nn.Module API, nn.utils
case("Module", "assign-before-init", lambda L: type("M", (L.nn.Module,), {
    "__init__": lambda self: setattr(self, "w", L.nn.Parameter(L.a(2)))})(), "AE", "__init__")
case("register_buffer", "dotted-name", lambda L: L.nn.Module().register_buffer("a.b", L.a(2)), "KE", ".",
     names=("buffer name",))
case("register_buffer", "list", lambda L: L.nn.Module().register_buffer("b", [1.0]), "TE", "list",
     names=("register_buffer", "buffer"))
case("register_parameter", "tensor", lambda L: L.nn.Module().register_parameter("w", L.a(2)), "TE", "tensor",
     names=("register_parameter", "parameter"))
case("Parameter", "int", lambda L: L.nn.Parameter(L.a(2, dt="i64")), "RE", "int64", names=("requires_grad",))
case("Sequential", "not-module", lambda L: L.nn.Sequential(L.nn.ReLU(), 5), "TE", "int",
     names=("Module subclass",))
case("Sequential", "index-oob", lambda L: L.nn.Sequential(L.nn.ReLU())[3], "IE", "3", names=("index",))
case("ModuleList", "not-module", lambda L: L.nn.ModuleList([5]), "TE", "int", names=("Module subclass",))
case("ModuleDict", "not-module", lambda L: L.nn.ModuleDict({"a": 5}), "TE", "int", names=("Module subclass",))
case("Flatten", "oob", lambda L: L.nn.Flatten(3)(L.a(2, 3)), "IE", "3", names=("flatten",))
case("Unflatten", "sizes", lambda L: L.nn.Unflatten(1, (2, 2))(L.a(2, 3)), "RE", "[2, 2]", "(2, 3)",
     names=("Unflatten", "unflatten"))
case("load_state_dict", "shape", lambda L: L.mod("Linear", 2, 3).load_state_dict(
    {"weight": L.a(2, 2), "bias": L.a(3)}), "RE", "(2, 2)", names=("state_dict",))
case("load_state_dict", "missing", lambda L: L.mod("Linear", 2, 3).load_state_dict({"weight": L.a(3, 2)}),
     "RE",
     "bias", names=("state_dict",))
case("load_state_dict", "str-value", lambda L: L.mod("Linear", 2, 3).load_state_dict(
    {"weight": "a", "bias": L.a(3)}), "RE", "str", names=("state_dict",))
case("clip_grad_norm_", "norm-type",
     lambda L: L.nn.utils.clip_grad_norm_([L.a(2, rg=True)], 1.0, norm_type="fro"),
     "VE", "fro", names=("norm_type",))
case("clip_grad_norm_", "nan-grad", lambda L: _clip_nan(L), "RE", "non-finite", names=("norm",))
case("parameters_to_vector", "floats", lambda L: L.nn.utils.parameters_to_vector([1.0]), "TE", "float",
     names=("parameters_to_vector", "tensor"))
case("vector_to_parameters", "length", lambda L: L.nn.utils.vector_to_parameters(L.a(3), [L.a(2, rg=True)]),
     "ok")


def _clip_nan(L):
    p = L.a(3, rg=True)
    p.grad = L.t([np.nan, 1.0, 2.0])
    return L.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


# ============================================================ the rest of the public API
# aliases and reflected operators (the same functions as above, reached by other names)
case("clamp", "clip-alias-str", lambda L: L.m.clip(L.a(3), "a"), "TE", "str")
case("cat", "concat-alias-dims", lambda L: L.m.concat([L.a(2), L.a(2, 1)]), "RE", "(2, 1)")
case("cat", "concatenate-alias-0d", lambda L: L.m.concatenate([L.t(1.0), L.t(2.0)]), "RE", "zero-dimensional")
case("transpose", "swapaxes-oob", lambda L: L.m.swapaxes(L.a(2, 3), 0, 2),
     "IE", "2", names=("swapaxes", "transpose"))
case("expand", "expand_as", lambda L: L.a(2).expand_as(L.a(3)), "RE", "(3)")
case("sub", "rsub-ragged", lambda L: [[1.0], [2.0, 3.0]] - L.a(2), "VE", "list", names=("sub", "rsub"))
case("div", "rdiv-shapes", lambda L: np.ones((3, 2)) / L.a(2, 3), "VE", "(3, 2)", names=("div", "rdiv"))
case("pow", "rpow-complex", lambda L: 1j ** L.a(2), "TE!", "complex", names=("pow", "rpow"))
case("add_", "sub_-shapes", lambda L: L.a(3).sub_(L.a(2)), "RE", "(2,)", names=("sub_",))
case("div_", "int-tensor", lambda L: L.a(3, dt="i64").div_(2), "RE", "int64")
case("zero_", "requires-grad", lambda L: L.a(3, rg=True).zero_(), "RE", "in-place", names=("fill_", "zero_"))
case("astype", "bad-dtype", lambda L: L.a(3).astype("float33") if L.kind == "tg" else L.a(3).to("float33"),
     "TE",
     "float33", names=("dtype",))
case("cast", "bad-dtype", lambda L: L.m.cast(L.a(3), "float33") if L.kind == "tg" else L.a(3).to("float33"),
     "TE",
     "float33", names=("dtype",))
case("numpy", "requires-grad", lambda L: L.a(3, rg=True).numpy(), "RE", "detach")
case("long", "strided-read-only", lambda L: [L.nc(2, 3).long(), L.ro(3).type(L.dtype("f64"))], "ok")
case("register_hook", "no-grad", lambda L: L.a(3).register_hook(lambda g: g), "RE", "require")
case("retain_grad", "no-grad", lambda L: L.a(3).retain_grad(), "RE", "requires_grad")
case("mT", "1d", lambda L: L.a(3).mT, "IE#", "-2", names=("transpose",))
case("T", "3d", lambda L: L.a(2, 3, 4, rg=True).T, "ok")
case("equal", "eq-ne-ge-gt-le-lt", lambda L: [f(L.a(2, 3), L.a(3)) for f in (
    L.Tensor.eq, L.Tensor.ne, L.Tensor.ge, L.Tensor.gt, L.Tensor.le, L.Tensor.lt)], "ok")
case("logical_not", "float",
     lambda L: [L.a(3).logical_not(), L.a(3).logical_or(L.a(3)), L.a(3, dt="i64").isnan(),
                L.special().isinf(), L.special().isfinite()], "ok")
case("tolist", "strided", lambda L: L.m.tensor(L.nc(2, 3).tolist()), "ok")
case("detach_", "then-in-place", lambda L: (L.a(3, rg=True) * 2).detach_().mul_(2), "ok")
case("double", "int", lambda L: [L.a(3, dt="i64").double(), L.a(3).cpu(), L.a(0, 2).nelement()], "ok")
for name in ("empty_like", "full_like", "rand_like", "randn_like"):
    args = (1.0,) if name == "full_like" else ()
    case(name, "list", lambda L, n=name, a=args: getattr(L.m, n)([1.0], *a), "TE", "list")
case("rand_like", "int", lambda L: L.m.rand_like(L.a(3, dt="i64")), "RE", "int64")
case("full_like", "str-fill", lambda L: L.m.full_like(L.a(3), "a"),
     "VE", "'a'", names=("full_like", "could not"))

# layers not met above
case("AdaptiveAvgPool2d", "2d-input", lambda L: L.nn.AdaptiveAvgPool2d(2)(L.a(4, 4)), "RE", "(4, 4)",
     names=("adaptive_avg_pool2d",))
case("AvgPool1d", "kernel-too-big", lambda L: L.nn.AvgPool1d(3)(L.a(1, 1, 2)),
     "RE", "(1, 1, 2)", names=("avg_pool1d",))
case("MaxPool1d", "kernel-too-big", lambda L: L.nn.MaxPool1d(3)(L.a(1, 1, 2)),
     "RE", "(1, 1, 2)", names=("max_pool1d",))
case("Dropout1d", "4d-input", lambda L: L.nn.Dropout1d(0.5)(L.a(1, 2, 3, 4)), "RE", "(1, 2, 3, 4)",
     names=("dropout1d",))
case("Dropout2d", "1d-input", lambda L: L.nn.Dropout2d(0.5)(L.a(3)), "RE", "(3,)", names=("dropout2d",))
case("Identity", "any-args", lambda L: L.nn.Identity(5, a=1)(L.nc(2, 3, rg=True)), "ok")
case("HuberLoss", "shapes", lambda L: L.nn.HuberLoss()(L.a(2, 3), L.a(3, 2)),
     "RE", "(2, 3)", names=("huber_loss",))
case("L1Loss", "shapes", lambda L: L.nn.L1Loss()(L.a(2, 3), L.a(3, 2)), "RE", "(2, 3)", names=("l1_loss",))
case("SmoothL1Loss", "shapes", lambda L: L.nn.SmoothL1Loss()(L.a(2, 3), L.a(3, 2)), "RE", "(2, 3)",
     names=("smooth_l1_loss",))
case("RNNBase", "mode", lambda L: L.nn.RNNBase("TRANSFORMER", 3, 4), "VE", "TRANSFORMER", names=("mode",))
case("RNNCellBase", "sizes", lambda L: L.nn.LSTMCell(-1, 4), "VE", "-1", names=("input_size", "LSTMCell"))

# schedulers and data utilities not met above
case("MultiStepLR", "unsorted-milestones", lambda L: S(L).MultiStepLR(sgd(L), [3, 1]), "ok")
case("ExponentialLR", "not-optimizer", lambda L: S(L).ExponentialLR(None, 0.9), "TE", "NoneType",
     names=("Optimizer",))
case("LRScheduler", "not-optimizer", lambda L: S(L).LRScheduler([1.0]), "TE", "list", names=("Optimizer",))
case("Dataset", "no-getitem", lambda L: L.data.Dataset()[0],
     "RE", "__getitem__", names=("Dataset", "subclass"))
case("SequentialSampler", "iterates", lambda L: L.m.tensor(list(L.data.SequentialSampler([5, 6, 7]))), "ok")
case("SubsetRandomSampler", "len", lambda L: len(L.data.SubsetRandomSampler([0, 5])), "ok")
case("default_convert", "ndarray", lambda L: L.data.default_convert(np.ones(2)), "ok")
case("IterableDataset", "abstract", lambda L: list(L.data.DataLoader(L.data.IterableDataset())),
     "RE", "__iter__",
     names=("IterableDataset", "abstract"))


# ============================================================ running the table
def _ids(cases):
    return [c.id for c in cases]


def _message_ok(case_: Case, exc: BaseException) -> str | None:
    """Why the error message is not clear enough, or None."""
    msg = str(exc).lower()
    names = case_.extra["names"]
    if not any(n.lower() in msg for n in names):
        return f"message does not name the op ({' or '.join(names)})"
    missing = [m for m in case_.mention if m.lower() not in msg]
    if missing:
        return f"message does not mention {missing}"
    return None


@pytest.mark.parametrize("case_", CASES, ids=_ids(CASES))
def test_bad_input(case_):
    failed = 1
    try:
        want = CODES[case_.want.rstrip("!~#")]
        out = run(case_, "tg")
        if want is None:
            if out.exc is not None:
                raise AssertionError(f"expected the call to work, got {_describe(out)}") from out.exc
        else:
            assert out.exc is not None, f"expected {want.__name__}, but it {_describe(out)}"
            assert isinstance(out.exc, want), (
                f"expected {want.__name__}, got {type(out.exc).__name__}: {out.exc}"
            )
            problem = _message_ok(case_, out.exc)
            assert problem is None, f"{problem}: {type(out.exc).__name__}: {out.exc}"
        failed = 0
    finally:
        record("bad inputs", failed=failed)


# Public names that are attributes or plumbing rather than calls that take arguments.
NOT_CALLS = {"device", "grad", "grad_fn", "is_leaf", "ndim", "requires_grad", "shape", "dtype", "name",
             "data", "index_to_numpy", "cpu", "contiguous", "is_floating_point", "nelement", "numel", "dim",
             "isfinite",
             "isinf", "isnan", "any", "all", "logical_or", "ge", "gt", "le", "lt", "eq", "ne", "Module",
             "Sampler", "BatchSampler", "Parameter"}


def _public_names():
    import inspect

    import tinygrad_edu as tg
    import tinygrad_edu.nn.functional as F

    names = {n for n in dir(tg.ops) if not n.startswith("_") and inspect.isfunction(getattr(tg.ops, n))}
    names |= {n for n in dir(F) if not n.startswith("_") and inspect.isfunction(getattr(F, n))}
    names |= set(tg.optim.__all__) | set(tg.optim.lr_scheduler.__all__) | set(tg.data.__all__)
    names |= {n for n in dir(tg.nn) if isinstance(getattr(tg.nn, n), type)}
    names |= {n for n, f in vars(tg.factories).items()
              if inspect.isfunction(f) and f.__module__ == tg.factories.__name__ and not n.startswith("_")}
    names |= {n for n in dir(tg.Tensor) if not n.startswith("_")}
    return (names | {"save", "load"}) - {"optimizer", "lr_scheduler", "datasets"} - NOT_CALLS


def test_every_public_function_layer_optimizer_and_utility_has_cases():
    import re

    with open(__file__) as f:
        source = f.read()
    named = {c.op for c in CASES} | {n for c in CASES for n in c.extra["names"]}
    # a case names the op, or calls it: L.m.clip(...), x.view(...), getattr(L.optim, "SGD")...
    called = {n for n in _public_names() if re.search(rf"[.\"]{re.escape(n)}\b[(\"]", source)}
    missing = sorted(_public_names() - named - called)
    assert not missing, f"no bad-input case for {missing}"


def _reason(case_: Case) -> str | None:
    for key in ((case_.op, case_.label), (case_.op, "*"), ("*", case_.label)):
        if key in REASONS:
            return REASONS[key]
    return None


def test_every_pytorch_difference_has_a_reason():
    missing = [c.id for c in CASES if c.want[-1] in "!~#" and not _reason(c)]
    assert not missing, f"cells marked !, ~ or # need an entry in REASONS: {missing}"


def _same_values(a, b):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_values(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind == "f":
            tol = 1e-3 if a.dtype == np.float16 else 1e-5
            return np.allclose(a, b, rtol=tol, atol=tol, equal_nan=True)
        return np.array_equal(a, b)
    return a is None and b is None  # neither comparable (a module, an optimizer...)


def _describe(out) -> str:
    if out.exc is not None:
        return f"{type(out.exc).__name__}: {out.exc}"
    r = to_numpy(out.result)
    what = f"{r.dtype} {r.shape}" if isinstance(r, np.ndarray) else type(out.result).__name__
    return f"works: {what}"


@pytest.mark.parametrize("case_", CASES, ids=_ids(CASES))
def test_bad_input_matches_pytorch(case_):
    pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")
    mark = case_.want[-1] if case_.want[-1] in "!~#" else ""
    ours, theirs = run(case_, "tg"), run(case_, "torch")
    works = CODES[case_.want.rstrip("!~#")] is None
    if mark == "!":
        assert (theirs.exc is None) != works, f"marked as differing (!), but PyTorch: {_describe(theirs)}"
        return
    assert (theirs.exc is None) == works, f"table says {case_.want}, PyTorch: {_describe(theirs)}"
    if not works:
        if mark == "#":
            assert isinstance(ours.exc, IndexError) != isinstance(theirs.exc, IndexError), "# but same class"
            return
        assert isinstance(ours.exc, IndexError) == isinstance(theirs.exc, IndexError), (
            f"IndexError exactly where PyTorch raises it: ours {_describe(ours)}; PyTorch {_describe(theirs)}"
        )
        return
    same = _same_values(to_numpy(ours.result), to_numpy(theirs.result))
    same_grads = _same_values(ours.grads, theirs.grads) if ours.grads or theirs.grads else True
    if mark == "~":
        assert not (same and same_grads), "marked as differing from PyTorch (~), but the results agree"
        return
    assert same, f"values differ: ours {to_numpy(ours.result)!r}, PyTorch {to_numpy(theirs.result)!r}"
    assert same_grads, f"gradients differ: ours {ours.grads!r}, PyTorch {theirs.grads!r}"
