"""``optim.RMSprop``: divide the gradient by a running root mean square of its history."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check_torch_only_options, _mark_updated, _scalar_state, check_lr

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture notes; centered form from Graves, 2013), as
    ``torch.optim.RMSprop``.

    For each parameter θ with gradient g; v, ḡ and b start at zero::

        g ← −g                          if maximize
        g ← g + λ θ                     if weight_decay λ ≠ 0
        v ← α v + (1 − α) g²
        if centered:
            ḡ ← α ḡ + (1 − α) g
            d = √(v − ḡ²) + ε           (an estimate of the gradient's standard deviation)
        else:
            d = √v + ε
        if momentum μ > 0:
            b ← μ b + g / d
            θ ← θ − γ b
        else:
            θ ← θ − γ g / d

    Args:
        params: tensors or parameter groups to optimize.
        lr (float): learning rate γ (default 1e-2).
        alpha (float): smoothing constant α (default 0.99).
        eps (float): ε added to the denominator (default 1e-8).
        weight_decay (float): L2 penalty λ (default 0).
        momentum (float): momentum factor μ (default 0).
        centered (bool): normalize by the estimated variance instead of the raw second moment.
        maximize (bool): maximize the objective instead of minimizing it.
        capturable, foreach: accepted for compatibility with PyTorch and ignored.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        _check_torch_only_options("RMSprop", differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
        for p, g in self._params_with_grad(group):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["square_avg"] = Tensor(np.zeros_like(p.data))
            # created on first use, so that a momentum or centering switched on later
            # (OneCycleLR sets momentum) starts from zero instead of failing
            if momentum > 0 and "momentum_buffer" not in state:
                state["momentum_buffer"] = Tensor(np.zeros_like(p.data))
            if group["centered"] and "grad_avg" not in state:
                state["grad_avg"] = Tensor(np.zeros_like(p.data))
            self._next_step(state)

            if weight_decay != 0:
                g = g + weight_decay * p.data
            v = state["square_avg"].data
            v *= alpha
            v += (1 - alpha) * g * g
            if group["centered"]:
                g_avg = state["grad_avg"].data
                g_avg += (1 - alpha) * (g - g_avg)
                d = np.sqrt(v - g_avg * g_avg) + eps
            else:
                d = np.sqrt(v) + eps
            if momentum > 0:
                b = state["momentum_buffer"].data
                b *= momentum
                b += g / d
                p.data -= lr * b
            else:
                p.data -= lr * g / d
            _mark_updated(p)
