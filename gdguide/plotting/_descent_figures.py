"""Figures of full-batch gradient descent.

The article's runs, the learning-rate sweep, clipping's bounded wobble and the $x^2 + x^4$ wall.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from gdguide._validation import finite_real, positive_finite, positive_int
from gdguide.clipping import ClipByNorm, ClipByValue
from gdguide.descent import gradient_descent
from gdguide.plotting._setup import (
    ONE_PANEL,
    TWO_PANELS,
    Lang,
    abs_error,
    finish,
    labels_for,
    log_axis_values,
    log_scale,
    new_figure,
)
from gdguide.problems import Wall, article_regression
from gdguide.stability import learning_rate_sweep, max_stable_learning_rate

if TYPE_CHECKING:
    from matplotlib.figure import Figure


# --- 1. the article's runs ---------------------------------------------------------------------

_ARTICLE_RUNS = {
    "en": {
        "title": "The article's regression: stable iff α < 2/λ = {threshold:.5f}",
        "x": "step k",
        "y": "error |θ − θ*|",
        "run": "α = {rate:g} ({verdict})",
        "converges": "converges",
        "oscillates": "neither: oscillates",
        "diverges": "diverges",
    },
    "zh": {
        "title": "原文的回归问题：α < 2/λ = {threshold:.5f} 时才稳定",
        "x": "迭代步数 k",
        "y": "误差 |θ − θ*|",
        "run": "α = {rate:g}（{verdict}）",
        "converges": "收敛",
        "oscillates": "既不收敛也不发散：来回振荡",
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
    $\alpha < 2/\lambda = 1/55$ and rising above it. A run that neither diverges (by its
    `diverged` flag) nor comes within $10^{-6}$ of $\theta^*$ (`steps_to_tolerance`) is labelled
    as oscillating: at $\alpha = 1/55$ exactly the error keeps its size forever.

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
    text = labels_for(_ARTICLE_RUNS, lang)
    num_steps = positive_int("num_steps", num_steps)
    problem = article_regression()
    target = float(problem.minimizer[0])
    threshold = max_stable_learning_rate(float(problem.hessian()[0, 0]))
    fig, (ax,) = new_figure(ONE_PANEL)
    for rate in learning_rates:
        run = gradient_descent(problem.grad, np.zeros(1), num_steps=num_steps, learning_rate=rate)
        if run.diverged:
            verdict = text["diverges"]
        elif run.steps_to_tolerance(target, 1e-6) is None:
            verdict = text["oscillates"]
        else:
            verdict = text["converges"]
        ax.plot(
            log_axis_values(abs_error(run.params, target)),
            label=text["run"].format(rate=rate, verdict=verdict),
        )
    log_scale(ax)
    ax.set(xlabel=text["x"], ylabel=text["y"], title=text["title"].format(threshold=threshold))
    ax.legend(loc="best", fontsize="small")
    return finish(fig, lang)


# --- 2. learning-rate sweep --------------------------------------------------------------------

_LEARNING_RATE_SWEEP = {
    "en": {
        "title": "Learning-rate sweep: error after {steps} steps",
        "x": "learning rate α",
        "y": "error |θ_T − θ*|",
        "converged": "learning_rate_sweep: not diverged",
        "diverged": "learning_rate_sweep: diverged",
        "theory": "theory |1 − αλ|^T |θ₀ − θ*|",
        "boundary": "2/λ = {value:.5f}",
        "fastest": "1/λ = {value:.5f} (one step)",
    },
    "zh": {
        "title": "学习率扫描：{steps} 步后的误差",
        "x": "学习率 α",
        "y": "误差 |θ_T − θ*|",
        "converged": "learning_rate_sweep：未发散",
        "diverged": "learning_rate_sweep：发散",
        "theory": "理论值 |1 − αλ|^T |θ₀ − θ*|",
        "boundary": "2/λ = {value:.5f}",
        "fastest": "1/λ = {value:.5f}（一步到位）",
    },
}


def plot_learning_rate_sweep(
    learning_rates: Sequence[float] | ArrayLike | None = None,
    *,
    num_steps: int = 100,
    lang: Lang = "en",
) -> Figure:
    r"""Plot the final error of gradient descent against the learning rate, and $2/\lambda$.

    Runs [`learning_rate_sweep`][gdguide.learning_rate_sweep] on the article's problem from
    $\theta_0 = 0$ (with its loss as the divergence measure) and plots $|\theta_T - \theta^*|$ for
    every rate, marked by
    the sweep's `diverged` flag, over the exact curve $|1 - \alpha\lambda|^T|\theta_0 - \theta^*|$
    ($\lambda = 110$). Vertical lines mark $1/\lambda = 1/110$, where one step lands on the
    minimum, and the stability boundary $2/\lambda = 1/55$ from
    [`max_stable_learning_rate`][gdguide.max_stable_learning_rate].

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
    >>> from gdguide.plotting import plot_learning_rate_sweep
    >>> fig = plot_learning_rate_sweep([0.005, 0.01, 0.017, 0.019, 0.022])
    >>> len(fig.axes), fig.axes[0].get_xlabel()
    (1, 'learning rate α')
    """
    text = labels_for(_LEARNING_RATE_SWEEP, lang)
    problem = article_regression()
    rates = np.linspace(0.0005, 0.025, 50) if learning_rates is None else learning_rates
    sweep = learning_rate_sweep(
        problem.grad, np.zeros(1), rates, num_steps=num_steps, loss=problem.loss
    )
    target = float(problem.minimizer[0])
    lam = float(problem.hessian()[0, 0])
    rates = sweep.learning_rates
    error = log_axis_values(abs_error(sweep.final_params, target))
    dense = np.linspace(rates.min(), rates.max(), 400)
    with np.errstate(over="ignore"):
        theory = log_axis_values(np.abs(1 - dense * lam) ** num_steps * target)
    fig, (ax,) = new_figure(ONE_PANEL)
    ax.plot(dense, theory, color="0.6", linewidth=1, label=text["theory"])
    ax.plot(
        rates[~sweep.diverged], error[~sweep.diverged], "o", color="C0", label=text["converged"]
    )
    ax.plot(rates[sweep.diverged], error[sweep.diverged], "x", color="C3", label=text["diverged"])
    ax.axvline(1 / lam, color="C2", linestyle=":", label=text["fastest"].format(value=1 / lam))
    boundary = max_stable_learning_rate(lam)
    ax.axvline(boundary, color="k", linestyle="--", label=text["boundary"].format(value=boundary))
    log_scale(ax)
    ax.set_ylim(bottom=1e-18)  # rounding floor of float64; the exact curve dips to 0 at 1/λ
    ax.set(xlabel=text["x"], ylabel=text["y"], title=text["title"].format(steps=num_steps))
    ax.legend(loc="upper left", fontsize="small")
    return finish(fig, lang)


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
    text = labels_for(_WOBBLE, lang)
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
    fig, (whole, zoom) = new_figure(TWO_PANELS, 2)
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
    return finish(fig, lang)


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
    text = labels_for(_WALL, lang)
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
    fig, (left, right) = new_figure(TWO_PANELS, 2)
    plain_x = log_axis_values(np.abs(plain.params[:, 0]))
    left.plot(plain_x, "o-", color="C3", label=text["plain"])
    left.plot(
        log_axis_values(np.abs(clipped.params[:, 0])),
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
    log_scale(left)
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
    return finish(fig, lang)
