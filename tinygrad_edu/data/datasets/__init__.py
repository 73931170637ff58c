"""Ready-made data sets: ``load_digits`` (offline), ``MNIST`` (IDX files, optional download)
and the synthetic ``make_spiral``, ``make_moons``, ``make_regression``."""

from .digits import load_digits
from .mnist import MNIST, read_idx
from .synthetic import make_moons, make_regression, make_spiral

__all__ = ["MNIST", "load_digits", "make_moons", "make_regression", "make_spiral", "read_idx"]
