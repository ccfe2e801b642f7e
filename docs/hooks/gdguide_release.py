"""MkDocs hook: the site says which `gdguide` made its outputs, and serves that version's wheel.

- `on_config`: puts the installed package's version (its metadata, the one place it is written:
  `pyproject.toml`; `gdguide.__version__` reads the same) into `extra.gdguide.version`, and the
  wheel's file name into `extra.gdguide.wheel`. The footer (docs/overrides/partials/
  copyright.html) shows both on every page.
- `on_files`: builds the wheel of the checkout and adds it to the site as the generated file
  `dist/<wheel>`, so that `pip install <site>/dist/gdguide-X.Y.Z-py3-none-any.whl` works for readers
  who cannot reach the package index, and links to it are checked by the strict build.

The wheel is built from a copy of what it is made of (`pyproject.toml`, the README and licences,
`gdguide/`), so a build never writes into the source tree, with `SOURCE_DATE_EPOCH` fixed so that
the same sources give the same bytes (both language builds, and rebuilds, serve one file). It is
cached by the hash of those sources in the system's temporary folder. The release workflow sets
`GDGUIDE_WHEEL` to the wheel it published, and the site serves that very file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
#: What the wheel is built from (the package data is declared in pyproject.toml).
WHEEL_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "LICENSE-docs")
#: 1980-01-01, the earliest time a zip file can hold: the wheel's bytes do not depend on when.
SOURCE_DATE_EPOCH = "315532800"


def wheel_name(version: str) -> str:
    """The file name of the pure-Python wheel of `version` (PEP 427)."""
    return f"gdguide-{version}-py3-none-any.whl"


def _source_files() -> list[Path]:
    package = sorted(
        path
        for path in (ROOT / "gdguide").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    return [ROOT / name for name in WHEEL_SOURCES] + package


def build_wheel(version: str) -> Path:
    """Build (or reuse) the wheel of the checkout; return its path."""
    files = _source_files()
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    cache = Path(tempfile.gettempdir()) / f"gdguide-wheel-{digest.hexdigest()[:16]}"
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
        cache.mkdir(exist_ok=True)
        # Two language builds may get here at once: each moves a complete file into place.
        os.replace(built, wheel)
    return wheel


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Record the version the outputs are made with and the name of its wheel."""
    version = metadata.version("gdguide")
    config.extra["gdguide"]["version"] = version
    config.extra["gdguide"]["wheel"] = wheel_name(version)
    return config


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


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Serve the wheel of this version at `dist/<wheel>`."""
    version = config.extra["gdguide"]["version"]
    wheel = released_wheel(version) or build_wheel(version)
    files.append(File.generated(config, f"dist/{wheel.name}", content=wheel.read_bytes()))
    return files
