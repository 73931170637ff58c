"""``optim.Adagrad``: per-element learning rates from the sum of squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check_torch_only_options, _mark_updated, _scalar_state, check_lr

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), as ``torch.optim.Adagrad``.

    For each parameter θ with gradient g; the sum s starts at ``initial_accumulator_value``::

        t ← t + 1
        g ← −g                          if maximize
        g ← g + λ θ                     if weight_decay λ ≠ 0
        γ̃ = γ / (1 + (t − 1) η)         (η: lr_decay)
        s ← s + g²
        θ ← θ − γ̃ g / (√s + ε)

    Elements that keep receiving large gradients get ever smaller steps.

    Args:
        params: tensors or parameter groups to optimize.
        lr (float): learning rate γ (default 1e-2).
        lr_decay (float): learning rate decay η (default 0).
        weight_decay (float): L2 penalty λ (default 0).
        initial_accumulator_value (float): starting value of s (default 0).
        eps (float): ε added to the denominator for numerical stability (default 1e-10).
        maximize (bool): maximize the objective instead of minimizing it.
        foreach, fused: accepted for compatibility with PyTorch and ignored.

    As in PyTorch, the state (``step`` and ``sum``) of every parameter given to the
    constructor exists from the start. A group's own ``initial_accumulator_value`` is
    honoured (PyTorch uses the constructor's value for every group).
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_torch_only_options("Adagrad", differentiable)
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state[p]
        state["step"] = _scalar_state(0.0)
        state["sum"] = Tensor(np.full_like(p.data, group["initial_accumulator_value"]))
        return state

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lr_decay = float(group["lr"]), float(group["lr_decay"])
        eps, weight_decay = float(group["eps"]), float(group["weight_decay"])
        for p, g in self._params_with_grad(group):
            state = self.state[p] if self.state.get(p) else self._init_state(p, group)
            t = self._next_step(state)
            if weight_decay != 0:
                g = g + weight_decay * p.data
            clr = lr / (1 + (t - 1) * lr_decay)
            s = state["sum"].data
            s += g * g
            p.data -= clr * g / (np.sqrt(s) + eps)
            _mark_updated(p)
