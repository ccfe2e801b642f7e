"""Figures of the theory pages: background, concepts, algorithms and trends.

The article's iterates, Pascanu's cliff as a loss curve, the intercept problem's learning-rate
sweep and contour lines, the two clipping rules on one vector, and the $x^2 + x^4$ wall's
curvature against its gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gdguide._validation import finite_real, positive_finite, positive_int
from gdguide.clipping import ClipByNorm, clip_by_norm, clip_by_value
from gdguide.descent import gradient_descent
from gdguide.plotting._setup import (
    ONE_PANEL,
    TWO_PANELS,
    Lang,
    finish,
    labels_for,
    log_axis_values,
    log_scale,
    new_figure,
)
from gdguide.problems import RecurrentCliff, Wall, article_regression
from gdguide.stability import (
    hessian_vector_product,
    largest_eigenvalue,
    learning_rate_sweep,
    max_stable_learning_rate,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _positive_rates(name: str, values: Sequence[float]) -> list[float]:
    rates = [positive_finite(name, value) for value in values]
    if not rates:
        raise ValueError(f"{name} must hold at least one learning rate")
    return rates


# --- 1. the article's iterates (background) ----------------------------------------------------

_ITERATES = {
    "en": {
        "title": "θ_k of the article's loop: factor 1 − 110α per step",
        "x": "step k",
        "y": "θ_k",
        "run": "α = {rate:g} (factor {factor:+.2f})",
        "optimum": "θ* = 19/11",
    },
    "zh": {
        "title": "原文循环的 θ_k：每步乘以 1 − 110α",
        "x": "迭代步数 k",
        "y": "θ_k",
        "run": "α = {rate:g}（因子 {factor:+.2f}）",
        "optimum": "θ* = 19/11",
    },
}


def plot_article_iterates(
    learning_rates: Sequence[float] = (0.01, 0.02),
    *,
    num_steps: int = 15,
    lang: Lang = "en",
) -> Figure:
    r"""Plot the iterates $\theta_k$ of the article's loop: a damped and a growing zigzag.

    Runs [`gradient_descent`][gdguide.gradient_descent]`(problem.grad, np.zeros(1),
    num_steps=num_steps, learning_rate=alpha)` on
    [`article_regression`][gdguide.article_regression]`()` (curvature $\lambda = 110$) and draws
    $\theta_k$ against $k$ with the minimizer $\theta^* = 19/11$. The error map
    $\theta_k - \theta^* = (1 - \alpha\lambda)^k(\theta_0 - \theta^*)$ makes $\alpha = 0.01$
    (factor $-0.1$) a zigzag that shrinks tenfold per step onto $19/11$, and $\alpha = 0.02$
    (factor $-1.2$) one that grows by 20% per step.

    Parameters
    ----------
    learning_rates : sequence of float, default (0.01, 0.02)
        The steps $\alpha$ to compare.
    num_steps : int, default 15
        Steps drawn (few, so that the zigzag stays visible on a linear axis).
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: one line per rate and the dashed line $\theta^*$.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or a number is out of range.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_article_iterates
    >>> fig = plot_article_iterates(lang="en")
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['α = 0.01 (factor -0.10)', 'α = 0.02 (factor -1.20)', 'θ* = 19/11']
    """
    text = labels_for(_ITERATES, lang)
    rates = _positive_rates("learning_rates", learning_rates)
    num_steps = positive_int("num_steps", num_steps)
    problem = article_regression()
    lam = float(problem.hessian()[0, 0])
    fig, (ax,) = new_figure(ONE_PANEL)
    for rate in rates:
        run = gradient_descent(problem.grad, np.zeros(1), num_steps=num_steps, learning_rate=rate)
        label = text["run"].format(rate=rate, factor=1 - lam * rate)
        ax.plot(run.params[:, 0], "o-", markersize=4, label=label)
    ax.axhline(float(problem.minimizer[0]), color="k", linestyle="--", linewidth=1)
    ax.lines[-1].set_label(text["optimum"])
    ax.set(xlabel=text["x"], ylabel=text["y"], title=text["title"])
    ax.legend(loc="upper left", fontsize="small")
    return finish(fig, lang)


# --- 2. Pascanu's cliff as a loss curve (concepts) ---------------------------------------------

_CLIFF_LOSS = {
    "en": {
        "title": "L(w) = ½(w^{T} − 1)², T = {T}: a flat side and a cliff",
        "x": "w",
        "y": "loss L(w)",
        "point": "w = {w:g}: L′(w) = {g:.2g}",
        "minimum": "minimum w = 1 (L = 0)",
    },
    "zh": {
        "title": "L(w) = ½(w^{T} − 1)²，T = {T}：一侧平坦，一侧悬崖",
        "x": "w",
        "y": "损失 L(w)",
        "point": "w = {w:g}：L′(w) = {g:.2g}",
        "minimum": "极小点 w = 1（L = 0）",
    },
}


def plot_cliff_loss(
    *,
    low: float = 0.8,
    high: float = 1.15,
    marked: Sequence[float] = (0.9, 1.1),
    lang: Lang = "en",
) -> Figure:
    r"""Pascanu's one-weight recurrent cliff: $L(w)$ on a log axis, flat below 1, a wall above.

    Evaluates [`RecurrentCliff`][gdguide.RecurrentCliff]`()` ($x_T = w^T$, $T = 50$,
    $L(w) = \tfrac12(w^{50} - 1)^2$) with `cliff.loss` on 400 points of $[\text{low},
    \text{high}]$ and marks the points `marked` with their gradients $L'(w)$ from `cliff.grad`
    (the page prints $-0.28$ at $w = 0.9$ and $6.2\cdot 10^5$ at $w = 1.1$). Below $w = 1$ the
    loss tends to $\tfrac12$ and barely changes; above it grows like $w^{100}$. The minimum
    $w = 1$, where the loss is exactly 0, is a dotted vertical line (a log axis has no 0).

    Parameters
    ----------
    low, high : float, default 0.8 and 1.15
        The range of $w$ (low < high).
    marked : sequence of float, default (0.9, 1.1)
        Values of $w$ marked with their gradient.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or `low >= high`, or a number is not finite.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_cliff_loss
    >>> fig = plot_cliff_loss(lang="zh")
    >>> fig.axes[0].get_ylabel(), fig.axes[0].get_yscale()
    ('损失 L(w)', 'log')
    """
    text = labels_for(_CLIFF_LOSS, lang)
    low = finite_real("low", low)
    high = finite_real("high", high)
    if not low < high:
        raise ValueError(f"low must be below high, got low={low!r}, high={high!r}")
    points = [finite_real("marked", w) for w in marked]
    cliff = RecurrentCliff()
    grid = np.linspace(low, high, 400)
    loss = np.array([cliff.loss(np.array([w])) for w in grid])
    fig, (ax,) = new_figure(ONE_PANEL)
    ax.plot(grid, log_axis_values(loss), color="C0")
    ax.axvline(1.0, color="0.4", linestyle=":", label=text["minimum"])
    for color, w in zip(("C2", "C3", "C1", "C4"), points, strict=False):
        grad = float(cliff.grad(np.array([w]))[0])
        label = text["point"].format(w=w, g=grad).replace("e+0", "e+").replace("e-0", "e-")
        ax.plot([w], [cliff.loss(np.array([w]))], "o", color=color, label=label)
    log_scale(ax)
    ax.set(xlabel=text["x"], ylabel=text["y"], title=text["title"].format(T=cliff.T))
    ax.legend(loc="upper left", fontsize="small")
    return finish(fig, lang)


# --- 3. the intercept problem's learning-rate sweep (algorithms) -------------------------------

_INTERCEPT_SWEEP = {
    "en": {
        "title": "Regression with intercept: loss after {steps} steps",
        "x": "learning rate α",
        "y": "loss L(θ_T)",
        "converged": "learning_rate_sweep: not diverged",
        "diverged": "learning_rate_sweep: diverged",
        "exact": "exact: Σ_i λ_i/2 · (1 − αλ_i)^{2T} c_i²",
        "boundary": "2/λ_max = {value:.6f}",
    },
    "zh": {
        "title": "带截距的回归：{steps} 步后的损失",
        "x": "学习率 α",
        "y": "损失 L(θ_T)",
        "converged": "learning_rate_sweep：未发散",
        "diverged": "learning_rate_sweep：发散",
        "exact": "精确值：Σ_i λ_i/2 · (1 − αλ_i)^{2T} c_i²",
        "boundary": "2/λ_max = {value:.6f}",
    },
}


def plot_intercept_sweep(
    learning_rates: Sequence[float] = (0.005, 0.01, 0.015, 0.0168, 0.017, 0.018, 0.02),
    *,
    num_steps: int = 1000,
    lang: Lang = "en",
) -> Figure:
    r"""Loss after `num_steps` steps against the learning rate, log-log, with $2/\lambda_{\max}$.

    On the article's regression with intercept,
    [`article_regression`][gdguide.article_regression]`(fit_intercept=True)` from $\theta_0 = 0$:
    the points are [`learning_rate_sweep`][gdguide.learning_rate_sweep]`(intercept.grad, x0,
    rates, num_steps=1000, loss=intercept.loss)` (marked by its `diverged` flag), the vertical
    line is [`max_stable_learning_rate`][gdguide.max_stable_learning_rate] of the
    [`largest_eigenvalue`][gdguide.largest_eigenvalue] found from
    [`hessian_vector_product`][gdguide.hessian_vector_product]s ($2/118.3095 = 0.016905$).
    The grey curve is the exact loss of a quadratic after $T$ steps,
    $\sum_i \tfrac{\lambda_i}{2}(1 - \alpha\lambda_i)^{2T} c_i^2$ with the Hessian's eigenvalues
    $\lambda_i$ and $c = Q^\top(\theta_0 - \theta^*)$ in its eigenvectors $Q$: it dips where
    $\alpha = 1/\lambda_{\max}$ removes the steep component and rises steeply past
    $2/\lambda_{\max}$.

    Parameters
    ----------
    learning_rates : sequence of float, default the page's seven rates
        Rates run by the sweep (each a full run, so keep them few).
    num_steps : int, default 1000
        Steps $T$ per run.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, both axes logarithmic.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or a number is out of range.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_intercept_sweep
    >>> fig = plot_intercept_sweep([0.01, 0.02], num_steps=100)
    >>> fig.axes[0].get_xscale(), fig.axes[0].get_yscale()
    ('log', 'log')
    """
    text = labels_for(_INTERCEPT_SWEEP, lang)
    rates = _positive_rates("learning_rates", learning_rates)
    num_steps = positive_int("num_steps", num_steps)
    intercept = article_regression(fit_intercept=True)
    x0 = np.zeros(2)
    sweep = learning_rate_sweep(intercept.grad, x0, rates, num_steps=num_steps, loss=intercept.loss)
    top = largest_eigenvalue(lambda v: hessian_vector_product(intercept.grad, x0, v), x0)
    boundary = max_stable_learning_rate(top.eigenvalue)
    eigenvalues, vectors = np.linalg.eigh(intercept.hessian())
    start = vectors.T @ (x0 - intercept.minimizer)
    dense = np.geomspace(min(rates) / 1.5, max(rates) * 1.1, 400)
    with np.errstate(over="ignore"):
        factors = (1 - dense[:, None] * eigenvalues) ** (2 * num_steps)
        exact = (factors * eigenvalues / 2 * start**2).sum(axis=1) + intercept.loss(
            intercept.minimizer
        )
    rates_done = sweep.learning_rates
    finals = log_axis_values(sweep.final_values)
    fig, (ax,) = new_figure(ONE_PANEL)
    exact[exact > 1e280] = np.nan  # above the drawn range (and keeps the log margins finite)
    ax.plot(dense, log_axis_values(exact), color="0.6", linewidth=1, label=text["exact"])
    ok = ~sweep.diverged
    ax.plot(rates_done[ok], finals[ok], "o", color="C0", label=text["converged"])
    ax.plot(rates_done[~ok], finals[~ok], "x", color="C3", label=text["diverged"])
    ax.axvline(boundary, color="k", linestyle="--", label=text["boundary"].format(value=boundary))
    log_scale(ax, "x")
    log_scale(ax, "y")
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:g}"))
    ax.set_xticks([0.005, 0.01, 0.02])
    ax.set_ylim(bottom=1e-30, top=1e290)
    ax.set_yticks([10.0**power for power in range(-30, 271, 60)])
    ax.set(xlabel=text["x"], ylabel=text["y"], title=text["title"].format(steps=num_steps))
    ax.legend(loc="upper left", fontsize="small")
    return finish(fig, lang)


# --- 4. feature scaling: contour lines and paths (algorithms) ----------------------------------

_SCALING = {
    "en": {
        "raw": "raw x: κ ≈ {kappa:.0f}, α = {rate:g}",
        "scaled": "standardized z: κ = {kappa:.0f}, α = {rate:g}",
        "x_raw": "intercept θ₀",
        "y_raw": "slope θ₁",
        "x_scaled": "intercept θ₀",
        "y_scaled": "slope θ₁ (of z)",
        "path": "first {n} steps from (0, 0)",
        "minimum": "minimum",
    },
    "zh": {
        "raw": "原始 x：κ ≈ {kappa:.0f}，α = {rate:g}",
        "scaled": "标准化的 z：κ = {kappa:.0f}，α = {rate:g}",
        "x_raw": "截距 θ₀",
        "y_raw": "斜率 θ₁",
        "x_scaled": "截距 θ₀",
        "y_scaled": "斜率 θ₁（对 z）",
        "path": "从 (0, 0) 出发的前 {n} 步",
        "minimum": "极小点",
    },
}


def plot_feature_scaling_contours(
    *,
    raw_learning_rate: float = 0.0166,
    scaled_learning_rate: float = 0.05,
    num_steps: int = 200,
    lang: Lang = "en",
) -> Figure:
    r"""Contour lines of the regression with intercept, raw and standardized, with the GD paths.

    Left: [`article_regression`][gdguide.article_regression]`(fit_intercept=True)`, Hessian
    eigenvalues $1.6905$ and $118.3095$ ($\kappa \approx 70$), with the path of
    [`gradient_descent`][gdguide.gradient_descent] at $\alpha = 0.0166$ (just under
    $2/\lambda_{\max} = 0.016905$) from $(0, 0)$: the steep component flips sign every step, the
    flat one creeps. Right: the standardized problem (`standardize=True`, Hessian $10I$,
    $\kappa = 1$) with $\alpha = 0.05$: circular contour lines and a straight path. The contour
    levels are the loss at geometric steps below the starting loss (each problem is quadratic,
    so its loss on the grid is $L^* + \tfrac12(\theta - \theta^*)^\top H(\theta - \theta^*)$ with
    its `hessian()`, `minimizer` and $L^* =$ `loss(minimizer)`).

    Parameters
    ----------
    raw_learning_rate : float, default 0.0166
        Step on the raw problem.
    scaled_learning_rate : float, default 0.05
        Step on the standardized problem.
    num_steps : int, default 200
        Steps per run, all drawn: the first 200 of the page's 2000 steps (the same iterates;
        the raw run is within $10^{-6}$ of the minimum after 499).
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: raw and standardized.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", or a number is out of range.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_feature_scaling_contours
    >>> fig = plot_feature_scaling_contours(num_steps=50)
    >>> len(fig.axes), fig.axes[1].get_title()
    (2, 'standardized z: κ = 1, α = 0.05')
    """
    text = labels_for(_SCALING, lang)
    raw_learning_rate = positive_finite("raw_learning_rate", raw_learning_rate)
    scaled_learning_rate = positive_finite("scaled_learning_rate", scaled_learning_rate)
    num_steps = positive_int("num_steps", num_steps)
    fig, axes = new_figure((TWO_PANELS[0], 4.6), 2)  # taller: both panels are square
    panels = (
        (article_regression(fit_intercept=True), raw_learning_rate, "raw", "x_raw", "y_raw"),
        (
            article_regression(fit_intercept=True, standardize=True),
            scaled_learning_rate,
            "scaled",
            "x_scaled",
            "y_scaled",
        ),
    )
    for ax, (problem, rate, title, xlabel, ylabel) in zip(axes, panels, strict=True):
        x0 = np.zeros(2)
        run = gradient_descent(problem.grad, x0, num_steps=num_steps, learning_rate=rate)
        eigenvalues = np.linalg.eigvalsh(problem.hessian())
        path = run.params
        low = np.minimum(path.min(axis=0), problem.minimizer)
        high = np.maximum(path.max(axis=0), problem.minimizer)
        center = (low + high) / 2
        half = 0.6 * (high - low).max()
        first = np.linspace(center[0] - half, center[0] + half, 101)
        second = np.linspace(center[1] - half, center[1] + half, 101)
        # the loss of a quadratic, L* + (θ − θ*)ᵀ H (θ − θ*) / 2, on the whole grid at once
        offset = np.stack(np.meshgrid(first, second), axis=-1) - problem.minimizer
        hessian = problem.hessian()
        loss = problem.loss(problem.minimizer) + 0.5 * np.einsum(
            "...i,ij,...j->...", offset, hessian, offset
        )
        start = problem.loss(x0)
        levels = start * np.geomspace(1e-4, 1.0, 9)
        ax.contour(first, second, loss, levels=levels, colors="0.6", linewidths=0.8)
        ax.plot(
            path[:, 0],
            path[:, 1],
            ".-",
            color="C3",
            markersize=3,
            linewidth=0.8,
            label=text["path"].format(n=num_steps),
        )
        ax.plot(*problem.minimizer, "*", color="k", markersize=10, label=text["minimum"])
        ax.set_xlim(first[0], first[-1])
        ax.set_ylim(second[0], second[-1])
        ax.set_aspect("equal")
        ax.set(
            xlabel=text[xlabel],
            ylabel=text[ylabel],
            title=text[title].format(kappa=eigenvalues[-1] / eigenvalues[0], rate=rate),
        )
        ax.legend(loc="lower right", fontsize="small")
    return finish(fig, lang)


# --- 5. clipping by value and by norm on one vector (algorithms) -------------------------------

_DIRECTIONS = {
    "en": {
        "title": "Clipping g with c = {c:g}: by value turns it, by norm keeps it",
        "x": "g₁",
        "y": "g₂",
        "original": "direction of g = [{g0:g}, {g1:g}] (length {norm:.1f})",
        "value": "clip_by_value: [{a:g}, {b:g}], turned {angle:.1f}°",
        "norm": "clip_by_norm: length {c:g}, turned {angle:.1f}°",
        "box": "|gⱼ| ≤ c",
        "circle": "‖g‖ ≤ c",
    },
    "zh": {
        "title": "以 c = {c:g} 裁剪 g：按值裁剪改变方向，按范数裁剪保持方向",
        "x": "g₁",
        "y": "g₂",
        "original": "g = [{g0:g}, {g1:g}] 的方向（长度 {norm:.1f}）",
        "value": "按值裁剪：[{a:g}, {b:g}]，转过 {angle:.1f}°",
        "norm": "按范数裁剪：长度 {c:g}，转过 {angle:.1f}°",
        "box": "|gⱼ| ≤ c",
        "circle": "‖g‖ ≤ c",
    },
}


def _angle(u: np.ndarray, w: np.ndarray) -> float:
    cos = float(u @ w / (np.linalg.norm(u) * np.linalg.norm(w)))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def plot_clipping_directions(
    first: float = 100.0,
    second: float = 1.0,
    *,
    threshold: float = 0.5,
    lang: Lang = "en",
) -> Figure:
    r"""One gradient, clipped by value and by norm: the first turns it, the second keeps it.

    For $g = [100, 1]$ and $c = 0.5$: [`clip_by_value`][gdguide.clip_by_value]`(g, 0.5)` gives
    $[0.5, 0.5]$, turned by $44.4°$ toward the diagonal; [`clip_by_norm`][gdguide.clip_by_norm]
    `(g, 0.5)` gives $[0.499975, 0.005]$, length $0.5$ along $g$. The figure shows the box
    $|g_j| \le c$ and the disc $\lVert g\rVert \le c$ with both clipped vectors and the
    direction of $g$ (a dashed line: $g$ itself is 200 times longer than the box).

    Parameters
    ----------
    first, second : float, default 100.0 and 1.0
        The entries of $g$ (not both 0).
    threshold : float, default 0.5
        The clip value $c$ of both rules.
    lang : {"en", "zh"}, default "en"
        Language of every text in the figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, the legend to its right.

    Raises
    ------
    ValueError
        If `lang` is not "zh" or "en", a number is not finite, `threshold` is not positive, or
        $g = 0$.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from gdguide.plotting import plot_clipping_directions
    >>> fig = plot_clipping_directions(lang="en")
    >>> fig.axes[0].get_legend().get_texts()[1].get_text()
    'clip_by_value: [0.5, 0.5], turned 44.4°'
    """
    text = labels_for(_DIRECTIONS, lang)
    g = np.array([finite_real("first", first), finite_real("second", second)])
    threshold = positive_finite("threshold", threshold)
    if not g.any():
        raise ValueError("first and second must not both be 0 (g = 0 has no direction)")
    by_value = clip_by_value(g, threshold)
    by_norm, norm_before = clip_by_norm(g, threshold)
    fig, (ax,) = new_figure((7.2, 3.8))
    reach = 1.5 * threshold
    unit = g / norm_before
    ax.plot(
        [0, unit[0] * 3 * reach],
        [0, unit[1] * 3 * reach],
        "--",
        color="C0",
        linewidth=1.2,
        label=text["original"].format(g0=g[0], g1=g[1], norm=norm_before),
    )
    arrow: dict[str, Any] = {"angles": "xy", "scale_units": "xy", "scale": 1, "width": 0.008}
    ax.quiver(0, 0, *by_value, color="C3", **arrow)
    ax.quiver(0, 0, *by_norm, color="C2", **arrow)
    ax.plot(
        [],
        [],
        color="C3",
        linewidth=2.5,
        label=text["value"].format(a=by_value[0], b=by_value[1], angle=_angle(g, by_value)),
    )
    ax.plot(
        [],
        [],
        color="C2",
        linewidth=2.5,
        label=text["norm"].format(c=threshold, angle=_angle(g, by_norm)),
    )
    ax.plot(
        [-threshold, threshold, threshold, -threshold, -threshold],
        [-threshold, -threshold, threshold, threshold, -threshold],
        color="C3",
        linewidth=0.8,
        linestyle=":",
        label=text["box"],
    )
    circle = np.linspace(0, 2 * np.pi, 200)
    ax.plot(
        threshold * np.cos(circle),
        threshold * np.sin(circle),
        color="C2",
        linewidth=0.8,
        linestyle=":",
        label=text["circle"],
    )
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-reach, reach)
    ax.set_aspect("equal")
    ax.set(xlabel=text["x"], ylabel=text["y"], title=text["title"].format(c=threshold))
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize="small")
    return finish(fig, lang)


# --- 6. the wall's curvature against its gradient (trends) -------------------------------------

_SMOOTHNESS = {
    "en": {
        "left": "f(x) = x² + x⁴: curvature grows with |f′|",
        "right": "from x₀ = {x0:g}: |x_k|",
        "x_left": "|f′(x)|",
        "y_left": "f″(x)",
        "curve": "f″ against |f′| for x ≥ 0",
        "bound": "2 + 3|f′|",
        "points": "x = {xs}",
        "x_right": "step k",
        "y_right": "|x_k|",
        "fixed": "fixed α = {rate:g}",
        "clipped": "α = {rate:g}, norm clipped to {c:g}",
        "overflow": "gradient overflows at step {step}",
    },
    "zh": {
        "left": "f(x) = x² + x⁴：曲率随 |f′| 增长",
        "right": "从 x₀ = {x0:g} 出发：|x_k|",
        "x_left": "|f′(x)|",
        "y_left": "f″(x)",
        "curve": "x ≥ 0 时 f″ 随 |f′| 的变化",
        "bound": "2 + 3|f′|",
        "points": "x = {xs}",
        "x_right": "迭代步数 k",
        "y_right": "|x_k|",
        "fixed": "固定步长 α = {rate:g}",
        "clipped": "α = {rate:g}，按范数裁剪到 {c:g}",
        "overflow": "第 {step} 步梯度溢出",
    },
}


def plot_wall_smoothness(
    *,
    x0: float = 3.0,
    learning_rate: float = 0.1,
    safe_learning_rate: float = 0.018,
    max_norm: float = 1.0,
    num_steps: int = 400,
    lang: Lang = "en",
) -> Figure:
    r"""$(L_0, L_1)$-smoothness on the wall $x^2 + x^4$, and fixed against clipped descent.

    Left: for [`Wall`][gdguide.Wall]`()`, $f''(x) = 2 + 12x^2$ against $|f'(x)| =
    |2x + 4x^3|$ (from `wall.hessian` and `wall.grad` on $x \in [0, 5]$), below the line
    $2 + 3|f'|$ (Zhang et al. 2020's $L_0 + L_1\lVert\nabla f\rVert$ with $L_0 = 2$,
    $L_1 = 3$); the page's points $x = 0, 0.5, 1, 2, 3, 5$ are marked. Right: $|x_k|$ on a log
    axis for [`gradient_descent`][gdguide.gradient_descent] from $x_0 = 3$ with the fixed step
    $0.1$ (its gradient overflows at step 6), the safe fixed step $0.018$ and the step $0.1$ with
    the gradient norm clipped to 1 ([`ClipByNorm`][gdguide.ClipByNorm]), which reaches
    $|x| < 10^{-6}$ first. Zeros are left out of the log axis.

    Parameters
    ----------
    x0 : float, default 3.0
        Start of the runs.
    learning_rate : float, default 0.1
        The fast fixed step, also used by the clipped run.
    safe_learning_rate : float, default 0.018
        The fixed step below $2/f''(x_0)$.
    max_norm : float, default 1.0
        Clipping threshold.
    num_steps : int, default 400
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
    >>> from gdguide.plotting import plot_wall_smoothness
    >>> fig = plot_wall_smoothness(num_steps=100, lang="zh")
    >>> len(fig.axes), fig.axes[1].get_lines()[0].get_label()
    (2, '固定步长 α = 0.1')
    """
    text = labels_for(_SMOOTHNESS, lang)
    x0 = finite_real("x0", x0)
    learning_rate = positive_finite("learning_rate", learning_rate)
    safe_learning_rate = positive_finite("safe_learning_rate", safe_learning_rate)
    max_norm = positive_finite("max_norm", max_norm)
    num_steps = positive_int("num_steps", num_steps)
    wall = Wall()
    xs = np.linspace(0.0, 5.0, 200)
    grads = np.array([abs(wall.grad(np.array([x]))[0]) for x in xs])
    curvature = np.array([wall.hessian(np.array([x]))[0, 0] for x in xs])
    marked = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)
    fig, (left, right) = new_figure(TWO_PANELS, 2)
    left.plot(grads, curvature, color="C0", label=text["curve"])
    left.plot(grads, 2 + 3 * grads, "--", color="k", linewidth=1, label=text["bound"])
    points = np.array(marked)
    left.plot(
        [abs(wall.grad(np.array([x]))[0]) for x in points],
        [wall.hessian(np.array([x]))[0, 0] for x in points],
        "o",
        color="C0",
        label=text["points"].format(xs=", ".join(f"{x:g}" for x in marked)),
    )
    left.set(xlabel=text["x_left"], ylabel=text["y_left"], title=text["left"])
    left.legend(loc="upper left", fontsize="small")
    start = np.array([x0])
    runs = [
        (
            text["fixed"].format(rate=learning_rate),
            "C3",
            gradient_descent(wall.grad, start, num_steps=num_steps, learning_rate=learning_rate),
        ),
        (
            text["fixed"].format(rate=safe_learning_rate),
            "C0",
            gradient_descent(
                wall.grad, start, num_steps=num_steps, learning_rate=safe_learning_rate
            ),
        ),
        (
            text["clipped"].format(rate=learning_rate, c=max_norm),
            "C2",
            gradient_descent(
                wall.grad,
                start,
                num_steps=num_steps,
                learning_rate=learning_rate,
                clip=ClipByNorm(max_norm),
            ),
        ),
    ]
    for label, color, run in runs:
        values = log_axis_values(np.abs(run.params[:, 0]))
        right.plot(values, ".-" if run.diverged else "-", color=color, markersize=4, label=label)
        bad = run.first_nonfinite_step
        if bad is not None:
            right.annotate(
                text["overflow"].format(step=bad),
                xy=(bad, values[bad]) if np.isfinite(values[bad]) else (bad - 1, values[bad - 1]),
                xytext=(8, -2),
                textcoords="offset points",
                va="top",
                fontsize="small",
                color=color,
            )
    log_scale(right)
    low_power = int(
        np.floor(
            np.nanmin(np.log10(np.concatenate([line.get_ydata() for line in right.get_lines()])))
        )
    )
    right.set_yticks([10.0**power for power in range(40 * (low_power // 40), 200, 40)])
    right.set_ylim(10.0 ** (low_power - 4), 10.0**190)
    right.set(xlabel=text["x_right"], ylabel=text["y_right"], title=text["right"].format(x0=x0))
    right.legend(loc="center right", fontsize="small")
    return finish(fig, lang)
