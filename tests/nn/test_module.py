"""nn.Module, nn.Parameter and the containers: registration, traversal and dotted names,
train/eval, zero_grad, buffers, apply, state_dict / load_state_dict (strict and not, and
atomic on failure), dtype casts, copies, hooks, repr; and PyTorch parity of state dict keys,
names and reprs for the same architecture built from the same code."""

import copy
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch not installed: parity tests need it")


def build_net(nn, zeros):
    """One architecture exercising every registration path, written once for both libraries."""

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.register_buffer("scale", zeros(3))
            self.register_buffer("cache", zeros(1), persistent=False)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(self.fc(x)) * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("step", zeros(()))
            self.emb = nn.Embedding(5, 3, padding_idx=0)
            self.blocks = nn.ModuleList([Block(), Block()])
            self.heads = nn.ModuleDict(
                {"cls": nn.Linear(3, 2), "reg": nn.Sequential(nn.Linear(3, 1), nn.Dropout(0.1))}
            )
            self.shared = self.heads["cls"]  # the same module under a second name
            self.temperature = nn.Parameter(zeros(1))
            self.register_parameter("unused", None)
            self.register_buffer("none_buf", None)
            self.add_module("missing", None)

        def forward(self, ids):
            h = self.emb(ids)
            for b in self.blocks:
                h = b(h)
            return self.heads["cls"](h) + self.heads["reg"](h) * self.temperature

    return Net()


def ours_net():
    return build_net(nn, lambda *s: tg.zeros(*s))


class MLP(nn.Module):
    def __init__(self, n_in=4, n_hidden=8, n_out=2):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())


# ---------------------------------------------------------------- registration


def test_assigned_parameters_and_modules_are_registered_but_plain_tensors_are_not():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(tg.zeros(2))
            self.sub = nn.Linear(1, 1)
            self.t = tg.zeros(3)  # a plain attribute
            self.k = 5

    m = M()
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"]
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    assert isinstance(m.t, Tensor) and m.k == 5 and "t" not in m.state_dict()


def test_assignment_before_super_init_is_an_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Bad()


def test_a_parameter_slot_only_takes_parameters_or_none():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'weight'"):
        layer.weight = tg.zeros(2, 2)
    layer.bias = None
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]


def test_reassigning_keeps_the_position_in_state_dict():
    layer = nn.Linear(2, 2)
    layer.weight = nn.Parameter(tg.ones(2, 2))
    assert list(layer.state_dict()) == ["weight", "bias"]
    seq = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 1))
    seq[0] = nn.Linear(1, 1, bias=False)
    assert list(seq.state_dict()) == ["0.weight", "2.weight", "2.bias"]


def test_a_name_moves_between_kinds_when_reassigned():
    m = nn.Module()
    m.x = nn.Parameter(tg.zeros(1))
    m.x = nn.Linear(1, 1)
    assert "x" not in m._parameters and "x" in m._modules
    m.register_buffer("x", tg.ones(1))
    assert "x" not in m._modules and list(m.state_dict()) == ["x"]


def test_delattr_unregisters():
    layer = nn.Linear(2, 2)
    del layer.bias
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'bias'"):
        layer.bias  # noqa: B018


def test_registration_checks_types_and_names():
    m = nn.Module()
    with pytest.raises(TypeError, match="nn.Parameter or None"):
        m.register_parameter("p", tg.zeros(1))
    with pytest.raises(TypeError, match="Tensor or None"):
        m.register_buffer("b", np.zeros(1))
    with pytest.raises(KeyError, match=r'contain "\."'):
        m.register_buffer("a.b", tg.zeros(1))
    with pytest.raises(TypeError, match="not a Module"):
        m.add_module("x", 3)


def test_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(tg.zeros(1))


# ---------------------------------------------------------------- traversal


def test_named_parameters_use_dotted_paths():
    seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [n for n, _ in MLP().named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in MLP().named_parameters(prefix="model")][0] == "model.fc1.weight"
    assert list(MLP().named_parameters(recurse=False)) == []


def test_parameters_are_the_registered_objects():
    m = MLP()
    assert list(m.parameters()) == [m.fc1.weight, m.fc1.bias, m.fc2.weight, m.fc2.bias]
    assert sum(p.numel() for p in m.parameters()) == 4 * 8 + 8 + 8 * 2 + 2


def test_shared_parameters_and_modules_are_listed_once():
    enc, dec = nn.Linear(3, 5), nn.Linear(5, 3)
    dec.weight = nn.Parameter(tg.zeros(3, 5))
    enc.weight = dec.weight  # tied weights share one Parameter object
    model = nn.Sequential(enc, dec, enc)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert len(list(model.modules())) == 3
    assert [n for n, _ in model.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    # state_dict, like PyTorch's, has every name
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]


def test_children_modules_and_named_modules():
    m = MLP()
    assert list(m.children()) == [m.fc1, m.fc2]
    assert [n for n, _ in m.named_children()] == ["fc1", "fc2"]
    assert list(m.modules()) == [m, m.fc1, m.fc2]
    assert [n for n, _ in nn.Sequential(m, nn.ReLU()).named_modules()] == ["", "0", "0.fc1", "0.fc2", "1"]


def test_get_submodule_and_get_parameter():
    net = nn.Sequential(OrderedDict([("body", MLP()), ("act", nn.ReLU())]))
    assert net.get_submodule("body.fc2") is net.body.fc2
    assert net.get_parameter("body.fc1.bias") is net.body.fc1.bias
    with pytest.raises(AttributeError, match="no submodule 'fc3'"):
        net.get_submodule("body.fc3")


# ---------------------------------------------------------------- modes, grads, apply


def test_train_and_eval_propagate_to_every_submodule():
    net = ours_net()
    assert net.eval() is net
    assert all(not m.training for m in net.modules())
    net.blocks.train()
    assert net.blocks[1].fc.training and not net.heads.training
    assert net.train() is net and all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")


def test_zero_grad_sets_to_none_or_zeros():
    m = MLP()
    m(tg.randn(3, 4)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    for p in m.parameters():
        np.testing.assert_array_equal(p.grad.data, np.zeros(p.shape))
        assert p.grad.dtype == p.dtype
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_gradients_accumulate_until_zero_grad():
    m = MLP().double()
    x = Tensor(np.random.default_rng(0).standard_normal((3, 4)))
    m(x).sum().backward()
    first = m.fc1.weight.grad.data.copy()
    m(x).sum().backward()
    np.testing.assert_allclose(m.fc1.weight.grad.data, 2 * first, rtol=1e-12)


def test_requires_grad_false_freezes_parameters():
    m = MLP()
    m.fc1.requires_grad_(False)
    m(tg.randn(2, 4)).sum().backward()
    assert m.fc1.weight.grad is None and m.fc2.weight.grad is not None


def test_apply_visits_children_before_parents_and_returns_self():
    net = nn.Sequential(MLP(), nn.ReLU())
    seen = []
    assert net.apply(lambda mod: seen.append(type(mod).__name__)) is net
    assert seen == ["Linear", "Linear", "MLP", "ReLU", "Sequential"]


def test_apply_for_custom_init():
    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)
            nn.init.zeros_(m.bias)

    m = MLP().apply(init_weights)
    for layer in (m.fc1, m.fc2):
        np.testing.assert_array_equal(layer.weight.data, 0.5)
        np.testing.assert_array_equal(layer.bias.data, 0)


# ---------------------------------------------------------------- buffers


def test_buffers_persistent_or_not():
    m = nn.Module()
    m.register_buffer("mean", tg.zeros(3))
    m.register_buffer("tmp", tg.ones(2), persistent=False)
    assert [n for n, _ in m.named_buffers()] == ["mean", "tmp"]
    assert list(m.state_dict()) == ["mean"]
    assert list(m.parameters()) == []
    m.mean = tg.ones(3)  # re-assigning a buffer keeps it a buffer
    np.testing.assert_array_equal(m.state_dict()["mean"].data, 1)
    with pytest.raises(TypeError, match="buffer 'mean'"):
        m.mean = 3.0


def test_nested_buffer_names_and_none_buffers_are_skipped():
    net = ours_net()
    assert [n for n, _ in net.named_buffers()] == [
        "step", "blocks.0.scale", "blocks.0.cache", "blocks.1.scale", "blocks.1.cache"
    ]
    assert "none_buf" not in net.state_dict() and "blocks.0.cache" not in net.state_dict()


# ---------------------------------------------------------------- state dict


def test_state_dict_values_share_memory_with_the_model():
    m = MLP()
    sd = m.state_dict()
    assert not sd["fc1.weight"].requires_grad  # detached, as in PyTorch
    sd["fc1.weight"].data[...] = 0.25
    np.testing.assert_array_equal(m.fc1.weight.data, 0.25)


def test_load_state_dict_round_trip_copies_values():
    a, b = MLP(), MLP()
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    x = tg.randn(5, 4)
    np.testing.assert_array_equal(a(x).data, b(x).data)
    a.fc1.weight.data[...] = 7.0  # a copy, not an alias
    assert not np.any(b.fc1.weight.data == 7.0)


def test_load_state_dict_keeps_the_models_dtype_and_accepts_arrays():
    m = MLP()
    sd = {k: v.data.astype(np.float64) for k, v in m.state_dict().items()}
    sd["fc2.bias"] = np.array([1.5, -2.0])
    weight = m.fc1.weight
    m.load_state_dict(sd)
    assert m.fc1.weight is weight and weight.dtype == np.float32
    np.testing.assert_array_equal(m.fc2.bias.data, np.array([1.5, -2.0], dtype=np.float32))


def test_non_strict_load_reports_missing_and_unexpected_keys():
    m = MLP()
    sd = dict(m.state_dict())
    del sd["fc2.bias"]
    sd["fc3.weight"] = tg.zeros(1)
    missing, unexpected = m.load_state_dict(sd, strict=False)
    assert missing == ["fc2.bias"] and unexpected == ["fc3.weight"]


def _snapshot(m):
    return {k: v.data.copy() for k, v in m.state_dict().items()}


def test_strict_load_failure_lists_every_problem_and_changes_nothing():
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    before = _snapshot(m)
    sd = {"0.weight": tg.ones(2, 2), "0.bias": tg.ones(2), "1.weight": tg.ones(3, 2), "extra": tg.ones(1)}
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(sd)
    msg = str(info.value)
    assert msg.startswith("Error(s) in loading state_dict for Sequential:")
    assert 'Missing key(s) in state_dict: "1.bias".' in msg
    assert 'Unexpected key(s) in state_dict: "extra".' in msg
    assert "size mismatch for 1.weight: copying a param with shape (3, 2) from checkpoint, " \
           "the shape in current model is (1, 2)." in msg
    for k, v in _snapshot(m).items():  # 0.weight and 0.bias were fine, yet not copied either
        np.testing.assert_array_equal(v, before[k])


def test_shape_mismatch_fails_even_when_not_strict():
    m = MLP()
    before = _snapshot(m)
    sd = dict(m.state_dict())
    sd["fc1.bias"] = tg.zeros(9)
    sd["fc1.weight"] = tg.ones(8, 4)
    with pytest.raises(RuntimeError, match="size mismatch for fc1.bias"):
        m.load_state_dict(sd, strict=False)
    np.testing.assert_array_equal(m.fc1.weight.data, before["fc1.weight"])


def test_load_state_dict_rejects_non_dicts_and_non_numbers():
    m = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="expected a dict"):
        m.load_state_dict([("weight", tg.zeros(1, 1))])
    with pytest.raises(RuntimeError, match='parameter named "weight"'):
        m.load_state_dict({"weight": "abc", "bias": tg.zeros(1)})


def test_state_dict_prefix():
    assert list(MLP().state_dict(prefix="net."))[:2] == ["net.fc1.weight", "net.fc1.bias"]


# ---------------------------------------------------------------- dtypes, copies, hooks, Parameter


def test_double_and_float_cast_parameters_and_buffers_in_place():
    net = ours_net()
    w = net.emb.weight
    net.double()
    assert net.emb.weight is w and all(p.dtype == np.float64 for p in net.parameters())
    assert all(b.dtype == np.float64 for b in net.buffers())
    assert net.to(tg.float32) is net and net.blocks[0].fc.weight.dtype == np.float32


def test_deepcopy_gives_independent_parameters():
    m = MLP()
    c = copy.deepcopy(m)
    assert isinstance(c.fc1.weight, nn.Parameter) and c.fc1.weight.requires_grad
    np.testing.assert_array_equal(c.fc1.weight.data, m.fc1.weight.data)
    m.fc1.weight.data[...] = 0
    assert not np.all(c.fc1.weight.data == 0)


def test_forward_hooks_see_and_may_replace_the_output():
    layer = nn.Linear(2, 2)
    seen = []
    h = layer.register_forward_hook(lambda mod, args, out: seen.append(out.shape) or out * 0)
    y = layer(tg.ones(3, 2))
    assert seen == [(3, 2)] and np.all(y.data == 0)
    h.remove()
    assert not np.all(layer(tg.ones(3, 2)).data == 0)


def test_forward_pre_hook_may_replace_the_input():
    layer = nn.Identity()
    layer.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    np.testing.assert_array_equal(layer(tg.ones(2)).data, [2.0, 2.0])


def test_parameter_is_a_leaf_that_requires_grad_and_shares_memory():
    t = tg.zeros(2, 3)
    p = nn.Parameter(t)
    assert isinstance(p, Tensor) and p.requires_grad and p.is_leaf
    t.data[0, 0] = 5
    assert p.data[0, 0] == 5
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")


def test_custom_module_repr_with_extra_repr_and_children():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(2, 2)

        def extra_repr(self):
            return "scale=2.0"

    assert repr(Scaled()) == (
        "Scaled(\n  scale=2.0\n  (inner): Linear(in_features=2, out_features=2, bias=True)\n)"
    )


# ---------------------------------------------------------------- containers


def test_sequential_runs_modules_in_order():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = tg.randn(5, 3)
    np.testing.assert_array_equal(seq(x).data, seq[2](seq[1](seq[0](x))).data)
    assert len(seq) == 3 and list(seq) == [seq[0], seq[1], seq[2]] and seq[-1] is seq[2]
    with pytest.raises(IndexError, match="out of range"):
        seq[3]


def test_sequential_slicing_keeps_original_names():
    seq = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3))
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail.state_dict()) == ["2.weight", "2.bias"]
    assert tail[1] is seq[2]


def test_sequential_editing_renumbers_like_pytorch():
    seq = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3))
    del seq[1]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    seq.insert(1, nn.Tanh())
    seq.append(nn.Linear(3, 1))
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Linear", "Linear"]
    assert list(seq.state_dict())[-2:] == ["3.weight", "3.bias"]


def test_sequential_from_ordered_dict_uses_the_keys():
    seq = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert list(seq.state_dict()) == ["hidden.weight", "hidden.bias"]
    assert seq.hidden is seq[0]


def test_module_list_registers_and_behaves_like_a_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    layers.extend([nn.Linear(2, 1)])
    layers.insert(0, nn.Identity())
    assert [type(m).__name__ for m in layers] == ["Identity", "Linear", "Linear", "Linear", "ReLU", "Linear"]
    assert list(layers.state_dict())[-2:] == ["5.weight", "5.bias"]
    del layers[0]
    assert list(layers.state_dict())[:2] == ["0.weight", "0.bias"]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    with pytest.raises(IndexError):
        layers[10]


def test_module_list_repr_groups_repeated_modules():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.ReLU(), nn.Linear(2, 2)])
    assert repr(layers) == (
        "ModuleList(\n"
        "  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
        "  (3-4): 2 x ReLU()\n"
        "  (5): Linear(in_features=2, out_features=2, bias=True)\n"
        ")"
    )
    assert repr(nn.ModuleList()) == "ModuleList()"


def test_module_dict_registers_under_its_keys():
    d = nn.ModuleDict({"enc": nn.Linear(2, 3), "dec": nn.Linear(3, 2)})
    assert list(d.keys()) == ["enc", "dec"] and "enc" in d and len(d) == 2
    assert [n for n, _ in d.named_parameters()][:2] == ["enc.weight", "enc.bias"]
    d["act"] = nn.ReLU()
    d.update([("out", nn.Linear(2, 1))])
    assert list(d) == ["enc", "dec", "act", "out"]
    assert isinstance(d.pop("dec"), nn.Linear)
    assert list(d.state_dict()) == ["enc.weight", "enc.bias", "out.weight", "out.bias"]


def test_flatten_and_identity():
    x = tg.randn(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12) and nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Identity(54, unused="x")(x) is x
    assert nn.Unflatten(1, (3, 1))(tg.randn(2, 3)).shape == (2, 3, 1)


def test_a_whole_model_trains_end_to_end():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    x = tg.randn(64, 2)
    y = (x[:, :1] * x[:, 1:])  # a product: not linearly learnable
    losses = []
    for _ in range(150):
        model.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        with tg.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


# ---------------------------------------------------------------- PyTorch parity


def test_names_and_state_dict_keys_match_pytorch(torch):
    ours = ours_net()
    theirs = build_net(torch.nn, lambda *s: torch.zeros(*s))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    for method in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(ours, method)()] == [n for n, _ in getattr(theirs, method)()], method
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == [
        n for n, _ in theirs.named_modules(remove_duplicate=False)
    ]
    assert list(ours.state_dict(prefix="m.")) == list(theirs.state_dict(prefix="m."))


def test_repr_matches_pytorch(torch):
    def sequential(nn):
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))

    assert repr(sequential(nn)) == repr(sequential(torch.nn))
    assert repr(ours_net()) == repr(build_net(torch.nn, lambda *s: torch.zeros(*s)))

    def lists(nn):
        return nn.ModuleList([nn.Sequential(nn.Linear(1, 1), nn.Tanh()) for _ in range(2)] + [nn.Flatten()])

    assert repr(lists(nn)) == repr(lists(torch.nn))


def test_container_editing_matches_pytorch(torch):
    def edit(nn):
        seq = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3), nn.Tanh())
        keys = [list(seq[1:].state_dict())]
        del seq[1]
        seq.insert(1, nn.Linear(2, 2))
        seq.append(nn.Linear(3, 1))
        seq[0] = nn.Linear(1, 2, bias=False)
        keys.append(list(seq.state_dict()))
        del seq[0:2]
        keys.append(list(seq.state_dict()))
        ml = nn.ModuleList([nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 2)])
        ml.insert(0, nn.Linear(2, 2))
        del ml[1]
        ml += [nn.Linear(3, 3)]
        keys.append(list(ml.state_dict()))
        return keys

    assert edit(nn) == edit(torch.nn)


def test_load_state_dict_messages_match_pytorch(torch):
    def failing_load(nn, tensor):
        m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
        sd = dict(m.state_dict())
        del sd["1.bias"]
        sd["extra"] = tensor([1.0])
        try:
            m.load_state_dict(sd)
        except RuntimeError as e:
            return str(e)

    ours, theirs = failing_load(nn, tg.tensor), failing_load(torch.nn, torch.tensor)
    assert ours.replace(" ", "") == theirs.replace(" ", "")  # torch leaves trailing spaces


def test_weights_loaded_from_pytorch_give_the_same_outputs(torch):
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)).double()
    ours = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3))
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-13)
