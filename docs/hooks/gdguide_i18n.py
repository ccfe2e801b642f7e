"""MkDocs hook: one language per build (mkdocs.yml = 中文 at /, mkdocs.en.yml = English at /en/).

- `on_config`: the English build's `site_url` is the Chinese one plus `extra.gdguide.site_path`;
  nav entries whose file does not exist yet are left out (pages are written over time; the docs
  tests check that both languages list the same files).
- `on_page_markdown`: a line break after Chinese text inside a paragraph is dropped
  (`gdguide_site.cjk.join_cjk_line_breaks`): browsers render it as a space, which shows before a
  link or a formula after 「，」. Markdown pages only; code, math and HTML are left alone.
- `on_page_context`: Material's language switch (`extra.alternate`) normally points at each
  language's home page. Here every page gets links to *the same page* in each language: `href`, a
  path relative to the page (used by `docs/overrides/partials/alternate.html`, so it works on any
  host and under any sub-path) and `link`, the absolute URL from `site_url` (Material's
  `<link rel="alternate" hreflang>` in the page head).
- `on_post_page`: those `<link rel="alternate" hreflang>` tags are taken out of the page head again:
  Material's JavaScript fetches `sitemap.xml` next to every such link (a 404 and a console error
  on every page, since they point at pages, not at language roots). The same hreflang pairs are
  given to search engines in each language's `sitemap.xml` instead
  (`docs/overrides/sitemap.xml`, from `extra.gdguide.alternate_urls` set in `on_config`).

The keys written and read are listed in `gdguide_site/options.py`.
"""

from __future__ import annotations

import re
from pathlib import Path

from gdguide_site.cjk import join_cjk_line_breaks
from gdguide_site.nav import existing_nav
from gdguide_site.options import set_language_roots, set_page_alternates
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

HREFLANG_LINK = re.compile(r'[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">\n?')


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Set the English `site_url`, drop unwritten pages from the nav, keep the language roots."""
    set_language_roots(config)
    if config.nav:
        config.nav = existing_nav(config.nav, Path(config.docs_dir))
    return config


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Join the paragraph line breaks after CJK text (they would render as a stray space)."""
    if not page.file.src_uri.endswith(".md"):
        return markdown
    return join_cjk_line_breaks(markdown)


def on_page_context(context: dict, page: Page, config: MkDocsConfig, nav: Navigation) -> dict:
    """Point the language switch (and the hreflang links) at this page in each language."""
    set_page_alternates(page, config)
    return context


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Drop the hreflang `<link>`s from the head (they are in sitemap.xml; see the module doc)."""
    head, sep, body = output.partition("</head>")
    return HREFLANG_LINK.sub("", head) + sep + body
