"""MkDocs hook: the pages' figures, drawn by the build as generated files.

`gdguide_site/figures.py` (owned with `gdguide.plotting`) draws every figure as SVG, labelled in
the build's language (`extra.gdguide.lang`). Each build adds them to its files as
`figures/<name>.svg` (MkDocs 1.6 `File.generated`, in `on_files`), so a build never writes into
docs/. A figure drawn before from the same inputs (the digest of the `gdguide` package, the
registry, numpy and matplotlib versions, the fonts) is reused from `gdguide_site.content_cache`;
any change to them draws it again, so a page never shows a stale figure.

In the pages (`on_page_content`), each figure's `<img>` becomes `figure_markup.linked_image`: its
size from the SVG, lazy loading, and a link to the figure file.
"""

from __future__ import annotations

import logging
import re
import time

from gdguide_site.figure_markup import linked_image
from gdguide_site.figures import FIGURES, figure_svg, inputs_digest
from gdguide_site.options import site_options
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.gdguide_figures")
FOLDER = "figures"
# Python-Markdown's output for `![alt](../figures/name.svg)`.
FIGURE = re.compile(
    r'<img alt="(?P<alt>[^"]*)" src="(?P<src>[^"]*figures/(?P<name>[\w.-]+\.svg))" ?/?>'
)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add this language's figures to the build's files as `figures/<name>.svg`."""
    lang = site_options(config).lang
    start = time.perf_counter()
    key = inputs_digest()  # a figure is reused only if it was drawn from exactly these inputs
    for name in FIGURES:
        uri = f"{FOLDER}/{name}.svg"
        old = files.get_file_from_path(uri)
        if old is not None:  # written into docs/ by a build before figures were generated files
            log.info("figures: %s in docs/ is ignored (delete it): the build draws it", uri)
            files.remove(old)
        files.append(File.generated(config, uri, content=figure_svg(name, lang, key=key)))
    log.info("figures: %d (%s) in %.1f s", len(FIGURES), lang, time.perf_counter() - start)
    return files


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Give each figure its size, lazy loading and a link to the figure file."""

    def replace(match: re.Match) -> str:
        data = files.get_file_from_path(f"{FOLDER}/{match['name']}").content_bytes
        return linked_image(match["src"], match["alt"], data)

    return FIGURE.sub(replace, html)
