"""Figures of networks.

The recurrent cliff, per-layer gradient norms, RNN training and input
robustness.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from gdguide._validation import finite_real, nonnegative_int, positive_finite, positive_int
from gdguide.clipping import ClipByNorm
from gdguide.descent import gradient_descent
from gdguide.nets import Activation, Init, init_mlp, layer_gradient_norms, train_rnn
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
from gdguide.problems import RecurrentCliff
from gdguide.robustness import input_sensitivity, jacobian_norm_bound, jacobian_sensitivity

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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
    text = labels_for(_CLIFF, lang)
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
    fig, (left, right) = new_figure(TWO_PANELS, 2)
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
    log_scale(left)
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
    return finish(fig, lang)


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
    text = labels_for(_LAYERS, lang)
    depth = positive_int("depth", depth)
    width = positive_int("width", width)
    seed = nonnegative_int("seed", seed)
    fig, (ax,) = new_figure(ONE_PANEL)
    layers = np.arange(1, depth + 1)
    for activation, init, std in networks:
        norms = layer_gradient_norms(
            depth, width, activation=activation, init=init, std=std, seed=seed, quantity=quantity
        )
        scheme = text["normal"].format(std=std) if init == "normal" else text[init]
        label = _ACTIVATION_NAMES.get(activation, activation) + text["sep"] + scheme
        ax.plot(layers, log_axis_values(norms), "o-", markersize=4, label=label)
    log_scale(ax)
    ax.set_xticks(layers)
    ylabel = text["y"] if quantity == "weights" else text["y_pre"]
    ax.set(xlabel=text["x"], ylabel=ylabel, title=text["title"].format(depth=depth, width=width))
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    return finish(fig, lang)


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
    text = labels_for(_RNN, lang)
    max_norm = positive_finite("max_norm", max_norm)
    learning_rate = positive_finite("learning_rate", learning_rate)
    num_steps = positive_int("num_steps", num_steps)
    task_seed = nonnegative_int("task_seed", task_seed)
    plain = train_rnn(task_seed=task_seed, learning_rate=learning_rate, num_steps=num_steps)
    clipped = train_rnn(
        task_seed=task_seed, learning_rate=learning_rate, num_steps=num_steps, clip=max_norm
    )
    fig, (left, right) = new_figure(TWO_PANELS, 2)
    for ax, field in ((left, "losses"), (right, "grad_norms")):
        ax.plot(log_axis_values(getattr(plain, field)), "o-", color="C3", label=text["plain"])
        ax.plot(
            log_axis_values(getattr(clipped, field)),
            color="C2",
            label=text["clipped"].format(max_norm=max_norm),
        )
        log_scale(ax)
        bad = plain.first_nonfinite_step
        if bad is not None and bad > 0:
            values = log_axis_values(getattr(plain, field))
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
    return finish(fig, lang)


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
    text = labels_for(_SENSITIVITY, lang)
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
    fig, (ax,) = new_figure(ONE_PANEL)
    ax.plot(depths, sampled, "o-", color="C0", label=text["sampled"])
    ax.plot(depths, exact, "s-", color="C2", label=text["exact"])
    ax.plot(depths, bound, "^-", color="C3", label=text["bound"])
    log_scale(ax)
    ax.set_xticks(list(depths))
    ax.set(xlabel=text["x"], ylabel=text["y"], title=text["title"].format(width=width))
    ax.legend(loc="upper left", fontsize="small")
    return finish(fig, lang)
