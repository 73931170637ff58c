"""Plots that make optimisation visible: loss curves, descent paths, gradient fields and
optimizer trajectories.

Every gradient drawn here comes from tinygrad_edu's autodiff (``loss.backward()``) and every
path from the project's own optimizers (``optim.SGD``, ``optim.Adagrad``, ``optim.RMSprop``,
``optim.Adam``): nothing re-implements an update rule, so the pictures show what the library
really does.

* ``smooth`` exponential moving average (with bias correction) of a noisy loss curve
* ``plot_loss_curves`` raw and smoothed curves, one line per run
* ``gradient_descent_1d`` / ``plot_descent_1d`` gradient descent on a 1-D function,
  red points on the blue curve, one panel per learning rate; ``plot_paths_1d`` any 1-D paths
* ``gradient_field`` / ``plot_gradient_field`` the (negative) gradient of f(x, y) as arrows
* ``plot_surface`` f(x, y) as a 3-D surface, optionally with descent paths on it
* ``optimizer_trajectories`` / ``standard_optimizers`` paths of several optimizers from
  one start; ``plot_trajectories`` (PNG) and ``animate_trajectories`` (animated GIF)
* ``rosenbrock``, ``beale``, ``saddle`` test surfaces written with tinygrad_edu ops

Functions of two variables take two Tensors and work elementwise: ``f(X, Y)`` on grids of
shape (n, m) returns shape (n, m). That is what lets ``gradient_field`` get the gradient at
every grid point from a single backward pass.

``plot_*`` functions return the matplotlib ``Figure`` and also save it when given a
``path`` (the format follows the suffix: .png, .svg, .pdf); ``animate_trajectories``
returns the path of the GIF it wrote. matplotlib (the ``plot`` extra) is imported only
inside these functions, and figures are drawn on an Agg canvas without pyplot, so they
work on servers and in tests regardless of the configured backend.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..optim import SGD, Adagrad, Adam, RMSprop
from ..optim.optimizer import Optimizer
from ..tensor import Tensor

__all__ = [
    "animate_trajectories",
    "beale",
    "gradient_descent_1d",
    "gradient_field",
    "optimizer_trajectories",
    "plot_descent_1d",
    "plot_gradient_field",
    "plot_loss_curves",
    "plot_paths_1d",
    "plot_surface",
    "plot_trajectories",
    "rosenbrock",
    "saddle",
    "smooth",
    "standard_optimizers",
]

OptimizerFactory = Callable[[list[Tensor]], Optimizer]

_INSTALL_HINT = "pip install 'tinygrad-edu[plot]' (or pip install matplotlib)"


# --------------------------------------------------------------------------- test surfaces


def rosenbrock(x: Any, y: Any, a: float = 1.0, b: float = 100.0) -> Any:
    """Rosenbrock's banana valley ``(a - x)^2 + b (y - x^2)^2``; minimum 0 at ``(a, a^2)``.

    The valley floor is easy to reach and very flat along its length, so plain gradient
    descent zig-zags across it and crawls along it.
    """
    return (a - x) ** 2 + b * (y - x**2) ** 2


def beale(x: Any, y: Any) -> Any:
    """Beale's function ``(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2``;
    minimum 0 at ``(3, 0.5)``. Flat plateaus and steep walls: the surface of the well-known
    optimizer animations."""
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def saddle(x: Any, y: Any) -> Any:
    """The saddle ``x^2 - y^2``: a minimum along x, a maximum along y, gradient 0 at the origin.

    Started on the ridge (y ≈ 0), plain gradient descent creeps away because the gradient
    along y is tiny there; methods that rescale each coordinate escape quickly.
    """
    return x**2 - y**2


# --------------------------------------------------------------------------- helpers


def _figure(figsize: tuple[float, float]) -> Any:
    """A Figure on an Agg canvas: no pyplot, so no GUI backend and no global figure list."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(f"tinygrad_edu.viz plots need matplotlib: {_INSTALL_HINT}") from e
    fig = Figure(figsize=figsize, layout="constrained")  # no overlapping titles/labels
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str | Path | None, dpi: int = 100) -> Any:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return fig


def _as_list(v: Any) -> list[Any]:
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence | np.ndarray):
        return [v]
    return list(v)


def _eval_1d(f: Callable[[Tensor], Any], t: np.ndarray) -> np.ndarray:
    """f on every point of t; one vectorised call when f is elementwise, else a loop."""
    with no_grad():
        out = np.asarray(_data(f(Tensor(t))), dtype=np.float64)
        if out.shape == t.shape:
            return out
        return np.array([float(_data(f(Tensor(np.float64(v))))) for v in t])


def _eval_2d(f: Callable[[Tensor, Tensor], Any], X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    with no_grad():
        Z = np.asarray(_data(f(Tensor(X), Tensor(Y))), dtype=np.float64)
    if Z.shape != X.shape:
        raise ValueError(
            f"f(x, y) must be elementwise: on grids of shape {X.shape} it returned shape {Z.shape}"
        )
    return Z


def _data(v: Any) -> Any:
    return v.data if isinstance(v, Tensor) else v


def _descend(loss_of: Callable[[Tensor], Tensor], start: np.ndarray, factory: OptimizerFactory,
             steps: int) -> np.ndarray:
    """Run ``steps`` optimizer steps from ``start``; row k of the result is the point after k steps."""
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    p = Tensor(np.array(start, dtype=np.float64), requires_grad=True)
    opt = factory([p])
    if not isinstance(opt, Optimizer):
        raise TypeError(
            "an optimizer factory must take a list of tensors and return a tinygrad_edu.optim "
            f"Optimizer, e.g. lambda params: optim.SGD(params, lr=0.1); got {type(opt).__name__}"
        )
    points = [p.data.copy()]
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging lr is something to show
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_of(p)
            if loss.numel() != 1:
                raise ValueError(f"the function must return a single number, got shape {tuple(loss.shape)}")
            loss.backward()
            opt.step()
            points.append(p.data.copy())
    return np.array(points)


def _finite_box(arrays: Sequence[np.ndarray], margin: float = 0.1) -> tuple[tuple[float, float], ...]:
    pts = np.concatenate([np.asarray(a, dtype=np.float64).reshape(len(a), -1) for a in arrays])
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) == 0:  # every point diverged: any box will do
        return ((-1.0, 1.0),) * pts.shape[1]
    lims = []
    for lo, hi in zip(pts.min(axis=0), pts.max(axis=0)):
        pad = margin * (hi - lo) if hi > lo else 1.0
        lims.append((float(lo - pad), float(hi + pad)))
    return tuple(lims)


# --------------------------------------------------------------------------- loss curves


def smooth(values: Sequence[float], weight: float = 0.9) -> list[float]:
    """Exponentially weighted moving average of a loss curve, with bias correction.

    ``m_0 = 0``, ``m_t = weight * m_{t-1} + (1 - weight) * v_t``, result ``s_t = m_t / (1 - weight^t)``.

    Why the correction: the weights ``(1 - w) w^(t-k)`` that ``m_t`` gives to ``v_1..v_t``
    sum to ``1 - w^t``, not 1, because ``m`` starts at 0; without the division the first
    values are pulled towards 0 (``m_1 = 0.1 v_1`` for w = 0.9). After it, ``s_1 = v_1`` and
    every ``s_t`` is a weighted mean of the values seen so far, recent ones counting most.
    This is the smoothing of TensorBoard and the bias correction of Adam's moments.

    ``weight = 0`` returns the values unchanged; values closer to 1 smooth more. Non-finite
    values (a diverged run) give NaN at their position and are left out of the average.
    """
    weight = float(weight)
    if not 0.0 <= weight < 1.0:
        raise ValueError(f"smooth: weight must be in [0, 1), got {weight}")
    out: list[float] = []
    m, t = 0.0, 0
    for v in values:
        v = float(_data(v))
        if not math.isfinite(v):
            out.append(math.nan)
            continue
        t += 1
        m = weight * m + (1.0 - weight) * v
        out.append(m / (1.0 - weight**t))
    return out


def plot_loss_curves(
    curves: Mapping[str, Sequence[float]],
    path: str | Path | None = None,
    smooth: float | None = 0.9,  # the smoothing weight; hides smooth() here, hence _smooth_values
    *,
    title: str | None = None,
    xlabel: str = "step",
    ylabel: str = "loss",
    logy: bool = False,
    figsize: tuple[float, float] = (6.4, 4.0),
) -> Any:
    """One line per run: the raw curve faint, its ``smooth()``-ed version solid, same colour.

    Args:
        curves: ``{name: [loss at step 1, loss at step 2, ...]}``.
        path: where to save the figure (optional).
        smooth: smoothing weight in [0, 1) (see ``smooth``); ``None`` or 0 draws raw curves only.
        logy: logarithmic y axis (for losses spanning orders of magnitude).

    Returns the Figure.
    """
    if not curves:
        raise ValueError("plot_loss_curves: curves is empty; pass {name: [loss values]}")
    fig = _figure(figsize)
    ax = fig.add_subplot()
    weight = float(smooth or 0.0)
    for i, (name, values) in enumerate(curves.items()):
        raw = np.array([float(_data(v)) for v in values], dtype=np.float64)
        steps = np.arange(1, len(raw) + 1)
        color = f"C{i % 10}"
        if weight > 0:
            ax.plot(steps, raw, color=color, alpha=0.25, linewidth=1)
            ax.plot(steps, _smooth_values(raw, weight), color=color, linewidth=1.8,
                    label=f"{name} (smoothed {weight:g})")
        else:
            ax.plot(steps, raw, color=color, linewidth=1.5, label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


_smooth_values = smooth  # plot_loss_curves' argument named ``smooth`` hides the function


# --------------------------------------------------------------------------- 1-D descent


def gradient_descent_1d(
    f: Callable[[Tensor], Tensor],
    x_start: float,
    lr: float,
    epochs: int,
    *,
    momentum: float = 0.0,
    nesterov: bool = False,
) -> np.ndarray:
    """Gradient descent on a function of one variable, with autodiff and ``optim.SGD``.

    Each epoch: ``loss = f(x)``, ``loss.backward()`` (so ``x.grad = f'(x)``), then
    ``optim.SGD`` moves ``x ← x − lr · f'(x)`` (with ``momentum``, SGD's velocity form).
    Computed in float64. Returns the ``epochs + 1`` positions, the start included, as
    document 000's ``GD(x_start, df, epochs, lr)`` does.
    """
    def factory(params: list[Tensor]) -> Optimizer:
        return SGD(params, lr=lr, momentum=momentum, nesterov=nesterov)

    return _descend(f, np.float64(x_start), factory, epochs)


def plot_descent_1d(
    f: Callable[[Tensor], Tensor],
    x_start: float | Sequence[float],
    lrs: float | Sequence[float],
    epochs: int,
    path: str | Path | None = None,
    *,
    xlim: tuple[float, float] | None = None,
    momentum: float = 0.0,
    ncols: int | None = None,
    title: str | None = None,
) -> Any:
    """Gradient-descent paths on a 1-D function: the function as a blue curve, the
    iterates ``x_0, x_1, ...`` as red points joined by a red line (document 000's figure).

    One panel per learning rate (and per start when ``x_start`` is a list), titled with the
    learning rate and where x ended, so a too-large learning rate's oscillation or
    divergence shows next to a good one. The paths come from ``gradient_descent_1d``.

    Returns the Figure.
    """
    starts = [float(s) for s in _as_list(x_start)]
    lr_list = [float(lr) for lr in _as_list(lrs)]
    if not starts or not lr_list:
        raise ValueError("plot_descent_1d: give at least one start and one learning rate")
    paths = {}
    for s in starts:
        for lr in lr_list:
            label = f"lr={lr:g}" if len(starts) == 1 else f"x0={s:g}, lr={lr:g}"
            paths[label] = gradient_descent_1d(f, s, lr, epochs, momentum=momentum)
    return plot_paths_1d(f, paths, path, xlim=xlim, ncols=ncols, title=title)


def plot_paths_1d(
    f: Callable[[Tensor], Tensor],
    paths: Mapping[str, Sequence[float]],
    path: str | Path | None = None,
    *,
    xlim: tuple[float, float] | None = None,
    ncols: int | None = None,
    title: str | None = None,
) -> Any:
    """Any 1-D paths (``{label: [x_0, x_1, ...]}``, e.g. SGD next to SGD with momentum),
    one panel each: f as a blue curve, the path as red points on it, the panel titled with
    its label and final x. The x range defaults to the paths' range, clipped so that a
    diverging path does not squash the curve. Returns the Figure."""
    if not paths:
        raise ValueError("plot_paths_1d: no paths to draw")
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in paths.items()}
    if xlim is None:
        starts = np.array([a[0] for a in arrays.values()])
        reach = 3 * float(np.abs(starts).max()) + 1
        finite = [np.clip(a[np.isfinite(a)], -reach, reach) for a in arrays.values()]
        ((lo, hi),) = _finite_box([np.concatenate([*finite, starts])[:, None]])
        xlim = (lo, hi)
    t = np.linspace(xlim[0], xlim[1], 400)
    ft = _eval_1d(f, t)
    span = float(ft.max() - ft.min()) or 1.0
    ylim = (float(ft.min()) - 0.08 * span, float(ft.max()) + 0.08 * span)

    ncols = ncols or min(len(arrays), 3)
    nrows = math.ceil(len(arrays) / ncols)
    fig = _figure((4.0 * ncols, 3.3 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, (label, xs) in zip(axes.flat, arrays.items()):
        ax.plot(t, ft, color="b", linewidth=1.5)
        with np.errstate(over="ignore", invalid="ignore"):
            fx = _eval_1d(f, xs)
        ax.plot(xs, fx, color="r", linewidth=1)
        ax.scatter(xs, fx, color="r", s=14, zorder=3)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_title(f"{label}: x_{len(xs) - 1} = {xs[-1]:.4g}", fontsize=10)
        ax.set_xlabel("x")
    for ax in list(axes.flat)[len(arrays):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


# --------------------------------------------------------------------------- 2-D gradients


def gradient_field(
    f: Callable[[Tensor, Tensor], Tensor], X: Any, Y: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(f, ∂f/∂x, ∂f/∂y)`` at every point of the grids ``X, Y`` (same shape), by autodiff.

    ``X`` and ``Y`` become float64 tensors that require grad; because ``f`` is elementwise,
    the value at point i depends only on ``X[i], Y[i]``, so the gradient of ``f(X, Y).sum()``
    with respect to ``X[i]`` is exactly ``∂f/∂x`` at point i: one backward pass for the grid.
    """
    Xt = Tensor(np.asarray(X, dtype=np.float64), requires_grad=True)
    Yt = Tensor(np.asarray(Y, dtype=np.float64), requires_grad=True)
    if Xt.shape != Yt.shape:
        raise ValueError(f"gradient_field: X and Y must have the same shape, got {Xt.shape} and {Yt.shape}")
    Z = f(Xt, Yt)
    if not isinstance(Z, Tensor) or Z.shape != Xt.shape:
        shape = getattr(Z, "shape", None)
        raise ValueError(
            f"gradient_field: f(x, y) must be elementwise: grids of shape {Xt.shape} gave {shape}"
        )
    Z.sum().backward()
    zeros = np.zeros(Xt.shape)
    gx = np.asarray(Xt.grad.data) if Xt.grad is not None else zeros  # f may not use x at all
    gy = np.asarray(Yt.grad.data) if Yt.grad is not None else zeros
    return np.asarray(Z.data), gx, gy


def _grid(xlim: tuple[float, float], ylim: tuple[float, float], n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))


def _contour_background(ax: Any, f: Callable[..., Any], xlim: tuple[float, float], ylim: tuple[float, float],
                        levels: int, log_levels: bool | None, labels: tuple[str, str] = ("x", "y"),
                        n: int = 200) -> Any:
    """Filled contours of f. Log-spaced levels when f >= 0 spans many orders of magnitude
    (Rosenbrock, Beale), where linear levels would show one flat colour."""
    X, Y = _grid(xlim, ylim, n)
    Z = _eval_2d(f, X, Y)
    zmin, zmax = float(Z.min()), float(Z.max())
    if log_levels is None:
        log_levels = zmin >= 0 and zmax > 1e3 * max(zmin, 1e-3)
    if log_levels:
        from matplotlib.colors import LogNorm

        floor = max(zmin, zmax * 1e-8, 1e-12)
        Zc = np.maximum(Z, floor)
        lv = np.geomspace(floor, zmax, levels)
        cs = ax.contourf(X, Y, Zc, levels=lv, norm=LogNorm(), cmap="viridis", alpha=0.85)
        ax.contour(X, Y, Zc, levels=lv, colors="k", linewidths=0.3, alpha=0.4)
    else:
        cs = ax.contourf(X, Y, Z, levels=levels, cmap="viridis", alpha=0.85)
        ax.contour(X, Y, Z, levels=levels, colors="k", linewidths=0.3, alpha=0.4)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    return cs


def plot_gradient_field(
    f: Callable[[Tensor, Tensor], Tensor],
    path: str | Path | None = None,
    xlim: tuple[float, float] = (-2.0, 2.0),
    ylim: tuple[float, float] = (-2.0, 2.0),
    n: int = 17,
    *,
    descent: bool = True,
    background: str = "contour",
    levels: int = 20,
    log_levels: bool | None = None,
    normalize: bool = False,
    title: str | None = None,
    figsize: tuple[float, float] = (6.0, 5.0),
) -> Any:
    """Arrows of ``−∇f`` (``descent=True``, the way gradient descent moves) or ``∇f``
    (``descent=False``, steepest ascent, as document 001 draws it) on an ``n × n`` grid,
    over filled contours of f (``background="contour"``) or a blank plane (``"none"``).
    ``normalize=True`` draws every arrow with the same length (direction only).
    Gradients come from ``gradient_field`` (autodiff). Returns the Figure.
    """
    if background not in ("contour", "none"):
        raise ValueError(f"plot_gradient_field: background must be 'contour' or 'none', got {background!r}")
    X, Y = _grid(xlim, ylim, n)
    _, gx, gy = gradient_field(f, X, Y)
    sign = -1.0 if descent else 1.0
    fig = _figure(figsize)
    ax = fig.add_subplot()
    if background == "contour":
        cs = _contour_background(ax, f, xlim, ylim, levels, log_levels)
        cb = fig.colorbar(cs, ax=ax, label="f(x, y)", shrink=0.85)
        from matplotlib.colors import LogNorm
        from matplotlib.ticker import LogFormatterSciNotation, LogLocator

        if isinstance(cs.norm, LogNorm):
            cb.ax.yaxis.set_major_locator(LogLocator())
            cb.ax.yaxis.set_major_formatter(LogFormatterSciNotation())
    u, v = sign * gx, sign * gy
    if normalize:  # direction only: on steep functions a few long arrows would hide the rest
        norm = np.hypot(u, v)
        norm[norm == 0] = 1.0
        u, v = u / norm, v / norm
    ax.quiver(X, Y, u, v, angles="xy", color="k" if background == "contour" else "C0")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_aspect("equal")
    ax.set_title(title or ("−∇f (descent direction)" if descent else "∇f (steepest ascent)"))
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_surface(
    f: Callable[[Tensor, Tensor], Tensor],
    path: str | Path | None = None,
    xlim: tuple[float, float] = (-4.0, 4.0),
    ylim: tuple[float, float] = (-4.0, 4.0),
    n: int = 50,
    *,
    paths: Mapping[str, np.ndarray] | None = None,
    title: str | None = None,
    elev: float = 30.0,
    azim: float = -60.0,
    labels: tuple[str, str] = ("x", "y"),
    figsize: tuple[float, float] = (7.0, 5.5),
) -> Any:
    """``f(x, y)`` as a 3-D surface (document 001's first figure); ``paths`` (``{name: array
    (k, 2)}``, e.g. from ``optimizer_trajectories``) are drawn on the surface. Returns the Figure."""
    X, Y = _grid(xlim, ylim, n)
    Z = _eval_2d(f, X, Y)
    fig = _figure(figsize)
    ax = fig.add_subplot(projection="3d")
    ax.plot_surface(X, Y, Z, cmap="coolwarm", alpha=0.75 if paths else 1.0, linewidth=0)
    for i, (name, pts) in enumerate((paths or {}).items()):
        pts = np.asarray(pts, dtype=np.float64)
        zs = _eval_2d(f, pts[:, 0], pts[:, 1])
        ax.plot(pts[:, 0], pts[:, 1], zs, color="r" if len(paths) == 1 else f"C{i % 10}",
                marker="o", markersize=3, linewidth=1.5, label=name, zorder=5)
    if paths:
        ax.legend()
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_zlabel(f"f({labels[0]}, {labels[1]})")
    ax.view_init(elev=elev, azim=azim)
    if title:
        ax.set_title(title)
    return _save(fig, path)


# --------------------------------------------------------------------------- optimizer paths


def standard_optimizers(
    lr: float | Mapping[str, float] = 0.01, momentum: float = 0.9
) -> dict[str, OptimizerFactory]:
    """Factories for the optimizers of the classic comparison, all from ``tinygrad_edu.optim``:

    ``"SGD"`` (``optim.SGD``), ``"Momentum"`` (``SGD(momentum=...)``), ``"Nesterov"``
    (``SGD(momentum=..., nesterov=True)``), ``"Adagrad"``, ``"RMSprop"``, ``"Adam"``.

    ``lr`` is one learning rate for all, or ``{name: lr}`` to choose some of them with their
    own learning rates (the adaptive methods take steps of about ``lr`` whatever the
    gradient's size, so they usually want a different value from SGD).
    """
    builders: dict[str, Callable[[list[Tensor], float], Optimizer]] = {
        "SGD": lambda p, lr: SGD(p, lr=lr),
        "Momentum": lambda p, lr: SGD(p, lr=lr, momentum=momentum),
        "Nesterov": lambda p, lr: SGD(p, lr=lr, momentum=momentum, nesterov=True),
        "Adagrad": lambda p, lr: Adagrad(p, lr=lr),
        "RMSprop": lambda p, lr: RMSprop(p, lr=lr),
        "Adam": lambda p, lr: Adam(p, lr=lr),
    }
    lrs = dict(lr) if isinstance(lr, Mapping) else dict.fromkeys(builders, float(lr))
    unknown = sorted(set(lrs) - set(builders))
    if unknown:
        raise ValueError(f"standard_optimizers: unknown names {unknown}; choose from {list(builders)}")

    def bind(build: Callable[[list[Tensor], float], Optimizer], rate: float) -> OptimizerFactory:
        return lambda params: build(params, rate)

    return {name: bind(build, float(lrs[name])) for name, build in builders.items() if name in lrs}


def optimizer_trajectories(
    f: Callable[[Tensor, Tensor], Tensor],
    start: Sequence[float],
    optimizers: Mapping[str, OptimizerFactory],
    steps: int,
) -> dict[str, np.ndarray]:
    """Where each optimizer goes on the surface ``f(x, y)`` from ``start``.

    For each ``name, factory`` a float64 parameter ``p = [x, y]`` is created at ``start`` and
    ``factory([p])`` (e.g. ``lambda params: optim.Adam(params, lr=0.1)``; see
    ``standard_optimizers``) takes ``steps`` steps of ``zero_grad(); f(p[0], p[1]).backward();
    step()``. Returns ``{name: array of shape (steps + 1, 2)}``, row k the point after k steps.
    """
    start = np.asarray(start, dtype=np.float64)
    if start.shape != (2,):
        raise ValueError(f"optimizer_trajectories: start must be a point (x, y), got shape {start.shape}")
    if not optimizers:
        raise ValueError("optimizer_trajectories: no optimizers given; see standard_optimizers()")
    return {name: _descend(lambda p: f(p[0], p[1]), start, factory, steps)
            for name, factory in optimizers.items()}


def _trajectory_axes(f: Callable[..., Any], paths: Mapping[str, np.ndarray], figsize: tuple[float, float],
                     xlim: tuple[float, float] | None, ylim: tuple[float, float] | None,
                     levels: int, log_levels: bool | None, minimum: Sequence[float] | None,
                     title: str | None, labels: tuple[str, str]) -> tuple[Any, Any]:
    if not paths:
        raise ValueError("no paths to draw; see optimizer_trajectories()")
    if xlim is None or ylim is None:
        box = _finite_box(list(paths.values()) + ([np.array([minimum])] if minimum is not None else []))
        xlim = xlim or box[0]
        ylim = ylim or box[1]
    fig = _figure(figsize)
    ax = fig.add_subplot()
    _contour_background(ax, f, xlim, ylim, levels, log_levels, labels)
    first = np.asarray(next(iter(paths.values())))[0]
    ax.plot(*first, "ko", markersize=6, zorder=4)
    if minimum is not None:
        ax.plot(*minimum, marker="*", color="gold", markeredgecolor="k", markersize=16, zorder=4,
                linestyle="none")
    if title:
        ax.set_title(title)
    return fig, ax


def plot_trajectories(
    f: Callable[[Tensor, Tensor], Tensor],
    paths: Mapping[str, np.ndarray],
    path: str | Path | None = None,
    *,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    levels: int = 30,
    log_levels: bool | None = None,
    minimum: Sequence[float] | None = None,
    title: str | None = None,
    labels: tuple[str, str] = ("x", "y"),
    figsize: tuple[float, float] = (7.0, 5.5),
) -> Any:
    """The paths of ``optimizer_trajectories`` over filled contours of ``f``: start as a
    black dot, ``minimum`` (optional) as a star, each optimizer a coloured line. The limits
    default to the box around the paths; ``labels`` names the two axes (e.g. ``("w", "b")``).
    Returns the Figure."""
    fig, ax = _trajectory_axes(f, paths, figsize, xlim, ylim, levels, log_levels, minimum, title, labels)
    for i, (name, pts) in enumerate(paths.items()):
        pts = np.asarray(pts)
        ax.plot(pts[:, 0], pts[:, 1], color=f"C{i % 10}", linewidth=1.8, label=name)
        ax.plot(pts[-1, 0], pts[-1, 1], "o", color=f"C{i % 10}", markeredgecolor="k", zorder=5)
    ax.legend(loc="best", fontsize=9)
    return _save(fig, path)


def animate_trajectories(
    f: Callable[[Tensor, Tensor], Tensor],
    paths: Mapping[str, np.ndarray],
    path_gif: str | Path,
    *,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    frames: int = 60,
    fps: int = 12,
    hold: float = 1.0,
    dpi: int = 80,
    levels: int = 30,
    log_levels: bool | None = None,
    minimum: Sequence[float] | None = None,
    title: str | None = None,
    labels: tuple[str, str] = ("x", "y"),
    figsize: tuple[float, float] = (6.0, 4.8),
) -> Path:
    """An animated GIF of the optimizers moving together, one frame per ``steps / frames``
    steps (the well-known optimizer animations), written with matplotlib's ``PillowWriter``.
    The last frame is shown for ``hold`` more seconds. Returns the path of the GIF."""
    try:
        from matplotlib.animation import PillowWriter
    except ImportError as e:
        raise ImportError(f"animate_trajectories needs matplotlib (and Pillow): {_INSTALL_HINT}") from e
    if frames < 1:
        raise ValueError(f"animate_trajectories: frames must be >= 1, got {frames}")
    fig, ax = _trajectory_axes(f, paths, figsize, xlim, ylim, levels, log_levels, minimum, title, labels)
    arrays = [np.asarray(p) for p in paths.values()]
    lines, heads = [], []
    for i, name in enumerate(paths):
        (line,) = ax.plot([], [], color=f"C{i % 10}", linewidth=1.8, label=name)
        (head,) = ax.plot([], [], "o", color=f"C{i % 10}", markeredgecolor="k", zorder=5)
        lines.append(line)
        heads.append(head)
    ax.legend(loc="upper right", fontsize=8)  # "best" would search for a place in every frame
    n_steps = max(len(a) for a in arrays) - 1
    ks = np.unique(np.linspace(0, n_steps, frames + 1).round().astype(int))
    label = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=9,
                    bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none"})
    path_gif = Path(path_gif)
    path_gif.parent.mkdir(parents=True, exist_ok=True)
    fig.canvas.draw()
    fig.set_layout_engine("none")  # keep the first frame's layout instead of redoing it per frame
    writer = PillowWriter(fps=fps)
    with writer.saving(fig, str(path_gif), dpi):
        for k in list(ks) + [ks[-1]] * round(hold * fps):
            for a, line, head in zip(arrays, lines, heads):
                j = min(k, len(a) - 1)
                line.set_data(a[: j + 1, 0], a[: j + 1, 1])
                head.set_data([a[j, 0]], [a[j, 1]])
            label.set_text(f"step {k}")
            writer.grab_frame()
    return path_gif
