r"""Gradient clipping: by value, by norm, by global norm, adaptive (AGC), per example, AutoClip.

Every function takes numpy arrays (float16/32/64 keep their dtype; integers become float64) and
returns the **pre-clip** norm where it has one, like PyTorch and TensorFlow do (optax's clipping
transforms return only the clipped updates). Copying
functions never modify their input; the in-place variants carry PyTorch's trailing underscore.

| function | rule | framework counterpart |
|---|---|---|
| `clip_by_value` | $\min(\max(g_j, -c), c)$ per entry | `clip_grad_value_`, Keras `clipvalue` |
| `clip_by_norm` | $g \min(1, c/\lVert g\rVert)$ per array | `tf.clip_by_norm`, Keras `clipnorm` |
| `clip_by_global_norm` | one norm over all arrays | `clip_grad_norm_`, optax, `global_clipnorm` |
| `adaptive_clip` | unit-wise, relative to the weight norm | `optax.adaptive_grad_clip` |
| `clip_per_example` | clip each example, then sum | `optax.per_example_global_norm_clip` |
| `autoclip_threshold` | percentile of the norm history | AutoClip (Seetharaman et al. 2020) |

Defaults differ from PyTorch on purpose: no epsilon in the coefficient (what TensorFlow and optax
compute; `eps=1e-6` reproduces PyTorch), a non-finite norm raises (`error_if_nonfinite=True`), and
an empty gradient list raises instead of returning 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gdguide._validation import (
    array_list,
    boolean,
    float_array,
    in_interval,
    nonnegative_finite,
    positive_finite,
    real_number,
    same_shape,
    writable_float_array,
)

__all__ = [
    "ClipByNorm",
    "ClipByValue",
    "adaptive_clip",
    "autoclip_threshold",
    "clip_by_global_norm",
    "clip_by_global_norm_",
    "clip_by_norm",
    "clip_by_value",
    "clip_by_value_",
    "clip_per_example",
]


# Elements per BLAS call when summing squares: float32 partial sums stay short (accurate) and
# are accumulated in float64, with no temporary larger than one chunk.
_CHUNK = 1 << 16
_VECDOT = getattr(np, "vecdot", None)  # numpy >= 2.0; older numpy loops over chunks

#: What "a list or tuple of arrays" means for the functions that return one result per input.
_ManyArrays = list[Any] | tuple[Any, ...]  # any list or tuple is read as many arrays
#: One array (or a scalar): those functions then return one array.
_OneArray = np.ndarray | float


# --------------------------------------------------------------------------- input handling


def _as_arrays(name: str, grads: object) -> tuple[list[np.ndarray], bool]:
    """Return (list of float arrays, whether one array was given); a list/tuple is many arrays."""
    if isinstance(grads, (list, tuple)):
        return array_list(name, grads), False
    return [float_array(name, grads)], True


def _writable_arrays(name: str, grads: object) -> list[np.ndarray]:
    """Return the arrays an in-place function will modify, after checking each one."""
    if isinstance(grads, np.ndarray):
        return [writable_float_array(name, grads)]
    if not isinstance(grads, (list, tuple)):
        raise TypeError(
            f"{name} must be an ndarray or a list of ndarrays, got {type(grads).__name__}"
        )
    if len(grads) == 0:
        raise ValueError(f"{name} is empty: there is no gradient to clip")
    arrays = [writable_float_array(f"{name}[{i}]", g) for i, g in enumerate(grads)]
    if len({id(a) for a in arrays}) != len(arrays):
        raise ValueError(f"{name} contains the same array twice; it would be scaled twice")
    return arrays


def _norm_type(value: object) -> float:
    """Return 1.0, 2.0 or inf from `norm_type`, accepting the string 'inf'."""
    if isinstance(value, str):
        if value.strip().lower() in ("inf", "+inf", "infinity"):
            return math.inf
        raise ValueError(f"norm_type must be 1, 2 or inf (float('inf') or 'inf'), got {value!r}")
    p = real_number("norm_type", value)
    if p not in (1.0, 2.0, math.inf):
        raise ValueError(f"norm_type must be 1, 2 or inf (float('inf') or 'inf'), got {value!r}")
    return p


# --------------------------------------------------------------------------- norms


def _chunks(array: np.ndarray) -> Iterator[np.ndarray]:
    """Yield consecutive 1-D pieces of `array` (views when it is contiguous)."""
    flat = array.ravel(order="K")
    for start in range(0, flat.size, _CHUNK):
        yield flat[start : start + _CHUNK]


def _sum_of_squares(array: np.ndarray, scale: float = 1.0) -> float:
    """Sum of (x/scale)**2: BLAS dot per chunk in the array's dtype, chunks summed in float64.

    Callers silence overflow warnings: an overflow is detected and rescaled by `_l2_norm`.
    """
    flat = array.ravel(order="K")
    if scale != 1.0 or flat.dtype.type not in (np.float32, np.float64) or _VECDOT is None:
        pieces = (flat[i : i + _CHUNK] for i in range(0, flat.size, _CHUNK))
        if scale != 1.0 or flat.dtype.type not in (np.float32, np.float64):
            pieces = (p.astype(np.float64) / scale for p in pieces)
        return math.fsum(float(np.dot(p, p)) for p in pieces)
    rows = flat.size // _CHUNK  # one vecdot call: a BLAS dot per row of a (rows, _CHUNK) view
    head, tail = flat[: rows * _CHUNK].reshape(rows, _CHUNK), flat[rows * _CHUNK :]
    return float(_VECDOT(head, head).sum(dtype=np.float64)) + float(np.dot(tail, tail))


def _max_abs(array: np.ndarray) -> float:
    """Max |x| without a temporary; NaN if any entry is NaN."""
    if array.size == 0:
        return 0.0
    high, low = float(array.max()), float(array.min())
    return math.nan if math.isnan(high) or math.isnan(low) else max(high, -low)


def _l2_norm(array: np.ndarray) -> float:
    """Euclidean norm; rescaled by max |x| if the squares overflow or underflow."""
    squares = _sum_of_squares(array)
    if math.isnan(squares):
        return math.nan
    info = np.finfo(array.dtype if array.dtype.kind == "f" else np.float64)
    if float(info.tiny / info.eps) <= squares < math.inf:
        return math.sqrt(squares)
    biggest = _max_abs(array)
    if biggest == 0.0 or not math.isfinite(biggest):
        return biggest
    return biggest * math.sqrt(_sum_of_squares(array, biggest))


def _l1_norm(array: np.ndarray) -> float:
    return math.fsum(float(np.add.reduce(np.abs(c), dtype=np.float64)) for c in _chunks(array))


def _global_l2_norm(arrays: Sequence[np.ndarray]) -> float:
    """Euclidean norm of all entries of `arrays` together, rescaled where squares overflow."""
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is detected and rescaled
        return _combine([_l2_norm(array) for array in arrays], 2.0)


def _array_norm(array: np.ndarray, p: float) -> float:
    """Return the p-norm (p in {1, 2, inf}) of one array as a Python float."""
    if p == 2.0:
        return _l2_norm(array)
    return _l1_norm(array) if p == 1.0 else _max_abs(array)


def _combine(norms: list[float], p: float) -> float:
    """p-norm of the vector of per-array p-norms."""
    if any(math.isnan(n) for n in norms):
        return math.nan
    if p == 2.0:
        return math.hypot(*norms)
    return math.fsum(norms) if p == 1.0 else max(norms)


def _coefficient(total: float, max_norm: float, eps: float, dtype: np.dtype) -> float:
    """min(1, max_norm / (total + eps)), written so that a zero norm never divides.

    With eps > 0 the arithmetic is PyTorch's, in the gradients' dtype:
    `clamp(reciprocal(total + eps) * max_norm, max=1)`, so results match it bit for bit.
    """
    if math.isnan(total):
        return math.nan
    if eps > 0.0:
        kind = dtype.type
        with np.errstate(over="ignore", divide="ignore"):
            coef = float(kind(1.0) / (kind(total) + kind(eps)) * kind(max_norm))
        return min(coef, 1.0)
    return 1.0 if total <= max_norm else max_norm / total


def _global_norm_and_coefficient(
    arrays: list[np.ndarray],
    max_norm: object,
    norm_type: object,
    eps: object,
    error_if_nonfinite: object,
) -> tuple[float, float]:
    """Validate the options, compute the pre-clip total norm and the scale coefficient."""
    limit = positive_finite("max_norm", max_norm)
    p = _norm_type(norm_type)
    eps_value = nonnegative_finite("eps", eps)
    strict = boolean("error_if_nonfinite", error_if_nonfinite)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is detected and rescaled
        total = _combine([_array_norm(a, p) for a in arrays], p)
    dtype = np.result_type(*{a.dtype for a in arrays})
    if strict and not math.isfinite(total):
        raise ValueError(
            f"the gradient norm is {total} (non-finite), so it cannot be clipped; fix the NaN/inf "
            "or pass error_if_nonfinite=False to propagate it as PyTorch, TensorFlow and optax do"
        )
    return total, _coefficient(total, limit, eps_value, dtype)


def _scale_all_(arrays: list[np.ndarray], coef: float) -> None:
    """Multiply every array by `coef` in place, unless `coef >= 1` (NaN multiplies)."""
    if coef >= 1.0:
        return
    with np.errstate(invalid="ignore"):  # inf * 0 -> NaN is the documented result
        for array in arrays:
            np.multiply(array, array.dtype.type(coef), out=array)


def _scaled_copies(arrays: list[np.ndarray], coef: float) -> list[np.ndarray]:
    """Return new arrays equal to `coef * array` (plain copies when `coef >= 1`)."""
    if coef >= 1.0:
        return [array.copy() for array in arrays]
    with np.errstate(invalid="ignore"):
        return [np.multiply(array, array.dtype.type(coef)) for array in arrays]


# --------------------------------------------------------------------------- by value


@overload
def clip_by_value(grads: _ManyArrays, clip_value: float) -> list[NDArray[np.floating]]: ...
@overload
def clip_by_value(grads: _OneArray, clip_value: float) -> NDArray[np.floating]: ...
def clip_by_value(
    grads: ArrayLike | Sequence[ArrayLike], clip_value: float
) -> NDArray[np.floating] | list[NDArray[np.floating]]:
    r"""Clamp every gradient entry to $[-c, c]$ and return a copy.

    $$g_j \leftarrow \min\bigl(\max(g_j, -c),\ c\bigr)$$

    for every entry $g_j$, with $c$ = `clip_value`. This is element-wise (Mikolov 2012), so it
    **changes the direction** of the gradient: $[100, 1] \to [0.5, 0.5]$ turns the step by
    $44.4^\circ$. Norm clipping ([`clip_by_norm`][gdguide.clipping.clip_by_norm]) keeps it.

    Parameters
    ----------
    grads
        One array, or a list/tuple of arrays (a list is always read as several arrays).
    clip_value
        Positive finite bound $c$.

    Returns
    -------
    ndarray or list of ndarray
        Clipped copies with the input structure: one array in, one array out; a list or tuple in,
        a list out. Dtypes are kept (float32 stays float32).

    Raises
    ------
    ValueError
        If `clip_value` is not positive and finite, or `grads` is an empty list.
    TypeError
        If `grads` is not numeric.

    Notes
    -----
    Edge cases: a zero gradient is unchanged; an entry exactly at $\pm c$ is unchanged; NaN stays
    NaN; $\pm\infty$ becomes $\pm c$. This is exactly `torch.nn.utils.clip_grad_value_` and Keras
    `clipvalue` (`tf.clip_by_value`). Clipping never repairs NaN.

    References
    ----------
    1. T. Mikolov, *Statistical Language Models Based on Neural Networks*, PhD thesis, Brno, 2012.
    2. R. Pascanu, T. Mikolov, Y. Bengio, "On the difficulty of training recurrent neural
       networks", ICML 2013, [arXiv:1211.5063](https://arxiv.org/abs/1211.5063).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import clip_by_value
    >>> g = np.array([100.0, 1.0])
    >>> clipped = clip_by_value(g, 0.5)
    >>> clipped.tolist()
    [0.5, 0.5]
    >>> cos = g @ clipped / (np.linalg.norm(g) * np.linalg.norm(clipped))
    >>> print(f"{np.degrees(np.arccos(cos)):.1f} degrees")
    44.4 degrees
    >>> clip_by_value(np.array([np.nan, np.inf, -np.inf, 0.0, 0.5]), 0.5).tolist()
    [nan, 0.5, -0.5, 0.0, 0.5]
    >>> [a.dtype.name for a in clip_by_value([np.ones(2, np.float32), np.ones(3)], 0.5)]
    ['float32', 'float64']
    """
    c = positive_finite("clip_value", clip_value)
    arrays, single = _as_arrays("grads", grads)
    clipped = [np.clip(a, -c, c) for a in arrays]
    return clipped[0] if single else clipped


def clip_by_value_(grads: np.ndarray | Sequence[np.ndarray], clip_value: float) -> None:
    r"""Clamp every gradient entry to $[-c, c]$ in place (PyTorch's `clip_grad_value_`).

    $$g_j \leftarrow \min\bigl(\max(g_j, -c),\ c\bigr)$$

    with $c$ = `clip_value`; the same rule as [`clip_by_value`][gdguide.clipping.clip_by_value].

    Parameters
    ----------
    grads
        One writeable floating ndarray or a list/tuple of them; modified in place.
    clip_value
        Positive finite bound $c$.

    Returns
    -------
    None
        Like `torch.nn.utils.clip_grad_value_`, the function returns nothing: the arrays you
        passed now hold the clipped values.

    Raises
    ------
    ValueError
        If `clip_value` is not positive and finite, `grads` is empty, or an array is read-only.
    TypeError
        If an element is not a floating ndarray (a list or an integer array cannot be modified
        in place).

    Notes
    -----
    Edge cases as in [`clip_by_value`][gdguide.clipping.clip_by_value]: zero and $\pm c$ are
    unchanged, NaN stays NaN, $\pm\infty \to \pm c$. It rotates the gradient
    ($[100, 1] \to [0.5, 0.5]$, $44.4^\circ$).

    References
    ----------
    1. R. Pascanu, T. Mikolov, Y. Bengio, ICML 2013,
       [arXiv:1211.5063](https://arxiv.org/abs/1211.5063).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import clip_by_value_
    >>> g = np.array([100.0, 1.0, np.nan, -np.inf], dtype=np.float32)
    >>> clip_by_value_(g, 0.5)
    >>> g.tolist(), g.dtype.name
    ([0.5, 0.5, nan, -0.5], 'float32')
    """
    c = positive_finite("clip_value", clip_value)
    for array in _writable_arrays("grads", grads):
        np.clip(array, -c, c, out=array)


# --------------------------------------------------------------------------- by norm


def clip_by_norm(
    grad: ArrayLike,
    max_norm: float,
    *,
    norm_type: float | str = 2.0,
    eps: float = 0.0,
    error_if_nonfinite: bool = True,
) -> tuple[NDArray[np.floating], float]:
    r"""Rescale one array so that its norm is at most `max_norm`; return it and the pre-clip norm.

    $$g \leftarrow g \cdot \min\Bigl(1,\ \frac{c}{\lVert g\rVert_p + \varepsilon}\Bigr)$$

    with $c$ = `max_norm`, $p$ = `norm_type` and $\varepsilon$ = `eps`. The direction is kept.
    Applied to each array separately this is Keras' `clipnorm` (per variable) and
    `tf.clip_by_norm`; for one norm over all arrays use
    [`clip_by_global_norm`][gdguide.clipping.clip_by_global_norm].

    Parameters
    ----------
    grad
        One gradient array (any shape; a nested list is one array here).
    max_norm
        Positive finite threshold $c$.
    norm_type
        1, 2 or infinity (`float('inf')` or `'inf'`; $\lVert g\rVert_\infty = \max_j |g_j|$).
    eps
        Non-negative $\varepsilon$ added to the norm in the coefficient. 0 (default) is
        TensorFlow's and optax's rule; `1e-6` is PyTorch's.
    error_if_nonfinite
        Raise when the norm is NaN or infinite (default, as PyTorch with `True`); `False`
        propagates non-finite values as the frameworks do.

    Returns
    -------
    clipped : ndarray
        A new array, same shape and dtype as `grad`.
    norm : float
        $\lVert g\rVert_p$ **before** clipping.

    Raises
    ------
    ValueError
        Bad `max_norm`, `eps` or `norm_type`; a non-finite norm with `error_if_nonfinite=True`.
    TypeError
        Non-numeric `grad`.

    Notes
    -----
    Edge cases: a zero gradient is returned unchanged (no division by zero); a norm exactly at
    the threshold is unchanged when `eps=0` (PyTorch's `eps=1e-6` shrinks it by the factor
    $c/(c+10^{-6})$); with `error_if_nonfinite=False` a NaN norm makes every entry NaN and an
    infinite norm turns finite entries into 0 and infinite entries into NaN ($\infty \cdot 0$).
    The scaling multiplies only when the coefficient is below 1. How the norm is accumulated is
    described in [`clip_by_global_norm`][gdguide.clipping.clip_by_global_norm].

    References
    ----------
    1. R. Pascanu, T. Mikolov, Y. Bengio, ICML 2013,
       [arXiv:1211.5063](https://arxiv.org/abs/1211.5063).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import clip_by_norm
    >>> clipped, norm = clip_by_norm(np.array([3.0, 4.0]), 1.0)
    >>> clipped.round(6).tolist(), norm
    ([0.6, 0.8], 5.0)
    >>> clip_by_norm(np.array([3.0, 4.0]), 5.0)[0].tolist()  # exactly at the threshold
    [3.0, 4.0]
    >>> clip_by_norm(np.zeros(2), 1.0)[0].tolist()
    [0.0, 0.0]
    >>> clip_by_norm(np.array([3.0, -4.0]), 2.0, norm_type="inf")[0].tolist()
    [1.5, -2.0]
    >>> clip_by_norm(np.array([1.0, np.inf]), 1.0, error_if_nonfinite=False)[0].tolist()
    [0.0, nan]
    >>> clip_by_norm(np.array([1.0, np.nan]), 1.0)
    Traceback (most recent call last):
    ...
    ValueError: the gradient norm is nan (non-finite), so it cannot be clipped; ...
    """
    if isinstance(grad, (list, tuple)) and any(isinstance(g, np.ndarray) for g in grad):
        raise TypeError("grad must be one array; use clip_by_global_norm for a list of arrays")
    array = float_array("grad", grad)
    norm, coef = _global_norm_and_coefficient([array], max_norm, norm_type, eps, error_if_nonfinite)
    return _scaled_copies([array], coef)[0], norm


def clip_by_global_norm(
    grads: ArrayLike | Sequence[ArrayLike],
    max_norm: float,
    *,
    norm_type: float | str = 2.0,
    eps: float = 0.0,
    error_if_nonfinite: bool = True,
) -> tuple[list[NDArray[np.floating]], float]:
    r"""Rescale all arrays together so that their joint norm is at most `max_norm` (copies).

    $$N = \Bigl\lVert \bigl(\lVert g^{(1)}\rVert_p, \dots, \lVert g^{(K)}\rVert_p\bigr)
    \Bigr\rVert_p, \qquad
    g^{(k)} \leftarrow g^{(k)} \cdot \min\Bigl(1,\ \frac{c}{N + \varepsilon}\Bigr)$$

    for the $K$ arrays $g^{(k)}$, with $c$ = `max_norm`, $p$ = `norm_type` (for $p = \infty$,
    $N = \max_{k,j} |g^{(k)}_j|$) and $\varepsilon$ = `eps`. $N$ is the norm of all entries
    as one vector, and one coefficient scales every array, so the overall direction is kept.

    Parameters
    ----------
    grads
        A list/tuple of gradient arrays (one array is also accepted).
    max_norm
        Positive finite threshold $c$.
    norm_type
        1, 2 or infinity (`float('inf')` or `'inf'`).
    eps
        $\varepsilon \ge 0$. 0 (default) gives TensorFlow's and optax's result for finite input;
        `1e-6` reproduces `torch.nn.utils.clip_grad_norm_` exactly.
    error_if_nonfinite
        If `True` (default) a NaN or infinite $N$ raises; `False` propagates as the frameworks do.

    Returns
    -------
    clipped : list of ndarray
        New arrays (always a list), same shapes and dtypes; inputs are not modified.
    total_norm : float
        $N$ **before** clipping (what PyTorch, TensorFlow and optax return or log too).

    Raises
    ------
    ValueError
        Empty `grads`; bad `max_norm`, `eps` or `norm_type`; non-finite $N$ when
        `error_if_nonfinite=True`.
    TypeError
        A non-numeric array, or a non-bool `error_if_nonfinite`.

    Notes
    -----
    **Edge cases.** A zero gradient is unchanged. A norm exactly at the threshold is unchanged
    with `eps=0`; PyTorch (always $\varepsilon = 10^{-6}$) shrinks it slightly:
    $[3, 4]$ with $c = 5$ becomes $[2.9999993, 3.999999]$ in float32. An empty list raises here;
    PyTorch returns a norm of 0 and does nothing.

    **Non-finite norms** (`error_if_nonfinite=False`, which is PyTorch's default):

    | framework | NaN entry | inf entry |
    |---|---|---|
    | gdguide (`error_if_nonfinite=False`) | all entries NaN | finite entries 0, inf entries NaN |
    | `torch.nn.utils.clip_grad_norm_` | all entries NaN | finite entries 0, inf entries NaN |
    | `tf.clip_by_global_norm`, Keras `global_clipnorm` | all entries NaN | all entries NaN |
    | `optax.clip_by_global_norm` | all entries NaN | finite entries 0, inf entries NaN |

    Clipping never repairs NaN: check `isfinite` or skip the step.

    **Accuracy.** Per-array norms, no concatenated copy: squares are summed by BLAS `dot` over
    rows of 65,536 entries in the array's own dtype and the row sums in float64, so float32
    gradients are never copied to float64 and the relative error stays near $10^{-8}$ even for
    $10^7$ entries. PyTorch 2.13 on CPU accumulates each tensor in float32: we measured relative
    errors of $2.4\cdot 10^{-5}$ on 80 M values and $5\cdot 10^{-4}$ on one tensor of
    $2\cdot 10^{7}$ entries. If the squares overflow or underflow (float32 entries beyond about
    $10^{19}$ or below $10^{-19}$), the norm is recomputed scaled by $\max|g|$, so it stays
    finite and accurate where the true norm is; PyTorch returns `inf` there. Per-array norms are
    combined with `math.hypot` (`math.fsum` for $p = 1$). The norm is returned as a Python
    float. With `eps = 0` the coefficient is computed in float64 and cast to each array's dtype;
    with `eps > 0` it is computed like PyTorch, in the arrays' dtype as
    $\min\bigl(1, c\cdot\mathrm{fl}(1/\mathrm{fl}(N+\varepsilon))\bigr)$, which is why
    `eps=1e-6` matches PyTorch bit for bit when the norms agree.

    References
    ----------
    1. R. Pascanu, T. Mikolov, Y. Bengio, "On the difficulty of training recurrent neural
       networks", ICML 2013, [arXiv:1211.5063](https://arxiv.org/abs/1211.5063).
    2. I. Goodfellow, Y. Bengio, A. Courville, *Deep Learning*, MIT Press 2016, §10.11.1.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import clip_by_global_norm
    >>> grads = [np.array([3.0]), np.array([4.0])]
    >>> clipped, norm = clip_by_global_norm(grads, 1.0)
    >>> [g.round(6).tolist() for g in clipped], norm
    ([[0.6], [0.8]], 5.0)
    >>> g32 = [np.array([3.0, 4.0], dtype=np.float32)]
    >>> clip_by_global_norm(g32, 5.0)[0][0].tolist()  # at the threshold: unchanged
    [3.0, 4.0]
    >>> torch_like = clip_by_global_norm(g32, 5.0, eps=1e-6)[0][0]
    >>> print(" ".join(f"{v:.8g}" for v in torch_like), torch_like.dtype)
    2.9999993 3.999999 float32
    >>> clip_by_global_norm(grads, 1.0, norm_type="inf")[1]
    4.0
    >>> bad = [np.array([1.0, np.inf]), np.array([2.0])]
    >>> [g.tolist() for g in clip_by_global_norm(bad, 1.0, error_if_nonfinite=False)[0]]
    [[0.0, nan], [0.0]]
    >>> clip_by_global_norm([], 1.0)
    Traceback (most recent call last):
    ...
    ValueError: grads is empty: there is no gradient to clip
    """
    arrays, _ = _as_arrays("grads", grads)
    total, coef = _global_norm_and_coefficient(arrays, max_norm, norm_type, eps, error_if_nonfinite)
    return _scaled_copies(arrays, coef), total


def clip_by_global_norm_(
    grads: np.ndarray | Sequence[np.ndarray],
    max_norm: float,
    *,
    norm_type: float | str = 2.0,
    eps: float = 0.0,
    error_if_nonfinite: bool = True,
) -> float:
    r"""Rescale all arrays together, in place, so that their joint norm is at most `max_norm`.

    $$g^{(k)} \leftarrow g^{(k)} \cdot \min\Bigl(1,\ \frac{c}{N + \varepsilon}\Bigr)$$

    with $N$ the p-norm of the per-array p-norms, exactly as in
    [`clip_by_global_norm`][gdguide.clipping.clip_by_global_norm] (same options, edge cases and
    framework table). This is the counterpart of `torch.nn.utils.clip_grad_norm_`.

    Parameters
    ----------
    grads
        Writeable floating ndarrays (a list/tuple, or one array); modified in place.
    max_norm
        Positive finite threshold $c$.
    norm_type
        1, 2 or infinity (`float('inf')` or `'inf'`).
    eps
        $\varepsilon \ge 0$; `1e-6` reproduces PyTorch.
    error_if_nonfinite
        Raise on a non-finite $N$ (default) before anything is modified; `False` propagates.

    Returns
    -------
    float
        The pre-clip total norm $N$.

    Raises
    ------
    ValueError
        Empty `grads`, a read-only array, the same array listed twice, bad options, or a
        non-finite norm with `error_if_nonfinite=True`.
    TypeError
        An element that is not a floating ndarray.

    Notes
    -----
    Nothing is copied for contiguous float32/float64 arrays: one pass reads every array to
    compute the norms (BLAS `dot` on 65,536-entry rows of a raveled view) and a second pass
    multiplies in place, only when the coefficient is below 1. Peak extra memory is a few
    kilobytes; a non-contiguous array is raveled into one temporary copy (at most the largest
    array), and float16 is converted to float64 one chunk at a time. On 80 M float32 values in
    200 arrays, one thread, this runs within about 1.1x the time of
    `torch.nn.utils.clip_grad_norm_(foreach=True)` (see `benchmarks/bench_clip_global_norm.py`).

    References
    ----------
    1. R. Pascanu, T. Mikolov, Y. Bengio, ICML 2013,
       [arXiv:1211.5063](https://arxiv.org/abs/1211.5063).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import clip_by_global_norm_
    >>> a, b = np.array([3.0], np.float32), np.array([4.0], np.float32)
    >>> clip_by_global_norm_([a, b], 1.0)
    5.0
    >>> a.tolist(), b.tolist(), a.dtype.name
    ([0.6000000238418579], [0.800000011920929], 'float32')
    >>> z = np.zeros(3)
    >>> clip_by_global_norm_([z], 1.0), z.tolist()
    (0.0, [0.0, 0.0, 0.0])
    """
    arrays = _writable_arrays("grads", grads)
    total, coef = _global_norm_and_coefficient(arrays, max_norm, norm_type, eps, error_if_nonfinite)
    _scale_all_(arrays, coef)
    return total


# --------------------------------------------------------------------------- adaptive (AGC)


def _unit_norms(array: np.ndarray, output_axis: int | tuple[int, ...], label: str) -> np.ndarray:
    """L2 norm of each output unit, broadcastable against `array`, in float64."""
    squares = np.square(array, dtype=np.float64)
    if array.ndim <= 1:
        return np.sqrt(np.sum(squares, keepdims=True))
    kept = output_axis if isinstance(output_axis, tuple) else (output_axis,)
    try:
        kept = tuple(np.lib.array_utils.normalize_axis_index(int(k), array.ndim) for k in kept)
    except np.exceptions.AxisError:
        raise ValueError(
            f"output_axis={output_axis!r} is out of range for {label} with shape {array.shape}"
        ) from None
    reduced = tuple(k for k in range(array.ndim) if k not in kept)
    return np.sqrt(np.sum(squares, axis=reduced, keepdims=True))


#: optax's `unitwise_clip` divides by max(|G_i|, 1e-6) ("div_eps"), reproduced here.
_AGC_DIVISION_FLOOR = 1e-6


@overload
def adaptive_clip(
    grads: _ManyArrays,
    params: ArrayLike | Sequence[ArrayLike],
    clipping: float,
    *,
    eps: float = ...,
    output_axis: int | tuple[int, ...] = ...,
) -> list[NDArray[np.floating]]: ...
@overload
def adaptive_clip(
    grads: _OneArray,
    params: ArrayLike | Sequence[ArrayLike],
    clipping: float,
    *,
    eps: float = ...,
    output_axis: int | tuple[int, ...] = ...,
) -> NDArray[np.floating]: ...
def adaptive_clip(
    grads: ArrayLike | Sequence[ArrayLike],
    params: ArrayLike | Sequence[ArrayLike],
    clipping: float,
    *,
    eps: float = 1e-3,
    output_axis: int | tuple[int, ...] = -1,
) -> NDArray[np.floating] | list[NDArray[np.floating]]:
    r"""Adaptive gradient clipping (AGC): bound each unit's gradient relative to its weights.

    For every output unit $i$ with weight slice $W_i$ and gradient slice $G_i$:

    $$G_i \leftarrow \begin{cases}
    G_i \,\dfrac{\lambda \max(\lVert W_i\rVert, \epsilon)}{\lVert G_i\rVert}
      & \text{if } \lVert G_i\rVert > \lambda \max(\lVert W_i\rVert, \epsilon),\\
    G_i & \text{otherwise,}\end{cases}$$

    with $\lambda$ = `clipping`, $\epsilon$ = `eps` and $\lVert\cdot\rVert$ the Frobenius norm of
    the slice. The test is $\lVert G_i\rVert / \max(\lVert W_i\rVert, \epsilon) > \lambda$ written
    without a division. The bound is on that ratio, not on the change of the weights: only a plain
    SGD step of learning rate $\alpha$ on the clipped gradient is bounded, by
    $\alpha\lambda\max(\lVert W_i\rVert, \epsilon)$; momentum and Adam steps are not. As in
    optax, the division is by $\max(\lVert G_i\rVert, 10^{-6})$: this only matters when the
    bound $\lambda\max(\lVert W_i\rVert, \epsilon)$ is below $10^{-6}$, where a unit with
    $\lVert G_i\rVert$ between the bound and $10^{-6}$ is scaled by bound$/10^{-6}$ and so ends
    below the bound.

    Parameters
    ----------
    grads
        One gradient array or a list/tuple of them.
    params
        The matching parameters (same structure and shapes).
    clipping
        Positive finite $\lambda$. Brock et al.'s NFNets use 0.01 at batch size 4096 (larger
        batches need smaller values) and leave the final linear layer unclipped.
    eps
        Non-negative $\epsilon$, default $10^{-3}$ as in the paper and optax.
    output_axis
        The axis (or tuple of axes) that indexes output units; the norm is taken over all other
        axes. Default `-1`: the Flax/Haiku/optax layout (dense `(in, out)`, conv `HWIO`). Use `0`
        for PyTorch `nn.Linear` / `nn.Conv2d` weights `(out, in, ...)`. Arrays with at most one
        dimension (biases, scalars) are one unit each, as in optax.

    Returns
    -------
    ndarray or list of ndarray
        New arrays with the structure of `grads` (one array in, one array out); dtypes kept.

    Raises
    ------
    ValueError
        `grads` and `params` differ in length or shapes; empty lists; bad `clipping` or `eps`;
        an `output_axis` out of range.
    TypeError
        Non-numeric input.

    Notes
    -----
    Edge cases: a zero-initialized $W_i$ still gets gradients of norm up to $\lambda\epsilon$
    (that is what $\epsilon$ is for); a zero $G_i$ is unchanged; a unit exactly at a bound of at
    least $10^{-6}$ is unchanged (optax multiplies by $1$ there). A NaN in $G_i$ makes the whole
    unit NaN; an infinite entry makes the unit's finite entries 0 and its infinite entries NaN, as
    in optax. There is no error for non-finite values here: check with `np.isfinite`.

    Differences from `optax.adaptive_grad_clip` (0.2.8), whose defaults pick the axes from the
    rank: 2-D reduces axis 0, **3-D reduces only axis 0** (multi-head dense; pass
    `output_axis=(1, 2)` to match), 4-D and 5-D reduce all but the last axis; it also treats any
    array that squeezes to one dimension, like `(1, n)`, as a single unit, and it rejects rank > 5.

    References
    ----------
    1. A. Brock, S. De, S. L. Smith, K. Simonyan, "High-performance large-scale image
       recognition without normalization", ICML 2021,
       [arXiv:2102.06171](https://arxiv.org/abs/2102.06171).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import adaptive_clip
    >>> w = np.array([[3.0, 0.0], [4.0, 1.0]])      # (in, out): unit norms 5 and 1
    >>> g = np.array([[1.0, 0.0], [0.0, 0.5]])      # unit norms 1 and 0.5
    >>> adaptive_clip(g, w, 0.2).round(6).tolist()  # bounds 0.2*5 = 1 (kept), 0.2*1 = 0.2
    [[1.0, 0.0], [0.0, 0.2]]
    >>> adaptive_clip(np.array([3.0, 4.0]), np.zeros(2), 0.1).round(6).tolist()  # zero W
    [6e-05, 8e-05]
    >>> wt = np.array([[3.0, 4.0], [0.0, 1.0]])     # PyTorch layout (out, in)
    >>> adaptive_clip(g.T, wt, 0.2, output_axis=0).round(6).tolist()
    [[1.0, 0.0], [0.0, 0.2]]
    """
    lam = positive_finite("clipping", clipping)
    floor = nonnegative_finite("eps", eps)
    g_list, single = _as_arrays("grads", grads)
    w_list, _ = _as_arrays("params", params)
    if len(g_list) != len(w_list):
        raise ValueError(f"grads has {len(g_list)} arrays but params has {len(w_list)}")
    clipped = []
    for i, (g, w) in enumerate(zip(g_list, w_list, strict=True)):
        same_shape(f"grads[{i}]", g, f"params[{i}]", w)
        limit = lam * np.maximum(_unit_norms(w, output_axis, f"params[{i}]"), floor)
        g_norm = _unit_norms(g, output_axis, f"grads[{i}]")
        with np.errstate(invalid="ignore"):
            # optax's rule: divide by max(|G_i|, 1e-6), keep the unit where |G_i| < the bound
            shrink = limit / np.maximum(g_norm, _AGC_DIVISION_FLOOR)
            factor = np.where(g_norm < limit, 1.0, shrink)
            clipped.append(g * factor.astype(g.dtype))
    return clipped[0] if single else clipped


# --------------------------------------------------------------------------- per example


def _batched(name: str, per_example_grads: object) -> tuple[list[np.ndarray], bool, int]:
    arrays, single = _as_arrays(name, per_example_grads)
    if arrays[0].ndim == 0 or arrays[0].shape[0] == 0:
        raise ValueError(
            f"{name} needs a leading example axis of length >= 1, got shape {arrays[0].shape}"
        )
    batch = arrays[0].shape[0]
    for i, a in enumerate(arrays):
        if a.ndim == 0 or a.shape[0] != batch:
            raise ValueError(
                f"{name}[{i}] has shape {a.shape}; every array needs {batch} examples on axis 0"
            )
    return arrays, single, batch


@overload
def clip_per_example(
    per_example_grads: _ManyArrays, max_norm: float, *, error_if_nonfinite: bool = ...
) -> tuple[list[NDArray[np.floating]], NDArray[np.float64]]: ...
@overload
def clip_per_example(
    per_example_grads: _OneArray, max_norm: float, *, error_if_nonfinite: bool = ...
) -> tuple[NDArray[np.floating], NDArray[np.float64]]: ...
def clip_per_example(
    per_example_grads: ArrayLike | Sequence[ArrayLike],
    max_norm: float,
    *,
    error_if_nonfinite: bool = True,
) -> tuple[NDArray[np.floating] | list[NDArray[np.floating]], NDArray[np.float64]]:
    r"""Clip each example's gradient to norm `max_norm`, then sum over examples (DP-SGD style).

    $$\bar g = \sum_{b=1}^{B} g_b \cdot \min\Bigl(1, \frac{c}{\lVert g_b\rVert_2}\Bigr)$$

    where $g_b$ is the gradient of example $b$ (all arrays together: $\lVert g_b\rVert_2$ is the
    global L2 norm of example $b$ across the list), $B$ the number of examples and $c$ =
    `max_norm`. Vectorized over examples.

    Parameters
    ----------
    per_example_grads
        One array of shape `(B, ...)` or a list/tuple of such arrays (same `B`).
    max_norm
        Positive finite $c$.
    error_if_nonfinite
        Raise (default) when an example's norm is NaN or infinite. With `False`, as in optax, an
        example whose norm is NaN is added unscaled (the sum is NaN where it is NaN) and an
        example with an infinite entry is scaled by 0 (NaN there, its finite entries add 0).

    Returns
    -------
    clipped_sum : ndarray or list of ndarray
        $\bar g$ with shape `(...)` per array, same structure and dtype as the input.
    norms : ndarray
        The pre-clip norms $\lVert g_b\rVert_2$, shape `(B,)`, float64.
        `np.count_nonzero(norms > max_norm)` is optax's second output (number clipped).

    Raises
    ------
    ValueError
        Bad `max_norm`; no example axis or mismatched batch sizes; a non-finite norm with
        `error_if_nonfinite=True`.
    TypeError
        Non-numeric input.

    Notes
    -----
    An example with zero gradient or with norm exactly $c$ is kept as it is. DP-SGD then adds
    Gaussian noise $\mathcal N(0, \sigma^2 c^2 I)$ to $\bar g$ and divides by $B$; that part is
    not done here. `optax.per_example_global_norm_clip(grads, c)` returns the same sum and the
    number of clipped examples instead of the norms. Norms are accumulated in float64 (entries
    beyond $10^{154}$ in float64 overflow).

    References
    ----------
    1. M. Abadi et al., "Deep learning with differential privacy", CCS 2016,
       [arXiv:1607.00133](https://arxiv.org/abs/1607.00133).

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import clip_per_example
    >>> g = np.array([[0.0, 0.0, 0.0], [0.0, 3.0, 4.0], [4.0, 0.0, 3.0], [3.0, 4.0, 0.0]])
    >>> total, norms = clip_per_example(g, 1.25)
    >>> total.tolist(), norms.tolist()
    ([1.75, 1.75, 1.75], [0.0, 5.0, 5.0, 5.0])
    >>> clip_per_example(g, 5.0)[0].tolist()  # norms exactly at the threshold: plain sum
    [7.0, 7.0, 7.0]
    """
    c = positive_finite("max_norm", max_norm)
    strict = boolean("error_if_nonfinite", error_if_nonfinite)
    arrays, single, batch = _batched("per_example_grads", per_example_grads)
    flats = [a.reshape(batch, -1) for a in arrays]
    norms = np.sqrt(sum(np.einsum("ij,ij->i", f, f, dtype=np.float64) for f in flats))
    bad = np.flatnonzero(~np.isfinite(norms))
    if strict and bad.size:
        raise ValueError(
            f"per-example gradient norms are non-finite for examples {bad[:10].tolist()}"
        )
    factor = np.divide(c, norms, out=np.ones_like(norms), where=norms > c)
    with np.errstate(invalid="ignore"):
        sums = [np.einsum("i,i...->...", factor.astype(a.dtype), a) for a in arrays]
    return (sums[0] if single else sums), norms


# --------------------------------------------------------------------------- AutoClip


def autoclip_threshold(norm_history: ArrayLike, percentile: float = 10.0) -> float:
    r"""Clipping threshold from the history of gradient norms (AutoClip).

    $$c_t = Q_p\bigl(\lVert g_1\rVert, \dots, \lVert g_t\rVert\bigr)$$

    where $Q_p$ is the $p$-th percentile (`numpy.percentile`, linear interpolation) of the norms
    observed so far and $p$ = `percentile`. AutoClip then clips the current gradient to norm
    $c_t$ with [`clip_by_global_norm`][gdguide.clipping.clip_by_global_norm].

    Parameters
    ----------
    norm_history
        The gradient norms seen so far (any shape; flattened). Include the current norm, as
        the paper does, before clipping the current step.
    percentile
        $p \in [0, 100]$; the paper reports $p = 10$ as a good default.

    Returns
    -------
    float
        The threshold $c_t$.

    Raises
    ------
    ValueError
        Empty history, a NaN/infinite or negative norm in it, or `percentile` outside
        $[0, 100]$.
    TypeError
        Non-numeric input.

    Notes
    -----
    A zero norm in the history is allowed (the threshold may then be 0, and clipping to 0 is not
    possible: skip the step or fall back to a fixed threshold). Non-finite norms are rejected
    because one would poison every later percentile; record and skip such steps instead.
    For a fixed threshold, Pascanu et al. report that half to ten times the average norm "can still
    yield convergence, though convergence speed can be affected".

    References
    ----------
    1. P. Seetharaman, G. Wichern, B. Pardo, J. Le Roux, "AutoClip: adaptive gradient clipping
       for source separation networks", IEEE MLSP 2020,
       [arXiv:2007.14469](https://arxiv.org/abs/2007.14469).

    Examples
    --------
    >>> from gdguide import autoclip_threshold
    >>> autoclip_threshold([1.0, 2.0, 3.0, 4.0, 100.0], percentile=50)
    3.0
    >>> print(f"{autoclip_threshold([1.0, 2.0, 3.0, 4.0, 100.0]):.2f}")
    1.40
    """
    p = in_interval("percentile", percentile, 0.0, 100.0, closed_high=True)
    history = float_array("norm_history", norm_history).ravel()
    if history.size == 0:
        raise ValueError("norm_history is empty: no norm has been recorded yet")
    if not np.all(np.isfinite(history)):
        raise ValueError("norm_history contains NaN or infinite norms; skip those steps instead")
    if np.any(history < 0):
        raise ValueError("norm_history contains negative values; norms are >= 0")
    return float(np.percentile(history, p))


# --------------------------------------------------------------------------- rule objects


@dataclass(frozen=True)
class ClipByValue:
    r"""Clipping rule $g_j \leftarrow \min(\max(g_j, -c), c)$ as a callable, for runners and chains.

    Parameters
    ----------
    clip_value
        Positive finite bound $c$ (checked at construction).

    Notes
    -----
    Calling it returns [`clip_by_value`][gdguide.clipping.clip_by_value]`(grad, clip_value)` for
    one array; see there for edge cases (NaN stays NaN, $\pm\infty \to \pm c$) and PyTorch's
    `clip_grad_value_`.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import ClipByValue
    >>> rule = ClipByValue(0.5)
    >>> rule(np.array([100.0, 1.0, -0.2])).tolist()
    [0.5, 0.5, -0.2]
    """

    clip_value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "clip_value", positive_finite("clip_value", self.clip_value))

    def __call__(self, grad: ArrayLike) -> NDArray[np.floating]:
        """Return a clipped copy of `grad`."""
        clipped = clip_by_value(float_array("grad", grad), self.clip_value)
        assert isinstance(clipped, np.ndarray)  # one array in, one array out
        return clipped


@dataclass(frozen=True)
class ClipByNorm:
    r"""Clipping rule $g \leftarrow g\min(1, c/(\lVert g\rVert_p + \varepsilon))$ as a callable.

    Parameters
    ----------
    max_norm
        Positive finite threshold $c$.
    norm_type
        1, 2 or infinity (`'inf'` is stored as `float('inf')`).
    eps
        $\varepsilon \ge 0$; `1e-6` reproduces PyTorch.
    error_if_nonfinite
        Raise on a NaN/infinite norm (default) or propagate it.

    Notes
    -----
    Calling it returns the clipped array of
    [`clip_by_norm`][gdguide.clipping.clip_by_norm] (the pre-clip norm is dropped; call the
    function when you need it). Edge cases: zero and at-threshold gradients are unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from gdguide import ClipByNorm
    >>> rule = ClipByNorm(1.0)
    >>> rule(np.array([3.0, 4.0])).round(6).tolist()
    [0.6, 0.8]
    >>> rule(np.array([0.3, 0.4])).tolist()
    [0.3, 0.4]
    """

    max_norm: float
    norm_type: float | str = 2.0
    eps: float = 0.0
    error_if_nonfinite: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_norm", positive_finite("max_norm", self.max_norm))
        object.__setattr__(self, "norm_type", _norm_type(self.norm_type))
        object.__setattr__(self, "eps", nonnegative_finite("eps", self.eps))
        object.__setattr__(
            self, "error_if_nonfinite", boolean("error_if_nonfinite", self.error_if_nonfinite)
        )

    def __call__(self, grad: ArrayLike) -> NDArray[np.floating]:
        """Return a copy of `grad` with norm at most `max_norm`."""
        clipped, _ = clip_by_norm(
            grad,
            self.max_norm,
            norm_type=self.norm_type,
            eps=self.eps,
            error_if_nonfinite=self.error_if_nonfinite,
        )
        return clipped
