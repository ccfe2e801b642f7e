"""Training monitors: gradient-norm history, spikes, non-finite steps, step skipping, clip rate.

Clipping hides problems as well as it damps them: a run whose every step is clipped is running on a
smaller learning rate than you think, and clipping never repairs a NaN. These helpers watch the
pre-clip gradient norm so that a training loop can log, alert or skip a step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gdguide._validation import (
    check_callable,
    float_array,
    nonnegative_finite,
    positive_finite,
    positive_int,
    real_number,
    same_shape,
)

__all__ = [
    "GradNormMonitor",
    "NormEvent",
    "clip_rate",
    "exceeds_baseline",
    "rolling_median_baseline",
    "skip_nonfinite_step",
]

P = TypeVar("P")


@dataclass(frozen=True)
class NormEvent:
    """What [`GradNormMonitor.update`][gdguide.monitor.GradNormMonitor.update] saw at one step.

    Attributes
    ----------
    step : int
        0-based index of the update.
    norm : float
        The gradient norm passed in.
    baseline : float
        Median of the previous finite norms in the window; NaN during the warm-up.
    spike : bool
        `norm > spike_factor * baseline` (never during the warm-up, never for a non-finite norm).
    nonfinite : bool
        The norm is inf or NaN.
    clipped : bool
        `norm > max_norm` when the monitor has a `max_norm`, else False.

    Examples
    --------
    >>> from gdguide import GradNormMonitor
    >>> monitor = GradNormMonitor(warmup=3, max_norm=5.0)
    >>> for norm in [1.0, 1.1, 0.9]:
    ...     _ = monitor.update(norm)
    >>> event = monitor.update(12.0)
    >>> event.step, event.norm, event.baseline
    (3, 12.0, 1.0)
    >>> event.spike, event.nonfinite, event.clipped, event.alert
    (True, False, True, True)
    """

    step: int
    norm: float
    baseline: float
    spike: bool
    nonfinite: bool
    clipped: bool

    @property
    def alert(self) -> bool:
        """True for a spike or a non-finite norm: the steps worth a log line."""
        return self.spike or self.nonfinite


class GradNormMonitor:
    r"""Gradient-norm history with spike and non-finite detection.

    Feed it the **pre-clip** global gradient norm $\lVert g_k\rVert$ once per step (what
    `torch.nn.utils.clip_grad_norm_` and `optax.global_norm` return). Step $k$ is a *spike* when

    $$
    \lVert g_k\rVert > \rho \cdot \operatorname{median}\{\lVert g_j\rVert : j \in W_k\},
    $$

    with $\rho$ = `spike_factor` and $W_k$ the last `window` steps before $k$ whose norm was
    finite (spikes included, so a lasting change of level stops being flagged once it fills half
    the window). Detection starts once $W_k$ holds `warmup` norms. The median, unlike the mean,
    is not dragged up by the spike it should detect. Non-finite norms are flagged separately and
    kept out of the baseline.

    Parameters
    ----------
    window : int, default 50
        Number of recent finite norms in the baseline.
    spike_factor : float, default 5.0
        Ratio $\rho > 1$ to the running median that counts as a spike. Minibatch norms
        commonly wander within a factor 2-3; a jump of 5x or more is the kind that precedes
        loss spikes. Pascanu et al. (2013) report that clipping thresholds of half to ten times
        the average norm "can still yield convergence, though convergence speed can be
        affected", another way to read the same history.
    warmup : int, default 10
        Finite norms needed before spikes are detected, between 1 and `window`.
    max_norm : float, optional
        Clipping threshold in use, to record which steps were clipped (`norm > max_norm`).

    Raises
    ------
    ValueError
        If `window` or `warmup` is not a positive integer, `warmup > window`,
        `spike_factor <= 1` or `max_norm` is not positive and finite.

    Notes
    -----
    State is explicit and plain numpy: a ring buffer of the last `window` finite norms and lists
    of the full history, the spike steps and the non-finite steps. There is no clock and no
    randomness, so replaying the same norms gives the same events.

    References
    ----------
    1. R. Pascanu, T. Mikolov, Y. Bengio, "On the difficulty of training recurrent neural
       networks", ICML 2013, [arXiv:1211.5063](https://arxiv.org/abs/1211.5063).
    2. P. Seetharaman, G. Wichern, B. Pardo, J. Le Roux, "AutoClip: Adaptive gradient clipping
       for source separation networks", MLSP 2020,
       [arXiv:2007.14469](https://arxiv.org/abs/2007.14469) (a threshold from the norm history).

    Examples
    --------
    >>> from gdguide import GradNormMonitor
    >>> monitor = GradNormMonitor(window=5, warmup=3, max_norm=2.0)
    >>> events = [monitor.update(n) for n in [1.0, 1.2, 0.9, 1.1, 9.0, 1.0, float("nan")]]
    >>> monitor.spike_steps.tolist(), monitor.nonfinite_steps.tolist()
    ([4], [6])
    >>> print(f"{events[4].baseline:.2f} {monitor.clip_rate():.4f}")
    1.05 0.1429
    """

    def __init__(
        self,
        window: int = 50,
        spike_factor: float = 5.0,
        *,
        warmup: int = 10,
        max_norm: float | None = None,
    ) -> None:
        self.window = positive_int("window", window)
        self.warmup = positive_int("warmup", warmup)
        if self.warmup > self.window:
            raise ValueError(f"warmup must be <= window ({self.window}), got {self.warmup}")
        self.spike_factor = positive_finite("spike_factor", spike_factor)
        if self.spike_factor <= 1:
            raise ValueError(f"spike_factor must be > 1, got {self.spike_factor}")
        self.max_norm = None if max_norm is None else positive_finite("max_norm", max_norm)
        self._recent = np.empty(self.window)
        self._filled = 0
        self._next = 0
        self._history: list[float] = []
        self._spikes: list[int] = []
        self._nonfinite: list[int] = []

    @classmethod
    def from_norms(cls, norms: Iterable[float], **kwargs: Any) -> GradNormMonitor:
        """Return a monitor that has seen `norms` in order (e.g. `Trajectory.grad_norms`)."""
        monitor = cls(**kwargs)
        for norm in norms:
            monitor.update(norm)
        return monitor

    @property
    def baseline(self) -> float:
        """Median of the finite norms in the window, NaN before the warm-up is complete."""
        if self._filled < self.warmup:
            return math.nan
        return float(np.median(self._recent[: self._filled]))

    def update(self, norm: float) -> NormEvent:
        """Record the gradient norm of the next step and return what was detected.

        Raises `ValueError` for a negative norm and `TypeError` for a non-number.
        """
        norm = real_number("norm", norm)
        if norm < 0:
            raise ValueError(f"norm must be >= 0, got {norm}")
        step, baseline = len(self._history), self.baseline
        nonfinite = not math.isfinite(norm)
        spike = bool(exceeds_baseline(norm, baseline, self.spike_factor))
        clipped = self.max_norm is not None and norm > self.max_norm
        self._history.append(norm)
        if nonfinite:
            self._nonfinite.append(step)
        else:
            self._remember(norm)
        if spike:
            self._spikes.append(step)
        return NormEvent(step, norm, baseline, spike, nonfinite, clipped)

    def _remember(self, norm: float) -> None:
        self._recent[self._next] = norm
        self._next = (self._next + 1) % self.window
        self._filled = min(self._filled + 1, self.window)

    @property
    def history(self) -> NDArray:
        """Every norm passed to `update`, in order (float64, a new array)."""
        return np.array(self._history, dtype=np.float64)

    @property
    def spike_steps(self) -> NDArray:
        """Steps flagged as spikes (int array)."""
        return np.array(self._spikes, dtype=np.int64)

    @property
    def nonfinite_steps(self) -> NDArray:
        """Steps whose norm was inf or NaN (int array)."""
        return np.array(self._nonfinite, dtype=np.int64)

    def clip_rate(self, max_norm: float | None = None) -> float:
        """Fraction of recorded steps with norm > `max_norm` (default: the monitor's `max_norm`).

        See [`clip_rate`][gdguide.monitor.clip_rate]; raises `ValueError` when there is no
        threshold or no history.
        """
        threshold = self.max_norm if max_norm is None else max_norm
        if threshold is None:
            raise ValueError("max_norm is required: the monitor was created without one")
        return clip_rate(self._history, threshold)


def exceeds_baseline(values: ArrayLike, baselines: ArrayLike, spike_factor: float) -> NDArray:
    r"""Apply the spike rule elementwise: `value > spike_factor * baseline`, both finite.

    $$
    \text{spike}_k \iff x_k > \rho\, m_k \iff \log x_k - \log m_k > \log \rho ,
    $$

    a fixed distance on a log scale, so a norm or loss that falls (or grows) by orders of
    magnitude over a run is judged against its own level: a trend is not a spike. A NaN baseline
    (warm-up) or a non-finite value is never a spike, and a value exactly at $\rho m_k$ is not
    one. [`GradNormMonitor`][gdguide.monitor.GradNormMonitor] and `gdguide.diagnose` both use it.

    Examples
    --------
    >>> from gdguide import exceeds_baseline
    >>> exceeds_baseline([5.0, 5.1, float("inf"), 9.0], [1.0, 1.0, 1.0, float("nan")], 5.0).tolist()
    [False, True, False, False]
    """
    x = float_array("values", values)
    m = float_array("baselines", baselines)
    same_shape("values", x, "baselines", m)
    rho = positive_finite("spike_factor", spike_factor)
    with np.errstate(invalid="ignore"):
        return np.isfinite(x) & np.isfinite(m) & (x > rho * m)


def rolling_median_baseline(values: ArrayLike, window: int = 50, warmup: int = 10) -> NDArray:
    r"""Return the baseline `GradNormMonitor` holds before each step, for a whole series.

    $$
    m_k = \operatorname{median}\{x_j : j < k,\ x_j \text{ finite},\ j \text{ among the last
    `window` such}\},
    $$

    NaN while fewer than `warmup` finite values precede $k$. Non-finite values are kept out of
    the median, spikes are kept in (so a lasting change of level stops being flagged). The median
    of an even count is the mean of the two middle values, as `numpy.median`.

    Parameters
    ----------
    values : array_like, shape (K,)
        The series (gradient norms, losses); NaN and inf allowed.
    window : int, default 50
        Number of recent finite values in the median.
    warmup : int, default 10
        Finite values needed before the baseline exists, between 1 and `window`.

    Returns
    -------
    numpy.ndarray, shape (K,)
        $m_k$ for every step, float64.

    Examples
    --------
    >>> from gdguide import rolling_median_baseline
    >>> rolling_median_baseline([1.0, 3.0, float("nan"), 2.0, 9.0], window=2, warmup=2).tolist()
    [nan, nan, 2.0, 2.0, 2.5]
    """
    x = np.asarray(float_array("values", values), dtype=np.float64).ravel()
    window = positive_int("window", window)
    warmup = positive_int("warmup", warmup)
    if warmup > window:
        raise ValueError(f"warmup must be <= window ({window}), got {warmup}")
    finite = np.isfinite(x)
    f = x[finite]
    # by_count[c]: the baseline once c finite values have been seen
    by_count = np.full(f.size + 1, np.nan)
    for c in range(warmup, min(window, f.size + 1)):
        by_count[c] = np.median(f[:c])
    if f.size >= window:
        rows = np.lib.stride_tricks.sliding_window_view(f, window)
        for start in range(0, rows.shape[0], 65536):
            block = rows[start : start + 65536]
            by_count[window + start : window + start + block.shape[0]] = np.median(block, axis=1)
    seen_before = np.cumsum(finite) - finite
    return by_count[seen_before]


def clip_rate(pre_clip_norms: ArrayLike, max_norm: float, *, eps: float = 0.0) -> float:
    r"""Fraction of steps that norm clipping at `max_norm` changed.

    $$
    \text{rate} = \frac{1}{K}\,\#\{k : \lVert g_k\rVert + \varepsilon > c\}
    $$

    over $K$ steps with pre-clip norms $\lVert g_k\rVert$, threshold $c$ = `max_norm` and
    $\varepsilon$ = `eps`. With the default `eps=0` a norm exactly at the threshold is not
    clipped (the rule $g \cdot \min(1, c/\lVert g\rVert)$ of TensorFlow and optax);
    `eps=1e-6` reproduces PyTorch's `clip_grad_norm_`, whose coefficient
    $c/(\lVert g\rVert + 10^{-6})$ is below 1 as soon as $\lVert g\rVert + 10^{-6} > c$.

    A rate near 1 means clipping is the learning-rate schedule: every step has length
    $\alpha c$ and the raw gradient's size no longer matters. A rate near 0 means the clip is
    a safety net that rarely fires; either can be right, but it should be a choice.

    Parameters
    ----------
    pre_clip_norms : array_like, shape (K,)
        Gradient norms before clipping (e.g. `Trajectory.grad_norms`), non-negative; inf counts
        as clipped, NaN as not (clipping cannot repair it: use
        [`GradNormMonitor`][gdguide.monitor.GradNormMonitor] to find NaN).
    max_norm : float
        Threshold $c > 0$.
    eps : float, default 0.0
        Non-negative offset $\varepsilon$ added to the norm, as PyTorch does.

    Returns
    -------
    float
        The fraction in $[0, 1]$.

    Raises
    ------
    ValueError
        If `pre_clip_norms` is empty, not 1-D or negative, or `max_norm`/`eps` are invalid.

    Examples
    --------
    >>> from gdguide import clip_rate
    >>> clip_rate([0.5, 1.0, 2.0, 4.0], max_norm=1.0)
    0.5
    >>> clip_rate([0.5, 1.0, 2.0, 4.0], max_norm=1.0, eps=1e-6)  # PyTorch also scales 1.0
    0.75
    """
    norms = float_array("pre_clip_norms", pre_clip_norms)
    if norms.ndim != 1 or norms.size == 0:
        raise ValueError(f"pre_clip_norms must be a non-empty 1-D array, got shape {norms.shape}")
    if np.any(norms < 0):
        raise ValueError("pre_clip_norms must be non-negative")
    max_norm = positive_finite("max_norm", max_norm)
    eps = nonnegative_finite("eps", eps)
    return float(np.count_nonzero(norms + eps > max_norm) / norms.size)


def _all_finite(grad: ArrayLike | Sequence[ArrayLike]) -> bool:
    if isinstance(grad, np.ndarray) or not isinstance(grad, Sequence):
        return bool(np.all(np.isfinite(float_array("grad", grad))))
    if len(grad) == 0:
        raise ValueError("grad is empty: there is no gradient to check")
    return all(bool(np.all(np.isfinite(float_array(f"grad[{i}]", g)))) for i, g in enumerate(grad))


def skip_nonfinite_step(
    params: P,
    grad: ArrayLike | Sequence[ArrayLike],
    update: Callable[[P, ArrayLike | Sequence[ArrayLike]], P],
) -> tuple[P, bool]:
    r"""Apply `update(params, grad)` only if every gradient entry is finite.

    Returns `(update(params, grad), False)` when the gradient is finite and `(params, True)`
    (the very same object, untouched) when any entry is inf or NaN. This is the step skipping of
    PyTorch's `torch.amp.GradScaler.step`, which does not call `optimizer.step()` when the
    unscaled gradients contain inf/NaN, and of `optax.apply_if_finite`; both also count the
    skips (GradScaler then halves its loss scale, optax gives up after
    `max_consecutive_errors`). Count the returned flags to do the same.

    Parameters
    ----------
    params : object
        Whatever `update` maps: an array, a list of arrays, or a tuple `(params, opt_state)` so
        that a skipped step also leaves the optimizer state alone (as GradScaler does).
    grad : array_like or sequence of array_like
        The gradient (one array or one per parameter tensor).
    update : callable
        `update(params, grad) -> new params`, same kind of object as `params`.

    Returns
    -------
    new_params : object
        The update's result, or `params` itself when skipped.
    skipped : bool
        True when the step was skipped.

    Raises
    ------
    ValueError
        If `grad` is an empty sequence.
    TypeError
        If a gradient is not numeric or `update` is not callable.

    Notes
    -----
    Clipping is no substitute: value clipping maps $\pm\infty$ to $\pm c$ but keeps NaN, and norm
    clipping turns an inf entry into NaN ($\infty \cdot 0$). Check finiteness *before* clipping,
    and skip, stop, or lower the learning rate.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import skip_nonfinite_step
    >>> sgd = lambda p, g: p - 0.1 * g
    >>> params = np.array([1.0, 2.0])
    >>> new, skipped = skip_nonfinite_step(params, np.array([1.0, 1.0]), sgd)
    >>> new.round(6).tolist(), skipped
    ([0.9, 1.9], False)
    >>> same, skipped = skip_nonfinite_step(params, np.array([np.inf, 1.0]), sgd)
    >>> same is params, skipped
    (True, True)
    """
    check_callable("update", update)
    if not _all_finite(grad):
        return params, True
    return update(params, grad), False
