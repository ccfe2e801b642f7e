"""Figures of the stochastic-gradient pages.

The largest stable minibatch step, and clipping under heavy-tailed noise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gdguide._validation import positive_finite, positive_int
from gdguide.clipping import ClipByNorm
from gdguide.descent import gradient_descent
from gdguide.plotting._setup import (
    ONE_PANEL,
    TWO_PANELS,
    Lang,
    finish,
    labels_for,
    log_scale,
    new_figure,
)
from gdguide.problems import Quadratic
from gdguide.stochastic import (
    GaussianNoise,
    NoisyGradient,
    StudentTNoise,
    make_regression,
    sgd_divergence_boundary,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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
    text = labels_for(_STABLE_STEP, lang)
    num_seeds = positive_int("num_seeds", num_seeds)
    data = make_regression(num_examples, num_features, seed=0, noise=0.5)
    d = data.n_params
    lam_max = float(np.linalg.eigvalsh(data.hessian())[-1])
    fig, (ax,) = new_figure(ONE_PANEL)
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
    log_scale(ax, "x")
    log_scale(ax, "y")
    ax.set(
        xlabel=text["x"],
        ylabel=text["y"],
        title=text["title"].format(n=num_examples, d=d),
    )
    ax.legend(loc="lower right", fontsize="small")
    return finish(fig, lang)


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
    text = labels_for(_HEAVY, lang)
    dof = positive_finite("dof", dof)
    quadratic = Quadratic(np.eye(10))
    fig, axes = new_figure(TWO_PANELS, ncols=2)
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
        log_scale(ax)
        ax.set(title=title, xlabel=text["x"])
    low = min(ax.get_ylim()[0] for ax in axes)
    high = max(ax.get_ylim()[1] for ax in axes)
    for ax in axes:  # one y range for both panels, so the tails compare at a glance
        ax.set_ylim(low, high)
    axes[0].set_ylabel(text["y"])
    axes[0].legend(loc="upper left", fontsize="small")
    return finish(fig, lang)
