"""``optim.NAdam``: Adam with Nesterov momentum."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .adam import _check_adam_args
from .optimizer import Optimizer, _check_torch_only_options, _mark_updated, _scalar_state

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat, 2016), as ``torch.optim.NAdam``.

    For each parameter θ with gradient g; m and v start at zero, the product P at 1::

        t ← t + 1
        g ← −g                          if maximize
        if weight_decay λ ≠ 0:
            θ ← θ (1 − γ λ)             if decoupled_weight_decay
            g ← g + λ θ                 otherwise
        μ_t     = β1 (1 − ½ · 0.96^(t ψ))          (ψ: momentum_decay)
        μ_{t+1} = β1 (1 − ½ · 0.96^((t + 1) ψ))
        P ← P · μ_t                     (P = μ_1 μ_2 ... μ_t)
        m ← β1 m + (1 − β1) g
        v ← β2 v + (1 − β2) g²
        v̂ = v / (1 − β2^t)
        θ ← θ − γ (1 − μ_t) / (1 − P) · g / (√v̂ + ε)
              − γ μ_{t+1} / (1 − P μ_{t+1}) · m / (√v̂ + ε)

    The last line is the Nesterov look-ahead: part of the step uses the current gradient
    and part the momentum that the next step will apply.

    Args:
        params: tensors or parameter groups to optimize.
        lr (float): learning rate γ (default 2e-3).
        betas (tuple): (β1, β2) (default (0.9, 0.999)).
        eps (float): ε added to the denominator (default 1e-8).
        weight_decay (float): λ (default 0).
        momentum_decay (float): ψ (default 4e-3).
        decoupled_weight_decay (bool): decay θ directly, as AdamW does (default False).
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
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        _check_torch_only_options("NAdam", differentiable)
        defaults = {
            "lr": lr,
            "betas": (float(betas[0]), float(betas[1])),
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        psi = float(group["momentum_decay"])
        for p, g in self._params_with_grad(group):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["mu_product"] = _scalar_state(1.0)
                state["exp_avg"] = Tensor(np.zeros_like(p.data))
                state["exp_avg_sq"] = Tensor(np.zeros_like(p.data))
            t = self._next_step(state)

            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    p.data *= 1 - lr * weight_decay
                else:
                    g = g + weight_decay * p.data
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
            prod = state["mu_product"].data
            prod *= mu  # kept in the state's own (float32 by default) precision, as PyTorch
            mu_product = float(prod)

            m, v = state["exp_avg"].data, state["exp_avg_sq"].data
            m += (1 - beta1) * (g - m)
            v *= beta2
            v += (1 - beta2) * g * g
            denom = np.sqrt(v / (1 - beta2**t)) + eps
            p.data -= lr * (1.0 - mu) / (1.0 - mu_product) * g / denom
            p.data -= lr * mu_next / (1.0 - mu_product * mu_next) * m / denom
            _mark_updated(p)
