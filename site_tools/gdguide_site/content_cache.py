"""Build results cached by the hash of everything they are made from, so none is ever stale.

A cached file is named by a digest of its inputs (source files' paths and bytes, versions, any
other value that changes the result); change any input and the name changes, so an old result is
never found again. Files live in `GDGUIDE_CACHE_DIR` if set, else `<temp>/gdguide-cache/`; delete
the folder at any time. Writes are atomic (`os.replace` of a complete file), so the zh and en
builds, which run at once, may fill the same cache.

Used for the wheel the site serves (`release.py`) and the pages' figures (`figures.py`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path


def cache_dir() -> Path:
    """The folder of cached build results (`GDGUIDE_CACHE_DIR`, else the temporary folder's)."""
    given = os.environ.get("GDGUIDE_CACHE_DIR")
    return Path(given) if given else Path(tempfile.gettempdir()) / "gdguide-cache"


def package_files(folder: Path) -> list[Path]:
    """Every file below `folder` except byte-code caches, in a fixed order."""
    return sorted(
        path for path in folder.rglob("*") if path.is_file() and "__pycache__" not in path.parts
    )


def digest(files: Iterable[Path], root: Path, *values: object) -> str:
    """Hex digest (16 characters) of the files' paths relative to `root` and bytes, and `values`."""
    hasher = hashlib.sha256()
    for path in files:
        hasher.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    for value in values:
        hasher.update(b"\1" + repr(value).encode())
    return hasher.hexdigest()[:16]


def cached_bytes(name: str, make: Callable[[], bytes]) -> bytes:
    """The bytes cached as `name` (which must contain a digest of the inputs), made if missing."""
    path = cache_dir() / name
    if path.is_file():
        return path.read_bytes()
    content = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(content)
    os.replace(partial, path)
    return content
