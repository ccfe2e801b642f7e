"""Argument checks shared by every public function.

Each check names the offending parameter in its message, so a caller sees
`ValueError: max_norm must be a positive finite number, got -1.0` rather
than a NaN three steps later.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import numpy as np

__all__: list[str] = []


def positive_finite(name: str, value: object) -> float:
    """Return `value` as a float, or raise if it is not a positive finite real."""
    real = real_number(name, value)
    if not (math.isfinite(real) and real > 0):
        raise ValueError(f"{name} must be a positive finite number, got {real!r}")
    return real


def finite_real(name: str, value: object) -> float:
    """Return `value` as a float, or raise if it is not a finite real number."""
    real = real_number(name, value)
    if not math.isfinite(real):
        raise ValueError(f"{name} must be a finite number, got {real!r}")
    return real


def nonnegative_finite(name: str, value: object) -> float:
    """Return `value` as a float, or raise if it is not a finite real >= 0."""
    real = real_number(name, value)
    if not (math.isfinite(real) and real >= 0):
        raise ValueError(f"{name} must be a non-negative finite number, got {real!r}")
    return real


def in_interval(
    name: str, value: object, low: float, high: float, *, closed_high: bool = False
) -> float:
    """Return `value` as a float, or raise unless `low <= value < high` (or `<= high`)."""
    real = real_number(name, value)
    upper_ok = real <= high if closed_high else real < high
    if not (math.isfinite(real) and low <= real and upper_ok):
        bracket = "]" if closed_high else ")"
        raise ValueError(f"{name} must lie in [{low}, {high}{bracket}, got {real!r}")
    return real


def boolean(name: str, value: object) -> bool:
    """Return `value` as a bool, or raise `TypeError` unless it is `True`/`False` (or `np.bool_`).

    `1`, `"yes"` or `2.5` are refused rather than read by truthiness: a flag given a number is
    almost always an argument in the wrong position.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_callable(name: str, value: object, *, optional: bool = False) -> None:
    """Raise `TypeError` unless `value` is callable (or `None` when `optional`)."""
    if optional and value is None:
        return
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}")


def positive_int(name: str, value: object) -> int:
    """Return `value` as an int, or raise if it is not an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def nonnegative_int(name: str, value: object) -> int:
    """Return `value` as an int, or raise if it is not an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return int(value)


def real_number(name: str, value: object) -> float:
    """Return `value` as a float, or raise `TypeError` if it is not a real number."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


def float_array(name: str, value: object) -> np.ndarray:
    """Return `value` as a floating-point array without copying when it already is one.

    Integer and boolean input is converted to float64; float16/32/64 keep their
    dtype (so float32 gradients stay float32). Complex, object and string
    arrays raise `TypeError`.
    """
    array = np.asarray(value)
    if array.dtype.kind in "iub":
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        raise TypeError(f"{name} must be a real numeric array, got dtype {array.dtype}")
    return array


def finite_float_array(name: str, value: object) -> np.ndarray:
    """Return `value` as by `float_array`, or raise `ValueError` if an entry is NaN or infinite.

    For starting points and probe points: a NaN there would only come back as a NaN result.
    """
    array = float_array(name, value)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got NaN or infinite entries")
    return array


def writable_float_array(name: str, value: object) -> np.ndarray:
    """Return `value` itself if it is a writeable floating-point ndarray, else raise.

    In-place functions use this: they cannot modify a list or an integer array.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy ndarray to be modified in place, got {type(value).__name__}"
        )
    if value.dtype.kind != "f":
        raise TypeError(
            f"{name} must have a floating dtype to be modified in place, got {value.dtype}"
        )
    if not value.flags.writeable:
        raise ValueError(f"{name} is read-only and cannot be modified in place")
    return value


def array_list(name: str, arrays: object) -> list[np.ndarray]:
    """Return a non-empty list of floating arrays from one array or a sequence of arrays."""
    if isinstance(arrays, np.ndarray):
        return [float_array(name, arrays)]
    if not isinstance(arrays, Sequence) or isinstance(arrays, (str, bytes)):
        raise TypeError(
            f"{name} must be an array or a sequence of arrays, got {type(arrays).__name__}"
        )
    if len(arrays) == 0:
        raise ValueError(f"{name} is empty: there is no gradient to clip")
    return [float_array(f"{name}[{i}]", a) for i, a in enumerate(arrays)]


def same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Raise if two arrays differ in shape."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}")


def with_shape(
    name: str, array: np.ndarray, shape: tuple[int, ...], *, like: str = ""
) -> np.ndarray:
    """Return `array` if its shape is `shape`, else raise naming `name` (and `like`, its owner).

    Without `like` the message reads `x must have shape (3,), got (2,)`; with `like="x0"` it
    reads `grad(x) must have the shape of x0 (3,), got (2,)`.
    """
    if array.shape != shape:
        wanted = f"the shape of {like} {shape}" if like else f"shape {shape}"
        raise ValueError(f"{name} must have {wanted}, got {array.shape}")
    return array


def float_vector(name: str, value: object, size: int) -> np.ndarray:
    """Return `value` as by `float_array`, or raise unless it is a vector of length `size`."""
    return with_shape(name, float_array(name, value), (size,))


def choice(name: str, value: object, choices: Sequence[str]) -> str:
    """Return `value` if it is one of `choices`, else raise `ValueError` listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return str(value)
