"""tg.viz.grad_report: norms and update ratios against numpy, and the flags on setups
built to vanish, explode, barely move, jump, or kill their ReLUs."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.viz.report import grad_report, param_snapshot, watch_relus


def mlp(seed=0, sizes=(4, 8, 3)):
    tg.manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers).double()


def data(n=16, d=4, seed=1):
    rng = np.random.default_rng(seed)
    return tg.tensor(rng.normal(size=(n, d))), tg.tensor(rng.normal(size=(n, 3)))


def norm(a):
    return float(np.sqrt(np.sum(np.asarray(a, dtype=np.float64) ** 2)))


def test_norms_equal_numpy_norms_per_named_parameter():
    model = mlp()
    x, y = data()
    ((model(x) - y) ** 2).mean().backward()
    report = grad_report(model)
    names = [n for n, _ in model.named_parameters()]
    assert [r.name for r in report.params] == names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for name, p in model.named_parameters():
        row = report[name]
        assert row.shape == p.shape
        assert row.grad_norm == pytest.approx(np.linalg.norm(p.grad.data.ravel()), rel=1e-12)
        assert row.param_norm == pytest.approx(np.linalg.norm(p.data.ravel()), rel=1e-12)
        assert row.update_ratio is None and row.flags == []


def test_update_ratio_is_measured_from_a_snapshot_taken_before_the_step():
    model = mlp()
    x, y = data()
    opt = optim.SGD(model.parameters(), lr=0.05)
    ((model(x) - y) ** 2).mean().backward()
    grads = {n: p.grad.data.copy() for n, p in model.named_parameters()}
    before = {n: p.data.copy() for n, p in model.named_parameters()}
    snap = param_snapshot(model)
    opt.step()
    report = grad_report(model, prev_params=snap)
    for name in grads:
        # plain SGD moves by lr * g
        expected = 0.05 * np.linalg.norm(grads[name].ravel()) / np.linalg.norm(before[name].ravel())
        assert report[name].update_ratio == pytest.approx(expected, rel=1e-9)
        assert report[name].ratio_source == "measured"
    assert "~" not in str(report)  # nothing estimated


def test_update_ratio_is_estimated_from_the_optimizer_lr():
    model = mlp()
    x, y = data()
    groups = [{"params": model[0].parameters(), "lr": 0.5}, {"params": model[2].parameters()}]
    opt = optim.SGD(groups, lr=0.01)
    ((model(x) - y) ** 2).mean().backward()
    report = grad_report(model, optimizer=opt)
    for name, p in model.named_parameters():
        lr = 0.5 if name.startswith("0.") else 0.01
        expected = lr * np.linalg.norm(p.grad.data.ravel()) / np.linalg.norm(p.data.ravel())
        assert report[name].update_ratio == pytest.approx(expected, rel=1e-12)
    assert "~" in str(report) and "estimated as lr * ||g|| / ||θ||" in str(report)


@pytest.mark.parametrize("lr, flag", [(1e-9, "update too small"), (50.0, "update too large")])
def test_update_ratio_far_from_1e_3_is_flagged(lr, flag):
    model = mlp()
    x, y = data()
    opt = optim.SGD(model.parameters(), lr=lr)
    ((model(x) - y) ** 2).mean().backward()
    snap = param_snapshot(model)
    opt.step()
    report = grad_report(model, prev_params=snap)
    assert all(flag in r.flags for r in report.params)
    assert len(report.flagged) == 4


def test_deep_sigmoid_chain_with_tiny_weights_is_flagged_vanishing():
    tg.manual_seed(0)
    layers = []
    for _ in range(6):
        layers += [nn.Linear(4, 4), nn.Sigmoid()]
    model = nn.Sequential(*layers).double()
    for p in model.parameters():
        p.data = p.data * 1e-3  # each layer multiplies the gradient by about 1e-3 * sigmoid' <= 2.5e-4
    x, _ = data()
    model(x).sum().backward()
    report = grad_report(model)
    first, last = report["0.weight"], report["10.weight"]
    assert first.grad_norm == pytest.approx(norm(model[0].weight.grad.data), rel=1e-12)
    assert first.grad_norm < 1e-7 and "vanishing" in first.flags
    assert last.grad_norm > 1e-3 and last.flags == []
    table = str(report)
    row = next(line for line in table.splitlines() if line.startswith("0.weight"))
    assert row.endswith("vanishing")
    assert "| `0.weight` |" in report.to_markdown() and "**vanishing**" in report.to_markdown()


def test_huge_loss_scale_is_flagged_exploding_and_nan_too():
    model = mlp()
    x, y = data()
    (((model(x) - y) ** 2).mean() * 1e6).backward()
    report = grad_report(model)
    assert all(r.grad_norm > 1e3 and r.flags == ["exploding"] for r in report.params)

    model[0].bias.grad.data[0] = np.nan
    report = grad_report(model)
    assert report["0.bias"].flags == ["exploding (NaN/inf in the gradient)"]
    assert np.isnan(report["0.bias"].grad_norm)


def test_parameter_without_grad_is_flagged_and_dicts_are_accepted():
    w = tg.tensor(np.array([1.0, -2.0]), requires_grad=True)
    unused = tg.tensor(np.array([3.0]), requires_grad=True)
    (w * w).sum().backward()
    report = grad_report({"w": w, "unused": unused})
    assert report["unused"].flags == ["no grad"] and report["unused"].grad_norm is None
    assert report["w"].grad_norm == pytest.approx(np.hypot(2.0, 4.0))


def test_dead_relus_are_counted_and_flagged():
    model = mlp(sizes=(4, 8, 8, 1))
    model[2].bias.data = np.full(8, -100.0)  # second hidden layer: never positive
    x, _ = data(n=32)
    with watch_relus(model) as watch:
        out = model(x)
    out.sum().backward()
    # independent count for the first (healthy) ReLU
    pre = x.data @ model[0].weight.data.T + model[0].bias.data
    dead_first = int(np.sum(np.all(pre <= 0, axis=0)))
    for report in (grad_report(model, relus=watch), grad_report(model)):  # picked up by itself too
        relus = {r.name: r for r in report.relus}
        assert set(relus) == {"1", "3"}
        assert (relus["1"].units, relus["1"].dead) == (8, dead_first)
        assert relus["1"].flags == []
        assert (relus["3"].units, relus["3"].dead, relus["3"].fraction) == (8, 8, 1.0)
        assert relus["3"].flags == ["dead ReLUs"]
        assert "dead ReLUs" in str(report) and "8/8" in str(report)
    # dead units pass no gradient: the layer feeding them gets exactly 0
    assert report["2.weight"].grad_norm == 0.0 and "vanishing" in report["2.weight"].flags


def test_watch_relus_stops_recording_after_the_block():
    model = mlp(sizes=(4, 8, 1))
    x, _ = data()
    with watch_relus(model) as watch:
        model(x)
    counts = dict(watch.counts)
    model[0].bias.data = np.full(8, -100.0)
    model(x)  # outside the block: not recorded
    assert watch.counts == counts and counts["1"][1] < 8


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib not installed (the 'plot' extra)")
    model = mlp()
    x, y = data()
    opt = optim.SGD(model.parameters(), lr=0.1)
    ((model(x) - y) ** 2).mean().backward()
    snap = param_snapshot(model)
    opt.step()
    path = tmp_path / "grads.png"
    report = grad_report(model, prev_params=snap, plot=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(report.figure.axes) == 2  # gradient norms and update ratios
    fig = grad_report(model).plot(tmp_path / "only_norms.png")
    assert len(fig.axes) == 1 and (tmp_path / "only_norms.png").stat().st_size > 1000
