"""load_digits and the synthetic data sets (make_spiral, make_moons, make_regression)."""

import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.data.datasets import load_digits, make_moons, make_regression, make_spiral


# ---------------------------------------------------------------- load_digits
def test_load_digits_is_sklearns_digits_scaled_to_unit_interval():
    sklearn_datasets = pytest.importorskip(
        "sklearn.datasets", reason="scikit-learn not installed: load_digits needs it"
    )
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    ref = sklearn_datasets.load_digits()
    np.testing.assert_array_equal(X.numpy(), (ref.data / 16.0).astype(np.float32))
    np.testing.assert_array_equal(y.numpy(), ref.target)
    assert X.numpy().min() == 0.0 and X.numpy().max() == 1.0
    assert set(y.numpy().tolist()) == set(range(10))


def test_load_digits_n_class_keeps_only_small_digits():
    pytest.importorskip("sklearn", reason="scikit-learn not installed: load_digits needs it")
    X, y = load_digits(n_class=3)
    assert set(y.numpy().tolist()) == {0, 1, 2}
    assert X.shape == (len(y), 64)
    with pytest.raises(ValueError, match="n_class"):
        load_digits(n_class=11)


def test_load_digits_without_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn...` raise ImportError
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'tinygrad-edu\[datasets\]'"):
        load_digits()


# ---------------------------------------------------------------- make_moons
def test_make_moons_matches_sklearn_formula():
    sklearn_datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn not installed")
    for n in (1, 2, 7, 100):
        X, y = make_moons(n, shuffle=False, noise=0.0)
        Xr, yr = sklearn_datasets.make_moons(n, shuffle=False, noise=None)
        np.testing.assert_allclose(X.numpy(), Xr, rtol=0, atol=1e-7)
        np.testing.assert_array_equal(y.numpy(), yr)


@given(n=st.integers(2, 200))
def test_make_moons_points_lie_on_the_two_half_circles(n):
    X, y = make_moons(n, seed=0)
    x = X.numpy().astype(np.float64)
    yy = y.numpy()
    assert X.dtype == np.float32 and y.dtype == np.int64
    assert (yy == 0).sum() == n // 2 and (yy == 1).sum() == n - n // 2
    outer, inner = x[yy == 0], x[yy == 1]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0, atol=1e-6)
    assert (outer[:, 1] >= -1e-6).all()
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0, atol=1e-6)
    assert (inner[:, 1] <= 0.5 + 1e-6).all()


def test_make_moons_shuffle_permutes_rows_and_noise_has_requested_scale():
    Xs, ys = make_moons(50, shuffle=True, seed=1)
    X0, y0 = make_moons(50, shuffle=False)
    rows = lambda X, y: sorted(map(tuple, np.c_[X.numpy(), y.numpy()].tolist()))  # noqa: E731
    assert rows(Xs, ys) == rows(X0, y0)
    assert not np.array_equal(ys.numpy(), y0.numpy())
    Xn, yn = make_moons(4000, shuffle=False, noise=0.1, seed=2)
    Xc, _ = make_moons(4000, shuffle=False)
    resid = (Xn.numpy() - Xc.numpy()).ravel()
    assert abs(resid.std() - 0.1) < 0.005 and abs(resid.mean()) < 0.005


# ---------------------------------------------------------------- make_spiral
def test_make_spiral_arms_have_linear_radius_and_angle():
    n, k = 301, 3
    X, y = make_spiral(n, k, noise=0.0)
    assert X.shape == (n, 2) and X.dtype == np.float32 and y.dtype == np.int64
    x = X.numpy().astype(np.float64)
    counts = [101, 100, 100]
    assert np.bincount(y.numpy()).tolist() == counts
    start = 0
    for c, m in enumerate(counts):
        arm = x[start : start + m]
        np.testing.assert_array_equal(y.numpy()[start : start + m], c)
        np.testing.assert_allclose(np.hypot(arm[:, 0], arm[:, 1]), np.linspace(0, 1, m), atol=1e-6)
        theta = np.linspace(4.0 * c, 4.0 * (c + 1), m)
        np.testing.assert_allclose(arm[:, 0], np.linspace(0, 1, m) * np.sin(theta), atol=1e-6)
        np.testing.assert_allclose(arm[:, 1], np.linspace(0, 1, m) * np.cos(theta), atol=1e-6)
        start += m


def test_make_spiral_noise_perturbs_the_angle_only():
    X, _ = make_spiral(3000, 3, noise=0.2, seed=4)
    Xc, _ = make_spiral(3000, 3, noise=0.0)
    r, rc = np.hypot(*X.numpy().T), np.hypot(*Xc.numpy().T)
    np.testing.assert_allclose(r, rc, atol=1e-6)
    ang = np.arctan2(X.numpy()[:, 0], X.numpy()[:, 1]).astype(np.float64)
    angc = np.arctan2(Xc.numpy()[:, 0], Xc.numpy()[:, 1]).astype(np.float64)
    d = np.angle(np.exp(1j * (ang - angc)))[rc > 0.2]  # angle noise, away from the centre
    assert abs(d.std() - 0.2) < 0.02


def test_synthetic_datasets_are_reproducible_with_seed_and_manual_seed():
    for fn in (lambda **kw: make_spiral(60, **kw), lambda **kw: make_moons(60, noise=0.1, **kw),
               lambda **kw: make_regression(30, 4, noise=1.0, **kw)):
        a, b = fn(seed=3), fn(seed=3)
        np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
        tg.manual_seed(9)
        c = fn()
        tg.manual_seed(9)
        d = fn()
        np.testing.assert_array_equal(c[0].numpy(), d[0].numpy())
        np.testing.assert_array_equal(c[1].numpy(), d[1].numpy())
        assert not np.array_equal(a[0].numpy(), fn(seed=4)[0].numpy())


def test_synthetic_argument_errors():
    with pytest.raises(ValueError, match="n_samples"):
        make_moons(0)
    with pytest.raises(ValueError, match="noise"):
        make_spiral(10, 2, noise=-1)
    with pytest.raises(ValueError, match="n_classes"):
        make_spiral(10, 0)
    with pytest.raises(ValueError, match="n_features"):
        make_regression(10, 0)


# ---------------------------------------------------------------- make_regression
@given(
    n=st.integers(1, 40),
    f=st.integers(1, 8),
    informative=st.integers(0, 10),
    bias=st.floats(-5, 5),
    shuffle=st.booleans(),
)
def test_make_regression_targets_are_linear_in_features(n, f, informative, bias, shuffle):
    X, y, w = make_regression(n, f, n_informative=informative, bias=bias, shuffle=shuffle, coef=True, seed=0)
    assert X.shape == (n, f) and y.shape == (n,) and w.shape == (f,)
    assert X.dtype == y.dtype == w.dtype == np.float32
    wn = w.numpy().astype(np.float64)
    assert (wn != 0).sum() == min(informative, f)
    assert ((wn >= 0) & (wn <= 100)).all()
    if not shuffle:
        assert (wn[min(informative, f) :] == 0).all()
    np.testing.assert_allclose(y.numpy(), X.numpy().astype(np.float64) @ wn + bias, rtol=1e-5, atol=1e-3)


def test_make_regression_multi_target_and_noise():
    X, y, w = make_regression(5000, 3, n_informative=2, n_targets=2, noise=2.0, coef=True, seed=1)
    assert y.shape == (5000, 2) and w.shape == (3, 2)
    resid = y.numpy().astype(np.float64) - X.numpy().astype(np.float64) @ w.numpy().astype(np.float64)
    assert abs(resid.std() - 2.0) < 0.1
    X2, y2 = make_regression(20, 3, seed=1)  # coef=False returns a pair
    assert X2.shape == (20, 3) and y2.shape == (20,)
