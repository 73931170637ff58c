"""The Optimizer base class and what every optimizer shares: parameter groups, in-place
updates without graphs, zero_grad, closures, state_dict round trips and validation,
dtype preservation, hyper-parameter checks and defaults (against torch.optim)."""

import copy

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, optim

from .helpers import (
    ALL_IDS,
    ALL_OPTIMIZERS,
    assert_trajectories_close,
    need_torch,
    run_ours,
    run_torch,
    synthetic_grads,
)


def make_params(seed=0, shapes=((3, 2), (2,), (4,)), dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [Tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]


def set_grads(params, seed):
    rng = np.random.default_rng(seed)
    for p in params:
        p.grad = Tensor(rng.standard_normal(p.shape).astype(p.dtype))


def train(opt, params, steps, first_seed):
    for i in range(steps):
        set_grads(params, first_seed + i)
        opt.step()
    return [p.data.copy() for p in params]


def snapshot(opt):
    """Everything load_state_dict could change, copied."""
    return copy.deepcopy(
        (
            [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups],
            {id(p): {k: np.array(v.data) for k, v in s.items()} for p, s in opt.state.items()},
        )
    )


def assert_same_snapshot(a, b):
    groups_a, state_a = a
    groups_b, state_b = b
    assert groups_a == groups_b
    assert state_a.keys() == state_b.keys()
    for key in state_a:
        assert state_a[key].keys() == state_b[key].keys()
        for k in state_a[key]:
            np.testing.assert_array_equal(state_a[key][k], state_b[key][k])


# ----------------------------------------------------------------- construction
def test_params_may_be_a_generator_of_tensors():
    model = nn.Sequential(nn.Identity())
    model.w = nn.Parameter(tg.ones(3))
    opt = optim.SGD(model.parameters(), lr=0.1)
    assert len(opt.param_groups) == 1 and opt.param_groups[0]["params"][0] is model.w


def test_named_parameters_record_param_names():
    a, b = make_params(shapes=((2,), (3,)))
    opt = optim.Adam([("a", a), ("b", b)])
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(a), id(b)]
    assert opt.param_groups[0]["param_names"] == ["a", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["a", "b"]


def test_empty_parameter_list_is_rejected():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)


def test_a_single_tensor_is_not_an_iterable_of_params():
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got Tensor"):
        optim.SGD(tg.zeros(2, requires_grad=True), lr=0.1)


def test_a_set_of_params_is_rejected_because_its_order_is_random():
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {tg.zeros(2, requires_grad=True)}}], lr=0.1)


def test_non_tensor_params_are_rejected():
    with pytest.raises(TypeError, match="can only optimize Tensors, but one of the params is ndarray"):
        optim.SGD([np.zeros(2)], lr=0.1)


def test_non_leaf_tensors_are_rejected():
    w = tg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)


def test_parameter_in_two_groups_is_rejected_and_optimizer_unchanged():
    a, b = make_params(shapes=((2,), (3,)))
    opt = optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [b, a]})
    assert len(opt.param_groups) == 1


def test_parameter_twice_in_one_group_is_rejected():
    (a,) = make_params(shapes=((2,),))
    with pytest.raises(ValueError, match="more than once in this parameter group"):
        optim.SGD([a, a], lr=0.1)


def test_add_param_group_fills_in_defaults_and_keeps_its_own_options():
    a, b = make_params(shapes=((2,), (3,)))
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    group = {"params": b, "lr": 0.01}
    opt.add_param_group(group)
    new = opt.param_groups[1]
    assert len(new["params"]) == 1 and new["params"][0] is b
    assert new["lr"] == 0.01 and new["momentum"] == 0.9 and new["nesterov"] is False
    assert set(group) == {"params", "lr"} and group["params"] is b  # the caller's dict is not modified


@pytest.mark.parametrize("name, kwargs", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_groups_with_different_lrs_match_separate_optimizers(name, kwargs):
    cls = getattr(optim, name)
    grouped = make_params(1)
    alone = make_params(1)
    opt = cls([{"params": grouped[:2]}, {"params": grouped[2:], "lr": kwargs["lr"] / 7}], **kwargs)
    opt_a = cls(alone[:2], **kwargs)
    opt_b = cls(alone[2:], **{**kwargs, "lr": kwargs["lr"] / 7})
    for i in range(20):
        set_grads(grouped, i)
        set_grads(alone, i)
        opt.step()
        opt_a.step()
        opt_b.step()
    for p, q in zip(grouped, alone):
        np.testing.assert_array_equal(p.data, q.data)
    assert not np.allclose(make_params(1)[2].data, grouped[2].data)  # the second group did move


@pytest.mark.parametrize("name, kwargs", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_groups_with_different_lrs_match_torch(name, kwargs):
    torch = need_torch()
    ours = make_params(2)
    theirs = [torch.tensor(p.data.copy(), requires_grad=True) for p in ours]
    opt = getattr(optim, name)([{"params": ours[:1]}, {"params": ours[1:], "lr": 0.003}], **kwargs)
    topt = getattr(torch.optim, name)([{"params": theirs[:1]}, {"params": theirs[1:], "lr": 0.003}], **kwargs)
    for i in range(20):
        set_grads(ours, i)
        for p, t in zip(ours, theirs):
            t.grad = torch.tensor(p.grad.data)
        opt.step()
        topt.step()
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------ step
@pytest.mark.parametrize("name, kwargs", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_step_updates_data_in_place_and_bumps_the_version(name, kwargs):
    params = make_params(3)
    arrays = [p.data for p in params]
    versions = [p._version for p in params]
    opt = getattr(optim, name)(params, **kwargs)
    set_grads(params, 0)
    opt.step()
    for p, arr, v in zip(params, arrays, versions):
        assert p.data is arr
        assert p._version > v
        assert p.is_leaf and p.grad_fn is None and p.requires_grad


@pytest.mark.parametrize("name, kwargs", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_step_records_no_graph_even_when_grad_is_enabled(name, kwargs):
    params = make_params(4)
    opt = getattr(optim, name)(params, **kwargs)
    assert tg.is_grad_enabled()
    set_grads(params, 0)
    for p in params:
        p.grad.requires_grad_(True)  # as after backward(create_graph=True)
    opt.step()
    assert tg.is_grad_enabled()
    for p in params:
        assert p.grad_fn is None
        for value in opt.state[p].values():
            assert value.grad_fn is None and not value.requires_grad


def test_step_invalidates_graphs_that_saved_the_old_parameter():
    (p,) = make_params(shapes=((2,),))
    y = (p * p).sum()
    opt = optim.SGD([p], lr=0.1)
    p.grad = Tensor(np.ones(2))
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


@pytest.mark.parametrize("name, kwargs", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_parameters_without_grad_are_skipped(name, kwargs):
    a, b = make_params(5, shapes=((2,), (3,)))
    before = b.data.copy()
    opt = getattr(optim, name)([a, b], **kwargs)
    state_before = {k: np.array(v.data) for k, v in opt.state[b].items()} if b in opt.state else {}
    a.grad = Tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(b.data, before)
    state_after = {k: np.array(v.data) for k, v in opt.state[b].items()} if b in opt.state else {}
    assert state_after.keys() == state_before.keys()  # Adagrad has it from the start, others never
    for k in state_after:
        np.testing.assert_array_equal(state_after[k], state_before[k])


def test_grad_of_the_wrong_shape_is_a_clear_error():
    (p,) = make_params(shapes=((3,),))
    opt = optim.Adam([p])
    p.grad = Tensor(np.ones(()))
    with pytest.raises(RuntimeError, match=r"parameter of shape \(3,\) has a .grad of shape \(\)"):
        opt.step()


def test_closure_runs_with_grad_enabled_and_its_loss_is_returned():
    x = Tensor(np.array([3.0, -1.0]), requires_grad=True)
    opt = optim.SGD([x], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with tg.no_grad():
        loss = opt.step(closure)
    assert float(loss.item()) == 10.0
    np.testing.assert_array_equal(x.data, [3.0 - 0.25 * 6.0, -1.0 + 0.25 * 2.0])
    assert opt.step() is None


def test_zero_grad_sets_grads_to_none_by_default():
    params = make_params()
    opt = optim.SGD(params, lr=0.1)
    set_grads(params, 0)
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_zero_grad_without_set_to_none_zeroes_the_same_grad_tensor():
    params = make_params()
    opt = optim.SGD(params, lr=0.1)
    set_grads(params, 0)
    grads = [p.grad for p in params]
    opt.zero_grad(set_to_none=False)
    for p, g in zip(params, grads):
        assert p.grad is g
        np.testing.assert_array_equal(g.data, np.zeros(p.shape))


def test_zero_grad_detaches_a_grad_that_has_a_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    ((x**3).sum()).backward(create_graph=True)
    assert x.grad.grad_fn is not None
    optim.SGD([x], lr=0.1).zero_grad(set_to_none=False)
    assert x.grad.grad_fn is None and not x.grad.requires_grad
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])


def test_a_zero_grad_still_moves_parameters_through_weight_decay_unlike_none():
    a, b = make_params(shapes=((2,), (2,)))
    a0, b0 = a.data.copy(), b.data.copy()
    opt = optim.SGD([a, b], lr=0.1, weight_decay=0.5)
    a.grad = Tensor(np.zeros(2))
    opt.step()
    np.testing.assert_allclose(a.data, a0 * (1 - 0.1 * 0.5))
    np.testing.assert_array_equal(b.data, b0)


def test_custom_optimizer_overriding_step_works_like_torch():
    class PlainSGD(optim.Optimizer):
        def __init__(self, params, lr):
            super().__init__(params, {"lr": lr})

        @tg.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p -= group["lr"] * p.grad
            return None

    (p,) = make_params(shapes=((2,),))
    start = p.data.copy()
    opt = PlainSGD([p], lr=0.5)
    p.grad = Tensor(np.array([1.0, -2.0]))
    opt.step()
    np.testing.assert_array_equal(p.data, start - 0.5 * np.array([1.0, -2.0]))
    assert opt._opt_called  # what lr schedulers check to warn about call order


def test_base_optimizer_step_must_be_implemented():
    with pytest.raises(NotImplementedError, match="must implement step"):
        optim.Optimizer(make_params(), {"lr": 0.1}).step()


# ------------------------------------------------------------------ state dict
def test_state_dict_uses_pytorch_layout():
    a, b, c = make_params()
    opt = optim.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1)
    set_grads([a, c], 0)  # b has no grad: no state for it
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert [g["lr"] for g in sd["param_groups"]] == [0.1, 0.5]
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(sd["state"]) == {0, 2}
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert isinstance(sd["state"][0]["exp_avg"], Tensor)
    assert sd["state"][0]["exp_avg"].shape == a.shape
    assert float(sd["state"][2]["step"].data) == 1.0


@pytest.mark.parametrize("name, kwargs", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_state_dict_round_trip_continues_identically(name, kwargs):
    cls = getattr(optim, name)
    params = make_params(6)
    opt = cls([{"params": params[:1]}, {"params": params[1:], "lr": kwargs["lr"] / 3}], **kwargs)
    train(opt, params, 10, first_seed=0)
    saved_params = [p.data.copy() for p in params]
    saved = copy.deepcopy(opt.state_dict())
    expected = train(opt, params, 10, first_seed=100)

    fresh = [Tensor(d, requires_grad=True) for d in saved_params]
    opt2 = cls([{"params": fresh[:1]}, {"params": fresh[1:]}], **kwargs)  # group lr comes from the state
    opt2.load_state_dict(saved)
    assert opt2.param_groups[1]["lr"] == kwargs["lr"] / 3
    resumed = train(opt2, fresh, 10, first_seed=100)
    for e, r in zip(expected, resumed):
        np.testing.assert_array_equal(r, e)


def test_load_state_dict_copies_the_values():
    (p,) = make_params(shapes=((2,),))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = Tensor(np.ones(2))
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    opt.load_state_dict(sd)
    sd["state"][0]["momentum_buffer"].data[:] = 123.0
    sd["param_groups"][0]["lr"] = 5.0
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"].data, [1.0, 1.0])
    assert opt.param_groups[0]["lr"] == 0.1


def trained_adam(seed=7):
    params = make_params(seed)
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:]}], lr=0.1)
    train(opt, params, 3, first_seed=seed)
    return opt, params


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda sd: sd["param_groups"].pop(), "different number of parameter groups: 1 in the state dict, 2"),
        (
            lambda sd: sd["param_groups"][0]["params"].pop(),
            "group 0 has 1 parameters in the state dict and 2",
        ),
        (
            lambda sd: sd["state"][1].update(exp_avg=Tensor(np.zeros(5))),
            r"state 'exp_avg' of shape \(5,\) for parameter 1, but that parameter has shape \(2,\)",
        ),
        (lambda sd: sd.pop("state"), "expected a dict with 'state' and 'param_groups'"),
    ],
    ids=["group count", "group size", "buffer shape", "missing key"],
)
def test_failed_load_state_dict_raises_and_leaves_optimizer_unchanged(corrupt, message):
    opt, params = trained_adam()
    other, _ = trained_adam(seed=8)
    sd = copy.deepcopy(other.state_dict())
    sd["param_groups"][0]["lr"] = 0.5  # would change the optimizer if anything were applied
    corrupt(sd)
    before = snapshot(opt)
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(sd)
    assert_same_snapshot(snapshot(opt), before)


def test_load_state_dict_casts_state_to_the_parameter_dtype():
    p64 = make_params(shapes=((3,),))[0]
    opt64 = optim.Adam([p64], lr=0.1)
    train(opt64, [p64], 2, first_seed=0)
    p32 = Tensor(p64.data.astype(np.float32), requires_grad=True)
    opt32 = optim.Adam([p32], lr=0.1)
    opt32.load_state_dict(opt64.state_dict())
    state = opt32.state[p32]
    assert state["exp_avg"].dtype == np.float32 and state["exp_avg_sq"].dtype == np.float32
    assert state["step"].dtype == opt64.state[p64]["step"].dtype  # the counter keeps its dtype
    np.testing.assert_allclose(state["exp_avg"].data, opt64.state[p64]["exp_avg"].data, rtol=1e-6)


def test_load_state_dict_accepts_plain_number_counters_and_string_keys():
    (p,) = make_params(shapes=((2,),))
    opt = optim.NAdam([p])
    sd = {
        "state": {"0": {"step": 4, "mu_product": 0.5, "exp_avg": np.ones(2), "exp_avg_sq": np.ones(2)}},
        "param_groups": [{**optim.NAdam([tg.zeros(1, requires_grad=True)]).defaults, "params": [0]}],
    }
    opt.load_state_dict(sd)
    state = opt.state[p]
    assert isinstance(state["step"], Tensor) and float(state["step"].data) == 4.0
    assert isinstance(state["mu_product"], Tensor) and float(state["mu_product"].data) == 0.5
    np.testing.assert_array_equal(state["exp_avg"].data, [1.0, 1.0])


def test_adamw_stays_decoupled_after_loading_an_adam_state():
    (p,) = make_params(shapes=((2,),))
    adam = optim.Adam([p], weight_decay=0.1)
    opt = optim.AdamW([Tensor(p.data.copy(), requires_grad=True)])
    opt.load_state_dict(adam.state_dict())
    assert opt.param_groups[0]["decoupled_weight_decay"] is True
    assert opt.param_groups[0]["weight_decay"] == 0.1


def to_torch_state(torch, sd):
    return {
        "state": {
            k: {n: torch.tensor(v.data) if isinstance(v, Tensor) else v for n, v in s.items()}
            for k, s in sd["state"].items()
        },
        "param_groups": copy.deepcopy(sd["param_groups"]),
    }


def from_torch_state(sd):
    return {
        "state": {
            k: {n: Tensor(v.detach().numpy().copy()) if hasattr(v, "detach") else v for n, v in s.items()}
            for k, s in sd["state"].items()
        },
        "param_groups": copy.deepcopy(sd["param_groups"]),
    }


@pytest.mark.parametrize("name, kwargs", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_state_dicts_are_interchangeable_with_torch(name, kwargs):
    """Same keys and meaning: a torch state loaded here (and ours loaded into torch)
    continues exactly as the optimizer it came from."""
    torch = need_torch()
    ours = make_params(9)
    theirs = [torch.tensor(p.data.copy(), requires_grad=True) for p in ours]
    opt = getattr(optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs)

    grad_source = make_params(9)  # set_grads fills these; torch gets copies of their grads

    def torch_steps(params, o, first_seed):
        for i in range(8):
            set_grads(grad_source, first_seed + i)
            for t, s in zip(params, grad_source):
                t.grad = torch.tensor(s.grad.data)
            o.step()
        return [t.detach().numpy().copy() for t in params]

    torch_steps(theirs, topt, 0)
    train(opt, ours, 8, first_seed=0)

    # torch -> ours
    mine = [Tensor(t.detach().numpy().copy(), requires_grad=True) for t in theirs]
    opt_from_torch = getattr(optim, name)(mine, **kwargs)
    opt_from_torch.load_state_dict(from_torch_state(topt.state_dict()))
    # ours -> torch
    theirs2 = [torch.tensor(p.data.copy(), requires_grad=True) for p in ours]
    topt_from_ours = getattr(torch.optim, name)(theirs2, **kwargs)
    topt_from_ours.load_state_dict(to_torch_state(torch, opt.state_dict()))

    expected_torch = torch_steps(theirs, topt, 50)
    got_ours = train(opt_from_torch, mine, 8, first_seed=50)
    expected_ours = train(opt, ours, 8, first_seed=50)
    got_torch = torch_steps(theirs2, topt_from_ours, 50)
    for a, b in zip(got_ours, expected_torch):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for a, b in zip(got_torch, expected_ours):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name, kwargs", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_float32_params_and_state_stay_float32(name, kwargs):
    grads = synthetic_grads(11)
    x0 = synthetic_grads(12, steps=1)[0]
    p = Tensor(x0.astype(np.float32), requires_grad=True)
    arr = p.data
    opt = getattr(optim, name)([p], **kwargs)
    for g in grads:
        p.grad = Tensor(g.astype(np.float32))
        opt.step()
    assert p.data is arr and p.dtype == np.float32
    for key, value in opt.state[p].items():
        if key not in ("step", "mu_product"):
            assert value.dtype == np.float32, key
    # float32 rounding only: close to the same run in float64
    np.testing.assert_allclose(p.data, run_ours(name, kwargs, x0, grads)[-1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name, kwargs", ALL_OPTIMIZERS, ids=ALL_IDS)
def test_float32_trajectory_matches_torch_float32(name, kwargs):
    need_torch()
    grads = synthetic_grads(13)
    x0 = synthetic_grads(14, steps=1)[0].astype(np.float32)
    ours = run_ours(name, kwargs, x0, grads)
    assert ours.dtype == np.float32
    assert_trajectories_close(ours, run_torch(name, kwargs, x0, grads), rtol=1e-5, atol=1e-6)


# ------------------------------------------------- options, defaults and repr
INVALID = [
    (optim.SGD, {"lr": -1}, "Invalid learning rate: -1"),
    (optim.SGD, {"lr": 0.1, "momentum": -0.5}, "Invalid momentum value: -0.5"),
    (optim.SGD, {"lr": 0.1, "weight_decay": -1e-3}, "Invalid weight_decay value: -0.001"),
    (optim.Adagrad, {"lr_decay": -1}, "Invalid lr_decay value: -1"),
    (optim.Adagrad, {"initial_accumulator_value": -1}, "Invalid initial_accumulator_value value: -1"),
    (optim.Adagrad, {"eps": -1}, "Invalid epsilon value: -1"),
    (optim.RMSprop, {"alpha": -0.1}, "Invalid alpha value: -0.1"),
    (optim.RMSprop, {"momentum": -0.1}, "Invalid momentum value: -0.1"),
    (optim.Adadelta, {"rho": 1.5}, "Invalid rho value: 1.5"),
    (optim.Adam, {"lr": -0.5}, "Invalid learning rate: -0.5"),
    (optim.Adam, {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    (optim.AdamW, {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    (optim.AdamW, {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    (optim.NAdam, {"momentum_decay": -0.1}, "Invalid momentum_decay value: -0.1"),
    (optim.NAdam, {"betas": (1.2, 0.9)}, "Invalid beta parameter at index 0: 1.2"),
    (optim.Adamax, {"lr": -2.0}, "Invalid learning rate: -2.0"),
]


@pytest.mark.parametrize("cls, kwargs, message", INVALID, ids=[m for _, _, m in INVALID])
def test_invalid_hyperparameters_raise_value_error(cls, kwargs, message):
    with pytest.raises(ValueError, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)")):
        cls(make_params(), **kwargs)


@pytest.mark.parametrize("cls, kwargs, message", INVALID, ids=[m for _, _, m in INVALID])
def test_invalid_hyperparameters_raise_the_same_message_as_torch(cls, kwargs, message):
    torch = need_torch()
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, cls.__name__)([torch.zeros(2, requires_grad=True)], **kwargs)
    assert str(theirs.value) == message


@pytest.mark.parametrize("name", ALL_IDS)
def test_defaults_match_torch(name):
    torch = need_torch()
    ours = getattr(optim, name)(make_params()).param_groups[0]
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).param_groups[0]
    shared = set(ours) - {"params"}
    assert shared <= set(theirs), shared - set(theirs)
    assert {k: ours[k] for k in shared} == {k: theirs[k] for k in shared}


def test_differentiable_steps_are_not_supported_but_torch_speed_flags_are_accepted():
    with pytest.raises(NotImplementedError, match="differentiable=True is not supported"):
        optim.Adam(make_params(), differentiable=True)
    opt = optim.Adam(make_params(), foreach=True, fused=False, capturable=False)
    assert "foreach" not in opt.param_groups[0]


def test_repr_lists_each_group_like_torch():
    a, b = make_params(shapes=((2,), (2,)))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert repr(opt) == (
        "SGD (\n"
        "Parameter Group 0\n"
        "    dampening: 0\n"
        "    lr: 0.1\n"
        "    maximize: False\n"
        "    momentum: 0.9\n"
        "    nesterov: False\n"
        "    weight_decay: 0\n"
        "Parameter Group 1\n"
        "    dampening: 0\n"
        "    lr: 0.5\n"
        "    maximize: False\n"
        "    momentum: 0.9\n"
        "    nesterov: False\n"
        "    weight_decay: 0\n"
        ")"
    )
