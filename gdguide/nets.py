r"""Deep networks in numpy with exact backpropagation, to watch gradients vanish and explode.

Two small models whose gradients are computed by hand, in closed form, so every number the guide
prints about "exploding" or "vanishing" gradients can be traced to a product of Jacobians:

- `MLP` (built by `init_mlp`): a fully connected network of any depth with sigmoid, tanh or ReLU
  hidden layers and scaled-normal, Xavier or He initialization; `layer_gradient_norms` reports the
  gradient norm of every layer, first to last.
- `RNN` (built by `init_rnn`): a vanilla tanh or linear recurrent network with backpropagation
  through time; its gradients report $\lVert \partial L / \partial h_t \rVert$ for every step.
- `train_rnn`: a seeded teacher-student task on which plain gradient descent blows up and the
  same run with global-norm clipping converges.

Layout conventions follow PyTorch: a weight matrix has shape `(out_features, in_features)` like
`torch.nn.Linear.weight`, and a batch is the first axis (`batch_first=True` for sequences).
The loss is half the mean (over the batch) squared error,
$L = \frac{1}{2N}\sum_{n=1}^{N} \lVert \hat y_n - y_n \rVert_2^2$.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from gdguide._validation import (
    choice,
    float_array,
    nonnegative_int,
    positive_finite,
    positive_int,
    with_shape,
)
from gdguide.clipping import _global_l2_norm

__all__ = [
    "MLP",
    "MLPGradients",
    "RNN",
    "RNNGradients",
    "RNNTrainingHistory",
    "init_mlp",
    "init_rnn",
    "layer_gradient_norms",
    "train_rnn",
]

Activation = Literal["sigmoid", "tanh", "relu", "linear"]
Init = Literal["normal", "xavier", "he"]

_ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
_INITS = ("normal", "xavier", "he")


def _activate(name: str, z: NDArray) -> NDArray:
    if name == "sigmoid":
        # 1 / (1 + exp(-z)) written through tanh: no overflow warning for large |z|.
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    return z


def _activation_derivative(name: str, z: NDArray, h: NDArray) -> NDArray:
    r"""Elementwise $\phi'(z)$, computed from the pre-activation `z` and the output `h = phi(z)`."""
    if name == "sigmoid":
        return h * (1 - h)
    if name == "tanh":
        return 1 - h * h
    if name == "relu":
        return (z > 0).astype(z.dtype)
    return np.ones_like(z)


def _init_std(init: str, fan_in: int, fan_out: int, std: float | None) -> float:
    if init == "normal":
        return float(std)  # type: ignore[arg-type]
    if init == "xavier":
        return float(np.sqrt(2.0 / (fan_in + fan_out)))
    return float(np.sqrt(2.0 / fan_in))


def _init_options(init: object, std: object) -> tuple[str, float | None]:
    init = choice("init", init, _INITS)
    if init == "normal":
        if std is None:
            raise ValueError("std is required when init='normal'")
        return init, positive_finite("std", std)
    if std is not None:
        raise ValueError(f"std is only used with init='normal'; init={init!r} sets its own scale")
    return init, None


def _half_mse(prediction: NDArray, target: NDArray) -> tuple[float, NDArray]:
    r"""Return the half mean squared error and its gradient $\partial L/\partial \hat y$."""
    residual = prediction - target
    n = prediction.shape[0]
    return float(0.5 * np.vdot(residual, residual) / n), residual / n


def _frobenius_norms(arrays: Sequence[NDArray]) -> NDArray[np.float64]:
    return np.array([np.linalg.norm(a) for a in arrays], dtype=np.float64)


def _targets(name: str, y: ArrayLike, batch: int, out_features: int) -> NDArray:
    target = float_array(name, y)
    if target.ndim == 1 and out_features == 1:
        target = target[:, None]
    return with_shape(name, target, (batch, out_features))


# --------------------------------------------------------------------------------------------
# Multilayer perceptron
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MLPGradients:
    r"""Exact gradients of the half mean squared error of an `MLP`, layer by layer.

    Attributes
    ----------
    loss : float
        $L = \frac{1}{2N}\sum_n \lVert \hat y_n - y_n \rVert_2^2$ at the current weights.
    weights : list of ndarray
        $\partial L / \partial W_l$ for $l = 1, \dots, D$ (first layer first), each of shape
        `(out_features, in_features)` like the weight itself.
    biases : list of ndarray
        $\partial L / \partial b_l$, each of shape `(out_features,)`.
    pre_activations : list of ndarray
        The backpropagated signal $\delta_l = \partial L / \partial z_l$ at every layer's
        pre-activation $z_l$, each of shape `(batch, out_features)`.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import init_mlp
    >>> net = init_mlp([3, 4, 2], activation="tanh", init="xavier", seed=0)
    >>> grads = net.gradients(np.ones((5, 3)), np.zeros((5, 2)))
    >>> [g.shape for g in grads.weights]
    [(4, 3), (2, 4)]
    >>> grads.weight_norms().shape
    (2,)
    """

    loss: float
    weights: list[NDArray]
    biases: list[NDArray]
    pre_activations: list[NDArray]

    def weight_norms(self) -> NDArray[np.float64]:
        r"""Frobenius norms $\lVert \partial L/\partial W_l \rVert_F$, first layer to last."""
        return _frobenius_norms(self.weights)

    def pre_activation_norms(self) -> NDArray[np.float64]:
        r"""Norm $\lVert \delta_l \rVert_F$ of the backpropagated signal, first layer to last."""
        return _frobenius_norms(self.pre_activations)

    def as_list(self) -> list[NDArray]:
        r"""Gradients in the order of `MLP.parameters()`: $W_1, b_1, W_2, b_2, \dots$."""
        return [g for pair in zip(self.weights, self.biases, strict=True) for g in pair]


class MLP:
    r"""Fully connected network $x \mapsto W_D\,\phi(\cdots \phi(W_1 x + b_1) \cdots) + b_D$.

    Layer $l$ computes $z_l = W_l h_{l-1} + b_l$ and $h_l = \phi(z_l)$ with $h_0 = x$; the hidden
    layers use the activation $\phi$ and the last layer is linear ($\hat y = z_D$), as in a
    regression head. Build one with `init_mlp`, or pass weights directly.

    Parameters
    ----------
    weights : sequence of array_like
        $W_1, \dots, W_D$, each of shape `(out_features, in_features)` (PyTorch `nn.Linear`
        layout); consecutive shapes must chain.
    biases : sequence of array_like
        $b_1, \dots, b_D$, each of shape `(out_features,)`.
    activation : {"sigmoid", "tanh", "relu", "linear"}
        Hidden-layer nonlinearity $\phi$.

    Raises
    ------
    ValueError
        If the shapes do not chain, the lists are empty or differ in length, or `activation` is
        unknown.

    Notes
    -----
    The arrays are used as given (not copied): the network shares memory with the caller. The
    computation runs in the dtype NumPy's promotion gives: float32 weights and float32 inputs
    stay float32.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import MLP
    >>> net = MLP([np.eye(2), np.array([[1.0, -1.0]])], [np.zeros(2), np.zeros(1)], "relu")
    >>> net.forward(np.array([[3.0, 1.0], [-1.0, 2.0]])).round(6).tolist()
    [[2.0], [-2.0]]
    """

    def __init__(
        self, weights: Sequence[ArrayLike], biases: Sequence[ArrayLike], activation: Activation
    ) -> None:
        self.activation = choice("activation", activation, _ACTIVATIONS)
        self.weights = [float_array(f"weights[{i}]", w) for i, w in enumerate(weights)]
        self.biases = [float_array(f"biases[{i}]", b) for i, b in enumerate(biases)]
        if not self.weights or len(self.weights) != len(self.biases):
            raise ValueError("weights and biases must be non-empty lists of the same length")
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            if w.ndim != 2 or b.shape != (w.shape[0],):
                raise ValueError(
                    f"weights[{i}] must be 2-D and biases[{i}] of shape ({w.shape[0]},)"
                )
            if i and w.shape[1] != self.weights[i - 1].shape[0]:
                raise ValueError(
                    f"weights[{i}] takes {w.shape[1]} inputs but layer {i - 1} gives "
                    f"{self.weights[i - 1].shape[0]}"
                )

    @property
    def layer_sizes(self) -> list[int]:
        """`[in_features, hidden_1, ..., out_features]`."""
        return [self.weights[0].shape[1], *(w.shape[0] for w in self.weights)]

    def parameters(self) -> list[NDArray]:
        r"""Parameters in the order $W_1, b_1, W_2, b_2, \dots$ (the arrays themselves)."""
        return [p for pair in zip(self.weights, self.biases, strict=True) for p in pair]

    def _inputs(self, x: ArrayLike) -> NDArray:
        inputs = float_array("x", x)
        if inputs.ndim != 2 or inputs.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"x must have shape (batch, {self.layer_sizes[0]}), got {inputs.shape}"
            )
        return inputs

    def _forward_cache(self, x: NDArray) -> tuple[list[NDArray], list[NDArray]]:
        """Return pre-activations $z_1..z_D$ and layer outputs $h_0..h_D$ ($h_D = z_D$)."""
        zs, hs = [], [x]
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = hs[-1] @ w.T + b
            zs.append(z)
            hs.append(z if i == last else _activate(self.activation, z))
        return zs, hs

    def forward(self, x: ArrayLike) -> NDArray:
        r"""Output $\hat y$, shape `(batch, out_features)`, for `x` of shape `(batch, in_features)`.

        Examples
        --------
        >>> import numpy as np
        >>> from gdguide import init_mlp
        >>> net = init_mlp([4, 8, 8, 3], activation="tanh", init="xavier", seed=1)
        >>> net.forward(np.ones((2, 4))).shape
        (2, 3)
        """
        return self._forward_cache(self._inputs(x))[1][-1]

    def gradients(self, x: ArrayLike, y: ArrayLike) -> MLPGradients:
        r"""Backpropagate the half mean squared error: the chain rule, one layer at a time.

        With $\delta_l = \partial L/\partial z_l$ and $N$ the batch size,

        $$\delta_D = \tfrac{1}{N}(\hat y - y),\qquad
        \delta_{l} = \big(\delta_{l+1} W_{l+1}\big) \odot \phi'(z_{l}),\qquad
        \frac{\partial L}{\partial W_l} = \delta_l^{\top} h_{l-1},\qquad
        \frac{\partial L}{\partial b_l} = \textstyle\sum_n \delta_{l,n}.$$

        Unrolled, $\delta_l$ is $\delta_D$ multiplied by the product of Jacobians
        $\prod_{k=l+1}^{D} W_k\,\mathrm{diag}(\phi'(z_{k-1}))$: with $D$ factors each of norm
        below 1 it shrinks geometrically (vanishing gradients), above 1 it grows (exploding).

        Parameters
        ----------
        x : array_like, shape (batch, in_features)
            Inputs.
        y : array_like, shape (batch, out_features)
            Targets (shape `(batch,)` is accepted when there is one output).

        Returns
        -------
        MLPGradients
            The loss and the gradients of every weight, bias and pre-activation.

        Examples
        --------
        >>> import numpy as np
        >>> from gdguide import init_mlp
        >>> net = init_mlp([2, 3, 1], activation="sigmoid", init="xavier", seed=0)
        >>> grads = net.gradients(np.array([[1.0, 2.0]]), np.array([0.5]))
        >>> print(f"{grads.loss:.4f}", grads.weights[0].shape, grads.biases[1].shape)
        0.0050 (3, 2) (1,)
        """
        inputs = self._inputs(x)
        zs, hs = self._forward_cache(inputs)
        loss, delta = _half_mse(hs[-1], _targets("y", y, inputs.shape[0], self.layer_sizes[-1]))
        depth = len(self.weights)
        grads_w: list[NDArray] = []  # filled from the last layer back, reversed below
        grads_b: list[NDArray] = []
        deltas: list[NDArray] = []
        for layer in range(depth - 1, -1, -1):
            deltas.append(delta)
            grads_w.append(delta.T @ hs[layer])
            grads_b.append(delta.sum(axis=0))
            if layer:
                back = delta @ self.weights[layer]
                delta = back * _activation_derivative(self.activation, zs[layer - 1], hs[layer])
        return MLPGradients(loss, grads_w[::-1], grads_b[::-1], deltas[::-1])

    def input_jacobian(self, x: ArrayLike) -> NDArray:
        r"""Jacobian $\partial \hat y / \partial x$ at every input, shape `(batch, out, in)`.

        $J(x) = W_D\,\mathrm{diag}(\phi'(z_{D-1}))\,W_{D-1} \cdots \mathrm{diag}(\phi'(z_1))\,W_1$,
        evaluated for the whole batch at once. Its spectral norm is the local Lipschitz constant
        of the network at $x$ (see `gdguide.robustness`).

        Examples
        --------
        >>> import numpy as np
        >>> from gdguide import MLP
        >>> weights = [np.array([[2.0, 0.0], [0.0, -1.0]]), np.ones((1, 2))]
        >>> net = MLP(weights, [np.zeros(2), np.zeros(1)], "relu")
        >>> net.input_jacobian(np.array([[1.0, 1.0], [1.0, -1.0]])).round(6).tolist()
        [[[2.0, 0.0]], [[2.0, -1.0]]]
        """
        inputs = self._inputs(x)
        zs, hs = self._forward_cache(inputs)
        jac = np.broadcast_to(self.weights[0], (inputs.shape[0], *self.weights[0].shape))
        for layer in range(1, len(self.weights)):
            slope = _activation_derivative(self.activation, zs[layer - 1], hs[layer])
            jac = self.weights[layer] @ (slope[:, :, None] * jac)
        return np.ascontiguousarray(jac)


def init_mlp(
    layer_sizes: Sequence[int],
    *,
    activation: Activation = "relu",
    init: Init = "he",
    std: float | None = None,
    seed: int = 0,
    dtype: DTypeLike = np.float64,
) -> MLP:
    r"""Build an `MLP` with random weights drawn by a named initialization scheme, biases zero.

    Every weight $W_l$ of shape `(fan_out, fan_in)` is drawn i.i.d. from
    $\mathcal N(0, \sigma^2)$ with

    | `init` | $\sigma^2$ | keeps the variance of | for |
    |---|---|---|---|
    | `"normal"` | `std`$^2$ (given) | nothing in particular | demonstrations |
    | `"xavier"` | $2 / (n_{in} + n_{out})$ | activations and gradients | tanh, linear |
    | `"he"` | $2 / n_{in}$ | activations through ReLU | ReLU |

    Why: for $z = W h$ with $n_{in}$ inputs, independent zero-mean weights of variance $\sigma^2$,

    $$\operatorname{Var}[z_i] = n_{in}\,\sigma^2\,\mathbb E[h_j^2].$$

    For an activation that is linear near 0 (tanh) $\mathbb E[h^2] \approx \operatorname{Var}[z]$
    of the previous layer, so the forward variance is preserved when $n_{in}\sigma^2 = 1$; the
    backward pass multiplies by $W^\top$ and preserves gradient variance when $n_{out}\sigma^2 = 1$.
    Glorot and Bengio [1] take the harmonic compromise $\sigma^2 = 2/(n_{in}+n_{out})$. For ReLU,
    $z$ symmetric around 0 gives $\mathbb E[\mathrm{relu}(z)^2] = \operatorname{Var}[z]/2$: half
    the signal is zeroed, so He et al. [2] double the variance, $\sigma^2 = 2/n_{in}$.

    Parameters
    ----------
    layer_sizes : sequence of int
        `[in_features, hidden_1, ..., out_features]`, at least two entries, all >= 1.
    activation : {"sigmoid", "tanh", "relu", "linear"}, default "relu"
        Hidden-layer nonlinearity.
    init : {"normal", "xavier", "he"}, default "he"
        Initialization scheme (all draw from a normal distribution).
    std : float, optional
        Standard deviation for `init="normal"` (required there, rejected otherwise).
    seed : int, default 0
        Seed of `np.random.default_rng`; the same seed gives the same network.
    dtype : dtype, default float64
        Floating dtype of the parameters.

    Returns
    -------
    MLP

    Raises
    ------
    ValueError
        Unknown `activation` or `init`, fewer than two layer sizes, `std` missing or non-positive
        with `init="normal"`, or given with another scheme.
    TypeError
        Non-integer layer sizes or `seed`.

    Notes
    -----
    PyTorch equivalents: `torch.nn.init.xavier_normal_` (gain 1) and
    `torch.nn.init.kaiming_normal_(w, nonlinearity="relu")` (fan-in mode). Glorot and Bengio's
    paper uses the uniform distribution $U[\pm\sqrt{6/(n_{in}+n_{out})}]$, which has the same
    variance. PyTorch's default `nn.Linear` initialization is neither: it is
    `kaiming_uniform_(a=sqrt(5))`, variance $1/(3 n_{in})$. Keras `Dense` defaults to
    Glorot uniform. For tanh PyTorch's `calculate_gain` suggests a gain of 5/3 on top of Xavier.

    References
    ----------
    1. X. Glorot, Y. Bengio, "Understanding the difficulty of training deep feedforward neural
       networks", AISTATS 2010. <https://proceedings.mlr.press/v9/glorot10a.html>
    2. K. He, X. Zhang, S. Ren, J. Sun, "Delving Deep into Rectifiers", ICCV 2015.
       [arXiv:1502.01852](https://arxiv.org/abs/1502.01852)

    Examples
    --------
    >>> from gdguide import init_mlp
    >>> net = init_mlp([256, 256, 10], activation="relu", init="he", seed=0)
    >>> net.layer_sizes, net.weights[0].shape
    ([256, 256, 10], (256, 256))
    >>> print(f"{net.weights[0].std():.3f}")  # sqrt(2 / 256) = 0.088
    0.088
    """
    activation = choice("activation", activation, _ACTIVATIONS)  # type: ignore[assignment]
    init, std = _init_options(init, std)  # type: ignore[assignment]
    sizes = [positive_int(f"layer_sizes[{i}]", n) for i, n in enumerate(layer_sizes)]
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least 2 entries (input and output), got {sizes}")
    rng = np.random.default_rng(nonnegative_int("seed", seed))
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        scale = _init_std(init, fan_in, fan_out, std)
        weights.append((scale * rng.standard_normal((fan_out, fan_in))).astype(dtype, copy=False))
        biases.append(np.zeros(fan_out, dtype=dtype))
    return MLP(weights, biases, activation)


def layer_gradient_norms(
    depth: int,
    width: int,
    *,
    activation: Activation,
    init: Init,
    std: float | None = None,
    batch_size: int = 64,
    seed: int = 0,
    quantity: Literal["weights", "pre_activations"] = "weights",
) -> NDArray[np.float64]:
    r"""Gradient norm of every layer of a freshly initialized deep network, first layer to last.

    Builds a square network (`depth` weight layers of `width` units, input and output of size
    `width`) with `init_mlp`, feeds a standard-normal batch with standard-normal targets and
    backpropagates the half mean squared error once.

    Parameters
    ----------
    depth : int
        Number of weight layers $D \ge 1$.
    width : int
        Units per layer (also input and output size).
    activation, init, std
        As in `init_mlp`.
    batch_size : int, default 64
        Rows of the random batch.
    seed : int, default 0
        Seeds the weights (`seed`) and the batch (`seed + 1`).
    quantity : {"weights", "pre_activations"}, default "weights"
        `"weights"`: $\lVert \partial L/\partial W_l \rVert_F$ (what an optimizer and a clipping
        rule see). `"pre_activations"`: $\lVert \delta_l \rVert_F$, the backpropagated signal, i.e.
        $\delta_D$ pushed through the product of Jacobians.

    Returns
    -------
    ndarray of float64, shape (depth,)
        Entry `l - 1` belongs to layer `l`.

    Notes
    -----
    Ratios `norms[0] / norms[-1]` far below 1 mean vanishing gradients, far above 1 exploding ones.
    Measured with `depth=10, width=32` (seeds 0 to 2):

    | network | weights: first / last | pre-activations: first / last |
    |---|---|---|
    | sigmoid, `normal`, `std=0.1` | 1.3 to 1.8 $\cdot 10^{-8}$ | 1.6 to 1.9 $\cdot 10^{-8}$ |
    | tanh, `normal`, `std=1.0` | 85 to 120 | 190 to 245 |
    | tanh, `xavier` | 0.72 to 0.95 | 0.29 to 0.32 |
    | ReLU, `he` | 0.74 to 0.98 | 2.4 to 6.6 |
    | ReLU, `normal`, `std=1.0` | 0.74 to 0.98, all norms $> 10^{12}$ | about $10^6$ |

    Xavier and He keep the weight gradients of the same order over depth; the backpropagated
    signal still drifts by a small factor (for tanh because $\tanh' < 1$ away from 0).

    A subtlety for ReLU (and linear) networks without biases: they are positively homogeneous, so
    $\lVert \partial L/\partial W_l \rVert$ is the same order in every layer *whatever* the weight
    scale, because $\partial L/\partial W_l = \delta_l^\top h_{l-1}$ and the growth of
    $\delta_l$ toward the input is paid back by the shrinking of $h_{l-1}$ (Glorot and Bengio
    2010, §4.2.1, make the same observation for networks in the linear regime). There the
    explosion shows in the absolute size of all gradients and in `quantity="pre_activations"`,
    not in the ratio of weight gradients.

    Examples
    --------
    >>> from gdguide import layer_gradient_norms
    >>> norms = layer_gradient_norms(10, 32, activation="sigmoid", init="normal", std=0.1)
    >>> print(f"{norms[0] / norms[-1]:.1e}")  # vanishing: first layer gets a tiny fraction
    1.5e-08
    >>> norms = layer_gradient_norms(10, 32, activation="relu", init="he")
    >>> print(f"{norms[0] / norms[-1]:.2f}")
    0.74
    """
    depth = positive_int("depth", depth)
    width = positive_int("width", width)
    seed = nonnegative_int("seed", seed)
    batch_size = positive_int("batch_size", batch_size)
    quantity = choice("quantity", quantity, ("weights", "pre_activations"))  # type: ignore[assignment]
    net = init_mlp([width] * (depth + 1), activation=activation, init=init, std=std, seed=seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((batch_size, width))
    y = rng.standard_normal((batch_size, width))
    grads = net.gradients(x, y)
    return grads.weight_norms() if quantity == "weights" else grads.pre_activation_norms()


# --------------------------------------------------------------------------------------------
# Recurrent network
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RNNGradients:
    r"""Exact gradients of an `RNN`'s loss, from backpropagation through time.

    Attributes
    ----------
    loss : float
        Half mean squared error of the output at the last step.
    weight_hh, weight_ih, bias, weight_out, bias_out : ndarray
        $\partial L/\partial W$, $\partial L/\partial U$, $\partial L/\partial b$,
        $\partial L/\partial V$, $\partial L/\partial c$, shaped like the parameters.
    hidden_norms : ndarray of float64, shape (T,)
        $\lVert \partial L/\partial h_t \rVert_F$ (Frobenius over the batch); entry `t - 1`
        belongs to step $t$, so `hidden_norms[0]` is the gradient reaching the first step.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import init_rnn
    >>> net = init_rnn(1, 4, 1, activation="linear", spectral_radius=0.5, seed=0)
    >>> grads = net.gradients(np.ones((2, 5, 1)), np.zeros((2, 1)))
    >>> (grads.hidden_norms[:-1] / grads.hidden_norms[1:]).round(6).tolist()
    [0.5, 0.5, 0.5, 0.5]
    """

    loss: float
    weight_hh: NDArray
    weight_ih: NDArray
    bias: NDArray
    weight_out: NDArray
    bias_out: NDArray
    hidden_norms: NDArray[np.float64]

    def as_list(self) -> list[NDArray]:
        """Gradients in the order of `RNN.parameters()`: $W, U, b, V, c$."""
        return [self.weight_hh, self.weight_ih, self.bias, self.weight_out, self.bias_out]


class RNN:
    r"""Vanilla recurrent network $h_t = \phi(W h_{t-1} + U x_t + b)$ read out at the last step.

    With $h_0 = 0$ and a sequence $x_1, \dots, x_T$, the output is $\hat y = V h_T + c$ and the
    loss is $L = \frac{1}{2N}\sum_n \lVert \hat y_n - y_n\rVert^2$. Names follow
    `torch.nn.RNN`: `weight_hh` is $W$ (hidden, hidden), `weight_ih` is $U$ (hidden, input);
    one bias $b$ stands for PyTorch's `bias_ih + bias_hh`. Inputs are batch first,
    `(batch, T, input_size)`.

    Parameters
    ----------
    weight_hh, weight_ih, bias, weight_out, bias_out : array_like
        $W$ `(H, H)`, $U$ `(H, I)`, $b$ `(H,)`, $V$ `(O, H)`, $c$ `(O,)`. Used without copying.
    activation : {"tanh", "linear", "relu", "sigmoid"}, default "tanh"
        The nonlinearity $\phi$.

    Raises
    ------
    ValueError
        If the shapes are inconsistent or `activation` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import RNN
    >>> net = RNN([[0.5]], [[1.0]], [0.0], [[1.0]], [0.0], activation="linear")
    >>> net.forward(np.ones((1, 3, 1))).round(6).tolist()  # 0.25 + 0.5 + 1
    [[1.75]]
    """

    def __init__(
        self,
        weight_hh: ArrayLike,
        weight_ih: ArrayLike,
        bias: ArrayLike,
        weight_out: ArrayLike,
        bias_out: ArrayLike,
        activation: Activation = "tanh",
    ) -> None:
        self.activation = choice("activation", activation, _ACTIVATIONS)
        self.weight_hh = float_array("weight_hh", weight_hh)
        self.weight_ih = float_array("weight_ih", weight_ih)
        self.bias = float_array("bias", bias)
        self.weight_out = float_array("weight_out", weight_out)
        self.bias_out = float_array("bias_out", bias_out)
        hidden = self.weight_hh.shape[0] if self.weight_hh.ndim == 2 else -1
        expected = {
            "weight_hh": (self.weight_hh, (hidden, hidden)),
            "weight_ih": (self.weight_ih, (hidden, self.weight_ih.shape[-1])),
            "bias": (self.bias, (hidden,)),
            "weight_out": (self.weight_out, (self.weight_out.shape[0], hidden)),
            "bias_out": (self.bias_out, (self.weight_out.shape[0],)),
        }
        for name, (array, shape) in expected.items():
            if array.ndim != len(shape) or array.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {array.shape}")

    @property
    def sizes(self) -> tuple[int, int, int]:
        """`(input_size, hidden_size, output_size)`."""
        return self.weight_ih.shape[1], self.weight_hh.shape[0], self.weight_out.shape[0]

    def parameters(self) -> list[NDArray]:
        """Parameters in the order $W, U, b, V, c$ (the arrays themselves)."""
        return [self.weight_hh, self.weight_ih, self.bias, self.weight_out, self.bias_out]

    def _inputs(self, x: ArrayLike) -> NDArray:
        inputs = float_array("x", x)
        if inputs.ndim != 3 or inputs.shape[2] != self.sizes[0] or inputs.shape[1] < 1:
            raise ValueError(
                f"x must have shape (batch, T >= 1, {self.sizes[0]}), got {inputs.shape}"
            )
        return inputs

    def _run(self, x: NDArray) -> tuple[list[NDArray], list[NDArray]]:
        """Pre-activations $z_1..z_T$ and states $h_0..h_T$."""
        dtype = np.result_type(x, self.weight_hh)
        hs = [np.zeros((x.shape[0], self.sizes[1]), dtype=dtype)]
        zs = []
        drive = x @ self.weight_ih.T + self.bias  # U x_t + b for all t at once
        for t in range(x.shape[1]):
            zs.append(hs[-1] @ self.weight_hh.T + drive[:, t])
            hs.append(_activate(self.activation, zs[-1]))
        return zs, hs

    def forward(self, x: ArrayLike) -> NDArray:
        r"""Output $\hat y = V h_T + c$ of shape `(batch, O)` for `x` of shape `(batch, T, I)`.

        Examples
        --------
        >>> import numpy as np
        >>> from gdguide import init_rnn
        >>> init_rnn(3, 8, 2, seed=0).forward(np.zeros((4, 10, 3))).shape
        (4, 2)
        """
        hs = self._run(self._inputs(x))[1]
        return hs[-1] @ self.weight_out.T + self.bias_out

    def gradients(self, x: ArrayLike, y: ArrayLike) -> RNNGradients:
        r"""Backpropagate through time; report $\lVert \partial L/\partial h_t\rVert$ per step.

        Going backward from $g_T = \partial L/\partial h_T = \delta V$ with
        $\delta = (\hat y - y)/N$, each step applies the transposed Jacobian of
        $h_t = \phi(z_t)$, $z_t = W h_{t-1} + U x_t + b$:

        $$a_t = g_t \odot \phi'(z_t),\qquad g_{t-1} = a_t W,\qquad
        \frac{\partial L}{\partial W} = \sum_t a_t^\top h_{t-1},\quad
        \frac{\partial L}{\partial U} = \sum_t a_t^\top x_t,\quad
        \frac{\partial L}{\partial b} = \sum_t \textstyle\sum_n a_{t,n}.$$

        So $g_t = g_T \prod_{k=t+1}^{T} \mathrm{diag}(\phi'(z_k))\,W$: a product of $T - t$
        Jacobians. For a linear RNN ($\phi' = 1$) whose $W$ has spectral radius $\rho$, the
        norm behaves like $\rho^{T-t}$: it explodes for $\rho > 1$ and vanishes for $\rho < 1$
        (Pascanu et al. 2013, [arXiv:1211.5063](https://arxiv.org/abs/1211.5063)); tanh can only
        shrink it further, since $0 < \tanh' \le 1$.

        Parameters
        ----------
        x : array_like, shape (batch, T, input_size)
            Input sequences.
        y : array_like, shape (batch, output_size)
            Targets for the last step (`(batch,)` is accepted when `output_size == 1`).

        Returns
        -------
        RNNGradients

        Examples
        --------
        >>> import numpy as np
        >>> from gdguide import init_rnn
        >>> net = init_rnn(1, 8, 1, activation="linear", spectral_radius=1.5, seed=0)
        >>> grads = net.gradients(np.ones((4, 20, 1)), np.zeros(4))
        >>> print(f"{grads.hidden_norms[0] / grads.hidden_norms[-1]:.1f}")  # 1.5 ** 19
        2216.8
        """
        inputs = self._inputs(x)
        zs, hs = self._run(inputs)
        out = hs[-1] @ self.weight_out.T + self.bias_out
        loss, delta = _half_mse(out, _targets("y", y, inputs.shape[0], self.sizes[2]))
        g = delta @ self.weight_out
        d_w, d_u, d_b = (np.zeros_like(p) for p in (self.weight_hh, self.weight_ih, self.bias))
        norms = np.empty(inputs.shape[1], dtype=np.float64)
        for t in range(inputs.shape[1] - 1, -1, -1):
            norms[t] = np.linalg.norm(g)
            a = g * _activation_derivative(self.activation, zs[t], hs[t + 1])
            d_w += a.T @ hs[t]
            d_u += a.T @ inputs[:, t]
            d_b += a.sum(axis=0)
            g = a @ self.weight_hh
        return RNNGradients(loss, d_w, d_u, d_b, delta.T @ hs[-1], delta.sum(axis=0), norms)


def _orthogonal(rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    """Haar-random orthogonal matrix (QR of a Gaussian matrix with the sign fix)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def init_rnn(
    input_size: int,
    hidden_size: int,
    output_size: int,
    *,
    activation: Activation = "tanh",
    spectral_radius: float = 0.9,
    seed: int = 0,
    dtype: DTypeLike = np.float64,
) -> RNN:
    r"""Build an `RNN` whose recurrent matrix is $\rho$ times a random orthogonal matrix.

    $W = \rho Q$ with $Q$ Haar-random orthogonal, so the spectral radius *and* every singular
    value of $W$ equal $\rho$ (`spectral_radius`); for a linear RNN the backpropagated gradient
    then scales exactly by $\rho$ per step. $U$ and $V$ are Xavier-normal, biases zero.

    Parameters
    ----------
    input_size, hidden_size, output_size : int
        $I$, $H$ and $O$.
    activation : {"tanh", "linear", "relu", "sigmoid"}, default "tanh"
        The nonlinearity $\phi$.
    spectral_radius : float, default 0.9
        $\rho > 0$.
    seed : int, default 0
        Seed of `np.random.default_rng`.
    dtype : dtype, default float64
        Floating dtype of the parameters.

    Returns
    -------
    RNN

    Raises
    ------
    ValueError, TypeError
        Non-positive sizes or `spectral_radius`, unknown `activation`, `seed` not an integer
        >= 0.

    Notes
    -----
    Orthogonal recurrent initialization is discussed by Saxe et al. 2014
    ([arXiv:1312.6120](https://arxiv.org/abs/1312.6120)) and Le et al. 2015 (identity, IRNN,
    [arXiv:1504.00941](https://arxiv.org/abs/1504.00941)). PyTorch's `nn.RNN` instead draws every
    weight from $U[\pm 1/\sqrt{H}]$.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import init_rnn
    >>> net = init_rnn(2, 16, 1, spectral_radius=1.2, seed=0)
    >>> print(f"{np.abs(np.linalg.eigvals(net.weight_hh)).max():.6f}")
    1.200000
    """
    sizes = [
        positive_int(n, v)
        for n, v in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("output_size", output_size),
        )
    ]
    rho = positive_finite("spectral_radius", spectral_radius)
    activation = choice("activation", activation, _ACTIVATIONS)  # type: ignore[assignment]
    rng = np.random.default_rng(nonnegative_int("seed", seed))
    n_in, n_hid, n_out = sizes
    arrays = [
        rho * _orthogonal(rng, n_hid),
        _init_std("xavier", n_in, n_hid, None) * rng.standard_normal((n_hid, n_in)),
        np.zeros(n_hid),
        _init_std("xavier", n_hid, n_out, None) * rng.standard_normal((n_out, n_hid)),
        np.zeros(n_out),
    ]
    w_hh, w_ih, b, w_out, b_out = (a.astype(dtype, copy=False) for a in arrays)
    return RNN(w_hh, w_ih, b, w_out, b_out, activation=activation)


# --------------------------------------------------------------------------------------------
# A training task where clipping matters
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RNNTrainingHistory:
    """Record of a `train_rnn` run.

    Attributes
    ----------
    losses : ndarray of float64
        Loss before each update; one entry per step actually taken (a run stops at the first
        non-finite loss or gradient norm, which is recorded as the last entry).
    grad_norms : ndarray of float64
        Global 2-norm of all parameter gradients before clipping, same length as `losses`.
    clipped_grad_norms : ndarray of float64
        Global 2-norm after the clipping rule (equal to `grad_norms` without clipping); NaN at a
        non-finite step, where no update is made.
    first_nonfinite_step : int or None
        Index of the first step whose loss or gradient norm is inf or NaN, else `None`.
    model : RNN
        The network after training (its parameters as of the last finite update).

    Examples
    --------
    >>> from gdguide import train_rnn
    >>> history = train_rnn(num_steps=5)
    >>> history.first_nonfinite_step, len(history.losses)
    (2, 3)
    """

    losses: NDArray[np.float64]
    grad_norms: NDArray[np.float64]
    clipped_grad_norms: NDArray[np.float64]
    first_nonfinite_step: int | None
    model: RNN

    @property
    def diverged(self) -> bool:
        """True if the run met an inf or NaN."""
        return self.first_nonfinite_step is not None


ClipRule = Callable[[list[NDArray]], list[NDArray]]


def _clip_rule(clip: float | ClipRule | None) -> ClipRule | None:
    if clip is None or callable(clip):
        return clip
    max_norm = positive_finite("clip", clip)
    # imported here: at the top it would be listed as gdguide.nets.clip_by_global_norm (objects.inv)
    from gdguide.clipping import clip_by_global_norm

    return lambda grads: clip_by_global_norm(grads, max_norm)[0]


def _teacher_student_task(
    task_seed: int, hidden_size: int, seq_len: int, batch_size: int
) -> tuple[NDArray, NDArray, RNN]:
    rng = np.random.default_rng(nonnegative_int("task_seed", task_seed))
    teacher_seed, student_seed = rng.integers(2**32, size=2)
    teacher = init_rnn(
        1, hidden_size, 1, activation="linear", spectral_radius=0.8, seed=teacher_seed
    )
    x = rng.standard_normal((batch_size, seq_len, 1))
    student = init_rnn(
        1, hidden_size, 1, activation="linear", spectral_radius=1.1, seed=student_seed
    )
    return x, teacher.forward(x), student


def train_rnn(
    *,
    task_seed: int = 0,
    clip: float | ClipRule | None = None,
    learning_rate: float = 0.03,
    num_steps: int = 300,
    hidden_size: int = 8,
    seq_len: int = 30,
    batch_size: int = 32,
) -> RNNTrainingHistory:
    r"""Train a linear RNN by full-batch gradient descent, with or without gradient clipping.

    The task (fixed by `task_seed`): a *teacher* linear RNN with spectral radius 0.8 produces the
    targets $y = V^\ast h_T^\ast$ for `batch_size` standard-normal sequences of length
    `seq_len`; a *student* linear RNN (`init_rnn`, spectral radius 1.1, a different seed) learns
    them by $\theta \leftarrow \theta - \eta\, \mathrm{clip}(\nabla L(\theta))$.

    The student starts just past the stability boundary (spectral radius 1): its states grow like
    $1.1^t$, so the gradient (a product of up to $T$ Jacobians) is in the hundreds. With the
    defaults, plain gradient descent takes one huge step, lands at a spectral radius far above 1 and
    overflows to inf/NaN within three steps: the exploding gradient of Pascanu et al. 2013. Clipping
    the global norm to 1 bounds every step by $\eta$, walks the student back into the stable region
    and the loss falls from about 8 to about 0.01. The learning rate is small enough to be stable
    near the solution; far from it only clipping helps. Clipping prevents the blow-up, it does not
    choose the learning rate for you: with a step that is unstable at the minimum
    (`learning_rate=1.0` here) the clipped run stays finite but its loss keeps jumping by an order
    of magnitude or more instead of converging.

    Parameters
    ----------
    task_seed : int, default 0
        Seeds the teacher, the data and the student.
    clip : float or callable, optional
        `None`: no clipping. A float $c > 0$: global-norm clipping
        `gdguide.clip_by_global_norm(grads, c)` (like `torch.nn.utils.clip_grad_norm_` without its
        1e-6). A callable: any rule mapping the list of gradients (order of `RNN.parameters()`)
        to a list of clipped gradients, e.g. `lambda g: clip_by_value(g, 0.5)`.
    learning_rate : float, default 0.03
        $\eta > 0$.
    num_steps : int, default 300
        Maximum number of updates.
    hidden_size, seq_len, batch_size : int
        Size of the networks, length of the sequences and number of sequences.

    Returns
    -------
    RNNTrainingHistory
        Losses and gradient norms per step, the first non-finite step and the trained student.

    Raises
    ------
    ValueError, TypeError
        Non-positive `learning_rate`, `clip` or sizes; `task_seed` not an integer >= 0.

    Notes
    -----
    Overflow is expected without clipping and is recorded, not warned about: the loop runs under
    `np.errstate(over="ignore", invalid="ignore")` and stops at the first non-finite value. Each
    step costs one forward and one backward pass; the defaults run in about 0.1 s.

    References
    ----------
    1. R. Pascanu, T. Mikolov, Y. Bengio, "On the difficulty of training recurrent neural
       networks", ICML 2013. [arXiv:1211.5063](https://arxiv.org/abs/1211.5063)

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import train_rnn
    >>> plain = train_rnn()
    >>> plain.diverged, plain.first_nonfinite_step
    (True, 2)
    >>> clipped = train_rnn(clip=1.0)
    >>> clipped.diverged
    False
    >>> print(f"{clipped.losses[0]:.3f} -> {clipped.losses[-1]:.4f}")
    8.459 -> 0.0109
    >>> wobbly = train_rnn(clip=1.0, learning_rate=1.0).losses[-100:]
    >>> # chaotic: last-bit differences between CPUs change the digits, not the scale
    >>> low, high = np.log10(wobbly.min()), np.log10(wobbly.max())
    >>> print(f"last 100 losses between 1e{np.floor(low):.0f} and 1e{np.ceil(high):.0f}")
    last 100 losses between 1e-3 and 1e-1
    """
    eta = positive_finite("learning_rate", learning_rate)
    num_steps = positive_int("num_steps", num_steps)
    sizes = [
        positive_int(n, v)
        for n, v in (("hidden_size", hidden_size), ("seq_len", seq_len), ("batch_size", batch_size))
    ]
    rule = _clip_rule(clip)
    x, y, model = _teacher_student_task(task_seed, *sizes)
    losses, norms, clipped_norms = [], [], []
    first_bad = None
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(num_steps):
            grads = model.gradients(x, y)
            grad_list = grads.as_list()
            losses.append(grads.loss)
            norms.append(_global_l2_norm(grad_list))
            if not (np.isfinite(losses[-1]) and np.isfinite(norms[-1])):
                clipped_norms.append(np.nan)
                first_bad = step
                break
            if rule is not None:
                grad_list = rule(grad_list)
            clipped_norms.append(_global_l2_norm(grad_list))
            for param, grad in zip(model.parameters(), grad_list, strict=True):
                param -= eta * grad
    loss_array, norm_array, clipped_array = (
        np.asarray(v, dtype=np.float64) for v in (losses, norms, clipped_norms)
    )
    return RNNTrainingHistory(loss_array, norm_array, clipped_array, first_bad, model)
