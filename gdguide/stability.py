r"""Step-size stability: Hessian-vector products, the largest eigenvalue, the stable learning rate.

Gradient descent on a function whose Hessian has largest eigenvalue $\lambda_{\max}$ is stable
(near a minimum) only for learning rates $\alpha < 2/\lambda_{\max}$. This module estimates
$\lambda_{\max}$ by power iteration on Hessian-vector products (exact ones, or central finite
differences of the gradient), turns it into the largest stable learning rate for plain, heavy-ball
and Nesterov descent, and checks the rule empirically with a deterministic learning-rate sweep and a
bisection for the divergence boundary.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gdguide._deprecation import deprecated_names
from gdguide._validation import (
    check_callable,
    finite_float_array,
    float_array,
    in_interval,
    nonnegative_finite,
    nonnegative_int,
    positive_finite,
    positive_int,
    same_shape,
)

__all__ = [
    "DivergenceBoundary",
    "LearningRateSweepResult",
    "PowerIterationResult",
    "find_divergence_boundary",
    "hessian_vector_product",
    "largest_eigenvalue",
    "learning_rate_sweep",
    "max_stable_learning_rate",
]

GradFn = Callable[[NDArray[np.floating]], ArrayLike]
LossFn = Callable[[NDArray[np.floating]], Any]


def _call_grad(grad: GradFn, x: NDArray[np.floating]) -> NDArray[np.floating]:
    """Evaluate `grad(x)` and check that it returns a real array shaped like `x`."""
    g = float_array("grad(x)", grad(x))
    same_shape("grad(x)", g, "x", x)
    return g


# ----------------------------------------------------------------------------------------------
# Hessian-vector products and power iteration


def hessian_vector_product(
    grad: GradFn, x: ArrayLike, v: ArrayLike, *, eps: float | None = None
) -> NDArray[np.floating]:
    r"""Approximate $H(x)\,v$ by a central difference of the gradient.

    $$H(x)\,v \approx \frac{\nabla f(x + h v) - \nabla f(x - h v)}{2h},$$

    where $\nabla f$ is `grad`, $H(x) = \nabla^2 f(x)$ the Hessian at `x`, $v$ the direction and $h$
    the step `eps`. Use it for problems that have a gradient but no exact Hessian-vector product.

    Parameters
    ----------
    grad : callable
        `grad(x) -> array` of the same shape as `x`.
    x : array_like
        Point at which the Hessian is taken (any shape).
    v : array_like
        Direction, same shape as `x`.
    eps : float, optional
        Step $h > 0$ along $v$. The default is
        $h = \sqrt[3]{\varepsilon_{\text{mach}}}\,\max(1, \lVert x\rVert)/\lVert v\rVert$
        (about $6\cdot 10^{-6}\max(1,\lVert x\rVert)$ of displacement in float64), where
        $\varepsilon_{\text{mach}}$ is the machine epsilon of the dtype of `x`.

    Returns
    -------
    numpy.ndarray
        Approximation of $H(x)\,v$, shape and dtype of `x`. Zero when $v = 0$ (no gradient call).

    Raises
    ------
    ValueError
        If `x` and `v` (or `grad(x)` and `x`) differ in shape, `x` or `v` is not finite, or `eps`
        is not positive and finite.
    TypeError
        If an array is not real-valued or `grad` is not callable.

    Notes
    -----
    The central difference has truncation error $O(h^2)$ (it is exact for quadratics, whose
    gradient is affine) and rounding error about $\varepsilon_{\text{mach}}\lVert\nabla f\rVert/h$;
    the two balance at $h \propto \varepsilon_{\text{mach}}^{1/3}$, the default, which gives a
    relative error near $\varepsilon_{\text{mach}}^{2/3}$ ($\approx 4\cdot 10^{-11}$ in float64,
    $\approx 2\cdot 10^{-5}$ in float32). The displacement $h\lVert v\rVert$ is scaled with
    $\lVert x\rVert$ so the perturbation is not lost in rounding at large parameters. Automatic
    differentiation frameworks compute exact products instead (Pearlmutter's trick,
    `torch.autograd.functional.hvp`, `jax.jvp(jax.grad(f), ...)`) at about the cost of two
    gradients, the same as here.

    References
    ----------
    1. B. A. Pearlmutter, "Fast exact multiplication by the Hessian", *Neural Computation* 6(1),
       1994. [doi:10.1162/neco.1994.6.1.147](https://doi.org/10.1162/neco.1994.6.1.147)
    2. J. Nocedal, S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006, §8.1.

    Examples
    --------
    The article's sum loss $\lVert X\theta - y\rVert^2$ has Hessian $2X^\top X = 110$:

    >>> import numpy as np
    >>> from gdguide import hessian_vector_product
    >>> X = np.arange(1.0, 6.0)[:, None]
    >>> y = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    >>> grad = lambda theta: 2 * X.T @ (X @ theta - y)
    >>> print(f"{hessian_vector_product(grad, np.zeros(1), np.ones(1))[0]:.6f}")
    110.000000
    """
    check_callable("grad", grad)
    x_arr = finite_float_array("x", x)
    v_arr = finite_float_array("v", v).astype(x_arr.dtype, copy=False)
    same_shape("x", x_arr, "v", v_arr)
    v_norm = float(np.linalg.norm(v_arr))
    if v_norm == 0.0:
        return np.zeros_like(x_arr)
    if eps is None:
        scale = max(1.0, float(np.linalg.norm(x_arr)))
        h = float(np.finfo(x_arr.dtype).eps) ** (1 / 3) * scale / v_norm
    else:
        h = positive_finite("eps", eps)
    forward = _call_grad(grad, x_arr + h * v_arr)
    backward = _call_grad(grad, x_arr - h * v_arr)
    return ((forward - backward) / (2 * h)).astype(x_arr.dtype, copy=False)


@dataclass(frozen=True, eq=False)
class PowerIterationResult:
    r"""Outcome of `largest_eigenvalue`.

    Attributes
    ----------
    eigenvalue : float
        Final Rayleigh quotient $\rho = v^\top H v$ (with $\lVert v\rVert = 1$): the estimate of the
        eigenvalue of largest magnitude, with its sign.
    eigenvector : numpy.ndarray
        Unit vector $v$ (shape of the operator's input).
    num_iters : int
        Number of operator applications.
    converged : bool
        Whether the stopping test was met within `num_iters`.
    residual : float
        $\lVert Hv - \rho v\rVert$: for a symmetric $H$ some eigenvalue lies within this distance
        of $\rho$.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import largest_eigenvalue
    >>> result = largest_eigenvalue(lambda v: np.diag([3.0, 1.0]) @ v, 2)
    >>> vector = np.abs(result.eigenvector).round(3).tolist()
    >>> print(f"{result.eigenvalue:.6f}", result.converged, vector)
    3.000000 True [1.0, 0.0]
    """

    eigenvalue: float
    eigenvector: NDArray[np.floating]
    num_iters: int
    converged: bool
    residual: float


def _start_vector(dim_or_x0: int | ArrayLike, seed: int) -> NDArray[np.floating]:
    """Seeded random unit vector of the requested size, or of the shape and dtype of an array."""
    if isinstance(dim_or_x0, (int, np.integer)) and not isinstance(dim_or_x0, bool):
        shape: tuple[int, ...] = (positive_int("dim_or_x0", dim_or_x0),)
        dtype: np.dtype[Any] = np.dtype(np.float64)
    else:
        template = float_array("dim_or_x0", dim_or_x0)
        if template.size == 0:
            raise ValueError("dim_or_x0 must have at least one element")
        shape, dtype = template.shape, template.dtype
    v = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return v / np.linalg.norm(v)


def _apply(
    hvp: Callable[[NDArray[np.floating]], ArrayLike], v: NDArray[np.floating]
) -> NDArray[np.floating]:
    w = float_array("hvp(v)", hvp(v))
    same_shape("hvp(v)", w, "v", v)
    if not np.all(np.isfinite(w)):
        raise ValueError(
            "hvp(v) returned non-finite values: the operator is not finite at this point"
        )
    return w


def largest_eigenvalue(
    hvp: Callable[[NDArray[np.floating]], ArrayLike],
    dim_or_x0: int | ArrayLike,
    *,
    num_iters: int = 1000,
    tol: float = 1e-10,
    seed: int = 0,
) -> PowerIterationResult:
    r"""Estimate the dominant eigenvalue of a symmetric operator by power iteration.

    Starting from a seeded random unit vector $v_0$, iterate

    $$w_k = H v_k, \qquad \rho_k = v_k^\top w_k, \qquad v_{k+1} = w_k / \lVert w_k\rVert,$$

    where $H$ is the symmetric linear operator `hvp` (typically a Hessian-vector product) and
    $\rho_k$ the Rayleigh quotient. Stop when the residual is small,
    $\lVert w_k - \rho_k v_k\rVert \le \sqrt{\mathrm{tol}}\,|\rho_k|$, which makes the relative
    error of the eigenvalue of order `tol` (see Notes).

    Parameters
    ----------
    hvp : callable
        `hvp(v) -> H v` for a symmetric $H$, for example `lambda v: H @ v`, an exact
        Hessian-vector product, or `lambda v: hessian_vector_product(grad, x, v)`.
    dim_or_x0 : int or array_like
        Size $n$ of the vectors, or an array whose shape and floating dtype the vectors take (for
        instance the parameters at which the Hessian is taken). Only its shape and dtype are used:
        the start vector is always the seeded random one.
    num_iters : int, default 1000
        Maximum number of applications of `hvp`.
    tol : float, default 1e-10
        Target relative accuracy of the eigenvalue ($\ge 0$; 0 runs all `num_iters` unless the
        residual is exactly 0).
    seed : int, default 0
        Seed of `numpy.random.default_rng` for the start vector: the result is deterministic.

    Returns
    -------
    PowerIterationResult
        `eigenvalue` (the last $\rho_k$, with its sign), unit `eigenvector`, `num_iters` used,
        `converged`, and the `residual` $\lVert Hv - \rho v\rVert$.

    Raises
    ------
    ValueError
        If `hvp` returns a wrongly shaped or non-finite result, or an argument is out of range.
    TypeError
        If an argument has the wrong type.

    Notes
    -----
    Power iteration finds the eigenvalue of largest **magnitude** $|\lambda_1|$, not the most
    positive one: at a saddle point with a large negative curvature it returns that negative
    eigenvalue (for the step-size rule, $|\lambda|$ is what matters: gradient descent is unstable
    along any direction with $|1 - \alpha\lambda| > 1$). To get the top of the spectrum of an
    indefinite $H$, run it again on $H - \rho I$.

    The error in the direction shrinks like $|\lambda_2/\lambda_1|^k$, where $\lambda_2$ is the
    eigenvalue of second-largest magnitude; for a symmetric operator the Rayleigh quotient
    converges twice as fast, $|\rho_k - \lambda_1| = O(|\lambda_2/\lambda_1|^{2k})$, and never
    exceeds $\lambda_1$ for a positive semi-definite $H$. The stopping test uses the residual
    $r = \lVert Hv - \rho v\rVert$: for symmetric $H$ some eigenvalue lies within $r$ of $\rho$,
    and within $r^2/\delta$ when the rest of the spectrum is at distance $\ge \delta$ from $\rho$;
    so $r \le \sqrt{\mathrm{tol}}\,|\rho|$ gives a relative eigenvalue error of about
    $\mathrm{tol}\,|\rho|/\delta$ and an eigenvector accurate to about
    $\sqrt{\mathrm{tol}}\,|\rho|/\delta$ (in angle). A small gap makes convergence slow
    (`converged` False after `num_iters`: the returned $\rho$ is then still a lower bound of
    $\lambda_1$ for positive semi-definite $H$); with $\lambda_2 = -\lambda_1$ the iteration
    does not converge at all. A start vector nearly orthogonal to the top eigenvector can stop at
    another eigenpair (vanishingly unlikely for the random start). Lanczos iteration
    (`scipy.sparse.linalg.eigsh`) needs fewer products; PyHessian applies this power iteration to
    neural networks.

    A zero operator ($Hv = 0$) returns eigenvalue 0 immediately.

    References
    ----------
    1. G. H. Golub, C. F. Van Loan, *Matrix Computations*, 4th ed., Johns Hopkins 2013, §8.2.1.
    2. Z. Yao, A. Gholami, K. Keutzer, M. Mahoney, "PyHessian: Neural networks through the lens of
       the Hessian", IEEE BigData 2020. [arXiv:1912.07145](https://arxiv.org/abs/1912.07145)

    Examples
    --------
    Linear regression with an intercept on the article's data, sum loss: $H = 2A^\top A$ with
    columns $[1, x]$, eigenvalues $118.3095$ and $1.6905$ (condition number $\approx 70$).

    >>> import numpy as np
    >>> from gdguide import largest_eigenvalue
    >>> x = np.arange(1.0, 6.0)
    >>> A = np.column_stack([np.ones(5), x])
    >>> H = 2 * A.T @ A
    >>> top = largest_eigenvalue(lambda v: H @ v, 2)
    >>> print(f"{top.eigenvalue:.4f}", top.converged)
    118.3095 True
    >>> bottom = largest_eigenvalue(lambda v: H @ v - top.eigenvalue * v, 2)
    >>> print(f"{bottom.eigenvalue + top.eigenvalue:.4f}")
    1.6905
    """
    check_callable("hvp", hvp)
    num_iters = positive_int("num_iters", num_iters)
    tol = nonnegative_finite("tol", tol)
    seed = nonnegative_int("seed", seed)
    v = _start_vector(dim_or_x0, seed)
    threshold = math.sqrt(tol)
    for k in range(1, num_iters + 1):
        w = _apply(hvp, v)
        rho = float(np.vdot(v, w))
        w_norm = float(np.linalg.norm(w))
        residual = float(np.linalg.norm(w - rho * v))
        if w_norm == 0.0:
            return PowerIterationResult(0.0, v, k, True, 0.0)
        if residual <= threshold * abs(rho):
            return PowerIterationResult(rho, v, k, True, residual)
        v = w / w_norm
    return PowerIterationResult(rho, v, num_iters, False, residual)


# ----------------------------------------------------------------------------------------------
# the stable learning rate


def max_stable_learning_rate(
    lambda_max: float, *, momentum: float = 0.0, nesterov: bool = False
) -> float:
    r"""Largest stable learning rate on a quadratic with top Hessian eigenvalue `lambda_max`.

    $$\alpha_{\max} = \frac{2}{\lambda_{\max}} \ \text{(gradient descent)}, \qquad
    \frac{2(1+\beta)}{\lambda_{\max}} \ \text{(heavy ball)}, \qquad
    \frac{2(1+\beta)}{(1+2\beta)\,\lambda_{\max}} \ \text{(Nesterov, PyTorch form)},$$

    where $\lambda_{\max}$ is `lambda_max` and $\beta$ is `momentum`. Learning rates strictly below
    $\alpha_{\max}$ converge; at $\alpha_{\max}$ the error oscillates with constant amplitude, above
    it grows geometrically.

    Parameters
    ----------
    lambda_max : float
        Largest Hessian eigenvalue $\lambda_{\max} > 0$ (for example from `largest_eigenvalue`).
    momentum : float, default 0.0
        $\beta \in [0, 1)$ of `Momentum` or `Nesterov` (PyTorch's formulation, no dampening).
    nesterov : bool, default False
        Use the Nesterov threshold instead of the heavy-ball one.

    Returns
    -------
    float
        $\alpha_{\max}$.

    Raises
    ------
    ValueError
        If `lambda_max` is not positive and finite or `momentum` is outside $[0, 1)$.
    TypeError
        If an argument has the wrong type.

    Notes
    -----
    Along an eigenvector of the Hessian with eigenvalue $\lambda$ the error $e_k = \theta_k -
    \theta^*$ of each method follows a linear recurrence; with $h = \alpha\lambda$:

    - gradient descent: $e_{k+1} = (1 - h)\,e_k$, stable iff $|1 - h| < 1$, i.e. $0 < h < 2$;
    - heavy ball ($v \leftarrow \beta v + g$, $\theta \leftarrow \theta - \alpha v$): the pair
      $(e_k, v_k)$ has characteristic polynomial $z^2 - (1 + \beta - h)\,z + \beta$;
    - Nesterov ($\theta \leftarrow \theta - \alpha(g + \beta v)$): $z^2 - (1+\beta)(1-h)\,z +
      \beta(1-h)$.

    A real quadratic $z^2 + a_1 z + a_0$ has both roots inside the unit circle iff $|a_0| < 1$
    and $1 \pm a_1 + a_0 > 0$ (Jury's test). The condition at $z = 1$ gives $h > 0$; the one at
    $z = -1$ gives $h < 2(1+\beta)$ for heavy ball and $h < 2(1+\beta)/(1+2\beta)$ for Nesterov;
    $|a_0| < 1$ then holds. The eigenvalue $\lambda_{\max}$ gives the tightest bound. So
    $\beta = 0.9$ almost doubles the range for heavy ball ($3.8/\lambda$) but widens it only to
    $1.357/\lambda$ for Nesterov. With dampening $\tau$ heavy ball's threshold is
    $2(1+\beta)/((1-\tau)\lambda_{\max})$.

    On a non-quadratic loss this is a local statement about the Hessian near a minimum; in
    full-batch gradient descent on neural networks the sharpness $\lambda_{\max}$ tends to rise
    until it hovers at $2/\alpha$ (the "edge of stability", Cohen et al. [2]). For the loss
    $\sum_i$ (a sum, not a mean) over $n$ examples $\lambda_{\max}$ grows with $n$, so a fixed
    $\alpha$ can become unstable as the data grow; the mean loss divides $\lambda_{\max}$ by $n$.

    References
    ----------
    1. G. Goh, "Why Momentum Really Works", *Distill*, 2017.
       [doi:10.23915/distill.00006](https://doi.org/10.23915/distill.00006)
    2. J. Cohen, S. Kaur, Y. Li, J. Z. Kolter, A. Talwalkar, "Gradient descent on neural networks
       typically occurs at the edge of stability", ICLR 2021.
       [arXiv:2103.00065](https://arxiv.org/abs/2103.00065)

    Examples
    --------
    The article's problem has $\lambda_{\max} = 110$:

    >>> from gdguide import max_stable_learning_rate
    >>> print(f"{max_stable_learning_rate(110.0):.7f}")
    0.0181818
    >>> print(f"{max_stable_learning_rate(110.0, momentum=0.9):.6f}")
    0.034545
    >>> print(f"{110 * max_stable_learning_rate(110.0, momentum=0.9, nesterov=True):.4f}")
    1.3571
    """
    lam = positive_finite("lambda_max", lambda_max)
    beta = in_interval("momentum", momentum, 0.0, 1.0)
    if not isinstance(nesterov, (bool, np.bool_)):
        raise TypeError(f"nesterov must be a bool, got {type(nesterov).__name__}")
    factor = 2.0 * (1.0 + beta)
    if nesterov:
        factor /= 1.0 + 2.0 * beta
    return factor / lam


# ----------------------------------------------------------------------------------------------
# learning-rate sweep and divergence boundary


@dataclass(frozen=True, eq=False)
class LearningRateSweepResult:
    r"""Outcome of `learning_rate_sweep`, one entry per learning rate.

    Attributes
    ----------
    learning_rates : numpy.ndarray
        The learning rates, shape `(n,)`, in the order given.
    final_params : numpy.ndarray
        Parameters after the run, shape `(n, *x0.shape)`; for a diverged run, the first non-finite
        iterate (or the last one).
    criterion : str
        `"loss"` if a loss function was given, else `"grad_norm"`: the measure $m$ compared.
    initial_value : float
        $m(x_0)$.
    final_values : numpy.ndarray
        $m(x_T)$ per run, `nan` where the run became non-finite.
    nonfinite_step : numpy.ndarray
        First step (1-based) whose parameters were non-finite, `-1` if none.
    diverged : numpy.ndarray
        Boolean flags: non-finite, or $m(x_T) > m(x_0)$.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import learning_rate_sweep
    >>> result = learning_rate_sweep(lambda x: 2 * x, np.ones(1), [0.5, 1.5], num_steps=10)
    >>> result.criterion, result.diverged.tolist()
    ('grad_norm', [False, True])
    """

    learning_rates: NDArray[np.float64]
    final_params: NDArray[np.floating]
    criterion: str
    initial_value: float
    final_values: NDArray[np.float64]
    nonfinite_step: NDArray[np.int64]
    diverged: NDArray[np.bool_]


def _measure(grad: GradFn, loss: LossFn | None, x: NDArray[np.floating]) -> float:
    """Return the divergence measure: `loss(x)` if given, else the gradient norm."""
    if loss is None:
        return float(np.linalg.norm(_call_grad(grad, x)))
    value = np.asarray(loss(x))
    if value.shape != () or value.dtype.kind not in "iuf":
        raise TypeError(
            f"loss(x) must return a real scalar, got {value.dtype} of shape {value.shape}"
        )
    return float(value)


def _run(
    grad: GradFn,
    x0: NDArray[np.floating],
    learning_rate: float,
    num_steps: int,
    optimizer: Callable[[float], Any] | None,
) -> tuple[NDArray[np.floating], int]:
    """Run `num_steps` steps; return the final iterate and the first non-finite step (or -1)."""
    x = x0
    opt = None if optimizer is None else optimizer(learning_rate)
    state = None if opt is None else opt.init(x0)
    for k in range(1, num_steps + 1):
        g = _call_grad(grad, x)
        if opt is None:
            x = x - learning_rate * g
        else:
            x, state = opt.step(x, g, state)
        if not np.all(np.isfinite(x)):
            return x, k
    return x, -1


def _learning_rates(values: ArrayLike) -> NDArray[np.float64]:
    lrs = float_array("learning_rates", values).astype(np.float64, copy=False)
    if lrs.ndim != 1 or lrs.size == 0:
        raise ValueError(f"learning_rates must be a non-empty 1-D sequence, got shape {lrs.shape}")
    if not np.all(np.isfinite(lrs) & (lrs > 0)):
        raise ValueError("learning_rates must all be positive finite numbers")
    return lrs


def learning_rate_sweep(
    grad: GradFn,
    x0: ArrayLike,
    learning_rates: Sequence[float] | ArrayLike,
    *,
    num_steps: int,
    loss: LossFn | None = None,
    optimizer: Callable[[float], Any] | None = None,
) -> LearningRateSweepResult:
    r"""Run gradient descent once per learning rate and flag the runs that diverge.

    Each run starts at $x_0$ and takes $T$ = `num_steps` steps $x_{k+1} = x_k - \alpha\,\nabla
    f(x_k)$ (or the steps of `optimizer(alpha)`). With the measure $m = f$ if `loss` is given,
    else $m = \lVert\nabla f\rVert_2$, a run is **diverged** iff

    - some iterate $x_k$, $k \le T$, has a non-finite entry (the run stops there), or
    - $m(x_T) > m(x_0)$: the run ends worse than it started.

    Parameters
    ----------
    grad : callable
        `grad(x) -> array` shaped like `x`.
    x0 : array_like
        Starting point (any shape; float32 stays float32).
    learning_rates : sequence of float
        Positive finite learning rates, in any order.
    num_steps : int
        Steps $T \ge 1$ per run.
    loss : callable, optional
        `loss(x) -> float`; when given it is the measure $m$.
    optimizer : callable, optional
        Factory `learning_rate -> optimizer` (e.g. `lambda lr: Momentum(lr, 0.9)`) to sweep an
        optimizer of `gdguide.optimizers` instead of plain gradient descent.

    Returns
    -------
    LearningRateSweepResult
        Learning rates, final parameters, measure before and after, first non-finite step and the
        `diverged` flags.

    Raises
    ------
    ValueError
        If `learning_rates` is empty, not 1-D, or not all positive and finite, `num_steps < 1`, or
        `grad` returns an array of the wrong shape.
    TypeError
        If an argument has the wrong type.

    Notes
    -----
    Why this criterion: for an $L$-smooth $f$ and $\alpha < 2/L$ every step decreases $f$
    (descent lemma, $f(x_{k+1}) \le f(x_k) - \alpha(1 - \alpha L/2)\lVert\nabla f(x_k)\rVert^2$),
    and on a quadratic every step shrinks $\lVert\nabla f\rVert$; so a stable plain-GD run is never
    flagged. Conversely a run is flagged only once the unstable mode has outgrown the rest, which
    takes steps: see `find_divergence_boundary` for the resulting bias. Momentum methods may grow
    transiently before settling, so give them enough steps.

    Overflow, `inf - inf` and the like are silenced with `numpy.errstate` and recorded in
    `nonfinite_step`; no warning is emitted. The runs are a Python loop over learning rates and
    steps (`grad` is an arbitrary callable, so they are not batched).

    Examples
    --------
    On the article's problem the boundary is $2/110 = 1/55 \approx 0.018182$:

    >>> import numpy as np
    >>> from gdguide import learning_rate_sweep
    >>> X = np.arange(1.0, 6.0)[:, None]
    >>> y = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    >>> grad = lambda theta: 2 * X.T @ (X @ theta - y)
    >>> result = learning_rate_sweep(grad, np.zeros(1), [0.01, 0.018, 0.0182, 0.03], num_steps=1000)
    >>> result.diverged.tolist()
    [False, False, True, True]
    >>> result.nonfinite_step.tolist()
    [-1, -1, -1, 847]
    >>> print(result.final_params[:2, 0].round(6).tolist())
    [1.727273, 1.727273]
    """
    x_start = float_array("x0", x0)
    lrs = _learning_rates(learning_rates)
    num_steps = positive_int("num_steps", num_steps)
    check_callable("grad", grad)
    check_callable("loss", loss, optional=True)
    check_callable("optimizer", optimizer, optional=True)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        initial = _measure(grad, loss, x_start)
        if not math.isfinite(initial):
            raise ValueError(
                f"the measure at x0 is not finite ({initial!r}): nothing to compare with"
            )
        runs = [_run(grad, x_start, float(lr), num_steps, optimizer) for lr in lrs]
        nonfinite = np.array([step for _, step in runs], dtype=np.int64)
        finals = np.array(
            [_measure(grad, loss, x) if step < 0 else math.nan for x, step in runs],
            dtype=np.float64,
        )
    diverged = (nonfinite >= 0) | ~np.isfinite(finals) | (finals > initial)
    return LearningRateSweepResult(
        learning_rates=lrs,
        final_params=np.stack([x for x, _ in runs]),
        criterion="grad_norm" if loss is None else "loss",
        initial_value=initial,
        final_values=finals,
        nonfinite_step=nonfinite,
        diverged=diverged,
    )


@dataclass(frozen=True, eq=False)
class DivergenceBoundary:
    r"""Outcome of `find_divergence_boundary`.

    Attributes
    ----------
    low : float
        Largest learning rate tried that did not diverge.
    high : float
        Smallest learning rate tried that diverged ($\text{high} - \text{low} \le$ `tol`).
    num_runs : int
        Number of descent runs performed (including the two checks of the bracket).

    Examples
    --------
    >>> from gdguide import DivergenceBoundary
    >>> print(f"{DivergenceBoundary(low=0.5, high=0.75, num_runs=3).estimate:.3f}")
    0.625
    """

    low: float
    high: float
    num_runs: int

    @property
    def estimate(self) -> float:
        """Midpoint of the final bracket."""
        return 0.5 * (self.low + self.high)


def find_divergence_boundary(
    grad: GradFn,
    x0: ArrayLike,
    *,
    low: float,
    high: float,
    num_steps: int,
    tol: float,
    loss: LossFn | None = None,
    optimizer: Callable[[float], Any] | None = None,
) -> DivergenceBoundary:
    r"""Locate the learning rate where gradient descent starts to diverge, by bisection.

    Keeps a bracket $[\text{low}, \text{high}]$ in which `low` does not diverge and `high` does,
    in the sense of `learning_rate_sweep` (same `num_steps`, `loss` and `optimizer`), and halves it
    until $\text{high} - \text{low} \le$ `tol`.

    Parameters
    ----------
    grad : callable
        `grad(x) -> array` shaped like `x`.
    x0 : array_like
        Starting point of every run.
    low, high : float
        Initial bracket, $0 < \text{low} < \text{high}$; `low` must not diverge and `high` must.
    num_steps : int
        Steps $T$ per run.
    tol : float
        Absolute width of the final bracket, $> 0$.
    loss : callable, optional
        Measure of divergence (default: gradient norm); see `learning_rate_sweep`.
    optimizer : callable, optional
        Factory `learning_rate -> optimizer`; see `learning_rate_sweep`.

    Returns
    -------
    DivergenceBoundary
        Final `low` and `high` (their midpoint is `estimate`) and the number of runs.

    Raises
    ------
    ValueError
        If the bracket is invalid (`low` diverges or `high` does not), or an argument is out of
        range.
    TypeError
        If an argument has the wrong type.

    Notes
    -----
    It assumes a single boundary (every rate above it diverges); otherwise it returns one of
    the boundaries inside the initial bracket. About $\log_2((\text{high}-\text{low})/\text{tol})$
    runs of `num_steps` steps are needed.

    *Finite-step bias.* A run just above the threshold $\alpha^* = 2/\lambda_{\max}$ has spectral
    radius $|1 - \alpha\lambda_{\max}| \approx 1 + \lambda_{\max}(\alpha - \alpha^*)$, so its
    unstable component grows by only $\exp(T\lambda_{\max}(\alpha - \alpha^*))$ in $T$ steps;
    it is flagged once that growth beats the ratio $K$ of the initial measure to the initial
    unstable component. The estimate therefore lies above $\alpha^*$ by about
    $\ln K/(T\lambda_{\max})$: it is an upper bound that tightens like $1/T$. When one mode
    carries all of the measure (a one-dimensional quadratic, as in the article) $K = 1$ and the
    test is exact for every $T$, up to rounding. Use `max_stable_learning_rate` for the exact value
    on a quadratic; this function is the empirical check. With momentum (`optimizer`) the bias can
    have the other sign: just below the threshold a slowly decaying, oscillating mode can end a
    finite run above its starting measure (heavy ball, $\beta = 0.9$, 3000 steps on the article's
    problem: 0.0345446 against the exact 0.0345455).

    Examples
    --------
    The article's problem: the boundary is $1/55 \approx 0.0181818$.

    >>> import numpy as np
    >>> from gdguide import find_divergence_boundary
    >>> X = np.arange(1.0, 6.0)[:, None]
    >>> y = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    >>> grad = lambda theta: 2 * X.T @ (X @ theta - y)
    >>> found = find_divergence_boundary(
    ...     grad, np.zeros(1), low=0.01, high=0.03, num_steps=1000, tol=1e-9)
    >>> print(f"{found.estimate:.7f}", found.high - found.low <= 1e-9)
    0.0181818 True
    """

    def diverges(lr: float) -> bool:
        sweep = learning_rate_sweep(
            grad, x0, [lr], num_steps=num_steps, loss=loss, optimizer=optimizer
        )
        return bool(sweep.diverged[0])

    return _bisect_divergence(diverges, low=low, high=high, tol=tol, num_steps=num_steps)


def _bisect_divergence(
    diverges: Callable[[float], bool], *, low: float, high: float, tol: float, num_steps: int
) -> DivergenceBoundary:
    """Bisect `[low, high]` for the learning rate at which `diverges(rate)` turns true.

    The shared search of `find_divergence_boundary` and `gdguide.sgd_divergence_boundary`:
    checks the bracket (`low` converges, `high` diverges within `num_steps`), halves it until it
    is at most `tol` wide or at floating-point resolution, and counts the runs.
    """
    lo = positive_finite("low", low)
    hi = positive_finite("high", high)
    tol = positive_finite("tol", tol)
    if not lo < hi:
        raise ValueError(f"low must be smaller than high, got low={lo!r}, high={hi!r}")
    if diverges(lo):
        raise ValueError(f"low={lo!r} already diverges within num_steps={num_steps}: lower it")
    if not diverges(hi):
        raise ValueError(f"high={hi!r} does not diverge within num_steps={num_steps}: raise it")
    runs = 2
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:  # bracket at floating-point resolution
            break
        lo, hi = (lo, mid) if diverges(mid) else (mid, hi)
        runs += 1
    return DivergenceBoundary(low=lo, high=hi, num_runs=runs)


#: The names these functions had before 0.2 (`lr` is spelled `learning_rate` everywhere now).
__getattr__ = deprecated_names(
    __name__,
    {
        "max_stable_lr": "gdguide.stability.max_stable_learning_rate",
        "lr_sweep": "gdguide.stability.learning_rate_sweep",
        "LRSweepResult": "gdguide.stability.LearningRateSweepResult",
    },
)
