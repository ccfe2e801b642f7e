r"""Input robustness: how much a model's output moves when its input is perturbed.

Two different questions are easy to mix up, and the source article does:

- **Stability of training** (稳定性) is about the *optimization dynamics*: does gradient descent
  on the parameters $\theta$ converge, or do the steps blow up? It depends on the learning rate
  and the curvature of the loss in $\theta$ (see `gdguide.stability`), and on products of
  Jacobians through depth or time (`gdguide.nets`). Gradient clipping acts here.
- **Robustness to input perturbations** (鲁棒性) is about the *trained function*
  $f(x)$: does a small change $\lVert d \rVert \le r$ of the input produce a small change of the
  output? Its measure is the (local) Lipschitz constant in $x$,
  $\sup_{d} \lVert f(x+d) - f(x) \rVert / \lVert d \rVert$. Gradient clipping during training
  does not bound it; weight decay, spectral normalization, Lipschitz-constrained layers and
  adversarial training do.

A model can be trained stably and still be fragile to its inputs, and vice versa. This module
gives an empirical, sampling-based estimate (a lower bound on the true local constant), the exact
local constant of an `MLP` from its Jacobian, and the loose global upper bound from the weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gdguide._validation import (
    check_callable,
    finite_float_array,
    float_array,
    nonnegative_int,
    positive_finite,
    positive_int,
)
from gdguide.nets import MLP

__all__ = [
    "SensitivityEstimate",
    "input_sensitivity",
    "jacobian_norm_bound",
    "jacobian_sensitivity",
]

_NORMS = {1: 1.0, 2: 2.0, np.inf: np.inf}
_ACTIVATION_LIPSCHITZ = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "linear": 1.0}


@dataclass(frozen=True)
class SensitivityEstimate:
    """Per-input and overall sensitivity of a function to input perturbations.

    Attributes
    ----------
    per_input : ndarray, shape (N,)
        The estimate at each input $x_n$ (dtype of the inputs).
    overall : float
        `per_input.max()`: the largest estimate over the batch.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import input_sensitivity
    >>> est = input_sensitivity(lambda x: 3 * x, np.zeros((2, 4)), radius=0.1, num_samples=8)
    >>> est.per_input.round(6).tolist(), round(est.overall, 6)
    ([3.0, 3.0], 3.0)
    """

    per_input: NDArray
    overall: float


def _norm_order(norm: object) -> float:
    for key, order in _NORMS.items():
        if not isinstance(norm, bool) and isinstance(norm, (int, float, np.number)) and norm == key:
            return order
    raise ValueError(f"norm must be 1, 2 or np.inf, got {norm!r}")


def _unit_directions(rng: np.random.Generator, shape: tuple[int, ...], order: float) -> NDArray:
    r"""Random directions of unit `order`-norm along the last axis.

    2-norm: uniform on the sphere (normalized Gaussians). inf-norm: random sign vectors (the
    corners of the cube, where a linear map attains its inf-norm gain). 1-norm: $\pm e_i$ (the
    corners of the cross-polytope, likewise).
    """
    if order == 2.0:
        d = rng.standard_normal(shape)
        return d / np.linalg.norm(d, axis=-1, keepdims=True)
    if order == np.inf:
        return rng.choice(np.array([-1.0, 1.0]), size=shape)
    d = np.zeros(shape)
    axis = rng.integers(shape[-1], size=shape[:-1])
    np.put_along_axis(
        d, axis[..., None], rng.choice(np.array([-1.0, 1.0]), size=(*shape[:-1], 1)), -1
    )
    return d


def _as_rows(name: str, values: NDArray, rows: int) -> NDArray:
    out = float_array(name, values)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] != rows:
        raise ValueError(f"{name} must return shape ({rows}, k) or ({rows},), got {out.shape}")
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} returned inf or NaN; the sensitivity is undefined there")
    return out


def input_sensitivity(
    f: Callable[[NDArray], ArrayLike],
    X: ArrayLike,
    *,
    radius: float,
    num_samples: int,
    seed: int = 0,
    norm: float = 2,
) -> SensitivityEstimate:
    r"""Estimate the local Lipschitz constant from random input perturbations of a fixed size.

    For every input $x_n$ (a row of `X`) draws $S$ = `num_samples` perturbations $d$ with
    $\lVert d \rVert_p = r$ (`radius`) and returns

    $$\hat L(x_n) = \max_{s \le S}
      \frac{\lVert f(x_n + d_s) - f(x_n) \rVert_p}{\lVert d_s \rVert_p},$$

    with $p$ = `norm` in input and output. All $N S$ perturbed points go to `f` in one call.

    Parameters
    ----------
    f : callable
        Maps a batch of shape `(m, d)` to outputs of shape `(m, k)` or `(m,)`, row by row.
    X : array_like, shape (N, d)
        Points at which to estimate (a 1-D array is one point).
    radius : float
        $r > 0$, the perturbation size. For a nonlinear $f$ the estimate depends on it: small
        $r$ probes the Jacobian, large $r$ the function over a neighbourhood.
    num_samples : int
        $S \ge 1$ random directions per input.
    seed : int, default 0
        Seed of `np.random.default_rng` for the directions.
    norm : {2, 1, np.inf}, default 2
        $p$. Directions: uniform on the 2-sphere; for $\infty$ random sign vectors; for 1 random
        signed coordinate vectors (the corners of the respective balls).

    Returns
    -------
    SensitivityEstimate
        `per_input` of shape `(N,)` and `overall` = its maximum.

    Raises
    ------
    ValueError
        Non-positive `radius` or `num_samples`, a negative `seed`, unsupported `norm`, `X` not
        1-D or 2-D or not finite, or `f` returning the wrong number of rows or a non-finite value.
    TypeError
        `f` not callable, `seed` not an integer, or `X` not numeric.

    Notes
    -----
    This is a **lower bound** on the true local constant $\sup_{\lVert d\rVert \le r}$: random
    directions rarely hit the worst one. For a linear map $f(x) = Wx$ with $p = 2$ the ratio for a
    uniform direction $u$ is $\lVert W u \rVert$, whose typical value is
    $\lVert W \rVert_F / \sqrt{d}$, well below the spectral norm $\lVert W\rVert_2$ in high
    dimension; it approaches $\lVert W \rVert_2$ only with many samples or few dimensions.
    Adversarial attacks (gradient ascent on the output change, e.g. FGSM/PGD) find far worse
    directions; `jacobian_sensitivity` gives the exact local value for an `MLP`, and
    `jacobian_norm_bound` a global upper bound.

    This measures robustness of a trained model to its inputs, not stability of training: see the
    module description. `f` receives one batch of $N S$ rows, so memory grows like $N S d$;
    split `X` for very large batches.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import input_sensitivity
    >>> W = np.array([[2.0, 0.0], [0.0, 0.5]])  # spectral norm 2
    >>> est = input_sensitivity(lambda x: x @ W.T, np.zeros((3, 2)), radius=1e-3, num_samples=200)
    >>> print(f"{est.overall:.4f}")  # at most 2, close to it in 2-D
    2.0000
    """
    check_callable("f", f)
    r = positive_finite("radius", radius)
    samples = positive_int("num_samples", num_samples)
    seed = nonnegative_int("seed", seed)
    order = _norm_order(norm)
    points = finite_float_array("X", X)
    if points.ndim == 1:
        points = points[None, :]
    if points.ndim != 2 or points.shape[1] == 0:
        raise ValueError(f"X must have shape (N, d) with d >= 1, got {points.shape}")
    n, dim = points.shape
    rng = np.random.default_rng(seed)
    steps = (r * _unit_directions(rng, (n, samples, dim), order)).astype(points.dtype, copy=False)
    base = _as_rows("f", np.asarray(f(points)), n)
    moved = _as_rows(
        "f", np.asarray(f((points[:, None, :] + steps).reshape(n * samples, dim))), n * samples
    )
    change = moved.reshape(n, samples, -1) - base[:, None, :]
    ratios = np.linalg.norm(change, ord=order, axis=-1) / np.linalg.norm(steps, ord=order, axis=-1)
    per_input = ratios.max(axis=1).astype(points.dtype, copy=False)
    return SensitivityEstimate(per_input, float(per_input.max()))


def jacobian_sensitivity(model: MLP, X: ArrayLike) -> SensitivityEstimate:
    r"""Exact local Lipschitz constant of an `MLP`: the spectral norm of its input Jacobian.

    $$L(x_n) = \lVert J(x_n) \rVert_2, \qquad
    J(x) = W_D\,\mathrm{diag}(\phi'(z_{D-1}))\,W_{D-1}\cdots \mathrm{diag}(\phi'(z_1))\,W_1,$$

    the largest singular value of $\partial \hat y/\partial x$, from `MLP.input_jacobian`.
    For a small radius, `input_sensitivity` with $p = 2$ approaches it from below.

    Parameters
    ----------
    model : MLP
        The network.
    X : array_like, shape (N, in_features)
        Points at which to evaluate.

    Returns
    -------
    SensitivityEstimate
        Per-input spectral norms and their maximum.

    Raises
    ------
    TypeError
        If `model` is not an `MLP` or `X` is not numeric.
    ValueError
        If `X` has the wrong shape or a NaN or infinite entry.

    Notes
    -----
    For ReLU the Jacobian is piecewise constant and undefined on the kinks; the value at a kink
    uses $\mathrm{relu}'(0) = 0$, as PyTorch does. In PyTorch the same quantity is
    `torch.linalg.matrix_norm(torch.func.jacrev(model)(x), ord=2)` per input (the tests compare
    `MLP.input_jacobian` with `torch.autograd.functional.jacobian`).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import init_mlp, jacobian_sensitivity, input_sensitivity
    >>> net = init_mlp([5, 16, 16, 2], activation="tanh", init="xavier", seed=0)
    >>> X = np.random.default_rng(1).standard_normal((4, 5))
    >>> exact = jacobian_sensitivity(net, X).per_input
    >>> sampled = input_sensitivity(net.forward, X, radius=1e-4, num_samples=100).per_input
    >>> bool(np.all(sampled <= exact * (1 + 1e-3)))
    True
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an MLP, got {type(model).__name__}")
    points = finite_float_array("X", X)
    per_input = np.linalg.norm(model.input_jacobian(points), ord=2, axis=(1, 2))
    return SensitivityEstimate(per_input, float(per_input.max()))


def jacobian_norm_bound(
    model: MLP | Sequence[ArrayLike], *, activation_lipschitz: float | None = None
) -> float:
    r"""Global Lipschitz upper bound: the product of the layers' spectral norms.

    Since $\lVert J(x) \rVert_2 \le \prod_l \lVert W_l \rVert_2 \cdot
    \prod_{l<D} \sup|\phi'|$ for every $x$,

    $$\lVert f(x) - f(x') \rVert_2 \le
    K^{D-1} \prod_{l=1}^{D} \lVert W_l \rVert_2\; \lVert x - x' \rVert_2,$$

    where $K$ is the Lipschitz constant of the activation (1 for ReLU and tanh, 1/4 for the
    sigmoid) and $\lVert W \rVert_2$ the largest singular value.

    Parameters
    ----------
    model : MLP or sequence of array_like
        An `MLP`, or its weight matrices $W_1, \dots, W_D$ (any shapes; only spectral norms
        are used).
    activation_lipschitz : float, optional
        $K$. Default: from `model.activation` for an `MLP`, 1 for a list of weights.

    Returns
    -------
    float
        The bound (≥ every value of `jacobian_sensitivity` and `input_sensitivity`, p = 2).

    Raises
    ------
    ValueError
        Empty weight list, a weight that is not 2-D, or a non-positive `activation_lipschitz`.

    Notes
    -----
    The bound is valid everywhere but usually **loose**, often by orders of magnitude for deep
    networks: it assumes the top singular directions of consecutive layers line up and every unit
    is in its steepest regime at once (the tests check it exceeds the largest Jacobian norm of a
    9-layer tanh network by more than 10x). Spectral normalization (Miyato et al. 2018,
    [arXiv:1802.05957](https://arxiv.org/abs/1802.05957), in PyTorch
    `torch.nn.utils.parametrizations.spectral_norm`) controls exactly this product; exact
    computation of the Lipschitz constant is NP-hard (Virmaux & Scaman 2018,
    [arXiv:1805.10965](https://arxiv.org/abs/1805.10965)).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import jacobian_norm_bound
    >>> print(f"{jacobian_norm_bound([np.diag([3.0, 1.0]), np.diag([1.0, 2.0])]):.6f}")  # 3 * 2
    6.000000

    Sampled estimate, exact local constant and global bound on a 9-layer tanh network:

    >>> from gdguide import init_mlp, input_sensitivity, jacobian_sensitivity
    >>> net = init_mlp([16] * 9, activation="tanh", init="xavier", seed=0)
    >>> X = np.random.default_rng(0).standard_normal((64, 16))
    >>> sampled = input_sensitivity(net.forward, X, radius=1e-4, num_samples=100).overall
    >>> exact = jacobian_sensitivity(net, X).overall
    >>> print(f"{sampled:.2f} <= {exact:.2f} <= {jacobian_norm_bound(net):.1f}")
    1.40 <= 1.70 <= 127.9
    """
    if isinstance(model, MLP):
        weights = model.weights
        default_k = _ACTIVATION_LIPSCHITZ[model.activation]
    else:
        weights = [float_array(f"model[{i}]", w) for i, w in enumerate(model)]
        default_k = 1.0
    if not weights or any(w.ndim != 2 for w in weights):
        raise ValueError("model must hold at least one weight matrix, each 2-D")
    k = (
        default_k
        if activation_lipschitz is None
        else positive_finite("activation_lipschitz", activation_lipschitz)
    )
    spectral = [float(np.linalg.norm(w, ord=2)) for w in weights]
    return float(np.prod(spectral) * k ** (len(weights) - 1))
