"""Gradient-flow diagnostics: is every layer of a model learning?

After ``loss.backward()`` (and, optionally, ``opt.step()``), ``grad_report(model)``
tabulates, per parameter (named as by ``named_parameters()``): its shape, the norm of
its gradient, its own norm and the update ratio ||Δθ|| / ||θ||, and flags what usually
means trouble::

    snapshot = tg.viz.param_snapshot(model)       # parameters before the step
    with tg.viz.watch_relus(model):               # optional: count dead ReLU units
        loss = loss_fn(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
    report = tg.viz.grad_report(model, prev_params=snapshot)
    print(report)                                 # a text table; report.to_markdown()
    report.plot("grads.png")                      # bar chart (needs matplotlib)

Flags (thresholds are arguments of ``grad_report``; defaults below):

* ``vanishing``: gradient norm < 1e-7. The parameter barely changes; typical of deep
  stacks of saturating activations (sigmoid, tanh) or tiny weights.
* ``exploding``: gradient norm > 1e3, or NaN/inf in the gradient.
* ``update too small`` / ``update too large``: the update ratio is outside
  [1e-5, 1e-1]. A common rule of thumb wants it near 1e-3 per step: much smaller and the
  layer hardly learns (learning rate too low), much larger and it jumps around.
* ``no grad``: the parameter requires grad but has none (unused, or no backward yet).
* ``dead ReLUs`` (one row per ``nn.ReLU`` module watched by ``watch_relus``): at least
  half of the layer's units output 0 for every example of the last forward. Such units
  pass no gradient, so they may never recover.

The update ratio is measured when ``prev_params`` (from ``param_snapshot``, taken before
``opt.step()``) is given. Otherwise, with ``optimizer``, it is estimated as
lr * ||g|| / ||θ|| (exact for plain SGD; for momentum or adaptive optimizers such as
Adam, pass ``prev_params`` instead).
"""

from __future__ import annotations

import math
import os
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = [
    "GradReport", "ParamStats", "ReluStats", "ReluWatch", "grad_report", "param_snapshot", "watch_relus",
]

VANISHING = 1e-7
EXPLODING = 1e3
RATIO_RANGE = (1e-5, 1e-1)
DEAD_FRACTION = 0.5

_PLOT_HINT = "pip install 'tinygrad-edu[plot]' (or pip install matplotlib)"


def _named(model: Any) -> list[tuple[str, Tensor]]:
    """``(name, tensor)`` pairs from a Module, a dict or an iterable of pairs."""
    if hasattr(model, "named_parameters"):
        return list(model.named_parameters())
    if isinstance(model, dict):
        return list(model.items())
    return list(model)


def _norm(a: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)  # float32 squares overflow long before the norm does
    return float(np.sqrt(np.sum(a * a)))


def param_snapshot(model: Any) -> dict[str, np.ndarray]:
    """Copies of every parameter's values, by name: pass as ``grad_report(prev_params=...)``.

    Take it just before ``optimizer.step()``; optimizers update parameters in place.
    """
    return {name: np.array(p.data, copy=True) for name, p in _named(model)}


# ---------------------------------------------------------------------- dead ReLUs


@dataclass
class ReluStats:
    """One ReLU module in the last forward: ``dead`` of ``units`` never fired."""

    name: str
    units: int
    dead: int
    flags: list[str] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        return self.dead / self.units if self.units else 0.0


# the last forward's counts per ReLU module, kept only while the module lives
_last_counts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _dead_units(out: Any) -> tuple[int, int]:
    """(units, dead): a unit is one position of the output apart from the batch axis (0);
    it is dead when it is 0 for every example."""
    a = out.data if isinstance(out, Tensor) else np.asarray(out)
    if a.ndim == 0:
        return 1, int(a == 0)
    fired = (a != 0) if a.ndim == 1 else np.any(a != 0, axis=0)
    return int(fired.size), int(fired.size - np.count_nonzero(fired))


class ReluWatch:
    """Counts dead units of every ``nn.ReLU`` in ``model`` during the ``with`` block.

    Each forward of a ReLU replaces its counts, so after the block they describe the
    last forward. ``stats()`` returns them; ``grad_report(model)`` picks them up by itself.
    Only ``nn.ReLU`` modules are seen, not ``F.relu`` calls inside a ``forward``.
    """

    def __init__(self, model: Any) -> None:
        from ..nn.activation import ReLU

        self.model = model
        self._relus = [(n, m) for n, m in model.named_modules() if isinstance(m, ReLU)]
        self._handles: list = []
        self.counts: dict[str, tuple[int, int]] = {}

    def _hook(self, name: str) -> Any:
        def record(module: Any, args: Any, output: Any) -> None:
            units, dead = _dead_units(output)
            self.counts[name] = (units, dead)
            _last_counts[module] = (units, dead)

        return record

    def __enter__(self) -> ReluWatch:
        self._handles = [m.register_forward_hook(self._hook(n)) for n, m in self._relus]
        return self

    def __exit__(self, *exc: Any) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def stats(self, dead_fraction: float = DEAD_FRACTION) -> list[ReluStats]:
        out = []
        for name, _ in self._relus:
            if name in self.counts:
                units, dead = self.counts[name]
                out.append(_relu_row(name, units, dead, dead_fraction))
        return out


def watch_relus(model: Any) -> ReluWatch:
    """``with tg.viz.watch_relus(model): model(x)`` records dead ReLU units (see ReluWatch)."""
    return ReluWatch(model)


def _relu_row(name: str, units: int, dead: int, dead_fraction: float) -> ReluStats:
    row = ReluStats(name or "(model)", units, dead)
    if units and dead / units >= dead_fraction:
        row.flags.append("dead ReLUs")
    return row


# ---------------------------------------------------------------------- the report


@dataclass
class ParamStats:
    """One parameter's row. ``update_ratio`` is None when it could not be computed;
    ``ratio_source`` is ``"measured"`` (from ``prev_params``) or ``"lr*|g|/|θ|"``."""

    name: str
    shape: tuple
    grad_norm: float | None
    param_norm: float
    update_ratio: float | None = None
    ratio_source: str | None = None
    flags: list[str] = field(default_factory=list)


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if not math.isfinite(v):
        return str(v)
    return f"{v:.3e}"


class GradReport:
    """The result of ``grad_report``: ``params`` (ParamStats rows), ``relus`` (ReluStats
    rows), ``flagged`` (the rows with a flag), a text table as ``str(report)``,
    ``to_markdown()`` and ``plot(path)``."""

    def __init__(self, params: list[ParamStats], relus: list[ReluStats], thresholds: dict[str, Any]) -> None:
        self.params = params
        self.relus = relus
        self.thresholds = thresholds
        self.figure: Any = None

    def __getitem__(self, name: str) -> ParamStats:
        for row in self.params:
            if row.name == name:
                return row
        raise KeyError(f"grad_report: no parameter named {name!r}")

    @property
    def flagged(self) -> list[ParamStats | ReluStats]:
        return [r for r in [*self.params, *self.relus] if r.flags]

    def _rows(self) -> tuple[list[str], list[list[str]]]:
        head = ["parameter", "shape", "grad norm", "param norm", "update ratio", "flags"]
        rows = []
        for r in self.params:
            ratio = _fmt(r.update_ratio)
            if r.update_ratio is not None and r.ratio_source != "measured":
                ratio = "~" + ratio  # an estimate
            flags = ", ".join(r.flags)
            rows.append([r.name, str(r.shape), _fmt(r.grad_norm), _fmt(r.param_norm), ratio, flags])
        return head, rows

    def _relu_rows(self) -> tuple[list[str], list[list[str]]]:
        head = ["ReLU", "dead units", "fraction", "flags"]
        rows = [[r.name, f"{r.dead}/{r.units}", f"{r.fraction:.0%}", ", ".join(r.flags)] for r in self.relus]
        return head, rows

    def _legend(self) -> str:
        t = self.thresholds
        lo, hi = t["ratio_range"]
        s = (f"Flags: vanishing = grad norm < {t['vanishing']:g}; exploding = grad norm > {t['exploding']:g} "
             f"or NaN/inf; update ratio ||Δθ||/||θ|| outside [{lo:g}, {hi:g}] (about 1e-3 is typical)")
        if self.relus:
            s += f"; dead ReLUs = at least {t['dead_fraction']:.0%} of the units output 0 for every example"
        if any(r.ratio_source not in (None, "measured") for r in self.params):
            s += "; ~ = estimated as lr * ||g|| / ||θ||"
        return s + "."

    def __str__(self) -> str:
        def table(head: list[str], rows: list[list[str]]) -> list[str]:
            widths = [max(len(x) for x in col) for col in zip(head, *rows)]
            fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
            return [fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows)]

        lines = table(*self._rows())
        if self.relus:
            lines += ["", *table(*self._relu_rows())]
        lines += ["", self._legend()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<GradReport: {len(self.params)} parameters, {len(self.flagged)} flagged>"

    def to_markdown(self) -> str:
        def table(head: list[str], rows: list[list[str]]) -> list[str]:
            cell = lambda c: c.replace("|", "\\|")  # noqa: E731
            return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
                    *["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]]

        def styled(rows: list[list[str]]) -> list[list[str]]:  # names as code, flags in bold
            return [[f"`{r[0]}`", *r[1:-1], f"**{r[-1]}**" if r[-1] else ""] for r in rows]

        head, rows = self._rows()
        lines = table(head, styled(rows))
        if self.relus:
            head, rows = self._relu_rows()
            lines += ["", *table(head, styled(rows))]
        lines += ["", self._legend()]
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def plot(self, path: str | os.PathLike | None = None, log: bool = True) -> Any:
        """Bar chart of each parameter's gradient norm (and update ratio, when known);
        flagged parameters in red. Returns a ``matplotlib.figure.Figure``; saves to ``path``."""
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError as e:
            raise ImportError(f"GradReport.plot needs matplotlib: {_PLOT_HINT}") from e
        names = [r.name for r in self.params]
        ratios = [r.update_ratio for r in self.params]
        has_ratio = any(v is not None for v in ratios)
        size = (max(6.0, 0.5 * len(names) + 2), 6.5 if has_ratio else 4.0)
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)  # Agg: no GUI backend, no pyplot state
        axes = fig.subplots(2 if has_ratio else 1, 1, sharex=True, squeeze=False)[:, 0]
        colors = ["tab:red" if r.flags else "tab:blue" for r in self.params]
        x = np.arange(len(names))

        def bars(ax: Any, values: list[float | None], ylabel: str) -> None:
            v = np.array([np.nan if u is None or not math.isfinite(u) else u for u in values], dtype=float)
            if log:
                v = np.where(v > 0, v, np.nan)  # a log axis cannot show 0
            ax.bar(x, np.nan_to_num(v, nan=0.0), color=colors)
            if log and np.isfinite(v).any():
                ax.set_yscale("log")
            ax.set_ylabel(ylabel)
            ax.grid(True, axis="y", alpha=0.3)

        t = self.thresholds
        bars(axes[0], [r.grad_norm for r in self.params], "gradient norm")
        axes[0].axhline(t["vanishing"], color="gray", ls=":", lw=1)
        axes[0].axhline(t["exploding"], color="gray", ls=":", lw=1)
        axes[0].set_title("Gradient norm per parameter (red: flagged)")
        if has_ratio:
            bars(axes[1], ratios, "update ratio ||Δθ||/||θ||")
            axes[1].axhline(1e-3, color="green", ls="--", lw=1, label="1e-3")
            for bound in t["ratio_range"]:
                axes[1].axhline(bound, color="gray", ls=":", lw=1)
            axes[1].legend(loc="best")
        axes[-1].set_xticks(x, names, rotation=45, ha="right")
        self.figure = fig
        if path is not None:
            fig.savefig(path, dpi=100)
        return fig


def _lr_of(optimizer: Any, p: Tensor) -> float | None:
    for group in getattr(optimizer, "param_groups", []):
        if any(q is p for q in group["params"]):
            return float(group["lr"])
    return None


def grad_report(
    model: Any,
    optimizer: Any = None,
    prev_params: dict[str, Any] | None = None,
    plot: bool | str | os.PathLike = False,
    relus: ReluWatch | None = None,
    vanishing: float = VANISHING,
    exploding: float = EXPLODING,
    ratio_range: tuple[float, float] = RATIO_RANGE,
    dead_fraction: float = DEAD_FRACTION,
) -> GradReport:
    """Per-parameter gradient norms and update ratios of ``model``, with warnings.

    ``model``: a Module (or a dict / iterable of ``(name, tensor)``). Call after
    ``loss.backward()``. ``prev_params``: ``param_snapshot(model)`` taken before
    ``optimizer.step()``, to measure ||θ_after - θ_before|| / ||θ_before||; without it,
    ``optimizer``'s learning rate gives the estimate lr * ||g|| / ||θ||. ``relus``: a
    ``watch_relus`` record (default: the last forward recorded by any ``watch_relus`` on
    this model's ReLU modules). ``plot``: True draws the bar chart (``report.figure``),
    a path also saves it there. Thresholds: see the module docstring.
    """
    lo, hi = ratio_range
    rows = []
    for name, p in _named(model):
        data = p.data
        pnorm = _norm(data)
        g = p.grad
        row = ParamStats(name, tuple(data.shape), None if g is None else _norm(g.data), pnorm)
        if g is None:
            if p.requires_grad:
                row.flags.append("no grad")
        elif not np.all(np.isfinite(g.data)):
            row.grad_norm = float("nan")
            row.flags.append("exploding (NaN/inf in the gradient)")
        elif row.grad_norm > exploding:
            row.flags.append("exploding")
        elif row.grad_norm < vanishing:
            row.flags.append("vanishing")
        if prev_params is not None and name in prev_params:
            before = np.asarray(prev_params[name].data if isinstance(prev_params[name], Tensor)
                                else prev_params[name])
            base = _norm(before) or pnorm
            if base:
                row.update_ratio = _norm(np.asarray(data, dtype=np.float64) - before) / base
                row.ratio_source = "measured"
        elif optimizer is not None and row.grad_norm is not None and pnorm:
            lr = _lr_of(optimizer, p)
            if lr is not None:
                row.update_ratio = lr * row.grad_norm / pnorm
                row.ratio_source = "lr*|g|/|θ|"
        r = row.update_ratio
        if r is not None and math.isfinite(r):
            if r < lo:
                row.flags.append("update too small")
            elif r > hi:
                row.flags.append("update too large")
        rows.append(row)

    relu_rows: list[ReluStats] = []
    if relus is not None:
        relu_rows = relus.stats(dead_fraction)
    elif hasattr(model, "named_modules"):
        from ..nn.activation import ReLU

        for name, m in model.named_modules():
            if isinstance(m, ReLU) and m in _last_counts:
                units, dead = _last_counts[m]
                relu_rows.append(_relu_row(name, units, dead, dead_fraction))

    report = GradReport(rows, relu_rows, {"vanishing": vanishing, "exploding": exploding,
                                          "ratio_range": (lo, hi), "dead_fraction": dead_fraction})
    if plot:
        report.plot(None if plot is True else plot)
    return report
