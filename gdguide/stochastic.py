r"""Stochastic gradients: seeded minibatches, per-example gradients, gradient-noise models.

Everything here plugs into the existing runner: a [`MinibatchGradient`][gdguide.MinibatchGradient]
or a [`NoisyGradient`][gdguide.NoisyGradient] is a `grad(x)` callable, and
[`gradient_descent`][gdguide.gradient_descent] calls `grad` exactly once per step, so the $k$-th
call draws the $k$-th minibatch (or noise sample). Pass `clip=` to the runner as usual: the clip
then acts on the minibatch gradient, as `clip_grad_norm_` does in a PyTorch training loop.

| here | what it is | PyTorch / NumPy equivalent |
|---|---|---|
| `MinibatchSampler(replacement=False)` | shuffled epochs | `DataLoader(shuffle=True)` |
| `MinibatchSampler(replacement=True)` | i.i.d. indices | `RandomSampler(replacement=True)` |
| `per_example_gradients` | $\nabla\ell_i$ for each example | `torch.func.vmap(grad(...))` |
| `make_regression` | Gaussian features, noisy targets | like `sklearn.datasets.make_regression` |
| `GaussianNoise`, `StudentTNoise` | additive noise | `Generator.normal`, `Generator.standard_t` |

All randomness comes from `numpy.random.default_rng(seed)` with an explicit integer `seed`: the
same seed gives the same batches and noise on every machine with the same NumPy (NEP 19 allows
NumPy to change a `Generator`'s streams between releases; the lock file pins NumPy).
"""

from __future__ import annotations

import math
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
    nonnegative_finite,
    nonnegative_int,
    positive_finite,
    positive_int,
    with_shape,
)
from gdguide.descent import gradient_descent
from gdguide.problems import LinearRegression
from gdguide.stability import DivergenceBoundary, _bisect_divergence

__all__ = [
    "GaussianNoise",
    "MinibatchGradient",
    "MinibatchSampler",
    "NoisyGradient",
    "StudentTNoise",
    "make_regression",
    "per_example_gradients",
    "sgd_divergence_boundary",
]

#: With replacement, indices are drawn for this many batches at a time (one generator call).
_DRAWS = 256

#: Median of |Z| for a standard normal Z: the 3/4 quantile, $\Phi^{-1}(3/4)$.
GAUSSIAN_MEDIAN_ABS = 0.6744897501960817


class MinibatchSampler:
    r"""Seeded minibatch indices: shuffled epochs (without replacement) or i.i.d. draws.

    Without replacement (the default, like PyTorch's `DataLoader(shuffle=True)`), each epoch
    is a fresh permutation of $0, \dots, n-1$ cut into consecutive batches of `batch_size`;
    the last batch of an epoch holds the $n \bmod b$ leftover examples unless `drop_last=True`
    (then those are skipped and every batch has exactly $b$ examples). With replacement, every
    batch is $b$ independent uniform draws from $0, \dots, n-1$ (an example may repeat inside
    a batch), so the batches are independent and identically distributed, which is what the
    textbook analyses of SGD assume. (They are drawn 256 batches at a time: the batches a
    seed gives do not depend on how many are used.)

    Parameters
    ----------
    num_examples : int
        $n \ge 1$.
    batch_size : int
        $b \ge 1$; without replacement also $b \le n$.
    seed : int
        Seed of `numpy.random.default_rng`, required (>= 0).
    replacement : bool, default False
        Draw i.i.d. indices instead of shuffled epochs.
    drop_last : bool, default False
        Without replacement: skip the short last batch of each epoch. Ignored with replacement.

    Raises
    ------
    ValueError
        If `num_examples` or `batch_size` is < 1, `batch_size > num_examples` without
        replacement, or `seed` < 0.
    TypeError
        If one of them is not an integer.

    Examples
    --------
    >>> from gdguide import MinibatchSampler
    >>> sampler = MinibatchSampler(5, 2, seed=0)
    >>> [sampler.next_batch().tolist() for _ in range(4)]
    [[2, 4], [3, 0], [1], [4, 1]]
    >>> sampler.epoch  # the fourth batch opened epoch 1
    1
    >>> MinibatchSampler(5, 3, seed=0, replacement=True).next_batch().tolist()
    [4, 3, 2]
    """

    def __init__(
        self,
        num_examples: int,
        batch_size: int,
        *,
        seed: int,
        replacement: bool = False,
        drop_last: bool = False,
    ) -> None:
        self.num_examples = positive_int("num_examples", num_examples)
        self.batch_size = positive_int("batch_size", batch_size)
        replacement = boolean("replacement", replacement)
        drop_last = boolean("drop_last", drop_last)
        if not replacement and self.batch_size > self.num_examples:
            raise ValueError(
                f"batch_size must be <= num_examples ({self.num_examples}) without replacement,"
                f" got {self.batch_size}"
            )
        self.seed = nonnegative_int("seed", seed)
        self.replacement = replacement
        self.drop_last = drop_last
        self._rng = np.random.default_rng(self.seed)
        self._order: NDArray[np.int64] = np.empty(0, np.int64)
        self._position = self.num_examples  # past the end: the first call draws
        self.epoch = -1
        """Index of the epoch the last batch came from (-1 before the first batch)."""

    def _epoch_end(self) -> int:
        n, b = self.num_examples, self.batch_size
        return n - n % b if self.drop_last else n

    def next_batch(self) -> NDArray[np.int64]:
        """Return the indices of the next minibatch (a new array each call)."""
        if self.replacement:
            self.epoch = max(self.epoch, 0)
            if self._position >= len(self._order):  # draw _DRAWS batches at once (speed)
                self._order = self._rng.integers(
                    0, self.num_examples, size=_DRAWS * self.batch_size
                )
                self._position = 0
            stop = self._position + self.batch_size
            batch = self._order[self._position : stop].copy()
            self._position = stop
            return batch
        if self._position >= self._epoch_end():
            self._order = self._rng.permutation(self.num_examples)
            self._position = 0
            self.epoch += 1
        stop = min(self._position + self.batch_size, self._epoch_end())
        batch = self._order[self._position : stop].copy()
        self._position = stop
        return batch


def _regression(name: str, problem: object) -> LinearRegression:
    if not isinstance(problem, LinearRegression):
        raise TypeError(f"{name} must be a LinearRegression, got {type(problem).__name__}")
    return problem


def _theta(problem: LinearRegression, theta: ArrayLike) -> NDArray:
    return with_shape("theta", finite_float_array("theta", theta), (problem.n_params,))


def per_example_gradients(
    problem: LinearRegression, theta: ArrayLike, indices: ArrayLike | None = None
) -> NDArray:
    r"""Return the gradient of each example's squared error, one row per example.

    Row $i$ is $\nabla\ell_i(\theta) = 2\,a_i\,(a_i^\top\theta - y_i)$ for the per-example loss
    $\ell_i(\theta) = (a_i^\top\theta - y_i)^2$, with $a_i$ the $i$-th row of the design
    (`problem.design`, which starts with the column of ones when the problem fits an
    intercept). The problem's own gradient is their sum divided by $m$:
    $\nabla L = \frac1m\sum_i \nabla\ell_i$, with $m = 1$ for `reduction="sum"` and $m = n$
    for `"mean"` (what PyTorch's `torch.func.vmap(torch.func.grad(loss))` over single examples
    returns for `MSELoss(reduction="sum")` per example).

    Parameters
    ----------
    problem : LinearRegression
        The problem (e.g. `article_regression()` or `make_regression(...)`).
    theta : array_like, shape (n_params,)
        Parameters.
    indices : array_like of int, optional
        Which examples (repeats allowed); all $n$ in order by default.

    Returns
    -------
    ndarray of float64, shape (len(indices), n_params)

    Raises
    ------
    TypeError
        If `problem` is not a `LinearRegression` or `indices` is not integer.
    ValueError
        If `theta` has the wrong shape or an index is out of range.

    Notes
    -----
    The rows are computed with elementwise products and a sum over the parameters, not a matrix
    product, so they do not depend on the BLAS library's summation order.

    Examples
    --------
    The article's data at its least-squares slope $19/11$: the gradients sum to zero, but each
    is not zero (no line through the origin fits all five points):

    >>> import numpy as np
    >>> from gdguide import article_regression, per_example_gradients
    >>> problem = article_regression()
    >>> g = per_example_gradients(problem, [19 / 11])
    >>> (g[:, 0] * 11).round(6).tolist(), bool(abs(g.sum()) < 1e-12)
    ([16.0, 20.0, 12.0, -8.0, -40.0], True)
    """
    problem = _regression("problem", problem)
    theta = _theta(problem, theta)
    design, targets = problem.design, np.asarray(problem.y)
    if indices is not None:
        index = np.asarray(indices)
        if index.dtype.kind not in "iu":
            raise TypeError(f"indices must be integers, got dtype {index.dtype}")
        if index.ndim != 1:
            raise ValueError(f"indices must be 1-D, got {index.ndim} dimensions")
        if index.size and (index.min() < 0 or index.max() >= len(targets)):
            raise ValueError(f"indices must lie in [0, {len(targets)}), got {index.tolist()[:10]}")
        design, targets = design[index], targets[index]
    return _rows(design, targets, theta)


def _rows(design: NDArray, targets: NDArray, theta: NDArray) -> NDArray:
    """Per-example gradients $2 a_i (a_i^T theta - y_i)$ of the given rows (no checks)."""
    with np.errstate(over="ignore", invalid="ignore"):
        residual = (design * theta).sum(axis=1) - targets
        return 2.0 * design * residual[:, None]


class MinibatchGradient:
    r"""A `grad(theta)` that returns an unbiased minibatch estimate of the problem's gradient.

    Each call draws the next batch $B$ from its [`MinibatchSampler`][gdguide.MinibatchSampler]
    and returns

    $$
    \hat g(\theta) = \frac{n}{m\,|B|}\sum_{i \in B}\nabla\ell_i(\theta),
    \qquad \mathbb{E}_B\,\hat g(\theta) = \nabla L(\theta),
    $$

    with $\nabla\ell_i$ from [`per_example_gradients`][gdguide.per_example_gradients] and $m$ as
    there ($m = n$ for the mean loss: the batch mean, as a PyTorch loop with
    `MSELoss()` computes it). With `replacement=True` the estimate is unbiased for every batch
    size; with shuffled epochs it is unbiased for each batch on its own (each example is equally
    likely in it), and a whole epoch of equal-size batches averages to the full gradient
    exactly. Pass it to [`gradient_descent`][gdguide.gradient_descent] as `grad`; the runner calls
    it once per step.

    Parameters
    ----------
    problem : LinearRegression
        The problem.
    batch_size : int
        $b$, see `MinibatchSampler`.
    seed : int
        Seed of the sampler, required.
    replacement, drop_last : bool, default False
        See `MinibatchSampler`.

    Attributes
    ----------
    sampler : MinibatchSampler
        The sampler (its `epoch` says how far the run got).
    batches : list of ndarray
        Every batch drawn so far, in order (the record of which examples each step used).

    Raises
    ------
    TypeError, ValueError
        As `MinibatchSampler`, and if `problem` is not a `LinearRegression`.

    Examples
    --------
    SGD with single examples on the article's data with an intercept: every example lies on
    $y = 2x - 1$, so every per-example gradient vanishes there and a fixed step converges:

    >>> import numpy as np
    >>> from gdguide import MinibatchGradient, article_regression, gradient_descent
    >>> problem = article_regression(fit_intercept=True, reduction="mean")
    >>> grad = MinibatchGradient(problem, batch_size=1, seed=0)
    >>> run = gradient_descent(grad, np.zeros(2), num_steps=3000, learning_rate=0.02)
    >>> run.final.round(6).tolist(), len(grad.batches), grad.sampler.epoch
    ([-1.0, 2.0], 3000, 599)
    """

    def __init__(
        self,
        problem: LinearRegression,
        batch_size: int,
        *,
        seed: int,
        replacement: bool = False,
        drop_last: bool = False,
    ) -> None:
        self.problem = _regression("problem", problem)
        self.sampler = MinibatchSampler(
            problem.design.shape[0],
            batch_size,
            seed=seed,
            replacement=replacement,
            drop_last=drop_last,
        )
        # the problem's gradient is (1/m) * sum of the n rows: n/m times their mean
        self._per_example_scale = (
            1.0 if problem.reduction == "mean" else float(problem.design.shape[0])
        )
        self.batches: list[NDArray[np.int64]] = []
        self._design, self._targets = problem.design, np.asarray(problem.y)

    def __call__(self, theta: ArrayLike) -> NDArray:
        """Draw the next batch and return the minibatch gradient at `theta`."""
        theta = _theta(self.problem, theta)
        batch = self.sampler.next_batch()
        self.batches.append(batch)
        rows = _rows(self._design[batch], self._targets[batch], theta)
        return rows.mean(axis=0) * self._per_example_scale


def make_regression(
    num_examples: int,
    num_features: int,
    *,
    seed: int,
    noise: float = 0.0,
    feature_scales: ArrayLike | None = None,
    fit_intercept: bool = False,
    reduction: Literal["sum", "mean"] = "mean",
) -> LinearRegression:
    r"""Generate a linear-regression problem with Gaussian features and noisy targets.

    Draws, from `numpy.random.default_rng(seed)` in this order, the features
    $X_{ij} = s_j Z_{ij}$ with $Z_{ij} \sim \mathcal N(0, 1)$, the true parameters
    $w \sim \mathcal N(0, I_d)$ and the noise $\varepsilon_i \sim \mathcal N(0, 1)$, and sets
    $y = Xw + \sigma\varepsilon$.

    Parameters
    ----------
    num_examples : int
        $n \ge 1$.
    num_features : int
        $d \ge 1$.
    seed : int
        Seed, required (>= 0).
    noise : float, default 0.0
        $\sigma \ge 0$, the standard deviation of the target noise. With $\sigma = 0$ (and
        $n \ge d$) the model interpolates: every example is fitted exactly at $w$.
    feature_scales : array_like, shape (num_features,), optional
        Standard deviations $s_j > 0$ of the features; all 1 by default. Unequal scales make the
        Hessian ill-conditioned.
    fit_intercept : bool, default False
        Passed to `LinearRegression` (the data have no intercept term either way).
    reduction : {"sum", "mean"}, default "mean"
        Passed to `LinearRegression`; the mean is PyTorch's `MSELoss()` default.

    Returns
    -------
    LinearRegression
        Its Hessian is $\frac{2}{n}X^\top X \approx 2\operatorname{diag}(s^2)$ for the mean loss.

    Raises
    ------
    ValueError
        If a size is < 1, `noise` is negative or not finite, or a scale is not positive and
        finite or has the wrong shape.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import make_regression
    >>> problem = make_regression(2000, 10, seed=0, noise=0.5)
    >>> problem.X.shape, problem.reduction
    ((2000, 10), 'mean')
    >>> eigenvalues = np.linalg.eigvalsh(problem.hessian())
    >>> bool(1.7 < eigenvalues[0] < eigenvalues[-1] < 2.3)  # about 2 I
    True
    """
    n = positive_int("num_examples", num_examples)
    d = positive_int("num_features", num_features)
    sigma = nonnegative_finite("noise", noise)
    if feature_scales is None:
        scales = np.ones(d)
    else:
        scales = float_vector("feature_scales", feature_scales, d)
        if not np.all(np.isfinite(scales) & (scales > 0)):
            raise ValueError("feature_scales must be positive and finite")
    rng = np.random.default_rng(nonnegative_int("seed", seed))
    X = rng.standard_normal((n, d)) * scales
    w = rng.standard_normal(d)
    y = (X * w).sum(axis=1) + sigma * rng.standard_normal(n)
    return LinearRegression(X, y, reduction=reduction, fit_intercept=fit_intercept)


# --- gradient-noise models -----------------------------------------------------------------------


def _student_t_median_abs(dof: float) -> float:
    r"""Median of $|T|$ for Student's t with `dof` degrees of freedom (numerically).

    Solves $P(|T| \le q) = 1/2$, i.e. $\int_0^q f_\nu(t)\,dt = 1/4$, by bisection on
    Simpson's rule with 2000 intervals (the density is smooth; the error is below $10^{-12}$).
    """
    log_norm = math.lgamma((dof + 1) / 2) - math.lgamma(dof / 2) - 0.5 * math.log(dof * math.pi)

    def cdf_from_zero(q: float) -> float:
        t = np.linspace(0.0, q, 2001)
        f = np.exp(log_norm - (dof + 1) / 2 * np.log1p(t * t / dof))
        h = q / 2000
        return float(h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum()))

    low, high = 0.0, 2.0  # the median of |T| is 1 for dof = 1 and decreases with dof
    for _ in range(60):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if cdf_from_zero(mid) < 0.25 else (low, mid)
    return 0.5 * (low + high)


@dataclass
class GaussianNoise:
    r"""Seeded Gaussian gradient noise: i.i.d. $\mathcal N(0, \sigma^2)$ entries.

    `noise(shape)` returns a new sample; its median absolute value is
    $\Phi^{-1}(3/4)\,\sigma \approx 0.6745\,\sigma$ (the scale
    [`StudentTNoise`][gdguide.StudentTNoise] matches).

    Parameters
    ----------
    scale : float
        $\sigma > 0$, the standard deviation of each entry.
    seed : int
        Seed of `numpy.random.default_rng`, required.

    Examples
    --------
    >>> from gdguide import GaussianNoise
    >>> noise = GaussianNoise(2.0, seed=0)
    >>> noise((3,)).round(4).tolist()
    [0.2515, -0.2642, 1.2808]
    """

    scale: float
    seed: int
    _rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.scale = positive_finite("scale", self.scale)
        self.seed = nonnegative_int("seed", self.seed)
        self._rng = np.random.default_rng(self.seed)

    def __call__(self, shape: tuple[int, ...]) -> NDArray:
        """Return a sample of the given shape."""
        return self.scale * self._rng.standard_normal(shape)


@dataclass
class StudentTNoise:
    r"""Seeded heavy-tailed gradient noise: Student's t entries at the scale of `GaussianNoise`.

    Each entry is $c\,T$ with $T$ Student's t with $\nu$ = `dof` degrees of freedom and $c$
    chosen so that the **median absolute value equals that of** $\mathcal N(0, \sigma^2)$:
    $c = \sigma\,\Phi^{-1}(3/4)/q_\nu$, with $q_\nu$ the median of $|T|$ ($q_1 = 1$ for the
    Cauchy distribution, $q_\infty = \Phi^{-1}(3/4) = 0.6745$). This is what "the same scale"
    means on the site: the typical sample has the same size as the Gaussian one; only the
    tails differ. The variance is infinite for $\nu \le 2$ (and the mean undefined for
    $\nu \le 1$), so the Gaussian's standard deviation cannot be matched there.

    Parameters
    ----------
    scale : float
        $\sigma > 0$ of the Gaussian whose median absolute value is matched.
    dof : float
        $\nu > 0$; $1 < \nu \le 2$ gives a finite mean but infinite variance, the
        "bounded $\alpha$-moment, $\alpha < 2$" noise of Zhang et al. (2020).
    seed : int
        Seed of `numpy.random.default_rng`, required.

    Attributes
    ----------
    factor : float
        $c$, the multiplier of `Generator.standard_t(dof)`.

    References
    ----------
    1. J. Zhang, S. P. Karimireddy, A. Veit, S. Kim, S. J. Reddi, S. Kumar, S. Sra, "Why are
       adaptive methods good for attention models?", NeurIPS 2020,
       [arXiv:1912.03194](https://arxiv.org/abs/1912.03194).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import GaussianNoise, StudentTNoise
    >>> heavy = StudentTNoise(1.0, dof=1.5, seed=0)
    >>> print(f"{heavy.factor:.4f}")
    0.7730
    >>> g = np.abs(GaussianNoise(1.0, seed=1)((200_000,)))
    >>> t = np.abs(heavy((200_000,)))
    >>> print(f"{np.median(g):.2f} {np.median(t):.2f}")  # same median ...
    0.67 0.67
    >>> print(f"{g.max():.0f} {t.max():.0e}")  # ... very different largest samples
    4 2e+03
    """

    scale: float
    dof: float
    seed: int
    factor: float = field(init=False)
    _rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.scale = positive_finite("scale", self.scale)
        self.dof = positive_finite("dof", self.dof)
        self.seed = nonnegative_int("seed", self.seed)
        self.factor = self.scale * GAUSSIAN_MEDIAN_ABS / _student_t_median_abs(self.dof)
        self._rng = np.random.default_rng(self.seed)

    def __call__(self, shape: tuple[int, ...]) -> NDArray:
        """Return a sample of the given shape."""
        return self.factor * self._rng.standard_t(self.dof, shape)


class NoisyGradient:
    r"""A `grad(x)` that adds seeded noise to an exact gradient: $g(x) + \xi_k$.

    The noise $\xi_k$ is a fresh sample of `noise` (a `GaussianNoise`, a `StudentTNoise` or any
    callable `shape -> array`) at each call, so with
    [`gradient_descent`][gdguide.gradient_descent] step $k$ gets sample $k$. This is the
    additive-noise model of the SGD analyses: an unbiased gradient whose error does not depend
    on $x$.

    Parameters
    ----------
    grad : callable
        The exact gradient, `grad(x) -> array` shaped like `x`.
    noise : callable
        `noise(shape) -> array of that shape`.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import GaussianNoise, NoisyGradient, Quadratic, gradient_descent
    >>> quadratic = Quadratic(np.eye(2))
    >>> grad = NoisyGradient(quadratic.grad, GaussianNoise(1.0, seed=0))
    >>> run = gradient_descent(grad, np.ones(2), num_steps=500, learning_rate=0.1)
    >>> spread = run.params[100:].std()  # stationary: alpha sigma^2 / (2 - alpha) per entry
    >>> print(f"{spread:.2f} {np.sqrt(0.1 / 1.9):.2f}")
    0.21 0.23
    """

    def __init__(self, grad: Callable[[NDArray], ArrayLike], noise: Callable[..., ArrayLike]):
        check_callable("grad", grad)
        check_callable("noise", noise)
        self.grad = grad
        self.noise = noise

    def __call__(self, x: ArrayLike) -> NDArray:
        """Return the exact gradient at `x` plus a fresh noise sample."""
        exact = float_array("grad(x)", self.grad(np.asarray(x)))
        sample = float_array("noise(shape)", self.noise(exact.shape))
        return exact + with_shape("noise(shape)", sample, exact.shape)


# --- the stable step of minibatch SGD ------------------------------------------------------------


def sgd_divergence_boundary(
    problem: LinearRegression,
    x0: ArrayLike,
    *,
    batch_size: int,
    seed: int,
    low: float,
    high: float,
    num_steps: int,
    tol: float,
    replacement: bool = True,
) -> DivergenceBoundary:
    r"""Bisect for the learning rate where minibatch SGD with one seed starts to diverge.

    Every trial rate runs [`gradient_descent`][gdguide.gradient_descent] from `x0` for
    `num_steps` steps with a fresh `MinibatchGradient(problem, batch_size, seed=seed)`, so all
    trials see the same sequence of batches; a run diverges in the sense of
    `Trajectory.diverged` (its loss ended above where it started, or became non-finite). The
    bracket $[\text{low}, \text{high}]$, where `low` must not diverge and `high` must, is
    halved until it is narrower than `tol`.

    Parameters
    ----------
    problem : LinearRegression
        The problem (its full loss measures divergence).
    x0 : array_like
        Start of every run.
    batch_size, seed : int
        The minibatches, see `MinibatchGradient`.
    low, high : float
        Initial bracket, $0 < \text{low} < \text{high}$.
    num_steps : int
        Steps per run.
    tol : float
        Width of the final bracket, $> 0$.
    replacement : bool, default True
        i.i.d. batches (the analysis on the site assumes them) or shuffled epochs.

    Returns
    -------
    DivergenceBoundary
        The final bracket and the number of runs, as `find_divergence_boundary` returns; its
        `estimate` is the midpoint.

    Raises
    ------
    ValueError
        If the bracket is invalid or does not bracket a divergence, or an argument is out of
        range.

    Notes
    -----
    A minibatch multiplies the error by a random matrix $I - \alpha H_B$, so whether a run
    diverges depends on the batches it drew: run several seeds. The divergence need not be
    monotone in $\alpha$ (a rate that makes one frequent batch land exactly on its own
    minimum can be stable between unstable ones); the bisection then returns one boundary
    inside the bracket. Like `find_divergence_boundary` (its full-batch counterpart).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import make_regression, sgd_divergence_boundary
    >>> problem = make_regression(1000, 4, seed=0, noise=0.1)
    >>> found = sgd_divergence_boundary(problem, np.zeros(4), batch_size=1, seed=0,
    ...                                low=0.01, high=1.0, num_steps=300, tol=0.01)
    >>> bool(0.1 < found.estimate < 0.4)  # far below 2/lambda_max, about 1 here
    True
    """
    problem = _regression("problem", problem)
    replacement = boolean("replacement", replacement)
    x0 = finite_float_array("x0", x0)

    def diverges(rate: float) -> bool:
        grad = MinibatchGradient(problem, batch_size, seed=seed, replacement=replacement)
        run = gradient_descent(grad, x0, num_steps=num_steps, learning_rate=rate, loss=problem.loss)
        return run.diverged

    return _bisect_divergence(diverges, low=low, high=high, tol=tol, num_steps=num_steps)
