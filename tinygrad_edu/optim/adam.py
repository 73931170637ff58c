"""``optim.Adam`` and ``optim.AdamW``: adaptive moment estimation."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check_torch_only_options, _mark_updated, _scalar_state, check_lr

__all__ = ["Adam", "AdamW"]


def _check_adam_args(lr: float, betas: tuple[float, float], eps: float, weight_decay: float) -> None:
    check_lr(lr)
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014), with the AMSGrad variant, as ``torch.optim.Adam``.

    For each parameter θ with gradient g; m, v and v_max start at zero::

        t ← t + 1
        g ← −g                          if maximize
        if weight_decay λ ≠ 0:
            θ ← θ (1 − γ λ)             if decoupled_weight_decay (this is AdamW)
            g ← g + λ θ                 otherwise (L2 penalty)
        m ← β1 m + (1 − β1) g           (first moment)
        v ← β2 v + (1 − β2) g²          (second moment)
        m̂ = m / (1 − β1^t)              (bias corrections: m and v start at 0)
        if amsgrad:
            v_max ← max(v_max, v)
            v̂ = v_max / (1 − β2^t)
        else:
            v̂ = v / (1 − β2^t)
        θ ← θ − γ m̂ / (√v̂ + ε)

    Args:
        params: tensors or parameter groups to optimize.
        lr (float): learning rate γ (default 1e-3).
        betas (tuple): (β1, β2), the decay rates of m and v (default (0.9, 0.999)).
        eps (float): ε added to the denominator (default 1e-8).
        weight_decay (float): λ (default 0).
        amsgrad (bool): use the running maximum of v (AMSGrad).
        maximize (bool): maximize the objective instead of minimizing it.
        decoupled_weight_decay (bool): shrink θ directly instead of adding λθ to the
            gradient; ``Adam(..., decoupled_weight_decay=True)`` is AdamW.
        foreach, capturable, fused: accepted for compatibility with PyTorch and ignored.

    Example::

        opt = optim.Adam(model.parameters(), lr=1e-3)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        _check_torch_only_options(type(self).__name__, differentiable)
        defaults = {
            "lr": lr,
            "betas": (float(betas[0]), float(betas[1])),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
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
                state["exp_avg_sq"] = Tensor(np.zeros_like(p.data))
            if group["amsgrad"] and "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = Tensor(np.zeros_like(p.data))
            t = self._next_step(state)

            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    p.data *= 1 - lr * weight_decay
                else:
                    g = g + weight_decay * p.data
            m, v = state["exp_avg"].data, state["exp_avg_sq"].data
            m += (1 - beta1) * (g - m)
            v *= beta2
            v += (1 - beta2) * g * g
            if group["amsgrad"]:
                v_max = state["max_exp_avg_sq"].data
                np.maximum(v_max, v, out=v_max)
                v = v_max
            # the bias corrections are folded into two scalars, as PyTorch does
            step_size = lr / (1 - beta1**t)
            denom = np.sqrt(v) / (1 - beta2**t) ** 0.5 + eps
            p.data -= step_size * m / denom
            _mark_updated(p)


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2017): Adam with decoupled weight decay, as
    ``torch.optim.AdamW``.

    For each parameter θ with gradient g; m, v and v_max start at zero::

        t ← t + 1
        g ← −g                          if maximize
        θ ← θ (1 − γ λ)                 (the decay never enters m or v)
        m ← β1 m + (1 − β1) g
        v ← β2 v + (1 − β2) g²
        m̂ = m / (1 − β1^t)
        v̂ = max(v_max, v) / (1 − β2^t)  if amsgrad (v_max keeps that maximum), else v / (1 − β2^t)
        θ ← θ − γ m̂ / (√v̂ + ε)

    Args: as :class:`Adam`, with ``weight_decay`` λ defaulting to 1e-2.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            differentiable=differentiable,
            decoupled_weight_decay=True,
        )

    def _after_load_state_dict(self) -> None:
        # an AdamW stays AdamW whatever the loaded groups say (as in PyTorch)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
