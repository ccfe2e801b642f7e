"""Old public names that still work, with a `DeprecationWarning` that names the new one."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any


def deprecated_names(module: str, renamed: Mapping[str, str]) -> Callable[[str], Any]:
    """Return a module-level `__getattr__` that serves each old name of `renamed` with a warning.

    `renamed` maps an old name to its new home, `"package.module.name"`; the new object is
    imported only when the old name is used, so a deprecated alias never slows `import gdguide`.
    Old names stay out of `__all__` (a star import does not bring them) and out of the docs.
    """

    def __getattr__(name: str) -> Any:
        if name not in renamed:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        target_module, _, target_name = renamed[name].rpartition(".")
        warnings.warn(
            f"{module}.{name} is deprecated and will be removed in a future release: "
            f"use {renamed[name]} (same arguments)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(target_module), target_name)

    return __getattr__
