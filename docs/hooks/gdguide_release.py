"""MkDocs hook: the site says which `gdguide` made its outputs, and serves that version's wheel.

- `on_config`: the installed package's version (its metadata, written once in `pyproject.toml`;
  `gdguide.__version__` reads the same) into `extra.gdguide.version`, the wheel's file name into
  `extra.gdguide.wheel`. The footer (`docs/overrides/partials/copyright.html`) shows both on
  every page, with `extra.gdguide.outputs_made_with` in the page's language.
- `on_files`: the wheel (`gdguide_site.release`: built reproducibly from the checkout, or the
  release's own file named by `GDGUIDE_WHEEL`) as the generated file `dist/<wheel>`, so that
  `pip install <site>/dist/gdguide-X.Y.Z-py3-none-any.whl` works without the package index and
  links to it are checked by the strict build.
"""

from __future__ import annotations

from importlib import metadata

from gdguide_site.release import build_wheel, released_wheel, wheel_name
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Record the version the outputs are made with and the name of its wheel."""
    version = metadata.version("gdguide")
    config.extra["gdguide"]["version"] = version
    config.extra["gdguide"]["wheel"] = wheel_name(version)
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Serve the wheel of this version at `dist/<wheel>`."""
    version = config.extra["gdguide"]["version"]
    wheel = released_wheel(version) or build_wheel(version)
    files.append(File.generated(config, f"dist/{wheel.name}", content=wheel.read_bytes()))
    return files
