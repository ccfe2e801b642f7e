r"""Figures for the guide, labelled in Chinese or English, and a deterministic SVG writer.

Every figure function computes its data with `gdguide` itself (the same calls the pages show),
draws it with matplotlib and returns a `matplotlib.figure.Figure`. The argument
`lang="zh"` or `lang="en"` selects every title, axis label, legend entry and annotation; a
Chinese figure carries no English words except names that Chinese texts keep as they are
(sigmoid, tanh, ReLU, Xavier, He, NaN, inf).

matplotlib is an optional dependency (the `plot` extra: `pip install "gdguide[plot]"`); it is
imported only when a figure is made, so `import gdguide.plotting` works without it.

The figures are built with `matplotlib.figure.Figure`, not `pyplot`: nothing is registered in
pyplot's global list of open figures, so a script or a test that makes many figures leaks
none and never meets pyplot's "more than 20 figures" warning. Save them with
[`save_svg`][gdguide.plotting.save_svg] (or `fig.savefig`). In Jupyter, show one with
`IPython.display.SVG` or after `import matplotlib.pyplot` (which registers the inline display).

Fonts: Chinese figures ask for the first installed of
"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei",
then "DejaVu Sans" (bundled with matplotlib). `save_svg` keeps text as text, so the reader's
browser draws it with its own fonts; see there for what happens when the build machine has no
CJK font.
"""

from __future__ import annotations

import io
import logging
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, TextIO

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gdguide._validation import finite_real, nonnegative_int, positive_finite, positive_int
from gdguide.clipping import ClipByNorm, ClipByValue
from gdguide.descent import gradient_descent
from gdguide.nets import Activation, Init, init_mlp, layer_gradient_norms, train_rnn
from gdguide.problems import Quadratic, RecurrentCliff, Wall, article_regression
from gdguide.robustness import input_sensitivity, jacobian_norm_bound, jacobian_sensitivity
from gdguide.stability import lr_sweep, max_stable_lr
from gdguide.stochastic import (
    GaussianNoise,
    NoisyGradient,
    StudentTNoise,
    make_regression,
    sgd_divergence_boundary,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_article_runs",
    "plot_clipping_wobble",
    "plot_input_sensitivity",
    "plot_layer_gradient_norms",
    "plot_lr_sweep",
    "plot_recurrent_cliff",
    "plot_rnn_training",
    "plot_wall",
    "save_svg",
]

Lang = Literal["zh", "en"]

#: CJK fonts preferred for Chinese text, most common first (Linux, then macOS and Windows).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "PingFang SC",
    "Microsoft YaHei",
)
_LATIN_FONTS = ("DejaVu Sans", "Arial", "Helvetica")
_INSTALL_HINT = (
    "gdguide.plotting needs matplotlib, the optional 'plot' extra: "
    'pip install "gdguide[plot]" (or pip install "matplotlib>=3.8")'
)
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_SVG_FONT_FAMILY = re.compile(r"font-family: ([^;\"]*sans-serif)")
_GLYPH_MISSING = r"Glyph \d+ .*missing from font"
_ONE = (6.4, 3.8)
_TWO = (9.6, 3.8)


# --- shared helpers --------------------------------------------------------------------------


def _figure_class() -> type[Figure]:
    """Import matplotlib lazily; raise ImportError with the install hint if it is missing."""
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    return Figure


def _labels(table: dict[str, dict[str, str]], lang: str) -> dict[str, str]:
    """Return the label dict for `lang`, or raise ValueError naming `lang`."""
    if lang not in table:
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    return table[lang]


@cache
def _installed_cjk_fonts() -> tuple[str, ...]:
    """Return the fonts of `CJK_FONTS` that matplotlib finds on this machine, in order."""
    from matplotlib import font_manager

    names = {entry.name for entry in font_manager.fontManager.ttflist}
    return tuple(name for name in CJK_FONTS if name in names)


def _font_family(lang: str) -> list[str]:
    """Fonts matplotlib uses for the layout: installed CJK fonts first for Chinese."""
    cjk = list(_installed_cjk_fonts()) if lang == "zh" else []
    return [*cjk, "DejaVu Sans", "sans-serif"]


def _new_figure(size: tuple[float, float], ncols: int = 1) -> tuple[Figure, list[Axes]]:
    fig = _figure_class()(figsize=size, layout="constrained")
    return fig, list(fig.subplots(1, ncols, squeeze=False)[0])


def _finish(fig: Figure, lang: str) -> Figure:
    """Give every text of the figure the language's font list (kept when saved elsewhere)."""
    family = _font_family(lang)
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [legend.get_title(), *legend.get_texts()]
    for text in texts:
        text.set_fontfamily(family)
    return fig


def _positive(values: ArrayLike) -> NDArray:
    """Values for a log axis: zeros, negatives and non-finite values become NaN (a gap)."""
    values = np.array(values, dtype=float)
    with np.errstate(invalid="ignore"):
        values[~(np.isfinite(values) & (values > 0))] = np.nan
    return values


def _error(params: NDArray, target: float) -> NDArray:
    """Absolute error of scalar iterates, NaN where a run was non-finite."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.abs(params.reshape(len(params), -1)[:, 0] - target)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value: float, _position: int | None = None) -> str:
    """Tick label "10⁻⁵" for an exact power of ten, "" otherwise (no mathtext: faster SVGs)."""
    if value <= 0 or not np.isfinite(value):
        return ""
    exponent = round(float(np.log10(value)))
    if not np.isclose(value, 10.0**exponent, rtol=1e-9):
        return ""
    return "1" if exponent == 0 else "10" + str(exponent).translate(_SUPERSCRIPT)


def _log_scale(ax: Axes, axis: Literal["x", "y"] = "y") -> None:
    """Log scale with Unicode tick labels (10⁻⁵) instead of mathtext, and no minor labels."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(_power_of_ten))
    target.set_minor_formatter(NullFormatter())


# --- 1. the article's runs ---------------------------------------------------------------------

_ARTICLE_RUNS = {
    "en": {
        "title": "The article's regression: stable iff α < 2/λ = {threshold:.5f}",
        "x": "step k",
        "y": "error |θ − θ*|",
        "run": "α = {rate:g} ({verdict})",
        "converges": "converges",
        "diverges": "diverges",
    },
    "zh": {
        "title": "原文的回归问题：α < 2/λ = {threshold:.5f} 时才稳定",
        "x": "迭代步数 k",
        "y": "误差 |θ − θ*|",
        "run": "α = {rate:g}（{verdict}）",
        "converges": "收敛",
        "diverges": "发散",
    },
}


def plot_article_runs(
    learning_rates: Sequence[float] = (0.01, 0.0182, 0.02),
    *,
    num_steps: int = 1000,
    lang: Lang = "en",
) -> Figure:
    r"""Error per step of the source article's gradient descent for a few learning rates.

    Runs [`gradient_descent`][gdguide.gradient_descent] on
    [`article_regression`][gdguide.article_regression]`()` (the sum loss
    $L(\theta) = \lVert X\theta - y\rVert^2$, Hessian $\lambda = 110$) from $\theta_0 = 0$ and
    draws $|\theta_k - \theta^*|$ on a log axis, with $\theta^* = 19/11$. The error follows
    $|1 - \alpha\lambda|^k\,|\theta_0 - \theta^*|$: a straight line on the log axis, falling for
    $\alpha < 2/\lambda = 1/55$ and rising above it.

    Parameters
    ----------
    learning_rates : sequence of float, default (0.01, 0.0182, 0.02)
        The article's $\alpha = 0.01$, one just above $1/55 \approx 0.01818$ and $0.02$.
    num_steps : int, default 1000
        Steps per run (the article's 1000).
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; the legend says which runs converge and which diverge.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or a learning rate is not positive and finite.
    ImportError
        If matplotlib is not installed.

    Notes
    -----
    Errors that are exactly zero (the converged run reaches $19/11$ to the last bit) and
    non-finite values are left out of the log axis.

    Examples
    --------
    >>> from gdguide.plotting import plot_article_runs
    >>> fig = plot_article_runs(lang="zh")
    >>> len(fig.axes), [line.get_label() for line in fig.axes[0].get_lines()]
    (1, ['α = 0.01（收敛）', 'α = 0.0182（发散）', 'α = 0.02（发散）'])
    """
    text = _labels(_ARTICLE_RUNS, lang)
    num_steps = positive_int("num_steps", num_steps)
    problem = article_regression()
    target = float(problem.minimizer[0])
    threshold = max_stable_lr(float(problem.hessian()[0, 0]))
    fig, (ax,) = _new_figure(_ONE)
    for rate in learning_rates:
        run = gradient_descent(problem.grad, np.zeros(1), num_steps=num_steps, learning_rate=rate)
        verdict = text["diverges"] if run.diverged else text["converges"]
        ax.plot(
            _positive(_error(run.params, target)),
            label=text["run"].format(rate=rate, verdict=verdict),
        )
    _log_scale(ax)
    ax.set(xlabel=text["x"], ylabel=text["y"], title=text["title"].format(threshold=threshold))
    ax.legend(loc="upper left")
    return _finish(fig, lang)


# --- 2. learning-rate sweep --------------------------------------------------------------------

_LR_SWEEP = {
    "en": {
        "title": "Learning-rate sweep: error after {steps} steps",
        "x": "learning rate α",
        "y": "error |θ_T − θ*|",
        "converged": "lr_sweep: not diverged",
        "diverged": "lr_sweep: diverged",
        "theory": "theory |1 − αλ|^T |θ₀ − θ*|",
        "boundary": "2/λ = {value:.5f}",
        "fastest": "1/λ = {value:.5f} (one step)",
    },
    "zh": {
        "title": "学习率扫描：{steps} 步后的误差",
        "x": "学习率 α",
        "y": "误差 |θ_T − θ*|",
        "converged": "lr_sweep：未发散",
        "diverged": "lr_sweep：发散",
        "theory": "理论值 |1 − αλ|^T |θ₀ − θ*|",
        "boundary": "2/λ = {value:.5f}",
        "fastest": "1/λ = {value:.5f}（一步到位）",
    },
}


def plot_lr_sweep(
    learning_rates: Sequence[float] | ArrayLike | None = None,
    *,
    num_steps: int = 100,
    lang: Lang = "en",
) -> Figure:
    r"""Plot the final error of gradient descent against the learning rate, and $2/\lambda$.

    Runs [`lr_sweep`][gdguide.lr_sweep] on the article's problem from $\theta_0 = 0$ (with its
    loss as the divergence measure) and plots $|\theta_T - \theta^*|$ for every rate, marked by
    the sweep's `diverged` flag, over the exact curve $|1 - \alpha\lambda|^T|\theta_0 - \theta^*|$
    ($\lambda = 110$). Vertical lines mark $1/\lambda = 1/110$, where one step lands on the
    minimum, and the stability boundary $2/\lambda = 1/55$ from
    [`max_stable_lr`][gdguide.max_stable_lr].

    Parameters
    ----------
    learning_rates : array_like, optional
        Rates to sweep; default 50 rates from 0.0005 to 0.025.
    num_steps : int, default 100
        Steps $T$ per run. 100 keeps the plotted range readable; the verdicts are the same with
        the article's 1000 steps.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or a rate is not positive and finite.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_lr_sweep
    >>> fig = plot_lr_sweep([0.005, 0.01, 0.017, 0.019, 0.022])
    >>> len(fig.axes), fig.axes[0].get_xlabel()
    (1, 'learning rate α')
    """
    text = _labels(_LR_SWEEP, lang)
    problem = article_regression()
    rates = np.linspace(0.0005, 0.025, 50) if learning_rates is None else learning_rates
    sweep = lr_sweep(problem.grad, np.zeros(1), rates, num_steps=num_steps, loss=problem.loss)
    target = float(problem.minimizer[0])
    lam = float(problem.hessian()[0, 0])
    rates = sweep.learning_rates
    error = _positive(_error(sweep.final_params, target))
    dense = np.linspace(rates.min(), rates.max(), 400)
    with np.errstate(over="ignore"):
        theory = _positive(np.abs(1 - dense * lam) ** num_steps * target)
    fig, (ax,) = _new_figure(_ONE)
    ax.plot(dense, theory, color="0.6", linewidth=1, label=text["theory"])
    ax.plot(
        rates[~sweep.diverged], error[~sweep.diverged], "o", color="C0", label=text["converged"]
    )
    ax.plot(rates[sweep.diverged], error[sweep.diverged], "x", color="C3", label=text["diverged"])
    ax.axvline(1 / lam, color="C2", linestyle=":", label=text["fastest"].format(value=1 / lam))
    boundary = max_stable_lr(lam)
    ax.axvline(boundary, color="k", linestyle="--", label=text["boundary"].format(value=boundary))
    _log_scale(ax)
    ax.set_ylim(bottom=1e-18)  # rounding floor of float64; the exact curve dips to 0 at 1/λ
    ax.set(xlabel=text["x"], ylabel=text["y"], title=text["title"].format(steps=num_steps))
    ax.legend(loc="upper left", fontsize="small")
    return _finish(fig, lang)


# --- 3. clipping's bounded wobble ---------------------------------------------------------------

_WOBBLE = {
    "en": {
        "left": "θ per step (α = {rate:g})",
        "right": "last {n} steps: θ − θ*",
        "x": "step k",
        "y_left": "θ",
        "y_right": "θ − θ*",
        "clipped": "α = {rate:g}, clip value {clip:g}",
        "smaller": "α = {rate:g}, no clipping",
        "optimum": "θ* = 19/11",
        "band": "±α·c/2 = ±{band:g}",
    },
    "zh": {
        "left": "每步的 θ（α = {rate:g}）",
        "right": "最后 {n} 步：θ − θ*",
        "x": "迭代步数 k",
        "y_left": "θ",
        "y_right": "θ − θ*",
        "clipped": "α = {rate:g}，按值裁剪 {clip:g}",
        "smaller": "α = {rate:g}，不裁剪",
        "optimum": "θ* = 19/11",
        "band": "±α·c/2 = ±{band:g}",
    },
}


def plot_clipping_wobble(
    *,
    learning_rate: float = 0.02,
    clip_values: Sequence[float] = (0.5, 0.05),
    smaller_learning_rate: float = 0.015,
    num_steps: int = 1000,
    last: int = 40,
    lang: Lang = "en",
) -> Figure:
    r"""Value clipping with a too-large step wobbles; a smaller step converges exactly.

    On the article's problem $\alpha = 0.02 > 1/55$ diverges. With the gradient clipped to
    $[-c, c]$ ([`ClipByValue`][gdguide.ClipByValue]) every step moves at most $\alpha c$: the run
    no longer explodes, but it cannot settle either, and ends in a limit cycle that jumps by
    $\alpha c$ across $\theta^*$ (left: whole run; right: the last `last` steps, with the band
    $\pm\alpha c/2$ of the first clip value). A small $c$ makes the steps so short that after
    1000 steps $\theta$ is still far away ($c = 0.05$: $\theta_{1000} = 1.0$). A step below
    $2/\lambda$, without clipping, converges to $\theta^*$ exactly.

    Parameters
    ----------
    learning_rate : float, default 0.02
        The too-large step $\alpha$ of the clipped runs.
    clip_values : sequence of float, default (0.5, 0.05)
        Clip values $c$; the first one is shown in the zoom.
    smaller_learning_rate : float, default 0.015
        The unclipped run's step, below $1/55$.
    num_steps : int, default 1000
        Steps per run.
    last : int, default 40
        Steps shown in the zoom on the right.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the whole runs and the zoom.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or a number is out of range.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_clipping_wobble
    >>> fig = plot_clipping_wobble(num_steps=300)
    >>> len(fig.axes), len(fig.axes[0].get_lines())
    (2, 4)
    """
    text = _labels(_WOBBLE, lang)
    learning_rate = positive_finite("learning_rate", learning_rate)
    smaller_learning_rate = positive_finite("smaller_learning_rate", smaller_learning_rate)
    num_steps = positive_int("num_steps", num_steps)
    last = positive_int("last", last)
    problem = article_regression()
    target = float(problem.minimizer[0])
    runs = [
        (
            text["clipped"].format(rate=learning_rate, clip=clip),
            gradient_descent(
                problem.grad,
                np.zeros(1),
                num_steps=num_steps,
                learning_rate=learning_rate,
                clip=ClipByValue(clip),
            ),
        )
        for clip in clip_values
    ]
    smaller = gradient_descent(
        problem.grad, np.zeros(1), num_steps=num_steps, learning_rate=smaller_learning_rate
    )
    runs.append((text["smaller"].format(rate=smaller_learning_rate), smaller))
    fig, (whole, zoom) = _new_figure(_TWO, 2)
    tail = np.arange(num_steps + 1)[-last:]
    for color, (label, run) in zip(("C3", "C1", "C0"), runs, strict=True):
        whole.plot(run.params[:, 0], color=color, label=label)
        if run is runs[0][1] or run is smaller:
            zoom.plot(tail, run.params[-last:, 0] - target, ".-", color=color, label=label)
    whole.axhline(target, color="k", linestyle="--", linewidth=1, label=text["optimum"])
    band = learning_rate * clip_values[0] / 2
    zoom.axhspan(-band, band, color="C3", alpha=0.12, label=text["band"].format(band=band))
    whole.set(
        xlabel=text["x"], ylabel=text["y_left"], title=text["left"].format(rate=learning_rate)
    )
    zoom.set(xlabel=text["x"], ylabel=text["y_right"], title=text["right"].format(n=last))
    whole.legend(loc="lower right", fontsize="small")
    zoom.legend(loc="upper right", fontsize="small")
    return _finish(fig, lang)


# --- 4. the x^2 + x^4 wall -------------------------------------------------------------------

_WALL = {
    "en": {
        "left": "f(x) = x² + x⁴, α = {rate:g}, x₀ = {x0:g}",
        "right": "the wall and the clipped steps",
        "x": "step k",
        "y_left": "|x_k|",
        "x_right": "x",
        "y_right": "f(x)",
        "plain": "plain gradient descent",
        "clipped": "norm clipped to {max_norm:g}",
        "overflow": "gradient overflows at step {step}: inf, then NaN",
        "jump": "plain step: x₁ = {x1:.1f}",
    },
    "zh": {
        "left": "f(x) = x² + x⁴，α = {rate:g}，x₀ = {x0:g}",
        "right": "陡壁与裁剪后的每一步",
        "x": "迭代步数 k",
        "y_left": "|x_k|",
        "x_right": "x",
        "y_right": "f(x)",
        "plain": "普通梯度下降",
        "clipped": "按范数裁剪到 {max_norm:g}",
        "overflow": "第 {step} 步梯度溢出：inf，随后 NaN",
        "jump": "不裁剪的一步：x₁ = {x1:.1f}",
    },
}


def plot_wall(
    *,
    x0: float = 3.0,
    learning_rate: float = 0.1,
    max_norm: float = 1.0,
    num_steps: int = 100,
    lang: Lang = "en",
) -> Figure:
    r"""Where clipping rescues: the steep wall $f(x) = x^2 + x^4$ with and without norm clipping.

    Left: $|x_k|$ on a log axis for plain [`gradient_descent`][gdguide.gradient_descent] on
    [`Wall`][gdguide.Wall] (from $x_0 = 3$ with $\alpha = 0.1$ it visits $-8.4$, $230.4$,
    $-4.9\cdot 10^6$, ... until it overflows) and for the same run with the gradient norm
    clipped to 1 ([`ClipByNorm`][gdguide.ClipByNorm]), which walks down the wall in steps of
    $\alpha \cdot 1 = 0.1$ and then converges. Right: the function with the clipped iterates and
    the first plain step, which jumps off the drawn range.

    Parameters
    ----------
    x0 : float, default 3.0
        Start, far up the wall.
    learning_rate : float, default 0.1
        Step $\alpha$ (stable near the minimum, where the curvature is 2).
    max_norm : float, default 1.0
        Clipping threshold.
    num_steps : int, default 100
        Steps per run.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or a number is out of range.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_wall
    >>> fig = plot_wall(lang="zh")
    >>> len(fig.axes), fig.axes[1].get_title()
    (2, '陡壁与裁剪后的每一步')
    """
    text = _labels(_WALL, lang)
    x0 = finite_real("x0", x0)
    learning_rate = positive_finite("learning_rate", learning_rate)
    max_norm = positive_finite("max_norm", max_norm)
    num_steps = positive_int("num_steps", num_steps)
    wall = Wall()
    start = np.array([float(x0)])
    plain = gradient_descent(wall.grad, start, num_steps=num_steps, learning_rate=learning_rate)
    clipped = gradient_descent(
        wall.grad,
        start,
        num_steps=num_steps,
        learning_rate=learning_rate,
        clip=ClipByNorm(max_norm),
    )
    fig, (left, right) = _new_figure(_TWO, 2)
    plain_x = _positive(np.abs(plain.params[:, 0]))
    left.plot(plain_x, "o-", color="C3", label=text["plain"])
    left.plot(
        _positive(np.abs(clipped.params[:, 0])),
        color="C2",
        label=text["clipped"].format(max_norm=max_norm),
    )
    bad = plain.first_nonfinite_step
    if bad is not None:
        last = bad - 1
        left.annotate(
            text["overflow"].format(step=bad),
            xy=(last, plain_x[last]),
            xytext=(12, -4),
            textcoords="offset points",
            va="top",
            fontsize="small",
            color="C3",
        )
    _log_scale(left)
    left.set(
        xlabel=text["x"],
        ylabel=text["y_left"],
        title=text["left"].format(rate=learning_rate, x0=x0),
    )
    left.legend(loc="center right", fontsize="small")
    reach = 1.15 * abs(float(x0))
    grid = np.linspace(-reach, reach, 300)
    right.plot(grid, grid**2 + grid**4, color="0.3")
    path = clipped.params[:, 0]
    right.plot(
        path, path**2 + path**4, ".", color="C2", label=text["clipped"].format(max_norm=max_norm)
    )
    right.annotate(
        text["jump"].format(x1=plain.params[1, 0]),
        xy=(-reach, wall.loss(start)),
        xytext=(float(x0), wall.loss(start)),
        fontsize="small",
        color="C3",
        ha="right",
        va="bottom",
        arrowprops={"arrowstyle": "<-", "color": "C3"},
    )
    right.set(xlabel=text["x_right"], ylabel=text["y_right"], title=text["right"])
    right.legend(loc="upper center", fontsize="small")
    return _finish(fig, lang)


# --- 5. the recurrent cliff -----------------------------------------------------------------

_CLIFF = {
    "en": {
        "left": "L(w) = ½(w^{T} − 1)², T = {T}",
        "right": "w per step, gradient clipped to |g| ≤ {max_norm:g}",
        "x_left": "w",
        "y_left": "loss L(w)",
        "x_right": "step k",
        "y_right": "w",
        "path": "clipped path from w₀ = {w0:g}",
        "jump": "plain step: w₁ = {w1:.0f}, then inf, NaN",
        "run": "w₀ = {w0:g}, α = {rate:g}",
        "decay": "w₀ = {w0:g}, α_k = {rate:g}·{decay:g}^k",
    },
    "zh": {
        "left": "L(w) = ½(w^{T} − 1)²，T = {T}",
        "right": "每步的 w，梯度裁剪到 |g| ≤ {max_norm:g}",
        "x_left": "w",
        "y_left": "损失 L(w)",
        "x_right": "迭代步数 k",
        "y_right": "w",
        "path": "从 w₀ = {w0:g} 出发的裁剪路径",
        "jump": "不裁剪的一步：w₁ = {w1:.0f}，随后 inf、NaN",
        "run": "w₀ = {w0:g}，α = {rate:g}",
        "decay": "w₀ = {w0:g}，α_k = {rate:g}·{decay:g}^k",
    },
}


def plot_recurrent_cliff(
    *,
    w0: float = 1.1,
    learning_rate: float = 0.01,
    max_norm: float = 1.0,
    wobble_w0: float = 1.105,
    decay: float = 0.97,
    num_steps: int = 100,
    lang: Lang = "en",
) -> Figure:
    r"""Pascanu's recurrent cliff: the loss against $w$, the clipped path, and what it still needs.

    [`RecurrentCliff`][gdguide.RecurrentCliff] is a one-unit linear RNN with $x_T = w^T$,
    $T = 50$ and loss $L(w) = \tfrac12(w^{50} - 1)^2$. Left: $L$ on a log axis over $w$, with
    the path of gradient descent clipped to $|g| \le 1$ from $w_0 = 1.1$ ($\alpha = 0.01$) and an
    arrow for the unclipped first step, $w_1 \approx -6209$ (then inf, then NaN). Losses below
    the bottom of the axis (exactly 0 at $w = 1$) are drawn on it. Right: $w_k$ for three clipped
    runs: from 1.1 the steps of $0.01$ land exactly on $w = 1$ (a coincidence); from 1.105 they
    wobble $1.005 \leftrightarrow 0.995$ forever, because near the minimum the curvature is 2500
    and plain steps need $\alpha < 2/2500 = 0.0008$; with a decaying step
    $\alpha_k = 0.01 \cdot 0.97^k$ (a schedule passed as `learning_rate`) the run converges.

    Parameters
    ----------
    w0 : float, default 1.1
        Start of the run that lands on 1.
    learning_rate : float, default 0.01
        Constant step $\alpha$, and the first step of the schedule.
    max_norm : float, default 1.0
        Clipping threshold on $|L'(w)|$.
    wobble_w0 : float, default 1.105
        Start of the wobbling run and of the decaying-step run.
    decay : float, default 0.97
        Factor of the schedule $\alpha_k = \alpha \cdot \text{decay}^k$.
    num_steps : int, default 100
        Steps per run.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or a number is out of range.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_recurrent_cliff
    >>> fig = plot_recurrent_cliff()
    >>> len(fig.axes), len(fig.axes[1].get_lines())
    (2, 4)
    """
    text = _labels(_CLIFF, lang)
    w0 = finite_real("w0", w0)
    wobble_w0 = finite_real("wobble_w0", wobble_w0)
    learning_rate = positive_finite("learning_rate", learning_rate)
    max_norm = positive_finite("max_norm", max_norm)
    decay = positive_finite("decay", decay)
    num_steps = positive_int("num_steps", num_steps)
    cliff = RecurrentCliff()
    clip = ClipByNorm(max_norm)

    def run(start: float, rate: float | Callable[[int], float], clipped: bool = True) -> Any:
        return gradient_descent(
            cliff.grad,
            np.array([start]),
            num_steps=num_steps,
            learning_rate=rate,
            clip=clip if clipped else None,
        )

    plain = run(w0, learning_rate, clipped=False)
    runs = [
        (text["run"].format(w0=w0, rate=learning_rate), run(w0, learning_rate)),
        (text["run"].format(w0=wobble_w0, rate=learning_rate), run(wobble_w0, learning_rate)),
        (
            text["decay"].format(w0=wobble_w0, rate=learning_rate, decay=decay),
            run(wobble_w0, lambda k: learning_rate * decay**k),
        ),
    ]
    fig, (left, right) = _new_figure(_TWO, 2)
    high = max(w0, wobble_w0) + 0.02
    grid = np.linspace(0.85, high, 400)
    losses = np.array([cliff.loss(np.array([w])) for w in grid])
    floor = 1e-6
    left.plot(grid, np.maximum(losses, floor), color="0.3")
    path = runs[0][1].params[:, 0]
    path_loss = np.array([cliff.loss(np.array([w])) for w in path])
    left.plot(
        path,
        np.maximum(path_loss, floor),
        "o",
        color="C2",
        markersize=4,
        label=text["path"].format(w0=w0),
    )
    start_loss = cliff.loss(np.array([w0]))
    left.annotate(
        text["jump"].format(w1=plain.params[1, 0]),
        xy=(0.85, start_loss),
        xytext=(w0, start_loss),
        fontsize="small",
        color="C3",
        ha="right",
        va="bottom",
        arrowprops={"arrowstyle": "<-", "color": "C3"},
    )
    _log_scale(left)
    left.set_ylim(bottom=floor)
    left.set(xlabel=text["x_left"], ylabel=text["y_left"], title=text["left"].format(T=cliff.T))
    left.legend(loc="lower right", fontsize="small")
    for color, (label, result) in zip(("C2", "C1", "C0"), runs, strict=True):
        right.plot(result.params[:, 0], color=color, label=label)
    right.axhline(1.0, color="k", linestyle="--", linewidth=1)
    right.set(
        xlabel=text["x_right"],
        ylabel=text["y_right"],
        title=text["right"].format(max_norm=max_norm),
    )
    right.legend(loc="upper right", fontsize="small")
    return _finish(fig, lang)


# --- 6. per-layer gradient norms -------------------------------------------------------------

_LAYERS = {
    "en": {
        "title": "Gradient norm per layer, {depth} layers of width {width}",
        "x": "layer l (1 = input side)",
        "y": "‖∂L/∂W_l‖",
        "y_pre": "‖δ_l‖",
        "normal": "normal σ = {std:g}",
        "xavier": "Xavier",
        "he": "He",
        "sep": ", ",
    },
    "zh": {
        "title": "每层的梯度范数：{depth} 层，每层宽 {width}",
        "x": "第 l 层（1 = 输入侧）",
        "y": "‖∂L/∂W_l‖",
        "y_pre": "‖δ_l‖",
        "normal": "正态 σ = {std:g}",
        "xavier": "Xavier",
        "he": "He",
        "sep": "，",
    },
}
_ACTIVATION_NAMES = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "linear": "linear"}
#: (activation, init, std) of the networks compared by default.
DEFAULT_NETWORKS: tuple[tuple[Activation, Init, float | None], ...] = (
    ("sigmoid", "normal", 0.1),
    ("tanh", "normal", 1.0),
    ("tanh", "xavier", None),
    ("relu", "he", None),
    ("relu", "normal", 1.0),
)


def plot_layer_gradient_norms(
    networks: Sequence[tuple[Activation, Init, float | None]] = DEFAULT_NETWORKS,
    *,
    depth: int = 10,
    width: int = 32,
    seed: int = 0,
    quantity: Literal["weights", "pre_activations"] = "weights",
    lang: Lang = "en",
) -> Figure:
    r"""Per-layer gradient norms of freshly initialized deep MLPs, by activation and initialization.

    One line per network from [`layer_gradient_norms`][gdguide.layer_gradient_norms]`(depth,
    width, activation=..., init=..., std=...)`, on a log axis. With the defaults the sigmoid
    network with $\mathcal N(0, 0.1^2)$ weights loses about 8 orders of magnitude from the last
    layer to the first (vanishing), tanh with $\mathcal N(0, 1)$ gains about 2 (exploding), and
    tanh with Xavier or ReLU with He keep the same order over depth. ReLU with $\mathcal N(0, 1)$
    weights has the same *ratio* as He (a bias-free ReLU network is positively homogeneous) but
    every gradient is above $10^{12}$.

    Parameters
    ----------
    networks : sequence of (activation, init, std)
        As in [`init_mlp`][gdguide.init_mlp]; `std` is None except for `init="normal"`.
    depth, width, seed, quantity
        Passed to `layer_gradient_norms`.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or a network is invalid.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_layer_gradient_norms
    >>> fig = plot_layer_gradient_norms([("tanh", "xavier", None), ("relu", "he", None)], lang="zh")
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['tanh，Xavier', 'ReLU，He']
    """
    text = _labels(_LAYERS, lang)
    depth = positive_int("depth", depth)
    width = positive_int("width", width)
    seed = nonnegative_int("seed", seed)
    fig, (ax,) = _new_figure(_ONE)
    layers = np.arange(1, depth + 1)
    for activation, init, std in networks:
        norms = layer_gradient_norms(
            depth, width, activation=activation, init=init, std=std, seed=seed, quantity=quantity
        )
        scheme = text["normal"].format(std=std) if init == "normal" else text[init]
        label = _ACTIVATION_NAMES.get(activation, activation) + text["sep"] + scheme
        ax.plot(layers, _positive(norms), "o-", markersize=4, label=label)
    _log_scale(ax)
    ax.set_xticks(layers)
    ylabel = text["y"] if quantity == "weights" else text["y_pre"]
    ax.set(xlabel=text["x"], ylabel=ylabel, title=text["title"].format(depth=depth, width=width))
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    return _finish(fig, lang)


# --- 7. RNN training ---------------------------------------------------------------------------

_RNN = {
    "en": {
        "left": "Linear RNN: training loss",
        "right": "gradient norm before clipping",
        "x": "step k",
        "y_left": "loss",
        "y_right": "‖g_k‖",
        "plain": "no clipping",
        "clipped": "global norm clipped to {max_norm:g}",
        "threshold": "threshold {max_norm:g}",
        "nan": "NaN at step {step}",
    },
    "zh": {
        "left": "线性 RNN：训练损失",
        "right": "裁剪前的梯度范数",
        "x": "迭代步数 k",
        "y_left": "损失",
        "y_right": "‖g_k‖",
        "plain": "不裁剪",
        "clipped": "全局范数裁剪到 {max_norm:g}",
        "threshold": "阈值 {max_norm:g}",
        "nan": "第 {step} 步出现 NaN",
    },
}


def plot_rnn_training(
    *,
    max_norm: float = 1.0,
    learning_rate: float = 0.03,
    num_steps: int = 300,
    task_seed: int = 0,
    lang: Lang = "en",
) -> Figure:
    r"""Loss and gradient norm of [`train_rnn`][gdguide.train_rnn] without and with clipping.

    The student RNN starts with spectral radius 1.1: without clipping the first step is huge and
    the loss overflows to NaN at step 2; with the global gradient norm clipped to `max_norm` the
    loss falls from about 8.5 to about 0.01 in 300 steps. Left: the loss per step (log axis);
    right: the gradient norm before clipping, with the threshold.

    Parameters
    ----------
    max_norm : float, default 1.0
        Global-norm threshold of the clipped run.
    learning_rate, num_steps, task_seed
        Passed to `train_rnn` for both runs.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or a number is out of range.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_rnn_training
    >>> fig = plot_rnn_training(num_steps=50)
    >>> len(fig.axes), fig.axes[0].get_title()
    (2, 'Linear RNN: training loss')
    """
    text = _labels(_RNN, lang)
    max_norm = positive_finite("max_norm", max_norm)
    learning_rate = positive_finite("learning_rate", learning_rate)
    num_steps = positive_int("num_steps", num_steps)
    task_seed = nonnegative_int("task_seed", task_seed)
    plain = train_rnn(task_seed=task_seed, learning_rate=learning_rate, num_steps=num_steps)
    clipped = train_rnn(
        task_seed=task_seed, learning_rate=learning_rate, num_steps=num_steps, clip=max_norm
    )
    fig, (left, right) = _new_figure(_TWO, 2)
    for ax, field in ((left, "losses"), (right, "grad_norms")):
        ax.plot(_positive(getattr(plain, field)), "o-", color="C3", label=text["plain"])
        ax.plot(
            _positive(getattr(clipped, field)),
            color="C2",
            label=text["clipped"].format(max_norm=max_norm),
        )
        _log_scale(ax)
        bad = plain.first_nonfinite_step
        if bad is not None and bad > 0:
            values = _positive(getattr(plain, field))
            ax.annotate(
                text["nan"].format(step=bad),
                xy=(bad - 1, values[bad - 1]),
                xytext=(12, -4),
                textcoords="offset points",
                va="top",
                fontsize="small",
                color="C3",
            )
    right.axhline(
        max_norm,
        color="k",
        linestyle="--",
        linewidth=1,
        label=text["threshold"].format(max_norm=max_norm),
    )
    left.set(xlabel=text["x"], ylabel=text["y_left"], title=text["left"])
    right.set(xlabel=text["x"], ylabel=text["y_right"], title=text["right"])
    left.legend(loc="center right", fontsize="small")
    right.legend(loc="center right", fontsize="small")
    return _finish(fig, lang)


# --- 8. input robustness -----------------------------------------------------------------------

_SENSITIVITY = {
    "en": {
        "title": "Sensitivity to the input: tanh MLP, Xavier, width {width}",
        "x": "number of weight layers",
        "y": "Lipschitz constant (estimate or bound)",
        "sampled": "input_sensitivity (random directions, lower bound)",
        "exact": "jacobian_sensitivity (max ‖J(x)‖₂ over inputs)",
        "bound": "jacobian_norm_bound (∏ ‖W_l‖₂, global bound)",
    },
    "zh": {
        "title": "对输入的敏感度：tanh MLP，Xavier，宽 {width}",
        "x": "权重层数",
        "y": "利普希茨常数（估计或上界）",
        "sampled": "input_sensitivity（随机方向，下界）",
        "exact": "jacobian_sensitivity（各输入 ‖J(x)‖₂ 的最大值）",
        "bound": "jacobian_norm_bound（∏ ‖W_l‖₂，全局上界）",
    },
}


def plot_input_sensitivity(
    depths: Sequence[int] = (2, 3, 4, 6, 8, 10, 12),
    *,
    width: int = 16,
    num_inputs: int = 32,
    radius: float = 1e-4,
    num_samples: int = 100,
    seed: int = 0,
    lang: Lang = "en",
) -> Figure:
    r"""Input robustness of deep tanh networks: sampled estimate, exact local value, global bound.

    For each depth $D$ a tanh MLP with Xavier weights (`init_mlp([width] * (D + 1), ...)`) is
    evaluated at `num_inputs` standard-normal inputs (`np.random.default_rng(seed)`): the sampled
    estimate of [`input_sensitivity`][gdguide.input_sensitivity] (a lower bound), the exact local
    constant $\max_n \lVert J(x_n)\rVert_2$ of
    [`jacobian_sensitivity`][gdguide.jacobian_sensitivity], and the global bound
    $\prod_l \lVert W_l\rVert_2$ of [`jacobian_norm_bound`][gdguide.jacobian_norm_bound]. The
    local constants stay of order 1 while the bound grows exponentially with depth: it is
    valid but loose. This is robustness of the trained function to its input, not stability
    of training.

    Parameters
    ----------
    depths : sequence of int
        Numbers of weight layers $D$.
    width : int, default 16
        Input, hidden and output size.
    num_inputs : int, default 32
        Number of inputs $x_n$.
    radius, num_samples
        Passed to `input_sensitivity`.
    seed : int, default 0
        Seeds the weights and the inputs.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or a number is out of range.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_input_sensitivity
    >>> fig = plot_input_sensitivity([2, 4], num_inputs=8, num_samples=10, lang="zh")
    >>> len(fig.axes), fig.axes[0].get_xlabel()
    (1, '权重层数')
    """
    text = _labels(_SENSITIVITY, lang)
    depths = [positive_int(f"depths[{i}]", d) for i, d in enumerate(depths)]
    width = positive_int("width", width)
    num_inputs = positive_int("num_inputs", num_inputs)
    radius = positive_finite("radius", radius)
    num_samples = positive_int("num_samples", num_samples)
    seed = nonnegative_int("seed", seed)
    X = np.random.default_rng(seed).standard_normal((num_inputs, width))
    values = []
    for depth in depths:
        net = init_mlp([width] * (depth + 1), activation="tanh", init="xavier", seed=seed)
        values.append(
            (
                input_sensitivity(
                    net.forward, X, radius=radius, num_samples=num_samples, seed=seed
                ).overall,
                jacobian_sensitivity(net, X).overall,
                jacobian_norm_bound(net),
            )
        )
    sampled, exact, bound = np.array(values).T
    fig, (ax,) = _new_figure(_ONE)
    ax.plot(depths, sampled, "o-", color="C0", label=text["sampled"])
    ax.plot(depths, exact, "s-", color="C2", label=text["exact"])
    ax.plot(depths, bound, "^-", color="C3", label=text["bound"])
    _log_scale(ax)
    ax.set_xticks(list(depths))
    ax.set(xlabel=text["x"], ylabel=text["y"], title=text["title"].format(width=width))
    ax.legend(loc="upper left", fontsize="small")
    return _finish(fig, lang)


# --- saving ------------------------------------------------------------------------------------


class _DropMissingFontRecords(logging.Filter):
    """Drop matplotlib's "findfont: Font family ... not found." records."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("findfont: Font family")


@contextmanager
def _quiet_about_missing_fonts() -> Iterator[None]:
    """Silence only the missing-font messages, only while the SVG is written (see `save_svg`)."""
    logger = logging.getLogger("matplotlib.font_manager")
    drop = _DropMissingFontRecords()
    logger.addFilter(drop)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_GLYPH_MISSING, category=UserWarning)
            yield
    finally:
        logger.removeFilter(drop)


def _css_font_stack(svg: str) -> str:
    """Return the CSS font-family for text: CJK fonts first when the SVG has Chinese."""
    names = [*CJK_FONTS, *_LATIN_FONTS] if _CJK.search(svg) else list(_LATIN_FONTS)
    return ", ".join(f"'{name}'" if " " in name else name for name in names) + ", sans-serif"


def save_svg(fig: Figure, path: str | os.PathLike[str] | TextIO) -> None:
    r"""Write `fig` as a small, deterministic SVG whose text stays text; then close it.

    - `svg.fonttype = "none"`: labels are `<text>` elements drawn by the reader's browser with
      its own fonts, so Chinese needs no embedded font (a few kB instead of megabytes) and stays
      selectable and searchable.
    - Deterministic: `svg.hashsalt` is fixed (the ids of clip paths do not change between runs)
      and the metadata carry no date, so regenerating an unchanged figure gives the same bytes.
    - Fonts: every text gets the CSS font list "Noto Sans CJK SC", "Source Han Sans SC",
      "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", "DejaVu Sans", Arial,
      Helvetica, sans-serif when the figure contains Chinese (the Latin part alone otherwise),
      whatever is installed where the SVG is written.
    - The figure is closed afterwards (removed from pyplot's registry when it came from pyplot;
      the figures of this module are not registered there).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : str, path-like or text file
        Destination; a path is written as UTF-8 with `\n` line ends.

    Notes
    -----
    **When the machine that writes the SVG has no CJK font**, matplotlib cannot measure the
    Chinese glyphs: it warns "Glyph ... missing from font(s) DejaVu Sans" and logs
    "findfont: Font family ... not found". Both are silenced here, and only here, while the SVG
    is written: with text kept as text the build machine's glyphs are never used, only their
    widths for the layout, and DejaVu's placeholder glyph is slightly wider (1.15 em) than a CJK
    character (1 em), so Chinese labels never overflow their boxes. Install a CJK font
    (`fonts-noto-cjk` or `fonts-wqy-microhei` on Debian) for exact metrics. Saving a raster
    image (`fig.savefig("x.png")`) is not covered: there missing glyphs are real (boxes) and
    the warning stays.

    Examples
    --------
    >>> import io
    >>> from gdguide.plotting import plot_rnn_training, save_svg
    >>> out = io.StringIO()
    >>> save_svg(plot_rnn_training(num_steps=20, lang="zh"), out)
    >>> svg = out.getvalue()
    >>> "线性 RNN：训练损失" in svg, "Noto Sans CJK SC" in svg, "<dc:date>" in svg
    (True, True, False)
    """
    import matplotlib

    buffer = io.StringIO()
    rc = matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "gdguide"})
    with rc, _quiet_about_missing_fonts():
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = _SVG_FONT_FAMILY.sub(f"font-family: {_css_font_stack(svg)}", svg)
    if isinstance(path, (str, os.PathLike)):
        with open(path, "w", encoding="utf-8", newline="\n") as file:
            file.write(svg)
    else:
        path.write(svg)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)


# --- the stochastic-gradient pages' figures ------------------------------------------------------

_STABLE_STEP = {
    "en": {
        "title": "Largest stable step of minibatch SGD (n = {n}, d = {d})",
        "x": "batch size b",
        "y": "learning rate α",
        "measured": "measured, {seeds} seeds (sgd_divergence_boundary)",
        "formula": "mean-square limit b/(b + d + 1)",
        "full": "full batch 2/λ_max = {value:.2f}",
    },
    "zh": {
        "title": "小批量 SGD 的最大稳定步长（n = {n}，d = {d}）",
        "x": "批大小 b",
        "y": "学习率 α",
        "measured": "实测，{seeds} 个随机种子（sgd_divergence_boundary）",
        "formula": "均方稳定界 b/(b + d + 1)",
        "full": "全批量 2/λ_max = {value:.2f}",
    },
}


def plot_sgd_stable_step(
    batch_sizes: Sequence[int] = (1, 4, 16, 64),
    *,
    num_seeds: int = 3,
    num_examples: int = 2000,
    num_features: int = 10,
    lang: Lang = "en",
) -> Figure:
    r"""Plot the largest stable learning rate of minibatch SGD against the batch size.

    On `make_regression(num_examples, num_features, seed=0, noise=0.5)` (standard Gaussian
    features, so the mean-loss Hessian is about $2I$), runs
    [`sgd_divergence_boundary`][gdguide.sgd_divergence_boundary] for each batch size $b$ and
    seed (150 steps, bracket $[f/2, 2f]$, tolerance $0.03f$ around $f = b/(b + d + 1)$), and
    draws the boundaries over the mean-square limit $b/(b + d + 1)$ and the full-batch
    $2/\lambda_{\max}$, on log axes.

    Parameters
    ----------
    batch_sizes : sequence of int, default (1, 4, 16, 64)
        The batch sizes (drawn with replacement).
    num_seeds : int, default 3
        Seeds 0, 1, ... per batch size.
    num_examples, num_features : int, default 2000, 10
        Size of the generated problem.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or a size is not positive.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_sgd_stable_step
    >>> fig = plot_sgd_stable_step([1, 8], num_seeds=1, num_examples=200, num_features=4)
    >>> fig.axes[0].get_xlabel()
    'batch size b'
    """
    text = _labels(_STABLE_STEP, lang)
    num_seeds = positive_int("num_seeds", num_seeds)
    data = make_regression(num_examples, num_features, seed=0, noise=0.5)
    d = data.n_params
    lam_max = float(np.linalg.eigvalsh(data.hessian())[-1])
    fig, (ax,) = _new_figure(_ONE)
    for seed in range(num_seeds):
        found = [
            sgd_divergence_boundary(
                data,
                np.zeros(d),
                batch_size=b,
                seed=seed,
                low=b / (b + d + 1) / 2,
                high=2 * b / (b + d + 1),
                num_steps=150,
                tol=0.03 * b / (b + d + 1),
            ).estimate
            for b in batch_sizes
        ]
        label = text["measured"].format(seeds=num_seeds) if seed == 0 else None
        ax.plot(batch_sizes, found, "o", color="C0", alpha=0.7, label=label)
    dense = np.geomspace(min(batch_sizes), max(batch_sizes), 200)
    ax.plot(dense, dense / (dense + d + 1), color="C1", label=text["formula"])
    ax.axhline(2 / lam_max, color="k", linestyle="--", label=text["full"].format(value=2 / lam_max))
    _log_scale(ax, "x")
    _log_scale(ax, "y")
    ax.set(
        xlabel=text["x"],
        ylabel=text["y"],
        title=text["title"].format(n=num_examples, d=d),
    )
    ax.legend(loc="lower right", fontsize="small")
    return _finish(fig, lang)


_HEAVY = {
    "en": {
        "title_gauss": "Gaussian noise",
        "title_heavy": "Student-t noise (ν = {dof:g}), same median |ξ|",
        "x": "step k",
        "y": "distance ‖θ_k − θ*‖",
        "plain": "SGD",
        "clipped": "SGD, norm clipped at {c:g}",
    },
    "zh": {
        "title_gauss": "高斯噪声",
        "title_heavy": "Student-t 噪声（ν = {dof:g}），|ξ| 的中位数相同",
        "x": "迭代步数 k",
        "y": "距离 ‖θ_k − θ*‖",
        "plain": "SGD",
        "clipped": "SGD，按范数裁剪到 {c:g}",
    },
}


def plot_heavy_tailed_noise(
    *,
    dof: float = 1.5,
    max_norm: float = 5.0,
    learning_rate: float = 0.1,
    num_steps: int = 1000,
    seed: int = 0,
    lang: Lang = "en",
) -> Figure:
    r"""SGD on a quadratic with Gaussian or heavy-tailed gradient noise, with and without clipping.

    Runs [`gradient_descent`][gdguide.gradient_descent] on $f(\theta) = \frac12\lVert\theta
    \rVert^2$ in 10 dimensions from $\theta_0 = 0$ with the gradient plus noise
    ([`NoisyGradient`][gdguide.NoisyGradient]): `GaussianNoise(1.0, seed)` on the left,
    `StudentTNoise(1.0, dof, seed)` (the same median absolute value) on the right, each
    without and with `ClipByNorm(max_norm)`, and draws $\lVert\theta_k - \theta^*\rVert$ on a
    log axis.

    Parameters
    ----------
    dof : float, default 1.5
        Degrees of freedom of the heavy-tailed noise (infinite variance for $\le 2$).
    max_norm : float, default 5.0
        Clipping threshold of the clipped runs.
    learning_rate : float, default 0.1
        Step size of every run.
    num_steps : int, default 1000
        Steps per run.
    seed : int, default 0
        Seed of both noise models.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes with the same y range.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or an argument is out of range.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_heavy_tailed_noise
    >>> fig = plot_heavy_tailed_noise(num_steps=100, lang="zh")
    >>> [ax.get_title() for ax in fig.axes]
    ['高斯噪声', 'Student-t 噪声（ν = 1.5），|ξ| 的中位数相同']
    """
    text = _labels(_HEAVY, lang)
    dof = positive_finite("dof", dof)
    quadratic = Quadratic(np.eye(10))
    fig, axes = _new_figure(_TWO, ncols=2)
    noises: list[tuple[str, Callable[[], Callable[[tuple[int, ...]], NDArray]]]] = [
        (text["title_gauss"], lambda: GaussianNoise(1.0, seed=seed)),
        (text["title_heavy"].format(dof=dof), lambda: StudentTNoise(1.0, dof, seed=seed)),
    ]
    for ax, (title, make_noise) in zip(axes, noises, strict=True):
        for clip, label, color in (
            (None, text["plain"], "C3"),
            (ClipByNorm(max_norm), text["clipped"].format(c=max_norm), "C0"),
        ):
            run = gradient_descent(
                NoisyGradient(quadratic.grad, make_noise()),
                np.zeros(10),
                num_steps=num_steps,
                learning_rate=learning_rate,
                clip=clip,
            )
            distance = np.linalg.norm(run.params, axis=1)
            ax.plot(np.arange(1, num_steps + 1), distance[1:], color=color, lw=0.8, label=label)
        _log_scale(ax)
        ax.set(title=title, xlabel=text["x"])
    low = min(ax.get_ylim()[0] for ax in axes)
    high = max(ax.get_ylim()[1] for ax in axes)
    for ax in axes:  # one y range for both panels, so the tails compare at a glance
        ax.set_ylim(low, high)
    axes[0].set_ylabel(text["y"])
    axes[0].legend(loc="upper left", fontsize="small")
    return _finish(fig, lang)


__all__ += ["plot_heavy_tailed_noise", "plot_sgd_stable_step"]
