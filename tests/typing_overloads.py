"""Checked by mypy (pyproject's `files`), not run by pytest: the return types of the
functions that give back "an array or a list, like the input" follow the input."""

from typing import assert_type

import numpy as np
from numpy.typing import NDArray

from gdguide import adaptive_clip, clip_by_value, clip_per_example

one = np.ones(3)
many = [np.ones(3), np.ones((2, 2))]

assert_type(clip_by_value(one, 1.0), NDArray[np.floating])
assert_type(clip_by_value(many, 1.0), list[NDArray[np.floating]])
assert_type(clip_by_value(tuple(many), 1.0), list[NDArray[np.floating]])
assert_type(adaptive_clip(one, one, 0.1), NDArray[np.floating])
assert_type(adaptive_clip(many, many, 0.1), list[NDArray[np.floating]])
assert_type(clip_per_example(np.ones((4, 3)), 1.0)[0], NDArray[np.floating])
assert_type(clip_per_example([np.ones((4, 3))], 1.0)[0], list[NDArray[np.floating]])
