r"""Objectives with exact gradients and Hessians, and a finite-difference gradient check.

Every problem is a frozen dataclass with the same methods, so the descent runner, the stability
tools and the docs can treat them alike:

- `loss(x) -> float`: the objective value;
- `grad(x) -> ndarray`: the exact gradient, same shape as `x`;
- `hessian(x) -> ndarray`: the exact Hessian, shape `(x.size, x.size)`;
- `hvp(x, v) -> ndarray`: the Hessian-vector product $\nabla^2 f(x)\,v$, same shape as `x`;
- `minimizer`: a minimizer, where it is known in closed form.

Far from the minimum the losses overflow to `inf` on purpose (that is what a diverging run looks
like); they do so silently, without a `RuntimeWarning`, so a diverging run can be recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gdguide._validation import (
    boolean,
    check_callable,
    finite_float_array,
    float_array,
    float_vector,
    positive_finite,
    positive_int,
    real_number,
)

__all__ = [
    "LinearRegression",
    "Quadratic",
    "RecurrentCliff",
    "Wall",
    "article_regression",
    "check_grad",
    "finite_difference_gradient",
]


def _readonly_copy(array: NDArray) -> NDArray:
    """Return a read-only copy, so a frozen problem cannot be changed through its arrays."""
    copy = np.array(array, copy=True)
    copy.flags.writeable = False
    return copy


@dataclass(frozen=True, eq=False)
class LinearRegression:
    r"""Least-squares linear regression with a sum or mean squared-error loss.

    With design matrix $A$ (the features $X$, or $[\mathbf{1}, X]$ when `fit_intercept=True`),
    targets $y \in \mathbb{R}^n$ and parameters $\theta$,

    $$
    L(\theta) = \frac{1}{m}\lVert A\theta - y\rVert_2^2, \qquad
    \nabla L(\theta) = \frac{2}{m} A^\top (A\theta - y), \qquad
    \nabla^2 L = \frac{2}{m} A^\top A,
    $$

    where $m = 1$ for `reduction="sum"` and $m = n$ for `reduction="mean"`.

    Parameters
    ----------
    X : array_like, shape (n, d) or (n,)
        Features, one row per sample. A 1-D array is one feature.
    y : array_like, shape (n,)
        Targets.
    reduction : {"sum", "mean"}, default "sum"
        `"sum"` is the loss the source article differentiates (`2 * (X @ theta - y) @ X`);
        `"mean"` is PyTorch's `MSELoss()` default. The names follow PyTorch's `reduction`.
    fit_intercept : bool, default False
        Prepend a column of ones, so `theta[0]` is the intercept and `theta[1:]` the slopes.

    Raises
    ------
    ValueError
        If `X` is not 1-D or 2-D, `y` is not 1-D of length `n`, either holds a non-finite
        value, or `reduction` is not `"sum"` or `"mean"`.
    TypeError
        If `X` or `y` is not numeric, or `fit_intercept` is not a bool.

    Notes
    -----
    The Hessian is constant, so gradient descent is stable exactly when the learning rate is below
    $2/\lambda_{\max}(\nabla^2 L)$. The choice of reduction matters: with the **sum** the
    Hessian grows with the data. For the feature $x = 1, \dots, n$ without intercept,
    $\lambda_{\max} = 2\sum_i i^2 = n(n+1)(2n+1)/3 \sim 2n^3/3$, so the safe step shrinks like
    $n^{-3}$: $\alpha = 0.01$ converges for $n = 5$ ($\lambda = 110$) and diverges for $n = 7$
    ($\lambda = 280$). The **mean** divides the Hessian by $n$, so its threshold is
    $2n/\lambda_{\max}$ of the sum loss. This, not a mysterious "large data" effect, is why the
    article's recipe breaks when data are added.

    `minimizer` is the least-squares solution from `numpy.linalg.lstsq` (the minimum-norm one
    when $A$ is rank-deficient).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import LinearRegression
    >>> problem = LinearRegression([[1.0], [2.0], [3.0], [4.0], [5.0]], [1.0, 3.0, 5.0, 7.0, 9.0])
    >>> print(f"{problem.hessian()[0, 0]:.1f} {problem.minimizer[0]:.7f}")
    110.0 1.7272727
    >>> print(f"{problem.loss(problem.minimizer):.6f}")  # residual SSE = 10/11
    0.909091
    >>> problem.grad(np.zeros(1)).round(6).tolist()
    [-190.0]
    """

    X: NDArray[np.floating]
    y: NDArray[np.floating]
    reduction: Literal["sum", "mean"] = "sum"
    fit_intercept: bool = False
    design: NDArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        features = float_array("X", self.X)
        if features.ndim == 1:
            features = features[:, None]
        if features.ndim != 2:
            raise ValueError(f"X must be 1-D or 2-D, got {features.ndim} dimensions")
        targets = float_array("y", self.y)
        if targets.shape != (features.shape[0],):
            raise ValueError(
                f"y must have shape ({features.shape[0]},) to match X, got {targets.shape}"
            )
        if not (np.all(np.isfinite(features)) and np.all(np.isfinite(targets))):
            raise ValueError("X and y must be finite")
        if self.reduction not in ("sum", "mean"):
            raise ValueError(f"reduction must be 'sum' or 'mean', got {self.reduction!r}")
        object.__setattr__(self, "fit_intercept", boolean("fit_intercept", self.fit_intercept))
        if self.fit_intercept:
            features = np.hstack([np.ones((features.shape[0], 1), features.dtype), features])
        object.__setattr__(self, "X", _readonly_copy(features[:, int(self.fit_intercept) :]))
        object.__setattr__(self, "y", _readonly_copy(targets))
        object.__setattr__(self, "design", _readonly_copy(features))

    @property
    def n_params(self) -> int:
        """Number of parameters (features, plus one with an intercept)."""
        return self.design.shape[1]

    @property
    def _scale(self) -> float:
        return 2.0 / (self.design.shape[0] if self.reduction == "mean" else 1)

    def loss(self, theta: ArrayLike) -> float:
        r"""Return the squared-error loss $L(\theta)$ (`inf` when it overflows)."""
        theta = float_vector("theta", theta, self.n_params)
        with np.errstate(over="ignore", invalid="ignore"):
            residual = self.design @ theta - self.y
            return float(residual @ residual * (self._scale / 2))

    def grad(self, theta: ArrayLike) -> NDArray:
        r"""Return the gradient $\frac{2}{m}A^\top(A\theta - y)$, shape `(n_params,)`."""
        theta = float_vector("theta", theta, self.n_params)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._scale * (self.design.T @ (self.design @ theta - self.y))

    def hessian(self, theta: ArrayLike | None = None) -> NDArray:
        r"""Return the constant Hessian $\frac{2}{m}A^\top A$; `theta` is only checked."""
        if theta is not None:
            float_vector("theta", theta, self.n_params)
        return self._scale * (self.design.T @ self.design)

    def hvp(self, theta: ArrayLike, v: ArrayLike) -> NDArray:
        r"""Return $\frac{2}{m}A^\top(Av)$ without forming the Hessian."""
        float_vector("theta", theta, self.n_params)
        v = float_vector("v", v, self.n_params)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._scale * (self.design.T @ (self.design @ v))

    @property
    def minimizer(self) -> NDArray:
        """Least-squares parameters (minimum-norm solution if the design is rank-deficient)."""
        return np.linalg.lstsq(self.design, self.y, rcond=None)[0]


def article_regression(
    *,
    reduction: Literal["sum", "mean"] = "sum",
    fit_intercept: bool = False,
    standardize: bool = False,
    n: int = 5,
) -> LinearRegression:
    r"""Build the source article's regression: $x = 1, \dots, n$ and $y = 2x - 1$.

    For `n=5` this is the article's `X = [[1], [2], [3], [4], [5]]`, `y = [1, 3, 5, 7, 9]`.

    Parameters
    ----------
    reduction : {"sum", "mean"}, default "sum"
        `"sum"` reproduces the article's gradient `2 * (X @ theta - y) @ X`.
    fit_intercept : bool, default False
        The article has no intercept, so its least-squares slope is $19/11 \approx 1.7273$,
        not 2. With the intercept the fit is exactly $(-1, 2)$.
    standardize : bool, default False
        Replace $x$ by $z = (x - \bar x)/s$ with the population standard deviation $s$ (zero mean,
        unit variance).
    n : int, default 5
        Number of samples.

    Returns
    -------
    LinearRegression
        The problem. Facts for `n=5` and the sum loss:

        | model | Hessian eigenvalues | minimizer | stable for $\alpha <$ |
        |---|---|---|---|
        | no intercept (the article's) | 110 | 19/11 | 1/55 ≈ 0.01818 |
        | intercept | 1.6905, 118.3095 | (−1, 2) | 0.016905 |
        | intercept, standardized | 10, 10 | (5, 2.8284) | 0.2 |

    Raises
    ------
    ValueError
        If `n < 1`, or `n < 2` with `standardize=True` (a constant feature has no scale).
    TypeError
        If `fit_intercept` or `standardize` is not a bool, or `n` is not an integer.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import article_regression
    >>> np.linalg.eigvalsh(article_regression(fit_intercept=True).hessian()).round(4).tolist()
    [1.6905, 118.3095]
    >>> article_regression(fit_intercept=True).minimizer.round(6).tolist()
    [-1.0, 2.0]
    >>> article_regression(fit_intercept=True, standardize=True).hessian().round(6).tolist()
    [[10.0, 0.0], [0.0, 10.0]]
    >>> print(f"{article_regression(n=7).hessian()[0, 0]:.0f}")  # 2 * (1 + 4 + ... + 49)
    280
    """
    fit_intercept = boolean("fit_intercept", fit_intercept)
    standardize = boolean("standardize", standardize)
    n = positive_int("n", n)
    x = np.arange(1.0, n + 1.0)
    y = 2.0 * x - 1.0
    if standardize:
        if n < 2:
            raise ValueError("n must be >= 2 to standardize the feature")
        x = (x - x.mean()) / x.std()
    return LinearRegression(x[:, None], y, reduction=reduction, fit_intercept=fit_intercept)


@dataclass(frozen=True, eq=False)
class Quadratic:
    r"""Quadratic $f(x) = \tfrac12 x^\top A x - b^\top x$ with symmetric $A$.

    Gradient $Ax - b$, Hessian $A$. Gradient descent with step $\alpha$ contracts the error
    along each eigenvector of $A$ by $1 - \alpha\lambda_i$, so it converges iff
    $0 < \alpha < 2/\lambda_{\max}$ (all $\lambda_i > 0$).

    Parameters
    ----------
    A : array_like, shape (d, d)
        Symmetric matrix (checked to relative tolerance 1e-10).
    b : array_like, shape (d,), optional
        Linear term; zeros by default.

    Raises
    ------
    ValueError
        If `A` is not square, not symmetric or not finite, or `b` has the wrong shape.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import Quadratic
    >>> q = Quadratic([[2.0, 0.0], [0.0, 20.0]], [2.0, 20.0])
    >>> q.minimizer.round(6).tolist()
    [1.0, 1.0]
    >>> q.grad(np.zeros(2)).round(6).tolist()
    [-2.0, -20.0]
    >>> print(f"{q.loss(q.minimizer):.1f}")
    -11.0
    """

    A: NDArray[np.floating]
    b: NDArray[np.floating] | None = None

    def __post_init__(self) -> None:
        matrix = float_array("A", self.A)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"A must be a square matrix, got shape {matrix.shape}")
        if not np.all(np.isfinite(matrix)):
            raise ValueError("A must be finite")
        scale = float(np.abs(matrix).max(initial=0.0))
        if not np.allclose(matrix, matrix.T, rtol=1e-10, atol=1e-12 * scale):
            raise ValueError("A must be symmetric")
        linear = np.zeros(matrix.shape[0], matrix.dtype) if self.b is None else self.b
        linear = float_vector("b", linear, matrix.shape[0])
        if not np.all(np.isfinite(linear)):
            raise ValueError("b must be finite")
        object.__setattr__(self, "A", _readonly_copy(matrix))
        object.__setattr__(self, "b", _readonly_copy(linear))

    def loss(self, x: ArrayLike) -> float:
        r"""Return $\tfrac12 x^\top A x - b^\top x$."""
        x = float_vector("x", x, self.A.shape[0])
        with np.errstate(over="ignore", invalid="ignore"):
            return float(0.5 * (x @ (self.A @ x)) - self.b @ x)

    def grad(self, x: ArrayLike) -> NDArray:
        """Return $Ax - b$."""
        x = float_vector("x", x, self.A.shape[0])
        with np.errstate(over="ignore", invalid="ignore"):
            return self.A @ x - self.b

    def hessian(self, x: ArrayLike | None = None) -> NDArray:
        """Return the constant Hessian $A$ (a copy); `x` is only checked."""
        if x is not None:
            float_vector("x", x, self.A.shape[0])
        return np.array(self.A)

    def hvp(self, x: ArrayLike, v: ArrayLike) -> NDArray:
        """Return $Av$."""
        float_vector("x", x, self.A.shape[0])
        with np.errstate(over="ignore", invalid="ignore"):
            return self.A @ float_vector("v", v, self.A.shape[0])

    @property
    def minimizer(self) -> NDArray:
        """The unique minimizer $A^{-1}b$; raises `ValueError` unless $A$ is positive definite."""
        if np.linalg.eigvalsh(self.A)[0] <= 0:
            raise ValueError("A is not positive definite: the quadratic has no unique minimizer")
        linear = self.b if self.b is not None else np.zeros_like(self.A[0])  # set by __post_init__
        return np.linalg.solve(self.A, linear)


@dataclass(frozen=True, eq=False)
class Wall:
    r"""Steep wall $f(x) = \sum_i (x_i^2 + x_i^4)$, elementwise, for `x` of any shape.

    Gradient $2x + 4x^3$, Hessian $\operatorname{diag}(2 + 12x^2)$ (on the flattened `x`),
    minimizer $0$. The curvature grows like $12x^2$, so a step that is safe near the minimum
    ($\alpha < 2/2 = 1$) is catastrophic far from it: from $x_0 = 3$ with $\alpha = 0.1$ plain
    gradient descent visits $-8.4$, $230.4$, $-4.9\cdot 10^6$, ... then overflows to NaN,
    while clipping the gradient norm to 1 walks down the wall in steps of $0.1$ and converges.
    This is where clipping truly rescues a run (Pascanu et al., 2013, Fig. 6, the "cliff").

    References
    ----------
    1. R. Pascanu, T. Mikolov, Y. Bengio, "On the difficulty of training recurrent neural
       networks", ICML 2013, [arXiv:1211.5063](https://arxiv.org/abs/1211.5063).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import Wall
    >>> wall = Wall()
    >>> x = np.array([3.0])
    >>> (x - 0.1 * wall.grad(x)).round(6).tolist()
    [-8.4]
    >>> wall.hessian(np.array([1.0, 0.0])).tolist()
    [[14.0, 0.0], [0.0, 2.0]]
    """

    def loss(self, x: ArrayLike) -> float:
        r"""Return $\sum_i (x_i^2 + x_i^4)$ (`inf` when it overflows)."""
        x = float_array("x", x)
        with np.errstate(over="ignore", invalid="ignore"):
            square = x * x
            return float(np.sum(square + square * square))

    def grad(self, x: ArrayLike) -> NDArray:
        """Return $2x + 4x^3$, same shape as `x`."""
        x = float_array("x", x)
        with np.errstate(over="ignore", invalid="ignore"):
            return 2 * x + 4 * x**3

    def hessian(self, x: ArrayLike) -> NDArray:
        r"""Return $\operatorname{diag}(2 + 12x^2)$ over the flattened `x`."""
        x = float_array("x", x)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.diag((2 + 12 * x * x).ravel())

    def hvp(self, x: ArrayLike, v: ArrayLike) -> NDArray:
        r"""Return $(2 + 12x^2) \odot v$."""
        x = float_array("x", x)
        v = float_array("v", v)
        if v.shape != x.shape:
            raise ValueError(f"v must have the shape of x {x.shape}, got {v.shape}")
        with np.errstate(over="ignore", invalid="ignore"):
            return (2 + 12 * x * x) * v

    @property
    def minimizer(self) -> float:
        """The origin: `0.0`, which broadcasts to any shape of `x`."""
        return 0.0


@dataclass(frozen=True, eq=False)
class RecurrentCliff:
    r"""One-unit linear recurrent network, the exploding-gradient example of Pascanu et al.

    The hidden state follows $x_t = w\,x_{t-1}$, so $x_T = x_0 w^T$, and the loss on the last
    state is

    $$
    L(w) = \tfrac12 (x_0 w^T - \tau)^2, \qquad
    L'(w) = (x_0 w^T - \tau)\, x_0 T w^{T-1},
    $$

    $$
    L''(w) = (x_0 T w^{T-1})^2 + (x_0 w^T - \tau)\, x_0 T (T-1) w^{T-2},
    $$

    with weight $w$, horizon $T$, initial state $x_0$ and target $\tau$. The factor $w^{T-1}$
    is the product of $T-1$ Jacobians through time: for $|w| > 1$ it grows exponentially. That
    product, not a too-large step on a quadratic, is the real "exploding gradient". With the
    defaults ($T = 50$, $x_0 = \tau = 1$): $L'(1.1) \approx 6.2\cdot 10^5$ and $L''(1) = 2500$,
    so plain gradient descent near the minimum needs $\alpha < 2/2500 = 0.0008$.

    The parameter is a length-1 array `w = np.array([w])`, so the problem fits the same
    interface as the others.

    Parameters
    ----------
    T : int, default 50
        Number of time steps, >= 1.
    x0 : float, default 1.0
        Initial hidden state, nonzero and finite.
    target : float, default 1.0
        Target $\tau$ for $x_T$, finite.

    Raises
    ------
    ValueError
        If `T < 1`, `x0` is zero or non-finite, or `target` is non-finite.

    References
    ----------
    1. R. Pascanu, T. Mikolov, Y. Bengio, "On the difficulty of training recurrent neural
       networks", ICML 2013, [arXiv:1211.5063](https://arxiv.org/abs/1211.5063), Section 3.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import RecurrentCliff
    >>> cliff = RecurrentCliff()
    >>> print(f"{cliff.grad(np.array([1.1]))[0]:.4g}")
    6.211e+05
    >>> print(f"{cliff.hessian(np.array([1.0]))[0, 0]:.1f}")
    2500.0
    >>> cliff.hidden_states(np.array([2.0]))[:4].tolist()
    [1.0, 2.0, 4.0, 8.0]
    """

    T: int = 50
    x0: float = 1.0
    target: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "T", positive_int("T", self.T))
        x0 = real_number("x0", self.x0)
        if not np.isfinite(x0) or x0 == 0:
            raise ValueError(f"x0 must be a nonzero finite number, got {x0!r}")
        object.__setattr__(self, "x0", x0)
        target = real_number("target", self.target)
        if not np.isfinite(target):
            raise ValueError(f"target must be finite, got {target!r}")
        object.__setattr__(self, "target", target)

    def hidden_states(self, w: ArrayLike) -> NDArray:
        r"""Return $x_t = x_0 w^t$ for $t = 0, \dots, T$, shape `(T + 1,)`."""
        w = float_vector("w", w, 1)
        with np.errstate(over="ignore", invalid="ignore"):
            return self.x0 * w[0] ** np.arange(self.T + 1, dtype=w.dtype)

    def loss(self, w: ArrayLike) -> float:
        r"""Return $\tfrac12(x_0 w^T - \tau)^2$ (`inf` when it overflows)."""
        w = float_vector("w", w, 1)
        with np.errstate(over="ignore", invalid="ignore"):
            return float(0.5 * (self.x0 * w[0] ** self.T - self.target) ** 2)

    def grad(self, w: ArrayLike) -> NDArray:
        """Return $L'(w)$ as a length-1 array."""
        w = float_vector("w", w, 1)
        with np.errstate(over="ignore", invalid="ignore"):
            residual = self.x0 * w**self.T - self.target
            return residual * self.x0 * self.T * w ** (self.T - 1)

    def hessian(self, w: ArrayLike) -> NDArray:
        """Return $L''(w)$ as a `(1, 1)` array."""
        w = float_vector("w", w, 1)
        with np.errstate(over="ignore", invalid="ignore"):
            slope = self.x0 * self.T * w ** (self.T - 1)
            curvature = slope * slope
            if self.T >= 2:
                residual = self.x0 * w**self.T - self.target
                curvature = curvature + residual * self.x0 * self.T * (self.T - 1) * w ** (
                    self.T - 2
                )
            return curvature[:, None]

    def hvp(self, w: ArrayLike, v: ArrayLike) -> NDArray:
        r"""Return $L''(w)\,v$ as a length-1 array."""
        return self.hessian(w)[0] * float_vector("v", v, 1)

    @property
    def minimizer(self) -> NDArray:
        r"""A global minimizer: the real root $w$ of $x_0 w^T = \tau$ nearest $+1$, or 0 if none."""
        ratio = self.target / self.x0
        if ratio >= 0:
            return np.array([ratio ** (1.0 / self.T)])
        if self.T % 2 == 1:
            return np.array([-((-ratio) ** (1.0 / self.T))])
        return np.zeros(1)


def finite_difference_gradient(
    fun: Callable[[NDArray], ArrayLike], x: ArrayLike, *, eps: float | None = None
) -> NDArray:
    r"""Approximate the gradient (or Jacobian) of `fun` at `x` by central differences.

    $$
    \frac{\partial f}{\partial x_i} \approx \frac{f(x + h_i e_i) - f(x - h_i e_i)}{2 h_i},
    \qquad h_i = \varepsilon \max(1, |x_i|),
    $$

    with $e_i$ the $i$-th unit vector. The error is $O(h^2)$ from truncation plus
    $O(\epsilon_{\text{mach}}/h)$ from rounding; the default $\varepsilon =
    \epsilon_{\text{mach}}^{1/3} \approx 6\cdot 10^{-6}$ balances the two. Computed in float64.

    Parameters
    ----------
    fun : callable
        `fun(x)` returning a scalar (then the result is a gradient, shape `x.shape`) or an array
        of shape `s` (then the result is a Jacobian of shape `s + x.shape`).
    x : array_like
        Point of evaluation. Not modified.
    eps : float, optional
        Relative step $\varepsilon$, positive.

    Returns
    -------
    ndarray
        The approximation, float64.

    Raises
    ------
    ValueError
        If `x` is empty or not finite, or `eps` is not positive and finite.
    TypeError
        If `fun` is not callable or `x` is not numeric.

    Notes
    -----
    This needs $2\,\text{size}(x)$ calls of `fun`, one pair per coordinate (a loop over
    coordinates: `fun` is a black box).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import Wall, finite_difference_gradient
    >>> finite_difference_gradient(Wall().loss, np.array([1.0, -0.5])).round(6).tolist()
    [6.0, -1.5]
    """
    check_callable("fun", fun)
    x = finite_float_array("x", x).astype(np.float64)
    if x.size == 0:
        raise ValueError("x must not be empty")
    eps = np.finfo(np.float64).eps ** (1 / 3) if eps is None else positive_finite("eps", eps)
    flat = x.ravel()
    steps = (flat + eps * np.maximum(1.0, np.abs(flat))) - flat  # exactly representable steps
    columns = []
    for i in range(flat.size):
        shift = np.zeros_like(flat)
        shift[i] = steps[i]
        ahead = np.asarray(fun((flat + shift).reshape(x.shape)), dtype=np.float64)
        behind = np.asarray(fun((flat - shift).reshape(x.shape)), dtype=np.float64)
        columns.append((ahead - behind) / (2 * steps[i]))
    return np.stack(columns, axis=-1).reshape(columns[0].shape + x.shape)


def check_grad(
    fun: Callable[[NDArray], ArrayLike],
    grad: Callable[[NDArray], ArrayLike],
    x: ArrayLike,
    *,
    eps: float | None = None,
    relative: bool = False,
) -> float:
    r"""Compare an analytic gradient (or Jacobian) with central finite differences.

    Returns $\lVert g(x) - \hat g(x)\rVert_2$ (the Frobenius norm for a Jacobian), where $g$ is
    `grad` and $\hat g$ the central difference of `fun` from
    [`finite_difference_gradient`][gdguide.problems.finite_difference_gradient]. With
    `relative=True` it returns $\lVert g - \hat g\rVert / \max(\lVert g\rVert, \lVert\hat g\rVert)$
    (0 when both are zero), which is scale-free but meaningless near a stationary point, where
    both norms are rounding noise: there, compare the absolute error with the gradient's scale.

    Like SciPy's `scipy.optimize.check_grad`, which returns the same absolute norm but uses a
    forward difference with step $\sqrt{\epsilon_{\text{mach}}}$ (error $O(h)$, not $O(h^2)$).
    Pass a gradient as `fun` and a Hessian as `grad` to check the Hessian.

    Parameters
    ----------
    fun : callable
        Function of `x` (scalar, or array for a Jacobian check).
    grad : callable
        Its claimed derivative, shape `x.shape` (or `fun(x).shape + x.shape`; a Hessian of a
        1-D `x` has shape `(n, n)`).
    x : array_like
        Point of evaluation.
    eps : float, optional
        Relative finite-difference step (see `finite_difference_gradient`).
    relative : bool, default False
        Return the relative error instead of the absolute one.

    Returns
    -------
    float
        The error norm. A correct derivative gives a relative error of about $10^{-10}$ on
        mild functions and up to $10^{-7}$ on steep ones like `RecurrentCliff` (truncation
        error $h^2 |f^{(3)}|/6$); a wrong one gives an error of order 1.

    Raises
    ------
    ValueError
        If `grad(x)` has a different number of entries than the finite difference.
    TypeError
        If `relative` is not a bool.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import RecurrentCliff, check_grad
    >>> cliff = RecurrentCliff()
    >>> w = np.array([1.05])
    >>> check_grad(cliff.loss, cliff.grad, w, relative=True) < 1e-6
    True
    >>> check_grad(cliff.grad, cliff.hessian, w, relative=True) < 1e-6
    True
    >>> wrong = lambda w: 0.5 * cliff.grad(w)  # a factor 2 wrong
    >>> print(f"{check_grad(cliff.loss, wrong, w, relative=True):.2f}")
    0.50
    """
    relative = boolean("relative", relative)
    check_callable("grad", grad)
    approx = finite_difference_gradient(fun, x, eps=eps)
    exact = np.asarray(grad(float_array("x", x)), dtype=np.float64)
    if exact.size != approx.size:
        raise ValueError(
            f"grad(x) has {exact.size} entries but the finite difference has {approx.size}"
        )
    error = float(np.linalg.norm(exact.ravel() - approx.ravel()))
    if not relative:
        return error
    scale = max(float(np.linalg.norm(exact)), float(np.linalg.norm(approx)))
    return error / scale if scale > 0 else 0.0
