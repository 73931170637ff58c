"""``optim.Adamax``: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .adam import _check_adam_args
from .optimizer import Optimizer, _check_torch_only_options, _mark_updated, _scalar_state

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2014, section 7), as ``torch.optim.Adamax``.

    For each parameter θ with gradient g; m and u start at zero::

        t ← t + 1
        g ← −g                          if maximize
        g ← g + λ θ                     if weight_decay λ ≠ 0
        m ← β1 m + (1 − β1) g
        u ← max(β2 u, |g| + ε)          (an exponentially weighted infinity norm)
        θ ← θ − γ / (1 − β1^t) · m / u

    Args:
        params: tensors or parameter groups to optimize.
        lr (float): learning rate γ (default 2e-3).
        betas (tuple): (β1, β2) (default (0.9, 0.999)).
        eps (float): ε, which keeps u away from zero (default 1e-8).
        weight_decay (float): L2 penalty λ (default 0).
        maximize (bool): maximize the objective instead of minimizing it.
        foreach, capturable: accepted for compatibility with PyTorch and ignored.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        _check_torch_only_options("Adamax", differentiable)
        defaults = {
            "lr": lr,
            "betas": (float(betas[0]), float(betas[1])),
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        for p, g in self._params_with_grad(group):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["exp_avg"] = Tensor(np.zeros_like(p.data))
                state["exp_inf"] = Tensor(np.zeros_like(p.data))
            t = self._next_step(state)

            if weight_decay != 0:
                g = g + weight_decay * p.data
            m, u = state["exp_avg"].data, state["exp_inf"].data
            m += (1 - beta1) * (g - m)
            u *= beta2
            np.maximum(u, np.abs(g) + eps, out=u)
            p.data -= lr / (1 - beta1**t) * m / u
            _mark_updated(p)
