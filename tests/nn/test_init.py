"""nn.init: each initialiser's distribution (range, mean, std on a large tensor), fan-in /
fan-out and gains against PyTorch's formulas, in-place semantics, reproducibility under
tg.manual_seed, and nn.Linear's default init against torch's."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn import init
from tinygrad_edu.nn.init import _calculate_fan_in_and_fan_out

N = 200_000  # samples per distribution check: the std of a sample mean is 1/450 of the std


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")


@pytest.fixture(autouse=True)
def _seed():
    tg.manual_seed(0)


def big(shape=(500, 400), dtype=np.float64):
    return Tensor(np.zeros(shape, dtype=dtype))


def test_uniform_range_mean_and_std():
    w = init.uniform_(big(), -2.0, 3.0).data
    assert w.min() >= -2.0 and w.max() < 3.0
    assert w.min() < -1.99 and w.max() > 2.99
    assert w.mean() == pytest.approx(0.5, abs=0.02)
    assert w.std() == pytest.approx(5 / math.sqrt(12), rel=0.01)


def test_uniform_defaults_to_unit_interval():
    w = init.uniform_(big()).data
    assert 0 <= w.min() and w.max() < 1 and w.mean() == pytest.approx(0.5, abs=0.005)


def test_normal_mean_and_std():
    w = init.normal_(big(), mean=1.5, std=0.5).data
    assert w.mean() == pytest.approx(1.5, abs=0.005)
    assert w.std() == pytest.approx(0.5, rel=0.01)


def test_trunc_normal_stays_within_bounds():
    w = init.trunc_normal_(big(), mean=0.0, std=1.0, a=-1.0, b=0.5).data
    assert w.min() >= -1.0 and w.max() <= 0.5
    assert w.min() < -0.99 and w.max() > 0.49


@pytest.mark.parametrize(
    "fill, expected", [(lambda t: init.constant_(t, 0.3), 0.3), (init.zeros_, 0.0), (init.ones_, 1.0)]
)
def test_constant_fills(fill, expected):
    t = Tensor(np.full((3, 4), 9.0, dtype=np.float32))
    fill(t)
    np.testing.assert_array_equal(t.data, np.full((3, 4), expected, dtype=np.float32))


def test_eye():
    t = init.eye_(Tensor(np.zeros((3, 5))))
    np.testing.assert_array_equal(t.data, np.eye(3, 5))
    with pytest.raises(ValueError, match="2-D"):
        init.eye_(Tensor(np.zeros(3)))


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier_uniform_bound_and_std(gain):
    w = init.xavier_uniform_(big((300, 200)), gain=gain).data
    bound = gain * math.sqrt(6 / (200 + 300))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.999 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


def test_xavier_normal_std():
    w = init.xavier_normal_(big((300, 200)), gain=2.0).data
    assert w.std() == pytest.approx(2.0 * math.sqrt(2 / 500), rel=0.01)
    assert abs(w.mean()) < 0.01 * w.std()


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity, a", [("relu", 0), ("leaky_relu", 0.2), ("tanh", 0), ("linear", 0)])
def test_kaiming_uniform_bound(mode, nonlinearity, a):
    shape = (40, 25, 3, 3)  # fan_in = 25*9 = 225, fan_out = 40*9 = 360
    w = init.kaiming_uniform_(big(shape), a=a, mode=mode, nonlinearity=nonlinearity).data
    fan = 225 if mode == "fan_in" else 360
    bound = init.calculate_gain(nonlinearity, a) * math.sqrt(3 / fan)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.999 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


@pytest.mark.parametrize("mode, fan", [("fan_in", 225), ("fan_out", 360)])
def test_kaiming_normal_std(mode, fan):
    w = init.kaiming_normal_(big((40, 25, 3, 3)), mode=mode, nonlinearity="relu").data
    assert w.std() == pytest.approx(math.sqrt(2) / math.sqrt(fan), rel=0.01)


def test_orthogonal_rows_or_columns_are_orthonormal():
    for shape in [(6, 4), (4, 6), (3, 2, 2)]:
        w = init.orthogonal_(Tensor(np.zeros(shape)), gain=2.0).data.reshape(shape[0], -1)
        small = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
        np.testing.assert_allclose(small, 4.0 * np.eye(small.shape[0]), atol=1e-12)


@pytest.mark.parametrize(
    "name, param, expected",
    [("linear", None, 1.0), ("conv2d", None, 1.0), ("sigmoid", None, 1.0), ("tanh", None, 5 / 3),
     ("relu", None, math.sqrt(2)), ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
     ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("selu", None, 0.75)],
)
def test_calculate_gain_values(name, param, expected):
    assert init.calculate_gain(name, param) == pytest.approx(expected, rel=1e-15)


def test_calculate_gain_rejects_unknown_names():
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape, fans", [((3, 5), (5, 3)), ((8, 4, 3), (12, 24)), ((6, 2, 3, 5), (30, 90))])
def test_fan_in_and_fan_out(shape, fans):
    assert _calculate_fan_in_and_fan_out(Tensor(np.zeros(shape))) == fans


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(Tensor(np.zeros(5)))


def test_bad_mode_is_rejected():
    with pytest.raises(ValueError, match="fan_avg"):
        init.kaiming_uniform_(big((3, 3)), mode="fan_avg")


def test_zero_element_tensor_is_a_warned_no_op():
    t = Tensor(np.zeros((0, 3)))
    with pytest.warns(UserWarning, match="zero-element"):
        assert init.kaiming_uniform_(t) is t
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_normal_(t)


def test_init_is_in_place_keeps_dtype_and_returns_the_tensor():
    layer = nn.Linear(3, 4)
    w = layer.weight
    arr = w.data
    out = init.normal_(w)
    assert out is w and w.data is arr and w.dtype == np.float32
    assert w.requires_grad and w.grad_fn is None  # still a leaf: no graph was recorded


def test_init_bumps_the_version_counter():
    t = big((2, 2))
    v = t._version
    init.uniform_(t)
    assert t._version == v + 1


def test_init_rejects_non_tensors():
    with pytest.raises(TypeError, match="expected a Tensor"):
        init.uniform_(np.zeros(3))


def test_manual_seed_makes_init_reproducible():
    def draw():
        t = big((10, 10))
        init.xavier_normal_(t)
        init.kaiming_uniform_(t)
        return t.data.copy()

    tg.manual_seed(42)
    a = draw()
    b = draw()
    tg.manual_seed(42)
    c = draw()
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)


# ---------------------------------------------------------------- PyTorch parity


@pytest.mark.parametrize("shape", [(3, 5), (8, 4, 3), (6, 2, 3, 5), (1, 1)])
def test_fans_match_pytorch(torch, shape):
    ours = _calculate_fan_in_and_fan_out(Tensor(np.zeros(shape)))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))


@pytest.mark.parametrize("name, param", [("linear", None), ("tanh", None), ("relu", None),
                                         ("leaky_relu", None), ("leaky_relu", 0.3), ("selu", None)])
def test_gains_match_pytorch(torch, name, param):
    assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)


@pytest.mark.parametrize(
    "fn, kwargs",
    [("xavier_uniform_", {"gain": 1.5}), ("kaiming_uniform_", {"a": math.sqrt(5)}),
     ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}), ("uniform_", {"a": -0.3, "b": 0.2})],
)
def test_uniform_initialisers_have_pytorch_bounds(torch, fn, kwargs):
    shape = (300, 100, 2)
    ours = getattr(init, fn)(Tensor(np.zeros(shape)), **kwargs).data
    theirs = getattr(torch.nn.init, fn)(torch.zeros(shape, dtype=torch.float64), **kwargs).numpy()
    # 60 000 uniform samples: the extremes are within 0.01% of the true bounds
    assert ours.min() == pytest.approx(theirs.min(), rel=1e-3)
    assert ours.max() == pytest.approx(theirs.max(), rel=1e-3)


@pytest.mark.parametrize("fn, kwargs", [("xavier_normal_", {}), ("kaiming_normal_", {"mode": "fan_out"}),
                                        ("normal_", {"std": 0.02})])
def test_normal_initialisers_have_pytorch_std(torch, fn, kwargs):
    shape = (300, 100, 2)
    ours = getattr(init, fn)(Tensor(np.zeros(shape)), **kwargs).data
    theirs = getattr(torch.nn.init, fn)(torch.zeros(shape, dtype=torch.float64), **kwargs).numpy()
    assert ours.std() == pytest.approx(theirs.std(), rel=0.02)


def test_linear_default_init_has_pytorch_bounds(torch):
    torch.manual_seed(0)
    for n_in, n_out in [(784, 100), (20, 3000)]:
        theirs = torch.nn.Linear(n_in, n_out)
        ours = nn.Linear(n_in, n_out)
        w_t, w_o = theirs.weight.detach().numpy(), ours.weight.data
        assert np.abs(w_o).max() <= 1 / math.sqrt(n_in)
        assert np.abs(w_o).max() == pytest.approx(np.abs(w_t).max(), rel=1e-3)
        assert w_o.std() == pytest.approx(w_t.std(), rel=0.02)
        b_t, b_o = theirs.bias.detach().numpy(), ours.bias.data
        assert np.abs(b_o).max() <= 1 / math.sqrt(n_in) and np.abs(b_t).max() <= 1 / math.sqrt(n_in)
