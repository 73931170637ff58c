"""Tests of tinygrad_edu.viz.plots: the numbers behind each picture, and the files written.

The paths must come from the project's optimizers, so they are checked against facts
about those optimizers that hold independently of any implementation (gradient descent
on a quadratic is a geometric sequence; the first Adam and Adagrad steps are lr * sign(g)).
"""

import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim
from tinygrad_edu.viz import plots

pytest.importorskip("matplotlib", reason="matplotlib not installed: pip install 'tinygrad-edu[plot]'")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _is_png(path):
    data = path.read_bytes()
    return len(data) > 1000 and data.startswith(PNG_MAGIC)


# --------------------------------------------------------------------------- smooth


def test_smooth_matches_bias_corrected_weighted_mean():
    values = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]
    w = 0.7
    expected = []
    for t in range(1, len(values) + 1):
        weights = np.array([(1 - w) * w ** (t - k) for k in range(1, t + 1)])
        expected.append(float(weights @ np.array(values[:t]) / weights.sum()))
    assert np.allclose(plots.smooth(values, w), expected, rtol=1e-13)


def test_smooth_first_value_is_unchanged_and_constants_stay_constant():
    # without bias correction the first value would be (1 - w) * v = 0.5
    assert plots.smooth([5.0], 0.9) == [pytest.approx(5.0, rel=1e-14)]
    assert np.allclose(plots.smooth([2.5] * 20, 0.95), 2.5, rtol=1e-13)


def test_smooth_weight_zero_is_identity():
    values = [0.3, -1.0, 7.5]
    assert plots.smooth(values, 0.0) == values


def test_smooth_skips_non_finite_values():
    out = plots.smooth([1.0, float("inf"), 3.0], 0.5)
    assert out[0] == 1.0 and np.isnan(out[1])
    # inf is left out: the third value averages 1 and 3 with weights 0.25, 0.5 over 0.75
    assert out[2] == pytest.approx((0.25 * 1 + 0.5 * 3) / 0.75, rel=1e-14)


@pytest.mark.parametrize("weight", [-0.1, 1.0, 1.5])
def test_smooth_rejects_weight_outside_unit_interval(weight):
    with pytest.raises(ValueError, match="weight"):
        plots.smooth([1.0, 2.0], weight)


# --------------------------------------------------------------------------- 1-D descent


def test_gradient_descent_1d_is_geometric_on_a_parabola():
    xs = plots.gradient_descent_1d(lambda x: x**2, 5.0, lr=0.3, epochs=15)
    x, expected = 5.0, [5.0]
    for _ in range(15):
        x = x - 0.3 * (2 * x)
        expected.append(x)
    assert xs.dtype == np.float64 and xs.shape == (16,)
    assert xs.tolist() == expected
    assert np.allclose(xs, 5 * 0.4 ** np.arange(16), rtol=1e-12)


def test_gradient_descent_1d_with_momentum_follows_the_velocity_recurrence():
    # f(x) = (x - 1)^2 / 2, f'(x) = x - 1; PyTorch's momentum: b_1 = g_1, b_t = mu b + g_t
    xs = plots.gradient_descent_1d(lambda x: (x - 1) ** 2 / 2, 4.0, lr=0.1, epochs=10, momentum=0.9)
    x, b, expected = 4.0, None, [4.0]
    for _ in range(10):
        g = x - 1
        b = g if b is None else 0.9 * b + g
        x = x - 0.1 * b
        expected.append(x)
    assert np.allclose(xs, expected, rtol=1e-13, atol=1e-15)


def test_gradient_descent_1d_rejects_negative_epochs():
    with pytest.raises(ValueError, match="steps"):
        plots.gradient_descent_1d(lambda x: x**2, 1.0, lr=0.1, epochs=-1)


def test_plot_descent_1d_draws_one_panel_per_learning_rate_with_the_red_path(tmp_path):
    lrs = [0.1, 0.9, 1.01]
    path = tmp_path / "descent.png"
    fig = plots.plot_descent_1d(lambda x: x**2, 5.0, lrs, 6, path)
    assert _is_png(path)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == len(lrs)
    for ax, lr in zip(axes, lrs):
        assert f"lr={lr:g}" in ax.get_title()
        red_points = ax.collections[0].get_offsets()
        expected_x = 5.0 * (1 - 2 * lr) ** np.arange(7)
        assert np.allclose(red_points[:, 0], expected_x, rtol=1e-12)
        assert np.allclose(red_points[:, 1], expected_x**2, rtol=1e-12)


def test_plot_paths_1d_titles_report_the_last_point(tmp_path):
    fig = plots.plot_paths_1d(lambda x: x**2, {"a": [2.0, 1.0, 0.5]}, tmp_path / "p.png")
    assert "x_2 = 0.5" in fig.axes[0].get_title()


# --------------------------------------------------------------------------- 2-D gradients


def test_gradient_field_matches_the_analytic_gradient():
    X, Y = np.meshgrid(np.linspace(-2, 2, 7), np.linspace(-1, 3, 5))
    Z, gx, gy = plots.gradient_field(lambda x, y: x**2 * y + tg.sin(x), X, Y)
    assert np.allclose(Z, X**2 * Y + np.sin(X), rtol=1e-14)
    assert np.allclose(gx, 2 * X * Y + np.cos(X), rtol=1e-13, atol=1e-15)
    assert np.allclose(gy, X**2, rtol=1e-13)


def test_gradient_field_of_a_function_ignoring_y_is_zero_along_y():
    X, Y = np.meshgrid([0.0, 1.0], [2.0, 3.0])
    _, gx, gy = plots.gradient_field(lambda x, y: 3 * x, X, Y)
    assert np.array_equal(gx, np.full(X.shape, 3.0)) and np.array_equal(gy, np.zeros(X.shape))


def test_gradient_field_rejects_non_elementwise_functions():
    X, Y = np.meshgrid([0.0, 1.0], [2.0, 3.0])
    with pytest.raises(ValueError, match="elementwise"):
        plots.gradient_field(lambda x, y: (x * y).sum(), X, Y)


@pytest.mark.parametrize("f, minimum", [(plots.rosenbrock, (1.0, 1.0)), (plots.beale, (3.0, 0.5)),
                                        (plots.saddle, (0.0, 0.0))])
def test_test_surfaces_have_zero_gradient_at_their_stationary_point(f, minimum):
    Z, gx, gy = plots.gradient_field(f, np.array([minimum[0]]), np.array([minimum[1]]))
    assert Z[0] == pytest.approx(0.0, abs=1e-12)
    assert gx[0] == pytest.approx(0.0, abs=1e-12) and gy[0] == pytest.approx(0.0, abs=1e-12)


def test_test_surfaces_values_by_formula():
    x, y = 0.3, -1.2
    assert float(plots.rosenbrock(tg.tensor(x), tg.tensor(y)).item()) == pytest.approx(
        (1 - x) ** 2 + 100 * (y - x**2) ** 2, rel=1e-6)
    assert plots.beale(x, y) == pytest.approx(
        (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2, rel=1e-14)
    assert plots.saddle(x, y) == pytest.approx(x * x - y * y, rel=1e-14)


def test_plot_gradient_field_draws_minus_gradient_arrows(tmp_path):
    path = tmp_path / "field.png"
    fig = plots.plot_gradient_field(lambda x, y: x**2 + 3 * y**2, path, (-1, 1), (-1, 1), n=5)
    assert _is_png(path)
    from matplotlib.quiver import Quiver

    (q,) = [c for c in fig.axes[0].collections if isinstance(c, Quiver)]
    X, Y = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    assert np.allclose(q.U, (-2 * X).ravel()) and np.allclose(q.V, (-6 * Y).ravel())


def test_plot_gradient_field_ascent_and_normalized_arrows(tmp_path):
    fig = plots.plot_gradient_field(lambda x, y: x**2 + 3 * y**2, tmp_path / "f.svg", (-1, 1), (-1, 1), n=3,
                                    descent=False, background="none", normalize=True)
    assert (tmp_path / "f.svg").read_text().lstrip().startswith("<?xml")
    q = fig.axes[0].collections[0]
    lengths = np.hypot(q.U, q.V)
    nonzero = lengths > 0
    assert np.allclose(lengths[nonzero], 1.0)
    assert q.U[2] > 0  # (x, y) = (1, -1): the gradient points uphill, towards larger x


def test_plot_gradient_field_rejects_unknown_background():
    with pytest.raises(ValueError, match="background"):
        plots.plot_gradient_field(plots.saddle, None, background="surface")


def test_plot_surface_writes_png_with_path(tmp_path):
    path = tmp_path / "surface.png"
    pts = np.array([[1.0, 1.0], [0.5, 0.5], [0.0, 0.0]])
    fig = plots.plot_surface(lambda x, y: x**2 + y**2, path, n=12, paths={"GD": pts}, labels=("w", "b"))
    assert _is_png(path)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "w" and ax.get_ylabel() == "b"
    (line,) = ax.get_lines()
    xs, ys, zs = line.get_data_3d()
    assert np.allclose(zs, pts[:, 0] ** 2 + pts[:, 1] ** 2)


# --------------------------------------------------------------------------- optimizer paths


def test_first_adam_and_adagrad_steps_are_lr_times_sign_of_gradient():
    start = (-1.5, 2.0)
    # rosenbrock gradient at the start, by hand
    x, y = start
    g = np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    paths = plots.optimizer_trajectories(plots.rosenbrock, start, plots.standard_optimizers(
        {"Adam": 0.05, "Adagrad": 0.05}), steps=1)
    for name in ("Adam", "Adagrad"):
        assert paths[name].shape == (2, 2)
        assert np.allclose(paths[name][1] - paths[name][0], -0.05 * np.sign(g), rtol=1e-6), name


def test_first_rmsprop_step_is_ten_lr_times_sign_of_gradient():
    # v = (1 - 0.99) g^2, so g / sqrt(v) = 10 sign(g)
    paths = plots.optimizer_trajectories(plots.saddle, (0.5, 0.25), plots.standard_optimizers(
        {"RMSprop": 0.01}), steps=1)
    assert np.allclose(paths["RMSprop"][1], [0.5 - 0.1, 0.25 + 0.1], rtol=1e-6)


def test_sgd_trajectory_on_the_saddle_is_geometric():
    lr, k = 0.01, np.arange(51)
    sgd = plots.standard_optimizers({"SGD": lr})
    paths = plots.optimizer_trajectories(plots.saddle, (1.0, 1e-3), sgd, 50)
    assert np.allclose(paths["SGD"][:, 0], (1 - 2 * lr) ** k, rtol=1e-12)
    assert np.allclose(paths["SGD"][:, 1], 1e-3 * (1 + 2 * lr) ** k, rtol=1e-12)


def test_standard_optimizers_are_the_projects_optimizers():
    opts = plots.standard_optimizers(0.02, momentum=0.8)
    assert list(opts) == ["SGD", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adam"]
    p = [tg.zeros(2, requires_grad=True)]
    made = {name: make(p) for name, make in opts.items()}
    assert type(made["SGD"]) is optim.SGD and made["SGD"].defaults["momentum"] == 0
    assert made["Momentum"].defaults["momentum"] == 0.8 and not made["Momentum"].defaults["nesterov"]
    assert made["Nesterov"].defaults["nesterov"]
    assert type(made["Adagrad"]) is optim.Adagrad
    assert type(made["RMSprop"]) is optim.RMSprop
    assert type(made["Adam"]) is optim.Adam
    assert all(o.defaults["lr"] == 0.02 for o in made.values())


def test_standard_optimizers_subset_and_unknown_name():
    assert list(plots.standard_optimizers({"Adam": 0.1, "SGD": 0.5})) == ["SGD", "Adam"]
    with pytest.raises(ValueError, match="Adamw"):
        plots.standard_optimizers({"Adamw": 0.1})


def test_optimizer_trajectories_checks_its_arguments():
    with pytest.raises(ValueError, match="start"):
        plots.optimizer_trajectories(plots.saddle, (1.0, 2.0, 3.0), plots.standard_optimizers(0.1), 1)
    with pytest.raises(TypeError, match="Optimizer"):
        plots.optimizer_trajectories(plots.saddle, (1.0, 2.0), {"bad": lambda params: params}, 1)


def test_plot_trajectories_draws_each_path(tmp_path):
    paths = plots.optimizer_trajectories(plots.beale, (1.0, 1.5), plots.standard_optimizers(
        {"SGD": 1e-3, "Adam": 0.05}), steps=20)
    path = tmp_path / "traj.png"
    fig = plots.plot_trajectories(plots.beale, paths, path, minimum=(3.0, 0.5))
    assert _is_png(path)
    lines = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
    for name, pts in paths.items():
        x, y = lines[name].get_data()
        assert np.array_equal(x, pts[:, 0]) and np.array_equal(y, pts[:, 1])
    lo, hi = fig.axes[0].get_xlim()
    assert lo < min(p[:, 0].min() for p in paths.values()) and hi > 3.0  # box includes the minimum


def test_animate_trajectories_writes_an_animated_gif(tmp_path):
    from PIL import Image

    paths = plots.optimizer_trajectories(plots.saddle, (1.0, 1e-3), plots.standard_optimizers(
        {"SGD": 0.01, "Adam": 0.01}), steps=12)
    out = plots.animate_trajectories(plots.saddle, paths, tmp_path / "sub" / "a.gif", xlim=(-1.5, 1.5),
                                     ylim=(-1, 1), frames=4, fps=5, hold=0.4, dpi=40)
    assert out == tmp_path / "sub" / "a.gif"
    with Image.open(out) as im:
        assert im.format == "GIF"
        # steps 0, 3, 6, 9, 12, each shown 1/5 s; Pillow merges the 2 identical frames that
        # hold the last one (0.4 s at 5 fps) into a longer last frame
        assert im.n_frames == 5
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(im.info["duration"])
    assert durations == [200, 200, 200, 200, 600]


def test_plot_loss_curves_draws_raw_and_smoothed(tmp_path):
    path = tmp_path / "loss.png"
    curves = {"a": [4.0, 2.0, 1.0, 0.5], "b": [3.0, 3.0]}
    fig = plots.plot_loss_curves(curves, path, smooth=0.5, logy=True)
    assert _is_png(path)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    lines = ax.get_lines()
    assert len(lines) == 4  # raw + smoothed per curve
    assert np.allclose(lines[1].get_ydata(), plots.smooth(curves["a"], 0.5))
    assert lines[0].get_alpha() < 1 and lines[1].get_alpha() in (None, 1)


def test_plot_loss_curves_without_smoothing_and_empty_input(tmp_path):
    fig = plots.plot_loss_curves({"a": [1.0, 0.5]}, None, smooth=None)
    assert len(fig.axes[0].get_lines()) == 1
    with pytest.raises(ValueError, match="empty"):
        plots.plot_loss_curves({}, tmp_path / "x.png")


def test_plots_do_not_use_pyplot(tmp_path):
    had_pyplot = "matplotlib.pyplot" in sys.modules
    if had_pyplot:
        import matplotlib.pyplot as plt

        before = plt.get_fignums()
    plots.plot_loss_curves({"a": [1.0, 0.5]}, tmp_path / "l.png")
    if had_pyplot:
        assert plt.get_fignums() == before
    else:
        assert "matplotlib.pyplot" not in sys.modules


def test_missing_matplotlib_names_the_plot_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(ImportError, match=r"tinygrad-edu\[plot\]"):
        plots.plot_loss_curves({"a": [1.0]}, None)
