"""nn.Linear and F.linear: values against numpy for any number of leading dims, gradients
(first and second order) against central differences, PyTorch's initialisation bounds,
parameters and state dict, dtypes, error messages, and parity with torch.nn.Linear."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import shapes, tensors


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")


@st.composite
def linear_inputs(draw, max_lead_dims=3, max_side=4, requires_grad=True):
    """(x, weight, bias) with x of shape (*lead, in), weight (out, in), bias (out,)."""
    lead = draw(shapes(min_dims=0, max_dims=max_lead_dims, max_side=min(max_side, 3)), label="lead dims")
    n_in = draw(st.integers(1, max_side), label="in_features")
    n_out = draw(st.integers(1, max_side), label="out_features")
    x = draw(tensors(shape=lead + (n_in,), requires_grad=requires_grad))
    w = draw(tensors(shape=(n_out, n_in), requires_grad=requires_grad))
    b = draw(tensors(shape=(n_out,), requires_grad=requires_grad))
    return x, w, b


@given(linear_inputs(requires_grad=False))
def test_linear_matches_numpy_for_any_leading_dims(xwb):
    x, w, b = xwb
    y = F.linear(x, w, b)
    ref = np.einsum("...i,oi->...o", x.data, w.data) + b.data
    assert y.shape == x.shape[:-1] + (w.shape[0],)
    np.testing.assert_allclose(y.data, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(F.linear(x, w).data, ref - b.data, rtol=1e-12, atol=1e-12)


@given(linear_inputs())
def test_linear_grads_match_numerical(xwb):
    assert gradcheck(F.linear, xwb)
    assert gradcheck(lambda x, w: F.linear(x, w), xwb[:2])


@given(linear_inputs(max_lead_dims=1, max_side=2))
def test_linear_second_derivatives_match_numerical(xwb):
    assert gradgradcheck(F.linear, xwb)


def test_linear_with_one_dimensional_weight_gives_a_scalar_per_row():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    w = Tensor(np.array([1.0, -1.0, 2.0]))
    np.testing.assert_array_equal(F.linear(x, w).data, x.data @ w.data)


def test_layer_forward_is_x_times_weight_transposed_plus_bias():
    layer = nn.Linear(4, 3)
    x = tg.randn(2, 5, 4)
    y = layer(x)
    assert y.shape == (2, 5, 3) and y.dtype == np.float32
    ref = x.data @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(y.data, ref, rtol=1e-6, atol=1e-6)


def test_layer_accepts_an_unbatched_vector():
    layer = nn.Linear(3, 2)
    x = tg.randn(3)
    y = layer(x)
    assert y.shape == (2,)
    np.testing.assert_allclose(y.data, layer.weight.data @ x.data + layer.bias.data, rtol=1e-6)


def test_layer_gradients_sum_over_batch():
    layer = nn.Linear(3, 2).double()
    x = Tensor(np.random.default_rng(0).standard_normal((5, 3)))
    g = np.random.default_rng(1).standard_normal((5, 2))
    layer(x).backward(Tensor(g))
    np.testing.assert_allclose(layer.weight.grad.data, g.T @ x.data, rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad.data, g.sum(0), rtol=1e-12)


def test_layer_gradcheck_on_parameters():
    layer = nn.Linear(3, 2).double()
    x = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    assert gradcheck(lambda x_, w, b: F.linear(x_, w, b), (x, layer.weight, layer.bias))


def test_parameters_names_shapes_and_state_dict_keys():
    layer = nn.Linear(4, 3)
    assert [(n, p.shape) for n, p in layer.named_parameters()] == [("weight", (3, 4)), ("bias", (3,))]
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in layer.parameters())


def test_without_bias_the_bias_is_none_and_not_a_parameter():
    layer = nn.Linear(4, 3, bias=False)
    assert layer.bias is None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert list(layer.state_dict()) == ["weight"]
    x = tg.randn(2, 4)
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight.data.T, rtol=1e-6)


def test_extra_repr_text():
    assert repr(nn.Linear(4, 3)) == "Linear(in_features=4, out_features=3, bias=True)"
    assert repr(nn.Linear(4, 3, bias=False)) == "Linear(in_features=4, out_features=3, bias=False)"


def test_default_init_is_uniform_within_one_over_sqrt_fan_in():
    tg.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.data, layer.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.999 * bound  # the whole range is used (120 000 samples)
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)  # std of U(-a, a) is a/sqrt(3)
    assert abs(w.mean()) < 0.01 * bound


def test_init_is_reproducible_with_manual_seed():
    tg.manual_seed(123)
    a = nn.Linear(5, 4)
    tg.manual_seed(123)
    b = nn.Linear(5, 4)
    c = nn.Linear(5, 4)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(b.weight.data, c.weight.data)


def test_reset_parameters_redraws_in_place():
    layer = nn.Linear(3, 3)
    w = layer.weight
    before = w.data.copy()
    layer.reset_parameters()
    assert layer.weight is w and not np.array_equal(before, w.data)


def test_parameter_dtype_follows_default_dtype_and_dtype_argument():
    assert nn.Linear(2, 2).weight.dtype == np.float32
    assert nn.Linear(2, 2, dtype=tg.float64).bias.dtype == np.float64
    old = tg.get_default_dtype()
    try:
        tg.set_default_dtype(np.float64)
        assert nn.Linear(2, 2).weight.dtype == np.float64
    finally:
        tg.set_default_dtype(old)


def test_zero_in_features_gives_the_bias():
    with pytest.warns(UserWarning, match="zero-element"):
        layer = nn.Linear(0, 3)
    y = layer(tg.zeros(2, 0))
    np.testing.assert_array_equal(y.data, np.broadcast_to(np.zeros(3, np.float32), (2, 3)))


def test_wrong_input_width_names_the_layer_and_shapes():
    with pytest.raises(RuntimeError, match=r"Linear: expected input with last dimension 4 \(in_features\), "
                                           r"got shape \(2, 5\)"):
        nn.Linear(4, 3)(tg.zeros(2, 5))
    with pytest.raises(RuntimeError, match=r"linear: expected input with last dimension 4"):
        F.linear(tg.zeros(2, 5), tg.zeros(3, 4))
    with pytest.raises(RuntimeError, match="got shape"):
        nn.Linear(4, 3)(tg.tensor(1.0))


def test_dtype_mismatch_is_an_error_as_in_pytorch():
    with pytest.raises(RuntimeError, match="Linear: input dtype float64 differs from weight dtype float32"):
        nn.Linear(2, 2)(Tensor(np.zeros((1, 2))))
    with pytest.raises(RuntimeError, match="int64"):
        nn.Linear(2, 2)(tg.tensor([[1, 2]]))


def test_weight_replaced_by_a_plain_attribute_is_used():
    # forward reads the parameter store directly; a weight that is no longer a parameter
    # (deleted, then set as a plain tensor attribute, as PyTorch allows) is found too
    layer = nn.Linear(3, 2)
    w = tg.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
    del layer.weight
    layer.weight = w
    x = tg.tensor(np.ones((4, 3), np.float32))
    y = layer(x)
    np.testing.assert_allclose(y.data, np.ones((4, 3)) @ w.data.T + layer.bias.data, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(w.grad.data, np.full((2, 3), 4.0))
    assert [n for n, _ in layer.named_parameters()] == ["bias"]


def test_bad_arguments():
    with pytest.raises(TypeError, match="in_features"):
        nn.Linear(2.5, 3)
    with pytest.raises(TypeError, match="out_features"):
        nn.Linear(2, -1)
    with pytest.raises(TypeError, match="expected input to be a Tensor"):
        nn.Linear(2, 2)([[1.0, 2.0]])
    with pytest.raises(TypeError, match="integer|floating"):
        nn.Linear(2, 2, dtype=tg.int64)


# ---------------------------------------------------------------- PyTorch parity


def test_output_and_gradients_match_pytorch(torch):
    ours = nn.Linear(5, 3, dtype=tg.float64)
    theirs = torch.nn.Linear(5, 3, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(v.data.copy()) for k, v in ours.state_dict().items()})
    x_np = np.random.default_rng(0).standard_normal((2, 4, 5))
    g_np = np.random.default_rng(1).standard_normal((2, 4, 3))

    x = Tensor(x_np, requires_grad=True)
    y = ours(x)
    y.backward(Tensor(g_np))
    tx = torch.tensor(x_np, requires_grad=True)
    ty = theirs(tx)
    ty.backward(torch.tensor(g_np))

    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(ours.bias.grad.data, theirs.bias.grad.numpy(), rtol=1e-13, atol=1e-14)


def test_repr_state_dict_keys_and_shapes_match_pytorch(torch):
    for args in [(4, 3), (4, 3, False), (1, 7)]:
        ours, theirs = nn.Linear(*args), torch.nn.Linear(*args)
        assert repr(ours) == repr(theirs)
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
            k: tuple(v.shape) for k, v in theirs.state_dict().items()
        }
        assert ours.weight.dtype == np.float32 and theirs.weight.dtype == torch.float32


def test_default_init_bounds_match_pytorch(torch):
    torch.manual_seed(0)
    tg.manual_seed(0)
    theirs = torch.nn.Linear(300, 200)
    ours = nn.Linear(300, 200)
    bound = 1 / math.sqrt(300)
    # both are U(-1/sqrt(300), 1/sqrt(300)): the same range (the largest of 60 000 weights
    # is within 0.1% of the bound; of 200 biases, within 10%) and the same std
    for name, rel in (("weight", 0.001), ("bias", 0.1)):
        for w in (getattr(theirs, name).detach().numpy(), getattr(ours, name).data):
            assert (1 - rel) * bound < np.abs(w).max() <= bound
    assert ours.weight.data.std() == pytest.approx(theirs.weight.detach().numpy().std(), rel=0.02)
