"""Custom Functions for x**3 shared by the tests: one right, two deliberately wrong."""

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def leaf(values):
    """A float64 leaf that requires grad."""
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


class Cube(tg.autograd.Function):
    """x**3 with the right derivative 3 x^2 (the Cube example of API.md)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * grad


class WrongCube(Cube):
    """x**3 whose backward is off by a factor: returns 2 x^2 instead of 3 x^2."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x**2 * grad


class DetachedCube(Cube):
    """x**3 with a right first derivative whose own derivative is lost (x is detached)."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x.detach() ** 2 * grad
