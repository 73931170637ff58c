"""``optim.Optimizer``: the base class of every optimizer, as ``torch.optim.Optimizer``.

An optimizer holds

* ``param_groups``: a list of dicts, each with ``"params"`` (a list of Tensors) and the
  hyper-parameters for those tensors (``"lr"``, ``"momentum"``...). Options missing from a
  group are filled in from ``defaults``;
* ``state``: a dict keyed by parameter with what the optimizer remembers between steps
  (a step counter, running averages...).

``step()`` changes parameters **in place**: it writes into ``p.data`` (the same numpy array
object, so views and other references see the new values) using ``p.grad``, under
``no_grad``, and never records a graph. Each update bumps the parameter's version
counter, so that autograd notices if a graph saved the old value.

Example::

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, y in loader:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
"""

from __future__ import annotations

import copy
import functools
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..autograd.grad_mode import _set_mode, enable_grad
from ..dtypes import get_default_dtype
from ..tensor import Tensor

__all__ = ["Optimizer"]

# State entries holding one number per parameter rather than one per element. PyTorch
# keeps them as 0-d float32 tensors (float64 when that is the default dtype); so do we,
# so that a step computes with exactly the same rounded values.
_SCALAR_STATE_KEYS = ("step", "mu_product")


def _scalar_state(value: float) -> Tensor:
    dtype = np.float64 if get_default_dtype() == np.float64 else np.float32
    return Tensor(np.array(value, dtype=dtype))


def _record_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a subclass's ``step`` so learning-rate schedulers can tell it was called."""

    @functools.wraps(step)
    def wrapper(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        out = step(self, *args, **kwargs)
        self._opt_called = True
        return out

    wrapper._records_step = True  # type: ignore[attr-defined]
    return wrapper


class Optimizer:
    """Base class of all optimizers: ``Optimizer(params, defaults)``.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs (as
            ``model.named_parameters()`` gives), or of dicts defining parameter groups,
            e.g. ``[{"params": model.body.parameters()}, {"params": head, "lr": 1e-3}]``.
        defaults: the default value of each option, used by groups that do not set it.

    Subclasses either implement ``_update_group(group)``, which the ``step`` below calls
    for every group under ``no_grad``, or override ``step`` itself as in PyTorch.
    """

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__}; pass model.parameters() or [tensor]"
            )
        self.defaults = dict(defaults)
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._opt_called = False  # read by lr schedulers to warn about call order

        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_records_step", False):
            cls.step = _record_step(step)  # type: ignore[method-assign]

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. when unfreezing layers).

        Options the group does not set come from the optimizer's ``defaults``. A parameter
        may belong to one group only: repeating one raises ``ValueError``.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry (the tensors to optimize)")
        group = dict(param_group)  # the caller's dict stays as it was
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)

        names = [p[0] for p in params if isinstance(p, tuple)]
        tensors = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(tensors):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}"
                )
            if not (p.is_leaf or p._retains_grad):
                raise ValueError(
                    "can't optimize a non-leaf Tensor (one computed from others, with a grad_fn); "
                    "optimize the leaf tensors it was computed from"
                )
        group["params"] = tensors

        for name, default in self.defaults.items():
            group.setdefault(name, default)

        # sets compare Tensors by __eq__ (elementwise), so membership goes by identity
        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            raise ValueError(
                "a parameter appears more than once in this parameter group; each step would "
                "update it several times"
            )
        for other in self.param_groups:
            if ("param_names" in group) != ("param_names" in other):
                with_names = "with names" if "param_names" in group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {with_names} to the optimizer"
                )
            if not set(ids).isdisjoint(id(p) for p in other["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # -------------------------------------------------------------------- step
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters.

        ``set_to_none=True`` (default) sets ``p.grad = None``; ``False`` fills the existing
        gradient tensors with zeros. Optimizers skip parameters whose ``.grad`` is ``None``,
        whereas a zero gradient still moves a parameter (through momentum or weight decay).
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                g = p.grad
                if g.grad_fn is not None:
                    g.detach_()  # a gradient from create_graph=True: cut it from its graph
                else:
                    g.requires_grad_(False)
                g.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step and return the closure's loss (or ``None``).

        ``closure`` (optional) re-evaluates the model and returns the loss; it runs with
        grad recording enabled, even when ``step`` is called inside ``no_grad``.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        prev = _set_mode(False)  # no_grad, without a context-manager object (step is per batch)
        try:
            for group in self.param_groups:
                self._update_group(group)
        finally:
            _set_mode(prev)
        self._opt_called = True
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(
            f"{type(self).__name__} must implement step() (or _update_group(group), which "
            "Optimizer.step calls for each parameter group)"
        )

    @staticmethod
    def _params_with_grad(group: dict[str, Any]) -> Iterator[tuple[Tensor, np.ndarray]]:
        """``(param, gradient array)`` for each parameter of ``group`` that has a gradient,
        with the gradient negated when the group maximizes."""
        maximize = group.get("maximize", False)
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad.data
            if g.shape != p.data.shape:
                raise _grad_shape_error(p.data, g)
            yield p, (-g if maximize else g)

    @staticmethod
    def _next_step(state: dict[str, Any]) -> float:
        """Advance the state's step counter and return t (1 at the first step)."""
        step = state["step"].data
        step += 1  # in place: the 0-d array is the one state_dict() hands out
        return float(step)

    # -------------------------------------------------------------- state dict
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's format::

            {"state": {0: {"step": tensor(3.), "exp_avg": tensor([...]), ...}, 1: {...}},
             "param_groups": [{"lr": 0.01, ..., "params": [0, 1]}, ...]}

        Parameters are replaced by their position (counting through the groups in order).
        As in PyTorch the state tensors are shared with the optimizer, not copied: keep a
        snapshot with ``copy.deepcopy(opt.state_dict())`` or save it to a file.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for key, value in self.state.items():
            if isinstance(key, Tensor):
                if id(key) in index:
                    state[index[id(key)]] = value
            else:
                state[key] = value
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state from :meth:`state_dict` (of this or of a same-shaped optimizer).

        Everything is checked before anything changes: a different number of groups, a group
        with a different number of parameters or a state buffer whose shape does not match
        its parameter raise ``ValueError`` and leave the optimizer as it was. The loaded
        values are copied; floating point buffers are cast to their parameter's dtype (the
        scalar counters ``step`` and ``mu_product`` keep their own).
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            got = sorted(map(str, state_dict)) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(
                "load_state_dict: expected a dict with 'state' and 'param_groups' entries "
                f"(from Optimizer.state_dict()), got {got}"
            )
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError(
                "loaded state dict has a different number of parameter groups: "
                f"{len(saved_groups)} in the state dict, {len(groups)} in the optimizer"
            )
        for i, (group, saved) in enumerate(zip(groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of "
                    f"optimizer's group: group {i} has {len(saved['params'])} parameters in the "
                    f"state dict and {len(group['params'])} in the optimizer"
                )

        id_map: dict[Any, Tensor] = {}
        for group, saved in zip(groups, saved_groups):
            id_map.update(zip(saved["params"], group["params"]))
        new_state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key not in id_map and isinstance(key, str) and key.isdigit():
                key = int(key)  # keys written by a text format (JSON) come back as strings
            if key in id_map:
                p = id_map[key]
                new_state[p] = {k: _load_state_value(p, key, k, v) for k, v in value.items()}
            else:
                new_state[key] = copy.deepcopy(value)

        new_groups = []
        for group, saved in zip(groups, saved_groups):
            new_group = copy.deepcopy({k: v for k, v in saved.items() if k != "params"})
            for name, default in self.defaults.items():
                new_group.setdefault(name, default)
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                new_group["param_names"] = group["param_names"]
            new_groups.append(new_group)

        self.state = new_state
        self.param_groups = new_groups
        self._after_load_state_dict()

    def _after_load_state_dict(self) -> None:
        """Hook for subclasses whose options must survive loading (AdamW)."""

    # ------------------------------------------------------------------- repr
    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"


def _grad_shape_error(param: np.ndarray, grad: np.ndarray) -> RuntimeError:
    return RuntimeError(
        f"optimizer step: a parameter of shape {param.shape} has a .grad of shape "
        f"{grad.shape}; gradients must have their parameter's shape"
    )


def _mark_updated(p: Tensor) -> None:
    """Tell autograd that ``p.data`` changed in place (see the version counter in tensor.py):
    a graph that saved the old value then refuses to backward instead of using stale data."""
    p._vc[0] += 1


def _load_state_value(p: Tensor, param_id: Any, key: str, value: Any) -> Any:
    """A copy of one loaded state entry, as a Tensor in the parameter's dtype."""
    if isinstance(value, numbers.Number) and not isinstance(value, bool) and key in _SCALAR_STATE_KEYS:
        return _scalar_state(float(value))  # an old-style plain-number counter
    if isinstance(value, np.ndarray | np.generic):
        value = Tensor(value)
    if isinstance(value, str | bytes):  # would only fail later, deep inside step()
        raise ValueError(
            f"loaded state dict has state {key!r} for parameter {param_id} that is a "
            f"{type(value).__name__} ({value!r:.40}); optimizer state holds tensors and numbers"
        )
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    arr = value.data
    if arr.ndim > 0 and arr.shape != p.data.shape:
        raise ValueError(
            f"loaded state dict has state {key!r} of shape {arr.shape} for parameter {param_id}, "
            f"but that parameter has shape {p.data.shape}"
        )
    # PyTorch casts every entry but "step"; keeping NAdam's mu_product as saved too makes a
    # reloaded optimizer continue bit for bit like the one that was saved
    if key not in _SCALAR_STATE_KEYS and arr.dtype.kind == "f" and p.data.dtype.kind == "f":
        return Tensor(arr, dtype=p.data.dtype)
    return Tensor(arr)


def _check_torch_only_options(name: str, differentiable: bool) -> None:
    """torch's implementation switches (``foreach``, ``fused``, ``capturable``) pick between
    kernels computing the same maths; numpy has one path, so they are accepted and ignored.
    ``differentiable=True`` (a step that records a graph) is a different thing."""
    if differentiable:
        raise NotImplementedError(
            f"{name}: differentiable=True is not supported; tinygrad_edu optimizers update "
            "parameters in place under no_grad"
        )


def check_lr(lr: Any) -> None:
    """A learning rate read from a config file as the string "1e-3" would otherwise fail on
    the ``lr < 0`` check with Python's "'<' not supported between 'str' and 'float'"."""
    if isinstance(lr, bool) or not isinstance(lr, int | float | np.number | Tensor):
        raise TypeError(f"Invalid learning rate: {lr!r} (a {type(lr).__name__}); lr must be a number")
