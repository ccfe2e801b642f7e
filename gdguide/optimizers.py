"""First-order optimizers with explicit state: SGD, momentum, Nesterov, AdaGrad, RMSprop, Adam(W).

Every optimizer is a frozen dataclass of hyperparameters with two pure methods:

- `init(params) -> state` builds the optimizer state for a parameter array of any shape;
- `step(params, grad, state) -> (new_params, new_state)` applies one update.

Nothing is modified in place: `step` returns new arrays, so a trajectory can be replayed from any
saved state. The state is a small `NamedTuple` holding the step count and the moment arrays.
Default hyperparameters are those of `torch.optim` (2.13) with two exceptions, both this library's
choice: `SGD`, `Momentum` and `Nesterov` have no default learning rate (PyTorch's `SGD` defaults
to `lr=1e-3`), and `Momentum` and `Nesterov` default to momentum 0.9 (PyTorch's `SGD` to 0, no
momentum). In float64 the trajectories match PyTorch's to about 1e-15 relative (see
`tests/data/optimizers_parity.json`). float32 parameters stay float32.

`with_clipping(optimizer, clip)` puts any gradient-clipping rule in front of any optimizer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gdguide._validation import (
    float_array,
    in_interval,
    nonnegative_finite,
    positive_finite,
    same_shape,
)

__all__ = [
    "AdaGrad",
    "AdaGradState",
    "Adam",
    "AdamState",
    "AdamW",
    "ClippedOptimizer",
    "Momentum",
    "MomentumState",
    "Nesterov",
    "Optimizer",
    "RMSprop",
    "RMSpropState",
    "SGD",
    "SGDState",
    "with_clipping",
]


class Optimizer(Protocol):
    """The interface shared by every optimizer here (a structural type for annotations).

    Any object with these two methods works with `with_clipping` and the descent runner; it
    need not inherit from this class.

    Methods
    -------
    init(params)
        Return the initial optimizer state for a parameter array `params`.
    step(params, grad, state)
        Return `(new_params, new_state)` after one update with gradient `grad`; nothing is
        modified in place.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import SGD, Optimizer
    >>> def run(opt: Optimizer, params, grad_fn, num_steps):
    ...     state = opt.init(params)
    ...     for _ in range(num_steps):
    ...         params, state = opt.step(params, grad_fn(params), state)
    ...     return params
    >>> print(run(SGD(0.25), np.array([4.0]), lambda p: 2 * p, 3).round(6).tolist())
    [0.5]
    """

    def init(self, params: ArrayLike) -> Any:
        """Return the initial optimizer state for `params`."""
        ...

    def step(
        self, params: ArrayLike, grad: ArrayLike, state: Any
    ) -> tuple[NDArray[np.floating], Any]:
        """Return `(new_params, new_state)` after one update with gradient `grad`."""
        ...


class SGDState(NamedTuple):
    """State of `SGD`: only the number of steps taken.

    Attributes
    ----------
    count : int
        Number of `step` calls so far (0 after `init`).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import SGD
    >>> SGD(0.1).init(np.zeros(3))
    SGDState(count=0)
    """

    count: int  # type: ignore[assignment]  # shadows tuple.count, kept: a public field name


class MomentumState(NamedTuple):
    """State of `Momentum` and `Nesterov`: step count and the momentum buffer $v$.

    Attributes
    ----------
    count : int
        Number of `step` calls so far (0 after `init`).
    momentum_buffer : ndarray
        The buffer $v$, with the shape and dtype of the parameters: zeros after `init`, the
        first gradient after the first step (PyTorch's `momentum_buffer`).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import Momentum
    >>> state = Momentum(0.1).init(np.zeros(2))
    >>> state.count, state.momentum_buffer.tolist()
    (0, [0.0, 0.0])
    """

    count: int  # type: ignore[assignment]  # shadows tuple.count, kept: a public field name
    momentum_buffer: NDArray[np.floating]


class AdaGradState(NamedTuple):
    """State of `AdaGrad`: step count and the running sum of squared gradients $G$.

    Attributes
    ----------
    count : int
        Number of `step` calls so far (0 after `init`).
    sum_of_squares : ndarray
        $G$, elementwise, with the shape and dtype of the parameters; `initial_accumulator_value`
        everywhere after `init`.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import AdaGrad
    >>> AdaGrad(initial_accumulator_value=0.1).init(np.zeros(2)).sum_of_squares.tolist()
    [0.1, 0.1]
    """

    count: int  # type: ignore[assignment]  # shadows tuple.count, kept: a public field name
    sum_of_squares: NDArray[np.floating]


class RMSpropState(NamedTuple):
    """State of `RMSprop`: step count and the moving average of squared gradients $s$.

    Attributes
    ----------
    count : int
        Number of `step` calls so far (0 after `init`).
    square_avg : ndarray
        $s$, elementwise, with the shape and dtype of the parameters; zeros after `init`.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import RMSprop
    >>> RMSprop().init(np.zeros(2)).square_avg.tolist()
    [0.0, 0.0]
    """

    count: int  # type: ignore[assignment]  # shadows tuple.count, kept: a public field name
    square_avg: NDArray[np.floating]


class AdamState(NamedTuple):
    """State of `Adam` and `AdamW`: step count $t$ and the moments $m$ and $v$.

    Attributes
    ----------
    count : int
        $t$, the number of `step` calls so far (0 after `init`); the bias corrections use it.
    exp_avg : ndarray
        $m_t$, the moving average of gradients, **before** bias correction.
    exp_avg_sq : ndarray
        $v_t$, the moving average of squared gradients, before bias correction.

    Both moments have the shape and dtype of the parameters and are zeros after `init`.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import Adam
    >>> state = Adam().init(np.zeros(2))
    >>> state.count, state.exp_avg.tolist(), state.exp_avg_sq.tolist()
    (0, [0.0, 0.0], [0.0, 0.0])
    """

    count: int  # type: ignore[assignment]  # shadows tuple.count, kept: a public field name
    exp_avg: NDArray[np.floating]
    exp_avg_sq: NDArray[np.floating]


# ----------------------------------------------------------------------------------------------
# shared checks


def _init_params(params: ArrayLike) -> NDArray[np.floating]:
    return float_array("params", params)


def _step_inputs(
    params: ArrayLike, grad: ArrayLike, state: Any, state_type: type[Any]
) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """Validate one `step` call; return params and grad, grad cast to the params' dtype."""
    p = float_array("params", params)
    g = float_array("grad", grad)
    same_shape("params", p, "grad", g)
    if not isinstance(state, state_type):
        raise TypeError(
            f"state must be a {state_type.__name__} from init(), got {type(state).__name__}"
        )
    for name, value in zip(state._fields[1:], state[1:], strict=True):
        if np.shape(value) != p.shape:
            raise ValueError(
                f"state.{name} has shape {np.shape(value)} but params has shape {p.shape}"
            )
    return p, g.astype(p.dtype, copy=False)


def _lerp(
    start: NDArray[np.floating], end: NDArray[np.floating], weight: float
) -> NDArray[np.floating]:
    """`start + weight (end - start)`, rounded the way `torch.lerp` rounds it."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


def _ratio(num: NDArray[np.floating], den: NDArray[np.floating]) -> NDArray[np.floating]:
    """Return `num / den`, with 0 where `den == 0` (only possible with `eps = 0`).

    A zero denominator means every gradient so far was zero in that coordinate (or its square
    underflowed), so the step there is 0; PyTorch returns NaN (0/0) or inf there.
    """
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0)


def _betas(value: object) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2), got {value!r}")
    return (
        in_interval("betas[0]", value[0], 0.0, 1.0),
        in_interval("betas[1]", value[1], 0.0, 1.0),
    )


def _set(obj: object, **fields: object) -> None:
    for name, value in fields.items():
        object.__setattr__(obj, name, value)


# ----------------------------------------------------------------------------------------------
# optimizers


@dataclass(frozen=True)
class SGD:
    r"""Plain (stochastic) gradient descent, optionally with L2 weight decay.

    One step with gradient $g$ at parameters $\theta$:

    $$d = g + \lambda_{\text{wd}}\,\theta, \qquad \theta \leftarrow \theta - \alpha\, d,$$

    where $\alpha$ is `learning_rate` and $\lambda_{\text{wd}}$ is `weight_decay` (the L2 penalty
    $\tfrac{\lambda_{\text{wd}}}{2}\lVert\theta\rVert^2$ folded into the gradient).

    Parameters
    ----------
    learning_rate : float
        Step size $\alpha > 0$. On a quadratic with largest Hessian eigenvalue
        $\lambda_{\max}$ the iteration is stable only for $\alpha < 2/\lambda_{\max}$ (see
        `max_stable_learning_rate`).
    weight_decay : float, default 0.0
        L2 coefficient $\lambda_{\text{wd}} \ge 0$.

    Raises
    ------
    ValueError
        If `learning_rate` is not positive and finite or `weight_decay` is negative or not finite;
        in `step`, if `params` and `grad` differ in shape.
    TypeError
        If a hyperparameter or an array is not real-valued, or `state` is not an `SGDState`.

    Notes
    -----
    Same update as `torch.optim.SGD(lr, weight_decay=...)` with `momentum=0`, and as `optax.sgd`
    (without `weight_decay`). `learning_rate` has no default here, as in `optax.sgd`: the step size
    is the quantity this guide is about, so it is always written out (PyTorch's `SGD` defaults to
    `lr=1e-3`, Keras's to 0.01). Robbins and Monro
    [1] introduced the stochastic version, where $g$ is a noisy estimate of the gradient.

    References
    ----------
    1. H. Robbins, S. Monro, "A stochastic approximation method", *Ann. Math. Statist.* 22(3),
       1951. [doi:10.1214/aoms/1177729586](https://doi.org/10.1214/aoms/1177729586)

    Examples
    --------
    The article's problem: $L(\theta) = \lVert X\theta - y\rVert^2$ with Hessian 110, so
    $\alpha = 0.01$ contracts the error by $1 - 110\alpha = -0.1$ per step.

    >>> import numpy as np
    >>> from gdguide import SGD
    >>> X = np.arange(1.0, 6.0)[:, None]
    >>> y = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    >>> opt = SGD(learning_rate=0.01)
    >>> theta, state = np.zeros(1), opt.init(np.zeros(1))
    >>> for _ in range(100):
    ...     theta, state = opt.step(theta, 2 * X.T @ (X @ theta - y), state)
    >>> print(f"{theta[0]:.7f}", state.count)
    1.7272727 100
    """

    learning_rate: float
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        _set(
            self,
            learning_rate=positive_finite("learning_rate", self.learning_rate),
            weight_decay=nonnegative_finite("weight_decay", self.weight_decay),
        )

    def init(self, params: ArrayLike) -> SGDState:
        """Return the initial state (step count 0) for `params`."""
        _init_params(params)
        return SGDState(count=0)

    def step(
        self, params: ArrayLike, grad: ArrayLike, state: SGDState
    ) -> tuple[NDArray[np.floating], SGDState]:
        """Return `(new_params, new_state)` after one gradient step."""
        p, g = _step_inputs(params, grad, state, SGDState)
        if self.weight_decay:
            g = g + self.weight_decay * p
        return p - self.learning_rate * g, SGDState(state.count + 1)


@dataclass(frozen=True)
class Momentum:
    r"""Heavy-ball momentum (Polyak), in PyTorch's formulation.

    With gradient $g_k$ at step $k$ (counted from 0) and buffer $v$:

    $$v_{k+1} = \begin{cases} g_0 & k = 0,\\ \beta\, v_k + (1-\tau)\, g_k & k \ge 1,\end{cases}
    \qquad \theta_{k+1} = \theta_k - \alpha\, v_{k+1},$$

    where $\alpha$ is `learning_rate`, $\beta$ is `momentum` and $\tau$ is `dampening`.

    Parameters
    ----------
    learning_rate : float
        Step size $\alpha > 0$.
    momentum : float, default 0.9
        $\beta \in [0, 1)$; $\beta = 0$ is plain gradient descent (whatever the dampening). The
        default is this library's choice, not PyTorch's: `torch.optim.SGD` defaults to
        `momentum=0` and `optax.sgd` to `momentum=None`, both meaning "no momentum", which a
        class named `Momentum` would make pointless; 0.9 is the value of PyTorch's own
        `torch.optim.SGD` example.
    dampening : float, default 0.0
        $\tau \in [0, 1]$, scales the new gradient from the second step on (PyTorch semantics:
        the first step uses $g_0$ undamped). With $\beta = 0$ it has no effect, as in PyTorch,
        which keeps no momentum buffer then.

    Raises
    ------
    ValueError
        If a hyperparameter is out of range or `params` and `grad` differ in shape.
    TypeError
        If a hyperparameter or an array is not real-valued, or `state` is not a `MomentumState`.

    Notes
    -----
    Polyak's heavy ball [1] is $\theta_{k+1} = \theta_k - \alpha g_k + \beta(\theta_k -
    \theta_{k-1})$; with $\tau = 0$ and a constant $\alpha$ this is exactly the iteration above
    ($\theta_{k+1} - \theta_k = -\alpha v_{k+1}$). Sutskever et al. [2] write
    $v \leftarrow \beta v - \alpha g,\ \theta \leftarrow \theta + v$: the same trajectory at
    constant $\alpha$, a different one when $\alpha$ changes during training. This class matches
    `torch.optim.SGD(lr, momentum, dampening)`; `optax.sgd(learning_rate, momentum)` uses the
    undamped form ($\tau = 0$, first step $v_1 = g_0$ as well, since $v_0 = 0$).

    On a quadratic with Hessian eigenvalue $\lambda$ the error obeys
    $z^2 - (1 + \beta - \alpha\lambda) z + \beta = 0$, which is stable iff
    $0 < \alpha\lambda < 2(1+\beta)$ (for $\tau = 0$): momentum $\beta = 0.9$ almost doubles the
    stable range of plain gradient descent (see `max_stable_learning_rate`). With dampening the
    effective step is $\alpha(1-\tau)$.

    References
    ----------
    1. B. T. Polyak, "Some methods of speeding up the convergence of iteration methods",
       *USSR Comput. Math. Math. Phys.* 4(5), 1964.
       [doi:10.1016/0041-5553(64)90137-5](https://doi.org/10.1016/0041-5553(64)90137-5)
    2. I. Sutskever, J. Martens, G. Dahl, G. Hinton, "On the importance of initialization and
       momentum in deep learning", ICML 2013.
       [PMLR 28(3):1139-1147](https://proceedings.mlr.press/v28/sutskever13.html)
    3. G. Goh, "Why Momentum Really Works", *Distill*, 2017.
       [doi:10.23915/distill.00006](https://doi.org/10.23915/distill.00006)

    Examples
    --------
    On the article's problem ($\lambda = 110$), $\alpha = 0.034$ is unstable for plain gradient
    descent ($> 2/110$) but stable with $\beta = 0.9$ (threshold $3.8/110 = 0.034545$):

    >>> import numpy as np
    >>> from gdguide import Momentum
    >>> X = np.arange(1.0, 6.0)[:, None]
    >>> y = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    >>> opt = Momentum(learning_rate=0.034, momentum=0.9)
    >>> theta, state = np.zeros(1), opt.init(np.zeros(1))
    >>> for _ in range(3000):
    ...     theta, state = opt.step(theta, 2 * X.T @ (X @ theta - y), state)
    >>> print(f"{theta[0]:.6f}")
    1.727273
    """

    learning_rate: float
    momentum: float = 0.9
    dampening: float = 0.0

    def __post_init__(self) -> None:
        _set(
            self,
            learning_rate=positive_finite("learning_rate", self.learning_rate),
            momentum=in_interval("momentum", self.momentum, 0.0, 1.0),
            dampening=in_interval("dampening", self.dampening, 0.0, 1.0, closed_high=True),
        )

    def init(self, params: ArrayLike) -> MomentumState:
        """Return the initial state: step count 0 and a zero momentum buffer."""
        return MomentumState(count=0, momentum_buffer=np.zeros_like(_init_params(params)))

    def step(
        self, params: ArrayLike, grad: ArrayLike, state: MomentumState
    ) -> tuple[NDArray[np.floating], MomentumState]:
        """Return `(new_params, new_state)` after one heavy-ball step."""
        p, g = _step_inputs(params, grad, state, MomentumState)
        buf = _momentum_buffer(state, g, self.momentum, self.dampening)
        return p - self.learning_rate * buf, MomentumState(state.count + 1, buf)


def _momentum_buffer(
    state: MomentumState, g: NDArray[np.floating], beta: float, dampening: float
) -> NDArray[np.floating]:
    """PyTorch's buffer update: the first step copies the gradient.

    With `beta == 0` the buffer is the gradient itself at every step (dampening does not apply),
    as in `torch.optim.SGD`, which keeps no buffer when `momentum=0`.
    """
    if state.count == 0 or beta == 0.0:
        return g.copy()
    return state.momentum_buffer * beta + (1.0 - dampening) * g


@dataclass(frozen=True)
class Nesterov:
    r"""Nesterov momentum in PyTorch's `nesterov=True` formulation.

    With gradient $g_k$ at the current parameters and buffer $v$ (first step $v_1 = g_0$):

    $$v_{k+1} = \beta\, v_k + g_k, \qquad
    \theta_{k+1} = \theta_k - \alpha\,(g_k + \beta\, v_{k+1}),$$

    where $\alpha$ is `learning_rate` and $\beta$ is `momentum`.

    Parameters
    ----------
    learning_rate : float
        Step size $\alpha > 0$.
    momentum : float, default 0.9
        $\beta \in [0, 1)$; $\beta = 0$ is plain gradient descent. The default is this
        library's choice, as for `Momentum` (`torch.optim.SGD` defaults to `momentum=0`, and
        refuses `nesterov=True` with it).

    Raises
    ------
    ValueError
        If a hyperparameter is out of range or `params` and `grad` differ in shape.
    TypeError
        If a hyperparameter or an array is not real-valued, or `state` is not a `MomentumState`.

    Notes
    -----
    Nesterov's accelerated gradient [1] as written by Sutskever et al. [2] evaluates the gradient
    at a look-ahead point: $v \leftarrow \beta v - \alpha \nabla f(\theta + \beta v)$,
    $\theta \leftarrow \theta + v$. PyTorch (and `optax.sgd(..., nesterov=True)`) use the
    change of variables of Bengio et al. [3], which needs only the gradient at the current
    parameters; that is what this class computes, matching
    `torch.optim.SGD(lr, momentum, nesterov=True)` (PyTorch refuses `momentum=0` or a non-zero
    dampening with Nesterov; here $\beta = 0$ is allowed and gives plain gradient descent).

    The stability range differs from heavy ball. On a quadratic with eigenvalue $\lambda$ and
    $h = \alpha\lambda$ the error obeys $z^2 - (1+\beta)(1-h)\,z + \beta(1-h) = 0$, stable iff
    $0 < h < 2(1+\beta)/(1+2\beta)$: about 1.357 at $\beta = 0.9$, against 3.8 for heavy ball.
    "Momentum makes larger steps stable" must therefore say which momentum.

    References
    ----------
    1. Y. Nesterov, "A method for solving the convex programming problem with convergence rate
       $O(1/k^2)$", *Soviet Math. Dokl.* 27, 1983.
    2. I. Sutskever, J. Martens, G. Dahl, G. Hinton, "On the importance of initialization and
       momentum in deep learning", ICML 2013.
       [PMLR 28(3):1139-1147](https://proceedings.mlr.press/v28/sutskever13.html)
    3. Y. Bengio, N. Boulanger-Lewandowski, R. Pascanu, "Advances in optimizing recurrent
       networks", ICASSP 2013. [arXiv:1212.0901](https://arxiv.org/abs/1212.0901)

    Examples
    --------
    On the article's problem ($\lambda = 110$) with $\beta = 0.9$: $\alpha\lambda = 1.35$ converges,
    $\alpha\lambda = 1.36$ diverges.

    >>> import numpy as np
    >>> from gdguide import Nesterov
    >>> X = np.arange(1.0, 6.0)[:, None]
    >>> y = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    >>> def final_theta(lr):
    ...     opt = Nesterov(learning_rate=lr, momentum=0.9)
    ...     theta, state = np.zeros(1), opt.init(np.zeros(1))
    ...     for _ in range(3000):
    ...         theta, state = opt.step(theta, 2 * X.T @ (X @ theta - y), state)
    ...     return theta[0]
    >>> print(f"{final_theta(1.35 / 110):.6f}", abs(final_theta(1.36 / 110)) > 1e6)
    1.727273 True
    """

    learning_rate: float
    momentum: float = 0.9

    def __post_init__(self) -> None:
        _set(
            self,
            learning_rate=positive_finite("learning_rate", self.learning_rate),
            momentum=in_interval("momentum", self.momentum, 0.0, 1.0),
        )

    def init(self, params: ArrayLike) -> MomentumState:
        """Return the initial state: step count 0 and a zero momentum buffer."""
        return MomentumState(count=0, momentum_buffer=np.zeros_like(_init_params(params)))

    def step(
        self, params: ArrayLike, grad: ArrayLike, state: MomentumState
    ) -> tuple[NDArray[np.floating], MomentumState]:
        """Return `(new_params, new_state)` after one Nesterov step."""
        p, g = _step_inputs(params, grad, state, MomentumState)
        buf = _momentum_buffer(state, g, self.momentum, 0.0)
        direction = g + self.momentum * buf
        return p - self.learning_rate * direction, MomentumState(state.count + 1, buf)


@dataclass(frozen=True)
class AdaGrad:
    r"""AdaGrad: per-coordinate steps scaled by the root of the summed squared gradients.

    With gradient $g_k$ and accumulator $G$ (initially $G_0$ = `initial_accumulator_value`),
    all operations elementwise:

    $$G_{k+1} = G_k + g_k^2, \qquad
    \theta_{k+1} = \theta_k - \alpha\,\frac{g_k}{\sqrt{G_{k+1}} + \epsilon},$$

    where $\alpha$ is `learning_rate` and $\epsilon$ is `eps`.

    Parameters
    ----------
    learning_rate : float, default 0.01
        Base step size $\alpha > 0$ (PyTorch's default).
    eps : float, default 1e-10
        $\epsilon \ge 0$, added **outside** the square root (PyTorch).
    initial_accumulator_value : float, default 0.0
        $G_0 \ge 0$.

    Raises
    ------
    ValueError
        If a hyperparameter is out of range or `params` and `grad` differ in shape.
    TypeError
        If a hyperparameter or an array is not real-valued, or `state` is not an `AdaGradState`.

    Notes
    -----
    Duchi, Hazan and Singer [1] (diagonal version) use $\alpha\,(\delta + \sqrt{G})^{-1} g$, the
    form above. Matches `torch.optim.Adagrad(lr, eps=..., initial_accumulator_value=...)` with
    `lr_decay=0` and `weight_decay=0` (not offered here). Keras and `optax.adagrad` put $\epsilon$
    **inside** the root, $g/\sqrt{G + \epsilon}$, and default to $G_0 = 0.1$, $\epsilon = 10^{-7}$
    (Keras also $\alpha = 10^{-3}$). Because $G$ only grows, the effective step
    $\alpha/\sqrt{G}$ decays like $1/\sqrt{k}$; the first step has size $\approx \alpha$ in every
    coordinate whatever the gradient's scale. With $\epsilon = 0$, a coordinate whose gradients
    have all been zero gets a zero step (PyTorch computes $0/0$ = NaN there).

    References
    ----------
    1. J. Duchi, E. Hazan, Y. Singer, "Adaptive subgradient methods for online learning and
       stochastic optimization", *JMLR* 12, 2011.
       [jmlr.org/papers/v12/duchi11a](https://jmlr.org/papers/v12/duchi11a.html)

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import AdaGrad
    >>> opt = AdaGrad(learning_rate=0.5)
    >>> params, state = np.array([1.0, -100.0]), opt.init(np.zeros(2))
    >>> params, state = opt.step(params, np.array([2.0, -300.0]), state)
    >>> print(params.round(6).tolist())
    [0.5, -99.5]
    """

    learning_rate: float = 0.01
    eps: float = 1e-10
    initial_accumulator_value: float = 0.0

    def __post_init__(self) -> None:
        _set(
            self,
            learning_rate=positive_finite("learning_rate", self.learning_rate),
            eps=nonnegative_finite("eps", self.eps),
            initial_accumulator_value=nonnegative_finite(
                "initial_accumulator_value", self.initial_accumulator_value
            ),
        )

    def init(self, params: ArrayLike) -> AdaGradState:
        """Return the initial state: step count 0 and $G_0$ everywhere."""
        p = _init_params(params)
        return AdaGradState(0, np.full_like(p, self.initial_accumulator_value))

    def step(
        self, params: ArrayLike, grad: ArrayLike, state: AdaGradState
    ) -> tuple[NDArray[np.floating], AdaGradState]:
        """Return `(new_params, new_state)` after one AdaGrad step."""
        p, g = _step_inputs(params, grad, state, AdaGradState)
        total = state.sum_of_squares + g * g
        new_p = p - _ratio(self.learning_rate * g, np.sqrt(total) + self.eps)
        return new_p, AdaGradState(state.count + 1, total)


@dataclass(frozen=True)
class RMSprop:
    r"""RMSprop: steps scaled by a moving root-mean-square of recent gradients.

    With gradient $g_k$ and average $s$ (initially 0), all operations elementwise:

    $$s_{k+1} = \rho\, s_k + (1-\rho)\, g_k^2, \qquad
    \theta_{k+1} = \theta_k - \alpha\,\frac{g_k}{\sqrt{s_{k+1}} + \epsilon},$$

    where $\alpha$ is `learning_rate`, $\rho$ is `alpha` (PyTorch's name for the decay) and
    $\epsilon$ is `eps`.

    Parameters
    ----------
    learning_rate : float, default 0.01
        Step size $\alpha > 0$ (PyTorch's default).
    alpha : float, default 0.99
        Decay $\rho \in [0, 1)$ of the average of squared gradients.
    eps : float, default 1e-8
        $\epsilon \ge 0$, added **outside** the square root (PyTorch).

    Raises
    ------
    ValueError
        If a hyperparameter is out of range or `params` and `grad` differ in shape.
    TypeError
        If a hyperparameter or an array is not real-valued, or `state` is not an `RMSpropState`.

    Notes
    -----
    Proposed in Tieleman and Hinton's lecture [1] with decay 0.9 and no $\epsilon$. Matches
    `torch.optim.RMSprop(lr, alpha, eps)` with `momentum=0`, `centered=False`,
    `weight_decay=0` (the options not offered here). TensorFlow/Keras compute
    $g/\sqrt{s + \epsilon}$ (**inside** the root) with $\rho = 0.9$, $\epsilon = 10^{-7}$,
    $\alpha = 10^{-3}$; `optax.rmsprop` also puts $\epsilon$ inside by default
    (`eps_in_sqrt=True`, decay 0.9, $\epsilon = 10^{-8}$). Nothing is bias-corrected: the first
    step is $\alpha\, g/(\sqrt{1-\rho}\,|g|) = 10\alpha$ per coordinate at $\rho = 0.99$. With
    $\epsilon = 0$ a coordinate whose gradients have all been zero gets a zero step (PyTorch: NaN).

    With a constant step the update is close to $\alpha\,\mathrm{sign}(g)$ once $s$ tracks $g^2$,
    so on a deterministic problem RMSprop does not settle: it ends in a limit cycle of amplitude
    about $\alpha/2$ around the minimum.

    References
    ----------
    1. T. Tieleman, G. Hinton, Lecture 6.5, "RMSprop: divide the gradient by a running average of
       its recent magnitude", COURSERA: Neural Networks for Machine Learning, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import RMSprop
    >>> opt = RMSprop(learning_rate=0.01)
    >>> params, state = np.array([1.0, 1.0]), opt.init(np.zeros(2))
    >>> params, state = opt.step(params, np.array([0.1, 1e3]), state)
    >>> print(params.round(6).tolist())
    [0.9, 0.9]
    """

    learning_rate: float = 0.01
    alpha: float = 0.99
    eps: float = 1e-8

    def __post_init__(self) -> None:
        _set(
            self,
            learning_rate=positive_finite("learning_rate", self.learning_rate),
            alpha=in_interval("alpha", self.alpha, 0.0, 1.0),
            eps=nonnegative_finite("eps", self.eps),
        )

    def init(self, params: ArrayLike) -> RMSpropState:
        """Return the initial state: step count 0 and a zero average."""
        return RMSpropState(0, np.zeros_like(_init_params(params)))

    def step(
        self, params: ArrayLike, grad: ArrayLike, state: RMSpropState
    ) -> tuple[NDArray[np.floating], RMSpropState]:
        """Return `(new_params, new_state)` after one RMSprop step."""
        p, g = _step_inputs(params, grad, state, RMSpropState)
        avg = state.square_avg * self.alpha + (1.0 - self.alpha) * g * g
        new_p = p - _ratio(self.learning_rate * g, np.sqrt(avg) + self.eps)
        return new_p, RMSpropState(state.count + 1, avg)


def _check_adam_hyperparameters(opt: Adam | AdamW) -> None:
    """Validate and normalise the fields `Adam` and `AdamW` share (their `__post_init__`)."""
    _set(
        opt,
        learning_rate=positive_finite("learning_rate", opt.learning_rate),
        betas=_betas(opt.betas),
        eps=nonnegative_finite("eps", opt.eps),
        weight_decay=nonnegative_finite("weight_decay", opt.weight_decay),
    )


def _adam_init(params: ArrayLike) -> AdamState:
    p = _init_params(params)
    return AdamState(0, np.zeros_like(p), np.zeros_like(p))


def _adam_step(
    opt: Adam | AdamW,
    params: ArrayLike,
    grad: ArrayLike,
    state: AdamState,
    *,
    decoupled_weight_decay: bool,
) -> tuple[NDArray[np.floating], AdamState]:
    r"""One Adam step in PyTorch's order; the weight decay is an L2 term or decoupled (AdamW).

    Like PyTorch, where `AdamW` is `Adam` with `decoupled_weight_decay=True`: coupled, the decay
    is added to the gradient, $g = g_t + \lambda\theta$; decoupled, the parameters shrink first,
    $\theta' = (1 - \alpha\lambda)\theta$, and the raw gradient is used.
    """
    p, g = _step_inputs(params, grad, state, AdamState)
    if opt.weight_decay:
        if decoupled_weight_decay:
            p = p * (1.0 - opt.learning_rate * opt.weight_decay)
        else:
            g = g + opt.weight_decay * p
    beta1, beta2 = opt.betas
    t = state.count + 1
    m = _lerp(state.exp_avg, g, 1.0 - beta1)
    v = state.exp_avg_sq * beta2 + (1.0 - beta2) * g * g
    step_size = opt.learning_rate / (1.0 - beta1**t)
    denom = np.sqrt(v) / math.sqrt(1.0 - beta2**t) + opt.eps
    return p - _ratio(step_size * m, denom), AdamState(t, m, v)


@dataclass(frozen=True)
class Adam:
    r"""Adam: momentum on the gradient, RMS scaling, and bias correction of both moments.

    At step $t = 1, 2, \dots$ with gradient $g_t$ (plus L2 term: $g = g_t + \lambda\theta_{t-1}$),
    $m_0 = v_0 = 0$, all operations elementwise, and $\theta' = \theta_{t-1}$:

    $$m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g^2,$$

    $$\hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}, \qquad
    \theta_t = \theta' - \alpha\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon},$$

    where $\alpha$ is `learning_rate`, $(\beta_1, \beta_2)$ are `betas`, $\epsilon$ is `eps` and
    $\lambda$ is `weight_decay`.

    Parameters
    ----------
    learning_rate : float, default 1e-3
        Step size $\alpha > 0$.
    betas : tuple of float, default (0.9, 0.999)
        Decay rates $\beta_1, \beta_2 \in [0, 1)$ of the first and second moment.
    eps : float, default 1e-8
        $\epsilon \ge 0$, added to $\sqrt{\hat v_t}$ (after bias correction).
    weight_decay : float, default 0.0
        L2 coefficient $\lambda \ge 0$ added to the gradient (coupled; see `AdamW` for the
        decoupled form).

    Raises
    ------
    ValueError
        If a hyperparameter is out of range or `params` and `grad` differ in shape.
    TypeError
        If a hyperparameter or an array is not real-valued, `betas` is not a pair, or `state` is
        not an `AdamState`.

    Notes
    -----
    Algorithm 1 of Kingma and Ba [1], with the paper's defaults ($\alpha = 10^{-3}$,
    $\beta = (0.9, 0.999)$, $\epsilon = 10^{-8}$), which PyTorch shares (`optax.adam` shares
    $\beta$ and $\epsilon$ and has no default learning rate); this class
    matches `torch.optim.Adam` (with `amsgrad=False`) to rounding. Keras uses $\epsilon = 10^{-7}$
    and adds it to $\sqrt{v_t}$ *before* bias correction (the paper's "$\hat\epsilon$" variant,
    $\alpha_t = \alpha\sqrt{1-\beta_2^t}/(1-\beta_1^t)$); d2l uses $\epsilon = 10^{-6}$. These
    choices only matter when $\sqrt{\hat v}$ is near $\epsilon$. With $\epsilon = 0$, a coordinate
    whose gradients have all been zero gets a zero step (PyTorch: $0/0$ = NaN).

    Each coordinate moves by at most about $\alpha$ per step (exactly $\alpha$ at $t = 1$), so the
    distance covered in $T$ steps is bounded by roughly $\alpha T$ whatever the gradient's scale:
    on the article's problem, 1000 steps of $\alpha = 10^{-3}$ reach only $\theta \approx 0.8598$
    of the optimum $19/11$. The update is nearly invariant to rescaling the loss, until the
    gradients approach $\epsilon$.

    References
    ----------
    1. D. P. Kingma, J. Ba, "Adam: A method for stochastic optimization", ICLR 2015.
       [arXiv:1412.6980](https://arxiv.org/abs/1412.6980)

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import Adam
    >>> X = np.arange(1.0, 6.0)[:, None]
    >>> y = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    >>> opt = Adam()
    >>> theta, state = np.zeros(1), opt.init(np.zeros(1))
    >>> for _ in range(1000):
    ...     theta, state = opt.step(theta, 2 * X.T @ (X @ theta - y), state)
    >>> print(f"{theta[0]:.4f}")
    0.8598
    """

    learning_rate: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        _check_adam_hyperparameters(self)

    def init(self, params: ArrayLike) -> AdamState:
        """Return the initial state: step count 0 and zero moments."""
        return _adam_init(params)

    def step(
        self, params: ArrayLike, grad: ArrayLike, state: AdamState
    ) -> tuple[NDArray[np.floating], AdamState]:
        """Return `(new_params, new_state)` after one Adam step."""
        return _adam_step(self, params, grad, state, decoupled_weight_decay=False)


@dataclass(frozen=True)
class AdamW:
    r"""AdamW: Adam with decoupled weight decay.

    At step $t$ the parameters first shrink, $\theta' = (1 - \alpha\lambda)\,\theta_{t-1}$, then
    the Adam step is taken from $\theta'$ with the raw gradient $g = g_t$ (no L2 term), $m_0 =
    v_0 = 0$, all operations elementwise:

    $$m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g^2,$$

    $$\hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}, \qquad
    \theta_t = \theta' - \alpha\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon},$$

    where $\alpha$ is `learning_rate`, $(\beta_1, \beta_2)$ are `betas`, $\epsilon$ is `eps` and
    $\lambda$ is `weight_decay`.

    Parameters
    ----------
    learning_rate : float, default 1e-3
        Step size $\alpha > 0$.
    betas : tuple of float, default (0.9, 0.999)
        $\beta_1, \beta_2 \in [0, 1)$.
    eps : float, default 1e-8
        $\epsilon \ge 0$.
    weight_decay : float, default 1e-2
        Decoupled decay $\lambda \ge 0$ (PyTorch's default).

    Raises
    ------
    ValueError
        If a hyperparameter is out of range or `params` and `grad` differ in shape.
    TypeError
        If a hyperparameter or an array is not real-valued, `betas` is not a pair, or `state` is
        not an `AdamState`.

    Notes
    -----
    Loshchilov and Hutter [1] show that an L2 penalty inside Adam (`Adam(weight_decay=...)`) is
    rescaled by $1/(\sqrt{\hat v}+\epsilon)$ and so is not weight decay; they decay the weights
    outside the adaptive step. Their Algorithm 2 writes the decay as $\eta_t \lambda \theta$ with a
    schedule multiplier $\eta_t$; PyTorch (matched here), optax and Keras multiply $\lambda$ by the
    learning rate $\alpha$ instead, so the decay per step is $\alpha\lambda$. Defaults differ:
    PyTorch $\lambda = 10^{-2}$, `optax.adamw` $10^{-4}$, Keras $0.004$ (with $\epsilon = 10^{-7}$).
    With $\lambda = 0$ this is `Adam`.

    References
    ----------
    1. I. Loshchilov, F. Hutter, "Decoupled weight decay regularization", ICLR 2019.
       [arXiv:1711.05101](https://arxiv.org/abs/1711.05101)
    2. D. P. Kingma, J. Ba, "Adam: A method for stochastic optimization", ICLR 2015.
       [arXiv:1412.6980](https://arxiv.org/abs/1412.6980)

    Examples
    --------
    With a zero gradient only the decay acts: $\theta \leftarrow (1 - \alpha\lambda)\theta$.

    >>> import numpy as np
    >>> from gdguide import AdamW
    >>> opt = AdamW(learning_rate=0.1, weight_decay=0.5)
    >>> params, state = np.array([2.0, -4.0]), opt.init(np.zeros(2))
    >>> params, state = opt.step(params, np.zeros(2), state)
    >>> print(params.round(6).tolist())
    [1.9, -3.8]
    """

    learning_rate: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 1e-2

    def __post_init__(self) -> None:
        _check_adam_hyperparameters(self)

    def init(self, params: ArrayLike) -> AdamState:
        """Return the initial state: step count 0 and zero moments."""
        return _adam_init(params)

    def step(
        self, params: ArrayLike, grad: ArrayLike, state: AdamState
    ) -> tuple[NDArray[np.floating], AdamState]:
        """Return `(new_params, new_state)` after one AdamW step."""
        return _adam_step(self, params, grad, state, decoupled_weight_decay=True)


# ----------------------------------------------------------------------------------------------
# clipping in front of an optimizer


@dataclass(frozen=True)
class ClippedOptimizer:
    r"""An optimizer that clips the gradient before handing it to another optimizer.

    Build it with `with_clipping`. One step is
    $(\theta, s) \leftarrow \text{optimizer.step}(\theta, \text{clip}(g), s)$; the state is the
    wrapped optimizer's state, unchanged in type.

    Parameters
    ----------
    optimizer : Optimizer
        Any object with `init(params)` and `step(params, grad, state)`.
    clip : callable
        `clip(grad) -> clipped_grad` returning an array of the same shape.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import SGD, ClippedOptimizer
    >>> opt = ClippedOptimizer(SGD(0.1), lambda g: np.clip(g, -1.0, 1.0))
    >>> params, state = opt.step(np.zeros(2), np.array([5.0, -0.5]), opt.init(np.zeros(2)))
    >>> print(params.round(6).tolist())
    [-0.1, 0.05]
    """

    optimizer: Optimizer
    clip: Callable[[NDArray[np.floating]], ArrayLike]

    def __post_init__(self) -> None:
        for method in ("init", "step"):
            if not callable(getattr(self.optimizer, method, None)):
                raise TypeError(f"optimizer must have an {method}() method, got {self.optimizer!r}")
        if not callable(self.clip):
            raise TypeError(f"clip must be callable grad -> grad, got {type(self.clip).__name__}")

    def init(self, params: ArrayLike) -> Any:
        """Return the wrapped optimizer's initial state."""
        return self.optimizer.init(params)

    def step(
        self, params: ArrayLike, grad: ArrayLike, state: Any
    ) -> tuple[NDArray[np.floating], Any]:
        """Clip `grad`, then take the wrapped optimizer's step."""
        g = float_array("grad", grad)
        clipped = float_array("clip(grad)", self.clip(g))
        same_shape("grad", g, "clip(grad)", clipped)
        return self.optimizer.step(params, clipped, state)


def with_clipping(
    optimizer: Optimizer, clip: Callable[[NDArray[np.floating]], ArrayLike]
) -> ClippedOptimizer:
    r"""Compose a gradient-clipping rule in front of an optimizer.

    Parameters
    ----------
    optimizer : Optimizer
        Any optimizer of this module (or any object with the same `init`/`step` methods).
    clip : callable
        Maps a gradient array to a clipped array of the same shape, for example
        `lambda g: np.clip(g, -c, c)` (clipping by value) or `gdguide.ClipByNorm(max_norm)`.
        It receives the raw gradient and must not modify it.

    Returns
    -------
    ClippedOptimizer
        An optimizer with the same protocol and the same state as `optimizer`.

    Raises
    ------
    TypeError
        If `optimizer` lacks `init`/`step` or `clip` is not callable.
    ValueError
        In `step`, if `clip` returns an array of a different shape.

    Notes
    -----
    The clip acts on the gradient, before the optimizer's own transformation: the order of
    `torch.nn.utils.clip_grad_norm_` before `optimizer.step()`, and of
    `optax.chain(optax.clip_by_global_norm(c), optax.adam(lr))`. Clipping the *update* after
    the optimizer is a different rule. Adam and RMSprop divide out the gradient's scale, so a norm
    clip that scales every step by the same factor changes them little (through $\epsilon$ and
    the moments' memory of unclipped steps); a clip that acts on some steps only, or value
    clipping, which turns the direction, does change them: on the article's problem, clipping
    only the large early gradients (at 0.5) keeps them out of $v$ and takes `Adam(0.01)` from 779
    to 332 steps to $10^{-6}$ (the algorithms page, "Clipping in front of an optimizer").

    Examples
    --------
    The article's clipped run, one line: value clipping at 0.5 before SGD with $\alpha = 0.01$.
    Every step moves $\theta$ by at most $0.005$, so the optimum $19/11$ takes about 350 steps
    instead of 7.

    >>> import numpy as np
    >>> from gdguide import SGD, with_clipping
    >>> X = np.arange(1.0, 6.0)[:, None]
    >>> y = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    >>> opt = with_clipping(SGD(0.01), lambda g: np.clip(g, -0.5, 0.5))
    >>> theta, state = np.zeros(1), opt.init(np.zeros(1))
    >>> for _ in range(100):
    ...     theta, state = opt.step(theta, 2 * X.T @ (X @ theta - y), state)
    >>> print(f"{theta[0]:.6f}")
    0.500000
    """
    return ClippedOptimizer(optimizer, clip)
