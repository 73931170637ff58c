"""Each document example (examples/docNNN_*.py) runs in its fast mode and prints the
document's numbers; the numbers are checked here against independent computations."""

import contextlib
import importlib.util
import io
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib not installed: the examples draw figures")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(name, tmp_path_factory):
    module = _load(name)
    out = tmp_path_factory.mktemp(name)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = module.main(out, fast=True)
    return module, result, buf.getvalue(), out


def _check_figures(result, out):
    assert result["figures"], "the example wrote no figures"
    for path in result["figures"]:
        path = Path(path)
        assert path.parent == out
        data = path.read_bytes()
        assert len(data) > 1000, path
        if path.suffix == ".png":
            assert data.startswith(PNG_MAGIC), path
        elif path.suffix == ".gif":
            assert data[:6] in (b"GIF87a", b"GIF89a"), path


def _roots_of_bumpy_derivative():
    """Stationary points of x^4 - 3x^2 + x: roots of 4x^3 - 6x + 1, sorted."""
    return np.sort(np.roots([4.0, 0.0, -6.0, 1.0]).real)


# --------------------------------------------------------------------------- doc000


@pytest.fixture(scope="module")
def doc000(tmp_path_factory):
    return _run("doc000_gradient_descent", tmp_path_factory)


def test_doc000_iterates_are_the_documents_gd_and_positive(doc000):
    _, result, stdout, _ = doc000
    x, expected = 5.0, [5.0]
    for _ in range(15):  # the document's GD: v = -dfunc(x) * lr; x += v
        x += -(2 * x) * 0.3
        expected.append(x)
    assert result["iterates"] == expected
    assert np.allclose(result["iterates"], 5 * 0.4 ** np.arange(16), rtol=1e-12)
    assert min(result["iterates"]) > 0  # the document's printed signs are wrong
    assert "identical to the document's GD with dfunc(x) = 2x: True" in stdout


def test_doc000_learning_rates_follow_one_minus_two_lr(doc000):
    _, result, _, _ = doc000
    for lr, x15 in result["lr_final"].items():
        assert x15 == pytest.approx(5 * (1 - 2 * lr) ** 15, rel=1e-10)
    assert abs(result["lr_final"][1.01]) > 5  # diverges
    assert result["lr_final"][0.9] < 0  # oscillates around 0


def test_doc000_nonconvex_start_decides_the_minimum(doc000):
    _, result, _, out = doc000
    global_min, _, local_min = _roots_of_bumpy_derivative()
    assert result["local_end"] == pytest.approx(local_min, abs=1e-4)
    assert result["global_end"] == pytest.approx(global_min, abs=1e-4)
    _check_figures(result, out)


# --------------------------------------------------------------------------- doc001


@pytest.fixture(scope="module")
def doc001(tmp_path_factory):
    return _run("doc001_gradient_sgd", tmp_path_factory)


def test_doc001_sgd_reproduces_the_documents_output_exactly(doc001):
    _, result, stdout, _ = doc001
    assert result["sgd"]["w"] == 1.9999999999999998
    assert result["sgd"]["loss"] == 7.888609052210118e-31
    assert result["sgd"]["predict5"] == 9.999999999999998
    assert "Progress: epoch=100, w=1.9999999999999998, loss=7.888609052210118e-31" in stdout
    assert "Predict (after training) input: 5, forward: 9.999999999999998" in stdout


def test_doc001_batch_gd_and_minibatch(doc001):
    _, result, _, _ = doc001
    x, y, w = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 4.0, 6.0, 8.0]), 1.0
    for _ in range(100):  # the document's batch update w -= lr (2/N) sum x (x w - y)
        w -= 0.01 * np.mean(2 * x * (x * w - y))
    assert result["gd"]["w"] == pytest.approx(w, rel=1e-13)
    assert result["gd"]["predict5"] == pytest.approx(5 * w, rel=1e-13)
    assert result["minibatch"]["w"] == pytest.approx(2.0, abs=1e-10)


def test_doc001_autodiff_gradient_field_agrees_with_central_differences(doc001):
    _, result, _, out = doc001
    # (f(x + h/2) - f(x - h/2)) / h is exactly 2x for x^2 up to rounding: about 1e-16 / 1e-4
    assert 0 <= result["max_grad_diff"] < 1e-9
    _check_figures(result, out)


# --------------------------------------------------------------------------- doc002


@pytest.fixture(scope="module")
def doc002(tmp_path_factory):
    return _run("doc002_tanh_softmax_network", tmp_path_factory)


def test_doc002_hand_derived_gradients_equal_autodiff(doc002):
    _, result, _, _ = doc002
    assert result["max_grad_diff"] <= 1e-12


def test_doc002_hand_derived_formula_matches_numerical_differences(doc002):
    module = doc002[0]
    rng = np.random.default_rng(1)
    x, b0 = rng.normal(size=(2, 64)), rng.normal(size=64)
    w1, b1 = rng.normal(size=(64, 10)), rng.normal(size=10)
    y = np.eye(10)[[3, 7]]

    def loss(b0, w1, b1):
        z = np.tanh(x + b0) @ w1 + b1
        s = np.exp(z - z.max(axis=1, keepdims=True))
        s /= s.sum(axis=1, keepdims=True)
        return float(((y - s) ** 2).sum())

    g_b0, g_w1, g_b1 = module.gradients_by_hand(x, y, b0, w1, b1)
    h = 1e-6
    for i in (0, 17, 63):
        e = np.zeros(64)
        e[i] = h
        assert g_b0[i] == pytest.approx((loss(b0 + e, w1, b1) - loss(b0 - e, w1, b1)) / (2 * h), abs=1e-7)
    for i in (0, 9):
        e = np.zeros(10)
        e[i] = h
        assert g_b1[i] == pytest.approx((loss(b0, w1, b1 + e) - loss(b0, w1, b1 - e)) / (2 * h), abs=1e-7)
    e = np.zeros((64, 10))
    e[5, 3] = h
    assert g_w1[5, 3] == pytest.approx((loss(b0, w1 + e, b1) - loss(b0, w1 - e, b1)) / (2 * h), abs=1e-7)


def test_doc002_training_learns_the_digits(doc002):
    _, result, stdout, out = doc002
    history = result["history"]
    assert [h["epoch"] for h in history] == [1, 2, 3, 4]
    assert history[-1]["val_acc"] > history[0]["val_acc"]
    assert result["val_acc"] > 0.8 and result["test_acc"] > 0.8  # chance is 0.1
    assert "validation accuracy" in stdout and "test accuracy" in stdout
    _check_figures(result, out)


# --------------------------------------------------------------------------- doc003


@pytest.fixture(scope="module")
def doc003(tmp_path_factory):
    return _run("doc003_minibatch_momentum", tmp_path_factory)


def test_doc003_sgd_stuck_in_local_minimum_momentum_escapes(doc003):
    _, result, _, _ = doc003
    global_min, _, local_min = _roots_of_bumpy_derivative()
    assert result["sgd_end"] == pytest.approx(local_min, abs=1e-6)
    assert result["momentum_end"] == pytest.approx(global_min, abs=1e-5)


def test_doc003_five_step_loop_reduces_the_loss(doc003):
    _, result, _, _ = doc003
    five = result["five_step"]
    assert five["last_loss"] < 0.5 * five["first_loss"]
    assert five["accuracy"] > 0.75


def test_doc003_surface_descent_and_chain_rule(doc003):
    _, result, _, out = doc003
    w_ls, b_ls = result["least_squares"]
    start_w, start_b = -1.0, 3.5
    # the least-squares line is the minimum of the surface; every optimizer went downhill
    assert w_ls == pytest.approx(2.0, abs=0.3) and b_ls == pytest.approx(1.0, abs=0.3)
    for w, b, loss in result["surface"].values():
        assert np.hypot(w - w_ls, b - b_ls) < np.hypot(start_w - w_ls, start_b - b_ls)
        assert loss > 0
    chain = result["chain_rule"]
    for k in ("W1", "W2", "W3"):
        assert chain["autodiff"][k] == pytest.approx(chain["by_hand"][k], rel=1e-12, abs=1e-15)
    c = np.tanh(0.4)
    b = np.tanh(-1.3 * c)
    assert chain["autodiff"]["W3"] == pytest.approx(0.7 * (1 - b**2) * -1.3 * (1 - c**2), rel=1e-12)
    _check_figures(result, out)


# --------------------------------------------------------------------------- doc004


@pytest.fixture(scope="module")
def doc004(tmp_path_factory):
    return _run("doc004_optimizers", tmp_path_factory)


def test_doc004_writes_animations_and_pictures(doc004):
    from PIL import Image

    _, result, _, out = doc004
    _check_figures(result, out)
    names = {Path(p).name for p in result["figures"]}
    assert {"beale.gif", "beale.png", "saddle.gif", "saddle.png", "digits_loss_curves.png"} <= names
    for gif in ("beale.gif", "saddle.gif"):
        with Image.open(out / gif) as im:
            assert im.n_frames > 3


def test_doc004_saddle_sgd_creeps_adaptive_methods_escape(doc004):
    module, result, _, _ = doc004
    sgd = result["saddle_paths"]["SGD"]
    k = np.arange(len(sgd))
    x0, y0 = module.SADDLE_START
    lr = module.SADDLE_LR
    assert np.allclose(sgd[:, 1], y0 * (1 + 2 * lr) ** k, rtol=1e-12)  # y grows geometrically, slowly
    assert np.allclose(sgd[:, 0], x0 * (1 - 2 * lr) ** k, rtol=1e-12)
    assert result["saddle_escape"]["SGD"] is None
    for name in ("RMSprop", "Adam", "Momentum"):
        assert result["saddle_escape"][name] is not None, name


def test_doc004_every_optimizer_trains_the_digits_mlp(doc004):
    _, result, stdout, _ = doc004
    assert set(result["digits"]) == {"SGD", "Momentum", "Adagrad", "RMSprop", "Adam"}
    for name, r in result["digits"].items():
        assert r["first_loss"] == pytest.approx(np.log(10), abs=0.3), name  # untrained: about ln 10
        assert r["final_loss"] < 0.75 * r["first_loss"], name
        assert r["test_accuracy"] > 0.5, name
        assert f"{name:<9} loss of the last epoch {r['final_loss']:.4f}" in stdout
    for name, (x, y) in result["beale"].items():
        assert np.hypot(x - 3.0, y - 0.5) < np.hypot(1.0 - 3.0, 1.5 - 0.5), name  # closer to the minimum
