"""Functional transforms (tinygrad_edu.func): grad, value_and_grad, jacobian, hessian, vjp, jvp.

Every expected derivative comes from outside the library: central differences of a
function written in plain numpy (float64), or a formula from calculus evaluated with numpy.
"""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.func as func
from tinygrad_edu import Tensor
from tinygrad_edu.testing import broadcastable_shapes, shapes, tensors

TOL = {"rtol": 1e-6, "atol": 1e-7}  # central differences with eps=1e-6 in float64


def t64(values, requires_grad=False):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def numerical_jacobian(np_fn, args, k=0, eps=1e-6):
    """d np_fn(*args) / d args[k] by central differences; shape out.shape + args[k].shape."""
    args = [np.array(a, dtype=np.float64) for a in args]
    out = np.asarray(np_fn(*args))
    jac = np.zeros(out.shape + args[k].shape)
    for idx in np.ndindex(args[k].shape):
        hi = [a.copy() for a in args]
        lo = [a.copy() for a in args]
        hi[k][idx] += eps
        lo[k][idx] -= eps
        jac[(Ellipsis, *idx)] = (np.asarray(np_fn(*hi)) - np.asarray(np_fn(*lo))) / (2 * eps)
    return jac


def numerical_hessian(np_fn, x, h=1e-4):
    """Second differences of a scalar numpy function; shape x.shape + x.shape."""
    x = np.array(x, dtype=np.float64)
    hess = np.zeros(x.shape + x.shape)
    for i in np.ndindex(x.shape):
        for j in np.ndindex(x.shape):
            vals = []
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                p = x.copy()
                p[i] += si * h
                p[j] += sj * h
                vals.append(np_fn(p))
            hess[(*i, *j)] = (vals[0] - vals[1] - vals[2] + vals[3]) / (4 * h * h)
    return hess


def set_requires_grad(x, flag):
    return x.detach().requires_grad_(flag)


vectors = tensors(shape=shapes(min_dims=1, max_dims=1, max_side=5), requires_grad=False)
small = tensors(shape=shapes(min_dims=0, max_dims=2, max_side=3), requires_grad=False)

# scalar functions, each written twice: with tinygrad_edu ops and in plain numpy
SCALAR_FNS = {
    "sum_sin_x_x2": (lambda x: (tg.sin(x) * x**2).sum(), lambda x: np.sum(np.sin(x) * x**2)),
    "logsumexp": (lambda x: tg.logsumexp(x, dim=None), lambda x: np.log(np.sum(np.exp(x)))),
    "mean_tanh_sq": (lambda x: (tg.tanh(x) ** 2).mean(), lambda x: np.mean(np.tanh(x) ** 2)),
    "sqrt_norm": (lambda x: tg.sqrt((x * x).sum() + 1), lambda x: np.sqrt(np.sum(x * x) + 1)),
}


# ------------------------------------------------------------------ grad


@pytest.mark.parametrize("name", sorted(SCALAR_FNS))
@given(x=small, rg=st.booleans())
def test_grad_matches_numerical(name, x, rg):
    fn, np_fn = SCALAR_FNS[name]
    x = set_requires_grad(x, rg)
    g = func.grad(fn)(x)
    assert g.shape == x.shape
    np.testing.assert_allclose(g.data, numerical_jacobian(np_fn, [x.data]), **TOL)


@given(shp=broadcastable_shapes(2, max_side=3), data=st.data())
def test_grad_tuple_argnums_gives_each_partial_summed_to_input_shape(shp, data):
    a = data.draw(tensors(shape=shp[0], requires_grad=False))
    b = data.draw(tensors(shape=shp[1], requires_grad=False))

    def np_f(a, b):
        return np.sum(a * np.tanh(b) + a**2)

    ga, gb = func.grad(lambda a, b: (a * tg.tanh(b) + a**2).sum(), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga.data, numerical_jacobian(np_f, [a.data, b.data], 0), **TOL)
    np.testing.assert_allclose(gb.data, numerical_jacobian(np_f, [a.data, b.data], 1), **TOL)


def test_grad_negative_argnum_counts_from_the_end():
    a, b = t64([1.0, 2.0]), t64([3.0, -1.0])
    g = func.grad(lambda a, b: (a * b**2).sum(), argnums=-1)(a, b)
    np.testing.assert_allclose(g.data, 2 * a.data * b.data, rtol=1e-15)


def test_grad_same_tensor_passed_twice_gives_separate_partials():
    # f(a, b) = sum(a b^2) at a = b = x: df/da = x^2, df/db = 2 a b = 2 x^2
    x = t64([0.5, -2.0, 3.0], requires_grad=True)
    ga, gb = func.grad(lambda a, b: (a * b * b).sum(), argnums=(0, 1))(x, x)
    np.testing.assert_allclose(ga.data, x.data ** 2, rtol=1e-15)
    np.testing.assert_allclose(gb.data, 2 * x.data ** 2, rtol=1e-15)


def test_grad_of_unused_argument_is_zero():
    a, b = t64([1.0, 2.0]), t64([[3.0], [4.0]])
    ga, gb = func.grad(lambda a, b: (a**2).sum(), argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(gb.data, np.zeros((2, 1)))
    np.testing.assert_allclose(ga.data, [2.0, 4.0])


def test_grad_of_output_computed_under_no_grad_inside_f_is_zero():
    # like torch.func: a no_grad inside f is respected, so f is a constant of x
    def f(x):
        with tg.no_grad():
            return (x**2).sum()

    g = func.grad(f)(t64([1.0, 2.0]))
    np.testing.assert_array_equal(g.data, [0.0, 0.0])


@given(x=small, rg=st.booleans())
def test_grad_leaves_caller_tensor_untouched(x, rg):
    x = set_requires_grad(x, rg)
    before = x.data.copy()
    func.grad(lambda x: (x**3).sum())(x)
    assert x.grad is None
    assert x.requires_grad is rg
    assert x.is_leaf
    np.testing.assert_array_equal(x.data, before)


def test_grad_does_not_change_an_existing_grad():
    x = t64([1.0, 2.0], requires_grad=True)
    x.grad = t64([7.0, 8.0])
    func.value_and_grad(lambda x: (x**2).sum())(x)
    func.jacobian(lambda x: x**2)(x)
    func.jvp(lambda x: x**2, (x,), (t64([1.0, 1.0]),))
    np.testing.assert_array_equal(x.grad.data, [7.0, 8.0])


def test_grad_keeps_float32_dtype():
    x = Tensor(np.array([0.5, 1.5], dtype=np.float32))
    g = func.grad(lambda x: (x**2).sum())(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g.data, [1.0, 3.0], rtol=1e-6)


def test_grad_accepts_one_element_non_scalar_output():
    x = t64([1.0, 2.0])
    g = func.grad(lambda x: (x**2).sum().reshape(1, 1))(x)
    np.testing.assert_allclose(g.data, [2.0, 4.0])


def test_grad_result_requires_grad_only_if_something_outside_needs_it():
    plain = t64([1.0, 2.0])
    assert not func.grad(lambda x: (x**3).sum())(plain).requires_grad
    leaf = t64([1.0, 2.0], requires_grad=True)
    assert func.grad(lambda x: (x**3).sum())(leaf).requires_grad


def test_grad_result_is_differentiable_with_respect_to_caller_tensor():
    # grad f = 3 x^2 for f = sum(x^3); d/dx sum(3 x^2) = 6 x, accumulated by backward
    xs = np.array([0.5, -1.0, 2.0])
    x = t64(xs, requires_grad=True)
    g = func.grad(lambda x: (x**3).sum())(x)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * xs, rtol=1e-14)


def test_grad_result_is_differentiable_with_respect_to_weight_captured_by_f():
    ws, xs = np.array([1.0, 2.0, -3.0]), np.array([0.5, -1.0, 2.0])
    w = t64(ws, requires_grad=True)
    g = func.grad(lambda x: (w * x * x).sum())(t64(xs))  # 2 w x
    np.testing.assert_allclose(g.data, 2 * ws * xs, rtol=1e-15)
    (g * g).sum().backward()  # d/dw sum(4 w^2 x^2) = 8 w x^2
    np.testing.assert_allclose(w.grad.data, 8 * ws * xs**2, rtol=1e-14)


def test_grad_under_no_grad_still_differentiates_and_returns_plain_tensor():
    x = t64([1.0, -2.0], requires_grad=True)
    with tg.no_grad():
        g = func.grad(lambda x: (x**3).sum())(x)
    np.testing.assert_allclose(g.data, 3 * x.data ** 2)
    assert not g.requires_grad
    assert tg.is_grad_enabled()


def test_grad_has_aux_returns_grad_and_detached_aux():
    x = t64([1.0, 2.0])

    def f(x):
        y = x**2
        return y.sum(), {"y": y, "note": "kept as is"}

    g, aux = func.grad(f, has_aux=True)(x)
    np.testing.assert_allclose(g.data, [2.0, 4.0])
    np.testing.assert_allclose(aux["y"].data, [1.0, 4.0])
    assert not aux["y"].requires_grad
    assert aux["note"] == "kept as is"


def test_grad_passes_keyword_arguments_through_undifferentiated():
    g = func.grad(lambda x, scale=1.0: (scale * x**2).sum())(t64([1.0, 2.0]), scale=3.0)
    np.testing.assert_allclose(g.data, [6.0, 12.0])


def test_grad_of_dict_of_parameters_returns_dict_of_gradients():
    # linear least squares: L = mean((X w + b - y)^2); dL/dw = 2/n X^T r, dL/db = 2/n sum r
    rng = np.random.default_rng(0)
    xs, ys = rng.normal(size=(5, 3)), rng.normal(size=5)
    params = {"w": t64(rng.normal(size=3)), "b": t64(0.3)}

    def loss(p, x, y):
        return (((x @ p["w"]) + p["b"] - y) ** 2).mean()

    g = func.grad(loss)(params, t64(xs), t64(ys))
    r = xs @ params["w"].data + 0.3 - ys
    assert set(g) == {"w", "b"}
    np.testing.assert_allclose(g["w"].data, 2 / 5 * xs.T @ r, rtol=1e-13)
    np.testing.assert_allclose(g["b"].data, 2 / 5 * r.sum(), rtol=1e-13)


@settings(max_examples=10)
@given(x=st.floats(-2, 2))
def test_grad_of_grad_of_grad_matches_analytic(x):
    # f = e^x sin x:  f' = e^x (sin x + cos x),  f'' = 2 e^x cos x,  f''' = 2 e^x (cos x - sin x)
    def f(x):
        return tg.exp(x) * tg.sin(x)

    xt = t64(x)  # 0-d, the natural input of grad(grad(f))
    ex, sx, cx = np.exp(x), np.sin(x), np.cos(x)
    tol = {"rtol": 1e-12, "atol": 1e-13}
    np.testing.assert_allclose(func.grad(f)(xt).item(), ex * (sx + cx), **tol)
    np.testing.assert_allclose(func.grad(func.grad(f))(xt).item(), 2 * ex * cx, **tol)
    np.testing.assert_allclose(func.grad(func.grad(func.grad(f)))(xt).item(), 2 * ex * (cx - sx), **tol)


def test_hessian_of_exp_at_0d_input_is_exp():
    # regression: numpy returns a scalar for exp of a 0-d array, and the op's saved output
    # was then taken for a constant, so every higher derivative of exp at a 0-d x was lost
    h = func.hessian(lambda x: tg.exp(x))(t64(0.5))
    np.testing.assert_allclose(h.item(), np.exp(0.5), rtol=1e-15)


def test_mixed_partial_through_nested_grad_with_argnums():
    # f = x^2 y^3:  d/dy (df/dx) = d/dy (2 x y^3) = 6 x y^2
    def f(x, y):
        return x * x * y * y * y

    x, y = t64(1.5), t64(-0.7)
    d2 = func.grad(lambda x, y: func.grad(f, argnums=0)(x, y), argnums=1)(x, y)
    np.testing.assert_allclose(d2.item(), 6 * 1.5 * 0.7**2, rtol=1e-14)


@given(x=small)
def test_grad_of_grad_of_sum_is_diagonal_of_hessian(x):
    # f = sum(x^2 sin x): d/dx of sum(grad f) = sum over rows of H = f'' elementwise
    g2 = func.grad(lambda x: func.grad(lambda z: (z * z * tg.sin(z)).sum())(x).sum())(x)
    xs = x.data
    expected = 2 * np.sin(xs) + 4 * xs * np.cos(xs) - xs**2 * np.sin(xs)
    np.testing.assert_allclose(g2.data, expected, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ value_and_grad


@given(x=small)
def test_value_and_grad_returns_value_then_grad(x):
    fn, np_fn = SCALAR_FNS["sum_sin_x_x2"]
    value, g = func.value_and_grad(fn)(x)
    np.testing.assert_allclose(value.data, np_fn(x.data), rtol=1e-13)
    np.testing.assert_allclose(g.data, numerical_jacobian(np_fn, [x.data]), **TOL)
    assert not value.requires_grad


def test_value_and_grad_has_aux_returns_value_aux_then_grad():
    x = t64([1.0, -3.0])
    (value, aux), g = func.value_and_grad(lambda x: ((x**2).sum(), x.abs()), has_aux=True)(x)
    assert value.item() == 10.0
    np.testing.assert_array_equal(aux.data, [1.0, 3.0])
    np.testing.assert_array_equal(g.data, [2.0, -6.0])


def test_value_and_grad_with_tuple_argnums():
    a, b = t64([1.0, 2.0]), t64([3.0, 4.0])
    value, (ga, gb) = func.value_and_grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(a, b)
    assert value.item() == 11.0
    np.testing.assert_array_equal(ga.data, b.data)
    np.testing.assert_array_equal(gb.data, a.data)


# ------------------------------------------------------------------ jacobian


@given(x=small, rg=st.booleans())
def test_jacobian_matches_numerical(x, rg):
    x = set_requires_grad(x, rg)

    def np_f(x):
        return np.tanh(x) * np.sum(x) + x**2

    jac = func.jacobian(lambda x: tg.tanh(x) * x.sum() + x**2)(x)
    assert jac.shape == x.shape + x.shape
    np.testing.assert_allclose(jac.data, numerical_jacobian(np_f, [x.data]), **TOL)


@given(x=tensors(shape=(3, 2), requires_grad=False))
def test_jacobian_shape_is_output_shape_then_input_shape(x):
    a = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]])  # out = A @ x is (2, 2)
    jac = func.jacobian(lambda x: t64(a) @ tg.sin(x))(x)
    assert jac.shape == (2, 2, 3, 2)
    np.testing.assert_allclose(
        jac.data, numerical_jacobian(lambda x: a @ np.sin(x), [x.data]), **TOL
    )


@given(x=vectors)
def test_jacobian_of_tanh_is_exactly_diagonal_one_minus_tanh_squared(x):
    jac = func.jacobian(tg.tanh)(x).data
    xs = x.data
    off = ~np.eye(len(xs), dtype=bool)
    np.testing.assert_array_equal(jac[off], 0.0)
    np.testing.assert_allclose(np.diag(jac), 1 - np.tanh(xs) ** 2, rtol=1e-14, atol=0)


@given(x=tensors(shape=(6,), requires_grad=False, min_value=-20, max_value=20))
def test_jacobian_of_softmax_is_diag_s_minus_s_s_transposed(x):
    xs = x.data
    e = np.exp(xs - xs.max())
    s = e / e.sum()
    jac = func.jacobian(lambda x: tg.softmax(x, dim=0))(x)
    np.testing.assert_allclose(jac.data, np.diag(s) - np.outer(s, s), rtol=0, atol=1e-12)


def test_jacobian_of_scalar_output_has_input_shape():
    x = t64([[1.0, 2.0], [3.0, 4.0]])
    jac = func.jacobian(lambda x: (x**2).sum())(x)
    assert jac.shape == (2, 2)
    np.testing.assert_array_equal(jac.data, 2 * x.data)


@given(a=tensors(shape=(3,), requires_grad=False), b=tensors(shape=(2,), requires_grad=False))
def test_jacobian_tuple_argnums_and_tuple_outputs_match_numerical(a, b):
    def f(a, b):
        return tg.sin(a)[:2] * b, (a**2).sum() * b

    np_fs = (lambda a, b: np.sin(a)[:2] * b, lambda a, b: np.sum(a**2) * b)
    jac = func.jacobian(f, argnums=(0, 1))(a, b)
    assert isinstance(jac, tuple) and len(jac) == 2
    for out_k, np_f in enumerate(np_fs):
        assert isinstance(jac[out_k], tuple) and len(jac[out_k]) == 2
        for arg_k in range(2):
            expected = numerical_jacobian(np_f, [a.data, b.data], arg_k)
            np.testing.assert_allclose(jac[out_k][arg_k].data, expected, **TOL)


def test_jacobian_single_argnum_with_tuple_output_is_tuple_of_jacobians():
    x = t64([1.0, 2.0])
    j1, j2 = func.jacobian(lambda x: (x * 3, x.sum()))(x)
    np.testing.assert_array_equal(j1.data, 3 * np.eye(2))
    np.testing.assert_array_equal(j2.data, [1.0, 1.0])


def test_jacobian_of_output_that_does_not_depend_on_input_is_zero():
    x = t64([1.0, 2.0, 3.0])
    f = lambda x, y: (tg.ones(2, dtype=tg.float64), y * 2)  # noqa: E731
    j_const, j_other = func.jacobian(f, argnums=0)(x, t64([1.0, 1.0]))
    np.testing.assert_array_equal(j_const.data, np.zeros((2, 3)))
    np.testing.assert_array_equal(j_other.data, np.zeros((2, 3)))


def test_jacobian_has_aux():
    x = t64([1.0, 2.0])
    jac, aux = func.jacobian(lambda x: (x**2, x.sum()), has_aux=True)(x)
    np.testing.assert_array_equal(jac.data, np.diag([2.0, 4.0]))
    assert aux.item() == 3.0


def test_jacobian_of_dict_argument_is_dict():
    p = {"a": t64([1.0, 2.0]), "b": t64(3.0)}
    jac = func.jacobian(lambda p: p["a"] * p["b"])(p)
    np.testing.assert_array_equal(jac["a"].data, 3.0 * np.eye(2))
    np.testing.assert_array_equal(jac["b"].data, [1.0, 2.0])


# ------------------------------------------------------------------ hessian


@given(
    a=tensors(shape=(3, 4), requires_grad=False, min_value=-1.5, max_value=1.5),
    x=tensors(shape=(4,), requires_grad=False, min_value=-1.5, max_value=1.5),
)
def test_hessian_of_sum_tanh_matmul_matches_analytic(a, x):
    # f = sum tanh(A x):  H = A^T diag(-2 tanh(z) (1 - tanh(z)^2)) A,  z = A x
    hess = func.hessian(lambda x: tg.tanh(a @ x).sum())(x)
    am = a.data
    tz = np.tanh(am @ x.data)
    expected = am.T @ np.diag(-2 * tz * (1 - tz**2)) @ am
    assert hess.shape == (4, 4)
    np.testing.assert_allclose(hess.data, expected, rtol=1e-10, atol=1e-12)


@given(m=tensors(shape=(3, 3), requires_grad=False), x=tensors(shape=(3,), requires_grad=False))
def test_hessian_of_quadratic_form_is_m_plus_m_transposed(m, x):
    hess = func.hessian(lambda x: x @ (m @ x))(x)
    np.testing.assert_allclose(hess.data, m.data + m.data.T, rtol=1e-14, atol=1e-14)


@settings(max_examples=10)
@given(x=tensors(shape=shapes(max_dims=2, max_side=2), requires_grad=False, min_value=-1.5, max_value=1.5))
@example(x=t64(1.0))  # 0-d input: exp's saved output was taken for a constant (engine bug)
def test_hessian_matches_second_differences(x):
    def np_f(x):
        return np.sum(np.sin(x) * np.exp(x)) + np.sum(x) ** 3

    hess = func.hessian(lambda x: (tg.sin(x) * tg.exp(x)).sum() + x.sum() ** 3)(x)
    assert hess.shape == x.shape + x.shape
    expected = numerical_hessian(np_f, x.data)
    np.testing.assert_allclose(hess.data, expected, rtol=1e-5, atol=1e-5)


def test_hessian_with_tuple_argnums_gives_all_blocks():
    # f = sum(a^2 b): H_aa = diag(2b), H_ab = H_ba = diag(2a), H_bb = 0
    a, b = t64([1.0, -2.0]), t64([3.0, 0.5])
    (haa, hab), (hba, hbb) = func.hessian(lambda a, b: (a * a * b).sum(), argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(haa.data, np.diag(2 * b.data))
    np.testing.assert_array_equal(hab.data, np.diag(2 * a.data))
    np.testing.assert_array_equal(hba.data, np.diag(2 * a.data))
    np.testing.assert_array_equal(hbb.data, np.zeros((2, 2)))


def test_hessian_result_is_plain_tensor_for_plain_input():
    hess = func.hessian(lambda x: (x**3).sum())(t64([1.0, 2.0]))
    assert not hess.requires_grad
    np.testing.assert_array_equal(hess.data, np.diag([6.0, 12.0]))


# ------------------------------------------------------------------ vjp


@given(x=small, data=st.data())
def test_vjp_equals_v_times_jacobian(x, data):
    def np_f(x):
        return np.exp(-x) * np.sum(x**2)

    v = data.draw(tensors(shape=x.shape, requires_grad=False))
    out, vjp_fn = func.vjp(lambda x: tg.exp(-x) * (x**2).sum(), x)
    np.testing.assert_allclose(out.data, np_f(x.data), rtol=1e-13)
    (g,) = vjp_fn(v)
    jac = numerical_jacobian(np_f, [x.data])
    expected = np.tensordot(v.data, jac, axes=v.ndim)  # sum_i v_i J[i, :]
    np.testing.assert_allclose(g.data, expected, **TOL)


def test_vjp_returns_one_gradient_per_primal():
    a, b = t64([1.0, 2.0, 3.0]), t64(2.0)
    out, vjp_fn = func.vjp(lambda a, b: a * b, a, b)
    v = t64([1.0, -1.0, 0.5])
    ga, gb = vjp_fn(v)
    np.testing.assert_array_equal(ga.data, v.data * 2.0)  # d(a b)/da = b
    np.testing.assert_array_equal(gb.data, np.sum(v.data * a.data))


def test_vjp_fn_can_be_called_repeatedly_and_is_linear():
    x = t64([0.5, -1.0, 2.0])
    _, vjp_fn = func.vjp(lambda x: tg.sin(x) * x, x)
    v = t64([1.0, 2.0, 3.0])
    (g1,) = vjp_fn(v)
    (g2,) = vjp_fn(v * 2)
    (g3,) = vjp_fn(v)
    xs = x.data
    np.testing.assert_allclose(g1.data, v.data * (np.cos(xs) * xs + np.sin(xs)), rtol=1e-14)
    np.testing.assert_allclose(g2.data, 2 * g1.data, rtol=1e-14)
    np.testing.assert_array_equal(g3.data, g1.data)


def test_vjp_with_tuple_output_takes_tuple_cotangent():
    x = t64([1.0, 2.0])
    (o1, o2), vjp_fn = func.vjp(lambda x: (x**2, x.sum()), x)
    (g,) = vjp_fn((t64([1.0, 1.0]), t64(10.0)))
    np.testing.assert_array_equal(g.data, 2 * x.data + 10.0)


def test_vjp_has_aux_returns_output_vjp_fn_and_aux():
    x = t64([1.0, 2.0])
    out, vjp_fn, aux = func.vjp(lambda x: (x * 3, "aux"), x, has_aux=True)
    assert aux == "aux"
    (g,) = vjp_fn(t64([1.0, 1.0]))
    np.testing.assert_array_equal(g.data, [3.0, 3.0])


def test_vjp_output_is_detached_for_plain_inputs_but_connected_for_grad_inputs():
    plain_out, _ = func.vjp(lambda x: x * 2, t64([1.0]))
    assert not plain_out.requires_grad
    x = t64([1.0, 2.0], requires_grad=True)
    out, _ = func.vjp(lambda x: x * 2, x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_vjp_cotangent_with_wrong_shape_raises():
    _, vjp_fn = func.vjp(lambda x: x * 2, t64([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"func\.vjp.*\(3,\).*\(2,\)"):
        vjp_fn(t64([1.0, 2.0, 3.0]))
    with pytest.raises(RuntimeError, match="structure"):
        vjp_fn((t64([1.0, 2.0]),))


# ------------------------------------------------------------------ jvp


@given(x=small, data=st.data())
def test_jvp_equals_jacobian_times_v(x, data):
    def np_f(x):
        return np.exp(-x) * np.sum(x**2)

    v = data.draw(tensors(shape=x.shape, requires_grad=False))
    out, jv = func.jvp(lambda x: tg.exp(-x) * (x**2).sum(), (x,), (v,))
    np.testing.assert_allclose(out.data, np_f(x.data), rtol=1e-13)
    jac = numerical_jacobian(np_f, [x.data])
    expected = np.tensordot(jac, v.data, axes=v.ndim)  # sum_j J[:, j] v_j
    np.testing.assert_allclose(jv.data, expected, **TOL)
    assert jv.shape == out.shape


# ops whose backward the double-vjp trick must differentiate with respect to the cotangent
ADJOINT_FNS = {
    "matmul_relu": lambda x: tg.relu(t64([[1.0, -2.0, 0.5], [0.3, 0.0, -1.0]]) @ x.reshape(3, -1)),
    "softmax": lambda x: tg.softmax(x, dim=0),
    "log_softmax_max": lambda x: tg.log_softmax(x, dim=0) * x.max(),
    "index_cat": lambda x: tg.cat([x[1:], x[:1] * 2, x.reshape(3, -1).sum(0)]),
    "where_clamp": lambda x: tg.where(x > 0, x.clamp(-1, 1) * x, tg.sigmoid(x)),
    "mean_var": lambda x: (x - x.mean()) / (x.var() + 1),
}


@pytest.mark.parametrize("name", sorted(ADJOINT_FNS))
@settings(max_examples=15)
@given(data=st.data())
def test_jvp_and_vjp_are_adjoint(name, data):
    # <u, J v> = <J^T u, v> for every u, v: both sides use the same J, built two ways
    fn = ADJOINT_FNS[name]
    x = data.draw(tensors(shape=(6,), requires_grad=False))
    v = data.draw(tensors(shape=(6,), requires_grad=False))
    out, vjp_fn = func.vjp(fn, x)
    u = data.draw(tensors(shape=out.shape, requires_grad=False))
    (ju,) = vjp_fn(u)
    _, jv = func.jvp(fn, (x,), (v,))
    lhs, rhs = np.sum(u.data * jv.data), np.sum(ju.data * v.data)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)


def test_jvp_with_two_primals_sums_the_contributions():
    # f = a * sin(b): J_a v_a + J_b v_b = sin(b) v_a + a cos(b) v_b
    a, b = t64([1.0, 2.0]), t64([0.5, -0.3])
    va, vb = t64([0.1, -1.0]), t64([2.0, 3.0])
    out, jv = func.jvp(lambda a, b: a * tg.sin(b), (a, b), (va, vb))
    expected = np.sin(b.data) * va.data + a.data * np.cos(b.data) * vb.data
    np.testing.assert_allclose(jv.data, expected, rtol=1e-14)


def test_jvp_with_tuple_output_gives_tuple_of_directional_derivatives():
    x, v = t64([1.0, 2.0]), t64([1.0, -1.0])
    (o1, o2), (d1, d2) = func.jvp(lambda x: (x**2, (x**3).sum()), (x,), (v,))
    np.testing.assert_allclose(d1.data, 2 * x.data * v.data)
    np.testing.assert_allclose(d2.data, np.sum(3 * x.data ** 2 * v.data))


def test_jvp_of_output_independent_of_primal_is_zero():
    x = t64([1.0, 2.0])
    f = lambda x: (tg.ones(3, dtype=tg.float64), x * 5)  # noqa: E731
    _, (d_const, d_x) = func.jvp(f, (x,), (t64([1.0, 1.0]),))
    np.testing.assert_array_equal(d_const.data, np.zeros(3))
    np.testing.assert_array_equal(d_x.data, [5.0, 5.0])


def test_jvp_works_under_no_grad():
    x, v = t64([1.0, 2.0], requires_grad=True), t64([1.0, 1.0])
    with tg.no_grad():
        out, jv = func.jvp(lambda x: x**3, (x,), (v,))
    np.testing.assert_allclose(jv.data, 3 * x.data ** 2)
    assert not jv.requires_grad and not out.requires_grad


@given(
    a=tensors(shape=(3, 4), requires_grad=False, min_value=-1.5, max_value=1.5),
    x=tensors(shape=(4,), requires_grad=False, min_value=-1.5, max_value=1.5),
    v=tensors(shape=(4,), requires_grad=False),
)
@settings(max_examples=10)
def test_jvp_of_grad_is_hessian_vector_product(a, x, v):
    # forward-over-reverse: jvp(grad f, x, v) = H v
    f = lambda x: tg.tanh(a @ x).sum()  # noqa: E731
    _, hv = func.jvp(func.grad(f), (x,), (v,))
    am = a.data
    tz = np.tanh(am @ x.data)
    hess = am.T @ np.diag(-2 * tz * (1 - tz**2)) @ am
    np.testing.assert_allclose(hv.data, hess @ v.data, rtol=1e-10, atol=1e-12)


def test_grad_of_jvp_differentiates_the_directional_derivative():
    # sum(J v) for f = x^3 is sum(3 x^2 v); its gradient is 6 x v
    x, v = t64([0.5, -1.0, 2.0]), t64([1.0, 2.0, -1.0])
    g = func.grad(lambda x: func.jvp(lambda z: z**3, (x,), (v,))[1].sum())(x)
    np.testing.assert_allclose(g.data, 6 * x.data * v.data, rtol=1e-14)


def test_jvp_has_aux():
    x = t64([1.0, 2.0])
    out, jv, aux = func.jvp(lambda x: (x * 2, {"n": 1}), (x,), (t64([1.0, 0.0]),), has_aux=True)
    assert aux == {"n": 1}
    np.testing.assert_array_equal(jv.data, [2.0, 0.0])


# ------------------------------------------------------------------ errors


def test_grad_of_non_scalar_output_raises_naming_func_grad_and_shape():
    with pytest.raises(RuntimeError, match=r"func\.grad.*\(2, 3\)"):
        func.grad(lambda x: x * 2)(t64(np.ones((2, 3))))
    with pytest.raises(RuntimeError, match=r"func\.value_and_grad.*\(2,\)"):
        func.value_and_grad(lambda x: x * 2)(t64([1.0, 2.0]))


def test_grad_of_non_tensor_output_raises():
    with pytest.raises(RuntimeError, match=r"func\.grad.*float"):
        func.grad(lambda x: 1.0)(t64([1.0]))


@pytest.mark.parametrize("argnums", [2, -3, (0, 2), (), (0, 0), (1, -1), 0.5, [0], (0, "1"), True])
def test_bad_argnums_raise(argnums):
    f = lambda a, b: (a * b).sum()  # noqa: E731
    for transform in (func.grad, func.value_and_grad, func.jacobian, func.hessian):
        with pytest.raises(RuntimeError, match="argnums"):
            transform(f, argnums=argnums)(t64([1.0]), t64([2.0]))


def test_differentiating_a_non_tensor_argument_raises():
    with pytest.raises(ValueError, match=r"func\.grad: argument 1 .*float"):
        func.grad(lambda a, b: (a * b).sum(), argnums=1)(t64([1.0]), 2.0)


def test_differentiating_an_integer_tensor_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        func.grad(lambda a: (a * 2.0).sum())(Tensor(np.array([1, 2])))


def test_has_aux_requires_output_aux_pair():
    with pytest.raises(RuntimeError, match=r"has_aux.*\(output, aux\)"):
        func.grad(lambda x: (x**2).sum(), has_aux=True)(t64([1.0]))


def test_jacobian_of_non_tensor_output_raises():
    with pytest.raises(RuntimeError, match=r"func\.jacobian.*str"):
        func.jacobian(lambda x: (x * 2, "not a tensor"))(t64([1.0]))


def test_jvp_checks_primals_and_tangents():
    f = lambda x: x * 2  # noqa: E731
    with pytest.raises(RuntimeError, match="primals to be a tuple"):
        func.jvp(f, t64([1.0]), (t64([1.0]),))
    with pytest.raises(RuntimeError, match=r"tangent 0 has shape \(2,\).*\(1,\)"):
        func.jvp(f, (t64([1.0]),), (t64([1.0, 2.0]),))
    with pytest.raises(RuntimeError, match="same structure"):
        func.jvp(f, (t64([1.0]),), (t64([1.0]), t64([1.0])))
