"""Importing PyTorch / optax / Keras for the live comparisons: skipped locally, an error in CI.

`pyproject.toml`'s `frameworks` marker promises that the live comparisons never skip in CI. A
plain `pytest.importorskip` would skip them silently when CI forgot to install the frameworks;
`require_framework` imports the package directly when the environment variable `CI` is set to
a true value (`CI=true`, as CI services set it), so a missing framework fails the test there.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def in_ci() -> bool:
    """Whether this run is CI (`CI` set to anything but empty, 0, false or no)."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def require_framework(name: str) -> ModuleType:
    """Return the imported framework; skip when it is missing, except in CI where it fails."""
    if in_ci():
        try:
            return importlib.import_module(name)
        except ImportError as error:
            pytest.fail(f"CI must install {name} (pip install gdguide[frameworks]): {error}")
    return pytest.importorskip(name, reason=f"needs {name} (pip install gdguide[frameworks])")
