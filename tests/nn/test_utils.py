"""nn.utils: clip_grad_norm_ (PyTorch's exact rule coef = max_norm / (norm + 1e-6), capped at
1), clip_grad_value_, get_total_norm, parameters_to_vector / vector_to_parameters, checked
against numpy and against torch.nn.utils."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn
from tinygrad_edu.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")


def params_with_grads(shapes, scale=1.0, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    ps = []
    for s in shapes:
        p = nn.Parameter(Tensor(rng.standard_normal(s).astype(dtype)))
        p.grad = Tensor(scale * rng.standard_normal(s).astype(dtype))
        ps.append(p)
    return ps


def np_total_norm(grads, p):
    flat = np.concatenate([g.reshape(-1) for g in grads])
    if p == math.inf:
        return np.abs(flat).max()
    return np.sum(np.abs(flat) ** p) ** (1 / p)


SHAPES = [(3, 4), (4,), (2, 2, 2)]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf"])
@given(scale=st.floats(0.01, 10), max_norm=st.floats(0.1, 5))
def test_clip_grad_norm_follows_pytorch_rule(norm_type, scale, max_norm):
    ps = params_with_grads(SHAPES, scale)
    before = [p.grad.data.copy() for p in ps]
    p_num = math.inf if norm_type == "inf" else norm_type
    total = np_total_norm(before, p_num)

    ret = clip_grad_norm_(ps, max_norm, norm_type=norm_type)

    assert isinstance(ret, Tensor) and ret.shape == ()
    assert ret.item() == pytest.approx(total, rel=1e-12)  # the norm before clipping
    coef = min(max_norm / (total + 1e-6), 1.0)
    for p, g in zip(ps, before):
        np.testing.assert_allclose(p.grad.data, g * coef, rtol=1e-12)
    after = np_total_norm([p.grad.data for p in ps], p_num)
    assert after <= max_norm * (1 + 1e-12)


def test_small_gradients_are_left_unchanged():
    ps = params_with_grads(SHAPES, scale=1e-3)
    before = [p.grad.data.copy() for p in ps]
    clip_grad_norm_(ps, max_norm=100.0)
    for p, g in zip(ps, before):
        np.testing.assert_array_equal(p.grad.data, g)


def test_accepts_a_generator_and_a_single_tensor():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)).double()
    model(Tensor(np.ones((2, 3)))).sum().backward()
    grads = [p.grad.data.copy() for p in model.parameters()]
    total = np_total_norm(grads, 2)
    ret = clip_grad_norm_(model.parameters(), total / 2)  # a generator: must be walked once only
    for p, g in zip(model.parameters(), grads):
        np.testing.assert_allclose(p.grad.data, g * (total / 2) / (total + 1e-6), rtol=1e-12)
    assert ret.item() == pytest.approx(total, rel=1e-12)

    (p,) = params_with_grads([(5,)], scale=10)
    g = p.grad.data.copy()
    assert clip_grad_norm_(p, 1.0).item() == pytest.approx(np.linalg.norm(g), rel=1e-12)
    np.testing.assert_allclose(p.grad.data, g / (np.linalg.norm(g) + 1e-6), rtol=1e-12)


def test_parameters_without_grad_are_skipped():
    ps = params_with_grads(SHAPES)
    ps[1].grad = None
    total = np_total_norm([ps[0].grad.data, ps[2].grad.data], 2)
    assert clip_grad_norm_(ps, 1.0).item() == pytest.approx(total, rel=1e-12)
    assert ps[1].grad is None


def test_no_gradients_at_all_gives_zero_norm():
    assert clip_grad_norm_([], 1.0).item() == 0.0
    assert clip_grad_norm_([nn.Parameter(tg.ones(3))], 1.0).item() == 0.0


def test_total_norm_keeps_the_gradients_dtype():
    ps = params_with_grads(SHAPES, dtype=np.float32)
    assert clip_grad_norm_(ps, 1.0).dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in ps)


def test_non_finite_norm_raises_only_when_asked():
    p = nn.Parameter(tg.ones(3))
    p.grad = Tensor(np.array([1.0, np.inf, 1.0]))
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(p.grad.data, [1.0, np.inf, 1.0])  # untouched after the error
    # PyTorch then scales by max_norm / inf = 0: finite entries become 0, the inf becomes NaN
    assert clip_grad_norm_(p, 1.0).item() == math.inf
    np.testing.assert_array_equal(p.grad.data, [0.0, np.nan, 0.0])


def test_get_total_norm_and_clip_grads_with_norm_compose_to_clip_grad_norm_():
    a, b = params_with_grads(SHAPES, seed=3), params_with_grads(SHAPES, seed=3)
    total = get_total_norm([p.grad for p in a])
    clip_grads_with_norm_(a, 0.5, total)
    assert clip_grad_norm_(b, 0.5).item() == total.item()
    for pa, pb in zip(a, b):
        np.testing.assert_array_equal(pa.grad.data, pb.grad.data)


def test_non_tensors_are_rejected():
    with pytest.raises(TypeError, match="clip_grad_norm_"):
        clip_grad_norm_([np.ones(3)], 1.0)


@given(clip=st.floats(0.01, 3))
def test_clip_grad_value_clamps_each_entry(clip):
    ps = params_with_grads(SHAPES, scale=2)
    before = [p.grad.data.copy() for p in ps]
    assert clip_grad_value_(ps, clip) is None
    for p, g in zip(ps, before):
        np.testing.assert_array_equal(p.grad.data, np.clip(g, -clip, clip))


def test_clip_grad_value_modifies_grads_in_place():
    (p,) = params_with_grads([(4,)], scale=5)
    g = p.grad
    clip_grad_value_([p], 0.1)
    assert p.grad is g and np.abs(g.data).max() <= 0.1


# ---------------------------------------------------------------- vector <-> parameters


def test_parameters_to_vector_concatenates_in_parameter_order():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    v = parameters_to_vector(model.parameters())
    expected = np.concatenate([p.data.reshape(-1) for p in model.parameters()])
    assert v.shape == (2 * 3 + 2 + 2 + 1,)
    np.testing.assert_array_equal(v.data, expected)


def test_parameters_to_vector_is_differentiable():
    ps = [nn.Parameter(Tensor(np.ones((2, 3)))), nn.Parameter(Tensor(np.ones(2)))]
    c = np.arange(8.0)
    (parameters_to_vector(ps) * Tensor(c)).sum().backward()
    np.testing.assert_array_equal(ps[0].grad.data, c[:6].reshape(2, 3))
    np.testing.assert_array_equal(ps[1].grad.data, c[6:])


def test_vector_to_parameters_round_trip():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    shapes = [p.shape for p in model.parameters()]
    new = Tensor(np.arange(11.0, dtype=np.float32))
    vector_to_parameters(new, model.parameters())
    assert [p.shape for p in model.parameters()] == shapes
    np.testing.assert_array_equal(model[0].weight.data, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(model[1].bias.data, [10.0])
    np.testing.assert_array_equal(parameters_to_vector(model.parameters()).data, new.data)


def test_vector_to_parameters_errors():
    ps = [nn.Parameter(tg.zeros(3))]
    with pytest.raises(TypeError, match="expected vec to be a Tensor"):
        vector_to_parameters([1.0, 2.0, 3.0], ps)
    with pytest.raises(RuntimeError, match="vec has 2 elements, but the parameters need 3"):
        vector_to_parameters(tg.zeros(2), ps)
    with pytest.raises(RuntimeError, match="1-D"):
        vector_to_parameters(tg.zeros(3, 1), ps)


# ---------------------------------------------------------------- PyTorch parity


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 0.5, math.inf])
@pytest.mark.parametrize("max_norm", [0.3, 1e3])
def test_clip_grad_norm_matches_pytorch(torch, norm_type, max_norm):
    ours = params_with_grads(SHAPES, scale=3.0)
    theirs = []
    for p in ours:
        t = torch.nn.Parameter(torch.tensor(p.data.copy()))
        t.grad = torch.tensor(p.grad.data.copy())
        theirs.append(t)
    r = clip_grad_norm_(ours, max_norm, norm_type)
    tr = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert r.item() == pytest.approx(tr.item(), rel=1e-13)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-13)


def test_clip_grad_value_and_vectors_match_pytorch(torch):
    ours = params_with_grads(SHAPES, scale=3.0)
    theirs = []
    for p in ours:
        t = torch.nn.Parameter(torch.tensor(p.data.copy()))
        t.grad = torch.tensor(p.grad.data.copy())
        theirs.append(t)
    clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, t in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.data, t.grad.numpy())
    np.testing.assert_array_equal(
        parameters_to_vector(ours).data, torch.nn.utils.parameters_to_vector(theirs).detach().numpy()
    )
