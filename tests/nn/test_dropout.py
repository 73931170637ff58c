"""Dropout: inverted scaling, the identity in eval mode, statistics of the mask, channel-wise
masks for Dropout1d/2d, the gradient (mask / (1 - p)), reproducibility under
tg.manual_seed, argument checks and PyTorch's reprs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn
from tinygrad_edu.gradcheck import gradcheck
from tinygrad_edu.testing import shapes, tensors

PS = st.floats(0.05, 0.95)


@given(p=PS, x=tensors(shape=shapes(max_dims=3, max_side=5), requires_grad=False,
                       elements=st.floats(0.5, 3.0)))
def test_each_output_is_zero_or_input_scaled_by_inverse_keep_probability(p, x):
    y = F.dropout(x, p).data
    kept = y != 0  # inputs are non-zero, so zeros are exactly the dropped entries
    np.testing.assert_allclose(y[kept], x.data[kept] / (1 - p), rtol=1e-12)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_fraction_dropped_is_p_and_mean_is_preserved(p):
    tg.manual_seed(0)
    y = F.dropout(tg.ones(200_000, dtype=tg.float64), p).data
    # binomial: std of the dropped fraction is sqrt(p(1-p)/n) < 0.0012; 6 sigma margins
    assert np.mean(y == 0) == pytest.approx(p, abs=0.007)
    assert y.mean() == pytest.approx(1.0, abs=0.007 / (1 - p))


def test_gradient_is_the_mask_divided_by_keep_probability():
    tg.manual_seed(1)
    x = Tensor(np.random.default_rng(0).uniform(1, 2, (4, 6)), requires_grad=True)
    y = F.dropout(x, 0.3)
    g = np.random.default_rng(1).standard_normal((4, 6))
    y.backward(Tensor(g))
    mask = (y.data != 0) / 0.7
    np.testing.assert_allclose(x.grad.data, g * mask, rtol=1e-12)


@given(x=tensors(shape=shapes(max_dims=2, max_side=4)), p=PS)
def test_gradient_matches_numerical_for_a_fixed_mask(x, p):
    def fn(t):
        tg.manual_seed(7)  # the same mask at every evaluation, so the function is deterministic
        return F.dropout(t, p)

    assert gradcheck(fn, (x,))


def test_eval_mode_and_training_false_are_the_identity():
    x = tg.randn(3, 4, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    layer = nn.Dropout(0.5)
    layer.eval()
    assert layer(x) is x
    layer.train()
    assert not np.array_equal(layer(tg.ones(1000)).data, np.ones(1000))


def test_model_eval_switches_off_nested_dropout():
    model = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.Dropout(0.9)))
    x = tg.randn(8, 4)
    model.eval()
    np.testing.assert_array_equal(model(x).data, model[0](x).data)


def test_p_zero_is_identity_and_p_one_zeroes_everything_with_zero_gradient():
    x = tg.randn(10, requires_grad=True)
    np.testing.assert_array_equal(F.dropout(x, 0.0).data, x.data)
    y = F.dropout(x, 1.0)
    np.testing.assert_array_equal(y.data, np.zeros(10))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(10))


def test_masks_are_reproducible_with_manual_seed():
    x = tg.ones(50)
    tg.manual_seed(3)
    a = F.dropout(x, 0.5).data
    b = F.dropout(x, 0.5).data
    tg.manual_seed(3)
    c = F.dropout(x, 0.5).data
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    assert F.dropout(Tensor(np.ones(5, dtype=dtype)), 0.5).dtype == dtype


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_probability_outside_unit_interval_raises_value_error(bad):
    with pytest.raises(ValueError, match=f"between 0 and 1, but got {bad}"):
        F.dropout(tg.ones(3), bad)
    for cls in (nn.Dropout, nn.Dropout1d, nn.Dropout2d):
        with pytest.raises(ValueError, match=cls.__name__):
            cls(bad)


def test_probability_must_be_a_number():
    with pytest.raises(TypeError, match="number"):
        nn.Dropout("0.5")


# ---------------------------------------------------------------- channel-wise dropout


def _each_channel_all_or_nothing(y, x, p, channel_axes):
    """Per (n, c) slice: either entirely zero or entirely x / (1 - p)."""
    other = tuple(i for i in range(y.ndim) if i not in channel_axes)
    dropped = np.all(y == 0, axis=other)
    kept = np.all(np.isclose(y, x / (1 - p), rtol=1e-12), axis=other)
    assert np.all(dropped ^ kept)
    return dropped


def test_dropout2d_drops_whole_feature_maps():
    tg.manual_seed(0)
    x = np.random.default_rng(0).uniform(1, 2, (8, 16, 3, 3))
    y = F.dropout2d(Tensor(x), 0.4).data
    dropped = _each_channel_all_or_nothing(y, x, 0.4, (0, 1))
    assert 0 < dropped.mean() < 1


def test_dropout2d_with_3d_input_warns_and_treats_it_as_n_c_l():
    x = np.random.default_rng(0).uniform(1, 2, (4, 6, 5))
    with pytest.warns(UserWarning, match=r"interpreted as shape \(N, C, L\)"):
        y = F.dropout2d(Tensor(x), 0.5).data
    _each_channel_all_or_nothing(y, x, 0.5, (0, 1))


@pytest.mark.parametrize("shape, channel_axes", [((4, 6, 5), (0, 1)), ((6, 5), (0,))])
def test_dropout1d_drops_whole_channels(shape, channel_axes):
    tg.manual_seed(2)
    x = np.random.default_rng(0).uniform(1, 2, shape)
    y = nn.Dropout1d(0.5)(Tensor(x)).data
    _each_channel_all_or_nothing(y, x, 0.5, channel_axes)


def test_dropout1d_rejects_other_ranks():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(tg.ones(2, 3, 4, 5))


def test_channel_dropout_is_identity_in_eval_mode():
    x = tg.randn(2, 3, 4, 4)
    layer = nn.Dropout2d().eval()
    assert layer(x) is x


def test_reprs_match_pytorch_text():
    assert repr(nn.Dropout()) == "Dropout(p=0.5, inplace=False)"
    assert repr(nn.Dropout(0.1, True)) == "Dropout(p=0.1, inplace=True)"
    assert repr(nn.Dropout1d()) == "Dropout1d(p=0.5, inplace=False)"
    assert repr(nn.Dropout2d(0.2)) == "Dropout2d(p=0.2, inplace=False)"
    assert list(nn.Dropout().parameters()) == [] and nn.Dropout().state_dict() == {}


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")


def test_reprs_match_pytorch(torch):
    for args in [(), (0.1,), (0.3, True)]:
        for name in ("Dropout", "Dropout1d", "Dropout2d"):
            assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
