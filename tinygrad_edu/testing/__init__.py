"""Property-based testing helpers for your own tinygrad_edu code (needs ``hypothesis``).

    from hypothesis import strategies as st
    from tinygrad_edu.testing import tensors, shapes, broadcastable_shapes, check_gradients

    def test_my_layer_gradients():
        check_gradients(lambda x: my_layer(x).sum(), tensors(shape=(4, 3)))
"""

from .strategies import broadcastable_shapes, check_gradients, shapes, tensors

__all__ = ["broadcastable_shapes", "check_gradients", "shapes", "tensors"]
