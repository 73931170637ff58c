"""``optim.Adadelta``: steps scaled by the ratio of running RMS of updates and gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check_torch_only_options, _mark_updated, _scalar_state, check_lr

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), as ``torch.optim.Adadelta``.

    For each parameter θ with gradient g; v and u start at zero::

        g ← −g                          if maximize
        g ← g + λ θ                     if weight_decay λ ≠ 0
        v ← ρ v + (1 − ρ) g²            (running mean of squared gradients)
        Δ = √(u + ε) / √(v + ε) · g
        u ← ρ u + (1 − ρ) Δ²            (running mean of squared updates)
        θ ← θ − γ Δ

    The ratio of the two RMS values gives the update the units of θ, which is why the
    default learning rate is 1.

    Args:
        params: tensors or parameter groups to optimize.
        lr (float): coefficient γ that scales Δ (default 1.0).
        rho (float): decay ρ of the running averages (default 0.9).
        eps (float): ε inside the square roots (default 1e-6).
        weight_decay (float): L2 penalty λ (default 0).
        maximize (bool): maximize the objective instead of minimizing it.
        foreach, capturable: accepted for compatibility with PyTorch and ignored.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_torch_only_options("Adadelta", differentiable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, rho = float(group["lr"]), float(group["rho"])
        eps, weight_decay = float(group["eps"]), float(group["weight_decay"])
        for p, g in self._params_with_grad(group):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["square_avg"] = Tensor(np.zeros_like(p.data))
                state["acc_delta"] = Tensor(np.zeros_like(p.data))
            self._next_step(state)

            if weight_decay != 0:
                g = g + weight_decay * p.data
            v, u = state["square_avg"].data, state["acc_delta"].data
            v *= rho
            v += (1 - rho) * g * g
            delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            u *= rho
            u += (1 - rho) * delta * delta
            p.data -= lr * delta
            _mark_updated(p)
