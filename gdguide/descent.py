"""The descent runner and its trajectory record.

[`gradient_descent`][gdguide.descent.gradient_descent] runs plain or optimizer-driven gradient
descent from any gradient function, with an optional clipping rule, and returns a
[`Trajectory`][gdguide.descent.Trajectory]: every iterate, the losses, the gradient norms before
and after clipping, which steps were clipped and where the run first became non-finite.
A diverging run is data, not an error: it is recorded to the end without a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gdguide._validation import (
    check_callable,
    float_array,
    positive_finite,
    positive_int,
    with_shape,
)
from gdguide.clipping import _global_l2_norm
from gdguide.optimizers import Optimizer

__all__ = ["Trajectory", "gradient_descent"]


def _set_readonly(array: NDArray) -> NDArray:
    """Mark `array` itself read-only (no copy: the runner owns it) and return it."""
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Trajectory:
    r"""Record of a descent run with `num_steps` steps.

    Step $k$ evaluates the gradient $g_k$ at `params[k]`, clips it to $\tilde g_k$ and updates
    to `params[k + 1]`. The arrays are read-only.

    Attributes
    ----------
    params : ndarray, shape (num_steps + 1, *x0.shape)
        Iterates $x_0, \dots, x_{\text{num\_steps}}$, in the dtype of `x0`.
    losses : ndarray of float64, shape (num_steps + 1,), or None
        Loss at every iterate (may be `inf` or NaN after divergence); None when no `loss` was
        given.
    grad_norms : ndarray of float64, shape (num_steps,)
        $\lVert g_k\rVert_2$ before clipping (what PyTorch's `clip_grad_norm_` returns).
    clipped_grad_norms : ndarray of float64, shape (num_steps,)
        $\lVert\tilde g_k\rVert_2$ after clipping (equal to `grad_norms` without a clip).
    clipped : ndarray of bool, shape (num_steps,)
        Whether the clip changed the gradient at step $k$ (any entry differs; NaN equals NaN).
    first_nonfinite_step : int or None
        Smallest $k$ such that `params[k]` holds inf/NaN, or the gradient evaluated at step $k$
        (before clipping) does. None when everything stayed finite. A loss that overflows while
        the parameters are finite does not count.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import article_regression, gradient_descent
    >>> problem = article_regression()
    >>> run = gradient_descent(problem.grad, np.zeros(1), num_steps=10, learning_rate=0.01,
    ...                        loss=problem.loss)
    >>> run.params.shape, run.losses.shape, run.grad_norms.shape
    ((11, 1), (11,), (10,))
    >>> run.steps_to_tolerance(19 / 11, 1e-6), run.diverged, run.first_nonfinite_step
    (7, False, None)
    """

    params: NDArray
    losses: NDArray | None
    grad_norms: NDArray
    clipped_grad_norms: NDArray
    clipped: NDArray
    first_nonfinite_step: int | None

    @property
    def num_steps(self) -> int:
        """Number of steps taken (`len(params) - 1`)."""
        return self.params.shape[0] - 1

    @property
    def final(self) -> NDArray:
        """The last iterate, `params[-1]`."""
        return self.params[-1]

    @property
    def clip_rate(self) -> float:
        """Fraction of steps whose gradient the clip changed (0.0 without a clip)."""
        return float(np.mean(self.clipped))

    @property
    def diverged(self) -> bool:
        r"""Whether the run blew up.

        True when a non-finite value appeared (`first_nonfinite_step` is not None), or the run
        ended higher than it started: last loss > first loss, or, without losses, last gradient
        norm > first gradient norm, by more than a relative $10^{-9}$ (rounding). A bounded
        oscillation that does not grow (exactly at $\alpha = 2/\lambda$, or the limit cycle of
        a clipped run) is not divergence; a finite but growing run is.
        """
        if self.first_nonfinite_step is not None:
            return True
        first, last = (self.losses if self.losses is not None else self.grad_norms)[[0, -1]]
        return bool(last - first > 1e-9 * abs(first))

    def steps_to_tolerance(self, target: ArrayLike, tol: float) -> int | None:
        r"""Return the first step $k$ with $\max_i |x_{k,i} - t_i| < $ `tol`, or None.

        `target` broadcasts against one iterate (a scalar works for any shape). The run may
        leave the tolerance again later (a limit cycle); this is only the first arrival. NaN
        iterates never count as arrived. Raises `ValueError` if `tol` is not positive and
        finite or `target` is not finite.
        """
        tol = positive_finite("tol", tol)
        target = float_array("target", target)
        if not np.all(np.isfinite(target)):
            raise ValueError("target must be finite")
        with np.errstate(over="ignore", invalid="ignore"):
            error = (
                np.abs(self.params - target)
                .reshape(self.params.shape[0], -1)
                .max(axis=1, initial=0.0)
            )
        hits = np.flatnonzero(error < tol)
        return int(hits[0]) if hits.size else None


def _like_x0(name: str, value: object, shape: tuple[int, ...]) -> NDArray:
    return with_shape(name, float_array(name, value), shape, like="x0")


def _learning_rate_at(learning_rate: float | Callable[[int], float], step: int) -> float:
    if callable(learning_rate):
        return positive_finite(f"learning_rate({step})", learning_rate(step))
    return learning_rate


def _check_mode(learning_rate: object, optimizer: object) -> float | Callable[[int], float] | None:
    if optimizer is not None:
        if learning_rate is not None:
            raise ValueError(
                "learning_rate must be None when an optimizer is given: the optimizer has its own"
            )
        if not (
            callable(getattr(optimizer, "init", None))
            and callable(getattr(optimizer, "step", None))
        ):
            raise TypeError(
                "optimizer must have init(params) and step(params, grad, state) methods"
            )
        return None
    if learning_rate is None:
        raise ValueError("learning_rate is required when no optimizer is given")
    return (
        learning_rate
        if callable(learning_rate)
        else positive_finite("learning_rate", learning_rate)
    )


def gradient_descent(
    grad: Callable[[NDArray], ArrayLike],
    x0: ArrayLike,
    *,
    num_steps: int,
    learning_rate: float | Callable[[int], float] | None = None,
    clip: Callable[[NDArray], ArrayLike] | None = None,
    optimizer: Optimizer | None = None,
    loss: Callable[[NDArray], float] | None = None,
) -> Trajectory:
    r"""Run gradient descent, optionally clipped or driven by an optimizer, and record it.

    Without an optimizer each step is plain gradient descent on the clipped gradient:

    $$
    g_k = \nabla f(x_k), \qquad \tilde g_k = \operatorname{clip}(g_k), \qquad
    x_{k+1} = x_k - \alpha_k \tilde g_k,
    $$

    with learning rate $\alpha_k$ (constant, or `learning_rate(k)`) and $\operatorname{clip}$ the
    identity when `clip` is None. With an optimizer the update is
    `x, state = optimizer.step(x, clipped_grad, state)` after `state = optimizer.init(x0)`, so
    clipping always acts on the gradient, in front of the optimizer (like
    `optax.chain(clip, optimizer)` or `clip_grad_norm_` before `optimizer.step()` in PyTorch).

    Parameters
    ----------
    grad : callable
        `grad(x)` returns the gradient at `x`, same shape as `x`. It must not modify `x`.
    x0 : array_like
        Starting point, any shape; not modified. Its floating dtype is kept (float32 stays
        float32); integers become float64.
    num_steps : int
        Number of updates, >= 1.
    learning_rate : float or callable, optional
        Step size $\alpha > 0$, or a schedule `step -> alpha`. Required without an optimizer;
        must be None with one (the optimizer carries its own).
    clip : callable, optional
        `clip(g)` returns the clipped gradient, same shape, e.g.
        `lambda g: np.clip(g, -0.5, 0.5)` (the article's value clipping) or a clipping object
        from `gdguide.clipping`.
    optimizer : object, optional
        Anything with `init(params) -> state` and `step(params, grad, state) ->
        (new_params, new_state)`, such as the optimizers in `gdguide.optimizers`.
    loss : callable, optional
        `loss(x) -> float`, evaluated at every iterate for the record.

    Returns
    -------
    Trajectory
        The record, see [`Trajectory`][gdguide.descent.Trajectory].

    Raises
    ------
    ValueError
        If `num_steps < 1`; `learning_rate` is missing without an optimizer, given with one, or
        not positive and finite; `grad`, `clip` or the optimizer returns the wrong shape.
    TypeError
        If `grad`, `clip` or `loss` is not callable, `optimizer` lacks `init`/`step`, or an array
        is not numeric.

    Notes
    -----
    **Divergence is recorded, not raised.** Once the iterate overflows, the next gradient is
    typically $\pm\infty$ and the update becomes $\infty - \infty = $ NaN; the run keeps going
    with NaN to `num_steps`, exactly what the source article's loop does.
    `first_nonfinite_step` marks where it started. Floating-point overflow and invalid-operation
    warnings are silenced inside the run (including inside `grad`, `clip`, `loss` and the
    optimizer) because they are expected and recorded; division by zero still warns.
    Exceptions raised by `grad`, `clip` or the optimizer are not caught: a clipping rule that
    refuses a non-finite norm (PyTorch's `error_if_nonfinite=True`, the default of
    `gdguide.ClipByNorm`) stops the run at that step; pass `error_if_nonfinite=False` to record
    the NaN instead.

    On the article's problem ($f(\theta) = \lVert X\theta - y\rVert^2$, Hessian 110) the error
    map is $\theta_{k+1} - \theta^* = (1 - 110\alpha)(\theta_k - \theta^*)$: $\alpha = 0.01$
    converges in 7 steps to $10^{-6}$; with value clipping at 0.5 it needs 349 steps (each step
    moves at most $\alpha c = 0.005$). Clipping did not prevent an explosion there: there was
    none.

    Examples
    --------
    The article's run, without and with its value clipping:

    >>> import numpy as np
    >>> from gdguide import article_regression, gradient_descent
    >>> problem = article_regression()
    >>> plain = gradient_descent(problem.grad, np.zeros(1), num_steps=1000, learning_rate=0.01)
    >>> clipped = gradient_descent(problem.grad, np.zeros(1), num_steps=1000, learning_rate=0.01,
    ...                            clip=lambda g: np.clip(g, -0.5, 0.5))
    >>> print(f"{plain.final[0]:.7f} {clipped.final[0]:.7f}")
    1.7272727 1.7272727
    >>> plain.steps_to_tolerance(19 / 11, 1e-6), clipped.steps_to_tolerance(19 / 11, 1e-6)
    (7, 349)

    Past the threshold $\alpha = 1/55$ it diverges; far past it, the gradient overflows:

    >>> run = gradient_descent(problem.grad, np.zeros(1), num_steps=1000, learning_rate=0.03)
    >>> run.diverged, run.first_nonfinite_step, bool(np.isnan(run.final[0]))
    (True, 846, True)

    With an optimizer (which carries its own learning rate): Adam at its paper default
    $10^{-3}$ moves about $10^{-3}$ per step, so after 1000 steps it is still far from
    $19/11$:

    >>> from gdguide import Adam
    >>> adam = gradient_descent(problem.grad, np.zeros(1), num_steps=1000, optimizer=Adam(1e-3))
    >>> print(f"{adam.final[0]:.4f}")
    0.8598
    """
    check_callable("grad", grad)
    check_callable("clip", clip, optional=True)
    check_callable("loss", loss, optional=True)
    rate = _check_mode(learning_rate, optimizer)
    num_steps = positive_int("num_steps", num_steps)
    start = float_array("x0", x0)
    shape, dtype = start.shape, start.dtype
    params = np.empty((num_steps + 1, *shape), dtype)
    params[0] = start
    losses = None if loss is None else np.empty(num_steps + 1)
    norms = np.empty((2, num_steps))
    clipped = np.zeros(num_steps, bool)
    first_bad: int | None = None
    x = params[0].copy()
    with np.errstate(over="ignore", invalid="ignore"):
        state = None if optimizer is None else optimizer.init(x)
        for k in range(num_steps):
            if loss is not None and losses is not None:
                losses[k] = loss(x)
            g = _like_x0("grad(x)", grad(x), shape)
            step_grad = g if clip is None else _like_x0("clip(g)", clip(g), shape)
            norms[0, k] = _global_l2_norm([g])
            norms[1, k] = norms[0, k] if clip is None else _global_l2_norm([step_grad])
            clipped[k] = clip is not None and not np.array_equal(g, step_grad, equal_nan=True)
            if first_bad is None and not (np.all(np.isfinite(x)) and np.all(np.isfinite(g))):
                first_bad = k
            if optimizer is None:
                assert rate is not None  # _check_mode returns a rate exactly without an optimizer
                x = (x - _learning_rate_at(rate, k) * step_grad).astype(dtype, copy=False)
            else:
                new_x, state = optimizer.step(x, step_grad, state)
                x = _like_x0("optimizer.step params", new_x, shape).astype(dtype, copy=False)
            params[k + 1] = x
        if loss is not None and losses is not None:
            losses[num_steps] = loss(x)
    if first_bad is None and not np.all(np.isfinite(x)):
        first_bad = num_steps
    return Trajectory(
        params=_set_readonly(params),
        losses=None if losses is None else _set_readonly(losses),
        grad_norms=_set_readonly(norms[0]),
        clipped_grad_norms=_set_readonly(norms[1]),
        clipped=_set_readonly(clipped),
        first_nonfinite_step=first_bad,
    )
