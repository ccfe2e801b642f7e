"""The wheel the site serves: `dist/gdguide-X.Y.Z-py3-none-any.whl`, of the version it shows.

The wheel is built from a copy of what it is made of (`pyproject.toml`, the README and licences,
`gdguide/`), so a build never writes into the source tree, with `SOURCE_DATE_EPOCH` fixed so that
the same sources give the same bytes (both language builds, and rebuilds, serve one file). It is
cached by the hash of those sources (`content_cache`). The release workflow sets
`GDGUIDE_WHEEL` to the wheel it published, and the site serves that very file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from gdguide_site.content_cache import cache_dir, digest, package_files

ROOT = Path(__file__).resolve().parents[2]  # the repository (site_tools/gdguide_site/..)
#: What the wheel is built from (the package data is declared in pyproject.toml).
WHEEL_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "LICENSE-docs")
#: 1980-01-01, the earliest time a zip file can hold: the wheel's bytes do not depend on when.
SOURCE_DATE_EPOCH = "315532800"


def wheel_name(version: str) -> str:
    """The file name of the pure-Python wheel of `version` (PEP 427)."""
    return f"gdguide-{version}-py3-none-any.whl"


def _source_files() -> list[Path]:
    return [ROOT / name for name in WHEEL_SOURCES] + package_files(ROOT / "gdguide")


def build_wheel(version: str) -> Path:
    """Build (or reuse) the wheel of the checkout; return its path."""
    files = _source_files()
    cache = cache_dir() / f"wheel-{digest(files, ROOT)}"
    wheel = cache / wheel_name(version)
    if wheel.is_file():
        return wheel
    with tempfile.TemporaryDirectory(prefix="gdguide-wheel-") as work:
        source = Path(work) / "src"
        for path in files:
            target = source / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        out = Path(work) / "dist"
        done = subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
            cwd=source,
            env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
            capture_output=True,
            text=True,
        )
        built = out / wheel_name(version)
        if done.returncode != 0 or not built.is_file():
            raise RuntimeError(
                f"building the gdguide wheel failed:\n{done.stdout}\n{done.stderr}".rstrip()
            )
        cache.mkdir(parents=True, exist_ok=True)
        # Two language builds may get here at once: each moves a complete file into place.
        os.replace(built, wheel)
    return wheel


def released_wheel(version: str) -> Path | None:
    """The wheel named by `GDGUIDE_WHEEL` (the release workflow's published file), if set."""
    given = os.environ.get("GDGUIDE_WHEEL")
    if not given:
        return None
    wheel = Path(given)
    if wheel.name != wheel_name(version) or not wheel.is_file():
        raise ValueError(
            f"GDGUIDE_WHEEL must be the file {wheel_name(version)} of the version being built, "
            f"got {given!r}"
        )
    return wheel
