"""MkDocs hook: draw the pages' figures before the build reads the docs.

`scripts/make_figures.py` (owned with `gdguide.plotting`) writes every figure as SVG, labelled in
one language, into `docs/<lang>/figures/`. The figures are generated, never committed
(`.gitignore`), so a page can never show a stale one: each build (`mkdocs build -f mkdocs.yml`
or `-f mkdocs.en.yml`, and so scripts/build_site.py) redraws them in its own language from
`gdguide`'s current code, before the files are collected (`on_pre_build`).

In the pages (`on_page_content`), each figure's `<img>` becomes `figure_markup.linked_image`: its
size from the SVG, lazy loading, and a link to the figure file.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from figure_markup import linked_image  # noqa: E402

log = logging.getLogger("mkdocs.hooks.gdguide_figures")
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_figures.py"
# Python-Markdown's output for `![alt](../figures/name.svg)`.
FIGURE = re.compile(
    r'<img alt="(?P<alt>[^"]*)" src="(?P<src>[^"]*figures/(?P<name>[\w.-]+\.svg))" ?/?>'
)


def on_pre_build(config):
    """Write this language's figures into `<docs_dir>/figures`."""
    if not SCRIPT.is_file():
        return
    spec = importlib.util.spec_from_file_location("make_figures", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lang = config.extra["gdguide"]["lang"]
    start = time.perf_counter()
    seconds = module.make_figures(lang, Path(config.docs_dir) / "figures")
    log.info("figures: %d (%s) in %.1f s", len(seconds), lang, time.perf_counter() - start)


def on_page_content(html, page, config, files):
    """Give each figure its size, lazy loading and a link to the figure file."""

    def replace(match: re.Match) -> str:
        data = (Path(config.docs_dir) / "figures" / match["name"]).read_bytes()
        return linked_image(match["src"], match["alt"], data)

    return FIGURE.sub(replace, html)
