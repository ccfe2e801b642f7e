r"""The layers people train, in numpy, with backpropagation written out by hand.

Normalization, residual blocks, gated recurrent cells and what a small transformer language model
needs, each with its backward pass in closed form (no autograd), in float64 unless the arrays say
otherwise. The tests check every gradient against central finite differences and against
`torch.autograd`.

One design throughout: a layer object holds its parameters as numpy arrays (PyTorch layouts,
`weight` of shape `(out_features, in_features)`, batch first), and

- `forward(x, ...)` returns `(output, cache)`: the cache holds what the backward pass needs;
- `backward(grad_output, cache)` returns `(grad_input, grads)`, where `grads` is a dict from
  parameter name (the attribute name) to $\partial L/\partial\theta$ for a loss $L$ whose gradient
  with respect to the output is `grad_output`.

The recurrent cells carry a state tuple (`(h, c)` for the LSTM, `(h,)` for the GRU) and add
`forward_sequence` / `backward_sequence` for an unrolled run with backpropagation through time.
`TransformerLM` stacks pre-LN blocks between embeddings and a softmax cross-entropy head; its
parameters are a dict of arrays and `loss_and_gradients` returns the gradient of every one, plus
the largest attention logit and the output-logit scale of the forward pass.

| here | PyTorch |
|---|---|
| `LayerNorm` | `nn.LayerNorm` |
| `BatchNorm` | `nn.BatchNorm1d` in training mode (no running statistics) |
| `ResidualBlock` | none (written by hand in PyTorch too) |
| `LSTMCell`, `GRUCell` | `nn.LSTMCell`, `nn.GRUCell` (same gate order and equations) |
| `CausalSelfAttention` | `F.scaled_dot_product_attention`, `nn.MultiheadAttention` |
| `softmax_cross_entropy` | `F.cross_entropy` (plus a z-loss term) |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gdguide._validation import (
    boolean,
    choice,
    finite_float_array,
    float_array,
    nonnegative_finite,
    nonnegative_int,
    positive_finite,
    positive_int,
    with_shape,
)
from gdguide.clipping import _global_l2_norm
from gdguide.nets import MLP, _activation_derivative

__all__ = [
    "BatchNorm",
    "CausalSelfAttention",
    "CrossEntropyResult",
    "GRUCell",
    "LMForward",
    "LMGradients",
    "LSTMCell",
    "LayerNorm",
    "ResidualBlock",
    "TransformerLM",
    "init_transformer_lm",
    "softmax_cross_entropy",
]

Cache = dict[str, Any]
Grads = dict[str, NDArray]


def _sigmoid(z: NDArray) -> NDArray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _sum_leading(a: NDArray) -> NDArray:
    """Sum over every axis but the last (the feature axis)."""
    return a.reshape(-1, a.shape[-1]).sum(axis=0)


def _linear_grad(grad: NDArray, inputs: NDArray) -> NDArray:
    r"""$\partial L/\partial W$ for $y = x W^\top$ with leading axes flattened."""
    return grad.reshape(-1, grad.shape[-1]).T @ inputs.reshape(-1, inputs.shape[-1])


def _features(name: str, x: ArrayLike, size: int, *, ndim: int | None = None) -> NDArray:
    """Return `x` as a float array whose last axis has `size` entries (and `ndim` axes if given)."""
    array = float_array(name, x)
    if array.ndim < 1 or array.shape[-1] != size or (ndim is not None and array.ndim != ndim):
        dims = f"{ndim}-D " if ndim is not None else ""
        raise ValueError(
            f"{name} must be a {dims}array whose last axis has {size} features, got {array.shape}"
        )
    return array


# --------------------------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------------------------


def _norm_forward(
    x: NDArray, gain: NDArray, bias: NDArray, eps: float, axis: int
) -> tuple[NDArray, Cache]:
    mean = x.mean(axis=axis, keepdims=True)
    centered = x - mean
    rstd = 1.0 / np.sqrt((centered * centered).mean(axis=axis, keepdims=True) + eps)
    xhat = centered * rstd
    return gain * xhat + bias, {"xhat": xhat, "rstd": rstd, "gain": gain, "axis": axis}


def _norm_backward(grad: NDArray, cache: Cache) -> tuple[NDArray, NDArray, NDArray]:
    xhat, rstd, axis = cache["xhat"], cache["rstd"], cache["axis"]
    gxhat = grad * cache["gain"]
    dx = rstd * (
        gxhat
        - gxhat.mean(axis=axis, keepdims=True)
        - xhat * (gxhat * xhat).mean(axis=axis, keepdims=True)
    )
    return dx, _sum_leading(grad * xhat), _sum_leading(grad)


class _Normalization:
    _axis = -1

    def __init__(self, gain: ArrayLike, bias: ArrayLike, eps: float = 1e-5) -> None:
        self.gain = finite_float_array("gain", gain)
        if self.gain.ndim != 1 or self.gain.size == 0:
            raise ValueError(f"gain must be a non-empty 1-D array, got shape {self.gain.shape}")
        self.bias = with_shape("bias", finite_float_array("bias", bias), self.gain.shape)
        self.eps = positive_finite("eps", eps)

    @property
    def num_features(self) -> int:
        """The size $D$ of the normalized feature axis."""
        return int(self.gain.shape[0])

    def forward(self, x: ArrayLike) -> tuple[NDArray, Cache]:
        """Return the normalized output (shape of `x`) and the cache for `backward`."""
        inputs = _features("x", x, self.num_features, ndim=2 if self._axis == 0 else None)
        if self._axis == 0 and inputs.shape[0] < 2:
            raise ValueError(f"x must hold a batch of at least 2 rows, got {inputs.shape[0]}")
        return _norm_forward(inputs, self.gain, self.bias, self.eps, self._axis)

    def backward(self, grad_output: ArrayLike, cache: Cache) -> tuple[NDArray, Grads]:
        r"""Return $\partial L/\partial x$ and the gradients of `gain` and `bias`."""
        grad = with_shape(
            "grad_output", float_array("grad_output", grad_output), cache["xhat"].shape
        )
        dx, dgain, dbias = _norm_backward(grad, cache)
        return dx, {"gain": dgain, "bias": dbias}


class LayerNorm(_Normalization):
    r"""Layer normalization over the last axis: each example normalized by its own statistics.

    For a feature vector $x \in \mathbb R^D$ (the last axis; any leading axes are examples),

    $$\mu = \tfrac1D\textstyle\sum_j x_j,\quad \sigma^2 = \tfrac1D\sum_j (x_j-\mu)^2,\quad
    \hat x = \frac{x-\mu}{\sqrt{\sigma^2+\epsilon}},\quad y = \gamma\odot\hat x + \beta .$$

    The backward pass, with $g = \gamma \odot \partial L/\partial y$ and means over the $D$
    features, removes the two directions the normalization cannot change (a shift and a scale):

    $$\frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\epsilon}}\Big(g - \bar g
    - \hat x\,\overline{g\odot\hat x}\Big),\qquad
    \frac{\partial L}{\partial\gamma} = \sum_{\text{examples}} \frac{\partial L}{\partial y}
    \odot\hat x,\qquad \frac{\partial L}{\partial\beta} = \sum_{\text{examples}}
    \frac{\partial L}{\partial y}.$$

    Parameters
    ----------
    gain : array_like, shape (D,)
        $\gamma$ (PyTorch: `weight`, initialized to ones).
    bias : array_like, shape (D,)
        $\beta$ (initialized to zeros in PyTorch).
    eps : float, default 1e-5
        $\epsilon > 0$ added to the variance (PyTorch's default too).

    Raises
    ------
    ValueError, TypeError
        Non-finite or mis-shaped `gain`/`bias`, `eps` not positive; in `forward`, an `x` whose
        last axis is not $D$.

    Notes
    -----
    PyTorch equivalent: `nn.LayerNorm(D, eps=eps)` with `weight = gain`, `bias = bias`; it also
    uses the biased variance (divide by $D$). Because the statistics are per example, training and
    evaluation compute the same thing and a batch of one works, unlike batch normalization.

    References
    ----------
    1. J. L. Ba, J. R. Kiros, G. E. Hinton, "Layer normalization", 2016.
       [arXiv:1607.06450](https://arxiv.org/abs/1607.06450)

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import LayerNorm
    >>> norm = LayerNorm(np.ones(3), np.zeros(3))
    >>> y, cache = norm.forward(np.array([[1.0, 2.0, 3.0]]))
    >>> y.round(4).tolist()
    [[-1.2247, 0.0, 1.2247]]
    >>> dx, grads = norm.backward(np.ones((1, 3)), cache)  # a shift: LN cannot change it
    >>> print(np.abs(dx).max() < 1e-12, grads["bias"].tolist())
    True [1.0, 1.0, 1.0]
    """


class BatchNorm(_Normalization):
    r"""Batch normalization in training mode: each feature normalized over the batch.

    For a batch $x$ of shape `(N, D)`, the statistics are taken over the $N$ examples of each
    feature $j$ (biased variance, as in the normalization step of the paper):

    $$\mu_j = \tfrac1N\textstyle\sum_n x_{nj},\quad \sigma_j^2 = \tfrac1N\sum_n (x_{nj}-\mu_j)^2,
    \quad y_{nj} = \gamma_j\,\frac{x_{nj}-\mu_j}{\sqrt{\sigma_j^2+\epsilon}} + \beta_j .$$

    The backward pass is layer normalization's with the means taken over the batch instead of the
    features: $\partial L/\partial x_{nj} = (\sigma_j^2+\epsilon)^{-1/2}\big(g_{nj} - \bar g_j -
    \hat x_{nj}\,\overline{g\hat x}_j\big)$ with $g = \gamma\odot\partial L/\partial y$. Every
    example's gradient depends on the whole batch.

    Parameters
    ----------
    gain : array_like, shape (D,)
        $\gamma$ (PyTorch: `weight`).
    bias : array_like, shape (D,)
        $\beta$.
    eps : float, default 1e-5
        $\epsilon > 0$.

    Raises
    ------
    ValueError, TypeError
        As `LayerNorm`; in `forward`, an `x` that is not `(N >= 2, D)`.

    Notes
    -----
    PyTorch equivalent: `nn.BatchNorm1d(D, eps=eps)` in `train()` mode, whose output is the same.
    PyTorch also updates running estimates of the mean and (unbiased) variance with `momentum=0.1`
    and uses them in `eval()` mode; this class keeps no running statistics.

    References
    ----------
    1. S. Ioffe, C. Szegedy, "Batch normalization: accelerating deep network training by reducing
       internal covariate shift", ICML 2015. [arXiv:1502.03167](https://arxiv.org/abs/1502.03167)

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import BatchNorm
    >>> y, cache = BatchNorm(np.ones(2), np.zeros(2)).forward(np.array([[1.0, 5.0], [3.0, 5.0]]))
    >>> y.round(4).tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    """

    _axis = 0


# --------------------------------------------------------------------------------------------
# Residual block
# --------------------------------------------------------------------------------------------


def _mlp_vjp(mlp: MLP, cache: Cache, grad: NDArray) -> tuple[NDArray, Grads]:
    """Backpropagate `grad` (w.r.t. the MLP's output) to its input and parameters."""
    zs, hs = cache["zs"], cache["hs"]
    grads: Grads = {}
    for layer in range(len(mlp.weights) - 1, -1, -1):
        grads[f"mlp.weights.{layer}"] = grad.T @ hs[layer]
        grads[f"mlp.biases.{layer}"] = grad.sum(axis=0)
        grad = grad @ mlp.weights[layer]
        if layer:
            grad = grad * _activation_derivative(mlp.activation, zs[layer - 1], hs[layer])
    return grad, grads


class ResidualBlock:
    r"""A residual block $x + f(\cdot)$ around an `MLP` $f$, with layer norm before or after.

    | `order` | output | |
    |---|---|---|
    | `"pre"` | $y = x + f(\mathrm{LN}(x))$ | pre-LN (Xiong et al. 2020; GPT-2 onward) |
    | `"post"` | $y = \mathrm{LN}(x + f(x))$ | post-LN (the original transformer) |

    Backward: in pre-LN order the identity path carries $\partial L/\partial y$ to $x$ untouched,
    $\partial L/\partial x = \partial L/\partial y + J_{\mathrm{LN}}^\top J_f^\top\,
    \partial L/\partial y$; in post-LN order every gradient, the identity path's included, first
    passes through the layer norm's Jacobian, $\partial L/\partial x = (I + J_f)^\top
    J_{\mathrm{LN}}^\top\,\partial L/\partial y$. Stacking $L$ blocks multiplies $L$ such
    Jacobians in post-LN order, while pre-LN keeps a sum with an identity term.

    Parameters
    ----------
    mlp : MLP
        The branch $f$; its input and output sizes must both equal $D$.
    gain, bias : array_like, shape (D,)
        The layer norm's $\gamma$ and $\beta$.
    order : {"pre", "post"}, default "pre"
        Where the layer norm sits.
    eps : float, default 1e-5
        The layer norm's $\epsilon$.

    Raises
    ------
    ValueError, TypeError
        `mlp` not an `MLP` mapping $D$ to $D$; bad `gain`/`bias`/`eps`; unknown `order`.

    Notes
    -----
    `backward` returns the gradients with the keys `"gain"`, `"bias"`, `"mlp.weights.<l>"` and
    `"mlp.biases.<l>"`. PyTorch has no residual-block module: it is written in `forward` as
    `x + f(ln(x))` or `ln(x + f(x))`.

    References
    ----------
    1. K. He, X. Zhang, S. Ren, J. Sun, "Deep residual learning for image recognition", CVPR 2016.
       [arXiv:1512.03385](https://arxiv.org/abs/1512.03385)
    2. R. Xiong et al., "On layer normalization in the Transformer architecture", ICML 2020.
       [arXiv:2002.04745](https://arxiv.org/abs/2002.04745)

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import ResidualBlock, init_mlp
    >>> mlp = init_mlp([4, 8, 4], activation="tanh", init="xavier", seed=0)
    >>> block = ResidualBlock(mlp, np.ones(4), np.zeros(4), order="pre")
    >>> y, cache = block.forward(np.ones((2, 4)))
    >>> dx, grads = block.backward(np.ones((2, 4)), cache)
    >>> y.shape, dx.shape, sorted(grads)[:2]
    ((2, 4), (2, 4), ['bias', 'gain'])
    """

    def __init__(
        self,
        mlp: MLP,
        gain: ArrayLike,
        bias: ArrayLike,
        order: Literal["pre", "post"] = "pre",
        eps: float = 1e-5,
    ) -> None:
        if not isinstance(mlp, MLP):
            raise TypeError(f"mlp must be a gdguide.MLP, got {type(mlp).__name__}")
        self.norm = LayerNorm(gain, bias, eps)
        sizes = mlp.layer_sizes
        if sizes[0] != sizes[-1] or sizes[0] != self.norm.num_features:
            raise ValueError(
                f"mlp must map {self.norm.num_features} features to {self.norm.num_features}, "
                f"got {sizes[0]} -> {sizes[-1]}"
            )
        self.mlp = mlp
        self.order = choice("order", order, ("pre", "post"))

    def forward(self, x: ArrayLike) -> tuple[NDArray, Cache]:
        """Return the block's output, shape `(batch, D)`, and the cache for `backward`."""
        inputs = _features("x", x, self.norm.num_features, ndim=2)
        if self.order == "pre":
            normed, norm_cache = self.norm.forward(inputs)
            zs, hs = self.mlp._forward_cache(normed)
            return inputs + hs[-1], {"norm": norm_cache, "zs": zs, "hs": hs}
        zs, hs = self.mlp._forward_cache(inputs)
        out, norm_cache = self.norm.forward(inputs + hs[-1])
        return out, {"norm": norm_cache, "zs": zs, "hs": hs}

    def backward(self, grad_output: ArrayLike, cache: Cache) -> tuple[NDArray, Grads]:
        r"""Return $\partial L/\partial x$ and the gradients of the norm and the MLP."""
        grad = with_shape(
            "grad_output", float_array("grad_output", grad_output), cache["norm"]["xhat"].shape
        )
        if self.order == "pre":
            d_branch, mlp_grads = _mlp_vjp(self.mlp, cache, grad)
            d_normed, norm_grads = self.norm.backward(d_branch, cache["norm"])
            return grad + d_normed, {**norm_grads, **mlp_grads}
        d_sum, norm_grads = self.norm.backward(grad, cache["norm"])
        d_branch, mlp_grads = _mlp_vjp(self.mlp, cache, d_sum)
        return d_sum + d_branch, {**norm_grads, **mlp_grads}


# --------------------------------------------------------------------------------------------
# Gated recurrent cells
# --------------------------------------------------------------------------------------------


class _Cell:
    _gates = 1
    _state_size = 1

    def __init__(
        self, weight_ih: ArrayLike, weight_hh: ArrayLike, bias_ih: ArrayLike, bias_hh: ArrayLike
    ) -> None:
        self.weight_ih = finite_float_array("weight_ih", weight_ih)
        if self.weight_ih.ndim != 2 or self.weight_ih.shape[0] % self._gates:
            raise ValueError(
                f"weight_ih must have shape ({self._gates} * hidden_size, input_size), "
                f"got {self.weight_ih.shape}"
            )
        gates = self.weight_ih.shape[0]
        hidden = gates // self._gates
        self.weight_hh = with_shape(
            "weight_hh", finite_float_array("weight_hh", weight_hh), (gates, hidden)
        )
        self.bias_ih = with_shape("bias_ih", finite_float_array("bias_ih", bias_ih), (gates,))
        self.bias_hh = with_shape("bias_hh", finite_float_array("bias_hh", bias_hh), (gates,))

    @property
    def input_size(self) -> int:
        """The size $I$ of an input vector $x_t$."""
        return int(self.weight_ih.shape[1])

    @property
    def hidden_size(self) -> int:
        """The size $H$ of the hidden state $h_t$."""
        return int(self.weight_hh.shape[1])

    @classmethod
    def init(cls, input_size: int, hidden_size: int, *, seed: int = 0) -> Self:
        r"""Build a cell with PyTorch's default initialization, every entry from $U[\pm 1/\sqrt H]$.

        Parameters
        ----------
        input_size, hidden_size : int
            $I$ and $H$, both $\ge 1$.
        seed : int, default 0
            Seed of `np.random.default_rng`.
        """
        n_in, n_hid = (
            positive_int("input_size", input_size),
            positive_int("hidden_size", hidden_size),
        )
        rng = np.random.default_rng(nonnegative_int("seed", seed))
        bound = 1.0 / np.sqrt(n_hid)
        gates = cls._gates * n_hid
        shapes = [(gates, n_in), (gates, n_hid), (gates,), (gates,)]
        return cls(*(rng.uniform(-bound, bound, size=s) for s in shapes))

    def _check_step(
        self, x: ArrayLike, state: tuple[ArrayLike, ...] | None
    ) -> tuple[NDArray, tuple[NDArray, ...]]:
        inputs = _features("x", x, self.input_size, ndim=2)
        shape = (inputs.shape[0], self.hidden_size)
        if state is None:
            return inputs, tuple(np.zeros(shape) for _ in range(self._state_size))
        if len(state) != self._state_size:
            raise ValueError(f"state must be a tuple of {self._state_size} arrays")
        return inputs, tuple(
            with_shape(f"state[{i}]", float_array(f"state[{i}]", s), shape)
            for i, s in enumerate(state)
        )

    def _step(self, x: NDArray, state: tuple[NDArray, ...]) -> tuple[tuple[NDArray, ...], Cache]:
        raise NotImplementedError

    def _step_back(
        self, grad_state: tuple[NDArray, ...], cache: Cache
    ) -> tuple[NDArray, tuple[NDArray, ...], NDArray, NDArray]:
        raise NotImplementedError

    def forward(
        self, x: ArrayLike, state: tuple[ArrayLike, ...] | None = None
    ) -> tuple[tuple[NDArray, ...], Cache]:
        """One step on `x` of shape `(batch, I)`: the new state tuple and the cache.

        `state` is `(h, c)` for the LSTM and `(h,)` for the GRU, each `(batch, H)`; `None` starts
        from zeros.
        """
        return self._step(*self._check_step(x, state))

    def _grads(self, d_gi: NDArray, d_gh: NDArray, x: NDArray, h: NDArray) -> Grads:
        return {
            "weight_ih": d_gi.T @ x,
            "weight_hh": d_gh.T @ h,
            "bias_ih": d_gi.sum(axis=0),
            "bias_hh": d_gh.sum(axis=0),
        }

    def backward(
        self, grad_state: tuple[ArrayLike, ...], cache: Cache
    ) -> tuple[NDArray, tuple[NDArray, ...], Grads]:
        r"""One step back: $\partial L/\partial x$, the previous state's gradient, the grads.

        `grad_state` holds $\partial L/\partial$ of each entry of the new state (same tuple
        layout as the state); the parameter gradients are keyed `"weight_ih"`, `"weight_hh"`,
        `"bias_ih"`, `"bias_hh"`.
        """
        shape = cache["x"].shape[0], self.hidden_size
        grads = tuple(
            with_shape(f"grad_state[{i}]", float_array(f"grad_state[{i}]", g), shape)
            for i, g in enumerate(grad_state)
        )
        if len(grads) != self._state_size:
            raise ValueError(f"grad_state must be a tuple of {self._state_size} arrays")
        dx, d_prev, d_gi, d_gh = self._step_back(grads, cache)
        return dx, d_prev, self._grads(d_gi, d_gh, cache["x"], cache["state"][0])

    def forward_sequence(
        self, x: ArrayLike, state: tuple[ArrayLike, ...] | None = None
    ) -> tuple[NDArray, tuple[NDArray, ...], list[Cache]]:
        r"""Unroll over `x` `(batch, T, I)`: every $h_t$ `(batch, T, H)`, final state, caches."""
        inputs = float_array("x", x)
        if inputs.ndim != 3 or inputs.shape[2] != self.input_size or inputs.shape[1] < 1:
            raise ValueError(
                f"x must have shape (batch, T >= 1, {self.input_size}), got {inputs.shape}"
            )
        current = self._check_step(inputs[:, 0], state)[1]
        caches, hs = [], []
        for t in range(inputs.shape[1]):
            current, cache = self._step(inputs[:, t], current)
            caches.append(cache)
            hs.append(current[0])
        return np.stack(hs, axis=1), current, caches

    def backward_sequence(
        self,
        grad_outputs: ArrayLike,
        caches: list[Cache],
        grad_final_state: tuple[ArrayLike, ...] | None = None,
    ) -> tuple[NDArray, tuple[NDArray, ...], Grads]:
        r"""Backpropagation through time.

        `grad_outputs` is $\partial L/\partial h_t$ for every step, shape `(batch, T, H)` (zeros
        where the loss does not read $h_t$); `grad_final_state` adds a gradient on the last state.
        Returns $\partial L/\partial x$ `(batch, T, I)`, the initial state's gradient and the
        parameter gradients summed over the steps.
        """
        grad = float_array("grad_outputs", grad_outputs)
        batch = caches[0]["x"].shape[0]
        with_shape("grad_outputs", grad, (batch, len(caches), self.hidden_size))
        zeros = np.zeros((batch, self.hidden_size))
        carry = [zeros.copy() for _ in range(self._state_size)]
        if grad_final_state is not None:
            if len(grad_final_state) != self._state_size:
                raise ValueError(f"grad_final_state must be a tuple of {self._state_size} arrays")
            carry = [
                with_shape(
                    f"grad_final_state[{i}]", float_array("grad_final_state", g), zeros.shape
                ).copy()
                for i, g in enumerate(grad_final_state)
            ]
        total: Grads = {}
        dxs = []
        for t in range(len(caches) - 1, -1, -1):
            carry[0] = carry[0] + grad[:, t]
            dx, d_prev, grads = self.backward(tuple(carry), caches[t])
            carry = list(d_prev)
            dxs.append(dx)
            for key, value in grads.items():
                total[key] = total[key] + value if key in total else value
        return np.stack(dxs[::-1], axis=1), tuple(carry), total


class LSTMCell(_Cell):
    r"""Long short-term memory cell with PyTorch's gate order $(i, f, g, o)$ and equations.

    With $W_{ih}$ of shape `(4H, I)`, $W_{hh}$ `(4H, H)` and the rows split into four blocks,

    $$\begin{aligned}
    i &= \sigma(W_{ii}x + b_{ii} + W_{hi}h + b_{hi}), &
    f &= \sigma(W_{if}x + b_{if} + W_{hf}h + b_{hf}),\\
    g &= \tanh(W_{ig}x + b_{ig} + W_{hg}h + b_{hg}), &
    o &= \sigma(W_{io}x + b_{io} + W_{ho}h + b_{ho}),\\
    c' &= f\odot c + i\odot g, & h' &= o\odot\tanh(c').
    \end{aligned}$$

    Backward, from $\partial L/\partial h'$ and $\partial L/\partial c'$: the cell state's total
    gradient is $\delta c = \partial L/\partial c' + \partial L/\partial h' \odot o \odot
    (1-\tanh^2 c')$, and $\partial L/\partial c = \delta c \odot f$. That last product is the
    point of the LSTM: along the cell state the gradient is multiplied by the forget gate only,
    not by a weight matrix and a squashing derivative, so with $f \approx 1$ it survives many steps.

    Parameters
    ----------
    weight_ih : array_like, shape (4H, I)
    weight_hh : array_like, shape (4H, H)
    bias_ih, bias_hh : array_like, shape (4H,)
        PyTorch's `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` of `nn.LSTMCell`, same layout.

    Raises
    ------
    ValueError, TypeError
        Non-finite or mis-shaped parameters.

    Notes
    -----
    The state is the tuple `(h, c)`. `LSTMCell.init(I, H, seed=...)` draws every parameter from
    $U[-1/\sqrt H, 1/\sqrt H]$ as PyTorch does (no forget-gate bias of 1, which some libraries
    add). The 1997 LSTM had no forget gate; it was added by Gers, Schmidhuber & Cummins (2000),
    and the form above is the one PyTorch's `nn.LSTMCell` computes.

    References
    ----------
    1. S. Hochreiter, J. Schmidhuber, "Long short-term memory", Neural Computation 9(8), 1997.
       [doi:10.1162/neco.1997.9.8.1735](https://doi.org/10.1162/neco.1997.9.8.1735)

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import LSTMCell
    >>> cell = LSTMCell.init(3, 5, seed=0)
    >>> hs, (h, c), caches = cell.forward_sequence(np.ones((2, 7, 3)))
    >>> dx, (dh0, dc0), grads = cell.backward_sequence(np.ones_like(hs), caches)
    >>> hs.shape, dx.shape, grads["weight_hh"].shape
    ((2, 7, 5), (2, 7, 3), (20, 5))
    """

    _gates = 4
    _state_size = 2

    def _step(self, x: NDArray, state: tuple[NDArray, ...]) -> tuple[tuple[NDArray, ...], Cache]:
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        a_i, a_f, a_g, a_o = np.split(gates, 4, axis=1)
        i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
        c_new = f * c + i * g
        tanh_c = np.tanh(c_new)
        h_new = o * tanh_c
        cache = {"x": x, "state": state, "i": i, "f": f, "g": g, "o": o, "tanh_c": tanh_c}
        return (h_new, c_new), cache

    def _step_back(
        self, grad_state: tuple[NDArray, ...], cache: Cache
    ) -> tuple[NDArray, tuple[NDArray, ...], NDArray, NDArray]:
        dh, dc = grad_state
        i, f, g, o, tanh_c = (cache[k] for k in ("i", "f", "g", "o", "tanh_c"))
        c = cache["state"][1]
        d_cell = dc + dh * o * (1 - tanh_c * tanh_c)
        d_gates = np.concatenate(
            [
                d_cell * g * i * (1 - i),
                d_cell * c * f * (1 - f),
                d_cell * i * (1 - g * g),
                dh * tanh_c * o * (1 - o),
            ],
            axis=1,
        )
        dx = d_gates @ self.weight_ih
        dh_prev = d_gates @ self.weight_hh
        return dx, (dh_prev, d_cell * f), d_gates, d_gates


class GRUCell(_Cell):
    r"""Gated recurrent unit with PyTorch's gate order $(r, z, n)$ and equations.

    With $W_{ih}$ of shape `(3H, I)`, $W_{hh}$ `(3H, H)` split into three row blocks,

    $$\begin{aligned}
    r &= \sigma(W_{ir}x + b_{ir} + W_{hr}h + b_{hr}), \qquad
    z = \sigma(W_{iz}x + b_{iz} + W_{hz}h + b_{hz}),\\
    n &= \tanh\big(W_{in}x + b_{in} + r\odot(W_{hn}h + b_{hn})\big), \qquad
    h' = (1-z)\odot n + z\odot h .
    \end{aligned}$$

    Backward: $\partial L/\partial h$ gets $z\odot\partial L/\partial h'$ directly (the update
    gate's identity path, the GRU's counterpart of the LSTM cell state) plus the terms through
    $r$, $z$ and $n$.

    Parameters
    ----------
    weight_ih : array_like, shape (3H, I)
    weight_hh : array_like, shape (3H, H)
    bias_ih, bias_hh : array_like, shape (3H,)
        The parameters of PyTorch's `nn.GRUCell`, same layout.

    Raises
    ------
    ValueError, TypeError
        Non-finite or mis-shaped parameters.

    Notes
    -----
    The state is the one-element tuple `(h,)`. PyTorch's `nn.GRUCell` applies the reset gate
    after the recurrent product, $r\odot(W_{hn}h + b_{hn})$; Cho et al. (2014) wrote
    $W(r\odot h)$. The two differ; this class follows PyTorch.

    References
    ----------
    1. K. Cho et al., "Learning phrase representations using RNN encoder-decoder for statistical
       machine translation", EMNLP 2014. [arXiv:1406.1078](https://arxiv.org/abs/1406.1078)

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import GRUCell
    >>> cell = GRUCell.init(2, 4, seed=0)
    >>> (h,), cache = cell.forward(np.ones((3, 2)))
    >>> dx, (dh0,), grads = cell.backward((np.ones((3, 4)),), cache)
    >>> h.shape, dx.shape, grads["weight_ih"].shape
    ((3, 4), (3, 2), (12, 2))
    """

    _gates = 3
    _state_size = 1

    def _step(self, x: NDArray, state: tuple[NDArray, ...]) -> tuple[tuple[NDArray, ...], Cache]:
        (h,) = state
        gi_r, gi_z, gi_n = np.split(x @ self.weight_ih.T + self.bias_ih, 3, axis=1)
        gh_r, gh_z, gh_n = np.split(h @ self.weight_hh.T + self.bias_hh, 3, axis=1)
        r, z = _sigmoid(gi_r + gh_r), _sigmoid(gi_z + gh_z)
        n = np.tanh(gi_n + r * gh_n)
        h_new = (1 - z) * n + z * h
        return (h_new,), {"x": x, "state": state, "r": r, "z": z, "n": n, "gh_n": gh_n}

    def _step_back(
        self, grad_state: tuple[NDArray, ...], cache: Cache
    ) -> tuple[NDArray, tuple[NDArray, ...], NDArray, NDArray]:
        (dh,) = grad_state
        r, z, n, gh_n = (cache[k] for k in ("r", "z", "n", "gh_n"))
        h = cache["state"][0]
        da_n = dh * (1 - z) * (1 - n * n)
        da_z = dh * (h - n) * z * (1 - z)
        da_r = da_n * gh_n * r * (1 - r)
        d_gi = np.concatenate([da_r, da_z, da_n], axis=1)
        d_gh = np.concatenate([da_r, da_z, da_n * r], axis=1)
        dx = d_gi @ self.weight_ih
        dh_prev = dh * z + d_gh @ self.weight_hh
        return dx, (dh_prev,), d_gi, d_gh


# --------------------------------------------------------------------------------------------
# Causal multi-head self-attention
# --------------------------------------------------------------------------------------------

_ATTENTION_WEIGHTS = ("q_weight", "k_weight", "v_weight", "out_weight")
_QK_NORMS = ("q_norm.gain", "q_norm.bias", "k_norm.gain", "k_norm.bias")


def _split_heads(a: NDArray, heads: int) -> NDArray:
    n, t, d = a.shape
    return a.reshape(n, t, heads, d // heads).transpose(0, 2, 1, 3)


def _merge_heads(a: NDArray) -> NDArray:
    n, h, t, dh = a.shape
    return a.transpose(0, 2, 1, 3).reshape(n, t, h * dh)


def _attention_forward(
    p: Mapping[str, NDArray], x: NDArray, heads: int, qk_norm: bool, eps: float
) -> tuple[NDArray, Cache]:
    q = _split_heads(x @ p["q_weight"].T, heads)
    k = _split_heads(x @ p["k_weight"].T, heads)
    v = _split_heads(x @ p["v_weight"].T, heads)
    cache: Cache = {"x": x, "v": v}
    if qk_norm:
        q, cache["q_norm"] = _norm_forward(q, p["q_norm.gain"], p["q_norm.bias"], eps, -1)
        k, cache["k_norm"] = _norm_forward(k, p["k_norm.gain"], p["k_norm.bias"], eps, -1)
    t, head_dim = x.shape[1], q.shape[-1]
    scale = 1.0 / np.sqrt(head_dim)
    logits = (q @ k.transpose(0, 1, 3, 2)) * scale
    causal = np.tril(np.ones((t, t), dtype=bool))
    masked = np.where(causal, logits, -np.inf)
    weights = np.exp(masked - masked.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    context = _merge_heads(weights @ v)
    cache.update(q=q, k=k, weights=weights, context=context, scale=scale)
    cache["max_logit"] = float(logits[..., causal].max())
    return context @ p["out_weight"].T, cache


def _attention_backward(
    p: Mapping[str, NDArray], grad: NDArray, cache: Cache, heads: int
) -> tuple[NDArray, Grads]:
    x, q, k, v, weights, scale = (cache[n] for n in ("x", "q", "k", "v", "weights", "scale"))
    grads: Grads = {"out_weight": _linear_grad(grad, cache["context"])}
    d_context = _split_heads(grad @ p["out_weight"], heads)
    d_weights = d_context @ v.transpose(0, 1, 3, 2)
    d_v = weights.transpose(0, 1, 3, 2) @ d_context
    # softmax backward; masked entries have weight 0, so their gradient is 0 too
    d_logits = weights * (d_weights - (d_weights * weights).sum(axis=-1, keepdims=True)) * scale
    d_q = d_logits @ k
    d_k = d_logits.transpose(0, 1, 3, 2) @ q
    if "q_norm" in cache:
        d_q, grads["q_norm.gain"], grads["q_norm.bias"] = _norm_backward(d_q, cache["q_norm"])
        d_k, grads["k_norm.gain"], grads["k_norm.bias"] = _norm_backward(d_k, cache["k_norm"])
    dx = np.zeros_like(x)
    for name, d in (("q_weight", d_q), ("k_weight", d_k), ("v_weight", d_v)):
        merged = _merge_heads(d)
        grads[name] = _linear_grad(merged, x)
        dx += merged @ p[name]
    return dx, grads


class CausalSelfAttention:
    r"""Causal multi-head self-attention, optionally with layer norm on queries and keys.

    For $x$ of shape `(N, T, D)` and $h$ heads of size $d = D/h$: $q = xW_q^\top$,
    $k = xW_k^\top$, $v = xW_v^\top$, split into heads; with `qk_layernorm`,
    $q \leftarrow \mathrm{LN}(q)$ and $k \leftarrow \mathrm{LN}(k)$ over each head's $d$ features
    (one gain and bias of size $d$ shared by the heads). Then, per head,

    $$s_{tu} = \frac{q_t\cdot k_u}{\sqrt d}\ (u \le t),\qquad
    a_{tu} = \frac{e^{s_{tu}}}{\sum_{u'\le t} e^{s_{tu'}}},\qquad o_t = \sum_{u\le t} a_{tu} v_u,$$

    and $y = \mathrm{concat}(o)\,W_o^\top$. Backward through the softmax:
    $\partial L/\partial s_{tu} = a_{tu}\big(\partial L/\partial a_{tu} - \sum_{u'}
    a_{tu'}\,\partial L/\partial a_{tu'}\big)$, then $\partial L/\partial q_t = \sum_u
    (\partial L/\partial s_{tu})\,k_u/\sqrt d$ and symmetrically for $k$. The gradient reaching
    $q$ is proportional to the keys and vice versa: nothing bounds the logits $s$, which grow
    with $\lVert q\rVert\lVert k\rVert$; qk-layernorm fixes the norms of $q$ and $k$ per head
    (up to the gains). `forward`'s cache reports the largest unmasked logit as `cache["max_logit"]`.

    Parameters
    ----------
    q_weight, k_weight, v_weight, out_weight : array_like, shape (D, D)
        $W_q, W_k, W_v, W_o$ (no biases).
    num_heads : int
        $h$; must divide $D$.
    qk_layernorm : bool, default False
        Normalize queries and keys; the gains `q_norm_gain`, `k_norm_gain` (ones) and biases
        `q_norm_bias`, `k_norm_bias` (zeros) are attributes of shape `(d,)`.
    eps : float, default 1e-5
        The qk layer norms' $\epsilon$.

    Raises
    ------
    ValueError, TypeError
        Mis-shaped or non-finite weights, `num_heads` not dividing $D$.

    Notes
    -----
    `backward` returns the gradients keyed `"q_weight"`, `"k_weight"`, `"v_weight"`,
    `"out_weight"` and, with qk-layernorm, `"q_norm.gain"`, `"q_norm.bias"`, `"k_norm.gain"`,
    `"k_norm.bias"`. PyTorch: `F.scaled_dot_product_attention(q, k, v, is_causal=True)` computes
    the softmax part on tensors of shape `(N, h, T, d)`; `nn.MultiheadAttention` packs the three
    input projections in one `in_proj_weight` of shape `(3D, D)`, adds biases by default and takes
    the mask as `attn_mask` (`is_causal` is only a hint there).

    References
    ----------
    1. A. Vaswani et al., "Attention is all you need", NeurIPS 2017.
       [arXiv:1706.03762](https://arxiv.org/abs/1706.03762)
    2. M. Dehghani et al., "Scaling vision transformers to 22 billion parameters", ICML 2023.
       [arXiv:2302.05442](https://arxiv.org/abs/2302.05442)
    3. M. Wortsman et al., "Small-scale proxies for large-scale Transformer training
       instabilities", 2023. [arXiv:2309.14322](https://arxiv.org/abs/2309.14322)

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import CausalSelfAttention
    >>> rng = np.random.default_rng(0)
    >>> attn = CausalSelfAttention(*rng.standard_normal((4, 6, 6)), num_heads=2)
    >>> y, cache = attn.forward(rng.standard_normal((1, 3, 6)))
    >>> dx, grads = attn.backward(np.zeros((1, 3, 6)), cache)
    >>> y.shape, sorted(grads), float(np.abs(dx).max())
    ((1, 3, 6), ['k_weight', 'out_weight', 'q_weight', 'v_weight'], 0.0)
    """

    def __init__(
        self,
        q_weight: ArrayLike,
        k_weight: ArrayLike,
        v_weight: ArrayLike,
        out_weight: ArrayLike,
        num_heads: int,
        qk_layernorm: bool = False,
        eps: float = 1e-5,
    ) -> None:
        self.q_weight = finite_float_array("q_weight", q_weight)
        if self.q_weight.ndim != 2 or self.q_weight.shape[0] != self.q_weight.shape[1]:
            raise ValueError(f"q_weight must be square (D, D), got {self.q_weight.shape}")
        shape = self.q_weight.shape
        self.k_weight = with_shape("k_weight", finite_float_array("k_weight", k_weight), shape)
        self.v_weight = with_shape("v_weight", finite_float_array("v_weight", v_weight), shape)
        self.out_weight = with_shape(
            "out_weight", finite_float_array("out_weight", out_weight), shape
        )
        self.num_heads = positive_int("num_heads", num_heads)
        if shape[0] % self.num_heads:
            raise ValueError(f"num_heads={num_heads} must divide the model width {shape[0]}")
        self.qk_layernorm = boolean("qk_layernorm", qk_layernorm)
        self.eps = positive_finite("eps", eps)
        head_dim = shape[0] // self.num_heads
        self.q_norm_gain, self.k_norm_gain = np.ones(head_dim), np.ones(head_dim)
        self.q_norm_bias, self.k_norm_bias = np.zeros(head_dim), np.zeros(head_dim)

    def _params(self) -> dict[str, NDArray]:
        return {
            "q_weight": self.q_weight,
            "k_weight": self.k_weight,
            "v_weight": self.v_weight,
            "out_weight": self.out_weight,
            "q_norm.gain": self.q_norm_gain,
            "q_norm.bias": self.q_norm_bias,
            "k_norm.gain": self.k_norm_gain,
            "k_norm.bias": self.k_norm_bias,
        }

    def forward(self, x: ArrayLike) -> tuple[NDArray, Cache]:
        """Return the output, shape `(N, T, D)` like `x`, and the cache for `backward`."""
        inputs = _features("x", x, self.q_weight.shape[0], ndim=3)
        return _attention_forward(
            self._params(), inputs, self.num_heads, self.qk_layernorm, self.eps
        )

    def backward(self, grad_output: ArrayLike, cache: Cache) -> tuple[NDArray, Grads]:
        r"""Return $\partial L/\partial x$ and the gradients of the weights (and qk norms)."""
        grad = with_shape("grad_output", float_array("grad_output", grad_output), cache["x"].shape)
        return _attention_backward(self._params(), grad, cache, self.num_heads)


# --------------------------------------------------------------------------------------------
# Softmax cross-entropy with z-loss
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrossEntropyResult:
    r"""What `softmax_cross_entropy` returns.

    Attributes
    ----------
    loss : float
        `cross_entropy + z_loss`.
    cross_entropy : float
        $\frac1M\sum_m (\log Z_m - s_{m,y_m})$.
    z_loss : float
        $\frac{c}{M}\sum_m (\log Z_m)^2$ (0 when the coefficient is 0).
    grad_logits : ndarray
        $\partial\,\mathrm{loss}/\partial s$, the shape of the logits.
    log_z : ndarray
        $\log Z_m$ for every row, shape `(M,)`.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import softmax_cross_entropy
    >>> result = softmax_cross_entropy(np.array([[2.0, 0.0]]), np.array([0]))
    >>> print(f"{result.cross_entropy:.4f}", result.grad_logits.round(4).tolist())
    0.1269 [[-0.1192, 0.1192]]
    """

    loss: float
    cross_entropy: float
    z_loss: float
    grad_logits: NDArray
    log_z: NDArray


def _cross_entropy(logits: NDArray, targets: NDArray, coef: float) -> CrossEntropyResult:
    rows = logits.shape[0]
    top = logits.max(axis=1, keepdims=True)
    exp = np.exp(logits - top)
    total = exp.sum(axis=1, keepdims=True)
    log_z = (np.log(total) + top)[:, 0]
    probs = exp / total
    picked = logits[np.arange(rows), targets]
    ce = float(np.mean(log_z - picked))
    z = float(coef * np.mean(log_z * log_z))
    grad = probs * (1.0 + 2.0 * coef * log_z[:, None])
    grad[np.arange(rows), targets] -= 1.0
    return CrossEntropyResult(ce + z, ce, z, grad / rows, log_z)


def softmax_cross_entropy(
    logits: ArrayLike, targets: ArrayLike, z_loss_coef: float = 0.0
) -> CrossEntropyResult:
    r"""Mean softmax cross-entropy over rows, with PaLM's optional z-loss, and its gradient.

    For logits $s \in \mathbb R^{M\times V}$, integer targets $y_m$ and $\log Z_m =
    \log\sum_v e^{s_{mv}}$ (computed with the maximum subtracted),

    $$L = \frac1M\sum_m\big(\log Z_m - s_{m,y_m}\big) + \frac{c}{M}\sum_m (\log Z_m)^2,\qquad
    \frac{\partial L}{\partial s_{mv}} = \frac1M\Big(p_{mv}\,(1 + 2c\log Z_m) -
    [v = y_m]\Big),$$

    with $p = \mathrm{softmax}(s)$. Cross-entropy alone does not change when a constant is added
    to a row of logits; the z-loss term ($c$ = `z_loss_coef`) pulls $\log Z$ towards 0 and so pins
    that free direction, keeping the logits from drifting.

    Parameters
    ----------
    logits : array_like, shape (M, V)
        Unnormalized scores.
    targets : array_like of int, shape (M,)
        Class indices in $[0, V)$.
    z_loss_coef : float, default 0.0
        $c \ge 0$; PaLM used $10^{-4}$.

    Returns
    -------
    CrossEntropyResult

    Raises
    ------
    ValueError, TypeError
        Non-finite or non-2-D `logits`, targets that are not integers in range or of the wrong
        length, negative `z_loss_coef`.

    Notes
    -----
    PyTorch: `F.cross_entropy(logits, targets)` (mean reduction) gives the first term; the z-loss
    is added by hand, `c * torch.logsumexp(logits, -1).pow(2).mean()`. `F.cross_entropy` also
    offers `ignore_index`, class weights and label smoothing, which this function does not.

    References
    ----------
    1. A. Chowdhery et al., "PaLM: scaling language modeling with Pathways", 2022.
       [arXiv:2204.02311](https://arxiv.org/abs/2204.02311)

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import softmax_cross_entropy
    >>> result = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    >>> print(f"{result.loss:.6f} {np.log(4):.6f}")
    1.386294 1.386294
    >>> shifted = softmax_cross_entropy(np.full((2, 4), 5.0), np.array([0, 3]), z_loss_coef=1e-4)
    >>> print(f"{shifted.cross_entropy:.6f} {shifted.z_loss:.6f}")
    1.386294 0.004078
    """
    scores = finite_float_array("logits", logits)
    if scores.ndim != 2 or scores.shape[0] == 0 or scores.shape[1] == 0:
        raise ValueError(f"logits must be a non-empty 2-D array (M, V), got {scores.shape}")
    return _cross_entropy(
        scores,
        _token_ids("targets", targets, scores.shape[1], (scores.shape[0],)),
        nonnegative_finite("z_loss_coef", z_loss_coef),
    )


def _token_ids(name: str, value: object, vocab: int, shape: tuple[int, ...] | None) -> NDArray:
    ids = np.asarray(value)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array, got dtype {ids.dtype}")
    if shape is not None:
        with_shape(name, ids, shape)
    if ids.size and (ids.min() < 0 or ids.max() >= vocab):
        raise ValueError(
            f"{name} must lie in [0, {vocab}), got values in [{ids.min()}, {ids.max()}]"
        )
    return ids


# --------------------------------------------------------------------------------------------
# A small transformer language model
# --------------------------------------------------------------------------------------------

_GELU_C = float(np.sqrt(2.0 / np.pi))


def _gelu(x: NDArray) -> tuple[NDArray, NDArray]:
    """Tanh-approximate GELU and its derivative (PyTorch `F.gelu(x, approximate="tanh")`)."""
    inner = _GELU_C * (x + 0.044715 * x**3)
    t = np.tanh(inner)
    slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _GELU_C * (1 + 3 * 0.044715 * x * x)
    return 0.5 * x * (1 + t), slope


def _block_names(layer: int, qk_layernorm: bool) -> list[str]:
    names = ["ln1.gain", "ln1.bias", *(f"attn.{w}" for w in _ATTENTION_WEIGHTS)]
    if qk_layernorm:
        names += [f"attn.{n}" for n in _QK_NORMS]
    names += [
        "ln2.gain",
        "ln2.bias",
        "mlp.fc1_weight",
        "mlp.fc1_bias",
        "mlp.fc2_weight",
        "mlp.fc2_bias",
    ]
    return [f"blocks.{layer}.{n}" for n in names]


@dataclass(frozen=True)
class LMForward:
    r"""What `TransformerLM.forward` returns.

    Attributes
    ----------
    logits : ndarray, shape (N, T, V)
        Output logits $s$ for the next token at every position.
    max_attention_logits : ndarray, shape (num_layers,)
        The largest unmasked attention logit $q_t\cdot k_u/\sqrt d$ of each layer (over heads,
        positions and the batch).
    max_abs_logit : float
        $\max |s|$, the output-logit scale.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import init_transformer_lm
    >>> lm = init_transformer_lm(5, 4, 8, 2, 3, seed=0)
    >>> out = lm.forward(np.array([[0, 1, 2]]))
    >>> out.logits.shape, out.max_attention_logits.shape, out.max_abs_logit < 1
    ((1, 3, 5), (3,), True)
    """

    logits: NDArray
    max_attention_logits: NDArray
    max_abs_logit: float


@dataclass(frozen=True)
class LMGradients:
    r"""What `TransformerLM.loss_and_gradients` returns.

    Attributes
    ----------
    loss : float
        Mean next-token cross-entropy plus the z-loss.
    cross_entropy : float
        The cross-entropy part.
    z_loss : float
        The z-loss part, $\frac{c}{M}\sum (\log Z)^2$.
    grads : dict of str to ndarray
        $\partial\,\mathrm{loss}/\partial\theta$ for every entry of `TransformerLM.params`, same
        keys and shapes.
    max_attention_logits : ndarray, shape (num_layers,)
        As in `LMForward`.
    max_abs_logit : float
        As in `LMForward`.
    mean_log_z : float
        The mean over positions of $\log Z$, what the z-loss pulls towards 0.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import init_transformer_lm
    >>> lm = init_transformer_lm(5, 4, 8, 2, 1, seed=0)
    >>> out = lm.loss_and_gradients(np.array([[0, 1, 2]]), np.array([[1, 2, 3]]))
    >>> # small logits at initialization: loss and log Z both near log 5
    >>> print(f"{out.loss:.3f} {out.mean_log_z:.3f} {np.log(5):.3f}")
    1.641 1.615 1.609
    """

    loss: float
    cross_entropy: float
    z_loss: float
    grads: dict[str, NDArray]
    max_attention_logits: NDArray
    max_abs_logit: float
    mean_log_z: float

    def global_norm(self) -> float:
        r"""$\sqrt{\sum_\theta \lVert\partial L/\partial\theta\rVert_2^2}$ over all parameters.

        The same norm as `clip_by_global_norm` (and `nn.utils.clip_grad_norm_`) measures.
        """
        return _global_l2_norm(list(self.grads.values()))


class TransformerLM:
    r"""A decoder-only transformer language model: embeddings, pre-LN blocks, a softmax head.

    For tokens $w_1..w_T$ (each in $[0, V)$), with $E$ the token and $P$ the position embedding,

    $$\begin{aligned}
    h^{(0)}_t &= E_{w_t} + P_t,\\
    u^{(l)} &= h^{(l-1)} + \mathrm{Attn}_l\big(\mathrm{LN}_{l,1}(h^{(l-1)})\big),\qquad
    h^{(l)} = u^{(l)} + \mathrm{MLP}_l\big(\mathrm{LN}_{l,2}(u^{(l)})\big),\\
    s_t &= \mathrm{LN}_f(h^{(L)}_t)\,W_U^\top ,
    \end{aligned}$$

    where Attn is `CausalSelfAttention` (optionally with qk-layernorm) and
    $\mathrm{MLP}(x) = W_2\,\mathrm{GELU}(W_1 x + b_1) + b_2$ with the tanh-approximate GELU. The
    loss is `softmax_cross_entropy` of $s_t$ against the next tokens, averaged over all $N T$
    positions. `loss_and_gradients` backpropagates through all of it by hand.

    Parameters
    ----------
    params : mapping of str to array_like
        The parameters by name (as `init_transformer_lm` builds them): `"token_embedding"`
        `(V, D)`, `"position_embedding"` `(T_max, D)`, for each block `l` the keys
        `"blocks.<l>.ln1.gain"`, `.ln1.bias`, `.attn.q_weight`, `.attn.k_weight`,
        `.attn.v_weight`, `.attn.out_weight` (each `(D, D)`), with qk-layernorm
        `.attn.q_norm.gain`, `.attn.q_norm.bias`, `.attn.k_norm.gain`, `.attn.k_norm.bias`
        (each `(D/h,)`), `.ln2.gain`, `.ln2.bias`, `.mlp.fc1_weight` `(F, D)`, `.mlp.fc1_bias`,
        `.mlp.fc2_weight` `(D, F)`, `.mlp.fc2_bias`; then `"final_ln.gain"`, `"final_ln.bias"` and
        `"unembedding"` `(V, D)`.
    num_heads : int
        Heads per attention layer; must divide $D$.
    qk_layernorm : bool, default False
        Whether the blocks normalize queries and keys (the keys above must then be present).
    eps : float, default 1e-5
        Every layer norm's $\epsilon$.

    Raises
    ------
    ValueError, TypeError
        A missing, extra, mis-shaped or non-finite parameter; `num_heads` not dividing $D$.

    Notes
    -----
    The arrays are kept as given (converted to float arrays, not copied), so an optimizer can
    update `model.params[name]` in place. The output projection is not tied to the token
    embedding. A PyTorch model with the same parameters (built in `tests/test_layers.py`) uses
    `nn.Embedding`, `nn.LayerNorm`, `F.scaled_dot_product_attention(is_causal=True)`,
    `F.gelu(approximate="tanh")` and `F.cross_entropy`.

    References
    ----------
    1. A. Vaswani et al., "Attention is all you need", NeurIPS 2017.
       [arXiv:1706.03762](https://arxiv.org/abs/1706.03762)
    2. R. Xiong et al., "On layer normalization in the Transformer architecture", ICML 2020.
       [arXiv:2002.04745](https://arxiv.org/abs/2002.04745)
    3. A. Chowdhery et al., "PaLM: scaling language modeling with Pathways", 2022.
       [arXiv:2204.02311](https://arxiv.org/abs/2204.02311)

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import init_transformer_lm
    >>> lm = init_transformer_lm(vocab_size=11, context_length=8, d_model=16, num_heads=4,
    ...                          num_layers=2, seed=0)
    >>> tokens = np.random.default_rng(0).integers(11, size=(3, 8))
    >>> out = lm.loss_and_gradients(tokens[:, :-1], tokens[:, 1:], z_loss_coef=1e-4)
    >>> print(f"{out.cross_entropy:.2f} vs log(11) = {np.log(11):.2f}")
    2.40 vs log(11) = 2.40
    >>> out.grads["blocks.1.attn.q_weight"].shape, out.max_attention_logits.shape
    ((16, 16), (2,))
    """

    def __init__(
        self,
        params: Mapping[str, ArrayLike],
        num_heads: int,
        qk_layernorm: bool = False,
        eps: float = 1e-5,
    ) -> None:
        if not isinstance(params, Mapping):
            raise TypeError(
                f"params must be a mapping of names to arrays, got {type(params).__name__}"
            )
        self.num_heads = positive_int("num_heads", num_heads)
        self.qk_layernorm = boolean("qk_layernorm", qk_layernorm)
        self.eps = positive_finite("eps", eps)
        self.params = {str(k): finite_float_array(f"params[{k!r}]", v) for k, v in params.items()}
        for key in ("token_embedding", "position_embedding", "unembedding"):
            if key not in self.params or self.params[key].ndim != 2:
                raise ValueError(f"params must hold a 2-D {key!r}")
        vocab, width = self.params["token_embedding"].shape
        layers = 0
        while f"blocks.{layers}.ln1.gain" in self.params:
            layers += 1
        if width % self.num_heads:
            raise ValueError(f"num_heads={num_heads} must divide d_model={width}")
        hidden = self.params.get("blocks.0.mlp.fc1_weight", np.zeros((0, 0))).shape[0]
        self.num_layers = layers
        expected = self._shapes(vocab, self.params["position_embedding"].shape[0], width, hidden)
        missing = sorted(set(expected) - set(self.params))
        extra = sorted(set(self.params) - set(expected))
        if missing or extra:
            raise ValueError(f"params: missing {missing}, unexpected {extra}")
        for key, shape in expected.items():
            with_shape(f"params[{key!r}]", self.params[key], shape)

    def _shapes(
        self, vocab: int, context: int, width: int, hidden: int
    ) -> dict[str, tuple[int, ...]]:
        head_dim = width // self.num_heads
        shapes: dict[str, tuple[int, ...]] = {
            "token_embedding": (vocab, width),
            "position_embedding": (context, width),
        }
        for layer in range(self.num_layers):
            for name in _block_names(layer, self.qk_layernorm):
                short = name.split(".", 2)[2]
                if short.startswith("attn.q_norm") or short.startswith("attn.k_norm"):
                    shapes[name] = (head_dim,)
                elif short.startswith("attn."):
                    shapes[name] = (width, width)
                elif short == "mlp.fc1_weight":
                    shapes[name] = (hidden, width)
                elif short == "mlp.fc1_bias":
                    shapes[name] = (hidden,)
                elif short == "mlp.fc2_weight":
                    shapes[name] = (width, hidden)
                else:
                    shapes[name] = (width,)
        shapes.update(
            {"final_ln.gain": (width,), "final_ln.bias": (width,), "unembedding": (vocab, width)}
        )
        return shapes

    @property
    def vocab_size(self) -> int:
        """$V$."""
        return int(self.params["token_embedding"].shape[0])

    @property
    def context_length(self) -> int:
        """The longest sequence the position embedding covers."""
        return int(self.params["position_embedding"].shape[0])

    def _tokens(self, tokens: ArrayLike) -> NDArray:
        ids = _token_ids("tokens", tokens, self.vocab_size, None)
        if ids.ndim != 2 or ids.shape[1] < 1 or ids.shape[1] > self.context_length:
            raise ValueError(
                f"tokens must have shape (batch, T) with 1 <= T <= {self.context_length}, "
                f"got {ids.shape}"
            )
        return ids

    def _run(self, ids: NDArray) -> tuple[NDArray, list[Cache], Cache]:
        p = self.params
        h = p["token_embedding"][ids] + p["position_embedding"][: ids.shape[1]]
        caches = []
        for layer in range(self.num_layers):
            pre = f"blocks.{layer}."
            attn = {
                w: p[pre + "attn." + w]
                for w in (*_ATTENTION_WEIGHTS, *(_QK_NORMS if self.qk_layernorm else ()))
            }
            a_in, ln1 = _norm_forward(h, p[pre + "ln1.gain"], p[pre + "ln1.bias"], self.eps, -1)
            a_out, attn_cache = _attention_forward(
                attn, a_in, self.num_heads, self.qk_layernorm, self.eps
            )
            u = h + a_out
            m_in, ln2 = _norm_forward(u, p[pre + "ln2.gain"], p[pre + "ln2.bias"], self.eps, -1)
            z = m_in @ p[pre + "mlp.fc1_weight"].T + p[pre + "mlp.fc1_bias"]
            act, slope = _gelu(z)
            h = u + act @ p[pre + "mlp.fc2_weight"].T + p[pre + "mlp.fc2_bias"]
            caches.append(
                {
                    "attn_params": attn,
                    "ln1": ln1,
                    "attn": attn_cache,
                    "ln2": ln2,
                    "m_in": m_in,
                    "act": act,
                    "slope": slope,
                }
            )
        final, ln_f = _norm_forward(h, p["final_ln.gain"], p["final_ln.bias"], self.eps, -1)
        logits = final @ p["unembedding"].T
        return logits, caches, {"ln_f": ln_f, "final": final, "ids": ids}

    def forward(self, tokens: ArrayLike) -> LMForward:
        """Logits for `tokens` of shape `(N, T)`, with the attention and output-logit scales.

        Examples
        --------
        >>> import numpy as np
        >>> from gdguide import init_transformer_lm
        >>> lm = init_transformer_lm(vocab_size=5, context_length=4, d_model=8, num_heads=2,
        ...                          num_layers=1, seed=0)
        >>> out = lm.forward(np.array([[0, 1, 2, 3]]))
        >>> out.logits.shape, out.max_attention_logits.shape
        ((1, 4, 5), (1,))
        """
        logits, caches, _ = self._run(self._tokens(tokens))
        maxima = np.array([c["attn"]["max_logit"] for c in caches], dtype=np.float64)
        return LMForward(logits, maxima, float(np.abs(logits).max()))

    def loss_and_gradients(
        self, tokens: ArrayLike, targets: ArrayLike, z_loss_coef: float = 0.0
    ) -> LMGradients:
        r"""Mean next-token cross-entropy (plus z-loss) and the gradient of every parameter.

        Parameters
        ----------
        tokens : array_like of int, shape (N, T)
            Input tokens, $T \le$ `context_length`.
        targets : array_like of int, shape (N, T)
            The token to predict at every position (usually `tokens` shifted by one).
        z_loss_coef : float, default 0.0
            The z-loss coefficient $c \ge 0$ of `softmax_cross_entropy`.

        Returns
        -------
        LMGradients

        Examples
        --------
        >>> import numpy as np
        >>> from gdguide import init_transformer_lm
        >>> lm = init_transformer_lm(vocab_size=5, context_length=4, d_model=8, num_heads=2,
        ...                          num_layers=1, seed=0)
        >>> out = lm.loss_and_gradients(np.array([[0, 1, 2]]), np.array([[1, 2, 3]]))
        >>> sorted(out.grads) == sorted(lm.params)
        True
        """
        ids = self._tokens(tokens)
        target_ids = _token_ids("targets", targets, self.vocab_size, ids.shape)
        coef = nonnegative_finite("z_loss_coef", z_loss_coef)
        logits, caches, top = self._run(ids)
        n, t, vocab = logits.shape
        ce = _cross_entropy(logits.reshape(n * t, vocab), target_ids.reshape(-1), coef)
        p = self.params
        grads: Grads = {}
        d_logits = ce.grad_logits.reshape(n, t, vocab)
        grads["unembedding"] = _linear_grad(d_logits, top["final"])
        dh, grads["final_ln.gain"], grads["final_ln.bias"] = _norm_backward(
            d_logits @ p["unembedding"], top["ln_f"]
        )
        for layer in range(self.num_layers - 1, -1, -1):
            pre, c = f"blocks.{layer}.", caches[layer]
            grads[pre + "mlp.fc2_weight"] = _linear_grad(dh, c["act"])
            grads[pre + "mlp.fc2_bias"] = _sum_leading(dh)
            dz = (dh @ p[pre + "mlp.fc2_weight"]) * c["slope"]
            grads[pre + "mlp.fc1_weight"] = _linear_grad(dz, c["m_in"])
            grads[pre + "mlp.fc1_bias"] = _sum_leading(dz)
            d_m_in = dz @ p[pre + "mlp.fc1_weight"]
            du, grads[pre + "ln2.gain"], grads[pre + "ln2.bias"] = _norm_backward(d_m_in, c["ln2"])
            du = du + dh
            d_a_in, attn_grads = _attention_backward(
                c["attn_params"], du, c["attn"], self.num_heads
            )
            grads.update({pre + "attn." + k: v for k, v in attn_grads.items()})
            dh_in, grads[pre + "ln1.gain"], grads[pre + "ln1.bias"] = _norm_backward(
                d_a_in, c["ln1"]
            )
            dh = du + dh_in
        d_tok = np.zeros_like(p["token_embedding"])
        np.add.at(d_tok, top["ids"].reshape(-1), dh.reshape(-1, dh.shape[-1]))
        grads["token_embedding"] = d_tok
        d_pos = np.zeros_like(p["position_embedding"])
        d_pos[:t] = dh.sum(axis=0)
        grads["position_embedding"] = d_pos
        maxima = np.array([c["attn"]["max_logit"] for c in caches], dtype=np.float64)
        return LMGradients(
            ce.loss,
            ce.cross_entropy,
            ce.z_loss,
            {k: grads[k] for k in p},
            maxima,
            float(np.abs(logits).max()),
            float(ce.log_z.mean()),
        )


def init_transformer_lm(
    vocab_size: int,
    context_length: int,
    d_model: int,
    num_heads: int,
    num_layers: int,
    *,
    d_ff: int | None = None,
    qk_layernorm: bool = False,
    init_std: float = 0.02,
    seed: int = 0,
) -> TransformerLM:
    r"""Build a `TransformerLM` with GPT-2-style random initialization from a seed.

    Embeddings and every weight matrix are drawn from $\mathcal N(0, \sigma^2)$ with
    $\sigma$ = `init_std`, except the two projections that write into the residual stream
    (`attn.out_weight`, `mlp.fc2_weight`), drawn with $\sigma/\sqrt{2L}$ so the residual stream's
    variance does not grow with the depth $L$; layer-norm gains are ones, biases zeros.

    Parameters
    ----------
    vocab_size, context_length, d_model, num_heads, num_layers : int
        $V$, the longest sequence, $D$, heads per layer (dividing $D$) and $L$, all $\ge 1$.
    d_ff : int, optional
        Width $F$ of the MLP; default $4D$.
    qk_layernorm : bool, default False
        Layer-normalize queries and keys in every attention layer.
    init_std : float, default 0.02
        $\sigma > 0$.
    seed : int, default 0
        Seed of `np.random.default_rng`.

    Returns
    -------
    TransformerLM

    Raises
    ------
    ValueError, TypeError
        Sizes not positive integers, `num_heads` not dividing `d_model`, bad `init_std` or `seed`.

    Examples
    --------
    >>> from gdguide import init_transformer_lm
    >>> lm = init_transformer_lm(50, 16, 32, 4, 2, qk_layernorm=True, seed=0)
    >>> lm.num_layers, sum(p.size for p in lm.params.values())
    (2, 28992)
    """
    vocab, context, width, heads, layers = (
        positive_int(n, v)
        for n, v in (
            ("vocab_size", vocab_size),
            ("context_length", context_length),
            ("d_model", d_model),
            ("num_heads", num_heads),
            ("num_layers", num_layers),
        )
    )
    hidden = 4 * width if d_ff is None else positive_int("d_ff", d_ff)
    if width % heads:
        raise ValueError(f"num_heads={heads} must divide d_model={width}")
    qk = boolean("qk_layernorm", qk_layernorm)
    std = positive_finite("init_std", init_std)
    rng = np.random.default_rng(nonnegative_int("seed", seed))
    resid_std = std / np.sqrt(2 * layers)
    params: dict[str, NDArray] = {
        "token_embedding": std * rng.standard_normal((vocab, width)),
        "position_embedding": std * rng.standard_normal((context, width)),
    }
    for layer in range(layers):
        pre = f"blocks.{layer}."
        params[pre + "ln1.gain"], params[pre + "ln1.bias"] = np.ones(width), np.zeros(width)
        for w in _ATTENTION_WEIGHTS:
            scale = resid_std if w == "out_weight" else std
            params[pre + "attn." + w] = scale * rng.standard_normal((width, width))
        if qk:
            for name in _QK_NORMS:
                maker = np.ones if name.endswith("gain") else np.zeros
                params[pre + "attn." + name] = maker(width // heads)
        params[pre + "ln2.gain"], params[pre + "ln2.bias"] = np.ones(width), np.zeros(width)
        params[pre + "mlp.fc1_weight"] = std * rng.standard_normal((hidden, width))
        params[pre + "mlp.fc1_bias"] = np.zeros(hidden)
        params[pre + "mlp.fc2_weight"] = resid_std * rng.standard_normal((width, hidden))
        params[pre + "mlp.fc2_bias"] = np.zeros(width)
    params["final_ln.gain"], params["final_ln.bias"] = np.ones(width), np.zeros(width)
    params["unembedding"] = std * rng.standard_normal((vocab, width))
    return TransformerLM(params, heads, qk_layernorm=qk)
